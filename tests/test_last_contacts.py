"""crmcli.store.last_contacts: each customer's stored last contact follows every write path
(logging, edits, moves, deletes, merges, undo, forget, imports, the `contact.counts`
setting), equals a computation over the rows in Python, and old files get it on upgrade."""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

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


def expected(path: Path) -> list[tuple[int, str]]:
    """Each customer's last contact, UTC `YYYY-MM-DD HH:MM:SS`, from every row in Python."""
    setting = rows(path, "SELECT value FROM settings WHERE key = 'contact.counts'")
    counted = setting[0][0].split(",") if setting else EVERY
    last: dict[int, datetime] = {}
    for table, (word, at) in MOMENTS.items():
        for customer_id, what, moment in rows(
            path, f"SELECT customer_id, {word}, {at} FROM {table}"
        ):
            if what in counted:
                when = instant(moment)
                last[customer_id] = max(last.get(customer_id, when), when)
    return [(c, t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")) for c, t in sorted(last.items())]


def stored(path: Path) -> list[tuple[int, str]]:
    """The stored last contacts, after checking that nothing is left queued."""
    assert rows(path, "SELECT count(*) FROM last_contacts_dirty") == [(0,)]
    assert rows(path, "SELECT count(*) FROM purchase_summaries_dirty") == [(0,)]
    return rows(path, "SELECT customer_id, datetime(at) FROM last_contacts ORDER BY customer_id")


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
    import json

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
