"""The negative list's page (负面清单): ``/portal/lists/negative``.

- ``GET`` — every live entry (lifted ones with ``?lifted=1``; only those due for review with
  ``?due=1``; one dataset with ``?dataset=``): the dataset, the field or the whole dataset, the
  legal basis, the review date, an entry past it marked as due. Any signed-in account sees it
  (``negative_list.view``: the list is public within the exchange).
- ``POST`` — a form (CSRF-checked, ``forms.FormActor``) adding an entry, offered for the datasets
  the account may keep the list of (``negative_list.manage``, asked of the one decision per
  dataset); ``POST /portal/lists/negative/{id}/lift`` lifts one, with a reason. Both go through
  ``catalog.negative_list`` — the same decision and audit as the API and the CLI — and a
  refusal is a page with its code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from catalog import actions as act
from catalog.datasets import list_datasets
from catalog.errors import InvalidInput
from catalog.negative_list import EntryView, add_entry, lift_entry, list_entries
from catalog.resources import DatasetTerms
from catalog.workdays import CHINA
from exchange_api.deps import SessionDep, SettingsDep
from exchange_api.identify import now_of
from exchange_api.payloads import PathId
from exchange_api.portal.forms import LangQuery, Posted, Text, form_text, page_errors
from exchange_api.portal.frame import allowed, portal_page
from exchange_api.portal.i18n import DEFAULT_LANG
from exchange_api.portal.pages import PortalPrincipal

__all__ = ["router"]

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)
PATH = "/portal/lists/negative"


def _row(view: EntryView, manageable: set[str]) -> dict[str, Any]:
    return {
        "id": view.entry_id,
        "dataset": view.dataset_code,
        "dataset_title": view.dataset_title,
        "owner": view.owner_department,
        "field": view.field,
        "field_title": view.field_title,
        "basis": view.legal_basis,
        "review_date": view.review_date.isoformat(),
        "due": view.due_for_review,
        "added": view.added_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"),
        "lifted": view.lifted_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
        if view.lifted_at
        else "",
        "lift_reason": view.lift_reason,
        "can_lift": view.live and view.dataset_code in manageable,
    }


@router.get("/lists/negative", response_class=HTMLResponse)
def negative_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
    dataset: str | None = Query(default=None, max_length=64),
    due: bool = False,
    lifted: bool = False,
) -> HTMLResponse:
    now = now_of(request)
    code = dataset or None
    with page_errors(session, lang):
        views = list_entries(
            session, principal, dataset_code=code, due=due, include_lifted=lifted, now=now
        )
    datasets = list_datasets(session)
    manageable = [
        d
        for d, terms in zip(datasets, DatasetTerms.of_all(session, datasets), strict=True)
        if allowed(principal, act.NEGATIVE_LIST_MANAGE, terms, now)
    ]
    codes = {d.code for d in manageable}
    return portal_page(
        request,
        session,
        settings,
        principal,
        "negative_list.html",
        lang,
        current="lists",
        list_here="negative",
        now=now,
        rows=[_row(v, codes) for v in views],
        datasets=[{"code": d.code, "title": d.title_zh} for d in datasets],
        manageable=[
            {"code": d.code, "title": d.title_zh, "fields": [f.name for f in d.fields]}
            for d in manageable
        ],
        chosen=code or "",
        only_due=due,
        show_lifted=lifted,
        min_review=now.astimezone(CHINA).date().isoformat(),
    )


def _review(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            "the review date is a date, YYYY-MM-DD", code="negative.invalid_review"
        ) from None


@router.post("/lists/negative")
def add(
    form: Posted,
    dataset: Text = "",
    field: Text = "",
    basis: Text = "",
    review_date: Text = "",
) -> Response:
    """List a dataset or a field of it (the owner's publishers, admins)."""
    with form.acting():
        entry = add_entry(
            form.session,
            form.actor,
            form_text(dataset, "dataset", required=True),
            field=form_text(field, "field") or None,
            legal_basis=form_text(basis, "legal basis"),
            review_date=_review(review_date),
            now=form.now,
        )
    return form.back_to(PATH, f"entry-{entry.id}")


@router.post("/lists/negative/{entry_id}/lift")
def lift(entry_id: PathId, form: Posted, reason: Text = "") -> Response:
    """Lift an entry, with the reason."""
    with form.acting():
        lift_entry(
            form.session, form.actor, entry_id, reason=form_text(reason, "reason"), now=form.now
        )
    return form.back_to(PATH)
