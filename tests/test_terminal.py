"""What a person at a real terminal sees: `crm` run as its own process on a pseudo-terminal
(so rich draws its tables), at a given width. Tables keep their headers, fit the width, and
line up Chinese names by display width (two cells a character); errors stay one line."""

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
import unicodedata

import pytest

from tests.conftest import ok

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
BARS = "│┃"


def on_terminal(*args: str, columns: int) -> tuple[int, list[str]]:
    """Run `crm ARGS` with stdin, stdout and stderr on a pseudo-terminal `columns` wide;
    its exit code and the lines it drew (colours and styles removed)."""
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "40", "TERM": "xterm-256color"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crmcli", *args],
        stdin=follower, stdout=follower, stderr=follower, env=env, close_fds=True,
    )  # fmt: skip
    os.close(follower)
    data = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        data += chunk
    os.close(leader)
    code = proc.wait(timeout=60)
    text = ANSI.sub("", data.decode("utf-8")).replace("\r\n", "\n")
    return code, text.rstrip("\n").split("\n")


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
    ok("add", "欧阳娜娜", "--city", "杭州", "--company", "蓝海贸易", "--email", "nana@lanhai.cn")
    ok("add", "Anna Smith", "--city", "London", "--company", "Acme", "--email", "anna@example.com")
    ok("add", "张伟", "--city", "上海")
    ok("tag", "vip", "1", "2")
    ok("task", "add", "欧阳娜娜", "寄样品给客户", "--due", "2026-11-25")
    ok("task", "add", "Anna Smith", "Send the quote", "--due", "2026-11-20")
    return db_path


def test_list_on_a_wide_terminal_lines_up_chinese_names(people):
    code, lines = on_terminal("list", columns=120)
    assert code == 0
    header = next(line for line in lines if "name" in line)
    assert header.split() == [
        w for h in ["id", "name", "company", "city", "phone", "email", "stage", "tags"]
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
    header = next(line for line in lines if "due_on" in line)
    assert [w for w in header.split() if w != "┃"][:5] == [
        "id",
        "due_on",
        "status",
        "customer",
        "text",
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


def test_an_error_on_a_narrow_terminal_is_one_line(people):
    code, lines = on_terminal("show", "nobody-of-that-name-at-all", columns=30)
    assert code == 3
    assert len(lines) == 1 and lines[0].startswith("crm: "), lines
