"""Dataset contracts with a life cycle: registered, revised, versioned; the catalog holds them.

- :func:`register_dataset` — a new dataset from a contract (YAML text, bytes or a file on disk);
  refuses a code the catalog already has (``dataset.exists``).
- :func:`revise_dataset` — a new version of an existing dataset's contract (``dataset.not_found``
  for an unknown one); what it removes, retypes or tightens is applied to the live grants at once,
  by the rules of :mod:`catalog.contract_effects`; ``dry_run`` lists the affected grants and
  changes nothing.
- :func:`current_contract` — the contract of a dataset **as the catalog stores it** (its newest
  version's text, parsed). Run-time code (pipeline, quality reports, lineage) asks this, never the
  YAML files: a revision is seen by every worker at once. Parsed contracts are cached by the
  SHA-256 of the stored text only (content-addressed, so a revision is never served stale).
- :func:`list_versions` — every version, oldest first.

Every act asks the one access decision (``dataset.register`` / ``dataset.revise``, rules in
:mod:`catalog.policy_catalog`). Every version is kept in ``dataset_versions`` with its text,
SHA-256, who registered it, when, and a change summary.

**Resource code** (信息资源代码): given by the contract, or generated on registration by the rule
of :mod:`schemas.catalog_fields` (classification ``/`` provider code ``-`` five-digit sequence of
that provider), unique, and kept on every revision: a revision may omit it, but may not change it
(``dataset.resource_code_changed``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from catalog import actions as act
from catalog import audit
from catalog.conditions import Condition
from catalog.contract_effects import ContractChange, GrantEffect, LiveGrant, diff, grant_effects
from catalog.contract_events import DatasetRevised, GrantAdjusted
from catalog.contract_tables import DatasetVersion
from catalog.dataset_rows import apply_contract, owner_of
from catalog.element_seed import seeded_elements
from catalog.errors import Conflict, NotFound
from catalog.events import DatasetRegistered
from catalog.guard import ensure
from catalog.models import Account, Dataset, Department, Grant, utcnow
from catalog.policy_catalog import ContractTerms
from catalog.principals import Principal
from catalog.regions import region_bound
from catalog.resources import DatasetTerms
from catalog.search_index import index_dataset
from schemas.catalog_fields import resource_code
from schemas.contract_text import decode_contract
from schemas.loader import DataElement as ElementSpec
from schemas.loader import DatasetContract, parse_contract, parse_contract_text

__all__ = [
    "Revision",
    "current_contract",
    "list_versions",
    "read_contract",
    "register_dataset",
    "revise_dataset",
]

ContractSource = str | bytes | Path
"""A contract as YAML text, as the bytes of an upload, or as a file on disk."""

_PARSED: dict[str, DatasetContract] = {}
_PARSED_MAX = 64


@dataclasses.dataclass(frozen=True, slots=True)
class Revision:
    """What a revision did (or, for a dry run, would do)."""

    dataset: Dataset
    version: int
    change: ContractChange
    effects: tuple[GrantEffect, ...]
    applied: bool
    unchanged: bool = False


def _elements(session: Session) -> dict[str, ElementSpec]:
    """The data elements contracts are checked against: the catalog's, shipped and admin-added
    (``catalog.element_seed.seeded_elements``, which seeds the shipped ones a catalog lacks).

    A stored contract is cached by its text's SHA-256 alone: elements are never revised in place
    (a new standard is a new element code), so the elements a stored text parses with cannot
    change under it."""
    return seeded_elements(session)


def read_contract(session: Session, source: ContractSource) -> DatasetContract:
    """Parse a contract from YAML text, an upload's bytes or a file (refusing hostile input)."""
    if isinstance(source, Path):
        return parse_contract(source, _elements(session))
    text = decode_contract(source) if isinstance(source, bytes) else source
    return parse_contract_text(text, _elements(session), name="contract")


def _dataset(session: Session, code: str, *, lock: bool = False) -> Dataset | None:
    """The dataset ``code``; ``lock``: row-locked (PostgreSQL) so that two revisions of one
    dataset take their version numbers one after the other."""
    query = select(Dataset).where(Dataset.code == code)
    return session.scalars(query.with_for_update() if lock else query).one_or_none()


def _latest(session: Session, dataset_id: int) -> DatasetVersion | None:
    return session.scalars(
        select(DatasetVersion)
        .where(DatasetVersion.dataset_id == dataset_id)
        .order_by(DatasetVersion.version.desc())
        .limit(1)
    ).first()


def current_contract(session: Session, code: str) -> DatasetContract:
    """The dataset's contract as the catalog holds it now (its newest version)."""
    dataset = _dataset(session, code)
    if dataset is None:
        raise NotFound(f"no dataset {code!r}", code="dataset.not_found", dataset=code)
    version = _latest(session, dataset.id)
    if version is None:
        raise NotFound(
            f"dataset {code!r} has no registered contract; register or revise it",
            code="dataset.no_contract",
            dataset=code,
        )
    cached = _PARSED.get(version.contract_sha256)
    if cached is not None:
        return cached
    contract = parse_contract_text(
        version.contract_text, _elements(session), name=f"{code} v{version.version}"
    )
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[version.contract_sha256] = contract
    return contract


def list_versions(session: Session, code: str) -> list[DatasetVersion]:
    """Every version of the dataset's contract, oldest first."""
    dataset = _dataset(session, code)
    if dataset is None:
        raise NotFound(f"no dataset {code!r}", code="dataset.not_found", dataset=code)
    return list(
        session.scalars(
            select(DatasetVersion)
            .where(DatasetVersion.dataset_id == dataset.id)
            .order_by(DatasetVersion.version)
        )
    )


def _next_resource_code(session: Session, classification: str, provider: str) -> str:
    pattern = re.compile(rf"/{re.escape(provider)}-([0-9]+)$")
    taken = session.scalars(
        select(Dataset.resource_code).where(Dataset.resource_code.like(f"%/{provider}-%"))
    )
    numbers = [int(m.group(1)) for c in taken if c and (m := pattern.search(c))]
    return resource_code(classification, provider, max(numbers, default=0) + 1)


def _assign_resource_code(session: Session, dataset: Dataset, contract: DatasetContract) -> None:
    given = contract.catalog.resource_code
    if dataset.resource_code and given and given != dataset.resource_code:
        raise Conflict(
            f"{dataset.code}'s resource code is {dataset.resource_code}; a revision keeps it",
            code="dataset.resource_code_changed",
        )
    if dataset.resource_code:
        return
    if given:
        clash = session.scalars(select(Dataset.id).where(Dataset.resource_code == given)).first()
        if clash is not None and clash != dataset.id:
            raise Conflict(
                f"resource code {given} belongs to another dataset",
                code="dataset.resource_code_taken",
            )
        dataset.resource_code = given
        return
    provider = contract.catalog.provider_code or dataset.owner.code
    dataset.resource_code = _next_resource_code(session, contract.catalog.classification, provider)


def _who(session: Session, actor: Principal) -> str:
    account = None if actor.is_system else session.get(Account, actor.account_id)
    return "platform" if account is None else account.name


def _store_version(
    session: Session,
    dataset: Dataset,
    contract: DatasetContract,
    actor: Principal,
    change: ContractChange,
    effects: tuple[GrantEffect, ...],
    now: dt.datetime,
) -> DatasetVersion:
    row = DatasetVersion(
        dataset_id=dataset.id,
        version=dataset.version,
        contract_text=contract.text,
        contract_sha256=contract.sha256,
        registered_by_account_id=None if actor.is_system else actor.account_id,
        registered_by=_who(session, actor),
        registered_at=now,
        change_summary=change.summary(),
        changes={
            "added": list(change.added),
            "removed": list(change.removed),
            "retyped": [list(r) for r in change.retyped],
            "share_type": [change.share_before, change.share_after],
            "grants": [dataclasses.asdict(e) for e in effects],
        },
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        DatasetRegistered(
            dataset_id=dataset.id, code=dataset.code, contract_sha256=contract.sha256
        ),
        actor=None if actor.is_system else actor,
        now=now,
    )
    return row


def register_dataset(
    session: Session, source: ContractSource, actor: Principal, *, now: dt.datetime | None = None
) -> Dataset:
    """Register a new dataset from its contract, as version 1."""
    now = now or utcnow()
    contract = read_contract(session, source)
    owner = owner_of(session, contract.owner_department)
    existing = _dataset(session, contract.code)
    terms = ContractTerms.proposed(
        contract, dataset_id=existing.id if existing else 0, owner_department_id=owner.id
    )
    ensure(session, actor, act.DATASET_REGISTER, terms, now=now)
    if existing is not None:
        raise Conflict(
            f"dataset {contract.code} is registered already; revise it instead",
            code="dataset.exists",
        )
    elements = _elements(session)  # before the new row is added: it may query (and seed)
    dataset = Dataset(code=contract.code, version=1)
    session.add(dataset)
    apply_contract(session, dataset, contract, owner, elements)
    _assign_resource_code(session, dataset, contract)
    session.flush()
    _store_version(session, dataset, contract, actor, diff(None, contract), (), now)
    index_dataset(session, dataset)  # found by search from this commit on
    return dataset


def _live_grants(session: Session, dataset_id: int, now: dt.datetime) -> list[Grant]:
    return list(
        session.scalars(
            select(Grant)
            .where(
                Grant.dataset_id == dataset_id,
                Grant.revoked_at.is_(None),
                or_(Grant.expires_at.is_(None), Grant.expires_at > now),
            )
            .order_by(Grant.id)
        )
    )


def _as_live(grant: Grant, bound: Condition | None) -> LiveGrant:
    return LiveGrant(
        grant_id=grant.id,
        grantee_department_id=grant.grantee_department_id,
        fields=tuple(grant.fields),
        match_fields=tuple(grant.match_fields or ()),
        filter_fields=tuple(str(c.get("field")) for c in grant.row_filter or ()),
        owner_decided=grant.request.decided_by_account_id is not None,
        row_filter=tuple(Condition.from_json(c) for c in grant.row_filter or ()),
        region_bound=bound,
    )


def _region_bound(
    session: Session, contract: DatasetContract, owner: Department, grant: Grant
) -> Condition | None:
    """The region condition ``contract`` requires of ``grant`` (数据回流, ``catalog.regions``)."""
    if contract.region_field is None:
        return None
    grantee = session.get(Department, grant.grantee_department_id)
    region = grantee.region_code if grantee is not None else ""
    return region_bound(contract.region_field, owner.region_code, region)


def _apply_effects(
    session: Session,
    grants: dict[int, Grant],
    effects: tuple[GrantEffect, ...],
    version: int,
    actor: Principal,
    now: dt.datetime,
) -> None:
    for effect in effects:
        grant = grants[effect.grant_id]
        if effect.effect == "revoked":
            grant.revoked_at = now
            grant.revoke_reason = f"dataset revision v{version}: {effect.reason}"
        else:
            grant.fields = [f for f in grant.fields if f not in effect.fields_dropped]
            grant.match_fields = [
                f for f in grant.match_fields or () if f not in effect.match_fields_dropped
            ]
        audit.record(
            session,
            GrantAdjusted(
                dataset_id=grant.dataset_id,
                grant_id=grant.id,
                effect=effect.effect,
                version=version,
                fields_dropped=effect.fields_dropped,
                match_fields_dropped=effect.match_fields_dropped,
                reason=effect.reason,
            ),
            actor=None if actor.is_system else actor,
            now=now,
        )


def revise_dataset(
    session: Session,
    source: ContractSource,
    actor: Principal,
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> Revision:
    """Store a new version of an existing dataset's contract and apply it to its live grants
    at once; with ``dry_run``, only say what it would change."""
    now = now or utcnow()
    contract = read_contract(session, source)
    dataset = _dataset(session, contract.code, lock=not dry_run)
    if dataset is None:
        raise NotFound(
            f"no dataset {contract.code!r}; register it first",
            code="dataset.not_found",
            dataset=contract.code,
        )
    owner = owner_of(session, contract.owner_department)
    terms = ContractTerms.proposed(
        contract,
        dataset_id=dataset.id,
        owner_department_id=owner.id,
        current_owner_department_id=dataset.owner_department_id,
    )
    ensure(session, actor, act.DATASET_REVISE, terms, now=now)
    unchanged = dataset.contract_sha256 == contract.sha256 and _latest(session, dataset.id)
    change = diff(DatasetTerms.of(dataset), contract)
    if unchanged:
        return Revision(dataset, dataset.version, change, (), applied=False, unchanged=True)
    if contract.catalog.resource_code and dataset.resource_code not in (
        None,
        contract.catalog.resource_code,
    ):
        raise Conflict(
            f"{dataset.code}'s resource code is {dataset.resource_code}; a revision keeps it",
            code="dataset.resource_code_changed",
        )
    grants = {g.id: g for g in _live_grants(session, dataset.id, now)}
    live = (_as_live(g, _region_bound(session, contract, owner, g)) for g in grants.values())
    effects = tuple(grant_effects(change, live))
    if dry_run:
        return Revision(dataset, dataset.version + 1, change, effects, applied=False)
    dataset.version += 1
    apply_contract(session, dataset, contract, owner, _elements(session))
    _assign_resource_code(session, dataset, contract)
    _apply_effects(session, grants, effects, dataset.version, actor, now)
    session.flush()
    _store_version(session, dataset, contract, actor, change, effects, now)
    index_dataset(session, dataset)
    audit.record(
        session,
        DatasetRevised(
            dataset_id=dataset.id,
            code=dataset.code,
            version=dataset.version,
            contract_sha256=contract.sha256,
            removed_fields=change.removed,
            retyped_fields=change.retyped_names,
            share_type_before=change.share_before,
            share_type_after=change.share_after,
            grants_narrowed=sum(e.effect == "narrowed" for e in effects),
            grants_revoked=sum(e.effect == "revoked" for e in effects),
        ),
        actor=None if actor.is_system else actor,
        now=now,
    )
    return Revision(dataset, dataset.version, change, effects, applied=True)
