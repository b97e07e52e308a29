"""The change feed (`crm changes`), read from the history (crmcli.store.history); the hooks
(crmcli.store.hooks) are given the same rows.

Each history row is one changed record; the feed prints one line per changed field: the
history row's id (stable and increasing, so a follower resumes with `--since ID`), when,
which command, the table and record, the field, and its old and new values. Sensitive
values are masked unless `reveal`. A bulk import appears as one `bulk_insert` line naming
the id range; a customer `crm forget` erased appears as one `delete` line of `customers`
with no field and no values.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import Any, TypedDict

from crmcli.store import history

COLUMNS = (
    "id", "changeset_id", "at", "command", "table", "record_id", "customer_id", "customer_name",
    "op", "field", "old", "new",
)  # fmt: skip
NOISE = {"updated_at", "version"}  # bookkeeping every update touches


def since_id(conn: sqlite3.Connection, since: str, parse_when: Any) -> int:
    """The history id to start after: a number is an id; anything else a date or time."""
    text = since.strip()
    if text.isdigit():
        return int(text)
    moment: datetime = parse_when(text)
    row = conn.execute(
        "SELECT max(h.id) FROM history h JOIN changesets c ON c.id = h.changeset_id WHERE c.at < ?",
        (moment.replace(microsecond=0).isoformat(),),
    ).fetchone()
    return row[0] or 0


class Change(TypedDict):
    """One changed field of one history row (`crm changes`, the hooks' input)."""

    id: int  # the history row's
    changeset_id: int  # as `crm history` and `crm undo` name it
    at: str
    command: str
    table: str
    record_id: int
    customer_id: int | None
    customer_name: str | None
    op: str
    field: str
    old: Any  # a column's value: any SQLite type (bytes as x'hex')
    new: Any


def feed(
    conn: sqlite3.Connection, after: int, *, reveal: bool = False, changeset: int | None = None
) -> Iterator[Change]:
    """One dict per changed field of every history row with id > `after` (or of one
    changeset), in id order, streamed."""
    sql = (
        "SELECT h.id, h.changeset_id, c.at, c.command, h.table_name, h.row_id, h.customer_id, "
        "cu.name, h.op, h.old, h.new, s.old, s.new FROM history h "
        "JOIN changesets c ON c.id = h.changeset_id "
        "LEFT JOIN history_secrets s ON s.history_id = h.id "
        "LEFT JOIN customers cu ON cu.id = h.customer_id "
    )
    if changeset is None:
        rows = conn.execute(sql + "WHERE h.id > ? ORDER BY h.id", (after,))
    else:
        rows = conn.execute(sql + "WHERE h.changeset_id = ? ORDER BY h.id", (changeset,))
    for (
        hid,
        changeset_id,
        at,
        command,
        table,
        row_id,
        customer_id,
        who,
        op,
        old_text,
        new_text,
        *clear,
    ) in rows:
        old, new = history.images(table, old_text, new_text, tuple(clear), reveal=reveal)
        old, new = old or {}, new or {}
        base = {"id": hid, "changeset_id": changeset_id, "at": at, "command": command,
                "table": table, "record_id": row_id, "customer_id": customer_id,
                "customer_name": who, "op": op}  # fmt: skip
        if op == "update":
            names = [k for k in new if old.get(k) != new[k] and k not in NOISE]
        elif not old and not new:  # a record `crm forget` erased: no values left to show
            names = [None]
        else:
            names = [k for k in (new or old) if (new or old)[k] is not None]
        for name in names:
            yield {**base, "field": name, "old": old.get(name), "new": new.get(name)}
