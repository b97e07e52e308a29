"""Settings and the demo: `crm config ...`, `crm demo`."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from crmcli.cli.app import app, global_options, one_database, output, reading, writing
from crmcli.cli.options import FormatOption
from crmcli.cli.output import Format, is_terminal, sentence
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import _

config_app = typer.Typer(
    help="Read and change settings kept in the database.", no_args_is_help=True
)
app.add_typer(config_app, name="config")


@config_app.command("get")
def config_get(
    ctx: typer.Context, key: Annotated[str, typer.Argument(help="Setting name.")]
) -> None:
    """Print one setting's value (nothing when it has none).

    Example: crm config get default_region
    """
    from crmcli.records.config import get_setting

    with reading(ctx) as conn:
        value = get_setting(conn, key)
    if value is not None:
        typer.echo(value)


@config_app.command("set")
def config_set(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="Setting name.")],
    value: Annotated[str, typer.Argument(help="New value.")],
) -> None:
    """Change a setting.

    Example: crm config set default_region CN
    """
    from crmcli.core.vocabulary import word
    from crmcli.records.config import set_setting, shown_value

    with writing(ctx, settle=False) as conn:
        stored = set_setting(conn, key, value)
    said = word("value", shown_value(key, stored))  # in words, as `config list` shows it
    typer.echo(_("{key} = {stored}").format(key=key, stored=said))


@config_app.command("unset")
def config_unset(
    ctx: typer.Context, key: Annotated[str, typer.Argument(help="Setting name.")]
) -> None:
    """Return a setting to its default.

    Example: crm config unset default_currency
    """
    from crmcli.core.vocabulary import word
    from crmcli.records.config import get_setting, shown_value, unset_setting

    with writing(ctx, settle=False) as conn:
        unset_setting(conn, key)
        value = get_setting(conn, key)
    if is_terminal(sys.stdout):  # a person asked: say what it is now; a script hears nothing
        said = word("value", shown_value(key, value))
        output(ctx).note(
            _("{key} has no value now").format(key=key)
            if value is None
            else _("{key} = {value} (the default)").format(key=key, value=said)
        )


@config_app.command("list")
def config_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """List every setting with its value and whether it is set or a default.

    Example: crm config list --format json
    """
    from crmcli.records.config import list_settings

    with reading(ctx) as conn:
        rows = list_settings(conn)
    output(ctx, fmt).rows(rows, ("key", "value", "source", "description"))


@app.command("demo")
def demo(
    ctx: typer.Context,
    db: Annotated[
        list[str] | None,  # each one given as typed: two different files, or an empty one,
        # are refused (a Path reads `''` as `.`)
        typer.Option("--db", help="Where to build it (default: demo.db beside crm.db)."),
    ] = None,
    customers: Annotated[int, typer.Option(min=1, max=100_000, help="How many customers.")] = 300,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same data.")] = 7,
) -> None:
    """Build a throwaway demo database in a new file (by default demo.db beside crm.db,
    replacing the previous demo there) and show how to explore it.

    Example: crm demo
    """
    import shlex

    from crmcli.demo import build as demo_data
    from crmcli.demo import place
    from crmcli.store.db import connect

    # `crm --db X demo` means X as much as `crm demo --db X` does; $CRM_DB does not count:
    # it names the user's own database, which the demo never touches.
    given = global_options(ctx).db
    named = [str(given)] * (given is not None) + list(db or [])
    if any(not name.strip() for name in named):  # as `crm --db ' ' list` says it
        raise InvalidInput(_("--db needs a file name; it was given an empty value"))
    one_database(named)
    db = Path(named[-1]) if named else None
    if db is None:  # the demo's own file, replaced by each demo (only if a demo built it)
        place.clear_old_demo(place.default_demo_path())
    path = (db or place.default_demo_path()).expanduser()
    if db is None and path.is_file():  # a demo somebody went on to use, or not a demo
        raise InvalidInput(
            _(
                "{path} holds data that is not the demo's, so it is kept; move it away, "
                "or build the demo in a new file with --db PATH"
            ).format(path=path)
        )
    if path.is_dir() or (path.is_file() and path.stat().st_size > 0):
        # Whatever is in it (products, settings, history, an earlier demo) is someone's:
        # the demo is built only in a new file (or an empty one a script made for it).
        raise InvalidInput(
            _(
                "{path} already exists; the demo is built only in a new file: give a new path"
            ).format(path=path)
        )
    # No hooks: a demo file is throwaway and often in a shared folder (/tmp), where anyone
    # could have put a hooks folder.
    with writing(ctx, path, hooks=False) as conn:
        made = demo_data.build(conn, count=customers, seed=seed)
    crm, quoted = f"{_program()} --db", shlex.quote(str(path))
    sentence(  # on a terminal each command wrapped whole, as a person copies it
        _(
            "Demo database with {customers} customers ({archived} archived) at "
            "{path}\n\nExplore it:\n  {crm} {quoted} list --limit 10\n  {crm} {quoted} "
            "list --where 'city = 上海' --sort name\n  {crm} {quoted} show DEMO-0001\n  "
            "{crm} {quoted} list --format json --limit 3\n  {crm} {quoted} today\n  "
            "{crm} {quoted} remind --within 14d\nor: export CRM_DB={quoted}"
        ).format(
            customers=made["customers"],
            archived=made["archived"],
            path=path,
            crm=crm,
            quoted=quoted,
        )
    )
    from crmcli.cli.dashboard import render
    from crmcli.core import clock

    typer.echo("")
    conn = connect(path, write=False)
    try:
        render(output(ctx), conn, clock.today())
    finally:
        conn.close()


def _program() -> str:
    """How to run crm again, as this run was started: `crm` when that is the crm on PATH,
    else the path typed (`.venv/bin/crm`, after the README's install), else `python -m`."""
    import shlex
    import shutil
    import sys

    typed = Path(sys.argv[0])
    if typed.name == "__main__.py" and typed.parent.name == "crmcli":  # python -m crmcli
        return f"{shlex.quote(sys.executable)} -m crmcli"
    if typed.name != "crm":  # not started as crm (a test runner): the plain name
        return "crm"
    on_path = shutil.which("crm")
    if on_path and Path(on_path).resolve() == typed.resolve():
        return "crm"
    return shlex.quote(str(typed))
