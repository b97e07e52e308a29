"""Bulk changes for scripts: many customers by filter or list, one transaction, safety."""

import json
import sqlite3

import pytest

from tests.conftest import crm, fails, filled_once, ok


@pytest.fixture
def town(db_path):
    filled_once(db_path, _fill_town)
    return db_path


def _fill_town() -> None:
    for n in range(12):
        ok("add", f"Person {n:02d}", "--city", "Hangzhou" if n % 2 else "Ningbo")


def column(db_path, sql):
    conn = sqlite3.connect(db_path)
    try:
        return [r[0] for r in conn.execute(sql)]
    finally:
        conn.close()


def test_bulk_edit_by_filter_in_one_transaction(town):
    out = ok("edit", "--where", "city = Hangzhou", "--set", "source=fair", "--add-tag", "east",
             "--stage", "lead")  # fmt: skip
    assert out == "Updated 6 of 6 customers.\n"
    assert column(town, "SELECT count(*) FROM customers WHERE source = 'fair'") == [6]
    assert ok("list", "--tag", "east", "--stage", "lead", "-q").split() == [
        "2",
        "4",
        "6",
        "8",
        "10",
        "12",
    ]


def test_a_bulk_write_without_any_selection_needs_all(town):
    assert "say which customers" in fails(2, "edit", "--set", "source=x", db=town)
    assert "say which customers" in fails(2, "delete", db=town)
    out = ok("edit", "--all", "--set", "source=x", "--yes")
    assert out == "Updated 12 of 12 customers.\n"


def test_many_by_filter_off_a_terminal_needs_yes(town):
    err = fails(2, "edit", "--where", "id > 0", "--set", "source=x", db=town)
    assert "more than bulk.confirm (10); pass --yes" in err
    ok("config", "set", "bulk.confirm", "20")
    ok("edit", "--where", "id > 0", "--set", "source=x")


def test_listed_references_are_their_own_confirmation(town):
    ids = "\n".join(str(i) for i in range(1, 13)) + "\n"
    assert ok("edit", "-", "--set", "title=Buyer", input=ids) == "Updated 12 of 12 customers.\n"


def test_dry_run_prints_the_diff_and_writes_nothing(town):
    before = column(town, "SELECT source || title FROM customers")
    out = ok(
        "edit", "1", "2", "--set", "source=fair", "--add-tag", "vip", "--dry-run", "-f", "json"
    )
    rows = json.loads(out)
    assert {(r["customer_id"], r["field"], r["old"], r["new"]) for r in rows} == {
        (1, "source", "", "fair"), (1, "tags", "", "vip"),
        (2, "source", "", "fair"), (2, "tags", "", "vip"),
    }  # fmt: skip
    assert column(town, "SELECT source || title FROM customers") == before
    assert column(town, "SELECT count(*) FROM customer_tags") == [0]


def test_one_invalid_customer_rolls_back_the_whole_batch(town):
    ok("edit", "3", "--phone", "+8613800138000")
    # Removing a phone only customer 3 has fails on the others: nothing is written.
    err = fails(2, "edit", "--where", "city = Hangzhou", "--remove-phone", "+8613800138000",
                "--set", "source=x", "--yes", db=town)  # fmt: skip
    assert "has no phone" in err


def test_a_bad_value_is_rejected_before_anything_is_written(town):
    assert "invalid email" in fails(2, "edit", "--all", "--set", "email=bad", "--yes", db=town)
    assert "unknown stage" in fails(2, "edit", "--all", "--stage", "winner", "--yes", db=town)
    # A unique key set on many customers fails on the second: all or nothing.
    assert "already used" in fails(2, "edit", "1", "2", "--set", "external_id=K", db=town)


def test_missing_references_reject_the_batch_unless_skipped(town, tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("1\nnobody\n3\n")
    err = fails(3, "edit", "--ids-from", str(ids), "--set", "title=X", db=town)
    assert "1 of 3 references failed" in err and "2: no customer matches 'nobody'" in err
    result = crm("edit", "--ids-from", str(ids), "--set", "title=X", "--skip-missing")
    assert result.exit_code == 0 and "skipped 2: no customer matches 'nobody'" in result.stderr
    assert column(town, "SELECT id FROM customers WHERE title = 'X'") == [1, 3]


def test_a_long_list_of_failed_references_names_twenty_and_counts_the_rest(town):
    """200,000 references that fail made 200,000 lines on stderr: the refusal names the
    first twenty, then counts the others; so do the lines of those skipped."""
    given = "1\n" + "".join(f"nobody {n}\n" for n in range(2, 32)) + "3\n"
    err = fails(3, "tag", "vip", "-", input=given, db=town)
    lines = err.splitlines()
    assert lines[0] == "crm: 30 of 32 references failed; nothing was changed", err
    assert lines[1:21] == [f"  {n}: no customer matches 'nobody {n}'" for n in range(2, 22)]
    assert lines[21:] == ["  ... and 10 more"], err
    result = crm("tag", "vip", "-", "--skip-missing", input=given)
    assert result.exit_code == 0, result.stderr
    skipped = [line for line in result.stderr.splitlines() if line.startswith("crm: ")]
    assert skipped[:20] == [f"crm: skipped {n}: no customer matches 'nobody {n}'"
                            for n in range(2, 22)]  # fmt: skip
    assert skipped[20:] == ["crm: ... and 10 more"], result.stderr
    assert column(town, "SELECT customer_id FROM customer_tags ORDER BY 1") == [1, 3]
    err = fails(3, "tag", "vip", "-", input="nobody\n" * 20, db=town)
    assert err.splitlines()[-1] == "  20: no customer matches 'nobody'", err  # all twenty


def test_bulk_delete_and_stage_by_filter(town):
    assert ok("delete", "--where", "city = Ningbo", "--yes") == "Archived 6 customers.\n"
    assert ok("list", "-q").split() == ["2", "4", "6", "8", "10", "12"]
    assert ok("undelete", "1") == "Restored customer 1: Person 00\n"
    # One customer chosen by a filter is one, not "1 customers".
    assert ok("delete", "--where", "id = 1") == "Archived 1 customer.\n"
    assert ok("undelete", "--where", "id = 1") == "Restored 1 customer.\n"
    assert ok("edit", "--where", "id = 1", "--set", "title=Y") == "Updated 1 of 1 customer.\n"
    assert (
        ok("stage", "prospect", "--where", "city = Hangzhou") == "Moved 6 customers to prospect.\n"
    )
    assert ok("list", "--stage", "prospect", "-q").split() == ["2", "4", "6", "8", "10", "12"]


def test_bulk_edit_of_10000_customers_is_all_or_nothing(db_path):
    ok("add", "Seed")
    conn = sqlite3.connect(db_path)
    conn.executemany(
        "INSERT INTO customers (name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?)",
        [(f"c{i}", f"c{i}", "2026-01-01T00:00:00+08:00", "2026-01-01T00:00:00+08:00")
         for i in range(10_000)],
    )  # fmt: skip
    conn.execute("UPDATE customers SET external_id = 'taken' WHERE id = 5000")
    conn.commit()
    conn.close()
    fails(2, "edit", "--all", "--set", "external_id=taken", "--yes", db=db_path)
    assert (
        ok("edit", "--all", "--set", "source=bulk", "--yes")
        == "Updated 10001 of 10001 customers.\n"
    )
    assert column(db_path, "SELECT count(*) FROM customers WHERE source = 'bulk'") == [10_001]


# --- crm sql ---------------------------------------------------------------------------


def test_sql_reads_in_every_format(town):
    rows = json.loads(
        ok(
            "sql",
            "SELECT city, count(*) AS n FROM customers GROUP BY city ORDER BY city",
            "-f",
            "json",
        )
    )
    assert rows == [{"city": "Hangzhou", "n": 6}, {"city": "Ningbo", "n": 6}]
    assert (
        ok("sql", "SELECT name FROM customers WHERE id = ?", "-p", "3", "-f", "csv")
        == "name\nPerson 02\n"
    )
    assert ok("sql", "SELECT count(*) AS n FROM customer_overview") == "n\n--\n12\n"


@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM customers",
        "UPDATE customers SET name = 'x'",
        "INSERT INTO tags (name, created_at) VALUES ('x', 'y')",
        "DROP TABLE customers",
        "CREATE TABLE t (id INTEGER PRIMARY KEY)",
        "PRAGMA user_version",
        "PRAGMA journal_mode = DELETE",
        "ATTACH DATABASE '/tmp/crm-sql-attack.db' AS x",
        "VACUUM",
        "SELECT 1; DELETE FROM customers",
        "WITH x AS (SELECT 1) DELETE FROM customers",
        "SELECT load_extension('nope')",
        "SELECT * FROM nosuchtable",
        "",
    ],
)
def test_sql_refuses_anything_but_reading(town, query):
    err = fails(2, "sql", query, db=town)
    assert err.count("\n") == 1


# --- change feed ------------------------------------------------------------------


def feed(*args):
    return [json.loads(line) for line in ok("changes", *args).splitlines()]


def test_change_feed_resumes_from_an_id_without_gaps_or_repeats(db_path):
    ok("add", "Anna", "--city", "Paris", "--national-id", "11010519491231002X")
    first = feed()
    assert ("city", None, "Paris") in [(r["field"], r["old"], r["new"]) for r in first]
    assert "11010519491231002X" not in json.dumps(first)
    last = first[-1]["id"]
    ok("edit", "Anna", "--city", "Lyon")
    ok("tag", "vip", "Anna")
    rest = feed("--since", str(last))
    assert rest[0]["command"] == "edit" and (rest[0]["field"], rest[0]["old"], rest[0]["new"]) == (
        "city", "Paris", "Lyon")  # fmt: skip
    everything = feed()
    assert [r for r in everything if r["id"] > last] == rest
    ids = [r["id"] for r in everything]
    assert ids == sorted(ids)
    assert "11010519491231002X" in ok("changes", "--reveal")
    assert feed("--since", str(everything[-1]["id"])) == []


def test_change_feed_bad_since(db_path):
    ok("add", "Anna")
    assert "not a date" in fails(2, "changes", "--since", "whenever", db=db_path)
    # a signed or short number is not 5 January (what dateutil would make of it)
    assert "for 5 days ago write -5d" in fails(2, "changes", "--since", "-5", db=db_path)
    assert "write +5d" in fails(2, "report", "sales", "--until", "+5", db=db_path)
    assert "write -11d" in fails(2, "list", "--created-since", "11", db=db_path)
    # a year alone is no day: it would have to be filled in (with 1 January)
    assert "'2026' is a year alone" in fails(2, "list", "--created-since", "2026", db=db_path)
    assert ok("list", "--created-since", "2026-01-01", "-q") == "1\n"


def test_bulk_undelete_by_list_and_set_typo_refused(town):
    ok("delete", "1", "2")
    assert ok("undelete", "1", "2") == "Restored 2 customers.\n"
    assert ok("undelete", "-", input="1\n") == "Customer 1 was already active.\n"
    assert "unknown field 'nosuchfield'" in fails(2, "edit", "3", "--set", "nosuchfield=x", db=town)
    ok("edit", "3", "--set", "field.mood=happy")
    assert json.loads(ok("show", "3", "-f", "json"))["fields"] == {"mood": "happy"}
    ok("edit", "4", "--set", "mood=calm")  # an existing user-defined field


def _on_a_terminal(args, answer, db_path):
    """Run the installed crm with a pseudo-terminal as stdin, typing `answer`."""
    import os
    import pty
    import subprocess
    import sys
    from pathlib import Path

    crm_bin = str(Path(sys.executable).with_name("crm"))
    master, slave = pty.openpty()
    try:
        os.write(master, answer.encode())
        return subprocess.run(
            [crm_bin, *args], stdin=slave, capture_output=True, text=True, timeout=60,
            env={**os.environ, "CRM_DB": str(db_path)},
        )  # fmt: skip
    finally:
        os.close(master)
        os.close(slave)


def test_confirmation_threshold_on_a_terminal(town):
    args = ["edit", "--where", "id > 0", "--set", "source=fair", "--add-tag", "east"]
    said_no = _on_a_terminal(args, "n\n", town)
    assert said_no.returncode == 1
    assert "Change set source; +tag east: 12 customers. Go ahead?" in said_no.stderr
    assert column(town, "SELECT count(*) FROM customers WHERE source = 'fair'") == [0]
    said_yes = _on_a_terminal(args, "y\n", town)
    assert said_yes.returncode == 0, said_yes.stderr
    assert column(town, "SELECT count(*) FROM customers WHERE source = 'fair'") == [12]
    ok("config", "set", "bulk.confirm", "500")  # no upper cap
    small = _on_a_terminal(["edit", "--where", "id > 0", "--set", "title=x"], "", town)
    assert small.returncode == 0 and "Go ahead" not in small.stderr


def test_sql_never_shows_national_ids_unless_revealed(db_path):
    ok("add", "Anna", "--national-id", "11010519491231002X")
    ok("edit", "Anna", "--city", "X")
    for query in (
        "SELECT national_id FROM customers",
        "SELECT replace(national_id, '1', 'a'), substr(national_id, 7, 8), hex(national_id) "
        "FROM customers",
        "SELECT old, new, hex(new) FROM history",
    ):
        out = ok("sql", query, "-f", "csv")
        assert "19491231" not in out and "3131303130" not in out, query
    assert "11010519491231002X" in ok("sql", "SELECT national_id FROM customers", "--reveal")
