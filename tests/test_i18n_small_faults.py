"""Small faults left on the screens, in both languages: each says the user's own words back
as they were typed, in crm's words rather than a library's, with nothing half English in a
Chinese line; bad input is refused in one line and changes nothing."""

import json
import os
import re
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import add, crm, examples, fails, ok
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


def test_a_path_that_is_neither_file_nor_folder_is_told_apart_from_a_missing_one(db_path, tmp_path):
    add("Anna")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    err = fails(2, "restore", str(fifo), "--yes", db=db_path)
    assert err == f"crm: {fifo} is not a file; give a backup file (crm restore FILE)\n"
    zh = fails(2, "--lang", "zh", "restore", str(fifo), "--yes", db=db_path)
    assert english_left(zh) == [], zh
    missing = tmp_path / "nothing.db"
    assert (
        fails(2, "restore", str(missing), "--yes", db=db_path) == f"crm: no such file: {missing}\n"
    )


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
    assert "的索引（customers_city）有 2 个问题，数据本身完好" in zh, zh
    no_english(zh, "customers_city")
    ok("--db", str(skewed_copy), "reindex")  # as said: then it restores
    assert "Restored" in ok("restore", str(skewed_copy), "--yes")


def test_restoring_a_damaged_backup_says_it_is_damaged(db_path, tmp_path):
    add("Anna")
    copy = tmp_path / "copy.db"
    ok("backup", str(copy))
    corrupt(copy)
    # SQLite lists the wrong cells, or stops at a page it cannot read through (no count)
    said = (
        r"crm: {} is damaged( \(\d+ problems?\))?; nothing was restored: restore another backup\n"
    )
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


def test_a_backup_of_a_database_with_an_index_out_of_step_names_the_database(skewed_copy, tmp_path):
    """`the backup failed its integrity check: row 1 missing from index customers_city`:
    SQLite's line, of a copy that is as the database is."""
    target = tmp_path / "again.db"
    err = fails(1, "--db", str(skewed_copy), "backup", str(target))
    assert err == (
        "crm: the database failed its integrity check; nothing was backed up: 2 problems in "
        "the index customers_city; the data is sound: run 'crm reindex' to rebuild it\n"
    )
    zh = fails(1, "--lang", "zh", "--db", str(skewed_copy), "backup", str(target))
    assert zh.startswith(
        "crm: 数据库未通过完整性检查，没有做任何备份：索引 customers_city 有 2 个"
    ), zh
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
    told = [(r["check"], r["detail"]) for r in json.loads(result.stdout) if r["status"] != "ok"]
    assert told == [  # one row for one damage
        (
            "search index",
            "search_customers is damaged; the records it indexes are not: run 'crm reindex' to "
            "rebuild it",
        )
    ]
    zh = crm("--lang", "zh", "check")
    lines = [x for x in zh.stdout.splitlines() if "已损坏" in x]
    assert len(lines) == 1, zh.stdout
    for line in lines:
        no_english(line, "search_customers")


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE search_customers_data SET block = x'00ff00ff' WHERE id > 10",  # its blocks
        "DELETE FROM search_customers_data WHERE id > 10",
        "DELETE FROM search_customers_data",  # its header too: SQLite cannot open the table
        "DELETE FROM search_customers_idx; DELETE FROM search_customers_data WHERE id = 10",
        "DELETE FROM search_customers_config",  # FTS5's `invalid fts5 file format`
        "UPDATE search_customers_config SET v = 99 WHERE k = 'version'",
    ],
)
def test_reindex_mends_a_damaged_full_text_index_as_check_and_search_say(db_path, damage):
    """crm reindex failed on it (`the file is damaged: restore a backup`), crm search said
    the same, and crm check named no fix: the records are sound, the index is theirs."""
    for name in ("Anna", "Ben", "Chen"):
        add(name, "--city", "Paris", "--notes", f"{name} likes green tea")
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.executescript(damage)
    conn.close()
    result = crm("check", "--format", "json")
    assert result.exit_code == 1, result
    problems = [(r["check"], r["detail"]) for r in json.loads(result.stdout) if r["status"] != "ok"]
    assert problems == [
        (
            "search index",
            "search_customers is damaged; the records it indexes are not: run 'crm reindex' to "
            "rebuild it",
        )
    ], problems
    said = (
        "crm: the search index search_customers is damaged (the records are not): run 'crm "
        "reindex' to rebuild it\n"
    )
    assert fails(1, "search", "tea", db=db_path) == said
    zh = fails(1, "--lang", "zh", "search", "tea", db=db_path)
    no_english(zh, "search_customers", "crm reindex")
    assert ok("reindex") == "Indexed 3 records.\n"
    assert crm("check").exit_code == 0
    assert sorted(ok("search", "tea", "-q").split()) == ["1", "2", "3"]
    assert ok("search", "Ben", "-q") == "2\n"


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE search_customers_data SET block = x'00' WHERE id = 10",  # its structure record
        "UPDATE search_customers_data SET block = zeroblob(length(block)) WHERE id = 10",
        "UPDATE search_customers_config SET v = 'nosuchfn()' WHERE k = 'rank'",
        "DELETE FROM search_customers_config WHERE k = 'rank'",  # its weights: names first
    ],
)
def test_reindex_mends_what_check_calls_a_damaged_search_index(db_path, damage):
    """An overwritten structure record made crm reindex fail (`constraint failed`, the
    transaction gone); a garbled ranking failed every search, a lost one changed the order
    of every result, and check said ok to both while reindex left them."""
    for name in ("Anna", "Ben", "Chen"):
        add(name, "--notes", f"{name} likes green tea")
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute(damage)
    conn.close()
    result = crm("check", "--format", "json")
    problems = {r["check"]: r["detail"] for r in json.loads(result.stdout) if r["status"] != "ok"}
    assert result.exit_code == 1 and problems.get("search index") == (
        "search_customers is damaged; the records it indexes are not: run 'crm reindex' to "
        "rebuild it"
    ), problems
    assert ok("reindex") == "Indexed 3 records.\n"
    assert crm("check").exit_code == 0
    assert sorted(ok("search", "tea", "-q").split()) == ["1", "2", "3"]
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT v FROM search_customers_config WHERE k = 'rank'").fetchall() == [
        ("bm25(10.0, 6.0, 1.0, 4.0)",)
    ]
    conn.close()


def test_a_write_over_a_garbled_search_index_says_to_reindex(db_path):
    """With FTS5's config rows gone, crm add failed with SQLite's `invalid fts5 file format
    (found 0, expected 4) - run 'rebuild'`, naming no command of crm's."""
    add("Anna")
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("DELETE FROM search_customers_config")
    conn.close()
    assert fails(1, "add", "Ben", db=db_path) == (
        "crm: the search index search_customers is damaged (the records are not): run 'crm "
        "reindex' to rebuild it\n"
    )
    ok("reindex")
    assert add("Ben") == 2
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("DELETE FROM search_customers_data WHERE id = 1")  # its blocks: malformed
    conn.close()
    assert fails(1, "add", "Chen", db=db_path) == (  # not `restore a backup`, which loses
        "crm: the search index search_customers is damaged (the records are not): run 'crm "
        "reindex' to rebuild it\n"  # what was written since it
    )


def test_check_finds_a_search_index_that_finds_nothing(db_path, tmp_path):
    """With the `_idx` rows of search_customers gone, FTS5's 'integrity-check' passed and
    crm check said ok, while crm search answered every query with no rows."""
    file = tmp_path / "people.csv"
    file.write_text("name,notes\n" + "".join(f"Person{i:05},likes tea {i}\n" for i in range(4000)))
    ok("import", "customers", str(file), "-q")
    conn = sqlite3.connect(db_path, isolation_level=None)
    assert conn.execute("SELECT count(*) FROM search_customers_idx").fetchone()[0] > 0
    conn.execute("DELETE FROM search_customers_idx")
    conn.close()
    assert ok("search", "Person03999", "-q") == ""  # what a salesperson saw: nothing
    result = crm("check", "--format", "json")
    assert result.exit_code == 1, result
    problems = [r["detail"] for r in json.loads(result.stdout) if r["status"] != "ok"]
    assert problems == ["search_customers is damaged; the records it indexes are not: run "
                        "'crm reindex' to rebuild it"], problems  # fmt: skip
    ok("reindex")
    assert ok("search", "Person03999", "-q") == "4000\n"
    assert crm("check").exit_code == 0


def test_a_copy_that_fails_its_check_while_the_database_passes_is_said_so(
    db_path, tmp_path, monkeypatch
):
    """The copy went wrong, not the database: crm reindex would mend nothing."""
    from crmcli.store import backup

    add("Anna")
    real = backup.integrity_problems
    calls = []

    def copy_wrong(conn):
        calls.append(conn)
        return ["row 1 missing from index customers_city"] if len(calls) == 1 else real(conn)

    monkeypatch.setattr(backup, "integrity_problems", copy_wrong)
    target = tmp_path / "copy.db"
    err = fails(1, "backup", str(target), db=db_path)
    assert err == (
        "crm: the copy failed its integrity check (1 problem) though the database passes it: "
        "the disk may be failing; nothing was backed up\n"
    )
    calls.clear()
    zh = fails(1, "--lang", "zh", "backup", str(target), db=db_path)
    no_english(zh)
    assert not target.exists()


# --- the filter nobody matched, quoted as typed --------------------------------------------


@pytest.mark.parametrize(
    ("city", "en", "zh"),
    [
        ("O'Brien", "--city O'Brien", "--city O'Brien"),
        ("上海", "--city 上海", "--city 上海"),
        ("New York", '--city "New York"', "--city 「New York」"),
        ("it's 5", '--city "it\'s 5"', "--city 「it's 5」"),
        ('say "hi"', '--city "say "hi""', '--city 「say "hi"」'),
    ],
)
def test_a_city_nobody_is_in_is_quoted_back_as_typed(db_path, city, en, zh):
    """`--city "O'Brien"` was said `--city 'O'"'"'Brien'`, `--city 上海` `--city '上海'`: shell
    quoting, in a sentence to read."""
    add("Anna", "--city", "Paris")
    result = crm("tag", "vip", "--city", city)
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == f"No customer matches the filter {en}; nothing was changed.\n"
    said = crm("--lang", "zh", "tag", "vip", "--city", city)
    assert said.stderr == f"没有客户符合筛选条件 {zh}，没有做任何更改。\n", said


@settings(max_examples=examples(300), deadline=None, derandomize=True)
@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12))
def test_every_value_is_shown_whole_and_bare_unless_it_has_spaces(value):
    from crmcli.cli.batch import as_typed

    shown = as_typed({"city": value, "tag": ["vip"]})
    bare = re.fullmatch(r"\S+", value) is not None
    assert shown == f"--tag vip --city {value if bare else chr(34) + value + chr(34)}"


# --- a birthday typed in full-width ------------------------------------------------------

FULL = str.maketrans("0123456789-/.:", "０１２３４５６７８９－／．：")


@pytest.mark.parametrize(
    ("typed", "en", "zh"),
    [
        ("１２", "birthday '１２' is not a date;", "生日“１２”不是日期；"),
        ("１/４", "ambiguous date '１/４': 4 Jan or 1 Apr?", "日期“１/４”有歧义"),
        (
            "１９９０－０２－３０",
            "birthday '１９９０－０２－３０' is not a date",
            "生日“１９９０－０２－３０”",
        ),
        ("５月７日", "birthday '５月７日' has no year", "生日“５月７日”没有年份"),
        ("ｔｏｄａｙ", "birthday 'ｔｏｄａｙ' is not a date", "生日“ｔｏｄａｙ”不是日期"),
        (
            "４５０００",
            "birthday ４５０００ looks like a date a spreadsheet wrote",
            "生日４５０００像是",
        ),
    ],
)
def test_a_birthday_refused_quotes_what_was_typed(db_path, typed, en, zh):
    """`--birthday １２` was refused as `birthday '12'`: not what was typed."""
    add("Anna")
    err = fails(2, "edit", "1", "--birthday", typed, db=db_path)
    assert err.startswith(f"crm: {en}") and err.count("\n") == 1, err
    said = fails(2, "--lang", "zh", "edit", "1", "--birthday", typed, db=db_path)
    assert said.startswith(f"crm: {zh}"), said


@settings(max_examples=examples(30), deadline=None, derandomize=True)
@given(st.text(st.sampled_from("0123456789-/.:年月日号农历abc "), min_size=1, max_size=10))
def test_a_full_width_birthday_is_read_as_its_half_width_and_quoted_as_typed(text):
    """What a half-width birthday reads as, its full-width twin reads as too; a refusal of
    it quotes the full-width text, never the half-width one crm read."""
    wide = text.translate(FULL)
    add_result = crm("add", "Anna", "--birthday", text, "-q")
    wide_result = crm("add", "Anna", "--birthday", wide, "-q")
    assert wide_result.exit_code == add_result.exit_code
    if wide_result.exit_code == 0:
        return
    assert wide_result.exit_code == 2 and wide_result.stderr.count("\n") == 1
    if wide != text and text.strip() and len(wide) <= 40:
        assert wide.strip() in wide_result.stderr, (wide, wide_result.stderr)
        quoted = re.findall(r"'([^']*)'", wide_result.stderr)
        assert text.strip() not in quoted, wide_result.stderr


# --- a phone with no digits ----------------------------------------------------------------


@pytest.mark.parametrize("typed", ["😀", "abc", "+", "-", "（）", "微信"])
def test_a_phone_without_a_digit_is_no_phone_number(db_path, typed):
    """`--phone 😀` was advised to set default_region, which would not make it a number."""
    add("Anna")
    err = fails(2, "edit", "1", "--phone", typed, db=db_path)
    assert err == f"crm: phone '{typed}' is not a phone number: it has no digits\n"
    zh = fails(2, "--lang", "zh", "edit", "1", "--phone", typed, db=db_path)
    assert zh == f"crm: 电话“{typed}”不是电话号码：里面没有数字\n"


@settings(max_examples=examples(300), deadline=None, derandomize=True)
@given(
    st.text(
        st.characters(blacklist_categories=("Nd", "Cs", "Cc"), blacklist_characters=";,，；"),
        min_size=1,
        max_size=10,
    ).filter(lambda t: t.strip() and not re.search(r"\d", unicodedata.normalize("NFKC", t))),
    st.sampled_from([(None, None), ("CN", None), (None, "US"), ("CN", "DE")]),
)
def test_no_phone_without_digits_gets_the_region_advice(typed, regions):
    """Without a default region (no advice to set one) and with one: refused in one line
    (`¹` is a digit: NFKC reads it as 1, as an input method's full-width digits)."""
    from crmcli.core import validate
    from crmcli.core.errors import InvalidInput

    region, home = regions
    with pytest.raises(InvalidInput) as refused:
        validate.phone(typed, region, home=home)
    assert "default_region" not in refused.value.message
    assert "\n" not in refused.value.message


@pytest.mark.parametrize("damage", [corrupt, skew_index])
def test_a_damaged_database_is_restored_as_its_check_says_and_its_bytes_kept(
    db_path, tmp_path, damage
):
    """`crm check` says a damaged file's remedy is `crm restore FILE`, and crm restore
    refused it: the copy of the current database it keeps failed on the damage."""
    for name in ("Anna", "Ben"):
        add(name, "--city", "Paris")
    good = tmp_path / "good.db"
    ok("backup", str(good))
    add("Chen")
    damage(db_path)
    assert crm("check").exit_code == 1
    result = crm("--lang", "zh", "restore", str(good), "--yes")
    assert result.exit_code == 0, result
    kept = db_path.parent / "backups" / "crm-damaged-20261122T100000.db"
    assert result.stdout.splitlines() == [
        f"已把 {good}（2 位客户）恢复到 {db_path}。",
        f"原来的数据库保存在 {kept}",
    ]
    assert kept.stat().st_mode & 0o777 == 0o600
    assert crm("check").exit_code == 0
    assert [c["name"] for c in json.loads(ok("list", "--format", "json"))] == ["Anna", "Ben"]


def _cut_short(db_path: Path, tmp_path: Path, size: int = 4096) -> tuple[Path, bytes]:
    """A backup of the database as it is (`good.db`), then the database cut short to its
    first `size` bytes, without its -wal and -shm: the backup and the bytes left."""
    good = tmp_path / "good.db"
    ok("backup", str(good))
    for suffix in ("-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    cut = db_path.read_bytes()[:size]
    db_path.write_bytes(cut)
    return good, cut


def test_a_damaged_database_reached_through_a_link_is_restored_in_the_file(tmp_path):
    """The link was renamed over (a plain file in its place), the damaged file it named
    left as it was: the two paths then disagreed."""
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    target = real / "crm.db"
    ok("--db", str(target), "add", "Anna", "-q")
    link = tmp_path / "crm.db"
    link.symlink_to(target)
    good, _cut = _cut_short(target, tmp_path)
    ok("--db", str(link), "restore", str(good), "--yes")
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert ok("--db", str(target), "list", "-q") == "1\n"
    # what a killed restore through the link left beside the file: reported through it too
    left = real / ".crm.db.restoring-999999999"
    left.write_bytes(good.read_bytes())
    checked = json.loads(crm("--db", str(link), "check", "--format", "json").stdout)
    assert [r["status"] for r in checked if r["check"] == "leftover copy"] == ["problem"]
    ok("--db", str(link), "check", "--repair")
    assert not left.exists()


@pytest.mark.parametrize("size", [100, 1000, 4096])
def test_a_database_cut_short_is_restored_and_its_bytes_kept_once(db_path, tmp_path, size):
    """A file cut short cannot be opened at all, so SQLite cannot write over it: crm
    restore kept its bytes, then failed naming no file, and each try kept them again."""
    for name in ("Anna", "Ben"):
        add(name)
    good, cut = _cut_short(db_path, tmp_path, size)
    result = crm("restore", str(good), "--yes")
    assert result.exit_code == 0, result
    folder = db_path.parent / "backups"
    kept = folder / "crm-damaged-20261122T100000.db"
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".db") == [kept.name]
    assert kept.read_bytes() == cut
    assert crm("check").exit_code == 0
    assert [c["name"] for c in json.loads(ok("list", "--format", "json"))] == ["Anna", "Ben"]


def test_a_restore_over_a_damaged_database_that_fails_leaves_it_as_it_was(
    db_path, tmp_path, monkeypatch
):
    """When the backup cannot be written in, the damaged file keeps its bytes, the error
    names it, and no copy is left behind (another try would keep another)."""
    from crmcli.store import backup

    add("Anna")
    good, cut = _cut_short(db_path, tmp_path)

    def full(path, key):
        path.write_bytes(b"half")
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(backup, "open_over", full)
    for _ in range(2):
        err = fails(1, "restore", str(good), "--yes", db=db_path)
        assert str(db_path) in err and "\n" not in err.rstrip("\n"), err
        assert db_path.read_bytes() == cut
        folder = db_path.parent / "backups"
        assert not folder.exists() or list(folder.iterdir()) == []
        assert list(db_path.parent.glob(".crm.db.restoring-*")) == []


def _backed_up(db_path: Path) -> tuple[Path, Path, bytes]:
    """A database of one customer backed up by `crm backup`: (the backups folder, the
    backup, its bytes), for a folder of other files beside it."""
    add("Anna")
    ok("backup", "-q")
    folder = db_path.parent / "backups"
    real = folder / "crm-20261122T100000.db"
    return folder, real, real.read_bytes()


def test_a_folder_given_to_restore_suggests_only_a_real_backup_of_this_database(db_path, tmp_path):
    """The newest file of a stamped name was suggested, whatever it was: a -damaged- copy,
    an empty file, another database's backup."""
    folder, real, data = _backed_up(db_path)
    (folder / "crm-damaged-20991231T235959.db").write_bytes(data)
    before = folder / "crm-before-restore-20261122T090000.db"  # older, but crm's too
    before.write_bytes(data)
    (folder / "other-20991231T235959.db").write_bytes(data)
    (folder / "crm-20991231T235959.db").write_bytes(b"")
    err = fails(2, "restore", str(folder), "--yes", db=db_path)
    assert err.endswith(f"the newest: crm restore {real}\n"), err
    zh = fails(2, "--lang", "zh", "restore", str(folder), "--yes", db=db_path)
    assert zh.endswith(f"例如最新的：“crm restore {real}”\n"), zh
    real.unlink()
    err = fails(2, "restore", str(folder), "--yes", db=db_path)
    assert err.endswith(f"the newest: crm restore {before}\n"), err
    before.unlink()  # none left of this database's: the folder is said as a folder
    err = fails(2, "restore", str(folder), "--yes", db=db_path)
    assert err == (
        f"crm: {folder} is a folder, not a backup file; give the backup file itself "
        "(crm restore FILE)\n"
    )


def test_a_folder_given_to_restore_suggests_only_a_backup_that_restores(db_path, tmp_path):
    """The suggestion never opened the files: the newest non-empty one of a stamped name was
    said, cut short, damaged, another program's SQLite file, encrypted with no key set."""
    from crmcli.store import encryption

    folder, real, data = _backed_up(db_path)
    (folder / "crm-20991231T235955.db").write_bytes(data)
    corrupt(folder / "crm-20991231T235955.db")  # damaged
    (folder / "crm-20991231T235956.db").write_bytes(data[: len(data) // 2])  # cut short
    other = sqlite3.connect(folder / "crm-20991231T235957.db")  # another program's
    other.execute("CREATE TABLE notes (text)")
    other.close()
    (folder / "crm-20991231T235958.db").write_bytes(b"\x00" * 4096)  # not SQLite at all
    if encryption.available():  # encrypted, and no key is set
        encryption.copy_as(real, None, folder / "crm-before-restore-20991231T235959.db", "k")
    said = (
        f"crm: {folder} is a folder, not a backup file; give one of the backups in it, the "
        f"newest that can be restored: crm restore {real} (of the newer files, "
        f"{4 + encryption.available()} cannot be restored: crm restore FILE says why)\n"
    )
    assert fails(2, "restore", str(folder), "--yes", db=db_path) == said
    zh = fails(2, "--lang", "zh", "restore", str(folder), "--yes", db=db_path)
    assert f"crm restore {real}" in zh and english_left(zh) == [], zh
    ok("add", "Ben")
    ok("restore", str(real), "--yes")  # the command said runs
    assert [c["name"] for c in json.loads(ok("list", "--format", "json"))] == ["Anna"]
    for kept in folder.glob("crm-before-restore-2026*.db"):
        kept.unlink()  # the copy that restore kept: a backup that restores
    real.unlink()
    err = fails(2, "restore", str(folder), "--yes", db=db_path)
    assert err == (
        f"crm: {folder} is a folder, not a backup file, and no backup of the database in it can "
        "be restored (crm restore FILE says why); give another backup file\n"
    )


def test_a_restore_over_a_damaged_database_another_crm_has_open_waits_for_it(
    db_path, tmp_path, monkeypatch
):
    """The damaged file is kept, emptied and written anew under its exclusive lock: while
    another crm has it open (its shared lock, from a descriptor of its own), the restore
    waits, and past the wait changes nothing and keeps no copy (emptied meanwhile, the file
    was taken by a crm starting then for a new database, whose record was written over)."""
    import fcntl

    from crmcli.store import guard

    add("Anna")
    good, cut = _cut_short(db_path, tmp_path)
    monkeypatch.setattr(guard, "BUSY_TIMEOUT_MS", 200)
    other = os.open(db_path, os.O_RDONLY)
    try:
        fcntl.flock(other, fcntl.LOCK_SH)
        err = fails(1, "restore", str(good), "--yes", db=db_path)
        assert "busy" in err, err
        assert db_path.read_bytes() == cut
        assert not (db_path.parent / "backups").exists() or not list(
            (db_path.parent / "backups").iterdir()
        )
    finally:
        os.close(other)
    ok("restore", str(good), "--yes")
    assert [c["name"] for c in json.loads(ok("list", "--format", "json"))] == ["Anna"]


def test_fts5_s_own_words_for_a_garbled_index_are_said_as_crm_s():
    """SQLite's `invalid fts5 file format (found 0, expected 4) - run 'rebuild'` names no
    command of crm's, and `rebuild` none at all."""
    from crmcli.store.connection import storage_error

    said = storage_error(
        sqlite3.OperationalError("invalid fts5 file format (found 0, expected 4) - run 'rebuild'"),
        Path("crm.db"),
    )
    assert said.message == (
        "the search index (crm.db) is damaged, not the records: run 'crm reindex' to rebuild "
        "it; nothing was changed"
    )
