"""The JSON bodies of row reads, byte for byte: a ``query`` page and a ``changes`` page.

One serialiser per kind, used by whoever sends the page (``exchange_api.read_path``,
``exchange_api.changes_path``) and by whoever rebuilds it later (``lakehouse.reproduce``): the
audit log keeps the SHA-256 of exactly these bytes, so a replay that serialised differently could
never match. A page read by keyset carries its ``next`` cursor (``lakehouse.cursor``), sealed under
a synthetic nonce, so it too is the same bytes when rebuilt from the same plan and server key.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from catalog.models import Dataset
from catalog.policy import AccessPlan
from lakehouse.changes import ChangesResult
from lakehouse.cursor import Cursor, CursorKind, CursorScope, conditions_digest, encode
from lakehouse.read import ReadResult, keyset_hidden

__all__ = ["changes_json", "changes_next", "page_json", "query_next", "read_scope"]


def read_scope(
    kind: CursorKind, dataset_code: str, plan: AccessPlan, department_id: int
) -> CursorScope:
    """The read a cursor of ``plan`` continues: dataset, grant (or the reader's department),
    conditions and order."""
    return CursorScope(
        kind=kind,
        dataset=dataset_code,
        grant_id=plan.grant_id,
        department_id=department_id,
        filters_sha256=conditions_digest(plan.conditions),
        order="hidden" if keyset_hidden(plan) else "key",
    )


def query_next(
    key: bytes, scope: CursorScope, snapshot_id: int, plan: AccessPlan, result: ReadResult
) -> str | None:
    """The cursor of the page after ``result``; ``None`` when this page was the last one."""
    if result.last_rowid is None or plan.limit is None or result.row_count < plan.limit:
        return None
    return encode(Cursor(scope, (snapshot_id,), (result.last_rowid,)), key)


def changes_next(
    key: bytes, scope: CursorScope, span: tuple[int, int], plan: AccessPlan, result: ChangesResult
) -> str | None:
    """The cursor of the changes page after ``result``; ``None`` after the last one."""
    if result.last_position is None or plan.limit is None or result.row_count < plan.limit:
        return None
    return encode(Cursor(scope, span, result.last_position), key)


def page_json(
    dataset: Dataset,
    plan: AccessPlan,
    next_page: Callable[[ReadResult], str | None] | None = None,
    snapshot_id: int | None = None,
) -> Callable[[ReadResult], bytes]:
    """The JSON page of a read (``exchange_api.payloads.DataPage``): what the API sends; with
    ``next_page``, the page carries its ``next`` cursor, and ``snapshot_id`` the one it read."""

    def serialize(result: ReadResult) -> bytes:
        page = {
            "dataset": dataset.code,
            "snapshot_id": dataset.current_snapshot_id if snapshot_id is None else snapshot_id,
            "grant_id": plan.grant_id,
            "columns": [
                {"name": name, "masked": name in result.masked_columns} for name in result.columns
            ],
            "row_count": result.row_count,
            "rows": result.table.to_pylist(),
        }
        if next_page is not None:
            page["next"] = next_page(result)
        # default=str: Decimal amounts are sent as exact strings, never as floats
        return json.dumps(page, ensure_ascii=False, default=str).encode("utf-8")

    return serialize


def changes_json(
    dataset: Dataset,
    plan: AccessPlan,
    span: tuple[int, int],
    next_page: Callable[[ChangesResult], str | None],
) -> Callable[[ChangesResult], bytes]:
    """The JSON page of a changes read (``exchange_api.change_payloads.ChangesPage``)."""

    def serialize(result: ChangesResult) -> bytes:
        page = {
            "dataset": dataset.code,
            "grant_id": plan.grant_id,
            "from_snapshot": span[0],
            "to_snapshot": span[1],
            "columns": [
                {"name": name, "masked": name in result.masked_columns} for name in result.columns
            ],
            "row_count": result.row_count,
            "counts": result.counts(),
            "changes": result.changes,
            "next": next_page(result),
        }
        # default=str: Decimal amounts are sent as exact strings, never as floats
        return json.dumps(page, ensure_ascii=False, default=str).encode("utf-8")

    return serialize
