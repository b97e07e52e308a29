"""Where the database is, and a glance at it before a command opens it.

The file is chosen by `--db PATH`, then `CRM_DB`, then the platform's user data directory.
A glance opens it read-only as it is: no key asked for, no lock of crm's taken, no schema
upgrade, no file created, at most a short wait for another process's lock. It serves what
must be known before a command has opened the file (the `language` setting, which help and
the errors in a command line speak: looked for only when one of them is said, see
crmcli.core.i18n `Pending`) and shell completion's values. It is light to import.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from crmcli.core.errors import CrmError


def resolve_path(option: str | os.PathLike[str] | None = None) -> Path:
    """The database path: the `--db` option, else `CRM_DB`, else the user data directory."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get("CRM_DB")
    if env and env.strip():  # set to nothing or only spaces (`CRM_DB=' '`): as if unset
        return Path(env).expanduser()
    return default_path()


def default_path() -> Path:
    """The platform's user data directory's crm.db."""
    import platformdirs

    return platformdirs.user_data_path("crmcli") / "crm.db"


def read_only_uri(path: Path) -> str:
    return f"file:{quote(str(path.resolve()))}?mode=ro"


def peek(path: Path, *, wait_ms: int = 50) -> sqlite3.Connection | None:
    """The plain database at `path` opened read-only for a glance. None when the file is
    missing, encrypted or not a database; a query on an older schema may still fail (the
    caller catches sqlite3.Error)."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(
            read_only_uri(path), uri=True, isolation_level=None, timeout=wait_ms / 1000
        )
    except sqlite3.Error:
        return None
    try:
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("PRAGMA query_only = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        conn.close()
        return None
    return conn


def stored_language(conn: sqlite3.Connection) -> str | None:
    """The `language` setting, when one is set (None: --lang or the locale decides)."""
    row = conn.execute("SELECT value FROM settings WHERE key = 'language'").fetchone()
    return row[0] if row else None


def language(option: str | None) -> str | None:
    """The `language` setting of the database `option` (`--db` as typed, or None) names,
    glanced at; None when there is no such file, it cannot be read without a key (the
    setting then applies once the command opens it), it has no such setting, or every
    command refuses it (another user's file, or one in a folder others can write: a file
    planted there does not choose the language). The file is opened immutable: nothing is
    written, no lock taken, no -wal or -shm made (a setting still in a -wal, written while
    another process keeps the file open, is seen when the command opens it); the checks of
    the file are made only when it names a language, since they cost more than the glance."""
    path = resolve_path(option)
    try:
        if not path.is_file():
            return None
        conn = sqlite3.connect(f"{read_only_uri(path)}&immutable=1", uri=True, isolation_level=None)
        try:
            conn.execute("PRAGMA trusted_schema = OFF")
            found = stored_language(conn)
        finally:
            conn.close()
        if found is None:
            return None
        from crmcli.store import guard  # only when a language is set: the checks cost

        guard.check_path(path)
        guard.check_owned(path)
    except (OSError, ValueError, sqlite3.Error, CrmError):  # an old schema, a path refused
        return None
    return found
