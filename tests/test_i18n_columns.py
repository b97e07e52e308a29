"""What a Chinese salesperson sees at 60 and 80 columns: who, what and when before an id
(`crm remind`), a name whole before a stage, a tier or a festival beside it (`crm list`,
`crm care`), a reason broken between its phrases (`crm today`), and a long error broken
between its phrases on a terminal but one line in a pipe; English no worse."""

import json
import re
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.cli.helpformat import wrap
from tests.conftest import crm, examples, ok
from tests.test_i18n_narrow import _headers
from tests.test_i18n_tables import ZH
from tests.test_terminal import on_screen, width

EN = {"LANG": "en_US.UTF-8"}


def _section(lines: list[str], title: str) -> list[str]:
    start = next(n for n, line in enumerate(lines) if line.startswith(title))
    return lines[start + 1 :]


def test_remind_at_60_columns_keeps_the_task_number_whom_and_what(demo):
    """At 60 columns a task's number gave way, and a salesperson typed the customer's
    `#` into `crm task done` instead: overdue tasks and tasks due soon keep their number
    (`任务` / `编号`, as `Task ID` wraps), whom and what, and when: a task due soon gives
    up its repeat and then the phone, not its due date, and an overdue one its date, which
    its days overdue say. In both languages; JSON keeps every key."""
    for env, number in ((ZH, "任务 编号"), (EN, "Task ID")):
        code, lines = on_screen("remind", columns=60, env=env)
        assert code == 0 and all(width(line) <= 60 for line in lines), lines
        heads = _headers(lines)
        for section in heads[:2]:
            assert number in section, heads
            assert section[-1] == ("内容" if env is ZH else "Text"), heads
            assert ("客户" if env is ZH else "Customer") in section, heads
        assert heads[1][0] == ("到期日" if env is ZH else "Due"), heads
        rows = _rows(_section(lines, "逾期任务" if env is ZH else "Overdue tasks"))
        wide = json.loads(ok("remind", "--format", "json"))
        tasks = {str(t["task_id"]) for t in wide["overdue_tasks"]}
        at = heads[0].index(number)
        assert rows and {r[at] for r in rows} == tasks, rows  # the number on every row
    assert {"task_id", "due_on", "days_overdue"} <= set(wide["overdue_tasks"][0])


def test_remind_keeps_the_task_id_where_it_fits(demo):
    """At 80 columns an overdue task shows its due date, how late and its number, under a
    header wrapped as `Task ID` wraps (`任务` / `编号`), and every name whole."""
    _, lines = on_screen("remind", columns=80, env=ZH)
    heads = _headers(lines)
    assert heads[0] == ["到期日", "逾期天数", "任务 编号", "客户", "电话", "内容"], heads
    assert not any("…" in r[3] for r in _rows(lines)), lines


def _rows(lines: list[str]) -> list[list[str]]:
    """The rows of the first table in `lines` (a row's first line: its first cell set)."""
    start = next(n for n, line in enumerate(lines) if "╇" in line) + 1
    rows = []
    for line in lines[start:]:
        if "│" not in line:
            break
        cells = [c.strip() for c in line.split("│")]
        if cells[0]:
            rows.append(cells)
    return rows


def test_a_name_is_whole_before_a_stage_a_tier_or_a_festival_shows(demo):
    """`小米科技 Lon…` beside a stage and a city at 60 columns, `James Le…` beside the
    frequency and value tiers at 80, a customer cut beside the festival's name repeated on
    every row (`crm care`): those give way (the footer names them), and every name is
    whole."""
    names = {c["id"]: c["name"] for c in json.loads(ok("list", "--format", "json"))}
    for args, columns in ((("list",), 60), (("list", "--classes"), 80),
                          (("list", "--classes"), 60)):  # fmt: skip
        code, lines = on_screen(*args, columns=columns, env=ZH)
        assert code == 0 and all(width(line) <= columns for line in lines), lines
        rows = _rows(lines)
        assert rows and all(r[1] == names[int(r[0])] for r in rows), lines
        if "--classes" in args:
            heads = " ".join(_headers(lines)[0]) + "".join(lines[-2:])
            assert "频次" in heads and "价值" in heads, lines  # shown, or named in the footer
    for env, festival in ((ZH, "节日名称"), (EN, "Festival")):
        code, lines = on_screen("care", "--holiday", "spring-festival", columns=80, env=env)
        assert code == 0 and all(width(line) <= 80 for line in lines), lines
        rows = _rows(lines)
        assert rows and not any("…" in r[-3] for r in rows), lines  # `James…（#16）`
        assert festival in lines[-1] or festival in lines[-2], lines  # `春节` on every row


# Words of crm's reasons that a line must not part (`已` / `逾期`, `今天到` / `期`).
_WORDS = ("已逾期", "今天到期", "流失风险", "未处理", "未联系", "满意度", "发送合同")


def test_today_at_60_columns_breaks_a_reason_between_its_phrases(demo):
    """`任务 #9 已` / `逾期 5 天：发送` read as broken words: a reason breaks after its
    punctuation and before a phrase, and a phrase that fits a line is on one line."""
    for columns in (60, 80):
        code, lines = on_screen("today", columns=columns, env=ZH)
        assert code == 0 and all(width(line) <= columns for line in lines), lines
        column = [line.split("│")[-1].strip() for line in lines if "│" in line]
        for line, after in pairwise(column):
            for word in _WORDS:
                joined = line + after
                at = joined.find(word)
                assert at < 0 or at >= len(line) or at + len(word) <= len(line), (line, after)
            assert not re.search(r"\d$", line) or not re.match(r"[天位岁]", after), (line, after)
    code, lines = on_screen("today", columns=60, env=EN)
    start = next(n for n, line in enumerate(lines) if "╇" in line) + 1
    first = [lines[start]]
    for line in lines[start + 1 :]:  # the first row's next lines, its rank cell empty
        if "│" not in line or line.split("│")[0].strip():
            break
        first.append(line)
    said = " ".join(line.split("│")[-1].strip() for line in first)
    reasons = json.loads(ok("today", "--format", "json"))[0]["reasons"]
    assert said.startswith(f"{reasons[0]}; "), (said, reasons)  # broken at spaces only


_PHRASE = st.text(st.sampled_from("客户任务逾期满意度回访发送合同生日"), min_size=1, max_size=6)


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.tuples(_PHRASE, st.sampled_from("，；："), st.integers(0, 300)),
                min_size=1, max_size=6), st.integers(14, 40))  # fmt: skip
def test_a_phrase_that_fits_a_line_is_never_parted(parts, room):
    """Chinese text breaks after its punctuation, never inside a phrase that fits a line,
    and never between a number and its unit."""
    phrases = [f"{word}{n} 天{mark}" for word, mark, n in parts]
    lines = wrap("".join(phrases), room, phrases=True).split("\n")
    assert all(width(line) <= room for line in lines), lines
    assert "".join(lines) == "".join(phrases)
    for phrase in phrases:
        if width(phrase) <= room:
            assert any(phrase in line for line in lines), (phrase, lines)


def test_a_long_error_wraps_on_a_terminal_and_is_one_line_in_a_pipe(db_path):
    """The terminal broke `--fields` errors mid-option (`--f` / `ield`) or left a lone `）`
    first on a line: on a terminal the error is broken between its phrases, every line
    fits and says the same words; into a pipe it is one line, as it was."""
    ok("add", "张伟")
    for env, args in (
        (ZH, ("list", "--fields", "name,bogus")),
        (ZH, ("list", "--sort", "bogus")),
        (EN, ("list", "--fields", "name,bogus")),
        (ZH, ("task", "add", "1", "x", "--due", "next blue moon")),
        (EN, ("task", "add", "1", "x", "--due", "next blue moon")),
    ):
        piped = crm("--lang", "zh" if env is ZH else "en", *args)
        assert piped.exit_code == 2 and piped.stderr.count("\n") == 1, piped.stderr
        one = piped.stderr.rstrip("\n")
        for columns in (60, 80):
            code, lines = on_screen(*args, columns=columns, env=env)
            assert code == 2 and len(lines) > 1, lines
            assert all(width(line) <= columns for line in lines), lines
            assert lines[0].startswith("crm: ")
            assert not any(line[:1] in "，。、；：）)," for line in lines), lines
            glue = "" if env is ZH else " "
            said = re.sub(r"\s+", "", glue.join(lines))
            assert said == re.sub(r"\s+", "", one), (lines, one)
            assert not any(line.endswith(("--f", "--", "（")) for line in lines), lines
            for quoted in re.findall(r"'[^']*'|“[^”]*”", one):
                assert any(quoted in line for line in lines), (quoted, lines)


_OPTION = st.sampled_from(["--fields", "--sort", "--where '城市 = 上海'", "--due 'next fri'"])


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.one_of(_OPTION, _PHRASE.map(lambda w: w + "，"),
                          st.sampled_from(["'bogus value'", "“下周五”", "name,", "（name）、",
                                           "“crm care festival add 名称 --date 月-日”",
                                           "（mkdir -m 700）", "`crm config set x y`"])),
                min_size=2, max_size=12), st.integers(30, 100))  # fmt: skip
def test_an_error_on_a_terminal_never_parts_an_option_or_a_quoted_value(parts, room):
    from crmcli.cli.output import error_lines

    message = "crm: " + " ".join(parts)
    lines = error_lines(message, room)
    assert all(width(line) <= room for line in lines), lines
    assert " ".join(lines).split() == message.split() or "".join(lines).replace(
        " ", ""
    ) == message.replace(" ", "")
    for part in parts:
        if part.startswith(("--", "'", "“", "（mkdir", "`")) and width(part) <= room:
            assert any(part in line for line in lines), (part, lines)


def test_a_long_care_list_at_80_columns_cuts_a_name_no_sooner_than_the_care(db_path):
    """`crm care --holiday` with more rows than wrap (one line a row): the care took half the
    width while names read `Hiroshi…（#56）`; now the name is cut no sooner than the care,
    which keeps its third of the width (`节日问候 festival greeting` whole)."""
    import io

    from crmcli.cli.terminal import Screen, draw
    from crmcli.core import i18n

    names = ["Hiroshi Andersson (#56)", "周欣秀 (#1)", "Katarzyna Dubois (#98)"]
    care = ["节日问候 festival greeting", "拜年电话 New Year call",
            "拜年电话 New Year call；节日问候 festival greeting"]  # fmt: skip
    rows = [
        {"falls_on": "2027-02-06", "customer": names[n % 3], "phone": "+33 6 15 23 19 92",
         "care": care[2] if n % 7 == 0 else care[n % 2]}
        for n in range(90)
    ]  # fmt: skip
    token = i18n.use("zh")
    try:
        out = io.StringIO()
        draw(rows, ("falls_on", "customer", "phone", "care"), out, Screen(80, 40, False))
    finally:
        i18n.reset(token)
    lines = out.getvalue().splitlines()
    assert all(width(line) <= 80 for line in lines), lines
    cells = [[c.strip() for c in line.split("│")] for line in lines if "│" in line]
    shown = {c[1] for c in cells}
    assert "周欣秀（#1）" in shown, shown
    assert any(s.startswith("Hiroshi An") for s in shown), shown  # not `Hiroshi…（#56）`
    assert "节日问候 festival greeting" in {c[3] for c in cells}, cells


def _drawn(rows, keys, columns, first_out=()):
    """`rows` drawn as a Chinese table `columns` wide: its lines and the cells of its rows."""
    import io

    from crmcli.cli.terminal import Screen, draw
    from crmcli.core import i18n

    token = i18n.use("zh")
    try:
        out = io.StringIO()
        draw(rows, keys, out, Screen(columns, 40, False), first_out=first_out)
    finally:
        i18n.reset(token)
    lines = out.getvalue().splitlines()
    assert all(width(line) <= columns for line in lines), lines
    return lines, [[c.strip() for c in line.split("│")] for line in lines if "│" in line]


_OVERDUE_NAMES = ["罗桂芬 (#89)", "María O'Brien (#276)", "腾讯科技 上海 (#42)",
                  "Stark Industries 北京 (#244)", "Tom Lefèvre (#148)"]  # fmt: skip


def test_remind_at_80_columns_in_chinese_drops_the_due_date_before_a_name_is_cut():
    """The two-word headers (`逾期` / `天数`, `任务` / `编号`) left room for the due date, so
    `María O…（#276）` and `腾讯科技…（#42）` were cut beside it: an overdue task's due date,
    which how late it is says again, goes before a name is cut, as it does in English."""
    rows = [
        {"due_on": f"2026-12-0{n % 5 + 1}", "days_overdue": 5 - n % 5, "task_id": n + 1,
         "customer": _OVERDUE_NAMES[n % 5], "phone": "+81 90-8446-5777",
         "text": "回访满意度" if n % 2 else "Call back about the order"}
        for n in range(11)
    ]  # fmt: skip
    keys = ("due_on", "days_overdue", "task_id", "customer", "phone", "text")
    lines, cells = _drawn(rows, keys, 80, first_out=("due_on", "task_id"))
    assert not any("2026-12-0" in line for line in lines), lines
    named = {c[2] for c in cells if c[2]}
    assert {n.replace(" (", "（").replace(")", "）") for n in _OVERDUE_NAMES} <= named, lines
    assert all(c[0].isdigit() for c in cells if c[0]), cells  # how late, on every row


def test_a_festival_the_same_on_every_row_goes_before_the_care_is_cut():
    """`crm care --holiday 春节` at 120 columns cut `…festival greeti…` to widen a name while
    `春节` stood on every row: the festival's name, the same on every row, goes first, and
    the care and every name are whole; with festivals that differ the care is not cut for
    a name either."""
    names = ["Hiroshi Andersson (#56)", "周欣秀 (#1)", "Katarzyna Dubois (#98)"]
    care = ["节日问候 festival greeting", "拜年电话 New Year call",
            "拜年电话 New Year call；节日问候 festival greeting"]  # fmt: skip
    keys = ("falls_on", "festival_name", "customer", "phone", "care")
    for festivals in (["春节"], ["春节", "中秋节"]):
        rows = [
            {"falls_on": "2027-02-06", "festival_name": festivals[n % len(festivals)],
             "customer": names[n % 3], "phone": "+33 6 15 23 19 92",
             "care": care[2] if n % 7 == 0 else care[n % 2]}
            for n in range(66)
        ]  # fmt: skip
        lines, _ = _drawn(rows, keys, 120)
        assert not any("…" in line for line in lines), lines
        assert len(festivals) > 1 or "节日名称" in lines[-1], lines  # named in the footer


def test_a_quoted_or_bracketed_command_that_fits_a_line_stays_whole(db_path, tmp_path):
    """At 60 columns `…“crm care festival add` / `名称 --date 月-日”` and `（mkdir` / `-m
    700）` were parted though each fits a line: a command in quotes or brackets stays on
    one line; into a pipe the error is one line, as it was."""
    ok("add", "张伟")
    for args, command in (
        (("care", "--holiday", "圣诞节快乐节日关怀不存在的节日"),
         "“crm care festival add 名称 --date 月-日”"),
        (("--db", str(tmp_path / "missing" / "dir" / "crm.db"), "list"), "（mkdir -m 700）"),
    ):  # fmt: skip
        piped = crm("--lang", "zh", *args)
        assert piped.exit_code != 0 and piped.stderr.count("\n") == 1, piped.stderr
        assert command in piped.stderr, piped.stderr
        for columns in (50, 60, 71, 80):
            code, lines = on_screen(*args, columns=columns, env=ZH)
            assert code == piped.exit_code and all(width(line) <= columns for line in lines)
            assert any(command in line for line in lines), (columns, lines)


def test_an_errors_details_break_between_phrases_under_their_indent(db_path, tmp_path):
    """`crm import customers` with a bad phone in row 3: its detail line broke mid-word
    (`请填写客户的国` / `家/地区`); it breaks between phrases as the error does, every line
    under its two-space indent; into a pipe it is one line."""
    ok("config", "set", "default_region", "CN")
    csv = tmp_path / "bad.csv"
    csv.write_text("name,phone\n张三丰,13800138111\n王五常,(650) 253-0000\n", encoding="utf-8")
    piped = crm("--lang", "zh", "import", "customers", str(csv))
    detail = [line for line in piped.stderr.splitlines() if line.startswith("  ")]
    assert len(detail) == 1 and "国家/地区" in detail[0], piped.stderr
    for columns in (60, 80):
        code, lines = on_screen("import", "customers", str(csv), columns=columns, env=ZH)
        assert code == piped.exit_code != 0, lines
        start = next(n for n, line in enumerate(lines) if line.startswith("  第 3 行"))
        under = lines[start:]
        assert all(width(line) <= columns for line in lines), lines
        assert all(line.startswith("  ") and line[2] != " " for line in under), under
        assert any("国家/地区" in line for line in under), under
        assert "".join(line[2:] for line in under).replace(" ", "") == detail[0].replace(" ", ""), (
            under,
            detail,
        )
    assert ok("list", "--format", "json").strip() == "[]"
