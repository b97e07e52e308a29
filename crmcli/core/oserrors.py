"""What the operating system said went wrong (an OSError), in the run's language.

English says the system's own words, as it always has (`No space left on device`); another
language says the common ones in its own words (`磁盘空间不足`), looked up by errno, and an
uncommon one in the system's words, which is all there is to say of it. Every place crm
quotes an OSError to a person takes its words from `reason`.
"""

from __future__ import annotations

import errno
import os

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
