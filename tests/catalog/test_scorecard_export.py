"""Scorecards exported as CSV (UTF-8 with BOM) and XLSX, read back, on SQLite and PostgreSQL; each
export recorded with the SHA-256 of the file."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import scorecard_terms
from catalog.errors import AccessRefused, InvalidInput
from catalog.models import AuditEvent, Role
from catalog.scorecard_export import export_scorecards
from catalog.scorecard_terms import Period
from tests.catalog import factories
from tests.catalog.scorecard_fixtures import NOW, Month, build

OCTOBER = Period.parse("2026-10")


@pytest.fixture
def month(catalog_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Month:
    built = build(catalog_session, tmp_path)
    monkeypatch.setattr(
        scorecard_terms,
        "responsibilities_of",
        lambda session, department_id: [i for i in built.items if i.department_id == department_id],
    )
    return built


def _csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8"))))


def test_the_summary_as_csv(catalog_session: Session, month: Month) -> None:
    auditor = factories.actor(catalog_session, month.idle, Role.AUDITOR)
    done = export_scorecards(
        catalog_session, auditor.principal, OCTOBER, file_format="csv", now=NOW
    )
    catalog_session.commit()
    rows = _csv(done.body)
    head = rows[0]
    assert head[:6] == ["部门代码", "部门名称", "考核期", "责任事项数", "已履行", "履行率（%）"]
    assert [r[0] for r in rows[1:]] == ["330100TEST", "330100ASKS", "330100IDLE"]
    test = dict(zip(head, rows[1], strict=True))
    assert test["部门名称"] == "部门 330100TEST"
    assert (test["责任事项数"], test["已履行"], test["履行率（%）"]) == ("4", "1", "25.0")
    assert (test["需答复申请数"], test["已答复"], test["超期"], test["其中超期未答复"]) == (
        "6",
        "4",
        "2",
        "1",
    )
    assert (test["答复用时中位数（工作日）"], test["答复用时中位数（小时）"]) == ("1.0", "51.0")
    assert (test["异议数"], test["按时答复"], test["逾期"], test["按时率（%）"]) == (
        "3",
        "1",
        "2",
        "33.3",
    )
    assert (test["质量报告数"], test["质量趋势"], test["得分变化"]) == ("4", "下降", "-17.5")
    assert test["截至"] == "2026-11-01 00:00:00"
    assert done.name == "scorecards_all_2026-10_summary.csv"
    event = catalog_session.get(AuditEvent, done.event_id)
    assert event is not None and event.action == "scorecard.exported"
    assert event.detail["content_sha256"] == hashlib.sha256(done.body).hexdigest()
    assert event.detail["departments"] == ["330100TEST", "330100ASKS", "330100IDLE"]
    assert (event.detail["part"], event.detail["row_count"]) == ("summary", 3)


def test_one_part_as_csv_in_english(catalog_session: Session, month: Month) -> None:
    done = export_scorecards(
        catalog_session,
        month.publisher.principal,
        OCTOBER,
        file_format="CSV",
        part="replies",
        department="330100TEST",
        lang="en",
        now=NOW,
    )
    rows = _csv(done.body)
    assert rows[0][3:6] == ["Request", "Dataset", "Requester"]
    late = next(r for r in rows[1:] if r[3] == str(month.requests["late"]))
    line = dict(zip(rows[0], late, strict=True))
    assert (line["Reply due"], line["Decided"]) == ("2026-10-16 00:00:00", "2026-10-16 09:00:00")
    assert (line["Working days"], line["Hours"], line["Breach"]) == ("6", "167.0", "yes")


def test_every_part_as_xlsx(catalog_session: Session, month: Month) -> None:
    done = export_scorecards(
        catalog_session, month.publisher.principal, OCTOBER, file_format="xlsx", now=NOW
    )
    book = load_workbook(io.BytesIO(done.body), read_only=True)
    try:
        assert book.sheetnames == ["汇总", "责任清单履行", "共享申请答复", "异议答复", "质量趋势"]
        summary = list(book["汇总"].iter_rows(values_only=True))
        assert [r[0] for r in summary[1:]] == ["330100TEST"]  # a department sees its own only
        assert summary[1][3:6] == (4, 1, 25.0)
        items = list(book["责任清单履行"].iter_rows(values_only=True))
        assert [(r[4], r[-1]) for r in items[1:]] == [
            ("社保缴费月报", "是"),
            ("参保登记日报", "否"),
            ("就业失业登记", "否"),
            ("社保缴费月报（高标准）", "否"),
        ]
        assert len(list(book["共享申请答复"].iter_rows())) == 1 + 6
        objections = list(book["异议答复"].iter_rows(values_only=True))
        assert [r[-1] for r in objections[1:]] == ["是", "否", "否"]
        quality = list(book["质量趋势"].iter_rows(values_only=True))
        assert [r[7] for r in quality[1:]] == [90.0, 80.0, 40.0, 95.0]
    finally:
        book.close()
    assert done.row_count == 1 + 4 + 6 + 3 + 4
    assert done.name == "scorecards_all_2026-10.xlsx"


def test_bad_input_and_other_departments_are_refused(
    catalog_session: Session, month: Month
) -> None:
    who = month.requester.principal
    for kwargs, code in (
        ({"file_format": "pdf"}, "scorecard.bad_format"),
        ({"file_format": "csv", "part": "grants"}, "scorecard.bad_part"),
    ):
        with pytest.raises(InvalidInput) as bad:
            export_scorecards(catalog_session, who, OCTOBER, now=NOW, **kwargs)  # type: ignore[arg-type]
        assert bad.value.code == code
    with pytest.raises(AccessRefused):
        export_scorecards(
            catalog_session, who, OCTOBER, file_format="csv", department="330100TEST", now=NOW
        )
    exported = catalog_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "scorecard.exported")
    ).all()
    assert exported == []
