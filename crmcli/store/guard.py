"""What stands between a database path and SQLite opening it: the path must be a regular
file (a named pipe would hang the open), the file and its -wal/-shm/-journal must be the
user's own, in a folder nobody else can replace it in, a database open to others is made
owner-only (a file crm refuses keeps its mode), a copy left by an interrupted conversion is
reported, and the lock every crm process holds on the file while it has it open.

Why the owner and the folder: crm keeps other people's personal data, and a file another
user owns is one they can read. Another user who can write the database's folder can put a
copy of their own in its place (`cp crm.db x; mv -f x crm.db`): crm would then write the
next note into a file they read. So crm uses a database only when it, its -wal, -shm and
-journal are the user's own (root is a user like any other here), and only in a folder
nobody else can replace it in: not one that group or others can write without the sticky
bit, nor one another user (not root) owns. One rule for every command, reading too: a read
can upgrade the schema (a write), a swapped file would feed a cron report someone else's
records, and a command that reads before it writes (`crm forget`) says one thing, not a
warning and then a refusal. Not even a sticky folder (/tmp itself) will do: others cannot
rename our files in it, but they can create the database's -journal before SQLite looks,
and SQLite plays a journal it finds back into the database. A group-writable folder whose
group is the user's private group is fine, and so are folders above that are sticky.

That lock is a flock(2) on the database file itself: shared while any connection of this
process is open on it, exclusive while `crm encrypt` / `crm decrypt` replace the file by a
converted copy (and while `crm check --repair` removes a leftover one). SQLite's own locks
cannot guard that replacement: a process that opened the old file and waits for SQLite's
lock wakes up on the old file and opens the new file's -wal and -shm by name
(sqlite.org/howtocorrupt.html, unlinking a database in use). So every opener first waits
here, then checks that the path still names the file it locked. The descriptor holding the
lock stays open until the last connection of this process on that file is closed: closing
any descriptor of a file drops all of the process's POSIX (SQLite) locks on it.

What the user should know but that stops nothing (a mode tightened, a leftover copy) is one
`crm: ...` line on stderr, once per command (`notice`).
"""

from __future__ import annotations

import fcntl
import grp
import os
import pwd
import shlex
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crmcli.core import notices
from crmcli.core.errors import InvalidInput, StorageError
from crmcli.core.i18n import N_, Listing, Said, _
from crmcli.store.files import BUSY_TIMEOUT_MS, COMPANIONS, SQLITE_HEADER

_POLL_SECONDS = 0.02
# (device, inode) -> [descriptor holding the flock, connections of this process using it]
_LOCKS: dict[tuple[int, int], list[int]] = {}
_SAID: set[str] = set()  # notices already printed by this command


def notice(message: str) -> None:
    """One `crm: ...` line on stderr, once per command, for what the user should know about
    the file but that stops nothing (a mode tightened, a leftover file)."""
    if message in _SAID:
        return
    _SAID.add(message)
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in message)
    notices.say(shown)


def new_command() -> None:
    """Forget the notices printed so far (the command line calls it once per command)."""
    _SAID.clear()


_KINDS = (
    (stat.S_ISDIR, N_("a directory")),
    (stat.S_ISFIFO, N_("a named pipe")),
    (stat.S_ISCHR, N_("a device")),
    (stat.S_ISBLK, N_("a device")),
    (stat.S_ISSOCK, N_("a socket")),
)


def check_path(path: Path) -> None:
    """Raise InvalidInput when `path` exists and is not a regular file (a directory, a
    named pipe, a device), before SQLite opens it: opening a FIFO would wait forever."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    for test, kind in _KINDS:
        if test(mode):
            raise InvalidInput(
                _("{path} is {kind}, not a database file; give a file with --db").format(
                    path=path, kind=_(kind)
                )
            )


def _user(uid: int) -> str:
    try:
        return Said("user {name} (uid {uid})", name=pwd.getpwuid(uid).pw_name, uid=uid)
    except KeyError:
        return f"uid {uid}"


def foreign_owner(path: Path) -> str | None:
    """Why the database at `path` is not the user's own (it, or its -wal, -shm or -journal,
    belongs to another user), or None."""
    me = os.geteuid()
    for suffix in ("", *COMPANIONS):
        name = Path(f"{path}{suffix}")
        try:
            owner = os.stat(name).st_uid
        except OSError:
            continue
        if owner == me:
            continue
        if not suffix:
            return Said(
                "{name} belongs to {user}, not to you: crm keeps personal data only in files "
                "you own; copy it (cp) to make a file of your own",
                name=str(name), user=_user(owner),
            )  # fmt: skip
        return Said(
            "{name} belongs to {user}, not to you: crm keeps personal data only in files you "
            "own; that user's crm has the database open or left it so: ask them to close it",
            name=str(name), user=_user(owner),
        )  # fmt: skip
    return None


def open_folder(path: Path) -> tuple[str, str] | None:
    """(why, fix) when someone else could replace the database at `path` or put a file
    beside it: its folder belongs to another user (not root), or is writable by others or
    by a group that is not the user's own private group, sticky or not (in a sticky folder
    such as /tmp they cannot rename the database, but they can still create its -journal,
    which SQLite would play back into it); or a folder above it is writable so, without the
    sticky bit (they could swap the whole folder). None when only the user (or root) can.
    A folder that does not exist yet is not checked (crm creates it 0700)."""
    me = os.geteuid()
    folders = {Path(os.path.abspath(path)).parent, Path(os.path.realpath(path)).parent}
    for folder in sorted(folders):
        try:
            info = os.stat(folder)
        except OSError:
            continue
        if info.st_uid not in (me, 0):
            why = Said(
                "{folder} belongs to {user}, who could replace the database in it",
                folder=str(folder), user=_user(info.st_uid),
            )  # fmt: skip
            return why, Said("move the database to a folder of your own")
        mode = stat.S_IMODE(info.st_mode)
        if open_to_others(info):
            why = Said(
                "{folder} is writable by group or others (mode {mode}): they could replace "
                "the database, or plant a journal beside it that SQLite plays back",
                folder=str(folder), mode=format(mode, "04o"),
            )  # fmt: skip
            if mode & stat.S_ISVTX:  # shared on purpose (/tmp): not a folder to close
                return why, Said("move the database to a folder of your own")
            fix = Said(
                "chmod go-w {folder}, or move the database to a folder of your own",
                folder=shlex.quote(str(folder)),
            )
            return why, fix
        for above in folder.parents:
            try:
                info = os.stat(above)
            except OSError:
                continue
            mode = stat.S_IMODE(info.st_mode)
            if info.st_uid not in (me, 0) or (open_to_others(info) and not mode & stat.S_ISVTX):
                why = Said(
                    "{folder}, a folder above the database, can be changed by another user "
                    "(owner uid {uid}, mode {mode}): they could swap the folder that holds it",
                    folder=str(above), uid=info.st_uid, mode=format(mode, "04o"),
                )  # fmt: skip
                return why, Said("chmod go-w it, or move the database to a folder of your own")
    return None


def open_to_others(info: os.stat_result) -> bool:
    """Whether a folder or file is writable by others, or by a group that is not the user's
    own private group."""
    mode = stat.S_IMODE(info.st_mode)
    return bool(mode & 0o002 or (mode & 0o020 and not _private_group(info.st_gid)))


def _private_group(gid: int) -> bool:
    """True when `gid` is the user's own group and lists no other member: the "user
    private group" many systems give each user (with umask 002, so the folders they make
    are group-writable), which lets nobody else write."""
    try:
        me = pwd.getpwuid(os.geteuid())
        members = grp.getgrgid(gid).gr_mem
    except KeyError:
        return False
    return gid == me.pw_gid and set(members) <= {me.pw_name}


def check_owned(path: Path) -> None:
    """Raise InvalidInput when the database at `path` (or its -wal, -shm, -journal) belongs
    to another user, or when someone else could replace it in its folder (see the module
    docstring): for every command, reading or writing, and before a new file is made."""
    why = foreign_owner(path)
    if why is not None:
        raise InvalidInput(why.said() if isinstance(why, Said) else why)
    folder = open_folder(path)
    if folder is not None:
        why, fix = (s.said() if isinstance(s, Said) else s for s in folder)
        raise InvalidInput(_("{why}, so crm does not use it there; {fix}").format(why=why, fix=fix))


def tighten(path: Path, *, opened: bool = False) -> None:
    """Make the database and its -wal/-shm owner-only (0600) when they are wider and ours (a
    file made with `touch` or unpacked from an archive keeps 0644); says so once. Only a
    database: before SQLite opens it (so that its -wal and -shm are made private), an empty
    file or one that starts as an SQLite file; once crm has opened it (`opened`), an
    encrypted one too. A file crm refuses (a user's notes given by mistake to --db) keeps
    its mode."""
    if not opened and _head(path) not in (b"", SQLITE_HEADER):
        return
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            info = os.stat(name)
        except OSError:
            continue
        mode = stat.S_IMODE(info.st_mode)
        if not mode & 0o077 or info.st_uid != os.geteuid() or not stat.S_ISREG(info.st_mode):
            continue
        try:
            os.chmod(name, mode & 0o700)
        except OSError:
            continue
        notice(
            _("{name} was open to others ({mode}); made it owner-only ({owner})").format(
                name=name, mode=format(mode, "04o"), owner=format(mode & 0o700, "04o")
            )
        )


def _head(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_HEADER))
    except OSError:
        return None


def leftovers(path: Path) -> list[Path]:
    """What an interrupted `crm encrypt`/`crm decrypt` left beside the database: the
    converted copy and its -wal, -shm, -journal, those that exist."""
    partial = converting(path)
    return [p for p in (partial, *(Path(f"{partial}{s}") for s in COMPANIONS)) if p.exists()]


def said_left(found: list[Path], *, unencrypted: bool = False) -> Said:
    """What is said of the files of leftovers() (English in `crm check`'s JSON, in the run's
    language for people); `unencrypted` adds that they may hold the data unencrypted. Each
    command is quoted: a terminal keeps a command whole on a line, and unquoted it ran on
    into the words after it (`crm encrypt or decrypt and may hold...`), so the line broke
    before it, short."""
    names = Listing([str(p) for p in found])  # `、` between them in Chinese
    if len(found) == 1:
        if unencrypted:
            return Said(
                "{names} is left from an interrupted 'crm encrypt' or 'crm decrypt' and may "
                "hold the data unencrypted; 'crm check --repair' removes it",
                names=names,
            )
        return Said(
            "{names} is left from an interrupted 'crm encrypt' or 'crm decrypt'; 'crm check "
            "--repair' removes it",
            names=names,
        )
    if unencrypted:
        return Said(
            "{names} are left from an interrupted 'crm encrypt' or 'crm decrypt' and may hold "
            "the data unencrypted; 'crm check --repair' removes them",
            names=names,
        )
    return Said(
        "{names} are left from an interrupted 'crm encrypt' or 'crm decrypt'; 'crm check "
        "--repair' removes them",
        names=names,
    )


def converting(path: Path) -> Path:
    """Where `crm encrypt`/`crm decrypt` write the converted copy of `path`."""
    return path.with_name(path.name + ".converting")


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def _busy() -> StorageError:
    return StorageError(
        _(
            "database is busy (another crm is using it, or crm encrypt/decrypt is converting "
            "it); try again"
        )
    )


def hold(path: Path) -> tuple[int, int] | None:
    """Wait (up to BUSY_TIMEOUT_MS) for the shared lock on the database file at `path` and
    hold it for one more connection; pass the result to `release` when that connection is
    closed. None when there is no file to lock. Raises StorageError when the file stays
    locked (being converted) past the timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        which = _identity(path)
        if which is None:
            return None
        if which in _LOCKS:
            _LOCKS[which][1] += 1
            return which
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            return None  # SQLite reports why it cannot open it
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)  # no connection of this process is on that file (it is not in _LOCKS)
            if time.monotonic() > deadline:
                raise _busy() from None
            time.sleep(_POLL_SECONDS)
            continue
        info = os.fstat(fd)
        which = (info.st_dev, info.st_ino)
        if which != _identity(path) or which in _LOCKS:
            os.close(fd)  # replaced while we waited: lock the file the path names now
            continue
        _LOCKS[which] = [fd, 1]
        found = leftovers(path)  # no conversion runs while we hold the lock
        if found:
            notice(said_left(found, unencrypted=True).said())
        return which


def release(which: tuple[int, int] | None) -> None:
    """One connection fewer on the locked file; the last one closes the lock's descriptor."""
    held = _LOCKS.get(which) if which is not None else None
    if held is None:
        return
    held[1] -= 1
    if held[1] <= 0:
        del _LOCKS[which]
        os.close(held[0])


def holding() -> bool:
    """Whether a connection of this process is still open on a database file."""
    return bool(_LOCKS)


@contextmanager
def alone(path: Path) -> Iterator[bool]:
    """Try once, without waiting, for the exclusive lock on the database file at `path`:
    True inside the block when no other crm process has the file open (and every crm that
    opens it meanwhile waits, then finds the file the path names now), False when one has.
    For undoing what a refused first write made (crmcli.store.db `remove_if_empty`): a crm
    that has the file open may be writing into it."""
    if _identity(path) in _LOCKS:
        yield False
        return
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        info = os.fstat(fd)
        yield (info.st_dev, info.st_ino) == _identity(path)
    finally:
        os.close(fd)


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold the exclusive lock on the database file at `path`: wait until no other crm
    process has it open (up to BUSY_TIMEOUT_MS, else StorageError), and make every crm that
    opens it meanwhile wait. For replacing the file (`crm encrypt`, `crm check --repair`)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        if _identity(path) in _LOCKS:
            raise StorageError(
                _("{path} is still open in this process; nothing was changed").format(path=path)
            )
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            if time.monotonic() > deadline:
                raise _busy() from None
            time.sleep(_POLL_SECONDS)
            continue
        info = os.fstat(fd)
        if (info.st_dev, info.st_ino) == _identity(path):
            break
        os.close(fd)  # another conversion replaced it meanwhile: lock the new file
    try:
        yield
    finally:
        os.close(fd)  # every connection of ours on the old file is closed by now
