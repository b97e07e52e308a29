"""Chinese screens at 60 and 80 columns, as a salesperson's terminal shows them: what a row
is (the customer) and what a table is for (a reason, a care action, a saved filter) stay on
screen; what the table says twice (a currency beside amounts with their symbols, a
customer's id beside the name) goes first; a quoted value or a command is never broken
inside; English at 80 columns keeps what it showed."""

import io
import json
from collections.abc import Iterator

import pytest

from crmcli.cli.output import prose
from crmcli.cli.terminal import Screen, draw
from crmcli.core import i18n
from tests.conftest import crm, ok
from tests.test_i18n_vocabulary import cells
from tests.test_terminal import on_screen, width


@pytest.fixture
def zh() -> Iterator[None]:
    token = i18n.use("zh")
    yield
    i18n.reset(token)


def _screen(rows: list[dict], keys: tuple[str, ...], columns: int) -> list[str]:
    out = io.StringIO()
    draw(rows, keys, out, Screen(columns, 40, False))
    return out.getvalue().splitlines()


def _headers(lines: list[str]) -> list[str]:
    return [c.strip() for c in next(line for line in lines if "┃" in line).split("┃")]


def _tasks(count: int) -> list[dict]:
    texts = ("发送合同", "带上新品目录和报价单上门拜访，顺便了解下季度采购计划")
    return [
        {"id": i, "due_on": "2026-12-01", "status": ("overdue", "today")[i % 3 == 0],
         "customer_name": "腾讯科技 上海 41" if i % 2 else "罗桂芬", "text": texts[i % 2],
         "every": "每 1 个月"}
        for i in range(1, count + 1)
    ]  # fmt: skip


def test_a_long_task_list_at_60_keeps_the_customer_then_the_state_before_the_repeat(zh):
    keys = ("id", "due_on", "status", "customer_name", "text", "every")
    lines = _screen(_tasks(80), keys, 60)  # more than a screen: one line a row
    assert _headers(lines) == ["编号", "到期日", "客户", "内容"]
    # the name is cut no sooner than the text, which keeps its third
    assert [row[2] for row in cells(lines)[:2]] == ["腾讯科技 上海 41", "罗桂芬"]
    assert lines[-1].startswith("隐藏了 2 列：重复、状态；")
    short = [{**task, "text": "发送合同"} for task in _tasks(80)]
    lines = _screen(short, keys, 60)
    assert _headers(lines) == ["编号", "到期日", "状态", "客户", "内容"]
    assert [row[3] for row in cells(lines)[:2]] == ["腾讯科技 上海 41", "罗桂芬"]
    assert lines[-1].startswith("隐藏了 1 列：重复；")


def test_the_dashboards_reasons_wrap_whole_at_60(zh):
    reasons = ["反馈 #34 已 81 天未处理（投诉，高）：一个订单扣了两次款"]
    rows = [{"rank": 1, "customer_name": "王博文", "phone": "+1 212-216-2342", "reasons": reasons}]
    lines = _screen(rows, ("rank", "customer_name", "phone", "reasons"), 60)
    assert not any("…" in line for line in lines)
    said = "".join(line.split("│")[3].strip() for line in lines if "│" in line)
    assert said == "反馈 #34 已 81 天未处理（投诉，高）：一个订单扣了两次款"


def test_care_at_60_keeps_whom_to_greet_and_how(zh):
    rows = [
        {"falls_on": "2027-01-01", "festival_name": "元旦", "customer": f"刘轩磊 (#{i})",
         "phone": "130 7731 3270", "care": "节日问候"}
        for i in range(1, 5)
    ]  # fmt: skip
    lines = _screen(rows, tuple(rows[0]), 60)
    assert _headers(lines) == ["日期", "客户", "电话", "关怀"]
    assert cells(lines)[0][1:] == ["刘轩磊（#1）", "130 7731 3270", "节日问候"]


def _purchases() -> list[dict]:
    return [
        {"id": 1310, "purchased_at": "2024-12-29", "customer_name": "梁敏",
         "item": "祁门红茶 200g 礼盒装", "category": "红茶", "quantity": 3,
         "amount_minor": 76800, "currency": "CNY"},
        {"id": 55, "purchased_at": "2025-01-20", "customer_name": "杨思源",
         "item": "青瓷盖碗", "category": "茶具", "quantity": 1, "amount_minor": 3599,
         "currency": "USD"},
    ]  # fmt: skip


def test_purchases_at_60_show_the_item_and_leave_out_the_currency_its_symbols_say(zh):
    from crmcli.core.money import present

    rows = [present(r, grouped_digits=True) for r in _purchases()]
    keys = ("id", "purchased_at", "customer_name", "item", "category", "quantity", "amount",
            "currency")  # fmt: skip
    lines = _screen(rows, keys, 60)
    assert _headers(lines) == ["编号", "购买时间", "客户", "产品", "数量", "金额"]
    first, second = cells(lines)
    assert first[3].startswith("祁门红茶") and first[3].endswith("…")
    assert (first[5], second[5]) == ("¥768.00", "US$35.99")
    # the currency each amount shows is not named: it says nothing the rows do not
    assert "隐藏了 1 列：品类" in lines[-1]
    at_80 = _screen(rows, keys, 80)  # the currency goes before the item is cut
    assert cells(at_80)[0][3:] == ["祁门红茶 200g 礼盒装", "红茶", "3", "¥768.00"]
    assert not any("隐藏" in line for line in at_80), at_80


def test_a_lunar_date_stays_whole_at_80_and_the_customers_id_goes_first(zh):
    rows = [
        {"id": 7, "customer_id": 89, "customer_name": "罗桂芬", "label": "老板生日",
         "date_on": "1975-09-20（农历 1975-08-15）", "is_yearly": True, "next_on": "2027-09-15"},
        {"id": 8, "customer_id": 20, "customer_name": "余丽桂", "label": "结婚纪念日",
         "date_on": "2019-05-20", "is_yearly": True, "next_on": "2027-05-20"},
    ]  # fmt: skip
    lines = _screen(rows, tuple(rows[0]), 80)
    assert cells(lines)[0] == ["7", "罗桂芬", "老板生日", "1975-09-20（农历 1975-08-15）", "是",
                               "2027-09-15"]  # fmt: skip
    assert lines[-1].startswith("隐藏了 1 列：客户编号；")
    at_60 = _screen(rows, tuple(rows[0]), 60)
    assert cells(at_60)[0][2] == "1975-09-20（农历 1975-08-15）"


def test_a_saved_filter_wraps_between_its_options_never_inside_a_value(zh):
    rows = [
        {"segment": "shanghai-buyers", "filter": "--where '购买天数 >= 1' --city '上海'",
         "customers": 3, "created_at": "2026-12-06 08:04"},
        {"segment": "重点客户", "filter": "--lifecycle '活跃' --lifecycle '新客户' --abc A",
         "customers": 67, "created_at": "2026-12-06 08:04"},
    ]  # fmt: skip
    lines = _screen(rows, tuple(rows[0]), 60)
    column = [line.split("│")[1].strip() for line in lines if "│" in line]
    assert not any("…" in line for line in lines)
    assert column == [
        "--where", "'购买天数 >=", "1'", "--city '上海'",
        "--lifecycle", "'活跃'", "--lifecycle", "'新客户'", "--abc A",
    ]  # fmt: skip


def test_a_settings_value_breaks_after_its_marks_never_inside_a_number(zh):
    grid = "champions=5/45;loyal=34/45;hibernating=12/12"
    rows = [{"key": "rfm.grid", "value": grid, "description": "RFM 细分：名称=R/F 规则"}]
    lines = _screen(rows, ("key", "value", "description"), 40)
    parts = [line.split("│")[1].strip() for line in lines if "│" in line]
    assert "".join(parts) == grid
    assert all(any(number in p for p in parts) for number in ("5/45", "34/45", "12/12"))


def test_demo_hints_too_wide_are_continued_as_a_shell_reads_them_never_inside_a_quote():
    """A hint is a command a person copies: folded like prose (`--sort name` alone on the
    next line), its first line ran without the rest. Continued with a backslash, it runs."""
    import shlex

    command = "crm --db /tmp/demo/demo.db list --where '城市 = 上海' --sort name"
    for room, expected in (
        (80, ["  " + command]),
        (60, ["  crm --db /tmp/demo/demo.db list --where '城市 = 上海' \\", "      --sort name"]),
        (36, ["  crm --db /tmp/demo/demo.db list \\", "      --where '城市 = 上海' --sort \\",
              "      name"]),
        (20, ["  crm --db \\", "      /tmp/demo/\\", "demo.db \\", "      list --where \\",
              "      '城市 = 上海' \\", "      --sort name"]),
    ):  # fmt: skip
        out = io.StringIO()
        prose(f"Explore it:\n  {command}", out, room=room)
        lines = out.getvalue().splitlines()
        assert lines == ["Explore it:", *expected], room
        joined = "".join(line.removesuffix("\\") for line in lines[1:])  # as the shell joins
        assert shlex.split(joined) == shlex.split(command)


def test_english_at_80_keeps_its_columns():
    keys = ("id", "due_on", "status", "customer_name", "text", "every")
    rows = [
        {"id": 1, "due_on": "2026-12-01", "status": "overdue", "customer_name": "Anna Smith",
         "text": "Send the quote", "every": "1m"}
    ]  # fmt: skip
    lines = _screen(rows, keys, 80)
    assert _headers(lines) == ["ID", "Due", "Status", "Customer name", "Text", "Every"]
    assert cells(lines) == [["1", "2026-12-01", "overdue", "Anna Smith", "Send the quote", "1m"]]


def test_the_demos_filters_care_actions_and_todays_reasons_show_whole_at_60(demo):
    for args in (("segment", "list"), ("rule", "list"), ("care", "rule", "list")):
        code, lines = on_screen("--lang", "zh", *args, columns=60)
        assert code == 0 and all(width(line) <= 60 for line in lines), lines
        assert not any("…" in line for line in lines), lines
        assert not any("隐藏了" in line for line in lines), lines
    code, lines = on_screen("--lang", "zh", "dashboard", columns=60)
    assert code == 0
    start = next(i for i, line in enumerate(lines) if line.startswith("今天要联系"))
    part = lines[start : lines.index("", start)]
    assert len(part) > 3 and not any("…" in line for line in part), part


def test_a_long_chinese_error_is_broken_between_its_phrases_on_a_narrow_terminal(db_path):
    """On a terminal a long error is broken to its width (the terminal folded it anywhere:
    `姓名（` / `name）`), each field with its key on one line; in a pipe it is one line."""
    code, lines = on_screen("--lang", "zh", "list", "--where", "不存在的字段 = 上海", columns=40)
    assert code == 2 and len(lines) > 10 and all(width(line) <= 40 for line in lines), lines
    assert lines[0].startswith("crm: --where 中的字段“不存在的字段”"), lines
    assert "姓名（name）、类型（kind）、" in lines, lines
    piped = crm("--lang", "zh", "list", "--where", "不存在的字段 = 上海")
    assert piped.stderr.count("\n") == 1 and width(piped.stderr) > 400
    assert piped.stderr.rstrip("\n") == "".join(lines)


@pytest.fixture
def terminal(monkeypatch):
    """Tables drawn as for a terminal (its width set by `COLUMNS`), no colour, no pager."""
    from crmcli.cli import output, progress  # noqa: F401  (see tests/test_display.py)

    monkeypatch.setattr(output, "is_terminal", lambda stream: True)
    for name, value in (("LINES", "40"), ("NO_COLOR", "1"), ("CRM_PAGER", "")):
        monkeypatch.setenv(name, value)
    return lambda columns: monkeypatch.setenv("COLUMNS", str(columns))


@pytest.mark.parametrize(
    ("language", "columns", "heads"),
    [("zh", 80, ["到期日", "逾期天数", "任务", "客户", "电话", "内容"]),
     ("zh", 60, ["逾期", "任务", "客户", "电话", "内容"]),
     ("en", 80, ["Due", "Days", "Task ID", "Customer", "Phone", "Text"]),
     ("en", 60, ["Days", "Task ID", "Customer", "Text"])],
)  # fmt: skip
def test_overdue_tasks_keep_how_late_whom_and_what_before_the_due_date(
    demo, terminal, language, columns, heads
):
    """`crm remind` at 80 and 60 columns: the task's number (what `crm task done` takes),
    how late, whom, the phone and what stay: `任务编号` wraps as `Task ID` does (`任务` /
    `编号`), and where even that does not fit (English at 60 columns) how late goes, after
    the due date, which the days overdue say again: the rows are in that order, under a
    title that says they are late."""
    terminal(columns)
    lines = ok("--lang", language, "remind").splitlines()
    assert all(width(line) <= columns for line in lines), lines
    assert _headers(lines) == heads, lines[:3]
    first = lines[: lines.index("")]  # the overdue tasks, before the next section
    if "Days" in heads or "逾期天数" in heads or "逾期" in heads:
        late = heads.index("逾期天数" if language == "zh" else "Days") if columns == 80 else 0
        assert [row[late] for row in cells(first) if row[late]] == ["1", "1"], first
    task = heads.index(next(h for h in heads if h.startswith(("Task", "任务"))))
    numbers = {
        str(t["task_id"]) for t in json.loads(ok("remind", "--format", "json"))["overdue_tasks"]
    }
    assert {row[task] for row in cells(first) if row[task]} == numbers, first


@pytest.mark.parametrize(
    ("language", "columns", "heads"),
    [("en", 80, ["ID", "Date", "Customer", "Item", "Category", "Quantity", "Amount"]),
     ("en", 60, ["ID", "Date", "Customer", "Item", "Amount"]),
     ("zh", 80, ["编号", "日期", "客户", "产品", "品类", "数量", "金额"]),
     # where it fits the count stays, kept by the table, and the item is cut beside it
     ("zh", 60, ["编号", "日期", "客户", "产品", "数量", "金额"])],
)  # fmt: skip
def test_purchases_keep_what_was_bought_before_its_category_and_count(
    demo, terminal, language, columns, heads
):
    terminal(columns)
    lines = ok("--lang", language, "purchases", "--limit", "5").splitlines()
    assert all(width(line) <= columns for line in lines), lines
    assert _headers(lines) == heads, lines[:3]
    items = [row[heads.index(heads[3])] for row in cells(lines)]
    # four characters at least, or a whole word before a number (`碧螺春…` of `碧螺春
    # 200g`: a cut never ends inside a number, `碧螺春 2…`)
    assert all(len(item.rstrip("…")) >= 4 or item == "碧螺春…" for item in items), items


@pytest.mark.parametrize(
    ("language", "columns", "heads"),
    [("zh", 80, ["客户", "生命周期", "存活", "涉及金额", "原因"]),
     ("zh", 60, ["客户", "存活", "涉及金额", "原因"]),
     ("en", 80, ["Customer", "P alive", "At stake", "Reason"]),
     ("en", 60, ["Customer", "P", "At stake", "Reason"])],
)  # fmt: skip
def test_a_churn_report_keeps_the_chance_a_customer_is_still_buying(language, columns, heads):
    """`crm report churn`'s P alive stays at 80 and 60 columns: what the reason says again
    (the silence, the usual gap, the last purchase) goes first, then the lifecycle stage,
    and none comes back at the cost of the name (`James Je…（#218）`): names are cut last
    (in English at 80 the lifecycle goes rather than the name be cut to `James…`). At 60
    the reason keeps a third of the width in Chinese as in English (it had 14 cells beside
    a whole name), the name takes what is left, and `存活概率` wraps as `P alive` does."""
    from crmcli.cli.value import CHURN_SPARED
    from crmcli.core.i18n import N_
    from crmcli.core.money import shown
    from crmcli.core.text import Chance
    from crmcli.reports.churn import COLUMNS

    token = i18n.use(language)
    try:
        rows = [
            {"customer": f"James Jensen (#{n})", "currency": "CNY", "stage": "at_risk",
             "last_purchase_on": "2026-06-12", "silent_days": 163, "usual_gap_days": 45,
             "p_alive": Chance(0.231), "at_stake": shown(425100, "CNY"),
             "reason": "silent for 163 days, usually buys every 45 days"}
            for n in (218, 219)
        ]  # fmt: skip
        out = io.StringIO()
        draw(rows, COLUMNS, out, Screen(columns, 40, False), vocabulary={"stage": "churn_stage"},
             headers={"stage": N_("Lifecycle")}, first_out=CHURN_SPARED)  # fmt: skip
    finally:
        i18n.reset(token)
    lines = out.getvalue().splitlines()
    assert all(width(line) <= columns for line in lines), lines
    assert _headers(lines) == heads, lines[:3]
    # the reason keeps its third: at 60 columns in English the name takes what is left
    whole = "James Jensen（#218）" if language == "zh" else "James Jensen (#218)"
    name = cells(lines)[0][0]
    assert name == whole or columns == 60, lines
    assert name.startswith("James J") and name.endswith(("(#218)", "（#218）")), lines
    rule = next(line for line in lines if "╇" in line)
    assert len(rule.split("╇")[-1]) - 1 >= columns // 3, lines
    chance = cells(lines)[0][[h[:1] for h in heads].index("存" if language == "zh" else "P")]
    assert chance == ("23.1%" if language == "zh" else "0.231")


@pytest.mark.parametrize("name", ["Ｃａｒｏｌ Ｓｍｉｔｈ", "ＣＡＲＯＬ１２３ Ｓｍｉｔｈ"])
@pytest.mark.parametrize("room", range(60, 90, 3))
def test_a_full_width_latin_name_is_not_broken_inside_a_word(name, room):
    """A rename warning at 80 columns broke `Ｃａｒｏｌ Ｓｍｉｔｈ` inside `Ｓｍｉｔｈ`, as if
    its letters were Chinese characters: full-width Latin letters make words, as `Smith`'s
    do, and a line breaks at the space between them (or around them)."""
    out = io.StringIO()
    said = (
        f"crm: warning: #7 is now a possible duplicate of {name} (#8, same name); if they "
        "are one customer: crm merge 8 7"
    )
    prose(said, out, room=room)
    words = " ".join(out.getvalue().split("\n")).split()
    assert all(word in words for word in name.split()), out.getvalue()
