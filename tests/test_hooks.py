"""Hooks (crmcli.store.hooks, `crm hooks`): what they are given, after the commit, for every
writer; and that only hooks the user placed or trusted run.

The planted hooks are planted the way an audit did it: a database and its hooks unpacked
from a tar or zip archive (0755 modes, the user's own uid), a hooks folder open to everyone,
a hook owned by another user, an archive unpacked over a trusted folder, a trusted folder
replaced. Each hook that "runs" appends its name to a marker file; the tests look for it.
Another owner is real when the tests run as root (chown to nobody); otherwise crm is made to
believe it runs as another uid (`current_user`), which is what it compares owners with.
"""

import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from crmcli.store import db, hooks
from tests.conftest import crm, dump, fails, ok

NOBODY = 65534
ADD_ANNA = (
    "INSERT INTO customers (name, name_key, city, created_at, updated_at) "
    "VALUES ('Anna', 'anna', 'Lyon', '2026-11-22T02:00:00+00:00', '2026-11-22T02:00:00+00:00')"
)


def marker_hook(folder: Path, name: str, marker: Path, mode: int = 0o700) -> Path:
    """A hook that appends its name to `marker`; the folder is made 0700 when missing."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    script = folder / name
    script.write_text(f"#!/bin/sh\ncat > /dev/null\necho {name} >> '{marker}'\n")
    script.chmod(mode)
    return script


def ran(marker: Path) -> list[str]:
    return marker.read_text().split() if marker.exists() else []


def config_folder(db_path: Path) -> Path:
    return hooks.config_folder(db_path)


def beside(db_path: Path) -> Path:
    return db_path.parent / "hooks"


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "ran.txt"


def give_away(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `path` another user's: for real as root, else by making crm another uid."""
    if os.geteuid() == 0:
        os.chown(path, NOBODY, NOBODY)
    else:
        monkeypatch.setattr(hooks, "current_user", lambda: os.geteuid() + 1)


def trust_beside(database: Path) -> str:
    """`crm hooks trust` for `database`, made first if missing (the trust names its file)."""
    if not database.exists():
        db.connect(database, write=True).close()
    return ok("--db", str(database), "hooks", "trust")


def one_warning(result_stderr: str) -> str:
    assert result_stderr.count("\n") == 1, result_stderr
    assert result_stderr.startswith("crm: skipped hook"), result_stderr
    return result_stderr


# --- where they live and which ones run -------------------------------------------------


def test_hooks_in_the_config_folder_run_and_crm_hooks_path_names_it(
    db_path: Path, marker: Path, tmp_path: Path
) -> None:
    folder = Path(ok("hooks", "path").rstrip("\n"))
    assert folder == config_folder(db_path)
    assert folder.parent == tmp_path / "config" / "crmcli" / "hooks"  # XDG_CONFIG_HOME
    assert folder.name.startswith("crm.db-") and len(folder.name) == len("crm.db-") + 12
    assert not folder.exists()  # printing it makes nothing
    other = Path(ok("--db", str(tmp_path / "elsewhere" / "crm.db"), "hooks", "path").strip())
    assert other != folder and other.name.startswith("crm.db-")  # one folder per database
    marker_hook(folder, "on-add", marker)
    result = crm("add", "Anna")
    assert result.exit_code == 0 and result.stderr == ""
    assert ran(marker) == ["on-add"]


def test_a_skipped_hook_is_said_in_chinese_and_listed_in_english_json(
    db_path: Path, marker: Path
) -> None:
    marker_hook(beside(db_path), "on-add", marker)
    result = crm("--lang", "zh", "add", "Anna")
    assert result.exit_code == 0 and ran(marker) == []
    assert result.stderr == (
        f"crm: 已跳过钩子 {beside(db_path)}/on-add：该文件夹未被信任"
        "（运行“crm hooks trust”后才会执行）\n"
    )
    listed = json.loads(ok("--lang", "zh", "hooks", "list", "-f", "json"))
    assert [r["reason"] for r in listed] == [
        "the folder is not trusted (crm hooks trust lets it run)"
    ]
    table = ok("--lang", "zh", "hooks", "list", "-f", "table").splitlines()
    assert table[0].split() == [
        "钩子",
        "位置",
        "状态",
        "路径",
        "原因",
    ]  # Hook, Place, Path were English


def test_trust_after_making_the_config_folder_says_it_needs_none(db_path: Path) -> None:
    """The help's examples in order: `mkdir "$(crm hooks path)"`, then `crm hooks trust`."""
    Path(ok("hooks", "path").strip()).mkdir(parents=True, mode=0o700)
    assert ok("hooks", "trust") == (
        f"Nothing to trust: the hooks in {config_folder(db_path)} (crm hooks path) run without "
        f"it; crm hooks trust is for a hooks folder beside the database, {beside(db_path)}.\n"
    )
    result = crm("hooks", "untrust")
    assert (result.exit_code, result.stderr) == (0, "")
    assert not (hooks.config_dir() / hooks.TRUST_FILE).exists()


def test_hooks_beside_the_database_run_only_once_the_folder_is_trusted(
    db_path: Path, marker: Path
) -> None:
    marker_hook(beside(db_path), "on-add", marker)
    result = crm("add", "Anna")
    assert result.exit_code == 0 and ran(marker) == []
    assert one_warning(result.stderr) == (
        f"crm: skipped hook {beside(db_path)}/on-add: the folder is not trusted "
        "(crm hooks trust lets it run)\n"
    )
    assert ok("hooks", "trust") == (
        f"Trusted {beside(db_path)} for {db_path}: on-add will run. "
        "Trust it again after changing a hook.\n"
    )
    result = crm("add", "Bob")
    assert result.exit_code == 0 and result.stderr == "" and ran(marker) == ["on-add"]
    assert ok("hooks", "untrust") == f"{beside(db_path)} is no longer trusted.\n"
    assert ok("hooks", "untrust") == f"{beside(db_path)} was not trusted.\n"
    one_warning(crm("add", "Carl").stderr)
    assert ran(marker) == ["on-add"]


def test_hooks_in_both_places_each_run(db_path: Path, marker: Path) -> None:
    marker_hook(config_folder(db_path), "on-add", marker)
    marker_hook(beside(db_path), "on-add", marker)
    trust_beside(db_path)
    ok("add", "Anna")
    assert ran(marker) == ["on-add", "on-add"]


def test_a_file_that_is_not_executable_is_no_hook_and_no_warning(
    db_path: Path, marker: Path
) -> None:
    marker_hook(beside(db_path), "on-add", marker, mode=0o600)
    result = crm("add", "Anna")
    assert result.stderr == "" and ran(marker) == []
    assert json.loads(ok("hooks", "list", "-f", "json")) == []


# --- planted hooks never run ---------------------------------------------------------------


def pack(archive: Path, entries: dict[str, tuple[bytes | None, int]]) -> None:
    """A tar or zip archive of `entries` (name -> (content, or None for a folder; mode)),
    owned by the current user as a tar made by that user would be."""
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive, "w") as out:
            for name, (content, mode) in entries.items():
                info = zipfile.ZipInfo(name + ("/" if content is None else ""))
                info.create_system = 3  # Unix: unzip restores the modes below
                kind = stat.S_IFDIR if content is None else stat.S_IFREG
                info.external_attr = (kind | mode) << 16
                out.writestr(info, content or b"")
        return
    with tarfile.open(archive, "w") as out:
        for name, (content, mode) in entries.items():
            info = tarfile.TarInfo(name)
            info.mode, info.uid, info.gid = mode, os.geteuid(), os.getegid()
            if content is None:
                info.type = tarfile.DIRTYPE
            info.size = len(content or b"")
            out.addfile(info, io.BytesIO(content or b""))


def unpack(archive: Path, dest: Path) -> None:
    """What `tar xf` and `unzip` do: every file with the archive's modes (and, for root,
    the tar's owners)."""
    dest.mkdir(exist_ok=True, mode=0o700)
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as source:
            source.extractall(dest)
            for info in source.infolist():
                (dest / info.filename).chmod((info.external_attr >> 16) & 0o7777)
        return
    with tarfile.open(archive) as source:
        source.extractall(dest, filter="fully_trusted")


def hook_text(marker: Path, name: str) -> bytes:
    return f"#!/bin/sh\necho {name} >> '{marker}'\n".encode()


@pytest.mark.parametrize("kind", ["tar", "zip"])
@pytest.mark.parametrize("mode", [0o755, 0o700])
def test_a_database_received_in_an_archive_runs_none_of_its_hooks(
    tmp_path: Path, marker: Path, kind: str, mode: int
) -> None:
    sent = tmp_path / "sender" / "crm.db"
    sent.parent.mkdir(mode=0o700)  # crm makes no folder for --db
    ok("--db", str(sent), "add", "Anna")
    archive = tmp_path / f"crm.{kind}"
    pack(archive, {
        "crm.db": (sent.read_bytes(), 0o600),
        "hooks": (None, mode),
        "hooks/on-modify": (hook_text(marker, "on-modify"), mode),
        "hooks/on-add": (hook_text(marker, "on-add"), mode),
    })  # fmt: skip
    unpack(archive, tmp_path / "received")
    received = tmp_path / "received" / "crm.db"
    assert stat.S_IMODE((received.parent / "hooks" / "on-modify").stat().st_mode) == mode
    result = crm("--db", str(received), "edit", "Anna", "--city", "Lyon")
    assert result.exit_code == 0 and ran(marker) == []
    assert "on-modify: the folder is not trusted" in one_warning(result.stderr)
    result = crm("--db", str(received), "add", "Bob")
    assert ran(marker) == [] and "on-add: the folder is not trusted" in result.stderr


def test_an_archive_unpacked_over_a_trusted_folder_runs_nothing_new(
    db_path: Path, marker: Path, tmp_path: Path
) -> None:
    marker_hook(beside(db_path), "on-add", marker)
    trust_beside(db_path)
    archive = tmp_path / "update.tar"
    pack(archive, {
        "hooks/on-add": (hook_text(marker, "planted-add"), 0o700),
        "hooks/on-modify": (hook_text(marker, "planted-modify"), 0o700),
    })  # fmt: skip
    unpack(archive, db_path.parent)
    result = crm("add", "Anna")
    assert ran(marker) == []
    assert "on-add: the hook changed since you trusted the folder" in one_warning(result.stderr)
    result = crm("edit", "Anna", "--city", "Lyon")
    assert ran(marker) == []
    assert "on-modify: the hook was added since you trusted the folder" in result.stderr


@pytest.mark.parametrize("place", ["config", "beside"])
def test_a_folder_others_can_write_runs_nothing_even_when_trusted(
    db_path: Path, marker: Path, place: str
) -> None:
    folder = config_folder(db_path) if place == "config" else beside(db_path)
    marker_hook(folder, "on-add", marker)
    if place == "beside":
        trust_beside(db_path)
    folder.chmod(0o777)
    result = crm("add", "Anna")
    assert result.exit_code == 0 and ran(marker) == []
    assert one_warning(result.stderr) == (
        f"crm: skipped hook {folder}/on-add: the folder is writable by group or others "
        "(mode 0777: chmod go-w it)\n"
    )


@pytest.mark.parametrize("place", ["config", "beside"])
def test_a_hook_its_group_can_write_does_not_run(db_path: Path, marker: Path, place: str) -> None:
    folder = config_folder(db_path) if place == "config" else beside(db_path)
    hook = marker_hook(folder, "on-add", marker)
    if place == "beside":
        trust_beside(db_path)
    hook.chmod(0o770)
    result = crm("add", "Anna")
    assert ran(marker) == []
    assert "the hook is writable by group or others (mode 0770" in one_warning(result.stderr)


@pytest.mark.parametrize("what", ["folder", "hook"])
def test_hooks_another_user_owns_do_not_run(
    db_path: Path, marker: Path, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    hook = marker_hook(config_folder(db_path), "on-add", marker, mode=0o755)
    config_folder(db_path).chmod(0o755)
    give_away(hook.parent if what == "folder" else hook, monkeypatch)
    result = crm("add", "Anna")
    assert ran(marker) == []
    # Not as root, crm runs as "another uid" and so owns neither the folder nor the hook.
    owner = f"the {what}" if os.geteuid() == 0 else "the folder"
    assert f"{owner} belongs to uid" in one_warning(result.stderr)


def test_hooks_another_user_planted_in_a_shared_folder_never_run(
    tmp_path: Path, marker: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database in a folder everyone can write (a shared /tmp-like folder, sticky or
    not); another user makes hooks/ there: it does not run, and cannot be trusted: crm
    refuses the database in such a folder outright."""
    shared = tmp_path / "shared"
    shared.mkdir()
    database = shared / "crm.db"
    ok("--db", str(database), "add", "Anna")
    shared.chmod(0o1777)
    hook = marker_hook(shared / "hooks", "on-modify", marker, mode=0o755)
    hook.parent.chmod(0o755)
    give_away(hook.parent, monkeypatch)
    if os.geteuid() == 0:
        os.chown(hook, NOBODY, NOBODY)
    assert "plant a journal" in fails(2, "--db", str(database), "edit", "Anna", "--city", "Lyon")
    assert ran(marker) == []
    fails(2, "--db", str(database), "hooks", "trust")
    assert not (hooks.config_dir() / hooks.TRUST_FILE).exists()


def test_a_trusted_folder_moved_aside_for_another_does_not_run(db_path: Path, marker: Path) -> None:
    folder = beside(db_path)
    marker_hook(folder, "on-add", marker)
    trust_beside(db_path)
    folder.rename(db_path.parent / "hooks.old")
    marker_hook(folder, "on-add", marker)  # the same hook, in a new folder
    result = crm("add", "Anna")
    assert ran(marker) == []
    assert "the folder was replaced since you trusted it" in one_warning(result.stderr)
    trust_beside(db_path)
    ok("add", "Bob")
    assert ran(marker) == ["on-add"]


def test_a_trusted_folder_removed_and_recreated_from_an_archive_does_not_run(
    db_path: Path, marker: Path, tmp_path: Path
) -> None:
    """After rm -rf the file system may give the new folder the old inode number, so the
    record's inode alone cannot tell; the hook's recorded SHA-256 does."""
    marker_hook(beside(db_path), "on-add", marker)
    trust_beside(db_path)
    shutil.rmtree(beside(db_path))
    archive = tmp_path / "hooks.tar"
    pack(archive, {"hooks": (None, 0o700), "hooks/on-add": (hook_text(marker, "x"), 0o700)})
    unpack(archive, db_path.parent)
    result = crm("add", "Anna")
    assert ran(marker) == []
    warning = one_warning(result.stderr)
    assert "the folder was replaced" in warning or "the hook changed" in warning


# --- swapping the checked folder for another ------------------------------------------------


def hooks_folder(place: str, database: Path) -> Path:
    return config_folder(database) if place == "config" else database.parent / "hooks"


def planted(place: str, database: Path, marker: Path) -> Path:
    """A database at `database` with a 0755 on-modify hook in `place`, trusted if beside:
    what the audit set up before opening a folder above to others."""
    database.parent.mkdir(parents=True, mode=0o700, exist_ok=True)  # crm makes none for --db
    ok("--db", str(database), "add", "Anna")
    folder = hooks_folder(place, database)
    marker_hook(folder, "on-modify", marker, mode=0o755)
    folder.chmod(0o755)
    if place == "beside":
        trust_beside(database)
    return folder


def skipped_for(database: Path, folder: Path, why: str) -> None:
    """The hook is skipped for `why`, alike in a write's warning, crm hooks list, crm check,
    and (beside the database) crm hooks trust refuses the folder for it."""
    result = crm("--db", str(database), "edit", "Anna", "--city", "Rome")
    assert result.exit_code == 0
    assert one_warning(result.stderr) == f"crm: skipped hook {folder}/on-modify: {why}\n"
    rows = json.loads(ok("--db", str(database), "hooks", "list", "-f", "json"))
    assert [(r["status"], r["reason"]) for r in rows] == [("skipped", why)]
    checked = crm("--db", str(database), "check", "-f", "json")
    assert checked.exit_code == 1
    assert {
        "check": "hooks",
        "status": "problem",
        "detail": f"{folder}/on-modify skipped: {why}",
    } in (json.loads(checked.stdout))
    if folder.name == "hooks":
        assert fails(2, "--db", str(database), "hooks", "trust") == (
            f"crm: not trusting {folder}: {why}\n"
        )


@pytest.mark.parametrize("place", ["config", "beside"])
@pytest.mark.parametrize(
    ("level", "mode"),
    [(1, 0o775), (1, 0o757), (2, 0o770), (2, 0o707)],
    ids=["parent-0775", "parent-0757", "grandparent-0770", "grandparent-0707"],
)
def test_hooks_under_a_folder_others_can_write_do_not_run(
    tmp_path: Path, marker: Path, place: str, level: int, mode: int
) -> None:
    """The audit's swap: another user of the group could write the database's folder, and
    renamed the trusted hooks folder away for theirs while crm checked and ran it. A parent
    or grandparent of the hooks folder that group or others can write runs nothing; beside
    the database, such a folder is one of the database's own, and crm refuses the database
    itself, hooks and all."""
    database = tmp_path / "a" / "b" / "crm.db"
    folder = planted(place, database, marker)
    above = folder.parents[level - 1]
    above.chmod(mode)
    if os.geteuid() == 0:
        os.chown(above, -1, NOBODY)  # another group: the user's own private group may write
    why = (
        f"{above} is writable by group or others, who could swap the folder in it "
        f"(mode {mode:04o}: chmod go-w it)"
    )
    if place == "beside":
        assert "or move the database to a folder of your own" in fails(
            2, "--db", str(database), "edit", "Anna", "--city", "Lyon"
        )
    else:
        skipped_for(database, folder, why)
    assert ran(marker) == []
    above.chmod(0o755)
    ok("--db", str(database), "edit", "Anna", "--city", "Lyon")
    assert ran(marker) == ["on-modify"]


@pytest.mark.parametrize("place", ["config", "beside"])
@pytest.mark.parametrize("level", [1, 2], ids=["parent-1777", "grandparent-1777"])
def test_a_sticky_folder_above_others_can_write_lets_hooks_run(
    tmp_path: Path, marker: Path, place: str, level: int
) -> None:
    """Like /tmp: in a sticky folder nobody but you (and root) can rename what is yours. (The
    database's own folder is the exception: others could plant its -journal there, so crm
    refuses the database in it, see tests/test_database.py.)"""
    database = tmp_path / "a" / "b" / "crm.db"
    folder = planted(place, database, marker)
    folder.parents[level - 1].chmod(0o1777)
    if folder.parents[level - 1] == database.parent:
        assert "plant a journal" in fails(2, "--db", str(database), "edit", "Anna", "--city", "R")
        return
    result = crm("--db", str(database), "edit", "Anna", "--city", "Rome")
    assert result.exit_code == 0 and result.stderr == "" and ran(marker) == ["on-modify"]
    if place == "beside":
        trust_beside(database)


@pytest.mark.parametrize("place", ["config", "beside"])
def test_hooks_under_a_folder_another_user_owns_do_not_run(
    tmp_path: Path, marker: Path, monkeypatch: pytest.MonkeyPatch, place: str
) -> None:
    database = tmp_path / "a" / "b" / "crm.db"
    folder = planted(place, database, marker)
    above = folder.parents[1]
    give_away(above, monkeypatch)
    result = crm("--db", str(database), "edit", "Anna", "--city", "Rome")
    assert ran(marker) == []
    if place == "beside" and os.geteuid() == 0:  # a folder above the database: refused
        assert result.exit_code == 2 and "a folder above the database" in result.stderr
        return
    warning = one_warning(result.stderr)
    # Not as root, crm runs as "another uid": the first folder above not root's is named.
    assert " belongs to uid " in warning and ", not you or root\n" in warning
    if os.geteuid() == 0:
        assert f"on-modify: {above} belongs to uid {NOBODY}, not you or root\n" in warning


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="runs the path without /proc")
@pytest.mark.parametrize("place", ["config", "beside"])
def test_the_hook_that_runs_is_the_file_that_was_checked(
    tmp_path: Path, marker: Path, monkeypatch: pytest.MonkeyPatch, place: str
) -> None:
    """The audit's race, made certain: the hooks folder is swapped for another (as renameat2
    RENAME_EXCHANGE did) after every check, just before the hook starts. What runs is the
    file that was checked, not whatever is at its path by then."""
    database = tmp_path / "crm.db"
    folder = planted(place, database, marker)
    evil = tmp_path / "evil"
    marker_hook(evil, "on-modify", tmp_path / "evil-ran.txt", mode=0o755)
    real_run = subprocess.run
    swaps = []

    def swap_then_run(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess:
        folder.rename(tmp_path / "aside")
        evil.rename(folder)
        swaps.append(folder)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(subprocess, "run", swap_then_run)
    result = crm("--db", str(database), "edit", "Anna", "--city", "Rome")
    assert swaps == [folder]  # the swap did happen, once, before the one hook ran
    assert result.exit_code == 0 and result.stderr == ""
    assert ran(marker) == ["on-modify"] and ran(tmp_path / "evil-ran.txt") == []


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="runs the path without /proc")
def test_a_compiled_hook_runs_through_its_descriptor_too(db_path: Path) -> None:
    """A binary is run by the kernel from the descriptor itself (a script's interpreter
    opens it): a copy of `false` runs and fails, a copy of `true` runs and succeeds."""
    programs = {name: Path(shutil.which(name) or name) for name in ("false", "true")}
    if not all(p.is_file() and p.read_bytes()[:4] == b"\x7fELF" for p in programs.values()):
        pytest.skip("no compiled true and false")
    folder = config_folder(db_path)
    folder.mkdir(parents=True, mode=0o700)
    for hook, program in (("on-add", programs["false"]), ("on-modify", programs["true"])):
        shutil.copyfile(program, folder / hook)
        (folder / hook).chmod(0o700)
    result = crm("add", "Anna")
    assert result.exit_code == 0
    assert result.stderr == "crm: hook on-add failed (exit 1); the change is kept\n"
    result = crm("edit", "Anna", "--city", "Rome")
    assert result.exit_code == 0 and result.stderr == ""


# --- the trust is for one database ----------------------------------------------------------


def test_a_received_database_whose_hooks_links_to_a_trusted_folder_runs_nothing(
    db_path: Path, marker: Path, tmp_path: Path
) -> None:
    """A stranger's database whose `hooks` is a symbolic link to your trusted folder would
    hand your hooks the stranger's changes: a linked hooks folder is never followed."""
    marker_hook(beside(db_path), "on-modify", marker)
    trust_beside(db_path)
    received = tmp_path / "received" / "crm.db"
    received.parent.mkdir(mode=0o700)  # crm makes no folder for --db
    ok("--db", str(received), "add", "Mallory")
    (received.parent / "hooks").symlink_to(beside(db_path))
    why = "the folder is a symbolic link (crm follows none to a hook)"
    result = crm("--db", str(received), "edit", "Mallory", "--city", "Rome")
    assert result.exit_code == 0 and ran(marker) == []
    assert one_warning(result.stderr) == (
        f"crm: skipped hook {received.parent}/hooks/on-modify: {why}\n"
    )
    assert fails(2, "--db", str(received), "hooks", "trust") == (
        f"crm: not trusting {received.parent}/hooks: {why}\n"
    )
    ok("add", "Anna")
    ok("edit", "Anna", "--city", "Rome")  # the folder's own database still runs it
    assert ran(marker) == ["on-modify"]


def test_trusting_a_folder_trusts_it_for_one_database(
    db_path: Path, marker: Path, tmp_path: Path
) -> None:
    """Another database dropped beside the trusted one, or moved over it, runs no hook."""
    marker_hook(beside(db_path), "on-modify", marker)
    ok("add", "Anna")
    trust_beside(db_path)
    other = db_path.parent / "received.db"
    ok("--db", str(other), "add", "Mallory")
    result = crm("--db", str(other), "edit", "Mallory", "--city", "Rome")
    assert ran(marker) == []
    assert one_warning(result.stderr) == (
        f"crm: skipped hook {beside(db_path)}/on-modify: the folder is trusted for {db_path}, "
        "not for this database (crm hooks trust lets it run)\n"
    )
    other.rename(db_path)  # a stranger's file moved over the trusted one
    result = crm("edit", "Mallory", "--city", "Lyon")
    assert ran(marker) == []
    assert one_warning(result.stderr) == (
        f"crm: skipped hook {beside(db_path)}/on-modify: the database is not the file you "
        "trusted the folder for (crm hooks trust lets it run)\n"
    )
    trust_beside(db_path)
    ok("edit", "Mallory", "--city", "Rome")
    assert ran(marker) == ["on-modify"]


def test_one_warning_line_however_many_hooks_are_skipped(db_path: Path, marker: Path) -> None:
    ok("add", "Anna")
    ok("add", "Bob")
    for name in hooks.HOOKS:
        marker_hook(beside(db_path), name, marker)
    result = crm("merge", "1", "2", "--yes")  # Bob deleted, Anna modified
    assert result.exit_code == 0 and ran(marker) == []
    folder = beside(db_path)
    assert one_warning(result.stderr) == (
        f"crm: skipped hooks {folder}/on-modify, {folder}/on-delete: the folder is not "
        "trusted (crm hooks trust lets it run)\n"
    )
    result = crm("config", "set", "default_region", "FR")  # calls no hook: says nothing
    assert result.exit_code == 0 and result.stderr == ""


# --- crm hooks trust, list; crm check ------------------------------------------------------


def test_trust_refuses_what_it_cannot_vouch_for_and_records_nothing(
    db_path: Path, marker: Path
) -> None:
    trust_file = hooks.config_dir() / hooks.TRUST_FILE
    assert fails(3, "hooks", "trust") == (
        f"crm: no hooks folder at {beside(db_path)} to trust; hooks in "
        f"{config_folder(db_path)} (crm hooks path) run without it\n"
    )
    marker_hook(beside(db_path), "on-add", marker, mode=0o600)
    assert fails(2, "hooks", "trust") == (
        f"crm: no executable on-add, on-modify or on-delete in {beside(db_path)}\n"
    )
    (beside(db_path) / "on-add").chmod(0o720)
    assert fails(2, "hooks", "trust") == (
        f"crm: not trusting {beside(db_path)}: on-add is writable by group or others "
        "(mode 0720: chmod go-w it)\n"
    )
    (beside(db_path) / "on-add").unlink()
    (beside(db_path) / "on-add").mkdir(mode=0o700)  # "executable", but a folder
    assert "on-add is not a regular file" in fails(2, "hooks", "trust")
    (beside(db_path) / "on-add").rmdir()
    marker_hook(beside(db_path), "on-add", marker)
    # A safe folder, but the trust names the database file, and there is none yet.
    assert fails(3, "hooks", "trust") == (
        f"crm: no database at {db_path}; trust its hooks once it exists\n"
    )
    assert not trust_file.exists() and not db_path.exists()


def test_the_trust_record_is_private_and_outside_the_database(db_path: Path, marker: Path) -> None:
    ok("add", "Anna")
    marker_hook(beside(db_path), "on-add", marker)
    before = dump(db_path)
    trust_beside(db_path)
    assert dump(db_path) == before  # nothing about hooks in the database
    trust_file = hooks.config_dir() / hooks.TRUST_FILE
    assert stat.S_IMODE(trust_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(trust_file.parent.stat().st_mode) == 0o700
    record = json.loads(trust_file.read_text())["databases"][str(db_path)]
    folder, database = beside(db_path).stat(), db_path.stat()
    assert record["folder"] == str(beside(db_path))
    assert (record["folder_uid"], record["folder_device"], record["folder_inode"]) == (
        folder.st_uid, folder.st_dev, folder.st_ino)  # fmt: skip
    assert (record["device"], record["inode"]) == (database.st_dev, database.st_ino)
    assert set(record["hooks"]) == {"on-add"}
    # A trust file others could write vouches for nothing.
    trust_file.chmod(0o666)
    result = crm("add", "Bob")
    assert ran(marker) == []
    assert "the folder is not trusted: " in one_warning(result.stderr)
    assert "writable by group or others" in fails(1, "hooks", "trust")


def test_crm_hooks_list_and_crm_check_name_active_and_skipped_hooks(
    db_path: Path, marker: Path
) -> None:
    ok("add", "Anna")
    result = crm("hooks", "list")
    assert result.stdout == "" and result.stderr.startswith("No hooks. Put executables named")
    assert {"check": "hooks", "status": "ok", "detail": "none"} in json.loads(
        ok("check", "-f", "json")
    )
    active = marker_hook(config_folder(db_path), "on-add", marker)
    skipped = marker_hook(beside(db_path), "on-modify", marker)
    why = "the folder is not trusted (crm hooks trust lets it run)"
    assert json.loads(ok("hooks", "list", "-f", "json")) == [
        {"hook": "on-add", "place": "config", "status": "active", "path": str(active),
         "reason": ""},
        {"hook": "on-modify", "place": "beside", "status": "skipped", "path": str(skipped),
         "reason": why},
    ]  # fmt: skip
    result = crm("check", "-f", "json")
    assert result.exit_code == 1 and result.stderr == "crm: 1 problem found: hooks\n"
    rows = [r for r in json.loads(result.stdout) if r["check"] == "hooks"]
    assert rows == [
        {"check": "hooks", "status": "ok", "detail": f"{active} runs"},
        {"check": "hooks", "status": "problem", "detail": f"{skipped} skipped: {why}"},
    ]
    trust_beside(db_path)
    assert crm("check").exit_code == 0


# --- what they are given, after the commit, for every writer ---------------------------------


def install_hooks(folder: Path, database: Path, log: Path) -> None:
    """Hooks that log their event, the command, the customers, and how many customers a
    separate connection sees: only committed rows are visible to it."""
    folder.mkdir(parents=True, mode=0o700)
    for name in hooks.HOOKS:
        script = folder / name
        script.write_text(
            f"#!{sys.executable}\n"
            "import json, sqlite3, sys\n"
            "payload = json.load(sys.stdin)\n"
            f"conn = sqlite3.connect({f'file:{database}?mode=ro'!r}, uri=True)\n"
            "seen = conn.execute('SELECT count(*) FROM customers').fetchone()[0]\n"
            f"with open({str(log)!r}, 'a') as out:\n"
            f"    out.write(json.dumps({{'hook': {name!r}, 'command': payload['command'],\n"
            "        'ids': payload['customer_ids'], 'seen': seen}) + '\\n')\n"
        )
        script.chmod(0o700)


def hook_log(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


@pytest.fixture
def logged(db_path: Path, tmp_path: Path) -> Path:
    log = tmp_path / "hooks.log"
    install_hooks(config_folder(db_path), db_path, log)
    return log


def test_hooks_get_the_change_after_commit_and_cannot_undo_it(
    db_path: Path, tmp_path: Path
) -> None:
    folder = config_folder(db_path)
    folder.mkdir(parents=True, mode=0o700)
    log = tmp_path / "hook.log"
    for name in hooks.HOOKS:
        script = folder / name
        script.write_text(f"#!/bin/sh\necho {name} >> '{log}'\ncat >> '{log}'\necho >> '{log}'\n")
        script.chmod(0o700)
    ok("add", "Anna")
    ok("edit", "Anna", "--city", "Lyon")
    ok("delete", "Anna")
    lines = log.read_text().splitlines()
    assert [ln for ln in lines if ln.startswith("on-")] == ["on-add", "on-modify", "on-delete"]
    payloads = [json.loads(ln) for ln in lines if ln.startswith("{")]
    assert payloads[1]["event"] == "modify" and payloads[1]["customer_ids"] == [1]
    assert any(c["field"] == "city" and c["new"] == "Lyon" for c in payloads[1]["changes"])
    (folder / "on-modify").write_text("#!/bin/sh\nexit 3\n")
    ok("undelete", "Anna")
    result = crm("edit", "Anna", "--city", "Rome")
    assert result.exit_code == 0
    assert "hook on-modify failed (exit 3); the change is kept" in result.stderr
    assert json.loads(ok("show", "Anna", "-f", "json"))["city"] == "Rome"


def test_import_runs_its_hook_after_the_commit(logged: Path, tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("name,email\nAnna,a@example.com\nBob,b@example.com\n")
    ok("import", "customers", str(source))
    assert hook_log(logged) == [
        {"hook": "on-add", "command": "import customers", "ids": [1, 2], "seen": 2}
    ]


def test_merge_runs_its_hooks_after_the_commit(logged: Path) -> None:
    ok("add", "Anna")
    ok("add", "Bob")
    logged.unlink()
    ok("merge", "1", "2", "--yes")
    events = {e["hook"]: e for e in hook_log(logged)}
    assert events["on-delete"] == {"hook": "on-delete", "command": "merge", "ids": [2], "seen": 1}
    assert events["on-modify"]["ids"] == [1] and events["on-modify"]["seen"] == 1


def test_demo_runs_no_hook_for_its_throwaway_file(tmp_path: Path) -> None:
    """A demo file often lives in a shared folder (/tmp): the demo runs no hook, not even
    one of the user's own for that path, while a later write to it does."""
    target = tmp_path / "demo" / "demo.db"
    target.parent.mkdir(mode=0o700)  # crm makes no folder for --db
    log = tmp_path / "demo-hooks.log"
    install_hooks(config_folder(target), target, log)
    ok("demo", "--db", str(target), "--customers", "5")
    assert hook_log(log) == []
    ok("--db", str(target), "add", "Zed")
    assert [e["hook"] for e in hook_log(log)] == ["on-add"]


def test_forget_runs_through_the_unit_of_work_and_its_on_delete_hook(logged: Path) -> None:
    ok("add", "Anna", "--city", "Lyon")
    logged.unlink()
    ok("forget", "Anna", "--yes")
    # After the commit, like any write; its payload holds none of the erased values
    # (tests/test_privacy.py reads it whole).
    assert hook_log(logged) == [{"hook": "on-delete", "command": "forget", "ids": [1], "seen": 0}]
    assert ok("list", "-q") == "" and ok("search", "Lyon", "-q") == ""


def test_config_set_is_one_recorded_change_and_no_customer_event(logged: Path) -> None:
    ok("config", "set", "default_region", "FR")
    history = json.loads(ok("history", "-f", "json"))
    assert {row["command"] for row in history} == {"config set"}
    assert hook_log(logged) == []  # hooks are per customer; a setting names none


def test_hook_problems_go_to_the_caller_and_the_store_prints_nothing(
    db_path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    marker_hook(config_folder(db_path), "on-add", tmp_path / "unused").write_text(
        "#!/bin/sh\nexit 3\n"
    )
    untrusted = marker_hook(beside(db_path), "on-add", tmp_path / "unused")
    problems: list[str] = []
    with db.write(db_path, command="add", warn=problems.append) as conn:
        conn.execute(ADD_ANNA)
    assert problems == [
        f"skipped hook {untrusted}: the folder is not trusted (crm hooks trust lets it run)",
        "hook on-add failed (exit 3); the change is kept",
    ]
    assert capsys.readouterr() == ("", "")
    assert crm("list", "-q").stdout == "1\n"
