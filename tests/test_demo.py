"""The README's first command, without serving: ``zhongtai demo --no-serve`` on a fresh var dir."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from exchange_api.scenario_eligibility import CARE, LIVING
from lakehouse.samples.scenarios import DEFAULT_SEED, generate

pytestmark = [pytest.mark.slow, pytest.mark.airflow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _demo(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    zhongtai = Path(sys.executable).with_name("zhongtai")
    return subprocess.run(
        [str(zhongtai), "demo", "--no-serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _scenario_figures(
    out: str,
) -> tuple[tuple[int, int, int], dict[str, int], dict[str, tuple[int, int]]]:
    """The figures the demo printed for 数字助残, 数据回流 and 民呼我为."""
    people = re.search(rf"数字助残: (\d+) people to contact \((\d+) {CARE}, (\d+) {LIVING}\)", out)
    counties = re.search(r"数据回流: rows returned per county (.+)", out)
    cases = re.search(r"民呼我为: cases on time as of \S+ (.+)", out)
    assert people and counties and cases, out[-3000:]
    return (
        (int(people[1]), int(people[2]), int(people[3])),
        {c: int(n) for c, n in re.findall(r"(\d{6})=(\d+)", counties[1])},
        {d: (int(a), int(b)) for d, a, b in re.findall(r"(\w+) (\d+)/(\d+)", cases[1])},
    )


def _assert_the_truth(out: str) -> None:
    """The scenarios' figures equal the generator's truth where the platform's rules allow it."""
    truth = generate(DEFAULT_SEED).truth
    (found, care, living), counties, cases = _scenario_figures(out)
    assert found == len(truth.eligible)
    assert care == sum(CARE in m for m in truth.eligible.values())
    assert living == sum(LIVING in m for m in truth.eligible.values())
    assert counties == {c: truth.rows_per_county[c] for c in ("330106", "330102")}
    assert cases == {d: (v.on_time, v.total) for d, v in truth.cases_on_time.items()}


def test_demo_runs_end_to_end_and_twice(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHONGTAI_", "AIRFLOW"))}
    env.update(
        ZHONGTAI_VAR_DIR=str(tmp_path / "var"),
        ZHONGTAI_API_PORT=str(_free_port()),
        ZHONGTAI_ENV_FILE=str(tmp_path / "none.env"),
        COLUMNS="200",
    )
    first = _demo(env)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    out = first.stdout
    for expected in (
        "rows landed",
        "snapshot id",
        "share request id",
        "grant id",
        "rows read by 330100SWJ",
        "403 grant.missing",
        "200 signed off, bound to snapshot",
        "audit chain OK",
        "evidence bundle OK",
        "fields reused",  # 智能报表 on the scenario world (exchange_api.demo_report)
        "数字助残 by 330106CL (people to contact)",  # the summary table's scenario rows
        "智能报表 by 330106BSJD",
        "数据回流 (rows returned per county)",
        "民呼我为 (cases on time / total)",
    ):
        assert expected in out, expected
    assert "401 application/problem+json" in out
    _assert_the_truth(out)
    tokens = tmp_path / "var" / "demo_tokens.json"
    assert oct(tokens.stat().st_mode & 0o777) == "0o600"

    again = _demo(env)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "landed before" in again.stdout
    assert "409 report.already_signed_off" in again.stdout
    assert "audit chain OK" in again.stdout
    assert "evidence bundle OK" in again.stdout
    _assert_the_truth(again.stdout)  # the second run reuses the grants and the live scenario
    bundles = sorted((tmp_path / "var" / "evidence").glob("zhongtai-evidence-1-*.zip"))
    assert len(bundles) == 2  # one a run, each the whole log up to then
