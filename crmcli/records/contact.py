"""What counts as contact with a customer, and each customer's last contact: the one
definition that cadences, `crm remind`, `crm today`, `crm show`, the dashboard, the
`--where` fields `last_contact_on` and `days_since_contact`, and the detractors of `crm
report satisfaction` share.

The words and their tables, and the last contact kept per customer by the write path, are
crmcli.store.last_contacts's (the unit of work keeps it current, so it lives beside the
store); this module validates the `contact.counts` setting (records.config stores it) and
reads last contacts. records.config, records.filters and records.interactions import it.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import _
from crmcli.store.last_contacts import CONTACT_KINDS, SETTING, SOURCES, WORDS, last_at

__all__ = ["CONTACT_KINDS", "SOURCES", "WORDS", "clean_counts", "last_at", "last_contact"]


def clean_counts(value: str) -> str:
    """The `contact.counts` setting as stored: known words, comma-separated, in the order
    of WORDS. Raises InvalidInput naming the accepted words."""
    words = [w.strip().casefold() for w in value.split(",")]
    accepted = _(", ").join(WORDS)
    for word in words:
        if word == "note":
            raise InvalidInput(
                _("a note never counts as contact; {setting} takes: {accepted}").format(
                    setting=SETTING, accepted=accepted
                )
            )
        if word not in SOURCES:
            shown = repr(word) if word else _("an empty word")
            raise InvalidInput(
                _("{setting}: {shown} is not one of: {accepted}").format(
                    setting=SETTING, shown=shown, accepted=accepted
                )
            )
    return ",".join(w for w in WORDS if w in words)


def last_contact(conn: sqlite3.Connection, customer_id: int) -> datetime | None:
    """One customer's last contact as a local date-time, or None."""
    row = conn.execute(
        f"SELECT datetime({last_at(conn, ':id')})",
        {"id": customer_id},
    ).fetchone()
    return from_utc(row[0]) if row[0] else None


def contacted_after(conn: sqlite3.Connection, customer: str, moment: str) -> str:
    """An SQL condition: the customer whose id is in column `customer` had contact strictly
    after the moment in column `moment` (column names from the caller's code): their last
    contact is later, to the second (contact after it exists exactly when the latest is)."""
    later = f"datetime({last_at(conn, customer)}) > datetime({moment})"
    return f"coalesce({later}, 0)"  # never contacted: false, not NULL (NOT must be true)


def from_utc(text: str) -> datetime:
    """SQLite's `datetime()` (UTC, `YYYY-MM-DD HH:MM:SS`) as a local date-time."""
    return datetime.fromisoformat(text + "+00:00").astimezone()
