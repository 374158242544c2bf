"""The full catalog as a GB/T 21063-style spreadsheet (XLSX read back, CSV with a BOM), who may
export it, the record of each export, and freshness — on both engines."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.catalog_exports import catalog_records, export_catalog
from catalog.catalog_record import catalog_record, data_type_of
from catalog.catalog_sheet import CATALOG_HEADINGS, FIELD_HEADINGS, catalog_table, field_table
from catalog.dataset_freshness import FreshnessState, freshness_of, judge
from catalog.errors import AccessRefused, InvalidInput
from catalog.models import AuditEvent, Batch, BatchStatus, Dataset, Role
from catalog.principals import Principal
from schemas import OpenType, ShareType
from tests.catalog import factories

NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def _catalog(session: Session, tmp_path: Path) -> tuple[Principal, Dataset, Dataset]:
    owner = factories.department(session, "330100RSJ")
    owner.name = "杭州市人力资源和社会保障局"
    shared = factories.dataset(
        session,
        tmp_path,
        owner,
        ShareType.CONDITIONAL,
        code="rsj_social_insurance",
        title_zh="社会保险缴费信息",
        open_type=OpenType.NOT_OPEN.value,
    )
    secret = factories.dataset(
        session,
        tmp_path,
        owner,
        ShareType.NOT_SHARED,
        code="rsj_zz_secret",
        title_zh='=HYPERLINK("http://x")涉密名单',  # a hostile title stays text
        share_basis="《中华人民共和国保守国家秘密法》第九条",
        open_type=OpenType.NOT_OPEN.value,
        update_cycle="irregular",
    )
    reader = factories.actor(session, factories.department(session, "330102X"), Role.REQUESTER)
    session.add(
        Batch(
            dataset_id=shared.id,
            source_name="社保.csv",
            source_sha256="a" * 64,
            raw_path="raw/a",
            size_bytes=10,
            status=BatchStatus.PUBLISHED,
            published_at=NOW - dt.timedelta(days=70),
        )
    )
    session.flush()
    return reader.principal, shared, secret


def test_the_xlsx_reads_back_with_chinese_headings_and_every_field(
    catalog_session: Session, tmp_path: Path
) -> None:
    reader, shared, secret = _catalog(catalog_session, tmp_path)
    made = export_catalog(catalog_session, reader, "XLSX", now=NOW)
    assert made.name == "catalog-20261201.xlsx" and made.row_count == 2
    book = load_workbook(io.BytesIO(made.body), read_only=True)
    try:
        assert book.sheetnames == ["信息资源目录", "信息项"]
        entries = [list(r) for r in book["信息资源目录"].iter_rows(values_only=True)]
        items = [list(r) for r in book["信息项"].iter_rows(values_only=True)]
    finally:
        book.close()
    assert tuple(entries[0]) == CATALOG_HEADINGS
    assert {"信息资源代码", "信息资源提供方", "提供方代码", "信息项", "共享方式", "开放条件",
            "更新周期", "发布日期", "关联资源代码", "分级"} <= set(entries[0])  # fmt: skip
    rows = {r[0]: dict(zip(CATALOG_HEADINGS, r, strict=True)) for r in entries[1:]}
    # keyed by the resource code (信息资源代码) the catalog gave each; not-shared ones too
    assert set(rows) == {shared.resource_code, secret.resource_code}
    social = rows[shared.resource_code]
    assert social["信息资源名称"] == "社会保险缴费信息"
    assert social["信息资源提供方"] == "杭州市人力资源和社会保障局"
    assert social["提供方代码"] == "330100RSJ"
    assert social["共享类型"] == "有条件共享" and social["开放类型"] == "不予开放"
    assert social["分级"] == "重要数据" and social["更新周期"] == "每月"
    assert social["时效"] == "逾期未更新"  # 70 days after the last monthly batch (window: 62)
    assert social["最近发布时间"] == "2026-09-22 16:00:00"  # China Standard Time
    assert "公民身份号码（citizen_id，字符型，数据元：公民身份号码）" in social["信息项"]
    secret_row = rows[secret.resource_code]
    assert secret_row["信息资源名称"] == '=HYPERLINK("http://x")涉密名单'
    assert secret_row["共享依据"] == "《中华人民共和国保守国家秘密法》第九条"
    assert secret_row["时效"] == "尚未发布"
    assert tuple(items[0]) == FIELD_HEADINGS
    per_field = [dict(zip(FIELD_HEADINGS, r, strict=True)) for r in items[1:]]
    assert len(per_field) == len(shared.fields) + len(secret.fields)
    citizen = next(
        f
        for f in per_field
        if f["信息资源代码"] == shared.resource_code and f["字段名"] == "citizen_id"
    )
    assert citizen["序号"] == 1 and citizen["数据类型"] == "字符型"
    assert citizen["数据元代码"] == "citizen_id" and citizen["数据元标准"]
    assert citizen["个人信息"] == "是" and citizen["必填"] == "是" and citizen["脱敏方式"]


def test_the_csv_has_a_bom_and_the_same_rows(catalog_session: Session, tmp_path: Path) -> None:
    reader, shared, secret = _catalog(catalog_session, tmp_path)
    made = export_catalog(catalog_session, reader, "csv", now=NOW)
    assert made.body.startswith(b"\xef\xbb\xbf") and made.media_type == "text/csv"
    rows = list(csv.reader(io.StringIO(made.body.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CATALOG_HEADINGS
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code[secret.resource_code][1].startswith("'=HYPERLINK")  # no formula in Excel
    assert by_code[shared.resource_code][CATALOG_HEADINGS.index("共享类型")] == "有条件共享"


def test_each_export_is_recorded_with_the_hash_of_the_file(
    catalog_session: Session, tmp_path: Path
) -> None:
    reader, _, _ = _catalog(catalog_session, tmp_path)
    made = export_catalog(catalog_session, reader, "xlsx", now=NOW)
    event = catalog_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "catalog.exported")
    ).one()
    assert event.actor_account_id == reader.account_id
    assert event.content_sha256 == hashlib.sha256(made.body).hexdigest()
    assert event.bytes_sent == len(made.body) and event.rows_sent == 2
    assert event.detail["format"] == "xlsx" and event.detail["field_count"] > 2


def test_an_account_without_a_role_is_refused_and_recorded(
    catalog_session: Session, tmp_path: Path
) -> None:
    reader, _, _ = _catalog(catalog_session, tmp_path)
    nobody = dataclasses.replace(reader, roles=frozenset())
    with pytest.raises(AccessRefused) as caught:
        export_catalog(catalog_session, nobody, "xlsx", now=NOW)
    assert caught.value.code == "catalog.export_not_allowed"
    actions = list(catalog_session.scalars(select(AuditEvent.action)))
    assert "access.refused" in actions and "catalog.exported" not in actions


def test_a_bad_format_is_refused(catalog_session: Session, tmp_path: Path) -> None:
    reader, _, _ = _catalog(catalog_session, tmp_path)
    with pytest.raises(InvalidInput) as caught:
        export_catalog(catalog_session, reader, "xls\x00", now=NOW)
    assert caught.value.code == "catalog.bad_export_format"


def test_freshness_follows_the_update_cycle(catalog_session: Session, tmp_path: Path) -> None:
    _, shared, secret = _catalog(catalog_session, tmp_path)
    found = freshness_of(catalog_session, [shared, secret], NOW)
    assert found[shared.id].state is FreshnessState.STALE
    assert found[shared.id].last_published_at == NOW - dt.timedelta(days=70)
    assert found[secret.id].state is FreshnessState.UNPUBLISHED
    assert freshness_of(catalog_session, [shared], NOW - dt.timedelta(days=9))[
        shared.id
    ].fresh  # 61 days: within a monthly dataset's window of 62 (schemas.loader.FRESHNESS_DAYS)


def test_judge() -> None:
    last = dt.datetime(2026, 3, 3, tzinfo=dt.UTC)
    assert judge("monthly", last, last + dt.timedelta(days=62)).fresh
    assert judge("monthly", last, last + dt.timedelta(days=62, seconds=1)).state is (
        FreshnessState.STALE
    )
    assert judge("daily", last, last + dt.timedelta(days=3)).state is FreshnessState.STALE
    assert judge("irregular", last, NOW).state is FreshnessState.IRREGULAR
    assert judge("weekly", None, NOW).state is FreshnessState.UNPUBLISHED


def test_the_record_reads_the_national_fields_through_one_adapter(
    catalog_session: Session, tmp_path: Path
) -> None:
    _, shared, _ = _catalog(catalog_session, tmp_path)
    record = catalog_record(shared)
    # the resource code the catalog generated by its rule (classification/provider-sequence)
    assert record.identifier == shared.resource_code
    assert re.fullmatch(r"2\.07\.001\.002/330100RSJ-[0-9]{5}", record.identifier)
    assert record.provider_code == "330100RSJ" and record.tags == tuple(shared.tags)
    assert record.version == 1
    assert [r.code for r in catalog_records(catalog_session, now=NOW)] == [
        "rsj_social_insurance",
        "rsj_zz_secret",
    ]
    assert data_type_of("DECIMAL(18,2)") == ("数值型", "numeric")
    assert data_type_of("date") == ("日期型", "date")
    assert data_type_of("TIMESTAMP WITH TIME ZONE") == ("日期时间型", "date-time")
    assert data_type_of("MAP(VARCHAR, INTEGER)") == ("其他", "other")


def test_the_national_fields_fill_their_columns(catalog_session: Session, tmp_path: Path) -> None:
    _, shared, _ = _catalog(catalog_session, tmp_path)
    record = dataclasses.replace(
        catalog_record(shared),
        resource_code="330100RSJ-0001",
        classification="2.01.003.001",
        resource_format="电子表格",
        share_conditions="仅限征管用途",
        share_method=("api", "database"),
        open_conditions="须实名申请",
        publication_date=dt.date(2026, 3, 1),
        related_resources=("a", "b"),
        tags=("社保", "缴费"),
        version=4,
    )
    row = dict(zip(CATALOG_HEADINGS, catalog_table([record]).rows[0], strict=True))
    assert row["信息资源代码"] == "330100RSJ-0001" and row["信息资源分类"] == "2.01.003.001"
    assert row["共享方式"] == "接口、库表" and row["共享条件"] == "仅限征管用途"
    assert row["开放条件"] == "须实名申请" and row["发布日期"] == "2026-03-01"
    assert row["关联资源代码"] == "a、b" and row["标签"] == "社保、缴费" and row["版本"] == 4
    assert field_table([record]).rows[0][0] == "330100RSJ-0001"
