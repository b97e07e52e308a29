"""Everyday customer commands: add, edit, show, list, delete, undelete."""

import functools
import inspect
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from crmcli import clock, customers, refs
from crmcli.cli.app import FormatOption, QuietOption, app, reading, settings, writing
from crmcli.customers import CustomerInput
from crmcli.errors import InvalidInput
from crmcli.output import Format, card, emit

# Scalar fields settable by option: (field, option, help).
FIELD_OPTIONS = [
    ("kind", "--kind", "person or organisation."),
    ("company", "--company", "Company name."),
    ("title", "--title", "Job title."),
    ("gender", "--gender", "female, male or other."),
    ("birthday", "--birthday", "Birthday (2026-01-31, 1990/8/15, ...)."),
    ("address", "--address", "Postal address."),
    ("city", "--city", "City."),
    ("region", "--region", "Region or province."),
    ("country", "--country", "Country."),
    ("industry", "--industry", "Industry."),
    ("company_size", "--company-size", "Company size, e.g. 11-50."),
    ("source", "--source", "Where the customer came from (channel)."),
    ("national_id", "--national-id", "National ID number (masked on output); - reads stdin."),
    ("notes", "--notes", "Free notes; - reads them from stdin."),
    ("preferred_channel", "--preferred-channel", "Preferred contact channel (wechat, phone...)."),
    ("preferred_time", "--preferred-time", "Preferred contact time, e.g. 'weekday mornings'."),
    ("external_id", "--external-id", "Your own unique key for scripts."),
    ("referred_by", "--referred-by", "The customer who referred them (a reference)."),
    ("cadence_days", "--cadence", "Contact them at least every 14d, 2w, 1m (30 days)..."),
]
LIST_OPTIONS = [
    ("phones", "--phone", "Phone number (repeatable; first is primary)."),
    ("emails", "--email", "Email address (repeatable; first is primary)."),
    ("fields", "--field", "User-defined field KEY=VALUE (repeatable)."),
    ("related", "--related", "Related person RELATION=NAME or RELATION=#ID (repeatable)."),
]
EDIT_ONLY_SCALARS = [("name", "--name", "New name.")]
EDIT_ONLY_LISTS = [
    ("unset", "--unset", "Clear a field (or a user-defined field) (repeatable)."),
    ("remove_phones", "--remove-phone", "Remove a phone number (repeatable)."),
    ("remove_emails", "--remove-email", "Remove an email address (repeatable)."),
    ("remove_related", "--remove-related", "Remove related people by relation or name."),
]
EDIT_ONLY_SINGLE = [
    ("primary_phone", "--primary-phone", "Make this phone the primary one."),
    ("primary_email", "--primary-email", "Make this email the primary one."),
]


def _read_stdin_value(option: str) -> str:
    if sys.stdin is None or sys.stdin.closed:
        raise InvalidInput(f"{option} - reads standard input, but there is none")
    return sys.stdin.read().rstrip("\n")


def customer_options(*, edit: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add the customer field options to a command and hand it a CustomerInput as `raw`.

    One list of options serves `add` and `edit`, so the two can never drift apart.
    """
    scalars = FIELD_OPTIONS + (EDIT_ONLY_SCALARS if edit else [])
    lists = LIST_OPTIONS + (EDIT_ONLY_LISTS if edit else [])
    singles = EDIT_ONLY_SINGLE if edit else []

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        own = [p for p in inspect.signature(fn).parameters.values() if p.name != "raw"]
        extra = [
            inspect.Parameter(
                f"opt_{name}",
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[str | None, typer.Option(flag, help=text, show_default=False)],
            )
            for name, flag, text in scalars + singles
        ] + [
            inspect.Parameter(
                f"opt_{name}",
                inspect.Parameter.KEYWORD_ONLY,
                default=None,
                annotation=Annotated[
                    list[str] | None, typer.Option(flag, help=text, show_default=False)
                ],
            )
            for name, flag, text in lists
        ]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            raw = CustomerInput()
            for name, flag, _ in scalars:
                value = kwargs.pop(f"opt_{name}")
                if value is not None:
                    if value == "-" and name in ("notes", "national_id"):
                        value = _read_stdin_value(flag)
                    raw.values[name] = value
            for name, _, _ in singles:
                setattr(raw, name, kwargs.pop(f"opt_{name}"))
            for name, _, _ in lists:
                setattr(raw, name, list(kwargs.pop(f"opt_{name}") or []))
            return fn(*args, raw=raw, **kwargs)

        wrapper.__signature__ = inspect.Signature(own + extra)  # type: ignore[attr-defined]
        del wrapper.__wrapped__  # typer must read the new signature, not fn's
        return wrapper

    return decorate


def _region(conn: sqlite3.Connection) -> str | None:
    from crmcli.settings import get_setting

    return get_setting(conn, "default_region")


def resolver(conn: sqlite3.Connection, *, archived: bool = False) -> Callable[[str], int]:
    region = _region(conn)
    return lambda ref: refs.resolve(conn, ref, region=region, archived=archived)


def _prepare(conn: sqlite3.Connection, raw: CustomerInput) -> customers.Changes:
    return customers.prepare(
        conn, raw, region=_region(conn), today=clock.today(), resolve=resolver(conn)
    )


@app.command("add")
@customer_options(edit=False)
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The customer's name.", show_default=False)],
    quiet: QuietOption = False,
    raw: CustomerInput | None = None,
) -> None:
    """Add a customer and print the new id.

    Example: crm add "张伟" --phone 13800138000 --email zw@example.com --city 上海
    """
    assert raw is not None
    raw.values["name"] = name
    with writing(ctx) as conn:
        customer_id = customers.add_customer(conn, _prepare(conn, raw))
        shown = customers.get_customer(conn, customer_id)["name"]
    typer.echo(str(customer_id) if quiet else f"Added customer {customer_id}: {shown}")


@app.command("edit")
@customer_options(edit=True)
def edit(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Customer id, external id, email, phone or name.")],
    editor: Annotated[
        bool, typer.Option("--editor", help="Edit the record as text in $EDITOR.")
    ] = False,
    quiet: QuietOption = False,
    raw: CustomerInput | None = None,
) -> None:
    """Change a customer's fields; with no options on a terminal, opens $EDITOR.

    Example: crm edit 12 --title CTO --phone +8613900139000 --field wechat=zw_88 --unset notes
    """
    assert raw is not None
    if raw.is_empty():
        if not (editor or sys.stdin.isatty()):
            raise InvalidInput("nothing to change; give options such as --city, or --editor")
        from crmcli.cli.editing import edit_in_editor

        raw, version, customer_id = edit_in_editor(ctx, ref)
        if raw is None:
            typer.echo("No changes.")
            return
    else:
        version = None
        customer_id = None
    with writing(ctx) as conn:
        if customer_id is None:
            customer_id = resolver(conn)(ref)
        changed = customers.edit_customer(
            conn, customer_id, _prepare(conn, raw), expected_version=version
        )
    if quiet:
        typer.echo(str(customer_id))
    else:
        typer.echo(f"Updated customer {customer_id}." if changed else "No changes.")


CARD_FIELDS = [
    ("kind", "kind"),
    ("company", "company"),
    ("title", "title"),
    ("gender", "gender"),
    ("birthday", "birthday"),
    ("phones", "phones"),
    ("emails", "emails"),
    ("address", "address"),
    ("city", "city"),
    ("region", "region"),
    ("country", "country"),
    ("industry", "industry"),
    ("company_size", "company size"),
    ("source", "source"),
    ("national_id", "national id"),
    ("external_id", "external id"),
    ("preferred_channel", "preferred channel"),
    ("preferred_time", "preferred time"),
    ("cadence_days", "cadence (days)"),
]


@dataclass(frozen=True)
class ShowSection:
    """Extra records shown under the profile card, e.g. the last interactions.

    `rows(conn, customer_id)` returns dicts; JSON output carries them under `key`.
    Other command modules append to SHOW_SECTIONS instead of editing `show`.
    """

    key: str
    title: str
    columns: tuple[str, ...]
    rows: Callable[[sqlite3.Connection, int], list[dict[str, Any]]]


SHOW_SECTIONS: list[ShowSection] = []


@app.command("show")
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Customer id, external id, email, phone or name.")],
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Show the national ID unmasked.")
    ] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Show one customer's profile card.

    Example: crm show 张伟 --format json
    """
    with reading(ctx) as conn:
        record = customers.get_customer(conn, resolver(conn, archived=True)(ref), reveal=reveal)
        sections = [(s, s.rows(conn, record["id"])) for s in SHOW_SECTIONS]
    if fmt is not Format.table:
        record.update({s.key: rows for s, rows in sections})
        emit([record], list(record), fmt)
        return
    pairs: list[tuple[str, Any]] = [(label, record[key]) for key, label in CARD_FIELDS]
    if record["referred_by"] is not None:
        pairs.append(("referred by", f"{record['referred_by_name']} (#{record['referred_by']})"))
    pairs.append(("referred", [f"{r['name']} (#{r['id']})" for r in record["referrals"]]))
    pairs.append(
        (
            "related",
            [
                f"{r['relation']}: {r['name']}"
                + (f" (#{r['customer_id']})" if r["customer_id"] else "")
                for r in record["related"]
            ],
        )
    )
    pairs += [(f"{key}", value) for key, value in record["fields"].items()]
    pairs += [
        ("notes", record["notes"]),
        ("created", record["created_at"]),
        ("updated", record["updated_at"]),
        ("ARCHIVED", record["archived_at"]),
    ]
    no_color = settings(ctx).no_color
    card(f"#{record['id']} {record['name']}", pairs, no_color=no_color)
    for section, rows in sections:
        if rows:
            sys.stdout.write("\n")
            emit(rows, section.columns, Format.table, title=section.title, no_color=no_color)


@app.command("list")
def list_(
    ctx: typer.Context,
    where: Annotated[
        list[str] | None,
        typer.Option("--where", "-w", help='Filter "FIELD OP VALUE", OP in = != < <= > >= ~.'),
    ] = None,
    city: Annotated[str | None, typer.Option(help="Only this city.")] = None,
    company: Annotated[str | None, typer.Option(help="Only this company.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    kind: Annotated[str | None, typer.Option(help="person or organisation.")] = None,
    created_since: Annotated[
        str | None, typer.Option(help="Created on or after this date.")
    ] = None,
    created_until: Annotated[
        str | None, typer.Option(help="Created on or before this date.")
    ] = None,
    archived: Annotated[bool, typer.Option("--archived", help="List archived customers.")] = False,
    sort: Annotated[str | None, typer.Option(help="Sort by FIELD, or -FIELD descending.")] = None,
    limit: Annotated[int | None, typer.Option(min=0, help="At most this many.")] = None,
    fmt: FormatOption = Format.table,
    quiet: QuietOption = False,
) -> None:
    """List customers, filtered and sorted.

    Example: crm list --where "city = Shanghai" --where "company ~ tech" --sort -created_at
    """
    from crmcli import dates, filters

    with reading(ctx) as conn:
        region = _region(conn)
        query = filters.Query()
        custom = customers.custom_field_keys(conn)
        for expression in where or []:
            filters.add_where(query, expression, custom, region=region)
        for field, value in (("city", city), ("company", company), ("source", source)):
            if value is not None:
                filters.add_where(query, f"{field} = {value}", custom, region=region)
        if kind is not None:
            from crmcli import validate

            query.add("c.kind = ?", validate.choice("kind", kind, validate.KINDS))
        today = clock.today()
        if created_since:
            query.add("c.created_at >= ?", dates.parse_date(created_since, today).isoformat())
        if created_until:
            day = dates.parse_date(created_until, today).isoformat()
            query.add("substr(c.created_at, 1, 10) <= ?", day)
        rows = customers.list_customers(
            conn,
            query.sql(),
            query.params,
            order=filters.order_by(sort),
            limit=limit,
            archived=archived,
        )
        if quiet:
            for row in rows:
                sys.stdout.write(f"{row['id']}\n")
            return
        columns = customers.LIST_COLUMNS
        if fmt is Format.table:
            columns = ("id", "name", "company", "city", "phone", "email")
        emit(rows, columns, fmt, no_color=settings(ctx).no_color)


def _archive(ctx: typer.Context, ref: str, archived: bool, quiet: bool) -> None:
    with writing(ctx) as conn:
        customer_id = resolver(conn, archived=not archived)(ref)
        changed = customers.set_archived(conn, customer_id, archived)
        name = customers.get_customer(conn, customer_id)["name"]
    if quiet:
        typer.echo(str(customer_id))
    elif not changed:
        typer.echo(f"Customer {customer_id} was already {'archived' if archived else 'active'}.")
    else:
        verb = "Archived" if archived else "Restored"
        typer.echo(f"{verb} customer {customer_id}: {name}")


@app.command("delete")
def delete(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Customer id, external id, email, phone or name.")],
    quiet: QuietOption = False,
) -> None:
    """Archive a customer: hidden from lists, restorable with `crm undelete`.

    Example: crm delete 12
    """
    _archive(ctx, ref, True, quiet)


@app.command("undelete")
def undelete(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Id or reference of an archived customer.")],
    quiet: QuietOption = False,
) -> None:
    """Restore an archived customer.

    Example: crm undelete 12
    """
    _archive(ctx, ref, False, quiet)
