"""A notice about the file (the copies an interrupted `crm encrypt` left beside it) lists
its paths as the run's language lists things (`, ` in English, `、` in Chinese), in the
notice and in `crm check`, and is wrapped to a terminal's width as an error is; into a pipe
it stays one line; JSON keeps the English."""

import fcntl
import itertools
import json
import os
import re
import struct
import subprocess
import sys
import termios

import pytest

from crmcli.cli.cells import width
from tests.conftest import crm, drain, ok
from tests.test_terminal import on_terminal


@pytest.fixture
def left(db_path):
    """The converted copy, its -wal and its -journal, left beside a database of one."""
    ok("add", "张三")
    found = [db_path.with_name(f"crm.db.converting{s}") for s in ("", "-wal", "-journal")]
    for path in found:
        path.write_bytes(b"SQLite format 3\x00" + b"x" * 100)
    return found


def test_the_leftover_paths_are_listed_as_the_language_lists(left):
    english = ", ".join(map(str, left))
    chinese = "、".join(map(str, left))
    assert crm("list", "-q").stderr == (
        f"crm: {english} are left from an interrupted 'crm encrypt' or 'crm decrypt' and may "
        "hold the data unencrypted; 'crm check --repair' removes them\n"
    )
    assert crm("--lang", "zh", "list", "-q").stderr == (
        f"crm: {chinese} 是中断的“crm encrypt”或“crm decrypt”留下的文件，可能含有未加密的数据；"
        "“crm check --repair”会删除它们\n"
    )
    table = crm("--lang", "zh", "check").stdout
    assert f"{chinese} 是中断的" in table and english not in table, table
    rows = {r["check"]: r for r in json.loads(crm("--lang", "zh", "check", "-f", "json").stdout)}
    assert rows["leftover copy"]["detail"].startswith(f"{english} are left")
    repaired = crm("--lang", "zh", "check", "--repair").stdout
    assert f"已删除 {chinese}" in repaired or f"已删除{chinese}" in repaired, repaired
    assert not any(r["check"] == "leftover copy" for r in json.loads(ok("check", "-f", "json")))


def test_on_a_terminal_the_notice_is_wrapped_to_the_width(db_path, left):
    for lang in ("en", "zh"):
        code, lines = on_terminal("--lang", lang, "--db", str(db_path), "show", "1", columns=60)
        assert code == 0
        notice = lines[: next(i for i, x in enumerate(lines) if x.startswith("#1"))]
        assert len(notice) > 1 and notice[0].startswith("crm:"), lines
        assert all(width(x) <= 60 for x in notice), notice
        said = "".join(notice).replace(" ", "")  # a path wider than the line is broken
        assert str(left[-1]) in said and "crmcheck--repair" in said, notice


def test_on_a_terminal_a_command_is_kept_whole_and_no_line_is_left_short(db_path, left):
    """English broke before `crm encrypt`, leaving a short line: unquoted, `crm encrypt or
    decrypt and may hold the data unencrypted` read as one command, kept whole."""
    for lang, columns in (("en", 100), ("en", 72), ("zh", 72)):
        code, lines = on_terminal(
            "--lang", lang, "--db", str(db_path), "show", "1", columns=columns
        )
        assert code == 0
        notice = lines[: next(i for i, x in enumerate(lines) if x.startswith("#1"))]
        said = " ".join(notice)
        for command in ("crm encrypt", "crm decrypt", "crm check --repair"):
            assert command in said and any(command in x for x in notice), notice
        for line, after in itertools.pairwise(notice):
            # the next line's first unit (a quoted command is one) did not fit on this one
            first = re.match(r"'[^']*'\S*|\S+" if lang == "en" else r"“[^”]*”|[!-~]+|\S", after)
            assert width(line) + 1 + width(first[0]) > columns, notice


def test_the_notice_is_wrapped_to_the_terminal_stderr_is_on_whatever_stdout_is(db_path, left):
    """`crm list >/dev/null` (or `| cat`) on a terminal 60 wide: the notice was wrapped to
    the 80 columns assumed when stdout is not a terminal, the width of stdout's, not of the
    terminal it is read on (no COLUMNS: the terminal's own width)."""
    for lang in ("en", "zh"):
        leader, follower = os.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 60, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "crmcli", "--lang", lang, "--db", str(db_path), "list"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=follower, env=env,
        )  # fmt: skip
        lines = (
            drain(leader, follower, proc)
            .decode("utf-8")
            .replace("\r\n", "\n")
            .rstrip("\n")
            .split("\n")
        )
        assert proc.wait(timeout=60) == 0
        assert len(lines) > 2 and lines[0].startswith("crm:"), lines
        assert all(width(x) <= 60 for x in lines), lines
        assert "crm check --repair" in " ".join(lines), lines
