"""English that was left on Chinese screens (issue #22): the operating system's reasons,
the files crm names, crm encrypt and decrypt, crm check's details, crm tag rename, the
suggestions of a misspelt choice. Each is checked as a Chinese and an English user see it:
stderr, exit code, and nothing changed."""

from __future__ import annotations

import errno
import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcli.core import i18n, oserrors
from tests.conftest import fails, ok

CHINESE = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"\b[a-z]{3,}\b")


@pytest.fixture
def zh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")


def _in(language: str, said: object) -> str:
    token = i18n.use(language)
    try:
        return said() if callable(said) else str(said)
    finally:
        i18n.reset(token)


@given(st.sampled_from(sorted(oserrors.WORDS)))
def test_a_common_system_error_is_said_in_chinese_and_as_the_system_says_it_in_english(number):
    error = OSError(number, os.strerror(number))
    assert _in("en", lambda: oserrors.reason(error)) == os.strerror(number)
    chinese = _in("zh", lambda: oserrors.reason(error))
    assert CHINESE.search(chinese) and not LATIN_WORD.search(chinese), chinese
    assert _in("zh", lambda: oserrors.reason(number)) == chinese
    kept = oserrors.said(error)  # in data: English, said in Chinese on a screen
    assert str(kept) == os.strerror(number) and _in("zh", kept.said) == chinese


@given(st.integers(1, 200).filter(lambda n: n not in oserrors.WORDS))
def test_an_uncommon_system_error_keeps_the_system_s_words(number):
    error = OSError(number, os.strerror(number))
    assert _in("zh", lambda: oserrors.reason(error)) == os.strerror(number)
    assert oserrors.said(error) == os.strerror(number)


def test_a_full_disk_is_said_in_chinese(db_path, zh, monkeypatch):
    ok("add", "张三")
    real = os.fsync

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    target = db_path.parent / "c.csv"
    stderr = fails(1, "export", "customers", "-o", str(target), db=db_path)
    assert stderr == "crm: 无法输出结果（磁盘空间不足）\n", stderr
    monkeypatch.setattr(os, "fsync", real)
    assert not target.exists()


@pytest.mark.parametrize(
    ("number", "code"),
    [
        (errno.ENOENT, 2),
        (errno.EACCES, 2),
        (errno.EROFS, 2),
        (errno.ENOSPC, 1),
        (errno.EIO, 1),
    ],
)
@pytest.mark.parametrize(
    ("command", "name"),
    [("export customers -o", "c.csv"), ("export all -o", "c.json"), ("backup", "c.db")],
)
def test_a_file_that_cannot_be_made_is_named_as_typed_with_its_reason(
    db_path, monkeypatch, number, code, command, name
):
    """`crm export -o /proc/x.csv` said `No such file or directory: /proc/.x.csv.1ivchutt.tmp`:
    English, and the name of a temporary file nobody typed."""
    ok("add", "张三")
    target = db_path.parent / "out" / name
    target.parent.mkdir()

    def refused(*args: object, **kwargs: object) -> object:
        raise OSError(number, os.strerror(number), str(target.parent / f".{name}.x1y2z3.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    monkeypatch.setattr(tempfile, "mkdtemp", refused)
    args = [*command.split(), str(target)]
    english = fails(code, *args, db=db_path)
    assert english == f"crm: cannot write {target}: {os.strerror(number)}\n"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    chinese = fails(code, *args, db=db_path)
    assert chinese == f"crm: 无法写入 {target}：{_in('zh', lambda: oserrors.reason(number))}\n"
    assert list(target.parent.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc")
def test_a_file_under_proc_is_refused_by_the_name_typed(db_path, zh):
    ok("add", "张三")
    assert fails(2, "export", "customers", "-o", "/proc/x.csv", db=db_path) == (
        "crm: 无法写入 /proc/x.csv：没有这个文件或目录\n"
    )
    assert fails(2, "--lang", "en", "export", "customers", "-o", "/proc/x.csv") == (
        "crm: cannot write /proc/x.csv: No such file or directory\n"
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_other_output_targets_say_why_in_the_run_s_language(db_path, lang):
    ok("add", "张三")
    missing = db_path.parent / "nowhere" / "c.csv"
    stderr = fails(2, "--lang", lang, "export", "customers", "-o", str(missing), db=db_path)
    assert (
        stderr
        == {
            "en": f"crm: no such directory: {missing.parent}\n",
            "zh": f"crm: 没有这个目录：{missing.parent}\n",
        }[lang]
    )
    folder = db_path.parent
    stderr = fails(2, "--lang", lang, "export", "customers", "-o", str(folder), db=db_path)
    assert (
        stderr
        == {
            "en": f"crm: {folder} is a directory; give a file name\n",
            "zh": f"crm: {folder} 是目录；请给一个文件名\n",
        }[lang]
    )
