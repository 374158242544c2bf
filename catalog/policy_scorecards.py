"""The rule of ``scorecard.view``: who sees which department's scorecard (考核).

- **Admins and auditors** see every department's scorecard, and the league table of all of them
  (``ScorecardTerms(None)``): assessing departments is their work.
- **A department's own accounts**, whatever their role, see their own department's scorecard: it
  is how a department learns what it must put right.
- **Other departments do not** see a department's scorecard, nor the league table. This is the
  policy choice the issue leaves open, made this way because a scorecard carries what other rules
  keep to the owner and the auditors — the quality scores of its datasets (``report.view``), the
  requests filed with it and how they were answered (``request.view``) — and a league table is
  the same figures for everyone. A platform that publishes its rankings (通报) does so through
  an auditor's export, on the record.
- **The platform itself** (pipelines, schedulers) has no department and sees none.

Refusals are visible (``scorecard.not_allowed``), not hidden: which departments exist is no
secret. ``catalog.policy`` registers the rule; the same ``authorize`` decides it.
"""

from __future__ import annotations

from catalog.models import Role
from catalog.policy_terms import in_department, platform_role
from catalog.principals import Principal
from catalog.read_plan import Refusal
from catalog.resources import ScorecardTerms

__all__ = ["scorecard_view"]


def scorecard_view(actor: Principal, terms: ScorecardTerms) -> Refusal | None:
    if platform_role(actor, Role.ADMIN, Role.AUDITOR):
        return None
    if terms.department_id is not None and in_department(actor, terms.department_id):
        return None
    if terms.department_id is None:
        return Refusal(
            "scorecard.not_allowed",
            "every department's scorecards (the league table) are for auditors and admins",
        )
    return Refusal(
        "scorecard.not_allowed",
        "a department's scorecard is for that department, auditors and admins",
    )
