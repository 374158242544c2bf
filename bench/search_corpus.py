# ruff: noqa: E501  (the topic table reads best one topic to a line)
"""A generated catalog of realistic Chinese government datasets, for the search tests and the
``catalog_search_100k`` benchmark.

Each dataset is one :data:`TOPICS` entry (a department's real kind of data: 社会保险缴费信息,
不动产登记信息 …) for a district, a year and a form (明细, 汇总, 台账 …), with its fields bound
to data elements, tags, a description in the register of a catalog entry, and sharing terms.
The same index gives the same dataset every time (no randomness beyond a seeded generator), so a
labelled query set can name the datasets it expects (``tests/data/search_queries.json``).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

__all__ = ["DEPARTMENTS", "TOPICS", "CorpusDataset", "Topic", "corpus"]

DEPARTMENTS: dict[str, str] = {
    "330100RSJ": "杭州市人力资源和社会保障局",
    "330100GAJ": "杭州市公安局",
    "330100SCJGJ": "杭州市市场监督管理局",
    "330100MZJ": "杭州市民政局",
    "330100WJW": "杭州市卫生健康委员会",
    "330100JYJ": "杭州市教育局",
    "330100GJJ": "杭州住房公积金管理中心",
    "330100YBJ": "杭州市医疗保障局",
    "330100SWJ": "国家税务总局杭州市税务局",
    "330100GHZY": "杭州市规划和自然资源局",
    "330100JTJ": "杭州市交通运输局",
    "330100STHJ": "杭州市生态环境局",
    "330100CLJ": "杭州市残疾人联合会",
}


@dataclass(frozen=True, slots=True)
class Topic:
    key: str
    department: str
    title_zh: str
    title_en: str
    purpose: str
    fields: tuple[tuple[str, str, str | None], ...]  # name, title_zh, data element code
    tags: tuple[str, ...]
    cycle: str


_P = ("citizen_id", "公民身份号码", "citizen_id")
_N = ("person_name", "姓名", "person_name")
_U = ("uscc", "统一社会信用代码", "uscc")
_O = ("org_name", "单位名称", "org_name")
_R = ("region", "行政区划", "admin_division")
_M = ("period", "所属期", "month")
_A = ("amount", "金额（元）", "amount")
_D = ("event_date", "办理日期", "date")
_PH = ("mobile", "联系电话", "mobile")
_AD = ("address", "地址", "address")

TOPICS: tuple[Topic, ...] = (
    Topic("sb_jf", "330100RSJ", "社会保险缴费信息", "Social insurance contributions",
          "核定参保单位和个人的社会保险缴费基数与缴费记录", (_P, _N, _U, _M, _A), ("社保", "缴费"), "monthly"),
    Topic("yl_cb", "330100RSJ", "养老保险参保登记信息", "Pension insurance enrolment",
          "办理企业职工基本养老保险参保、转移和待遇资格认证", (_P, _N, _U, _D), ("养老", "参保"), "monthly"),
    Topic("sy_bx", "330100RSJ", "失业保险金发放信息", "Unemployment benefit payments",
          "核发失业保险金并开展稳岗返还资格核验", (_P, _N, _M, _A), ("失业", "待遇"), "monthly"),
    Topic("gs_rd", "330100RSJ", "工伤认定结论信息", "Work injury determinations",
          "记录工伤认定申请、调查与认定结论", (_P, _N, _U, _D), ("工伤",), "irregular"),
    Topic("jy_dj", "330100RSJ", "就业登记信息", "Employment registrations",
          "登记劳动者就业、失业状态和用工单位", (_P, _N, _U, _D), ("就业", "用工"), "daily"),
    Topic("zy_jn", "330100RSJ", "职业技能等级证书信息", "Vocational skill certificates",
          "记录职业技能等级认定结果和证书编号", (_P, _N, _D), ("技能", "证书"), "quarterly"),
    Topic("hj_rk", "330100GAJ", "户籍人口基本信息", "Registered residents",
          "维护常住户籍人口的身份、住址和户别", (_P, _N, ("sex", "性别", "sex"), _AD), ("户籍", "人口"), "daily"),
    Topic("ld_rk", "330100GAJ", "流动人口居住登记信息", "Migrant residence registrations",
          "办理流动人口居住登记和居住证签注", (_P, _N, _AD, _D), ("居住证", "人口"), "daily"),
    Topic("jdc_jz", "330100GAJ", "机动车驾驶证信息", "Driving licences",
          "记录机动车驾驶证的申领、换证和记分", (_P, _N, _D), ("驾驶证", "交管"), "daily"),
    Topic("sfz_bl", "330100GAJ", "居民身份证办理信息", "Identity card applications",
          "受理居民身份证首次申领、换领和补领", (_P, _N, _D), ("身份证",), "daily"),
    Topic("qy_dj", "330100SCJGJ", "企业登记信息", "Enterprise registrations",
          "记录企业设立、变更和注销登记", (_U, _O, ("legal_rep", "法定代表人", "person_name"), _D), ("营业执照", "市场主体"), "daily"),
    Topic("gt_dj", "330100SCJGJ", "个体工商户登记信息", "Sole-trader registrations",
          "记录个体工商户的开业、变更和注销", (_U, _O, _N, _AD), ("市场主体",), "daily"),
    Topic("xz_cf", "330100SCJGJ", "市场监督管理行政处罚信息", "Market regulation penalties",
          "公示市场监管领域的行政处罚决定", (_U, _O, _D, _A), ("处罚", "信用"), "weekly"),
    Topic("spaq_jc", "330100SCJGJ", "食品安全抽检信息", "Food safety sampling",
          "记录食品生产经营单位的抽样检验结果", (_U, _O, _D), ("食品安全", "抽检"), "monthly"),
    Topic("db_jz", "330100MZJ", "最低生活保障救助对象信息", "Minimum living allowance recipients",
          "核定最低生活保障家庭和救助金额", (_P, _N, _R, _A), ("救助", "低保"), "monthly"),
    Topic("hy_dj", "330100MZJ", "婚姻登记信息", "Marriage registrations",
          "记录结婚登记和离婚登记", (_P, _N, _D), ("婚姻",), "daily"),
    Topic("sh_zz", "330100MZJ", "社会组织登记信息", "Social organisation registrations",
          "登记社会团体、民办非企业单位和基金会", (_U, _O, _D), ("社会组织",), "monthly"),
    Topic("yl_jg", "330100MZJ", "养老机构服务信息", "Elderly care institutions",
          "记录养老机构的床位、入住老人和服务质量", (_U, _O, _AD), ("养老", "机构"), "quarterly"),
    Topic("cs_yx", "330100WJW", "出生医学证明信息", "Birth medical certificates",
          "签发和管理出生医学证明", (("newborn", "新生儿姓名", "person_name"), ("mother_id", "母亲公民身份号码", "citizen_id"), _D), ("出生", "妇幼"), "daily"),
    Topic("ym_jz", "330100WJW", "预防接种记录信息", "Vaccination records",
          "记录儿童和成人的疫苗接种", (_P, _N, _D), ("疫苗", "接种"), "daily"),
    Topic("yl_jgxx", "330100WJW", "医疗机构执业登记信息", "Medical institution licences",
          "登记医疗机构执业许可和校验", (_U, _O, _AD), ("医院", "执业"), "monthly"),
    Topic("xs_xj", "330100JYJ", "中小学学籍信息", "School student records",
          "管理中小学生学籍注册、转学和毕业", (_P, _N, ("school", "学校名称", "org_name")), ("学籍", "教育"), "quarterly"),
    Topic("ywjy_zs", "330100JYJ", "义务教育招生入学信息", "Compulsory school admissions",
          "办理义务教育阶段招生报名和入学", (_P, _N, _AD), ("入学", "教育"), "yearly"),
    Topic("gjj_jc", "330100GJJ", "住房公积金缴存信息", "Housing provident fund deposits",
          "记录单位和职工的住房公积金月缴存额", (_P, _N, _U, _M, _A), ("公积金", "缴存"), "monthly"),
    Topic("gjj_dk", "330100GJJ", "住房公积金贷款信息", "Housing provident fund loans",
          "记录住房公积金个人贷款发放和还款", (_P, _N, _A, _D), ("公积金", "贷款"), "monthly"),
    Topic("yb_jf", "330100YBJ", "医疗保险缴费信息", "Medical insurance contributions",
          "核定基本医疗保险参保缴费记录", (_P, _N, _U, _M, _A), ("医保", "缴费"), "monthly"),
    Topic("yb_js", "330100YBJ", "医疗保险费用结算信息", "Medical insurance settlements",
          "记录定点医药机构的医保费用结算", (_P, _N, _A, _D), ("医保", "结算"), "daily"),
    Topic("ns_xy", "330100SWJ", "纳税信用等级信息", "Tax credit ratings",
          "评定纳税人的纳税信用等级", (_U, _O, ("level", "信用等级", None)), ("纳税", "信用"), "yearly"),
    Topic("fp_kj", "330100SWJ", "增值税发票开具信息", "VAT invoices issued",
          "汇总纳税人增值税发票开具情况", (_U, _O, _M, _A), ("发票", "税务"), "monthly"),
    Topic("qs_gg", "330100SWJ", "欠税公告信息", "Tax arrears notices",
          "公告欠缴税款的纳税人", (_U, _O, _A), ("欠税", "税务"), "quarterly"),
    Topic("bdc_dj", "330100GHZY", "不动产登记信息", "Real estate registrations",
          "记录不动产首次登记、转移登记和抵押登记", (_P, _N, _AD, ("cert_no", "不动产权证书号", None)), ("房产", "不动产"), "daily"),
    Topic("td_cr", "330100GHZY", "国有建设用地使用权出让信息", "State land use right grants",
          "记录土地出让合同、价款和宗地位置", (_U, _O, _A, _AD), ("土地", "出让"), "monthly"),
    Topic("gj_ll", "330100JTJ", "公交客流统计信息", "Bus ridership statistics",
          "统计公交线路的日客流量", (("line", "线路名称", None), _D, ("riders", "客流量（人次）", None)), ("公交", "客流"), "daily"),
    Topic("dl_ys", "330100JTJ", "道路运输经营许可信息", "Road transport permits",
          "核发道路运输经营许可证", (_U, _O, _D), ("运输", "许可"), "monthly"),
    Topic("kq_zl", "330100STHJ", "空气质量监测信息", "Air quality monitoring",
          "发布空气质量监测站点的污染物浓度", (("station", "监测站点", None), _D, ("aqi", "空气质量指数", None)), ("空气", "环境"), "realtime"),
    Topic("pw_xk", "330100STHJ", "排污许可证信息", "Pollutant discharge permits",
          "核发和管理排污单位的排污许可证", (_U, _O, _AD), ("排污", "环境"), "monthly"),
    Topic("cjr_zj", "330100CLJ", "残疾人证信息", "Disability certificates",
          "办理残疾人证的核发和换领", (_P, _N, ("level", "残疾等级", None)), ("残疾人", "证件"), "monthly"),
    Topic("cjr_bt", "330100CLJ", "残疾人两项补贴发放信息", "Disability allowances",
          "发放困难残疾人生活补贴和重度残疾人护理补贴", (_P, _N, _A, _M), ("残疾人", "补贴", "救助"), "monthly"),
)  # fmt: skip

DISTRICTS = ("杭州市", "上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区",
             "钱塘区", "富阳区", "临安区", "桐庐县", "淳安县", "建德市", "西湖风景名胜区",
             "杭州高新区")  # fmt: skip
FORMS = (("", ""), ("明细", " details"), ("汇总", " summary"), ("台账", " ledger"),
         ("统计", " statistics"), ("名录", " register"), ("清单", " list"), ("月报", " monthly report"),
         ("年报", " annual report"), ("查询库", " lookup"), ("归档", " archive"), ("变更记录", " changes"),
         ("核验库", " verification"), ("专题库", " theme"))  # fmt: skip
YEARS = tuple(range(2014, 2026))
CYCLE_ZH = {"realtime": "实时", "daily": "每日", "weekly": "每周", "monthly": "每月",
            "quarterly": "每季度", "yearly": "每年", "irregular": "不定期"}  # fmt: skip
SHARE = ("unconditional", "conditional", "conditional", "not_shared")
GRADES = ("general", "general", "important", "core")


@dataclass(frozen=True, slots=True)
class CorpusDataset:
    code: str
    topic: str
    department: str
    title_zh: str
    title_en: str
    description: str
    share_type: str
    grade: str
    update_cycle: str
    fields: tuple[tuple[str, str, str | None], ...]
    tags: tuple[str, ...]


def _dataset(i: int, rng: random.Random) -> CorpusDataset:
    topic = TOPICS[i % len(TOPICS)]
    rest = i // len(TOPICS)
    district = DISTRICTS[rest % len(DISTRICTS)]
    rest //= len(DISTRICTS)
    form_zh, form_en = FORMS[rest % len(FORMS)]
    year = YEARS[(rest // len(FORMS)) % len(YEARS)]
    title = f"{district}{topic.title_zh}{form_zh}（{year}年）"
    dept = DEPARTMENTS[topic.department]
    names = "、".join(t for _, t, _ in topic.fields)
    description = (
        f"{dept}{district}归集的{topic.title_zh}{form_zh}，用于{topic.purpose}。"
        f"包括{names}等数据项，{CYCLE_ZH[topic.cycle]}更新，数据范围为{year}年。"
    )
    share = SHARE[rng.randrange(len(SHARE))]
    return CorpusDataset(
        code=f"{topic.department[6:].lower()}_{topic.key}_{i:06d}",
        topic=topic.key,
        department=topic.department,
        title_zh=title,
        title_en=f"{topic.title_en}{form_en}, {district} {year}",
        description=description,
        share_type=share,
        grade=GRADES[rng.randrange(len(GRADES))],
        update_cycle=topic.cycle,
        fields=topic.fields,
        tags=topic.tags,
    )


def corpus(count: int, *, seed: int = 20261201) -> Iterator[CorpusDataset]:
    """``count`` datasets, the same ones for the same count and seed."""
    rng = random.Random(seed)
    for i in range(count):
        yield _dataset(i, rng)


def load_corpus(session: Session, datasets: Iterator[CorpusDataset] | list[CorpusDataset]) -> int:
    """Register ``datasets`` in the catalog through the ORM, indexing each
    (``catalog.search_index.index_dataset``); departments and data elements as needed.
    Tags ride on the instance until ``Dataset.tags`` exists (``search_index.dataset_tags``)."""
    from catalog.departments import upsert_department
    from catalog.models import DataElement, Dataset, Field
    from catalog.search_index import index_dataset
    from schemas import Grade, OpenType, ShareType
    from schemas.loader import load_elements

    owners = {
        code: upsert_department(session, code, name, "330100") for code, name in DEPARTMENTS.items()
    }
    specs = load_elements()
    elements: dict[str, DataElement] = {}
    for code, spec in specs.items():
        row = session.scalars(select(DataElement).where(DataElement.code == code)).one_or_none()
        if row is None:
            row = DataElement(code=code, name_zh=spec.name_zh, name_en=spec.name_en,
                              standard=spec.standard, version=spec.version, check=spec.check,
                              personal=spec.personal)  # fmt: skip
            session.add(row)
        elements[code] = row
    count = 0
    for spec_ds in datasets:
        dataset = Dataset(
            code=spec_ds.code, title_zh=spec_ds.title_zh, title_en=spec_ds.title_en,
            description=spec_ds.description, owner=owners[spec_ds.department],
            share_type=ShareType(spec_ds.share_type), share_basis="《政务数据共享条例》",
            open_type=OpenType.NOT_OPEN, grade=Grade(spec_ds.grade),
            update_cycle=spec_ds.update_cycle,
            fields=[
                Field(position=n, name=name, title_zh=title, duckdb_type="VARCHAR",
                      data_element=elements[element] if element else None)
                for n, (name, title, element) in enumerate(spec_ds.fields, start=1)
            ],
        )  # fmt: skip
        setattr(dataset, "tags", list(spec_ds.tags))  # noqa: B010  (Dataset.tags: not yet a column)
        session.add(dataset)
        session.flush()
        index_dataset(session, dataset)
        count += 1
    return count
