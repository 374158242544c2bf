"""The reconciliation rules, as plain functions over plain values (no session).

``catalog.usage_reconcile`` gathers a grant's use from the audit log and asks these what to
flag. Each rule, and each constant it uses, is the documented definition:

- **volume spike** (``volume_spike``): a day (China Standard Time) on which a grant sent at
  least :data:`SPIKE_MIN_ROWS` rows *and* at least :data:`SPIKE_FACTOR` times its typical day,
  where the typical day is the median rows of the grant's *active* days (days with at least one
  row sent) in the :data:`SPIKE_LOOKBACK_DAYS` days before it. With fewer than
  :data:`SPIKE_MIN_BASELINE_DAYS` such days there is no typical day yet and nothing is flagged
  (a grant's first pull is not a spike). Only the trailing days count, so a day's verdict never
  changes as later days are added, and a spike does not raise its own baseline.
- **reads near expiry** (``near_expiry``): reads in the :data:`NEAR_EXPIRY_DAYS` days before
  the grant's ``expires_at`` (the last week of its life).
- **reads after the end** (``after_end``): reads at or after the grant expired or was revoked
  (or superseded). The access decision refuses those, so any such read is a defect to chase.
- **quota** (``quota_high``, ``quota_exhausted``): rows used at least :data:`QUOTA_HIGH` of the
  quota, or all of it.
- **columns never read** (``columns_never_read``): granted fields no read ever used, over the
  grant's whole life up to the report's last day. A field is *used* when a read delivered it
  (query, bulk, changes, subscription), verify matched or compared on it, or an aggregate
  grouped by or summed it; a field that was only filtered on is not.
- **modes never used** (``modes_never_used``), **grant never used** (``unused``): likewise
  over the grant's whole life; an unused grant is flagged only as unused.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FINDINGS",
    "NEAR_EXPIRY_DAYS",
    "QUOTA_HIGH",
    "SPIKE_FACTOR",
    "SPIKE_LOOKBACK_DAYS",
    "SPIKE_MIN_BASELINE_DAYS",
    "SPIKE_MIN_ROWS",
    "Spike",
    "columns_used",
    "quota_findings",
    "spikes",
]

SPIKE_FACTOR = 5
SPIKE_MIN_ROWS = 100
SPIKE_LOOKBACK_DAYS = 30
SPIKE_MIN_BASELINE_DAYS = 3
NEAR_EXPIRY_DAYS = 7
QUOTA_HIGH = 0.9

FINDINGS: tuple[str, ...] = (
    "after_end",
    "volume_spike",
    "near_expiry",
    "quota_exhausted",
    "quota_high",
    "unused",
    "columns_never_read",
    "modes_never_used",
)
"""Every finding code, most pressing first (the order a report lists them in)."""

_DELIVERED = frozenset(
    {"data.read", "data.bulk_delivered", "data.changes_read", "subscription.delivered"}
)


@dataclass(frozen=True, slots=True)
class Spike:
    day: dt.date
    rows: int
    typical: float
    """The median rows of the grant's active days in the lookback before ``day``."""


def spikes(
    daily_rows: Mapping[dt.date, int], first_day: dt.date, last_day: dt.date
) -> tuple[Spike, ...]:
    """The spike days between ``first_day`` and ``last_day`` (inclusive), by the rule above.
    ``daily_rows`` may (and should) hold the lookback days before ``first_day`` too."""
    found: list[Spike] = []
    for day in sorted(daily_rows):
        rows = daily_rows[day]
        if day < first_day or day > last_day or rows < SPIKE_MIN_ROWS:
            continue
        since = day - dt.timedelta(days=SPIKE_LOOKBACK_DAYS)
        baseline = [n for d, n in daily_rows.items() if since <= d < day and n > 0]
        if len(baseline) < SPIKE_MIN_BASELINE_DAYS:
            continue
        typical = float(statistics.median(baseline))
        if rows >= SPIKE_FACTOR * typical:
            found.append(Spike(day, rows, typical))
    return tuple(found)


def _names(value: Any) -> Iterable[str]:
    if isinstance(value, list | tuple):
        return (v for v in value if isinstance(v, str))
    return ()


def columns_used(action: str, detail: Mapping[str, Any]) -> set[str]:
    """The fields an audited read used (see the module docstring), from its event's detail."""
    if action in _DELIVERED:
        return set(_names(detail.get("columns")))
    if action == "data.verified":
        return set(_names(detail.get("match_on"))) | set(_names(detail.get("compare")))
    if action == "data.aggregated":
        used = set(_names(detail.get("group_by")))
        for label in _names(detail.get("measures")):
            if label.startswith("sum_"):
                used.add(label.removeprefix("sum_"))
        return used
    return set()


def quota_findings(quota_rows: int | None, rows_used: int) -> tuple[str, ...]:
    if not quota_rows:
        return ()
    if rows_used >= quota_rows:
        return ("quota_exhausted",)
    if rows_used >= QUOTA_HIGH * quota_rows:
        return ("quota_high",)
    return ()
