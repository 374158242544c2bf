"""The scenario world (issue 15): people of a province, a city and two counties, every
department's extract, and the ground truth, all from one seed.

:func:`generate` draws the people first — 西湖区 residents (most of them registered disabled with
the 区残联), 上城区 and other 杭州 residents with a 民政 recognition, and recipients elsewhere in
浙江 — then the 财政 payments and the 上城区 民呼我为 cases, then computes the truth from those
values (never from the rows or the files), and finally the rows each dataset's extract holds
(:mod:`lakehouse.samples.scenario_rows`). :func:`write_extracts` writes them in each contract's
source format (:mod:`lakehouse.samples.scenario_files`).

The truth's rules, plainly:

* **eligible** (数字助残): a person in the 残联 register qualifies for 生活补贴 when the 民政
  data recognise them as 低保 or 低边 (特困 is supported otherwise), and for 护理补贴 when their
  disability level is 1 or 2, or the 卫健 data give them a long-term-care grade of 3 or more
  (重度失能). A qualifying person is *eligible but unpaid* for a subsidy when the 财政 data hold
  no payment of that subsidy to them in any month. ``eligible`` maps each such citizen ID to the
  subsidies missed, sorted.
* **rows_per_county** (数据回流): rows of ``mzt_assistance_recipients`` per county code.
* **cases_on_time** (民呼我为): per handling department over both case datasets (the dispatch
  centre 330102MHWW among them: cases returned to it, cases it closed at intake — see
  :func:`_cases`), the cases with a reply time at or before the deadline, and all its cases (an
  unanswered case is not on time); also those replied after the deadline, and the unanswered
  ones whose deadline had passed (before the world's date, 00:00) or had not.
* **report_fields** (智能报表): per field of ``street_monthly``, the dataset the platform fills it
  from (None: the office collects it), and whether the office still collects it by hand although
  that dataset shares it; **report_values**: those fields' values for the report month and street.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from faker import Faker

from lakehouse.samples.extract import _gbk_text, _unique_id
from lakehouse.samples.scenario_files import write_extracts
from lakehouse.samples.scenario_model import (
    CARE,
    LIVING,
    Assistance,
    Care,
    Case,
    Disability,
    OnTime,
    Payment,
    Person,
    ReuseTruth,
    Truth,
    World,
)
from lakehouse.samples.scenario_rows import build_rows
from schemas import generators
from schemas.loader import SCHEMAS_DIR, DatasetContract, load_contracts
from schemas.report_templates import Fill, load_template, reuse_problems

__all__ = ["SCENARIOS_DIR", "generate", "scenario_contracts", "write_extracts"]

SCENARIOS_DIR = SCHEMAS_DIR / "scenarios"
DEFAULT_SEED = 20261201
AS_OF = dt.date(2026, 12, 1)
REPORT_MONTH = "2026-11"
PAID_MONTHS = ("2026-09", "2026-10", "2026-11")
STREET = "北山街道"

STREETS = {
    "330106": ("北山街道", "西溪街道", "灵隐街道", "翠苑街道", "文新街道", "古荡街道", "留下街道"),
    "330102": ("湖滨街道", "清波街道", "小营街道", "望江街道", "南星街道", "紫阳街道"),
    "330105": ("米市巷街道", "湖墅街道", "小河街道"),
    "330108": ("西兴街道", "长河街道"),
    "330203": ("鼓楼街道", "南门街道"),
    "330212": ("首南街道", "中河街道"),
    "330302": ("五马街道", "松台街道"),
    "330602": ("府山街道", "塔山街道"),
}
ROADS = {
    "330106": ("曙光路", "北山路", "保俶路", "文三路", "天目山路", "古墩路", "文一西路"),
    "330102": ("解放路", "延安路", "清泰街", "望江路", "秋涛路", "凤起东路"),
}
CITY = {"3301": "杭州市", "3302": "宁波市", "3303": "温州市", "3306": "绍兴市"}
COUNTY = {
    "330106": "西湖区",
    "330102": "上城区",
    "330105": "拱墅区",
    "330108": "滨江区",
    "330203": "海曙区",
    "330212": "鄞州区",
    "330302": "鹿城区",
    "330602": "越城区",
}
CATEGORIES = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
LIVING_AMOUNT = {"低保": Decimal("354.00"), "低边": Decimal("177.00")}
CARE_AMOUNT = {1: Decimal("590.00"), 2: Decimal("472.00")}


def scenario_contracts(directory: Path = SCENARIOS_DIR) -> dict[str, DatasetContract]:
    return load_contracts(directory)


def _address(rng: random.Random, region: str, street: str) -> str:
    roads = ROADS.get(region) or (street[:-2] + "路",)
    place = f"浙江省{CITY[region[:4]]}{COUNTY[region]}{street}{rng.choice(roads)}"
    number, building, unit = rng.randrange(1, 400), rng.randrange(1, 30), rng.randrange(1, 4)
    room = f"{rng.randrange(1, 19)}0{rng.randrange(1, 5)}"
    return f"{place}{number}号{building}幢{unit}单元{room}室"


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def _assistance(rng: random.Random, kind: str, serial: int) -> Assistance:
    amount = {"低保": Decimal("1180.00"), "特困": Decimal("1534.00"), "低边": Decimal("0.00")}[kind]
    return Assistance(
        kind, f"HZJZ{serial:06d}", _day(rng, dt.date(2018, 1, 1), dt.date(2026, 10, 31)), amount
    )


def _person(
    rng: random.Random, fake: Faker, seen: set[str], region: str, street: str, **parts: object
) -> Person:
    employment = rng.choices(("就业", "登记失业", "未就业"), weights=(5, 2, 3))[0]
    insurance = (
        "正常参保" if employment == "就业" else rng.choice(("暂停缴费", "未参保", "正常参保"))
    )
    return Person(
        citizen_id=_unique_id(rng, seen),
        name=_gbk_text(fake.name),
        region=region,
        street=street,
        address=_address(rng, region, street),
        mobile=generators.mobile(rng),
        employment=employment,
        insurance=insurance,
        **parts,  # type: ignore[arg-type]
    )


def _people(rng: random.Random, fake: Faker) -> list[Person]:
    seen: set[str] = set()
    people: list[Person] = []
    serial = 0
    kinds = ("低保", "低边", "特困")

    def street_of(region: str) -> str:
        streets = STREETS[region]
        if region == "330106" and rng.random() < 0.3:
            return STREET
        return rng.choice(streets)

    for _ in range(150):  # 西湖区: the 残联 register's people, and some without a disability
        disabled = rng.random() < 0.75
        kind = rng.choices(
            (*kinds, None), weights=(30, 15, 8, 47) if disabled else (55, 30, 15, 0)
        )[0]
        disability = None
        if disabled:
            level = rng.choices((1, 2, 3, 4), weights=(15, 25, 30, 30))[0]
            category = rng.choice(CATEGORIES)
            disability = Disability(
                category, level, _day(rng, dt.date(2008, 1, 1), dt.date(2026, 10, 31))
            )
        care = None
        if rng.random() < (0.5 if disabled else 0.15):
            low = 2 if disability is not None and disability.level <= 2 else 0
            care = Care(rng.randint(low, 5), _day(rng, dt.date(2024, 1, 1), dt.date(2026, 11, 20)))
        serial += 1
        assistance = None if kind is None else _assistance(rng, kind, serial)
        people.append(
            _person(
                rng,
                fake,
                seen,
                "330106",
                street_of("330106"),
                disability=disability,
                assistance=assistance,
                care=care,
            )
        )
    for region, count in (
        ("330102", 40),
        ("330105", 15),
        ("330108", 12),
        ("330203", 14),
        ("330212", 10),
        ("330302", 12),
        ("330602", 9),
    ):
        for _ in range(count):
            serial += 1
            kind = rng.choices(kinds, weights=(55, 30, 15))[0]
            people.append(
                _person(
                    rng,
                    fake,
                    seen,
                    region,
                    street_of(region),
                    assistance=_assistance(rng, kind, serial),
                )
            )
    return people


def qualifies(person: Person) -> tuple[str, ...]:
    """The subsidies a person qualifies for (the docstring's rule)."""
    if person.disability is None:
        return ()
    found = []
    if person.assistance is not None and person.assistance.kind in ("低保", "低边"):
        found.append(LIVING)
    if person.disability.level <= 2 or (person.care is not None and person.care.grade >= 3):
        found.append(CARE)
    return tuple(sorted(found))


def _payments(rng: random.Random, people: list[Person]) -> list[Payment]:
    payments: list[Payment] = []
    for person in people:
        if person.disability is None:
            continue
        due = set(qualifies(person))
        if person.disability.level >= 3 and rng.random() < 0.05:
            due.add(CARE)  # a stale payment: paid although no longer qualifying
        for subsidy in sorted(due):
            if rng.random() < 0.2:
                continue  # never paid: the gap 数字助残 finds
            months = PAID_MONTHS[:-1] if rng.random() < 0.1 else PAID_MONTHS
            if subsidy == LIVING:
                assert person.assistance is not None
                amount = LIVING_AMOUNT.get(person.assistance.kind, Decimal("177.00"))
            else:
                amount = CARE_AMOUNT.get(person.disability.level, Decimal("354.00"))
            payments.extend(Payment(person.citizen_id, subsidy, m, amount) for m in months)
    return payments


CENTRE = "330102MHWW"
"""The 上城区 民呼我为 dispatch centre: it receives every case and dispatches it."""
_CASE_KINDS = {
    "330102CGJ": (
        "CG",
        5,
        ("占道经营", "噪音扰民", "违规停车", "垃圾清运", "违章搭建", "油烟扰民"),
    ),
    "330102ZJJ": ("ZJ", 7, ("物业管理", "房屋漏水", "电梯故障", "老旧小区改造", "施工扰民")),
}
_REPLIES = (
    "已安排执法队员现场核查并依法处置，诉求人表示认可。",
    "已约谈相关单位限期整改，整改情况已电话回复诉求人。",
    "经现场核实，已协调属地街道和物业共同处理。",
)
_RETURNED = "经核实不属于本部门职责，已退回统一受理中心重新派单。"
_AT_INTAKE = "统一受理中心即接即办：受理时已当场答复诉求人，抄送承办部门备案。"


def _cases(rng: random.Random, fake: Faker) -> list[Case]:
    """Each department's cases (its dataset holds every case dispatched to it).

    Who handles a case (``handling_department``), plainly:

    * **returned** (已退回, about 5%): the department found the case outside its duties and
      returned it to the dispatch centre for re-dispatch; the centre handles it now
      (:data:`CENTRE`). Nobody has answered the citizen yet: no reply time, the department's
      return note as the reply.
    * **closed at intake** (即接即办, about 10%): the centre answered the citizen on the spot and
      copied the case to the department for the record; the centre handled it (:data:`CENTRE`),
      replied 1 to 4 hours after receipt, status 已办结.
    * otherwise the department itself (nine in ten) or, co-handled, the other department; the
      case is replied by the deadline (on time), after it (late), or still open (办理中).
    """
    cases: list[Case] = []
    for owner, (prefix, days, categories) in _CASE_KINDS.items():
        other = next(code for code in _CASE_KINDS if code != owner)
        for n in range({"330102CGJ": 60, "330102ZJJ": 45}[owner]):
            received = dt.datetime.combine(
                _day(rng, dt.date(2026, 10, 20), dt.date(2026, 11, 28)),
                dt.time(rng.randrange(8, 18), rng.randrange(60), rng.randrange(60)),
            )
            deadline = dt.datetime.combine(
                received.date() + dt.timedelta(days=days), dt.time(17, 30)
            )
            fate = rng.choices(
                ("on_time", "late", "open", "returned", "at_intake"), weights=(65, 13, 7, 5, 10)
            )[0]
            replied: dt.datetime | None = None
            status, reply = "已办结", rng.choice(_REPLIES)
            handler = owner if rng.random() < 0.9 else other
            if fate == "on_time":
                replied = received + (deadline - received) * rng.uniform(0.1, 1.0)
            elif fate == "late":
                replied = deadline + dt.timedelta(hours=rng.randrange(1, 96))
            elif fate == "returned":
                status, reply, handler = "已退回", _RETURNED, CENTRE
            elif fate == "at_intake":
                replied = received + dt.timedelta(minutes=rng.randrange(60, 240))
                reply, handler = _AT_INTAKE, CENTRE
            else:
                status, reply = "办理中", ""
            street = rng.choice(STREETS["330102"])
            cases.append(
                Case(
                    owner=owner,
                    case_id=f"MHWW{prefix}{received:%Y%m%d}{n + 1:04d}",
                    citizen_name=_gbk_text(fake.name),
                    mobile=generators.mobile(rng),
                    address=_address(rng, "330102", street),
                    category=rng.choice(categories),
                    handling_department=handler,
                    received_at=received,
                    deadline=deadline,
                    replied_at=None if replied is None else replied.replace(microsecond=0),
                    status=status,
                    reply=reply,
                )
            )
    return cases


def _report(
    people: list[Person], payments: list[Payment], contracts: Mapping[str, DatasetContract]
) -> tuple[dict[str, ReuseTruth], dict[str, str]]:
    template = load_template("street_monthly")
    fields: dict[str, ReuseTruth] = {}
    for f in template.fields:
        if f.fill is Fill.PLATFORM and f.source is not None and not reuse_problems(f, contracts):
            fields[f.name] = ReuseTruth(f.fill.value, f.source.dataset, f.collected_today)
        else:
            fields[f.name] = ReuseTruth(f.fill.value, None, False)
    here = [p for p in people if p.disability is not None and p.street == STREET]
    ids = {p.citizen_id for p in here}
    paid = [x for x in payments if x.period == REPORT_MONTH and x.citizen_id in ids]
    by_kind = Counter(
        p.assistance.kind for p in people if p.assistance and p.in_hangzhou and p.street == STREET
    )
    values = {
        "disabled_persons": len(here),
        "severe_disabled_persons": sum(1 for p in here if p.disability and p.disability.level <= 2),
        "dibao_persons": by_kind["低保"],
        "dibian_persons": by_kind["低边"],
        "living_subsidy_persons": len({x.citizen_id for x in paid if x.subsidy == LIVING}),
        "living_subsidy_amount": sum(
            (x.amount for x in paid if x.subsidy == LIVING), Decimal("0.00")
        ),
        "care_subsidy_persons": len({x.citizen_id for x in paid if x.subsidy == CARE}),
        "unemployed_disabled_persons": sum(1 for p in here if p.employment == "登记失业"),
    }
    return fields, {k: str(v) for k, v in values.items()}


def _truth(
    people: list[Person],
    payments: list[Payment],
    cases: list[Case],
    contracts: Mapping[str, DatasetContract],
) -> Truth:
    paid = {(x.citizen_id, x.subsidy) for x in payments}
    eligible = {}
    for person in people:
        missed = tuple(s for s in qualifies(person) if (person.citizen_id, s) not in paid)
        if missed:
            eligible[person.citizen_id] = missed
    counties = Counter(p.region for p in people if p.assistance is not None)
    on_time: dict[str, list[int]] = {}
    as_of = dt.datetime.combine(AS_OF, dt.time())
    for case in cases:
        tally = on_time.setdefault(case.handling_department, [0, 0, 0, 0, 0])
        replied = case.replied_at
        tally[0] += replied is not None and replied <= case.deadline
        tally[1] += 1
        tally[2] += replied is not None and replied > case.deadline
        tally[3] += replied is None and case.deadline < as_of
        tally[4] += replied is None and case.deadline >= as_of
    report_fields, report_values = _report(people, payments, contracts)
    return Truth(
        eligible=dict(sorted(eligible.items())),
        rows_per_county=dict(sorted(counties.items())),
        cases_on_time={k: OnTime(*v) for k, v in sorted(on_time.items())},
        report_fields=report_fields,
        report_values=report_values,
    )


def generate(seed: int = DEFAULT_SEED) -> World:
    """The whole world for ``seed``: the same seed always gives an equal world."""
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    people = _people(rng, fake)
    payments = _payments(rng, people)
    cases = _cases(rng, fake)
    contracts = scenario_contracts()
    rows, full_width = build_rows(random.Random(seed + 1), people, payments, cases)
    return World(
        seed=seed,
        as_of=AS_OF,
        report_month=REPORT_MONTH,
        street=STREET,
        people=tuple(people),
        payments=tuple(payments),
        cases=tuple(cases),
        rows=rows,
        full_width=full_width,
        truth=_truth(people, payments, cases, contracts),
    )
