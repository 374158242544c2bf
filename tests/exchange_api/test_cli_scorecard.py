"""``zhongtai scorecard show|export`` over the month with known answers, as the account whose token
is in the environment (SQLite and PostgreSQL): the league as a table and as JSON, one card with
its breaches, a file written and read back, a refusal and bad input carrying their codes."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from catalog import scorecard_terms
from catalog.errors import AccessRefused, InvalidInput
from catalog.models import Role
from catalog.settings import get_settings
from exchange_api.cli import app
from tests.catalog import factories
from tests.catalog.scorecard_fixtures import NOW, Month, build

AS_OF = NOW.isoformat()


@pytest.fixture
def month(
    catalog_url: str,
    catalog_factory: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[Month, str]:
    with catalog_factory() as session:
        built = build(session, tmp_path / "contracts")
        auditor = factories.actor(session, built.idle, Role.AUDITOR)
        session.commit()
    monkeypatch.setattr(
        scorecard_terms,
        "responsibilities_of",
        lambda session, department_id: [i for i in built.items if i.department_id == department_id],
    )
    monkeypatch.setenv("ZHONGTAI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("ZHONGTAI_ENVIRONMENT", "test")
    monkeypatch.setenv("ZHONGTAI_ENV_FILE", os.devnull)
    monkeypatch.setenv("ZHONGTAI_CATALOG_URL", catalog_url)
    monkeypatch.setenv("COLUMNS", "250")
    return built, auditor.token


def _cli(monkeypatch: pytest.MonkeyPatch, token: str, *args: str) -> Result:
    monkeypatch.setenv("ZHONGTAI_TOKEN", token)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, ["scorecard", *args])
    finally:
        get_settings.cache_clear()


def test_show(month: tuple[Month, str], monkeypatch: pytest.MonkeyPatch) -> None:
    built, auditor = month
    table = _cli(monkeypatch, auditor, "show", "--period", "2026-10", "--now", AS_OF)
    assert table.exit_code == 0, table.output
    assert "部门 330100TEST (330100TEST)" in table.output and "1/4 25.0%" in table.output
    assert table.output.index("330100TEST") < table.output.index("330100IDLE")
    league = _cli(monkeypatch, auditor, "show", "--period", "2026-10", "--now", AS_OF, "--json")
    assert league.exit_code == 0, league.output
    cards = json.loads(league.output)
    assert [c["department_code"] for c in cards] == ["330100TEST", "330100ASKS", "330100IDLE"]
    assert cards[0]["replies"]["breaches"] == 2
    one = _cli(
        monkeypatch,
        built.publisher.token,
        "show",
        "--department",
        "330100TEST",
        "--period",
        "2026-10",
        "--now",
        AS_OF,
    )
    assert one.exit_code == 0, one.output
    assert "社保缴费月报" in one.output and "超期答复" in one.output
    assert str(built.requests["overdue"]) in one.output and "未答复" in one.output


def test_export_and_refusals(
    month: tuple[Month, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    built, auditor = month
    out = tmp_path / "考核.csv"
    done = _cli(
        monkeypatch,
        auditor,
        "export",
        "--format",
        "csv",
        "--out",
        str(out),
        "--period",
        "2026-10",
        "--part",
        "responsibilities",
        "--now",
        AS_OF,
    )
    assert done.exit_code == 0, done.output
    body = out.read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [(r["责任事项"], r["已履行"]) for r in rows] == [
        ("社保缴费月报", "是"),
        ("参保登记日报", "否"),
        ("就业失业登记", "否"),
        ("社保缴费月报（高标准）", "否"),
    ]
    book_path = tmp_path / "scorecards.xlsx"
    done = _cli(
        monkeypatch,
        auditor,
        "export",
        "--format",
        "xlsx",
        "--out",
        str(book_path),
        "--period",
        "2026-Q4",
        "--now",
        AS_OF,
    )
    assert done.exit_code == 0, done.output
    book = load_workbook(book_path, read_only=True)
    try:
        assert book.sheetnames[0] == "汇总"
        assert list(book["汇总"].iter_rows(values_only=True))[1][2] == "2026-Q4"
    finally:
        book.close()

    refused = _cli(
        monkeypatch,
        built.requester.token,
        "show",
        "--department",
        "330100TEST",
        "--period",
        "2026-10",
    )
    assert isinstance(refused.exception, AccessRefused)
    assert refused.exception.code == "scorecard.not_allowed"
    for args, code in (
        (("show", "--period", "2026-13"), "scorecard.bad_period"),
        (("show", "--now", "yesterday"), "scorecard.bad_now"),
        (("export", "--format", "pdf", "--out", str(tmp_path / "x")), "scorecard.bad_format"),
        (
            ("export", "--format", "csv", "--out", str(tmp_path / "x"), "--lang", "fr"),
            "scorecard.bad_lang",
        ),
    ):
        bad = _cli(monkeypatch, auditor, *args)
        assert isinstance(bad.exception, InvalidInput), args
        assert bad.exception.code == code
    assert not (tmp_path / "x").exists()
