"""Large, valid GBK extracts of the household and enterprise contracts, fast enough for a benchmark.

``lakehouse.samples`` writes realistic extracts with Faker, about a millisecond a row: right for
the demo and the tests, far too slow for the million-row files a benchmark wants. These build
every key from the row number instead (unique by construction, valid check characters), draw the
other values from small pools, and stream the file in chunks. Every row is valid for its contract
once standardised, in the messy shapes real extracts have (``1990年5月3日``, ``1990/5/3``,
``19900503``; ``男``/``1``; ``+86 138…``; ``￥1,234.50``), and the newest registration or
establishment date is recent enough for the contract's freshness check on ``today``.
The social-insurance extract is ``bench.bench_ingest_e2e.generate``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

from schemas import generators, load_contract

__all__ = ["write_enterprise", "write_household"]

HOUSEHOLD = "gaj_household_registration"
ENTERPRISE = "scjgj_enterprise_registration"
_BIRTHS = 20_000  # birth days from 1950-01-01 (to 2004-10)
_FIRST_BIRTH = dt.date(1950, 1, 1)
_SEQUENCES = 500  # a citizen ID's sequence number is 3 digits, its parity the sex
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
_CHUNK = 10_000


def _stable_regions() -> tuple[str, ...]:
    """Hangzhou county codes that existed from 1950 and still do: fit for any birth year here
    and for a current address."""
    return tuple(
        sorted(
            code
            for code, start, end in generators.division_codes()
            if code.startswith("3301") and (start is None or start <= 1950) and end is None
        )
    )


def _written_date(value: dt.date, i: int) -> str:
    form = i % 4
    if form == 0:
        return f"{value.year}年{value.month}月{value.day}日"
    if form == 1:
        return f"{value.year}/{value.month}/{value.day}"
    if form == 2:
        return f"{value:%Y%m%d}"
    return value.isoformat()


def _name(i: int) -> str:
    given = _GIVEN[i % len(_GIVEN)] + ("" if i % 3 else _GIVEN[(i // 7) % len(_GIVEN)])
    return _SURNAMES[(i // 11) % len(_SURNAMES)] + given


def _mobile(i: int) -> str:
    number = f"1{3 + i % 6}{(i * 7919) % 1_000_000_000:09d}"
    return f"+86 {number}" if i % 5 == 0 else number


def _write(path: Path, code: str, rows: int, line: Callable[[int], str]) -> None:
    header = ",".join(f.source_column for f in load_contract(code).fields)
    with path.open("w", encoding="gbk", newline="") as out:
        out.write(header + "\r\n")
        for start in range(0, rows, _CHUNK):
            out.write("".join(line(i) for i in range(start, min(rows, start + _CHUNK))))


def _citizen_ids(regions: tuple[str, ...]) -> Iterator[tuple[str, dt.date, bool]]:
    """Distinct valid citizen IDs, each with its birth date and sex (female or not)."""
    for rest in range(len(regions) * _SEQUENCES):
        region, sequence = regions[rest % len(regions)], rest // len(regions)
        for day in range(_BIRTHS):
            birth = _FIRST_BIRTH + dt.timedelta(days=day)
            female = (day + rest) % 2 == 0
            first17 = f"{region}{birth:%Y%m%d}{sequence * 2 + (0 if female else 1):03d}"
            yield first17 + generators.ric_check_char(first17), birth, female


def write_household(path: Path, rows: int, today: dt.date) -> None:
    """A 户籍人口基本信息 extract of ``rows`` distinct people; one in ten registered in the last
    thirty days before ``today``."""
    regions = _stable_regions()
    if rows > len(regions) * _SEQUENCES * _BIRTHS:
        raise ValueError("more rows than distinct citizen IDs")
    people = _citizen_ids(regions)

    def line(i: int) -> str:
        cid, birth, female = next(people)
        sex = ("2", "女", "女性")[i % 3] if female else ("1", "男", "男性")[i % 3]
        registered = today - dt.timedelta(days=1 + i % 30 if i % 10 == 0 else 400 + i % 9000)
        return (
            f"{cid},{_name(i)},{sex},{'01' if i % 2 else '汉族'},{_written_date(birth, i)},"
            f"浙江省杭州市某某路{i % 999 + 1}号,{regions[i % len(regions)]},"
            f"{_mobile(i) if i % 10 else ''},{_written_date(registered, i + 1)}\r\n"
        )

    _write(path, HOUSEHOLD, rows, line)


def _uscc(region: str, number: int) -> str:
    """The ``number``-th distinct company code of ``region`` (an organisation code from it)."""
    alphabet = generators.USCC_ALPHABET
    body = ""
    for _ in range(8):
        number, digit = divmod(number, len(alphabet))
        body = alphabet[digit] + body
    first17 = "91" + region + body + generators.org_check_char(body)
    return first17 + generators.uscc_check_char(first17)


def write_enterprise(path: Path, rows: int, today: dt.date) -> None:
    """A 企业登记信息 extract of ``rows`` distinct enterprises; one in fifty established in the
    last five days before ``today``."""
    regions = _stable_regions()
    people = _citizen_ids(regions)

    def line(i: int) -> str:
        region = regions[i % len(regions)]
        cents = 100_000 + (i * 7919) % 99_900_000
        capital = (f"{cents // 100:,}.{cents % 100:02d}", f"￥{cents / 100:.2f}")[i % 2]
        established = today - dt.timedelta(days=i % 5 if i % 50 == 0 else 30 + i % 11_000)
        return (
            f"{_uscc(region, i)},某某{_name(i)}科技有限公司{i},{_name(i + 5)},{next(people)[0]},"
            f'"{capital}",{_written_date(established, i)},{region},31{i % 10_000:04d},'
            f"0571-{8_000_0000 + i % 1_000_0000},{'' if i % 5 == 0 else f'u{i}@example.cn'}\r\n"
        )

    _write(path, ENTERPRISE, rows, line)
