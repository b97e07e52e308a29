"""typer's own check of a path crm is given (`--db`, `--ids-from`, `crm restore FILE`, `-o`)
speaks the run's language.

Root reads any file whatever its mode (the tests may run as root), so a file is made
unreadable by answering `os.access` for it as the system would for another user."""

import os

import pytest
from typer.main import get_command

from crmcli.cli import app
from tests.conftest import add, fails


@pytest.fixture
def unreadable(monkeypatch: pytest.MonkeyPatch, tmp_path):
    """A file (`locked.db`, a copy of a backup) `os.access` says cannot be read."""
    locked = tmp_path / "locked.db"
    real = os.access

    def access(path, mode, *args, **kwargs):
        if os.fspath(path).endswith("locked.db") and mode & os.R_OK:
            return False
        return real(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    return locked


def test_every_path_crm_takes_is_checked_only_to_be_readable():
    """The one sentence of typer's path check crm can show (framework.SENTENCES) is the
    readable one: no path option is checked to exist, to be a file or a folder, or to be
    writable (typer's other sentences, English only)."""
    seen = []

    def walk(command, names):
        for param in command.params:
            descriptor = getattr(param, "type_descriptor", None)
            if descriptor is None or not descriptor.is_path:
                continue
            info = descriptor.parameter_info
            seen.append(param.name)
            assert not info.exists and info.file_okay and info.dir_okay, (names, param.name)
            assert not info.writable and not info.resolve_path, (names, param.name)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*names, name])

    walk(get_command(app), ["crm"])
    assert {"db", "file", "b_ids_from", "output", "rejects"} <= set(seen), seen


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_unreadable_backup_is_refused_in_the_runs_language(db_path, unreadable, lang):
    add("Anna")
    unreadable.write_bytes(db_path.read_bytes())
    err = fails(2, "--lang", lang, "restore", str(unreadable), "--yes", db=db_path)
    if lang == "en":
        assert err == (
            f"crm: Invalid value for 'FILE': path '{unreadable}' is not readable. "
            "(see 'crm restore --help')\n"
        )
    else:
        assert (
            err == f"crm: “文件”的值无效：没有读取“{unreadable}”的权限（见“crm restore --help”）\n"
        )


def test_the_locale_speaks_the_refusal_of_an_unreadable_database(
    unreadable, monkeypatch: pytest.MonkeyPatch
):
    unreadable.write_bytes(b"")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    err = fails(2, "--db", str(unreadable), "list")
    assert err == f"crm: “--db”的值无效：没有读取“{unreadable}”的权限（见“crm --help”）\n"


def test_an_unreadable_ids_from_file_is_refused_in_chinese(db_path, unreadable):
    add("Anna")
    unreadable.write_text("1\n", encoding="utf-8")
    err = fails(2, "--lang", "zh", "tag", "vip", "--ids-from", str(unreadable), db=db_path)
    assert "没有读取" in err and "not readable" not in err, err
