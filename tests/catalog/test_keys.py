"""The mask master key: kept server-side, 0600, created only outside production; one key a grant."""

from __future__ import annotations

import hashlib
import hmac
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.errors import NotReady
from catalog.keys import (
    MASK_MASTER_KEY_BYTES,
    load_or_create_mask_master_key,
    mask_key,
    mask_master_key,
)
from catalog.settings import Settings

MASTER = bytes(range(32))


@given(a=st.integers(min_value=1, max_value=2**63), b=st.integers(min_value=1, max_value=2**63))
def test_each_grant_has_its_own_key(a: int, b: int) -> None:
    assert len(mask_key(MASTER, a)) == 32
    assert mask_key(MASTER, a) == mask_key(MASTER, a)
    assert (mask_key(MASTER, a) == mask_key(MASTER, b)) == (a == b)
    assert mask_key(MASTER, a) != mask_key(bytes(32), a)


def test_grant_key_is_hmac_of_the_grant_id() -> None:
    expected = hmac.new(MASTER, b"zhongtai/mask/grant/42", hashlib.sha256).digest()
    assert mask_key(MASTER, 42) == expected


@pytest.mark.parametrize("grant_id", ["42", True, 4.2])
def test_grant_id_must_be_an_integer(grant_id: object) -> None:
    with pytest.raises(TypeError):
        mask_key(MASTER, grant_id)  # type: ignore[arg-type]


def test_created_once_with_mode_0600_and_the_same_in_another_process(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "mask.key"
    key = load_or_create_mask_master_key(path, create=True)
    assert len(key) == MASK_MASTER_KEY_BYTES
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_mask_master_key(path, create=True) == key
    assert load_or_create_mask_master_key(path, create=False) == key
    other = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path;"
            "from catalog.keys import load_or_create_mask_master_key as load;"
            "sys.stdout.write(load(Path(sys.argv[1]), create=True).hex())",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    assert other.stdout == key.hex()
    assert [p.name for p in path.parent.iterdir()] == ["mask.key"]  # no temporary file left


def test_concurrent_first_uses_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "mask.key"
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: load_or_create_mask_master_key(path, create=True), range(16)))
    assert keys == {path.read_bytes()}


def test_production_without_the_key_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "mask.key"
    settings = Settings(var_dir=tmp_path, environment="production", secret_key="s3cr3t-for-tests")
    with pytest.raises(NotReady) as raised:
        mask_master_key(settings)
    assert raised.value.code == "key.missing"
    assert "ZHONGTAI_MASK_KEY" in raised.value.message
    assert not path.exists() and not path.parent.exists()


def test_production_reads_a_provisioned_key(tmp_path: Path) -> None:
    path = tmp_path / "provisioned.key"
    path.write_bytes(MASTER)
    settings = Settings(
        var_dir=tmp_path,
        environment="production",
        secret_key="s3cr3t-for-tests",
        mask_key=str(path),
    )
    assert mask_master_key(settings) == MASTER


@pytest.mark.parametrize("environment", ["development", "test"])
def test_development_and_test_create_it_under_the_var_dir(tmp_path: Path, environment: str) -> None:
    settings = Settings(var_dir=tmp_path, environment=environment)
    key = mask_master_key(settings)
    assert settings.resolved_mask_key == (tmp_path / "keys" / "mask.key").resolve()
    assert settings.resolved_mask_key.read_bytes() == key


@pytest.mark.parametrize("content", [b"", b"short", bytes(33)])
def test_a_key_file_of_the_wrong_size_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "mask.key"
    path.write_bytes(content)
    with pytest.raises(NotReady) as raised:
        load_or_create_mask_master_key(path, create=True)
    assert raised.value.code == "key.invalid"
    assert path.read_bytes() == content  # never overwritten
