"""``zhongtai config check`` / ``show`` / ``airflow-env``, and the entry points that refuse to start
with insecure production settings (``zhongtai serve``, ``zhongtai ingest``, ``create_app``).

Most commands run in this process (``CliRunner``, or ``tests.fixtures.cli_runner`` through
``main``). The shipped example is checked through the real executable in a fresh process: the
settings file a process reads is chosen when it starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalog.settings import Settings, get_settings
from catalog.settings_checks import InsecureSettings
from exchange_api.app import create_app
from exchange_api.cli import app
from tests.catalog.test_settings_checks import PG, SECRET, good
from tests.fixtures.cli_runner import run_zhongtai

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
ZHONGTAI = Path(sys.executable).with_name("zhongtai")


def _production(monkeypatch: pytest.MonkeyPatch, settings: Settings, **extra: str) -> Settings:
    """Put ``settings`` in the environment, as a deployment would, and read them back."""
    for name in ("var_dir", "key_dir", "secret_key", "catalog_url", "lake_catalog"):
        monkeypatch.setenv(f"ZHONGTAI_{name.upper()}", str(getattr(settings, name)))
    monkeypatch.setenv("ZHONGTAI_ENVIRONMENT", "production")
    monkeypatch.setenv("ZHONGTAI_PUBLIC_BASE_URL", "https://data.zj.gov.cn/")
    monkeypatch.setenv("ZHONGTAI_AIRFLOW_DATABASE_URL", PG)
    for name, value in extra.items():
        monkeypatch.setenv(f"ZHONGTAI_{name.upper()}", value)
    get_settings.cache_clear()
    return get_settings()


def test_check_passes_a_correct_production_configuration(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _production(monkeypatch, good(tmp_path))
    done = runner.invoke(app, ["config", "check"])
    assert done.exit_code == 0, done.output
    assert "no findings" in done.output


def test_check_lists_every_refusal_and_exits_1(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = good(tmp_path)
    bad.resolved_mask_key.chmod(0o644)
    _production(monkeypatch, bad, secret_key="CHANGE-ME", api_host="0.0.0.0")
    monkeypatch.setenv("ZHONGTAI_PUBLIC_BASE_URL", "http://10.0.0.5/")
    get_settings.cache_clear()
    done = runner.invoke(app, ["config", "check"])
    assert done.exit_code == 1
    for setting in ("ZHONGTAI_SECRET_KEY", "ZHONGTAI_MASK_KEY", "ZHONGTAI_API_HOST"):
        assert f"refused: {setting}" in done.output
    assert "3 setting(s) to change" in done.output


def test_check_in_development_reports_but_passes_unless_asked_for_production(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHONGTAI_ENVIRONMENT", "development")
    get_settings.cache_clear()
    relaxed = runner.invoke(app, ["config", "check"])
    assert relaxed.exit_code == 0, relaxed.output
    assert "production would refuse" in relaxed.output
    strict = runner.invoke(app, ["config", "check", "--production"])
    assert strict.exit_code == 1
    assert "ZHONGTAI_SECRET_KEY" in strict.output


def test_check_refuses_the_shipped_example_in_a_fresh_process(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHONGTAI_")}
    env["ZHONGTAI_ENV_FILE"] = str(REPO / "infra" / "production.env.example")
    done = subprocess.run(
        [str(ZHONGTAI), "config", "check"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "refused: ZHONGTAI_SECRET_KEY: is a placeholder" in done.stdout
    assert "refused: ZHONGTAI_CATALOG_URL: holds a placeholder password" in done.stdout


def test_show_prints_the_effective_settings_with_secrets_redacted(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHONGTAI_SECRET_KEY", SECRET)
    monkeypatch.setenv("ZHONGTAI_S3_SECRET_ACCESS_KEY", "wJalrXUtnFEMI-K7MDENG")
    monkeypatch.setenv("ZHONGTAI_CATALOG_URL", PG)
    monkeypatch.setenv("ZHONGTAI_LAKE_CATALOG", "postgres:dbname=lake password='p w'")
    get_settings.cache_clear()
    done = runner.invoke(app, ["config", "show"])
    assert done.exit_code == 0, done.output
    lines = dict(line.split("=", 1) for line in done.output.splitlines())
    assert set(lines) == {f"ZHONGTAI_{name.upper()}" for name in Settings.model_fields}
    for secret in (SECRET, "wJalrXUtnFEMI", "Vq8r2LkPz9wXc4", "p w"):
        assert secret not in done.output
    assert lines["ZHONGTAI_SECRET_KEY"] == "***"
    assert lines["ZHONGTAI_CATALOG_URL"] == PG.replace("Vq8r2LkPz9wXc4", "***")
    assert lines["ZHONGTAI_LAKE_CATALOG"] == "postgres:dbname=lake password=***"
    assert lines["ZHONGTAI_MASK_KEY"] == str(settings.resolved_mask_key)  # defaults resolved
    assert lines["ZHONGTAI_LINEAGE_TRANSPORT"] == "store"


def test_init_names_the_catalog_without_its_password(
    settings: Settings, postgresql_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test server trusts loopback, so any password connects; the output must not show it.
    with_password = postgresql_url.replace("://postgres@", "://postgres:Vq8r2LkPz9wXc4@", 1)
    assert with_password != postgresql_url
    monkeypatch.setenv("ZHONGTAI_CATALOG_URL", with_password)
    get_settings.cache_clear()
    done = runner.invoke(app, ["init"])
    assert done.exit_code == 0, done.output
    assert "Vq8r2LkPz9wXc4" not in done.output
    unwrapped = "".join(done.output.split())  # rich wraps the long URL onto its own line
    assert "catalogready:" + with_password.replace("Vq8r2LkPz9wXc4", "***") in unwrapped


def test_airflow_env_follows_the_settings(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = runner.invoke(app, ["config", "airflow-env"])
    assert default.output.splitlines() == [
        f"AIRFLOW_HOME={settings.airflow_home}",
        "AIRFLOW__CORE__EXECUTOR=LocalExecutor",
        f"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///{settings.airflow_home / 'airflow.db'}",
    ]
    monkeypatch.setenv("ZHONGTAI_AIRFLOW_EXECUTOR", "CeleryExecutor")
    monkeypatch.setenv("ZHONGTAI_AIRFLOW_DATABASE_URL", PG)
    get_settings.cache_clear()
    chosen = runner.invoke(app, ["config", "airflow-env"])
    assert "AIRFLOW__CORE__EXECUTOR=CeleryExecutor" in chosen.output.splitlines()
    assert f"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC={PG}" in chosen.output.splitlines()


def test_a_distributed_executor_on_sqlite_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ZHONGTAI_AIRFLOW_DATABASE_URL to PostgreSQL"):
        Settings(var_dir=tmp_path, airflow_executor="KubernetesExecutor")


def test_the_entry_points_refuse_insecure_production_settings(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    insecure = _production(monkeypatch, good(tmp_path), secret_key="changeme")
    with pytest.raises(InsecureSettings, match="ZHONGTAI_SECRET_KEY"):
        create_app(insecure)  # every API worker, whoever starts it
    extract = tmp_path / "extract.csv"
    extract.write_text("a\n1\n", encoding="utf-8")
    for command in (["serve"], ["ingest", "any_dataset", str(extract)]):
        done = runner.invoke(app, command)
        assert isinstance(done.exception, InsecureSettings), command
        assert "ZHONGTAI_SECRET_KEY: is a placeholder" in done.exception.message


def test_serve_says_what_to_change_and_exits_2(tmp_path: Path) -> None:
    env = {
        "ZHONGTAI_ENV_FILE": str(tmp_path / "none.env"),
        "ZHONGTAI_ENVIRONMENT": "production",
        "ZHONGTAI_VAR_DIR": str(tmp_path / "var"),
    }
    done = run_zhongtai("serve", env=env)  # main's mapping of the refusal: exit 2, no traceback
    assert done.returncode == 2
    assert "settings.insecure" in done.stderr
    assert "ZHONGTAI_SECRET_KEY" in done.stderr and "zhongtai audit key create" in done.stderr
    assert "Traceback" not in done.stderr
