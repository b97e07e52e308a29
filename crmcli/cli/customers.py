"""Everyday customer commands: add, edit, show, list, delete, undelete."""

import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

import typer

from crmcli import clock, customers, refs
from crmcli.cli.app import FormatOption, QuietOption, app, reading, settings, writing
from crmcli.cli.options import filter_options, option, with_options
from crmcli.customers import CustomerInput
from crmcli.errors import InvalidInput
from crmcli.filters import CustomerFilter
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
    params = [option(f"opt_{name}", flag, text) for name, flag, text in scalars + singles]
    params += [option(f"opt_{name}", flag, text, many=True) for name, flag, text in lists]

    def collect(values: dict[str, Any]) -> CustomerInput:
        raw = CustomerInput()
        for name, flag, _ in scalars:
            value = values[f"opt_{name}"]
            if value is not None:
                if value == "-" and name in ("notes", "national_id"):
                    value = _read_stdin_value(flag)
                raw.values[name] = value
        for name, _, _ in singles:
            setattr(raw, name, values[f"opt_{name}"])
        for name, _, _ in lists:
            setattr(raw, name, list(values[f"opt_{name}"] or []))
        return raw

    return with_options(params, collect, "raw")


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
    ("stage", "stage"),
    ("tags", "tags"),
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
@filter_options
def list_(
    ctx: typer.Context,
    sort: Annotated[str | None, typer.Option(help="Sort by FIELD, or -FIELD descending.")] = None,
    limit: Annotated[int | None, typer.Option(min=0, help="At most this many.")] = None,
    with_classes: Annotated[
        bool,
        typer.Option(
            "--classes", help="Add the derived classes: lifecycle, abc, frequency/value tier."
        ),
    ] = False,
    fmt: FormatOption = Format.table,
    quiet: QuietOption = False,
    selection: CustomerFilter | None = None,
) -> None:
    """List customers, filtered and sorted.

    Example: crm list --where "city = Shanghai" --tag vip --sort -created_at
    """
    from crmcli import filters

    assert selection is not None
    with reading(ctx) as conn:
        query = filters.build(conn, selection, today=clock.today())
        rows = customers.list_customers(
            conn, query.sql(), query.params, order=filters.order_by(sort), limit=limit
        )
        if quiet:
            for row in rows:
                sys.stdout.write(f"{row['id']}\n")
            return
        columns = customers.LIST_COLUMNS
        if fmt is Format.table:
            columns = ("id", "name", "company", "city", "phone", "email", "stage", "tags")
        if with_classes:  # computed only when asked for: it reads every purchase
            from crmcli.classes import COLUMNS, derive

            derived = derive(conn, clock.today(), archived=selection.archived)
            rows = ({**row, **{c: derived[row["id"]][c] for c in COLUMNS}} for row in rows)
            columns = (*columns, *COLUMNS)
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
