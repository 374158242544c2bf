"""The frame of every signed-in portal page: navigation, language switch, the session's CSRF token.

Which links the navigation shows is decided by ``catalog.policy.authorize``, never by comparing
roles here: the catalog is shown to whoever may view a dataset; "my requests" to whoever may file
a request for some dataset; "my grants" to whoever may renew a grant its department would hold;
the inbox to whoever may approve a pending request for some dataset, filed by another department;
"grants given" to whoever may revoke a grant of some dataset; the audit log and usage pages to
whoever may do ``audit.view`` and ``audit.usage``; lineage to whoever may follow some dataset's
(``lineage.view``); scorecards to whoever may see its own department's (``scorecard.view``).
"My grants", the inbox and "grants given" ask
about a hypothetical request or grant built from each dataset's catalog row
(:func:`_request_on`, :func:`_grant_on`), since the question is "could I act here", not "on which
object".

Every link and form keeps the page's language (``?lang=``); the switch keeps the rest of the
query (the page of rows, say).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog.actions import Action
from catalog.datasets import list_datasets
from catalog.lineage_edges import dataset_node
from catalog.models import Department, RequestStatus
from catalog.policy import Allowed, authorize
from catalog.policy_lineage import LineageTerms
from catalog.principals import Principal
from catalog.resources import (
    PLATFORM,
    DatasetTerms,
    GrantTerms,
    RequestTerms,
    Resource,
    ScorecardTerms,
)
from catalog.settings import Settings
from exchange_api.portal.forms import csrf_for
from exchange_api.portal.i18n import Lang
from exchange_api.portal.pages import SESSION_COOKIE, render_page

__all__ = ["NavLink", "allowed", "navigation", "portal_page", "switch_href"]


@dataclass(frozen=True, slots=True)
class NavLink:
    """One link of the navigation: its label's message key, where it goes, whether it is here."""

    label: str
    href: str
    current: bool


def allowed(
    principal: Principal, action: Action, resource: Resource | LineageTerms, now: dt.datetime
) -> bool:
    """Whether the one access decision lets ``principal`` do ``action`` (nothing is audited:
    this only decides what to offer; the act itself is decided again, and audited, when done)."""
    return isinstance(authorize(principal, action, resource, now=now), Allowed)


def _request_on(dataset: DatasetTerms) -> RequestTerms:
    """A pending request for ``dataset`` filed by some other department (id 0 is nobody)."""
    return RequestTerms(
        request_id=0, dataset=dataset, requester_department_id=0, status=RequestStatus.PENDING
    )


def _grant_on(dataset: DatasetTerms, grantee_department_id: int) -> GrantTerms:
    """A live grant of ``dataset`` held by ``grantee_department_id``."""
    return GrantTerms(
        grant_id=0,
        dataset_code=dataset.code,
        grantee_department_id=grantee_department_id,
        fields=(),
        row_filter=(),
        access_modes=frozenset(),
        purpose="",
        quota_rows=None,
        rows_used=0,
        expires_at=None,
        revoked_at=None,
        dataset=dataset,
    )


def _lineage_of(dataset: DatasetTerms) -> LineageTerms:
    return LineageTerms(dataset_node(dataset.code), frozenset({dataset.owner_department_id}))


def navigation(
    session: Session, principal: Principal, lang: Lang, current: str, now: dt.datetime
) -> tuple[NavLink, ...]:
    """The links ``principal`` is offered, each decided by the access rules."""
    datasets = DatasetTerms.of_all(session, list_datasets(session))

    def any_allowed(
        action: Action, resource: Callable[[DatasetTerms], Resource | LineageTerms]
    ) -> bool:
        return any(allowed(principal, action, resource(d), now) for d in datasets)

    wanted = [("home", "/portal/", True)]
    wanted.append(("catalog", "/portal/catalog", any_allowed(act.DATASET_VIEW, lambda d: d)))
    wanted.append(("requests", "/portal/requests", any_allowed(act.REQUEST_FILE, lambda d: d)))
    own = principal.department_id
    wanted.append(
        ("grants", "/portal/grants", any_allowed(act.GRANT_RENEW, lambda d: _grant_on(d, own)))
    )
    wanted.append(("inbox", "/portal/inbox", any_allowed(act.REQUEST_APPROVE, _request_on)))
    wanted.append(
        ("given", "/portal/given", any_allowed(act.GRANT_REVOKE, lambda d: _grant_on(d, 0)))
    )
    wanted.append(("audit", "/portal/audit", allowed(principal, act.AUDIT_VIEW, PLATFORM, now)))
    wanted.append(
        ("usage", "/portal/audit/usage", allowed(principal, act.AUDIT_USAGE, PLATFORM, now))
    )
    wanted.append(
        ("evidence", "/portal/audit/evidence", allowed(principal, act.AUDIT_EXPORT, PLATFORM, now))
    )
    lineage = any_allowed(act.LINEAGE_VIEW, _lineage_of)
    wanted.append(("lineage", "/portal/lineage", lineage))
    own_card = ScorecardTerms(principal.department_id)
    wanted.append(
        ("scorecards", "/portal/scorecards", allowed(principal, act.SCORECARD_VIEW, own_card, now))
    )
    wanted.append(
        ("reports", "/portal/reports", allowed(principal, act.REPORT_PREFILL, PLATFORM, now))
    )
    lists = allowed(principal, act.LISTS_VIEW, PLATFORM, now)
    wanted.append(("lists", "/portal/lists/responsibilities", lists))
    wanted.append(
        ("elements", "/portal/elements", allowed(principal, act.ELEMENT_VIEW, PLATFORM, now))
    )
    contracts = any_allowed(act.DATASET_REVISE, lambda d: d)
    wanted.append(("contracts", "/portal/datasets/contract", contracts))
    return tuple(
        NavLink(f"nav.{key}", f"{path}?lang={lang}", key == current)
        for key, path, shown in wanted
        if shown
    )


def switch_href(request: Request, lang: Lang, path: str | None = None) -> str:
    """This page (or ``path``) in the other language, the rest of its query kept."""
    other = "en" if lang == "zh" else "zh"
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    if path is not None:
        query = []
    return f"{path or request.url.path}?{urlencode([*query, ('lang', other)])}"


def portal_page(
    request: Request,
    session: Session,
    settings: Settings,
    principal: Principal,
    template: str,
    lang: Lang,
    *,
    current: str,
    now: dt.datetime,
    status: int = 200,
    here: str | None = None,
    **context: Any,
) -> HTMLResponse:
    """``template`` in the frame: navigation, who is signed in, the switch, the CSRF token
    (``None`` without a session cookie: a page read with a bearer header offers no forms)."""
    department = session.get(Department, principal.department_id)
    return render_page(
        template,
        lang,
        status,
        nav=navigation(session, principal, lang, current, now),
        who=department.name if department is not None else principal.department_code,
        switch_href=switch_href(request, lang, here),
        csrf=csrf_for(settings, request.cookies.get(SESSION_COOKIE)),
        **context,
    )
