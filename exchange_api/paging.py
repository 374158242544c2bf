"""Keyset paging of ``query`` reads: the signed ``next`` cursor a page carries, and its resumption.

The cursor itself is ``lakehouse.cursor``; this module binds it to one read as the decision
planned it — the dataset, the grant (or the owner's department), the SHA-256 of the planned
conditions (grant row filter and client filters) and the order (key or hidden) — and pins the
snapshot the first page read. A cursor presented with other filters, through another grant, for
another dataset, or edited, is refused (``cursor.invalid``) after the decision allowed the read
(so a refusal is still audited first) and before anything is read.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.errors import InvalidInput
from catalog.models import Dataset
from catalog.policy import AccessPlan
from catalog.principals import Principal
from catalog.settings import Settings
from lakehouse.cursor import CursorScope, cursor_key, decode
from lakehouse.pages import query_next, read_scope
from lakehouse.read import Keyset, ReadResult

__all__ = ["QueryPage", "next_cursor", "query_page"]


@dataclass(frozen=True, slots=True)
class QueryPage:
    """Where a keyset page reads: the pinned snapshot and the position it starts after."""

    scope: CursorScope
    snapshot_id: int
    keyset: Keyset


def query_page(
    settings: Settings,
    dataset: Dataset,
    plan: AccessPlan,
    principal: Principal,
    current_snapshot: int,
    token: str | None,
) -> QueryPage:
    """The page a read asks for: from the start of the current snapshot, or after a cursor."""
    scope = read_scope("query", dataset.code, plan, principal.department_id)
    if token is None:
        return QueryPage(scope, current_snapshot, Keyset())
    if plan.offset:
        raise InvalidInput(
            "a cursor continues where its page ended: give no offset with it",
            code="cursor.invalid",
        )
    cursor = decode(token, cursor_key(settings.secret_key), scope)
    if len(cursor.snapshots) != 1 or len(cursor.position) != 1:
        raise InvalidInput("the cursor is not a query cursor", code="cursor.invalid")
    if cursor.snapshots[0] > current_snapshot:
        raise InvalidInput(
            "the cursor names a snapshot after the current one", code="cursor.invalid"
        )
    return QueryPage(scope, cursor.snapshots[0], Keyset(after_rowid=cursor.position[0]))


def next_cursor(
    settings: Settings, page: QueryPage, plan: AccessPlan, result: ReadResult
) -> str | None:
    """The cursor of the page after ``result``; ``None`` when this page was the last one."""
    return query_next(cursor_key(settings.secret_key), page.scope, page.snapshot_id, plan, result)
