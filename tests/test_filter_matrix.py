"""The filter language against a small independent model of what docs/customers.md,
docs/classification.md and docs/reminders.md say it means: every field `--where` takes
(text, number, date, a fixed set such as kind and gender, stage, tag, phone, email, a
user-defined field, the derived classes and purchase facts, the last contact) x every
operator it takes (and the one-line refusal, exit 2, of those it does not) x values that are
missing, empty, of mixed case, holding `%` and `_`, and days on the boundary; plus the option
filters (`--city`, repeated `--stage`, `--segment` with `--archived`, `--created-since/--until`)
and where missing values go in a sort. `TAKES` says which operators each field takes;
`test_the_matrix_tries_every_field_with_every_operator` fails when a field crm's `--where`
knows, or an operator, is not tried with every operator: the pairs the case generators
(`CASES`) run must be those `TAKES` accepts, and every other pair is run as a refusal.

The model (`holds`, `facts`, `last_contact`, `expected`) is plain Python over the PEOPLE
table below; it never calls crm. The database is built from the same table through `crm`
commands, once per session.
"""

import itertools
import os
import statistics
import string
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from tests.conftest import NOW, TODAY, filled_once, ok

# Each customer as typed: created at `at` (local time, +08:00), then given `stage`, `tags`
# and archived when `archived`. A key left out is a field with no value. `phones` are
# (as typed, as stored); `buys` are purchase lines (local day or moment, amount in CNY, the
# default currency; negative: a refund); `logs` are interactions (kind, local moment).
PEOPLE = [
    {"name": "Anna Lee", "at": "2026-01-10T00:00:00", "city": "Shanghai", "company": "Acme",
     "email": "anna@example.com", "tags": ["vip"], "stage": "lead", "fields": {"tier": "Gold"},
     "cadence": 14, "birthday": "1990-02-28", "source": "fair", "gender": "F",
     "title": "Buyer", "region": "Pudong", "industry": "Tea", "company_size": "11-50",
     "notes": "met at 100% fair", "external_id": "A_1", "preferred_channel": "微信",
     "preferred_time": "Mornings", "address": "1 Nanjing Rd",
     "phones": [("138 0013 8000", "+8613800138000"), ("+1 650 253 0000", "+16502530000")],
     "buys": [("2026-04-01", 2000), ("2026-06-01", 3000), ("2026-08-01", 4000),
              ("2026-08-01T20:00", 1000)],
     "logs": [("call", "2026-11-15T23:59")]},
    {"name": "BOB", "at": "2026-01-10T23:59:00", "city": "SHANGHAI", "company": "acme",
     "email": "Bob@Example.org", "tags": ["VIP", "a_b"], "stage": "prospect",
     "fields": {"tier": "gold"}, "cadence": 30, "cadence_max": 60, "source": "Fair",
     "kind": "company", "country": "GB", "title": "buyer", "external_id": "AX1",
     "notes": "Met at 100 fair", "preferred_channel": "Phone",
     "phones": [("+44 7400 123456", "+447400123456")],
     "buys": [("2025-11-22", 1000), ("2025-11-23", 500), ("2026-11-01", -200)],
     "logs": [("note", "2026-11-10T09:00")]},
    {"name": "carl", "at": "2026-01-11T00:00:00", "birthday": "1990-03-01", "gender": "male",
     "referred_by": 1, "logs": [("note", "2026-11-20T09:00")]},
    {"name": "Émile", "at": "2026-01-09T12:00:00", "city": "shanghai", "company": "100% Tea",
     "email": "emile@example.cn", "tags": ["axb"], "stage": "customer",
     "fields": {"tier": "silver"}, "cadence": 7, "referred_by": 2,
     "phones": [("10086", "10086")], "buys": [("2026-10-23", 100), ("2026-11-22", 0)]},
    {"name": "émile", "at": "2026-02-01T08:00:00", "city": "Xi_an", "company": "100 Tea",
     "tags": ["x%"], "stage": "loyal", "birthday": "2000-02-29", "buys": [("2026-06-01", -50)]},
    {"name": "Dora", "at": "2026-03-01T09:00:00", "city": "Xixan", "company": "ACME Ltd",
     "email": "Zoë@example.com", "stage": "lost", "fields": {"tier": "Golden"},
     "country": "US", "lunar": "1990-08-15", "birthday": "1990-10-03", "gender": "other",
     "phones": [("(212) 555-0134", "+12125550134")],
     "buys": [("2026-03-05", 1000), ("2026-03-20", 1000), ("2026-04-04", 1000),
              ("2026-11-20", 60000)],
     "logs": [("call", "2026-11-21T00:00")]},
    {"name": "Gus", "at": "2026-01-10T12:00:00", "city": "Shanghai", "company": "Acme",
     "tags": ["vip"], "stage": "lead", "archived": True, "buys": [("2026-07-01", 500)]},
    {"name": "Hana", "at": "2026-01-12T12:00:00", "city": "Paris", "email": "hana@example.com",
     "tags": ["vip"], "stage": "customer", "fields": {"tier": "Gold"}, "archived": True},
]  # fmt: skip
for _number, _person in enumerate(PEOPLE, start=1):
    _person["id"] = _number
OPTIONS = ("city", "company", "email", "source", "kind", "gender", "country", "title", "region",
           "industry", "company_size", "notes", "external_id", "preferred_channel",
           "preferred_time", "referred_by", "address")  # fmt: skip


def _fill() -> None:
    ok("config", "set", "default_region", "CN")
    try:
        for person in PEOPLE:
            os.environ["CRM_NOW"] = person["at"] + "+08:00"
            args = [person["name"]]
            for key in (k for k in OPTIONS if k in person):
                args += ["--" + key.replace("_", "-"), str(person[key])]
            if "lunar" in person:
                args += ["--birthday", f"lunar:{person['lunar']}"]
            elif "birthday" in person:
                args += ["--birthday", person["birthday"]]
            if "cadence" in person:
                most = f"..{person['cadence_max']}d" if "cadence_max" in person else ""
                args += ["--cadence", f"{person['cadence']}d{most}"]
            for key, value in person.get("fields", {}).items():
                args += ["--field", f"{key}={value}"]
            for typed, _stored in person.get("phones", []):
                args += ["--phone", typed]
            ok("add", *args)
    finally:
        os.environ["CRM_NOW"] = NOW
    for number, person in enumerate(PEOPLE, start=1):
        if "stage" in person:
            ok("stage", str(number), person["stage"])
        for tag in person.get("tags", []):
            ok("tag", tag, str(number))
        for at, amount in person.get("buys", []):
            refund = ["--force"] if amount < 0 else []  # a refund-only customer: on purpose
            ok("buy", str(number), "tea", str(amount), "--at", at, *refund)
        for kind, at in person.get("logs", []):
            ok("log", kind, str(number), "talked", "--at", at)
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
        return compare(value[:10], op, on_day(wanted))
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
ORDER, PICK = OPERATORS[:-1], ("=", "!=", "~")

# What each field takes, as the docs say, and the line an operator it does not take is
# refused with (exit 2). `test_the_matrix_tries_every_field_with_every_operator` holds the
# cases below to it, and it to crm's own list of fields and operators.
_NUMBER = "crm: {} is a number; compare it with = != < <= > >= and digits\n"
_ORDERED = "crm: {} compares with = != < <= > >= only\n"
_PICKED = "crm: {} takes = != or ~ only\n"
TAKES: dict[str, tuple[tuple[str, ...], str]] = {
    **dict.fromkeys(
        ("name", "kind", "company", "title", "gender", "birthday", "address", "city", "region",
         "country", "industry", "company_size", "source", "notes", "external_id",
         "preferred_channel", "preferred_time", "created_at", "updated_at", "archived_at",
         "stage", "birthday_lunar"),
        (OPERATORS, ""),
    ),
    **dict.fromkeys(("id", "referred_by", "cadence_days", "cadence_max_days"), (ORDER, _NUMBER)),
    **dict.fromkeys(("phone", "email", "tag", "lifecycle", "abc", "frequency_tier",
                     "value_tier"), (PICK, _PICKED)),
    **dict.fromkeys(("purchase_days", "purchase_days_12m", "days_since_purchase", "revenue_12m",
                     "first_purchase_on", "last_purchase_on", "last_contact_on",
                     "days_since_contact"), (ORDER, _ORDERED)),
}  # fmt: skip
# A value each field would take with another operator: a refusal is of the operator alone.
SOME = {"phone": "10086", "email": "a@example.com", "tag": "vip", "lifecycle": "new",
        "abc": "A", "frequency_tier": "low", "value_tier": "low",
        "first_purchase_on": "2026-10-23", "last_purchase_on": "2026-10-23",
        "last_contact_on": "2026-11-21"}  # fmt: skip

USER_FIELD = "tier"  # a field of the customers' own (crm add --field tier=...)
# Every generator of cases, each returning [(where expression, model test)]: the tests run
# them; the completeness test reads the fields and operators they try.
CASES: list[Callable[[], list[tuple[str, object]]]] = []


def cases(generator: Callable[[], list[tuple[str, object]]]) -> Callable:
    CASES.append(generator)
    return generator


def matrix(field: str, values: list[str], kind: str) -> list[tuple[str, object]]:
    """`FIELD OP VALUE` for every operator the field takes and every value."""
    return [
        (
            f"{field} {op} {value}" if value else f'{field} {op} ""',
            lambda p, op=op, value=value: holds(stored(p, field), op, value, kind),
        )
        for op in TAKES[field][0]
        for value in values
    ]


# --- the matrix --------------------------------------------------------------------


@cases
def text_cases() -> list[tuple[str, object]]:
    """Mixed case (Shanghai, SHANGHAI), a letter outside ASCII (É, é differ), no value at all
    (carl has no city: only != keeps him), the empty value, and `%` / `_` taken literally
    (`~ i_a` finds Xi_an, not Xixan; `~ 0%` finds "100% Tea", not "100 Tea")."""
    cases = matrix("city", ["shanghai", "SHANGHAI", "Shang", "xi_an", "i_a", ""], "text")
    cases += matrix("company", ["acme", "0%", "100% tea", "ACME LTD", "%"], "text")
    cases += matrix("name", ["émile", "Émile", "ÉMILE", "bob", "_"], "text")
    cases += matrix("source", ["FAIR", "f"], "text")
    return cases


def test_text_fields_every_operator(people):
    check(text_cases())


@cases
def number_cases() -> list[tuple[str, object]]:
    return matrix("cadence_days", ["14", "7", "30", "0"], "number") + matrix(
        "id", ["3", "1"], "number"
    )


def test_number_fields_every_operator_but_contains(people):
    check(number_cases())


def ok_failure(*args: str) -> str:
    from tests.conftest import crm

    result = crm("list", *args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    return result.stderr


@cases
def date_cases() -> list[tuple[str, object]]:
    """`created_at <= 2026-01-10` keeps the customer created at 23:59 that day and the one
    at 00:00; `>= 2026-01-11` starts at that midnight. A customer with no birthday passes only
    `!=`, as one with no city does. `~` looks for a part of the date as written (a birthday's
    `-02-2`: the 28th and the leap day), `-` and `:` being plain characters."""
    cases = [
        c
        for field, days in (
            ("created_at", ["2026-01-10", "2026/01/11", "2026-01-09"]),
            ("birthday", ["1990-02-28", "2000-02-29"]),
        )
        for c in matrix(field, days, "date")
        if " ~ " not in c[0]
    ]
    cases.append(("created_at ~ 2026-01-1", lambda p: p["at"].startswith("2026-01-1")))
    cases.append(("created_at ~ T23:59", lambda p: "T23:59" in p["at"]))
    cases.append(("birthday ~ -02-2", lambda p: "-02-2" in p.get("birthday", "")))
    cases.append(("birthday ~ 1990", lambda p: "1990" in p.get("birthday", "")))
    return cases


def test_date_fields_compare_whole_days(people):
    check(date_cases())


@cases
def user_field_and_email_cases() -> list[tuple[str, object]]:
    email_cases = [
        # an address is matched ignoring case altogether, as it is stored (casefolded), Ë too
        ("email ~ ZOË", lambda p: "zoë" in p.get("email", "").casefold()),
        ("email = ZOË@example.com", lambda p: p.get("email", "").casefold() == "zoë@example.com"),
        ("email != zoë@example.com", lambda p: p.get("email", "").casefold() != "zoë@example.com"),
    ]
    tier = [f"{USER_FIELD} {op} {v}" for op in OPERATORS for v in ("gold", "GOLD", "s", '""')]
    field_cases = [
        (where, lambda p, where=where: holds(p.get("fields", {}).get(USER_FIELD), *_split(where)))
        for where in tier
    ]
    return email_cases + field_cases


def test_user_fields_and_emails_beyond_ascii(people):
    check(user_field_and_email_cases())


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


# --- phones, emails, tags and stages: every operator, and the refusals -----------------


def refused(where: str) -> str:
    """The one line `crm list --where WHERE` is refused with (exit 2, nothing on stdout)."""
    message = ok_failure("--where", where)
    assert message.startswith("crm: ") and message.count("\n") == 1, message
    return message


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit() or c == "+")


@cases
def phone_cases() -> list[tuple[str, object]]:
    """`=` reads the number as `crm add` does with no country (default_region CN here) and
    finds it among the stored numbers (E.164, a service number as typed); `!=` keeps those
    with no such number, none at all included; `~` looks for the digits typed."""
    numbers = {n: [s for _, s in p.get("phones", [])] for n, p in enumerate(PEOPLE, 1)}
    equal = {  # as typed -> as read in CN
        "138 0013 8000": "+8613800138000",
        "+86 138-0013-8000": "+8613800138000",
        "(212) 555-0134": "+862125550134",  # a Shanghai number: no one has it
        "+1 212 555 0134": "+12125550134",
        "+1 (650) 253-0000": "+16502530000",
        "10086": "10086",
        "+44 7400 123456": "+447400123456",
    }
    cases = []
    for typed, number in equal.items():
        cases.append((f"phone = {typed}", lambda p, x=number: x in numbers[p["id"]]))
        cases.append((f"phone != {typed}", lambda p, x=number: x not in numbers[p["id"]]))
    for part in ("555-0134", "+44", "8613800", "0086", "(650)", "7400 123"):
        cases.append(
            (f"phone ~ {part}", lambda p, x=digits(part): any(x in s for s in numbers[p["id"]]))
        )
    return cases


def test_phones_compare_as_stored(people):
    check(phone_cases())
    assert "'123456789012': one digit too many" in refused("phone = 123456789012")
    for typed, value in (("abc", "abc"), ("-", "-"), ("+", "+"), ('""', ""), ("（）", "（）")):
        # no digit: it would match every phone; the message names the value as read
        assert refused(f"phone ~ {typed}") == (
            f"crm: phone ~ compares digits, and {value!r} has none\n"
        )


@cases
def email_cases() -> list[tuple[str, object]]:
    def addresses(p: dict) -> list[str]:
        return [p["email"].casefold()] if "email" in p else []

    cases = []
    for value in ("ANNA@example.com", "bob@EXAMPLE.ORG", "zoë@example.com", "nobody@example.com"):
        key = value.casefold()
        cases.append((f"email = {value}", lambda p, k=key: k in addresses(p)))
        cases.append((f"email != {value}", lambda p, k=key: k not in addresses(p)))
    for part in ("EXAMPLE.C", "@", "_", "%", "zoë", "B@"):
        cases.append(
            (f"email ~ {part}", lambda p, x=part.casefold(): any(x in a for a in addresses(p)))
        )
    return cases


def test_emails_every_operator(people):
    check(email_cases())
    refused("email = not-an-address")


@cases
def tag_cases() -> list[tuple[str, object]]:
    def tags(p: dict) -> list[str]:
        return [fold(t) for t in p.get("tags", [])]

    cases = []
    for value in ("VIP", "a_b", "x%", "axb", "a", "none"):
        cases.append((f"tag = {value}", lambda p, v=fold(value): v in tags(p)))
        cases.append((f"tag != {value}", lambda p, v=fold(value): v not in tags(p)))
    for part in ("_", "%", "A_B", "x", "V", ""):
        shown = part or '""'
        cases.append((f"tag ~ {shown}", lambda p, v=fold(part): any(v in t for t in tags(p))))
    return cases


def test_tags_every_operator(people):
    check(tag_cases())


@cases
def stage_cases() -> list[tuple[str, object]]:
    """A stage is text: `=` and `!=` take known stages only (case ignored), the order
    operators compare the stored key as text, `~` looks for a part of it."""
    cases = matrix("stage", ["lead", "LOST", "customer"], "text")
    return cases + [
        (c, t) for c, t in matrix("stage", ["o", "m", "_"], "text") if " ~ " in c or "<" in c
    ]


def test_stage_every_operator(people):
    check(stage_cases())
    message = refused("stage = gold")
    assert message.startswith("crm: unknown stage 'gold'"), message


# --- every other column of a customer ---------------------------------------------------

# what `crm add` stores for a word typed in a field of fixed values (as docs/customers.md says)
STORED = {"F": "female", "company": "organisation", "微信": "wechat", "Phone": "phone"}


def stored(person: dict, field: str) -> object:
    """The value crm keeps in `field` for `person` (None: none)."""
    if field in ("kind", "gender", "preferred_channel"):
        value = person.get(field, "person" if field == "kind" else None)
        return STORED.get(value, value)
    if field == "cadence_max_days":
        return person.get("cadence_max")
    if field == "birthday_lunar":
        return person.get("lunar")
    if field == "updated_at":  # a change of stage or tags, or archiving, is an update
        changed = any(k in person for k in ("stage", "tags", "archived"))
        return NOW if changed else person["at"]
    if field == "archived_at":
        return NOW if person.get("archived") else None
    return value_of(person, field)


@cases
def other_text_cases() -> list[tuple[str, object]]:
    """Each text column of a customer with a value, one without (only `!=` keeps it), case
    and `%` / `_` as plain characters (`~ met at 100% fair` is not BOB's "Met at 100 fair",
    `~ a_1` not AX1); kind, gender and channel read a typed word as `crm add` does for `=` and
    `!=`, and compare the word crm keeps otherwise."""
    values = {"title": "buyer", "region": "pudong", "address": "1 nanjing rd", "country": "gb",
              "industry": "TEA", "company_size": "11-50", "notes": "met at 100% fair",
              "external_id": "a_1", "preferred_time": "mornings", "birthday_lunar": "1990-08-15"}  # fmt: skip
    cases = [c for field, value in values.items() for c in matrix(field, [value], "text")]
    typed = {"kind": ["company", "机构", "person"], "gender": ["f", "male", "OTHER"],
             "preferred_channel": ["微信", "phone"]}  # fmt: skip
    for field, words in typed.items():
        for word in words:
            key = {"f": "female", "OTHER": "other", "机构": "organisation"}.get(word, word)
            key = STORED.get(key, key)
            for op in ("=", "!="):
                cases.append(
                    (f"{field} {op} {word}",
                     lambda p, f=field, op=op, k=key: holds(stored(p, f), op, k, "text"))
                )  # fmt: skip
        kept = words[-1].casefold()  # a word as crm keeps it: the boundary of <= and >
        for op, part in (("~", "a"), ("<", "p"), ("<=", kept), (">", kept), (">=", "o")):
            cases.append(
                (f"{field} {op} {part}",
                 lambda p, f=field, op=op, x=part: holds(stored(p, f), op, x, "text"))
            )  # fmt: skip
    return cases


def test_every_other_text_column(people):
    check(other_text_cases())
    for field in ("kind", "gender"):  # a fixed set refuses any other word
        assert refused(f"{field} = robot").startswith(f"crm: {field} must be one of")


@cases
def other_number_cases() -> list[tuple[str, object]]:
    """`referred_by` and `cadence_max_days` are numbers (carl was referred by 1)."""
    return matrix("referred_by", ["1", "2"], "number") + matrix(
        "cadence_max_days", ["60", "59"], "number"
    )


@cases
def moment_cases() -> list[tuple[str, object]]:
    """`updated_at` and `archived_at` compared by day (a change of stage or tags today
    updated a customer today; the archived are archived today; carl was never changed),
    `~` as written."""
    cases = []
    for field, part in (("updated_at", "2026-11-2"), ("archived_at", "T10:00")):
        cases += [c for c in matrix(field, ["today", "2026-01-11"], "date") if " ~ " not in c[0]]
        cases.append(
            (f"{field} ~ {part}", lambda p, f=field, x=part: holds(stored(p, f), "~", x, "date"))
        )
    return cases


def test_every_other_number_and_date_column(people):
    """The dates also among the archived, with `--archived`."""
    check(other_number_cases())
    wrong = []
    for where, test in moment_cases():
        for archived in (False, True):
            flags = ["--archived"] if archived else []
            got, want = listed("--where", where, *flags), expected(test, archived)
            if got != want:
                wrong.append(f"{where!r} {flags}: crm {got}, model {want}")
    assert not wrong, "\n".join(wrong)


# --- derived classes and purchase facts (docs/classification.md) ------------------------

WINDOW = "2025-11-23"  # the 12 months up to 2026-11-22: today minus 12 calendar months, exclusive


def days_between(earlier: str, later: str) -> int:
    return (date.fromisoformat(later) - date.fromisoformat(earlier)).days


def facts(person: dict, archived: bool = False) -> dict:
    """The derived record of a customer, as docs/classification.md defines each fact."""
    buys = [(at[:10], amount) for at, amount in person.get("buys", [])]
    days = sorted({day for day, amount in buys if amount >= 0})  # a refund is no purchase
    recent = [day for day in days if day >= WINDOW]
    revenue = sum(amount for day, amount in buys if day >= WINDOW)
    return {
        "purchase_days": len(days),
        "purchase_days_12m": len(recent),
        "revenue_12m": Decimal(revenue),
        "first_purchase_on": days[0] if days else None,
        "last_purchase_on": days[-1] if days else None,
        "days_since_purchase": days_between(days[-1], TODAY.isoformat()) if days else None,
        "frequency_tier": tier(len(recent), 12, 4),
        "value_tier": tier(revenue, 50000, 5000),
        "lifecycle": lifecycle(days),
        "abc": abc(person, archived),
    }


def tier(amount: int, high: int, medium: int) -> str:
    return "high" if amount >= high else "medium" if amount >= medium else "low"


def usual_gap(days: list[str]) -> float:
    gaps = [days_between(a, b) for a, b in itertools.pairwise(days)]
    return statistics.median(gaps) if len(gaps) >= 2 else 90


def lifecycle(days: list[str]) -> str:
    if not days:
        return "none"
    today = TODAY.isoformat()
    if days_between(days[0], today) <= 30:
        return "new"
    silent = days_between(days[-1], today)
    if silent > 3 * usual_gap(days):
        return "lapsed"
    if silent > 1.5 * usual_gap(days):
        return "at_risk"
    if len(days) >= 2 and days_between(days[-2], days[-1]) > 3 * usual_gap(days[:-1]):
        return "reactivated"
    return "active"


def abc(person: dict, archived: bool) -> str:
    """A while the revenue of those ranked above is under 80 % of the positive total, B
    under 95 %, else C; zero or less (never bought too) is C. Among the same population."""
    revenue = {
        p["id"]: sum(a for at, a in p.get("buys", []) if at[:10] >= WINDOW)
        for _, p in live(archived)
    }
    mine = revenue[person["id"]]
    if mine <= 0:
        return "C"
    total = sum(r for r in revenue.values() if r > 0)
    above = sum(r for r in revenue.values() if r > mine)
    return "A" if above < 0.80 * total else "B" if above < 0.95 * total else "C"


def squeezed(text: str) -> str:
    """A class as typed: case, spaces, `-` and `_` ignored (docs/classification.md)."""
    return "".join(text.split()).replace("-", "").replace("_", "").casefold()


def derived_cases(
    field: str, values: list[str], kind: str, archived: bool = False, parts: tuple = ()
) -> list[tuple[str, object]]:
    """`FIELD OP VALUE` for every operator the field takes and every value (a class: also
    `FIELD ~ PART` for each of `parts`), with the model's test of each."""
    cases = []
    for op in TAKES[field][0]:
        for value in [*values, *(parts if op == "~" else ())]:
            test = derived_test(field, op, value, kind)
            cases.append((f"{field} {op} {value}", lambda p, t=test: t(facts(p, archived))))
    return cases


def derived_test(field: str, op: str, value: str, kind: str) -> Callable[[dict], bool]:
    """The model's test of one derived record for `FIELD OP VALUE`."""

    def test(record: dict) -> bool:
        have = record[field]
        if kind == "class":
            if op == "~":
                return squeezed(value) in squeezed(have)
            return (squeezed(have) == squeezed(value)) == (op == "=")
        wanted = {"number": int, "money": money, "date": on_day}[kind](value)
        if have is None:  # never bought: no dates, no days since
            return op == "!="
        return compare(have, op, wanted)

    return test


def money(text: str) -> Decimal:
    return Decimal(text.replace(",", "").removeprefix("¥"))


def on_day(text: str) -> str:
    return {"today": "2026-11-22", "yesterday": "2026-11-21"}.get(text, text.replace("/", "-"))


@cases
def derived_field_cases() -> list[tuple[str, object]]:
    """The classes with = != ~ (a value typed as crm writes it or not); the numbers, the
    amount and the dates with the six comparisons: a customer who never bought (carl) or
    bought nothing but a refund (the second Émile) has no dates and no days since, so only
    `!=` keeps them; a zero-amount sale today is a purchase; 2025-11-22 is a day outside
    the 12 months and 2025-11-23 inside (BOB's last purchase, a refund after it being none)."""
    cases = derived_cases("lifecycle", ["at risk", "AT-RISK", "lapsed", "new", "none",
                                        "Reactivated", "active"], "class", parts=("t_r", "E"))  # fmt: skip
    cases += derived_cases("abc", ["a", "B", "c"], "class")
    cases += derived_cases("frequency_tier", ["medium", "LOW"], "class", parts=("i",))
    cases += derived_cases("value_tier", ["high", "Medium"], "class", parts=("w", "-"))
    cases += derived_cases("purchase_days", ["0", "2", "4"], "number")
    cases += derived_cases("purchase_days_12m", ["1", "3"], "number")
    cases += derived_cases("days_since_purchase", ["0", "2", "113"], "number")
    cases += derived_cases("revenue_12m", ["300", "10,000", "0", "-50", "¥63000"], "money")
    cases += derived_cases("first_purchase_on", ["2025-11-22", "2026-10-23"], "date")
    return cases + derived_cases("last_purchase_on", ["2026-08-01", "today", "2025/11/23"], "date")


@cases
def archived_class_cases() -> list[tuple[str, object]]:
    """Classes ranked among the archived alone (run with `--archived`)."""
    archived = derived_cases("lifecycle", ["at_risk", "none"], "class", archived=True)
    return archived + derived_cases("abc", ["A", "c"], "class", archived=True)


def test_derived_fields_every_operator(people):
    check(derived_field_cases())
    for where, test in archived_class_cases():
        assert listed("--where", where, "--archived") == expected(test, archived=True), where


def test_derived_fields_refuse_what_they_cannot_compare(people):
    assert refused("lifecycle = sleepy").startswith("crm: ")
    assert refused("purchase_days > many") == (
        "crm: purchase_days is a number; compare it with digits\n"
    )
    assert refused("revenue_12m >= 300 USD").startswith("crm: ")
    assert refused("first_purchase_on < someday").startswith("crm: ")


# --- the last contact ---------------------------------------------------------------------


def last_contact(person: dict) -> str | None:
    """The local day of the latest call, email, meeting, visit or message, or purchase line
    (a refund too); a note never counts (docs/reminders.md, contact.counts by default)."""
    moments = [at for kind, at in person.get("logs", []) if kind != "note"]
    moments += [at for at, _ in person.get("buys", [])]
    return max(moments)[:10] if moments else None


@cases
def contact_cases() -> list[tuple[str, object]]:
    """`last_contact_on` by local day (a call at 23:59 is that day, one at 00:00 yesterday,
    a refund is a contact), `days_since_contact` whole days to today; a customer never
    contacted (carl: only a note) passes only `!=`."""
    cases = []
    for op in TAKES["last_contact_on"][0]:
        for value in ("2026-11-15", "yesterday", "2026-11-01", "2026/11/22"):
            day = on_day(value)
            cases.append(
                (f"last_contact_on {op} {value}",
                 lambda p, op=op, d=day: holds(last_contact(p), op, d, "date"))
            )  # fmt: skip
        for value in ("0", "1", "7", "21"):
            cases.append(
                (f"days_since_contact {op} {value}",
                 lambda p, op=op, n=int(value): holds(
                     None if last_contact(p) is None
                     else days_between(last_contact(p), TODAY.isoformat()), op, str(n), "number"))
            )  # fmt: skip
    return cases


def test_contact_fields_every_operator(people):
    check(contact_cases())
    assert refused("days_since_contact > 1.5") == (
        "crm: days_since_contact is a whole number of days (got '1.5')\n"
    )


# --- every field with every operator ------------------------------------------------------


def refusals() -> list[tuple[str, str]]:
    """(where, the line crm refuses it with) for every field and each operator it does not take,
    with a value the field takes otherwise."""
    return [
        (f"{field} {op} {SOME.get(field, '1')}", line.format(field))
        for field, (ops, line) in TAKES.items()
        for op in OPERATORS
        if op not in ops
    ]


def test_every_operator_a_field_does_not_take_is_refused(people):
    wrong = [(where, got) for where, line in refusals() if (got := refused(where)) != line]
    assert not wrong, wrong


def test_the_matrix_tries_every_field_with_every_operator():
    """Every field `--where` takes (crm's list) with every operator (crm's list) is tried:
    by a case above against the model when the field takes the operator, by a refusal when
    not. A new field or operator fails here until a case tries it."""
    from crmcli.core.where import OPERATORS as CRM_OPERATORS
    from crmcli.records.filters import WHERE_FIELDS

    assert set(CRM_OPERATORS) == set(OPERATORS)
    assert sorted(TAKES) == sorted(WHERE_FIELDS)
    tried = {tuple(where.split(" ", 2)[:2]) for generator in CASES for where, _ in generator()}
    taken = {(field, op) for field, (ops, _) in TAKES.items() for op in ops}
    assert sorted(taken - tried) == []  # taken, never tried
    assert sorted(tried - taken - {(USER_FIELD, op) for op in OPERATORS}) == []
    refused_pairs = {tuple(where.split(" ", 2)[:2]) for where, _ in refusals()}
    assert not refused_pairs & tried
    assert refused_pairs | taken == {(f, op) for f in WHERE_FIELDS for op in OPERATORS}


def test_repeated_where_and_class_options(people):
    """Every `--where` must hold, a plain field beside a derived one too; a repeated class
    option (`--lifecycle`, `--abc`, `--frequency-tier`, `--value-tier`) means any of them."""

    def selected(test: Callable[[dict], bool]) -> list[int]:
        return expected(lambda p: test({**p, **facts(p)}))

    def vip(p: dict) -> bool:
        return "vip" in map(fold, p.get("tags", []))

    assert listed("--where", "city = shanghai", "--where", "tag = vip") == selected(
        lambda p: fold(p.get("city", "")) == "shanghai" and vip(p)
    )
    assert listed("--where", "abc != C", "--where", "phone ~ 212") == selected(
        lambda p: p["abc"] != "C" and any("212" in s for _, s in p.get("phones", []))
    )
    assert listed("--where", "revenue_12m > 0", "--where", "revenue_12m < 10000") == selected(
        lambda p: 0 < p["revenue_12m"] < 10000
    )
    assert listed("--lifecycle", "at risk", "--lifecycle", "NEW") == selected(
        lambda p: p["lifecycle"] in ("at_risk", "new")
    )
    assert listed("--abc", "a", "--abc", "b", "--value-tier", "high") == selected(
        lambda p: p["abc"] in ("A", "B") and p["value_tier"] == "high"
    )
    assert listed("--frequency-tier", "low", "--frequency-tier", "medium", "--abc", "C") == (
        selected(lambda p: p["abc"] == "C")
    )
    assert listed("--lifecycle", "at_risk", "--archived") == [7]
