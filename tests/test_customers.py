"""Adding, editing, showing, listing and archiving customers through the CLI."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import add, crm, drain, dump, fails, ids, ok, person


def test_add_prints_id_and_quiet_prints_only_id(db_path):
    out = ok("add", "Zhang Wei", "--phone", "+86 138 0013 8000")
    assert out == "Added customer 1: Zhang Wei\n"
    assert ok("add", "李娜", "-q") == "2\n"


def test_add_stores_every_field(db_path):
    ok("config", "set", "default_region", "CN")
    referrer = add("Referrer")
    cid = add(
        "张伟", "--kind", "person", "--company", "华为", "--title", "经理", "--gender", "男",
        "--birthday", "1990-08-15", "--address", "1 Road", "--city", "上海", "--region", "上海",
        "--country", "CN", "--industry", "tech", "--company-size", "51-200", "--source",
        "trade show", "--national-id", "11010519491231002X", "--notes", "likes blue",
        "--external-id", "EXT-1", "--referred-by", str(referrer), "--phone", "13800138000",
        "--phone", "+1 212 555 0199", "--email", "ZW@Example.com", "--field", "wechat=zw88",
        "--related", "spouse=李娜", "--preferred-channel", "wechat", "--preferred-time", "evening",
    )  # fmt: skip
    card = json.loads(ok("show", str(cid), "--format", "json", "--reveal"))
    assert card["name"] == "张伟" and card["gender"] == "male" and card["company"] == "华为"
    assert card["phones"] == ["+8613800138000", "+12125550199"]
    assert card["emails"] == ["ZW@example.com"]
    assert card["fields"] == {"wechat": "zw88"}
    assert card["referred_by"] == referrer and card["referred_by_name"] == "Referrer"
    assert card["related"] == [{"relation": "spouse", "name": "李娜", "customer_id": None}]
    assert card["national_id"] == "11010519491231002X"
    assert card["external_id"] == "EXT-1" and card["birthday"] == "1990-08-15"


def test_national_id_is_masked_unless_revealed(db_path):
    cid = add("Wang", "--national-id", "11010519491231002X")
    assert "11010519491231002X" not in ok("show", str(cid))
    assert "110105********002X" in ok("show", str(cid))
    assert json.loads(ok("show", str(cid), "-f", "json"))["national_id"] == "110105********002X"
    assert "11010519491231002X" in ok("show", str(cid), "--reveal")


def test_national_id_from_stdin_keeps_it_out_of_argv(db_path):
    cid = int(ok("add", "Wang", "--national-id", "-", "-q", input="11010519491231002X\n"))
    assert json.loads(ok("show", str(cid), "-f", "json", "--reveal"))["national_id"] == (
        "11010519491231002X"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "not-an-email"], "invalid email"),
        (["--phone", "12"], "invalid phone"),
        (["--phone", "+86 1"], "invalid phone"),
        (["--birthday", "soon"], "not a date"),
        (["--birthday", "2099-01-01"], "in the future"),
        (["--birthday", "May 3"], "'May 3' has no year; write it with its year"),
        (["--birthday", "May 3"], "or as --05-03 when the year is not known"),
        (["--birthday", "--13-01"], "not a date: '--13-01' (there is no such day)"),
        (["--birthday", "--02-30"], "not a date: '--02-30' (there is no such day)"),
        (["--birthday", "--0230"], "not a date: '--0230' (there is no such day)"),
        (["--birthday", "--5-13"], "birthday '--5-13' is not a date"),
        (["--birthday", "fri"], "birthday 'fri' is not a date; write a birthday as"),
        (["--gender", "robot"], "gender must be one of"),
        (["--kind", "alien"], "kind must be one of"),
        (["--national-id", "110105194912310021"], "check digit"),
        (["--national-id", "12345"], "18 characters"),
        (["--field", "novalue"], "KEY=VALUE"),
        (["--field", "1bad=x"], "invalid field name"),
        (["--field", "city=x"], "built-in field"),
        (["--field", "id=5"], "'id' is a built-in field, not a user-defined one"),
        (["--referred-by", "nobody"], "no customer matches"),
        (["--city", "  "], "cannot be empty"),
        (["--company", "a\x07b"], "control characters"),
    ],
)
def test_bad_field_values_are_rejected_and_nothing_written(db_path, args, message):
    add("Existing")
    code = 3 if message.startswith("no customer") else 2
    err = fails(code, "add", "Someone", *args, db=db_path)
    assert message in err
    assert err.count("\n") == 1


def test_a_birthday_without_a_year(db_path):
    cid = add("Mei", "--birthday", "--05-13")
    card = json.loads(ok("show", str(cid), "-f", "json"))
    assert (card["birthday"], card["birthday_lunar"]) == ("--05-13", None)
    assert "  birthday  --05-13\n" in ok("show", str(cid))
    assert person(add("Jie", "--birthday=--0715"))["birthday"] == "--07-15"  # vCard's form
    assert person(add("Leap", "--birthday", "--02-29"))["birthday"] == "--02-29"
    # Edited to a full date and back; a lunar birthday gives way to it.
    ok("edit", str(cid), "--birthday", "1990-05-13")
    assert person(cid)["birthday"] == "1990-05-13"
    ok("edit", str(cid), "--birthday", "lunar:1990-04-19")
    ok("edit", str(cid), "--birthday", "--05-13")
    card = json.loads(ok("show", str(cid), "-f", "json"))
    assert (card["birthday"], card["birthday_lunar"]) == ("--05-13", None)
    # A bad day leaves the birthday as it was.
    fails(2, "edit", str(cid), "--birthday", "--02-30", db=db_path)
    assert person(cid)["birthday"] == "--05-13"


def test_phone_without_region_needs_country_code(db_path):
    err = fails(2, "add", "X", "--phone", "13800138000", db=None)
    assert "+country" in err
    ok("config", "set", "default_region", "CN")
    cid = add("X", "--phone", "138 0013 8000")
    assert json.loads(ok("show", str(cid), "-f", "json"))["phones"] == ["+8613800138000"]


def test_duplicate_external_id_is_rejected(db_path):
    add("A", "--external-id", "K1")
    assert "already used by customer 1" in fails(2, "add", "B", "--external-id", "K1", db=db_path)


def test_edit_fields_phones_emails_and_custom_fields(db_path):
    cid = add("Anna", "--phone", "+8613800138000", "--email", "a@example.com", "--field", "x=1")
    assert ok("edit", str(cid), "--title", "CTO", "--phone", "+12125550199", "--field", "y=2")
    ok("edit", str(cid), "--primary-phone", "+12125550199", "--remove-email", "a@example.com")
    ok("edit", str(cid), "--unset", "x", "--unset", "title", "--email", "b@example.com")
    card = json.loads(ok("show", str(cid), "-f", "json"))
    assert card["phones"] == ["+12125550199", "+8613800138000"]
    assert card["emails"] == ["b@example.com"]
    assert card["fields"] == {"y": "2"}
    assert card["title"] is None
    assert card["version"] == 4


def test_edit_with_no_change_says_so(db_path):
    cid = add("Anna", "--city", "Paris")
    assert ok("edit", str(cid), "--city", "Paris") == "No changes.\n"


def test_an_edit_records_only_the_phones_and_emails_it_changed(cn):
    def changes() -> list[tuple]:  # the last changeset: (table, op, value, is_primary's)
        rows = json.loads(ok("history", "1", "-f", "json", "--limit", "0"))
        last = [r for r in rows if r["changeset_id"] == rows[0]["changeset_id"]]
        return sorted(
            (r["table"], r["op"], *[(x or {}).get(k) for k in ("phone", "email") for x in
             (r["old"], r["new"])], *[(x or {}).get("is_primary") for x in (r["old"], r["new"])])
            for r in last if r["table"] != "customers"
        )  # fmt: skip

    add("张伟", "--phone", "13800138000", "--email", "zw@example.com")
    before = changes()
    for same in (["--phone", "138 0013 8000"], ["--email", "ZW@Example.com"]):
        assert ok("edit", "张伟", *same) == "No changes.\n"
    assert changes() == before  # no changeset: the phone was neither deleted nor re-added
    ok("edit", "张伟", "--phone", "13800138000", "--phone", "13900139000", "--email", "b@x.cn")
    assert changes() == [
        ("customer_emails", "insert", None, None, None, "b@x.cn", None, 0),
        ("customer_phones", "insert", None, "+8613900139000", None, None, None, 0),
    ]
    ok("edit", "张伟", "--primary-phone", "13900139000", "--remove-email", "zw@example.com")
    assert changes() == [
        ("customer_emails", "delete", None, None, "zw@example.com", None, 1, None),
        ("customer_emails", "update", None, None, "b@x.cn", "b@x.cn", 0, 1),
        ("customer_phones", "update", "+8613800138000", "+8613800138000", None, None, 1, 0),
        ("customer_phones", "update", "+8613900139000", "+8613900139000", None, None, 0, 1),
    ]
    card = json.loads(ok("show", "1", "-f", "json"))
    assert (card["phones"], card["emails"]) == (["+8613900139000", "+8613800138000"], ["b@x.cn"])
    ok("undo", "--yes")
    card = json.loads(ok("show", "1", "-f", "json"))
    assert card["phones"] == ["+8613800138000", "+8613900139000"]
    assert card["emails"] == ["zw@example.com", "b@x.cn"]


def _lists(db) -> list[str]:  # the customer rows and their phone and email rows, as SQL
    return [line for line in dump(db).splitlines() if line.startswith("INSERT INTO customer")]


def _changed() -> list[tuple]:  # the last changeset's phone and email rows: (op, id, value)
    rows = json.loads(ok("history", "1", "-f", "json", "--limit", "0"))
    return sorted(
        (r["op"], r["record_id"], (r["new"] or r["old"]).get("phone") or r["new"].get("email"))
        for r in rows
        if r["changeset_id"] == rows[0]["changeset_id"] and r["table"] != "customers"
    )


def test_an_email_removed_and_added_again_is_stored_as_spelled_in_its_place(cn):
    """`--remove-email` + `--email` of the same address said 没有改动 and kept the old spelling;
    it is the same address spelled anew: one row updated, the primary still primary."""
    add("张三", "--email", "Zhang.San@example.com", "--email", "b@x.cn")
    assert ok("edit", "张三", "--email", "zhang.san@example.com") == "No changes.\n"
    before = _lists(cn)
    assert ok("edit", "张三", "--remove-email", "Zhang.San@example.com", "--email",
              "zhang.san@example.com") == "Updated customer 1.\n"  # fmt: skip
    assert json.loads(ok("show", "1", "-f", "json"))["emails"] == [
        "zhang.san@example.com", "b@x.cn"
    ]  # fmt: skip
    assert _changed() == [("update", 1, "zhang.san@example.com")]
    ok("undo", "--yes")
    assert _lists(cn) == before


def test_the_editor_stores_an_email_spelled_anew_and_phones_put_in_another_order(
    cn, tmp_path, monkeypatch
):
    """Both said 没有改动: emails were compared by their keys, phones as a set after the
    first. The editor's order is stored; the phones it leaves in place are not written
    again."""
    add("张三", "--email", "a@x.cn", "--email", "Zhang.San@example.com", *[
        a for n in (1, 2, 3, 4) for a in ("--phone", f"1380000000{n}")
    ])  # fmt: skip
    before = _lists(cn)
    script = tmp_path / "ed.py"
    script.write_text(
        "import sys\np = sys.argv[1]\nt = open(p).read()\n"
        "t = t.replace('a@x.cn, Zhang.San@', 'zhang.san@').replace('example.com', "
        "'example.com, a@x.cn', 1).replace("
        "'+8613800000003, +8613800000004', '+8613800000004, +8613800000003')\n"
        "open(p, 'w').write(t)\n"
    )
    monkeypatch.setenv("EDITOR", f"python3 {script}")
    assert ok("edit", "1", "--editor") == "Updated customer 1.\n"
    card = json.loads(ok("show", "1", "-f", "json"))
    assert card["emails"] == ["zhang.san@example.com", "a@x.cn"]
    assert card["phones"] == ["+8613800000001", "+8613800000002", "+8613800000004",
                              "+8613800000003"]  # fmt: skip
    assert _changed() == [
        ("delete", 3, "+8613800000003"), ("delete", 4, "+8613800000004"),
        ("insert", 3, "+8613800000004"), ("insert", 4, "+8613800000003"),
        ("update", 1, "a@x.cn"), ("update", 2, "zhang.san@example.com"),
    ]  # fmt: skip
    ok("undo", "--yes")
    assert _lists(cn) == before


def test_a_phone_removed_and_added_again_goes_last(cn):
    """As a list edited by commands does: the new one after the others (没有改动 before)."""
    add("张三", *[a for n in (1, 2, 3) for a in ("--phone", f"1380000000{n}")])
    before = _lists(cn)
    ok("edit", "1", "--remove-phone", "13800000001", "--phone", "13800000001")
    phones = json.loads(ok("show", "1", "-f", "json"))["phones"]
    assert phones == ["+8613800000002", "+8613800000003", "+8613800000001"]
    ok("undo", "--yes")
    assert _lists(cn) == before


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--unset", "name"], 2, "required"),
        (["--remove-phone", "+8613800138000"], 2, "has no phone"),
        (["--unset", "nosuchfield"], 2, "has no field"),
        (["--referred-by", "1"], 2, "referred by themselves"),
        (["--email", "bad@"], 2, "invalid email"),
    ],
)
def test_bad_edits_change_nothing(db_path, args, code, message):
    cid = add("Anna")
    assert message in fails(code, "edit", str(cid), *args, db=db_path)


def test_edit_without_options_off_a_terminal_is_a_usage_error(db_path):
    add("Anna")
    assert "nothing to change" in fails(2, "edit", "1", db=db_path)


def test_edit_unknown_customer_is_not_found(db_path):
    add("Anna")
    fails(3, "edit", "99", "--city", "X", db=db_path)


def test_references_resolve_by_every_kind(db_path):
    ok("config", "set", "default_region", "CN")
    cid = add("Zoë Müller", "--external-id", "crm-7", "--email", "zoe@example.com",
              "--phone", "13800138000")  # fmt: skip
    add("张伟")
    for ref in (str(cid), f"#{cid}", "crm-7", "ZOE@example.com", "+86 138 0013 8000",
                "13800138000", "zoe muller", "ＺＯＥ　ＭÜＬＬＥＲ", "müll"):  # fmt: skip
        assert json.loads(ok("show", ref, "-f", "json"))["id"] == cid, ref
    assert json.loads(ok("show", "张伟", "-f", "json"))["id"] == 2


def test_ambiguous_reference_lists_candidates_and_exits_2(db_path):
    add("Wang Fang", "--city", "Hangzhou")
    add("Wang Lei")
    result = crm("show", "wang")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "crm: 'wang' matches 2 customers; use an id or a more precise reference"
    )
    assert "1\tWang Fang\tHangzhou" in result.stderr and "2\tWang Lei" in result.stderr


def test_unknown_reference_exits_3(db_path):
    add("Anna")
    assert fails(3, "show", "bob") == "crm: no customer matches 'bob'\n"
    assert fails(3, "show", "#42") == "crm: no customer with id 42\n"


def test_list_sorts_names_by_pinyin_with_surnames_read_as_surnames(db_path, monkeypatch):
    """冯 刘 吴 周 孙 张 in code-point order are feng liu sun wu zhang zhou in pinyin; 曾 and 单
    read as surnames (zeng, shan), not as in words (ceng, dan); Latin names fall among them
    by their letters; digits come last."""
    names = [
        "冯",
        "刘",
        "吴",
        "周",
        "孙",
        "张",
        "曾伟",
        "单雄",
        "Anna Chen",
        "Zoe",
        "3M",
        "李安",
        "连",
    ]
    for name in names:
        add(name)
    expected = [
        "Anna Chen",
        "冯",
        "李安",
        "连",
        "刘",
        "单雄",
        "孙",
        "吴",
        "曾伟",
        "张",
        "周",
        "Zoe",
        "3M",
    ]
    for sort in ("pinyin", "+pinyin"):
        assert (
            ok("list", "--sort", sort, "-f", "csv", "--fields", "name").splitlines()[1:] == expected
        )
    shown = ok("list", "--sort", "-pinyin", "-f", "csv", "--fields", "name").splitlines()[1:]
    assert shown == expected[::-1]
    # `name` stays the folded name's order, unless the language is Chinese
    by_name = ok("list", "--sort", "name", "-f", "csv", "--fields", "name").splitlines()[1:]
    assert by_name[:3] == ["3M", "Anna Chen", "Zoe"] and by_name[3:5] == ["冯", "刘"]
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert (
        ok("list", "--sort", "name", "-f", "csv", "--fields", "name").splitlines()[1:] == expected
    )
    assert ok("list", "--sort", "-name", "-q").split() == [
        str(names.index(n) + 1) for n in expected[::-1]
    ]
    monkeypatch.setenv("LC_ALL", "C")  # LC_ALL wins over LANG, as in the C library
    assert ok("list", "--sort", "name", "-f", "csv", "--fields", "name").splitlines()[1:] == by_name


def test_the_pinyin_order_follows_renames_undo_and_deletes(db_path):
    add("曾伟")
    add("Bob")
    order = lambda: ok("list", "--sort", "pinyin", "-f", "csv", "--fields", "name").splitlines()[1:]  # noqa: E731
    assert order() == ["Bob", "曾伟"]
    ok("edit", "曾伟", "--name", "艾伟")  # ai wei
    assert order() == ["艾伟", "Bob"]
    ok("undo", "--yes")
    assert order() == ["Bob", "曾伟"]
    ok("delete", "Bob")
    assert order() == ["曾伟"]
    assert ok("list", "--archived", "--sort", "pinyin", "-q") == "2\n"
    ok("forget", "2", "--yes")
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT customer_id FROM search_name_order").fetchall() == [(1,)]
    conn.close()


def test_delete_archives_and_undelete_restores(db_path):
    cid = add("Anna")
    add("Bob")
    assert ok("delete", "Anna") == "Archived customer 1: Anna\n"
    assert ok("list", "-q") == "2\n"
    assert ok("list", "--archived", "-q") == "1\n"
    fails(3, "delete", "Anna")
    assert ok("show", str(cid))  # still readable by id
    assert ok("undelete", "Anna") == "Restored customer 1: Anna\n"
    assert ok("list", "-q") == "1\n2\n"


def test_list_filters_sort_limit_and_formats(db_path):
    add("Anna", "--city", "Shanghai", "--company", "Acme Tech", "--field", "tier=gold")
    add("Bob", "--city", "Beijing", "--company", "Globex")
    add("Carl", "--city", "shanghai", "--email", "carl@example.com")
    assert ok("list", "--where", "city = Shanghai", "-q") == "1\n3\n"
    assert ok("list", "--where", "company ~ tech", "-q") == "1\n"
    assert ok("list", "--where", "city != Shanghai", "-q") == "2\n"
    assert ok("list", "--where", "tier = gold", "-q") == "1\n"
    assert ok("list", "--where", "email ~ carl", "-q") == "3\n"
    assert ok("list", "--where", "id >= 2", "-q") == "2\n3\n"
    assert ok("list", "--city", "beijing", "-q") == "2\n"
    assert ok("list", "--sort", "-name", "-q") == "3\n2\n1\n"
    assert ok("list", "--sort", "-name", "--limit", "1", "-q") == "3\n"
    rows = json.loads(ok("list", "--format", "json"))
    assert [r["name"] for r in rows] == ["Anna", "Bob", "Carl"]
    assert list(rows[0]) == [
        "id", "name", "kind", "company", "title", "city", "region", "country", "phone",
        "email", "source", "stage", "tags", "external_id", "created_at", "updated_at",
    ]  # fmt: skip
    lines = ok("list", "--format", "jsonl").splitlines()
    assert json.loads(lines[2])["email"] == "carl@example.com"
    csv_out = ok("list", "--format", "csv").splitlines()
    assert csv_out[0].startswith("id,name,kind") and csv_out[1].startswith("1,Anna,person")
    assert ok("list", "--format", "tsv").splitlines()[1].startswith("1\tAnna\tperson")
    table = ok("list")
    assert "Anna" in table and "\x1b[" not in table and "│" not in table


def test_list_csv_and_tsv_carry_the_json_rows_cell_for_cell(db_path):
    """CSV and TSV are written straight from SQL (no dict per row): the same cells as the
    JSON rows, lists joined by `; `, None empty, quoting as csv does, under filters, --sort
    and --limit."""
    import csv
    import io

    add("Anna, Jr.", "--city", "Paris", "--phone", "+33 1 42 68 53 00", "--phone",
        "+33 6 12 34 56 78", "--email", "a@example.com", "--notes", 'said "hi"')  # fmt: skip
    add("Bob", "--company", 'Acme, "Ltd"')
    add("Carl", "--city", "Paris")
    ok("tag", "zeta", "1", "3")
    ok("tag", "alpha", "1")
    ok("tag", "Mid", "1")
    for args in ([], ["--city", "paris", "--sort", "-name"], ["--limit", "2"], ["--tag", "zeta"]):
        rows = json.loads(ok("list", "--format", "json", *args))
        expected = [
            ["" if v is None else "; ".join(v) if isinstance(v, list) else str(v)
             for v in row.values()]
            for row in rows
        ]  # fmt: skip
        for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
            text = ok("list", "--format", fmt, *args)
            table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
            assert table[0] == list(rows[0]) if rows else table[0][0] == "id"
            assert table[1:] == expected, (fmt, args)
    first = ok("list", "--format", "csv").splitlines()[1]
    assert first.startswith('1,"Anna, Jr.",person,,,Paris,,,+33142685300,a@example.com,,')
    assert ",alpha; Mid; zeta,," in first
    assert ok("list", "--format", "csv", "-q") == "1\n2\n3\n"


def test_list_of_nothing_prints_nothing(db_path):
    assert ok("list") == ""
    assert ok("list", "-f", "json") == "[]\n"


@pytest.mark.parametrize(
    "payload",
    ["name;DROP TABLE customers", '"', "]", "nmae", "?", "1=1", "nаme", "name) OR (1"],
)
def test_injection_corpus_for_where_and_sort_is_rejected(db_path, payload):
    add("Anna")
    fails(2, "list", "--sort", payload, db=db_path)
    fails(2, "list", "--where", f"{payload} = x", db=db_path)
    fails(2, "list", "--where", payload, db=db_path)


def test_where_values_are_bound_not_interpolated(db_path):
    add("Anna")
    assert ok("list", "--where", "name = x' OR '1'='1", "-q") == ""
    assert ok("list", "--where", "name ~ %", "-q") == ""


def test_control_characters_are_escaped_in_tables(db_path):
    add("Anna", "--notes", "line one\nline two")
    out = ok("show", "1")
    assert "line one\\nline two" in out
    assert json.loads(ok("show", "1", "-f", "json"))["notes"] == "line one\nline two"


@pytest.mark.parametrize("c1", ["\u0085", "\u009b", "\u0080", "\u009f"])
def test_c1_control_characters_are_refused_and_escaped_in_tables(db_path, c1):
    """U+0085 broke a table row in two on a terminal and U+009B began an escape sequence:
    they were accepted (only C0 controls and DEL were refused) and printed raw."""
    add("Anna")
    assert "control character" in fails(2, "add", f"sep{c1}nel", db=db_path)
    assert "control character" in fails(2, "edit", "Anna", "--city", f"x{c1}y", db=db_path)
    conn = sqlite3.connect(db_path)  # another program wrote it
    with conn:
        conn.execute("UPDATE customers SET name = ? WHERE name = 'Anna'", (f"An{c1}na",))
    conn.close()
    out = ok("list", "--format", "table")
    assert c1 not in out and f"An\\x{ord(c1):02x}na" in out


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
def test_line_and_paragraph_separators_are_refused_in_one_line_values(db_path, separator):
    """U+2028 was accepted in a name: a terminal gives it no width, so its row's borders
    landed a column early; it breaks a line where Unicode line breaking applies."""
    assert "control character" in fails(2, "add", f"ls{separator}x", db=db_path)
    add("Anna")
    assert "control character" in fails(2, "edit", "Anna", "--city", f"a{separator}b", db=db_path)


def test_editor_round_trip_and_lost_update_guard(db_path, tmp_path, monkeypatch):
    add("Anna", "--city", "Paris", "--phone", "+33612345678", "--field", "x=1")
    script = tmp_path / "ed.py"
    script.write_text(
        "import os, sys, stat\n"
        "p = sys.argv[1]\n"
        "assert stat.S_IMODE(os.stat(p).st_mode) == 0o600\n"
        "t = open(p).read().replace('city: Paris', 'city: Lyon').replace('field.x: 1', 'field.x: 2')\n"
        "open(p, 'w').write(t.replace('title: ', 'title: Chef'))\n"
    )
    monkeypatch.setenv("EDITOR", f"python3 {script}")
    assert ok("edit", "1", "--editor") == "Updated customer 1.\n"
    card = json.loads(ok("show", "1", "-f", "json"))
    assert (card["city"], card["title"], card["fields"]) == ("Lyon", "Chef", {"x": "2"})
    assert card["phones"] == ["+33612345678"]

    # Someone else saves while the editor is open: the save is refused.
    racer = tmp_path / "race.py"
    racer.write_text(
        "import sqlite3, sys, os\n"
        "c = sqlite3.connect(os.environ['CRM_DB'])\n"
        "c.execute('UPDATE customers SET version = version + 1'); c.commit()\n"
        "p = sys.argv[1]; t = open(p).read().replace('city: Lyon', 'city: Rome')\n"
        "open(p, 'w').write(t)\n"
    )
    monkeypatch.setenv("EDITOR", f"python3 {racer}")
    assert "changed by someone else" in fails(2, "edit", "1", "--editor")
    assert json.loads(ok("show", "1", "-f", "json"))["city"] == "Lyon"


def test_editor_failure_saves_nothing(db_path, monkeypatch):
    add("Anna")
    monkeypatch.setenv("EDITOR", "false")
    assert "exited with status 1" in fails(1, "edit", "1", "--editor", db=db_path)


def test_ids_are_never_reused(db_path):
    add("A")
    add("B")
    conn = sqlite3.connect(db_path)
    conn.execute("DELETE FROM customers WHERE id = 2")
    conn.commit()
    conn.close()
    assert add("C") == 3


def test_an_archived_exact_match_is_reported_not_replaced_by_a_partial_one(db_path):
    add("曾艳")
    add("曾艳英")
    ok("delete", "曾艳")
    err = fails(3, "edit", "曾艳", "--title", "x", db=db_path)
    assert err == "crm: '曾艳' is archived customer 1; 'crm undelete 1' restores it\n"
    assert "is archived customer 1" in fails(3, "edit", "1", "--title", "x", db=db_path)
    assert json.loads(ok("show", "曾艳", "-f", "json"))["id"] == 1  # reads see archived
    assert ok("undelete", "曾艳") == "Restored customer 1: 曾艳\n"


def test_a_number_never_matches_a_name_by_substring(db_path):
    add("Shop 42")
    assert fails(3, "show", "42") == "crm: no customer matches '42'\n"


def test_a_number_that_is_no_id_finds_a_customer_of_that_whole_name(db_path):
    add("Shop 42")
    add("42")
    assert json.loads(ok("show", "42", "-f", "json"))["name"] == "42"
    assert json.loads(ok("show", "2", "-f", "json"))["name"] == "42"  # an id comes first


def test_two_options_cannot_both_read_stdin(db_path):
    err = fails(2, "add", "X", "--notes", "-", "--national-id", "-", input="a\n", db=db_path)
    assert "only one option can read stdin" in err


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("city =~ x", "the value starts with '~'"),
        ("city == = x", "the value starts with '='"),
        ("created_at >= someday", "not a date"),
        ("stage = winner", "unknown stage"),
    ],
)
def test_where_values_are_checked(db_path, expression, message):
    add("Anna", "--city", "x")
    assert message in fails(2, "list", "--where", expression, db=db_path)


def test_where_dates_take_date_words(db_path):
    add("Anna", "--birthday", "1990-05-01")
    assert ok("list", "--where", "created_at >= -1w", "-q") == "1\n"
    assert ok("list", "--where", "created_at < yesterday", "-q") == ""
    assert ok("list", "--where", "birthday < 1991-01-01", "--where", "city == x", "-q") == ""
    assert ok("list", "--where", "birthday < 1991-01-01", "-q") == "1\n"


def test_database_path_that_is_a_directory_or_a_missing_dir(db_path, tmp_path):
    assert "is a directory" in fails(2, "--db", str(tmp_path), "list")
    missing = tmp_path / "no" / "such" / "crm.db"
    assert "no folder" in fails(2, "--db", str(missing), "list")
    assert not missing.parent.exists()


def test_show_csv_carries_nested_values_as_json(db_path):
    referrer = add("Ref")
    add("Anna", "--referred-by", str(referrer))
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(ok("show", "Ref", "-f", "csv"))))
    assert json.loads(rows[0]["referrals"]) == [{"id": 2, "name": "Anna"}]


def test_every_kind_of_change_is_in_the_edit_summary_and_the_dry_run(db_path):
    """`--related friend=#2` changed the record but said "No changes." (and so did
    --remove-related and --kind), and --dry-run showed nothing."""
    add("Anna")
    add("Bob")
    dry = ok("edit", "1", "--related", "friend=#2", "--kind", "org", "--dry-run", "-f", "json")
    assert [(r["field"], r["old"], r["new"]) for r in json.loads(dry)] == [
        ("kind", "person", "organisation"),
        ("related", "", "friend=Bob #2"),
    ]
    assert ok("edit", "1", "--related", "friend=#2") == "Updated customer 1.\n"
    assert ok("edit", "1", "--related", "wife=Mary") == "Updated customer 1.\n"
    assert ok("edit", "1", "--remove-related", "wife") == "Updated customer 1.\n"
    assert ok("edit", "1", "--kind", "org") == "Updated customer 1.\n"
    assert ok("edit", "1", "--kind", "organisation") == "No changes.\n"
    card = json.loads(ok("show", "1", "-f", "json"))
    assert (card["kind"], card["related"]) == (
        "organisation",
        [{"relation": "friend", "name": "Bob", "customer_id": 2}],
    )


def test_the_same_relation_twice_is_no_change_and_removal_takes_the_related_form(db_path):
    """`--related friend=#2` run twice stored the relation twice (three times with
    `Friend=#2`), and `--remove-related` refused the RELATION=#ID form `--related` takes."""
    add("Anna")
    add("Bob")
    ok("edit", "1", "--related", "friend=#2", "--related", "wife=Mary")
    for again in ("friend=#2", "Friend=#2", "wife=Mary"):
        assert ok("edit", "1", "--related", again) == "No changes.\n", again
        assert ok("edit", "1", "--related", again, "--dry-run", "-f", "json") == "[]\n", again
    card = json.loads(ok("show", "1", "-f", "json"))
    assert len(card["related"]) == 2
    fails(2, "edit", "1", "--remove-related", "friend=#3", db=db_path)
    fails(2, "edit", "1", "--remove-related", "wife=Bob", db=db_path)
    assert ok("edit", "1", "--remove-related", "friend=#2") == "Updated customer 1.\n"
    assert ok("edit", "1", "--remove-related", "WIFE=Mary") == "Updated customer 1.\n"
    assert json.loads(ok("show", "1", "-f", "json"))["related"] == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_while_the_editor_runs_removes_the_temp_file(db_path, tmp_path, sig):
    """The temp file holds the customer's data: SIGTERM or SIGHUP used to leave it behind."""
    add("Anna", "--city", "Paris")
    temp, started = tmp_path / "tmp", tmp_path / "started"
    temp.mkdir()
    editor = tmp_path / "editor.sh"
    editor.write_text(f"#!/bin/sh\ntouch '{started}'\nexec sleep 30\n")
    editor.chmod(0o755)
    env = {**os.environ, "EDITOR": str(editor), "TMPDIR": str(temp)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crmcli", "edit", "1", "--editor"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # waiting for the editor to start: nothing else tells
    assert [p.name[:9] for p in temp.iterdir()] == ["crm-edit-"]
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert (proc.returncode, err) == (
        128 + sig,
        f"crm: stopped by {signal.Signals(sig).name}; nothing was saved\n",
    )
    assert list(temp.iterdir()) == []
    assert json.loads(ok("show", "1", "-f", "json"))["city"] == "Paris"


# --- duplicates are caught when they are made ------------------------------------------------


def test_a_second_customer_with_a_taken_email_or_phone_is_refused_from_a_script(cn):
    add("Ann Lee", "--email", "ann@example.com", "--phone", "13800138000")
    err = fails(2, "add", "Annie", "--email", "ANN@Example.COM", db=cn)
    assert err == (
        "crm: Ann Lee (#1) already has ann@example.com; pass --allow-duplicate to add anyway\n"
    )
    err = fails(2, "add", "Annie", "--phone", "+86 138-0013-8000", "--email", "a@x.org", db=cn)
    assert err == (
        "crm: Ann Lee (#1) already has +8613800138000; pass --allow-duplicate to add anyway\n"
    )
    err = fails(2, "add", "Annie", "--phone", "13800138000", "--email", "ann@example.com", db=cn)
    assert err == (
        "crm: Ann Lee (#1) already has ann@example.com; Ann Lee (#1) already has "
        "+8613800138000; pass --allow-duplicate to add anyway\n"
    )
    assert add("Annie", "--email", "Ann@example.com", "--allow-duplicate") == 2
    card = json.loads(ok("show", "2", "-f", "json"))
    assert card["emails"] == ["Ann@example.com"]
    # The refusal names every live customer who has it.
    assert "Ann Lee (#1) already has ann@example.com; Annie (#2) already has Ann@example.com" in (
        fails(2, "add", "Third", "--email", "ann@EXAMPLE.com", db=cn)
    )


def test_archived_customers_do_not_count_as_duplicates(cn):
    add("Old", "--email", "old@example.com", "--phone", "13800138000", "--city", "Paris")
    ok("delete", "1")
    result = crm("add", "Old", "--email", "OLD@example.com", "--phone", "138 0013 8000",
                 "--city", "Paris")  # fmt: skip
    assert (result.exit_code, result.stdout, result.stderr) == (0, "Added customer 2: Old\n", "")
    ok("undelete", "1", "--allow-duplicate")  # two live ones now: crm dedupe finds them
    pairs = json.loads(ok("dedupe", "-f", "json"))
    assert [(p["id"], p["other_id"], p["score"]) for p in pairs] == [(1, 2, 100)]


def _at_a_terminal(monkeypatch, *streams: str) -> None:
    """Make the named standard streams (of the CliRunner run) count as a terminal."""
    from crmcli.cli import customers as customers_cli
    from crmcli.cli import output

    def terminal(stream) -> bool:
        return any(stream is getattr(sys, name) for name in streams)

    monkeypatch.setattr(output, "is_terminal", terminal)
    monkeypatch.setattr(customers_cli, "is_terminal", terminal)


def test_a_duplicate_is_asked_about_on_a_terminal(db_path, monkeypatch):
    add("Ann Lee", "--email", "ann@example.com")
    before = dump(db_path)
    _at_a_terminal(monkeypatch, "stdin", "stderr")
    said_no = crm("add", "Annie", "--email", "ann@example.com", input="n\n")
    assert said_no.exit_code == 1 and "Added" not in said_no.stdout
    assert said_no.stderr.startswith("Ann Lee (#1) already has ann@example.com. Add anyway? [y/N]")
    assert said_no.stderr.endswith("crm: not confirmed; nothing was changed\n")
    assert dump(db_path) == before
    at_end = crm("add", "Annie", "--email", "ann@example.com", input="")  # EOF: a "no"
    assert at_end.exit_code == 1 and at_end.stderr.endswith(
        "crm: not confirmed; nothing was changed\n"
    )  # it said "crm: aborted"
    assert dump(db_path) == before
    said_yes = crm("add", "Annie", "--email", "ann@example.com", input="y\n")
    assert said_yes.exit_code == 0 and said_yes.stdout == "Added customer 2: Annie\n"  # no " "
    assert said_yes.stderr.startswith("Ann Lee (#1) already has ann@example.com. Add anyway?")
    # Edits ask too, as "Save anyway?".
    said = crm("edit", "1", "--email", "annie@example.com", input="n\n")
    assert said.exit_code == 0  # nobody else has it: no question
    said = crm("edit", "2", "--email", "annie@example.com", input="n\n")
    assert said.exit_code == 1 and "Ann Lee (#1) already has annie@example.com. Save anyway?" in (
        said.stderr
    )
    # With --allow-duplicate nothing is asked.
    quiet = crm("add", "Third", "--email", "ann@example.com", "--allow-duplicate", input="")
    assert (quiet.exit_code, quiet.stderr) == (0, "")


def test_a_duplicate_is_refused_when_stderr_is_no_terminal(db_path, monkeypatch):
    """The question goes to stderr: with stderr sent to a file nobody would see it."""
    add("Ann Lee", "--email", "ann@example.com")
    _at_a_terminal(monkeypatch, "stdin")
    assert "pass --allow-duplicate to add anyway" in fails(
        2, "add", "Annie", "--email", "ann@example.com", input="y\n", db=db_path
    )


def test_a_duplicate_is_asked_about_on_a_real_terminal(db_path):
    import pty

    add("Ann Lee", "--phone", "+44 7911 123456")

    def typed(answer: str) -> tuple[int, str, str]:
        master, slave = pty.openpty()
        os.write(master, answer.encode())
        proc = subprocess.Popen(
            [sys.executable, "-m", "crmcli", "add", "Annie", "--phone", "+447911123456"],
            stdin=slave, stderr=slave, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        said = drain(master, slave, proc)
        return proc.wait(timeout=60), proc.communicate()[0], said.decode()

    # (the prompt leaves a space on stdout: typer's confirm does that for every question)
    code, out, said = typed("n\n")
    assert code == 1 and out.strip() == ""
    # the phone as a terminal shows phones (no default_region here: international)
    assert "Ann Lee (#1) already has +44 7911 123456. Add anyway? [y/N]" in said
    assert ids() == [1]
    code, out, said = typed("y\n")
    assert (code, out.strip()) == (0, "Added customer 2: Annie")
    assert ids() == [1, 2]


def test_edit_giving_a_customer_someone_elses_email_or_phone(cn):
    add("Ann", "--email", "ann@example.com", "--phone", "13800138000")
    add("Bob", "--email", "bob@example.com")
    err = fails(2, "edit", "Bob", "--email", "Ann@Example.com", db=cn)
    assert (
        err == "crm: Ann (#1) already has ann@example.com; pass --allow-duplicate to save anyway\n"
    )
    assert "Ann (#1) already has +8613800138000" in fails(
        2, "edit", "Bob", "--set", "phone=138 0013 8000", db=cn
    )
    # --dry-run shows the change, then refuses as the real edit would from a script
    before = dump(cn)
    dry = crm("edit", "Bob", "--phone", "13800138000", "--dry-run", "-f", "csv")
    assert dry.exit_code == 2 and "+8613800138000" in dry.stdout
    assert dry.stderr == (
        "crm: Ann (#1) already has +8613800138000; pass --allow-duplicate to save anyway\n"
    )
    assert dump(cn) == before
    assert "phones" in ok("edit", "Bob", "--phone", "13800138000", "--allow-duplicate",
                          "--dry-run", "-f", "csv")  # fmt: skip
    assert dump(cn) == before
    ok("edit", "Bob", "--phone", "13800138000", "--allow-duplicate")
    # What Bob already has is no news, even though Ann has it too.
    assert ok("edit", "Bob", "--phone", "+86 138 0013 8000", "--city", "Paris") == (
        "Updated customer 2.\n"
    )
    assert ok("edit", "Bob", "--email", "BOB@example.com") == "No changes.\n"


def test_a_bulk_edit_giving_several_customers_one_phone_is_refused(cn):
    for name in ("A", "B", "C"):
        add(name)
    err = fails(2, "edit", "1", "2", "3", "--phone", "13800138000", db=cn)
    assert err == (  # nobody had it: the edit itself would share it
        "crm: the edit would give 3 customers +8613800138000; "
        "pass --allow-duplicate to save anyway\n"
    )
    assert "the edit would give 3 customers team@example.com" in fails(
        2, "edit", "--where", "id > 0", "--email", "team@example.com", db=cn
    )
    assert ok("edit", "1", "--phone", "13800138000") == "Updated customer 1.\n"  # one alone
    ok("edit", "2", "3", "--phone", "13800138000", "--allow-duplicate")
    phones = [json.loads(ok("show", str(i), "-f", "json"))["phones"] for i in (1, 2, 3)]
    assert phones == [["+8613800138000"]] * 3


def test_editing_a_taken_email_in_the_editor_is_refused(db_path, tmp_path, monkeypatch):
    add("Ann", "--email", "ann@example.com")
    add("Bob")
    script = tmp_path / "editor.py"
    script.write_text(
        "import sys\np = sys.argv[1]\n"
        "t = open(p).read().replace('emails: ', 'emails: ANN@example.com')\n"
        "open(p, 'w').write(t)\n"
    )
    monkeypatch.setenv("EDITOR", f"python3 {script}")
    assert fails(2, "edit", "2", "--editor", db=db_path) == (
        "crm: Ann (#1) already has ann@example.com; pass --allow-duplicate to save anyway\n"
    )
    assert ok("edit", "2", "--editor", "--allow-duplicate") == "Updated customer 2.\n"


def test_the_same_name_with_the_same_company_or_city_is_a_warning(db_path):
    add("張偉", "--company", "华为", "--city", "上海")
    add("Ann Lee", "--city", "Paris")
    result = crm("add", "张伟", "--company", "華為")  # simplified and traditional
    assert (result.exit_code, result.stdout) == (0, "Added customer 3: 张伟\n")
    assert result.stderr == (
        "crm: warning: possible duplicate of 張偉 (#1, same name and company 华为); "
        "if they are one customer: crm merge 1 3\n"
    )
    result = crm("add", "lee ann", "--city", "PARIS", "-q")  # word order, case; and -q
    assert (result.exit_code, result.stdout) == (0, "4\n")
    assert result.stderr == (
        "crm: warning: possible duplicate of Ann Lee (#2, same name and city Paris); "
        "if they are one customer: crm merge 2 4\n"
    )
    result = crm("add", "ANN LEE", "--company", "x", "--city", "paris")
    assert result.stderr == (
        "crm: warning: possible duplicate of Ann Lee (#2, same name and city Paris), "
        "lee ann (#4, same name and city PARIS); if they are one customer: crm merge 2 5\n"
    )
    result = crm("add", "Ann Leet", "--city", "Paris")
    assert (result.exit_code, result.stderr) == (0, "")
    ok("delete", "2", "4", "5")  # archived customers are not warned about
    assert crm("add", "Ann Lee", "--city", "Paris").stderr == ""
    assert ids() == [1, 3, 6, 7]


_NAMES = ["曾小贤", "Ann Lee", "Élodie Durand", "王 芳"]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    name=st.sampled_from(_NAMES),
    spelled=st.lists(st.booleans(), min_size=13, max_size=13),
    wide=st.booleans(),
    quiet=st.booleans(),
)
def test_the_very_same_name_alone_is_a_warning_and_the_customer_is_added(
    tmp_path_factory, name, spelled, wide, quiet
):
    """A name a live customer already has (case and full/half width aside, as `crm show
    NAME` reads it) is added, exit 0, its id alone on stdout with -q, and warned about on
    stderr with that customer's id and the merge that would join them; a name that only
    contains it, or a different word order, is not."""
    db = ["--db", str(tmp_path_factory.mktemp("db") / "crm.db")]
    first = int(ok(*db, "add", name, "-q"))
    typed = "".join(
        c.upper() if up else c.lower() for c, up in zip(name, spelled[: len(name)], strict=True)
    )
    if wide:  # full-width letters, as a Chinese input method types them
        typed = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in typed)
    result = crm(*db, "add", typed, *(["-q"] if quiet else []))
    assert result.exit_code == 0, result
    second = first + 1
    assert result.stdout == (f"{second}\n" if quiet else f"Added customer {second}: {typed}\n")
    assert result.stderr == (
        f"crm: warning: possible duplicate of {name} (#{first}, same name); "
        f"if they are one customer: crm merge {first} {second}\n"
    )
    others = {f"{name}x", " ".join(reversed(name.split(" ")))} - {name}
    for other in others:
        assert crm(*db, "add", other).stderr == "", other
    assert len(json.loads(ok(*db, "list", "--format", "json"))) == 2 + len(others)


def test_many_customers_of_one_name_are_named_three_then_counted(db_path):
    for _ in range(5):
        ok("add", "张伟", "-q")
    result = crm("add", "张伟", "--city", "上海")
    assert (result.exit_code, result.stdout) == (0, "Added customer 6: 张伟\n")
    assert result.stderr == (
        "crm: warning: possible duplicate of 张伟 (#1, same name), 张伟 (#2, same name), "
        "张伟 (#3, same name), and 2 more; if they are one customer: crm merge 1 6\n"
    )
    said = crm("--lang", "zh", "add", "张伟")
    assert said.exit_code == 0 and said.stderr == (
        "crm: 警告：可能与张伟（#1，同名）、张伟（#2，同名）、张伟（#3，同名）及另外 3 位重复；"
        "如果是同一客户：crm merge 1 7\n"
    ), said.stderr
    ok("delete", "1", "2", "3", "4", "5", "6", "7")  # archived ones are not warned about
    assert crm("add", "张伟").stderr == ""


def _spelled(text: str, draw_case: list[bool]) -> str:
    return "".join(c.upper() if up else c.lower() for c, up in zip(text, draw_case, strict=True))


@st.composite
def phone_spellings(draw: st.DrawFn) -> str:
    """+8613800138000 as a person might type it: with or without +86, any separators, ASCII
    or full-width digits."""
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "+86-", "(+86) "]))
    out = prefix
    for digit in "13800138000":
        out += draw(st.sampled_from(["", "", " ", "-", "."]))
        out += draw(st.sampled_from([digit, chr(ord(digit) + 0xFEE0)]))
    return out


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    case=st.lists(st.booleans(), min_size=19, max_size=19),
    space=st.sampled_from(["", " ", "  "]),
    phone=phone_spellings(),
)
def test_any_spelling_of_a_taken_email_or_phone_is_caught(cn, case, space, phone):
    if not ids():
        add("Ann Lee", "--email", "ann.lee@example.com", "--phone", "13800138000")
    email = space + _spelled("ann.lee@example.com", case) + space
    assert fails(2, "add", "Other", "--email", email).endswith(
        "Ann Lee (#1) already has ann.lee@example.com; pass --allow-duplicate to add anyway\n"
    )
    assert fails(2, "add", "Other", "--phone", phone) == (
        "crm: Ann Lee (#1) already has +8613800138000; pass --allow-duplicate to add anyway\n"
    )
    assert ids() == [1]


def test_undelete_checks_the_emails_and_phones_it_brings_back(cn):
    """A customer restored after another was given its email made two live customers share
    it, with no question."""
    ok("add", "Old", "--email", "zw@x.com", "--phone", "13800138000")
    ok("delete", "1", "--yes")
    ok("add", "New", "--email", "ZW@x.com")
    err = fails(2, "undelete", "1", db=cn)
    assert err == "crm: New (#2) already has ZW@x.com; pass --allow-duplicate to restore anyway\n"
    assert ok("undelete", "1", "--allow-duplicate") == "Restored customer 1: Old\n"
    assert ids() == [1, 2]


def test_emails_typed_in_full_width_are_the_same_email(cn):
    ok("add", "A", "--email", "zw@example.com")
    err = fails(2, "add", "B", "--email", "ｚｗ@example.com", db=cn)
    assert "A (#1) already has zw@example.com" in err


def test_birthdays_in_full_width_digits_and_apples_no_year(cn):
    ok("add", "FW", "--birthday", "--０５-１３")
    ok("add", "Apple", "--birthday", "1604-07-15")  # Apple's year for "not known"
    born = {c["name"]: json.loads(ok("show", str(c["id"]), "-f", "json"))["birthday"]
            for c in json.loads(ok("list", "-f", "json"))}  # fmt: skip
    assert born == {"FW": "--05-13", "Apple": "--07-15"}


def test_service_numbers_are_no_duplicates(cn):
    ok("add", "Bank", "--phone", "95555")
    ok("add", "Bank branch", "--phone", "95555")
    assert ids() == [1, 2]


def test_an_edit_that_makes_a_likely_duplicate_warns(cn):
    """Only crm add warned: moving a customer to the city of another of the same name said
    nothing."""
    ok("add", "Zhang Wei", "--city", "上海")
    ok("add", "zhang wei", "--city", "北京")
    result = crm("edit", "2", "--city", "上海")
    assert result.exit_code == 0 and result.stdout == "Updated customer 2.\n"
    assert result.stderr == (
        "crm: warning: #2 is now a possible duplicate of Zhang Wei (#1, same name and city 上海); "
        "if they are one customer: crm merge 1 2\n"
    )
    assert crm("edit", "2", "--title", "CEO").stderr == ""  # name, company, city untouched


def test_an_ambiguous_birthday_hint_uses_the_numbers_typed_and_asks_for_the_year(db_path):
    err = fails(2, "add", "X", "--birthday", "1/4", db=db_path)
    assert err == (
        "crm: ambiguous date '1/4': 4 Jan or 1 Apr? write it with its year, "
        "YYYY-01-04 or YYYY-04-01\n"
    )
    err = fails(2, "add", "X", "--birthday", "1/4/1990", db=db_path)
    assert "write 1990-01-04 or 1990-04-01 instead" in err


@pytest.mark.parametrize(
    ("birthday", "echo"),
    [
        ("5/13/1990", ", born Sun 1990-05-13"),
        ("--05-13", ", born --05-13, year not known"),
        ("lunar:1990-10-15", ", born Sat 1990-12-01 (lunar 1990-10-15)"),
    ],
)
def test_add_and_edit_echo_the_birthday_understood(db_path, birthday, echo):
    assert ok("add", "Anna", "--birthday", birthday) == f"Added customer 1: Anna{echo}\n"
    assert ok("edit", "1", "--birthday", "13 May 1991") == (
        "Updated customer 1, born Mon 1991-05-13.\n"
    )
    assert ok("edit", "1", "--city", "Oslo") == "Updated customer 1.\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--created-since", "3pm"], "crm: --created-since takes a day, not a time of day: '3pm'"),
        (["--created-until", "2026-11-20T09:30"], "write the day alone, e.g. 2026-11-20\n"),
        (["--where", "created_at > Yesterday 3pm"], "write the day alone, e.g. Yesterday\n"),
        (["--where", "last_contact_on >= 明天下午3点"], "last_contact_on takes a day"),
    ],
)
def test_a_day_filter_refuses_a_time_rather_than_dropping_it(db_path, args, message):
    add("Anna")
    assert message in fails(2, "list", *args, db=db_path)


def test_a_backslash_in_a_value_survives_the_editor(db_path, tmp_path, monkeypatch):
    """`C:\\new` in the notes came back with a line break when only the city was changed."""
    add("Anna", "--city", "Paris")
    ok("edit", "1", "--set", "notes=路径 C:\\new\\data\\", "--field", "dir=a\\tb")
    script = tmp_path / "ed.py"
    script.write_text(
        "import sys\np = sys.argv[1]\n"
        "t = open(p).read().replace('city: Paris', 'city: Lyon')\n"
        "open(p, 'w').write(t)\n"
    )
    monkeypatch.setenv("EDITOR", f"python3 {script}")
    assert ok("edit", "1", "--editor") == "Updated customer 1.\n"
    card = json.loads(ok("show", "1", "-f", "json"))
    assert (card["city"], card["notes"]) == ("Lyon", "路径 C:\\new\\data\\")
    assert card["fields"] == {"dir": "a\\tb"}


def test_a_backslash_typed_in_the_editor_is_kept_unless_it_escapes(db_path, tmp_path, monkeypatch):
    add("Anna")
    script = tmp_path / "ed.py"
    script.write_text(
        "import sys\np = sys.argv[1]\n"
        "t = open(p).read().replace('notes: ', 'notes: C:\\\\data 1\\\\n2 \\\\\\\\n')\n"
        "open(p, 'w').write(t)\n"
    )
    monkeypatch.setenv("EDITOR", f"python3 {script}")
    assert ok("edit", "1", "--editor") == "Updated customer 1.\n"
    assert json.loads(ok("show", "1", "-f", "json"))["notes"] == "C:\\data 1\n2 \\n"


# Text a one-line value may hold: the store strips a value's ends and refuses the line
# breaks other than \n and \r; backslashes, escapes' letters and Chinese come often.
ONE_VALUE = st.text(
    st.one_of(
        st.sampled_from(list("\\\\nrt\n\r\t 路径客户:：#,")),
        st.characters(
            blacklist_categories=("Cs",),
            blacklist_characters="\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
        ),
    ),
    min_size=1,
).filter(lambda text: text.strip() == text)


@settings(max_examples=300)
@given(ONE_VALUE, st.sampled_from(["en", "zh"]))
def test_the_editor_form_reads_back_any_value_exactly(text, language):
    from crmcli.cli import editing
    from crmcli.core.i18n import reset, use

    blank = {key: None for key in editing.EDITABLE}
    blank |= {"id": 1, "name": "Anna", "phones": [], "emails": [], "fields": {"x": "old"}}
    token = use(language)
    try:
        form = editing.render(blank | {"notes": text, "fields": {"x": text}})
        changes = editing.parse(form, blank)
    finally:
        reset(token)
    assert (changes.values, changes.fields, changes.unset) == ({"notes": text}, [f"x={text}"], [])


@pytest.mark.parametrize(
    ("language", "line", "said"),
    [
        ("en", "城市: 广州", "crm: line {n}: 城市 given twice\n"),
        ("zh", "city: 广州", "crm: 第 {n} 行：city 重复填写\n"),
        ("en", "field.x: 2", "crm: line {n}: field.x given twice\n"),
        ("zh", "字段.x：2", "crm: 第 {n} 行：字段.x 重复填写\n"),
    ],
)
def test_a_field_written_twice_in_the_editor_is_refused(
    db_path, tmp_path, monkeypatch, language, line, said
):
    add("Anna", "--city", "上海", "--field", "x=1")
    form = tmp_path / "form.txt"
    script = tmp_path / "ed.py"
    script.write_text(
        f"import sys, shutil\np = sys.argv[1]\nshutil.copy(p, {str(form)!r})\n"
        f"open(p, 'a').write({line!r} + '\\n')\n"
    )
    monkeypatch.setenv("EDITOR", f"python3 {script}")
    stderr = fails(2, "--lang", language, "edit", "1", "--editor", db=db_path)
    assert stderr == said.format(n=len(form.read_text().splitlines()) + 1)


def test_a_user_field_named_as_a_built_in_field_is_refused(db_path):
    add("丙", "--city", "北京")
    # a key, a header in English or Chinese, a derived class, region's former header 地区
    for name, field in (("编号", "id"), ("城市", "city"), ("City", "city"), ("地区", "region"),
                        ("lifecycle", "lifecycle"), ("省份", "region"),
                        # headers two built-ins share (phone and phones)
                        ("电话", "phone"), ("邮箱", "email"), ("标签", "tag")):  # fmt: skip
        said = fails(2, "edit", "1", "--field", f"{name}=x", db=db_path)
        assert said.startswith(f"crm: '{name}' is the name of the built-in field {field}: ")
        assert fails(2, "edit", "1", "--set", f"field.{name}=x", db=db_path) == said
    said = fails(2, "--lang", "zh", "edit", "1", "--field", "地区=华南", db=db_path)
    assert "省份（region）" in said and "--set region=" in said
    said = fails(2, "--lang", "zh", "edit", "1", "--field", "城市=北京", db=db_path)
    assert "请用 --set 城市=值 设置它" in said, said  # as typed: --set takes the header
    assert "--set" not in fails(2, "edit", "1", "--field", "编号=A-3", db=db_path)
    ok("edit", "1", "--field", "区县=海淀区", "--field", "vip_level=2")  # fields of one's own
    assert person(1)["fields"] == {"district": "海淀区", "vip_level": "2"}


def test_built_in_fields_win_over_a_user_field_of_their_name_in_an_older_file(db_path):
    add("甲", "--city", "北京")
    add("乙", "--city", "上海")
    conn = sqlite3.connect(db_path)  # as a crm that took such names kept them
    with conn:
        conn.execute(
            "INSERT INTO customer_fields (customer_id, key, value) VALUES (2, '城市', '滨江')"
        )
        conn.execute(
            "INSERT INTO customer_fields (customer_id, key, value) VALUES (2, '编号', 'A')"
        )
    conn.close()
    listed = json.loads(ok("list", "--fields", "编号,姓名,城市", "--format", "json"))
    assert listed == [
        {"id": 1, "name": "甲", "city": "北京"},
        {"id": 2, "name": "乙", "city": "上海"},
    ]
    assert ids("--where", "城市 = 北京") == [1] and ids("--sort", "-城市") == [1, 2]
    ok("edit", "2", "--set", "城市=广州")
    assert person(2)["city"] == "广州" and person(2)["fields"] == {"城市": "滨江", "编号": "A"}
    ok("edit", "2", "--field", "城市=西湖")  # the field it holds stays its own to change
    assert person(2)["fields"]["城市"] == "西湖"
    card = ok("--lang", "zh", "show", "2")  # on the card by the name that reaches it
    assert "field.城市" in card and "field.编号" in card and "西湖" in card, card
    err = fails(2, "edit", "2", "--field", "城市= ")  # and to remove, as the template names it
    assert err == "crm: field 城市 cannot be empty; to remove it: --unset field.城市\n"
    ok("edit", "2", "--unset", "field.城市")
    assert person(2)["city"] == "广州" and person(2)["fields"] == {"编号": "A"}
    assert fails(2, "edit", "2", "--unset", "field.城市") == "crm: customer 2 has no field '城市'\n"
    assert fails(2, "edit", "2", "--field", "field.vip=1") == (  # field.vip is vip's name
        "crm: 'field.vip': a field's name cannot start with field.; name it 'vip'\n"
    )
    assert "cannot start with field." in fails(2, "edit", "2", "--field", "Field.vip=1")
    err = fails(2, "edit", "2", "--field", "编号=")
    assert err.endswith("--unset field.编号\n")
    ok("edit", "2", "--field", "vip=1")
    assert fails(2, "edit", "2", "--field", "vip=").endswith("to remove it: --unset vip\n")
    ok("edit", "2", "--unset", "field.vip")
    assert person(2)["fields"] == {"编号": "A"} and person(2)["city"] == "广州"


def test_the_built_in_fields_and_saved_filters_are_those_the_filters_know():
    from crmcli.records import customers, filters

    assert [f for f in filters.WHERE_FIELDS if customers.builtin_field(f) != f] == []
    assert tuple((t, c) for t, c, _owner in filters.STORED) == customers.SAVED_FILTERS


def test_one_field_given_two_values_in_one_edit_is_refused(db_path):
    """`--set 地区=浙江 --set region=江苏`, `--region 浙江 --set region=江苏`, `--set region=浙江
    --unset region`, `--field vip=2 --unset vip`: which should win is not for crm to guess
    (the last given won, or the unset, silently); refused, nothing changed."""
    add("甲", "--region", "广东", "--field", "vip=1")
    before = person(1)
    for args, said in (
        (["--set", "地区=浙江", "--set", "region=江苏"], "crm: region is given twice\n"),
        (["--region", "浙江", "--set", "region=江苏"], "crm: region is given twice\n"),
        (["--set", "region=浙江", "--unset", "region"], "crm: region is both set and unset\n"),
        (["--unset", "省份", "--set", "省份=福建"], "crm: 省份 is both set and unset\n"),
        (["--field", "vip=2", "--unset", "vip"], "crm: field vip is both set and unset\n"),
        (["--field", "vip=2", "--field", "vip=3"], "crm: field vip is given twice\n"),
    ):
        assert fails(2, "edit", "1", *args) == said, args
    assert person(1) == before
    zh = fails(2, "--lang", "zh", "edit", "1", "--set", "地区=浙江", "--set", "region=江苏")
    assert zh == "crm: 省份写了两次\n"


# --- a birthday is a day a person was born on -------------------------------------------------

_RELATIVE_WORDS = ["today", "yesterday", "tomorrow", "now", "今天", "昨天", "前天", "明天",
                   "monday", "fri", "last monday", "next fri", "本月1日"]  # fmt: skip
_RELATIVE_DAYS = st.one_of(
    st.sampled_from(_RELATIVE_WORDS),
    st.integers(1, 400).map(lambda n: f"{n} days ago"),
    st.integers(1, 400).map(lambda n: f"{n}天前"),
    st.integers(1, 60).map(lambda n: f"in {n} days"),
    st.integers(1, 60).map(lambda n: f"-{n}w"),
    st.integers(1, 60).map(lambda n: f"+{n}d"),
    st.sampled_from("一二三四五六日").flatmap(
        lambda day: st.sampled_from([f"上周{day}", f"下周{day}", f"周{day}"])
    ),
)


@settings(max_examples=60, deadline=None)
@given(_RELATIVE_DAYS)
def test_a_day_said_relative_to_today_is_no_birthday(relative):
    """`today`, `3天前`, `下周一` were stored as the day they named when typed (a birthday
    of today, three days ago): refused with the forms a birthday is written in."""
    from datetime import date

    from crmcli.core.errors import InvalidInput
    from crmcli.records.customers import birthday_values

    with pytest.raises(InvalidInput) as refused:
        birthday_values(relative, date(2026, 11, 22))
    assert refused.value.message == (
        f"birthday {relative!r} is not a date; write a birthday as 1990-05-07 or 1990年5月7日, "
        "as --05-07 when the year is not known, or a lunar one as 农历1990年八月十五 "
        "(lunar:1990-08-15)"
    )


@pytest.mark.parametrize("relative", ["today", "3天前", "下周一", "yesterday"])
def test_add_edit_set_and_import_refuse_a_relative_birthday(db_path, tmp_path, relative):
    who = str(add("甲", "--birthday", "1990-05-07"))
    said = f"crm: birthday '{relative}' is not a date; write a birthday as 1990-05-07"
    assert fails(2, "add", "乙", "--birthday", relative, db=db_path).startswith(said)
    assert fails(2, "edit", who, "--birthday", relative, db=db_path).startswith(said)
    assert fails(2, "edit", who, "--set", f"birthday={relative}", db=db_path).startswith(said)
    zh = fails(2, "--lang", "zh", "add", "乙", "--birthday", relative, db=db_path)
    assert zh.startswith(f"crm: 生日“{relative}”不是日期；生日请写成 1990-05-07"), zh
    sheet = tmp_path / "b.csv"
    sheet.write_text(f"姓名,生日\n乙,{relative}\n", encoding="utf-8")
    result = crm("import", "customers", str(sheet))
    assert result.exit_code == 2 and f"'{relative}' (column 生日) is not a date" in result.stderr
    assert person(int(who))["birthday"] == "1990-05-07"


@settings(max_examples=80, deadline=None)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 11, 22)), st.booleans())
def test_a_calendar_date_is_a_birthday_whenever_it_is_read(day, chinese):
    """What is refused as relative is only that: a date written in full is the birthday."""
    from crmcli.records.customers import birthday_values

    typed = f"{day.year}年{day.month}月{day.day}日" if chinese else day.isoformat()
    assert birthday_values(typed, date(2026, 11, 22))["birthday"] == day.isoformat()


@settings(max_examples=80, deadline=None)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2000, 12, 31)), st.booleans())
def test_the_example_a_day_without_its_year_is_given_is_a_real_date(day, chinese):
    """`2月29日` was told to write 1990-02-29, a day that does not exist: the example year
    has every month and day the user may type (29 February is a leap year's)."""
    import re

    from crmcli.core.errors import InvalidInput
    from crmcli.records.customers import birthday_values

    typed = f"{day.month}月{day.day}日" if chinese else f"{day:%b} {day.day}"
    with pytest.raises(InvalidInput) as refused:
        birthday_values(typed, date(2026, 11, 22))
    said = refused.value.message
    iso, year = re.search(r"as (\d{4}-\d\d-\d\d) or (\d{4})年", said).groups()
    assert date.fromisoformat(iso) == date(int(year), day.month, day.day), said
    assert f"{year}年{day.month}月{day.day}日" in said and f"--{day:%m-%d}" in said


def test_a_29_february_without_its_year_is_shown_in_a_leap_year(db_path):
    said = fails(2, "add", "X", "--birthday", "2月29日", db=db_path)
    assert "as 1992-02-29 or 1992年2月29日, or as --02-29" in said
    zh = fails(2, "--lang", "zh", "add", "X", "--birthday", "2月29日", db=db_path)
    assert "写成 1992-02-29、1992年2月29日 都可以" in zh


# --- a new name another customer has ----------------------------------------------------------

SAME_NAME = (
    "crm: warning: #{mine} is now a possible duplicate of 张伟 (#{other}, same name); if they "
    "are one customer: crm merge {other} {mine}\n"
)


@pytest.mark.parametrize(
    "how", [["--name", "张伟"], ["--set", "name=张伟"], ["--set", "姓名=张伟"]]
)
def test_renaming_a_customer_to_another_live_ones_name_warns_as_add_does(db_path, how):
    """`crm add 张伟` beside a live 张伟 warns; `crm edit --name 张伟` said nothing, so that
    `crm show 张伟` would now have to choose without anyone having been told."""
    other, mine = add("张伟", "--city", "上海"), add("张三", "--city", "北京")
    result = crm("edit", str(mine), *how)
    assert result.exit_code == 0 and result.stdout == f"Updated customer {mine}.\n"
    assert result.stderr == SAME_NAME.format(mine=mine, other=other)
    zh = crm("--lang", "zh", "edit", str(mine), "--name", "张伟 ")  # the same name: no warning
    assert zh.exit_code == 0 and zh.stderr == ""
    assert crm("edit", str(mine), "--city", "广州").stderr == ""  # name untouched


def test_no_warning_of_an_archived_namesake_or_the_same_name(db_path):
    gone, mine = add("张伟"), add("张三")
    ok("delete", str(gone), "--yes")
    assert crm("edit", str(mine), "--name", "张伟").stderr == ""
    assert crm("edit", str(mine), "--name", "张伟").stderr == ""


def test_an_import_that_renames_a_customer_to_another_ones_name_warns(db_path, tmp_path):
    other, mine = add("张伟"), add("张三", "--external-id", "K7")
    sheet = tmp_path / "rename.csv"
    sheet.write_text("external_id,姓名\nK7,张伟\n", encoding="utf-8")
    result = crm("import", "customers", str(sheet))
    assert result.exit_code == 0 and "1 updated" in result.stderr, result.stderr
    said = SAME_NAME.format(mine=mine, other=other).removeprefix("crm: warning: ")
    assert f"crm: warning: row 2: {said}" in result.stderr, result.stderr
    again = crm("import", "customers", str(sheet))  # unchanged: no warning
    assert again.exit_code == 0 and "is now a possible duplicate" not in again.stderr


def test_renaming_in_the_editor_to_another_live_ones_name_warns(db_path, tmp_path, monkeypatch):
    other, mine = add("张伟"), add("张三")
    script = tmp_path / "ed.py"
    script.write_text(
        "import sys\np = sys.argv[1]\n"
        "t = open(p, encoding='utf-8').read().replace('张三', '张伟')\n"
        "open(p, 'w', encoding='utf-8').write(t)\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDITOR", f"python3 {script}")
    result = crm("edit", str(mine), "--editor")
    assert result.exit_code == 0 and result.stdout == f"Updated customer {mine}.\n"
    assert result.stderr == SAME_NAME.format(mine=mine, other=other)
    assert crm("edit", str(mine), "--editor").stderr == ""  # the name left as it is


@pytest.mark.parametrize(
    "args",
    [["add", "B", "--birthday", ""], ["add", "B", "--birthday", "  "],
     ["edit", "1", "--set", "生日="], ["edit", "1", "--set", "birthday= "],
     ["edit", "1", "--birthday", ""]],
)  # fmt: skip
def test_an_empty_birthday_gets_the_birthdays_advice(db_path, args):
    """An empty birthday was told a task's dates (today, tomorrow, fri, next fri), all of which
    a birthday refuses: it is told a birthday's forms, and --unset to remove one, as an empty
    --field is; nothing changes."""
    ok("add", "Anna", "--birthday", "1990-05-07")
    before = dump(db_path)
    assert fails(2, *args, db=db_path) == (
        "crm: empty birthday; write it as 1990-05-07 or 1990年5月7日, or as --05-07 when the "
        "year is not known; to remove one: --unset birthday\n"
    )
    assert dump(db_path) == before
    ok("edit", "1", "--unset", "birthday")
    assert json.loads(ok("show", "1", "-f", "json"))["birthday"] is None


def test_a_rename_warning_lists_namesakes_as_add_does_once_per_group(db_path, tmp_path):
    """The namesakes of a renamed customer are said one way everywhere (three, then `and N
    more`: crm edit listed all, an import three and no more); a change of case or width
    alone (it matched the same names before) is no warning; renaming a group to one name is
    one warning, not two suggesting opposite merges."""
    for name in ("Carol Smith", "carol smith", "Zed", "Zed2", "Ann", *["Dup"] * 5):
        add(name)
    said = crm("edit", "1", "--name", "carol smith")
    assert said.exit_code == 0 and said.stderr == ""
    said = crm("edit", "1", "--name", "ＣＡＲＯＬ Smith")
    assert said.exit_code == 0 and said.stderr == ""
    said = crm("edit", "3", "4", "--name", "Zed Same")
    assert said.exit_code == 0
    assert said.stderr == (
        "crm: warning: #3 is now a possible duplicate of Zed Same (#4, same name); if they "
        "are one customer: crm merge 4 3\n"
    )
    listed = (
        "Dup (#6, same name), Dup (#7, same name), Dup (#8, same name), and 2 more; if they "
        "are one customer: crm merge 6 5"
    )
    said = crm("edit", "5", "--name", "Dup")
    assert said.stderr == f"crm: warning: #5 is now a possible duplicate of {listed}\n"
    ok("edit", "5", "--name", "Ann")
    sheet = tmp_path / "c.csv"
    sheet.write_text("id,name\n5,Dup\n", encoding="utf-8")
    said = crm("import", "customers", str(sheet), "--key", "id")
    assert f"row 2: #5 is now a possible duplicate of {listed}" in said.stderr, said.stderr


def test_edit_help_says_a_rename_to_a_namesake_warns_as_it_does(db_path):
    """`crm edit --help` said what happens to a shared email or phone but not to a shared
    name, which `crm add --help` says: both languages say it, and it is what happens."""
    english = " ".join(ok("edit", "--help").split())
    assert "a new name another live customer has is a warning" in english
    chinese = "".join(ok("--lang", "zh", "edit", "--help").split())
    assert "改成其他在用客户已有的名字时给出警告，并提示合并两人所用的“crmmerge”" in chinese
    first, second = add("张伟"), add("李娜")
    result = crm("edit", str(second), "--name", "张伟")
    assert result.exit_code == 0 and result.stdout == f"Updated customer {second}.\n"
    assert result.stderr == (
        f"crm: warning: #{second} is now a possible duplicate of 张伟 (#{first}, same name); "
        f"if they are one customer: crm merge {first} {second}\n"
    )
