"""Small faults left on the screens, in both languages: each says the user's own words back
as they were typed, in crm's words rather than a library's, with nothing half English in a
Chinese line; bad input is refused in one line and changes nothing."""

import json
import os
import re
import sqlite3

import pytest

from tests.conftest import add, crm, fails, ok
from tests.test_check_words import skew_index
from tests.test_i18n_errors import english_left
from tests.test_safety import corrupt

# --- a day whose time is dropped keeps its day -------------------------------------------


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2026年十二月三十一日晚上12点", "2026-12-31"),
        ("2026年12月31日晚上12:30", "2026-12-31"),
        ("12月31日夜里1点", "2026-12-31"),
        ("今天晚上12点", "2026-11-22"),
        ("明晚12点", "2026-11-23"),
        ("2026-12-31 23:59", "2026-12-31"),
    ],
)
def test_a_due_day_with_its_midnight_is_the_day_written(db_path, typed, day):
    """`晚上12点` is the midnight that ends the evening: a task due then is due that day,
    not the next one (it was 2027-01-01, said beside "the time is not kept")."""
    add("Anna")
    result = crm("task", "add", "1", "Call", "--due", typed)
    assert result.exit_code == 0, result
    assert day in result.stdout, result.stdout
    assert result.stderr == (
        f"crm: warning: --due keeps the day only: the time of day in '{typed}' is not kept\n"
    )
    zh = crm("--lang", "zh", "task", "add", "1", "Call", "--due", typed)
    assert zh.exit_code == 0 and day in zh.stdout, zh
    assert zh.stderr == f"crm: 警告：--due 只记到日期：“{typed}”中的时间不会保存\n"
    tasks = json.loads(ok("task", "list", "--format", "json"))
    assert {t["due_on"] for t in tasks} == {day}


@pytest.mark.parametrize("typed", ["2026年12月31日晚上1点", "2026年12月31日上午12点"])
def test_a_time_no_part_of_the_day_has_is_refused_and_adds_no_task(db_path, typed):
    add("Anna")
    err = fails(2, "task", "add", "1", "Call", "--due", typed, db=db_path)
    assert err.count("\n") == 1 and "not a time of day" in err
    zh = fails(2, "--lang", "zh", "task", "add", "1", "Call", "--due", typed, db=db_path)
    assert english_left(zh) == [], zh


# --- a folder given to crm restore ---------------------------------------------------------


def test_a_folder_given_as_the_backup_is_said_to_be_a_folder(db_path, tmp_path):
    """`crm restore DIR` said `no such file`, of a folder that is there."""
    add("Anna")
    empty = tmp_path / "empty"
    empty.mkdir()
    err = fails(2, "restore", str(empty), "--yes", db=db_path)
    assert err == (
        f"crm: {empty} is a folder, not a backup file; give the backup file itself "
        "(crm restore FILE)\n"
    )
    zh = fails(2, "--lang", "zh", "restore", str(empty), "--yes", db=db_path)
    assert zh == f"crm: {empty} 是文件夹，不是备份文件；请指定备份文件本身：“crm restore 文件”\n"
    # a folder of backups: the newest is named, as the command that restores it
    ok("backup", "-q")
    ok("backup", "-q")
    folder = db_path.parent / "backups"
    newest = folder / "crm-20261122T100000-2.db"  # the second in the same second
    assert sorted(p.name for p in folder.iterdir()) == [newest.name, "crm-20261122T100000.db"]
    for args in ((str(folder),), (f"{folder}/",)):
        err = fails(2, "restore", *args, "--yes", db=db_path)
        assert err == (
            f"crm: {folder} is a folder, not a backup file; give one of the backups in it, the "
            f"newest: crm restore {newest}\n"
        )
        zh = fails(2, "--lang", "zh", "restore", *args, "--yes", db=db_path)
        assert zh.endswith(f"例如最新的：“crm restore {newest}”\n") and english_left(zh) == [], zh
    ok("restore", str(newest), "--yes")  # the command said runs


def test_a_path_that_is_neither_file_nor_folder_is_told_apart_from_a_missing_one(
    db_path, tmp_path
):
    add("Anna")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    err = fails(2, "restore", str(fifo), "--yes", db=db_path)
    assert err == f"crm: {fifo} is not a file; give a backup file (crm restore FILE)\n"
    zh = fails(2, "--lang", "zh", "restore", str(fifo), "--yes", db=db_path)
    assert english_left(zh) == [], zh
    missing = tmp_path / "nothing.db"
    assert fails(2, "restore", str(missing), "--yes", db=db_path) == f"crm: no such file: {missing}\n"


# --- what SQLite's integrity check finds, in crm's words -----------------------------------


def no_english(line: str, *allowed: str) -> None:
    """`line` (a Chinese run's) keeps no English word but the keys of `english_left` and
    `allowed` (an index's name)."""
    for word in allowed:
        line = line.replace(word, "")
    assert english_left(line) == [], line
    assert "malformed" not in line and "missing from" not in line, line


@pytest.fixture
def skewed_copy(db_path, tmp_path):
    """A backup whose index on customers' city is out of step with its rows (the rows are
    sound), beside the database it was taken from."""
    for name in ("Anna", "Ben"):
        add(name, "--city", "Paris")
    copy = tmp_path / "skewed.db"
    ok("backup", str(copy))
    skew_index(copy)
    return copy


def test_restoring_a_backup_whose_index_is_out_of_step_says_how_to_mend_it(db_path, skewed_copy):
    """It said SQLite's `row 1 missing from index customers_city` inside a Chinese line."""
    err = fails(2, "restore", str(skewed_copy), "--yes", db=db_path)
    assert err == (
        f"crm: {skewed_copy} has 2 problems in its indexes (customers_city), its data sound: "
        f"rebuild them with 'crm --db {skewed_copy} reindex', then restore it; nothing was "
        "restored\n"
    )
    zh = fails(2, "--lang", "zh", "restore", str(skewed_copy), "--yes", db=db_path)
    assert f"的索引（customers_city）有 2 个问题，数据本身完好" in zh, zh
    no_english(zh, "customers_city")
    ok("--db", str(skewed_copy), "reindex")  # as said: then it restores
    assert "Restored" in ok("restore", str(skewed_copy), "--yes")


def test_restoring_a_damaged_backup_says_it_is_damaged(db_path, tmp_path):
    add("Anna")
    copy = tmp_path / "copy.db"
    ok("backup", str(copy))
    corrupt(copy)
    # SQLite lists the wrong cells, or stops at a page it cannot read through (no count)
    said = r"crm: {} is damaged( \(\d+ problems?\))?; nothing was restored: restore another backup\n"
    err = fails(2, "restore", str(copy), "--yes", db=db_path)
    assert re.fullmatch(said.format(re.escape(str(copy))), err), err
    zh = fails(2, "--lang", "zh", "restore", str(copy), "--yes", db=db_path)
    zh_said = r"crm: {} 已损坏(（\d+ 个问题）)?；未恢复任何内容：请恢复另一个备份\n"
    assert re.fullmatch(zh_said.format(re.escape(str(copy))), zh), zh
    # a file cut short is a damaged database, not "not an SQLite database"
    cut = tmp_path / "cut.db"
    ok("backup", str(cut))
    os.truncate(cut, cut.stat().st_size // 2)
    err = fails(2, "restore", str(cut), "--yes", db=db_path)
    assert re.fullmatch(said.format(re.escape(str(cut))), err), err


def test_a_backup_of_a_database_with_an_index_out_of_step_names_the_database(
    skewed_copy, tmp_path
):
    """`the backup failed its integrity check: row 1 missing from index customers_city`:
    SQLite's line, of a copy that is as the database is."""
    target = tmp_path / "again.db"
    err = fails(1, "--db", str(skewed_copy), "backup", str(target))
    assert err == (
        "crm: the database failed its integrity check; nothing was backed up: 2 problems in "
        "the index customers_city; the data is sound: run 'crm reindex' to rebuild it\n"
    )
    zh = fails(1, "--lang", "zh", "--db", str(skewed_copy), "backup", str(target))
    assert zh.startswith("crm: 数据库未通过完整性检查，没有做任何备份：索引 customers_city 有 2 个"), zh
    no_english(zh, "customers_city")
    assert not target.exists() and list(tmp_path.glob(".again.db*")) == []


def test_a_backup_of_a_damaged_database_blames_the_database_not_the_copy(db_path, tmp_path):
    add("Anna")
    copy = tmp_path / "copy.db"
    ok("backup", str(copy))
    corrupt(copy)
    target = tmp_path / "again.db"
    err = fails(1, "--db", str(copy), "backup", str(target))
    assert str(target) not in err and re.search(r"damaged: restore a backup|damaged \(restore", err)
    zh = fails(1, "--lang", "zh", "--db", str(copy), "backup", str(target))
    assert str(target) not in zh and "文件已损坏" in zh, zh
    no_english(zh)
    assert not target.exists()


def damage_search_index(path) -> None:
    """Overwrite the full-text index's own blocks (not the records it indexes)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE search_customers_data SET block = x'00ff00ff' WHERE id > 10")
    conn.close()


def test_check_says_a_damaged_full_text_index_in_crm_words(db_path):
    for name in ("Anna", "Ben", "Chen"):
        add(name, "--city", "Paris", "--notes", f"{name} likes green tea")
    ok("check")
    damage_search_index(db_path)
    result = crm("check", "--format", "json")
    assert result.exit_code == 1
    details = {r["check"]: r["detail"] for r in json.loads(result.stdout) if r["status"] != "ok"}
    assert details["full-text index"] == (
        "search_customers is damaged; the records it indexes are not"
    )
    assert details["search index"] == "search index search_customers is damaged"
    zh = crm("--lang", "zh", "check")
    lines = [x for x in zh.stdout.splitlines() if "已损坏" in x]
    assert len(lines) == 2, zh.stdout
    for line in lines:
        no_english(line, "search_customers")
