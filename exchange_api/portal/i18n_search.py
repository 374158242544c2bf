"""The strings of the catalog search page (信息资源目录检索) and the sentences of its refusal
codes, in Chinese and English. Merged into ``exchange_api.portal.i18n.MESSAGES``."""

from __future__ import annotations

__all__ = ["SEARCH_MESSAGES"]

_ZH: dict[str, str] = {
    "search.placeholder": "输入资源名称、字段、数据元或拼音首字母，如 社保、sbjf",
    "search.submit": "检索",
    "search.clear": "清除条件",
    "search.all": "全部",
    "search.department": "提供方",
    "search.freshness": "更新及时性",
    "search.fresh": "按周期及时更新",
    "search.stale": "未按周期更新",
    "search.unpublished": "尚未发布数据",
    "search.irregular": "不定期更新",
    "search.fresh_only": "仅及时更新",
    "search.not_fresh": "未及时更新",
    "search.results": "共 {total} 条信息资源",
    "search.results_for": "“{query}”共 {total} 条信息资源",
    "search.none": "没有符合条件的信息资源。可换用简称、拼音首字母或减少筛选条件。",
    "search.facets": "筛选",
    "search.previous": "上一页",
    "search.next": "下一页",
    "search.page": "第 {first}–{last} 条",
    "search.matched_in": "匹配于",
    "search.in.title": "名称",
    "search.in.title_pinyin": "名称拼音",
    "search.in.tags": "标签",
    "search.in.fields": "字段/数据元",
    "search.in.description": "摘要",
    "problem.search.bad_filter": "筛选条件无效：共享类型、分级、更新周期须为列出的值之一。",
    "problem.search.query_too_long": "检索词不能超过 100 个字符。",
    "problem.search.too_many_terms": "检索词最多 8 个（以空格分隔）。",
    "problem.search.bad_page": "分页参数无效。",
}

_EN: dict[str, str] = {
    "search.placeholder": "Dataset title, field, data element or pinyin initials, e.g. sbjf",
    "search.submit": "Search",
    "search.clear": "Clear",
    "search.all": "All",
    "search.department": "Owner",
    "search.freshness": "Freshness",
    "search.fresh": "up to date for its cycle",
    "search.stale": "late for its cycle",
    "search.unpublished": "no data published yet",
    "search.irregular": "irregular updates",
    "search.fresh_only": "up to date only",
    "search.not_fresh": "late or unpublished",
    "search.results": "{total} datasets",
    "search.results_for": "{total} datasets for “{query}”",
    "search.none": "No dataset matches. Try an abbreviation, pinyin initials or fewer filters.",
    "search.facets": "Filters",
    "search.previous": "Previous",
    "search.next": "Next",
    "search.page": "{first}–{last}",
    "search.matched_in": "matched in",
    "search.in.title": "title",
    "search.in.title_pinyin": "title pinyin",
    "search.in.tags": "tags",
    "search.in.fields": "fields / data elements",
    "search.in.description": "summary",
    "problem.search.bad_filter": (
        "Bad filter: share type, grade and update cycle take the listed values."
    ),
    "problem.search.query_too_long": "A search may have at most 100 characters.",
    "problem.search.too_many_terms": "A search may have at most 8 words.",
    "problem.search.bad_page": "Bad page.",
}

SEARCH_MESSAGES: dict[str, dict[str, str]] = {"zh": _ZH, "en": _EN}
