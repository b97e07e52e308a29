"""Encryption at rest (RELIABILITY.md T15): only when the extra is installed."""

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crmcli.store import encryption
from tests.conftest import crm, fails, ok

needs_sqlcipher = pytest.mark.skipif(
    not encryption.available(), reason="sqlcipher3 (pip install 'crmcli[encrypt]') is not installed"
)
SENTINEL = "SentinelQx7"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "crm.key"
    path.write_text("correct horse battery\n")
    path.chmod(0o600)
    return path


@needs_sqlcipher
def test_encrypt_then_use_with_the_key_and_decrypt(db_path, key_file, monkeypatch):
    ok("add", "Secret Person", "--notes", SENTINEL)
    monkeypatch.setenv("CRM_KEY_FILE", str(key_file))
    result = crm("encrypt")
    assert result.exit_code == 0 and result.stdout.startswith("Encrypted ")
    data = db_path.read_bytes()
    assert not data.startswith(b"SQLite format 3") and SENTINEL.encode() not in data
    assert ok("list", "-q") == "1\n"
    assert ok("add", "Second", "-q") == "2\n"
    table = ok("list").splitlines()  # a plain table reads its rows twice, in one transaction
    assert [line.split()[:2] for line in table[2:]] == [["1", "Secret"], ["2", "Second"]]
    exported = ok("export", "customers").splitlines()  # cells from SQL, through SQLCipher
    assert [line.split(",")[:2] for line in exported[1:]] == [
        ["1", "Secret Person"],
        ["2", "Second"],
    ]
    assert SENTINEL.encode() not in db_path.read_bytes()
    backup = Path(ok("backup", "-q").strip())
    assert not backup.read_bytes().startswith(b"SQLite format 3")
    ok("check")
    fails(2, "encrypt", db=None)  # already encrypted
    ok("decrypt")
    assert db_path.read_bytes().startswith(b"SQLite format 3")
    monkeypatch.delenv("CRM_KEY_FILE")
    assert ok("list", "-q") == "1\n2\n"


@needs_sqlcipher
def test_wrong_or_missing_key_is_one_clean_line(db_path, key_file, tmp_path, monkeypatch):
    ok("add", "Anna")
    monkeypatch.setenv("CRM_KEY_FILE", str(key_file))
    ok("encrypt")
    wrong = tmp_path / "wrong.key"
    wrong.write_text("nope\n")
    wrong.chmod(0o600)
    monkeypatch.setenv("CRM_KEY_FILE", str(wrong))
    assert fails(2, "list") == f"crm: wrong key for {db_path} (or the file is damaged)\n"
    # In a real process too: SQLCipher's own logging stays off stderr.
    proc = subprocess.run([sys.executable, "-m", "crmcli", "list"], capture_output=True,
                          text=True, env={**os.environ, "CRM_DB": str(db_path)})  # fmt: skip
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    wrong.chmod(0o644)
    assert "chmod 600" in fails(2, "list")
    monkeypatch.delenv("CRM_KEY_FILE")
    assert "needs its key" in fails(1, "list")


@needs_sqlcipher
def test_key_from_a_file_descriptor_and_new_files_encrypted(tmp_path, monkeypatch):
    db = tmp_path / "new.db"
    read, write = os.pipe()
    os.write(write, b"fd secret\n")
    os.close(write)
    monkeypatch.setenv("CRM_KEY_FD", str(read))
    try:
        ok("--db", str(db), "add", "Via FD", "--notes", SENTINEL)
        assert not db.read_bytes().startswith(b"SQLite format 3")
        assert ok("--db", str(db), "list", "-q") == "1\n"
    finally:
        os.close(read)
    monkeypatch.setenv("CRM_KEY_FD", "99")
    assert "not an open file descriptor" in fails(2, "--db", str(db), "list")


def test_no_key_on_the_command_line_and_a_clear_message_without_the_extra(db_path, monkeypatch):
    ok("add", "Anna")
    fails(2, "encrypt", "--key", "secret")
    monkeypatch.setattr(encryption, "available", lambda: False)
    assert "pip install 'crmcli[encrypt]'" in fails(2, "encrypt", db=db_path)
    assert "pip install 'crmcli[encrypt]'" in fails(2, "decrypt", db=db_path)
    assert ok("list", "-q") == "1\n"  # everything else works as before
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM customers").fetchone()[0] == 1
    conn.close()


def plain(path: Path) -> bool:
    return path.read_bytes()[:16] == b"SQLite format 3\x00"


def check_rows(*args: str) -> dict[str, dict[str, str]]:
    result = crm("check", "--format", "json", *args)
    return {row["check"]: row for row in json.loads(result.stdout)}


@needs_sqlcipher
def test_backup_restore_and_check_in_every_combination_of_key_and_file(
    db_path, key_file, tmp_path, monkeypatch
):
    ok("add", "Anna")
    monkeypatch.setenv("CRM_KEY_FILE", str(key_file))
    # A key set and a plain file (after crm decrypt, or a file older than the key): the key
    # is not used, a backup is as plain as the database, check says so.
    plain_backup = tmp_path / "plain-backup.db"
    assert ok("backup", str(plain_backup), "-q") == f"{plain_backup}\n"
    assert plain(plain_backup) and plain(db_path)
    assert check_rows()["encryption"]["status"] == "note"
    ok("check")
    ok("add", "Ben")
    ok("restore", str(plain_backup), "--yes")
    assert ok("list", "-q") == "1\n" and plain(db_path)
    # A key set and an encrypted file: encrypted backups; a plain backup restores into it
    # and the database stays encrypted.
    ok("encrypt")
    encrypted_backup = tmp_path / "encrypted-backup.db"
    ok("backup", str(encrypted_backup), "-q")
    assert not plain(encrypted_backup)
    ok("add", "Cleo")
    ok("restore", str(plain_backup), "--yes")
    assert ok("list", "-q") == "1\n" and not plain(db_path)
    assert check_rows()["encryption"] == {
        "check": "encryption",
        "status": "ok",
        "detail": "encrypted (SQLCipher)",
    }
    ok("check")
    # Plain again, the key still set: an encrypted backup restores into it, plain.
    ok("add", "Dora")
    ok("decrypt")
    ok("restore", str(encrypted_backup), "--yes")
    assert ok("list", "-q") == "1\n" and plain(db_path)
    ok("check")
    # No key and a plain file: as without the extra; an encrypted backup is one clear line.
    monkeypatch.delenv("CRM_KEY_FILE")
    assert check_rows()["encryption"]["detail"] == "not encrypted"
    ok("backup", "-q")
    assert "an encrypted one needs its key" in fails(
        2, "restore", str(encrypted_backup), "--yes", db=db_path
    )
    # No key and an encrypted file: every one of them says the key is needed, exit 1.
    monkeypatch.setenv("CRM_KEY_FILE", str(key_file))
    ok("encrypt")
    monkeypatch.delenv("CRM_KEY_FILE")
    assert "needs its key" in fails(1, "backup")
    assert "needs its key" in fails(1, "restore", str(plain_backup), "--yes")
    assert "needs its key" in crm("check").stdout
    assert crm("check").exit_code == 1


SLOW_CONVERSION_MB = 24  # enough padding that the copy takes a while on a loaded machine


def pad(db: Path, megabytes: int = SLOW_CONVERSION_MB) -> None:
    """Make the database big, so that crm encrypt/decrypt take long enough to meet."""
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE padding (b BLOB)")
    conn.executemany("INSERT INTO padding VALUES (randomblob(1048576))", [()] * megabytes)
    conn.commit()
    conn.close()


def size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def env_with(db: Path, key_file: Path) -> dict[str, str]:
    return {**os.environ, "CRM_DB": str(db), "CRM_KEY_FILE": str(key_file)}


def blocked_on_stdin(proc: subprocess.Popen) -> bool:
    try:
        return "pipe" in Path(f"/proc/{proc.pid}/wchan").read_text()
    except OSError:
        return False


@needs_sqlcipher
@pytest.mark.skipif(not Path("/proc/self/wchan").exists(), reason="needs Linux /proc")
def test_a_write_during_encrypt_waits_and_lands_in_the_encrypted_file(
    db_path, key_file, monkeypatch
):
    ok("add", "Anna")
    pad(db_path)
    env = env_with(db_path, key_file)
    # The writer is ready and waits for its notes on stdin, so it writes at a moment we pick.
    writer = subprocess.Popen(
        [sys.executable, "-m", "crmcli", "add", "During", "--notes", "-", "-q"],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not blocked_on_stdin(writer) and time.monotonic() < deadline:
        time.sleep(0.02)
    converter = subprocess.Popen(
        [sys.executable, "-m", "crmcli", "encrypt"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    # Write once the copy has passed the customers table (the padding is copied last).
    partial = db_path.with_name("crm.db.converting")
    halfway = SLOW_CONVERSION_MB * 1048576 // 2
    while converter.poll() is None and not (partial.exists() and size(partial) > halfway):
        time.sleep(0.005)
    converting = partial.exists()
    out, err = writer.communicate("written during the conversion\n", timeout=60)
    converter.communicate(timeout=60)
    assert converting, "the conversion ended before the write could meet it"
    assert converter.returncode == 0
    monkeypatch.setenv("CRM_KEY_FILE", str(key_file))
    assert not plain(db_path)
    if writer.returncode == 0:  # it waited for the conversion, then wrote the new file
        assert ok("list", "-q") == f"1\n{out.strip()}\n"
        assert ok("show", "During", "--format", "json").count("written during") == 1
    else:  # or it gave up waiting: one line, exit 1, nothing written anywhere
        assert writer.returncode == 1 and err.startswith("crm: database is busy"), err
        assert ok("list", "-q") == "1\n"


def left_said(found: list[Path]) -> str:
    names = ", ".join(str(p) for p in found)
    verb, them = ("is", "it") if len(found) == 1 else ("are", "them")
    return (
        f"crm: {names} {verb} left from an interrupted 'crm encrypt' or 'crm decrypt' and may "
        f"hold the data unencrypted; 'crm check --repair' removes {them}\n"
    )


def test_a_leftover_converting_file_is_reported_by_every_command_and_repaired(db_path):
    ok("add", "Anna")
    partial = db_path.with_name("crm.db.converting")
    partial.write_bytes(b"SQLite format 3\x00" + b"Secret Person " * 1000)
    said = left_said([partial])
    for args in (["list"], ["add", "Ben", "-q"], ["backup", "-q"], ["show", "1"]):
        result = crm(*args)
        assert result.exit_code == 0 and result.stderr == said, (args, result.stderr)
    rows = check_rows()
    assert rows["leftover copy"]["status"] == "problem"
    assert "'crm check --repair' removes it" in rows["leftover copy"]["detail"]
    assert crm("check").exit_code == 1
    result = crm("check", "--repair", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert {"check": "leftover copy", "status": "ok", "detail": f"removed {partial}"} in (
        json.loads(result.stdout)
    )
    assert not partial.exists()
    assert crm("list").stderr == ""
    ok("check")
    assert ok("list", "-q") == "1\n2\n"


@pytest.mark.parametrize(
    "suffixes",
    [("", "-wal", "-journal"), ("-journal",)],
    ids=["copy-journal-wal", "journal-alone"],
)
def test_a_leftover_journal_of_the_copy_is_reported_and_repaired_too(db_path, suffixes):
    """kill -9 during a conversion can leave the copy's rollback journal (8 KB) beside it,
    or alone once the copy is gone: it is reported, and --repair removes every one."""
    ok("add", "Anna")
    planted = [db_path.with_name(f"crm.db.converting{s}") for s in suffixes]
    for path in planted:
        path.write_bytes(b"Secret Person " * 600)
    said = left_said(planted)
    names = ", ".join(str(p) for p in planted)
    verb = "is" if len(planted) == 1 else "are"
    for args in (["list"], ["add", "Ben", "-q"]):
        result = crm(*args)
        assert result.exit_code == 0 and result.stderr == said, (args, result.stderr)
    rows = check_rows()
    assert rows["leftover copy"]["status"] == "problem"
    assert rows["leftover copy"]["detail"].startswith(f"{names} {verb} left")
    result = crm("check", "--repair", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert {"check": "leftover copy", "status": "ok", "detail": f"removed {names}"} in (
        json.loads(result.stdout)
    )
    assert not any(p.exists() for p in planted)
    assert crm("list").stderr == ""
    ok("check")


DECRYPT_TRIALS = 6


@needs_sqlcipher
def test_kill_9_during_decrypt_keeps_the_database_and_reports_the_leftover(
    tmp_path, key_file, monkeypatch
):
    master = tmp_path / "master.db"
    ok("--db", str(master), "add", "Anna", "--notes", SENTINEL)
    pad(master, 6)
    monkeypatch.setenv("CRM_KEY_FILE", str(key_file))
    ok("--db", str(master), "encrypt")
    timing = tmp_path / "timing.db"
    shutil.copy(master, timing)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "crmcli", "decrypt"], env=env_with(timing, key_file),
                   capture_output=True, check=True)  # fmt: skip
    duration = time.monotonic() - started
    rng = random.Random(19)
    leftovers = 0
    for trial in range(DECRYPT_TRIALS):
        db = tmp_path / f"trial{trial}" / "crm.db"
        db.parent.mkdir()
        shutil.copy(master, db)
        proc = subprocess.Popen([sys.executable, "-m", "crmcli", "decrypt"],
                                env=env_with(db, key_file), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)  # fmt: skip
        time.sleep(rng.uniform(0, duration))
        proc.kill()
        proc.wait()
        # The database is whole, encrypted as before or decrypted, never a mix.
        result = crm("--db", str(db), "list", "--format", "json")
        assert result.exit_code == 0, result.stderr
        assert [c["name"] for c in json.loads(result.stdout)] == ["Anna"]
        partial = db.with_name("crm.db.converting")
        found = [Path(f"{partial}{s}") for s in ("", "-wal", "-shm", "-journal")]
        found = [p for p in found if p.exists()]  # the copy's journal too (8 KB)
        if found:
            leftovers += 1
            assert result.stderr == left_said(found)
            repaired = crm("--db", str(db), "check", "--repair", "--format", "json")
            rows = {row["check"]: row for row in json.loads(repaired.stdout)}
            assert rows["leftover copy"]["detail"] == f"removed {', '.join(map(str, found))}"
            assert rows["integrity"]["status"] == "ok"
            assert not any(p.exists() for p in found)
        else:
            assert result.stderr == ""
    print(f"\nkill -9 during decrypt: {DECRYPT_TRIALS} trials, {leftovers} left a copy")


@needs_sqlcipher
def test_encrypt_decrypt_and_restore_a_db_named_like_a_uri(tmp_path, key_file, monkeypatch):
    monkeypatch.chdir(tmp_path)
    name = "file:e.db?mode=ro"
    ok("--db", name, "add", "Anna")
    ok("--db", name, "backup", "plain.db", "-q")
    monkeypatch.setenv("CRM_KEY_FILE", str(key_file))
    ok("--db", name, "encrypt")
    ok("--db", name, "restore", "plain.db", "--yes")
    assert not plain(tmp_path / name)
    ok("--db", name, "decrypt")
    assert plain(tmp_path / name) and ok("--db", name, "list", "-q") == "1\n"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("e.db")]


@needs_sqlcipher
def test_encrypt_or_decrypt_without_a_key_says_what_is_needed(db_path, monkeypatch):
    """Without a key and a terminal, crm said a plain file "is encrypted; give its key"."""
    monkeypatch.delenv("CRM_KEY_FILE", raising=False)
    ok("add", "Anna")
    assert (
        fails(2, "decrypt", db=db_path) == f"crm: {db_path} is not encrypted; nothing was changed\n"
    )
    error = fails(2, "encrypt", db=db_path)
    assert error.startswith("crm: crm encrypt needs a key: give one with CRM_KEY_FILE"), error
    assert "is encrypted" not in error


@needs_sqlcipher
def test_a_backup_of_the_other_kind_is_read_read_only_when_restored(
    db_path, key_file, tmp_path, monkeypatch
):
    """A plain backup restored into an encrypted database is copied through SQLCipher: it
    was opened read-write, so a -journal someone left beside the backup (in a shared
    folder) could be played back into it. Read-only, SQLite refuses to play one back."""
    ok("add", "Anna")
    plain_backup = tmp_path / "plain-backup.db"
    ok("backup", str(plain_backup), "-q")
    monkeypatch.setenv("CRM_KEY_FILE", str(key_file))
    ok("encrypt")
    opened = []
    real = encryption.open_as

    def spy(path, key, **kwargs):
        conn = real(path, key, **kwargs)
        if Path(path) == plain_backup:
            with pytest.raises(Exception, match=r"readonly|read-only"):
                conn.execute("CREATE TABLE planted (x)")
            opened.append(path)
        return conn

    monkeypatch.setattr(encryption, "open_as", spy)
    ok("add", "Ben")
    ok("restore", str(plain_backup), "--yes")
    assert opened == [plain_backup]
    assert ok("list", "-q") == "1\n"


@needs_sqlcipher
@pytest.mark.parametrize("damage", ["middle", "half", "one page and a bit"])
def test_a_damaged_encrypted_backup_is_refused_as_a_damaged_plain_one_is(
    db_path, key_file, tmp_path, monkeypatch, damage
):
    """Cut short, it said `wrong key for FILE (or the file is damaged)`, the key being
    right: crm's words for a damaged backup are one line that says so and what to do."""
    monkeypatch.setenv("CRM_KEY_FILE", str(key_file))
    for name in ("Anna", "Ben", "Chen"):
        ok("add", name, "--notes", "green tea " * 200)
    assert not plain(db_path)
    backup = tmp_path / "backup.db"
    ok("backup", str(backup))
    data = backup.read_bytes()
    pages = len(data) // 4096
    assert pages > 8
    if damage == "middle":  # a page SQLite reads when it opens the file (the schema's)
        data = data[:4096] + b"\xff" * 4096 + data[2 * 4096 :]
    elif damage == "half":
        data = data[: pages // 2 * 4096]
    else:
        data = data[: 4096 + 100]
    backup.write_bytes(data)
    before = db_path.read_bytes()
    said = f"crm: {backup} is damaged; nothing was restored: restore another backup\n"
    assert fails(2, "restore", str(backup), "--yes") == said
    zh = fails(2, "--lang", "zh", "restore", str(backup), "--yes")
    assert zh == f"crm: {backup} 已损坏；未恢复任何内容：请恢复另一个备份\n"
    assert db_path.read_bytes() == before
    assert sorted(ok("list", "-q").split()) == ["1", "2", "3"]


@needs_sqlcipher
@pytest.mark.parametrize("shadow", ["docsize", "data"])
def test_a_search_index_sqlcipher_finds_damaged_is_mended_by_reindex_not_a_backup(
    db_path, key_file, monkeypatch, shadow
):
    # SQLCipher's SQLite (3.44 and later) checks FTS5 tables in PRAGMA integrity_check:
    # a damaged search index read as a damaged file, `restore a backup`, and crm backup
    # refused with that advice, where crm reindex alone mends it and loses nothing
    ok("add", "Ann", "-q")
    ok("log", "call", "1", "about green tea", "-q")
    monkeypatch.setenv("CRM_KEY_FILE", str(key_file))
    ok("encrypt")
    damaged = encryption.open_as(db_path, key_file.read_text().strip())
    damaged.execute(f"DROP TABLE search_interactions_{shadow}")
    damaged.commit()
    damaged.close()
    rows = check_rows()
    said = rows["integrity"]["detail"]
    assert rows["integrity"]["status"] == "problem" and "restore a backup" not in said, rows
    assert said == "1 problem in the index search_interactions; the data is sound: run 'crm " \
        "reindex' to rebuild it"  # fmt: skip
    refused = fails(1, "backup", "-q")
    assert "nothing was backed up: 1 problem in the index search_interactions" in refused
    ok("reindex")
    assert {row["status"] for row in check_rows().values()} == {"ok"}
    assert ok("search", "green", "-q") and ok("backup", "-q")
