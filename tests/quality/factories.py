"""Standardized social-insurance rows, valid by construction, and the defects tests plant in them.

A row is a dict keyed by contract field plus ``_row`` and ``_cast_errors``, the shape the
standardize step writes. ``load`` puts rows into a regular DuckDB table typed from the contract.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import duckdb
from faker import Faker

from quality.rules import quote_ident
from schemas import DatasetContract
from schemas import generators as gen

Row = dict[str, Any]


def good_row(rng: random.Random, fake: Faker, number: int) -> Row:
    return {
        "citizen_id": gen.citizen_id(rng),
        "person_name": fake.name(),
        "employer_uscc": gen.uscc(rng, region=gen.current_division(rng, "3301")),
        "employer_name": fake.company(),
        "period": f"2024-{rng.randint(1, 12):02d}",
        "amount": Decimal(rng.randrange(10_000, 500_000)) / 100,
        "region": gen.current_division(rng, "3301"),
        "_row": number,
        "_cast_errors": [],
    }


def good_rows(count: int, seed: int = 7) -> list[Row]:
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    return [good_row(rng, fake, number) for number in range(1, count + 1)]


def load(
    con: duckdb.DuckDBPyConnection, name: str, contract: DatasetContract, rows: list[Row]
) -> str:
    """Create the regular table ``name`` holding ``rows``; returns ``name``."""
    columns = [(f.name, f.duckdb_type) for f in contract.fields]
    columns += [("_row", "BIGINT"), ("_cast_errors", "VARCHAR[]")]
    ddl = ", ".join(f"{quote_ident(c)} {t}" for c, t in columns)
    con.execute(f"CREATE OR REPLACE TABLE {quote_ident(name)} ({ddl})")
    if rows:
        marks = ", ".join("?" for _ in columns)
        con.executemany(
            f"INSERT INTO {quote_ident(name)} VALUES ({marks})",
            [[row[c] for c, _ in columns] for row in rows],
        )
    return name
