"""Search: `crm search TEXT`, and `crm reindex` to rebuild the search index."""

import sys
from typing import Annotated

import typer

from crmcli.cli.app import app, global_options, output, reading, writing
from crmcli.cli.options import (
    LIMIT_HELP,
    FieldsOption,
    FormatOption,
    QuietOption,
    chosen_fields,
    every_row,
)
from crmcli.cli.output import Format, Marked
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import _

TABLE_COLUMNS = ("source", "id", "customer_name", "field", "snippet", "at")
COLUMNS = (
    "rank",
    "source",
    "id",
    "customer_id",
    "customer_name",
    "at",
    "field",
    "snippet",
    "highlights",
    "marked",
    "score",
)


def _sources(value: str) -> list[str] | None:
    """The records `--in` names: a source's key, or its table's word in any language crm
    speaks (`互动` is interactions, as `crm history` names the table); None for all."""
    from crmcli.core.vocabulary import glossed, understood
    from crmcli.store.search import source_names

    choice = value.strip().casefold()
    if choice == "all":
        return None
    choice = understood("table", value.strip()) or choice
    if choice not in source_names():
        allowed = glossed("table", [*source_names(), "all"])
        raise InvalidInput(
            _("--in must be one of: {allowed} (got {value!r})").format(allowed=allowed, value=value)
        )
    return [choice]


@app.command("search")
def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="What to look for: words, a fragment, a phone.")],
    in_: Annotated[
        str,
        typer.Option(
            "--in",
            help="Search only customers, interactions or purchases (default: all).",
            show_default=False,
        ),
    ] = "all",
    limit: Annotated[
        int | None,
        typer.Option(min=0, max=1000, callback=every_row, help=LIMIT_HELP),
    ] = 20,
    archived: Annotated[
        bool, typer.Option("--archived", help="Also search archived customers and their records.")
    ] = False,
    fmt: FormatOption = Format.table,
    quiet: QuietOption = False,
    fields: FieldsOption = None,
) -> None:
    """Find customers, interactions and purchases by any fragment, best matches first.

    Every word must match; Chinese needs no spaces; case and accents do not matter; a phone
    fragment matches in any format; Chinese names match by pinyin and initials.

    Example: crm search "杭州 蓝色" --in interactions
    """
    picked = chosen_fields(fields, COLUMNS)
    from crmcli.store import search as service

    sources = _sources(in_)
    with reading(ctx) as conn:
        results = service.search(conn, text, sources=sources, limit=limit, archived=archived)
    if quiet:
        for customer_id in dict.fromkeys(r["customer_id"] for r in results):
            sys.stdout.write(f"{customer_id}\n")
        return
    if fmt is Format.table:
        marked = [
            {**r, "snippet": Marked(r["snippet"], tuple((a, b) for a, b in r["highlights"]))}
            for r in results
        ]
        output(ctx, fmt).rows(marked, picked or TABLE_COLUMNS, words={"source": "hit_source"})
        return
    output(ctx, fmt).rows(results, picked or COLUMNS)


@app.command("reindex")
def reindex(ctx: typer.Context, quiet: QuietOption = False) -> None:
    """Rebuild the search index and the database's indexes from the data, recreate missing
    queue triggers and recompute every customer's last contact and purchase summaries (after
    changes made outside crm, or when `crm check` reports them out of step).

    Example: crm reindex
    """
    from crmcli.cli.progress import watching
    from crmcli.store import queues
    from crmcli.store import search as service
    from crmcli.store.backup import rebuild_indexes
    from crmcli.store.migrations import search_objects

    with (
        watching(quiet=quiet, no_color=global_options(ctx).no_color) as progress,
        writing(ctx, progress=progress) as conn,
    ):
        rebuild_indexes(conn)
        count = service.rebuild(conn, made=search_objects(), progress=progress)
        queues.install_triggers(conn)
        queues.queue_everyone(conn)  # recomputed before COMMIT (crmcli.store.db.write)
    output(ctx, quiet=quiet).done(_("Indexed {count} records.").format(count=count))
