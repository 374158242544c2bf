"""The public part of the catalog as DCAT-AP 3 (rdflib): JSON-LD and Turtle.

Only entries whose open type lets the public see them are exported
(:attr:`catalog.catalog_record.CatalogRecord.open_to_public`): ``open`` ones, and
``conditional_open`` ones whose conditions are stated — their access rights are the EU vocabulary's
``RESTRICTED`` and each distribution carries the conditions as its ``dct:rights``. A ``not_open``
entry, a conditionally open one without stated conditions and a retired one are never written, nor
is any relation pointing at one. Field-level details (which fields are personal, their masks) are
not DCAT's business and are left out: the export says what exists, who provides it, how often it
is updated and how it may be obtained.

Every node has a stable IRI under the configured base (``ZHONGTAI_PUBLIC_BASE_URL``):
``{base}catalog`` (the catalog), ``{base}catalog/datasets/{code}`` (a dataset), and beside it
``catalog/identifiers/{code}``, ``catalog/contacts/{code}``, ``catalog/rights/{code}`` (its open
conditions), ``catalog/distributions/{api|file|database}/{code}``; ``catalog/departments/{code}``
(a publisher), ``catalog/regions/{code}`` (GB/T 2260), ``catalog/classification/{code}`` (a
theme). One folder per kind keeps Turtle's prefixes few (rdflib's serializer slows down
quadratically with one namespace per dataset). Controlled values use the EU vocabularies DCAT-AP
3 names (access right, frequency, file type, language, planned availability) and each such node
is typed with the class ``range.ttl`` checks. Titles come in Chinese and English; free text is
tagged ``zh`` when it has Chinese characters, ``en`` otherwise. A large catalog is served a page
at a time with Hydra links (``hydra:view`` → ``hydra:PartialCollectionView`` with ``first``,
``last``, ``next``, ``previous``; ``hydra:totalItems`` on the catalog), as harvesters page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal as Kind
from urllib.parse import quote

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF

from catalog.catalog_record import CatalogRecord

__all__ = [
    "ADMS",
    "DCAT",
    "DCATAP",
    "HYDRA",
    "MEDIA_TYPES",
    "Paging",
    "RdfFormat",
    "catalog_graph",
    "public_records",
    "serialize",
]

ADMS = Namespace("http://www.w3.org/ns/adms#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # open: DCAT 3 terms (dcat:version) included
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
_EU = "http://publications.europa.eu/resource/authority/"
ACCESS_RIGHT = Namespace(f"{_EU}access-right/")
FREQUENCY = Namespace(f"{_EU}frequency/")
FILE_TYPE = Namespace(f"{_EU}file-type/")
LANGUAGE = Namespace(f"{_EU}language/")
AVAILABILITY = Namespace(f"{_EU}planned-availability/")
PUBLISHER_TYPE = Namespace("http://purl.org/adms/publishertype/")

RdfFormat = Kind["jsonld", "ttl"]
MEDIA_TYPES: dict[str, str] = {"jsonld": "application/ld+json", "ttl": "text/turtle"}

_FREQUENCIES = {
    "realtime": "UPDATE_CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "yearly": "ANNUAL",
    "irregular": "IRREG",
}
_FILE_TYPES = {
    "csv": "CSV",
    "json": "JSON",
    "xlsx": "XLSX",
    "xls": "XLS",
    "xml": "XML",
    "parquet": "PARQUET",
    "电子表格": "XLSX",
}
_METHODS: dict[str, tuple[str, str, str | None, str]] = {
    # method → (title zh, title en, EU file type of what it hands over, how it is obtained)
    "api": ("接口共享", "API access", "JSON", "经授权后通过交换接口读取。"),
    "file": ("文件共享", "File delivery", None, "经授权后以文件交付（订阅或批量下载）。"),
    "database": ("库表共享", "Database exchange", None, "经授权后以库表方式交换。"),
}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "adms": str(ADMS),
    "skos": str(SKOS),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "hydra": str(HYDRA),
}


@dataclass(frozen=True, slots=True)
class Paging:
    """One page of the public catalog (Hydra ``PartialCollectionView``): ``view`` is the path of
    the document under the base (``api/v1/catalog/dcat.ttl``), pages count from 1."""

    view: str
    page: int
    per_page: int
    total: int

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.per_page))


def public_records(records: Iterable[CatalogRecord]) -> list[CatalogRecord]:
    """The entries the public may see: open, or conditionally open with conditions; not retired."""
    return [r for r in records if r.open_to_public and r.status != "retired"]


def _tagged(text: str) -> Literal:
    return Literal(text, lang="zh" if _CJK.search(text) else "en")


def _seg(value: str) -> str:
    return quote(value, safe="")


class _Builder:
    def __init__(self, base_url: str) -> None:
        if not re.match(r"https?://[^/\s]+", base_url):
            raise ValueError(f"the public base URL must be an http(s) URL, not {base_url!r}")
        self.base = base_url if base_url.endswith("/") else base_url + "/"
        self.g = Graph()
        for prefix, ns in _CONTEXT.items():
            self.g.bind(prefix, ns)
        self.g.bind("dcatap", DCATAP)

    def iri(self, path: str) -> URIRef:
        return URIRef(self.base + path)

    def typed(self, node: URIRef, *classes: URIRef) -> URIRef:
        for cls in classes:
            self.g.add((node, RDF.type, cls))
        return node

    def agent(self, code: str, name: str, region_code: str) -> URIRef:
        node = self.typed(self.iri(f"catalog/departments/{_seg(code)}"), FOAF.Agent)
        self.g.add((node, RDF.type, FOAF.Organization))
        self.g.add((node, FOAF.name, Literal(name, lang="zh")))
        self.g.add((node, DCTERMS.identifier, Literal(code)))
        kind = (
            "NationalAuthority"
            if region_code == "000000"
            else ("RegionalAuthority" if region_code.endswith("0000") else "LocalAuthority")
        )
        self.g.add((node, DCTERMS.type, self.concept(PUBLISHER_TYPE[kind], kind)))
        return node

    def concept(self, node: URIRef, label: str) -> URIRef:
        self.g.add((self.typed(node, SKOS.Concept), SKOS.prefLabel, Literal(label, lang="en")))
        return node

    def region(self, region_code: str) -> URIRef:
        """A GB/T 2260 administrative division as a location."""
        node = self.typed(self.iri(f"catalog/regions/{_seg(region_code)}"), DCTERMS.Location)
        self.g.add((node, DCTERMS.identifier, Literal(region_code)))
        return node

    def languages(self, subject: URIRef) -> None:
        for code in ("ZHO", "ENG"):
            lang = self.typed(LANGUAGE[code], DCTERMS.LinguisticSystem)
            self.g.add((subject, DCTERMS.language, lang))

    def document(self, path: str) -> URIRef:
        return self.typed(self.iri(path), FOAF.Document)


def catalog_graph(
    records: Sequence[CatalogRecord],
    *,
    base_url: str,
    now: dt.datetime,
    listed: frozenset[str] | None = None,
    paging: Paging | None = None,
    platform_name: tuple[str, str] = ("中台数据共享交换平台", "Zhongtai data-sharing exchange"),
) -> Graph:
    """The DCAT-AP 3 catalog of the public entries among ``records``. ``listed`` are the codes of
    every public entry (default: those among ``records``; a page names the others' IRIs in
    relations); ``paging`` adds the Hydra links of one page."""
    b = _Builder(base_url)
    g = b.g
    public = public_records(records)
    listed = listed if listed is not None else frozenset(r.code for r in public)
    catalog = b.typed(b.iri("catalog"), DCAT.Catalog)
    zh, en = platform_name
    g.add((catalog, DCTERMS.title, Literal(f"{zh}公共数据目录", lang="zh")))
    g.add((catalog, DCTERMS.title, Literal(f"{en}: public data catalogue", lang="en")))
    about = "依开放类型可向社会公开的政务信息资源目录。"
    g.add((catalog, DCTERMS.description, Literal(about, lang="zh")))
    g.add(
        (
            catalog,
            DCTERMS.description,
            Literal("Government data resources whose open type allows publication.", lang="en"),
        )
    )
    publisher = b.typed(b.iri("catalog/publisher"), FOAF.Agent)
    g.add((publisher, FOAF.name, Literal(zh, lang="zh")))
    g.add((publisher, FOAF.name, Literal(en, lang="en")))
    g.add((catalog, DCTERMS.publisher, publisher))
    g.add((catalog, FOAF.homepage, b.document("portal/catalog")))
    b.languages(catalog)
    newest = max((r.updated_at for r in public), default=now)
    g.add((catalog, DCTERMS.modified, Literal(_utc(newest), datatype=XSD.dateTime)))
    first = min((r.publication_date for r in public if r.publication_date), default=None)
    if first is not None:
        g.add((catalog, DCTERMS.issued, Literal(first, datatype=XSD.date)))
    for region_code in sorted({r.region_code for r in public if r.region_code}):
        g.add((catalog, DCTERMS.spatial, b.region(region_code)))
    if any(r.classification for r in public):
        scheme = b.typed(b.iri("catalog/classification"), SKOS.ConceptScheme)
        g.add((scheme, DCTERMS.title, Literal("政务信息资源分类（类.项.目.细目）", lang="zh")))
        g.add((catalog, DCAT.themeTaxonomy, scheme))
    for record in public:
        g.add((catalog, DCAT.dataset, _dataset(b, record, listed)))
    if paging is not None:
        _page_links(b, catalog, paging)
    return g


def _page_links(b: _Builder, catalog: URIRef, paging: Paging) -> None:
    def at(page: int) -> URIRef:
        return b.iri(f"{paging.view}?page={page}&per_page={paging.per_page}")

    view = b.typed(at(paging.page), HYDRA.PartialCollectionView)
    b.g.add((catalog, HYDRA.view, view))
    b.g.add((catalog, HYDRA.totalItems, Literal(paging.total, datatype=XSD.nonNegativeInteger)))
    b.g.add((view, HYDRA.first, at(1)))
    b.g.add((view, HYDRA.last, at(paging.last)))
    if paging.page > 1:
        b.g.add((view, HYDRA.previous, at(min(paging.page - 1, paging.last))))
    if paging.page < paging.last:
        b.g.add((view, HYDRA.next, at(paging.page + 1)))


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _dataset(b: _Builder, r: CatalogRecord, listed: frozenset[str]) -> URIRef:
    g = b.g
    code = _seg(r.code)
    node = b.typed(b.iri(f"catalog/datasets/{code}"), DCAT.Dataset)
    g.add((node, DCTERMS.title, Literal(r.title_zh, lang="zh")))
    if r.title_en:
        g.add((node, DCTERMS.title, Literal(r.title_en, lang="en")))
    g.add((node, DCTERMS.description, _tagged(r.description or r.title_zh)))
    g.add((node, DCTERMS.identifier, Literal(r.identifier)))
    ident = b.typed(b.iri(f"catalog/identifiers/{code}"), ADMS.Identifier)
    g.add((ident, SKOS.notation, Literal(r.identifier)))
    g.add((node, ADMS.identifier, ident))
    publisher = b.agent(r.owner_department_code, r.provider_name, r.region_code)
    g.add((node, DCTERMS.publisher, publisher))
    if r.region_code:
        g.add((node, DCTERMS.spatial, b.region(r.region_code)))
    contact = b.typed(b.iri(f"catalog/contacts/{code}"), VCARD.Kind, VCARD.Organization)
    g.add((contact, VCARD.fn, Literal(r.steward or r.provider_name, lang="zh")))
    g.add((contact, VCARD["organization-name"], Literal(r.provider_name, lang="zh")))
    g.add((node, DCAT.contactPoint, contact))
    g.add((node, DCAT.landingPage, b.document(f"portal/catalog/{code}")))
    access = "PUBLIC" if r.open_type == "open" else "RESTRICTED"
    g.add((node, DCTERMS.accessRights, b.typed(ACCESS_RIGHT[access], DCTERMS.RightsStatement)))
    frequency = _FREQUENCIES.get(r.update_cycle)
    if frequency is not None:
        g.add((node, DCTERMS.accrualPeriodicity, b.typed(FREQUENCY[frequency], DCTERMS.Frequency)))
    b.languages(node)
    g.add((node, DCTERMS.modified, Literal(_utc(r.updated_at), datatype=XSD.dateTime)))
    if r.publication_date is not None:
        g.add((node, DCTERMS.issued, Literal(r.publication_date, datatype=XSD.date)))
    g.add((node, DCAT.version, Literal(str(r.version))))
    for tag in r.tags:
        g.add((node, DCAT.keyword, _tagged(tag)))
    if r.classification:
        theme = b.typed(b.iri(f"catalog/classification/{_seg(r.classification)}"), SKOS.Concept)
        g.add((theme, SKOS.prefLabel, Literal(r.classification)))
        g.add((theme, SKOS.notation, Literal(r.classification)))
        g.add((theme, SKOS.inScheme, b.iri("catalog/classification")))
        g.add((node, DCAT.theme, theme))
    for related in r.related_resources:
        if related in listed and related != r.code:
            g.add((node, DCTERMS.relation, b.iri(f"catalog/datasets/{_seg(related)}")))
    rights = None
    if r.open_type == "conditional_open":
        rights = b.typed(b.iri(f"catalog/rights/{code}"), DCTERMS.RightsStatement)
        g.add((rights, RDFS.label, _tagged(r.open_conditions)))
    for method in r.share_method or ("api",):
        if method in _METHODS:
            g.add((node, DCAT.distribution, _distribution(b, r, method, rights)))
    return node


def _distribution(b: _Builder, r: CatalogRecord, method: str, rights: URIRef | None) -> URIRef:
    g = b.g
    zh, en, file_type, how = _METHODS[method]
    node = b.typed(b.iri(f"catalog/distributions/{method}/{_seg(r.code)}"), DCAT.Distribution)
    g.add((node, DCTERMS.title, Literal(zh, lang="zh")))
    g.add((node, DCTERMS.title, Literal(en, lang="en")))
    g.add((node, DCTERMS.description, Literal(how, lang="zh")))
    g.add((node, DCATAP.availability, b.concept(AVAILABILITY.STABLE, "stable")))
    if method == "api":
        access_url = b.iri(f"api/v1/datasets/{_seg(r.code)}")
    else:
        access_url = b.iri(f"portal/catalog/{_seg(r.code)}")
        file_type = file_type or _FILE_TYPES.get(r.resource_format.strip().lower())
    g.add((node, DCAT.accessURL, access_url))
    if file_type is not None:
        g.add((node, DCTERMS.format, b.typed(FILE_TYPE[file_type], DCTERMS.MediaTypeOrExtent)))
    if rights is not None:
        g.add((node, DCTERMS.rights, rights))
    return node


def serialize(graph: Graph, fmt: RdfFormat) -> bytes:
    """The graph as JSON-LD (compacted with the usual prefixes) or Turtle, UTF-8."""
    if fmt == "jsonld":
        text = graph.serialize(format="json-ld", context=_CONTEXT, auto_compact=True, indent=2)
    else:
        text = graph.serialize(format="turtle")
    return text.encode("utf-8")
