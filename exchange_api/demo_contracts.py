"""The demo's contracts: every YAML file of a directory registered (or revised) in the catalog,
and a file that cannot be — its owner department is not registered, or it is not a valid
contract — skipped with a sentence saying what to do, so ``make demo`` still runs. And the
demo's and the scenario world's departments and accounts (:func:`seed_accounts`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.datasets import register_contract
from catalog.departments import upsert_department
from catalog.errors import NotFound
from catalog.models import Account, Role, utcnow
from catalog.tokens import TokenLifetimes, check_roles, issue_account, replace_token
from schemas import ContractError
from schemas.loader import DATASETS_DIR, parse_contract

__all__ = ["SkippedContract", "register_contracts", "seed_accounts"]


@dataclass(frozen=True, slots=True)
class SkippedContract:
    """A contract file the demo could not register, and what to do about it."""

    path: Path
    code: str
    reason: str
    missing_department: str = ""

    def advice(self) -> str:
        if self.missing_department:
            return (
                f"skipped {self.path.name}: owner department {self.missing_department} is not "
                f"registered; add it with: zhongtai department add {self.missing_department} "
                "NAME REGION_CODE (as an admin), then: zhongtai dataset register "
                f"{self.path}"
            )
        return f"skipped {self.path.name}: {self.code}: {self.reason}"


def register_contracts(session: Session, directory: Path = DATASETS_DIR) -> list[SkippedContract]:
    """Register (or revise) every contract file in ``directory``; a file that cannot be — its
    owner department is not registered, or it is not a valid contract — is skipped and said so,
    and the others are registered all the same."""
    skipped: list[SkippedContract] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            with session.begin_nested():
                register_contract(session, parse_contract(path))
        except NotFound as exc:
            owner = exc.context.get("department", "") if exc.code == "department.not_found" else ""
            missing = str(owner)
            skipped.append(SkippedContract(path, exc.code, exc.message, missing))
        except ContractError as exc:
            skipped.append(SkippedContract(path, exc.code, exc.message))
    return skipped


def seed_accounts(
    session: Session,
    departments: Iterable[tuple[str, str, str]],
    accounts: Iterable[tuple[str, str, Iterable[Role]]],
) -> dict[str, str]:
    """Upsert ``departments`` (code, name, GB/T 2260 region) and their ``accounts`` (department,
    name, roles); each account's token, issued again on every run (only hashes are stored)."""
    rows = {
        code: upsert_department(session, code, name, region) for code, name, region in departments
    }
    tokens: dict[str, str] = {}
    for department_code, name, roles in accounts:
        account = session.scalar(select(Account).where(Account.name == name))
        if account is None:
            account, token = issue_account(session, rows[department_code], name, roles)
        else:
            token = replace_token(account, days=TokenLifetimes().service_days, now=utcnow())
            account.revoked_at, account.active = None, True
            account.roles = sorted(r.value for r in check_roles(roles))  # e.g. an older demo's
        tokens[name] = token
    return tokens
