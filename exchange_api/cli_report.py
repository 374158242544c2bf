"""``zhongtai report templates|prefill``: 智能报表 from a terminal.

Acts as the account whose token is in ``ZHONGTAI_TOKEN`` (or is asked for, unechoed) and calls
what the API and the portal call (``exchange_api.report_path``): ``report.prefill``, then
``data.aggregate`` per source through the account's own grants; each pre-fill is audited
(``report.prefilled``). A refusal or bad input exits 2 with its code (``report.not_found``,
``report.month_invalid`` …).

- ``templates [--json]`` — the shipped report templates;
- ``prefill TEMPLATE --month 2026-11 [--json] [--xlsx FILE]`` — the pre-filled report: each
  field reused (value, source dataset and snapshot) or to collect (why, what to request), and
  the 重复采集 flag; ``--json`` prints what the API answers, ``--xlsx`` writes the workbook.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from catalog.settings import get_settings
from exchange_api.cli_accounts import acting_session

__all__ = ["report_app"]

report_app = typer.Typer(
    help="智能报表: pre-fill a report template from your department's granted data.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)

_STATUS = {"reused": "已复用", "to_collect": "待采集", "period": "报表月份", "scope": "填报范围"}


@report_app.command("templates")
def list_templates(
    as_json: bool = typer.Option(False, "--json", help="Print JSON, as the API answers."),
) -> None:
    """The report templates the platform can pre-fill."""
    from exchange_api.report_path import templates
    from exchange_api.report_payloads import template_out

    found = templates()
    if as_json:
        data = [template_out(t).model_dump(mode="json") for t in found]
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    table = Table(title="报表模板")
    for heading in ("模板", "名称", "填报单位", "周期", "填报项", "平台可填", "重复采集"):
        table.add_column(heading)
    for t in found:
        table.add_row(
            t.code,
            t.title_zh,
            t.owner_department,
            t.period,
            str(t.fields),
            str(t.platform_fields),
            str(t.collected_today),
        )
    console.print(table)


@report_app.command("prefill")
def prefill(
    template: str = typer.Argument(..., help="Template code, e.g. street_monthly."),
    month: str = typer.Option(..., "--month", help="The report month, YYYY-MM."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON, as the API answers."),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="Also write the XLSX workbook here."),
) -> None:
    """Pre-fill TEMPLATE for --month from your granted data (audited)."""
    from exchange_api.report_path import prefill_report
    from exchange_api.report_payloads import prefilled_out
    from exchange_api.report_sheet import report_xlsx

    with acting_session() as (session, principal):
        report = prefill_report(session, get_settings(), principal, template, month)
    if xlsx is not None:
        xlsx.write_bytes(report_xlsx(report))
        err.print(f"wrote {xlsx}")
    if as_json:
        data = prefilled_out(report).model_dump(mode="json")
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{report.title_zh} {report.month}")
    for heading in ("填报项", "填报值", "状态", "来源（数据集@快照）", "原因 / 需申请", "重复采集"):
        table.add_column(heading)
    for f in report.fields:
        source = f"{f.dataset}@{f.snapshot_id}" if f.dataset else ""
        why = f"{f.reason_code} {'、'.join(f.missing)}".strip() if f.reason_code else ""
        table.add_row(
            f.title_zh,
            f.value or "—",
            _STATUS.get(f.status, f.status),
            source,
            why,
            "是" if f.repeated_collection else "",
        )
    console.print(table)
    console.print(
        f"{len(report.reused)} fields reused, {len(report.to_collect)} to collect, "
        f"{len(report.repeated)} repeated collection; audit event {report.event_id}"
    )
