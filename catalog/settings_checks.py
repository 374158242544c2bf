"""What production refuses to start with: insecure settings, all found at once, each with its fix.

:func:`findings` looks at the settings (and at the key files' mode bits) and returns every
problem, each naming the setting and saying what to change. :func:`check_startup` is called where
each process first uses its settings — ``exchange_api.app.create_app`` (every API worker),
``zhongtai serve``, ``zhongtai ingest`` and ``zhongtai demo``, the DAG files' import
(``dags.assets``) — and in production raises :class:`InsecureSettings` listing every refusal;
``zhongtai config check`` prints the same list and exits 1.

Development and test are not refused: there the keys are made on first use, the secret is the
known ``development`` default and everything binds to loopback, by design. A warning
(``refuse=False``) is printed by ``zhongtai config check`` but never stops a process.

Decisions:

- A SQLite catalog or DuckLake catalog is refused in production: the production shape is several
  API workers and ingestion processes on several machines, which only PostgreSQL serves (a
  SQLite file is one machine's, and its writers queue behind one lock). Airflow's metadata
  database on SQLite only warns: Airflow's own processes use it, LocalExecutor runs on it, and a
  distributed executor on SQLite is already a settings error (``catalog.settings``).
- Plain HTTP on a public address is refused: TLS is the proxy's job, and an API bound to a
  non-loopback address while its public address is ``http://`` has no proxy in front of it.
- A missing mask key only warns: hashed reads then fail with 503 ``key.missing``, nothing else.
"""

from __future__ import annotations

import ipaddress
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from catalog.errors import NotReady
from catalog.settings import Settings

__all__ = ["Finding", "InsecureSettings", "check_startup", "findings", "is_loopback", "refusals"]

MIN_SECRET_LENGTH = 32
_PLACEHOLDERS = frozenset(
    {"", "changeme", "change-me", "change_me", "secret", "development", "password", "test"}
)
_PLACEHOLDER_MARKS = re.compile(r"change[-_ ]?me|replace[-_ ]?me|placeholder|<[^>]*>", re.I)
_GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: the setting at fault, what is wrong, what to change."""

    setting: str
    problem: str
    fix: str
    refuse: bool = True

    def line(self) -> str:
        kind = "refused" if self.refuse else "warning"
        return f"{kind}: {self.setting}: {self.problem} — {self.fix}"


class InsecureSettings(NotReady):
    """Production settings the platform will not start with (every one is in the message)."""

    code = "settings.insecure"
    status = 503


def is_placeholder(value: str) -> bool:
    return value.strip().lower() in _PLACEHOLDERS or bool(_PLACEHOLDER_MARKS.search(value))


def is_loopback(host: str) -> bool:
    """``host`` (a name or an address, IPv6 in brackets or not) is this machine's loopback."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _secret_key(settings: Settings) -> list[Finding]:
    key = settings.secret_key
    if is_placeholder(key):
        problem = "is a placeholder"
    elif len(key) < MIN_SECRET_LENGTH:
        problem = f"is shorter than {MIN_SECRET_LENGTH} characters"
    else:
        return []
    return [Finding("ZHONGTAI_SECRET_KEY", problem, f"set a long random value: {_GENERATE}")]


def _url_password(url: str) -> str | None:
    """The password in a SQLAlchemy/libpq URL or a libpq ``key=value`` DSN, if any."""
    if "://" in url:
        try:
            return make_url(url).password
        except ArgumentError:
            return None
    found = re.search(r"(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S*)", url)
    return found.group(1).strip("'") if found else None


def _url_secrets(settings: Settings) -> list[Finding]:
    out = []
    urls = {
        "ZHONGTAI_CATALOG_URL": settings.catalog_url,
        "ZHONGTAI_LAKE_CATALOG": settings.lake_catalog.removeprefix("postgres:"),
        "ZHONGTAI_AIRFLOW_DATABASE_URL": settings.airflow_database_url,
    }
    for name, url in urls.items():
        password = _url_password(url)
        if password is not None and is_placeholder(password):
            out.append(
                Finding(
                    name,
                    "holds a placeholder password",
                    "put the database account's real password there, or none and use "
                    "~/.pgpass / PGPASSFILE",
                )
            )
    return out


def _sqlite(settings: Settings) -> list[Finding]:
    fix = "point it at PostgreSQL: the production shape is several workers on several machines"
    out = []
    if settings.resolved_catalog_url.startswith("sqlite"):
        out.append(Finding("ZHONGTAI_CATALOG_URL", "is SQLite", fix))
    if settings.resolved_lake_catalog.startswith("sqlite:"):
        out.append(Finding("ZHONGTAI_LAKE_CATALOG", "is SQLite", "use 'postgres:DSN'; " + fix))
    if settings.resolved_airflow_database_url.startswith("sqlite"):
        out.append(
            Finding(
                "ZHONGTAI_AIRFLOW_DATABASE_URL",
                "is SQLite (one scheduler on one machine)",
                "use PostgreSQL for Airflow's metadata database",
                refuse=False,
            )
        )
    return out


def _object_store(settings: Settings) -> list[Finding]:
    if not settings.resolved_lake_data_path.startswith("s3://"):
        return []
    out = []
    host = settings.s3_endpoint.rsplit(":", 1)[0] if settings.s3_endpoint else ""
    if not settings.s3_use_ssl and not is_loopback(host):
        where = settings.s3_endpoint or "the provider's default endpoint"
        out.append(
            Finding(
                "ZHONGTAI_S3_USE_SSL",
                f"is false for {where}: keys and data would cross the network in clear",
                "set it to true (the store's TLS), or reach the store through a loopback proxy",
            )
        )
    if settings.s3_access_key_id and is_placeholder(settings.s3_secret_access_key):
        out.append(
            Finding(
                "ZHONGTAI_S3_SECRET_ACCESS_KEY",
                "is empty or a placeholder",
                "set the secret of the object-store key ZHONGTAI_S3_ACCESS_KEY_ID",
            )
        )
    if not settings.s3_access_key_id:
        out.append(
            Finding(
                "ZHONGTAI_S3_ACCESS_KEY_ID",
                "is empty: the lake's bucket is reached without credentials",
                "give the platform its own object-store key",
                refuse=False,
            )
        )
    return out


def _key_file(setting: str, path: Path, *, required: bool, missing_fix: str) -> list[Finding]:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return [Finding(setting, f"{path} does not exist", missing_fix, refuse=required)]
    except OSError as exc:
        return [Finding(setting, f"{path} cannot be read ({exc.strerror})", "fix its folder")]
    if not stat.S_ISREG(mode):
        return [Finding(setting, f"{path} is not a file", "point it at the key file")]
    if mode & 0o077:
        readable = "world-readable" if mode & 0o007 else "group-readable"
        return [
            Finding(
                setting,
                f"{path} is {readable} (mode {stat.S_IMODE(mode):04o})",
                f"chmod 600 {path} (and chown it to the service account)",
            )
        ]
    return []


def _keys(settings: Settings) -> list[Finding]:
    return _key_file(
        "ZHONGTAI_AUDIT_SIGNING_KEY",
        settings.resolved_audit_signing_key,
        required=True,
        missing_fix="make it with `zhongtai audit key create` (or set ZHONGTAI_KEY_DIR / "
        "ZHONGTAI_AUDIT_SIGNING_KEY to where it is)",
    ) + _key_file(
        "ZHONGTAI_MASK_KEY",
        settings.resolved_mask_key,
        required=False,
        missing_fix="hashed reads will fail with 503 key.missing: write 32 random bytes there "
        "with mode 0600 (head -c 32 /dev/urandom > FILE)",
    )


def _public_http(settings: Settings) -> list[Finding]:
    if is_loopback(settings.api_host) or not settings.public_base_url.startswith("http://"):
        return []
    return [
        Finding(
            "ZHONGTAI_API_HOST",
            f"binds {settings.api_host} while ZHONGTAI_PUBLIC_BASE_URL is plain http://: the "
            "API would serve tokens and data without TLS",
            "bind 127.0.0.1 behind the TLS proxy (infra/nginx) and give the proxy's "
            "https:// address as ZHONGTAI_PUBLIC_BASE_URL",
        )
    ]


def findings(settings: Settings) -> list[Finding]:
    """Every problem production would have with ``settings``, in any environment."""
    return [
        *_secret_key(settings),
        *_url_secrets(settings),
        *_object_store(settings),
        *_keys(settings),
        *_public_http(settings),
        *_sqlite(settings),
    ]


def refusals(settings: Settings) -> list[Finding]:
    """The findings that stop a process in ``settings``' environment (none outside production)."""
    if settings.environment != "production":
        return []
    return [f for f in findings(settings) if f.refuse]


def check_startup(settings: Settings) -> Settings:
    """``settings`` if this process may start with them; else ``InsecureSettings`` naming every
    refusal at once, with what to change."""
    refused = refusals(settings)
    if refused:
        lines = "\n".join(f"  - {f.setting}: {f.problem} — {f.fix}" for f in refused)
        raise InsecureSettings(
            f"production refuses these settings ({len(refused)} to change; "
            f"`zhongtai config check` lists them):\n{lines}"
        )
    return settings
