"""The lineage store: OpenLineage run events kept in the catalog (``lineage_events``) and, by
setting, sent on to any OpenLineage HTTP endpoint (Marquez …) as well.

Two ways in, one encoding (``openlineage.client.serde.Serde``, the client's own JSON):

- :func:`record_lineage` — from library code, in the act's own transaction: a publish and its
  ``COMPLETE`` event commit together, or neither does.
- :class:`CatalogTransport` — an ``openlineage-python`` transport of ours, for an
  ``OpenLineageClient`` (Airflow's provider, a script): each event in its own transaction.
  :func:`lineage_client` builds a client with it, composed by ``ZHONGTAI_LINEAGE_TRANSPORT``
  with the client's HTTP transport (``http``: POSTed to ``ZHONGTAI_LINEAGE_URL``) or its file
  transport (``file``: appended, one event a line, to a file an air-gapped site can carry to its
  lineage backend); ``store`` keeps the catalog copy only. The catalog copy is written first; a
  copy that cannot be sent or written is logged, never fails the act.

Events are stored as emitted; nothing here edits or deletes one.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import RunEvent
from openlineage.client.serde import Serde
from openlineage.client.transport.file import FileConfig, FileTransport
from openlineage.client.transport.http import HttpConfig, HttpTransport
from openlineage.client.transport.transport import Config, Transport
from sqlalchemy.orm import Session, sessionmaker

from catalog.lineage_edges import write_edges
from catalog.models import LineageEvent
from catalog.settings import Settings

__all__ = [
    "PRODUCER",
    "CatalogTransport",
    "event_payload",
    "lineage_client",
    "record_lineage",
]

_log = logging.getLogger(__name__)

PRODUCER = "https://github.com/zhongtai/zhongtai"
"""The ``producer`` URI of every event Zhongtai makes."""


def event_payload(event: RunEvent) -> dict[str, Any]:
    """The event as the OpenLineage JSON it is sent as (``null`` members dropped)."""
    payload: dict[str, Any] = Serde.to_dict(event)
    return payload


def _event_time(payload: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(str(payload["eventTime"]).replace("Z", "+00:00")).astimezone(
        dt.UTC
    )


def record_lineage(session: Session, event: RunEvent) -> LineageEvent:
    """Store ``event`` and its graph edges (``catalog.lineage_edges``) in the caller's
    transaction (the caller commits with its act)."""
    payload = event_payload(event)
    row = LineageEvent(
        run_id=str(payload["run"]["runId"]),
        job_name=f"{payload['job']['namespace']}/{payload['job']['name']}"[:200],
        event_type=str(payload.get("eventType") or "OTHER"),
        event_time=_event_time(payload),
        payload=payload,
    )
    session.add(row)
    session.flush()
    write_edges(session.connection(), row)
    return row


class CatalogTransport(Transport):
    """An ``openlineage-python`` transport that stores each event in the catalog."""

    kind = "zhongtai-catalog"
    config_class = Config

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def emit(self, event: Any) -> None:
        if not isinstance(event, RunEvent):
            raise TypeError(f"the lineage store keeps run events, not {type(event).__name__}")
        with self._sessions() as session:
            record_lineage(session, event)
            session.commit()


_ONE_RETRY = {
    "total": 1,
    "read": 1,
    "connect": 1,
    "backoff_factor": 0.1,
    "status_forcelist": [500, 502, 503, 504],
    "allowed_methods": ["POST"],
}
"""An act waits for the endpoint at most about twice the timeout: the catalog holds the record."""


class _CatalogThenCopy(Transport):
    """The catalog copy first (its failure fails the emit), then the endpoint or file (its
    failure is logged: the record of lineage is the catalog's, the other is a copy)."""

    kind = "zhongtai-catalog+copy"

    def __init__(self, catalog: CatalogTransport, copy: Transport, where: str) -> None:
        self._catalog, self._copy, self._where = catalog, copy, where

    def emit(self, event: Any) -> None:
        self._catalog.emit(event)
        try:
            self._copy.emit(event)
        except Exception as exc:  # noqa: BLE001 - an unreachable copy must not fail the act
            _log.warning("lineage event not copied to %s: %s", self._where, exc)


def lineage_client(settings: Settings, sessions: sessionmaker[Session]) -> OpenLineageClient:
    """A client whose events go to the catalog and, by ``lineage_transport``, to an OpenLineage
    endpoint (``http``) or a file (``file``) too."""
    catalog = CatalogTransport(sessions)
    transport = settings.resolved_lineage_transport
    if transport == "http":
        url = settings.lineage_url
        http = HttpTransport(HttpConfig(url=url, timeout=2.0, retry=_ONE_RETRY))
        return OpenLineageClient(transport=_CatalogThenCopy(catalog, http, url))
    if transport == "file":
        path = settings.lineage_file
        path.parent.mkdir(parents=True, exist_ok=True)
        file = FileTransport(FileConfig(log_file_path=str(path), append=True))
        return OpenLineageClient(transport=_CatalogThenCopy(catalog, file, str(path)))
    return OpenLineageClient(transport=catalog)
