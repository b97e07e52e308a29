"""`--limit 0` is every row, on every command that takes --limit: one meaning, read where
the option is defined (crmcli.cli.options `every_row`), where `crm list --limit 0` printed
nothing while `crm history --limit 0` listed every change. Its help says so."""

import json

import pytest
from typer.main import get_command

from crmcli.cli import app
from tests.conftest import crm, ok

# Each command that takes --limit, with what else it needs to list rows, and whether
# without --limit it lists every row off a terminal (else: a default number).
COMMANDS = {
    ("list",): ((), True),
    ("interactions",): ((), True),
    ("purchases",): ((), True),
    ("remind",): (("--within", "1y"), True),
    ("today",): ((), True),
    ("history",): ((), False),  # the newest 50
    ("search",): (("a",), False),  # the best 20
    ("report", "sales"): (("--by", "customer"), True),
    ("report", "referrals"): ((), True),
    ("report", "value"): ((), True),
    ("report", "churn"): ((), True),
    ("feedback", "list"): ((), True),
    ("survey", "list"): ((), True),
    ("task", "list"): ((), True),
}


def commands_with_limit() -> list[tuple[tuple[str, ...], object]]:
    found = []

    def walk(command: object, path: tuple[str, ...]) -> None:
        for param in getattr(command, "params", []):
            if "--limit" in getattr(param, "opts", []):
                found.append((path, param))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, (*path, name))

    walk(get_command(app), ())
    return found


def listed(path: tuple[str, ...], *args: str) -> object:
    return json.loads(ok(*path, *args, "--format", "json"))


def count(document: object) -> int:
    """The rows of a listing: a list's, or every section's of `crm remind`."""
    if isinstance(document, dict):
        return sum(len(v) for v in document.values() if isinstance(v, list))
    assert isinstance(document, list)
    return len(document)


def test_every_command_with_a_limit_is_known_here_and_says_what_0_means():
    found = commands_with_limit()
    assert {path for path, _param in found} == set(COMMANDS)
    for path, param in found:
        assert "0 for every row" in param.help, (path, param.help)
        assert param.callback is not None, path  # the one reading of 0
    help_ = ok("--lang", "zh", "list", "--help")
    assert "0 表示全部" in help_


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_limit_0_lists_every_row(demo, path):
    extra, every_by_default = COMMANDS[path]
    every = listed(path, *extra, "--limit", "0")
    if every_by_default:
        assert every == listed(path, *extra)
    else:
        assert count(every) > count(listed(path, *extra))
        assert every == listed(path, *extra, "--limit", "1000")
    if path == ("report", "value"):  # 40 customers are too few to fit its models: none
        return
    assert count(every) > 1, path  # a listing with rows, not two empty ones
    assert count(listed(path, *extra, "--limit", "1")) < count(every)


def test_list_limit_0_is_everyone_in_every_format(demo):
    everyone = ok("list", "-q").split()
    assert len(everyone) > 30
    assert ok("list", "--limit", "0", "-q").split() == everyone
    assert len(ok("list", "--limit", "0", "-f", "csv").splitlines()) == len(everyone) + 1
    table = ok("--lang", "zh", "list", "--limit", "0").splitlines()
    assert len(table) == len(everyone) + 2  # a header and its rule
    assert crm("list", "--limit", "-1").exit_code == 2


def test_on_a_terminal_today_and_remind_limit_0_shows_every_row(demo, monkeypatch):
    from crmcli.cli import reminders as reminders_cli

    everyone = [r["customer_id"] for r in json.loads(ok("today", "-f", "json"))]
    assert len(everyone) > 2
    monkeypatch.setattr(reminders_cli, "TERMINAL_LIMIT", 2)
    monkeypatch.setattr(reminders_cli, "is_terminal", lambda stream: True)
    assert len(json.loads(ok("today", "-f", "json"))) == 2  # a terminal's first rows
    result = crm("today", "-f", "json", "--limit", "0")
    assert [r["customer_id"] for r in json.loads(result.stdout)] == everyone
    assert result.stderr == ""  # nothing left out: no note
    sections = json.loads(ok("remind", "--within", "1y", "-f", "json", "--limit", "0"))
    assert sections == json.loads(ok("remind", "--within", "1y", "-f", "json", "--all"))
    assert "of" not in crm("remind", "--within", "1y", "--limit", "0").stderr


def test_search_limit_0_finds_every_match_and_1001_is_refused(demo):
    every = json.loads(ok("search", "a", "--limit", "0", "-f", "json"))
    assert [r["rank"] for r in every] == list(range(1, len(every) + 1))
    assert len(every) > 20
    refused = crm("search", "a", "--limit", "1001")
    assert refused.exit_code == 2
    assert refused.stderr == "crm: --limit takes a whole number from 0 to 1000, not '1001'\n"
