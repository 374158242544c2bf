"""What a contract revision changes, and what that does to the dataset's live grants (pure).

A revision is compared field by field with the catalog row it replaces (:func:`diff`): fields
added, removed, retyped (another DuckDB type), and the share type before and after. Its effect on
each live grant (:func:`grant_effects`) is decided here, in this order, the first that applies:

1. share type tightened to ``not_shared``: **revoked** (不予共享: nothing may be shared);
2. ``unconditional`` → ``conditional``: a grant made without an owner's decision (the platform
   granted it at once, as it does for unconditional data) is **revoked**; grants a publisher of
   the owner approved stay;
3. the grant's row filter names a removed or retyped field: **revoked** — dropping the condition
   would *widen* the rows the grantee sees, and a retyped field may no longer compare as granted;
3a. the revision returns the dataset to lower levels by a ``region_field`` (数据回流,
   ``catalog.regions``) and the grant, to a department outside the owner's division, is not
   confined to that department's division on that field: **revoked** — it would see other
   divisions' rows; the department files again and gets the bound;
4. the grant's match fields (exact-match keys of masked fields) name a retyped field:
   **revoked** — the match no longer means what was approved;
5. the grant's fields or match fields name a removed field: those names are dropped from the
   grant (**narrowed**); a grant left with no field at all is **revoked**.

A retyped field that a grant only reads (no filter, no match) leaves the grant as it is: the
grantee reads the column with its new type. Revocation is immediate (``revoked_at`` = the
revision's time, ``revoke_reason`` says why), so the grantee's next read is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from catalog.conditions import Condition
from catalog.regions import confined
from catalog.resources import DatasetTerms
from schemas.loader import DatasetContract, ShareType

__all__ = ["ContractChange", "GrantEffect", "LiveGrant", "diff", "grant_effects"]


@dataclass(frozen=True, slots=True)
class ContractChange:
    """Fields added, removed and retyped (name, old type, new type); share type before/after."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    retyped: tuple[tuple[str, str, str], ...] = ()
    share_before: str = ""
    share_after: str = ""

    @property
    def retyped_names(self) -> tuple[str, ...]:
        return tuple(name for name, _, _ in self.retyped)

    def summary(self) -> str:
        parts = []
        if self.added:
            parts.append("added " + ", ".join(self.added))
        if self.removed:
            parts.append("removed " + ", ".join(self.removed))
        if self.retyped:
            parts.append("retyped " + ", ".join(f"{n} {a}→{b}" for n, a, b in self.retyped))
        if self.share_before != self.share_after:
            parts.append(f"share type {self.share_before}→{self.share_after}")
        return "; ".join(parts) or "no field or share-type change"


@dataclass(frozen=True, slots=True)
class LiveGrant:
    """What :func:`grant_effects` needs of a live grant."""

    grant_id: int
    grantee_department_id: int
    fields: tuple[str, ...]
    match_fields: tuple[str, ...]
    filter_fields: tuple[str, ...]
    owner_decided: bool
    row_filter: tuple[Condition, ...] = ()
    region_bound: Condition | None = None
    """The region condition the revised contract requires of this grant (``catalog.regions``)."""


@dataclass(frozen=True, slots=True)
class GrantEffect:
    """``narrowed`` (names dropped) or ``revoked`` (with ``reason``)."""

    grant_id: int
    grantee_department_id: int
    effect: str
    fields_dropped: tuple[str, ...] = ()
    match_fields_dropped: tuple[str, ...] = ()
    reason: str = ""


def diff(before: DatasetTerms | None, after: DatasetContract) -> ContractChange:
    """The change from the catalog row ``before`` (None: a new dataset) to ``after``."""
    if before is None:
        return ContractChange(added=after.field_names, share_after=after.share_type.value)
    old = {f.name: f.duckdb_type for f in before.fields}
    new = {f.name: f.duckdb_type for f in after.fields}
    return ContractChange(
        added=tuple(n for n in new if n not in old),
        removed=tuple(n for n in old if n not in new),
        retyped=tuple(
            (n, old[n], new[n])
            for n in new
            if n in old and old[n].strip().upper() != new[n].strip().upper()
        ),
        share_before=ShareType(before.share_type).value,
        share_after=after.share_type.value,
    )


def _revoked(grant: LiveGrant, reason: str) -> GrantEffect:
    return GrantEffect(grant.grant_id, grant.grantee_department_id, "revoked", reason=reason)


def _effect(change: ContractChange, grant: LiveGrant) -> GrantEffect | None:
    before, after = change.share_before, change.share_after
    if after == ShareType.NOT_SHARED.value and before != after:
        return _revoked(grant, "the dataset was revised to not shared (不予共享)")
    if (before, after) == ("unconditional", "conditional") and not grant.owner_decided:
        return _revoked(
            grant,
            "the dataset was revised to conditional (有条件共享); this grant was made without "
            "the owner's decision",
        )
    gone = set(change.removed) | set(change.retyped_names)
    filtered = sorted(gone & set(grant.filter_fields))
    if filtered:
        return _revoked(grant, f"the revision removed or retyped row-filter field(s) {filtered}")
    bound = grant.region_bound
    if bound is not None and not confined(grant.row_filter, bound):
        return _revoked(
            grant,
            f"the revision returns rows by division ({bound.field}); this grant is not confined "
            f"to its department's division ({bound.field} prefix {bound.value!r})",
        )
    matched = sorted(set(change.retyped_names) & set(grant.match_fields))
    if matched:
        return _revoked(grant, f"the revision retyped match field(s) {matched}")
    removed = set(change.removed)
    dropped = tuple(f for f in grant.fields if f in removed)
    match_dropped = tuple(f for f in grant.match_fields if f in removed)
    if not dropped and not match_dropped:
        return None
    if len(dropped) == len(grant.fields):
        return _revoked(grant, f"the revision removed every granted field {list(dropped)}")
    return GrantEffect(
        grant.grant_id, grant.grantee_department_id, "narrowed", dropped, match_dropped
    )


def grant_effects(change: ContractChange, grants: Iterable[LiveGrant]) -> list[GrantEffect]:
    """The effect of ``change`` on each live grant it affects, by grant id."""
    effects = [_effect(change, g) for g in sorted(grants, key=lambda g: g.grant_id)]
    return [e for e in effects if e is not None]
