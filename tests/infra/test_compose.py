"""The production compose file (infra/compose/compose.yaml): valid against the Compose
Specification's JSON schema (vendored in infra/schemas/, nothing fetched), and the project's own
rules — images pinned and mirrored, nothing secret inline, one published port, hardened services,
every ZHONGTAI_ name a real setting. No Docker engine runs here: this is what can be checked
without one (infra/README.md says what was not run)."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from catalog.settings import Settings
from tests.infra.infra_files import (
    COMPOSE,
    INFRA,
    SETTING_NAME,
    load_compose,
    mirrored_images,
    unknown_settings,
)

SCHEMA = json.loads((INFRA / "schemas" / "compose-spec.json").read_text("utf-8"))
IMAGE = re.compile(r"^\$\{DEPLOY_REGISTRY(:\?[^}]*)?\}/(?P<path>[a-z0-9./_-]+:(?P<tag>[\w.-]+))$")
ONE_SHOT = {"minio-init", "zhongtai-migrate", "airflow-migrate", "admin"}
# MinIO's image runs as root (its data volume is root's); it keeps no capability.
ROOT_ALLOWED = {"minio", "minio-init"}
SECRET_ENV = re.compile(r"PASSWORD|SECRET|TOKEN|ACCESS_KEY|_CONN$|_URL$|BROKER|BACKEND", re.I)


def _errors(document: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA)
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]


def test_the_compose_file_is_valid_against_the_compose_specification() -> None:
    assert _errors(load_compose()) == []


def test_the_schema_check_can_fail() -> None:
    broken = copy.deepcopy(load_compose())
    broken["services"]["api"]["read_only"] = {"yes": True}  # a boolean (or a ${VAR} string)
    broken["services"]["proxy"]["publish"] = ["443:8443"]  # not a Compose key
    errors = _errors(broken)
    assert any("read_only" in e for e in errors) and any("'publish'" in e for e in errors)


def test_every_image_comes_from_the_internal_registry_pinned_and_listed_for_mirroring() -> None:
    compose = load_compose()
    listed = mirrored_images()
    used = set()
    for name, service in compose["services"].items():
        image = str(service["image"]).replace("${DEPLOY_VERSION:-0.1.0}", "0.1.0")
        match = IMAGE.match(image)
        assert match, f"{name}: {image} is not ${{DEPLOY_REGISTRY}}/path:tag"
        assert match["tag"] != "latest", f"{name} uses latest"
        assert match["path"] in listed, f"{name}: {match['path']} is not in infra/images.txt"
        used.add(match["path"])
    # The one base image the Dockerfile needs is listed too; nothing else is.
    assert listed - used == {"library/python:3.11.13-slim-bookworm"}


def test_only_the_proxy_publishes_a_port() -> None:
    services = load_compose()["services"]
    published = {name: s["ports"] for name, s in services.items() if "ports" in s}
    assert published == {"proxy": ["443:8443"]}
    assert all("network_mode" not in s for s in services.values())
    networks = load_compose()["networks"]
    assert {n for n, spec in networks.items() if not spec.get("internal")} == {"edge"}
    assert {n for n, s in services.items() if "edge" in s.get("networks", [])} == {"proxy"}


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "environment as a mapping"
    return {str(k): str(v) for k, v in env.items()}


def test_no_secret_is_inline() -> None:
    compose = load_compose()
    for name, service in compose["services"].items():
        for key, value in _environment(service).items():
            if not SECRET_ENV.search(key):
                continue
            # Allowed: Airflow's _CMD reading a secret file, MinIO's *_FILE naming one, a path
            # under /run/secrets, or a public URL without credentials.
            if key.endswith("_CMD"):
                assert value.startswith("cat /run/secrets/"), (name, key)
            elif key.endswith("_FILE"):
                assert "/" not in value or value.startswith("/run/secrets/"), (name, key)
            else:
                assert re.fullmatch(r"https://\$\{DEPLOY_HOSTNAME[^}]*\}/(airflow)?", value), (
                    f"{name}: {key} looks secret"
                )
    text = COMPOSE.read_text("utf-8")
    assert not re.search(r"://[^/\s:@]+:[^/\s@]+@", text), "credentials in a URL"
    for name, secret in compose["secrets"].items():
        assert set(secret) == {"file"}, f"secret {name} must come from a file"


def test_every_secret_a_service_names_is_defined_and_every_defined_one_is_used() -> None:
    compose = load_compose()
    used = set()
    for service in compose["services"].values():
        for entry in service.get("secrets", []):
            used.add(entry if isinstance(entry, str) else entry["source"])
    assert used - set(compose["secrets"]) == set()
    assert set(compose["secrets"]) - used == set()


def test_only_the_services_that_sign_or_mask_hold_the_keys() -> None:
    keys = {"audit_signing_key", "mask_key"}
    holders = {
        name
        for name, service in load_compose()["services"].items()
        for entry in service.get("secrets", [])
        if (entry if isinstance(entry, str) else entry["source"]) in keys
    }
    # The admin service mounts the keys folder itself, writable, to create and rotate them.
    assert holders == {"api", "airflow-worker"}


def test_configs_point_at_files_in_the_repository() -> None:
    for name, config in load_compose()["configs"].items():
        assert (COMPOSE.parent / config["file"]).is_file(), name


def test_services_are_hardened_and_long_running_ones_have_health_checks() -> None:
    for name, service in load_compose()["services"].items():
        assert service.get("read_only") is True, f"{name}: root filesystem must be read-only"
        assert service.get("cap_drop") == ["ALL"], name
        assert "no-new-privileges:true" in service.get("security_opt", []), name
        assert service.get("privileged") is not True, name
        if name not in ROOT_ALLOWED:
            assert re.fullmatch(r"[1-9]\d*:\d+", str(service.get("user", ""))), f"{name}: user"
        if name not in ONE_SHOT:
            assert "healthcheck" in service, f"{name} has no health check"


def test_every_zhongtai_name_in_the_deployment_is_a_setting() -> None:
    texts = [COMPOSE, INFRA / "compose" / "generate-secrets.sh"]
    names = {n for path in texts for n in SETTING_NAME.findall(path.read_text("utf-8"))}
    assert names and unknown_settings(names) == set()


def test_the_trusted_proxy_is_the_proxy_and_nginx_sets_the_certificate_headers() -> None:
    compose = load_compose()
    proxy_address = compose["services"]["proxy"]["networks"]["api"]["ipv4_address"]
    api_env = _environment(compose["services"]["api"])
    assert api_env["ZHONGTAI_TRUSTED_PROXIES"] == proxy_address
    conf = (COMPOSE.parent / "nginx" / "zhongtai.conf").read_text("utf-8")
    assert "proxy_set_header X-Client-Cert $ssl_client_escaped_cert;" in conf
    assert "proxy_set_header X-Client-Verify $ssl_client_verify;" in conf
    assert "listen 8443 ssl;" in conf and compose["services"]["proxy"]["ports"] == ["443:8443"]


@pytest.fixture(scope="module")
def secrets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("deploy") / "secrets"
    subprocess.run(
        ["bash", str(INFRA / "compose" / "generate-secrets.sh"), str(folder), "zt.example"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return folder


def test_the_generator_makes_every_secret_but_the_audit_key(secrets_dir: Path) -> None:
    compose = load_compose()
    missing = set()
    for secret in compose["secrets"].values():
        relative = secret["file"].removeprefix("${DEPLOY_SECRETS_DIR:-./secrets}/")
        if not (secrets_dir / relative).is_file():
            missing.add(relative)
    # Made by `zhongtai audit key create`, which records it in the audit log.
    assert missing == {
        "keys/audit_ed25519.pem",
        "keys/audit_ed25519.pub.pem",
        "keys/audit_ed25519.keys.json",
    }
    assert len((secrets_dir / "keys" / "mask.key").read_bytes()) == 32


def test_the_generated_settings_file_is_accepted_in_production(secrets_dir: Path) -> None:
    env = _environment(load_compose()["services"]["api"])
    env_file = secrets_dir / "zhongtai.env"
    settings = Settings(_env_file=env_file, environment="production")  # type: ignore[call-arg]
    assert settings.catalog_url.startswith("postgresql+psycopg://zhongtai:")
    assert settings.lake_catalog.startswith("postgres:dbname=zhongtai_lake ")
    assert len(settings.secret_key) == 64 and settings.s3_secret_access_key
    # The file holds only secrets; the environment holds none of them (it would win).
    in_file = {line.split("=", 1)[0] for line in env_file.read_text().splitlines() if "=" in line}
    assert in_file.isdisjoint(env)


def test_the_generator_refuses_to_overwrite(secrets_dir: Path) -> None:
    again = subprocess.run(
        ["bash", str(INFRA / "compose" / "generate-secrets.sh"), str(secrets_dir), "zt.example"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 1 and "refusing to overwrite" in again.stderr
