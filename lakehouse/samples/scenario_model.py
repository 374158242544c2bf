"""The scenario world's values: people, payments, cases, the rows each dataset sends, the truth.

Plain frozen dataclasses; :mod:`lakehouse.samples.scenarios` builds them and
:mod:`lakehouse.samples.scenario_files` writes the rows out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

__all__ = [
    "Assistance",
    "Care",
    "Case",
    "Disability",
    "OnTime",
    "Payment",
    "Person",
    "ReuseTruth",
    "Truth",
    "World",
]

LIVING = "生活补贴"
CARE = "护理补贴"


@dataclass(frozen=True, slots=True)
class Disability:
    """A 残联 registration: GB/T 26341 category and level (1 is the most severe)."""

    category: str
    level: int
    certified_on: dt.date


@dataclass(frozen=True, slots=True)
class Assistance:
    """A 民政 recognition: 低保, 特困 or 低边."""

    kind: str
    household_no: str
    approved_on: dt.date
    monthly_amount: Decimal


@dataclass(frozen=True, slots=True)
class Care:
    """The latest 卫健 long-term-care assessment: grade 0-5, 3 and above severe."""

    grade: int
    assessed_on: dt.date


@dataclass(frozen=True, slots=True)
class Person:
    citizen_id: str
    name: str
    region: str
    street: str
    address: str
    mobile: str
    employment: str
    insurance: str
    disability: Disability | None = None
    assistance: Assistance | None = None
    care: Care | None = None

    @property
    def in_hangzhou(self) -> bool:
        return self.region.startswith("3301")


@dataclass(frozen=True, slots=True)
class Payment:
    """One 财政 payment: a subsidy to a person for a month."""

    citizen_id: str
    subsidy: str
    period: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Case:
    """One 民呼我为 case in the system of ``owner`` (a department code)."""

    owner: str
    case_id: str
    citizen_name: str
    mobile: str
    address: str
    category: str
    handling_department: str
    received_at: dt.datetime
    deadline: dt.datetime
    replied_at: dt.datetime | None
    status: str
    reply: str


@dataclass(frozen=True, slots=True)
class OnTime:
    """One handling department's cases as of the world's date: ``on_time`` replied at or before
    the deadline, ``late`` replied after it, ``open_overdue`` unreplied with the deadline passed,
    ``open_in_time`` unreplied with the deadline still ahead; ``total`` all of them."""

    on_time: int
    total: int
    late: int = 0
    open_overdue: int = 0
    open_in_time: int = 0

    @property
    def ratio(self) -> float:
        return self.on_time / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class ReuseTruth:
    """How the platform can fill one report field: ``dataset`` is where the value comes from
    (None: the office must collect it); ``repeated`` marks a field the office still collects by
    hand although that dataset shares it."""

    fill: str
    dataset: str | None
    repeated: bool


@dataclass(frozen=True, slots=True)
class Truth:
    eligible: dict[str, tuple[str, ...]]
    """citizen_id → the subsidies (生活补贴, 护理补贴) a person qualifies for and was never paid."""
    rows_per_county: dict[str, int]
    """Rows of the provincial returned dataset per county code."""
    cases_on_time: dict[str, OnTime]
    """Per handling department: cases replied by the deadline, and all its cases."""
    report_fields: dict[str, ReuseTruth]
    """Per street-monthly template field: where the platform fills it from, or None."""
    report_values: dict[str, str]
    """The platform-filled fields' values for the report month and street, as text."""


@dataclass(frozen=True, slots=True)
class World:
    seed: int
    as_of: dt.date
    report_month: str
    street: str
    people: tuple[Person, ...]
    payments: tuple[Payment, ...]
    cases: tuple[Case, ...]
    rows: dict[str, tuple[dict[str, str | int | float], ...]]
    """Dataset code → its extract's rows, source column → cell, as the department writes them."""
    full_width: dict[str, tuple[str, ...]]
    """Dataset code → the citizen IDs (normalised) of the rows written with full-width text."""
    truth: Truth
