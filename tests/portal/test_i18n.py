"""Every portal string exists in both languages, and every key a template uses is defined."""

from __future__ import annotations

import re
from pathlib import Path

from exchange_api.portal.i18n import LANGS, MESSAGES, translator
from exchange_api.portal.pages import PORTAL_DIR

_T_CALL = re.compile(r"""\bt\(\s*["']([a-z_.]+)["']\s*\)""")
_DECISION = re.compile(r"""t\(\s*["']decision\.["']\s*~""")


def test_both_languages_have_the_same_keys() -> None:
    zh, en = set(MESSAGES["zh"]), set(MESSAGES["en"])
    assert zh - en == set(), f"missing in en: {sorted(zh - en)}"
    assert en - zh == set(), f"missing in zh: {sorted(en - zh)}"
    for lang in LANGS:
        assert all(value.strip() for value in MESSAGES[lang].values()), lang


def test_every_key_used_by_a_template_or_the_cli_is_defined() -> None:
    sources = [*(PORTAL_DIR / "templates").glob("*.html"), PORTAL_DIR.parent / "cli.py"]
    used: set[str] = set()
    for path in sources:
        used |= set(_T_CALL.findall(path.read_text(encoding="utf-8")))
    assert len(used) > 30
    assert used - set(MESSAGES["zh"]) == set()
    # decision labels are looked up by value: one per QualityDecision
    from catalog.models import QualityDecision

    for decision in QualityDecision:
        for lang in LANGS:
            assert translator(lang)(f"decision.{decision.value}")
    assert any(_DECISION.search(p.read_text(encoding="utf-8")) for p in sources)


def test_every_login_error_shown_is_defined() -> None:
    source = (PORTAL_DIR / "login.py").read_text(encoding="utf-8")
    errors = set(re.findall(r"""error=["']([a-z_.]+)["']""", source))
    assert errors == {"login.invalid", "login.cross_site", "login.locked"}
    for lang in LANGS:
        assert errors <= set(MESSAGES[lang])


def test_chinese_strings_are_chinese() -> None:
    han = re.compile(r"[\u4e00-\u9fff]")
    assert han.search(MESSAGES["zh"]["report.title"])
    assert not any(han.search(v) for k, v in MESSAGES["en"].items() if k != "report.switch_lang")


def test_templates_exist() -> None:
    assert Path(PORTAL_DIR / "templates" / "quality_report.html").is_file()


def test_every_rule_of_every_contract_has_a_chinese_description() -> None:
    from exchange_api.portal.i18n import rule_description
    from quality.dataset_rules import contract_rules
    from schemas import load_contracts

    han = re.compile(r"[\u4e00-\u9fff]")
    for contract in load_contracts().values():
        for rule in contract_rules(contract):
            zh = rule_description(rule.code, rule.description, "zh")
            assert han.search(zh), (contract.code, rule.code, zh)
            assert rule_description(rule.code, rule.description, "en") == rule.description
