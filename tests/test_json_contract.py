"""The one JSON contract (docs/conventions.md, "JSON contract"), checked mechanically over the
JSON of every command that takes --format, on a demo database.

Each command that has --format is found in the typer app (as tests/test_output.py finds
options) and must appear in RUNS (the arguments it needs) or in NOT_RUN (why not): a new
command cannot slip past. Its JSON is walked recursively and every rule is checked. A command
still breaking a rule is listed in PENDING; it is reported as an expected failure with what it
breaks (never skipped silently), and a PENDING command that keeps the contract fails the test,
so the set only shrinks.
"""

import json
import re

import pytest
import typer.main

from crmcli.cli import app
from tests.conftest import crm, fails, ok

# Arguments after the command path, on the demo database (40 customers, seed 7).
RUNS: dict[str, tuple[str, ...]] = {
    "show": ("1",),
    "list": ("--limit", "5"),
    "dashboard": (),
    "interactions": ("1",),
    "purchases": ("1",),
    "remind": (),
    "today": (),
    "history": ("1", "--limit", "5"),
    "subject-export": ("1",),
    "search": ("a", "--limit", "8"),
    "changes": (),
    "tags": (),
    "config list": (),
    "report sales": (),
    "report rfm": (),
    "report abc": (),
    "report lifecycle": (),
    "report summary": (),
    "report cohort": (),
    "report feedback": (),
    "report satisfaction": (),
    "report referrals": (),
    "report value": (),
    "report churn": (),
    "care": ("--within", "12m"),
    "care festival list": (),
    "care festivals": (),
    "care rule list": (),
    "feedback list": (),
    "survey list": (),
    "export customers": (),
    "export purchases": (),
    "export interactions": (),
    "export tasks": (),
    "export customer": ("1",),
    "hooks list": (),
    "product list": (),
    "date list": ("1",),
    "segment list": (),
    "rule list": (),
    "task list": (),
    "check": (),
    "dedupe": (),
    "clean": (),
    "stage": ("2",),
    "edit": ("1", "2", "--city", "Lyon", "--add-tag", "vip", "--dry-run"),
    "sql": ("SELECT id, name FROM customers LIMIT 2",),
}
# Options that change a command's rows, run as well.
VARIANTS: list[tuple[str, tuple[str, ...]]] = [
    ("report rfm", ("--customers",)),
    ("report sales", ("--by", "customer")),
    *[("report sales", ("--by", period)) for period in ("day", "week", "quarter", "year")],
    ("report satisfaction", ("--detractors",)),
    ("list", ("--classes", "--limit", "5")),
    ("search", ("tea", "--limit", "8")),
]
NOT_RUN = {
    "classify": "a write; prints the classes it set",
    "import customers": "a write; its report is tested in test_import.py",
    "import purchases": "a write",
    "import interactions": "a write",
    "import tasks": "a write",
    "import surveys": "a write",
    "survey import": "a write",
    "export all": "writes a folder of files, not JSON on stdout",
}
# Commands whose JSON is one record: an object, never an array of one.
SINGLE = {"show", "subject-export", "export customer"}
# Commands still breaking a rule (see the report of each in the test run).
PENDING: set[str] = set()

# Keys whose value is a map keyed by data (user field names, phone numbers), not by field.
# `records` in a subject export are the database rows as stored, named as in the schema;
# `related` people have a name and, only when they are customers here, a customer_id.
DATA_MAPS = {"fields", "phone_kinds", "old", "new", "filters", "records", "related"}
MONEY = {
    "amount", "unit_price", "price", "revenue", "refunds", "net", "average_order", "at_stake",
    "this_month", "last_month", "same_month_last_year", "mean_monetary", "monetary",
    "revenue_12m", "total", "spent", "predicted_value", "expected_spend", "expected_value",
}  # fmt: skip
NUMBERS = re.compile(r"(^|_)(share|percent|retention|rate|ratio|hours|days|minutes|nps|csat)$")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
DECIMAL = re.compile(r"^-?\d+\.\d+$")
PERCENT = re.compile(r"^-?\d+(\.\d+)?\s?%$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")
NAME_WITH_ID = re.compile(r"\(#\d+\)$")


def _commands():
    """Every command path that takes --format."""

    def walk(command, path=()):
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, (*path, name))
        if any("--format" in getattr(p, "opts", ()) for p in command.params):
            yield " ".join(path)

    return sorted(walk(typer.main.get_command(app)))


def test_every_command_with_json_is_run_or_says_why_not():
    assert sorted(_commands()) == sorted([*RUNS, *NOT_RUN])
    assert not PENDING - set(RUNS)


def broken(document, command: str) -> list[str]:
    """What in `document` (a command's parsed JSON) breaks the contract, one line each."""
    found: list[str] = []
    if command in SINGLE and not isinstance(document, dict):
        found.append("a single record must be an object")

    def walk(value, where: str) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item, where + "[]")
        elif isinstance(value, dict):
            check(value, where)
        elif isinstance(value, str) and PERCENT.match(value):
            found.append(f"{where}: percentage as a string {value!r}")

    def check(row: dict, where: str) -> None:
        keys = set(row)
        for key, value in row.items():
            at = f"{where}.{key}"
            if not SNAKE.match(key):
                found.append(f"{at}: key not snake_case")
            if key in ("why", "row_id", "changeset") or (
                key == "customer" and not isinstance(value, dict)
            ):
                found.append(f"{at}: use the contract's key instead (see conventions.md)")
            if key == "customer_id" and "customer_name" not in keys and where != "":
                found.append(f"{at}: customer_id without customer_name")
            if key == "customer_name" and "customer_id" not in keys:
                found.append(f"{at}: customer_name without customer_id")
            if isinstance(value, str) and NAME_WITH_ID.search(value):
                found.append(f"{at}: a customer as text {value!r}")
            if key in MONEY and value is not None and not isinstance(value, (list, dict)):
                if not (isinstance(value, str) and DECIMAL.match(value)):
                    found.append(f"{at}: money not a decimal string: {value!r}")
                if "currency" not in keys:
                    found.append(f"{at}: money without a sibling currency")
            if NUMBERS.search(key) and value is not None:
                values = value if isinstance(value, list) else [value]
                if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                    found.append(f"{at}: a percentage, ratio or duration not a number: {value!r}")
            timed = key.endswith("_at") or key == "at"
            if (
                timed
                and value is not None
                and not (isinstance(value, str) and DATETIME.match(value))
            ):
                found.append(f"{at}: time not ISO 8601: {value!r}")
            dated = key.endswith("_on") or key in ("as_of", "today", "birthday")
            if dated and isinstance(value, str) and value and not DATE.match(value):
                found.append(f"{at}: date not ISO 8601: {value!r}")
            if key == "reasons" and not isinstance(value, list):
                found.append(f"{at}: reasons must be a list")
            if isinstance(value, str) and value in ("at-risk",):
                found.append(f"{at}: label {value!r} where the key is at_risk")
            if key not in DATA_MAPS:
                walk(value, at)

    walk(document, "")
    return sorted(set(found))


def test_the_checker_finds_each_broken_rule():
    bad = {
        "rows": [
            {"customer_id": 1, "customer": "Ann", "share": "12.5", "amount": 3.5, "a-b": 1},
            {"due_on": "05/12/2026", "created_at": "yesterday", "who": "Ben (#143)"},
            {"customer_id": 2, "customer_name": "Ben", "amount": "1.00", "currency": "CNY"},
            {"lifecycle": "at-risk", "reasons": "x", "why": "x", "pct": "12.5 %"},
        ]
    }
    found = "\n".join(broken(bad, "show"))
    for words in (
        "customer_id without customer_name", "percentage, ratio or duration not a number",
        "money not a decimal string", "money without a sibling currency", "not snake_case",
        "date not ISO", "time not ISO", "a customer as text", "label 'at-risk'",
        "reasons must be a list", "rows[].why: use the contract", "percentage as a string",
        "rows[].customer: use the contract",
    ):  # fmt: skip
        assert words in found
    assert "rows[].customer_name" not in found  # the third row keeps the contract
    assert broken([{"id": 1}], "show") == ["a single record must be an object"]


@pytest.mark.parametrize(
    ("command", "args"),
    [*sorted(RUNS.items()), *VARIANTS],
    ids=lambda x: " ".join(x) if isinstance(x, tuple) else x,
)
def test_json_keeps_the_contract(demo, command, args):
    result = crm(*command.split(), *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    found = broken(json.loads(result.stdout), command)
    if command in PENDING:
        assert found, f"{command} keeps the contract now: take it out of PENDING"
        pytest.xfail(f"PENDING {command}: " + "; ".join(found[:6]))
    assert found == []


# `--fields` on every listing: (command, arguments, two of its fields).
LISTINGS = [
    ("list", (), ("name", "id")),
    ("list", ("--classes",), ("lifecycle", "name")),
    ("interactions", ("1",), ("kind", "customer_name")),
    ("purchases", ("1",), ("amount", "item")),
    ("task list", ("--all",), ("due_on", "customer_id")),
    ("feedback list", (), ("status", "id")),
    ("survey list", (), ("nps", "customer_name")),
    ("search", ("tea",), ("snippet", "source")),
]


@pytest.mark.parametrize(("command", "args", "fields"), LISTINGS, ids=lambda x: str(x))
def test_fields_selects_and_orders_the_columns_in_every_format(demo, command, args, fields):
    picked = ("--fields", ",".join(fields))
    rows = json.loads(ok(*command.split(), *args, *picked, "--format", "json"))
    assert rows and all(list(r) == list(fields) for r in rows)
    lines = ok(*command.split(), *args, *picked, "--format", "jsonl").splitlines()
    assert [list(json.loads(line)) for line in lines] == [list(fields)] * len(rows)
    assert ok(*command.split(), *args, *picked, "--format", "csv").splitlines()[0] == ",".join(
        fields
    )
    assert ok(*command.split(), *args, *picked, "--format", "tsv").splitlines()[0] == "\t".join(
        fields
    )
    table = ok(*command.split(), *args, *picked)  # plain text off a terminal
    assert table.splitlines()[0].split() == list(fields)


@pytest.mark.parametrize("command", sorted({c for c, _, _ in LISTINGS}))
def test_an_unknown_field_is_one_line_naming_the_valid_ones(demo, command):
    args = next(a for c, a, _ in LISTINGS if c == command)
    err = fails(2, *command.split(), *args, "--fields", "id,nonesuch", db=demo)
    assert err.startswith("crm: --fields: unknown field 'nonesuch'; valid fields: ")
    assert err.count("\n") == 1
    assert "id" in err.removesuffix("\n").split("valid fields: ")[1].split(", ")
    assert "no field" in fails(2, *command.split(), *args, "--fields", " , ", db=demo)
    said = fails(2, *command.split(), *args, "--fields", "idd", db=demo)
    assert said == "crm: --fields: unknown field 'idd'; did you mean id?\n"
