"""The change feed (`crm changes`) and hooks, both read from the history (crmcli.store.history).

Each history row is one changed record; the feed prints one line per changed field: the
history row's id (stable and increasing, so a follower resumes with `--since ID`), when,
which command, the table and record, the field, and its old and new values. Sensitive
values are masked unless `reveal`. A bulk import appears as one `bulk_insert` line naming
the id range.

Hooks: executables named `on-add`, `on-modify` or `on-delete` in a `hooks` folder beside the
database run after a write command commits, each at most once per command, with the
command's changes as one JSON document on stdin. They run after the commit, so a failing
hook is reported and never undoes anything.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

from crmcli.store import history

COLUMNS = (
    "id", "at", "command", "table", "record_id", "customer_id", "op", "field", "old", "new",
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
    at: str
    command: str
    table: str
    record_id: int
    customer_id: int | None
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
        "SELECT h.id, c.at, c.command, h.table_name, h.row_id, h.customer_id, h.op, h.old, "
        "h.new FROM history h JOIN changesets c ON c.id = h.changeset_id "
    )
    if changeset is None:
        rows = conn.execute(sql + "WHERE h.id > ? ORDER BY h.id", (after,))
    else:
        rows = conn.execute(sql + "WHERE h.changeset_id = ? ORDER BY h.id", (changeset,))
    for hid, at, command, table, row_id, customer_id, op, old_text, new_text in rows:
        old = history.shown_values(history.decode_record(old_text), reveal) or {}
        new = history.shown_values(history.decode_record(new_text), reveal) or {}
        if op == "update":
            names = [k for k in new if old.get(k) != new[k] and k not in NOISE]
        else:
            names = [k for k in (new or old) if (new or old)[k] is not None]
        for name in names:
            yield {"id": hid, "at": at, "command": command, "table": table,
                   "record_id": row_id, "customer_id": customer_id, "op": op,
                   "field": name, "old": old.get(name), "new": new.get(name)}  # fmt: skip


HOOKS = ("on-add", "on-modify", "on-delete")


def _events(rows: list[Change]) -> dict[str, set[int]]:
    """Which hook each changed customer calls: added, deleted (archived or erased), else
    modified."""
    added, deleted, touched = set(), set(), set()
    for row in rows:
        customer = row["customer_id"]
        if customer is None:
            continue
        touched.add(customer)
        if row["table"] == "customers":
            if row["op"] == "insert":
                added.add(customer)
            elif row["op"] == "delete" or (row["field"] == "archived_at" and row["new"]):
                deleted.add(customer)
    return {
        "on-add": added,
        "on-delete": deleted - added,
        "on-modify": touched - added - deleted,
    }


def run_hooks(db_path: Path, conn: sqlite3.Connection, changeset: int) -> list[str]:
    """Run the hooks for a committed changeset; returns one problem line per failed hook."""
    folder = db_path.parent / "hooks"
    present = [h for h in HOOKS if os.access(folder / h, os.X_OK)]
    if not present:
        return []
    rows = list(feed(conn, 0, changeset=changeset))
    if not rows:
        return []
    events = _events(rows)
    problems = []
    for hook in present:
        customers = sorted(events[hook])
        if not customers:
            continue
        payload = {
            "event": hook[3:],
            "command": rows[0]["command"],
            "at": rows[0]["at"],
            "customer_ids": customers,
            "changes": [r for r in rows if r["customer_id"] in events[hook]],
        }
        try:
            done = subprocess.run(
                [str(folder / hook)],
                input=json.dumps(payload, ensure_ascii=False),
                text=True,
                capture_output=True,
                timeout=30,
                check=False,
            )
            if done.returncode != 0:
                problems.append(f"hook {hook} failed (exit {done.returncode}); the change is kept")
        except (OSError, subprocess.TimeoutExpired) as exc:
            problems.append(f"hook {hook} could not run ({exc}); the change is kept")
    return problems
