"""crmcli.core.money: exact parsing and formatting, currency decimals, no rounding, ever."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crmcli.core import money
from crmcli.core.errors import InvalidInput
from crmcli.core.money import Money
from tests.conftest import dump, fails, ok

PROFILE = settings(max_examples=200, deadline=None, derandomize=True)
CODES = sorted(money.EXPONENTS)
minor_units = st.integers(min_value=-money.MAX_MINOR, max_value=money.MAX_MINOR)


def test_exponents_match_the_iso_4217_table():
    """The table in money.py is the official one (as packaged by `iso4217`)."""
    iso4217 = pytest.importorskip("iso4217")
    official = {c.code: c.exponent for c in iso4217.Currency if c.exponent is not None}
    assert official == money.EXPONENTS
    assert {c.code for c in iso4217.Currency if c.exponent is None} == money.NO_MINOR_UNIT


@pytest.mark.parametrize(
    ("code", "places"), [("JPY", 0), ("KRW", 0), ("CNY", 2), ("USD", 2), ("EUR", 2), ("KWD", 3)]
)
def test_currency_decimals(code, places):
    assert money.exponent(code) == places
    assert money.exponent(code.lower()) == places


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1299", Money(129900, "CNY")),
        ("1,299.50", Money(129950, "CNY")),
        ("1,234,567.89", Money(123456789, "CNY")),
        ("¥1299", Money(129900, "CNY")),
        ("￥１２９９", Money(129900, "CNY")),
        ("1299.5 USD", Money(129950, "USD")),
        ("USD 1299.5", Money(129950, "USD")),
        ("usd1299.5", Money(129950, "USD")),
        ("$12", Money(1200, "USD")),
        ("HK$80", Money(8000, "HKD")),
        ("€9.99", Money(999, "EUR")),
        ("RMB 50", Money(5000, "CNY")),
        ("50元", Money(5000, "CNY")),
        ("1299 JPY", Money(1299, "JPY")),
        ("1.234 KWD", Money(1234, "KWD")),
        ("-12.5", Money(-1250, "CNY")),
        ("−12.5", Money(-1250, "CNY")),
        ("-¥3", Money(-300, "CNY")),
        ("¥-3", Money(-300, "CNY")),
        ("+3", Money(300, "CNY")),
        (".5", Money(50, "CNY")),
        ("12.50 ", Money(1250, "CNY")),
        ("1299.500", Money(129950, "CNY")),  # extra zeros change nothing
        ("1299.00 JPY", Money(1299, "JPY")),
        ("0", Money(0, "CNY")),
    ],
)
def test_parse_accepted_forms(text, expected):
    assert money.parse(text) == expected


def test_symbols_follow_the_currency_in_force():
    assert money.parse("¥1299", default="JPY") == Money(1299, "JPY")
    assert money.parse("¥1299", "JPY") == Money(1299, "JPY")
    assert money.parse("$5", "HKD") == Money(500, "HKD")
    assert money.parse("$5", default="EUR") == Money(500, "USD")
    assert money.parse("12", default="USD") == Money(1200, "USD")
    assert money.parse("12", "JPY", default="USD") == Money(12, "JPY")


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        ("12.345", None, "12.345 has 3 decimals but CNY has 2 decimals; amounts are never rounded"),
        ("12.5 JPY", None, "12.5 has 1 decimal but JPY has no decimals"),
        ("1.2345 KWD", None, "KWD has 3 decimals"),
        ("12,50", None, "not an amount: '12,50'"),
        ("1,29.5", None, "not an amount"),
        ("1.299,50", None, "not an amount"),
        ("abc", None, "not an amount"),
        ("", None, "not an amount"),
        ("1e5", None, "not an amount"),
        ("NaN", None, "not an amount"),
        ("Infinity", None, "not an amount"),
        ("0x10", None, "not an amount"),
        ("--5", None, "not an amount"),
        ("-¥-5", None, "not an amount"),
        ("¥12 USD", None, "name the currency once"),
        ("12 XYZ", None, "unknown currency 'XYZ'"),
        ("12 XAU", None, "XAU is not a currency with minor units"),
        ("12 USD", "CNY", "the amount '12 USD' is in USD, not CNY"),
        ("¥12", "USD", "is in CNY, not USD"),
        ("12", "ABC", "unknown currency 'ABC'"),
        ("10000000000.00", None, "too large"),
    ],
)
def test_parse_rejects(text, currency, message):
    with pytest.raises(InvalidInput) as caught:
        money.parse(text, currency)
    assert message in caught.value.message


def test_a_code_that_is_no_currency_crm_records_is_refused_whole():
    """`--currency` and an amount's code: an unknown code, and a metal with no minor unit."""
    with pytest.raises(InvalidInput) as caught:
        money.currency_code("xyz")
    assert str(caught.value) == (
        "unknown currency 'xyz'; use an ISO 4217 code such as CNY, USD, EUR or JPY"
    )
    with pytest.raises(InvalidInput) as caught:
        money.currency_code("XAU")
    assert str(caught.value) == "XAU is not a currency with minor units; crm records money only"


@pytest.mark.parametrize(
    ("minor", "code", "plain", "grouped"),
    [
        (129900, "CNY", "1299.00", "1,299.00"),
        (-5, "CNY", "-0.05", "-0.05"),
        (0, "USD", "0.00", "0.00"),
        (1299, "JPY", "1299", "1,299"),
        (1234, "KWD", "1.234", "1.234"),
        (123456789012, "CNY", "1234567890.12", "1,234,567,890.12"),
    ],
)
def test_format(minor, code, plain, grouped):
    assert money.plain(minor, code) == plain
    assert money.grouped(minor, code) == grouped
    assert Money(minor, code).display() == f"{grouped} {code}"


@PROFILE
@given(minor=minor_units, code=st.sampled_from(CODES))
def test_format_then_parse_round_trips(minor, code):
    other = "CNY" if code != "CNY" else "USD"
    assert money.parse(money.plain(minor, code), default=code) == Money(minor, code)
    assert money.parse(money.plain(minor, code), code, default=other) == Money(minor, code)
    assert money.parse(Money(minor, code).display(), default=other) == Money(minor, code)
    assert money.to_minor(money.to_decimal(minor, code), code) == minor


@PROFILE
@given(
    whole=st.integers(min_value=0, max_value=10**9),
    frac=st.integers(min_value=0, max_value=99),
    negative=st.booleans(),
)
def test_parse_then_format_round_trips(whole, frac, negative):
    text = f"{'-' if negative else ''}{whole:,}.{frac:02d}"
    parsed = money.parse(text, "USD")
    assert parsed.minor == (-1 if negative else 1) * (whole * 100 + frac)
    assert money.grouped(parsed.minor, "USD") == (text if parsed.minor else "0.00")


@PROFILE
@given(
    values=st.lists(
        st.decimals(min_value=-(10**8), max_value=10**8, places=2, allow_nan=False), max_size=50
    )
)
def test_sum_of_minor_units_is_the_exact_sum(values):
    """Adding parsed minor units gives exactly the decimal sum: nothing lost on the way."""
    minors = [money.parse(str(v), "EUR").minor for v in values]
    assert money.to_decimal(sum(minors), "EUR") == sum(values, Decimal(0))
    assert money.plain(sum(minors), "EUR") == f"{sum(values, Decimal(0)):.2f}"


@PROFILE
@given(text=st.text(max_size=30))
def test_any_text_parses_or_is_a_clean_error(text):
    try:
        parsed = money.parse(text)
    except InvalidInput as exc:
        assert "\n" not in exc.message
    else:
        assert isinstance(parsed.minor, int)
        assert abs(parsed.minor) <= money.MAX_MINOR


@PROFILE
@given(
    minor=st.integers(min_value=0, max_value=10**6),
    extra=st.integers(min_value=1, max_value=9),
    code=st.sampled_from(["CNY", "JPY", "KWD"]),
)
def test_more_decimals_than_the_currency_is_an_error(minor, extra, code):
    text = money.plain(minor, code) + ("" if money.exponent(code) else ".") + str(extra)
    with pytest.raises(InvalidInput, match="never rounded"):
        money.parse(text, code)


@PROFILE
@given(
    whole=st.integers(min_value=0, max_value=10**13),
    frac=st.text(alphabet="0123456789", max_size=40),
    zeros=st.integers(min_value=0, max_value=30),
    scale=st.sampled_from(["", *money.SCALES]),
    negative=st.booleans(),
    code=st.sampled_from(["CNY", "JPY", "KWD", "CLF"]),
)
@example(whole=1000, frac="0" * 24 + "1", zeros=0, scale="", negative=False, code="CNY")
@example(whole=0, frac="123456789012345678901234567891", zeros=0, scale="亿", negative=False,
         code="CNY")  # fmt: skip
@example(whole=12, frac="3456789012345678901234567890", zeros=5, scale="亿", negative=True,
         code="JPY")  # fmt: skip
def test_amounts_of_any_length_are_read_exactly(whole, frac, zeros, scale, negative, code):
    """Against Fraction arithmetic: an amount of many digits is stored exactly or refused,
    never rounded to the 28 digits of Decimal's default context."""
    frac += "0" * zeros
    text = f"{'-' if negative else ''}{whole}{'.' + frac if frac else ''}{scale}"
    value = Fraction(f"{whole}.{frac or 0}") * 10 ** (money.SCALES.get(scale, 0))
    minor = value * 10 ** money.exponent(code) * (-1 if negative else 1)
    if minor.denominator == 1 and abs(minor) <= money.MAX_MINOR:
        assert money.parse(text, code) == Money(int(minor), code)
    else:
        with pytest.raises(InvalidInput) as raised:
            money.parse(text, code)
        if minor.denominator != 1:
            shown = raised.value.message.split(" has ")[0]
            assert Fraction(shown) == value  # the value quoted is the one typed, unrounded


def test_buy_refuses_an_amount_whose_last_digit_is_past_28(db_path):
    ok("add", "张伟")
    before = dump(db_path)
    err = fails(2, "buy", "1", "Tea", "1000.0000000000000000000000001", db=db_path)
    assert err == (
        "crm: 1000.0000000000000000000000001 has 25 decimals but CNY has 2 decimals; amounts "
        "are never rounded\n"
    )
    err = fails(2, "buy", "1", "Tea", "0.123456789012345678901234567891亿", db=db_path)
    assert err.startswith("crm: 12345678.9012345678901234567891 has 22 decimals")
    assert dump(db_path) == before


def test_average_rounds_half_to_even_only_for_derived_figures():
    assert money.average(1000, 3) == 333
    assert money.average(5, 2) == 2
    assert money.average(7, 2) == 4
    assert money.average(-7, 2) == -4
    with pytest.raises(ValueError):
        money.average(1, 0)


def test_present_turns_minor_units_into_decimal_strings():
    row = {"id": 1, "amount_minor": -129950, "unit_price_minor": None, "currency": "CNY"}
    assert money.present(row) == {
        "id": 1,
        "amount": "-1299.50",
        "unit_price": None,
        "currency": "CNY",
    }
    assert money.present(row, grouped_digits=True)["amount"] == "-1,299.50"


@pytest.mark.parametrize(
    ("text", "code"),
    [("rmb 50", "CNY"), ("hk$80", "HKD"), ("us$1", "USD"), ("Nt$5", "TWD"), ("cn¥9", "CNY")],
)
def test_symbols_are_read_in_any_case(text, code):
    assert money.parse(text).currency == code


@pytest.mark.parametrize("text", ["ZZ$5", "X$5", "5 Q$"])
def test_a_dollar_symbol_of_no_known_currency_is_refused(text):
    with pytest.raises(InvalidInput, match=r"^unknown currency symbol '[A-Z]{1,2}\$'; use an ISO"):
        money.parse(text)


def test_to_minor_refuses_what_is_no_number_and_says_the_limit():
    with pytest.raises(InvalidInput, match=r"^not an amount: NaN$"):
        money.to_minor(Decimal("NaN"), "CNY")
    message = r"^amount -10000000000.00 CNY is too large \(at most 9,999,999,999.99\)$"
    with pytest.raises(InvalidInput, match=message):
        money.to_minor(Decimal("-10000000000.00"), "CNY")  # a refund: the limit is on its size


def test_average_of_nothing_is_a_programming_error():
    with pytest.raises(ValueError, match=r"^average of nothing$"):
        money.average(5, 0)


@pytest.mark.parametrize(
    ("minor", "code", "text"), [(129950, "CNY", "1299.50"), (-5, "JPY", "-5"), (1, "KWD", "0.001")]
)
def test_money_plain_writes_every_decimal(minor, code, text):
    assert Money(minor, code).plain() == text


@pytest.mark.parametrize("text", ["1.x", "-1.x", "12.5a", "7.٣x"])
def test_letters_after_the_decimal_point_are_refused(text):
    with pytest.raises(InvalidInput, match=r"^not an amount: "):
        money.parse(text)


def test_an_amount_of_a_million_digits_is_refused_at_once():
    """A CSV field may hold 16 MiB: an amount a million digits long is refused as too large
    and one with two million decimals as having them, exactly (neither overflows the decimal
    context nor is rounded to 0 below its smallest exponent), and at once (int() of such an
    amount took 25 s)."""
    huge = "1" + "0" * 1_000_000
    with pytest.raises(InvalidInput) as raised:
        money.parse(huge)
    assert raised.value.message == f"amount {huge} CNY is too large (at most 9,999,999,999.99)"
    tiny = "0." + "0" * 2_000_000 + "1"
    with pytest.raises(InvalidInput) as raised:
        money.parse(tiny)
    assert raised.value.message == (
        f"{tiny} has 2000001 decimals but CNY has 2 decimals; amounts are never rounded"
    )
