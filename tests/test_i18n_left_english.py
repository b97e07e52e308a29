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
    assert stderr == f"crm: 无法写入 {target}（磁盘空间不足）\n", stderr  # the file named
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


# --- crm encrypt and decrypt ------------------------------------------------------------------


@pytest.fixture
def sqlcipher() -> None:
    from crmcli.store import encryption

    if not encryption.available():
        pytest.skip("needs the encrypt extra")


def test_encrypt_speaks_chinese_from_first_line_to_last(
    db_path, tmp_path, zh, sqlcipher, monkeypatch
):
    ok("add", "张三")
    monkeypatch.delenv("CRM_KEY_FILE", raising=False)
    assert fails(2, "encrypt", db=db_path) == (
        "crm: crm encrypt 需要密钥：请用 CRM_KEY_FILE（权限为 0600 的文件）或 CRM_KEY_FD 提供，"
        "或在终端里运行以输入密钥\n"
    )
    assert fails(2, "decrypt", db=db_path) == f"crm: {db_path} 没有加密；未做任何改动\n"
    key = tmp_path / "crm.key"
    key.write_text("correct horse battery\n")
    key.chmod(0o600)
    monkeypatch.setenv("CRM_KEY_FILE", str(key))
    from tests.conftest import crm

    done = crm("encrypt")
    assert done.exit_code == 0, done.stderr
    assert done.stderr == (
        "crm: 请妥善保管密钥：丢了它，数据就再也读不出来。在此之前做的备份和导出没有加密。\n"
    )
    assert fails(2, "encrypt", db=db_path) == f"crm: {db_path} 已经加密；未做任何改动\n"
    assert fails(2, "--lang", "en", "encrypt", db=db_path) == (
        f"crm: {db_path} is already encrypted; nothing was changed\n"
    )
    english = crm("--lang", "en", "decrypt")
    assert english.exit_code == 0 and english.stderr == ""


@pytest.mark.parametrize(
    ("lang", "first", "again"),
    [
        ("en", "Key for {path}: ", "The same key again: "),
        ("zh", "{path} 的密钥：", "再输入一次密钥："),
    ],
)
def test_the_key_prompts_speak_the_run_s_language(tmp_path, monkeypatch, lang, first, again):
    import getpass
    import sys

    from crmcli.store import encryption

    asked: list[str] = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt, stream=None: asked.append(prompt) or "k")
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    path = tmp_path / "crm.db"
    assert _in(lang, lambda: encryption.prompt_key(path, confirm=True)) == "k"
    assert asked == [first.format(path=path), again]


# --- notices about the file -------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_file_open_to_others_is_said_in_the_run_s_language(db_path, lang):
    from tests.conftest import crm

    ok("add", "张三")
    db_path.chmod(0o644)
    result = crm("--lang", lang, "list", "-q")
    assert result.exit_code == 0 and result.stdout == "1\n"
    assert (
        result.stderr
        == {
            "en": f"crm: {db_path} was open to others (0644); made it owner-only (0600)\n",
            "zh": f"crm: {db_path} 原先对其他人开放（0644）；已改为仅本人可读写（0600）\n",
        }[lang]
    )
    assert db_path.stat().st_mode & 0o777 == 0o600


def test_a_leftover_copy_is_said_in_chinese_in_the_notice_and_in_crm_check(db_path, zh):
    import json

    from tests.conftest import crm

    ok("add", "张三")
    partial = db_path.with_name("crm.db.converting")
    partial.write_bytes(b"SQLite format 3\x00" + b"x" * 100)
    result = crm("list", "-q")
    assert result.stderr == (
        f"crm: {partial} 是中断的“crm encrypt”或“crm decrypt”留下的文件，可能含有未加密的数据；"
        "“crm check --repair”会删除它\n"
    )
    table = crm("check", "--format", "table")
    said = f"{partial} 是中断的“crm encrypt”或“crm decrypt”留下的文件；“crm check --repair”会删除它"
    assert said in table.stdout, table.stdout
    rows = json.loads(crm("check", "--format", "json").stdout)
    assert {
        "check": "leftover copy",
        "status": "problem",
        "detail": f"{partial} is left from an interrupted 'crm encrypt' or 'crm decrypt'; "
        "'crm check --repair' removes it",
    } in rows
    assert partial.exists()


# --- crm check's details ----------------------------------------------------------------------


def test_crm_check_says_every_detail_in_chinese_and_keeps_json_english(db_path, zh):
    """`search index search_customers: 1 records not indexed, …` and `shown unmasked in
    user-defined fields (customer 1 证件)` were English on a Chinese screen."""
    import json
    import sqlite3

    from tests.conftest import crm

    ok("add", "张三", "--field", "证件=待补")
    ok("add", "李四")
    with sqlite3.connect(db_path) as conn:  # kept before crm refused an ID in a field
        conn.execute("UPDATE customer_fields SET value = '110101199003074514'")
        conn.execute("DELETE FROM search_customers")
        conn.execute("DELETE FROM search_name_order")
    conn.close()
    result = crm("check", "--format", "table")
    assert result.exit_code == 1
    said = result.stdout
    assert "search_customers：1 条记录未编入索引，0 个条目对应的记录已不存在；" in said, said
    assert "搜索索引 search_customers" not in said, said  # the check's name is not said twice
    assert "拼音排序键：1 位客户缺少排序键" in said, said
    assert "自定义字段中有未遮盖显示的身份证号（客户 1 的“证件”）" in said, said
    rows = json.loads(crm("check", "--format", "json").stdout)
    details = {row["detail"] for row in rows}
    assert any(d.startswith("search_customers: 1 records not indexed") for d in details)
    assert any(
        d.startswith("shown unmasked in user-defined fields (customer 1 证件)") for d in details
    )


def test_crm_check_advises_a_command_that_runs_as_shown(db_path):
    """A field name with a space (kept from an older file) is quoted in the advice
    (`--unset '身份 证'`): as shown it read `--unset 身份 证`, which the shell splits."""
    import json
    import sqlite3

    from tests.conftest import crm

    ok("add", "李四", "--field", "证件=x")
    with sqlite3.connect(db_path) as conn:  # kept before crm refused an ID in a field
        conn.execute("UPDATE customer_fields SET key = '身份 证', value = '110101199003074514'")
    conn.close()
    details = {row["detail"] for row in json.loads(crm("check", "-f", "json").stdout)}
    assert any(d.endswith("crm edit 1 --unset '身份 证' --national-id -") for d in details)


# --- crm tag rename ---------------------------------------------------------------------------


def test_tag_rename_names_the_places_and_the_cadence_in_chinese(db_path, zh):
    ok("add", "张三")
    ok("tag", "vip", "1")
    ok("tag", "贵宾", "1")
    ok("segment", "add", "贵宾组", "--tag", "vip")
    ok("rule", "add", "熟客", "--tag", "vip")
    ok("care", "rule", "add", "春节", "贺卡", "--tag", "vip")
    ok("config", "set", "cadence.tag.vip", "14d")
    ok("config", "set", "cadence.tag.贵宾", "30d")
    said = ok("tag", "rename", "vip", "贵宾")
    assert said == (
        "已把标签“vip”改名为“贵宾”（1 位客户）。\n"
        "也已在分组“贵宾组”、规则 1、关怀规则 1 中改名。\n"
        "设置 cadence.tag.vip（14 天）已删除；以 cadence.tag.贵宾（30 天）为准。\n"
    ), said


def test_tag_rename_in_english_says_the_same_in_english(db_path):
    ok("add", "Anna")
    ok("tag", "vip", "1")
    ok("tag", "gold", "1")
    ok("segment", "add", "vips", "--tag", "vip")
    ok("config", "set", "cadence.tag.vip", "14d")
    ok("config", "set", "cadence.tag.gold", "30d")
    assert ok("tag", "rename", "vip", "gold") == (
        "Renamed tag vip to gold (1 customer).\n"
        "Also renamed in segment vips.\n"
        "Setting cadence.tag.vip (14d) dropped; cadence.tag.gold (30d) applies.\n"
    )


# --- a suggested command's placeholder --------------------------------------------------------


def test_a_suggested_command_s_placeholder_reads_as_one_in_chinese(db_path):
    ok("add", "张三")
    ok("stage", "1", "loyal")
    assert fails(
        2, "--lang", "zh", "config", "set", "stages", "线索，成交客户，已流失", db=db_path
    ) == (
        "crm: 有客户处于新列表删掉的阶段：忠实客户（1）；请保留这些名称，或先加上新名称再移动客户："
        "crm stage 新阶段 --stage 忠实客户 --all --yes（再用 --archived 做一次）\n"
    )
    assert "crm stage NEW --stage loyal" in fails(
        2, "config", "set", "stages", "lead,customer", db=db_path
    )


# --- standard output closed -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "argv", "said"),
    [
        ("zh_CN.UTF-8", ["list"], "crm: 标准输出已关闭；未执行任何操作\n"),
        ("C.UTF-8", ["list"], "crm: standard output is closed; nothing was done\n"),
        ("C.UTF-8", ["--lang", "zh", "list"], "crm: 标准输出已关闭；未执行任何操作\n"),
        (
            "zh_CN.UTF-8",
            ["--lang=en", "list"],
            "crm: standard output is closed; nothing was done\n",
        ),
    ],
)
def test_standard_output_closed_is_said_in_the_run_s_language(monkeypatch, capsys, env, argv, said):
    import sys

    from crmcli.__main__ import main

    monkeypatch.setenv("LANG", env)
    monkeypatch.setattr(sys, "argv", ["crm", *argv])
    monkeypatch.setattr(sys, "stdout", None)
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 1
    assert capsys.readouterr().err == said


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        ([], "crm: 标准输出已关闭；未执行任何操作\n"),
        (["--lang", "en"], "crm: standard output is closed; nothing was done\n"),
    ],
)
def test_standard_output_closed_speaks_the_database_s_language(
    monkeypatch, capsys, db_path, argv, said
):
    """The language set in the database is the run's when --lang does not name one, as for
    a usage error: the file is glanced at, not opened."""
    import sys

    from crmcli.__main__ import main

    ok("config", "set", "language", "zh")
    monkeypatch.setenv("LANG", "C.UTF-8")
    for where in (["--db", str(db_path)], [f"--db={db_path}"]):
        monkeypatch.setattr(sys, "argv", ["crm", *argv, *where, "list"])
        monkeypatch.setattr(sys, "stdout", None)
        with pytest.raises(SystemExit) as done:
            main()
        assert done.value.code == 1
        assert capsys.readouterr().err == said


# --- what a misspelt choice suggests ----------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "typed", "meant"),
    [
        ("zh", "乱", None),
        ("en", "乱", None),
        ("zh", "程市", "；是否想写城市？"),
        ("en", "程市", "; did you mean city?"),
        ("en", "wek", "; did you mean week?"),
        ("zh", "ctiy", "；是否想写 city？"),
    ],
)
def test_a_misspelt_choice_suggests_a_close_word_of_the_run_s_language(db_path, lang, typed, meant):
    stderr = fails(2, "--lang", lang, "report", "sales", "--by", typed)
    hint = {"en": "did you mean", "zh": "是否想写"}[lang]
    if meant is None:
        assert hint not in stderr, stderr
    else:
        assert meant in stderr, stderr
    if lang == "en":
        assert not CHINESE.search(stderr.replace(typed, "")), stderr


@given(
    st.text(
        alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=2
    )
)
def test_a_word_that_keeps_no_character_of_a_name_is_not_it_mistyped(typed):
    from crmcli.core.typos import distance

    for name in ("周", "城市", "天", "月份"):
        if not set(typed) & set(name):
            assert distance(typed, name) is None, (typed, name)


# --- prose written past the catalog -----------------------------------------------------------

# Calls whose text a person reads: an error, a notice, a prompt, a line on stderr.
SAYING = {
    "InvalidInput", "NotFound", "StorageError", "CrmError", "Ambiguous", "notice", "getpass",
    "prompt_key",
}  # fmt: skip
PROSE = re.compile(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+")  # three English words in a row


def _unwrapped_prose(node: object) -> list[str]:
    """Literal text with English words among `node`'s arguments that no `_()`, `N_()` or
    `Said()` call holds."""
    import ast

    found: list[str] = []

    def visit(arg: ast.AST) -> None:
        if isinstance(arg, ast.Call):
            return  # _(...).format(...), Said(...), a helper: its own words
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            if PROSE.search(arg.value):
                found.append(arg.value)
        elif isinstance(arg, ast.JoinedStr):
            text = "".join(
                v.value
                for v in arg.values
                if isinstance(v, ast.Constant) and isinstance(v.value, str)
            )
            if PROSE.search(text):
                found.append(text)
        elif isinstance(arg, ast.BinOp | ast.IfExp | ast.BoolOp):
            for child in ast.iter_child_nodes(arg):
                visit(child)

    for arg in [*node.args, *(k.value for k in node.keywords)]:  # type: ignore[attr-defined]
        visit(arg)
    return found


def test_no_error_notice_or_prompt_says_english_past_the_catalog():
    """The catalog holds what `_()` is given: a message written as a plain string or an
    f-string (`notice(f"{name} was open to others …")`, `getpass(f"Key for {path}: ")`,
    `sys.stderr.write("crm: keep the key safe …")`) never reached it, and stayed English on
    a Chinese screen. Every such call in crmcli passes its prose through `_()`."""
    import ast

    root = Path(__file__).resolve().parent.parent / "crmcli"
    wrong = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            stderr = (
                name == "write"
                and isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Attribute)
                and func.value.attr == "stderr"
            )
            if name in SAYING or stderr:
                wrong += [
                    f"{path.relative_to(root)}:{node.lineno}: {t!r}" for t in _unwrapped_prose(node)
                ]
    assert wrong == []


# --- a hook that cannot run -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "raised", "said"),
    [
        ("en", PermissionError(errno.EACCES, "Permission denied"), "Permission denied"),
        ("zh", PermissionError(errno.EACCES, "Permission denied"), "没有权限"),
        ("en", "timeout", "it ran longer than 30 seconds"),
        ("zh", "timeout", "运行超过 30 秒"),
    ],
)
def test_a_hook_that_cannot_run_says_why_in_the_run_s_language(
    db_path, monkeypatch, lang, raised, said
):
    import subprocess

    from crmcli.store import hooks
    from tests.conftest import crm

    ok("add", "张三")
    folder = Path(ok("hooks", "path").strip().splitlines()[0])
    folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    (folder / "on-add").write_text("#!/bin/sh\nexit 0\n")
    (folder / "on-add").chmod(0o700)

    def refused(*args: object, **kwargs: object) -> object:
        if raised == "timeout":
            raise subprocess.TimeoutExpired("on-add", hooks.TIMEOUT_S)
        raise raised  # type: ignore[misc]

    monkeypatch.setattr(hooks, "_execute", refused)
    result = crm("--lang", lang, "add", "李四", "-q")
    assert result.exit_code == 0 and result.stdout == "2\n"
    assert (
        result.stderr
        == {
            "en": f"crm: hook on-add could not run ({said}); the change is kept\n",
            "zh": f"crm: 钩子 on-add 无法运行（{said}）；改动已保留\n",
        }[lang]
    ), result.stderr


@pytest.mark.parametrize(
    ("lang", "families"),
    [
        ("en", "cadence.tag.NAME, cadence.stage.NAME\n"),
        ("zh", "cadence.tag.标签名、cadence.stage.阶段名\n"),
    ],
)
def test_the_known_settings_write_a_key_s_placeholder_as_the_language_does(db_path, lang, families):
    stderr = fails(2, "--lang", lang, "config", "set", "乱", "1", db=db_path)
    assert stderr.endswith(families), stderr


def test_a_cadence_in_a_tag_merge_is_said_as_config_list_says_it(db_path):
    """`14d` and `14d..30d` were left as stored in the Chinese sentence."""
    ok("add", "Anna")
    ok("tag", "vip", "1")
    ok("tag", "gold", "1")
    ok("config", "set", "cadence.tag.vip", "2w")
    ok("config", "set", "cadence.tag.gold", "14d..30d")
    said = ok("--lang", "zh", "tag", "rename", "vip", "gold").splitlines()[-1]
    assert said == "设置 cadence.tag.vip（14 天）已删除；以 cadence.tag.gold（14 至 30 天）为准。"
    listed = ok("--lang", "zh", "config", "list", "--format", "table")
    assert "14 至 30 天" in listed
