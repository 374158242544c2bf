"""The scenario world on a platform (issue 15): the departments of 浙江省, 杭州市, 上城区 and
西湖区, one account per department with the roles its part needs, the scenario contracts
(``schemas/scenarios/``), and every extract of :func:`lakehouse.samples.scenarios.generate`
ingested through the real pipeline.

:func:`seed_scenarios` is idempotent like :func:`exchange_api.demo.seed`: departments are
upserted, accounts kept (their tokens re-issued), contracts registered or revised.
:func:`build_world` also writes the extracts and runs each through ``run_batch``; a second run
writes the same bytes, which the pipeline answers ``duplicate``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from catalog.db import init_catalog
from catalog.element_seed import seed_shipped
from catalog.models import Role
from catalog.settings import Settings
from exchange_api.demo_contracts import SkippedContract, register_contracts, seed_accounts
from lakehouse.pipeline import BatchSummary, run_batch
from lakehouse.samples.scenario_model import Truth, World
from lakehouse.samples.scenarios import DEFAULT_SEED, SCENARIOS_DIR, generate, write_extracts

__all__ = ["ACCOUNTS", "DEPARTMENTS", "ScenarioWorld", "build_world", "seed_scenarios"]

DEPARTMENTS = (
    ("330000MZT", "浙江省民政厅", "330000"),
    ("330000DSJ", "浙江省大数据发展管理局", "330000"),
    ("330100MZJ", "杭州市民政局", "330100"),
    ("330100RSJ", "杭州市人力资源和社会保障局", "330100"),
    ("330100WJW", "杭州市卫生健康委员会", "330100"),
    ("330100CZJ", "杭州市财政局", "330100"),
    ("330106CL", "杭州市西湖区残疾人联合会", "330106"),
    ("330106BSJD", "杭州市西湖区北山街道办事处", "330106"),
    ("330102MHWW", "杭州市上城区民呼我为统一受理中心", "330102"),
    ("330102CGJ", "杭州市上城区城市管理局", "330102"),
    ("330102ZJJ", "杭州市上城区住房和城乡建设局", "330102"),
)
_OWNER = (Role.PUBLISHER, Role.STEWARD)
ACCOUNTS = (
    ("330000MZT", "scen-mzt", _OWNER),  # 数据回流: owns the provincial returned dataset
    ("330000DSJ", "scen-dsj-audit", (Role.AUDITOR,)),  # GB/T 39477: auditor and admin
    ("330000DSJ", "scen-dsj-admin", (Role.ADMIN,)),  # are different accounts
    ("330100MZJ", "scen-mzj", _OWNER),
    ("330100RSJ", "scen-rsj", _OWNER),
    ("330100WJW", "scen-wjw", _OWNER),
    ("330100CZJ", "scen-czj", _OWNER),
    ("330106CL", "scen-cl", (*_OWNER, Role.REQUESTER)),  # 数字助残: owns the register, asks
    ("330106BSJD", "scen-bsjd", (Role.REQUESTER,)),  # 智能报表 and 数据回流
    ("330102MHWW", "scen-mhww", (Role.REQUESTER,)),  # 民呼我为: oversees the cases
    ("330102CGJ", "scen-cgj", _OWNER),
    ("330102ZJJ", "scen-zjj", _OWNER),
)


@dataclass(frozen=True, slots=True)
class ScenarioTokens:
    by_account: dict[str, str]
    skipped: tuple[SkippedContract, ...] = ()

    def headers(self, account: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.by_account[account]}"}


@dataclass(frozen=True, slots=True)
class ScenarioWorld:
    """What :func:`build_world` made: the tokens, each dataset's extract and batch, the world."""

    tokens: ScenarioTokens
    extracts: dict[str, Path]
    batches: dict[str, BatchSummary]
    world: World

    @property
    def truth(self) -> Truth:
        return self.world.truth


def seed_scenarios(session: Session, contracts_dir: Path = SCENARIOS_DIR) -> ScenarioTokens:
    """Departments, accounts and the scenario contracts; idempotent. Tokens are re-issued on
    every run (only their hashes are stored)."""
    tokens = seed_accounts(session, DEPARTMENTS, ACCOUNTS)
    seed_shipped(session)
    return ScenarioTokens(tokens, tuple(register_contracts(session, contracts_dir)))


def build_world(
    settings: Settings, seed: int = DEFAULT_SEED, *, only: Collection[str] | None = None
) -> ScenarioWorld:
    """Seed the catalog, write the world's extracts under ``<inbox>/<dataset>/`` and ingest each
    with ``run_batch``; the batches' summaries come back with the generator's truth. ``only``
    ingests just those datasets (every contract is still registered)."""
    sessions = init_catalog(settings.resolved_catalog_url)
    try:
        with sessions() as session:
            tokens = seed_scenarios(session)
            session.commit()
    finally:
        sessions.kw["bind"].dispose()
    if tokens.skipped:
        raise RuntimeError("; ".join(s.advice() for s in tokens.skipped))
    world = generate(seed)
    staged = write_extracts(world, settings.inbox_dir / "scenarios")
    extracts: dict[str, Path] = {}
    batches: dict[str, BatchSummary] = {}
    for code, path in staged.items():
        if only is not None and code not in only:
            continue
        target = settings.inbox_dir / code / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        path.replace(target)
        extracts[code] = target
        batches[code] = run_batch(settings, code, target)
    return ScenarioWorld(tokens, extracts, batches, world)
