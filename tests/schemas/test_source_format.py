"""The contract's ``source:`` block: defaults for old contracts, each new key checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from schemas import ContractError, SourceFormat, load_contracts
from schemas.loader import DATASETS_DIR, parse_contract


def test_existing_contracts_keep_their_meaning() -> None:
    for contract in load_contracts().values():
        assert contract.source == SourceFormat(format="csv", encoding="gbk", delimiter=",")
        assert (contract.source.header_line, contract.source.sheet) == (1, None)
        assert (contract.source.formula_cells, contract.source.excel_numbers) == (
            "refuse",
            "quarantine",
        )


def _with_source(tmp_path: Path, source: dict[str, Any]) -> Path:
    data = yaml.safe_load((DATASETS_DIR / "rsj_social_insurance.yaml").read_text(encoding="utf-8"))
    data["source"] = source
    path = tmp_path / "dept.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_every_new_key_is_read(tmp_path: Path) -> None:
    source = {
        "format": "xlsx",
        "encoding": "auto",
        "delimiter": "auto",
        "header_line": 3,
        "sheet": "明细",
        "formula_cells": "allow",
        "excel_numbers": "refuse",
    }
    parsed = parse_contract(_with_source(tmp_path, source)).source
    assert parsed == SourceFormat(
        format="xlsx",
        encoding="auto",
        delimiter="auto",
        header_line=3,
        sheet="明细",
        formula_cells="allow",
        excel_numbers="refuse",
    )
    sql = {"format": "sql", "table": "contributions", "watermark": "updated_at"}
    assert parse_contract(_with_source(tmp_path, sql)).source.watermark == "updated_at"


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ({"format": "xls"}, "format 'xls' is not one of"),
        ({"encoding": "klingon"}, "encoding 'klingon' is not a known codec"),
        ({"delimiter": ",;"}, "delimiter must be one character or auto"),
        ({"header_line": 0}, "header_line must be a whole number from 1"),
        ({"header_line": "2"}, "header_line must be a whole number from 1"),
        ({"formula_cells": "quarantine"}, "formula_cells must be one of refuse, allow"),
        ({"excel_numbers": "fix"}, "excel_numbers must be one of quarantine, refuse"),
        ({"format": "sql"}, "format sql needs exactly one of table or query"),
        ({"format": "sql", "table": "t", "query": "SELECT 1"}, "format sql needs exactly one"),
        ("csv", "must be a mapping"),
    ],
)
def test_bad_source_options_are_refused_naming_the_file(
    tmp_path: Path, source: Any, problem: str
) -> None:
    with pytest.raises(ContractError, match=f"^dept.yaml: source: {problem}"):
        parse_contract(_with_source(tmp_path, source))
