"""Customer care: lunar dates, festivals and care rules, national IDs, follow-up rhythms.

Published dates come from the Hong Kong Observatory's and the State Council's calendars
(中秋 2024-09-17, 2025-10-06, 2026-09-25; 春节 2024-02-10, 2025-01-29, 2026-02-17; ...).
"""

import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.core import festivals, lunar, validate
from crmcli.core.errors import InvalidInput
from crmcli.core.lunar import LunarDate
from tests.conftest import add, crm, fails, filled_once, ok


def remind(*args: str) -> dict:
    return json.loads(ok("remind", "--format", "json", *args))


# --- lunar conversions --------------------------------------------------------------------


@given(st.dates(date(1880, 3, 1), date(2200, 12, 31)))
def test_every_lunar_date_as_the_card_says_it_reads_back(day):
    value = lunar.from_gregorian(day)
    assert lunar.parse(lunar.strip_prefix(lunar.chinese(value)) or "") == value


@pytest.mark.parametrize(
    ("lunar_date", "gregorian"),
    [
        (LunarDate(1990, 8, 15), date(1990, 10, 3)),  # 中秋 1990
        (LunarDate(2000, 1, 1), date(2000, 2, 5)),  # 春节 2000
        (LunarDate(2020, 4, 1, leap=True), date(2020, 5, 23)),  # 闰四月初一
        (LunarDate(2023, 2, 1, leap=True), date(2023, 3, 22)),  # 闰二月初一
        (LunarDate(2025, 6, 1, leap=True), date(2025, 7, 25)),  # 闰六月初一
        (LunarDate(2025, 6, 15, leap=True), date(2025, 8, 8)),
        (LunarDate(2025, 6, 15), date(2025, 7, 9)),  # the ordinary sixth month
        (LunarDate(2023, 12, 30), date(2024, 2, 9)),  # 除夕 2024
        (LunarDate(2033, 11, 1, leap=True), date(2033, 12, 22)),  # the 2033 leap month
    ],
)
def test_lunar_dates_match_the_published_calendar(lunar_date, gregorian):
    assert lunar.to_gregorian(lunar_date) == gregorian
    assert lunar.from_gregorian(gregorian) == lunar_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1990-08-15", LunarDate(1990, 8, 15)),
        ("1990-8-5", LunarDate(1990, 8, 5)),
        ("2025-闰06-15", LunarDate(2025, 6, 15, True)),
        ("2025-L6-15", LunarDate(2025, 6, 15, True)),
        ("2025-leap06-15", LunarDate(2025, 6, 15, True)),
        # as the card shows it (lunar.chinese), and Chinese numerals of each kind
        ("1990年八月十五", LunarDate(1990, 8, 15)),
        ("1990 年 正月初一", LunarDate(1990, 1, 1)),
        ("2025年闰六月十五", LunarDate(2025, 6, 15, True)),
        ("1988年腊月廿九", LunarDate(1988, 12, 29)),
        ("1988年冬月廿", LunarDate(1988, 11, 20)),
        ("2024年十月卅", LunarDate(2024, 10, 30)),
        ("1990年8月15日", LunarDate(1990, 8, 15)),
        ("１９９０年八月十五", LunarDate(1990, 8, 15)),
    ],
)
def test_lunar_date_forms(text, expected):
    assert lunar.parse(text) == expected
    assert lunar.parse(str(expected)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1990-13-01", "lunar month must be 1 to 12"),
        ("2024-闰06-01", "lunar year 2024 has no leap month 6: it has no leap month"),
        ("1990-闰06-01", "its leap month is 5"),
        ("2024-12-30", "lunar 2024 month 12 has 29 days (got day 30)"),
        ("1850-01-01", "outside 1880-2200"),
        ("mid-autumn", "not a lunar date"),
        ("1990年十三月初一", "lunar month must be 1 to 12 (got 13)"),
        ("2024年闰六月初一", "lunar year 2024 has no leap month 6"),
        ("2024年腊月三十", "lunar 2024 month 12 has 29 days (got day 30)"),
        ("1990年八月三十二", "lunar 1990 month 8 has 29 days (got day 32)"),
        ("八月十五", "not a lunar date: '八月十五'"),  # no year: a birthday needs one
        ("1990年八月", "not a lunar date"),
    ],
)
def test_impossible_lunar_dates_are_refused(text, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        lunar.parse(text)


def test_a_leap_month_date_falls_in_the_ordinary_month_in_years_without_that_leap():
    born = LunarDate(2025, 6, 15, leap=True)
    assert lunar.anniversary(born, 2025) == date(2025, 8, 8)  # the leap month itself
    assert lunar.anniversary(born, 2026) == date(2026, 7, 28)  # 2026: no leap month
    assert lunar.anniversary(born, 2026) == lunar.to_gregorian(LunarDate(2026, 6, 15))


def test_the_30th_falls_on_the_29th_in_a_short_month():
    eve = LunarDate(2023, 12, 30)  # 除夕 2024
    assert lunar.month_length(2024, 12) == 29
    assert lunar.anniversary(eve, 2024) == date(2025, 1, 28)  # 十二月廿九, 除夕 2025


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2150, 12, 31)))
def test_gregorian_and_lunar_round_trip(day):
    assert lunar.to_gregorian(lunar.from_gregorian(day)) == day


# --- festivals ----------------------------------------------------------------------------

PUBLISHED = {
    "spring-festival": ("2024-02-10", "2025-01-29", "2026-02-17"),
    "lantern": ("2024-02-24", "2025-02-12", "2026-03-03"),
    "qingming": ("2024-04-04", "2025-04-04", "2026-04-05"),
    "dragon-boat": ("2024-06-10", "2025-05-31", "2026-06-19"),
    "qixi": ("2024-08-10", "2025-08-29", "2026-08-19"),
    "mid-autumn": ("2024-09-17", "2025-10-06", "2026-09-25"),
    "double-ninth": ("2024-10-11", "2025-10-29", "2026-10-18"),
    "new-years-eve": ("2024-02-09", "2025-01-28", "2026-02-16"),
    "new-year": ("2024-01-01", "2025-01-01", "2026-01-01"),
    "labour-day": ("2024-05-01", "2025-05-01", "2026-05-01"),
    "national-day": ("2024-10-01", "2025-10-01", "2026-10-01"),
}


@pytest.mark.parametrize("key", PUBLISHED)
def test_festival_dates_for_three_years(key):
    festival = festivals.BY_KEY[key]
    for year, published in zip((2024, 2025, 2026), PUBLISHED[key], strict=True):
        days = festivals.occurrences(festival, date(year, 1, 1), date(year, 12, 31))
        assert [d.isoformat() for d in days] == [published]


def test_laba_can_fall_twice_in_one_gregorian_year():
    laba = festivals.BY_KEY["laba"]
    assert festivals.occurrences(laba, date(2022, 1, 1), date(2022, 12, 31)) == [
        date(2022, 1, 10),
        date(2022, 12, 30),
    ]


def test_every_festival_name_is_one_the_library_knows():
    from tyme4py.festival import LunarFestival, SolarFestival

    for festival in festivals.FESTIVALS:
        table = SolarFestival if festival.calendar == festivals.GREGORIAN else LunarFestival
        assert festival.name in table.NAMES


@pytest.mark.parametrize(
    "name", ["中秋", "中秋节", "mid-autumn", "Mid-Autumn Festival", "MID-AUTUMN"]
)
def test_festivals_by_any_name(name):
    assert festivals.find(name).key == "mid-autumn"


def test_festival_list(db_path):
    out = ok("care", "festivals", "--year", "2026", "--format", "json")
    rows = json.loads(out)
    assert [(r["falls_on"], r["festival"]) for r in rows][:4] == [
        ("2026-01-01", "new-year"),
        ("2026-01-26", "laba"),
        ("2026-02-16", "new-years-eve"),
        ("2026-02-17", "spring-festival"),
    ]
    assert ok("care", "festivals").splitlines()[2].startswith("2027-01-01  new-year")
    assert ok("care", "festivals") == ok("care", "festival", "list")  # its first name
    assert not db_path.exists()


def test_qingming_is_a_solar_term_not_a_lunar_festival(db_path):
    rows = json.loads(ok("care", "festival", "list", "--year", "2026", "--format", "json"))
    calendars = {r["festival"]: r["calendar"] for r in rows}
    assert calendars["qingming"] == "solar_term"  # 节气: 4 or 5 April, by the sun
    assert calendars["mid-autumn"] == "lunar" and calendars["new-year"] == "gregorian"
    assert "2026-04-05  qingming         清明节  Qingming                solar term  -231" in ok(
        "care", "festival", "list", "--year", "2026"
    )


# --- festivals of one's own ---------------------------------------------------------------


def _own(year: int, *names: str) -> list[tuple[str, str]]:
    rows = json.loads(ok("care", "festival", "list", "--year", str(year), "-f", "json"))
    return [
        (r["falls_on"], r["festival"]) for r in rows if r["is_custom"] or r["festival"] in names
    ]


def test_a_festival_of_ones_own_comes_back_every_year(db_path):
    err = fails(2, "care", "--holiday", "圣诞", db=db_path)
    assert err.endswith("; add one of your own with crm care festival add NAME --date MM-DD\n")
    assert ok("care", "festival", "add", "圣诞节", "--date", "12-25") == (
        "Added festival 圣诞节: every year on 12-25 (next Fri 2026-12-25)\n"
    )
    assert ok("care", "festival", "add", "Company day", "--lunar", "8-15", "-q") == "Company day\n"
    # A lunar 08-15 falls with 中秋 every year; Gregorian ones on their day.
    for year in (2026, 2027, 2030):
        own = _own(year, "mid-autumn")
        moon = [d for d, key in own if key == "mid-autumn"]
        assert [d for d, key in own if key == "Company day"] == moon
        assert (f"{year}-12-25", "圣诞节") in own
    row = next(
        r for r in json.loads(ok("care", "festival", "list", "-f", "json")) if r["is_custom"]
    )
    assert row == {
        "falls_on": "2026-12-25", "festival": "圣诞节", "name": "圣诞节", "english": None,
        "calendar": "gregorian", "days_until": 33, "is_custom": True,
    }  # fmt: skip


def test_a_29_february_or_lunar_30th_falls_on_the_day_before_when_the_year_lacks_it(db_path):
    ok("care", "festival", "add", "Leap day", "--date", "02-29")
    ok("care", "festival", "add", "年尾", "--lunar", "12-30")
    assert ("2027-02-28", "Leap day") in _own(2027) and ("2028-02-29", "Leap day") in _own(2028)
    for year in (2024, 2025, 2026, 2027):  # the last day of the lunar year: 除夕, 29th or 30th
        own = _own(year, "new-years-eve")
        assert [d for d, k in own if k == "年尾"] == [d for d, k in own if k == "new-years-eve"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["X", "--date", "02-30"], "crm: --date '02-30' is not a month and day of any year"),
        (["X", "--date", "13-01"], "crm: --date '13-01' is not a month and day of any year"),
        (["X", "--date", "12/25"], "crm: --date '12/25' is not a month and day of any year"),
        (["X", "--date", "2026-12-25"], "crm: --date '2026-12-25' is not a month and day"),
        (["X", "--lunar", "08-31"], "crm: --lunar '08-31' is not a lunar month and day"),
        (["X", "--lunar", "00-10"], "crm: --lunar '00-10' is not a lunar month and day"),
        (["X"], "crm: give the festival's day with --date MM-DD or --lunar MM-DD (one)"),
        (["X", "--date", "1-1", "--lunar", "1-1"], "crm: give the festival's day with"),
        (["", "--date", "12-25"], "crm: festival name cannot be empty"),
        (["  ", "--date", "12-25"], "crm: festival name cannot be empty"),
        (["圣诞", "--date", "12-24"], "crm: festival 圣诞节 already exists (every year on 12-25)"),
        (["ＸＭＡＳ", "--date", "12-24"], "crm: festival xmas already exists"),
        (["中秋", "--date", "09-01"], "crm: '中秋' is the built-in festival 中秋节 Mid-Autumn"),
        (["Mid-Autumn Festival", "--date", "09-01"], "crm: 'Mid-Autumn Festival' is the built-in"),
        (["all", "--date", "12-25"], "crm: 'all' names every festival in a care rule"),
    ],
)
def test_bad_festivals_of_ones_own_are_refused(db_path, args, message):
    ok("care", "festival", "add", "圣诞节", "--date", "12-25")
    ok("care", "festival", "add", "xmas", "--date", "12-25")
    err = fails(2, "care", "festival", "add", *args, db=db_path)
    assert err.startswith(message) and len(err.splitlines()) == 1


def test_deleting_a_festival_asks_first_and_refuses_one_a_rule_is_for(db_path):
    ok("care", "festival", "add", "圣诞节", "--date", "12-25")
    ok("care", "rule", "add", "圣诞", "贺卡 card")
    assert fails(2, "care", "festival", "delete", "圣诞节", "--yes", db=db_path) == (
        "crm: care rule 1 is for 圣诞节: delete it first (crm care rule delete 1)\n"
    )
    ok("care", "rule", "delete", "--yes", "1")
    assert fails(2, "care", "festival", "delete", "圣诞节", db=db_path) == (  # off a terminal
        "crm: care festival delete asks for confirmation; add --yes to run it from a script\n"
    )
    assert fails(2, "care", "festival", "delete", "中秋", "--yes", db=db_path) == (
        "crm: 中秋节 Mid-Autumn Festival is built in; only your own festivals can be deleted\n"
    )
    assert fails(3, "care", "festival", "delete", "Easter", "--yes", db=db_path) == (
        "crm: no festival of your own named 'Easter'; yours: 圣诞节\n"
    )
    assert ok("care", "festival", "delete", "圣诞", "--yes") == (
        "Deleted festival 圣诞节 (every year on 12-25).\n"
    )
    assert _own(2026) == []
    ok("undo", "--yes")  # a delete is undone like any other change
    assert _own(2026) == [("2026-12-25", "圣诞节")]


def test_a_festival_of_ones_own_is_in_care_lists_remind_and_ics(cared, monkeypatch):
    ok("care", "festival", "add", "Company anniversary", "--date", "12-01")
    assert ok("care", "rule", "add", "company anniversary", "贺卡 card", "--tag", "vip") == (
        "Added care rule 3: Company anniversary: 贺卡 card for --tag vip\n"
    )
    rows = json.loads(ok("care", "--holiday", "Company Anniversary", "--format", "json"))
    assert [(r["falls_on"], r["festival"], r["customer_id"], r["actions"]) for r in rows] == [
        ("2026-12-01", "Company anniversary", 1, ["greeting card", "贺卡 card"]),
        ("2026-12-01", "Company anniversary", 2, ["greeting card", "贺卡 card"]),
    ]
    report = remind("--within", "2w")
    assert [(f["falls_on"], f["festival"], f["customers"]) for f in report["festivals"]] == [
        ("2026-12-01", "Company anniversary", 2)
    ]
    ics = ok("remind", "--within", "2w", "--format", "ics")
    assert "SUMMARY:Company anniversary: 2 customers to greet" in ics
    assert "UID:festival-Company anniversary-20261201@crmcli" in ics
    assert ok("today") == ""  # a festival is no reason to call today
    assert "Company anniversary" in ok("care", "rule", "list")


# --- lunar birthdays and dates ------------------------------------------------------------


def test_lunar_birthday_is_stored_with_its_gregorian_day(db_path):
    add("王芳", "--birthday", "lunar:1990-08-15")
    record = json.loads(ok("show", "王芳", "--format", "json"))
    assert (record["birthday"], record["birthday_lunar"]) == ("1990-10-03", "1990-08-15")
    assert "  lunar birthday  1990-08-15 (next on 2027-09-15)\n" in ok("show", "王芳")
    ok("edit", "王芳", "--birthday", "1990-08-15")  # a plain date is Gregorian, as before
    record = json.loads(ok("show", "王芳", "--format", "json"))
    assert (record["birthday"], record["birthday_lunar"]) == ("1990-08-15", None)
    ok("edit", "王芳", "--birthday", "农历2025-闰06-15")
    ok("edit", "王芳", "--unset", "birthday")
    record = json.loads(ok("show", "王芳", "--format", "json"))
    assert (record["birthday"], record["birthday_lunar"]) == (None, None)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lunar:2024-闰06-01", "crm: lunar year 2024 has no leap month 6: it has no leap month\n"),
        ("lunar:2024-12-30", "crm: lunar 2024 month 12 has 29 days (got day 30)\n"),
        ("lunar:2026-12-01", "crm: birthday 2027-01-08 is in the future\n"),
        ("lunar:soon", "crm: not a lunar date: 'soon'; write lunar:YYYY-MM-DD"),
    ],
)
def test_bad_lunar_birthdays(db_path, value, message):
    add("王芳")
    assert fails(2, "edit", "王芳", "--birthday", value, db=db_path).startswith(message)


def test_lunar_birthday_in_remind_today_and_ics(db_path):
    # 1990-10-15 lunar falls on 2026-11-23 this year (十月十五), a Gregorian one would not.
    add("李雷", "--birthday", "lunar:1990-10-15", "--phone", "+8613800138000")
    rows = remind()["dates"]
    assert [(d["falls_on"], d["label"], d["years"]) for d in rows] == [
        ("2026-11-23", "lunar birthday", 36)
    ]
    assert "2026-11-23  李雷 (#1)  +8613800138000  lunar birthday (turns 36)" in ok("remind")
    ics = ok("remind", "--format", "ics")
    assert "DTSTART;VALUE=DATE:20261123" in ics
    assert "UID:birthday-1-20261123@crmcli" in ics
    # docs/care.md names the UIDs in the form the feed writes: the occurrence's day.
    page = (Path(__file__).parent.parent / "docs" / "care.md").read_text(encoding="utf-8")
    forms = re.findall(r"`(?:UID )?((?:birthday|festival)-[A-Z]+-[A-Z]+)@crmcli`", page)
    assert forms == ["birthday-ID-YYYYMMDD", "festival-KEY-YYYYMMDD"]


def test_lunar_birthdays_and_birthdays_without_a_year_side_by_side(db_path):
    add("李雷", "--birthday", "lunar:1990-10-15")  # falls on 2026-11-23
    add("Mei", "--birthday", "--11-24")  # a phone contact's birthday, no year
    rows = remind()["dates"]
    assert [(d["falls_on"], d["label"], d["years"]) for d in rows] == [
        ("2026-11-23", "lunar birthday", 36),
        ("2026-11-24", "birthday", None),
    ]
    assert ok("remind").endswith(
        "2026-11-23  李雷 (#1)         lunar birthday (turns 36)\n"
        "2026-11-24  Mei (#2)          birthday\n"
    )
    # Care rules choose by the day of the year too: a card for November's birthdays.
    ok("care", "rule", "add", "all", "birthday card",
       "--where", "birthday >= --11-01", "--where", "birthday <= --11-30")  # fmt: skip
    listed = json.loads(ok("care", "--year", "2026", "--format", "json"))
    # (李雷 was born on 1990-12-01: the filter reads the Gregorian birthday.)
    assert {(r["customer_name"], tuple(r["actions"])) for r in listed} == {
        ("Mei", ("birthday card",))
    }


def test_leap_month_birthday_in_a_year_without_it(db_path, monkeypatch):
    add("Lin", "--birthday", "lunar:2025-闰06-15")
    monkeypatch.setenv("CRM_NOW", "2026-07-27T09:00:00+08:00")
    assert [d["falls_on"] for d in remind()["dates"]] == ["2026-07-28"]
    assert "Lin" not in ok("today")
    monkeypatch.setenv("CRM_NOW", "2026-07-28T09:00:00+08:00")
    assert "lunar birthday (turns 1) today" in ok("today")


def test_lunar_important_date(db_path, monkeypatch):
    add("Lin")
    out = ok("date", "add", "Lin", "wedding anniversary", "lunar:2020-闰04-01", "--yearly")
    assert out == (
        "Added date 1 for Lin (#1): wedding anniversary Sat 2020-05-23 (lunar 2020-闰04-01) yearly;"
        " next 2027-05-06\n"
    )
    rows = json.loads(ok("date", "list", "--format", "json"))
    assert (rows[0]["date_on"], rows[0]["date_lunar"], rows[0]["next_on"]) == (
        "2020-05-23",
        "2020-闰04-01",
        "2027-05-06",
    )
    monkeypatch.setenv("CRM_NOW", "2027-05-01T09:00:00+08:00")
    assert [(d["falls_on"], d["years"]) for d in remind()["dates"]] == [("2027-05-06", 7)]


# --- care rules and lists -----------------------------------------------------------------


@pytest.fixture
def cared(db_path):
    filled_once(db_path, _fill_cared)
    return db_path


def _fill_cared() -> None:
    add("王芳", "--phone", "+8613800138000")
    add("李雷")
    add("Anna")
    ok("tag", "vip", "王芳", "李雷")
    ok("stage", "王芳", "loyal")
    ok("care", "rule", "add", "中秋", "月饼礼盒 mooncake gift", "--tag", "vip", "--stage", "loyal")
    ok("care", "rule", "add", "all", "greeting card", "--tag", "vip")


def test_care_rules_add_list_delete(cared):
    assert ok("care", "rule", "list") == (
        "id  festival_name   action                  selection\n"
        "--  --------------  ----------------------  -----------------------\n"
        "1   中秋节          月饼礼盒 mooncake gift  --tag vip --stage loyal\n"
        "2   every festival  greeting card           --tag vip\n"
    )
    rule = json.loads(ok("care", "rule", "list", "--format", "json"))[0]
    assert rule["festival"] == "mid-autumn"
    assert ok("care", "rule", "add", "春节", "红包", "-q") == "3\n"
    assert (
        ok("care", "rule", "delete", "--yes", "3")
        == "Deleted care rule 3: 春节: 红包 for everyone\n"
    )


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["rule", "add", "圣诞", "x"],
            2,
            "crm: unknown festival '圣诞'; known: 元旦 New Year's Day,",
        ),
        (["rule", "add", "中秋", " "], 2, "crm: action cannot be empty"),
        (["rule", "add", "中秋", "x", "--where", "tier = A"], 2, "crm: unknown field 'tier'"),
        (["rule", "add", "中秋", "x", "--stage", "nowhere"], 2, "crm: unknown stage"),
        (["rule", "add", "中秋", "x", "--archived"], 2, "crm: care rules greet active"),
        (["rule", "delete", "--yes", "9"], 3, "crm: no care rule with id 9"),
        (["--holiday", "xmas"], 2, "crm: unknown festival 'xmas'"),
        (["--year", "1800"], 2, "crm: --year takes a whole number from 1950 to 2200, not '1800'"),
        (["--within", "soon"], 2, "crm: --within 'soon' is not a period"),
    ],
)
def test_bad_care_input(cared, args, code, message):
    assert fails(code, "care", *args, db=cared).startswith(message)


def test_care_list_for_a_holiday(cared):
    out = ok("care", "--holiday", "中秋", "--year", "2026")
    assert out == (
        "falls_on    festival_name  customer   phone           care\n"
        "----------  -------------  ---------  --------------  "
        "-------------------------------------\n"
        "2026-09-25  中秋节         王芳 (#1)  +8613800138000  月饼礼盒 mooncake gift; greeting card\n"
        "2026-09-25  中秋节         李雷 (#2)                  greeting card\n"
    )
    rows = json.loads(ok("care", "--holiday", "mid-autumn", "--format", "json"))
    assert rows[0] == {
        "falls_on": "2027-09-15", "festival": "mid-autumn", "festival_name": "中秋节",
        "days_until": 297, "customer_id": 1, "customer_name": "王芳", "phone": "+8613800138000",
        "actions": ["月饼礼盒 mooncake gift", "greeting card"], "rule_ids": [1, 2],
    }  # fmt: skip
    assert ok("care", "--holiday", "中秋", "-q") == "1\n2\n"


def test_care_rules_follow_todays_tags(cared):
    ok("untag", "vip", "李雷")
    ok("delete", "王芳")
    assert ok("care", "--holiday", "春节", "-q") == ""


def test_care_window_and_year(cared):
    assert ok("care") == ""  # nothing from 2026-11-22 within a month
    rows = json.loads(ok("care", "--within", "3m", "--format", "json"))
    assert sorted({r["festival"] for r in rows}) == [
        "laba",
        "lantern",
        "new-year",
        "new-years-eve",
        "spring-festival",
    ]
    rows = json.loads(ok("care", "--year", "2027", "--format", "json"))
    assert len({r["festival"] for r in rows}) == 12


def test_festivals_in_remind_only_when_a_rule_covers_them(cared, monkeypatch):
    monkeypatch.setenv("CRM_NOW", "2026-09-20T09:00:00+08:00")
    report = remind()
    assert [(f["falls_on"], f["festival"], f["customers"]) for f in report["festivals"]] == [
        ("2026-09-25", "mid-autumn", 2)
    ]
    assert report["festivals"][0]["greet"][0] == {
        "customer_id": 1,
        "customer_name": "王芳",
        "actions": ["月饼礼盒 mooncake gift", "greeting card"],
    }
    assert (
        "Festivals until 2026-09-27 (1)\n"
        "falls_on    festival_name  days_until  customers  care\n"
        "----------  -------------  ----------  ---------  "
        "---------------------------------------------\n"
        "2026-09-25  中秋节         5           2          月饼礼盒 mooncake gift (1); "
        "greeting card (2)\n"
    ) in ok("remind")
    ics = ok("remind", "--format", "ics")
    assert "UID:festival-mid-autumn-20260925@crmcli" in ics
    ok("care", "rule", "delete", "--yes", "1")
    ok("care", "rule", "delete", "--yes", "2")
    assert remind()["festivals"] == []
    assert ok("remind") == ""


# --- national ID --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",  # GB 11643's own example, check digit X
        "440524188001010014",  # GB 11643's other example
        "441900199003074519",  # 东莞: a city without districts, county code 00
        "810000198501010029",  # a Hong Kong residents' residence permit
        "11010519491231002x",  # a lower-case x is accepted, stored upper-case
    ],
)
def test_valid_national_ids(number):
    assert validate.national_id(number, date(2026, 11, 22)) == number.upper()


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("110105194912310021", "check digit does not match"),
        ("110105194912310020", "check digit does not match"),
        ("44052418800101001X", "check digit does not match"),
        ("11010519491231002", "must be 18 characters"),
        ("990105194912310025", "impossible region code"),  # no province 99
        ("110005194912310026", "impossible region code"),  # no prefecture 00
        ("118005194912310021", "impossible region code"),  # no prefecture 80
        ("810100198501010026", "impossible region code"),  # permits are 810000
        ("110105194902300021", "impossible birth date"),
        ("110105202712310024", "impossible birth date"),  # in the future
    ],
)
def test_invalid_national_ids(number, message):
    with pytest.raises(InvalidInput, match=re.escape(message)):
        validate.national_id(number, date(2026, 11, 22))


def test_derive_from_id_fills_birthday_and_gender_and_stays_masked(db_path):
    out = ok("add", "王芳", "--national-id", "11010519491231002X", "--derive-from-id")
    assert out == "Added customer 1: 王芳, born Sat 1949-12-31\n"  # derived, and echoed
    record = json.loads(ok("show", "王芳", "--format", "json"))
    assert (record["birthday"], record["gender"]) == ("1949-12-31", "female")
    assert record["national_id"] == "110105********002X"
    assert "11010519491231002X" not in ok("show", "王芳") + out
    # Only empty fields are filled; on edit the stored ID is used.
    add("Li", "--gender", "male", "--birthday", "lunar:1980-01-01")
    ok("edit", "Li", "--national-id", "440524188001010014")
    assert ok("edit", "Li", "--derive-from-id") == "No changes.\n"
    ok("edit", "Li", "--unset", "gender", "--derive-from-id")
    record = json.loads(ok("show", "Li", "--format", "json"))
    assert (record["gender"], record["birthday_lunar"]) == ("male", "1980-01-01")


def test_derive_from_id_needs_an_id(db_path):
    add("Li")
    message = "crm: --derive-from-id needs a national ID; give --national-id\n"
    assert fails(2, "edit", "Li", "--derive-from-id", db=db_path) == message
    assert fails(2, "add", "Wu", "--derive-from-id", db=db_path) == message


# --- follow-up rhythms --------------------------------------------------------------------


def test_every_keeps_the_calendar_and_after_counts_from_completion(db_path, monkeypatch):
    add("Anna")
    ok("task", "add", "Anna", "Strict check-in", "--due", "2026-11-20", "--every", "2w")
    out = ok("task", "add", "Anna", "Call again", "--due", "2026-11-20", "--after", "2w")
    assert out == (
        "Added task 2 for Anna (#1), due Fri 2026-11-20, again 2 weeks after each is done: Call again\n"
    )
    assert ok("task", "done", "1", "2") == (
        "Done task 1: Strict check-in (next: task 3 due 2026-12-04)\n"
        "Done task 2: Call again (next: task 4 due 2026-12-06)\n"
    )
    monkeypatch.setenv("CRM_NOW", "2026-12-01T09:00:00+08:00")  # both done early
    assert ok("task", "done", "3", "4") == (
        "Done task 3: Strict check-in (next: task 5 due 2026-12-18)\n"
        "Done task 4: Call again (next: task 6 due 2026-12-15)\n"
    )
    rows = json.loads(ok("task", "list", "--format", "json"))
    assert [(r["id"], r["every"], r["repeat_after"]) for r in rows] == [
        (6, None, "2w"),
        (5, "2w", None),
    ]
    assert "Call again       2w after done\n" in ok("task", "list")


def test_task_edit_switches_between_repeat_kinds(db_path):
    add("Anna")
    ok("task", "add", "Anna", "Call", "--every", "1m")
    ok("task", "edit", "1", "--after", "10d")
    task = json.loads(ok("task", "list", "--format", "json"))[0]
    assert (task["every"], task["repeat_after"]) == (None, "10d")
    ok("task", "edit", "1", "--every", "none")
    task = json.loads(ok("task", "list", "--format", "json"))[0]
    assert (task["every"], task["repeat_after"]) == (None, None)
    message = "crm: give --every (a strict calendar) or --after (after done), not both\n"
    assert fails(2, "task", "add", "Anna", "x", "--every", "1w", "--after", "1w") == message
    assert fails(2, "task", "add", "Anna", "x", "--after", "15min").startswith(
        "crm: --after '15min' is not a period"
    )


def test_cadence_range_is_due_then_overdue_and_contact_resets_it(db_path, monkeypatch):
    add("Anna", "--cadence", "14d..30d")
    record = json.loads(ok("show", "Anna", "--format", "json"))
    assert (record["cadence_days"], record["cadence_max_days"]) == (14, 30)
    ok("log", "call", "Anna", "hello", "--at", "2026-11-01 10:00")
    row = remind()["due_for_contact"][0]
    assert (row["state"], row["due_on"], row["overdue_after"]) == (
        "due",
        "2026-11-15",
        "2026-12-01",
    )
    assert "14..30 days (customer)  due" in ok("remind")
    assert "(due: cadence 14..30 days, customer)" in ok("today")
    monkeypatch.setenv("CRM_NOW", "2026-12-02T10:00:00+08:00")
    assert remind()["due_for_contact"][0]["state"] == "overdue"
    ok("log", "note", "Anna", "a note is not contact")
    assert remind()["due_for_contact"][0]["state"] == "overdue"
    ok("log", "message", "Anna", "hi")
    assert remind()["due_for_contact"] == []
    ok("edit", "Anna", "--cadence", "2w")
    record = json.loads(ok("show", "Anna", "--format", "json"))
    assert (record["cadence_days"], record["cadence_max_days"]) == (14, None)


def test_cadence_range_settings(db_path):
    assert ok("config", "set", "cadence.tag.vip", "2w..1m") == "cadence.tag.vip = 14d..30d\n"
    assert ok("config", "set", "cadence.default", "30d..30d") == "cadence.default = 30d\n"
    add("Anna")
    ok("tag", "vip", "Anna")
    row = remind("--within", "3m")["due_for_contact"]
    assert row == []  # added today: not due yet
    out = crm("config", "set", "cadence.default", "30d..14d")
    assert out.exit_code == 2
    assert "the maximum gap is shorter than the ideal one" in out.stderr


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("cadence.default", "11y"),
        ("cadence.default", "100y"),
        ("cadence.default", "一百年"),
        ("cadence.default", "14d..11y"),
        ("cadence.tag.vip", "十一年"),
    ],
)
def test_a_cadence_setting_is_refused_where_a_customer_cadence_is(db_path, key, value):
    add("Anna")
    said = fails(2, "config", "set", key, value, db=db_path)
    assert said == f"crm: cadence must be between 1 and 3660 days (got {value.split('..')[-1]!r})\n"
    assert said == fails(2, "edit", "Anna", "--cadence", value, db=db_path)
    ok("remind")  # nothing stored that a later command refuses


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("30d..14d", "the maximum gap is shorter than the ideal one"),
        ("14d..", "not a period"),
        ("..30d", "not a period"),
        ("14d..9999d", "cadence must be between 1 and 3660 days"),
    ],
)
def test_bad_cadence_ranges(db_path, value, message):
    add("Anna")
    assert message in fails(2, "edit", "Anna", "--cadence", value, db=db_path)


def test_festival_names_with_or_without_jie(db_path):
    ok("care", "rule", "add", "元旦节", "card")
    assert "new-year" in ok("care", "rule", "list", "-f", "json")


def test_care_year_and_within_do_not_mix(db_path):
    assert "not both" in fails(2, "care", "--year", "2026", "--within", "1m", db=db_path)


def test_a_rule_for_every_festival_is_shown_in_chinese_as_the_word_typed_for_it(db_path):
    add("张伟")
    ok("tag", "vip", "张伟")
    said = ok("--lang", "zh", "care", "rule", "add", "全部节日", "节日问候", "--tag", "vip")
    assert "：全部节日：节日问候" in said and "所有" not in said, said
    listed = ok("--lang", "zh", "care", "rule", "list")
    shown = listed.splitlines()[2].split()[1]
    assert shown == "全部节日" and "所有节日" not in listed, listed
    ok("care", "rule", "add", shown, "贺卡", "--tag", "vip")  # pasted back: every festival
    ok("care", "rule", "add", "全部", "短信", "--tag", "vip")
    rules = json.loads(ok("care", "rule", "list", "--format", "json"))
    assert [r["festival"] for r in rules] == ["all", "all", "all"]
    assert ok("--lang", "zh", "care", "--holiday", shown, "--within", "400d").strip()
    history = ok("--lang", "zh", "history", "--limit", "3")
    assert "节日：全部节日；" in history and "节日：all" not in history, history
    assert "festival=every festival" in ok("history", "--limit", "1")  # as a person says it
    assert "festival=all" in ok("history", "--limit", "1", "--format", "csv")  # as stored
    said = fails(2, "care", "festival", "add", "全部节日", "--date", "12-25")
    assert "names every festival in a care rule" in said, said
    assert "every festival" in ok("care", "rule", "list")
    ok("care", "rule", "add", "spring-festival", "拜年", "--tag", "vip")
    assert "节日：春节；" in ok("--lang", "zh", "history", "--limit", "1")


@pytest.mark.parametrize("name", ["全部节日", "全部", "所有节日", "all", "ALL", "全部节"])
def test_a_festival_named_like_every_festival_is_refused(db_path, name):
    said = fails(2, "care", "festival", "add", name, "--date", "12-25", db=db_path)
    assert said == f"crm: {name!r} names every festival in a care rule; choose another name\n"


def test_a_festival_named_every_festival_before_the_word_was_reserved_says_the_clash(db_path):
    import sqlite3

    add("张伟")
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "INSERT INTO custom_festivals (name, name_key, calendar, month, day, created_at) "
            "VALUES ('全部节日', '全部节日', 'gregorian', 12, 25, '2026-01-01T00:00:00+08:00')"
        )
    conn.close()
    said = fails(2, "care", "rule", "add", "全部节日", "送花", db=db_path)
    assert said == (
        "crm: '全部节日' names every festival in a care rule, and your own festival 全部节日 "
        "too; delete yours (crm care festival delete 全部节日) and add it again under another "
        "name\n"
    )
    ok("care", "rule", "add", "all", "贺卡")  # a word the festival does not answer to
    ok("care", "festival", "delete", "全部节日", "--yes")
    ok("care", "rule", "add", "全部节日", "送花")
    rules = json.loads(ok("care", "rule", "list", "-f", "json"))
    assert [(r["festival"], r["action"]) for r in rules] == [("all", "贺卡"), ("all", "送花")]


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("元宵节（lantern）", "元宵节"),  # as a list writes a festival and its key
        ("元宵节(lantern)", "元宵节"),
        ("元宵节 ( Lantern Festival )", "元宵节"),
        ("新年（春节）", "春节"),
        ("团圆（mid-autumn）", "中秋节"),
        ("公司日（圣诞节）", "圣诞节"),  # the user's own festival too
    ],
)
def test_a_festival_named_as_a_list_writes_another_is_refused(db_path, name, label):
    """A name whose brackets name a festival (`元宵节（lantern）`, copied from crm's own
    list) would be read as that festival by a care rule: refused, one line, nothing added."""
    ok("care", "festival", "add", "圣诞节", "--date", "12-25")
    said = fails(2, "--lang", "zh", "care", "festival", "add", name, "--date", "02-01", db=db_path)
    assert said.startswith("crm: “") and f"括号里写的是{label}" in said, said
    said = fails(2, "care", "festival", "add", name, "--date", "02-01", db=db_path)
    assert f"its brackets name {label}" in said, said


_EVERY_NAME = set().union(*(festivals.names(f) for f in festivals.FESTIVALS))


@given(
    st.text(st.characters(categories=["Lo"]), min_size=1, max_size=4),
    st.text(st.characters(categories=["Lo", "Ll"]), min_size=1, max_size=4),
    st.sampled_from(["（{}）", "({})", " ( {} )"]),
)
@settings(max_examples=50, deadline=None)
def test_brackets_are_read_as_a_festival_only_where_both_parts_name_it(name, part, brackets):
    """`周年庆（公司）`: brackets naming no festival are part of the user's own name and
    find that festival alone; `元宵节（lantern）` finds the festival both parts name."""
    typed = name + brackets.format(part)
    own = festivals.custom(typed, festivals.GREGORIAN, 1, 2)
    among = (*festivals.FESTIVALS, own)
    parts = festivals.bracketed(typed)
    assert parts is not None
    if parts[1] in _EVERY_NAME:
        return  # refused by crm care festival add
    assert festivals.find(typed, among) == own
    for festival in festivals.FESTIVALS:
        listed = f"{festival.name}{brackets.format(festival.key)}"
        assert festivals.find(listed, among) == festival


def test_a_rule_takes_a_festival_as_a_list_writes_it(db_path):
    ok("care", "festival", "add", "周年庆（公司）", "--date", "06-18")
    ok("care", "rule", "add", "元宵节（lantern）", "汤圆")
    ok("care", "rule", "add", "周年庆（公司）", "贺卡")
    rules = json.loads(ok("care", "rule", "list", "--format", "json"))
    assert [r["festival"] for r in rules] == ["lantern", "周年庆（公司）"]


def test_a_name_longer_than_a_festival_may_be_is_not_read_for_brackets():
    """A name of 100,000 spaces before `(x` (a runaway paste) is no festival: no text longer
    than a festival's name may be is read for brackets (the speed of the reading is
    bench's to measure, not a test's)."""
    typed = "a" + " " * 100_000 + "(x"
    assert festivals.bracketed(typed) is None
    assert festivals.bracketed(typed + ")") is None
    assert festivals.bracketed("a" + " " * 400 + "(lantern)") == ("a", "lantern")
    for n in (400, 499):
        assert festivals.bracketed("a" + " " * n + "(x") is None


@given(st.text(st.sampled_from(list("a b()（）\n\t元宵节 x\u3000\x1c\u2028")), max_size=14))
@settings(max_examples=100, deadline=None)
def test_a_bracketed_name_is_read_as_the_pattern_reads_it(typed):
    """`bracketed` reads `NAME（PART）` as `(.+?)\\s*\\(\\s*([^()]+?)\\s*\\)` does (NFKC, stripped,
    full match), each part folded, none empty."""
    import unicodedata

    found = re.fullmatch(
        r"(.+?)\s*\(\s*([^()]+?)\s*\)", unicodedata.normalize("NFKC", typed).strip()
    )
    folded = None if found is None else (validate.fold(found[1]), validate.fold(found[2]))
    assert festivals.bracketed(typed) == (folded if folded and all(folded) else None)


@settings(max_examples=20)
@given(length=st.integers(min_value=65, max_value=600), chinese=st.booleans())
def test_a_festival_name_has_the_length_of_a_name_typed_back(length, chinese):
    """A tag's and a segment's name are at most 64 characters; a festival's was 500. The
    name is refused before the database is read (no connection is needed)."""
    from crmcli.records.care import add_festival

    with pytest.raises(InvalidInput, match="longer than 64 characters"):
        add_festival(None, ("节" if chinese else "x") * length, on="12-25", lunar=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "crm: festival name is longer than 64 characters\n"),
     ("zh", "crm: 节日名称超过 64 个字符\n")],
)  # fmt: skip
def test_a_festival_name_too_long_is_refused_in_one_line(db_path, lang, said):
    ok("care", "festival", "add", "节" * 64, "--date", "12-25")
    assert fails(2, "--lang", lang, "care", "festival", "add", "x" * 65, "--date", "12-26",
                 db=db_path) == said  # fmt: skip
