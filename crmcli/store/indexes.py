"""A table's indexes set aside while a bulk insert adds many rows to it.

An index is kept in order row by row: each inserted row finds its place in every index of
the table. While an index fits the page cache that is cheap; once it does not (purchases
at a few million lines), each row reads and rewrites pages of its own, and an insert of
three million purchase lines into a million spent 75 s of its 87 s of CPU on that. Made
again after the insert, an index is built by one sort: 16 s for all four. So a bulk insert
that adds many rows against what the table holds drops its indexes first and makes them
again, with the very SQL they were made with, inside the caller's transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from crmcli.store.history import quote_ident

# Set aside when adding at least this many rows and at least a quarter of what the table
# holds: below, the indexes' pages stay in the cache and rebuilding would cost more.
LEAST = 100_000
SHARE = 4


@contextmanager
def set_aside(conn: sqlite3.Connection, table: str, adding: int) -> Iterator[None]:
    """Run the block (which adds `adding` rows to `table`) with the table's indexes dropped
    when that is many rows, and make them again after it. When the block raises, they are
    not made again: the caller's transaction, which must then roll back, brings them back."""
    last = f"SELECT coalesce(max(rowid), 0) FROM {quote_ident(table)}"  # noqa: S608 - a name
    held = conn.execute(last).fetchone()[0]
    if adding < LEAST or adding * SHARE < held:
        yield
        return
    made = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
        "AND sql IS NOT NULL ORDER BY rowid",
        (table,),
    ).fetchall()
    for name, _ in made:
        conn.execute(f"DROP INDEX {quote_ident(name)}")
    yield
    for _, sql in made:
        conn.execute(sql)
