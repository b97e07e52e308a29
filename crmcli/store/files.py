"""The files crm makes on disk, below everything that opens them: how a file crm makes is
created (0600, inside a 0700 directory), how long a connection waits for another process's
lock, and where an output file may go. crmcli.store.encryption and crmcli.store.connection
build on it.

Every file crm creates is created by crm itself with O_CREAT|O_EXCL|O_NOFOLLOW
(`create_private_file`, `new_temp`): never through a symbolic link someone planted, never
over a file already there. SQLite only ever opens such a file after crm made it.

Every file a user names for crm to write (`crm export -o`, `crm import --rejects`, `crm
backup FILE`, and the stamped name of a backup) passes `check_output` first. It is then
written under a temporary name nobody can guess (`new_temp`, in the target's folder),
fsynced, and put in place by `place`: a new file by a hard link that fails when anything
took the name meanwhile (another crm, another user: refused, nothing replaced), crm's own
earlier file under --force by a rename, after checking it is still the file that was
checked. So a failure leaves no half-written file, and a file that appears while crm writes
is never replaced. `check_output` refuses (InvalidInput, exit 2), whatever the format or
the name:
- the database crm is using or its -wal, -shm or -journal file, compared by the file itself
  (a symbolic or hard link to it too), and a new file with one of their names beside it;
- the file the command reads (`crm import FILE --rejects FILE`), by the file itself too;
- any SQLite database (its first 16 bytes are `SQLite format 3\\0`): another crm database or
  a backup;
- anything that looks like an encrypted database: a file whose size is a non-zero multiple
  of 512 bytes (SQLCipher's pages) and whose first 16 bytes (its random salt) are not text;
- a directory, a symbolic link, a FIFO, a device or a socket;
- any other existing file, unless it is one crm wrote and the command was given --force.

crm keeps no list of the files it wrote: a file counts as crm's when it is a regular file
of one link, owned by the user, mode 0600 (crm sets it on all its files, a user's file is
rarely so) and its first line is one crm's exports and reject files start with: a CSV or TSV
header of the `id` column first (or ending in `reject_line`, `reject_reason`), `[` (JSON), a
JSON line `{"id": ...` or `{"reject_line": ...`, the `{` of `crm export all` followed by its
`"format": "crmcli-export"`, the `{` of one customer's document (`crm export REF`) followed
by its `"customer": {"id": ...`, `BEGIN:VCARD`, `BEGIN:VCALENDAR`; or it is empty. A database
never passes, nor a key file, nor a user's document.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from crmcli.core import oserrors
from crmcli.core.errors import InvalidInput, StorageError
from crmcli.core.i18n import _

BUSY_TIMEOUT_MS = 10_000
SQLITE_HEADER = b"SQLite format 3\x00"
COMPANIONS = ("-wal", "-shm", "-journal")
_HEAD_BYTES = 65_536
# Patterns are kept as strings: re compiles each on first use.
_CSV_HEADER = r"id(?:[,\t][a-z_]+)*|(?:.*[,\t])?reject_line[,\t]reject_reason"
_FIRST_LINES = ("[", "[]", "BEGIN:VCARD", "BEGIN:VCALENDAR")
_JSON_LINES = ('{"id": ', '{"reject_line": ')
_EXPORT_ALL = '{\n  "format": "crmcli-export"'
_ONE_CUSTOMER = '{\n  "customer": {\n    "id": '


_NEW = os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_WRONLY


def create_private_file(path: Path, *, exist_ok: bool = False) -> None:
    """A new empty file, mode 0600, its directory created 0700 when missing (umask 077, so
    the -wal and -shm files SQLite makes beside it are private too). Raises FileExistsError
    when anything has the name, a dangling symbolic link included, unless `exist_ok` (the
    database itself, which another crm may have created a moment ago)."""
    os.umask(0o077)
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    try:
        fd = os.open(path, _NEW, 0o600)
    except FileExistsError:
        if exist_ok:
            return
        raise
    os.close(fd)


def new_temp(path: Path) -> tuple[int, Path]:
    """A new empty 0600 file beside `path` under a name nobody can guess beforehand
    (`.NAME.XXXXXXXX.tmp`, made with O_EXCL|O_NOFOLLOW), for writing what becomes `path`:
    its open descriptor and its name."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    return fd, Path(name)


@contextlib.contextmanager
def creating(path: Path) -> Iterator[None]:
    """Around making the temporary file (or folder) beside `path`: a failure is said of
    `path`, the name the user gave, with the system's reason in words, never of the
    temporary name nobody typed. InvalidInput when the place refuses a new file (read-only,
    no permission, not there), StorageError when the disk fails or is full."""
    try:
        yield
    except OSError as exc:
        said = _("cannot write {path}: {strerror}").format(path=path, strerror=oserrors.reason(exc))
        if exc.errno in oserrors.REFUSED_PLACES:
            raise InvalidInput(said) from None
        raise StorageError(said) from None


def _identity(info: os.stat_result) -> tuple[int, int, int, int]:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def link_new(temp: Path, path: Path) -> bool:
    """Give the finished file `temp` the name `path` unless something already has that name
    (a file, a folder, a dangling link): False then, and `temp` is left as it is. Never
    replaces anything: link(2) fails when the name is taken, where a rename would replace."""
    try:
        # follow_symlinks=False: should `temp` itself have been swapped for a link, the link
        # is what gets the name, never a file it points at.
        os.link(temp, path, follow_symlinks=False)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        # A file system without hard links (FAT on a USB stick, some network shares): no
        # rename there refuses to replace, so a last look narrows the window to the rename.
        if os.path.lexists(path):
            return False
        os.rename(temp, path)
        return True
    os.unlink(temp)
    return True


def place(temp: Path, path: Path, seen: os.stat_result | None) -> None:
    """Put the finished, fsynced file `temp` at `path`; `seen` is what check_output found
    there (None: nothing). A new file never replaces one that appeared meanwhile; crm's own
    file (--force) is replaced only if it is still the file check_output allowed. Raises
    InvalidInput, with `temp` still there for the caller to remove."""
    nothing = "nothing was replaced"
    if seen is not None:
        try:
            now = os.lstat(path)
        except FileNotFoundError:
            now = None  # removed meanwhile: put the new file there as a new one
        if now is not None:
            if _identity(now) != _identity(seen) or not stat.S_ISREG(now.st_mode):
                raise InvalidInput(
                    _("{path} changed while crm was writing it; {nothing}").format(
                        path=path, nothing=nothing
                    )
                )
            # What remains: a file put at `path` between this look and the rename (a few
            # system calls) is replaced. POSIX has no rename that replaces only a given file.
            os.replace(temp, path)
            _fsync_folder(path.parent)
            return
    if not link_new(temp, path):
        raise InvalidInput(
            _("{path} appeared while crm was writing it; {nothing}").format(
                path=path, nothing=nothing
            )
        )
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Make the new name durable; a file system that cannot sync a folder (EINVAL) is let be."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno != errno.EINVAL:
            raise
    finally:
        os.close(fd)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (or cannot be looked at)
        return False


def _is_text(head: bytes) -> bool:
    """True when `head` is the start of UTF-8 text: no control bytes but tab and line ends,
    and no invalid sequence (a character cut at the end is fine)."""
    if any((b < 0x20 and b not in (0x09, 0x0A, 0x0D)) or b == 0x7F for b in head):
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _written_by_crm(info: os.stat_result, head: bytes) -> bool:
    """The rule of the module docstring for "a file crm wrote"."""
    if info.st_nlink != 1 or info.st_uid != os.geteuid():
        return False
    if stat.S_IMODE(info.st_mode) != 0o600:
        return False
    if not head:
        return True
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    text = text.removeprefix("\ufeff")  # the byte-order mark of an export with --bom
    first = text.split("\n", 1)[0].removesuffix("\r")
    return (
        first in _FIRST_LINES
        or text.startswith(_JSON_LINES)
        or text.startswith(_EXPORT_ALL)
        or text.startswith(_ONE_CUSTOMER)
        or bool(re.fullmatch(_CSV_HEADER, first))
    )


def _read_head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(_HEAD_BYTES)
    except OSError as exc:
        raise InvalidInput(
            _("cannot read {path} to check it: {value}").format(
                path=path, value=oserrors.reason(exc)
            )
        ) from None


def check_output(
    path: Path, *, database: Path, force: bool | None, reading: Path | None = None
) -> os.stat_result | None:
    """Refuse to write `path` unless it is new or a file crm wrote and `force` is true (see
    the module docstring). `database` is the database crm is using; `force` is None for a
    command that has no --force (it never replaces a file); `reading` is the file the
    command reads (an import's input), never written over either. Returns what is at
    `path` (for `place`): None when nothing is. Raises InvalidInput."""
    if reading is not None and _same_file(path, reading.expanduser()):
        raise InvalidInput(
            _("{path} is the file crm is reading; give another file name").format(path=path)
        )
    for suffix in ("", *COMPANIONS):
        companion = database.with_name(database.name + suffix)
        if _same_file(path, companion) or (
            path.name == companion.name and _same_file(path.parent, database.parent)
        ):
            if not suffix:
                raise InvalidInput(
                    _(
                        "{path} is the database crm is using; crm never writes over it: give "
                        "another file name"
                    ).format(path=path)
                )
            raise InvalidInput(
                _(
                    "{path} is the {suffix} file of the database in use; crm never writes over "
                    "it: give another file name"
                ).format(path=path, suffix=suffix)
            )
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        if not path.parent.is_dir():
            raise InvalidInput(
                _("no such directory: {parent}").format(parent=path.parent)
            ) from None
        return None
    except OSError as exc:
        raise InvalidInput(
            _("cannot check {path}: {value}").format(path=path, value=oserrors.reason(exc))
        ) from None
    if stat.S_ISDIR(info.st_mode):
        raise InvalidInput(_("{path} is a directory; give a file name").format(path=path))
    if stat.S_ISLNK(info.st_mode):
        raise InvalidInput(
            _("{path} is a symbolic link; give the name of a new or plain file").format(path=path)
        )
    if not stat.S_ISREG(info.st_mode):
        raise InvalidInput(
            _("{path} is a FIFO, device or socket; give another file name").format(path=path)
        )
    head = _read_head(path)
    never = _("crm never writes over one: give another file name")
    if head[:16] == SQLITE_HEADER:
        raise InvalidInput(
            _("{path} is an SQLite database (a crm database or backup?); {never}").format(
                path=path, never=never
            )
        )
    if info.st_size and info.st_size % 512 == 0 and not _is_text(head[:16]):
        raise InvalidInput(
            _("{path} looks like an encrypted database; {never}").format(path=path, never=never)
        )
    if force is None:
        raise InvalidInput(_("{path} already exists; give a new file name").format(path=path))
    if not _written_by_crm(info, head):
        raise InvalidInput(
            _(
                "{path} exists and is not a file crm wrote; give a new file name "
                "(--force replaces only crm's own exports)"
            ).format(path=path)
        )
    if not force:
        raise InvalidInput(_("{path} already exists; add --force to replace it").format(path=path))
    return info


@contextlib.contextmanager
def write_output(
    path: Path, *, database: Path, force: bool, reading: Path | None = None
) -> Iterator[TextIO]:
    """Write the text file `path` (mode 0600) once check_output allows it: through a
    temporary file beside it (new_temp), fsynced and put in place on success (place), so a
    failure leaves the old file (or none) and no half-written one."""
    path = path.expanduser()
    seen = check_output(path, database=database, force=force, reading=reading)
    with creating(path):
        fd, temp = new_temp(path)
    try:
        with io.TextIOWrapper(
            io.BufferedWriter(oserrors.File(fd, "w", path)), encoding="utf-8", newline=""
        ) as out:
            yield out
            out.flush()
            try:
                os.fsync(out.fileno())
            except OSError as exc:
                raise oserrors.blamed(exc, path, writing=True) from None
        place(temp, path, seen)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
