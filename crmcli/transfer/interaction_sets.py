"""Importing interactions from a CSV file by sets, as purchase lines are
(crmcli.transfer.purchase_sets): every row checked, none in Python alone.

The rows go, as read, into a temporary table (one executemany). Each distinct value of a
mapped column is checked once, by the very function `crm log` uses (interactions.prepare,
each field alone; a customer reference resolved as the per-row path does), into small
lookup tables, and one INSERT ... SELECT joins them into the interactions: a row whose
every value passed needs no Python.

Every other row (a value that failed its check, a second customer column naming another
customer, a cell with the export's formula guard or a Windows line break, a row of our own
export that may be an interaction already here, a row the reader could not split) goes
through the importer's own per-row path (InteractionImporter.line), in file order, so it
is rejected with exactly the message and row number of that path, or stored as it would
store it. The interactions are stored in file order by one INSERT, with the table's index
set aside when the file adds many (the `adding` of crmcli.store.indexes.growing). The
caller's transaction covers it all; the temporary tables are dropped.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from crmcli.core import clock
from crmcli.core.i18n import _
from crmcli.core.text import Place
from crmcli.transfer.purchase_sets import (  # noqa: F401 - columns_fit: the importer's
    BATCH,
    ROWS,
    _lookup,
    columns_fit,
    customer_lookup,
    drive,
    lookup_tables,
)

FIELDS = (
    "customer", "also", "kind", "text", "occurred_at", "direction", "duration", "channel",
    "outcome", "id", "created_at",
)  # fmt: skip
MAPPED = "temp.crm_import_interaction_values"  # each row's FIELDS (seq = the row's rowid)
LINES = "temp.crm_import_interactions"  # their interactions (seq = the row's rowid)
# The checked fields: (lookup table, the column interactions.prepare gives for it).
CHECKED = {
    "kind": "kind", "text": "text", "occurred_at": "occurred_at", "direction": "direction",
    "duration": "duration_minutes", "channel": "channel", "outcome": "outcome",
}  # fmt: skip
LOOKUPS = ("customer", *(f"i_{name}" for name in CHECKED))
# The columns of a new interaction, as InteractionImporter.line gives them.
INSERT_INTERACTION = (
    "INSERT INTO interactions (customer_id, kind, text, occurred_at, direction, "
    "duration_minutes, channel, outcome, created_at, updated_at)"
)
# The INSERT_INTERACTION columns of a row, as LINES holds them.
VALUES = tuple(f"v{i}" for i in range(10))


def run(importer: Any, rows: Any) -> None:  # an InteractionImporter, a sources.Rows
    """Import the CSV rows of `rows` into the caller's transaction; fills importer.summary
    (rejections go to importer.reject, in file order)."""
    drive(importer, rows, FIELDS, (MAPPED, LINES, *lookup_tables(LOOKUPS)), _lookups, _import)


def _lookups(conn: sqlite3.Connection, importer: Any, fields: dict[str, str]) -> None:
    """One lookup table per checked field, each distinct value checked once."""
    region = importer.options.region

    def distinct(name: str) -> str:
        expr = fields[name]
        return f"SELECT DISTINCT {expr} AS k FROM {MAPPED} WHERE {expr} IS NOT NULL"  # noqa: S608

    customer_lookup(conn, MAPPED, fields["customer"], region)
    for name, column in CHECKED.items():
        if fields[name] != "NULL":
            check = _checker(importer, name, column)
            _lookup(conn, f"i_{name}", distinct(name), check)


def _checker(importer: Any, name: str, column: str) -> Any:
    """The checked column value of one cell of field `name`, as the per-row path reads it;
    raises InvalidInput."""
    return lambda text: importer._prepare(name, text)[column]


def _checked(fields: dict[str, str]) -> str:
    """SELECT of every row's interaction (VALUES) and `fast`: the row needs no Python, as
    every value it has passed its check."""
    used = [n for n in CHECKED if fields[n] != "NULL"]
    looked = "".join(f"LEFT JOIN temp.crm_import_i_{n} l_{n} ON l_{n}.k = x.{n} " for n in used)

    def value(name: str) -> str:
        return f"l_{name}.v" if name in used else "NULL"

    passed = "".join(f"AND (x.{n} IS NULL OR l_{n}.v IS NOT NULL) " for n in used)
    if "occurred_at" in used:  # a file with a date column: a row without its date goes the
        passed += "AND x.occurred_at IS NOT NULL "  # per-row way (importers.undated)
    return f"""
SELECT x.seq, coalesce((
        x.problem IS NULL AND NOT x.odd AND cu.v IS NOT NULL
        AND (x.also IS NULL OR x.also = x.customer)
        AND x.id IS NULL AND x.kind IS NOT NULL AND x.text IS NOT NULL
        {passed}
    ), 0) AS fast,
    cu.v, {value("kind")}, {value("text")}, coalesce({value("occurred_at")}, :stamp),
    {value("direction")}, {value("duration")}, {value("channel")}, {value("outcome")},
    :stamp, :stamp
FROM {MAPPED} x
LEFT JOIN temp.crm_import_customer cu ON cu.k = x.customer
{looked}
"""  # noqa: S608 - fixed names and mapped columns


def _import(
    conn: sqlite3.Connection, importer: Any, rows: Any, names: list[str], fields: dict[str, str]
) -> None:
    """Every row's interaction into LINES (one statement); the rows that need Python
    through the importer one by one, in file order; then the interactions into their table,
    in file order."""
    stamp = clock.timestamp()
    conn.execute(
        f"CREATE TABLE {LINES} (seq INTEGER PRIMARY KEY, fast INTEGER, {', '.join(VALUES)})"
    )
    conn.execute(f"INSERT INTO {LINES} {_checked(fields)}", {"stamp": stamp})
    importer.options.progress.phase(_("checking rows"))
    odd = conn.execute(
        f"SELECT l.seq, r.line, r.row_no, r.first, r.problem, "  # noqa: S608
        f"{', '.join(f'r.{n}' for n in names)} "
        f"FROM {LINES} l JOIN {ROWS} r ON r.rowid = l.seq WHERE NOT l.fast ORDER BY l.seq"
    )
    assign = ", ".join(f"{v} = ?" for v in VALUES)
    update = f"UPDATE {LINES} SET fast = 1, {assign} WHERE seq = ?"  # noqa: S608
    while chunk := odd.fetchmany(BATCH):
        done = []
        for seq, end, row, first, problem, *cells in chunk:
            number = Place(end, row, first)  # named as the reader numbered it: row 3 (line 5)
            if problem is not None:
                importer.reject(number, {"\x00error": problem}, problem)
                continue
            line = importer.line(number, rows.record(cells), stamp)
            if line is not None:
                done.append((*line, seq))
        conn.executemany(update, done)
    summary = importer.summary
    fast = conn.execute(f"SELECT count(*) FROM {LINES} WHERE fast").fetchone()[0]  # noqa: S608
    summary.inserted = fast
    if summary.rejected and not importer.options.skip_invalid:
        return  # nothing will be written
    if fast:
        importer.options.progress.phase(_("writing"))
        importer.adding(fast)
        conn.execute(
            f"{INSERT_INTERACTION} SELECT {', '.join(VALUES)} FROM {LINES} "  # noqa: S608
            "WHERE fast ORDER BY seq"
        )
