"""An existing empty file (0 bytes, as `touch` or a tool that makes the file for crm leaves
it) given as the database: a read command reads it as an empty database and leaves it 0
bytes, with nothing beside it; the first write makes its schema as on a new file (encrypted
when a key is set), and a refused first write leaves it empty again."""

import json
import os
from pathlib import Path

import pytest

from crmcli.store import encryption
from tests.conftest import crm, fails, ok, rows


def make_empty(path: Path) -> None:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def left(path: Path) -> list[tuple[str, int]]:
    """The files in the database's folder that are the database or beside it, with sizes."""
    return sorted(
        (p.name, p.stat().st_size) for p in path.parent.iterdir() if p.name.startswith(path.name)
    )


READS = [
    ("list",),
    ("list", "--format", "json"),
    ("show", "1"),
    ("search", "Anna"),
    ("remind",),
    ("today",),
    ("dashboard",),
    ("history",),
    ("purchases",),
    ("interactions",),
    ("export", "customers"),
    ("export", "all"),
    ("clean",),
    ("dedupe",),
    ("sql", "SELECT count(*) AS n FROM customers"),
    ("undo", "--yes"),
    ("forget", "1", "--yes"),
]


@pytest.mark.parametrize("args", READS, ids=" ".join)
def test_a_read_command_answers_as_on_a_new_file_and_leaves_it_empty(db_path, args):
    missing = crm(*args)
    assert not db_path.exists()
    make_empty(db_path)
    empty = crm(*args)
    assert (empty.exit_code, empty.stdout, empty.stderr) == (
        missing.exit_code,
        missing.stdout,
        missing.stderr,
    )
    assert left(db_path) == [("crm.db", 0)]


def test_check_says_the_file_is_empty_and_finds_no_problem(db_path):
    make_empty(db_path)
    found = {row["check"]: row for row in json.loads(ok("check", "--format", "json"))}
    assert found["schema version"] == {
        "check": "schema version",
        "status": "note",
        "detail": "none: the file is empty; the first write makes it",
    }
    assert "journal mode" not in found and "integrity" not in found
    assert "首次写入" in ok("--lang", "zh", "check")
    assert left(db_path) == [("crm.db", 0)]


def test_a_backup_of_an_empty_file_is_refused_as_of_no_file(db_path, tmp_path):
    """It wrote a 581 KB backup: crm's empty schema, nothing the user made, which crm
    restore BACKUPS-FOLDER then offered as the newest backup."""
    assert fails(3, "backup", db=db_path) == f"crm: there is no database at {db_path} to back up\n"
    make_empty(db_path)
    said = (
        f"crm: {db_path} is empty: there is no database in it to back up yet (the first command "
        "that writes makes it)\n"
    )
    for args in ((), (str(tmp_path / "copy.db"),), ("--keep", "1")):
        assert fails(3, "backup", *args, db=db_path) == said
    zh = fails(3, "--lang", "zh", "backup", db=db_path)
    assert str(db_path) in zh and "为空" in zh, zh
    assert not (db_path.parent / "backups").exists() and not (tmp_path / "copy.db").exists()
    assert left(db_path) == [("crm.db", 0)]


def test_a_restore_into_an_empty_file_keeps_no_copy_of_it(db_path, tmp_path):
    """It kept crm's empty schema as `crm-before-restore-...db`, a backup of nothing."""
    other = tmp_path / "other.db"
    ok("--db", str(other), "add", "Anna", "-q")
    backup = tmp_path / "anna.db"
    ok("--db", str(other), "backup", str(backup))
    make_empty(db_path)
    assert ok("restore", str(backup), "--yes") == (
        f"Restored {backup} (1 customer) into {db_path}.\n"
    )
    assert not (db_path.parent / "backups").exists()
    assert [c["name"] for c in json.loads(ok("list", "--format", "json"))] == ["Anna"]


def test_the_first_write_makes_the_schema_as_on_a_new_file(db_path):
    make_empty(db_path)
    assert ok("add", "Anna", "-q") == "1\n"
    assert ok("list", "-q") == "1\n"
    assert rows(db_path, "SELECT name FROM customers") == [("Anna",)]
    assert oct(db_path.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("code", "args"),
    [
        (2, ("add", "")),
        (2, ("add", "Anna", "--email", "not-an-email")),
        (3, ("tag", "vip", "99")),
        (3, ("log", "call", "99", "hello")),
        (3, ("buy", "99", "Tea", "10")),
        (2, ("import", "customers", "-")),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else str(v),
)
def test_a_refused_first_write_leaves_the_file_empty(db_path, code, args):
    make_empty(db_path)
    fails(code, *args, input="")
    assert left(db_path) == [("crm.db", 0)]
    assert ok("add", "Anna", "-q") == "1\n"  # and the next write makes it as usual


needs_sqlcipher = pytest.mark.skipif(
    not encryption.available(), reason="sqlcipher3 (pip install 'crmcli[encrypt]') is not installed"
)


@needs_sqlcipher
def test_with_a_key_set_reads_leave_it_empty_and_the_first_write_encrypts_it(
    db_path, tmp_path, monkeypatch
):
    key = tmp_path / "crm.key"
    key.write_text("correct horse battery\n")
    key.chmod(0o600)
    monkeypatch.setenv("CRM_KEY_FILE", str(key))
    make_empty(db_path)
    assert ok("list", "-q") == ""
    assert left(db_path) == [("crm.db", 0)]
    said = fails(2, "encrypt", db=db_path)
    assert said == (
        f"crm: {db_path} is empty: there is nothing to encrypt yet; with a key set "
        "(CRM_KEY_FILE or CRM_KEY_FD) the first write makes it encrypted\n"
    )
    assert (
        fails(2, "decrypt", db=db_path) == f"crm: {db_path} is not encrypted; nothing was changed\n"
    )
    fails(2, "add", "", db=db_path)
    assert left(db_path) == [("crm.db", 0)]
    assert ok("add", "Anna", "-q") == "1\n"
    assert not db_path.read_bytes().startswith(b"SQLite format 3")
    assert ok("list", "-q") == "1\n"
    monkeypatch.delenv("CRM_KEY_FILE")
    assert "needs its key" in fails(1, "list")


class _OpenElsewhere:
    """Another crm process with the database file open: its shared lock on the file (what
    crmcli.store.guard.hold takes for every connection), from a descriptor of its own."""

    def __init__(self, path: Path) -> None:
        import fcntl

        self.fd = os.open(path, os.O_RDONLY)
        fcntl.flock(self.fd, fcntl.LOCK_SH)

    def close(self) -> None:
        os.close(self.fd)


@pytest.mark.parametrize("existed", [True, False], ids=["empty file", "new file"])
def test_a_refused_first_write_leaves_alone_a_file_another_crm_has_open(
    db_path, monkeypatch, existed
):
    """Several crm starting on one new or empty file at once: a refused first write must not
    remove or empty the file while another crm has it open, which may be writing its first
    record into it (an add that said it was saved was lost so). Alone, it does (above)."""
    from crmcli.store import db as store

    if existed:
        make_empty(db_path)
        other = _OpenElsewhere(db_path)
    else:
        made = store.create_private_file
        others: list[_OpenElsewhere] = []

        def create(path: Path, **kwargs: object) -> None:
            made(path, **kwargs)
            others.append(_OpenElsewhere(path))  # opened the moment the file exists

        monkeypatch.setattr(store, "create_private_file", create)
    fails(3, "tag", "vip", "99")
    other = other if existed else others[0]
    try:
        assert db_path.exists() and db_path.stat().st_size > 0  # crm's schema, kept
        assert ok("add", "Anna", "-q").strip() == "1"  # the other one's first record
    finally:
        other.close()
    assert [r[0] for r in rows(db_path, "SELECT name FROM customers")] == ["Anna"]
