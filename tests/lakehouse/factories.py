"""Small factories for the lakehouse tests: a catalog on SQLite, departments, datasets, source CSVs.

The catalog schema comes from ``Base.metadata.create_all`` (the migrations are someone else's);
the source files are built row by row from the project's generators, so every citizen ID and USCC
is valid unless a test corrupts it on purpose.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from faker import Faker
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from catalog.models import Base, Dataset, Department
from schemas import Grade, OpenType, ShareType, load_contract
from schemas.generators import citizen_id, current_division, uscc
from schemas.loader import DatasetContract

CONTRACT_CODE = "rsj_social_insurance"
HEADER = (
    "身份证号码",
    "姓名",
    "单位统一社会信用代码",
    "单位名称",
    "缴费月份",
    "缴费金额",
    "参保地区划代码",
)
FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def contract() -> DatasetContract:
    return load_contract(CONTRACT_CODE)


def sqlite_session(tmp_path: Path) -> Session:
    """A session on a fresh SQLite catalog file under ``tmp_path``."""
    engine = create_engine(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    Base.metadata.create_all(engine)
    return Session(engine)


def department(session: Session, code: str = "330100RSJ") -> Department:
    row = Department(code=code, name="杭州市人力资源和社会保障局", region_code="330100")
    session.add(row)
    session.flush()
    return row


def dataset(
    session: Session, owner: Department | None = None, code: str = CONTRACT_CODE
) -> Dataset:
    owner = owner or department(session)
    row = Dataset(
        code=code,
        title_zh="社会保险缴费信息",
        title_en="Social insurance contributions",
        owner_department_id=owner.id,
        share_type=ShareType.CONDITIONAL,
        open_type=OpenType.NOT_OPEN,
        grade=Grade.IMPORTANT,
        update_cycle="monthly",
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class SourceRow:
    """One source row as the department writes it (text), and what standardising must make of it."""

    cells: tuple[str, ...]
    citizen_id: str
    person_name: str
    employer_uscc: str
    period: str
    amount: str


def source_rows(n: int, *, seed: int = 7) -> Iterator[SourceRow]:
    """Valid rows in the messy shapes real extracts have, cycling through the variants."""
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    months = [
        ("2023年5月", "2023-05"),
        ("202306", "2023-06"),
        ("2023/7", "2023-07"),
        ("2023.8", "2023-08"),
        ("2023-09", "2023-09"),
    ]
    for i in range(n):
        cid = citizen_id(rng)
        code = uscc(rng)
        name = fake.name()
        raw_month, month = months[i % len(months)]
        cents = rng.randrange(10_000, 1_000_000)
        amount = f"{cents // 100}.{cents % 100:02d}"
        raw_amount = f"{cents // 100:,}.{cents % 100:02d}" if i % 2 == 0 else amount + "元"
        raw_cid = cid.translate(FULL_WIDTH_DIGITS) if i % 3 == 0 else f" {cid[:6]} {cid[6:]}\u3000"
        if cid.endswith("X") and i % 3 == 1:
            raw_cid = raw_cid.replace("X", "x")
        yield SourceRow(
            cells=(
                raw_cid,
                f"\u3000{name} ",
                code.lower() if i % 4 == 0 else code,
                fake.company(),
                raw_month,
                raw_amount,
                current_division(rng),
            ),
            citizen_id=cid,
            person_name=name,
            employer_uscc=code,
            period=month,
            amount=amount,
        )


def write_csv(
    path: Path,
    rows: Sequence[Sequence[str]],
    *,
    header: Sequence[str] = HEADER,
    encoding: str = "gbk",
    newline: str = "\r\n",
) -> Path:
    """A CSV as a department system writes it: quoted where needed, GBK, CRLF by default."""
    lines = [",".join(_quote(c) for c in header)]
    lines += [",".join(_quote(c) for c in row) for row in rows]
    path.write_bytes((newline.join(lines) + newline).encode(encoding))
    return path


def _quote(cell: str) -> str:
    if any(c in cell for c in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell
