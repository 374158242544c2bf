"""Portal sessions: a signed random id, stored hashed; every way a cookie stops being good; CSRF."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.credential_tables import PortalSession
from catalog.errors import Unauthenticated
from catalog.models import AuditEvent
from catalog.portal_sessions import (
    SESSION_ID_BYTES,
    close_session,
    cookie_value,
    csrf_matches,
    csrf_token,
    open_session,
    resolve_session,
    session_id_of,
)
from tests.catalog import factories

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
SECRET = "a-secret-for-tests"


def _reason(session: Session, cookie: str, now: dt.datetime = NOW, secret: str = SECRET) -> str:
    with pytest.raises(Unauthenticated) as caught:
        resolve_session(session, cookie, secret=secret, now=now)
    assert caught.value.code == "auth.invalid_session"
    return str(caught.value.context["reason"])


def test_a_session_is_a_signed_random_id_stored_only_as_its_hash(
    catalog_session: Session,
) -> None:
    who = factories.actor(catalog_session, factories.department(catalog_session))
    row, cookie = open_session(
        catalog_session,
        who.account,
        secret=SECRET,
        hours=8,
        now=NOW,
        client="10.0.0.7",
        user_agent="Mozilla/5.0",
    )
    session_id = session_id_of(cookie, SECRET)
    assert len(session_id) == SESSION_ID_BYTES
    assert row.session_hash == hashlib.sha256(session_id).hexdigest()
    assert who.token not in cookie and row.session_hash not in cookie
    assert row.expires_at == NOW + dt.timedelta(hours=8)
    assert row.user_agent_sha256 == hashlib.sha256(b"Mozilla/5.0").hexdigest()
    found, account = resolve_session(catalog_session, cookie, secret=SECRET, now=NOW)
    assert (found.id, account.id) == (row.id, who.account.id)
    event = catalog_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "portal.signed_in")
    ).one()
    assert event.detail["session_id"] == row.id and event.detail["client"] == "10.0.0.7"
    assert cookie.split(".")[0] not in str(event.detail)


def test_every_way_a_cookie_stops_being_good(catalog_session: Session) -> None:
    who = factories.actor(catalog_session, factories.department(catalog_session))
    _, cookie = open_session(catalog_session, who.account, secret=SECRET, hours=8, now=NOW)
    encoded_id, _, mac = cookie.partition(".")
    assert _reason(catalog_session, cookie, secret="another-key") == "session.forged"
    # The first character carries the first six bits of the MAC, so changing it always changes the
    # MAC; the last ones did not when the MAC already ended in them (1 run in 4,096 in CI).
    tampered = ("B" if mac[0] == "A" else "A") + mac[1:]
    assert _reason(catalog_session, f"{encoded_id}.{tampered}") == "session.forged"
    assert _reason(catalog_session, encoded_id) == "session.forged"
    assert _reason(catalog_session, "garbage.令牌") == "session.forged"
    stranger = cookie_value(b"\x01" * SESSION_ID_BYTES, SECRET)  # signed, but never opened
    assert _reason(catalog_session, stranger) == "session.unknown"
    assert _reason(catalog_session, cookie, NOW + dt.timedelta(hours=8)) == "session.expired"

    assert close_session(catalog_session, cookie, secret=SECRET, now=NOW) is not None
    assert _reason(catalog_session, cookie) == "session.revoked"  # a replay after sign-out
    assert close_session(catalog_session, cookie, secret=SECRET, now=NOW) is None

    _, other = open_session(catalog_session, who.account, secret=SECRET, hours=8, now=NOW)
    who.account.revoked_at = NOW
    assert _reason(catalog_session, other) == "session.account_revoked"


def test_a_session_never_outlives_its_token(catalog_session: Session) -> None:
    who = factories.actor(catalog_session, factories.department(catalog_session))
    who.account.expires_at = NOW + dt.timedelta(hours=2)
    row, cookie = open_session(catalog_session, who.account, secret=SECRET, hours=8, now=NOW)
    assert row.expires_at == NOW + dt.timedelta(hours=2)
    who.account.expires_at = NOW + dt.timedelta(hours=1)  # e.g. shortened by hand
    assert _reason(catalog_session, cookie, NOW + dt.timedelta(hours=1)) == "session.token_expired"


def test_last_seen_is_recorded_at_most_once_a_minute(catalog_session: Session) -> None:
    who = factories.actor(catalog_session, factories.department(catalog_session))
    row, cookie = open_session(catalog_session, who.account, secret=SECRET, hours=8, now=NOW)
    resolve_session(catalog_session, cookie, secret=SECRET, now=NOW + dt.timedelta(seconds=30))
    assert row.last_seen_at == NOW
    resolve_session(catalog_session, cookie, secret=SECRET, now=NOW + dt.timedelta(minutes=2))
    assert row.last_seen_at == NOW + dt.timedelta(minutes=2)
    assert catalog_session.scalars(select(PortalSession)).all() == [row]


@given(st.binary(min_size=SESSION_ID_BYTES, max_size=SESSION_ID_BYTES))
def test_cookie_round_trip(session_id: bytes) -> None:
    cookie = cookie_value(session_id, SECRET)
    assert session_id_of(cookie, SECRET) == session_id
    assert ";" not in cookie and " " not in cookie and "," not in cookie


@given(
    st.binary(min_size=SESSION_ID_BYTES, max_size=SESSION_ID_BYTES),
    st.integers(0, 200),
    st.sampled_from("ABCabc019-_."),
)
def test_any_edit_of_a_cookie_is_a_forgery(session_id: bytes, position: int, char: str) -> None:
    cookie = cookie_value(session_id, SECRET)
    index = position % len(cookie)
    edited = cookie[:index] + char + cookie[index + 1 :]
    if edited == cookie:
        return
    with pytest.raises(Unauthenticated) as caught:  # even a re-encoding of the same bytes
        session_id_of(edited, SECRET)
    assert caught.value.context["reason"] == "session.forged"


def test_the_csrf_token_is_bound_to_the_session() -> None:
    first = cookie_value(b"\x02" * SESSION_ID_BYTES, SECRET)
    second = cookie_value(b"\x03" * SESSION_ID_BYTES, SECRET)
    token = csrf_token(first, secret=SECRET)
    assert token == csrf_token(first, secret=SECRET) != csrf_token(second, secret=SECRET)
    assert token not in first
    assert csrf_matches(first, token, secret=SECRET)
    assert not csrf_matches(second, token, secret=SECRET)
    assert not csrf_matches(first, token, secret="another-key")
    assert not csrf_matches(first, "", secret=SECRET)
    assert not csrf_matches("forged.cookie", token, secret=SECRET)
    assert not csrf_matches(first, "令牌", secret=SECRET)
