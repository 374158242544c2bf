"""The ``zhongtai`` command answers a domain error with its code and exit 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ZHONGTAI = Path(sys.executable).with_name("zhongtai")


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHONGTAI_")}
    env.update(ZHONGTAI_VAR_DIR=str(tmp_path / "var"), ZHONGTAI_ENV_FILE=str(tmp_path / "x.env"))
    return subprocess.run(
        [str(ZHONGTAI), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


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
