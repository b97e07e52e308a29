"""How amounts and phones read on a terminal, the one place that formats them for people
there (cli/terminal.py draws tables and cards with it; nothing else loads it).

An amount (`core.money.Amount`) shows its currency's symbol from CLDR (`SYMBOLS`), in
the language's own usage: `¥1,299.50` for CNY in Chinese, `CN¥1,299.50` in English beside
`$`, `€`, `£`, `HK$`; a currency CLDR gives no symbol for (CHF, SGD) keeps the text it
had, the currency column beside it saying which. With `wan` (`--money wan`, the `money`
setting) a CNY amount of 10,000 and more reads in 万 (ten thousands), with two decimals
rounded half up (四舍五入): 123,456.00 is `¥12.35万`, 10,000.00 `¥1.00万`, -25,000.00
`-¥2.50万`; from 100,000,000 it reads in 亿 (hundred millions): `¥1.50亿`, and so does an
amount that would round to `¥10,000.00万` (99,999,950.00 and more).
A phone stored in E.164 (`+8613379553028`) reads in the national format of the user's own
region (`default_region`: `133 7955 3028` for CN) and in international format otherwise
(`+1 415-555-0100`), in a cell and inside prose kept in data (a pair of duplicates'
reason, a change of the history). json, jsonl, csv and tsv, and plain tables in a pipe, never
come here: they keep the exact decimal strings, the currency column and E.164.

phonenumbers is imported on the first phone shown, never before.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from crmcli.cli.cells import Marked
from crmcli.core.i18n import Joined, Said
from crmcli.core.money import Amount, grouped
from crmcli.core.vocabulary import Worded

WAN = 10_000  # 万: CNY amounts of at least this many yuan read in 万 with `wan`
YI = 100_000_000  # 亿: and from this many (or what rounds to 10,000.00万) in 亿
_PHONE = r"(\+[1-9]\d{6,14})( \(.*\))?"  # E.164, maybe with its kind: `+86... (wechat)`
# Phones joined into one cell (`crm edit --dry-run`'s old and new phones: `+86..., +1...`).
_ITEM = r"(\+[1-9]\d{6,14})( \([^()]*\))?"
_PHONES = re.compile(rf"{_ITEM}(?:(?:, |、){_ITEM})+")


def shown(value: Any, wan: bool, region: str | None) -> Any:
    """`value` as a terminal shows it: an Amount with its symbol (see `money`), a phone
    in E.164 as `phone` gives it, a list item by item; anything else as it is."""
    if isinstance(value, Amount):
        return money(value, wan)
    if isinstance(value, Said):
        return _said(value, wan, region)
    if isinstance(value, Worded):
        return _changes(value, region)
    if isinstance(value, str):
        match = re.fullmatch(_PHONE, value)
        if match:
            return phone(match.group(1), region) + (match.group(2) or "")
        if _PHONES.fullmatch(value):
            return re.sub(_ITEM, lambda m: phone(m.group(1), region) + (m.group(2) or ""), value)
        return value
    if isinstance(value, list):
        return [shown(v, wan, region) for v in value]
    if isinstance(value, Marked) and re.fullmatch(r"\+[1-9]\d{6,14}", value.text):
        return _marked_phone(value, region)
    return value


def _marked_phone(value: Marked, region: str | None) -> Marked:
    """A search snippet that is a phone (`+8613851742606`, `138` highlighted) as `phone`
    shows it (`138 5174 2606`), the same digits highlighted; a highlighted country code
    the national format leaves out highlights nothing."""
    said = phone(value.text, region)
    # Digits counted from the end: the national number is the E.164 number's last digits.
    old = [n for n, ch in enumerate(value.text) if ch.isdigit()]
    new = [n for n, ch in enumerate(said) if ch.isdigit()]
    at = {o: new[-(len(old) - k)] for k, o in enumerate(old) if len(old) - k <= len(new)}
    spans = []
    for start, end in value.spans:
        kept = [at[n] for n in range(start, end) if n in at]
        if kept:
            spans.append((min(kept), max(kept) + 1))
    return Marked(said, tuple(spans))


def _said(value: Said, wan: bool, region: str | None) -> Said:
    """Prose kept in data (a reminder's reason, a pair of duplicates' reason) with its
    amounts as `money` shows them and its phones as `phone` does: `bought ¥1,299.50 net`,
    `同电话 138 0013 8000`; the same Said when it holds neither."""
    if isinstance(value, Joined):
        pieces = [_said(p, wan, region) if isinstance(p, Said) else p for p in value.pieces]
        return Joined(pieces) if pieces != list(value.pieces) else value
    params = {k: _param(v, wan, region) for k, v in value.params.items()}
    changed = any(params[k] is not v for k, v in value.params.items())
    return Said(value.template, **params) if changed else value


def _param(value: Any, wan: bool, region: str | None) -> Any:
    if isinstance(value, Amount):
        return money(value, wan)
    if isinstance(value, Said):
        return _said(value, wan, region)
    if type(value) is str and re.fullmatch(_PHONE, value):
        return shown(value, wan, region)
    return value


def _changes(value: Worded, region: str | None) -> Worded:
    """A change of the history (`crm history`, `crm undo`) with its phones as `phone`
    shows them (`电话：138 0013 8000`); any other value said in words as it is."""
    from crmcli.store.history import Changes

    if not isinstance(value, Changes):
        return value
    fields = [(k, shown(a, False, region), shown(b, False, region)) for k, a, b in value.fields]
    if all(f[1] is a and f[2] is b for f, (_, a, b) in zip(fields, value.fields, strict=True)):
        return value
    return Changes(fields, table=value.table, updated=value.updated, currency=value.currency)


def money(amount: Amount, wan: bool = False) -> str:
    """`¥1,299.50`, `-US$5.00`, with `wan` `¥12.35万` (see the module's docstring)."""
    from crmcli.core.i18n import current

    symbol = currency_symbol(amount.currency, current())
    if not symbol:
        return str(amount)
    sign = "-" if amount.minor < 0 else ""
    size = abs(amount.minor)
    if wan and amount.currency == "CNY" and size >= WAN * 100:
        cent = Decimal("0.01")
        tens = (Decimal(size) / (WAN * 100)).quantize(cent, ROUND_HALF_UP)
        if tens < YI // WAN:
            return f"{sign}{symbol}{tens:,}万"
        hundreds = (Decimal(size) / (YI * 100)).quantize(cent, ROUND_HALF_UP)
        return f"{sign}{symbol}{hundreds:,}亿"
    return f"{sign}{symbol}{grouped(size, amount.currency)}"


# CLDR's currency symbols in English and in Chinese (zh_Hans_CN), as babel has them, for the
# currencies whose symbol ends with a currency sign; the others (CHF, SGD, `F CFA`) show
# their digits alone. A table, not a babel call, for the same reason core/money.py keeps its
# exponents: loading babel's locale data costs 50-100 ms on the first amount shown.
# tests/test_display.py checks it against babel, so a new CLDR shows up as a failing test.
_SAME = {
    "BRL": "R$", "CAD": "CA$", "EUR": "€", "GBP": "£", "HKD": "HK$", "ILS": "₪", "INR": "₹",
    "KRW": "₩", "MXN": "MX$", "NZD": "NZ$", "TWD": "NT$", "VND": "₫", "XCD": "EC$",
}  # fmt: skip
SYMBOLS = {
    "en": {**_SAME, "AUD": "A$", "CNY": "CN¥", "JPY": "¥", "PHP": "₱", "USD": "$"},
    "zh": {**_SAME, "AUD": "AU$", "CNY": "¥", "JPY": "JP¥", "USD": "US$"},
}


def currency_symbol(code: str, language: str) -> str:
    """The currency's symbol in `language` (`zh`, else English), or "" when CLDR gives it
    none that ends with a currency sign: then the amount reads as before, its code in the
    currency column beside it."""
    return SYMBOLS["zh" if language == "zh" else "en"].get(code, "")


@lru_cache(maxsize=4096)
def phone(number: str, region: str | None) -> str:
    """A phone in E.164 in national format when it is of `region`, else international;
    as it is when phonenumbers cannot read it."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return number
    style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    if region is not None and phonenumbers.region_code_for_number(parsed) == region:
        style = phonenumbers.PhoneNumberFormat.NATIONAL
    return phonenumbers.format_number(parsed, style)
