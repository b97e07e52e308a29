"""Backups, restores and health checks of the database file.

A backup is made through SQLite's online backup API, so it is a consistent snapshot even
while other crm processes write: never a file copy (a copy of a live WAL database can be
torn). It is written to a temporary file crm creates under a name nobody can guess
(crmcli.store.files.new_temp, mode 0600), switched to rollback-journal mode so it is one
self-contained file, verified with `PRAGMA integrity_check`, fsynced, and only then given
its final name by a hard link that never replaces a file (crmcli.store.files.link_new):
a named backup whose name was taken meanwhile is refused, a stamped one takes the next
free number. By default backups go to a `backups` folder (0700) beside the database, named
`<stem>-YYYYmmddTHHMMSS.db`; `keep` deletes the oldest of those beyond the given number.

A restore verifies the file first (SQLite, integrity, foreign keys, a crm schema no newer
than this program), keeps a backup of the current database, and then copies the file *into*
the live database through the backup API, never by renaming over it: a process that has the
database open keeps a valid file and sees the restored data on its next transaction.

`check_database` runs integrity_check, foreign_key_check, the integrity check of every FTS5
index, the schema version, the history triggers, the file modes, whose the file is and
whether anyone else could replace it in its folder, without changing anything. It reports
another user's file without opening it, as every other command refuses to.
"""

from __future__ import annotations

import os
import re
import shlex
import sqlite3
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypedDict

from crmcli.core import clock
from crmcli.core.errors import InvalidInput, NotFound, StorageError
from crmcli.core.i18n import N_, Listing, Said, _
from crmcli.core.progress import SILENT, Progress
from crmcli.core.vocabulary import word
from crmcli.store import db, encryption, guard
from crmcli.store.connection import is_damage, open_new_file, open_over
from crmcli.store.db import (
    check_folder,
    connect,
    open_file,
    replace_contents,
    rolled_back,
    storage_error,
)
from crmcli.store.files import (
    COMPANIONS,
    check_output,
    create_private_file,
    creating,
    link_new,
    new_temp,
    place,
)

_NAME = re.compile(r"^(?P<stem>.+)-(?P<stamp>\d{8}T\d{6})(?:-(?P<n>\d+))?\.db$")


def backup_folder(db_path: Path) -> Path:
    """The default folder for backups: `backups` beside the database."""
    return db_path.parent / "backups"


def _folder(folder: Path) -> Path:
    """`folder`, made (0700, parents too) when missing; InvalidInput when it is a file."""
    os.umask(0o077)
    if not folder.is_dir():
        if os.path.lexists(folder):
            raise InvalidInput(
                _("{folder} is not a folder; give a folder or a new file name").format(
                    folder=folder
                )
            )
        folder.mkdir(parents=True, mode=0o700)
    return folder


def _free(path: Path) -> Path:
    """The stamped name `path`, or the next of its series (`-2`, `-3`...) that nothing has:
    no file, no folder, no link, dangling or not."""
    base, n = re.sub(r"-\d+$", "", path.stem), 1
    while os.path.lexists(path):
        n += 1
        path = path.with_name(f"{base}-{n}.db")
    return path


def _stamped(folder: Path, stem: str, suffix: str = "") -> Path:
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    return _free(_folder(folder) / f"{stem}{suffix}-{stamp}.db")


def destination(db_path: Path, dest: str | None) -> tuple[Path, bool]:
    """Where `crm backup [DEST]` writes, and whether it is a stamped name: DEST itself, a
    new stamped name inside DEST when it is a folder or ends with a slash (made 0700 when
    missing), or a stamped name in the default folder. Raises InvalidInput when the name is
    anything but a new file (crmcli.store.files.check_output, without --force: a backup
    never replaces a file, and never the database)."""
    if dest is None:
        folder = backup_folder(db_path)
    else:
        # The text as typed: Path() drops a trailing slash, which says "a folder".
        path = Path(dest).expanduser()
        if not dest.endswith(("/", os.sep)) and not path.is_dir():
            check_output(path, database=db_path, force=None)
            return path, False
        folder = path
    target = _stamped(folder, db_path.stem)
    check_output(target, database=db_path, force=None)
    return target, True


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Copied(TypedDict):
    """A verified copy of a database."""

    path: str
    bytes: int
    pages: int
    seconds: float  # how long the copy took


class BackedUp(Copied):
    """What `crm backup` did: the copy, and the old backups rotation deleted."""

    deleted: list[str]


class Verified(TypedDict):
    """A sound crm database file: its schema version and how many customers it holds."""

    version: int
    customers: int


class Restored(Verified):
    """What `crm restore` did: the file restored, and where the replaced database is kept."""

    restored: str
    kept: str | None


class CheckResult(TypedDict):
    """One check of `crm check`."""

    check: str
    status: str  # ok, problem or note
    detail: str


CHECK_COLUMNS = tuple(CheckResult.__annotations__)


def copy_to(
    source: sqlite3.Connection,
    dest: Path,
    *,
    stamped: bool = False,
    progress: Progress = SILENT,
) -> Copied:
    """Write a verified, fsynced, 0600 copy of `source` at `dest`, a new name in an existing
    folder. Should something take that name while the copy is made, a `stamped` name moves
    on to the next free one of its series (`_free`); any other is refused (InvalidInput).
    Nothing already on disk is ever written through or replaced. `progress` hears the
    pages copied, then the verifying and syncing."""
    started = time.perf_counter()
    folder = os.stat(dest.parent)
    if guard.open_to_others(folder) and not folder.st_mode & stat.S_ISVTX:
        raise InvalidInput(
            _(
                "{parent} is writable by group or others (mode {value:04o}): they could "
                "swap the backup while crm writes it; back up into a folder of your own "
                "(chmod go-w it, or choose another)"
            ).format(parent=dest.parent, value=stat.S_IMODE(folder.st_mode))
        )
    # SQLite writes the copy in a folder of crm's own (0700) inside the target folder: in a
    # shared one (/tmp) nobody else can then put a -journal beside it for SQLite to play
    # back into the backup.
    with creating(dest):
        work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    partial = work / dest.name
    fd, name = new_temp(partial)
    os.close(fd)
    partial = Path(name)
    made = os.stat(partial)
    try:
        target = open_new_file(partial, like=source)
        try:
            if progress is SILENT:
                source.backup(target)
            else:
                # In steps, to tell how far it got. (Unwatched it stays one step: a write to
                # the database between steps restarts a stepwise copy.)
                progress.phase(_("copying"), source.execute("PRAGMA page_count").fetchone()[0])
                source.backup(
                    target,
                    pages=_STEP,
                    progress=lambda _status, left, total: progress.advance(total - left),
                )
            # One self-contained file: no -wal beside it to lose when it is copied away.
            target.execute("PRAGMA journal_mode = DELETE")
            progress.phase(_("verifying the copy"))
            problems = integrity_problems(target)
            pages = target.execute("PRAGMA page_count").fetchone()[0]
        finally:
            target.close()
        if problems:
            raise _copy_failed(source, len(problems))
        now = os.lstat(partial)
        if (now.st_dev, now.st_ino) != (made.st_dev, made.st_ino):
            # Only someone else who can write the folder can swap the file under crm; what
            # SQLite wrote may have gone through their link, and their file is not a backup.
            raise StorageError(
                _(
                    "{partial} was replaced while crm was writing it (others can write "
                    "{parent}); nothing was backed up"
                ).format(partial=partial, parent=dest.parent)
            )
        progress.phase(_("writing to disk"))
        _fsync(partial)
        if stamped:
            while not link_new(partial, dest):
                dest = _free(dest)
            _fsync(dest.parent)
        else:
            place(partial, dest, None)
    finally:
        for name in os.listdir(work):  # the copy, and a -journal SQLite may have left
            (work / name).unlink(missing_ok=True)
        work.rmdir()
    return {
        "path": str(dest),
        "bytes": dest.stat().st_size,
        "pages": pages,
        "seconds": round(time.perf_counter() - started, 3),
    }


_STEP = 4096  # pages a step of a watched copy (16 MiB at 4 KiB pages)


class Damaged(StorageError):
    """A database that fails its integrity check: a copy of it is refused (crm backup), a
    restore over it keeps its bytes (restore_database)."""


def _damage_in(exc: BaseException) -> bool:
    """Whether `exc`, or the SQLite error behind it, says the file is damaged."""
    while exc is not None:
        if isinstance(exc, sqlite3.Error) and is_damage(exc):
            return True
        exc = exc.__cause__  # type: ignore[assignment]
    return False


def _keep_bytes(db_path: Path) -> Path:
    """Copy a damaged database's file (and its -wal, beside the copy, so SQLite reads the
    two as one) byte for byte into the backups folder, 0600, under a new stamped name
    (`<stem>-damaged-YYYYmmddTHHMMSS.db`): what it held, for `sqlite3 .recover`. Only while
    no connection of this process is open on it (opening the file would drop SQLite's
    locks)."""
    import shutil

    target = _stamped(backup_folder(db_path), db_path.stem, "-damaged")
    made: list[Path] = []
    try:
        for source, dest in ((db_path, target), (Path(f"{db_path}-wal"), Path(f"{target}-wal"))):
            if not source.exists() or (dest != target and source.stat().st_size == 0):
                continue  # an empty -wal holds nothing: no 0-byte file beside the copy
            with creating(dest):
                fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
                made.append(dest)
                with os.fdopen(fd, "wb") as out, open(source, "rb") as data:
                    shutil.copyfileobj(data, out)
                    out.flush()
                    os.fsync(out.fileno())
    except BaseException:  # a disk full: no part of a copy is left (nothing was restored)
        for dest in made:
            dest.unlink(missing_ok=True)
        raise
    return target


def _copy_failed(source: sqlite3.Connection, count: int) -> StorageError:
    """Why a copy that failed its integrity check was not kept, in crm's words: the
    database's own problems, which the copy has too (SQLite copies pages as they are), with
    what mends them (integrity_said); else the copy alone went wrong."""
    from crmcli.core.text import plural

    try:
        found = integrity_problems(source)
    except sqlite3.DatabaseError:
        found = ["unreadable"]
    if not found:
        return StorageError(
            _(
                "the copy failed its integrity check ({problems}) though the database passes "
                "it: the disk may be failing; nothing was backed up"
            ).format(problems=plural(count, "problem").said())
        )
    said = integrity_said(source, found) if found != ["unreadable"] else DAMAGED
    return Damaged(
        _("the database failed its integrity check; nothing was backed up: {found}").format(
            found=said.said()
        )
    )


def backups_in(folder: Path, stem: str) -> list[Path]:
    """crm's stamped backups of database `stem` in `folder`, oldest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match and match["stem"] == stem:
            found.append(((match["stamp"], int(match["n"] or 1)), path))
    return [p for _, p in sorted(found)]


def rotate(folder: Path, stem: str, keep: int) -> list[Path]:
    """Delete the oldest stamped backups beyond `keep`; returns the deleted paths."""
    old = backups_in(folder, stem)
    doomed = old[: max(0, len(old) - keep)]
    for path in doomed:
        path.unlink()
    return doomed


def backup_database(
    db_path: Path, dest: str | None, *, keep: int | None, progress: Progress = SILENT
) -> BackedUp:
    """`crm backup`: copy the database to `dest`, the text the user typed (see destination);
    with `keep`, rotate the folder it went to; `progress` hears the copy's phases. Raises
    NotFound when there is no database: no file, or an empty one (0 bytes), which a read
    reads as a database with nothing in it and the first write makes one (a copy of it would
    be crm's empty schema, 581 KB of nothing the user made)."""
    if not db_path.exists():
        raise NotFound(_("there is no database at {db_path} to back up").format(db_path=db_path))
    # a FIFO, a folder, another user's file: refused before a backups folder is made
    guard.check_path(db_path)
    guard.check_owned(db_path)
    if db.is_empty(db_path):  # 0 bytes (`touch`): no database yet, as when there is no file
        raise NotFound(
            _(
                "{db_path} is empty: there is no database in it to back up yet (the first "
                "command that writes makes it)"
            ).format(db_path=db_path)
        )
    target, stamped = destination(db_path, dest)
    source = connect(db_path, write=False, progress=progress)
    try:
        copied = copy_to(source, target, stamped=stamped, progress=progress)
    except sqlite3.Error as exc:  # damage is the database's, which the copy reads
        raise storage_error(exc, db_path if is_damage(exc) else target) from exc
    finally:
        source.close()
    folder = Path(copied["path"]).parent
    deleted = [] if keep is None else [str(p) for p in rotate(folder, db_path.stem, keep)]
    return {**copied, "deleted": deleted}


def verify_backup(path: Path, db_path: Path | None = None) -> Verified:
    """Check a file is a sound crm database this program can open; raises InvalidInput
    naming the problem (a folder names the newest backup of `db_path` in it). Returns its
    schema version and customer count."""
    from crmcli.store.migrations import SCHEMA_VERSION

    if path.is_dir():  # `crm restore backups/`: the folder, not one of the files in it
        raise InvalidInput(_folder_given(path, db_path))
    if not path.is_file():
        if os.path.lexists(path):  # a FIFO, a device, a dangling link
            raise InvalidInput(
                _("{path} is not a file; give a backup file (crm restore FILE)").format(path=path)
            )
        raise InvalidInput(_("no such file: {path}").format(path=path))
    try:
        conn = open_file(path, readonly=True)
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):  # an SQLite file whose first pages are wrong (cut short)
            raise _backup_damaged(path) from None
        raise InvalidInput(
            _(
                "{path} is not an SQLite database (an encrypted one needs its key); "
                "nothing was restored"
            ).format(path=path)
        ) from None
    try:
        problems = integrity_problems(conn)
        if problems:
            raise _backup_damaged(path, conn, problems)
        if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise InvalidInput(
                _("{path} has broken references; nothing was restored").format(path=path)
            )
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if version < 1 or "customers" not in tables:
            raise InvalidInput(
                _("{path} is not a crm database; nothing was restored").format(path=path)
            )
        if version > SCHEMA_VERSION:
            raise InvalidInput(
                _(
                    "{path} has schema version {version}, newer than this crm knows "
                    "({SCHEMA_VERSION}); nothing was restored"
                ).format(path=path, version=version, SCHEMA_VERSION=SCHEMA_VERSION)
            )
        customers = conn.execute("SELECT count(*) FROM customers").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):  # a page SQLite cannot read through: integrity_check stops
            raise _backup_damaged(path) from None
        raise InvalidInput(
            _("{path} cannot be read as a crm database: {exc}").format(path=path, exc=exc)
        ) from None
    finally:
        conn.close()
    return {"version": version, "customers": customers}


def _backup_damaged(
    path: Path, conn: sqlite3.Connection | None = None, problems: list[str] | None = None
) -> InvalidInput:
    """The refusal of a backup that fails its integrity check, in crm's words (as `crm check`
    says it, integrity_said): when only indexes of it are out of step, its data is sound and
    `crm --db FILE reindex` rebuilds them; otherwise it is damaged, and another backup is
    the way back."""
    from crmcli.core.text import plural

    if conn is not None and problems:
        indexes = index_problems(conn, problems)
        if indexes:
            pages = any(not _INDEX_ENTRIES.fullmatch(p) for p in problems)  # may not rebuild
            return InvalidInput(
                (
                    _(
                        "{path} has {problems} in the pages of its indexes ({indexes}), its "
                        "data sound: rebuild them with 'crm --db {file} reindex', then restore "
                        "it, or if that fails, restore another backup; nothing was restored"
                    )
                    if pages
                    else _(
                        "{path} has {problems} in its indexes ({indexes}), its data sound: "
                        "rebuild them with 'crm --db {file} reindex', then restore it; nothing "
                        "was restored"
                    )
                ).format(
                    path=path,
                    problems=plural(len(problems), "problem").said(),
                    indexes=Listing(indexes).said(),
                    file=shlex.quote(str(path)),
                )
            )
        return InvalidInput(
            _("{path} is damaged ({problems}); nothing was restored: restore another backup")
            .format(path=path, problems=plural(len(problems), "problem").said())
        )  # fmt: skip
    return InvalidInput(
        _("{path} is damaged; nothing was restored: restore another backup").format(path=path)
    )


def _folder_given(folder: Path, db_path: Path | None) -> str:
    """The refusal of a folder given where a backup file is wanted, naming the newest of
    crm's stamped backups of `db_path` in it (`<stem>-STAMP.db` and
    `<stem>-before-restore-STAMP.db`, as crm backup and crm restore name them; not a
    -damaged- copy, an empty file or another database's backup) that `crm restore` would
    restore, as the command to run: each, newest first, is verified as a restore verifies
    it (verify_backup), and one cut short, damaged, not crm's, or encrypted when no key is
    set (it would ask for one, or fail) is passed over, and said to be."""
    from crmcli.core.errors import CrmError

    found = []
    try:
        for path in folder.iterdir():
            match = _NAME.match(path.name)
            ours = (db_path.stem, f"{db_path.stem}-before-restore") if db_path else None
            if not match or (ours is not None and match["stem"] not in ours):
                continue
            if path.is_file() and path.stat().st_size > 0:  # within a second, the last written
                found.append(((match["stamp"], path.stat().st_mtime_ns), path))
    except OSError:  # a folder crm may not list: said as a folder all the same
        found = []
    if not found:
        return _(
            "{path} is a folder, not a backup file; give the backup file itself (crm restore FILE)"
        ).format(path=folder)
    passed_over = 0
    for _newest, path in sorted(found, reverse=True):
        if encryption.is_encrypted(path) and encryption.session_key() is None:
            passed_over += 1
            continue
        try:
            verify_backup(path)
        except CrmError:
            passed_over += 1
            continue
        template = (
            _(
                "{path} is a folder, not a backup file; give one of the backups in it, the "
                "newest: crm restore {newest}"
            )
            if not passed_over
            else _(
                "{path} is a folder, not a backup file; give one of the backups in it, the "
                "newest that can be restored: crm restore {newest} (of the newer files, {count} "
                "cannot be restored: crm restore FILE says why)"
            )
        )
        return template.format(path=folder, newest=shlex.quote(str(path)), count=passed_over)
    return _(
        "{path} is a folder, not a backup file, and no backup of the database in it can be "
        "restored (crm restore FILE says why); give another backup file"
    ).format(path=folder)


def restore_database(db_path: Path, source_path: Path) -> Restored:
    """`crm restore`: verify `source_path`, keep a backup of the current database, then copy
    the file into the live database through the backup API. Returns what was done.

    The database keeps its kind: an encrypted one stays encrypted with its key, a plain one
    stays plain, whichever kind the backup is (a missing database is created as a new one
    would be: encrypted when a key is set). A backup of the other kind is first copied into
    a temporary file of the database's kind (SQLite's backup API copies pages as they are)."""
    info = verify_backup(source_path, db_path)
    if db_path.exists() and os.path.samefile(db_path, source_path):
        raise InvalidInput(
            _("{source_path} is the database itself; nothing was restored").format(
                source_path=source_path
            )
        )
    kept, damaged = _keep_current(db_path)
    if damaged or db.is_empty(db_path):  # a 0-byte file is no database: written anew too
        try:
            made = _restore_anew(db_path, source_path, damaged=damaged)
            kept = str(made) if made is not None else kept
            return {"restored": str(source_path), "kept": kept, **info}
        except _Written:  # a crm wrote into the empty file meanwhile: kept as any database
            kept, damaged = _keep_current(db_path)
    with _of_kind(db_path, source_path) as source:
        replace_contents(db_path, source)  # the store's one way to replace the contents
    return {"restored": str(source_path), "kept": kept, **info}


class _Written(Exception):
    """An empty database that a crm wrote into while its restore wrote the backup beside it:
    no longer to be renamed over (what was written would be lost, and no copy kept)."""


def _keep_current(db_path: Path) -> tuple[str | None, bool]:
    """(the copy kept of the database before a restore, or None; whether it is damaged,
    its pages beyond SQLite's reading, to be kept by its bytes instead: `_restore_anew`).
    A 0-byte file holds nothing to keep (crm backup refuses it)."""
    if db.is_empty(db_path):
        return None, False
    try:
        current = connect(db_path, write=False)
        try:
            before = _stamped(backup_folder(db_path), db_path.stem, "-before-restore")
            return copy_to(current, before, stamped=True)["path"], False
        finally:
            current.close()
    except (sqlite3.DatabaseError, StorageError) as exc:
        # A damaged database, whose remedy `crm check` says is a restore: its pages
        # cannot be copied through SQLite, so its bytes are kept as they are.
        if not isinstance(exc, Damaged) and not _damage_in(exc):
            raise
        return None, True


_WORK = ".restoring-"  # `.<db name>.restoring-<pid>`: a restore's copy beside the database


def _work_file(db_path: Path) -> Path:
    """Where this process writes a restore's copy beside the database (`.crm.db.restoring-PID`),
    after removing the copies (and their -journal, -wal, -shm) of restores that were killed:
    those whose process is gone. Never a backup's name: `crm restore FOLDER` and a person
    looking for one pass it by; nor one the next restore would leave."""
    for path in stale_work(db_path):
        path.unlink(missing_ok=True)
    work = db_path.with_name(f".{db_path.name}{_WORK}{os.getpid()}")
    for path in (work, *(Path(f"{work}{s}") for s in COMPANIONS)):
        path.unlink(missing_ok=True)
    return work


def stale_work(db_path: Path) -> list[Path]:
    """The copies (and their -journal, -wal, -shm) that restores into `db_path` were writing
    when they were killed: those of processes that are gone. Beside the file a symbolic
    link names, where a restore through the link writes them."""
    db_path = Path(os.path.realpath(db_path))
    prefix = f".{db_path.name}{_WORK}"
    found = []
    for path in sorted(db_path.parent.glob(f"{prefix}*")):
        pid = path.name.removeprefix(prefix).split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            found.append(path)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _remove_work(work: Path) -> None:
    for path in (work, *(Path(f"{work}{s}") for s in COMPANIONS)):
        path.unlink(missing_ok=True)


def _write_copy(source_path: Path, work: Path, key: str | None) -> None:
    """Write the backup at `source_path` whole into the new file `work`, encrypted with `key`
    (None: plain) whatever the backup's kind, in WAL mode as crm keeps a database, fsynced:
    what a restore puts in place at once."""
    source = open_file(source_path, readonly=True)
    try:
        source_key = encryption.key_of(source)
        if source_key == key:
            with creating(work):
                create_private_file(work)
            target = open_over(work, key=key)
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode = WAL")
            finally:
                target.close()
    finally:
        source.close()
    if source_key != key:
        encryption.copy_as(source_path, source_key, work, key)
        converted = open_over(work, key=key)
        try:
            converted.execute("PRAGMA journal_mode = WAL")
        finally:
            converted.close()
    _fsync(work)


def _restore_anew(db_path: Path, source_path: Path, *, damaged: bool) -> Path | None:
    """Restore the backup at `source_path` where there is no database to copy it into
    through SQLite, all at once: none at all, or a damaged one (cut short, or a page in
    the middle: SQLite cannot write over a file whose first pages it cannot read). The
    backup is first written whole beside it (`_write_copy`, in the kind a new database
    takes: encrypted when a key is set), then given the database's name in one step: a new
    name by a hard link that replaces nothing (should a crm have made the file meanwhile,
    the copy goes into that file through SQLite instead), a damaged file by a rename, under
    its exclusive lock (guard.exclusive: no crm has it open, and one starting meanwhile
    waits, then opens the restored file), after its bytes are kept (`_keep_bytes`, for
    `sqlite3 .recover`) and its -wal, -shm, -journal removed (SQLite would play them into
    the restored file). So a restore interrupted at any point, by Ctrl-C or kill -9, leaves
    the database as it was or restored, never empty or half written, and no copy of its
    own that could be taken for a backup (the next restore removes what a killed one left).
    A 0-byte file (no database yet, as for every command) is renamed over as a damaged
    one is, with nothing to keep: copied into through SQLite, a kill left it half written
    behind a journal that no read could play back. A database reached through a symbolic
    link is restored in the file the link names, as a restore over a sound one writes it.
    Returns the kept copy of a damaged database."""
    if db_path.is_symlink():
        db_path = Path(os.path.realpath(db_path))
    check_folder(db_path)
    if db_path.exists():
        guard.check_owned(db_path)
    work = _work_file(db_path)
    kept = None
    try:
        _write_copy(source_path, work, encryption.session_key())
        if damaged or db_path.exists():
            with guard.exclusive(db_path):
                if not damaged and not db.is_empty(db_path):
                    raise _Written  # checked again under the lock: no crm writes meanwhile
                kept = _keep_bytes(db_path) if damaged else None
                try:
                    for suffix in COMPANIONS:
                        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
                    os.replace(work, db_path)
                except BaseException:
                    if kept is not None:
                        _put_back(kept, db_path)
                    raise
                _fsync(db_path.parent)
        elif link_new(work, db_path):
            _fsync(db_path.parent)
        else:  # made by a crm starting meanwhile: written into through SQLite after all
            with _of_kind(db_path, source_path) as source:
                replace_contents(db_path, source)
    except sqlite3.Error as exc:
        raise storage_error(exc, db_path) from exc
    finally:
        _remove_work(work)
    db.upgrade(db_path)
    return kept


@contextmanager
def _of_kind(db_path: Path, source_path: Path) -> Iterator[sqlite3.Connection]:
    """The backup at `source_path` opened as the kind of the database at `path` (an
    existing file): as it is when both are plain or encrypted with one key, else first
    copied into a work file of the database's kind beside it (SQLite's backup API copies
    pages as they are; `_work_file`: the next restore removes it should this one be
    killed). An empty database takes the session's kind, as a new one would."""
    source = open_file(source_path, readonly=True)
    try:
        source_key = encryption.key_of(source)
        live_key = encryption.session_key()
        if db_path.exists() and db_path.stat().st_size > 0:
            try:
                live = open_file(db_path, readonly=True)
            except sqlite3.Error as exc:
                raise storage_error(exc, db_path) from exc
            live_key = encryption.key_of(live)
            live.close()
        if source_key == live_key:
            yield source
            return
    finally:
        source.close()
    work = _work_file(db_path)
    try:
        encryption.copy_as(source_path, source_key, work, live_key)
        converted = (
            open_file(work, readonly=True)
            if live_key is None
            else encryption.open_keyed(work, live_key)
        )
        try:
            yield converted
        finally:
            converted.close()
    finally:
        _remove_work(work)


def _put_back(kept: Path, db_path: Path) -> None:
    """Undo a failed restore over a damaged database: its kept bytes (and -wal) go back into
    the file, emptied or half written, and the copy is deleted; when that fails, the copy
    stays (it is then the only one)."""
    import shutil

    try:
        with db_path.open("r+b") as out, kept.open("rb") as data:
            out.truncate(0)
            shutil.copyfileobj(data, out)
            out.flush()
            os.fsync(out.fileno())
        wal = Path(f"{kept}-wal")
        if wal.exists():
            os.replace(wal, f"{db_path}-wal")
        Path(f"{db_path}-shm").unlink(missing_ok=True)
    except OSError:
        return
    kept.unlink(missing_ok=True)


# --- crm check ------------------------------------------------------------------------------


def _mode_rows(db_path: Path) -> list[CheckResult]:
    rows: list[CheckResult] = []
    paths = [db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")]
    folder = backup_folder(db_path)
    if folder.is_dir():
        paths.append(folder)
        paths += sorted(p for p in folder.iterdir() if p.is_file())
    for path in paths:
        if not path.exists():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        want = 0o700 if path.is_dir() else 0o600
        if mode & 0o077:
            rows.append(
                {
                    "check": "file modes",
                    "status": "problem",
                    "detail": Said(
                        "{path} is open to others ({mode}); chmod {want} it",
                        path=path,
                        mode=format(mode, "04o"),
                        want=format(want, "o"),
                    ),
                }
            )
    if not rows:
        rows.append({"check": "file modes", "status": "ok", "detail": Said("owner only")})
    return rows


OK = Said("ok")
# A file SQLite cannot read through, or whose tables or pages are wrong: only a backup
# brings back what it held.
DAMAGED = Said("the file is damaged: restore a backup (crm restore FILE)")
# The lines of `PRAGMA integrity_check` that say an index's entries do not match its
# table's rows: rebuilt from the rows (`crm reindex`), it is right again. A duplicate in a
# unique index is not among them (`non-unique entry in index`): the rows themselves are.
_INDEX_ENTRIES = re.compile(r"(?:row \d+ missing from|wrong # of entries in) index (\S+)")
# The line SQLite 3.44 and later (and SQLCipher's) add for an FTS5 table whose index does
# not match its text: one of crm's search tables, which `crm reindex` writes anew from it.
_FTS5_INDEX = re.compile(
    r"(?:malformed inverted index|unable to validate the inverted index) for FTS5 table "
    r"(?:\w+\.)?(\w+)(?:: .*)?|fts5: corruption found reading blob \d+ from table \"(\w+)\""
)
# A line that names a page found wrong (`On tree page 376 cell 145: Offset 0 out of range`,
# `Tree 7 page 376 cell 2: ...`, `2nd reference to page 40`): the b-tree that page belongs to
# says whether the rows are sound.
_PAGE = re.compile(r"\b[Pp]age (\d+)\b")
# SQLite stops listing problems after this many; crm asks for every one, to count them.
_MOST = 100_000


def _entries(problem: str) -> str | None:
    """The index whose entries `problem` says do not match its table or text, a b-tree
    index or a search table; None for any other problem."""
    found = _INDEX_ENTRIES.fullmatch(problem) or _FTS5_INDEX.fullmatch(problem)
    return None if found is None else next(name for name in found.groups() if name)


def integrity_problems(conn: sqlite3.Connection) -> list[str]:
    """The lines of `PRAGMA integrity_check` that say a problem (none: the file is sound),
    one problem a line (SQLite gives a b-tree's problems as one row of several lines, under
    a `*** in database main ***` heading)."""
    rows = [r[0] for r in conn.execute(f"PRAGMA integrity_check({_MOST})")]
    if rows == ["ok"]:
        return []
    lines = (line.strip() for row in rows for line in str(row).splitlines())
    return [line for line in lines if line and not line.startswith("*** in database")]


def integrity_said(conn: sqlite3.Connection, problems: list[str]) -> Said:
    """What `PRAGMA integrity_check` found (`integrity_problems`) as crm says it, in the run's
    language rather than SQLite's: when every problem is in an index of the file (its
    entries out of step with its table, or a page of it wrong; the table's rows are sound),
    those indexes and `crm reindex`, which rebuilds them (a page so wrong that the rebuild
    cannot free it leaves a backup: said too); otherwise a damaged file, which a backup
    restores."""
    from crmcli.core.text import plural

    count = plural(len(problems), "problem")
    indexes = index_problems(conn, problems)
    if indexes:
        if any(not _entries(p) for p in problems):  # a wrong page of an index
            template = N_(
                "{problems} in the index pages of {indexes}; the data is sound: run 'crm "
                "reindex' to rebuild them, and if it fails, restore a backup (crm restore FILE)"
            )
        elif len(indexes) == 1:
            template = N_(
                "{problems} in the index {indexes}; the data is sound: run 'crm reindex' to "
                "rebuild it"
            )
        else:
            template = N_(
                "{problems} in the indexes {indexes}; the data is sound: run 'crm reindex' "
                "to rebuild them"
            )
        return Said(template, problems=count, indexes=Listing(indexes))
    return Said("{problems}: the file is damaged: restore a backup (crm restore FILE)",
                problems=count)  # fmt: skip


def index_problems(conn: sqlite3.Connection, problems: list[str]) -> list[str]:
    """The indexes `problems` (integrity_problems) are all in, in order, when every one is
    in an index of the file (its entries out of step with its table, or a page of it
    wrong), so the table's rows are sound and a rebuild mends them; [] when any is not."""
    from crmcli.store.search import SOURCES

    known = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    known |= {source.table for source in SOURCES.values()}  # rebuilt from their own text
    found = [_entries(p) for p in problems]
    pairs = list(zip(problems, found, strict=True))
    pages = {p: int(m[1]) for p, f in pairs if not f and (m := _PAGE.search(p))}
    owners = _page_owners(conn, set(pages.values())) if pages else {}
    named = [f if f else owners.get(pages[p]) if p in pages else None for p, f in pairs]
    indexes = list(dict.fromkeys(n for n in named if n))
    return indexes if problems and all(named) and set(indexes) <= known else []


def _page_owners(conn: sqlite3.Connection, pages: set[int]) -> dict[int, str]:
    """The b-tree (table or index) each of `pages` belongs to, by SQLite's dbstat table: none
    where SQLite was built without it or cannot walk the file."""
    try:
        return {
            page: name
            for name, page in conn.execute("SELECT name, pageno FROM dbstat")
            if page in pages
        }
    except sqlite3.Error:
        return {}


def rebuild_indexes(conn: sqlite3.Connection) -> None:
    """Rebuild every index of the file from its table's rows (SQLite's REINDEX), inside the
    caller's transaction: what `crm reindex` does for an index `integrity_said` finds out of
    step."""
    conn.execute("REINDEX")


def _owner_rows(db_path: Path) -> list[CheckResult]:
    """Whose the database is, and whether someone else could replace it in its folder
    (crmcli.store.guard.check_owned: the same rule every command applies)."""
    foreign = guard.foreign_owner(db_path)
    owner: CheckResult = {
        "check": "file owner",
        "status": "problem" if foreign else "ok",
        "detail": foreign or Said("yours"),
    }
    folder = guard.open_folder(db_path)
    place: CheckResult = {
        "check": "folder",
        "status": "problem" if folder else "ok",
        "detail": Said("{why}; {fix}", why=folder[0], fix=folder[1])
        if folder
        else Said("nobody else can replace the database in it"),
    }
    return [owner, place]


def fts_tables(conn: sqlite3.Connection) -> list[str]:
    """Names of the FTS5 virtual tables in the database."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND sql LIKE 'CREATE VIRTUAL TABLE%' AND lower(sql) LIKE '%using fts5%'"
        )
    ]


def fts_said(name: str, exc: sqlite3.DatabaseError) -> Said:
    """A full-text index's failed 'integrity-check' in crm's words: damaged (SQLite's
    `database disk image is malformed`: its pages, or its entries out of step with the
    records it indexes), with the fix for crm's own search index ('crm reindex' writes it
    anew from the records); any other error as SQLite says it."""
    from crmcli.store import search

    if search.damaged_index(exc):  # FTS5's own `invalid fts5 file format` too
        if name in {s.table for s in search.SOURCES.values()}:  # crm's: rebuilt from the records
            return Said(
                "{index} is damaged; the records it indexes are not: run 'crm reindex' to "
                "rebuild it",
                index=name,
            )
        return Said("{index} is damaged; the records it indexes are not", index=name)
    return Said("{index}: {error}", index=name, error=exc)


def remove_leftover(db_path: Path) -> list[Path]:
    """`crm check --repair`: remove what an interrupted `crm encrypt`/`crm decrypt` left
    beside the database, the copy and its -wal, -shm, -journal (they may hold the data in
    clear, so their bytes are overwritten with zeros before they are unlinked). Waits until
    no other crm uses the database, so a conversion that is running is never touched.
    Returns the paths removed."""
    with guard.exclusive(db_path):
        found = guard.leftovers(db_path)
        for name in found:
            try:
                fd = os.open(name, os.O_WRONLY | os.O_NOFOLLOW)
            except OSError:  # a symbolic link: remove the link, never write where it points
                name.unlink(missing_ok=True)
                continue
            try:
                size = os.fstat(fd).st_size
                block = bytes(1 << 16)
                for _ in range(0, size, len(block)):
                    os.write(fd, block)
                os.fsync(fd)
            finally:
                os.close(fd)
            name.unlink()
        return found


def _kind_row(conn: sqlite3.Connection) -> CheckResult:
    if encryption.key_of(conn) is not None:
        return {"check": "encryption", "status": "ok", "detail": Said("encrypted (SQLCipher)")}
    if os.environ.get("CRM_KEY_FILE") or os.environ.get("CRM_KEY_FD"):
        return {
            "check": "encryption",
            "status": "note",
            "detail": Said(
                "not encrypted: the key set in CRM_KEY_FILE/CRM_KEY_FD is not used (crm "
                "encrypt encrypts the file with it)"
            ),
        }
    return {"check": "encryption", "status": "ok", "detail": Said("not encrypted")}


def _id_fields_row(conn: sqlite3.Connection) -> CheckResult:
    """User-defined fields holding a national ID number, kept before crm refused them there
    (they are shown as typed; only the national ID is masked)."""
    from crmcli.core.validate import national_id_in

    today = clock.today()
    found = [
        (customer_id, key)
        for customer_id, key, value in conn.execute(
            "SELECT customer_id, key, value FROM customer_fields WHERE value GLOB ?"
            " ORDER BY customer_id, key",
            ("*" + "[0-9]" * 17 + "*",),
        )
        if national_id_in(value, today)
    ]
    if not found:
        return {"check": "national IDs", "status": "ok", "detail": Said("no field holds one")}
    shown = [Said("customer {id} {field}", id=c, field=k) for c, k in found[:5]]
    customer_id, key = found[0]
    detail = Said(
        "shown unmasked in user-defined fields ({fields}); move each: crm edit {id} --unset "
        "{field} --national-id -",
        fields=Listing([*shown, *(["..."] if len(found) > 5 else [])]),
        id=customer_id,
        field=shlex.quote(key),  # a command to run as shown: `--unset '身份 证'`
    )
    return {"check": "national IDs", "status": "problem", "detail": detail}


def check_database(
    db_path: Path, *, repair: bool = False, progress: Progress = SILENT
) -> list[CheckResult]:
    """Every check as {check, status (ok|problem|note), detail}; changes nothing, except
    with `repair`, which removes a leftover conversion copy (remove_leftover) and the copy
    a killed restore left (stale_work). `progress` hears each slow step (the integrity
    check reads every page)."""
    from crmcli.store import history
    from crmcli.store.history import quote_ident
    from crmcli.store.migrations import SCHEMA_VERSION, search_objects

    if not db_path.exists():
        raise NotFound(_("there is no database at {db_path}").format(db_path=db_path))
    from crmcli.store import hooks

    guard.check_path(db_path)
    rows = _mode_rows(db_path) + _owner_rows(db_path) + hooks.check_rows(db_path)

    def add(check: str, ok: bool, detail: str, *, note: bool = False) -> None:
        rows.append({"check": check, "status": "ok" if ok else "problem", "detail": detail})
        if note and ok:
            rows[-1]["status"] = "note"

    if guard.foreign_owner(db_path) is not None:
        return rows  # another user's file: crm opens it no more than any command does
    removed = remove_leftover(db_path) if repair else []
    found = guard.leftovers(db_path)
    restoring = stale_work(db_path)
    if restoring and repair:
        for path in restoring:
            path.unlink(missing_ok=True)
        add(
            "leftover copy", True, Said("removed {paths}", paths=Listing(list(map(str, restoring))))
        )
    elif restoring:
        add(
            "leftover copy",
            False,
            Said(
                "{paths}: left by an interrupted 'crm restore', not a backup; the next restore "
                "or 'crm check --repair' removes it",
                paths=Listing(list(map(str, restoring))),
            ),
        )
    if removed:
        add("leftover copy", True, Said("removed {paths}", paths=Listing(list(map(str, removed)))))
    if found:
        add("leftover copy", False, guard.said_left(found))
    if db.is_empty(db_path):  # 0 bytes (`touch`): nothing in it to check, and nothing wrong
        add("schema version", True, Said("none: the file is empty; the first write makes it"),
            note=True)  # fmt: skip
        return rows

    try:
        conn = open_file(db_path, readonly=True)
    except (sqlite3.Error, StorageError) as exc:
        error = storage_error(exc) if isinstance(exc, sqlite3.Error) else exc
        add("open", False, error.message)
        return rows
    try:
        rows.append(_kind_row(conn))
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            add("open", False, DAMAGED if is_damage(exc) else storage_error(exc).message)
            return rows
        if version > SCHEMA_VERSION:
            newer = Said("{version} is newer than this crm ({known})", version=version,
                         known=SCHEMA_VERSION)  # fmt: skip
            add("schema version", False, newer)
        elif version < SCHEMA_VERSION:
            add(
                "schema version",
                True,
                Said(
                    "{version}, older than {known}: the next crm command upgrades it",
                    version=version,
                    known=SCHEMA_VERSION,
                ),
                note=True,
            )
        else:
            add("schema version", True, str(version))
        try:
            progress.phase(_("checking integrity"))
            problems = integrity_problems(conn)
            if not problems:
                add("integrity", True, OK)
            else:
                add("integrity", False, integrity_said(conn, problems))
        except sqlite3.DatabaseError:
            add("integrity", False, DAMAGED)
            return rows
        progress.phase(_("checking foreign keys"))
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            where = sorted({f"{r[0]} -> {r[2]}" for r in broken})
            add(
                "foreign keys",
                False,
                Said(
                    "{count} rows point at missing rows: {where}",
                    count=len(broken),
                    where=", ".join(where),
                ),
            )
        else:
            add("foreign keys", True, OK)
        if version >= 1:
            rows.append(_id_fields_row(conn))
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        wal = mode == "wal"
        # `wal` in data; in words on a terminal (预写日志)
        add("journal mode", wal, Said("wal") if wal else Said("{mode}, expected wal", mode=mode))
        if version >= 1 and history.has_history(conn):
            missing = history.missing_triggers(conn)
            add(
                "history triggers",
                not missing,
                Said("every table")
                if not missing
                else Said("not recorded: {tables}", tables=", ".join(missing)),
            )
        if version >= 27:  # the queue triggers as m027 makes them (older: the next command)
            from crmcli.store import queues

            gone = queues.missing_triggers(conn)
            add(
                "queue triggers",
                not gone,
                Said("missing: {triggers}; run 'crm reindex'", triggers=", ".join(gone))
                if gone
                else Said("every table"),
            )
        if version >= 26:  # the stored last contacts (m026)
            from crmcli.core.text import plural
            from crmcli.store import last_contacts

            progress.phase(_("checking the last contacts"))
            wrong = last_contacts.differing(conn)
            add(
                "last contacts",
                not wrong,
                Said("queued: the next change recomputes them")
                if wrong is None
                else Said(
                    "differs from the records for {customers}", customers=plural(wrong, "customer")
                )
                if wrong
                else Said("matches the records"),
                note=wrong is None,
            )
        indexes = fts_tables(conn)
    finally:
        conn.close()
    from crmcli.store import search

    # crm's own search tables, all there from schema 12 (m012_search_feedback), are checked
    # as the search index, one row a problem (a table gone, damaged, out of step); other
    # full-text tables (and an older file's) by FTS5's 'integrity-check' alone.
    searched = version >= 12
    own = {s.table for s in search.SOURCES.values()} if searched else set()
    indexes = [name for name in indexes if name not in own]
    if indexes or searched:
        # 'integrity-check' is an INSERT, refused on a read-only connection: run it in a
        # transaction that is always rolled back.
        with rolled_back(db_path) as writer:
            for name in indexes:
                progress.phase(
                    _("checking the full-text index {value}").format(
                        value=word("table", name.removeprefix("search_"))
                    )
                )
                try:
                    writer.execute(
                        f"INSERT INTO {quote_ident(name)}({quote_ident(name)}) "  # noqa: S608
                        "VALUES ('integrity-check')"
                    )
                    add("full-text index", True, Said("{index} ok", index=name))
                except sqlite3.DatabaseError as exc:
                    add("full-text index", False, fts_said(name, exc))
            if searched:
                progress.phase(_("checking the search index"))
                current = version == SCHEMA_VERSION  # an older file lacks what later steps make
                problems = search.check(writer, made=search_objects() if current else None)
                for problem in problems:
                    add("search index", False, problem)
                if not problems:
                    add("search index", True, Said("matches the records"))
    return rows
