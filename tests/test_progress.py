"""Long operations on a terminal: import, export, check, backup and reindex name their phase
and show how far they got on stderr when it is a terminal; nothing at all in a pipe or with
--quiet, and the data on stdout stays data. Reports show their phase only after a second."""

import io
import os
import re
import subprocess
import sys
import threading
from contextlib import contextmanager

import pytest

from crmcli.cli import progress
from tests.conftest import add, buy_ago, crm, drain, ok, rows
from tests.test_migrations import seed_version

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def stderr_on_terminal(*args: str) -> tuple[int, str, str]:
    """Run `crm ARGS` with stderr alone on a pseudo-terminal (stdout a pipe): its exit code,
    its stdout, and what it drew on the terminal (styles removed)."""
    leader, follower = os.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crmcli", *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower, env=env,
    )  # fmt: skip
    out: list[bytes] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    data = drain(leader, follower, proc)
    reader.join(timeout=60)
    code = proc.wait(timeout=60)
    return code, out[0].decode(), ANSI.sub("", data.decode("utf-8"))


@pytest.fixture
def contacts(db_path, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("name,email\n" + "".join(f"P{n},p{n}@example.org\n" for n in range(50)))
    return path


IMPORT_PHASES = ("reading rows", "indexing for search", "committing")


def test_an_import_names_its_phases_on_a_terminal(contacts):
    code, out, drawn = stderr_on_terminal("import", "customers", str(contacts))
    assert code == 0 and out == ""
    for name in IMPORT_PHASES:
        assert name in drawn, drawn
    assert drawn.index("reading rows") < drawn.index("committing")
    assert "Imported customers: 50 inserted" in drawn  # the summary, after the bar is gone
    assert "100%" not in drawn.split("committing")[-1]  # committing: no stuck full bar


def test_a_purchase_import_by_sets_names_its_phases(db_path, tmp_path):
    add("Ann")
    path = tmp_path / "sales.csv"
    path.write_text("customer,item,amount\n" + "Ann,Tea,12.50\n" * 30)
    code, _, drawn = stderr_on_terminal("import", "purchases", str(path))
    assert code == 0
    for name in ("reading rows", "checking values", "checking rows", "writing", "committing"):
        assert name in drawn, drawn
    assert rows(db_path, "SELECT count(*) FROM purchases") == [(30,)]


def test_an_import_in_a_pipe_or_quiet_shows_no_progress(contacts):
    result = crm("import", "customers", str(contacts))  # stderr is no terminal here
    assert result.exit_code == 0
    assert result.stderr == "Imported customers: 50 inserted, 0 updated, 0 unchanged, " \
        "0 rejected (50 rows).\n"  # fmt: skip
    other = contacts.with_name("other.csv")
    other.write_text("name,email\nZed,zed@example.org\n")
    code, out, drawn = stderr_on_terminal("import", "customers", str(other), "--quiet")
    assert code == 0 and out == "" and drawn == ""
    assert ok("list", "--format", "csv").count("\n") == 52  # the header, 51 customers


def test_a_failed_import_leaves_one_error_line_after_the_bar(db_path, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,email\nAnn,not-an-email\n")
    add("Bob")
    code, _, drawn = stderr_on_terminal("import", "customers", str(path))
    assert code == 2
    assert "crm: 1 of 1 rows are invalid" in drawn
    assert rows(db_path, "SELECT count(*) FROM customers") == [(1,)]


@pytest.mark.parametrize(
    ("args", "phases"),
    [
        (("check",), ("checking integrity", "checking foreign keys", "checking the search index")),
        (("reindex",), ("indexing customers", "indexing purchases", "committing")),
    ],
)
def test_check_and_reindex_name_their_phases(contacts, args, phases):
    ok("import", "customers", str(contacts))
    code, out, drawn = stderr_on_terminal(*args)
    assert code == 0
    for name in phases:
        assert name in drawn, drawn
        assert name not in out  # the results on stdout carry no progress
    assert crm(*args).stderr == ""  # in a pipe: nothing on stderr


def test_a_backup_names_its_phases_and_quiet_shows_none(contacts, tmp_path):
    ok("import", "customers", str(contacts))
    code, out, drawn = stderr_on_terminal("backup", str(tmp_path / "one.db"))
    assert code == 0 and out.startswith("Backed up to")
    for name in ("copying", "verifying the copy", "writing to disk"):
        assert name in drawn, drawn
    code, out, drawn = stderr_on_terminal("backup", str(tmp_path / "two.db"), "--quiet")
    assert code == 0 and drawn == "" and out.strip() == str(tmp_path / "two.db")


def test_an_export_to_a_file_counts_on_stderr_and_to_a_pipe_draws_nothing(contacts, tmp_path):
    ok("import", "customers", str(contacts))
    target = tmp_path / "out.jsonl"
    code, out, drawn = stderr_on_terminal("export", "customers", "-o", str(target))
    assert code == 0 and "writing" in drawn and "writing to disk" in drawn
    assert len(target.read_text().splitlines()) == 50 and out == ""
    # into a pipe, whose reader may print on the same screen: nothing is drawn
    code, out, drawn = stderr_on_terminal("export", "customers", "--format", "jsonl")
    assert code == 0 and drawn == ""
    assert len(out.splitlines()) == 50


def screen(data: str) -> list[str]:
    """The lines a terminal shows after `data`: text, carriage returns, line feeds, and the
    cursor and erase sequences a progress line uses (cursor up, erase line, erase to end)."""
    lines, row, col = [[]], 0, 0  # type: ignore[var-annotated]
    for token in re.findall(r"\x1b\[[0-9;?]*[A-Za-z]|[\r\n]|[^\x1b\r\n]", data):
        if token == "\r":
            col = 0
        elif token == "\n":
            row += 1
            lines += [[] for _ in range(row + 1 - len(lines))]
        elif token.startswith("\x1b["):
            amount = re.sub(r"\D", "", token[2:-1]) or "1"
            if token[-1] == "A":
                row = max(0, row - int(amount))
            elif token[-1] == "K":
                line = lines[row]
                lines[row] = [] if token[2:-1] == "2" else line[:col]
        else:
            line = lines[row]
            line += [" "] * (col - len(line))
            line[col : col + 1] = [token]
            col += 1
    return ["".join(line).rstrip() for line in lines]


def test_an_export_cut_by_head_leaves_only_data_on_the_screen(contacts):
    # `crm export customers | head -3` on a terminal: crm's stderr and head's stdout share
    # the screen, and head closes the pipe early; no progress text is left among the lines.
    ok("import", "customers", str(contacts))
    leader, follower = os.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LANG": "zh_CN.UTF-8"}
    command = f"{sys.executable} -m crmcli export customers --format jsonl | head -3"
    proc = subprocess.Popen(
        ["sh", "-c", command], stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, env=env
    )
    shown = [line for line in screen(drain(leader, follower, proc).decode("utf-8")) if line]
    assert proc.wait(timeout=60) == 0
    assert len(shown) == 3, shown
    assert all(line.startswith('{"id": ') and line.endswith("}") for line in shown), shown


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_report_shows_its_phase_only_when_it_is_slow(monkeypatch):
    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setenv("TERM", "xterm-256color")
    with progress.watching(delay=progress.REPORT_DELAY) as shown:
        shown.phase("computing the dashboard")
    assert screen.getvalue() == ""  # fast: nothing drawn
    with progress.watching(delay=progress.REPORT_DELAY) as shown:
        shown.phase("computing the dashboard")
        assert isinstance(shown, progress.Shown)
        shown._start()  # what the timer does once the delay has passed
    assert "computing the dashboard" in ANSI.sub("", screen.getvalue())


REPORTS = [
    (("remind",), "finding what is due"),
    (("today",), "ranking whom to contact"),
    (("report", "churn"), "ranking customers at risk"),
    (("report", "churn", "--backtest", "-6m"), "testing the churn warning on past purchases"),
    (("report", "value", "--backtest", "-6m"), "testing the forecast on past purchases"),
    (("report", "sales"), "adding up sales"),
    (("report", "rfm"), "scoring customers by RFM"),
    (("report", "rfm", "--customers"), "scoring customers by RFM"),
    (("report", "lifecycle"), "counting lifecycle and funnel stages"),
    (("report", "cohort"), "following cohorts"),
    (("report", "abc"), "classing customers by revenue"),
    (("report", "summary"), "summarising customers and purchases"),
    (("report", "feedback"), "counting feedback"),
    (("report", "satisfaction"), "scoring survey answers"),
    (("report", "referrals"), "adding up referrals"),
    (("care",), "finding care occasions"),
]


@pytest.mark.parametrize(("args", "phase"), REPORTS, ids=[" ".join(a) for a, _ in REPORTS])
def test_a_report_names_its_phase_and_prints_after_it(db_path, monkeypatch, args, phase):
    """Each report computes under a phase (drawn on a terminal after REPORT_DELAY) and
    prints only once the phase is erased: a line drawn over by the output would garble it.
    In a pipe (as here) nothing reaches stderr, even with no delay at all."""
    add("Ann")
    buy_ago("Ann", "120", 400)
    buy_ago("Ann", "80", 30)
    real, seen = progress.watching, []

    @contextmanager
    def watching(**options):  # type: ignore[no-untyped-def]
        if options.get("lazily"):  # opening the file: the upgrade's phases, if any
            with real(**options) as shown:
                yield shown
            return
        assert options["delay"] == progress.REPORT_DELAY
        with real(**{**options, "delay": 0}) as shown:  # as a slow report: drawn at once
            monkeypatch.setattr(shown, "phase", lambda name, total=None: seen.append(name))
            try:
                yield shown
            finally:
                sys.stdout.flush()
                seen.append(sys.stdout.buffer.getvalue())  # printed while the phase was up

    monkeypatch.setattr(progress, "watching", watching)
    result = crm(*args)
    too_little = args[:2] == ("report", "value")  # a backtest: too few buyers to fit the model
    assert result.exit_code == (2 if too_little else 0), result
    assert seen == [phase, b""], seen
    assert phase not in result.stderr and "\x1b" not in result.stderr


def test_no_progress_off_a_terminal_or_quiet(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with progress.watching() as shown:
        assert shown is progress.SILENT
    monkeypatch.setattr(sys, "stderr", _Terminal())
    with progress.watching(quiet=True) as shown:
        assert shown is progress.SILENT
    monkeypatch.setenv("TERM", "dumb")
    with progress.watching() as shown:
        assert shown is progress.SILENT


def test_upgrading_an_older_file_names_its_phase_on_a_terminal_only(db_path):
    """A read or a write that opens a file of an older crm upgrades it first: on a
    terminal each step is a phase on stderr, erased before the output; nothing in a pipe."""
    seed_version(db_path, 17)
    code, out, drawn = stderr_on_terminal("list", "-f", "csv")
    assert code == 0 and "张伟" in out, (out, drawn)
    assert "upgrading the database: purchase summaries" in drawn, drawn
    assert "upgrading the database: computing purchase summaries" in drawn
    db_path.unlink()
    seed_version(db_path, 17)
    code, out, drawn = stderr_on_terminal("add", "Ann", "-q")
    assert code == 0 and out == "2\n" and "upgrading the database: a backup copy first" in drawn
    db_path.unlink()
    seed_version(db_path, 17)
    result = crm("list", "-f", "csv")  # not a terminal
    assert result.exit_code == 0 and result.stderr == ""


@pytest.mark.parametrize(
    ("lang", "notice"),
    [("zh_CN.UTF-8", "crm: 已根据系统区域设置把 default_region 设为 CN"),
     ("en_US.UTF-8", "crm: default_region set to US from the locale")],
)  # fmt: skip
def test_a_notice_during_a_progress_line_starts_a_clean_line(tmp_path, monkeypatch, lang, notice):
    """The first write in a fresh database says which region it took from the locale while
    the import's line is drawn: the notice ran into the bar, on its line."""
    path = tmp_path / "phones.csv"
    path.write_text("name,phone\n" + "".join(f"P{n},+861337955{n:04d}\n" for n in range(300)))
    monkeypatch.setenv("LANG", lang)
    monkeypatch.setenv("CRM_DB", str(tmp_path / "fresh.db"))  # no file yet: no region set
    code, data = _raw_stderr("import", "customers", str(path))
    assert code == 0
    lines = screen(ANSI.sub(lambda m: m.group() if m.group()[-1] in "AK" else "", data))
    said = [line for line in lines if "default_region" in line]
    assert len(said) == 1 and said[0].startswith(notice), lines
    assert "━" in data  # a progress line was drawn


def _raw_stderr(*args: str) -> tuple[int, str]:
    """`crm ARGS` with stderr on a pseudo-terminal: its exit code and the bytes drawn there."""
    leader, follower = os.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crmcli", *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=follower, env=env,
    )  # fmt: skip
    data = drain(leader, follower, proc)
    return proc.wait(timeout=60), data.decode("utf-8")
