"""Who is acting: the plain value every decision and audit record is made about."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Account, Role


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated account, reduced to what policy and audit need."""

    account_id: int
    department_id: int
    department_code: str
    roles: frozenset[Role]

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_system(self) -> bool:
        """The platform itself (account 0), never a person or a service account."""
        return self.account_id == 0

    @classmethod
    def of(cls, account: Account) -> Principal:
        return cls(
            account_id=account.id,
            department_id=account.department_id,
            department_code=account.department.code,
            roles=frozenset(Role(r) for r in account.roles),
        )


SYSTEM = Principal(account_id=0, department_id=0, department_code="system", roles=frozenset())
"""The platform itself (pipelines, schedulers) when no person or service account acts."""
