"""Standard input that is not a plain stream of text, read by every command that reads it
(crmcli.core.stdin): the `-` of a REF, an ID, a FILE or an option, `--ids-from -`, the
answer to a question. Each is given a real descriptor, as a shell would: one that cannot
be read (/proc/self/mem, a socket never connected) is exit 1 blaming standard input with
nothing changed; none at all (`<&-`) is exit 2; a FIFO written nothing and closed, or a
socket whose other end closed, is an empty input; a non-blocking pipe is waited on. What
each reads is what the same bytes given as text would give.

fd 0 itself is never touched (pytest's workers talk through it): the descriptor under test
becomes sys.stdin as Python makes it, inside CliRunner's isolation."""

import contextlib
import io
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from crmcli.cli import app
from crmcli.cli import output as output_module
from tests.conftest import Result, add, crm, dump, examples, ok, state

LINUX_MEM = os.path.exists("/proc/self/mem")


class OnDescriptor(CliRunner):
    """A CliRunner whose standard input is the descriptor `fd` (None: closed, as Python
    leaves sys.stdin when crm starts with `<&-`)."""

    def __init__(self, fd: int | None) -> None:
        super().__init__()
        self.fd = fd

    @contextlib.contextmanager
    def isolation(self, *args, **kwargs) -> Iterator:
        with super().isolation(*args, **kwargs) as streams:
            given = sys.stdin
            sys.stdin = None if self.fd is None else open(self.fd, closefd=False, encoding="utf-8")  # noqa: SIM115
            try:
                yield streams
            finally:
                if sys.stdin is not None:
                    sys.stdin.close()
                sys.stdin = given


def on(fd: int | None, *args: str) -> Result:
    result = OnDescriptor(fd).invoke(app, list(args), catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


@contextlib.contextmanager
def unreadable_memory() -> Iterator[int]:
    """/proc/self/mem, whose first page is never mapped: a read fails with EIO."""
    fd = os.open("/proc/self/mem", os.O_RDONLY)
    try:
        yield fd
    finally:
        os.close(fd)


@contextlib.contextmanager
def unconnected_socket() -> Iterator[int]:
    """A socket never connected: a read fails with ENOTCONN."""
    with socket.socket() as sock:
        yield sock.fileno()


@contextlib.contextmanager
def empty_fifo(tmp_path) -> Iterator[int]:
    """A FIFO a writer opened and closed without writing: the end of the input at once."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # no writer yet: would wait otherwise
    os.close(os.open(fifo, os.O_WRONLY))
    try:
        yield fd
    finally:
        os.close(fd)


@contextlib.contextmanager
def hung_up_socket() -> Iterator[int]:
    """One end of a connected pair of sockets whose other end closed: the end of input."""
    mine, theirs = socket.socketpair()
    theirs.close()
    with mine:
        yield mine.fileno()


@contextlib.contextmanager
def late_non_blocking_pipe(data: bytes) -> Iterator[int]:
    """A non-blocking pipe (as another program sharing it may leave it) whose bytes come in
    two parts, after crm has started to read: read empty, it was taken for the end."""
    read, write = os.pipe()
    os.set_blocking(read, False)
    half = len(data) // 2

    def writer() -> None:
        os.write(write, data[:half])
        threading.Event().wait(0.02)
        os.write(write, data[half:])
        os.close(write)

    timer = threading.Timer(0.05, writer)
    timer.start()
    try:
        yield read
    finally:
        timer.join()
        os.close(read)


# (arguments, what the missing input is called, the bytes that make it do something)
READERS = [
    (("tag", "vip", "-"), "-", b"Anna\n"),
    (("tag", "vip", "--ids-from", "-"), "--ids-from -", b"1\n"),
    (("delete", "-"), "-", b"1\n"),
    (("task", "done", "-"), "-", b"1\n"),
    (("log", "note", "Anna", "-"), "TEXT -", b"Called back\n"),
    (("add", "Ben", "--notes", "-", "-q"), "--notes -", b"Likes tea\n"),
    (("import", "customers", "-"), "FILE -", b"name\nBen\n"),
    (("import", "all", "-"), "FILE -", b'{"format": "crmcli-export", "customers": []}\n'),
    (("import", "surveys", "-"), "-", b"customer,score\nAnna,9\n"),
]
IDS = [" ".join(args) for args, _what, _data in READERS]


@pytest.fixture
def anna(db_path):
    add("Anna")
    ok("task", "add", "Anna", "Call back", "-q")
    return db_path


@pytest.mark.skipif(not LINUX_MEM, reason="needs Linux's /proc")
@pytest.mark.parametrize(("args", "what", "data"), READERS, ids=IDS)
@pytest.mark.parametrize(
    ("opened", "reason"),
    [(unreadable_memory, "Input/output error"),
     (unconnected_socket, "Transport endpoint is not connected")],
    ids=["proc-mem", "socket"],
)  # fmt: skip
def test_standard_input_that_cannot_be_read_is_blamed_and_changes_nothing(
    anna, args, what, data, opened, reason
):
    before = state(anna)
    with opened() as fd:
        result = on(fd, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        f"crm: cannot read standard input: {reason}\n",
    )
    assert state(anna) == before


@pytest.mark.skipif(not LINUX_MEM, reason="needs Linux's /proc")
def test_an_unreadable_standard_input_is_said_in_the_run_language(anna):
    with unreadable_memory() as fd:
        result = on(fd, "--lang", "zh", "tag", "vip", "-")
    assert (result.exit_code, result.stderr) == (
        1,
        "crm: 无法读取标准输入：读写出错（磁盘可能有故障）\n",
    )


@pytest.mark.parametrize(("args", "what", "data"), READERS, ids=IDS)
def test_no_standard_input_at_all_is_one_line_exit_2(anna, args, what, data):
    before = state(anna)
    result = on(None, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (
        2,
        "",
        f"crm: {what} reads standard input, but there is none\n",
    )
    assert state(anna) == before


def _same_as_text(db_path, tmp_path, args: tuple[str, ...], given: bytes, opened: Callable) -> None:
    """The command on the descriptor `opened` gives what it gives on `given` as text, and
    leaves the same database (run first on a copy)."""
    copy = tmp_path / "as-text.db"
    copy.write_bytes(db_path.read_bytes())
    as_text = crm("--db", str(copy), *args, input=given.decode())
    with opened() as fd:
        result = on(fd, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (
        as_text.exit_code,
        as_text.stdout,
        as_text.stderr.replace(str(copy), str(db_path)),
    )
    assert result.exit_code in (0, 2), result
    assert dump(db_path) == dump(copy)


@pytest.mark.parametrize(("args", "what", "data"), READERS, ids=IDS)
@pytest.mark.parametrize("kind", ["fifo", "socket"])
def test_an_input_that_ends_at_once_reads_as_empty(anna, tmp_path, args, what, data, kind):
    """A FIFO written nothing and closed, a socket whose peer hung up: an empty input, as a
    pipe with nothing in it (`true | crm tag vip -` tags nobody, exit 0)."""
    opened = (lambda: empty_fifo(tmp_path)) if kind == "fifo" else hung_up_socket
    _same_as_text(anna, tmp_path, args, b"", opened)


@pytest.mark.parametrize(("args", "what", "data"), READERS, ids=IDS)
def test_a_non_blocking_pipe_is_read_to_its_end(anna, tmp_path, args, what, data):
    _same_as_text(anna, tmp_path, args, data, lambda: late_non_blocking_pipe(data))


@pytest.mark.skipif(not LINUX_MEM, reason="needs Linux's /proc")
def test_an_answer_that_cannot_be_read_is_blamed_on_standard_input(anna, monkeypatch):
    """A yes/no question on a terminal whose reads fail (hung up): nothing is undone."""
    ok("tag", "vip", "Anna")
    before = state(anna)
    monkeypatch.setattr(output_module, "is_terminal", lambda stream: True)
    with unreadable_memory() as fd:
        result = on(fd, "undo")
    assert result.exit_code == 1 and result.stderr.endswith(
        "crm: cannot read standard input: Input/output error\n"
    ), result
    assert state(anna) == before


def test_a_directory_as_standard_input_stops_python_before_crm(db_path, tmp_path):
    """Python itself refuses to start when fd 0 is a directory (init_sys_streams), before
    any code of crm or a site hook: nothing of crm's can say it, and nothing is changed."""
    add("Anna")
    before = state(db_path)
    folder = tmp_path / "folder"
    folder.mkdir()
    directory = os.open(folder, os.O_RDONLY)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "crmcli", "tag", "vip", "-"],
            stdin=directory, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        os.close(directory)
    assert proc.returncode == 1
    assert "<stdin> is a directory, cannot continue" in proc.stderr
    assert state(db_path) == before


def test_stdin_is_read_by_crmcli_core_stdin_only():
    """Every reader of standard input goes through crmcli.core.stdin, so each says the same
    things: no other module reads sys.stdin's text or bytes itself."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent / "crmcli"
    readers = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.name != "stdin.py"
        for line in path.read_text(encoding="utf-8").splitlines()
        if "sys.stdin.read" in line or "sys.stdin.buffer" in line or "stdin.readline" in line
    ]
    assert readers == []


def test_binary_is_closed_without_closing_standard_input():
    from crmcli.core import stdin

    given = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(b"abc"), encoding="utf-8")
    try:
        with stdin.binary("-") as data:
            assert data.read() == b"abc"
        assert not sys.stdin.closed
    finally:
        sys.stdin = given


@pytest.mark.skipif(not LINUX_MEM, reason="needs Linux's /proc")
@pytest.mark.parametrize(
    "args",
    [("tag", "vip", "--ids-from"), ("import", "customers"), ("import", "surveys")],
    ids=" ".join,
)
def test_a_named_input_that_opens_but_cannot_be_read_is_blamed_as_stdin_is(anna, tmp_path, args):
    """What a file named for reading says is what standard input says: opened but not read
    (/proc/self/mem) exit 1 naming it; not openable (a folder) exit 2 naming it."""
    before = state(anna)
    result = crm(*args, "/proc/self/mem")
    assert (result.exit_code, result.stderr) == (
        1,
        "crm: cannot read /proc/self/mem: Input/output error\n",
    )
    result = crm(*args, str(tmp_path))
    assert result.exit_code == 2 and result.stderr.startswith("crm: "), result
    assert str(tmp_path) in result.stderr and result.stderr.count("\n") == 1
    assert state(anna) == before


@settings(max_examples=examples(40), deadline=None)
@given(
    parts=st.lists(st.binary(max_size=3000), max_size=6),
    pauses=st.lists(st.sampled_from([0, 0, 0.001, 0.005]), min_size=6, max_size=6),
)
def test_a_non_blocking_pipe_gives_every_byte_however_they_come(parts, pauses):
    """Whatever the bytes and however they are split and delayed, standard input on a
    non-blocking pipe reads them all, in order, to the end: none is taken for the end."""
    from crmcli.core import stdin

    read, write = os.pipe()
    os.set_blocking(read, False)

    def writer() -> None:
        for part, pause in zip(parts, pauses, strict=False):
            threading.Event().wait(pause)
            os.write(write, part)
        os.close(write)

    thread = threading.Thread(target=writer)
    given_stdin = sys.stdin
    sys.stdin = open(read, closefd=False, encoding="utf-8")  # noqa: SIM115
    thread.start()
    try:
        with stdin.binary("-") as data:
            assert data.read() == b"".join(parts)
    finally:
        thread.join()
        sys.stdin.close()
        sys.stdin = given_stdin
        os.close(read)


@pytest.mark.parametrize(("args", "what", "data"), READERS, ids=IDS)
def test_input_saved_on_windows_does_what_typed_input_does(anna, args, what, data):
    """A byte order mark at the start (Notepad's) and `\r\n` line ends: the same outcome
    as the plain lines (a BOM made `tag vip -` look for a customer named `\ufeff1`, a
    `\r` made a note `text contains control characters`)."""
    files = [anna, anna.with_name(f"{anna.name}-wal"), anna.with_name(f"{anna.name}-shm")]
    saved = {f: f.read_bytes() for f in files if f.exists()}
    before = dump(anna)
    plain = data.decode("utf-8")
    outcomes = []
    for typed in ("\ufeff" + plain.replace("\n", "\r\n"), plain):
        for f in files:  # each from the same database
            f.unlink(missing_ok=True)
            if f in saved:
                f.write_bytes(saved[f])
        result = crm(*args, input=typed)
        outcomes.append((result, dump(anna)))
    assert outcomes[0] == outcomes[1]
    result, after = outcomes[1]
    assert result.exit_code != 0 or after != before  # the input did something


TEXT_READERS = [(args, what, data) for args, what, data in READERS if what != "FILE -"]


@pytest.mark.parametrize(
    ("args", "what", "data"), TEXT_READERS, ids=[" ".join(r[0]) for r in TEXT_READERS]
)
def test_text_past_the_limit_is_refused_and_changes_nothing(anna, monkeypatch, args, what, data):
    """An input that never ends (`< /dev/zero`, `yes |`) would fill the memory: past
    stdin.TEXT_LIMIT the reading stops, exit 2, nothing changed; up to it, read as ever."""
    from crmcli.core import stdin

    monkeypatch.setattr(stdin, "TEXT_LIMIT", 2**20)
    before = state(anna)
    result = crm(*args, input=data.decode() + " " * (2**20 + 1 - len(data)))
    assert result.exit_code == 2, result
    assert result.stderr == (
        f"crm: {what} reads standard input, which is over 1 MiB: more than it takes; "
        "nothing was changed\n"
    )
    assert state(anna) == before
    within = crm(*args, input=data.decode() + " " * (2**20 - len(data)))
    assert "which is over" not in within.stderr, within


def test_an_endless_standard_input_stops_at_the_limit(anna):
    """A real process reading /dev/zero: refused at once, in bounded memory."""
    with open("/dev/zero", "rb") as zero:
        run = subprocess.run([sys.executable, "-m", "crmcli", "tag", "vip", "-"], stdin=zero,
                             capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert run.returncode == 2, run
    assert run.stderr == (
        "crm: - reads standard input, which is over 64 MiB: more than it takes; "
        "nothing was changed\n"
    )


def test_an_ids_file_is_read_as_standard_input_is(anna, tmp_path, monkeypatch):
    """`--ids-from FILE` saved on Windows (BOM, CR LF) names the customers its plain lines
    name; past the limit (`--ids-from /dev/zero`) it is refused, exit 2, nothing changed."""
    from crmcli.core import stdin

    windows = tmp_path / "ids.txt"
    windows.write_bytes(b"\xef\xbb\xbf1\r\nAnna\r\n")
    assert crm("tag", "vip", "--ids-from", str(windows)).stdout == "Tagged 1 customer with vip.\n"
    monkeypatch.setattr(stdin, "TEXT_LIMIT", 2**20)
    big = tmp_path / "big.txt"
    big.write_bytes(b"1\n" + b" " * 2**20)
    before = state(anna)
    result = crm("tag", "gold", "--ids-from", str(big))
    assert (result.exit_code, result.stderr) == (
        2, f"crm: --ids-from {big} is over 1 MiB: more than it takes; nothing was changed\n"
    )  # fmt: skip
    assert state(anna) == before
