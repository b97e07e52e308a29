"""`crm sql`: read-only SQL for power users, in every output format."""

import re
import sqlite3
from typing import Annotated, Any

import typer

from crmcli.cli.app import app, output, reading
from crmcli.cli.options import FormatOption
from crmcli.cli.output import Format
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, _
from crmcli.store.history import NATIONAL_ID_COLUMNS

# sqlite3 authorizer action codes a read-only query may use.
_ALLOWED = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    getattr(sqlite3, "SQLITE_RECURSIVE", 33),
}


# Columns that hold national ID numbers in clear (crmcli.store.history.NATIONAL_ID_COLUMNS,
# and the clear values undo keeps in history_secrets): read as NULL unless --reveal, so no
# SQL function can carry them out (the authorizer sees every column a query reads). History's
# old and new values too, which describe people's past records.
SENSITIVE_READS = {
    *((table, column) for table, names in NATIONAL_ID_COLUMNS.items() for column in names),
    ("history_secrets", "old"),
    ("history_secrets", "new"),
    ("history", "old"),
    ("history", "new"),
}


def _authorizer(reveal: bool) -> Any:
    def authorize(action: int, table: Any, column: Any, *_: Any) -> int:
        if action not in _ALLOWED:
            return sqlite3.SQLITE_DENY
        if action == sqlite3.SQLITE_READ and not reveal and (table, column) in SENSITIVE_READS:
            return sqlite3.SQLITE_IGNORE
        return sqlite3.SQLITE_OK

    return authorize


def _plain(value: Any, reveal: bool) -> Any:
    """Bytes as hex; national ID numbers masked unless --reveal, as on every output."""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, str) and not reveal:
        from crmcli.core.validate import mask_in_text

        return mask_in_text(value)
    return value


@app.command("sql")
def sql(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="One SELECT statement (or WITH ... SELECT).")],
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="A value for each ? (repeatable).")
    ] = None,
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Show national ID numbers unmasked.")
    ] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Run one read-only SQL query; writes, ATTACH and PRAGMA are refused. National ID
    numbers (and history's old/new values) read as NULL unless --reveal.

    Example: crm sql "SELECT city, count(*) AS n FROM customers GROUP BY city ORDER BY n DESC"
    """
    with reading(ctx) as conn:
        conn.execute("PRAGMA query_only = ON")
        conn.set_authorizer(_authorizer(reveal))
        try:
            cursor = conn.execute(query, list(param or []))
        except sqlite3.Warning:  # more than one statement (Python 3.12+)
            raise InvalidInput(_("crm sql runs one statement at a time")) from None
        except (sqlite3.DatabaseError, sqlite3.ProgrammingError) as exc:
            text = str(exc)
            if "not authorized" in text:
                raise InvalidInput(
                    _("only SELECT queries are allowed: crm sql never writes")
                ) from None
            raise InvalidInput(_("SQL error: {text}").format(text=sqlite_said(text))) from None
        if cursor.description is None:
            raise InvalidInput(_("only SELECT queries are allowed: crm sql never writes"))
        columns = [d[0] for d in cursor.description]
        rows = ({c: _plain(v, reveal) for c, v in zip(columns, row, strict=True)} for row in cursor)
        try:
            output(ctx, fmt).rows(rows, columns, raw=True)  # the query's own values and names
        except sqlite3.Error as exc:
            raise InvalidInput(_("SQL error: {exc}").format(exc=sqlite_said(str(exc)))) from None


# SQLite's commonest complaints, in English as SQLite says them, in Chinese in words
# (`no such column: nme` is `没有名为 nme 的列`); the name it quotes stays as typed. Any
# other stays as SQLite says it.
_SQLITE_SAID = (
    (re.compile(r"no such column: (.+)"), N_("no such column: {name}")),
    (re.compile(r"no such table: (.+)"), N_("no such table: {name}")),
    (re.compile(r"no such function: (.+)"), N_("no such function: {name}")),
    (re.compile(r'near "(.+)": syntax error'), N_('near "{name}": syntax error')),
    (re.compile(r"ambiguous column name: (.+)"), N_("ambiguous column name: {name}")),
    (re.compile(r"incomplete input"), N_("incomplete input")),
)


def sqlite_said(text: str) -> str:
    """SQLite's error `text` in the run's language where it is one of the common shapes."""
    for shape, message in _SQLITE_SAID:
        found = shape.fullmatch(text)
        if found:
            return _(message).format(name=found.group(1) if shape.groups else "")
    return text


@app.command("changes")
def changes(
    ctx: typer.Context,
    since: Annotated[
        str,
        typer.Option(
            "--since", help="A change id (resume after it) or a date/time (changes from then)."
        ),
    ] = "0",
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Show sensitive values (national ID) unmasked.")
    ] = False,
    fmt: FormatOption = Format.jsonl,
) -> None:
    """Every change in order, one line per changed field, with a stable increasing id, so
    another tool can follow the file: run again with --since LAST_ID.

    Example: crm changes --since 1200 --format jsonl
    """
    from crmcli.core import clock, dates
    from crmcli.store import changes as feed

    with reading(ctx) as conn:
        after = feed.since_id(
            conn, since, lambda text: dates.parse_datetime(text, clock.now(), direction="past")
        )
        output(ctx, fmt).rows(feed.feed(conn, after, reveal=reveal), feed.COLUMNS)  # fmt: skip
