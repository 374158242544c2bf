"""``zhongtai negative add | lift | list``: the negative list (负面清单) from a terminal.

Each command acts as the account whose token is in ``ZHONGTAI_TOKEN`` (or is asked for,
unechoed), through the same library functions — and so the same access decision and audit — as
``/api/v1/lists/negative``, and prints the same JSON. A publisher of the owner department (or an
admin) adds and lifts; anyone may list. A refusal or bad input prints its stable code and exits 2.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import typer

from exchange_api.cli_exchange import _acting, _print

__all__ = ["negative_app"]

negative_app = typer.Typer(
    help="The negative list (负面清单): datasets and fields that may not be shared, and why.",
    no_args_is_help=True,
)


def _date(text: str) -> dt.date:
    from catalog.errors import InvalidInput

    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"--review-date {text!r} is not a date (YYYY-MM-DD)", code="negative.invalid_review"
        ) from None


def _json(view: Any) -> dict[str, Any]:
    from exchange_api.negative_payloads import entry_public

    return entry_public(view).model_dump(mode="json")


@negative_app.command("add")
def add(
    dataset: str = typer.Argument(..., help="The dataset's code."),
    field: str | None = typer.Option(None, "--field", help="One field; omit for the dataset."),
    basis: str = typer.Option(..., "--basis", help="The legal basis (required)."),
    review_date: str = typer.Option(..., "--review-date", help="YYYY-MM-DD (required)."),
) -> None:
    """List a dataset, or one field of it: refused to every grantee from now on."""
    from catalog.negative_list import add_entry, get_entry

    review = _date(review_date)
    with _acting() as (session, principal, _):
        entry = add_entry(
            session, principal, dataset, field=field, legal_basis=basis, review_date=review
        )
        session.commit()
        _print(_json(get_entry(session, principal, entry.id)))


@negative_app.command("lift")
def lift(
    entry_id: int = typer.Argument(..., min=1, help="The entry's id."),
    reason: str = typer.Option(..., "--reason", help="Why it is lifted (required)."),
) -> None:
    """Lift an entry, with the reason: the dataset or field is shared again under its grants."""
    from catalog.negative_list import get_entry, lift_entry

    with _acting() as (session, principal, _):
        lift_entry(session, principal, entry_id, reason=reason)
        session.commit()
        _print(_json(get_entry(session, principal, entry_id)))


@negative_app.command("list")
def list_(
    dataset: str | None = typer.Option(None, "--dataset", help="Only this dataset's entries."),
    due: bool = typer.Option(False, "--due", help="Only entries due for review."),
    lifted: bool = typer.Option(False, "--lifted", help="Include lifted entries."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (default: a table)."),
) -> None:
    """The negative list: what may not be shared, the legal basis, the review date."""
    from rich.table import Table

    from catalog.negative_list import list_entries
    from exchange_api.cli_exchange import console

    with _acting() as (session, principal, _):
        views = list_entries(
            session, principal, dataset_code=dataset, due=due, include_lifted=lifted
        )
        session.commit()
    if as_json:
        _print([_json(v) for v in views])
        return
    table = Table("id", "数据集 dataset", "字段 field", "法律依据 legal basis", "复核 review")
    for v in views:
        review = v.review_date.isoformat() + (" 待复核 due" if v.due_for_review else "")
        if v.lifted_at is not None:
            review += f" (已解除 lifted: {v.lift_reason})"
        what = v.field or "（整个数据集 whole）"
        table.add_row(str(v.entry_id), v.dataset_code, what, v.legal_basis, review)
    console.print(table)
