"""The text side of catalog search: normalising, pinyin, abbreviations, grams, query terms.

Plain functions over strings, the same for every engine, so SQLite and PostgreSQL index and match
exactly the same text:

- :func:`normalize`: NFKC (full-width ``ＡＢＣ１２３（）`` become ``abc123()``), lower case, one
  space between words. Documents and queries both pass through it.
- :func:`title_variants`: a Chinese title and the same title with the government abbreviations
  of :data:`ABBREVIATIONS` applied both ways (社会保险 ↔ 社保), so ``社保缴费`` finds
  社会保险缴费信息 and its pinyin initials ``sbjf`` do too.
- :func:`pinyin_forms`: pinyin initials (``shbxjfxx``) and full pinyin (``shehuibaoxian…``) of a
  text (``pypinyin``; non-Chinese characters kept as they are).
- :func:`grams`: every single character and adjacent pair of characters of a text's words — the
  index that answers queries shorter than a trigram (``社``, ``社保``, ``sb``).
- :func:`query_terms`: a query split into at most :data:`MAX_TERMS` terms, each of which a
  document must contain as a substring (AND); too long a query is refused.
- :func:`highlight`: a text split into (segment, matched) pieces for display.

Matching is by substring after normalisation, with no word segmentation: a term matches a
document when it occurs in its title, title pinyin, tags, field and data-element names, or
description.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from pypinyin import Style, lazy_pinyin

from catalog.errors import InvalidInput

__all__ = [
    "ABBREVIATIONS",
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "TRIGRAM",
    "grams",
    "highlight",
    "normalize",
    "pinyin_forms",
    "query_terms",
    "title_variants",
]

MAX_QUERY_CHARS = 100
"""Longest query accepted (characters, after normalising)."""
MAX_TERMS = 8
"""Most terms (words separated by spaces) in one query."""
TRIGRAM = 3
"""Terms this long or longer use the trigram index; shorter ones the gram index."""

ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("社会保险", "社保"),
    ("医疗保险", "医保"),
    ("住房公积金", "公积金"),
    ("最低生活保障", "低保"),
    ("人力资源和社会保障", "人社"),
    ("市场监督管理", "市场监管"),
    ("统一社会信用代码", "信用代码"),
    ("居民身份证", "身份证"),
    ("新型农村合作医疗", "新农合"),
    ("个体工商户", "个体户"),
    ("高新技术企业", "高企"),
    ("出生医学证明", "出生证"),
    ("机动车驾驶证", "驾驶证"),
    ("残疾人证", "残疾证"),
    ("不动产权证书", "房产证"),
)
"""Full forms and their usual abbreviations (简称) in government data; a title containing one is
also indexed with the other."""


def normalize(text: str) -> str:
    """NFKC, lower case, control and format characters (NUL …) dropped, whitespace collapsed to
    single spaces."""
    folded = unicodedata.normalize("NFKC", text).lower()
    kept = "".join(ch for ch in folded if ch.isspace() or unicodedata.category(ch)[0] != "C")
    return " ".join(kept.split())


def title_variants(title: str) -> list[str]:
    """``title`` and each distinct form with abbreviations applied (full → short, short → full)."""
    forms = [title]
    short = title
    for full, abbreviation in ABBREVIATIONS:
        short = short.replace(full, abbreviation)
    if short != title:
        forms.append(short)
    long = title
    for full, abbreviation in ABBREVIATIONS:
        if full not in long:
            long = long.replace(abbreviation, full)
    if long not in forms:
        forms.append(long)
    return forms


def pinyin_forms(text: str) -> list[str]:
    """Pinyin initials and full pinyin of ``text`` (empty when it has no Chinese characters);
    one pass of ``pypinyin``, the initials being each syllable's first letter."""
    if not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return []
    split: Any = list  # one item per non-Chinese character
    syllables = [s.lower() for s in lazy_pinyin(text, errors=split) if s.strip()]
    return ["".join(s[0] for s in syllables), "".join(syllables)]


def grams(text: str) -> list[str]:
    """The distinct single characters and adjacent pairs of each word of ``text``, sorted."""
    found: set[str] = set()
    for word in text.split():
        found.update(word)
        found.update(word[i : i + 2] for i in range(len(word) - 1))
    return sorted(found)


def query_terms(query: str) -> list[str]:
    """The distinct terms of ``query``, normalised; refuses too long or too many."""
    text = normalize(query)
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(
            f"a search query may have at most {MAX_QUERY_CHARS} characters",
            code="search.query_too_long",
            limit=MAX_QUERY_CHARS,
        )
    terms = list(dict.fromkeys(text.split()))
    if len(terms) > MAX_TERMS:
        raise InvalidInput(
            f"a search query may have at most {MAX_TERMS} words",
            code="search.too_many_terms",
            limit=MAX_TERMS,
        )
    return terms


def _normalized_chars(text: str) -> tuple[str, list[int]]:
    """``text`` normalised character by character, and the original index of each result char."""
    out: list[str] = []
    origin: list[int] = []
    for index, ch in enumerate(text):
        norm = unicodedata.normalize("NFKC", ch).lower()
        out.append(norm)
        origin.extend([index] * len(norm))
    return "".join(out), origin


def _initials(text: str) -> str | None:
    """One pinyin initial (or the character itself) per character of ``text``."""
    split: Any = list  # one item per non-Chinese character keeps the alignment
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=split)
    joined = [s.lower()[:1] for s in letters]
    return "".join(joined) if len(joined) == len(text) else None


def highlight(text: str, terms: Iterable[str]) -> list[tuple[str, bool]]:
    """``text`` as (piece, matched) pieces: the characters where a term occurs, directly or by
    its pinyin initials, are matched."""
    marked = [False] * len(text)
    norm, origin = _normalized_chars(text)
    initials = _initials(text)
    for term in terms:
        if not term:
            continue
        for haystack, positions in ((norm, origin), (initials, list(range(len(text))))):
            if haystack is None:
                continue
            start = haystack.find(term)
            while start >= 0:
                for k in range(start, start + len(term)):
                    marked[positions[k]] = True
                start = haystack.find(term, start + 1)
    pieces: list[tuple[str, bool]] = []
    for ch, flag in zip(text, marked, strict=True):
        if pieces and pieces[-1][1] == flag:
            pieces[-1] = (pieces[-1][0] + ch, flag)
        else:
            pieces.append((ch, flag))
    return pieces
