"""How a notice reaches the person: a line the store says about the file while a command
runs (a mode tightened, a leftover copy: crmcli.store.guard `notice`) and that stops
nothing.

The store does not know the terminal; the command line does. By default a notice is one
line on stderr; the command line gives each run its own way to say it (`speak_with`), which
on a terminal wraps it to the width as it wraps an error (crmcli/cli/output.py), and into a
pipe keeps it one line, as scripts read it. A context variable, as the run's language is
(crmcli.core.i18n), so runs in one process (tests) do not share it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextvars import ContextVar

_speaker: ContextVar[Callable[[str], None] | None] = ContextVar("crm_notices", default=None)


def speak_with(say: Callable[[str], None] | None) -> None:
    """Say this run's notices with `say`, given the message alone (it writes the `crm: `
    before it); None: one `crm: ...` line on stderr."""
    _speaker.set(say)


def say(message: str) -> None:
    """Say `message` to the person, as this run says its notices."""
    speaker = _speaker.get()
    if speaker is None:
        sys.stderr.write(f"crm: {message}\n")
        sys.stderr.flush()
        return
    speaker(message)
