"""`crm check` says what it found in crm's words, in the run's language, with what to do:
an index out of step with its table is named with `crm reindex` (which rebuilds it), a
damaged file with `crm restore`; SQLite's own sentences stay out. On a terminal, where the
table cuts a long detail, each problem is said whole below it, wrapped to the width."""

import json
import re
import sqlite3

import pytest

from tests.conftest import add, crm, ok
from tests.test_i18n_errors import english_left
from tests.test_safety import corrupt
from tests.test_terminal import on_terminal


def skew_index(path) -> None:
    """Point the index on customers' city at another column, behind SQLite's back: its
    entries no longer match the rows (`row N missing from index customers_city`), the rows
    themselves are sound."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX customers_city ON customers(stage)' "
        "WHERE name = 'customers_city'"
    )
    conn.close()


def integrity(*args: str) -> tuple[int, str, str]:
    result = crm(*args, "check", "--format", "json")
    rows = {r["check"]: r for r in json.loads(result.stdout)}
    return result.exit_code, rows["integrity"]["detail"], result.stderr


@pytest.fixture
def skewed(db_path):
    for name in ("Anna", "Ben", "Chen"):
        add(name, "--city", "Paris")
    skew_index(db_path)
    return db_path


def test_an_index_out_of_step_is_named_with_crm_reindex_and_reindex_mends_it(skewed):
    code, detail, err = integrity()
    assert code == 1 and err == "crm: 1 problem found: integrity\n"
    assert detail == (
        "3 problems in the index customers_city; the data is sound: run 'crm reindex' to rebuild it"
    )
    assert "Indexed" in ok("reindex")
    assert sqlite3.connect(skewed).execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert integrity() == (0, "ok", "")


def test_a_chinese_check_says_the_index_and_the_remedy_in_chinese(skewed):
    result = crm("--lang", "zh", "check")
    assert result.exit_code == 1
    line = next(x for x in result.stdout.splitlines() if x.startswith("完整性"))
    assert "索引 customers_city 有 3 个问题，数据本身完好：请运行“crm reindex”重建索引" in line
    assert english_left(line.replace("customers_city", "")) == [], line
    # json keeps English, whatever the language
    assert integrity("--lang", "zh")[1].startswith("3 problems in the index customers_city")


def test_a_damaged_table_is_said_with_a_backup_to_restore(db_path, tmp_path):
    for name in ("Anna", "Ben"):
        add(name)
    copy = tmp_path / "copy.db"
    ok("backup", str(copy))
    corrupt(copy)
    code, detail, _err = integrity("--db", str(copy))
    assert code == 1
    assert re.fullmatch(
        r"(\d+ problems?: )?the file is damaged: restore a backup \(crm restore FILE\)", detail
    ), detail
    result = crm("--lang", "zh", "--db", str(copy), "check")
    line = next(x for x in result.stdout.splitlines() if x.startswith("完整性"))
    assert "文件已损坏" in line and "“crm restore 文件”恢复备份" in line, line
    assert english_left(line) == [], line


def test_on_a_terminal_each_problem_is_said_whole_below_the_table(skewed):
    for lang, said in (
        ("en", "integrity: 3 problems in the index customers_city; the data is sound: run "
               "'crm reindex' to rebuild it"),
        ("zh", "完整性：索引 customers_city 有 3 个问题，数据本身完好：请运行“crm reindex”"
               "重建索引"),
    ):  # fmt: skip
        for pager in ("", "tee"):  # inside a pager (tee: any), stdout is the pager's pipe
            code, lines = on_terminal(
                "--lang", lang, "--db", str(skewed), "check", columns=80,
                env={"CRM_PAGER": pager},
            )  # fmt: skip
            assert code == 1
            assert all(len(x) <= 80 for x in lines), lines
            start = next(i for i, x in enumerate(lines) if x.startswith(said.split(" ")[0]))
            below = lines[start : start + 2]
            assert "".join(x if lang == "zh" else x + " " for x in below).strip() == said, below


def test_a_healthy_check_says_nothing_below_its_table(db_path):
    add("Anna")
    code, lines = on_terminal("--db", str(db_path), "check", columns=80)
    assert code == 0 and not any(x.startswith("integrity:") for x in lines), lines


def _has_dbstat() -> bool:
    try:
        sqlite3.connect(":memory:").execute("SELECT count(*) FROM dbstat").fetchone()
    except sqlite3.Error:
        return False
    return True


@pytest.mark.skipif(not _has_dbstat(), reason="SQLite built without the dbstat table")
def test_a_wrong_page_of_an_index_is_named_with_crm_reindex_then_a_backup(db_path):
    """A page of an index whose cells point nowhere (its rows are sound) names the index,
    crm reindex (which mends it here) and a backup for when the rebuild cannot get past it;
    the problems are counted one a line (SQLite gives a page's as one row)."""
    for name in ("Anna", "Ben", "Chen"):
        add(name, "--city", "Paris")
    conn = sqlite3.connect(db_path)
    page = conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'customers_city'"
    ).fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    with db_path.open("r+b") as handle:  # the leaf's cell pointers, zeroed
        handle.seek((page - 1) * size + 8)
        handle.write(b"\0" * 6)
    code, detail, err = integrity()
    assert code == 1 and err == "crm: 1 problem found: integrity\n"
    assert re.fullmatch(
        r"[3-9] problems in the index pages of customers_city; the data is sound: run 'crm "
        r"reindex' to rebuild them, and if it fails, restore a backup \(crm restore FILE\)",
        detail,
    ), detail
    assert "Indexed" in ok("reindex")
    assert integrity() == (0, "ok", "")


def test_every_problem_is_counted_past_sqlite_s_first_hundred(db_path, tmp_path):
    rows = "\n".join(f"Person {i},Paris" for i in range(150))
    (tmp_path / "c.csv").write_text(f"name,city\n{rows}\n", encoding="utf-8")
    ok("import", "customers", str(tmp_path / "c.csv"))
    skew_index(db_path)
    code, detail, _err = integrity()
    assert code == 1
    count = int(detail.split(" ")[0])
    assert count >= 150, detail
