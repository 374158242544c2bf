"""The demo's 智能报表 step: the scenario world ingested, the 北山街道 office (``scen-bsjd``)
granted what its monthly report reads — filed and approved through the library as users would,
in ``aggregate`` mode with the citizen ID as a match key where the report joins on it — and the
report pre-filled. Idempotent: a second run finds every extract landed and every grant live."""

from __future__ import annotations

from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from catalog.db import init_catalog
from catalog.models import AccessMode
from catalog.settings import Settings
from exchange_api.demo_grants import granted, principal_named
from exchange_api.report_path import prefill_report
from lakehouse.report_fill import PrefilledReport

__all__ = ["ASKS", "OFFICE", "grant_office", "office_prefill", "report_demo"]

OFFICE = "scen-bsjd"
TEMPLATE, MONTH = "street_monthly", "2026-11"
PURPOSE = "编制《街道残疾人和困难群众工作月报》，一数一源、一次采集多方复用"
BASIS = "《浙江省公共数据条例》第二十三条（不得重复采集）；《残疾人保障法》第四十八条"
ASKS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    # dataset: (owner account, fields asked, match keys)
    "cl_disabled_persons": (
        "scen-cl",
        ("citizen_id", "street", "disability_level"),
        ("citizen_id",),
    ),
    "mzj_assistance_status": ("scen-mzj", ("citizen_id", "street", "assistance_type"), ()),
    "czj_disability_subsidies": (
        "scen-czj",
        ("citizen_id", "subsidy_type", "period", "amount"),
        ("citizen_id",),
    ),
    "rsj_employment_insurance": (
        "scen-rsj",
        ("citizen_id", "employment_status", "period"),
        ("citizen_id",),
    ),
}


def grant_office(
    sessions: sessionmaker[Session],
    codes: tuple[str, ...] = tuple(ASKS),
    office: str = OFFICE,
) -> dict[str, int]:
    """The office's live grant on each of ``codes``: filed and approved unless one is live."""
    return {
        code: granted(
            sessions,
            office,
            ASKS[code][0],
            code,
            ASKS[code][1],
            PURPOSE,
            modes=(AccessMode.AGGREGATE,),
            match_fields=ASKS[code][2],
            scenario="智能报表",
            legal_basis=BASIS,
            reason="同意（报表复用）",
        )
        for code in codes
    }


def office_prefill(settings: Settings) -> PrefilledReport:
    """Grant the office (if not yet) and pre-fill its report, as the API would."""
    sessions = init_catalog(settings.resolved_catalog_url)
    try:
        grant_office(sessions)
        with sessions() as session:
            return prefill_report(
                session, settings, principal_named(session, OFFICE), TEMPLATE, MONTH
            )
    finally:
        sessions.kw["bind"].dispose()


def report_demo(settings: Settings, console: Console) -> PrefilledReport:
    """The grants and the pre-fill on the scenario world (``exchange_api.scenario_world.
    build_world``, which the caller has run); one line of what it found."""
    report = office_prefill(settings)
    console.print(
        f"智能报表 {report.template} {report.month} for {report.department}: "
        f"{len(report.reused)} fields reused, {len(report.to_collect)} to collect, "
        f"{len(report.repeated)} repeated collection (重复采集) flagged"
    )
    return report
