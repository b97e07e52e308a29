"""The examples in docs/purchases.md and docs/reports.md really run and print what they say.

Each page is replayed in order against a fresh `crm demo` (the pinned clock makes it the
same every time): every `$ crm ...` line in a code block is run, and its output must equal
the lines shown under it (or, where the page elides with `...`, contain every shown line).
"""

import shlex
from pathlib import Path

import pytest

from tests.conftest import crm

DOCS = Path(__file__).resolve().parent.parent / "docs"


def examples(page: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for every `$ crm` line in the page's code blocks."""
    out: list[tuple[str, list[str]]] = []
    inside = False
    for line in (DOCS / page).read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            inside = not inside
        elif inside and line.startswith("$ crm "):
            out.append((line[2:], []))
        elif inside and out:
            out[-1][1].append(line)
    return out


def run(command: str) -> list[str]:
    """Run `crm ...` (or `crm ... | crm ...`) in-process; its stdout and stderr lines."""
    text = None
    lines: list[str] = []
    for part in command.split(" | "):
        args = shlex.split(part)
        assert args[0] == "crm", command
        result = crm(*args[1:], input=text)
        text = result.stdout
        lines = (result.stdout + result.stderr).splitlines()
    return lines


@pytest.mark.parametrize("page", ["purchases.md", "reports.md"])
def test_documented_examples_print_what_the_page_says(page, tmp_path, monkeypatch):
    demo = tmp_path / "demo.db"
    assert crm("demo", "--db", str(demo)).exit_code == 0
    monkeypatch.setenv("CRM_DB", str(demo))
    found = examples(page)
    assert len(found) >= 8
    for command, expected in found:
        got = run(command)
        if any("..." in line for line in expected):
            missing = [e for e in expected if "..." not in e and e not in got]
            assert not missing, (command, missing)
        else:
            assert got == expected, command


COMMANDS = {
    "purchases.md": [
        "crm buy",
        "crm purchases",
        "crm purchase edit",
        "crm purchase delete",
        "crm product add",
        "crm product list",
        "crm product edit",
        "crm product delete",
    ],
    "reports.md": ["crm report sales"],
}


@pytest.mark.parametrize(("page", "command"), [(p, c) for p, cs in COMMANDS.items() for c in cs])
def test_every_command_has_a_section_and_an_example(page, command):
    text = (DOCS / page).read_text(encoding="utf-8")
    assert f"## {command}" in text or f"`{command} " in text
    assert any(line.startswith("$ ") and f"{command} " in line for line in text.splitlines())


def test_schema_page_has_the_tables():
    text = (DOCS / "schema.md").read_text(encoding="utf-8")
    assert text.startswith("# Schema")
    for name in ("### products", "### purchases", "purchases_customer_time"):
        assert name in text
