"""Where the database lives, how it is opened, and the one way to write it.

One SQLite file, chosen by `--db PATH`, then `CRM_DB`, then the platform's user data
directory. It is created on the first write with mode 0600 inside a 0700 directory.
Read-only commands open the file with `mode=ro` and never write; when the file does not
exist yet, or is empty (0 bytes: made by `touch`, or by a tool that creates the file for
crm), they read an empty in-memory database instead of creating it or writing its schema.

The unit of work is `write(path, command=..., warn=...)`, and every change to the records
of a crm database goes through it, whoever makes it (a command, the demo, an import, a
merge, an undo, `crm forget`): it opens the file (creating it 0600 and its schema), runs
the caller's block inside one `BEGIN IMMEDIATE` transaction that is one changeset of the
history labelled `command` (crmcli.store.history), brings the search index up to date
before COMMIT (crmcli.store.search), commits, runs the hooks after the commit
(crmcli.store.hooks: only those the user placed or trusted; a skipped or failed hook goes
to `warn`, never undoing anything), and removes
the file again when the write was refused and it was the one to create it. SQLite errors
leave as StorageError. So a cron job and a person can share the file, a failure leaves
nothing half-written, and no writer forgets the index, the history or the hooks.

The rule, which tests/test_store_write.py proves from the source: no module other than this
one and the migration runner (crmcli.store.migrations, through the bare transaction of
crmcli.store.connection) begins, commits or rolls back a transaction on the database or
opens it for writing. Whole-file steps that change no record are not units of work, but
live here for the same reason: `compact` (after `crm forget`: VACUUM and an emptied WAL,
which cannot run inside a transaction), `replace_contents` (`crm restore`: the backup API
copies a verified file into the live database, which it cannot do inside a transaction
either; the restored file's history is the backup's own, so no changeset and no hooks) and
`rolled_back` (`crm check`: a probe that is never committed). Writes to OTHER files are
not this module's: a backup or a pre-upgrade copy is a new file (`connection.open_new_file`,
under a name of its own). `convert` (`crm encrypt`/`crm decrypt`) writes a converted copy
beside the database and renames it over the file, changing no record: the one place crm
replaces a database file, under the exclusive lock of crmcli.store.guard and SQLite's write
lock, so no crm reads or writes the old file meanwhile.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from pathlib import Path
from typing import TYPE_CHECKING

from crmcli.core.errors import CrmError, InvalidInput, StorageError
from crmcli.core.i18n import _
from crmcli.core.progress import SILENT, Progress
from crmcli.store import connection, guard
from crmcli.store.connection import open_file, open_sqlite, storage_error
from crmcli.store.files import create_private_file
from crmcli.store.glance import default_path, read_only_uri

if TYPE_CHECKING:  # loaded where a file is encrypted or converted, not by every command
    from crmcli.store import encryption


def check_folder(path: Path) -> None:
    """Raise InvalidInput when the folder of `path` does not exist and is not crm's own data
    folder (which the first write creates): a typo in --db or CRM_DB must neither start a new
    database in a new folder tree nor make a cron report answer from an empty one."""
    folder = path.parent
    if folder.exists() or folder.absolute() == default_path().parent.absolute():
        return
    raise InvalidInput(
        _(
            "no folder {folder} for the database {path}; crm creates only its own "
            "data folder: check the path, or make the folder first (mkdir -m 700)"
        ).format(folder=folder, path=path)
    )


def connect(path: Path, *, write: bool, progress: Progress = SILENT) -> sqlite3.Connection:
    """Open the database at `path`, creating or upgrading its schema when needed.

    write=False opens it read-only (`mode=ro`); a missing or empty (0 bytes) file then reads
    as an empty database held in memory, so read commands never create or fill files.
    write=True is for the unit of work below (and tests). `progress` hears the phases of an
    upgrade (the first run of a newer crm on a large file may take seconds). Raises
    StorageError when the file cannot be opened, is not a crm database, or was written by a
    newer crm.
    """
    guard.check_path(path)
    check_folder(path)
    guard.check_owned(path)
    guard.tighten(path)
    conn = _connect(path, write=write, progress=progress)
    guard.tighten(path, opened=True)  # an encrypted file, once its key opened it
    return conn


def _connect(path: Path, *, write: bool, progress: Progress) -> sqlite3.Connection:
    from crmcli.store import migrations

    try:
        if not write and is_empty(path):
            with _closed_on_error(open_sqlite(":memory:")) as conn:
                migrations.migrate(conn, path=None)
            return conn
        if not path.exists():
            create_private_file(path, exist_ok=True)  # another crm may have just made it
        if write:
            with _closed_on_error(open_sqlite(str(path), file=path)) as conn:
                migrations.migrate(conn, path=path, progress=progress)
            return conn
        with _closed_on_error(open_sqlite(read_only_uri(path), uri=True, file=path)) as conn:
            stale = migrations.needs_upgrade(conn, path)
        if stale:
            conn.close()
            upgrade = connect(path, write=True, progress=progress)
            upgrade.close()
            conn = open_sqlite(read_only_uri(path), uri=True, file=path)
        return conn
    except sqlite3.Error as exc:
        raise storage_error(exc, path) from exc


def is_empty(path: Path) -> bool:
    """True when there is no file at `path` or it is empty (0 bytes): a database with
    nothing in it, not even its schema, which the first write makes (as on a new file)."""
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


@contextmanager
def _closed_on_error(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """`conn` for the block, closed if the block raises (the file is newer than this crm,
    or not a crm database): nothing stays open on a file a command refused, its lock
    included (crmcli.store.guard)."""
    try:
        yield conn
    except BaseException:
        conn.close()
        raise


@contextmanager
def transaction(
    conn: sqlite3.Connection, *, command: str = "crm", record: bool = True
) -> Iterator[sqlite3.Connection]:
    """One write transaction on an open connection: BEGIN IMMEDIATE, then COMMIT, or
    ROLLBACK on any error. With `record` (the default) it is one changeset of the change
    history labelled `command` (the command path, e.g. `purchase delete`; never argument
    values). The inside of `write`; tests and benchmarks call it on their own connections."""
    from crmcli.store import history

    with connection.transaction(conn):
        changeset = history.begin(conn, command) if record else None
        yield conn
        if changeset is not None:
            history.finish(conn, changeset)


@contextmanager
def write(
    path: Path,
    *,
    command: str,
    warn: Callable[[str], None],
    hooks: bool = True,
    progress: Progress = SILENT,
    upgrading: Callable[[], AbstractContextManager[Progress]] | None = None,
) -> Iterator[sqlite3.Connection]:
    """The unit of work (see the module docstring): a connection to the database at `path`
    inside one recorded transaction, committed when the block ends without an error, with
    the search index synced before and the hooks run after the commit. `command` labels the
    changeset (`purchase delete`, `demo`); `warn` receives one line per problem that did
    not undo the write (the hooks it skipped, a failed hook); `hooks=False` runs none (the
    demo's throwaway file); `progress` hears the phases after the block (indexing for search,
    updating summaries, committing); `upgrading` gives, for the time the file is opened,
    the Progress that hears the phases of upgrading an older file (by default `progress`).
    Raises StorageError for SQLite errors; a refused first write removes the file it
    created, or leaves empty again (0 bytes) the empty file it found."""
    created, empty = not path.exists(), is_empty(path)
    try:
        with (upgrading or (lambda: nullcontext(progress)))() as upgrade:
            conn = connect(path, write=True, progress=upgrade)
        try:
            from crmcli.store import history, last_contacts, search, summaries

            with transaction(conn, command=command):
                yield conn
                progress.phase(_("indexing for search"))
                search.sync(conn)  # the search index follows whatever the block changed
                progress.phase(_("updating summaries"))
                last_contacts.sync(conn)  # the last contacts, from both queues, then
                summaries.sync(conn)  # the purchase summaries (emptying their queue)
                changeset = history.current(conn) if history.has_history(conn) else None
                progress.phase(_("committing"))
            if hooks and changeset is not None:
                from crmcli.store import hooks as user_hooks

                for problem in user_hooks.run(path, conn, changeset):  # after the commit
                    warn(problem)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        if empty:
            remove_if_empty(path, keep=not created)
        raise storage_error(exc, path) from exc
    except BaseException:
        if empty:
            remove_if_empty(path, keep=not created)
        raise


@contextmanager
def savepoint(conn: sqlite3.Connection, name: str) -> Iterator[None]:
    """All or nothing for a part of the work inside `write` (one imported row): on an error
    the part is rolled back, the error goes on, and the rest of the transaction stays."""
    quoted = '"' + name.replace('"', '""') + '"'
    conn.execute(f"SAVEPOINT {quoted}")
    try:
        yield
    except BaseException:
        with suppress(sqlite3.Error):  # SQLite may have rolled the whole transaction back
            conn.execute(f"ROLLBACK TO {quoted}")
            conn.execute(f"RELEASE {quoted}")
        raise
    conn.execute(f"RELEASE {quoted}")


def compact(path: Path) -> tuple[str | None, bool]:
    """Rewrite the committed database without free pages (VACUUM, secure_delete on) and
    empty its WAL, so erased bytes are gone from the database and its -wal file (`crm
    forget`). Returns (problem, emptied): `problem` is SQLite's reason when the VACUUM failed
    (a full disk: it writes a second copy of the file), the WAL is emptied all the same;
    `emptied` is False when it could not be (another process reading, or no room), and a
    later checkpoint empties it. Raises StorageError when the file cannot be opened."""
    try:
        conn = open_file(path, readonly=False)
    except sqlite3.Error as exc:
        raise storage_error(exc, path) from exc
    problem = None
    try:
        conn.execute("PRAGMA secure_delete = ON")
        try:
            conn.execute("VACUUM")
        except sqlite3.Error as exc:
            problem = str(exc)
        try:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as exc:
            problem, busy = problem or str(exc), 1
    finally:
        conn.close()
    return problem, not busy


def replace_contents(path: Path, source: sqlite3.Connection) -> None:
    """Copy the database `source` into the one at `path` (created when missing) through
    SQLite's backup API, then upgrade its schema: a process that has the file open keeps a
    valid file and sees the new contents at its next transaction (`crm restore`).
    Both must be of one kind, plain or encrypted with the same key (crm restore sees to it).
    Raises InvalidInput when the file is not the user's or its folder not theirs alone
    (crmcli.store.guard.check_owned)."""
    check_folder(path)
    guard.check_owned(path)
    if not path.exists():
        create_private_file(path, exist_ok=True)
    with _no_interrupt():
        copy_into(path, source, lambda: open_file(path, readonly=False))
    upgrade(path)


@contextmanager
def _no_interrupt() -> Iterator[None]:
    """Ctrl-C ignored while SQLite copies a backup in: its backup call is one step that no
    signal stops, and the interrupt Python raised after it made a finished restore exit 130
    saying nothing (not where the database as it was is kept); the command now finishes and
    says what it did. Only the main thread can set a signal's handler."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def copy_into(
    path: Path, source: sqlite3.Connection, opener: Callable[[], sqlite3.Connection]
) -> None:
    """Copy the database `source` through SQLite's backup API into the one at `path`, opened
    by `opener` (and closed after); SQLite's errors said as crm's, naming `path`."""
    try:
        live = opener()
        try:
            try:
                source.backup(live)
            except KeyboardInterrupt:  # a Ctrl-C during the copy, raised once it is done
                live.execute("PRAGMA journal_mode = WAL")
                raise
            # The copied header carries the source's rollback-journal mode: back to WAL.
            live.execute("PRAGMA journal_mode = WAL")
        finally:
            live.close()
    except sqlite3.Error as exc:
        raise storage_error(exc, path) from exc


def upgrade(path: Path) -> None:
    """Upgrade the schema (and history triggers) of the database at `path`, whose contents
    crm has just replaced with an older file's, now rather than at the next write."""
    connect(path, write=True).close()


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction on a read-only connection: every query in the block sees the
    file as it was at the first (a listing read twice, widths then lines, reads the same
    rows), whatever other processes write meanwhile."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


@contextmanager
def rolled_back(path: Path) -> Iterator[sqlite3.Connection]:
    """A writable connection to the existing file at `path`, inside a transaction that is
    always rolled back: for checks that SQLite only runs as writes (an FTS5
    'integrity-check'). Nothing it does is ever committed."""
    conn = open_file(path, readonly=False)
    try:
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("ROLLBACK")
    finally:
        conn.close()


def remove_if_empty(path: Path, *, keep: bool = False) -> None:
    """Delete a database file (and its -wal, -shm) that holds no data: what a refused
    command that created it leaves; with `keep` (the file was there, empty, before the
    command) make it empty again (0 bytes) instead. Only while no other crm has the file
    open (guard.alone): one that has may be writing its first record into it (several crm
    starting on a new file at once), which removing or emptying the file would lose; the
    file then stays as it is, with crm's schema and whatever the other one wrote."""
    from crmcli.store.history import quote_ident, user_tables

    try:
        guard.check_path(path)  # a FIFO or a device is no database: never opened here
    except CrmError:
        return
    with guard.alone(path) as alone:
        if not alone:
            return
        try:  # opened past the guard: the exclusive lock taken above is this process's own
            conn = connection.open_unguarded(path)
            try:
                for table in user_tables(conn):
                    quoted = quote_ident(table)
                    if conn.execute(f"SELECT 1 FROM {quoted} LIMIT 1").fetchone():  # noqa: S608
                        return
            finally:
                conn.close()
        except (sqlite3.Error, OSError, CrmError):
            return
        names = [path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
        if keep:
            with suppress(OSError):
                os.truncate(path, 0)
        else:
            names.insert(0, path)
        for name in names:
            with suppress(FileNotFoundError):
                name.unlink()


def convert(path: Path, *, key: str, to_encrypted: bool) -> encryption.Converted:
    """Rewrite the database at `path` encrypted with `key` (or decrypted, `key` being its
    current key). Raises InvalidInput when it already is in that state.

    No other crm has the file open meanwhile: the exclusive lock of crmcli.store.guard on
    the old file waits for the others to close it (StorageError past the timeout), and the
    one on the converted copy makes any crm that starts meanwhile wait until the copy is in
    place and the old file's -wal and -shm are gone, so its write lands in the new file.
    Inside, one more connection holds SQLite's write lock (BEGIN IMMEDIATE) from before the
    copy until after the rename, against writers that are not crm."""
    from crmcli.store import encryption

    if not encryption.available():
        raise InvalidInput(_("encryption needs the extra: pip install 'crmcli[encrypt]'"))
    path = Path(os.path.abspath(path))
    convertible(path, to_encrypted=to_encrypted)
    guard.check_path(path)
    guard.check_owned(path)
    partial = guard.converting(path)
    with guard.exclusive(path):
        if encryption.is_encrypted(path) == to_encrypted:
            raise encryption.already(path, encrypted=to_encrypted)
        source_key, new_key = (None, key) if to_encrypted else (key, None)
        # Left by an interrupted conversion: a stale -journal would be played into the copy.
        for name in guard.leftovers(path):
            name.unlink(missing_ok=True)
        create_private_file(partial)
        try:
            with guard.exclusive(partial):
                writer = encryption.open_as(path, source_key)
                try:
                    # An empty -wal: should crm be killed after the rename, the old file's
                    # log beside the new file holds nothing to replay into it.
                    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    writer.execute("BEGIN IMMEDIATE")
                    customers = _copy_and_swap(path, partial, source_key, new_key)
                    writer.execute("ROLLBACK")
                finally:
                    writer.close()  # the last connection on the old file
                # The old file's -wal must not meet the new file: SQLite would replay it.
                for suffix in ("-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        finally:
            for name in guard.leftovers(path):
                name.unlink(missing_ok=True)
    return {"path": str(path), "customers": customers}


def convertible(path: Path, *, to_encrypted: bool) -> None:
    """Raise InvalidInput when there is no database at `path` to convert: no file, or (to
    encrypt) an empty one, which the first write with a key set makes encrypted."""
    if not path.exists():
        raise InvalidInput(_("there is no database at {path}").format(path=path))
    if to_encrypted and is_empty(path):
        raise InvalidInput(
            _(
                "{path} is empty: there is nothing to encrypt yet; with a key set "
                "(CRM_KEY_FILE or CRM_KEY_FD) the first write makes it encrypted"
            ).format(path=path)
        )


def _copy_and_swap(path: Path, partial: Path, key: str | None, new_key: str | None) -> int:
    """Export into `partial`, check it, fsync it, rename it over `path`; the customer count."""
    from crmcli.store import encryption

    source = encryption.open_as(path, key)
    try:
        encryption.export(source, partial, new_key)
    finally:
        source.close()
    check = encryption.open_as(partial, new_key)
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
        check.execute("PRAGMA journal_mode = WAL")
        customers = check.execute("SELECT count(*) FROM customers").fetchone()[0]
    finally:
        check.close()
    if result != "ok":  # SQLite's first line says no more to a person: 'crm check' does
        raise StorageError(
            _(
                "the converted copy failed its integrity check; nothing was changed: run 'crm "
                "check' to see whether the database is sound"
            )
        )
    encryption.fsync(partial)
    partial.replace(path)
    encryption.fsync(path.parent)
    return int(customers)
