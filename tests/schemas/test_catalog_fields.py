"""The national catalog keys of a contract, the share rules and the safe reading of its text."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml

from schemas import ContractError
from schemas.catalog_fields import gbt_data_type, resource_code
from schemas.contract_text import MAX_CONTRACT_BYTES
from schemas.loader import DATASETS_DIR, load_contracts, parse_contract_text

TEMPLATE = (DATASETS_DIR / "rsj_social_insurance.yaml").read_text(encoding="utf-8")


def _text(**changes: Any) -> str:
    data = yaml.safe_load(TEMPLATE)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_shipped_contracts_carry_the_catalog_keys() -> None:
    contracts = load_contracts()
    social = contracts["rsj_social_insurance"].catalog
    assert social.classification == "2.07.001.002"
    assert social.provider_code == "330100RSJ"
    assert social.share_method == ("api", "file")
    assert social.publication_date == dt.date(2023, 7, 1)
    assert "gaj_household_registration" in social.related_resources
    assert "社保" in social.tags
    for contract in contracts.values():
        assert set(contract.catalog.related_resources) <= set(contracts)
        assert contract.text and len(contract.sha256) == 64


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"share_basis": ""}, "contract.legal_basis_required"),
        ({"share_basis": None}, "contract.legal_basis_required"),
        ({"share_basis": "   "}, "contract.legal_basis_required"),
        ({"share_type": "not_shared", "share_basis": "", "share_method": None},
         "contract.legal_basis_required"),
        ({"share_conditions": ""}, "contract.share_conditions_required"),
        ({"open_type": "conditional_open"}, "contract.open_conditions_required"),
        ({"share_type": "not_shared"}, "contract.share_method_not_shared"),
        ({"classification": "2.1.003"}, "contract.invalid_classification"),
        ({"classification": "02.01"}, "contract.invalid_classification"),
        ({"classification": "二.01"}, "contract.invalid_classification"),
        ({"share_method": ["api", "ftp"]}, "contract.invalid_share_method"),
        ({"resource_code": "abc"}, "contract.invalid_resource_code"),
        ({"related_resources": ["DROP TABLE"]}, "contract.invalid"),
        ({"publication_date": "2024-13-01"}, "contract.invalid"),
        ({"tags": "社保"}, "contract.invalid"),
    ],
)  # fmt: skip
def test_a_contract_breaking_a_catalog_rule_cannot_be_parsed(
    changes: dict[str, Any], code: str
) -> None:
    with pytest.raises(ContractError) as caught:
        parse_contract_text(_text(**changes))
    assert caught.value.code == code


def test_unconditional_needs_no_basis_and_not_shared_no_method() -> None:
    free = parse_contract_text(_text(share_type="unconditional", share_basis=""))
    assert free.catalog.share_method == ("api", "file")
    closed = parse_contract_text(_text(share_type="not_shared", share_method=None))
    assert closed.catalog.share_method == ()
    default = parse_contract_text(_text(share_method=None))
    assert default.catalog.share_method == ("api",)


@pytest.mark.parametrize("classification", ["2", "2.07", "2.07.001", "2.07.001.002", "21.01"])
def test_classification_levels(classification: str) -> None:
    assert parse_contract_text(_text(classification=classification)).catalog.classification == (
        classification
    )


def test_resource_code_rule() -> None:
    assert resource_code("2.07.001.002", "330100RSJ", 7) == "2.07.001.002/330100RSJ-00007"
    assert resource_code("", "330100RSJ", 12) == "0/330100RSJ-00012"


@pytest.mark.parametrize(
    ("duckdb_type", "expected"),
    [
        ("VARCHAR", ("字符型", "C")),
        ("DECIMAL(18,2)", ("数值型", "N")),
        ("BIGINT", ("整型", "I")),
        ("DOUBLE", ("浮点型", "F")),
        ("DATE", ("日期型", "D")),
        ("TIMESTAMP WITH TIME ZONE", ("日期时间型", "T")),
        ("BOOLEAN", ("逻辑型", "L")),
        ("BLOB", ("通用型", "G")),
    ],
)
def test_gbt_data_types(duckdb_type: str, expected: tuple[str, str]) -> None:
    assert gbt_data_type(duckdb_type) == expected


BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: [*c,*c,*c,*c,*c,*c,*c,*c,*c]
"""


def test_hostile_texts_are_refused_with_stable_codes() -> None:
    with pytest.raises(ContractError) as bomb:
        parse_contract_text(BOMB)
    assert bomb.value.code == "contract.yaml_alias"
    with pytest.raises(ContractError) as huge:
        parse_contract_text(TEMPLATE + "#" * MAX_CONTRACT_BYTES)
    assert huge.value.code == "contract.too_large"
    with pytest.raises(ContractError) as listed:
        parse_contract_text("- just\n- a list\n")
    assert listed.value.code == "contract.invalid"
    with pytest.raises(ContractError) as broken:
        parse_contract_text("code: [unclosed\n")
    assert broken.value.code == "contract.invalid"


def test_non_utf8_bytes_are_refused() -> None:
    from schemas.contract_text import decode_contract

    with pytest.raises(ContractError) as caught:
        decode_contract(TEMPLATE.encode("gbk"))
    assert caught.value.code == "contract.not_utf8"
    assert decode_contract("\ufeff".encode() + TEMPLATE.encode()) == TEMPLATE
