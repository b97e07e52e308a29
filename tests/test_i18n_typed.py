"""What a Chinese salesperson types where crm asks for a period to group by (`--by 月`), a
repeat (`--every 每周`), a setting (`money 万`, `language 中文`) or an amount in a currency
(`100美元`): read in any language setting, stored as the keys and codes crm keeps, and
anything else refused in one line, exit 2, nothing changed. Each grammar is checked against
an oracle written here without the parser's patterns (the forms built up from their parts,
numbers said in Chinese from ints, currency names from babel's CLDR data)."""

import json
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crmcli.core import dates, i18n, money
from crmcli.core.errors import InvalidInput
from crmcli.core.vocabulary import chosen
from tests.conftest import add, crm, fails, ok, rows

LANGS = [(), ("--lang", "zh"), ("--lang", "en")]

# --by: the words of each length of period, each also after 按 or 每.
SPAN_WORDS = {
    "天": "day", "日": "day",
    "周": "week", "星期": "week", "个星期": "week", "礼拜": "week", "个礼拜": "week",
    "月": "month", "个月": "month", "月份": "month",
    "季": "quarter", "季度": "quarter", "个季度": "quarter",
    "年": "year", "年份": "year", "年度": "year",
}  # fmt: skip
SPAN_ORACLE = {p + w: unit for p in ("", "按", "每") for w, unit in SPAN_WORDS.items()}


@given(st.text(alphabet="按每个天日周星期礼拜月份季度年 ", max_size=5))
def test_a_period_word_is_read_exactly_as_the_oracle_says(text):
    assert dates.period_word(text) == SPAN_ORACLE.get(text.replace(" ", ""))


@pytest.mark.parametrize("typed", sorted(SPAN_ORACLE))
def test_a_period_word_is_chosen_only_where_its_period_is_a_choice(typed):
    sales = ("day", "week", "month", "quarter", "year", "category", "item", "city", "tag")
    assert chosen(typed, sales) == SPAN_ORACLE[typed]
    assert chosen(typed, ("kind", "severity")) is None
    cohort = ("month", "quarter")
    assert chosen(typed, cohort) == (SPAN_ORACLE[typed] if SPAN_ORACLE[typed] in cohort else None)


BY_PERIODS = [
    (("report", "sales"), "日", "day"),
    (("report", "sales"), "天", "day"),
    (("report", "sales"), "按周", "week"),
    (("report", "sales"), "月", "month"),
    (("report", "sales"), "季", "quarter"),
    (("report", "sales"), "年", "year"),
    (("report", "sales"), "年度", "year"),
    (("report", "cohort"), "季度", "quarter"),
    (("report", "cohort"), "按月", "month"),
    (("report", "feedback"), "月", "month"),
    (("report", "satisfaction"), "每月", "month"),
    # spaces typed inside the word, an ASCII one or a full-width one (U+3000), are ignored
    (("report", "sales"), "按 季度", "quarter"),
    (("report", "cohort"), "按\u3000月", "month"),
]


# ASCII ids (`sales-day-1` for 天): pytest escapes non-ASCII ids= again in a second run in one
# process, and mutation testing names each test again by its id (bench/mutate.py).
@pytest.mark.parametrize(
    ("args", "typed", "key"),
    BY_PERIODS,
    ids=[f"{a[1]}-{k}-{i}" for i, (a, _, k) in enumerate(BY_PERIODS)],
)
def test_by_takes_a_period_as_chinese_names_it(demo, args, typed, key):
    wanted = ok(*args, "--by", key, "-f", "csv")
    for lang in LANGS:
        assert ok(*lang, *args, "--by", typed, "-f", "csv") == wanted


@pytest.mark.parametrize("typed", ["年", "日", "周"])
def test_a_period_a_report_does_not_group_by_is_refused_in_one_line(demo, typed):
    said = fails(2, "--lang", "zh", "report", "cohort", "--by", typed, db=demo)
    assert said == (
        f"crm: “--by”的值无效：“{typed}”不在可选值“月”（month）、“季度”（quarter）之中"
        "（见“crm report cohort --help”）\n"
    )


BY_CHOICES = [
    ("report", "sales"),
    ("report", "cohort"),
    ("report", "feedback"),
    ("report", "satisfaction"),
]


@pytest.mark.parametrize("args", BY_CHOICES, ids=[a[1] for a in BY_CHOICES])
def test_an_unknown_by_lists_the_words_a_person_may_type_and_each_is_read(demo, args):
    said = fails(2, "--lang", "zh", *args, "--by", "旬", db=demo)
    assert said.count("\n") == 1
    found = re.findall(r"“([^”]+)”（([a-z_]+)）", said.split("不在可选值", 1)[1])
    listed = [(key, spoken) for spoken, key in found]  # the word first, its key after it
    english = fails(2, "--lang", "en", *args, "--by", "旬", db=demo)
    keys = re.findall(r"'([a-z_]+)'", english.split("is not one of", 1)[1])
    assert [key for key, _ in listed] == keys  # every choice, each with its word
    for key, spoken in listed:
        assert not spoken.isascii()
        assert ok(*args, "--by", spoken, "-f", "csv") == ok(*args, "--by", key, "-f", "csv")


# --every and every other period: 每 + an optional count + 个 + a unit.
_DIGITS = "一二三四五六七八九"


def said_in_chinese(n: int, *, inner: bool = False) -> str:
    """1 to 9999 as Chinese writes it: 一, 十, 十二, 二十, 一百零五, 一百一十, 一千零一十 (two
    as 二; 两 is the caller's choice)."""
    for value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        if n >= value:
            head, rest = divmod(n, value)
            said = ("" if unit == "十" and head == 1 and not inner else _DIGITS[head - 1]) + unit
            if not rest:
                return said
            return said + ("零" if rest < value // 10 else "") + said_in_chinese(rest, inner=True)
    return _DIGITS[n - 1]


def with_liang(said: str) -> set[str]:
    """`said` with each 二 before 百 or 千 also as 两 (两百, 两千二百, 二千两百)."""
    found = {said}
    for unit in "百千":
        found |= {s.replace("二" + unit, "两" + unit) for s in found}
    return found


NUMBERS = {s: n for n in range(1, 10_000) for s in with_liang(said_in_chinese(n))} | {"两": 2}


@given(st.text(alphabet="零一二两三四五六七八九十百千", min_size=1, max_size=8))
@example("一百零五")
@example("一千零十")
@example("一百五")
@example("两十")
def test_a_chinese_number_is_read_exactly_as_the_oracle_says(text):
    assert dates.chinese_number(text) == NUMBERS.get(text)


@given(st.sampled_from(sorted(NUMBERS)))
def test_every_chinese_number_is_read(text):
    assert dates.chinese_number(text) == NUMBERS[text]


# unit word: (unit, size, 个 after a count: required / refused / either)
UNIT_WORDS = {
    "天": ("d", 1, "no"), "日": ("d", 1, "no"), "周": ("w", 1, "no"), "年": ("y", 1, "no"),
    "星期": ("w", 1, "either"), "礼拜": ("w", 1, "either"), "月": ("m", 1, "yes"),
    "季度": ("m", 3, "yes"),
}  # fmt: skip


@given(
    every=st.booleans(),
    count=st.none() | st.integers(1, 99) | st.integers(100, 9999),
    chinese=st.booleans(),
    two_as_liang=st.booleans(),
    ge=st.booleans(),
    word=st.sampled_from(sorted(UNIT_WORDS)),
    space=st.sampled_from(["", " ", "\u3000"]),
)
def test_a_chinese_period_is_read_as_the_oracle_says(
    every, count, chinese, two_as_liang, ge, word, space
):
    if count is None:
        said_count = ""
    elif count == 2 and two_as_liang:
        said_count = "两"
    else:
        said_count = said_in_chinese(count) if chinese else str(count)
    text = ("每" + space if every else "") + said_count + space + ("个" if ge else "") + word
    unit, size, takes_ge = UNIT_WORDS[word]
    if count is None:
        valid = every and not (ge and takes_ge == "no")
    elif said_count == "两" and takes_ge == "yes":  # 两月 names no month: 个 may be left out
        valid = True
    else:
        valid = takes_ge == "either" or (takes_ge == "yes") == ge
    if valid:
        assert dates.parse_period(text, repeat=True) == dates.Period((count or 1) * size, unit)
    else:
        with pytest.raises(InvalidInput):
            dates.parse_period(text, repeat=True)
    if every:  # 每 says how often: a length of time (`--within`) is never written with it
        with pytest.raises(InvalidInput):
            dates.parse_period(text)
    elif valid:
        assert dates.parse_period(text) == dates.Period((count or 1) * size, unit)


# Halves: (unit, how many of it a half is, how many one whole is), and the words.
HALVES = {"半个月": (15, "d"), "半月": (15, "d"), "半年": (6, "m")}


@given(
    every=st.booleans(),
    count=st.none() | st.integers(1, 9999),
    chinese=st.booleans(),
    years=st.booleans(),
    space=st.sampled_from(["", " "]),
)
def test_a_period_with_a_half_is_read_as_the_oracle_says(every, count, chinese, years, space):
    if count is None:
        word = "半年" if years else ("半个月" if chinese else "半月")
        text, wanted = word, dates.Period(*HALVES[word])
    else:
        said = said_in_chinese(count) if chinese else str(count)
        text = said + space + ("年半" if years else "个半月")
        wanted = dates.Period(count * 12 + 6, "m") if years else dates.Period(count * 30 + 15, "d")
    typed = ("每" + space if every else "") + text
    assert dates.parse_period(typed, repeat=True) == wanted
    if every:
        with pytest.raises(InvalidInput, match="says how often"):
            dates.parse_period(typed)
    else:
        assert dates.parse_period(typed) == wanted


@pytest.mark.parametrize(
    "typed", ["半", "每半", "半周", "半天", "半个年", "半个季度", "一个半", "每半个"]
)
def test_a_half_of_what_crm_does_not_halve_is_refused(typed):
    with pytest.raises(InvalidInput, match="is not a period"):
        dates.parse_period(typed, repeat=True)


@given(st.integers(1, 999), st.sampled_from("dwmy"))
def test_a_repeat_as_a_chinese_task_list_shows_it_reads_back(amount, unit):
    token = i18n.use("zh")
    try:
        shown = dates.StoredPeriod(f"{amount}{unit}").said()  # 每两周
    finally:
        i18n.reset(token)
    assert shown.startswith("每")
    assert dates.parse_period(shown, repeat=True) == dates.Period(amount, unit)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("每周", "1w"), ("每月", "1m"), ("每个月", "1m"), ("每年", "1y"), ("每两周", "2w"),
     ("每3天", "3d"), ("每季度", "3m"), ("每 2 周", "2w"), ("每天", "1d"), ("每半月", "15d"),
     ("每半个月", "15d"), ("每半年", "6m"), ("每一个半月", "45d"), ("每两月", "2m"),
     ("每一百天", "100d"), ("每十二周", "12w"), ("每两百天", "200d")],
)  # fmt: skip
def test_a_task_repeats_every_period_typed_in_chinese(db_path, typed, stored):
    add("张伟")
    for lang in LANGS:
        ok(*lang, "task", "add", "张伟", "回访", "--every", typed)
    assert rows(db_path, "SELECT DISTINCT every FROM tasks") == [(stored,)]


@pytest.mark.parametrize(
    "typed",
    ["每", "每3月", "一季度", "每个周", "每隔3天", "每0天", "月", "每一百五天", "每半周", "每零天"],
)
def test_a_repeat_that_is_no_period_is_refused_in_one_line(db_path, typed):
    add("张伟")
    said = fails(2, "--lang", "zh", "task", "add", "张伟", "回访", "--every", typed, db=db_path)
    assert f"“{typed}”" in said and said.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "typed", "instead"),
    [(("remind", "--within"), "每周", "1周"), (("remind", "--within"), "每两周", "两周"),
     (("task", "list", "--due-within"), "每个月", "1个月"), (("care", "--within"), "每 3 天", "3天"),
     (("report", "value", "--horizon"), "每年", "1年"), (("report", "value", "--horizon"), "每季度", "1个季度"),
     (("remind", "--within"), "每半月", "半个月"), (("care", "--within"), "每半年", "半年")],
)  # fmt: skip
def test_a_length_of_time_written_as_a_repeat_is_refused_with_the_length_to_write(
    demo, args, typed, instead
):
    said = fails(2, "--lang", "zh", *args, typed, db=demo)
    assert (
        said
        == f"crm: {args[-1]} “{typed}”是重复的频率，不是一段时间；请写{' ' * instead[0].isdigit()}{instead}\n"
    )
    english = fails(2, "--lang", "en", *args, typed, db=demo)
    assert english == f"crm: {args[-1]} '{typed}' says how often, not how long; write {instead}\n"
    wanted = ok(*args, instead, "-f", "json")
    assert ok("--lang", "zh", *args, instead, "-f", "json") == wanted


@pytest.mark.parametrize(("typed", "days"), [("每两周", 14), ("每个月", 30), ("每 10 天", 10)])
def test_a_contact_cadence_repeats_and_takes_every(db_path, typed, days):
    add("张伟")
    ok("--lang", "zh", "edit", "张伟", "--cadence", typed)
    assert rows(db_path, "SELECT cadence_days FROM customers") == [(days,)]


# Settings by the words a person says.
@pytest.mark.parametrize(
    ("typed", "stored"),
    [("中文", "zh"), ("简体中文", "zh"), ("汉语", "zh"), ("Chinese", "zh"), ("英文", "en"),
     ("英语", "en"), ("English", "en"), ("ENGLISH", "en"), ("zh_CN", "zh"), (" 中文 ", "zh")],
)  # fmt: skip
def test_a_language_is_set_by_its_name(db_path, typed, stored):
    for lang in LANGS:
        assert ok(*lang, "config", "set", "language", typed) == f"language = {stored}\n"
    assert rows(db_path, "SELECT value FROM settings WHERE key = 'language'") == [(stored,)]
    said = crm("--lang", typed, "help", "dates")
    assert said.exit_code == 0
    assert ("日期" in said.stdout) == (stored == "zh")


@pytest.mark.parametrize("typed", ["中", "法文", "繁体", "zhongwen", ""])
def test_a_language_crm_does_not_speak_is_refused(db_path, typed):
    ok("config", "set", "language", "en")
    said = fails(2, "--lang", "zh", "config", "set", "language", typed, db=db_path)
    # traditional Chinese by name is told which to use (tests/test_language.py)
    told = "；繁体中文请用 zh（crm 对 zh_TW、zh_HK 也以简体中文显示）" if "繁" in typed else ""
    assert said == f"crm: 未知语言“{typed}”；可用语言：英语（en）、中文（zh）{told}\n"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("万", "wan"), ("普通", "plain"), ("WAN", "wan"), ("万元", "wan"), ("元", "plain"), (" 万 元 ", "wan")],
)  # fmt: skip
def test_the_money_setting_takes_the_chinese_word(db_path, typed, stored):
    said = {"wan": "万", "plain": "普通"}[stored]  # in Chinese the word, as config list says it
    for lang in LANGS:
        echoed = ok(*lang, "config", "set", "money", typed)
        assert echoed == f"money = {said if lang == ('--lang', 'zh') else stored}\n", echoed
        assert ok("config", "get", "money") == f"{stored}\n"


def test_money_wan_for_one_command_is_typed_as_chinese_says_it(db_path):
    from tests.test_terminal import on_terminal

    add("张伟")
    ok("buy", "张伟", "年度服务", "123456")
    for typed in ("万", "万元"):
        code, lines = on_terminal("--money", typed, "purchases", columns=100)
        assert code == 0 and any("¥12.35万" in line for line in lines), lines
    code, lines = on_terminal("--money", "元", "purchases", columns=100)
    assert code == 0 and any("¥123,456.00" in line for line in lines), lines
    said = fails(2, "--lang", "zh", "config", "set", "money", "万元x", db=db_path)
    assert said == "crm: money 必须是普通（plain）或万（wan）；收到的是“万元x”\n"
    from tests.test_terminal import on_screen  # what a purchase recorded: every digit

    code, lines = on_screen("--money", "万", "buy", "张伟", "测试", "12345.67", columns=100)
    assert code == 0 and lines[-1].endswith("¥12,345.67") and "万" not in lines[-1], lines


# Amounts and currencies by their Chinese names.
def test_every_chinese_currency_name_cldr_gives_is_read_as_its_code():
    from babel import Locale

    names = Locale("zh").currencies
    for code in set(money.NAMES.values()):
        assert money.NAMES[names[code]] == code, code
        assert money.parse(f"100{names[code]}") == money.Money(
            money.to_minor(Decimal(100), code), code
        )
        assert money.currency_code(names[code]) == code


EVERYDAY = {"元": "CNY", "块": "CNY", "块钱": "CNY", "人民币": "CNY", "美元": "USD", "美金": "USD",
            "欧元": "EUR", "日元": "JPY", "港币": "HKD", "港元": "HKD"}  # fmt: skip


@given(
    whole=st.integers(0, 10**6),
    cents=st.integers(0, 99),
    name=st.sampled_from(sorted(EVERYDAY)),
    before=st.booleans(),
    space=st.sampled_from(["", " "]),
    negative=st.booleans(),
)
def test_an_amount_with_a_chinese_currency_name_is_exact(
    whole, cents, name, before, space, negative
):
    code = EVERYDAY[name]
    number = f"{whole}" if code == "JPY" else f"{whole}.{cents:02d}"
    sign = "-" if negative else ""
    text = f"{sign}{name}{space}{number}" if before else f"{sign}{number}{space}{name}"
    value = Decimal(f"{sign}{number}")
    assert money.parse(text) == money.Money(int(value.scaleb(money.EXPONENTS[code])), code)


@pytest.mark.parametrize(
    ("typed", "minor", "currency"),
    [("100美元", 10000, "USD"), ("100元", 10000, "CNY"), ("100块", 10000, "CNY"),
     ("100人民币", 10000, "CNY"), ("3000日元", 3000, "JPY"), ("80港币", 8000, "HKD"),
     ("1.2万日元", 12000, "JPY"), ("9.9欧元", 990, "EUR")],
)  # fmt: skip
def test_a_purchase_in_a_currency_named_in_chinese_is_stored_in_its_code(
    db_path, typed, minor, currency
):
    add("张伟")
    for lang in LANGS:
        ok(*lang, "buy", "张伟", "茶叶", typed)
    assert rows(db_path, "SELECT DISTINCT amount_minor, currency FROM purchases") == [
        (minor, currency)
    ]


def test_currency_options_and_the_setting_take_chinese_names(db_path):
    add("张伟")
    ok("buy", "张伟", "茶叶", "100", "--currency", "美元")
    ok("config", "set", "default_currency", "港币")
    ok("buy", "张伟", "茶叶", "50")
    assert rows(db_path, "SELECT amount_minor, currency FROM purchases ORDER BY id") == [
        (10000, "USD"), (5000, "HKD")
    ]  # fmt: skip
    listed = json.loads(ok("purchases", "--currency", "美金", "-f", "json"))
    assert [p["currency"] for p in listed] == ["USD"]
    said = fails(
        2, "--lang", "zh", "buy", "张伟", "茶叶", "100美元", "--currency", "欧元", db=db_path
    )
    assert said == "crm: 金额“100美元”的币种是 USD，不是 EUR\n"
    said = fails(2, "--lang", "zh", "buy", "张伟", "茶叶", "100美分", db=db_path)
    assert said.startswith("crm: 不是金额：“100美分”") and said.count("\n") == 1


# Click's own errors and every help text in Chinese quote as Chinese prose does.
_CJK = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]"


def ascii_quoted_chinese(text: str) -> list[str]:
    """Spans of `text` in ASCII quotes that hold Chinese and stand in prose (not on a line
    that shows a command, `crm ...` or `--where "城市 = 上海"`), and `R x F` for ×."""
    found = []
    for match in re.finditer(r"(['\"])([^'\"\n]*)\1", text):
        line = text[: match.start()].rsplit("\n", 1)[-1].rstrip(" ")
        if "crm " in line or "--" in line or not re.search(_CJK, match[2]):
            continue
        if not line or re.match(_CJK, line[-1]):
            found.append(match[0])
    return found + re.findall(r"\b[A-Z] x [A-Z]\b", text)


def test_the_scan_finds_what_it_is_for():
    assert ascii_quoted_chinese("例如 '签约周年'。") == ["'签约周年'"]
    assert ascii_quoted_chinese("按 R x F 网格") == ["R x F"]
    assert ascii_quoted_chinese('示例：crm add "张伟"\n- --where "城市 = 上海"') == []
    assert ascii_quoted_chinese("例如“签约周年”；'none' 停止") == []


def test_no_chinese_help_quotes_chinese_text_in_ascii_quotes():
    from tests.catalog import help_msgids

    catalog = i18n.catalog("zh")
    found = {m: f for m in help_msgids() if (f := ascii_quoted_chinese(catalog.gettext(m)))}
    assert found == {}


@pytest.mark.parametrize(
    "args",
    [("show",), ("list", "-f", "x"), ("list", "--limit", "x"), ("list", "--limit", "-1"),
     ("list", "--bogus"), ("list", "--limt", "1"), ("show", "1", "2"), ("nosuch",),
     ("completion",), ("report", "sales", "--by", "城"), ("list", "--limit"), ("care", "rule")],
)  # fmt: skip
def test_a_chinese_usage_error_has_no_ascii_quotes(db_path, args):
    said = fails(2, "--lang", "zh", *args)
    assert said.count("\n") == 1
    assert "'" not in said and '"' not in said, said


# A festival's day: 12月25日, 十二月二十五, and lunar days as Chinese writes them.
_LONGEST = {"gregorian": (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31), "lunar": (30,) * 12}
_LUNAR_MONTHS = {1: "正", 11: "冬", 12: "腊"}


@given(
    option=st.sampled_from(["gregorian", "lunar"]),
    month=st.integers(1, 13),
    day=st.integers(1, 32),
    month_style=st.sampled_from(["digits", "chinese", "lunar"]),
    day_style=st.sampled_from(["digits", "chinese", "lunar"]),
    suffix=st.sampled_from(["", "日", "号"]),
    prefix=st.sampled_from(["", "农历", "lunar:"]),
)
@example(  # 八月十五 under --date: a lunar day
    option="gregorian", month=8, day=15, month_style="chinese", day_style="chinese", suffix="",
    prefix="",
)  # fmt: skip
@example(  # 八月十五日: a Gregorian one
    option="gregorian", month=8, day=15, month_style="chinese", day_style="chinese",
    suffix="日", prefix="",
)  # fmt: skip
def test_a_festival_day_in_chinese_is_read_as_the_oracle_says(
    option, month, day, month_style, day_style, suffix, prefix
):
    from crmcli.core.festivals import festival_day

    lunar_month = month_style == "lunar" and month in _LUNAR_MONTHS
    said_month = (
        _LUNAR_MONTHS[month]
        if lunar_month
        else str(month)
        if month_style == "digits" or month > 99
        else said_in_chinese(month)
    )
    lunar_day = day_style == "lunar" and (day <= 10 or 20 <= day <= 30)
    if lunar_day:
        said_day = f"初{said_in_chinese(day)}" if day <= 10 else "卅" if day == 30 else "廿"
        said_day += said_in_chinese(day - 20) if 20 < day < 30 else ""
    else:
        said_day = str(day) if day_style == "digits" else said_in_chinese(day)
    text = f"{prefix}{said_month}月{said_day}{suffix}"
    # 八月十五, 五月初五: a month and day in Chinese numerals without 日/号 name a lunar day
    in_words = month_style != "digits" and day_style != "digits" and not suffix
    calendar = (
        "lunar" if option == "lunar" or prefix or lunar_month or lunar_day or in_words else option
    )
    if month <= 12 and day <= _LONGEST[calendar][month - 1]:
        assert festival_day(text, option, "--date") == (calendar, month, day)
    else:
        with pytest.raises(InvalidInput):
            festival_day(text, option, "--date")


@pytest.mark.parametrize(
    ("args", "calendar", "month", "day"),
    [(("--date", "12月22日"), "gregorian", 12, 22), (("--date", "十二月二十五号"), "gregorian", 12, 25),
     (("--date", "8月15日"), "gregorian", 8, 15), (("--date", "8月15号"), "gregorian", 8, 15),
     (("--date", "八月十五日"), "gregorian", 8, 15), (("--date", "8月15"), "gregorian", 8, 15),
     (("--date", "八月十五"), "lunar", 8, 15), (("--date", "五月初五"), "lunar", 5, 5),
     (("--date", "十二月二十五"), "lunar", 12, 25),
     (("--date", "腊月初八"), "lunar", 12, 8), (("--date", "农历八月十五"), "lunar", 8, 15),
     (("--lunar", "八月十五"), "lunar", 8, 15), (("--lunar", "正月十五"), "lunar", 1, 15),
     (("--lunar", "冬月廿三"), "lunar", 11, 23)],
)  # fmt: skip
def test_a_festival_of_ones_own_is_added_on_a_day_written_in_chinese(
    db_path, args, calendar, month, day
):
    for number, lang in enumerate(LANGS):
        ok(*lang, "care", "festival", "add", f"节日{number}", *args)
    assert rows(db_path, "SELECT DISTINCT calendar, month, day FROM custom_festivals") == [
        (calendar, month, day)
    ]
    listed = json.loads(ok("care", "festival", "list", "--format", "json"))
    mine = [(f["festival"], f["calendar"]) for f in listed if f["is_custom"]]
    assert mine == [(f"节日{n}", calendar) for n in range(len(LANGS))]


def test_the_mid_autumn_day_typed_in_chinese_is_listed_with_the_mid_autumn_festival(db_path):
    ok("care", "festival", "add", "中秋拜访", "--date", "八月十五")
    ok("care", "festival", "add", "八月节", "--date", "8月15日")
    listed = json.loads(ok("care", "festival", "list", "--format", "json"))
    falls = {f["festival"]: (f["falls_on"], f["calendar"]) for f in listed}
    assert falls["中秋拜访"] == falls["mid-autumn"] == ("2027-09-15", "lunar")
    assert falls["八月节"] == ("2027-08-15", "gregorian")
    table = ok("--lang", "zh", "care", "festival", "list")
    assert re.search(r"2027-09-15  中秋拜访 +农历 ", table), table


@pytest.mark.parametrize(
    ("args", "said"),
    [(("--date", "2月30日"), "crm: --date “2月30日”不是任何一年的月日；请写月-日，例如 12-25 或 12月25日\n"),
     (("--date", "十三月一日"), "crm: --date “十三月一日”不是任何一年的月日；请写月-日，例如 12-25 或 12月25日\n"),
     (("--date", "十三月初一"),
      "crm: --date “十三月初一”不是任何一年的农历月日；请写月-日，例如 08-15 或 八月十五、腊月初八\n"),
     (("--date", "八月三十一"),
      "crm: --date “八月三十一”不是任何一年的农历月日；请写月-日，例如 08-15 或 八月十五、腊月初八\n"),
     (("--date", "腊月三十一"),
      "crm: --date “腊月三十一”不是任何一年的农历月日；请写月-日，例如 08-15 或 八月十五、腊月初八\n"),
     (("--lunar", "闰四月初一"),
      "crm: --lunar “闰四月初一”不是任何一年的农历月日；请写月-日，例如 08-15 或 八月十五、腊月初八\n")],
)  # fmt: skip
def test_a_festival_day_no_year_has_is_refused_in_one_line(db_path, args, said):
    ok("config", "set", "language", "zh")
    assert fails(2, "care", "festival", "add", "节日", *args, db=db_path) == said


# --since and --until: a month, a quarter or a year, from its first day or to its last.
def _last_day(year: int, month: int) -> date:
    import calendar

    return date(year, month, calendar.monthrange(year, month)[1])


@given(
    year=st.integers(1000, 2999),
    quarter=st.integers(1, 4),
    form=st.sampled_from(["{y}Q{q}", "{y}-Q{q}", "{y} q{q}", "{y}年第{q}季度", "{y}年{q}季度",
                          "{y}年第{c}季度", "{y}年{c}季度", "{y}年Q{q}", "{y}年第{q}季"]),
)  # fmt: skip
def test_a_quarter_is_its_first_and_last_day(year, quarter, form):
    text = form.format(y=year, q=quarter, c="一二三四"[quarter - 1])
    wanted = (date(year, quarter * 3 - 2, 1), _last_day(year, quarter * 3))
    assert dates.parse_span(text, date(2026, 11, 22)) == wanted


@given(year=st.integers(1000, 2999), month=st.integers(1, 12), iso=st.booleans())
def test_a_month_is_its_first_and_last_day(year, month, iso):
    text = f"{year}-{month:02d}" if iso else f"{year}年{month}月"
    assert dates.parse_span(text, date(2026, 11, 22)) == (
        date(year, month, 1),
        _last_day(year, month),
    )


RELATIVE = {"本月": (0, 1), "上个月": (-1, 1), "上月": (-1, 1), "下个月": (1, 1), "last month": (-1, 1),
            "本季度": (0, 3), "上季度": (-1, 3), "上个季度": (-1, 3), "this quarter": (0, 3),
            "今年": (0, 12), "去年": (-1, 12), "last year": (-1, 12)}  # fmt: skip


@given(today=st.dates(date(1001, 1, 1), date(2998, 12, 31)), word=st.sampled_from(sorted(RELATIVE)))
def test_a_month_quarter_or_year_relative_to_today(today, word):
    step, months = RELATIVE[word]
    index = today.year * 12 + today.month - 1  # months since year 0
    start = index - index % months + step * months
    end = start + months - 1
    wanted = (date(start // 12, start % 12 + 1, 1), _last_day(end // 12, end % 12 + 1))
    assert dates.parse_span(word, today) == wanted


WEEKS = {"本周": 0, "这周": 0, "这个星期": 0, "this week": 0, "上周": -1, "上个星期": -1,
         "上礼拜": -1, "last week": -1, "下周": 1, "下星期": 1}  # fmt: skip


@given(today=st.dates(date(1001, 1, 8), date(2998, 12, 24)), word=st.sampled_from(sorted(WEEKS)))
def test_a_week_runs_from_monday_to_sunday(today, word):
    first, last = dates.parse_span(word, today)
    assert first.weekday() == 0 and last - first == timedelta(days=6)
    assert first <= today + timedelta(weeks=WEEKS[word]) <= last


@given(today=st.dates(date(1000, 1, 1), date(2999, 12, 31)), month=st.integers(1, 12),
       form=st.sampled_from(["{n}月", "{n}月份", "{c}月", "{c} 月份", "{w}月"]))  # fmt: skip
def test_a_month_without_its_year_is_this_years(today, month, form):
    said = "一二三四五六七八九十"[month - 1] if month <= 10 else "十" + "一二"[month - 11]
    text = form.format(n=month, c=said, w=chr(ord("０") + month) if month < 10 else month)
    assert dates.parse_span(text, today) == (
        date(today.year, month, 1),
        _last_day(today.year, month),
    )


@pytest.mark.parametrize("text", ["2026-11-22", "2026年11月22日", "fri", "2026", "-3m", "上周五",
                                  "两月", "正月", "腊月", "周", "上上周"])  # fmt: skip
def test_a_day_is_no_span(text):
    assert dates.parse_span(text, date(2026, 11, 22)) is None


@pytest.mark.parametrize(
    ("since", "until", "first", "last"),
    [("2026年第3季度", "2026年第3季度", "2026-07-01", "2026-09-30"),
     ("2026Q3", "2026Q3", "2026-07-01", "2026-09-30"),
     ("2026年4季度", None, "2026-10-01", None),
     ("2026年10月", "2026年10月", "2026-10-01", "2026-10-31"),
     ("上个月", "上个月", "2026-10-01", "2026-10-31"),
     ("本季度", None, "2026-10-01", None),
     ("十月", "10月份", "2026-10-01", "2026-10-31"),
     ("上周", "上周", "2026-11-09", "2026-11-15"),
     ("这周", None, "2026-11-16", None)],
)  # fmt: skip
def test_since_and_until_take_a_month_or_a_quarter(demo, since, until, first, last):
    wanted = ok("report", "sales", "--by", "day", "--since", first,
                *(("--until", last) if last else ()), "-f", "csv")  # fmt: skip
    assert wanted.count("\n") > 2
    for lang in LANGS:
        typed = ok(*lang, "report", "sales", "--by", "day", "--since", since,
                   *(("--until", until) if until else ()), "-f", "csv")  # fmt: skip
        assert typed == wanted


@pytest.mark.parametrize(
    ("typed", "said"),
    [("2026年13月", "crm: 不是日期：“2026年13月”（没有这个月份）；"),
     ("2026Q5", "crm: 不是日期：“2026Q5”；"), ("十三月", "crm: 不是日期：“十三月”（没有这个月份）；"),
     ("0月", "crm: 不是日期：“0月”（没有这个月份）；"), ("两月", "crm: --since “两月”是一段时长，不是日期；"),
     ("0999年", "crm: 日期“0999年”不在 1000 到 2999 年之间")],
)  # fmt: skip
def test_a_span_that_is_none_is_refused_in_one_line(demo, typed, said):
    refused = fails(2, "--lang", "zh", "report", "sales", "--since", typed, db=demo)
    assert refused.startswith(said) and refused.count("\n") == 1, refused


@pytest.mark.parametrize(
    ("since", "until", "first", "last"),
    [("本月", None, "2026-11-01", None), (None, "上个月", None, "2026-10-31"),
     ("2026Q4", "2026年第4季度", "2026-10-01", "2026-12-31")],
)  # fmt: skip
def test_created_since_and_until_take_a_month_or_a_quarter(demo, since, until, first, last):
    def picked(since: str | None, until: str | None) -> str:
        return ok("list", *(("--created-since", since) if since else ()),
                  *(("--created-until", until) if until else ()), "-q")  # fmt: skip

    wanted = picked(first, last)
    assert 0 < len(wanted.split()) < len(ok("list", "-q").split())  # some in, some out
    assert picked(since, until) == wanted


@pytest.mark.parametrize(("typed", "day"), [("上个月", "2026-10-31"), ("2026年第3季度", "2026-09-30"),
                                           ("去年", "2025-12-31")])  # fmt: skip
def test_as_of_a_month_quarter_or_year_is_its_last_day(demo, typed, day):
    wanted = ok("report", "rfm", "--as-of", day, "-f", "json")
    assert json.loads(wanted)["as_of"] == day
    for lang in LANGS:
        assert ok(*lang, "report", "rfm", "--as-of", typed, "-f", "json") == wanted


@pytest.mark.parametrize(
    "typed", ["本月", "本季度", "今年", "this quarter", "2026年第4季度", "2026年"]
)
def test_as_of_a_period_still_running_is_today(demo, typed):
    wanted = ok("report", "rfm", "-f", "json")
    assert json.loads(wanted)["as_of"] == "2026-11-22"
    for lang in LANGS:
        assert ok(*lang, "report", "rfm", "--as-of", typed, "-f", "json") == wanted


@pytest.mark.parametrize(
    ("typed", "said"),
    [("下个月", "crm: --as-of “下个月”还没到\n"), ("明年", "crm: --as-of “明年”还没到\n"),
     ("2026-12-31", "crm: --as-of “2026-12-31”还没到\n")],
)  # fmt: skip
def test_as_of_a_period_or_day_after_today_is_refused_as_typed(demo, typed, said):
    assert fails(2, "--lang", "zh", "report", "rfm", "--as-of", typed, db=demo) == said
    said = fails(2, "--lang", "en", "dashboard", "--as-of", typed, db=demo)
    assert said == f"crm: --as-of '{typed}' is in the future\n"


# A command named in Chinese prose: set in “…” as the framework's own lines do (见“crm list
# --help”), never in ASCII quotes or backticks; bare only where it stands alone, as typed: an
# example line, after a colon, at a line's or a bullet's start, or alone in parentheses.
_WORD = (
    r"(?:命令行类型|[A-Za-z0-9_{}./=:+\-]+|编号|文件|名称|主题|客户|旧标签|新标签|张伟|月-日|命令)"
)
_COMMAND = rf"crm(?: {_WORD})+"


def commands_not_quoted_as_chinese_prose(text: str) -> list[str]:
    """The commands in `text` that Chinese prose touches without “…” around them."""
    found = []
    for line in text.split("\n"):
        if re.match(r"\s*(示例|\$ |mkdir |crm )", line):
            continue
        found += re.findall(rf"[`'\"]{_COMMAND}[`'\"]", line)
        found += re.findall(r"[`'\"]crm: [`'\"]", line)  # the start of crm's error lines
        for match in re.finditer(rf"(?<![“\w`'\"]){_COMMAND}(?![\w”`'\"])", line):
            before, after = line[: match.start()], line[match.end() :]
            alone = before.endswith("（") and after.startswith("）")
            if alone or re.fullmatch(r"\s*(- )?", before) or before.endswith(("：", "1-5 ")):
                continue
            found.append(match[0])
    return found


def test_the_command_scan_finds_what_it_is_for():
    assert commands_not_quoted_as_chinese_prose("请用 'crm task add' 安排") == ["'crm task add'"]
    assert commands_not_quoted_as_chinese_prose("用 `crm undelete` 恢复") == ["`crm undelete`"]
    assert commands_not_quoted_as_chinese_prose("见\n`crm 命令 --help`。") == ["`crm 命令 --help`"]
    assert commands_not_quoted_as_chinese_prose('以 "crm: " 开头') == ['"crm: "']
    assert commands_not_quoted_as_chinese_prose("请先 crm date delete 3，再") == [
        "crm date delete 3"
    ]
    assert commands_not_quoted_as_chinese_prose("（crm import customers 还可读 vcard）") == [
        "crm import customers"
    ]
    assert (
        commands_not_quoted_as_chinese_prose(
            "请用“crm task add”安排；（crm history）\n示例：crm add 张伟\n- crm forget 删除\n"
            "提示：crm remind\n  crm log 电话 张伟"
        )
        == []
    )


def test_every_chinese_message_quotes_a_command_in_prose_one_way():
    from babel.messages.pofile import read_po

    from tests.catalog import LOCALE

    with open(LOCALE / "zh" / "LC_MESSAGES" / "crm.po", "rb") as file:
        catalog = read_po(file)
    found = {
        m.id: f for m in catalog if m.id and (f := commands_not_quoted_as_chinese_prose(m.string))
    }
    assert found == {}


def test_chinese_help_writes_a_lunar_date_as_chinese_does_and_it_is_read(db_path):
    from tests.catalog import help_msgids

    catalog = i18n.catalog("zh")
    assert [m for m in help_msgids() if "lunar:" in catalog.gettext(m)] == []
    assert "农历2020-03-10" in ok("--lang", "zh", "date", "add", "--help")
    assert "农历1990-08-15" in ok("--lang", "zh", "add", "--help")
    add("张伟")
    for number, typed in enumerate(["lunar:2020-03-10", "农历2020-03-10", "农历:2020-03-10",
                                    "农历：2020-03-10"]):  # fmt: skip
        ok("--lang", "zh", "date", "add", "张伟", f"签约{number}", typed, "--yearly")
    assert rows(db_path, "SELECT DISTINCT date_on, date_lunar FROM important_dates") == [
        ("2020-04-02", "2020-03-10")
    ]
    ok("edit", "张伟", "--birthday", "农历:1990-闰05-29")
    assert rows(db_path, "SELECT birthday_lunar FROM customers") == [("1990-闰05-29",)]
    said = fails(2, "--lang", "zh", "edit", "张伟", "--birthday", "农历1990", db=db_path)
    assert said == (
        "crm: 不是农历日期：“1990”；请写 农历年-月-日，例如 农历1990-08-15 或 农历1990年八月十五；"
        "闰月写 农历1990-闰06-15\n"
    )


# --unset takes a field by the header a Chinese table shows it under, as its help lists it.
def test_unset_takes_a_field_by_its_chinese_name(db_path):
    add("张伟", "--city", "上海", "--birthday", "1990-08-15")
    ok("buy", "张伟", "茶叶", "100", "--note", "送货上门", "--category", "茶", "--order", "SO-1")
    ok("log", "call", "张伟", "回电", "--channel", "微信")
    assert "品类、支付方式、订单号、备注或单价" in ok("--lang", "zh", "purchase", "edit", "--help")
    ok("purchase", "edit", "1", "--unset", "备注", "--unset", "订单号")
    ok("--lang", "zh", "interaction", "edit", "1", "--unset", "渠道")
    ok("edit", "张伟", "--unset", "城市", "--unset", "生日")
    assert rows(db_path, "SELECT category, note, order_ref FROM purchases") == [("茶", None, None)]
    assert rows(db_path, "SELECT channel FROM interactions") == [(None,)]
    assert rows(db_path, "SELECT city, birthday FROM customers") == [(None, None)]
    said = fails(2, "--lang", "zh", "purchase", "edit", "1", "--unset", "城市", db=db_path)
    assert said.startswith("crm: --unset ") and "“城市”" in said and said.count("\n") == 1
    assert rows(db_path, "SELECT category FROM purchases") == [("茶",)]


# English left in Chinese help: only what a user types as it is or a name that has no
# Chinese. Words of the click tree (commands, options, choices) and crm's stored keys are
# known; these are the rest, each of a kind a Chinese user types or reads as it is.
TYPED_AS_IS = {
    # values of options that take them as typed (formats, shells, colours, models, topics)
    "csv", "tsv", "json", "jsonl", "ics", "bash", "zsh", "fish", "auto", "always", "never",
    "bgnbd", "mbgnbd", "dates", "filters", "formats", "exit", "privacy", "zh", "en", "m",
    "gb", "backups", "language", "rename",
    # names of programs, products and formats
    "Excel", "Gamma", "Google", "Outlook", "SQLCipher", "SQLite", "crmcli", "cron", "crontab",
    "docs", "less", "pip", "install", "roff", "scipy", "whatsapp",
}  # fmt: skip


def english_in_chinese_help() -> dict[str, str]:
    """Each English word in the Chinese help of the click tree that is none of the words a
    user types (commands, options, their choices, crm's keys, TYPED_AS_IS), an acronym, in
    a quoted command or on a line that shows one, with the first line it is on."""
    import click
    from typer.main import get_command

    from crmcli.cli import app
    from crmcli.core.vocabulary import WORDS
    from tests.catalog import help_msgids

    known = set(TYPED_AS_IS)

    def walk(command: click.Command) -> None:
        known.update(re.findall(r"[A-Za-z]+", command.name or ""))
        for param in command.params:
            for name in [*param.opts, *param.secondary_opts]:
                known.update(re.findall(r"[A-Za-z]+", name))
            if isinstance(getattr(param, "type", None), click.Choice):
                for choice in param.type.choices:
                    known.update(re.findall(r"[A-Za-z]+", str(getattr(choice, "value", choice))))
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(get_command(app))
    for column, words in WORDS.items():
        known.update(re.findall(r"[A-Za-z]+", " ".join([column, *words])))
    catalog = i18n.catalog("zh")
    found: dict[str, str] = {}
    for msgid in sorted(help_msgids()):
        for line in catalog.gettext(msgid).split("\n"):
            if re.match(r"\s*(示例|\$ |mkdir |crm )", line):
                continue
            for word in re.findall(r"(?<![\w.$/-])[A-Za-z]+", re.sub("“crm [^”]*”", "", line)):
                if word not in known and word.lower() not in known and not word.isupper():
                    found.setdefault(word, line.strip())
    return found


def test_chinese_help_has_no_english_prose():
    assert english_in_chinese_help() == {}


# A day or a period that starts or ends a range (--since, --until, --as-of): a refusal names
# both, and every example it gives is read.
BOUNDS = [(("report", "sales", "--since"),), (("report", "sales", "--until"),),
          (("report", "rfm", "--as-of"),), (("list", "--created-since"),), (("report", "churn", "--as-of"),)]  # fmt: skip


@pytest.mark.parametrize("typed", ["第5季度", "2026年13月", "十三月", "旬", "2026年第5季度", "Q4"])
@pytest.mark.parametrize(("args",), BOUNDS, ids=lambda a: " ".join(a))
def test_a_bound_that_is_neither_a_day_nor_a_period_says_both_in_one_line(demo, args, typed):
    english = fails(2, "--lang", "en", *args, typed, db=demo)
    assert english.startswith(f"crm: not a date: '{typed}'")
    assert english.endswith(
        "; use a day such as 2026-11-22, Jan 5, 11月22日, yesterday, last fri or -2w, or a week, "
        "month, quarter or year such as last month, 2026-11, 2026Q4, 2026年第4季度 or 上个月 "
        "(see docs/conventions.md)\n"
    )
    chinese = fails(2, "--lang", "zh", *args, typed, db=demo)
    assert chinese.startswith(f"crm: 不是日期：“{typed}”")
    assert chinese.endswith(
        "；日期可写成 昨天、上周五、2周前、11月22日 或 2026-11-22，也可写 yesterday、last fri、-2w；"
        "也可以是整周、整月、整季度或整年，如 上周、上个月、本季度、2026年11月、2026年第4季度、2026Q4、今年、"
        "上半年，或到今天为止的最近几天，如 近7天、近3个月、近半年"
        "（见 docs/conventions.md）\n"
    )


@pytest.mark.parametrize(
    "typed",
    ["2026-11-22", "Jan 5", "11月22日", "yesterday", "last fri", "-2w", "last month", "2026-11",
     "2026Q4", "2026年第4季度", "上个月", "昨天", "上周五", "2周前", "上周", "2026年11月", "今年",
     "本季度", "上半年", "近7天", "近3个月", "近半年"],
)  # fmt: skip
def test_each_day_and_period_a_bound_refusal_gives_is_read(typed):
    today = date(2026, 11, 22)
    first = dates.parse_bound(typed, today, last=False, option="--since")
    last = dates.parse_bound(typed, today, last=True, option="--until")
    assert date(2025, 11, 1) <= first <= last <= date(2026, 12, 31)


def test_a_bound_keeps_its_other_refusals(demo):
    """Only the forms to use change: an ambiguous day, a time, a year out of range say
    what they said."""
    assert fails(2, "report", "sales", "--since", "1/5", db=demo).startswith("crm: ambiguous date")
    said = fails(2, "report", "sales", "--since", "2026-10-01 15:00", db=demo)
    assert (
        said
        == "crm: --since takes a day, not a time of day: '2026-10-01 15:00'; write the day alone, e.g. 2026-10-01\n"
    )
    said = fails(2, "report", "sales", "--since", "0999年", db=demo)
    assert said == "crm: date '0999年' is outside the years 1000 to 2999\n"


@pytest.mark.parametrize(
    "command",
    [("report", "sales"), ("interactions",), ("purchases",), ("survey", "list"),
     ("report", "satisfaction"), ("export", "purchases")],
)  # fmt: skip
@pytest.mark.parametrize("typed", ["下个月", "明天", "下周三", "tomorrow"])
def test_since_a_day_or_period_after_today_is_refused_not_an_empty_listing(demo, command, typed):
    said = fails(2, "--lang", "zh", *command, "--since", typed, db=demo)
    assert said == f"crm: --since “{typed}”还没到\n"
    said = fails(2, "--lang", "en", *command, "--since", typed, db=demo)
    assert said == f"crm: --since '{typed}' is in the future\n"


def test_since_today_and_until_after_today_still_list(demo):
    for lang in LANGS:
        for since, until in [("今天", None), ("today", None), ("本月", "下个月"), ("-1m", "明天")]:
            extra = ("--until", until) if until else ()
            listed = ok(*lang, "interactions", "--since", since, *extra, "-f", "json")
            assert isinstance(json.loads(listed), list)
    wanted = ok("report", "sales", "--since", "本月", "-f", "json")
    assert ok("report", "sales", "--since", "本月", "--until", "下个月",
              "-f", "json") == wanted  # fmt: skip
    assert json.loads(wanted)


@pytest.mark.parametrize("typed", ["明天", "下个月", "tomorrow"])
def test_created_since_after_today_is_refused(demo, typed):
    said = fails(2, "--lang", "zh", "list", "--created-since", typed, db=demo)
    assert said == f"crm: --created-since “{typed}”还没到\n"
    said = fails(2, "--lang", "en", "list", "--created-since", typed, db=demo)
    assert said == f"crm: --created-since '{typed}' is in the future\n"
