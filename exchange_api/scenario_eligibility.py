"""数字助残, the requester's side: the scenario 区残联 files, and its eligibility rule applied to
the joined view the platform delivers (``lakehouse.scenario_read``).

The rule is **not** platform logic. The platform only joins what each owner granted, masked as
each grant says; who qualifies but has not been paid is the 残联's own question of that view
(the rule of ``lakehouse.samples.scenarios``):

* 生活补贴 (living subsidy): a registered disabled person whom 民政 recognise as 低保 or 低边;
* 护理补贴 (care subsidy): disability level 1 or 2 in the register, or a 卫健 long-term-care
  grade of 3 or more. 卫健 shares no grade: its grant's row filter holds only the assessments of
  grade 3 and above, so ``wjw_care_assessment.matched`` says "severely dependent" and nothing more;
* unpaid: 财政 hold no payment of that subsidy to the person in any month.

:data:`ASKS` is the scenario as filed (the CLI's and the demo's), :func:`eligible_unpaid` the rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from catalog.scenarios import MemberAsk

__all__ = ["ASKS", "JOIN_FIELD", "LEGAL_BASIS", "PURPOSE", "TITLE", "eligible_unpaid"]

TITLE = "数字助残：困难残疾人生活补贴和重度残疾人护理补贴应享未享排查"
PURPOSE = "排查符合残疾人两项补贴条件但尚未申领的持证残疾人，主动联系告知并协助申请"
LEGAL_BASIS = (
    "《中华人民共和国残疾人保障法》第四十八条；《国务院关于全面建立困难残疾人生活补贴和重度残疾人"
    "护理补贴制度的意见》（国发〔2015〕52号）"
)
JOIN_FIELD = "citizen_id"
LIVING, CARE = "生活补贴", "护理补贴"

ASKS: tuple[MemberAsk, ...] = (
    MemberAsk("cl_disabled_persons", ("citizen_id", "person_name", "disability_level", "mobile")),
    MemberAsk("mzj_assistance_status", ("citizen_id", "assistance_type")),
    MemberAsk(
        "wjw_care_assessment",
        ("citizen_id", "care_grade", "assessed_on"),
        row_filter=({"field": "care_grade", "op": "ge", "value": 3},),
    ),
    MemberAsk("czj_disability_subsidies", ("citizen_id", "subsidy_type", "period")),
    MemberAsk(
        "rsj_employment_insurance",
        ("citizen_id", "employment_status", "insurance_status", "period"),
    ),
)
"""The scenario as filed: the register (the 残联's own: the anchor) and four other owners'."""


def eligible_unpaid(rows: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Citizen ID → the subsidies missed, sorted; from the joined view's rows (one row per
    combination of member rows: a person's payments and months fan out, and are folded here)."""
    level: dict[str, int] = {}
    recognised: dict[str, set[str]] = {}
    severe: set[str] = set()
    paid: set[tuple[str, str]] = set()
    for row in rows:
        cid = str(row["cl_disabled_persons.citizen_id"])
        level[cid] = int(row["cl_disabled_persons.disability_level"])
        kind = row.get("mzj_assistance_status.assistance_type")
        if kind:
            recognised.setdefault(cid, set()).add(str(kind))
        if row.get("wjw_care_assessment.matched"):
            severe.add(cid)
        subsidy = row.get("czj_disability_subsidies.subsidy_type")
        if subsidy:
            paid.add((cid, str(subsidy)))
    found: dict[str, tuple[str, ...]] = {}
    for cid, grade in level.items():
        wants = []
        if recognised.get(cid, set()) & {"低保", "低边"}:
            wants.append(LIVING)
        if grade <= 2 or cid in severe:
            wants.append(CARE)
        missed = tuple(sorted(s for s in wants if (cid, s) not in paid))
        if missed:
            found[cid] = missed
    return dict(sorted(found.items()))
