"""What the operating system said went wrong (an OSError), in the run's language.

English says the system's own words, as it always has (`No space left on device`); another
language says the common ones in its own words (`磁盘空间不足`), looked up by errno, and an
uncommon one in the system's words, which is all there is to say of it. Every place crm
quotes an OSError to a person takes its words from `reason`.
"""

from __future__ import annotations

import errno
import io
import os
from typing import Any

from crmcli.core import i18n
from crmcli.core.i18n import N_, _

# The errno values a person meets writing and reading files, in glibc's words (the msgids).
WORDS = {
    errno.ENOSPC: N_("No space left on device"),
    errno.EDQUOT: N_("Disk quota exceeded"),
    errno.EACCES: N_("Permission denied"),
    errno.EPERM: N_("Operation not permitted"),
    errno.ENOENT: N_("No such file or directory"),
    errno.EROFS: N_("Read-only file system"),
    errno.EIO: N_("Input/output error"),
    errno.EISDIR: N_("Is a directory"),
    errno.ENOTDIR: N_("Not a directory"),
    errno.ENAMETOOLONG: N_("File name too long"),
    errno.EEXIST: N_("File exists"),
    errno.EFBIG: N_("File too large"),
    errno.EPIPE: N_("Broken pipe"),
    errno.EMFILE: N_("Too many open files"),
    errno.ELOOP: N_("Too many levels of symbolic links"),
    errno.EBUSY: N_("Device or resource busy"),
    errno.ETXTBSY: N_("Text file busy"),
    errno.EXDEV: N_("Invalid cross-device link"),
    errno.ENXIO: N_("No such device or address"),
    errno.ENODEV: N_("No such device"),
    errno.ENOMEM: N_("Cannot allocate memory"),
    errno.EINVAL: N_("Invalid argument"),
}


# What keeps a file from being read or made where the user said (their path is the input to
# change: exit 2), as opposed to the disk failing or filling (exit 1).
REFUSED_PLACES = frozenset({
    errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT, errno.ENOTDIR, errno.EISDIR,
    errno.ENAMETOOLONG, errno.ELOOP, errno.EXDEV, errno.EINVAL,
})  # fmt: skip


def reason(error: OSError | int) -> str:
    """Why `error` (an OSError, or an errno value) happened, in the run's language: the
    system's words in English (its strerror), crm's catalog's words in another language for
    the errno values of WORDS, the system's words for any other."""
    number = error if isinstance(error, int) else error.errno
    if isinstance(error, int):
        system = os.strerror(error)
    else:
        system = error.strerror or (os.strerror(number) if number else str(error))
    if number in WORDS and i18n.current() != "en":
        return _(WORDS[number])
    return system


def said(error: OSError) -> str:
    """`reason` for prose kept in data (a `crm check` detail, a hook's problem): a Said of
    the errno's words, English in JSON and said in the run's language on a terminal; the
    system's words for an errno not in WORDS."""
    if error.errno in WORDS:
        return i18n.Said(WORDS[error.errno])
    return error.strerror or str(error)


def blamed(error: OSError, path: object, *, writing: bool) -> OSError:
    """`error`, raised reading (or `writing`) the file at `path` once it was open, which the
    system says without a name: with `path` as its name and what crm was doing, so that the
    error boundary blames that file (`cannot read IN.csv`, `could not write OUT.csv`), never
    standard output, the output for a file read nor the input for a file written."""
    if error.filename is None:
        error.filename = str(path)
    error.writing = writing  # type: ignore[attr-defined]
    return error


class File(io.FileIO):
    """A file crm reads (mode "r": an input file, `--ids-from FILE`) or writes (mode "w": the
    temporary file an output is written to) once it is open, whose errors (a block that
    cannot be read, `/proc/self/mem`; a full or failing disk) name `given`, the file the
    user named (`blamed`): an input's read error blames the input, never the output, and an
    output's write error names the output, not its temporary file. Opening it raises the
    system's own OSError, with the name it was opened by."""

    def __init__(self, file: int | str | os.PathLike[str], mode: str, given: object) -> None:
        super().__init__(file, mode, closefd=True)
        self.given = given

    def readinto(self, buffer: Any) -> int | None:
        try:
            return super().readinto(buffer)
        except OSError as exc:
            raise blamed(exc, self.given, writing=False) from None

    def readall(self) -> bytes:
        try:
            return super().readall()
        except OSError as exc:
            raise blamed(exc, self.given, writing=False) from None

    def write(self, data: Any) -> int | None:
        try:
            return super().write(data)
        except OSError as exc:
            raise blamed(exc, self.given, writing=True) from None
