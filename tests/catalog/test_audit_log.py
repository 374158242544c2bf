"""The log viewer's library: filters, keyset pages that stay put, bad filters, who may read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from catalog import audit
from catalog.audit_log import MAX_LIMIT, LogQuery, action_families, known_actions, read_log
from catalog.errors import AccessRefused, InvalidInput
from catalog.events import GrantRevoked
from tests.catalog import usage_factories as uf
from tests.catalog.usage_factories import NOW


def test_filters_and_keyset_pages(catalog_session: Session, tmp_path: Path) -> None:
    s = catalog_session
    w = uf.world(s, tmp_path)
    g = uf.grant(s, w.ex, ["period"])
    other = uf.grant(s, w.other, ["period"])
    for i in range(7):
        uf.read(s, w.ex.requester.principal, g, NOW - dt.timedelta(hours=i), 1 + i)
    uf.read(s, w.other.requester.principal, other, NOW, 3)
    uf.refused(s, w.ex.requester.principal, g, NOW)
    s.commit()

    reads = read_log(s, w.auditor, LogQuery(grant=g.id, action="data.read", limit=3), now=NOW)
    assert [e.action for e in reads.entries] == ["data.read"] * 3
    assert reads.entries[0].id > reads.entries[1].id > reads.entries[2].id  # newest first
    seen = [e.id for e in reads.entries]
    # an event appended between pages does not move the next page
    uf.read(s, w.ex.requester.principal, g, NOW, 99)
    s.commit()
    while reads.next_before is not None:
        reads = read_log(
            s,
            w.auditor,
            LogQuery(grant=g.id, action="data.read", limit=3, before=reads.next_before),
            now=NOW,
        )
        seen += [e.id for e in reads.entries]
    assert len(seen) == 7 == len(set(seen)) and seen == sorted(seen, reverse=True)

    family = read_log(s, w.auditor, LogQuery(action="data.*", limit=100), now=NOW)
    assert {e.action for e in family.entries} == {"data.read", "data.read_refused"}
    refused = read_log(s, w.auditor, LogQuery(outcome="refused"), now=NOW)
    assert {e.action for e in refused.entries} == {"data.read_refused"}
    dept = read_log(
        s, w.auditor, LogQuery(department=w.other.requester_dept.code, action="data.*"), now=NOW
    )
    assert {e.grant_id for e in dept.entries} == {other.id}
    entry = dept.entries[0]
    assert entry.actor_name == w.other.requester.account.name
    assert entry.dataset_code == w.other.dataset.code and entry.rows_sent == 3
    assert entry.detail["columns"] == ["period"] and len(entry.content_sha256) == 64
    day = NOW.date().isoformat()
    assert read_log(s, w.auditor, LogQuery(date_from=day, date_to=day), now=NOW).entries
    yesterday = (NOW - dt.timedelta(days=1)).date().isoformat()
    assert not [
        e
        for e in read_log(s, w.auditor, LogQuery(date_to=yesterday, limit=500), now=NOW).entries
        if e.action.startswith("data.")
    ]


def test_a_family_prefix_is_not_a_like_pattern(catalog_session: Session, tmp_path: Path) -> None:
    """``_`` in a family would be a LIKE wildcard if it were pasted into the pattern."""
    w = uf.world(catalog_session, tmp_path)
    audit.record(catalog_session, GrantRevoked(grant_id=1, reason="x"))
    catalog_session.commit()
    page = read_log(catalog_session, w.auditor, LogQuery(action="gra_t.*"), now=NOW)
    assert page.entries == ()


@pytest.mark.parametrize(
    ("query", "code"),
    [
        (LogQuery(limit=0), "audit.limit_invalid"),
        (LogQuery(limit=MAX_LIMIT + 1), "audit.limit_invalid"),
        (LogQuery(limit="10**9"), "audit.limit_invalid"),
        (LogQuery(before="-1"), "audit.bad_cursor"),
        (LogQuery(before="1 OR 1=1"), "audit.bad_cursor"),
        (LogQuery(action="data.read' OR '1'='1"), "audit.bad_action"),
        (LogQuery(action="%"), "audit.bad_action"),
        (LogQuery(outcome="maybe"), "audit.bad_outcome"),
        (LogQuery(date_from="2026-02-30"), "audit.bad_date"),
        (LogQuery(date_from="2026-03-02", date_to="2026-03-01"), "audit.range_invalid"),
        (LogQuery(date_to="9999-12-31"), "audit.bad_date"),
        (LogQuery(department="\x00"), "audit.unknown_department"),
        (LogQuery(dataset="../../etc"), "audit.unknown_dataset"),
    ],
)
def test_bad_filters(catalog_session: Session, tmp_path: Path, query: LogQuery, code: str) -> None:
    w = uf.world(catalog_session, tmp_path)
    with pytest.raises(InvalidInput) as caught:
        read_log(catalog_session, w.auditor, query, now=NOW)
    assert caught.value.code == code


def test_who_may_read_the_log(catalog_session: Session, tmp_path: Path) -> None:
    w = uf.world(catalog_session, tmp_path)
    assert read_log(catalog_session, w.admin, LogQuery(), now=NOW).entries
    for who in (w.ex.requester.principal, w.ex.publisher.principal, w.steward):
        with pytest.raises(AccessRefused):
            read_log(catalog_session, who, LogQuery(), now=NOW)


def test_every_event_class_is_a_known_action() -> None:
    actions = known_actions()
    for name in ("data.read", "data.bulk_delivered", "subscription.delivered"):
        assert name in actions
    assert "audit.usage_exported" in actions
    assert "data.*" in action_families()
