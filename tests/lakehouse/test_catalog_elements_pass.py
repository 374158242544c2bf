"""The ingestion path with the catalog's definitions, on both catalogs: a GBK extract whose
district column is checked against a code list an admin uploaded (full-width codes in the file
and in the list alike) is standardised and judged by the one-pass checks, and exactly the row
with a code outside the list fails ``district.known``. This is what ``lakehouse.pipeline`` does
once it passes ``catalog_elements``/``catalog_code_lists`` to ``standardize`` and
``validate_pass``."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from catalog import elements
from catalog.element_seed import seeded_elements
from catalog.models import Role
from catalog.settings import Settings
from lakehouse.connection import connect
from lakehouse.standardize import standardize
from quality.rules import quote_ident
from quality.validate_pass import validate_pass
from schemas.loader import parse_contract
from tests.catalog import factories


def test_an_uploaded_code_list_judges_an_ingested_extract(
    catalog_session: Session, settings: Settings, tmp_path: Path
) -> None:
    admin = factories.actor(
        catalog_session, factories.department(catalog_session), Role.ADMIN
    ).principal
    districts = "code,label\n３３０１０２,上城区\n330106,西湖区\n".encode("gbk")
    elements.add_code_list(catalog_session, "hz_districts", districts, admin)
    elements.add_element(
        catalog_session,
        {
            "code": "district", "name_zh": "辖区代码", "name_en": "District code",
            "standard": "DB33/T 0001-2026", "version": "2026", "check": "code_list",
            "params": {"code_list": "hz_districts"},
        },
        admin,
    )  # fmt: skip
    catalog_session.commit()
    known = seeded_elements(catalog_session)
    lists = elements.catalog_code_lists(catalog_session)
    path = tmp_path / "hz_residents.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "code": "hz_residents", "title_zh": "辖区居民", "title_en": "Residents",
                "owner_department": "330100GAJ", "share_type": "unconditional",
                "update_cycle": "monthly",
                "source": {"format": "csv", "encoding": "gbk"},
                "fields": [
                    {"name": "person", "title_zh": "编号", "required": True},
                    {"name": "district", "title_zh": "辖区", "element": "district"},
                    {"name": "sex", "title_zh": "性别", "element": "sex"},
                ],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )  # fmt: skip
    contract = parse_contract(path, known)
    extract = tmp_path / "居民.csv"
    extract.write_bytes(
        "编号,辖区,性别\np1,330102,男\np2,330199,1\np3,３３０１０６,2\n".encode("gbk")
    )

    staged = standardize(settings, contract, 1, extract, elements=known, code_lists=lists)
    with connect(settings, lake=False) as con:
        literal = str(staged.staging_path).replace("'", "''")
        con.execute(
            f"CREATE VIEW {quote_ident('staged')} AS SELECT * FROM read_parquet('{literal}')"
        )
        outcome = validate_pass(
            con, "staged", contract, batch_id=1, elements=known, code_lists=lists
        )
        failing = con.execute(
            f"SELECT s.person, v.failed_rules FROM {outcome.verdict_relation} v "
            "JOIN staged s USING (_row)"
        ).fetchall()
    assert outcome.rows_in == 3 and outcome.rule_counts["district.known"] == 1
    assert failing == [("p2", ["district.known"])]
