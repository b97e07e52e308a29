"""A table's indexes set aside while a bulk insert adds many rows to it.

An index is kept in order row by row: each inserted row finds its place in every index of
the table. While an index fits the page cache that is cheap; once it does not (purchases
at a few million lines), each row reads and rewrites pages of its own, and an insert of
three million purchase lines into a million spent 75 s of its 87 s of CPU on that. Made
again after the insert, an index is built by one sort: 16 s for all four. So a bulk insert
that adds many rows against what the table holds drops its indexes first and makes them
again, with the very SQL they were made with, inside the caller's transaction.

An import that writes as it reads (interactions) learns how many rows it adds only at the
end: `growing` sets the indexes aside once the rows written so far are many, and makes them
again over every row after the block (those written before the drop too).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
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
    with growing(conn, table) as added:
        added(adding)
        yield


@contextmanager
def growing(
    conn: sqlite3.Connection, table: str, *, least: int | None = None, share: int | None = None
) -> Iterator[Callable[[int], None]]:
    """Run the block, which appends rows to `table` as it reads them, with `added(count)`
    to call before each write with how many rows the block will have added once it is done:
    the first time that is many rows (at least `least`, and `share` times that is at least
    what the table held; LEAST and SHARE by default, as for set_aside), the table's indexes
    are dropped; they are made again after the block, over every row. When the block
    raises, they are not made again: the caller's transaction, which must then roll back,
    brings them back."""
    least = LEAST if least is None else least
    share = SHARE if share is None else share
    last = f"SELECT coalesce(max(rowid), 0) FROM {quote_ident(table)}"  # noqa: S608 - a name
    held = conn.execute(last).fetchone()[0]
    made: list[tuple[str, str]] = []
    stats: dict[str, list[tuple]] = {}
    aside = False

    def added(count: int) -> None:
        nonlocal aside, stats
        if aside or count < least or count * share < held:
            return
        aside = True
        # a unique index refuses a row as it is written: set aside, a duplicate would fail
        # the rebuild instead (a user's own: crm's purchases and interactions have none)
        unique = {
            row[1] for row in conn.execute(f"PRAGMA index_list({quote_ident(table)})") if row[2]
        }
        made.extend(
            (name, sql)
            for name, sql in conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL ORDER BY rowid",
                (table,),
            ).fetchall()
            if not _named_elsewhere(conn, name) and name not in unique
        )
        stats = _statistics(conn, [name for name, _ in made])
        for name, _ in made:
            conn.execute(f"DROP INDEX {quote_ident(name)}")

    yield added
    for _, sql in made:
        conn.execute(sql)
    for stat, rows in stats.items():  # what the user's last ANALYZE said of them, again
        marks = ", ".join("?" * len(rows[0]))
        conn.executemany(f"INSERT INTO {stat} VALUES ({marks})", rows)  # noqa: S608 - ours


def _named_elsewhere(conn: sqlite3.Connection, index: str) -> bool:
    """Whether a trigger or view of the file names the index (`INDEXED BY`): dropping it,
    even for a while, would make that trigger fail on the rows inserted."""
    return bool(
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type IN ('trigger', 'view') "
            "AND instr(lower(sql), lower(?)) LIMIT 1",
            (index,),
        ).fetchone()
    )


def _statistics(conn: sqlite3.Connection, names: list[str]) -> dict[str, list[tuple]]:
    """The ANALYZE statistics of the indexes `names` (sqlite_stat1, sqlite_stat4), which
    dropping an index deletes and making it again does not bring back."""
    out: dict[str, list[tuple]] = {}
    marks = ", ".join("?" * len(names))
    for stat in ("sqlite_stat1", "sqlite_stat4"):
        there = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (stat,)).fetchone()
        if there and names:
            rows = conn.execute(f"SELECT * FROM {stat} WHERE idx IN ({marks})", names).fetchall()  # noqa: S608
            if rows:
                out[stat] = rows
    return out
