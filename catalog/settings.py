"""One settings object for the whole platform, read once from the environment and an optional file.

Every setting is an environment variable prefixed ``ZHONGTAI_`` (``ZHONGTAI_CATALOG_URL`` …) or a
line in the file named by ``ZHONGTAI_ENV_FILE`` (default ``./zhongtai.env`` when present). The
embedded default keeps everything under ``./var/``: a SQLite catalog, a SQLite-backed DuckLake, a
local data directory, and an Airflow home. Production points the same settings at PostgreSQL and an
object store.
"""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Settings(BaseSettings):
    """Where the stores live and how the platform behaves. Frozen after reading."""

    model_config = SettingsConfigDict(
        env_prefix="ZHONGTAI_",
        env_file=os.environ.get("ZHONGTAI_ENV_FILE", "zhongtai.env"),
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    environment: Literal["development", "test", "production"] = "development"
    var_dir: Path = Field(default=Path("var"), description="Root of every embedded store.")
    catalog_url: str = Field(
        default="", description="SQLAlchemy URL of the catalog; default SQLite under var_dir."
    )
    lake_catalog: str = Field(
        default="",
        description="DuckLake metadata catalog: 'sqlite:PATH' or 'postgres:DSN'; "
        "default SQLite under var_dir.",
    )
    lake_data_path: str = Field(
        default="", description="DuckLake data directory (local path or s3:// URL)."
    )
    s3_endpoint: str = Field(
        default="",
        description="host[:port] of the S3-compatible object store holding an s3:// lake data "
        "path; empty uses the provider's default endpoint.",
    )
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = Field(
        default="", description="Secret of the object-store key; never logged or audited."
    )
    s3_url_style: Literal["path", "vhost"] = Field(
        default="path", description="'path' for most on-premises stores, 'vhost' for AWS."
    )
    s3_use_ssl: bool = Field(
        default=True, description="https to the object store; false only on loopback in tests."
    )
    api_host: str = "127.0.0.1"
    public_base_url: str = Field(
        default="http://127.0.0.1:8000/",
        pattern=r"^https?://[^/\s]+(/\S*)?$",
        description="The platform's address as others reach it: the base of the stable IRIs of "
        "the public DCAT-AP catalog (datasets, publishers, distributions, landing pages).",
    )
    api_port: int = 8000
    audit_signing_key: str = Field(
        default="",
        description="Path of the Ed25519 private key (PEM) that signs audit checkpoints; "
        "default var_dir/keys/audit_ed25519.pem, created (and audited) on first use in "
        "development and test only; elsewhere `zhongtai audit key create` makes it.",
    )
    audit_trusted_keys: str = Field(
        default="",
        description="Comma-separated public keys (PEM files) the live audit verification trusts; "
        "empty trusts the key store's first key and the keys it endorsed.",
    )
    audit_checkpoint_every: int = Field(
        default=1000, ge=0, description="Sign a checkpoint after every N-th audit event (0: never)."
    )
    audit_checkpoint_minutes: float = Field(
        default=60.0,
        gt=0,
        description="Sign a checkpoint at the first event this many minutes after the last one.",
    )
    mask_key: str = Field(
        default="",
        description="Path of the 32-byte master key from which each grant's hash-mask key is "
        "derived; default var_dir/keys/mask.key, created on first use in development and test "
        "only; in production a hashed read without it fails with 'key.missing'.",
    )
    secret_key: str = Field(
        default="development", description="Secret for sessions; must be set in production."
    )
    key_dir: str = Field(
        default="",
        description="Folder of the platform's key store: the audit signing key and its history, "
        "the mask key; default var_dir/keys. ZHONGTAI_AUDIT_SIGNING_KEY and ZHONGTAI_MASK_KEY "
        "each move one file elsewhere.",
    )
    airflow_executor: Literal["LocalExecutor", "CeleryExecutor", "KubernetesExecutor"] = Field(
        default="LocalExecutor",
        description="The executor of the platform's Airflow (AIRFLOW__CORE__EXECUTOR).",
    )
    airflow_database_url: str = Field(
        default="",
        description="SQLAlchemy URL of Airflow's metadata database "
        "(AIRFLOW__DATABASE__SQL_ALCHEMY_CONN); default SQLite in the Airflow home.",
    )
    lineage_url: str = Field(
        default="",
        description="Where lineage events are copied besides the catalog: an OpenLineage HTTP "
        "endpoint (http transport) or a file (file transport); empty means the catalog only.",
    )
    lineage_transport: Literal["", "store", "http", "file"] = Field(
        default="",
        description="'store' (the catalog only), 'http' (also POSTed to lineage_url) or 'file' "
        "(also appended, one JSON event a line, to lineage_url or var_dir/lineage/"
        "openlineage.ndjson); empty: 'http' when lineage_url is http(s)://, 'file' when it is "
        "another path, else 'store'.",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1,
        description="Largest request body the exchange API reads (bytes); larger ones get 413.",
    )
    duckdb_memory_limit: str = "4GB"
    duckdb_threads: int = 2
    duckdb_temp_dir: str = Field(
        default="",
        description="Where DuckDB spills what does not fit in duckdb_memory_limit; default "
        "var_dir/spill.",
    )
    reply_working_days: int = Field(
        default=5, ge=1, le=60, description="Working days an owner has to answer a share request."
    )
    objection_working_days: int = Field(
        default=5, ge=1, le=60, description="Working days an owner has to answer an objection."
    )
    grant_default_days: int = Field(
        default=365, ge=1, le=3660, description="Lifetime of a grant when no expiry is asked."
    )
    holiday_file: str = Field(
        default="",
        description="Admin-maintained holiday arrangement (YAML 'holidays'/'workdays' lists) for "
        "years chinese-calendar does not know; default var_dir/calendar/holidays.yaml.",
    )
    service_token_days: int = Field(
        default=90, ge=1, le=3650, description="Lifetime of a service account's token."
    )
    person_token_days: int = Field(
        default=30, ge=1, le=3650, description="Lifetime of a person account's token."
    )
    portal_session_hours: int = Field(
        default=8, ge=1, le=168, description="Lifetime of a portal session (never past the token)."
    )
    lockout_max_failures: int = Field(
        default=10,
        ge=0,
        description="Refused credentials from one client address within the window that lock "
        "the address out (429 auth.locked); 0 never locks.",
    )
    lockout_window_minutes: int = Field(default=15, ge=1, le=1440)
    rate_limit_per_minute: int = Field(
        default=600, ge=0, description="Requests per account per minute, per worker; 0: no limit."
    )
    min_group_size: int = Field(
        default=10,
        ge=1,
        le=1_000_000,
        description="Smallest group an aggregate sends a grantee; smaller groups are suppressed "
        "(neither key nor sums sent, only their number). The owner is never suppressed.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or CIDR networks of the reverse proxies whose "
        "X-Forwarded-For and client-certificate headers are believed; empty believes none.",
    )

    drop_root: str = Field(
        default="",
        description="Root of the subscription drop folders, one sub-folder per department code; "
        "default var_dir/drop. A folder target must resolve inside its department's sub-folder.",
    )
    webhook_allow: str = Field(
        default="",
        description="Comma-separated host[:port] a subscription webhook may reach over http or at "
        "a private address; empty allows only https to public addresses (and loopback in "
        "development and test).",
    )
    ingest_fault_points: str = Field(
        default="",
        description="Test only (refused unless ZHONGTAI_ENVIRONMENT=test): comma-separated points "
        "of an ingest (lakehouse.faults.POINTS) at which the process kills itself with SIGKILL, "
        "for the crash test; 'sleep:SECONDS' pauses at each point instead.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _parse_trusted_proxies(cls, value: str) -> str:
        _networks(value)  # a typo in a proxy address fails at start, not on the first request
        return value

    @model_validator(mode="after")
    def _refuse_contradictions(self) -> Settings:
        """Settings that cannot work in any environment. What production refuses as insecure is
        ``catalog.settings_checks`` (found all at once, refused where each process starts)."""
        problems = []
        if self.ingest_fault_points and self.environment != "test":
            problems.append("ZHONGTAI_INGEST_FAULT_POINTS is for the test environment only")
        transport, url = self.lineage_transport, self.lineage_url
        if transport == "http" and not url.startswith(("http://", "https://")):
            problems.append(
                "ZHONGTAI_LINEAGE_TRANSPORT=http needs ZHONGTAI_LINEAGE_URL=http(s)://… "
                "(the OpenLineage endpoint)"
            )
        if transport == "file" and url.startswith(("http://", "https://")):
            problems.append("ZHONGTAI_LINEAGE_TRANSPORT=file needs a file path as the lineage URL")
        if transport == "store" and url:
            problems.append(
                "ZHONGTAI_LINEAGE_TRANSPORT=store keeps lineage in the catalog only: unset "
                "ZHONGTAI_LINEAGE_URL, or choose the http or file transport"
            )
        shared_metadata = not self.resolved_airflow_database_url.startswith("sqlite")
        if self.airflow_executor != "LocalExecutor" and not shared_metadata:
            problems.append(
                f"ZHONGTAI_AIRFLOW_EXECUTOR={self.airflow_executor} needs a metadata database "
                "its workers share: set ZHONGTAI_AIRFLOW_DATABASE_URL to PostgreSQL"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def trusted_proxy_networks(self) -> tuple[IPNetwork, ...]:
        return _networks(self.trusted_proxies)

    # Derived locations: computed, never stored, so one setting moves everything.
    @property
    def resolved_catalog_url(self) -> str:
        return self.catalog_url or f"sqlite:///{(self.var_dir / 'catalog.sqlite').resolve()}"

    @property
    def resolved_lake_catalog(self) -> str:
        return (
            self.lake_catalog or f"sqlite:{(self.var_dir / 'lake' / 'ducklake.sqlite').resolve()}"
        )

    @property
    def resolved_lake_data_path(self) -> str:
        if self.lake_data_path:
            return self.lake_data_path
        return str((self.var_dir / "lake" / "data").resolve()) + "/"

    @property
    def raw_dir(self) -> Path:
        """Raw zone: every file as received, addressed by SHA-256, never modified."""
        return (self.var_dir / "raw").resolve()

    @property
    def spill_dir(self) -> Path:
        """DuckDB's temp_directory: sorts, joins and aggregates larger than memory spill here."""
        return (
            Path(self.duckdb_temp_dir).resolve()
            if self.duckdb_temp_dir
            else (self.var_dir / "spill").resolve()
        )

    @property
    def staging_dir(self) -> Path:
        return (self.var_dir / "staging").resolve()

    @property
    def inbox_dir(self) -> Path:
        """Where departments drop extracts, one folder per dataset code."""
        return (self.var_dir / "inbox").resolve()

    @property
    def airflow_home(self) -> Path:
        return (self.var_dir / "airflow").resolve()

    @property
    def lineage_dir(self) -> Path:
        return (self.var_dir / "lineage").resolve()

    @property
    def resolved_key_dir(self) -> Path:
        """The key store's folder (mode 0700): the defaults of both key files are in it."""
        return Path(self.key_dir).resolve() if self.key_dir else (self.var_dir / "keys").resolve()

    @property
    def resolved_audit_signing_key(self) -> Path:
        if self.audit_signing_key:
            return Path(self.audit_signing_key)
        return self.resolved_key_dir / "audit_ed25519.pem"

    @property
    def resolved_airflow_database_url(self) -> str:
        return self.airflow_database_url or f"sqlite:///{self.airflow_home / 'airflow.db'}"

    @property
    def resolved_lineage_transport(self) -> Literal["store", "http", "file"]:
        if self.lineage_transport:
            return self.lineage_transport
        if self.lineage_url.startswith(("http://", "https://")):
            return "http"
        return "file" if self.lineage_url else "store"

    @property
    def lineage_file(self) -> Path:
        """Where the file transport appends its events (one JSON event a line)."""
        url = self.lineage_url.removeprefix("file://")
        return Path(url) if url else self.lineage_dir / "openlineage.ndjson"

    @property
    def resolved_holiday_file(self) -> Path:
        if self.holiday_file:
            return Path(self.holiday_file)
        return (self.var_dir / "calendar" / "holidays.yaml").resolve()

    @property
    def resolved_drop_root(self) -> Path:
        if self.drop_root:
            return Path(self.drop_root).resolve()
        return (self.var_dir / "drop").resolve()

    @property
    def resolved_mask_key(self) -> Path:
        if self.mask_key:
            return Path(self.mask_key)
        return self.resolved_key_dir / "mask.key"


def _networks(value: str) -> tuple[IPNetwork, ...]:
    parts = (p.strip() for p in value.split(","))
    return tuple(ipaddress.ip_network(p, strict=False) for p in parts if p)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings, read once per process. Tests call ``get_settings.cache_clear()``."""
    return Settings()
