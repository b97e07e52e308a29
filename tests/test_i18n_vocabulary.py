"""A Chinese terminal says crm's own keys in words only where a value is certainly one of
them: what the user typed (a customer's source, a saved segment's name, a stage they named,
a raw query's values and column names) is shown as typed."""

import json

import pytest

from tests.conftest import add, ok
from tests.test_terminal import on_screen


@pytest.fixture
def shop(demo):
    return demo


def cells(lines: list[str]) -> list[list[str]]:
    """The cells of a drawn table's rows (after its header and rule)."""
    rule = next(i for i, line in enumerate(lines) if line.startswith("━"))
    return [[c.strip() for c in line.split("│")] for line in lines[rule + 1 :] if "│" in line]


def test_a_customers_own_source_is_shown_as_typed(db_path):
    add("A1", "--source", "customer")
    add("B2", "--source", "interaction")
    code, lines = on_screen("--lang", "zh", "list", "--fields", "id,name,source", columns=100)
    assert code == 0
    assert [row[2] for row in cells(lines)] == ["customer", "interaction"]
    code, lines = on_screen("--lang", "zh", "report", "summary", "--by", "source", columns=160)
    assert code == 0
    assert sorted(row[0] for row in cells(lines)) == ["customer", "interaction"]
    assert not any("客户 " in line.split("│")[0] for line in lines if "│" in line)
    code, lines = on_screen("--lang", "zh", "show", "1", columns=100)
    assert code == 0
    assert any(line.split() == ["来源", "customer"] for line in lines), lines


def test_a_search_hit_still_says_what_kind_of_record_it_is(db_path):
    add("A1", "--source", "customer")
    code, lines = on_screen("--lang", "zh", "search", "A1", columns=100)
    assert code == 0
    assert cells(lines)[0][0] == "客户"


def test_a_raw_query_shows_its_values_and_names_verbatim(db_path):
    query = "select 'customer' as stage, 'purchase' as source, 'high' as level"
    code, lines = on_screen("--lang", "zh", "sql", query, columns=100)
    assert code == 0
    assert [c.strip() for c in lines[0].split("┃")] == ["stage", "source", "level"]
    assert cells(lines) == [["customer", "purchase", "high"]]


def test_a_segment_the_user_named_keeps_its_name(db_path):
    ok("segment", "add", "loyal", "--city", "X")
    ok("segment", "add", "champions", "--city", "Y")
    code, lines = on_screen("--lang", "zh", "segment", "list", columns=100)
    assert code == 0
    assert [row[0] for row in cells(lines)] == ["champions", "loyal"]


def test_a_stage_the_user_named_is_not_taken_for_a_lifecycle_word(db_path):
    ok("config", "set", "stages", "lead,lapsed,lost")
    add("A1")
    add("B2")
    ok("stage", "1", "lapsed")
    ok("stage", "2", "lost")
    code, lines = on_screen("--lang", "zh", "list", "--fields", "id,stage", columns=100)
    assert code == 0
    assert cells(lines) == [["1", "lapsed"], ["2", "已流失"]]


def test_a_call_and_a_phone_channel_are_told_apart(db_path):
    add("A1")
    ok("log", "call", "1", "first", "--channel", "call", "--at", "2026-11-01 10:00")
    ok("log", "call", "1", "second", "--channel", "phone", "--at", "2026-11-02 10:00")
    shown = ("--lang", "zh", "interactions", "--fields", "text,channel")
    code, lines = on_screen(*shown, columns=100)
    assert code == 0
    assert cells(lines) == [["second", "电话"], ["first", "通话"]]


def test_a_churn_reports_stage_is_said_in_words(shop):
    stages = {r["stage"] for r in json.loads(ok("report", "churn", "--format", "json"))}
    assert stages & {"at_risk", "lapsed"}, stages
    args = ("--lang", "zh", "report", "churn", "--fields", "customer_name,stage")
    code, lines = on_screen(*args, columns=120)
    assert code == 0
    shown = {row[1] for row in cells(lines)}
    assert shown and shown <= {"流失风险", "已沉睡"}, shown  # not 已流失: the sales stage lost


def test_no_word_names_both_a_lifecycle_stage_and_an_rfm_segment():
    from crmcli.core import i18n
    from crmcli.core.vocabulary import WORDS, word

    token = i18n.use("zh")
    try:
        said = {
            column: {str(word(column, key)): key for key in WORDS[column]}
            for column in ("lifecycle", "rfm_segment", "stage")
        }
    finally:
        i18n.reset(token)
    assert said["rfm_segment"]["濒临流失"] == "at risk"
    assert said["rfm_segment"]["新晋客户"] == "new customers"
    assert said["lifecycle"]["流失风险"] == "at_risk" and said["lifecycle"]["新客户"] == "new"
    assert not set(said["lifecycle"]) & set(said["rfm_segment"])
    assert not set(said["stage"]) & (set(said["lifecycle"]) | set(said["rfm_segment"]))
