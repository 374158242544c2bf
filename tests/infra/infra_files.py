"""The deployment files under ``infra/``, loaded for the tests: the compose file, the image list,
the Kubernetes manifests, and the Settings fields their ``ZHONGTAI_`` names must match."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from catalog.settings import Settings

INFRA = Path(__file__).resolve().parents[2] / "infra"
COMPOSE = INFRA / "compose" / "compose.yaml"
K8S = INFRA / "k8s"

# ZHONGTAI_ names that are not fields of Settings, and why.
NOT_SETTINGS = {
    "ZHONGTAI_ENV_FILE": "names the settings file itself (catalog/settings.py model_config)",
    "ZHONGTAI_TOKEN": "the CLI's credential, read by the CLI",
}
SETTING_NAME = re.compile(r"\bZHONGTAI_[A-Z0-9_]+\b")


def load_compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text("utf-8"))
    return loaded


def mirrored_images() -> set[str]:
    """The internal-registry paths (``library/postgres:15.13-bookworm``) of infra/images.txt."""
    paths = set()
    for line in (INFRA / "images.txt").read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            source, target = line.split()
            paths.add(target)
    return paths


def setting_fields() -> set[str]:
    return {f"ZHONGTAI_{name.upper()}" for name in Settings.model_fields}


def unknown_settings(names: set[str]) -> set[str]:
    """The ``ZHONGTAI_`` names that neither name a Settings field nor are known exceptions."""
    return {n for n in names if n not in setting_fields() and n not in NOT_SETTINGS}
