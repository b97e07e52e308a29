"""Exporting customers, purchases, interactions and tasks, and the whole database.

Rows are selected by the shared customer filter (crmcli.records.filters), so `crm list`, `crm tag`
and `crm export` given the same options pick the same customers.

CSV for people (a file given with `-o`, without `--plain`) is guarded against formula
injection (OWASP "CSV injection"): a text cell starting with = + - @ tab or CR gets a
leading apostrophe, which spreadsheets hide and which stops them running the cell as a
formula; a cell already starting with an apostrophe gets one more, so the guard can be
undone exactly on import (crmcli.transfer.sources.unguard). Numeric columns (ids, amounts,
quantities) keep their minus sign, and phone cells in E.164 (`+8613800138000`) keep their
plus: both are numbers to a spreadsheet, never formulas, and a guarded phone would no longer
be the number. `--plain`, and anything written to standard output, is the exact CSV.

`export_all` writes every user table of the schema as JSON, whatever tables later
migrations add; `import_all` loads such a file into an empty database with the same ids.
Left out: SQLite's own tables, virtual tables (full-text indexes) and their shadow tables,
which are rebuilt from their content, and history/audit tables (`history`, `*_history`),
which record changes rather than hold data.
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from itertools import chain
from typing import TYPE_CHECKING, Any, TextIO, TypedDict, cast

from crmcli.core import clock
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import _
from crmcli.core.text import CsvWriter
from crmcli.core.vocabulary import word
from crmcli.store.history import user_tables

if TYPE_CHECKING:  # loaded by the exports that need them
    from crmcli.records.interactions import Interaction
    from crmcli.records.tasks import Task


# Functions run after `import_all` has loaded every row, inside its transaction: a module
# whose derived data is not exported (an index kept by application code, not by triggers)
# appends one to rebuild it from the restored rows.
def _rebuild_search(conn: sqlite3.Connection) -> None:
    from crmcli.store import search

    search.rebuild(conn)


def _bind_tag_names(conn: sqlite3.Connection) -> None:
    """An export from before stored filters named tags by id (schema 12 and older) holds
    tag names in segments, rules, care rules and cadences: bind them to the tags' ids, as
    the upgrade of a file does, so a later rename follows them."""
    from crmcli.records import tags

    tags.bind_names(conn)


AFTER_RESTORE: list[Callable[[sqlite3.Connection], None]] = [_rebuild_search, _bind_tag_names]
FORMAT_NAME = "crmcli-export"
FORMAT_VERSION = 1
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
NUMERIC_COLUMNS = {
    "id", "customer_id", "product_id", "quantity", "amount", "unit_price", "duration_minutes",
    "cadence_days", "referred_by", "interaction_id", "previous_id",
}  # fmt: skip
PHONE_COLUMNS = {"phone", "phones"}
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_PHONES = re.compile(r"\+[0-9]{4,15}(?:; \+[0-9]{4,15})*")

CUSTOMER_COLUMNS = (
    "id", "name", "kind", "company", "title", "gender", "birthday", "birthday_lunar", "phones",
    "emails",
    "address", "city", "region", "country", "industry", "company_size", "source", "stage",
    "tags", "external_id", "national_id", "notes", "preferred_channel", "preferred_time",
    "cadence_days", "referred_by", "fields", "related", "created_at", "updated_at",
    "archived_at",
)  # fmt: skip
# The derived classes `crm export customers --classes` adds after CUSTOMER_COLUMNS: the
# columns of `crm list --classes` (crmcli.reports.classes.COLUMNS, kept equal by a test). Computed
# from the purchases at export time, so an import skips them.
CLASS_COLUMNS = ("lifecycle", "abc", "frequency_tier", "value_tier")


class ExportedPurchase(TypedDict):
    """A purchase line as exported: amounts as decimal strings, as `crm purchases` shows."""

    id: int
    purchased_at: str
    customer_id: int
    customer: str
    item: str
    category: str | None
    quantity: int
    unit_price: str | None
    amount: str
    currency: str
    payment: str | None
    order_ref: str | None
    note: str | None
    product_id: int | None
    created_at: str
    updated_at: str
    is_refund: bool


def guard(column: str, value: Any) -> Any:
    """A cell made safe for a spreadsheet (see the module docstring)."""
    if not isinstance(value, str) or not value or value[0] not in TRIGGERS:
        return value
    if column in NUMERIC_COLUMNS and _NUMBER.fullmatch(value):
        return value
    if column in PHONE_COLUMNS and _PHONES.fullmatch(value):
        return value
    return "'" + value


def flat(value: Any) -> Any:
    """A value as one CSV cell: lists joined by `; `, objects as JSON, booleans true/false."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)) and any(isinstance(v, dict) for v in value):
        return json.dumps(value, ensure_ascii=False)  # records, such as `related`
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def write_csv(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    out: TextIO,
    *,
    delimiter: str = ",",
    guarded: bool,
) -> int:
    """Write rows as CSV/TSV (quoted as RFC 4180 asks, LF line ends as all crm CSV)."""
    writer = CsvWriter(out, delimiter)
    writer.writerow(columns)
    return writer.writerows(_guarded(rows, columns) if guarded else _cells(rows, columns))


def _cells(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> Iterator[list[Any]]:
    for row in rows:
        yield [
            v if type(v) is str or type(v) is int else "" if v is None else flat(v)
            for v in map(row.get, columns)
        ]


def _guarded(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> Iterator[list[Any]]:
    for cells in _cells(rows, columns):
        if any(type(v) is str and v[:1] in TRIGGERS for v in cells):
            cells = [guard(c, v) for c, v in zip(columns, cells, strict=True)]
        yield cells


def write_cells(
    chunks: Iterable[Sequence[Sequence[Any]]],
    columns: Sequence[str],
    out: TextIO,
    *,
    delimiter: str = ",",
) -> int:
    """write_csv for rows that are already cells in the order of `columns` (str, int or
    None each, guarded already where the file is for people), a list of them at a time, as
    customer_cells gives them: the same bytes, without a mapping per row (csv formats them
    in C, and `out`, a progress counter on the way to a file or a pipe, gets one write per
    500 rows)."""
    writer = CsvWriter(out, delimiter)
    writer.writerow(columns)
    return writer.writerows(chain.from_iterable(chunks))


# Selecting rows ---------------------------------------------------------------------------


def customer_rows(
    conn: sqlite3.Connection,
    ids: Iterable[int],
    *,
    reveal: bool,
    classes: Mapping[int, Mapping[str, Any]] | None = None,
) -> Iterator[dict[str, Any]]:  # a Customer in export forms: see CUSTOMER_COLUMNS
    """Full customer records (CUSTOMER_COLUMNS) of `ids`; the national ID masked unless
    `reveal`. With `classes` (crmcli.reports.classes.derive's result, by id), each record also
    carries the derived classes CLASS_COLUMNS, as `crm list --classes` shows them."""
    from crmcli.records import customers

    for record in customers.get_customers(conn, ids, reveal=reveal):
        customer_id = record["id"]
        if classes is not None:
            derived = classes[customer_id]
            record.update({c: derived[c] for c in CLASS_COLUMNS})
        if record.get("cadence_max_days"):
            record["cadence_days"] = customers.describe_gap(
                record["cadence_days"], record["cadence_max_days"]
            )
        yield record


# CUSTOMER_COLUMNS as SQL, each cell as customer_rows' record makes it in CSV: the lists
# joined as flat() joins them, the cadence as describe_gap writes a range, the national ID
# masked unless revealed ({national_id}). `fields` and `related` (JSON in a cell) are empty
# here: the few customers who have any are read in full and their cells replaced.
# The SQL of each CUSTOMER_COLUMNS cell over `customers c`, NATIONAL_ID masked or not;
# `fields` and `related` are filled in Python for the few customers who have them. A list
# is a subquery of one row whose `cell` is the list.
_CELL_SQL = (
    "c.id", "c.name", "c.kind", "c.company", "c.title", "c.gender", "c.birthday",
    "c.birthday_lunar",
    "(SELECT group_concat(phone, '; ') AS cell FROM (SELECT phone FROM customer_phones"
    " WHERE customer_id = c.id ORDER BY is_primary DESC, id))",
    "(SELECT group_concat(email, '; ') AS cell FROM (SELECT email FROM customer_emails"
    " WHERE customer_id = c.id ORDER BY is_primary DESC, id))",
    "c.address", "c.city", "c.region", "c.country", "c.industry", "c.company_size", "c.source",
    "c.stage",
    "(SELECT group_concat(name, '; ') AS cell FROM (SELECT t.name FROM customer_tags ct"
    " JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id = c.id ORDER BY t.name))",
    "c.external_id", "NATIONAL_ID", "c.notes", "c.preferred_channel", "c.preferred_time",
    "CASE WHEN c.cadence_max_days THEN c.cadence_days || 'd..' || c.cadence_max_days || 'd'"
    " ELSE c.cadence_days END",
    "c.referred_by", "'{}'", "''", "c.created_at", "c.updated_at", "c.archived_at",
)  # fmt: skip
# `guard` in SQL for a text cell: SQLite decides cell by cell in C, so the rows that need
# no guard (nearly all) cost no Python. A text value in an INTEGER column is never a number
# (SQLite stores a number there as a number), as `guard` finds of a numeric column.
_GUARDED = (
    "CASE WHEN unicode({cell}) IN ("
    + ", ".join(str(ord(t)) for t in TRIGGERS)
    + ") AND typeof({cell}) = 'text' {unless}THEN char(39) || {cell} ELSE {cell} END"
)


# The phones of a file for people, with `e164`: whether each is in E.164 (`+` and 4 to 15
# digits, as _PHONES), which keeps the cell's `+`.
_PHONES_E164 = (
    "(SELECT group_concat(phone, '; ') AS cell, min(phone GLOB '+[0-9][0-9][0-9][0-9]*'"
    " AND substr(phone, 2) NOT GLOB '*[^0-9]*' AND length(phone) <= 16) AS e164"
    " FROM (SELECT phone FROM customer_phones WHERE customer_id = c.id"
    " ORDER BY is_primary DESC, id))"
)


def _customer_cells_sql(national_id: str, guarded: bool) -> str:
    """The SELECT of customer_cells, with the CSV guard of a file for people if `guarded`."""
    cells = []
    for column, sql in zip(CUSTOMER_COLUMNS, _CELL_SQL, strict=True):
        sql = national_id if sql == "NATIONAL_ID" else sql
        if guarded and sql.startswith("(SELECT group_concat"):  # guarded from the list's row
            unless = ""
            if guarded and column in PHONE_COLUMNS:
                sql, unless = _PHONES_E164, "AND NOT e164 "
            shown = _GUARDED.format(cell="cell", unless=unless)
            sql = f"(SELECT {shown} FROM {sql})"  # noqa: S608 (the constants above)
        elif guarded and column != "id":
            sql = _GUARDED.format(cell=sql, unless="")
        cells.append(sql)
    return "SELECT " + ",\n  ".join(cells) + "\nFROM customers c\n"


# The customers of ids lo..hi with custom fields or relations (ranges of two indexes).
_NESTED = """
SELECT customer_id FROM customer_fields WHERE customer_id BETWEEN ?1 AND ?2
UNION SELECT customer_id FROM customer_relations WHERE customer_id BETWEEN ?1 AND ?2
"""
_FIELDS = CUSTOMER_COLUMNS.index("fields")
_RELATED = CUSTOMER_COLUMNS.index("related")


def customer_cells(
    conn: sqlite3.Connection,
    where_sql: str,
    params: list[Any],
    *,
    reveal: bool,
    guarded: bool = False,
    chunk: int = 500,
) -> Iterator[list[Sequence[Any]]]:
    """customer_rows' records as the cells write_csv makes of them (CUSTOMER_COLUMNS, str,
    int or None each) of the customers a filter (crmcli.records.filters, over `customers c`)
    picks, by id, `chunk` customers a list: one query (one snapshot of the file) and no
    Python per customer, but for the few with custom fields or relations. `guarded`: each
    cell as `guard` makes it for a file for people (in SQL)."""
    from crmcli.store.history import mask_sql

    national_id = "c.national_id" if reveal else mask_sql("c.national_id")
    cursor = conn.cursor()
    cursor.row_factory = None
    sql = _customer_cells_sql(national_id, guarded) + f"WHERE {where_sql} ORDER BY c.id"
    cursor.execute(sql, params)
    while rows := cursor.fetchmany(chunk):
        nested = {i for (i,) in conn.execute(_NESTED, (rows[0][0], rows[-1][0])).fetchall()}
        yield _with_nested(conn, rows, nested, reveal, guarded) if nested else rows


def _with_nested(
    conn: sqlite3.Connection,
    rows: list[Sequence[Any]],
    nested: set[int],
    reveal: bool,
    guarded: bool,
) -> list[Sequence[Any]]:
    """`rows` with the fields and related cells of the `nested` customers among them."""
    from crmcli.records import customers

    picked = [row[0] for row in rows if row[0] in nested]
    full = {r["id"]: r for r in customers.get_customers(conn, picked, reveal=reveal)}
    out = []
    for row in rows:
        record = full.get(row[0])
        if record is not None:
            cells = list(row)
            for column in (_FIELDS, _RELATED):
                cell = flat(record[CUSTOMER_COLUMNS[column]])
                cells[column] = guard(CUSTOMER_COLUMNS[column], cell) if guarded else cell
            row = cells
        out.append(row)
    return out


def purchase_rows(
    conn: sqlite3.Connection,
    where_sql: str,
    params: list[Any],
    *,
    since: date | None = None,
    until: date | None = None,
) -> Iterator[ExportedPurchase]:
    """Purchases of the customers matching a filter (over `customers c`), oldest first,
    as `crm purchases` shows them (amounts as decimal strings)."""
    from crmcli.core import money
    from crmcli.records import purchases

    clauses = [where_sql]
    params = list(params)
    if since is not None:
        clauses.append("p.purchased_at >= ?")
        params.append(since.isoformat())
    if until is not None:
        clauses.append("p.purchased_at < ?")
        params.append(purchases.day_after(until))
    sql = f"{purchases._SELECT} WHERE {' AND '.join(clauses)} ORDER BY p.purchased_at, p.id"
    for row in conn.execute(sql, params):
        record = dict(row)
        out = money.present(record)
        out["is_refund"] = record["amount_minor"] < 0
        yield cast(ExportedPurchase, out)


def interaction_rows(
    conn: sqlite3.Connection, where_sql: str, params: list[Any]
) -> Iterator[Interaction]:
    """Interactions of the customers matching a filter, oldest first."""
    from crmcli.records import interactions

    sql = f"{interactions._SELECT} WHERE {where_sql} ORDER BY datetime(i.occurred_at), i.id"
    return (cast(interactions.Interaction, dict(row)) for row in conn.execute(sql, params))


def task_rows(
    conn: sqlite3.Connection, where_sql: str, params: list[Any], *, today: date
) -> Iterator[Task]:
    """Tasks (open and done) of the customers matching a filter, by due date."""
    from crmcli.records import tasks

    sql = f"{tasks._SELECT} WHERE {where_sql} ORDER BY t.due_on, t.id"
    for row in conn.execute(sql, params):
        record = dict(row)
        record["status"] = tasks.status(record["due_on"], record["done_at"], today)
        yield cast(tasks.Task, record)


def task_events(rows: Iterable[Mapping[str, Any]]) -> Iterator[Any]:
    """Open tasks as all-day calendar events on their due dates."""
    from crmcli.reports.reminders import Event

    for row in rows:
        if row["done_at"]:
            continue
        yield Event(
            uid=f"task-{row['id']}@crmcli",
            day=date.fromisoformat(row["due_on"]),
            summary=_("{text} ({customer})").format(
                text=row["text"], customer=row["customer_name"]
            ),
            description=_("Task {id} for {customer} (#{customer_id})").format(
                id=row["id"], customer=row["customer_name"], customer_id=row["customer_id"]
            ),
            category="task",
        )


def interaction_events(rows: Iterable[Mapping[str, Any]]) -> Iterator[Any]:
    """Interactions as all-day events on the local day they happened."""
    from crmcli.core.vocabulary import Word
    from crmcli.reports.reminders import Event

    for row in rows:
        yield Event(
            uid=f"interaction-{row['id']}@crmcli",
            day=clock.local_date(row["occurred_at"]),
            summary=_("{kind}: {customer}").format(
                kind=Word("kind", row["kind"]).said(), customer=row["customer_name"]
            ),
            description=row["text"],
            category=row["kind"],
        )


# The whole database (its tables are crmcli.store.history.user_tables) ----------------------


def _quote(name: str) -> str:
    """An identifier read from sqlite_master, double-quoted (never user text)."""
    return '"' + name.replace('"', '""') + '"'


def table_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    """Stored columns of `table` (generated and hidden ones left out), in schema order."""
    return [r[1] for r in conn.execute(f"PRAGMA table_xinfo({_quote(table)})") if r[6] == 0]


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode("ascii")}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"base64"}:
        return base64.b64decode(value["base64"])
    return value


def export_all(conn: sqlite3.Connection, out: TextIO) -> dict[str, int]:
    """Write the whole database as one JSON document; returns rows written per table.

    Rows are streamed table by table, each a JSON array in the table's column order.
    """
    from crmcli.store import migrations

    counts: dict[str, int] = {}
    out.write("{\n")
    out.write(f'  "format": "{FORMAT_NAME}",\n  "format_version": {FORMAT_VERSION},\n')
    out.write(f'  "schema_version": {migrations.user_version(conn)},\n')
    out.write(f'  "exported_at": {json.dumps(clock.timestamp())},\n')
    out.write('  "tables": {')
    for index, table in enumerate(user_tables(conn)):
        columns = table_columns(conn, table)
        out.write("," if index else "")
        out.write(f'\n    {json.dumps(table)}: {{\n      "columns": {json.dumps(columns)},\n')
        out.write('      "rows": [')
        count = 0
        select = ", ".join(_quote(c) for c in columns)
        order = "rowid" if "id" not in columns else "id"
        for count, row in enumerate(
            conn.execute(f"SELECT {select} FROM {_quote(table)} ORDER BY {order}"),  # noqa: S608
            1,
        ):
            values = [_encode(v) for v in row]
            out.write(("," if count > 1 else "") + "\n        ")
            out.write(json.dumps(values, ensure_ascii=False))
        out.write("\n      ]\n    }" if count else "]\n    }")
        counts[table] = count
    out.write("\n  },\n")
    sequences = {}
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
        sequences = {  # of the tables exported: the history is not, nor its counters
            name: seq
            for name, seq in conn.execute("SELECT name, seq FROM sqlite_sequence ORDER BY name")
            if name in counts
        }
    out.write(f'  "sequences": {json.dumps(sequences, ensure_ascii=False)}\n')
    out.write("}\n")
    return counts


def import_all(conn: sqlite3.Connection, document: Any) -> dict[str, int]:
    """Load an `export_all` document into this (empty) database, ids and all, inside the
    caller's transaction; returns rows per table. Raises InvalidInput."""
    from crmcli.store import migrations

    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise InvalidInput(_("not a crm export: make one with 'crm export all --format json'"))
    if document.get("format_version") != FORMAT_VERSION:
        raise InvalidInput(
            _("unknown export format version {version!r}").format(
                version=document.get("format_version")
            )
        )
    ours = migrations.user_version(conn)
    theirs = document.get("schema_version")
    if not isinstance(theirs, int) or theirs > ours:
        raise InvalidInput(
            _(
                "the export has schema version {theirs}, newer than this crm ({ours}); upgrade crm"
            ).format(theirs=theirs, ours=ours)
        )
    tables = user_tables(conn)
    busy = [t for t in tables if conn.execute(f"SELECT 1 FROM {_quote(t)} LIMIT 1").fetchone()]  # noqa: S608
    if busy:
        raise InvalidInput(
            _(
                "crm import all restores into an empty database, and this one has data "
                "({tables}); use --db NEW.db"
            ).format(tables=_(", ").join(str(word("table", t)) for t in busy[:5]))
        )
    content = document.get("tables")
    if not isinstance(content, dict):
        raise InvalidInput(_("the export has no tables"))
    conn.execute("PRAGMA defer_foreign_keys = ON")  # rows arrive table by table
    counts: dict[str, int] = {}
    for table, body in content.items():
        if table not in tables:
            raise InvalidInput(
                _("the export has a table this crm does not know: {table!r}").format(table=table)
            )
        columns = body.get("columns") if isinstance(body, dict) else None
        rows = body.get("rows") if isinstance(body, dict) else None
        known = set(table_columns(conn, table))
        if not isinstance(columns, list) or not isinstance(rows, list):
            raise InvalidInput(
                _("table {table!r} in the export has no columns and rows").format(table=table)
            )
        unknown = [c for c in columns if c not in known]
        if unknown:
            raise InvalidInput(
                _("table {table!r} has columns this crm does not know: {unknown}").format(
                    table=table, unknown=", ".join(map(str, unknown))
                )
            )
        sql = (
            f"INSERT INTO {_quote(table)} ({', '.join(_quote(c) for c in columns)}) "  # noqa: S608
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        for number, row in enumerate(rows, 1):
            if not isinstance(row, list) or len(row) != len(columns):
                raise InvalidInput(
                    _("table {table!r} row {number}: expected {count} values").format(
                        table=table, number=number, count=len(columns)
                    )
                )
        try:
            conn.executemany(sql, ([_decode(v) for v in row] for row in rows))
        except sqlite3.IntegrityError as exc:
            raise InvalidInput(
                _("table {table!r}: a row breaks the schema ({exc})").format(table=table, exc=exc)
            ) from None
        counts[table] = len(rows)
    broken = conn.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        first = broken[0]
        raise InvalidInput(
            _(
                "{count} rows point to rows that are not in the export "
                "(e.g. {table} row {row} -> {target}); nothing was imported"
            ).format(count=len(broken), table=first[0], row=first[1], target=first[2])
        )
    sequences = document.get("sequences") or {}
    for table, seq in sequences.items():
        if table in tables and isinstance(seq, int):
            updated = conn.execute(
                "UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?", (seq, table)
            ).rowcount
            if not updated:
                conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, seq))
    _rebuild_indexes(conn)
    for hook in AFTER_RESTORE:
        hook(conn)
    return counts


def _rebuild_indexes(conn: sqlite3.Connection) -> None:
    """Rebuild external-content full-text indexes from the rows just loaded."""
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'"
    ).fetchall()
    for name, sql in rows:
        text = (sql or "").lower().replace(" ", "")
        if "usingfts" in text and "content=" in text and "content=''" not in text:
            conn.execute(f"INSERT INTO {_quote(name)}({_quote(name)}) VALUES ('rebuild')")  # noqa: S608
