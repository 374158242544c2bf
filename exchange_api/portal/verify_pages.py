"""核验 inside a grant: the portal's verify page.

- ``GET /portal/grants/{id}/verify`` — the form: which field finds the record, which are
  compared, one record's values, or a small batch as CSV lines (a header row naming the fields);
- ``POST /portal/grants/{id}/verify`` — verified exactly as ``POST /api/v1/datasets/{code}/verify``
  verifies (``lakehouse.verify_exchange.verify_shared``: the one access decision, one SQL
  statement, one row of quota per record, audited); the page shows per record only 一致 (match),
  未找到 (not found) or 不一致 (differs) with the names of the fields that differ. The submitted
  values are the visitor's own; no stored value is ever on the page. It is a CSRF-checked form,
  so ID numbers never sit in a URL, a browser history or an access log.

A grant another department holds is "not found" (404, audited), as over the API. The fields
offered are those the grant lets the department verify (granted, and unmasked or a match key);
the decision is asked again, and audited, when the form is posted.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from catalog.errors import InvalidInput
from catalog.grants import get_grant
from catalog.models import Grant
from catalog.principals import Principal
from catalog.read_plan import grantee_mask
from catalog.resources import DatasetTerms
from catalog.settings import Settings
from exchange_api.deps import LazyLake, SessionDep, SettingsDep, serving_of
from exchange_api.identify import now_of
from exchange_api.payloads import PathId
from exchange_api.portal.forms import Checked, FormActor, LangQuery, Text, form_text, page_errors
from exchange_api.portal.frame import portal_page
from exchange_api.portal.i18n import DEFAULT_LANG, Lang
from exchange_api.portal.pages import PortalPrincipal
from exchange_api.portal.views import grant_view
from lakehouse.verify_exchange import verify_shared

__all__ = ["MAX_PORTAL_RECORDS", "router"]

MAX_PORTAL_RECORDS = 100
"""The largest batch the page takes (scripts use the API or ``zhongtai exchange verify``)."""

router = APIRouter(prefix="/portal", tags=["portal"], include_in_schema=False)
Values = Annotated[list[str] | None, Form()]


def _usable(grant: Grant, principal: Principal) -> list[dict[str, Any]]:
    """The fields this grant lets its department verify: granted, and unmasked or a match key
    (the owner's own publishers and stewards: every field)."""
    terms = DatasetTerms.of(grant.dataset)
    owner = principal.department_id == terms.owner_department_id
    granted, keys = set(grant.fields), set(grant.match_fields or ())
    return [
        {"name": f.name, "title": f.title_zh, "masked": grantee_mask(terms.field(f.name)).masked}
        for f in grant.dataset.fields
        if owner
        or (f.name in granted and (not grantee_mask(terms.field(f.name)).masked or f.name in keys))
    ]


def _page(
    request: Request,
    session: Session,
    settings: Settings,
    principal: Principal,
    lang: Lang,
    grant: Grant,
    **context: Any,
) -> HTMLResponse:
    now = now_of(request)
    session.refresh(grant)  # the quota a verification used
    context.setdefault("answer", None)
    context.setdefault("chosen", {"match_on": "", "compare": [], "batch": ""})
    return portal_page(
        request,
        session,
        settings,
        principal,
        "grant_verify.html",
        lang,
        current="grants",
        now=now,
        here=f"/portal/grants/{grant.id}/verify",
        grant=grant_view(grant, principal, lang, now=now),
        fields=_usable(grant, principal),
        max_records=MAX_PORTAL_RECORDS,
        **context,
    )


@router.get("/grants/{grant_id}/verify", response_class=HTMLResponse)
def verify_form(
    grant_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: PortalPrincipal,
    lang: LangQuery = DEFAULT_LANG,
) -> HTMLResponse:
    """The verify form of one grant."""
    with page_errors(session, lang):
        grant = get_grant(session, grant_id, principal, now=now_of(request))
    return _page(request, session, settings, principal, lang, grant)


def _batch_text(text: str) -> str:
    """The batch textarea: plain text, at most :data:`MAX_PORTAL_RECORDS` lines' worth."""
    text = text.strip()
    if "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        raise InvalidInput("the batch must be plain text", code="form.invalid")
    if len(text) > MAX_PORTAL_RECORDS * 200:
        raise InvalidInput("the batch is too long", code="verify.batch_size")
    return text


def _batch_records(text: str, fields: list[str]) -> list[dict[str, str]]:
    """CSV lines; the first names the fields (else they are ``fields``, in that order)."""
    lines = [line for line in text.splitlines() if line.strip()]
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    if rows and set(c.strip() for c in rows[0]) == set(fields):
        header, rows = [c.strip() for c in rows[0]], rows[1:]
    else:
        header = fields
    if len(rows) > MAX_PORTAL_RECORDS:
        raise InvalidInput(
            f"the page verifies at most {MAX_PORTAL_RECORDS} records", code="verify.batch_size"
        )
    if any(len(row) != len(header) for row in rows):
        raise InvalidInput(
            f"each line needs {len(header)} values: {', '.join(header)}",
            code="verify.record_invalid",
        )
    return [dict(zip(header, row, strict=True)) for row in rows]


@router.post("/grants/{grant_id}/verify", response_class=HTMLResponse)
def verify_post(
    grant_id: PathId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    principal: FormActor,
    lang: LangQuery = DEFAULT_LANG,
    match_on: Text = "",
    compare: Checked = None,
    names: Values = None,
    values: Values = None,
    batch: Text = "",
) -> HTMLResponse:
    """Verify one record (``names``/``values``) or a small batch (``batch``) through the grant."""
    with page_errors(session, lang):
        keys = [form_text(match_on, "match_on", required=True)]
        compared = [c for c in compare or () if c not in keys]
        batch = _batch_text(batch)
        grant = get_grant(session, grant_id, principal, now=now_of(request))
        used = keys + compared
        if batch:
            records = _batch_records(batch, used)
        else:
            given = dict(zip(names or (), values or (), strict=False))
            records = [{n: form_text(given.get(n, ""), n) for n in used}]
        lake = LazyLake(serving_of(request))  # reached only once the decision allowed it
        try:
            answer = verify_shared(
                session, lake, principal, grant.dataset, keys, compared, records, grant_id=grant.id
            )
        finally:
            lake.close()
        session.commit()
    titles = {f.name: f.title_zh for f in grant.dataset.fields}
    shown = [
        {
            **result,
            "key": records[result["index"]].get(keys[0], ""),
            "differs_titles": [titles.get(n, n) if lang == "zh" else n for n in result["differs"]],
        }
        for result in answer.document["results"]
    ]
    return _page(
        request,
        session,
        settings,
        principal,
        lang,
        grant,
        answer={"counts": answer.document["counts"], "results": shown, "event": answer.event.id},
        chosen={"match_on": keys[0], "compare": compared, "batch": batch},
    )
