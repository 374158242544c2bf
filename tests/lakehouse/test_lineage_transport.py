"""``ZHONGTAI_LINEAGE_TRANSPORT``: the catalog always keeps the event; ``file`` also appends it,
one JSON event a line, to a file an air-gapped site carries to its lineage backend; ``store``
keeps the catalog copy only; contradictory settings are refused when they are read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.db import init_catalog
from catalog.lineage import event_payload, lineage_client
from catalog.models import LineageEvent
from catalog.settings import Settings
from tests.lakehouse.test_lineage_runs import _events


@pytest.mark.parametrize(
    ("url", "transport", "resolved"),
    [
        ("", "", "store"),
        ("http://127.0.0.1:5000", "", "http"),
        ("https://marquez.internal", "", "http"),
        ("/srv/lineage/events.ndjson", "", "file"),
        ("", "file", "file"),
        ("", "store", "store"),
    ],
)
def test_the_transport_follows_the_settings(
    tmp_path: Path, url: str, transport: str, resolved: str
) -> None:
    settings = Settings(var_dir=tmp_path, lineage_url=url, lineage_transport=transport)  # type: ignore[arg-type]
    assert settings.resolved_lineage_transport == resolved


@pytest.mark.parametrize(
    ("url", "transport", "words"),
    [
        ("", "http", "needs ZHONGTAI_LINEAGE_URL"),
        ("/srv/x.ndjson", "http", "needs ZHONGTAI_LINEAGE_URL"),
        ("http://marquez:5000", "file", "needs a file path"),
        ("http://marquez:5000", "store", "unset ZHONGTAI_LINEAGE_URL"),
    ],
)
def test_contradictions_are_refused(tmp_path: Path, url: str, transport: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Settings(var_dir=tmp_path, lineage_url=url, lineage_transport=transport)  # type: ignore[arg-type]


def test_the_file_transport_keeps_both_copies(settings: Settings) -> None:
    sessions = init_catalog(settings.resolved_catalog_url)
    chosen = settings.model_copy(update={"lineage_transport": "file"})
    client = lineage_client(chosen, sessions)
    events = _events()[:2]
    for event in events:
        client.emit(event)
    with sessions() as session:
        stored = [row.payload for row in session.scalars(select(LineageEvent).order_by("id"))]
    sessions.kw["bind"].dispose()
    assert chosen.lineage_file == settings.var_dir.resolve() / "lineage" / "openlineage.ndjson"
    lines = chosen.lineage_file.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == stored == [event_payload(e) for e in events]


def test_a_file_that_cannot_be_written_loses_nothing(settings: Settings, tmp_path: Path) -> None:
    sessions = init_catalog(settings.resolved_catalog_url)
    chosen = settings.model_copy(
        update={"lineage_transport": "file", "lineage_url": f"file://{tmp_path}/events.ndjson"}
    )
    assert chosen.lineage_file == tmp_path / "events.ndjson"
    chosen.lineage_file.mkdir()  # a folder where the file should be: the append fails
    lineage_client(chosen, sessions).emit(_events()[0])
    with sessions() as session:
        assert [r.event_type for r in session.scalars(select(LineageEvent))] == ["START"]
    sessions.kw["bind"].dispose()


def test_store_keeps_the_catalog_copy_only(settings: Settings) -> None:
    sessions = init_catalog(settings.resolved_catalog_url)
    lineage_client(settings, sessions).emit(_events()[0])
    with sessions() as session:
        assert len(session.scalars(select(LineageEvent)).all()) == 1
    sessions.kw["bind"].dispose()
    assert not settings.lineage_file.exists()
