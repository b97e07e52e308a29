"""Which hooks run after a write: `crm hooks path`, `list`, `trust`, `untrust`
(crmcli.store.hooks). None of them opens the database."""

import sys

import typer

from crmcli.cli.app import app, global_options, output
from crmcli.cli.options import FormatOption
from crmcli.cli.output import Format, sentence
from crmcli.core.i18n import _

hooks_app = typer.Typer(
    help="Where hooks live, which ones run, and trusting a hooks folder beside the database.",
    no_args_is_help=True,
)
app.add_typer(hooks_app, name="hooks")


@hooks_app.command("path")
def hooks_path(ctx: typer.Context) -> None:
    """Print this database's hooks folder in your config directory (it may not exist yet);
    hooks there run without crm hooks trust.

    Example: mkdir -p -m 700 "$(crm hooks path)"
    """
    from crmcli.store.hooks import config_folder

    typer.echo(str(config_folder(global_options(ctx).path)))


HOOK_COLUMNS = ("hook", "place", "status", "path", "reason")  # a table's headers in words


@hooks_app.command("list")
def hooks_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """List this database's hooks: where each is, whether it runs, and why not.

    Example: crm hooks list
    """
    from crmcli.store.hooks import beside_folder, config_folder, find

    path = global_options(ctx).path
    rows = [hook.row() for hook in find(path)]
    if not rows:
        said = _(
            "No hooks. Put executables named on-add, on-modify or on-delete in {folder} (or "
            "in {beside}, then crm hooks trust)."
        )
        sys.stderr.write(said.format(folder=config_folder(path), beside=beside_folder(path)) + "\n")
    output(ctx, fmt).rows(rows, HOOK_COLUMNS)


@hooks_app.command("trust")
def hooks_trust(ctx: typer.Context) -> None:
    """Let the hooks in the folder beside the database run for this database, as they are now
    (those in crm hooks path need no trust).

    Example: crm hooks trust
    """
    from crmcli.store.hooks import beside_folder, config_folder, trust

    path = global_options(ctx).path
    beside, own = beside_folder(path), config_folder(path)
    if not beside.is_dir() and not beside.is_symlink() and own.is_dir():
        sentence(
            _(
                "Nothing to trust: the hooks in {own} (crm hooks path) run without it; "
                "crm hooks trust is for a hooks folder beside the database, {beside}."
            ).format(own=own, beside=beside)
        )
        return
    done = trust(path)
    sentence(
        _(
            "Trusted {folder} for {database}: {value} will run. Trust it again after "
            "changing a hook."
        ).format(
            folder=done["folder"], database=done["database"], value=_(", ").join(done["hooks"])
        )
    )


@hooks_app.command("untrust")
def hooks_untrust(ctx: typer.Context) -> None:
    """Stop running the hooks in the folder beside the database for this database.

    Example: crm hooks untrust
    """
    from crmcli.store.hooks import untrust

    folder, was = untrust(global_options(ctx).path)
    said = _("{folder} is no longer trusted.") if was else _("{folder} was not trusted.")
    sentence(said.format(folder=folder))
