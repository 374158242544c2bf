"""Mask specifications: how a personal field is shown to a grant that may see it only masked.

A :class:`MaskSpec` is a plain value. Contracts write it as text (``mask: keep:3:4`` in a dataset
contract, ``default_mask:`` in a data element) and the catalog stores the same text; this module
parses and prints it. ``lakehouse.masks`` compiles a spec to SQL; nothing here touches data.

Canonical forms (``str(spec)``, at most :data:`MAX_CANONICAL_LENGTH` characters)::

    none          the value as stored
    keep:F:L      the first F and last L characters around a fixed run of four ``*`` (0-99 each,
                  not both 0); the run does not grow with the value, so a masked name does not
                  tell how long the name is. A value of F+L characters or fewer is redacted.
    hash          keyed HMAC-SHA256 (hex) under a per-grant key held server-side
    year          a date, timestamp or date text (2023-05-06, 20230506, 2023年5月6日) → 2023
    county        a GB/T 2260 division code → its six-digit county-level code; an address → its
                  text up to the first county-level unit (区/县/市/旗); anything else redacted
    drop          NULL: the value is never sent
    redact        ``***``

Presets, kept so that contracts and catalog rows written before masks took parameters still
parse; they are spellings only, and print in their canonical form::

    id_number = keep:6:4      name = keep:1:0      phone = keep:3:4
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["MAX_CANONICAL_LENGTH", "MAX_KEEP", "PRESETS", "MaskKind", "MaskSpec"]

MAX_CANONICAL_LENGTH = 40
"""The longest canonical form; the catalog stores it in a ``String(40)`` column."""

MAX_KEEP = 99
"""The most characters a ``keep`` mask may show at either end."""


class MaskKind(StrEnum):
    """What a mask does; :class:`MaskSpec` adds the parameters (``keep`` only)."""

    NONE = "none"
    KEEP = "keep"  # first F and last L characters, ****  between
    HASH = "hash"  # HMAC-SHA256 hex under the grant's key: joinable within a grant only
    YEAR = "year"  # date → 2023
    COUNTY = "county"  # division code or address → county level
    DROP = "drop"  # NULL
    REDACT = "redact"  # ***


_KEEP = re.compile(r"keep:(0|[1-9][0-9]?):(0|[1-9][0-9]?)")
_KINDS = frozenset(k.value for k in MaskKind)


@dataclass(frozen=True, slots=True)
class MaskSpec:
    """A mask and its parameters. ``first`` and ``last`` are used by ``keep`` only."""

    kind: MaskKind
    first: int = 0
    last: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.kind, MaskKind):
            raise ValueError(f"mask kind must be a MaskKind, not {self.kind!r}")
        for count in (self.first, self.last):
            if isinstance(count, bool) or not isinstance(count, int):
                raise ValueError(f"mask character counts must be integers, not {count!r}")
        if self.kind is not MaskKind.KEEP:
            if self.first or self.last:
                raise ValueError(f"mask '{self.kind}' takes no character counts")
            return
        if not (0 <= self.first <= MAX_KEEP and 0 <= self.last <= MAX_KEEP):
            raise ValueError(f"mask keep counts must be from 0 to {MAX_KEEP}")
        if self.first == self.last == 0:
            raise ValueError("mask keep:0:0 shows nothing of the value: use 'redact'")

    def __str__(self) -> str:
        if self.kind is MaskKind.KEEP:
            return f"keep:{self.first}:{self.last}"
        return self.kind.value

    @property
    def masked(self) -> bool:
        """Whether the value is shown other than as stored."""
        return self.kind is not MaskKind.NONE

    @classmethod
    def parse(cls, text: str) -> MaskSpec:
        """The spec written as ``text`` (a canonical form or a preset); ``ValueError`` if none."""
        if not isinstance(text, str):
            raise ValueError(f"a mask is written as text like 'keep:3:4', not {text!r}")
        if text in PRESETS:
            return PRESETS[text]
        found = _KEEP.fullmatch(text)
        if found is not None:
            return cls(MaskKind.KEEP, int(found[1]), int(found[2]))
        if text != MaskKind.KEEP.value and text in _KINDS:
            return cls(MaskKind(text))
        raise ValueError(f"unknown mask {text!r}; expected {_EXPECTED}")


PRESETS: dict[str, MaskSpec] = {
    "id_number": MaskSpec(MaskKind.KEEP, 6, 4),  # 330106****1234
    "name": MaskSpec(MaskKind.KEEP, 1, 0),  # 张****
    "phone": MaskSpec(MaskKind.KEEP, 3, 4),  # 138****5678
}
"""Older names of ``keep`` masks; they parse, and print as ``keep:F:L``."""

_EXPECTED = ", ".join(
    ["keep:FIRST:LAST", *(k.value for k in MaskKind if k is not MaskKind.KEEP), *PRESETS]
)
