"""crm search and the search index: CJK substrings, pinyin, phones, accents, ranking, and the
index following every change (edit, archive, merge and forget done with plain SQL)."""

import json
import re
import sqlite3
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.core import searchtext
from crmcli.core.errors import CrmError
from crmcli.store import search
from crmcli.store.db import connect
from tests.conftest import add, crm, fails, filled_once, ok


def found(*args: str) -> list[tuple[str, int]]:
    """(source, id) of each result of `crm search ARGS`, in rank order."""
    rows = json.loads(ok("search", *args, "-f", "json"))
    return [(r["source"], r["id"]) for r in rows]


def customers_found(*args: str) -> list[int]:
    return [i for source, i in found(*args) if source == "customer"]


def index_problems(db_path) -> list[str]:
    conn = connect(db_path, write=True)  # FTS5 'integrity-check' is written as an INSERT
    try:
        return search.check(conn)
    finally:
        conn.close()


@pytest.fixture
def people(db_path):
    return filled_once(db_path, _fill_people)


def _fill_people() -> dict[str, int]:
    ok("config", "set", "default_region", "CN")
    ids = {
        "zhangwei": add("张伟", "--phone", "13800138000", "--company", "华为", "--city", "杭州"),
        "zhangwen": add("张文", "--city", "上海", "--notes", "喜欢蓝色的型号"),
        "chloe": add("Chloé Dubois", "--email", "chloe@example.fr", "--city", "Paris"),
        "muller": add("Anna Müller", "--company", "Société Générale", "--phone", "+49 30 1234567"),
        "london": add("Tom Brown", "--phone", "+44 20 7946 0000", "--field", "wechat=tb_88"),
    }
    ok("log", "meeting", "张伟", "在杭州展会上聊了蓝色型号，想要报价")
    ok("log", "call", "Tom Brown", "Wants the BLUE model; call back after the fair")
    ok("buy", "张伟", "蓝色型号 X1", "1299", "--currency", "CNY")
    return ids


# --- matching ---------------------------------------------------------------------------


def test_cjk_substrings_of_two_and_more_characters(people):
    assert customers_found("张伟") == [people["zhangwei"]]
    assert set(customers_found("张")) == {people["zhangwei"], people["zhangwen"]}
    assert customers_found("杭州") == [people["zhangwei"]]
    # three characters and more go through the trigram index, inside text without spaces
    assert ("interaction", 1) in found("展会上")
    assert ("interaction", 1) in found("蓝色型号")
    assert ("purchase", 1) in found("蓝色型号")
    assert customers_found("蓝色的") == [people["zhangwen"]]


def test_every_word_must_match(people):
    assert found("杭州 蓝色") == [("interaction", 1)]
    assert found("杭州 nothing-like-this") == []


def test_pinyin_and_initials(people):
    assert customers_found("zhangwei") == [people["zhangwei"]]
    assert customers_found("zhang wei") == [people["zhangwei"]]
    assert customers_found("ZhangWei") == [people["zhangwei"]]
    assert customers_found("zw") == [people["zhangwei"], people["zhangwen"]] or set(
        customers_found("zw")
    ) == {people["zhangwei"], people["zhangwen"]}
    assert customers_found("zhangwen") == [people["zhangwen"]]


def test_pinyin_of_a_surname_with_several_readings(db_path):
    cid = add("曾小明")
    assert customers_found("zengxiaoming") == [cid]
    assert customers_found("cengxiaoming") == [cid]
    assert customers_found("zxm") == [cid]
    assert searchtext.name_pinyin("绿") == "lv lu l"
    assert searchtext.name_pinyin("Anna") == ""


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("曾小明", "zeng xiao ming"),  # not ceng
        ("单田芳", "shan tian fang"),
        ("解缙", "xie jin"),
        ("仇英", "qiu ying"),
        ("区永", "ou yong"),
        ("朴树", "piao shu"),
        ("查良镛", "zha liang yong"),
        ("盖聂", "ge nie"),
        ("乐嘉", "yue jia"),
        ("尉迟恭", "yu chi gong"),  # two-character surnames first
        ("万俟卨", "mo qi xie"),
        ("长孙无忌", "zhang sun wu ji"),
        ("召忽", "shao hu"),
        ("缪斯", "miao si"),
        ("覃明", "qin ming"),
        ("种师道", "chong shi dao"),
        ("秘书", "bi shu"),  # read as a name: the first character is a surname
        ("折克行", "she ke xing"),
        ("员半千", "yun ban qian"),
        ("黑齿常之", "he chi chang zhi"),
        ("繁钦", "po qin"),
        ("翟天临", "zhai tian lin"),
        ("句龙", "gou long"),
        ("吕布", "lv bu"),
        ("Anna Chen", "anna chen"),
        ("Émile Zola", "emile zola"),
        ("张 Anna", "zhang anna"),
        ("3M", "~3m"),
        ("", "~"),
    ],
)
def test_sort_key_reads_surnames_as_surnames(name, key):
    assert searchtext.sort_key(name) == f"{key}\t{searchtext.fold(name)}"


def test_names_read_by_character_read_as_the_whole_name_reads():
    """The pinyin of a name is read a character at a time and kept per character (an
    import of a million names meets a few thousand): the same readings as pypinyin reading
    the whole name, for Chinese alone, mixed with Latin, and characters without pinyin."""
    import random

    from pypinyin import Style, lazy_pinyin

    rng = random.Random(23)
    han = [chr(c) for c in range(0x4E00, 0x9FFF)] + [chr(c) for c in range(0x2FFF0, 0x30010)]
    names = ["".join(rng.choice(han) for _ in range(rng.randint(1, 4))) for _ in range(3000)]
    names += ["单𠀀", "\U00030000\U00030001", "李\U00030000安", "张a伟", "王 Fang", "曾"]
    for name in names:
        rest = name[len(name) - len(name.lstrip()) :]
        words = searchtext.sort_key(name).split("\t")[0].lstrip("~").split()
        if rest[:2] in searchtext.SURNAME_READINGS or rest[:1] in searchtext.SURNAME_READINGS:
            continue  # read by the surname table, above
        whole = [w for p in lazy_pinyin(rest, style=Style.NORMAL) for w in
                 re.findall(r"\w+", searchtext.fold(p))]  # fmt: skip
        assert words == whole, name
    assert searchtext.sort_key("李\U00030000安") == "li \U00030000 an\t李\U00030000安"


def test_sort_keys_order_syllable_by_syllable_and_letters_with_chinese():
    names = ["连", "李安", "Lia", "刘", "Liu Bei", "阿三", "Zoe", "张三", "张", "_x"]
    assert sorted(names, key=searchtext.sort_key) == [
        "阿三", "李安", "Lia", "连", "刘", "Liu Bei", "张", "张三", "Zoe", "_x",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "query",
    ["138 0013", "1380013", "+86 138-0013-8000", "(138) 0013 8000", "13800138000", "8000"],
)
def test_phone_fragments_in_any_format(people, query):
    assert customers_found(query) == [people["zhangwei"]]


def test_phone_fragment_with_a_national_trunk_zero(people):
    assert customers_found("020 7946") == [people["london"]]


def test_phone_snippet_highlights_the_digits_in_the_stored_number(people):
    row = json.loads(ok("search", "138 0013", "-f", "json"))[0]
    assert row["field"] == "phone" and row["snippet"] == "+8613800138000"
    assert row["marked"] == "+86[1380013]8000"
    assert row["highlights"] == [[3, 10]]


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("chloe", "chloe"),
        ("CHLOÉ", "chloe"),
        ("dubois", "chloe"),
        ("muller", "muller"),
        ("MÜLLER", "muller"),
        ("societe generale", "muller"),
        ("Générale", "muller"),
        ("ＡＮＮＡ", "muller"),  # full-width letters fold too
    ],
)
def test_accents_case_and_width_do_not_matter(people, query, who):
    assert customers_found(query) == [people[who]]


def test_accented_snippet_keeps_the_original_text(people):
    row = json.loads(ok("search", "chloe", "-f", "json"))[0]
    assert row["snippet"] == "Chloé Dubois" and row["marked"] == "[Chloé] Dubois"


def test_emails_fields_and_case_in_interactions(people):
    assert customers_found("chloe@example") == [people["chloe"]]
    assert customers_found("tb_88") == [people["london"]]
    assert found("blue model", "--in", "interactions") == [("interaction", 2)]


def test_sql_like_wildcards_are_plain_text(people):
    assert found("%") == []
    assert customers_found("_") == [people["london"]]  # wechat=tb_88
    assert customers_found("b_8") == [people["london"]]


# --- ranking ----------------------------------------------------------------------------


def test_name_matches_rank_above_notes_and_records(db_path):
    in_notes = add("Li Lei", "--notes", "met Zhao Min at the fair")
    named = add("Zhao Min")
    ok("log", "note", "Li Lei", "Zhao Min was there too")
    results = found("zhao min")
    assert results[0] == ("customer", named)
    assert results.index(("customer", in_notes)) > 0
    ranks = [r["rank"] for r in json.loads(ok("search", "zhao min", "-f", "json"))]
    assert ranks == list(range(1, len(ranks) + 1))


def test_short_terms_rank_name_matches_first(db_path):
    noted = add("Someone", "--notes", "认识王芳")
    named = add("王芳")
    assert customers_found("王芳") == [named, noted]


def test_more_matches_of_a_term_rank_higher(db_path):
    ok("add", "Seed")
    ok("log", "note", "Seed", "blue")
    ok("log", "note", "Seed", "blue blue blue, the blue one")
    ok("log", "note", "Seed", "a long text that mentions blue only once among many other words")
    assert found("blue", "--in", "interactions")[0] == ("interaction", 2)


def test_limit_and_in(people):
    assert len(found("张", "--limit", "1")) == 1
    assert {s for s, _ in found("蓝色")} == {"customer", "interaction", "purchase"}
    assert {s for s, _ in found("蓝色", "--in", "purchases")} == {"purchase"}
    assert {s for s, _ in found("蓝色", "--in", "customers")} == {"customer"}


# --- output -----------------------------------------------------------------------------


def test_plain_table_marks_matches_with_brackets(people):
    out = ok("search", "展会")
    lines = out.splitlines()
    assert lines[0].split() == ["source", "id", "customer_name", "field", "snippet", "at"]
    assert "在杭州[展会]上聊了蓝色型号，想要报价" in out
    assert lines[2].split()[:4] == ["interaction", "1", "张伟", "meeting"]


def test_json_jsonl_csv_and_quiet(people):
    rows = json.loads(ok("search", "蓝色", "-f", "json"))
    assert list(rows[0]) == [
        "rank", "source", "id", "customer_id", "customer_name", "at", "field", "snippet",
        "highlights", "marked", "score",
    ]  # fmt: skip
    for row in rows:
        for start, end in row["highlights"]:
            assert row["snippet"][start:end] == "蓝色"
    lines = ok("search", "蓝色", "-f", "jsonl").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [r["id"] for r in rows]
    csv_lines = ok("search", "蓝色", "-f", "csv").splitlines()
    assert csv_lines[0].startswith("rank,source,id,customer_id,customer_name,at,field,snippet")
    assert len(csv_lines) == len(rows) + 1
    assert ok("search", "蓝色", "-q") == f"{people['zhangwen']}\n{people['zhangwei']}\n" or set(
        ok("search", "蓝色", "-q").split()
    ) == {str(people["zhangwen"]), str(people["zhangwei"])}


def test_long_text_is_cut_around_the_match(db_path):
    ok("add", "Seed")
    text = "x" * 200 + " the blue model " + "y" * 200
    ok("log", "note", "Seed", text)
    row = json.loads(ok("search", "blue", "-f", "json"))[0]
    assert row["snippet"].startswith("…") and row["snippet"].endswith("…")
    assert len(row["snippet"]) == searchtext.SNIPPET_WIDTH + 2
    ((start, end),) = row["highlights"]
    assert row["snippet"][start:end] == "blue"


def test_nothing_found_prints_nothing_and_exits_0(people):
    assert ok("search", "qqqqqq") == ""
    assert ok("search", "qqqqqq", "-f", "json") == "[]\n"


def test_bad_input(people, db_path):
    assert "nothing to search for" in fails(2, "search", "   ", db=db_path)
    err = fails(2, "search", "x", "--in", "feedbackx", db=db_path)
    assert "--in must be one of: customers, interactions, purchases, feedback, all" in err
    fails(2, "search", "x", "--limit", "1001", db=db_path)
    fails(2, "search", db=db_path)


def test_search_on_a_missing_database_creates_nothing(db_path):
    assert ok("search", "anything") == ""
    assert not db_path.exists()


# --- customer references ----------------------------------------------------------------


def test_references_by_pinyin_and_initials(people):
    assert json.loads(ok("show", "zhangwei", "-f", "json"))["id"] == people["zhangwei"]
    assert json.loads(ok("show", "zhang wei", "-f", "json"))["id"] == people["zhangwei"]
    ok("edit", "zhangwen", "--title", "经理")
    assert json.loads(ok("show", "张文", "-f", "json"))["title"] == "经理"


def test_ambiguous_initials_list_the_candidates(people, db_path):
    err = fails(2, "show", "zw", db=db_path)
    assert "'zw' matches 2 customers" in err
    assert "张伟" in err and "张文" in err


def test_unique_initials_resolve(db_path):
    cid = add("张伟")
    add("李娜")
    assert json.loads(ok("show", "zw", "-f", "json"))["id"] == cid
    assert json.loads(ok("show", "ln", "-f", "json"))["id"] == cid + 1
    fails(3, "show", "qx", db=db_path)


def test_exact_name_beats_pinyin(db_path):
    latin = add("Zw")
    add("张伟")
    assert json.loads(ok("show", "zw", "-f", "json"))["id"] == latin


def test_partial_pinyin_is_the_last_resort(db_path):
    cid = add("欧阳娜娜")
    assert json.loads(ok("show", "ouyang", "-f", "json"))["id"] == cid


def test_a_wechat_nickname_from_an_import_names_the_customer(db_path, tmp_path):
    """`crm show 仇大海` finds the customer a 企业微信 export named 仇大海 in its 昵称 column
    (stored as `wechat_nickname`), as `crm search` does; two known by one nickname are
    ambiguous (exit 2, both listed); a customer's own name comes first; a part of a
    nickname is no reference."""
    ok("config", "set", "default_region", "CN")
    export = tmp_path / "wx.csv"
    export.write_text(
        "备注名,昵称,手机\n仇海,仇大海,13900139000\n李雷,雷雷,13900139001\n韩梅梅,雷雷,13900139002\n",
        encoding="utf-8",
    )
    ok("import", "customers", str(export))
    assert [h["customer_id"] for h in json.loads(ok("search", "仇大海", "-f", "json"))] == [1]
    assert json.loads(ok("show", "仇大海", "-f", "json"))["id"] == 1
    ok("tag", "老客户", "仇大海")  # every command that takes a customer
    assert json.loads(ok("show", "1", "-f", "json"))["tags"] == ["老客户"]
    assert fails(2, "show", "雷雷", db=db_path) == (
        "crm: '雷雷' matches 2 customers; use an id or a more precise reference\n"
        "  2\t李雷\t+8613900139001\n  3\t韩梅梅\t+8613900139002\n"
    )
    assert fails(3, "show", "大海", db=db_path) == "crm: no customer matches '大海'\n"
    own = add("仇大海")  # a customer's own name first
    assert json.loads(ok("show", "仇大海", "-f", "json"))["id"] == own
    ok("delete", "3")  # an archived customer is no longer among them where live ones count
    ok("tag", "新", "雷雷")
    assert json.loads(ok("show", "2", "-f", "json"))["tags"] == ["新"]


@settings(max_examples=50, deadline=None, derandomize=True)
@given(
    nickname=st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
        min_size=1,
        max_size=8,
    ).filter(
        lambda t: t.strip() and not {";", "；"} & set(t) and not t.strip().lstrip("#").isdigit()
    ),
    upper=st.booleans(),
)
def test_any_nickname_finds_its_customer_whole_and_only_whole(tmp_path_factory, nickname, upper):
    """Whatever a nickname holds (`%`, `_`, backslashes, Chinese, emoji), it finds its
    customer typed whole (ASCII case aside), beside another nickname that merely contains
    it; it is never taken for a pattern."""
    db = ["--db", str(tmp_path_factory.mktemp("nick") / "crm.db")]
    ok(*db, "add", "甲", "--field", f"wechat_nickname={nickname}")
    ok(*db, "add", "乙", "--field", f"wechat_nickname=前{nickname}后")
    typed = nickname.upper() if upper and nickname.isascii() else nickname
    result = crm(*db, "show", typed, "-f", "json")
    if result.exit_code == 0:  # another step (a phone, an email) may read it first
        assert json.loads(result.stdout)["name"] in ("甲", "乙")
    if not re.search(r"[@\d]", nickname):
        assert result.exit_code == 0, result
        assert json.loads(result.stdout)["name"] == "甲", result


# --- the index follows the data ---------------------------------------------------------


def test_index_after_edit(people, db_path):
    ok("edit", "张伟", "--city", "宁波", "--phone", "+8613912345678", "--remove-phone",
       "+8613800138000")  # fmt: skip
    assert customers_found("杭州") == []
    assert customers_found("宁波") == [people["zhangwei"]]
    assert customers_found("138 0013") == []
    assert customers_found("1391234") == [people["zhangwei"]]
    ok("edit", "张伟", "--name", "李伟")
    assert customers_found("zhangwei") == []
    assert customers_found("liwei") == [people["zhangwei"]]
    assert index_problems(db_path) == []


def test_index_after_interaction_edit_and_delete(people, db_path):
    ok("interaction", "edit", "1", "--text", "改期到下周")
    assert found("展会") == []
    assert found("改期到") == [("interaction", 1)]
    ok("interaction", "delete", "1", "--yes")
    assert found("改期到") == []
    assert index_problems(db_path) == []


def test_archive_hides_and_undelete_restores(people, db_path):
    ok("delete", "张伟")
    assert customers_found("张伟") == []
    assert found("展会") == []  # the archived customer's records too
    assert ("customer", people["zhangwei"]) in found("张伟", "--archived")
    assert ("interaction", 1) in found("展会", "--archived")
    ok("undelete", str(people["zhangwei"]))
    assert customers_found("张伟") == [people["zhangwei"]]
    assert index_problems(db_path) == []


def test_delete_by_sql_is_followed_like_a_merge(people, db_path):
    """What `crm merge` does, done in plain SQL: re-point records, delete the other customer."""
    keep, gone = people["zhangwen"], people["zhangwei"]
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE interactions SET customer_id = ? WHERE customer_id = ?", (keep, gone))
        conn.execute("UPDATE purchases SET customer_id = ? WHERE customer_id = ?", (keep, gone))
        conn.execute("DELETE FROM customers WHERE id = ?", (gone,))
    conn.close()
    # Before any crm write: the index is stale, the answers are not.
    assert customers_found("杭州") == []
    assert customers_found("13800138") == []
    result = json.loads(ok("search", "展会", "-f", "json"))
    assert [(r["id"], r["customer_id"], r["customer_name"]) for r in result] == [(1, keep, "张文")]
    ok("tag", "vip", str(keep))  # any write command brings the index up to date
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT count(*) FROM search_dirty").fetchone()[0] == 0
    assert (
        conn.execute("SELECT count(*) FROM search_customers WHERE rowid = ?", (gone,)).fetchone()[0]
        == 0
    )
    conn.close()
    assert customers_found("杭州") == []
    assert index_problems(db_path) == []


def test_forget_leaves_no_trace_in_the_index(people, db_path):
    """crm forget takes the customer out of the search index and rebuilds it."""
    sentinel = "Sentinelzq"
    add(sentinel, "--notes", "secretnote-xyz")
    ok("log", "note", sentinel, "secretlog-xyz")
    ok("forget", sentinel, "--yes")
    raw = db_path.read_bytes().lower()
    wal = db_path.with_name(db_path.name + "-wal")
    raw += wal.read_bytes().lower() if wal.exists() else b""
    for token in (b"sentinelzq", b"secretnote", b"secretlog"):
        assert token not in raw
    assert customers_found("张伟") == [people["zhangwei"]]
    assert index_problems(db_path) == []


def test_fts_integrity_check_passes_and_check_finds_drift(people, db_path):
    conn = sqlite3.connect(db_path)
    for table in ("search_customers", "search_interactions", "search_purchases"):
        conn.execute(f"INSERT INTO {table} ({table}) VALUES ('integrity-check')")
    # An index entry for nothing, written behind crm's back, is reported...
    conn.execute("INSERT INTO search_interactions (rowid, text) VALUES (999, 'ghost')")
    conn.commit()
    conn.close()
    problems = index_problems(db_path)
    assert problems == [
        "search_interactions: 0 records not indexed, 1 entries for records "
        "that no longer exist; run 'crm reindex'"
    ]
    # ...and crm reindex repairs it.
    assert ok("reindex") == "Indexed 8 records.\n"
    assert index_problems(db_path) == []
    assert found("ghost") == []


def test_check_finds_missing_pinyin_sort_keys_and_reindex_repairs_them(people, db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("DELETE FROM search_name_order WHERE customer_id = ?", (people["zhangwei"],))
    conn.execute("INSERT INTO search_name_order VALUES (999, 'ghost')")
    conn.commit()
    conn.close()
    assert index_problems(db_path) == [
        "pinyin sort keys: 1 customers without one, 1 for customers that no longer exist; "
        "run 'crm reindex'"
    ]
    ok("reindex")
    assert index_problems(db_path) == []
    keys = dict(sqlite3.connect(db_path).execute("SELECT * FROM search_name_order"))
    assert keys[people["zhangwei"]] == "zhang wei\t张伟"


def test_reindexing_customers_indexes_the_columns_a_result_is_built_from(people, db_path):
    """Re-indexing reads only the indexed columns of customers (not what a result shows):
    the same text as the docs results are built from, every kind of value a customer has."""
    many = add("王芳", "--phone", "13900139000", "--phone", "+44 20 7946 0001", "--email",
               "wf@example.com", "--email", "wang@example.cn", "--field", "wechat=wf_1",
               "--field", "alias=小王", "--title", "CEO", "--address", "1 路", "--notes",
               "多行\n备注", "--company", "华为")  # fmt: skip
    ok("edit", str(many), "--primary-phone", "+44 20 7946 0001")
    conn = connect(db_path, write=False)
    ids = [r[0] for r in conn.execute("SELECT id FROM customers ORDER BY id")]
    docs = search._customer_docs(conn, ids)
    texts = {i: (name, columns) for i, name, columns in search._customer_texts(conn, ids)}
    assert texts == {i: (d.customer, (d.columns[0], "", *d.columns[2:])) for i, d in docs.items()}
    assert texts[many][1][3] == "442079460001 8613900139000"  # the primary first
    assert "wf_1" in texts[many][1][2] and "多行" in texts[many][1][2]
    indexed = conn.execute(
        "SELECT name, body, digits FROM search_customers WHERE rowid = ?", (many,)
    ).fetchone()
    assert tuple(indexed) == (texts[many][1][0], *texts[many][1][2:])
    conn.close()


# --- costs and robustness ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "loaded"),
    [(["add", "Anna"], False), (["search", "zw"], False), (["show", "zw"], False),
     (["add", "张伟"], True)],
)  # fmt: skip
def test_pypinyin_is_loaded_only_to_index_a_chinese_name(db_path, args, loaded):
    add("张三")
    code = (
        "import sys\n"
        "from typer.main import get_command\n"
        "from crmcli.cli import app\n"
        f"get_command(app).main({args!r}, standalone_mode=False)\n"
        f"assert ('pypinyin' in sys.modules) is {loaded}, sys.modules.keys()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_any_query_gives_results_or_a_clean_error(db_path):
    add("张伟", "--notes", 'Chloé 蓝色 [x] %_ "q"')
    conn = connect(db_path, write=False)

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(st.text(min_size=1, max_size=20).filter(lambda s: "\x00" not in s))
    def results_or_clean_error(query: str) -> None:
        try:
            rows = search.search(conn, query)
        except CrmError as exc:
            assert exc.exit_code == 2 and str(exc), exc
            return
        for row in rows:
            for start, end in row["highlights"]:
                assert 0 <= start < end <= len(row["snippet"])

    try:
        results_or_clean_error()
    finally:
        conn.close()


def test_a_query_through_the_cli(db_path):
    add("张伟", "--notes", 'Chloé 蓝色 [x] %_ "q"')
    [row] = json.loads(ok("search", "chloe", "-f", "json"))
    assert row["snippet"][slice(*row["highlights"][0])] == "Chloé"
    assert ok("search", '%_ "q', "-f", "json") != "[]\n"
    assert fails(2, "search", " \t ", db=db_path) == (
        "crm: nothing to search for; give some text, e.g. crm search 张伟\n"
    )


def test_a_nickname_is_folded_as_a_name_is_and_split_at_either_semicolon(db_path):
    """A stored nickname is folded as the typed one is (case, accents and width aside, as a
    name is): `Ｔｏｍ` (full-width, as 企业微信 exports it) is found by `tom`, `Éva` by `eva`,
    `Андрей` by `андрей`; a cell lists names split at `;` and at the full-width `；` of a
    GBK export."""
    stored = {"Ｔｏｍ": ["tom", "TOM", "Ｔｏｍ"], "Ｂｉｇ Ｓｅａ": ["big sea", "BIG  SEA"],
              "Éva": ["eva", "ÉVA", "éva"], "Андрей": ["андрей", "АНДРЕЙ"],
              "天蓬；元帅": ["天蓬", "元帅"], "悟空; 齐天": ["齐天", "悟空"]}  # fmt: skip
    for at, (nickname, typed) in enumerate(stored.items(), 1):
        assert add(f"客户{at}", "--field", f"wechat_nickname={nickname}") == at
        for form in typed:
            assert json.loads(ok("show", form, "-f", "json"))["id"] == at, (nickname, form)
    assert fails(3, "show", "天蓬；元帅", db=db_path).startswith("crm: no customer matches")


def test_a_live_customers_nickname_wins_over_an_archived_customers_name(db_path):
    """`crm log call 大海` found the archived 大海 (and said it was archived) while a live
    customer is known by the nickname 大海: a live match wins over an archived one, as it
    does between two customers of one name; where archived customers count (`crm show`)
    the exact name wins; with only archived ones it says so."""
    gone = add("大海")
    ok("delete", str(gone), "--yes")
    live = add("王大海", "--field", "wechat_nickname=大海")
    ok("log", "call", "大海", "问价")
    assert [i["customer_id"] for i in json.loads(ok("interactions", "-f", "json"))] == [live]
    ok("edit", "大海", "--city", "上海")
    assert json.loads(ok("show", str(live), "-f", "json"))["city"] == "上海"
    # where archived customers count (crm show), the exact name is the stronger match
    assert json.loads(ok("show", "大海", "-f", "json"))["id"] == gone
    ok("delete", str(live), "--yes")  # now both archived: the archived name, said as such
    said = fails(3, "log", "call", "大海", "x", db=db_path)
    assert said.startswith(f"crm: '大海' is archived customer {gone};"), said
    ok("undelete", str(gone))  # a live name wins over an archived nickname, as before
    assert json.loads(ok("show", "大海", "-f", "json"))["id"] == gone


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=4))
def test_a_reference_resolves_to_live_customers_before_archived_ones(tmp_path_factory, kinds):
    """Any mix of customers named 大海 or known by it, archived or not: `crm log` finds the
    live named ones, else the live nicknamed ones (one, or ambiguous among them), else says
    the archived ones are archived; nothing is logged when it does not find one."""
    import os

    db = tmp_path_factory.mktemp("refs") / "crm.db"
    os.environ["CRM_DB"] = str(db)
    named, known = [], []
    for at, (by_name, archived) in enumerate(kinds, 1):
        args = ["大海"] if by_name else [f"客户{at}", "--field", "wechat_nickname=大海"]
        assert add(*args) == at
        if archived:
            ok("delete", str(at), "--yes")
        else:
            (named if by_name else known).append(at)
    result = crm("log", "call", "大海", "问价")
    meant = named or known
    logged = json.loads(ok("interactions", "-f", "json"))
    if len(meant) == 1:
        assert result.exit_code == 0 and [i["customer_id"] for i in logged] == meant
    elif meant:
        assert result.exit_code == 2 and "matches" in result.stderr and logged == []
        assert all(f"{i}\t" in result.stderr for i in meant), result.stderr
    else:
        assert result.exit_code == 3 and "is archived customer" in result.stderr
        assert logged == []


def test_an_archived_exact_name_wins_over_a_live_nickname_where_archived_customers_count(
    db_path,
):
    """An exact name is a stronger match than a nickname: commands whose targets include
    archived customers (undelete, merge, export, subject-export, purchases, show, forget)
    take the archived 大海 as main did, not '大海 matches 2 customers'; live-only ones
    (log, edit, tag) take the live 王大海 known as 大海."""
    gone = add("大海")
    ok("delete", str(gone), "--yes")
    live = add("王大海", "--field", "wechat_nickname=大海")
    ok("buy", str(live), "茶叶", "100")
    assert ok("undelete", "大海", "--dry-run").strip() == f"Would restore 1 customers: {gone}"
    said = ok("merge", "大海", str(live), "--dry-run")
    assert said.startswith(f"Would merge #{live} 王大海 into #{gone}:"), said
    assert json.loads(ok("export", "大海"))["customer"]["id"] == gone
    assert json.loads(ok("subject-export", "大海"))["customer"]["id"] == gone
    assert json.loads(ok("purchases", "大海", "-f", "json")) == []  # the purchase is 王大海's
    assert json.loads(ok("show", "大海", "-f", "json"))["id"] == gone
    ok("log", "call", "大海", "问价")
    ok("tag", "vip", "大海")
    assert [i["customer_id"] for i in json.loads(ok("interactions", "-f", "json"))] == [live]
    assert json.loads(ok("show", str(live), "-f", "json"))["tags"] == ["vip"]
    assert json.loads(ok("show", str(gone), "-f", "json"))["archived_at"] is not None
    ok("forget", "大海", "--yes")
    assert fails(3, "show", str(gone), db=db_path) == f"crm: no customer matches {str(gone)!r}\n"
    assert json.loads(ok("show", str(live), "-f", "json"))["name"] == "王大海"


def test_undelete_looks_only_among_archived_customers(db_path):
    """A live customer of the same name or nickname is no candidate for `crm undelete`:
    the archived one is restored; a name only live customers have says they are live."""
    add("大海")  # a live namesake
    gone = add("大海")
    ok("delete", str(gone), "--yes")
    add("王大海", "--field", "wechat_nickname=大海")
    assert ok("undelete", "大海").strip() == f"Restored customer {gone}: 大海"
    assert json.loads(ok("show", str(gone), "-f", "json"))["archived_at"] is None
    other = add("李四")
    assert ok("undelete", "李四").strip() == f"Customer {other} was already active."


_TEXTS = st.one_of(st.none(), st.sampled_from(["", " ", "Acme  Corp", "上海", "Ångström", "a\u0301", "\u00a8", "x ; y"]), st.text(max_size=8))  # fmt: skip


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.text(min_size=1, max_size=8),
            st.lists(_TEXTS, min_size=7, max_size=7),
            st.lists(st.sampled_from(["+8613800138000", "10086", "+1 650"]), max_size=2),
            st.lists(st.sampled_from(["a@example.com", "Ö@x.cn"]), max_size=2),
            _TEXTS,
            _TEXTS,
        ),
        max_size=5,
    )
)
def test_the_search_columns_of_many_customers_are_each_ones(people) -> None:
    """search.customers_columns (an import's batch, by columns) gives each customer's
    search.customer_columns."""
    names = [p[0] for p in people]
    plain = [[p[1][i] for p in people] for i in range(len(search.PLAIN))]
    together = search.customers_columns(
        names, plain, [p[2] for p in people], [p[3] for p in people],
        [p[4] for p in people], [p[5] for p in people],
    )  # fmt: skip
    alone = [
        search.customer_columns(n, row, ph, em, [], so, no) for n, row, ph, em, so, no in people
    ]
    assert together == alone


@pytest.mark.parametrize("length", [501, 20_000, 60_000])
def test_a_reference_longer_than_any_name_is_no_customer_not_a_database_error(db_path, length):
    """A reference part of no stored name is refused as matching nobody (exit 3), however
    long: past 50,000 bytes SQLite's LIKE refused the pattern ("too complex"), said as a
    database error (exit 1). A name as long as crm takes is still found by a part of it."""
    long_name = "A" + "b" * 498 + "Z"
    add(long_name)
    err = fails(3, "show", "a" * length, db=db_path)
    assert "no customer matches" in err and len(err) < 200, err
    assert fails(3, "tag", "x", "-", input="a" * length + "\n", db=db_path)
    assert json.loads(ok("show", "b" * 497 + "z", "-f", "json"))["name"] == long_name


# --- a search table or shadow table gone -------------------------------------------------

# A write that adds to each search table, and the line every command that meets it says.
WRITES = {
    "search_customers": ("add", "Dora", "--notes", "tea again"),
    "search_interactions": ("log", "call", "1", "more tea"),
    "search_purchases": ("buy", "1", "Tea cup", "10"),
    "search_feedback": ("feedback", "add", "1", "tea was cold"),
}
DAMAGED = (
    "crm: the search index {table} is damaged (the records are not): run 'crm reindex' to "
    "rebuild it\n"
)
SHADOWS = ("data", "idx", "content", "docsize", "config")  # FTS5's tables of each
RECORDS = ("customers", "interactions", "purchases", "feedback", "customer_phones")


@pytest.fixture
def tea_drinkers(db_path):
    """Three customers, their calls, purchases and feedback, every one of them about tea."""
    return filled_once(db_path, _fill_tea_drinkers)


def _fill_tea_drinkers() -> list[tuple[str, int]]:
    for at, name in enumerate(("Anna", "Ben", "张伟")):
        phone = f"+86 138 0013 800{at}"
        who = str(add(name, "--notes", f"{name} likes green tea", "--phone", phone))
        ok("log", "call", who, "talked about tea")
        ok("buy", who, "Tea set", "120")
    ok("feedback", "add", "1", "the tea arrived late")
    return sorted(found("tea", "--limit", "0"))


def schema_of(db_path, table: str) -> list[tuple[str, str]]:
    """The search table `table` and its shadow tables as the file defines them (spacing
    aside), and its settings (FTS5's format version, the ranking)."""
    names = [table, *(f"{table}_{suffix}" for suffix in SHADOWS)]
    conn = sqlite3.connect(db_path)
    try:
        made = [
            (name, re.sub(r"\s+", "", sql))
            for name, sql in conn.execute(
                f"SELECT name, sql FROM sqlite_master WHERE name IN ({','.join('?' * 6)}) "
                "ORDER BY name",
                names,
            )
        ]
        settings = conn.execute(f"SELECT k, v FROM {table}_config ORDER BY k").fetchall()
    finally:
        conn.close()
    return made + [(str(k), str(v)) for k, v in settings]


def records(db_path) -> dict[str, list[tuple]]:
    conn = sqlite3.connect(db_path)
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in RECORDS}
    finally:
        conn.close()


@pytest.mark.parametrize("part", [None, *SHADOWS])
@pytest.mark.parametrize("table", [s.table for s in search.SOURCES.values()])
def test_a_search_table_gone_is_found_refused_and_made_again(tea_drinkers, db_path, table, part):
    """After `DROP TABLE search_customers` (or a shadow table of it), crm check said all was
    well, crm search and crm add failed with SQLite's `no such table` (or `SQL logic error`,
    naming nothing), and crm reindex failed too: the records were sound all along."""
    everyone = tea_drinkers
    shape, before = schema_of(db_path, table), records(db_path)
    dropped = table if part is None else f"{table}_{part}"
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute(f"DROP TABLE {dropped}")
    conn.close()

    result = crm("check", "--format", "json")
    assert result.exit_code == 1, result
    assert result.stderr == "crm: 1 problem found: search index\n"
    told = [(r["check"], r["detail"]) for r in json.loads(result.stdout) if r["status"] != "ok"]
    if part is None:
        detail = (
            f"{table} is missing; the records it indexes are not: run 'crm reindex' to make "
            "it again"
        )
    else:
        detail = (
            f"{table} is damaged ({dropped} missing); the records it indexes are not: run "
            "'crm reindex' to rebuild it"
        )
    assert told == [("search index", detail)]  # one row, not one a check

    said = DAMAGED.format(table=table)
    assert fails(1, *WRITES[table], db=db_path) == said
    assert fails(1, "search", "tea", db=db_path) == said

    assert len(everyone) == 10  # each record found: 3 customers, 3 calls, 3 purchases, 1 feedback
    assert ok("reindex") == "Indexed 10 records.\n"
    assert crm("check").exit_code == 0
    assert sorted(found("tea", "--limit", "0")) == everyone
    assert schema_of(db_path, table) == shape  # as the schema made it, ranking and all
    assert records(db_path) == before
    ok(*WRITES[table])  # and it is written again
    assert len(found("tea", "--limit", "0")) == len(everyone) + 1


def test_check_help_names_what_repair_removes():
    said = " ".join(re.sub(r"[│╭╮╰╯─]", " ", ok("check", "--help")).split())  # a box or not
    assert "killed crm restore" in said and "interrupted crm encrypt/decrypt" in said


MADE_OTHERWISE = {
    "the queue": ("DROP TABLE search_dirty", "missing: search_dirty; writes fail or leave "
                  "the search index behind: run 'crm reindex' to make them again"),
    "the pinyin order": ("DROP TABLE search_name_order", "missing: search_name_order, "
                         "search_name_order_key; writes fail or leave the search index "
                         "behind: run 'crm reindex' to make them again"),
    "two triggers": ("DROP TRIGGER search_interactions_ai; DROP TRIGGER search_purchases_ai",
                     "missing: search_interactions_ai, search_purchases_ai; writes fail or "
                     "leave the search index behind: run 'crm reindex' to make them again"),
    "another tokenizer": (
        "DROP TABLE search_interactions; CREATE VIRTUAL TABLE search_interactions USING "
        "fts5(text)", "search_interactions is not made as crm makes it (its columns or "
        "tokenizer); the records it indexes are not: run 'crm reindex' to make it again"),
    "a view": (
        "DROP TABLE search_interactions; CREATE VIEW search_interactions AS SELECT 1 AS a",
        "search_interactions is not made as crm makes it (its columns or tokenizer); the "
        "records it indexes are not: run 'crm reindex' to make it again"),
}  # fmt: skip


@pytest.mark.parametrize("damage", list(MADE_OTHERWISE))
def test_what_keeps_the_index_in_step_made_otherwise_is_found_and_made_again(
    tea_drinkers, db_path, damage
):
    """Another program's change to the search machinery: the queue or the pinyin order
    dropped failed every write (and crm check, and crm reindex) with `no such table`; the
    triggers dropped left every later call unfound, check saying ok, and reindex did not
    make them again; a search table made with another tokenizer (or a view in its place)
    stayed so through every reindex."""
    script, detail = MADE_OTHERWISE[damage]
    before = records(db_path)
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.executescript(script)
    conn.close()
    result = crm("check", "--format", "json")
    told = [(r["check"], r["detail"]) for r in json.loads(result.stdout) if r["status"] != "ok"]
    assert (result.exit_code, told) == (1, [("search index", detail)]), result
    written = crm("log", "call", "1", "about the platypus kettle", "-q")
    if damage in ("the queue", "a view"):  # the write itself fails, said in one line
        assert written.exit_code == 1 and "run 'crm reindex' to rebuild it" in written.stderr
        assert written.stderr.count("\n") == 1 and "no such" not in written.stderr, written
        assert records(db_path) == before
    ok("reindex")
    assert crm("check").exit_code == 0
    assert sorted(found("tea", "--limit", "0")) == tea_drinkers
    ok("log", "call", "1", "about the zebrafish kettle", "-q")  # indexed as it is written
    assert found("zebrafish") and found(
        "platypus" if damage not in ("the queue", "a view") else "zebrafish"
    )
