"""Tables and cards on a Chinese terminal read as Chinese software does at 80 columns (and
60 for tasks): a customer is `张伟（#1）` as the prose says it, the column a table is for
(a reason, a task's text, a change) survives the width, timestamps read in local time to
the minute; a plain table in a pipe says the same words and ids, its timestamps as stored;
English and JSON keep what they had."""

import json
import re

import pytest

from crmcli.cli.cells import cell
from crmcli.core import i18n
from crmcli.core.vocabulary import word
from crmcli.records.config import shown_value
from tests.conftest import crm, ok
from tests.test_terminal import on_screen, on_terminal, width

ZH = {"LANG": "zh_CN.UTF-8"}
HALF_ID = re.compile(r" \(#\d+\)")
FULL_ID = re.compile(r"（#\d+）")


def table(lines: list[str], first: str) -> tuple[list[str], list[list[str]], list[str]]:
    """The headers, rows and the lines after the table whose header line starts `first`."""
    start = next(n for n, line in enumerate(lines) if line.startswith(first))
    heads = [h.strip() for h in lines[start].split("┃")]
    rows, end = [], start + 2
    while end < len(lines) and "│" in lines[end]:
        cells = [c.strip() for c in lines[end].split("│")]
        if rows and not cells[0]:  # prose wrapped onto a second line of the same row
            rows[-1] = [_joined(a, b) for a, b in zip(rows[-1], cells, strict=False)]
        else:
            rows.append(cells)
        end += 1
    return heads, rows, lines[end:]


def _joined(first: str, second: str) -> str:
    """A cell's two lines as one text: a space between words, none between characters."""
    space = first and second and first[-1].isascii() and second[0].isascii()
    return f"{first} {second}" if space else first + second


@pytest.mark.parametrize(
    ("args", "first"),
    [
        (("today",), "排名"),
        (("report", "churn"), "客户"),
        (("remind",), "到期日"),
    ],
)
def test_a_customer_reads_with_a_full_width_id_in_chinese(demo, args, first):
    code, lines = on_screen(*args, columns=120, env=ZH)
    assert code == 0, lines
    _, rows, _ = table(lines, first)
    customers = [c for row in rows for c in row if "#" in c and not c.startswith("任务")]
    assert customers and all(FULL_ID.search(c) for c in customers), rows
    assert not HALF_ID.search("\n".join(lines)), lines
    code, lines = on_screen(*args, columns=120, env={"LANG": "en_US.UTF-8"})
    assert HALF_ID.search("\n".join(lines)) and not FULL_ID.search("\n".join(lines)), lines
    piped = ok("--lang", "zh", *args)  # a plain table in a pipe, as cron mails it
    assert FULL_ID.search(piped) and not HALF_ID.search(piped), piped
    piped = ok("--lang", "en", *args)
    assert HALF_ID.search(piped) and not FULL_ID.search(piped), piped


def test_the_card_says_relations_and_service_numbers_in_words_and_local_minutes(db_path):
    ok("add", "张伟", "--phone", "12345", "--phone", "+8613379553028", "--related", "夫人=欧阳氏")
    code, lines = on_screen("show", "1", columns=80, env=ZH)
    assert code == 0, lines
    card = {line.split()[0]: line.split(None, 1)[1] for line in lines[1:] if line.strip()}
    assert card["关联人"] == "夫人：欧阳氏", lines
    assert card["电话"] == "12345（服务号码）、133 7955 3028", lines
    assert card["创建时间"] == "2026-11-22 10:00", lines  # not 2026-11-22T10:00:00+08:00
    code, lines = on_screen("show", "1", columns=80, env={"LANG": "en_US.UTF-8"})
    assert "  phones   12345 (service number), +86 133 7955 3028" in lines, lines
    assert "  related  夫人: 欧阳氏" in lines, lines
    record = json.loads(ok("show", "1", "--format", "json"))
    assert record["created_at"] == "2026-11-22T10:00:00+08:00"
    assert "service" not in json.dumps(record["phones"])


def test_a_timestamp_on_a_terminal_is_local_to_the_minute(db_path, monkeypatch):
    ok("add", "张伟")
    monkeypatch.setenv("TZ", "UTC")  # 10:00 in Shanghai is 02:00 here
    code, lines = on_terminal("history", columns=80, env={**ZH, "TZ": "UTC"})  # a real zone
    assert code == 0, lines
    assert lines[2].startswith("2026-11-22 02:00 │"), lines
    stamps = {r["at"] for r in json.loads(ok("history", "--format", "json"))}
    assert stamps == {"2026-11-22T10:00:00+08:00"}


def test_churn_keeps_its_reason_at_80_columns_and_calls_the_stage_a_lifecycle(demo):
    code, lines = on_screen("report", "churn", columns=80, env=ZH)
    assert code == 0 and all(width(line) <= 80 for line in lines), lines
    heads, rows, after = table(lines, "客户")
    assert heads[-1] == "原因" and "原因" not in "".join(after), (heads, after)
    assert all(width(row[-1]) >= 24 for row in rows), rows  # a reason, not `通常每…`
    assert all(not re.match(r"^.…（#", row[0]) for row in rows), rows  # names not one character
    code, lines = on_screen("report", "churn", columns=160, env=ZH)
    heads, rows, _ = table(lines, "客户")
    assert "生命周期" in heads and "阶段" not in heads, heads
    assert {row[heads.index("生命周期")] for row in rows} <= {"流失风险", "已沉睡"}, rows


def test_lapsed_and_lost_and_no_value_read_apart_on_the_dashboard(demo):
    code, lines = on_screen("dashboard", columns=120, env=ZH)
    assert code == 0, lines
    _, stages, _ = table(lines, "阶段")
    _, cycles, _ = table(lines, "生命周期")
    assert "已流失" in {r[0] for r in stages} and "已流失" not in {r[0] for r in cycles}
    assert "已沉睡" in {r[0] for r in cycles} and "已沉睡" not in {r[0] for r in stages}
    # no stage is （无）, as a group without a value is in every report; no lifecycle is
    # never having bought, 未购买, what the lifecycle report heads its column and --lifecycle takes
    assert "（无）" in {r[0] for r in stages} and "未购买" in {r[0] for r in cycles}
    assert not {"无", "（无）"} & {r[0] for r in cycles}
    assert "流失风险最高的客户（crm report churn --rhythm）" in lines, lines
    code, lines = on_screen("report", "lifecycle", columns=160, env=ZH)
    heads = next(line for line in lines if line.startswith("月份")).split("┃")
    assert "未购买" in [h.strip() for h in heads] and "无" not in [h.strip() for h in heads]
    assert ok("list", "--lifecycle", "未购买", "-q") == ok("list", "--lifecycle", "none", "-q")
    code, lines = on_screen("dashboard", columns=120, env={"LANG": "en_US.UTF-8"})
    assert "Top churn risks (crm report churn --rhythm)" in lines, lines


def test_history_keeps_the_customer_and_the_change_at_80_columns(demo):
    code, lines = on_screen("history", columns=80, env=ZH)
    assert code == 0 and all(width(line) <= 80 for line in lines), lines
    heads, rows, after = table(lines, "时间")
    assert heads[:2] == ["时间", "客户"] and heads[-1] == "改动", heads
    # the command that was run, whole (`task done`); the record, whole, when there is room
    # for it (120 columns)
    assert "命令" in heads, heads
    assert not [row for row in rows if "…" in row[heads.index("命令")]], rows
    assert all(re.fullmatch(r"2026-11-22 10:00", row[0]) for row in rows), rows
    assert all(width(row[-1]) >= 20 or "…" not in row[-1] for row in rows), rows
    assert not any("隐藏" in line for line in after if "改动" in line or "客户" in line), after
    code, lines = on_screen("history", columns=120, env=ZH)
    heads, rows, after = table(lines, "时间")
    assert "记录" in heads, heads  # the table's word and the record's id: `规则标签（#9）`
    assert all(re.fullmatch(r".+（#\d+）", row[heads.index("记录")]) for row in rows), rows
    assert not [c for row in rows for c in row[:-1] if "…" in c], rows
    piped = ok("--lang", "zh", "history", "--limit", "1")  # a pipe keeps every column
    assert piped.split()[:3] == ["改动集编号", "时间", "命令"], piped
    piped = ok("--lang", "en", "history", "--limit", "1")
    assert piped.split()[:3] == ["changeset_id", "at", "command"], piped
    assert "2026-11-22T10:00:00+08:00" in piped


def test_remind_at_60_columns_shows_what_each_task_says(demo):
    code, lines = on_screen("remind", "--limit", "3", columns=60, env=ZH)
    assert code == 0 and all(width(line) <= 60 for line in lines), lines
    start = next(n for n, line in enumerate(lines) if line.startswith("逾期 ┃"))
    heads = [h.strip() for h in lines[start].split("┃")]  # `逾期` / `天数`, `任务` / `编号`
    _, rows, _ = table(lines[start + 1 :], "天数")
    assert "内容" in heads and "客户" in heads and "到期日" not in heads, heads  # its date goes
    assert "电话" in heads and heads[0] == "逾期", heads  # how late stays, under a wrapped header
    # wrapped onto a second line, not cut
    assert [row[heads.index("内容")] for row in rows] == [
        "Send the quote",
        "Call back about the order",
    ]
    names = [row[heads.index("客户")] for row in rows]
    assert names == ["黄燕（#19）", "刘轩磊（#21）"], names  # whole, not `黄…`


def test_today_gives_the_reason_a_third_of_80_columns(demo):
    code, lines = on_screen("today", columns=80, env=ZH)
    assert code == 0 and all(width(line) <= 80 for line in lines), lines
    first = next(line for line in lines if "┃" in line).split("┃")[0].strip()
    heads, rows, _ = table(lines, first)  # the rank goes before a name is cut
    assert "客户" in heads[:2] and heads[-1] == "原因", heads
    # a name is cut, past a quarter of the width, only where whole it would cost the
    # reasons more than NAME_LINES lines a name (docs/conventions.md)
    cut = [row[heads.index("客户")] for row in rows if "…" in row[heads.index("客户")]]
    assert all(width(name) >= 80 // 4 - 1 for name in cut), rows
    assert all(width(row[-1]) >= 26 or "…" not in row[-1] for row in rows), rows


@pytest.mark.parametrize("columns", [60, 80])
def test_the_festival_list_never_cuts_the_name_one_types(db_path, columns):
    code, lines = on_screen("care", "festival", "list", columns=columns, env=ZH)
    assert code == 0 and all(width(line) <= columns for line in lines), lines
    heads, rows, _ = table(lines, "日期")
    assert "英文名" not in heads and "代号" not in heads and heads[1] == "节日名称", heads
    names = [row[1] for row in rows]  # what --holiday takes in Chinese
    assert "春节" in names and "中秋节" in names and not any("…" in k for k in names)
    code, lines = on_screen("care", "festival", "list", columns=120, env={"LANG": "en_US.UTF-8"})
    assert "English" in lines[0], lines  # English keeps the column
    listed = json.loads(ok("--lang", "zh", "care", "festival", "list", "--format", "json"))
    assert listed[0]["english"] and "festival" in listed[0]


def test_the_festival_list_piped_in_chinese_has_the_terminals_columns(db_path):
    code, lines = on_screen("care", "festival", "list", columns=200, env=ZH)
    drawn = table(lines, "日期")[0]
    piped = ok("--lang", "zh", "care", "festival", "list").splitlines()
    assert code == 0 and piped[0].split() == drawn, (piped[0], drawn)
    assert drawn == ["日期", "节日名称", "历法", "剩余天数", "自定义"], drawn
    assert "Spring Festival" not in "\n".join(piped)
    english = ok("--lang", "en", "care", "festival", "list").splitlines()[0].split()
    assert english == ["falls_on", "festival", "name", "english", "calendar", "days_until",
                       "is_custom"]  # fmt: skip
    csv_head = ok("--lang", "zh", "care", "festival", "list", "--format", "csv").splitlines()[0]
    assert csv_head == "falls_on,festival,name,english,calendar,days_until,is_custom"


def cells_of(lines: list[str], first: str) -> list[list[list[str]]]:
    """The rows of the first table whose header line starts `first`, each cell as the lines
    it takes (a wrapped cell more than one)."""
    start = next(n for n, line in enumerate(lines) if line.startswith(first))
    rows: list[list[list[str]]] = []
    for line in lines[start + 2 :]:
        if "│" not in line:
            break
        cells = [c.strip() for c in line.split("│")]
        if rows and not cells[0]:  # a wrapped cell's next line
            for parts, c in zip(rows[-1], cells, strict=False):
                parts += [c] if c else []
        else:
            rows.append([[c] if c else [] for c in cells])
    return rows


LONG_TASK = "上次通话两周后再回访一下客户的意见，并确认下个季度的订货数量和交货时间安排"


def test_remind_at_80_columns_keeps_a_short_chinese_task_whole_and_wraps_a_long_one(db_path):
    ok("add", "腾讯科技上海分公司", "--phone", "+8613362287942")
    ok("add", "罗美琪", "--phone", "+819084465777")
    ok("task", "add", "1", "发送合同", "--due", "2026-11-18")
    ok("task", "add", "2", "回访满意度", "--due", "2026-11-17")
    ok("task", "add", "2", LONG_TASK, "--due", "2026-11-25")
    code, lines = on_screen("remind", columns=80, env=ZH)
    assert code == 0 and all(width(line) <= 80 for line in lines), lines
    heads = [h.strip() for h in lines[1].split("┃")]
    assert lines[0] == "逾期任务（2）" and heads[-1] == "内容", lines
    overdue = cells_of(lines, "逾期天数")  # the due date, said again by how late, went
    assert [row[-1] for row in overdue] == [["回访满意度"], ["发送合同"]], lines  # not 发送合/同
    assert [row[-3:-1] for row in overdue] == [
        [["罗美琪（#2）"], ["+81 90-8446-5777"]],
        [["腾讯科技上海分公司（#1）"], ["133 6228 7942"]],  # not `腾讯科技上海分…`
    ], lines
    assert any(line.startswith("隐藏了 1 列：到期日") for line in lines), lines  # named
    title = next(n for n, line in enumerate(lines) if line.startswith("截至"))  # due soon
    upcoming = cells_of(lines[title + 2 :], " ")  # below the header's second line
    text = max(upcoming[0], key=len)  # the task, whatever columns follow it
    assert len(text) > 2 and "".join(text) == LONG_TASK, lines  # wrapped whole, never cut


def test_churn_at_80_columns_wraps_each_reason_whole(demo):
    code, lines = on_screen("report", "churn", columns=80, env=ZH)
    assert code == 0 and all(width(line) <= 80 for line in lines), lines
    rows = cells_of(lines, "客户")
    reasons = ["".join(row[-1]) for row in rows]
    assert len(reasons) == 8 and not any("…" in r for r in reasons), lines
    assert "只买过一次，190天前（周期按90天计）" in {r.replace(" ", "") for r in reasons}, reasons
    assert max(len(row[-1]) for row in rows) == 2, lines  # the shorter reasons


def test_today_and_list_at_60_columns_keep_reasons_whole_and_what_a_salesperson_needs(demo):
    code, lines = on_screen("today", columns=60, env=ZH)
    assert code == 0 and all(width(line) <= 60 for line in lines), lines
    heads, rows, _ = table(lines, "客户")
    # the rank goes first (the rows' order says it), before a name is cut
    assert heads == ["客户", "电话", "原因"], heads
    reasons = {row[0]: row[-1].replace(" ", "") for row in rows}
    assert reasons["黄燕（#19）"] == "任务#1已逾期1天：Sendthequote", reasons
    assert not any("…" in r for r in reasons.values()), reasons
    code, lines = on_screen("list", columns=60, env=ZH)
    assert code == 0 and all(width(line) <= 60 for line in lines), lines
    heads, rows, after = table(lines, "编号")
    # name, city and phone; an email, a company and tags are left out first, then the
    # stage before a name is cut (`Rosa Wil…`)
    assert heads == ["编号", "姓名", "城市", "电话"], heads
    assert "".join(after).startswith("隐藏了 4 列：邮箱、公司、标签、阶段；"), after
    assert not any("…" in row[1] for row in rows), rows
    code, lines = on_screen("list", columns=80, env=ZH)
    heads, rows, after = table(lines, "编号")
    assert heads == ["编号", "姓名", "城市", "电话", "阶段", "标签"], heads


@pytest.mark.parametrize("columns", [60, 80])
def test_config_list_shows_every_value_whole(db_path, monkeypatch, columns):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")  # the region it implies, as the terminal's
    code, lines = on_screen("config", "list", columns=columns, env=ZH)
    assert code == 0 and all(width(line) <= columns for line in lines), lines
    shown = {row[0][0]: "".join(row[1]) for row in cells_of(lines, "键")}
    settings = json.loads(ok("config", "list", "--format", "json"))
    token = i18n.use("zh")
    try:  # the values in words (stages: 线索，潜在客户), as `config set` reads them back
        values = {s["key"]: cell(word("value", shown_value(s["key"], s["value"])))
                  for s in settings}  # fmt: skip
    finally:
        i18n.reset(token)
    assert values["stages"].startswith("线索，潜在客户") and values["money"] == "普通"
    assert len(shown) == len(values) and "…" not in "".join(shown.values()), lines
    for key, value in values.items():  # wrapped after commas and spaces, never cut
        assert shown[key].replace(" ", "") == value.replace(" ", ""), (key, lines)
    assert "contact.counts" in shown and "stages" in shown


def test_today_says_in_one_line_when_nobody_is_to_be_contacted(db_path):
    code, lines = on_screen("today", columns=80, env=ZH)
    assert (code, lines) == (0, ["今天没有需要联系的客户。"])
    code, lines = on_screen("today", columns=80, env={"LANG": "en_US.UTF-8"})
    assert (code, lines) == (0, ["Nobody to contact today."])
    assert crm("--lang", "zh", "today").stdout == ""  # a pipe or cron: nothing to say
    assert json.loads(ok("today", "--format", "json")) == []


def test_the_card_shows_a_lunar_birthday_with_the_next_day_it_falls_on(db_path):
    ok("add", "李娜", "--birthday", "农历1990-08-15")  # this year's was 2026-09-25, past
    ok("add", "王芳", "--birthday", "lunar:1990-闰05-29")
    ok("add", "张伟", "--birthday", "农历1990-10-14")  # today, 2026-11-22
    card = ok("--lang", "zh", "show", "1")
    assert "  生日      1990-10-03\n  农历生日  农历1990年八月十五（下次公历 2027-09-15）\n" in card
    assert "农历1990年闰五月廿九（下次公历 2027-07-03）" in ok("--lang", "zh", "show", "2")
    assert "农历1990年十月十四（下次公历 2026-11-22）" in ok("--lang", "zh", "show", "3")
    card = ok("--lang", "en", "show", "1")
    assert "  lunar birthday  1990-08-15 (next on 2027-09-15)\n" in card, card
    record = json.loads(ok("show", "1", "--format", "json"))
    assert (record["birthday"], record["birthday_lunar"]) == ("1990-10-03", "1990-08-15")


@pytest.mark.parametrize("ref", ["李娜", "王芳", "张伟"])
def test_a_lunar_birthday_as_the_card_shows_it_is_typed_back(db_path, ref):
    ok("add", "李娜", "--birthday", "农历1990-08-15")
    ok("add", "王芳", "--birthday", "lunar:1990-闰05-29")
    ok("add", "张伟", "--birthday", "lunar:1988-12-29")  # 腊月廿九
    before = json.loads(ok("show", ref, "--format", "json"))
    shown = re.search(r"农历生日  (\S+)（", ok("--lang", "zh", "show", ref))
    assert shown, ref
    ok("edit", ref, "--birthday", "2000-01-01")
    ok("--lang", "zh", "edit", ref, "--birthday", shown[1])
    after = json.loads(ok("show", ref, "--format", "json"))
    assert (after["birthday"], after["birthday_lunar"]) == (
        before["birthday"],
        before["birthday_lunar"],
    )
    ok("date", "add", ref, "纪念日", shown[1], "--yearly")
    dates = json.loads(ok("date", "list", "--format", "json"))
    assert [d["date_lunar"] for d in dates] == [before["birthday_lunar"]]


def test_a_lunar_birthday_the_database_cannot_hold_is_said_on_the_card(db_path):
    import sqlite3

    ok("add", "李娜", "--birthday", "农历1990-08-15")
    with sqlite3.connect(db_path) as conn:  # as a hand edit of the file would leave it
        conn.execute("UPDATE customers SET birthday_lunar = '1990-13-01'")
    conn.close()
    result = crm("--lang", "zh", "show", "李娜")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "crm: 数据库里的农历生日“1990-13-01”不是农历日期；请用“crm edit --birthday”重新设置\n"
    )
    result = crm("show", "李娜", "--format", "json")  # the record itself is still readable
    assert json.loads(result.stdout)["birthday_lunar"] == "1990-13-01"


@pytest.mark.parametrize(
    ("day", "said"),
    [
        ((1990, 1, 1, False), "农历1990年正月初一"),
        ((1990, 5, 10, True), "农历1990年闰五月初十"),
        ((1990, 10, 11, False), "农历1990年十月十一"),
        ((1990, 11, 20, False), "农历1990年冬月二十"),
        ((1990, 12, 21, False), "农历1990年腊月廿一"),
        ((1990, 8, 30, False), "农历1990年八月三十"),
    ],
)
def test_a_lunar_date_in_the_words_of_a_chinese_calendar(day, said):
    from crmcli.core.lunar import LunarDate, chinese

    assert chinese(LunarDate(*day)) == said


def test_shares_are_headed_as_percents_in_chinese(demo):
    for args, shares in ((("report", "rfm"), ["客户占比%", "收入占比%"]),
                         (("report", "abc"), ["客户占比%", "收入占比%"]),
                         (("report", "summary", "--by", "city"), ["占比%"])):  # fmt: skip
        code, lines = on_screen(*args, columns=200, env=ZH)
        heads = [h.strip() for h in lines[1].split("┃")]
        assert code == 0 and all(s in heads for s in shares), (args, lines[:3])
        assert not {"客户占比", "收入占比", "占比"} & set(heads), heads
    english = ok("report", "rfm").splitlines()[1].split()
    assert "customer_share" in english and "revenue_share" in english
    rows = ok("--lang", "zh", "report", "rfm", "--format", "csv").splitlines()
    assert "customer_share" in rows[0] and "%" not in "".join(rows)


def _screen_and_stderr(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """`crm ARGS` with stdout on a terminal and stderr to a pipe: exit code, what the
    screen got from stdout, and stderr."""
    import os
    import subprocess
    import sys

    from tests.conftest import drain

    leader, follower = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "crmcli", *args], stdin=follower, stdout=follower,
        stderr=subprocess.PIPE, env={**os.environ, "CRM_PAGER": "", **env}, close_fds=True,
    )  # fmt: skip
    screen = drain(leader, follower, proc).decode()
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    return proc.wait(timeout=60), screen, stderr


@pytest.mark.parametrize(
    ("args", "chinese", "english"),
    [
        (("list", "--where", "city = 火星"), "没有可显示的客户。\n", "No customers to show.\n"),
        (("remind", "--within", "0d"), "截至 2026-11-22 没有到期的事项。\n",
         "Nothing due up to 2026-11-22.\n"),
        (("config", "unset", "money"), "money = 普通（默认值）\n", "money = plain (the default)\n"),
        (("task", "list"), "没有可显示的内容。\n", "Nothing to show.\n"),
        (("purchases",), "没有可显示的内容。\n", "Nothing to show.\n"),
        (("interactions",), "没有可显示的内容。\n", "Nothing to show.\n"),
    ],
)  # fmt: skip
def test_nothing_to_show_is_said_on_stderr_on_a_terminal_and_not_in_a_pipe(
    db_path, args, chinese, english
):
    ok("add", "张伟", "--city", "上海")
    ok("config", "set", "default_region", "CN")  # else the first write says it saved it
    for env, said in ((ZH, chinese), ({"LANG": "en_US.UTF-8"}, english)):
        code, screen, stderr = _screen_and_stderr(*args, env=env)
        assert (code, screen, stderr) == (0, "", said)
    piped = crm("--lang", "zh", *args)  # a script or cron: nothing at all
    assert (piped.exit_code, piped.stdout, piped.stderr) == (0, "", "")
    if args[0] == "list":
        shown = _screen_and_stderr("list", env=ZH)
        assert shown[0] == 0 and "张伟" in shown[1] and shown[2] == "", shown
