"""Regenerate ``search_queries.json``: the labelled query set of the catalog search tests.

Relevance is judged by topic, not by the search engine: each query below names the topics
(``bench.search_corpus.TOPICS``) a person typing it wants — e.g. 缴费 wants social-insurance and
medical-insurance contributions, ``tax`` wants every tax topic even where the English title does
not say "tax" — and the filters it carries. The relevant datasets are then the fixture catalog's
datasets of those topics that pass the filters (freshness by :func:`freshness_of`), plus the
shipped contract of the same topic. Run: ``python -m tests.data.make_search_queries``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.search_corpus import TOPICS, corpus

FIXTURE_SIZE = 200
SHIPPED = {"rsj_social_insurance": "sb_jf", "gaj_household_registration": "hj_rk",
           "scjgj_enterprise_registration": "qy_dj"}  # fmt: skip
OUT = Path(__file__).with_name("search_queries.json")


def freshness_of(index: int) -> str:
    """The fixture's rule: every third dataset published 12 hours ago, the next one 800 days
    ago, the rest never (the shipped contracts are never published)."""
    return ("fresh", "stale", "unpublished")[index % 3]


def _with_field(element: str) -> list[str]:
    return [t.key for t in TOPICS if any(e == element for _, _, e in t.fields)]


QUERIES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("社保", {}, ["sb_jf"]),
    ("社保缴费", {}, ["sb_jf"]),
    ("社会保险", {}, ["sb_jf"]),
    ("缴费", {}, ["sb_jf", "yb_jf"]),
    ("养老", {}, ["yl_cb", "yl_jg"]),
    ("养老保险", {}, ["yl_cb"]),
    ("失业", {}, ["sy_bx"]),
    ("工伤", {}, ["gs_rd"]),
    ("就业登记", {}, ["jy_dj"]),
    ("技能", {}, ["zy_jn"]),
    ("户籍", {}, ["hj_rk"]),
    ("人口", {}, ["hj_rk", "ld_rk"]),
    ("流动人口", {}, ["ld_rk"]),
    ("驾驶证", {}, ["jdc_jz"]),
    ("身份证", {}, ["sfz_bl"]),
    ("企业登记", {}, ["qy_dj"]),
    ("个体户", {}, ["gt_dj"]),
    ("处罚", {}, ["xz_cf"]),
    ("食品", {}, ["spaq_jc"]),
    ("低保", {}, ["db_jz"]),
    ("婚姻", {}, ["hy_dj"]),
    ("社会组织", {}, ["sh_zz"]),
    ("出生", {}, ["cs_yx"]),
    ("疫苗", {}, ["ym_jz"]),
    ("医疗机构", {}, ["yl_jgxx"]),
    ("学籍", {}, ["xs_xj"]),
    ("义务教育", {}, ["ywjy_zs"]),
    ("公积金", {}, ["gjj_jc", "gjj_dk"]),
    ("公积金贷款", {}, ["gjj_dk"]),
    ("医保", {}, ["yb_jf", "yb_js"]),
    ("纳税", {}, ["ns_xy", "fp_kj", "qs_gg"]),
    ("发票", {}, ["fp_kj"]),
    ("不动产", {}, ["bdc_dj"]),
    ("土地", {}, ["td_cr"]),
    ("公交", {}, ["gj_ll"]),
    ("空气质量", {}, ["kq_zl"]),
    ("排污", {}, ["pw_xk"]),
    ("残疾人", {}, ["cjr_zj", "cjr_bt"]),
    ("补贴", {}, ["cjr_bt"]),
    ("税", {}, ["ns_xy", "fp_kj", "qs_gg"]),
    ("保险", {}, ["sb_jf", "yl_cb", "sy_bx", "yb_jf", "yb_js"]),
    ("sbjf", {}, ["sb_jf"]),
    ("gjj", {}, ["gjj_jc", "gjj_dk"]),
    ("ybjf", {}, ["yb_jf"]),
    ("hjrk", {}, ["hj_rk"]),
    ("bdcdj", {}, ["bdc_dj"]),
    ("dbjz", {}, ["db_jz"]),
    ("SBJF", {}, ["sb_jf"]),
    ("shebao", {}, ["sb_jf"]),
    ("gongjijin", {}, ["gjj_jc", "gjj_dk"]),
    ("pension", {}, ["yl_cb"]),
    ("vaccination", {}, ["ym_jz"]),
    ("housing provident", {}, ["gjj_jc", "gjj_dk"]),
    ("tax", {}, ["ns_xy", "fp_kj", "qs_gg"]),
    ("统一社会信用代码", {}, _with_field("uscc")),
    ("信用代码", {}, _with_field("uscc")),
    ("公民身份号码", {}, _with_field("citizen_id")),
    ("unified social credit", {}, _with_field("uscc")),
    ("法定代表人", {}, ["qy_dj"]),
    ("客流量", {}, ["gj_ll"]),
    ("社保", {"share_type": ["conditional"]}, ["sb_jf"]),
    ("公积金", {"department": ["330100GJJ"]}, ["gjj_jc", "gjj_dk"]),
    ("缴费", {"department": ["330100YBJ"]}, ["yb_jf"]),
    ("人口", {"grade": ["important"]}, ["hj_rk", "ld_rk"]),
    ("", {"cycle": ["realtime"]}, ["kq_zl"]),
    ("残疾人", {"cycle": ["monthly"]}, ["cjr_zj", "cjr_bt"]),
    ("许可", {"share_type": ["unconditional"]}, ["dl_ys", "pw_xk", "yl_jgxx"]),
    ("公积金", {"fresh": "true"}, ["gjj_jc", "gjj_dk"]),
    (
        "保险",
        {"fresh": "false", "grade": ["general"]},
        ["sb_jf", "yl_cb", "sy_bx", "yb_jf", "yb_js"],
    ),
]


def _passes(d: Any, index: int | None, filters: dict[str, Any]) -> bool:
    if "share_type" in filters and d["share_type"] not in filters["share_type"]:
        return False
    if "department" in filters and d["department"] not in filters["department"]:
        return False
    if "grade" in filters and d["grade"] not in filters["grade"]:
        return False
    if "cycle" in filters and d["update_cycle"] not in filters["cycle"]:
        return False
    if "fresh" in filters:
        fresh = (
            index is not None
            and freshness_of(index) == "fresh"
            and d["update_cycle"] != "irregular"  # no window to be fresh for
        )
        if fresh != (filters["fresh"] == "true"):
            return False
    return True


def main() -> None:
    from schemas import load_contract

    rows = [
        (i, {"code": d.code, "topic": d.topic, "department": d.department,
             "share_type": d.share_type, "grade": d.grade, "update_cycle": d.update_cycle})
        for i, d in enumerate(corpus(FIXTURE_SIZE))
    ]  # fmt: skip
    for code, topic in SHIPPED.items():
        c = load_contract(code)
        rows.append((None, {"code": code, "topic": topic, "department": c.owner_department,
                            "share_type": c.share_type.value, "grade": c.grade.value,
                            "update_cycle": c.update_cycle}))  # fmt: skip
    labelled = []
    for query, filters, topics in QUERIES:
        relevant = sorted(
            d["code"] for i, d in rows if d["topic"] in topics and _passes(d, i, filters)
        )
        labelled.append(
            {"query": query, "filters": filters, "topics": topics, "relevant": relevant}
        )
    OUT.write_text(json.dumps(labelled, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(labelled)} queries → {OUT}")  # noqa: T201


if __name__ == "__main__":
    main()
