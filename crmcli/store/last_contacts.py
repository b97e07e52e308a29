"""Each customer's last contact, kept current by the unit of work, and what counts as one.

Contact is what the setting `contact.counts` names (crmcli.records.contact validates it):
the interaction kinds but a note (a note is written about a customer, not exchanged with
them), and what the customer does with you: a purchase line (a refund too: it is an
exchange with them), a feedback item received, a survey answer. By default every word
counts. Each word reads one table at the column of its moment; the SQL here is built from
those names only, never from what a user typed.

Stored moments carry the offset they had (daylight saving, travel), so they are compared as
instants: julianday() per row (the same instant as datetime(), without formatting text for
each row). `last_contacts` holds, per customer with a contact, the latest of them as a
julian day (UTC); a customer without one has no row. The daily commands and the dashboard
read it by primary key instead of reading the (customer, time) index of each counted table.

Keeping it current works as the purchase summaries do (crmcli.store.summaries): triggers
queue in `last_contacts_dirty` the customer of every interaction, feedback item and survey
answer inserted, moved, re-dated or deleted, whoever wrote it (an edit, an import, a merge,
an undo, a cascade delete, forget), and every customer when `contact.counts` changes;
purchase lines are already queued in `purchase_summaries_dirty` (no second trigger on the
largest table). `sync()` recomputes the customers of both queues in the same transaction
just before COMMIT (crmcli.store.db.write, before the summaries empty their queue) and
after a migration. A reader that finds a queue not empty (another program changed the file,
or a write not yet committed) reads the counted tables instead (`last_at`).
"""

from __future__ import annotations

import sqlite3

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
QUEUES = ("last_contacts_dirty", "purchase_summaries_dirty")


def counts(conn: sqlite3.Connection) -> tuple[str, ...]:
    """What counts as contact now: the setting, or every word."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (SETTING,)).fetchone()
    if row is None:
        return WORDS
    return tuple(w for w in row[0].split(",") if w in SOURCES)  # a newer version's word: skip


def moments(conn: sqlite3.Connection, select: str, where: str) -> str:
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


def computed(conn: sqlite3.Connection, customer: str) -> str:
    """An SQL expression: the last contact (a julian day, UTC, or NULL) of the customer
    whose id is `customer` (a column or parameter from the caller's code), computed from
    the (customer_id, time) index of each counted table."""
    latest = moments(conn, "max(julianday({at})) AS at", f"customer_id = {customer}")
    return f"(SELECT max(at) FROM ({latest}))"  # noqa: S608 - fixed names


def is_current(conn: sqlite3.Connection) -> bool:
    """Whether `last_contacts` holds every customer's last contact: nothing is queued."""
    return all(
        conn.execute(f"SELECT 1 FROM {queue} LIMIT 1").fetchone() is None  # noqa: S608
        for queue in QUEUES
    )


def last_at(conn: sqlite3.Connection, customer: str) -> str:
    """An SQL expression: the last contact (a julian day, UTC, or NULL) of the customer
    whose id is `customer` (a column or parameter from the caller's code): read from
    `last_contacts` when it is current, else computed from the counted tables."""
    if is_current(conn):
        return f"(SELECT at FROM last_contacts WHERE customer_id = {customer})"  # noqa: S608
    return computed(conn, customer)


def sync(conn: sqlite3.Connection) -> int:
    """Recompute the last contact of every customer queued (in either queue), inside the
    caller's transaction, and empty `last_contacts_dirty` (crmcli.store.summaries empties
    the other); returns how many customers. Cheap when nothing is queued."""
    if is_current(conn):
        return 0
    queued = " UNION ".join(f"SELECT customer_id FROM {q}" for q in QUEUES)  # noqa: S608
    conn.execute(f"DELETE FROM last_contacts WHERE customer_id IN ({queued})")  # noqa: S608
    done = conn.execute(
        "INSERT INTO last_contacts (customer_id, at) "  # noqa: S608 - fixed names
        f"SELECT customer_id, at FROM (SELECT q.customer_id, {computed(conn, 'q.customer_id')}"
        f" AS at FROM ({queued}) q) WHERE at IS NOT NULL"
    ).rowcount
    conn.execute("DELETE FROM last_contacts_dirty")
    return done


def differing(conn: sqlite3.Connection) -> int | None:
    """How many customers' stored last contact is not the one their records give (`crm
    check`); None when a queue is not empty: the next write recomputes those anyway."""
    if not is_current(conn):
        return None
    stored = "(SELECT at FROM last_contacts WHERE customer_id = c.id)"
    return conn.execute(
        f"SELECT count(*) FROM customers c WHERE {stored} IS NOT {computed(conn, 'c.id')}"  # noqa: S608
    ).fetchone()[0]
