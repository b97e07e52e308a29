"""`crm help [TOPIC]` and the manual page: the topics of crmcli/cli/topics.py, printed as
text, or with every command's summary as roff (`crm help --man > crm.1; man -l crm.1`).
"""

import sys
from typing import Annotated, Any

import typer

from crmcli.cli.app import app
from crmcli.cli.cells import width as cells
from crmcli.cli.helpformat import NARROWEST, joined, reflow, wrap
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, _, current


@app.command("help")
def help_topic(
    ctx: typer.Context,
    topic: Annotated[
        str | None,
        typer.Argument(
            metavar="TOPIC",
            help="dates, filters, formats, exit-codes or privacy; none lists them.",
            show_default=False,
        ),
    ] = None,
    man: Annotated[
        bool, typer.Option("--man", help="Print the manual page (roff) instead.")
    ] = False,
) -> None:
    """Explain a topic that many commands share: dates, filters, formats, exit codes,
    privacy. Each command's own help is `crm COMMAND --help`.

    Example: crm help dates
    Example: crm help --man > crm.1
    """
    from crmcli.cli.topics import ABOUT, CHINESE_NAMES, TOPICS

    if man:
        if topic is not None:
            raise InvalidInput(_("--man prints the whole manual page: leave TOPIC out"))
        sys.stdout.write(manual())
        return
    columns = _terminal_columns()
    if topic is None:
        width = max(map(len, TOPICS))
        lines = [  # on a terminal, what a topic is about is wrapped under its words
            f"  {name:<{width}}  {_(about)}"
            if columns is None
            else wrap(_(about), columns, f"  {name:<{width}}  ", " " * (width + 4))
            for name, about in ABOUT.items()
        ]
        sys.stdout.write(_("Topics (crm help TOPIC):") + "\n" + "\n".join(lines) + "\n")
        return
    name = CHINESE_NAMES.get(topic.strip()) or topic.casefold().replace("_", "-").replace(" ", "-")
    if name not in TOPICS:
        raise InvalidInput(
            _("no help topic {topic!r}; topics: {value}").format(
                topic=topic, value=_(", ").join(TOPICS)
            )
        )
    text = _(TOPICS[name])
    if columns is not None and any(cells(line) > columns for line in text.splitlines()):
        text = reflow(text, columns)
    sys.stdout.write(text + "\n")


def _terminal_columns() -> int | None:
    """The width `crm help` lays a topic out in on a terminal (at least NARROWEST); None
    off a terminal, where the text is printed as written, as scripts and docs read it."""
    import shutil

    from crmcli.cli.output import is_terminal

    if not is_terminal(sys.stdout):
        return None
    return max(shutil.get_terminal_size().columns, NARROWEST)


# The manual's section titles, in capitals as man pages have them.
TITLES = {
    "NAME": N_("NAME"),
    "SYNOPSIS": N_("SYNOPSIS"),
    "DESCRIPTION": N_("DESCRIPTION"),
    "OPTIONS": N_("OPTIONS"),
    "COMMANDS": N_("COMMANDS"),
    "dates": N_("DATES"),
    "filters": N_("FILTERS"),
    "formats": N_("FORMATS"),
    "exit-codes": N_("EXIT STATUS"),
    "privacy": N_("PRIVACY"),
    "ENVIRONMENT": N_("ENVIRONMENT"),
    "SEE ALSO": N_("SEE ALSO"),
}


def manual() -> str:
    """The manual page crm(1) as roff, in the run's language: the root help, every
    command's summary, the global options, the topics, the environment."""
    from typer.main import get_command

    from crmcli import __version__
    from crmcli.cli import load
    from crmcli.cli.helptext import summary, tidy, worded
    from crmcli.cli.topics import TOPICS

    root = get_command(load())
    tidy(root)
    kind = _("User Commands")
    out = [
        f'.TH CRM 1 "" "crm {__version__}" "{kind}"',
        # Chinese: groff's rules for breaking between Chinese characters, and lines left
        # ragged (justified, a line of Chinese with a few spaces gets wide gaps).
        *([".mso zh.tmac", ".ds AD l", ".ad l"] if current() == "zh" else []),
        _section("NAME"),
        r"crm \- " + _roff(summary(root.help or "")),
        _section("SYNOPSIS"),
        r".B crm",
        rf"[\fI{worded('OPTIONS')}\fR] \fI{worded('COMMAND')}\fR [\fI{worded('ARGS')}\fR]...",
        _section("DESCRIPTION"),
        _roff(
            _(
                "crm keeps customers, their calls and meetings, purchases, tasks and reminders, "
                "tags and funnel stages in one SQLite file that you own, and makes reports from "
                "them. Each command's help, with examples, is crm COMMAND --help; the topics "
                "below are crm help TOPIC."
            )
        ),
        _section("OPTIONS"),
    ]
    for param in root.params:
        if param.param_type_name != "option" or param.hidden:
            continue
        value = f" {param.metavar}" if param.metavar else ""
        out += [".TP", r"\fB" + _roff(", ".join(param.opts)) + r"\fR" + _roff(value)]
        out.append(_roff(param.help or ""))
    out.append(_section("COMMANDS"))
    for path, command in _commands(root, "crm"):
        out += [".TP", r"\fB" + _roff(path) + r"\fR", _roff(command.get_short_help_str())]
    for name, text in TOPICS.items():
        out.append(_section(name))
        out += _paragraphs(_(text))
    out += [
        _section("ENVIRONMENT"),
        *_paragraphs(
            _(
                "- CRM_DB: the database file (default: the user data directory);\n"
                "- CRM_KEY_FILE: the key of an encrypted database;\n"
                "- CRM_DEBUG: 1 shows the traceback of an internal error;\n"
                "- NO_COLOR: no colour;\n"
                "- EDITOR, VISUAL: the editor of crm edit REF."
            )
        ),
        _section("SEE ALSO"),
        _roff(_("The pages of docs/ in crmcli's source; crm completion SHELL for completion.")),
        "",
    ]
    return "\n".join(out)


def _section(name: str) -> str:
    return f".SH {_(TITLES[name])}"


def _commands(command: Any, path: str) -> list[tuple[str, Any]]:
    found = []
    for name, sub in getattr(command, "commands", {}).items():
        if getattr(sub, "hidden", False):
            continue
        if hasattr(sub, "commands"):
            found += _commands(sub, f"{path} {name}")
        else:
            found.append((f"{path} {name}", sub))
    return found


def _paragraphs(text: str) -> list[str]:
    """A topic's text as roff: paragraphs, items of a list, examples kept line by line.
    The lines of a paragraph or an item become one (roff would put a space between them,
    which Chinese text has not)."""
    out: list[str] = []
    for block in text.split("\n\n"):
        lines = block.split("\n")
        if lines[0].startswith("  "):
            out += [".PP", ".nf", ".RS 4", *(_roff(line.strip()) for line in lines), ".RE", ".fi"]
            continue
        prose = "" if lines[0].startswith("- ") else None  # the text before any item
        items: list[str] = []
        for line in lines:
            if line.startswith("- "):
                items.append(line[2:])
            elif items:
                items[-1] = joined(items[-1], line.strip())
            else:
                prose = joined(prose or "", line.strip())
        if prose is not None:
            out += [".PP", _roff(prose)]
        for item in items:
            out += [r".IP \(bu 2", _roff(item)]
    return out


def _roff(text: str) -> str:
    """`text` safe as roff input: backslashes and hyphens escaped, no line that starts with
    a control character."""
    text = text.replace("\\", r"\e").replace("-", r"\-")
    return "\n".join(
        r"\&" + line if line.startswith((".", "'")) else line for line in text.split("\n")
    )
