"""Keyset paging of ``query`` over HTTP, on SQLite- and PostgreSQL-metadata lakes: a page's signed
``next`` cursor continues the same read, pinned to its snapshot, and nothing else."""

from __future__ import annotations

from typing import Any

from catalog.models import AuditEvent
from exchange_api.demo import DATASET
from tests.exchange_api import changes_fixtures
from tests.exchange_api.changes_fixtures import GAJ, RSJ, SWJ, Lakehouse, grant, publish_edits

lakehouse = changes_fixtures.lakehouse  # SQLite- and PostgreSQL-metadata lakes

DATA = f"/api/v1/datasets/{DATASET}/data"
QUERY = f"/api/v1/datasets/{DATASET}/query"
KEY = ("citizen_id", "employer_uscc", "period")


def _query(lh: Lakehouse, account: str, body: dict[str, Any]) -> Any:
    return lh.client.post(QUERY, headers=lh.headers(account), json=body)


def _walk(lh: Lakehouse, account: str, body: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    rows: list[Any] = []
    pages: list[Any] = []
    cursor = None
    for _ in range(200):
        response = _query(lh, account, dict(body, cursor=cursor) if cursor else body)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(page)
        rows.extend(page["rows"])
        cursor = page["next"]
        if cursor is None:
            return rows, pages
    raise AssertionError("paging did not end")


def test_the_owner_pages_by_key_without_offset(lakehouse: Lakehouse) -> None:
    lh = lakehouse
    everything = _query(lh, RSJ, {"limit": 10_000}).json()
    assert everything["next"] is None
    rows, pages = _walk(lh, RSJ, {"limit": 40, "fields": list(KEY)})
    assert len(pages) > 3 and all(p["row_count"] == 40 for p in pages[:-2])
    assert [tuple(r[k] for k in KEY) for r in rows] == sorted(
        tuple(r[k] for k in KEY) for r in everything["rows"]
    )
    # The classic offset pages still work, and agree.
    by_offset = [
        r
        for offset in range(0, len(rows), 40)
        for r in _query(lh, RSJ, {"limit": 40, "offset": offset, "fields": list(KEY)}).json()[
            "rows"
        ]
    ]
    assert by_offset == rows


def test_a_grantee_pages_in_the_hidden_order(lakehouse: Lakehouse) -> None:
    lh = lakehouse
    body = {"grant_id": lh.grant_id, "filters": [{"field": "period", "op": "ge", "value": "2026"}]}
    everything = _query(lh, SWJ, dict(body, limit=10_000)).json()["rows"]
    rows, pages = _walk(lh, SWJ, dict(body, limit=4))
    assert rows == everything and len(pages) > 2
    assert all(r["region"] == lh.region for r in rows)
    for page in pages[:-1]:
        assert lh.edited["stay"]["citizen_id"] not in page["next"]  # opaque, no values
    with lh.platform.sessions() as session:
        event = session.query(AuditEvent).filter_by(action="data.read").order_by(AuditEvent.id)
        assert event.all()[-1].detail["row_count"] == pages[-1]["row_count"]


def _tampered(token: str) -> list[str]:
    payload, mac = token.split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    return [f"{flipped}.{mac}", f"{payload}.{mac[::-1]}", f"{payload}x.{mac}", "garbage"]


def test_forged_edited_and_foreign_cursors_are_refused(lakehouse: Lakehouse) -> None:
    lh = lakehouse
    body = {"grant_id": lh.grant_id, "limit": 3}
    token = _query(lh, SWJ, body).json()["next"]
    assert token
    for bad in _tampered(token):
        response = _query(lh, SWJ, dict(body, cursor=bad))
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "cursor.invalid"
    for other in (
        dict(body, cursor=token, filters=[{"field": "period", "op": "eq", "value": "2026-10"}]),
        dict(body, cursor=token, offset=3),
    ):
        response = _query(lh, SWJ, other)
        assert response.json()["code"] == "cursor.invalid", response.text
    # Another department, through its own grant, cannot continue this department's read.
    gaj_grant = grant(lh.platform, GAJ, ["query"])
    response = _query(lh, GAJ, {"grant_id": gaj_grant, "limit": 3, "cursor": token})
    assert response.json()["code"] == "cursor.invalid", response.text
    # Nor can the owner, whose read of the same dataset is another read.
    response = _query(lh, RSJ, {"limit": 3, "cursor": token})
    assert response.json()["code"] == "cursor.invalid", response.text
    # And over GET the same cursor continues the same read.
    response = lh.client.get(
        DATA,
        headers=lh.headers(SWJ),
        params={"grant_id": lh.grant_id, "limit": 3, "cursor": token},
    )
    assert response.status_code == 200, response.text


def test_a_cursor_pins_the_snapshot_it_started_on(lakehouse: Lakehouse) -> None:
    """Runs last in this module: it publishes a snapshot that deletes rows."""
    lh = lakehouse
    body = {"limit": 50, "fields": list(KEY)}
    first = _query(lh, RSJ, body).json()
    pinned = first["snapshot_id"]
    total = len(_query(lh, RSJ, {"limit": 10_000}).json()["rows"])
    publish_edits(
        lh.platform.settings,
        (f"DELETE FROM lake.{DATASET} WHERE citizen_id <> ?", [lh.edited["stay"]["citizen_id"]]),
    )
    assert len(_query(lh, RSJ, {"limit": 10_000}).json()["rows"]) == 1
    rows = list(first["rows"])
    cursor = first["next"]
    while cursor:
        page = _query(lh, RSJ, dict(body, cursor=cursor)).json()
        assert page["snapshot_id"] == pinned
        rows.extend(page["rows"])
        cursor = page["next"]
    assert len(rows) == total
