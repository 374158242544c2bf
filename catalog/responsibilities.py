"""The responsibility list (责任清单): what each department must provide, how often, at what
quality, and the dataset that fulfils it.

Admins (the platform's 大数据局 acting as admin) add a department's responsibility and retire it;
a publisher or steward of that department links it to the department's own dataset once one is
registered. Every act is decided by the one access decision (``catalog.guard.ensure``, rules in
``catalog.policy_lists``) and audited (``catalog.list_events``); a retired item is kept, never
deleted. The list is public within the platform (``lists.view``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.datasets import get_dataset
from catalog.departments import get_department
from catalog.errors import Conflict, NotFound
from catalog.guard import ensure
from catalog.list_events import ResponsibilityAdded, ResponsibilityLinked, ResponsibilityRetired
from catalog.list_input import LONG_TEXT, SHORT_TEXT, code_text, cycle, free_text, quality_score
from catalog.list_tables import ResponsibilityItem
from catalog.models import Dataset, utcnow
from catalog.principals import Principal
from catalog.resources import PLATFORM, DatasetTerms, ResponsibilityTerms

__all__ = [
    "add_responsibility",
    "get_responsibility",
    "link_responsibility",
    "list_responsibilities",
    "responsibility_terms",
    "retire_responsibility",
]

_CODE = "responsibility.invalid"


def responsibility_terms(
    item: ResponsibilityItem, dataset: Dataset | None = None
) -> ResponsibilityTerms:
    """The item as the access decision sees it; ``dataset``: the one it would be linked to."""
    return ResponsibilityTerms(
        responsibility_id=item.id,
        department_id=item.department_id,
        dataset=DatasetTerms.of(dataset) if dataset is not None else None,
    )


def add_responsibility(
    session: Session,
    actor: Principal,
    *,
    department_code: str,
    title_zh: str,
    duty: str,
    legal_basis: str,
    update_cycle: str,
    min_quality_score: float | str,
    title_en: str = "",
    now: dt.datetime | None = None,
) -> ResponsibilityItem:
    """Put a duty on ``department_code``'s responsibility list (admins)."""
    now = now or utcnow()
    department = get_department(session, code_text(department_code, "department", code=_CODE))
    ensure(
        session,
        actor,
        act.RESPONSIBILITY_MANAGE,
        ResponsibilityTerms(responsibility_id=None, department_id=department.id),
        now=now,
    )
    item = ResponsibilityItem(
        department_id=department.id,
        title_zh=free_text(title_zh, "title_zh", limit=SHORT_TEXT, code=_CODE),
        title_en=free_text(title_en, "title_en", limit=SHORT_TEXT, code=_CODE, required=False),
        duty=free_text(duty, "duty", limit=LONG_TEXT, code=_CODE, lines=True),
        legal_basis=free_text(legal_basis, "legal_basis", limit=LONG_TEXT, code=_CODE, lines=True),
        update_cycle=cycle(update_cycle, code=_CODE),
        min_quality_score=quality_score(min_quality_score, code=_CODE),
        created_by_account_id=actor.account_id,
        created_at=now,
    )
    session.add(item)
    session.flush()
    audit.record(
        session,
        ResponsibilityAdded(
            resource=f"responsibility:{item.id}",
            department=department.code,
            title_zh=item.title_zh,
            legal_basis=item.legal_basis,
            update_cycle=item.update_cycle,
            min_quality_score=item.min_quality_score,
        ),
        actor=actor,
        now=now,
    )
    return item


def get_responsibility(
    session: Session, actor: Principal, responsibility_id: int, *, now: dt.datetime | None = None
) -> ResponsibilityItem:
    """One item of the list (public within the platform)."""
    ensure(session, actor, act.LISTS_VIEW, PLATFORM, now=now)
    return _item(session, responsibility_id)


def _item(session: Session, responsibility_id: int) -> ResponsibilityItem:
    item = session.get(ResponsibilityItem, responsibility_id)
    if item is None:
        raise NotFound(
            f"no responsibility {responsibility_id}",
            code="responsibility.not_found",
            responsibility=responsibility_id,
        )
    return item


def _live(item: ResponsibilityItem) -> None:
    if item.retired_at is not None:
        raise Conflict(
            f"responsibility {item.id} was retired", code="responsibility.retired", id=item.id
        )


def link_responsibility(
    session: Session,
    actor: Principal,
    responsibility_id: int,
    dataset_code: str,
    *,
    now: dt.datetime | None = None,
) -> ResponsibilityItem:
    """Link a responsibility to the dataset of its own department that fulfils it."""
    now = now or utcnow()
    item = _item(session, responsibility_id)
    dataset = get_dataset(session, code_text(dataset_code, "dataset", code=_CODE))
    ensure(session, actor, act.RESPONSIBILITY_LINK, responsibility_terms(item, dataset), now=now)
    _live(item)
    if item.dataset_id == dataset.id:
        raise Conflict(
            f"responsibility {item.id} is already linked to {dataset.code}",
            code="responsibility.already_linked",
        )
    previous = item.dataset.code if item.dataset is not None else ""
    item.dataset_id = dataset.id
    item.linked_by_account_id = actor.account_id or None
    item.linked_at = now
    session.flush()
    session.refresh(item)
    audit.record(
        session,
        ResponsibilityLinked(
            dataset_id=dataset.id,
            resource=f"responsibility:{item.id}",
            department=item.department.code,
            dataset=dataset.code,
            previous_dataset=previous,
        ),
        actor=actor,
        now=now,
    )
    return item


def retire_responsibility(
    session: Session,
    actor: Principal,
    responsibility_id: int,
    reason: str,
    *,
    now: dt.datetime | None = None,
) -> ResponsibilityItem:
    """Retire a responsibility (admins), with the reason; it stays on the record."""
    now = now or utcnow()
    item = _item(session, responsibility_id)
    ensure(session, actor, act.RESPONSIBILITY_MANAGE, responsibility_terms(item), now=now)
    why = free_text(reason, "reason", limit=LONG_TEXT, code=_CODE, lines=True)
    _live(item)
    item.retired_at = now
    item.retired_by_account_id = actor.account_id or None
    item.retire_reason = why
    session.flush()
    audit.record(
        session,
        ResponsibilityRetired(
            dataset_id=item.dataset_id,
            resource=f"responsibility:{item.id}",
            department=item.department.code,
            reason=why,
        ),
        actor=actor,
        now=now,
    )
    return item


def list_responsibilities(
    session: Session,
    actor: Principal,
    *,
    department_code: str | None = None,
    include_retired: bool = False,
    now: dt.datetime | None = None,
) -> list[ResponsibilityItem]:
    """The list, by department and id; ``department_code`` narrows it to one department."""
    ensure(session, actor, act.LISTS_VIEW, PLATFORM, now=now)
    query = select(ResponsibilityItem).order_by(
        ResponsibilityItem.department_id, ResponsibilityItem.id
    )
    if department_code:
        department = get_department(session, code_text(department_code, "department", code=_CODE))
        query = query.where(ResponsibilityItem.department_id == department.id)
    if not include_retired:
        query = query.where(ResponsibilityItem.retired_at.is_(None))
    return list(session.scalars(query))
