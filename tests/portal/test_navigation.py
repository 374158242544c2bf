"""The one navigation: the same links as asking ``authorize`` about every dataset (the old
per-dataset navigation, kept here as the oracle), for every seeded account of several catalogs,
in a number of queries that does not grow with the catalog."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from catalog import actions as act
from catalog.actions import Action
from catalog.datasets import list_datasets
from catalog.db import init_catalog
from catalog.models import Account, Dataset, Department
from catalog.negative_tables import NegativeListEntry
from catalog.policy import authorize
from catalog.policy_lineage import LineageTerms
from catalog.policy_scenarios import ScenarioTerms
from catalog.principals import Principal
from catalog.resources import PLATFORM, DatasetTerms, Resource, ScorecardTerms
from exchange_api.demo import seed
from exchange_api.portal import navigation as navigation_module
from exchange_api.portal.navigation import (
    GROUPS,
    NAV,
    allowed,
    grant_on,
    grouped,
    lineage_of,
    navigation,
    request_on,
)
from exchange_api.scenario_world import seed_scenarios
from schemas.loader import Grade, OpenType, ShareType

NOW = dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.UTC)


def per_dataset_navigation(session: Session, principal: Principal) -> set[str]:
    """The navigation before ``catalog.dataset_kinds``: every dataset asked about (the oracle)."""
    datasets = DatasetTerms.of_all(session, list_datasets(session))

    def any_allowed(
        action: Action, resource: Callable[[DatasetTerms], Resource | LineageTerms | ScenarioTerms]
    ) -> bool:
        return any(allowed(principal, action, resource(d), NOW) for d in datasets)

    def may(action: Action, resource: Resource) -> bool:
        return allowed(principal, action, resource, NOW)

    own = principal.department_id
    shown = {
        "home": True,
        "catalog": any_allowed(act.DATASET_VIEW, lambda d: d),
        "requests": any_allowed(act.REQUEST_FILE, lambda d: d),
        "scenarios": any_allowed(act.REQUEST_FILE, lambda d: d)
        or any_allowed(
            act.SCENARIO_VIEW,
            lambda d: ScenarioTerms(0, 0, frozenset({d.owner_department_id}), live=False),
        ),
        "grants": any_allowed(act.GRANT_RENEW, lambda d: grant_on(d, own)),
        "inbox": any_allowed(act.REQUEST_APPROVE, request_on),
        "given": any_allowed(act.GRANT_REVOKE, lambda d: grant_on(d, 0)),
        "reports": may(act.REPORT_PREFILL, PLATFORM),
        "audit": may(act.AUDIT_VIEW, PLATFORM),
        "usage": may(act.AUDIT_USAGE, PLATFORM),
        "evidence": may(act.AUDIT_EXPORT, PLATFORM),
        "lineage": any_allowed(act.LINEAGE_VIEW, lineage_of),
        "scorecards": may(act.SCORECARD_VIEW, ScorecardTerms(own)),
        "lists": may(act.LISTS_VIEW, PLATFORM),
        "elements": may(act.ELEMENT_VIEW, PLATFORM),
        "contracts": any_allowed(act.DATASET_REVISE, lambda d: d),
    }
    return {key for key, yes in shown.items() if yes}


def shown_keys(session: Session, principal: Principal) -> list[str]:
    return [
        link.label.removeprefix("nav.") for link in navigation(session, principal, "zh", "", NOW)
    ]


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    made = init_catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    yield made
    made.kw["bind"].dispose()


def _bar(session: Session, code: str, field: str | None) -> None:
    dataset = session.scalars(select(Dataset).where(Dataset.code == code)).one()
    session.add(
        NegativeListEntry(
            dataset_id=dataset.id,
            field_name=field,
            legal_basis="《测试》第一条",
            review_date=dt.date(2026, 1, 1),
            added_by_account_id=None,
        )
    )


def _demo(session: Session) -> None:
    seed(session)


def _scenarios(session: Session) -> None:
    seed_scenarios(session)


def _both_with_negative_list(session: Session) -> None:
    seed(session)
    seed_scenarios(session)
    codes = [d.code for d in list_datasets(session)]
    _bar(session, codes[0], None)  # one dataset barred whole
    _bar(session, codes[1], "id_number")  # a field entry does not change what is offered


@pytest.mark.parametrize("build", [_demo, _scenarios, _both_with_negative_list])
def test_the_navigation_equals_asking_about_every_dataset(
    sessions: sessionmaker[Session], build: Callable[[Session], None]
) -> None:
    with sessions() as session:
        build(session)
        session.commit()
        accounts = list(session.scalars(select(Account).order_by(Account.name)))
        assert len(accounts) >= 5
        for account in accounts:
            principal = Principal.of(account)
            keys = shown_keys(session, principal)
            assert set(keys) == per_dataset_navigation(session, principal), account.name


def test_a_department_whose_only_datasets_are_barred_whole_is_offered_what_the_oracle_offers(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        seed(session)
        for dataset in list_datasets(session):
            _bar(session, dataset.code, None)
        session.commit()
        for account in session.scalars(select(Account)):
            principal = Principal.of(account)
            assert set(shown_keys(session, principal)) == per_dataset_navigation(
                session, principal
            ), account.name


def _add_datasets(session: Session, count: int) -> None:
    departments = list(session.scalars(select(Department).order_by(Department.id)))
    share_types = list(ShareType)
    for i in range(count):
        session.add(
            Dataset(
                code=f"bulk_{i:04d}",
                title_zh=f"批量资源{i}",
                title_en=f"Bulk dataset {i}",
                owner_department_id=departments[i % len(departments)].id,
                share_type=share_types[i % len(share_types)],
                open_type=OpenType.NOT_OPEN,
                grade=Grade.GENERAL,
                update_cycle="daily",
            )
        )
    session.flush()


def _queries(session: Session, principal: Principal) -> tuple[int, int]:
    """The statements the navigation sends, and the access decisions it asks for."""
    statements: list[Any] = []
    decisions: list[Any] = []

    def decide(*args: Any, **kwargs: Any) -> Any:
        decisions.append(args[1])
        return authorize(*args, **kwargs)

    def count(*args: Any) -> None:
        statements.append(args[2])

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        session.expire_all()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(navigation_module, "authorize", decide)
            navigation(session, principal, "zh", "home", NOW)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements), len(decisions)


def test_the_navigation_costs_the_same_queries_however_many_datasets(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        seed(session)
        session.commit()
        accounts = list(session.scalars(select(Account).order_by(Account.name)))
        principals = [Principal.of(a) for a in accounts]
        before = {p.account_id: _queries(session, p) for p in principals}
        _add_datasets(session, 60)
        session.commit()
        after = {p.account_id: _queries(session, p) for p in principals}
        session.execute(Dataset.__table__.delete().where(Dataset.code.like("bulk_%")))
        _add_datasets(session, 300)
        session.commit()
        much_after = {p.account_id: _queries(session, p) for p in principals}
    assert max(q for q, _ in before.values()) <= 6, before
    assert max(d for _, d in before.values()) <= 14 * 12, before  # links × kinds at most
    # the queries never change; the decisions grow only with the kinds (the bulk datasets
    # bring share types the demo lacks), then stay put from 60 datasets to 300
    assert {q for q, _ in [*before.values(), *after.values(), *much_after.values()]} == {
        before[principals[0].account_id][0]
    }
    assert much_after == after, (after, much_after)
    assert max(d for _, d in much_after.values()) <= 14 * 12, much_after


def test_every_link_is_a_row_of_the_table_in_a_known_group() -> None:
    keys = [e.key for e in NAV]
    assert len(keys) == len(set(keys))
    assert {e.group for e in NAV} <= set(GROUPS)
    order = [GROUPS.index(e.group) for e in NAV]
    assert order == sorted(order)  # each group's links stay together


def test_the_groups_keep_the_links_and_mark_the_current_one(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        seed(session)
        session.commit()
        auditor = session.scalars(select(Account).where(Account.name == "dsj-audit")).one()
        links = navigation(session, Principal.of(auditor), "en", "evidence", NOW)
    groups = grouped(links)
    assert [link for g in groups for link in g.links] == list(links)
    assert [g.label for g in groups if g.current] == ["navgroup.audit"]
    assert all(link.href.endswith("?lang=en") for link in links)
