"""Values a shell can offer while a command is typed: customers, tags, stages, segments and
the fields `--where` knows, each beginning with what was typed so far.

Each function takes an open connection and the typed prefix and returns at most `limit`
(value, description) pairs, cheaply at any size: customers come from the folded-name index
(`name_key`) or, for digits, from the id range, never from a scan. Shell completion calls
them (crmcli/cli/completing.py); they only read.
"""

import sqlite3
from typing import NamedTuple

from crmcli.core.validate import fold

LIMIT = 50
_TOP = "\U0010ffff"  # sorts after every character a folded name can hold


class Suggestion(NamedTuple):
    value: str
    about: str


def customers(conn: sqlite3.Connection, typed: str, limit: int = LIMIT) -> list[Suggestion]:
    """Live customers whose id begins with `typed` (digits: the id, the name as about) or
    whose folded name does (the name, its id as about)."""
    if typed.isdigit():
        # ids beginning with the digits: typed itself, then typed0..typed9, typed00.. and so on
        found: list[Suggestion] = []
        low = high = int(typed)
        while len(found) < limit and low <= _max_id(conn):
            rows = conn.execute(
                "SELECT id, name FROM customers WHERE id BETWEEN ? AND ? "
                "AND archived_at IS NULL ORDER BY id LIMIT ?",
                (low, high, limit - len(found)),
            ).fetchall()
            found += [Suggestion(str(row[0]), row[1]) for row in rows]
            low, high = low * 10, high * 10 + 9
        return found
    key = fold(typed)
    rows = conn.execute(
        "SELECT id, name FROM customers WHERE name_key >= ? AND name_key < ? "
        "AND archived_at IS NULL ORDER BY name_key, id LIMIT ?",
        (key, key + _TOP, limit),
    ).fetchall()
    if not rows:  # `zhou` finds 周 as `crm show zhou` does: the pinyin index, at most 11
        from crmcli.store.search import pinyin_matches

        found_ids = pinyin_matches(conn, key, archived=False, partial=True)[:limit]
        rows = [
            (i, conn.execute("SELECT name FROM customers WHERE id = ?", (i,)).fetchone()[0])
            for i in found_ids
        ]
    return [Suggestion(row[1], f"#{row[0]}") for row in rows]


def _max_id(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM customers").fetchone()[0])


def tags(conn: sqlite3.Connection, typed: str, limit: int = LIMIT) -> list[Suggestion]:
    """Tag names beginning with `typed` (case ignored)."""
    rows = conn.execute(
        "SELECT name FROM tags WHERE name LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?",
        (_like(typed), limit),
    ).fetchall()
    return [Suggestion(row[0], "tag") for row in rows]


def stages(conn: sqlite3.Connection, typed: str, limit: int = LIMIT) -> list[Suggestion]:
    """Funnel stages in use beginning with `typed` (case ignored)."""
    # One step of the stage index per distinct stage (SELECT DISTINCT reads every row).
    rows = conn.execute(
        "WITH RECURSIVE used(stage) AS ("
        " SELECT min(stage) FROM customers"
        " UNION ALL"
        " SELECT (SELECT min(stage) FROM customers WHERE stage > used.stage) FROM used"
        " WHERE used.stage IS NOT NULL"
        ") SELECT stage FROM used WHERE stage IS NOT NULL"
    ).fetchall()
    found = [row[0] for row in rows if row[0].casefold().startswith(typed.casefold())]
    return [Suggestion(stage, "stage") for stage in found[:limit]]


def segments(conn: sqlite3.Connection, typed: str, limit: int = LIMIT) -> list[Suggestion]:
    """Saved segment names beginning with `typed`."""
    rows = conn.execute(
        "SELECT name FROM segments WHERE name LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?",
        (_like(typed), limit),
    ).fetchall()
    return [Suggestion(row[0], "segment") for row in rows]


def where_fields(conn: sqlite3.Connection | None, typed: str) -> list[Suggestion]:
    """The fields `--where` knows (and this database's user-defined ones) beginning with
    `typed`."""
    from crmcli.records.filters import known_fields

    custom: set[str] = set()
    if conn is not None:  # one step of the key index per distinct key, as for stages
        rows = conn.execute(
            "WITH RECURSIVE used(key) AS ("
            " SELECT min(key) FROM customer_fields"
            " UNION ALL"
            " SELECT (SELECT min(key) FROM customer_fields WHERE key > used.key) FROM used"
            " WHERE used.key IS NOT NULL"
            ") SELECT key FROM used WHERE key IS NOT NULL"
        )
        custom = {row[0] for row in rows}
    names = known_fields(custom).split(", ")
    return [Suggestion(name, "field") for name in names if name.startswith(typed)]


def sort_fields(conn: sqlite3.Connection | None, typed: str) -> list[Suggestion]:
    """The fields `crm list --sort` takes beginning with `typed`, `-FIELD` for descending."""
    from crmcli.records.filters import SORTABLE

    sign = "-" if typed.startswith("-") else ""
    return [
        Suggestion(f"{sign}{name}", "descending" if sign else "field")
        for name in SORTABLE
        if f"{sign}{name}".startswith(typed)
    ]


def _like(typed: str) -> str:
    escaped = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"
