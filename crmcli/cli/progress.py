"""A long operation's phase and progress, drawn on stderr when it is a terminal (see
crmcli.core.progress for what services report).

In a pipe, with --quiet, or under TERM=dumb, `watching` hands out `SILENT` and rich is not
even imported: a script pays nothing. On a terminal one transient line shows the phase in
words, a bar (pulsing while the length is unknown, never a stuck 100 %), how far, and the
time elapsed. It is erased when the block ends, before the command prints its results or
starts the pager. A `delay` (reports) draws nothing until the operation has run that long:
a fast run shows nothing at all.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from crmcli.cli.output import console, is_terminal
from crmcli.core.i18n import _
from crmcli.core.progress import SILENT, Progress

REPORT_DELAY = 1.0  # seconds a report runs before its phase is shown
# The progress lines drawn now: the terminal is the process's, whatever command draws on it.
_LIVE: list[Shown] = []


@contextmanager
def above() -> Iterator[None]:
    """Lines written to stderr inside the block (a notice, a warning) start at the left of
    a clean line: a progress line drawn now is erased first and drawn again after them."""
    live = [shown for shown in _LIVE if shown.pause()]
    try:
        yield
    finally:
        for shown in live:
            shown.resume()


@contextmanager
def watching(
    *, quiet: bool = False, no_color: bool = False, delay: float = 0.0, lazily: bool = False
) -> Iterator[Progress]:
    """A Progress drawn on stderr for the block when stderr is a terminal (unless `quiet`),
    else SILENT; `delay` seconds pass before anything is drawn. `lazily`: nothing at all
    (no timer, no thread) until a first phase is reported, for work that seldom happens
    (the upgrade of an older database when a command opens it)."""
    if quiet or not is_terminal(sys.stderr) or os.environ.get("TERM") == "dumb":
        yield SILENT
        return
    shown: Shown | Lazy = (Lazy if lazily else Shown)(no_color=no_color, delay=delay)
    try:
        yield shown
    finally:
        shown.close()


def upgrading(no_color: bool) -> AbstractContextManager[Progress]:
    """The Progress of opening the database: the phases of upgrading an older file, drawn
    at once (an upgrade runs once per file and release, and on a large file for seconds),
    erased as soon as the file is open; nothing when no upgrade is needed."""
    return watching(no_color=no_color, lazily=True)


class Lazy(Progress):
    """A `Shown` made at the first phase reported, and only then."""

    def __init__(self, *, no_color: bool, delay: float) -> None:
        self._no_color, self._delay = no_color, delay
        self._shown: Shown | None = None

    def phase(self, name: str, total: int | None = None) -> None:
        if self._shown is None:
            self._shown = Shown(no_color=self._no_color, delay=self._delay)
        self._shown.phase(name, total)

    def advance(self, done: int, note: str | None = None) -> None:
        if self._shown is not None:
            self._shown.advance(done, note)

    def close(self) -> None:
        if self._shown is not None:
            self._shown.close()


class Shown(Progress):
    """The progress line on a terminal's stderr (rich), started at once or after `delay`."""

    def __init__(self, *, no_color: bool, delay: float) -> None:
        self._lock = threading.Lock()
        self._no_color = no_color
        self._name, self._total, self._done, self._note = _("starting"), None, 0, ""
        self._bar: Any = None
        self._task: Any = None
        self._closed = False
        self._timer: threading.Timer | None = None
        if delay <= 0:
            self._start()
        else:
            self._timer = threading.Timer(delay, self._start)
            self._timer.daemon = True
            self._timer.start()

    def _start(self) -> None:
        with self._lock:
            if self._closed:
                return
            from rich.progress import (
                BarColumn,
                SpinnerColumn,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as Bar

            self._bar = Bar(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TextColumn("{task.fields[note]}"),
                TimeElapsedColumn(),
                console=console(stderr=True, no_color=self._no_color),
                transient=True,
                # Data on stdout stays data: rich would otherwise print it on stderr, above
                # the bar.
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._bar.start()
            _LIVE.append(self)
            self._show()

    def _show(self) -> None:
        """The current phase as the bar's one task (a new task: rich keeps a total once set),
        drawn at once: a phase shorter than rich's refresh is still seen."""
        if self._task is not None:
            self._bar.remove_task(self._task)
        self._task = self._bar.add_task(
            self._name, total=self._total, completed=self._done, note=self._note
        )
        self._bar.refresh()

    def phase(self, name: str, total: int | None = None) -> None:
        with self._lock:
            self._name, self._total, self._done, self._note = name, total, 0, ""
            if self._bar is not None:
                self._show()

    def advance(self, done: int, note: str | None = None) -> None:
        with self._lock:
            self._done = done
            if note is None and self._total is None and done:
                note = f"{done:,}"
            self._note = note or ""
            if self._bar is not None:
                self._bar.update(self._task, completed=done, note=self._note)

    def pause(self) -> bool:
        """Erase the line (the lock is held until `resume`); False when nothing is drawn."""
        self._lock.acquire()
        if self._bar is None:
            self._lock.release()
            return False
        self._bar.stop()
        return True

    def resume(self) -> None:
        assert self._bar is not None
        self._bar.start()
        self._bar.refresh()
        self._lock.release()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            self._closed = True
            if self._bar is not None:
                self._bar.stop()
                self._bar = None
                _LIVE.remove(self)
