"""A customer's data as a whole: everything we hold on one person (a data-subject request),
and erasing it completely (`crm forget`, GDPR Art. 17 / PIPL Art. 47).

Both work from the schema, not from a list of tables, so tables added by later features
are covered with no extra code: a customer's rows are the `customers` row and every row of
a table with a `customer_id` column pointing at them; rows of *other* customers that point
at them through another column (`referred_by`, `customer_relations.related_id`) are
references to them.

Erasing (forget_customer, inside one transaction) deletes their rows, the rows that refer
to them (a relation "spouse: #12" of another customer; `referred_by` is set to NULL), the
tags only they carried, and every history entry about any of those rows, and then rebuilds
every FTS5 index from its content so no token of theirs stays in its segments. After the
commit, `crmcli.store.db.compact` rewrites the file (VACUUM, with secure_delete on) and
empties the WAL (checkpoint TRUNCATE): the bytes are then gone from the database and its
-wal file.
Backups and exports made before remain as they were; the command says so.
"""

from __future__ import annotations

import sqlite3
from typing import Any, TypedDict

from crmcli.core.i18n import _
from crmcli.store.history import (
    images,
    quote_ident,
    recorded_tables,
    shown_values,
)

SKIPPED = ("changesets", "history", "history_control", "settings")


def _table_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({quote_ident(table)})")]


def owned_tables(conn: sqlite3.Connection) -> list[str]:
    """Tables whose rows belong to one customer through a `customer_id` column."""
    return [
        t
        for t in recorded_tables(conn)
        if t not in SKIPPED and t != "customers" and "customer_id" in _table_columns(conn, t)
    ]


def referring_columns(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(table, column) of every foreign key to customers(id) other than `customer_id`."""
    found = []
    for table in recorded_tables(conn):
        if table in SKIPPED:
            continue
        for fk in conn.execute(f"PRAGMA foreign_key_list({quote_ident(table)})"):
            if fk[2] == "customers" and fk[3] != "customer_id":
                found.append((table, fk[3]))
    return found


# A stored row as JSON: its keys are whichever columns its table has (open by design).
Row = dict[str, Any]


class SubjectChange(TypedDict):
    """One history entry about the customer, in their subject export."""

    at: str
    command: str
    table: str
    row_id: int
    op: str
    old: Row | None
    new: Row | None


class SubjectData(TypedDict):
    """Everything held on one customer (`crm export-subject`), as JSON-able values."""

    customer: Row
    tags: list[str]
    records: dict[str, list[Row]]  # by table name
    history: list[SubjectChange]


def _mask(row: Row, reveal: bool, table: str) -> Row:
    return shown_values(row, reveal, table) or {}


def subject_data(
    conn: sqlite3.Connection, customer_id: int, *, reveal: bool = False
) -> SubjectData:
    """Everything held on one customer, as plain JSON-able values: their `customers` row,
    every row of every table that belongs to them (by table name), the names of their tags,
    and the change history of their records. Sensitive values are masked unless `reveal`.
    Money is as stored: integer minor units (`*_minor`) with its currency. Raises NotFound.
    """
    from crmcli.core.errors import NotFound

    row = conn.execute("SELECT * FROM customers WHERE id = ?", (customer_id,)).fetchone()
    if row is None:
        raise NotFound(_("no customer with id {customer_id}").format(customer_id=customer_id))
    customer = dict(row)
    customer.pop("name_key", None)
    records: dict[str, list[Row]] = {}
    for table in owned_tables(conn):
        rows = conn.execute(
            f"SELECT * FROM {quote_ident(table)} WHERE customer_id = ? ORDER BY rowid",  # noqa: S608
            (customer_id,),
        ).fetchall()
        if rows:
            records[table] = [_mask(dict(r), reveal, table) for r in rows]
    tags = [
        r[0]
        for r in conn.execute(
            "SELECT t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
            "WHERE ct.customer_id = ? ORDER BY t.name",
            (customer_id,),
        )
    ]
    history: list[SubjectChange] = []
    for h in conn.execute(
        "SELECT c.at, c.command, h.table_name, h.row_id, h.op, h.old, h.new, s.old AS s_old, "
        "s.new AS s_new FROM history h JOIN changesets c ON c.id = h.changeset_id "
        "LEFT JOIN history_secrets s ON s.history_id = h.id WHERE h.customer_id = ? ORDER BY h.id",
        (customer_id,),
    ):
        clear = (h["s_old"], h["s_new"])
        old, new = images(h["table_name"], h["old"], h["new"], clear, reveal=reveal)
        history.append(
            {
                "at": h["at"],
                "command": h["command"],
                "table": h["table_name"],
                "record_id": h["row_id"],
                "op": h["op"],
                "old": old,
                "new": new,
            }
        )
    return {
        "customer": _mask(customer, reveal, "customers"),
        "tags": tags,
        "records": records,
        "history": history,
    }


def _erase_history(conn: sqlite3.Connection, people: list[int], changeset: int | None) -> int:
    """Delete every history entry that describes `people` (the forgotten customer and those
    merged into them), inside forget's changeset; returns how many. Those are: the entries of
    their records; the entries of every row this changeset deleted (rows moved to them by a
    merge, whose older entries name someone else); this changeset's own entries (they hold
    the deleted values); and, whole, every changeset that deleted one of their customer rows
    (a merge into someone else, or into them) and the undo of it: a merge's entries of the
    other customer (notes and values taken from them) describe them too. Other customers'
    rows this erase only updated (referred_by cleared) keep their earlier history. Their
    clear national IDs, kept for undo in history_secrets, go with the entries."""
    marks = ",".join("?" * len(people))
    merges = (
        "SELECT changeset_id FROM history WHERE table_name = 'customers' "  # noqa: S608
        f"AND op = 'delete' AND row_id IN ({marks}) AND changeset_id IS NOT ?"
    )
    return conn.execute(
        f"DELETE FROM history WHERE customer_id IN ({marks}) OR changeset_id IS ? OR "  # noqa: S608
        "(table_name, row_id) IN (SELECT table_name, row_id FROM history "
        "WHERE changeset_id IS ? AND op = 'delete') "
        f"OR changeset_id IN ({merges}) "
        f"OR changeset_id IN (SELECT id FROM changesets WHERE reverts IN ({merges}))",
        [*people, changeset, changeset, *people, changeset, *people, changeset],
    ).rowcount


def forget_customer(conn: sqlite3.Connection, customer_id: int) -> dict[str, int]:
    """Erase customer `customer_id` and every trace of them, inside the caller's
    transaction (a changeset that keeps no history and cannot be undone). Returns counts:
    records (rows deleted), references (other rows cleared or deleted), history (entries
    erased), indexes (FTS5 indexes rebuilt). Compact the file after the commit
    (crmcli.store.db.compact)."""
    from crmcli.core.errors import NotFound
    from crmcli.store import history
    from crmcli.store.backup import fts_tables

    if conn.execute("SELECT 1 FROM customers WHERE id = ?", (customer_id,)).fetchone() is None:
        raise NotFound(_("no customer with id {customer_id}").format(customer_id=customer_id))
    changeset = history.current(conn)
    counts = {"records": 0, "references": 0, "history": 0, "indexes": 0}
    # The customers merged into them (`crm merge`) were the same person: their history goes too.
    merged = [
        r[0]
        for r in conn.execute(
            "SELECT merged_id FROM customer_merges WHERE customer_id = ?", (customer_id,)
        )
    ]
    tag_ids = [
        r[0]
        for r in conn.execute(
            "SELECT tag_id FROM customer_tags WHERE customer_id = ?", (customer_id,)
        )
    ]
    # Rows of other customers that point at them: a customer's own referrer is cleared,
    # anything else (a relation "spouse: #12") describes them and goes.
    for table, column in referring_columns(conn):
        if table == "customers":
            sql = (
                f"UPDATE customers SET {quote_ident(column)} = NULL WHERE {quote_ident(column)} = ?"  # noqa: S608
            )
        else:
            sql = f"DELETE FROM {quote_ident(table)} WHERE {quote_ident(column)} = ?"  # noqa: S608
        counts["references"] += conn.execute(sql, (customer_id,)).rowcount
    # Other customers' related people named (not linked) with this customer's name.
    name = conn.execute("SELECT name FROM customers WHERE id = ?", (customer_id,)).fetchone()[0]
    counts["references"] += conn.execute(
        "DELETE FROM customer_relations WHERE customer_id != ? AND related_id IS NULL "
        "AND lower(trim(name)) = lower(trim(?))",
        (customer_id, name),
    ).rowcount
    # Their own rows, also in tables without ON DELETE CASCADE.
    for table in owned_tables(conn):
        counts["records"] += conn.execute(
            f"DELETE FROM {quote_ident(table)} WHERE customer_id = ?",  # noqa: S608
            (customer_id,),
        ).rowcount
    counts["records"] += conn.execute("DELETE FROM customers WHERE id = ?", (customer_id,)).rowcount
    from crmcli.records.tags import delete_tag

    for tag_id in tag_ids:  # a tag nobody else carries was theirs alone
        if not conn.execute("SELECT 1 FROM customer_tags WHERE tag_id = ?", (tag_id,)).fetchone():
            delete_tag(conn, tag_id)
    if history.has_history(conn):
        counts["history"] = _erase_history(conn, [customer_id, *merged], changeset)
        # What stays of them: that a customer with this id was erased, for the change feed
        # and the on-delete hook (a follower must erase its own copy too).
        conn.execute(
            "INSERT INTO history (changeset_id, table_name, row_id, customer_id, op) "
            "VALUES (?, 'customers', ?, ?, 'delete')",
            (changeset, customer_id, customer_id),
        )
        history.mark_not_undoable(conn)
    from crmcli.store import search

    search.sync(conn)  # take the erased rows out of the search index before rebuilding it
    search.require_whole(conn)  # a search table that is not whole cannot be rebuilt
    for name in fts_tables(conn):
        counts["indexes"] += 1
        quoted = quote_ident(name)
        if "customer_id" in _table_columns(conn, name):  # an index keyed by customer
            conn.execute(f"DELETE FROM {quoted} WHERE customer_id = ?", (customer_id,))  # noqa: S608
        try:
            conn.execute(f"INSERT INTO {quoted}({quoted}) VALUES ('rebuild')")  # noqa: S608
        except sqlite3.OperationalError:  # contentless: rebuild is impossible, merge instead
            conn.execute(f"INSERT INTO {quoted}({quoted}) VALUES ('optimize')")  # noqa: S608
    return counts
