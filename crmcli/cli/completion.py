"""`crm completion SHELL`: the script that makes bash, zsh or fish complete crm's words.

The script calls crm back with `_CRM_COMPLETE` set; such a run goes to
crmcli/cli/completing.py (loaded only then) instead of running a command.
"""

from enum import Enum
from typing import Annotated

import typer

from crmcli.cli.app import app


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


@app.command("completion")
def completion(
    shell: Annotated[Shell, typer.Argument(help="The shell to complete in.", metavar="SHELL")],
) -> None:
    """Print the shell completion script for bash, zsh or fish.

    It completes commands, options, their fixed values (--format, --lifecycle, ...) and
    values from the database: customer names and ids, tags, stages, segments and the
    fields of --where. Add it to your shell's start-up file once (docs/help.md).

    Example: crm completion bash >> ~/.bashrc
    Example: crm completion zsh >> ~/.zshrc
    Example: crm completion fish > ~/.config/fish/completions/crm.fish
    """
    import sys

    from crmcli.cli.completing import script

    sys.stdout.write(script(shell.value) + "\n")
