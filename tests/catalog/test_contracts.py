"""Contracts with a life cycle: register, revise, versions, the stored contract at run time,
resource codes and who may do what — on both engines."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.contracts import current_contract, list_versions, register_dataset, revise_dataset
from catalog.errors import AccessRefused, Conflict, NotFound
from catalog.models import AuditEvent, Role
from catalog.principals import SYSTEM
from schemas import ContractError, ShareType
from tests.catalog import factories
from tests.catalog.contract_factories import contract_text


def _actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_register_then_revise_keeps_versions(catalog_session: Session) -> None:
    owner = factories.department(catalog_session, "330100RSJ")
    publisher = factories.actor(catalog_session, owner, Role.PUBLISHER)
    first = contract_text(owner, classification="2.07.001.002")
    dataset = register_dataset(catalog_session, first, publisher.principal)
    catalog_session.commit()
    assert dataset.version == 1
    assert dataset.resource_code == "2.07.001.002/330100RSJ-00001"
    assert dataset.provider_code == "330100RSJ"
    assert dataset.classification == "2.07.001.002"
    assert dataset.share_method == ["api", "file"] and "社保" in dataset.tags
    assert current_contract(catalog_session, "ds_life").title_zh == "社会保险缴费信息"

    second = contract_text(owner, title_zh="社会保险缴费明细", classification="2.07.001.003")
    revision = revise_dataset(catalog_session, second, publisher.principal)
    catalog_session.commit()
    assert revision.applied and revision.version == 2
    assert dataset.resource_code == "2.07.001.002/330100RSJ-00001"  # stable across revisions
    assert current_contract(catalog_session, "ds_life").title_zh == "社会保险缴费明细"

    versions = list_versions(catalog_session, "ds_life")
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].contract_text == first
    assert versions[1].contract_sha256 == hashlib.sha256(second.encode()).hexdigest()
    assert versions[1].registered_by == publisher.account.name
    assert versions[1].registered_by_account_id == publisher.account.id
    assert "dataset.revised" in _actions(catalog_session)

    again = revise_dataset(catalog_session, second, publisher.principal)
    assert again.unchanged and not again.applied
    assert len(list_versions(catalog_session, "ds_life")) == 2


def test_register_refuses_an_existing_code_and_revise_an_unknown_one(
    catalog_session: Session,
) -> None:
    owner = factories.department(catalog_session)
    register_dataset(catalog_session, contract_text(owner), SYSTEM)
    with pytest.raises(Conflict) as exists:
        register_dataset(catalog_session, contract_text(owner), SYSTEM)
    assert exists.value.code == "dataset.exists"
    with pytest.raises(NotFound) as unknown:
        revise_dataset(catalog_session, contract_text(owner, code="ds_nowhere"), SYSTEM)
    assert unknown.value.code == "dataset.not_found"
    with pytest.raises(NotFound) as no_contract:
        current_contract(catalog_session, "ds_nowhere")
    assert no_contract.value.code == "dataset.not_found"


def test_resource_codes_follow_the_rule_and_stay_unique(catalog_session: Session) -> None:
    owner = factories.department(catalog_session, "330100RSJ")
    a = register_dataset(
        catalog_session, contract_text(owner, "ds_a", classification="2.07"), SYSTEM
    )
    b = register_dataset(catalog_session, contract_text(owner, "ds_b", classification=None), SYSTEM)
    assert (a.resource_code, b.resource_code) == ("2.07/330100RSJ-00001", "0/330100RSJ-00002")
    given = contract_text(owner, "ds_c", resource_code="3.01/330100RSJ-00042")
    assert register_dataset(catalog_session, given, SYSTEM).resource_code == "3.01/330100RSJ-00042"
    d = register_dataset(catalog_session, contract_text(owner, "ds_d"), SYSTEM)
    assert d.resource_code == "2.07.001.002/330100RSJ-00043"
    with pytest.raises(Conflict) as taken:
        register_dataset(
            catalog_session,
            contract_text(owner, "ds_e", resource_code="3.01/330100RSJ-00042"),
            SYSTEM,
        )
    assert taken.value.code == "dataset.resource_code_taken"
    with pytest.raises(Conflict) as changed:
        revise_dataset(
            catalog_session,
            contract_text(owner, "ds_a", resource_code="2.07/330100RSJ-00009"),
            SYSTEM,
        )
    assert changed.value.code == "dataset.resource_code_changed"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"share_basis": ""}, "contract.legal_basis_required"),
        ({"share_type": "not_shared", "share_basis": "", "share_method": None},
         "contract.legal_basis_required"),
        ({"share_conditions": ""}, "contract.share_conditions_required"),
    ],
)  # fmt: skip
def test_no_legal_basis_no_save(
    catalog_session: Session, changes: dict[str, object], code: str
) -> None:
    owner = factories.department(catalog_session)
    with pytest.raises(ContractError) as caught:
        register_dataset(catalog_session, contract_text(owner, **changes), SYSTEM)
    assert caught.value.code == code
    register_dataset(catalog_session, contract_text(owner), SYSTEM)
    with pytest.raises(ContractError) as revised:
        revise_dataset(catalog_session, contract_text(owner, **changes), SYSTEM)
    assert revised.value.code == code
    assert list_versions(catalog_session, "ds_life")[-1].version == 1


def test_contract_files_and_bytes_load_too(catalog_session: Session, tmp_path: Path) -> None:
    owner = factories.department(catalog_session)
    path = tmp_path / "契约.yaml"
    path.write_text(contract_text(owner, "ds_file"), encoding="utf-8")
    assert register_dataset(catalog_session, path, SYSTEM).code == "ds_file"
    raw = contract_text(owner, "ds_bytes").encode("utf-8")
    assert register_dataset(catalog_session, raw, SYSTEM).code == "ds_bytes"
    with pytest.raises(ContractError) as gbk:
        register_dataset(catalog_session, contract_text(owner, "ds_gbk").encode("gbk"), SYSTEM)
    assert gbk.value.code == "contract.not_utf8"


def test_who_may_register_and_revise(catalog_session: Session) -> None:
    owner = factories.department(catalog_session)
    other = factories.department(catalog_session)
    own_publisher = factories.actor(catalog_session, owner, Role.PUBLISHER).principal
    own_steward = factories.actor(catalog_session, owner, Role.STEWARD).principal
    own_requester = factories.actor(catalog_session, owner, Role.REQUESTER).principal
    stranger = factories.actor(catalog_session, other, Role.PUBLISHER).principal
    auditor = factories.actor(catalog_session, other, Role.AUDITOR).principal
    admin = factories.actor(catalog_session, other, Role.ADMIN).principal

    for actor in (stranger, own_requester, auditor):
        with pytest.raises(AccessRefused) as refused:
            register_dataset(catalog_session, contract_text(owner), actor)
        assert refused.value.code == "dataset.not_owner"
    register_dataset(catalog_session, contract_text(owner), own_steward)
    revise_dataset(catalog_session, contract_text(owner, title_zh="二"), own_publisher)
    for actor in (stranger, auditor, own_requester):
        with pytest.raises(AccessRefused) as refused:
            revise_dataset(catalog_session, contract_text(owner, title_zh="三"), actor)
        assert refused.value.code == "dataset.not_owner"
    with pytest.raises(AccessRefused) as moved:
        revise_dataset(catalog_session, contract_text(other, title_zh="四"), own_publisher)
    assert moved.value.code == "dataset.owner_change"
    revision = revise_dataset(catalog_session, contract_text(other, title_zh="五"), admin)
    assert revision.dataset.owner_department_id == other.id
    catalog_session.commit()
    assert _actions(catalog_session).count("access.refused") == 7
    assert [v.version for v in list_versions(catalog_session, "ds_life")] == [1, 2, 3]


def test_register_contract_still_loads_files(catalog_session: Session, tmp_path: Path) -> None:
    owner = factories.department(catalog_session)
    dataset = factories.dataset(catalog_session, tmp_path, owner, ShareType.CONDITIONAL)
    assert dataset.version == 1 and dataset.resource_code
    assert current_contract(catalog_session, dataset.code).code == dataset.code
