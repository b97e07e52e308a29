"""What a salesperson reads on a narrow terminal (issue #22, at 60, 80 and 120 columns, in
Chinese and English): the name a row is about is cut last, after a rank the rows' order
says, a lifecycle in a word or a city; a care list keeps the date, whom to greet and how;
a long name further down than a screen is measured with the rest. JSON never changes."""

import io
import json
from itertools import pairwise

import pytest

from crmcli.cli.terminal import Screen, draw
from tests.conftest import add, buy_ago, ok
from tests.test_i18n_tables import ZH
from tests.test_terminal import on_screen, width

EN = {"LANG": "en_US.UTF-8"}
LONG = "Stark Industries 北京"  # 21 cells: the demo's longest names are as wide


def _body(lines: list[str], start: int = 0) -> list[list[str]]:
    """The cells of the table whose rule is the first one from line `start`, a row's
    wrapped lines left out (their first cell is empty)."""
    rule = next(n for n in range(start, len(lines)) if "╇" in lines[n])
    rows = []
    for line in lines[rule + 1 :]:
        if "│" not in line:
            break
        cells = [c.strip() for c in line.split("│")]
        if any(cells[:2]):
            rows.append(cells)
    return rows


def _overdue(name: str, days: int) -> int:
    """A customer called `name` with a task `days` late: first in whom to contact today."""
    customer = add(name, "--phone", "+8613912345678")
    ok("task", "add", str(customer), "回访", "--due", f"-{days}d")
    return customer


@pytest.mark.parametrize("env", [ZH, EN])
def test_the_dashboards_contact_list_at_60_columns_shows_whole_names(demo, env):
    """`今天要联系` at 60 columns cut `Stark Indu…` while its rank (1 to 10, the rows' order)
    stayed: the rank goes, and the reason wraps onto a line more rather than cut a name,
    down to a third of the width (the point of the table): at 60 columns beside a phone the
    name takes what is left."""
    _overdue(LONG, 30)
    for columns in (60, 80, 120):
        code, lines = on_screen(columns=columns, env=env)
        assert code == 0 and all(width(line) <= columns for line in lines), lines
        start = next(
            n for n, line in enumerate(lines) if line.startswith(("今天要联系", "Contact"))
        )
        rows = _body(lines, start)
        ranked = lines[start + 1].lstrip().startswith(("排名", "Rank"))
        names = [r[1] if ranked else r[0] for r in rows]
        assert LONG in names or columns == 60, (columns, lines[start:])
        assert columns == 60 or not any("…" in name for name in names), (columns, names)
        rule = next(line for line in lines[start:] if "╇" in line)
        assert len(rule.split("╇")[-1]) - 1 >= columns // 3, (columns, lines[start:])
        assert ranked or columns < 120, lines[start + 1]  # the rank goes where room is short
    found = json.loads(ok("dashboard", "--format", "json"))
    assert {"rank", "customer_name"} <= set(found["today"][0])


@pytest.mark.parametrize("env", [ZH, EN])
def test_churn_at_60_columns_cuts_a_lifecycle_before_a_name(demo, env):
    """`crm report churn` at 60 columns cut names (`James…（#218）`) while 生命周期 stayed
    whole: the lifecycle, in a word, goes first (the reason keeps its third even so)."""
    buy_ago(str(_overdue(LONG, 1)), "900", 400)
    for columns in (60, 80, 120):
        code, lines = on_screen("report", "churn", columns=columns, env=env)
        assert code == 0 and all(width(line) <= columns for line in lines), lines
        start = next(n for n, line in enumerate(lines) if line.startswith(("客户", "Customer")))
        names = [r[0] for r in _body(lines, start)]
        assert any(name.startswith(LONG[:5]) for name in names), lines
        heads = [h.strip() for h in lines[start].split("┃")]
        assert columns > 60 or not {"生命周期", "Lifecycle"} & set(heads), heads
    found = json.loads(ok("report", "churn", "--format", "json"))
    assert "stage" in found[0]


@pytest.mark.parametrize("env", [ZH, EN])
def test_list_shows_a_long_name_whole_at_60_80_and_120_columns(demo, env):
    """`crm list` at 60 columns cut `Stark Industries…`: a city or stage goes before it."""
    add(LONG, "--city", "北京", "--phone", "+8613912345678")
    for columns in (60, 80, 120):
        code, lines = on_screen("list", columns=columns, env=env)
        assert code == 0 and all(width(line) <= columns for line in lines), lines
        names = [r[1] for r in _body(lines)]
        assert LONG in names and not any("…" in n for n in names), (columns, names)
        assert ("电话" if env is ZH else "Phone") in lines[0], lines[0]  # the phone stays


def test_care_for_a_year_keeps_the_date_whom_and_the_care(demo):
    """At 60 columns the care read `节日问候…` beside the phone: the phone goes first (the
    date, whom to greet and how stay), and the care is cut no more, in both languages."""
    for env in (ZH, EN):
        code, lines = on_screen("care", "--year", "2027", columns=60, env=env)
        assert code == 0 and all(width(line) <= 60 for line in lines), lines
        heads = [h.strip() for h in lines[0].split("┃")]
        assert heads == (["日期", "客户", "关怀"] if env is ZH else ["Date", "Customer", "Care"])
        assert not any("…" in r[-1] for r in _body(lines)), lines
    rows = json.loads(ok("care", "--year", "2027", "--format", "json"))
    assert "phone" in rows[0] and "festival_name" in rows[0]


def test_a_long_care_further_down_shows_whole_beside_its_date():
    """`crm care --year 2027` at 120 columns cut the care of 中秋 (`月饼礼盒 mooncake gift
    bo…`, row 343) while every name showed whole: every row is measured, and the festival's
    name, which its date says (one festival a day), gives way rather than cut it."""
    festivals = [("2027-01-01", "元旦"), ("2027-02-06", "春节"), ("2027-09-15", "中秋节")]
    rows = [
        {"falls_on": day, "festival_name": name, "customer": f"Hiroshi Andersson (#{n})",
         "phone": "+33615231992",
         "care": "月饼礼盒 mooncake gift box；节日问候 festival greeting" if name == "中秋节"
         else "节日问候 festival greeting"}
        for day, name in festivals for n in range(60)
    ]  # fmt: skip
    out = io.StringIO()
    keys = ("falls_on", "festival_name", "customer", "phone", "care")
    draw(rows, keys, out, Screen(120, 40, False))
    lines = out.getvalue().splitlines()
    assert all(width(line) <= 120 for line in lines), lines
    assert lines[0].split() == ["Date", "┃", "Customer", "┃", "Phone", "┃", "Care"], lines[0]
    assert lines[-2].endswith("│ 月饼礼盒 mooncake gift box；节日问候 festival greeting"), lines
    assert lines[-1] == "1 column hidden: Festival name; use --format csv or a wider terminal"


# What `crm help dates` lists as forms to type, in Chinese: each must show on one line.
_FORMS = ("2小时前", "半小时前", "半个月后", "一个月前", "in 3 days", "3 weeks ago", "next fri",
          "last fri", "fri 3pm", "tomorrow at noon", "22 Nov 2026", "“crm task snooze”",
          "“crm date add”", "明天下午3点", "2026年11月22日")  # fmt: skip


@pytest.mark.parametrize("columns", [44, 50, 60, 67, 80, 120])
def test_chinese_help_on_dates_never_splits_a_typed_form(columns):
    """`crm help dates` at 60 columns read `2小` / `时前` and `in` / `3 days`: a form to type
    is kept on one line, as a quoted command is (`“crm task snooze”`)."""
    code, lines = on_screen("help", "dates", columns=columns, env=ZH)
    assert code == 0 and all(width(line) <= columns for line in lines), lines
    for form in _FORMS:
        assert any(form in line for line in lines), (form, lines)


# Reasons crm writes in a Chinese table cell, with the terms of its catalog in them.
_REASONS = (
    "已 171 天未联系（联系周期 14 天，标签 vip）；流失风险：买过两次，相隔 128 天",
    "流失风险：通常每 24 天购买一次；已沉默 60 天；最近一年净购买 ¥27,810.00",
    "客户的生命周期：流失风险；联系周期 90 天（默认）",
)


@pytest.mark.parametrize("room", range(12, 41))
def test_a_chinese_cell_breaks_between_words_not_inside_one(room):
    """A reason wider than its column read `（联系` / `周期 14 天，`: a line breaks between
    phrases, and inside a phrase wider than a line between the words crm's catalog says
    (`联系周期`, `流失风险`, `生命周期`), never inside one that fits a line, nor between a
    number and its unit."""
    from crmcli.cli.terminal import _lines

    for reason in _REASONS:
        lines = _lines(reason, room)
        assert all(width(line) <= room for line in lines), lines
        assert "".join(lines).replace(" ", "") == reason.replace(" ", ""), lines
        for term in ("联系周期", "流失风险", "生命周期", "最近一年"):
            if term in reason:
                assert any(term in line for line in lines), (term, lines)
        for line, after in pairwise(lines):
            assert not (line[-1:].isdigit() and after[:1] in "天岁位"), (line, after)


# One name of 300 characters among short ones, and a Chinese one of 34 characters.
_OUTLIER = "Outlier " + "x" * 292
_ZH_OUTLIER = "北京" * 17


@pytest.mark.parametrize("columns", [60, 120, 200])
def test_a_column_asked_for_by_fields_shows_beside_a_long_name(db_path, columns):
    """`crm list --fields name,city` beside one name of 300 characters showed only the name
    and said the terminal was too narrow for City, at 200 columns too: what --fields asks
    for shows, and the name is cut instead."""
    for n in range(5):
        add(f"Person {n}", "--city", "Berlin")
    add(_OUTLIER, "--city", "Lyon")
    code, lines = on_screen("list", "--fields", "name,city", columns=columns, env=EN)
    assert code == 0 and all(width(line) <= columns for line in lines), lines
    assert [h.strip() for h in lines[0].split("┃")] == ["Name", "City"], lines[0]
    rows = _body(lines)
    assert [r[-1] for r in rows] == ["Berlin"] * 5 + ["Lyon"], lines
    assert not any("too narrow" in line for line in lines), lines


def test_a_chinese_column_asked_for_shows_beside_a_long_chinese_name(db_path):
    """The same in Chinese: a name of 34 characters at 60 columns left out 城市."""
    add("张伟", "--city", "上海")
    add(_ZH_OUTLIER, "--city", "北京")
    code, lines = on_screen("--lang", "zh", "list", "--fields", "name,city", columns=60, env=ZH)
    assert code == 0 and all(width(line) <= 60 for line in lines), lines
    assert [h.strip() for h in lines[0].split("┃")] == ["姓名", "城市"], lines[0]
    assert [r[-1] for r in _body(lines)] == ["上海", "北京"], lines


@pytest.mark.parametrize("columns", [120, 160, 200])
def test_one_long_name_does_not_cost_every_row_its_city(db_path, columns):
    """`crm list` at 200 columns hid City, Stage and Tags on every row for one name of 300
    characters, while empty Company and Email showed: a name claims at most NAME_SHARE of
    the width from what gives way to it; beyond that it is cut. A column empty on every row
    (here the stage too) says nothing: it goes first."""
    for n in range(5):
        ok(
            "tag",
            "vip",
            str(add(f"Person {n}", "--city", "Berlin", "--phone", f"+861391234567{n}")),
        )
    ok("tag", "vip", str(add(_OUTLIER, "--city", "Lyon")))
    code, lines = on_screen("list", columns=columns, env=EN)
    assert code == 0 and all(width(line) <= columns for line in lines), lines
    heads = [h.strip() for h in lines[0].split("┃")]
    assert {"Name", "City", "Tags", "Phone"} <= set(heads), lines[0]
    assert not {"Company", "Email", "Stage"} & set(heads), lines[0]
    names = [r[heads.index("Name")] for r in _body(lines)]
    assert names[-1].startswith("Outlier x") and names[-1].endswith("…"), names
    assert [r[heads.index("City")] for r in _body(lines)][-1] == "Lyon", lines


@pytest.mark.parametrize("env", [EN, ZH])
def test_a_narrow_list_keeps_a_city_every_row_has_before_a_name_is_cut(db_path, env):
    """`crm list` at 60 columns left out City, filled on every row, and kept a Company one
    row had, to show a 30-character name whole: a narrow list keeps name, city, phone and
    stage (docs/conventions.md); the company (and the email, tags) go first, and the name
    is cut."""
    add("张伟", "--company", "华为", "--city", "上海", "--phone", "+8613912345670")
    add("Aleksandra" * 3, "--city", "Berlin", "--phone", "+8613912345671")
    add("Anna Smith", "--city", "New York", "--phone", "+8613912345672")
    code, lines = on_screen("list", columns=60, env=env)
    assert code == 0 and all(width(line) <= 60 for line in lines), lines
    heads = [h.strip() for h in lines[0].split("┃")]
    assert heads[2] in ("City", "城市") and heads[3] in ("Phone", "电话"), heads
    assert [r[2] for r in _body(lines)] == ["上海", "Berlin", "New York"], lines
    assert _body(lines)[1][1].endswith("…"), lines


def _tables(lines: list[str]) -> dict[str, list[str]]:
    """Each table's title (the line above its header) and its headers, a wrapped header's
    words joined (`Days overdue`)."""
    found = {}
    for n, line in enumerate(lines):
        if "┃" in line and n and "┃" not in lines[n - 1]:
            heads = [h.strip() for h in line.split("┃")]
            below = lines[n + 1] if "┃" in lines[n + 1] else ""
            for i, more in enumerate(h.strip() for h in below.split("┃") if below):
                heads[i] = f"{heads[i]} {more}".strip()
            found[lines[n - 1]] = heads
    return found


@pytest.mark.parametrize("env", [EN, ZH])
def test_remind_at_60_columns_keeps_a_tasks_number_and_when(demo, env):
    """English `crm remind` at 60 columns left out both the due date and the days overdue
    of overdue tasks (nothing said how late), and a task due soon its due date (no date at
    all): the phone gives way instead, and the task's number stays."""
    code, lines = on_screen("remind", columns=60, env=env)
    assert code == 0 and all(width(line) <= 60 for line in lines), lines
    tables = _tables(lines)
    late = next(h for t, h in tables.items() if t.startswith(("Overdue", "逾期")))
    soon = next(h for t, h in tables.items() if t.startswith(("Tasks due", "截至 2026-11-29 到期")))
    number, days, due = (
        ("Task ID", "Days overdue", "Due") if env is EN else ("任务 编号", "逾期 天数", "到期日")
    )
    assert number in late and any(h in late for h in (days, "逾期天数")), late
    assert number in soon and due in soon, soon


_SHORT = ("约产品演示", "回访满意度", "上次通话两周后再回访", "发送报价")


def test_short_chinese_task_text_shows_whole_at_60_columns():
    """Chinese `crm remind` at 60 columns read `约产品演` / `示` and `上次通话两周后再回` /
    `访` in a column of 8 cells, the point of the table having given its third to the
    phone: a text of at most PROSE_WHOLE cells shows whole, and the phone gives way."""
    rows = [
        {"due_on": f"2026-12-0{n % 9 + 1}", "days_overdue": n, "task_id": 10 + n,
         "customer": "阿里巴巴 广州 分公司（#39）" if n == 3 else "周志远（#266）",
         "phone": "+44 7911 872366", "text": _SHORT[n % 4]}
        for n in range(8)
    ]  # fmt: skip
    keys = ("due_on", "days_overdue", "task_id", "customer", "phone", "text")
    out = io.StringIO()
    draw(rows, keys, out, Screen(60, 40, False), first_out=("due_on", "phone"))
    lines = out.getvalue().splitlines()
    assert all(width(line) <= 60 for line in lines), lines
    texts = [r[-1] for r in _body(lines)]
    assert texts == [_SHORT[n % 4] for n in range(8)], lines
    assert [r[1] for r in _body(lines)] == [str(10 + n) for n in range(8)], lines


_WHY = (
    "feedback #34 open 81 days (complaint, high): Charged twice for one order",
    "task #9 overdue 5 days: send the quote",
    "no contact for 74 days (cadence 30 days)",
)


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_the_reasons_keep_a_third_beside_a_long_name(columns):
    """The dashboard's contact list gave its reasons 13 cells at 60 columns, 17 at 80 and
    26 at 120 beside a long name: the point of the table keeps a third of the width, and
    the name takes what is left."""
    rows = [
        {"rank": n + 1, "phone": "+1 212-216-2342", "reasons": _WHY[n % 3],
         "customer_name": "Stark Industries Beijing Trading Company Ltd" if n == 4
         else "Ben Tanaka"}
        for n in range(10)
    ]  # fmt: skip
    out = io.StringIO()
    keys = ("rank", "customer_name", "phone", "reasons")
    draw(rows, keys, out, Screen(columns, 40, False), first_out=("rank",))
    lines = out.getvalue().splitlines()
    assert all(width(line) <= columns for line in lines), lines
    rule = next(line for line in lines if "╇" in line)
    assert len(rule.split("╇")[-1]) - 1 >= columns // 3, lines


# What `crm help dates` lists as forms to type, in English: each must show on one line.
_EN_FORMS = ("in 3 days", "3 weeks ago", "(15 days)", "22 Nov 2026", "crm task snooze",
             "crm date add", "next fri", "last fri", "fri 3pm", "tomorrow at noon",
             "last year", "Jan 5", "5 Jan")  # fmt: skip


@pytest.mark.parametrize("columns", [50, 60, 64, 70, 80, 120])
def test_english_help_on_dates_never_splits_a_typed_form(columns):
    """English `crm help dates` read `in 3` / `days` and `(15` / `days)` at 60 columns,
    `3` / `weeks ago` at 64, `crm` / `task snooze` at 70 and `crm task` / `snooze` at 80:
    a form listed between commas or brackets stays on one line, as in Chinese."""
    code, lines = on_screen("help", "dates", columns=columns, env=EN)
    assert code == 0 and all(width(line) <= columns for line in lines), lines
    for form in _EN_FORMS:
        assert any(form in line for line in lines), (form, lines)
