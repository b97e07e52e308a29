"""Migrations (crmcli.store.migrations): names that say their version, upgrades from every
released schema version to the schema of a new file, and the search index the runner fills
after an upgrade (a crash before it loses nothing)."""

import ast
import builtins
import inspect
import json
import re
import sqlite3
import stat
import sys
import textwrap
from pathlib import Path

import pytest

from crmcli.core import i18n
from crmcli.core.progress import Progress
from crmcli.store import migrations, search
from crmcli.store.db import connect
from tests.conftest import dump, ok


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def version_of(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def schema(path: Path) -> list[tuple[str, str, str, str]]:
    """Every table, index, trigger and view as SQLite stores it (its CREATE statement verbatim):
    stricter than any normalised form."""
    conn = sqlite3.connect(path)
    try:
        return sorted(
            conn.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
            )
        )
    finally:
        conn.close()


def customers_found(*args: str) -> list[int]:
    rows = json.loads(ok("search", *args, "-f", "json"))
    return [r["id"] for r in rows if r["source"] == "customer"]


def search_state(path: Path) -> tuple[int, list[str]]:
    """(records queued for the index, problems search.check finds)."""
    conn = connect(path, write=True)  # FTS5 'integrity-check' is written as an INSERT
    try:
        queued = conn.execute("SELECT count(*) FROM search_dirty").fetchone()[0]
        return queued, search.check(conn)
    finally:
        conn.close()


def seed_version(path: Path, version: int) -> None:
    """A database as the release with schema `version` left it, with awkward data."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for step in migrations.MIGRATIONS[:version]:
        conn.execute("BEGIN")
        step(conn)
        conn.execute("COMMIT")
    conn.execute(f"PRAGMA user_version = {version}")
    if version >= 1:
        conn.execute(
            "INSERT INTO customers (name, name_key, company, notes, created_at, updated_at) "
            "VALUES ('张伟 😀', '张伟 😀', NULL, ?, '2025-01-01T00:00:00+08:00', "
            "'2025-01-01T00:00:00+08:00')",
            ("x" * 10_000,),
        )
        conn.execute(
            "INSERT INTO customer_phones (customer_id, phone, is_primary) VALUES (1, '+8613800138000', 1)"
        )
        conn.execute(
            "INSERT INTO customer_emails (customer_id, email, email_key) VALUES (1, 'Zw@Example.com', 'zw@example.com')"
        )
        conn.execute(
            "INSERT INTO customer_fields (customer_id, key, value) VALUES (1, 'wechat', '微信 ''quoted''\n')"
        )
        conn.execute(
            "INSERT INTO customer_relations (customer_id, relation, name) VALUES (1, 'spouse', 'Ｆｕｌｌ width')"
        )
        conn.execute("INSERT INTO settings (key, value) VALUES ('default_region', 'CN')")
    if version >= 2:
        conn.execute(
            "INSERT INTO interactions (customer_id, kind, occurred_at, text, created_at, updated_at) VALUES (1, 'call', '2025-01-02T09:00:00+08:00', '通话 📞', '2025', '2025')"
        )
        conn.execute(
            "INSERT INTO tasks (customer_id, text, due_on, every, anchor_on, created_at, updated_at) VALUES (1, 'renew', '2025-01-31', '1m', '2025-01-31', '2025', '2025')"
        )
        conn.execute(
            "INSERT INTO important_dates (customer_id, label, date_on, is_yearly, created_at) VALUES (1, 'anniversary', '2020-02-29', 1, '2025')"
        )
    if version >= 3:
        conn.execute(
            "INSERT INTO products (name, name_key, price_minor, currency, created_at, updated_at) VALUES ('龙井', '龙井', 129950, 'CNY', '2025', '2025')"
        )
        conn.execute(
            "INSERT INTO purchases (customer_id, product_id, item, amount_minor, currency, purchased_at, created_at, updated_at) VALUES (1, 1, '龙井', -999999999999, 'CNY', '2025-01-03', '2025', '2025')"
        )
    if version >= 4:
        conn.execute("INSERT INTO tags (name, created_at) VALUES ('vip', '2025')")
        conn.execute(
            "INSERT INTO customer_tags (customer_id, tag_id, tagged_at) VALUES (1, 1, '2025')"
        )
        conn.execute(
            "INSERT INTO stage_changes (customer_id, to_stage, changed_at, recorded_at) VALUES (1, 'lead', '2025', '2025')"
        )
    conn.close()


def table_rows(path: Path) -> dict[str, set]:
    conn = sqlite3.connect(path)
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]  # fmt: skip
    conn.row_factory = sqlite3.Row
    rows = {n: [dict(r) for r in conn.execute(f'SELECT * FROM "{n}"')] for n in names}
    conn.close()
    return rows


def released(name: str) -> int:
    """The schema version a file has just before migration `name` runs."""
    return [fn.__name__ for fn in migrations.MIGRATIONS].index(name)


# --- names ----------------------------------------------------------------------------------


def test_names_are_contiguous_and_equal_the_version_they_leave():
    numbers = [
        int(re.fullmatch(r"m(\d{3})_[a-z0-9_]+", fn.__name__).group(1))
        for fn in migrations.MIGRATIONS
    ]
    assert numbers == list(range(1, migrations.SCHEMA_VERSION + 1))


def _root(node: ast.AST) -> str | None:
    """The name a call starts from: `conn` of `conn.execute(...)`, `json` of `json.loads`."""
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def live_code(fn) -> list[str]:
    """What a migration step imports or calls beyond the SQL helpers beside it, Python's own
    library and what it defines itself (a data move may read JSON)."""
    nodes = list(ast.walk(ast.parse(textwrap.dedent(inspect.getsource(fn)))))
    found, imported = [], set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom | ast.Import):
            modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            modules += [] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            found += [m for m in modules if m.split(".")[0] not in sys.stdlib_module_names]
            imported |= {(a.asname or a.name).split(".")[0] for a in node.names}
    own = {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    own |= {n.name for n in nodes if isinstance(n, ast.FunctionDef)}
    own |= {a.arg for n in nodes if isinstance(n, ast.arguments) for a in n.args}
    allowed = {"execute_script", "queue_search"} | imported | own | set(dir(builtins))
    calls = {_root(n.func) for n in nodes if isinstance(n, ast.Call)}
    return found + sorted(str(c) for c in calls - allowed)


def test_migration_steps_call_no_crmcli_code():
    """A released step must not change when another module does."""
    assert {fn.__name__: live_code(fn) for fn in migrations.MIGRATIONS if live_code(fn)} == {}


def _bad_step(conn):
    from crmcli.store import search

    search.sync(conn)
    rebuild_everything(conn)  # noqa: F821 - a name from outside the step


def test_the_step_check_finds_live_code():
    assert live_code(_bad_step) == ["crmcli.store", "rebuild_everything"]


# --- upgrades from every released version ---------------------------------------------------


@pytest.mark.parametrize("version", range(migrations.SCHEMA_VERSION))
def test_migration_from_every_earlier_version(db_path, tmp_path, version):
    from crmcli.store import history, queues

    seed_version(db_path, version)
    seeded = table_rows(db_path)
    ok("add", "New")
    migrated = table_rows(db_path)
    for table, rows in seeded.items():  # every row kept, value for value (new columns aside)
        # the search index, the summaries and their queues: derived data, emptied by a write
        if table.startswith("search_") or table in history.DERIVED_TABLES:
            continue
        for row in rows:
            assert any(row.items() <= after.items() for after in migrated[table]), (table, row)
    conn = sqlite3.connect(db_path)
    assert history.missing_triggers(conn) == []
    assert queues.missing_triggers(conn) == []
    assert conn.execute("SELECT command FROM changesets").fetchall() == [("add",)]
    conn.close()
    before = dump(db_path)
    ok("list")  # re-opening a migrated file changes nothing
    assert dump(db_path) == before
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.SCHEMA_VERSION
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    names = [r[0] for r in conn.execute("SELECT name FROM customers ORDER BY id")]
    conn.close()
    assert names == (["张伟 😀", "New"] if version >= 1 else ["New"])
    backups = list(db_path.parent.glob(f"{db_path.name}.v{version}-*.bak"))
    if version >= 1:
        assert len(backups) == 1 and mode(backups[0]) == 0o600
        assert sqlite3.connect(backups[0]).execute("PRAGMA user_version").fetchone()[0] == version
    else:
        assert backups == []

    # ...and the upgraded file has the schema of a new one: every table, column, index,
    # trigger and view, as SQLite stores their CREATE statements.
    fresh = tmp_path / "fresh.db"
    connect(fresh, write=True).close()
    assert schema(db_path) == schema(fresh)


def test_a_read_command_upgrades_an_old_file(db_path):
    seed_version(db_path, 0)
    ok("list")
    assert sqlite3.connect(db_path).execute("PRAGMA user_version").fetchone()[0] == (
        migrations.SCHEMA_VERSION
    )


def test_upgrade_from_a_customers_only_database(db_path, tmp_path):
    """A file made before purchases is upgraded in place, keeping its customers."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    migrations.MIGRATIONS[0](conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO customers (name, name_key, created_at, updated_at) "
        "VALUES ('Old', 'old', '2020-01-01', '2020-01-01')"
    )
    conn.close()
    before = dump(db_path)
    assert ok("buy", "Old", "Cup", "5", "-q") == "1\n"
    assert "CREATE TABLE customers" in before
    assert version_of(db_path) == migrations.SCHEMA_VERSION
    conn = sqlite3.connect(db_path)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert {"products", "purchases", "purchases_customer_time", "purchases_purchased_at"} <= names
    assert list(tmp_path.glob("crm.db.v1-*.bak"))


def test_upgrade_from_the_schema_before_interactions_keeps_the_customers(db_path):
    step = released("m002_interactions_tasks")
    conn = sqlite3.connect(db_path, isolation_level=None)
    for fn in migrations.MIGRATIONS[:step]:
        fn(conn)
    conn.execute(f"PRAGMA user_version = {step}")
    conn.execute(
        "INSERT INTO customers (name, name_key, created_at, updated_at) "
        "VALUES ('Anna', 'anna', '2026-01-01T00:00:00+08:00', '2026-01-01T00:00:00+08:00')"
    )
    conn.close()
    assert ok("remind") == ""  # a read command upgrades, after a backup
    assert list(db_path.parent.glob(f"crm.db.v{step}-*.bak"))
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.SCHEMA_VERSION
    assert conn.execute("SELECT name, cadence_days FROM customers").fetchall() == [("Anna", None)]
    conn.close()
    ok("log", "call", "Anna", "hi", "--follow-up", "tomorrow")
    before = dump(db_path)
    assert ok("remind", "-f", "json")
    assert dump(db_path) == before


# --- the search index after an upgrade ------------------------------------------------------


def test_migration_indexes_existing_data(db_path):
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    before = released("m008_search")
    for step in migrations.MIGRATIONS[:before]:
        step(conn)
    conn.execute(f"PRAGMA user_version = {before}")
    conn.execute(
        "INSERT INTO customers (name, name_key, created_at, updated_at) "
        "VALUES ('张伟', '张伟', '2026-01-01T00:00:00+08:00', '2026-01-01T00:00:00+08:00')"
    )
    conn.close()
    assert customers_found("zw") == [1]
    assert customers_found("张伟") == [1]


def test_an_upgrade_indexes_every_source_its_steps_queued(db_path):
    """From before search, and from before feedback joined it: after the upgrade the index
    holds every old record and nothing is left queued."""
    seed_version(db_path, released("m012_search_feedback"))
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute(
        "INSERT INTO feedback (customer_id, kind, text, received_at, created_at, updated_at) "
        "VALUES (1, 'complaint', '茶叶受潮了', '2025-02-01', '2025', '2025')"
    )
    conn.close()
    rows = json.loads(ok("search", "茶叶受潮", "--in", "feedback", "-f", "json"))
    assert [(r["source"], r["id"]) for r in rows] == [("feedback", 1)]
    assert search_state(db_path) == (0, [])
    db_path.unlink()
    seed_version(db_path, released("m008_search"))
    assert customers_found("13800138000") == [1]
    assert json.loads(ok("search", "通话", "-f", "json"))
    assert search_state(db_path) == (0, [])


def test_a_crash_between_the_steps_and_the_index_loses_nothing(db_path, monkeypatch):
    """The steps' queue commits with their version bump: when the process dies before the
    runner indexes it, readers still find the old records (they match queued records from
    their live rows) and the next write indexes them."""
    seed_version(db_path, released("m008_search"))

    def crash(conn: sqlite3.Connection) -> int:
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(search, "sync", crash)
        with pytest.raises(KeyboardInterrupt):
            connect(db_path, write=True).close()
    assert version_of(db_path) == migrations.SCHEMA_VERSION
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM search_dirty").fetchone()[0] > 0
    conn.close()
    assert customers_found("张伟") == [1]
    assert customers_found("13800138000") == [1]
    ok("add", "Bob")  # the next write indexes the queue
    assert search_state(db_path) == (0, [])
    assert customers_found("zw") == [1]


def test_upgrade_moves_clear_national_ids_out_of_history_and_merge_records(db_path):
    """Files from before history_secrets: their history and merge snapshots held national
    IDs in clear. The upgrade masks them there, and undo still restores the clear value."""
    clear, other = "11010519491231002X", "110105198001010032"
    conn = sqlite3.connect(db_path, isolation_level=None)
    for step in migrations.MIGRATIONS[:13]:
        conn.execute("BEGIN")
        step(conn)
        conn.execute("COMMIT")
    conn.execute("PRAGMA user_version = 13")
    stamp = "2026-11-01T10:00:00+08:00"
    conn.execute(
        "INSERT INTO customers (id, name, name_key, created_at, updated_at) VALUES (1, 'A', 'a', ?, ?)",
        (stamp, stamp),
    )
    record = json.dumps({"id": 2, "name": "B", "national_id": other})
    conn.execute(
        "INSERT INTO customer_merges (customer_id, merged_id, merged_name, record, moved, merged_at) "
        "VALUES (1, 2, 'B', ?, '{}', ?)",
        (record, stamp),
    )
    conn.execute(
        "INSERT INTO changesets (id, command, at) VALUES (1, 'merge', ?), (2, 'edit', ?)",
        (stamp, stamp),
    )
    literal = "'" + record.replace("'", "''") + "'"
    conn.execute(
        "INSERT INTO history (changeset_id, table_name, row_id, customer_id, op, old, new) VALUES "
        "(1, 'customer_merges', 1, 1, 'insert', NULL, ?), "
        "(1, 'customers', 2, 2, 'delete', ?, NULL), "
        "(2, 'customers', 1, 1, 'update', ?, ?)",
        (
            f"'id',1,'customer_id',1,'record',{literal}",
            f"'id',2,'name','B','national_id','{other}'",
            f"'id',1,'name','A','national_id','{clear}'",
            "'id',1,'name','A','national_id',NULL",
        ),
    )
    conn.close()
    ok("history")  # upgrades the file
    conn = sqlite3.connect(db_path)
    texts = conn.execute(
        "SELECT coalesce(old, '') || coalesce(new, '') FROM history "
        "UNION ALL SELECT record FROM customer_merges"
    ).fetchall()
    secrets = conn.execute("SELECT old, new FROM history_secrets ORDER BY history_id").fetchall()
    conn.close()
    assert [t for (t,) in texts if clear in t or other in t or "19491231" in t] == []
    assert sum("110105********0032" in t for (t,) in texts) == 3  # merge record, its history, B
    assert secrets == [(f"'national_id','{other}'", None), (f"'national_id','{clear}'", None)]
    ok("undo", "--yes")  # the edit: the number comes back exactly
    assert json.loads(ok("show", "1", "--reveal", "-f", "json"))["national_id"] == clear


def test_upgrade_moves_yearless_birthday_fields_into_empty_birthdays(db_path):
    """Imports used to keep a birthday without a year as the field birthday_no_year (`MM-DD`):
    the upgrade makes it the birthday (`--MM-DD`) where the birthday is empty and the field
    is a day of some year, and leaves every other field as it was."""
    version = released("m015_yearless_birthdays")
    conn = sqlite3.connect(db_path, isolation_level=None)
    for step in migrations.MIGRATIONS[:version]:
        conn.execute("BEGIN")
        step(conn)
        conn.execute("COMMIT")
    conn.execute(f"PRAGMA user_version = {version}")
    stamp = "2026-11-01T10:00:00+08:00"
    people = [  # name, birthday, birthday_no_year
        ("Mei", None, "05-13"),
        ("Leap", None, "02-29"),
        ("Born", "1990-07-15", "07-15"),  # has a birthday: the field stays
        ("Odd", None, "02-30"),  # no such day: stays a field
        ("Short", None, "7"),
    ]
    for i, (name, birthday, value) in enumerate(people, 1):
        conn.execute(
            "INSERT INTO customers (id, name, name_key, birthday, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (i, name, name.casefold(), birthday, stamp, stamp),
        )
        conn.execute(
            "INSERT INTO customer_fields (customer_id, key, value) VALUES (?, ?, ?)",
            (i, "birthday_no_year", value),
        )
    conn.execute(
        "INSERT INTO customer_fields (customer_id, key, value) VALUES (1, 'wechat', 'mei_88')"
    )
    conn.close()
    ok("history")  # upgrades the file
    conn = sqlite3.connect(db_path)
    birthdays = conn.execute("SELECT name, birthday FROM customers ORDER BY id").fetchall()
    kept = conn.execute(
        "SELECT customer_id, key, value FROM customer_fields ORDER BY id"
    ).fetchall()
    history = conn.execute("SELECT count(*) FROM history").fetchone()[0]
    conn.close()
    assert birthdays == [
        ("Mei", "--05-13"), ("Leap", "--02-29"), ("Born", "1990-07-15"), ("Odd", None),
        ("Short", None),
    ]  # fmt: skip
    assert kept == [
        (3, "birthday_no_year", "07-15"), (4, "birthday_no_year", "02-30"),
        (5, "birthday_no_year", "7"), (1, "wechat", "mei_88"),
    ]  # fmt: skip
    assert history == 0  # a change of form, not an edit to undo
    dates = json.loads(ok("remind", "--within", "1y", "--format", "json"))["dates"]
    assert [(d["customer_name"], d["falls_on"], d["years"]) for d in dates] == [
        ("Leap", "2027-02-28", None), ("Mei", "2027-05-13", None), ("Born", "2027-07-15", 37),
    ]  # fmt: skip


def test_m017_gives_hand_written_local_numbers_the_service_kind(db_path):
    """Phones stored before kinds existed: E.164 ones are numbers, others service ones."""
    seed_version(db_path, released("m017_phone_kinds"))
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT INTO customer_phones (customer_id, phone) VALUES (1, '10086')")
    conn.commit()
    conn.close()
    ok("list")
    assert json.loads(ok("show", "1", "-f", "json"))["phone_kinds"] == {
        "+8613800138000": "number",
        "10086": "service",
    }


def test_upgrade_stores_channel_words_as_their_keys(db_path):
    """Earlier versions kept channels as typed (微信, WeChat): the upgrade makes every word of
    crm's own channels its key, in interactions and preferred channels, and leaves any other
    value (钉钉, a misspelling) as it was, recording no history."""
    version = released("m023_channel_keys")
    seed_version(db_path, version)
    typed = [
        "微信",
        "ＷｅＣｈａｔ",
        "电话",
        " 短 信 ",
        "拜访",
        "通话",
        "email",
        "钉钉",
        "微信群",
        "",
    ]
    conn = sqlite3.connect(db_path)
    conn.executemany(
        "INSERT INTO interactions (customer_id, kind, occurred_at, text, channel, created_at, "
        "updated_at) VALUES (1, 'message', '2025-01-02T09:00:00+08:00', ?, ?, '2025', '2025')",
        [(f"note {i}", word) for i, word in enumerate(typed)],
    )
    preferred = [("会面",), ("WeChat",), ("QQ",), (None,)]
    for i, (word,) in enumerate(preferred, 2):
        conn.execute(
            "INSERT INTO customers (id, name, name_key, preferred_channel, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, '2025', '2025')",
            (i, f"c{i}", f"c{i}", word),
        )
    conn.commit()
    conn.close()
    ok("list")  # upgrades the file
    conn = sqlite3.connect(db_path)
    channels = [r[0] for r in conn.execute(
        "SELECT channel FROM interactions WHERE text LIKE 'note %' ORDER BY id")]  # fmt: skip
    kept = [r[0] for r in conn.execute("SELECT preferred_channel FROM customers WHERE id > 1")]
    history = conn.execute("SELECT count(*) FROM history").fetchone()[0]
    conn.close()
    assert channels == [
        "wechat", "wechat", "phone", "sms", "visit", "call", "email", "钉钉", "微信群", "",
    ]  # fmt: skip
    assert kept == ["meeting", "wechat", "QQ", None]
    assert history == 0  # a change of form, not an edit to undo
    # Found as the channels typed now are: by the word in either language.
    for word in ("微信", "wechat"):
        assert ok("list", "--where", f"preferred_channel = {word}", "-q").split() == ["3"]
    before = dump(db_path)
    ok("list")  # once: a migrated file is not changed again
    assert dump(db_path) == before


def test_undo_of_a_change_recorded_before_channel_keys_puts_back_keys(db_path):
    """A change made before the upgrade to channel keys was recorded with the words as typed
    (微信): undoing it after the upgrade finds the row as the upgrade left it (`wechat`, no
    conflict) and puts back the old value as crm stores it now: `phone` for 电话; a value
    that is none of crm's channels (钉钉) as it was."""
    from crmcli.store import history

    seed_version(db_path, released("m023_channel_keys"))
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("UPDATE customers SET preferred_channel = '电话' WHERE id = 1")
    conn.execute(
        "INSERT INTO customers (id, name, name_key, preferred_channel, created_at, updated_at) "
        "VALUES (2, 'c2', 'c2', '钉钉', '2025', '2025')"
    )
    conn.execute("UPDATE interactions SET channel = '短信' WHERE id = 1")
    conn.execute("BEGIN")
    history.install_triggers(conn)  # as the release before the upgrade recorded changes
    changeset = history.begin(conn, "edit")
    assert changeset is not None
    conn.execute("UPDATE customers SET preferred_channel = '微信' WHERE id IN (1, 2)")
    conn.execute("UPDATE interactions SET channel = 'ＷｅＣｈａｔ' WHERE id = 1")
    history.finish(conn, changeset)
    conn.execute("COMMIT")
    conn.close()
    ok("list")  # upgrades the file: the channels are keys now
    assert rows_of(db_path, "SELECT preferred_channel FROM customers ORDER BY id") == [
        ("wechat",),
        ("wechat",),
    ]
    ok("undo", "--yes")
    assert rows_of(db_path, "SELECT preferred_channel FROM customers ORDER BY id") == [
        ("phone",),
        ("钉钉",),
    ]
    assert rows_of(db_path, "SELECT channel FROM interactions WHERE id = 1") == [("sms",)]


def rows_of(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


class _Phases(Progress):
    """The phases a service reports, in order."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def phase(self, name: str, total: int | None = None) -> None:
        self.names.append(name)


def test_every_step_of_an_upgrade_is_named_in_the_catalog(db_path):
    """An upgrade names its steps; a Chinese terminal reads them in Chinese."""
    assert [migrations.step_name(fn) for fn in migrations.MIGRATIONS] == list(migrations.STEP_NAMES)
    seed_version(db_path, 26)
    heard = _Phases()
    token = i18n.use("zh")
    try:
        connect(db_path, write=False, progress=heard).close()
    finally:
        i18n.reset(token)
    assert "正在升级数据库：精简历史触发器" in heard.names, heard.names
    assert not [n for n in heard.names if re.search("[A-Za-z]", n)], heard.names


def test_an_upgrade_names_its_phases_and_a_new_file_none(db_path, tmp_path):
    """The first run of a newer crm on a large file spent ~8 s in m018's purchase summaries
    with nothing on the terminal: each step of an upgrade is a phase."""
    seed_version(db_path, 16)
    heard = _Phases()
    connect(db_path, write=False, progress=heard).close()
    assert heard.names == [
        "upgrading the database: a backup copy first",
        "upgrading the database: phone kinds",
        "upgrading the database: purchase summaries",
        "upgrading the database: custom festivals",
        "upgrading the database: name order",
        "upgrading the database: purchases by time covering",
        "upgrading the database: first phone and email",
        "upgrading the database: channel keys",
        "upgrading the database: archived and recency indexes",
        "upgrading the database: stage as of covering",
        "upgrading the database: last contacts",
        "upgrading the database: queue triggers",
        "upgrading the database: compact history triggers",
        "upgrading the database: history triggers",
        "upgrading the database: indexing for search",
        "upgrading the database: computing last contacts",
        "upgrading the database: computing purchase summaries",
    ]
    assert version_of(db_path) == migrations.SCHEMA_VERSION
    connect(db_path, write=False, progress=heard).close()  # up to date: nothing more
    new = _Phases()
    connect(tmp_path / "new.db", write=True, progress=new).close()  # made, not upgraded
    connect(tmp_path / "missing.db", write=False, progress=new).close()
    assert new.names == []
