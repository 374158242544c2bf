"""How a dataset contract says its batches enter the lake: the ``publish:`` block, parsed.

Every key is optional; a contract without the block means what it meant before it existed::

    publish:
      mode: append              # append | merge | replace
      duplicate_keys: quarantine  # quarantine | keep_first | keep_last

``mode`` (``lakehouse.publish_modes``), in the batch's one DuckLake transaction:

- ``append`` (default): the batch's passing rows are added. The primary key is unique across the
  whole table: a row whose key is already in the table is quarantined with rule
  ``primary_key.exists`` (re-delivered rows, the same file saved with other line endings);
- ``merge``: upsert on the primary key: a row replaces the table's row with the same key (the
  change feed shows it as ``changed``), a new key is inserted. Needs a primary key;
- ``replace``: the batch's passing rows become the whole table (earlier snapshots keep the old
  rows for time travel).

``duplicate_keys``: what happens to rows of one batch sharing a primary key:

- ``quarantine`` (default): every copy fails quality rule ``primary_key.unique``;
- ``keep_first`` / ``keep_last``: the first / last passing copy in source order is published; the
  others go to the quarantine table with rule ``primary_key.superseded`` and are reported as
  superseded, not as quality failures (they count towards neither the failure ratio nor
  ``rows_quarantined``).

The quarantine table is always appended to: it is the history of every batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["DUPLICATE_POLICIES", "PUBLISH_MODES", "PublishOptions", "parse_publish"]

PUBLISH_MODES = ("append", "merge", "replace")
DUPLICATE_POLICIES = ("quarantine", "keep_first", "keep_last")
_KEYS = {"mode", "duplicate_keys"}


@dataclass(frozen=True, slots=True)
class PublishOptions:
    mode: str = "append"
    duplicate_keys: str = "quarantine"


def parse_publish(raw: Any, *, keyed: bool) -> PublishOptions:
    """The contract's ``publish:`` mapping as :class:`PublishOptions`; a ``ValueError`` saying
    what is wrong otherwise (the loader names the file). ``keyed``: the contract has a primary
    key, which ``merge`` and the keep policies need."""
    data: Any = {} if raw is None else raw
    if not isinstance(data, dict):
        raise ValueError("must be a mapping")
    unknown = sorted(set(map(str, data)) - _KEYS)
    if unknown:
        expected = ", ".join(sorted(_KEYS))
        raise ValueError(f"unknown key(s) {', '.join(unknown)}; expected {expected}")
    mode = str(data.get("mode", "append"))
    if mode not in PUBLISH_MODES:
        raise ValueError(f"mode '{mode}' is not one of {', '.join(PUBLISH_MODES)}")
    policy = str(data.get("duplicate_keys", "quarantine"))
    if policy not in DUPLICATE_POLICIES:
        raise ValueError(f"duplicate_keys '{policy}' is not one of {', '.join(DUPLICATE_POLICIES)}")
    if not keyed and mode == "merge":
        raise ValueError("mode 'merge' needs a primary_key to merge on; use append or replace")
    if not keyed and policy != "quarantine":
        raise ValueError(f"duplicate_keys '{policy}' needs a primary_key")
    return PublishOptions(mode, policy)
