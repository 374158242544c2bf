"""The search index kept in step with the catalog, on both engines: registration and revision
(``register_contract`` → ``index_dataset``), freshness from published batches (the ``batches``
trigger), the migration's backfill of datasets registered before it, and access."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import policy
from catalog.db import make_engine, make_sessionmaker, upgrade
from catalog.models import Batch, BatchStatus, Dataset, Role
from catalog.policy import Allowed, Refusal, authorize
from catalog.resources import DatasetTerms
from catalog.search import SearchFilters, search
from catalog.search_index import reindex_all, search_document
from catalog.search_tables import SearchDocument
from tests.catalog import factories

NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def _codes(session: Session, query: str, **filters: object) -> list[str]:
    viewer = factories.actor(session, factories.department(session)).principal
    parsed = SearchFilters.parse(**filters)  # type: ignore[arg-type]
    return [h.code for h in search(session, viewer, query, parsed, now=NOW).hits]


def test_a_revision_replaces_the_indexed_text(catalog_session: Session, tmp_path: Path) -> None:
    owner = factories.department(catalog_session)
    factories.dataset(
        catalog_session, tmp_path / "v1", owner, code="ds_rev", title_zh="低保救助对象"
    )
    assert _codes(catalog_session, "低保") == ["ds_rev"]
    assert _codes(catalog_session, "最低生活保障") == ["ds_rev"]  # the full form of 低保
    factories.dataset(catalog_session, tmp_path / "v2", owner, code="ds_rev", title_zh="婚姻登记")
    catalog_session.commit()
    assert _codes(catalog_session, "低保") == []
    assert _codes(catalog_session, "hydj") == ["ds_rev"]
    row = catalog_session.get(SearchDocument, catalog_session.query(Dataset).one().id)
    assert row is not None and "《" not in row.doc  # the legal basis is not searched text


def test_the_document_is_what_the_catalog_page_shows(
    catalog_session: Session, tmp_path: Path
) -> None:
    owner = factories.department(catalog_session)
    dataset = factories.dataset(catalog_session, tmp_path, owner, code="ds_doc")
    document = search_document(dataset)
    assert "社会保险缴费信息" in document.title and "社保缴费信息" in document.title
    assert "shbxjfxx" in document.title_pinyin and "sbjfxx" in document.title_pinyin
    assert "公民身份号码" in document.fields and "citizen identification number" in document.fields
    assert dataset.tags == ["社保", "社会保险", "缴费", "人社"]  # from the contract
    assert document.tags.startswith("社保 社会保险 缴费 人社 sb shebao")
    dataset.tags = ["社保", "缴费"]
    assert search_document(dataset).tags == "社保 缴费 sb shebao jf jiaofei"


def _batch(
    session: Session, dataset: Dataset, status: BatchStatus, at: dt.datetime | None
) -> Batch:
    batch = Batch(
        dataset=dataset, source_name="x.csv", source_sha256=f"{session.query(Batch).count():064x}",
        raw_path="raw/x", size_bytes=1, status=status, published_at=at,
    )  # fmt: skip
    session.add(batch)
    session.flush()
    return batch


def test_freshness_follows_published_batches(catalog_session: Session, tmp_path: Path) -> None:
    owner = factories.department(catalog_session)
    monthly = factories.dataset(catalog_session, tmp_path, owner, code="ds_monthly")
    assert _codes(catalog_session, "", fresh="true") == []
    _batch(catalog_session, monthly, BatchStatus.REJECTED, NOW)  # not published: not fresh
    assert _codes(catalog_session, "", fresh="true") == []
    landed = _batch(catalog_session, monthly, BatchStatus.LANDED, None)
    landed.status, landed.published_at = BatchStatus.PUBLISHED, NOW - dt.timedelta(days=61)
    catalog_session.flush()  # the trigger sees the update
    assert _codes(catalog_session, "", fresh="true") == ["ds_monthly"]  # within 62 days
    later = NOW + dt.timedelta(days=2)
    viewer = factories.actor(catalog_session, owner).principal
    stale = search(catalog_session, viewer, "", SearchFilters(fresh=False), now=later)
    assert [h.freshness for h in stale.hits] == ["stale"]
    reindex_all(catalog_session)  # a rebuild keeps the publication time
    assert _codes(catalog_session, "", fresh="true") == ["ds_monthly"]
    odd = factories.dataset(
        catalog_session, tmp_path / "odd", owner, code="ds_odd", update_cycle="irregular"
    )
    _batch(catalog_session, odd, BatchStatus.PUBLISHED, NOW)
    every = search(catalog_session, viewer, "", SearchFilters(), now=NOW)
    assert {h.code: h.freshness for h in every.hits} == {
        "ds_monthly": "fresh",
        "ds_odd": "irregular",
    }
    assert _codes(catalog_session, "", fresh="true") == ["ds_monthly"]  # as the dataset page says


def test_the_migration_indexes_datasets_registered_before_it(catalog_url: str) -> None:
    engine = make_engine(catalog_url)
    try:
        upgrade(engine, "0009")
        with engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO departments (code, name, region_code, created_at) "
                    "VALUES ('D1', '民政局', '330100', '2026-01-01')"
                )
            )
            c.execute(
                text(
                    "INSERT INTO datasets (code, title_zh, title_en, description, "
                    "owner_department_id, steward, share_type, share_basis, open_type, grade, "
                    "update_cycle, status, contract_sha256, primary_key, created_at, updated_at) "
                    "VALUES ('mzj_db', '最低生活保障救助对象', 'Allowance', '', "
                    "(SELECT id FROM departments WHERE code = 'D1'), '', "
                    "'conditional', '', 'not_open', 'general', 'monthly', 'published', '', '[]', "
                    "'2026-01-01', '2026-01-01')"
                )
            )
            c.execute(
                text(
                    "INSERT INTO batches (dataset_id, source_name, source_sha256, raw_path, "
                    "size_bytes, status, landed_at, published_at, source_kind, encoding, "
                    "staging_path, error) VALUES ((SELECT id FROM datasets WHERE code = "
                    "'mzj_db'), 'x', 'aa', 'r', 1, 'published', '2026-11-30', '2026-11-30', "
                    "'csv', '', '', '')"
                )
            )
        upgrade(engine)
        with make_sessionmaker(engine)() as session:
            assert _codes(session, "dbjz", fresh="true") == ["mzj_db"]
    finally:
        engine.dispose()


def test_every_account_sees_every_dataset_so_totals_leak_nothing(
    catalog_session: Session, tmp_path: Path
) -> None:
    """``search`` counts totals and facets over the index; that is only right while
    ``dataset.view`` lets any account see any dataset. This fails if it ever does not."""
    owner = factories.department(catalog_session)
    other = factories.department(catalog_session)
    for n in range(3):
        factories.dataset(catalog_session, tmp_path, owner, code=f"ds_{n}")
    datasets = catalog_session.query(Dataset).all()
    for dept in (owner, other):
        for role in Role:
            actor = factories.actor(catalog_session, dept, role).principal
            for d in datasets:
                decision = authorize(actor, act.DATASET_VIEW, DatasetTerms.of(d), now=NOW)
                assert isinstance(decision, Allowed)
            assert search(catalog_session, actor, "社保", now=NOW).total == len(datasets)


def test_a_refused_dataset_is_not_a_hit(
    catalog_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = factories.department(catalog_session)
    for code in ("ds_seen", "ds_hidden"):
        factories.dataset(catalog_session, tmp_path, owner, code=code)

    def hide(actor: object, dataset: DatasetTerms) -> Refusal | None:
        return (
            Refusal("dataset.not_found", "hidden", hidden=True)
            if dataset.code == "ds_hidden"
            else None
        )

    monkeypatch.setitem(policy._RULES, act.DATASET_VIEW, hide)
    assert _codes(catalog_session, "社保") == ["ds_seen"]


def test_hostile_words_are_only_text_on_both_engines(
    catalog_session: Session, tmp_path: Path
) -> None:
    owner = factories.department(catalog_session)
    factories.dataset(catalog_session, tmp_path, owner, code="ds_text")
    assert _codes(catalog_session, "社\x00保") == ["ds_text"]  # NUL is dropped, not sent
    for word in ("%", "/", '"', "'", "\\", "社%", "%保", "a_b", "*", "NEAR(社 保)"):
        assert _codes(catalog_session, word) == [], word
    assert _codes(catalog_session, "_") == _codes(catalog_session, "s_t") == ["ds_text"]
