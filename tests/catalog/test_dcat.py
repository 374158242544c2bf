"""The public DCAT-AP 3 catalog: SHACL conformance (``../shared/specs/dcat-ap``), and what it
must never carry — not-open entries, conditionally open ones without stated conditions, field
details."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError
from pyshacl import validate
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SH
from sqlalchemy.orm import Session

from catalog.catalog_exports import catalog_records, public_catalog
from catalog.catalog_record import CatalogRecord
from catalog.dcat import ACCESS_RIGHT, DCAT, HYDRA, catalog_graph, public_records, serialize
from catalog.errors import InvalidInput
from catalog.settings import Settings
from schemas import OpenType
from tests.catalog import factories

SPECS = Path(__file__).resolve().parents[3] / "shared" / "specs" / "dcat-ap"
BASE = "https://data.example.gov.cn/zhongtai/"
NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
_JSONLD_PARSER = "ignore:ConjunctiveGraph is deprecated:DeprecationWarning"  # rdflib's own parser


@pytest.fixture(scope="module")
def shapes() -> Graph:
    if not SPECS.is_dir():
        raise FileNotFoundError(f"the DCAT-AP shapes are read from {SPECS} (../shared/specs)")
    graph = Graph()
    graph.parse(SPECS / "shapes.ttl")
    graph.parse(SPECS / "range.ttl")
    return graph


def _conforms(data: Graph, shapes: Graph) -> tuple[bool, str]:
    conforms, _, text = validate(data, shacl_graph=shapes)
    return bool(conforms), str(text)


def _records(session: Session, tmp_path: Path) -> list[CatalogRecord]:
    owner = factories.department(session, "330100RSJ")
    owner.name = "杭州市人力资源和社会保障局"
    for code, open_type in (
        ("ds_open", OpenType.OPEN),
        ("ds_conditional", OpenType.CONDITIONAL_OPEN),
        ("ds_closed", OpenType.NOT_OPEN),
    ):
        stated = (
            {"open_conditions": "须经实名认证"} if open_type is OpenType.CONDITIONAL_OPEN else {}
        )
        factories.dataset(
            session,
            tmp_path,
            owner,
            code=code,
            open_type=open_type.value,
            title_zh=f"{code}标题",
            **stated,
        )
    session.flush()
    return catalog_records(session, now=NOW)


def _national(record: CatalogRecord, **changes: object) -> CatalogRecord:
    """``record`` with the national catalog fields filled in (as migration 0010 will)."""
    filled = dict(
        resource_code=f"330100RSJ/{record.code}",
        classification="2.01.003.001",
        resource_format="csv",
        share_method=("api", "file", "database"),
        publication_date=dt.date(2026, 3, 1),
        related_resources=("ds_open", "ds_conditional", "ds_closed"),
        tags=("社保", "缴费"),
        version=3,
    )
    filled.update(changes)
    return dataclasses.replace(record, **filled)  # type: ignore[arg-type]


def test_the_public_catalog_conforms_and_leaves_out_what_is_not_open(
    catalog_session: Session, tmp_path: Path, shapes: Graph
) -> None:
    body = public_catalog(catalog_session, "ttl", base_url=BASE, now=NOW)
    graph = Graph().parse(data=body.body, format="turtle")
    conforms, report = _conforms(graph, shapes)
    assert conforms, report  # an empty catalog conforms too: the catalog's own fields
    _records(catalog_session, tmp_path)
    body = public_catalog(catalog_session, "ttl", base_url=BASE, now=NOW)
    text = body.body.decode("utf-8")
    graph = Graph().parse(data=text, format="turtle")
    conforms, report = _conforms(graph, shapes)
    assert conforms, report
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    # open, and conditionally open with its conditions (a contract must state them): never closed
    assert datasets == {
        URIRef(f"{BASE}catalog/datasets/{c}") for c in ("ds_open", "ds_conditional")
    }
    assert body.row_count == 2
    assert "ds_closed" not in text
    title = Literal("ds_open标题", lang="zh")
    assert (URIRef(f"{BASE}catalog/datasets/ds_open"), DCTERMS.title, title) in graph


@pytest.mark.filterwarnings(_JSONLD_PARSER)
def test_every_national_field_conforms_in_both_serialisations(
    catalog_session: Session, tmp_path: Path, shapes: Graph
) -> None:
    records = [
        _national(r, open_conditions="须经实名认证并签署数据使用协议")
        for r in _records(catalog_session, tmp_path)
    ]
    graph = catalog_graph(records, base_url=BASE, now=NOW)
    for fmt, parser in (("jsonld", "json-ld"), ("ttl", "turtle")):
        back = Graph().parse(data=serialize(graph, fmt), format=parser)  # type: ignore[arg-type]
        assert len(back) == len(graph)
        conforms, report = _conforms(back, shapes)
        assert conforms, (fmt, report)
    opened = URIRef(f"{BASE}catalog/datasets/ds_open")
    conditional = URIRef(f"{BASE}catalog/datasets/ds_conditional")
    assert set(graph.subjects(RDF.type, DCAT.Dataset)) == {opened, conditional}
    assert graph.value(opened, DCTERMS.accessRights) == ACCESS_RIGHT.PUBLIC
    assert graph.value(conditional, DCTERMS.accessRights) == ACCESS_RIGHT.RESTRICTED
    rights = {graph.value(d, DCTERMS.rights) for d in graph.objects(conditional, DCAT.distribution)}
    assert rights == {URIRef(f"{BASE}catalog/rights/ds_conditional")}
    # related resources: only those in the public catalog, never the not-open one
    assert set(graph.objects(opened, DCTERMS.relation)) == {conditional}
    text = serialize(graph, "ttl").decode("utf-8") + serialize(graph, "jsonld").decode("utf-8")
    assert "ds_closed" not in text
    assert "citizen_id" not in text and "keep:" not in text  # no field-level details
    assert '"须经实名认证并签署数据使用协议"@zh' in serialize(graph, "ttl").decode("utf-8")


def test_the_recommended_shapes_find_warnings_only(
    catalog_session: Session, tmp_path: Path
) -> None:
    """``shapes_recommended.ttl`` findings are reported as warnings, never violations; what is
    left is what the catalog does not know: licences, time coverage, geometry of a region, the
    platform's own publisher type."""
    records = [_national(r, open_conditions="须申请") for r in _records(catalog_session, tmp_path)]
    graph = catalog_graph(records, base_url=BASE, now=NOW)
    recommended = Graph().parse(SPECS / "shapes_recommended.ttl")
    conforms, results, _ = validate(graph, shacl_graph=recommended, allow_warnings=True)
    assert conforms
    paths = {
        str(p).rsplit("/", 1)[-1].rsplit("#", 1)[-1] for p in results.objects(None, SH.resultPath)
    }
    assert paths <= {"license", "temporal", "type", "bbox", "centroid"}, paths


def test_a_broken_catalog_does_not_conform(
    catalog_session: Session, tmp_path: Path, shapes: Graph
) -> None:
    graph = catalog_graph(_records(catalog_session, tmp_path), base_url=BASE, now=NOW)
    dataset = URIRef(f"{BASE}catalog/datasets/ds_open")
    untitled = Graph()
    for triple in graph:
        untitled.add(triple)
    untitled.remove((dataset, DCTERMS.title, None))  # a mandatory property (shapes.ttl)
    conforms, report = _conforms(untitled, shapes)
    assert not conforms and "title" in report
    untyped = Graph()
    for triple in graph:
        untyped.add(triple)
    untyped.remove((ACCESS_RIGHT.PUBLIC, RDF.type, None))  # a range (range.ttl)
    conforms, report = _conforms(untyped, shapes)
    assert not conforms and "RightsStatement" in report


def test_not_open_and_unconditioned_entries_are_never_public() -> None:
    base = dict.fromkeys(
        ("resource_code", "classification", "title_en", "description", "provider_code"), ""
    )
    record = CatalogRecord(
        code="x",
        title_zh="某",
        provider_name="某局",
        owner_department_code="D",
        region_code="330100",
        steward="",
        resource_format="",
        share_type="not_shared",
        share_basis="法",
        share_conditions="",
        share_method=(),
        open_type="not_open",
        open_conditions="全部条件",
        grade="core",
        update_cycle="daily",
        publication_date=None,
        related_resources=(),
        tags=(),
        version=1,
        status="published",
        published=True,
        updated_at=NOW,
        fields=(),
        **base,  # type: ignore[arg-type]
    )
    assert public_records([record]) == []
    blank = dataclasses.replace(record, open_type="conditional_open", open_conditions="  ")
    assert public_records([blank]) == []
    stated = dataclasses.replace(blank, open_conditions="须申请")
    assert public_records([stated]) == [stated]
    retired = dataclasses.replace(record, open_type="open", status="retired")
    assert public_records([retired]) == []


def test_a_bad_format_or_base_is_refused(catalog_session: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        public_catalog(catalog_session, "rdfxml", base_url=BASE, now=NOW)
    assert caught.value.code == "catalog.bad_export_format"
    with pytest.raises(ValueError, match="http"):
        catalog_graph([], base_url="ftp://example/", now=NOW)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://x/", "http://", "http://a b/"])
def test_the_public_base_url_setting_must_be_an_http_address(url: str) -> None:
    with pytest.raises(ValidationError):
        Settings(public_base_url=url, _env_file=None)  # type: ignore[call-arg]


def test_a_large_catalog_is_served_a_page_at_a_time(
    catalog_session: Session, tmp_path: Path, shapes: Graph
) -> None:
    owner = factories.department(catalog_session, "330100TJJ")
    for code in ("tj_a", "tj_b", "tj_c"):
        factories.dataset(catalog_session, tmp_path, owner, code=code, open_type="open")
    factories.dataset(catalog_session, tmp_path, owner, code="tj_closed", open_type="not_open")
    catalog_session.flush()
    first = public_catalog(catalog_session, "ttl", base_url=BASE, now=NOW, page=1, per_page=2)
    graph = Graph().parse(data=first.body, format="turtle")
    assert _conforms(graph, shapes)[0]
    found = {str(d).rsplit("/", 1)[1] for d in graph.subjects(RDF.type, DCAT.Dataset)}
    assert found == {"tj_a", "tj_b"} and first.row_count == 2
    view = URIRef(f"{BASE}api/v1/catalog/dcat.ttl?page=1&per_page=2")
    assert graph.value(URIRef(f"{BASE}catalog"), HYDRA.view) == view
    assert graph.value(view, HYDRA.next) == URIRef(
        f"{BASE}api/v1/catalog/dcat.ttl?page=2&per_page=2"
    )
    assert graph.value(view, HYDRA.previous) is None
    assert graph.value(URIRef(f"{BASE}catalog"), HYDRA.totalItems).toPython() == 3  # type: ignore[union-attr]
    second = public_catalog(catalog_session, "ttl", base_url=BASE, now=NOW, page="2", per_page=2)
    graph = Graph().parse(data=second.body, format="turtle")
    found = {str(d).rsplit("/", 1)[1] for d in graph.subjects(RDF.type, DCAT.Dataset)}
    assert found == {"tj_c"}
    last = URIRef(f"{BASE}api/v1/catalog/dcat.ttl?page=2&per_page=2")
    assert graph.value(last, HYDRA.next) is None and graph.value(last, HYDRA.previous) is not None
    beyond = public_catalog(catalog_session, "ttl", base_url=BASE, now=NOW, page=9, per_page=2)
    assert beyond.row_count == 0 and b"tj_closed" not in beyond.body
    for page, size in ((0, 2), ("x", 2), (1, 1001), ("1e3", 2)):
        with pytest.raises(InvalidInput) as caught:
            public_catalog(catalog_session, "ttl", base_url=BASE, now=NOW, page=page, per_page=size)
        assert caught.value.code == "catalog.bad_page"
