"""Shared fixtures and helpers: every test gets its own database file and a pinned clock.

A new database gets its schema by copying a migrated template, made once per session (once
per xdist worker), instead of running every migration: a copy costs a few milliseconds, the
migrations about 150. The copy is lazy: it happens where crm would migrate a blank database
(`_migrate_blank_from_template`), so nothing else changes. A read command still creates no
file, crm itself still creates the file (0600, in a 0700 directory) on the first write, a
refused first write still removes it, and older or foreign files still go through the real
migrations. Subprocesses (`python -m crmcli`) run the real migrations.
"""

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmcli.cli import app
from crmcli.store import migrations
from crmcli.store.db import connect

NOW = "2026-11-22T10:00:00+08:00"
# The local time zone of every test: NOW's +08:00, no daylight saving. A POSIX rule, so it
# needs no time zone database on the machine.
ZONE = "CST-8"


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


@pytest.fixture(autouse=True)
def _zone() -> Iterator[None]:
    with local_zone(ZONE):
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
    to the real migrations."""
    real = migrations.migrate

    def migrate(conn: sqlite3.Connection, path: Path | None) -> None:
        if type(conn) is not sqlite3.Connection or not is_blank(conn):
            real(conn, path)
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
    for var in ("LC_ALL", "LC_CTYPE", "NO_COLOR", "CRM_DEBUG", "EDITOR", "VISUAL"):
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


def ok(*args: str, input: str | None = None) -> str:
    """Run `crm ARGS`, assert it succeeded, return stdout."""
    result = crm(*args, input=input)
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result.stdout


def add(*args: str) -> int:
    """Run `crm add ARGS` (a name, then options) and return the new customer's id."""
    return int(ok("add", *args, "-q").strip())


def dump(path: Path) -> str:
    """Every row of the database as SQL text, to prove a command changed nothing."""
    if not path.exists():
        return ""
    conn = sqlite3.connect(path)
    try:
        return "\n".join(conn.iterdump())
    finally:
        conn.close()


def fails(code: int, *args: str, input: str | None = None, db: Path | None = None) -> str:
    """Run `crm ARGS`, assert exit `code`, one `crm:` line on stderr, no traceback and no
    change to the database; return stderr."""
    before = dump(db) if db else None
    result = crm(*args, input=input)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stderr.startswith("crm: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    if db is not None:
        assert dump(db) == before
    return result.stderr
