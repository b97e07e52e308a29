"""How a crm process ends: once its command has finished it leaves at once, without the
interpreter's teardown (crmcli.cli.leave), and nothing a user or the database sees differs
from an ordinary exit: exit codes, every byte of output into a file or a slow pipe, a reader
that went away, the files beside the database, temporary files, a pager that still has the
screen. Real processes, as few as that takes."""

import hashlib
import os
import shutil
import subprocess
import sys
import threading

import pytest

import crmcli.cli
from crmcli.store import guard
from tests.conftest import drain, ok, rows

# The entry point (`crm` is crmcli.__main__:main), with an object whose finalizer says when
# the interpreter's teardown ran (made after start-up's gc.freeze: the teardown finalizes no
# frozen object); `--teardown` first: the ordinary exit, for comparison.
ENTRY = """
import os, sys
import crmcli.cli
class Said:
    def __del__(self, write=os.write):  # bound now: the teardown clears module globals
        write(2, b"<teardown>")
only = crmcli.cli.only
def marked(full, argv):
    sys.modules["said"] = Said()
    return only(full, argv)
crmcli.cli.only = marked
if sys.argv[1] == "--teardown":
    crmcli.cli.leave = lambda code: None
from crmcli.__main__ import main
sys.argv = ["crm", *sys.argv[2:]]
main()
"""
TEARDOWN = "<teardown>"
# 140 kB of CSV from `crm sql`, whatever the database holds: more than a pipe buffers
NUMBERS = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) "
    "SELECT i, 'row ' || i AS name FROM n"
)


def expected_numbers() -> bytes:
    return b"i,name\n" + b"".join(b"%d,row %d\n" % (i, i) for i in range(1, 10_001))


def started(*args: str, teardown: bool = False, **popen) -> subprocess.Popen:
    way = "--teardown" if teardown else "--fast"
    return subprocess.Popen([sys.executable, "-c", ENTRY, way, *args], **popen)


def ended(*args: str, teardown: bool = False) -> tuple[int, str, str]:
    proc = started(*args, teardown=teardown, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out.decode(), err.decode()


def beside(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_run_ends_without_the_teardown_and_leaves_what_an_ordinary_exit_leaves(
    filled, tmp_path, monkeypatch
):
    # The same commands on two copies of one database, ending at once and the ordinary way:
    # the same exit codes, output and files beside the database (a write's last connection
    # removes -wal and -shm; a read, read-only, cannot and leaves them, both ways).
    temp = tmp_path / "temp"
    temp.mkdir(mode=0o700)
    monkeypatch.setenv("TMPDIR", str(temp))
    copies = {}
    for way in ("fast", "teardown"):
        folder = tmp_path / way
        folder.mkdir(mode=0o700)
        shutil.copy(filled, folder / "crm.db")
        copies[way] = folder
    steps = [
        (("log", "note", "1", "called"), 0),
        (("show", "1"), 0),
        (("show", "nobody-here"), 3),
        (("list", "--bogus"), 2),
    ]
    for args, code in steps:
        seen = {}
        for way, folder in copies.items():
            monkeypatch.setenv("CRM_DB", str(folder / "crm.db"))
            status, out, err = ended(*args, teardown=way == "teardown")
            assert status == code, (args, way, err)
            assert (TEARDOWN in err) == (way == "teardown"), (args, way, err)
            seen[way] = status, out, err.replace(TEARDOWN, ""), beside(folder)
        assert seen["fast"] == seen["teardown"], args
        if args[0] == "log":  # the last connection, a writer's, removed -wal and -shm
            assert seen["fast"][3] == ["crm.db"]
    assert rows(copies["fast"] / "crm.db", "SELECT count(*) FROM interactions") == [(2,)]
    assert not list(temp.iterdir())  # no temporary file left behind


def test_every_byte_reaches_a_slow_pipe_and_a_file(db_path, tmp_path):
    ok("add", "Anna")
    proc = started("sql", NUMBERS, "-f", "csv", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.read(65536)
    threading.Event().wait(0.3)  # the reader pauses: crm waits on a full pipe
    rest = proc.stdout.read()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, err
    assert hashlib.md5(first + rest).digest() == hashlib.md5(expected_numbers()).digest()
    assert TEARDOWN.encode() not in err
    with open(tmp_path / "out.csv", "wb") as out:
        proc = started("sql", NUMBERS, "-f", "csv", stdout=out, stderr=subprocess.PIPE)
        err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 0 and err == b""
    assert (tmp_path / "out.csv").read_bytes() == expected_numbers()


def test_a_reader_that_goes_away_is_exit_0_and_nothing_said_as_before(db_path):
    ok("add", "Anna")
    for teardown in (False, True):
        proc = started(
            "sql", NUMBERS, "-f", "csv", teardown=teardown,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        assert proc.stdout.read(100).startswith(b"i,name")
        proc.stdout.close()  # `crm sql ... | head -c 100`
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 0
        assert err.replace(TEARDOWN, "") == ""


def test_the_pager_still_has_the_screen_until_it_quits(filled, tmp_path):
    # crm on a terminal, its pager one that takes its time after reading everything: the
    # process ends only after the pager has.
    import fcntl
    import struct
    import termios

    done = tmp_path / "pager-done"
    pager = f"sh -c 'cat > {tmp_path / 'paged'}; sleep 0.5; echo quit > {done}'"
    leader, follower = os.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    env = {**os.environ, "CRM_PAGER": pager, "TERM": "xterm-256color"}
    proc = started("list", stdin=follower, stdout=follower, stderr=follower, env=env)
    code = proc.wait(timeout=60)
    assert done.exists()  # before crm ended
    screen = drain(leader, follower, proc).decode()
    assert code == 0 and TEARDOWN not in screen
    assert "张伟" in (tmp_path / "paged").read_text()


class Left(Exception):
    pass


@pytest.fixture
def leaving(monkeypatch):
    """`leave` in this process: its os._exit and atexit functions recorded, not run."""
    seen: list = []

    def exit_now(code: int) -> None:
        seen.append(code)
        raise Left

    monkeypatch.setattr(os, "_exit", exit_now)
    monkeypatch.setattr(guard, "_LOCKS", {})  # this process's, whatever other tests left
    monkeypatch.setattr("atexit._run_exitfuncs", lambda: seen.append("atexit"))
    return seen


@pytest.mark.parametrize(("code", "status"), [(None, 0), (0, 0), (2, 2), (3, 3), (130, 130)])
def test_leave_runs_the_atexit_functions_then_exits_with_the_status(leaving, code, status):
    with pytest.raises(Left):
        crmcli.cli.leave(code)
    assert leaving == ["atexit", status]


def test_leave_lets_the_ordinary_exit_happen_when_the_teardown_may_matter(
    leaving, db_path, monkeypatch
):
    for odd in ("a message", -1, 256):  # Python prints a message; a status out of range
        crmcli.cli.leave(odd)
    ok("add", "Anna")
    from crmcli.store.connection import open_file

    conn = open_file(db_path, readonly=True)  # a connection still open: its close matters
    assert guard.holding()
    crmcli.cli.leave(0)
    conn.close()
    assert not guard.holding()
    release = threading.Event()
    worker = threading.Thread(target=release.wait)  # not a daemon: an exit waits for it
    worker.start()
    try:
        crmcli.cli.leave(0)
    finally:
        release.set()
        worker.join()

    class Closed:
        def flush(self) -> None:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    crmcli.cli.leave(0)  # atexit ran; Python's own flush at exit says what it says today
    assert leaving == ["atexit"]
