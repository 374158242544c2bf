"""``zhongtai scorecard show|export``: scorecards (考核) from a terminal.

Each acts as the account whose token is in ``ZHONGTAI_TOKEN`` (or is asked for, unechoed) and
calls the library the API and the portal call (``catalog.scorecards``,
``catalog.scorecard_export``) through the same decision, ``scorecard.view``: admins and auditors
see every department's, anyone else their own department's; a refusal is audited and exits 2 with
its code, as does bad input (``scorecard.bad_period`` …).

- ``show [--department CODE] [--period 2026-10] [--json]`` — the summary per department (the
  league, ranked) or one department's card with its responsibility items and its breaches;
  ``--json`` prints what the API answers.
- ``export --format csv|xlsx --out FILE [--period] [--department] [--part] [--lang]`` — the file
  the API's downloads give, recorded as ``scorecard.exported``.

``--period`` is ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY`` (default: this month, China Standard Time);
``--now`` (ISO timestamp with its offset) judges deadlines as of another moment.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from catalog.settings import get_settings
from exchange_api.cli_accounts import acting_session
from exchange_api.cli_exchange import moment_of

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from catalog.principals import Principal
    from catalog.scorecard_terms import Period, Scorecard
    from catalog.workdays import WorkCalendar

__all__ = ["scorecard_app"]

scorecard_app = typer.Typer(
    help="Scorecards (考核): responsibilities fulfilled, replies on time, objections, quality.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)

_PERIOD = typer.Option("", "--period", help="2026-10 (month), 2026-Q4 or 2026 (default: now).")
_DEPARTMENT = typer.Option("", "--department", help="One department's code.")
_NOW = typer.Option(None, "--now", help="Judge deadlines as of this ISO timestamp with offset.")


@contextmanager
def _acting() -> Iterator[tuple[Session, Principal, WorkCalendar]]:
    from catalog.workdays import DeadlineRules

    with acting_session() as (session, principal):
        yield session, principal, DeadlineRules.of(get_settings()).calendar


def _period(text: str, now: dt.datetime) -> Period:
    from catalog.scorecard_terms import Period

    return Period.parse(text) if text.strip() else Period.month_of(now)


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _summary(cards: list[Scorecard]) -> Table:
    table = Table(title=f"考核 {cards[0].period.label}" if cards else "考核")
    for heading in (
        "部门",
        "责任履行",
        "申请",
        "答复中位（工作日/小时）",
        "超期",
        "异议按时",
        "质量趋势",
    ):
        table.add_column(heading)
    for c in cards:
        f, r, o, q = c.fulfilment, c.replies, c.objections, c.quality
        table.add_row(
            f"{c.department_name} ({c.department_code})",
            f"{f.fulfilled}/{f.total} {_share(f.share)}",
            str(r.requests),
            f"{_num(r.median_working_days)} / {_num(r.median_hours)}",
            f"{r.breaches} (未答复 {r.pending_overdue})",
            f"{o.on_time}/{o.on_time + o.late} {_share(o.share_on_time)}",
            f"{q.direction} {_num(q.change)}",
        )
    return table


def _details(card: Scorecard) -> list[Table]:
    items = Table(title="责任清单履行")
    for heading in ("事项", "信息资源", "已编目", "按时更新", "质量", "已履行"):
        items.add_column(heading)
    for i in card.fulfilment.items:
        items.add_row(
            i.title_zh,
            i.dataset_code or "—",
            "是" if i.registered else "否",
            "是" if i.fresh else "否",
            f"{_num(i.latest_score)} ≥ {_num(i.min_quality_score)}",
            "是" if i.fulfilled else "否",
        )
    breaches = Table(title="超期答复")
    for heading in ("申请", "信息资源", "申请部门", "状态", "答复期限", "处理时间"):
        breaches.add_column(heading)
    from catalog.usage_tables import local_time

    for x in card.replies.lines:
        if x.breach:
            breaches.add_row(
                str(x.request_id),
                x.dataset_code,
                x.requester_code,
                x.status,
                local_time(x.reply_due_at),
                local_time(x.decided_at) or "未答复",
            )
    return [items, breaches]


@scorecard_app.command("show")
def show(
    department: str = _DEPARTMENT,
    period: str = _PERIOD,
    as_json: bool = typer.Option(False, "--json", help="Print JSON, as the API answers."),
    now: str | None = _NOW,
) -> None:
    """Every department's scorecard you may see (the league), or one department's."""
    from catalog.scorecards import department_scorecard, league
    from exchange_api.scorecard_payloads import scorecard_out

    moment = moment_of(now, code="scorecard.bad_now")
    chosen = _period(period, moment)
    with _acting() as (session, principal, calendar):
        if department:
            cards = [
                department_scorecard(
                    session, principal, department, chosen, now=moment, calendar=calendar
                )
            ]
        else:
            cards = league(session, principal, chosen, now=moment, calendar=calendar)
    if as_json:
        data: Any = [scorecard_out(c).model_dump(mode="json") for c in cards]
        typer.echo(json.dumps(data[0] if department else data, ensure_ascii=False, indent=2))
        return
    console.print(_summary(cards))
    if department:
        for table in _details(cards[0]):
            console.print(table)


@scorecard_app.command("export")
def export(
    file_format: str = typer.Option(..., "--format", help="csv (one part) or xlsx (every part)."),
    out: Path = typer.Option(..., "--out", help="The file to write."),
    department: str = _DEPARTMENT,
    period: str = _PERIOD,
    part: str = typer.Option("summary", "--part", help="CSV: summary, responsibilities, …"),
    lang: str = typer.Option("zh", "--lang", help="Headings: zh or en."),
    now: str | None = _NOW,
) -> None:
    """Write scorecards to a file (recorded in the audit log)."""
    from catalog.errors import InvalidInput
    from catalog.scorecard_export import export_scorecards

    if lang not in ("zh", "en"):
        raise InvalidInput("--lang is zh or en", code="scorecard.bad_lang")
    moment = moment_of(now, code="scorecard.bad_now")
    chosen = _period(period, moment)
    with _acting() as (session, principal, calendar):
        done = export_scorecards(
            session,
            principal,
            chosen,
            file_format=file_format,
            part=part,
            department=department or None,
            lang="zh" if lang == "zh" else "en",
            now=moment,
            calendar=calendar,
        )
        out.write_bytes(done.body)
        session.commit()
    err.print(
        f"wrote {out} ({done.row_count} lines, sha256 {done.sha256[:16]}…); "
        f"recorded as audit event {done.event_id}"
    )
