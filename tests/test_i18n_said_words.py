"""What a Chinese run says where it used to show a value as stored: a history row's erased
customer, empty filter and empty list, a festival's day and a phone's kind; the command an
undo names; settings that are lengths of time; feedback's states; a report's units; lunar
days. JSON keeps the stored values in every language."""

import json
import os

import pytest

from tests.conftest import add, crm, filled_once, ok
from tests.test_terminal import on_terminal


def test_history_says_an_erased_customer_an_empty_filter_and_a_festival_day(db_path):
    add("张伟", "--phone", "+8613800138000")
    add("张伟伟", "--city", "上海")
    ok("merge", "1", "2", "--yes")
    ok("care", "festival", "add", "腊八粥会", "--lunar", "腊月初八")
    ok("care", "festival", "add", "圣诞", "--date", "12-25")
    ok("care", "rule", "add", "腊八粥会", "送腊八粥")
    code, lines = on_terminal("--lang", "zh", "history", columns=240)
    assert code == 0
    screen = "\n".join(lines)
    # the customer merged away has no name left: its id alone, not `(#2)` in ASCII brackets
    assert "│ #2 " in screen and "(#" not in screen, screen
    plain = ok("--lang", "zh", "history")
    assert "名称：腊八粥会；历法：农历；日期：腊月初八" in plain, plain
    assert "名称：圣诞；历法：公历；日期：12月25日" in plain, plain
    assert "月份" not in plain
    assert "选择条件：所有客户" in plain and "{}" not in plain, plain
    assert "类型：普通号码" in plain
    english = {(r["table"], r["op"]): r["changes"] for r in json.loads(ok("history", "-f", "json"))}
    assert "month=12, day=8" in english["custom_festivals", "insert"]
    assert "selection={}" in english["care_rules", "insert"]
    assert json.loads(ok("--lang", "zh", "history", "-f", "json")) == json.loads(
        ok("history", "-f", "json")
    )


def test_a_merge_that_moved_nothing_says_none(db_path):
    add("王芳")
    add("王芳芳")
    ok("merge", "1", "2", "--yes")
    plain = ok("--lang", "zh", "history")
    assert "移动的记录：无" in plain and "移动的记录：；" not in plain, plain
    assert '"moved": "{}"' in ok("history", "-f", "json") or "moved={}" in ok("history")


def test_undo_names_the_command_in_words(db_path):
    add("张伟")
    add("张伟伟")
    ok("merge", "1", "2", "--yes")
    refused = crm("--lang", "zh", "undo", input="n\n")
    first = refused.stdout.splitlines()[0]
    assert first == "撤销 2026-11-22 10:00 的“合并客户”（改动集 3）：", first
    english = crm("undo", input="n\n").stdout.splitlines()[0]
    assert english == "Undo crm merge of 2026-11-22 10:00 (changeset 3):", english
    script = crm("--lang", "zh", "undo")
    assert script.exit_code == 2
    assert script.stderr == "crm: “crm undo”需要确认；在脚本中运行请加 --yes\n"


def test_config_list_says_lengths_of_time_in_words(db_path):
    ok("config", "set", "cadence.default", "90d")
    ok("config", "set", "cadence.stage.lead", "14d..30d")
    ok("config", "set", "feedback.response_target", "90m")
    lines = {line.split()[0]: line for line in ok("--lang", "zh", "config", "list").splitlines()}
    assert lines["abc.window"].split()[1:3] == ["12", "个月"], lines["abc.window"]
    assert "  90 天  " in lines["cadence.default"]
    assert "  14 至 30 天  " in lines["cadence.stage.lead"]
    assert "  90 分钟  " in lines["feedback.response_target"]
    assert "  30 天  " in lines["lifecycle.new_days"]  # a number of days says its unit
    assert "  90 天  " in lines["lifecycle.default_gap"]
    values = {
        r["key"]: r["value"] for r in json.loads(ok("--lang", "zh", "config", "list", "-f", "json"))
    }
    assert values["abc.window"] == "12m" and values["cadence.stage.lead"] == "14d..30d"
    assert values["feedback.response_target"] == "90m" and values["cadence.default"] == "90d"
    assert values["lifecycle.new_days"] == "30" and values["lifecycle.default_gap"] == "90"
    english = ok("config", "list")
    assert " 12m " in english and " 14d..30d " in english and " 90m " in english


def test_feedback_open_is_one_word_and_recency_has_its_unit(db_path):
    add("张伟")
    ok("feedback", "add", "张伟", "包装破损")
    assert "  未处理  " in ok("--lang", "zh", "feedback", "list")
    assert "未处理" in ok("--lang", "zh", "report", "feedback").splitlines()[0]
    ok("buy", "张伟", "茶叶", "100", "--at", "2026-11-15")
    plain = ok("--lang", "zh", "report", "rfm", "--customers")
    assert "  7 天  " in plain, plain
    (row,) = json.loads(ok("--lang", "zh", "report", "rfm", "--customers", "-f", "json"))[
        "customers"
    ]
    assert row["recency"] == 7
    assert "  7  " in ok("report", "rfm", "--customers")


def test_lifecycle_conversion_header_says_percent(db_path):
    add("张伟")
    ok("stage", "张伟", "lead")
    ok("stage", "张伟", "prospect")
    assert "转化率%" in ok("--lang", "zh", "report", "lifecycle")


def test_lunar_days_are_said_as_the_calendar_says_them(db_path):
    said = ok("--lang", "zh", "care", "festival", "add", "腊八粥会", "--lunar", "12-08")
    assert said.startswith("已新增节日“腊八粥会”：每年农历腊月初八（"), said
    said = ok("--lang", "zh", "care", "festival", "add", "圣诞", "--date", "12-25")
    assert said.startswith("已新增节日“圣诞”：每年公历12月25日（"), said
    said = ok("care", "festival", "add", "Mid", "--lunar", "08-15")
    assert "every year on lunar 08-15" in said, said
    add("罗桂芬")
    ok("date", "add", "罗桂芬", "相识纪念", "农历2020-03-10", "--yearly")
    card = ok("--lang", "zh", "show", "罗桂芬")
    assert "2020-04-02（农历 2020-03-10）" in card, card
    assert "2020-04-02 (lunar 2020-03-10)" in ok("show", "罗桂芬")
    (shown,) = json.loads(ok("--lang", "zh", "show", "罗桂芬", "-f", "json"))["dates"]
    assert shown["date_on"] == "2020-04-02" and shown["date_lunar"] == "2020-03-10"
    assert "农历日期：2020年三月初十" in ok("--lang", "zh", "history")
    assert "date_lunar=2020-03-10" in ok("history", "-f", "json")


def test_a_number_in_chinese_words_has_a_space_either_side(db_path):
    add("张伟")
    said = ok("--lang", "zh", "task", "add", "张伟", "回访", "--every", "15d")
    assert "每 15 天重复一次：回访" in said, said
    said = ok("--lang", "zh", "task", "add", "张伟", "回访", "--after", "3d")
    assert "每次完成后隔 3 天再次提醒：回访" in said, said
    listed = ok("--lang", "zh", "task", "list")
    assert "  每 15 天" in listed and "  完成后 3 天" in listed, listed
    # what is shown is typed back
    ok("--lang", "zh", "task", "add", "张伟", "再回访", "--every", "每 15 天")
    assert [t["every"] for t in json.loads(ok("task", "list", "-f", "json"))].count("15d") == 2


def test_a_customers_reasons_are_joined_alike_everywhere(db_path):
    add("张伟")
    ok("stage", "张伟", "lead")
    ok("config", "set", "cadence.stage.lead", "14d..30d")
    ok("task", "add", "张伟", "发报价", "--due", "2026-11-20")
    ok("log", "call", "张伟", "问价", "--at", "2026-11-01 10:00")
    why = "任务 #1 已逾期 2 天：发报价；已 21 天未联系（到期：联系周期 14 至 30 天，线索阶段）"
    assert why in ok("--lang", "zh", "today")
    assert why in ok("--lang", "zh", "dashboard")
    english = "task #1 overdue 2 days: 发报价; no contact for 21 days (due: cadence 14..30 days, stage lead)"
    assert english in ok("today") and english in ok("dashboard")
    (row,) = json.loads(ok("--lang", "zh", "dashboard", "-f", "json"))["today"]
    assert row["reasons"] == [
        "task #1 overdue 2 days: 发报价",
        "no contact for 21 days (due: cadence 14..30 days, stage lead)",
    ]


def test_help_names_the_chinese_field_names_one_may_type(db_path):
    filters = ok("--lang", "zh", "help", "filters")
    for said in ("姓名 name", "城市 city", "电话 phone", "距上次联系天数 days_since_contact"):
        assert said in filters.replace("\n", ""), said
    add("张伟", "--city", "上海")
    # the names the help gives are typed back
    assert ok("list", "--where", "距上次联系天数 > 60", "-q") == ""
    assert ok("list", "--where", "城市 = 上海", "-q") == "1\n"
    formats = ok("--lang", "zh", "help", "formats").replace("\n", "")
    assert "“crm export all”只写 json" in formats, formats
    help_text = ok("--lang", "zh", "list", "--help").replace("\n", "").replace(" ", "")
    assert "列名写JSON键或终端表头上的中文名，如姓名,城市。" in help_text, help_text
    assert ok("--lang", "zh", "list", "--fields", "姓名,城市").split()[:2] == ["姓名", "城市"]


def test_on_conflict_lists_the_words_its_help_says_and_reads_them_back(db_path, tmp_path):
    add("张伟", "--email", "zw@example.com")
    sheet = tmp_path / "in.csv"
    sheet.write_text("name,email,city\n张伟,zw@example.com,杭州\n", encoding="utf-8")
    refused = crm("--lang", "zh", "import", "customers", str(sheet), "--on-conflict", "改")
    assert refused.exit_code == 2
    assert refused.stderr == (
        "crm: --on-conflict 只能是以下之一：更新（update）、跳过（skip）、报错（error）\n"
    )
    helped = ok("--lang", "zh", "import", "customers", "--help")
    assert "--on-conflict 更新|跳过|报错" in helped and "更新该客户" in helped
    ok("--lang", "zh", "import", "customers", str(sheet), "--key", "email", "--on-conflict", "更新")
    assert json.loads(ok("show", "1", "-f", "json"))["city"] == "杭州"


def test_a_chinese_demo_stores_its_language_however_chinese_was_asked_for(tmp_path, monkeypatch):
    import sqlite3

    def language(path) -> list[tuple[str]]:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT value FROM settings WHERE key = 'language'").fetchall()
        finally:
            conn.close()

    monkeypatch.delenv("LANGUAGE", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    by_option, by_locale, english = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"
    ok("--lang", "zh", "demo", "--db", str(by_option), "--customers", "5")
    ok("demo", "--db", str(english), "--customers", "5")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    ok("demo", "--db", str(by_locale), "--customers", "5")
    assert language(by_option) == language(by_locale) == [("zh",)]
    assert language(english) == []
    monkeypatch.setenv("LANG", "C.UTF-8")  # a cron job: no Chinese locale
    assert ok("--db", str(by_option), "list", "--limit", "1").startswith("编号  姓名")
    assert ok("--lang", "en", "--db", str(by_option), "list", "--limit", "1").startswith("id  name")


def _demo_of_150() -> None:
    ok("demo", "--db", os.environ["CRM_DB"], "--customers", "150")


@pytest.fixture
def buyers(db_path):
    """A demo with enough repeat buyers to fit the value models."""
    filled_once(db_path, _demo_of_150)
    return db_path


def test_a_chance_to_be_alive_reads_as_a_percentage_in_chinese(buyers):
    rows = json.loads(ok("report", "value", "--limit", "3", "-f", "json"))
    rows = rows if isinstance(rows, list) else next(v for v in rows.values() if isinstance(v, list))
    chances = [r["p_alive"] for r in rows]
    assert chances and all(isinstance(c, float) for c in chances)
    said = [f"{round(c * 100, 1):g}%" for c in chances]
    plain = ok("--lang", "zh", "report", "value", "--limit", "3")
    lines = [line for line in plain.splitlines() if "（#" in line]
    assert [line.split()[3] for line in lines] == said, plain
    english = ok("report", "value", "--limit", "3")
    assert [line.split()[4] for line in english.splitlines() if " (#" in line] == [
        str(c) for c in chances
    ], english
    assert json.loads(ok("--lang", "zh", "report", "value", "--limit", "3", "-f", "json")) == (
        json.loads(ok("report", "value", "--limit", "3", "-f", "json"))
    )
