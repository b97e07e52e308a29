"""Every `$ crm ...` example in docs/ really runs, against a fresh demo database per page,
with the exit status its page implies and the output it shows (when it shows any)."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import crm, ok

DOCS = Path(__file__).resolve().parent.parent / "docs"


def examples(page: Path) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for each `$ crm` line in console blocks."""
    found: list[tuple[str, list[str]]] = []
    inside = False
    for line in page.read_text().splitlines():
        if line.startswith("```"):
            inside = line.strip() == "```console"
            continue
        if not inside:
            continue
        if line.startswith("$ "):
            found.append((line[2:], []))
        elif found:
            found[-1][1].append(line)
    return found


PAGES = sorted(p for p in DOCS.glob("*.md") if examples(p))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_doc_examples_run(page, tmp_path, monkeypatch):
    demo = tmp_path / "demo.db"
    ok("demo", "--db", str(demo))
    monkeypatch.setenv("CRM_DB", str(demo))
    for command, expected in examples(page):
        command = command.replace("/tmp/", f"{tmp_path}/")
        if "|" in command or command.startswith("export"):
            env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
            proc = subprocess.run(command, shell=True, capture_output=True, text=True, env=env)
            code, out, err = proc.returncode, proc.stdout, proc.stderr
        else:
            argv = shlex.split(command)
            assert argv[0] == "crm", command
            result = crm(*argv[1:])
            code, out, err = result.exit_code, result.stdout, result.stderr
        assert "Traceback" not in out + err, command
        if expected and expected[0].startswith("crm: "):
            assert code != 0, command
            assert err.splitlines() == expected, command
        else:
            assert code == 0, (command, err)
            if expected:
                assert out.splitlines() == expected, command
