"""Property tests: no input, however malformed, gives a traceback or a half-done write.

Each property drives the parser or service that reads the input (customers.prepare, refs,
the filter compiler) inside one transaction as `crm` runs it; a few CLI examples check the
wiring: the exit code, one `crm:` line on stderr, the file unchanged.
"""

import json
import sqlite3
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
from tests.conftest import add, dump, fails, ok

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
    assert json.loads(ok("show", "ZW@example.com", "-f", "json"))[0]["id"] == 1
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


plain_text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=60
).filter(lambda s: s.strip())


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
        (" Ünïcode 公司 ‮ Ltd ", '«quoted» "notes"\twith a tab, 🍵 and  spaces '),
        ("\u00a0'; DROP TABLE customers; --", "\u3000全角空格\u3000"),
    ],
)
def test_text_fields_round_trip_through_the_cli(db_path, company, notes):
    new = add("Round Trip", "--company", company, "--notes", notes)
    card = json.loads(ok("show", str(new), "-f", "json"))[0]
    assert (card["company"], card["notes"]) == (company.strip(), notes.strip())
