"""Standard input, as every command that reads it reads it: the `-` of a FILE, a REF or an
ID, `--ids-from -`, an option's `-` (`--notes -`), and the answer to a yes/no question.

What can go wrong is said one way wherever it happens:
- there is no standard input (crm was started with it closed, `<&-`): InvalidInput (exit
  2), `FILE - reads standard input, but there is none`;
- it cannot be read (a failing disk under the file it was redirected from, a terminal hung
  up, a socket never connected, /proc/PID/mem): the OSError is blamed on standard input
  (crmcli.core.oserrors `blamed`), so the error boundary says `cannot read standard input:
  Input/output error` (exit 1), never that the output could not be written;
- it is not UTF-8 text (where text is read): the UnicodeDecodeError goes to the error
  boundary, which says so (exit 2);
- it was left non-blocking by another program (one descriptor shared with it): read
  empty, it was taken for the end of the input; crm waits for its bytes instead.
An empty standard input is no error here: each caller says what empty means for it. Text
(not a file to import, which streams) past TEXT_LIMIT is refused (exit 2) instead of filling
the memory.

A directory as standard input (`crm tag vip - < folder`) never reaches crm: Python itself
refuses to start (`Fatal Python error: init_sys_streams: <stdin> is a directory, cannot
continue`, exit 1) before any of crm's code, or a site hook, runs.
"""

from __future__ import annotations

import io
import select
import sys
from typing import Any, BinaryIO

from crmcli.core import oserrors
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import _


def binary(what: str) -> BinaryIO:
    """Standard input as bytes, for `what` (the words that read it: `FILE -`, `--notes -`),
    whose read errors blame standard input (see the module docstring). Closing it leaves
    standard input open. Raises InvalidInput when there is none."""
    stream = sys.stdin
    if stream is None or stream.closed:
        raise InvalidInput(_("{what} reads standard input, but there is none").format(what=what))
    raw = getattr(stream, "buffer", None)
    if raw is None:  # a text stream without bytes underneath (a test's StringIO)
        return io.BytesIO(stream.read().encode("utf-8"))
    return io.BufferedReader(_Read(raw), 1 << 16)


# The most text read from standard input (a list of references or ids, a note): seven million
# ids, or three million names. Past it crm stops reading, rather than fill the memory with an
# input that never ends (`< /dev/zero`, `yes |`). Files to import are read as they stream.
TEXT_LIMIT = 64 * 2**20


def text(what: str) -> str:
    """All of standard input as UTF-8 text, for `what` (see `binary`), read as `as_text`
    reads a text file. Raises InvalidInput when there is none or it is longer than
    TEXT_LIMIT, the blamed OSError when it cannot be read, UnicodeDecodeError when it is not
    UTF-8."""
    with binary(what) as data:
        raw = bounded(data)
    if raw is None:
        raise InvalidInput(
            _("{what} reads standard input, which is over {size} MiB: more than it takes; "
              "nothing was changed").format(what=what, size=TEXT_LIMIT // 2**20)
        )  # fmt: skip
    return as_text(raw)


def bounded(stream: BinaryIO) -> bytes | None:
    """All of `stream` (buffered: its `read(n)` gives n bytes unless it ends), or None when
    it is longer than TEXT_LIMIT, read no further."""
    raw = stream.read(TEXT_LIMIT + 1)
    return None if len(raw) > TEXT_LIMIT else raw


def as_text(raw: bytes) -> str:
    """UTF-8 bytes as a text file is read: a byte order mark at its start (Notepad's) left
    out, and its lines ended by a newline whatever ended them (Windows' CR LF, an old Mac's
    CR), so that a list of customers or a note saved on Windows reads as one typed here.
    Raises UnicodeDecodeError when it is not UTF-8."""
    read = raw.decode("utf-8")
    return read.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def answer() -> str:
    """One line typed in answer to a question (already asked on stderr): '' at the end of
    the input. Raises the blamed OSError when it cannot be read."""
    try:
        return sys.stdin.readline()
    except OSError as exc:
        raise oserrors.blamed(exc, _("standard input"), writing=False) from None


class _Read(io.RawIOBase):
    """Standard input's binary stream, read on by `binary`: its errors blamed on standard
    input, a non-blocking descriptor waited on until it has bytes or ends."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            # read, not read1: on a non-blocking descriptor with nothing yet, read1 gives b''
            # as at the end, read gives None
            while (data := self._stream.read(len(buffer))) is None:
                select.select([self._stream], [], [])
        except OSError as exc:
            raise oserrors.blamed(exc, _("standard input"), writing=False) from None
        count = len(data)
        buffer[:count] = data
        return count
