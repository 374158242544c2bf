"""The ``changes`` mode for the API and the CLI alike, and the snapshot list a caller asks it from.

``read_changes_shared`` decides first (``lakehouse.change_delivery.authorize_changes``: a refusal
is audited and raised, before anything about snapshots is said), then checks the snapshot range
(``catalog.snapshots.snapshot_range``) or the signed cursor that pins it (``lakehouse.cursor``,
kind ``changes``, bound to the dataset, grant, conditions, order and both snapshots), then reads,
charges and audits (``deliver_changes``) and commits. ``list_snapshots`` lists a dataset's
published snapshots to whoever may read it in some mode: the owner's publishers and stewards, and
a department through a live grant (decided as a read in the grant's ``changes`` mode, or its first
mode); a grantee whose grant filters rows sees no row totals, which its filter may hide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
from sqlalchemy.orm import Session

from catalog.datasets import get_dataset
from catalog.errors import InvalidInput
from catalog.grants import grant_for_read
from catalog.guard import refusal_error
from catalog.keys import mask_master_key
from catalog.models import AccessMode, utcnow
from catalog.policy import ReadRequest, Refusal
from catalog.principals import Principal
from catalog.settings import Settings
from catalog.snapshots import PublishedSnapshot, published_snapshots, snapshot_range
from lakehouse.change_delivery import ChangesDelivery, authorize_changes, deliver_changes
from lakehouse.changes import ChangesResult
from lakehouse.cursor import Cursor, CursorScope, cursor_key, decode
from lakehouse.exchange import authorize
from lakehouse.pages import changes_json, changes_next, read_scope

__all__ = ["SnapshotView", "list_snapshots", "read_changes_shared"]


@dataclass(frozen=True, slots=True)
class SnapshotView:
    snapshot: PublishedSnapshot
    row_count: int | None
    current: bool


def _invalid(reason: str) -> InvalidInput:
    return InvalidInput(f"the cursor is not valid for this read: {reason}", code="cursor.invalid")


def _resume(
    token: str, key: bytes, scope: CursorScope, request: ReadRequest, asked: tuple[int, int | None]
) -> Cursor:
    if request.offset:
        raise _invalid("a cursor continues where its page ended: give no offset with it")
    cursor = decode(token, key, scope)
    if len(cursor.snapshots) != 2 or len(cursor.position) != 2:
        raise _invalid("it is not a changes cursor")
    first, last = asked
    if cursor.snapshots[0] != first or last not in (None, cursor.snapshots[1]):
        raise _invalid("it pages another snapshot range")
    return cursor


def read_changes_shared(
    session: Session,
    lake: Callable[[], duckdb.DuckDBPyConnection],
    principal: Principal,
    settings: Settings,
    code: str,
    request: ReadRequest,
    *,
    from_snapshot: int,
    to_snapshot: int | None = None,
    grant_id: int | None = None,
    cursor: str | None = None,
) -> ChangesDelivery:
    """The changes of dataset ``code`` after ``from_snapshot`` up to ``to_snapshot`` as
    ``principal`` may see them; commits the audit record and quota use, or raises."""
    dataset = get_dataset(session, code)
    decision = authorize_changes(
        session,
        principal,
        dataset,
        request,
        grant_id=grant_id,
        mask_master=lambda: mask_master_key(settings),
    )
    if isinstance(decision, Refusal):
        raise refusal_error(decision)
    plan = decision.plan
    scope = read_scope("changes", dataset.code, plan, principal.department_id)
    key = cursor_key(settings.secret_key)
    after: tuple[int, int] | None = None
    if cursor is not None:
        resumed = _resume(cursor, key, scope, request, (from_snapshot, to_snapshot))
        span = snapshot_range(session, dataset, *resumed.snapshots)
        after = (resumed.position[0], resumed.position[1])
    else:
        span = snapshot_range(session, dataset, from_snapshot, to_snapshot)

    def next_page(result: ChangesResult) -> str | None:
        return changes_next(key, scope, span, plan, result)

    serialize = changes_json(dataset, plan, span, next_page)
    delivery = deliver_changes(
        session, lake(), principal, dataset, decision, span, serialize, after=after
    )
    session.commit()
    return delivery


def _mode_to_ask(modes: list[str]) -> AccessMode:
    """The mode a snapshot listing is decided in: ``changes`` when the grant has it."""
    held = sorted(AccessMode(m) for m in modes)
    if not held:
        return AccessMode.QUERY
    return AccessMode.CHANGES if AccessMode.CHANGES in held else held[0]


def list_snapshots(
    session: Session, principal: Principal, code: str, *, grant_id: int | None = None
) -> list[SnapshotView]:
    """The published snapshots of ``code``, oldest first, for a caller who may read it."""
    dataset = get_dataset(session, code)
    now = utcnow()
    grant = grant_for_read(session, principal, dataset.id, grant_id, now)
    mode = _mode_to_ask(list(grant.access_modes or ()) if grant is not None else [])
    decision = authorize(
        session,
        principal,
        dataset,
        ReadRequest(limit=1, mode=mode),
        grant_id=grant.id if grant is not None else grant_id,
        now=now,
    )
    if isinstance(decision, Refusal):
        raise refusal_error(decision)
    totals = not decision.plan.conditions  # a row filter would hide how many rows there are
    return [
        SnapshotView(
            snapshot=s,
            row_count=s.rows_published if totals else None,
            current=s.snapshot_id == dataset.current_snapshot_id,
        )
        for s in published_snapshots(session, dataset)
    ]
