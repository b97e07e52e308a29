"""The command line: the only package that imports typer or reads argv.

Each module registers one group of commands on the root app.
"""

from typing import Any

from crmcli.cli import (  # noqa: F401 - each module registers its commands
    admin,
    analysis,
    care,
    customers,
    dashboard,
    feedback,
    feedback_reports,
    interactions,
    products,
    purchases,
    quality,
    reminders,
    reports,
    safety,
    search,
    segments,
    sql,
    tags,
    tasks,
    transfer,
    value,
)
from crmcli.cli.app import app


def run() -> None:
    """Run `crm` with sys.argv; exits with the documented exit code."""
    import sys

    from typer.main import get_command

    get_command(only(app, sys.argv[1:])).main(prog_name="crm")


def only(full: Any, argv: list[str]) -> Any:
    """The app with just the command `argv` names, when it names one.

    Building the click objects of all hundred commands costs more than the rest of a
    start-up; a run needs only its own. Help and unknown names get the whole app.
    """
    import typer

    name = _command_name(argv)
    commands = [c for c in full.registered_commands if c.name == name]
    groups = [g for g in full.registered_groups if g.name == name]
    if not (commands or groups):
        return full
    partial = typer.Typer(**{k: getattr(full.info, k) for k in ("cls", "name", "help")},
                          pretty_exceptions_enable=False, add_completion=False,
                          context_settings={"help_option_names": ["-h", "--help"]})  # fmt: skip
    partial.registered_callback = full.registered_callback
    partial.registered_commands = commands
    partial.registered_groups = groups
    return partial


def _command_name(argv: list[str]) -> str | None:
    """The first word of argv that is not a global option or its value."""
    words = iter(argv)
    for word in words:
        if word == "--db":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None
