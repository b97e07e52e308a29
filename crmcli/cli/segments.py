"""Saved segments, tagging rules, `crm classify`, and the derived classes on `crm show`."""

import sqlite3
from typing import TYPE_CHECKING, Annotated, Any

import typer

from crmcli.cli.app import app, output, reading, writing
from crmcli.cli.customers import SHOW_SECTIONS, ShowSection
from crmcli.cli.options import (
    DryRunOption,
    FieldsOption,
    FormatOption,
    QuietOption,
    YesOption,
    chosen_fields,
    confirm,
    filter_options,
)
from crmcli.cli.output import Format
from crmcli.core import clock
from crmcli.core.i18n import N_, _

if TYPE_CHECKING:  # the filter language loads only where a filter is parsed
    from crmcli.records.filters import CustomerFilter

segment_app = typer.Typer(help="Saved segments: named filters.", no_args_is_help=True)
app.add_typer(segment_app, name="segment")

# A saved segment's header on a terminal: not the RFM segment's word.
SAVED_SEGMENT = N_("Saved segment")
# `crm classify`'s table: who gained or lost which tag (JSON has segments.CHANGE_COLUMNS).
CLASSIFY_COLUMNS = ("change", "tag", "customer")
rule_app = typer.Typer(help="Rules that tag customers automatically.", no_args_is_help=True)
app.add_typer(rule_app, name="rule")


@segment_app.command("add")
@filter_options
def segment_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The segment's name.")],
    replace: Annotated[bool, typer.Option("--replace", help="Overwrite a segment.")] = False,
    quiet: QuietOption = False,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Save the filter options as a named segment, for `--segment NAME` anywhere.

    Example: crm segment add shanghai-vips --city 上海 --tag vip
    """
    from crmcli.records import segments

    assert selection is not None
    with writing(ctx) as conn:
        replaced = segments.save_segment(conn, name, selection, replace=replace)
    said = (
        _("Replaced segment {value}: {shown}") if replaced else _("Added segment {value}: {shown}")
    )
    shown = segments.describe(selection.saved())
    output(ctx, quiet=quiet).done(said.format(value=name.strip(), shown=shown))


segment_app.command("save", hidden=True)(segment_add)  # its old name: scripts keep working


@segment_app.command("list")
def segment_list(
    ctx: typer.Context, fmt: FormatOption = Format.table, fields: FieldsOption = None
) -> None:
    """List saved segments with their filter and how many customers each selects now.

    Example: crm segment list --format json
    """
    from crmcli.records import segments

    picked = chosen_fields(fields, segments.SEGMENT_COLUMNS)
    with reading(ctx) as conn:
        rows = segments.list_segments(conn, today=clock.today())
    # a segment's name is the user's (`loyal` is not the RFM segment), and so is its header
    output(ctx, fmt).rows(
        rows,
        picked or segments.SEGMENT_COLUMNS,
        words={"segment": None},
        headers={"segment": SAVED_SEGMENT},
    )


@segment_app.command("delete")
def segment_delete(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The segment to delete.")],
    yes: YesOption = False,
    quiet: QuietOption = False,
) -> None:
    """Delete a saved segment (refused while a rule or another segment uses it). Asks on a
    terminal; needs --yes in a script.

    Example: crm segment delete shanghai-vips --yes
    """
    from crmcli.records import segments

    with reading(ctx) as conn:  # a segment that is not there (or in use): nothing to ask
        stored = segments.deletable_segment(conn, name)[1]
    confirm(_("Delete segment {name}?").format(name=stored), yes, command="segment delete")
    with writing(ctx) as conn:
        shown = segments.delete_segment(conn, name)
    output(ctx, quiet=quiet).done(_("Deleted segment {shown}.").format(shown=shown))


@rule_app.command("add")
@filter_options
def rule_add(
    ctx: typer.Context,
    tag: Annotated[str, typer.Argument(help="The tag the rule gives.")],
    quiet: QuietOption = False,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Add a rule: `crm classify` tags the customers the filter selects, and untags those
    it tagged who no longer match.

    Example: crm rule add vip --where "revenue_12m >= 50000"
    """
    from crmcli.records import segments, tags

    assert selection is not None
    name = tags.clean_tag(tag)
    with writing(ctx) as conn:
        rule_id = segments.add_rule(conn, name, selection)
    shown = segments.describe(selection.saved())
    output(ctx, quiet=quiet).done(
        _("Added rule {rule_id}: tag {name} when {shown}").format(
            rule_id=rule_id, name=name, shown=shown
        ),
        rule_id,
    )


@rule_app.command("list")
def rule_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """List the tagging rules.

    Example: crm rule list
    """
    from crmcli.records import segments

    with reading(ctx) as conn:
        rows = segments.list_rules(conn)
    output(ctx, fmt).rows(rows, segments.RULE_COLUMNS)


@rule_app.command("delete")
def rule_delete(
    ctx: typer.Context,
    rule_id: Annotated[int, typer.Argument(metavar="ID", help="The rule's id.")],
    yes: YesOption = False,
    quiet: QuietOption = False,
) -> None:
    """Delete a rule; the tags it gave stay until you untag them. Asks on a terminal;
    needs --yes in a script.

    Example: crm rule delete 2 --yes
    """
    from crmcli.records import segments

    confirm(_("Delete rule {rule_id}?").format(rule_id=rule_id), yes, command="rule delete")
    with writing(ctx) as conn:
        gone = segments.delete_rule(conn, rule_id)
    output(ctx, quiet=quiet).done(
        _("Deleted rule {id} (tag {tag}).").format(id=gone["id"], tag=gone["tag"])
    )


@app.command("classify")
def classify(
    ctx: typer.Context,
    dry_run: DryRunOption = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Apply every rule: print who gained or lost which tag; nothing when nothing changed.

    Cron-friendly: exit 0 and no output when every tag is already right.

    Example: crm classify --dry-run
    """
    from crmcli.records import segments

    if dry_run:
        with reading(ctx) as conn:
            changes = segments.classify(conn, today=clock.today(), dry_run=True)
    else:
        with writing(ctx) as conn:
            changes = segments.classify(conn, today=clock.today(), dry_run=False)
    if fmt is Format.table:
        if not changes:
            return
        shown = [{**c, "customer": f"{c['customer_name']} (#{c['customer_id']})"} for c in changes]
        output(ctx, fmt).rows(shown, CLASSIFY_COLUMNS)
        return
    output(ctx, fmt).rows(changes, segments.CHANGE_COLUMNS)


def _classes(conn: sqlite3.Connection, customer_id: int) -> list[dict[str, Any]]:
    from crmcli.reports.classes import config, customer_classes, purchase_facts

    today = clock.today()
    record = customer_classes(conn, customer_id, today)
    if not record or record["lifecycle"] == "none":  # never bought: nothing is derived
        return []
    order = ("lifecycle", "abc", "frequency_tier", "value_tier")
    shown = {**{k: record.get(k) for k in order}, **record}
    if record["revenue_12m_minor"] == 0:
        # Nothing in the default currency in the 12 months (tiers are counted in it): the
        # card says what the customer did buy, in the currency of most of it (HKD 800.00,
        # not ¥0.00). A sale and its refund in the default currency are a net of 0 there.
        facts = purchase_facts(conn, customer_id, today, config(conn).abc_window)
        other = {c: n for c, n in (facts.net_12m if facts else {}).items() if n}
        if other and facts and record["currency"] not in facts.in_12m:
            currency = max(sorted(other), key=lambda c: abs(other[c]))
            shown.update(revenue_12m_minor=other[currency], currency=currency)
    return [shown]


SHOW_SECTIONS.append(
    ShowSection(
        key="classes",
        title="Classes (derived from purchases)",
        columns=(
            "lifecycle",
            "abc",
            "frequency_tier",
            "value_tier",
            "purchase_days_12m",
            "revenue_12m",
            "currency",
            "last_purchase_on",
        ),
        rows=_classes,
    )
)
