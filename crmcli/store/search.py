"""Full-text search: one FTS5 index per source (customers, interactions, purchases).

Each source in SOURCES owns an FTS5 table with the trigram tokenizer, so any substring of
three or more characters is found by the index: Chinese without spaces, the middle of a word,
a fragment of a phone number. The indexed text is folded with the semantics of
`validate.fold` (case, accents and full/half width removed) before indexing and before
querying, because the trigram tokenizer of SQLite 3.40 cannot remove diacritics itself.
Customers are also indexed by the pinyin of their name and its initials (张伟: `zhangwei
zw`, computed with pypinyin only for names containing Chinese characters) and by the digits of
their phones (`+86 138 0013 8000` → `8613800138000`), so `138 0013` finds them.

Keeping the index consistent. SQLite refuses to let a trigger write to an FTS5 table while
`trusted_schema` is OFF (crmcli.store.db sets it on every connection; FTS5 is not marked
innocuous), so triggers cannot maintain the index directly. Instead, plain triggers on every
source table (and on customers' phones, emails and fields) record what changed in the regular
table `search_dirty`, whoever changed it: an edit, a merge, a cascade delete, forget. `sync()`
then re-indexes exactly those records from the live rows and empties the queue; every write
runs it inside its own transaction just before COMMIT (crmcli.store.db.write, the unit of
work), so after any `crm` write the index matches the data. A read command that finds the
queue not empty (the file was changed by another program) still answers correctly: it
ignores the stale index entries of those records and matches their live rows directly.
`check()` lists what `crm check` should report; `rebuild()` re-indexes everything.

Terms of three or more characters are matched by the FTS index and ranked with bm25 (column
weights per source). FTS5 trigram cannot match shorter terms (a two-character Chinese name is
common), so those are matched with LIKE over the same folded index content: as a filter when
the query also has a longer term, else as a scan ranked by which column matched and then by
recency.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TypedDict

from crmcli.core.errors import InvalidInput, StorageError
from crmcli.core.i18n import Listing, Said, _
from crmcli.core.progress import SILENT, Progress
from crmcli.core.searchtext import (
    MIN_TRIGRAM,
    Term,
    find_spans,
    fold,
    mark,
    name_pinyin,
    sort_key,
    window,
)
from crmcli.core.vocabulary import word
from crmcli.store.connection import is_damage

CHUNK = 500  # ids per IN (...) query


# --- sources ----------------------------------------------------------------------------


@dataclass
class Doc:
    """One indexed record: the folded column values and what to show for it."""

    id: int
    customer_id: int
    customer: str
    at: str | None
    archived: bool
    columns: tuple[str, ...]  # folded values, in the source's column order
    fields: list[tuple[str, str, bool]]  # (label, original text, is_phone), display priority


Texts = Callable[[sqlite3.Connection, list[int]], Iterator[tuple[int, tuple[str, ...]]]]


@dataclass(frozen=True)
class Source:
    """A searchable kind of record. Adding one (e.g. feedback) is one entry in SOURCES plus
    a migration that creates its FTS table and its `search_dirty` triggers."""

    name: str  # the --in value and search_dirty.source
    kind: str  # the `source` of a result
    table: str  # the FTS5 table; rowid = the record's id
    columns: tuple[str, ...]
    weights: tuple[float, ...]  # bm25 weights, also the LIKE-scan score per column
    owner_join: str  # joins FTS alias `s` to the customer `c`
    ids_sql: str  # every id of the source, for rebuild() and check()
    docs: Callable[[sqlite3.Connection, list[int]], dict[int, Doc]]
    # The folded columns of `ids` alone, for indexing without building Docs: the sources
    # that grow by millions (an import) have one; the others index from their docs.
    texts: Texts | None = None
    # The same columns as SQL over the source's table (`appending`): crm_fold(TEXT) is
    # fold(TEXT), crm_fold_join(A, B...) fold of the non-empty ones joined by " ; ".
    folded: tuple[str, ...] = ()


def _in(ids: Sequence[int]) -> str:
    return ",".join("?" * len(ids))


def _customer_docs(conn: sqlite3.Connection, ids: list[int]) -> dict[int, Doc]:
    out: dict[int, Doc] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        marks = _in(chunk)
        rows = conn.execute(
            "SELECT id, name, company, title, city, region, country, address, industry, "
            f"source, notes, created_at, archived_at FROM customers WHERE id IN ({marks})",
            chunk,
        ).fetchall()
        indexed = dict(
            conn.execute(
                f"SELECT rowid, pinyin FROM search_customers WHERE rowid IN ({marks})",
                chunk,
            ).fetchall()
        )
        extra: dict[int, dict[str, list[tuple[str, str]]]] = {r["id"]: {} for r in rows}
        for table, sql in (
            ("phone", "SELECT customer_id, 'phone', phone FROM customer_phones "
             f"WHERE customer_id IN ({marks}) ORDER BY is_primary DESC, id"),
            ("email", "SELECT customer_id, 'email', email FROM customer_emails "
             f"WHERE customer_id IN ({marks}) ORDER BY is_primary DESC, id"),
            ("field", "SELECT customer_id, key, value FROM customer_fields "
             f"WHERE customer_id IN ({marks}) ORDER BY key"),
        ):  # fmt: skip
            for owner, label, value in conn.execute(sql, chunk):
                if owner in extra:
                    extra[owner].setdefault(table, []).append((label, value))
        for r in rows:
            kids = extra[r["id"]]
            phones = [v for _, v in kids.get("phone", [])]
            emails = [v for _, v in kids.get("email", [])]
            custom = kids.get("field", [])
            plain = [
                (k, r[k])
                for k in ("company", "title", "city", "region", "country", "address", "industry")
            ]
            fields: list[tuple[str, str, bool]] = [("name", r["name"], False)]
            fields += [("phone", p, True) for p in phones]
            fields += [(k, v, False) for k, v in plain if v]
            fields += [("email", e, False) for e in emails]
            fields += [(k, v, False) for k, v in custom]
            if r["source"]:
                fields.append(("source", r["source"], False))
            if r["notes"]:
                fields.append(("notes", r["notes"], False))
            body = " ; ".join(text for label, text, _ in fields[1:] if label != "phone")
            digits = " ".join(re.sub(r"\D", "", p) for p in phones)
            out[r["id"]] = Doc(
                id=r["id"],
                customer_id=r["id"],
                customer=r["name"],
                at=r["created_at"],
                archived=r["archived_at"] is not None,
                # pinyin as indexed; _index recomputes it when the name changed
                columns=(fold(r["name"]), indexed.get(r["id"]) or "", fold(body), digits),
                fields=fields,
            )
    return out


def _customer_texts(
    conn: sqlite3.Connection, ids: list[int]
) -> Iterator[tuple[int, str, tuple[str, str, str, str]]]:
    """(id, name, `customer_columns`) of customers `ids`: the columns `_customer_docs`
    indexes (pinyin left to `_doc_rows`), without building what a result shows:
    re-indexing after an import of many customers reads only these."""
    plain_at = slice(2, 9)  # PLAIN: company, title, city, region, country, address, industry
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        marks = _in(chunk)
        rows = conn.execute(
            "SELECT id, name, company, title, city, region, country, address, industry, "
            f"source, notes FROM customers WHERE id IN ({marks})",
            chunk,
        ).fetchall()
        extra: dict[int, tuple[list[str], list[str], list[str]]] = {
            r[0]: ([], [], []) for r in rows
        }
        for at, sql in enumerate((
            "SELECT customer_id, phone FROM customer_phones "
            f"WHERE customer_id IN ({marks}) ORDER BY is_primary DESC, id",
            "SELECT customer_id, email FROM customer_emails "
            f"WHERE customer_id IN ({marks}) ORDER BY is_primary DESC, id",
            f"SELECT customer_id, value FROM customer_fields WHERE customer_id IN ({marks}) "
            "ORDER BY key",
        )):  # fmt: skip
            for owner, value in conn.execute(sql, chunk):
                if owner in extra:
                    extra[owner][at].append(value)
        for r in rows:
            phones, emails, custom = extra[r[0]]
            yield (
                r[0],
                r[1],
                customer_columns(r[1], r[plain_at], phones, emails, custom, r[9], r[10]),
            )


# The columns of customers indexed as they are, in the order of the indexed text.
PLAIN = ("company", "title", "city", "region", "country", "address", "industry")
_NOT_DIGIT = re.compile(r"\D")


def customer_columns(
    name: str,
    plain: Sequence[str | None],
    phones: list[str],
    emails: list[str],
    custom: list[str],
    source: str | None,
    notes: str | None,
) -> tuple[str, str, str, str]:
    """(folded name, "", folded body, phone digits): the columns of search_customers but
    pinyin, of a customer's name, PLAIN values, phones and emails (primary first), field
    values (by key), source and notes."""
    texts = [v for v in plain if v]
    texts += emails + custom
    texts += [v for v in (source, notes) if v]
    digits = " ".join(_NOT_DIGIT.sub("", p) for p in phones)
    return fold(name), "", fold(" ; ".join(texts)), digits


def customers_columns(
    names: Sequence[str],
    plain: Sequence[Sequence[str | None]],
    phones: Sequence[list[str]],
    emails: Sequence[list[str]],
    sources: Sequence[str | None],
    notes: Sequence[str | None],
) -> list[tuple[str, str, str, str]]:
    """`customer_columns` of many new customers (none with fields) given by columns: each
    customer's name, PLAIN values (a column each), phones, emails, source and notes."""
    out = []
    for name, row, numbers, addresses, source, note in zip(
        names, zip(*plain, strict=True), phones, emails, sources, notes, strict=True
    ):
        texts = [v for v in row if v]
        texts += addresses
        if source:
            texts.append(source)
        if note:
            texts.append(note)
        digits = " ".join(_NOT_DIGIT.sub("", p) for p in numbers) if numbers else ""
        out.append((fold(name), "", fold(" ; ".join(texts)), digits))
    return out


def _interaction_columns(text: str, outcome: str | None) -> tuple[str, ...]:
    return (fold(f"{text} ; {outcome}" if outcome else text),)


def _interaction_texts(conn: sqlite3.Connection, ids: list[int]) -> Iterator[tuple[int, tuple]]:
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        sql = f"SELECT id, text, outcome FROM interactions WHERE id IN ({_in(chunk)})"
        for row_id, text, outcome in conn.execute(sql, chunk):
            yield row_id, _interaction_columns(text, outcome)


def _interaction_docs(conn: sqlite3.Connection, ids: list[int]) -> dict[int, Doc]:
    out: dict[int, Doc] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for r in conn.execute(
            "SELECT i.id, i.customer_id, c.name, c.archived_at, i.occurred_at, i.kind, i.text, "
            "i.outcome FROM interactions i JOIN customers c ON c.id = i.customer_id "
            f"WHERE i.id IN ({_in(chunk)})",
            chunk,
        ):
            fields = [(r["kind"], r["text"], False)]
            if r["outcome"]:
                fields.append(("outcome", r["outcome"], False))
            out[r["id"]] = Doc(
                id=r["id"],
                customer_id=r["customer_id"],
                customer=r["name"],
                at=r["occurred_at"],
                archived=r["archived_at"] is not None,
                columns=_interaction_columns(r["text"], r["outcome"]),
                fields=fields,
            )
    return out


def _feedback_docs(conn: sqlite3.Connection, ids: list[int]) -> dict[int, Doc]:
    out: dict[int, Doc] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for r in conn.execute(
            "SELECT f.id, f.customer_id, c.name, c.archived_at, f.received_at, f.kind, f.text, "
            "f.resolution FROM feedback f JOIN customers c ON c.id = f.customer_id "
            f"WHERE f.id IN ({_in(chunk)})",
            chunk,
        ):
            fields = [(r["kind"], r["text"], False)]
            if r["resolution"]:
                fields.append(("resolution", r["resolution"], False))
            out[r["id"]] = Doc(
                id=r["id"],
                customer_id=r["customer_id"],
                customer=r["name"],
                at=r["received_at"],
                archived=r["archived_at"] is not None,
                columns=(fold(" ; ".join(f[1] for f in fields)),),
                fields=fields,
            )
    return out


def _purchase_columns(item: str, *rest: str | None) -> tuple[str, ...]:
    """(item, body): body is the category, note and order reference that are set."""
    return (fold(item), fold(" ; ".join(text for text in rest if text)))


def _purchase_texts(conn: sqlite3.Connection, ids: list[int]) -> Iterator[tuple[int, tuple]]:
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        sql = (
            f"SELECT id, item, category, note, order_ref FROM purchases WHERE id IN ({_in(chunk)})"
        )
        for row_id, *texts in conn.execute(sql, chunk):
            yield row_id, _purchase_columns(*texts)


def _purchase_docs(conn: sqlite3.Connection, ids: list[int]) -> dict[int, Doc]:
    out: dict[int, Doc] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for r in conn.execute(
            "SELECT p.id, p.customer_id, c.name, c.archived_at, p.purchased_at, p.item, "
            "p.category, p.note, p.order_ref FROM purchases p "
            f"JOIN customers c ON c.id = p.customer_id WHERE p.id IN ({_in(chunk)})",
            chunk,
        ):
            rest = [(k, r[k], False) for k in ("category", "note", "order_ref") if r[k]]
            out[r["id"]] = Doc(
                id=r["id"],
                customer_id=r["customer_id"],
                customer=r["name"],
                at=r["purchased_at"],
                archived=r["archived_at"] is not None,
                columns=_purchase_columns(r["item"], *(f[1] for f in rest)),
                fields=[("item", r["item"], False), *rest],
            )
    return out


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            name="customers",
            kind="customer",
            table="search_customers",
            columns=("name", "pinyin", "body", "digits"),
            weights=(10.0, 6.0, 1.0, 4.0),
            owner_join="JOIN customers c ON c.id = s.rowid",
            ids_sql="SELECT id FROM customers ORDER BY id",
            docs=_customer_docs,
        ),
        Source(
            name="interactions",
            kind="interaction",
            table="search_interactions",
            columns=("text",),
            weights=(1.0,),
            owner_join="JOIN interactions t ON t.id = s.rowid JOIN customers c ON c.id = t.customer_id",  # noqa: E501
            ids_sql="SELECT id FROM interactions ORDER BY id",
            docs=_interaction_docs,
            texts=_interaction_texts,
            folded=("crm_fold_join(text, outcome)",),
        ),
        Source(
            name="purchases",
            kind="purchase",
            table="search_purchases",
            columns=("item", "body"),
            weights=(3.0, 1.0),
            owner_join="JOIN purchases t ON t.id = s.rowid JOIN customers c ON c.id = t.customer_id",  # noqa: E501
            ids_sql="SELECT id FROM purchases ORDER BY id",
            docs=_purchase_docs,
            texts=_purchase_texts,
            folded=("crm_fold(item)", "crm_fold_join(category, note, order_ref)"),
        ),
        Source(
            name="feedback",
            kind="feedback",
            table="search_feedback",
            columns=("text",),
            weights=(1.0,),
            owner_join="JOIN feedback t ON t.id = s.rowid JOIN customers c ON c.id = t.customer_id",
            ids_sql="SELECT id FROM feedback ORDER BY id",
            docs=_feedback_docs,
        ),
    )
}


def source_names() -> list[str]:
    return list(SOURCES)


# --- the tables themselves --------------------------------------------------------------

# The tables FTS5 keeps each search table's index and text in, named `{table}_{suffix}`.
SHADOWS = ("data", "idx", "content", "docsize", "config")


# The search objects a new file has, by name: (type, the statement that makes it), as
# crmcli.store.migrations.search_objects reads them from a file the migrations make.
Made = dict[str, tuple[str, str]]


def astray(conn: sqlite3.Connection, made: Made) -> dict[str, str]:
    """The search objects of `made` the file lacks ("missing": a trigger another program
    dropped, the queue, the pinyin order) or has made otherwise ("changed": a search table
    with other columns or tokenizer, a plain table or a view under its name). A search
    table's shadow tables are `missing_parts`'s."""
    present = {
        name: (kind, sql)
        for kind, name, sql in conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'search%'"
        )
    }
    tables = {source.table for source in SOURCES.values()}
    out = {}
    for name, (kind, sql) in made.items():
        if name not in present:
            out[name] = "missing"
        elif name in tables and (
            present[name][0] != kind
            or " ".join(str(present[name][1]).split()) != " ".join(sql.split())
        ):
            out[name] = "changed"
    return out


def _made_as_the_schema(conn: sqlite3.Connection, made: Made) -> None:
    """Make again, inside the caller's transaction, each search object `astray` finds: a
    changed search table is dropped (with any shadow table left of it) and made anew, then
    what is missing is made, tables first (`rebuild` then fills them)."""
    wrong = astray(conn, made)
    tables = {source.table for source in SOURCES.values()}
    for name, state in wrong.items():
        if state == "changed":
            kind = conn.execute("SELECT type FROM sqlite_master WHERE name = ?", (name,)).fetchone()
            conn.execute(f"DROP {'VIEW' if kind and kind[0] == 'view' else 'TABLE'} main.{name}")
        if name in tables:  # orphans, were the table's schema row removed alone
            for suffix in SHADOWS:
                conn.execute(f"DROP TABLE IF EXISTS main.{name}_{suffix}")
        conn.execute(made[name][1])


def missing_parts(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """The search tables that are not whole, each with what it lacks: `[table]` when the
    table itself is gone (`DROP TABLE search_customers`; its shadow tables go with it), else
    the names of its shadow tables that are gone (`search_customers_data`: SQLite then
    fails every use of the table, some with no name in the error, `SQL logic error`). One
    read of the schema, which SQLite holds parsed: cheap enough to ask after any error."""
    present = {
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'search%'"
        )
    }
    out: dict[str, list[str]] = {}
    for source in SOURCES.values():
        if source.table not in present:
            out[source.table] = [source.table]
            continue
        gone = [f"{source.table}_{s}" for s in SHADOWS if f"{source.table}_{s}" not in present]
        if gone:
            out[source.table] = gone
    return out


def _damaged(table: str) -> StorageError:
    return StorageError(
        _(
            "the search index {table} is damaged (the records are not): run 'crm reindex' to "
            "rebuild it"
        ).format(table=table)
    )


def require_whole(conn: sqlite3.Connection, tables: Iterable[str] | None = None) -> None:
    """Raise crm's one line (`the search index search_customers is damaged ...: run 'crm
    reindex'`, exit 1) for the first search table of `tables` (None: any) that is not whole
    (`missing_parts`), before a write adds to it: FTS5 keeps new entries in memory until
    COMMIT, where a shadow table gone fails without a name (`SQL logic error`)."""
    broken = missing_parts(conn)
    for table in broken if tables is None else tables:
        if table in broken:
            raise _damaged(table)


@contextmanager
def said_damaged(conn: sqlite3.Connection, table: str | None = None) -> Iterator[None]:
    """Run the block, which reads or writes the search table `table` (None: any of them),
    turning an SQLite error that comes from a damaged search index into crm's one line
    (`the search index search_customers is damaged ...: run 'crm reindex'`, exit 1): an
    error that says so (`damaged_index`) when `table` is known, or any error while a search
    table is not whole (`missing_parts`: a table or shadow table dropped). Other errors go
    on as they are. The records are sound then, and `crm reindex` mends the index; a
    backup, which would lose what was written since it, is not the remedy."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        try:
            broken = missing_parts(conn)
        except sqlite3.Error:  # the schema itself unreadable: the file, not the index
            broken = {}
        if table is not None and (table in broken or damaged_index(exc)):
            raise _damaged(table) from exc
        if broken:
            raise _damaged(next(iter(broken))) from exc
        raise


# --- keeping the index in step ----------------------------------------------------------


# Names repeat (张伟): an import of a million customers reads each distinct name's pinyin once.
_pinyin = lru_cache(maxsize=1 << 17)(name_pinyin)
# And its sort key (14 µs a name): fewer kept, a name's key is cheaper to make again.
_sort_key = lru_cache(maxsize=1 << 15)(sort_key)


def _doc_rows(conn: sqlite3.Connection, source: Source, ids: list[int]) -> list[tuple]:
    """(id, *folded columns) of `ids` from the source's docs; customers keep their
    indexed pinyin and pinyin sort key while their name is unchanged, and get both anew
    (in `search_name_order`) when it changed."""
    docs: dict[int, tuple[str, tuple[str, ...]]]  # id -> (name, folded columns)
    if source.name == "customers":
        docs = {i: (name, columns) for i, name, columns in _customer_texts(conn, ids)}
    else:
        docs = {i: (d.customer, d.columns) for i, d in source.docs(conn, ids).items()}
    old_pinyin: dict[int, tuple[str, str, str | None]] = {}
    if source.name == "customers":
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            for rowid, name, pinyin, key in conn.execute(
                "SELECT s.rowid, s.name, s.pinyin, o.sort_key FROM search_customers s "
                "LEFT JOIN search_name_order o ON o.customer_id = s.rowid "
                f"WHERE s.rowid IN ({_in(chunk)})",
                chunk,
            ):
                old_pinyin[rowid] = (name, pinyin, key)
        conn.executemany(
            "DELETE FROM search_name_order WHERE customer_id = ?",
            [(i,) for i in ids if i not in docs],
        )
    rows = []
    keys = []
    for doc_id in ids:
        doc = docs.get(doc_id)
        if doc is None:
            continue
        name, columns = doc
        if source.name == "customers":
            before = old_pinyin.get(doc_id)
            # The same name keeps its pinyin: no need to load pypinyin again.
            same = before is not None and before[0] == columns[0]
            pinyin = before[1] if same and before else _pinyin(name)
            columns = (columns[0], pinyin, *columns[2:])
            if not (same and before and before[2] is not None):
                keys.append((doc_id, _sort_key(name)))
        rows.append((doc_id, *columns))
    conn.executemany(
        "INSERT INTO search_name_order (customer_id, sort_key) VALUES (?, ?) "
        "ON CONFLICT (customer_id) DO UPDATE SET sort_key = excluded.sort_key",
        keys,
    )
    return rows


def _index(conn: sqlite3.Connection, source: Source, ids: Iterable[int]) -> None:
    """Replace the index entries of `ids` by what their live rows say (none when deleted)."""
    ids = sorted(set(ids))
    if source.texts is not None:
        rows = [(doc_id, *columns) for doc_id, columns in source.texts(conn, ids)]
    else:
        rows = _doc_rows(conn, source, ids)
    conn.executemany(f"DELETE FROM {source.table} WHERE rowid = ?", [(i,) for i in ids])
    names = ", ".join(source.columns)
    marks = ", ".join("?" * (len(source.columns) + 1))
    conn.executemany(f"INSERT INTO {source.table} (rowid, {names}) VALUES ({marks})", rows)


# The insert triggers that queue a customer when a row of it is added (see the module's doc).
_CUSTOMER_QUEUEING = (
    "search_customers_ai",
    "search_customer_phones_ai",
    "search_customer_emails_ai",
)


@contextmanager
def unqueued(conn: sqlite3.Connection) -> Iterator[None]:
    """Run the block with the triggers that queue a customer when a row of it is added
    dropped (`unqueue`), and make them again after it, inside the caller's transaction (a
    failure rolls that back too): only inserts of new customers (with their phones and
    emails), which `index_added_customers` then indexes, belong in the block."""
    made = unqueue(conn)
    try:
        yield
    finally:
        requeue(conn, made)


def unqueue(conn: sqlite3.Connection) -> list[str]:
    """Drop the triggers that queue a customer when a row of it is added; the SQL that
    makes them again (`requeue`). For an import of many batches, once for them all (each
    drop and make changes the schema, and every statement is prepared again after it)."""
    made = [
        sql
        for (sql,) in conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?, ?)",
            _CUSTOMER_QUEUEING,
        )
    ]
    for name in _CUSTOMER_QUEUEING:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    return made


def requeue(conn: sqlite3.Connection, made: list[str]) -> None:
    """Make again the triggers `unqueue` dropped (`made`: its answer)."""
    for sql in made:
        conn.execute(sql)


def index_added_customers(
    conn: sqlite3.Connection, added: list[tuple[int, str, tuple[str, str, str, str]]]
) -> None:
    """Index the customers `added` ((id, name, `customer_columns`) each), just added (with
    their phones and emails) while `unqueued`, in one pass, instead of queueing them row by
    row in `search_dirty`: for the batches of an import, where the queue triggers cost
    about a fifth of the insert, and reading the rows back as much again."""
    # New customers: no index entry to keep, their pinyin and sort key made here (as
    # _doc_rows makes those of a customer whose name changed).
    conn.executemany(
        "INSERT INTO search_name_order (customer_id, sort_key) VALUES (?, ?) "
        "ON CONFLICT (customer_id) DO UPDATE SET sort_key = excluded.sort_key",
        [(i, _sort_key(name)) for i, name, _columns in added],
    )
    source = SOURCES["customers"]
    require_whole(conn, [source.table])
    with said_damaged(conn, source.table):
        if added:  # ids past every customer's: an entry of one (a stale index) is replaced
            low, high = min(a[0] for a in added), max(a[0] for a in added)
            stale = f"SELECT 1 FROM {source.table} WHERE rowid BETWEEN ? AND ? LIMIT 1"
            if conn.execute(stale, (low, high)).fetchone() is not None:
                conn.executemany(
                    f"DELETE FROM {source.table} WHERE rowid = ?", [(a[0],) for a in added]
                )
        names = ", ".join(source.columns)
        marks = ", ".join("?" * (len(source.columns) + 1))
        conn.executemany(
            f"INSERT INTO {source.table} (rowid, {names}) VALUES ({marks})",
            [(i, c[0], _pinyin(name), *c[2:]) for i, name, c in added],
        )


def pending(conn: sqlite3.Connection) -> dict[str, set[int]]:
    """Records changed since the index was last brought up to date, by source."""
    out: dict[str, set[int]] = {}
    for name, ref_id in conn.execute("SELECT source, ref_id FROM search_dirty"):
        out.setdefault(name, set()).add(ref_id)
    return out


def sync(conn: sqlite3.Connection) -> int:
    """Re-index every record queued in `search_dirty`, inside the caller's transaction;
    returns how many. Cheap when nothing changed (one indexed read)."""
    if conn.execute("SELECT 1 FROM search_dirty LIMIT 1").fetchone() is None:
        return 0
    done = 0
    queued = [r[0] for r in conn.execute("SELECT DISTINCT source FROM search_dirty")]
    require_whole(conn, [SOURCES[name].table for name in queued if name in SOURCES])
    # In chunks, so that an import of a million rows re-indexes in flat memory.
    for name in queued:
        after = -1
        while True:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT DISTINCT ref_id FROM search_dirty WHERE source = ? AND ref_id > ? "
                    "ORDER BY ref_id LIMIT ?",
                    (name, after, CHUNK * 10),
                )
            ]
            if not ids:
                break
            if name in SOURCES:
                with said_damaged(conn, SOURCES[name].table):  # not `restore a backup`
                    _index(conn, SOURCES[name], ids)
            done += len(ids)
            after = ids[-1]
    conn.execute("DELETE FROM search_dirty")
    return done


@contextmanager
def appending(conn: sqlite3.Connection, name: str) -> Iterator[None]:
    """Index the rows appended to source `name`'s table inside the block in one pass after
    it, instead of queueing each in `search_dirty`: for imports of many rows, where the
    per-row queue trigger costs more than the insert itself. The source's insert trigger
    is dropped for the block and recreated before it ends, inside the caller's transaction
    (a failure rolls that back too). Only appends to the table belong inside the block;
    other writes to it are queued as usual (its update and delete triggers stay)."""
    source = SOURCES[name]
    require_whole(conn, [source.table])  # before the rows are added, not at COMMIT
    trigger = f"search_{name}_ai"
    found = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)
    ).fetchone()
    if found is None or not source.folded:  # nothing to suspend: index as usual
        yield
        return
    before = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {name}").fetchone()[0]
    conn.execute(f"DROP TRIGGER {trigger}")
    try:
        yield
    finally:
        conn.execute(found[0])
    fold_cached = lru_cache(maxsize=4096)(fold)  # items and categories repeat
    conn.create_function("crm_fold", 1, fold_cached, deterministic=True)
    conn.create_function(
        "crm_fold_join",
        -1,
        # a purchase's body repeats too: most lines have a category and no note or order
        lru_cache(maxsize=4096)(lambda *texts: fold(" ; ".join(t for t in texts if t))),
        deterministic=True,
    )
    with said_damaged(conn, source.table):
        conn.execute(
            f"INSERT INTO {source.table} (rowid, {', '.join(source.columns)}) "
            f"SELECT id, {', '.join(source.folded)} FROM {name} WHERE id > ? ORDER BY id",
            (before,),
        )


def rebuild(
    conn: sqlite3.Connection, *, made: Made | None = None, progress: Progress = SILENT
) -> int:
    """Index every record of every source afresh, inside the caller's transaction; returns
    how many records were indexed. With `made` (crm reindex), first make again what of the
    search machinery is gone or made otherwise (`astray`, `missing_parts`). `progress` hears
    one phase a kind of record, counted."""
    total = 0
    if made is not None:
        _made_as_the_schema(conn, made)  # a trigger, the queue, a table gone or changed
        for source in SOURCES.values():
            gone = missing_parts(conn).get(source.table)
            if gone:  # its shadow tables, made as FTS5 makes them for it
                _made_again(conn, made[source.table][1], source.table, gone)
    for name, source in SOURCES.items():
        _emptied(conn, source.table)
        if name == "customers":
            conn.execute("DELETE FROM search_name_order")
        ids = [r[0] for r in conn.execute(source.ids_sql)]
        progress.phase(_("indexing {what}").format(what=word("table", name)), len(ids))
        for start in range(0, len(ids), 5000):
            chunk = ids[start : start + 5000]
            _index(conn, source, chunk)
            total += len(chunk)
            progress.advance(start + len(chunk))
        conn.execute(f"INSERT INTO {source.table} ({source.table}) VALUES ('optimize')")
    conn.execute("DELETE FROM search_dirty")
    return total


def _made_again(conn: sqlite3.Connection, sql: str, table: str, gone: list[str]) -> None:
    """Make again, empty, the shadow tables `missing_parts` found `gone` of the search table
    `table` (made by `sql`), inside the caller's transaction (`_emptied` then writes its
    index), each as FTS5 defines it for such a table (read from one made for the moment in
    the connection's `temp` schema, as `_reset_index` reads an empty index), beside the ones
    it kept."""
    model = "crm_model"
    conn.execute(sql.replace(f" {table} ", f" temp.{model} ", 1))
    try:
        shadows = dict(
            conn.execute(
                "SELECT name, sql FROM temp.sqlite_master WHERE name LIKE ?", (f"{model}_%",)
            )
        )
    finally:
        conn.execute(f"DROP TABLE temp.{model}")
    for name in gone:
        suffix = name.removeprefix(f"{table}_")
        made = shadows[f"{model}_{suffix}"]  # CREATE TABLE 'crm_model_data'(id INTEGER ...
        conn.execute(made.replace(f"'{model}_{suffix}'", f"main.'{name}'", 1))


def _emptied(conn: sqlite3.Connection, table: str) -> None:
    """Empty the FTS5 table `table`, its index included, without reading the index, which
    may be damaged (blocks of its `_data` shadow table overwritten or gone, its config rows
    garbled, as `crm check` reports it): its own copy of the text (`_content`, `_docsize`)
    is deleted, then FTS5's 'rebuild' writes the index anew from that copy, now empty. A
    `DELETE FROM` the table read every row's old index entries to remove them: over a
    damaged index it failed, an overwritten record with SQLITE_CONSTRAINT, which ended the
    whole transaction. When SQLite cannot even open the table (its header rows gone), the
    index is first written as an empty one (`_reset_index`)."""
    conn.execute(f"DELETE FROM {table}_content")
    conn.execute(f"DELETE FROM {table}_docsize")
    rebuild = f"INSERT INTO {table} ({table}) VALUES ('rebuild')"
    try:
        conn.execute(rebuild)
    except sqlite3.DatabaseError as exc:
        if not damaged_index(exc):
            raise
        _reset_index(conn, table)
        conn.execute(rebuild)
    conn.execute(f"DELETE FROM {table}_config WHERE k = 'rank'")  # as crm made it (RANKS)
    if table in RANKS:
        conn.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('rank', ?)", (RANKS[table],))


# The ranking of the search tables that are not ranked by FTS5's plain bm25(): the weights
# of their columns (a name over a note), as the schema set them (crmcli/store/migrations.py).
RANKS = {"search_customers": "bm25(10.0, 6.0, 1.0, 4.0)", "search_purchases": "bm25(3.0, 1.0)"}


def _reset_index(conn: sqlite3.Connection, table: str) -> None:
    """Write the FTS5 table `table`'s index as an empty one, in its shadow tables `_data`
    and `_idx`, for when its own header rows are gone or garbled and SQLite refuses to open
    the table (`vtable constructor failed`), so that not even 'rebuild' runs. The empty
    index's rows are those the connection's own SQLite writes for a new FTS5 table (read
    from one made for the moment in its `temp` schema), not bytes of crm's: the table's text
    (`_content`) is untouched, and the 'rebuild' after it indexes that text anew."""
    conn.execute("CREATE VIRTUAL TABLE temp.crm_empty_index USING fts5(a)")
    try:
        rows = [tuple(r) for r in conn.execute("SELECT id, block FROM temp.crm_empty_index_data")]
        (version,) = conn.execute(
            "SELECT v FROM temp.crm_empty_index_config WHERE k = 'version'"
        ).fetchone()
    finally:
        conn.execute("DROP TABLE temp.crm_empty_index")
    conn.execute(f"DELETE FROM {table}_data")
    conn.execute(f"DELETE FROM {table}_idx")
    conn.executemany(f"INSERT INTO {table}_data (id, block) VALUES (?, ?)", rows)
    conn.execute(  # the format's version, which FTS5 reads first (its other settings kept)
        f"INSERT OR REPLACE INTO {table}_config (k, v) VALUES ('version', ?)", (version,)
    )


def damaged_index(exc: sqlite3.DatabaseError) -> bool:
    """Whether `exc` says an FTS5 index is damaged: SQLite's `database disk image is
    malformed` (connection.is_damage), or FTS5's own words for its shadow tables garbled
    (`invalid fts5 file format (found 0, expected 4) - run 'rebuild'`)."""
    return is_damage(exc) or "fts5" in str(exc).lower()


def check(conn: sqlite3.Connection, made: Made | None = None) -> list[Said]:
    """Problems with the search index, one Said each, naming its table (empty when it is
    sound): a table or shadow table gone (`missing_parts`), FTS5 'integrity-check' (only on
    a writable connection: FTS5 takes it as an INSERT), and index entries that do not match
    the records they index. Each table is said once, by its worst problem; the queue, the
    pinyin order and the triggers that keep the index in step (`astray`, given `made`) in
    one more."""
    problems = []
    wrong = astray(conn, made) if made is not None else {}
    queued = pending(conn) if "search_dirty" not in wrong else {}
    broken = missing_parts(conn)
    machinery = [name for name in wrong if name not in {s.table for s in SOURCES.values()}]
    if machinery:  # writes would fail, or no longer queue what they change for the index
        problems.append(
            Said(
                "missing: {names}; writes fail or leave the search index behind: run 'crm "
                "reindex' to make them again",
                names=Listing(machinery),
            )
        )
    for source in SOURCES.values():
        table = source.table
        gone = broken.get(table)
        if wrong.get(table) == "changed":
            problems.append(
                Said(
                    "{index} is not made as crm makes it (its columns or tokenizer); the "
                    "records it indexes are not: run 'crm reindex' to make it again",
                    index=table,
                )
            )
            continue
        if gone == [table]:
            problems.append(
                Said(
                    "{index} is missing; the records it indexes are not: run 'crm reindex' to "
                    "make it again",
                    index=table,
                )
            )
            continue
        if gone:
            problems.append(
                Said(
                    "{index} is damaged ({tables} missing); the records it indexes are not: "
                    "run 'crm reindex' to rebuild it",
                    index=table,
                    tables=Listing(gone),
                )
            )
            continue
        damaged = Said(
            "{index} is damaged; the records it indexes are not: run 'crm reindex' to rebuild it",
            index=table,
        )
        try:
            conn.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
            conn.execute(f"SELECT rowid FROM {table} LIMIT 1").fetchall()
        except sqlite3.DatabaseError as exc:
            # The command is an INSERT: a read-only connection cannot run it (skip it there).
            if "readonly" in str(exc) and not damaged_index(exc):
                pass
            elif not damaged_index(exc):
                problems.append(Said("{index}: {error}", index=table, error=exc))
                continue
            else:  # `database disk image is malformed`, unopenable, FTS5's format garbled
                # The records are sound: 'crm reindex' writes it anew from them (_emptied)
                problems.append(damaged)
                continue  # its entries cannot be counted: the rebuild mends them too
        ranked = conn.execute(f"SELECT v FROM {table}_config WHERE k = 'rank'").fetchone()
        if not _finds_its_own(conn, table) or (ranked and ranked[0]) != RANKS.get(table):
            # its entries, or its ranking as crm made it (a garbled one fails every search)
            problems.append(damaged)
            continue
        indexed = {r[0] for r in conn.execute(f"SELECT rowid FROM {table}")}
        live = {r[0] for r in conn.execute(source.ids_sql)}
        dirty = queued.get(source.name, set())
        missing, extra = len(live - indexed - dirty), len(indexed - live - dirty)
        if missing or extra:
            problems.append(
                Said(
                    "{index}: {missing} records not indexed, {extra} entries for records that "
                    "no longer exist; run 'crm reindex'",
                    index=table,
                    missing=missing,
                    extra=extra,
                )
            )
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'search_name_order'").fetchone():
        return problems  # a file from before the keys: the next crm command adds them
    keyed = {r[0] for r in conn.execute("SELECT customer_id FROM search_name_order")}
    live = {r[0] for r in conn.execute(SOURCES["customers"].ids_sql)}
    dirty = queued.get("customers", set())
    missing, extra = len(live - keyed - dirty), len(keyed - live - dirty)
    if missing or extra:
        problems.append(
            Said(
                "pinyin sort keys: {missing} customers without one, {extra} for customers that "
                "no longer exist; run 'crm reindex'",
                missing=missing,
                extra=extra,
            )
        )
    return problems


def _finds_its_own(conn: sqlite3.Connection, table: str) -> bool:
    """Whether the FTS5 `table` finds its first and last entries by their own text: an
    index whose `_idx` rows are gone passes FTS5's 'integrity-check' yet finds nothing, so
    `crm search` answered every query with no rows. The text is read from the table's own
    copy of it, not through the index."""
    column = conn.execute(f"SELECT * FROM {table} LIMIT 0").description[0][0]
    for order in ("ASC", "DESC"):
        row = conn.execute(
            f"SELECT rowid, {column} FROM {table} WHERE length({column}) >= ? "
            f"ORDER BY rowid {order} LIMIT 1",
            (MIN_TRIGRAM,),
        ).fetchone()
        if row is None:
            return True  # nothing long enough to look up
        found = conn.execute(
            f"SELECT 1 FROM {table} WHERE {table} MATCH ? AND rowid = ?",
            (f"{column} : {_phrase(row[1][:12])}", row[0]),
        ).fetchone()
        if found is None:
            return False
    return True


# --- queries ----------------------------------------------------------------------------

_PHONE = re.compile(r"[\d\s()+\-./]+")


def parse(text: str) -> list[Term]:
    """The terms of a query, all of which must match. A query of digits and phone separators
    with 5 or more digits is one phone term (`138 0013` → `1380013`); otherwise each
    whitespace-separated word is a term. Raises InvalidInput for an empty query."""
    stripped = text.strip()
    digits = re.sub(r"\D", "", stripped)
    if _PHONE.fullmatch(stripped) and len(digits) >= 5:
        forms = [digits]
        if digits.startswith("0") and len(digits.lstrip("0")) >= MIN_TRIGRAM:
            forms.append(digits.lstrip("0"))  # a national trunk prefix is not in E.164
        if fold(stripped) != digits:
            forms.append(fold(stripped))
        return [Term(tuple(dict.fromkeys(forms)), phone=True)]
    terms = [Term((w,)) for w in dict.fromkeys(fold(stripped).split())]
    if not terms:
        raise InvalidInput(_("nothing to search for; give some text, e.g. crm search 张伟"))
    return terms


def _phrase(form: str) -> str:
    return '"' + form.replace('"', '""') + '"'


@dataclass
class Hit:
    source: Source
    id: int
    score: float


def _source_hits(
    conn: sqlite3.Connection,
    source: Source,
    terms: list[Term],
    *,
    limit: int | None,
    archived: bool,
    skip: set[int],
) -> list[Hit]:
    long_terms = [t for t in terms if t.indexed]
    short_terms = [t for t in terms if not t.indexed]
    fetch = -1 if limit is None else limit + len(skip)  # SQLite's LIMIT -1: every row
    if long_terms:
        # The trigram index finds the candidates; shorter terms filter them (instr: the
        # index text is folded like the query, so a plain substring test is the right one).
        expression = " AND ".join(
            "(" + " OR ".join(_phrase(f) for f in t.forms) + ")" for t in long_terms
        )
        where, params = _short_filters(short_terms, [f"s.{c}" for c in source.columns])
        sql = (
            f"SELECT s.rowid, -s.rank FROM {source.table} s {source.owner_join} "
            f"WHERE {source.table} MATCH ? AND (? OR c.archived_at IS NULL){where} "
            "ORDER BY s.rank LIMIT ?"
        )
        rows = conn.execute(sql, [expression, int(archived), *params, fetch]).fetchall()
    else:
        # Every term too short for the trigram index: scan the index's own copy of the
        # folded text (its content table, c0, c1, ... in column order: a plain table scan is
        # several times faster than one through FTS5) and score each term by the best column
        # it is in; newest first among equals, which lets a one-column scan stop early.
        columns = [f"s.c{i}" for i in range(len(source.columns))]
        where, params = _short_filters(short_terms, columns)
        score_sql, score_params = "0", []
        order = "s.rowid DESC"
        if len(columns) > 1:
            parts = []
            for term in short_terms:
                cases = " ".join(
                    f"WHEN instr({col}, ?) THEN {weight}"
                    for col, weight in zip(columns, source.weights, strict=True)
                    for _ in term.forms
                )
                parts.append(f"(CASE {cases} ELSE 0 END)")
                score_params += [f for _ in columns for f in term.forms]
            score_sql, order = " + ".join(parts), "score DESC, s.rowid DESC"
        else:
            score_sql = str(source.weights[0] * len(short_terms))
        sql = (
            f"SELECT s.rowid, {score_sql} AS score FROM {source.table}_content s "
            f"{source.owner_join} WHERE (? OR c.archived_at IS NULL){where} "
            f"ORDER BY {order} LIMIT ?"
        )
        rows = conn.execute(sql, [*score_params, int(archived), *params, fetch]).fetchall()
    return [Hit(source, r[0], float(r[1])) for r in rows if r[0] not in skip][:limit]


def _short_filters(terms: list[Term], columns: list[str]) -> tuple[str, list[str]]:
    """SQL requiring each term in one of `columns`, and its parameters."""
    sql, params = "", []
    for term in terms:
        tests = [f"instr({col}, ?)" for col in columns for _ in term.forms]
        sql += " AND (" + " OR ".join(tests) + ")"
        params += [f for _ in columns for f in term.forms]
    return sql, params


def _live_hits(
    conn: sqlite3.Connection, source: Source, terms: list[Term], ids: set[int], archived: bool
) -> list[Hit]:
    """Matches among records changed since the last sync, from their live rows."""
    hits = []
    for doc_id, doc in source.docs(conn, sorted(ids)).items():
        if doc.archived and not archived:
            continue
        columns = doc.columns
        score = 0.0
        for term in terms:
            best = max(
                (w for col, w in zip(columns, source.weights, strict=True) for f in term.forms
                 if f in col),
                default=0.0,
            )  # fmt: skip
            if not best:
                break
            score += best
        else:
            hits.append(Hit(source, doc_id, score))
    return hits


class Result(TypedDict):
    """One record found by `crm search`."""

    rank: int
    source: str  # the kind of record: customer, interaction, task...
    id: int
    customer_id: int
    customer: str
    at: str | None
    field: str  # the label of the field the snippet comes from
    snippet: str
    highlights: list[list[int]]  # [start, end) character pairs into snippet
    marked: str  # the snippet with [..] around the matches
    score: float  # higher is better


def search(
    conn: sqlite3.Connection,
    text: str,
    *,
    sources: Sequence[str] | None = None,
    limit: int | None = 20,
    archived: bool = False,
) -> list[Result]:
    """Records matching every term of `text`, best first, at most `limit` (None: all of
    them; score: -bm25, or
    the column weights for short terms).
    Customers that are archived, and their records, are left out unless `archived`.
    Raises StorageError when a search table it reads is damaged or not whole.
    """
    terms = parse(text)
    chosen = [SOURCES[name] for name in (sources or SOURCES)]
    # A table not whole is said at once, not only by the queries that fail on it (a
    # search table without its `_content` still matches long terms, and fails short ones)
    require_whole(conn, [source.table for source in chosen])
    queued = pending(conn)
    hits: list[Hit] = []
    for source in chosen:
        stale = queued.get(source.name, set())
        # Its blocks overwritten or gone: the records are sound, and the index is theirs
        with said_damaged(conn, source.table):
            hits += _source_hits(conn, source, terms, limit=limit, archived=archived, skip=stale)
        if stale:
            with said_damaged(conn):  # a customer's shows the pinyin indexed for them
                hits += _live_hits(conn, source, terms, stale, archived)
    order = {name: i for i, name in enumerate(SOURCES)}
    hits.sort(key=lambda h: (-h.score, order[h.source.name], -h.id))
    hits = hits[:limit]
    docs: dict[tuple[str, int], Doc] = {}
    for source in chosen:
        ids = [h.id for h in hits if h.source is source]
        if ids:
            with said_damaged(conn):
                found = source.docs(conn, ids)
            for doc_id, doc in found.items():
                docs[(source.name, doc_id)] = doc
    results: list[Result] = []
    for hit in hits:
        doc = docs.get((hit.source.name, hit.id))
        if doc is None:
            continue
        label, snippet, spans = best_snippet(doc, terms, hit.source)
        results.append(
            {
                "rank": len(results) + 1,
                "source": hit.source.kind,
                "id": hit.id,
                "customer_id": doc.customer_id,
                "customer_name": doc.customer,
                "at": doc.at,
                "field": label,
                "snippet": snippet,
                "highlights": [list(s) for s in spans],
                "marked": mark(snippet, spans),
                "score": round(hit.score, 3),
            }
        )
    return results


# --- snippets ---------------------------------------------------------------------------


def best_snippet(
    doc: Doc, terms: Sequence[Term], source: Source | None = None
) -> tuple[str, str, list[tuple[int, int]]]:
    """(field label, snippet, highlight spans) for the field of `doc` that matches most terms."""
    candidates = list(doc.fields)
    if source is not None and source.name == "customers":
        candidates.append(("pinyin", doc.columns[1], False))
    best: tuple[int, int] | None = None
    chosen = (candidates[0][0], " ".join(candidates[0][1].split()), [])
    for index, (label, original, phone) in enumerate(candidates):
        text = " ".join(original.split())
        if not text:
            continue
        matched = sum(1 for t in terms if find_spans(text, [t], phone=phone))
        if matched and (best is None or matched > best[0]):
            best = (matched, index)
            chosen = (label, text, find_spans(text, terms, phone=phone))
    label, text, spans = chosen
    return (label, *window(text, spans))


# --- customer references ----------------------------------------------------------------


def pinyin_matches(
    conn: sqlite3.Connection, key: str, *, archived: bool, partial: bool = False
) -> list[int]:
    """Customers whose name's pinyin or initials equal `key` (`zhangwei`, `zhang wei`, `zw`),
    or with `partial` contain it; `key` is folded. Ids in order, at most 11."""
    compact = key.replace(" ", "")
    if not re.fullmatch(r"[a-z]+", compact):
        return []
    live = "(? OR c.archived_at IS NULL)"
    found = []
    with said_damaged(conn, "search_customers"):  # `crm show zw` meets it too
        if len(compact) >= MIN_TRIGRAM:
            rows = conn.execute(
                "SELECT s.rowid, s.pinyin FROM search_customers s "
                f"JOIN customers c ON c.id = s.rowid WHERE search_customers MATCH ? AND {live} "
                "ORDER BY s.rowid",
                (f"pinyin : {_phrase(compact)}", int(archived)),
            )
        else:
            rows = conn.execute(  # c1 of the content table is the pinyin column
                "SELECT s.id, s.c1 FROM search_customers_content s "
                f"JOIN customers c ON c.id = s.id WHERE instr(s.c1, ?) AND {live} ORDER BY s.id",
                (compact, int(archived)),
            )
        for rowid, pinyin in rows:
            forms = (pinyin or "").split()
            if (compact in forms) or (partial and any(compact in f for f in forms)):
                found.append(rowid)
                if len(found) > 10:
                    break
    return found
