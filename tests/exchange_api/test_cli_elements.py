"""``zhongtai init`` seeds the shipped standards; ``zhongtai element …`` and ``zhongtai codelist
…`` add and show data elements and code lists as the account in ZHONGTAI_TOKEN, on both
catalogs: admins only, refusals and bad files exit 2 with their code, never a traceback.

The commands run in this process through the installed command's entry point
(``tests.fixtures.cli_runner``): nothing here is about the process itself."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from catalog.db import init_catalog
from catalog.models import Role
from tests.catalog import factories
from tests.fixtures.cli_runner import run_zhongtai


def _run(var: Path, url: str, token: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        ZHONGTAI_VAR_DIR=str(var),
        ZHONGTAI_CATALOG_URL=url,
        ZHONGTAI_ENVIRONMENT="test",
        ZHONGTAI_ENV_FILE=os.devnull,
        COLUMNS="200",
    )
    if token is not None:
        env["ZHONGTAI_TOKEN"] = token
    done = run_zhongtai(*args, env=env)
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    return done


def test_the_registry_from_a_terminal(catalog_url: str, tmp_path: Path) -> None:
    var = tmp_path / "var"
    init = _run(var, catalog_url, None, "init")
    assert init.returncode == 0, init.stderr
    assert "shipped standards: 21 added" in init.stdout
    sessions = init_catalog(catalog_url)
    with sessions() as session:
        dept = factories.department(session, "330100DSJ")
        admin = factories.actor(session, dept, Role.ADMIN).token
        publisher = factories.actor(session, dept, Role.PUBLISHER).token
        session.commit()
    sessions.kw["bind"].dispose()

    districts = tmp_path / "districts.csv"
    districts.write_bytes("code,label\n３３０１０６,西湖区\n330108,滨江区\n".encode("gbk"))
    args = ("codelist", "add", "zj_districts", str(districts), "--title", "杭州辖区")
    refused = _run(var, catalog_url, publisher, *args)
    assert refused.returncode == 2 and "role.admin_required" in refused.stderr
    added = _run(var, catalog_url, admin, *args)
    assert added.returncode == 0 and "2 codes" in added.stderr, added.stderr

    bad = tmp_path / "bad.csv"
    bad.write_bytes("code,label\n01,甲\n０１,乙\n".encode("gbk"))
    duplicate = _run(var, catalog_url, admin, "codelist", "add", "bad_list", str(bad))
    assert duplicate.returncode == 2
    assert "code_list.duplicate_code" in duplicate.stderr and "line 3" in duplicate.stderr

    element = tmp_path / "district.yaml"
    element.write_text(
        "code: district\nname_zh: 辖区代码\nname_en: District code\nstandard: DB33/T 1\n"
        "version: 2026\ncheck: code_list\nparams:\n  code_list: zj_districts\n",
        encoding="utf-8",
    )
    assert _run(var, catalog_url, admin, "element", "add", str(element)).returncode == 0
    listed = _run(var, catalog_url, publisher, "element", "list", "--json")
    codes = {e["code"]: e for e in json.loads(listed.stdout)}
    assert codes["district"]["origin"] == "admin" and codes["sex"]["origin"] == "shipped"
    shown = _run(var, catalog_url, publisher, "codelist", "show", "zj_districts", "--json")
    assert [c["code"] for c in json.loads(shown.stdout)["codes"]] == ["330106", "330108"]
    seeded = _run(var, catalog_url, None, "element", "seed")
    assert seeded.returncode == 0 and "0 added" in seeded.stderr, seeded.stderr
