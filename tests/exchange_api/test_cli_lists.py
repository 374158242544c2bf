"""``zhongtai responsibility …`` and ``zhongtai demand …`` on SQLite and PostgreSQL (the demo's
seeded catalog): the acts work, ``--json`` prints what the API answers, and a refusal or bad
input is a coded error — exit 2 with no traceback through the installed command's entry point.

Every command runs in this process: ``CliRunner`` for the acts, ``tests.fixtures.cli_runner``
(through ``main``, as the script runs it) for the exit codes."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

from typer.testing import CliRunner

from catalog.settings import get_settings
from exchange_api.cli import app
from tests.exchange_api.list_fixtures import ListsPlatform, lists_platform
from tests.fixtures.cli_runner import run_zhongtai

__all__ = ["lists_platform"]


def _env(p: ListsPlatform, account: str) -> dict[str, str]:
    return {
        "ZHONGTAI_VAR_DIR": str(p.settings.var_dir),
        "ZHONGTAI_CATALOG_URL": p.settings.resolved_catalog_url,
        "ZHONGTAI_ENVIRONMENT": "test",
        "ZHONGTAI_ENV_FILE": os.devnull,
        "ZHONGTAI_TOKEN": p.tokens.by_account[account],
        "COLUMNS": "200",
    }


def _invoke(p: ListsPlatform, account: str, *args: str) -> Any:
    """In-process (a process per command is seconds on a busy box); a domain error is left in
    ``result.exception`` (``main`` prints it and exits 2: :func:`_script` shows that)."""
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args), env=_env(p, account))
    finally:
        get_settings.cache_clear()


def _json(result: Any) -> Any:
    assert result.exit_code == 0, (result.stdout, result.exception)
    return json.loads(result.stdout)


def _code(result: Any) -> str:
    return str(getattr(result.exception, "code", result.exception))


def _script(p: ListsPlatform, account: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Through the installed command's entry point, ``main`` (in this process): exit 2 and the
    code on stderr, as the script prints them."""
    done = run_zhongtai(*args, env=_env(p, account))
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    return done


def test_the_lists_from_a_terminal(lists_platform: ListsPlatform) -> None:
    p = lists_platform
    duty = _json(
        _invoke(
            p, "dsj-admin", "responsibility", "add", "330100RSJ", "社会保险缴费信息",
            "--duty", "按月提供缴费明细", "--legal-basis", "《社会保险法》第七十五条",
            "--cycle", "ＭＯＮＴＨＬＹ", "--min-score", "９５", "--json",
        )
    )  # fmt: skip
    assert (duty["update_cycle"], duty["min_quality_score"]) == ("monthly", 95.0)
    ident = str(duty["id"])
    refused = _invoke(p, "swj-exchange", "responsibility", "link", ident, "rsj_social_insurance")
    assert _code(refused) == "responsibility.not_own_department"
    linked = _invoke(p, "rsj-exchange", "responsibility", "link", ident, "rsj_social_insurance")
    assert linked.exit_code == 0 and "→ rsj_social_insurance" in linked.stdout
    listed = _invoke(p, "gaj-exchange", "responsibility", "list", "--department", "330100RSJ")
    assert listed.exit_code == 0 and "社会保险缴费信息" in listed.stdout
    retire = _invoke(p, "rsj-exchange", "responsibility", "retire", ident, "--reason", "不想做")
    assert _code(retire) == "role.admin_required"

    filed = _json(
        _invoke(
            p, "swj-exchange", "demand", "file", "社保缴费记录核验",
            "--scenario", "专项附加扣除审核", "--legal-duty", "《税收征收管理法》第六条",
            "--field", "缴费金额", "--json",
        )
    )  # fmt: skip
    assert filed["status"] == "open" and "rsj_social_insurance" in filed["candidates"]
    demand = str(filed["id"])
    empty = _invoke(
        p, "swj-exchange", "demand", "file", "\u3000", "--scenario", "x", "--legal-duty", "x"
    )
    assert _code(empty) == "demand.invalid"
    matched = _invoke(
        p, "swj-exchange", "demand", "match", demand, "rsj_social_insurance", "--json"
    )
    assert _json(matched)["status"] == "matched"
    seen = _json(_invoke(p, "gaj-exchange", "demand", "list", "--status", "matched", "--json"))
    assert [d["id"] for d in seen] == [filed["id"]] and seen[0]["scenario"] is None
    assert _code(_invoke(p, "gaj-exchange", "demand", "fulfil", demand)) == "demand.not_owner"
    declined = _invoke(
        p, "rsj-exchange", "demand", "decline", demand, "--reason", "字段涉及敏感信息"
    )
    assert declined.exit_code == 0 and "declined demand" in declined.stdout
    shown = _invoke(p, "swj-exchange", "demand", "show", demand)
    assert "declined: 字段涉及敏感信息" in shown.stdout
    assert p.refusals() == [
        "responsibility.not_own_department",
        "role.admin_required",
        "demand.not_owner",
    ]


def test_the_script_exits_2_with_the_code(lists_platform: ListsPlatform) -> None:
    p = lists_platform
    other = _script(
        p, "swj-exchange", "demand", "file", "x", "--scenario", "x", "--legal-duty", "x",
        "--department", "330100GAJ",
    )  # fmt: skip
    assert other.returncode == 2 and "demand.not_own_department" in other.stderr
    bad = _script(p, "swj-exchange", "demand", "list", "--status", "lost")
    assert bad.returncode == 2 and "demand.invalid" in bad.stderr
