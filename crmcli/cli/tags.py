"""Classification commands: tag, untag, tags, stage."""

import sys
from typing import Annotated

import typer

from crmcli import clock, dates, filters, refs, tags
from crmcli.cli.app import FormatOption, QuietOption, app, reading, settings, writing
from crmcli.cli.options import filter_options
from crmcli.errors import InvalidInput
from crmcli.filters import CustomerFilter
from crmcli.output import Format, emit

RefsArgument = Annotated[
    list[str] | None,
    typer.Argument(help="Customers: ids or references; - reads one per line from stdin.",
                   show_default=False),
]  # fmt: skip
AllOption = Annotated[bool, typer.Option("--all", help="Every live customer (no filter).")]


def selected_ids(
    conn, references: list[str] | None, selection: CustomerFilter, every: bool
) -> list[int]:
    """The customers a batch command acts on: REF arguments (or `-` for stdin), a filter, or
    --all. A filter and references together select the references that also match."""
    from crmcli.settings import get_setting

    references = list(references or [])
    if "-" in references:
        references.remove("-")
        references += sys.stdin.read().splitlines()
    if not references and selection.is_empty() and not every:
        raise InvalidInput("say which customers: REF..., - to read them from stdin, a filter "
                           "such as --where or --tag, or --all")  # fmt: skip
    today = clock.today()
    chosen = filters.matching_ids(conn, selection, today=today)
    if references:
        region = get_setting(conn, "default_region")
        wanted = refs.resolve_many(conn, references, region=region)
        if selection.is_empty():
            return wanted
        allowed = set(chosen)
        return [i for i in wanted if i in allowed]
    return chosen


def _tag_or_rename(ctx, tag, customers, selection, every, quiet):
    if tag == "rename":
        if len(customers or []) != 2:
            raise InvalidInput("usage: crm tag rename OLD NEW")
        old, new = customers
        with writing(ctx) as conn:
            count = tags.rename_tag(conn, old.strip(), tags.clean_tag(new))
        if not quiet:
            typer.echo(f"Renamed tag {old} to {new} ({count} customers).")
        return
    name = tags.clean_tag(tag)
    with writing(ctx) as conn:
        ids = selected_ids(conn, customers, selection, every)
        name, added = tags.add_tag(conn, name, ids)
    if quiet:
        return
    already = len(ids) - len(added)
    typer.echo(f"Tagged {len(added)} customers with {name}."
               + (f" {already} already had it." if already else ""))  # fmt: skip


@app.command("tag")
@filter_options
def tag(
    ctx: typer.Context,
    tag: Annotated[str, typer.Argument(help="The tag (or 'rename' OLD NEW).")],
    customers: RefsArgument = None,
    every: AllOption = False,
    quiet: QuietOption = False,
    selection: CustomerFilter | None = None,
) -> None:
    """Tag customers given by reference, by stdin (-) or by a filter; tagging twice is harmless.

    `crm tag rename OLD NEW` renames a tag, merging it into NEW if NEW exists.

    Example: crm list --where "city = Shanghai" -q | crm tag shanghai -
    """
    assert selection is not None
    _tag_or_rename(ctx, tag, customers, selection, every, quiet)


@app.command("untag")
@filter_options
def untag(
    ctx: typer.Context,
    tag: Annotated[str, typer.Argument(help="The tag to remove.")],
    customers: RefsArgument = None,
    every: AllOption = False,
    quiet: QuietOption = False,
    selection: CustomerFilter | None = None,
) -> None:
    """Remove a tag from customers given by reference, by stdin (-) or by a filter.

    Example: crm untag vip 12 15
    """
    assert selection is not None
    with writing(ctx) as conn:
        ids = selected_ids(conn, customers, selection, every)
        removed = tags.remove_tag(conn, tag.strip(), ids)
    if not quiet:
        typer.echo(f"Removed tag {tag.strip()} from {len(removed)} customers.")


@app.command("tags")
def list_tags(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """List tags with how many live customers carry each.

    Example: crm tags --format json
    """
    with reading(ctx) as conn:
        rows = tags.list_tags(conn)
    emit(rows, ("tag", "customers"), fmt, no_color=settings(ctx).no_color)


@app.command("stage")
def stage(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="Customer reference.")],
    new_stage: Annotated[
        str | None, typer.Argument(metavar="STAGE", help="The new stage; omit to see the history.")
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help="When it happened (default now).")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why, in a few words.")] = None,
    fmt: FormatOption = Format.table,
    quiet: QuietOption = False,
) -> None:
    """Set a customer's funnel stage (kept with its date), or show the stage history.

    Example: crm stage 张伟 prospect --reason "asked for a quote"
    """
    from crmcli.cli.customers import resolver
    from crmcli.validate import text

    if new_stage is None:
        if at or reason:
            raise InvalidInput("--at and --reason go with a new STAGE")
        with reading(ctx) as conn:
            rows = tags.stage_history(conn, resolver(conn)(customer))
        emit(rows, ("from_stage", "to_stage", "changed_at", "reason"), fmt,
             no_color=settings(ctx).no_color)  # fmt: skip
        return
    with writing(ctx) as conn:
        customer_id = resolver(conn)(customer)
        clean = tags.clean_stage(conn, new_stage)
        moment = dates.parse_datetime(at, clock.now()) if at else None
        if moment and moment > clock.now():
            raise InvalidInput("--at is in the future")
        changed = tags.set_stage(
            conn, customer_id, clean, at=moment, reason=text("reason", reason) if reason else None
        )
    if not quiet:
        typer.echo(f"Customer {customer_id} is now {clean}." if changed
                   else f"Customer {customer_id} is already {clean}.")  # fmt: skip
