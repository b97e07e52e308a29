"""How one `--where` expression splits into FIELD OP VALUE, before any field has a meaning.

The filter language (crmcli.records.filters) gives the parts their meaning. The split alone
lives here so that the stored settings (crmcli.records.config) can find the saved filters
that name a stage without importing the filter language, which imports them; and so does
`as_options`, which the history (crmcli.store.history) shows a saved filter with.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

OPERATORS = ("!=", "<=", ">=", "=", "<", ">", "~")
# The pattern of FIELD OP VALUE, a string: re compiles it on first use. A field is a key
# (`city`) or a header as a table shows it (`国家/地区`, `联系周期(天)`, `12个月收入`).
WHERE = r"(?s)\s*([^\s=!<>~]+)\s*(!=|<=|>=|==|=|<|>|~)\s*(.*?)\s*"


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


def as_options(saved: dict[str, Any]) -> str:
    """A saved filter as the options that make it: `--where 'abc = A' --tag vip`. A tag
    kept by id in the stored form (crmcli.records.filters `encode`) reads as it was typed."""
    words: list[str] = []
    for name, flag in OPTIONS.items():
        value = saved.get(name)
        for item in value if isinstance(value, list) else [value] if value else []:
            if isinstance(item, dict):  # a tag bound to its id: as typed when saved
                item = item.get("text", item.get("typed", item))
            words += [flag, shlex.quote(str(item))]
    return " ".join(words)
