"""Saved segments: add, list, use in any filter, replace, delete; no segment includes itself."""

import json
import sqlite3

import pytest

from tests.conftest import fails, ids, ok, rows


def test_a_segment_cycle_through_replace_is_refused(db_path):
    ok("add", "Anna", "--city", "X")
    ok("segment", "add", "a1", "--where", "city = X")
    ok("segment", "add", "b1", "--segment", "a1")
    err = fails(2, "segment", "add", "a1", "--segment", "b1", "--replace", db=db_path)
    assert "would include itself" in err
    assert ok("list", "--segment", "a1", "-q") == "1\n"


def test_save_list_use_replace_and_delete_a_segment(shoppers):
    assert ok("segment", "add", "cooling", "--lifecycle", "at-risk", "--lifecycle", "lapsed") == (
        "Added segment cooling: --lifecycle at-risk --lifecycle lapsed\n"
    )
    assert ids("--segment", "cooling") == [2, 3]
    assert ids("--segment", "COOLING", "--abc", "B") == [2]
    ok("segment", "add", "cooling-b", "--segment", "cooling", "--abc", "B")
    assert ids("--segment", "cooling-b") == [2]
    ok("tag", "x", "--segment", "cooling")
    assert ids("--tag", "x") == [2, 3]
    rows = json.loads(ok("segment", "list", "--format", "json"))
    assert [(r["segment"], r["customers"]) for r in rows] == [("cooling", 2), ("cooling-b", 1)]
    assert ok("segment", "list", "--fields", "customers,segment", "-f", "tsv") == (
        "customers\tsegment\n2\tcooling\n1\tcooling-b\n"
    )
    assert "unknown field 'name'" in fails(2, "segment", "list", "--fields", "name", db=shoppers)
    assert "exists" in fails(2, "segment", "add", "cooling", "--tag", "x", db=shoppers)
    assert "give the filter" in fails(2, "segment", "add", "empty", db=shoppers)
    assert "cannot include itself" in fails(
        2, "segment", "add", "loop", "--segment", "loop", db=shoppers
    )
    assert "no segment 'nope'" in fails(3, "list", "--segment", "nope", db=shoppers)
    assert "used by segment cooling-b" in fails(
        2, "segment", "delete", "--yes", "cooling", db=shoppers
    )
    ok("segment", "add", "cooling", "--lifecycle", "lapsed", "--replace")
    assert ids("--segment", "cooling") == [2]
    assert ok("segment", "delete", "--yes", "cooling-b") == "Deleted segment cooling-b.\n"
    fails(3, "segment", "delete", "--yes", "cooling-b", db=shoppers)


def test_filters_stored_with_the_old_spelling_at_risk_keep_selecting(shoppers):
    """Segments, rules and care rules keep the filter as it was typed, so files written before
    the lifecycle value became at_risk hold `at-risk`: read, it selects what at_risk does."""
    ok("segment", "add", "cooling", "--lifecycle", "at-risk")
    ok("segment", "add", "quiet", "--where", "lifecycle = at-risk")
    ok("rule", "add", "dormant", "--lifecycle", "At Risk")
    ok("care", "rule", "add", "all", "a call", "--lifecycle", "AtRisk")
    stored = rows(shoppers, "SELECT filter FROM segments UNION ALL SELECT filter FROM rules "
                  "UNION ALL SELECT selection FROM care_rules")  # fmt: skip
    assert [json.loads(text) for (text,) in stored] == [
        {"lifecycle": ["at-risk"]}, {"where": ["lifecycle = at-risk"]},
        {"lifecycle": ["At Risk"]}, {"lifecycle": ["AtRisk"]},
    ]  # fmt: skip
    assert ids("--lifecycle", "at_risk") == [3]
    assert ids("--segment", "cooling") == ids("--segment", "quiet") == [3]
    listed = json.loads(ok("segment", "list", "--format", "json"))
    assert [(r["segment"], r["customers"]) for r in listed] == [("cooling", 1), ("quiet", 1)]
    ok("classify")
    assert ids("--tag", "dormant") == [3]
    cared = json.loads(ok("care", "--within", "12m", "--format", "json"))
    assert cared and {r["customer_id"] for r in cared} == {3}


def test_segment_save_is_the_hidden_old_name_of_segment_add(db_path):
    ok("add", "Anna", "--city", "X")
    assert ok("segment", "save", "x", "--city", "X") == "Added segment x: --city X\n"
    assert ok("list", "--segment", "x", "-q") == "1\n"
    help_text = ok("segment", "--help")
    assert " add " in help_text and " save " not in help_text


def _break(db_path, table: str, column: str, text: str, where: str = "1") -> None:
    """A stored filter changed outside crm (by hand, or with sqlite3 on the file)."""
    conn = sqlite3.connect(db_path)
    conn.execute(f"UPDATE {table} SET {column} = ? WHERE {where}", (text,))
    conn.commit()
    conn.close()


BROKEN = (
    "crm: segment vips is broken: its saved filter is not one crm saved (was it edited by "
    "hand?); delete it and save it again\n"
)


# the last: the same bytes as a filter crm saves, stored as a BLOB (not text) by hand
@pytest.mark.parametrize(
    "text", ["[]", '"x"', '{"where": [5]}', '{"city": 5}', b'{"tag": ["vip"]}']
)
def test_a_broken_segment_is_named_by_every_command_that_reads_it(db_path, text):
    ok("add", "Anna", "--city", "X")
    ok("tag", "vip", "1")
    ok("segment", "add", "vips", "--tag", "vip")
    ok("segment", "add", "xs", "--city", "X")
    _break(db_path, "segments", "filter", text, where="name = 'vips'")
    for args in (
        ("segment", "list"),
        ("list", "--segment", "vips"),
        ("tag", "rename", "vip", "gold"),  # rewrites every stored filter naming the tag
        ("rule", "add", "gold", "--segment", "vips"),
    ):
        assert fails(2, *args, db=db_path) == BROKEN, args
    assert ok("list", "--segment", "xs", "-q") == "1\n"  # the others still work
    # A broken filter selects nothing, so it blocks no delete: two broken segments could
    # not be deleted at all, each refused for the other.
    _break(db_path, "segments", "filter", text, where="name = 'xs'")
    assert ok("segment", "delete", "--yes", "xs") == "Deleted segment xs.\n"
    assert ok("segment", "delete", "--yes", "vips") == "Deleted segment vips.\n"
    assert ok("segment", "list") == ""


def test_a_broken_rule_or_care_rule_is_named(db_path):
    ok("add", "Anna")
    ok("rule", "add", "gold", "--where", "city = X")
    ok("care", "rule", "add", "all", "call", "--where", "city = X")
    _break(db_path, "rules", "filter", "[]")
    assert fails(2, "classify", db=db_path).startswith("crm: rule 1 is broken: ")
    assert fails(2, "rule", "list", db=db_path).startswith("crm: rule 1 is broken: ")
    ok("rule", "delete", "--yes", "1")
    _break(db_path, "care_rules", "selection", '"x"')
    assert fails(2, "care", "rule", "list", db=db_path).startswith("crm: care rule 1 is broken: ")
    # ... and it can be deleted, which is the way out the message gives
    assert ok("care", "rule", "delete", "--yes", "1").startswith("Deleted care rule 1")
    assert ok("care", "rule", "list", "-f", "json") == "[]\n"


def test_renaming_a_tag_names_a_broken_rule(db_path):
    """A rename rewrites every stored filter naming the tag, so it reads the rules first."""
    ok("add", "Anna")
    ok("tag", "vip", "Anna")
    ok("rule", "add", "gold", "--tag", "vip")
    _break(db_path, "rules", "filter", "[]")
    assert fails(2, "tag", "rename", "vip", "star", db=db_path).startswith(
        "crm: rule 1 is broken: "
    )
    ok("rule", "delete", "--yes", "1")
    ok("care", "rule", "add", "all", "call", "--tag", "vip")
    _break(db_path, "care_rules", "selection", "[]")
    assert fails(2, "tag", "rename", "vip", "star", db=db_path).startswith(
        "crm: care rule 1 is broken: "
    )


def test_a_tag_gone_with_its_only_customer_leaves_a_segments_other_tags_followed(db_path):
    """A segment naming tags a, b and one not made yet: forgetting the only customer tagged
    a deletes a; b stays named by id (a rename of b still reaches it), the other as typed."""
    ok("add", "Anna")
    ok("add", "Bob")
    ok("tag", "a", "Anna")
    ok("tag", "b", "Bob")
    ok("segment", "add", "s", "--tag", "a", "--tag", "b", "--tag", "later")
    ok("forget", "1", "--yes")
    ok("tag", "rename", "b", "c")
    listed = json.loads(ok("segment", "list", "--format", "json"))
    assert [r["filter"] for r in listed] == ["--tag a --tag c --tag later"]


def test_a_segment_inside_another_reads_its_relative_days_from_today(db_path, monkeypatch):
    """`--created-since -7d` in a segment named by another segment: seven days before today."""
    monkeypatch.setenv("CRM_NOW", "2026-11-01T10:00:00+08:00")
    ok("add", "Old", "-q")
    monkeypatch.setenv("CRM_NOW", "2026-11-22T10:00:00+08:00")
    ok("add", "New", "-q")
    ok("segment", "add", "recent", "--created-since", "-7d")
    ok("segment", "add", "inner", "--segment", "recent")
    assert ok("list", "--segment", "inner", "-q") == "2\n"


def test_a_segment_that_names_itself_through_another_is_refused_when_read(db_path):
    """crm refuses such a cycle when a segment is saved; one made by hand is refused when
    read, saying so."""
    ok("add", "Anna", "--city", "X")
    ok("segment", "add", "a", "--city", "X")
    ok("segment", "add", "b", "--segment", "a")
    _break(db_path, "segments", "filter", '{"segment": ["b"]}', where="name = 'a'")
    assert fails(2, "list", "--segment", "a", db=db_path) == ("crm: segment 'a' refers to itself\n")


def test_an_unknown_segment_is_refused_with_where_to_look(db_path):
    assert fails(3, "list", "--segment", "nope", db=db_path) == (
        "crm: no segment 'nope'; see crm segment list\n"
    )


def test_a_segment_inside_another_reads_its_where_days_from_today(db_path, monkeypatch):
    """`--where "created_at >= -7d"` in a segment named by another: seven days before today."""
    monkeypatch.setenv("CRM_NOW", "2026-11-01T10:00:00+08:00")
    ok("add", "Old", "-q")
    monkeypatch.setenv("CRM_NOW", "2026-11-22T10:00:00+08:00")
    ok("add", "New", "-q")
    ok("segment", "add", "recent", "--where", "created_at >= -7d")
    ok("segment", "add", "inner", "--segment", "recent")
    assert ok("list", "--segment", "inner", "-q") == "2\n"


def test_a_tag_renamed_then_gone_leaves_its_last_name_in_a_segment(db_path):
    ok("add", "Anna")
    ok("tag", "a", "Anna")
    ok("segment", "add", "s", "--tag", "a")
    ok("tag", "rename", "a", "b")
    ok("forget", "1", "--yes")  # b was Anna's alone: it goes with her
    listed = json.loads(ok("segment", "list", "--format", "json"))
    assert [r["filter"] for r in listed] == ["--tag b"]


def test_making_a_tag_names_a_broken_segment(db_path):
    """A new tag is bound in every stored filter naming it, so crm reads them all first."""
    ok("add", "Anna")
    ok("segment", "add", "vips", "--tag", "vip")
    _break(db_path, "segments", "filter", "[]")
    assert fails(2, "tag", "vip", "Anna", db=db_path) == BROKEN


def test_a_saved_filter_is_said_as_the_options_that_made_it(db_path):
    """When saved and in a Chinese history, where a tag is kept by id: as it was typed (the
    field by its header in Chinese)."""
    ok("add", "Anna", "-q")
    ok("tag", "vip", "Anna")
    said = ok("segment", "add", "s", "--kind", "org", "--tag", "VIP")
    assert said == "Added segment s: --tag VIP --kind org\n"
    ok("segment", "add", "t", "--where", "tag = VIP")
    (stored,) = rows(db_path, "SELECT filter FROM segments WHERE name = 't'")
    assert json.loads(stored[0]) == {"where": [{"id": 1, "saved": "vip", "text": "tag = VIP"}]}
    changes = ok("--lang", "zh", "history", "--limit", "2").splitlines()[2:]
    assert [line.rsplit("新增", 1)[1].strip() for line in changes] == [
        "名称：t；筛选条件：--where '标签 = VIP'",
        "名称：s；筛选条件：--tag VIP --kind org",
    ]


def test_a_segment_on_a_user_field_no_customer_holds_any_more_selects_nobody(db_path):
    ok("add", "甲", "--field", "区县=海淀区")
    ok("segment", "add", "cy", "--where", "区县 = 海淀区")
    assert ids("--segment", "cy") == [1]
    ok("edit", "1", "--unset", "区县")  # the last value of the field: it is no more
    assert ids("--segment", "cy") == []
    listed = json.loads(ok("segment", "list", "--format", "json"))
    assert [(s["segment"], s["customers"]) for s in listed] == [("cy", 0)]
    said = fails(2, "list", "--where", "wechat = x", db=db_path)  # typed: still unknown
    assert said.startswith("crm: unknown field 'wechat' in --where; known fields: ")
