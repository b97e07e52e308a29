"""Logging interactions, listing, editing and deleting them; cadence and contact on the card."""

import json
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import add, crm, dump, fails, ok


def log(*args: str, input: str | None = None) -> int:
    return int(ok("log", *args, "-q", input=input).strip())


def interactions(*args: str) -> list[dict]:
    return json.loads(ok("interactions", *args, "--format", "json"))


@pytest.mark.parametrize("kind", ["call", "email", "meeting", "visit", "message", "note"])
def test_log_every_kind(db_path, kind):
    add("Anna")
    out = ok("log", kind, "Anna", "Talked about the order")
    assert out == f"Logged {kind} 1 with Anna (#1) at Sun 2026-11-22 10:00.\n"
    assert interactions()[0]["kind"] == kind


def test_log_with_every_option(db_path):
    add("Anna")
    log(
        "message", "anna", "Sent the photos", "--at", "yesterday 15:00", "--direction", "out",
        "--duration", "15m", "--outcome", "liked them", "--channel", "WeChat",
    )  # fmt: skip
    row = interactions()[0]
    assert row["occurred_at"] == "2026-11-21T15:00:00+08:00"
    assert (row["direction"], row["duration_minutes"], row["channel"]) == ("out", 15, "wechat")
    assert (
        row["outcome"] == "liked them"
        and row["customer_name"] == "Anna"
        and row["customer_id"] == 1
    )
    assert list(row) == [
        "id", "occurred_at", "customer_id", "customer_name", "kind", "direction", "duration_minutes",
        "channel", "outcome", "text", "created_at", "updated_at",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("at", "stored"),
    [
        ("2026-11-20", "2026-11-20T00:00:00+08:00"),
        ("2026-11-20 09:05", "2026-11-20T09:05:00+08:00"),
        ("2026-11-20T09:05:00+01:00", "2026-11-20T09:05:00+01:00"),
        ("yesterday 15:00", "2026-11-21T15:00:00+08:00"),
        ("last fri 9:30", "2026-11-20T09:30:00+08:00"),
        ("-1w", "2026-11-15T00:00:00+08:00"),
        ("now", "2026-11-22T10:00:00+08:00"),
        ("today 18:00", "2026-11-22T18:00:00+08:00"),
    ],
)
def test_at_accepts_the_date_forms(db_path, at, stored):
    add("Anna")
    log("call", "1", "x", "--at", at)
    assert interactions()[0]["occurred_at"] == stored


def test_long_text_from_stdin(db_path):
    add("Anna")
    log("note", "Anna", "-", input="First line\nsecond line\n")
    assert interactions()[0]["text"] == "First line\nsecond line"
    table = ok("interactions")
    assert "First line…" in table and "second line" not in table


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["fax", "Anna", "x"],
            2,
            "kind must be one of: call, email, meeting, message, note, visit",
        ),
        (["call", "Anna", "  "], 2, "the text is empty"),
        (["call", "Anna", "x", "--at", "tomorrow"], 2, "is in the future"),
        (["call", "Anna", "x", "--at", "someday"], 2, "not a date"),
        (["call", "Anna", "x", "--at", "today 25:00"], 2, "not a time of day"),
        (["call", "Anna", "x", "--direction", "sideways"], 2, "direction must be one of: in, out"),
        (["call", "Anna", "x", "--duration", "2mo"], 2, "m means minutes"),
        (["call", "Anna", "x", "--duration", "9 days"], 2, "longer than a week"),
        (["call", "Anna", "x", "--channel", " "], 2, "channel cannot be empty"),
        (["call", "Anna", "x", "--outcome", "a\nb"], 2, "outcome contains control characters"),
        (["call", "Anna", "x", "--follow-up", "someday:x"], 2, "not a date"),
        (["call", "Anna", "x", "--follow-up", ":x"], 2, "--follow-up takes WHEN[:TEXT]"),
        (["call", "Bob", "x"], 3, "no customer matches 'Bob'"),
        (["call", "an", "x"], 2, "matches 2 customers"),
    ],
)
def test_bad_log_input_writes_nothing(db_path, args, code, message):
    add("Anna")
    add("Joanna")
    err = fails(code, "log", *args, db=db_path)
    assert message in err


def test_follow_up_creates_a_task_linked_to_the_interaction(db_path):
    add("Anna")
    out = ok("log", "call", "Anna", "Wants a quote: 200 units", "--follow-up", "fri:send quote: v2")
    assert out.splitlines()[1] == "Follow-up task 1 due Fri 2026-11-27: send quote: v2"
    ok("log", "visit", "Anna", "Showroom " + "x" * 80, "--follow-up", "+3d")
    tasks = json.loads(ok("task", "list", "-f", "json"))
    assert [(t["due_on"], t["interaction_id"]) for t in tasks] == [
        ("2026-11-25", 2),
        ("2026-11-27", 1),
    ]
    assert tasks[0]["text"].startswith("Follow up on visit: Showroom xxx")
    assert tasks[0]["text"].endswith("…") and len(tasks[0]["text"]) < 90


def test_interactions_filter_by_customer_kind_and_dates(db_path):
    add("Anna")
    add("Bob")
    log("call", "Anna", "a1", "--at", "2026-11-01 10:00")
    log("email", "Anna", "a2", "--at", "2026-11-10 23:59")
    log("call", "Bob", "b1", "--at", "2026-11-11 00:00")
    log("note", "Bob", "b2")
    assert [r["text"] for r in interactions()] == ["b2", "b1", "a2", "a1"]
    assert [r["text"] for r in interactions("Anna")] == ["a2", "a1"]
    assert [r["text"] for r in interactions("--kind", "call")] == ["b1", "a1"]
    assert [r["text"] for r in interactions("-k", "call", "-k", "note")] == ["b2", "b1", "a1"]
    assert [r["text"] for r in interactions("--since", "2026-11-10", "--until", "2026-11-10")] == [
        "a2"
    ]
    assert [r["text"] for r in interactions("--since", "2026-11-11")] == ["b2", "b1"]
    assert [r["text"] for r in interactions("--limit", "1")] == ["b2"]
    assert ok("interactions", "Bob", "-q") == "4\n3\n"
    assert ok("interactions", "-f", "csv").splitlines()[0].startswith("id,occurred_at,customer_id")


def test_interactions_of_nobody_print_nothing(db_path):
    assert ok("interactions") == ""
    assert ok("interactions", "-f", "json") == "[]\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--kind", "fax"], 2, "kind must be one of"),
        (["--kind", "fax", "--format", "json"], 2, "kind must be one of"),
        (["--since", "soon"], 2, "not a date"),
        (["--since", "2026-11-02", "--until", "2026-11-01"], 2, "is after --until"),
        (
            ["--since", "3pm"],
            2,
            "crm: --since takes a day, not a time of day: '3pm'; write the day alone, e.g. today\n",
        ),
        (["1", "--since", "Yesterday 3pm"], 2, "write the day alone, e.g. Yesterday\n"),
        (["--until", "2026-11-20T09:30"], 2, "--until takes a day, not a time of day"),
        (["--since", "明天下午3点"], 2, "write the day alone, e.g. 明天\n"),
        (["Nobody"], 3, "no customer matches"),
        (["--format", "xml"], 2, "'xml' is not one of"),
    ],
)
def test_bad_interactions_queries(db_path, args, code, message):
    add("Anna")
    assert message in fails(code, "interactions", *args)
    assert crm("interactions", *args).stdout == ""


def test_interactions_of_archived_customers_are_hidden_unless_asked_for(db_path):
    add("Anna")
    log("call", "Anna", "hello")
    ok("delete", "Anna")
    assert interactions() == []
    assert len(interactions("1")) == 1
    fails(3, "log", "call", "Anna", "again", db=db_path)


def test_edit_an_interaction(db_path):
    add("Anna")
    add("Bob")
    log("call", "Anna", "hello", "--duration", "5m", "--channel", "phone")
    out = ok("interaction", "edit", "1", "--text", "hello again", "--outcome", "ok",
             "--unset", "duration", "--at", "2026-11-21 09:00", "--kind", "visit")  # fmt: skip
    assert out == "Updated interaction 1, at Sat 2026-11-21 09:00.\n"
    row = interactions()[0]
    assert (row["text"], row["outcome"], row["duration_minutes"], row["kind"]) == (
        "hello again", "ok", None, "visit",
    )  # fmt: skip
    assert row["occurred_at"] == "2026-11-21T09:00:00+08:00" and row["channel"] == "phone"
    ok("interaction", "edit", "1", "--customer", "Bob")
    assert interactions()[0]["customer_name"] == "Bob"
    assert ok("interaction", "edit", "1", "--outcome", "ok") == "No changes.\n"
    ok("interaction", "edit", "1", "--text", "-", input="from stdin\n")
    assert interactions()[0]["text"] == "from stdin"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["1"], 2, "nothing to change"),
        (["1", "--unset", "text"], 2, "--unset takes one of: direction, duration"),
        (["1", "--kind", "fax"], 2, "kind must be one of"),
        (["1", "--customer", "Nobody"], 3, "no customer matches"),
        (["9", "--text", "x"], 3, "no interaction with id 9"),
        (["x", "--text", "x"], 2, "ID takes a whole number, not 'x'"),
    ],
)
def test_bad_interaction_edits_change_nothing(db_path, args, code, message):
    add("Anna")
    log("call", "Anna", "hello")
    assert message in fails(code, "interaction", "edit", *args, db=db_path)


def test_a_follow_up_typed_with_a_chinese_colon(db_path):
    """`明天：发报价` (the full-width colon of a Chinese input method) was not a date."""
    add("Anna")
    out = ok("log", "call", "Anna", "要报价", "--follow-up", "明天：发报价")
    assert out.splitlines()[1] == "Follow-up task 1 due Mon 2026-11-23: 发报价"


def test_delete_an_interaction_keeps_its_follow_up_task(db_path):
    add("Anna")
    log("call", "Anna", "hello", "--follow-up", "tomorrow")
    before = dump(db_path)
    err = fails(2, "interaction", "delete", "1", db=db_path)  # a script must say --yes
    assert err == (
        "crm: interaction delete asks for confirmation; add --yes to run it from a script\n"
    )
    assert dump(db_path) == before
    out = ok("interaction", "delete", "1", "--yes")
    assert out == "Deleted interaction 1: call with Anna (#1) at 2026-11-22 10:00: hello\n"
    assert interactions() == []
    assert json.loads(ok("task", "list", "-f", "json"))[0]["interaction_id"] is None
    assert "no interaction with id 1" in fails(3, "interaction", "delete", "1", db=db_path)
    fails(2, "interaction", "delete", "one", "--yes", db=db_path)


def test_delete_several_interactions_at_once_all_or_none(db_path):
    add("Anna")
    for text in ("one", "two", "three"):
        log("call", "Anna", text)
    before = dump(db_path)
    assert "no interaction with id 9" in fails(3, "interaction", "delete", "1", "9", "--yes",
                                               db=db_path)  # fmt: skip
    assert dump(db_path) == before  # one missing id deletes none
    out = ok("interaction", "delete", "1", "#2", "1", "--yes")
    assert out.splitlines() == [
        "Deleted interaction 1: call with Anna (#1) at 2026-11-22 10:00: one",
        "Deleted interaction 2: call with Anna (#1) at 2026-11-22 10:00: two",
    ]
    assert ok("interaction", "delete", "-", "-q", "--yes", input="3\n") == "3\n"
    assert interactions() == []


def test_interaction_group_without_a_subcommand_shows_help(db_path):
    result = crm("interaction")
    assert result.exit_code == 2 and "edit" in result.stderr + result.stdout


def test_preferred_channel_and_time_and_cadence_are_on_the_card(db_path):
    add("Anna")
    ok("edit", "Anna", "--preferred-channel", "wechat", "--preferred-time", "evenings",
       "--cadence", "2w")  # fmt: skip
    card = ok("show", "Anna")
    assert "preferred channel  wechat" in card and "preferred time     evenings" in card
    assert "cadence (days)     14" in card
    record = json.loads(ok("show", "Anna", "-f", "json"))
    assert record["cadence_days"] == 14
    assert record["contact"][0]["cadence_source"] == "customer"
    assert record["contact"][0]["due_on"] == "2026-12-06"  # 14 days after being added


@pytest.mark.parametrize(
    ("value", "days"), [("14d", 14), ("2w", 14), ("1m", 30), ("10", 10), ("1 week", 7)]
)
def test_cadence_forms(db_path, value, days):
    add("Anna", "--cadence", value)
    assert json.loads(ok("show", "1", "-f", "json"))["cadence_days"] == days
    assert ok("list", "--where", f"cadence_days = {days}", "-q") == "1\n"


@pytest.mark.parametrize("value", ["0d", "fortnight", "15min", "20y"])
def test_bad_cadence_is_rejected(db_path, value):
    add("Anna")
    assert "cadence" in fails(2, "edit", "Anna", "--cadence", value, db=db_path)


def test_cadence_can_be_unset_by_either_name(db_path):
    add("Anna", "--cadence", "7d")
    ok("edit", "Anna", "--unset", "cadence")
    assert json.loads(ok("show", "1", "-f", "json"))["cadence_days"] is None
    ok("edit", "Anna", "--cadence", "7d")
    ok("edit", "Anna", "--unset", "cadence_days")
    assert json.loads(ok("show", "1", "-f", "json"))["cadence_days"] is None


def test_show_adds_last_interactions_open_tasks_and_dates(db_path):
    add("Anna")
    for number in range(7):
        log("call", "Anna", f"call {number}", "--at", f"2026-11-{10 + number} 10:00")
    ok("task", "add", "Anna", "Send the quote", "--due", "2026-11-25")
    ok("task", "add", "Anna", "Old one", "--due", "2026-11-01")
    ok("task", "done", "2")
    ok("date", "add", "Anna", "contract anniversary", "2024-12-01", "--yearly")
    card = ok("show", "Anna")
    assert "Last interactions" in card and "call 6" in card and "call 1" not in card
    assert "Open tasks" in card and "Send the quote" in card and "Old one" not in card
    assert "contract anniversary" in card and "2026-12-01" in card
    assert "2026-11-16 (6 days ago)" in card
    record = json.loads(ok("show", "Anna", "-f", "json"))
    assert [i["text"] for i in record["interactions"]] == [f"call {n}" for n in range(6, 1, -1)]
    assert [t["text"] for t in record["open_tasks"]] == ["Send the quote"]
    assert record["dates"][0]["next_on"] == "2026-12-01"


def test_a_customer_without_follow_ups_shows_no_extra_sections(db_path):
    add("Anna")
    assert ok("show", "Anna") == (
        "#1 Anna\n  kind     person\n  created  2026-11-22T10:00:00+08:00\n"
        "  updated  2026-11-22T10:00:00+08:00\n"
    )


def test_no_input_to_log_gives_a_traceback(db_path):
    """Any kind, text, time and duration: logged, or InvalidInput (exit 2) and nothing written."""
    from crmcli.core import clock
    from crmcli.core.errors import CrmError
    from crmcli.records import interactions
    from crmcli.store.db import connect, transaction
    from crmcli.store.search import sync

    add("Anna")
    before = dump(db_path)
    conn = connect(db_path, write=True)
    seen = set()

    class Undo(Exception):
        pass

    @settings(max_examples=200, deadline=None, derandomize=True)
    @given(
        kind=st.text(max_size=8),
        text=st.text(max_size=30).filter(lambda s: "\x00" not in s),
        at=st.text(max_size=12).filter(lambda s: "\x00" not in s),
        duration=st.text(max_size=8).filter(lambda s: "\x00" not in s),
    )
    def logged_or_refused(kind: str, text: str, at: str, duration: str) -> None:
        raw = interactions.InteractionInput(
            kind=kind or "call", text=text or "x", at=at or "now", duration=duration or "1m"
        )
        try:
            with transaction(conn, command="log"):
                values = interactions.prepare(raw, now=clock.now())
                logged = interactions.log_interaction(conn, 1, values)
                assert interactions.get_interaction(conn, logged)["customer_id"] == 1
                sync(conn)
                seen.add("logged")
                raise Undo
        except Undo:
            pass
        except CrmError as exc:
            assert exc.exit_code == 2 and str(exc), exc
            seen.add("refused")

    try:
        logged_or_refused()
    finally:
        conn.close()
    assert seen == {"logged", "refused"}
    assert dump(db_path) == before  # every example rolled back: nothing was half-written


@pytest.mark.parametrize(
    "args",
    [
        ["fax", "1", "x"],
        ["call", "1", "x", "--at", "soon"],
        ["call", "1", "x", "--duration", "forever"],
        ["call", "1", "", "--at", "now"],
    ],
)
def test_bad_log_input_exits_2_with_one_line_and_writes_nothing(db_path, args):
    add("Anna")
    err = fails(2, "log", *args, db=db_path)
    assert err.count("\n") == 1, err


def test_fuzzed_shape_of_log_is_logged(db_path):
    add("Anna")
    assert log("call", "1", "x", "--at", "yesterday 10:00", "--duration", "1m") == 1


def test_database_rejects_impossible_rows(db_path):
    add("Anna")
    conn = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO interactions (customer_id, kind, occurred_at, text, created_at, "
            "updated_at) VALUES (1, 'fax', 'x', 'x', 'x', 'x')"
        )
    conn.close()


@pytest.mark.parametrize(
    ("at", "shown", "stored"),
    [
        ("9am", "Sun 2026-11-22 09:00", "2026-11-22T09:00:00+08:00"),
        ("2026-11-20 3pm", "Fri 2026-11-20 15:00", "2026-11-20T15:00:00+08:00"),
        ("yesterday 3pm", "Sat 2026-11-21 15:00", "2026-11-21T15:00:00+08:00"),
        ("noon", "Sun 2026-11-22 12:00", "2026-11-22T12:00:00+08:00"),
        ("Dec 5", "Fri 2025-12-05 00:00", "2025-12-05T00:00:00+08:00"),  # the last Dec 5
        ("周五 下午3点", "Fri 2026-11-20 15:00", "2026-11-20T15:00:00+08:00"),
    ],
)
def test_at_reads_times_and_days_of_the_past_and_echoes_them(db_path, at, shown, stored):
    """Issue 18: `--at 3pm` became 1 January and `2026-11-26 3pm` lost its pm."""
    add("Anna")
    out = ok("log", "note", "Anna", "x", "--at", at)
    assert out == f"Logged note 1 with Anna (#1) at {shown}.\n"
    assert interactions()[0]["occurred_at"] == stored


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("Dec", "crm: not a date: 'Dec' is a month; name the day too"),
        ("1/5", "crm: ambiguous date '1/5': 5 Jan or 1 May? write 2026-01-05 or 2026-05-01"),
        ("3pm 3pm", "crm: not a date"),
        ("Jan 5 2027", "crm: --at 2027-01-05 00:00 is in the future"),
    ],
)
def test_at_refuses_what_is_no_past_moment_and_writes_nothing(db_path, at, message):
    add("Anna")
    before = dump(db_path)
    assert fails(2, "log", "note", "Anna", "x", "--at", at, db=db_path).startswith(message)
    assert dump(db_path) == before


def test_follow_up_without_a_year_is_the_next_one(db_path):
    add("Anna")
    out = ok("log", "call", "Anna", "x", "--follow-up", "Jan 5 3pm:call back at 10:00")
    assert out.splitlines()[1] == "Follow-up task 1 due Tue 2027-01-05: call back at 10:00"


def test_a_moment_typed_with_another_offset_is_echoed_in_local_time(db_path):
    add("Anna")
    out = ok("log", "note", "Anna", "x", "--at", "2026-11-20T09:30+05:00")
    assert out == "Logged note 1 with Anna (#1) at Fri 2026-11-20 12:30.\n"
    assert interactions()[0]["occurred_at"] == "2026-11-20T09:30:00+05:00"
