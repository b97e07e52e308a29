"""Shared fixtures and helpers: every test gets its own database file and a pinned clock.

A new database gets its schema by copying a migrated template, made once per session (once
per xdist worker), instead of running every migration: a copy costs a few milliseconds, the
migrations about 150. The copy is lazy: it happens where crm would migrate a blank database
(`_migrate_blank_from_template`), so nothing else changes. A read command still creates no
file, crm itself still creates the file (0600, in a 0700 directory) on the first write, a
refused first write still removes it, and older or foreign files still go through the real
migrations. Subprocesses (`python -m crmcli`) run the real migrations.

The temporary folders are made in memory (/dev/shm) where the machine has it: the suite
makes thousands of small databases and commits tens of thousands of times, and on a disk
shared with other work each of those syncs waits for it (a file of tests ran 2.6x slower on
disk than in memory on a busy machine). What is tested does not change: real files, real
SQLite, real syncs (which memory answers at once).
"""

import compileall
import copy
import functools
import json
import os
import select
import shlex
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
import typer.testing
from hypothesis import settings
from typer.main import get_command
from typer.testing import CliRunner

from crmcli.cli import app
from crmcli.store import migrations
from crmcli.store.db import connect

NOW = "2026-11-22T10:00:00+08:00"
TODAY = date(2026, 11, 22)
# The local time zone of every test: NOW's +08:00, no daylight saving. A POSIX rule, so it
# needs no time zone database on the machine.
ZONE = "CST-8"

# bench/mutate.py sets CRM_MUTATION=1: it runs a module's tests once per mutant, so property
# tests try fewer examples there (a mutant that changes an answer shows in the first few).
MUTATION = os.environ.get("CRM_MUTATION") == "1"

if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK):
    # pytest's root for tmp_path (read when the session first asks for one; xdist workers
    # get folders inside the controller's): see the module docstring.
    os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", "/dev/shm")
# No example is refused for its time (hypothesis's deadline is a timed assertion, and a
# loaded machine stretches any example past it: a property test failed so on CI's load).
settings.register_profile("crm", deadline=None)
settings.register_profile("mutation", max_examples=20, deadline=None)
settings.load_profile("mutation" if MUTATION else "crm")


def examples(n: int) -> int:
    """`n` examples for a property test that sets its own, a fifth of them in a mutation run."""
    return max(n // 5, 20) if MUTATION else n


@contextmanager
def local_zone(zone: str) -> Iterator[None]:
    """Make `zone` (a TZ value, e.g. "EST5EDT,M3.2.0,M11.1.0") the process's local zone."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


def pytest_configure(config: pytest.Config) -> None:
    """Compile crmcli's byte code once, before any test starts `python -m crmcli`: where
    PYTHONDONTWRITEBYTECODE is set (CI machines set it) an editable install would compile
    every module again in each of the suite's hundreds of processes (a third of a short
    command's CPU). Only the controller compiles; xdist workers start after it."""
    if not hasattr(config, "workerinput"):
        compileall.compile_dir(Path(__file__).parent.parent / "crmcli", quiet=1)
        if (config.getoption("numprocesses", None) or 0) != 0:
            _rewrite_tests_once(config)


def _rewrite_tests_once(config: pytest.Config) -> None:
    """Rewrite the test modules' asserts once, in the controller, into pytest's cache of
    rewritten modules (checked by the source's hash), before the xdist workers start:
    each worker rewrote every module itself (13 s of CPU each), and wrote nothing where
    PYTHONDONTWRITEBYTECODE is set, so the next run did it all again. The workers then
    only read the cache; a module the cache does not hold is rewritten there as before.
    The work is shared between two forked processes. Skipped if pytest's internals differ."""
    try:
        from _pytest.assertion import rewrite

        files = [*sorted(Path(__file__).parent.glob("test_*.py")), Path(__file__)]
        cache = rewrite.get_cache_dir(Path(__file__))
        cache.mkdir(exist_ok=True)
        state = config.stash[rewrite.assertstate_key]
        todo = [
            fn
            for fn in files
            if rewrite._read_pyc(fn, cache / (fn.name[:-3] + rewrite.PYC_TAIL)) is None
        ]
    except Exception:  # another pytest: each worker rewrites its modules as before
        return
    children = []
    for share in (todo[0::2], todo[1::2]):
        pid = os.fork()
        if pid == 0:  # pragma: no cover (a child)
            code = 0
            try:
                for fn in share:
                    source_hash, co = rewrite._rewrite_test(fn, config)
                    pyc = cache / (fn.name[:-3] + rewrite.PYC_TAIL)
                    rewrite._write_pyc(state, co, source_hash, pyc)
            except BaseException:
                code = 1
            os._exit(code)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)


@pytest.fixture(autouse=True)
def _zone() -> Iterator[None]:
    with local_zone(ZONE):
        yield


@pytest.fixture(autouse=True, scope="session")
def _command_built_once() -> Iterator[None]:
    """Build crm's click commands once per session (per worker) for every CliRunner.invoke.

    typer's CliRunner builds the click objects of all hundred commands again on each invoke
    (about 45 ms, most of a short test); they keep nothing of a run but lazily built type
    converters, the same for every run, so one build serves them all. `crm` itself still
    builds its own on each start.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(typer.testing, "_get_command", functools.cache(get_command))
        yield


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new database migrated by crm, made once per session (per worker)."""
    path = tmp_path_factory.mktemp("template") / "crm.db"
    with local_zone(ZONE), pytest.MonkeyPatch.context() as mp:
        for var in [v for v in os.environ if v.startswith("CRM_")]:
            mp.delenv(var)
        mp.setenv("CRM_NOW", NOW)
        connect(path, write=True).close()
    return path


def is_blank(conn: sqlite3.Connection) -> bool:
    """True for a database with no schema at all: what crm migrates from version 0."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    return version == 0 and conn.execute("SELECT 1 FROM sqlite_master").fetchone() is None


@pytest.fixture(autouse=True)
def _migrate_blank_from_template(_template: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give a blank database the template's pages (SQLite's backup API) instead of running
    every migration; anything else (an older or foreign file, an encrypted connection) goes
    to the real migrations. A blank database's migration tells `progress` nothing (it is not
    an upgrade), so the copy ignores it too."""
    real = migrations.migrate

    def migrate(conn: sqlite3.Connection, path: Path | None, **options: object) -> None:
        if not isinstance(conn, sqlite3.Connection) or not is_blank(conn):
            real(conn, path, **options)
            return
        template = sqlite3.connect(f"file:{_template}?mode=ro", uri=True)
        try:
            template.backup(conn)
        finally:
            template.close()
        if path is not None:
            conn.execute("PRAGMA journal_mode = WAL")  # as migrate() sets it on a new file

    monkeypatch.setattr(migrations, "migrate", migrate)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point CRM_DB at a temp file, pin "now", and clear the user's environment."""
    db = tmp_path / "crm.db"
    monkeypatch.setenv("CRM_DB", str(db))
    monkeypatch.setenv("CRM_NOW", NOW)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # hooks, trust records
    for var in ("LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LANGUAGE", "NO_COLOR", "FORCE_COLOR", "CRM_PAGER", "PAGER", "CRM_DEBUG",
                "EDITOR", "VISUAL"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    return db


@pytest.fixture
def db_path(_isolated: Path) -> Path:
    return _isolated


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


def crm(*args: str, input: str | None = None) -> Result:
    """Run `crm ARGS` in-process and return its exit code, stdout and stderr."""
    result = CliRunner().invoke(app, list(args), input=input, catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


def piped(line: str) -> Result | None:
    """Run a shell line of crm commands, each one's output the next one's input, the last
    one's perhaps written to a file (`crm A | crm B > FILE`, `>>` to add), in this process as
    `crm` does: the first failing command's exit code (a shell with pipefail), the last
    one's output (none where it went to the file), every command's errors. The first
    command may be a `printf 'TEXT'` whose text has no conversion (`%s`) and no escape but
    `\\n`, `\\t`, `\\\\` and `%%`: its text is the next one's input, as the shell's printf gives it.
    None for any other shell (variables, `||`, `$(...)`, other programs), which needs a real
    one. Quoted operators (`--where "n >= 5"`) are words, as the shell reads them; `~` is
    the home folder."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split, lexer.commenters = True, ""
    tokens = list(lexer)
    target = None
    if len(tokens) > 2 and tokens[-2] in (">", ">>"):
        target, tokens = (tokens[-2], os.path.expanduser(tokens[-1])), tokens[:-2]
    steps: list[list[str]] = [[]]
    for token in tokens:
        if token == "|":
            steps.append([])
        elif "$" in token or set(token) <= set("();<>|&"):
            return None
        else:
            steps[-1].append(os.path.expanduser(token))
    given = None
    if len(steps) > 1 and steps[0][:1] == ["printf"]:
        given = printf_text(steps.pop(0)[1:])
        if given is None:
            return None
    if any(step[:1] != ["crm"] or len(step) < 2 for step in steps):
        return None
    errors, code = "", 0
    for step in steps:
        result = crm(*step[1:], input=given)
        given, errors = result.stdout, errors + result.stderr
        code = code or result.exit_code
    if target is not None:
        with open(target[1], "a" if target[0] == ">>" else "w", encoding="utf-8") as out:
            out.write(given)
        given = ""
    return Result(code, given, errors)


PRINTF_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\"}


def printf_text(words: list[str]) -> str | None:
    """What `printf WORDS` prints for one format word without a conversion (`printf 'a,b\\n'`),
    escapes \\n, \\t and \\\\ and %% read; None for anything else, which the shell must run."""
    if len(words) != 1 or words[0].startswith("-"):
        return None
    text, out, i = words[0], [], 0
    while i < len(text):
        char = text[i]
        if char in "\\%":
            pair = text[i : i + 2]
            if pair == "%%":
                out.append("%")
            elif char == "\\" and pair[1:] in PRINTF_ESCAPES:
                out.append(PRINTF_ESCAPES[pair[1:]])
            else:
                return None
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def ok(*args: str, input: str | None = None) -> str:
    """Run `crm ARGS`, assert it succeeded, return stdout."""
    result = crm(*args, input=input)
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result.stdout


def add(*args: str) -> int:
    """Run `crm add ARGS` (a name, then options) and return the new customer's id."""
    return int(ok("add", *args, "-q").strip())


def ids(*args: str) -> list[int]:
    """The ids `crm list ARGS` selects, in its order."""
    return [int(x) for x in ok("list", *args, "-q").split()]


def buy_ago(who: str, amount: str, days_ago: int, *extra: str) -> None:
    """`crm buy WHO Tea AMOUNT` dated `days_ago` days before NOW."""
    day = (TODAY - timedelta(days=days_ago)).isoformat()
    ok("buy", who, "Tea", amount, "--at", day, *extra)


def rows(path: Path, sql: str, *params: object) -> list[tuple]:
    """The rows `sql` reads from the database file at `path`, as plain tuples."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def dump(path: Path) -> str:
    """Every row of the database as SQL text, to prove a command changed nothing."""
    if not path.exists():
        return ""
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def state(path: Path) -> bytes:
    """The database file's bytes, with its -wal's (SQLite's own journal of changes not yet
    in the file): what `dump` proves unchanged, and more strictly, without opening the
    file (SQLite parses crm's schema on each open, and `fails` looks thousands of times)."""
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def fails(code: int, *args: str, input: str | None = None, db: Path | None = None) -> str:
    """Run `crm ARGS`, assert exit `code`, one `crm:` line on stderr, no traceback and no
    change to the database; return stderr."""
    before = state(db) if db else None
    result = crm(*args, input=input)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stderr.startswith("crm: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    if db is not None:
        assert state(db) == before
    return result.stderr


T = TypeVar("T")
_FILLED: dict[str, tuple[bytes, object]] = {}


def traced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL statements every connection opened from now on executes (values inlined by
    SQLite), for as long as `monkeypatch` holds."""
    seen: list[str] = []
    real = sqlite3.connect

    def connect(*a: Any, **k: Any) -> sqlite3.Connection:
        conn = real(*a, **k)
        conn.set_trace_callback(seen.append)
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    return seen


def filled_once(db: Path, fill: Callable[[], T]) -> T:
    """Fill the test's new database `db` the way `fill` does (crm commands) and return what
    `fill` returns: `fill` runs once per session (per worker); later tests get a copy of the
    file it left (0600, as crm makes it) and a copy of its value. `fill` must depend on
    nothing but the pinned clock and zone, and be a module-level function (its name is the key).
    """
    key = f"{fill.__module__}.{fill.__qualname__}"
    if key not in _FILLED:
        value = fill()
        conn = sqlite3.connect(db)
        try:  # everything into the main file, so that its bytes are the whole database
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        _FILLED[key] = (db.read_bytes(), value)
        return value
    data, value = _FILLED[key]
    with os.fdopen(os.open(db, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
        file.write(data)
    return copy.deepcopy(value)  # type: ignore[return-value]


@pytest.fixture
def shoppers(db_path: Path) -> Path:
    """Six customers, one of each lifecycle class on TODAY (see the comments); Fay never bought."""
    filled_once(db_path, _fill_shoppers)
    return db_path


def _fill_shoppers() -> None:
    for name in ("Anna", "Bob", "Carl", "Dan", "Eve", "Fay"):
        ok("add", name)
    for ago in (100, 90, 80, 70, 10):  # gaps 10,10,10,60: reactivated
        buy_ago("Anna", "2000", ago)
    buy_ago("Bob", "500", 271)  # one purchase, default gap 90: lapsed after 270
    buy_ago("Carl", "300", 136)  # at_risk after 135
    buy_ago("Dan", "150", 135)  # exactly 1.5 x 90: still active
    buy_ago("Eve", "50", 30)  # first purchase 30 days ago: new


@pytest.fixture
def cn(db_path: Path) -> Path:
    """An empty database whose default phone region is CN (set once per worker, copied)."""
    filled_once(db_path, _fill_cn)
    return db_path


def _fill_cn() -> None:
    ok("config", "set", "default_region", "CN")


@pytest.fixture
def filled(db_path: Path) -> Path:
    """Two customers without external ids, a purchase each, an interaction, two tasks."""
    filled_once(db_path, _fill_filled)
    return db_path


def _fill_filled() -> None:
    ok("config", "set", "default_region", "CN")
    ok("add", "张伟", "--phone", "13800138000", "--field", "wechat=zw_88")
    ok("tag", "vip", "1")
    ok("add", "Anna Smith", "--email", "anna@example.com", "--company", "Acme")
    ok("buy", "1", "Longjing tea", "1299.50", "--at", "2026-11-01")
    ok("buy", "2", "Refund", "-80", "--at", "2026-11-02", "--force")  # bought before crm
    ok("log", "call", "1", "Asked for a quote", "--at", "2026-11-20 15:00")
    ok("task", "add", "1", "Send the quote", "--due", "2026-11-27")
    ok("task", "add", "2", "Monthly call", "--due", "2026-12-01", "--every", "1m")
    ok("task", "add", "2", "Call again", "--due", "2026-12-03", "--after", "2w")


def customers_json() -> list[dict]:
    """Every customer as `crm export customers --format json` gives them."""
    return json.loads(ok("export", "customers", "--format", "json"))


def by_name() -> dict[str, dict]:
    """Every customer as `customers_json` gives them, by name."""
    return {c["name"]: c for c in customers_json()}


def imported(path: Path, *args: str) -> str:
    """Run `crm import customers PATH ARGS`, assert it succeeded; return its stderr."""
    result = crm("import", "customers", str(path), *args)
    assert result.exit_code == 0, result.stderr
    return result.stderr


def person(customer_id: int) -> dict:
    """Customer `customer_id` as `crm export customers --format json` gives it."""
    return next(p for p in customers_json() if p["id"] == customer_id)


def drain(leader: int, follower: int, proc: subprocess.Popen[Any]) -> bytes:
    """Everything `proc` wrote to the pseudo-terminal `leader` leads, read while it runs and
    after it ends; both ends are closed afterwards. The test holds `follower` (the process's
    side) open until then and reads until the terminal is quiet: with the last follower
    closed a read of the leader may end (EIO) before the lines written last are read, and a
    table's rows were lost after its header (once, on a loaded machine)."""
    data = b""
    while True:
        ended = proc.poll() is not None  # before the wait: what it wrote is then all there
        if select.select([leader], [], [], 0.05)[0]:
            data += os.read(leader, 65536)
        elif ended:
            break
    os.close(follower)
    os.close(leader)
    return data


_FULL_DEMO: list[bytes] = []


def full_demo(db: Path) -> None:
    """Make `db` (a new file) the demo `crm demo --db DB` builds by default (300 customers):
    built once per session (per worker, 2 s of CPU), then copied (0600, as crm makes it)."""
    if not _FULL_DEMO:
        ok("demo", "--db", str(db))
        conn = sqlite3.connect(db)
        try:  # everything into the main file, so that its bytes are the whole database
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        _FULL_DEMO.append(db.read_bytes())
        return
    with os.fdopen(os.open(db, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
        file.write(_FULL_DEMO[0])


def _demo() -> None:
    ok("demo", "--db", os.environ["CRM_DB"], "--customers", "40")


@pytest.fixture
def demo(db_path: Path) -> Path:
    """A demo database of 40 customers (built once per worker, copied for each test)."""
    filled_once(db_path, _demo)
    return db_path
