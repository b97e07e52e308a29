"""Classification commands: tag, untag, tags, stage."""

import re
import shlex
from contextlib import suppress
from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli.app import app, output, reading, writing
from crmcli.cli.batch import Batch, RefsArgument, batch_options, confirm_bulk, select
from crmcli.cli.options import (
    DryRun,
    FieldsOption,
    FormatOption,
    QuietOption,
    chosen_fields,
    filter_options,
)
from crmcli.cli.output import Format, sentence
from crmcli.core import clock, dates
from crmcli.core.errors import Ambiguous, CrmError, InvalidInput, NotFound
from crmcli.core.i18n import _
from crmcli.core.text import id_list, plural
from crmcli.core.vocabulary import word
from crmcli.records import config, tags

if TYPE_CHECKING:  # the filter language loads only where a filter is parsed
    import sqlite3

    from crmcli.records.filters import CustomerFilter


def _selected(
    ctx: typer.Context,
    conn: "sqlite3.Connection",
    tag: str,
    customers: list[str] | None,
    selection: "CustomerFilter",
    batch: Batch,
    command: str,
) -> tuple[list[int], bool]:
    """The customers to (un)tag, as select() finds them; a customer typed before the tag
    (`crm tag 曾小贤 大客户`) is refused with the order to type them in."""
    from crmcli.records import refs

    try:
        return select(ctx, conn, customers, selection, batch)
    except NotFound as missing:
        # one reference typed (not `-` for stdin, nor --ids-from), after a word no tag has
        if not customers or len(customers) != 1 or customers[0].strip() == "-":
            raise
        if batch.ids_from or tags.is_tag(conn, tag):
            raise
        region = config.get_setting(conn, "default_region")
        (other,) = customers
        try:
            refs.resolve(conn, tag, region=region, archived=selection.archived)
        except Ambiguous as several:  # a name two customers have (曾小贤): an id says which
            said = (
                _(
                    "{message}; {ref!r} names {count} or more customers, not a tag: the tag "
                    "comes first, then the customer's id (crm {command} {tag} ID)"
                )
                if several.more
                else _(
                    "{message}; {ref!r} names {count} customers, not a tag: the tag comes "
                    "first, then the customer's id (crm {command} {tag} ID)"
                )
            )
            raise NotFound(
                said.format(
                    message=missing.message,
                    ref=tag.strip(),
                    count=len(several.candidates),
                    command=command,
                    tag=_typed(other.strip()),
                ),
                several.details,
            ) from None
        except CrmError:
            raise missing from None
        said = _(
            "{message}; {ref!r} is a customer, not a tag: the tag comes first "
            "(crm {command} {tag} {customer})"
        )
        raise NotFound(
            said.format(
                message=missing.message,
                ref=tag.strip(),
                command=command,
                tag=_typed(other.strip()),
                customer=_typed(tag.strip()),
            )
        ) from None


def _typed(word: str) -> str:
    """A word as typed in a shell: quoted only if it holds a space or a shell character."""
    return word if re.fullmatch(r"[^\s'\"\\$`!*?;&|<>(){}#~]+", word) else shlex.quote(word)


def _tag_or_rename(ctx, tag, customers, selection, batch, quiet):
    if tag == "rename":
        if len(customers or []) != 2:
            raise InvalidInput(_("usage: crm tag rename OLD NEW"))
        old, new = customers
        with writing(ctx) as conn:
            renamed = tags.rename_tag(conn, old.strip(), tags.clean_tag(new))
        if renamed is None:
            output(ctx, quiet=quiet).done(
                _("Tag {new} is already called {new}; nothing changed.").format(new=new)
            )
            return
        count, also, cadence = renamed
        lines = [
            _("Renamed tag {old} to {new} ({customers}).").format(
                old=old, new=new, customers=plural(count, "customer").said()
            )
        ]
        if also:
            places = _(", ").join(place.said() for place in also)
            lines.append(_("Also renamed in {places}.").format(places=places))
        if cadence:
            lines.append(_("{sentence}.").format(sentence=cadence[:1].upper() + cadence[1:]))
        output(ctx, quiet=quiet).done("\n".join(lines))
        return
    name = tags.clean_tag(tag)
    with writing(ctx) as conn:
        ids, by_filter = _selected(ctx, conn, tag, customers, selection, batch, "tag")
        confirm_bulk(conn, len(ids), _("Tag {name}").format(name=name), batch, by_filter)
        name, added = tags.add_tag(conn, name, ids)
        if batch.dry_run:
            already = len(ids) - len(added)
            customers_ = plural(len(added), "customer").said()
            if added:
                said = _("Would tag {customers} with {name}: {ids}").format(
                    customers=customers_, name=name, ids=id_list(added)
                )
            else:
                said = _("Would tag {customers} with {name}").format(
                    customers=customers_, name=name
                )
            said = _("{sentence}.").format(sentence=said)
            if already:
                said += _(" {count} already had it.").format(count=already)
            sentence(said)
            raise DryRun
    if batch.dry_run:
        return
    already = len(ids) - len(added)
    tagged = _("Tagged {customers} with {tag}.").format(
        customers=plural(len(added), "customer").said(), tag=name
    )
    if already:
        tagged += _(" {count} already had it.").format(count=already)
    output(ctx, quiet=quiet).done(tagged)


@app.command("tag")
@filter_options
@batch_options
def tag(
    ctx: typer.Context,
    tag: Annotated[str, typer.Argument(help="The tag (or 'rename' OLD NEW).")],
    customers: RefsArgument = None,
    quiet: QuietOption = False,
    selection: "CustomerFilter | None" = None,
    batch: Batch | None = None,
) -> None:
    """Tag customers given by reference, by stdin (-) or by a filter; tagging twice is harmless.

    `crm tag rename OLD NEW` renames a tag, merging it into NEW if NEW exists.

    Example: crm list --where "city = Shanghai" -q | crm tag shanghai -
    """
    assert selection is not None and batch is not None
    with suppress(DryRun):
        _tag_or_rename(ctx, tag, customers, selection, batch, quiet)


@app.command("untag")
@filter_options
@batch_options
def untag(
    ctx: typer.Context,
    tag: Annotated[str, typer.Argument(help="The tag to remove.")],
    customers: RefsArgument = None,
    quiet: QuietOption = False,
    selection: "CustomerFilter | None" = None,
    batch: Batch | None = None,
) -> None:
    """Remove a tag from customers given by reference, by stdin (-) or by a filter.

    Example: crm untag vip 12 15
    """
    assert selection is not None and batch is not None
    with suppress(DryRun), writing(ctx) as conn:
        ids, by_filter = _selected(ctx, conn, tag, customers, selection, batch, "untag")
        confirm_bulk(
            conn, len(ids), _("Remove tag {name}").format(name=tag.strip()), batch, by_filter
        )
        removed = tags.remove_tag(conn, tag.strip(), ids)
        if batch.dry_run:
            said = _("Would remove tag {name} from {customers}: {ids}")
            customers_ = plural(len(removed), "customer").said()
            sentence(said.format(name=tag.strip(), customers=customers_, ids=id_list(removed)))
            raise DryRun
    if not batch.dry_run:
        shown = plural(len(removed), "customer")
        output(ctx, quiet=quiet).done(
            _("Removed tag {value} from {shown}.").format(value=tag.strip(), shown=shown.said())
        )


@app.command("tags")
def list_tags(
    ctx: typer.Context, fmt: FormatOption = Format.table, fields: FieldsOption = None
) -> None:
    """List tags with how many live customers carry each.

    Example: crm tags --format json
    """
    picked = chosen_fields(fields, tags.TAG_COLUMNS)
    with reading(ctx) as conn:
        rows = tags.list_tags(conn)
    output(ctx, fmt).rows(rows, picked or tags.TAG_COLUMNS)


@app.command("stage")
@filter_options
@batch_options
def stage(
    ctx: typer.Context,
    first: Annotated[
        str,
        typer.Argument(
            metavar="REF|STAGE",
            help="Customer reference (or, with a filter, "
            "the new stage; - reads references from stdin).",
        ),
    ],
    second: Annotated[
        str | None, typer.Argument(metavar="STAGE", help="The new stage; omit to see the history.")
    ] = None,
    at: Annotated[str | None, typer.Option("--at", help="When it happened (default now).")] = None,
    reason: Annotated[str | None, typer.Option("--reason", help="Why, in a few words.")] = None,
    fmt: FormatOption = Format.table,
    quiet: QuietOption = False,
    selection: "CustomerFilter | None" = None,
    batch: Batch | None = None,
) -> None:
    """Set a customer's funnel stage (kept with its date), or show the stage history; with a
    filter, --ids-from or - (stdin), move many customers at once.

    Example: crm stage 张伟 prospect --reason "asked for a quote"
    Example: crm stage customer --stage prospect --tag signed
    """
    from crmcli.cli.customers import resolver
    from crmcli.core.validate import text

    assert selection is not None and batch is not None
    many = first == "-" or not selection.is_empty() or batch.every or batch.ids_from
    if many:
        references = ["-"] if first == "-" else []
        new_stage = second if first == "-" else first
        if first != "-" and second is not None:
            raise InvalidInput(_("with a filter, give only the STAGE"))
        if new_stage is None:
            raise InvalidInput(_("give the STAGE to move the customers to"))
    else:
        references, new_stage = [first], second
    if new_stage is None:
        if at or reason:
            raise InvalidInput(_("--at and --reason go with a new STAGE"))
        with reading(ctx) as conn:
            rows = tags.stage_history(conn, resolver(conn)(first))
        output(ctx, fmt).rows(rows, tags.STAGE_COLUMNS)
        return
    moved: list[int] = []
    with suppress(DryRun), writing(ctx) as conn:
        if many:
            ids, by_filter = select(ctx, conn, references, selection, batch)
        else:
            ids, by_filter = [resolver(conn)(first)], False
        clean = config.clean_stage(conn, new_stage)
        moment = dates.parse_datetime(at, clock.now(), direction="past") if at else None
        if moment and moment > clock.now():
            raise InvalidInput(_("--at is in the future"))
        note = text("reason", reason) if reason else None
        what = _("Move to {stage}").format(stage=word("stage", clean))
        confirm_bulk(conn, len(ids), what, batch, by_filter)
        moved = [i for i in ids if tags.set_stage(conn, i, clean, at=moment, reason=note)]
        if batch.dry_run:
            sentence(
                _("Would move {customers} to {stage}: {ids}").format(
                    customers=plural(len(moved), "customer").said(),
                    stage=word("stage", clean),
                    ids=id_list(moved),
                )
            )
            raise DryRun
    if batch.dry_run:
        return
    since = (
        _(" since {moment}").format(moment=dates.show_moment(moment)) if moment and moved else ""
    )
    if not many:
        said = (
            _("Customer {id} is now {stage}{since}.")
            if moved
            else _("Customer {id} is already {stage}{since}.")
        )
        message = said.format(id=ids[0], stage=word("stage", clean), since=since)
    else:
        message = _("Moved {customers} to {stage}{since}.").format(
            customers=plural(len(moved), "customer").said(), stage=word("stage", clean), since=since
        )
    output(ctx, quiet=quiet).done(message)
