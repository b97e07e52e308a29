"""What English and Chinese screens still said oddly (issue #22): two words for what was
bought (产品 and 商品), a problem's key on an English terminal (`no_contact`), a column of
dates headed "Falls", churn reasons wrapped onto many lines, `--to` with nothing after it
taken for a date, and sales by region refused. What a user types back keeps working;
JSON and CSV keep their keys."""

import json
import re
import sqlite3
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from tests.conftest import add, crm, dump, fails, ok
from tests.test_terminal import on_screen, width

ZH = {"LANG": "zh_CN.UTF-8"}
EN = {"LANG": "en_US.UTF-8"}
CATALOG = Path(__file__).parent.parent / "crmcli/locale/zh/LC_MESSAGES/crm.po"


def test_chinese_shows_one_word_for_what_was_bought_and_reads_both(filled):
    shown = {
        by: ok("--lang", "zh", "report", "sales", "--by", by) for by in ("商品", "产品", "item")
    }
    assert shown["商品"] == shown["产品"] == shown["item"], shown
    assert shown["产品"].split()[0] == "产品", shown
    assert ok("--lang", "zh", "purchases", "1").splitlines()[0].split()[:4] == [
        "编号", "日期", "客户", "产品",
    ]  # fmt: skip
    # the catalog says 产品 everywhere; 商品 is only read, as the other name of the column
    said = re.findall(r'msgid "([^"]*)"\nmsgstr "[^"]*商品', CATALOG.read_text(encoding="utf-8"))
    assert said == ["field|goods"], said
    assert "商品" not in CATALOG.read_text(encoding="utf-8").replace('msgstr "商品"', "", 1)
    # a file's column of what was bought, by any of its four names
    for n, column in enumerate(("商品", "商品名称", "产品", "产品名称")):
        data = f"客户,{column},金额,日期\n张伟,龙井 {n},10,2026-11-0{n + 3}\n"
        result = crm("--lang", "zh", "import", "purchases", "-", "--format", "csv", input=data)
        assert result.exit_code == 0, result.stderr
    bought = json.loads(ok("export", "purchases", "--format", "json"))
    assert [p["item"] for p in bought if p["item"].startswith("龙井")] == [
        "龙井 0", "龙井 1", "龙井 2", "龙井 3",
    ]  # fmt: skip
    assert "--by 天|周|月|季度|年|品类|产品|客户|城市|省份|标签" in ok(
        "--lang", "zh", "report", "sales", "--help"
    )


def _raw(db: Path, sql: str) -> None:
    conn = sqlite3.connect(db)
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_clean_says_each_problem_in_words_on_an_english_terminal(cn):
    add("Nobody")
    add("Odd", "--email", "odd@example.com", "--phone", "13800138000")
    _raw(cn, "UPDATE customer_emails SET email = 'Odd@EXAMPLE.com ' WHERE customer_id = 2")
    _raw(cn, "UPDATE customer_phones SET phone = '138 0013 8000' WHERE customer_id = 2")
    _raw(cn, "INSERT INTO customer_emails (customer_id, email, email_key) VALUES (2, 'x@', 'x@')")
    _raw(cn, "INSERT INTO customer_phones (customer_id, phone) VALUES (2, '12')")
    code, lines = on_screen("clean", columns=100, env=EN)
    problems = [line.split("│")[2].strip() for line in lines if "│" in line]
    assert code == 0 and problems == [
        "no phone or email", "invalid email", "invalid phone", "email not normalised",
        "phone not normalised",
    ], lines  # fmt: skip
    code, lines = on_screen("clean", columns=100, env=ZH)
    problems = [line.split("│")[2].strip() for line in lines if "│" in line]
    assert problems == ["没有联系方式", "邮箱无效", "电话无效", "邮箱格式不规范", "电话格式不规范"]
    keys = ["no_contact", "bad_email", "bad_phone", "unnormalised_email", "unnormalised_phone"]
    assert [p["problem"] for p in json.loads(ok("clean", "--format", "json"))] == keys
    plain = ok("clean").splitlines()  # a pipe, cron mail: the keys, as a script reads them
    assert [line.split()[2] for line in plain[2:]] == [*keys[:3], "unnormalised_email", keys[4]]


def _section(lines: list[str], title: str) -> list[list[str]]:
    """The rows of the section of `crm remind` whose title starts with `title`, each the
    lines it takes on the screen."""
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    rows: list[list[str]] = []
    for line in lines[start + 1 :]:
        if "━" in line or "┃" in line:
            continue
        if "│" not in line:
            break
        if line.split("│")[0].strip():
            rows.append([line])
        else:
            rows[-1].append(line)
    return rows


def test_remind_heads_its_dates_date_and_keeps_churn_reasons_short(demo):
    for env, title, header, churn in (
        # the day, which the table keeps where it fits, stays beside a cut name
        # (`小米科技 L… (#9)`): it went to show the name whole
        (EN, "Birthdays and dates", "Date", "Churn risks"),
        (ZH, "截至 2026-11-29 的生日和重要日期", "日期", "流失风险"),
    ):
        code, lines = on_screen("remind", columns=80, env=env)
        assert code == 0 and all(width(line) <= 80 for line in lines), lines
        start = next(i for i, line in enumerate(lines) if line.startswith(title))
        assert lines[start + 1].split()[0] == header, lines
        rows = _section(lines, churn)
        assert len(rows) == 6 and max(len(r) for r in rows) == 2, rows
    code, lines = on_screen("remind", columns=120, env=ZH)
    rows = _section(lines, "流失风险")
    assert code == 0 and len(rows) == 6 and all(len(r) == 1 for r in rows), rows
    reasons = [r[0].split("│")[-1].strip() for r in rows]
    assert "只买过一次，190 天前（周期按 90 天计）" in reasons, reasons
    dates = json.loads(ok("remind", "--format", "json"))["dates"]
    assert dates and all(set(d) >= {"falls_on"} for d in dates), dates  # the key stays


def test_an_option_with_nothing_after_it_is_said_to_be_unknown(filled):
    before = dump(filled)
    assert fails(2, "task", "snooze", "1", "--to") == (
        "crm: No such option: --to (see 'crm task snooze --help')\n"
    )
    assert fails(2, "--lang", "zh", "task", "snooze", "1", "--to") == (
        "crm: 没有这个选项：--to（见“crm task snooze --help”）\n"
    )
    assert fails(2, "buy", "1", "Tea", "--unit") == (
        "crm: No such option: --unit (Possible options: --unit-price) (see 'crm buy --help')\n"
    )
    assert "not a date: '-3'" in fails(2, "task", "snooze", "1", "-3")  # a number, not one
    assert dump(filled) == before
    assert ok("task", "snooze", "1", "+3d", "-q") == "1\n"
    assert ok("buy", "1", "Tea", "-5", "--force", "-q").strip().isdigit()  # a refund still


def test_sales_by_region_adds_up_each_customers_purchases(demo):
    add("无省份的客户")
    ok("buy", "无省份的客户", "茶叶", "88.80", "--at", "2026-11-01")
    # an archived customer's purchases count: the sales happened
    both = [[], ["--archived"]]
    customers = [c for a in both for c in json.loads(ok("export", "customers", "-f", "json", *a))]
    region = {c["id"]: c["region"] for c in customers}
    bought = [p for a in both for p in json.loads(ok("export", "purchases", "-f", "json", *a))]
    sums: dict[tuple, list] = defaultdict(lambda: [Decimal(0), Decimal(0), set()])
    for p in bought:
        group = sums[region[p["customer_id"]], p["currency"]]
        amount = Decimal(p["amount"])
        group[0 if amount > 0 else 1] += abs(amount)
        group[2].add(p["customer_id"])
    rows = json.loads(ok("report", "sales", "--by", "region", "--format", "json"))
    got = {
        (r["region"], r["currency"]): [Decimal(r["revenue"]), Decimal(r["refunds"]), r["customers"]]
        for r in rows
    }
    assert got == {k: [v[0], v[1], len(v[2])] for k, v in sums.items()}, got
    assert all(Decimal(r["net"]) == Decimal(r["revenue"]) - Decimal(r["refunds"]) for r in rows)
    assert len({r for r, _ in got}) > 5 and (None, "CNY") in got
    # in Chinese by its header and its other name; a wrong word is refused, naming both
    table = ok("--lang", "zh", "report", "sales", "--by", "省份", "--currency", "CNY")
    assert table == ok("--lang", "zh", "report", "sales", "--by", "地区", "--currency", "CNY")
    assert table.split()[0] == "省份" and "（无）" in table, table
    assert "“省份”（region）" in fails(2, "--lang", "zh", "report", "sales", "--by", "省")
