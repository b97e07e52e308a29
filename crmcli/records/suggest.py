"""Values a shell can offer while a command is typed: customers, tags, stages, segments and
the fields `--where` knows, each beginning with what was typed so far.

Each function takes an open connection and the typed prefix and returns at most `limit`
(value, description) pairs, cheaply at any size: customers come from the folded-name index
(`name_key`) or, for digits, from the id range, never from a scan. Shell completion calls
them (crmcli/cli/completing.py); they only read.
"""

import re
import sqlite3
from typing import NamedTuple

from crmcli.core.i18n import N_, _
from crmcli.core.validate import fold

LIMIT = 50
_TOP = "\U0010ffff"  # sorts after every character a folded name can hold


class Suggestion(NamedTuple):
    value: str
    about: str  # what zsh and fish show beside the value, in the run's language


# What a value is, beside it.
_ABOUT = {
    "tag": N_("completion|tag"),
    "stage": N_("completion|stage"),
    "city": N_("completion|city"),
    "segment": N_("completion|segment"),
    "field": N_("completion|field"),
    "operator": N_("completion|operator"),
    "descending": N_("completion|descending"),
}


def _about(what: str) -> str:
    return _(_ABOUT[what]).split("|", 1)[-1]


def _field(name: str) -> str:
    """A field a `--where` or `--sort` names, described by its header in another language
    than English (`city`: 城市), else as a field."""
    from crmcli.core.i18n import current
    from crmcli.core.vocabulary import header, word

    if current() == "en":
        return _about("field")
    shown = header(name)
    if shown.isascii():
        shown = str(word("field", name))
    return _about("field") if shown == name else shown


def _stage(stage: str) -> str:
    """A stage described by its word (`customer`: 成交客户), or as a stage."""
    from crmcli.core.vocabulary import word

    said = str(word("stage", stage))
    return _about("stage") if said == stage else said


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
    return [Suggestion(row[0], _about("tag")) for row in rows]


def stages(conn: sqlite3.Connection, typed: str, limit: int = LIMIT) -> list[Suggestion]:
    """Funnel stages in use beginning with `typed` (case ignored)."""
    return [Suggestion(stage, _stage(stage)) for stage in _used(conn, "stage", typed)[:limit]]


def cities(conn: sqlite3.Connection, typed: str, limit: int = LIMIT) -> list[Suggestion]:
    """Cities of customers beginning with `typed` (case ignored)."""
    return [Suggestion(city, _about("city")) for city in _used(conn, "city", typed)[:limit]]


def _used(conn: sqlite3.Connection, column: str, typed: str) -> list[str]:
    """The distinct values of the indexed customers.`column` (stage or city) beginning with
    `typed`: one step of its index per distinct value (SELECT DISTINCT reads every row)."""
    rows = conn.execute(
        "WITH RECURSIVE used(value) AS ("  # noqa: S608 - column is one of two names
        f" SELECT min({column}) FROM customers"
        " UNION ALL"
        f" SELECT (SELECT min({column}) FROM customers WHERE {column} > used.value) FROM used"
        " WHERE used.value IS NOT NULL"
        ") SELECT value FROM used WHERE value IS NOT NULL"
    ).fetchall()
    return [row[0] for row in rows if row[0].casefold().startswith(typed.casefold())]


def segments(conn: sqlite3.Connection, typed: str, limit: int = LIMIT) -> list[Suggestion]:
    """Saved segment names beginning with `typed`."""
    rows = conn.execute(
        "SELECT name FROM segments WHERE name LIKE ? ESCAPE '\\' ORDER BY name LIMIT ?",
        (_like(typed), limit),
    ).fetchall()
    return [Suggestion(row[0], _about("segment")) for row in rows]


def where_fields(
    conn: sqlite3.Connection | None, typed: str, spaced: bool = False
) -> list[Suggestion]:
    """Completions of one `--where` expression typed so far, each the whole expression:
    the fields it knows (and this database's user-defined ones) beginning with `typed`;
    after `FIELD OP`, the values in use of city, stage and tag. `spaced`: the shell puts
    spaces in the word as they are (inside quotes), so a field that is the only match comes
    with each operator after it, `FIELD OP ` (one value alone would end the word there)."""
    from crmcli.core.where import OPERATORS

    match = re.fullmatch(_FIELD_OP, typed)
    if match:
        head, field, value = match.group(1), match.group(2), match.group(3)
        values = {"city": cities, "stage": stages, "tag": tags}.get(field)
        if conn is None or values is None:
            return []
        return [Suggestion(head + found.value, found.about) for found in values(conn, value)]
    field = typed.strip()
    names = [name for name in _fields(conn) if name.startswith(field)]
    if typed != field and field in names:  # `city ` asks for the operators
        names = [field]
        spaced = True
    elif typed != field:
        return []
    if spaced and len(names) == 1:
        lead = typed[: len(typed) - len(typed.lstrip())]
        operator = _about("operator")
        return [Suggestion(f"{lead}{names[0]} {op} ", operator) for op in OPERATORS]
    return [Suggestion(name, _field(name)) for name in names]


# FIELD OP and the value begun after it (crmcli.core.where.WHERE)
_FIELD_OP = r"(?s)(\s*([^\W\d][\w.\-]*)\s*(?:!=|<=|>=|==|=|<|>|~)\s*)([^'\"]*)"


def _fields(conn: sqlite3.Connection | None) -> list[str]:
    """The fields `--where` knows, and this database's user-defined ones."""
    from crmcli.records.filters import WHERE_FIELDS

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
    return [*WHERE_FIELDS, *sorted(custom)]


def sort_fields(conn: sqlite3.Connection | None, typed: str) -> list[Suggestion]:
    """The fields `crm list --sort` takes beginning with `typed`, `-FIELD` for descending."""
    from crmcli.records.filters import SORTABLE

    sign = "-" if typed.startswith("-") else ""
    return [
        Suggestion(f"{sign}{name}", _about("descending") if sign else _field(name))
        for name in SORTABLE
        if f"{sign}{name}".startswith(typed)
    ]


def _like(typed: str) -> str:
    escaped = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"
