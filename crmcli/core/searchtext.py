"""Text for search: folding, the pinyin of Chinese names, query terms, and snippets.

Pure functions over strings (no storage): crmcli.store.search indexes and queries with them.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MIN_TRIGRAM = 3  # FTS5 trigram matches terms of at least this many characters
SNIPPET_WIDTH = 80


# --- folding ----------------------------------------------------------------------------


class _FoldTable(dict):
    """str.translate table: each character to its `validate.fold` form, computed once."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        decomposed = unicodedata.normalize("NFKD", ch)
        value = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
        self[code] = value
        return value


_FOLD = _FoldTable()


def fold_char(ch: str) -> str:
    return _FOLD[ord(ch)]


def fold(text: str | None) -> str:
    """`validate.fold(text)`, fast enough for a million rows (one translate, cached per char)."""
    if not text:
        return ""
    if text.isascii():
        return " ".join(text.lower().split())
    return " ".join(text.translate(_FOLD).split())


# --- pinyin -----------------------------------------------------------------------------

# A pattern string: re compiles it on first use (compiling this one costs about 2 ms).
_HAN = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
MAX_SURNAME_READINGS = 3


def has_han(text: str) -> bool:
    return bool(re.search(_HAN, text))


def name_pinyin(name: str) -> str:
    """Pinyin forms of a name that has Chinese characters, space-separated; "" otherwise.

    张伟 → "zhangwei zw": the syllables run together and their initials. A surname with
    several readings gives each (曾伟 → "cengwei zengwei cw zw"); ü is written both v and u.
    pypinyin is imported here only (about 40 ms without its phrase dictionary, which names do
    not need and which would cost 250 ms more).
    """
    if not has_han(name):
        return ""
    # Documented pypinyin switches: skip the phrase dictionary and the copy of the char one.
    syllables: list[list[str]] = []  # readings per syllable (or Latin word)
    word = ""
    for ch in name:
        if _is_han(ch):
            if word:
                syllables.append([word])
                word = ""
            options = _lowered_readings(ch)
            if not options:
                continue
            limit = MAX_SURNAME_READINGS if not syllables else 1
            syllables.append(list(options[:limit]))
        else:
            folded = fold(ch)
            if folded.strip() and folded.isalnum():
                word += folded
            elif word:
                syllables.append([word])
                word = ""
    if word:
        syllables.append([word])
    if not syllables:
        return ""
    rest = [s[0] for s in syllables[1:]]
    fulls = ["".join([first, *rest]) for first in syllables[0]]
    initials = ["".join([first[0], *(s[0] for s in rest)]) for first in syllables[0]]
    forms = fulls + [f.replace("v", "u") for f in fulls if "v" in f] + initials
    return " ".join(dict.fromkeys(forms))


@functools.lru_cache(maxsize=1 << 15)
def _is_han(ch: str) -> bool:
    """Whether the character `ch` is a Chinese one, once per character (an import meets a
    few thousand; matching the pattern at every character of every name was a fifth of
    name_pinyin)."""
    return re.match(_HAN, ch) is not None


@functools.lru_cache(maxsize=1 << 15)
def _lowered_readings(ch: str) -> tuple[str, ...]:
    """`_readings` lower-cased, each once, in order, once per character."""
    return tuple(dict.fromkeys(o.lower() for o in _readings(ch)))


@functools.lru_cache(maxsize=1 << 15)
def _readings(ch: str) -> tuple[str, ...]:
    """Every reading of one Chinese character (pypinyin, without tones), computed once per
    character: an import of a million names meets a few thousand characters."""
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")
    from pypinyin import Style, pinyin

    readings = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
    return tuple(r for r in (readings[0] if readings else []) if r.isascii() and r)


@functools.lru_cache(maxsize=1 << 15)
def _first_reading(ch: str) -> str:
    """The reading `lazy_pinyin` gives one Chinese character, computed once per character.
    Without the phrase dictionary lazy_pinyin reads each character of a run alone, so a
    run of Chinese characters is the readings of its characters in turn."""
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(ch, style=Style.NORMAL)[0]


# Surnames read otherwise than the same characters in a word: 曾 is ceng in 曾经 but Zeng as a
# name, 单 dan in 简单 but Shan. The first character(s) of a name are read from here, the
# two-character surnames first (尉迟 Yuchi, not Wei Chi). Only readings that differ from
# pypinyin's first one are needed; 过 and 尉 are here for the record.
SURNAME_READINGS = {
    "尉迟": "yu chi", "万俟": "mo qi", "长孙": "zhang sun", "澹台": "tan tai",
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "区": "ou", "朴": "piao",
    "查": "zha", "盖": "ge", "乐": "yue", "召": "shao", "缪": "miao", "覃": "qin",
    "过": "guo", "种": "chong", "秘": "bi", "折": "she", "员": "yun", "黑": "he",
    "繁": "po", "翟": "zhai", "句": "gou", "薄": "bo", "卜": "bu", "都": "du", "阚": "kan",
    "祭": "zhai", "角": "jue", "能": "nai", "重": "chong", "粘": "nian", "佴": "nai",
    "洗": "xian", "蕃": "pi", "隗": "wei", "乜": "nie", "长": "chang", "尉": "wei",
}  # fmt: skip
_LAST_GROUP = "~"  # after z: names that begin with neither a letter nor a Chinese character


@functools.lru_cache(maxsize=1)
def _lazy_pinyin() -> tuple[Any, Any]:
    """pypinyin's Style and lazy_pinyin, imported as `_readings` imports it (once: setting
    the environment at every name was a third of `sort_key`'s time)."""
    os.environ.setdefault("PYPINYIN_NO_PHRASES", "1")
    os.environ.setdefault("PYPINYIN_NO_DICT_COPY", "1")
    from pypinyin import Style, lazy_pinyin

    return Style, lazy_pinyin


@functools.lru_cache(maxsize=1 << 12)
def _words(part: str) -> tuple[str, ...]:
    """The words of a reading or a Latin name, folded: once per reading (a few hundred)."""
    return tuple(re.findall(r"\w+", fold(part)))


def sort_key(name: str) -> str:
    """The key names sort by in pinyin order, as phone contacts sort them: each Chinese
    character as its pinyin, the surname in its surname reading (曾伟 → "zeng wei"), Latin
    words folded ("Anna Chen" → "anna chen"), syllables and words apart, so 李安 (li an)
    comes before 连 (lian) and Latin names fall among the Chinese ones by their letters.
    ü is written v, as typed (吕 lv). Names beginning with anything else (digits, other
    scripts) come after z. Ties are broken by the folded name, after a tab.
    """
    words: list[str] = []
    rest = name.strip()
    if has_han(rest[:1]):
        surname = rest[:2] if rest[:2] in SURNAME_READINGS else rest[:1]
        if surname in SURNAME_READINGS:
            words += SURNAME_READINGS[surname].split()
            rest = rest[len(surname) :]
    if has_han(rest):
        style, lazy_pinyin = _lazy_pinyin()
        parts = [_first_reading(ch) for ch in rest] if all(map(_is_han, rest)) else []
        if not all(p.isascii() for p in parts):  # a character without a reading
            parts = []
        # Chinese alone (the usual name) by character, else the whole name in one call
        parts = parts or lazy_pinyin(rest, style=style.NORMAL)
    else:
        parts = [rest]
    for part in parts:
        words += _words(part)
    key = " ".join(words)
    if not re.match(r"[a-z]", key):
        key = _LAST_GROUP + key
    return f"{key}\t{fold(name)}"


# --- terms and snippets ---------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One query term: matches when any of its forms (folded text) is a substring."""

    forms: tuple[str, ...]
    phone: bool = False  # forms are digits; also matched against phones' digits

    @property
    def indexed(self) -> bool:
        return all(len(f) >= MIN_TRIGRAM for f in self.forms)


def _folded_with_origin(text: str, *, digits_only: bool = False) -> tuple[str, list[int]]:
    """The folded form of `text` and, for each of its characters, where it came from."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        piece = ch if digits_only and ch.isdigit() else "" if digits_only else fold_char(ch)
        out.append(piece)
        origin += [i] * len(piece)
    return "".join(out), origin


def find_spans(text: str, terms: Sequence[Term], *, phone: bool = False) -> list[tuple[int, int]]:
    """Character spans of `text` where any form of any term occurs (merged, sorted)."""
    spans: list[tuple[int, int]] = []
    views = [_folded_with_origin(text)]
    if phone:
        views.append(_folded_with_origin(text, digits_only=True))
    for term in terms:
        for form in term.forms:
            if not form:
                continue
            for folded, origin in views:
                start = folded.find(form)
                while start >= 0:
                    end = start + len(form)
                    spans.append((origin[start], origin[end - 1] + 1))
                    start = folded.find(form, start + 1)
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def window(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """At most SNIPPET_WIDTH characters of `text` around its first match, with … where cut."""
    if len(text) <= SNIPPET_WIDTH:
        return text, spans
    first = spans[0][0] if spans else 0
    start = max(0, min(first - SNIPPET_WIDTH // 3, len(text) - SNIPPET_WIDTH))
    end = start + SNIPPET_WIDTH
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    kept = [(max(s, start) + shift, min(e, end) + shift) for s, e in spans if e > start and s < end]
    return prefix + text[start:end] + suffix, kept


def mark(text: str, spans: Sequence[Sequence[int]], left: str = "[", right: str = "]") -> str:
    """`text` with each span wrapped in markers: 'call [张伟] today'."""
    out = []
    last = 0
    for start, end in spans:
        out += [text[last:start], left, text[start:end], right]
        last = end
    out.append(text[last:])
    return "".join(out)
