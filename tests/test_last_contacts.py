"""crmcli.store.last_contacts: each customer's stored last contact follows every write path
(logging, edits, moves, deletes, merges, undo, forget, imports, the `contact.counts`
setting), equals a computation over the rows in Python, and old files get it on upgrade."""

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.records import contact
from crmcli.store import last_contacts
from crmcli.store.db import connect
from tests.conftest import add, crm, examples, fails, ok, rows
from tests.test_migrations import seed_version

EVERY = ("call", "email", "meeting", "visit", "message", "purchase", "feedback", "survey")
MOMENTS = {
    "interactions": ("kind", "occurred_at"),
    "purchases": ("'purchase'", "purchased_at"),
    "feedback": ("'feedback'", "received_at"),
    "surveys": ("'survey'", "answered_at"),
}


def instant(text: str) -> datetime:
    """A stored moment as an instant; one without an offset is UTC, as SQLite reads it."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def reading(path: Path) -> sqlite3.Connection:
    """A plain connection to the file, for the queries of one check (closed by the caller:
    a connection opened per query cost most of the property test's time)."""
    return sqlite3.connect(path)


def expected(path: Path) -> list[tuple[int, str]]:
    """Each customer's last contact, UTC `YYYY-MM-DD HH:MM:SS`, from every row in Python."""
    conn = reading(path)
    try:
        setting = conn.execute("SELECT value FROM settings WHERE key = 'contact.counts'")
        setting = setting.fetchall()
        counted = setting[0][0].split(",") if setting else EVERY
        last: dict[int, datetime] = {}
        for table, (word, at) in MOMENTS.items():
            for customer_id, what, moment in conn.execute(
                f"SELECT customer_id, {word}, {at} FROM {table}"
            ):
                if what in counted:
                    when = instant(moment)
                    last[customer_id] = max(last.get(customer_id, when), when)
    finally:
        conn.close()
    return [(c, t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")) for c, t in sorted(last.items())]


def stored(path: Path) -> list[tuple[int, str]]:
    """The stored last contacts, after checking that nothing is left queued."""
    conn = reading(path)
    try:
        assert conn.execute("SELECT count(*) FROM last_contacts_dirty").fetchall() == [(0,)]
        assert conn.execute("SELECT count(*) FROM purchase_summaries_dirty").fetchall() == [(0,)]
        return conn.execute(
            "SELECT customer_id, datetime(at) FROM last_contacts ORDER BY customer_id"
        ).fetchall()
    finally:
        conn.close()


def test_every_kind_of_write_keeps_the_last_contact(db_path, tmp_path):
    add("Anna")
    add("Bob")
    assert stored(db_path) == [] == expected(db_path)
    ok("log", "call", "Anna", "rang", "--at", "2026-11-01T10:00:00+08:00")
    ok("log", "note", "Bob", "a note is no contact", "--at", "2026-11-20T10:00:00+08:00")
    assert stored(db_path) == [(1, "2026-11-01 02:00:00")]
    ok("buy", "Bob", "Tea", "100", "--at", "2026-10-01")
    ok("feedback", "add", "Anna", "slow", "--at", "2026-11-05T09:00:00+08:00")
    ok("survey", "add", "Bob", "--nps", "9", "--at", "2026-11-06T09:00:00-05:00")
    assert stored(db_path) == expected(db_path)
    assert [c for c, _at in stored(db_path)] == [1, 2]
    steps = [
        ("interaction", "edit", "1", "--at", "2026-11-10T08:00:00+08:00"),  # later
        ("interaction", "edit", "1", "--customer", "Bob"),  # moved: Anna keeps her feedback
        ("interaction", "edit", "1", "--kind", "note"),  # no longer contact
        ("interaction", "delete", "2", "--yes"),
        ("purchase", "edit", "1", "--at", "2026-11-21"),
        ("feedback", "delete", "1", "--yes"),  # Anna has nothing left
        ("survey", "delete", "1", "--yes"),
        ("undo", "--yes"),  # the survey is back
        ("config", "set", "contact.counts", "call,survey"),  # Bob's purchase no longer counts
        ("config", "set", "contact.counts", "call,survey"),  # the same again
        ("config", "unset", "contact.counts"),
        ("merge", "Bob", "Anna", "--yes"),
        ("undo", "--yes"),
    ]
    for step in steps:
        ok(*step)
        assert stored(db_path) == expected(db_path), step
    assert stored(db_path) == [(2, "2026-11-20 16:00:00")]  # a day bought: local midnight
    file = tmp_path / "i.csv"
    file.write_text("customer,kind,text,date\nAnna,visit,dropped by,2026-11-22T09:00:00+08:00\n")
    ok("import", "interactions", str(file))
    file = tmp_path / "p.csv"
    file.write_text("customer,item,amount,currency,date\n2,Tea,70,CNY,2026-11-22\n")
    ok("import", "purchases", str(file))
    assert (
        stored(db_path)
        == expected(db_path)
        == [
            (1, "2026-11-22 01:00:00"),
            (2, "2026-11-21 16:00:00"),
        ]
    )
    ok("forget", "Anna", "--yes")
    assert stored(db_path) == expected(db_path) == [(2, "2026-11-21 16:00:00")]


def test_a_refused_write_changes_no_last_contact(db_path):
    add("Anna")
    ok("log", "call", "Anna", "rang", "--at", "2026-11-01T10:00:00+08:00")
    fails(3, "interaction", "edit", "9", "--at", "2026-11-02", db=db_path)
    fails(2, "log", "call", "Anna", "rang", "--at", "not a day", db=db_path)
    assert stored(db_path) == expected(db_path) == [(1, "2026-11-01 02:00:00")]


# Writes a property test draws: (command words, a customer, a day of November 2026).
_WRITES = st.sampled_from(
    [
        ("log", "call", "{who}", "x", "--at", "2026-11-{day}T10:00:00+08:00"),
        ("log", "note", "{who}", "x", "--at", "2026-11-{day}T10:00:00+08:00"),
        ("log", "email", "{who}", "x", "--at", "2026-11-{day}T23:30:00-08:00"),
        ("buy", "{who}", "Tea", "10", "--at", "2026-11-{day}"),
        ("buy", "{who}", "Tea", "-5", "--at", "2026-11-{day}", "--force"),
        ("feedback", "add", "{who}", "x", "--at", "2026-11-{day}T08:00:00+08:00"),
        ("survey", "add", "{who}", "--csat", "4", "--at", "2026-11-{day}T08:00:00+08:00"),
        ("interaction", "edit", "{n}", "--at", "2026-11-{day}T12:00:00+08:00"),
        ("interaction", "edit", "{n}", "--customer", "{who}"),
        ("interaction", "edit", "{n}", "--kind", "note"),
        ("interaction", "delete", "{n}", "--yes"),
        ("purchase", "edit", "{n}", "--at", "2026-11-{day}"),
        ("purchase", "delete", "{n}", "--yes"),
        ("feedback", "delete", "{n}", "--yes"),
        ("survey", "delete", "{n}", "--yes"),
        ("undo", "--yes"),
        ("merge", "{who}", "{other}", "--yes"),
        ("config", "set", "contact.counts", "email,purchase"),
        ("config", "set", "contact.counts", "call,feedback,survey"),
        ("config", "unset", "contact.counts"),
        ("add", "{who}"),
    ]
)


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.tuples(_WRITES, st.sampled_from(["P1", "P2", "P3"]), st.integers(1, 6),
                  st.integers(1, 28)),
        min_size=1, max_size=8,
    )
)  # fmt: skip
def test_any_writes_keep_the_stored_last_contact_equal_to_the_rows(db_path, writes):
    """Whatever succeeds or is refused, in any order (the database grows across examples),
    the stored last contacts equal the ones computed from the rows."""
    for name in ("P1", "P2", "P3"):
        if not db_path.exists() or not rows(
            db_path, "SELECT 1 FROM customers WHERE name = ?", name
        ):
            add(name)
    for words, who, n, day in writes:
        other = {"P1": "P2", "P2": "P3", "P3": "P1"}[who]
        args = [w.format(who=who, other=other, n=n, day=f"{day:02d}") for w in words]
        crm(*args)  # a refused write (an id gone, an ambiguous name) is checked too
        assert stored(db_path) == expected(db_path), args


def test_readers_do_not_trust_a_queue_another_program_left(db_path):
    """Another program wrote (the triggers queued the customer, nothing synced): the last
    contact is computed from the rows, not read from the stale table."""
    add("Anna")
    ok("log", "call", "Anna", "rang", "--at", "2026-11-01T10:00:00+08:00")
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO interactions (customer_id, kind, occurred_at, text, created_at, "
        "updated_at) VALUES (1, 'visit', '2026-11-03T10:00:00+08:00', 'x', '2026', '2026')"
    )
    conn.commit()
    assert not last_contacts.is_current(conn)
    assert contact.last_contact(conn, 1) == datetime.fromisoformat("2026-11-03T10:00:00+08:00")
    status = ok("show", "Anna", "-f", "json")
    assert '"last_contact_at": "2026-11-03T10:00:00+08:00"' in status
    conn.close()
    ok("log", "call", "Anna", "again", "--at", "2026-11-02T10:00:00+08:00")  # a crm write
    assert stored(db_path) == [(1, "2026-11-03 02:00:00")]


def test_an_old_file_gets_every_last_contact_on_upgrade(db_path):
    seed_version(db_path, 25)
    conn = sqlite3.connect(db_path)
    conn.executemany(
        "INSERT INTO interactions (customer_id, kind, occurred_at, text, created_at, "
        "updated_at) VALUES (1, ?, ?, 'x', '2025', '2025')",
        [("visit", "2025-03-01T09:00:00+08:00"), ("note", "2025-06-01T09:00:00+08:00")],
    )
    conn.execute(
        "INSERT INTO settings (key, value) VALUES ('contact.counts', 'call,visit,purchase')"
    )
    conn.commit()
    conn.close()
    connect(db_path, write=False).close()
    assert stored(db_path) == expected(db_path) == [(1, "2025-03-01 01:00:00")]


def test_crm_check_compares_the_stored_last_contacts_with_the_records(db_path):
    add("张伟")
    ok("log", "call", "张伟", "hi")
    ok("add", "Anna")

    def checked() -> dict:
        result = crm("check", "--format", "json")
        return result.exit_code, next(
            r for r in json.loads(result.stdout) if r["check"] == "last contacts"
        )

    assert checked() == (
        0,
        {"check": "last contacts", "status": "ok", "detail": "matches the records"},
    )
    conn = sqlite3.connect(db_path)  # another program changes what crm keeps
    conn.execute("UPDATE last_contacts SET at = at - 1")
    conn.execute(
        "INSERT INTO last_contacts (customer_id, at) SELECT id, 2461000.5 FROM customers WHERE name = 'Anna'"
    )
    conn.commit()
    problem = {
        "check": "last contacts",
        "status": "problem",
        "detail": "differs from the records for 2 customers",
    }
    assert checked() == (1, problem)
    assert crm("--lang", "zh", "check").stdout.count("2 位客户的最近联系与记录不一致") == 1
    conn.execute("INSERT INTO last_contacts_dirty (customer_id) VALUES (1)")
    conn.commit()
    conn.close()
    queued = {
        "check": "last contacts",
        "status": "note",
        "detail": "queued: the next change recomputes them",
    }
    assert checked() == (0, queued)
    ok("edit", "张伟", "--city", "上海")  # a write recomputes what is queued, not the rest
    assert checked() == (1, {**problem, "detail": "differs from the records for 1 customer"})


# What another program writes: per table, the columns of a row of `customer_id` dated `at`.
_ROW = {
    "interactions": ("customer_id, kind, occurred_at, text, created_at, updated_at",
                     "?, 'visit', ?, 'x', '2026', '2026'"),
    "feedback": ("customer_id, kind, received_at, text, created_at, updated_at",
                 "?, 'praise', ?, 'x', '2026', '2026'"),
    "surveys": ("customer_id, answered_at, nps, created_at", "?, ?, 9, '2026'"),
    "purchases": ("customer_id, purchased_at, item, amount_minor, currency, created_at, "
                  "updated_at", "?, ?, 'Tea', 100, 'CNY', '2026', '2026'"),
}  # fmt: skip
_LOGGED = {  # crm's own writes of a row of WHO dated DAY in each table
    "interactions": ("log", "call", "{who}", "rang", "--at", "{day}T10:00:00+08:00"),
    "feedback": ("feedback", "add", "{who}", "slow", "--at", "{day}T10:00:00+08:00"),
    "surveys": ("survey", "add", "{who}", "--nps", "7", "--at", "{day}T10:00:00+08:00"),
    "purchases": ("buy", "{who}", "Tea", "100", "--at", "{day}"),
}


def two_owners(path: Path, table: str) -> None:
    """Anna owns row 1 of `table` (her only contact, 20 November), Bob row 2 (1 November)."""
    add("Anna")
    add("Bob")
    for who, day in (("Anna", "2026-11-20"), ("Bob", "2026-11-01")):
        ok(*(w.format(who=who, day=day) for w in _LOGGED[table]))
    assert [c for c, _at in stored(path)] == [1, 2]


def another_program(path: Path, *statements: tuple[str, tuple]) -> None:
    """Run `statements` in one transaction as a program that is not crm would: Python's
    sqlite3 with its defaults (recursive_triggers and foreign_keys off)."""
    conn = sqlite3.connect(path)
    with conn:
        for sql, params in statements:
            conn.execute(sql, params)
    conn.close()


@pytest.mark.parametrize("table", list(_ROW))
@pytest.mark.parametrize(
    "how",
    [
        "INSERT OR REPLACE INTO {table} (id, {columns}) VALUES (1, {values})",
        "REPLACE INTO {table} (id, {columns}) VALUES (1, {values})",
        "UPDATE OR REPLACE {table} SET id = 1 WHERE id = 2",
    ],
)
def test_another_programs_replace_leaves_no_last_contact_wrong(db_path, table, how):
    """A REPLACE deletes Anna's row without a DELETE trigger: the BEFORE triggers queue her,
    so after the next crm write she has no last contact (and no purchase summary)."""
    two_owners(db_path, table)
    columns, values = _ROW[table]
    sql = how.format(table=table, columns=columns, values=values)
    params = (2, "2026-10-05T10:00:00+08:00") if "?" in sql else ()
    another_program(db_path, (sql, params))
    assert rows(db_path, f"SELECT customer_id FROM {table} WHERE id = 1") == [(2,)]
    ok("add", "Carl")  # the next crm write
    assert stored(db_path) == expected(db_path)
    assert [c for c, _at in stored(db_path)] == [2]
    assert rows(db_path, "SELECT DISTINCT customer_id FROM purchase_summaries") == (
        [(2,)] if table == "purchases" else []
    )
    checked = json.loads(crm("check", "-f", "json").stdout)  # (the search index is not
    # told of a row an UPDATE OR REPLACE renumbers: not what this test is about)
    assert {
        r["check"]: r["status"]
        for r in checked
        if r["check"] in ("last contacts", "queue triggers")
    } == {"last contacts": "ok", "queue triggers": "ok"}


@pytest.mark.parametrize("table", list(_ROW))
@pytest.mark.parametrize("policy", ["ABORT", "FAIL", "ROLLBACK", "REPLACE", "IGNORE"])
def test_another_programs_conflict_policy_does_not_fail_on_the_queue(db_path, table, policy):
    """Two rows of one customer in one transaction, under each policy a sync script may
    name: the queue insert of the second cannot conflict, so the script succeeds."""
    two_owners(db_path, table)
    columns, values = _ROW[table]
    sql = f"INSERT OR {policy} INTO {table} ({columns}) VALUES ({values})"
    another_program(
        db_path,
        (sql, (1, "2026-11-21T09:00:00+08:00")),
        (sql, (1, "2026-11-21T10:00:00+08:00")),
        (f"UPDATE OR {policy} {table} SET customer_id = 1 WHERE id = 2", ()),
        (f"DELETE FROM {table} WHERE id = 1", ()),
    )
    assert rows(db_path, f"SELECT count(*) FROM {table}") == [(3,)]
    ok("add", "Carl")
    assert stored(db_path) == expected(db_path)
    assert stored(db_path) == [(1, "2026-11-21 02:00:00")]


@pytest.mark.parametrize("policy", ["ABORT", "FAIL", "ROLLBACK"])
def test_another_programs_setting_change_under_a_policy_queues_everyone(db_path, policy):
    add("Anna")
    ok("log", "call", "Anna", "rang", "--at", "2026-11-01T10:00:00+08:00")
    another_program(
        db_path,
        ("INSERT INTO last_contacts_dirty (customer_id) VALUES (1)", ()),  # one queued already
        (f"INSERT OR {policy} INTO settings (key, value) VALUES ('contact.counts', 'email')", ()),
    )
    ok("add", "Carl")
    assert stored(db_path) == expected(db_path) == []


def test_no_unique_constraint_but_the_id_lets_a_replace_delete_a_counted_row(db_path):
    """The BEFORE triggers queue the owner of the row with the new id: the only row a
    REPLACE can delete while no other UNIQUE constraint exists on these tables."""
    add("Anna")
    for table in _ROW:
        unique = [r[1] for r in rows(db_path, f"PRAGMA index_list({table})") if r[2]]
        assert unique == [], table


def test_crm_check_names_a_missing_queue_trigger_and_reindex_restores_it(db_path):
    add("Anna")
    ok("log", "call", "Anna", "rang", "--at", "2026-11-01T10:00:00+08:00")
    ok("buy", "Anna", "Tea", "100", "--at", "2026-10-01")

    def row(result) -> dict:
        return next(r for r in json.loads(result.stdout) if r["check"] == "queue triggers")

    result = crm("check", "--format", "json")
    assert (result.exit_code, row(result)["status"]) == (0, "ok")
    another_program(  # a tool that rebuilds tables drops their triggers
        db_path,
        ("DROP TRIGGER last_contacts_interaction_insert", ()),
        ("DROP TRIGGER purchase_summaries_insert", ()),
    )
    result = crm("check", "--format", "json")
    assert result.exit_code == 1
    assert row(result) == {
        "check": "queue triggers",
        "status": "problem",
        "detail": "missing: last_contacts_interaction_insert, purchase_summaries_insert; "
        "run 'crm reindex'",
    }
    ok("log", "call", "Anna", "later", "--at", "2026-11-10T10:00:00+08:00")
    ok("buy", "Anna", "Tea", "50", "--at", "2026-11-11")
    assert stored(db_path) != expected(db_path)  # what the missing triggers cost
    ok("reindex")
    result = crm("check", "--format", "json")
    assert (result.exit_code, row(result)["status"]) == (0, "ok")
    assert stored(db_path) == expected(db_path) == [(1, "2026-11-10 16:00:00")]
    assert rows(db_path, "SELECT purchase_days, last_on FROM purchase_summaries") == [
        (2, "2026-11-11")
    ]
    ok("log", "call", "Anna", "again", "--at", "2026-11-12T10:00:00+08:00")  # triggers back
    assert stored(db_path) == expected(db_path) == [(1, "2026-11-12 02:00:00")]


def test_an_old_file_a_replace_left_wrong_is_recomputed_on_upgrade(db_path):
    """Version 26 queued only the new owner of a replaced row: the upgrade queues everyone."""
    seed_version(db_path, 26)
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("INSERT INTO customers (name, name_key, created_at, updated_at) "
                     "VALUES ('Bob', 'bob', '2025', '2025')")  # fmt: skip
        conn.execute("INSERT OR REPLACE INTO interactions (id, customer_id, kind, occurred_at, "
                     "text, created_at, updated_at) SELECT id, 2, kind, occurred_at, text, "
                     "created_at, updated_at FROM interactions WHERE customer_id = 1")  # fmt: skip
    from crmcli.store import last_contacts as kept

    kept.sync(conn)  # as version 26 would have: customer 1 is not queued, keeps a contact
    conn.commit()
    assert 1 in [c for c, _at in rows(db_path, "SELECT customer_id, at FROM last_contacts")]
    conn.close()
    connect(db_path, write=False).close()
    assert stored(db_path) == expected(db_path)
    from crmcli.store import queues

    conn = sqlite3.connect(db_path)
    assert queues.missing_triggers(conn) == []
    conn.close()


def test_a_replace_of_a_row_whose_id_is_minus_one_queues_its_owner(db_path):
    """NEW.id is -1 in a BEFORE INSERT trigger when no id is given: the trigger that queues
    the owner of a replaced row skips that case, unless a row really has the id -1."""
    add("Anna")
    add("Bob")
    columns, values = _ROW["interactions"]
    sql = f"INSERT OR REPLACE INTO interactions (id, {columns}) VALUES (-1, {values})"
    another_program(db_path, (sql, (1, "2026-11-20T10:00:00+08:00")))
    ok("add", "Carl")
    assert [c for c, _at in stored(db_path)] == [1]
    another_program(db_path, (sql, (2, "2026-11-01T10:00:00+08:00")))
    ok("add", "Dan")
    assert stored(db_path) == expected(db_path) == [(2, "2026-11-01 02:00:00")]
