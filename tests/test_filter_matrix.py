"""The filter language against a small independent model of what docs/customers.md and
docs/classification.md say it means: every field kind (text, number, date, tag, stage,
email, user-defined field) x every operator x values that are missing, empty, of mixed case,
holding `%` and `_`, and days on the boundary; plus the option filters (`--city`,
repeated `--stage`, `--segment` with `--archived`, `--created-since/--until`) and where
missing values go in a sort.

The model (`holds`, `expected`) is plain Python over the PEOPLE table below; it never calls
crm. The database is built from the same table through `crm` commands, once per session.
"""

import os
import string

import pytest

from tests.conftest import NOW, filled_once, ok

# Each customer as typed: created at `at` (local time, +08:00), then given `stage`, `tags`
# and archived when `archived`. A key left out is a field with no value.
PEOPLE = [
    {"name": "Anna Lee", "at": "2026-01-10T00:00:00", "city": "Shanghai", "company": "Acme",
     "email": "anna@example.com", "tags": ["vip"], "stage": "lead", "fields": {"tier": "Gold"},
     "cadence": 14, "birthday": "1990-02-28", "source": "fair"},
    {"name": "BOB", "at": "2026-01-10T23:59:00", "city": "SHANGHAI", "company": "acme",
     "email": "Bob@Example.org", "tags": ["VIP", "a_b"], "stage": "prospect",
     "fields": {"tier": "gold"}, "cadence": 30, "source": "Fair"},
    {"name": "carl", "at": "2026-01-11T00:00:00", "birthday": "1990-03-01"},
    {"name": "Émile", "at": "2026-01-09T12:00:00", "city": "shanghai", "company": "100% Tea",
     "email": "emile@example.cn", "tags": ["axb"], "stage": "customer",
     "fields": {"tier": "silver"}, "cadence": 7},
    {"name": "émile", "at": "2026-02-01T08:00:00", "city": "Xi_an", "company": "100 Tea",
     "tags": ["x%"], "stage": "loyal", "birthday": "2000-02-29"},
    {"name": "Dora", "at": "2026-03-01T09:00:00", "city": "Xixan", "company": "ACME Ltd",
     "email": "Zoë@example.com", "stage": "lost", "fields": {"tier": "Golden"}},
    {"name": "Gus", "at": "2026-01-10T12:00:00", "city": "Shanghai", "company": "Acme",
     "tags": ["vip"], "stage": "lead", "archived": True},
    {"name": "Hana", "at": "2026-01-12T12:00:00", "city": "Paris", "email": "hana@example.com",
     "tags": ["vip"], "stage": "customer", "fields": {"tier": "Gold"}, "archived": True},
]  # fmt: skip
for _number, _person in enumerate(PEOPLE, start=1):
    _person["id"] = _number
OPTIONS = ("city", "company", "email", "birthday", "source")


def _fill() -> None:
    try:
        for person in PEOPLE:
            os.environ["CRM_NOW"] = person["at"] + "+08:00"
            args = [person["name"]]
            args += [a for key in OPTIONS if key in person for a in (f"--{key}", person[key])]
            if "cadence" in person:
                args += ["--cadence", f"{person['cadence']}d"]
            for key, value in person.get("fields", {}).items():
                args += ["--field", f"{key}={value}"]
            ok("add", *args)
    finally:
        os.environ["CRM_NOW"] = NOW
    for number, person in enumerate(PEOPLE, start=1):
        if "stage" in person:
            ok("stage", str(number), person["stage"])
        for tag in person.get("tags", []):
            ok("tag", tag, str(number))
    ok("segment", "add", "sh", "--city", "shanghai")
    ok("segment", "add", "gold", "--where", "tier = gold", "--stage", "lead")
    for number, person in enumerate(PEOPLE, start=1):
        if person.get("archived"):
            ok("delete", str(number))


@pytest.fixture
def people(db_path):
    filled_once(db_path, _fill)
    return db_path


# --- the model: what the docs say, in plain Python -----------------------------------

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def fold(text: str) -> str:
    """Text as crm compares it: ASCII case ignored, every other letter as it is."""
    return text.translate(_ASCII_LOWER)


def compare(left, op: str, right) -> bool:
    return {
        "=": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]


def holds(value, op: str, wanted: str, kind: str) -> bool:
    """Whether one field's value (None: the customer has none) passes `FIELD op wanted`.
    A missing value passes only `!=`; `~` is "contains", `%` and `_` being plain characters."""
    if value is None:
        return op == "!="
    if op == "~":
        return fold(wanted) in fold(str(value))
    if kind == "number":
        return compare(value, op, int(wanted))
    if kind == "date":  # compared by day
        return compare(value[:10], op, wanted)
    return compare(fold(value), op, fold(wanted))


def value_of(person: dict, field: str):
    if field == "created_at":
        return person["at"]
    if field == "cadence_days":
        return person.get("cadence")
    return person.get(field)


def live(archived: bool = False) -> list[tuple[int, dict]]:
    return [(n, p) for n, p in enumerate(PEOPLE, 1) if bool(p.get("archived")) == archived]


def expected(test, archived: bool = False) -> list[int]:
    return [n for n, p in live(archived) if test(p)]


def listed(*args: str) -> list[int]:
    return [int(x) for x in ok("list", *args, "-q").split()]


def check(cases: list[tuple[str, object]]) -> None:
    """Every (where expression, model test) case: crm lists what the model selects."""
    wrong = []
    for where, test in cases:
        got, want = listed("--where", where), expected(test)
        if got != want:
            wrong.append(f"{where!r}: crm {got}, model {want}")
    assert not wrong, "\n".join(wrong)


OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "~")


def matrix(field: str, values: list[str], kind: str) -> list[tuple[str, object]]:
    return [
        (
            f"{field} {op} {value}" if value else f'{field} {op} ""',
            lambda p, op=op, value=value: holds(value_of(p, field), op, value, kind),
        )
        for op in OPERATORS
        for value in values
    ]


# --- the matrix --------------------------------------------------------------------


def test_text_fields_every_operator(people):
    """Mixed case (Shanghai, SHANGHAI), a letter outside ASCII (É, é differ), no value at all
    (carl has no city: only != keeps him), the empty value, and `%` / `_` taken literally
    (`~ i_a` finds Xi_an, not Xixan; `~ 0%` finds "100% Tea", not "100 Tea")."""
    cases = matrix("city", ["shanghai", "SHANGHAI", "Shang", "xi_an", "i_a", "x", ""], "text")
    cases += matrix("company", ["acme", "0%", "100% tea", "ACME LTD", "%"], "text")
    cases += matrix("name", ["émile", "Émile", "ÉMILE", "bob", "_"], "text")
    cases += matrix("source", ["FAIR", "f"], "text")
    check(cases)


def test_number_fields_every_operator_but_contains(people):
    cases = [c for c in matrix("cadence_days", ["14", "7", "30", "0"], "number")]
    cases = [c for c in cases if " ~ " not in c[0]]
    cases += [c for c in matrix("id", ["3", "1"], "number") if " ~ " not in c[0]]
    check(cases)
    message = ok_failure("--where", "cadence_days ~ 1")
    assert message == "crm: cadence_days is a number; compare it with = != < <= > >= and digits\n"


def ok_failure(*args: str) -> str:
    from tests.conftest import crm

    result = crm("list", *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    return result.stderr


def test_date_fields_compare_whole_days(people):
    """`created_at <= 2026-01-10` keeps the customer created at 23:59 that day and the one
    at 00:00; `>= 2026-01-11` starts at that midnight. A customer with no birthday passes only
    `!=`, as one with no city does."""
    days = ["2026-01-10", "2026-01-11", "2026-01-09"]
    cases = [c for c in matrix("created_at", days, "date") if " ~ " not in c[0]]
    cases += [c for c in matrix("birthday", ["1990-02-28", "2000-02-29"], "date")]
    cases = [c for c in cases if " ~ " not in c[0]]
    cases.append(("created_at ~ 2026-01-1", lambda p: p["at"].startswith("2026-01-1")))
    cases.append(("created_at <= 2026/01/10", lambda p: p["at"][:10] <= "2026-01-10"))
    check(cases)


def test_tags_stage_email_and_user_fields(people):
    tag_cases = [
        ("tag = VIP", lambda p: "vip" in map(fold, p.get("tags", []))),
        ("tag != vip", lambda p: "vip" not in map(fold, p.get("tags", []))),
        ("tag ~ _", lambda p: any("_" in t for t in p.get("tags", []))),
        ("tag ~ %", lambda p: any("%" in t for t in p.get("tags", []))),
        ("tag ~ A_B", lambda p: any("a_b" in fold(t) for t in p.get("tags", []))),
        ("tag = a", lambda p: False),
    ]
    stage_cases = [
        ("stage = Lead", lambda p: p.get("stage") == "lead"),
        ("stage != lead", lambda p: p.get("stage") != "lead"),
        ("stage ~ o", lambda p: "o" in (p.get("stage") or "\n")),
    ]
    email_cases = [
        ("email = BOB@example.org", lambda p: fold(p.get("email", "")) == "bob@example.org"),
        ("email != anna@example.com", lambda p: p.get("email") != "anna@example.com"),
        ("email ~ EXAMPLE.C", lambda p: "example.c" in fold(p.get("email", ""))),
        ("email ~ _", lambda p: False),
        # an address is matched ignoring case altogether, as it is stored (casefolded)
        ("email ~ ZOË", lambda p: "zoë" in p.get("email", "").casefold()),
        ("email = ZOË@example.com", lambda p: p.get("email", "").casefold() == "zoë@example.com"),
        ("email != zoë@example.com", lambda p: p.get("email", "").casefold() != "zoë@example.com"),
    ]
    tier = [f"tier {op} {v}" for op in OPERATORS for v in ("gold", "GOLD", "s", '""')]
    field_cases = [
        (where, lambda p, where=where: holds(p.get("fields", {}).get("tier"), *_split(where)))
        for where in tier
    ]
    check(tag_cases + stage_cases + email_cases + field_cases)


def _split(where: str) -> tuple[str, str, str]:
    _, op, value = where.split(" ", 2)
    return op, ("" if value == '""' else value), "text"


# --- the option filters --------------------------------------------------------------


def test_option_filters_mean_equals_ignoring_case(people):
    assert listed("--city", "shanghai") == expected(lambda p: fold(p.get("city", "")) == "shanghai")
    assert listed("--city", "Shang") == []  # never a part of the name
    assert listed("--city", "xi_an") == [5]  # `_` is a character, not any one
    assert listed("--company", "acme") == [1, 2]
    assert listed("--source", "FAIR") == [1, 2]
    assert listed("--city", "shanghai", "--company", "ACME") == [1, 2]  # all must hold


def test_repeated_stage_means_any_of_them(people):
    assert listed("--stage", "lead", "--stage", "loyal", "--stage", "Lost") == [1, 5, 6]
    assert listed("--stage", "loyal", "--stage", "lead") == [1, 5]
    assert listed("--stage", "customer", "--archived") == [8]


def test_repeated_tag_means_all_of_them_and_without_tag_none(people):
    assert listed("--tag", "vip", "--tag", "A_B") == [2]
    assert listed("--without-tag", "vip", "--without-tag", "x%") == [3, 4, 6]


def test_created_since_and_until_keep_their_whole_days(people):
    both = ("--created-since", "2026-01-10", "--created-until", "2026-01-10")
    assert listed(*both) == [1, 2]
    assert listed(*both, "--archived") == [7]
    assert listed("--created-until", "2026-01-09") == [4]
    assert listed("--created-since", "2026-01-11") == [3, 5, 6]


def test_segment_follows_archived(people):
    """A saved segment picks live customers, and with --archived archived ones only."""
    assert listed("--segment", "sh") == [1, 2, 4]
    assert listed("--segment", "sh", "--archived") == [7]
    assert listed("--segment", "gold") == [1]
    assert listed("--segment", "gold", "--archived") == []
    assert listed("--segment", "sh", "--segment", "gold") == [1]  # both must hold


# --- sorting --------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["city", "-city", "cadence_days", "-cadence_days", "birthday"])
def test_sort_puts_missing_values_last_either_way(people, field):
    name = field.lstrip("-")
    key = "cadence" if name == "cadence_days" else name
    present = [(n, p[key]) for n, p in live() if p.get(key) is not None]
    present.sort(key=lambda pair: pair[0])  # ties keep id order
    present.sort(key=lambda pair: pair[1], reverse=field.startswith("-"))
    missing = [n for n, p in live() if p.get(key) is None]
    assert listed("--sort", field) == [n for n, _ in present] + missing
