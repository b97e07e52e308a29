"""An error of a Chinese run is a whole Chinese line: only what the user typed, crm's keys
one may type, paths and environment variables stay as they are; the exit code is the
English run's."""

import re

import pytest

from tests.conftest import add, crm, fails

# What a line may keep in Latin letters: the typed value, keys to type, codes.
KEYS = re.compile(
    r"'[^']*'|--?[a-z][\w-]*|\bcrm\b|/\S+|CRM_\w+|SQLite|FILE|"
    r"customers|purchases|interactions|tasks|all|id|name|kind|company|title|city|region|"
    r"country|phone|email|source|stage|tags|external_id|created_at|updated_at"
)


def english_left(line: str) -> list[str]:
    return re.findall(r"[A-Za-z]{2,}", KEYS.sub("", line))


@pytest.mark.parametrize(
    ("code", "args", "said"),
    [
        (
            2,
            ("list", "--where", "{"),
            "crm: 无法读取 --where '{'；请写成 字段 运算符 值，运算符为 ",
        ),
        (2, ("list", "--where", "name ==x"), None),
        (2, ("list", "--where", "name =>x"), "crm: 无法读取 --where 'name =>x'：值以 '>' 开头"),
        (2, ("list", "--fields", "name,nope"), "crm: --fields：未知字段 'nope'；可用字段：id、"),
        (2, ("list", "--fields", ","), "crm: --fields：没有字段；可用字段："),
        (3, ("export", "custmers"), "（要导出某类数据，请用以下之一：customers, purchases, "),
    ],
)
def test_an_error_of_a_chinese_run_is_chinese(db_path, code, args, said):
    add("Anna")
    result = crm("--lang", "zh", *args)
    if said is None:  # a value that reads: no error at all
        assert result.exit_code == 0, result.stderr
        return
    err = fails(code, "--lang", "zh", *args)
    assert said in err, err
    assert english_left(err) == [], err
    english = fails(code, *args)
    assert re.search(r"unknown field|no field|cannot read|to export a kind", english), english


def test_a_file_that_is_not_a_database_is_said_in_chinese(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("a shopping list, not a database\n" * 40, encoding="utf-8")
    err = fails(1, "--lang", "zh", "--db", str(notes), "list")
    assert err.startswith(f"crm: 该文件不是可读取的 crm 数据库（{notes}）：它不是 SQLite 文件"), err
    assert english_left(err) == [], err
    assert "not a readable crm database" in fails(1, "--db", str(notes), "list")


def test_an_import_file_problem_is_said_in_chinese(db_path, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    err = fails(2, "--lang", "zh", "import", "customers", str(empty))
    assert err == f"crm: {empty} 是空的：没有表头行\n", err
    sheet = tmp_path / "book.csv"
    sheet.write_bytes(b"PK\x03\x04" + b"\0" * 60)
    err = fails(2, "--lang", "zh", "import", "customers", str(sheet))
    assert err.startswith(f"crm: {sheet} 是电子表格工作簿，不是文本"), err


@pytest.mark.parametrize("typed", ["x is not one of y.", "a   b", "Value error, 3", "p: q."])
def test_a_usage_error_keeps_the_typed_value_verbatim(db_path, typed):
    choices = "'table', 'json', 'jsonl', 'csv', 'tsv'"
    err = fails(2, "--lang", "zh", "list", "--format", typed)
    assert err == (
        f"crm: '--format' / '-f' 的值无效：'{typed}' 不在可选值 {choices} 之中"
        "（见 'crm list --help'）\n"
    )
    err = fails(2, "--lang", "en", "list", "--format", typed)
    assert err == (
        f"crm: Invalid value for '--format' / '-f': '{typed}' is not one of {choices}. "
        "(see 'crm list --help')\n"
    )
