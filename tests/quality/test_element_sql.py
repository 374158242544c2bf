"""The integer citizen-ID SQL of :mod:`quality.elements` equals the string SQL it replaced.

The reference below is the previous compilation, kept verbatim: the check digit as one ``substr``
and ``ascii`` per character, birth dates through ``TRY_STRPTIME``. Every predicate of the
citizen-ID check must give the same answer, value by value, on generated valid values and on the
corner cases the oracle tests reach only by chance: 15-digit legacy numbers, 29 February in leap
and non-leap years (1900, 2000, 2100), the 1900-01-01 and today/tomorrow boundaries, years 0000
and 9999, month and day 00, the 31st of 30-day months, unknown regions, wrong check characters,
lowercase, stray characters, truncations, Excel-mangled and full-width values.
"""

from __future__ import annotations

import datetime as dt
import random

import duckdb

from quality.code_lists import GB2260_TABLE, in_code_list
from quality.elements import (
    RIC_WEIGHTS,
    citizen_id_checks,
)
from schemas import generators as gen

TODAY = dt.date.today()
DIGITS = "0123456789"

# --- the previous compilation (reference) -------------------------------------------------------


def _weighted(value: str, weights: tuple[int, ...], char_value: str, start: int = 1) -> str:
    return " + ".join(
        f"{char_value.format(c=f'substr({value}, {i}, 1)')} * {w}"
        for i, w in enumerate(weights, start)
    )


def _yyyymmdd(text: str) -> str:
    return f"CAST(TRY_STRPTIME({text}, '%Y%m%d') AS DATE)"


def reference_citizen_id(value: str) -> dict[str, str]:
    full = f"regexp_full_match({value}, '[0-9]{{17}}[0-9X]')"
    legacy = f"regexp_full_match({value}, '[0-9]{{15}}')"
    total = _weighted(value, RIC_WEIGHTS, "(ascii({c}) - 48)")
    expected = f"substr('0123456789X', (12 - ({total}) % 11) % 11 + 1, 1)"
    birth = _yyyymmdd(f"substr({value}, 7, 8)")
    legacy_birth = _yyyymmdd(f"'19' || substr({value}, 7, 6)")
    region = in_code_list(f"substr({value}, 1, 6)", GB2260_TABLE, negate=True)
    return {
        "format": f"NOT {full} AND NOT {legacy}",
        "legacy_15": legacy,
        "check_digit": f"{full} AND substr({value}, 18, 1) <> {expected}",
        "birth_date": (
            f"({full} AND ({birth} IS NULL OR {birth} > current_date"
            f" OR {birth} < DATE '1900-01-01')) OR ({legacy} AND {legacy_birth} IS NULL)"
        ),
        "region": f"({full} OR {legacy}) AND {region}",
    }


# --- values ---------------------------------------------------------------------------------------


def _ric(first17: str) -> str:
    return first17 + gen.ric_check_char(first17)


def _at(value: str, rng: random.Random, alphabet: str) -> str:
    at = rng.randrange(len(value))
    return value[:at] + rng.choice(alphabet) + value[at + 1 :]


def _dates() -> list[str]:
    """``yyyymmdd`` strings around every boundary the birth-date check has."""
    days = [
        "19000101", "18991231", "19000229", "19000228", "19000230", "20000229", "19960229",
        "19970229", "21000229", "20240229", "20230229", "19001301", "19000001", "19000100",
        "19000132", "19000431", "19000430", "19001131", "19001231", "00000101", "00010101",
        "99991231", "99999999", "20991231",
        f"{TODAY:%Y%m%d}",
        f"{TODAY + dt.timedelta(days=1):%Y%m%d}",
        f"{TODAY - dt.timedelta(days=1):%Y%m%d}",
    ]  # fmt: skip
    rng = random.Random(11)
    days += [f"{rng.randrange(19000000, 21000000):08d}" for _ in range(400)]
    days += [f"{y:04d}{m:02d}{d:02d}" for y in (1900, 2000, 2023, 2024) for m in range(14)
             for d in (0, 1, 28, 29, 30, 31, 32)]  # fmt: skip
    return days


def citizen_ids() -> list[str]:
    rng = random.Random(20240229)
    values: list[str] = []
    for day in _dates():
        region = rng.choice(["110101", "330106", "999999", "440300"])
        first17 = region + day + f"{rng.randrange(1000):03d}"
        values += [_ric(first17), gen.corrupt_check_char(_ric(first17), DIGITS + "X")]
        values.append(region + day[2:] + f"{rng.randrange(1000):03d}")  # legacy, 19yymmdd
    span = (TODAY - dt.date(1900, 1, 1)).days
    for _ in range(2_000):
        good = gen.citizen_id(
            rng, birth=dt.date(1900, 1, 1) + dt.timedelta(days=rng.randrange(span))
        )
        values += [
            good,
            _at(good, rng, DIGITS + "Xx -"),
            good.lower(),
            good[: rng.randrange(19)],
            gen.legacy_citizen_id(rng),
            _at(gen.legacy_citizen_id(rng), rng, DIGITS + "X"),
            gen.excel_mangled(good) if good.isdigit() else good + "0",
            gen.full_width(good),
        ]
    return values


def _verdicts(
    con: duckdb.DuckDBPyConnection, checks: dict[str, str], values: list[str]
) -> list[tuple[bool, ...]]:
    columns = ", ".join(f"COALESCE(({p}), FALSE)" for p in checks.values())
    rows = con.execute(
        f"SELECT i, {columns} FROM (SELECT unnest($1) AS v, generate_subscripts($1, 1) AS i)"
        " ORDER BY i",
        [values],
    ).fetchall()
    return [tuple(row[1:]) for row in rows]


def test_fast_citizen_id_sql_equals_the_sql_it_replaced(
    module_con: duckdb.DuckDBPyConnection,
) -> None:
    new, old = citizen_id_checks("v"), reference_citizen_id("v")
    assert list(new) == list(old)
    drawn = citizen_ids()
    got, want = _verdicts(module_con, new, drawn), _verdicts(module_con, old, drawn)
    differences = [(v, g, w) for v, g, w in zip(drawn, got, want, strict=True) if g != w]
    assert differences == [], f"{len(differences)} differ ({list(new)}), e.g. {differences[:5]}"
    assert len(drawn) >= 10_000
    for k, suffix in enumerate(new):  # every rule both passes and fails somewhere
        assert {w[k] for w in want} == {True, False}, suffix
