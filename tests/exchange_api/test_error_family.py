"""One exception family: every ZhongtaiError has a stable code and status, and the app maps it.

The walk imports every module of every package first, so a subclass added anywhere is covered
the day it is written, without this file naming it.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from catalog.settings import Settings
from exchange_api.app import create_app
from schemas.errors import ZhongtaiError

PACKAGES = ("schemas", "catalog", "quality", "lakehouse", "exchange_api")
CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
PROBLEM = "application/problem+json"
SECRET = "沪A12345 330102199001011234"  # what a careless message might carry


def _import_everything() -> None:
    for name in PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)


def _subclasses(cls: type[ZhongtaiError]) -> list[type[ZhongtaiError]]:
    found: list[type[ZhongtaiError]] = []
    for sub in cls.__subclasses__():
        found.extend([sub, *_subclasses(sub)])
    return found


_import_everything()
FAMILY = sorted({ZhongtaiError, *_subclasses(ZhongtaiError)}, key=lambda c: c.__qualname__)


def _instance(cls: type[ZhongtaiError]) -> ZhongtaiError:
    """An instance with a message naming ``SECRET`` (constructors differ a little)."""
    try:
        return cls(f"failed on {SECRET}")
    except TypeError:
        return cls("source.csv", f"failed on {SECRET}")  # type: ignore[call-arg]


def test_the_family_is_whole() -> None:
    names = {c.__name__ for c in FAMILY}
    assert names >= {
        "CatalogError",
        "ContractError",
        "LakehouseError",
        "QualityError",
        "PublishError",
        "TooLarge",
        "Throttled",
    }
    assert issubclass(FAMILY[0], ZhongtaiError)


@pytest.mark.parametrize("cls", FAMILY, ids=lambda c: c.__name__)
def test_every_error_has_a_stable_code_and_an_error_status(cls: type[ZhongtaiError]) -> None:
    assert CODE.fullmatch(cls.code), cls.code
    assert 400 <= cls.status <= 599
    assert "code" in cls.__dict__ and "status" in cls.__dict__, "set both on every class"
    error = _instance(cls)
    assert error.code == cls.code and error.status == cls.status
    assert SECRET in error.message


@pytest.fixture(scope="module")
def raising_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    var = tmp_path_factory.mktemp("errors") / "var"
    settings = Settings(var_dir=var, environment="test", _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings)

    @app.get("/test/raise/{index}")
    def raise_one(index: int) -> None:
        raise _instance(FAMILY[index])

    return app


@pytest.mark.parametrize("index", range(len(FAMILY)), ids=[c.__name__ for c in FAMILY])
def test_every_error_becomes_its_problem(raising_app: FastAPI, index: int) -> None:
    cls = FAMILY[index]
    with TestClient(raising_app, raise_server_exceptions=False) as client:
        response = client.get(f"/test/raise/{index}")
    assert response.status_code == cls.status
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert set(body) == {"type", "title", "status", "code", "detail", "instance"}
    assert body["status"] == cls.status and body["code"] == cls.code
    assert body["type"] == f"urn:zhongtai:problem:{cls.code}"
    assert body["instance"] == f"/test/raise/{index}"
    assert "Traceback" not in response.text
    if cls.status >= 500:
        assert SECRET not in response.text  # the message stays in the server log
    else:
        assert SECRET in body["detail"]
    if cls.status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_precise_code_given_at_the_raise_site_is_kept(raising_app: FastAPI) -> None:
    from catalog.errors import NotFound

    @raising_app.get("/test/precise")
    def precise() -> None:
        raise NotFound("no such dataset", code="dataset.not_found")

    with TestClient(raising_app) as client:
        body = client.get("/test/precise").json()
    assert (body["status"], body["code"]) == (404, "dataset.not_found")


def test_the_cli_names_the_family_without_loading_great_expectations() -> None:
    probe = (
        "import sys, exchange_api.cli; "
        "assert 'great_expectations' not in sys.modules; assert 'duckdb' not in sys.modules"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/v1/requests", {"GET", "POST"}),
        ("DELETE", "/api/v1/health", {"GET"}),
        ("GET", "/api/v1/requests/1/refuse", {"POST"}),
    ],
)
def test_a_405_says_which_methods_are_allowed(
    raising_app: FastAPI, method: str, path: str, allow: set[str]
) -> None:
    with TestClient(raising_app) as client:
        response = client.request(method, path)
    assert response.status_code == 405
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["code"] == "method.not_allowed"
    assert {m.strip() for m in response.headers["allow"].split(",")} == allow
