"""Moving data in and out: `crm import customers|purchases|interactions|tasks|all` and
`crm export customers|purchases|interactions|tasks|all`."""

import contextlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from typer.core import TyperGroup

from crmcli.cli.app import app, global_options, output, reading, writing
from crmcli.cli.options import (
    AllowDuplicateOption,
    DryRun,
    DryRunOption,
    QuietOption,
    SinceOption,
    UntilOption,
    filter_options,
    period,
)
from crmcli.core import clock
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, _
from crmcli.core.progress import READING, Progress
from crmcli.core.text import id_list, plural

if TYPE_CHECKING:  # the importers load only in `crm import`
    from crmcli.cli.output import Output
    from crmcli.records.filters import CustomerFilter
    from crmcli.transfer.importers import Summary
    from crmcli.transfer.sources import Record

import_app = typer.Typer(
    help="Import customers, purchases, interactions or tasks from CSV, TSV, JSON, JSONL or "
    "vCard; or a whole database exported with `crm export all`.",
    no_args_is_help=True,
)


class ExportGroup(TyperGroup):
    """`crm export REF` (a customer reference, not a kind) is `crm export customer REF`.
    Options may come before the kind or the reference (`crm export -q 1 -o F`, `crm export
    -o F all`), as after it: a group parses only its own options before its command's name,
    so that name (the first word that is no option nor an option's value) is put first."""

    options_before_name = True  # for `option_as_value`: `crm export -o --force all` is refused

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, self._named_first(ctx, args))

    def _named_first(self, ctx: Any, args: list[str]) -> list[str]:
        if not args or not args[0].startswith("-") or args[0] in ctx.help_option_names:
            return args
        valued = {  # each option of the export commands, and whether it takes a value
            name: not p.is_flag and not p.count
            for command in self.commands.values()
            for p in command.params
            if p.param_type_name == "option"
            for name in (*p.opts, *p.secondary_opts)
        }
        at, known = 0, True
        while at < len(args):
            word = args[at]
            if word == "--":
                return args  # the words after it are values
            if word in ctx.help_option_names:
                return [word]  # `crm export -q -h`: the group's help
            if not word.startswith("-") or word == "-":
                return [word, *args[:at], *args[at + 1 :]]
            known = known and _known(word, valued)
            at += 1 + _takes_next(word, valued)
        # Options only: with the export commands' own (`crm export -o F`, `crm export -q`),
        # the kind or reference is missing, as with none; click names an unknown option.
        return [] if known else args

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["customer", *args]
        return super().resolve_command(ctx, args)


def _known(word: str, valued: dict[str, bool]) -> bool:
    """Whether `word` (`--output`, `--output=F`, `-qo`, `-oF`) is options of the export
    commands."""
    if word.startswith("--"):
        return word.partition("=")[0] in valued
    for at, letter in enumerate(word[1:], 1):
        if f"-{letter}" not in valued:
            return False
        if valued[f"-{letter}"]:
            return True  # the rest of the word is its value
    return True


def _takes_next(word: str, valued: dict[str, bool]) -> bool:
    """Whether the option `word` (`--output`, `-o`, `-qo`, `--output=F`, `-oF`) takes the
    next word as its value."""
    if word.startswith("--"):
        return "=" not in word and valued.get(word, False)
    for at, letter in enumerate(word[1:], 1):  # `-qo F`: flags, then one that takes F
        if valued.get(f"-{letter}", False):
            return at == len(word) - 1
    return False


export_app = typer.Typer(
    cls=ExportGroup,
    help="Export customers, purchases, interactions or tasks (chosen by the customer filter), "
    "the whole database, or everything about one customer (crm export REF).",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")


# Each command offers (in help, completion and validation) only the formats it reads or
# writes: one enum per set, for reading and writing alike; `_format` reads any of them as
# the OutFormat of the same value.
class Tables(str, Enum):
    csv = "csv"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"


class Contacts(str, Enum):
    csv = "csv"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"
    vcard = "vcard"


class OutFormat(str, Enum):
    csv = "csv"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"
    vcard = "vcard"
    ics = "ics"


class CalendarOut(str, Enum):
    csv = "csv"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"
    ics = "ics"


class JsonOut(str, Enum):
    json = "json"


JsonOutOption = Annotated[
    JsonOut | None, typer.Option("--format", "-f", help="json (the only one).")
]


FileArgument = Annotated[
    str, typer.Argument(metavar="FILE", help="The file to read; - reads standard input.")
]
InFormatOption = Annotated[
    Tables | None,
    typer.Option("--format", "-f", help="csv, tsv, json or jsonl (default: from FILE's name)."),
]
ContactsInOption = Annotated[
    Contacts | None,
    typer.Option(
        "--format", "-f", help="csv, tsv, json, jsonl or vcard (default: from FILE's name)."
    ),
]
EncodingOption = Annotated[
    str | None,
    typer.Option(
        "--encoding", help="The file's encoding, e.g. gb18030 (default: UTF-8, BOM or not)."
    ),
]
DayFirstOption = Annotated[
    bool,
    typer.Option(
        "--day-first",
        help="Read the file's slashed dates day first: 4/3/2026 is 4 March (without it or "
        "--month-first, a date that reads both ways is refused).",
    ),
]
MonthFirstOption = Annotated[
    bool,
    typer.Option(
        "--month-first", help="Read the file's slashed dates month first: 4/3/2026 is 3 April."
    ),
]
MapOption = Annotated[
    list[str] | None,
    typer.Option("--map", help='Map a column to a field: "手机=phone" (repeatable; =- skips it).'),
]
SkipInvalidOption = Annotated[
    bool, typer.Option("--skip-invalid", help="Import the valid rows even when some are not.")
]
RejectsOption = Annotated[
    Path | None,
    typer.Option(
        "--rejects",
        help="Write rejected rows, with the reason, to this file (0600); - writes them to stdout.",
    ),
]


def _stdout_dash(path: Path | None) -> Path | None:
    """`-o -` means stdout, as `-` does wherever crm reads or writes a stream."""
    return None if path is not None and str(path) == "-" else path


OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write to this file (mode 0600), not stdout.", callback=_stdout_dash
    ),
]
CalendarOutOption = Annotated[
    CalendarOut | None,
    typer.Option(
        "--format", "-f", help="csv, tsv, json, jsonl or ics (default: from -o, else csv)."
    ),
]
ForceOption = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Replace the file if it is one crm wrote (never a database or another file).",
    ),
]
PlainOption = Annotated[
    bool,
    typer.Option("--plain", help="Exact CSV for scripts: no spreadsheet formula guard in a file."),
]
ExactOption = Annotated[
    bool,
    typer.Option(
        "--plain",
        help="The CSV is exact (crm export --plain, or a pipe): a leading ' is data, "
        "not the spreadsheet guard.",
    ),
]
BomOption = Annotated[
    bool,
    typer.Option(
        "--bom", help="Start CSV/TSV with a UTF-8 byte-order mark, so Excel reads it as UTF-8."
    ),
]


class _Rejects:
    """The rejected rows, written as they come: CSV (the row, its line and the reason) for
    CSV/TSV input, else one JSON object per line."""

    def __init__(self, out: TextIO | None, source: Any, *, file: bool = False) -> None:
        self.source = source
        self.out = out
        self.writer: Any = None
        if self.out is not None and source.delimiter:
            from crmcli.core.text import CsvWriter

            if file and source.marked:  # from Excel or WPS (GBK, a BOM): back to them as UTF-8
                self.out.write("\ufeff")
            self.writer = CsvWriter(self.out, source.delimiter)
            self.writer.writerow([*source.columns, "reject_line", "reject_reason"])

    def __call__(self, number: int, record: "Record", reason: str) -> None:
        whole = getattr(self.source.records, "whole", lambda _number: None)(number)
        if self.out is None:
            return
        # the line the row begins on, as the refusal names it beside its row (`row 3 (line
        # 5)`), not the line a note over several lines ends it on
        number = getattr(number, "line", number)
        if self.writer is not None:
            if whole is not None:  # more cells than columns: the row as it was, none lost
                width = len(self.source.columns)
                self.writer.writerow([*whole[:width], number, reason, *whole[width:]])
                return
            self.writer.writerow(
                [*(record.get(c, "") for c in self.source.columns), number, reason]
            )
            return
        clean = {k: v for k, v in record.items() if not k.startswith("\x00")}
        if "\x00vcard" in record:
            clean["vcard"] = record["\x00vcard"][1]
        line = {"reject_line": number, "reject_reason": reason, "record": clean}
        self.out.write(_as_written(line) + "\n")


def _as_written(value: Any) -> str:
    """`value` as JSON, its numbers as the input file wrote them (text.JsonNumber: the
    `1.23457e+11` a refusal quotes, not the float's `123457000000.0`)."""
    import uuid

    from crmcli.core.text import JsonNumber

    numbers: list[str] = []
    mark = uuid.uuid4().hex  # no text of the file holds it: only a number's place is marked

    def marked(item: Any) -> Any:
        if isinstance(item, JsonNumber):
            numbers.append(item.text)
            return f"{mark}{len(numbers) - 1}"
        if isinstance(item, dict):
            return {k: marked(v) for k, v in item.items()}
        if isinstance(item, list):
            return [marked(v) for v in item]
        return item

    text = json.dumps(marked(value), ensure_ascii=False)
    if not numbers:
        return text
    return re.sub(rf'"{mark}(\d+)"', lambda m: numbers[int(m[1])], text)


class _Reading(Progress):
    """An import's progress: while the rows are read, the share of the file's bytes read
    (the rows counted beside it); the later phases as the import tells them."""

    def __init__(self, shown: Progress, source: Any) -> None:
        self.shown = shown
        self.source = source
        self.reading = False

    def phase(self, name: str, total: int | None = None) -> None:
        self.reading = name == READING and bool(self.source.size)
        shown = _(name) if name == READING else name  # the others come said
        self.shown.phase(shown, self.source.size if self.reading else total)

    def advance(self, done: int, note: str | None = None) -> None:
        if not self.reading:
            self.shown.advance(done, note)
            return
        position = getattr(self.source.stream, "position", None)
        self.shown.advance(position or 0, plural(done, "row", grouped=True).said())


# A header repeated in a file: its later columns are read as `电话 (2)`, `电话 (3)`
# (crmcli/transfer/sources.py); --map takes them so, or as Chinese says them (`电话（第2个）`).
_REPEAT_TYPED = re.compile(r"\A(.+)（第(\d+)个）(\s*=)")


def _some_column_known(mapper: Any, source: Any, encoding: str | None) -> None:
    """Refuse a header of which no column means anything to crm: every row would be
    rejected, and the usual cause is a wrong --encoding (garbled headers) or a wrong kind."""
    from crmcli.transfer.importers import columns_said

    targets = [mapper.target(c) for c in source.columns]
    if any(t not in (None, "-") and not t.startswith("field:") for t in targets):
        return
    shown = columns_said(source.columns[:8], source.columns) + (
        ", ..." if len(source.columns) > 8 else ""
    )
    hint = _("name them with --map COLUMN=FIELD")
    if encoding is not None and any(not c.isascii() for c in source.columns):
        hint += _(
            "; if they look garbled, the file is not {encoding} (try gb18030 or utf-8)"
        ).format(encoding=encoding)
    raise InvalidInput(
        _("no column of {file} is one crm knows ({shown}); {hint}").format(
            file=source.name, shown=shown, hint=hint
        )
    )


# The kinds of record an import brings in, in words (crmcli.transfer.importers KINDS).
_KIND_WORDS = {
    "customers": N_("customers"),
    "purchases": N_("purchases"),
    "interactions": N_("interactions"),
    "tasks": N_("tasks"),
}


def _summary_line(summary: Any, dry_run: bool) -> str:
    counts = _("{inserted} inserted, {updated} updated, {unchanged} unchanged, {rejected} rejected")
    counts = counts.format(
        inserted=summary.inserted,
        updated=summary.updated,
        unchanged=summary.unchanged,
        rejected=summary.rejected,
    )
    kind = _KIND_WORDS.get(summary.kind)
    kind = _(kind) if kind else summary.kind
    rows = plural(summary.rows, summary.unit).said()  # `(2 cards)` from a vCard file
    if dry_run:
        said = _("Dry run, nothing written: {kind} would be {counts} ({rows}).")
    else:
        said = _("Imported {kind}: {counts} ({rows}).")
    return said.format(kind=kind, counts=counts, rows=rows)


# --key's default as each language says it and types it back (help shows `[默认：自动]`).
_AUTO_SAID = ("auto", "自动")


def _import(
    ctx: typer.Context,
    kind: str,
    file: str,
    *,
    fmt: Tables | Contacts | None,
    encoding: str | None,
    day_first: bool,
    month_first: bool,
    plain: bool,
    mapping: list[str] | None,
    keep_unknown: bool = False,
    key: str = "auto",
    on_conflict: str = "update",
    allow_duplicate: bool = False,
    skip_invalid: bool,
    rejects: Path | None,
    force: bool,
    dry_run: bool,
    quiet: bool,
) -> None:
    from crmcli.core import dates
    from crmcli.records.config import get_setting
    from crmcli.store.files import write_output
    from crmcli.transfer import importers, sources

    if dry_run and rejects is not None:
        raise InvalidInput(_("--dry-run writes nothing, not even a --rejects file: leave one out"))
    if day_first and month_first:
        raise InvalidInput(_("--day-first and --month-first say two orders: give one"))
    order = "day" if day_first else "month" if month_first else "either"
    mapped = [_REPEAT_TYPED.sub(r"\1 (\2)\3", item) for item in mapping or []]
    mapper = importers.Mapper(kind, mapped, keep_unknown=keep_unknown)
    source = sources.open_records(file, fmt.value if fmt else None, encoding, guarded=not plain)
    if source.fmt == "vcard" and kind != "customers":
        raise InvalidInput(_("vCard files hold contacts: use 'crm import customers'"))
    if source.columns:
        mapper.plan(source.columns)
        _some_column_known(mapper, source, encoding)
    to_stdout = rejects is not None and str(rejects) == "-"
    if force and (rejects is None or to_stdout):
        raise InvalidInput(_("--force replaces a --rejects file: give one, or leave --force out"))
    import shutil
    import tempfile

    from crmcli.cli.progress import watching

    database = global_options(ctx).path
    # `--rejects -`: the rows are kept aside (on disk past 1 MiB) and printed once the import
    # is committed and the progress gone, so a refused import prints none, as it leaves no
    # --rejects file.
    with contextlib.ExitStack() as aside:
        held = None
        if to_stdout:
            held = aside.enter_context(
                tempfile.SpooledTemporaryFile(1 << 20, "w+", encoding="utf-8", newline="")
            )
        # Drawn on a terminal's stderr, and gone before the summary is printed.
        with watching(quiet=quiet, no_color=global_options(ctx).no_color) as shown:
            progress = _Reading(shown, source)
            try:
                # The rejects file is entered inside the write, so it is in place before COMMIT: one
                # refused at the last moment (it appeared meanwhile) rolls the import back.
                with writing(ctx, progress=progress) as conn, contextlib.ExitStack() as stack:
                    rejected = held
                    if rejects is not None and held is None:
                        rejected = stack.enter_context(
                            write_output(
                                rejects,
                                database=database,
                                force=force,
                                reading=None if file == "-" else Path(file),
                            )
                        )
                    options = importers.Options(
                        key=importers.AUTO if key in _AUTO_SAID else key,
                        on_conflict=on_conflict,
                        skip_invalid=skip_invalid,
                        allow_duplicate=allow_duplicate,
                        region=get_setting(conn, "default_region"),
                        on_reject=_Rejects(rejected, source, file=held is None),
                        progress=progress,
                    )
                    with dates.in_order(order):
                        summary = importers.run_import(conn, kind, source.records, mapper, options)
                    if dry_run:
                        raise DryRun(summary)
            except DryRun as done:
                summary = done.result
            finally:
                if source.stream is not None:
                    source.stream.close()
        if held is not None:
            held.seek(0)
            shutil.copyfileobj(held, sys.stdout)
            sys.stdout.flush()
    from crmcli.transfer.importers import columns_said

    out = output(ctx, quiet=quiet)
    if summary.numbering:  # 序号: the sheet numbered its rows
        said = _("Left out {columns}: the sheet's own row numbers, not data")
        out.note(said.format(columns=columns_said(summary.numbering, source.columns)))
    if summary.ignored:
        if kind == "customers" and not keep_unknown:
            said = _(
                "Ignored columns: {columns} (map them with --map COLUMN=FIELD, or keep them as "
                "fields with --keep-unknown)"
            )
        elif keep_unknown:
            said = _(
                "Ignored columns: {columns} (map them with --map COLUMN=FIELD; identity "
                "documents are never kept as fields)"
            )
        else:
            said = _("Ignored columns: {columns} (map them with --map COLUMN=FIELD)")
        out.note(said.format(columns=columns_said(summary.ignored, source.columns)))
    for target, columns, last in summary.read_first:  # 城市 beside 市: which one a row keeps
        from crmcli.core.vocabulary import fields_glossed

        said = (
            _(
                "Columns {columns} each give {field}: a row keeps the first of them that is not "
                'empty, in that order; to keep {last} as well: --map "{last}=field:NAME"'
            )
            if kind == "customers"
            else _(
                "Columns {columns} each give {field}: a row keeps the first of them that is not "
                "empty, in that order; to read {first} alone: {skipped}"
            )
        )
        listing = columns_said(columns, source.columns)
        skipped = " ".join(f'--map "{column}=-"' for column in columns[1:])
        glossed = fields_glossed([target])
        out.note(said.format(columns=listing, field=glossed, last=last, first=columns[0],
                             skipped=skipped))  # fmt: skip
    for warning in summary.warnings:
        out.warn(warning)
    _card_notes(out, source.records)
    spanning = getattr(source.records, "spanning", None)
    if spanning is not None and spanning.count:  # a stray quote may have swallowed a row
        out.warn(_spanning_said(source.name, spanning))
    repeated = getattr(source.records, "repeated", [])
    if repeated:  # two files joined (cat): their second header is no record
        lines = plural(len(repeated), "line").said()
        said = _("Skipped {lines} repeating the header row (files joined together?): {numbers}")
        out.note(said.format(lines=lines, numbers=id_list(repeated)))
    out.note(_summary_line(summary, dry_run))
    if summary.rejected and rejects is None:  # --skip-invalid: why, or the rows are lost unread
        _skipped(out, summary, dry_run=dry_run)


def _card_notes(out: Any, records: Any) -> None:
    """What the cards of a vCard file gave that crm does not import as fields
    (vcards.Cards): a warning for the later values of a property crm keeps one of, lost
    to crm; a note for the properties kept in the stored card alone."""
    later = getattr(records, "later", None)
    if later:  # each property with its first cards: a file of thousands is one short line
        said = _(
            "not imported: the later values of a property a card gives more than once, of "
            "which crm keeps the first: {listing}"
        )
        shown = 10
        listing = _("; ").join(
            (
                _("{property} in card {numbers}")
                if len(cards) == 1
                else _("{property} in cards {numbers}")
            ).format(property=prop, numbers=id_list(cards[:shown]))
            + (
                _(", and {count} more cards").format(count=len(cards) - shown)
                if cards[shown:]
                else ""
            )
            for prop, cards in later.items()
        )
        out.warn(said.format(listing=listing))
    aside = getattr(records, "aside", None)
    if aside:
        said = _(
            "Kept in the stored card only, not shown by crm: {properties} (crm export "
            "customers --format vcard writes them again)"
        )
        out.note(said.format(properties=_(", ").join(aside)))


def _spanning_said(name: str, spanning: Any) -> str:
    """One line naming the quoted cells of `spanning` (crmcli.transfer.sources Spanning)
    that ran over a line reading as a row of its own, the first few by their lines."""
    spans = _(", ").join(
        _("lines {start}-{end} (line {line} reads as a row)").format(
            start=start, end=end, line=line
        )
        for start, end, line in spanning.first
    )
    if spanning.count > len(spanning.first):
        spans = _("{spans} and {more} more").format(
            spans=spans, more=spanning.count - len(spanning.first)
        )
    return _(
        "{name}: a quoted cell runs over lines one of which reads as a row of its own, "
        "imported as part of that cell: {spans}; if a quote there was typed by mistake "
        '(12"), put the whole cell in quotes and double each quote inside it (12" becomes '
        '"12"""), and import the row again'
    ).format(name=name, spans=spans)


def _skipped(out: "Output", summary: "Summary", *, dry_run: bool) -> None:
    """The reasons of the first rows --skip-invalid left out, as a refused import lists them."""
    from crmcli.cli.output import escape_control
    from crmcli.core.validate import mask_in_text

    some = summary.rejected > len(summary.problems)
    if summary.unit == "card":  # a vCard file has cards, not rows
        if dry_run:
            said = _("Cards to skip, the first {shown}:") if some else _("Cards to skip:")
        elif some:
            said = _("Skipped cards, the first {shown} (--rejects FILE keeps them all):")
        else:
            said = _("Skipped cards (--rejects FILE keeps them with their reasons):")
    elif dry_run:
        said = _("Rows to skip, the first {shown}:") if some else _("Rows to skip:")
    elif some:
        said = _("Skipped rows, the first {shown} (--rejects FILE keeps them all):")
    else:
        said = _("Skipped rows (--rejects FILE keeps them with their reasons):")
    out.note(said.format(shown=len(summary.problems)))
    for problem in summary.problems:
        out.note("  " + escape_control(mask_in_text(problem)))


KeyOption = Annotated[
    str,
    typer.Option(
        "--key",
        help="Match existing customers by id, external_id, email or phone (default auto: "
        "id for rows of a crm export from this database, else external_id).",
    ),
]
ConflictOption = Annotated[
    str,
    typer.Option(
        "--on-conflict", help="When a row matches a customer: update it, skip the row, or error."
    ),
]
RecordConflictOption = Annotated[
    str,
    typer.Option(
        "--on-conflict",
        help="When a row of a crm export is a record already here (same id and created_at): "
        "update it, skip the row, or error.",
    ),
]
KeepUnknownOption = Annotated[
    bool,
    typer.Option("--keep-unknown", help="Keep unknown columns as user-defined fields."),
]


@import_app.command("customers")
def import_customers(
    ctx: typer.Context,
    file: FileArgument,
    fmt: ContactsInOption = None,
    encoding: EncodingOption = None,
    day_first: DayFirstOption = False,
    month_first: MonthFirstOption = False,
    plain: ExactOption = False,
    mapping: MapOption = None,
    keep_unknown: KeepUnknownOption = False,
    key: KeyOption = "auto",
    on_conflict: ConflictOption = "update",
    allow_duplicate: AllowDuplicateOption = False,
    skip_invalid: SkipInvalidOption = False,
    rejects: RejectsOption = None,
    force: ForceOption = False,
    dry_run: DryRunOption = False,
    quiet: QuietOption = False,
) -> None:
    """Import customers; a row matching one by --key updates it (upsert).

    Headers of our own export, Google Contacts, Outlook and common Chinese ones (姓名 手机
    邮箱 公司...) are recognised. One transaction: an invalid row means nothing is written,
    unless --skip-invalid. A row that would add a second live customer with an email or
    phone already here (or in an earlier row) is invalid unless --allow-duplicate. The
    summary goes to stderr.

    Example: crm import customers contacts.csv --key email --map "Mobile=phone" --dry-run
    """
    _import(ctx, "customers", file, fmt=fmt, encoding=encoding, plain=plain, mapping=mapping,
            day_first=day_first, month_first=month_first, keep_unknown=keep_unknown, key=key,
            on_conflict=on_conflict, allow_duplicate=allow_duplicate, skip_invalid=skip_invalid,
            rejects=rejects, force=force, dry_run=dry_run, quiet=quiet)  # fmt: skip


@import_app.command("purchases")
def import_purchases(
    ctx: typer.Context,
    file: FileArgument,
    fmt: InFormatOption = None,
    encoding: EncodingOption = None,
    day_first: DayFirstOption = False,
    month_first: MonthFirstOption = False,
    plain: ExactOption = False,
    mapping: MapOption = None,
    on_conflict: RecordConflictOption = "update",
    skip_invalid: SkipInvalidOption = False,
    rejects: RejectsOption = None,
    force: ForceOption = False,
    dry_run: DryRunOption = False,
    quiet: QuietOption = False,
) -> None:
    """Import purchase lines, each checked as `crm buy` checks it.

    The customer column holds an id, external id, email or phone. A row of `crm export
    purchases` from this database (same id and created_at) is that line again: updated,
    skipped or an error by --on-conflict.

    Example: crm import purchases orders.csv --map "客户=customer" --rejects bad.csv
    """
    _import(ctx, "purchases", file, fmt=fmt, encoding=encoding, plain=plain, mapping=mapping,
            day_first=day_first, month_first=month_first, on_conflict=on_conflict,
            skip_invalid=skip_invalid, rejects=rejects, force=force, dry_run=dry_run,
            quiet=quiet)  # fmt: skip


@import_app.command("interactions")
def import_interactions(
    ctx: typer.Context,
    file: FileArgument,
    fmt: InFormatOption = None,
    encoding: EncodingOption = None,
    day_first: DayFirstOption = False,
    month_first: MonthFirstOption = False,
    plain: ExactOption = False,
    mapping: MapOption = None,
    on_conflict: RecordConflictOption = "update",
    skip_invalid: SkipInvalidOption = False,
    rejects: RejectsOption = None,
    force: ForceOption = False,
    dry_run: DryRunOption = False,
    quiet: QuietOption = False,
) -> None:
    """Import logged interactions, each checked as `crm log` checks it.

    A row of `crm export interactions` from this database is that interaction again
    (--on-conflict says what to do); other rows are added.

    Example: crm import interactions calls.jsonl --skip-invalid --rejects rejects.jsonl
    """
    _import(ctx, "interactions", file, fmt=fmt, encoding=encoding, plain=plain, mapping=mapping,
            day_first=day_first, month_first=month_first, on_conflict=on_conflict,
            skip_invalid=skip_invalid, rejects=rejects, force=force, dry_run=dry_run,
            quiet=quiet)  # fmt: skip


@import_app.command("tasks")
def import_tasks(
    ctx: typer.Context,
    file: FileArgument,
    fmt: InFormatOption = None,
    encoding: EncodingOption = None,
    day_first: DayFirstOption = False,
    month_first: MonthFirstOption = False,
    plain: ExactOption = False,
    mapping: MapOption = None,
    on_conflict: RecordConflictOption = "update",
    skip_invalid: SkipInvalidOption = False,
    rejects: RejectsOption = None,
    force: ForceOption = False,
    dry_run: DryRunOption = False,
    quiet: QuietOption = False,
) -> None:
    """Import follow-up tasks, each checked as `crm task add` checks it.

    A row of `crm export tasks` from this database is that task again (--on-conflict says
    what to do); other rows are added.

    Example: crm import tasks todo.csv --map "截止日期=due_on"
    """
    _import(ctx, "tasks", file, fmt=fmt, encoding=encoding, plain=plain, mapping=mapping,
            day_first=day_first, month_first=month_first, on_conflict=on_conflict,
            skip_invalid=skip_invalid, rejects=rejects, force=force, dry_run=dry_run,
            quiet=quiet)  # fmt: skip


@import_app.command("all")
def import_all(
    ctx: typer.Context,
    file: FileArgument,
    dry_run: DryRunOption = False,
    quiet: QuietOption = False,
) -> None:
    """Restore a whole database from `crm export all` into an empty one, ids and all.

    Example: crm --db restored.db import all backup.json
    """
    from crmcli.transfer import exporters, sources

    document = sources.read_document(file)
    try:
        with writing(ctx, settle=False) as conn:
            counts = exporters.import_all(conn, document)
            if dry_run:
                raise DryRun(counts)
    except DryRun as done:
        counts = done.result
    total = sum(counts.values())
    said = (
        _("Dry run, nothing written: would restore {rows} in {tables}.")
        if dry_run
        else _("Restored {rows} in {tables}.")
    )
    rows, tables = plural(total, "row").said(), plural(len(counts), "table").said()
    output(ctx, quiet=quiet).note(said.format(rows=rows, tables=tables))


# Export ------------------------------------------------------------------------------------

SUFFIX_FORMATS = {
    ".csv": OutFormat.csv,
    ".tsv": OutFormat.tsv,
    ".json": OutFormat.json,
    ".jsonl": OutFormat.jsonl,
    ".ndjson": OutFormat.jsonl,
    ".vcf": OutFormat.vcard,
    ".vcard": OutFormat.vcard,
    ".ics": OutFormat.ics,
}


def _format(fmt: Enum | None, output: Path | None, offered: type[Enum], bom: bool) -> OutFormat:
    """The format asked for (one of `offered`), else the one -o's suffix names (a file
    without one: the first offered). A suffix that names no format (x.xlsx), or one this
    export does not write, is refused rather than filled with CSV."""
    allowed = tuple(OutFormat(member.value) for member in offered)
    fmt = OutFormat(fmt.value) if fmt is not None else None
    if fmt is None and output is not None and output.suffix:
        fmt = SUFFIX_FORMATS.get(output.suffix.lower())
        if fmt is None:
            names = _(", ").join(
                f".{f.value}" if f is not OutFormat.vcard else ".vcf" for f in allowed
            )
            raise InvalidInput(
                _(
                    "cannot write {suffix} files: name the file {names}, or give --format "
                    "({formats})"
                ).format(
                    suffix=output.suffix,
                    names=names,
                    formats=_(", ").join(f.value for f in allowed),
                )
            )
    if fmt is None:
        fmt = allowed[0]
    if fmt not in allowed:
        names = _(", ").join(f.value for f in allowed)
        raise InvalidInput(
            _("this export is written as {names}, not {format}").format(
                names=names, format=fmt.value
            )
        )
    if bom and fmt not in (OutFormat.csv, OutFormat.tsv):
        raise InvalidInput(_("--bom goes with csv or tsv, not {format}").format(format=fmt.value))
    return fmt


def _write(
    ctx: typer.Context,
    path: Path | None,
    force: bool,
    quiet: bool,
    what: str,
    produce: Callable[[TextIO], int],
) -> None:
    """Run `produce(out)` on stdout, or on a private file put in place when done
    (crmcli.store.files.write_output: never over a database or a file crm did not write).
    The lines written are counted on a terminal's stderr, unless the export goes to a
    terminal or into a pipe: a pipe's reader (`| head`, `| less`) may print on the same
    screen, where the line would run into its lines and be left among them."""
    from crmcli.cli.output import is_terminal
    from crmcli.cli.progress import watching
    from crmcli.store.files import write_output

    if path is None and force:
        raise InvalidInput(_("--force replaces an -o file: give one, or leave --force out"))
    to_screen = path is None and is_terminal(sys.stdout)
    quiet_run = quiet or to_screen or (path is None and _into_pipe(sys.stdout))
    with watching(quiet=quiet_run, no_color=global_options(ctx).no_color) as progress:
        progress.phase(_("writing"))
        if path is None:
            produce(_Counted(sys.stdout, progress) if not to_screen else sys.stdout)
            return
        with write_output(path, database=global_options(ctx).path, force=force) as out:
            count = produce(_Counted(out, progress))
            progress.phase(_("writing to disk"))
    output(ctx, quiet=quiet).note(
        _("Exported {count} to {file}.").format(count=plural(count, what).said(), file=path)
    )


def _into_pipe(stream: TextIO) -> bool:
    """Whether `stream` is a pipe or a socket (not a file, nor a terminal)."""
    import os
    import stat

    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (AttributeError, ValueError, OSError):  # no file behind it (a test's buffer)
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


class _Counted:
    """A text stream passing everything to `out`, counting its lines for `progress`."""

    def __init__(self, out: TextIO, progress: Progress) -> None:
        self.out = out
        self.progress = progress
        self.lines = 0

    def write(self, text: str) -> int:
        lines = self.lines + text.count("\n")
        if lines // 1000 != self.lines // 1000:
            self.progress.advance(lines, plural(lines, "line", grouped=True).said())
        self.lines = lines
        return self.out.write(text)

    def __getattr__(self, name: str) -> Any:  # flush, fileno...: those of `out`
        return getattr(self.out, name)


def _rows_out(
    rows: Iterable[Mapping[str, Any]],  # any export's rows, written by `columns`
    columns: tuple[str, ...],
    fmt: OutFormat,
    out: TextIO,
    *,
    guarded: bool,
    bom: bool = False,
) -> int:
    from crmcli.cli.output import Format, emit
    from crmcli.transfer import exporters

    if fmt in (OutFormat.csv, OutFormat.tsv):
        if bom:  # Excel (Chinese Excel too) reads a CSV without one in the local code page
            out.write("\ufeff")
        delimiter = "," if fmt is OutFormat.csv else "\t"
        return exporters.write_csv(rows, columns, out, delimiter=delimiter, guarded=guarded)
    return emit(rows, columns, Format(fmt.value), out=out)


def _selection_sql(conn: Any, selection: "CustomerFilter") -> tuple[str, list[Any]]:
    from crmcli.records import filters

    query = filters.build(conn, selection, today=clock.today())
    return query.sql(), query.params


@export_app.command("customers")
@filter_options
def export_customers(
    ctx: typer.Context,
    fmt: Annotated[
        Contacts | None,
        typer.Option(
            "--format", "-f", help="csv, tsv, json, jsonl or vcard (default: from -o, else csv)."
        ),
    ] = None,
    output: OutputOption = None,
    force: ForceOption = False,
    plain: PlainOption = False,
    bom: BomOption = False,
    reveal: Annotated[bool, typer.Option("--reveal", help="National IDs unmasked.")] = False,
    vcard_version: Annotated[
        str | None,
        typer.Option("--vcard-version", help="3.0 (default) or 4.0, with --format vcard."),
    ] = None,
    with_classes: Annotated[
        bool,
        typer.Option(
            "--classes",
            help="Add the derived classes: lifecycle, abc, frequency/value tier (not vcard).",
        ),
    ] = False,
    quiet: QuietOption = False,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Export customers picked by the filter (the same as `crm list` picks) with every field;
    `--classes` adds their derived classes, as `crm list --classes` shows them.

    Example: crm export customers --tag vip -o vip.csv
    Example: crm export customers --classes --lifecycle at_risk --format json
    """
    from crmcli.records import filters
    from crmcli.transfer import exporters

    assert selection is not None
    chosen = _format(fmt, output, Contacts, bom)
    if vcard_version is not None and chosen is not OutFormat.vcard:
        raise InvalidInput(
            _("--vcard-version goes with --format vcard, not {format}").format(format=chosen.value)
        )
    vcard_version = vcard_version or "3.0"
    if chosen is OutFormat.vcard:  # the vCard writer (3 ms to load) only for vCards
        from crmcli.transfer import vcards

        if vcard_version not in vcards.VERSIONS:
            raise InvalidInput(_("--vcard-version must be 3.0 or 4.0"))
    if chosen is OutFormat.vcard and with_classes:
        raise InvalidInput(_("--classes goes with csv, tsv, json or jsonl; a vCard has no place"))
    from crmcli.store.db import snapshot

    # One snapshot of the file: the classes and the customers are read at one moment (a
    # customer added between them would have no classes).
    with reading(ctx) as conn, snapshot(conn):
        today = clock.today()
        cache: dict[Any, Any] = {}  # the classes a filter computed, reused for --classes
        query = filters.build(conn, selection, today=today, cache=cache)
        derived = None
        columns = exporters.CUSTOMER_COLUMNS
        if with_classes:  # computed only when asked for: it reads every purchase
            from crmcli.reports.classes import derive

            key = (today, selection.archived)
            derived = cache[key] if key in cache else derive(conn, today, archived=key[1])
            columns = (*columns, *exporters.CLASS_COLUMNS)

        def produce(out: TextIO) -> int:
            if chosen in (OutFormat.csv, OutFormat.tsv) and derived is None:
                if bom:
                    out.write("\ufeff")
                cells = exporters.customer_cells(
                    conn, query.sql(), query.params, reveal=reveal,
                    guarded=output is not None and not plain,
                )  # fmt: skip
                return exporters.write_cells(
                    cells, columns, out, delimiter="," if chosen is OutFormat.csv else "\t"
                )
            ids = filters.ids_of(conn, query)
            if chosen is OutFormat.vcard:
                return vcards.write_cards(conn, ids, out, vcard_version)
            rows = exporters.customer_rows(conn, ids, reveal=reveal, classes=derived)
            return _rows_out(rows, columns, chosen, out,
                             guarded=output is not None and not plain, bom=bom)  # fmt: skip

        _write(ctx, output, force, quiet, "customer", produce)


@export_app.command("purchases")
@filter_options
def export_purchases(
    ctx: typer.Context,
    since: SinceOption = None,
    until: UntilOption = None,
    fmt: Annotated[
        Tables | None,
        typer.Option(
            "--format", "-f", help="csv, tsv, json or jsonl (default: from -o, else csv)."
        ),
    ] = None,
    output: OutputOption = None,
    force: ForceOption = False,
    plain: PlainOption = False,
    bom: BomOption = False,
    quiet: QuietOption = False,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Export the purchases of the customers the filter picks, oldest first.

    Example: crm export purchases --city 上海 --since 2026-01-01 -o sales.csv
    """
    from crmcli.records import purchases
    from crmcli.transfer import exporters

    assert selection is not None
    chosen = _format(fmt, output, Tables, bom)
    first, last = period(since, until)
    with reading(ctx) as conn:
        where, params = _selection_sql(conn, selection)

        def produce(out: TextIO) -> int:
            rows = exporters.purchase_rows(conn, where, params, since=first, until=last)
            return _rows_out(rows, purchases.COLUMNS, chosen, out,
                             guarded=output is not None and not plain, bom=bom)  # fmt: skip

        _write(ctx, output, force, quiet, "purchase", produce)


def _calendar(events: Iterator[Any], out: TextIO, name: str) -> int:
    from crmcli.transfer.ics import calendar

    items = list(events)
    out.write(calendar(items, clock.now(), name))
    return len(items)


@export_app.command("interactions")
@filter_options
def export_interactions(
    ctx: typer.Context,
    fmt: CalendarOutOption = None,
    output: OutputOption = None,
    force: ForceOption = False,
    plain: PlainOption = False,
    bom: BomOption = False,
    quiet: QuietOption = False,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Export the interactions of the customers the filter picks, oldest first; ics gives
    one all-day calendar entry each.

    Example: crm export interactions --tag vip --format ics -o contacts.ics
    """
    from crmcli.records import interactions
    from crmcli.transfer import exporters

    assert selection is not None
    chosen = _format(fmt, output, CalendarOut, bom)
    with reading(ctx) as conn:
        where, params = _selection_sql(conn, selection)

        def produce(out: TextIO) -> int:
            rows = exporters.interaction_rows(conn, where, params)
            if chosen is OutFormat.ics:
                return _calendar(exporters.interaction_events(rows), out, _("crm interactions"))
            return _rows_out(rows, interactions.COLUMNS, chosen, out,
                             guarded=output is not None and not plain, bom=bom)  # fmt: skip

        _write(ctx, output, force, quiet, "interaction", produce)


@export_app.command("tasks")
@filter_options
def export_tasks(
    ctx: typer.Context,
    fmt: CalendarOutOption = None,
    output: OutputOption = None,
    force: ForceOption = False,
    plain: PlainOption = False,
    bom: BomOption = False,
    quiet: QuietOption = False,
    selection: "CustomerFilter | None" = None,
) -> None:
    """Export the tasks (open and done) of the customers the filter picks; ics gives the open
    ones as all-day entries on their due dates.

    Example: crm export tasks --format ics -o tasks.ics
    """
    from crmcli.records import tasks
    from crmcli.transfer import exporters

    assert selection is not None
    chosen = _format(fmt, output, CalendarOut, bom)
    today = clock.today()
    with reading(ctx) as conn:
        where, params = _selection_sql(conn, selection)

        def produce(out: TextIO) -> int:
            rows = exporters.task_rows(conn, where, params, today=today)
            if chosen is OutFormat.ics:
                return _calendar(exporters.task_events(rows), out, _("crm tasks"))
            return _rows_out(rows, tasks.COLUMNS, chosen, out,
                             guarded=output is not None and not plain, bom=bom)  # fmt: skip

        _write(ctx, output, force, quiet, "task", produce)


@export_app.command("all")
def export_all(
    ctx: typer.Context,
    fmt: JsonOutOption = None,
    output: OutputOption = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
) -> None:
    """Export the whole database as JSON, every table with its ids; `crm import all`
    restores it into an empty database.

    Example: crm export all --format json -o backup.json
    """
    from crmcli.transfer import exporters

    _format(fmt, output, JsonOut, bom=False)
    with reading(ctx) as conn:

        def produce(out: TextIO) -> int:
            return sum(exporters.export_all(conn, out).values())

        _write(ctx, output, force, quiet, "row", produce)


@export_app.command("customer")
def export_customer(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Customer id, external id, email, phone or name.")],
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Show sensitive values (national ID) unmasked.")
    ] = False,
    fmt: JsonOutOption = None,
    output: OutputOption = None,
    force: ForceOption = False,
    quiet: QuietOption = False,
) -> None:
    """Everything held on one customer as one JSON document (a data-subject request);
    `crm export REF` is the same.

    Example: crm export 张伟 -o zhang-wei.json
    """
    from crmcli.cli.customers import resolver
    from crmcli.cli.output import emit_document
    from crmcli.core.errors import NotFound
    from crmcli.records import privacy

    _format(fmt, output, JsonOut, bom=False)  # -o x.csv: refused, not JSON in a .csv file
    with reading(ctx) as conn:
        try:
            customer = resolver(conn, archived=True)(ref)
        except NotFound as exc:
            kinds = _(", ").join(("customers", "purchases", "interactions", "tasks", "all"))
            raise NotFound(
                _("{message} (to export a kind, use one of: {kinds})").format(
                    message=exc.message, kinds=kinds
                )
            ) from None
        data = privacy.subject_data(conn, customer, reveal=reveal)

    def produce(out: TextIO) -> int:
        emit_document(data, out=out)
        return 1

    _write(ctx, output, force, quiet, "customer", produce)


# `crm import surveys` is `crm survey import`, beside the other imports. Registered here,
# from crmcli.cli.feedback when a run loaded it (`crm import` and the whole app load it
# first: MODULES), so that `crm show`, which loads feedback for its sections, never loads
# this module.
if (feedback := sys.modules.get("crmcli.cli.feedback")) is not None:
    import_app.command("surveys")(feedback.survey_import)
