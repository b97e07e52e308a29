"""Feedback and surveys: `crm feedback add|list|resolve|reopen|delete`,
`crm survey add|list|import|delete`, and their sections of `crm show`."""

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from crmcli.cli.app import app, delete_asked, output, reading, writing
from crmcli.cli.customers import SHOW_SECTIONS, ShowSection, _read_stdin_value, resolver
from crmcli.cli.options import (
    DryRunOption,
    FieldsOption,
    FormatOption,
    LimitOption,
    QuietOption,
    SinceOption,
    UntilOption,
    YesOption,
    chosen_fields,
    period,
)
from crmcli.cli.output import Format
from crmcli.core import clock, dates, oserrors
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import _
from crmcli.core.text import clip, duration
from crmcli.core.vocabulary import word
from crmcli.records import feedback

feedback_app = typer.Typer(
    help="Complaints, suggestions, praise and questions from customers, open or resolved.",
    no_args_is_help=True,
)
app.add_typer(feedback_app, name="feedback")
survey_app = typer.Typer(
    help="Satisfaction survey answers: NPS (0-10) and CSAT (1-5).", no_args_is_help=True
)
app.add_typer(survey_app, name="survey")

RefArgument = Annotated[str, typer.Argument(help="Customer id, external id, email, phone or name.")]
IdArgument = Annotated[int, typer.Argument(metavar="ID", help="The item's id.")]
AtOption = Annotated[
    str | None,
    typer.Option("--at", help="When: 'yesterday 15:00', 2026-11-20T09:30, ... (default: now)."),
]


def _text(value: str, option: str) -> str:
    text = _read_stdin_value(option) if value == "-" else value
    if not text.strip():
        raise InvalidInput(
            _("{option} is empty; say what the customer said (or give - and pipe it)").format(
                option=option
            )
        )
    from crmcli.core import validate

    return validate.text("text", text, multiline=True)


@feedback_app.command("add")
def feedback_add(
    ctx: typer.Context,
    ref: RefArgument,
    text: Annotated[str, typer.Argument(help="What they said; - reads it from stdin.")],
    kind: Annotated[
        str, typer.Option("--kind", help="complaint, suggestion, praise or question.")
    ] = "complaint",
    severity: Annotated[str, typer.Option("--severity", help="low, normal or high.")] = "normal",
    at: AtOption = None,
    quiet: QuietOption = False,
) -> None:
    """Record feedback from a customer (open until resolved).

    Example: crm feedback add 张伟 "Tea arrived damaged" --kind complaint --severity high
    """
    now = clock.now()
    clean_kind = feedback.clean_kind(kind)
    clean_severity = feedback.clean_severity(severity)
    body = _text(text, "TEXT")
    received = feedback.moment(at, now) if at is not None else None
    with writing(ctx) as conn:
        customer_id = resolver(conn)(ref)
        feedback_id = feedback.add_feedback(
            conn,
            customer_id,
            kind=clean_kind,
            severity=clean_severity,
            text=body,
            received_at=received,
        )
        record = feedback.get_feedback(conn, feedback_id)
    output(ctx, quiet=quiet).done(
        _(
            "Added feedback {feedback_id} from {customer_name} (#{customer_id}): "
            "{kind}, {severity} severity, received {value}."
        ).format(
            feedback_id=feedback_id,
            customer_name=record["customer_name"],
            customer_id=customer_id,
            kind=word("kind", record["kind"]),
            severity=word("severity", record["severity"]),
            value=dates.show_moment(record["received_at"]),
        ),
        feedback_id,
    )


TABLE_COLUMNS = ("id", "received_at", "customer_name", "kind", "severity", "status", "summary")


@feedback_app.command("list")
def feedback_list(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(help="Only this customer's feedback.")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only open items.")] = False,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="Only this kind (repeatable).")
    ] = None,
    severity: Annotated[
        list[str] | None, typer.Option("--severity", help="Only this severity (repeatable).")
    ] = None,
    limit: LimitOption = None,
    fmt: FormatOption = Format.table,
    quiet: QuietOption = False,
    fields: FieldsOption = None,
) -> None:
    """List feedback, newest first.

    Example: crm feedback list --open --severity high
    """
    picked = chosen_fields(fields, feedback.COLUMNS)
    with reading(ctx) as conn:
        customer_id = resolver(conn, archived=True)(ref) if ref else None
        rows = feedback.list_feedback(
            conn,
            customer_id=customer_id,
            open_only=open_only,
            kinds=kind,
            severities=severity,
            limit=limit,
        )
    columns: tuple[str, ...] = feedback.COLUMNS
    if fmt is Format.table:
        columns = TABLE_COLUMNS
        rows = [{**row, "summary": clip(row["text"])} for row in rows]
    output(ctx, fmt, quiet).rows(rows, picked or columns, key="id")


@feedback_app.command("resolve")
def feedback_resolve(
    ctx: typer.Context,
    feedback_id: IdArgument,
    note: Annotated[
        str | None, typer.Option("--note", help="How it was resolved; - reads it from stdin.")
    ] = None,
    at: AtOption = None,
    quiet: QuietOption = False,
) -> None:
    """Mark feedback resolved (now, or --at when it was), with an optional note.

    Example: crm feedback resolve 3 --note "Sent a replacement"
    """
    clean_note = _text(note, "--note") if note is not None else None
    when = feedback.moment(at, clock.now()) if at is not None else None
    with writing(ctx) as conn:
        changed = feedback.resolve_feedback(conn, feedback_id, note=clean_note, at=when)
        record = feedback.get_feedback(conn, feedback_id)
    if not changed:
        message = _(
            "Feedback {feedback_id} was already resolved on {day}; nothing changed (reopen it "
            "first to resolve it again)."
        ).format(feedback_id=feedback_id, day=record["resolved_at"])
    else:
        message = _(
            "Resolved feedback {feedback_id} of {customer} (#{customer_id}) after {duration}."
        ).format(
            feedback_id=feedback_id,
            customer=record["customer_name"],
            customer_id=record["customer_id"],
            duration=duration(_hours(record)).said(),
        )
    output(ctx, quiet=quiet).done(message, feedback_id)


def _hours(record: Any) -> float:
    """The hours from receiving to resolving, unrounded (the record's figure has one decimal)."""
    from datetime import datetime

    taken = datetime.fromisoformat(record["resolved_at"]) - datetime.fromisoformat(
        record["received_at"]
    )
    return taken.total_seconds() / 3600


@feedback_app.command("reopen")
def feedback_reopen(
    ctx: typer.Context, feedback_id: IdArgument, quiet: QuietOption = False
) -> None:
    """Reopen resolved feedback (its resolution note is cleared).

    Example: crm feedback reopen 3
    """
    with writing(ctx) as conn:
        changed = feedback.reopen_feedback(conn, feedback_id)
    output(ctx, quiet=quiet).done(
        (
            _("Reopened feedback {feedback_id}.")
            if changed
            else _("Feedback {feedback_id} is open.")
        ).format(feedback_id=feedback_id),
        feedback_id,
    )


@feedback_app.command("delete")
def feedback_delete(
    ctx: typer.Context, feedback_id: IdArgument, yes: YesOption = False, quiet: QuietOption = False
) -> None:
    """Delete a feedback item for good (e.g. one entered by mistake). Asks on a terminal;
    needs --yes in a script.

    Example: crm feedback delete 3 --yes
    """

    def shown(record: Any) -> str:
        return _("feedback {feedback_id} of {customer_name} (#{customer_id}): {value}").format(
            feedback_id=feedback_id,
            customer_name=record["customer_name"],
            customer_id=record["customer_id"],
            value=clip(record["text"]),
        )

    delete_asked(
        ctx, feedback_id, command="feedback delete", yes=yes, quiet=quiet,
        read=feedback.get_feedback, delete=feedback.delete_feedback, described=shown,
    )  # fmt: skip


# --- surveys -------------------------------------------------------------------------------


@survey_app.command("add")
def survey_add(
    ctx: typer.Context,
    ref: RefArgument,
    nps: Annotated[
        str | None, typer.Option("--nps", help="Would they recommend you? 0-10.")
    ] = None,
    csat: Annotated[str | None, typer.Option("--csat", help="How satisfied? 1-5.")] = None,
    comment: Annotated[
        str | None, typer.Option("--comment", help="What they wrote; - reads it from stdin.")
    ] = None,
    at: AtOption = None,
    quiet: QuietOption = False,
) -> None:
    """Record a customer's survey answer: an NPS score, a CSAT score, or both.

    Example: crm survey add 张伟 --nps 9 --comment "Great tea, fast delivery"
    """
    from crmcli.records import surveys

    if comment == "-":
        comment = _read_stdin_value("--comment")
    raw = surveys.SurveyInput(nps=nps, csat=csat, comment=comment, at=at)
    values = surveys.prepare(raw, now=clock.now())
    with writing(ctx) as conn:
        customer_id = resolver(conn)(ref)
        survey_id = surveys.add_survey(conn, customer_id, values)
        record = surveys.get_survey(conn, survey_id)
    scores = _(", ").join(
        f"{m.upper()} {record[m]}" for m in ("nps", "csat") if record[m] is not None
    )
    output(ctx, quiet=quiet).done(
        _(
            "Added survey answer {survey_id} from {customer_name} (#{customer_id}): "
            "{scores}, answered {value}."
        ).format(
            survey_id=survey_id,
            customer_name=record["customer_name"],
            customer_id=customer_id,
            scores=scores,
            value=dates.show_moment(record["answered_at"]),
        ),
        survey_id,
    )


@survey_app.command("list")
def survey_list(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(help="Only this customer's answers.")] = None,
    since: SinceOption = None,
    until: UntilOption = None,
    limit: LimitOption = None,
    fmt: FormatOption = Format.table,
    quiet: QuietOption = False,
    fields: FieldsOption = None,
) -> None:
    """List survey answers, newest first.

    Example: crm survey list --since 2026-01-01 --format csv
    """
    from datetime import timedelta

    from crmcli.records import surveys
    from crmcli.records.interactions import local_midnight

    picked = chosen_fields(fields, surveys.COLUMNS)
    first, last = period(since, until)
    with reading(ctx) as conn:
        customer_id = resolver(conn, archived=True)(ref) if ref else None
        rows = surveys.list_surveys(
            conn,
            customer_id=customer_id,
            since=local_midnight(first) if first else None,
            before=local_midnight(last + timedelta(days=1)) if last else None,
            limit=limit,
        )
    columns: tuple[str, ...] = surveys.COLUMNS
    if fmt is Format.table:
        columns = ("id", "answered_at", "customer_name", "nps", "csat", "comment")
        rows = [{**row, "comment": clip(row["comment"])} for row in rows]
    output(ctx, fmt, quiet).rows(rows, picked or columns, key="id")


@survey_app.command("delete")
def survey_delete(
    ctx: typer.Context, survey_id: IdArgument, yes: YesOption = False, quiet: QuietOption = False
) -> None:
    """Delete a survey answer for good (e.g. one entered by mistake). Asks on a terminal;
    needs --yes in a script.

    Example: crm survey delete 4 --yes
    """
    from crmcli.records import surveys

    def shown(record: Any) -> str:
        return _(
            "survey answer {survey_id} of {customer_name} (#{customer_id}) from {answered_at}"
        ).format(
            survey_id=survey_id,
            customer_name=record["customer_name"],
            customer_id=record["customer_id"],
            answered_at=record["answered_at"],
        )

    delete_asked(
        ctx, survey_id, command="survey delete", yes=yes, quiet=quiet,
        read=surveys.get_survey, delete=surveys.delete_survey, described=shown,
    )  # fmt: skip


def _read_input(source: str) -> tuple[str, str | None]:
    """(text, file name) from a path or `-` (stdin); raises InvalidInput when it cannot be
    opened or is not UTF-8, the blamed OSError (exit 1) when it cannot be read."""
    if source == "-":
        from crmcli.core import stdin

        return stdin.text("-"), None
    path = Path(source).expanduser()
    try:
        file = oserrors.File(path, "r", source)
    except FileNotFoundError:
        raise InvalidInput(_("no such file: {source}").format(source=source)) from None
    except OSError as exc:
        raise InvalidInput(
            _("cannot read {source}: {value}").format(source=source, value=oserrors.reason(exc))
        ) from None
    with file:
        data = file.readall()
    try:
        return data.decode("utf-8-sig"), path.name
    except UnicodeDecodeError:
        raise InvalidInput(_("{source} is not UTF-8 text").format(source=source)) from None


def import_surveys(
    ctx: typer.Context,
    source: str,
    input_format: str | None,
    dry_run: bool,
    skip_invalid: bool,
    quiet: bool,
) -> None:
    """The survey import, shared by `crm survey import` and (later) `crm import surveys`."""
    from crmcli.records import surveys

    text, name = _read_input(source)
    fmt = input_format.strip().lower() if input_format else surveys.detect_format(text, name)
    records = surveys.read_rows(text, fmt)
    now = clock.now()
    opener = reading if dry_run else writing
    with opener(ctx) as conn:
        result = surveys.import_rows(
            conn,
            records,
            resolve=resolver(conn),
            now=now,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
        )
    from crmcli.core.text import first_lines

    for line in first_lines([_("skipped {line}").format(line=line) for line in result.rejected]):
        sys.stderr.write("crm: " + line + "\n")
    head = (
        _("Would import {count} of {total} survey answers")
        if dry_run
        else _("Imported {count} of {total} survey answers")
    )
    parts = [head.format(count=len(result.added), total=result.total)]
    if result.present:
        parts.append(_("{count} already present").format(count=result.present))
    if result.rejected:
        parts.append(_("{count} invalid skipped").format(count=len(result.rejected)))
    said = _("; ").join(parts) + (_(" (dry run: nothing was written)") if dry_run else "")
    done = _("{sentence}.").format(sentence=said)
    output(ctx, quiet=quiet).done(done, *([] if dry_run else result.added))


@survey_app.command("import")
def survey_import(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(metavar="FILE", help="A file, or - for stdin.")],
    input_format: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help="csv, tsv, json or jsonl (default: from the name or content)."
        ),
    ] = None,
    dry_run: DryRunOption = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the valid rows, report the others.")
    ] = False,
    quiet: QuietOption = False,
) -> None:
    """Import survey answers from CSV, TSV, JSON or JSONL, all or nothing, in one transaction.

    Columns: customer (any reference), nps, csat, comment, at. Each row is checked exactly
    as `crm survey add` checks its options.

    Example: crm survey import answers.csv --dry-run
    """
    import_surveys(ctx, source, input_format, dry_run, skip_invalid, quiet)


# --- crm show ------------------------------------------------------------------------------


def _open_feedback(conn: Any, customer_id: int) -> list[dict[str, Any]]:
    return [
        {
            "id": r["id"],
            "received_at": r["received_at"],
            "kind": r["kind"],
            "severity": r["severity"],
            "summary": clip(r["text"]),
        }
        for r in feedback.open_for_customer(conn, customer_id)
    ]


def _scores(conn: Any, customer_id: int) -> list[dict[str, Any]]:
    from crmcli.records import surveys

    return [{**r, "comment": clip(r["comment"])} for r in surveys.last_scores(conn, customer_id)]


# A customer's last survey scores on `crm show`: `metric` is `nps` or `csat`.
SCORE_COLUMNS = ("metric", "score", "answered_at", "comment")

SHOW_SECTIONS.extend(
    [
        ShowSection(
            "open_feedback",
            "Open feedback",
            ("id", "received_at", "kind", "severity", "summary"),
            _open_feedback,
        ),
        ShowSection(
            "last_scores",
            "Last survey scores",
            SCORE_COLUMNS,
            _scores,
        ),
    ]
)
