"""Keyset paging on a real DuckLake (SQLite and PostgreSQL metadata) and its signed cursors."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.errors import InvalidInput
from catalog.policy import AccessPlan, Condition, Op
from lakehouse.cursor import (
    Cursor,
    CursorScope,
    conditions_digest,
    cursor_key,
    decode,
    encode,
    seal,
)
from lakehouse.read import Keyset, compile_plan, read
from tests.lakehouse import test_read
from tests.lakehouse.test_read import LATER, ROWS, Lake, grantee_plan, owner_plan

lake = test_read.lake  # the same SQLite- and PostgreSQL-metadata lakes

KEYS = ("citizen_id", "employer_uscc", "period")


def current(lake: Lake) -> int:
    row = lake.con.execute("SELECT max(snapshot_id) FROM lake.snapshots()").fetchone()
    assert row is not None
    return int(row[0])


def walk(lake: Lake, plan: AccessPlan, snapshot: int, salt: int = 0) -> list[list[dict[str, Any]]]:
    """Every page of ``plan`` by keyset, each starting after the previous page's last row id."""
    pages: list[list[dict[str, Any]]] = []
    after: int | None = None
    while True:
        result = read(lake.con, plan, snapshot_id=snapshot, order_salt=salt, keyset=Keyset(after))
        assert result.columns == tuple(result.table.column_names)  # the row id is not sent
        if result.row_count == 0:
            return pages
        pages.append(result.table.to_pylist())
        after = result.last_rowid
        assert after is not None
        assert len(pages) < 100


def test_keyset_pages_follow_the_primary_key_without_offset(lake: Lake) -> None:
    plan = owner_plan(fields=KEYS, limit=7)
    pages = walk(lake, plan, current(lake))
    flat = [tuple(r[k] for k in KEYS) for page in pages for r in page]
    assert flat == sorted(tuple(r[k] for k in KEYS) for r in ROWS + LATER)
    assert all(len(p) == 7 for p in pages[:-1])
    sql, _ = compile_plan(plan, snapshot_id=1, keyset=Keyset(5))
    assert "OFFSET" not in sql
    assert 'ORDER BY src."citizen_id" NULLS LAST' in sql and sql.endswith("src.rowid LIMIT ?")


def test_keyset_pages_in_the_hidden_order_match_one_big_read(lake: Lake) -> None:
    plan = grantee_plan(fields=("citizen_id", "period"), limit=5)
    assert plan.order_hidden
    snapshot = current(lake)
    everything = read(
        lake.con, dataclasses.replace(plan, limit=10_000), snapshot_id=snapshot, order_salt=77
    ).table.to_pylist()
    pages = walk(lake, plan, snapshot, salt=77)
    assert [r for page in pages for r in page] == everything
    assert len(everything) == len([r for r in ROWS + LATER if r["region"].startswith("3301")])
    other = [r for page in walk(lake, plan, snapshot, salt=78) for r in page]
    assert sorted(map(str, other)) == sorted(map(str, everything))


def test_a_position_is_bound_never_pasted(lake: Lake) -> None:
    for plan in (owner_plan(limit=3), grantee_plan(limit=3)):
        sql, params = compile_plan(plan, snapshot_id=1, order_salt=9, keyset=Keyset(987654321))
        assert "987654321" not in sql and 987654321 in params
        assert compile_plan(plan, snapshot_id=1, order_salt=9, keyset=Keyset(1))[0] == sql


def test_keyset_pages_read_the_pinned_snapshot(lake: Lake) -> None:
    plan = owner_plan(fields=KEYS, limit=10)
    pages = walk(lake, plan, lake.first_snapshot)
    assert sum(len(p) for p in pages) == len(ROWS)


def test_filters_still_apply_on_every_keyset_page(lake: Lake) -> None:
    plan = owner_plan(fields=("period",), limit=4, filters=(Condition("period", Op.EQ, "2026-09"),))
    got = [r["period"] for page in walk(lake, plan, current(lake)) for r in page]
    assert got == ["2026-09"] * len([r for r in ROWS + LATER if r["period"] == "2026-09"])


# --- the cursor token ---------------------------------------------------------------------------

SCOPE = CursorScope(
    kind="query",
    dataset="rsj_social_insurance",
    grant_id=11,
    department_id=7,
    filters_sha256=conditions_digest((Condition("region", Op.PREFIX, "3301"),)),
    order="hidden",
)
KEY = cursor_key("test-secret")


@settings(max_examples=50)
@given(
    snapshots=st.lists(st.integers(0, 2**62), min_size=1, max_size=2),
    position=st.lists(st.integers(0, 2**62), min_size=1, max_size=2),
)
def test_a_cursor_round_trips(snapshots: list[int], position: list[int]) -> None:
    cursor = Cursor(SCOPE, tuple(snapshots), tuple(position))
    assert decode(encode(cursor, KEY), KEY, SCOPE) == cursor


@pytest.mark.parametrize(
    "other",
    [
        dataclasses.replace(SCOPE, grant_id=12),
        dataclasses.replace(SCOPE, grant_id=None),
        dataclasses.replace(SCOPE, dataset="gaj_household_registration"),
        dataclasses.replace(SCOPE, department_id=9),
        dataclasses.replace(SCOPE, filters_sha256=conditions_digest(())),
        dataclasses.replace(SCOPE, order="key"),
        dataclasses.replace(SCOPE, kind="changes"),
    ],
)
def test_a_cursor_of_another_read_is_refused(other: CursorScope) -> None:
    token = encode(Cursor(SCOPE, (3,), (41,)), KEY)
    with pytest.raises(InvalidInput) as caught:
        decode(token, KEY, other)
    assert caught.value.code == "cursor.invalid"


def _edited(token: str) -> list[str]:
    payload, mac = token.split(".")
    flipped = payload[:-3] + ("A" if payload[-3] != "A" else "B") + payload[-2:]
    return [
        f"{flipped}.{mac}",
        f"{payload}.{'B' if mac[0] == 'A' else 'A'}{mac[1:]}",
        f"{payload}.",
        payload,
        f"{payload}.{mac}.{mac}",
        "",
        "x" * 5000,
        "!!!.???",
        encode(Cursor(SCOPE, (3,), (41,)), cursor_key("another-secret")),
    ]


def test_an_edited_or_forged_cursor_is_refused() -> None:
    token = encode(Cursor(SCOPE, (3,), (41,)), KEY)
    for bad in _edited(token):
        with pytest.raises(InvalidInput) as caught:
            decode(bad, KEY, SCOPE)
        assert caught.value.code == "cursor.invalid", bad


def test_a_signed_but_malformed_cursor_is_refused_not_a_crash() -> None:
    """Even with the key (a leaked development secret), a body of the wrong shape is refused."""
    for body in (
        b"[]",
        b"{}",
        b'{"v":1}',
        b'{"v":1,"k":"query","d":"x","g":null,"a":1,"f":"","o":"key","s":["x"],"p":[1]}',
        b"not json at all",
    ):
        token = seal(body, KEY)
        with pytest.raises(InvalidInput) as caught:
            decode(token, KEY, SCOPE)
        assert caught.value.code == "cursor.invalid"


def test_a_cursor_reveals_nothing_it_holds() -> None:
    """Sealed, not only signed: the row id (the row's place in the publisher's file) cannot be
    read out of a token. The nonce is synthetic (``lakehouse.cursor``): the same cursor seals to
    the same token — so an audited page can be rebuilt byte for byte — and any other cursor, even
    one row further on, to another nonce, never reusing one for a different plaintext."""
    import base64

    cursor = Cursor(SCOPE, (3,), (987654321,))
    first, second = encode(cursor, KEY), encode(cursor, KEY)
    assert first == second
    nonces = {
        base64.urlsafe_b64decode(t.split(".")[0] + "==")[:12]
        for t in (encode(Cursor(SCOPE, (3,), (p,)), KEY) for p in range(987654321, 987654421))
    }
    assert len(nonces) == 100
    other = encode(cursor, cursor_key("another-secret"))
    assert other.split(".")[0][:16] != first.split(".")[0][:16]
    for token, key in ((first, KEY), (other, cursor_key("another-secret"))):
        raw = b"".join(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) for p in token.split("."))
        assert b"987654321" not in raw and b'"p"' not in raw and SCOPE.dataset.encode() not in raw
        assert decode(token, key, SCOPE) == cursor


def test_a_token_sealed_with_a_random_nonce_still_opens() -> None:
    """Tokens handed out before nonces became synthetic keep working: decode reads the nonce."""
    import base64
    import os

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    cursor = Cursor(SCOPE, (3,), (41,))
    token = encode(cursor, KEY)
    body, tag = (base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) for p in token.split("."))
    payload = AESGCM(KEY).decrypt(body[:12], body[12:] + tag, b"zhongtai/cursor/v1")
    nonce = os.urandom(12)
    sealed = AESGCM(KEY).encrypt(nonce, payload, b"zhongtai/cursor/v1")
    legacy = ".".join(
        base64.urlsafe_b64encode(part).rstrip(b"=").decode()
        for part in (nonce + sealed[:-16], sealed[-16:])
    )
    assert legacy != token
    assert decode(legacy, KEY, SCOPE) == cursor
