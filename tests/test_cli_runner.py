"""``tests.fixtures.cli_runner``: a command run in this process answers as the installed
``zhongtai`` does (compared once through the real executable: the entry point's own smoke test),
sees only the environment it is given and puts the test's back, reads stdin at a hidden prompt,
leaves no connection open, and fails the test with a traceback when the command crashes."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from catalog.db import make_engine
from catalog.settings import Settings, get_settings
from tests.fixtures.cli_runner import (
    DEFAULT_ENV_FILE,
    FRESH_CACHES,
    KEPT_CACHES,
    ZHONGTAI,
    CommandCrashed,
    run_zhongtai,
)

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("catalog", "exchange_api", "lakehouse", "quality", "schemas")


def _insecure(tmp_path: Path) -> dict[str, str]:
    return {
        "ZHONGTAI_ENV_FILE": str(tmp_path / "none.env"),
        "ZHONGTAI_ENVIRONMENT": "production",
        "ZHONGTAI_VAR_DIR": str(tmp_path / "var"),
    }


def test_the_installed_command_and_the_in_process_run_answer_alike(tmp_path: Path) -> None:
    """The entry point through the real executable: help exits 0, a refused start exits 2 with
    its code (``main``'s mapping) — and in this process each prints the same."""
    for args, env, code in (
        (("--help",), {"ZHONGTAI_ENV_FILE": os.devnull}, 0),
        (("serve",), _insecure(tmp_path), 2),
    ):
        child = {k: v for k, v in os.environ.items() if not k.startswith("ZHONGTAI_")}
        installed = subprocess.run(
            [ZHONGTAI, *args], env={**child, **env}, input="", capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip
        here = run_zhongtai(*args, env=env)
        assert installed.returncode == here.returncode == code, (args, installed.stderr)
        assert (here.stdout, here.stderr) == (installed.stdout, installed.stderr), args
        assert "Traceback" not in installed.stderr
    assert "settings.insecure" in here.stderr and "ZHONGTAI_SECRET_KEY" in here.stderr
    usage = run_zhongtai("requests", "list", "--no-such-option", env={})
    assert usage.returncode == 2 and "Usage: zhongtai requests list" in usage.stderr


def test_the_command_sees_only_its_environment_and_the_tests_comes_back(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHONGTAI_API_PORT", "1234")  # the test's: never the command's
    env_file = tmp_path / "deploy.env"
    env_file.write_text("ZHONGTAI_API_PORT=4321\n", encoding="utf-8")
    before = dict(os.environ)
    configured_file = Settings.model_config.get("env_file")

    def shown(env: dict[str, str]) -> dict[str, str]:
        done = run_zhongtai("config", "show", env={"ZHONGTAI_VAR_DIR": str(tmp_path), **env})
        assert done.returncode == 0, done.stderr
        return dict(line.split("=", 1) for line in done.stdout.splitlines())

    assert shown({"ZHONGTAI_ENV_FILE": str(env_file)})["ZHONGTAI_API_PORT"] == "4321"
    plain = shown({"ZHONGTAI_ENV_FILE": os.devnull})
    assert plain["ZHONGTAI_API_PORT"] == "8000" and plain["ZHONGTAI_VAR_DIR"] == str(tmp_path)
    assert dict(os.environ) == before
    assert Settings.model_config.get("env_file") == configured_file
    assert get_settings().api_port == 1234 and get_settings().var_dir == settings.var_dir


def test_the_default_settings_file_is_the_one_settings_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fresh copy of ``catalog.settings`` imported without ``ZHONGTAI_ENV_FILE`` names the file
    the runner gives a command that sets none."""
    monkeypatch.delenv("ZHONGTAI_ENV_FILE", raising=False)
    spec = importlib.util.spec_from_file_location("_fresh_settings", REPO / "catalog/settings.py")
    assert spec is not None and spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    assert fresh.Settings.model_config["env_file"] == DEFAULT_ENV_FILE


def test_a_crash_fails_the_test_with_the_traceback_the_command_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> dict[str, str]:
        raise RuntimeError("a bug, not a domain error")

    monkeypatch.setattr("exchange_api.cli_config.effective_settings", broken)
    with pytest.raises(CommandCrashed) as crashed:
        run_zhongtai("config", "show", env={"ZHONGTAI_VAR_DIR": str(tmp_path)}, text=False)
    assert crashed.value.result.returncode == 1
    assert "Traceback" in crashed.value.result.stderr
    assert "a bug, not a domain error" in crashed.value.result.stderr
    assert isinstance(crashed.value.__cause__, RuntimeError)


def test_a_connection_the_command_keeps_fails_the_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept: list[Connection] = []

    def leaking(*_: object) -> dict[str, str]:
        kept.append(make_engine(f"sqlite:///{tmp_path / 'leak.sqlite'}").connect())
        return {}

    monkeypatch.setattr("exchange_api.cli_config.effective_settings", leaking)
    try:
        with pytest.raises(AssertionError, match="left connections checked out"):
            run_zhongtai("config", "show", env={"ZHONGTAI_VAR_DIR": str(tmp_path)})
    finally:
        for connection in kept:
            connection.close()
    assert len(kept) == 1


@pytest.mark.postgres
def test_a_hidden_prompt_reads_stdin_and_no_connection_outlives_the_command(
    postgresql_url: str, tmp_path: Path
) -> None:
    env = {
        "ZHONGTAI_VAR_DIR": str(tmp_path / "var"),
        "ZHONGTAI_ENV_FILE": os.devnull,
        "ZHONGTAI_CATALOG_URL": postgresql_url,
    }
    assert run_zhongtai("init", env=env).returncode == 0
    typed = run_zhongtai("account", "list", env=env, input="zt_typed_but_unknown\n")
    assert typed.returncode == 2 and "auth.invalid_token" in typed.stderr
    assert "zt_typed_but_unknown" not in typed.stdout + typed.stderr
    nothing = run_zhongtai("account", "list", env=env)  # end of input at the prompt
    assert nothing.returncode == 1 and "Aborted" in nothing.stderr
    database = postgresql_url.rsplit("/", 1)[1]
    watcher = make_engine(postgresql_url)
    try:
        with watcher.connect() as connection:
            others = connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": database},
            )
    finally:
        watcher.dispose()
    assert others == 0


def _cached_functions() -> set[str]:
    """Every function in the packages decorated with ``lru_cache`` or ``cache``."""
    found = set()
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            if "cache" not in source:
                continue
            module = ".".join(path.relative_to(REPO).with_suffix("").parts)
            for node in ast.walk(ast.parse(source)):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for decorator in node.decorator_list:
                    target = decorator.func if isinstance(decorator, ast.Call) else decorator
                    name = target.attr if isinstance(target, ast.Attribute) else target
                    if getattr(name, "id", name) in ("lru_cache", "cache"):
                        found.add(f"{module}.{node.name}")
    return found


def test_every_process_cache_is_made_fresh_or_kept_for_a_reason() -> None:
    assert _cached_functions() == set(FRESH_CACHES) | set(KEPT_CACHES)
    assert not set(FRESH_CACHES) & set(KEPT_CACHES)
