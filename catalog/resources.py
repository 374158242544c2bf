"""What an act is done to, as plain frozen values that ``catalog.policy`` decides over.

Each resource is built from the catalog's rows at the moment of the act (``…Terms.of(row)``): the
owner, share type and fields of a dataset come from its catalog row, never from a contract file
cached in the process, so a dataset re-classified as not shared stops serving reads at once, in
every worker. ``DatasetTerms.of_contract`` builds the same value from a contract, for tests and
for a contract that is being registered.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from catalog.conditions import Condition
from catalog.models import (
    AccessMode,
    Account,
    AccountKind,
    Dataset,
    Grant,
    QualityReport,
    RequestStatus,
    Role,
    ShareRequest,
)
from catalog.negative_check import NegativeTerms
from catalog.negative_tables import live_terms, live_terms_by_dataset
from catalog.regions import region_bound
from schemas.loader import DatasetContract, ShareType
from schemas.masks import MaskSpec

__all__ = [
    "PLATFORM",
    "AccountTerms",
    "DatasetTerms",
    "DemandTerms",
    "FieldTerms",
    "GrantTerms",
    "Platform",
    "ReadRequest",
    "ReadResource",
    "ReportTerms",
    "RequestTerms",
    "Resource",
    "ScorecardTerms",
    "ResponsibilityTerms",
]


@dataclass(frozen=True, slots=True)
class FieldTerms:
    """One field as the access decision sees it: its type, and whether and how it is masked."""

    name: str
    duckdb_type: str
    personal: bool
    mask: MaskSpec


@dataclass(frozen=True, slots=True)
class DatasetTerms:
    """A dataset's owner, sharing terms and fields, as the catalog holds them now."""

    dataset_id: int
    code: str
    owner_department_id: int
    share_type: ShareType
    share_basis: str
    fields: tuple[FieldTerms, ...]
    primary_key: tuple[str, ...] = ()
    negative: tuple[NegativeTerms, ...] = ()
    """The live negative-list entries (负面清单) of the dataset (``catalog.negative_check``)."""
    region_field: str | None = None
    """数据回流: the GB/T 2260 field a grant outside the owner's division is bound by."""
    owner_region: str = ""
    """The owner department's GB/T 2260 code (read only when ``region_field`` is set)."""
    handler_field: str | None = None
    """民呼我为: the field naming the department that handles a row; personal fields are shown
    unmasked on that department's own rows only (``catalog.read_plan``)."""
    asked: frozenset[str] = frozenset()
    """For ``request.file`` only: every field the request names (``asking``)."""
    asked_filter: tuple[Condition, ...] = ()
    """For ``request.file`` only: the row filter the request asks for."""
    asker_region: str = ""
    """For ``request.file`` only: the requesting department's GB/T 2260 code."""

    def asking(
        self,
        names: frozenset[str],
        *,
        row_filter: tuple[Condition, ...] = (),
        region: str = "",
    ) -> DatasetTerms:
        """These terms, for deciding a request that names ``names`` (fields, row filter, match
        fields), so a negative-listed one is refused (``catalog.policy_negative``), and whose
        ``row_filter`` from a department in ``region`` must stay inside its division
        (``catalog.regions``)."""
        return dataclasses.replace(self, asked=names, asked_filter=row_filter, asker_region=region)

    def region_bound(self, grantee_region: str) -> Condition | None:
        """The region condition a grant of this dataset to ``grantee_region`` must carry."""
        return region_bound(self.region_field, self.owner_region, grantee_region)

    @property
    def table_name(self) -> str:
        return self.code

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> FieldTerms:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @classmethod
    def of(
        cls, dataset: Dataset, *, negative: tuple[NegativeTerms, ...] | None = None
    ) -> DatasetTerms:
        """``dataset``'s terms now; ``negative``: its live negative-list entries when the
        caller read them already (:meth:`of_all`), else read from the dataset's session."""
        return cls(
            dataset_id=dataset.id,
            code=dataset.code,
            owner_department_id=dataset.owner_department_id,
            share_type=ShareType(dataset.share_type),
            share_basis=dataset.share_basis,
            fields=tuple(
                FieldTerms(f.name, f.duckdb_type, f.personal, MaskSpec.parse(f.mask))
                for f in dataset.fields
            ),
            primary_key=tuple(str(k) for k in dataset.primary_key or ()),
            negative=live_terms(dataset) if negative is None else negative,
            region_field=dataset.region_field,
            owner_region=dataset.owner.region_code if dataset.region_field else "",
            handler_field=dataset.handler_field,
        )

    @classmethod
    def of_all(cls, session: Session, datasets: Sequence[Dataset]) -> list[DatasetTerms]:
        """The terms of many datasets, their negative-list entries read in one query."""
        listed = live_terms_by_dataset(session, [d.id for d in datasets])
        return [cls.of(d, negative=listed[d.id]) for d in datasets]

    @classmethod
    def of_contract(
        cls,
        contract: DatasetContract,
        *,
        dataset_id: int,
        owner_department_id: int,
        owner_region: str = "",
    ) -> DatasetTerms:
        return cls(
            dataset_id=dataset_id,
            code=contract.code,
            owner_department_id=owner_department_id,
            share_type=contract.share_type,
            share_basis=contract.share_basis,
            fields=tuple(
                FieldTerms(f.name, f.duckdb_type, f.personal, f.mask) for f in contract.fields
            ),
            primary_key=contract.primary_key,
            region_field=contract.region_field,
            owner_region=owner_region,
            handler_field=contract.handler_field,
        )


@dataclass(frozen=True, slots=True)
class GrantTerms:
    """The terms of one grant, detached from the database row."""

    grant_id: int
    dataset_code: str
    grantee_department_id: int
    fields: tuple[str, ...]
    row_filter: tuple[Condition, ...]
    access_modes: frozenset[AccessMode]
    purpose: str
    quota_rows: int | None
    rows_used: int
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    match_fields: tuple[str, ...] = ()
    """Masked fields the grantee may match exactly, one value per call (as ``verify`` needs)."""
    dataset: DatasetTerms | None = None

    @classmethod
    def of(
        cls, grant: Grant, dataset_code: str | None = None, *, dataset: DatasetTerms | None = None
    ) -> GrantTerms:
        """The grant's terms; ``dataset``, when the caller has its dataset's terms already,
        saves building them again."""
        if dataset is None and grant.dataset is not None:
            dataset = DatasetTerms.of(grant.dataset)
        return cls(
            grant_id=grant.id,
            dataset_code=dataset_code or (dataset.code if dataset else grant.dataset.code),
            grantee_department_id=grant.grantee_department_id,
            fields=tuple(str(f) for f in grant.fields),
            row_filter=tuple(Condition.from_json(c) for c in grant.row_filter or ()),
            access_modes=frozenset(AccessMode(m) for m in grant.access_modes or ()),
            purpose=grant.purpose,
            quota_rows=grant.quota_rows,
            rows_used=grant.rows_used or 0,
            expires_at=grant.expires_at,
            revoked_at=grant.revoked_at,
            match_fields=tuple(str(f) for f in grant.match_fields or ()),
            dataset=dataset,
        )

    @property
    def rows_left(self) -> int | None:
        return None if self.quota_rows is None else max(self.quota_rows - self.rows_used, 0)


@dataclass(frozen=True, slots=True)
class ReadRequest:
    """What a caller asks to read. ``fields=None`` means every field the caller may see;
    ``limit=None`` every row (whole-extract modes only: ``bulk``, ``subscribe``)."""

    fields: tuple[str, ...] | None = None
    filters: tuple[Condition, ...] = ()
    limit: int | None = 1000
    offset: int = 0
    mode: AccessMode = AccessMode.QUERY


@dataclass(frozen=True, slots=True)
class ReadResource:
    """A read: the dataset, the grant it would go through (if any), and what is asked."""

    dataset: DatasetTerms
    grant: GrantTerms | None
    request: ReadRequest


@dataclass(frozen=True, slots=True)
class RequestTerms:
    """A share request: who filed it, for which dataset, and where it stands."""

    request_id: int
    dataset: DatasetTerms
    requester_department_id: int
    status: RequestStatus
    asked: frozenset[str] = frozenset()
    """Every field the request names: its fields, row filter and match fields."""

    @classmethod
    def of(cls, request: ShareRequest, *, dataset: DatasetTerms | None = None) -> RequestTerms:
        filtered = {str(c.get("field", "")) for c in request.row_filter or ()}
        return cls(
            request_id=request.id,
            dataset=dataset or DatasetTerms.of(request.dataset),
            requester_department_id=request.requester_department_id,
            status=RequestStatus(request.status),
            asked=frozenset(request.fields or ()) | filtered | set(request.match_fields or ()),
        )


@dataclass(frozen=True, slots=True)
class ReportTerms:
    """A batch's quality report (``report_id=None``: the dataset's reports as a whole)."""

    report_id: int | None
    dataset: DatasetTerms

    @classmethod
    def of(cls, report: QualityReport, dataset: Dataset) -> ReportTerms:
        return cls(report_id=report.id, dataset=DatasetTerms.of(dataset))


@dataclass(frozen=True, slots=True)
class Platform:
    """The platform as a whole (the audit chain, checkpoints)."""


PLATFORM = Platform()


@dataclass(frozen=True, slots=True)
class AccountTerms:
    """An account as the decision sees it (``account_id=None``: one about to be issued)."""

    account_id: int | None
    department_id: int
    kind: AccountKind
    roles: frozenset[Role]
    revoked: bool = False
    bootstrap: bool = False
    """For ``account.issue`` only: the catalog holds no live admin yet, so the platform itself
    may make the first one (``zhongtai account issue`` on a fresh catalog)."""

    @classmethod
    def of(cls, account: Account) -> AccountTerms:
        return cls(
            account_id=account.id,
            department_id=account.department_id,
            kind=AccountKind(account.kind),
            roles=frozenset(Role(r) for r in account.roles),
            revoked=account.revoked_at is not None or not account.active,
        )


@dataclass(frozen=True, slots=True)
class ScorecardTerms:
    """A department's scorecard (考核); ``department_id=None``: every department's (the league)."""

    department_id: int | None


@dataclass(frozen=True, slots=True)
class ResponsibilityTerms:
    """A responsibility-list item (责任清单): the department that must provide it and, for
    ``responsibility.link``, the dataset it would be linked to (``responsibility_id=None``: one
    about to be added). Built by ``catalog.responsibilities``, decided by ``policy_lists``."""

    responsibility_id: int | None
    department_id: int
    dataset: DatasetTerms | None = None


@dataclass(frozen=True, slots=True)
class DemandTerms:
    """A demand-list item (需求清单): the department that filed it and the dataset matched (or
    about to be matched) to it (``demand_id=None``: one about to be filed)."""

    demand_id: int | None
    requester_department_id: int
    dataset: DatasetTerms | None = None


Resource = (
    DatasetTerms
    | ReadResource
    | RequestTerms
    | GrantTerms
    | ReportTerms
    | Platform
    | AccountTerms
    | ScorecardTerms
    | ResponsibilityTerms
    | DemandTerms
)
