"""Request dependencies: the catalog session, the lake connection, and who is calling."""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from typing import Annotated

import duckdb
from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from catalog.errors import NotFound
from catalog.guard import keeping_refusals
from catalog.principals import Principal
from catalog.settings import Settings
from exchange_api import identify
from lakehouse.serving import ServingLake, Source

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

_DATASET_CODE = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def dataset_code(
    code: Annotated[
        str, Path(description="Dataset code (信息资源编码), e.g. rsj_social_insurance")
    ],
) -> str:
    """The ``{code}`` path segment, if it can name a dataset at all. Anything else (a NUL, which
    PostgreSQL refuses, quotes, slashes, 65 characters) is answered as the unknown dataset it is,
    without asking the catalog."""
    if not _DATASET_CODE.fullmatch(code):
        raise NotFound("No dataset has that code.", code="dataset.not_found")
    return code


DatasetCode = Annotated[str, Depends(dataset_code)]


def serving_of(request: Request) -> ServingLake:
    """This worker's long-lived DuckDB (``lakehouse.serving``), made by ``create_app``."""
    serving: ServingLake = request.app.state.serving
    return serving


def open_lake(serving: ServingLake) -> Generator[duckdb.DuckDBPyConnection, None, None]:
    """A cursor on the worker's DuckDB, the lake attached, closed after the response. Only
    dependencies that have already authenticated the caller may call this."""
    cursor = serving.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def get_lake(request: Request, principal: CurrentPrincipal) -> Iterator[duckdb.DuckDBPyConnection]:
    """The lake, for an authenticated API caller only: an anonymous request never reaches
    DuckDB, whatever order a route declares its parameters in."""
    yield from open_lake(serving_of(request))


LakeDep = Annotated[duckdb.DuckDBPyConnection, Depends(get_lake)]


class LazyLake:
    """The lake, reached only when first asked for — after the access decision has said yes — so
    a refused read (no grant, a masked-field probe) costs a catalog query, never a DuckDB one."""

    def __init__(self, serving: ServingLake, *, owned: bool = False) -> None:
        self._serving = serving
        self._owned = owned
        self._con: duckdb.DuckDBPyConnection | None = None

    @classmethod
    def of_settings(cls, settings: Settings) -> LazyLake:
        """A lake for one command (the CLI): its own DuckDB, closed with it."""
        return cls(ServingLake(settings), owned=True)

    def __call__(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            self._con = self._serving.cursor()
        return self._con

    def source(self, table: str, snapshot_id: int | None) -> Source | None:
        """The serving index holding ``table`` at ``snapshot_id``, if this worker has one."""
        return self._serving.source(table, snapshot_id)

    @property
    def opened(self) -> bool:
        return self._con is not None

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
        self._con = None
        if self._owned:
            self._serving.close()


def get_lazy_lake(request: Request, principal: CurrentPrincipal) -> Iterator[LazyLake]:
    """A :class:`LazyLake` for an authenticated caller, closed after the response."""
    lake = LazyLake(serving_of(request))
    try:
        yield lake
    finally:
        lake.close()


LazyLakeDep = Annotated[LazyLake, Depends(get_lazy_lake)]
