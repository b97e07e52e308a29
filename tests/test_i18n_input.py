"""A Chinese user types back the words crm shows: stages, interaction kinds, lifecycles,
field names as table headers, amounts in 万. They are read in any language (a script
written in Chinese runs under LANG=C too) and stored as the English keys; an unknown word
is one line, exit 2, listing the keys with the user's words beside them. And the columns a
user needs (a task's number, a customer's lifecycle) stay on a narrow Chinese terminal."""

import json
import sqlite3
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.core import i18n, money
from crmcli.core.errors import InvalidInput
from crmcli.core.vocabulary import NAMED_FIELDS, WORDS, understood, word
from tests.conftest import add, crm, examples, fails, filled_once, ids, ok, rows
from tests.test_terminal import on_terminal


@pytest.mark.parametrize("lang", [(), ("--lang", "en"), ("--lang", "zh")])
def test_a_stage_and_a_kind_typed_as_chinese_shows_them_are_stored_as_keys(db_path, lang):
    add("张伟", "--city", "上海")
    ok(*lang, "stage", "张伟", "成交客户")
    ok(*lang, "log", "电话", "张伟", "问了报价")
    ok(*lang, "log", "会面", "张伟", "见面聊了")
    assert rows(db_path, "SELECT stage FROM customers") == [("customer",)]
    assert rows(db_path, "SELECT kind FROM interactions ORDER BY id") == [("call",), ("meeting",)]
    listed = json.loads(ok(*lang, "interactions", "--kind", "邮件", "--kind", "电话", "-f", "json"))
    assert [r["kind"] for r in listed] == ["call"]


def test_filters_take_the_words_and_headers_a_chinese_table_shows(db_path):
    zw = add("张伟", "--city", "上海", "--kind", "person")
    ln = add("李娜", "--city", "北京", "--company", "蓝海", "--kind", "org")
    ok("stage", "李娜", "忠实客户")
    assert ids("--stage", "忠实客户") == [ln]
    assert ids("--where", "城市 = 上海") == [zw]
    assert ids("--where", "阶段 = 忠实客户") == [ln]
    assert ids("--where", "类型 = 机构") == [ln]
    assert ids("--where", "类型 != 机构") == [zw]
    assert ids("--kind", "个人") == [zw]
    assert ids("--sort", "-城市") == [ln, zw]  # by code point: 上 before 北
    assert ids("--sort", "城市") == [zw, ln]
    assert ids("--lifecycle", "流失风险") == []
    fields = json.loads(ok("list", "--fields", "姓名,城市", "-f", "json"))
    assert fields == [{"name": "张伟", "city": "上海"}, {"name": "李娜", "city": "北京"}]


@pytest.mark.parametrize("lang", [(), ("--lang", "zh")])
def test_set_names_a_field_by_the_header_a_chinese_table_shows(db_path, lang):
    add("阿伟", "--city", "上海")
    ok(*lang, "edit", "阿伟", "--set", "城市=杭州", "--set", "偏好渠道=微信", "--set", "备注=老客户",
       "--set", "电话=+8613800138000", "--set", " 邮箱 =a@b.cn", "--set", "生日=1990-01-02")  # fmt: skip
    assert rows(db_path, "SELECT city, preferred_channel, notes, birthday FROM customers") == [
        ("杭州", "wechat", "老客户", "1990-01-02")
    ]
    assert rows(db_path, "SELECT phone FROM customer_phones") == [("+8613800138000",)]
    assert rows(db_path, "SELECT email FROM customer_emails") == [("a@b.cn",)]
    assert rows(db_path, "SELECT count(*) FROM customer_fields") == [(0,)]


def _older_field(db_path, customer_id: int, key: str, value: str) -> None:
    """A user-defined field named as a header, as a crm that took such names kept it."""
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "INSERT INTO customer_fields (customer_id, key, value) VALUES (?, ?, ?)",
            (customer_id, key, value),
        )
    conn.close()


def test_set_names_the_built_in_field_a_header_says_before_a_user_field_so_named(db_path):
    _older_field(db_path, add("阿伟", "--city", "上海"), "城市", "老家")
    ok("edit", "阿伟", "--set", "城市=苏州")
    assert rows(db_path, "SELECT city FROM customers") == [("苏州",)]
    assert rows(db_path, "SELECT key, value FROM customer_fields") == [("城市", "老家")]


@pytest.mark.parametrize(
    ("lang", "typed", "said"),
    [(("--lang", "zh"), "身高=180",
      "crm: --set 中的字段“身高”未知；新的自定义字段请用 --set field.身高=值 或 --field 身高=值\n"),
     ((), "身高=180", "crm: unknown field '身高' in --set; a new user-defined field takes "
      "--set field.身高=VALUE or --field 身高=VALUE\n"),
     # a typo of a field's header or key is answered with the field
     (("--lang", "zh"), "城事=杭州", "crm: --set 中的字段“城事”未知；是不是城市？\n"),
     (("--lang", "zh"), "程市=杭州", "crm: --set 中的字段“程市”未知；是不是城市？\n"),
     ((), "ctiy=杭州", "crm: unknown field 'ctiy' in --set; did you mean city?\n"),
     ((), "emial=a@b.cn", "crm: unknown field 'emial' in --set; did you mean email?\n"),
     (("--lang", "zh"), "类型=公司",  # the kind has an option of its own, as in English
      "crm: --set 中的字段“类型”未知；新的自定义字段请用 --set field.类型=值 或 --field 类型=值\n")],
)  # fmt: skip
def test_set_refuses_a_header_that_names_no_field_in_one_line(db_path, lang, typed, said):
    add("阿伟", "--city", "上海")
    before = rows(db_path, "SELECT * FROM customers")
    assert fails(2, *lang, "edit", "阿伟", "--set", "城市=杭州", "--set", typed, db=db_path) == said
    assert rows(db_path, "SELECT * FROM customers") == before
    assert rows(db_path, "SELECT count(*) FROM customer_fields") == [(0,)]


def test_a_saved_segment_in_chinese_words_selects_under_any_language(db_path):
    add("张伟", "--city", "上海")
    ln = add("李娜", "--city", "北京")
    ok("--lang", "zh", "segment", "save", "北京客户", "--where", "城市 = 北京")
    assert ids("--segment", "北京客户") == [ln]
    assert [int(x) for x in ok("--lang", "zh", "list", "--segment", "北京客户", "-q").split()] == [
        ln
    ]


def test_an_unknown_word_is_one_line_listing_the_choices_in_the_users_language(db_path):
    add("张伟")
    said = fails(2, "--lang", "zh", "stage", "张伟", "成交", db=db_path)
    assert said == (
        "crm: 未知阶段“成交”；可用阶段：线索（lead）、潜在客户（prospect）、成交客户（customer）、"
        "忠实客户（loyal）、已流失（lost）\n"
    )
    said = fails(2, "stage", "张伟", "成交", db=db_path)
    assert said == (
        "crm: unknown stage '成交'; stages are: lead, prospect, customer, loyal, lost\n"
    )
    said = fails(2, "--lang", "zh", "log", "电联", "张伟", "x", db=db_path)
    assert said.startswith("crm: 类型必须是以下之一：电话（call）、邮件（email）、")
    assert said.count("\n") == 1
    said = fails(2, "--lang", "zh", "list", "--where", "身高 = 180", db=db_path)
    assert said.startswith("crm: --where 中的字段“身高”未知；已知字段：编号（id）、姓名（name）")
    assert "城市（city）" in said and said.count("\n") == 1
    said = fails(2, "--lang", "zh", "list", "--sort", "身高", db=db_path)
    assert "城市（city）" in said and said.count("\n") == 1
    said = fails(2, "--lang", "zh", "list", "--where", "城 = 上海", db=db_path)
    assert said == "crm: --where 中的字段“城”未知；是不是城市？\n"
    said = fails(2, "--lang", "zh", "list", "--lifecycle", "沉睡", db=db_path)
    assert "流失风险（at_risk）" in said and said.count("\n") == 1


# The vocabularies of what a person types: stages, kinds, classes, a direction, a gender,
# a severity, a channel.
TYPED = (
    "stage", "kind", "lifecycle", "frequency_tier", "value_tier", "direction", "gender",
    "severity", "preferred_channel",
)  # fmt: skip


@pytest.mark.parametrize("column", TYPED)
def test_every_word_a_chinese_table_shows_reads_back_as_its_key(column):
    token = i18n.use("zh")
    try:
        said = {key: word(column, key) for key in WORDS[column]}
    finally:
        i18n.reset(token)
    shared = {w for w in said.values() if list(said.values()).count(w) > 1}
    for key, shown in said.items():
        if shown in shared:  # one word for two keys would be a fault of the catalog
            pytest.fail(f"{column}: {shown} stands for more than one key")
        assert understood(column, shown) == key
        assert understood(column, key) == key


@pytest.mark.parametrize(
    ("typed", "minor", "currency"),
    [
        ("8.8万", 8_800_000, "CNY"),
        ("1.2万元", 1_200_000, "CNY"),
        ("1.2345万", 1_234_500, "CNY"),
        ("¥1,299.50", 129_950, "CNY"),
        ("¥8.8万", 8_800_000, "CNY"),
        ("¥1.2万元", 1_200_000, "CNY"),  # ¥ and 元 together: both yuan (docs/purchases.md)
        ("￥12元", 1_200, "CNY"),
        ("-3万", -3_000_000, "CNY"),
        ("1,234.56万", 1_234_560_000, "CNY"),
        ("1.5亿", 15_000_000_000, "CNY"),
        ("0.000001万", 1, "CNY"),
        ("2万 USD", 2_000_000, "USD"),
        ("3千", 300_000, "CNY"),
        ("3千元", 300_000, "CNY"),
        ("1.5千", 150_000, "CNY"),
        ("¥2.5百", 25_000, "CNY"),
        ("3百万", 300_000_000, "CNY"),
        ("1.2千万元", 1_200_000_000, "CNY"),
        ("５千美元", 500_000, "USD"),
    ],
)
def test_amounts_in_wan_are_exact(typed, minor, currency):
    assert money.parse(typed) == money.Money(minor, currency)


@pytest.mark.parametrize(
    ("typed", "currency", "said"),
    [
        ("0.0000001万", "CNY", "0.001 has 3 decimals but CNY has 2 decimals"),
        ("0.00001万", "JPY", "0.1 has 1 decimal but JPY has no decimals"),
        ("100000000万", "CNY", "amount 1000000000000 CNY is too large"),
        ("万", "CNY", "not an amount"),
        ("8.8万万", "CNY", "not an amount"),
        ("千", "CNY", "not an amount"),
        ("3千千", "CNY", "not an amount"),
        ("3万千", "CNY", "not an amount"),
        ("3十", "CNY", "not an amount"),
        ("0.000001千", "CNY", "0.001 has 3 decimals but CNY has 2 decimals"),
        ("0.001百", "JPY", "0.1 has 1 decimal but JPY has no decimals"),
        ("¥1.2万元", "JPY", "the amount '¥1.2万元' is in CNY, not JPY"),  # 元 is yuan only
        ("¥12円", "CNY", "name the currency once"),
        ("$12元", "CNY", "name the currency once"),
    ],
)
def test_an_amount_in_wan_that_would_be_rounded_is_refused(typed, currency, said):
    with pytest.raises(InvalidInput) as caught:
        money.parse(typed, currency)
    assert said in caught.value.message


def _oracle(whole: int, digits: str, scale: int, places: int) -> int | None:
    """Minor units of `whole.digits` times 10**scale, by fractions; None when not whole."""
    value = (whole + Fraction(int(digits or "0"), 10 ** len(digits))) * 10**scale
    minor = value * 10**places
    return int(minor) if minor.denominator == 1 else None


# How many zeros each word stands for, as a Chinese reader counts them.
ZEROS = {"百": len("00"), "千": len("000"), "万": len("0000"), "百万": len("000000"),
         "千万": len("0000000"), "亿": len("00000000")}  # fmt: skip


# Decimals of each currency and the largest amount of one line, in minor units, as
# docs/purchases.md gives them (JPY none, CNY two, KWD three; 9,999,999,999.99 CNY).
PLACES = {"CNY": 2, "JPY": 0, "KWD": 3}
LARGEST = 10**12 - 1


@given(
    whole=st.integers(0, 99_999),
    digits=st.text("0123456789", max_size=7),
    unit=st.sampled_from(sorted(ZEROS)),
    currency=st.sampled_from(sorted(PLACES)),
)
def test_wan_and_yi_agree_with_fractions(whole, digits, unit, currency):
    typed = f"{whole}.{digits}{unit}" if digits else f"{whole}{unit}"
    expected = _oracle(whole, digits, ZEROS[unit], PLACES[currency])
    if expected is not None and expected <= LARGEST:
        assert money.parse(typed, currency) == money.Money(expected, currency)
    else:
        with pytest.raises(InvalidInput):
            money.parse(typed, currency)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_amount_a_terminal_shows_reads_back(lang):
    from crmcli.cli.display import money as shown

    token = i18n.use(lang)
    try:
        for currency, places in money.EXPONENTS.items():
            amount = money.shown(-129_950, currency)
            assert money.parse(shown(amount), currency) == money.Money(-129_950, currency)
        wan = shown(money.shown(12_345_600, "CNY"), wan=True)
        assert wan == "¥12.35万" if lang == "zh" else wan.endswith("万")
        assert money.parse(wan) == money.Money(12_350_000, "CNY")
    finally:
        i18n.reset(token)


def test_a_purchase_in_wan_is_stored_exactly_and_a_rounded_one_changes_nothing(db_path):
    add("张伟")
    ok("buy", "张伟", "茶叶", "8.8万")
    ok("buy", "张伟", "茶具", "¥1,299.50")
    ok("config", "set", "default_currency", "JPY")
    ok("buy", "张伟", "茶盘", "¥1.2万元")  # 元 names yuan, whatever ¥ means by default
    ok("buy", "张伟", "茶杯", "3千元")
    assert rows(db_path, "SELECT amount_minor, currency FROM purchases ORDER BY id") == [
        (8_800_000, "CNY"),
        (129_950, "CNY"),
        (1_200_000, "CNY"),
        (300_000, "CNY"),
    ]
    said = fails(2, "--lang", "zh", "buy", "张伟", "茶叶", "0.0000001万", db=db_path)
    assert said.count("\n") == 1 and "0.001" in said
    listed = json.loads(ok("purchases", "-f", "json"))
    amounts = sorted(Decimal(p["amount"]) for p in listed)
    assert amounts == [
        Decimal("1299.50"),
        Decimal("3000.00"),
        Decimal("12000.00"),
        Decimal("88000.00"),
    ]


# Chinese numerals, written from an integer the way a Chinese reader writes them, apart from
# money.py: groups of four places (亿, 万, units); in a group, one 零 for a run of zero places
# before a written digit; 零 before a group after a higher one when the group is under 一千
# or a whole group of zeros lies between; 十 alone (not 一十) only at the very start; 两 or 二
# for a 2 before 千 or 百, or a first group that is just 2 (两万).
def _zh_group(group: int, first: bool) -> list[str]:
    spelled = [""]
    zeros = False
    for place, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = group // place % 10
        if digit == 0:
            zeros = zeros or spelled != [""]
            continue
        words = [w + "零" if zeros else w for w in spelled]
        zeros = False
        if first and words == [""] and unit == "十" and digit == 1:
            said = ["十"]
        elif digit == 2 and unit in ("千", "百"):
            said = ["二" + unit, "两" + unit]
        else:
            said = ["零一二三四五六七八九"[digit] + unit]
        spelled = [w + s for w in words for s in said]
    if first and group == 2:
        spelled.append("两")
    return spelled


def zh_spellings(number: int) -> set[str]:
    """Every way Chinese writes 1 <= number < 10**12, with the last place left unsaid
    where people leave it (一百五 for 150, 两万五 for 25,000: the digit just after a 百, 千,
    万 or 亿 that has a digit of its own before it)."""
    found = _zh_written(number)
    last = next(p for p in (10**k for k in range(12)) if number // p % 10)
    digit = number // last % 10
    if last in (10, 100, 1000, 10**7) and number // (last * 10) % 10:
        found |= {w + "一二三四五六七八九"[digit - 1] for w in _zh_written(number - digit * last)}
    return found


def _zh_written(number: int) -> set[str]:
    groups = [number // 10**8, number // 10**4 % 10**4, number % 10**4]
    spelled, skipped = [""], False
    for group, unit in zip(groups, ("亿", "万", ""), strict=True):
        if group == 0:
            skipped = skipped or spelled != [""]
            continue
        first = spelled == [""]
        gap = "零" if not first and (group < 1000 or skipped) else ""
        spelled = [w + gap + g + unit for w in spelled for g in _zh_group(group, first)]
        skipped = False
    return set(spelled)


@pytest.mark.parametrize(
    ("typed", "yuan"),
    [
        ("两千", 2000),
        ("一万", 10_000),
        ("8.8萬", 88_000),
        ("兩萬", 20_000),
        ("3千5", 3500),
        ("12万5", 125_000),
        ("两万五", 25_000),
        ("一百五", 150),
        ("十二万", 120_000),
        ("一万零五百", 10_500),
        ("一万零一十", 10_010),
        ("一万零一十五", 10_015),  # 一十 after a higher place, not 十
        ("一亿零一十二万", 100_120_000),
        ("一万一千", 11_000),  # a group of a thousand or more takes no 零
        ("一亿两千万", 120_000_000),
        ("一亿零三千", 100_003_000),
        ("一亿五", 150_000_000),
        ("¥两千元", 2000),
        ("人民币一万", 10_000),
        ("-两千", -2000),
    ],
)
def test_chinese_numerals_are_read_exactly(typed, yuan):
    assert money.parse(typed) == money.Money(yuan * 100, "CNY")


@pytest.mark.parametrize(
    "typed",
    [
        "一万五百",  # 零 missing: 一万零五百
        "一万零五千",  # 零 needless: 一万五千
        "一亿三千",  # a group of zeros between: 一亿零三千
        "十万五",  # 十五万 or 十万零五千?
        "10万5",  # the same in digits
        "一百万五",
        "1.2万5",
        "2百万5",
        "两千5",
        "一万零十",  # 一万零一十
        "一万零十五",  # 一万零一十五
        "一万零一千",  # 一万一千
        "一万两",
        "一万零两",
        "一万万",
        "一千万亿",
        "一万亿",
        "一十万",  # 十万
        "百",
        "零",
        "二十两",
    ],
)
def test_a_chinese_numeral_that_is_not_one_is_refused(typed):
    with pytest.raises(InvalidInput) as caught:
        money.parse(typed)
    assert caught.value.message == (
        f"not an amount: {typed!r}; write it like 两千, 一万零五百, 两万五, 3千5 or 1.05万"
    )


def test_no_numeral_at_all_is_no_amount():
    assert money.chinese_amount("") is None  # not 0: parse() reads what this gives as a number


@settings(max_examples=examples(150), deadline=None)
@given(number=st.integers(1, 10**12 - 1))
def test_chinese_numerals_read_back_the_integer_they_spell(number):
    """Each way to write `number` is read as it (in yen: the largest amount is 10**12 - 1)."""
    for typed in sorted(zh_spellings(number)):
        assert money.parse(typed, "JPY") == money.Money(number, "JPY"), typed


NUMERAL = "零一二两三四五六七八九十百千万亿"


@settings(max_examples=examples(300), deadline=None)
@given(
    number=st.integers(1, 10**12 - 1),
    at=st.integers(0, 20),
    edit=st.sampled_from(["drop", "add", "swap"]),
    char=st.sampled_from(NUMERAL),
)
def test_a_numeral_read_is_one_of_its_value_s_spellings(number, at, edit, char):
    """A spelling with one character dropped, added or changed is read only when it is
    itself a way to write the value read; anything else is refused, never guessed."""
    typed = sorted(zh_spellings(number))[0]
    at %= len(typed) + 1
    typed = {"drop": typed[:at] + typed[at + 1 :], "add": typed[:at] + char + typed[at:],
             "swap": typed[:at] + char + typed[at + 1 :]}[edit]  # fmt: skip
    try:
        read = money.parse(typed, "JPY")
    except InvalidInput:
        return
    assert typed in zh_spellings(read.minor), (typed, read.minor)


def test_an_amount_in_chinese_numerals_is_stored_and_a_wrong_one_changes_nothing(db_path):
    add("张伟")
    ok("buy", "张伟", "产品", "两千")
    ok("buy", "张伟", "产品", "3千5")
    ok("purchase", "edit", "2", "--amount", "一万")
    assert rows(db_path, "SELECT amount_minor, currency FROM purchases ORDER BY id") == [
        (200_000, "CNY"),
        (1_000_000, "CNY"),
    ]
    said = fails(2, "--lang", "zh", "buy", "张伟", "产品", "一万五百", db=db_path)
    assert said == "crm: 不是金额：“一万五百”；请写成 两千、一万零五百、两万五、3千5 或 1.05万\n"


def test_a_churn_report_keeps_the_lifecycle_beside_the_reason_at_80_columns(demo):
    code, lines = on_terminal("--lang", "zh", "report", "churn", columns=80)
    assert code == 0
    header = next(line for line in lines if "┃" in line)
    assert "生命周期" in header and "原因" in header, "\n".join(lines)
    table = [line for line in lines if "│" in line and line.split("│")[0].strip()]
    assert table and all(line.split("│")[1].strip() in ("流失风险", "已沉睡") for line in table)
    assert all(sum(2 if ord(ch) > 0x2E80 else 1 for ch in line) <= 80 for line in lines)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_remind_at_60_columns_keeps_when_and_a_number_shown_is_the_one_typed_next(demo, lang):
    """At 60 columns each task table keeps the task's number, under a narrower header
    (`任务` / `编号`), before when (a task due soon gives up its due date: the title says by
    when); a number shown is the one typed next."""
    code, lines = on_terminal("--lang", lang, "remind", columns=60)
    assert code == 0
    number = ("任务", "编号") if lang == "zh" else ("Task", "ID")
    when = ("逾期", "到期日", number[0]) if lang == "zh" else ("Days", "Due", number[0])
    task_tables = [
        i for i, line in enumerate(lines) if line.lstrip().startswith(when) and "┃" in line
    ]
    assert len(task_tables) >= 2, "\n".join(lines)  # overdue and due soon
    for start in task_tables:
        heads = [h.strip() for h in lines[start].split("┃")]
        rule = next(i for i in range(start, len(lines)) if lines[i].startswith("━"))
        end = next(i for i in range(rule + 1, len(lines)) if "│" not in lines[i])
        body = [line.split("│") for line in lines[rule + 1 : end]]
        at = next((n for n, h in enumerate(heads) if h.startswith(number[0])), None)
        assert at is not None, "\n".join(lines)  # what `crm task done` takes
        below = [h.strip() for h in lines[start + 1].split("┃")]
        assert number[1] in heads[at] or number[1] in below[at], lines[start : start + 2]
        shown = [cells[at].strip() for cells in body if cells[0].strip()]
        assert shown and all(n.isdigit() for n in shown), "\n".join(lines)
        assert rows(demo, "SELECT done_at FROM tasks WHERE id = ?", int(shown[0])) == [(None,)]
        ok("task", "done", shown[0])  # the number shown is the one typed next
        assert rows(demo, "SELECT done_at IS NOT NULL FROM tasks WHERE id = ?", int(shown[0])) == [
            (1,)
        ]
        break


def test_a_filter_saved_in_chinese_words_is_stored_with_the_keys(db_path):
    add("张伟", "--city", "上海")
    ok("tag", "vip", "张伟")
    ok("segment", "save", "上海成交", "--stage", "成交客户", "--lifecycle", "流失风险",
       "--where", "城市 = 上海", "--where", "阶段 != 线索", "--where", "标签 = vip")  # fmt: skip
    (stored,) = rows(db_path, "SELECT filter FROM segments")
    saved = json.loads(stored[0])
    assert saved["stage"] == ["customer"] and saved["lifecycle"] == ["at_risk"]
    assert saved["where"][:2] == ["city = 上海", "stage != lead"]
    assert saved["where"][2]["text"] == "tag = vip"  # kept by the tag's id, as `tag` is
    said = fails(2, "config", "set", "stages", "lead,prospect,loyal,lost", db=db_path)
    assert "segment 上海成交" in said


def test_a_stage_of_the_users_own_that_is_also_a_word_of_crms_stays_as_typed(db_path):
    zw = add("张伟")
    ok("config", "set", "stages", "线索,成交")
    ok("stage", "张伟", "线索")  # the user's own stage, not crm's `lead`
    ok("segment", "add", "新线索", "--stage", "线索", "--where", "阶段 = 线索")
    assert rows(db_path, "SELECT stage FROM customers") == [("线索",)]
    (stored,) = rows(db_path, "SELECT filter FROM segments")
    assert json.loads(stored[0]) == {"stage": ["线索"], "where": ["stage = 线索"]}
    assert ids("--segment", "新线索") == [zw]


BY_WORDS = [  # a --by choice, the header its group column shows in Chinese, its key
    (("report", "sales"), "城市", "city"),
    (("report", "sales"), "季度", "quarter"),
    (("report", "summary"), "行业", "industry"),
    (("report", "feedback"), "严重程度", "severity"),
    (("report", "feedback"), "类型", "kind"),
    (("report", "satisfaction"), "阶段", "stage"),
]


@pytest.mark.parametrize(  # ids a command line can name again: mutmut runs tests by id
    ("args", "typed", "key"), BY_WORDS, ids=[f"{args[1]}-{key}" for args, _, key in BY_WORDS]
)
def test_a_choice_option_takes_the_word_a_chinese_table_shows_for_it(demo, args, typed, key):
    """`--by 城市`: the header a Chinese table shows for the group is read as its key, under
    any language, and gives what `--by city` gives."""
    wanted = ok(*args, "--by", key, "-f", "csv")
    assert wanted.startswith(f"{key},")
    for lang in ((), ("--lang", "zh"), ("--lang", "en")):
        assert ok(*lang, *args, "--by", typed, "-f", "csv") == wanted
        assert ok(*lang, *args, "--by", f" {typed} ", "-f", "csv") == wanted  # as typed


@pytest.mark.parametrize("typed", ["东京", "城", "", "city2"])
def test_a_choice_option_refuses_other_words_in_one_line(demo, typed):
    said = fails(2, "--lang", "zh", "report", "sales", "--by", typed, db=demo)
    assert said.count("\n") == 1 and "“城市”（city）" in said and "“季度”（quarter）" in said, said


def test_an_rfm_segment_is_taken_in_the_words_a_chinese_table_shows(demo):
    wanted = ok("report", "rfm", "--customers", "at risk", "-f", "csv")
    assert wanted.count("\n") > 2 and ",at risk," in wanted
    for lang in ((), ("--lang", "zh")):
        assert ok(*lang, "report", "rfm", "--customers", "濒临流失", "-f", "csv") == wanted
    # 流失风险 is the lifecycle stage at_risk, not this segment: refused, naming the segment
    said = fails(2, "--lang", "zh", "report", "rfm", "--customers", "流失风险", db=demo)
    assert "濒临流失（at risk）" in said and said.count("\n") == 1, said
    said = fails(2, "--lang", "zh", "report", "rfm", "--customers", "核心", db=demo)
    assert "核心" in said and said.count("\n") == 1


@pytest.mark.parametrize(("typed", "key"), [("7天", "7d"), ("一周", "1w"), ("两周", "2w"),
                                            ("1个月", "1m"), ("十四天", "14d")])  # fmt: skip
def test_within_takes_a_period_in_chinese(db_path, typed, key):
    add("张伟")
    ok("task", "add", "张伟", "回访", "--due", "2026-12-04")
    said = json.loads(ok("remind", "--within", typed, "--format", "json"))
    assert said == json.loads(ok("remind", "--within", key, "--format", "json"))
    assert said["within"] == key


def test_the_week_after_next_is_a_day_a_task_is_due(db_path):
    """下下周三: the Wednesday of the week after next (2026-11-22 is a Sunday)."""
    add("张伟")
    ok("task", "add", "张伟", "回访", "--due", "下下周三")
    ok("task", "add", "张伟", "寄样品", "--due", "下周三")
    assert rows(db_path, "SELECT due_on FROM tasks ORDER BY id") == [
        ("2026-12-02",),
        ("2026-11-25",),
    ]
    fails(2, "task", "add", "张伟", "x", "--due", "下下下周三", db=db_path)


@pytest.mark.parametrize("lang", [(), ("--lang", "zh")])
def test_a_channel_typed_as_a_chinese_table_shows_it_is_stored_as_its_key(db_path, tmp_path, lang):
    wu = add("戊", "--preferred-channel", "微信")
    ji = add("己", "--preferred-channel", "电话")
    ok(*lang, "edit", "己", "--preferred-channel", "微信")
    sheet = tmp_path / "客户.csv"
    sheet.write_text("姓名,偏好渠道\n庚,短信\n", encoding="utf-8")
    ok(*lang, "import", "customers", str(sheet))
    xin = add("辛", "--preferred-channel", "飞鸽")  # not one of crm's channels: kept as typed
    assert rows(db_path, "SELECT name, preferred_channel FROM customers ORDER BY id") == [
        ("戊", "wechat"), ("己", "wechat"), ("庚", "sms"), ("辛", "飞鸽"),
    ]  # fmt: skip
    assert ids("--where", "preferred_channel = 微信") == [wu, ji]
    assert ids("--where", "偏好渠道 = wechat") == [wu, ji]
    assert ids("--where", "preferred_channel = 飞鸽") == [xin]
    (geng,) = ids("--where", "preferred_channel = 短信")
    assert ids("--where", "preferred_channel != 微信") == [geng, xin]
    shown = json.loads(ok(*lang, "show", "戊", "-f", "json"))
    assert shown["preferred_channel"] == "wechat"
    ok(*lang, "log", "call", "戊", "问了报价", "--channel", "微信")
    assert rows(db_path, "SELECT channel FROM interactions") == [("wechat",)]


def test_a_sheet_with_the_headers_crm_shows_imports_again_without_duplicates(db_path, tmp_path):
    sheet = tmp_path / "客户.csv"
    sheet.write_text(
        "姓名,外部编号,联系周期（天）,类型\n张伟,K-001,30,机构\n李娜,K-002,14,个人\n",
        encoding="utf-8",
    )
    ok("import", "customers", str(sheet))
    ok("import", "customers", str(sheet))
    assert rows(
        db_path, "SELECT name, external_id, cadence_days, kind FROM customers ORDER BY id"
    ) == [("张伟", "K-001", 30, "organisation"), ("李娜", "K-002", 14, "person")]
    assert rows(db_path, "SELECT count(*) FROM customer_fields") == [(0,)]


@pytest.mark.parametrize("lang", [(), ("--lang", "zh")])
@pytest.mark.parametrize("typed", ["公司", "企业", "机构", " 企 业 "])
def test_a_company_is_added_as_an_organisation_in_any_language(db_path, lang, typed):
    ok(*lang, "add", "蓝海", "--kind", typed)
    assert rows(db_path, "SELECT name, kind FROM customers") == [("蓝海", "organisation")]
    shown = ok("--lang", "zh", "show", "蓝海", "-f", "table")
    assert "机构" in shown and "公司" not in shown  # read, never shown


@pytest.mark.parametrize(
    ("args", "said"),
    [(("--lang", "zh", "add", "乙", "--kind", "工厂"),
      "crm: 类型必须是以下之一：机构（organisation）、个人（person）；收到的是“工厂”\n"),
     (("add", "乙", "--kind", "公 司 们"), "crm: kind must be one of: organisation, person (got '公 司 们')\n"),
     (("--lang", "zh", "log", "公司", "甲", "谈了"),
      "crm: 类型必须是以下之一：电话（call）、邮件（email）、会面（meeting）、消息（message）、"
      "备注（note）、拜访（visit）；收到的是“公司”\n")],
)  # fmt: skip
def test_a_kind_that_is_no_company_is_refused_in_one_line(db_path, args, said):
    add("甲")
    before = rows(db_path, "SELECT * FROM customers")
    assert fails(2, *args, db=db_path) == said
    assert rows(db_path, "SELECT * FROM customers") == before
    assert rows(db_path, "SELECT count(*) FROM interactions") == [(0,)]


def test_a_kind_or_gender_that_is_none_of_its_values_is_refused_in_a_filter(db_path):
    zw = add("张伟", "--kind", "person", "--gender", "男")
    ln = add("蓝海", "--kind", "org")
    assert ids("--where", "kind = company") == [ln]  # as `crm add --kind company` reads it
    assert ids("--where", "kind = 机构") == [ln]
    assert ids("--where", "kind = 公司") == [ln]  # as `crm add --kind 公司` reads it
    assert ids("--where", "性别 = 男") == [zw]
    said = fails(2, "--lang", "zh", "list", "--where", "kind = 工厂", db=db_path)
    assert said == "crm: 类型必须是以下之一：机构（organisation）、个人（person）；收到的是“工厂”\n"
    said = fails(2, "list", "--where", "kind != 工厂", db=db_path)
    assert said == "crm: kind must be one of: organisation, person (got '工厂')\n"
    said = fails(2, "--lang", "zh", "list", "--where", "性别 = 外星", db=db_path)
    assert (
        said == "crm: 性别必须是以下之一：女（female）、男（male）、其他（other）；收到的是“外星”\n"
    )
    assert ids("--where", "kind ~ org") == [ln]  # a pattern is not a value: nothing refused


@pytest.mark.parametrize(
    ("expression", "word"),
    [
        ("city = 北京 和 stage = customer", "和"),
        ("city = 北京和stage = customer", "和"),
        ("city = 北京 且 阶段 = 线索", "且"),
        ("city = 北京 并且 stage = lead", "并且"),
        ("city = 北京 或 city = 上海", "或"),
        ("city = 北京 或者 城市 = 上海", "或者"),
        ("city = 北京，阶段 = 线索", "，"),
        ("city = 北京 和", "和"),
        ("city = 北京，", "，"),
    ],
)
def test_a_chinese_connective_joining_two_comparisons_is_refused(db_path, expression, word):
    add("张伟", "--city", "北京")
    said = fails(2, "--lang", "zh", "list", "--where", expression, db=db_path)
    assert said == (
        f"crm: 无法读取 --where “{expression}”：一个 --where 只能写一个比较；每个比较各写一个 "
        f"--where（需同时满足），如果值里确实含有“{word}”，请给值加上引号\n"
    )


def test_a_value_in_chinese_quotes_is_read_as_in_ascii_ones(db_path):
    bj = add("张伟", "--city", "北京")
    hp = add("李娜", "--city", "和平路 和 stage = x")
    wf = add("王芳", "--city", "和平")
    assert ids("--where", "city = “北京”") == [bj]
    assert ids("--where", "city = ‘北京’") == [bj]
    assert ids("--where", "城市 = “和平路 和 stage = x”") == [hp]
    assert ids("--where", "city = 和平") == [wf]  # a value that starts with 和 is a value


def test_a_kind_and_equalities_in_chinese_words_are_stored_as_keys_a_contains_as_typed(db_path):
    add("张伟")
    ok("segment", "save", "s1", "--kind", "机构", "--where", "阶段 = 成交客户",
       "--where", "阶段 == 线索", "--where", "阶段 ~ 成交客户")  # fmt: skip
    (stored,) = rows(db_path, "SELECT filter FROM segments")
    assert json.loads(stored[0]) == {
        "kind": "organisation",
        "where": ["stage = customer", "stage == lead", "stage ~ 成交客户"],
    }


def test_a_word_already_in_brackets_is_not_bracketed_twice(db_path):
    said = fails(2, "--lang", "zh", "list", "--lifecycle", "nope", db=db_path)
    assert said.rstrip().endswith("、未购买（none）") and "（（" not in said, said


def test_a_header_names_the_built_in_field_in_a_segment_too_beside_a_user_field_so_named(
    db_path,
):
    _older_field(db_path, add("张伟", "--city", "北京"), "城市", "上海")
    built_in = add("李娜", "--city", "上海")
    assert ids("--where", "城市 = 上海") == ids("--where", "city = 上海") == [built_in]
    ok("segment", "save", "s1", "--where", "城市 = 上海")
    (stored,) = rows(db_path, "SELECT filter FROM segments")
    assert json.loads(stored[0]) == {"where": ["city = 上海"]}
    assert ids("--segment", "s1") == [built_in]


@pytest.mark.parametrize(
    ("args", "said"),
    [(("--lang", "zh", "log", "微信", "阿伟", "发了报价"),
      "crm: “微信”是渠道，不是互动类型；请写成“消息 --channel 微信”\n"),
     (("--lang", "zh", "log", " 短 信 ", "阿伟", "发了报价"),
      "crm: “短 信”是渠道，不是互动类型；请写成“消息 --channel 短 信”\n"),
     (("log", "WeChat", "阿伟", "sent the quote"),
      "crm: 'WeChat' is a channel, not a kind of interaction; write message --channel WeChat\n"),
     (("--lang", "zh", "interaction", "edit", "1", "--kind", "短信"),
      "crm: “短信”是渠道，不是互动类型；请写成“消息 --channel 短信”\n"),
     (("--lang", "zh", "interactions", "--kind", "电话", "--kind", "微信"),
      "crm: “微信”是渠道，不是互动类型；请写成“消息 --channel 微信”\n"),
     (("--lang", "zh", "log", "飞鸽", "阿伟", "发了报价"),  # no channel crm knows: the kinds
      "crm: 类型必须是以下之一：电话（call）、邮件（email）、会面（meeting）、消息（message）、"
      "备注（note）、拜访（visit）；收到的是“飞鸽”\n")],
)  # fmt: skip
def test_a_channel_typed_as_a_kind_is_refused_with_how_to_write_it(db_path, args, said):
    add("阿伟")
    ok("log", "call", "阿伟", "问了报价")
    before = rows(db_path, "SELECT * FROM interactions")
    assert fails(2, *args, db=db_path) == said
    assert rows(db_path, "SELECT * FROM interactions") == before


def test_a_message_by_wechat_is_logged_as_the_refusal_says(db_path):
    add("阿伟")
    ok("--lang", "zh", "log", "消息", "阿伟", "发了报价", "--channel", "微信")
    assert rows(db_path, "SELECT kind, channel FROM interactions") == [("message", "wechat")]


@pytest.mark.parametrize("lang", [(), ("--lang", "zh")])
def test_fields_names_every_field_where_reads_by_its_header(db_path, lang):
    add("阿伟", "--preferred-channel", "微信", "--gender", "男", "--industry", "零售")
    add("李娜")
    assert ids("--where", "偏好渠道 = 微信") == [1]
    picked = json.loads(ok(*lang, "list", "--fields", "姓名,偏好渠道,性别,行业", "-f", "json"))
    assert picked == [
        {"name": "阿伟", "preferred_channel": "wechat", "gender": "male", "industry": "零售"},
        {"name": "李娜", "preferred_channel": None, "gender": None, "industry": None},
    ]
    assert ok(*lang, "list", "--fields", "偏好渠道,name", "-f", "csv").splitlines() == [
        "preferred_channel,name", "wechat,阿伟", ",李娜"]  # fmt: skip
    table = ok("--lang", "zh", "list", "--fields", "姓名,偏好渠道", "--where", "性别 = 男")
    assert [line.split() for line in table.splitlines()[::2]] == [
        ["姓名", "偏好渠道"],
        ["阿伟", "微信"],
    ]
    everything = json.loads(ok(*lang, "list", "-f", "json"))[0]  # not named: not shown
    assert "preferred_channel" not in everything and "gender" not in everything


@pytest.mark.parametrize(
    ("lang", "typed", "said"),
    [(("--lang", "zh"), "姓名,身份证号", "crm: --fields：未知字段“身份证号”；可用字段：编号（id）、"),
     ((), "name,national_id", "crm: --fields: unknown field 'national_id'; valid fields: id, "),
     (("--lang", "zh"), "姓名,偏好渠", "crm: --fields：未知字段“偏好渠”；是不是偏好渠道？\n"),
     ((), "name,prefered_channel",
      "crm: --fields: unknown field 'prefered_channel'; did you mean preferred_channel?\n")],
)  # fmt: skip
def test_fields_refuses_a_field_it_does_not_show_in_one_line(db_path, lang, typed, said):
    add("阿伟", "--national-id", "11010519491231002X")
    refused = fails(2, *lang, "list", "--fields", typed, db=db_path)
    assert refused.startswith(said) and refused.count("\n") == 1, refused
    if not said.endswith("\n"):  # nothing near: every field, each by its name in the language
        assert "偏好渠道（preferred_channel）" in refused or "preferred_channel" in refused


def full_width(text: str) -> str:
    """`text` with each printable ASCII character as its full-width form (`org` is `ｏｒｇ`)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(
    table=st.sampled_from(["KINDS", "GENDERS"]),
    data=st.data(),
)
def test_a_choice_typed_full_width_or_in_capitals_is_its_key(table, data):
    from crmcli.core import validate

    words = getattr(validate, table)
    typed = data.draw(st.sampled_from(sorted(words)))
    cased = "".join(c.upper() if data.draw(st.booleans()) else c for c in typed)
    wide = "".join(full_width(c) if data.draw(st.booleans()) else c for c in cased)
    field = {"KINDS": "kind", "GENDERS": "gender"}[table]
    assert validate.choice(field, wide, words) == words[typed]


@pytest.mark.parametrize("typed", ["ＯＲＧＸ", "ｏｒｇ．", "ＯＲ Ｇ"])
def test_a_full_width_word_that_is_no_choice_is_refused_and_nothing_added(db_path, typed):
    add("张伟")
    before = rows(db_path, "SELECT id, kind FROM customers")
    said = fails(2, "--lang", "zh", "add", "李娜", "--kind", typed, db=db_path)
    assert (
        said
        == f"crm: 类型必须是以下之一：机构（organisation）、个人（person）；收到的是“{typed}”\n"
    )
    assert rows(db_path, "SELECT id, kind FROM customers") == before


@pytest.mark.parametrize("lang", [(), ("--lang", "zh"), ("--lang", "en")])
def test_choices_typed_full_width_are_read_as_their_keys(db_path, lang):
    ln = add(*lang, "李娜", "--kind", "ＯＲＧ")
    zw = add(*lang, "张伟", "--kind", "Ｐｅｒｓｏｎ", "--gender", "ＦＥＭＡＬＥ")
    ok(*lang, "stage", "张伟", "ＬＯＹＡＬ")
    ok(*lang, "log", "ＣＡＬＬ", "张伟", "问了报价")
    assert rows(db_path, "SELECT id, kind, gender, stage FROM customers ORDER BY id") == [
        (ln, "organisation", None, None),
        (zw, "person", "female", "loyal"),
    ]
    assert rows(db_path, "SELECT kind FROM interactions") == [("call",)]
    assert ids("--where", "kind = ＯＲＧ") == [ln]
    assert ids("--stage", "ＬＯＹＡＬ") == [zw]
    assert ok(*lang, "list", "-f", "ＪＳＯＮ") == ok(*lang, "list", "-f", "json")
    csv = ok(*lang, "report", "sales", "--by", "ＣＩＴＹ", "-f", "ＣＳＶ")
    assert csv == ok(*lang, "report", "sales", "--by", "city", "-f", "csv")


@pytest.mark.parametrize("lang", [(), ("--lang", "zh"), ("--lang", "en")])
@pytest.mark.parametrize("typed", ["通话", "打电话", " 通 话 "])
def test_a_phone_call_said_another_way_is_a_call(db_path, lang, typed):
    add("张伟")
    ok(*lang, "log", typed, "张伟", "问了报价")
    assert rows(db_path, "SELECT kind FROM interactions") == [("call",)]
    listed = json.loads(ok(*lang, "interactions", "--kind", typed, "-f", "json"))
    assert [r["kind"] for r in listed] == ["call"]


@pytest.mark.parametrize("typed", ["通话中", "打电"])
def test_a_word_near_a_phone_call_is_refused_listing_the_kinds(db_path, typed):
    add("张伟")
    said = fails(2, "--lang", "zh", "log", typed, "张伟", "问了报价", db=db_path)
    assert said.startswith("crm: 类型必须是以下之一：电话（call）、") and f"“{typed}”" in said


def test_a_phone_call_is_no_kind_of_customer(db_path):
    said = fails(2, "--lang", "zh", "add", "张伟", "--kind", "通话", db=db_path)
    assert said == "crm: 类型必须是以下之一：机构（organisation）、个人（person）；收到的是“通话”\n"


@given(data=st.data())
def test_stages_are_refused_when_two_names_say_one_stage(data):
    """Oracle: two names are one stage when either is the other's key or the word a Chinese
    table shows for it, whatever the case or the width."""
    from crmcli.records.config import _stages

    said = {}
    token = i18n.use("zh")
    try:
        said = {key: word("stage", key) for key in WORDS["stage"]}
    finally:
        i18n.reset(token)
    names = {key: [key, said[key], full_width(key), key.upper()] for key in said}
    mine = ["甲", "乙", "ａｂ", "ab", "Ab"]
    picked = data.draw(
        st.lists(
            st.sampled_from([*(n for ns in names.values() for n in ns), *mine]),
            min_size=2,
            max_size=5,
        )
    )

    def one(name: str) -> str:
        for key, spelled in names.items():
            if name in spelled:
                return key
        return {"ａｂ": "ab", "Ab": "ab"}.get(name, name)

    if len({one(n) for n in picked}) < len(picked):
        with pytest.raises(InvalidInput):
            _stages(",".join(picked))
    elif all(any(n in spelled for spelled in names.values()) for n in picked):
        # every name is one of crm's stages: the list `config list` shows, read back as keys
        assert _stages(",".join(picked)) == ",".join(one(n) for n in picked)
    else:  # a name of the user's own: each kept as typed
        assert _stages(",".join(picked)) == ",".join(n.casefold() for n in picked)


def test_a_stage_list_naming_one_stage_twice_is_refused_naming_both(db_path):
    ok("config", "set", "stages", "lead,customer")
    said = fails(2, "--lang", "zh", "config", "set", "stages", "lead,customer,成交客户", db=db_path)
    assert said == "crm: 阶段“customer”和“成交客户”是同一个阶段（成交客户）；每个阶段只写一个名字\n"
    said = fails(2, "--lang", "en", "config", "set", "stages", "线索,prospect,LEAD", db=db_path)
    assert said == "crm: stages '线索' and 'lead' are one stage (lead); give each stage one name\n"
    ok("config", "set", "stages", "线索,customer,潜在客户")  # crm's three stages, as keys
    assert rows(db_path, "SELECT value FROM settings WHERE key = 'stages'") == [
        ("lead,customer,prospect",)
    ]
    ok("config", "set", "stages", "线索,customer,成交")  # 成交 is the user's own: as typed
    assert rows(db_path, "SELECT value FROM settings WHERE key = 'stages'") == [
        ("线索,customer,成交",)
    ]


# The user-defined fields crm names (an import's 区县 column is `district`), as a card labels
# them in Chinese: each is named so wherever a field is named, as its key is.
LABELS = {
    key: i18n.catalog("zh").gettext(msgid).split("|", 1)[-1]
    for key, msgid in sorted(NAMED_FIELDS.items())
}


def _fill_fielded() -> None:
    ok("add", "王小明", *(f"--field={k}=a{k}" for k in NAMED_FIELDS), "--field", "会员=金卡")
    ok("add", "李娜", "--field", "district=海淀区", "--field", "wechat=b")
    ok("add", "张伟")


@pytest.fixture
def fielded(db_path):
    """Three customers: the first with every field crm names (each `a` + its key), the second
    with a district and a wechat, the third with none."""
    filled_once(db_path, _fill_fielded)
    return db_path


@settings(
    max_examples=examples(12),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    key=st.sampled_from(sorted(NAMED_FIELDS)),
    op=st.sampled_from(["=", "!=", "~"]),
    lang=st.sampled_from([(), ("--lang", "zh"), ("--lang", "en")]),
)
def test_a_field_crm_named_is_named_by_its_chinese_label_as_by_its_key(fielded, key, op, lang):
    label = LABELS[key]  # `QQ` for qq
    assert label != key
    by_key = ids(*lang, "--where", f"{key} {op} a{key}")
    assert ids(*lang, "--where", f"{label} {op} a{key}") == by_key
    assert by_key == ([1] if op != "!=" else [2, 3])
    picked = json.loads(ok(*lang, "list", "--fields", f"姓名,{label}", "-f", "json"))
    assert picked == json.loads(ok(*lang, "list", "--fields", f"name,{key}", "-f", "json"))
    assert picked[0] == {"name": "王小明", key: f"a{key}"} and picked[2] == {
        "name": "张伟",
        key: None,
    }


def test_an_import_s_chinese_columns_are_fields_named_as_the_card_shows_them(cn, tmp_path):
    db_path = cn
    sheet = tmp_path / "c.csv"
    sheet.write_text("姓名,手机,区县,微信昵称\n王小明,13800001111,朝阳区,小明\n", encoding="utf-8")
    ok("--lang", "zh", "import", "customers", str(sheet))
    assert "区县      朝阳区" in ok("--lang", "zh", "show", "王小明")
    for lang in ((), ("--lang", "zh")):
        assert ids(*lang, "--where", "区县 = 朝阳区") == [1]
    table = ok("--lang", "zh", "list", "--fields", "姓名，区县、微信昵称")
    assert [line.split() for line in table.splitlines()[::2]] == [
        ["姓名", "区县", "微信昵称"],
        ["王小明", "朝阳区", "小明"],
    ]
    assert ok("list", "--fields", "name,区县", "-f", "csv") == "name,district\n王小明,朝阳区\n"
    dry = ok("--lang", "zh", "edit", "王小明", "--set", "区县=海淀区", "--dry-run")
    assert dry.splitlines()[-1].split() == [
        "1", "王小明", "自定义字段", "区县=朝阳区，微信昵称=小明", "区县=海淀区，微信昵称=小明"]  # fmt: skip
    dry = json.loads(ok("edit", "王小明", "--set", "区县=海淀区", "--dry-run", "-f", "json"))
    assert [(d["field"], d["new"]) for d in dry] == [
        ("fields", "district=海淀区, wechat_nickname=小明")
    ]
    ok("edit", "王小明", "--set", "区县=海淀区")
    assert rows(db_path, "SELECT key, value FROM customer_fields ORDER BY key") == [
        ("district", "海淀区"),
        ("wechat_nickname", "小明"),
    ]
    ok("edit", "王小明", "--unset", "微信昵称", "--field", "区县=西城区")
    assert rows(db_path, "SELECT key, value FROM customer_fields") == [("district", "西城区")]


def test_a_field_of_the_users_own_named_as_a_label_stays_theirs(db_path):
    add(
        "阿伟", "--field", "区县=朝阳区"
    )  # a label crm shows names its field, as an import reads it
    assert rows(db_path, "SELECT key FROM customer_fields") == [("district",)]
    with sqlite3.connect(db_path) as conn:  # a field named so before crm named it
        conn.execute(
            "INSERT INTO customer_fields (customer_id, key, value) VALUES (1, '区县', '东城区')"
        )
    ok("edit", "阿伟", "--field", "district=海淀区", "--field", "区县=西城区")
    assert rows(db_path, "SELECT key, value FROM customer_fields ORDER BY key") == [
        ("district", "海淀区"),
        ("区县", "西城区"),
    ]
    assert ids("--where", "区县 = 西城区") == ids("--where", "district = 海淀区") == [1]
    assert json.loads(ok("list", "--fields", "区县", "-f", "json")) == [{"区县": "西城区"}]
    ok("edit", "阿伟", "--set", "区县=北城区", "--unset", "district")
    assert rows(db_path, "SELECT key, value FROM customer_fields") == [("区县", "北城区")]


@pytest.mark.parametrize(
    ("args", "said"),
    [(("list", "--where", "区 = 朝阳区"), "crm: --where 中的字段“区”未知；是不是区县？\n"),
     (("list", "--where", "传真 = 1"), "crm: --where 中的字段“传真”未知；已知字段：编号（id）、"),
     (("list", "--fields", "姓名,区"), "crm: --fields：未知字段“区”；是不是区县？\n"),
     (("edit", "1", "--set", "传真=1"), "crm: --set 中的字段“传真”未知；新的自定义字段请用 "),
     (("edit", "3", "--unset", "区县"), "crm: 客户 3 没有字段“district”"),
     (("segment", "add", "s", "--where", "区 = 1"), "crm: --where 中的字段“区”未知；是不是区县？\n")],
    ids=["where", "where-unused-label", "fields", "set", "unset-absent", "segment"],
)  # fmt: skip
def test_a_name_that_is_no_field_is_refused_in_one_line(db_path, args, said):
    ok("add", "王小明", "--field", "district=朝阳区", "--field", "wechat=a")
    ok("add", "李娜", "--field", "qq=1")
    ok("add", "张伟")
    refused = fails(2, "--lang", "zh", *args, db=db_path)
    assert refused.startswith(said) and refused.count("\n") == 1, refused
    if args[0] == "list":  # the fields there are, each by its label
        assert "区县（district）、微信（wechat）" in refused or "区县（district）" not in said


def test_a_segment_keeps_a_field_named_by_its_label_by_its_key(fielded):
    ok("--lang", "zh", "segment", "add", "朝阳", "--where", "区县 ~ adistrict")
    assert rows(fielded, "SELECT filter FROM segments") == [
        ('{"where": ["district ~ adistrict"]}',)
    ]
    assert ids("--segment", "朝阳") == [1]
    shown = {"zh": "--where '区县 ~ adistrict'", "en": "--where 'district ~ adistrict'"}
    for lang, said in shown.items():
        listed = json.loads(ok("--lang", lang, "segment", "list", "-f", "json"))
        assert [s["filter"] for s in listed] == ["--where 'district ~ adistrict'"]
        assert said in ok("--lang", lang, "segment", "list")


def test_a_customers_region_is_his_province_wherever_chinese_names_it(db_path):
    add("阿伟", "--region", "浙江")
    add("李娜", "--region", "广东")
    assert ids("--where", "省份 = 广东") == [2]
    assert ids("--sort", "-省份") == [1, 2]
    table = ok("--lang", "zh", "list", "--fields", "姓名,省份")
    assert table.splitlines()[0].split() == ["姓名", "省份"]
    assert ids("--where", "地区 = 广东") == [2]  # its other name, read but not shown
    said = fails(2, "--lang", "zh", "list", "--where", "省 = 广东")
    assert said == "crm: --where 中的字段“省”未知；是不是省份？\n"
    assert "省份（region）" in fails(2, "--lang", "zh", "list", "--where", "所在省 = 广东")
    assert "  省份      浙江" in ok("--lang", "zh", "show", "阿伟")


def test_the_34_provinces_are_each_one_region_by_the_short_name_tables_show():
    from crmcli.core.vocabulary import PROVINCES

    assert len(PROVINCES) == 34 and len(set(PROVINCES.values())) == 34
    for short, full in PROVINCES.items():
        assert understood("region", full) == understood("region", short) == short
    for kept in ("广东深圳", "Guangdong", "广东 省", "华南", "广西省", "北京市朝阳区", "Bavaria"):
        assert understood("region", kept) is None, kept


def test_a_province_is_stored_and_matched_by_its_short_name_however_it_is_typed(db_path, tmp_path):
    """Chinese Outlook writes 广东省 (its 省/市/自治区 column), WPS templates and crm demo
    广东: one region, stored by the short name where a region enters (add, edit, --set, an
    import) and matched by either name (`=`, `!=`, `~`); any other text is kept as typed."""
    full, short = add("甲", "--region", "广东省"), add("乙", "--region", " 广东 ")
    city, latin = add("丙", "--region", "广东深圳"), add("丁", "--region", "Guangdong")
    ok("edit", "丁", "--set", "省份=香港特别行政区")
    other = add("戊", "--region", "内蒙古")
    ok("edit", "戊", "--region", "内蒙古自治区")
    sheet = tmp_path / "outlook.csv"
    sheet.write_text(
        "姓,名,商务地址 省/市/自治区\n陈,一,广西壮族自治区\n林,二,Bavaria\n", encoding="utf-8-sig"
    )
    assert "2 inserted" in crm("import", "customers", str(sheet)).stderr
    stored = dict(rows(db_path, "SELECT name, region FROM customers"))
    assert stored == {"甲": "广东", "乙": "广东", "丙": "广东深圳", "丁": "香港",
                      "戊": "内蒙古", "陈一": "广西", "林二": "Bavaria"}  # fmt: skip
    assert ids("--where", "省份 = 广东省") == ids("--where", "region = 广东") == [full, short]
    assert ids("--where", "region != 广东省") == [city, latin, other, 6, 7]
    assert ids("--where", "省份 ~ 广东省") == ids("--where", "省份 ~ 广东") == [full, short, city]
    assert ids("--where", "省份 = 香港特别行政区") == [latin]
    assert ids("--where", "region = 广东深圳") == [city]
    assert ids("--where", "省份 ~ 广东深圳市") == []  # not a name of the list: as typed
    ok("stage", "甲", "customer")  # `~` reads any word crm shows so: 成交客户 is `customer`
    assert ids("--where", "阶段 ~ 成交客户") == ids("--where", "stage ~ cust") == [full]


BY_SALES = (
    "'day', 'week', 'month', 'quarter', 'year', 'category', 'item', 'customer', 'city', "
    "'region', 'tag'"
)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ("report", "sales", "--by", "ctiy"),
            f"crm: Invalid value for '--by': 'ctiy' is not one of {BY_SALES}; did you mean "
            "city? (see 'crm report sales --help')\n",
        ),
        (
            ("--lang", "zh", "report", "sales", "--by", "程市"),
            "crm: “--by”的值无效：“程市”不在可选值“天”（day）、“周”（week）、“月”（month）、"
            "“季度”（quarter）、“年”（year）、“品类”（category）、“产品”（item）、“客户”"
            "（customer）、“城市”（city）、“省份”（region）、“标签”（tag）之中；是否想写城市？"
            "（见“crm report sales --help”）\n",
        ),
        (
            ("list", "-f", "jsn"),
            "crm: Invalid value for '--format' / '-f': 'jsn' is not one of 'table', 'json', "
            "'jsonl', 'csv', 'tsv'; did you mean json? (see 'crm list --help')\n",
        ),
        (
            ("report", "sales", "--by", "nosuch"),
            f"crm: Invalid value for '--by': 'nosuch' is not one of {BY_SALES}. "
            "(see 'crm report sales --help')\n",
        ),
    ],
    ids=["by-typo", "by-typo-zh", "format-typo", "by-far"],
)
def test_a_mistyped_choice_is_answered_with_the_one_meant(db_path, args, said):
    assert fails(2, *args, db=db_path) == said


def test_the_cities_crm_shortens_are_prefecture_level_and_municipalities():
    """297 names (293 prefecture-level cities, 4 municipalities), none shorter than two
    characters, each read with or without 市 as its short name; anything else is None."""
    from crmcli.core.vocabulary import CITIES, PROVINCES

    assert len(CITIES) == len(set(CITIES)) == 297
    assert all(len(city) >= 2 and not city.endswith("市") for city in CITIES)
    assert set(CITIES) & set(PROVINCES) == {"北京", "天津", "上海", "重庆", "吉林"}
    for city in CITIES:
        assert understood("city", f"{city}市") == understood("city", f" {city} ") == city
    kept = ("沙市", "延边朝鲜族自治州", "阿克苏地区", "锡林郭勒盟", "杭州 市",
            "杭州市西湖区", "Hangzhou", "市", "朝阳区", "襄樊市")  # fmt: skip
    for text in kept:
        assert understood("city", text) is None, text


def test_a_county_level_city_is_stored_with_shi_and_read_without():
    """China's county-level cities are one city with or without 市 as prefecture-level ones
    are, the other way: stored `义乌市`, `义乌` read as it; none is a prefecture-level city's
    or a province's name, none one character, none ends in 市 (津市 is 津市市)."""
    from crmcli.core.vocabulary import CITIES, COUNTY_CITIES, PROVINCES, spellings

    assert len(COUNTY_CITIES) == len(set(COUNTY_CITIES)) > 370
    assert not set(COUNTY_CITIES) & (set(CITIES) | set(PROVINCES))
    assert all(len(city) >= 2 for city in COUNTY_CITIES)
    for city in COUNTY_CITIES:
        assert understood("city", city) == understood("city", f" {city}市 ") == f"{city}市"
        assert (
            set(spellings("city", city))
            == set(spellings("city", f"{city}市"))
            == {city, f"{city}市"}
        )
    for text in ("大理", "恩施", "喀什", "芒", "东方", "龙海"):  # a 自治州/地区 too, a word, gone
        assert understood("city", text) is None, text


@settings(max_examples=examples(8), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_county_level_city_stored_short_is_found_and_cleaned(tmp_path_factory, data):
    """义乌 stored before (浙江省义乌市 lost its 市 on main) and 义乌市 are one city for --city
    and --where 城市 = / !=; `crm clean` proposes 义乌 -> 义乌市 and --fix rewrites it."""
    import os

    from crmcli.core.vocabulary import COUNTY_CITIES

    city = data.draw(st.sampled_from(COUNTY_CITIES))
    typed = data.draw(st.sampled_from([city, f"{city}市"]))
    db = tmp_path_factory.mktemp("county") / "crm.db"
    os.environ["CRM_DB"] = str(db)
    ok("add", "甲", "--phone", "+86 138 0013 8000")
    ok("add", "乙", "--city", f"{city}市", "--phone", "+86 139 0013 9000")
    ok("add", "丙", "--city", "杭州", "--phone", "+86 137 0013 7000")
    with sqlite3.connect(db) as conn:  # as an import on main stored it
        conn.execute("UPDATE customers SET city = ? WHERE id = 1", (city,))
    assert ok("list", "--city", typed, "-q") == "1\n2\n"
    assert ok("list", "--where", f"城市 = {typed}", "-q") == "1\n2\n"
    assert ok("list", "--where", f"城市 != {typed}", "-q") == "3\n"
    found = json.loads(ok("clean", "-f", "json"))
    assert [(p["id"], p["value"], p["fix"]) for p in found
            if p["problem"] == "unnormalised_city"] == [(1, city, f"{city}市")]  # fmt: skip
    ok("clean", "--fix")
    assert json.loads(ok("show", "1", "-f", "json"))["city"] == f"{city}市"


def _city_names() -> st.SearchStrategy[str]:
    from crmcli.core.vocabulary import CITIES

    return st.sampled_from(CITIES)


_CITY_NAMES = _city_names()


_TWO_CITIES = st.lists(_CITY_NAMES, min_size=2, max_size=2, unique=True)


@given(
    _TWO_CITIES.flatmap(
        lambda pool: st.tuples(
            st.lists(
                st.tuples(
                    st.sampled_from(pool),
                    st.sampled_from(["", "市"]),
                    st.sampled_from(["city", "place"]),
                ),
                min_size=1,
                max_size=6,
            ),
            st.sampled_from(pool),
        )
    ),
    st.sampled_from(["", "市"]),
)
@settings(max_examples=examples(10), deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_city_is_one_city_with_or_without_shi_wherever_it_enters(tmp_path_factory, drawn, shi):
    """Rows mixing a 市 column (`杭州市`, as 钉钉 and Outlook write it) and 所在地区 (`浙江省
    杭州市`, which gives 杭州), with or without 市: every city is stored by its short name, and
    `--city` and `--where 城市 =` find the same customers whichever way they are typed.
    Two cities of crm's list a file, drawn from all 297."""
    import os

    rows_, city = drawn
    db = tmp_path_factory.mktemp("cities") / "crm.db"
    os.environ["CRM_DB"] = str(db)
    lines = ["姓名,市,所在地区"]
    for n, (name, suffix, column) in enumerate(rows_):
        typed = name + suffix
        lines.append(f"客户{n},{typed}," if column == "city" else f"客户{n},,广东省 {typed}")
    sheet = db.parent / "cities.csv"
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    assert crm("import", "customers", str(sheet)).exit_code == 0
    stored = [c for (c,) in rows(db, "SELECT city FROM customers ORDER BY id")]
    assert stored == [name for name, _s, _c in rows_]
    wanted = [n for n, (name, _s, _c) in enumerate(rows_, 1) if name == city]
    assert sorted(ids("--city", city + shi)) == wanted
    assert sorted(ids("--where", f"城市 = {city}{shi}")) == wanted
    others = sorted(ids("--where", f"city != {city}{shi}"))
    assert others == [n for n in range(1, len(rows_) + 1) if n not in wanted]


def test_a_city_is_stored_by_its_short_name_by_add_edit_and_set(db_path):
    """`--city 杭州市` (add, edit, --set 城市=) stores 杭州; a name off the list as typed."""
    first, second = add("甲", "--city", "杭州市"), add("乙", "--city", "义乌市")
    ok("edit", "乙", "--set", "城市=宁波市")
    third = add("丙", "--city", "沙市")
    ok("edit", "丙", "--city", "乌鲁木齐市")
    stored = dict(rows(db_path, "SELECT name, city FROM customers"))
    assert stored == {"甲": "杭州", "乙": "宁波", "丙": "乌鲁木齐"}
    assert ids("--city", "宁波市") == [second] and ids("--city", "杭州") == [first]
    assert ids("--where", "城市 ~ 乌鲁木齐市") == [third]


@given(_CITY_NAMES, st.sampled_from(["", "市"]), st.sampled_from(["", "市"]))
@settings(max_examples=examples(10), deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_city_stored_before_crm_shortened_it_is_still_found(tmp_path_factory, city, kept, shi):
    """A row stored with 市 before crm shortened cities (`苏州市`) is found by `--city`,
    `--where 城市 =`/`!=`/`~` and a saved segment with or without 市, beside one stored
    short; a customer of another city is not."""
    import os

    db = tmp_path_factory.mktemp("old-city") / "crm.db"
    os.environ["CRM_DB"] = str(db)
    old, new, other = add("甲", "--city", city), add("乙", "--city", city), add("丙")
    other_city = "义乌" if city != "义乌" else "昆山"
    ok("edit", str(other), "--city", other_city)
    conn = sqlite3.connect(db)
    conn.execute("UPDATE customers SET city = ? WHERE id = ?", (city + kept, old))
    conn.commit()
    conn.close()
    assert ids("--city", city + shi) == [old, new]
    assert ids("--where", f"城市 = {city}{shi}") == [old, new]
    assert ids("--where", f"city ~ {city}{shi}") == [old, new]
    assert ids("--where", f"city != {city}{shi}") == [other]
    ok("segment", "save", "本市", "--city", city + shi)
    assert ids("--segment", "本市") == [old, new]


def test_a_duplicate_is_seen_beside_a_city_stored_with_shi(db_path):
    """`crm add X --city 苏州市` beside an X stored as 苏州市 before crm shortened cities
    warns of the duplicate, as it does beside one stored as 苏州."""
    first = add("王芳", "--city", "苏州")
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE customers SET city = '苏州市'")
    conn.commit()
    conn.close()
    for typed in ("苏州市", "苏州"):
        said = crm("add", "王芳", "--city", typed)
        assert said.exit_code == 0
        assert f"possible duplicate of 王芳 (#{first}, same name and city 苏州市)" in said.stderr


# County-level cities (县级市), by province: the ones docs, tests and vocabulary.py name and
# the best known of each province. Not among CITIES, so stored with their 市 wherever they
# come in: a 市 column, --city, and 所在地区 alike.
_COUNTY_LEVEL = (
    ("浙江", "义乌市"), ("浙江", "慈溪市"), ("浙江", "余姚市"), ("浙江", "诸暨市"),
    ("浙江", "乐清市"), ("浙江", "瑞安市"), ("浙江", "海宁市"), ("浙江", "桐乡市"),
    ("江苏", "昆山市"), ("江苏", "江阴市"), ("江苏", "张家港市"), ("江苏", "常熟市"),
    ("江苏", "宜兴市"), ("福建", "晋江市"), ("福建", "石狮市"), ("福建", "福清市"),
    ("广东", "普宁市"), ("山东", "寿光市"), ("山东", "龙口市"), ("河北", "三河市"),
    ("湖北", "仙桃市"), ("湖南", "浏阳市"), ("四川", "都江堰市"), ("云南", "景洪市"),
    ("新疆", "喀什市"), ("新疆", "库尔勒市"), ("内蒙古", "满洲里市"), ("吉林", "延吉市"),
    ("黑龙江", "绥芬河市"), ("河南", "巩义市"), ("海南", "琼海市"), ("湖北", "襄樊市"),
)  # fmt: skip


@pytest.mark.parametrize(("province", "city"), _COUNTY_LEVEL)
def test_a_county_level_city_in_a_region_cell_keeps_its_shi(province, city):
    """`浙江省义乌市` in 所在地区 was stored as 义乌 while a 市 column kept 义乌市: only
    the cities of crm's list are stored short, whichever column they come from."""
    from crmcli.core.vocabulary import COUNTY_CITIES, PROVINCES
    from crmcli.transfer.importers import place

    # one of COUNTY_CITIES is read with or without 市 as itself; 喀什 (a 地区 too) and 襄樊
    # (now 襄阳) are text as typed
    meant = city if city[:-1] in COUNTY_CITIES else None
    assert understood("city", city) == understood("city", city[:-1]) == meant
    for cell in (f"{PROVINCES[province]}{city}", f"{province} {city}", f"{province}/{city}"):
        assert place(cell) == (province, city, None), cell
    assert place(city) == (None, city, None)


def test_a_region_cell_and_a_city_column_store_one_city_alike(db_path, tmp_path):
    sheet = tmp_path / "places.csv"
    sheet.write_text(
        "姓名,市,所在地区\n甲,义乌市,\n乙,,浙江省义乌市\n丙,,浙江省杭州市\n丁,杭州市,\n",
        encoding="utf-8",
    )
    assert crm("import", "customers", str(sheet)).exit_code == 0
    stored = dict(rows(db_path, "SELECT name, city FROM customers"))
    assert stored == {"甲": "义乌市", "乙": "义乌市", "丙": "杭州", "丁": "杭州"}
    assert ids("--city", "义乌市") == [1, 2]


_PROVINCE_NAMES = ("浙江", "江苏", "广东", "湖北", "新疆", "广西", "内蒙古", "黑龙江", "吉林",
                   "香港")  # fmt: skip


@given(
    st.sampled_from(_PROVINCE_NAMES),
    _CITY_NAMES,
    st.sampled_from(["", "市"]),
    st.sampled_from(["", " ", "/"]),
    st.sampled_from(["", "西湖区", "开发区"]),
)
@settings(max_examples=examples(150), deadline=None)
def test_a_city_of_crms_list_in_a_region_cell_is_stored_short(province, city, shi, gap, district):
    """Any city of CITIES, after any province (as its short or full name), with or without
    市 and a district, is stored by its short name, as a 市 column's is."""
    from crmcli.core.vocabulary import PROVINCES
    from crmcli.transfer.importers import place

    if (
        province in ("北京", "天津", "上海", "重庆") or city in PROVINCES
    ):  # its own city, or a province's name
        return
    district = district if shi or gap else ""  # `浙江杭州西湖区`: no end of the city to read
    for written in (province, PROVINCES[province]):
        region, got, rest = place(f"{written}{gap}{city}{shi}{gap}{district}")
        assert (region, got, rest) == (province, city, district or None)
