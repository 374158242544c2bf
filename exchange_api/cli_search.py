"""``zhongtai search query|reindex``: the catalog search from a terminal.

``query QUERY`` acts as the account whose token is in ``ZHONGTAI_TOKEN`` (or is asked for,
unechoed) and calls the library the API and the portal call (``catalog.search.search``, decided
as ``dataset.view``); bad input (``search.bad_filter``, ``search.query_too_long`` …) exits 2 with
its code. ``--json`` prints what ``GET /api/v1/search`` answers. ``reindex`` rebuilds every
dataset's search row (``catalog.search_index.reindex_all``), an operator's job after an upgrade
that changes how documents are built; it needs the catalog only, as ``zhongtai init`` does.
"""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from catalog.settings import get_settings

__all__ = ["search_app"]

search_app = typer.Typer(
    help="Catalog search: Chinese, pinyin initials, English; filters and facets.",
    no_args_is_help=True,
)
console = Console()


@search_app.command("query")
def search_query(
    query: str = typer.Argument("", help="Words to find (all must occur), e.g. 社保 or sbjf."),
    department: list[str] = typer.Option([], "--department", help="Owner department code."),
    share_type: list[str] = typer.Option(
        [], "--share-type", help="unconditional, conditional or not_shared."
    ),
    grade: list[str] = typer.Option([], "--grade", help="core, important or general."),
    cycle: list[str] = typer.Option([], "--cycle", help="Update cycle, e.g. monthly."),
    fresh: bool | None = typer.Option(
        None, "--fresh/--stale", help="Only fresh datasets (or only stale and unpublished)."
    ),
    limit: int = typer.Option(20, "--limit", help="Hits to show, 1 to 100."),
    offset: int = typer.Option(0, "--offset", help="Hits to skip."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON, as the API answers."),
) -> None:
    """Search the catalog for QUERY."""
    from catalog.db import make_engine, make_sessionmaker
    from catalog.search import SearchFilters, search
    from exchange_api.cli_accounts import acting_principal
    from exchange_api.search_payloads import search_out

    filters = SearchFilters.parse(
        departments=department, share_types=share_type, grades=grade, cycles=cycle, fresh=fresh
    )
    engine = make_engine(get_settings().resolved_catalog_url)
    try:
        with make_sessionmaker(engine)() as session:
            result = search(
                session, acting_principal(session), query, filters, limit=limit, offset=offset
            )
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(search_out(result).model_dump(mode="json"), ensure_ascii=False))
        return
    table = Table(title=f"{query or '*'}: {result.total}")
    for header in ("dataset", "title", "owner", "share type", "grade", "cycle", "freshness"):
        table.add_column(header, overflow="fold")
    for h in result.hits:
        table.add_row(
            h.code, h.title_zh, h.owner_name, h.share_type, h.grade, h.update_cycle, h.freshness
        )
    console.print(table)
    for key, values in result.facets.items():
        console.print(f"{key}: " + ", ".join(f"{v.label or v.value} {v.count}" for v in values))


@search_app.command("reindex")
def search_reindex() -> None:
    """Rebuild every dataset's search row."""
    from catalog.db import make_engine, make_sessionmaker, transaction
    from catalog.search_index import reindex_all

    engine = make_engine(get_settings().resolved_catalog_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            count = reindex_all(session)
    finally:
        engine.dispose()
    console.print(f"indexed {count} datasets")
