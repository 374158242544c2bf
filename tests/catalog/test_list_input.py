"""What the lists accept, as properties: any text is either kept (trimmed, within its limit, no
control character) or refused with the caller's code — never another exception — and codes typed
full-width mean what they look like."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.errors import InvalidInput
from catalog.list_input import code_text, cycle, field_list, free_text, quality_score
from catalog.list_tables import UPDATE_CYCLES


@given(st.text(max_size=260), st.booleans())
def test_free_text_is_kept_or_refused_with_its_code(value: str, lines: bool) -> None:
    try:
        kept = free_text(value, "title", limit=200, code="demand.invalid", lines=lines)
    except InvalidInput as exc:
        assert exc.code == "demand.invalid"
        return
    assert kept == value.strip() and 0 < len(kept) <= 200
    assert not any(ord(c) < 32 and (not lines or c not in "\r\n\t") for c in kept)
    assert not any(0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF for c in kept)


@given(st.sampled_from(UPDATE_CYCLES))
def test_a_cycle_typed_full_width_or_in_capitals_is_that_cycle(value: str) -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in value.upper())
    assert cycle(full_width, code="x") == value == cycle(f" {value.title()} ", code="x")


@given(st.one_of(st.floats(allow_nan=True), st.integers(), st.text(max_size=8), st.booleans()))
def test_a_quality_score_is_a_number_from_0_to_100_or_refused(value: object) -> None:
    try:
        score = quality_score(value, code="responsibility.invalid")
    except InvalidInput as exc:
        assert exc.code == "responsibility.invalid"
        return
    assert 0 <= score <= 100 and not isinstance(value, bool)


def test_full_width_codes_fold_and_fields_are_deduplicated() -> None:
    assert code_text("３３０１００ＲＳＪ", "department", code="x") == "330100RSJ"
    assert field_list(["缴费金额", " 缴费金额 ", "姓名"], code="x") == ["缴费金额", "姓名"]
    with pytest.raises(InvalidInput):
        field_list([f"f{i}" for i in range(51)], code="x")
    with pytest.raises(InvalidInput):
        code_text(None, "department", code="x")
