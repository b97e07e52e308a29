"""The command line: the only package that imports typer or reads argv.

Each module registers one group of commands on the root app.
"""

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
    from typer.main import get_command

    get_command(app).main(prog_name="crm")
