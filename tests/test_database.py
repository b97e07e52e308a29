"""The database file: location, modes, pragmas, refusal of foreign or newer files,
and many writers at once."""

import grp
import hashlib
import json
import os
import pwd
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from crmcli.store import encryption, guard, migrations
from tests.conftest import crm, fails, ok

NOBODY = 65534  # another user, for real: the tests run as root, which may chown
needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="giving a file to another user (chown) needs root"
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_first_write_creates_0600_file_in_0700_dir(tmp_path, monkeypatch):
    old = os.umask(0o022)
    try:
        monkeypatch.delenv("CRM_DB", raising=False)
        ok("add", "Anna")  # crm's own data folder is made on the first write
        db = tmp_path / "xdg" / "crmcli" / "crm.db"
        assert mode(db) == 0o600
        assert mode(db.parent) == 0o700
        for suffix in ("-wal", "-shm"):
            extra = Path(str(db) + suffix)
            if extra.exists():
                assert mode(extra) == 0o600
    finally:
        os.umask(old)


def test_a_database_path_in_a_missing_folder_is_refused(tmp_path, monkeypatch):
    """A typo in --db or CRM_DB neither starts a new database in a new folder tree nor
    answers a read from an empty one: only crm's own data folder is made."""
    other = str(tmp_path / "other.db")
    ok("--db", other, "add", "Ben")
    backup = ok("--db", other, "backup", "-q").strip()
    db = tmp_path / "new" / "dir" / "crm.db"
    for args in (["add", "Anna"], ["list"], ["show", "1"], ["restore", backup, "--yes"]):
        stderr = fails(2, "--db", str(db), *args)
        assert stderr == (
            f"crm: no folder {db.parent} for the database {db}; crm creates only its own data "
            "folder: check the path, or make the folder first (mkdir -m 700)\n"
        ), args
    monkeypatch.setenv("CRM_DB", str(db))
    fails(2, "add", "Anna")
    assert not (tmp_path / "new").exists()


def test_data_path_order_option_then_env_then_user_dir(tmp_path, monkeypatch):
    env_db = tmp_path / "env.db"
    opt_db = tmp_path / "opt.db"
    monkeypatch.setenv("CRM_DB", str(env_db))
    ok("add", "Env")
    ok("--db", str(opt_db), "add", "Opt")
    assert env_db.exists() and opt_db.exists()
    monkeypatch.delenv("CRM_DB")
    ok("add", "Default")
    assert (tmp_path / "xdg" / "crmcli" / "crm.db").exists()


def test_read_commands_never_create_or_change_the_file(db_path):
    assert ok("list") == ""
    assert ok("config", "list")
    fails(3, "show", "1")
    assert not db_path.exists()
    ok("add", "Anna")
    before = digest(db_path)
    ok("list")
    ok("show", "1")
    assert digest(db_path) == before


def test_a_refused_first_write_leaves_no_file(db_path):
    """Connecting creates the file before the input is checked: a refusal removes it."""
    fails(3, "log", "note", "5", "x")
    fails(2, "config", "set", "nosuch", "1")
    fails(3, "stage", "Nobody", "lead")
    assert list(db_path.parent.iterdir()) == []
    ok("add", "Anna")
    fails(3, "log", "note", "5", "x", db=db_path)  # an existing file is never removed
    assert db_path.exists()


def test_pragmas_and_journal_mode(db_path):
    ok("add", "Anna")
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.SCHEMA_VERSION
    conn.close()
    from crmcli.store.db import connect

    live = connect(db_path, write=False)
    assert live.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert live.execute("PRAGMA trusted_schema").fetchone()[0] == 0
    assert live.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert live.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    live.close()


def test_every_table_has_an_integer_primary_key(db_path):
    ok("add", "Anna")
    conn = sqlite3.connect(db_path)
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    # FTS5 tables and their shadow tables (search_customers_data, ...) are SQLite's own.
    virtual = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'"
        )
    ]
    tables = [t for t in tables if not any(t == v or t.startswith(v + "_") for v in virtual)]
    # Derived tables (summaries, queues, history) are rebuilt from the records, never
    # addressed by row id: a composite key suits them.
    from crmcli.store.history import DERIVED_TABLES

    tables = [t for t in tables if t not in DERIVED_TABLES]
    assert "customers" in tables and "purchases" in tables
    for table in tables:
        pk = [r for r in conn.execute(f"PRAGMA table_info({table})") if r[5]]
        assert len(pk) == 1 and pk[0][2].upper() == "INTEGER", table
    conn.close()


def test_newer_file_is_refused_untouched(db_path):
    ok("add", "Anna")
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {migrations.SCHEMA_VERSION + 1}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = digest(db_path)
    for args in (["list"], ["add", "Bob"]):
        err = fails(1, *args)
        assert "newer than this crm knows" in err and err.count("\n") == 1
        assert not guard.holding()  # the connection that found it newer is closed
    assert digest(db_path) == before


def test_foreign_sqlite_file_is_refused(db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.commit()
    conn.close()
    before = digest(db_path)
    assert "not a crm database" in fails(1, "add", "Anna")
    assert digest(db_path) == before


def test_file_that_is_not_sqlite_is_refused(db_path):
    db_path.write_text("hello, I am a text file\n" * 100)
    assert "not a readable crm database" in fails(1, "list")
    assert "not a readable crm database" in fails(1, "add", "Anna")


def test_failed_write_leaves_nothing_half_written(db_path):
    ok("add", "Anna", "--external-id", "A")
    before = sqlite3.connect(db_path).execute("SELECT count(*) FROM customer_phones").fetchone()
    # The new phone is written before the unknown email is found: it must be rolled back.
    fails(2, "edit", "1", "--phone", "+8613800138000", "--remove-email", "x@example.com",
          db=db_path)  # fmt: skip
    after = sqlite3.connect(db_path).execute("SELECT count(*) FROM customer_phones").fetchone()
    assert before == after


WORKER = """
import sys
from typer.main import get_command
from crmcli.cli import app
worker = sys.argv[1]
command = get_command(app)
failures = 0
for i in range(25):
    code = command.main(["add", f"worker {worker} #{i}", "-q"], standalone_mode=False)
    failures += code != 0
sys.exit(1 if failures else 0)
"""


def test_eight_processes_adding_at_once_keep_every_add(db_path, tmp_path):
    ok("add", "Seed")  # create the file first, as a user's real one would be
    env = {**os.environ, "CRM_DB": str(db_path)}
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(n)], env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for n in range(8)
    ]  # fmt: skip
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, errors
    assert not any("locked" in e or "busy" in e for e in errors)
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 1 + 8 * 25
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_concurrent_first_use_of_a_new_file(db_path):
    """Several processes creating the same new file at once all succeed."""
    env = {**os.environ, "CRM_DB": str(db_path)}
    procs = [
        subprocess.Popen([sys.executable, "-m", "crmcli", "add", f"p{n}", "-q"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(4)
    ]  # fmt: skip
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, results
    assert sorted(int(out) for out, _ in results) == [1, 2, 3, 4]


def test_a_lock_held_past_the_timeout_is_exit_1_busy(db_path, monkeypatch):
    import crmcli.store.files

    ok("add", "Anna")
    monkeypatch.setattr(crmcli.store.files, "BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        err = fails(1, "add", "Bob")
        assert err == "crm: database is busy (another crm is writing); try again\n"
        assert ok("list", "-q") == "1\n"  # readers are not blocked by a writer in WAL mode
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert ok("add", "Bob", "-q") == "2\n"


def test_a_new_database_in_a_test_is_private_and_has_crms_schema(db_path, _template):
    """Tests give a blank database the pages of a template crm migrated (conftest): the
    result must be what crm makes, in a file crm created."""
    ok("add", "Anna")
    assert mode(db_path) == 0o600

    def schema(path: Path) -> tuple:
        conn = sqlite3.connect(path)
        try:
            return (
                conn.execute("PRAGMA user_version").fetchone(),
                conn.execute("PRAGMA journal_mode").fetchone(),
                conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY 1, 2").fetchall(),
            )
        finally:
            conn.close()

    assert schema(db_path) == schema(_template)
    assert schema(db_path)[:2] == ((migrations.SCHEMA_VERSION,), ("wal",))


def test_a_db_that_is_not_a_file_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    # A real process: opening a named pipe used to wait forever for a writer.
    for args in (["list"], ["add", "Anna"], ["backup"], ["check"]):
        proc = subprocess.run(
            [sys.executable, "-m", "crmcli", "--db", str(fifo), *args],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert proc.returncode == 2, (args, proc.stderr)
        assert (
            proc.stderr
            == f"crm: {fifo} is a named pipe, not a database file; give a file with --db\n"
        )
    assert fails(2, "--db", "/dev/null", "list") == (
        "crm: /dev/null is a device, not a database file; give a file with --db\n"
    )
    assert fails(2, "--db", str(tmp_path), "add", "Anna") == (
        f"crm: {tmp_path} is a directory, not a database file; give a file with --db\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.db"]


def test_a_db_named_like_a_uri_is_only_that_files_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("file:x.db?mode=ro", "file:y.db?mode=rwc", "file:z.db#frag"):
        assert ok("--db", name, "add", "Anna", "-q") == "1\n"
        assert ok("--db", name, "list", "-q") == "1\n"
        backup = ok("--db", name, "backup", "-q").strip()
        ok("--db", name, "add", "Ben")
        ok("--db", name, "restore", backup, "--yes")
        assert ok("--db", name, "list", "-q") == "1\n"
        ok("--db", name, "check")
        assert (tmp_path / name).is_file()
    # SQLite never read one as a URI: no x.db, y.db or z.db beside them.
    assert not any(p.name in ("x.db", "y.db", "z.db") for p in tmp_path.iterdir())


def test_an_existing_file_open_to_others_is_made_private_and_says_so(tmp_path):
    old = os.umask(0o022)
    try:
        db = tmp_path / "crm.db"
        db.touch()  # as `touch` or an unpacked archive leaves it: 0644
        for name in ("crm.db-wal", "crm.db-shm"):
            (tmp_path / name).touch()
        assert mode(db) == 0o644
        result = crm("--db", str(db), "add", "Anna", "-q")
        assert result.exit_code == 0
        assert result.stderr == "".join(
            f"crm: {tmp_path / name} was open to others (0644); made it owner-only (0600)\n"
            for name in ("crm.db", "crm.db-wal", "crm.db-shm")
        )
        assert mode(db) == 0o600
        db.chmod(0o644)
        result = crm("--db", str(db), "list", "-q")  # a read command too
        assert (result.stdout, mode(db)) == ("1\n", 0o600)
        assert result.stderr.count("\n") == 1
        assert crm("--db", str(db), "list", "-q").stderr == ""  # said once, when it was so
        for name in ("crm.db-wal", "crm.db-shm"):
            if (tmp_path / name).exists():
                assert mode(tmp_path / name) == 0o600
    finally:
        os.umask(old)


def test_a_file_crm_refuses_keeps_its_mode_and_bytes(tmp_path, monkeypatch):
    """A user's own file given by mistake (`--db ~/notes.txt`, `--db /etc/passwd`) is refused
    as it is: crm makes owner-only only a file it took as its database."""
    key = tmp_path / "key"
    key.write_text("ab" * 32)
    key.chmod(0o600)
    notes = tmp_path / "notes.txt"
    notes.write_text("call Anna on Monday\n")
    noise = tmp_path / "noise.bin"  # sized like an encrypted database: tried with the key
    noise.write_bytes(hashlib.sha256(b"x").digest() * 32)
    for name, env, code, checked in (
        (notes, {}, 1, 1),  # not a database: exit 1, `crm check` reports it (exit 1)
        (noise, {"CRM_KEY_FILE": str(key)}, 2, 2),  # the key does not open it: exit 2
    ):
        for var, value in env.items():
            monkeypatch.setenv(var, value)
        name.chmod(0o644)
        before = name.read_bytes()
        for args in (["list"], ["add", "Anna"], ["show", "1"]):
            stderr = fails(code, "--db", str(name), *args)
            assert stderr.count("\n") == 1 and "owner-only" not in stderr, stderr
            assert (mode(name), name.read_bytes()) == (0o644, before)
        result = crm("--db", str(name), "check")
        assert result.exit_code == checked
        assert result.stderr.count("\n") == 1
        assert (mode(name), name.read_bytes()) == (0o644, before)


# --- whose file, whose folder ----------------------------------------------------------------


def foreign(name: Path) -> str:
    return (
        f"crm: {name} belongs to user nobody (uid {NOBODY}), not to you: crm keeps personal "
        "data only in files you own"
    )


def open_folder(folder: Path, mode: str = "0777") -> str:
    return (
        f"crm: {folder} is writable by group or others (mode {mode}): they could replace the "
        "database, or plant a journal beside it that SQLite plays back, so crm does not use "
        "it there; chmod go-w "
        f"{folder}, or move the database to a folder of your own\n"
    )


def check_json(db: Path) -> dict[str, dict[str, str]]:
    result = crm("--db", str(db), "check", "--format", "json")
    return {r["check"]: r for r in json.loads(result.stdout)}


def openers(db: Path) -> list[list[str]]:
    """Commands that open an existing database, reading or writing (DB: the database)."""
    at = ["--db", str(db)]
    return [
        [*at, "edit", "W", "--notes", "secret note"],
        [*at, "add", "Ben"],
        [*at, "list"],
        [*at, "show", "1"],
        [*at, "backup"],
        [*at, "export", "customers", "--format", "json"],
        [*at, "forget", "1", "--yes"],
    ]


@needs_root
def test_a_database_another_user_put_in_its_place_is_never_read_or_written(tmp_path, monkeypatch):
    """The audit: another user who could write the folder replaced the database by a copy
    of their own (cp; mv -f), 0644; crm wrote the next note into it and said nothing."""
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o700)
    db = folder / "crm.db"
    ok("--db", str(db), "add", "W")
    copy = folder / "new.db"
    shutil.copy(db, copy)
    os.chown(copy, NOBODY, NOBODY)
    copy.chmod(0o644)
    copy.replace(db)
    before = db.read_bytes()
    backup = tmp_path / "other.db"
    ok("--db", str(backup), "add", "X")
    runs = [*openers(db), ["--db", str(db), "restore", str(backup), "--yes"]]
    if encryption.available():
        key = tmp_path / "key"
        key.write_text("k" * 32)
        key.chmod(0o600)
        monkeypatch.setenv("CRM_KEY_FILE", str(key))
        runs += [["--db", str(db), "encrypt"]]
    said = foreign(db) + "; copy it (cp) to make a file of your own\n"
    for args in runs:
        result = crm(*args)
        assert (result.exit_code, result.stderr) == (2, said), args
        assert "W" not in result.stdout, args
    assert db.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["crm.db"]  # no -wal, -shm of ours
    rows = check_json(db)
    assert rows["file owner"] == {"check": "file owner", "status": "problem", "detail": said[5:-1]}
    assert "integrity" not in rows  # crm check reports it, and does not open it either
    # Copied, it is the user's own: everything works on the copy.
    mine = folder / "mine.db"
    shutil.copy(db, mine)
    ok("--db", str(mine), "edit", "W", "--notes", "secret note")
    assert check_json(mine)["file owner"]["status"] == "ok"


@needs_root
@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_a_wal_shm_or_journal_of_another_user_is_refused(db_path, suffix):
    ok("add", "W")
    planted = Path(f"{db_path}{suffix}")
    planted.write_bytes(b"")
    os.chown(planted, NOBODY, NOBODY)
    before = db_path.read_bytes()
    said = foreign(planted) + (
        "; that user's crm has the database open or left it so: ask them to close it\n"
    )
    for args in openers(db_path):
        result = crm(*args)
        assert (result.exit_code, result.stderr) == (2, said), args
    assert db_path.read_bytes() == before and planted.stat().st_uid == NOBODY
    assert check_json(db_path)["file owner"]["detail"] == said[5:-1]
    planted.unlink()
    assert ok("list", "-q") == "1\n"


def test_a_folder_others_can_write_is_refused_and_named_by_check(tmp_path):
    """Another user could replace the database there (the audit's 0777 folder): crm uses
    no database in it, reading or writing, new or not, until the folder is closed."""
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o777)
    db = folder / "crm.db"
    for args in (["add", "W"], ["list"]):  # nothing there yet: no new file either
        assert fails(2, "--db", str(db), *args) == open_folder(folder), args
    assert list(folder.iterdir()) == []
    folder.chmod(0o700)
    ok("--db", str(db), "add", "W")
    folder.chmod(0o777)
    before = db.read_bytes()
    for args in openers(db):
        result = crm(*args)
        assert (result.exit_code, result.stderr) == (2, open_folder(folder)), args
    assert db.read_bytes() == before
    rows = check_json(db)
    assert rows["folder"] == {
        "check": "folder",
        "status": "problem",
        "detail": open_folder(folder)[5:-1].replace(", so crm does not use it there", ""),
    }
    assert rows["file owner"] == {"check": "file owner", "status": "ok", "detail": "yours"}
    assert rows["integrity"]["status"] == "ok"  # crm check still looks inside
    folder.chmod(0o755)
    ok("--db", str(db), "edit", "W", "--notes", "fine now")
    assert check_json(db)["folder"]["status"] == "ok"


def test_a_folder_writable_by_another_group_is_refused_but_not_by_ones_own_group(tmp_path):
    folder = tmp_path / "group"
    folder.mkdir()
    folder.chmod(0o770)
    db = folder / "crm.db"
    me = pwd.getpwuid(os.geteuid())
    if set(grp.getgrgid(me.pw_gid).gr_mem) <= {me.pw_name}:  # a private group: only the user
        assert crm("--db", str(db), "add", "W").stderr == ""
        assert check_json(db)["folder"]["status"] == "ok"
    if os.geteuid() == 0:
        os.chown(folder, 0, NOBODY)  # a group of others
        assert fails(2, "--db", str(db), "list") == open_folder(folder, "0770")


def test_a_sticky_folder_everyone_can_write_is_refused_for_the_database(tmp_path):
    """A sticky folder (/tmp itself) stops others renaming the database, but not creating
    its -journal before SQLite looks: SQLite played such a planted hot journal back and the
    database became the other user's. A sticky folder ABOVE the database's own is fine."""
    folder = tmp_path / "tmp-like"
    folder.mkdir()
    folder.chmod(0o1777)
    db = folder / "crm.db"
    said = fails(2, "--db", str(db), "add", "W")  # closing a folder shared on purpose
    assert said == open_folder(folder, "1777").replace(f"chmod go-w {folder}, or m", "m")
    assert list(folder.iterdir()) == []  # would break it for everyone: not advised
    inner = folder / "mine"
    inner.mkdir(mode=0o700)
    result = crm("--db", str(inner / "crm.db"), "add", "W")
    assert (result.exit_code, result.stderr) == (0, "")
    assert check_json(inner / "crm.db")["folder"] == {
        "check": "folder",
        "status": "ok",
        "detail": "nobody else can replace the database in it",
    }


def test_a_folder_above_that_others_can_write_is_refused(tmp_path):
    """Whoever can rename entries in a folder above can swap the database's folder."""
    above = tmp_path / "above"
    (above / "db").mkdir(parents=True, mode=0o700)
    db = above / "db" / "crm.db"
    ok("--db", str(db), "add", "W")
    above.chmod(0o777)
    error = fails(2, "--db", str(db), "list")
    assert f"{above}, a folder above the database, can be changed by another user" in error
    above.chmod(0o755)
    assert ok("--db", str(db), "list", "-q") == "1\n"


@needs_root
def test_a_folder_another_user_owns_is_refused(tmp_path):
    folder = tmp_path / "theirs"
    folder.mkdir(mode=0o755)
    db = folder / "crm.db"
    ok("--db", str(db), "add", "W")
    os.chown(folder, NOBODY, NOBODY)
    said = (
        f"crm: {folder} belongs to user nobody (uid {NOBODY}), who could replace the "
        "database in it, so crm does not use it there; move the database to a folder of "
        "your own\n"
    )
    for args in (["add", "Ben"], ["list"]):
        assert fails(2, "--db", str(db), *args) == said
    assert check_json(db)["folder"]["detail"] == said[5:-1].replace(
        ", so crm does not use it there", ""
    )


def test_a_new_file_another_crm_makes_between_two_reads_is_not_refused(tmp_path):
    """Whether a file is crm's is read from one state of it: another crm making the same new
    file may commit its first schema step just after crm read the version (0), and the
    tables it then found made the file 'not a crm database' (one of four `crm add` run at
    once on a new file was refused so)."""
    from crmcli.store import db, migrations

    path = tmp_path / "crm.db"
    sqlite3.connect(path).close()  # a new, empty file
    plain = sqlite3.connect(path, isolation_level=None)

    class Read(list):  # a statement's rows, read whole: no lock held after it
        def fetchone(self):
            return self[0] if self else None

        def fetchall(self):
            return list(self)

    class Meanwhile:  # the other crm commits its schema right after the first read
        reads = 0

        def execute(self, *args):
            rows = Read(plain.execute(*args).fetchall())
            Meanwhile.reads += 1
            if Meanwhile.reads == 1:
                db.connect(path, write=True).close()
            return rows

    try:
        assert migrations.needs_upgrade(Meanwhile(), path) is True  # as read: a new file
    finally:
        plain.close()
    assert ok("--db", str(path), "add", "Anna", "-q") == "1\n"
