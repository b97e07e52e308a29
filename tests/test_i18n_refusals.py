"""Refusals a Chinese user met with English inside them: each is a whole Chinese line under
--lang zh (what was typed, keys to type, paths and amounts aside), and the English line is
what it was. Choices list their Chinese words beside the keys, and take those words typed."""

import json
import os
import re
import sqlite3

import pytest

from tests.conftest import add, crm, fails, ok, rows
from tests.test_i18n_errors import english_left
from tests.test_terminal import on_terminal


@pytest.mark.parametrize(
    ("at", "zh", "en"),
    [
        (
            "昨天晚上2点",
            "不是时刻：“晚上2点”；午夜过后算凌晨：请写 凌晨2点（02:00），日期写它实际所在的那一天",
            "not a time of day: '晚上2点'; after midnight is 凌晨: write 凌晨2点 (02:00) with the "
            "day it falls on",
        ),
        (
            "上午12点",
            "不是时刻：“上午12点”；中午请写 中午12点，午夜请写 凌晨0点",
            "not a time of day: '上午12点'; write 中午12点 for noon or 凌晨0点 for midnight",
        ),
        (
            "中午8点",
            "不是时刻：“中午8点”；中午是 11:00 到 14:59；请按 24 小时制写时间",
            "not a time of day: '中午8点'; 中午 runs from 11:00 to 14:59; write the time on the "
            "24-hour clock",
        ),
    ],
)
def test_a_time_a_part_of_the_day_does_not_have_is_refused_in_chinese(db_path, at, zh, en):
    add("张伟")
    assert fails(2, "--lang", "zh", "log", "call", "张伟", "x", "--at", at, db=db_path) == (
        f"crm: {zh}\n"
    )
    assert fails(2, "log", "call", "张伟", "x", "--at", at, db=db_path) == f"crm: {en}\n"


@pytest.mark.parametrize(
    ("typed", "zh", "en"),
    [
        ("张伟", "是 #2 张伟：", "is #2 张伟:"),
        ("王五", "在这里没有对应的客户：", "is nobody here:"),
        ("李雷", "在这里对应多位客户：", "is several customers here:"),
    ],
)
def test_a_row_whose_customer_columns_disagree_is_refused_in_chinese(
    db_path, tmp_path, typed, zh, en
):
    for name in ("曾小明", "张伟", "李雷", "李雷"):
        add(name)
    file = tmp_path / "p.csv"
    file.write_text(f"客户编号,客户,商品,金额,日期\n1,{typed},茶,10,2026-11-01\n", encoding="utf-8")
    err = fails(2, "--lang", "zh", "import", "purchases", str(file), db=db_path)
    said = err.splitlines()[1]
    assert said == (
        f"  第 2 行：客户编号列的 1 在这里是 #1 曾小明，但客户列的“{typed}”{zh}本行的客户列互相"
        "矛盾（文件是否来自另一个数据库？）；若只按“客户”这一列认定客户，请用 "
        '--map "客户编号=-" 导入'
    ), said
    assert english_left(said.replace("--map", "")) == []
    err = fails(2, "import", "purchases", str(file), db=db_path)
    assert err.splitlines()[1] == (
        f"  row 2: 客户编号 1 is #1 曾小明 here, but 客户 '{typed}' {en} the row's customer "
        "columns disagree (is the file from another database?); to go by 客户 alone, import "
        'with --map "客户编号=-"'
    )


@pytest.mark.parametrize(
    ("birthday", "zh", "en"),
    [
        (
            "lunar:2024-12-30",
            "农历 2024 年腊月只有 29 天（收到第 30 天）",
            "lunar 2024 month 12 has 29 days (got day 30)",
        ),
        (
            "lunar:2023-闰02-30",
            "农历 2023 年闰二月只有 29 天（收到第 30 天）",
            "lunar 2023 leap month 2 has 29 days (got day 30)",
        ),
        (
            "lunar:2023-闰03-01",
            "农历 2023 年没有闰三月：该年闰二月",
            "lunar year 2023 has no leap month 3: its leap month is 2",
        ),
        (
            "lunar:2024-闰03-01",
            "农历 2024 年没有闰三月：该年没有闰月",
            "lunar year 2024 has no leap month 3: it has no leap month",
        ),
    ],
)
def test_a_lunar_day_that_is_not_is_said_with_the_months_chinese_names(db_path, birthday, zh, en):
    args = ("add", "李四", "--birthday", birthday)
    assert fails(2, "--lang", "zh", *args, db=db_path) == f"crm: {zh}\n"
    assert fails(2, *args, db=db_path) == f"crm: {en}\n"


def test_a_database_path_that_is_no_file_is_said_in_chinese(tmp_path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    for path, zh, en in ((tmp_path, "目录", "a directory"), (pipe, "命名管道", "a named pipe")):
        assert fails(2, "--lang", "zh", "--db", str(path), "list") == (
            f"crm: {path} 是{zh}，不是数据库文件；请用 --db 指定一个文件\n"
        )
        assert fails(2, "--db", str(path), "list") == (
            f"crm: {path} is {en}, not a database file; give a file with --db\n"
        )


def test_writing_over_the_database_in_use_is_refused_in_chinese(db_path):
    add("张伟")
    wal = f"{db_path}-wal"
    args = ("export", "customers", "--format", "csv", "-o")
    assert fails(2, "--lang", "zh", *args, str(db_path), db=db_path) == (
        f"crm: {db_path} 是 crm 正在使用的数据库；crm 从不覆盖它：请换一个文件名\n"
    )
    assert fails(2, "--lang", "zh", *args, wal, db=db_path) == (
        f"crm: {wal} 是正在使用的数据库的 -wal 文件；crm 从不覆盖它：请换一个文件名\n"
    )
    assert fails(2, *args, wal, db=db_path) == (
        f"crm: {wal} is the -wal file of the database in use; crm never writes over it: give "
        "another file name\n"
    )


def test_an_undo_a_later_change_stands_in_the_way_of_is_said_in_chinese(db_path):
    add("张伟")
    add("张伟", "--city", "上海")
    ok("merge", "1", "2", "--yes")
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE customers SET city = '北京' WHERE id = 1")  # outside crm: no history
    conn.commit()
    conn.close()
    assert fails(1, "--lang", "zh", "undo", "--yes", db=db_path) == (
        "crm: 无法撤销 2026-11-22 10:00 的“合并客户”：客户（#1）之后又被其他命令改动过；"
        "未做任何改动\n"
    )
    assert fails(1, "undo", "--yes", db=db_path) == (
        "crm: cannot undo crm merge (2026-11-22 10:00): customers row 1 was changed by a later "
        "command; nothing was changed\n"
    )


def test_the_keys_of_an_import_are_listed_with_their_chinese_words(db_path, tmp_path):
    file = tmp_path / "c.csv"
    file.write_text("姓名,邮箱,单位名称\n张伟,zw@example.com,蓝海贸易\n", encoding="utf-8")
    base = ("import", "customers", str(file))
    assert fails(2, "--lang", "zh", *base, "--key", "姓名", db=db_path) == (
        "crm: --key 只能是以下之一：编号（id）、外部编号（external_id）、邮箱（email）、"
        "电话（phone）\n"
    )
    assert fails(2, *base, "--key", "姓名", db=db_path) == (
        "crm: --key must be one of: id, external_id, email, phone\n"
    )
    err = fails(2, "--lang", "zh", *base, "--on-conflict", "bogus", db=db_path)
    assert err == "crm: --on-conflict 只能是以下之一：更新（update）、跳过（skip）、报错（error）\n"
    assert fails(2, *base, "--on-conflict", "bogus", db=db_path) == (
        "crm: --on-conflict must be one of: update, skip, error\n"
    )
    # The words are keys too: `--key 邮箱` matches by email, `--on-conflict 跳过` skips.
    ok("--lang", "zh", *base, "--key", "邮箱", "--map", "单位名称=公司")
    listed = json.loads(ok("list", "--format", "json"))
    assert [(c["name"], c["email"], c["company"]) for c in listed] == [
        ("张伟", "zw@example.com", "蓝海贸易")
    ]
    file.write_text("姓名,邮箱\n张三,zw@example.com\n", encoding="utf-8")
    ok("--lang", "zh", *base, "--key", "邮箱", "--on-conflict", "跳过")
    assert [c["name"] for c in json.loads(ok("list", "--format", "json"))] == ["张伟"]


def test_an_unknown_field_of_map_lists_the_fields_by_their_chinese_headers(db_path, tmp_path):
    file = tmp_path / "c.csv"
    file.write_text("姓名,单位\n张伟,蓝海贸易\n", encoding="utf-8")
    err = fails(2, "--lang", "zh", "import", "customers", str(file), "--map", "单位=单位X")
    assert err.startswith(
        "crm: --map “单位=单位X”：未知字段“单位X”；可用字段：姓名（name）、类型（kind）、"
        "公司（company）、"
    ), err
    assert err.endswith("、field:NAME、-\n"), err
    fields = err.split("可用字段：")[1].removesuffix("、field:NAME、-\n")
    assert re.findall(r"[A-Za-z]+", re.sub(r"（[a-z_]+）", "", fields)) == [], fields
    err = fails(2, "import", "customers", str(file), "--map", "单位=单位X")
    assert err.startswith(
        "crm: --map '单位=单位X': unknown field '单位X'; fields: name, kind, company, "
    ), err


def test_a_duration_is_cleared_by_its_chinese_name(db_path):
    add("张伟")
    ok("log", "call", "张伟", "x", "--duration", "15m")
    ok("--lang", "zh", "interaction", "edit", "1", "--unset", "时长")
    assert rows(db_path, "SELECT duration_minutes FROM interactions") == [(None,)]
    err = fails(2, "--lang", "zh", "interaction", "edit", "1", "--unset", "时间X")
    assert err == (
        "crm: --unset 只能是以下之一：方向（direction）、时长（duration）、渠道（channel）、"
        "结果（outcome）（收到的是“时间X”）\n"
    )


@pytest.mark.parametrize("word", ["不重复", "无", "none"])
def test_a_task_stops_repeating_with_the_chinese_word_for_none(db_path, word):
    add("张伟")
    ok("task", "add", "张伟", "回访", "--due", "tomorrow", "--every", "1w")
    ok("--lang", "zh", "task", "edit", "1", "--every", word)
    assert rows(db_path, "SELECT every FROM tasks") == [(None,)]


def test_the_formats_are_named_as_formats(db_path):
    err = fails(2, "--lang", "zh", "remind", "--format", "bogus")
    assert "“文本”（text）、“json”、“ics”" in err, err
    err = fails(2, "--lang", "zh", "list", "--format", "bogus")
    assert "“表格”（table）、“json”" in err, err
    assert crm("--lang", "zh", "remind", "--format", "文本").exit_code == 0
    assert crm("--lang", "zh", "list", "--format", "表格").exit_code == 0


def test_a_products_argument_is_named_product(db_path):
    for command in ("edit", "delete"):
        assert f"用法：crm product {command} [选项] 产品\n" in ok(
            "--lang", "zh", "product", command, "--help"
        )
        assert f"Usage: crm product {command} [OPTIONS] PRODUCT" in ok("product", command, "--help")


def test_a_refund_refusal_shows_money_as_tables_do(db_path):
    add("张伟")
    ok("buy", "张伟", "Teapot", "300")
    args = ("buy", "张伟", "Teapot", "-300.01")
    assert fails(2, "--lang", "zh", *args, db=db_path) == (
        "crm: 张伟（#1）的退款将达到 300.01 CNY，超过其购买的 300.00 CNY；如确实如此，请加 --force\n"
    )
    assert fails(2, *args, db=db_path) == (
        "crm: #1 张伟's refunds would come to 300.01 CNY, more than the 300.00 CNY they bought; "
        "pass --force if that is right\n"
    )
    code, lines = on_terminal("--lang", "zh", *args, columns=200)
    assert (code, lines) == (
        2,
        ["crm: 张伟（#1）的退款将达到 ¥300.01，超过其购买的 ¥300.00；如确实如此，请加 --force"],
    )
    code, lines = on_terminal(*args, columns=200)
    assert code == 2 and "come to CN¥300.01, more than the CN¥300.00 they" in lines[0], lines


def test_a_task_given_both_ways_to_repeat_is_refused_in_chinese(db_path):
    add("张伟")
    ok("task", "add", "张伟", "回访", "--due", "tomorrow")
    for args in (("add", "张伟", "x"), ("edit", "1")):
        both = ("task", *args, "--every", "1w", "--after", "2w")
        assert fails(2, "--lang", "zh", *both, db=db_path) == (
            "crm: --every（按日历固定重复）和 --after（完成后隔一段时间再重复）只能指定其中一个\n"
        )
        assert fails(2, *both, db=db_path) == (
            "crm: give --every (a strict calendar) or --after (after done), not both\n"
        )


SKIPPED_CUSTOMERS = (
    "姓名,手机,邮箱,生日\n张伟,12,zw@example.com,\n王芳,13912345678,bad-email,\n"
    "李雷,13800138000,,1990-13-45\n韩梅梅,13700137000,hmm@example.com,1990-01-01\n"
)
SKIPPED_PURCHASES = (
    "客户,商品,金额,日期\n韩梅梅,茶叶,abc,2026-11-01\n王五,茶叶,100,2026-11-01\n"
    "韩梅梅,茶叶,100,2026-13-01\n韩梅梅,茶叶,100,2026-11-01\n"
)


def test_the_rows_skip_invalid_leaves_out_are_said_in_chinese(db_path, tmp_path):
    ok("config", "set", "default_region", "CN")
    said = crm(
        "--lang", "zh", "import", "customers", "-", "--format", "csv", "--skip-invalid",
        input=SKIPPED_CUSTOMERS,
    )  # fmt: skip
    assert said.exit_code == 0, said.stderr
    lines = said.stderr.splitlines()
    assert lines[:2] == [
        "已导入客户：新增 1，更新 0，未变 0，拒绝 3（4 行）。",
        "已跳过的行（加 --rejects 文件 可把它们连同原因存下来）：",
    ]
    assert lines[2].startswith("  第 2 行：电话“12”无效：不是有效的中国号码")
    assert lines[3] == "  第 3 行：邮箱“bad-email”无效：邮箱地址必须含有 @。"
    assert lines[4].startswith(
        "  第 4 行：生日“1990-13-45”（“生日”列）不是日期；生日请写成 1990-05-07、1990年5月7日 这样"
    )
    rejects = tmp_path / "rejects.csv"
    said = crm(
        "--lang", "zh", "import", "purchases", "-", "--format", "csv", "--skip-invalid",
        "--dry-run", input=SKIPPED_PURCHASES,
    )  # fmt: skip
    assert said.exit_code == 0, said.stderr
    lines = said.stderr.splitlines()
    assert lines[1] == "将跳过的行："  # a dry run writes no --rejects file
    assert lines[2].startswith("  第 2 行：不是金额：“abc”；请写成 1299、")
    assert lines[3] == "  第 3 行：没有匹配“王五”的客户"
    assert lines[4].startswith("  第 4 行：不是日期：“2026-13-01”（没有这一天）；")
    for line in lines:
        assert english_left(re.sub(r"docs/conventions.md|USD|tomorrow|fri", "", line)) == [], line
    # with --rejects the rows are in the file, its keys as a script reads them, and not said
    said = crm(
        "--lang", "zh", "import", "purchases", "-", "--format", "csv", "--skip-invalid",
        "--rejects", str(rejects), input=SKIPPED_PURCHASES,
    )  # fmt: skip
    assert said.stderr == "已导入购买记录：新增 1，更新 0，未变 0，拒绝 3（4 行）。\n"
    header, *rejected = rejects.read_text(encoding="utf-8").splitlines()
    assert header == "客户,商品,金额,日期,reject_line,reject_reason"
    assert [r.split(",")[4] for r in rejected] == ["2", "3", "4"]
    assert rejected[1] == "王五,茶叶,100,2026-11-01,3,没有匹配“王五”的客户"
    # a reason names the file's column (重复), not crm's key for it (every)
    said = crm(
        "--lang", "zh", "import", "tasks", "-", "--format", "csv", "--skip-invalid",
        input="客户,任务,重复\n韩梅梅,回访,每天天\n韩梅梅,回访,每周\n",
    )  # fmt: skip
    assert said.stderr.splitlines()[2].startswith("  第 2 行：重复 “每天天”不是时间段；"), said


def test_the_rows_skip_invalid_leaves_out_past_ten_are_kept_by_rejects(db_path):
    calls = "customer,kind,text\n" + "".join(f"Nobody{i},call,hi\n" for i in range(12))
    said = crm("import", "interactions", "-", "--format", "csv", "--skip-invalid", input=calls)
    assert said.exit_code == 0, said.stderr
    lines = said.stderr.splitlines()
    assert lines[:3] == [
        "Imported interactions: 0 inserted, 0 updated, 0 unchanged, 12 rejected (12 rows).",
        "Skipped rows, the first 10 (--rejects FILE keeps them all):",
        "  row 2: no customer matches 'Nobody0'",
    ]
    assert len(lines) == 12 and lines[-1] == "  row 11: no customer matches 'Nobody9'"
    said = crm(
        "import", "interactions", "-", "--format", "csv", "--skip-invalid", "-q", input=calls
    )
    assert (said.exit_code, said.stderr) == (0, "")


def test_skipping_a_row_matched_by_email_needs_key_email_and_the_refusal_says_so(db_path):
    ok("add", "曾小贤", "--email", "zxx@example.com", "--city", "上海")
    rows = "姓名,邮箱,城市\n曾小贤,zxx@example.com,杭州\n"
    base = ("import", "customers", "-", "--format", "csv")
    # without --key the row is a new customer, whose email曾小贤 already has
    said = fails(2, "--lang", "zh", *base, "--on-conflict", "跳过", input=rows, db=db_path)
    assert said.endswith(
        "  第 2 行：曾小贤（#1）已有 zxx@example.com；用“--key 邮箱”可按它对上该客户并跳过"
        "这一行，用 --allow-duplicate 则另加一个\n"
    ), said
    said = fails(2, *base, "--on-conflict", "skip", input=rows, db=db_path)
    assert said.endswith(
        "  row 2: 曾小贤 (#1) already has zxx@example.com; --key email skips the row instead "
        "(it matches that customer), --allow-duplicate adds another\n"
    ), said
    said = fails(2, *base, "--on-conflict", "error", input=rows, db=db_path)
    assert "with --key email the row matches that customer (and --on-conflict error" in said
    said = fails(2, *base, input=rows, db=db_path)
    assert "--key email updates that customer instead" in said
    # with it, 跳过 leaves the customer as it was
    said = crm("--lang", "zh", *base, "--key", "email", "--on-conflict", "跳过", input=rows)
    assert said.stderr == "已导入客户：新增 0，更新 0，未变 1，拒绝 0（1 行）。\n"
    assert json.loads(ok("list", "--format", "json"))[0]["city"] == "上海"


@pytest.mark.parametrize(
    ("locale", "region", "currency"),
    [("zh_TW.UTF-8", "TW", "TWD"), ("zh_HK.UTF-8", "HK", "HKD")],
)
def test_a_traditional_chinese_locale_gets_simplified_chinese(
    db_path, monkeypatch, locale, region, currency
):
    """No Traditional catalog yet: Simplified Chinese reads better than English there. The
    region the locale names reads phones, and its currency is the default one."""
    monkeypatch.setenv("LANG", locale)
    said = crm("add", "陳大文", "--phone", "2345 6789" if region == "HK" else "0912 345 678")
    assert said.exit_code == 0, said.stderr
    assert said.stdout == "已新增客户 1：陳大文\n"
    assert said.stderr == (
        f"crm: 已根据系统区域设置把 default_region 设为 {region}（修改：crm config set "
        "default_region XX）\n"
        f"crm: 已根据系统区域设置把 default_currency 设为 {currency}（修改：crm config set "
        "default_currency CNY）\n"
    )
    phone = "+85223456789" if region == "HK" else "+886912345678"
    assert json.loads(ok("show", "1", "--format", "json"))["phones"] == [phone]
    assert fails(3, "show", "nobody") == "crm: 没有匹配“nobody”的客户\n"
    # the name as typed: Simplified and Traditional characters are not yet one name
    assert fails(3, "show", "陈大文") == "crm: 没有匹配“陈大文”的客户\n"
    monkeypatch.setenv("LANG", "C.UTF-8")  # a cron job reads amounts as the terminal did
    ok("buy", "1", "茶", "100")
    assert json.loads(ok("purchases", "-f", "json"))[0]["currency"] == currency


def test_a_region_s_currency_is_saved_only_in_a_database_without_amounts(db_path, monkeypatch):
    """A database that already holds amounts (typed in CNY, the default) keeps CNY when a
    locale first names a region; zh_CN saves no currency (CNY is the default); a currency
    already set is kept."""
    ok("product", "add", "龙井", "--price", "100")  # no region (C.UTF-8): CNY
    monkeypatch.setenv("LANG", "zh_HK.UTF-8")
    assert crm("add", "陳大文").stderr.count("\n") == 1  # the region only
    assert ok("config", "get", "default_region") == "HK\n"
    assert ok("config", "get", "default_currency") == "CNY\n"
    for locale, currency in (("en_US.UTF-8", "EUR"), ("zh_CN.UTF-8", "CNY")):
        db_path.unlink()
        if currency == "EUR":
            ok("config", "set", "default_currency", "EUR")  # the first write
        monkeypatch.setenv("LANG", locale)
        ok("add", "张伟")
        assert ok("config", "get", "default_currency") == f"{currency}\n"
    assert "\ndefault_currency,CNY,default," in ok("config", "list", "-f", "csv")


TOOK_HKD = (
    "crm: 已根据系统区域设置把 default_region 设为 HK（修改：crm config set default_region XX）\n"
    "crm: 已根据系统区域设置把 default_currency 设为 HKD（修改：crm config set "
    "default_currency CNY）\n"
)


@pytest.mark.parametrize("command", ["product", "buy", "import"])
def test_the_first_amount_written_under_zh_hk_is_in_hkd(db_path, tmp_path, monkeypatch, command):
    """The currency was settled at the end of the write: the first product, purchase or
    imported purchase was stored in CNY, and then, amounts held, CNY stayed the default.
    The customer bought for is added first under LANG=C (a script), which settles nothing."""
    if command != "product":
        add("张三")
    file = tmp_path / "p.csv"
    file.write_text("customer,item,amount\n张三,茶,100\n", encoding="utf-8")
    monkeypatch.setenv("LANG", "zh_HK.UTF-8")
    assert ok("config", "get", "default_currency") == "HKD\n"  # what the write will use
    argv = {"product": ["product", "add", "茶", "--price", "100"], "buy": ["buy", "张三", "茶", "100"],
            "import": ["import", "purchases", str(file)]}[command]  # fmt: skip
    result = crm(*argv)
    assert result.exit_code == 0, result.stderr
    assert TOOK_HKD in result.stderr, result.stderr
    table = "products" if command == "product" else "purchases"
    assert rows(db_path, f"SELECT currency FROM {table}") == [("HKD",)]
    assert rows(db_path, "SELECT key, value FROM settings ORDER BY key") == [
        ("default_currency", "HKD"), ("default_region", "HK"),
    ]  # fmt: skip
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert ok("config", "get", "default_currency") == "HKD\n"


def test_amounts_written_under_lang_c_keep_cny_when_zh_hk_comes(db_path, monkeypatch):
    """A script under LANG=C (no region) bought first, in CNY, the default: under zh_HK the
    file keeps CNY (its amounts were typed in it), says so before the write, and the next
    amount is CNY too; only the region is taken from the locale."""
    add("张三")
    ok("buy", "张三", "茶", "100")
    monkeypatch.setenv("LANG", "zh_HK.UTF-8")
    assert ok("config", "get", "default_currency") == "CNY\n"
    result = crm("buy", "张三", "茶", "50")
    assert result.exit_code == 0 and result.stderr == TOOK_HKD.splitlines(True)[0]
    assert rows(db_path, "SELECT currency FROM purchases") == [("CNY",), ("CNY",)]
    assert ok("config", "get", "default_currency") == "CNY\n"


def test_a_currency_set_by_the_first_write_is_not_said_taken_from_the_locale(db_path, monkeypatch):
    """crm config set writes settings itself: it settles nothing from the locale, and the
    next write takes only what is still unset (the region)."""
    monkeypatch.setenv("LANG", "zh_HK.UTF-8")
    result = crm("config", "set", "default_currency", "EUR")
    assert result.exit_code == 0 and result.stderr == ""
    assert ok("config", "get", "default_currency") == "EUR\n"
    assert fails(2, "product", "add", "茶", "--price", "abc", db=db_path)
    result = crm("add", "陈大文")
    assert result.exit_code == 0 and result.stderr == TOOK_HKD.splitlines(True)[0]
    assert ok("config", "get", "default_currency") == "EUR\n"


def test_a_region_set_by_the_first_write_gives_its_own_currency_not_the_locale_s(
    db_path, monkeypatch
):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert ok("config", "get", "default_currency") == "USD\n"  # what a first write takes
    result = crm("config", "set", "default_region", "CN")
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    assert ok("config", "get", "default_currency") == "CNY\n"
    result = crm("add", "Anna", "-q")
    assert result.exit_code == 0 and result.stderr == ""
    assert ok("config", "get", "default_currency") == "CNY\n"


def test_a_restore_into_a_new_file_takes_nothing_from_the_locale(db_path, tmp_path, monkeypatch):
    ok("add", "王芳", "--phone", "+8613900139000")
    ok("export", "all", "-o", str(tmp_path / "all.json"))
    for lang in ("en_US.UTF-8", "zh_HK.UTF-8"):
        monkeypatch.setenv("LANG", lang)
        new = tmp_path / lang / "n.db"
        new.parent.mkdir(mode=0o700)
        result = crm("--db", str(new), "import", "all", str(tmp_path / "all.json"))
        assert result.exit_code == 0, result.stderr
        names = json.loads(ok("--db", str(new), "list", "--format", "json"))
        assert [c["name"] for c in names] == ["王芳"]


def test_a_chinese_service_number_such_as_12345_is_kept_as_one(db_path):
    """phonenumbers knows 12345 (the government service hotline) as a valid short number of
    CN: kept as typed, of kind service, not refused as a short phone number."""
    ok("config", "set", "default_region", "CN")
    ok("add", "市民热线", "--phone", "12345")
    shown = json.loads(ok("show", "市民热线", "--format", "json"))
    assert (shown["phones"], shown["phone_kinds"]) == (["12345"], {"12345": "service"})
    assert "  电话      12345（服务号码）\n" in ok("--lang", "zh", "show", "12345")
    said = fails(2, "--lang", "zh", "add", "某人", "--phone", "12", db=db_path)
    assert said.startswith("crm: 电话“12”无效：不是有效的中国号码")
