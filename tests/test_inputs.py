"""Property tests: no input, however malformed, gives a traceback or a half-done write.

Each property drives the parser or service that reads the input (customers.prepare, refs,
the filter compiler) inside one transaction as `crm` runs it; a few CLI examples check the
wiring: the exit code, one `crm:` line on stderr, the file unchanged.
"""

import json
import os
import sqlite3
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.cli.customers import FIELD_OPTIONS, LIST_OPTIONS
from crmcli.core import clock
from crmcli.core.errors import CrmError
from crmcli.records import customers, filters, refs
from crmcli.store.db import connect, transaction
from crmcli.store.search import sync
from tests.conftest import add, crm, dump, fails, ok

PROFILE = settings(max_examples=200, deadline=None, derandomize=True)
# argv cannot carry NUL bytes; everything else is fair game.
argv_text = st.text(st.characters(blacklist_characters="\x00"), max_size=40)
# --flag -> (CustomerInput attribute, whether it is a list), as `crm add` reads them.
FIELD_FLAGS = {flag: (name, False) for name, flag, _ in FIELD_OPTIONS}
FIELD_FLAGS |= {flag: (name, True) for name, flag, _ in LIST_OPTIONS}


class _Undo(Exception):
    """Raised to roll back a write that succeeded, so every example starts from the same file."""


@contextmanager
def command(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """What a write command does around its service calls: one transaction, the search index
    synced before COMMIT; here always rolled back at the end."""
    try:
        with transaction(conn, command="add"):
            yield conn
            sync(conn)
            raise _Undo
    except _Undo:
        pass


@pytest.fixture
def writer(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A write connection to the test's database, as a write command opens it."""
    conn = connect(db_path, write=True)
    yield conn
    conn.close()


def refused_cleanly(exc: CrmError, codes: tuple[int, ...]) -> None:
    assert exc.exit_code in codes, exc
    assert str(exc).strip(), exc


def test_every_customer_field_flag_is_fuzzed():
    assert len(FIELD_FLAGS) == 23 and {"--national-id", "--phone", "--related"} <= set(FIELD_FLAGS)


def test_any_field_value_is_stored_or_rejected_cleanly(db_path, writer):
    add("Seed", "--external-id", "seed")
    before = dump(db_path)
    seen = set()

    @PROFILE
    @given(flag=st.sampled_from(sorted(FIELD_FLAGS)), value=argv_text)
    def stored_or_rejected(flag: str, value: str) -> None:
        name, many = FIELD_FLAGS[flag]
        raw = customers.CustomerInput(values={"name": "Someone"})
        if many:
            getattr(raw, name).append(value)
        else:
            raw.values[name] = value
        try:
            with command(writer) as conn:
                resolve = lambda ref: refs.resolve(conn, ref)  # noqa: E731
                changes = customers.prepare(
                    conn, raw, region=None, today=clock.today(), resolve=resolve
                )
                new = customers.add_customer(conn, changes)
                assert customers.get_customer(conn, new)["name"] == "Someone"
                seen.add("stored")
        except CrmError as exc:
            refused_cleanly(exc, (2, 3))
            seen.add(exc.exit_code)
        assert not writer.in_transaction

    stored_or_rejected()
    assert seen == {"stored", 2, 3}
    assert dump(db_path) == before  # every example rolled back: nothing was half-written


@pytest.mark.parametrize(
    ("flag", "value", "code", "message"),
    [
        ("--email", "not an email", 2, "crm: "),
        ("--birthday", "2999-01-01", 2, "crm: birthday 2999-01-01 is in the future\n"),
        ("--referred-by", "Nobody", 3, "crm: no customer matches 'Nobody'\n"),
        ("--field", "a\nb", 2, "crm: "),
    ],
)
def test_a_bad_field_value_exits_with_one_line_and_writes_nothing(
    db_path, flag, value, code, message
):
    add("Seed")
    err = fails(code, "add", "Someone", flag, value, input="", db=db_path)
    assert err.startswith(message) and err.count("\n") == 1, err


def test_a_good_field_value_is_stored(db_path):
    assert add("Someone", "--preferred-time", "weekday mornings") == 1


def test_any_reference_resolves_or_fails_cleanly(db_path):
    add("Zhang Wei", "--email", "zw@example.com", "--phone", "+8613800138000")
    add("Zhang Li")
    conn = connect(db_path, write=False)

    @PROFILE
    @given(ref=argv_text)
    def resolves_or_fails(ref: str) -> None:
        try:
            found = refs.resolve(conn, ref)
        except CrmError as exc:
            refused_cleanly(exc, (2, 3))
        else:
            assert customers.get_customer(conn, found)["name"] in ("Zhang Wei", "Zhang Li")

    try:
        resolves_or_fails()
    finally:
        conn.close()


def test_a_reference_through_the_cli(db_path):
    add("Zhang Wei", "--email", "zw@example.com")
    add("Zhang Li")
    assert json.loads(ok("show", "ZW@example.com", "-f", "json"))["id"] == 1
    assert fails(2, "show", "zhang", db=db_path).startswith("crm: 'zhang' matches 2 customers")
    assert fails(3, "show", "#9", db=db_path) == "crm: no customer with id 9\n"
    assert fails(2, "show", " ", db=db_path) == "crm: empty customer reference\n"


def test_any_where_and_sort_are_answered_or_rejected(db_path):
    add("Anna", "--field", "tier=gold")
    before = dump(db_path)
    conn = connect(db_path, write=False)

    @PROFILE
    @given(expression=argv_text, sort=argv_text)
    def answered_or_rejected(expression: str, sort: str) -> None:
        selection = filters.CustomerFilter(where=[expression])
        try:
            query = filters.build(conn, selection, today=clock.today())
            order = filters.order_by(sort)
            listed = list(customers.list_customers(conn, query.sql(), query.params, order=order))
        except CrmError as exc:
            refused_cleanly(exc, (2,))
        else:
            assert [r["name"] for r in listed] in ([], ["Anna"])

    try:
        answered_or_rejected()
    finally:
        conn.close()
    assert dump(db_path) == before


def test_where_and_sort_through_the_cli(db_path):
    add("Anna", "--field", "tier=gold")
    assert ok("list", "--where", "tier = gold", "--sort", "-name", "-q") == "1\n"
    assert ok("list", "--where", "tier ~ ' '", "-q") == ""
    assert fails(2, "list", "--where", "nonsense", "-q", db=db_path).count("\n") == 1
    assert fails(2, "list", "--sort", "shoe size", "-q", db=db_path).startswith(
        "crm: cannot sort by 'shoe size'"
    )


# The invisible characters that crm refuses in free text (crmcli.core.validate.text).
INVISIBLE = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u2060\ufeff"
plain_text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters=INVISIBLE),
    min_size=1,
    max_size=60,
).filter(lambda s: any(not c.isspace() and unicodedata.category(c) != "Cf" for c in s))


def test_text_fields_round_trip_exactly(writer):
    @PROFILE
    @given(company=plain_text, notes=plain_text)
    def round_trip(company: str, notes: str) -> None:
        raw = customers.CustomerInput(
            values={"name": "Round Trip", "company": company, "notes": notes}
        )
        with command(writer) as conn:
            changes = customers.prepare(conn, raw, region=None, today=clock.today(), resolve=None)
            card = customers.get_customer(conn, customers.add_customer(conn, changes))
            assert card["company"] == company.strip()
            assert card["notes"] == notes.strip()

    round_trip()


@pytest.mark.parametrize(
    ("company", "notes"),
    [
        (" Ünïcode 公司 👩\u200d💻 Ltd ", '«quoted» "notes"\twith a tab, 🍵 and  spaces '),
        ("\u00a0'; DROP TABLE customers; --", "\u3000全角空格\u3000"),
    ],
)
def test_text_fields_round_trip_through_the_cli(db_path, company, notes):
    new = add("Round Trip", "--company", company, "--notes", notes)
    card = json.loads(ok("show", str(new), "-f", "json"))
    assert (card["company"], card["notes"]) == (company.strip(), notes.strip())


# --- Text that hides itself, text that is not text, dates off the calendar -----------------

REORDERS = "crm: name contains the invisible character U+{:04X}, which can hide or reorder text; "


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("\u200b", "crm: name cannot be empty\n"),  # nothing visible: refused as empty
        ("\u200d \u2060", "crm: name cannot be empty\n"),
        ("\u202eEvil", REORDERS.format(0x202E) + "remove it\n"),
        ("Ev\u2067il\u2069", REORDERS.format(0x2067) + "remove it\n"),
        ("Zero\u200bWidth", REORDERS.format(0x200B) + "remove it\n"),
        ("\ufeffAnna", REORDERS.format(0xFEFF) + "remove it\n"),
    ],
)
def test_an_invisible_or_direction_changing_name_is_refused(db_path, name, message):
    add("Seed")
    assert fails(2, "add", name, db=db_path) == message


def _text_by_its_rules(value: str, multiline: bool) -> str | None:
    """validate.text as its docstring states it, character by character: the text, or None
    where it refuses."""
    import re

    clean = value.strip()
    visible = any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in clean)
    control = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]" if multiline else r"[\x00-\x1f\x7f-\x9f\u2028\u2029]"
    hidden = r"[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]"
    too_long = len(clean) > (100_000 if multiline else 500)
    if not visible or re.search(control, clean) or re.search(hidden, clean) or too_long:
        return None
    return clean


# Characters near every rule: spaces of several kinds, controls, format characters (ZWJ
# among them), separators, marks, Chinese and full-width letters.
_NEAR = st.sampled_from(
    " \t\n\r\x0b\x0c\x00\x1f\x7f\x85\x9f\xa0\u3000\u2028\u2029\u200b\u200c\u200d"
    "\u2060\ufeff\u202a\u202e\u2066\u2069\u00ad\u0301aZ9;张伟Ａ"
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    value=st.one_of(st.text(), st.text(_NEAR), st.text(_NEAR, min_size=495, max_size=505)),
    multiline=st.booleans(),
)
def test_a_text_is_taken_or_refused_by_its_rules(value, multiline):
    """validate.text takes a printable text at once: the same texts, and the same refusals,
    as its rules read one by one."""
    from crmcli.core.errors import InvalidInput
    from crmcli.core.validate import text

    try:
        got = text("notes" if multiline else "name", value, multiline=multiline)
    except InvalidInput:
        got = None
    assert got == _text_by_its_rules(value, multiline)


def test_invisible_characters_are_refused_in_every_free_text_field(db_path):
    new = str(add("Anna"))
    for args in (
        ("edit", new, "--company", "Acme\u202e"),
        ("edit", new, "--notes", "line one\nline \u2066two"),
        ("log", "call", new, "called \u202dback"),
        ("tag", "\u200bvip", new),
        ("buy", new, "Tea\u2068", "10"),
        ("task", "add", new, "call \u202aback"),
    ):
        assert "invisible character U+" in fails(2, *args, db=db_path)


@pytest.mark.parametrize("name", ["👨\u200d👩\u200d👧", "क्\u200dष", "می\u200cخواهم", "Zoë Müller"])
def test_joiners_in_emoji_and_indic_or_persian_text_are_kept(db_path, name):
    new = add(name)
    assert json.loads(ok("show", str(new), "-f", "json"))["name"] == name


def crm_process(*args: str | bytes, stdin: bytes = b"", locale: str = "C.UTF-8"):
    """`python -m crmcli ARGS` as a shell runs it: argv and stdin as raw bytes."""
    return subprocess.run(
        [sys.executable, "-m", "crmcli", *args], input=stdin, capture_output=True, timeout=60,
        env={**os.environ, "LC_ALL": locale},
    )  # fmt: skip


def test_an_argument_that_is_not_utf8_is_refused(db_path):
    add("Anna")
    before = dump(db_path)
    result = crm_process("add", b"Bad\xff")
    assert (result.returncode, result.stderr.decode()) == (
        2,
        "crm: argument 2 (Bad\\xff) is not valid UTF-8 text; crm reads text as UTF-8\n",
    )
    assert dump(db_path) == before


@pytest.mark.parametrize("locale", ["C.UTF-8", "C"])
@pytest.mark.parametrize(
    "args", [("add", "Bob", "--notes", "-"), ("log", "note", "1", "-"), ("tag", "vip", "-")]
)
def test_standard_input_that_is_not_utf8_is_refused(db_path, args, locale):
    add("Anna")
    before = dump(db_path)
    result = crm_process(*args, stdin=b"1\nn\xffx\n", locale=locale)
    assert (result.returncode, result.stderr.decode()) == (
        2,
        "crm: the input is not valid UTF-8 text (invalid start byte at byte 4)\n",
    )
    assert dump(db_path) == before


@pytest.mark.parametrize(
    "day", ["0001-01-01", "0001-01-01T00:00", "0999-12-31", "3000-01-01", "+9999y", "-9999y"]
)
def test_a_date_outside_the_years_1000_to_2999_is_refused(db_path, day):
    new = add("Anna")
    assert fails(2, "buy", str(new), "Tea", "10", f"--at={day}", db=db_path) == (
        f"crm: date {day!r} is outside the years 1000 to 2999\n"
    )


def test_the_first_and_last_dates_are_taken(db_path):
    new = str(add("Anna"))
    ok("buy", new, "Tea", "10", "--at", "1000-01-01")
    ok("task", "add", new, "far ahead", "--due", "2999-12-31")


# Any text at all, and text with one character of the kinds that broke crm before: a lone
# surrogate (a shell passes bytes that are not UTF-8 to Python as \udc80-\udcff), an
# invisible or direction-changing character, a joiner, a control character.
TRICKY = [chr(c) for c in range(0xDC80, 0xDD00, 7)] + list(INVISIBLE + "\u200d\u200c\n\t\x7f")
plain = st.text(st.characters(blacklist_characters="\x00"), max_size=20)
any_text = st.one_of(
    plain, st.builds(lambda a, c, b: a + c + b, plain, st.sampled_from(TRICKY), plain)
)
any_date = st.one_of(
    st.dates().map(lambda d: d.isoformat()),  # years 1 to 9999
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["+9999y", "-9999y", "9999d", "today"]),
    any_text,
)


def fingerprint(path: Path) -> tuple:
    """What a write would change here, cheaper than a dump: the rows of the tables these
    commands write and the last changeset of the history."""
    tables = ("customers", "interactions", "purchases", "tags", "customer_tags", "changesets")
    conn = sqlite3.connect(path)
    try:
        counts = [
            conn.execute(f"SELECT count(*), total(rowid) FROM {t}").fetchone() for t in tables
        ]
        return (*counts, conn.execute("SELECT total(length(city)) FROM customers").fetchone())
    finally:
        conn.close()


def test_any_text_to_a_write_command_is_taken_or_refused_with_nothing_changed(db_path):
    """Exit 0 (and a change) or exit 2 (and no change): never an internal error."""
    add("Anna")
    seen = set()

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(
        command=st.sampled_from(["add", "log", "buy", "buy-at", "tag", "edit"]),
        value=any_text,
        other=any_text,
        day=any_date,
    )
    def taken_or_refused(command: str, value: str, other: str, day: str) -> None:
        args = {
            "add": ("add", value, "--company", other),
            "log": ("log", "call", "1", value),
            "buy": ("buy", "1", value, other),
            "buy-at": ("buy", "1", "Tea", "10", f"--at={day}"),
            "tag": ("tag", value, "1"),
            "edit": ("edit", "1", f"--city={value}", f"--related=friend={other}"),
        }[command]
        before = fingerprint(db_path)
        result = crm(*args)
        assert result.exit_code in (0, 2), (args, result)
        if result.exit_code == 2:
            assert result.stderr.startswith("crm: ") and fingerprint(db_path) == before, args
        seen.add(result.exit_code)

    taken_or_refused()
    assert seen == {0, 2}


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("add", "张三", "--city", "-q"), "--city"),
        (("add", "张三", "--company", "--no-pager"), "--company"),
        (("add", "张三", "--source", "--db"), "--source"),
        (("add", "张三", "--city", "--help"), "--city"),
        (("add", "张三", "--city", "--lang", "zh"), "--city"),
        (("log", "Anna", "call", "hi", "--channel", "--lang"), "--channel"),
        (("task", "add", "Anna", "call", "--due", "-q"), "--due"),
        (("--db", "--lang", "list"), "--db"),
    ],
)
def test_an_option_name_given_as_a_value_is_a_missing_value(db_path, args, option):
    """A script whose unquoted variable is empty (`crm add 张三 --city $CITY -q`) puts the
    next option where the value was: refused, not stored as the city."""
    ok("add", "Anna")
    said = fails(2, *args, db=db_path)
    assert said == f"crm: Option '{option}' requires an argument.\n", said
    said = fails(2, "--lang", "zh", *args, db=db_path)
    assert said == f"crm: 选项“{option}”需要一个值\n", said


def test_an_option_like_value_written_as_one_word_or_after_a_double_dash_is_kept(db_path):
    assert ok("add", "张三", "--city=-q", "-q") == "1\n"
    assert json.loads(ok("show", "1", "--format", "json"))["city"] == "-q"
    assert ok("add", "--city", "x", "-q", "--", "-q") == "2\n"  # a customer named -q
    assert json.loads(ok("show", "2", "--format", "json"))["name"] == "-q"
