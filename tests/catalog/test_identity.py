"""Departments and account tokens, on both engines."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.departments import get_department, upsert_department
from catalog.errors import InvalidInput, NotFound, Unauthenticated
from catalog.models import Account, Role
from catalog.tokens import authenticate, hash_token, issue_account, new_token
from tests.catalog import factories


def test_new_token_shape_and_hash() -> None:
    token = new_token()
    assert token.startswith("zt_")
    assert len(token) == 3 + 43
    assert new_token() != token
    assert hash_token(token) == hash_token(token)
    assert len(hash_token(token)) == 64
    assert hash_token(token) != hash_token(token + "x")


def test_token_round_trip(catalog_session: Session) -> None:
    dept = factories.department(catalog_session)
    account, token = issue_account(
        catalog_session, dept, "exchange-client", [Role.REQUESTER, Role.REQUESTER, Role.PUBLISHER]
    )
    catalog_session.commit()
    assert account.roles == ["publisher", "requester"]
    assert account.token_prefix == token[:8]
    stored = catalog_session.scalars(select(Account.token_hash)).all()
    assert stored == [hash_token(token)]
    assert token not in stored

    found = authenticate(catalog_session, token)
    assert found.id == account.id
    assert found.department.code == dept.code


@pytest.mark.parametrize("token", ["", "zt_unknown", "not-even-a-token"])
def test_unknown_token_is_unauthenticated(catalog_session: Session, token: str) -> None:
    factories.actor(catalog_session, factories.department(catalog_session))
    with pytest.raises(Unauthenticated):
        authenticate(catalog_session, token)


def test_inactive_account_is_unauthenticated(catalog_session: Session) -> None:
    who = factories.actor(catalog_session, factories.department(catalog_session))
    who.account.active = False
    catalog_session.flush()
    with pytest.raises(Unauthenticated) as caught:
        authenticate(catalog_session, who.token)
    assert who.token not in str(caught.value)


def test_upsert_department_creates_then_updates(catalog_session: Session) -> None:
    created = upsert_department(catalog_session, "330100RSJ", "杭州市人社局", "330100")
    updated = upsert_department(
        catalog_session, "330100RSJ", "杭州市人力资源和社会保障局", "330102"
    )
    assert updated.id == created.id
    assert get_department(catalog_session, "330100RSJ").name == "杭州市人力资源和社会保障局"
    assert get_department(catalog_session, "330100RSJ").region_code == "330102"


@pytest.mark.parametrize(
    ("region", "code"),
    [
        ("33010", "department.invalid_region"),
        ("3301OO", "department.invalid_region"),
        ("999999", "department.unknown_region"),
    ],
)
def test_upsert_department_checks_region(catalog_session: Session, region: str, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        upsert_department(catalog_session, "X", "某部门", region)
    assert caught.value.code == code


def test_get_department_not_found(catalog_session: Session) -> None:
    with pytest.raises(NotFound) as caught:
        get_department(catalog_session, "nobody")
    assert caught.value.code == "department.not_found"
