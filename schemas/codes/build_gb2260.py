"""Rebuild ``gb2260.csv`` from the division list that python-stdnum ships.

Run ``python -m schemas.codes.build_gb2260`` after upgrading python-stdnum, then update the row
counts and date in ``gb2260.yaml``. One row per (code, name, period): a code renamed or retired
keeps its history, because ID numbers issued under the old name remain valid.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import stdnum

_PROVINCE = re.compile(r'(\d{2}) province="([^"]*)"')
_COUNTY = re.compile(r'\s+(\d{4}) county="([^"]*)"')
_PERIOD = re.compile(r"\[(\d*)-(\d*)\](.*)")


def parse(text: str) -> list[tuple[str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str]] = []
    prefix = province = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if match := _PROVINCE.match(line):
            prefix, province = match.group(1), match.group(2)
        elif match := _COUNTY.match(line):
            for part in match.group(2).split(","):
                start = end = ""
                name = part
                if period := _PERIOD.match(part):
                    start, end, name = period.groups()
                rows.append((prefix + match.group(1), name, province, start, end))
    return sorted(rows)


def main() -> None:
    source = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    target = Path(__file__).with_name("gb2260.csv")
    rows = parse(source.read_text(encoding="utf-8"))
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["code", "name", "province", "valid_from", "valid_to"])
        writer.writerows(rows)


if __name__ == "__main__":
    main()
