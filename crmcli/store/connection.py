"""How one SQLite file is opened, below the schema and the unit of work.

Every connection sets the safety pragmas explicitly (their defaults vary by SQLite build)
and waits up to crmcli.store.files.BUSY_TIMEOUT_MS for another process's lock. A file that
SQLite cannot read as a plain database is tried as an encrypted one when a key is at hand
(crmcli.store.encryption); a new or empty file is created encrypted when a key is
configured. crm never reads the database's bytes itself.

`open_file` opens an existing file as it is (no schema upgrade), for backups, restores and
`crm check` (crmcli.store.glance glances at it before a command parses its words);
`open_new_file` opens for writing a file crm has just created (a backup, a pre-upgrade
copy). `transaction` is the bare BEGIN IMMEDIATE ... COMMIT shared
by the unit of work (crmcli.store.db.write) and the migration runner; nothing else calls it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from crmcli.core.errors import StorageError
from crmcli.store import files, guard
from crmcli.store.glance import read_only_uri

SAFETY_PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA trusted_schema = OFF",
    "PRAGMA secure_delete = ON",
)


class _Connection(sqlite3.Connection):
    """A stdlib connection that lets go of the file's lock (crmcli.store.guard) on close."""

    _held: tuple[int, int] | None = None

    def close(self) -> None:
        super().close()
        held, self._held = self._held, None
        guard.release(held)


_SESSION: Any = object()


def open_sqlite(
    target: str, *, uri: bool = False, file: Path | None = None, new_key: Any = _SESSION
) -> sqlite3.Connection:
    """Open `target` (a path, `:memory:` or a `file:` URI) with every safety pragma; `file`
    is the database file behind it, when there is one (see the module docstring): it is
    locked (crmcli.store.guard.hold) for as long as the connection is open. A new or empty
    `file` is created encrypted with `new_key` (None: plain), by default the session's key.
    A path is always handed to SQLite absolute, so one spelled like a URI (`file:x?mode=ro`)
    is only ever that file's name."""
    if file is not None:
        guard.check_path(file)
    if not uri and target != ":memory:":
        target = os.path.abspath(target)
    held = guard.hold(file) if file is not None else None
    try:
        conn = _open(target, uri=uri, file=file, new_key=new_key)
    except BaseException:
        guard.release(held)
        raise
    conn._held = held  # type: ignore[union-attr]
    return conn


def _open(target: str, *, uri: bool, file: Path | None, new_key: Any) -> sqlite3.Connection:
    timeout = files.BUSY_TIMEOUT_MS / 1000
    key = None
    if file is not None and (not file.exists() or file.stat().st_size == 0):
        from crmcli.store import encryption  # loaded only when a file is or may be encrypted

        key = encryption.session_key() if new_key is _SESSION else new_key
    if key is None:
        conn = sqlite3.connect(  # the one place that opens a connection
            target, isolation_level=None, timeout=timeout, uri=uri, factory=_Connection
        )
        conn.row_factory = sqlite3.Row
        if file is not None:
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.DatabaseError as exc:
                if "not a database" not in str(exc):
                    conn.close()
                    raise
                conn.close()
                from crmcli.store import encryption

                key = encryption.key_for_unreadable(file)
                if key is None:
                    raise
    if key is not None:
        from crmcli.store import encryption

        conn = encryption.connect_cipher(target, key, uri=uri, timeout=timeout)  # type: ignore[assignment]
    try:
        for pragma in SAFETY_PRAGMAS:
            conn.execute(pragma)
        conn.execute(f"PRAGMA busy_timeout = {int(files.BUSY_TIMEOUT_MS)}")
    except BaseException:
        conn.close()
        raise
    return conn


def open_unguarded(path: Path) -> sqlite3.Connection:
    """Open the existing database file `path` read-only, as `open_file` does, but without
    waiting for the shared lock of crmcli.store.guard: for the one caller that holds the
    file's exclusive lock itself (crmcli.store.db `remove_if_empty`)."""
    return _open(read_only_uri(path), uri=True, file=path, new_key=None)


def open_over(path: Path, *, key: Any) -> sqlite3.Connection:
    """Open for writing the database file `path`, emptied by crm itself, with `key` (None:
    plain), without waiting for the shared lock of crmcli.store.guard: for the one caller
    that holds the file's exclusive lock itself (crmcli.store.backup, a restore over a
    damaged database)."""
    return _open(str(path), uri=False, file=path, new_key=key)


def open_file(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """Open an existing SQLite file as it is, with the safety pragmas but no schema upgrade:
    for backups, restores and `crm check`, which must see a file without changing it.
    Only the store's unit of work (crmcli.store.db) opens the database with readonly=False."""
    if not path.exists():
        from crmcli.core.i18n import _

        raise StorageError(_("no such file: {path}").format(path=path))
    if readonly:
        return open_sqlite(read_only_uri(path), uri=True, file=path)
    return open_sqlite(str(path.resolve()), file=path)


def open_new_file(path: Path, *, like: sqlite3.Connection) -> sqlite3.Connection:
    """Open for writing the new, empty file `path` that crm has just created itself
    (crmcli.store.files.create_private_file or new_temp: never a name found on disk, which
    could be a link someone planted), encrypted exactly when the database `like` is (with
    its key): for a copy of that database (a backup, a pre-upgrade copy), never for the
    database itself."""
    from crmcli.store import encryption

    return open_sqlite(str(path), file=path, new_key=encryption.key_of(like))


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE, then COMMIT, or ROLLBACK on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        # SQLite may already have rolled back (disk full, I/O error): tolerate that.
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


def is_damage(exc: sqlite3.Error) -> bool:
    """Whether SQLite's `exc` says the file is damaged (SQLITE_CORRUPT and its kinds: `database
    disk image is malformed`), as opposed to busy, full, read-only or not a database at all."""
    code = getattr(exc, "sqlite_errorcode", None)  # sqlcipher3's errors have none
    return (code is not None and code & 0xFF == sqlite3.SQLITE_CORRUPT) or (
        "malformed" in str(exc).lower()
    )


def storage_error(exc: sqlite3.Error, path: Path | None = None) -> StorageError:
    """Translate an SQLite error into a one-line StorageError a user can act on."""
    from crmcli.core.i18n import _

    text = str(exc).lower()
    where = _(" ({path})").format(path=path) if path else ""
    if "locked" in text or "busy" in text:
        return StorageError(_("database is busy (another crm is writing); try again"))
    if "full" in text or "disk i/o" in text:
        return StorageError(
            _(
                "could not write the database{where}: disk full or I/O error; nothing was changed"
            ).format(where=where)
        )
    if "readonly" in text or "read-only" in text:
        return StorageError(_("the database is read-only{where}").format(where=where))
    # `invalid fts5 file format ... - run 'rebuild'`; a search table, its queue or its
    # pinyin order another program dropped or made otherwise (`no such table:
    # main.search_dirty`): what crm reindex makes again from the records, which are sound
    if "fts5" in text or (
        "search_" in text and ("no such table" in text or "has no column named" in text)
    ):
        return StorageError(
            _(
                "the search index{where} is damaged, not the records: run 'crm reindex' to "
                "rebuild it; nothing was changed"
            ).format(where=where)
        )
    if "malformed" in text:
        return StorageError(
            _(
                "the file is not a readable crm database{where}: it is damaged (restore a "
                "backup with crm restore FILE)"
            ).format(where=where)
        )
    if "not a database" in text:
        return StorageError(
            _(
                "the file is not a readable crm database{where}: it is not an SQLite file, or "
                "an encrypted one, which needs its key (CRM_KEY_FILE, CRM_KEY_FD or a terminal)"
            ).format(where=where)
        )
    if "unable to open" in text:
        return StorageError(_("cannot open the database{where}").format(where=where))
    return StorageError(_("database error{where}: {exc}").format(where=where, exc=exc))
