"""`crm remind`, `crm today`, `crm date`, cadence settings, the iCalendar feed, time zones."""

import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from crmcli.cli import app
from tests.conftest import add, crm, fails, filled_once, local_zone, ok

NEW_YORK = "EST5EDT,M3.2.0,M11.1.0"  # DST from the 2nd Sunday of March to the 1st of November
BERLIN = "CET-1CEST,M3.5.0,M10.5.0/3"  # DST ends on the last Sunday of October, 03:00


def remind(*args: str) -> dict:
    return json.loads(ok("remind", "--format", "json", *args))


def at(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    monkeypatch.setenv("CRM_NOW", moment)


@pytest.fixture
def busy(db_path) -> Path:
    """One of everything: overdue and due tasks, a customer due for contact, dates."""
    filled_once(db_path, _fill_busy)
    return db_path


def _fill_busy() -> None:
    add("Anna", "--phone", "+8613800138000", "--birthday", "1990-11-24")
    add("Bob", "--cadence", "14d", "--preferred-channel", "wechat")
    add("Carl")
    ok("log", "call", "Bob", "hi", "--at", "2026-11-01 10:00")
    ok("task", "add", "Anna", "Send the quote", "--due", "2026-11-20")
    ok("task", "add", "Carl", "Book the demo", "--due", "2026-11-27", "--every", "1m")
    ok("task", "add", "Carl", "Far away", "--due", "2027-01-10")
    ok("date", "add", "Carl", "contract anniversary", "2024-11-25", "--yearly")


def test_remind_text_has_each_section(busy):
    out = ok("remind")
    assert out == (
        "Overdue tasks (1)\n"
        "due_on      days_overdue  task_id  customer   phone           text\n"
        "----------  ------------  -------  ---------  --------------  --------------\n"
        "2026-11-20  2             1        Anna (#1)  +8613800138000  Send the quote\n"
        "\n"
        "Tasks due by 2026-11-29 (1)\n"
        "due_on      task_id  customer   phone  text           repeats\n"
        "----------  -------  ---------  -----  -------------  -------\n"
        "2026-11-27  2        Carl (#3)         Book the demo  1m\n"
        "\n"
        "Due for contact (1)\n"
        "customer  phone  last_contact              cadence             state    preferred_channel\n"
        "--------  -----  ------------------------  ------------------  -------  -----------------\n"
        "Bob (#2)         2026-11-01 (21 days ago)  14 days (customer)  overdue  wechat\n"
        "\n"
        "Birthdays and dates until 2026-11-29 (2)\n"
        "falls_on    customer   phone           what\n"
        "----------  ---------  --------------  ------------------------------\n"
        "2026-11-24  Anna (#1)  +8613800138000  birthday (turns 36)\n"
        "2026-11-25  Carl (#3)                  contract anniversary (2 years)\n"
    )


def test_remind_json_has_stable_keys(busy):
    report = remind()
    assert list(report) == [
        "today", "until", "within", "overdue_tasks", "due_tasks", "due_for_contact", "dates",
        "churn", "festivals", "late_feedback",
    ]  # fmt: skip
    assert (report["today"], report["until"], report["within"]) == (
        "2026-11-22",
        "2026-11-29",
        "7d",
    )
    assert report["overdue_tasks"] == [
        {
            "task_id": 1, "due_on": "2026-11-20", "days_overdue": 2, "customer_id": 1,
            "customer_name": "Anna", "phone": "+8613800138000", "text": "Send the quote", "every": None,
            "repeat_after": None,
        }
    ]  # fmt: skip
    assert report["due_tasks"][0]["days_until"] == 5
    assert report["due_for_contact"] == [
        {
            "customer_id": 2, "customer_name": "Bob", "phone": None, "preferred_channel": "wechat",
            "preferred_time": None, "last_contact_at": "2026-11-01T10:00:00+08:00",
            "days_since_contact": 21, "cadence_days": 14, "cadence_source": "customer",
            "due_on": "2026-11-15", "days_overdue": 7, "cadence_max_days": None,
            "overdue_after": "2026-11-15", "state": "overdue",
        }
    ]  # fmt: skip
    assert [(d["falls_on"], d["kind"], d["label"], d["years"]) for d in report["dates"]] == [
        ("2026-11-24", "birthday", "birthday", 36),
        ("2026-11-25", "date", "contract anniversary", 2),
    ]


def test_remind_window(busy):
    assert [t["text"] for t in remind("--within", "0d")["due_tasks"]] == []
    assert remind("--within", "0d")["dates"] == []
    assert [t["text"] for t in remind("--within", "2m")["due_tasks"]] == [
        "Book the demo",
        "Far away",
    ]
    assert remind("--within", "1m")["until"] == "2026-12-22"


def test_nothing_due_prints_nothing_and_exits_0(db_path):
    add("Anna")  # no cadence, no tasks, no dates
    ok("log", "call", "Anna", "hi", "--at", "2025-01-01")
    result = crm("remind")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_nothing_due_in_ics_is_a_valid_empty_calendar(db_path):
    """0 bytes, which calendar apps refuse as a subscribed feed."""
    import icalendar

    add("Anna")
    result = CliRunner().invoke(app, ["remind", "--format", "ics"], catch_exceptions=False)
    assert result.exit_code == 0
    text = result.stdout_bytes.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    cal = icalendar.Calendar.from_ical(text)
    assert str(cal["version"]) == "2.0" and cal.walk("VEVENT") == []


def test_nothing_due_in_json_is_an_empty_report(db_path):
    result = crm("remind", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "today": "2026-11-22", "until": "2026-11-29", "within": "7d", "overdue_tasks": [],
        "due_tasks": [], "due_for_contact": [], "dates": [], "churn": [], "festivals": [], "late_feedback": [],
    }  # fmt: skip


def test_remind_never_creates_the_database(db_path):
    assert ok("remind") == ""
    assert not db_path.exists()


def test_done_tasks_and_archived_customers_are_not_reminded(busy):
    ok("task", "done", "1")
    ok("delete", "Bob")
    ok("delete", "Carl")
    report = remind()
    assert report["overdue_tasks"] == report["due_tasks"] == report["due_for_contact"] == []
    assert [d["customer_name"] for d in report["dates"]] == ["Anna"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--within", "soon"], "--within 'soon' is not a period"),
        (["--within", "3h"], "here m means months"),
        (["--format", "table"], "'table' is not one of"),
    ],
)
def test_bad_remind_input(busy, args, message):
    assert message in fails(2, "remind", *args)


def test_remind_month_end_window(db_path, monkeypatch):
    at(monkeypatch, "2026-01-31T09:00:00+08:00")
    add("Anna")
    ok("task", "add", "Anna", "end of Feb", "--due", "2026-02-28")
    ok("task", "add", "Anna", "1 March", "--due", "2026-03-01")
    report = remind("--within", "1m")
    assert report["until"] == "2026-02-28"
    assert [t["text"] for t in report["due_tasks"]] == ["end of Feb"]


@pytest.mark.parametrize(
    ("now", "falls_on"),
    [
        ("2027-02-27T09:00:00+08:00", "2027-02-28"),  # not a leap year: on 28 February
        ("2028-02-28T09:00:00+08:00", "2028-02-29"),  # a leap year: on the day itself
    ],
)
def test_leap_day_birthdays_and_dates(db_path, monkeypatch, now, falls_on):
    at(monkeypatch, now)
    add("Leap", "--birthday", "2000-02-29")
    ok("date", "add", "Leap", "founded", "2004-02-29", "--yearly")
    dates = remind("--within", "1d")["dates"]
    assert [(d["falls_on"], d["label"]) for d in dates] == [
        (falls_on, "birthday"),
        (falls_on, "founded"),
    ]


# --- cadence -----------------------------------------------------------------------------


def test_default_cadence_counts_from_the_last_contact_or_from_being_added(db_path, monkeypatch):
    at(monkeypatch, "2026-10-01T09:00:00+08:00")
    add("Old")  # added 1 Oct, never contacted
    add("Talked")
    at(monkeypatch, "2026-11-22T10:00:00+08:00")
    ok("log", "call", "Talked", "hi", "--at", "2026-11-01")
    ok("log", "note", "Talked", "a note is not contact")
    assert remind()["due_for_contact"] == []  # no cadence anywhere: never due
    ok("config", "set", "cadence.default", "30d")
    due = remind()["due_for_contact"]
    assert [(d["customer_name"], d["last_contact_at"], d["due_on"]) for d in due] == [
        ("Old", None, "2026-10-31")
    ]
    ok("config", "set", "cadence.default", "2w")
    assert [d["customer_name"] for d in remind()["due_for_contact"]] == ["Old", "Talked"]


def test_a_customer_due_in_the_year_1200_is_due(db_path, monkeypatch):
    """Days before 1970 count back from it in seconds too: a customer whose cadence has
    passed is due however long before 1970 today is (a clock pinned in 1200 by CRM_NOW),
    in crm remind and crm today alike."""
    at(monkeypatch, "1200-01-10T10:00:00+08:00")
    add("张伟", "--cadence", "3")
    add("李娜", "--cadence", "3")
    ok("log", "call", "张伟", "hi", "--at", "1200-01-07T10:00")  # 3 days: due
    ok("log", "call", "李娜", "hi", "--at", "1200-01-08T10:00")  # 2 days: not yet
    due = remind()["due_for_contact"]
    assert [(d["customer_name"], d["days_since_contact"]) for d in due] == [("张伟", 3)]
    today = json.loads(ok("today", "--format", "json"))
    assert [row["customer_name"] for row in today] == ["张伟"]


# Each way a customer can be in touch besides an interaction, 5 days before the pinned today.
IN_TOUCH = {
    "purchase": ("buy", "Anna", "Tea", "10", "--at", "2026-11-17 09:00"),
    "refund": ("buy", "Anna", "Tea", "-10", "--at", "2026-11-17 09:00", "--force"),
    "feedback": ("feedback", "add", "Anna", "Lovely tea", "--kind", "praise", "--at",
                 "2026-11-17 09:00"),
    "survey": ("survey", "add", "Anna", "--nps", "9", "--at", "2026-11-17 09:00"),
}  # fmt: skip


def _last_contact_everywhere() -> set[str | None]:
    """Anna's last contact as crm show, crm remind, crm today and the customer_overview
    view give it (each must agree with the others)."""
    shown = json.loads(ok("show", "Anna", "-f", "json"))["contact"][0]["last_contact_at"]
    remind_rows = [r for r in remind()["due_for_contact"] if r["customer_name"] == "Anna"]
    today_rows = [r for r in json.loads(ok("today", "-f", "json")) if r["customer_name"] == "Anna"]
    view = ok(
        "sql", "SELECT last_contact_at FROM customer_overview WHERE name = 'Anna'", "-f", "json"
    )
    return {
        shown,
        *(r["last_contact_at"] for r in remind_rows + today_rows),
        json.loads(view)[0]["last_contact_at"],
    }


@pytest.mark.parametrize("what", IN_TOUCH)
def test_purchases_feedback_and_survey_answers_count_as_contact(db_path, what):
    add("Anna", "--cadence", "30d")
    ok("log", "call", "Anna", "hi", "--at", "2026-09-23 09:00")  # 60 days ago
    ok(*IN_TOUCH[what])  # 5 days ago
    assert remind()["due_for_contact"] == []
    assert json.loads(ok("today", "-f", "json")) == []
    assert _last_contact_everywhere() == {"2026-11-17T09:00:00+08:00"}
    assert ok("list", "--where", "days_since_contact = 5", "-q") == "1\n"
    assert ok("list", "--where", "last_contact_on >= 2026-11-17", "-q") == "1\n"
    # Only the interactions count now: the call 60 days ago is the last contact, 30 late.
    ok("config", "set", "contact.counts", "call,email,meeting")
    due = remind()["due_for_contact"]
    assert [(d["customer_name"], d["days_since_contact"], d["days_overdue"]) for d in due] == [
        ("Anna", 60, 30)
    ]
    assert _last_contact_everywhere() == {"2026-09-23T09:00:00+08:00"}
    assert ok("list", "--where", "days_since_contact = 5", "-q") == ""
    assert ok("list", "--where", "days_since_contact > 59", "-q") == "1\n"
    today = json.loads(ok("today", "-f", "json"))
    assert today[0]["reasons"] == ["no contact for 60 days (cadence 30 days, customer)"]
    # And back to the default: all of them count again.
    ok("config", "unset", "contact.counts")
    assert remind()["due_for_contact"] == []


def test_contact_counts_picks_each_kind_of_contact(db_path):
    add("Anna", "--cadence", "30d")
    ok("log", "meeting", "Anna", "lunch", "--at", "2026-09-23 09:00")
    ok("buy", "Anna", "Tea", "10", "--at", "2026-10-23 09:00")
    ok("survey", "add", "Anna", "--nps", "9", "--at", "2026-11-17 09:00")
    ok("log", "note", "Anna", "a note is never contact", "--at", "2026-11-21 09:00")
    days = {}
    for counts in ("call", "meeting", "purchase", "meeting,purchase", "survey,call"):
        ok("config", "set", "contact.counts", counts)
        show = json.loads(ok("show", "Anna", "-f", "json"))["contact"][0]
        days[counts] = show["days_since_contact"]
    assert days == {
        "call": None, "meeting": 60, "purchase": 30, "meeting,purchase": 30, "survey,call": 5
    }  # fmt: skip


def test_contact_counts_setting(db_path):
    default = "call,email,meeting,visit,message,purchase,feedback,survey"
    assert ok("config", "get", "contact.counts") == default + "\n"
    # Words in any case and order, stored in the documented order.
    assert (
        ok("config", "set", "contact.counts", " Survey, CALL ") == "contact.counts = call,survey\n"
    )
    listed = {r["key"]: r for r in json.loads(ok("config", "list", "-f", "json"))}
    assert listed["contact.counts"]["value"] == "call,survey"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("note", "crm: a note never counts as contact; contact.counts takes: call, email, "
                 "meeting, visit, message, purchase, feedback, survey\n"),
        ("call,note", "a note never counts as contact"),
        ("call,bought", "crm: contact.counts: 'bought' is not one of: call, email, meeting, "
                        "visit, message, purchase, feedback, survey\n"),
        ("", "contact.counts: an empty word is not one of: call"),
        ("call,,email", "contact.counts: an empty word is not one of"),
        ("purchases", "'purchases' is not one of"),
    ],
)  # fmt: skip
def test_bad_contact_counts_are_refused(db_path, value, message):
    ok("config", "set", "contact.counts", "call,purchase")
    stderr = fails(2, "config", "set", "contact.counts", value, db=db_path)
    assert message in stderr
    assert ok("config", "get", "contact.counts") == "call,purchase\n"


def test_a_contact_word_from_a_newer_crm_counts_nothing(db_path):
    add("Anna", "--cadence", "30d")
    ok("log", "call", "Anna", "hi", "--at", "2026-11-17")
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('contact.counts', 'telepathy')")
    conn.close()
    shown = json.loads(ok("show", "Anna", "-f", "json"))["contact"][0]
    assert (shown["last_contact"], shown["is_due"]) == ("never", False)  # counted from today
    assert ok("list", "--where", "days_since_contact >= 0", "-q") == ""


def test_the_customers_own_cadence_beats_the_default(db_path):
    add("Anna", "--cadence", "60d")
    ok("log", "call", "Anna", "hi", "--at", "2026-10-01")
    ok("config", "set", "cadence.default", "7d")
    assert remind()["due_for_contact"] == []
    ok("edit", "Anna", "--unset", "cadence")
    assert remind()["due_for_contact"][0]["cadence_source"] == "default"


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("cadence.default", "1m", "30d"),
        ("cadence.tag.vip", "2w", "14d"),
        ("cadence.tag.重要客户", "10d", "10d"),
        ("cadence.stage.lead", "1y", "365d"),
    ],
)
def test_cadence_settings(db_path, key, value, stored):
    assert ok("config", "set", key, value) == f"{key} = {stored}\n"
    assert ok("config", "get", key) == f"{stored}\n"
    listed = {r["key"]: r for r in json.loads(ok("config", "list", "-f", "json"))}
    assert listed[key]["value"] == stored and listed[key]["source"] == "set"
    ok("config", "unset", key)
    assert ok("config", "get", key) == ""


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("cadence.tag.", "14d", "unknown setting 'cadence.tag.'"),
        ("cadence.tag.a b", "14d", "unknown setting"),
        ("cadence.stage.x.y", "14d", "unknown setting"),
        ("cadence.weekly", "14d", "cadence.tag.NAME, cadence.stage.NAME"),
        ("cadence.tag.vip", "often", "cadence 'often' is not a period"),
        ("cadence.default", "0d", "must be at least 1"),
    ],
)
def test_bad_cadence_settings(db_path, key, value, message):
    ok("config", "set", "default_region", "CN")
    assert message in fails(2, "config", "set", key, value, db=db_path)


def test_most_specific_cadence_wins(db_path):
    for name in ("Anna", "Bob", "Carl", "Dora"):
        add(name)
        ok("log", "call", name, "hi", "--at", "2026-11-01")
    ok("config", "set", "cadence.default", "60d")
    ok("config", "set", "cadence.tag.VIP", "7d")
    ok("config", "set", "cadence.stage.lead", "14d")
    ok("tag", "vip", "Anna", "Bob")
    ok("stage", "Bob", "lead")
    ok("stage", "Carl", "lead")
    ok("edit", "Anna", "--cadence", "30d")
    due = {r["customer_name"]: r["cadence_source"] for r in remind()["due_for_contact"]}
    # Anna: own 30d (not due); Bob: tag beats stage (7d, due); Carl: stage 14d (due, 21 days);
    # Dora: default 60d (not due).
    assert due == {"Bob": "tag vip", "Carl": "stage lead"}


# --- today -------------------------------------------------------------------------------


def test_today_ranks_who_to_contact_and_why(busy, monkeypatch):
    ok("task", "add", "Bob", "Call back", "--due", "today")
    ok("date", "add", "Carl", "first order", "2025-11-22", "--yearly")
    out = ok("today")
    assert out == (
        "rank  customer   phone           last_contact              why\n"
        "----  ---------  --------------  ------------------------  "
        "--------------------------------------------------------------------------------\n"
        "1     Anna (#1)  +8613800138000  never                     "
        "task #1 overdue 2 days: Send the quote\n"
        "2     Bob (#2)                   2026-11-01 (21 days ago)  "
        "task #4 due today: Call back; no contact for 21 days (cadence 14 days, customer)\n"
        "3     Carl (#3)                  never                     first order (1 year) today\n"
    )
    rows = json.loads(ok("today", "-f", "json"))
    assert list(rows[1]) == [
        "rank", "customer_id", "customer_name", "phone", "preferred_channel", "preferred_time",
        "last_contact_at", "days_since_contact", "reasons", "urgency",
    ]  # fmt: skip
    assert [r["urgency"] for r in rows] == ["overdue", "today", "today"]
    assert rows[1]["reasons"] == [
        "task #4 due today: Call back",
        "no contact for 21 days (cadence 14 days, customer)",
    ]
    assert ok("today", "-q", "--limit", "2") == "1\n2\n"
    # With a limit only the customers shown have their reasons worded: in the same words.
    assert json.loads(ok("today", "-f", "json", "--limit", "2")) == rows[:2]
    assert json.loads(ok("today", "--fields", "customer_id,urgency", "-f", "json")) == [
        {"customer_id": 1, "urgency": "overdue"}, {"customer_id": 2, "urgency": "today"},
        {"customer_id": 3, "urgency": "today"},
    ]  # fmt: skip
    assert ok("today", "--fields", "customer_name,urgency", "--limit", "1").splitlines() == [
        "customer_name  urgency", "-------------  -------", "Anna           overdue",
    ]  # fmt: skip


def test_on_a_terminal_today_and_remind_show_their_first_rows(busy, monkeypatch):
    from crmcli.cli import reminders as reminders_cli

    ok("task", "add", "Bob", "Call back", "--due", "today")
    ok("date", "add", "Carl", "first order", "2025-11-22", "--yearly")
    ok("task", "add", "Carl", "Also late", "--due", "2026-11-21")
    everyone = [r["customer_id"] for r in json.loads(ok("today", "-f", "json"))]
    assert everyone == [1, 3, 2]  # off a terminal: every row
    assert [len(remind()[k]) for k in ("overdue_tasks", "dates")] == [2, 3]
    monkeypatch.setattr(reminders_cli, "TERMINAL_LIMIT", 2)
    monkeypatch.setattr(reminders_cli, "is_terminal", lambda stream: True)
    result = crm("today", "-f", "json")
    assert [r["customer_id"] for r in json.loads(result.stdout)] == everyone[:2]
    assert result.stderr == "Showing 2 of 3 customers; --all shows all, --limit N more\n"
    said = crm("--lang", "zh", "today", "-f", "json").stderr
    assert said == "显示 3 位中的 2 位；--all 显示全部，--limit 数字 显示更多\n"
    result = crm("today", "-f", "json", "--all")
    assert [r["customer_id"] for r in json.loads(result.stdout)] == everyone
    assert result.stderr == ""
    assert crm("today", "--limit", "1", "-q").stdout == "1\n"
    assert crm("today", "--limit", "1").stderr == ""  # the user chose the cut: no note
    shown = remind("--within", "30d")
    assert [len(shown[k]) for k in ("overdue_tasks", "dates")] == [2, 2]
    result = crm("remind")
    assert "Overdue tasks (2)\n" in result.stdout
    assert "Birthdays and dates until 2026-11-29 (2 of 3)\n" in result.stdout
    assert result.stderr == "Some sections show their first rows only; --all shows every row\n"
    assert "(2 of 3)" not in crm("remind", "--all").stdout
    monkeypatch.setattr(reminders_cli, "is_terminal", lambda stream: False)
    result = crm("remind", "--limit", "1")
    assert "Birthdays and dates until 2026-11-29 (1 of 3)\n" in result.stdout
    assert result.stderr == ""
    assert "--limit takes a whole number of at least 0, not '-1'" in fails(
        2, "remind", "--limit", "-1"
    )


def test_today_with_nothing_to_do(db_path):
    add("Anna")
    assert ok("today") == ""
    assert ok("today", "-f", "json") == "[]\n"


def test_bad_today_input(db_path):
    assert "--limit takes a whole number, not 'x'" in fails(2, "today", "--limit", "x")
    assert "'yaml' is not one of" in fails(2, "today", "--format", "yaml")
    assert "unknown field 'why'; valid fields: rank," in fails(2, "today", "--fields", "why")


# --- dates -------------------------------------------------------------------------------


def test_date_add_list_delete(db_path):
    add("Anna")
    add("Bob")
    out = ok("date", "add", "Anna", "contract anniversary", "2025-03-01", "--yearly")
    assert out == (
        "Added date 1 for Anna (#1): contract anniversary Sat 2025-03-01 yearly; next 2027-03-01\n"
    )
    ok("date", "add", "Bob", "renewal deadline", "+10d")
    out = ok("date", "add", "Bob", "kick-off", "2026-01-05")
    assert out.endswith(
        "kick-off Mon 2026-01-05 (in the past, so never reminded; to have it every year: "
        "crm date delete 3 and add it again with --yearly)\n"
    )
    out = ok("--lang", "zh", "date", "add", "Bob", "结婚纪念日", "2015-05-20", "-q")
    assert out == "4\n"  # -q: the id alone, no hint
    ok("date", "delete", "--yes", "4")
    rows = json.loads(ok("date", "list", "-f", "json"))
    assert [(r["id"], r["label"], r["date_on"], r["is_yearly"], r["next_on"]) for r in rows] == [
        (2, "renewal deadline", "2026-12-02", False, "2026-12-02"),
        (1, "contract anniversary", "2025-03-01", True, "2027-03-01"),
        (3, "kick-off", "2026-01-05", False, None),
    ]
    assert ok("date", "list", "--within", "2w", "-q") == "2\n"
    assert ok("date", "list", "Anna", "-q") == "1\n"
    assert ok("date", "delete", "--yes", "3") == "Deleted date 3 of Bob (#2): kick-off 2026-01-05\n"
    assert ok("date", "list", "-q") == "2\n1\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["add", "Anna", "x", "someday"], 2, "not a date"),
        (["add", "Anna", " ", "2026-01-01"], 2, "label cannot be empty"),
        (["add", "Nobody", "x", "2026-01-01"], 3, "no customer matches"),
        (["add", "Anna", "x"], 2, "Missing argument 'DATE'"),
        (["list", "--within", "ages"], 2, "is not a period"),
        (["delete", "5"], 3, "no date with id 5"),
        (["delete", "five"], 2, "ID takes a whole number, not 'five'"),
    ],
)
def test_bad_date_commands(db_path, args, code, message):
    add("Anna")
    assert message in fails(code, "date", *args, db=db_path)


# --- iCalendar ---------------------------------------------------------------------------


def test_ics_feed_parses_back_with_icalendar(busy):
    import icalendar

    result = CliRunner().invoke(app, ["remind", "--format", "ics"], catch_exceptions=False)
    assert result.exit_code == 0
    text = result.stdout_bytes.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    cal = icalendar.Calendar.from_ical(text)
    assert str(cal["version"]) == "2.0" and "crmcli" in str(cal["prodid"])
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert sorted(events) == [
        "birthday-1-20261124@crmcli",
        "contact-2@crmcli",
        "date-1-20261125@crmcli",
        "task-1@crmcli",
        "task-2@crmcli",
    ]
    overdue = events["task-1@crmcli"]
    assert overdue.decoded("dtstart") == date(2026, 11, 22)  # overdue: shown today
    assert str(overdue["summary"]) == "Overdue: Send the quote (Anna)"
    assert "Overdue since 2026-11-20" in str(overdue["description"])
    assert events["task-2@crmcli"].decoded("dtstart") == date(2026, 11, 27)
    assert events["task-2@crmcli"].decoded("dtend") == date(2026, 11, 28)
    assert str(events["birthday-1-20261124@crmcli"]["summary"]) == "Anna: birthday (turns 36)"
    assert str(events["contact-2@crmcli"]["summary"]) == "Contact Bob"
    for event in events.values():
        assert event.decoded("dtstamp").isoformat() == "2026-11-22T02:00:00+00:00"


def test_ics_uids_are_stable_between_runs(busy):
    assert ok("remind", "-f", "ics") == ok("remind", "-f", "ics")


def test_icalendar_is_imported_only_for_ics(busy):
    code = (
        "import sys\n"
        "import crmcli.cli\n"
        "crmcli.cli.leave = lambda code: None  # exits the ordinary way: what follows runs\n"
        "from crmcli.__main__ import main\n"
        "sys.argv = ['crm', 'remind', '--format', 'json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert 'icalendar' not in sys.modules, 'icalendar imported'\n"
    )
    env = {**os.environ, "CRM_DB": str(busy)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- time zones and daylight saving ------------------------------------------------------


def test_cadence_counts_local_calendar_days_across_spring_forward(db_path, monkeypatch):
    with local_zone(NEW_YORK):
        at(monkeypatch, "2026-03-07T23:30:00")  # Saturday night, EST (-05:00)
        add("Dora", "--cadence", "7d")
        ok("log", "call", "Dora", "hi")
        stored = json.loads(ok("interactions", "-f", "json"))[0]["occurred_at"]
        assert stored == "2026-03-07T23:30:00-05:00"
        # The next Saturday just after midnight, EDT (-04:00): only 6 x 24 hours later, but
        # 7 calendar days: due.
        at(monkeypatch, "2026-03-14T00:30:00")
        report = remind()
        assert report["today"] == "2026-03-14"
        assert [
            (d["customer_name"], d["days_since_contact"]) for d in report["due_for_contact"]
        ] == [("Dora", 7)]
        at(monkeypatch, "2026-03-13T23:59:00")
        assert remind()["due_for_contact"] == []


def test_a_late_evening_contact_behind_utc_counts_its_local_day(db_path, monkeypatch):
    # 23:30 on 1 November at UTC-12 is 11:30 on 2 November in UTC; the day that counts is
    # the local one, for a customer's own cadence and a default alike (customers contacted
    # too recently are passed over by their UTC moment first: a day too strict, and these
    # two would wait a day more).
    with local_zone("<-12>12"):
        at(monkeypatch, "2026-11-01T23:30:00")
        add("Dora", "--cadence", "10d")
        add("Emil")
        ok("config", "set", "cadence.default", "10d")
        ok("log", "call", "Dora", "hi")
        ok("log", "call", "Emil", "hi")
        at(monkeypatch, "2026-11-10T23:59:00")
        assert remind("--within", "0d")["due_for_contact"] == []
        assert ok("today") == ""
        at(monkeypatch, "2026-11-11T00:01:00")
        due = remind("--within", "0d")["due_for_contact"]
        assert [
            (d["customer_name"], d["last_contact_at"], d["days_since_contact"], d["cadence_source"])
            for d in due
        ] == [
            ("Dora", "2026-11-01T23:30:00-12:00", 10, "customer"),
            ("Emil", "2026-11-01T23:30:00-12:00", 10, "default"),
        ]
        today = json.loads(ok("today", "-f", "json"))
        assert [(r["customer_name"], r["reasons"]) for r in today] == [
            ("Dora", ["no contact for 10 days (cadence 10 days, customer)"]),
            ("Emil", ["no contact for 10 days (cadence 10 days, default)"]),
        ]


def test_at_uses_the_offset_of_its_own_date_not_of_today(db_path, monkeypatch):
    with local_zone(NEW_YORK):
        at(monkeypatch, "2026-03-09T12:00:00")  # EDT
        add("Dora")
        ok("log", "call", "Dora", "before the change", "--at", "2026-03-07 15:00")
        ok("log", "call", "Dora", "after the change", "--at", "yesterday 15:00")
        stamps = [r["occurred_at"] for r in json.loads(ok("interactions", "-f", "json"))]
        assert stamps == ["2026-03-08T15:00:00-04:00", "2026-03-07T15:00:00-05:00"]


def test_daily_and_weekly_tasks_land_on_local_dates_across_dst(db_path, monkeypatch):
    with local_zone(NEW_YORK):
        at(monkeypatch, "2026-03-07T22:00:00")  # EST; 03:00 UTC is already 8 March
        add("Dora")
        ok("task", "add", "Dora", "daily", "--due", "today", "--every", "1d")
        ok("task", "add", "Dora", "weekly", "--due", "today", "--every", "1w")
        ok("task", "add", "Dora", "tomorrow", "--due", "tomorrow")
        due = {t["text"]: t["due_on"] for t in json.loads(ok("task", "list", "-f", "json"))}
        assert due == {"daily": "2026-03-07", "weekly": "2026-03-07", "tomorrow": "2026-03-08"}
        at(monkeypatch, "2026-03-08T23:30:00")  # EDT; 03:30 UTC on 9 March
        ok("task", "done", "1", "2")
        due = {t["text"]: t["due_on"] for t in json.loads(ok("task", "list", "-f", "json"))}
        assert due == {"daily": "2026-03-09", "weekly": "2026-03-14", "tomorrow": "2026-03-08"}
        report = remind("--within", "7d")
        assert (report["today"], report["until"]) == ("2026-03-08", "2026-03-15")
        assert [t["text"] for t in report["due_tasks"]] == ["tomorrow", "daily", "weekly"]


def test_fall_back_day_windows_and_filters(db_path, monkeypatch):
    with local_zone(BERLIN):
        at(monkeypatch, "2026-10-25T23:30:00")  # the day DST ended: 25 hours long, CET
        add("Emil", "--cadence", "1d", "--birthday", "1980-10-26")
        ok("log", "visit", "Emil", "late", "--at", "2026-10-24 23:30")  # CEST, +02:00
        ok("log", "note", "Emil", "early", "--at", "2026-10-25 00:30")
        texts = [
            r["text"] for r in json.loads(ok("interactions", "--since", "today", "-f", "json"))
        ]
        assert texts == ["early"]
        report = remind("--within", "1d")
        assert report["today"] == "2026-10-25"
        assert [d["falls_on"] for d in report["dates"]] == ["2026-10-26"]
        # 25 hours since the visit, but one calendar day: due today, not yesterday.
        assert report["due_for_contact"][0]["due_on"] == "2026-10-25"
        assert report["due_for_contact"][0]["days_since_contact"] == 1


# --- cron --------------------------------------------------------------------------------


def _crm_command() -> list[str]:
    installed = Path(sys.executable).parent / "crm"
    return [str(installed)] if installed.exists() else [sys.executable, "-m", "crmcli"]


def _cron(db: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    """`crm ARGS` the way cron runs it: no terminal, no stdin, a bare environment."""
    home.mkdir(exist_ok=True)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "CRM_DB": str(db),
        "CRM_NOW": os.environ["CRM_NOW"],
        "TZ": os.environ["TZ"],
        "LANG": "C.UTF-8",
    }
    return subprocess.run(
        [*_crm_command(), *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cron_run_prints_plain_text(busy, tmp_path):
    result = _cron(busy, tmp_path / "cron-home", "remind")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == ok("remind")
    assert "\x1b[" not in result.stdout
    assert not any(ch in result.stdout for ch in "│─┃━┌┐└┘╭╮╰╯")
    assert result.stdout.splitlines()[0] == "Overdue tasks (1)"
    assert not list((tmp_path / "cron-home").iterdir())  # no config or data left in HOME


def test_cron_run_with_nothing_due_mails_nothing(db_path, tmp_path):
    add("Anna")
    result = _cron(db_path, tmp_path / "cron-home", "remind")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_cron_run_with_a_broken_database_exits_1(tmp_path):
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not sqlite" * 100)
    result = _cron(broken, tmp_path / "cron-home", "remind")
    assert result.returncode == 1 and result.stderr.startswith("crm: ")
    assert "Traceback" not in result.stderr


# --- demo and schema ---------------------------------------------------------------------


def test_demo_has_something_to_remind_and_to_do_today(tmp_path):
    demo = tmp_path / "demo.db"
    ok("demo", "--db", str(demo), "--customers", "120")
    report = json.loads(ok("--db", str(demo), "remind", "--format", "json"))
    for key in ("overdue_tasks", "due_tasks", "due_for_contact", "dates"):
        assert report[key], key
    assert any(d["kind"] == "birthday" and d["falls_on"] == "2026-11-22" for d in report["dates"])
    today = json.loads(ok("--db", str(demo), "today", "--format", "json"))
    assert today and all(row["reasons"] for row in today)
    assert json.loads(ok("--db", str(demo), "interactions", "-f", "json", "--limit", "1"))
    assert "cadence.default" in ok("--db", str(demo), "config", "list")
    assert json.loads(ok("--db", str(demo), "task", "list", "--done", "-f", "json"))


def test_tag_cadence_keys_ignore_case_and_stage_keys_must_name_a_stage(db_path):
    ok("config", "set", "cadence.tag.VIP", "5d")
    assert ok("config", "get", "cadence.tag.vip") == "5d\n"
    ok("config", "set", "cadence.tag.vip", "2w")
    assert ok("config", "get", "cadence.tag.Vip") == "14d\n"
    assert "unknown stage" in fails(2, "config", "set", "cadence.stage.nosuch", "30d", db=db_path)
    ok("config", "unset", "cadence.tag.VIP")
    assert ok("config", "get", "cadence.tag.vip") == ""


def test_follow_up_with_a_time_of_day(db_path):
    add("Anna")
    out = ok("log", "call", "Anna", "x", "--follow-up", "2026-12-01 10:00:meet: at noon")
    assert "due Tue 2026-12-01: meet: at noon" in out


def test_remind_shows_a_repeat_after_done_as_task_list_does(db_path):
    add("Anna")
    ok("task", "add", "Anna", "Water the plants", "--due", "today", "--after", "2w")
    ok("task", "add", "Anna", "Monthly report", "--due", "today", "--every", "1m")
    table = ok("remind", "--within", "0d")
    assert "Water the plants  2w after done" in table and "Monthly report    1m" in table
    due = remind("--within", "0d")["due_tasks"]
    assert [(t["every"], t["repeat_after"]) for t in due] == [(None, "2w"), ("1m", None)]


# --- days without a year ------------------------------------------------------------------

DATA = Path(__file__).parent / "data"


@pytest.fixture
def yearless(db_path, monkeypatch) -> Path:
    """Birthdays without a year as phones and Google Contacts write them: Google's CSV
    (`--05-13`, `--01-02`, `--02-29`), vCard 3.0 (`--0715`, `--07-15`) and 4.0 (`--0715`)."""
    at(monkeypatch, "2026-12-30T09:00:00+08:00")
    for name in ("google_yearless.csv", "phone_yearless.vcf"):
        result = crm("import", "customers", str(DATA / name))
        assert "3 inserted" in result.stderr, result.stderr
    return db_path


def test_imported_birthdays_without_a_year_are_reminded_across_the_year_end(yearless):
    report = remind("--within", "7d")  # typed on 2026-12-30: Tom's --01-02 is next year's
    assert [
        (d["falls_on"], d["customer_name"], d["label"], d["years"]) for d in report["dates"]
    ] == [
        ("2027-01-02", "Tom Reed", "birthday", None),
    ]
    assert ok("remind", "--within", "7d") == (
        "Birthdays and dates until 2027-01-06 (1)\n"
        "falls_on    customer       phone  what\n"
        "----------  -------------  -----  --------\n"
        "2027-01-02  Tom Reed (#2)         birthday\n"
    )
    everyone = remind("--within", "1y")["dates"]
    assert [(d["falls_on"], d["customer_name"], d["years"]) for d in everyone] == [
        ("2027-01-02", "Tom Reed", None),
        ("2027-02-28", "Leah Day", None),  # --02-29 in a common year: 28 February
        ("2027-05-13", "Mei Lin", None),
        ("2027-07-15", "Chen Jie", None),  # vCard 3.0 BDAY:--0715
        ("2027-07-15", "Ada Okafor", None),  # vCard 3.0 BDAY:--07-15
        ("2027-07-15", "Sam Park", None),  # vCard 4.0 BDAY:--0715
    ]
    assert "turns" not in ok("remind", "--within", "1y")


def test_a_birthday_without_a_year_is_a_reason_today_with_no_age(yearless, monkeypatch):
    at(monkeypatch, "2027-01-02T09:00:00+08:00")
    assert ok("today") == (
        "rank  customer       phone  last_contact  why\n"
        "----  -------------  -----  ------------  --------------\n"
        "1     Tom Reed (#2)         never         birthday today\n"
    )
    at(monkeypatch, "2027-01-01T09:00:00+08:00")
    assert ok("today") == ""


@pytest.mark.parametrize(
    ("now", "falls_on"),
    [
        ("2027-02-27T09:00:00+08:00", "2027-02-28"),  # a common year: on 28 February
        ("2028-02-28T09:00:00+08:00", "2028-02-29"),  # a leap year: on the day itself
    ],
)
def test_29_february_without_a_year(db_path, monkeypatch, now, falls_on):
    at(monkeypatch, now)
    add("Leap", "--birthday", "--02-29")
    ok("date", "add", "Leap", "name day", "--", "--0229")
    dates = remind("--within", "1d")["dates"]
    assert [(d["falls_on"], d["label"], d["years"]) for d in dates] == [
        (falls_on, "birthday", None),
        (falls_on, "name day", None),
    ]


def test_a_birthday_without_a_year_in_the_ics_feed(yearless):
    import icalendar

    result = CliRunner().invoke(app, ["remind", "--within", "7d", "--format", "ics"])
    events = icalendar.Calendar.from_ical(result.stdout_bytes.decode("utf-8")).walk("VEVENT")
    assert [(str(e["uid"]), e.decoded("dtstart"), str(e["summary"])) for e in events] == [
        ("birthday-2-20270102@crmcli", date(2027, 1, 2), "Tom Reed: birthday"),
    ]


def test_yearly_dates_without_a_year(db_path):
    add("Bob")
    out = ok("date", "add", "Bob", "name day", "--", "--12-06")  # yearly without --yearly
    assert out == "Added date 1 for Bob (#1): name day --12-06 yearly; next 2026-12-06\n"
    ok("date", "add", "Bob", "shop anniversary", "2020-11-25", "--yearly")
    listed = json.loads(ok("date", "list", "--format", "json"))
    assert [(d["date_on"], d["is_yearly"], d["next_on"]) for d in listed] == [
        ("2020-11-25", True, "2026-11-25"),
        ("--12-06", True, "2026-12-06"),
    ]
    dates = remind("--within", "1m")["dates"]
    assert [(d["falls_on"], d["label"], d["years"]) for d in dates] == [
        ("2026-11-25", "shop anniversary", 6),
        ("2026-12-06", "name day", None),  # no year: no count of years
    ]
    assert "2026-12-06  Bob (#1)         name day\n" in ok("remind", "--within", "1m")
    shown = json.loads(ok("show", "Bob", "--format", "json"))["dates"]
    assert [d["date_on"] for d in shown] == ["2020-11-25", "--12-06"]


@pytest.mark.parametrize("bad", ["--13-01", "--02-30", "--0230", "--00-10", "--5-13"])
def test_a_yearly_date_without_a_year_that_is_no_day_is_refused(db_path, bad):
    add("Bob")
    err = fails(2, "date", "add", "Bob", "name day", "--", bad, db=db_path)
    assert err.startswith(f"crm: not a date: '{bad}'") and err.count("\n") == 1


def _uids_by_lines(text: str) -> list[tuple[str, str]]:
    """(UID, DTSTART) of each VEVENT, read from the unfolded lines: a second reading of the
    feed, independent of the icalendar library."""
    lines = text.replace("\r\n ", "").split("\r\n")
    events, current = [], {}
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append((current["UID"], current["DTSTART"]))
        elif ":" in line:
            name, _, value = line.partition(":")
            current[name.split(";")[0]] = value
    return events


def test_every_occurrence_has_its_own_uid_over_ten_years(db_path, monkeypatch):
    """With the clock at 2022-01-01 and --within 1y, 腊八 (twice in 2022), a lunar birthday
    and a yearly date each came twice under one UID; a calendar keeps one of each."""
    import icalendar

    add("王芳", "--birthday", "lunar:1990-12-08", "--phone", "+8613800138000")
    add("Tom", "--birthday", "--01-05")
    ok("date", "add", "Tom", "contract", "2019-01-03", "--yearly")
    ok("care", "rule", "add", "腊八", "粥 congee", "--tag", "vip")
    ok("tag", "vip", "王芳")
    seen: dict[str, str] = {}
    for year in range(2020, 2030):
        monkeypatch.setenv("CRM_NOW", f"{year}-01-01T09:00:00+08:00")
        result = CliRunner().invoke(app, ["remind", "--within", "1y", "--format", "ics"])
        assert result.exit_code == 0, result.output
        text = result.stdout_bytes.decode("utf-8")
        mine = _uids_by_lines(text)
        theirs = [
            (str(e["uid"]), e.decoded("dtstart").strftime("%Y%m%d"))
            for e in icalendar.Calendar.from_ical(text).walk("VEVENT")
        ]
        assert sorted(theirs) == sorted((u, d.split(":")[-1]) for u, d in mine)
        uids = [u for u, _ in theirs]
        assert len(uids) == len(set(uids)), f"{year}: {sorted(uids)}"
        for uid, day in theirs:  # one UID, one event, for all time
            assert seen.setdefault(uid, day) == day, uid
    assert sum(u.startswith("festival-laba-2022") for u in seen) == 2  # Jan and Dec 2022
    assert sum(u.startswith("birthday-1-") for u in seen) >= 10


# --- late feedback and churn risks, in every form ----------------------------------------


@pytest.fixture
def unhappy(db_path) -> Path:
    """At 2026-11-22 10:00, with the default 24-hour target for high-severity feedback:
    Anna's complaint is 48 hours open (24 past), Carl's 73 (49 past), Dora's 47 (23 past);
    Bob's task is 2 days overdue; Eve bought every 30 days until 2026-09-29 (54 days ago)."""
    filled_once(db_path, _fill_unhappy)
    return db_path


def _fill_unhappy() -> None:
    add("Anna", "--phone", "+8613800138000")
    add("Bob")
    add("Carl")
    add("Dora")
    add("Eve", "--phone", "+8613900139000")
    ok("feedback", "add", "Anna", "Broken teapot", "--severity", "high", "--at", "2026-11-20 10:00")
    ok("feedback", "add", "Carl", "Cold tea", "--severity", "high", "--at", "2026-11-19 09:00")
    ok("feedback", "add", "Dora", "Late parcel", "--severity", "high", "--at", "2026-11-20 11:00")
    ok("task", "add", "Bob", "Call back", "--due", "2026-11-20")
    for day in ("2026-07-01", "2026-07-31", "2026-08-30", "2026-09-29"):
        ok("buy", "Eve", "Tea", "200", "--at", day)


def test_today_ranks_late_feedback_by_hours_past_target_among_overdue_tasks(unhappy):
    # Days past the target weigh as days overdue: Carl 49/24 > Bob's 2 > Anna 1 > Dora 23/24;
    # open time in hours below two days, in whole days from two days on.
    assert [
        (r["customer_name"], r["reasons"], r["urgency"])
        for r in json.loads(ok("today", "-f", "json"))
    ] == [
        ("Carl", ["feedback #2 open 3 days (complaint, high): Cold tea"], "overdue"),
        ("Bob", ["task #1 overdue 2 days: Call back"], "overdue"),
        ("Anna", ["feedback #1 open 2 days (complaint, high): Broken teapot"], "overdue"),
        ("Dora", ["feedback #3 open 47 hours (complaint, high): Late parcel"], "overdue"),
        (
            "Eve",
            [
                "churn risk: buys about every 30 days; silent for 54 days; bought 800.00 CNY net "
                "in their last year"
            ],
            "later",
        ),
    ]


def test_late_feedback_names_its_kind_in_the_runs_language(unhappy):
    shown = _cells(ok("--lang", "zh", "today", "--fields", "customer_name,reasons"), 2)
    assert shown[0] == ["Carl", "反馈 #2 已 3 天未处理（投诉，高）：Cold tea"]


def test_late_feedback_and_churn_risks_in_the_ics_feed(unhappy):
    import icalendar

    cal = icalendar.Calendar.from_ical(ok("remind", "--format", "ics"))
    events = [
        (
            str(e["uid"]),
            e.decoded("dtstart"),
            str(e["summary"]),
            str(e["description"]),
            e.get("categories").to_ical().decode(),
        )
        for e in cal.walk("VEVENT")
    ]
    today = date(2026, 11, 22)
    assert events[1:] == [
        (
            "churn-5-CNY@crmcli",
            today,
            "Churn risk: Eve",
            "Customer: Eve (#5)\nWhy: buys about every 30 days; silent for 54 days\n"
            "Bought 800.00 CNY in the year up to their last purchase (2026-09-29)\n"
            "Phone: +8613900139000",
            "churn",
        ),
        (
            "feedback-2@crmcli",
            today,
            "Answer complaint from Carl",
            "Customer: Carl (#3)\nReceived: 2026-11-19T09:00:00+08:00\n"
            "Resolve: crm feedback resolve 2",
            "feedback",
        ),
        (
            "feedback-1@crmcli",
            today,
            "Answer complaint from Anna",
            "Customer: Anna (#1)\nReceived: 2026-11-20T10:00:00+08:00\n"
            "Phone: +8613800138000\nResolve: crm feedback resolve 1",
            "feedback",
        ),
        (
            "feedback-3@crmcli",
            today,
            "Answer complaint from Dora",
            "Customer: Dora (#4)\nReceived: 2026-11-20T11:00:00+08:00\n"
            "Resolve: crm feedback resolve 3",
            "feedback",
        ),
    ]
    assert events[0][0] == "task-1@crmcli"


@pytest.fixture
def agenda(db_path) -> Path:
    """From Sun 2026-11-22: Anna and Bob due for contact, tasks due today and one day late,
    a birthday, a date and New Year's Day within 40 days."""
    filled_once(db_path, _fill_agenda)
    return db_path


def _fill_agenda() -> None:
    add("Anna", "--phone", "+8613800138000", "--cadence", "7d", "--preferred-channel", "wechat",
        "--preferred-time", "evenings", "--birthday", "1990-11-30")  # fmt: skip
    add("Bob", "--cadence", "7d", "--preferred-time", "mornings")
    add("Carl", "--phone", "+8613900139000")
    ok("log", "call", "Anna", "hi", "--at", "2026-11-01 10:00")
    ok("log", "call", "Bob", "hi", "--at", "2026-11-10 10:00")
    ok("task", "add", "Bob", "Today", "--due", "2026-11-22")
    ok("task", "add", "Carl", "Yesterday", "--due", "2026-11-21", "--after", "2w")
    ok("date", "add", "Carl", "renewal", "2026-12-24")
    ok("tag", "vip", "Anna", "Carl")
    ok("care", "rule", "add", "all", "greeting card", "--tag", "vip")
    ok("care", "rule", "add", "元旦", "calendar", "--tag", "vip")


def test_every_kind_of_event_in_the_ics_feed_in_full(agenda):
    """Each event's day, summary, description and category, over 40 days from Sun 2026-11-22:
    a task due today is no overdue one, a task one day late is."""
    import icalendar

    cal = icalendar.Calendar.from_ical(ok("remind", "--within", "40d", "--format", "ics"))
    events = [
        (
            str(e["uid"]),
            e.decoded("dtstart").isoformat(),
            str(e["summary"]),
            str(e["description"]).split("\n"),
            e.get("categories").to_ical().decode(),
        )
        for e in cal.walk("VEVENT")
    ]
    assert events == [
        ("task-2@crmcli", "2026-11-22", "Overdue: Yesterday (Carl)",
         ["Customer: Carl (#3)", "Phone: +8613900139000", "Overdue since 2026-11-21",
          "Repeats 2 weeks after it is done", "Done: crm task done 2"], "task"),
        ("task-1@crmcli", "2026-11-22", "Today (Bob)",
         ["Customer: Bob (#2)", "Done: crm task done 1"], "task"),
        ("contact-1@crmcli", "2026-11-22", "Contact Anna",
         ["Last contact: 2026-11-01 (21 days ago)", "Cadence: 7 days (customer)",
          "State: overdue", "Phone: +8613800138000", "Prefers: wechat, evenings"], "contact"),
        ("contact-2@crmcli", "2026-11-22", "Contact Bob",
         ["Last contact: 2026-11-10 (12 days ago)", "Cadence: 7 days (customer)",
          "State: overdue", "Prefers: mornings"], "contact"),
        ("birthday-1-20261130@crmcli", "2026-11-30", "Anna: birthday (turns 36)",
         ["Customer: Anna (#1)", "Phone: +8613800138000"], "birthday"),
        ("date-1-20261224@crmcli", "2026-12-24", "Carl: renewal",
         ["Customer: Carl (#3)", "Phone: +8613900139000"], "date"),
        ("festival-new-year-20270101@crmcli", "2027-01-01", "元旦 New Year's Day: 2 customers to greet",
         ["Anna (#1): greeting card; calendar", "Carl (#3): greeting card; calendar",
          "List: crm care --holiday new-year --year 2027"], "festival"),
    ]  # fmt: skip


def test_show_tells_each_customers_cadence_and_last_contact(db_path):
    """`crm show`'s Contact part, for a tag range (the second of two tags), a stage, an own
    range and no cadence; contact today, yesterday, ten and two days ago."""
    ok("config", "set", "cadence.tag.vip", "2w..1m")
    ok("config", "set", "cadence.stage.lead", "14d")
    add("Hana")
    ok("tag", "aaa", "Hana")
    ok("tag", "vip", "Hana")
    add("Ivan")
    ok("stage", "Ivan", "lead")
    add("Jin", "--cadence", "7d..14d")
    add("Kim")
    ok("log", "call", "Hana", "hi", "--at", "2026-11-22 09:00")
    ok("log", "call", "Ivan", "hi", "--at", "2026-11-21 18:00")
    ok("log", "call", "Jin", "hi", "--at", "2026-11-12 09:00")
    ok("log", "call", "Kim", "hi", "--at", "2026-11-20 09:00")
    keys = ("last_contact", "cadence", "cadence_days", "cadence_max_days", "due_on", "state")
    shown = {}
    for name in ("Hana", "Ivan", "Jin", "Kim"):
        (contact,) = json.loads(ok("show", name, "--format", "json"))["contact"]
        shown[name] = tuple(contact[k] for k in keys)
    assert shown == {
        "Hana": ("2026-11-22 (today)", "14..30 days (tag vip)", 14, 30, "2026-12-06", "ok"),
        "Ivan": ("2026-11-21 (yesterday)", "14 days (stage lead)", 14, None, "2026-12-05",
                 "ok"),
        "Jin": ("2026-11-12 (10 days ago)", "7..14 days (customer)", 7, 14, "2026-11-19", "due"),
        "Kim": ("2026-11-20 (2 days ago)", "none", None, None, None, None),
    }  # fmt: skip
    (kim,) = json.loads(ok("show", "Kim", "--format", "json"))["contact"]
    assert kim == {
        "cadence_days": None, "cadence_source": None,
        "last_contact_at": "2026-11-20T09:00:00+08:00", "days_since_contact": 2, "due_on": None,
        "days_overdue": None, "is_due": False, "cadence_max_days": None, "overdue_after": None,
        "state": None, "last_contact": "2026-11-20 (2 days ago)", "cadence": "none",
    }  # fmt: skip


def test_today_ranks_customers_due_for_contact_by_how_late(db_path, monkeypatch):
    """Past the longest gap (or, for one cadence, past its day) first, then by
    (days late + 1) / cadence, ties by id: Eve 17/5; Anna 4/2 and Bob 2/1 tie; Gus, never
    contacted, 33/20; Dora 11/10; then those due, within their range or on the day: Ida
    10/1, Hana 1/1, Fay 4/7."""
    at(monkeypatch, "2026-10-01T10:00:00+08:00")
    add("Gus", "--cadence", "20d")
    at(monkeypatch, "2026-11-22T10:00:00+08:00")
    for name, cadence, last in [
        ("Anna", "2d", "2026-11-17"), ("Bob", "1d", "2026-11-20"), ("Dora", "10d", "2026-11-02"),
        ("Hana", "1d", "2026-11-21"), ("Eve", "5d..10d", "2026-11-01"),
        ("Fay", "7d..14d", "2026-11-12"), ("Ida", "1d..30d", "2026-11-12"),
    ]:  # fmt: skip
        add(name, "--cadence", cadence)
        ok("log", "call", name, "hi", "--at", f"{last} 09:00")
    rows = json.loads(ok("today", "--format", "json"))
    assert [(r["customer_name"], r["reasons"], r["urgency"]) for r in rows] == [
        ("Eve", ["no contact for 21 days (overdue: cadence 5..10 days, customer)"], "due"),
        ("Anna", ["no contact for 5 days (cadence 2 days, customer)"], "due"),
        ("Bob", ["no contact for 2 days (cadence 1 day, customer)"], "due"),
        ("Gus", ["never contacted (cadence 20 days, customer)"], "due"),
        ("Dora", ["no contact for 20 days (cadence 10 days, customer)"], "due"),
        ("Ida", ["no contact for 10 days (due: cadence 1..30 days, customer)"], "due"),
        ("Hana", ["no contact for 1 day (cadence 1 day, customer)"], "due"),
        ("Fay", ["no contact for 10 days (due: cadence 7..14 days, customer)"], "due"),
    ]
    # crm remind lists them by the day contact fell due, then by id.
    due = [(r["customer_name"], r["due_on"]) for r in remind()["due_for_contact"]]
    assert due == [
        ("Gus", "2026-10-21"), ("Eve", "2026-11-06"), ("Dora", "2026-11-12"), ("Ida", "2026-11-13"),
        ("Anna", "2026-11-19"), ("Fay", "2026-11-19"), ("Bob", "2026-11-21"), ("Hana", "2026-11-22"),
    ]  # fmt: skip


def test_today_ranks_churn_risks_by_silence_over_their_usual_gap(db_path):
    """Both are at risk (silent over 1.5 and at most 3 usual gaps): Xia buys every 20 days
    and is silent 57 (2.85 gaps), Yan every 50 days and silent 105 (2.1 gaps), though
    Yan has more at stake."""
    histories = {
        "Yan": ("2026-05-01", "2026-06-20", "2026-08-09"),
        "Xia": ("2026-08-17", "2026-09-06", "2026-09-26"),
    }
    for name, days in histories.items():
        add(name)
        for day in days:
            ok("buy", name, "Tea", "100" if name == "Xia" else "500", "--at", day)
    rows = json.loads(ok("today", "--format", "json"))
    assert [(r["customer_name"], r["reasons"], r["urgency"]) for r in rows] == [
        ("Xia", ["churn risk: buys about every 20 days; silent for 57 days; bought 300.00 CNY net "
                 "in their last year"], "later"),
        ("Yan", ["churn risk: buys about every 50 days; silent for 105 days; bought 1,500.00 CNY "
                 "net in their last year"], "later"),
    ]  # fmt: skip


def test_today_in_json_has_each_customers_preferences_and_last_contact(agenda):
    rows = json.loads(ok("today", "--format", "json"))
    assert rows == [
        {"rank": 1, "customer_id": 3, "customer_name": "Carl", "phone": "+8613900139000",
         "preferred_channel": None, "preferred_time": None, "last_contact_at": None,
         "days_since_contact": None, "reasons": ["task #2 overdue 1 day: Yesterday"],
         "urgency": "overdue"},
        {"rank": 2, "customer_id": 2, "customer_name": "Bob", "phone": None,
         "preferred_channel": None, "preferred_time": "mornings",
         "last_contact_at": "2026-11-10T10:00:00+08:00", "days_since_contact": 12,
         "reasons": ["task #1 due today: Today", "no contact for 12 days (cadence 7 days, customer)"],
         "urgency": "today"},
        {"rank": 3, "customer_id": 1, "customer_name": "Anna", "phone": "+8613800138000",
         "preferred_channel": "wechat", "preferred_time": "evenings",
         "last_contact_at": "2026-11-01T10:00:00+08:00", "days_since_contact": 21,
         "reasons": ["no contact for 21 days (cadence 7 days, customer)"], "urgency": "due"},
    ]  # fmt: skip


def test_a_stage_cadence_alone_makes_customers_due(db_path):
    """No default cadence and no tag rule: only the stage's cadence applies."""
    ok("config", "set", "cadence.stage.lead", "14d")
    add("Anna")
    add("Carl")
    ok("stage", "Carl", "lead")
    ok("log", "call", "Anna", "hi", "--at", "2026-11-01 09:00")
    ok("log", "call", "Carl", "hi", "--at", "2026-11-01 09:00")
    due = remind()["due_for_contact"]
    assert [(r["customer_name"], r["cadence_source"], r["due_on"]) for r in due] == [
        ("Carl", "stage lead", "2026-11-15")
    ]


def test_remind_within_0d_titles_today(db_path):
    add("Bob")
    ok("task", "add", "Bob", "Call", "--due", "2026-11-22")
    assert ok("remind", "--within", "0d").splitlines()[0] == "Tasks due today (1)"
    assert ok("remind", "--within", "1d").splitlines()[0] == "Tasks due by 2026-11-23 (1)"


def test_churn_risks_and_festivals_in_remind_json(unhappy):
    assert remind()["churn"] == [
        {"customer_id": 5, "customer_name": "Eve", "phone": "+8613900139000", "currency": "CNY",
         "last_purchase_on": "2026-09-29", "silent_days": 54, "usual_gap_days": 30,
         "at_stake": "800.00", "reason": "buys about every 30 days; silent for 54 days"}
    ]  # fmt: skip


def test_festivals_in_remind_json(agenda):
    assert remind("--within", "40d")["festivals"] == [
        {"falls_on": "2027-01-01", "festival": "new-year", "festival_name": "元旦",
         "days_until": 40, "customers": 2,
         "greet": [
             {"customer_id": 1, "customer_name": "Anna", "actions": ["greeting card", "calendar"]},
             {"customer_id": 3, "customer_name": "Carl", "actions": ["greeting card", "calendar"]},
         ]},
    ]  # fmt: skip


def test_lunar_birthdays_and_dates_fall_on_their_lunar_day(db_path):
    """Lunar 1st of the 1st month is Chinese New Year: 2020-01-25, and 2027-02-06."""
    add("Mei", "--birthday", "lunar:1990-01-01")
    out = ok("date", "add", "Mei", "shop opening", "lunar:2020-01-01", "--yearly")
    assert "Sat 2020-01-25 (lunar 2020-01-01) yearly; next 2027-02-06" in out
    assert ok("remind", "--within", "80d") == (
        "Birthdays and dates until 2027-02-10 (2)\n"
        "falls_on    customer  phone  what\n"
        "----------  --------  -----  -------------------------\n"
        "2027-02-06  Mei (#1)         lunar birthday (turns 37)\n"
        "2027-02-06  Mei (#1)         shop opening (7 years)\n"
    )


def test_a_lunar_day_without_a_year_is_its_next_time(db_path):
    """On 2026-11-22 (lunar 2026-10-14), 腊八 (lunar 12-08) comes on 2027-01-15; 八月十五 of
    this lunar year is past, so it is 2027's; lunar 2026 has a 腊月 of 29 days."""
    add("曾小贤")
    said = ok("--lang", "zh", "date", "add", "曾小贤", "结婚纪念日", "农历腊月初八")
    assert said == (
        "已为曾小贤（#1）新增日期 1：结婚纪念日 2027-01-15（周五）（农历 2026-12-08）；"
        "下次 2027-01-15\n"
    )
    ok("date", "add", "曾小贤", "腊八", "腊月初八", "--yearly")  # named as the lunar calendar
    ok("date", "add", "曾小贤", "中秋", "12-08", "--lunar")
    ok("date", "add", "曾小贤", "中秋", "--lunar", "八月十五")
    ok("date", "add", "曾小贤", "开业", "--lunar", "2020-01-01", "--yearly")
    ok("date", "add", "曾小贤", "公历", "12月25日")  # Arabic digits and 日: the Gregorian day
    listed = sorted(json.loads(ok("date", "list", "--format", "json")), key=lambda d: d["id"])
    assert [(d["date_on"], d["date_lunar"], d["is_yearly"]) for d in listed] == [
        ("2027-01-15", "2026-12-08", False),
        ("2027-01-15", "2026-12-08", True),
        ("2027-01-15", "2026-12-08", False),
        ("2027-09-15", "2027-08-15", False),
        ("2020-01-25", "2020-01-01", True),
        ("2026-12-25", None, False),
    ]
    # lunar 2026, 2027 and 2028 have a 腊月 of 29 days: the next 腊月三十 is 2029's
    said = ok("--lang", "zh", "date", "add", "曾小贤", "除夕", "农历腊月三十")
    assert said.startswith("已为曾小贤（#1）新增日期 7：除夕 2030-02-02（周六）（农历 2029-12-30）")
    said = fails(2, "--lang", "zh", "date", "add", "曾小贤", "x", "农历2026-12-30", db=db_path)
    assert said == "crm: 农历 2026 年腊月只有 29 天（收到第 30 天）\n"  # its year given: refused
    said = fails(2, "date", "add", "曾小贤", "x", "--lunar", "13-01", db=db_path)
    assert said == "crm: lunar month must be 1 to 12 (got 13)\n"
    said = fails(2, "--lang", "zh", "date", "add", "曾小贤", "x", "--lunar", "闰01-01", db=db_path)
    assert said == (
        "crm: 今后 40 年内都没有闰正月；请连同年份写农历日期，例如 农历YYYY-闰01-01\n"
    )  # a leap month seldom in a calendar
    # a birthday has no next time: without its year it is refused as before
    assert "not a lunar date" in fails(2, "edit", "曾小贤", "--birthday", "农历八月十五")


def test_today_puts_past_the_longest_gap_first_however_late_those_within_a_range(
    db_path, monkeypatch
):
    """Ida, on `1d..5y` and quiet for three years, is 1,096 cadences late but within her
    range; Eve is past her longest gap by a day. Being past it is a class of its own, not a
    bonus to the weight: Eve comes first however late Ida is."""
    at(monkeypatch, "2023-11-22T10:00:00+08:00")
    add("Ida", "--cadence", "1d..5y")
    ok("log", "call", "Ida", "hi", "--at", "2023-11-22 09:00")
    at(monkeypatch, "2026-11-22T10:00:00+08:00")
    add("Eve", "--cadence", "30d..40d")
    ok("log", "call", "Eve", "hi", "--at", "2026-10-12 09:00")
    rows = json.loads(ok("today", "--format", "json"))
    assert [(r["customer_name"], r["reasons"], r["urgency"]) for r in rows] == [
        ("Eve", ["no contact for 41 days (overdue: cadence 30..40 days, customer)"], "due"),
        ("Ida", ["no contact for 1096 days (due: cadence 1..1825 days, customer)"], "due"),
    ]


def test_where_a_customer_stands_in_a_range_reads_in_the_runs_language(db_path):
    """Past the longest gap (已逾期) or within the range (到期), said in Chinese in crm today."""
    add("Eve", "--cadence", "30d..40d")
    ok("log", "call", "Eve", "hi", "--at", "2026-10-12 09:00")
    add("Fay", "--cadence", "7d..14d")
    ok("log", "call", "Fay", "hi", "--at", "2026-11-12 09:00")
    shown = _cells(ok("--lang", "zh", "today", "--fields", "customer_name,reasons"), 2)
    assert shown == [
        ["Eve", "已 41 天未联系（已逾期：联系周期 30 至 40 天，客户设定）"],
        ["Fay", "已 10 天未联系（到期：联系周期 7 至 14 天，客户设定）"],
    ]


def _cells(table: str, skip: int) -> list[list[str]]:
    """The cells of a plain-text table's rows, after its first `skip` lines."""
    return [re.split(r"\s{2,}", line.strip()) for line in table.splitlines()[skip:]]


def test_where_a_cadence_comes_from_reads_in_the_runs_language(db_path):
    """The source of a cadence (a tag, a stage, the customer's own, the default) in
    `crm remind`, `crm today` and the calendar feed, in English and in Chinese (`crm today`
    named it in English in a Chinese run); JSON keeps the English."""
    import icalendar

    ok("config", "set", "cadence.tag.vip", "3d")
    ok("config", "set", "cadence.stage.lead", "5d")
    ok("config", "set", "cadence.default", "10d")
    for name in ("Hana", "Ivan", "Jin", "Kim"):
        add(name, *(("--cadence", "7d") if name == "Jin" else ()))
        ok("log", "call", name, "hi", "--at", "2026-11-01 09:00")
    ok("tag", "vip", "Hana")
    ok("stage", "Ivan", "lead")
    assert [row[2] for row in _cells(ok("remind"), 3)] == [
        "3 days (tag vip)", "5 days (stage lead)", "7 days (customer)", "10 days (default)",
    ]  # fmt: skip
    chinese = ["3 天（标签 vip）", "5 天（线索阶段）", "7 天（客户设定）", "10 天（默认）"]
    assert [row[2] for row in _cells(ok("--lang", "zh", "remind"), 3)] == chinese
    english = [
        "no contact for 21 days (cadence 3 days, tag vip)",
        "no contact for 21 days (cadence 5 days, stage lead)",
        "no contact for 21 days (cadence 7 days, customer)",
        "no contact for 21 days (cadence 10 days, default)",
    ]
    fields = ("--fields", "customer_name,reasons")
    assert [row[1] for row in _cells(ok("today", *fields), 2)] == english
    assert [row[1] for row in _cells(ok("--lang", "zh", "today", *fields), 2)] == [
        "已 21 天未联系（联系周期 3 天，标签 vip）",
        "已 21 天未联系（联系周期 5 天，线索阶段）",
        "已 21 天未联系（联系周期 7 天，客户设定）",
        "已 21 天未联系（联系周期 10 天，默认）",
    ]
    for lang in ("en", "zh"):
        rows = json.loads(ok("--lang", lang, "today", "--format", "json"))
        assert [r["reasons"] for r in rows] == [[why] for why in english]
    result = CliRunner().invoke(app, ["--lang", "zh", "remind", "-f", "ics"])
    events = icalendar.Calendar.from_ical(result.stdout_bytes.decode()).walk("VEVENT")
    assert [str(e["description"]).split("\n")[1] for e in events] == [
        f"联系周期：{cadence}" for cadence in chinese
    ]


def test_show_says_contact_is_due_from_its_day_on(db_path):
    """`is_due` of `crm show`: true on the day contact falls due, false the day before."""
    add("Anna", "--cadence", "7d")
    add("Bob", "--cadence", "7d")
    ok("log", "call", "Anna", "hi", "--at", "2026-11-15 09:00")
    ok("log", "call", "Bob", "hi", "--at", "2026-11-16 09:00")
    shown = [json.loads(ok("show", n, "--format", "json"))["contact"][0] for n in ("Anna", "Bob")]
    assert [(c["due_on"], c["is_due"]) for c in shown] == [
        ("2026-11-22", True), ("2026-11-23", False),
    ]  # fmt: skip
    assert ok("show", "Anna").count("2026-11-22  yes") == 1


def test_remind_shows_where_a_customer_stands_in_a_cadence_range(db_path):
    """A `7d..14d` customer last contacted ten days ago: due since day 7, overdue after
    day 14; in the JSON of `crm remind` and `crm show` alike."""
    add("Jin", "--cadence", "7d..14d")
    ok("log", "call", "Jin", "hi", "--at", "2026-11-12 09:00")
    keys = ("cadence_days", "cadence_max_days", "due_on", "overdue_after", "state")
    (due,) = json.loads(ok("remind", "--format", "json"))["due_for_contact"]
    (shown,) = json.loads(ok("show", "Jin", "--format", "json"))["contact"]
    expected = (7, 14, "2026-11-19", "2026-11-26", "due")
    assert tuple(due[k] for k in keys) == tuple(shown[k] for k in keys) == expected


def test_calendar_feed_says_how_a_task_repeats(db_path):
    import icalendar

    add("Anna")
    ok("task", "add", "Anna", "Monthly report", "--due", "today", "--every", "1m")
    ok("task", "add", "Anna", "Water the plants", "--due", "today", "--after", "2w")
    result = CliRunner().invoke(app, ["remind", "-f", "ics", "--within", "0d"])
    events = icalendar.Calendar.from_ical(result.stdout_bytes.decode()).walk("VEVENT")
    assert [(e.decoded("dtstart"), str(e["description"])) for e in events] == [
        (date(2026, 11, 22), "Customer: Anna (#1)\nRepeats every 1 month\nDone: crm task done 1"),
        (date(2026, 11, 22),
         "Customer: Anna (#1)\nRepeats 2 weeks after it is done\nDone: crm task done 2"),
    ]  # fmt: skip


def test_festivals_in_remind_text_count_each_action(agenda):
    table = ok("remind", "--within", "40d").split("Festivals until 2027-01-01 (1)\n")[1]
    assert table.splitlines()[2] == (
        "2027-01-01  元旦           40          2          greeting card (2); calendar (2)"
    )


def test_cadence_ranges_set_for_a_stage_and_by_default(db_path):
    """`cadence.stage.lead 5d..10d` and `cadence.default 7d..14d`: their longest gaps apply."""
    ok("config", "set", "cadence.stage.lead", "5d..10d")
    ok("config", "set", "cadence.default", "7d..14d")
    add("Ivan")
    add("Kim")
    ok("stage", "Ivan", "lead")
    ok("log", "call", "Ivan", "hi", "--at", "2026-11-10 09:00")
    ok("log", "call", "Kim", "hi", "--at", "2026-11-12 09:00")
    keys = ("customer_name", "cadence_source", "cadence_max_days", "overdue_after", "state")
    assert [tuple(r[k] for k in keys) for r in remind()["due_for_contact"]] == [
        ("Ivan", "stage lead", 10, "2026-11-20", "overdue"),
        ("Kim", "default", 14, "2026-11-26", "due"),
    ]


def test_a_cadence_by_tag_alone_reaches_only_the_tagged(db_path):
    """With no default cadence, `cadence.tag.vip` makes only the vip customers due: not
    Ivan, whose tag has no cadence, nor Jin, who has no tag."""
    ok("config", "set", "cadence.tag.vip", "3d")
    for name in ("Ivan", "Hana", "Jin"):
        add(name)
        ok("log", "call", name, "hi", "--at", "2026-11-01 09:00")
    ok("tag", "aaa", "Ivan")
    ok("tag", "vip", "Hana")
    due = remind()["due_for_contact"]
    assert [(r["customer_name"], r["cadence_source"]) for r in due] == [("Hana", "tag vip")]


def test_remind_lists_only_the_festivals_with_someone_to_greet(db_path):
    """Rules for Laba and for New Year's Day, the latter for a tag nobody has: New Year's
    Day, before Laba in the window, is passed over, not the end of the list."""
    add("Anna")
    ok("tag", "vip", "Anna")
    ok("care", "rule", "add", "元旦", "calendar", "--tag", "nobody")
    ok("care", "rule", "add", "腊八", "congee", "--tag", "vip")
    festivals = remind("--within", "60d")["festivals"]
    assert [(f["falls_on"], f["festival"], f["customers"]) for f in festivals] == [
        ("2027-01-15", "laba", 1)
    ]


def test_remind_lists_a_festival_of_the_users_own(db_path):
    add("Anna")
    ok("tag", "vip", "Anna")
    ok("care", "festival", "add", "christmas", "--date", "12-25")
    ok("care", "rule", "add", "christmas", "card", "--tag", "vip")
    festivals = remind("--within", "40d")["festivals"]
    assert [(f["falls_on"], f["festival"], f["customers"]) for f in festivals] == [
        ("2026-12-25", "christmas", 1)
    ]


def _calendar_in_chinese(*args: str) -> tuple[str, list[tuple[str, str, list[str]]]]:
    """The feed's name and each event's uid, summary and description lines, in Chinese."""
    import icalendar

    cal = icalendar.Calendar.from_ical(ok("--lang", "zh", *args, "--format", "ics"))
    events = [
        (str(e["uid"]), str(e["summary"]), str(e["description"]).split("\n"))
        for e in cal.walk("VEVENT")
    ]
    return str(cal["x-wr-calname"]), events


def test_every_kind_of_event_in_the_ics_feed_in_chinese(agenda):
    """Summaries, descriptions, periods, channels and the feed's name are said in Chinese,
    with full-width punctuation; the structure and the commands to run stay as they are."""
    name, events = _calendar_in_chinese("remind", "--within", "40d")
    assert name == "crm 提醒"
    assert events == [
        ("task-2@crmcli", "逾期：Yesterday（Carl）",
         ["客户：Carl（#3）", "电话：+8613900139000", "自 2026-11-21 起逾期",
          "每次完成后隔 2 周重复", "完成：crm task done 2"]),
        ("task-1@crmcli", "Today（Bob）", ["客户：Bob（#2）", "完成：crm task done 1"]),
        ("contact-1@crmcli", "联系 Anna",
         ["上次联系：2026-11-01（21 天前）", "联系周期：7 天（客户设定）", "状态：已逾期",
          "电话：+8613800138000", "偏好：微信、evenings"]),
        ("contact-2@crmcli", "联系 Bob",
         ["上次联系：2026-11-10（12 天前）", "联系周期：7 天（客户设定）", "状态：已逾期",
          "偏好：mornings"]),
        ("birthday-1-20261130@crmcli", "Anna：生日（满 36 岁）",
         ["客户：Anna（#1）", "电话：+8613800138000"]),
        ("date-1-20261224@crmcli", "Carl：renewal", ["客户：Carl（#3）", "电话：+8613900139000"]),
        ("festival-new-year-20270101@crmcli", "元旦：要问候 2 位客户",
         ["Anna（#1）：greeting card；calendar", "Carl（#3）：greeting card；calendar",
          "名单：crm care --holiday new-year --year 2027"]),
    ]  # fmt: skip


def test_late_feedback_and_churn_risks_in_the_ics_feed_in_chinese(unhappy):
    _name, events = _calendar_in_chinese("remind")
    assert events[1:3] == [
        ("churn-5-CNY@crmcli", "流失风险：Eve",
         ["客户：Eve（#5）", "原因：通常每 30 天购买一次；已沉默 54 天",
          "最后一次购买（2026-09-29）前一年内共购买 800.00 CNY", "电话：+8613900139000"]),
        ("feedback-2@crmcli", "回复 Carl 的投诉",
         ["客户：Carl（#3）", "收到时间：2026-11-19T09:00:00+08:00",
          "处理完毕后：crm feedback resolve 2"]),
    ]  # fmt: skip
    assert not re.search(r"Customer|Why|Bought|Phone|Received|Resolve", str(events))


def test_a_repeating_task_says_its_period_in_chinese(db_path):
    add("田鑫")
    said = ok("--lang", "zh", "task", "add", "田鑫", "月度回访", "--due", "2026-12-10",
              "--every", "1m")  # fmt: skip
    assert "到期 2026-12-10（周四），每月重复一次：月度回访" in said, said
    said = ok("--lang", "zh", "task", "add", "田鑫", "回访", "--due", "2026-12-10", "--after", "2w")
    assert "，每次完成后隔 2 周再次提醒：回访" in said, said
    assert ", again 2 weeks after each is done: " in ok(
        "task", "add", "田鑫", "call", "--after", "2w"
    )
    assert ", every 1 month: " in ok("task", "add", "田鑫", "call", "--every", "1m")
    said = ok("--lang", "zh", "task", "add", "田鑫", "季度回访", "--every", "3m")
    assert "每 3 个月重复一次：季度回访" in said, said
    said = ok("--lang", "zh", "task", "add", "田鑫", "双周会", "--every", "2w")
    assert "每两周重复一次：双周会" in said, said
    ics = ok("--lang", "zh", "remind", "--within", "30d", "--format", "ics")
    assert "每月重复一次" in ics and "每 3 个月重复一次" in ics and "每两周重复一次" in ics, ics
    assert not re.search(r"每 \D", ics), ics  # a space only around a number: 每 3 个月
    assert ", every 3 months: " in ok("task", "add", "田鑫", "call", "--every", "3m")


def test_a_yearly_date_says_yearly_in_chinese(db_path):
    add("张伟")
    said = ok("--lang", "zh", "date", "add", "张伟", "签约周年", "2025-03-01", "--yearly")
    assert "签约周年 2025-03-01（周六），每年；下次 2027-03-01" in said, said
    assert "yearly" not in said


def test_remind_says_how_a_task_repeats_in_chinese(db_path):
    add("Anna")
    ok("task", "add", "Anna", "Water the plants", "--due", "today", "--after", "2w")
    ok("task", "add", "Anna", "Monthly report", "--due", "today", "--every", "1m")
    ok("task", "add", "Anna", "Once only", "--due", "today")
    table = ok("--lang", "zh", "remind", "--within", "0d")
    lines = {name: line for line in table.splitlines() for name in ("Water", "Monthly", "Once")
             if name in line}  # fmt: skip
    # after done: the period alone (`2 周`), never `每两周`; every: `每月`, never `1m`
    assert lines["Water"].rstrip().endswith("完成后 2 周"), table
    assert lines["Monthly"].rstrip().endswith("每月"), table
    assert lines["Once"].rstrip().endswith("Once only"), table


@pytest.fixture
def crowded(db_path) -> Path:
    """A day with ties in every class: who is shown first must not depend on the limit."""
    filled_once(db_path, _fill_crowded)
    return db_path


def _fill_crowded() -> None:
    for name in ("Anna", "Bob", "Carl", "Dora", "Eve", "Finn", "Gus", "Hana", "Ivy", "Jo"):
        add(name)
    add("Kai", "--birthday", "1980-11-22")
    add("Lea", "--cadence", "7d..10d")
    add("Max", "--cadence", "7d..30d")
    add("Ned", "--cadence", "7d")
    ok("config", "set", "cadence.tag.vip", "5d")
    for who in ("Lea", "Max", "Ned", "Carl", "Gus"):
        ok("log", "call", who, "hi", "--at", "2026-11-10 10:00")
    ok("tag", "vip", "Carl", "Gus")
    for who in ("Anna", "Bob", "Carl", "Ivy"):  # three days late: Carl also due for contact
        ok("task", "add", who, "Late", "--due", "2026-11-19")
    ok("task", "add", "Dora", "Later", "--due", "2026-11-17")
    ok("task", "add", "Eve", "Today", "--due", "today")
    ok("task", "add", "Eve", "Late too", "--due", "2026-11-21")
    ok("task", "add", "Finn", "Today", "--due", "today")
    ok("task", "add", "Hana", "Today", "--due", "today")
    ok("date", "add", "Hana", "first order", "2025-11-22", "--yearly")
    ok("task", "add", "Jo", "Late", "--due", "2026-11-17")
    ok("feedback", "add", "Jo", "Cold tea", "--severity", "high", "--at", "2026-11-19 10:00")
    ok("delete", "Ivy")  # archived


def test_today_with_a_limit_shows_the_first_rows_of_the_whole_day(crowded, monkeypatch):
    """`crm today --limit N` ranks every reason, then reads the rows of the N customers it
    shows: the same rows, reasons and words as the whole day's first N, for every N."""
    from crmcli.cli import reminders as reminders_cli
    from crmcli.reports import reminders

    everyone = json.loads(ok("today", "-f", "json"))
    assert [(r["customer_name"], r["urgency"], len(r["reasons"])) for r in everyone] == [
        ("Jo", "overdue", 2), ("Dora", "overdue", 1), ("Carl", "overdue", 2),
        ("Anna", "overdue", 1), ("Bob", "overdue", 1), ("Eve", "overdue", 2),
        ("Hana", "today", 2), ("Finn", "today", 1), ("Kai", "today", 1),
        ("Gus", "due", 1), ("Lea", "due", 1), ("Ned", "due", 1), ("Max", "due", 1),
    ]  # fmt: skip
    # Ties: Jo and Dora five days late, Jo with two reasons first; Carl, Anna and Bob three
    # days, Carl with two; Lea and Ned as far past their cadence, the lower id first.
    assert everyone[0]["reasons"] == [
        "task #10 overdue 5 days: Late", "feedback #1 open 3 days (complaint, high): Cold tea"
    ]  # fmt: skip
    assert [r["reasons"] for r in everyone[10:12]] == [
        ["no contact for 12 days (overdue: cadence 7..10 days, customer)"],
        ["no contact for 12 days (cadence 7 days, customer)"],
    ]
    for limit in range(len(everyone) + 2):  # --limit 0: every row
        shown = json.loads(ok("today", "-f", "json", "--limit", str(limit)))
        assert shown == (everyone[:limit] if limit else everyone), limit
    # Every row is read a few customers at a time: the chunks join up, in json, csv and
    # the plain table (which reads them twice: widths, then lines).
    text, csv = ok("today"), ok("today", "-f", "csv")
    assert [line.split()[1] for line in text.splitlines()[2:]] == [
        r["customer_name"] for r in everyone
    ]
    monkeypatch.setattr(reminders, "CHUNK", 2)
    monkeypatch.setattr(reminders, "HELD", 3)  # a long day: not held, read twice
    assert json.loads(ok("today", "-f", "json")) == everyone
    assert (ok("today"), ok("today", "-f", "csv")) == (text, csv)
    assert ok("today", "-q") == "".join(f"{r['customer_id']}\n" for r in everyone)
    monkeypatch.setattr(reminders_cli, "is_terminal", lambda stream: True)
    for limit in (1, 6, 12):
        monkeypatch.setattr(reminders_cli, "TERMINAL_LIMIT", limit)
        result = crm("today", "-f", "json")
        assert json.loads(result.stdout) == everyone[:limit]
        assert (
            result.stderr == f"Showing {limit} of 13 customers; --all shows all, --limit N more\n"
        )


_REASON = st.tuples(
    st.integers(1, 6),  # customer
    st.integers(0, 3),  # urgency class
    st.sampled_from([0, 0.5, 1, 1.5, 2, 7]),  # weight: ties are the point
)


def _section(
    n: int,
    weighed: bool,
    rows: list[tuple[int, int, float]],
    *,
    ordered: bool = False,
    least: int = 0,
) -> Any:
    """A section of `crm today` whose rows are the reasons `rows` (customer, urgency,
    weight), with `weights` when `weighed`."""
    from crmcli.reports import reminders
    from crmcli.reports.models import agenda

    def read(window: reminders.Window) -> list[dict]:
        found = [{"customer_id": c, "urgency": u, "weight": w} for c, u, w in rows]
        return [r for r in found if window.only is None or r["customer_id"] in window.only]

    return reminders.Section(
        key=f"s{n}", title=lambda today, until: "", columns=(), fields=(), rows=read,
        reason=lambda r, window: agenda.Reason(
            r["customer_id"], r["urgency"], r["weight"], f"s{n} {r}"
        ),
        event=lambda r, window: None,
        weights=(lambda window: (r for r in rows if window.only is None or r[0] in window.only))
        if weighed
        else None,
        ordered=ordered, least=least,
    )  # fmt: skip


def _ranks(sections: list[tuple[bool, list[tuple[int, int, float]]]]) -> list[Any]:
    """agenda.rank of every reason of `sections`, as the sections of _section word them."""
    from crmcli.reports.models import agenda

    every = [agenda.Reason(c, u, w, f"s{n} {dict(customer_id=c, urgency=u, weight=w)}")
             for n, (_, rows) in enumerate(sections) for c, u, w in rows]  # fmt: skip
    return agenda.rank(every)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.lists(_REASON, max_size=8)), max_size=4))
def test_the_first_customers_of_a_limit_are_agenda_ranks(sections):
    """Whatever the reasons and their ties, folding the weighed sections per customer and
    reading the rows of those shown a few customers at a time (reminders._Day) gives
    agenda.rank's first rows."""
    from crmcli.reports import reminders

    made = [_section(n, weighed, rows) for n, (weighed, rows) in enumerate(sections)]
    whole = _ranks(sections)
    day = date(2026, 11, 22)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reminders, "SECTIONS", made)
        for limit in [*range(len(whole) + 2), None]:
            ranked = reminders._Day(reminders.Window(None, day, day))  # type: ignore[arg-type]
            assert ranked.total == len(whole)
            ids = ranked.first(limit)
            for chunk in (1, 2, 500):  # read a few customers at a time: the same order
                pieces = [ranked.ranked(ids[i : i + chunk]) for i in range(0, len(ids), chunk)]
                assert [c for piece in pieces for c in piece] == whole[:limit]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(_REASON, max_size=14),
    st.lists(st.tuples(st.booleans(), st.lists(_REASON, max_size=6)), max_size=3),
    st.integers(0, 1),
)
def test_the_first_customers_found_early_are_agenda_ranks(first, sections, slack):
    """Given a limit, the section whose weights come most urgent first (overdue tasks) is
    read only until enough customers are as urgent as its last reason read, and the other
    weighed sections only for those customers, when none of their reasons can be as
    urgent (`least`, here their most urgent class, or one below): agenda.rank's first rows
    all the same, whatever the ties; the total is not counted then."""
    from crmcli.reports import reminders

    first = sorted(first, key=lambda r: (r[1], -r[2]))  # most urgent first
    made = [_section(0, True, first, ordered=True)]
    for n, (weighed, rows) in enumerate(sections, 1):
        least = max(min((u for _, u, _ in rows), default=4) - slack, 0)
        made.append(_section(n, weighed, rows, least=least))
    whole = _ranks([(True, first), *sections])
    day = date(2026, 11, 22)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reminders, "SECTIONS", made)
        for limit in [*range(len(whole) + 2), None]:
            ranked = reminders._Day(reminders.Window(None, day, day), limit)  # type: ignore[arg-type]
            assert ranked.total in (None, len(whole))
            assert ranked.total is not None or limit  # never without a limit
            ids = ranked.first(limit)
            pieces = [ranked.ranked(ids[i : i + 2]) for i in range(0, len(ids), 2)]
            assert [c for piece in pieces for c in piece] == whole[:limit]


def test_the_first_customers_are_found_without_weighing_the_rest(monkeypatch):
    """Two customers an overdue task of 7 days each, a third 2 days and 1, a fourth
    feedback late by half a day: the first of a limit of 1 or 2 are found once the tasks of
    7 days are read, of 3 once those of 2; a section less urgent (customers due for
    contact) is then read for those found only, not weighed in full. Four customers are
    overdue: a limit of 4 or more reads everything, and so does a limit not given."""
    from crmcli.reports import reminders

    first = [(1, 0, 7), (2, 0, 7), (3, 0, 2), (3, 0, 1)]
    later = [(2, 3, 1.0), (4, 3, 5.0)]
    kept = [(5, 0, 0.5), (6, 3, 9.0)]  # read in full first: their class may be the first
    read = []  # the customers `later`'s weights were read for (None: all), each time
    plain = _section(0, True, later, least=1)
    spied = plain._replace(
        weights=lambda window: (
            read.append(window.only and set(window.only)) or plain.weights(window)
        )
    )
    ordered = _section(1, True, first, ordered=True)
    made = [spied, ordered, _section(2, False, kept)]
    monkeypatch.setattr(reminders, "SECTIONS", made)
    day = date(2026, 11, 22)
    whole = _ranks([(True, later), (True, first), (False, kept)])
    assert [c for c, _ in whole] == [2, 1, 3, 5, 6, 4]  # 2 has two reasons
    for limit, only in ((1, {1, 2}), (2, {1, 2}), (3, {1, 2, 3}), (4, None), (5, None)):
        read.clear()
        ranked = reminders._Day(reminders.Window(None, day, day), limit)  # type: ignore[arg-type]
        assert (read, ranked.total) == ([only], None if only else 6), limit
        assert ranked.window.only is None  # as found
        assert ranked.ranked(ranked.first(limit)) == whole[:limit]
    assert reminders.every_contact_today(None, day, 1)[1] == 6  # type: ignore[arg-type]
    assert reminders.every_contact_today(None, day, 1, counted=False)[1] is None  # type: ignore[arg-type]
    read.clear()
    # its reasons may be as urgent (least 0): weighed in full before the overdue tasks,
    # then again for the customers found
    monkeypatch.setattr(reminders, "SECTIONS", [spied._replace(least=0), *made[1:]])
    ranked = reminders._Day(reminders.Window(None, day, day), 1)  # type: ignore[arg-type]
    assert read == [None, {1, 2}] and ranked.total is None and ranked.first(1) == [2]


def test_remind_names_a_long_sections_rows_as_it_writes_them(crowded, monkeypatch):
    """In a pipe every row of `crm remind` is shown: a section longer than HELD rows is
    named a chunk at a time as it is written (twice for the plain table: widths, then
    lines), and reads as when it was named at once."""
    from crmcli.reports import reminders

    whole = {fmt: ok("remind", "--within", "30d", "-f", fmt) for fmt in ("text", "json")}
    report = json.loads(whole["json"])
    assert [len(report[k]) for k in ("overdue_tasks", "due_tasks", "due_for_contact")] == [
        6, 3, 5,
    ]  # fmt: skip
    assert [r["customer_name"] for r in report["due_for_contact"]] == [
        "Carl", "Gus", "Lea", "Max", "Ned",
    ]  # fmt: skip
    monkeypatch.setattr(reminders, "CHUNK", 2)
    monkeypatch.setattr(reminders, "HELD", 2)  # long sections: named as they are read
    for fmt, shown in whole.items():
        assert ok("remind", "--within", "30d", "-f", fmt) == shown
    text = whole["text"]
    assert "Overdue tasks (6)\n" in text and "Dora (#4)" in text


@pytest.mark.parametrize(
    "args",
    [
        ("remind", "--within", "9999y"),
        ("care", "--within", "9999y"),
        ("task", "list", "--due-within", "9999y"),
    ],
)
def test_a_horizon_beyond_the_years_crm_keeps_is_refused_not_crashed(db_path, args):
    add("Anna")
    stderr = fails(2, *args, db=db_path)
    assert stderr == "crm: 2026-11-22 + 9999y is outside the years 1000 to 2999\n"


def test_a_task_due_today_or_tomorrow_is_ranked_as_it_is_worded(db_path):
    """`crm today --limit` ranks every customer before reading the rows it shows: a task
    due today ranks as today's, and one due tomorrow is no reason today (ranked as one, Cy
    took a place of the first two and then showed nothing)."""
    add("Amy", "--birthday", "1990-11-22")
    add("Ben")
    add("Cy")
    ok("task", "add", "Ben", "Call", "--due", "today")
    ok("task", "add", "Cy", "Later", "--due", "tomorrow")
    whole = json.loads(ok("today", "-f", "json"))
    assert [(r["customer_name"], r["urgency"]) for r in whole] == [
        ("Ben", "today"), ("Amy", "today"),
    ]  # fmt: skip
    for limit in (1, 2, 3):
        assert json.loads(ok("today", "-f", "json", "--limit", str(limit))) == whole[:limit]


def test_the_dashboard_shows_the_first_ten_of_the_day(crowded):
    """The dashboard's `today` panel is the first ten of `crm today`'s thirteen customers,
    and its title says so."""
    first = json.loads(ok("today", "-f", "json", "--limit", "10"))
    board = json.loads(ok("dashboard", "-f", "json"))["today"]
    assert [(r["rank"], r["customer_id"], r["reasons"]) for r in board] == [
        (r["rank"], r["customer_id"], r["reasons"]) for r in first
    ]
    assert len(board) == 10
    assert "Contact today (top 10 of 13: crm today)" in ok("dashboard")


def test_remind_with_a_limit_cuts_a_long_section(crowded, monkeypatch):
    """`crm remind --limit 2` shows each section's first two rows however long the section
    (a section longer than HELD rows is named as it is written only when every row is)."""
    from crmcli.reports import reminders

    cut = ok("remind", "--within", "30d", "-f", "json", "--limit", "2")
    assert [len(rows) for rows in json.loads(cut).values() if isinstance(rows, list)][:3] == [
        2, 2, 2,
    ]  # fmt: skip
    monkeypatch.setattr(reminders, "HELD", 1)
    assert ok("remind", "--within", "30d", "-f", "json", "--limit", "2") == cut


def test_headings_count_customers_as_customers_and_other_rows_as_rows(demo):
    """Chinese counts people with 位 (as the dashboard's 49 位中的前 10 位) and tasks, dates
    and feedback with 条; English names the customers."""
    zh = ok("--lang", "zh", "remind", "--limit", "1")
    counted = dict(re.findall(r"^(.+?)（\d+ (位|条)中的 1 \2）$", zh, flags=re.M))
    assert counted["逾期任务"] == "条"
    assert counted["该联系的客户"] == "位"
    assert counted["流失风险：沉默时间比平时长的客户"] == "位"
    assert counted["截至 2026-11-29 的生日和重要日期"] == "条"
    assert not re.search(r"位中的 1 条|条中的 1 位", zh)
    en = ok("--lang", "en", "remind", "--limit", "1")
    assert re.search(r"^Due for contact \(1 of \d+ customers\)$", en, flags=re.M)
    assert re.search(r"^Overdue tasks \(1 of \d+\)$", en, flags=re.M)
