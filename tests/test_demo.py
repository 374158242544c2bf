"""The README's first command, without serving: ``zhongtai demo --no-serve`` on a fresh var dir."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

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
    ):
        assert expected in out, expected
    assert "401 application/problem+json" in out
    tokens = tmp_path / "var" / "demo_tokens.json"
    assert oct(tokens.stat().st_mode & 0o777) == "0o600"

    again = _demo(env)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "landed before" in again.stdout
    assert "409 report.already_signed_off" in again.stdout
    assert "audit chain OK" in again.stdout
    assert "evidence bundle OK" in again.stdout
    bundles = sorted((tmp_path / "var" / "evidence").glob("zhongtai-evidence-1-*.zip"))
    assert len(bundles) == 2  # one a run, each the whole log up to then
