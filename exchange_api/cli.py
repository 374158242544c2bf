"""The ``zhongtai`` command: each subcommand calls the library functions the API and DAGs use."""

from __future__ import annotations

import importlib
import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

import exchange_api.cli_pull  # noqa: F401  (registers zhongtai exchange pull)
from catalog.settings import get_settings
from catalog.settings_checks import check_startup
from exchange_api import cli_audit as _cli_audit  # noqa: F401  (registers zhongtai audit …)
from exchange_api import cli_audit_reproduce as _cli_reproduce  # noqa: F401  (audit reproduce)
from exchange_api import cli_audit_usage as _cli_audit_usage  # noqa: F401  (usage, reconcile…)
from exchange_api import cli_case_scorecard as _cli_cases  # noqa: F401  (scorecard cases)
from exchange_api import cli_changes as _cli_changes  # noqa: F401  (registers its commands)
from exchange_api import cli_duties as _cli_duties  # noqa: F401  (requests escalate, grants expire)
from exchange_api import cli_manifest as _cli_manifest  # noqa: F401  (verify-manifest)
from exchange_api import cli_subscribe as _cli_subscribe  # noqa: F401 (registers its commands)
from exchange_api import cli_verify  # noqa: F401  (registers 'exchange verify' and 'aggregate')
from exchange_api.cli_accounts import account_app, acting_principal
from exchange_api.cli_audit_group import audit_app
from exchange_api.cli_backup import backup_app
from exchange_api.cli_catalog import dataset_app, department_app
from exchange_api.cli_config import config_app
from exchange_api.cli_elements import codelist_app, element_app, print_seed_report
from exchange_api.cli_exchange import grants_app, requests_app
from exchange_api.cli_exchange_group import exchange_app
from exchange_api.cli_exports import catalog_app
from exchange_api.cli_lake import lake_app
from exchange_api.cli_lineage import lineage_app
from exchange_api.cli_lists import demand_app, responsibility_app
from exchange_api.cli_negative import negative_app
from exchange_api.cli_report import report_app
from exchange_api.cli_scenarios import scenario_app
from exchange_api.cli_scorecard import scorecard_app
from exchange_api.cli_search import search_app
from schemas.errors import ZhongtaiError

app = typer.Typer(
    help="Zhongtai 中台: government data-sharing exchange and catalog.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")
quality_app = typer.Typer(
    help="Quality reports: show a dataset's latest report; sign one off.", no_args_is_help=True
)
app.add_typer(quality_app, name="quality")
app.add_typer(requests_app, name="requests")
app.add_typer(grants_app, name="grants")
app.add_typer(scenario_app, name="scenario")
app.add_typer(account_app, name="account")
app.add_typer(exchange_app, name="exchange")
app.add_typer(lake_app, name="lake")
app.add_typer(lineage_app, name="lineage")
app.add_typer(negative_app, name="negative")
app.add_typer(scorecard_app, name="scorecard")
app.add_typer(report_app, name="report")
app.add_typer(responsibility_app, name="responsibility")
app.add_typer(demand_app, name="demand")
app.add_typer(catalog_app, name="catalog")
app.add_typer(element_app, name="element")
app.add_typer(codelist_app, name="codelist")
app.add_typer(department_app, name="department")
app.add_typer(dataset_app, name="dataset")
app.add_typer(search_app, name="search")
app.add_typer(config_app, name="config")
app.add_typer(backup_app, name="backup")
console = Console()
err = Console(stderr=True)


@app.command()
def init() -> None:
    """Create the embedded stores under var/ and migrate the catalog to the latest schema."""
    from catalog.db import init_catalog

    settings = get_settings()
    for folder in (settings.var_dir, settings.raw_dir, settings.staging_dir, settings.inbox_dir):
        Path(folder).mkdir(parents=True, exist_ok=True)
    sessions = init_catalog(settings.resolved_catalog_url)
    from catalog.element_seed import seed_shipped

    with sessions() as session:  # the shipped data elements and code lists (never overwritten)
        report = seed_shipped(session)
        session.commit()
    sessions.kw["bind"].dispose()
    print_seed_report(report, console)
    from catalog.settings_view import redact_url

    console.print(f"catalog ready: {redact_url(settings.resolved_catalog_url)}")


@app.command()
def ingest(
    dataset: str = typer.Argument(..., help="The dataset's code."),
    source: Path | None = typer.Argument(None, help="The extract to ingest."),
    resume: int | None = typer.Option(
        None, "--resume", metavar="BATCH", help="Carry an unfinished batch on instead."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print the summary as JSON on stdout (the table goes to stderr)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    from_db: str | None = typer.Option(
        None,
        "--from-db",
        metavar="URL",
        help="Extract from a database (SQLAlchemy URL) instead of a FILE: only rows past the "
        "last published extract's watermark. Prefer a URL without a password (~/.pgpass).",
    ),
    table: str | None = typer.Option(None, "--table", help="With --from-db: the table."),
    query: str | None = typer.Option(None, "--query", help="With --from-db: a query instead."),
    watermark: str | None = typer.Option(
        None, "--watermark", metavar="COLUMN", help="With --from-db: the incremental column."
    ),
) -> None:
    """Carry one extract through land → standardise → validate → publish, in this process,
    with a progress bar on a terminal and a summary table at the end.
    Exit codes: 0 published, 3 duplicate (published before), 4 rejected, 5 malformed,
    6 failed (the lake is unchanged; deliver again), 2 usage or other errors."""
    check_startup(get_settings())  # production refuses insecure settings, all at once
    if from_db is not None:
        if source is not None or resume is not None:
            err.print("[red]--from-db takes no FILE and no --resume[/red]")
            raise typer.Exit(2)
        _ingest_from_db(dataset, from_db, table, query, watermark, as_json=as_json, quiet=quiet)
        return
    if table or query or watermark:
        err.print("[red]--table, --query and --watermark go with --from-db[/red]")
        raise typer.Exit(2)
    if resume is None and (source is None or not source.is_file()):
        err.print(
            f"[red]no such file: {source}[/red]"
            if source
            else "[red]give a FILE or --resume BATCH[/red]"
        )
        raise typer.Exit(2)
    from exchange_api.ingest_view import TerminalProgress, summary_record, summary_table
    from lakehouse.pipeline import resume_batch, run_batch
    from lakehouse.progress import reporting

    _preload_validation()

    settings = get_settings()
    size = source.stat().st_size if source is not None and resume is None else None
    shown = not quiet and err.is_terminal
    view = TerminalProgress(err, size) if shown else TerminalProgress(Console(quiet=True), size)
    with view, reporting(view):
        if resume is not None:
            view.stage("recover")
            summary = resume_batch(settings, resume, dataset_code=dataset)
        else:
            assert source is not None
            view.stage("land", total_bytes=size)
            summary = run_batch(settings, dataset, source)
    name = source.name if source is not None and resume is None else f"batch {resume}"
    if as_json:
        console.print_json(
            json.dumps(summary_record(summary, view.seconds, name), ensure_ascii=False)
        )
    (err if as_json else console).print(summary_table(summary, view.seconds, name))
    if summary.exit_code:
        err.print(f"[yellow]{summary.outcome}[/yellow]: {summary.reason or summary.status}")
    raise typer.Exit(summary.exit_code)


def _ingest_from_db(
    dataset: str,
    url: str,
    table: str | None,
    query: str | None,
    watermark: str | None,
    *,
    as_json: bool,
    quiet: bool,
) -> None:
    from exchange_api.ingest_view import TerminalProgress, summary_record, summary_table
    from lakehouse.db_ingest import ingest_from_db
    from lakehouse.progress import reporting

    _preload_validation()

    shown = not quiet and err.is_terminal
    view = TerminalProgress(err if shown else Console(quiet=True))
    with view, reporting(view):
        done = ingest_from_db(
            get_settings(), dataset, url, table=table, query=query, watermark=watermark
        )
    extracted = {"rows_extracted": done.rows, "since": done.since, "through": done.through}
    if done.summary is None:
        if as_json:
            console.print_json(json.dumps({"source": done.source, **extracted}, ensure_ascii=False))
        err.print(f"{done.source}: no new rows since {done.since}")
        raise typer.Exit(0)
    summary = done.summary
    if as_json:
        record = {**summary_record(summary, view.seconds, done.source), **extracted}
        console.print_json(json.dumps(record, ensure_ascii=False))
    (err if as_json else console).print(summary_table(summary, view.seconds, done.source))
    if summary.exit_code:
        err.print(f"[yellow]{summary.outcome}[/yellow]: {summary.reason or summary.status}")
    raise typer.Exit(summary.exit_code)


_VALIDATION_MODULES = ("quality.validate_pass", "quality.reports", "quality.validate")
"""What the validate step imports (``lakehouse.pipeline.validate_step``)."""


def _preload_validation() -> None:
    """Start importing the validation stack (Great Expectations: seconds) in the background, so
    it overlaps landing and standardising (DuckDB and hashing release the GIL); the validate
    step's own import then finds it loaded, or waits on the import lock for the rest. Called
    once the pipeline's own modules are imported: the two threads then share no module being
    imported but the validation stack's, and no import-lock cycle can form between them."""

    def load() -> None:
        try:
            for module in _VALIDATION_MODULES:
                importlib.import_module(module)
        except Exception:  # the validate step imports it again and reports the error
            pass

    threading.Thread(target=load, name="preload-quality", daemon=True).start()


@quality_app.command("report")
def quality_report(
    dataset: str,
    as_json: bool = typer.Option(False, "--json", help="Print the report JSON (schema-valid)."),
    lang: str = typer.Option("zh", "--lang", help="zh (default) or en."),
) -> None:
    """Print the latest quality report of DATASET, with its trend over the last batches."""
    from catalog.datasets import get_dataset
    from catalog.db import make_engine, make_sessionmaker
    from catalog.errors import CatalogError
    from exchange_api.portal.i18n import LANGS, translator
    from quality.reports import latest_report, report_summary, trend

    if lang not in LANGS:
        err.print(f"[red]--lang must be one of {', '.join(LANGS)}[/red]")
        raise typer.Exit(2)
    settings = get_settings()
    with make_sessionmaker(make_engine(settings.resolved_catalog_url))() as session:
        try:
            found = get_dataset(session, dataset)
        except CatalogError as exc:
            err.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(1) from exc
        report = latest_report(session, found)
        if report is None:
            err.print(f"[yellow]{dataset}: no quality report yet[/yellow]")
            raise typer.Exit(1)
        summary = report_summary(session, report)
        points = trend(session, found)
    if as_json:
        console.print_json(json.dumps(summary, ensure_ascii=False))
        return
    _print_report(summary, points, translator(lang), f"title_{lang}")


@quality_app.command("sign-off")
def quality_sign_off(
    report_id: int,
    note: str = typer.Option("", "--note", help="The steward's note, stored with the sign-off."),
) -> None:
    """Sign off quality report REPORT_ID as the steward whose token is in ZHONGTAI_TOKEN (or is
    asked for, unechoed): bound to the report's snapshot and audited, as through the API."""
    from catalog.db import make_engine, make_sessionmaker
    from catalog.guard import keeping_refusals
    from quality.reports import report_summary, sign_off

    # Never a command-line option: an argument would sit in shell history and the process list.
    settings = get_settings()
    factory = make_sessionmaker(make_engine(settings.resolved_catalog_url))
    with factory() as session, keeping_refusals(session):
        principal = acting_principal(session)  # a refused token is audited
        report = sign_off(session, principal, report_id, note)
        session.commit()
        summary = report_summary(session, report)
    sign = summary["sign_off"]
    console.print(
        f"report {report_id} signed off by {sign['by']['name']} ({sign['by']['department']}), "
        f"bound to snapshot {summary['snapshot_id']} of {summary['dataset']['code']}"
    )


def _print_report(
    summary: dict[str, Any], points: list[dict[str, Any]], t: Callable[[str], str], title: str
) -> None:
    from rich.table import Table

    snapshot = summary["snapshot_id"]
    console.print(
        f"[bold]{t('report.title')}[/bold] · {summary['dataset']['code']} · "
        f"{summary['dataset'][title]}"
    )
    console.print(
        f"{t('report.batch')} #{summary['batch_id']} · {t('report.snapshot')} "
        f"{snapshot if snapshot is not None else t('report.no_snapshot')}"
        f" · {t('summary.rows_in')} {summary['rows_in']} · {t('summary.rows_quarantined')} "
        f"{summary['rows_quarantined']} · {t('summary.score')} {summary['score']:.2f} · "
        f"{t('summary.decision')}: {t('decision.' + summary['decision'])}"
    )
    rules = Table(title=t("rules.heading"))
    for key in ("rules.code", "rules.field", "rules.description", "rules.failed"):
        rules.add_column(t(key), justify="right" if key == "rules.failed" else "left")
    for rule in summary["rules"]:
        failed = str(rule["failed"])
        rules.add_row(
            rule["code"],
            rule["field"] or t("rules.none"),
            rule["description"],
            f"[bold red]{failed}[/bold red]" if rule["failed"] else failed,
        )
    console.print(rules)
    if summary["batch_findings"]:
        findings = Table(title=t("findings.heading"))
        for key in ("findings.check", "findings.result", "findings.detail"):
            findings.add_column(t(key))
        for code, finding in sorted(summary["batch_findings"].items()):
            passed = finding.get("passed") is not False
            detail = ", ".join(f"{k}={v}" for k, v in sorted(finding.items()) if k != "passed")
            findings.add_row(code, t("findings.passed" if passed else "findings.failed"), detail)
        console.print(findings)
    history = Table(title=t("trend.heading"))
    for key in ("trend.batch", "summary.rows_in", "trend.quarantined", "trend.score"):
        history.add_column(t(key), justify="right")
    history.add_column(t("summary.decision"))
    for point in points:
        history.add_row(
            f"#{point['batch_id']}",
            str(point["rows_in"]),
            str(point["rows_quarantined"]),
            f"{point['score']:.2f}",
            t("decision." + point["decision"]),
        )
    console.print(history)
    sign = summary["sign_off"]
    if sign is None:
        console.print(f"{t('signoff.heading')}: {t('signoff.pending')}")
    else:
        console.print(
            f"{t('signoff.heading')}: {sign['by']['name']} ({sign['by']['department']}) "
            f"{sign['at']} · {sign['note']}"
        )


@app.command()
def serve(host: str | None = None, port: int | None = None) -> None:
    """Serve the exchange API (default 127.0.0.1:8000)."""
    import uvicorn

    settings = check_startup(get_settings())
    uvicorn.run(
        "exchange_api.app:create_app",
        factory=True,
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level="info",
    )


@app.command()
def demo(
    serve_after: bool = typer.Option(
        True, "--serve/--no-serve", help="Keep serving the API after the demo."
    ),
) -> None:
    """Run the platform on its embedded default: seed, ingest via Airflow, share, read, verify."""
    from exchange_api.demo import run_demo

    code = run_demo(check_startup(get_settings()), console=console, serve=serve_after)
    sys.exit(code)


@app.command("sample")
def sample(path: Path, rows: int = 500, seed: int = 20261125, defects: bool = True) -> None:
    """Write a GBK social-insurance extract with a few known defects."""
    from lakehouse.samples import write_social_insurance_extract

    manifest = write_social_insurance_extract(path, rows=rows, seed=seed, defects=defects)
    console.print(
        f"wrote {manifest.rows} rows to {manifest.path} ({manifest.encoding}), "
        f"{len(manifest.defects)} defective rows"
    )


def main() -> None:
    """Entry point: a domain error (any :class:`schemas.errors.ZhongtaiError`) prints its code and
    message and exits 2, with no traceback. Usage errors are Click's own (exit 2); anything else is
    a bug and keeps its traceback. ``schemas.errors`` is tiny: naming the family loads neither
    Great Expectations nor DuckDB."""
    try:
        app()
    except ZhongtaiError as exc:
        err.print(f"[red]error[/red] {exc.code}: {exc.message}")
        sys.exit(2)
