"""Scorecards (考核) as files: CSV (UTF-8 with a byte-order mark, for Excel) and XLSX.

An XLSX file holds a sheet per part — 汇总 (one line per department), 责任清单履行 (one line per
responsibility item), 共享申请答复 (one per request), 异议答复 (one per objection) and 质量趋势
(one per quality report) — with Chinese headings (English with ``lang="en"``). A CSV file holds
one part (``part``, default the summary). Times are China Standard Time; shares are percentages.
Text is written as text, never as a formula (``catalog.usage_files``).

:func:`export_scorecards` is what the API, the portal's download links and ``zhongtai scorecard
export`` call: the access decision (one department's card, or every card the caller may see),
the file, and a ``scorecard.exported`` event with the SHA-256 of exactly the bytes handed over.
The caller commits, after which the file may be sent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.orm import Session

from catalog import audit
from catalog.errors import InvalidInput
from catalog.models import utcnow
from catalog.principals import Principal
from catalog.scorecard_events import ScorecardExported
from catalog.scorecard_terms import Period, Scorecard
from catalog.scorecards import department_scorecard, league
from catalog.usage_files import FileFormat, csv_bytes, xlsx_bytes
from catalog.usage_tables import Table, local_time
from catalog.workdays import WorkCalendar

__all__ = ["PARTS", "ExportedScorecards", "Part", "export_scorecards", "scorecard_tables"]

Part = Literal["summary", "responsibilities", "replies", "objections", "quality"]
PARTS: tuple[Part, ...] = ("summary", "responsibilities", "replies", "objections", "quality")
Lang = Literal["zh", "en"]

_TITLES: dict[Part, tuple[str, str]] = {
    "summary": ("汇总", "Summary"),
    "responsibilities": ("责任清单履行", "Responsibilities"),
    "replies": ("共享申请答复", "Replies"),
    "objections": ("异议答复", "Objections"),
    "quality": ("质量趋势", "Quality"),
}
_DEPT = (("部门代码", "Department code"), ("部门名称", "Department"), ("考核期", "Period"))
_HEADERS: dict[Part, tuple[tuple[str, str], ...]] = {
    "summary": (
        *_DEPT,
        ("责任事项数", "Responsibility items"),
        ("已履行", "Fulfilled"),
        ("履行率（%）", "Fulfilment (%)"),
        ("需答复申请数", "Requests to answer"),
        ("已答复", "Answered"),
        ("答复用时中位数（工作日）", "Median reply (working days)"),
        ("答复用时中位数（小时）", "Median reply (hours)"),
        ("超期", "Breaches"),
        ("其中超期未答复", "Of which pending past deadline"),
        ("异议数", "Objections"),
        ("按时答复", "Answered on time"),
        ("逾期", "Late"),
        ("按时率（%）", "On time (%)"),
        ("质量报告数", "Quality reports"),
        ("质量趋势", "Quality trend"),
        ("得分变化", "Score change"),
        ("截至", "As of"),
    ),
    "responsibilities": (
        *_DEPT,
        ("事项编号", "Item"),
        ("责任事项", "Responsibility"),
        ("信息资源编码", "Dataset"),
        ("更新周期", "Update cycle"),
        ("已编目", "Registered"),
        ("最近发布时间", "Last published"),
        ("按时更新", "Fresh"),
        ("最新质量得分", "Latest score"),
        ("质量得分要求", "Minimum score"),
        ("质量达标", "Quality met"),
        ("已履行", "Fulfilled"),
    ),
    "replies": (
        *_DEPT,
        ("申请编号", "Request"),
        ("信息资源编码", "Dataset"),
        ("申请部门", "Requester"),
        ("状态", "Status"),
        ("提交时间", "Filed"),
        ("计时起点", "Clock from"),
        ("答复期限", "Reply due"),
        ("处理时间", "Decided"),
        ("用时（工作日）", "Working days"),
        ("用时（小时）", "Hours"),
        ("超期", "Breach"),
        ("期限待定", "Provisional"),
    ),
    "objections": (
        *_DEPT,
        ("异议编号", "Objection"),
        ("申请编号", "Request"),
        ("状态", "Status"),
        ("提出时间", "Filed"),
        ("答复期限", "Due"),
        ("答复时间", "Answered"),
        ("按时", "On time"),
    ),
    "quality": (
        *_DEPT,
        ("质量报告编号", "Report"),
        ("批次", "Batch"),
        ("信息资源编码", "Dataset"),
        ("时间", "Time"),
        ("质量得分", "Score"),
        ("隔离行数", "Rows quarantined"),
    ),
}
_TREND: dict[str, tuple[str, str]] = {
    "up": ("上升", "up"),
    "down": ("下降", "down"),
    "steady": ("平稳", "steady"),
    "none": ("数据不足", "too few reports"),
}


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "zh" else pair[1]


def _yes(value: bool | None, lang: Lang) -> str:
    if value is None:
        return ""
    return _pick(("是", "yes") if value else ("否", "no"), lang)


def _percent(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def _rows(card: Scorecard, part: Part, lang: Lang) -> list[tuple[object, ...]]:
    head = (card.department_code, card.department_name, card.period.label)
    if part == "summary":
        f, r, o, q = card.fulfilment, card.replies, card.objections, card.quality
        return [
            (
                *head,
                f.total,
                f.fulfilled,
                _percent(f.share),
                r.requests,
                r.answered,
                r.median_working_days,
                r.median_hours,
                r.breaches,
                r.pending_overdue,
                o.filed,
                o.on_time,
                o.late,
                _percent(o.share_on_time),
                len(q.points),
                _pick(_TREND[q.direction], lang),
                q.change,
                local_time(card.as_of),
            )
        ]
    if part == "responsibilities":
        return [
            (
                *head,
                c.item_id,
                c.title_zh,
                c.dataset_code or "",
                c.update_cycle,
                _yes(c.registered, lang),
                local_time(c.last_published_at),
                _yes(c.fresh, lang),
                c.latest_score,
                c.min_quality_score,
                _yes(c.quality_ok, lang),
                _yes(c.fulfilled, lang),
            )
            for c in card.fulfilment.items
        ]
    if part == "replies":
        return [
            (
                *head,
                x.request_id,
                x.dataset_code,
                x.requester_code,
                x.status,
                local_time(x.filed_at),
                local_time(x.clock_from),
                local_time(x.reply_due_at),
                local_time(x.decided_at),
                x.working_days,
                x.hours,
                _yes(x.breach, lang),
                _yes(x.provisional, lang),
            )
            for x in card.replies.lines
        ]
    if part == "objections":
        return [
            (
                *head,
                x.objection_id,
                x.request_id,
                x.status,
                local_time(x.filed_at),
                local_time(x.due_at),
                local_time(x.answered_at),
                _yes(x.on_time, lang),
            )
            for x in card.objections.lines
        ]
    return [
        (
            *head,
            p.report_id,
            p.batch_id,
            p.dataset_code,
            local_time(p.at),
            p.score,
            p.rows_quarantined,
        )
        for p in card.quality.points
    ]


def scorecard_tables(cards: list[Scorecard], lang: Lang = "zh") -> list[Table]:
    """One table per part, every card's lines in each, in the cards' order."""
    return [
        Table(
            _pick(_TITLES[part], lang),
            tuple(_pick(h, lang) for h in _HEADERS[part]),
            [row for card in cards for row in _rows(card, part, lang)],
        )
        for part in PARTS
    ]


def _format(value: str) -> FileFormat:
    try:
        return FileFormat(value.strip().lower())
    except ValueError:
        raise InvalidInput("format must be csv or xlsx", code="scorecard.bad_format") from None


def _part(value: str) -> Part:
    for part in PARTS:
        if value.strip().lower() == part:
            return part
    raise InvalidInput(
        f"part must be one of {', '.join(PARTS)}", code="scorecard.bad_part", value=value[:20]
    )


@dataclass(frozen=True, slots=True)
class ExportedScorecards:
    name: str
    media_type: str
    body: bytes
    sha256: str
    row_count: int
    event_id: int


def export_scorecards(
    session: Session,
    actor: Principal,
    period: Period,
    *,
    file_format: str,
    part: str = "summary",
    department: str | None = None,
    lang: Lang = "zh",
    now: dt.datetime | None = None,
    calendar: WorkCalendar | None = None,
) -> ExportedScorecards:
    """``department``'s scorecard, or every one ``actor`` may see, as a file; recorded."""
    now = now or utcnow()
    fmt = _format(file_format)
    chosen = _part(part) if fmt is FileFormat.CSV else None
    if department:
        cards = [
            department_scorecard(session, actor, department, period, now=now, calendar=calendar)
        ]
    else:
        cards = league(session, actor, period, now=now, calendar=calendar)
    tables = scorecard_tables(cards, lang)
    if chosen is not None:
        table = tables[PARTS.index(chosen)]
        body, rows = csv_bytes(table), len(table.rows)
    else:
        body, rows = xlsx_bytes(tables), sum(len(t.rows) for t in tables)
    digest = hashlib.sha256(body).hexdigest()
    event = audit.record(
        session,
        ScorecardExported(
            period=period.label,
            format=fmt.value,
            part=chosen or "all",
            departments=[c.department_code for c in cards],
            row_count=rows,
            bytes_sent=len(body),
            content_sha256=digest,
        ),
        actor=actor,
        now=now,
    )
    scope = cards[0].department_code if department else "all"
    suffix = f"_{chosen}" if chosen else ""
    return ExportedScorecards(
        name=f"scorecards_{scope}_{period.label}{suffix}.{fmt.value}",
        media_type=fmt.media_type + ("; charset=utf-8" if chosen else ""),
        body=body,
        sha256=digest,
        row_count=rows,
        event_id=event.id,
    )
