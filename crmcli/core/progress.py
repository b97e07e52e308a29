"""How far a long operation got: the phase it is in and how much of it is done.

Services report; they never draw. A service that may run for seconds (an import, a check,
a backup, a reindex) takes a `Progress` and calls `phase(name, total)` as it starts each
step and `advance(done)` as it goes. `SILENT`, the default, does nothing, so scripts and
tests pay one method call a step. The command line draws it on a terminal's stderr
(crmcli.cli.progress); nothing else does.
"""

from __future__ import annotations

from crmcli.core.i18n import N_

# The phase of reading a file's rows: advance() counts the rows read (the command line may
# draw the share of the file's bytes read instead, which it knows and the service does not).
# Its name is a msgid: the command line shows it in the run's language.
READING = N_("reading rows")


class Progress:
    """A watcher of a long operation; this one ignores everything (see `SILENT`)."""

    def phase(self, name: str, total: int | None = None) -> None:
        """Step `name` begins (in words: "checking rows"); `total` units of work, or None
        when how long it takes is not known (a spinner and the time are shown)."""

    def advance(self, done: int, note: str | None = None) -> None:
        """`done` units of the current step are done so far (a count, not an increment);
        `note` says it in words when the units are not what a person counts ("12,000
        rows" while the bar counts bytes)."""


SILENT = Progress()
