"""The triggers that queue customers for crmcli.store.last_contacts and
crmcli.store.summaries, whoever writes the file, and the tools to check and repair them.

Another program may write with any conflict policy, so each trigger is written to hold
under all of them:

- A queue insert says `ON CONFLICT DO NOTHING` (an upsert clause): the policy of the outer
  statement (`INSERT OR ABORT`, `OR FAIL`, `OR ROLLBACK`) overrides a trigger's own
  `INSERT OR IGNORE`, so a second row of one customer in one transaction failed, but not
  an upsert clause. (`INSERT ... WHERE NOT EXISTS` holds too, but probes the queue twice
  per row.)
- A REPLACE deletes the row it conflicts with without firing DELETE triggers (unless the
  writer turned on recursive_triggers, which other programs do not). The only UNIQUE
  constraint of the four tables is their id (tests/test_last_contacts.py asserts that), so a
  BEFORE INSERT trigger queues the owner of the row with the new id, and a BEFORE UPDATE OF
  id trigger the owner of the row an `UPDATE OR REPLACE ... SET id` would delete. Without an
  id given, NEW.id is -1 in a BEFORE INSERT trigger: the trigger is skipped then unless a
  row has the id -1 (an import pays one lookup of a missing key per row, not a trigger).

A tool that rebuilds a table drops its triggers; `crm check` names the missing ones and
`crm reindex` recreates them (and recomputes every customer).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

# table -> (queue, the name part of its triggers, the columns that place a row)
_TABLES = {
    "interactions": ("last_contacts_dirty", "last_contacts_interaction",
                     "customer_id, occurred_at, kind"),
    "feedback": ("last_contacts_dirty", "last_contacts_feedback", "customer_id, received_at"),
    "surveys": ("last_contacts_dirty", "last_contacts_survey", "customer_id, answered_at"),
    "purchases": ("purchase_summaries_dirty", "purchase_summaries",
                  "customer_id, purchased_at, amount_minor, currency"),
}  # fmt: skip


def _queue(queue: str, customer: str) -> str:
    """A statement queueing the customer whose id is the expression `customer`; it cannot
    fail, whatever the policy of the statement that fired the trigger."""
    return f"INSERT INTO {queue} (customer_id) VALUES ({customer}) ON CONFLICT DO NOTHING;"  # noqa: S608


def _owner(queue: str, table: str, id_: str) -> str:
    """A statement queueing the owner of the row of `table` whose id is `id_`, if any."""
    return (
        f"INSERT INTO {queue} (customer_id) SELECT customer_id FROM {table} "  # noqa: S608
        f"WHERE id = {id_} ON CONFLICT DO NOTHING;"
    )


def _every_customer() -> str:
    return (
        "INSERT INTO last_contacts_dirty (customer_id) SELECT id FROM customers WHERE true "
        "ON CONFLICT DO NOTHING;"
    )


def _triggers() -> dict[str, str]:
    made: dict[str, str] = {}
    for table, (queue, name, columns) in _TABLES.items():
        made[f"{name}_insert"] = (
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} BEGIN "
            f"{_queue(queue, 'NEW.customer_id')} END"
        )
        made[f"{name}_replace"] = (  # -1: no id given, unless a row has that id
            f"CREATE TRIGGER {name}_replace BEFORE INSERT ON {table} WHEN NEW.id <> -1 "  # noqa: S608
            f"OR EXISTS (SELECT 1 FROM {table} WHERE id = -1) BEGIN "
            f"{_owner(queue, table, 'NEW.id')} END"
        )
        made[f"{name}_update"] = (
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {columns} ON {table} BEGIN "
            f"{_queue(queue, 'OLD.customer_id')} {_queue(queue, 'NEW.customer_id')} END"
        )
        made[f"{name}_renumber"] = (
            f"CREATE TRIGGER {name}_renumber BEFORE UPDATE OF id ON {table} "
            f"WHEN NEW.id IS NOT OLD.id BEGIN {_owner(queue, table, 'NEW.id')} END"
        )
        made[f"{name}_delete"] = (
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} BEGIN "
            f"{_queue(queue, 'OLD.customer_id')} END"
        )
    counts = "'contact.counts'"
    made["last_contacts_counts_insert"] = (
        "CREATE TRIGGER last_contacts_counts_insert AFTER INSERT ON settings "
        f"WHEN NEW.key = {counts} BEGIN {_every_customer()} END"
    )
    made["last_contacts_counts_update"] = (
        "CREATE TRIGGER last_contacts_counts_update AFTER UPDATE ON settings "
        f"WHEN {counts} IN (OLD.key, NEW.key) AND (OLD.key IS NOT NEW.key "
        f"OR OLD.value IS NOT NEW.value) BEGIN {_every_customer()} END"
    )
    made["last_contacts_counts_delete"] = (
        "CREATE TRIGGER last_contacts_counts_delete AFTER DELETE ON settings "
        f"WHEN OLD.key = {counts} BEGIN {_every_customer()} END"
    )
    return made


TRIGGERS = _triggers()


def _present(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}


def missing_triggers(conn: sqlite3.Connection) -> list[str]:
    """The queue triggers the file lacks (for `crm check`)."""
    present = _present(conn)
    return [name for name in TRIGGERS if name not in present]


def install_triggers(conn: sqlite3.Connection) -> list[str]:
    """Create the queue triggers the file lacks, inside the caller's transaction; returns
    their names."""
    missing = missing_triggers(conn)
    for name in missing:
        conn.execute(TRIGGERS[name])
    return missing


def queue_everyone(conn: sqlite3.Connection) -> None:
    """Queue every customer in both queues: the next sync recomputes every last contact and
    every purchase summary (`crm reindex`, after another program's writes the triggers
    missed)."""
    for queue in ("last_contacts_dirty", "purchase_summaries_dirty"):
        conn.execute(
            f"INSERT INTO {queue} (customer_id) SELECT id FROM customers WHERE id NOT IN "  # noqa: S608 - fixed names
            f"(SELECT customer_id FROM {queue})"
        )


@contextmanager
def appending(conn: sqlite3.Connection, table: str) -> Iterator[None]:
    """Queue the owners of the rows appended to `table` inside the block once, by one
    INSERT ... SELECT after it, instead of by `table`'s insert triggers row by row: for
    imports of many rows, where the two triggers (the queue insert and the BEFORE INSERT
    check of a row with the id -1) cost about as much as storing the row itself. The insert
    triggers are dropped for the block and made again before it ends, with the very SQL
    they were made with, inside the caller's transaction (a failure rolls that back too).
    Only appends without an id belong inside the block (no REPLACE of a row there before);
    updates and deletes are queued as usual, their triggers stay. A table whose insert
    trigger is missing (another tool dropped it; `crm check` says so) queues nothing more
    than it did."""
    queue, name, _columns = _TABLES[table]
    names = (f"{name}_insert", f"{name}_replace")
    found = dict(
        conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)",
            names,
        ).fetchall()
    )
    if names[0] not in found:
        yield
        return
    before = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()[0]  # noqa: S608
    for trigger in found:
        conn.execute(f"DROP TRIGGER {trigger}")
    try:
        yield
    finally:
        for trigger in names:
            if trigger in found:
                conn.execute(found[trigger])
    conn.execute(
        f"INSERT INTO {queue} (customer_id) SELECT DISTINCT customer_id FROM {table} "  # noqa: S608 - fixed names
        "WHERE rowid > ? ON CONFLICT DO NOTHING",
        (before,),
    )
