"""``make demo`` registers every contract it can; one whose owner department does not exist is
skipped with the command that fixes it, and the others are registered all the same."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from catalog.datasets import list_datasets
from exchange_api.demo_contracts import register_contracts
from schemas.loader import DATASETS_DIR
from tests.catalog import factories


def test_a_contract_of_an_unknown_department_is_skipped_with_advice(
    catalog_session: Session, tmp_path: Path
) -> None:
    for code in ("330100RSJ", "330100GAJ", "330100SCJGJ"):
        factories.department(catalog_session, code)
    for path in DATASETS_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    ghost = yaml.safe_load((DATASETS_DIR / "rsj_social_insurance.yaml").read_text("utf-8"))
    ghost.update(code="wjw_births", owner_department="330100WJW", provider_code="330100WJW")
    (tmp_path / "wjw_births.yaml").write_text(yaml.safe_dump(ghost, allow_unicode=True), "utf-8")
    (tmp_path / "broken.yaml").write_text("code: [unclosed\n", "utf-8")

    skipped = register_contracts(catalog_session, tmp_path)
    catalog_session.commit()

    assert [d.code for d in list_datasets(catalog_session)] == [
        "gaj_household_registration",
        "rsj_social_insurance",
        "scjgj_enterprise_registration",
    ]
    by_file = {s.path.name: s for s in skipped}
    assert set(by_file) == {"wjw_births.yaml", "broken.yaml"}
    missing = by_file["wjw_births.yaml"]
    assert missing.missing_department == "330100WJW"
    assert "zhongtai department add 330100WJW" in missing.advice()
    assert by_file["broken.yaml"].code == "contract.invalid"
    assert register_contracts(catalog_session, tmp_path) == skipped  # and again, idempotent
