"""The strings of the data-element page (数据元与代码表) and the sentences of its refusal codes,
in Chinese and English. Merged into ``exchange_api.portal.i18n.MESSAGES``."""

from __future__ import annotations

__all__ = ["ELEMENT_MESSAGES"]

_ZH: dict[str, str] = {
    "nav.elements": "数据元",
    "elements.title": "数据元与代码表",
    "elements.note": (
        "数据元规定字段的标准定义和校验规则，代码表列出允许的代码。数据质量校验在运行时读取平台目录中的"
        "定义；平台管理员可新增代码表和数据元，已有的定义不会被覆盖。"
    ),
    "elements.heading": "数据元",
    "elements.code": "编码",
    "elements.name": "名称",
    "elements.standard": "标准",
    "elements.version": "版本",
    "elements.type": "类型",
    "elements.check": "校验规则",
    "elements.params": "参数",
    "elements.personal": "个人信息",
    "elements.origin": "来源",
    "elements.origin_shipped": "平台内置",
    "elements.origin_admin": "管理员新增",
    "elements.yes": "是",
    "elements.none": "目录中尚无数据元。",
    "codelists.heading": "代码表",
    "codelists.name": "名称",
    "codelists.title": "标题",
    "codelists.entries": "代码数",
    "codelists.added": "加入时间",
    "codelists.show": "查看代码",
    "codelists.none": "目录中尚无代码表。",
    "codelists.codes_of": "代码表 {name} 的代码",
    "codelists.label": "含义",
    "codelists.parent": "上级代码",
    "codelists.more": "仅显示前 {n} 条。",
    "codelists.add": "新增代码表（管理员）",
    "codelists.add_note": (
        "上传 CSV 文件，表头为 code,label（可加 parent 列）；支持 UTF-8 与 GBK 编码，"
        "全角字符自动转为半角。文件有误时整份拒收，并指出出错的行。"
    ),
    "codelists.name_hint": "名称（小写字母、数字和下划线）",
    "codelists.file": "CSV 文件",
    "codelists.standard": "标准",
    "codelists.submit": "上传",
    "codelists.added_ok": "已加入代码表",
    "codelists.error": "未能加入代码表",
    "codelists.line": "第 {n} 行",
    "problem.role.admin_required": "只有平台管理员可以执行此操作。",
    "problem.code_list.bad_name": "代码表名称只能包含小写字母、数字和下划线，且以字母开头。",
    "problem.code_list.exists": "已有同名代码表；修订版请以新名称加入。",
    "problem.code_list.not_found": "没有该代码表。",
    "problem.code_list.too_large": "文件过大。",
    "problem.code_list.bad_encoding": "文件既不是 UTF-8 也不是 GBK 编码，或含有空字符。",
    "problem.code_list.bad_header": "表头须为 code,label 或 code,label,parent。",
    "problem.code_list.bad_row": "该行的列数不对，或不是有效的 CSV。",
    "problem.code_list.bad_code": (
        "代码为空或格式不符（字母、数字、点、下划线、连字符，至多 64 位）。"
    ),
    "problem.code_list.bad_label": "含义为空或超过 200 个字符。",
    "problem.code_list.duplicate_code": "代码重复（全角与半角视为同一代码）。",
    "problem.code_list.unknown_parent": "上级代码不在本代码表中。",
    "problem.code_list.empty": "文件只有表头，没有代码。",
    "problem.code_list.invalid": "标题、标准或版本过长。",
    "problem.form.file_required": "请选择要上传的文件。",
}

_EN: dict[str, str] = {
    "nav.elements": "Data elements",
    "elements.title": "Data elements and code lists",
    "elements.note": (
        "A data element is the standard definition of a field and its check; a code list names "
        "the codes allowed. Quality checks read these definitions from the catalog when they run; "
        "platform admins add code lists and elements, and nothing already held is overwritten."
    ),
    "elements.heading": "Data elements",
    "elements.code": "Code",
    "elements.name": "Name",
    "elements.standard": "Standard",
    "elements.version": "Version",
    "elements.type": "Type",
    "elements.check": "Check",
    "elements.params": "Params",
    "elements.personal": "Personal",
    "elements.origin": "Origin",
    "elements.origin_shipped": "shipped",
    "elements.origin_admin": "added by an admin",
    "elements.yes": "yes",
    "elements.none": "The catalog holds no data elements yet.",
    "codelists.heading": "Code lists",
    "codelists.name": "Name",
    "codelists.title": "Title",
    "codelists.entries": "Codes",
    "codelists.added": "Added",
    "codelists.show": "show codes",
    "codelists.none": "The catalog holds no code lists yet.",
    "codelists.codes_of": "Codes of {name}",
    "codelists.label": "Label",
    "codelists.parent": "Parent",
    "codelists.more": "Only the first {n} are shown.",
    "codelists.add": "Add a code list (admins)",
    "codelists.add_note": (
        "Upload a CSV file with the header code,label (and optionally parent), in UTF-8 or GBK; "
        "full-width characters are folded. A faulty file is refused whole, naming the line."
    ),
    "codelists.name_hint": "Name (lower-case letters, digits and _)",
    "codelists.file": "CSV file",
    "codelists.standard": "Standard",
    "codelists.submit": "Upload",
    "codelists.added_ok": "Code list added",
    "codelists.error": "The code list was not added",
    "codelists.line": "line {n}",
    "problem.role.admin_required": "Only platform admins may do this.",
    "problem.code_list.bad_name": (
        "A code list's name is lower-case letters, digits and _, starting with a letter."
    ),
    "problem.code_list.exists": "A code list has that name; add a revision under a new name.",
    "problem.code_list.not_found": "There is no such code list.",
    "problem.code_list.too_large": "The file is too large.",
    "problem.code_list.bad_encoding": "The file is neither UTF-8 nor GBK, or holds a NUL.",
    "problem.code_list.bad_header": "The header must be code,label or code,label,parent.",
    "problem.code_list.bad_row": "The line has the wrong number of columns, or is not CSV.",
    "problem.code_list.bad_code": "A code is empty or malformed.",
    "problem.code_list.bad_label": "A label is empty or over 200 characters.",
    "problem.code_list.duplicate_code": "A code is given twice (full and half width alike).",
    "problem.code_list.unknown_parent": "A parent is not a code of this list.",
    "problem.code_list.empty": "The file has a header and no codes.",
    "problem.code_list.invalid": "The title, standard or version is too long.",
    "problem.form.file_required": "Choose a file to upload.",
}

ELEMENT_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
