"""The rules of ../shared/STYLE.md that a machine can check: layers, module size, settings docs."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from catalog.settings import Settings

REPO = Path(__file__).resolve().parents[1]
ORDER = ["schemas", "catalog", "quality", "lakehouse", "exchange_api"]
ALLOWED: dict[str, set[str]] = {
    package: set(ORDER[: index + 1]) for index, package in enumerate(ORDER)
}
ALLOWED["dags"] = {"schemas", "catalog", "quality", "lakehouse", "dags"}
PACKAGES = sorted(ALLOWED)


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (REPO / package).rglob("*.py") if "migrations" not in p.parts)


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_one_way(package: str) -> None:
    offenders = {
        str(path.relative_to(REPO)): sorted(_imported_packages(path) - ALLOWED[package])
        for path in _modules(package)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("package", PACKAGES)
def test_modules_stay_small(package: str) -> None:
    too_long = {
        str(path.relative_to(REPO)): n
        for path in _modules(package)
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 450
    }
    assert too_long == {}


def test_no_grab_bag_modules() -> None:
    names = {p.name for package in PACKAGES for p in _modules(package)}
    assert names.isdisjoint({"utils.py", "helpers.py", "common.py", "misc.py"})


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [
        f"ZHONGTAI_{name.upper()}"
        for name in Settings.model_fields
        if f"ZHONGTAI_{name.upper()}" not in readme
    ]
    assert missing == []
