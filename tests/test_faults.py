"""Fault tests (RELIABILITY.md T1, T2, T4, T5, T8): kill -9 in the middle of a long
write, disk full, eight writers at once, a cron read during a long write, and an injection
corpus for field names. Child processes run the real code; every test prints its figures
(run with `pytest -s tests/test_faults.py` to see them)."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import crm, dump, fails, ok

ROOT = Path(__file__).resolve().parent.parent


def env_for(db: Path) -> dict[str, str]:
    return {**os.environ, "CRM_DB": str(db), "PYTHONPATH": str(ROOT)}


def integrity(db: Path) -> tuple[str, list]:
    conn = sqlite3.connect(db)
    try:
        return (
            conn.execute("PRAGMA integrity_check").fetchone()[0],
            conn.execute("PRAGMA foreign_key_check").fetchall(),
        )
    finally:
        conn.close()


def count(db: Path, sql: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# --- T1: kill -9 in the middle of a long write ------------------------------------------------

LONG_WRITE = """
import sys
from pathlib import Path
from crmcli.demo import build as demo
from crmcli.store.db import connect, transaction
conn = connect(Path(sys.argv[1]), write=True)
with transaction(conn, command="demo"):
    print("started", flush=True)
    demo.build(conn, count=int(sys.argv[2]), seed=7)
print("committed", flush=True)
"""
KILL_CUSTOMERS = 150


def start_long_write(db: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", LONG_WRITE, str(db), str(KILL_CUSTOMERS)],
        env=env_for(db),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "started\n", proc.stderr.read() if proc.stderr else ""
    return proc


@pytest.mark.parametrize(("journal", "trials"), [("wal", 40), ("delete", 40)])  # RELIABILITY T1
def test_kill_9_during_a_long_write_leaves_all_or_nothing(tmp_path, journal, trials):
    template = tmp_path / "template.db"
    ok("--db", str(template), "config", "set", "default_region", "CN")
    if journal == "delete":
        conn = sqlite3.connect(template)
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.close()
    # How long the write takes when left alone: kills land anywhere within it.
    full = tmp_path / "full.db"
    full.write_bytes(template.read_bytes())
    began = time.perf_counter()
    proc = start_long_write(full)
    assert proc.wait(timeout=300) == 0
    duration = time.perf_counter() - began
    rng = random.Random(20261122)
    killed_mid = committed = corrupt = 0
    for trial in range(trials):
        db = tmp_path / f"trial{trial}.db"
        db.write_bytes(template.read_bytes())
        proc = start_long_write(db)
        time.sleep(rng.uniform(0, duration * 1.1))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=60)
        finished = "committed" in out
        check, broken = integrity(db)
        customers = count(db, "SELECT count(*) FROM customers")
        corrupt += check != "ok" or bool(broken)
        assert check == "ok" and broken == [], (trial, check, broken)
        assert customers in (0, KILL_CUSTOMERS), (trial, customers)
        if customers:
            committed += 1
        else:
            killed_mid += 1
            assert not finished
            assert count(db, "SELECT count(*) FROM history") <= 1  # only the config set
        assert ok("--db", str(db), "add", "Next", "-q")  # the next write works
    print(
        f"\nT1 kill -9 ({journal}): {trials} trials over a {duration:.2f} s write of "
        f"{KILL_CUSTOMERS} demo customers: {killed_mid} killed mid-transaction (rolled back), "
        f"{committed} committed, {corrupt} corrupt"
    )
    assert corrupt == 0


# --- T2: disk full -------------------------------------------------------------------------

LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from crmcli.__main__ import main
sys.argv = ["crm", *sys.argv[2:]]
main()
"""


def test_disk_full_during_a_write_is_exit_1_and_changes_nothing(tmp_path):
    db = tmp_path / "full.db"
    ok("demo", "--db", str(db), "--customers", "400")
    before = dump(db)
    limit = 40 * 1024  # room for the -shm, not for this transaction's WAL frames
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            LIMITED,
            str(limit),
            "--db",
            str(db),
            "tag",
            "bulk",
            "--all",
            "--yes",
        ],
        env=env_for(db),
        capture_output=True,
        text=True,
        timeout=120,
    )
    print(f"\nT2 disk full (RLIMIT_FSIZE {limit} B): exit {proc.returncode}, {proc.stderr!r}")
    assert proc.returncode == 1
    assert proc.stderr.startswith("crm: could not write the database")
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert dump(db) == before
    assert integrity(db) == ("ok", [])
    ok("--db", str(db), "tag", "bulk", "1")  # with room again, writing works


# --- T4: eight read-then-write processes --------------------------------------------------------

WORKER = """
import json, sys, time
from typer.main import get_command
from crmcli.cli import app
worker, per = int(sys.argv[1]), int(sys.argv[2])
command = get_command(app)
times, failures = [], []
for i in range(per):
    customer = worker * per + i + 1
    for args in (
        ["tag", f"w{worker}", str(customer), "-q"],
        ["task", "done", str(customer), "-q"],
        ["edit", str(customer), "--city", f"W{worker}-{i}", "-q"],
    ):
        began = time.perf_counter()
        code = command.main(args, standalone_mode=False)
        times.append(time.perf_counter() - began)
        if code:
            failures.append(args)
print(json.dumps({"times": times, "failures": failures}))
"""


def test_eight_processes_reading_then_writing_lose_nothing(tmp_path):
    db = tmp_path / "busy.db"
    per = 10
    ok("--db", str(db), "config", "set", "default_region", "CN")
    from crmcli.store.db import connect, transaction

    conn = connect(db, write=True)
    with transaction(conn, command="seed"):
        for n in range(1, 8 * per + 1):
            conn.execute(
                "INSERT INTO customers (id, name, name_key, created_at, updated_at) "
                "VALUES (?, ?, ?, '2026-01-01T00:00:00+08:00', '2026-01-01T00:00:00+08:00')",
                (n, f"c{n}", f"c{n}"),
            )
            conn.execute(
                "INSERT INTO tasks (id, customer_id, text, due_on, created_at, updated_at) "
                "VALUES (?, ?, 'call', '2026-11-22', '2026', '2026')",
                (n, n),
            )
    conn.close()
    began = time.perf_counter()
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(w), str(per)], env=env_for(db),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for w in range(8)
    ]  # fmt: skip
    results = [p.communicate(timeout=300) for p in procs]
    elapsed = time.perf_counter() - began
    errors = "".join(err for _, err in results)
    reports = [json.loads(out.splitlines()[-1]) for out, _ in results]
    times = [t for r in reports for t in r["times"]]
    failures = [f for r in reports for f in r["failures"]]
    print(
        f"\nT4 8 processes x {per * 3} read-then-write commands: {len(times)} commands in "
        f"{elapsed:.1f} s ({len(times) / elapsed:.0f}/s), p50 {percentile(times, 50) * 1000:.0f} "
        f"ms, p99 {percentile(times, 99) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms, "
        f"{len(failures)} failed"
    )
    assert "locked" not in errors and "busy" not in errors, errors
    assert failures == [] and [p.returncode for p in procs] == [0] * 8
    assert count(db, "SELECT count(*) FROM customer_tags") == 8 * per
    assert count(db, "SELECT count(*) FROM tasks WHERE done_at IS NULL") == 0
    assert count(db, "SELECT count(*) FROM customers WHERE city LIKE 'W%'") == 8 * per
    assert count(db, "SELECT count(*) FROM changesets WHERE command = 'edit'") == 8 * per
    assert integrity(db) == ("ok", [])


# --- T5: a cron read during a long write ------------------------------------------------------

HOLDING_WRITE = """
import sys, time
from pathlib import Path
from crmcli.store import history
from crmcli.store.db import connect, transaction
conn = connect(Path(sys.argv[1]), write=True)
with transaction(conn, command="import"):
    with history.bulk_insert(conn, "purchases"):
        conn.executemany(
            "INSERT INTO purchases (customer_id, item, amount_minor, currency, purchased_at, "
            "created_at, updated_at) VALUES (1, ?, 100, 'CNY', '2026-01-01', '2026', '2026')",
            [(f"item {i}",) for i in range(20000)],
        )
    for customer in range(1, 41):
        conn.execute(
            "INSERT INTO tasks (customer_id, text, due_on, created_at, updated_at) "
            "VALUES (?, 'imported task', '2026-11-22', '2026', '2026')", (customer,))
    print("started", flush=True)
    time.sleep(float(sys.argv[2]))  # a long import still holding the write lock
    Path(sys.argv[3]).touch()  # about to commit
print("committed", flush=True)
"""


def test_cron_remind_during_a_long_write_is_prompt_and_consistent(tmp_path):
    from tests.conftest import crm

    db = tmp_path / "cron.db"
    ok("demo", "--db", str(db), "--customers", "200")
    before = ok("--db", str(db), "remind", "--format", "json")
    flag = tmp_path / "committing"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDING_WRITE, str(db), "2.5", str(flag)],
        env=env_for(db),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "started\n"
    latencies, outputs = [], []
    while proc.poll() is None:
        began = time.perf_counter()
        result = crm("--db", str(db), "remind", "--format", "json")
        latencies.append(time.perf_counter() - began)
        assert result.exit_code == 0, result.stderr
        outputs.append((result.stdout, not flag.exists()))  # ended before COMMIT began?
    assert proc.wait() == 0
    after = ok("--db", str(db), "remind", "--format", "json")
    assert after != before and len(json.loads(after)["due_tasks"]) >= 40
    during = [out for out, running in outputs if running]
    assert during, "no read finished while the write was open"
    assert all(out in (before, after) for out, _ in outputs)
    assert all(out == before for out in during)
    print(
        f"\nT5 cron remind during a 2.5 s write: {len(latencies)} reads, {len(during)} while "
        f"the writer held the lock, all consistent; max {max(latencies) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 99) * 1000:.0f} ms"
    )


# --- T8: field-name injection corpus ---------------------------------------------------------

SORTS = [
    "name;DROP TABLE customers", '"', "]", "nmae", "?", "1=1", "name--",
    "name COLLATE NOCASE", "(select 1)", "name,id", "rowid", "c.name", "customers.name",
    "name DESC", '"name"', "[name]", "`name`", "name]", "-", "-?", "national_id", "id/*",
    "id)", "CASE WHEN 1 THEN name END", "name_key", "randomblob(9)",
]  # fmt: skip
WHERES = [
    "name;DROP TABLE customers = x", '" = 1', "] = 1", "nmae = x", "? = 1", "1=1", "1 = 1",
    "name OR 1=1", "c.name = x", "customers.name = x", "name) OR (1 = 1",
    '"name" = x', "[name] = x", "`name` = x", "name/**/= x", "name -- = x", "rowid = 1",
    "national_id = 110105194912310021", "name_key = x", "id = 1 OR 1", "id ~ 1",
    "tag > x", "phone < 1", "sqlite_master = x", "name LIKE x", "= x", "name", "",
]  # fmt: skip


def test_injection_corpus_for_where_and_sort_is_rejected(db_path):
    ok("add", "Anna", "--city", "Shanghai", "--field", "wechat=a1")
    ok("add", "Ben")
    accepted = []
    for payload in SORTS:
        err = fails(2, "list", "--sort", payload, db=db_path)
        accepted += [payload] if not err.startswith("crm: cannot sort by") else []
    for payload in WHERES:
        fails(2, "list", "--where", payload, db=db_path)
        fails(2, "tag", "x", "--where", payload, db=db_path)
        fails(2, "untag", "x", "--where", payload, db=db_path)
    print(
        f"\nT8 injection corpus: {len(SORTS)} --sort and {len(WHERES)} --where payloads "
        f"(x3 commands), {len(accepted)} accepted; database unchanged"
    )
    assert accepted == []
    # A name typed in full-width letters (a Chinese input method) is the field, read
    # half-width (NFKC), and nothing else: the same rows as the name itself.
    assert ok("list", "--sort", "-ｎａｍｅ", "-q") == "2\n1\n"
    assert ok("list", "--where", "ｎａｍｅ = Ben", "-q") == "2\n"
    # Values are bound parameters: SQL in a value is only text to compare with.
    for value in ("x; DELETE FROM customers", "' OR '1'='1", '" OR 1=1 --', "1); DROP TABLE t"):
        assert ok("list", "--where", f"name = {value}", "-q") == ""
    assert ok("list", "-q") == "1\n2\n"


# --- an interrupted restore ------------------------------------------------------------------

STOPPED_RESTORE = """
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C as on a terminal, also
# under a runner that ignores it (a background job hands its children SIGINT ignored)
from crmcli.store import backup, db
point = sys.argv[1]

def stop():
    print("ready", flush=True)
    time.sleep(60)

real_fsync, real_keep, real_upgrade = backup._fsync, backup._keep_bytes, db.upgrade

def fsync(path):
    real_fsync(path)
    if point == "copy written" and ".restoring-" in str(path):
        stop()

def keep(path):
    kept = real_keep(path)
    if point == "bytes kept":
        stop()
    return kept

def upgrade(path):
    if point == "in place":
        stop()
    real_upgrade(path)

backup._fsync, backup._keep_bytes, db.upgrade = fsync, keep, upgrade
from crmcli.__main__ import main
sys.argv = ["crm", "restore", sys.argv[2], "--yes"]
main()
"""


def _files(folder: Path) -> dict[str, int]:
    """The files under `folder` and their sizes, but SQLite's -wal and -shm of the database
    (an empty -wal is its own, of a database in WAL mode)."""
    return {
        str(p.relative_to(folder)): p.stat().st_size
        for p in folder.rglob("*")
        if p.is_file() and p.name not in ("crm.db-wal", "crm.db-shm")
    }


@pytest.mark.parametrize("database", ["missing", "damaged", "empty"])
@pytest.mark.parametrize("point", ["copy written", "bytes kept", "in place"])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_an_interrupted_restore_leaves_the_database_as_it_was_or_restored(
    tmp_path, database, point, sig
):
    """A restore where SQLite cannot copy into the database (none there, or a damaged one)
    emptied or created the file and wrote into it: killed, it left the database empty (0
    bytes, a 1 KB -journal beside it) and the damaged bytes only in the backups folder."""
    if database in ("missing", "empty") and point == "bytes kept":
        pytest.skip("no bytes to keep")
    source = tmp_path / "source" / "crm.db"
    source.parent.mkdir()
    ok("--db", str(source), "add", "Anna", "--notes", "green tea " * 500, "-q")
    good = tmp_path / "good.db"
    ok("--db", str(source), "backup", str(good))
    home = tmp_path / "home"
    home.mkdir()
    live = home / "crm.db"
    if database == "damaged":
        ok("--db", str(live), "add", "Ben", "-q")
        for suffix in ("-wal", "-shm"):
            Path(f"{live}{suffix}").unlink(missing_ok=True)
        live.write_bytes(live.read_bytes()[:4096])
    if database == "empty":  # a 0-byte file, no database yet: was copied into through
        live.write_bytes(b"")  # SQLite, and a kill left it read-only to every command
    before = live.read_bytes() if live.exists() else None
    proc = subprocess.Popen(
        [sys.executable, "-c", STOPPED_RESTORE, point, str(good)],
        env=env_for(live),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n", proc.communicate()
    proc.send_signal(sig)
    proc.communicate(timeout=30)
    left = _files(home)
    empty = [name for name, size in left.items() if not size]
    assert empty in ([], ["crm.db"] if before == b"" else []), left  # none but as it was
    if live.exists() and database != "damaged":  # read as it was or restored by any command
        ok("--db", str(live), "list", "-q")
    now = live.read_bytes() if live.exists() else None
    if now != before:  # restored, whole
        assert integrity(live) == ("ok", [])
        assert count(live, "SELECT group_concat(name) FROM customers") == "Anna"
    restore_copies = [name for name in left if ".restoring-" in name]
    if restore_copies and live.exists():  # what the killed restore was writing: said
        assert all(name.startswith(".crm.db.restoring-") for name in restore_copies)
        checked = subprocess.run(
            [sys.executable, "-m", "crmcli", "check", "--format", "json"],
            env=env_for(live), capture_output=True, text=True,
        )  # fmt: skip
        rows = [r for r in json.loads(checked.stdout) if r["check"] == "leftover copy"]
        assert rows and "interrupted 'crm restore'" in rows[0]["detail"], checked.stdout
    folder = home / "backups"
    if folder.exists():  # what crm restore FOLDER names restores
        said = fails(2, "--db", str(live), "restore", str(folder), "--yes")
        assert "crm restore" in said and "-damaged-" not in said.split("crm restore ")[-1]
    # the next restore puts the backup in place and removes what the killed one left
    ok("--db", str(live), "restore", str(good), "--yes")
    assert count(live, "SELECT group_concat(name) FROM customers") == "Anna"
    assert [n for n in _files(home) if ".restoring-" in n] == []
    assert 0 not in _files(home).values()


def test_a_ctrl_c_during_a_restore_s_copy_leaves_the_database_in_wal_mode(tmp_path):
    """SQLite's backup call runs to its end and Python raises the Ctrl-C after it: the
    statement that sets WAL back was skipped, and the restored database kept the backup's
    rollback-journal mode for good."""
    from crmcli.store import connection, db

    source_path = tmp_path / "backup.db"
    plain = sqlite3.connect(source_path)
    plain.execute("PRAGMA journal_mode = DELETE")
    plain.execute("CREATE TABLE t (x)")
    plain.commit()

    class Interrupted:  # the copy made, then the Ctrl-C that came during it
        def backup(self, target):
            plain.backup(target)
            raise KeyboardInterrupt

    live = tmp_path / "live.db"
    live.touch(mode=0o600)
    with pytest.raises(KeyboardInterrupt):
        db.copy_into(live, Interrupted(), lambda: connection.open_sqlite(str(live)))
    plain.close()
    check = sqlite3.connect(live)
    assert check.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert check.execute("SELECT count(*) FROM t").fetchone() == (0,)
    check.close()


INTERRUPTED_COPY = """
import os, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C as on a terminal, also
# under a runner that ignores it (a background job hands its children SIGINT ignored)
from crmcli.store import db
real = db.copy_into

def copy_into(path, source, opener):
    os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while SQLite copies the backup in
    real(path, source, opener)

db.copy_into = copy_into
from crmcli.__main__ import main
sys.argv = ["crm", "restore", sys.argv[1], "--yes"]
main()
"""


def test_a_ctrl_c_during_a_restore_s_copy_lets_it_finish_and_say_so(tmp_path):
    """The copy is one step no signal stops: the interrupt raised after it made a finished
    restore exit 130 with nothing said, not where the database as it was is kept."""
    live = tmp_path / "crm.db"
    ok("--db", str(live), "add", "Anna", "-q")
    good = tmp_path / "good.db"
    ok("--db", str(live), "backup", str(good))
    ok("--db", str(live), "add", "Ben", "-q")
    done = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_COPY, str(good)],
        env=env_for(live), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done
    assert done.stdout.startswith(f"Restored {good} (1 customer) into {live}."), done.stdout
    assert "The database as it was is kept in" in done.stdout
    assert count(live, "SELECT group_concat(name) FROM customers") == "Anna"


def test_what_a_crm_writes_into_an_empty_database_during_its_restore_is_kept(tmp_path, monkeypatch):
    """A restore into an empty file wrote the backup beside it, then renamed it over the
    file without looking again: a customer added meanwhile was lost, and no copy kept."""
    from crmcli.store import backup

    source = tmp_path / "source.db"
    ok("--db", str(source), "add", "Anna", "-q")
    good = tmp_path / "good.db"
    ok("--db", str(source), "backup", str(good))
    live = tmp_path / "home" / "crm.db"
    live.parent.mkdir(mode=0o700)
    live.write_bytes(b"")
    real = backup._write_copy

    def meanwhile(source_path, work, key):
        real(source_path, work, key)  # the copy written; a crm adds a customer now
        added = subprocess.run([sys.executable, "-m", "crmcli", "add", "Ben", "-q"],
                               env=env_for(live), capture_output=True, text=True)  # fmt: skip
        assert added.returncode == 0, added

    monkeypatch.setattr(backup, "_write_copy", meanwhile)
    done = crm("--db", str(live), "restore", str(good), "--yes")
    assert done.exit_code == 0, done
    kept = done.stdout.split("The database as it was is kept in ")[1].strip()
    assert count(Path(kept), "SELECT group_concat(name) FROM customers") == "Ben"
    assert count(live, "SELECT group_concat(name) FROM customers") == "Anna"
