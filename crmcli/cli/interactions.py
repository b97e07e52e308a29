"""Logging contacts: `crm log`, `crm interactions`, `crm interaction edit|delete`."""

from datetime import datetime
from typing import Annotated, Any

import typer

from crmcli.cli.app import app, output, reading, writing
from crmcli.cli.batch import record_ids
from crmcli.cli.customers import SHOW_SECTIONS, ShowSection, _read_stdin_value, resolver
from crmcli.cli.options import (
    FieldsOption,
    FormatOption,
    LimitOption,
    QuietOption,
    SinceOption,
    UntilOption,
    YesOption,
    chosen_fields,
    confirm,
    period,
)
from crmcli.cli.output import Format
from crmcli.core import clock, dates
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, _
from crmcli.core.text import clip
from crmcli.records import interactions, tasks
from crmcli.records.interactions import InteractionInput

interaction_app = typer.Typer(
    help="Change or delete one logged interaction (list them with `crm interactions`).",
    no_args_is_help=True,
)
app.add_typer(interaction_app, name="interaction")

KINDS_HELP = "call, email, meeting, visit, message or note."
# The kinds in words, for the confirmations of `crm log` (the values stay as typed).
_KIND_WORDS = (N_("call"), N_("email"), N_("meeting"), N_("visit"), N_("message"), N_("note"))
AtOption = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="When it happened: 'yesterday 3pm', 'Nov 5 14:30', 2026-11-20T09:30, 下午3点... "
        "(default: now).",
    ),
]
DirectionOption = Annotated[
    str | None, typer.Option("--direction", help="in (they reached you) or out (you them).")
]
DurationOption = Annotated[
    str | None,
    typer.Option("--duration", help="How long: 15m (m = minutes here), 1h30m, 45 (minutes)."),
]
OutcomeOption = Annotated[
    str | None, typer.Option("--outcome", help="What came of it, e.g. 'sent quote'.")
]
ChannelOption = Annotated[
    str | None, typer.Option("--channel", help="Channel, e.g. wechat, sms, whatsapp, phone.")
]


def _at(values: dict[str, Any]) -> str:
    """`, at Wed 2026-11-26 15:00` when the values set the time, so a misreading shows."""
    at = values.get("occurred_at")
    return _(", at {moment}").format(moment=dates.show_moment(at)) if at else ""


def _text(value: str, option: str = "TEXT") -> str:
    text = _read_stdin_value(option) if value == "-" else value
    if not text.strip():
        raise InvalidInput(_("the text is empty; say what happened (or give - and pipe it in)"))
    return text


@app.command("log")
def log(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help=KINDS_HELP, show_default=False)],
    ref: Annotated[str, typer.Argument(help="Customer id, external id, email, phone or name.")],
    text: Annotated[str, typer.Argument(help="What happened; - reads a long note from stdin.")],
    at: AtOption = None,
    direction: DirectionOption = None,
    duration: DurationOption = None,
    outcome: OutcomeOption = None,
    channel: ChannelOption = None,
    follow_up: Annotated[
        str | None,
        typer.Option(
            "--follow-up",
            help="Also create a task: WHEN[:TEXT], e.g. 'fri:send the quote' or +3d.",
        ),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Log a call, email, meeting, visit or message with a customer, or a note about them.

    Example: crm log call 张伟 "Asked for a quote" --duration 15m --follow-up "fri:send quote"
    """
    now = clock.now()
    raw = InteractionInput(
        kind=kind,
        text=_text(text),
        at=at,
        direction=direction,
        duration=duration,
        channel=channel,
        outcome=outcome,
    )
    values = interactions.prepare(raw, now=now)
    follow = None
    if follow_up is not None:
        follow = tasks.parse_follow_up(follow_up, today=now.date(), about=values)
    with writing(ctx) as conn:
        customer_id = resolver(conn)(ref)
        interaction_id = interactions.log_interaction(conn, customer_id, values)
        task_id = None
        if follow is not None:
            task_id = tasks.add_task(
                conn, customer_id, follow.text, follow.due_on, interaction_id=interaction_id
            )
        record = interactions.get_interaction(conn, interaction_id)
    message = _("Logged {kind} {id} with {customer} (#{customer_id}) at {moment}.").format(
        kind=_(record["kind"]),
        id=interaction_id,
        customer=record["customer_name"],
        customer_id=customer_id,
        moment=dates.show_moment(record["occurred_at"]),
    )
    out = output(ctx, quiet=quiet)
    if follow is not None:
        message += "\n" + _("Follow-up task {id} due {day}: {text}").format(
            id=task_id, day=dates.show_day(follow.due_on), text=follow.text
        )
        if note := dates.time_not_kept("--follow-up", follow.when):
            out.warn(note)
    out.done(message, interaction_id)


TABLE_COLUMNS = ("id", "occurred_at", "customer_name", "kind", "direction", "outcome", "summary")


@app.command("interactions")
def list_interactions(
    ctx: typer.Context,
    ref: Annotated[
        str | None, typer.Argument(help="Only this customer (id, name, phone...).")
    ] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", "-k", help=f"Only this kind ({KINDS_HELP})")
    ] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: LimitOption = None,
    fmt: FormatOption = Format.table,
    quiet: QuietOption = False,
    fields: FieldsOption = None,
) -> None:
    """List logged interactions, newest first.

    Example: crm interactions 张伟 --kind call --since 2026-01-01 --format json
    """
    picked = chosen_fields(fields, interactions.COLUMNS)
    first, last = period(since, until)
    with reading(ctx) as conn:
        customer_id = resolver(conn, archived=True)(ref) if ref else None
        rows = interactions.list_interactions(
            conn, customer_id=customer_id, kinds=kind, since=first, until=last, limit=limit
        )
        columns: tuple[str, ...] = interactions.COLUMNS
        if fmt is Format.table:
            columns = TABLE_COLUMNS
            rows = ({**row, "summary": clip(row["text"])} for row in rows)
        # a direction says least (in or out): it gives up its room first on a narrow
        # terminal; the kind (a call, a visit) and how it went are what a row is read for,
        # and the summary gives up room for them, as `crm show` does for the outcome
        output(ctx, fmt, quiet).rows(
            rows, picked or columns, key="id", first_out=("direction",),
            kept=("kind", "outcome"),
        )  # fmt: skip


@interaction_app.command("edit")
def edit_interaction(
    ctx: typer.Context,
    interaction_id: Annotated[int, typer.Argument(metavar="ID", help="The interaction's id.")],
    kind: Annotated[str | None, typer.Option("--kind", help=KINDS_HELP)] = None,
    text: Annotated[
        str | None, typer.Option("--text", help="New text; - reads it from stdin.")
    ] = None,
    at: AtOption = None,
    direction: DirectionOption = None,
    duration: DurationOption = None,
    outcome: OutcomeOption = None,
    channel: ChannelOption = None,
    customer: Annotated[
        str | None, typer.Option("--customer", help="Move it to this customer.")
    ] = None,
    unset: Annotated[
        list[str] | None,
        typer.Option("--unset", help="Clear direction, duration, channel or outcome."),
    ] = None,
    quiet: QuietOption = False,
) -> None:
    """Change a logged interaction.

    Example: crm interaction edit 12 --outcome "order placed" --unset duration
    """
    raw = InteractionInput(
        kind=kind,
        text=_text(text, "--text") if text is not None else None,
        at=at,
        direction=direction,
        duration=duration,
        channel=channel,
        outcome=outcome,
        unset=list(unset or []),
    )
    values = interactions.prepare(raw, now=clock.now())
    if not values and customer is None:
        raise InvalidInput(_("nothing to change; give options such as --text or --outcome"))
    with writing(ctx) as conn:
        customer_id = resolver(conn)(customer) if customer else None
        changed = interactions.edit_interaction(
            conn, interaction_id, values, customer_id=customer_id
        )
    output(ctx, quiet=quiet).done(
        _("Updated interaction {interaction_id}{at}.").format(
            interaction_id=interaction_id, at=_at(values)
        )
        if changed
        else _("No changes."),
        interaction_id,
    )


@interaction_app.command("delete")
def delete_interaction(
    ctx: typer.Context,
    ids: Annotated[
        list[str], typer.Argument(metavar="ID...", help="Interaction ids; - reads them from stdin.")
    ],
    yes: YesOption = False,
    quiet: QuietOption = False,
) -> None:
    """Delete logged interactions for good, all or none (the message shows what was deleted).

    Example: crm interaction delete 12 --yes
    """
    wanted = list(dict.fromkeys(record_ids(ids, "interaction")))
    if not wanted:
        return
    with reading(ctx) as conn:
        shown = {
            r["id"]: _(
                "interaction {id}: {kind} with {customer_name} (#{customer_id}) at {at}: {text}"
            ).format(
                id=r["id"],
                kind=r["kind"],
                customer_name=r["customer_name"],
                customer_id=r["customer_id"],
                at=r["occurred_at"],
                text=clip(r["text"]),
            )
            for r in (interactions.get_interaction(conn, i) for i in wanted)
        }
    confirm(
        _("Delete {what}?").format(what=shown[wanted[0]])
        if len(wanted) == 1
        else _("Delete {count} interactions ({ids})?").format(
            count=len(wanted), ids=_(", ").join(map(str, wanted))
        ),
        yes,
        command="interaction delete",
    )
    with writing(ctx) as conn:
        for interaction_id in wanted:
            interactions.delete_interaction(conn, interaction_id)
    output(ctx, quiet=quiet).done(
        "\n".join(_("Deleted {what}").format(what=shown[i]) for i in wanted), *wanted
    )


def _contact_rows(conn: Any, customer_id: int) -> list[dict[str, Any]]:
    from crmcli.reports import reminders

    today = clock.today()
    status = reminders.customer_contact(conn, customer_id, today)
    last = status["last_contact_at"]
    if status["cadence_days"] is None and last is None:
        return []
    shown = reminders.ago(datetime.fromisoformat(last) if last else None, today)
    return [{**status, "last_contact": shown, "cadence": reminders.describe_cadence(status)}]


def _last_interactions(conn: Any, customer_id: int) -> list[dict[str, Any]]:
    rows = interactions.list_interactions(conn, customer_id=customer_id, limit=5)
    return [{**row, "summary": clip(row["text"])} for row in rows]


SHOW_SECTIONS.extend(
    [
        ShowSection(
            "contact",
            "Contact",
            ("last_contact", "cadence", "due_on", "is_due"),
            _contact_rows,
        ),
        ShowSection(
            "interactions",
            "Last interactions",
            ("id", "occurred_at", "kind", "direction", "outcome", "summary"),
            _last_interactions,
            # a narrow terminal leaves out the direction, and keeps how it went
            first_out=("direction",),
            kept=("outcome",),
        ),
    ]
)
