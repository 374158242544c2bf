"""The responsibility list and the demand list, on SQLite and PostgreSQL: each act through the
one access decision and audited, and every attack on them refused (and audited) with nothing
changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.audit import verify_chain
from catalog.demands import (
    decline_demand,
    file_demand,
    fulfil_demand,
    list_demands,
    match_demand,
    may_see_whole,
    record_request,
    settle_approved,
    suggest_datasets,
)
from catalog.errors import AccessRefused, CatalogError, Conflict, InvalidInput, NotFound
from catalog.list_tables import DemandItem, DemandStatus, ResponsibilityItem
from catalog.models import AuditEvent, Dataset, Department, RequestStatus, Role, utcnow
from catalog.requests import approve_request, file_request, refuse_request
from catalog.responsibilities import (
    add_responsibility,
    link_responsibility,
    list_responsibilities,
    retire_responsibility,
)
from schemas import ShareType
from tests.catalog import factories
from tests.catalog.factories import Actor


@dataclass(frozen=True)
class Cast:
    owner: Department  # 人社局: bears the responsibility, owns the dataset
    publisher: Actor
    steward: Actor
    requesting: Department  # 税务局: files demands
    requester: Actor
    stranger: Department  # 公安局
    stranger_publisher: Actor
    stranger_requester: Actor
    admin: Actor
    auditor: Actor
    dataset: Dataset  # 社会保险缴费信息, the owner's
    foreign: Dataset  # the stranger's


@pytest.fixture
def cast(catalog_session: Session, tmp_path: Path) -> Cast:
    s = catalog_session
    owner, requesting, stranger = (factories.department(s) for _ in range(3))
    platform = factories.department(s)
    return Cast(
        owner=owner,
        publisher=factories.actor(s, owner, Role.PUBLISHER),
        steward=factories.actor(s, owner, Role.STEWARD),
        requesting=requesting,
        requester=factories.actor(s, requesting, Role.REQUESTER),
        stranger=stranger,
        stranger_publisher=factories.actor(s, stranger, Role.PUBLISHER, Role.STEWARD),
        stranger_requester=factories.actor(s, stranger, Role.REQUESTER),
        admin=factories.actor(s, platform, Role.ADMIN),
        auditor=factories.actor(s, platform, Role.AUDITOR),
        dataset=factories.dataset(s, tmp_path, owner),
        foreign=factories.dataset(s, tmp_path, stranger, title_zh="企业登记信息"),
    )


def _duty(s: Session, cast: Cast, **overrides: object) -> ResponsibilityItem:
    values: dict[str, object] = {
        "department_code": cast.owner.code,
        "title_zh": "社会保险缴费信息",
        "title_en": "Social insurance contributions",
        "duty": "按月提供全市参保单位及个人缴费明细",
        "legal_basis": "《社会保险法》第七十五条",
        "update_cycle": "monthly",
        "min_quality_score": 95,
    }
    values.update(overrides)
    return add_responsibility(s, cast.admin.principal, **values)  # type: ignore[arg-type]


def _demand(s: Session, cast: Cast, **overrides: object) -> DemandItem:
    values: dict[str, object] = {
        "title": "社保缴费记录核验",
        "scenario": "个人所得税专项附加扣除审核",
        "legal_duty": "《税收征收管理法》第六条",
        "fields_wanted": ["公民身份号码", "缴费金额"],
    }
    values.update(overrides)
    return file_demand(s, cast.requester.principal, **values)  # type: ignore[arg-type]


def _actions(s: Session) -> list[str]:
    return list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def _refused(s: Session) -> list[str]:
    rows = s.scalars(select(AuditEvent).where(AuditEvent.action == "access.refused"))
    return [str(e.detail["code"]) for e in rows]


# --- the responsibility list -------------------------------------------------------------------


def test_admin_adds_and_the_department_links_its_own_dataset(
    catalog_session: Session, cast: Cast
) -> None:
    s = catalog_session
    item = _duty(s, cast)
    assert (item.update_cycle, item.min_quality_score, item.dataset_id) == ("monthly", 95.0, None)
    linked = link_responsibility(s, cast.steward.principal, item.id, cast.dataset.code)
    assert linked.dataset_id == cast.dataset.id and linked.linked_at is not None
    assert linked.linked_by_account_id == cast.steward.account.id
    everyone = list_responsibilities(s, cast.stranger_requester.principal)
    assert [r.id for r in everyone] == [item.id]
    assert (
        list_responsibilities(s, cast.auditor.principal, department_code=cast.stranger.code) == []
    )
    assert _actions(s)[-2:] == ["responsibility.added", "responsibility.linked"]
    s.commit()
    assert verify_chain(s).ok


@pytest.mark.parametrize("who", ["stranger_publisher", "requester", "auditor"])
def test_another_department_cannot_link_or_retire(
    catalog_session: Session, cast: Cast, who: str
) -> None:
    s = catalog_session
    item = _duty(s, cast)
    actor: Actor = getattr(cast, who)
    with pytest.raises(AccessRefused) as linking:
        link_responsibility(s, actor.principal, item.id, cast.dataset.code)
    assert linking.value.code == "responsibility.not_own_department"
    with pytest.raises(AccessRefused) as retiring:
        retire_responsibility(s, actor.principal, item.id, "不再需要")
    assert retiring.value.code == "role.admin_required"
    with pytest.raises(AccessRefused):
        add_responsibility(
            s,
            actor.principal,
            department_code=cast.owner.code,
            title_zh="伪造责任",
            duty="x",
            legal_basis="x",
            update_cycle="daily",
            min_quality_score=1,
        )
    s.refresh(item)
    assert item.dataset_id is None and item.retired_at is None
    assert _refused(s) == [
        "responsibility.not_own_department",
        "role.admin_required",
        "role.admin_required",
    ]


def test_a_responsibility_is_linked_only_to_its_own_departments_dataset(
    catalog_session: Session, cast: Cast
) -> None:
    s = catalog_session
    item = _duty(s, cast)
    for actor in (cast.publisher, cast.admin):
        with pytest.raises(AccessRefused) as refused:
            link_responsibility(s, actor.principal, item.id, cast.foreign.code)
        assert refused.value.code == "responsibility.dataset_not_own"
    s.refresh(item)
    assert item.dataset_id is None


def test_the_owners_publisher_cannot_retire_and_a_retired_item_stays(
    catalog_session: Session, cast: Cast
) -> None:
    s = catalog_session
    item = _duty(s, cast)
    with pytest.raises(AccessRefused):
        retire_responsibility(s, cast.publisher.principal, item.id, "我们不想提供")
    with pytest.raises(InvalidInput):
        retire_responsibility(s, cast.admin.principal, item.id, "\u3000 ")
    retire_responsibility(s, cast.admin.principal, item.id, "职责调整，转由市场监管局提供")
    with pytest.raises(Conflict) as again:
        link_responsibility(s, cast.publisher.principal, item.id, cast.dataset.code)
    assert again.value.code == "responsibility.retired"
    assert list_responsibilities(s, cast.publisher.principal) == []
    kept = list_responsibilities(s, cast.publisher.principal, include_retired=True)
    assert [r.retire_reason for r in kept] == ["职责调整，转由市场监管局提供"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title_zh", ""),
        ("title_zh", "\u3000\u3000"),  # full-width spaces only
        ("title_zh", "责" * 201),
        ("duty", "提" * 2001),
        ("legal_basis", "第一条\x00"),
        ("title_zh", "标题\n换行"),
        ("update_cycle", "hourly"),
        ("min_quality_score", 100.5),
        ("min_quality_score", "１２０"),
        ("min_quality_score", "NaN"),
        ("min_quality_score", True),
    ],
)
def test_bad_responsibility_input_is_refused(
    catalog_session: Session, cast: Cast, field: str, value: object
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _duty(catalog_session, cast, **{field: value})
    assert refused.value.code == "responsibility.invalid"
    assert catalog_session.scalars(select(ResponsibilityItem)).all() == []


def test_full_width_codes_and_chinese_text_are_kept_right(
    catalog_session: Session, cast: Cast
) -> None:
    full_width_code = "".join(chr(ord(c) + 0xFEE0) for c in cast.owner.code)  # ＤＥＰＴ０００１
    item = _duty(
        catalog_session,
        cast,
        department_code=full_width_code,
        update_cycle="ＭＯＮＴＨＬＹ",
        min_quality_score="９９.５",
        title_zh="　社会保险（养老）缴费信息　",
    )
    assert item.department_id == cast.owner.id
    assert (item.update_cycle, item.min_quality_score) == ("monthly", 99.5)
    assert item.title_zh == "社会保险（养老）缴费信息"  # trimmed, its full-width brackets kept


def test_unknown_things_are_not_found(catalog_session: Session, cast: Cast) -> None:
    s = catalog_session
    with pytest.raises(NotFound) as no_department:
        _duty(s, cast, department_code="NOPE")
    assert no_department.value.code == "department.not_found"
    with pytest.raises(NotFound) as no_item:
        link_responsibility(s, cast.publisher.principal, 999_999, cast.dataset.code)
    assert no_item.value.code == "responsibility.not_found"


# --- the demand list -----------------------------------------------------------------------------


def test_a_demand_from_filing_to_fulfilment(catalog_session: Session, cast: Cast) -> None:
    s = catalog_session
    demand = _demand(s, cast)
    assert demand.status is DemandStatus.OPEN
    suggested = [d.code for d in suggest_datasets(s, demand)]
    # both carry the fields wanted; the title's words rank the social-insurance dataset first
    assert suggested == [cast.dataset.code, cast.foreign.code]
    nothing = _demand(s, cast, title="气象观测数据", fields_wanted=["降水量"])
    assert suggest_datasets(s, nothing) == []
    match_demand(s, cast.requester.principal, demand.id, cast.dataset.code)
    assert demand.status is DemandStatus.MATCHED and demand.matched_at is not None
    # the owner of the matched dataset now sees it whole; a stranger sees its public part only
    now = utcnow()
    assert may_see_whole(cast.publisher.principal, demand, now)
    assert not may_see_whole(cast.stranger_publisher.principal, demand, now)
    assert may_see_whole(cast.auditor.principal, demand, now)
    request = file_request(
        s, cast.requester.principal, cast.dataset.code, ["period", "amount"], "专项附加扣除审核"
    )
    record_request(s, cast.requester.principal, demand.id, request.id)
    assert (demand.status, demand.share_request_id) == (DemandStatus.REQUESTED, request.id)
    with pytest.raises(Conflict) as early:
        fulfil_demand(s, cast.publisher.principal, demand.id)
    assert early.value.code == "demand.request_not_approved"
    approve_request(s, cast.publisher.principal, request.id)  # the platform settles the demand
    assert demand.status is DemandStatus.FULFILLED
    assert demand.fulfilled_by_account_id is None
    with pytest.raises(Conflict) as closed:
        decline_demand(s, cast.admin.principal, demand.id, "迟到的拒绝")
    assert closed.value.code == "demand.closed"
    assert [a for a in _actions(s) if a.startswith("demand.")] == [
        "demand.filed",
        "demand.filed",
        "demand.matched",
        "demand.requested",
        "demand.fulfilled",
    ]
    by_status = list_demands(s, cast.stranger_requester.principal, status="fulfilled")
    assert [d.id for d in by_status] == [demand.id]
    s.commit()
    assert verify_chain(s).ok


def test_the_platform_settles_a_demand_when_its_request_is_approved(
    catalog_session: Session, cast: Cast
) -> None:
    s = catalog_session
    demand = _demand(s, cast)
    match_demand(s, cast.admin.principal, demand.id, cast.dataset.code)
    request = file_request(s, cast.requester.principal, cast.dataset.code, ["period"], "核对")
    record_request(s, cast.requester.principal, demand.id, request.id)
    assert settle_approved(s, request) == []  # still pending
    approve_request(s, cast.publisher.principal, request.id)  # settles it as the approval lands
    assert demand.status is DemandStatus.FULFILLED and demand.fulfilled_by_account_id is None
    assert settle_approved(s, request) == []  # once only


def test_a_request_granted_on_filing_fulfils_the_demand_at_once(
    catalog_session: Session, cast: Cast, tmp_path: Path
) -> None:
    s = catalog_session
    open_data = factories.dataset(s, tmp_path, cast.owner, ShareType.UNCONDITIONAL)
    demand = _demand(s, cast)
    match_demand(s, cast.requester.principal, demand.id, open_data.code)
    request = file_request(s, cast.requester.principal, open_data.code, ["period"], "核对")
    assert request.status is RequestStatus.APPROVED  # unconditional: granted on filing
    record_request(s, cast.requester.principal, demand.id, request.id)
    assert demand.status is DemandStatus.FULFILLED and demand.fulfilled_by_account_id is None
    assert [a for a in _actions(s) if a.startswith("demand.")][-2:] == [
        "demand.requested",
        "demand.fulfilled",
    ]


@pytest.mark.parametrize("who", ["requester", "stranger_publisher", "steward", "auditor"])
def test_only_the_owner_marks_a_demand_fulfilled(
    catalog_session: Session, cast: Cast, who: str
) -> None:
    s = catalog_session
    demand = _demand(s, cast)
    match_demand(s, cast.requester.principal, demand.id, cast.dataset.code)
    request = file_request(s, cast.requester.principal, cast.dataset.code, ["period"], "核对")
    record_request(s, cast.requester.principal, demand.id, request.id)
    with pytest.raises(AccessRefused) as refused:
        fulfil_demand(s, getattr(cast, who).principal, demand.id)
    assert refused.value.code == "demand.not_owner"
    assert demand.status is DemandStatus.REQUESTED
    assert _refused(s) == ["demand.not_owner"]


def test_a_requester_files_for_its_own_department_only(
    catalog_session: Session, cast: Cast
) -> None:
    s = catalog_session
    with pytest.raises(AccessRefused) as refused:
        _demand(s, cast, department_code=cast.stranger.code)
    assert refused.value.code == "demand.not_own_department"
    with pytest.raises(AccessRefused) as publisher:
        file_demand(
            s, cast.publisher.principal, title="x", scenario="x", legal_duty="x", fields_wanted=[]
        )
    assert publisher.value.code == "role.requester_required"
    assert s.scalars(select(DemandItem)).all() == []
    assert _refused(s) == ["demand.not_own_department", "role.requester_required"]


def test_an_auditor_changes_nothing(catalog_session: Session, cast: Cast) -> None:
    s = catalog_session
    demand = _demand(s, cast)
    auditor = cast.auditor.principal
    attempts = [
        lambda: file_demand(s, auditor, title="x", scenario="x", legal_duty="x"),
        lambda: match_demand(s, auditor, demand.id, cast.dataset.code),
        lambda: record_request(s, auditor, demand.id, 1),
        lambda: fulfil_demand(s, auditor, demand.id),
        lambda: decline_demand(s, auditor, demand.id, "审计不应能拒绝"),
    ]
    for attempt in attempts:
        with pytest.raises(AccessRefused):
            attempt()
    s.refresh(demand)
    assert demand.status is DemandStatus.OPEN and demand.dataset_id is None
    assert len(_refused(s)) == len(attempts)


def test_matching_and_requesting_are_checked(
    catalog_session: Session, cast: Cast, tmp_path: Path
) -> None:
    s = catalog_session
    demand = _demand(s, cast)
    with pytest.raises(AccessRefused) as stranger:  # another department's requester
        match_demand(s, cast.stranger_requester.principal, demand.id, cast.dataset.code)
    assert stranger.value.code == "demand.not_requester"
    own = factories.dataset(s, tmp_path, cast.requesting)
    with pytest.raises(AccessRefused) as own_dataset:
        match_demand(s, cast.requester.principal, demand.id, own.code)
    assert own_dataset.value.code == "demand.own_dataset"
    with pytest.raises(Conflict) as unmatched:
        record_request(s, cast.requester.principal, demand.id, 1)
    assert unmatched.value.code == "demand.wrong_status"
    match_demand(s, cast.requester.principal, demand.id, cast.dataset.code)
    theirs = file_request(
        s, cast.stranger_requester.principal, cast.dataset.code, ["period"], "他们的申请"
    )
    for request_id in (theirs.id, 999_999):
        with pytest.raises(InvalidInput) as mismatch:
            record_request(s, cast.requester.principal, demand.id, request_id)
        assert mismatch.value.code == "demand.request_mismatch"
    refused = file_request(s, cast.requester.principal, cast.dataset.code, ["period"], "第一次")
    record_request(s, cast.requester.principal, demand.id, refused.id)
    second = file_request(s, cast.requester.principal, cast.dataset.code, ["period"], "第二次")
    with pytest.raises(Conflict) as under_way:
        record_request(s, cast.requester.principal, demand.id, second.id)
    assert under_way.value.code == "demand.already_requested"
    refuse_request(s, cast.publisher.principal, refused.id, reason="字段过多")
    record_request(s, cast.requester.principal, demand.id, second.id)  # a fresh request: allowed
    assert demand.share_request_id == second.id


def test_declining_needs_the_owner_and_a_reason(catalog_session: Session, cast: Cast) -> None:
    s = catalog_session
    demand = _demand(s, cast)
    with pytest.raises(AccessRefused):  # unmatched: only an admin may decline
        decline_demand(s, cast.publisher.principal, demand.id, "无此数据")
    match_demand(s, cast.requester.principal, demand.id, cast.dataset.code)
    for who in (cast.requester, cast.stranger_publisher):
        with pytest.raises(AccessRefused) as refused:
            decline_demand(s, who.principal, demand.id, "不给")
        assert refused.value.code == "demand.not_owner"
    with pytest.raises(InvalidInput):
        decline_demand(s, cast.publisher.principal, demand.id, "")
    decline_demand(s, cast.publisher.principal, demand.id, "涉及个人敏感信息，依法不予共享")
    assert demand.status is DemandStatus.DECLINED and demand.declined_at is not None
    with pytest.raises(Conflict):
        match_demand(s, cast.requester.principal, demand.id, cast.dataset.code)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "\u3000"),
        ("title", "需" * 201),
        ("scenario", ""),
        ("legal_duty", "依据" * 1001),
        ("fields_wanted", ["字段"] * 1 + [f"f{i}" for i in range(60)]),
        ("fields_wanted", ["x" * 65]),
        ("fields_wanted", ["\u3000"]),
        ("title", "\ud800"),
    ],
)
def test_bad_demand_input_is_refused(
    catalog_session: Session, cast: Cast, field: str, value: object
) -> None:
    with pytest.raises(InvalidInput) as refused:
        _demand(catalog_session, cast, **{field: value})
    assert refused.value.code == "demand.invalid"


def test_listing_filters_are_checked(catalog_session: Session, cast: Cast) -> None:
    s = catalog_session
    demand = _demand(s, cast, fields_wanted=["缴费金额", "缴费金额", " 公民身份号码 "])
    assert demand.fields_wanted == ["缴费金额", "公民身份号码"]
    viewer = cast.stranger_requester.principal
    assert [d.id for d in list_demands(s, viewer, department_code=cast.requesting.code)] == [
        demand.id
    ]
    assert list_demands(s, viewer, status="matched") == []
    with pytest.raises(CatalogError) as bad:
        list_demands(s, viewer, status="lost")
    assert bad.value.code == "demand.invalid"
