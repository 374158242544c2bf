"""The demand list (需求清单): what a department asked for, why, and where it stands.

A requester files a demand for its own department — a title, the scenario (应用场景), the legal
duty (法定职责) and the fields wanted. It is matched to another department's dataset (the
requesting department picks one of :func:`suggest_datasets`' candidates, or an admin does);
marked *requested* when the requesting department files a share request for that dataset
(:func:`record_request`); *fulfilled* when that request is approved — by the dataset owner's
publisher, an admin, or the platform itself as the approval lands (:func:`settle_approved`) —
or *declined* with a reason by the owner's publisher or an admin::

    open ──match──▶ matched ──request──▶ requested ──fulfil──▶ fulfilled
      │  ◀─(re-match)─┘                     │ (request refused or withdrawn: request again)
      └──────────────── decline (reason) ───┴──────▶ declined

Every act is decided by the one access decision (``catalog.policy_lists``) and audited
(``catalog.list_events``). Who sees a demand whole is ``demand.view``; the rest of the platform
sees its public part (``catalog.policy_lists`` says which).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.datasets import get_dataset, list_datasets
from catalog.departments import get_department
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.guard import ensure
from catalog.list_events import (
    DemandDeclined,
    DemandFiled,
    DemandFulfilled,
    DemandMatched,
    DemandRequested,
)
from catalog.list_input import LONG_TEXT, SHORT_TEXT, code_text, field_list, free_text
from catalog.list_tables import DemandItem, DemandStatus
from catalog.models import Dataset, RequestStatus, ShareRequest, utcnow
from catalog.policy import Allowed, authorize
from catalog.principals import SYSTEM, Principal
from catalog.resources import PLATFORM, DatasetTerms, DemandTerms

__all__ = [
    "decline_demand",
    "demand_terms",
    "file_demand",
    "fulfil_demand",
    "get_demand",
    "list_demands",
    "match_demand",
    "may_see_whole",
    "record_request",
    "settle_approved",
    "suggest_datasets",
]

_CODE = "demand.invalid"
_CLOSED = frozenset({DemandStatus.FULFILLED, DemandStatus.DECLINED})


def demand_terms(item: DemandItem, dataset: Dataset | None = None) -> DemandTerms:
    """The demand as the access decision sees it, matched to ``dataset`` (default: its own)."""
    dataset = dataset if dataset is not None else item.dataset
    return DemandTerms(
        demand_id=item.id,
        requester_department_id=item.requester_department_id,
        dataset=DatasetTerms.of(dataset) if dataset is not None else None,
    )


def may_see_whole(actor: Principal, item: DemandItem, now: dt.datetime) -> bool:
    """Whether ``actor`` sees the demand's scenario, legal duty and fields (``demand.view``);
    only decides what to show, so nothing is audited."""
    return isinstance(authorize(actor, act.DEMAND_VIEW, demand_terms(item), now=now), Allowed)


def file_demand(
    session: Session,
    actor: Principal,
    *,
    title: str,
    scenario: str,
    legal_duty: str,
    fields_wanted: Iterable[str] = (),
    department_code: str | None = None,
    now: dt.datetime | None = None,
) -> DemandItem:
    """File a demand for ``department_code`` (default: the actor's own — the only one allowed)."""
    now = now or utcnow()
    department_id = actor.department_id
    if department_code is not None:
        code = code_text(department_code, "department", code=_CODE)
        department_id = get_department(session, code).id
    terms = DemandTerms(demand_id=None, requester_department_id=department_id)
    ensure(session, actor, act.DEMAND_FILE, terms, now=now)
    item = DemandItem(
        requester_department_id=department_id,
        title=free_text(title, "title", limit=SHORT_TEXT, code=_CODE),
        scenario=free_text(scenario, "scenario", limit=LONG_TEXT, code=_CODE, lines=True),
        legal_duty=free_text(legal_duty, "legal_duty", limit=LONG_TEXT, code=_CODE, lines=True),
        fields_wanted=field_list(fields_wanted, code=_CODE),
        status=DemandStatus.OPEN,
        filed_by_account_id=actor.account_id,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    session.refresh(item)
    audit.record(
        session,
        DemandFiled(
            resource=f"demand:{item.id}",
            requester_department=item.requester.code,
            title=item.title,
            fields_wanted=tuple(item.fields_wanted),
        ),
        actor=actor,
        now=now,
    )
    return item


def get_demand(
    session: Session, actor: Principal, demand_id: int, *, now: dt.datetime | None = None
) -> DemandItem:
    """One demand (its public part is for every account; callers show the rest only when
    :func:`may_see_whole`)."""
    ensure(session, actor, act.LISTS_VIEW, PLATFORM, now=now)
    return _item(session, demand_id)


def _item(session: Session, demand_id: int) -> DemandItem:
    item = session.get(DemandItem, demand_id)
    if item is None:
        raise NotFound(f"no demand {demand_id}", code="demand.not_found", demand=demand_id)
    return item


def _expect(item: DemandItem, *allowed: DemandStatus) -> None:
    if item.status not in allowed:
        raise Conflict(
            f"demand {item.id} is {item.status.value}; this needs it "
            + " or ".join(s.value for s in allowed),
            code="demand.closed" if item.status in _CLOSED else "demand.wrong_status",
            status=item.status.value,
        )


def match_demand(
    session: Session,
    actor: Principal,
    demand_id: int,
    dataset_code: str,
    *,
    now: dt.datetime | None = None,
) -> DemandItem:
    """Match an open (or re-match a matched) demand to another department's dataset."""
    now = now or utcnow()
    item = _item(session, demand_id)
    dataset = get_dataset(session, code_text(dataset_code, "dataset", code=_CODE))
    ensure(session, actor, act.DEMAND_MATCH, demand_terms(item, dataset), now=now)
    _expect(item, DemandStatus.OPEN, DemandStatus.MATCHED)
    previous = item.dataset.code if item.dataset is not None else ""
    if item.dataset_id == dataset.id:
        raise Conflict(f"demand {item.id} is already matched to {dataset.code}", code="demand.same")
    item.dataset_id = dataset.id
    item.status = DemandStatus.MATCHED
    item.matched_by_account_id = actor.account_id or None
    item.matched_at = item.updated_at = now
    session.flush()
    session.refresh(item)
    audit.record(
        session,
        DemandMatched(
            dataset_id=dataset.id,
            resource=f"demand:{item.id}",
            dataset=dataset.code,
            owner_department=dataset.owner.code,
            previous_dataset=previous,
        ),
        actor=actor,
        now=now,
    )
    return item


def record_request(
    session: Session,
    actor: Principal,
    demand_id: int,
    request_id: int,
    *,
    now: dt.datetime | None = None,
) -> DemandItem:
    """Mark a matched demand *requested*: ``request_id`` is its department's share request for
    the matched dataset (again, when the request recorded before was refused or withdrawn). A
    request already approved — an unconditional dataset is granted on filing — fulfils it at
    once (by the platform, :func:`settle_approved`)."""
    now = now or utcnow()
    item = _item(session, demand_id)
    ensure(session, actor, act.DEMAND_REQUEST, demand_terms(item), now=now)
    _expect(item, DemandStatus.MATCHED, DemandStatus.REQUESTED)
    if item.status is DemandStatus.REQUESTED and _linked_request_live(session, item):
        raise Conflict(
            f"demand {item.id} already has share request {item.share_request_id} under way",
            code="demand.already_requested",
        )
    request = session.get(ShareRequest, request_id)
    if (
        request is None
        or request.requester_department_id != item.requester_department_id
        or request.dataset_id != item.dataset_id
    ):
        raise InvalidInput(  # the same answer whether the request exists or is another's
            f"request {request_id} is not your department's share request for the matched dataset",
            code="demand.request_mismatch",
        )
    if request.status in (RequestStatus.REFUSED, RequestStatus.WITHDRAWN):
        raise Conflict(
            f"request {request_id} is {request.status.value}", code="demand.request_closed"
        )
    item.share_request_id = request.id
    item.status = DemandStatus.REQUESTED
    item.requested_by_account_id = actor.account_id or None
    item.requested_at = item.updated_at = now
    session.flush()
    audit.record(
        session,
        DemandRequested(
            dataset_id=item.dataset_id, resource=f"demand:{item.id}", request_id=request.id
        ),
        actor=actor,
        now=now,
    )
    settle_approved(session, request, now=now)  # granted already (an unconditional dataset)
    return item


def _linked_request_live(session: Session, item: DemandItem) -> bool:
    request = session.get(ShareRequest, item.share_request_id) if item.share_request_id else None
    return request is not None and request.status in (RequestStatus.PENDING, RequestStatus.APPROVED)


def fulfil_demand(
    session: Session, actor: Principal, demand_id: int, *, now: dt.datetime | None = None
) -> DemandItem:
    """Mark a requested demand *fulfilled*: its share request must have been approved."""
    now = now or utcnow()
    item = _item(session, demand_id)
    ensure(session, actor, act.DEMAND_FULFIL, demand_terms(item), now=now)
    _expect(item, DemandStatus.REQUESTED)
    request = session.get(ShareRequest, item.share_request_id) if item.share_request_id else None
    if request is None or request.status is not RequestStatus.APPROVED:
        raise Conflict(
            f"demand {item.id}'s share request is not approved",
            code="demand.request_not_approved",
        )
    item.status = DemandStatus.FULFILLED
    item.fulfilled_by_account_id = actor.account_id or None
    item.fulfilled_at = item.updated_at = now
    session.flush()
    audit.record(
        session,
        DemandFulfilled(
            dataset_id=item.dataset_id, resource=f"demand:{item.id}", request_id=request.id
        ),
        actor=actor,
        now=now,
    )
    return item


def settle_approved(
    session: Session, request: ShareRequest, *, now: dt.datetime | None = None
) -> list[DemandItem]:
    """The platform marks fulfilled every requested demand whose share request ``request`` has
    just been approved (``catalog.requests`` calls it as the approval lands)."""
    if request.status is not RequestStatus.APPROVED:
        return []
    waiting = session.scalars(
        select(DemandItem.id).where(
            DemandItem.share_request_id == request.id,
            DemandItem.status == DemandStatus.REQUESTED,
        )
    ).all()
    return [fulfil_demand(session, SYSTEM, demand_id, now=now) for demand_id in waiting]


def decline_demand(
    session: Session,
    actor: Principal,
    demand_id: int,
    reason: str,
    *,
    now: dt.datetime | None = None,
) -> DemandItem:
    """Decline a demand that cannot be met, with the reason the requesting department is given."""
    now = now or utcnow()
    item = _item(session, demand_id)
    ensure(session, actor, act.DEMAND_DECLINE, demand_terms(item), now=now)
    why = free_text(reason, "reason", limit=LONG_TEXT, code=_CODE, lines=True)
    _expect(item, DemandStatus.OPEN, DemandStatus.MATCHED, DemandStatus.REQUESTED)
    item.status = DemandStatus.DECLINED
    item.decline_reason = why
    item.declined_by_account_id = actor.account_id or None
    item.declined_at = item.updated_at = now
    session.flush()
    audit.record(
        session,
        DemandDeclined(dataset_id=item.dataset_id, resource=f"demand:{item.id}", reason=why),
        actor=actor,
        now=now,
    )
    return item


def list_demands(
    session: Session,
    actor: Principal,
    *,
    department_code: str | None = None,
    status: str | None = None,
    dataset_code: str | None = None,
    now: dt.datetime | None = None,
) -> list[DemandItem]:
    """The demand list, newest first, narrowed by requesting department, status or dataset."""
    ensure(session, actor, act.LISTS_VIEW, PLATFORM, now=now)
    query = select(DemandItem).order_by(DemandItem.id.desc())
    if department_code:
        department = get_department(session, code_text(department_code, "department", code=_CODE))
        query = query.where(DemandItem.requester_department_id == department.id)
    if status:
        folded = code_text(status, "status", code=_CODE).lower()
        if folded not in {s.value for s in DemandStatus}:
            raise InvalidInput(f"no demand status {folded!r}", code=_CODE, field="status")
        query = query.where(DemandItem.status == DemandStatus(folded))
    if dataset_code:
        dataset = get_dataset(session, code_text(dataset_code, "dataset", code=_CODE))
        query = query.where(DemandItem.dataset_id == dataset.id)
    return list(session.scalars(query))


_SEPARATORS = re.compile(r"[\s\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]")


def _terms(item: DemandItem) -> set[str]:
    """The words a demand is matched on: the pieces of its title (and of Chinese pieces, each
    two-character run: no word segmentation) and each field it wants."""
    found: set[str] = set()
    for text in (item.title, *(str(f) for f in item.fields_wanted)):
        for piece in _SEPARATORS.split(unicodedata.normalize("NFKC", text).lower()):
            if len(piece) < 2:
                continue
            found.add(piece)
            if _CJK.search(piece) and len(piece) > 2:
                found.update(piece[i : i + 2] for i in range(len(piece) - 1))
    return found


def _haystack(dataset: Dataset) -> str:
    parts: list[str] = [dataset.code, dataset.title_zh, dataset.title_en, dataset.description]
    for field in dataset.fields:
        parts.extend((field.name, field.title_zh))
    return unicodedata.normalize("NFKC", " ".join(parts)).lower()


def suggest_datasets(session: Session, item: DemandItem, *, limit: int = 10) -> list[Dataset]:
    """Candidates for a demand: other departments' datasets whose code, titles, description or
    field names contain its words, most words first (a plain substring match; the catalog's
    search does better)."""
    words = _terms(item)
    scored: list[tuple[int, str, Dataset]] = []
    for dataset in list_datasets(session):
        if dataset.owner_department_id == item.requester_department_id:
            continue
        haystack = _haystack(dataset)
        hits = sum(1 for word in words if word in haystack)
        if hits:
            scored.append((-hits, dataset.code, dataset))
    return [dataset for _, _, dataset in sorted(scored, key=lambda s: s[:2])[:limit]]
