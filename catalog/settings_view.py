"""The settings as others need them: the effective values with secrets redacted (``zhongtai config
show``), the Airflow configuration they select (``zhongtai config airflow-env``, read by
``infra/airflow.sh``, the demo and the tests that start Airflow), and the stores they select as
the environment of a child process (the tests' and benchmarks' ``zhongtai`` and uvicorn runs).
"""

from __future__ import annotations

import re

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from catalog.settings import Settings

__all__ = [
    "REDACTED",
    "airflow_environment",
    "effective_settings",
    "redact_url",
    "store_environment",
]

REDACTED = "***"
_SECRETS = frozenset({"secret_key", "s3_secret_access_key"})
_URLS = frozenset({"catalog_url", "lake_catalog", "airflow_database_url", "lineage_url"})
_RESOLVED = {
    "catalog_url": "resolved_catalog_url",
    "lake_catalog": "resolved_lake_catalog",
    "lake_data_path": "resolved_lake_data_path",
    "key_dir": "resolved_key_dir",
    "audit_signing_key": "resolved_audit_signing_key",
    "mask_key": "resolved_mask_key",
    "holiday_file": "resolved_holiday_file",
    "drop_root": "resolved_drop_root",
    "duckdb_temp_dir": "spill_dir",
    "airflow_database_url": "resolved_airflow_database_url",
    "lineage_transport": "resolved_lineage_transport",
}
_DSN_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)")


def redact_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` (SQLAlchemy URLs, libpq DSNs)."""
    if "://" in url:
        try:
            parsed = make_url(url)
        except ArgumentError:
            return url
        if parsed.password is None:
            return url
        return parsed.render_as_string(hide_password=True)
    return _DSN_PASSWORD.sub(lambda m: m.group(1) + REDACTED, url)


def effective_settings(settings: Settings) -> dict[str, str]:
    """Every setting as ``ZHONGTAI_NAME`` → its effective value (defaults resolved), secrets and
    passwords replaced by ``***``."""
    out = {}
    for name in Settings.model_fields:
        value = getattr(settings, _RESOLVED.get(name, name))
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if name in _SECRETS:
            text = REDACTED if text else ""
        elif name in _URLS:
            text = redact_url(text)
        out[f"ZHONGTAI_{name.upper()}"] = text
    return out


def airflow_environment(settings: Settings) -> dict[str, str]:
    """The ``AIRFLOW_*`` variables that give Airflow the executor and metadata database the
    settings choose (and its home under the var dir)."""
    url = settings.resolved_airflow_database_url
    env = {
        "AIRFLOW_HOME": str(settings.airflow_home),
        "AIRFLOW__CORE__EXECUTOR": settings.airflow_executor,
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": url,
    }
    if url.startswith("postgresql+psycopg://"):
        # Airflow derives its async URL as postgresql+asyncpg (not installed); psycopg 3
        # serves both
        env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC"] = url
    return env


_STORE_FIELDS = (
    "catalog_url",
    "lake_catalog",
    "lake_data_path",
    "s3_endpoint",
    "s3_region",
    "s3_access_key_id",
    "s3_secret_access_key",
    "s3_url_style",
    "s3_use_ssl",
)


def store_environment(settings: Settings) -> dict[str, str]:
    """The ``ZHONGTAI_*`` variables that give a child process (``zhongtai …``) the same stores
    as ``settings`` — nothing for the embedded default, whose stores follow the var dir."""
    if not settings.catalog_url and not settings.lake_catalog and not settings.lake_data_path:
        return {}
    found = {}
    for name in _STORE_FIELDS:
        value = getattr(settings, name)
        found[f"ZHONGTAI_{name.upper()}"] = (
            str(value).lower() if isinstance(value, bool) else str(value)
        )
    return found
