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


def test_keys_looked_up_by_value_exist_for_every_value() -> None:
    from catalog.conditions import Op
    from catalog.models import AccessMode, ObjectionStatus, RequestStatus
    from exchange_api.errors import TITLES
    from schemas import Grade, ShareType
    from schemas.loader import _UPDATE_CYCLES

    wanted = {f"share.{v.value}" for v in ShareType}
    wanted |= {f"grade.{v.value}" for v in Grade}
    wanted |= {f"cycle.{v}" for v in _UPDATE_CYCLES}
    wanted |= {f"mode.{v.value}" for v in AccessMode}
    wanted |= {f"status.{v.value}" for v in RequestStatus}
    wanted |= {f"objection.{v.value}" for v in ObjectionStatus}
    wanted |= {f"op.{v.value}" for v in Op} | {"cond.in", "cond.prefix"}
    wanted |= {f"grant.{s}" for s in ("live", "revoked", "superseded", "expired")}
    wanted |= {f"nav.{k}" for k in ("home", "catalog", "requests", "grants", "inbox", "given")}
    wanted |= {f"error.{status}" for status in TITLES if status != 405}
    for lang in LANGS:
        assert wanted - set(MESSAGES[lang]) == set(), lang


def test_every_refusal_a_portal_act_can_meet_has_a_sentence() -> None:
    """The codes the exchange services raise, read from their source, and the access decision's
    refusals of the acts the exchange pages offer."""
    root = PORTAL_DIR.parents[1]
    sources = [
        root / "catalog" / name
        for name in ("requests.py", "grants.py", "objections.py", "grant_terms.py", "read_plan.py")
    ] + [PORTAL_DIR / "forms.py", PORTAL_DIR / "inbox.py", root / "exchange_api" / "read_path.py"]
    codes: set[str] = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'code="([a-z_]+\.[a-z_]+)"', text))
        codes |= set(re.findall(r'Refusal\(\s*"([a-z_]+\.[a-z_]+)"', text))
    codes |= {"request.not_found", "request.not_owner", "request.not_requester"}
    codes |= {"grant.not_found", "grant.not_owner", "grant.not_grantee", "request.own_dataset"}
    assert {"grant.missing", "csrf.invalid", "form.invalid", "quota.exceeded"} <= codes
    codes.discard("grant.invalid_rows")  # a programming error, never a visitor's
    for lang in LANGS:
        missing = {c for c in codes if f"problem.{c}" not in MESSAGES[lang]}
        assert missing == set(), (lang, sorted(missing))


def test_no_key_is_defined_twice_with_different_texts() -> None:
    """The message tables are merged into one: a key two tables define differently shows
    whichever was merged last, so one of the pages says the wrong thing."""
    import importlib
    import pkgutil

    import exchange_api.portal as portal

    seen: dict[tuple[str, str], tuple[str, str]] = {}
    clashes = []
    tables_seen: set[int] = set()
    for info in pkgutil.iter_modules(portal.__path__):
        if not info.name.startswith("i18n"):
            continue
        module = importlib.import_module(f"exchange_api.portal.{info.name}")
        for table_name, table in vars(module).items():
            if not (table_name.endswith("MESSAGES") and isinstance(table, dict)):
                continue
            if table_name == "MESSAGES" or id(table) in tables_seen:
                continue  # the merged table, or one imported from the module defining it
            tables_seen.add(id(table))
            for lang, texts in table.items():
                if not isinstance(texts, dict):
                    continue
                for key, text in texts.items():
                    where = f"{info.name}.{table_name}"
                    earlier = seen.setdefault((lang, key), (where, text))
                    if earlier[1] != text and earlier[0] != where:
                        clashes.append((lang, key, earlier[0], where))
    assert len(seen) > 500
    assert clashes == [], clashes
