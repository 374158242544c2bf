"""The audited acts of the responsibility list (责任清单) and the demand list (需求清单).

Kept beside ``catalog.events`` (same base, written only through ``catalog.audit.record``). Every
event names its item in ``resource`` (``responsibility:<id>``, ``demand:<id>``), which is the
envelope's object; the dataset an act concerns is the envelope's ``dataset_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from catalog.events import AuditedEvent

__all__ = [
    "DemandDeclined",
    "DemandFiled",
    "DemandFulfilled",
    "DemandMatched",
    "DemandRequested",
    "ResponsibilityAdded",
    "ResponsibilityLinked",
    "ResponsibilityRetired",
]


@dataclass(frozen=True, kw_only=True)
class ResponsibilityAdded(AuditedEvent):
    """An admin put a duty on a department's responsibility list: what it must provide, on what
    legal basis, how often and at what minimum quality score."""

    action: ClassVar[str] = "responsibility.added"
    resource: str
    department: str
    """The responsible department's code."""
    title_zh: str
    legal_basis: str
    update_cycle: str
    min_quality_score: float


@dataclass(frozen=True, kw_only=True)
class ResponsibilityLinked(AuditedEvent):
    """A responsibility was linked to the dataset (of the same department) that fulfils it."""

    action: ClassVar[str] = "responsibility.linked"
    resource: str
    department: str
    dataset: str
    """The linked dataset's code."""
    previous_dataset: str = ""
    """The code of the dataset linked before, if another one was."""


@dataclass(frozen=True, kw_only=True)
class ResponsibilityRetired(AuditedEvent):
    """A responsibility was retired from the list (kept on the record, no longer measured)."""

    action: ClassVar[str] = "responsibility.retired"
    resource: str
    department: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class DemandFiled(AuditedEvent):
    """A department put a demand for data on the demand list, with scenario and legal duty."""

    action: ClassVar[str] = "demand.filed"
    resource: str
    requester_department: str
    title: str
    fields_wanted: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class DemandMatched(AuditedEvent):
    """A demand was matched to a dataset of another department that could answer it."""

    action: ClassVar[str] = "demand.matched"
    resource: str
    dataset: str
    owner_department: str
    previous_dataset: str = ""


@dataclass(frozen=True, kw_only=True)
class DemandRequested(AuditedEvent):
    """The requesting department filed a share request for its matched demand."""

    action: ClassVar[str] = "demand.requested"
    resource: str
    request_id: int


@dataclass(frozen=True, kw_only=True)
class DemandFulfilled(AuditedEvent):
    """The share request filed for a demand was approved: the demand is met."""

    action: ClassVar[str] = "demand.fulfilled"
    resource: str
    request_id: int


@dataclass(frozen=True, kw_only=True)
class DemandDeclined(AuditedEvent):
    """A demand was declined (no dataset can answer it, or its owner cannot share it), with the
    reason the requesting department is given."""

    action: ClassVar[str] = "demand.declined"
    resource: str
    reason: str
