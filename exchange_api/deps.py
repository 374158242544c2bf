"""Request dependencies: the catalog session, the lake connection, and who is calling."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import duckdb
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from catalog.guard import keeping_refusals
from catalog.principals import Principal
from catalog.settings import Settings
from exchange_api import identify
from lakehouse.connection import connect

_bearer = HTTPBearer(auto_error=False, description="A department service-account token (zt_…)")


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """A catalog session. Routes commit explicitly; anything uncommitted is rolled back — except
    a refusal the access decision audited (``catalog.guard``), which is committed so it stays on
    the record even though the request fails."""
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session, keeping_refusals(session):
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]


def get_lake(settings: SettingsDep) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(settings) as con:
        yield con


LakeDep = Annotated[duckdb.DuckDBPyConnection, Depends(get_lake)]


def get_principal(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The caller, by bearer token or a trusted proxy's verified client certificate (never a
    portal cookie): audited when refused, locked out, rate-limited (``exchange_api.identify``)."""
    token = credentials.credentials if credentials is not None else None
    return identify.caller(request, session, token=token)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
