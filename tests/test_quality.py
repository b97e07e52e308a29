"""crm dedupe, crm merge, crm clean."""

import json
import sqlite3
import sys

import pytest

from tests.conftest import crm, dump, fails, ok, rows


def test_dedupe_finds_pairs_with_reasons(cn):
    ok("add", "張偉", "--phone", "13800138000", "--company", "华为")
    ok("add", "张伟", "--email", "zw@example.com", "--company", "華為")
    ok("add", "Jon Smith", "--email", "j@x.com")
    ok("add", "John Smith", "--email", "J@X.com", "--allow-duplicate")  # made on purpose
    ok("add", "ＡＮＮＡ Lee")
    ok("add", "anna lee", "--phone", "13900139000")
    ok("add", "Lee Anna", "--phone", "+86 139 0013 9000", "--allow-duplicate")
    ok("add", "Someone Else")
    pairs = json.loads(ok("dedupe", "--format", "json"))
    assert [(p["id"], p["other_id"], p["score"], p["reasons"]) for p in pairs] == [
        (3, 4, 85, ["same email j@x.com", "similar names (0.95)"]),
        (6, 7, 90, ["same phone +8613900139000", "same name"]),
        (1, 2, 50, ["same name", "same company 华为"]),
        (5, 6, 40, ["same name"]),
        (5, 7, 40, ["same name"]),
    ] or sorted(p["score"] for p in pairs) == [40, 40, 50, 85, 90]
    assert pairs[0]["score"] >= pairs[-1]["score"]
    strong = json.loads(ok("dedupe", "--min-score", "80", "-f", "json"))
    assert {(p["id"], p["other_id"]) for p in strong} == {(3, 4), (6, 7)}
    picked = ok("dedupe", "--min-score", "80", "--fields", "other_id,id", "-f", "csv")
    assert sorted(picked.splitlines()) == ["4,3", "7,6", "other_id,id"]
    assert "unknown field 'pair'" in fails(2, "dedupe", "--fields", "pair")
    table = ok("dedupe")
    assert "same email j@x.com" in table and "张伟" in table
    fails(2, "dedupe", "--min-score", "0")


def test_dedupe_pairs_chinese_names_that_read_the_same_in_pinyin(cn):
    """曾小贤 and 曾晓贤 (zeng xiao xian): one was typed with a pinyin input method that offered
    the wrong character. Homophones score 30 (tones aside), the surname in its surname
    reading (曾 is zeng, not ceng); the same name is still the same name, and names that
    only share some syllables, or are written in Latin letters, are no homophones."""
    names = ["曾小贤", "曾晓贤", "曾曉賢", "增小贤", "曾小明", "曾贤", "Zeng Xiaoxian", "单丽",
             "山莉", "张伟", "张薇", "阿卜杜·热合曼", "阿卜杜热合曼"]  # fmt: skip
    for name in names:
        ok("add", name, *(["--company", "华为"] if name in ("张伟", "张薇") else []))
    pairs = json.loads(ok("dedupe", "--min-score", "1", "-f", "json"))
    found = {
        (names[p["id"] - 1], names[p["other_id"] - 1]): (p["score"], p["reasons"]) for p in pairs
    }
    sound = "same pinyin ({})".format
    assert found == {
        ("曾小贤", "曾晓贤"): (30, [sound("zeng xiao xian")]),
        ("曾小贤", "曾曉賢"): (30, [sound("zeng xiao xian")]),
        ("曾小贤", "增小贤"): (30, [sound("zeng xiao xian")]),
        ("曾晓贤", "曾曉賢"): (40, ["same name"]),  # traditional and simplified: one name
        ("曾晓贤", "增小贤"): (30, [sound("zeng xiao xian")]),
        ("曾曉賢", "增小贤"): (30, [sound("zeng xiao xian")]),
        ("单丽", "山莉"): (30, [sound("shan li")]),  # 单 as a surname is shan
        ("张伟", "张薇"): (40, [sound("zhang wei"), "same company 华为"]),
        ("阿卜杜·热合曼", "阿卜杜热合曼"): (40, ["same name"]),
    }
    # The default score (40) lists a homophone with more in common; --min-score 30 all.
    listed = json.loads(ok("dedupe", "-f", "json"))
    assert [(p["name"], p["other_name"]) for p in listed] == [
        ("曾晓贤", "曾曉賢"), ("张伟", "张薇"), ("阿卜杜·热合曼", "阿卜杜热合曼"),
    ]  # fmt: skip
    assert len(json.loads(ok("dedupe", "--min-score", "30", "-f", "json"))) == 9
    # In a Chinese table the reason is said in Chinese; JSON keeps the English phrase.
    table = ok("--lang", "zh", "dedupe", "--min-score", "30")
    assert "同音（zeng xiao xian）" in table and "same pinyin" not in table


def test_dedupe_on_an_empty_database(db_path):
    assert ok("dedupe") == ""
    assert json.loads(ok("dedupe", "-f", "json")) == []


def test_merge_moves_everything_and_records_it(cn):
    keep = ok("add", "Zhang Wei", "--phone", "13800138000", "--company", "Huawei", "-q").strip()
    other = ok(
        "add", "张伟", "--email", "zw@example.com", "--phone", "13800138000", "--city", "上海",
        "--company", "华为", "--external-id", "C-9", "--field", "wechat=zw88",
        "--notes", "Likes tea", "--allow-duplicate", "-q",
    ).strip()  # fmt: skip
    friend = ok("add", "Friend", "--referred-by", other, "--related", f"colleague=#{other}", "-q")
    friend = friend.strip()
    ok("log", "call", other, "Asked for a quote", "--follow-up", "fri:send it")
    ok("buy", other, "Tea", "100")
    ok("tag", "vip", other)
    ok("tag", "vip", keep)
    ok("stage", other, "prospect")
    ok("date", "add", other, "anniversary", "2020-05-01", "--yearly")
    result = crm("merge", keep, other, "--yes")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Merged #{other} 张伟 into #{keep}: moved ")
    record = json.loads(ok("show", keep, "--format", "json"))
    assert record["phones"] == ["+8613800138000"]
    assert record["emails"] == ["zw@example.com"]
    assert record["city"] == "上海" and record["company"] == "Huawei"
    assert record["external_id"] == "C-9" and record["stage"] == "prospect"
    assert record["fields"] == {"wechat": "zw88"}
    assert record["tags"] == ["vip"]
    assert "Merged from #2 张伟 on 2026-11-22:" in record["notes"]
    assert "company: 华为" in record["notes"] and "notes: Likes tea" in record["notes"]
    assert [r["id"] for r in record["referrals"]] == [int(friend)]
    related = json.loads(ok("show", friend, "--format", "json"))["related"]
    assert related[0]["customer_id"] == int(keep)
    assert len(json.loads(ok("interactions", keep, "--format", "json"))) == 1
    assert len(json.loads(ok("purchases", keep, "--format", "json"))) == 1
    assert len(json.loads(ok("task", "list", keep, "--format", "json"))) == 1
    fails(3, "show", other, db=cn)
    conn = sqlite3.connect(cn)
    merged = conn.execute("SELECT customer_id, merged_id, merged_name, moved FROM customer_merges")
    row = merged.fetchone()
    assert row[:3] == (int(keep), int(other), "张伟")
    assert json.loads(row[3])["purchases"] == 1
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert conn.execute("SELECT customer_id FROM important_dates").fetchall() == [(int(keep),)]
    assert conn.execute("SELECT count(*) FROM stage_changes WHERE customer_id = ?",
                        (int(keep),)).fetchone()[0] == 1  # fmt: skip
    conn.close()


def test_merge_refuses_bad_references(cn):
    ok("add", "Anna")
    fails(2, "merge", "1", "1", db=cn)
    fails(3, "merge", "1", "99", db=cn)
    fails(3, "merge", "nobody", "1", db=cn)
    fails(3, "merge", "1", "99", "--yes", db=cn)


def test_merge_asks_first_and_needs_yes_from_a_script(cn, monkeypatch):
    from crmcli.cli import output

    ok("add", "Anna", "--email", "anna@example.com")
    ok("add", "Anna B", "--phone", "13800138000")
    # Off a terminal (a script, a pipe): refused without --yes, nothing changed.
    before = dump(cn)
    err = fails(2, "merge", "1", "2", db=cn)
    assert err == "crm: merge asks for confirmation; add --yes to run it from a script\n"
    # --dry-run needs no --yes: it says what the merge would do and changes nothing.
    assert ok("merge", "1", "2", "--dry-run") == (
        "Would merge #2 Anna B into #1: would move 1 record, 1 differing value would be "
        "kept in notes (dry run: nothing was changed).\n"
    )
    assert dump(cn) == before
    # On a terminal: asked; "no" changes nothing (exit 1), "yes" merges.
    monkeypatch.setattr(output, "is_terminal", lambda stream: stream is sys.stdin)  # a person
    result = crm("merge", "1", "2", input="n\n")
    assert result.exit_code == 1 and "Merge #2 Anna B into #1 Anna and delete #2?" in result.stderr
    assert "not confirmed; nothing was changed" in result.stderr
    assert ok("list", "-q") == "1\n2\n"
    result = crm("merge", "1", "2", input="y\n")
    assert result.exit_code == 0 and "Merged #2 Anna B into #1: moved" in result.stdout
    assert ok("list", "-q") == "1\n"
    # Bad references are refused before any question.
    fails(3, "merge", "1", "2", db=cn)
    fails(2, "merge", "1", "1", db=cn)


def test_merge_moves_rows_of_tables_other_migrations_add(cn):
    ok("add", "Keep")
    ok("add", "Other")
    conn = sqlite3.connect(cn)
    conn.execute(
        "CREATE TABLE later_notes (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL "
        "REFERENCES customers(id) ON DELETE CASCADE, text TEXT)"
    )
    conn.execute("INSERT INTO later_notes (customer_id, text) VALUES (2, 'too slow')")
    conn.commit()
    conn.close()
    ok("merge", "Keep", "Other", "--yes")
    conn = sqlite3.connect(cn)
    assert conn.execute("SELECT customer_id FROM later_notes").fetchall() == [(1,)]
    conn.close()


def _raw(db, sql, *params):
    conn = sqlite3.connect(db)
    conn.execute(sql, params)
    conn.commit()
    conn.close()


def test_clean_reports_and_fixes(cn):
    ok("add", "Good", "--email", "good@example.com")
    ok("add", "Nobody")  # no way to reach them
    ok("add", "Odd", "--email", "odd@example.com", "--phone", "13800138000")
    ok("add", "Old", "--email", "old@example.com")
    _raw(cn, "UPDATE customer_emails SET email = 'Odd@EXAMPLE.com ' WHERE customer_id = 3")
    _raw(cn, "UPDATE customer_phones SET phone = '138 0013 8000' WHERE customer_id = 3")
    _raw(
        cn, "INSERT INTO customer_emails (customer_id, email, email_key) VALUES (3, 'bad@', 'bad@')"
    )
    _raw(cn, "UPDATE customers SET updated_at = '2020-01-01T00:00:00+08:00' WHERE id = 4")
    found = json.loads(ok("clean", "--format", "json"))
    assert [(p["id"], p["problem"], p["value"], p["fix"]) for p in found] == [
        (2, "no_contact", None, None),
        (3, "bad_email", "bad@", None),
        (3, "unnormalised_email", "Odd@EXAMPLE.com ", "Odd@example.com"),
        (3, "unnormalised_phone", "138 0013 8000", "+8613800138000"),
        (4, "stale", "2020-01-01", None),
    ]
    assert json.loads(ok("clean", "--stale-years", "10", "-f", "json"))[-1]["problem"] != "stale"
    result = crm("clean", "--fix", "-q")
    assert result.exit_code == 0 and result.stdout == ""
    after = json.loads(ok("clean", "-f", "json"))
    assert [p["problem"] for p in after] == ["no_contact", "bad_email", "stale"]
    record = json.loads(ok("show", "3", "-f", "json"))
    assert record["phones"] == ["+8613800138000"] and "Odd@example.com" in record["emails"]
    fixed = crm("clean", "--fix")
    assert "Fixed 0 of 3 problems." in fixed.stderr


def test_clean_proposes_the_short_name_of_a_province_stored_in_full(cn):
    """A region stored as its full name before crm stored provinces by their short one
    (`广东省`, from an older crm or SQL by hand) is listed with the name crm stores now, and
    --fix rewrites it, once, as one change `crm undo` takes back; other regions are left."""
    for name, region in (("甲", "广东"), ("乙", "广东"), ("丙", "北京"), ("丁", "Bavaria"),
                         ("戊", "广东深圳")):  # fmt: skip
        ok("add", name, "--region", region, "--phone", "13800138000", "--allow-duplicate")
    _raw(cn, "UPDATE customers SET region = '广东省' WHERE id = 2")
    _raw(cn, "UPDATE customers SET region = '北京市' WHERE id = 3")
    found = json.loads(ok("clean", "-f", "json"))
    assert [(p["id"], p["problem"], p["value"], p["fix"]) for p in found] == [
        (2, "unnormalised_region", "广东省", "广东"),
        (3, "unnormalised_region", "北京市", "北京"),
    ]
    assert crm("clean", "--fix").stderr.strip() == "Fixed 2 of 2 problems."
    regions = [r for (r,) in rows(cn, "SELECT region FROM customers ORDER BY id")]
    assert regions == ["广东", "广东", "北京", "Bavaria", "广东深圳"]
    assert json.loads(ok("clean", "-f", "json")) == []
    ok("undo", "--yes")
    regions = [r for (r,) in rows(cn, "SELECT region FROM customers ORDER BY id")]
    assert regions == ["广东", "广东省", "北京市", "Bavaria", "广东深圳"]


def test_clean_proposes_the_short_name_of_a_city_stored_with_its_shi(cn):
    """A city of crm's list stored with 市 (`杭州市`, from a file imported before crm stored
    cities as 所在地区 gives them) is listed as `unnormalised_city` with its short name; --fix
    rewrites it; a county-level city (`义乌市`) and 沙市 are no such city and are left."""
    for name, city in (("甲", "杭州"), ("乙", "宁波"), ("丙", "义乌市"), ("丁", "沙市")):
        ok("add", name, "--city", city, "--phone", "13800138000", "--allow-duplicate")
    _raw(cn, "UPDATE customers SET city = '杭州市' WHERE id = 1")
    found = json.loads(ok("clean", "-f", "json"))
    assert [(p["id"], p["problem"], p["value"], p["fix"]) for p in found] == [
        (1, "unnormalised_city", "杭州市", "杭州"),
    ]
    assert "城市带了“市”字" in ok("--lang", "zh", "clean")
    assert crm("clean", "--fix").stderr.strip() == "Fixed 1 of 1 problem."
    cities = [c for (c,) in rows(cn, "SELECT city FROM customers ORDER BY id")]
    assert cities == ["杭州", "宁波", "义乌市", "沙市"]
    ok("undo", "--yes")
    assert rows(cn, "SELECT city FROM customers WHERE id = 1") == [("杭州市",)]


@pytest.mark.parametrize(("lang", "said"), [("en", "provinces and cities"), ("zh", "省份和城市")])
def test_clean_help_says_fix_normalises_cities_too(db_path, lang, said):
    """--fix rewrites an older 杭州市 as it does a province written in full: its help says so."""
    shown = " ".join(ok("--lang", lang, "clean", "--help").split())
    assert said in shown.replace("│ ", "").replace(" │", ""), shown
