"""The filter language (crmcli.records.filters) and its stored form: saved segments, rules,
care rules and tag cadences name a tag by id, so `crm tag rename` is one UPDATE of the tags
table, and files of the version before are converted by a migration."""

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcli.core.errors import InvalidInput
from crmcli.records import filters
from crmcli.store import migrations
from tests.conftest import NOW, add, crm, dump, examples, fails, ok

# Tables a write command changes whatever it does: the undo log of the change itself.
BOOKKEEPING = {"history", "changesets", "history_control"}


def ids(*args: str) -> list[int]:
    return [int(x) for x in ok("list", *args, "-q").split()]


def tables(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table (not the bookkeeping ones), in rowid order."""
    conn = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: conn.execute(f'SELECT * FROM "{name}"').fetchall()
            for name in names
            if name not in BOOKKEEPING
        }
    finally:
        conn.close()


def shown(*args: str) -> list[dict]:
    return json.loads(ok(*args, "--format", "json"))


def setup_tag_a() -> None:
    for name in ("Anna", "Bob", "Carl"):
        ok("add", name)
    ok("tag", "a", "Anna", "Carl")
    ok("tag", "other", "Bob")
    ok("segment", "add", "s", "--tag", "a")
    ok("segment", "add", "t", "--where", "tag != A", "--without-tag", "other")
    ok("rule", "add", "a", "--where", "id = 2")
    ok("rule", "add", "x", "--tag", "a")
    ok("care", "rule", "add", "春节", "call", "--tag", "a")
    ok("config", "set", "cadence.tag.a", "30d")


def test_rename_is_one_update_of_the_tags_table(db_path):
    setup_tag_a()
    before = tables(db_path)
    picked = ids("--segment", "s")
    assert picked == [1, 3]
    out = ok("tag", "rename", "a", "b")
    assert out == (
        "Renamed tag a to b (2 customers).\n"
        "Also renamed in segment s, segment t, rule 1, rule 2, care rule 1.\n"
        "Setting cadence.tag.a is now cadence.tag.b.\n"
    )
    after = tables(db_path)
    assert {name for name in before if before[name] != after[name]} == {"tags"}
    assert [r[0] for r in before["tags"] if r[1] == "a"] == [
        r[0] for r in after["tags"] if r[1] == "b"
    ]  # the same row, renamed
    # What users see follows the new name; the segment selects the same customers.
    assert [(r["segment"], r["filter"]) for r in shown("segment", "list")] == [
        ("s", "--tag b"),
        ("t", "--where 'tag != b' --without-tag other"),
    ]
    assert ids("--segment", "s") == picked
    assert [(r["tag"], r["filter"]) for r in shown("rule", "list")] == [
        ("b", "--where 'id = 2'"),
        ("x", "--tag b"),
    ]
    assert [r["selection"] for r in shown("care", "rule", "list")] == ["--tag b"]
    assert ok("config", "get", "cadence.tag.b") == "30d\n"
    assert ok("config", "get", "cadence.tag.a") == ""  # not set
    keys = [r["key"] for r in shown("config", "list") if r["key"].startswith("cadence.tag")]
    assert keys == ["cadence.tag.b"]


def test_names_are_shown_as_typed_until_the_tag_is_renamed(db_path):
    ok("add", "Anna")
    ok("tag", "vip", "Anna")
    ok("segment", "add", "s", "--tag", "VIP", "--where", 'tag == "Vip"')
    assert shown("segment", "list")[0]["filter"] == "--where 'tag == \"Vip\"' --tag VIP"
    ok("tag", "rename", "vip", "Gold")
    assert shown("segment", "list")[0]["filter"] == "--where 'tag == Gold' --tag Gold"
    assert ids("--segment", "s") == [1]


def test_a_tag_renamed_to_a_quoted_looking_name_is_shown_in_the_other_quotes(db_path):
    ok("add", "Anna")
    ok("add", "Bob")
    ok("tag", "vip", "Anna")
    ok("segment", "add", "single", "--where", "tag = vip")
    ok("tag", "rename", "vip", "'gold'")
    # tag = "'gold'": a name in single quotes goes inside double ones, so it reads back whole
    assert shown("segment", "list")[0]["filter"] == "--where 'tag = \"'\"'\"'gold'\"'\"'\"'"
    assert ids("--segment", "single") == [1]
    ok("tag", "rename", "'gold'", '"silver"')
    assert shown("segment", "list")[0]["filter"] == "--where 'tag = '\"'\"'\"silver\"'\"'\"''"
    assert ids("--segment", "single") == [1]


def test_archived_alone_is_no_filter_for_a_bulk_command(db_path):
    ok("add", "Anna")
    ok("delete", "Anna")  # archives her
    assert "say which customers" in fails(2, "tag", "x", "--archived", db=db_path)
    assert ok("tags") == ""


def test_a_filter_naming_no_tag_selects_nobody_and_follows_the_tag_once_made(db_path):
    ok("add", "Anna")
    ok("segment", "add", "s", "--tag", "later")
    ok("rule", "add", "later", "--where", "id = 1")
    ok("config", "set", "cadence.tag.later", "14d")
    assert ids("--segment", "s") == []
    assert shown("segment", "list")[0]["filter"] == "--tag later"
    assert ok("tags") == ""  # saving a filter makes no tag
    ok("classify")  # the rule makes the tag
    assert ids("--segment", "s") == [1]
    out = ok("tag", "rename", "later", "now")
    assert "Also renamed in segment s, rule 1." in out
    assert "Setting cadence.tag.later is now cadence.tag.now." in out
    assert shown("segment", "list")[0]["filter"] == "--tag now"
    assert shown("rule", "list")[0]["tag"] == "now"
    assert ok("classify") == ""  # the rule gives `now`, which Anna has
    assert ok("config", "get", "cadence.tag.now") == "14d\n"


def test_a_cadence_follows_a_tag_whose_name_is_not_ascii(db_path):
    ok("add", "Anna")
    ok("tag", "Émile", "Anna")
    ok("config", "set", "cadence.tag.Émile", "7d")  # the key is casefolded: émile
    out = ok("tag", "rename", "Émile", "Zoé")
    assert "Setting cadence.tag.émile is now cadence.tag.zoé." in out
    assert ok("config", "get", "cadence.tag.ZOÉ") == "7d\n"
    assert ok("config", "get", "cadence.tag.émile") == ""


def test_a_merge_points_stored_filters_at_the_tag_merged_into(db_path):
    ok("add", "Anna")
    ok("add", "Bob")
    ok("tag", "a", "Anna")
    ok("tag", "b", "Bob")
    ok("segment", "add", "s", "--tag", "a", "--tag", "b")
    ok("tag", "rename", "a", "b")
    assert shown("segment", "list")[0]["filter"] == "--tag b"
    assert ids("--segment", "s") == [1, 2]


def test_a_merge_keeps_the_rest_of_a_stored_filter(db_path):
    for name in ("Anna", "Bob", "Carl"):
        ok("add", name)
    ok("tag", "a", "Anna", "Bob")
    ok("tag", "b", "Bob", "Carl")
    ok("tag", "c", "Bob")
    ok("segment", "save", "s", "--tag", "a", "--tag", "b", "--tag", "c", "--tag", "later")
    ok("segment", "save", "w", "--where", "tag = b")
    ok("tag", "rename", "b", "a")  # b merges into a
    filters = {row["segment"]: row["filter"] for row in shown("segment", "list")}
    assert filters == {"s": "--tag a --tag c --tag later", "w": "--where 'tag = a'"}
    assert ids("--segment", "w") == [1, 2, 3]
    assert ids("--segment", "s") == []  # nobody has the tag `later` yet
    ok("tag", "later", "Bob")
    assert ids("--segment", "s") == [2]


# --- the migration ------------------------------------------------------------------------

STEP = migrations.MIGRATIONS.index(migrations.m013_stored_tags_by_id)


def old_file(path: Path) -> None:
    """A file of the version before the step, with names in its stored filters."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = ON")
    for step in migrations.MIGRATIONS[:STEP]:
        step(conn)
    conn.execute(f"PRAGMA user_version = {STEP}")
    stamp = "2026-11-01T10:00:00+08:00"
    for name in ("Anna", "Bob"):
        conn.execute(
            "INSERT INTO customers (name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?)",
            (name, name.casefold(), stamp, stamp),
        )
    conn.executemany(
        "INSERT INTO tags (id, name, created_at) VALUES (?, ?, ?)",
        [(1, "vip", stamp), (2, "展会", stamp)],
    )
    conn.executemany(
        "INSERT INTO customer_tags (customer_id, tag_id, tagged_at) VALUES (?, ?, ?)",
        [(1, 1, stamp), (2, 2, stamp)],
    )
    conn.executemany(
        "INSERT INTO segments (name, filter, created_at) VALUES (?, ?, ?)",
        [
            ("s", json.dumps({"tag": ["VIP"], "where": ["tag != 展会", "tag ~ v"]}), stamp),
            ("none", json.dumps({"tag": ["nosuch"]}), stamp),
        ],
    )
    conn.executemany(
        "INSERT INTO rules (tag, filter, created_at) VALUES (?, ?, ?)",
        [("展会", json.dumps({"where": ["tag = vip"]}), stamp), ("new", '{"tag": ["vip"]}', stamp)],
    )
    conn.execute(
        "INSERT INTO care_rules (festival, action, selection, created_at) VALUES (?, ?, ?, ?)",
        ("all", "call", json.dumps({"without_tag": ["展会"]}, ensure_ascii=False), stamp),
    )
    conn.executemany(
        "INSERT INTO settings (key, value) VALUES (?, ?)",
        [("cadence.tag.vip", "14d"), ("cadence.tag.nosuch", "30d")],
    )
    conn.commit()
    conn.close()


def test_a_deleted_tags_id_reused_by_a_new_tag_takes_none_of_its_filters(db_path):
    """SQLite gives a new tag the id a forgotten one had: the segment, rule, care rule and
    cadence of the forgotten tag keep its name and never pass to the new tag."""
    for name in ("A", "B", "C", "D"):
        ok("add", name)
    ok("tag", "keep", "1")
    ok("tag", "secret", "2")
    ok("rule", "add", "flagged", "--tag", "secret")
    ok("care", "rule", "add", "春节", "send gift", "--tag", "secret")
    ok("segment", "add", "s1", "--tag", "secret", "--where", "tag != secret")
    ok("config", "set", "cadence.tag.secret", "7d")
    ok("forget", "2", "--yes")
    ok("tag", "walkin", "3", "4")
    conn = sqlite3.connect(db_path)
    walkin = conn.execute("SELECT id FROM tags WHERE name = 'walkin'").fetchone()[0]
    conn.close()
    assert walkin == 2  # the forgotten tag's id came back: what this test is about
    assert "--tag secret" in ok("rule", "list") and "walkin" not in ok("rule", "list")
    assert "--tag secret" in ok("care", "rule", "list")
    assert "--tag secret" in ok("segment", "list") and "walkin" not in ok("segment", "list")
    assert ids("--segment", "s1") == []
    settings = ok("config", "list", "-f", "csv")
    assert "cadence.tag.secret,7d,set" in settings and "cadence.tag.walkin" not in settings
    assert ok("classify", "-f", "csv") == "customer_id,customer_name,tag,change\n"
    ok("tag", "secret", "3")  # the name made a tag again: the filters follow it by id
    assert ids("--segment", "s1") == [] and "--tag secret" in ok("segment", "list")
    assert "cadence.tag.secret,7d,set" in ok("config", "list", "-f", "csv")


def test_the_migration_keeps_existing_tags_by_id(db_path):
    old_file(db_path)
    listed = shown("segment", "list")  # opening the file upgrades it
    assert [(r["segment"], r["filter"], r["customers"]) for r in listed] == [
        ("none", "--tag nosuch", 0),
        ("s", "--where 'tag != 展会' --where 'tag ~ v' --tag VIP", 1),
    ]
    conn = sqlite3.connect(db_path)
    stored = {n: json.loads(f) for n, f in conn.execute("SELECT name, filter FROM segments")}
    assert stored["s"] == {
        "tag": [{"id": 1, "typed": "VIP", "saved": "vip"}],
        "where": [{"id": 2, "text": "tag != 展会", "saved": "展会"}, "tag ~ v"],
    }
    assert stored["none"] == {"tag": ["nosuch"]}
    assert conn.execute("SELECT tag, tag_id FROM rules ORDER BY id").fetchall() == [
        ("展会", 2),
        ("new", None),
    ]
    assert conn.execute("SELECT key FROM settings ORDER BY key").fetchall() == [
        ("cadence.tag.nosuch",),
        ("cadence.tag_id.1",),
    ]
    conn.close()
    # and a rename after the upgrade is one UPDATE
    ok("tag", "vip", "Anna")  # a first write indexes the customers inserted above for search
    before = tables(db_path)
    ok("tag", "rename", "展会", "expo")
    ok("tag", "rename", "vip", "gold")
    after = tables(db_path)
    assert {name for name in before if before[name] != after[name]} == {"tags"}
    assert [r["selection"] for r in shown("care", "rule", "list")] == ["--without-tag expo"]
    assert [(r["tag"], r["filter"]) for r in shown("rule", "list")] == [
        ("expo", "--where 'tag = gold'"),
        ("new", "--tag gold"),
    ]
    assert ok("config", "get", "cadence.tag.gold") == "14d\n"
    assert ok("config", "get", "cadence.tag.nosuch") == "30d\n"
    assert ids("--segment", "s") == []  # `tag ~ v` searches the text, and gold has no v


def test_stored_form_round_trips_through_load(db_path):
    ok("add", "Anna")
    ok("tag", "vip", "Anna")
    conn = sqlite3.connect(db_path)
    try:
        selection = filters.CustomerFilter(
            tag=["VIP", "nosuch"], where=["tag = vip", "city = X"], stage=["lead"]
        )
        text = filters.encode(conn, selection)
        assert filters.load(conn, text, "segment s").saved() == selection.saved()
    finally:
        conn.close()


# --- parse and compile against an independent oracle --------------------------------------

CITIES = ("Paris", "paris", "Lyon", None)
TAGS = ("vip", "Gold", "expo")
STAGES = (None, "lead", "prospect", "customer")
DAYS = ("2026-01-05", "2026-06-30", "2026-11-20")

customer_rows = st.lists(
    st.fixed_dictionaries(
        {
            "city": st.sampled_from(CITIES),
            "kind": st.sampled_from(("person", "organisation")),
            "stage": st.sampled_from(STAGES),
            "cadence_days": st.sampled_from((None, 7, 30)),
            "created_on": st.sampled_from(DAYS),
            "tags": st.sets(st.sampled_from(TAGS)),
            "archived": st.sampled_from((False, False, False, True)),
        }
    ),
    min_size=3,
    max_size=10,
)
word = st.sampled_from(("paris", "PARIS", "lyon", "ar", "nowhere"))
tag_word = st.sampled_from(("vip", "VIP", "gold", "exp", "none"))
where_terms = st.one_of(
    st.tuples(st.just("city"), st.sampled_from(("=", "!=", "~")), word),
    st.tuples(st.just("tag"), st.sampled_from(("=", "!=", "~")), tag_word),
    st.tuples(
        st.just("cadence_days"), st.sampled_from(("=", "!=", "<", ">=")), st.sampled_from("07")
    ),
    st.tuples(st.just("created_at"), st.sampled_from((">=", "<", "=")), st.sampled_from(DAYS)),
    st.tuples(st.just("stage"), st.sampled_from(("=", "!=")), st.sampled_from(STAGES[1:])),
)
selections = st.fixed_dictionaries(
    {
        "where": st.lists(where_terms, min_size=1, max_size=2),
        "tag": st.lists(tag_word, max_size=1),
        "without_tag": st.lists(tag_word, max_size=1),
        "stage": st.lists(st.sampled_from(STAGES[1:]), max_size=2),
        "kind": st.sampled_from((None, None, "person", "organisation")),
        "archived": st.sampled_from((False, False, False, True)),
    }
)


def _text(op: str, have: str | None, want: str) -> bool:
    """SQLite's NOCASE / LIKE over ASCII text, with NULL never equal (but `!=` keeps it)."""
    if have is None:
        return op == "!="
    have, want = have.lower(), want.lower()
    return {"=": have == want, "!=": have != want, "~": want in have}[op]


def _order(op: str, have: object, want: object) -> bool:
    if have is None:  # no value: only `!=` holds, as for text (docs/customers.md)
        return op == "!="
    return {
        "=": have == want,
        "!=": have != want,
        "<": have < want,  # type: ignore[operator]
        ">=": have >= want,  # type: ignore[operator]
    }[op]


def oracle(row: dict, chosen: dict) -> bool:
    """Whether `chosen` (the strategy's dict) selects `row`, read from the docs, not the code."""
    tags = [t.lower() for t in row["tags"]]
    checks = [row["archived"] == chosen["archived"]]
    for name, op, value in chosen["where"]:
        if name == "city":
            checks.append(_text(op, row["city"], value))
        elif name == "tag":
            if op == "~":
                checks.append(any(value.lower() in t for t in tags))
            else:
                checks.append((value.lower() in tags) == (op == "="))
        elif name == "cadence_days":
            checks.append(_order(op, row["cadence_days"], int(value)))
        elif name == "created_at":
            checks.append(_order(op, row["created_on"], value))
        else:  # stage
            checks.append(_text(op, row["stage"], value))
    checks += [t.lower() in tags for t in chosen["tag"]]
    checks += [t.lower() not in tags for t in chosen["without_tag"]]
    if chosen["stage"]:
        checks.append(row["stage"] in chosen["stage"])
    if chosen["kind"]:
        checks.append(row["kind"] == chosen["kind"])
    return all(checks)


@pytest.fixture(scope="module")
def template() -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(":memory:")
    migrations.migrate(conn, None)
    yield conn
    conn.close()


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=customer_rows, chosen=selections)
def test_parse_and_compile_select_what_the_oracle_selects(template, rows, chosen):
    conn = sqlite3.connect(":memory:")
    template.backup(conn)
    stamp = "2026-01-01T00:00:00+08:00"
    conn.executemany(
        "INSERT INTO tags (name, created_at) VALUES (?, ?)", [(t, stamp) for t in TAGS]
    )
    for i, row in enumerate(rows, start=1):
        conn.execute(
            "INSERT INTO customers (id, name, name_key, kind, city, stage, cadence_days, "
            "created_at, updated_at, archived_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (i, f"C{i}", f"c{i}", row["kind"], row["city"], row["stage"], row["cadence_days"],
             f"{row['created_on']}T09:00:00+08:00", stamp, stamp if row["archived"] else None),
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO customer_tags (customer_id, tag_id, tagged_at) "
            "SELECT ?, id, ? FROM tags WHERE name = ?",
            [(i, stamp, t) for t in row["tags"]],
        )
    selection = filters.CustomerFilter(
        where=[f"{name} {op} {value}" for name, op, value in chosen["where"]] or None,
        tag=chosen["tag"] or None,
        without_tag=chosen["without_tag"] or None,
        stage=chosen["stage"] or None,
        kind=chosen["kind"],
        archived=chosen["archived"],
    )
    today = date(2026, 11, 22)
    terms = filters.parse(conn, selection, as_of=today, today=today)
    assert all(hash(term) is not None for term in terms)  # frozen: usable as cache keys
    query = filters.compile_terms(conn, terms, as_of=today)
    got = [
        r[0]
        for r in conn.execute(
            f"SELECT c.id FROM customers c WHERE {query.sql()} ORDER BY c.id", query.params
        )
    ]
    assert got == [i for i, row in enumerate(rows, start=1) if oracle(row, chosen)]
    conn.close()


def test_parse_refuses_what_it_cannot_read(db_path):
    ok("add", "Anna")
    conn = sqlite3.connect(db_path)
    today = date(2026, 11, 22)
    try:
        for where, message in [
            ("cityParis", "cannot read --where"),
            ("nosuch = 1", "unknown field 'nosuch'"),
            ("tag < a", "tag takes = != or ~ only"),
            ("id ~ 1", "id is a number"),
            ("stage = nowhere", "unknown stage 'nowhere'"),
            ("abc = Z", "unknown abc 'Z'"),
        ]:
            with pytest.raises(InvalidInput) as caught:
                filters.parse(conn, filters.CustomerFilter(where=[where]), as_of=today, today=today)
            assert message in caught.value.message
    finally:
        conn.close()


def test_where_dates_are_read_against_today_and_created_since_against_as_of(db_path):
    ok("add", "Anna")
    conn = sqlite3.connect(db_path)
    try:
        selection = filters.CustomerFilter(where=["created_at >= 3d"], created_since="-3d")
        terms = filters.parse(conn, selection, as_of=date(2026, 5, 10), today=date(2026, 11, 22))
        assert filters.Compare("created_at", ">=", "2026-11-25") in terms
        assert filters.Compare("created_at", ">=", "2026-05-07") in terms
    finally:
        conn.close()


def test_listings_select_customers_with_the_same_terms(db_path):
    for name in ("Anna", "Bob", "Carl"):
        ok("add", name)
    ok("task", "add", "Anna", "call")
    ok("task", "add", "Bob", "mail")
    ok("delete", "Bob", "--yes")  # archived: out of the task list unless named
    who = filters.compile_for(filters.for_customer(2, live=True), "t.customer_id")
    assert (who.sql(), who.params) == ("t.customer_id = ?", [2])
    live = filters.compile_for(filters.for_customer(None, live=True), "t.customer_id")
    assert (live.sql(), live.params) == ("c.archived_at IS NULL", [])
    assert filters.compile_for((), "p.customer_id").sql() == "1"
    with pytest.raises(ValueError):
        filters.compile_for((), "p.customer_id; DROP TABLE customers")
    conn = sqlite3.connect(db_path)
    try:
        terms = filters.parse(
            conn,
            filters.CustomerFilter(where=["name ~ ann"]),
            as_of=date(2026, 11, 22),
            today=date(2026, 11, 22),
        )
        query = filters.compile_for(terms, "t.customer_id", conn=conn, as_of=date(2026, 11, 22))
        rows = conn.execute(
            "SELECT t.text FROM tasks t JOIN customers c ON c.id = t.customer_id "
            f"WHERE {query.sql()}",
            query.params,
        ).fetchall()
    finally:
        conn.close()
    assert rows == [("call",)]
    assert [r["text"] for r in shown("task", "list")] == ["call"]
    assert [r["text"] for r in shown("task", "list", "Bob")] == ["mail"]


def test_birthday_by_day_of_the_year_and_by_date(db_path):
    add("Mei", "--birthday", "--05-13")  # no year
    add("Born", "--birthday", "1990-05-13")
    add("June", "--birthday", "1985-06-01")
    add("None")
    # `--MM-DD` compares the month and day, in any year: birthdays in May.
    assert ids("--where", "birthday = --05-13") == [1, 2]
    assert ids("--where", "birthday >= --05-01", "--where", "birthday < --06-01") == [1, 2]
    assert ids("--where", "birthday != --05-13") == [3, 4]  # no birthday differs too
    # A date compares the whole day: a birthday without a year is neither before nor after it.
    assert ids("--where", "birthday < 2000-01-01") == [2, 3]
    assert ids("--where", "birthday <= 1990-05-13") == [2, 3]
    assert ids("--where", "birthday > 1900-01-01") == [2, 3]
    assert ids("--where", "birthday ~ 05-13") == [1, 2]
    err = fails(2, "list", "--where", "birthday = --02-30")
    assert err == (
        "crm: not a date: '--02-30' (there is no such day); "
        "a day without its year is --MM-DD, e.g. --05-13\n"
    )


def test_last_contact_fields(db_path):
    """`last_contact_on` and `days_since_contact`: the last contact of crm show, compared by
    its local date (today is 2026-11-22, +08:00); never contacted: only != holds."""
    for name in ("Ann", "Bo", "Cy", "Di", "Ed"):
        ok("add", name)
    ok("log", "call", "Ann", "hi", "--at", "2026-11-12 23:30")  # 10 days ago
    ok("buy", "Bo", "Tea", "5", "--at", "2026-11-02")  # 20 days ago
    ok("log", "note", "Di", "a note is no contact", "--at", "2026-11-21")  # Cy, Di: never
    ok("buy", "Ed", "Tea", "5", "--at", "2026-11-12T16:30:00+00:00")  # 11-13 00:30 here: 9
    expected = {
        "days_since_contact = 10": [1],
        "days_since_contact != 10": [2, 3, 4, 5],
        "days_since_contact > 10": [2],
        "days_since_contact >= 10": [1, 2],
        "days_since_contact < 20": [1, 5],
        "days_since_contact <= 9": [5],
        "last_contact_on = 2026-11-12": [1],
        "last_contact_on = 2026-11-13": [5],
        "last_contact_on < 2026-11-12": [2],
        "last_contact_on <= 2026-11-12": [1, 2],
        "last_contact_on > 2026-11-02": [1, 5],
        "last_contact_on >= 2026-11-02": [1, 2, 5],
        "last_contact_on != 2026-11-02": [1, 3, 4, 5],
    }
    assert {where: ids("--where", where) for where in expected} == expected
    shown = json.loads(ok("show", "Ed", "-f", "json"))["contact"][0]
    assert shown["days_since_contact"] == 9
    ok("config", "set", "contact.counts", "call")  # Bo's and Ed's purchases no longer count
    assert ids("--where", "days_since_contact >= 0") == [1]
    assert ids("--where", "last_contact_on != 2026-11-12") == [2, 3, 4, 5]


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("days_since_contact ~ 1", "crm: days_since_contact compares with = != < <= > >= only\n"),
        ("days_since_contact = -1", "days_since_contact is a whole number of days (got '-1')"),
        ("days_since_contact > soon", "days_since_contact is a whole number of days"),
        ("last_contact_on ~ 2026", "last_contact_on compares with = != < <= > >= only"),
        ("last_contact_on < someday", "someday"),
    ],
)
def test_bad_last_contact_fields_exit_2(db_path, where, message):
    ok("add", "Ann")
    result = crm("list", "--where", where)
    assert result.exit_code == 2 and message in result.stderr and result.stdout == ""


def test_a_day_of_the_year_in_full_width_digits_is_the_same_day(db_path):
    add("Mei", "--birthday", "--05-13")
    assert ids("--where", "birthday = --０５-１３") == [1]


def test_phones_and_emails_compare_as_stored(db_path):
    ok("config", "set", "default_region", "CN")
    add("Ann", "--phone", "+86 138 0013 8000", "--email", "Ann@Example.com")
    add("Bo", "--phone", "+1 212-555-0100", "--email", "bo@example.org")
    add("Cy")
    assert ids("--where", "phone = 138 0013 8000") == [1]  # read in the default region
    assert ids("--where", "phone = +1 (212) 555-0100") == [2]
    assert ids("--where", "phone != 13800138000") == [2, 3]
    assert ids("--where", "phone ~ 138-0013") == [1]  # the digits typed, anywhere in it
    assert ids("--where", "phone ~ 555 01") == [2]
    assert ids("--where", "email = ANN@example.com") == [1]
    assert ids("--where", "email ~ EXAMPLE.ORG") == [2]
    assert ids("--where", "email != ann@example.com") == [2, 3]
    assert fails(2, "list", "--where", "email = not-an-email").startswith(
        "crm: invalid email 'not-an-email'"
    )
    assert fails(2, "list", "--where", "phone = 12").startswith("crm: ")
    add("Di", "--email", "a_b@example.com")
    add("Ed", "--email", "axb@example.com")
    assert ids("--where", "email = a_b@example.com") == [4]  # `_` is no wildcard
    assert ids("--where", "email ~ a_b") == [4]


def test_contains_finds_a_backslash_as_typed(db_path):
    add("Dee", "--company", "a\\b")
    add("Eve", "--company", "ab")
    add("Fay", "--company", "a%b")
    assert ids("--where", "company ~ a\\b") == [1]
    assert ids("--where", "company ~ a%b") == [3]


@pytest.mark.parametrize("sort", ["shoe", "-shoe_size", "Xcity_name"])
def test_a_sort_by_no_field_is_refused_with_the_fields(db_path, sort):
    add("Ann")
    name = sort.lstrip("-")
    assert fails(2, "list", "--sort", sort) == (
        f"crm: cannot sort by '{name}'; sortable fields: id, name, kind, company, title, "
        "gender, birthday, address, city, region, country, industry, company_size, source, "
        "notes, external_id, referred_by, preferred_channel, preferred_time, cadence_days, "
        "created_at, updated_at, archived_at, stage, birthday_lunar, cadence_max_days, pinyin\n"
    )


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        (("--sort", "ctiy"), "crm: cannot sort by 'ctiy'; did you mean city?"),
        (("--sort", "-Xname"), "crm: cannot sort by 'Xname'; did you mean name?"),
        (("--sort", "pinyn"), "crm: cannot sort by 'pinyn'; did you mean pinyin?"),
        (("--lang", "zh", "--sort", "-程市"), "crm: 不能按“程市”排序；是不是城市？"),
        (("--lang", "zh", "--sort", "拼因"), "crm: 不能按“拼因”排序；是不是拼音？"),
        (("--where", "ctiy = 上海"), "crm: unknown field 'ctiy' in --where; did you mean city?"),
        (("--where", "CITI = x"), "crm: unknown field 'CITI' in --where; did you mean city?"),
        (("--where", "城事 = 上海"), "crm: unknown field '城事' in --where; did you mean city?"),
        (
            ("--lang", "zh", "--where", "程市 = 上海"),
            "crm: --where 中的字段“程市”未知；是不是城市？",
        ),
        (
            ("--where", "last = 1"),
            "crm: unknown field 'last' in --where; "
            "did you mean last_purchase_on or last_contact_on?",
        ),
        (
            ("--lang", "zh", "--where", "last = 1"),
            "crm: --where 中的字段“last”未知；是不是last_purchase_on或last_contact_on？",
        ),
        # a field of the user's own by its key, one crm named also by its label
        (
            ("--where", "viplevel = 1"),
            "crm: unknown field 'viplevel' in --where; did you mean vip_level?",
        ),
        (
            ("--where", "区具 = 朝阳"),
            "crm: unknown field '区具' in --where; did you mean district?",
        ),
        (
            ("--where", "distrct = 朝阳"),
            "crm: unknown field 'distrct' in --where; did you mean district?",
        ),
    ],
    ids=[
        "sort-swapped",
        "sort-added",
        "sort-dropped",
        "sort-zh-changed",
        "sort-zh-pinyin",
        "where-swapped",
        "where-case",
        "where-zh-header",
        "where-zh",
        "where-start",
        "where-start-zh",
        "where-own-field",
        "where-label",
        "where-label-key",
    ],
)
def test_a_mistyped_field_is_answered_with_the_nearest(db_path, typed, said):
    add("Ann", "--field", "vip_level=1", "--field", "district=朝阳")
    assert fails(2, "list", *typed) == said + "\n"


def test_an_unknown_field_is_refused_with_every_known_one(db_path):
    add("Ann")
    assert fails(2, "list", "--where", "nosuch = 1") == (
        "crm: unknown field 'nosuch' in --where; known fields: id, name, kind, company, title, "
        "gender, birthday, address, city, region, country, industry, company_size, source, "
        "notes, external_id, referred_by, preferred_channel, preferred_time, cadence_days, "
        "created_at, updated_at, archived_at, stage, birthday_lunar, cadence_max_days, phone, "
        "email, tag, lifecycle, abc, frequency_tier, value_tier, purchase_days, "
        "purchase_days_12m, days_since_purchase, revenue_12m, first_purchase_on, "
        "last_purchase_on, last_contact_on, days_since_contact\n"
    )


@pytest.mark.parametrize(
    ("where", "reason"),
    [
        ("city === x", ": the value starts with '='; operators are"),
        ("city =~x", ": the value starts with '~'; operators are"),
        ("city <<x", ": the value starts with '<'; operators are"),
        ("city >>x", ": the value starts with '>'; operators are"),
        ("city =!x", ": the value starts with '!'; operators are"),
        ("city", "; write FIELD OP VALUE with OP one of"),
        ("city ≈ x", "; write FIELD OP VALUE with OP one of"),
    ],
)
def test_a_where_that_cannot_be_read_is_refused_saying_why(db_path, where, reason):
    add("Ann", "--city", "= x")
    assert fails(2, "list", "--where", where) == (
        f"crm: cannot read --where '{where}'{reason} != <= >= = < > ~\n"
    )


@pytest.mark.parametrize(
    "where", ["city =", "city ~", "city !=", "spent >", "tag =", "cadence_days >=", "wechat =  "]
)
def test_a_comparison_without_a_value_is_refused(db_path, where):
    add("Ann", "--city", "上海")
    assert fails(2, "list", "--where", where, db=db_path) == (
        f"crm: cannot read --where '{where.strip()}': no value after {where.split()[1]}; "
        'write FIELD OP VALUE, e.g. "city = 上海"\n'
    )
    assert fails(2, "segment", "save", "s", "--where", where, db=db_path).startswith(
        f"crm: cannot read --where '{where.strip()}': no value after"
    )


@pytest.mark.parametrize(
    ("where", "word"),
    [
        ("city = 上海 and", "and"),
        ("city = 上海 OR", "OR"),
        ("city = 上海 && ", "&&"),
        ("city = 上海 and stage = lead", "and"),
        ("city = 上海 or name~Ann", "or"),
    ],
)
def test_two_comparisons_in_one_where_are_refused(db_path, where, word):
    add("Ann", "--city", "上海")
    assert fails(2, "list", "--where", where, db=db_path) == (
        f"crm: cannot read --where '{where.strip()}': one --where holds one comparison; give "
        f"--where again for each (all must hold), or quote a value that has '{word}' in it\n"
    )


def test_values_with_and_in_them_still_compare(db_path):
    ann = add("Ann", "--company", "Johnson and Johnson", "--city", "上海 and")
    bob = add("Bob")
    assert ids("--where", "company = Johnson and Johnson") == [ann]
    assert ids("--where", "city = '上海 and'") == [ann]
    assert ids("--where", "city = ''") == []  # an empty value, quoted: no city is ''
    assert ids("--where", "city ~ ''") == [ann]  # any city
    assert ids("--where", "city != ''") == [ann, bob]


def test_purchase_facts_and_classes_in_where(db_path):
    """Today is 2026-11-22. Ann bought on two days (150 in all), Bob on one (10), Cy never;
    Bob was called yesterday."""
    for name in ("Ann", "Bob", "Cy"):
        ok("add", name)
    ok("buy", "Ann", "Tea", "100", "--at", "2026-11-01")
    ok("buy", "Ann", "Tea", "50", "--at", "2026-11-10")
    ok("buy", "Bob", "Tea", "10", "--at", "2026-11-20")
    ok("log", "call", "Bob", "hi", "--at", "yesterday")
    expected = {
        "purchase_days >= 2": [1],
        "purchase_days = 1": [2],
        "purchase_days != 2": [2, 3],
        "revenue_12m > 100": [1],
        "last_purchase_on = 2026-11-20": [2],
        "abc = A": [1],  # 150 of 160
        "last_contact_on = yesterday": [2],
        "last_contact_on != yesterday": [1, 3],
    }
    assert {where: ids("--where", where) for where in expected} == expected
    # --abc takes classes in any case, repeated means any of them; Cy, who never bought, is C
    assert ids("--abc", "a") == [1]
    assert ids("--abc", "B") == [2]
    assert ids("--abc", "A", "--abc", "c") == [1, 3]
    assert fails(2, "list", "--abc", "Z") == "crm: unknown abc 'Z'; use one of: A, B, C\n"


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("stage != nosuch", "unknown stage 'nosuch'; stages are: lead, prospect, customer, "
         "loyal, lost"),
        ("tag < x", "tag takes = != or ~ only"),
        ("email >= a@example.com", "email takes = != or ~ only"),
        ("last_contact_on = yesterday 3pm", "last_contact_on takes a day, not a time of day: "
         "'yesterday 3pm'; write the day alone, e.g. yesterday"),
        ("created_at = 2026-11-20 15:00", "created_at takes a day, not a time of day: "
         "'2026-11-20 15:00'; write the day alone, e.g. 2026-11-20"),
    ],
)  # fmt: skip
def test_a_where_value_the_field_cannot_take_is_refused(db_path, where, message):
    add("Ann")
    assert fails(2, "list", "--where", where) == f"crm: {message}\n"


def test_a_weekday_in_where_is_the_last_one(db_path):
    """Today is Sunday 2026-11-22: `fri` in a filter is Friday 2026-11-20."""
    ok("add", "Ann")
    ok("log", "call", "Ann", "hi", "--at", "2026-11-20 09:00")
    assert ids("--where", "last_contact_on = fri") == [1]
    assert ids("--where", "created_at >= fri") == [1]
    assert ids("--where", "created_at < fri") == []


@pytest.mark.parametrize("option", ["--created-since", "--created-until"])
def test_created_since_and_until_take_a_day_not_a_time(db_path, option):
    ok("add", "Anna")
    err = fails(2, "list", option, "2026-11-20 10:00", db=db_path)
    assert err == (
        f"crm: {option} takes a day, not a time of day: '2026-11-20 10:00'; write the day "
        "alone, e.g. 2026-11-20\n"
    )


def test_a_where_naming_no_tag_follows_the_tag_once_made_and_renamed(db_path):
    ok("add", "Anna")
    ok("segment", "add", "s", "--where", "tag = later")
    assert ids("--segment", "s") == []
    ok("tag", "later", "Anna")
    ok("tag", "rename", "later", "now")
    assert shown("segment", "list")[0]["filter"] == "--where 'tag = now'"
    assert ids("--segment", "s") == [1]


def test_derived_classes_with_archived_are_ranked_among_the_archived(db_path):
    """Anna (live) and Bob (archived) are each the whole net of their own population: A."""
    ok("add", "Anna")
    ok("add", "Bob")
    ok("buy", "Anna", "Tea", "100", "--at", "2026-11-01")
    ok("buy", "Bob", "Tea", "300", "--at", "2026-11-01")
    ok("delete", "Bob")  # archives him
    assert ids("--abc", "A") == [1]
    assert ids("--archived", "--abc", "A") == [2]
    ok("segment", "add", "best", "--abc", "A")
    assert ids("--segment", "best", "--archived") == [2]


def test_stored_filters_keep_chinese_tag_names_as_typed(db_path):
    """The stored text is what `crm sql` and `crm history -f json` show; the preview of
    `crm undo` says the filter in a person's words (`--tag '展会'`), Chinese kept as typed,
    so a tag bound to its id reads as no change there and is not listed."""

    def stored() -> str:
        conn = sqlite3.connect(db_path)
        (text,) = conn.execute("SELECT filter FROM segments").fetchone()
        conn.close()
        return text

    ok("add", "Anna")
    ok("segment", "add", "s", "--tag", "展会")
    assert stored() == '{"tag": ["展会"]}'
    ok("tag", "展会", "Anna")  # makes the tag: the segment names it by id
    assert stored() == '{"tag": [{"id": 1, "saved": "展会", "typed": "展会"}]}'
    history = json.loads(ok("history", "-f", "json"))
    changes = next(e["changes"] for e in history if e["table"] == "segments")
    assert (
        changes
        == 'filter: {"tag": ["展会"]} → {"tag": [{"id": 1, "saved": "展会", "typed": "展会"}]}'
    )
    undo = crm("undo").stdout
    assert "tag=展会" in undo and "segments" not in undo and "→ --tag" not in undo, undo


def test_created_since_and_until_read_a_weekday_as_the_last_one(db_path, monkeypatch):
    """At Sun 2026-11-22 `fri` is Fri 2026-11-20, for both options (a day in the past)."""
    for name, day in (("Anna", "2026-11-19"), ("Bob", "2026-11-20"), ("Carl", "2026-11-21")):
        monkeypatch.setenv("CRM_NOW", f"{day}T10:00:00+08:00")
        ok("add", name)
    monkeypatch.setenv("CRM_NOW", NOW)
    assert ids("--created-until", "fri") == [1, 2]
    assert ids("--created-since", "fri") == [2, 3]


def test_created_since_and_until_take_a_month_from_its_first_day_to_its_last(db_path, monkeypatch):
    """At Sun 2026-11-22 last month (上个月, 2026-10) starts --created-since on 2026-10-01
    and ends --created-until on 2026-10-31, the days either side left out."""
    days = ("2026-09-30", "2026-10-01", "2026-10-31", "2026-11-01")
    for name, day in zip(("Anna", "Bob", "Carl", "Dora"), days, strict=True):
        monkeypatch.setenv("CRM_NOW", f"{day}T10:00:00+08:00")
        ok("add", name)
    monkeypatch.setenv("CRM_NOW", NOW)
    assert ids("--created-since", "上个月") == [2, 3, 4]
    assert ids("--created-until", "上个月") == [1, 2, 3]
    assert ids("--created-since", "2026-10", "--created-until", "2026年10月") == [2, 3]


def test_created_since_today_lists_todays_customers_and_tomorrow_is_refused(db_path, monkeypatch):
    """At Sun 2026-11-22 `--created-since today` (or the day itself) is the customers added
    today, not a day in the future; tomorrow is refused (exit 2, one line)."""
    monkeypatch.setenv("CRM_NOW", "2026-11-21T10:00:00+08:00")
    ok("add", "Anna")
    monkeypatch.setenv("CRM_NOW", NOW)
    ok("add", "Bob")
    for typed in ("today", "2026-11-22", "今天"):
        assert ids("--created-since", typed) == [2], typed
    assert fails(2, "list", "--created-since", "tomorrow") == (
        "crm: --created-since 'tomorrow' is in the future\n"
    )


def test_the_purchase_listing_keeps_archived_customers_lines(db_path):
    """Record listings take their customer part from the filters: `crm purchases` with no
    customer lists everyone's lines, archived customers' included (docs/purchases.md)."""
    ok("add", "Anna")
    ok("add", "Bob")
    ok("buy", "Anna", "Tea", "10", "--at", "2026-11-01")
    ok("buy", "Bob", "Cup", "20", "--at", "2026-11-02")
    ok("delete", "Bob")  # archives him
    rows = json.loads(ok("purchases", "--format", "json"))
    assert [(r["customer_name"], r["item"]) for r in rows] == [("Anna", "Tea"), ("Bob", "Cup")]


def test_a_stored_filter_with_empty_options_as_null_still_selects(db_path):
    """A filter stored with null for the options not given (as written by hand or by an
    older crm) reads as if they were left out."""
    ok("add", "Anna", "--city", "X")
    ok("add", "Bob", "--city", "Y")
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO segments (name, filter, created_at) VALUES ('old', ?, '2026-01-01')",
        ('{"where": ["city = X"], "tag": null, "stage": null}',),
    )
    conn.commit()
    conn.close()
    assert ids("--segment", "old") == [1]


def test_days_since_contact_must_be_a_whole_number_of_days(db_path):
    assert fails(2, "list", "--where", "days_since_contact > x", db=db_path) == (
        "crm: days_since_contact is a whole number of days (got 'x')\n"
    )


def test_a_chinese_run_sorts_names_by_pinyin_and_other_fields_as_they_are(db_path, monkeypatch):
    """`--sort name` means pinyin in a Chinese run; `--sort city` still sorts by city."""
    ok("add", "张三", "--city", "A")  # zhang
    ok("add", "Bob", "--city", "C")
    ok("add", "艾伟", "--city", "B")  # ai
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert ids("--sort", "name") == [3, 2, 1]
    assert ids("--sort", "-name") == [1, 2, 3]
    assert ids("--sort", "city") == [1, 3, 2]
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert ids("--sort", "name") == [2, 1, 3]  # the folded name: 张 before 艾


def test_a_chinese_run_sorts_cities_and_companies_by_pinyin_too(db_path, monkeypatch):
    """`--sort 城市` and `--sort 公司` in Chinese: as phone contacts order them (北京 bei,
    Berlin, 长沙 chang, 成都 cheng, 重庆 chong, 上海 shang), not by code point; no value last
    either way; English keeps code-point order."""
    for city, company in [("上海", "腾讯科技"), ("北京", "阿里巴巴"), ("长沙", "东方物流"),
                          ("成都", "蓝海贸易"), ("重庆", "曾氏集团"), ("Berlin", "Acme")]:  # fmt: skip
        ok("add", f"客户{city}", "--city", city, "--company", company)
    ok("add", "无城市")  # 7: no city, no company
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert ids("--sort", "城市") == [2, 6, 3, 4, 5, 1, 7]
    assert ids("--sort", "-city") == [1, 5, 4, 3, 6, 2, 7]
    # 阿里 (a li) before Acme; 曾氏 read as the surname zeng, after 腾讯 (teng)
    assert ids("--sort", "公司") == [2, 6, 3, 4, 1, 5, 7]
    assert ids("--lang", "en", "--sort", "city") == [6, 1, 2, 4, 5, 3, 7]  # code points


def test_a_kind_that_is_none_is_refused_naming_the_option(db_path):
    assert fails(2, "list", "--kind", "robot", db=db_path) == (
        "crm: kind must be one of: organisation, person (got 'robot')\n"
    )


def test_a_where_on_another_field_naming_a_tag_is_no_tag(db_path):
    """`city = vip` names the city vip, not the tag vip: renaming the tag leaves it alone."""
    ok("add", "Anna", "--city", "vip")
    ok("add", "Bob")
    ok("tag", "vip", "Bob")
    ok("segment", "add", "s", "--where", "city = vip")
    ok("tag", "rename", "vip", "gold")
    assert shown("segment", "list")[0]["filter"] == "--where 'city = vip'"
    assert ids("--segment", "s") == [1]


def test_renaming_a_tag_and_back_leaves_the_stored_filter_as_it_was(db_path):
    """The stored text (what `crm sql` and `crm undo` show) is written one way by every
    command: keys in order, whichever wrote it last."""

    def stored() -> str:
        conn = sqlite3.connect(db_path)
        (text,) = conn.execute("SELECT filter FROM segments").fetchone()
        conn.close()
        return text

    ok("add", "Anna", "--city", "X")
    ok("tag", "vip", "Anna")
    ok("segment", "add", "s", "--where", "city = X", "--tag", "vip")
    before = stored()
    assert list(json.loads(before)) == ["tag", "where"]
    ok("tag", "rename", "vip", "gold")
    ok("tag", "rename", "gold", "vip")
    assert stored() == before


def test_a_city_in_either_spelling_is_equal_and_a_customer_without_one_differs(db_path):
    # An older crm stored 苏州市 as typed; a city is now stored short. `=` finds both
    # spellings and no one else; `!=` keeps everyone else, a customer with no city too.
    old = add("Old", "--city", "苏州")
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE customers SET city = '苏州市' WHERE id = ?", (old,))
    add("New", "--city", "苏州")
    add("Elsewhere", "--city", "杭州")
    add("Nowhere")
    for typed in ("苏州", "苏州市"):
        assert ids("--where", f"city = {typed}") == [1, 2]
        assert ids("--where", f"city != {typed}") == [3, 4]
        assert ids("--city", typed) == [1, 2]


_TEXT_FILTERS = [
    "--where", "--tag", "--without-tag", "--stage", "--city", "--company", "--source", "--kind",
    "--created-since", "--created-until", "--lifecycle", "--abc", "--frequency-tier",
    "--value-tier", "--segment",
]  # fmt: skip


@pytest.mark.parametrize("flag", _TEXT_FILTERS)
@pytest.mark.parametrize("blank", ["", " ", "\u3000"])
def test_an_empty_filter_is_refused_by_its_own_name(db_path, flag, blank):
    """`--tag "$TAG"` with TAG unset listed nobody, exit 0; `--city ''` was refused as a
    `--where 'city ='` nobody typed. Every filter option: its own name, exit 2, and a
    segment is not saved with it."""
    ok("add", "Anna")
    ok("tag", "vip", "Anna")
    before = dump(db_path)
    assert fails(2, "list", flag, blank) == f"crm: {flag} cannot be empty\n"
    assert fails(2, "list", "--tag", "vip", flag, blank) == f"crm: {flag} cannot be empty\n"
    assert fails(2, "segment", "add", "s", flag, blank) == f"crm: {flag} cannot be empty\n"
    assert dump(db_path) == before
