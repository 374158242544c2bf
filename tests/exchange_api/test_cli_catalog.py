"""``zhongtai department …`` / ``zhongtai dataset …`` through the installed command, acting as the
account whose token is in the environment — on both engines.

The commands run in this process through the installed command's entry point
(``tests.fixtures.cli_runner``): nothing here is about the process itself."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.catalog.contract_factories import contract_text
from tests.exchange_api.contracts_fixtures import CatalogWorld, catalog_world
from tests.fixtures.cli_runner import run_zhongtai

__all__ = ["catalog_world"]


def _run(w: CatalogWorld, account: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        ZHONGTAI_VAR_DIR=str(w.settings.var_dir),
        ZHONGTAI_CATALOG_URL=w.settings.resolved_catalog_url,
        ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_ENV_FILE=os.devnull,
        ZHONGTAI_TOKEN=w.stranger_token
        if account == "swj-publisher"
        else w.tokens.by_account[account],
        COLUMNS="200",
    )
    return run_zhongtai(*args, env=env)


def test_departments_and_contracts_from_the_terminal(
    catalog_world: CatalogWorld, tmp_path: Path
) -> None:
    w = catalog_world
    refused = _run(
        w, "rsj-exchange", "department", "add", "330100WJW", "杭州市卫生健康委员会", "330100"
    )
    assert refused.returncode == 2 and "role.admin_required" in refused.stderr
    assert "Traceback" not in refused.stderr
    added = _run(w, "dsj-admin", "department", "add", "330100WJW", "杭州市卫生健康委员会", "330100")
    assert added.returncode == 0, added.stderr

    path = tmp_path / "养老金.yaml"
    path.write_text(contract_text("330100RSJ", "rsj_pension"), encoding="utf-8")
    stranger = _run(w, "swj-publisher", "dataset", "register", str(path))
    assert stranger.returncode == 2 and "dataset.not_owner" in stranger.stderr
    made = _run(w, "rsj-exchange", "dataset", "register", str(path))
    assert made.returncode == 0, made.stderr
    assert "330100RSJ-00002" in made.stdout

    path.write_text(
        contract_text("330100RSJ", "rsj_pension", drop_fields=("employer_name",)), encoding="utf-8"
    )
    dry = _run(w, "rsj-exchange", "dataset", "revise", str(path), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would become version 2" in dry.stdout and "removed employer_name" in dry.stdout
    done = _run(w, "rsj-exchange", "dataset", "revise", str(path))
    assert done.returncode == 0 and "is now version 2" in done.stdout, done.stderr

    listed = _run(w, "dsj-audit", "dataset", "list", "--json")
    rows = {r["code"]: r for r in json.loads(listed.stdout)}
    assert rows["rsj_pension"]["version"] == 2
    assert rows["rsj_pension"]["resource_code"] == "2.07.001.002/330100RSJ-00002"
    versions = json.loads(
        _run(w, "dsj-audit", "dataset", "versions", "rsj_pension", "--json").stdout
    )
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1]["change_summary"] == "removed employer_name"

    bad = tmp_path / "gbk.yaml"
    bad.write_bytes(contract_text("330100RSJ", "rsj_gbk").encode("gbk"))
    refused_bytes = _run(w, "rsj-exchange", "dataset", "register", str(bad))
    assert refused_bytes.returncode == 2 and "contract.not_utf8" in refused_bytes.stderr
    missing = _run(w, "rsj-exchange", "dataset", "register", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
