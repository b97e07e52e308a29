"""Exact money: amounts typed by a user in, integer minor units plus an ISO 4217 code out.

A stored amount is `amount_minor` (an int: fen, cents, yen, fils) and `currency` (a three
letter ISO 4217 code). How many decimals a currency has (its exponent) comes from ISO 4217:
JPY 0, CNY/USD/EUR 2, KWD 3, CLF 4. Parsing goes through `decimal.Decimal`, never float.
An amount with more decimals than its currency has is an error (unless the extra digits are
zeros, which change nothing); nothing is ever rounded on the way in. Only a derived figure
such as an average is rounded, half to even, and only to the currency's own decimals.

Accepted input: `1299`, `1,299.50` (commas group thousands, in threes), `-12.5` or `−12.5`,
`¥1299`, `$12`, `€9.99`, `HK$80`, `RMB 50`, `50元`, `1299.5 USD`, `USD 1299.5`, `100美元`,
`人民币50`, `100块`, `8.8万`
(88,000), `3千` (3,000), `3千5` (3,500), `¥1.2万元` (¥ and 元 together: yuan), `1.5亿`;
whole amounts in Chinese numerals (`两千`, `一万`, `一万零五百`, `两万五`: chinese_amount);
full-width digits and signs (`１２９９`, `￥`) and the traditional 萬, 億 and 兩 are read as
their ASCII and simplified forms. A comma as the decimal
separator (`12,50`) is refused rather than guessed. A symbol shared by several currencies
(`¥`, `$`) means the one in force when it is one of them (the `currency` passed, else the
default), otherwise CNY for `¥` and USD for `$`.

The exponents are a table here, not a library: the `iso4217` package holds the same data but
parses a 40 kB XML file on every import (20-25 ms, a sixth of `crm`'s whole start-up
budget). tests/test_money.py checks this table against that package, so a new edition of the
standard shows up as a failing test rather than a silent drift.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_EVEN, Context, Decimal
from functools import lru_cache
from typing import Any

from crmcli.core.dates import chinese_number
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, _

# ISO 4217 (list one, published 2026-01-01): active codes by minor-unit exponent. Funds and
# metals without a minor unit (XAU, XDR, XXX...) are left out: crm records money only.
_BY_EXPONENT = {
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    2: "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BMD BND BOB BOV BRL BSD BTN BWP BYN "
    "BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP "
    "GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT "
    "LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN "
    "NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE "
    "SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES "
    "WST XAD XCD XCG YER ZAR ZMW ZWG",
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
}
EXPONENTS: dict[str, int] = {
    code: exponent for exponent, codes in _BY_EXPONENT.items() for code in codes.split()
}
NO_MINOR_UNIT = frozenset(
    ["XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"]
)

# One line's amount, in minor units, is at most this (10 billion CNY, 1 trillion JPY): a
# million lines at the limit still sum inside SQLite's 64-bit integers.
MAX_MINOR = 10**12 - 1

# Symbols -> the currencies they can mean; the first is the fallback.
SYMBOLS: dict[str, tuple[str, ...]] = {
    "¥": ("CNY", "JPY"),
    "元": ("CNY",),
    "円": ("JPY",),
    "RMB": ("CNY",),
    "CN¥": ("CNY",),
    "JP¥": ("JPY",),
    "$": ("USD", "HKD", "TWD", "SGD", "AUD", "CAD", "NZD", "MXN"),
    "US$": ("USD",),
    "HK$": ("HKD",),
    "NT$": ("TWD",),
    "S$": ("SGD",),
    "A$": ("AUD",),
    "C$": ("CAD",),
    "€": ("EUR",),
    "£": ("GBP",),
    "₩": ("KRW",),
    "₹": ("INR",),
    "₽": ("RUB",),
    "฿": ("THB",),
    # the other symbols a terminal shows (crmcli/cli/display.py), so a shown amount reads back
    "AU$": ("AUD",),
    "CA$": ("CAD",),
    "MX$": ("MXN",),
    "NZ$": ("NZD",),
    "EC$": ("XCD",),
    "R$": ("BRL",),
    "₪": ("ILS",),
    "₫": ("VND",),
    "₱": ("PHP",),
}
# Currencies by their Chinese names, before or after the number (`100美元`, `人民币50`) and
# for `--currency` (`--currency 美元`): CLDR's names (tests check them against babel's) and
# the everyday ones beside them (美金, 港币, 块).
NAMES: dict[str, str] = {
    "人民币": "CNY", "块": "CNY", "块钱": "CNY",
    "美元": "USD", "美金": "USD",
    "欧元": "EUR",
    "日元": "JPY", "日圆": "JPY",
    "港元": "HKD", "港币": "HKD",
    "英镑": "GBP",
    "韩元": "KRW",
    "澳大利亚元": "AUD", "澳元": "AUD",
    "加拿大元": "CAD", "加元": "CAD",
    "新台币": "TWD",
    "新加坡元": "SGD", "新元": "SGD",
    "澳门币": "MOP", "澳门元": "MOP",
    "瑞士法郎": "CHF",
    "泰铢": "THB",
}  # fmt: skip
_SIGNS = {"-": -1, "−": -1, "+": 1}
_UNIT = (
    "|".join(sorted(NAMES, key=len, reverse=True))  # 日元 and 新加坡元 before 元
    + r"|[A-Za-z]{3}|RMB|[A-Z]{1,2}\$|CN¥|JP¥|[¥元円$€£₩₹₽฿₪₫₱]"
)
# Patterns are kept as strings: `re` compiles each on first use (start-up compiles none).
_AMOUNT = (
    rf"(?i)(?P<sign1>[-+−])?\s*(?P<pre>{_UNIT})?\s*(?P<sign2>[-+−])?\s*"
    r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+|[零一二两三四五六七八九十百千万亿]+)"
    rf"\s*(?:(?P<scale>[百千]万|[百千万亿])(?P<tail>\d)?)?\s*(?P<post>{_UNIT})?"
)
# 万 (ten thousand) and 亿 (a hundred million) after the number, as a terminal shows large
# CNY sums (`¥8.8万`, `1.2万元`, `¥1.23亿`), and 百, 千, 百万, 千万 as people say sums
# (`3千`, `1.5千元`, `2百万`): powers of ten, applied exactly.
SCALES = {"百": 2, "千": 3, "万": 4, "百万": 6, "千万": 7, "亿": 8}
_TRADITIONAL = str.maketrans("萬億兩", "万亿两")
HELP = N_("write it like 1299, 1,299.50, ¥1299, 8.8万 or 1299.5 USD")


@dataclass(frozen=True, order=True)
class Money:
    """An exact amount: `minor` units of `currency` (an ISO 4217 code)."""

    minor: int
    currency: str

    def plain(self) -> str:
        """The decimal string for JSON and CSV, all decimals written: `1299.00`, `-5.50`."""
        return plain(self.minor, self.currency)

    def display(self) -> str:
        """For people: `1,299.00 CNY`."""
        return f"{grouped(self.minor, self.currency)} {self.currency}"

    def __str__(self) -> str:
        return self.display()


@lru_cache(maxsize=256)  # an import asks for the same few codes a million times
def currency_code(text: str) -> str:
    """A known ISO 4217 code from user text (`usd` -> `USD`, `美元` -> `USD`); raises
    InvalidInput."""
    code = unicodedata.normalize("NFKC", text).strip().upper()
    code = NAMES.get(code, code)
    if code in EXPONENTS:
        return code
    if code in NO_MINOR_UNIT:
        raise InvalidInput(
            _("{code} is not a currency with minor units; crm records money only").format(code=code)
        )
    raise InvalidInput(
        _("unknown currency {value!r}; use an ISO 4217 code such as CNY, USD, EUR or JPY").format(
            value=text.strip()
        )
    )


def exponent(currency: str) -> int:
    """How many decimals `currency` has (JPY 0, CNY 2, KWD 3); raises InvalidInput."""
    return EXPONENTS[currency_code(currency)]


def to_minor(value: Decimal, currency: str) -> int:
    """`value` in integer minor units of `currency`, exactly; raises InvalidInput when it
    has more (non-zero) decimals than the currency, or is out of range."""
    places = exponent(currency)
    if not value.is_finite():
        raise InvalidInput(_("not an amount: {value}").format(value=value))
    exact = _exact(value)
    scaled = value.scaleb(places, exact)
    if scaled != scaled.to_integral_value():
        written = -int(value.normalize(exact).as_tuple().exponent)
        if places:
            message = _(
                "{value} has {value2} but {currency} has {value3}; amounts are never rounded"
            )
        else:
            message = _(
                "{value} has {value2} but {currency} has no decimals; amounts are never rounded"
            )
        raise InvalidInput(
            message.format(
                value=f"{value:f}",
                value2=_decimals(written),
                currency=currency,
                value3=_decimals(places),
            )
        )
    # Compared before int(), which takes seconds for an amount of many digits (a CSV field).
    if scaled.copy_abs() > MAX_MINOR:
        limit = grouped(MAX_MINOR, currency)
        raise InvalidInput(
            _("amount {value} {currency} is too large (at most {limit})").format(
                value=f"{value:f}", currency=currency, limit=limit
            )
        )
    return int(scaled)


def _exact(value: Decimal) -> Context:
    """A decimal context in which scaling and normalising `value` is exact: the default
    context keeps 28 digits and would round `1000.0000000000000000000000001` to 1000."""
    return Context(prec=max(28, len(value.as_tuple().digits)), Emax=MAX_EMAX, Emin=MIN_EMIN)


def _decimals(count: int) -> str:
    """`3 decimals`, `1 decimal`, in the run's language (`3 位小数`)."""
    return (_("{count} decimal") if count == 1 else _("{count} decimals")).format(count=count)


def to_decimal(minor: int, currency: str) -> Decimal:
    """The exact decimal value of `minor` units, with the currency's decimals (1299.00)."""
    return Decimal(minor).scaleb(-EXPONENTS[currency])


def plain(minor: int, currency: str) -> str:
    """`minor` units as a decimal string with exactly the currency's decimals: `1299.00`."""
    places = EXPONENTS[currency]
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


def grouped(minor: int, currency: str) -> str:
    """Like plain() with thousands grouped by commas: `1,299.00`."""
    places = EXPONENTS[currency]
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**places)
    return f"{sign}{whole:,}.{frac:0{places}d}" if places else f"{sign}{whole:,}"


class Amount(str):
    """An amount as a table shows it (`1,299.00`, or `1,299.00 CNY`) that keeps its minor
    units and currency, so that a terminal can show it its own way (`¥1,299.00`, `12.35万`:
    crmcli.cli.display). Everywhere else (plain text, a pipe) it is just that text."""

    minor: int
    currency: str

    def __new__(cls, text: str, minor: int, currency: str) -> Amount:
        amount = super().__new__(cls, text)
        amount.minor, amount.currency = minor, currency
        return amount


def shown(minor: int, currency: str, *, code: bool = False) -> Amount:
    """`minor` units grouped for people, as an Amount: `1,299.00` (`1,299.00 CNY` with
    `code`)."""
    text = grouped(minor, currency)
    return Amount(f"{text} {currency}" if code else text, minor, currency)


def average(total_minor: int, count: int) -> int:
    """`total_minor / count` in whole minor units, rounded half to even (a derived figure)."""
    if count <= 0:
        raise ValueError("average of nothing")
    return int((Decimal(total_minor) / Decimal(count)).to_integral_value(ROUND_HALF_EVEN))


def present(row: Mapping[str, Any], *, grouped_digits: bool = False) -> dict[str, Any]:
    # Any row (keys open): a generic renderer over whatever figures a report gives.
    """A copy of `row` for output: each `X_minor` key (minor units of `row["currency"]`)
    becomes `X`, a decimal string (`1299.00`; with grouped_digits, for tables, an Amount
    `1,299.00` that a terminal shows as `¥1,299.00`);
    None stays None. JSON and CSV get these strings, never a float."""
    code = row.get("currency")
    render = shown if grouped_digits else plain
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key.endswith("_minor"):
            out[key[: -len("_minor")]] = None if value is None else render(value, code)
        else:
            out[key] = value
    return out


def _symbol_currency(symbol: str, context: str | None) -> str:
    """The currency a symbol means (`HK$` HKD, `¥` the one in force or CNY); InvalidInput
    for a symbol of no known currency (`ZZ$`, which the amount pattern lets through)."""
    choices = SYMBOLS.get(symbol.upper())  # every key is its own upper case
    if choices is None:
        raise InvalidInput(
            _(
                "unknown currency symbol {symbol!r}; use an ISO 4217 code such as CNY, "
                "USD, EUR or JPY"
            ).format(symbol=symbol)
        )
    return context if context in choices else choices[0]


def _plain_minor(text: str, currency: str) -> Money | None:
    """The common case, a bare ASCII number such as `1299.50` or `-80` (every import row),
    in integer arithmetic; None for anything else, which parse() handles in full. Gives
    exactly what the full rules give, or leaves the error to them."""
    code = currency_code(currency)
    minor = plain_minor(text, EXPONENTS[code])
    return None if minor is None else Money(minor, code)


def plain_minor(text: str, places: int) -> int | None:
    """`text` in minor units of a currency with `places` decimals when it is a bare ASCII
    number of at most that many decimals and at most MAX_MINOR (`-80`, `1299.5`); None for
    anything else (the full rules of parse() say what it is)."""
    negative = text[:1] == "-"
    whole, dot, frac = (text[1:] if negative else text).partition(".")
    if not (whole.isascii() and whole.isdigit() and len(whole) <= 15):
        return None
    if dot and not (frac.isascii() and frac.isdigit()):
        return None
    if len(frac) > places:
        return None  # too many decimals (or zeros to drop): the full rules say which
    minor = int(whole) * 10**places + (int(frac) * 10 ** (places - len(frac)) if frac else 0)
    if minor > MAX_MINOR:
        return None
    return -minor if negative else minor


def parse(text: str, currency: str | None = None, *, default: str = "CNY") -> Money:
    """Parse a user's amount exactly; raises InvalidInput, never rounds.

    `currency` is the one the user named separately (`--currency`): the amount may not name
    another. Without either, `default` (the `default_currency` setting) applies.
    """
    plain_number = _plain_minor(text, currency or default)
    if plain_number is not None:
        return plain_number
    raw = unicodedata.normalize("NFKC", text).strip().translate(_TRADITIONAL)
    match = re.fullmatch(_AMOUNT, raw)
    if not raw or match is None:
        raise InvalidInput(
            _("not an amount: {value!r}; {HELP}").format(value=text.strip(), HELP=_(HELP))
        )
    if match["sign1"] and match["sign2"]:
        raise InvalidInput(
            _("not an amount: {value!r}; {HELP}").format(value=text.strip(), HELP=_(HELP))
        )
    if match["pre"] and match["post"] and (match["pre"], match["post"]) != ("¥", "元"):
        raise InvalidInput(
            _("not an amount: {value!r}; name the currency once").format(value=text.strip())
        )
    sign = _SIGNS[match["sign1"] or match["sign2"] or "+"]
    explicit = currency_code(currency) if currency else None
    context = explicit or currency_code(default)
    unit = match["post"] or match["pre"]  # `¥1.2万元`: 元, yuan whatever ¥ would mean
    named = None
    if unit:
        if unit in NAMES:
            named = NAMES[unit]
        elif len(unit) == 3 and unit.isascii() and unit.isalpha() and unit.upper() != "RMB":
            named = currency_code(unit)
        else:
            named = _symbol_currency(unit, context)
        if explicit and named != explicit:
            raise InvalidInput(
                _("the amount {value!r} is in {named}, not {explicit}").format(
                    value=text.strip(), named=named, explicit=explicit
                )
            )
    code = named or context
    value = _number(match["number"].replace(",", ""), match["scale"] or "", match["tail"])
    if value is None:
        raise InvalidInput(
            _(
                "not an amount: {value!r}; write it like 两千, 一万零五百, 两万五, 3千5 or 1.05万"
            ).format(value=text.strip())
        )
    return Money(sign * to_minor(value, code), code)


def _number(number: str, scale: str, tail: str | None) -> Decimal | None:
    """The value of an amount's number (`1299.5`, `两千`), its scale (`万`, `百万`) and a
    digit after the scale that stands for the next place down (`3千5`: 3,500, `12万5`:
    125,000); None where a Chinese numeral is not one (chinese_amount), or a tail has no
    place to stand for (`1.2万5`, `10万5` is 100,000 and 5,000 or 105,000, `2百万5`)."""
    if not number[0].isdigit() and number[0] != ".":
        whole = None if tail else chinese_amount(number + scale)
        return None if whole is None else Decimal(whole)
    value = Decimal(number)
    value = value.scaleb(SCALES.get(scale, 0), _exact(value))
    if tail is None:
        return value
    if scale not in _TAIL_PLACES or not number.isdigit() or number[-1] == "0":
        return None
    return value + int(tail) * _TAIL_PLACES[scale]


# The place a digit after 百, 千, 万 or 亿 stands for, as people say a round sum (`两百五`
# 250, `三千五` 3,500, `一万五` 15,000, `一亿五` 150,000,000).
_TAIL_PLACES = {"百": 10, "千": 100, "万": 1000, "亿": 10**7}
_SECTIONS = (("亿", 10**8), ("万", 10**4), ("", 1))


def chinese_amount(text: str) -> int | None:
    """A whole amount in Chinese numerals as it is written, up to 9999亿: `两千`, `一万`,
    `十二万`, `三万五千`, `一亿两千万`, `一万零五百` (零 for each gap before a lower place),
    `一万零一十`, and with the last place left unsaid as people say a round sum: `两万五`
    (25,000), `一百五` (150). None for anything else, which would be a guess: 零 missing or
    needless (`一万五百`, `一万零五千`), a tail after a zero place (`十万五`: 十五万 or
    十万零五千?), a place repeated or out of order (`一万万`, `一千万亿`)."""
    extra = 0
    if len(text) > 2 and text[-1] in _ONE_TO_NINE and text[-2] in _TAIL_PLACES:
        if text[-2] in "万亿" and text[-3] not in _ONE_TO_NINE + "两":
            return None
        extra = (_ONE_TO_NINE.index(text[-1]) + 1) * _TAIL_PLACES[text[-2]]
        text = text[:-1]
    total, above = 0, 0  # above: the place of the section before, 0 at the head
    for unit, place in _SECTIONS:
        section, found, rest = text.partition(unit) if unit else (text, "", "")
        if unit and not found:
            continue
        text = rest
        if not section and not unit:
            break
        gap = section[:1] == "零"
        digits = section[1:] if gap else section
        if above and digits[:2] == "一十":
            digits = digits[1:]  # 一万零一十: 一十 after a higher place
        elif above and (digits[:1] == "十" or digits == "两"):
            return None  # 一万零十, 一万零两: 一十, 二 there
        value = chinese_number(digits) if digits else None
        if value is None or gap != bool(above and (value < 1000 or above > place * 10**4)):
            return None
        total, above = total + value * place, place
    return total + extra if total else None


_ONE_TO_NINE = "一二三四五六七八九"
