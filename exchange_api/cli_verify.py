"""``zhongtai exchange verify`` (核验) and ``zhongtai exchange aggregate`` for scripts.

Each command acts as the account whose token is in ``ZHONGTAI_TOKEN`` (or is asked for, unechoed),
goes through the same library functions as the API — the one access decision, one SQL statement,
quota, audit — and prints the answer: a table, or with ``--json`` exactly the JSON the API sends.
It exits 0 when the verification (or aggregate) ran, whatever it found; a refusal or bad input
prints its stable code and exits 2 (``exchange_api.cli.main``).

Records come from ``--record 'citizen_id=…,person_name=…'`` (repeat) or from a CSV file with a
header row naming the fields (``--file records.csv``, ``--encoding utf-8`` or ``gbk``).
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from catalog.settings import get_settings
from exchange_api.cli_exchange_group import exchange_app
from exchange_api.cli_filters import FILTER_HELP, conditions_of

__all__ = ["aggregate_command", "parse_records", "verify_command"]

console = Console()
_RESULT_ZH = {"match": "一致 match", "not_found": "未找到 not found", "differs": "不一致 differs"}


def parse_records(pairs: list[str], file: Path | None, encoding: str) -> list[dict[str, str]]:
    """Records from ``k=v,k=v`` strings or a CSV file with a header row (never both)."""
    from catalog.errors import InvalidInput

    if bool(pairs) == (file is not None):
        raise InvalidInput("give --record (repeat) or --file, not both", code="verify.input")
    if file is not None:
        if encoding.lower() not in {"utf-8", "utf8", "gbk", "gb18030"}:
            raise InvalidInput("--encoding must be utf-8 or gbk", code="verify.input")
        try:
            text = file.read_bytes().decode("utf-8-sig" if "utf" in encoding.lower() else encoding)
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"cannot read {file}: {exc}", code="verify.input") from None
        reader = csv.DictReader(io.StringIO(text))
        return [{k.strip(): (v or "") for k, v in row.items() if k} for row in reader]
    records = []
    for pair in pairs:
        record: dict[str, str] = {}
        for item in next(csv.reader([pair])):
            name, sep, value = item.partition("=")
            if not sep or not name.strip():
                raise InvalidInput(
                    "a --record is field=value pairs separated by commas", code="verify.input"
                )
            record[name.strip()] = value
        records.append(record)
    return records


@contextmanager
def _acting() -> Iterator[tuple[Any, Any, Any]]:
    """A catalog session, the acting principal and a lazily opened lake; commits an audited
    refusal before its error propagates."""
    from catalog.db import make_engine, make_sessionmaker
    from catalog.guard import keeping_refusals
    from exchange_api.cli_accounts import acting_principal
    from exchange_api.deps import LazyLake

    settings = get_settings()
    factory = make_sessionmaker(make_engine(settings.resolved_catalog_url))
    lake = LazyLake.of_settings(settings)
    try:
        with factory() as session, keeping_refusals(session):
            yield session, acting_principal(session), lake
    finally:
        lake.close()


@exchange_app.command("verify")
def verify_command(
    dataset: str,
    match_on: list[str] = typer.Option(..., "--match-on", help="A field that finds the record."),
    compare: list[str] = typer.Option(..., "--compare", help="A field to compare (repeat)."),
    record: list[str] = typer.Option([], "--record", help="field=value,field=value (repeat)."),
    file: Path | None = typer.Option(None, "--file", help="CSV with a header row of fields."),
    encoding: str = typer.Option("utf-8", "--encoding", help="The CSV's encoding: utf-8 or gbk."),
    grant: int | None = typer.Option(None, "--grant", help="The grant to go through."),
    as_json: bool = typer.Option(False, "--json", help="Print the API's JSON answer."),
) -> None:
    """核验: does each record match the shared data? Only match / not found / which fields
    differ is ever shown, never a stored value."""
    from catalog.datasets import get_dataset
    from lakehouse.verify_exchange import verify_shared

    records = parse_records(record, file, encoding)
    with _acting() as (session, principal, lake):
        answer = verify_shared(
            session,
            lake,
            principal,
            get_dataset(session, dataset),
            match_on,
            compare,
            records,
            grant_id=grant,
        )
        session.commit()
    if as_json:
        sys.stdout.write(answer.body.decode("utf-8") + "\n")
        return
    table = Table("#", *match_on, "result", "differs")
    for result in answer.document["results"]:
        keys = [records[result["index"]].get(m, "") for m in match_on]
        table.add_row(
            str(result["index"] + 1),
            *keys,
            _RESULT_ZH[result["result"]],
            ", ".join(result["differs"]),
        )
    console.print(table)
    counts = answer.document["counts"]
    console.print(
        f"一致 match {counts['match']} · 未找到 not found {counts['not_found']} · "
        f"不一致 differs {counts['differs']} (audit event {answer.event.id})"
    )


@exchange_app.command("aggregate")
def aggregate_command(
    dataset: str,
    group_by: list[str] = typer.Option([], "--group-by", help="A field to group by (repeat)."),
    sum_of: list[str] = typer.Option([], "--sum", help="A numeric field to sum (repeat)."),
    filters: list[str] = typer.Option([], "--filter", help=FILTER_HELP),
    grant: int | None = typer.Option(None, "--grant", help="The grant to go through."),
) -> None:
    """Counts (and sums) by group; groups under the minimum size are suppressed. Prints JSON."""
    from catalog.aggregate_plan import AggregateRequest, Measure, MeasureFn
    from catalog.datasets import get_dataset
    from catalog.keys import mask_master_key
    from lakehouse.verify_exchange import aggregate_shared

    conditions = conditions_of(filters)
    measures = (Measure(MeasureFn.COUNT),) + tuple(Measure(MeasureFn.SUM, f) for f in sum_of)
    request = AggregateRequest(tuple(group_by), measures, conditions)
    settings = get_settings()
    with _acting() as (session, principal, lake):
        answer = aggregate_shared(
            session,
            lake,
            principal,
            get_dataset(session, dataset),
            request,
            min_group_size=settings.min_group_size,
            grant_id=grant,
            mask_master=lambda: mask_master_key(settings),
        )
        session.commit()
    sys.stdout.write(answer.body.decode("utf-8") + "\n")
