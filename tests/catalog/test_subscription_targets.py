"""Subscription targets, attacked directly: folder names that climb out of the department's drop
folder (by ``..``, absolute paths or symlinks) and webhook URLs aimed at internal hosts; the
webhook secret is derived per subscription and signs exactly the body."""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.errors import InvalidInput
from catalog.subscription_targets import check_webhook, folder_path, sign, webhook_secret

DEPT = "330100SWJ"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "drop" / DEPT).mkdir(parents=True)
    (tmp_path / "drop" / "330100GAJ").mkdir()
    return tmp_path / "drop"


def test_a_plain_name_lands_inside_the_department_folder(root: Path) -> None:
    assert folder_path(root, DEPT, "社保/月报") == (root / DEPT / "社保" / "月报").resolve()


@pytest.mark.parametrize(
    "name",
    [
        "..",
        "../330100GAJ",
        "a/../../x",
        "/etc",
        "//etc",
        "~root",
        ".",
        "a/./b",
        "a//b",
        "a/",
        "a\\b",
        "c:x",
        "a\x00b",
        "a\nb",
        "",
        "x" * 101,
    ],
)
def test_names_that_climb_or_hide_are_refused(root: Path, name: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        folder_path(root, DEPT, name)
    assert refused.value.code == "subscription.bad_target"


@pytest.mark.parametrize("department", ["..", "330100SWJ/..", "", "a b", "x" * 33])
def test_a_department_code_that_is_no_folder_name_is_refused(root: Path, department: str) -> None:
    with pytest.raises(InvalidInput):
        folder_path(root, department, "ok")


def test_symlinks_out_of_the_department_folder_are_refused(root: Path, tmp_path: Path) -> None:
    home = root / DEPT
    os.symlink(root / "330100GAJ", home / "neighbour")
    os.symlink(tmp_path, home / "up")
    os.symlink("/", home / "slash")
    (home / "inside").mkdir()
    os.symlink(home / "inside", home / "alias")  # a symlink that stays inside is fine
    for name in ("neighbour", "neighbour/x", "up", "up/drop/330100GAJ", "slash/etc"):
        with pytest.raises(InvalidInput):
            folder_path(root, DEPT, name)
    assert folder_path(root, DEPT, "alias/x") == (home / "inside" / "x").resolve()


def test_a_department_folder_that_is_itself_a_symlink_out_is_refused(
    root: Path, tmp_path: Path
) -> None:
    os.symlink(tmp_path, root / "330100XXX")
    with pytest.raises(InvalidInput):
        folder_path(root, "330100XXX", "x")


def _dns(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    """A stand-in for DNS, which cannot run here: host -> addresses."""

    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError("no such host")
        return table[host]

    return resolve


PUBLIC = _dns(
    {
        "hook.example.gov.cn": ["203.0.113.7"],  # documentation range: not global
        "tax.gov.cn": ["8.8.8.8"],
        "rebind.example": ["8.8.8.8", "10.0.0.1"],
        "metadata.example": ["169.254.169.254"],
        "v6.example": ["2606:4700::1"],
        "local.example": ["127.0.0.1"],
        "intranet": ["10.1.2.3"],
    }
)


@pytest.mark.parametrize(
    ("url", "environment", "allow", "ok"),
    [
        ("https://tax.gov.cn/hook", "production", "", True),
        ("https://v6.example/hook", "production", "", True),
        ("http://tax.gov.cn/hook", "production", "", False),  # plain http, not allowed
        ("http://tax.gov.cn/hook", "production", "tax.gov.cn", True),
        ("http://tax.gov.cn:8080/hook", "production", "tax.gov.cn:8080", True),
        ("http://tax.gov.cn:8081/hook", "production", "tax.gov.cn:8080", False),
        ("https://rebind.example/", "production", "", False),  # one private answer is enough
        ("https://metadata.example/", "production", "", False),
        ("https://hook.example.gov.cn/", "production", "", False),
        ("https://intranet/", "production", "", False),
        ("https://intranet/", "production", "intranet", True),
        ("https://local.example/", "production", "", False),
        ("https://local.example/", "test", "", True),  # loopback in development and test
        ("http://local.example/", "development", "", True),
        ("http://intranet/", "development", "", False),
        ("https://127.0.0.1/", "production", "", False),
        ("https://[::1]/", "production", "", False),
        ("https://10.0.0.1/", "test", "", False),
        ("https://nowhere.example/", "production", "", False),
        ("https://user:pw@tax.gov.cn/", "production", "", False),
        ("https://tax.gov.cn@10.0.0.1/", "production", "", False),
        ("gopher://tax.gov.cn/", "production", "", False),
        ("https://tax.gov.cn:99999/", "production", "", False),
        ("https:///x", "production", "", False),
    ],
)
def test_webhook_urls(url: str, environment: str, allow: str, ok: bool) -> None:
    if ok:
        assert check_webhook(url, allow=allow, environment=environment, resolve=PUBLIC) == url
    else:
        with pytest.raises(InvalidInput) as refused:
            check_webhook(url, allow=allow, environment=environment, resolve=PUBLIC)
        assert refused.value.code == "subscription.bad_target"


@given(st.binary(min_size=32, max_size=32), st.integers(1, 2**63 - 1), st.binary(max_size=512))
def test_the_secret_is_per_subscription_and_signs_exactly_the_body(
    master: bytes, subscription_id: int, body: bytes
) -> None:
    secret = webhook_secret(master, subscription_id)
    assert len(secret) == 64 and secret != webhook_secret(master, subscription_id + 1)
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert sign(secret, body) == f"sha256={expected}"
    assert sign(secret, body + b" ") != sign(secret, body)
