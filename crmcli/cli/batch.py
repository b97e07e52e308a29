"""Commands that change many customers at once: one way to choose them, one safety net.

Customers come from REF arguments (`-` reads one reference per line from stdin),
`--ids-from FILE` (or `-`), the shared filter options, or `--all`. References resolve all or
nothing (crmcli.records.refs.resolve_many) unless `--skip-missing`. A write chosen by a filter (or
`--all`) that touches more customers than the `bulk.confirm` setting (default 10) shows
what it will do and asks on a terminal; off a terminal it needs `--yes`. Explicitly listed
references are their own confirmation. `--dry-run` shows the changes and writes nothing.
"""

import inspect
import io
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple, NoReturn

import typer

from crmcli.cli.options import DryRunOption, YesOption, confirm, option, with_options
from crmcli.core import clock, oserrors, stdin
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, _
from crmcli.records import refs

if TYPE_CHECKING:  # the filter language loads only where a filter is parsed
    from crmcli.records.filters import CustomerFilter

RefsArgument = Annotated[
    list[str] | None,
    typer.Argument(help="Customers: ids or references; - reads one per line from stdin.",
                   show_default=False),
]  # fmt: skip


class Batch(NamedTuple):
    ids_from: Path | None = None
    every: bool = False
    yes: bool = False
    dry_run: bool = False
    skip_missing: bool = False


def _flag(name: str, flag: str, help: str) -> Any:
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=False,
        annotation=Annotated[bool, typer.Option(flag, help=help)],
    )


BATCH_PARAMS = [
    option(
        "b_ids_from",
        "--ids-from",
        "Read references from FILE (- for stdin), one per line.",
        kind=Path,
    ),
    _flag("b_every", "--all", "Every live customer (needed when no customer is named)."),
    inspect.Parameter("b_yes", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=YesOption),
    inspect.Parameter(
        "b_dry_run", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=DryRunOption
    ),
    _flag("b_skip_missing", "--skip-missing", "Skip references that match no customer."),
]
batch_options = with_options(
    BATCH_PARAMS, lambda v: Batch(**{k[2:]: val for k, val in v.items()}), "batch"
)


def read_references(references: list[str] | None, batch: Batch) -> list[str]:
    """The references given: REF arguments, then those read from standard input (a REF or
    `--ids-from` of `-`: read once), then those of the --ids-from file, one per line. A file
    that cannot be opened is InvalidInput (exit 2); one that cannot be read, or standard
    input, is blamed (exit 1), as an import's input is."""
    found = [ref for ref in references or [] if ref != "-"]
    typed = str(batch.ids_from) if batch.ids_from is not None else None
    if typed == "-" or "-" in (references or []):
        found += stdin.text("--ids-from -" if typed == "-" else "-").splitlines()
    if batch.ids_from is not None and typed != "-":
        try:
            file = oserrors.File(batch.ids_from, "r", batch.ids_from)
        except OSError as exc:
            raise InvalidInput(
                _("cannot read --ids-from {ids_from}: {strerror}").format(
                    ids_from=batch.ids_from, strerror=oserrors.reason(exc)
                )
            ) from None
        with io.BufferedReader(file) as buffered:  # read as standard input's text is
            data = stdin.bounded(buffered)
        if data is None:  # `--ids-from /dev/zero`: no end to wait for
            raise InvalidInput(
                _("--ids-from {ids_from} is over {size} MiB: more than it takes; nothing was "
                  "changed").format(ids_from=batch.ids_from, size=stdin.TEXT_LIMIT // 2**20)
            )  # fmt: skip
        try:
            found += stdin.as_text(data).splitlines()
        except UnicodeDecodeError:
            raise InvalidInput(
                _("--ids-from {ids_from} is not UTF-8 text").format(ids_from=batch.ids_from)
            ) from None
    return found


def select(
    ctx: typer.Context,
    conn: sqlite3.Connection,
    references: list[str] | None,
    selection: "CustomerFilter",
    batch: Batch,
) -> tuple[list[int], bool]:
    """(customer ids, whether a filter or --all chose them) for a batch command.

    With references and a filter, only the referenced customers that match are kept. A
    filter that selects nobody ends the command (`nobody_matched`).
    """
    from crmcli.records import filters
    from crmcli.records.config import get_setting

    named = read_references(references, batch)
    if not any(n.strip() for n in named) and (references or batch.ids_from):
        nobody_given(ctx)  # an empty pipe or file: nothing to do, not an error
    if not named and selection.is_empty() and not batch.every:
        raise InvalidInput(
            _(
                "say which customers: REF..., - to read them from stdin, --ids-from "
                "FILE, a filter such as --where or --tag, or --all"
            )
        )
    chosen = filters.matching_ids(conn, selection, today=clock.today())
    if not named:
        if not chosen and not selection.is_empty():
            nobody_matched(ctx, conn, selection)
        return chosen, True
    region = get_setting(conn, "default_region")
    if len(named) == 1 and list(references or []) == named:  # one typed reference: its own error
        # --archived is archived customers instead (crm undelete): a name they have means them
        wanted = [
            refs.resolve(
                conn,
                named[0],
                region=region,
                archived=selection.archived,
                only_archived=selection.archived,
            )
        ]
        skipped: list[str] = []
    else:
        wanted, skipped = refs.resolve_many(
            conn, named, region=region, skip_missing=batch.skip_missing,
            archived=selection.archived, only_archived=selection.archived,
        )  # fmt: skip
    from crmcli.core.text import first_lines

    for line in first_lines([_("skipped {line}").format(line=line) for line in skipped]):
        sys.stderr.write("crm: " + line + "\n")
    if selection.is_empty():
        return wanted, False
    allowed = set(chosen)
    kept = [i for i in wanted if i in allowed]
    if wanted and not kept:  # the customers named, none of them as the filter asks
        nobody_matched(ctx, conn, selection)
    return kept, False


def nobody_given(ctx: typer.Context) -> NoReturn:
    """End a bulk write given an empty list of customers (`crm list -q | crm tag vip -` when
    the list was empty, an empty --ids-from file): no failure, exit 0, said on stderr as
    `nobody_matched` says it, and nothing written, not even the new tag of `crm tag`."""
    from crmcli.cli.app import output

    said = output(ctx, quiet=bool(ctx.params.get("quiet")))
    said.note(_("No customer was given (the list read was empty); nothing was changed."))
    raise typer.Exit(0)


def nobody_matched(
    ctx: typer.Context, conn: sqlite3.Connection, selection: "CustomerFilter"
) -> NoReturn:
    """End a bulk write whose filter selects no customer: nothing was changed, and that is
    no failure (a nightly `crm tag vip --where ...` with no one to tag has not failed), so
    exit 0, but said plainly on stderr, quoting the filter, rather than `Tagged 0
    customers` (not with --quiet, as any message); a tag the filter names that does not
    exist at all, a likely typo, is a warning, said even with --quiet. It ends the write,
    which rolls it back: not even the new tag of `crm tag` is left behind."""
    from crmcli.cli.app import output

    said = output(ctx, quiet=bool(ctx.params.get("quiet")))
    # the filter as typed (`--where "city = nowhere"`), not in the run's words (`城市`): the
    # user reads back what they wrote
    nobody = _("No customer matches the filter {filter}; nothing was changed.")
    said.note(nobody.format(filter=as_typed(selection.saved())))
    for tag in _missing_tags(conn, selection):
        said.warn(_("there is no tag {tag!r} (a typo?)").format(tag=tag))
    raise typer.Exit(0)


def as_typed(saved: dict[str, Any]) -> str:
    """A filter as the options that make it, for a person to read back in a sentence: each
    value as typed, a word bare (`--city 上海`, `--city O'Brien`), one with spaces (or none
    at all) in the language's marks (`--where "city = nowhere"`, `--where 「城市 = 无处」`),
    never quoted for a shell (`'"'"'` for an apostrophe): a sentence is read, not pasted."""
    import re

    from crmcli.core.where import typed

    words: list[str] = []
    for _name, flag, text in typed(saved):
        plain = re.fullmatch(r"\S+", text)  # O'Brien, 上海: a word, read as is
        words += [flag, text if plain else _('"{value}"').format(value=text)]
    return " ".join(words)


def _missing_tags(conn: sqlite3.Connection, selection: "CustomerFilter") -> list[str]:
    """The tags a filter asks customers to have (`--tag`, `--where 'tag = NAME'`) that no
    tag is called (ignoring case, as tags are)."""
    from crmcli.core.where import split
    from crmcli.records import tags
    from crmcli.records.filters import field_key

    names = list(selection.tag or [])
    for expression in selection.where or []:
        parts = split(expression)
        if parts and parts[1] == "=" and field_key(parts[0]) == "tag":
            names.append(parts[2])
    return [name for name in names if name.strip() and not tags.is_tag(conn, name)]


def confirm_bulk(
    conn: sqlite3.Connection, count: int, what: str, batch: Batch, by_filter: bool
) -> None:
    """Ask before a filter-chosen write to more than `bulk.confirm` customers; `what` says
    which change (it is shown in the question)."""
    from crmcli.records.config import get_setting

    limit = int(get_setting(conn, "bulk.confirm") or 10)
    if not by_filter or batch.dry_run or count <= limit:
        return
    refusal = _("{what}: {count} customers, more than bulk.confirm ({limit}); pass --yes to "
                "confirm, or --dry-run to see the changes")  # fmt: skip
    confirm(_("{what}: {count} customers. Go ahead?").format(what=what, count=count), batch.yes,
            refusal=refusal.format(what=what, count=count, limit=limit))  # fmt: skip


_NOT_AN_ID = {
    "task": N_("not a task id: {word!r}"),
    "purchase": N_("not a purchase id: {word!r}"),
    "interaction": N_("not an interaction id: {word!r}"),
}


def record_ids(values: list[str], noun: str) -> list[int]:
    """Record ids (`12`, `#12`) from arguments; `-` reads more from stdin, any whitespace
    apart. Empty stdin gives no ids (a pipe with nothing in it is not an error)."""
    words: list[str] = []
    for value in values:
        words += stdin.text("-").split() if value == "-" else [value]
    ids = []
    for word in words:
        clean = word.strip().lstrip("#")
        if not clean.isdigit() or not 0 < len(clean) <= 18:
            raise InvalidInput(_(_NOT_AN_ID[noun]).format(word=word))
        ids.append(int(clean))
    return ids
