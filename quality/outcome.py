"""What validating a batch found, and the decision it leads to: no engine, no Great Expectations.

:class:`QualityOutcome` is what both ways of validating return
(:func:`quality.validate.validate`, which runs every rule as its own GE expectation, and
:func:`quality.validate_pass.validate_pass`, which runs GE over the rule flags of the one
standardising pass); :func:`decide` and :func:`rejection_reasons` turn its counts and batch
findings into PUBLISH / PUBLISH_WITH_QUARANTINE / REJECT and the reasons a steward reads.
Importing this module costs nothing, so the pipeline can judge a resumed batch without loading
the validation stack.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from catalog.models import QualityDecision

__all__ = [
    "QualityOutcome",
    "blocking_failures",
    "decide",
    "judged",
    "rejection_reasons",
    "score",
]


@dataclass(frozen=True, slots=True)
class QualityOutcome:
    """What validating one batch found. ``verdict_relation`` names a table in the connection."""

    batch_id: int
    rows_in: int
    rows_passed: int
    rows_quarantined: int
    rule_counts: dict[str, int]
    score: float
    decision: QualityDecision
    ge_success: bool
    ge_result: dict[str, Any]
    verdict_relation: str
    findings: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Batch-level checks by code: ``{"passed", "observed", "bound", "blocking", "message"}``."""


def blocking_failures(findings: Mapping[str, Mapping[str, Any]] | None) -> list[str]:
    """Codes of the batch checks that failed and block publication, sorted."""
    return sorted(
        code
        for code, finding in (findings or {}).items()
        if finding.get("blocking") and not finding.get("passed")
    )


def decide(
    rows_in: int,
    rows_quarantined: int,
    max_failure_ratio: float,
    findings: Mapping[str, Mapping[str, Any]] | None = None,
) -> QualityDecision:
    """PUBLISH when clean, PUBLISH_WITH_QUARANTINE up to the contract's ratio, else REJECT; and
    REJECT whenever a blocking batch-level finding failed."""
    if rows_in <= 0 or blocking_failures(findings):
        return QualityDecision.REJECT
    if rows_quarantined == 0:
        return QualityDecision.PUBLISH
    if rows_quarantined / rows_in <= max_failure_ratio:
        return QualityDecision.PUBLISH_WITH_QUARANTINE
    return QualityDecision.REJECT


def score(rows_in: int, rows_passed: int) -> float:
    """Share of rows that passed, 0-100, two decimals (0 for an empty batch)."""
    return round(rows_passed / rows_in * 100, 2) if rows_in else 0.0


def rejection_reasons(
    rows_in: int,
    rows_quarantined: int,
    max_failure_ratio: float,
    rule_counts: Mapping[str, int],
    findings: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[str]:
    """Why a batch with these counts and findings is rejected, one line per failing check."""
    reasons: list[str] = []
    if rows_in <= 0:
        reasons.append("quality: the batch has no rows")
    elif rows_quarantined / rows_in > max_failure_ratio:
        failing = ", ".join(
            f"{code} ({count})" for code, count in sorted(rule_counts.items()) if count
        )
        reasons.append(
            f"quality: {rows_quarantined} of {rows_in} rows failed "
            f"({rows_quarantined / rows_in:.2%} > {max_failure_ratio:.2%}): {failing}"
        )
    for code in blocking_failures(findings):
        message = (findings or {})[code].get("message", "")
        reasons.append(f"{code}: {message}")
    return reasons


def judged(
    batch_id: int,
    rows_in: int,
    rows_quarantined: int,
    rule_counts: dict[str, int],
    max_failure_ratio: float,
    findings: Sequence[Any],
    ge_result: dict[str, Any],
    verdict_relation: str,
) -> QualityOutcome:
    """The outcome of a validation whose counts GE agreed with: score and decision computed;
    ``findings`` are the batch checks' :class:`~quality.dataset_rules.Finding` objects."""
    by_code = {f.code: f.as_dict() for f in findings}
    rows_passed = rows_in - rows_quarantined
    return QualityOutcome(
        batch_id=batch_id,
        rows_in=rows_in,
        rows_passed=rows_passed,
        rows_quarantined=rows_quarantined,
        rule_counts=rule_counts,
        score=score(rows_in, rows_passed),
        decision=decide(rows_in, rows_quarantined, max_failure_ratio, by_code),
        ge_success=bool(ge_result.get("success")),
        ge_result=ge_result,
        verdict_relation=verdict_relation,
        findings=by_code,
    )
