"""The accessibility check every browser test can call: axe-core, vendored under
``tests/portal/vendor/axe-core`` (``SOURCE.md`` names its version and integrity), injected into a
Playwright page and run against the WCAG 2.0, 2.1 and 2.2 level A and AA rules.

``axe_violations(page)`` returns what axe reports, one dict a rule; ``assert_accessible(page,
where)`` fails, listing rule, impact, target selectors and help, when any violation is serious or
critical. Nothing is fetched at test time: the script is read from the repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
BLOCKING = frozenset({"serious", "critical"})

_RUN = """async ({tags, rules}) => {
  const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]};
  if (rules !== null) options.runOnly = {type: "rule", values: rules};
  const result = await axe.run(document, options);
  return result.violations.map(v => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    targets: v.nodes.map(n => n.target.map(t => Array.isArray(t) ? t.join(" ") : t).join(" >> ")),
    summaries: v.nodes.map(n => n.failureSummary || ""),
  }));
}"""


def axe_violations(page: Page, *, rules: list[str] | None = None) -> list[dict[str, Any]]:
    """The WCAG 2.x A/AA violations axe finds on ``page`` as it is now (``rules``: only these
    rule ids instead). Each: ``id``, ``impact``, ``help``, ``helpUrl``, ``targets`` (one CSS
    selector a failing node) and ``summaries`` (axe's reason for each node)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(_RUN, {"tags": list(WCAG_AA), "rules": rules})
    return found


def describe(violations: list[dict[str, Any]]) -> str:
    """One readable block a violation: rule, impact, help, then each target with axe's reason."""
    lines: list[str] = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for target, summary in zip(v["targets"], v["summaries"], strict=True):
            reason = " ".join(summary.split())
            lines.append(f"    {target}" + (f" — {reason[:200]}" if reason else ""))
    return "\n".join(lines)


def assert_accessible(page: Page, where: str) -> None:
    """Fail when axe finds a serious or critical WCAG 2.x A/AA violation on ``page``."""
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not blocking, f"{where} ({page.url}) is not accessible:\n{describe(blocking)}"
