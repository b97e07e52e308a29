"""Words crm itself chooses, said in a Chinese run: calendar feeds of exports, care rules
for everyone, a dry run's stage, table headers, the edit template, the labels of fields an
import named, and lists inside Chinese sentences. JSON keeps its keys in every language."""

import json
import os
import re
import sys

from tests.conftest import add, crm, dump, fails, ok, rows
from tests.test_terminal import on_screen


def _calendar(*args: str) -> tuple[str, list[tuple[str, str]]]:
    import icalendar

    cal = icalendar.Calendar.from_ical(ok(*args, "--format", "ics"))
    events = [(str(e["summary"]), str(e.get("description", ""))) for e in cal.walk("VEVENT")]
    return str(cal["x-wr-calname"]), events


def test_exported_task_and_interaction_feeds_speak_chinese(db_path):
    add("罗桂芬")
    ok("task", "add", "罗桂芬", "发送合同", "--due", "2026-12-01")
    ok("log", "visit", "罗桂芬", "到店看样品", "--at", "2026-11-20 10:00")
    assert _calendar("--lang", "zh", "export", "tasks") == (
        "crm 任务",
        [("发送合同（罗桂芬）", "罗桂芬（#1）的任务 1")],
    )
    assert _calendar("--lang", "zh", "export", "interactions") == (
        "crm 互动记录",
        [("拜访：罗桂芬", "到店看样品")],
    )
    assert _calendar("export", "tasks") == (
        "crm tasks",
        [("发送合同 (罗桂芬)", "Task 1 for 罗桂芬 (#1)")],
    )
    assert _calendar("export", "interactions") == (
        "crm interactions",
        [("visit: 罗桂芬", "到店看样品")],
    )
    assert _calendar("remind", "--within", "30d")[0] == "crm reminders"


def test_a_care_rule_for_everyone_says_so_in_chinese(db_path):
    said = ok("--lang", "zh", "care", "rule", "add", "元旦", "寄贺卡")
    assert said.startswith("已新增关怀规则 1：") and "元旦：寄贺卡，对象：所有客户" in said, said
    assert "everyone" not in said
    listed = ok("--lang", "zh", "care", "rule", "list")
    assert "所有客户" in listed and "everyone" not in listed, listed
    (rule,) = json.loads(ok("--lang", "zh", "care", "rule", "list", "--format", "json"))
    assert rule["selection"] == "everyone"
    assert "greet everyone" not in ok("care", "rule", "list")
    assert "everyone" in ok("care", "rule", "list")


def test_a_dry_run_names_the_stage_as_the_real_run_does(db_path):
    add("张伟", "--city", "上海")
    add("王芳", "--city", "上海")
    said = ok("--lang", "zh", "stage", "customer", "--city", "上海", "--dry-run")
    assert said.startswith("将把 2 位客户移到成交客户阶段：1、2"), said
    done = ok("--lang", "zh", "stage", "customer", "--city", "上海", "--yes")
    assert "成交客户阶段" in done, done


def test_sales_by_any_period_and_dedupe_have_chinese_headers(db_path):
    add("张伟", "--phone", "+8613800138000", "--email", "zw@example.com")
    add("张伟", "--email", "zw@example.com", "--allow-duplicate")
    ok("buy", "1", "茶叶", "100", "--at", "2026-11-02")
    env = {"LANG": "zh_CN.UTF-8"}
    for period, header in (("day", "日期"), ("week", "周"), ("quarter", "季度"), ("year", "年份")):
        code, lines = on_screen("report", "sales", "--by", period, columns=120, env=env)
        assert code == 0 and lines[0].split()[0] == header, (period, lines)
    code, lines = on_screen("dedupe", columns=160, env=env)
    assert code == 0, lines
    assert "另一位编号" in lines[0] and "另一位姓名" in lines[0], lines
    assert not re.search(r"Other|Day|Week|Quarter|Year", "\n".join(lines)), lines
    assert "other_id" in json.loads(ok("--lang", "zh", "dedupe", "--format", "json"))[0]


def test_the_edit_template_explains_itself_in_chinese(db_path, tmp_path):
    add("张伟")
    seen = tmp_path / "seen.txt"
    editor = tmp_path / "editor.sh"
    editor.write_text(f'#!/bin/sh\ncp "$1" {seen}\n')
    editor.chmod(0o755)
    os.environ["EDITOR"] = str(editor)
    try:
        ok("--lang", "zh", "edit", "1", "--editor")
        chinese = seen.read_text(encoding="utf-8")
        ok("edit", "1", "--editor")
        english = seen.read_text(encoding="utf-8")
    finally:
        del os.environ["EDITOR"]
    comments = [line for line in chinese.splitlines() if line.startswith("#")]
    assert comments[0] == "# 客户 1。修改各项的值，保存并退出；值留空即清除该项。", comments
    assert len(comments) == 3 and not re.search(r"[A-Z][a-z]+ ", "\n".join(comments)), comments
    assert comments[1:] == [
        "# 电话和邮箱用逗号分隔，第一个为主要联系方式。",
        "# 自定义字段写作“字段.名称：值”。以 # 开头的行会被忽略。",
    ]
    keys = [line.split("：")[0] for line in chinese.splitlines() if not line.startswith("#")]
    assert keys[:3] == ["姓名", "性别", "生日"] and keys[-2:] == ["电话", "邮箱"], keys
    assert not [k for k in keys if re.search("[a-z]", k)], keys
    assert english.startswith("# Customer 1. Edit the values, save and quit;")
    assert "\nname: 张伟\n" in english and "\nphones: \n" in english


def _editor(tmp_path, monkeypatch, script: str) -> None:
    """$EDITOR: python running `script` with the form's text as `t`, writing back `t`."""
    editor = tmp_path / "editor.py"
    editor.write_text(
        f"import sys\np = sys.argv[1]\nt = open(p, encoding='utf-8').read()\n{script}\n"
        "open(p, 'w', encoding='utf-8').write(t)\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")


def test_a_chinese_form_saves_with_chinese_keys_and_full_width_colons(
    db_path, tmp_path, monkeypatch
):
    add("张伟", "--city", "北京", "--phone", "+8613800138000")
    ok("edit", "1", "--field", "wechat=zw_1")
    _editor(
        tmp_path, monkeypatch,
        "t = t.replace('城市：北京', '城市：上海').replace('职位：', '职位: 经理')\n"
        "t = t.replace('字段.wechat：zw_1', '字段.wechat：zw_2') + '字段.部门: 销售部\\n'\n"
        "t = t.replace('电话：+8613800138000', '电话: +8613800138000, +8613900139000')",
    )  # fmt: skip
    assert ok("--lang", "zh", "edit", "1", "--editor") == "已更新客户 1。\n"
    card = json.loads(ok("show", "1", "-f", "json"))
    assert (card["city"], card["title"]) == ("上海", "经理")
    # 部门 is the label crm shows for `department` (an import's 部门 column): the same field
    assert card["fields"] == {"wechat": "zw_2", "department": "销售部"}
    assert card["phones"] == ["+8613800138000", "+8613900139000"]


def test_a_chinese_form_writes_a_lunar_birthday_as_chinese_does_and_keeps_it(
    db_path, tmp_path, monkeypatch
):
    add("张伟", "--birthday", "lunar:1990-闰05-29", "--city", "北京")
    _editor(
        tmp_path, monkeypatch,
        "assert '\\n生日：农历1990-闰05-29\\n' in t and 'lunar' not in t, t\n"
        "t = t.replace('城市：北京', '城市: 上海')",
    )  # fmt: skip
    assert ok("--lang", "zh", "edit", "1", "--editor") == "已更新客户 1。\n"
    assert rows(db_path, "SELECT city, birthday, birthday_lunar FROM customers") == [
        ("上海", "1990-07-21", "1990-闰05-29")
    ]


def test_a_form_parses_under_the_other_language(db_path, tmp_path, monkeypatch):
    add("张伟", "--city", "北京")
    # English keys typed into the Chinese form, Chinese keys into the English one.
    _editor(tmp_path, monkeypatch, "t = t.replace('城市：北京', 'city: 杭州')")
    assert ok("--lang", "zh", "edit", "1", "--editor") == "已更新客户 1。\n"
    swap = "t = t.replace('city: 杭州', '城市: 苏州').replace('company: ', '公司: 茶行')"
    _editor(tmp_path, monkeypatch, swap)
    assert ok("edit", "1", "--editor") == "Updated customer 1.\n"
    card = json.loads(ok("show", "1", "-f", "json"))
    assert (card["city"], card["company"]) == ("苏州", "茶行")


def test_an_unknown_key_in_a_chinese_form_saves_nothing(db_path, tmp_path, monkeypatch):
    add("张伟", "--city", "北京")
    before = dump(db_path)
    _editor(tmp_path, monkeypatch, "t = t.replace('城市：北京', '城巿: 上海')")  # 巿 not 市
    said = fails(2, "--lang", "zh", "edit", "1", "--editor")
    assert "城巿" in said and said.startswith("crm: 第 "), said
    _editor(tmp_path, monkeypatch, "t = t.replace('城市：北京', '城市 上海')")
    said = fails(2, "--lang", "zh", "edit", "1", "--editor")
    assert said.startswith("crm: 第 ") and "应写作“字段：值”" in said, said
    assert dump(db_path) == before


def test_fields_an_import_named_have_chinese_labels_on_the_card(db_path, tmp_path):
    table = tmp_path / "客户.csv"
    table.write_text("姓名,微信,部门,工号\n张伟,zw_88,销售部,A-7\n", encoding="utf-8")
    ok("import", "customers", str(table), "--keep-unknown")
    card = ok("--lang", "zh", "show", "张伟")
    assert re.search(r"^\s+微信\s+zw_88$", card, re.M) and re.search(
        r"^\s+部门\s+销售部$", card, re.M
    )
    assert re.search(r"^\s+工号\s+A-7$", card, re.M), card  # named by the user: as named
    assert re.search(r"^\s+wechat\s+zw_88$", ok("show", "张伟"), re.M)
    record = json.loads(ok("--lang", "zh", "show", "张伟", "--format", "json"))
    assert record["fields"] == {"wechat": "zw_88", "department": "销售部", "工号": "A-7"}


def test_lists_inside_chinese_sentences_use_the_enumeration_comma(db_path):
    from tests.conftest import fails

    said = fails(2, "--lang", "zh", "help", "nosuch")
    assert "可用主题：dates、filters、formats" in said, said
    assert "topics: dates, filters, formats" in fails(2, "help", "nosuch")


def _demo() -> None:
    ok("demo", "--db", os.environ["CRM_DB"], "--customers", "40")


def test_counts_are_headed_as_counts_and_hidden_columns_listed_with_the_comma(db_path):
    from tests.conftest import filled_once

    filled_once(db_path, _demo)
    env = {"LANG": "zh_CN.UTF-8"}
    code, lines = on_screen("report", "lifecycle", columns=160, env=env)
    text = "\n".join(lines)
    assert code == 0 and "进入人数" in text and "推进人数" in text, lines
    assert "进入时间" not in text and "流动人数" not in text, lines
    code, lines = on_screen("report", "feedback", columns=160, env=env)
    text = "\n".join(lines)
    assert code == 0 and "收到数" in text and "收到时间" not in text, lines
    code, lines = on_screen("feedback", "list", columns=160, env=env)
    assert code == 0 and "收到时间" in lines[0], lines
    code, lines = on_screen("report", "rfm", columns=50, env=env)
    start = next(i for i, line in enumerate(lines) if line.startswith("隐藏了"))
    footer = "".join(lines[start:])  # wrapped to the terminal's width
    assert re.fullmatch(
        r"隐藏了 ?\d ?列：\S+(、\S+)+；请用 --format csv 或更宽的终端查看", footer
    ), lines


def test_clean_says_each_problem_in_words_on_a_chinese_terminal(db_path):
    add("张伟")
    code, lines = on_screen("clean", columns=160, env={"LANG": "zh_CN.UTF-8"})
    text = "\n".join(lines)
    assert code == 0 and "│ 没有联系方式 │" in text, lines
    assert not re.search(r"no_contact", text), lines
    problems = [p["problem"] for p in json.loads(ok("--lang", "zh", "clean", "--format", "json"))]
    assert problems == ["no_contact"]


ZH = {"LANG": "zh_CN.UTF-8"}


def test_the_history_names_fields_and_values_in_chinese_words(db_path):
    ok("add", "张伟", "--city", "上海")
    ok("stage", "张伟", "lead")
    ok("edit", "张伟", "--city", "杭州")
    ok("stage", "张伟", "customer")
    code, lines = on_screen("history", "张伟", columns=200, env=ZH)
    text = "\n".join(lines)
    assert code == 0 and "城市：上海 → 杭州" in text and "阶段：线索 → 成交客户" in text, text
    assert "city" not in text and "stage:" not in text
    ok("undo", "--yes")
    code, lines = on_screen("history", "张伟", columns=200, env=ZH)
    assert "调整阶段（已撤销）" in "\n".join(lines), lines
    # JSON and English keep the keys; a plain table (cron mail) says the same words
    rows = json.loads(ok("--lang", "zh", "history", "张伟", "--format", "json"))
    assert {"city: 上海 → 杭州", "stage: lead → customer"} <= {r["changes"] for r in rows}
    assert "stage (undone)" in {r["command"] for r in rows}
    plain = ok("--lang", "zh", "history", "张伟")
    assert "城市：上海 → 杭州" in plain and "调整阶段（已撤销）" in plain and "city" not in plain
    plain = ok("--lang", "en", "history", "张伟")
    assert "city: 上海 → 杭州" in plain and "stage (undone)" in plain and "城市" not in plain
    code, lines = on_screen("history", "张伟", columns=200, env={"LANG": "C"})
    assert "city: 上海 → 杭州" in "\n".join(lines) and "stage (undone)" in "\n".join(lines)


def test_the_history_names_a_user_defined_field_by_its_name_not_its_value_column(db_path):
    ok("add", "王小明", "--field", "district=朝阳区")
    ok("edit", "王小明", "--field", "district=海淀区")
    ok("edit", "王小明", "--field", "部门=销售部", "--unset", "district")
    said = ok("--lang", "zh", "history", "王小明")
    assert "区县：朝阳区 → 海淀区" in said and "部门：销售部" in said, said
    assert "区县：海淀区" in said and "值" not in said and "key" not in said
    english = ok("--lang", "en", "history", "王小明", "--format", "json")
    changes = [r["changes"] for r in json.loads(english) if r["table"] == "customer_fields"]
    assert [c.split(", ", 2)[2] for c in changes[:2]] == ["department=销售部", "district=海淀区"]
    assert "district: 朝阳区 → 海淀区" in changes
    preview = crm("--lang", "zh", "undo")  # shows what it would undo, then asks for --yes
    assert preview.exit_code == 2 and "部门：销售部" in preview.stdout, preview.stdout
    assert "区县：海淀区" in preview.stdout


def test_an_empty_field_crm_named_is_refused_by_its_label(db_path):
    add("王小明")
    said = fails(2, "--lang", "zh", "edit", "王小明", "--field", "区县=", db=db_path)
    assert said == "crm: 字段区县不能为空；要删除它，请用 --unset 区县\n", said
    ok("edit", "王小明", "--field", "区县=朝阳区")  # --set names the fields customers hold
    said = fails(2, "--lang", "zh", "edit", "王小明", "--set", "区县=", db=db_path)
    assert said == "crm: 字段区县不能为空；要删除它，请用 --unset 区县\n", said
    assert fails(2, "edit", "王小明", "--field", "district=", db=db_path) == (
        "crm: field district cannot be empty; to remove it: --unset district\n"
    )
    assert fails(2, "--lang", "zh", "edit", "王小明", "--field", "vip=", db=db_path) == (
        "crm: 字段 vip 不能为空；要删除它，请用 --unset vip\n"
    )


def test_the_history_says_a_tasks_repeat_as_the_task_list_does(db_path):
    ok("add", "张伟")
    ok("task", "add", "张伟", "回访", "--every", "1m")
    ok("task", "edit", "1", "--every", "2w")
    said = ok("--lang", "zh", "history", "张伟")
    assert "重复：每月" in said and "重复：每月 → 每两周" in said, said
    assert "every: 1m → 2w" in ok("--lang", "en", "history", "张伟")


def test_repeats_are_said_as_periods_in_chinese(db_path):
    add("罗桂芬")
    ok("task", "add", "罗桂芬", "回访", "--due", "2026-11-23", "--after", "2w")
    ok("task", "add", "罗桂芬", "月报", "--due", "2026-11-24", "--every", "1m")
    for args in (("remind",), ("task", "list")):
        code, lines = on_screen(*args, columns=120, env=ZH)
        text = "\n".join(lines)
        assert code == 0 and "完成后 2 周" in text and "每月" in text, text
        assert "2w" not in text and "1m" not in text
    tasks = json.loads(ok("--lang", "zh", "task", "list", "--format", "json"))
    assert [(t["every"], t["repeat_after"]) for t in tasks] == [(None, "2w"), ("1m", None)]
    assert "2w after done" in ok("task", "list")  # English as typed


def test_the_card_says_a_repeat_as_every_reads_it_back(db_path):
    add("罗桂芬")
    for typed in ("1w", "2w", "3d", "2m"):
        ok("task", "add", "罗桂芬", f"回访{typed}", "--due", "2026-11-23", "--every", typed)
    card = ok("--lang", "zh", "show", "罗桂芬")
    said = dict(re.findall(r"(回访\w+) {2,}(\S+(?: \S+)*)\s*$", card, re.M))
    assert said == {"回访1w": "每周", "回访2w": "每两周", "回访3d": "每 3 天", "回访2m": "每两个月"}
    for typed in said.values():  # pasted back, each makes the same repeat
        ok("task", "add", "罗桂芬", "再来", "--every", typed)
    assert rows(db_path, "SELECT every FROM tasks WHERE text = '再来' ORDER BY id") == [
        ("1w",),
        ("2w",),
        ("3d",),
        ("2m",),
    ]
    english = ok("show", "罗桂芬")
    assert re.search(r"回访2w\s+2w\s*$", english, re.M), english
    shown = json.loads(ok("--lang", "zh", "show", "罗桂芬", "--format", "json"))
    assert [t["every"] for t in shown["open_tasks"]][:4] == ["1w", "2w", "3d", "2m"]


def test_a_saved_segment_has_its_own_header_and_customers_one_word(db_path):
    add("罗桂芬", "--city", "上海")
    ok("segment", "add", "shanghai", "--city", "上海")
    code, lines = on_screen("segment", "list", columns=100, env=ZH)
    assert code == 0 and lines[0].startswith("分组 ") and "细分" not in lines[0], lines
    assert ok("segment", "list").startswith("segment ")  # plain text keeps the key
    ok("task", "add", "罗桂芬", "回访", "--due", "2026-11-22")
    for args in (("today",), ("task", "list"), ("dashboard",)):
        code, lines = on_screen(*args, columns=120, env=ZH)
        heads = [line for line in lines if "┃" in line]
        assert heads and any(" 客户 " in f" {h} " for h in heads), lines
        assert not any("客户姓名" in h for h in heads), heads


def test_a_reminder_feed_refers_to_customers_with_full_width_brackets(db_path):
    add("罗桂芬")
    ok("task", "add", "罗桂芬", "回访", "--due", "2026-11-22")
    _, events = _calendar("--lang", "zh", "remind")
    assert events[0][1].startswith("客户：罗桂芬（#1）\n"), events
    _, events = _calendar("remind")
    assert events[0][1].startswith("Customer: 罗桂芬 (#1)\n"), events


def test_dedupe_and_clean_say_when_they_find_nothing(db_path):
    from tests.conftest import crm

    add("Ann Lee", "--email", "ann@example.com", "--phone", "+8613800138000")
    for lang, dedupe, clean in (
        ("en", "No likely duplicates scoring 40 or more.\n", "No contact data problems found.\n"),
        ("zh", "没有得分 40 及以上的疑似重复客户。\n", "没有发现联系方式问题。\n"),
    ):
        said = crm("--lang", lang, "dedupe")
        assert (said.exit_code, said.stdout, said.stderr) == (0, "", dedupe)
        said = crm("--lang", lang, "clean")
        assert (said.exit_code, said.stdout, said.stderr) == (0, "", clean)
        said = crm("--lang", lang, "clean", "--fix")
        assert (said.exit_code, said.stdout, said.stderr) == (0, "", clean)
    for args in (("dedupe",), ("clean",)):
        said = crm(*args, "--format", "json")
        assert (said.exit_code, said.stdout, said.stderr) == (0, "[]\n", "")
    said = crm("clean", "-q")
    assert (said.exit_code, said.stdout, said.stderr) == (0, "", "")


def test_paths_and_field_lists_inside_chinese_errors_are_full_width(db_path, tmp_path):
    from tests.conftest import crm

    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not a database " * 200)
    said = crm("--lang", "zh", "--db", str(bad), "list")
    assert said.exit_code == 1 and f"crm 数据库（{bad}）：" in said.stderr, said.stderr
    said = crm("--db", str(bad), "list")
    assert said.exit_code == 1 and f"crm database ({bad}): " in said.stderr, said.stderr
    add("Ann")
    said = crm("--lang", "zh", "list", "--fields", "nope")
    assert (
        said.exit_code == 2 and "可用字段：编号（id）、姓名（name）、类型（kind）、" in said.stderr
    ), said.stderr
    said = crm("list", "--fields", "nope")
    assert said.exit_code == 2 and "valid fields: id, name, kind, " in said.stderr


def test_a_chinese_demo_writes_its_own_texts_in_chinese(db_path):
    import sqlite3

    from crmcli.demo.words import CHINESE

    ok("--lang", "zh", "demo", "--db", str(db_path), "--customers", "60")
    conn = sqlite3.connect(db_path)
    texts = {
        value
        for sql in (
            "SELECT industry FROM customers UNION SELECT title FROM customers "
            "UNION SELECT source FROM customers UNION SELECT notes FROM customers",
            "SELECT text FROM interactions UNION SELECT outcome FROM interactions",
            "SELECT text FROM tasks UNION SELECT label FROM important_dates",
            "SELECT name FROM products UNION SELECT item FROM purchases "
            "UNION SELECT note FROM purchases",
            "SELECT text FROM feedback UNION SELECT resolution FROM feedback "
            "UNION SELECT comment FROM surveys",
        )
        for (value,) in conn.execute(sql)
        if value
    }
    conn.close()
    assert texts and not texts & set(CHINESE), sorted(texts & set(CHINESE))
    assert {"科技", "发送报价", "四季礼盒", "定期回访"} <= texts


def test_a_chinese_demo_has_no_english_data_left(db_path):
    """Names (customers abroad are overseas Chinese), companies, places, tags, segments,
    rules, care actions, tasks and field names: Chinese, `vip` the one word kept as typed."""
    import sqlite3

    ok("--lang", "zh", "demo", "--db", str(db_path), "--customers", "300")
    conn = sqlite3.connect(db_path)
    texts = {
        value
        for sql in (
            "SELECT name FROM customers UNION SELECT company FROM customers "
            "UNION SELECT city FROM customers UNION SELECT region FROM customers "
            "UNION SELECT country FROM customers UNION SELECT title FROM customers",
            "SELECT name FROM tags UNION SELECT name FROM segments UNION SELECT tag FROM rules",
            "SELECT action FROM care_rules UNION SELECT text FROM tasks",
            "SELECT key FROM customer_fields",
        )
        for (value,) in conn.execute(sql)
        if value
    }
    kept = json.dumps([r[0] for r in conn.execute("SELECT selection FROM care_rules")])
    rule = conn.execute("SELECT filter FROM rules WHERE tag = '待挽回'").fetchone()
    names = [name for (name,) in conn.execute("SELECT name FROM customers")]
    conn.close()
    # every name its own, none with a number (`许家豪 270`); a branch has no number either
    assert len(set(names)) == len(names) == 300
    assert [n for n in names if re.search(r"[\d\s]", n)] == []
    assert {"腾讯科技南京分公司", "杨家豪", "陈颂恩"} <= set(names)
    english = sorted(t for t in texts if re.search("[A-Za-z]", t))
    assert english == ["vip", "wechat"], english  # a tag as typed, a field with a label
    assert {"许家豪", "巴黎", "法国", "恒通实业", "批发", "高消费", "重点客户", "月饼礼盒"} <= texts
    assert "大客户" in json.loads(kept)[2] and json.loads(rule[0]) == {"segment": ["下滑中"]}
    # A rule's segment and a care rule's tag are found by those names.
    listed = ok("--lang", "zh", "list", "--segment", "下滑中", "--format", "json")
    assert isinstance(json.loads(listed), list)


def test_the_english_and_chinese_demos_hold_the_same_amounts_and_dates(db_path, tmp_path):
    import sqlite3

    english, chinese = tmp_path / "en.db", tmp_path / "zh.db"
    ok("demo", "--db", str(english), "--customers", "120")
    ok("--lang", "zh", "demo", "--db", str(chinese), "--customers", "120")
    sql = "SELECT customer_id, amount_minor, currency, purchased_at FROM purchases ORDER BY id"
    found = []
    for path in (english, chinese):
        conn = sqlite3.connect(path)
        found.append(conn.execute(sql).fetchall())
        conn.close()
    assert found[0] and found[0] == found[1]


def test_a_survey_import_and_hooks_untrust_speak_chinese(db_path):
    from tests.conftest import crm

    for name in ("Anna", "Bob"):
        add(name)
    answers = "customer,nps\nAnna,10\nBob,6\nNobody,5\n"
    said = crm("--lang", "zh", "survey", "import", "-", "--skip-invalid", input=answers)
    assert said.exit_code == 0, said.stderr
    assert said.stdout == "已导入 3 条问卷回答中的 2 条；跳过 1 条无效回答。\n"
    assert said.stderr.startswith("crm: 已跳过第 4 行：") and "skipped" not in said.stderr
    said = crm(
        "--lang", "zh", "survey", "import", "-", "--skip-invalid", "--dry-run", input=answers
    )
    assert said.stdout == (
        "将导入 3 条问卷回答中的 0 条；2 条已存在；跳过 1 条无效回答（试运行：未写入任何内容）。\n"
    )
    said = crm("--lang", "zh", "hooks", "untrust")
    assert said.exit_code == 0 and said.stdout.endswith(" 本来就未被信任。\n"), said.stdout


def test_care_on_a_terminal_says_when_nobody_is_to_be_greeted(db_path):
    add("罗桂芬")
    ok("care", "rule", "add", "中秋", "月饼礼盒")
    code, lines = on_screen("care", "--within", "7d", columns=100, env=ZH)
    assert (code, lines) == (0, ["所查节日没有需要问候的客户。"])
    code, lines = on_screen("care", "--within", "7d", columns=100)
    assert (code, lines) == (0, ["Nobody to greet for the festivals asked about."])
    assert ok("care", "--within", "7d") == ""  # a script hears nothing


def test_a_purchase_is_confirmed_with_chinese_punctuation(db_path):
    add("罗桂芬")
    assert ok("--lang", "zh", "buy", "罗桂芬", "龙井", "120") == (
        "已为罗桂芬（#1）记录购买 1：龙井，120.00 CNY\n"
    )
    assert (
        ok("buy", "罗桂芬", "龙井", "120")
        == "Recorded purchase 2 for #1 罗桂芬: 龙井, 120.00 CNY\n"
    )


def test_a_warning_is_headed_in_the_language_of_the_run(db_path):
    from tests.conftest import crm

    add("周欣秀", "--company", "海尔智家")
    said = crm("--lang", "zh", "add", "周欣秀", "--company", "海尔智家")
    assert said.exit_code == 0 and said.stderr.startswith("crm: 警告：可能与周欣秀（#1"), (
        said.stderr
    )
    said = crm("add", "周欣秀", "--company", "海尔智家")
    assert said.stderr.startswith("crm: warning: possible duplicate of 周欣秀 (#1"), said.stderr


def test_a_follow_up_without_text_is_written_in_the_language_of_the_run(db_path):
    add("罗桂芬")
    ok("--lang", "zh", "log", "call", "罗桂芬", "问了价格", "--follow-up", "tue")
    ok("log", "visit", "罗桂芬", "到店看样品", "--follow-up", "wed")
    texts = [t["text"] for t in json.loads(ok("task", "list", "--format", "json"))]
    assert texts == ["跟进电话：问了价格", "Follow up on visit: 到店看样品"]


def test_a_tag_dry_run_and_its_count_read_as_chinese_sentences(db_path):
    add("张伟")
    add("张三")
    ok("tag", "vip", "1")
    said = ok("--lang", "zh", "tag", "华东", "--where", "name ~ 张", "--dry-run")
    assert said == "将给 2 位客户打上标签“华东”：1、2。\n", said
    assert (
        ok("--lang", "zh", "tag", "vip", "1") == "已给 0 位客户打上标签“vip”。其中 1 位本来就有。\n"
    )
    said = ok("--lang", "zh", "untag", "vip", "--where", "name ~ 张", "--dry-run")
    assert said == "将去掉 1 位客户的标签“vip”：1\n", said
    said = ok("untag", "vip", "--where", "name ~ 张", "--dry-run")
    assert said == "Would remove tag vip from 1 customer: 1\n", said
    assert (
        ok("--lang", "zh", "delete", "--where", "name ~ 张", "--dry-run")
        == "将归档 2 位客户：1、2\n"
    )
    assert ok("delete", "--where", "name ~ 张", "--dry-run") == "Would archive 2 customers: 1 2\n"
    said = ok("tag", "East", "--where", "name ~ 张", "--dry-run")
    assert said == "Would tag 2 customers with East: 1 2.\n", said
    assert ok("tag", "vip", "1") == "Tagged 0 customers with vip. 1 already had it.\n"


def test_a_survey_answer_lists_its_scores_with_the_chinese_comma(db_path):
    add("张伟")
    said = ok("--lang", "zh", "survey", "add", "张伟", "--nps", "9", "--csat", "5")
    assert said.startswith("已新增张伟（#1）的调查回答 1：NPS 9、CSAT 5，回答时间 "), said
    assert ": NPS 9, CSAT 5, answered " in ok("survey", "add", "张伟", "--nps", "9", "--csat", "5")


def test_the_values_of_an_edit_dry_run_are_headed_old_and_new_values(db_path):
    add("张伟", "--city", "杭州")
    args = ("edit", "--where", "name = 张伟", "--set", "city=上海", "--dry-run")
    code, lines = on_screen(*args, columns=120, env={"LANG": "zh_CN.UTF-8"})
    assert code == 0 and "旧值" in lines[0] and "新值" in lines[0], lines
    assert "新客户" not in lines[0], lines
    code, lines = on_screen(*args, columns=120, env={"LANG": "C.UTF-8"})
    assert code == 0 and lines[0].split("┃")[-2:] == [" Old  ", " New "], lines
    code, lines = on_screen("report", "lifecycle", columns=160, env={"LANG": "zh_CN.UTF-8"})
    assert code == 0 and any("新客户" in line for line in lines), lines  # the stage keeps it


def test_a_refused_duplicate_phone_reads_as_a_terminal_shows_phones(db_path):
    ok("config", "set", "default_region", "CN")
    add("张伟", "--phone", "13800138000")
    add("张 伟", "--phone", "13800138000", "--allow-duplicate")
    add("李娜")
    args = ("edit", "--where", "name = 李娜", "--set", "phone=13800138000", "--dry-run")
    code, lines = on_screen(*args, columns=200, env={"LANG": "zh_CN.UTF-8"})
    said = "\n".join(lines)
    assert code == 2 and "张伟（#1）已有 138 0013 8000；张 伟（#2）已有 138 0013 8000；" in said, (
        lines
    )
    err = fails(2, "--lang", "zh", *args)  # not a terminal: the number as stored
    assert "张伟（#1）已有 +8613800138000；张 伟（#2）" in err, err


def test_the_categories_of_a_calendar_feed_are_chinese(db_path):
    import icalendar

    add("罗桂芬")
    ok("task", "add", "罗桂芬", "发送合同", "--due", "2026-12-01")
    ok("log", "visit", "罗桂芬", "到店看样品", "--at", "2026-11-20 10:00")

    def categories(*args: str) -> list[str]:
        cal = icalendar.Calendar.from_ical(ok(*args, "--format", "ics"))
        return [str(c) for e in cal.walk("VEVENT") for c in e["categories"].cats]

    assert categories("--lang", "zh", "export", "tasks") == ["任务"]
    assert categories("--lang", "zh", "export", "interactions") == ["拜访"]
    assert categories("export", "tasks") == ["task"]
    assert categories("export", "interactions") == ["visit"]


def test_an_import_counts_the_rows_it_read_in_the_run_s_words():
    from types import SimpleNamespace

    from crmcli.cli.transfer import READING, _Reading
    from crmcli.core import i18n

    notes: list[str | None] = []
    shown = SimpleNamespace(phase=lambda *a: None, advance=lambda done, note: notes.append(note))
    source = SimpleNamespace(size=10_000, stream=SimpleNamespace(position=512))
    reading = _Reading(shown, source)  # type: ignore[arg-type]
    reading.phase(READING)
    reading.advance(3000)
    token = i18n.use("zh")
    try:
        reading.advance(3000)
        reading.advance(1)
    finally:
        i18n.reset(token)
    reading.advance(1)
    assert notes == ["3,000 rows", "3,000 行", "1 行", "1 row"]


def test_an_overseas_name_is_never_one_the_chinese_names_draw():
    """Were it, the Chinese demo would draw a number more to set it apart (build.py), and
    every later customer would differ from the English demo's."""
    from crmcli.demo.build import GIVEN, LATIN_FIRST, LATIN_LAST
    from crmcli.demo.words import OVERSEAS_GIVEN, OVERSEAS_SURNAMES

    assert len(set(OVERSEAS_GIVEN)) == len(LATIN_FIRST)
    assert len(set(OVERSEAS_SURNAMES)) == len(LATIN_LAST)
    assert not set("".join(OVERSEAS_GIVEN)) & set(GIVEN)


def test_quarters_read_as_chinese_in_tables_and_stay_keys_in_data(db_path):
    add("张伟")
    ok("buy", "1", "茶叶", "100", "--at", "2026-11-02")
    ok("buy", "1", "茶叶", "50", "--at", "2026-02-02")
    table = ok("--lang", "zh", "report", "sales", "--by", "quarter").splitlines()
    assert [line.split()[0] for line in table[2:]] == ["2026年第1季度", "2026年第4季度", "合计"]
    code, lines = on_screen(
        "report", "cohort", "--by", "quarter", columns=120, env={"LANG": "zh_CN.UTF-8"}
    )
    assert code == 0 and "2026年第1季度" in "\n".join(lines), lines
    assert "2026-Q" not in "\n".join(lines), lines
    english = ok("report", "sales", "--by", "quarter").splitlines()
    assert [line.split()[0] for line in english[2:]] == ["2026-Q1", "2026-Q4", "total"]
    data = json.loads(ok("--lang", "zh", "report", "sales", "--by", "quarter", "-f", "json"))
    assert [r["quarter"] for r in data] == ["2026-Q1", "2026-Q4"]
    csv = ok("--lang", "zh", "report", "cohort", "--by", "quarter", "-f", "csv").splitlines()
    assert "2026-Q1,1,0,1,100.0" in csv


def test_config_list_says_words_that_config_set_reads_back(db_path):
    code, lines = on_screen("config", "list", columns=400, env=ZH)
    assert code == 0, lines
    cells = [[c.strip() for c in line.split("│")] for line in lines if "│" in line]
    shown = {c[0]: c[1] for c in cells}
    assert shown["stages"] == "线索，潜在客户，成交客户，忠实客户，已流失", lines
    assert shown["contact.counts"] == "电话，邮件，会面，拜访，消息，购买，反馈，调查", lines
    assert shown["rfm.grid"].startswith("核心客户=5/45；忠诚客户=34/45；"), lines
    assert shown["money"] == "普通", lines
    plain = ok("--lang", "zh", "config", "list")  # a pipe in Chinese: the same words
    assert "线索，潜在客户，成交客户" in plain and "lead,prospect" not in plain
    for key in ("stages", "contact.counts", "rfm.grid", "money"):  # pasted back: no change
        said = ok("--lang", "zh", "config", "set", key, shown[key])
        assert said == f"{key} = {shown[key]}\n", said
    assert rows(db_path, "SELECT key, value FROM settings WHERE key != 'money' ORDER BY key") == [
        ("contact.counts", "call,email,meeting,visit,message,purchase,feedback,survey"),
        ("rfm.grid", ok("config", "get", "rfm.grid").strip()),
        ("stages", "lead,prospect,customer,loyal,lost"),
    ]
    assert "champions=5/45; loyal=34/45" in ok("config", "get", "rfm.grid")
    ok("config", "set", "contact.counts", "电话，购买")
    assert ok("config", "get", "contact.counts") == "call,purchase\n"
    said = fails(2, "config", "set", "contact.counts", "电话，备忘", db=db_path)
    assert "'备忘' is not one of" in said, said
    english = ok("config", "list")
    assert re.search(r"^stages +lead,prospect,customer,loyal,lost ", english, re.M), english
    assert re.search(r"^contact\.counts +call,purchase ", english, re.M), english
    data = json.loads(ok("--lang", "zh", "config", "list", "--format", "json"))
    assert {r["key"]: r["value"] for r in data}["stages"] == "lead,prospect,customer,loyal,lost"


def test_the_card_says_12_months_revenue_in_the_currency_bought_in(db_path):
    add("陈大文")
    ok("buy", "陈大文", "奶茶", "500", "--currency", "HKD")
    ok("buy", "陈大文", "奶茶", "300", "--currency", "HKD", "--at", "-30d")
    ok("buy", "陈大文", "咖啡", "20", "--currency", "USD", "--at", "-20d")
    code, lines = on_screen("show", "陈大文", columns=160, env=ZH)
    row = next(line for line in lines if line.startswith("│ 新客户") or "新客户" in line)
    assert code == 0 and "HK$800.00" in row and "¥0.00" not in row, lines
    classes = json.loads(ok("show", "陈大文", "--format", "json"))["classes"]
    assert (classes[0]["revenue_12m"], classes[0]["currency"]) == ("800.00", "HKD")
    assert classes[0]["value_tier"] == "low"  # counted in the default currency
    ok("buy", "陈大文", "茶", "88", "--currency", "CNY")  # some in the default: it is shown
    classes = json.loads(ok("show", "陈大文", "--format", "json"))["classes"]
    assert (classes[0]["revenue_12m"], classes[0]["currency"]) == ("88.00", "CNY")


def test_a_sale_refunded_in_the_default_currency_is_a_net_of_0_on_the_card(db_path):
    """Bought 100 CNY, refunded it, bought 50 HKD: the Chinese card says ¥0.00 (JSON's
    figures: tests/test_classes.py, in purchase_facts' mutation selection)."""
    add("陈大文")
    ok("buy", "陈大文", "茶", "100", "--at", "-40d")
    ok("buy", "陈大文", "茶", "-100", "--refund", "--at", "-30d")
    ok("buy", "陈大文", "奶茶", "50", "--currency", "HKD", "--at", "-20d")
    code, lines = on_screen("show", "陈大文", columns=160, env=ZH)
    assert code == 0 and any("¥0.00" in line for line in lines), lines


def test_an_amount_changed_alone_is_said_in_its_currency_in_history_and_undo(db_path):
    """An edit of a price or an amount leaves the currency as it was, so the change holds
    no currency column: the row's own currency says the amount (88.00 CNY, not 8800)."""
    ok("config", "set", "default_currency", "CNY")
    ok("product", "add", "礼盒", "--price", "88")
    ok("product", "edit", "礼盒", "--price", "99.5")
    add("张三")
    ok("buy", "张三", "茶", "100")
    ok("purchase", "edit", "1", "--amount", "120")
    said = ok("--lang", "zh", "history")
    assert "价格：88.00 CNY → 99.50 CNY" in said, said
    assert "单价：100.00 CNY → 120.00 CNY；金额：100.00 CNY → 120.00 CNY" in said, said
    preview = crm("--lang", "zh", "undo")
    assert preview.exit_code == 2 and "金额：120.00 CNY → 100.00 CNY" in preview.stdout
    data = json.loads(ok("history", "--format", "json"))  # data keeps the minor units
    assert "price_minor: 8800 → 9950" in [r["changes"] for r in data]
