"""The catalogue of audit event types: every :class:`catalog.events.AuditedEvent` subclass, with
its meaning (the class docstring) and its fields, rendered as ``catalog/AUDIT_EVENTS.md``.

``python -m catalog.event_catalog`` prints the document; a test fails when the committed file
differs, so an event type cannot be added, renamed or left undescribed without the document
saying so.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

from catalog.events import AuditedEvent

__all__ = ["DOCUMENT", "event_types", "render"]

DOCUMENT = Path(__file__).resolve().parent / "AUDIT_EVENTS.md"
_PACKAGES = ("catalog",)
"""Event classes live in the catalog (the one writer's package); a test checks none is elsewhere."""
_ENVELOPE = ("outcome", "dataset_id", "grant_id")

_HEAD = """# Audit event types

Generated from the event classes by `python -m catalog.event_catalog` (a test fails when this file
and the classes disagree). Every event, whatever its type, carries the same envelope in its own
columns, covered by its hash: sequence number (`id`, dense from 1), `occurred_at` (UTC), actor
account and department, `action`, `object` (`kind:id`), `dataset_id`, `grant_id`, `purpose`,
`params_sha256` (SHA-256 of the canonical detail without what was sent), `rows_sent`,
`bytes_sent`, `content_sha256` (of exactly the bytes sent), `outcome`, `prev_hash` and `hash`.
The fields below are each type's `detail`.
"""


def _load_all() -> None:
    for name in _PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            if ".migrations" not in module.name:
                importlib.import_module(module.name)


def event_types() -> list[type[AuditedEvent]]:
    """Every event class the platform defines, by action."""
    _load_all()
    found: set[type[AuditedEvent]] = set()
    pending = list(AuditedEvent.__subclasses__())
    while pending:
        cls = pending.pop()
        found.add(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.action)


def description(cls: type[AuditedEvent]) -> str:
    """The class's own docstring, on one line (empty when it has none of its own)."""
    own = cls.__dict__.get("__doc__") or ""
    if own.startswith(f"{cls.__name__}("):  # the signature dataclasses writes when there is none
        return ""
    return " ".join(inspect.cleandoc(own).split())


def render() -> str:
    lines = [_HEAD]
    for cls in event_types():
        fields = [f.name for f in dataclasses.fields(cls) if f.name not in _ENVELOPE]
        outcome = next(f for f in dataclasses.fields(cls) if f.name == "outcome").default
        lines.append(f"## `{cls.action}`\n")
        lines.append(f"{description(cls)}\n")
        lines.append(f"- class: `{cls.__module__}.{cls.__name__}`; outcome: `{outcome}`")
        lines.append(f"- detail: {', '.join(f'`{name}`' for name in fields) or '(none)'}\n")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(render())
