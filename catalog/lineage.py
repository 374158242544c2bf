"""The lineage store: OpenLineage run events kept in the catalog (``lineage_events``) and, by
setting, sent on to any OpenLineage HTTP endpoint (Marquez …) as well.

Two ways in, one encoding (``openlineage.client.serde.Serde``, the client's own JSON):

- :func:`record_lineage` — from library code, in the act's own transaction: a publish and its
  ``COMPLETE`` event commit together, or neither does.
- :class:`CatalogTransport` — an ``openlineage-python`` transport of ours, for an
  ``OpenLineageClient`` (Airflow's provider, a script): each event in its own transaction.
  :func:`lineage_client` builds a client with it, composed with the HTTP transport when
  ``ZHONGTAI_LINEAGE_URL`` is set (the catalog copy is written first; an endpoint that does not
  answer is logged by the client, never fails the act).

Events are stored as emitted; nothing here edits or deletes one.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import RunEvent
from openlineage.client.serde import Serde
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


class _CatalogThenHttp(Transport):
    """The catalog copy first (its failure fails the emit), then the endpoint (its failure is
    logged: the record of lineage is the catalog's, the endpoint is a copy)."""

    kind = "zhongtai-catalog+http"

    def __init__(self, catalog: CatalogTransport, http: HttpTransport) -> None:
        self._catalog, self._http = catalog, http

    def emit(self, event: Any) -> None:
        self._catalog.emit(event)
        try:
            self._http.emit(event)
        except Exception as exc:  # noqa: BLE001 - an unreachable endpoint must not fail the act
            _log.warning("lineage event not sent to %s: %s", self._http.url, exc)


def lineage_client(settings: Settings, sessions: sessionmaker[Session]) -> OpenLineageClient:
    """A client whose events go to the catalog and, when ``lineage_url`` is set, to that
    OpenLineage endpoint too."""
    catalog = CatalogTransport(sessions)
    if not settings.lineage_url:
        return OpenLineageClient(transport=catalog)
    http = HttpTransport(HttpConfig(url=settings.lineage_url, timeout=2.0, retry=_ONE_RETRY))
    return OpenLineageClient(transport=_CatalogThenHttp(catalog, http))
