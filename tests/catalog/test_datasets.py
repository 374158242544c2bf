"""Loading dataset contracts into the catalog, on both engines."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import audit
from catalog.datasets import get_dataset, list_datasets, register_contract
from catalog.errors import NotFound
from catalog.models import AuditEvent, DataElement
from schemas import ShareType, load_contract, load_elements
from tests.catalog import factories


def _registrations(session: Session) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "dataset.registered")
            .order_by(AuditEvent.id)
        )
    )


def test_register_shipped_contract(catalog_session: Session) -> None:
    shipped = load_contract("rsj_social_insurance")
    factories.department(catalog_session, shipped.owner_department)
    dataset = register_contract(catalog_session, shipped)
    catalog_session.commit()

    assert dataset.contract_sha256 == hashlib.sha256(shipped.path.read_bytes()).hexdigest()  # type: ignore[union-attr]
    assert [f.name for f in dataset.fields] == list(shipped.field_names)
    assert [f.position for f in dataset.fields] == list(range(1, len(shipped.fields) + 1))
    citizen = dataset.fields[0]
    assert citizen.data_element is not None and citizen.data_element.code == "citizen_id"
    assert citizen.personal and citizen.required
    assert dataset.fields[3].data_element is None  # employer_name has no element
    used = {f.element for f in shipped.fields if f.element}
    held = set(catalog_session.scalars(select(DataElement.code)))
    assert used <= held == set(load_elements())  # the shipped standards are seeded with it
    assert dataset.share_type is ShareType.CONDITIONAL
    assert get_dataset(catalog_session, "rsj_social_insurance").id == dataset.id
    assert [d.code for d in list_datasets(catalog_session)] == ["rsj_social_insurance"]

    events = _registrations(catalog_session)
    assert len(events) == 1
    assert events[0].dataset_id == dataset.id
    assert events[0].detail == {"code": dataset.code, "contract_sha256": dataset.contract_sha256}


def test_register_is_idempotent(catalog_session: Session, tmp_path: Path) -> None:
    owner = factories.department(catalog_session)
    contract = factories.contract(tmp_path, owner, code="ds_same")
    first = register_contract(catalog_session, contract)
    catalog_session.commit()
    before = audit.event_count(catalog_session)

    again = register_contract(catalog_session, contract)
    assert again.id == first.id
    assert not catalog_session.dirty and not catalog_session.new and not catalog_session.deleted
    catalog_session.commit()
    assert audit.event_count(catalog_session) == before
    assert len(_registrations(catalog_session)) == 1


def test_changed_contract_updates_fields_and_is_audited(
    catalog_session: Session, tmp_path: Path
) -> None:
    owner = factories.department(catalog_session)
    first = register_contract(catalog_session, factories.contract(tmp_path, owner, code="ds_x"))
    catalog_session.commit()
    first_sha = first.contract_sha256
    old_fields = {f.name: f.id for f in first.fields}

    changed = factories.contract(
        tmp_path,
        owner,
        code="ds_x",
        drop_fields=("employer_name",),
        title_zh="新标题",
        share_type=ShareType.UNCONDITIONAL,
    )
    dataset = register_contract(catalog_session, changed)
    catalog_session.commit()
    catalog_session.expire_all()

    dataset = get_dataset(catalog_session, "ds_x")
    assert dataset.title_zh == "新标题"
    assert dataset.share_type is ShareType.UNCONDITIONAL
    assert [f.name for f in dataset.fields] == list(changed.field_names)
    assert "employer_name" not in [f.name for f in dataset.fields]
    assert [f.position for f in dataset.fields] == list(range(1, len(changed.fields) + 1))
    assert dataset.fields[0].id == old_fields["citizen_id"]  # kept, not recreated
    events = _registrations(catalog_session)
    assert first_sha != dataset.contract_sha256
    assert [e.detail["contract_sha256"] for e in events] == [first_sha, dataset.contract_sha256]
    assert audit.verify_chain(catalog_session).ok


def test_unknown_owner_department(catalog_session: Session, tmp_path: Path) -> None:
    owner = factories.department(catalog_session, "REAL")
    contract = factories.contract(tmp_path, owner, owner_department="GHOST")
    with pytest.raises(NotFound) as caught:
        register_contract(catalog_session, contract)
    assert caught.value.code == "department.not_found"


def test_get_dataset_not_found(catalog_session: Session) -> None:
    with pytest.raises(NotFound) as caught:
        get_dataset(catalog_session, "nope")
    assert caught.value.code == "dataset.not_found"
