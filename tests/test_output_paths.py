"""Where crm may write a file the user names (crmcli.store.files.check_output): never over
the database, a backup, an encrypted database or a file crm did not write; `--force`
replaces only a file crm wrote.

The options are found by walking the typer app: every parameter typed Path (or named like
an output) must be listed below as an output or as a file crm only reads, and every output
runs against every threat, with every --format its command offers, with and without
--force where the command has it."""

import enum
import errno
import os
import random
import shutil
import sqlite3
import stat
import typing
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from typer.testing import CliRunner
from typer.utils import get_params_from_function

from crmcli.cli import app, only
from crmcli.store import encryption
from crmcli.store.files import SQLITE_HEADER
from tests.conftest import NOW, Result


def crm(*args: str) -> Result:
    """`crm ARGS` in-process, building only the command it runs (as `crm` itself does):
    this file runs a thousand of them."""
    result = CliRunner().invoke(only(app, list(args)), list(args), catch_exceptions=False)
    return Result(result.exit_code, result.stdout, result.stderr)


def ok(*args: str) -> str:
    result = crm(*args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result.stdout


# Parameters that name a file crm reads or the database it works on, not an output.
NOT_OUTPUTS = {
    ("", "db"): "the database itself (--db)",
    ("demo", "db"): "the new database the demo builds; refused when it exists and is not empty",
    ("restore", "file"): "the backup crm reads",
    **{
        (f"import {kind}", "file"): "the file crm imports"
        for kind in ("customers", "purchases", "interactions", "tasks", "all")
    },
    **{
        (command, "b_ids_from"): "references crm reads"
        for command in ("edit", "delete", "undelete", "tag", "untag", "stage")
    },
}
KNOWN_OUTPUTS = {
    ("export customer", "output"),
    ("export customers", "output"),
    ("export purchases", "output"),
    ("export interactions", "output"),
    ("export tasks", "output"),
    ("export all", "output"),
    ("import customers", "rejects"),
    ("import purchases", "rejects"),
    ("import interactions", "rejects"),
    ("import tasks", "rejects"),
    ("backup", "dest"),
}
_OUTPUT_WORDS = {"o", "output", "out", "rejects", "dest", "save", "write", "to", "file"}


def _names_a_file(annotation: object) -> bool:
    if annotation is Path:
        return True
    return any(_names_a_file(arg) for arg in typing.get_args(annotation))


def _commands(typer_app: object, prefix: str = "") -> Iterator[tuple[str, dict]]:
    callback = typer_app.registered_callback  # type: ignore[attr-defined]
    if callback is not None and callback.callback is not None and not prefix:
        yield "", get_params_from_function(callback.callback)
    for command in typer_app.registered_commands:  # type: ignore[attr-defined]
        name = command.name or command.callback.__name__.replace("_", "-")
        yield f"{prefix}{name}", get_params_from_function(command.callback)
    for group in typer_app.registered_groups:  # type: ignore[attr-defined]
        yield from _commands(group.typer_instance, f"{prefix}{group.name} ")


def file_parameters() -> dict[tuple[str, str], dict]:
    """(command path, parameter name) -> that command's parameters, for every parameter
    that is a Path, a --db, or whose name or flags say it is an output."""
    found = {}
    for command, params in _commands(app):
        for name, meta in params.items():
            flags = getattr(meta.default, "param_decls", None) or ()
            words = {name, *(f.lstrip("-") for f in flags)}
            # a database named by --db (the demo reads it as typed, to refuse an empty one)
            if _names_a_file(meta.annotation) or words & _OUTPUT_WORDS or name == "db":
                found[(command, name)] = params
    return found


FILE_PARAMETERS = file_parameters()
OUTPUTS = sorted(set(FILE_PARAMETERS) - set(NOT_OUTPUTS))


def test_the_walk_finds_every_known_output_and_nothing_unclassified():
    assert set(OUTPUTS) == KNOWN_OUTPUTS
    assert set(NOT_OUTPUTS) <= set(FILE_PARAMETERS)


def formats(option: tuple[str, str]) -> list[str | None]:
    """Every value the command's --format takes (None for a command without one)."""
    params = FILE_PARAMETERS[option]
    for meta in params.values():
        if "--format" in (getattr(meta.default, "param_decls", None) or ()):
            kinds = [meta.annotation, *typing.get_args(meta.annotation)]
            choice = next(k for k in kinds if isinstance(k, type) and issubclass(k, enum.Enum))
            return [member.value for member in choice]
    return [None]


def has_force(option: tuple[str, str]) -> bool:
    return "force" in FILE_PARAMETERS[option]


# --- running an output option ---------------------------------------------------------------


@pytest.fixture(scope="module")
def _live_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Made once: a database with a customer, a purchase, an interaction and a task, and
    the import files (`in/KIND.FORMAT`: crm's own exports, and customers with a bad row)
    that the --rejects options read."""
    folder = tmp_path_factory.mktemp("live")
    with pytest.MonkeyPatch.context() as mp:
        for var in [v for v in os.environ if v.startswith("CRM_")]:
            mp.delenv(var)
        mp.setenv("CRM_DB", str(folder / "crm.db"))
        mp.setenv("CRM_NOW", NOW)
        mp.setenv("HOME", str(folder / "home"))
        mp.setenv("XDG_DATA_HOME", str(folder / "xdg"))
        ok("add", "Anna", "--email", "anna@example.com", "--phone", "+8613800138000")
        ok("buy", "Anna", "Tea", "12.50")
        ok("log", "call", "Anna", "Asked about tea")
        ok("task", "add", "Anna", "Send samples", "--due", "2026-12-01")
        inputs = folder / "in"
        inputs.mkdir()
        for kind in ("customers", "purchases", "interactions", "tasks"):
            for fmt in ("csv", "tsv", "json", "jsonl", "vcard"):
                result = crm("export", kind, "--format", fmt)
                if result.exit_code == 0:
                    (inputs / f"{kind}.{fmt}").write_text(result.stdout, encoding="utf-8")
    bad = "name,email\nGood,good@example.com\nBad,not-an-email\n"
    (inputs / "customers.csv").write_text(bad, encoding="utf-8")
    conn = sqlite3.connect(folder / "crm.db")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return folder


@pytest.fixture
def live(_live_template: Path, db_path: Path) -> Path:
    """The test's database: a copy of the template's, with its import files beside it."""
    shutil.copyfile(_live_template / "crm.db", db_path)
    db_path.chmod(0o600)
    shutil.copytree(_live_template / "in", db_path.parent / "in")
    return db_path


def argv(option: tuple[str, str], target: Path, fmt: str | None, force: bool) -> list[str]:
    """The command line that writes `target` through `option`."""
    command, _ = option
    words = command.split()
    extra = ["--force"] if force else []
    if command == "export customer":  # one customer's document
        return [*words, "1", "-o", str(target), "--format", str(fmt), *extra]
    if command.startswith("export "):
        return [*words, "-o", str(target), "--format", str(fmt), *extra]
    if command.startswith("import "):
        source = Path(os.environ["CRM_DB"]).parent / "in" / f"{words[1]}.{fmt}"
        if not source.exists():
            source = source.with_name(f"customers.{fmt}")  # refused as a kind: not offered
        return [*words, str(source), "--format", str(fmt), "--skip-invalid",
                "--rejects", str(target), *extra]  # fmt: skip
    if command == "backup":
        return ["backup", str(target)]
    raise AssertionError(f"tell this test how to run {option}")


@pytest.fixture(scope="module")
def offered(_live_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """option -> the --format values its command writes (it refuses some of those its
    --format takes), found once by writing each to a new file."""
    folder = tmp_path_factory.mktemp("offered")
    shutil.copyfile(_live_template / "crm.db", folder / "crm.db")
    shutil.copytree(_live_template / "in", folder / "in")
    found: dict = {}
    with pytest.MonkeyPatch.context() as mp:
        for var in [v for v in os.environ if v.startswith("CRM_")]:
            mp.delenv(var)
        mp.setenv("CRM_DB", str(folder / "crm.db"))
        mp.setenv("CRM_NOW", NOW)
        for option in OUTPUTS:
            found[option] = []
            for fmt in formats(option):
                target = folder / f"probe-{option[0].replace(' ', '-')}-{fmt}"
                result = crm(*argv(option, target, fmt, False))
                if result.exit_code == 0:
                    assert target.exists(), result.stderr
                    found[option].append(fmt)
                else:
                    assert result.exit_code == 2 and not target.exists(), result.stderr
            assert found[option], option
    return found


# --- the threats ----------------------------------------------------------------------------


def _live_database(db: Path, folder: Path, stack: ExitStack) -> Path:
    return db


def _wal(db: Path, folder: Path, stack: ExitStack) -> Path:
    # A reader left open keeps SQLite from removing the -wal when crm's connection closes.
    reader = sqlite3.connect(db)
    reader.execute("SELECT count(*) FROM customers").fetchone()
    stack.callback(reader.close)
    return db.with_name(db.name + "-wal")


def _journal(db: Path, folder: Path, stack: ExitStack) -> Path:
    return db.with_name(db.name + "-journal")  # not there: refused by its name


def _symlink(db: Path, folder: Path, stack: ExitStack) -> Path:
    link = folder / "link.csv"
    link.symlink_to(db)
    return link


def _hard_link(db: Path, folder: Path, stack: ExitStack) -> Path:
    link = folder / "hard.csv"
    os.link(db, link)
    return link


def _backup(db: Path, folder: Path, stack: ExitStack) -> Path:
    return Path(ok("backup", "-q").strip())


def _named_backup(db: Path, folder: Path, stack: ExitStack) -> Path:
    target = folder / "backup.csv"
    ok("backup", str(target), "-q")
    return target


def _encrypted(db: Path, folder: Path, stack: ExitStack) -> Path:
    target = folder / "secret.csv"
    target.write_bytes(random.Random(7).randbytes(8192))  # SQLCipher: random salt, pages
    target.chmod(0o600)
    return target


def _real_encrypted(db: Path, folder: Path, stack: ExitStack) -> Path:
    if not encryption.available():
        pytest.skip("sqlcipher3 (pip install 'crmcli[encrypt]') is not installed")
    target = folder / "vault.csv"
    key = folder / "vault.key"
    key.write_text("correct horse battery\n", encoding="utf-8")
    key.chmod(0o600)
    if not _VAULT:  # encrypting (its key derivation) is slow: once per worker, then copies
        ok("--db", str(target), "add", "Vera")
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("CRM_KEY_FILE", str(key))
            ok("--db", str(target), "encrypt")
        assert not target.with_name(target.name + "-wal").exists()
        _VAULT.append(target.read_bytes())
    else:
        with os.fdopen(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
            f.write(_VAULT[0])
    assert not target.read_bytes().startswith(SQLITE_HEADER)
    return target


_VAULT: list[bytes] = []  # the bytes of the first database _real_encrypted made


def _plain_file(db: Path, folder: Path, stack: ExitStack) -> Path:
    target = folder / "notes.csv"
    target.write_text("id,name\n1,mine\n", encoding="utf-8")  # like an export, but 0644
    target.chmod(0o644)
    return target


def _private_file(db: Path, folder: Path, stack: ExitStack) -> Path:
    target = folder / "key.txt"
    target.write_text("9f8e7d6c5b4a39281706f5e4d3c2b1a0\n", encoding="utf-8")  # a key file
    target.chmod(0o600)
    return target


def _linked_export(db: Path, folder: Path, stack: ExitStack) -> Path:
    target = folder / "export.csv"
    ok("export", "customers", "-o", str(target))
    os.link(target, folder / "elsewhere.csv")  # crm's file, but also the user's other name
    return target


def _directory(db: Path, folder: Path, stack: ExitStack) -> Path:
    target = folder / "dir.csv"
    target.mkdir()
    return target


def _fifo(db: Path, folder: Path, stack: ExitStack) -> Path:
    target = folder / "fifo.csv"
    os.mkfifo(target)
    return target


def _device(db: Path, folder: Path, stack: ExitStack) -> Path:
    target = folder / "null.csv"
    try:
        os.mknod(target, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # a second /dev/null
    except PermissionError:
        pytest.skip("making a device node needs root")
    return target


def _dangling_symlink(db: Path, folder: Path, stack: ExitStack) -> Path:
    target = folder / "dangling.csv"
    target.symlink_to(folder / "nowhere.csv")
    return target


def _other_database(db: Path, folder: Path, stack: ExitStack) -> Path:
    target = folder / "other.json"
    conn = sqlite3.connect(target)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    target.chmod(0o600)
    return target


THREATS: dict[str, Callable[[Path, Path, ExitStack], Path]] = {
    "live database": _live_database,
    "database -wal": _wal,
    "database -journal (by name)": _journal,
    "symlink to the database": _symlink,
    "hard link to the database": _hard_link,
    "backup by crm backup": _backup,
    "backup named .csv": _named_backup,
    "encrypted-looking file": _encrypted,
    "database encrypted by crm encrypt": _real_encrypted,
    "plain file crm did not write": _plain_file,
    "private 0600 file crm did not write": _private_file,
    "crm export with a second hard link": _linked_export,
    "other SQLite database": _other_database,
    "directory": _directory,
    "FIFO": _fifo,
    "character device": _device,
    "dangling symlink": _dangling_symlink,
}


def snapshot(path: Path) -> object:
    """What must not change: the bytes of a file, the target of a link, a folder's names."""
    if path.is_symlink():
        return ("link", os.readlink(path))
    if not path.exists():
        return None
    info = path.stat()
    if stat.S_ISDIR(info.st_mode):
        return ("dir", sorted(p.name for p in path.iterdir()))
    if not stat.S_ISREG(info.st_mode):
        return ("special", info.st_ino, info.st_mode, info.st_rdev)
    return ("file", info.st_ino, stat.S_IMODE(info.st_mode), path.read_bytes())


# A folder is where `crm backup FOLDER` puts a new stamped file: not a threat to it.
EXEMPT = {(("backup", "dest"), "directory")}
CASES = [(o, t) for o in OUTPUTS for t in THREATS if (o, t) not in EXEMPT]


@pytest.mark.parametrize(("option", "threat"), CASES, ids=[f"{' '.join(o)}-{t}" for o, t in CASES])
def test_no_output_option_writes_over_what_is_not_its_own(option, threat, live, offered, tmp_path):
    # Every format's writer against the live database; the other threats with the first
    # format: whether a target may be written is decided where it is opened (write_output),
    # the same for every format.
    formats = offered[option] if threat == "live database" else offered[option][:1]
    with ExitStack() as stack:
        _refused_everywhere(option, THREATS[threat], live, formats, tmp_path, stack)


def _refused_everywhere(
    option: tuple[str, str],
    threat: Callable,
    live: Path,
    offered: list,
    tmp_path: Path,
    stack: ExitStack,
) -> None:
    folder = tmp_path / "targets"
    folder.mkdir()
    target = threat(live, folder, stack)
    # Each format given without --force; with --force one format is enough: whether the
    # target may be replaced is decided where it is opened (write_output), before any
    # format's writer runs.
    tries = [(fmt, False) for fmt in offered]
    if has_force(option):
        tries.append((offered[0], True))
    for fmt, force in tries:
        before, database = snapshot(target), snapshot(live)
        result = crm(*argv(option, target, fmt, force))
        assert result.exit_code == 2, (fmt, force, result.stdout, result.stderr)
        assert result.stderr.startswith("crm: ") and result.stderr.count("\n") == 1
        assert str(target) in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
        assert snapshot(target) == before and snapshot(live) == database
        assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


# --- the good cases -------------------------------------------------------------------------


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("option", OUTPUTS, ids=" ".join)
def test_a_new_file_is_made_0600_and_force_replaces_only_crms_own(
    option, live, offered, tmp_path, umask_022
):
    for fmt in offered[option]:
        target = tmp_path / f"out-{option[0].replace(' ', '-')}-{fmt}"
        ok(*argv(option, target, fmt, False))
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        first = target.read_bytes()
        again = crm(*argv(option, target, fmt, False))
        assert again.exit_code == 2 and target.read_bytes() == first
        assert again.stderr.startswith(f"crm: {target} ") and again.stderr.count("\n") == 1
        if has_force(option):
            assert again.stderr == f"crm: {target} already exists; add --force to replace it\n"
            inode = target.stat().st_ino
            ok(*argv(option, target, fmt, True))  # every format crm writes is its own
            assert stat.S_IMODE(target.stat().st_mode) == 0o600
            assert target.stat().st_ino != inode  # a new file renamed over the old one
            target.chmod(0o644)  # the user's now: even --force leaves it
            refused = crm(*argv(option, target, fmt, True))
            assert refused.exit_code == 2, refused.stderr
            assert "is not a file crm wrote" in refused.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_force_replaces_an_export_written_with_a_byte_order_mark(live, tmp_path, fmt):
    """A daily `crm export customers -o x.csv --bom --force` failed from its second day:
    the mark hid the header that says crm wrote the file."""
    target = tmp_path / f"excel.{fmt}"
    ok("export", "customers", "-o", str(target), "--bom")
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    ok("export", "customers", "-o", str(target), "--bom", "--force")
    target.chmod(0o644)  # the user's now: even --force leaves it
    assert (
        "is not a file crm wrote" in crm("export", "customers", "-o", str(target), "--force").stderr
    )


def test_the_typo_of_the_audit_is_refused(live, monkeypatch):
    """`crm export customers -o crm.db --format csv` and friends, as the audit ran them."""
    monkeypatch.chdir(live.parent)
    before = live.read_bytes()
    for args in (
        ["export", "customers", "-o", "crm.db", "--format", "csv"],
        ["export", "all", "-o", "crm.db", "-f", "json"],
        ["import", "customers", "in/customers.csv", "--skip-invalid", "--rejects", "crm.db"],
    ):
        result = crm(*args)
        assert result.exit_code == 2
        assert result.stderr == (
            "crm: crm.db is the database crm is using; crm never writes over it: "
            "give another file name\n"
        )
    assert live.read_bytes() == before


def test_force_without_a_file_is_refused(live):
    result = crm("export", "customers", "--force")
    assert result.exit_code == 2
    assert result.stderr == "crm: --force replaces an -o file: give one, or leave --force out\n"
    result = crm("import", "customers", str(live.parent / "in" / "customers.csv"), "--force")
    assert result.exit_code == 2
    assert result.stderr.startswith("crm: --force replaces a --rejects file")


def test_a_failed_write_keeps_the_old_file(live, tmp_path, monkeypatch):
    from crmcli.transfer import exporters

    target = tmp_path / "c.csv"
    ok("export", "customers", "-o", str(target))
    first = target.read_bytes()

    def broken(*args: object, **kwargs: object) -> Iterator[list[list]]:
        yield [[1, "half"]]  # one chunk of rows
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exporters, "customer_cells", broken)  # the rows of a CSV export
    result = crm("export", "customers", "-o", str(target), "--force")
    assert result.exit_code == 1 and "No space left on device" in result.stderr
    assert target.read_bytes() == first
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_backup_removes_no_file_in_the_way_of_its_temporary_name(live, tmp_path):
    """The copy is written under a name crm makes up (not DEST.partial), so a file of that
    old name is neither removed nor written through, nor in the way."""
    victim = tmp_path / "victim"
    victim.mkdir()
    mine = tmp_path / "copy.db.partial"
    mine.write_text("mine\n", encoding="utf-8")
    linked = tmp_path / "other.db.partial"
    linked.symlink_to(victim / "planted")
    for target in (tmp_path / "copy.db", tmp_path / "other.db"):
        assert ok("backup", str(target), "-q") == f"{target}\n"
        assert not target.is_symlink() and target.read_bytes()[:16] == SQLITE_HEADER
    assert mine.read_text(encoding="utf-8") == "mine\n"
    assert os.readlink(linked) == str(victim / "planted") and not list(victim.iterdir())
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# --- a file that appears while crm writes (another crm, another user) ------------------------

STAMP = "20261122T100000"  # tests.conftest.NOW as a backup's stamp


def _during(monkeypatch: pytest.MonkeyPatch, module: object, name: str, act: Callable) -> None:
    """Run `act()` when crm calls module.name: after it checked the target, before the file
    is in place. Deterministic: no timing."""
    original = getattr(module, name)

    def hooked(*args: object, **kwargs: object) -> object:
        act()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, hooked)


def _new_database(target: Path) -> None:
    """What `crm --db TARGET add "Real Customer"` leaves: an SQLite file with a customer."""
    conn = sqlite3.connect(target)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('Real Customer')")
    conn.commit()
    conn.close()


def _precious(target: Path) -> None:
    target.write_text("precious\n", encoding="utf-8")


def _export_all(monkeypatch: pytest.MonkeyPatch, target: Path, act: Callable) -> list[str]:
    from crmcli.transfer import exporters

    _during(monkeypatch, exporters, "export_all", act)
    return ["export", "all", "-o", str(target), "-f", "json"]


def _rejects(monkeypatch: pytest.MonkeyPatch, target: Path, act: Callable) -> list[str]:
    from crmcli.transfer import importers

    _during(monkeypatch, importers, "run_import", act)
    return argv(("import customers", "rejects"), target, "csv", False)


def _named_backup_during(monkeypatch: pytest.MonkeyPatch, target: Path, act: Callable) -> list[str]:
    from crmcli.store import backup

    _during(monkeypatch, backup, "open_new_file", act)
    return ["backup", str(target)]


WRITERS = {
    "export all -o": _export_all,
    "import --rejects": _rejects,
    "backup FILE": _named_backup_during,
}
APPEARING = {"a new crm database": _new_database, "another program's file": _precious}


@pytest.mark.parametrize("appearing", APPEARING)
@pytest.mark.parametrize("writer", WRITERS)
def test_a_file_that_appears_while_crm_writes_is_never_replaced(
    writer, appearing, live, tmp_path, monkeypatch
):
    """The audit's `crm export all -o new.db -f json &` then `crm --db new.db add ...`:
    the export replaced the new database with JSON, exit 0, the customer lost."""
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "new.db"
    args = WRITERS[writer](monkeypatch, target, lambda: APPEARING[appearing](target))
    database = live.read_bytes()
    result = crm(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr == (
        f"crm: {target} appeared while crm was writing it; nothing was replaced\n"
    )
    after = folder / "after"
    APPEARING[appearing](after)
    assert target.read_bytes() == after.read_bytes()  # as the other writer left it
    assert sorted(p.name for p in folder.iterdir()) == ["after", "new.db"]  # no temp left
    assert live.read_bytes() == database


def test_a_file_changed_while_crm_writes_is_not_replaced_even_with_force(
    live, tmp_path, monkeypatch
):
    from crmcli.transfer import exporters

    target = tmp_path / "c.csv"
    ok("export", "customers", "-o", str(target))
    yours = tmp_path / "yours.csv"

    def swap() -> None:  # the user saves another file under that name meanwhile
        yours.write_text("id,name\n1,edited by hand\n", encoding="utf-8")
        os.replace(yours, target)

    _during(monkeypatch, exporters, "customer_cells", swap)  # the rows of a CSV export
    result = crm("export", "customers", "-o", str(target), "--force")
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stderr == (
        f"crm: {target} changed while crm was writing it; nothing was replaced\n"
    )
    assert target.read_text(encoding="utf-8") == "id,name\n1,edited by hand\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_a_folder_without_hard_links_still_gets_its_file(live, tmp_path, monkeypatch):
    """FAT on a USB stick refuses link(2) with EPERM: crm then renames after a last look."""

    def no_links(src: object, dst: object, **kwargs: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    target = tmp_path / "usb" / "c.csv"
    target.parent.mkdir()
    ok("export", "customers", "-o", str(target))
    assert target.read_text(encoding="utf-8").startswith("id,")
    assert ok("backup", str(target.parent), "-q") == f"{target.parent}/crm-{STAMP}.db\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["c.csv", f"crm-{STAMP}.db"]


# --- a folder other users can write: planted links --------------------------------------------


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """A folder anyone can write, sticky like /tmp (1777): crm backs up into it (a folder
    others can write without the sticky bit is refused, see below)."""
    folder = tmp_path / "sh"
    folder.mkdir()
    folder.chmod(0o1777)
    return folder


def test_a_backup_into_a_folder_others_can_write_without_the_sticky_bit_is_refused(live, tmp_path):
    """There others could rename the copy away while SQLite writes it, and take it."""
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o777)
    before = live.read_bytes()
    result = crm("backup", str(folder))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"crm: {folder} is writable by group or others (mode 0777)")
    assert list(folder.iterdir()) == [] and live.read_bytes() == before


def test_sqlite_writes_a_backup_only_in_a_folder_of_crms_own(live, shared, monkeypatch):
    """The audit planted a hot `-journal` beside the backup's temporary file in a shared
    folder, and SQLite played it back into the backup ("integrity ok", the attacker's
    data). SQLite now writes the copy, and any journal, inside a 0700 folder crm made."""
    from crmcli.store import backup

    seen = []
    real = backup.open_new_file

    def watch(path, **kwargs):
        info = os.stat(path.parent)
        seen.append((path.parent, stat.S_IMODE(info.st_mode), path.parent.parent))
        return real(path, **kwargs)

    monkeypatch.setattr(backup, "open_new_file", watch)
    made = Path(ok("backup", str(shared), "-q").strip())
    [(work, mode, parent)] = seen
    assert mode == 0o700 and parent == shared and work != shared
    assert not work.exists() and sorted(p.name for p in shared.iterdir()) == [made.name]


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """Where another user's links point: nothing of crm's may ever land here."""
    folder = tmp_path / "victim"
    folder.mkdir()
    return folder


def _plant(link: Path, target: Path) -> None:
    link.symlink_to(target)


def test_a_backup_into_a_shared_folder_never_writes_through_a_planted_link(live, shared, victim):
    """Another user plants dangling links at the next stamped names and at their old
    `.partial` names: crm said "Backed up to" the attacker's link, the data in their file."""
    for n, name in enumerate(
        (f"crm-{STAMP}.db", f"crm-{STAMP}.db.partial", f"crm-{STAMP}-2.db.partial"), 1
    ):
        _plant(shared / name, victim / f"planted-{n}")
    made = Path(ok("backup", str(shared), "-q").strip())
    assert made == shared / f"crm-{STAMP}-2.db"
    assert not made.is_symlink() and stat.S_IMODE(made.stat().st_mode) == 0o600
    assert sqlite3.connect(made).execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert not list(victim.iterdir())
    assert not [p for p in shared.iterdir() if p.name.endswith(".tmp")]


def test_a_link_planted_at_the_stamped_name_during_the_copy_gets_a_fresh_name(
    live, shared, victim, monkeypatch
):
    from crmcli.store import backup

    _during(monkeypatch, backup, "open_new_file", lambda: _plant(
        shared / f"crm-{STAMP}.db", victim / "planted"))  # fmt: skip
    made = Path(ok("backup", str(shared), "-q").strip())
    assert made == shared / f"crm-{STAMP}-2.db" and not made.is_symlink()
    assert os.readlink(shared / f"crm-{STAMP}.db") == str(victim / "planted")
    assert not list(victim.iterdir())


def test_a_link_planted_at_a_named_backup_during_the_copy_is_refused(
    live, shared, victim, monkeypatch
):
    from crmcli.store import backup

    target = shared / "b2.db"
    _during(monkeypatch, backup, "open_new_file", lambda: _plant(target, victim / "planted"))
    result = crm("backup", str(target))
    assert result.exit_code == 2
    assert result.stderr == (
        f"crm: {target} appeared while crm was writing it; nothing was replaced\n"
    )
    assert os.readlink(target) == str(victim / "planted") and not list(victim.iterdir())
    assert sorted(p.name for p in shared.iterdir()) == ["b2.db"]


def test_the_copy_kept_before_a_restore_never_writes_through_a_planted_link(live, tmp_path, victim):
    backup = tmp_path / "good.db"
    ok("backup", str(backup))
    folder = live.parent / "backups"
    folder.mkdir()
    for n, name in enumerate(
        (f"crm-before-restore-{STAMP}.db", f"crm-before-restore-{STAMP}.db.partial"), 1
    ):
        _plant(folder / name, victim / f"planted-{n}")
    out = ok("restore", str(backup), "--yes")
    kept = folder / f"crm-before-restore-{STAMP}-2.db"
    assert out.endswith(f"The database as it was is kept in {kept}\n")
    assert not kept.is_symlink() and kept.read_bytes()[:16] == SQLITE_HEADER
    assert not list(victim.iterdir())


def test_crm_creates_no_file_through_a_link_or_over_one(tmp_path, victim):
    from crmcli.store.files import create_private_file

    link = tmp_path / "new.db"
    _plant(link, victim / "planted")
    with pytest.raises(FileExistsError):
        create_private_file(link)
    assert not list(victim.iterdir())


# --- names as typed --------------------------------------------------------------------------


def test_a_backup_name_ending_in_a_slash_is_a_folder(live, tmp_path):
    """Path() drops the slash: `crm backup newfolder/` made a FILE called newfolder."""
    folder = tmp_path / "o" / "newfolder"
    made = Path(ok("backup", f"{folder}/", "-q").strip())
    assert made == folder / f"crm-{STAMP}.db"
    assert folder.is_dir() and stat.S_IMODE(folder.stat().st_mode) == 0o700
    plain = tmp_path / "plain.txt"
    plain.write_text("mine\n", encoding="utf-8")
    result = crm("backup", f"{plain}/")
    assert result.exit_code == 2
    assert result.stderr == (f"crm: {plain} is not a folder; give a folder or a new file name\n")
    assert plain.read_text(encoding="utf-8") == "mine\n"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_path_the_system_refuses_is_bad_input_said_in_the_run_s_language(live, tmp_path, lang):
    """A path given that cannot be used (inside a file, a name too long) is input to change:
    exit 2, the path as typed and the reason in the run's language, nothing made. It was exit
    1 with Python's English (`Not a directory: ...`) where the same path to `-o` said 2."""
    plain = tmp_path / "plain.txt"
    plain.write_text("mine\n", encoding="utf-8")
    before = sorted(tmp_path.rglob("*"))
    reason = {"en": "Not a directory: ", "zh": "不是目录："}[lang]
    result = crm("--lang", lang, "backup", f"{plain}/sub/")
    assert (result.exit_code, result.stderr) == (2, f"crm: {reason}{plain}/sub\n")
    long = tmp_path / ("b" * 300)
    result = crm("--lang", lang, "backup", str(long))
    assert result.exit_code == 2 and result.stderr.count("\n") == 1, result
    assert sorted(tmp_path.rglob("*")) == before


def test_rejects_naming_the_file_being_imported_is_refused(live, tmp_path):
    """`crm import customers in.csv --skip-invalid --rejects in.csv --force`, in.csv an
    export of crm's (so --force would pass): the input was replaced by its rejects."""
    source = tmp_path / "in.csv"
    ok("export", "customers", "-o", str(source))
    before, database = source.read_bytes(), live.read_bytes()
    link = tmp_path / "same.csv"
    for rejects in (source, link):
        if rejects == link:
            link.symlink_to(source)
        result = crm(
            "import", "customers", str(source), "--skip-invalid", "--rejects", str(rejects),
            "--force",
        )  # fmt: skip
        assert result.exit_code == 2, (result.stdout, result.stderr)
        assert result.stderr == (
            f"crm: {rejects} is the file crm is reading; give another file name\n"
        )
    assert source.read_bytes() == before and live.read_bytes() == database


def test_the_sqlite_header_is_what_sqlite_writes(live):
    assert live.read_bytes()[:16] == SQLITE_HEADER
