"""The catalog as the pipeline's steps see it: one session factory per catalog URL, and the
dataset's contract as the catalog holds it at the moment a step starts."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from catalog.contracts import current_contract
from catalog.db import make_engine, make_sessionmaker
from catalog.settings import Settings
from schemas.loader import DatasetContract

__all__ = ["contract_of", "sessions"]


@lru_cache(maxsize=4)
def _sessions(url: str) -> sessionmaker[Session]:
    # No pool: an engine this cache lets go holds no open connection for the garbage collector
    # to find (a batch opens a handful of sessions, not thousands).
    return make_sessionmaker(make_engine(url, poolclass=NullPool))


def sessions(settings: Settings) -> sessionmaker[Session]:
    return _sessions(settings.resolved_catalog_url)


def contract_of(settings: Settings, dataset_code: str) -> DatasetContract:
    """The dataset's contract as the catalog holds it now (never a file cached in the process:
    a revision is seen by the next step of every worker)."""
    with sessions(settings)() as session:
        return current_contract(session, dataset_code)
