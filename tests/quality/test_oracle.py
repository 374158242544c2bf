"""The SQL citizen-ID, USCC and organisation-code checks agree with their oracles.

Oracles: python-stdnum (``stdnum.cn.ric``, ``stdnum.cn.uscc``) and, for GB 11714 organisation
codes (which stdnum does not cover), a Python reference written from the standard below. Each
Hypothesis example draws a seed; from it Python generates thousands of valid values and as many
corrupted ones, and ONE DuckDB query checks them all, so >= 10,000 valid and >= 10,000 corrupted
values per oracle cost a handful of queries.

Documented differences, each pinned by its own test below and folded into the oracles:

* stdnum normalises (strips spaces and dashes, uppercases) before checking; our rule runs after
  the standardize step and fails anything not already in canonical form.
* stdnum rejects a citizen ID whose region code did not exist in the birth year; ours accepts any
  listed code, because the region is the registration address when the number was issued.
* stdnum accepts birth dates in the future or before 1900; ours does not.
* stdnum rejects a 15-digit legacy ID for its length; ours flags it ``citizen_id.legacy_15`` (and
  checks its region and birth date), which also makes it invalid: the two agree on validity.
* stdnum requires the first 8 USCC characters to be digits; GB 32100 allows a letter as the
  registration authority and the organisation type (e.g. ``N`` for farmers' cooperatives).
* stdnum checks only the USCC's charset and final check character; ours also requires a valid
  authority/type pair (GB 32100 table 1), a GB 11714-valid embedded organisation code and a GB/T
  2260 (or national ``100000``) registration region.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
from collections.abc import Callable

import duckdb
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidComponent, ValidationError

from quality.rules import citizen_id_checks, org_code_checks, uscc_checks
from schemas import generators as gen
from schemas.loader import CODES_DIR

EXAMPLES = hypothesis_settings(
    max_examples=2,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # a seed does not shrink: report it as drawn
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PER_EXAMPLE = 5_500  # valid values per example, and as many corrupted ones
TODAY = dt.date.today()
DIGITS = "0123456789"


def sql_valid(
    con: duckdb.DuckDBPyConnection, checks: dict[str, str], values: list[str]
) -> list[bool]:
    """One query: for each value, whether no check fails."""
    failing = " OR ".join(f"COALESCE(({p}), FALSE)" for p in checks.values())
    rows = con.execute(
        f"SELECT i, NOT ({failing}) FROM (SELECT unnest($1) AS v, generate_subscripts($1, 1) AS i)"
        " ORDER BY i",
        [values],
    ).fetchall()
    return [bool(ok) for _, ok in rows]


def ric_oracle(value: str) -> bool:
    """stdnum's verdict, adjusted only for the documented differences.

    stdnum checks length, digits and the check character first; only then the birth date and the
    region in the birth year. A region failure is replaced by "listed in any year" (our list is
    stdnum's own ``loc.dat``); python-stdnum 2.2 raises ``KeyError`` instead of
    ``InvalidComponent`` for a code whose province exists but whose county does not."""
    if value != ric.compact(value):
        return False
    try:
        ric.validate(value)
    except (InvalidComponent, KeyError):
        pass  # the birth date or the region: both judged below
    except ValidationError:
        return False
    try:
        birth = ric.get_birth_date(value)
    except InvalidComponent:
        return False
    return value[:6] in DIVISIONS and dt.date(1900, 1, 1) <= birth <= TODAY


def _division_codes() -> frozenset[str]:
    with (CODES_DIR / "gb2260.csv").open(encoding="utf-8", newline="") as handle:
        return frozenset(row["code"] for row in csv.DictReader(handle))


DIVISIONS = _division_codes()
USCC_TYPES = frozenset(gen.uscc_types())


def org_reference(code: str) -> bool:
    """GB 11714-1997 written out: C9 = 11 - MOD(sum(Ci * Wi), 11); 10 is X, 11 is 0."""
    if not re.fullmatch("[0-9A-Z]{8}[0-9X]", code):
        return False
    total = sum(int(c, 36) * w for c, w in zip(code, (3, 7, 9, 10, 5, 8, 4, 2), strict=False))
    c9 = 11 - total % 11
    return code[8] == {10: "X", 11: "0"}.get(c9, str(c9))


def uscc_oracle(value: str) -> bool:
    if value != uscc.compact(value):
        return False
    if value[:2].isdigit():
        if not uscc.is_valid(value):
            return False
    # GB 32100 letters in the first two places; every other check as stdnum does it
    elif not (
        len(value) == 18
        and all(c in gen.USCC_ALPHABET for c in value)
        and value[2:8].isdigit()
        and uscc.calc_check_digit(value[:-1]) == value[-1]
    ):
        return False
    return (
        value[:2] in USCC_TYPES
        and org_reference(value[8:17])
        and (value[2:8] == "100000" or value[2:8] in DIVISIONS)
    )


# --- corruptions: each takes a valid value and a seeded rng -------------------------------------


def _at(value: str, rng: random.Random, alphabet: str, end: int) -> str:
    at = rng.randrange(end)
    return value[:at] + rng.choice(alphabet) + value[at + 1 :]


def _swap(value: str, rng: random.Random) -> str:
    at = rng.randrange(len(value) - 1)
    return value[:at] + value[at + 1] + value[at] + value[at + 2 :]


def _ric(first17: str) -> str:
    return first17 + gen.ric_check_char(first17)


RIC_CORRUPTIONS: dict[str, Callable[[str, random.Random], str]] = {
    "check": lambda v, r: gen.corrupt_check_char(v, "0123456789X"),
    "digit": lambda v, r: _at(v, r, DIGITS, 17),  # region, date and sequence all get hit
    "swap": _swap,
    "lower": lambda v, r: v.lower(),
    "cut": lambda v, r: v[: r.randrange(18)],
    "noise": lambda v, r: "".join(r.choice("0123456789Xx -") for _ in range(r.randint(14, 19))),
    "region": lambda v, r: _ric(f"{r.randrange(10**6):06d}" + v[6:17]),
    "date": lambda v, r: _ric(v[:6] + f"{r.randrange(18_000_000, 21_000_000):08d}" + v[14:17]),
    "legacy": lambda v, r: gen.legacy_citizen_id(r),
    "legacy_noise": lambda v, r: _at(gen.legacy_citizen_id(r), r, DIGITS, 15),
    "excel": lambda v, r: gen.excel_mangled(v) if v.isdigit() else v.lower(),
    "full_width": lambda v, r: gen.full_width(v),
}


def _uscc(first17: str) -> str:
    return first17 + gen.uscc_check_char(first17)


USCC_CORRUPTIONS: dict[str, Callable[[str, random.Random], str]] = {
    "check": lambda v, r: gen.corrupt_check_char(v, gen.USCC_ALPHABET),
    "char": lambda v, r: _at(v, r, gen.USCC_ALPHABET + "IOSVZ", 18),
    "pair": lambda v, r: _uscc(r.choice(gen.USCC_ALPHABET) + r.choice(gen.USCC_ALPHABET) + v[2:17]),
    "org": lambda v, r: _uscc(_at(v[:17], r, gen.USCC_ALPHABET, 17)),
    "region": lambda v, r: _uscc(v[:2] + f"{r.randrange(10**6):06d}" + v[8:17]),
    "lower": lambda v, r: v.lower(),
    "cut": lambda v, r: v[: r.randrange(18)],
    "noise": lambda v, r: "".join(r.choice(gen.USCC_ALPHABET + "IO -") for _ in range(18)),
}


def valid_ids(rng: random.Random, n: int) -> list[str]:
    span = (TODAY - dt.date(1900, 1, 1)).days
    return [
        gen.citizen_id(rng, birth=dt.date(1900, 1, 1) + dt.timedelta(days=rng.randrange(span)))
        for _ in range(n)
    ]


def valid_usccs(rng: random.Random, n: int) -> list[str]:
    return [
        gen.uscc(rng, kind="any", region="100000" if rng.random() < 0.02 else None)
        for _ in range(n)
    ]


def _corrupt(
    values: list[str],
    rng: random.Random,
    corruptions: dict[str, Callable[[str, random.Random], str]],
) -> list[str]:
    kinds = list(corruptions.values())
    return [rng.choice(kinds)(v, rng) for v in values]


def _agree(
    con: duckdb.DuckDBPyConnection,
    checks: dict[str, str],
    oracle: Callable[[str], bool],
    values: list[str],
) -> None:
    got = sql_valid(con, checks, values)
    disagreements = [(v, g) for v, g in zip(values, got, strict=True) if g != oracle(v)]
    assert disagreements == [], f"{len(disagreements)} disagreements, e.g. {disagreements[:5]}"


def test_citizen_id_sql_agrees_with_stdnum(module_con: duckdb.DuckDBPyConnection) -> None:
    checks = citizen_id_checks("v")
    counts = {"valid": 0, "corrupted": 0, "oracle_valid": 0}

    @EXAMPLES
    @given(st.integers(0, 2**64))
    def agree(seed: int) -> None:
        rng = random.Random(seed)
        good = valid_ids(rng, PER_EXAMPLE)
        bad = _corrupt(good, rng, RIC_CORRUPTIONS)
        assert all(ric_oracle(v) for v in good)  # the generator is valid by construction
        counts["valid"] += len(good)
        counts["corrupted"] += len(bad)
        counts["oracle_valid"] += sum(map(ric_oracle, bad))
        _agree(module_con, checks, ric_oracle, good + bad)

    agree()
    assert counts["valid"] >= 10_000 and counts["corrupted"] >= 10_000
    assert counts["oracle_valid"] < counts["corrupted"] // 4  # most corruptions really corrupt


def test_uscc_sql_agrees_with_stdnum(module_con: duckdb.DuckDBPyConnection) -> None:
    checks = uscc_checks("v")
    counts = {"valid": 0, "corrupted": 0, "oracle_valid": 0}

    @EXAMPLES
    @given(st.integers(0, 2**64))
    def agree(seed: int) -> None:
        rng = random.Random(seed)
        good = valid_usccs(rng, PER_EXAMPLE)
        bad = _corrupt(good, rng, USCC_CORRUPTIONS)
        assert all(uscc_oracle(v) for v in good)
        counts["valid"] += len(good)
        counts["corrupted"] += len(bad)
        counts["oracle_valid"] += sum(map(uscc_oracle, bad))
        _agree(module_con, checks, uscc_oracle, good + bad)

    agree()
    assert counts["valid"] >= 10_000 and counts["corrupted"] >= 10_000
    assert counts["oracle_valid"] < counts["corrupted"] // 4


def test_org_code_sql_agrees_with_reference(module_con: duckdb.DuckDBPyConnection) -> None:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    counts = {"valid": 0, "corrupted": 0}

    @EXAMPLES
    @given(st.integers(0, 2**64))
    def agree(seed: int) -> None:
        rng = random.Random(seed)
        good = [gen.organisation_code(rng, alphabet=alphabet) for _ in range(PER_EXAMPLE)]
        corruptions: list[Callable[[str], str]] = [
            lambda v: _at(v, rng, alphabet + "abc-", 9),
            lambda v: gen.corrupt_check_char(v, "0123456789X"),
            lambda v: _swap(v, rng),
            lambda v: v[:8] + "-" + v[8],
            lambda v: v[: rng.randrange(9)],
        ]
        bad = [rng.choice(corruptions)(v) for v in good]
        assert all(map(org_reference, good))
        counts["valid"] += len(good)
        counts["corrupted"] += len(bad)
        _agree(module_con, org_code_checks("v"), org_reference, good + bad)

    agree()
    assert counts["valid"] >= 10_000 and counts["corrupted"] >= 10_000


# --- the documented differences, one by one ---


def test_region_created_after_birth_stdnum_rejects_we_accept(
    module_con: duckdb.DuckDBPyConnection,
) -> None:
    first17 = "110112" + "19800101" + "001"  # 通州区 110112 exists from 1997 only
    value = first17 + gen.ric_check_char(first17)
    assert not ric.is_valid(value)
    assert sql_valid(module_con, citizen_id_checks("v"), [value]) == [True]


def test_future_or_pre_1900_birth_stdnum_accepts_we_reject(
    module_con: duckdb.DuckDBPyConnection,
) -> None:
    values = [f"110101{day}001" for day in ("20990101", "18991231")]
    values = [v + gen.ric_check_char(v) for v in values]
    assert [ric.is_valid(v) for v in values] == [True, True]
    assert sql_valid(module_con, citizen_id_checks("v"), values) == [False, False]


def test_unnormalised_values_stdnum_accepts_we_reject(
    module_con: duckdb.DuckDBPyConnection,
) -> None:
    ids = [v for v in (gen.citizen_id(random.Random(s)) for s in range(200)) if v.endswith("X")]
    raw = [ids[0].lower(), " " + ids[0], gen.uscc(random.Random(1)).lower()]
    assert ric.is_valid(raw[0]) and ric.is_valid(raw[1]) and uscc.is_valid(raw[2])
    assert sql_valid(module_con, citizen_id_checks("v"), raw[:2]) == [False, False]
    assert sql_valid(module_con, uscc_checks("v"), raw[2:]) == [False]


def test_uscc_letter_authority_stdnum_rejects_we_accept(
    module_con: duckdb.DuckDBPyConnection,
) -> None:
    first17 = "N2" + gen.uscc(random.Random(3))[2:17]
    value = first17 + gen.uscc_check_char(first17)
    assert not uscc.is_valid(value)
    assert sql_valid(module_con, uscc_checks("v"), [value]) == [True]


def test_legacy_15_digit_stdnum_rejects_by_length_we_flag_it(
    module_con: duckdb.DuckDBPyConnection,
) -> None:
    legacy = gen.legacy_citizen_id(random.Random(5), region="110101", birth=dt.date(1965, 3, 7))
    assert legacy == legacy[:6] + "650307" + legacy[12:] and len(legacy) == 15
    assert not ric.is_valid(legacy)
    checks = citizen_id_checks("v")
    failing = [k for k, p in checks.items() if not sql_valid(module_con, {k: p}, [legacy])[0]]
    assert failing == ["legacy_15"]


def test_uscc_checks_stdnum_does_not_make(module_con: duckdb.DuckDBPyConnection) -> None:
    good = gen.uscc(random.Random(8), kind="91", region="330106")
    wrong_pair = _uscc("99" + good[2:17])  # authority 9 has types 1-3 only
    body = good[8:16]
    bad_org = _uscc(good[:8] + body + next(c for c in "0123456789X" if not org_reference(body + c)))
    unknown_region = _uscc(good[:2] + "999999" + good[8:17])
    values = [wrong_pair, bad_org, unknown_region]
    assert [uscc.is_valid(v) for v in values] == [True, True, True]
    checks = uscc_checks("v")
    for value, code in zip(values, ("authority", "org_code", "region"), strict=True):
        failing = [
            k for k, p in checks.items() if sql_valid(module_con, {k: p}, [value]) == [False]
        ]
        assert failing == [code], value
