"""What a person at a real terminal sees: `crm` run as its own process on a pseudo-terminal
(so it draws its terminal tables), at a given width. Tables keep their headers (in words),
fit the width without cutting an id, phone, email, date or amount, say which columns they
left out, line up Chinese names by display width (two cells a character), colour by
meaning, and go through the pager; errors stay one line."""

import fcntl
import importlib
import io
import json
import os
import pkgutil
import re
import struct
import subprocess
import sys
import termios
import unicodedata

import pytest

import crmcli.cli
from crmcli.cli.terminal import Screen, draw
from crmcli.core import money
from crmcli.core.money import Amount
from tests.conftest import crm, drain, filled_once, ok

CLI_MODULES = [f"crmcli.cli.{m.name}" for m in pkgutil.iter_modules(crmcli.cli.__path__)]
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
BARS = "│┃"


def on_terminal(
    *args: str, columns: int, env: dict[str, str | None] | None = None, raw: bool = False
) -> tuple[int, list[str]]:
    """Run `crm ARGS` with stdin, stdout and stderr on a pseudo-terminal `columns` wide
    (no pager unless `env` names one; a None in `env` unsets that variable); its exit code
    and the lines it drew (colours and styles removed, unless `raw`). A progress line that
    was drawn and then cleared (`\r` and erase-line: a slow report on a loaded machine) is
    not among the lines, as it is not on the screen."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {
        **os.environ, "COLUMNS": str(columns), "LINES": "40", "TERM": "xterm-256color",
        "CRM_PAGER": "", **(env or {}),
    }  # fmt: skip
    env = {k: v for k, v in env.items() if v is not None}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crmcli", *args],
        stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True,
    )  # fmt: skip
    data = drain(leader, follower, proc)
    code = proc.wait(timeout=60)
    text = data.decode("utf-8").replace("\r\n", "\n")
    if raw:
        return code, text.rstrip("\n").split("\n")
    text = ANSI.sub("", text)
    return code, [line.rsplit("\r", 1)[-1] for line in text.rstrip("\n").split("\n")]


def on_screen(
    *args: str, columns: int, env: dict[str, str | None] | None = None
) -> tuple[int, list[str]]:
    """`on_terminal` in this process: crm run as on a terminal `columns` wide (every stream a
    terminal, no pager unless `env` names one), its exit code and the lines of its stdout,
    then its stderr, styles removed. For tests of what is said and laid out; a real
    pseudo-terminal (the streams interleaved, the terminal's own width) needs `on_terminal`,
    and a process each costs a third of a second."""
    from crmcli.cli import output

    for name in CLI_MODULES:  # bound by name when imported: imported now, not while patched
        importlib.import_module(name)
    variables = {"COLUMNS": str(columns), "LINES": "40", "TERM": "xterm-256color",
                 "CRM_PAGER": "", **(env or {})}  # fmt: skip
    with pytest.MonkeyPatch.context() as patch:
        real = output.is_terminal
        for module in [m for name, m in sys.modules.items() if name.startswith("crmcli.")]:
            if getattr(module, "is_terminal", None) is real:  # bound by name, too
                patch.setattr(module, "is_terminal", lambda stream: True)
        for name, value in variables.items():
            if value is None:
                patch.delenv(name, raising=False)
            else:
                patch.setenv(name, value)
        result = crm(*args)
    text = ANSI.sub("", result.stdout + result.stderr)
    return result.exit_code, [line.rsplit("\r", 1)[-1] for line in text.rstrip("\n").split("\n")]


def width(line: str) -> int:
    """Terminal cells `line` takes: wide and full-width characters two, others one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def bar_columns(line: str) -> list[int]:
    """The cells at which the column separators of a table line stand."""
    cells, found = 0, []
    for ch in line:
        if ch in BARS:
            found.append(cells)
        cells += width(ch)
    return found


@pytest.fixture
def people(db_path):
    filled_once(db_path, _fill_people)
    return db_path


def _fill_people():
    ok("add", "欧阳娜娜", "--city", "杭州", "--company", "蓝海贸易", "--email", "nana@lanhai.cn")
    ok("add", "Anna Smith", "--city", "London", "--company", "Acme", "--email", "anna@example.com")
    ok("add", "张伟", "--city", "上海")
    ok("tag", "vip", "1", "2")
    ok("task", "add", "欧阳娜娜", "寄样品给客户", "--due", "2026-11-25")
    ok("task", "add", "Anna Smith", "Send the quote", "--due", "2026-11-20")


def test_list_on_a_wide_terminal_lines_up_chinese_names(people):
    code, lines = on_terminal("list", columns=120)
    assert code == 0
    header = next(line for line in lines if "Name" in line)
    assert header.split() == [
        w for h in ["ID", "Name", "Company", "City", "Phone", "Email", "Stage", "Tags"]
        for w in (h, "┃")
    ][:-1]  # fmt: skip
    table = [line for line in lines if any(bar in line for bar in BARS)]
    rows = [line for line in table if "│" in line]
    assert len(rows) == 3
    assert rows[0].split("│")[1].strip() == "欧阳娜娜"
    assert rows[0].split("│")[2].strip() == "蓝海贸易"
    assert rows[1].split("│")[5].strip() == "anna@example.com"
    assert len({tuple(bar_columns(line)) for line in table}) == 1, "\n".join(table)
    assert all(width(line) <= 120 for line in lines)


@pytest.mark.parametrize("columns", [40, 80])
def test_list_on_a_narrow_terminal_fits_it(people, columns):
    code, lines = on_terminal("list", columns=columns)
    assert code == 0
    assert "Traceback" not in "\n".join(lines)
    assert all(width(line) <= columns for line in lines), "\n".join(lines)
    table = [line for line in lines if any(bar in line for bar in BARS)]
    assert len({tuple(bar_columns(line)) for line in table}) == 1, "\n".join(table)
    ids = [line.split("│")[0].strip() for line in lines if "│" in line]
    assert [i for i in ids if i] == ["1", "2", "3"]  # every customer, however narrow


def test_task_list_on_a_terminal(people):
    code, lines = on_terminal("task", "list", columns=100)
    assert code == 0
    header = next(line for line in lines if "Due" in line)
    assert [w for w in header.split() if w != "┃"][:6] == [
        "ID",
        "Due",
        "Status",
        "Customer",
        "name",
        "Text",
    ]
    rows = [line for line in lines if "│" in line]
    cells = [[c.strip() for c in row.split("│")] for row in rows]
    assert [c[1:4] for c in cells] == [
        ["2026-11-20", "overdue", "Anna Smith"],
        ["2026-11-25", "upcoming", "欧阳娜娜"],
    ]
    assert cells[1][4] == "寄样品给客户"
    table = [line for line in lines if any(bar in line for bar in BARS)]
    assert len({tuple(bar_columns(line)) for line in table}) == 1, "\n".join(table)


def test_an_error_on_a_narrow_terminal_is_broken_to_its_width(people):
    """The error is broken at its spaces to the terminal's own width (the terminal folded
    it anywhere), its quoted value whole; into a pipe it is one line."""
    code, lines = on_terminal("show", "nobody-of-that-name-at-all", columns=30)
    assert code == 3
    assert lines == ["crm: no customer matches", "'nobody-of-that-name-at-all'"], lines
    piped = crm("show", "nobody-of-that-name-at-all")
    assert piped.stderr == "crm: no customer matches 'nobody-of-that-name-at-all'\n"


LONG_EMAIL = "ouyang.nana.procurement@lanhai-trading.example.cn"
NOTE = "Prefers calls after 3pm.\nAsked for the 2027 catalogue; wants samples of the new tea"


@pytest.fixture
def crowded(db_path):
    """`people`, and rows wider than any terminal: a long email, long Chinese text, a note on
    two lines, amounts in the tens of thousands."""
    filled_once(db_path, _fill_crowded)
    return db_path


def _fill_crowded():
    _fill_people()
    ok("add", "司马相如", "--city", "乌鲁木齐", "--company", "新疆维吾尔自治区进出口贸易集团有限公司",
       "--phone", "+8613912345678", "--email", LONG_EMAIL, "--notes", NOTE)  # fmt: skip
    ok("tag", "长期合作伙伴-华东区域重点客户", "4")
    ok("buy", "司马相如", "宜兴紫砂壶 大号 礼盒装 限量版", "25830.55", "--at", "2026-11-01")
    ok("buy", "Anna Smith", "Tea", "1539.00", "--at", "2026-11-02")


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_tables_fit_the_terminal_and_never_cut_an_id_phone_email_or_amount(crowded, columns):
    for args in (["list"], ["purchases"], ["task", "list"]):
        code, lines = on_terminal(*args, columns=columns)
        assert code == 0, lines
        text = "\n".join(lines)
        assert all(width(line) <= columns for line in lines), text
        table = [line for line in lines if any(bar in line for bar in BARS)]
        assert len({tuple(bar_columns(line)) for line in table}) == 1, text
        rows = [line for line in lines if "│" in line and line.split("│")[0].strip()]
        assert len(rows) == {"list": 4, "purchases": 2, "task": 2}[args[0]]
        if args == ["list"]:
            cells = [c.strip() for c in rows[3].split("│")]
            # a phone in international format: no default_region here (LANG=C.UTF-8)
            assert cells[0] == "4" and "+86 139 1234 5678" in cells
            assert LONG_EMAIL in cells or "Email" in " ".join(
                lines[-2:]
            )  # whole, or hidden and said so
            # where the customer is stays longer than an email (a salesperson calls)
            assert "乌鲁木齐" in cells and LONG_EMAIL not in cells, cells
        if args == ["purchases"]:  # the amounts stay, grouped
            assert "25,830.55" in rows[0] and "1,539.00" in rows[1], text


def test_a_narrow_terminal_cuts_free_text_then_hides_columns_and_says_which(crowded):
    code, lines = on_terminal("list", columns=60)
    assert code == 0
    footer = " ".join(lines[-2:])
    # the stage, empty on every row, goes unnamed: nothing the rows hold is hidden
    assert re.search(r"^2 columns hidden: Email, Company; use", footer), lines
    assert "use --format csv or a wider terminal" in footer
    rows = [line for line in lines if "│" in line]
    assert "司马相如" in rows[3] and "+86 139 1234 5678" in rows[3]
    code, wide = on_terminal("list", columns=200)
    assert not any("hidden" in line for line in wide)  # everything fits: nothing said
    code, lines = on_terminal("purchases", columns=80)
    item = next(line for line in lines if "25,830.55" in line)
    assert "宜兴紫砂壶" in item and "…" in item  # free text cut with an ellipsis, by width


def test_numbers_are_right_aligned_and_grouped_as_in_crm_show(crowded):
    _, lines = on_terminal("purchases", columns=120)
    rows = [line for line in lines if "│" in line]
    ends = [width(row[: row.index(amount) + len(amount)]) for row, amount in
            zip(rows, ("25,830.55", "1,539.00"), strict=True)]  # fmt: skip
    assert ends[0] == ends[1]  # right-aligned: both amounts end in the same cell
    header = next(line for line in lines if "Amount" in line)
    assert width(header[: header.index("Amount") + len("Amount")]) == ends[0]
    shown = ok("show", "司马相如")  # off a terminal too: one grouping rule
    assert "25,830.55" in shown and "25830.55" not in shown
    assert '"net": "25830.55"' in ok("show", "司马相如", "--format", "json")  # JSON exact


def test_headers_are_words_on_a_terminal_and_keys_elsewhere(crowded):
    code, lines = on_terminal("list", "--classes", columns=250)
    assert code == 0
    assert any("Frequency tier" in line and "Value tier" in line for line in lines), lines
    assert not any("frequency_tier" in line for line in lines)
    piped = ok("list", "--classes")
    assert "frequency_tier" in piped and "value_tier" in piped
    assert "frequency_tier" in ok("list", "--classes", "--format", "csv")


def test_notes_show_their_line_breaks_not_a_backslash_n(crowded):
    code, lines = on_terminal("show", "司马相如", columns=80)
    assert code == 0
    text = "\n".join(lines)
    assert "\\n" not in text
    at = next(i for i, line in enumerate(lines) if "Prefers calls after 3pm." in line)
    assert lines[at + 1].strip().startswith("Asked for the 2027 catalogue")
    assert all(width(line) <= 80 for line in lines), text
    query = "SELECT id, notes FROM customers WHERE notes IS NOT NULL"
    code, lines = on_terminal("sql", query, columns=200)
    assert any("Prefers calls after 3pm.⏎Asked for" in line for line in lines), lines
    assert "\\n" in ok("show", "司马相如")  # a pipe keeps one record a line


ESC = "\x1b["


def test_colour_means_something_and_follows_the_switches(people):
    code, lines = on_terminal("task", "list", columns=100, raw=True)
    overdue = next(line for line in lines if "overdue" in line)
    assert f"{ESC}31moverdue" in overdue  # red
    assert f"{ESC}1m" in lines[0]  # bold headers
    for env, args in (
        ({"NO_COLOR": "1"}, ()),
        ({}, ("--color", "never")),
        ({}, ("--no-color",)),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, ()),
    ):
        code, lines = on_terminal(*args, "task", "list", columns=100, env=env, raw=True)
        assert code == 0 and ESC not in "\n".join(lines), (env, args)


def test_colour_into_a_pipe_only_when_forced(people, monkeypatch):
    assert ESC not in ok("task", "list")
    forced = ok("--color", "always", "task", "list")
    assert f"{ESC}31moverdue" in forced
    assert forced.splitlines()[1].startswith("--")  # the plain table's shape, coloured
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert f"{ESC}31moverdue" in ok("task", "list")
    assert ESC not in ok("--color", "never", "task", "list")
    assert ESC not in ok("task", "list", "--format", "csv")  # data stays data
    monkeypatch.setenv("FORCE_COLOR", "0")
    assert ESC not in ok("task", "list")


def test_due_today_is_highlighted(people):
    ok("task", "add", "张伟", "Call back", "--due", "today")
    _, lines = on_terminal("task", "list", columns=100, raw=True)
    assert any(f"{ESC}1;33mtoday" in line for line in lines), lines


def _luminance(index: int) -> float:
    """Relative luminance of an xterm 256-colour index (the 6x6x6 cube, or 0 and 15)."""
    if index in (0, 15):
        rgb = (0, 0, 0) if index == 0 else (255, 255, 255)
    else:
        levels = (0, 95, 135, 175, 215, 255)
        n = index - 16
        rgb = (levels[n // 36], levels[n // 6 % 6], levels[n % 6])
    lin = [(c / 255 / 12.92) if c <= 10 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_the_cohort_heat_map_is_readable(shoppers):
    code, lines = on_terminal("--color", "always", "report", "cohort", columns=120, raw=True)
    assert code == 0
    pairs = {tuple(map(int, m)) for m in re.findall(r"38;5;(\d+);48;5;(\d+)m", "\n".join(lines))}
    assert len(pairs) >= 2, lines  # shades by retention
    for fore, back in pairs:
        light, dark = sorted((_luminance(fore), _luminance(back)), reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, (fore, back)  # WCAG AA contrast


def test_long_output_goes_through_the_pager(crowded, tmp_path):
    paged = tmp_path / "paged.txt"
    pager = {"CRM_PAGER": f"sh -c 'cat > {paged}'"}
    code, lines = on_terminal("list", columns=100, env=pager)
    assert code == 0 and "司马相如" not in "\n".join(lines)
    assert "司马相如" in paged.read_text() and "┃" in paged.read_text()
    paged.unlink()
    code, lines = on_terminal("--no-pager", "list", columns=100, env=pager)
    assert "司马相如" in "\n".join(lines) and not paged.exists()
    code, lines = on_terminal("list", columns=100, env={"CRM_PAGER": "cat", "PAGER": "false"})
    assert code == 0 and "司马相如" in "\n".join(lines)
    pager = {"CRM_PAGER": None, "PAGER": f"sh -c 'cat > {paged}'"}
    code, lines = on_terminal("list", columns=100, env=pager)
    assert not any("司马相如" in line for line in lines) and paged.exists()


def test_a_pipe_never_starts_the_pager(crowded, tmp_path, monkeypatch):
    paged = tmp_path / "paged.txt"
    monkeypatch.setenv("CRM_PAGER", f"sh -c 'cat > {paged}'")
    assert "司马相如" in ok("list")
    assert not paged.exists()


def test_a_pager_that_is_not_there_is_said_and_the_output_printed(people):
    code, lines = on_terminal("list", columns=100, env={"CRM_PAGER": "no-such-pager-here"})
    assert code == 0
    assert lines[0] == "crm: warning: pager 'no-such-pager-here' not found; printing directly"
    assert any("欧阳娜娜" in line for line in lines)


def test_a_pager_that_cannot_start_is_said_and_the_output_printed(people, tmp_path):
    """A pager found but not startable (its #! names no interpreter) ended `crm list` with
    `crm: No such file or directory` and exit 1, printing nothing."""
    broken = tmp_path / "pg.sh"
    broken.write_text("#!/bin/nope\n")
    broken.chmod(0o755)
    code, lines = on_terminal("list", columns=100, env={"CRM_PAGER": str(broken)})
    assert code == 0
    assert lines[0] == (
        f"crm: warning: pager '{broken}' cannot start (No such file or directory); "
        "printing directly"
    )
    assert any("欧阳娜娜" in line for line in lines)


def test_a_pager_that_fails_is_said(people):
    """`CRM_PAGER=false` showed nothing and said nothing: the list was lost in silence."""
    code, lines = on_terminal("list", columns=100, env={"CRM_PAGER": "false"})
    assert code == 0 and lines[-1] == "crm: warning: pager 'false' exited with status 1"


def test_the_pager_is_told_that_crm_writes_utf8(people, tmp_path):
    seen = tmp_path / "env.txt"
    pager = {
        "CRM_PAGER": f"sh -c 'echo $LESSCHARSET > {seen}; cat >/dev/null'",
        "LESSCHARSET": None,
    }
    assert on_terminal("list", columns=100, env=pager)[0] == 0
    assert seen.read_text() == "utf-8\n"
    pager["LESSCHARSET"] = "latin1"  # the user's own choice stays
    assert on_terminal("list", columns=100, env=pager)[0] == 0
    assert seen.read_text() == "latin1\n"


def test_a_long_list_streams_after_measuring_its_first_page():
    """The table is written while rows still come: the first page (twice the terminal's
    height, at least MEASURED = 1000 rows) sets the widths; a later, wider name is cut to
    them, a later, wider id widens its column from that row on."""
    out = io.StringIO()
    lines_when_1500th_read = []

    def rows():
        for i in range(1, 3001):
            if i == 1500:
                lines_when_1500th_read.append(out.getvalue().count("\n"))
            yield {"id": i, "name": "x" * (1 + 5 * (i // 1000))}

    assert draw(rows(), ("id", "name"), out, Screen(60, 20, False)) == 3000
    assert lines_when_1500th_read[0] >= 1400  # header, rule and the rows before it
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["ID", "┃", "Name"]
    assert lines[2 + 998] == " 999 │ x" and lines[2 + 999] == "1000 │ xxxxxx"
    assert lines[2 + 2000] == "2001 │ xxxxx…"  # measured on rows 1-1000: 6 cells wide
    assert lines[-1] == "3000 │ xxxxx…"
    assert len(lines) == 3002


def test_a_long_name_further_down_than_a_screen_is_measured():
    """`crm list` at 60 columns cut `Stark Industries 北京` (row 244 of 300) to the width of
    the first screen's names beside room to spare: a thousand rows are measured."""
    rows = [{"id": i, "name": "周欣秀"} for i in range(1, 300)]
    rows.append({"id": 300, "name": "Stark Industries 北京"})
    out = io.StringIO()
    draw(rows, ("id", "name"), out, Screen(60, 20, False))
    assert out.getvalue().splitlines()[-1] == "300 │ Stark Industries 北京"


@pytest.mark.parametrize("columns", [60, 80])
def test_ids_and_emails_after_the_first_page_stay_whole_on_a_full_terminal(columns):
    """At 80 columns a list of 100k customers showed `10…` and `user1000@example.o…` from
    id 1000 on: the first page set the widths, and a full terminal had no room to widen."""
    ids = [*range(1, 1001), *range(10_000, 10_003), *range(1_000_000, 1_000_003)]  # after MEASURED
    rows = [  # names long enough to fill the terminal
        {"id": i, "name": "胡娥" + "丽" * (columns // 4 + i % 3),
         "phone": f"+86137{i:08d}", "email": f"user{i}@example.org"}
        for i in ids
    ]  # fmt: skip
    out = io.StringIO()
    keys = ("id", "name", "phone", "email")
    # as --fields asks for them: the email does not give way to a name, which is cut
    draw(rows, keys, out, Screen(columns, 24, False), asked=True)
    body = [line for line in out.getvalue().splitlines() if " │ " in line]
    assert len(body) == len(ids)
    for i, line in zip(ids, body, strict=True):
        cells = [cell.strip() for cell in line.split("│")]
        assert cells[0] == str(i) and f"user{i}@example.org" in cells, line
        assert width(line) <= columns, line


def test_a_bad_colour_choice_is_one_line(db_path):
    result = crm("--color", "blue", "list")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("crm: ") and result.stderr.count("\n") == 1
    assert "'blue' is not one of 'auto', 'always', 'never'" in result.stderr


def test_headers_in_words():
    from crmcli.cli.terminal import words

    assert [words(k) for k in ("frequency_tier", "due_on", "created_at", "customer_id")] == [
        "Frequency tier", "Due", "Created", "Customer ID",
    ]  # fmt: skip
    assert [words(k) for k in ("abc", "is_due", "+3", "at risk", "Chart")] == [
        "ABC", "Is due", "+3", "at risk", "Chart",
    ]  # fmt: skip


def test_a_command_that_writes_never_waits_in_the_pager(people, tmp_path):
    """A preview printed before a change (crm undo) goes straight to the terminal: a pager
    waiting for its reader must not hold the database's write lock."""
    paged = tmp_path / "paged.txt"
    code, lines = on_terminal(
        "undo", "--yes", columns=100, env={"CRM_PAGER": f"sh -c 'cat > {paged}'"}
    )
    assert code == 0, lines
    assert any("tasks" in line and "│" in line for line in lines), lines
    assert lines[-1] == "Undone: 1 change reverted." and not paged.exists()


def test_today_colours_overdue_red_and_due_today_yellow(people):
    ok("task", "add", "张伟", "Call back", "--due", "today")
    code, lines = on_terminal("today", columns=120, raw=True)
    assert code == 0
    late = next(line for line in lines if "Send the quote" in line)
    due = next(line for line in lines if "Call back" in line)
    assert f"{ESC}31mtask #2 overdue" in late  # red
    assert f"{ESC}1;33mtask #3 due today" in due  # bold yellow
    assert f"{ESC}31mtask #2 overdue" in ok("--color", "always", "today")  # forced, in a pipe
    assert ESC not in ok("today")


def test_at_risk_reads_in_words_on_a_terminal_and_as_its_key_elsewhere(shoppers):
    """The value at_risk (Carl) shows as "at risk" in bold yellow, as its header "At risk";
    a pipe and the data formats keep at_risk."""
    code, lines = on_terminal("report", "churn", "--rhythm", columns=120, raw=True)
    assert code == 0
    carl = next(line for line in lines if "Carl" in line)
    assert f"{ESC}1;33mat risk{ESC}0m" in carl and "at_risk" not in carl
    code, lines = on_terminal("report", "lifecycle", columns=120)
    assert any(line.startswith("at risk ") for line in lines), lines
    assert any("At risk" in line for line in lines) and "at_risk" not in "\n".join(lines)
    assert any(line.startswith("at_risk ") for line in ok("report", "lifecycle").splitlines())
    assert ",at_risk," in ok("report", "churn", "--rhythm", "--format", "csv")


def test_the_dashboard_heading_is_inside_the_pager(people, tmp_path):
    paged = tmp_path / "paged.txt"
    pager = {"CRM_PAGER": f"sh -c 'cat > {paged}'"}
    code, lines = on_terminal("dashboard", columns=100, env=pager)
    assert code == 0
    assert not any("Dashboard as of" in line for line in lines), lines
    assert paged.read_text().startswith("Dashboard as of 2026-11-22\n\n")


@pytest.fixture
def demo(db_path):
    """The whole demo (seed 3), built once per worker and copied for each test."""
    filled_once(db_path, _fill_demo)
    return db_path


def _fill_demo():
    ok("demo", "--db", os.environ["CRM_DB"], "--seed", "3")


REPORTS = {  # a line of each report's sentences beside its tables
    ("report", "value"): "CNY, as of 2026-11-22, next 12 months",
    ("report", "value", "--backtest", "-6m"): "Repeat purchase days: expected",
    ("report", "churn", "--backtest", "-6m"): "Flagged at risk",
    ("report", "abc"): "Top 20 % of customers",
    ("dashboard",): "Dashboard as of 2026-11-22",
}


@pytest.mark.parametrize("args", list(REPORTS), ids=" ".join)
def test_a_report_s_sentences_and_tables_share_one_pager(demo, tmp_path, args):
    """`crm report value` wrote its summary before the pager started: on a terminal it
    scrolled away above the table, or stayed outside the pager."""
    paged = tmp_path / "paged.txt"
    pager = f"sh -c 'cat >> {paged}; echo run >> {tmp_path / 'runs'}'"
    code, lines = on_terminal(*args, columns=100, env={"CRM_PAGER": pager})
    assert code == 0, lines
    assert not any(REPORTS[args] in line for line in lines), lines
    assert REPORTS[args] in paged.read_text() and "┃" in paged.read_text()
    assert (tmp_path / "runs").read_text() == "run\n"  # one pager for all of it
    if args != ("report", "value"):
        return
    # wrapped to the terminal's width inside the pager too (at most 100 columns)
    paged.unlink()
    code, lines = on_terminal(*args, columns=60, env={"CRM_PAGER": pager})
    assert [line for line in ANSI.sub("", paged.read_text()).splitlines() if width(line) > 60] == []


SWEEP = {  # widths at which these once failed with an internal error
    ("remind",): (33, 50, 61),
    ("history", "--limit", "20"): (36, 74),
    ("search", "上海"): (34, 52),
    ("show", "143"): (30,),
    ("dashboard",): (30,),
}


@pytest.mark.parametrize("args", list(SWEEP), ids=" ".join)
def test_tables_on_the_demo_fit_every_width_without_an_internal_error(demo, args):
    for columns in SWEEP[args]:
        code, lines = on_terminal(*args, columns=columns)
        text = "\n".join(lines)
        assert code == 0 and "internal error" not in text, (columns, text)
        assert all(width(line) <= columns for line in lines), (columns, text)


def test_a_customer_id_beside_a_name_is_never_cut(demo):
    for columns in (60, 80):
        code, lines = on_terminal("remind", "--within", "14d", columns=columns)
        assert code == 0
        named = [cell.strip() for line in lines for cell in line.split("│") if "(#" in cell]
        assert named, lines
        assert all(re.fullmatch(r".+ \(#\d+\)", cell) for cell in named), (columns, named)
        # the name is cut instead, where one is (at 80 columns each shows whole)
        assert columns > 60 or any("… (#" in cell for cell in named), named


@pytest.mark.parametrize(("args", "columns"), [(("report", "churn"), 60), (("report", "abc"), 60),
                                               (("report", "cohort"), 63)])  # fmt: skip
def test_report_prose_wraps_between_words_on_a_terminal_and_not_in_a_pipe(demo, args, columns):
    code, lines = on_terminal(*args, columns=columns)
    assert code == 0
    assert all(width(line) <= columns for line in lines), "\n".join(lines)
    if args[1] == "cohort":
        return
    sentence = {"churn": "for customers who bought on two days or more, the purchase rhythm",
                "abc": r"^Top 20 % of customers \(\d+ of \d+\) bring [\d.]+ % of \w+ revenue\.$"}  # fmt: skip
    result = crm(*args)  # a pipe: one line each, for grep
    assert re.search(sentence[args[1]], result.stdout + result.stderr, re.M), result
    assert not re.search(sentence[args[1]], "\n".join(lines), re.M)  # wrapped


@pytest.mark.parametrize("columns", [60, 80])
def test_chinese_report_prose_fills_each_line_on_a_terminal(demo, columns):
    """Chinese prose breaks between characters, by display width (it broke only at its one
    space, before `BG/NBD`, and left half a line empty): every line but a paragraph's last
    is filled to within a character of the width, none starts with closing punctuation,
    and the words are those a pipe gets on one line."""
    code, lines = on_terminal("--lang", "zh", "report", "churn", columns=columns)
    assert code == 0 and all(width(line) <= columns for line in lines), lines
    piped = crm("--lang", "zh", "report", "churn").stderr.splitlines()  # notes: stderr
    sentence = next(line for line in piped if line.startswith("CNY：") and "BG/NBD" in line)
    assert width(sentence) > columns  # so it must be broken
    start = next(n for n, line in enumerate(lines) if line.startswith("CNY："))
    shown = []
    for line in lines[start:]:
        shown.append(line)
        if "".join(shown) == sentence:
            break
        assert width(line) >= columns - 1, (columns, line)
        assert len("".join(shown)) < len(sentence), (sentence, shown)
    assert len(shown) >= 2
    assert not [line for line in shown if line.startswith(tuple("，。、；：）"))], shown


def _cells(lines: list[str], header: str) -> list[dict[str, str]]:
    """The rows of the table whose first header line starts with `header`, by header word."""
    start = next(n for n, line in enumerate(lines) if line.startswith(header))
    heads = [h.strip() for h in lines[start].split("┃")]
    rows = []
    for line in lines[start + 1 :]:
        if "│" not in line and "━" not in line and "┃" not in line:
            break
        if "│" in line:
            cells = [c.strip() for c in line.split("│")]
            if rows and not cells[0]:  # prose wrapped onto another line of the same row
                for head, more in zip(heads, cells, strict=False):
                    rows[-1][head] = " ".join(filter(None, (rows[-1][head], more)))
                continue
            rows.append(dict(zip(heads, cells, strict=False)))
    return rows


def test_today_wraps_the_reason_rather_than_cut_it_or_the_last_contact(demo):
    """The reason is the point of `crm today`: on a terminal it wraps onto a second line
    rather than being cut (`反馈 #46 已 46 天未处理（投诉，高…`), and the last contact shows
    whole (`2026-11-17（5 天前）`, not `2026-11-17…`) or not at all. At 80 columns the rank
    (the rows' order says it) goes before a name is cut: it kept `Stark In… (#280)`; it
    shows where it fits beside whole names. A name is cut, past a quarter of the width,
    only where whole it would cost the reasons more than NAME_LINES lines a name."""
    said = {r["customer_id"]: r["reasons"][0] for r in json.loads(ok("today", "--format", "json"))}
    for lang, columns, who, why, last in (
        ("en", 80, "Customer", "Why", "Last contact"), ("zh", 80, "客户", "原因", "上次联系"),
        ("en", 120, "Rank", "Why", "Last contact"), ("zh", 120, "排名", "原因", "上次联系"),
    ):  # fmt: skip
        code, lines = on_terminal("--lang", lang, "today", columns=columns)
        assert code == 0 and all(width(line) <= columns for line in lines), lines
        first = next(line for line in lines if "┃" in line).split("┃")[0].strip()
        assert first in (who, "Rank", "排名"), lines[:3]
        rows = _cells(lines, first)
        assert len(rows) == 20, lines
        named = "Customer" if lang == "en" else "客户"
        cut = [r[named] for r in rows if "…" in r[named]]
        assert all(width(name) >= columns // 4 - 1 for name in cut), rows
        assert any(re.match(r" +│", line) for line in lines), lines  # a second line
        whole = [r for r in rows if not r[why].endswith("…")]
        assert len(whole) >= 18, (lang, columns, rows)  # wrapped, not cut
        if lang == "en":  # a line breaks at a space: the words are those of the json
            ids = [int(re.search(r"#(\d+)", r[named]).group(1)) for r in whole]
            assert [r[why] for r in whole] == [said[i] for i in ids], rows
        if last in rows[0]:
            day = r"\d{4}-\d\d-\d\d( \(.+\)|（.+）)|never|从未"
            assert all(re.fullmatch(day, r[last]) for r in rows), (lang, columns, rows)
        assert (last in rows[0]) is (columns >= 120), (lang, columns, lines)


def test_remind_shows_the_day_feedback_came_on_a_terminal(demo):
    code, lines = on_terminal("remind", columns=80)
    assert code == 0
    rows = _cells(lines, "Received")
    assert rows and all(re.fullmatch(r"\d{4}-\d\d-\d\d", r["Received"]) for r in rows), lines
    assert all(r["Summary"] for r in rows)  # room for what the feedback says
    late = json.loads(ok("remind", "--format", "json"))["late_feedback"]
    assert late and all(re.fullmatch(r".+T.+[+-]\d\d:\d\d", f["received_at"]) for f in late)


def test_remind_colours_tasks_due_today_yellow_and_overdue_red(people):
    ok("task", "add", "张伟", "Call back", "--due", "today")
    code, lines = on_terminal("remind", columns=120, raw=True)
    assert code == 0
    late = next(line for line in lines if "Send the quote" in line)
    due = next(line for line in lines if "Call back" in line)
    assert late.startswith(f"{ESC}31m2026-11-20{ESC}0m"), late  # red, as in crm task list
    assert due.startswith(f"{ESC}1;33m2026-11-22{ESC}0m"), due  # bold yellow


def _drawn(rows: list[dict], columns: int = 60, **options) -> tuple[list[str], str]:
    """`rows` drawn by `draw` on a terminal `columns` wide: its header cells and footer."""
    out = io.StringIO()
    draw(rows, list(rows[0]), out, Screen(columns, 40, False), **options)
    lines = out.getvalue().splitlines()
    header = [line.split("┃") for line in lines[: next(i for i, x in enumerate(lines) if "━" in x)]]
    heads = [" ".join(" ".join(parts).split()) for parts in zip(*header, strict=True)]
    return heads, " ".join(line for line in lines if "│" not in line and "━" not in line)


def _money(minor: int, currency: str = "CNY") -> Amount:
    return money.shown(minor, currency)


def test_a_narrow_table_keeps_its_amounts_and_hides_their_currency_first():
    """At 60 columns `crm show`'s last purchases hid the amount and kept Currency; a sales
    report hid net and kept refunds; rfm hid the customer count and kept the share; value
    hid the expected value it is sorted by."""
    purchases = [
        {"id": 829, "purchased_at": "2026-10-30T19:01:00+00:00", "item": "青瓷盖碗",
         "quantity": 1, "amount": _money(146750), "currency": "CNY"},
    ]  # fmt: skip
    heads, footer = _drawn(purchases)
    assert "Amount" in heads and "Currency" not in heads, heads
    # the time reads `2026-10-31 03:01` (local, to the minute): room for the quantity
    assert "Currency" not in footer, footer  # each amount says it: nothing is hidden
    sales = [
        {"month": "2026-11", "currency": "CNY", "revenue": _money(139218150),
         "refunds": _money(4362550), "net": _money(134855600), "orders": 934,
         "customers": 310, "average_order": _money(149056)},
    ]  # fmt: skip
    heads, footer = _drawn(sales, 48)
    assert heads[:3] == ["Month", "Revenue", "Net"] and "Refunds" not in heads, heads
    rfm = [
        {"segment": "potential loyalist", "currency": "CNY", "customers": 26,
         "customer_share": 19.9, "revenue": _money(42981555), "revenue_share": 31.3,
         "mean_monetary": _money(1653137)},
    ]  # fmt: skip
    heads, _ = _drawn(rfm)
    assert heads[:3] == ["Segment", "Customers", "Revenue"], heads
    assert "Customer share" not in heads and "Currency" not in heads, heads
    value = [
        {"customer": "Katarzyna Nowak (#118)", "last_purchase": "2026-02-26", "p_alive": 0.647,
         "expected_purchases": 0.78, "purchase_days": 12, "expected_value": _money(171659)},
    ]  # fmt: skip
    heads, footer = _drawn(value, 50)
    # the name keeps `Katarz…` (not `Ka…`), and the expected value it is sorted by shows
    assert heads[-1] == "Expected value" and "Expected purchases" not in heads, (heads, footer)


def test_a_currency_never_shows_alone_without_its_amounts():
    rows = [{"customer": "Ben Tanaka (#143)", "email": "ben.tanaka@example.com",
             "phone": "+8613379553028", "amount": _money(25830055), "currency": "CNY"}]  # fmt: skip
    heads, footer = _drawn(rows, 40)  # the email goes first, then the amount
    assert "Amount" not in heads and "Currency" not in heads, heads
    assert "Amount" in footer and "Currency" in footer, footer


def test_the_footer_names_hidden_columns_in_the_words_of_their_headers(crowded):
    code, lines = on_terminal("list", columns=60)
    footer = " ".join(lines[-2:])
    assert code == 0 and "hidden: Email, Company;" in footer, lines  # no stage is set
    code, lines = on_terminal("--lang", "zh", "list", columns=60)
    assert code == 0
    footer = "".join(lines[-3:])
    assert re.search(r"隐藏了 2 列：邮箱、公司；", footer), lines


def test_numbers_in_one_column_share_one_number_of_decimals_on_a_terminal():
    """A share column read `67.9` beside `93.22` and `25.0`; P alive `1.0` beside `0.647`."""
    rows = [
        {"segment": "loyal", "customers": 36, "share": 67.9, "p_alive": 1.0, "code": "A"},
        {"segment": "champions", "customers": 4, "share": 93.22, "p_alive": 0.647, "code": 7},
        {"segment": "lapsed", "customers": 120, "share": 25.0, "p_alive": None, "code": "B"},
    ]
    out = io.StringIO()
    draw(iter(rows * 60), list(rows[0]), out, Screen(80, 5, False))  # beyond the first page
    lines = [[c.strip() for c in line.split("│")] for line in out.getvalue().splitlines()[2:]]
    assert lines[0] == ["loyal", "36", "67.90", "1.000", "A"], lines[0]
    assert lines[1] == ["champions", "4", "93.22", "0.647", "7"], lines[1]
    assert lines[2] == ["lapsed", "120", "25.00", "", "B"], lines[2]
    assert lines[-1] == lines[2] and len(lines) == 180  # later rows keep the column's decimals


@pytest.mark.parametrize(
    ("lang", "due", "contact", "phone", "last", "cadence"),
    [("zh", "到期日", "客户", "电话", "上次联系", "联系周期"),
     ("en", "Due", "Customer", "Phone", "Last contact", "Cadence")],
)  # fmt: skip
def test_remind_keeps_phones_and_shows_a_last_contact_and_cadence_whole(
    demo, lang, due, contact, phone, last, cadence
):
    """At 80 columns the tasks due soon hid the phone while their short texts had room to
    spare, and whom to contact read `2025-12-17…` and `90 天（…`: a short value shows whole
    or not at all, and the text wraps first; a cadence goes before a name is cut (it kept
    `Zoë Ko…（#144）` beside `90 天（默认）`), and the phone the table spares before a
    name is cut too (`比亚迪 New…（#190）`)."""
    code, lines = on_terminal("--lang", lang, "remind", "--within", "14d", columns=80)
    assert code == 0 and all(width(line) <= 80 for line in lines), lines
    # the tasks due soon (in Chinese the overdue ones start with their days overdue)
    soon = [n for n, line in enumerate(lines) if line.startswith(due) and "┃" in line][-1]
    tasks = _cells(lines[soon:], due)
    assert tasks, lines
    if phone in tasks[0]:
        assert all(re.fullmatch(r"[+\d][\d -]+\d", r[phone]) for r in tasks), lines
    else:  # it went for whom: no name is cut
        assert not [r for r in tasks if "…" in r[contact]], lines
    start = next(n for n, line in enumerate(lines) if line.startswith(contact))
    rows = _cells(lines[start:], contact)
    assert rows and not [c for r in rows for c in r.values() if c.endswith("…") and "#" not in c]
    assert not [r for r in rows if "…" in r[contact]], rows  # names are cut last
    if lang == "zh":  # the day they were last contacted is why they are due
        assert last in rows[0], lines[start : start + 4]
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d（.+）|从未", r[last]) for r in rows), rows


@pytest.mark.parametrize(("lang", "summary"), [("zh", "摘要"), ("en", "Summary")])
def test_interactions_give_the_summary_the_room_before_direction_and_outcome(demo, lang, summary):
    """`crm interactions` at 80 columns cut the summary to five characters while the
    direction and outcome kept theirs: the summary is the point of the list."""
    said = {r["id"]: r["text"] for r in json.loads(ok("interactions", "--format", "json"))}
    code, lines = on_terminal("--lang", lang, "interactions", columns=80)
    assert code == 0 and all(width(line) <= 80 for line in lines), lines
    head = lines[0].split("┃")[0]  # `编号`, ` ID`: right-aligned
    rows = _cells(lines, head)
    head = head.strip()
    assert len(rows) >= 20
    fits = [r for r in rows if width(said[int(r[head])]) <= 26]
    assert fits and all(r[summary] == said[int(r[head])] for r in fits), rows


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_satisfaction_keeps_csat_and_nps_before_the_counts_behind_them(demo, lang):
    """At 80 columns `crm report satisfaction` hid CSAT, the figure it is read for."""
    figures = json.loads(ok("report", "satisfaction", "--format", "json"))[0]
    code, lines = on_terminal("--lang", lang, "report", "satisfaction", columns=80)
    assert code == 0 and all(width(line) <= 80 for line in lines), lines
    row = next(line for line in lines if "│" in line).split("│")
    assert f"{figures['csat']:.1f}" in [c.strip() for c in row], lines
    assert f"{figures['nps']:.1f}" in [c.strip() for c in row], lines


@pytest.mark.parametrize(
    ("lang", "key", "about"), [("zh", "键", "说明"), ("en", "Key", "Description")]
)
def test_config_list_never_cuts_a_key_and_wraps_its_description(db_path, lang, key, about):
    """`crm config list` at 80 columns cut the keys one types back
    (`feedback.response_targ…`) and every description to ten characters."""
    said = {r["key"]: r["description"] for r in json.loads(ok("config", "list", "-f", "json"))}
    code, lines = on_terminal("--lang", lang, "config", "list", columns=80)
    assert code == 0 and all(width(line) <= 80 for line in lines), lines
    rows = _cells(lines, key)
    assert sorted(r[key] for r in rows) == sorted(said), rows
    assert any("\n" not in r[about] and width(r[about]) > 40 for r in rows), rows  # two lines
    if lang == "en":  # each the description's own words, on two lines, cut last
        for r in rows:
            shown = r[about].removesuffix("…")
            assert said[r[key]].startswith(shown), r
            assert shown == said[r[key]] or width(shown) > 50, r


@pytest.mark.parametrize("late", [1, 1000, 1100])
def test_a_hidden_column_that_holds_data_after_the_first_page_is_announced(late):
    """`crm purchases --limit 0` at 80 columns with 1,100 purchases without a category, then
    one with a category: the category's column, empty on the first page, was hidden and not
    named. A column goes unnamed only where every row drawn was empty in it."""
    rows = [
        {"id": i, "purchased_on": "2026-01-01", "customer": "Alice Example",
         "category": "Very important category" if i == late else None,
         "item": "item " + "x" * 30, "quantity": 1, "amount": _money(1000)}
        for i in range(1, 1102)
    ]  # fmt: skip
    out = io.StringIO()
    assert draw(rows, list(rows[0]), out, Screen(80, 24, False)) == 1101
    lines = out.getvalue().splitlines()
    assert lines[-1] == "1 column hidden: Category; use --format csv or a wider terminal"
    assert all(width(line) <= 80 for line in lines)
    out = io.StringIO()
    draw([{**r, "category": None} for r in rows], list(rows[0]), out, Screen(80, 24, False))
    assert "Category" not in out.getvalue()  # empty on every row: nothing to announce


def test_a_question_is_broken_between_words_to_the_terminal_s_width(db_path, tmp_path):
    """At 80 columns the terminal broke `crm restore`'s question mid-sentence, `...(300
    customers)? A` / ` copy of the current database is kept. [y/N]:`."""
    ok("add", "Anna", "-q")
    backup = tmp_path / "b.db"
    ok("backup", str(backup), "-q")
    code, lines = on_screen("restore", str(backup), columns=100)  # answered: no
    asked = [line.split(" crm: ")[0] for line in lines if line.strip()]  # the answer: no
    assert code == 1 and len(asked) > 1 and all(width(line) <= 100 for line in asked), asked
    said = " ".join(asked)
    assert said == f"Replace {db_path} with {backup} (1 customer)? A copy of the current " \
                   "database is kept. [y/N]:", asked  # fmt: skip
