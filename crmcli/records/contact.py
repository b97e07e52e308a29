"""What counts as contact with a customer, and each customer's last contact: the one
definition that cadences, `crm remind`, `crm today`, `crm show`, the `--where` fields
`last_contact_on` and `days_since_contact`, and the detractors of `crm report
satisfaction` share.

Contact is what the setting `contact.counts` names (records.config validates it with
`clean_counts`), from WORDS: the interaction kinds but a note (a note is written about a
customer, not exchanged with them), and what the customer does with you: a purchase line
(a refund too: it is an exchange with them), a feedback item received, a survey answer.
By default every word counts. Each word reads one table at the column of its moment; the
SQL here is built from those names only, never from what a user typed.

Stored moments carry the offset they had (daylight saving, travel), so they are compared
as instants: julianday() per table (the same instant as datetime(), without formatting
text for each row), converted once per customer. Each customer's last contact is read from
the (customer_id, time) index of each counted table (`latest`), so reading it costs in
proportion to the customers asked for, never a pass over every customer.

The module imports only core: records.config, records.filters and records.interactions
import it.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import _

# The interaction kinds that are contact (records.interactions adds `note`).
CONTACT_KINDS = ("call", "email", "meeting", "visit", "message")
# Each word of `contact.counts`: its table and the column of its moment.
SOURCES = {
    **{kind: ("interactions", "occurred_at") for kind in CONTACT_KINDS},
    "purchase": ("purchases", "purchased_at"),
    "feedback": ("feedback", "received_at"),
    "survey": ("surveys", "answered_at"),
}
WORDS = tuple(SOURCES)
SETTING = "contact.counts"


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


def counts(conn: sqlite3.Connection) -> tuple[str, ...]:
    """What counts as contact now: the setting, or every word. Read from the settings
    table here, as records.config (which imports this module) stores it."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (SETTING,)).fetchone()
    if row is None:
        return WORDS
    return tuple(w for w in row[0].split(",") if w in SOURCES)  # a newer version's word: skip


def _moments(conn: sqlite3.Connection, select: str, where: str) -> str:
    """A UNION ALL of one `SELECT customer_id, {select} FROM table WHERE {where}` per
    table that holds something counted, `{at}` in `select` and `where` standing for that
    table's moment column. Every name comes from SOURCES, so the kinds are inlined."""
    counted = counts(conn)
    parts = []
    for table in dict.fromkeys(t for t, _kind in SOURCES.values()):
        words = [w for w in counted if SOURCES[w][0] == table]
        if not words:
            continue
        at = SOURCES[words[0]][1]
        test = where.format(at=at)
        if table == "interactions":
            test += f" AND kind IN ({', '.join(repr(w) for w in words)})"
        columns = f"customer_id, {select.format(at=at)}"
        parts.append(f"SELECT {columns} FROM {table} WHERE {test}")  # noqa: S608
    return " UNION ALL ".join(parts) or "SELECT NULL AS customer_id, NULL AS at WHERE 0"


def last_contact(conn: sqlite3.Connection, customer_id: int) -> datetime | None:
    """One customer's last contact as a local date-time, or None."""
    row = conn.execute(
        f"SELECT datetime(max(at)) FROM ({latest(conn, ':id')})",  # noqa: S608
        {"id": customer_id},
    ).fetchone()
    return from_utc(row[0]) if row[0] else None


def latest(conn: sqlite3.Connection, customer: str) -> str:
    """SQL rows `(customer_id, at)`: the latest contact (a julian day, UTC) of the customer
    whose id is `customer` (a column such as `c.id` or a parameter such as `:id`, from the
    caller's code), one row per table; `max(at)` of them is the last contact."""
    return _moments(conn, "max(julianday({at})) AS at", f"customer_id = {customer}")


def contacted_after(conn: sqlite3.Connection, customer: str, moment: str) -> str:
    """An SQL condition: the customer whose id is in column `customer` had contact strictly
    after the moment in column `moment` (column names from the caller's code)."""
    moments = _moments(
        conn, "1", f"customer_id = {customer} AND datetime({{at}}) > datetime({moment})"
    )
    return f"EXISTS ({moments})"


def from_utc(text: str) -> datetime:
    """SQLite's `datetime()` (UTC, `YYYY-MM-DD HH:MM:SS`) as a local date-time."""
    return datetime.fromisoformat(text + "+00:00").astimezone()
