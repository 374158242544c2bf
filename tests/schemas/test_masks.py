"""Mask specs: one canonical text per spec, presets for the old names, bad ones refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from schemas import ContractError, MaskKind, MaskSpec
from schemas.loader import DATASETS_DIR, load_contracts, load_elements, parse_contract
from schemas.masks import MAX_CANONICAL_LENGTH, MAX_KEEP, PRESETS

_counts = st.integers(min_value=0, max_value=MAX_KEEP)
specs = st.one_of(
    st.sampled_from([MaskSpec(k) for k in MaskKind if k is not MaskKind.KEEP]),
    st.tuples(_counts, _counts)
    .filter(lambda c: c != (0, 0))
    .map(lambda c: MaskSpec(MaskKind.KEEP, *c)),
)


@given(spec=specs)
def test_canonical_text_round_trips(spec: MaskSpec) -> None:
    text = str(spec)
    assert MaskSpec.parse(text) == spec
    assert str(MaskSpec.parse(text)) == text
    assert len(text) <= MAX_CANONICAL_LENGTH
    assert text.isascii() and text == text.strip()


@given(text=st.text(max_size=20) | st.from_regex(r"\Akeep:-?[0-9]{1,4}:-?[0-9]{1,4}\Z"))
def test_any_text_parses_to_its_own_canonical_form_or_a_preset_or_is_refused(text: str) -> None:
    try:
        spec = MaskSpec.parse(text)
    except ValueError:
        return
    assert str(spec) == text or PRESETS[text] == spec


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("none", MaskSpec(MaskKind.NONE)),
        ("keep:3:2", MaskSpec(MaskKind.KEEP, 3, 2)),
        ("keep:0:4", MaskSpec(MaskKind.KEEP, 0, 4)),
        ("keep:99:99", MaskSpec(MaskKind.KEEP, 99, 99)),
        ("hash", MaskSpec(MaskKind.HASH)),
        ("year", MaskSpec(MaskKind.YEAR)),
        ("county", MaskSpec(MaskKind.COUNTY)),
        ("drop", MaskSpec(MaskKind.DROP)),
        ("redact", MaskSpec(MaskKind.REDACT)),
        ("id_number", MaskSpec(MaskKind.KEEP, 6, 4)),
        ("name", MaskSpec(MaskKind.KEEP, 1, 0)),
        ("phone", MaskSpec(MaskKind.KEEP, 3, 4)),
    ],
)
def test_parse(text: str, expected: MaskSpec) -> None:
    assert MaskSpec.parse(text) == expected


def test_presets_print_as_keep() -> None:
    assert {name: str(spec) for name, spec in PRESETS.items()} == {
        "id_number": "keep:6:4",
        "name": "keep:1:0",
        "phone": "keep:3:4",
    }


@pytest.mark.parametrize(
    "text",
    [
        "keep",
        "keep:3",
        "keep:3:",
        "keep:0:0",
        "keep:100:1",
        "keep:-1:2",
        "keep:03:2",
        "keep: 3:2",
        "keep:3:2:1",
        "keep:３:2",  # full-width digit
        "hash:1:1",
        "HASH",
        " hash",
        "sha256",
        "",
    ],
)
def test_bad_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="mask"):
        MaskSpec.parse(text)


@pytest.mark.parametrize("value", [None, 3, True, ["keep", 3, 2], {"keep": [3, 2]}])
def test_only_text_parses(value: object) -> None:
    with pytest.raises(ValueError, match="written as text"):
        MaskSpec.parse(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "first", "last"),
    [
        (MaskKind.HASH, 1, 0),
        (MaskKind.KEEP, 0, 0),
        (MaskKind.KEEP, 100, 0),
        (MaskKind.KEEP, -1, 3),
        (MaskKind.KEEP, True, 3),
        ("keep", 1, 1),
    ],
)
def test_invalid_specs_cannot_be_built(kind: MaskKind, first: int, last: int) -> None:
    with pytest.raises(ValueError):
        MaskSpec(kind, first, last)


def test_shipped_contracts_keep_their_masks() -> None:
    citizen = load_contracts()["gaj_household_registration"].field("citizen_id")
    assert citizen.mask == MaskSpec(MaskKind.KEEP, 6, 4)
    assert load_elements()["person_name"].default_mask == MaskSpec(MaskKind.KEEP, 1, 0)
    assert load_elements()["address"].default_mask == MaskSpec(MaskKind.REDACT)


def _contract_with_mask(tmp_path: Path, mask: object) -> Path:
    data = yaml.safe_load((DATASETS_DIR / "gaj_household_registration.yaml").read_text("utf-8"))
    for field in data["fields"]:
        if field["name"] == "address":
            field["mask"] = mask
    path = tmp_path / "contract.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("written", "expected"),
    [("county", MaskSpec(MaskKind.COUNTY)), ("keep:3:2", MaskSpec(MaskKind.KEEP, 3, 2))],
)
def test_contract_field_mask(tmp_path: Path, written: str, expected: MaskSpec) -> None:
    contract = parse_contract(_contract_with_mask(tmp_path, written))
    assert contract.field("address").mask == expected


@pytest.mark.parametrize("written", ["keep:3", "sha256", None, False, {"keep": [3, 2]}])
def test_contract_with_a_bad_mask_is_refused(tmp_path: Path, written: object) -> None:
    with pytest.raises(ContractError, match=r"contract\.yaml: field 'address' mask: "):
        parse_contract(_contract_with_mask(tmp_path, written))
