"""What stands between a database path and SQLite opening it: the path must be a regular
file (a named pipe would hang the open), a file open to others is made owner-only, a copy
left by an interrupted conversion is reported, and the lock every crm process holds on the
file while it has it open.

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
import os
import stat
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crmcli.core.errors import InvalidInput, StorageError
from crmcli.store.files import BUSY_TIMEOUT_MS, COMPANIONS

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
    sys.stderr.write(f"crm: {shown}\n")
    sys.stderr.flush()


def new_command() -> None:
    """Forget the notices printed so far (the command line calls it once per command)."""
    _SAID.clear()


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
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
            raise InvalidInput(f"{path} is {kind}, not a database file; give a file with --db")


def tighten(path: Path) -> None:
    """Make the database and its -wal/-shm owner-only (0600) when they are wider and ours (a
    file made with `touch` or unpacked from an archive keeps 0644); says so once."""
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
        notice(f"{name} was open to others ({mode:04o}); made it owner-only ({mode & 0o700:04o})")


def leftovers(path: Path) -> list[Path]:
    """What an interrupted `crm encrypt`/`crm decrypt` left beside the database: the
    converted copy and its -wal, -shm, -journal, those that exist."""
    partial = converting(path)
    return [p for p in (partial, *(Path(f"{partial}{s}") for s in COMPANIONS)) if p.exists()]


def said_left(found: list[Path], between: str = "") -> str:
    """What is said of the files of leftovers(), `between` inserted before the advice."""
    names = ", ".join(str(p) for p in found)
    verb, them = ("is", "it") if len(found) == 1 else ("are", "them")
    return (
        f"{names} {verb} left from an interrupted crm encrypt or decrypt{between}; "
        f"crm check --repair removes {them}"
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
        "database is busy (another crm is using it, or crm encrypt/decrypt is converting "
        "it); try again"
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
            notice(said_left(found, " and may hold the data unencrypted"))
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


@contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold the exclusive lock on the database file at `path`: wait until no other crm
    process has it open (up to BUSY_TIMEOUT_MS, else StorageError), and make every crm that
    opens it meanwhile wait. For replacing the file (`crm encrypt`, `crm check --repair`)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        if _identity(path) in _LOCKS:
            raise StorageError(f"{path} is still open in this process; nothing was changed")
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
