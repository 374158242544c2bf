"""``make demo``: the whole platform on its embedded default, end to end, on real components.

Seeds four Hangzhou departments and their service accounts, writes a GBK social-insurance extract
with known defects, runs the ingestion DAG through Airflow (``airflow dags test`` against the
Airflow home under var/), then over real HTTP on 127.0.0.1: the tax bureau files a share request,
the social-security bureau approves it, the tax bureau reads its granted columns (masked), the
police bureau is refused, a checkpoint is signed and the audit chain verified, and the auditor
downloads an evidence bundle (one ZIP) that is verified offline against the platform's public key
alone. Then it walks the four scenarios of the scenario world (``exchange_api.demo_scenarios``:
数字助残, 智能报表, 数据回流, 民呼我为), prints the summary, and serves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.audit import sign_checkpoint, verify_chain
from catalog.audit_chain import ChainReport
from catalog.audit_keys import load_trust, signing_key, store_of, trusted
from catalog.db import init_catalog
from catalog.element_seed import seed_shipped
from catalog.evidence_archive import unpack
from catalog.evidence_verify import verify_bundle
from catalog.models import Batch, Dataset, QualityReport, Role
from catalog.settings import Settings
from catalog.settings_view import airflow_environment
from exchange_api.app import create_app
from exchange_api.cli_subscribe import deliver_after_publish
from exchange_api.demo_contracts import SkippedContract, register_contracts, seed_accounts
from exchange_api.demo_scenarios import scenario_demo
from lakehouse.samples import write_social_insurance_extract
from schemas.loader import DATASETS_DIR

REPO = Path(__file__).resolve().parent.parent
DATASET = "rsj_social_insurance"
_OURS = Batch.dataset_id == select(Dataset.id).where(Dataset.code == DATASET).scalar_subquery()
"""This demo's batches: the scenario world lands others (a second run must not take theirs)."""

DEPARTMENTS = (
    ("330100RSJ", "杭州市人力资源和社会保障局", "330100"),
    ("330100SWJ", "国家税务总局杭州市税务局", "330100"),
    ("330100GAJ", "杭州市公安局", "330100"),
    ("330100DSJ", "杭州市数据资源管理局", "330100"),
    ("330100SCJGJ", "杭州市市场监督管理局", "330100"),
)
ACCOUNTS = (
    ("330100RSJ", "rsj-exchange", (Role.PUBLISHER, Role.STEWARD)),
    ("330100SWJ", "swj-exchange", (Role.REQUESTER,)),
    ("330100GAJ", "gaj-exchange", (Role.REQUESTER,)),
    ("330100DSJ", "dsj-audit", (Role.AUDITOR,)),  # GB/T 39477: the auditor and the admin
    ("330100DSJ", "dsj-admin", (Role.ADMIN,)),  # are different accounts
)


@dataclass(frozen=True, slots=True)
class DemoTokens:
    by_account: dict[str, str]
    skipped: tuple[SkippedContract, ...] = ()

    def headers(self, account: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.by_account[account]}"}


def seed(session: Session, contracts_dir: Path = DATASETS_DIR) -> DemoTokens:
    """Departments, accounts and contracts; idempotent. Demo tokens are re-issued on every run
    (only their hashes are stored, so old ones cannot be shown again)."""
    tokens = seed_accounts(session, DEPARTMENTS, ACCOUNTS)
    seed_shipped(session)  # the shipped data elements and code lists (catalog.element_seed)
    return DemoTokens(tokens, tuple(register_contracts(session, contracts_dir)))


def airflow_env(settings: Settings) -> dict[str, str]:
    home = settings.airflow_home
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "ZHONGTAI_VAR_DIR": str(settings.var_dir.resolve()),
        }
    )
    env.update(airflow_environment(settings))  # executor and metadata database, by the settings
    return env


def run_airflow(settings: Settings, *args: str) -> None:
    """Run the Airflow CLI with the demo's Airflow home; its log goes to var/airflow/cli.log."""
    settings.airflow_home.mkdir(parents=True, exist_ok=True)
    log_path = settings.airflow_home / "cli.log"
    airflow = Path(sys.executable).with_name("airflow")
    with log_path.open("a", encoding="utf-8") as log:
        done = subprocess.run(
            [str(airflow), *args],
            env=airflow_env(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(args)} failed; see {log_path}")


class _Server(threading.Thread):
    def __init__(self, settings: Settings) -> None:
        super().__init__(daemon=True)
        config = uvicorn.Config(
            create_app(settings),
            host=settings.api_host,
            port=settings.api_port,
            log_level="warning",
        )
        self.server = uvicorn.Server(config)

    def run(self) -> None:
        self.server.run()

    def wait_started(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start (is the port in use?)")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.join(timeout=10)


def _check(response: httpx.Response, expected: int) -> Any:
    if response.status_code != expected:
        raise RuntimeError(
            f"{response.request.method} {response.request.url} answered "
            f"{response.status_code}: {response.text}"
        )
    return response.json()


def _sign_off(http: httpx.Client, tokens: DemoTokens, report_id: int) -> str:
    """The owner's steward signs the report off; a rerun finds it signed already (409)."""
    response = http.post(
        f"/api/v1/quality/reports/{report_id}/sign-off",
        headers=tokens.headers("rsj-exchange"),
        json={"note": "演示：已核对规则结果与隔离样例"},
    )
    if response.status_code == 409 and response.json().get("code") == "report.already_signed_off":
        return "409 report.already_signed_off (signed in an earlier run)"
    signed = _check(response, 200)
    return f"200 signed off, bound to snapshot {signed['snapshot_id']}"


def _verify_and_pull(http: httpx.Client, tokens: DemoTokens, grant_id: int) -> tuple[str, str]:
    """SWJ verifies one person's record through its grant (the owner's own read supplies it),
    then pulls the whole masked extract: what the two results and the manifest say."""
    owner = _check(
        http.get(
            f"/api/v1/datasets/{DATASET}/data",
            headers=tokens.headers("rsj-exchange"),
            params={"limit": 1, "fields": "citizen_id,person_name"},
        ),
        200,
    )
    record = owner["rows"][0]
    wrong = {**record, "person_name": record["person_name"] + "某"}
    answer = _check(
        http.post(
            f"/api/v1/datasets/{DATASET}/verify",
            headers=tokens.headers("swj-exchange"),
            json={
                "grant_id": grant_id,
                "match_on": ["citizen_id"],
                "compare": ["person_name"],
                "records": [record, wrong],
            },
        ),
        200,
    )
    results = " / ".join(
        r["result"] + (f" {','.join(r['differs'])}" if r.get("differs") else "")
        for r in answer["results"]
    )
    pulled = http.get(
        f"/api/v1/datasets/{DATASET}/bulk",
        headers=tokens.headers("swj-exchange"),
        params={"format": "csv", "encoding": "gbk", "grant_id": grant_id},
    )
    if pulled.status_code != 200:
        _check(pulled, 200)
    manifest = (
        f"{pulled.headers['X-Row-Count']} rows, {len(pulled.content)} bytes, "
        f"SHA-256 {pulled.headers['X-Content-SHA256'][:16]}…"
    )
    return results, manifest


def _download_evidence(http: httpx.Client, tokens: DemoTokens, folder: Path) -> Path:
    """The auditor downloads the whole log as an evidence bundle and keeps the ZIP."""
    got = http.post("/api/v1/audit/evidence", headers=tokens.headers("dsj-audit"), json={})
    if got.status_code != 200:
        _check(got, 200)
    name = got.headers["Content-Disposition"].split('filename="')[1].rstrip('"')
    folder.mkdir(parents=True, exist_ok=True)
    saved = folder / Path(name).name
    saved.write_bytes(got.content)
    return saved


def _verify_offline(bundle: Path, public_key: Path) -> ChainReport:
    """What an auditor does on a machine of their own: the ZIP and the pinned public key only."""
    with tempfile.TemporaryDirectory(prefix="zhongtai-evidence-") as scratch:
        folder = unpack(bundle, Path(scratch))
        return verify_bundle(folder, load_trust([public_key]))


def run_demo(settings: Settings, *, console: Console, serve: bool) -> int:
    console.rule("Zhongtai 中台 demo")
    sessions = init_catalog(settings.resolved_catalog_url)
    for folder in (settings.raw_dir, settings.staging_dir, settings.inbox_dir):
        folder.mkdir(parents=True, exist_ok=True)
    with sessions() as session:
        tokens = seed(session)
        session.commit()
    tokens_path = settings.var_dir / "demo_tokens.json"
    tokens_path.write_text(json.dumps(tokens.by_account, indent=2), encoding="utf-8")
    tokens_path.chmod(0o600)
    console.print(f"seeded {len(DEPARTMENTS)} departments; demo tokens in {tokens_path}")
    for skipped in tokens.skipped:
        console.print(f"[yellow]{skipped.advice()}[/yellow]")

    inbox = settings.inbox_dir / DATASET
    inbox.mkdir(parents=True, exist_ok=True)
    extract = inbox / "社保缴费_2026-10.csv"
    manifest = write_social_insurance_extract(extract, rows=500)
    console.print(
        f"wrote {manifest.rows} rows ({manifest.encoding}) with {len(manifest.defects)} "
        f"known defective rows to {extract.name}"
    )

    with sessions() as session:
        batches_before = session.scalar(select(func.count(Batch.id)).where(_OURS)) or 0
    console.print("running Airflow: db migrate, then dags test ingest_" + DATASET)
    run_airflow(settings, "db", "migrate")
    run_airflow(
        settings, "dags", "test", f"ingest_{DATASET}", "-c", json.dumps({"source": str(extract)})
    )
    with sessions() as session:
        batch = session.scalar(select(Batch).where(_OURS).order_by(Batch.id.desc()).limit(1))
        batches_after = session.scalar(select(func.count(Batch.id)).where(_OURS)) or 0
        quality = (
            None
            if batch is None
            else session.scalar(select(QualityReport).where(QualityReport.batch_id == batch.id))
        )
    if batch is None or batch.snapshot_id is None:
        console.print("[red]the ingestion DAG did not publish a snapshot[/red]")
        return 1
    if batches_after == batches_before:
        console.print(
            f"{extract.name} was landed before as batch {batch.id} (same SHA-256): "
            "nothing re-ingested, the lake is unchanged"
        )
    deliver_after_publish(settings, console)  # guarded: a delivery never fails the demo

    server = _Server(settings)
    server.start()
    server.wait_started()
    base = f"http://{settings.api_host}:{settings.api_port}"
    with httpx.Client(base_url=base, timeout=60) as http:
        listed = _check(http.get("/api/v1/datasets", headers=tokens.headers("swj-exchange")), 200)
        anonymous = http.get("/api/v1/datasets")
        filed = _check(
            http.post(
                "/api/v1/requests",
                headers=tokens.headers("swj-exchange"),
                json={
                    "dataset": DATASET,
                    "fields": [
                        "citizen_id",
                        "person_name",
                        "employer_uscc",
                        "period",
                        "amount",
                        "region",
                    ],
                    "purpose": "个人所得税汇算清缴中核对社保扣除额",
                    "scenario": "个税专项扣除核验",
                    "legal_basis": "《中华人民共和国个人所得税法》第六条",
                    "access_modes": ["query", "verify", "bulk"],
                    "match_fields": ["citizen_id", "person_name"],
                },
            ),
            201,
        )
        approved = _check(
            http.post(
                f"/api/v1/requests/{filed['id']}/approve",
                headers=tokens.headers("rsj-exchange"),
                json={"reason": "用途明确，字段最小必要"},
            ),
            200,
        )
        page = _check(
            http.get(
                f"/api/v1/datasets/{DATASET}/data",
                headers=tokens.headers("swj-exchange"),
                params={"limit": 10000, "grant_id": approved["grant"]["id"]},
            ),
            200,
        )
        checked, pulled_extract = _verify_and_pull(http, tokens, approved["grant"]["id"])
        refused = http.get(
            f"/api/v1/datasets/{DATASET}/data", headers=tokens.headers("gaj-exchange")
        )
        signed = None if quality is None else _sign_off(http, tokens, quality.id)
        store = store_of(settings)
        with sessions() as session:
            sign_checkpoint(session, signing_key(session, store, settings))
            session.commit()
        bundle = _download_evidence(http, tokens, Path(settings.var_dir) / "evidence")
    server.stop()
    scenarios = scenario_demo(settings, console)  # the four scenarios on the scenario world

    with sessions() as session:
        report = verify_chain(session, trusted(settings, store))
    offline = _verify_offline(bundle, store.public_path)

    table = Table(title="Zhongtai demo summary 演示结果", show_header=False)
    table.add_row("datasets listed (GET /api/v1/datasets)", str(len(listed)))
    table.add_row(
        "without a token", f"{anonymous.status_code} {anonymous.headers.get('content-type')}"
    )
    table.add_row("rows landed", str(batch.rows_in))
    table.add_row(
        "rows published / quarantined", f"{batch.rows_published} / {batch.rows_quarantined}"
    )
    table.add_row("snapshot id", str(batch.snapshot_id))
    if quality is not None:
        table.add_row(
            "quality report",
            f"score {quality.score} · {quality.decision.value} · /portal/quality/{quality.id}",
        )
    if signed is not None:
        table.add_row("quality sign-off by the 330100RSJ steward", signed)
    table.add_row("share request id", str(filed["id"]))
    table.add_row("grant id", str(approved["grant"]["id"]))
    table.add_row("rows read by 330100SWJ", str(page["row_count"]))
    table.add_row(
        "sample row (masked)",
        json.dumps(page["rows"][0], ensure_ascii=False) if page["rows"] else "-",
    )
    table.add_row("核验 by 330100SWJ (the record as held; a wrong name)", checked)
    table.add_row("bulk extract by 330100SWJ (CSV, GBK)", pulled_extract)
    table.add_row(
        "330100GAJ without a grant", f"{refused.status_code} {refused.json().get('code')}"
    )
    for label, value in scenarios.lines():
        table.add_row(label, value)
    table.add_row("audit", report.describe())
    table.add_row(
        "evidence bundle (auditor, POST /api/v1/audit/evidence)",
        f"{bundle} — verified offline with {store.public_path.name}: {offline.describe()}",
    )
    console.print(table)
    if not report.ok or not offline.ok:
        return 1
    console.print("audit chain OK")
    console.print(
        f"evidence bundle OK — verify it yourself: zhongtai audit verify {bundle} "
        f"--trust {store.public_path}"
    )
    if serve:
        console.print(f"serving the API on {base} (docs: {base}/api/v1/docs); Ctrl-C to stop")
        console.print(f"portal: {base}/portal/ (sign in with a token from {tokens_path})")
        uvicorn.run(
            create_app(settings), host=settings.api_host, port=settings.api_port, log_level="info"
        )
    return 0
