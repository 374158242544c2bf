"""The ``zhongtai`` command answers a domain error with its code and exit 2, never a traceback.

The commands run in this process through the installed command's entry point
(``tests.fixtures.cli_runner``, which goes through ``main``'s error mapping);
``tests/test_cli_runner.py`` runs the real executable once and compares."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.fixtures.cli_runner import run_zhongtai


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"ZHONGTAI_VAR_DIR": str(tmp_path / "var"), "ZHONGTAI_ENV_FILE": str(tmp_path / "x.env")}
    return run_zhongtai(*args, env=env)


def test_unknown_dataset_is_a_clean_error(tmp_path: Path) -> None:
    assert _run(tmp_path, "init").returncode == 0
    source = tmp_path / "extract.csv"
    source.write_text("a,b\n1,2\n", encoding="utf-8")
    done = _run(tmp_path, "ingest", "no_such_dataset", str(source))
    assert done.returncode == 2
    assert "dataset.not_found" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_missing_file_is_a_clean_error(tmp_path: Path) -> None:
    done = _run(tmp_path, "ingest", "rsj_social_insurance", str(tmp_path / "absent.csv"))
    assert done.returncode == 2
    assert "no such file" in done.stderr
