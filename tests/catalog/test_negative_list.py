"""The negative list (负面清单) kept and enforced on a real catalog, on both engines: who may add
and lift entries, what an entry needs, and that requests and approvals touching a listed dataset
or field are refused — audited, with the legal basis — from the next act on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from catalog.errors import AccessRefused, Conflict, InvalidInput, NotFound
from catalog.models import AccessMode, AuditEvent, Grant, RequestStatus, Role
from catalog.negative_list import add_entry, lift_entry, list_entries
from catalog.requests import approve_request, file_request
from catalog.resources import DatasetTerms
from schemas import ShareType
from tests.catalog import factories

NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
BASIS = "《中华人民共和国个人信息保护法》第二十八条：敏感个人信息"
REVIEW = dt.date(2026, 9, 30)


def _refusals(session: Session) -> list[tuple[str, str]]:
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "access.refused"))
    return [(e.detail["act"], e.detail["code"]) for e in events]


def _list(session: Session, ex: factories.Exchange, field: str | None = "employer_name") -> int:
    entry = add_entry(
        session,
        ex.publisher.principal,
        ex.dataset.code,
        field=field,
        legal_basis=BASIS,
        review_date=REVIEW,
        now=NOW,
    )
    return entry.id


def test_a_publisher_lists_and_lifts_a_field_of_its_own_dataset(
    catalog_session: Session, tmp_path: Path
) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    entry_id = _list(catalog_session, ex)
    assert [e.field for e in DatasetTerms.of(ex.dataset).negative] == ["employer_name"]
    (view,) = list_entries(catalog_session, ex.requester.principal, now=NOW)
    assert (view.entry_id, view.field, view.legal_basis, view.review_date) == (
        entry_id,
        "employer_name",
        BASIS,
        REVIEW,
    )
    assert view.field_title and not view.due_for_review and view.live
    lift_entry(
        catalog_session, ex.publisher.principal, entry_id, reason="法规修订，解除限制", now=NOW
    )
    assert DatasetTerms.of(ex.dataset).negative == ()
    assert list_entries(catalog_session, ex.requester.principal, now=NOW) == []
    (lifted,) = list_entries(catalog_session, ex.requester.principal, include_lifted=True, now=NOW)
    assert lifted.lift_reason == "法规修订，解除限制" and not lifted.live
    actions = [e.action for e in catalog_session.scalars(select(AuditEvent))]
    assert "negative_list.added" in actions and "negative_list.lifted" in actions
    with pytest.raises(Conflict) as lifted_twice:
        lift_entry(catalog_session, ex.publisher.principal, entry_id, reason="再次", now=NOW)
    assert lifted_twice.value.code == "negative.already_lifted"


def test_an_entry_past_its_review_date_stays_in_force_and_is_due(
    catalog_session: Session, tmp_path: Path
) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    _list(catalog_session, ex)
    later = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)
    assert list_entries(catalog_session, ex.requester.principal, due=True, now=NOW) == []
    (due,) = list_entries(catalog_session, ex.requester.principal, due=True, now=later)
    assert due.due_for_review
    assert DatasetTerms.of(ex.dataset).negative  # still barred
    with pytest.raises(AccessRefused) as refused:
        file_request(
            catalog_session,
            ex.requester.principal,
            ex.dataset.code,
            ["period", "employer_name"],
            "核验",
            now=later,
        )
    assert refused.value.code == "negative_list.field"


@pytest.mark.parametrize(
    ("role", "own"),
    [
        (Role.PUBLISHER, False),
        (Role.STEWARD, True),
        (Role.REQUESTER, True),
        (Role.AUDITOR, True),
        (Role.AUDITOR, False),
    ],
    ids=["other-publisher", "own-steward", "own-requester", "own-auditor", "other-auditor"],
)
def test_only_the_owners_publishers_and_admins_keep_the_list(
    catalog_session: Session, tmp_path: Path, role: Role, own: bool
) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    entry_id = _list(catalog_session, ex, "amount")
    who = factories.actor(catalog_session, ex.owner if own else ex.requester_dept, role)
    with pytest.raises(AccessRefused) as adding:
        add_entry(
            catalog_session,
            who.principal,
            ex.dataset.code,
            field="period",
            legal_basis=BASIS,
            review_date=REVIEW,
            now=NOW,
        )
    assert adding.value.code == "negative_list.not_manager"
    with pytest.raises(AccessRefused):
        lift_entry(catalog_session, who.principal, entry_id, reason="想要数据", now=NOW)
    assert _refusals(catalog_session) == [("negative_list.manage", "negative_list.not_manager")] * 2
    assert len(list_entries(catalog_session, who.principal, now=NOW)) == 1  # still listed
    admin = factories.actor(catalog_session, ex.requester_dept, Role.ADMIN)
    lift_entry(catalog_session, admin.principal, entry_id, reason="管理员复核解除", now=NOW)


@pytest.mark.parametrize(
    ("field", "basis", "review", "code"),
    [
        ("employer_name", "", REVIEW, "negative.basis_required"),
        ("employer_name", "　 ", REVIEW, "negative.basis_required"),  # full-width space only
        ("employer_name", "法" * 2001, REVIEW, "negative.basis_required"),
        ("employer_name", BASIS, dt.date(2026, 2, 28), "negative.invalid_review"),
        ("no_such_field", BASIS, REVIEW, "negative.unknown_field"),
    ],
    ids=["empty-basis", "blank-basis", "long-basis", "past-review", "unknown-field"],
)
def test_an_entry_needs_a_basis_a_future_review_and_a_real_field(
    catalog_session: Session,
    tmp_path: Path,
    field: str,
    basis: str,
    review: dt.date,
    code: str,
) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    with pytest.raises(InvalidInput) as bad:
        add_entry(
            catalog_session,
            ex.publisher.principal,
            ex.dataset.code,
            field=field,
            legal_basis=basis,
            review_date=review,
            now=NOW,
        )
    assert bad.value.code == code


def test_listing_twice_and_unknown_entries(catalog_session: Session, tmp_path: Path) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    _list(catalog_session, ex)
    with pytest.raises(Conflict):
        _list(catalog_session, ex)
    _list(catalog_session, ex, None)  # the whole dataset is a separate entry
    with pytest.raises(NotFound):
        lift_entry(catalog_session, ex.publisher.principal, 99_999, reason="x", now=NOW)
    with pytest.raises(InvalidInput) as no_reason:
        lift_entry(catalog_session, ex.publisher.principal, 1, reason=" ", now=NOW)
    assert no_reason.value.code == "negative.reason_required"


@pytest.mark.parametrize(
    ("fields", "row_filter", "match_fields"),
    [
        (["period", "employer_name"], [], []),
        (["period"], [{"field": "employer_name", "op": "prefix", "value": "杭州"}], []),
        (["period", "citizen_id"], [], ["employer_name"]),
    ],
    ids=["as-field", "in-row-filter", "as-match-field"],
)
def test_a_request_naming_a_listed_field_is_refused_audited_with_the_basis(
    catalog_session: Session,
    tmp_path: Path,
    fields: list[str],
    row_filter: list[dict[str, str]],
    match_fields: list[str],
) -> None:
    ex = factories.exchange(catalog_session, tmp_path, ShareType.UNCONDITIONAL)
    _list(catalog_session, ex)
    with pytest.raises(AccessRefused) as refused:
        file_request(
            catalog_session,
            ex.requester.principal,
            ex.dataset.code,
            fields,
            "社保缴费核验",
            row_filter=row_filter,
            match_fields=match_fields,
            access_modes=(AccessMode.QUERY, AccessMode.VERIFY),
            now=NOW,
        )
    assert refused.value.code == "negative_list.field" and BASIS in str(refused.value)
    assert _refusals(catalog_session) == [("request.file", "negative_list.field")]
    assert catalog_session.scalars(select(Grant)).first() is None


def test_a_listed_dataset_cannot_be_requested(catalog_session: Session, tmp_path: Path) -> None:
    ex = factories.exchange(catalog_session, tmp_path, ShareType.UNCONDITIONAL)
    _list(catalog_session, ex, None)
    with pytest.raises(AccessRefused) as refused:
        file_request(
            catalog_session, ex.requester.principal, ex.dataset.code, ["period"], "统计", now=NOW
        )
    assert refused.value.code == "negative_list.dataset" and BASIS in str(refused.value)


def test_an_approval_after_the_field_was_listed_is_refused_and_lifting_restores_it(
    catalog_session: Session, tmp_path: Path
) -> None:
    ex = factories.exchange(catalog_session, tmp_path)
    request = file_request(
        catalog_session,
        ex.requester.principal,
        ex.dataset.code,
        ["period", "employer_name"],
        "企业参保核查",
        now=NOW,
    )
    entry_id = _list(catalog_session, ex)
    with pytest.raises(AccessRefused) as refused:
        approve_request(catalog_session, ex.publisher.principal, request.id, now=NOW)
    assert refused.value.code == "negative_list.field"
    assert request.status is RequestStatus.PENDING
    lift_entry(catalog_session, ex.publisher.principal, entry_id, reason="复核后解除", now=NOW)
    grant = approve_request(catalog_session, ex.publisher.principal, request.id, now=NOW)
    assert "employer_name" in grant.fields


def test_an_entry_made_in_one_session_binds_the_next_act_in_another(
    catalog_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """No process cache: terms built in a second session see the entry committed by the first."""
    with catalog_factory() as first:
        ex = factories.exchange(first, tmp_path)
        code = ex.dataset.code
        publisher = ex.publisher.principal
        first.commit()
        with catalog_factory() as second:
            from catalog.datasets import get_dataset

            assert DatasetTerms.of(get_dataset(second, code)).negative == ()
            entry = add_entry(
                first,
                publisher,
                code,
                field="amount",
                legal_basis=BASIS,
                review_date=REVIEW,
                now=NOW,
            )
            first.commit()
            second.expire_all()
            (seen,) = DatasetTerms.of(get_dataset(second, code)).negative
            assert seen.entry_id == entry.id and seen.legal_basis == BASIS
