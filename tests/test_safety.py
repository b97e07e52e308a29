"""Backups, restore, check, history and undo (forget, subject export and masking: test_privacy.py)."""

import json
import os
import re
import sqlite3
import stat
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from crmcli.cli import output
from crmcli.store import history
from tests.conftest import crm, dump, fails, ok, rows

NID = "11010519491231002X"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def seed() -> None:
    ok("config", "set", "default_region", "CN")
    ok("add", "张伟", "--phone", "13800138000", "--city", "北京", "--national-id", NID)
    ok("add", "Li Na", "--email", "li@example.com")


# --- backup ----------------------------------------------------------------------------------


def test_backup_default_folder_private_verified_and_rotated(db_path):
    seed()
    old = os.umask(0o022)
    try:
        first = ok("backup", "-q").strip()
        second = ok("backup", "-q").strip()
        out = ok("backup", "--keep", "2")
    finally:
        os.umask(old)
    folder = db_path.parent / "backups"
    assert Path(first).parent == folder and mode(folder) == 0o700
    assert out.startswith(f"Backed up to {folder}/crm-20261122T100000-3.db (")
    assert f"Deleted old backup {first}" in out
    kept = sorted(p.name for p in folder.iterdir())
    assert kept == ["crm-20261122T100000-2.db", "crm-20261122T100000-3.db"]
    assert Path(second).exists()
    for path in folder.iterdir():
        assert mode(path) == 0o600
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 2
        conn.close()


def test_backup_to_a_file_or_folder_and_bad_destinations(db_path, tmp_path):
    fails(3, "backup")  # no database yet
    seed()
    target = tmp_path / "copy.db"
    assert ok("backup", str(target), "-q").strip() == str(target)
    assert mode(target) == 0o600
    err = fails(2, "backup", str(target), db=db_path)
    assert err == (
        f"crm: {target} is an SQLite database (a crm database or backup?); crm never writes "
        "over one: give another file name\n"
    )
    other = tmp_path / "notes.txt"
    other.write_text("mine\n", encoding="utf-8")
    assert fails(2, "backup", str(other)) == f"crm: {other} already exists; give a new file name\n"
    assert other.read_text(encoding="utf-8") == "mine\n"
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    made = Path(ok("backup", str(folder), "-q").strip())
    assert made.parent == folder and made.name == "crm-20261122T100000.db"
    assert [p.name for p in folder.iterdir()] == [made.name]  # no temporary file left


def test_backup_while_another_process_holds_the_write_lock(db_path, tmp_path):
    seed()
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("DELETE FROM customer_phones")
    try:
        target = tmp_path / "snap.db"
        ok("backup", str(target))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert rows(target, "SELECT count(*) FROM customer_phones") == [(1,)]


# --- restore ---------------------------------------------------------------------------------


def test_restore_puts_the_backup_back_and_keeps_the_current_db(db_path, tmp_path):
    seed()
    backup = Path(ok("backup", "-q").strip())
    ok("add", "Later")
    ok("edit", "1", "--city", "上海")
    inode = db_path.stat().st_ino
    fails(2, "restore", str(backup), db=db_path)  # no terminal, no --yes
    out = ok("restore", str(backup), "--yes")
    assert out.startswith(f"Restored {backup} (2 customers) into {db_path}.")
    assert db_path.stat().st_ino == inode  # written through SQLite, not renamed over
    assert ok("list", "-q") == "1\n2\n"
    assert "北京" in ok("show", "1")
    kept = next((db_path.parent / "backups").glob("crm-before-restore-*.db"))
    assert rows(kept, "SELECT count(*) FROM customers") == [(3,)]
    assert rows(db_path, "PRAGMA journal_mode") == [("wal",)]
    ok("check")


def test_restore_refuses_bad_files_and_changes_nothing(db_path, tmp_path):
    seed()
    text = tmp_path / "notes.txt"
    text.write_text("hello\n" * 1000)
    assert "not an SQLite database" in fails(2, "restore", str(text), "--yes", db=db_path)
    foreign = tmp_path / "other.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE x (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    assert "not a crm database" in fails(2, "restore", str(foreign), "--yes", db=db_path)
    # The database itself, by its name or a link: it said "Restored" and kept a copy.
    link = tmp_path / "link.db"
    link.symlink_to(db_path)
    for same in (db_path, link):
        assert fails(2, "restore", str(same), "--yes", db=db_path) == (
            f"crm: {same} is the database itself; nothing was restored\n"
        )
    assert fails(2, "restore", str(tmp_path / "missing.db"), "--yes", db=db_path) == (
        f"crm: no such file: {tmp_path / 'missing.db'}\n"
    )
    damaged = tmp_path / "damaged.db"
    ok("backup", str(damaged))
    corrupt(damaged)
    err = fails(2, "restore", str(damaged), "--yes", db=db_path)
    assert "damaged" in err or "cannot be read" in err


def test_restore_asks_on_a_terminal(db_path, monkeypatch):
    seed()
    backup = ok("backup", "-q").strip()
    ok("add", "Later")
    monkeypatch.setattr(output, "is_terminal", lambda stream: stream is sys.stdin)  # a person
    result = crm("restore", backup, input="n\n")
    assert result.exit_code == 1 and "not confirmed" in result.stderr
    assert ok("list", "-q") == "1\n2\n3\n"
    assert crm("restore", backup, input="y\n").exit_code == 0
    assert ok("list", "-q") == "1\n2\n"


# --- check -----------------------------------------------------------------------------------


def corrupt(path: Path) -> None:
    """Overwrite the middle of one b-tree page (the customers table's) with garbage."""
    conn = sqlite3.connect(path)
    page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'customers'").fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with path.open("r+b") as handle:
        handle.seek((page - 1) * size + 8)
        handle.write(b"\xff\x13" * 200)


def test_check_passes_on_a_healthy_database(db_path):
    seed()
    out = ok("check", "--format", "json")
    checks = {r["check"]: r for r in json.loads(out)}
    assert {r["status"] for r in checks.values()} == {"ok"}
    expected = ("integrity", "foreign keys", "schema version", "file modes", "file owner")
    assert set(checks) >= {*expected, "folder"}


def test_check_names_corruption_without_touching_the_original(db_path, tmp_path):
    seed()
    copy = tmp_path / "copy.db"
    ok("backup", str(copy))
    corrupt(copy)
    before = copy.read_bytes()
    result = crm("--db", str(copy), "check")
    assert result.exit_code == 1
    assert "problem" in result.stdout and "integrity" in result.stderr
    assert copy.read_bytes() == before
    ok("check")  # the real one is fine


def test_check_names_loose_modes_broken_keys_and_fts(db_path):
    seed()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("INSERT INTO customer_phones (customer_id, phone) VALUES (99, '+1')")
    conn.execute("CREATE VIRTUAL TABLE search USING fts5(body)")
    conn.execute("INSERT INTO search (body) VALUES ('hello world')")
    conn.commit()
    conn.close()
    os.chmod(db_path, 0o644)
    result = crm("check", "--format", "json")
    assert result.exit_code == 1
    found = {(r["check"], r["status"]) for r in json.loads(result.stdout)}
    assert ("file modes", "problem") in found
    assert ("foreign keys", "problem") in found
    assert ("full-text index", "ok") in found
    assert result.stderr.startswith("crm: 2 problems found: file modes, foreign keys")


# --- history and undo ------------------------------------------------------------------------


def test_every_write_command_is_a_changeset_named_by_its_path(db_path):
    seed()
    ok("edit", "1", "--city", "上海", "--field", "wechat=zw88")
    ok("tag", "vip", "1", "2")
    ok("task", "add", "1", "call back", "--due", "tomorrow")
    commands = [r[0] for r in rows(db_path, "SELECT command FROM changesets ORDER BY id")]
    assert commands == ["config set", "add", "add", "edit", "tag", "task add"]
    out = json.loads(ok("history", "1", "--format", "json", "--limit", "0"))
    assert {r["customer_id"] for r in out} == {1}
    city = next(r for r in out if "city" in r["changes"])
    assert city["changes"] == "city: 北京 → 上海" and city["command"] == "edit"
    assert city["old"]["city"] == "北京" and city["new"]["city"] == "上海"
    assert {r["table"] for r in out} >= {"customers", "customer_fields", "customer_tags", "tasks"}
    # No argument value is stored as the command, and sensitive values are masked.
    text = ok("history", "--limit", "0", "--format", "json")
    assert NID not in text and "110105********002X" in text
    assert NID not in ok("history", "--limit", "0")
    assert NID in ok("history", "--reveal", "--limit", "0", "--format", "json")
    assert ok("history", "2", "--limit", "1").count("\n") == 3


def test_history_limit_counts_changes_a_person_made_in_every_language(db_path):
    ok("add", "张伟", "--city", "北京")
    ok("edit", "1", "--field", "wechat=zw88")  # writes a version-only update beside its field
    for lang, table in (("en", "customer_fields"), ("zh", "自定义字段")):
        plain = ok("--lang", lang, "history", "--limit", "1").splitlines()
        assert len(plain) == 3 and f"  {table}  " in plain[2], plain
    every = json.loads(ok("history", "--limit", "2", "--format", "json"))
    assert [r["changes"] for r in every] == ["version: 1 → 2", "id=1, customer_id=1, wechat=zw88"]
    table = ok("history", "--limit", "0").splitlines()[2:]
    assert len(table) == 2 and not [line for line in table if "version" in line], table


def test_read_commands_and_failed_writes_record_nothing(db_path):
    seed()
    before = rows(db_path, "SELECT count(*) FROM changesets")
    ok("list")
    ok("history")
    fails(2, "edit", "1", "--remove-email", "x@example.com", db=db_path)
    ok("edit", "1", "--city", "北京")  # no change: no changeset kept
    assert rows(db_path, "SELECT count(*) FROM changesets") == before


def test_undo_walks_back_one_command_at_a_time(db_path):
    seed()
    base = dump(db_path)
    ok("edit", "1", "--city", "上海", "--phone", "13900139000")
    ok("tag", "vip", "1", "2")
    ok("delete", "2")
    preview = crm("undo")
    assert preview.exit_code == 2 and "undo asks for confirmation" in preview.stderr
    assert preview.stdout.startswith("Undo crm delete of ")
    assert "restore  customers" in preview.stdout
    assert ok("undo", "--yes").endswith("Undone: 1 change reverted.\n")
    assert "2\n" in ok("list", "-q")
    ok("undo", "--yes")
    assert ok("tags") == ""
    ok("undo", "--yes")
    assert "北京" in ok("show", "1") and "13900139000" not in ok("show", "1")

    def data(text: str) -> list[str]:
        return [
            line
            for line in text.splitlines()
            if "changesets" not in line
            and "history" not in line
            and "sqlite_sequence" not in line
            and '"search_' not in line  # the search index is derived, rebuilt as it likes
        ]

    assert data(dump(db_path)) == data(base)
    kinds = rows(
        db_path, "SELECT command, reverts IS NOT NULL, undone_at IS NOT NULL FROM changesets"
    )
    assert kinds[-3:] == [("undo", 1, 0)] * 3
    assert ("delete", 0, 1) in kinds


def test_undo_re_creates_a_deleted_row_and_its_cascade(db_path):
    seed()
    ok("task", "add", "1", "call back", "--due", "tomorrow")
    ok("buy", "1", "Tea", "12.50", "--currency", "CNY")
    before = dump(db_path)
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    from crmcli.store.db import transaction

    with transaction(conn, command="test delete"):
        conn.execute("DELETE FROM customers WHERE id = 1")
    conn.close()
    assert ok("list", "-q") == "2\n"
    ok("undo", "--yes")

    def data(text: str) -> list[str]:
        return [
            ln
            for ln in text.splitlines()
            if "changesets" not in ln and "history" not in ln and '"search_' not in ln
        ]

    assert data(dump(db_path)) == data(before)


def test_undo_refuses_when_a_later_change_touched_the_same_rows(db_path):
    seed()
    ok("edit", "1", "--city", "上海")
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE customers SET city = 'X' WHERE id = 1")  # outside crm: no changeset
    conn.commit()
    conn.close()
    err = fails(1, "undo", "--yes", db=db_path)
    assert "was changed by a later command; nothing was changed" in err


def test_undo_with_nothing_to_undo_and_after_forget(db_path):
    assert ok("undo") == "Nothing to undo.\n"
    seed()
    ok("forget", "2", "--yes")
    err = fails(1, "undo", "--yes", db=db_path)
    assert "crm forget" in err and "cannot be undone" in err


def test_bulk_insert_records_one_entry_and_undo_removes_the_range(db_path):
    seed()
    from crmcli.store.db import connect, transaction

    conn = connect(db_path, write=True)
    with transaction(conn, command="import purchases"), history.bulk_insert(conn, "purchases"):
        conn.executemany(
            "INSERT INTO purchases (customer_id, item, amount_minor, currency, purchased_at, "
            "created_at, updated_at) VALUES (1, ?, 100, 'CNY', '2026-01-01', '2026', '2026')",
            [(f"item {i}",) for i in range(500)],
        )
    conn.close()
    entries = rows(db_path, "SELECT op, new FROM history WHERE table_name = 'purchases'")
    assert entries == [("bulk_insert", "'first_id',1,'last_id',500,'rows',500")]
    assert history.missing_triggers(sqlite3.connect(db_path)) == []
    assert "500 rows (ids 1-500)" in ok("history", "--limit", "1")
    ok("undo", "--yes")
    assert rows(db_path, "SELECT count(*) FROM purchases") == [(0,)]


def test_triggers_cover_tables_added_later_and_skip_fts(db_path):
    seed()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute(
        "CREATE TABLE later_notes (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES "
        "customers(id) ON DELETE CASCADE, body BLOB)"
    )
    conn.execute("CREATE VIRTUAL TABLE search USING fts5(body)")
    conn.execute("BEGIN")
    history.install_triggers(conn)
    conn.execute("COMMIT")
    assert "later_notes" in history.recorded_tables(conn)
    assert not [t for t in history.recorded_tables(conn) if t.startswith("search")]
    from crmcli.store.db import transaction

    with transaction(conn, command="feedback add"):
        conn.execute("INSERT INTO later_notes (customer_id, body) VALUES (1, x'00ff10')")
    conn.close()
    entry = json.loads(ok("history", "1", "--format", "json", "--limit", "1"))[0]
    assert entry["table"] == "later_notes" and entry["customer_id"] == 1
    ok("undo", "--yes")
    assert rows(db_path, "SELECT count(*) FROM later_notes") == [(0,)]


def test_record_text_round_trips_every_sqlite_value():
    conn = sqlite3.connect(":memory:")
    values = [
        "it's, 'quoted'\n",
        "",
        "张伟 😀",
        0,
        -7,
        2**62,
        0.1,
        1e300,
        -2.5e-10,
        None,
        b"\x00'x,",
    ]
    values *= 12  # 132 columns: more than one printf takes
    cols = [(f"c{i}%s'", "") for i in range(len(values))]  # a name printf or SQL could misread
    conn.execute(f"CREATE TABLE t ({', '.join(history.quote_ident(c) for c, _ in cols)})")
    conn.execute(f"INSERT INTO t VALUES ({', '.join('?' * len(values))})", values)
    text = conn.execute(f"SELECT {history.row_record('t', cols)} FROM t").fetchone()[0]
    assert history.decode_record(text) == dict(zip([c for c, _ in cols], values, strict=True))


def test_history_timestamps_follow_the_clock():
    seed()
    at = json.loads(ok("history", "--format", "json", "--limit", "1"))[0]["at"]
    assert at == "2026-11-22T10:00:00+08:00"
    assert (date(2026, 11, 22) - timedelta(days=0)).isoformat() in at


@pytest.mark.parametrize("command", ["backup", "restore", "check", "forget", "undo", "history"])
def test_help_has_an_example(command):
    assert "Example:" in ok(command, "--help")


def on_screen(*args: str) -> list[dict[str, str]]:
    """The rows of `crm ARGS` drawn as a terminal's table, by their headers."""
    header, _rule, *lines = re.sub(r"\x1b\[[0-9;]*m", "", ok(*args)).splitlines()
    names = [h.strip() for h in header.split("┃")]
    drawn = [line for line in lines if "│" in line and line[0] != " "]  # not a wrapped cell's
    return [dict(zip(names, (c.strip() for c in line.split("│")), strict=True)) for line in drawn]


def test_history_of_an_import_on_a_terminal_names_its_rows_and_a_customer_it_added(
    db_path, monkeypatch
):
    ok("config", "set", "default_region", "CN")
    ok("add", "张伟", "--city", "杭州")
    ok("import", "customers", "-", input="姓名,手机,标签\n李娜,13800138000,vip\n王芳,,\n")
    monkeypatch.setattr(output, "is_terminal", lambda stream: stream is sys.stdout)
    drawn = on_screen("--lang", "zh", "history", "--limit", "4")
    # an import's rows are one entry, of no one record: the table's word alone
    assert [(r["记录"], r["改动"]) for r in drawn] == [
        ("客户标签", "1 行（编号 1）"),
        ("客户电话", "1 行（编号 1）"),
        ("标签", "1 行（编号 1）"),
        ("客户", "2 行（编号 2-3）"),
    ]
    assert [(r["Record"], r["Changes"]) for r in on_screen("history", "--limit", "1")] == [
        ("customer_tags", "1 row (id 1)")
    ]
    (added,) = on_screen("--lang", "zh", "history", "1")  # typed in: its own record
    assert (added["客户"], added["记录"]) == ("张伟（#1）", "客户（#1）")
    # a customer an import added: the import's rows that hold them or theirs
    drawn = on_screen("--lang", "zh", "history", "李娜")
    assert [r["记录"] for r in drawn] == ["客户标签", "客户电话", "客户"]
    drawn = on_screen("--lang", "zh", "history", "王芳")
    assert [(r["记录"], r["改动"]) for r in drawn] == [("客户", "2 行（编号 2-3）")]
    assert json.loads(ok("history", "3", "--format", "json"))[0]["record_id"] is None
    assert json.loads(ok("history", "1", "--format", "json"))[0]["record_id"] == 1
