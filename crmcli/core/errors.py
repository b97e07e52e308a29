"""Typed errors. Each kind carries the exit code the CLI promises for it.

Services raise these; one place (crmcli.cli.app) turns them into a one-line message on
stderr and the exit code. Messages never contain a sensitive value unmasked.
"""

from __future__ import annotations


class CrmError(Exception):
    """Base of every error a user is meant to see."""

    exit_code = 1

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []  # further lines, e.g. candidates or rejected rows


class InvalidInput(CrmError):
    """Bad input: a usage error, an invalid value, an ambiguous reference (exit 2)."""

    exit_code = 2


class NotFound(CrmError):
    """The referenced customer or record does not exist (exit 3)."""

    exit_code = 3


class StorageError(CrmError):
    """The operation failed for a reason outside the input: busy, disk full, corrupt (exit 1)."""

    exit_code = 1


class Ambiguous(InvalidInput):
    """A reference matched more than one record; lists the candidates as details."""

    def __init__(self, message: str, candidates: list[dict], *, more: bool = False) -> None:
        self.more = more  # more match than the candidates listed ("10 or more")
        lines = []
        for c in candidates:
            extra = ", ".join(str(c[k]) for k in ("company", "city", "phone") if c.get(k))
            lines.append(f"{c['id']}\t{c['name']}" + (f"\t{extra}" if extra else ""))
        super().__init__(message, lines)
        self.candidates = candidates
