"""The kinds of dataset a department meets in the catalog, one representative of each.

A page that asks "could this account act on *some* dataset?" (the portal's navigation) need not
ask ``catalog.policy.authorize`` once per dataset: the rules it asks about read, of a dataset
whose request or grant names no field, only who owns it (the caller's department or another),
its share type, and whether the negative list (负面清单) bars it whole. :func:`dataset_kinds`
groups the catalog by exactly those three in one query and returns one real dataset's terms per
group — at most 2 × 3 × 2 of them, however many datasets there are — for ``authorize`` to decide
over as before.

The grouping key must cover every attribute of a dataset those rules read. A rule that comes to
read another (its region, its classification…) must add it here; ``tests/portal/test_navigation``
checks the answer equals the per-dataset one on every seeded account of several catalogs.
"""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from catalog.models import Dataset
from catalog.negative_tables import NegativeListEntry
from catalog.resources import DatasetTerms

__all__ = ["dataset_kinds"]


def dataset_kinds(session: Session, department_id: int) -> list[DatasetTerms]:
    """One dataset's terms for each kind there is, seen from ``department_id``: (owned by it or
    not, share type, barred whole by a live negative-list entry or not). Three queries: the
    grouping, the representatives with their fields and owners, their negative-list entries."""
    barred_whole = (
        select(NegativeListEntry.dataset_id)
        .where(NegativeListEntry.field_name.is_(None), NegativeListEntry.lifted_at.is_(None))
        .distinct()
        .subquery()
    )
    own = case((Dataset.owner_department_id == department_id, 1), else_=0)
    barred = case((barred_whole.c.dataset_id.is_not(None), 1), else_=0)
    grouped = (
        select(func.min(Dataset.id))
        .outerjoin(barred_whole, barred_whole.c.dataset_id == Dataset.id)
        .group_by(own, Dataset.share_type, barred)
    )
    ids = list(session.scalars(grouped))
    if not ids:
        return []
    representatives = session.scalars(
        select(Dataset)
        .where(Dataset.id.in_(ids))
        .options(selectinload(Dataset.fields), selectinload(Dataset.owner))
        .order_by(Dataset.code)
    )
    return DatasetTerms.of_all(session, list(representatives))
