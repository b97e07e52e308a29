"""What a Chinese salesperson types is understood or refused clearly (#22): a time given to
an option that keeps a day is said to be left out; half months and half years are lengths
and offsets; hours given for a day are refused as such; field names, commas and operators
typed by a Chinese input method (full width) are read; tier amounts take 万; a
`--follow-up` without its day shows the form; a sheet's 序号 column is left out and named.

The expected days come from independent oracles (the calendar counted here with
dateutil, Chinese numerals spelled here), never from crm's own parsers."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.core import dates
from crmcli.core.errors import InvalidInput
from tests.conftest import TODAY, add, crm, dump, examples, fails, ids, ok, rows

# TODAY is Sunday 2026-11-22 (tests/conftest.py pins the clock).
assert date(2026, 11, 22) == TODAY


# 1. A time of day given to an option that keeps the day --------------------------------


def _stored_due(db_path) -> str:
    return rows(db_path, "SELECT due_on FROM tasks ORDER BY id DESC LIMIT 1")[0][0]


@pytest.mark.parametrize(
    ("typed", "day"),
    [("明天下午3点", "2026-11-23"), ("tomorrow 3pm", "2026-11-23"),
     ("2026-12-01T15:00", "2026-12-01"), ("fri 9:30", "2026-11-27"),
     ("后天晚上8点半", "2026-11-24"), ("3pm tomorrow", "2026-11-23")],
)  # fmt: skip
def test_a_due_with_a_time_keeps_the_day_and_says_the_time_is_not_kept(db_path, typed, day):
    add("张伟")
    english = crm("--lang", "en", "task", "add", "张伟", "回访", "--due", typed, "-q")
    assert english.exit_code == 0
    assert english.stderr == (
        f"crm: warning: --due keeps the day only: the time of day in '{typed}' is not kept\n"
    )
    assert _stored_due(db_path) == day
    chinese = crm("--lang", "zh", "task", "add", "张伟", "回访", "--due", typed)
    assert chinese.exit_code == 0
    assert chinese.stderr == f"crm: 警告：--due 只记到日期：“{typed}”中的时间不会保存\n"
    assert _stored_due(db_path) == day


@pytest.mark.parametrize("typed", ["明天", "tomorrow", "2026-12-01", "今晚", "明天下午", "fri"])
def test_a_due_without_a_time_says_nothing_more(db_path, typed):
    add("张伟")
    result = crm("--lang", "zh", "task", "add", "张伟", "回访", "--due", typed, "-q")
    assert (result.exit_code, result.stderr) == (0, "")


def test_every_option_that_keeps_a_day_says_the_time_is_not_kept(db_path):
    """--due of task edit, task snooze, --follow-up, date add, --birthday of add and edit."""
    add("张伟")
    ok("task", "add", "张伟", "回访", "-q")

    def said(*args: str) -> str:
        result = crm("--lang", "en", *args)
        assert result.exit_code == 0, result.stderr
        return result.stderr

    line = "crm: warning: {} keeps the day only: the time of day in '{}' is not kept\n"
    assert said("task", "edit", "1", "--due", "2026-12-01 15:00") == line.format(
        "--due", "2026-12-01 15:00"
    )
    assert said("task", "snooze", "1", "2026-12-02T09:00") == line.format(
        "crm task snooze", "2026-12-02T09:00"
    )
    assert rows(db_path, "SELECT due_on FROM tasks WHERE id = 1") == [("2026-12-02",)]
    assert said("log", "call", "张伟", "hi", "--follow-up", "fri 3pm:quote") == line.format(
        "--follow-up", "fri 3pm"
    )
    assert rows(db_path, "SELECT due_on, text FROM tasks ORDER BY id DESC LIMIT 1") == [
        ("2026-11-27", "quote")
    ]
    assert said("date", "add", "张伟", "签约", "2026-12-24 20:00") == line.format(
        "crm date add", "2026-12-24 20:00"
    )
    assert said("edit", "张伟", "--birthday", "1990-05-13 15:00") == line.format(
        "--birthday", "1990-05-13 15:00"
    )
    assert rows(db_path, "SELECT birthday FROM customers") == [("1990-05-13",)]
    assert said("log", "call", "张伟", "hi", "--follow-up", "fri:quote") == ""
    assert said("task", "snooze", "1", "2026-12-03") == ""


# The hours of a day as people type them, with the hour they name (an oracle of our own).
_TIMES = st.one_of(
    st.builds(lambda h, m: (f"{h:02}:{m:02}", True), st.integers(0, 23), st.integers(0, 59)),
    st.builds(lambda h: (f"下午{h}点", True), st.integers(1, 11)),
    st.builds(lambda h: (f"上午{h}点半", True), st.integers(1, 11)),
    st.builds(lambda h: (f"{h}pm", True), st.integers(1, 12)),
)
_DAYS = {"明天": 1, "后天": 2, "tomorrow": 1, "2026-12-01": 9, "12月1日": 9, "3天后": 3}


@settings(max_examples=examples(200), deadline=None)
@given(st.sampled_from(sorted(_DAYS)), _TIMES, st.booleans())
def test_a_day_with_any_time_keeps_that_day_and_is_said_to_name_a_time(day, time, spaced):
    typed = f"{day}{' ' if spaced or day.isascii() else ''}{time[0]}"
    expected = TODAY + timedelta(days=_DAYS[day])
    assert dates.parse_date(typed, TODAY, direction="future") == expected
    assert dates.names_time(typed)
    assert not dates.names_time(day)


def test_an_import_of_tasks_says_once_how_many_due_times_were_not_kept(db_path, tmp_path):
    add("张伟")
    sheet = tmp_path / "任务.csv"
    sheet.write_text(
        "客户,内容,到期日\n张伟,回访,2026-12-01 15:00\n张伟,报价,2026-12-02\n张伟,再访,明天下午3点\n"
    )
    result = crm("--lang", "zh", "import", "tasks", str(sheet))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[0] == "crm: 警告：due_on 只记到日期：2 行中的时间不会保存"
    assert rows(db_path, "SELECT due_on FROM tasks ORDER BY id") == [
        ("2026-12-01",), ("2026-12-02",), ("2026-11-23",)
    ]  # fmt: skip
    sheet.write_text("客户,内容,到期日\n张伟,报价,2026-12-02\n")
    assert "warning" not in crm("import", "tasks", str(sheet)).stderr


# 2. Half months and half years; hours where a day is wanted -----------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("半个月后", TODAY + timedelta(days=15)), ("半月后", TODAY + timedelta(days=15)),
     ("半个月以后", TODAY + timedelta(days=15)), ("一个半月后", TODAY + timedelta(days=45)),
     ("半年后", TODAY + relativedelta(months=6)), ("一年半之后", TODAY + relativedelta(months=18)),
     ("两个季度后", TODAY + relativedelta(months=6)), ("2个星期后", TODAY + timedelta(weeks=2))],
)  # fmt: skip
def test_a_half_month_or_year_ahead_is_a_due_day(db_path, typed, expected):
    add("张伟")
    ok("--lang", "zh", "task", "add", "张伟", "回访", "--due", typed)
    assert _stored_due(db_path) == expected.isoformat()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("半个月前", TODAY - timedelta(days=15)), ("半年前", TODAY - relativedelta(months=6)),
     ("一个半月之前", TODAY - timedelta(days=45)), ("三个季度前", TODAY - relativedelta(months=9))],
)  # fmt: skip
def test_a_half_month_or_year_back_is_a_moment_of_the_past(db_path, typed, expected):
    add("张伟")
    ok("log", "call", "张伟", "hi", "--at", typed)
    assert rows(db_path, "SELECT substr(occurred_at, 1, 10) FROM interactions") == [
        (expected.isoformat(),)
    ]


_ONES = "一二三四五六七八九"


def _spelled(number: int) -> str:
    """1 to 99 as Chinese writes it (our own spelling: 十二, 二十, 九十九)."""
    tens, ones = divmod(number, 10)
    head = "" if tens == 0 else "十" if tens == 1 else _ONES[tens - 1] + "十"
    return head + (_ONES[ones - 1] if ones else "")


@settings(max_examples=examples(200), deadline=None)
@given(st.integers(1, 99), st.booleans(), st.sampled_from(["个半月", "年半"]), st.booleans())
def test_n_and_a_half_months_or_years_match_the_calendar(count, digits, unit, ahead):
    said = str(count) if digits else _spelled(count)
    typed = f"{said}{unit}{'后' if ahead else '前'}"
    sign = 1 if ahead else -1
    if unit == "个半月":
        expected = TODAY + timedelta(days=sign * (count * 30 + 15))
    else:
        expected = TODAY + relativedelta(months=sign * (count * 12 + 6))
    assert dates.parse_date(typed, TODAY, direction="future") == expected


# Every way a half is written with every way of saying ahead or back: (text, days, months).
_HALVES = [("半个月", 15, 0), ("半月", 15, 0), ("半年", 0, 6), ("一个半月", 45, 0), ("1个半月", 45, 0),
           ("两年半", 0, 30), ("2年半", 0, 30), ("一年半", 0, 18)]  # fmt: skip
_WAYS = [("后", 1), ("以后", 1), ("之后", 1), ("前", -1), ("以前", -1), ("之前", -1)]


@pytest.mark.parametrize(("half", "days", "months"), _HALVES)
@pytest.mark.parametrize(("way", "sign"), _WAYS)
def test_every_half_written_any_way_is_an_offset(half, days, months, way, sign):
    expected = TODAY + sign * timedelta(days=days) + relativedelta(months=sign * months)
    for typed in (f"{half}{way}", f"{half} {way}", _width(f"{half}{way}")):  # １个半月后
        assert dates.parse_date(typed, TODAY, direction="past") == expected
    first = dates.parse_bound(f"近{half}", TODAY, last=False, option="--since")
    back = TODAY - timedelta(days=days) - relativedelta(months=months)
    assert first == back + timedelta(days=1)
    assert dates.parse_bound(f"过去{half}", TODAY, last=True, option="--until") == TODAY


@pytest.mark.parametrize(
    ("typed", "first"),
    [("近半个月", TODAY - timedelta(days=14)), ("最近半年", TODAY - relativedelta(months=6) + timedelta(1)),
     ("过去一个半月", TODAY - timedelta(days=44)), ("近7天", TODAY - timedelta(days=6))],
)  # fmt: skip
def test_the_last_half_month_runs_to_today(db_path, typed, first):
    add("张伟")
    for day in (first - timedelta(1), first, TODAY):
        ok("log", "call", "张伟", day.isoformat(), "--at", day.isoformat())
    listed = json.loads(ok("interactions", "--since", typed, "-f", "json"))
    assert sorted(r["text"] for r in listed) == sorted({first.isoformat(), TODAY.isoformat()})


@pytest.mark.parametrize("typed", ["2小时前", "两个小时前", "半小时前", "十分钟后", "2 hours ago", "+2h",
                                   "in 30 minutes"])  # fmt: skip
@pytest.mark.parametrize(
    "args",
    [("task", "add", "张伟", "x", "--due"), ("task", "snooze", "1"), ("interactions", "--since"),
     ("date", "add", "张伟", "签约")],
)  # fmt: skip
def test_hours_given_for_a_day_are_refused_as_hours(db_path, args, typed):
    add("张伟")
    ok("task", "add", "张伟", "回访", "-q")
    english = fails(2, "--lang", "en", *args, typed, db=db_path)
    assert english == (
        f"crm: not a date: '{typed}' counts hours or minutes, but a day is wanted here; count "
        "in days (in 3 days, 2 days ago, +3d) or name the day (today, tomorrow, fri)\n"
    )
    chinese = fails(2, "--lang", "zh", *args, typed, db=db_path)
    assert chinese == (
        f"crm: 不是日期：“{typed}”按小时或分钟计算，这里要的是日期；请按天数写（3天后、2天前、+3d），"
        "或写出哪一天（今天、明天、周五）\n"
    )


@pytest.mark.parametrize("typed", ["半个月", "7天", "半年", "两周", "三个月"])
def test_a_length_given_as_a_bound_names_the_two_forms_it_may_mean(db_path, typed):
    add("张伟")
    said = fails(2, "--lang", "zh", "report", "sales", "--since", typed, db=db_path)
    assert said.startswith(f"crm: --since “{typed}”是一段时长，不是日期；")
    assert f"近{typed}" in said and f"{typed}前" in said
    english = fails(2, "--lang", "en", "interactions", "--until", typed, db=db_path)
    assert english == (
        f"crm: --until '{typed}' is a length, not a day; write 近{typed} for the days up to "
        f"today, or {typed}前 for the day it began\n"
    )
    for form in (f"近{typed}", f"{typed}前"):  # what the hint offers is read
        dates.parse_bound(form, TODAY, last=False, option="--since")


def test_a_repeat_is_no_length_for_an_offset():
    with pytest.raises(InvalidInput):
        dates.parse_date("每周后", TODAY, direction="future")


# 4. Field names, commas and operators as a Chinese input method types them ------------


def _width(text: str) -> str:
    """`text` with its ASCII letters, digits and signs full-width (our own mapping)."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_fields_typed_with_chinese_commas_and_full_width_letters(db_path):
    add("张伟", "--city", "上海", "--phone", "+8613800138000")
    expected = [{"name": "张伟", "phone": "+8613800138000"}]
    for fields in ("姓名，电话", "姓名、电话", "ＮＡＭＥ,ＰＨＯＮＥ", "name ，phone", "Name,Phone"):
        assert json.loads(ok("list", "--fields", fields, "-f", "json")) == expected
    shown = ok("--lang", "zh", "list", "--fields", "姓名，农历生日")
    assert shown.split("\n")[0].split() == ["姓名", "农历生日"]


@pytest.mark.parametrize(
    ("typed", "said"),
    [("12个月收入", "“12个月收入”是 --where 可以筛选的字段，但不是“crm list”显示的列"),
     ("距上次联系天数", "“距上次联系天数”是 --where 可以筛选的字段，但不是“crm list”显示的列"),
     ("生命周期", "“生命周期”要加 --classes 才会显示")],
)  # fmt: skip
def test_a_field_crm_list_does_not_show_is_refused_saying_why(db_path, typed, said):
    add("张伟")
    refused = fails(2, "--lang", "zh", "list", "--fields", f"姓名,{typed}", db=db_path)
    assert refused.startswith(f"crm: --fields：{said}；可用字段：编号（id）、")
    english = fails(2, "--lang", "en", "list", "--fields", "revenue_12m", db=db_path)
    assert english.startswith(
        "crm: --fields: 'revenue_12m' is a field --where filters on, not a column crm list "
        "shows; valid fields: id, name,"
    )
    assert json.loads(ok("list", "--classes", "--fields", "生命周期,ABC", "-f", "json")) == [
        {"lifecycle": "none", "abc": "C"}
    ]


def test_where_reads_full_width_operators_and_the_abc_header(db_path):
    zw = add("张伟", "--city", "上海")
    ln = add("李娜", "--city", "北京")
    ok("buy", "李娜", "茶", "100")
    for expression in (
        "城市 ＝ 上海",
        "城市＝上海",
        "城市　＝　上海",
        "ｃｉｔｙ = 上海",
        "城市 ＝＝ 上海",
    ):
        assert ids("--where", expression) == [zw]
    assert ids("--where", "城市 ！＝ 上海") == [ln]
    assert ids("--where", "１２个月收入 ＞＝ 100") == [ln]
    assert ids("--where", "ABC = A") == [ln]
    assert ids("--lang", "en", "--where", "ABC = C") == [zw]
    assert ids("--sort", "－城市") == [ln, zw]
    assert ids("--where", "城市 = ＡＢ") == []  # a value is compared as typed


def test_where_reads_a_full_width_tilde_and_keeps_the_value_right_after_the_sign_as_typed(db_path):
    """`姓名 ～ 伟` is a contains as `~` is; a value typed with no space after the sign
    (`城市＝ＡＢ`, `城市！＝ＡＢ`) is compared as typed, full-width letters and all."""
    zw = add("张伟", "--city", "ＡＢ")
    ln = add("李娜", "--city", "AB")
    assert ids("--where", "姓名 ～ 伟") == [zw]
    assert ids("--where", "城市＝ＡＢ") == [zw]
    assert ids("--where", "城市＝＝ＡＢ") == [zw]
    assert ids("--where", "城市！＝ＡＢ") == [ln]
    assert ids("--where", "城市＝AB") == [ln]
    said = fails(2, "list", "--where", "城市！上海", db=db_path)  # a ！ with no ＝ is no operator
    assert said == (
        "crm: cannot read --where '城市！上海'; write FIELD OP VALUE with OP one of != <= >= = < > ~\n"
    )


@pytest.mark.parametrize(
    ("expression", "start"),
    [("城市 ＜＞ 上海", "＞"), ("城市＜＞上海", "＞"), ("city <＞ 上海", "＞"), ("城市 ＝＜ 上海", "＜"),
     ("城市 ＝＞ 上海", "＞"), ("城市 ＞＞ 上海", "＞"), ("城市 ＝～ 上海", "～"), ("城市 ！＝！ 上海", "！"),
     ("城市 ！＝＝ 上海", "＝"), ("city <> 上海", ">"), ("city =< 上海", "<")],
)  # fmt: skip
def test_an_operator_of_two_signs_that_is_none_is_refused_however_wide(db_path, expression, start):
    """`＜＞` (not equal, as an input method types it) became `<` and a value `＞ 上海`, which
    selected nearly everyone, and `crm tag --where` tagged them: refused as `<>` is, quoting
    the expression as it was typed (not `城市 <＞ 上海`, made plain up to the operator)."""
    add("张伟", "--city", "上海")
    add("李娜", "--city", "北京")
    for command in (["list"], ["tag", "外地", "--yes"], ["edit", "--set", "region=x", "--yes"]):
        err = fails(2, *command, "--where", expression, db=db_path)
        assert err == (
            f"crm: cannot read --where '{expression}': the value starts with '{start}'; "
            "operators are != <= >= = < > ~\n"
        )


@pytest.mark.parametrize(
    ("expression", "said"),
    [("城市 ＝", "cannot read --where '城市 ＝': no value after =; write FIELD OP VALUE, "
      'e.g. "city = 上海"'),
     ("城市 ＞＝ 上海 和", "cannot read --where '城市 ＞＝ 上海 和': one --where holds one "
      "comparison; give --where again for each (all must hold), or quote a value that has "
      "'和' in it"),
     ("＝ 上海", "cannot read --where '＝ 上海'; write FIELD OP VALUE with OP one of "
      "!= <= >= = < > ~")],
)  # fmt: skip
def test_a_refused_where_typed_full_width_is_quoted_as_typed(expression, said):
    assert fails(2, "list", "--where", expression) == f"crm: {said}\n"


def test_set_field_and_map_take_a_full_width_equals_sign(db_path, tmp_path):
    add("张伟", "--city", "上海")
    ok("edit", "张伟", "--set", "城市＝杭州", "--set", "ＮＯＴＥＳ＝a=b", "--field", "微信号＝wx1")
    assert rows(db_path, "SELECT city, notes FROM customers") == [("杭州", "a=b")]
    assert json.loads(ok("show", "张伟", "-f", "json"))["fields"] == {"微信号": "wx1"}
    sheet = tmp_path / "a.csv"
    sheet.write_text("编码,姓名\nK1,李娜\n")
    ok("import", "customers", str(sheet), "--map", "编码＝external_id")
    assert rows(db_path, "SELECT external_id FROM customers WHERE name = '李娜'") == [("K1",)]
    said = fails(2, "edit", "张伟", "--set", "城市：杭州", db=db_path)
    assert said == "crm: --set takes KEY=VALUE (got '城市：杭州')\n"


_EXPRESSIONS = [("city = 上海", [1]), ("city != 上海", [2]), ("id >= 2", [2]), ("id < 2", [1]),
                ("name ~ 伟", [1]), ("stage = lead", [2]), ("abc = C", [1, 2])]  # fmt: skip


@pytest.fixture
def two(db_path):
    add("张伟", "--city", "上海")
    add("李娜", "--city", "北京")
    ok("stage", "李娜", "lead")
    return db_path


@settings(
    max_examples=examples(40),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],  # read only: one database
)
@given(expression=st.sampled_from(_EXPRESSIONS), data=st.data())
def test_any_part_of_a_field_and_operator_typed_full_width_selects_the_same(two, expression, data):
    typed, expected = expression
    field_op, value = typed.rsplit(" ", 1)
    wide = [data.draw(st.booleans()) for _ in field_op]
    mixed = "".join(_width(c) if w else c for c, w in zip(field_op, wide, strict=True))
    assert _selected(f"{mixed} {value}") == expected


def _selected(expression: str) -> list[int]:
    result = crm("list", "--where", expression, "-q")
    assert result.exit_code == 0, result.stderr
    return [int(x) for x in result.stdout.split()]


# 5. Tier amounts typed as amounts are typed elsewhere ---------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("3万", "30000"), ("3千", "3000"), ("1.5千元", "1500"), ("1.2345万", "12345"),
     ("50,000", "50000"), ("2.5百", "250"), ("3万元", "30000"), ("¥3万", "30000"),
     ("0.5万", "5000"), ("1299.50", "1299.50"), ("8.88万", "88800"), ("１２３４５", "12345"),
     ("１２，３４５．５", "12345.5")],
)  # fmt: skip
def test_a_value_tier_takes_an_amount_in_wan(db_path, typed, stored):
    said = ok("config", "set", "tier.value.high", typed)
    assert said == f"tier.value.high = {stored}\n"
    assert rows(db_path, "SELECT value FROM settings WHERE key = 'tier.value.high'") == [(stored,)]


@pytest.mark.parametrize(
    ("key", "typed", "stored"),
    [("tier.frequency.high", "１２", "12"), ("lifecycle.at_risk_factor", "１．５", "1.5"),
     ("lifecycle.lapsed_factor", "３", "3")],
)  # fmt: skip
def test_a_number_setting_typed_full_width_is_stored_in_ascii_digits(db_path, key, typed, stored):
    """Another program reading the setting (CAST(value AS REAL)) read full-width digits as 0."""
    assert ok("config", "set", key, typed) == f"{key} = {stored}\n"
    assert rows(db_path, "SELECT value FROM settings WHERE key = ?", key) == [(stored,)]


@pytest.mark.parametrize("typed", ["١٢", "12٫5", "１２ａ"])
def test_digits_of_other_scripts_are_refused_in_a_number_setting(db_path, typed):
    fails(2, "config", "set", "tier.frequency.high", typed, db=db_path)
    fails(2, "config", "set", "lifecycle.at_risk_factor", typed, db=db_path)


def test_a_tier_in_wan_decides_the_class(db_path):
    add("张伟")
    ok("buy", "张伟", "茶", "4万")
    ok("config", "set", "tier.value.high", "3万")
    assert json.loads(ok("list", "--classes", "--fields", "value_tier", "-f", "json")) == [
        {"value_tier": "high"}
    ]
    assert ok("config", "set", "tier.value.high", "四万零一") == "tier.value.high = 40001\n"
    assert json.loads(ok("list", "--classes", "--fields", "value_tier", "-f", "json")) == [
        {"value_tier": "medium"}
    ]


@pytest.mark.parametrize(
    ("typed", "english", "chinese"),
    [("3万美元", "'3万美元' is in USD; this setting is in the default currency, CNY",
      "“3万美元”的币种是 USD；这项设置按默认币种 CNY 计算"),
     ("abc", "give an amount such as 50000, 1299.50 or 3万 (got 'abc')",
      "请给出金额，例如 50000、1299.50 或 3万（收到“abc”）"),
     ("三万五百", "give an amount such as 50000, 1299.50 or 3万 (got '三万五百')",  # 三万零五百
      "请给出金额，例如 50000、1299.50 或 3万（收到“三万五百”）")],
)  # fmt: skip
def test_a_tier_amount_that_is_none_is_refused(db_path, typed, english, chinese):
    ok("config", "set", "language", "en")
    assert fails(2, "config", "set", "tier.value.high", typed, db=db_path) == f"crm: {english}\n"
    said = fails(2, "--lang", "zh", "config", "set", "tier.value.medium", typed, db=db_path)
    assert said == f"crm: {chinese}\n"


def test_a_tier_follows_the_default_currency(db_path):
    ok("config", "set", "default_currency", "USD")
    assert ok("config", "set", "tier.value.high", "3万美元") == "tier.value.high = 30000\n"
    before = dump(db_path)
    said = fails(2, "config", "set", "tier.value.high", "3万元", db=db_path)
    assert said == "crm: '3万元' is in CNY; this setting is in the default currency, USD\n"
    assert dump(db_path) == before


@settings(max_examples=examples(100), deadline=None)
@given(st.integers(0, 99_999), st.integers(0, 9999), st.sampled_from([("万", 4), ("千", 3)]))
def test_any_amount_in_wan_is_stored_exactly(whole, fraction, unit):
    from crmcli.records.config import _amount

    typed = f"{whole}.{fraction:04}{unit[0]}"
    value = Decimal(f"{whole}.{fraction:04}") * 10 ** unit[1]
    if value != value.quantize(Decimal("0.01")):  # finer than a fen: refused
        with pytest.raises(InvalidInput):
            _amount(typed, "CNY")
        return
    assert Decimal(_amount(typed, "CNY")) == value


# 6. A --follow-up without its day ------------------------------------------------------


@pytest.mark.parametrize("typed", ["发报价", "send the quote", " 发报价 "])
def test_a_follow_up_without_a_day_shows_the_form(db_path, typed):
    add("张伟")
    text = typed.strip()
    said = fails(2, "--lang", "zh", "log", "电话", "张伟", "hi", "--follow-up", typed, db=db_path)
    assert (
        said
        == f"crm: --follow-up “{text}”没有写日期；请先写日期，再写冒号和任务内容，例如 明天:{text}\n"
    )
    english = fails(
        2, "--lang", "en", "log", "call", "张伟", "hi", "--follow-up", typed, db=db_path
    )
    assert english == (
        f"crm: --follow-up '{text}' names no day; write the day, a colon and the task, e.g. "
        f"tomorrow:{text}\n"
    )
    ok("log", "call", "张伟", "hi", "--follow-up", f"明天:{text}")
    assert rows(db_path, "SELECT due_on, text FROM tasks") == [("2026-11-23", text)]


@pytest.mark.parametrize(
    ("typed", "form"),
    [("明天发报价", "明天:发报价"), ("明天下午3点发报价", "明天下午3点:发报价"),
     ("3天后回访", "3天后:回访"), ("周五前发报价", "周五:发报价"), ("12月1日 回访", "12月1日:回访"),
     ("fri send the quote", "fri:send the quote")],
)  # fmt: skip
def test_a_follow_up_with_its_day_but_no_colon_shows_where_the_colon_goes(db_path, typed, form):
    add("张伟")
    said = fails(2, "--lang", "zh", "log", "电话", "张伟", "hi", "--follow-up", typed, db=db_path)
    assert said == f"crm: --follow-up “{typed}”的日期后面少了冒号；请写成“{form}”\n"
    english = fails(
        2, "--lang", "en", "log", "call", "张伟", "hi", "--follow-up", typed, db=db_path
    )
    assert english == f"crm: --follow-up '{typed}' has no colon after its day; write {form}\n"
    ok("log", "call", "张伟", "hi", "--follow-up", form)  # the form shown is taken
    assert rows(db_path, "SELECT text FROM tasks") == [(form.split(":", 1)[1],)]


def test_a_follow_up_whose_day_is_wrong_still_says_what_a_date_is(db_path):
    add("张伟")
    said = fails(2, "log", "call", "张伟", "hi", "--follow-up", "someday:call", db=db_path)
    assert said.startswith("crm: not a date: 'someday'; use a day such as")


# 7. A sheet's own row numbers ----------------------------------------------------------


@pytest.mark.parametrize("header", ["序号", "行号", "No.", "#"])
def test_a_column_of_row_numbers_is_left_out_and_named(cn, tmp_path, header):
    ok("add", "王五", "-q")  # customer 1: a row numbered 1 is not it
    sheet = tmp_path / "客户.csv"
    sheet.write_text(f"{header},姓名,手机,城市\n1,张三,13800138000,上海\n2,李四,13900139000,北京\n")
    english = crm("--lang", "en", "import", "customers", str(sheet), "--dry-run")
    assert english.stderr.splitlines()[0] == (
        f"Left out {header}: the sheet's own row numbers, not data"
    )
    result = crm("--lang", "zh", "import", "customers", str(sheet))
    assert result.exit_code == 0, result.stderr
    space = " " if header.isascii() else ""  # none between Chinese words
    assert result.stderr.splitlines()[0] == f"已跳过{space}{header}：这是表格自带的行号，不是数据"
    assert rows(cn, "SELECT id, name, external_id, city FROM customers ORDER BY id") == [
        (1, "王五", None, None), (2, "张三", None, "上海"), (3, "李四", None, "北京")
    ]  # fmt: skip
    assert rows(cn, "SELECT count(*) FROM customer_fields") == [(0,)]


def test_row_numbers_are_left_out_of_an_interaction_import_too(cn, tmp_path):
    add("张三")
    sheet = tmp_path / "记录.csv"
    sheet.write_text("序号,客户,类型,时间,内容\n7,张三,电话,2026-11-20 10:00,问报价\n")
    result = crm("--lang", "zh", "import", "interactions", str(sheet))
    assert result.exit_code == 0, result.stderr
    assert "已跳过序号：这是表格自带的行号，不是数据" in result.stderr
    assert rows(cn, "SELECT id, text FROM interactions") == [(1, "问报价")]


def test_a_row_number_column_mapped_by_the_user_is_theirs(cn, tmp_path):
    sheet = tmp_path / "客户.csv"
    sheet.write_text("序号,姓名\nA-1,张三\n")
    ok("import", "customers", str(sheet), "--map", "序号=external_id")
    assert rows(cn, "SELECT name, external_id FROM customers") == [("张三", "A-1")]


def test_a_name_with_nested_brackets_is_shown_and_found_whole(db_path):
    """A company and its branch in the name, in full-width brackets inside each other."""
    ok("add", "张伟（华为（深圳））", "--phone", "+8613800138000")
    ok("add", "张伟", "--company", "华为")
    listed = ok("--lang", "zh", "list")
    assert "\n1     张伟（华为（深圳））              +8613800138000\n" in listed, listed
    for ref in ("张伟（华为（深圳））", "张伟(华为(深圳))", "+8613800138000"):
        assert ok("--lang", "zh", "show", ref).startswith("#1 张伟（华为（深圳））\n"), ref
    assert ok("show", "张伟").startswith("#2 张伟\n")  # the whole name first
    for words in ("深圳", "华为（深圳）", "(深圳)", "深圳）"):
        assert ok("search", words, "-q") == "1\n", words
    found = json.loads(ok("search", "华为（深圳）", "--format", "json"))
    assert [(r["customer_name"], r["snippet"]) for r in found] == [
        ("张伟（华为（深圳））", "张伟（华为（深圳））")  # marked only on a table
    ]
    assert ok("list", "--where", "name = 张伟（华为（深圳））", "-q") == "1\n"
    assert "  张伟（[华为（深圳）]）  " in ok("--lang", "zh", "search", "华为（深圳）")


# 7. A time of day and a day of the month as a salesperson types them -------------------
# Sunday 2026-11-22 at 10:00: --at looks back, --due ahead.


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("今天上午九点", "2026-11-22T09:00:00+08:00"), ("昨天下午两点半", "2026-11-21T14:30:00+08:00"),
     ("昨天晚上8点", "2026-11-21T20:00:00+08:00"), ("前天中午12点", "2026-11-20T12:00:00+08:00"),
     ("昨天下午3点15分", "2026-11-21T15:15:00+08:00"), ("昨天下午三点一刻", "2026-11-21T15:15:00+08:00"),
     ("上午九点三刻", "2026-11-22T09:45:00+08:00"), ("十点零五分", "2026-11-22T10:05:00+08:00"),
     ("15号", "2026-11-15T00:00:00+08:00"), ("十一月一日下午两点", "2026-11-01T14:00:00+08:00"),
     ("十二月三十一日", "2025-12-31T00:00:00+08:00"), ("上个月31号", "2026-10-31T00:00:00+08:00"),
     ("23号", "2026-10-23T00:00:00+08:00")],
)  # fmt: skip
def test_a_call_logged_at_a_time_said_in_chinese_is_stored_at_it(db_path, typed, stored):
    add("张伟")
    ok("--lang", "zh", "log", "call", "张伟", "x", "--at", typed, "-q")
    assert rows(db_path, "SELECT occurred_at FROM interactions") == [(stored,)]


@pytest.mark.parametrize(
    ("typed", "due"),
    [("十二月三十一日", "2026-12-31"), ("十二月二十五号", "2026-12-25"), ("15号", "2026-12-15"),
     ("22号", "2026-11-22"), ("31号", "2026-12-31"), ("下月15号", "2026-12-15"),
     ("下个月三十一号", "2026-12-31"), ("本月30日", "2026-11-30"), ("明天下午三点", "2026-11-23")],
)  # fmt: skip
def test_a_task_due_on_a_day_said_in_chinese_is_due_that_day(db_path, typed, due):
    add("张伟")
    ok("--lang", "zh", "task", "add", "张伟", "x", "--due", typed, "-q")
    assert _stored_due(db_path) == due


@pytest.mark.parametrize(
    ("args", "said"),
    [(("log", "call", "张伟", "x", "--at", "3点"),
      "“3点”可能是凌晨也可能是下午；请写 下午3点（15:00）或 凌晨3点"),
     (("log", "call", "张伟", "x", "--at", "昨天两点半"),
      "“两点半”可能是凌晨也可能是下午；请写 下午两点半（14:30）或 凌晨两点半"),
     (("task", "add", "张伟", "x", "--due", "明天6点"),
      "“6点”可能是凌晨也可能是下午；请写 下午6点（18:00）或 凌晨6点"),
     (("task", "add", "张伟", "x", "--due", "本月31号"), "不是日期：“本月31号”（没有这一天）"),
     (("task", "add", "张伟", "x", "--due", "32号"), "不是日期：“32号”（没有这一天）"),
     (("log", "call", "张伟", "x", "--at", "十十点"), "不是时刻：“十十点”"),
     (("log", "call", "张伟", "x", "--at", "十三月一日"), "不是日期：“十三月一日”（没有这一天）")],
)  # fmt: skip
def test_a_bare_small_hour_or_a_day_no_month_has_is_refused_and_nothing_is_kept(
    db_path, args, said
):
    add("张伟")
    stderr = fails(2, "--lang", "zh", *args, db=db_path)
    assert stderr.count("\n") == 1 and said in stderr, stderr
