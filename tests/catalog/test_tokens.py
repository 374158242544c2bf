"""Tokens: lifetimes by kind, expiry and revocation (one answer to the caller, the cause for the
audit), rotation, certificate mapping, and the GB/T 39477 separation of roles."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from catalog.errors import Conflict, InvalidInput, Unauthenticated
from catalog.models import AccountKind, Role
from catalog.settings import Settings
from catalog.tokens import (
    TokenLifetimes,
    account_for_certificate,
    authenticate,
    check_roles,
    issue_account,
    normalise_fingerprint,
    replace_token,
)
from tests.catalog import factories

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
CERT = "AB:" * 31 + "CD"


def test_default_lifetimes_are_the_settings_defaults() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert TokenLifetimes.of(settings) == TokenLifetimes() == TokenLifetimes(90, 30)
    assert TokenLifetimes().days(AccountKind.PERSON) == 30


@pytest.mark.parametrize(("kind", "days"), [(AccountKind.SERVICE, 90), (AccountKind.PERSON, 30)])
def test_a_token_expires_after_its_kinds_lifetime(
    catalog_session: Session, kind: AccountKind, days: int
) -> None:
    dept = factories.department(catalog_session)
    account, token = issue_account(catalog_session, dept, "张三", [Role.STEWARD], kind, now=NOW)
    assert account.expires_at == NOW + dt.timedelta(days=days)
    just_before = NOW + dt.timedelta(days=days) - dt.timedelta(seconds=1)
    assert authenticate(catalog_session, token, now=just_before).id == account.id
    assert account.last_used_at == just_before
    with pytest.raises(Unauthenticated) as caught:
        authenticate(catalog_session, token, now=NOW + dt.timedelta(days=days))
    assert caught.value.code == "auth.invalid_token"
    assert caught.value.context["reason"] == "auth.token_expired"
    assert caught.value.context["account_id"] == account.id


def test_unknown_revoked_and_expired_tokens_look_the_same_to_the_caller(
    catalog_session: Session,
) -> None:
    dept = factories.department(catalog_session)
    revoked, revoked_token = issue_account(catalog_session, dept, "r", [Role.REQUESTER], now=NOW)
    revoked.revoked_at = NOW
    _, expired_token = issue_account(catalog_session, dept, "e", [Role.REQUESTER], days=1, now=NOW)
    later = NOW + dt.timedelta(days=2)
    answers = {}
    for token, reason in (
        ("zt_" + "x" * 43, "auth.unknown_token"),
        (revoked_token, "auth.token_revoked"),
        (expired_token, "auth.token_expired"),
    ):
        with pytest.raises(Unauthenticated) as caught:
            authenticate(catalog_session, token, now=later)
        assert caught.value.context["reason"] == reason
        assert token not in str(caught.value)
        answers[reason] = (caught.value.code, caught.value.message)
    assert len(set(answers.values())) == 1


def test_rotation_stops_the_old_token_at_once(catalog_session: Session) -> None:
    dept = factories.department(catalog_session)
    account, old = issue_account(catalog_session, dept, "svc", [Role.PUBLISHER], now=NOW)
    later = NOW + dt.timedelta(days=80)
    new = replace_token(account, days=90, now=later)
    catalog_session.flush()
    assert new != old and account.token_prefix == new[:8]
    assert account.expires_at == later + dt.timedelta(days=90)
    assert authenticate(catalog_session, new, now=later).id == account.id
    with pytest.raises(Unauthenticated) as caught:
        authenticate(catalog_session, old, now=later)
    assert caught.value.context["reason"] == "auth.unknown_token"


@pytest.mark.parametrize(
    "roles",
    [
        {Role.ADMIN, Role.AUDITOR},
        {Role.ADMIN, Role.PUBLISHER},
        {Role.AUDITOR, Role.STEWARD},
        {Role.AUDITOR, Role.REQUESTER},
        {Role.ADMIN, Role.AUDITOR, Role.STEWARD},
    ],
)
def test_admin_auditor_and_operator_are_different_accounts(roles: set[Role]) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_roles(roles)
    assert caught.value.code == "account.roles_conflict"
    assert "GB/T 39477" in caught.value.message


@pytest.mark.parametrize(
    "roles",
    [{Role.ADMIN}, {Role.AUDITOR}, {Role.PUBLISHER, Role.STEWARD, Role.REQUESTER}],
)
def test_allowed_role_sets(roles: set[Role]) -> None:
    assert check_roles(roles) == roles


def test_role_checks_when_issuing(catalog_session: Session) -> None:
    dept = factories.department(catalog_session)
    with pytest.raises(InvalidInput) as conflict:
        issue_account(catalog_session, dept, "x", [Role.AUDITOR, Role.ADMIN])
    assert conflict.value.code == "account.roles_conflict"
    with pytest.raises(InvalidInput) as empty:
        issue_account(catalog_session, dept, "x", [])
    assert empty.value.code == "account.roles_required"
    with pytest.raises(InvalidInput) as unknown:
        issue_account(catalog_session, dept, "x", ["superuser"])
    assert unknown.value.code == "account.unknown_role"
    with pytest.raises(InvalidInput) as lifetime:
        issue_account(catalog_session, dept, "x", [Role.ADMIN], days=0)
    assert lifetime.value.code == "account.invalid_lifetime"


def test_a_certificate_maps_to_one_live_account(catalog_session: Session) -> None:
    dept = factories.department(catalog_session)
    account, _ = issue_account(
        catalog_session, dept, "svc", [Role.REQUESTER], cert_sha256=CERT, days=1, now=NOW
    )
    assert account.cert_sha256 == "ab" * 31 + "cd"
    # the certificate's validity is the TLS proxy's to check, not the token's expiry
    later = NOW + dt.timedelta(days=5)
    assert account_for_certificate(catalog_session, CERT.lower(), now=later).id == account.id
    with pytest.raises(Conflict) as taken:
        issue_account(catalog_session, dept, "other", [Role.REQUESTER], cert_sha256=CERT)
    assert taken.value.code == "account.cert_taken"
    with pytest.raises(Unauthenticated) as unknown:
        account_for_certificate(catalog_session, "00" * 32, now=later)
    assert unknown.value.context["reason"] == "auth.unknown_certificate"
    account.revoked_at = later
    with pytest.raises(Unauthenticated) as revoked:
        account_for_certificate(catalog_session, CERT, now=later)
    assert revoked.value.context["reason"] == "auth.token_revoked"


@pytest.mark.parametrize("value", ["", "abc", "zz" * 32, "ab" * 33])
def test_a_fingerprint_is_64_hex_digits(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_fingerprint(value)
    assert caught.value.code == "account.invalid_cert_sha256"
