"""The change history of every table, and undo.

Every write transaction of the unit of work (`crmcli.store.db.write`) is a *changeset*: one row of
`changesets` naming the command (`edit`, `tag`, `purchase delete`; never its argument values,
which may be personal data) and when it ran. SQLite triggers, generated from each table's
columns, copy every inserted, updated and deleted row into `history` (old and new values as
JSON) under the changeset that is open, with the customer it belongs to: the row's own id for
`customers`, its `customer_id` column where the table has one, else NULL.

National ID numbers (the columns in NATIONAL_ID_COLUMNS) are never copied in clear into
`history`: the triggers store them masked, as every output shows them, so the history, the
change feed, hooks, `crm sql` and anything else that reads `history` can hand out no clear
number by mistake. Undo must put back the exact value, so the trigger keeps the clear values
of those columns, and only those, in `history_secrets` (history_id, old, new), read by
`undo` and by `--reveal`, never by `crm sql`, and deleted with the history row it belongs
to (`crm forget` erases both). A clear number so lives in its customer's row and in the undo
information of that row's own history, and nowhere else: not in merge snapshots, not under
another customer.

The triggers are (re)created at the end of every schema upgrade for every ordinary table
(`install_triggers`), so tables added by later migrations are covered with no extra code.
Skipped: `changesets`, `history`, `history_control`, `sqlite_*`, virtual tables (FTS) and
their shadow tables, and WITHOUT ROWID tables.

Which changeset is open lives in the one-row table `history_control` (triggers cannot read
a connection's state any other way); it is set after BEGIN and cleared before COMMIT, so it
is never seen set outside the transaction. A transaction with no changeset open
(migrations) records nothing. A bulk writer (an import of a million rows) wraps its inserts
in `bulk_insert(conn, table)`, which records one compact entry instead of one per row: the
range of new row ids, enough for `crm undo` to remove them again.

`undo(conn)` reverts the newest changeset that is neither an undo nor undone, replaying its
history rows in reverse inside the caller's transaction, after checking that each row is
still as that changeset left it; the undo is itself a changeset.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypedDict, cast

from crmcli.core import clock
from crmcli.core.errors import CrmError
from crmcli.core.i18n import N_, Said
from crmcli.core.money import EXPONENTS, grouped
from crmcli.core.vocabulary import Worded

HISTORY_TABLES = ("changesets", "history", "history_control", "history_secrets")
# Derived data that is rebuilt from the recorded tables, so never recorded itself: the
# search index's queue of records to re-index and its pinyin sort keys (crmcli.store.search),
# the purchase summaries and their queue (crmcli.store.summaries), the last contacts and
# theirs (crmcli.store.last_contacts).
DERIVED_TABLES = (
    "search_dirty",
    "search_name_order",
    "purchase_summaries",
    "customer_purchase_days",
    "purchase_summaries_dirty",
    "last_contacts",
    "last_contacts_dirty",
)
TRIGGER_PREFIX = "history_"
OPS = ("insert", "update", "delete")


def quote_ident(name: str) -> str:
    """An SQL identifier in double quotes (a doubled quote inside), for names the schema
    itself gave us (PRAGMA output), never for user input."""
    return '"' + name.replace('"', '""') + '"'


def quote_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def has_history(conn: sqlite3.Connection) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'history_control'"
        ).fetchone()
        is not None
    )


# --- which tables are recorded, and their triggers ------------------------------------------


def recorded_tables(conn: sqlite3.Connection) -> list[str]:
    """Ordinary rowid tables of the main schema whose changes are recorded."""
    rows = conn.execute("PRAGMA main.table_list").fetchall()
    return sorted(
        r[1]
        for r in rows
        if r[2] == "table"
        and not r[4]  # WITHOUT ROWID
        and not r[1].startswith("sqlite_")
        and r[1] not in HISTORY_TABLES
        and r[1] not in DERIVED_TABLES
    )


def user_tables(conn: sqlite3.Connection) -> list[str]:
    """Every table that holds user data: not SQLite's own, not virtual tables (full-text
    indexes) or their shadow tables, which are rebuilt from their content, and not history
    or derived tables (`history`, `*_history`, `search_dirty`), which describe changes or
    are rebuilt rather than hold data. What `crm export --all` writes."""
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
    ).fetchall()
    virtual = [r[0] for r in rows if (r[1] or "").upper().startswith("CREATE VIRTUAL TABLE")]
    return [
        name
        for name, _sql in rows
        if not name.startswith("sqlite_")
        and name not in virtual
        and not any(name.startswith(f"{v}_") for v in virtual)
        and name not in HISTORY_TABLES
        and name not in DERIVED_TABLES
        and not name.endswith("_history")
        and not name.startswith("history_")
    ]


def columns(conn: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """(name, declared type) of a table's stored columns, in order."""
    return [(r[1], r[2] or "") for r in conn.execute(f"PRAGMA table_info({quote_ident(table)})")]


# The columns that hold a national ID number, by table: the one list every copy and every
# output of a row is masked by (`mask_sql` in the history triggers, `shown_values` on output,
# the merge snapshot, `crm sql`). Clear, such a number lives only in that column of its own row
# and, for `crm undo`, in `history_secrets` (see the module docstring).
NATIONAL_ID_COLUMNS: dict[str, frozenset[str]] = {"customers": frozenset({"national_id"})}


def national_id_columns(table: str) -> frozenset[str]:
    return NATIONAL_ID_COLUMNS.get(table, frozenset())


def mask_sql(expr: str) -> str:
    """SQL masking the value of `expr` exactly as crmcli.core.validate.mask_national_id does:
    the first six and last four characters kept, the rest '*'."""
    stars = "replace(hex(zeroblob({n})), '00', '*')"
    return (
        f"CASE WHEN {expr} IS NULL OR {expr} = '' THEN {expr} "
        f"WHEN length({expr}) <= 10 THEN {stars.format(n=f'length({expr})')} "
        f"ELSE substr({expr}, 1, 6) || {stars.format(n=f'length({expr}) - 10')} "
        f"|| substr({expr}, -4) END"
    )


def row_record(
    ref: str, cols: list[tuple[str, str]], *, masked: frozenset[str] = frozenset()
) -> str:
    """SQL building the stored text of a row (`ref` is NEW, OLD or a table alias): a list of
    SQL literals made by quote(), 'name',value,'name',value... JSON functions cannot be used:
    with trusted_schema=OFF SQLite refuses them inside triggers. quote() is exact for every
    type (reals to 17 digits, blobs as X'..'); `decode_record` reads it back. The columns
    named in `masked` are stored masked (mask_sql).

    The names go into one printf format rather than a chain of `||`: SQLite parses every
    trigger of the file each time it is opened, and this text is most of crm's schema, so
    fewer tokens make every command start sooner. printf takes at most 127 arguments: a
    table with more columns gets one printf per 100."""

    def value(n: str) -> str:
        column = f"{ref}.{quote_ident(n)}"
        return mask_sql(column) if n in masked else column

    parts = []
    for start in range(0, len(cols), _PRINTF_COLUMNS):
        chunk = cols[start : start + _PRINTF_COLUMNS]
        form = ",".join(quote_text(n).replace("%", "%%") + ",%s" for n, _ in chunk)
        if start:
            form = "," + form
        args = ", ".join(f"quote({value(n)})" for n, _ in chunk)
        parts.append(f"printf({quote_text(form)}, {args})")
    return " || ".join(parts)


_PRINTF_COLUMNS = 100


_NUMBER = re.compile(r"-?[0-9][0-9.eE+\-]*")


# A stored row's values by column: its keys are whichever columns its table has (open).
Values = dict[str, Any]


def decode_record(text: str | None) -> Values | None:
    """The dict of a stored row record (see row_record); None for None."""
    if text is None:
        return None
    values: list[Any] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == "'":
            j = i + 1
            parts = []
            while True:
                k = text.index("'", j)
                parts.append(text[j:k])
                if k + 1 < n and text[k + 1] == "'":
                    parts.append("'")
                    j = k + 2
                    continue
                i = k + 1
                break
            values.append("".join(parts))
        elif text.startswith("NULL", i):
            values.append(None)
            i += 4
        elif text.startswith("X'", i):
            k = text.index("'", i + 2)
            values.append(bytes.fromhex(text[i + 2 : k]))
            i = k + 1
        else:
            match = _NUMBER.match(text, i)
            if not match:
                raise ValueError(f"unreadable history record at {i}")
            word = match.group(0)
            values.append(int(word) if re.fullmatch(r"-?[0-9]+", word) else float(word))
            i = match.end()
        if i < n:
            if text[i] != ",":
                raise ValueError(f"unreadable history record at {i}")
            i += 1
    return dict(zip(values[0::2], values[1::2], strict=True))


def _owner(table: str, names: list[str], ref: str) -> str:
    if table == "customers":
        return f"{ref}.id"
    if "customer_id" in names:
        return f"{ref}.customer_id"
    return "NULL"


def trigger_sql(
    table: str, cols: list[tuple[str, str]], *, older_than: int | None = None
) -> list[str]:
    """CREATE TRIGGER statements recording inserts, updates and deletes of `table`. With
    `older_than` (inside `bulk_insert`) inserts are not recorded, and updates and deletes
    only of the rows whose rowid is at most `older_than` (the rows there before)."""
    names = [n for n, _ in cols]
    quoted = quote_ident(table)
    literal = quote_text(table)
    secret = [c for c in cols if c[0] in national_id_columns(table)]
    masked = frozenset(n for n, _ in secret)
    statements = []
    for op in OPS:
        ref = "OLD" if op == "delete" else "NEW"
        old = row_record("OLD", cols, masked=masked) if op != "insert" else "NULL"
        new = row_record("NEW", cols, masked=masked) if op != "delete" else "NULL"
        keep = ""
        if secret:  # the clear values, for undo only, beside the history row just written
            refs = [r for r, skip in (("OLD", "insert"), ("NEW", "delete")) if op != skip]
            clear = {r: row_record(r, secret) if r in refs else "NULL" for r in ("OLD", "NEW")}
            present = " OR ".join(f"{r}.{quote_ident(n)} IS NOT NULL" for r in refs for n in masked)
            keep = (
                "INSERT INTO history_secrets (history_id, old, new) "
                f"SELECT last_insert_rowid(), {clear['OLD']}, {clear['NEW']} "
                f"WHERE {present}; "
            )
        when = "(SELECT changeset_id FROM history_control) IS NOT NULL"
        if older_than is not None:
            if op == "insert":
                continue
            when += f" AND OLD.rowid <= {int(older_than)}"
        if op == "update":  # a no-op update (same values) is not a change
            changed = " OR ".join(
                f"OLD.{quote_ident(n)} IS NOT NEW.{quote_ident(n)}" for n in names
            )
            when += f" AND ({changed})"
        name = quote_ident(TRIGGER_PREFIX + table + "_" + op)
        statements.append(
            f"CREATE TRIGGER {name} AFTER {op.upper()} ON {quoted} WHEN {when} "
            "BEGIN "
            "INSERT INTO history (changeset_id, table_name, row_id, customer_id, op, old, new) "
            f"SELECT changeset_id, {literal}, {ref}.rowid, {_owner(table, names, ref)}, "
            f"'{op}', {old}, {new} FROM history_control; "
            f"{keep}END"
        )
    return statements


def install_triggers(conn: sqlite3.Connection) -> int:
    """Drop and recreate the history triggers of every recorded table (inside the caller's
    transaction); returns how many tables are covered."""
    if not has_history(conn):
        return 0
    old = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'history\\_%' "
        "ESCAPE '\\'"
    ).fetchall()
    for (name,) in old:
        conn.execute(f"DROP TRIGGER {quote_ident(name)}")
    tables = recorded_tables(conn)
    for table in tables:
        for statement in trigger_sql(table, columns(conn, table)):
            conn.execute(statement)
    return len(tables)


def missing_triggers(conn: sqlite3.Connection) -> list[str]:
    """Recorded tables lacking any of their three history triggers (for `crm check`)."""
    present = {
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
    }
    return [
        t
        for t in recorded_tables(conn)
        if any(f"{TRIGGER_PREFIX}{t}_{op}" not in present for op in OPS)
    ]


# --- changesets ------------------------------------------------------------------------------


def begin(conn: sqlite3.Connection, command: str) -> int | None:
    """Open a changeset for `command` inside the current transaction; None when the file has
    no history tables yet (during its first migrations)."""
    if not has_history(conn):
        return None
    cursor = conn.execute(
        "INSERT INTO changesets (command, at) VALUES (?, ?)", (command, clock.timestamp())
    )
    changeset = int(cursor.lastrowid or 0)
    conn.execute("UPDATE history_control SET changeset_id = ? WHERE id = 1", (changeset,))
    return changeset


def finish(conn: sqlite3.Connection, changeset: int) -> None:
    """Close the changeset before COMMIT; one that recorded nothing is not kept."""
    conn.execute("UPDATE history_control SET changeset_id = NULL WHERE id = 1")
    conn.execute(
        "DELETE FROM changesets WHERE id = ? AND undoable = 1 AND reverts IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM history WHERE changeset_id = ?)",
        (changeset, changeset),
    )


def current(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT changeset_id FROM history_control WHERE id = 1").fetchone()
    return row[0] if row else None


@contextmanager
def unrecorded(conn: sqlite3.Connection) -> Iterator[None]:
    """Keep the changes made inside out of the open changeset, so out of `crm history` and
    `crm undo`: for what crm notes about the file itself rather than what the command
    changed (the default_region saved from the locale on the first write)."""
    changeset = current(conn) if has_history(conn) else None
    if changeset is None:
        yield
        return
    conn.execute("UPDATE history_control SET changeset_id = NULL WHERE id = 1")
    try:
        yield
    finally:
        conn.execute("UPDATE history_control SET changeset_id = ? WHERE id = 1", (changeset,))


@contextmanager
def bulk_insert(
    conn: sqlite3.Connection, *tables: str, parents: tuple[str, ...] = ()
) -> Iterator[None]:
    """Record the rows appended to each of `tables` (and `parents`) inside the block as ONE
    history entry per table (the range of their ids) instead of one entry per row: for
    imports of many rows, where per-row triggers cost too much (bench/history_triggers.py).
    Updates and deletes of the rows that were there before the block are recorded as usual
    (an import that updates the customer it matches), those of the appended rows are not:
    `crm undo` deletes the range, which undoes them too. The triggers are swapped for the
    block and restored before it ends, all inside the caller's transaction (a crash rolls
    that back too); other tables written in the block are recorded as usual.

    Undo goes backwards: it deletes the rows appended to `tables` (the last one's first),
    then reverts the per-row entries of the block, then deletes the rows appended to
    `parents`. So a table whose new rows recorded rows may point at (customers, which an
    updated customer may name as referrer) goes in `parents`, and one whose new rows may
    repeat a unique value of a row the block deleted (the phones of an updated customer,
    deleted and inserted again) in `tables`."""
    changeset = current(conn)
    if changeset is None:
        yield
        return
    before: dict[str, int] = {}
    entries: dict[str, int | None] = {}
    for table in (*parents, *tables):
        quoted = quote_ident(table)
        before[table] = conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {quoted}").fetchone()[0]
        _drop_triggers(conn, table)
        for statement in trigger_sql(table, columns(conn, table), older_than=before[table]):
            conn.execute(statement)
        entries[table] = _bulk_entry(conn, changeset, table) if table in parents else None
    try:
        yield
    finally:
        for table in before:
            _drop_triggers(conn, table)
            for statement in trigger_sql(table, columns(conn, table)):
                conn.execute(statement)
    for table in before:
        first, last, count = conn.execute(
            f"SELECT min(rowid), max(rowid), count(*) FROM {quote_ident(table)} WHERE rowid > ?",
            (before[table],),
        ).fetchone()
        entry = entries[table] if table in parents else _bulk_entry(conn, changeset, table)
        if count:
            conn.execute(
                "UPDATE history SET new = ? WHERE id = ?",
                (f"'first_id',{int(first)},'last_id',{int(last)},'rows',{int(count)}", entry),
            )
        else:
            conn.execute("DELETE FROM history WHERE id = ?", (entry,))


def _bulk_entry(conn: sqlite3.Connection, changeset: int, table: str) -> int:
    """A new `bulk_insert` history row of `table`, its range still to be written."""
    cursor = conn.execute(
        "INSERT INTO history (changeset_id, table_name, row_id, customer_id, op, old, new) "
        "VALUES (?, ?, NULL, NULL, 'bulk_insert', NULL, NULL)",
        (changeset, table),
    )
    return int(cursor.lastrowid or 0)


def _drop_triggers(conn: sqlite3.Connection, table: str) -> None:
    for op in OPS:
        conn.execute(f"DROP TRIGGER IF EXISTS {quote_ident(TRIGGER_PREFIX + table + '_' + op)}")


def mark_not_undoable(conn: sqlite3.Connection) -> None:
    """Keep the open changeset even with no history rows, and never undo it (forget)."""
    changeset = current(conn)
    if changeset is not None:
        conn.execute("UPDATE changesets SET undoable = 0 WHERE id = ?", (changeset,))


# --- reading ---------------------------------------------------------------------------------


def shown_values(values: Values | None, reveal: bool, table: str) -> Values | None:
    """A row of `table` for output: its national-ID columns (NATIONAL_ID_COLUMNS) masked
    unless `reveal`, bytes as x'hex' (JSON has no bytes)."""
    if values is None:
        return None
    from crmcli.core.validate import mask_national_id

    hidden = frozenset() if reveal else national_id_columns(table)
    out = {}
    for k, v in values.items():
        if isinstance(v, bytes):
            v = f"x'{v.hex()}'"
        elif k in hidden and isinstance(v, str):
            v = mask_national_id(v)
        out[k] = v
    return out


def images(
    table: str,
    old: str | None,
    new: str | None,
    clear: tuple[str | None, str | None] = (None, None),
    *,
    reveal: bool = False,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """A history row's old and new values for output. History holds national IDs masked;
    with `reveal` the clear values kept for undo (`clear`: its history_secrets old, new)
    are put back."""
    values = [decode_record(old), decode_record(new)]
    if reveal:
        for i, secret in enumerate(clear):
            if values[i] is not None and secret is not None:
                values[i] = {**values[i], **(decode_record(secret) or {})}
    return shown_values(values[0], reveal, table), shown_values(values[1], reveal, table)


def _summary(table: str, op: str, old: dict | None, new: dict | None) -> str:
    if table == "customer_fields" and op in ("insert", "update", "delete"):
        old, new = _field_row(old), _field_row(new)
        if op == "update" and old and new:  # `district: 朝阳区 → 海淀区`, not `value: ...`
            keys = [*old, *(k for k in new if k not in old)]
            changed = [(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]
            return Changes(changed, table=table, updated=True)
    if op == "bulk_insert" and new:
        from crmcli.core.text import plural

        if new["first_id"] == new["last_id"]:
            rows = plural(new["rows"], "row")
            return Said("{rows} (id {first})", rows=rows, first=new["first_id"])
        return Said(
            "{rows} (ids {first}-{last})",
            rows=plural(new["rows"], "row"),
            first=new["first_id"],
            last=new["last_id"],
        )
    if op == "update" and old and new:
        changed = [k for k, v in new.items() if old.get(k) != v]
        shown = [k for k in changed if k not in ("updated_at", "version")] or changed
        currency = new.get("currency") or old.get("currency")  # of amounts it left as they were
        return Changes(
            [(k, old.get(k), new[k]) for k in shown], table=table, updated=True, currency=currency
        )
    values = new if op == "insert" else old
    fields = [(k, v, v) for k, v in (values or {}).items() if v is not None]
    return Changes(fields, table=table, updated=False)


def _field_row(values: dict | None) -> dict | None:
    """A user-defined field's row as the field it holds (`district=朝阳区`), not as its
    `key` and `value` columns."""
    if not values or "key" not in values:
        return values
    kept = {k: v for k, v in values.items() if k not in ("key", "value")}
    return {**kept, str(values["key"]): values.get("value")}


def _value(v: Any) -> str:
    return "∅" if v is None else str(v)


class Undone(Worded):
    """A command that was undone: `tag (undone)`, on a terminal `tag（已撤销）`."""

    def __new__(cls, command: str) -> Undone:
        said = str.__new__(cls, f"{command} (undone)")
        said.command = command
        return said

    command: str

    def worded(self) -> str:
        from crmcli.core.i18n import _
        from crmcli.core.vocabulary import word

        return _("{command} (undone)").format(command=word("command", self.command))


class Changes(Worded):
    """A history row's one-line summary: the fields an update changed (`city: Paris →
    Lyon; stage: lead → customer`) or the values a row was inserted or deleted with
    (`id=9, name=张伟`), named by their keys in data, JSON and CSV (`amount_minor: 76800 →
    9950`), and for people (`worded`) with each field in words (in English its key as words,
    `amount: 768.00 CNY → 99.50 CNY`; in another language the words of the card and table
    headers), an amount as money, crm's own values in words, a saved filter as its options
    and the columns crm keeps for itself (`name_key`) left out (`阶段：潜在客户 → 成交客户；
    城市：Paris → Lyon`)."""

    fields: tuple[tuple[str, Any, Any], ...]
    table: str
    updated: bool
    currency: str | None
    entry: int | None
    at: str | None

    def __new__(
        cls,
        fields: list[tuple[str, Any, Any]],
        *,
        table: str,
        updated: bool,
        currency: str | None = None,
    ) -> Changes:
        if updated:
            text = "; ".join(f"{k}: {_value(a)} → {_value(b)}" for k, a, b in fields)
        else:
            text = ", ".join(f"{k}={_value(b)}" for k, a, b in fields)
        said = str.__new__(cls, text)
        said.fields, said.table, said.updated = tuple(fields), table, updated
        said.currency = currency  # the row's, when the change left its currency as it was
        said.entry, said.at = None, None  # the history row it says, and its time
        return said

    def unchanged_in_words(self) -> bool:
        """Whether an update reads the same before and after for a person: every field it
        changed is said alike (a saved filter's tag bound to its id: `--tag 展会`)."""
        return self.updated and not any(a != b for _k, a, b in self._words())

    def worded(self) -> str:
        from crmcli.core.i18n import _

        words = self._words()
        if self.updated:
            # a field that reads the same before and after (a filter's tag bound to its id,
            # `--tag 展会 → --tag 展会`) changed nothing a person reads: the others say it
            template = _("{field}: {old} → {new}")
            changed = [w for w in words if w[1] != w[2]] or words
            pieces = [template.format(field=k, old=a, new=b) for k, a, b in changed]
        else:
            template = _("{field}={value}")
            pieces = [template.format(field=k, value=b) for k, a, b in words]
        return _("; ").join(pieces)

    def _words(self) -> list[tuple[str, str, str]]:
        """Each field shown, as (its name, old and new value) in the run's words."""
        # A column a person never typed (a name's search key, a row's version and time of
        # change) is left out, unless the change is to nothing else; so are, in a row added
        # or removed, its id and customer, which the record and customer columns show.
        left_out = _INTERNAL if self.updated else _INTERNAL | _SHOWN_BESIDE
        if not self.updated and any(k == "record" for k, _a, _b in self.fields):
            left_out = left_out | _SAID_BY_RECORD.get(self.table, frozenset())
        fields = [f for f in self.fields if f[0] not in left_out] or list(self.fields)
        if self.table == "custom_festivals" and not self.updated:
            fields = _festival_day(fields)
        return [(self._named(k), self._said(k, a), self._said(k, b)) for k, a, b in fields]

    def _named(self, key: str) -> str:
        from crmcli.core.i18n import _, current
        from crmcli.core.vocabulary import WORDS, header, word

        if current() == "en" and (self.table, key) in _LABELS:  # `records moved`
            return _LABELS[self.table, key].split("|", 1)[-1]
        if current() == "en":  # the key as words: `amount_minor` is an amount, in its currency
            return key.removesuffix("_minor").replace("_", " ") if key != _DAY else key
        if key == _DAY:
            return _("Date")
        if (self.table, key) in _LABELS:
            return _(_LABELS[self.table, key]).split("|", 1)[-1]
        key = key.removesuffix("_minor")  # an amount, said in its currency
        if key == "name" and self.table != "customers":  # a tag's, a product's
            return _("record|name").split("|", 1)[-1]
        if key in WORDS["field"]:
            return str(word("field", key))
        shown = header(key)  # a header's words, when the catalog has them
        return key if shown.isascii() else shown

    def _said(self, key: str, value: Any) -> str:
        from crmcli.core.i18n import _
        from crmcli.core.vocabulary import word

        # a saved filter (a segment's or a rule's, a care rule's selection), as its options
        if isinstance(value, str) and key in ("filter", "selection"):
            return _filter_options(value)
        if key == _DAY:
            return str(value)
        if isinstance(value, str) and (self.table, key) in _SAID:
            return _SAID[self.table, key](value)
        currency = next((b or a for k, a, b in self.fields if k == "currency"), self.currency)
        if key.endswith("_minor") and isinstance(value, int) and currency in EXPONENTS:
            return f"{grouped(value, currency)} {currency}"  # 500.00 CNY, not 50000
        if isinstance(value, str) and _MOMENT.fullmatch(value):
            return _local_minute(value)
        if key.startswith("is_") and value in (0, 1):
            return _("yes") if value else _("no")
        vocabulary = _VOCABULARIES.get((self.table, key), key)
        return _value(word(vocabulary, value))


# Columns kept for crm's own use, which a person never typed: a customer's name and an
# email as they are looked up (`name_key`, `email_key`), a row's version and time of change,
# when a tag was put on (the change's own time says it); not shown in a change's words for
# people.
BOOKKEEPING = frozenset({"version", "updated_at"})
_INTERNAL = BOOKKEEPING | {"name_key", "email_key", "tagged_at"}
_SHOWN_BESIDE = frozenset({"id", "customer_id", "created_at"})
# Columns a kept record says already: a merge's profile (`朱子子 (#8)`) names the customer
# merged away, and the change's own time says when.
_SAID_BY_RECORD = {"customer_merges": frozenset({"merged_id", "merged_name", "merged_at"})}
_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:[+-]\d\d:\d\d|Z)")


# A user's festival's month and day, said as one day (`腊月初八`), not as two numbers.
_DAY = "month and day"


def _festival_day(fields: list[tuple[str, Any, Any]]) -> list[tuple[str, Any, Any]]:
    """A festival added or removed with its `month` and `day` said as one day of its
    calendar (`历法：农历；日期：腊月初八`)."""
    from crmcli.core.festivals import month_day_said

    values = {k: b for k, a, b in fields}
    if not {"calendar", "month", "day"} <= values.keys():
        return fields
    said = month_day_said(values["calendar"], values["month"], values["day"])
    kept = [f for f in fields if f[0] not in ("month", "day")]
    return [*kept, (_DAY, said, said)]


def _local_minute(stamp: str) -> str:
    """A stored moment as screens say it: local time to the minute."""
    from datetime import datetime

    try:
        return f"{datetime.fromisoformat(stamp).astimezone():%Y-%m-%d %H:%M}"
    except ValueError:  # typed text in that shape, with no such day
        return stamp


# Columns whose words are not those of their name: a phone's `kind` is not a customer's.
_VOCABULARIES = {("customer_phones", "kind"): "phone_kind"}

# Columns named otherwise than their header says elsewhere: a merge's `moved` counts records
# by table, not the customers a report's `Moved` counts.
_LABELS = {
    ("customer_merges", "moved"): N_("merge|records moved"),
    ("customer_merges", "record"): N_("merge|merged profile"),
}


# What a merge moved, counted as a person counts it (`3 interactions`, `3 条互动`), by the
# table (or `table.column`) it was moved in: one form for one, one for more.
_MOVED = {
    "interactions": (N_("{n} interaction"), N_("{n} interactions")),
    "purchases": (N_("{n} purchase"), N_("{n} purchases")),
    "customer_tags": (N_("{n} tag"), N_("{n} tags")),
    "rule_tags": (N_("{n} tag given by a rule"), N_("{n} tags given by rules")),
    "customer_emails": (N_("{n} email"), N_("{n} emails")),
    "customer_phones": (N_("{n} phone"), N_("{n} phones")),
    "customer_fields": (N_("{n} custom field"), N_("{n} custom fields")),
    "customer_relations": (N_("{n} relation"), N_("{n} relations")),
    "customer_relations.related_id": (N_("{n} relation"), N_("{n} relations")),
    "customers.referred_by": (N_("{n} customer referred"), N_("{n} customers referred")),
    "tasks": (N_("{n} task"), N_("{n} tasks")),
    "feedback": (N_("{n} feedback entry"), N_("{n} feedback entries")),
    "surveys": (N_("{n} survey answer"), N_("{n} survey answers")),
    "important_dates": (N_("{n} date"), N_("{n} dates")),
    "stage_changes": (N_("{n} stage change"), N_("{n} stage changes")),
    "customer_merges": (N_("{n} earlier merge"), N_("{n} earlier merges")),
    "customer_vcards": (N_("{n} vCard"), N_("{n} vCards")),
}


def _moved(stored: str) -> str:
    """A merge's records moved (JSON: table or `table.column` to a count) as a person counts
    them, the most first: `3 interactions, 2 purchases, 1 tag`, `3 条互动、2 条购买记录、1 个
    标签`; a table
    crm has no words for (a newer one) by its word and count."""
    import json

    from crmcli.core.i18n import _
    from crmcli.core.vocabulary import word

    try:
        moved = json.loads(stored)
    except ValueError:
        return stored
    if not isinstance(moved, dict):
        return stored

    def counted(name: str, count: Any) -> str:
        if name in _MOVED and isinstance(count, int):
            one, many = _MOVED[name]
            return _(one if count == 1 else many).format(n=count)
        table = name.partition(".")[0]
        return _("{what} {count}").format(what=word("table", table), count=count)

    # the most first, as a person tells it; alike counts in the order of _MOVED
    order = {name: i for i, name in enumerate(_MOVED)}
    ranked = sorted(
        moved.items(),
        key=lambda kv: (-kv[1] if isinstance(kv[1], int) else 0, order.get(kv[0], len(order))),
    )
    return _(", ").join(counted(k, n) for k, n in ranked) or _("none")


def _profile(stored: str) -> str:
    """A merged customer's profile as kept (JSON), by its name and id: `罗大为（#57）`."""
    import json

    from crmcli.core.i18n import _

    try:
        record = json.loads(stored)
        return _("{name} (#{id})").format(name=record["name"], id=record["id"])
    except (ValueError, TypeError, KeyError):
        return stored


def _festival(key: str) -> str:
    """A care rule's festival key as its name: `spring-festival` is 春节, `all` 全部节日."""
    from crmcli.core.festivals import BY_KEY
    from crmcli.core.i18n import _

    if key == "all":
        return _("every festival")
    return BY_KEY[key].name if key in BY_KEY else key  # a user's own: its name


def _lunar(stored: str) -> str:
    """A lunar date as stored (`2020-03-10`, `1990-闰06-15`) as the calendar says it, after
    its field's name says lunar: `2020年三月初十`."""
    from crmcli.core import lunar

    try:
        value = lunar.stored(stored)
    except ValueError:
        return stored
    return stored if value is None else lunar.chinese(value).removeprefix("农历")


def _period(stored: str) -> str:
    """A task's repeat as stored (`1m`) in the run's words (`每月`), as the task list says it."""
    from crmcli.core.dates import StoredPeriod

    return StoredPeriod(stored).said()


_SAID = {
    ("tasks", "every"): _period,
    ("customer_merges", "moved"): _moved,
    ("important_dates", "date_lunar"): _lunar,
    ("customers", "birthday_lunar"): _lunar,
    ("customer_merges", "record"): _profile,
    ("care_rules", "festival"): _festival,
}


def _filter_options(stored: str) -> str:
    """A stored filter (JSON) as the options that make it, in the run's words (`--city 上海
    --lifecycle 流失风险`); as it is when it is not one."""
    import json

    from crmcli.core.where import as_options

    try:
        saved = json.loads(stored)
    except ValueError:
        return stored
    if saved == {}:  # no filter: everyone (`crm care rule list` says it so too)
        from crmcli.core.i18n import _

        return _("everyone")
    return (as_options(saved).said() or stored) if isinstance(saved, dict) else stored


class HistoryRow(TypedDict):
    """One change to one row (`crm history`)."""

    changeset_id: int
    at: str
    command: str  # with " (undone)" once undone
    table: str
    record_id: int | None  # the changed row's id in `table`; None for an import's rows
    customer_id: int | None
    customer_name: str | None
    op: str  # insert, update, delete or bulk_insert
    changes: str  # a one-line summary
    old: Values | None  # sensitive values masked unless revealed
    new: Values | None


HISTORY_COLUMNS = (
    "changeset_id", "at", "command", "table", "record_id", "customer_id", "customer_name", "op",
    "changes",
)  # fmt: skip


def list_history(
    conn: sqlite3.Connection,
    *,
    customer_id: int | None = None,
    limit: int | None = None,
    reveal: bool = False,
    bookkeeping: bool = True,
) -> list[HistoryRow]:
    """History rows, newest first, with old/new values (sensitive ones masked unless
    `reveal`) and a one-line `changes` summary. Without `bookkeeping`, a record's update
    of its version and time of change alone (what every edit of a customer's phones,
    emails, fields or tags writes beside the rows that say the change) is left out before
    `limit` counts, so that `limit` rows are that many changes a person made."""
    sql = (
        "SELECT h.id, h.changeset_id, c.at, c.command, h.table_name, h.row_id, h.customer_id, "
        "h.op, h.old, h.new, c.undone_at, s.old AS s_old, s.new AS s_new, cu.name AS who "
        "FROM history h JOIN changesets c ON c.id = h.changeset_id "
        "LEFT JOIN customers cu ON cu.id = h.customer_id "
        "LEFT JOIN history_secrets s ON s.history_id = h.id"
    )
    params: list[Any] = []
    if customer_id is not None:
        bulk = _bulk_entries_of(conn, customer_id)
        sql += f" WHERE h.customer_id = ? OR h.id IN ({', '.join('?' * len(bulk))})"
        params += [customer_id, *bulk]
    sql += " ORDER BY h.id DESC"
    if limit and bookkeeping:
        sql += " LIMIT ?"
        params.append(limit)
    out: list[HistoryRow] = []
    for row in conn.execute(sql, params):
        if limit and len(out) == limit:
            break
        clear = (row["s_old"], row["s_new"])
        old, new = images(row["table_name"], row["old"], row["new"], clear, reveal=reveal)
        if not bookkeeping and row["op"] == "update" and old and new and _bookkeeping(old, new):
            continue
        out.append(
            {
                "changeset_id": row["changeset_id"],
                "at": row["at"],
                "command": Undone(row["command"]) if row["undone_at"] else row["command"],
                "table": row["table_name"],
                "record_id": row["row_id"],
                "customer_id": row["customer_id"],
                "customer_name": row["who"],
                "op": row["op"],
                "changes": _of_entry(
                    _summary(row["table_name"], row["op"], old, new), row["id"], row["at"]
                ),
                "old": old,
                "new": new,
            }
        )
    return out


def _of_entry(summary: Any, entry: int, at: str) -> Any:
    """A change's summary that knows the history row it says and when that was (a tag is
    named as it was called then: `tag_names_then`)."""
    if isinstance(summary, Changes):
        summary.entry, summary.at = entry, at
    return summary


def tag_names_then(
    conn: sqlite3.Connection, wanted: set[tuple[int, str, int]]
) -> dict[tuple[int, int], str]:
    """The name each tag had when a change was made: `wanted` holds (history row, its
    time, tag id) and the answer maps (history row, tag id) to the name, for a change that
    names a tag by its id (a customer's tags, a rule's). A tag that still exists and was
    there then is named as it is now; one deleted since (a rename merged it into another,
    `crm forget` took it) as its own history recorded it: the name it had before its next
    change after that one (its deletion records it), else the last one it was given. A tag
    whose name was recorded nowhere (deleted outside crm) is missing from the answer."""
    from datetime import datetime

    def moment(stamp: str) -> datetime | None:
        """A stored time with its offset (one without cannot be compared: unknown)."""
        try:
            found = datetime.fromisoformat(stamp)
        except (TypeError, ValueError):
            return None
        return found if found.tzinfo is not None else None

    ids = sorted({tag for _entry, _at, tag in wanted if isinstance(tag, int)})
    now: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters
        part = ids[start : start + 500]
        marks = ", ".join("?" * len(part))
        for tag, name, created in conn.execute(
            f"SELECT id, name, created_at FROM tags WHERE id IN ({marks})", part
        ):
            now[tag] = (name, created)
    found: dict[tuple[int, int], str] = {}
    rest = []
    for entry, at, tag in wanted:
        if tag in now:
            created, then = moment(now[tag][1]), moment(at)
            # an id SQLite gave again to a tag made after the change: not the tag it named
            if created is None or then is None or created <= then:
                found[entry, tag] = now[tag][0]
                continue
        rest.append((entry, tag))
    if not rest:
        return found
    # the tags' own recorded changes: every name they were given, and the one each
    # deletion or rename took away (read only for tags gone since, which are few)
    marks = ", ".join("?" * len({tag for _entry, tag in rest}))
    recorded: dict[int, list[tuple[int, str, Values | None, Values | None]]] = {}
    for entry, tag, op, old, new in conn.execute(
        "SELECT id, row_id, op, old, new FROM history WHERE table_name = 'tags' "
        f"AND row_id IN ({marks}) ORDER BY id",
        sorted({tag for _entry, tag in rest}),
    ):
        recorded.setdefault(tag, []).append((entry, op, decode_record(old), decode_record(new)))
    for entry, tag in rest:
        changes = recorded.get(tag, [])
        after = next((c for c in changes if c[0] > entry and c[1] != "insert"), None)
        before = [c for c in changes if c[0] <= entry]
        name = None
        if after is not None and after[2]:  # its deletion (or rename) after it says it
            name = after[2].get("name")
        elif before:  # else the last name it was given (or had, when deleted right then)
            last = before[-1]
            image = last[2] if last[1] == "delete" else last[3]
            name = (image or {}).get("name")
        if isinstance(name, str):
            found[entry, tag] = name
    return found


def _bookkeeping(old: dict, new: dict) -> bool:
    """Whether an update changed nothing but the record's version and time of change."""
    return {k for k, v in new.items() if old.get(k) != v} <= BOOKKEEPING


def _bulk_entries_of(conn: sqlite3.Connection, customer_id: int) -> list[int]:
    """The `bulk_insert` history rows (an import's, which name no record) whose range holds
    customer `customer_id` or a row of theirs (their tags, phones, purchases): a customer's
    history starts with the import that added them. An import writes one such row per table,
    so there are few to look at."""
    found = []
    bulk = (  # by the index of customer_id: an import's entries name no customer
        "SELECT id, table_name, new FROM history "
        "WHERE customer_id IS NULL AND op = 'bulk_insert' AND new IS NOT NULL"
    )
    for entry, table, new in conn.execute(bulk).fetchall():
        span = decode_record(new) or {}
        first, last = span.get("first_id"), span.get("last_id")
        if table == "customers":
            hit = first <= customer_id <= last
        elif "customer_id" in {name for name, _type in columns(conn, table)}:
            hit = conn.execute(
                f"SELECT 1 FROM {quote_ident(table)} "  # a table of crm's own, quoted
                "WHERE customer_id = ? AND rowid BETWEEN ? AND ? LIMIT 1",
                (customer_id, first, last),
            ).fetchone()
        else:
            hit = False
        if hit:
            found.append(entry)
    return found


# --- undo ------------------------------------------------------------------------------------


class Entry(TypedDict):
    """One stored history row of a changeset (old and new as stored: see row_record)."""

    id: int
    table_name: str
    row_id: int
    customer_id: int | None
    op: str
    old: str | None
    new: str | None


@dataclass
class Plan:
    """What `crm undo` would revert."""

    changeset: int
    command: str
    at: str
    undoable: bool
    rows: list[Entry]


def undo_target(conn: sqlite3.Connection) -> Plan | None:
    """The newest changeset that is not an undo, not undone, and not the open one."""
    row = conn.execute(
        "SELECT c.id, c.command, c.at, c.undoable FROM changesets c "
        "WHERE c.reverts IS NULL AND c.undone_at IS NULL AND c.id IS NOT ? "
        "AND (c.undoable = 0 OR EXISTS (SELECT 1 FROM history h WHERE h.changeset_id = c.id)) "
        "ORDER BY c.id DESC LIMIT 1",
        (current(conn),),
    ).fetchone()
    if row is None:
        return None
    rows = [
        cast(Entry, dict(r))
        for r in conn.execute(
            "SELECT h.id, h.table_name, h.row_id, h.customer_id, h.op, h.old, h.new, "
            "s.old AS s_old, s.new AS s_new FROM history h "
            "LEFT JOIN history_secrets s ON s.history_id = h.id "
            "WHERE h.changeset_id = ? ORDER BY h.id DESC",
            (row["id"],),
        )
    ]
    return Plan(row["id"], row["command"], row["at"], bool(row["undoable"]), rows)


class UndoStep(TypedDict):
    """What `crm undo` does to one row."""

    action: str  # delete, restore or re-create
    table: str
    row_id: int
    customer_id: int | None
    changes: str


def describe(plan: Plan, *, reveal: bool = False) -> list[UndoStep]:
    """One line per row the undo will touch: what it does to it."""
    verbs = {
        "insert": "delete",
        "update": "restore",
        "delete": "re-create",
        "bulk_insert": "delete",
    }
    out: list[UndoStep] = []
    for r in plan.rows:
        clear = (r["s_old"], r["s_new"])
        old, new = images(r["table_name"], r["old"], r["new"], clear, reveal=reveal)
        if r["op"] == "update":
            summary = _summary(r["table_name"], "update", new, old)  # reversed: new → old
        else:
            summary = _summary(r["table_name"], r["op"], old, new)
        out.append(
            {
                "action": verbs[r["op"]],
                "table": r["table_name"],
                "record_id": r["row_id"],
                "customer_id": r["customer_id"],
                "changes": _of_entry(summary, r["id"], plan.at),
            }
        )
    return out


class UndoConflict(CrmError):
    """The changeset's rows were changed since; undoing would lose those changes (exit 1)."""


def _current_row(conn: sqlite3.Connection, table: str, row_id: int) -> Values | None:
    cols = columns(conn, table)
    row = conn.execute(
        f"SELECT {row_record('t', cols)} FROM {quote_ident(table)} AS t WHERE t.rowid = ?",
        (row_id,),
    ).fetchone()
    return decode_record(row[0]) if row else None


def _clear(text: str | None, secret: str | None) -> dict[str, Any] | None:
    """A history image with its national IDs clear again (from history_secrets)."""
    values = decode_record(text)
    if values is not None and secret is not None:
        values.update(decode_record(secret) or {})
    return values


# Columns whose words of crm's own are stored as their keys since migration m023 (a channel
# typed 微信 is `wechat`). A change recorded before it holds the word as typed: undo compares
# and writes back the key, as the row holds it now and as crm writes it.
_KEYED = {"interactions": "channel", "customers": "preferred_channel"}


def _as_stored(table: str, values: dict[str, Any] | None) -> dict[str, Any] | None:
    """A history image with a channel word of crm's own (`微信`) as its key (`wechat`)."""
    column = _KEYED.get(table)
    if values is not None and column is not None and isinstance(values.get(column), str):
        from crmcli.core.vocabulary import understood

        values[column] = understood(column, values[column]) or values[column]
    return values


def undo(conn: sqlite3.Connection, plan: Plan) -> int:
    """Revert `plan`'s changeset inside the caller's transaction (itself a changeset);
    returns how many rows were restored. Raises UndoConflict, changing nothing, when a row
    is no longer as the changeset left it."""
    if not plan.undoable:
        from crmcli.core.i18n import _

        raise CrmError(
            _("the last change (crm {command}, {at}) cannot be undone; nothing was changed").format(
                command=plan.command, at=plan.at
            )
        )
    for r in plan.rows:
        table, row_id, op = r["table_name"], r["row_id"], r["op"]
        quoted = quote_ident(table)
        if op == "bulk_insert":
            span = decode_record(r["new"]) or {}
            conn.execute(
                f"DELETE FROM {quoted} WHERE rowid BETWEEN ? AND ?",
                (span["first_id"], span["last_id"]),
            )
            continue
        now = _current_row(conn, table, row_id)
        expected = _as_stored(table, _clear(r["new"], r["s_new"]))
        old = _as_stored(table, _clear(r["old"], r["s_old"]))
        if (expected is None) != (now is None) or (
            expected is not None
            and now is not None
            and any(now.get(k) != v for k, v in expected.items())
        ):
            from crmcli.core.i18n import _
            from crmcli.core.vocabulary import word

            raise UndoConflict(
                _(
                    "cannot undo crm {command} ({at}): {table} row {row} was changed by a "
                    "later command; nothing was changed"
                ).format(
                    command=word("command", plan.command),
                    at=plan.at,
                    table=word("table", table),
                    row=row_id,
                )
            )
        if op == "insert":
            conn.execute(f"DELETE FROM {quoted} WHERE rowid = ?", (row_id,))
        elif op == "update":
            old = old or {}
            assignments = ", ".join(f"{quote_ident(k)} = ?" for k in old)
            conn.execute(
                f"UPDATE {quoted} SET {assignments} WHERE rowid = ?",
                [*old.values(), row_id],
            )
        else:
            old = old or {}
            names = [*old, "rowid"]
            conn.execute(
                f"INSERT INTO {quoted} ({', '.join(map(quote_ident, names))}) "
                f"VALUES ({', '.join('?' for _ in names)})",
                [*old.values(), row_id],
            )
    conn.execute(
        "UPDATE changesets SET undone_at = ? WHERE id = ?", (clock.timestamp(), plan.changeset)
    )
    changeset = current(conn)
    if changeset is not None:
        conn.execute("UPDATE changesets SET reverts = ? WHERE id = ?", (plan.changeset, changeset))
    return len(plan.rows)
