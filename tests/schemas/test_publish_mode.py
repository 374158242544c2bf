"""The contract's ``publish:`` block: today's behaviour by default, each value checked at load, and
no merge or keep policy without a primary key to apply it to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from quality import compile_rules
from schemas import ContractError, load_contracts
from schemas.loader import DATASETS_DIR, parse_contract
from schemas.publish_mode import PublishOptions


def _contract(tmp_path: Path, publish: Any, *, keyed: bool = True) -> Path:
    data = yaml.safe_load((DATASETS_DIR / "rsj_social_insurance.yaml").read_text(encoding="utf-8"))
    if publish is not None:
        data["publish"] = publish
    if not keyed:
        del data["primary_key"]
    path = tmp_path / "部门.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_existing_contracts_append_and_quarantine_duplicates() -> None:
    for contract in load_contracts().values():
        assert contract.publish == PublishOptions("append", "quarantine")


@pytest.mark.parametrize(
    ("mode", "policy"),
    [("append", "keep_first"), ("merge", "keep_last"), ("replace", "quarantine")],
)
def test_each_mode_and_policy_is_read(tmp_path: Path, mode: str, policy: str) -> None:
    parsed = parse_contract(_contract(tmp_path, {"mode": mode, "duplicate_keys": policy}))
    assert parsed.publish == PublishOptions(mode, policy)


@pytest.mark.parametrize(
    ("publish", "keyed", "problem"),
    [
        ({"mode": "upsert"}, True, "mode 'upsert' is not one of append, merge, replace"),
        ({"duplicate_keys": "latest"}, True, "duplicate_keys 'latest' is not one of"),
        ({"mood": "merge"}, True, "unknown key(s) mood"),
        ("merge", True, "must be a mapping"),
        ({"mode": "merge"}, False, "mode 'merge' needs a primary_key"),
        ({"duplicate_keys": "keep_last"}, False, "duplicate_keys 'keep_last' needs a primary_key"),
    ],
)
def test_a_bad_publish_block_is_refused_naming_the_file(
    tmp_path: Path, publish: Any, keyed: bool, problem: str
) -> None:
    with pytest.raises(ContractError) as caught:
        parse_contract(_contract(tmp_path, publish, keyed=keyed))
    assert str(caught.value).startswith("部门.yaml: publish: ")
    assert problem in str(caught.value)


def test_no_key_may_append_or_replace(tmp_path: Path) -> None:
    parsed = parse_contract(_contract(tmp_path, {"mode": "replace"}, keyed=False))
    assert (parsed.primary_key, parsed.publish.mode) == ((), "replace")


def test_keep_policies_leave_duplicates_to_publish_not_to_quality(tmp_path: Path) -> None:
    default = [r.code for r in compile_rules(parse_contract(_contract(tmp_path, None)))]
    assert "primary_key.unique" in default
    for policy in ("keep_first", "keep_last"):
        kept = parse_contract(_contract(tmp_path, {"duplicate_keys": policy}))
        codes = [r.code for r in compile_rules(kept)]
        assert codes == [c for c in default if c != "primary_key.unique"]
