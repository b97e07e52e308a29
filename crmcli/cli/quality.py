"""Data quality commands: `crm dedupe`, `crm merge`, `crm clean`."""

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from crmcli.cli.app import app, output, reading, writing
from crmcli.cli.customers import resolver
from crmcli.cli.options import (
    DryRun,
    DryRunOption,
    FieldsOption,
    FormatOption,
    QuietOption,
    YesOption,
    chosen_fields,
    confirm,
)
from crmcli.cli.output import Format, is_terminal
from crmcli.core import clock
from crmcli.core.i18n import _
from crmcli.core.text import plural
from crmcli.core.vocabulary import word

if TYPE_CHECKING:
    from crmcli.records.duplicates import Gains


@app.command("dedupe")
def dedupe(
    ctx: typer.Context,
    min_score: Annotated[
        int, typer.Option("--min-score", min=1, max=100, help="Only pairs scoring this or more.")
    ] = 40,
    fmt: FormatOption = Format.table,
    fields: FieldsOption = None,
) -> None:
    """List likely duplicate customers in pairs, with a score (0-100) and the reasons.

    Same email 60, same phone 50, same name 40 (ignoring case, width and traditional or
    simplified characters), same pinyin 30 (曾小贤 and 曾晓贤), similar name 25, and the same
    company 10 on top.

    Example: crm dedupe --min-score 50 --format json
    """
    from crmcli.records import duplicates

    picked = chosen_fields(fields, duplicates.COLUMNS)
    with reading(ctx) as conn:
        pairs = duplicates.find_pairs(conn, min_score=min_score)
    out = output(ctx, fmt)
    if not pairs and fmt is Format.table:  # json says [] and csv its header: data enough
        out.note(_("No likely duplicates scoring {score} or more.").format(score=min_score))
    else:
        out.rows(pairs, picked or duplicates.COLUMNS)


@app.command("merge")
def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="The customer to keep (a reference).")],
    other: Annotated[str, typer.Argument(help="The duplicate to merge into it and delete.")],
    yes: YesOption = False,
    dry_run: DryRunOption = False,
    quiet: QuietOption = False,
) -> None:
    """Merge OTHER into KEEP in one transaction, then delete OTHER.

    Every interaction, purchase, task, tag, date, stage change, phone, email, field and
    referral of OTHER moves to KEEP; KEEP's empty fields are filled from OTHER; OTHER's
    differing values are added to KEEP's notes; the merge is recorded. Asks first on a
    terminal; from a script it needs --yes.

    Example: crm merge 12 57 --yes
    """
    from crmcli.core.errors import InvalidInput
    from crmcli.records import duplicates

    with reading(ctx) as conn:
        resolve = resolver(conn, archived=True)
        keep_id, other_id = resolve(keep), resolve(other)
        if keep_id == other_id:
            raise InvalidInput(_("KEEP and OTHER are the same customer"))
        names = dict(conn.execute("SELECT id, name FROM customers WHERE id IN (?, ?)",
                                  (keep_id, other_id)).fetchall())  # fmt: skip
        asking = not dry_run and not yes and is_terminal(sys.stdin)
        gains = duplicates.merge_gains(conn, keep_id, other_id) if asking else None
    if gains is not None:  # what is asked about, before the question (as crm undo does)
        _preview(ctx, gains, (keep_id, names[keep_id]), (other_id, names[other_id]))
    if not dry_run:
        confirm(
            _("Merge #{other_id} {other} into #{keep_id} {keep} and delete #{other_id}?").format(
                other_id=other_id, other=names[other_id], keep_id=keep_id, keep=names[keep_id]
            ),
            yes,
            command="merge",
        )
    try:
        with writing(ctx) as conn:
            done = duplicates.merge_customers(conn, keep_id, other_id)
            if dry_run:  # the merge is worked out in full, then rolled back
                raise DryRun(done)
    except DryRun as preview:
        done = preview.result
    moved = sum(done["moved"].values())
    if dry_run:
        head = _("Would merge #{other_id} {other} into #{keep_id}: would move {records}")
        fill, kept, end = (
            _(", fill {fields}"),
            _(", {values} would be kept in notes"),
            _(" (dry run: nothing was changed)."),
        )
    else:
        head = _("Merged #{other_id} {other} into #{keep_id}: moved {records}")
        fill, kept, end = _(", filled {fields}"), _(", {values} kept in notes"), ""
    message = (
        head.format(other_id=other_id, other=names[other_id], keep_id=keep_id,
                    records=plural(moved, "record").said())
        + (fill.format(fields=_(", ").join(str(word("field", f)) for f in done["filled"]))
           if done["filled"] else "")
        + (kept.format(values=plural(len(done["noted"]), "differing value").said())
           if done["noted"] else "")
    )  # fmt: skip
    message = message + end if dry_run else _("{sentence}.").format(sentence=message)
    output(ctx, quiet=quiet).done(message, keep_id)


def _preview(
    ctx: typer.Context, gains: "Gains", keep: tuple[int, str], other: tuple[int, str]
) -> None:
    """The lines on stderr before `crm merge` asks: the customer kept and the one merged
    into it, each with their phones and emails, and what the kept one gains (duplicates.
    Gains), phones in national form for the user's region as tables show them."""
    from crmcli.cli.display import phone
    from crmcli.cli.output import sentence

    display = output(ctx).display
    region = display()[1] if display is not None else None

    def contacts(values: list[str]) -> str:
        said = [phone(v, region) if v.startswith("+") else v for v in values]
        return _(", ").join(said) if said else _("no phone or email")

    def who(customer: tuple[int, str]) -> str:
        return _("{name} (#{id})").format(name=customer[1], id=customer[0])

    listed = [
        said.format(values=_(", ").join(values))
        for said, values in (
            (_("phones {values}"), [phone(p, region) for p in gains.phones]),
            (_("emails {values}"), gains.emails),
            (_("tags {values}"), gains.tags),
        )
        if values
    ]
    listed += [
        plural(n, unit).said()
        for n, unit in (
            (gains.interactions, "interaction"),
            (gains.purchases, "purchase"),
            (gains.tasks, "task"),
        )
        if n
    ]
    lines = [
        _("Keep {customer}: {contacts}").format(
            customer=who(keep), contacts=contacts(gains.keep_contacts)
        ),
        _("Merge into it and delete {customer}: {contacts}").format(
            customer=who(other), contacts=contacts(gains.other_contacts)
        ),
        _("{customer} gains {gains}").format(customer=who(keep), gains=_("; ").join(listed))
        if listed
        else _("{customer} gains no phone, email, tag, interaction, purchase or task").format(
            customer=who(keep)
        ),
    ]
    if gains.filled:  # as the merge will say it did (`补全了生日、公司`)
        fields = _(", ").join(str(word("field", f)) for f in gains.filled)
        lines.append(_("Fills the empty {fields}").format(fields=fields))
    if gains.noted:
        lines.append(
            _("Kept in notes ({values}): {listed}").format(
                values=plural(len(gains.noted), "differing value").said(),
                listed=_("; ").join(gains.noted),
            )
        )
    sentence("\n".join(lines), sys.stderr)


@app.command("clean")
def clean(
    ctx: typer.Context,
    fix: Annotated[
        bool,
        typer.Option(
            "--fix", help="Normalise the emails, phones, provinces and cities that can be."
        ),
    ] = False,
    stale_years: Annotated[
        int, typer.Option("--stale-years", min=1, max=100, help="Stale after N years untouched.")
    ] = 3,
    fmt: FormatOption = Format.table,
    quiet: QuietOption = False,
) -> None:
    """Report invalid or unreachable contact data: bad emails and phones, customers with no
    way to reach them, stale records. --fix normalises what has one right form.

    Example: crm clean --stale-years 2 --fix
    """
    from crmcli.records import quality
    from crmcli.records.config import get_setting

    today = clock.today()
    opener = writing if fix else reading
    with opener(ctx) as conn:
        region = get_setting(conn, "default_region")
        found = quality.problems(conn, region=region, today=today, stale_years=stale_years)
        fixed = quality.fix(conn, found) if fix else 0
    out = output(ctx, fmt, quiet)
    if not found and fmt is Format.table:  # the sentence alone, not "Nothing to show." too
        out.note(_("No contact data problems found."))
        return
    out.rows(found, quality.COLUMNS)
    if fix:
        out.note(
            _("Fixed {fixed} of {value}.").format(fixed=fixed, value=plural(len(found), "problem"))
        )
