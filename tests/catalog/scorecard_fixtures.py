"""A month of one department's duties with known answers, for the scorecard tests.

The owner department (提供方) has a conditional dataset ``cond`` and an unconditional one
``open``; the requesting department files requests at chosen moments (China Standard Time) on the
real official calendar (2026: National Day 10-01 … 10-07, make-up workday Saturday 10-10), the
owner answers some, late or on time, and batches and quality reports land at chosen moments.
``NOW`` is Monday 2026-11-02 12:00. Every figure the tests assert is worked out in the comments.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from catalog.models import (
    Batch,
    BatchStatus,
    Dataset,
    Department,
    QualityDecision,
    QualityReport,
    Role,
)
from catalog.objections import answer_objection, file_objection
from catalog.requests import approve_request, file_request, refuse_request
from catalog.scorecard_terms import ResponsibilityTerms
from catalog.workdays import CHINA, DeadlineRules
from schemas import ShareType
from tests.catalog import factories

RULES = DeadlineRules(reply_days=5, objection_days=5)
NOW = dt.datetime(2026, 11, 2, 12, 0, tzinfo=CHINA)
FIELDS = ["citizen_id", "person_name", "period", "amount"]
_sha = itertools.count(1)


def cst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)


@dataclass(frozen=True)
class Month:
    owner: Department
    requesting: Department
    idle: Department
    publisher: factories.Actor
    requester: factories.Actor
    cond: Dataset
    open: Dataset
    requests: dict[str, int]
    items: list[ResponsibilityTerms]


def batch(
    session: Session,
    dataset: Dataset,
    at: dt.datetime,
    score: float,
    *,
    status: BatchStatus = BatchStatus.PUBLISHED,
    quarantined: int = 0,
) -> Batch:
    """A batch landed and (if published) published at ``at``, with its quality report then."""
    n = next(_sha)
    row = Batch(
        dataset_id=dataset.id,
        source_name=f"{dataset.code}-{n}.csv",
        source_sha256=f"{n:064x}",
        raw_path=f"/raw/{n}.csv",
        size_bytes=100,
        status=status,
        landed_at=at,
        published_at=at if status is BatchStatus.PUBLISHED else None,
    )
    session.add(row)
    session.flush()
    decision = (
        QualityDecision.PUBLISH if status is BatchStatus.PUBLISHED else QualityDecision.REJECT
    )
    session.add(
        QualityReport(
            batch_id=row.id,
            dataset_id=dataset.id,
            rows_in=100,
            rows_passed=100 - quarantined,
            rows_quarantined=quarantined,
            score=score,
            decision=decision,
            created_at=at,
        )
    )
    session.flush()
    return row


def build(session: Session, directory: Path) -> Month:
    owner = factories.department(session, "330100TEST")
    requesting = factories.department(session, "330100ASKS", region="330102")
    idle = factories.department(session, "330100IDLE")
    publisher = factories.actor(session, owner, Role.PUBLISHER)
    requester = factories.actor(session, requesting, Role.REQUESTER)
    cond = factories.dataset(session, directory, owner, code="cond_social")
    opened = factories.dataset(session, directory, owner, ShareType.UNCONDITIONAL, code="open_ds")
    ask, own = requester.principal, publisher.principal

    def file(at: dt.datetime, dataset: Dataset = cond) -> int:
        filed = file_request(
            session, ask, dataset.code, FIELDS, "低保资格核验", rules=RULES, now=at
        )
        return filed.id

    r: dict[str, int] = {}
    # Wed 09-30 16:30, before National Day: due after 10-08, 09, 10 (Sat), 12, 13 → 10-14 00:00;
    # approved 10-14 09:00: a breach only because Saturday 10-10 is a working day. September's.
    r["national_day"] = file(cst(2026, 9, 30, 16, 30))
    approve_request(session, own, r["national_day"], rules=RULES, now=cst(2026, 10, 14, 9, 0))
    # Fri 10-09 10:00: due after 10-10 (Sat), 12, 13, 14, 15 → 10-16 00:00; approved 10-16 09:00:
    # late; 6 working days (10, 12, 13, 14, 15, 16), 167.0 hours.
    r["late"] = file(cst(2026, 10, 9, 10, 0))
    approve_request(session, own, r["late"], rules=RULES, now=cst(2026, 10, 16, 9, 0))
    # Mon 10-12 09:00 (due 10-20 00:00), refused Tue 10-13 15:00: 1 working day, 30.0 hours.
    # Objected Wed 10-14 10:00 (due after 15, 16, 19, 20, 21 → 10-22 00:00), dismissed 10-19:
    # on time.
    r["refused"] = file(cst(2026, 10, 12, 9, 0))
    refuse_request(session, own, r["refused"], reason="超出职责范围", now=cst(2026, 10, 13, 15, 0))
    objected = file_objection(
        session, ask, r["refused"], "属法定职责", rules=RULES, now=cst(2026, 10, 14, 10, 0)
    )
    answer_objection(
        session, own, objected.id, uphold=False, answer="维持", rules=RULES,
        now=cst(2026, 10, 19, 11, 0),
    )  # fmt: skip
    # Mon 10-19 09:00, refused the same day 17:00: 0 working days, 8.0 hours. Objected Tue 10-20
    # 09:00 (due after 21, 22, 23, 26, 27 → 10-28 00:00) and never answered: late by NOW.
    r["same_day"] = file(cst(2026, 10, 19, 9, 0))
    refuse_request(session, own, r["same_day"], reason="字段过多", now=cst(2026, 10, 19, 17, 0))
    file_objection(
        session, ask, r["same_day"], "仅需四个字段", rules=RULES, now=cst(2026, 10, 20, 9)
    )
    # Tue 10-20 09:00: due after 21, 22, 23, 26, 27 → 10-28 00:00; still pending at NOW: a breach.
    r["overdue"] = file(cst(2026, 10, 20, 9, 0))
    # Wed 10-21 09:00, refused 10:00; objected 11:00 (due after 22, 23, 26, 27, 28 → 10-29
    # 00:00), upheld late on Fri 10-30 10:00, which reopens it (due after 11-02 … 11-06 →
    # 11-07 00:00); approved Mon 11-02 10:00: the clock runs from the uphold — 1 working day
    # (the weekend does not count), 72.0 hours, on time.
    r["reopened"] = file(cst(2026, 10, 21, 9, 0))
    refuse_request(session, own, r["reopened"], reason="用途不明", now=cst(2026, 10, 21, 10, 0))
    reopened = file_objection(
        session, ask, r["reopened"], "用途见附件", rules=RULES, now=cst(2026, 10, 21, 11, 0)
    )
    answer_objection(
        session, own, reopened.id, uphold=True, answer="重新审核", rules=RULES,
        now=cst(2026, 10, 30, 10, 0),
    )  # fmt: skip
    approve_request(session, own, r["reopened"], rules=RULES, now=cst(2026, 11, 2, 10, 0))
    # Thu 10-29 09:00: due after 30, 11-02, 03, 04, 05 → 11-06 00:00; pending, not yet due.
    r["waiting"] = file(cst(2026, 10, 29, 9, 0))
    # Unconditional: granted on filing, never waited for the owner: not on the scorecard.
    r["unconditional"] = file(cst(2026, 10, 22, 9, 0), opened)
    # November's: not October's.
    r["november"] = file(cst(2026, 11, 2, 9, 0))

    # Quality: cond 90 (10-05), open 80 (10-12), cond rejected 40 (10-20), cond 95 (10-26);
    # cond 50 on 11-01 is November's (and after October's end, when fulfilment is judged).
    batch(session, cond, cst(2026, 10, 5, 10, 0), 90.0)
    batch(session, opened, cst(2026, 10, 12, 10, 0), 80.0, quarantined=20)
    batch(session, cond, cst(2026, 10, 20, 10, 0), 40.0, status=BatchStatus.REJECTED)
    batch(session, cond, cst(2026, 10, 26, 10, 0), 95.0, quarantined=5)
    batch(session, cond, cst(2026, 11, 1, 10, 0), 50.0)
    session.commit()

    items = [
        # cond, monthly (62 days), ≥ 85: published 10-26, latest report 95 → fulfilled
        ResponsibilityTerms(1, owner.id, "社保缴费月报", cond.id, "monthly", 85.0),
        # open, daily (2 days): last published 10-12 → stale at October's end
        ResponsibilityTerms(2, owner.id, "参保登记日报", opened.id, "daily", 70.0),
        # nothing registered yet
        ResponsibilityTerms(3, owner.id, "就业失业登记", None, "monthly", 80.0),
        # cond again, but ≥ 96: the latest report (95) falls short
        ResponsibilityTerms(4, owner.id, "社保缴费月报（高标准）", cond.id, "monthly", 96.0),
    ]
    return Month(owner, requesting, idle, publisher, requester, cond, opened, r, items)
