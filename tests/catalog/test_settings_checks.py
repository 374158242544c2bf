"""Production refuses insecure settings — every one at once, each with what to change — and a
correct production configuration passes. Development and test are never refused."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import pytest

from catalog.settings import Settings
from catalog.settings_checks import (
    InsecureSettings,
    check_startup,
    findings,
    is_loopback,
    refusals,
)

REPO = Path(__file__).resolve().parents[2]
SECRET = secrets.token_urlsafe(48)
PG = "postgresql+psycopg://zhongtai:Vq8r2LkPz9wXc4@db.internal:5432/zhongtai"


def _key(path: Path, mode: int = 0o600, size: int = 32) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(size))
    path.chmod(mode)
    return path


def good(tmp_path: Path, **changes: Any) -> Settings:
    """A correct production configuration: real-looking secrets, 0600 keys, loopback bind,
    PostgreSQL catalogs, the object store over TLS with its own key."""
    keys = tmp_path / "keys"
    _key(keys / "audit_ed25519.pem")
    _key(keys / "mask.key")
    values: dict[str, Any] = {
        "environment": "production",
        "var_dir": tmp_path / "var",
        "key_dir": str(keys),
        "secret_key": SECRET,
        "catalog_url": PG,
        "lake_catalog": "postgres:dbname=zhongtai_lake host=db.internal user=lake",
        "lake_data_path": "s3://lake/zhongtai/",
        "s3_endpoint": "oss.internal:9000",
        "s3_access_key_id": "ZHONGTAI7XK2Q",
        "s3_secret_access_key": secrets.token_urlsafe(30),
        "api_host": "127.0.0.1",
        "public_base_url": "https://data.zj.gov.cn/",
        "airflow_executor": "CeleryExecutor",
        "airflow_database_url": PG.replace("/zhongtai", "/airflow"),
    }
    values.update(changes)
    return Settings(**values)


def _refused(settings: Settings) -> dict[str, str]:
    return {f.setting: f.problem for f in refusals(settings)}


def test_a_correct_production_configuration_passes(tmp_path: Path) -> None:
    settings = good(tmp_path)
    assert findings(settings) == []
    assert check_startup(settings) is settings


@pytest.mark.parametrize(
    ("changes", "setting", "problem"),
    [
        ({"secret_key": "development"}, "ZHONGTAI_SECRET_KEY", "placeholder"),
        ({"secret_key": "CHANGE-ME-to-a-long-random-value"}, "ZHONGTAI_SECRET_KEY", "placeholder"),
        ({"secret_key": "s3cr3t-for-tests"}, "ZHONGTAI_SECRET_KEY", "shorter than 32"),
        ({"secret_key": ""}, "ZHONGTAI_SECRET_KEY", "placeholder"),
        ({"s3_secret_access_key": "changeme"}, "ZHONGTAI_S3_SECRET_ACCESS_KEY", "placeholder"),
        ({"s3_secret_access_key": ""}, "ZHONGTAI_S3_SECRET_ACCESS_KEY", "empty"),
        (
            {"catalog_url": "postgresql+psycopg://zhongtai:CHANGE-ME@db.internal/zhongtai"},
            "ZHONGTAI_CATALOG_URL",
            "placeholder password",
        ),
        (
            {"lake_catalog": "postgres:dbname=lake host=db.internal password=change_me"},
            "ZHONGTAI_LAKE_CATALOG",
            "placeholder password",
        ),
        (
            {"lake_catalog": "postgres:postgresql://lake:<password>@db.internal/lake"},
            "ZHONGTAI_LAKE_CATALOG",
            "placeholder password",
        ),
        (
            {"airflow_database_url": "postgresql+psycopg2://airflow:CHANGE-ME@db/airflow"},
            "ZHONGTAI_AIRFLOW_DATABASE_URL",
            "placeholder password",
        ),
        (
            {"api_host": "0.0.0.0", "public_base_url": "http://data.zj.gov.cn/"},
            "ZHONGTAI_API_HOST",
            "plain http",
        ),
        (
            {"api_host": "10.1.2.3", "public_base_url": "http://10.1.2.3:8000/"},
            "ZHONGTAI_API_HOST",
            "plain http",
        ),
        ({"s3_use_ssl": False}, "ZHONGTAI_S3_USE_SSL", "in clear"),
        ({"s3_use_ssl": False, "s3_endpoint": ""}, "ZHONGTAI_S3_USE_SSL", "default endpoint"),
        ({"catalog_url": ""}, "ZHONGTAI_CATALOG_URL", "SQLite"),
        ({"lake_catalog": "sqlite:/srv/lake.sqlite"}, "ZHONGTAI_LAKE_CATALOG", "SQLite"),
    ],
)
def test_each_insecure_setting_is_refused(
    tmp_path: Path, changes: dict[str, Any], setting: str, problem: str
) -> None:
    refused = _refused(good(tmp_path, **changes))
    assert list(refused) == [setting]
    assert problem in refused[setting]


@pytest.mark.parametrize(("mode", "word"), [(0o644, "world-readable"), (0o640, "group-readable")])
@pytest.mark.parametrize(
    ("name", "setting"),
    [("audit_ed25519.pem", "ZHONGTAI_AUDIT_SIGNING_KEY"), ("mask.key", "ZHONGTAI_MASK_KEY")],
)
def test_a_readable_key_file_is_refused(
    tmp_path: Path, mode: int, word: str, name: str, setting: str
) -> None:
    settings = good(tmp_path)
    (settings.resolved_key_dir / name).chmod(mode)
    [finding] = refusals(settings)
    assert finding.setting == setting and word in finding.problem
    assert f"chmod 600 {settings.resolved_key_dir / name}" in finding.fix


def test_a_missing_signing_key_is_refused_a_missing_mask_key_warned(tmp_path: Path) -> None:
    settings = good(tmp_path)
    settings.resolved_audit_signing_key.unlink()
    settings.resolved_mask_key.unlink()
    [signing] = refusals(settings)
    assert signing.setting == "ZHONGTAI_AUDIT_SIGNING_KEY"
    assert "zhongtai audit key create" in signing.fix
    [mask] = [f for f in findings(settings) if not f.refuse]
    assert mask.setting == "ZHONGTAI_MASK_KEY" and "key.missing" in mask.fix


def test_the_key_files_follow_the_key_dir(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path, key_dir=str(tmp_path / "vault"))
    assert settings.resolved_audit_signing_key == tmp_path / "vault" / "audit_ed25519.pem"
    assert settings.resolved_mask_key == tmp_path / "vault" / "mask.key"
    alone = Settings(var_dir=tmp_path, key_dir="/k", mask_key=str(tmp_path / "m.key"))
    assert alone.resolved_mask_key == tmp_path / "m.key"
    assert Settings(var_dir=tmp_path).resolved_key_dir == (tmp_path / "keys").resolve()


def test_https_behind_a_proxy_on_another_machine_may_bind_a_public_address(
    tmp_path: Path,
) -> None:
    assert refusals(good(tmp_path, api_host="0.0.0.0")) == []  # the proxy terminates TLS
    assert refusals(good(tmp_path, s3_use_ssl=False, s3_endpoint="127.0.0.1:9000")) == []


def test_every_problem_is_named_at_once(tmp_path: Path) -> None:
    settings = good(
        tmp_path,
        secret_key="changeme",
        catalog_url="",
        api_host="0.0.0.0",
        public_base_url="http://data.zj.gov.cn/",
        s3_use_ssl=False,
        audit_signing_key=str(tmp_path / "nowhere.pem"),
    )
    with pytest.raises(InsecureSettings) as refused:
        check_startup(settings)
    assert refused.value.code == "settings.insecure" and refused.value.status == 503
    message = refused.value.message
    for setting in (
        "ZHONGTAI_SECRET_KEY",
        "ZHONGTAI_CATALOG_URL",
        "ZHONGTAI_API_HOST",
        "ZHONGTAI_S3_USE_SSL",
        "ZHONGTAI_AUDIT_SIGNING_KEY",
    ):
        assert setting in message
    assert "(5 to change;" in message
    assert "chmod" not in message and "key.missing" not in message  # warnings are not refusals


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_and_test_are_not_refused(tmp_path: Path, environment: str) -> None:
    settings = Settings(var_dir=tmp_path, environment=environment)
    assert {f.setting for f in findings(settings) if f.refuse} >= {"ZHONGTAI_SECRET_KEY"}
    assert check_startup(settings) is settings


def test_the_shipped_production_example_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("ZHONGTAI_"):
            monkeypatch.delenv(name)
    example = Settings(_env_file=REPO / "infra" / "production.env.example")  # type: ignore[call-arg]
    assert example.environment == "production"
    refused = _refused(example)
    assert set(refused) == {
        "ZHONGTAI_SECRET_KEY",
        "ZHONGTAI_CATALOG_URL",
        "ZHONGTAI_AUDIT_SIGNING_KEY",
        "ZHONGTAI_AIRFLOW_DATABASE_URL",
    }
    with pytest.raises(InsecureSettings):
        check_startup(example)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.1", False),
        ("db.internal", False),
        ("", False),
    ],
)
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
