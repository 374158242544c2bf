"""The negative list (负面清单) as the access decision sees it: live entries and what they bar.

Pure: no session, no clock. :class:`NegativeTerms` is one live entry carried in
``catalog.resources.DatasetTerms.negative`` (built from the catalog at the moment of the act by
``catalog.negative_tables.live_terms``, never from a process cache). The plan modules
(``catalog.read_plan``, ``verify_plan``, ``aggregate_plan``) and the request rules
(``catalog.policy_negative``) ask the functions here which entry, if any, an act touches, and
refuse with the :class:`Barred` code and reason — the entry's legal basis named in it:

- ``negative_list.dataset``: the whole dataset is listed; every act of a non-owner on it is
  refused (requests, reads in every mode, verify, aggregate, subscriptions);
- ``negative_list.field``: a listed field is named — selected, filtered on, matched, grouped,
  summed, compared, asked for in a request or its row filter or match fields, or included by a
  read that names no columns (a read of "every granted field" is refused rather than answered
  without the field: the grantee names the columns it needs instead).

The owner department's own publishers and stewards are never asked: the plans check owners
first, and the list bars *sharing*, not the owner's use of its own data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from catalog.conditions import Condition

if TYPE_CHECKING:
    from catalog.resources import DatasetTerms, ReadRequest

__all__ = [
    "Barred",
    "NegativeTerms",
    "asked_names",
    "barred_fields",
    "dataset_barred",
    "fields_barred",
    "read_barred",
]


@dataclass(frozen=True, slots=True)
class NegativeTerms:
    """One live entry: the whole dataset (``field=None``) or one field, and why."""

    entry_id: int
    field: str | None
    legal_basis: str
    review_date: dt.date


@dataclass(frozen=True, slots=True)
class Barred:
    """What a refusal says: a stable code and a reason naming the legal basis."""

    code: str
    reason: str
    entry_id: int


def dataset_barred(dataset: DatasetTerms) -> Barred | None:
    """The whole-dataset entry of ``dataset``, as a refusal, if it has one."""
    for entry in dataset.negative:
        if entry.field is None:
            return Barred(
                "negative_list.dataset",
                f"dataset {dataset.code} is on the negative list (负面清单) and may not be "
                f"shared; legal basis: {entry.legal_basis} (entry {entry.entry_id})",
                entry.entry_id,
            )
    return None


def barred_fields(dataset: DatasetTerms) -> frozenset[str]:
    """The fields of ``dataset`` listed one by one."""
    return frozenset(e.field for e in dataset.negative if e.field is not None)


def fields_barred(
    dataset: DatasetTerms, names: Iterable[str], *, use: str = "used"
) -> Barred | None:
    """The whole-dataset entry, or the first listed field among ``names``, as a refusal.

    ``use`` says how the field was named (``"selected"``, ``"filtered on"`` …) for the reason.
    """
    whole = dataset_barred(dataset)
    if whole is not None:
        return whole
    listed = {e.field: e for e in dataset.negative if e.field is not None}
    for name in names:
        entry = listed.get(name)
        if entry is not None:
            return Barred(
                "negative_list.field",
                f"field {name!r} of dataset {dataset.code} is on the negative list (负面清单) "
                f"and may not be {use}; legal basis: {entry.legal_basis} "
                f"(entry {entry.entry_id})",
                entry.entry_id,
            )
    return None


def read_barred(
    dataset: DatasetTerms, granted: Iterable[str], request: ReadRequest
) -> Barred | None:
    """What a grantee's read touches on the list: its filters (and match keys), its columns —
    or, when it names none, every granted field it would read."""
    filtered = (c.field for c in request.filters)
    barred = fields_barred(dataset, filtered, use="filtered on or matched")
    if barred is not None:
        return barred
    if request.fields is not None:
        return fields_barred(dataset, request.fields, use="read")
    barred = fields_barred(dataset, granted, use="read")
    if barred is None or barred.code != "negative_list.field":
        return barred
    return Barred(
        barred.code,
        f"{barred.reason}; this read names no fields and would include it: name the fields "
        "you need",
        barred.entry_id,
    )


def asked_names(
    fields: Iterable[str],
    row_filter: Iterable[Condition | Mapping[str, Any]],
    match_fields: Iterable[str],
) -> frozenset[str]:
    """Every field a request names — as a field, in its row filter, as a match field — taken
    before the terms are checked (``catalog.resources.DatasetTerms.asking``)."""
    filtered = {
        c.field if isinstance(c, Condition) else str(c.get("field", ""))
        for c in row_filter
        if isinstance(c, Condition | Mapping)
    }
    return frozenset(str(f) for f in fields) | filtered | {str(f) for f in match_fields}
