"""Usage and reconciliation reports as plain tables (a title, headers, rows), in Chinese or
English: what ``catalog.usage_files`` writes as CSV or XLSX and the command line prints.

Times are China Standard Time (``YYYY-MM-DD HH:MM:SS``, UTC+08:00, as the headers say); lists
are joined with ``; ``; finding codes are written with their label (``unused 从未使用``) so a
sheet can be filtered by code in any language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from catalog.usage import UsageReport
from catalog.usage_reconcile import GrantUse, Reconciliation
from catalog.usage_window import Scope, Window
from catalog.workdays import CHINA

__all__ = [
    "FINDING_LABELS",
    "Lang",
    "Table",
    "filters_table",
    "local_time",
    "reconciliation_table",
    "totals_table",
    "usage_table",
]

Lang = Literal["zh", "en"]

FINDING_LABELS: dict[Lang, dict[str, str]] = {
    "zh": {
        "after_end": "授权终止后仍有读取",
        "volume_spike": "单日用量激增",
        "near_expiry": "到期前集中读取",
        "quota_exhausted": "配额已用尽",
        "quota_high": "配额将用尽",
        "unused": "从未使用",
        "columns_never_read": "有字段从未读取",
        "modes_never_used": "有方式从未使用",
    },
    "en": {
        "after_end": "read after the grant ended",
        "volume_spike": "volume spike",
        "near_expiry": "read near expiry",
        "quota_exhausted": "quota used up",
        "quota_high": "quota nearly used",
        "unused": "never used",
        "columns_never_read": "columns never read",
        "modes_never_used": "modes never used",
    },
}

_HEADERS: dict[str, tuple[str, str]] = {
    "period": ("周期", "period"),
    "department_code": ("部门代码", "department code"),
    "department": ("部门", "department"),
    "dataset_code": ("信息资源代码", "dataset code"),
    "dataset": ("信息资源", "dataset"),
    "grant": ("授权编号", "grant"),
    "purpose": ("用途", "purpose"),
    "accounts": ("读取账户", "accounts"),
    "modes": ("读取方式（次数）", "modes (reads)"),
    "reads": ("读取次数", "reads"),
    "rows": ("行数", "rows"),
    "bytes": ("字节数", "bytes"),
    "refused": ("被拒次数", "refused"),
    "kind": ("维度", "by"),
    "key": ("代码", "key"),
    "label": ("名称", "name"),
    "state": ("状态", "state"),
    "created": ("授权时间（UTC+8）", "granted (UTC+8)"),
    "expires": ("到期时间（UTC+8）", "expires (UTC+8)"),
    "revoked": ("吊销时间（UTC+8）", "revoked (UTC+8)"),
    "modes_granted": ("授权方式", "modes granted"),
    "modes_used": ("期内使用方式", "modes used in period"),
    "active_days": ("活跃天数", "active days"),
    "last_read": ("最近读取（UTC+8）", "last read (UTC+8)"),
    "never_read": ("从未读取的字段", "columns never read"),
    "never_used": ("从未使用的方式", "modes never used"),
    "quota": ("配额（行）", "quota (rows)"),
    "rows_used": ("已用行数", "rows used"),
    "quota_share": ("配额使用率", "quota used"),
    "near_reads": ("到期前7天读取次数", "reads in last 7 days before expiry"),
    "near_rows": ("到期前7天行数", "rows in last 7 days before expiry"),
    "after_end": ("终止后读取次数", "reads after the end"),
    "spikes": ("激增日（行数/常规日）", "spike days (rows/typical day)"),
    "findings": ("发现", "findings"),
    "filter": ("条件", "filter"),
    "value": ("取值", "value"),
}
_KINDS: dict[str, tuple[str, str]] = {
    "period": ("周期", "period"),
    "department": ("部门", "department"),
    "dataset": ("信息资源", "dataset"),
    "total": ("合计", "total"),
}
_TITLES: dict[str, tuple[str, str]] = {
    "usage": ("用量明细", "usage"),
    "totals": ("用量汇总", "totals"),
    "reconciliation": ("授权使用核对", "reconciliation"),
    "filters": ("条件", "filters"),
}


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[object, ...]] = field(default_factory=list)


def _pick(pair: tuple[str, str], lang: Lang) -> str:
    return pair[0] if lang == "zh" else pair[1]


def _headers(keys: tuple[str, ...], lang: Lang) -> tuple[str, ...]:
    return tuple(_pick(_HEADERS[k], lang) for k in keys)


def local_time(value: dt.datetime | None) -> str:
    return "" if value is None else value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def _joined(values: tuple[str, ...] | list[str]) -> str:
    return "; ".join(values)


def usage_table(report: UsageReport, lang: Lang = "zh") -> Table:
    keys = (
        "period",
        "department_code",
        "department",
        "dataset_code",
        "dataset",
        "grant",
        "purpose",
        "accounts",
        "modes",
        "reads",
        "rows",
        "bytes",
        "refused",
    )
    table = Table(_pick(_TITLES["usage"], lang), _headers(keys, lang))
    for r in report.rows:
        table.rows.append(
            (
                r.period,
                r.department_code,
                r.department_name,
                r.dataset_code,
                r.dataset_title_zh if lang == "zh" else r.dataset_title_en,
                r.grant_id,
                _joined(r.purposes),
                _joined(r.accounts),
                _joined([f"{mode}:{n}" for mode, n in r.modes]),
                r.reads,
                r.rows,
                r.bytes,
                r.refused,
            )
        )
    return table


def totals_table(report: UsageReport, lang: Lang = "zh") -> Table:
    keys = ("kind", "key", "label", "reads", "rows", "bytes", "refused")
    table = Table(_pick(_TITLES["totals"], lang), _headers(keys, lang))
    groups = (
        ("period", report.by_period),
        ("department", report.by_department),
        ("dataset", report.by_dataset),
        ("total", (report.total,)),
    )
    for kind, totals in groups:
        for t in totals:
            table.rows.append(
                (_pick(_KINDS[kind], lang), t.key, t.label, t.reads, t.rows, t.bytes, t.refused)
            )
    return table


def _finding_text(codes: tuple[str, ...], lang: Lang) -> str:
    return _joined([f"{c} {FINDING_LABELS[lang][c]}" for c in codes])


def _grant_row(g: GrantUse, lang: Lang) -> tuple[object, ...]:
    share = g.quota_share
    return (
        g.grant_id,
        g.department_code,
        g.department_name,
        g.dataset_code,
        g.dataset_title_zh if lang == "zh" else g.dataset_title_en,
        g.purpose,
        g.state,
        local_time(g.created_at),
        local_time(g.expires_at),
        local_time(g.revoked_at),
        _joined(g.modes_granted),
        _joined(g.modes_used),
        g.reads,
        g.rows,
        g.bytes,
        g.active_days,
        local_time(g.last_read),
        _joined(g.columns_never_read),
        _joined(g.modes_never_used),
        g.quota_rows,
        g.rows_used,
        None if share is None else round(share, 4),
        g.near_expiry_reads,
        g.near_expiry_rows,
        g.after_end_reads,
        _joined([f"{s.day.isoformat()}: {s.rows}/{s.typical:g}" for s in g.spikes]),
        _finding_text(g.findings, lang),
    )


def reconciliation_table(recon: Reconciliation, lang: Lang = "zh") -> Table:
    keys = (
        "grant",
        "department_code",
        "department",
        "dataset_code",
        "dataset",
        "purpose",
        "state",
        "created",
        "expires",
        "revoked",
        "modes_granted",
        "modes_used",
        "reads",
        "rows",
        "bytes",
        "active_days",
        "last_read",
        "never_read",
        "never_used",
        "quota",
        "rows_used",
        "quota_share",
        "near_reads",
        "near_rows",
        "after_end",
        "spikes",
        "findings",
    )
    table = Table(_pick(_TITLES["reconciliation"], lang), _headers(keys, lang))
    table.rows.extend(_grant_row(g, lang) for g in recon.grants)
    return table


def filters_table(
    window: Window, scope: Scope, generated_at: dt.datetime, lang: Lang = "zh", period: str = ""
) -> Table:
    table = Table(_pick(_TITLES["filters"], lang), _headers(("filter", "value"), lang))
    table.rows.extend(
        [
            ("from", window.first_day.isoformat()),
            ("to", window.last_day.isoformat()),
            ("by", period),
            ("department", scope.department_code),
            ("dataset", scope.dataset_code),
            ("grant", "" if scope.grant_id is None else str(scope.grant_id)),
            ("generated_at (UTC+8)", local_time(generated_at)),
        ]
    )
    return table
