"""The negative list (负面清单): datasets, or single fields, that may not be shared, and why.

An entry names a dataset (and a field, or none for the whole dataset), its legal basis
(required) and a review date (required). It is in force from the moment it is added until it is
lifted with a reason; one past its review date stays in force and is listed as due for review.
The access decision reads the live entries from the catalog at every act
(``catalog.negative_tables.live_terms`` → ``catalog.resources.DatasetTerms.negative``), so an
entry added or lifted here applies to the next request or read in every worker, grants already
issued included (``catalog.negative_check`` says exactly what it bars).

Who may keep the list is decided by ``catalog.policy`` (``negative_list.manage``: a publisher of
the owner department, admins); anyone authenticated may read it (``negative_list.view``).
Adding and lifting are audited (``catalog.negative_events``). Every function works in the
caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.datasets import get_dataset
from catalog.errors import Conflict, InvalidInput, NotFound
from catalog.guard import ensure
from catalog.models import Dataset, utcnow
from catalog.negative_events import NegativeLifted, NegativeListed
from catalog.negative_tables import NegativeListEntry
from catalog.principals import Principal
from catalog.resources import PLATFORM, DatasetTerms
from catalog.workdays import CHINA

__all__ = [
    "MAX_TEXT",
    "EntryView",
    "add_entry",
    "china_today",
    "get_entry",
    "lift_entry",
    "list_entries",
]

MAX_TEXT = 2000
"""The longest legal basis or lift reason, in characters."""


@dataclass(frozen=True, slots=True)
class EntryView:
    """One entry as listed: what is barred, why, until when it is to be reviewed."""

    entry_id: int
    dataset_code: str
    dataset_title: str
    owner_department: str
    field: str | None
    field_title: str
    legal_basis: str
    review_date: dt.date
    due_for_review: bool
    added_at: dt.datetime
    added_by_account_id: int | None
    lifted_at: dt.datetime | None
    lifted_by_account_id: int | None
    lift_reason: str

    @property
    def live(self) -> bool:
        return self.lifted_at is None


def china_today(now: dt.datetime) -> dt.date:
    """The calendar day in China at ``now``: review dates are Chinese calendar days."""
    return now.astimezone(CHINA).date()


def _text(value: str, what: str, code: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"a negative-list entry needs {what}", code=code)
    if len(text) > MAX_TEXT or "\x00" in text:
        raise InvalidInput(f"{what} is at most {MAX_TEXT} characters of text", code=code)
    return text


def add_entry(
    session: Session,
    actor: Principal,
    dataset_code: str,
    *,
    field: str | None = None,
    legal_basis: str,
    review_date: dt.date,
    now: dt.datetime | None = None,
) -> NegativeListEntry:
    """List ``dataset_code`` (or one ``field`` of it): refused to every grantee from now on."""
    now = now or utcnow()
    dataset = get_dataset(session, dataset_code)
    ensure(session, actor, act.NEGATIVE_LIST_MANAGE, DatasetTerms.of(dataset), now=now)
    basis = _text(legal_basis, "a legal basis", "negative.basis_required")
    if isinstance(review_date, dt.datetime) or not isinstance(review_date, dt.date):
        raise InvalidInput("the review date is a calendar date", code="negative.invalid_review")
    if review_date < china_today(now):
        raise InvalidInput(
            f"the review date {review_date} is already past", code="negative.invalid_review"
        )
    name = field.strip() if field is not None else None
    if name is not None and name not in {f.name for f in dataset.fields}:
        raise InvalidInput(
            f"dataset {dataset.code} has no field {name!r}", code="negative.unknown_field"
        )
    for entry in _live(session, dataset):
        if entry.field_name == name:
            what = f"field {name!r}" if name else "the whole dataset"
            raise Conflict(
                f"{what} of {dataset.code} is already listed (entry {entry.id})",
                code="negative.already_listed",
            )
    entry = NegativeListEntry(
        dataset_id=dataset.id,
        field_name=name,
        legal_basis=basis,
        review_date=review_date,
        added_by_account_id=actor.account_id,
        added_at=now,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        NegativeListed(
            dataset_id=dataset.id,
            resource=f"negative_list:{entry.id}",
            field=name or "",
            legal_basis=basis,
            review_date=review_date.isoformat(),
        ),
        actor=actor,
        now=now,
    )
    return entry


def lift_entry(
    session: Session,
    actor: Principal,
    entry_id: int,
    *,
    reason: str,
    now: dt.datetime | None = None,
) -> NegativeListEntry:
    """Lift a live entry, saying why: the dataset or field is shared again under its grants."""
    now = now or utcnow()
    entry = session.scalars(
        select(NegativeListEntry).where(NegativeListEntry.id == entry_id).with_for_update()
    ).first()
    if entry is None:
        raise NotFound(f"no negative-list entry {entry_id}", code="negative.not_found")
    ensure(session, actor, act.NEGATIVE_LIST_MANAGE, DatasetTerms.of(entry.dataset), now=now)
    text = _text(reason, "a reason to lift it", "negative.reason_required")
    if entry.lifted_at is not None:
        raise Conflict(f"entry {entry_id} was lifted already", code="negative.already_lifted")
    entry.lifted_at = now
    entry.lifted_by_account_id = actor.account_id
    entry.lift_reason = text
    session.flush()
    audit.record(
        session,
        NegativeLifted(
            dataset_id=entry.dataset_id,
            resource=f"negative_list:{entry.id}",
            field=entry.field_name or "",
            reason=text,
        ),
        actor=actor,
        now=now,
    )
    return entry


def list_entries(
    session: Session,
    actor: Principal,
    *,
    dataset_code: str | None = None,
    due: bool = False,
    include_lifted: bool = False,
    now: dt.datetime | None = None,
) -> list[EntryView]:
    """The entries (live only unless ``include_lifted``), by dataset then entry; ``due`` keeps
    the live ones whose review date has come."""
    now = now or utcnow()
    ensure(session, actor, act.NEGATIVE_LIST_VIEW, PLATFORM, now=now)
    stmt = select(NegativeListEntry).join(Dataset).order_by(Dataset.code, NegativeListEntry.id)
    if dataset_code is not None:
        stmt = stmt.where(Dataset.id == get_dataset(session, dataset_code).id)
    if not include_lifted or due:
        stmt = stmt.where(NegativeListEntry.lifted_at.is_(None))
    today = china_today(now)
    if due:
        stmt = stmt.where(NegativeListEntry.review_date <= today)
    return [_view(entry, today) for entry in session.scalars(stmt)]


def get_entry(
    session: Session, actor: Principal, entry_id: int, *, now: dt.datetime | None = None
) -> EntryView:
    """One entry, live or lifted (``negative.not_found`` when there is none)."""
    now = now or utcnow()
    ensure(session, actor, act.NEGATIVE_LIST_VIEW, PLATFORM, now=now)
    entry = session.get(NegativeListEntry, entry_id)
    if entry is None:
        raise NotFound(f"no negative-list entry {entry_id}", code="negative.not_found")
    return _view(entry, china_today(now))


def _live(session: Session, dataset: Dataset) -> list[NegativeListEntry]:
    return list(
        session.scalars(
            select(NegativeListEntry)
            .where(NegativeListEntry.dataset_id == dataset.id)
            .where(NegativeListEntry.lifted_at.is_(None))
        )
    )


def _view(entry: NegativeListEntry, today: dt.date) -> EntryView:
    dataset = entry.dataset
    titles = {f.name: f.title_zh for f in dataset.fields}
    return EntryView(
        entry_id=entry.id,
        dataset_code=dataset.code,
        dataset_title=dataset.title_zh,
        owner_department=dataset.owner.code,
        field=entry.field_name,
        field_title=titles.get(entry.field_name or "", ""),
        legal_basis=entry.legal_basis,
        review_date=entry.review_date,
        due_for_review=entry.lifted_at is None and entry.review_date <= today,
        added_at=entry.added_at,
        added_by_account_id=entry.added_by_account_id,
        lifted_at=entry.lifted_at,
        lifted_by_account_id=entry.lifted_by_account_id,
        lift_reason=entry.lift_reason,
    )
