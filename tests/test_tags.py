"""Tags and funnel stages; the shared filter options."""

import json
import sqlite3

import pytest

from tests.conftest import add, crm, fails, filled_once, ok


@pytest.fixture
def three(db_path):
    filled_once(db_path, _fill_three)  # made once per worker, copied
    return db_path


def _fill_three() -> None:
    ok("add", "Anna", "--city", "Shanghai")
    ok("add", "Bob", "--city", "Beijing")
    ok("add", "Carl", "--city", "Shanghai")


def tagged(db_path, tag):
    conn = sqlite3.connect(db_path)
    rows = conn.execute(
        "SELECT ct.customer_id FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
        "WHERE t.name = ? ORDER BY 1",
        (tag,),
    ).fetchall()
    conn.close()
    return [r[0] for r in rows]


def test_tag_refs_and_idempotence(three):
    assert ok("tag", "vip", "Anna", "2") == "Tagged 2 customers with vip.\n"
    assert ok("tag", "VIP", "1", "3") == "Tagged 1 customer with vip. 1 already had it.\n"
    assert tagged(three, "vip") == [1, 2, 3]
    assert ok("list", "--tag", "vip", "-q") == "1\n2\n3\n"


def test_tag_from_stdin_pipeline(three):
    ids = ok("list", "--where", "city = Shanghai", "-q")
    assert ok("tag", "shanghai", "-", input=ids) == "Tagged 2 customers with shanghai.\n"
    assert (
        ok("tag", "shanghai", "-", input=ids)
        == "Tagged 0 customers with shanghai. 2 already had it.\n"
    )
    assert tagged(three, "shanghai") == [1, 3]


def test_tag_by_filter_matches_list(three):
    ok("tag", "north", "--where", "city = Beijing")
    assert ok("list", "--tag", "north", "-q") == ok("list", "--where", "city = Beijing", "-q")


def test_a_bad_line_in_a_batch_rejects_the_whole_batch(three):
    result = crm("tag", "vip", "-", input="1\nnobody\n3\nzzz\n")
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        "crm: 2 of 4 references failed; nothing was changed",
        "  2: no customer matches 'nobody'",
        "  4: no customer matches 'zzz'",
    ]
    assert tagged(three, "vip") == []
    ok("add", "Anna Two")
    result = crm("tag", "vip", "-", input="1\nann\n")
    assert result.exit_code == 2 and "matches 2 customers" in result.stderr
    assert tagged(three, "vip") == []


def test_tag_needs_customers_or_a_filter(three):
    assert "say which customers" in fails(2, "tag", "vip", db=three)
    assert ok("tag", "everyone", "--all") == "Tagged 3 customers with everyone.\n"


@pytest.mark.parametrize("bad", ["", "  ", "a,b", "x" * 65, "rename\x01", "Rename"])
def test_bad_tag_names(three, bad):
    fails(2, "tag", bad, "1", db=three)


def test_untag_and_unknown_tag(three):
    ok("tag", "vip", "1", "2")
    assert ok("untag", "vip", "1") == "Removed tag vip from 1 customer.\n"
    assert tagged(three, "vip") == [2]
    assert fails(3, "untag", "nosuch", "1", db=three) == "crm: no tag 'nosuch'\n"


def test_tags_lists_counts_and_rename_merges(three):
    ok("tag", "vip", "1", "2")
    ok("tag", "gold", "2", "3")
    assert json.loads(ok("tags", "-f", "json")) == [
        {"tag": "gold", "customers": 2},
        {"tag": "vip", "customers": 2},
    ]
    assert ok("tag", "rename", "gold", "vip") == "Renamed tag gold to vip (3 customers).\n"
    assert json.loads(ok("tags", "-f", "json")) == [{"tag": "vip", "customers": 3}]
    ok("tag", "rename", "vip", "VIP")
    assert json.loads(ok("tags", "-f", "json")) == [{"tag": "VIP", "customers": 3}]
    assert ok("tags", "--fields", "customers,tag", "-f", "csv") == "customers,tag\n3,VIP\n"
    assert "unknown field 'count'" in fails(2, "tags", "--fields", "count", db=three)
    fails(3, "tag", "rename", "nosuch", "x", db=three)
    fails(2, "tag", "rename", "VIP", db=three)


def test_tags_show_on_card_and_in_list(three):
    ok("tag", "vip", "1")
    ok("tag", "a-first", "1")
    assert json.loads(ok("show", "1", "-f", "json"))["tags"] == ["a-first", "vip"]
    assert json.loads(ok("list", "-f", "json"))[0]["tags"] == ["a-first", "vip"]
    assert ok("list", "-f", "csv").splitlines()[1].count("a-first; vip") == 1
    assert ok("list", "--where", "tag = VIP", "-q") == "1\n"
    assert ok("list", "--where", "tag != vip", "-q") == "2\n3\n"
    assert ok("list", "--where", "tag ~ fir", "-q") == "1\n"
    assert ok("list", "--without-tag", "vip", "-q") == "2\n3\n"


def test_stage_changes_are_kept_with_dates(three):
    assert ok("stage", "Anna", "lead", "--at", "2026-11-01") == (
        "Customer 1 is now lead since Sun 2026-11-01 00:00.\n"
    )
    ok("stage", "Anna", "prospect", "--at", "2026-11-20", "--reason", "asked for a quote")
    assert ok("stage", "Anna", "prospect") == "Customer 1 is already prospect.\n"
    history = json.loads(ok("stage", "Anna", "-f", "json"))
    assert [(h["from_stage"], h["to_stage"]) for h in history] == [
        (None, "lead"),
        ("lead", "prospect"),
    ]
    assert history[1]["reason"] == "asked for a quote"
    assert ok("list", "--stage", "prospect", "-q") == "1\n"
    assert ok("list", "--where", "stage = prospect", "-q") == "1\n"
    assert json.loads(ok("show", "1", "-f", "json"))["stage"] == "prospect"


def test_bad_stage_input(three):
    assert "unknown stage" in fails(2, "stage", "Anna", "winner", db=three)
    assert "in the future" in fails(2, "stage", "Anna", "lead", "--at", "+2d", db=three)
    fails(2, "stage", "Anna", "lead", "--at", "someday", db=three)
    fails(3, "stage", "nobody", "lead", db=three)
    assert "unknown stage" in fails(2, "list", "--stage", "winner", db=three)


def test_configured_stage_list(three):
    ok("config", "set", "stages", "cold, warm, won")
    ok("stage", "Anna", "warm")
    fails(2, "stage", "Anna", "lead", db=three)
    fails(2, "config", "set", "stages", "only", db=three)
    fails(2, "config", "set", "stages", "a,a", db=three)


def test_a_stage_list_keeps_every_stage_a_saved_filter_or_cadence_names(three):
    """Dropping a stage that a segment, rule, care rule or cadence names would leave them
    selecting by a stage that no longer exists (segment list then failed): refused, saying
    which, until they are changed."""
    ok("segment", "add", "early", "--stage", "Lead")
    ok("rule", "add", "warm", "--where", 'stage == "prospect"')
    ok("care", "rule", "add", "春节", "card", "--where", "stage != loyal")
    ok("config", "set", "cadence.stage.customer", "30d")
    ok("segment", "add", "pattern", "--where", "stage ~ lead")  # a pattern names no stage
    cases = [
        ("lead", "segment early (lead)"),
        ("prospect", "rule 1 (prospect)"),
        ("loyal", "care rule 1 (loyal)"),
        ("customer", "cadence.stage.customer"),
    ]
    for dropped, named in cases:
        kept = ",".join(
            s for s in ("lead", "prospect", "customer", "loyal", "lost") if s != dropped
        )
        error = fails(2, "config", "set", "stages", kept, db=three)
        assert named in error and error.count("\n") == 1 and "pattern" not in error, error
    assert "segment early" in fails(2, "config", "set", "stages", "a,b", db=three)
    ok("segment", "delete", "--yes", "early")
    ok("config", "set", "stages", "prospect,customer,loyal,lost")
    assert "early" not in ok("segment", "list")
    assert ok("config", "get", "stages").strip().endswith("prospect,customer,loyal,lost")


def test_a_customer_typed_before_the_tag_is_told_the_order(db_path):
    ok("add", "曾小贤")
    ok("add", "Anna Smith")
    said = fails(3, "--lang", "zh", "tag", "曾小贤", "大客户", db=db_path)
    assert said == (
        "crm: 没有匹配“大客户”的客户；“曾小贤”是客户，不是已有的标签：标签写在前面，"
        "客户写在后面（crm tag 大客户 曾小贤）\n"
    )
    said = fails(3, "tag", "Anna Smith", "big one", db=db_path)
    assert said == (
        "crm: no customer matches 'big one'; 'Anna Smith' is a customer, not a tag: the tag "
        "comes first (crm tag 'big one' 'Anna Smith')\n"
    )
    said = fails(3, "--lang", "zh", "untag", "曾小贤", "大客户", db=db_path)
    assert said.endswith("（crm untag 大客户 曾小贤）\n")
    # a tag in use, a first word naming no customer, or two references: no such hint
    ok("tag", "曾小贤", "Anna Smith")  # a tag named as a customer is, once in use, the tag
    assert fails(3, "tag", "曾小贤", "王五") == "crm: no customer matches '王五'\n"
    assert fails(3, "tag", "vip", "王五") == "crm: no customer matches '王五'\n"
    assert "comes first" not in fails(3, "tag", "Anna Smith", "王五", "曾小贤")
    assert "comes first" not in fails(3, "tag", "Anna Smith", "-", input="王五\n")
    ok("tag", "大客户", "曾小贤")
    assert json.loads(ok("show", "曾小贤", "--format", "json"))["tags"] == ["大客户"]
    assert json.loads(ok("show", "Anna Smith", "--format", "json"))["tags"] == ["曾小贤"]


@pytest.mark.parametrize("command", ["tag", "untag"])
def test_a_name_two_customers_have_typed_before_the_tag_still_gets_the_order(db_path, command):
    """The word-order hint is kept when the first word names several customers: it says how
    many and lists them as an ambiguous reference does (id, name, city), and gives the
    command in its order with ID, not with one of them as if it were the one meant (exit 3,
    nothing tagged), in every language."""
    first, second = add("曾小贤"), add("曾小贤", "--city", "上海")
    said = fails(3, "--lang", "zh", command, "曾小贤", "大客户", db=db_path)
    assert said == (
        "crm: 没有匹配“大客户”的客户；“曾小贤”是 2 位客户的名字，不是已有的标签：标签写在前面，"
        f"客户用编号写在后面，如“crm {command} 大客户 <编号>”\n  {first}\t曾小贤\n  {second}\t曾小贤\t上海\n"
    )
    said = fails(3, command, "曾小贤", "big one", db=db_path)
    assert said == (
        "crm: no customer matches 'big one'; '曾小贤' names 2 customers, not a tag: the tag "
        f"comes first, then the customer's id (crm {command} 'big one' ID)\n"
        f"  {first}\t曾小贤\n  {second}\t曾小贤\t上海\n"
    )
    ok("tag", "大客户", str(first))  # the command it gives does what was meant
    assert json.loads(ok("show", str(first), "--format", "json"))["tags"] == ["大客户"]


def test_a_name_more_customers_have_than_are_listed_says_or_more(db_path):
    """28 customers named 曾小贤: the hint says "10 or more", as `crm show 曾小贤` does, and
    lists the first ten; exactly ten are "10"."""
    for _ in range(10):
        add("曾小贤")
    said = fails(3, "tag", "曾小贤", "大客户", db=db_path)
    assert "'曾小贤' names 10 customers, not a tag" in said and said.count("\n") == 11
    for _ in range(18):
        add("曾小贤")
    said = fails(3, "tag", "曾小贤", "大客户", db=db_path)
    assert said.startswith(
        "crm: no customer matches '大客户'; '曾小贤' names 10 or more customers, not a tag"
    )
    assert said.splitlines()[1:] == [f"  {i}\t曾小贤" for i in range(1, 11)]
    assert "10 or more customers" in fails(2, "show", "曾小贤")
