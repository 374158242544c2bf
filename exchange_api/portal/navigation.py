"""The portal's one navigation: a table of links, each shown when the access rules allow it.

Every link is a row of :data:`NAV` — its message key (``nav.<key>``, also the ``current`` name a
page passes), its path, its group, and the question that decides whether the caller is offered
it. Adding a page's link is adding one row (and its ``nav.<key>`` labels in zh and en). The
groups (:data:`GROUPS`, labels ``navgroup.<group>``) help a person find things: the catalog;
requests and the data they give; approvals and what a department supplies; audit and lineage.

Whether a link is shown is decided by ``catalog.policy.authorize``, never by comparing roles
here. A link about datasets ("could I file a request for *some* dataset?") asks about one
representative of each kind of dataset (``catalog.dataset_kinds``: owned by the caller's
department or not, share type, barred whole by the negative list) instead of every dataset, so
the navigation costs the same few queries however large the catalog is. "My grants", the inbox
and "grants given" ask about a hypothetical request or grant built from that dataset
(:func:`request_on`, :func:`grant_on`): the question is "could I act here", not "on which
object". Nothing is audited: this only decides what to offer; the act itself is decided again,
and audited, when done.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from catalog import actions as act
from catalog.actions import Action
from catalog.dataset_kinds import dataset_kinds
from catalog.lineage_edges import dataset_node
from catalog.models import RequestStatus
from catalog.policy import Allowed, authorize
from catalog.policy_lineage import LineageTerms
from catalog.policy_scenarios import ScenarioTerms
from catalog.principals import Principal
from catalog.resources import (
    PLATFORM,
    DatasetTerms,
    GrantTerms,
    RequestTerms,
    Resource,
    ScorecardTerms,
)
from exchange_api.portal.i18n import Lang

__all__ = [
    "GROUPS",
    "NAV",
    "NavEntry",
    "NavGroup",
    "NavLink",
    "Offer",
    "allowed",
    "grant_on",
    "grouped",
    "lineage_of",
    "navigation",
    "request_on",
]


def allowed(
    principal: Principal,
    action: Action,
    resource: Resource | LineageTerms | ScenarioTerms,
    now: dt.datetime,
) -> bool:
    """Whether the one access decision lets ``principal`` do ``action`` (nothing is audited:
    this only decides what to offer; the act itself is decided again, and audited, when done)."""
    return isinstance(authorize(principal, action, resource, now=now), Allowed)


def request_on(dataset: DatasetTerms) -> RequestTerms:
    """A pending request for ``dataset`` filed by some other department (id 0 is nobody)."""
    return RequestTerms(
        request_id=0, dataset=dataset, requester_department_id=0, status=RequestStatus.PENDING
    )


def grant_on(dataset: DatasetTerms, grantee_department_id: int) -> GrantTerms:
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


def lineage_of(dataset: DatasetTerms) -> LineageTerms:
    return LineageTerms(dataset_node(dataset.code), frozenset({dataset.owner_department_id}))


@dataclass(frozen=True, slots=True)
class Offer:
    """What a link's question is asked over: the caller, the moment, and one dataset of each
    kind the catalog holds (``catalog.dataset_kinds``)."""

    principal: Principal
    now: dt.datetime
    kinds: tuple[DatasetTerms, ...]

    def may(self, action: Action, resource: Resource | LineageTerms | ScenarioTerms) -> bool:
        return allowed(self.principal, action, resource, self.now)

    def on_some_dataset(
        self,
        action: Action,
        resource: Callable[[DatasetTerms], Resource | LineageTerms | ScenarioTerms],
    ) -> bool:
        """Whether ``action`` is allowed over ``resource(dataset)`` for some dataset."""
        return any(self.may(action, resource(d)) for d in self.kinds)

    @property
    def own(self) -> int:
        return self.principal.department_id


OnDataset = Callable[[DatasetTerms, int], Resource | LineageTerms | ScenarioTerms]
"""What a link asks about, built from a dataset and the caller's department."""


@dataclass(frozen=True, slots=True)
class NavEntry:
    """One row of the navigation's table."""

    key: str
    path: str
    group: str
    shown: Callable[[Offer], bool]


def _itself(dataset: DatasetTerms, own: int) -> DatasetTerms:
    return dataset


def _own_grant(dataset: DatasetTerms, own: int) -> GrantTerms:
    return grant_on(dataset, own)


def _given_grant(dataset: DatasetTerms, own: int) -> GrantTerms:
    return grant_on(dataset, 0)


def _pending(dataset: DatasetTerms, own: int) -> RequestTerms:
    return request_on(dataset)


def _lineage(dataset: DatasetTerms, own: int) -> LineageTerms:
    return lineage_of(dataset)


def _platform(action: Action) -> Callable[[Offer], bool]:
    """Shown when ``action`` is allowed on the platform."""
    return lambda o: o.may(action, PLATFORM)


def _some(action: Action, about: OnDataset = _itself) -> Callable[[Offer], bool]:
    """Shown when ``action`` is allowed over ``about(dataset, own department)`` for some
    dataset."""
    return lambda o: o.on_some_dataset(action, lambda d: about(d, o.own))


def _always(offer: Offer) -> bool:
    return True


def _scenario_with(dataset: DatasetTerms, own: int) -> ScenarioTerms:
    """A scenario filed by some other department with ``dataset`` among its members."""
    return ScenarioTerms(0, 0, frozenset({dataset.owner_department_id}), live=False)


def _scenarios(offer: Offer) -> bool:
    """May file a scenario (a request for some dataset), or would see one with a member of
    some dataset (its owner, an auditor, an admin)."""
    return _some(act.REQUEST_FILE)(offer) or _some(act.SCENARIO_VIEW, _scenario_with)(offer)


def _own_card(offer: Offer) -> bool:
    return offer.may(act.SCORECARD_VIEW, ScorecardTerms(offer.own))


NAV: tuple[NavEntry, ...] = (
    NavEntry("home", "/portal/", "catalog", _always),
    NavEntry("catalog", "/portal/catalog", "catalog", _some(act.DATASET_VIEW)),
    NavEntry("lists", "/portal/lists/responsibilities", "catalog", _platform(act.LISTS_VIEW)),
    NavEntry("elements", "/portal/elements", "catalog", _platform(act.ELEMENT_VIEW)),
    NavEntry("requests", "/portal/requests", "use", _some(act.REQUEST_FILE)),
    NavEntry("scenarios", "/portal/scenarios", "use", _scenarios),
    NavEntry("grants", "/portal/grants", "use", _some(act.GRANT_RENEW, _own_grant)),
    NavEntry("reports", "/portal/reports", "use", _platform(act.REPORT_PREFILL)),
    NavEntry("inbox", "/portal/inbox", "provide", _some(act.REQUEST_APPROVE, _pending)),
    NavEntry("given", "/portal/given", "provide", _some(act.GRANT_REVOKE, _given_grant)),
    NavEntry("contracts", "/portal/datasets/contract", "provide", _some(act.DATASET_REVISE)),
    NavEntry("scorecards", "/portal/scorecards", "provide", _own_card),
    NavEntry("audit", "/portal/audit", "audit", _platform(act.AUDIT_VIEW)),
    NavEntry("usage", "/portal/audit/usage", "audit", _platform(act.AUDIT_USAGE)),
    NavEntry("evidence", "/portal/audit/evidence", "audit", _platform(act.AUDIT_EXPORT)),
    NavEntry("lineage", "/portal/lineage", "audit", _some(act.LINEAGE_VIEW, _lineage)),
)
"""Every link, in the order shown; each group's links stay together."""

GROUPS: tuple[str, ...] = ("catalog", "use", "provide", "audit")
"""The navigation's groups, in order; each labelled ``navgroup.<group>``."""


@dataclass(frozen=True, slots=True)
class NavLink:
    """One link of the navigation: its label's message key, where it goes, whether it is here."""

    label: str
    href: str
    current: bool
    group: str = "catalog"


@dataclass(frozen=True, slots=True)
class NavGroup:
    """A group of links as the page shows it: its label's message key and its links."""

    label: str
    links: tuple[NavLink, ...]

    @property
    def current(self) -> bool:
        return any(link.current for link in self.links)


def navigation(
    session: Session, principal: Principal, lang: Lang, current: str, now: dt.datetime
) -> tuple[NavLink, ...]:
    """The links ``principal`` is offered, each decided by the access rules, in a bounded
    number of queries (``catalog.dataset_kinds``)."""
    offer = Offer(principal, now, tuple(dataset_kinds(session, principal.department_id)))
    return tuple(
        NavLink(f"nav.{e.key}", f"{e.path}?lang={lang}", e.key == current, e.group)
        for e in NAV
        if e.shown(offer)
    )


def grouped(links: tuple[NavLink, ...]) -> tuple[NavGroup, ...]:
    """``links`` in their groups, in :data:`GROUPS` order; empty groups left out."""
    groups = (
        NavGroup(f"navgroup.{g}", tuple(link for link in links if link.group == g)) for g in GROUPS
    )
    return tuple(g for g in groups if g.links)
