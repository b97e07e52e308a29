"""How one `--where` expression splits into FIELD OP VALUE, before any field has a meaning.

The filter language (crmcli.records.filters) gives the parts their meaning. The split alone
lives here so that the stored settings (crmcli.records.config) can find the saved filters
that name a stage without importing the filter language, which imports them; and so does
`as_options`, which the history (crmcli.store.history) shows a saved filter with.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

from crmcli.core.i18n import Said
from crmcli.core.vocabulary import NAMED_FIELDS, header, word

OPERATORS = ("!=", "<=", ">=", "=", "<", ">", "~")
# The pattern of FIELD OP VALUE, a string: re compiles it on first use. A field is a key
# (`city`) or a header as a table shows it (`国家/地区`, `联系周期(天)`, `12个月收入`).
WHERE = r"(?s)\s*([^\s=!<>~]+)\s*(!=|<=|>=|==|=|<|>|~)\s*(.*?)\s*"


class Plain(str):
    """A `--where` made plain (`plain`) that keeps the text the user typed (`typed`), which
    a refusal quotes: `城市 ＜＞ 北京` is read as `城市 <＞ 北京`, a form no one typed."""

    typed: str


def plain(expression: str) -> str:
    """`expression` with its field and operator typed full-width made plain, as an input
    method types them (`城市 ＝ 上海`, `ＡＢＣ＝A`, `１２个月收入 ＞＝ 5万`); the value after
    the operator stays as typed. A changed expression is a `Plain`, which keeps the one typed."""
    for at, char in enumerate(expression):
        if unicodedata.normalize("NFKC", char) in ("=", "!", "<", ">", "~"):
            end = at + 1
            if expression[end : end + 1] and unicodedata.normalize("NFKC", expression[end]) == "=":
                end += 1
            made = Plain(unicodedata.normalize("NFKC", expression[:end]) + expression[end:])
            made.typed = expression
            return made
    return expression


# The quotes a value may stand in: ASCII ones, and the Chinese “x” and ‘x’.
_QUOTES = {"'": "'", '"': '"', "“": "”", "‘": "’"}


def unquote(value: str) -> str:
    """`value` without one pair of surrounding quotes ('x', "x", “x” or ‘x’)."""
    if len(value) >= 2 and _QUOTES.get(value[0]) == value[-1]:
        return value[1:-1]
    return value


def split(expression: str) -> tuple[str, str, str] | None:
    """(field, operator, value unquoted) of `expression`, `==` read as `=`; None when it
    is not FIELD OP VALUE."""
    match = re.fullmatch(WHERE, expression)
    if not match:
        return None
    op = "=" if match.group(2) == "==" else match.group(2)
    return match.group(1), op, unquote(match.group(3))


# Filter fields and the option that spells each, to show a saved filter as it was typed.
OPTIONS = {
    "where": "--where",
    "tag": "--tag",
    "without_tag": "--without-tag",
    "stage": "--stage",
    "city": "--city",
    "company": "--company",
    "source": "--source",
    "kind": "--kind",
    "created_since": "--created-since",
    "created_until": "--created-until",
    "lifecycle": "--lifecycle",
    "abc": "--abc",
    "frequency_tier": "--frequency-tier",
    "value_tier": "--value-tier",
    "segment": "--segment",
}


class Options(Said):
    """A saved filter as the options that make it (`--lifecycle at_risk --where
    'revenue_12m >= 20000'`), as stored: what JSON, CSV and English show, and what a script
    pastes back. A person reads it in the run's language (`said`, in a table or a sentence):
    crm's words (a stage, a lifecycle, a field a `--where` names) as a table says them
    (`--lifecycle 流失风险 --where '12个月收入 >= 20000'`), which crm reads back as the
    same filter."""

    saved: dict[str, Any]

    def __new__(cls, saved: dict[str, Any]) -> Options:
        said = str.__new__(cls, _options(saved, lambda name, item: item))
        said.template, said.params, said.saved = str(said), {}, saved
        return said

    def said(self) -> str:
        from crmcli.core.i18n import current

        if current() == "en":
            return str(self)
        return _options(self.saved, _in_words)


def as_options(saved: dict[str, Any]) -> Options:
    """A saved filter as the options that make it: `--where 'abc = A' --tag vip`. A tag
    kept by id in the stored form (crmcli.records.filters `encode`) reads as it was typed."""
    return Options(saved)


def typed(saved: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """Each value of a saved filter as typed, with its option's name and flag, in the
    options' order: ("city", "--city", "上海"). A tag kept by id reads as it was typed."""
    for name, flag in OPTIONS.items():
        value = saved.get(name)
        for item in value if isinstance(value, list) else [value] if value else []:
            if isinstance(item, dict):  # a tag bound to its id: as typed when saved
                item = item.get("text", item.get("typed", item))
            yield name, flag, str(item)


def _options(saved: dict[str, Any], say: Callable[[str, str], str]) -> str:
    return " ".join(f"{flag} {shlex.quote(say(name, text))}" for name, flag, text in typed(saved))


# The options whose values are crm's words; the others are the user's (a city, a tag, a
# saved segment's name, which may be `loyal` as an RFM segment is).
_WORDED = ("stage", "kind", "lifecycle", "frequency_tier", "value_tier")


def _in_words(name: str, item: str) -> str:
    """One option's value with crm's words in the run's language: a stage or a class as a
    table shows it, and in a `--where` the field's header (one word, as a `--where` reads
    it) and a word of crm's compared with = or !=."""
    if name != "where":
        return str(word(name, item)) if name in _WORDED else item
    match = re.fullmatch(WHERE, item)
    if not match:
        return item
    field, op, typed = match.group(1), match.group(2), match.group(3)
    shown = header(field)
    if field in NAMED_FIELDS:  # a user-defined field crm named: as a card labels it (区县)
        shown = str(word("field", field))
    if shown.isascii() or re.search(r"[\s=!<>~]", shown):  # no word, or not one a --where reads
        shown = field
    if op in ("=", "==", "!="):
        value = unquote(typed)
        said = str(word(field, value))
        if value and said != value:
            typed = typed.replace(value, said, 1)
    start, end = match.span(1)
    return f"{item[:start]}{shown}{item[end : match.start(3)]}{typed}{item[match.end(3) :]}"
