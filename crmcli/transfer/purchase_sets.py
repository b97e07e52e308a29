"""Importing purchase lines from a CSV file by sets: every row checked, none in Python alone.

A million rows checked one at a time in Python cost ten times their insert. So the rows of
a CSV file go, as read, into a temporary table (one executemany, at the speed of a bare
load). Each distinct value of a mapped column is then checked once, by the very functions
`crm buy` uses (a customer reference resolved, an item looked up as a product, a date, a
currency, a category, a payment...), into small lookup tables, and one INSERT ... SELECT
joins them into the lines: a row whose every value passed, with an amount that is a plain
number (`1299.50`, read into minor units by `crm buy`'s own integer rule, money.plain_minor,
called from SQL) and no unit price, needs no per-row Python beyond that call.

Every other row (a value that failed its check, a unit price to agree with, an amount with
a currency symbol, a cell with the export's formula guard, a row of our own export that may
be a line already here, a row the reader could not split) goes through the importer's own
per-row path, in file order, so it is rejected with exactly the message and row number
`crm buy` gives, or stored as `crm buy` would store it. The lines are stored in file order
by one INSERT (with the indexes of purchases set aside and made again after it when the
file adds many lines: crmcli.store.indexes). The caller's transaction covers it all; the
temporary tables are dropped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from crmcli.core import clock, money, validate
from crmcli.core.errors import InvalidInput, NotFound
from crmcli.core.i18n import _
from crmcli.core.progress import READING
from crmcli.core.text import Place
from crmcli.records import purchases
from crmcli.store import indexes

# What str.isspace() calls space: a cell of nothing else is no value (as gather_first says).
SPACE_CODES = (9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 133, 160, 5760, *range(8192, 8203),
               8232, 8233, 8239, 8287, 12288)  # fmt: skip
SPACES = "".join(map(chr, SPACE_CODES))
FIELDS = (
    "customer", "also", "item", "amount", "unit_price", "quantity", "currency",
    "purchased_at", "category", "payment", "order_ref", "note", "is_refund", "id",
    "created_at",
)  # fmt: skip
ROWS = "temp.crm_import_rows"  # the rows as read
MAPPED = "temp.crm_import_values"  # each row's FIELDS (seq = the row's rowid)
LINES = "temp.crm_import_lines"  # their lines (seq = the row's rowid), fast or not
LOOKUPS = ("customer", "item", "currency", "quantity", "time", "category", "payment",
           "order_ref", "note", "refund", "exponent")  # fmt: skip
BATCH = 5000
# The INSERT_SQL columns of a line, as LINES holds them.
VALUES = tuple(f"v{i}" for i in range(14))


MAX_COLUMNS = 1000  # a table's columns (SQLite allows 2000), a row's cells as parameters


def columns_fit(targets: list[str | None]) -> bool:
    """Whether a file whose columns map to `targets` can be imported by sets: at most two
    customer columns (a row's second one must name the same customer), and no more columns
    than a temporary table holds."""
    return targets.count("customer") <= 2 and len(targets) <= MAX_COLUMNS


def run(importer: Any, rows: Any) -> None:  # a PurchaseImporter, a sources.Rows
    """Import the CSV rows of `rows` into the caller's transaction; fills importer.summary
    (rejections go to importer.reject, in file order)."""
    drive(importer, rows, FIELDS, (MAPPED, LINES, *lookup_tables(LOOKUPS)), _lookups, _import)


def lookup_tables(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"temp.crm_import_{name}" for name in names)


def drive(
    importer: Any,
    rows: Any,
    names: tuple[str, ...],
    tables: tuple[str, ...],
    lookups: Callable[[sqlite3.Connection, Any, dict[str, str]], None],
    store: Callable[[sqlite3.Connection, Any, Any, list[str], dict[str, str]], None],
) -> None:
    """The import of one kind by sets: the rows as read into ROWS, each row's fields `names`
    (its first table, `tables[0]`) by _fields's expressions, then the kind's `lookups` and
    `store`; `tables` (the kind's temporary tables) are dropped before and after."""
    conn: sqlite3.Connection = importer.conn
    columns = [f"c{i}" for i in range(len(rows.columns))]
    _drop(conn, tables)
    conn.execute(  # where a row is (text.Place): its last line, its row, its first line
        f"CREATE TABLE {ROWS} (line INTEGER, row_no INTEGER, first INTEGER, problem TEXT, "
        f"{', '.join(columns)})"
    )
    try:
        importer.summary.rows = _load(conn, importer, rows, len(columns))
        if importer.summary.rows:
            importer.options.progress.phase(_("checking values"))
            exprs = _fields(importer, rows, names)
            conn.execute(
                f"CREATE TABLE {tables[0]} (seq INTEGER PRIMARY KEY, problem, odd, "
                f"{', '.join(names)})"
            )
            conn.execute(
                f"INSERT INTO {tables[0]} SELECT rowid, problem, "  # noqa: S608
                f"{', '.join(exprs[n] for n in ('odd', *names))} FROM {ROWS}",
                {"spaces": SPACES},
            )
            # A field no column maps to is NULL in every row: it is looked up in none.
            fields = {n: n if exprs[n] != "NULL" else "NULL" for n in names}
            lookups(conn, importer, fields)
            store(conn, importer, rows, columns, fields)
    finally:
        _drop(conn, tables)


def _drop(conn: sqlite3.Connection, tables: tuple[str, ...]) -> None:
    for table in (ROWS, *tables):
        conn.execute(f"DROP TABLE IF EXISTS {table}")


def _load(conn: sqlite3.Connection, importer: Any, rows: Any, width: int) -> int:
    """Every row into ROWS as read (an unreadable one with its reason); how many."""
    progress = importer.options.progress
    progress.phase(READING)
    counted = [0]

    def params() -> Iterator[tuple[Any, ...]]:
        count = 0
        for count, (number, cells) in enumerate(rows.cells, 1):
            if count % 1000 == 0:
                progress.advance(count)
            place = (int(number), getattr(number, "row", number), getattr(number, "line", number))
            if type(cells) is str:
                yield (*place, cells, *([""] * width))
            else:
                yield (*place, None, *cells)
        counted[0] = count

    marks = ", ".join("?" * (width + 4))
    conn.executemany(f"INSERT INTO {ROWS} VALUES ({marks})", params())  # noqa: S608
    return counted[0]


def _fields(importer: Any, rows: Any, names: tuple[str, ...]) -> dict[str, str]:
    """SQL over a row of ROWS for each of `names` (NULL when no column maps to it), as
    gather_first takes them: the first cell with a value; a second customer column as
    `also`. And `odd`: the row has a cell the per-row path reads otherwise (the export's
    formula guard, a Windows line break; see sources._cell)."""
    columns: dict[str, list[int]] = {}
    for i, column in enumerate(rows.columns):
        target = importer.mapper.target(column)
        if target not in (None, "-"):
            columns.setdefault(target, []).append(i)
    codes = ", ".join(map(str, SPACE_CODES))

    def cell(i: int) -> str:  # NULL when empty or only spaces (unicode('') is NULL)
        # a visible ASCII character first (most cells) is no space: no probe of the list
        return (
            f"CASE WHEN unicode(c{i}) BETWEEN 33 AND 127 THEN c{i} "
            f"WHEN unicode(c{i}) NOT IN ({codes}) THEN c{i} "
            f"WHEN trim(c{i}, :spaces) <> '' THEN c{i} END"
        )

    out = {}
    for name in names:
        found = columns.get("customer" if name == "also" else name, [])
        if name == "also":  # a second customer column: compared with the first
            out[name] = (f"CASE WHEN {cell(found[0])} IS NOT NULL THEN {cell(found[1])} END"
                         if len(found) == 2 else "NULL")  # fmt: skip
        elif len(found) > 1:
            out[name] = f"coalesce({', '.join(cell(i) for i in found)})"
        else:
            out[name] = cell(found[0]) if found else "NULL"
    mapped = sorted(i for found in columns.values() for i in found)
    odd = [f"instr(c{i}, char(13))" for i in mapped]
    # a day and, in a later column, maybe its time: the per-row way joins them (the moments
    # of crmcli.transfer.importers.MOMENTS that are imported by sets)
    for name in ("purchased_at", "occurred_at"):
        first, *later = columns.get(name, [None])
        odd += [f"({cell(first)} IS NOT NULL AND {cell(i)} IS NOT NULL)" for i in later]
    if rows.delimiter == ";":  # `1.000` may be a thousand: the per-row
        amounts = columns.get("amount", []) + columns.get("unit_price", [])  # way says
        odd += [f"c{i} GLOB '*.[0-9][0-9]0*'" for i in amounts]
    if rows.guarded:
        odd += [f"substr(c{i}, 1, 1) = ''''" for i in mapped]
    out["odd"] = " OR ".join(odd) or "0"
    return out


def _lookup(
    conn: sqlite3.Connection,
    name: str,
    select: str,
    check: Callable[[str], Any],
    extra: tuple[str, ...] = (),
) -> None:
    """temp.crm_import_NAME (k, v, *extra): each distinct value `select` gives, checked once
    by `check` (None when refused: that row goes the per-row way, which says why)."""
    table = f"temp.crm_import_{name}"
    columns = "".join(", " + e for e in extra)
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {table} (k TEXT PRIMARY KEY, v{columns}) WITHOUT ROWID"
    )
    insert = f"INSERT INTO {table} VALUES ({', '.join('?' * (2 + len(extra)))})"  # noqa: S608
    refused = (None,) * (1 + len(extra))
    cursor = conn.execute(select, {"spaces": SPACES})
    while chunk := cursor.fetchmany(BATCH):
        out = []
        for (key,) in chunk:
            try:
                found = check(key)
            except (InvalidInput, NotFound):
                found = None
            if not extra:
                out.append((key, found))
            else:
                out.append((key, *(found if found is not None else refused)))
        conn.executemany(insert, out)


def customer_lookup(conn: sqlite3.Connection, mapped: str, expr: str, region: str | None) -> None:
    """temp.crm_import_customer (and its lookup of refusals): each distinct customer
    reference of `mapped`'s `expr` once. A reference that can only be an external id (it
    has a letter, so it is no id) and is the external id of one live customer is that
    customer (refs.resolve's first match): found by one join; any other goes to
    refs.resolve_cell, as the per-row path resolves it. Nothing is kept in Python (a file
    naming a million customers held every reference in a dict)."""
    from crmcli.records import refs

    def customer(ref: str) -> int:
        return refs.resolve_cell(conn, ref, region=region)

    distinct = f"SELECT DISTINCT {expr} AS k FROM {mapped} WHERE {expr} IS NOT NULL"  # noqa: S608
    conn.execute("CREATE TABLE temp.crm_import_customer (k TEXT PRIMARY KEY, v) WITHOUT ROWID")
    conn.execute(
        "INSERT INTO temp.crm_import_customer SELECT k, (SELECT CASE WHEN count(*) = 1 "  # noqa: S608
        "AND min(archived_at IS NULL) THEN min(id) END FROM customers WHERE external_id = k) "
        f"FROM ({distinct}) WHERE k GLOB '*[A-Za-z]*' AND k = trim(k, :spaces)",
        {"spaces": SPACES},
    )
    conn.execute("DELETE FROM temp.crm_import_customer WHERE v IS NULL")
    rest = f"{distinct} AND {expr} NOT IN (SELECT k FROM temp.crm_import_customer)"  # noqa: S608
    _lookup(conn, "customer", rest, customer)


def _lookups(conn: sqlite3.Connection, importer: Any, fields: dict[str, str]) -> None:
    """One lookup table per checked field, each value checked once."""
    context: purchases.LineContext = importer.context
    region = importer.options.region

    def distinct(name: str) -> str:
        expr = fields[name]
        return f"SELECT DISTINCT {expr} AS k FROM {MAPPED} WHERE {expr} IS NOT NULL"  # noqa: S608

    def item(text: str) -> tuple[Any, ...]:
        product = context.product(text)
        if product is None:
            return (context.item(text), None, None, None)
        priced = product["price_minor"] is not None
        return (product["name"], product["id"], product["category"],
                product["currency"] if priced else None)  # fmt: skip

    customer_lookup(conn, MAPPED, fields["customer"], region)
    _lookup(conn, "item", distinct("item"), item, ("product_id", "category", "currency"))
    _lookup(conn, "currency", distinct("currency"), money.currency_code)
    _lookup(conn, "quantity", distinct("quantity"), purchases.parse_quantity)
    _lookup(conn, "time", distinct("purchased_at"), context.time)
    _lookup(conn, "payment", distinct("payment"), context.payment)
    _lookup(conn, "order_ref", distinct("order_ref"), lambda t: validate.text("order", t))
    _lookup(conn, "note", distinct("note"), lambda t: validate.text("note", t, multiline=True))
    _lookup(conn, "refund", distinct("is_refund"), lambda t: int(importer.refund(t)))
    conn.execute(
        "CREATE TABLE temp.crm_import_exponent (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID"
    )
    conn.executemany("INSERT INTO temp.crm_import_exponent VALUES (?, ?)",
                     money.EXPONENTS.items())  # fmt: skip
    _categories(conn, context, fields)


def _categories(
    conn: sqlite3.Connection, context: purchases.LineContext, fields: dict[str, str]
) -> None:
    """The stored spelling of each category text (the row's, else its product's). `crm buy`
    spells a category as the one already stored that differs only in case; within one import
    the first row to name it decides. Where the file spells one category several ways that
    the database does not settle, those rows go the per-row way, in file order."""
    from crmcli.records.products import canonical_category

    def column(name: str) -> str:
        return "NULL" if fields[name] == "NULL" else f"m.{name}"

    text = f"coalesce({column('category')}, i.category)"
    texts = [
        r[0]
        for r in conn.execute(
            f"SELECT DISTINCT {text} FROM {MAPPED} m "  # noqa: S608
            f"LEFT JOIN temp.crm_import_item i ON i.k = {column('item')} "
            f"WHERE {text} IS NOT NULL"
        )
    ]
    groups: dict[str, dict[str, str | None]] = {}
    for name in texts:
        try:
            spelt: str | None = canonical_category(conn, name)
        except InvalidInput:
            spelt = None
        groups.setdefault(name.strip().casefold(), {})[name] = spelt
    out = []
    for key, spellings in groups.items():
        found = set(spellings.values())
        settled = len(found) == 1 and None not in found
        if settled:
            context._categories[key] = found.pop()  # type: ignore[assignment]
        out += [(name, spelt if settled else None) for name, spelt in spellings.items()]
    conn.execute("CREATE TABLE temp.crm_import_category (k TEXT PRIMARY KEY, v) WITHOUT ROWID")
    conn.executemany("INSERT INTO temp.crm_import_category VALUES (?, ?)", out)


def _checked(fields: dict[str, str]) -> str:
    """SELECT of every row's line (VALUES) and `fast`: the row needs no Python, as every
    value it has passed its check and its amount is a plain number of at most the
    currency's decimals (money.plain_minor)."""
    # (alias, lookup, the field it looks up, its value as): a field no column maps to is
    # NULL in every row, so it is looked up in none.
    joins = [
        ("cu", "customer", "customer", "customer_id"), ("c", "currency", "currency",
        "given_currency"), ("q", "quantity", "quantity", "qty"), ("t", "time",
        "purchased_at", "at_time"), ("p", "payment", "payment", "payment_name"),
        ("o", "order_ref", "order_ref", "order_name"), ("n", "note", "note", "note_text"),
        ("f", "refund", "is_refund", "refund"),
    ]  # fmt: skip
    used = [j for j in joins if fields[j[2]] != "NULL"]
    values = ", ".join(
        f"{a}.v AS {name}" if fields[f] != "NULL" else f"NULL AS {name}" for a, _, f, name in joins
    )
    looked = "".join(
        f"LEFT JOIN temp.crm_import_{table} {a} ON {a}.k = x.{f} " for a, table, f, _ in used
    )
    given = "c.v" if fields["currency"] != "NULL" else "NULL"
    # a file with a date column: a row without its date goes the per-row way (undated)
    dated = "at_time IS NOT NULL" if fields["purchased_at"] != "NULL" else "1"
    return f"""
WITH x AS (SELECT * FROM {MAPPED}),
r AS (
    SELECT x.*, {values}, i.v AS item_name, i.product_id,
        coalesce(x.category, i.category) AS category_text,
        coalesce({given}, i.currency, :currency) AS code, ca.v AS category_name
    FROM x
    LEFT JOIN temp.crm_import_item i ON i.k = x.item
    LEFT JOIN temp.crm_import_category ca ON ca.k = coalesce(x.category, i.category)
    {looked}
), a AS MATERIALIZED (
    SELECT r.*, e.v AS places, crm_plain_minor(r.amount, e.v) AS signed
    FROM r LEFT JOIN temp.crm_import_exponent e ON e.k = r.code
), d AS (
    SELECT a.*, abs(signed) AS minor, coalesce(qty, 1) AS n_items,
        coalesce(refund, 0) AS is_refund_line
    FROM a
)
SELECT seq, coalesce((
        problem IS NULL AND NOT odd AND customer_id IS NOT NULL
        AND (also IS NULL OR also = customer)
        AND (id IS NULL OR created_at IS NULL)
        AND item_name IS NOT NULL
        AND (currency IS NULL OR given_currency IS NOT NULL)
        AND unit_price IS NULL AND signed IS NOT NULL
        AND (quantity IS NULL OR qty IS NOT NULL)
        AND {dated}
        AND (category_text IS NULL OR category_name IS NOT NULL)
        AND (payment IS NULL OR payment_name IS NOT NULL)
        AND (order_ref IS NULL OR order_name IS NOT NULL)
        AND (note IS NULL OR note_text IS NOT NULL)
        AND (is_refund IS NULL OR refund IS NOT NULL)
        AND NOT (is_refund_line AND minor = 0)
        AND NOT coalesce(refund = 0 AND signed < 0 AND trim(is_refund) <> '', 0)
    ), 0) AS fast,
    customer_id, product_id, item_name, category_name, n_items,
    CASE WHEN minor % n_items = 0 THEN minor / n_items END,
    CASE WHEN is_refund_line THEN -minor ELSE signed END,
    code, coalesce(at_time, :now), payment_name, order_name, note_text, :stamp, :stamp
FROM d
"""  # noqa: S608 - fixed names, mapped columns and a constant


def _plain_minor(text: str | None, places: int | None) -> int | None:
    return None if text is None or places is None else money.plain_minor(text, places)


def _import(
    conn: sqlite3.Connection, importer: Any, rows: Any, names: list[str], fields: dict[str, str]
) -> None:
    """Every row's line into LINES (one statement); the rows that need Python through the
    importer one by one, in file order; then the lines into purchases, in file order."""
    stamp = clock.timestamp()
    params = {
        "currency": importer.context.default_currency,
        "now": purchases.purchase_time(importer.now, importer.now),
        "stamp": stamp,
        "spaces": SPACES,
    }
    conn.create_function("crm_plain_minor", 2, _plain_minor, deterministic=True)
    conn.execute(
        f"CREATE TABLE {LINES} (seq INTEGER PRIMARY KEY, fast INTEGER, {', '.join(VALUES)})"
    )
    conn.execute(f"INSERT INTO {LINES} {_checked(fields)}", params)
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
            line = importer.checked(number, rows.record(cells))
            if line is not None:
                done.append((*purchases.line_row(line, stamp, checked=True), seq))
        conn.executemany(update, done)
    summary = importer.summary
    fast = conn.execute(f"SELECT count(*) FROM {LINES} WHERE fast").fetchone()[0]  # noqa: S608
    summary.inserted = fast
    if summary.rejected and not importer.options.skip_invalid:
        return  # nothing will be written
    importer.options.progress.phase(_("writing"))
    with indexes.set_aside(conn, "purchases", fast):
        conn.execute(
            f"{purchases.INSERT_SQL.split(' VALUES ')[0]} "  # noqa: S608
            f"SELECT {', '.join(VALUES)} FROM {LINES} WHERE fast ORDER BY seq"
        )
