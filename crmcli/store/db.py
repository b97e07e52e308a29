"""Where the database lives and how it is opened.

One SQLite file, chosen by `--db PATH`, then `CRM_DB`, then the platform's user data
directory. It is created on the first write with mode 0600 inside a 0700 directory.
Every connection sets the safety pragmas explicitly (their defaults vary by SQLite build);
every write command runs inside one `BEGIN IMMEDIATE` transaction (`transaction()`), so a
cron job and a person can share the file and a failure leaves nothing half-written.
Read-only commands open the file with `mode=ro` and never write; when the file does not
exist yet they read an empty in-memory database instead of creating it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

from crmcli.core.errors import CrmError, StorageError

BUSY_TIMEOUT_MS = 10_000
SAFETY_PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA trusted_schema = OFF",
    "PRAGMA secure_delete = ON",
)


def resolve_path(option: str | os.PathLike[str] | None = None) -> Path:
    """The database path: the `--db` option, else `CRM_DB`, else the user data directory."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get("CRM_DB")
    if env:
        return Path(env).expanduser()
    return default_path()


def default_path() -> Path:
    """The platform's user data directory's crm.db."""
    import platformdirs

    return platformdirs.user_data_path("crmcli") / "crm.db"


def _open(target: str, *, uri: bool = False, file: Path | None = None) -> sqlite3.Connection:
    """Open `target` with every safety pragma.

    `file` is the database file behind `target`. A file that SQLite cannot read as a plain
    database is tried as an encrypted one when a key is at hand (crmcli.store.encryption: key
    file, key descriptor or a prompt on a terminal); a new or empty file is created
    encrypted when a key is configured. The file's bytes are never read by crm itself.
    """
    from crmcli.store import encryption

    key = None
    if file is not None and (not file.exists() or file.stat().st_size == 0):
        key = encryption.session_key()
    if key is None:
        conn = sqlite3.connect(  # the one place that opens a connection
            target, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, uri=uri
        )
        conn.row_factory = sqlite3.Row
        if file is not None:
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.DatabaseError as exc:
                if "not a database" not in str(exc):
                    raise
                conn.close()
                key = encryption.key_for_unreadable(file)
                if key is None:
                    raise
    if key is not None:
        conn = encryption.connect_cipher(  # type: ignore[assignment]
            target, key, uri=uri, timeout=BUSY_TIMEOUT_MS / 1000
        )
    for pragma in SAFETY_PRAGMAS:
        conn.execute(pragma)
    conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
    return conn


def connect(path: Path, *, write: bool) -> sqlite3.Connection:
    """Open the database at `path`, creating or upgrading its schema when needed.

    write=False opens it read-only (`mode=ro`); a missing file then reads as an empty
    database held in memory, so read commands never create files.
    Raises StorageError when the file cannot be opened, is not a crm database, or was
    written by a newer crm.
    """
    from crmcli.store import migrations

    if path.is_dir():
        raise StorageError(f"{path} is a directory, not a database file")
    try:
        if not path.exists():
            if not write:
                if not path.parent.exists() and path != default_path():
                    # A typo in CRM_DB must not make a cron job silently report nothing.
                    raise StorageError(f"no database at {path}: its directory does not exist")
                conn = _open(":memory:")
                migrations.migrate(conn, path=None)
                return conn
            _create_file(path)
        if write:
            conn = _open(str(path), file=path)
            migrations.migrate(conn, path=path)
            return conn
        conn = _open(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, file=path)
        if migrations.needs_upgrade(conn, path):
            conn.close()
            upgrade = connect(path, write=True)
            upgrade.close()
            conn = _open(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, file=path)
        return conn
    except sqlite3.Error as exc:
        raise storage_error(exc, path) from exc


def open_file(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """Open an existing SQLite file as it is, with the safety pragmas but no schema upgrade:
    for backups, restores and `crm check`, which must see a file without changing it."""
    if not path.exists():
        raise StorageError(f"no such file: {path}")
    target = str(path.resolve())
    if readonly:
        return _open(f"file:{quote(target)}?mode=ro", uri=True, file=path)
    return _open(target, file=path)


def remove_if_empty(path: Path) -> None:
    """Delete a database file (and its -wal, -shm) that holds no data: what a refused
    command that created it leaves. One holding data (another crm wrote meanwhile) stays."""
    from crmcli.store.history import quote_ident
    from crmcli.transfer.exporters import user_tables

    try:
        conn = open_file(path, readonly=True)
        try:
            for table in user_tables(conn):
                quoted = quote_ident(table)
                if conn.execute(f"SELECT 1 FROM {quoted} LIMIT 1").fetchone():  # noqa: S608
                    return
        finally:
            conn.close()
    except (sqlite3.Error, OSError, CrmError):
        return
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with suppress(FileNotFoundError):
            name.unlink()


def create_private_file(path: Path) -> None:
    """A new empty file, mode 0600, its directory created 0700 when missing."""
    _create_file(path)


def _create_file(path: Path) -> None:
    """Create an empty database file 0600 in a 0700 directory (umask 077 for -wal/-shm too)."""
    os.umask(0o077)
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)


@contextmanager
def transaction(
    conn: sqlite3.Connection, *, command: str = "crm", record: bool = True
) -> Iterator[sqlite3.Connection]:
    """One write transaction: BEGIN IMMEDIATE, then COMMIT, or ROLLBACK on any error.

    With `record` (the default) the transaction is one changeset of the change history,
    labelled `command` (the command path, e.g. `purchase delete`; never argument values):
    see crmcli.store.history. Migrations pass record=False.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        changeset = None
        if record:
            from crmcli.store import history

            changeset = history.begin(conn, command)
        yield conn
        if changeset is not None:
            history.finish(conn, changeset)
        conn.execute("COMMIT")
    except BaseException:
        # SQLite may already have rolled back (disk full, I/O error): tolerate that.
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


def storage_error(exc: sqlite3.Error, path: Path | None = None) -> StorageError:
    """Translate an SQLite error into a one-line StorageError a user can act on."""
    text = str(exc).lower()
    where = f" ({path})" if path else ""
    if "locked" in text or "busy" in text:
        return StorageError("database is busy (another crm is writing); try again")
    if "full" in text or "disk i/o" in text:
        return StorageError(
            f"could not write the database{where}: disk full or I/O error; nothing was changed"
        )
    if "readonly" in text or "read-only" in text:
        return StorageError(f"the database is read-only{where}")
    if "not a database" in text or "malformed" in text:
        return StorageError(
            f"the file is not a readable crm database{where}: {exc} "
            "(an encrypted one needs its key: CRM_KEY_FILE, CRM_KEY_FD or a terminal)"
        )
    if "unable to open" in text:
        return StorageError(f"cannot open the database{where}")
    return StorageError(f"database error{where}: {exc}")
