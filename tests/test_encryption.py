"""Encryption at rest (RELIABILITY.md T15): only when the extra is installed."""

import os
import sqlite3
import subprocess
import sys
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
