"""Amounts and phones on a terminal (crmcli.cli.display): the currency's symbol, 万 with
`--money wan` or the `money` setting, phones in national format for the user's own region;
json, csv, tsv and plain tables in a pipe unchanged."""

import csv
import io
import json
import re

import pytest

from crmcli.cli.display import SYMBOLS, money, phone
from crmcli.core.money import Amount, shown
from tests.conftest import crm, dump, fails, filled_once, ok
from tests.test_i18n_tables import table


@pytest.fixture
def terminal(monkeypatch):
    """Every table and card drawn for an 80-column terminal, no colour, no pager."""
    from crmcli.cli import output, progress  # noqa: F401

    # progress binds is_terminal by name when first imported: imported before the patch, or
    # every later test in this process would draw progress lines as on a terminal
    monkeypatch.setattr(output, "is_terminal", lambda stream: True)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "40")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("CRM_PAGER", "")


@pytest.fixture
def shop(db_path):
    filled_once(db_path, _fill_shop)  # made once per worker, copied
    return db_path


def _fill_shop() -> None:
    ok("config", "set", "default_region", "CN")
    ok("add", "张伟", "--phone", "13379553028", "--city", "上海")
    ok("add", "Ann Lee", "--phone", "+1 415 555 0100", "--phone", "13800138000")
    ok("buy", "张伟", "茶叶", "123456", "--at", "2026-11-01")
    ok("buy", "张伟", "Teapot", "1299.50", "--at", "2026-11-02")
    ok("buy", "Ann Lee", "Tea", "$12.5", "--at", "2026-11-03")
    ok("buy", "Ann Lee", "Cup", "HK$80", "--at", "2026-11-04")
    ok("buy", "Ann Lee", "Chocolate", "9.90 CHF", "--at", "2026-11-05")


def cells(text: str, first: str) -> list[str]:
    """The cells of the table row whose first cell is `first`."""
    for line in text.splitlines():
        parts = [c.strip() for c in line.split("│")]
        if len(parts) > 1 and parts[0] == first:
            return parts
    raise AssertionError(f"no row {first!r} in\n{text}")


def test_amounts_on_a_terminal_show_their_currency_symbol(shop, terminal):
    table = ok("purchases")
    assert max(len(line) for line in table.splitlines()) <= 80
    assert "CN¥123,456.00" in cells(table, "1") and "CN¥1,299.50" in cells(table, "2")
    assert "$12.50" in cells(table, "3") and "HK$80.00" in cells(table, "4")
    assert "9.90" in cells(table, "5") and "CHF" in cells(table, "5")  # no symbol: the code
    assert cells(table, "1")[-1] == "CNY"  # the currency column stays


def test_in_chinese_cny_is_the_plain_yen_sign(shop, terminal, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    table = ok("purchases")
    assert "¥1,299.50" in cells(table, "2") and "CN¥" not in table
    assert "US$12.50" in cells(table, "3")


def test_money_wan_shows_large_cny_sums_in_ten_thousands(shop, terminal):
    table = ok("--money", "wan", "purchases")
    assert "CN¥12.35万" in cells(table, "1")
    assert "CN¥1,299.50" in cells(table, "2")  # under 10,000: as it is
    assert "$12.50" in cells(table, "3")
    assert "CN¥12.35万" in ok("--money", "wan", "show", "张伟")
    assert "CN¥12.35万" in cells(ok("purchases", "--money", "wan"), "1")  # after it too
    ok("config", "set", "money", "wan")  # the setting, for every command
    assert "CN¥12.35万" in cells(ok("purchases"), "1")
    assert "CN¥123,456.00" in cells(ok("--money", "plain", "purchases"), "1")  # option wins
    assert "CN¥12.48万" in ok("report", "sales")  # reports too: 123,456 + 1,299.50
    assert "CN¥12.48万" in ok("dashboard")


@pytest.mark.parametrize(
    ("minor", "wan", "expected"),
    [
        (129950, False, "CN¥1,299.50"),
        (12345600, False, "CN¥123,456.00"),
        (12345600, True, "CN¥12.35万"),
        (12344999, True, "CN¥12.34万"),  # 12.344999 rounds down
        (12345000, True, "CN¥12.35万"),  # half up (四舍五入), not half to even
        (1000000, True, "CN¥1.00万"),  # 10,000 exactly: in 万
        (999999, True, "CN¥9,999.99"),  # below: as it is
        (-2500000, True, "-CN¥2.50万"),
        (-129950, False, "-CN¥1,299.50"),
        (9999994999, True, "CN¥9,999.99万"),  # 99,999,949.99: the last in 万
        (9999995000, True, "CN¥1.00亿"),  # would read 10,000.00万: in 亿
        (9999999999, True, "CN¥1.00亿"),  # 99,999,999.99
        (10000000000, True, "CN¥1.00亿"),  # 100,000,000 exactly
        (15000000000, True, "CN¥1.50亿"),
        (-15000000000, True, "-CN¥1.50亿"),
        (10000000000, False, "CN¥100,000,000.00"),
        (123456789012, True, "CN¥12.35亿"),
        (123456789012345, True, "CN¥12,345.68亿"),
    ],
)
def test_the_wan_rule(minor, wan, expected):
    assert money(shown(minor, "CNY"), wan) == expected


def test_wan_is_for_cny_only_and_a_code_without_symbol_keeps_its_text():
    assert money(shown(12345600, "USD"), True) == "$123,456.00"
    assert money(shown(1299, "JPY"), True) == "¥1,299"
    assert money(shown(990, "CHF"), True) == "9.90"
    assert money(shown(990, "CHF", code=True), True) == "9.90 CHF"
    assert isinstance(shown(1, "CNY"), Amount) and shown(129950, "CNY") == "1,299.50"


def test_phones_read_nationally_in_the_users_region_and_internationally_elsewhere(shop, terminal):
    table = ok("list")
    assert "133 7955 3028" in cells(table, "1")
    assert "+1 415-555-0100" in cells(table, "2")
    card = ok("show", "Ann Lee")
    assert "+1 415-555-0100, 138 0013 8000" in card
    ok("config", "set", "default_region", "US")
    assert "+86 133 7955 3028" in cells(ok("list"), "1")
    assert "(415) 555-0100" in ok("show", "Ann Lee")


@pytest.mark.parametrize(("language", "locale"), [("en", "en"), ("zh", "zh_Hans_CN")])
def test_the_symbols_are_cldrs_as_babel_has_them(language, locale):
    """Every currency crm knows: CLDR's symbol when it ends with a currency sign, else none."""
    import unicodedata

    from babel.numbers import get_currency_symbol

    from crmcli.core.money import EXPONENTS

    expected = {}
    for code in EXPONENTS:
        symbol = get_currency_symbol(code, locale)
        if unicodedata.category(symbol[-1]) == "Sc":
            expected[code] = symbol
    assert SYMBOLS[language] == expected


def test_phone_formats():
    assert phone("+8613379553028", "CN") == "133 7955 3028"
    assert phone("+8613379553028", None) == "+86 133 7955 3028"
    assert phone("+14155550100", "US") == "(415) 555-0100"
    assert phone("+14155550100", "CN") == "+1 415-555-0100"
    assert phone("+999", "CN") == "+999"  # unreadable: as stored


def test_a_narrow_terminal_never_cuts_an_amount_or_a_phone(shop, terminal, monkeypatch):
    """Free text is cut, or columns left out, before an amount or a phone is cut."""
    monkeypatch.setenv("COLUMNS", "60")
    table = ok("purchases")
    assert cells(table, "1")[-2:] == ["CN¥123,456.00", "CNY"]
    assert cells(table, "2")[-2:] == ["CN¥1,299.50", "CNY"]
    assert cells(table, "5")[-2:] == ["9.90", "CHF"]  # no symbol: its currency stays
    # they go first, what was bought last (no purchase has a category: it goes unnamed)
    assert "hidden: Quantity, Item" in table and "Category" not in table
    right = [line.index("│ CN") for line in table.splitlines() if "│ CN" in line]
    ends = [line.index(" │ CNY") for line in table.splitlines() if " │ CNY" in line]
    assert len(set(ends)) == 1 and len(right) == 2  # right-aligned, one column
    monkeypatch.setenv("COLUMNS", "50")
    ok("config", "set", "default_region", "US")
    listed = ok("list")
    assert cells(listed, "2")[3] == "(415) 555-0100"
    assert cells(listed, "1")[3] == "+86 133 7955 3028"
    assert max(len(line) for line in listed.splitlines()) <= 50


def test_machine_formats_and_pipes_keep_exact_decimals_currency_and_e164(shop, monkeypatch):
    ok("config", "set", "money", "wan")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    rows = json.loads(ok("--money", "wan", "purchases", "-f", "json"))
    assert [(r["amount"], r["currency"]) for r in rows] == [
        ("123456.00", "CNY"), ("1299.50", "CNY"), ("12.50", "USD"), ("80.00", "HKD"),
        ("9.90", "CHF"),
    ]  # fmt: skip
    table = list(csv.DictReader(io.StringIO(ok("purchases", "-f", "csv"))))
    assert [(r["amount"], r["currency"]) for r in table][:2] == [
        ("123456.00", "CNY"), ("1299.50", "CNY"),
    ]  # fmt: skip
    tsv = [line.split("\t") for line in ok("purchases", "-f", "tsv").splitlines()]
    assert dict(zip(tsv[0], tsv[1], strict=True))["amount"] == "123456.00"
    listed = json.loads(ok("list", "-f", "json"))
    assert [r["phone"] for r in listed] == ["+8613379553028", "+14155550100"]
    assert "+8613379553028" in ok("list", "-f", "csv")
    piped = ok("purchases")  # a plain table into a pipe: grouped, no symbol, no 万
    assert "123,456.00" in piped and "¥" not in piped and "万" not in piped
    assert "+8613379553028" in ok("list")
    shown_json = json.loads(ok("show", "张伟", "-f", "json"))
    assert shown_json["phones"] == ["+8613379553028"]


def test_a_bad_money_style_is_refused(shop):
    assert fails(2, "config", "set", "money", "lakh", db=shop) == (
        "crm: money must be plain or wan (got 'lakh')\n"
    )
    before = dump(shop)
    assert "Invalid value for '--money'" in fails(2, "--money", "lakh", "purchases")
    assert dump(shop) == before
    assert ok("config", "set", "money", "WAN") == "money = wan\n"


# --- amounts in sentences: as the tables beside them show them ------------------------------


def test_a_confirmation_on_a_terminal_writes_amounts_as_tables_do(shop, terminal, monkeypatch):
    """With the tables' symbol, and every digit: under --money wan a table shows 2.35万, but
    a confirmation says what was recorded (23,456.78), which 万 would round."""
    assert ok("buy", "张伟", "Gift", "23456.78") == (
        "Recorded purchase 6 for #1 张伟: Gift, CN¥23,456.78\n"
    )
    assert ok("--money", "wan", "buy", "张伟", "Gift", "23456.78") == (
        "Recorded purchase 7 for #1 张伟: Gift, CN¥23,456.78\n"
    )
    assert ok("buy", "Ann Lee", "Cup", "HK$80").endswith(": Cup, HK$80.00\n")
    assert ok("buy", "Ann Lee", "Bar", "9.90 CHF").endswith(": Bar, 9.90 CHF\n")  # no symbol
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    ok("config", "set", "money", "wan")
    assert ok("buy", "张伟", "礼盒", "-12000", "-q") == "10\n"  # a script gets the id only
    assert ok("purchase", "delete", "10", "--yes") == (
        "已删除张伟（#1）在 2026-11-22 的购买 10：礼盒，-¥12,000.00\n"
    )
    assert ok("buy", "张伟", "茶叶", "1299.5") == "已为张伟（#1）记录购买 11：茶叶，¥1,299.50\n"


def test_a_confirmation_in_a_pipe_keeps_the_currency_code(shop, monkeypatch):
    assert ok("--money", "wan", "buy", "张伟", "Gift", "23456.78").endswith(
        ": Gift, 23,456.78 CNY\n"
    )
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert ok("buy", "张伟", "茶叶", "1299.5").endswith("：茶叶，1,299.50 CNY\n")


def test_the_value_reports_prose_writes_amounts_as_its_table(db_path, terminal, monkeypatch):
    from tests.test_churn_value import simulated_shop

    simulated_shop(db_path)
    plain = ok("report", "value")
    mean = re.search(r"mean spend per purchase day\s(\S+)\.\n", plain)  # wrapped to fit
    assert mean and re.fullmatch(r"CN¥[\d,]+\.\d\d", mean.group(1)), plain[:400]
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    said = ok("--money", "wan", "report", "value", "--backtest", "2026-05-01")
    worth = re.search(r"价值：预期\s?(\S+)，实际\s?(\S+)，预期/实际", said)
    assert worth and all(re.fullmatch(r"¥[\d.]+万", w) for w in worth.groups()), said[:600]
    assert not re.search(r"\d\s?CNY", said)  # no amount with its code


def test_the_value_reports_prose_in_a_pipe_keeps_the_code(db_path):
    from tests.test_churn_value import simulated_shop

    simulated_shop(db_path)
    assert re.search(r"mean spend per purchase day [\d,]+\.\d\d CNY\.\n", ok("report", "value"))
    said = ok("report", "value", "--backtest", "2026-05-01")
    assert re.search(r"Value: expected [\d,]+\.\d\d CNY, actual [\d,]+\.\d\d CNY, ", said)


def test_prose_kept_in_data_shows_its_amounts_as_a_terminal_does(monkeypatch):
    from crmcli.cli.display import shown as on_terminal
    from crmcli.core.i18n import Joined, Said, use

    reason = Said(
        "churn risk: {reason}; bought {stake} net in their last year",
        reason=Said("silent for {days} days", days=40),
        stake=shown(2086435, "CNY", code=True),
    )
    assert reason == "churn risk: silent for 40 days; bought 20,864.35 CNY net in their last year"
    english = on_terminal(reason, False, None).said()
    assert english.endswith("bought CN¥20,864.35 net in their last year")
    both = Joined(["call back", reason])
    token = use("zh")
    try:
        assert on_terminal(both, True, None).said().endswith("最近一年净购买 ¥2.09万")
        assert on_terminal(reason, False, None).said().endswith("最近一年净购买 ¥20,864.35")
    finally:
        from crmcli.core.i18n import reset

        reset(token)
    held = Said("silent for {days} days", days=40)
    assert on_terminal(held, True, None) is held  # no amount: the same prose


def test_a_duplicates_reason_and_a_change_in_history_say_phones_as_tables_do(shop, terminal):
    """`crm dedupe`'s reason, `crm history`'s change and `crm undo`'s preview on a terminal
    show a phone as the phone column does (`133 7955 3028`); JSON and a pipe keep E.164."""
    ok("add", "张伟", "--phone", "133 7955 3028", "--allow-duplicate")
    said = ok("--lang", "zh", "dedupe")
    assert "同电话 133 7955 3028" in said and "+86" not in said, said
    assert "same phone 133 7955 3028" in ok("dedupe")
    changes = ok("--lang", "zh", "history", "--limit", "1")
    heads, rows, _ = table(changes.splitlines(), "时间")
    said = rows[0][heads.index("改动")]
    assert said.startswith("电话：133 7955 3028；是否首选：是") and "+86" not in changes, changes
    ok("edit", "Ann Lee", "--remove-phone", "+1 415 555 0100")
    preview = crm("--lang", "zh", "undo", input="n\n")
    assert "重新创建" in preview.stdout and "电话：+1 415-555-0100" in preview.stdout, preview
    assert "+14155550100" not in preview.stdout


def test_a_duplicates_reason_and_a_change_keep_e164_for_scripts(shop):
    ok("add", "张伟", "--phone", "133 7955 3028", "--allow-duplicate")
    assert "同电话 +8613379553028" in ok("--lang", "zh", "dedupe")  # a pipe, as a table
    pair = json.loads(ok("--lang", "zh", "dedupe", "--format", "json"))[0]
    assert pair["reasons"][0] == "same phone +8613379553028"
    change = json.loads(ok("--lang", "zh", "history", "--limit", "1", "--format", "json"))[0]
    assert change["new"]["phone"] == "+8613379553028"
    assert "phone=+8613379553028" in change["changes"]


def test_an_edits_dry_run_shows_each_phone_of_a_list_as_tables_do(shop, terminal, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")
    said = ok("--lang", "zh", "edit", "Ann Lee", "--phone", "13900139000", "--dry-run")
    row = cells(said, "2")
    assert row[-2:] == ["+1 415-555-0100、138 0013 8000",
                        "+1 415-555-0100、138 0013 8000、139 0013 9000"], said  # fmt: skip
    assert "+8613800138000" not in said
    shown = json.loads(ok("edit", "Ann Lee", "--phone", "13900139000", "--dry-run", "-f", "json"))
    assert shown[0]["new"] == "+14155550100, +8613800138000, +8613900139000"
