"""The docs are true: every ```console session in docs/ replays with the same output, every
command is mentioned in docs/, and every command's --help has an example."""

import shlex
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from crmcli.cli import app
from tests.conftest import crm

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(DOCS.glob("*.md"))
# Commands from before docs/ existed; document them and shrink this list.
NOT_YET_DOCUMENTED = {
    "add", "edit", "show", "list", "delete", "undelete", "demo",
    "config get", "config set", "config unset", "config list",
}  # fmt: skip


def sessions(page: Path) -> list[tuple[str, str]]:
    """(command line, expected output) for each `$ crm ...` line of the page's console blocks."""
    steps: list[tuple[str, list[str]]] = []
    in_block = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```console"):
            in_block = True
        elif in_block and line.startswith("```"):
            in_block = False
        elif in_block and line.startswith("$ "):
            steps.append((line[2:], []))
        elif in_block:
            steps[-1][1].append(line)
    return [(command, "\n".join(lines)) for command, lines in steps]


def commands() -> list[tuple[str, Any]]:
    """(`task add`, its click command) for every leaf command of `crm`."""
    found = []

    def walk(group: Any, prefix: str) -> None:
        for name, command in group.commands.items():
            path = f"{prefix}{name}"
            if hasattr(command, "commands"):
                walk(command, path + " ")
            else:
                found.append((path, command))

    walk(get_command(app), "")
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_console_sessions_replay(page, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DB", str(tmp_path / f"{page.stem}.db"))
    steps = sessions(page)
    assert steps, f"{page.name} has no console session"
    for command, expected in steps:
        words = shlex.split(command)
        assert words[0] == "crm", command
        result = crm(*words[1:])
        actual = (result.stdout + result.stderr).rstrip("\n")
        assert actual == expected, f"{page.name}: $ {command}"


@pytest.mark.parametrize(("name", "command"), commands(), ids=[n for n, _ in commands()])
def test_every_command_has_an_example_and_a_doc_page(name, command):
    assert "Example:" in (command.help or ""), f"crm {name} --help has no example"
    if name in NOT_YET_DOCUMENTED:
        return
    text = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    assert f"crm {name}" in text, f"crm {name} is not in docs/"
