"""Every audited act is a named, documented event type: the catalogue in catalog/AUDIT_EVENTS.md
is the classes' own, and no event class hides outside the catalog package."""

from __future__ import annotations

import importlib
import pkgutil

from catalog.event_catalog import DOCUMENT, description, event_types, render
from catalog.events import AuditedEvent


def _every_event_class() -> set[type[AuditedEvent]]:
    # Not ``dags``: importing Airflow here would configure it before the DAG tests' own home.
    for name in ("catalog", "quality", "lakehouse", "exchange_api"):
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)
    found: set[type[AuditedEvent]] = set()
    pending = list(AuditedEvent.__subclasses__())
    while pending:
        cls = pending.pop()
        found.add(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_every_event_class_is_in_the_catalogue() -> None:
    everywhere = _every_event_class()
    assert everywhere == set(event_types()), "event classes must live in the catalog package"


def test_every_event_type_says_what_it_means() -> None:
    undescribed = [cls.action for cls in event_types() if len(description(cls)) < 20]
    assert undescribed == []


def test_action_names_are_unique_and_dotted() -> None:
    actions = [cls.action for cls in event_types()]
    assert len(actions) == len(set(actions))
    assert all(a.count(".") == 1 and a == a.lower() for a in actions)


def test_the_committed_document_is_current() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == render(), (
        "regenerate it: python -m catalog.event_catalog > catalog/AUDIT_EVENTS.md"
    )
