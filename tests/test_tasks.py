"""Follow-up tasks: add, list, done (and recurrence), snooze, edit, delete."""

import json

import pytest

from tests.conftest import add, crm, dump, fails, ok


def task(*args: str) -> int:
    return int(ok("task", "add", *args, "-q").strip())


def tasks(*args: str) -> list[dict]:
    return json.loads(ok("task", "list", *args, "--format", "json"))


@pytest.fixture
def anna(db_path) -> int:
    return add("Anna")


def test_add_a_task(anna):
    out = ok("task", "add", "Anna", "Send the quote", "--due", "fri")
    assert out == "Added task 1 for Anna (#1), due Fri 2026-11-27: Send the quote\n"
    out = ok("task", "add", "1", "Check in", "--due", "+1w", "--every", "2w")
    assert out == "Added task 2 for Anna (#1), due Sun 2026-11-29, every 2 weeks: Check in\n"
    assert task("Anna", "Today by default") == 3
    rows = tasks()
    assert [(t["id"], t["due_on"], t["status"], t["every"]) for t in rows] == [
        (3, "2026-11-22", "today", None),
        (1, "2026-11-27", "upcoming", None),
        (2, "2026-11-29", "upcoming", "2w"),
    ]
    assert list(rows[0]) == [
        "id", "due_on", "status", "customer_id", "customer_name", "text", "every", "repeat_after",
        "done_at", "interaction_id", "previous_id", "created_at", "updated_at",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["Anna", "x", "--due", "someday"], 2, "not a date"),
        (["Anna", "x", "--due", "2026-02-30"], 2, "not a date"),
        (["Anna", "x", "--every", "15min"], 2, "here m means months"),
        (["Anna", "x", "--every", "0w"], 2, "must be at least 1"),
        (["Anna", "x", "--every", "2"], 2, "is not a period"),
        (["Anna", " "], 2, "task text cannot be empty"),
        (["Bob", "x"], 3, "no customer matches 'Bob'"),
        (["Anna"], 2, "Missing argument 'TEXT'"),
    ],
)
def test_bad_task_add_writes_nothing(anna, db_path, args, code, message):
    assert message in fails(code, "task", "add", *args, db=db_path)


def test_list_overdue_due_within_customer_done_and_all(anna):
    add("Bob")
    task("Anna", "late", "--due", "2026-11-20")
    task("Anna", "today", "--due", "today")
    task("Bob", "soon", "--due", "2026-11-29")
    task("Bob", "later", "--due", "2026-12-20")
    task("Bob", "finished", "--due", "2026-11-21")
    ok("task", "done", "5")

    def texts(*args: str) -> list[str]:
        return [t["text"] for t in tasks(*args)]

    assert texts() == ["late", "today", "soon", "later"]
    assert texts("--overdue") == ["late"]
    assert texts("--due-within", "7d") == ["late", "today", "soon"]
    assert texts("--due-within", "0d") == ["late", "today"]
    assert texts("--due-within", "1m") == ["late", "today", "soon", "later"]
    assert texts("Bob") == ["soon", "later"]
    assert texts("--done") == ["finished"]
    assert texts("--all") == ["late", "finished", "today", "soon", "later"]
    assert texts("--all", "Bob", "--due-within", "7d") == ["finished", "soon"]
    assert texts("--limit", "1") == ["late"]
    assert ok("task", "list", "--overdue", "-q") == "1\n"
    table = ok("task", "list")
    assert table.splitlines()[0].split() == [
        "id",
        "due_on",
        "status",
        "customer_name",
        "text",
        "every",
    ]
    assert "overdue" in table and "\x1b[" not in table


def test_list_of_no_tasks_prints_nothing(db_path):
    assert ok("task", "list") == ""
    assert ok("task", "list", "-f", "json") == "[]\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--due-within", "soon"], 2, "is not a period"),
        (["--done", "--all"], 2, "not both"),
        (["Nobody"], 3, "no customer matches"),
        (["--limit", "-1"], 2, "--limit takes a whole number of at least 0, not '-1'"),
    ],
)
def test_bad_task_list(anna, args, code, message):
    assert message in fails(code, "task", "list", *args)


def test_done_and_done_again(anna):
    task("Anna", "Send the quote")
    assert ok("task", "done", "1") == "Done task 1: Send the quote\n"
    assert ok("task", "done", "1") == "Task 1 was already done.\n"
    assert tasks("--done")[0]["done_at"] == "2026-11-22T10:00:00+08:00"
    assert tasks() == []


def test_recurring_task_creates_the_next_one_when_done(anna):
    task("Anna", "Weekly check-in", "--due", "2026-11-20", "--every", "1w")
    out = ok("task", "done", "1")
    # Due 20 Nov, done 22 Nov: the next of the series after today is 27 Nov.
    assert out == "Done task 1: Weekly check-in (next: task 2 due 2026-11-27)\n"
    nxt = tasks()[0]
    assert (nxt["id"], nxt["due_on"], nxt["every"], nxt["previous_id"]) == (
        2,
        "2026-11-27",
        "1w",
        1,
    )
    assert ok("task", "done", "2", "-q") == "3\n"
    assert tasks()[0]["due_on"] == "2026-12-04"


def test_monthly_task_over_month_ends_and_a_leap_day(anna, monkeypatch):
    monkeypatch.setenv("CRM_NOW", "2028-01-10T09:00:00+08:00")
    task("Anna", "Monthly report", "--due", "2028-01-31", "--every", "1m")
    seen = []
    for number in range(1, 5):
        ok("task", "done", str(number))
        seen.append(tasks()[0]["due_on"])
    assert seen == ["2028-02-29", "2028-03-31", "2028-04-30", "2028-05-31"]


def test_yearly_task_on_29_february(anna, monkeypatch):
    monkeypatch.setenv("CRM_NOW", "2028-02-01T09:00:00+08:00")
    task("Anna", "Leap greeting", "--due", "2028-02-29", "--every", "1y")
    ok("task", "done", "1")
    assert tasks()[0]["due_on"] == "2029-02-28"
    ok("task", "done", "2")
    assert tasks()[0]["due_on"] == "2030-02-28"


def test_done_several_ids_and_from_stdin_in_one_transaction(anna, db_path):
    for n in range(4):
        task("Anna", f"t{n}", "--due", "2026-11-20")
    assert ok("task", "done", "1", "#2") == "Done task 1: t0\nDone task 2: t1\n"
    assert "no task with id 99" in fails(3, "task", "done", "3", "99", db=db_path)
    ids = ok("task", "list", "--overdue", "-q")
    assert ids == "3\n4\n"
    ok("task", "done", "-", input=ids)
    assert tasks() == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["abc"], 2, "not a task id: 'abc'"),
        (["0"], 3, "no task with id 0"),
        ([], 2, "Missing argument 'ID'"),
    ],
)
def test_bad_done(anna, db_path, args, code, message):
    task("Anna", "x")
    assert message in fails(code, "task", "done", *args, db=db_path)


def test_snooze(anna):
    task("Anna", "Call", "--due", "2026-11-20")
    assert ok("task", "snooze", "1", "next monday") == "Snoozed task 1 to Mon 2026-11-23.\n"
    assert tasks()[0]["due_on"] == "2026-11-23"
    assert ok("task", "snooze", "1", "2026-11-23") == "Task 1 is already due Mon 2026-11-23.\n"
    ok("task", "snooze", "1", "today")
    assert tasks()[0]["status"] == "today"


def test_snoozing_a_recurring_task_keeps_its_series(anna):
    task("Anna", "Weekly", "--due", "2026-11-23", "--every", "1w")
    ok("task", "snooze", "1", "2026-11-25")
    ok("task", "done", "1")
    assert tasks()[0]["due_on"] == "2026-11-30"  # still Mondays


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["1", "yesterday"], 2, "cannot snooze to 2026-11-21: it is in the past"),
        (["1", "someday"], 2, "not a date"),
        (["2", "tomorrow"], 2, "task 2 is already done"),
        (["9", "tomorrow"], 3, "no task with id 9"),
        (["1"], 2, "Missing argument 'DATE'"),
    ],
)
def test_bad_snooze(anna, db_path, args, code, message):
    task("Anna", "open")
    task("Anna", "closed")
    ok("task", "done", "2")
    assert message in fails(code, "task", "snooze", *args, db=db_path)


def test_edit_a_task(anna):
    add("Bob")
    task("Anna", "Call", "--due", "2026-11-25", "--every", "1w")
    assert ok("task", "edit", "1", "--text", "Call back", "--customer", "Bob") == (
        "Updated task 1.\n"
    )
    out = ok("task", "edit", "1", "--due", "2026-11-26")
    assert out == "Updated task 1, due Thu 2026-11-26.\n"
    ok("task", "done", "1")
    assert tasks()[0]["due_on"] == "2026-12-03"  # the series restarted from the new date
    ok("task", "edit", "2", "--every", "none")
    ok("task", "done", "2")
    assert tasks() == []
    assert tasks("--done")[0]["customer_name"] == "Bob"
    assert ok("task", "edit", "2", "--text", "Call back") == "No changes.\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["1"], 2, "nothing to change"),
        (["1", "--every", "often"], 2, "is not a period"),
        (["1", "--due", "someday"], 2, "not a date"),
        (["1", "--text", ""], 2, "task text cannot be empty"),
        (["1", "--customer", "Nobody"], 3, "no customer matches"),
        (["7", "--text", "x"], 3, "no task with id 7"),
    ],
)
def test_bad_task_edit(anna, db_path, args, code, message):
    task("Anna", "Call")
    assert message in fails(code, "task", "edit", *args, db=db_path)


def test_delete_a_task(anna, db_path):
    task("Anna", "Call", "--due", "2026-11-25")
    assert (
        ok("task", "delete", "--yes", "1") == "Deleted task 1 for Anna (#1), due 2026-11-25: Call\n"
    )
    assert tasks("--all") == []
    assert "no task with id 1" in fails(3, "task", "delete", "--yes", "1", db=db_path)


def test_delete_several_tasks_at_once_all_or_none(anna, db_path):
    for text in ("Call", "Mail", "Visit"):
        task("Anna", text, "--due", "2026-11-25")
    before = dump(db_path)
    assert "no task with id 9" in fails(3, "task", "delete", "--yes", "1", "9", db=db_path)
    assert dump(db_path) == before  # one missing id deletes none
    assert ok("task", "delete", "--yes", "1", "#2", "1") == (
        "Deleted task 1 for Anna (#1), due 2026-11-25: Call\n"
        "Deleted task 2 for Anna (#1), due 2026-11-25: Mail\n"
    )
    assert ok("task", "delete", "--yes", "-", "-q", input="3\n") == "3\n"
    assert tasks("--all") == []


def test_tasks_of_archived_customers_leave_the_lists(anna):
    task("Anna", "Call")
    ok("delete", "Anna")
    assert tasks() == []
    assert len(tasks("1")) == 1


def test_task_group_without_a_subcommand_shows_help(db_path):
    result = crm("task")
    assert result.exit_code == 2 and "snooze" in result.stdout + result.stderr


def test_an_empty_pipe_of_task_ids_is_a_no_op(db_path):
    assert ok("task", "done", "-", input="") == ""


@pytest.mark.parametrize(
    ("due", "shown"),
    [
        ("Jan 5", "Tue 2027-01-05"),  # typed in November: the next 5 January, not overdue
        ("3pm", "Sun 2026-11-22"),  # today, not 1 January
        ("Nov 21", "Sun 2027-11-21"),
        ("11月22日", "Sun 2026-11-22"),
        ("in 3 days", "Wed 2026-11-25"),
    ],
)
def test_due_reads_days_of_the_future_and_echoes_them_with_the_weekday(anna, due, shown):
    out = ok("task", "add", "Anna", "Call", "--due", due)
    assert out == f"Added task 1 for Anna (#1), due {shown}: Call\n"
    assert tasks()[0]["due_on"] == shown[4:]


@pytest.mark.parametrize(
    ("due", "shown"),
    [
        ("下周五", "Fri 2026-12-04"),  # Friday of next week, not the coming Friday
        ("fri", "Fri 2026-11-27"),
        ("next wed", "Wed 2026-12-02"),
        ("wed", "Wed 2026-11-25"),
    ],
)
def test_due_weekday_words_on_a_wednesday(anna, monkeypatch, due, shown):
    """On the tests' usual Sunday the coming Friday is also next week's: a Wednesday tells
    them apart."""
    monkeypatch.setenv("CRM_NOW", "2026-11-25T10:00:00+08:00")
    out = ok("task", "add", "Anna", "Call", "--due", due)
    assert out == f"Added task 1 for Anna (#1), due {shown}: Call\n"


def test_snooze_without_a_year_is_the_next_one(anna, monkeypatch):
    task("Anna", "Call")
    assert ok("task", "snooze", "1", "Jan 5") == "Snoozed task 1 to Tue 2027-01-05.\n"
    monkeypatch.setenv("CRM_NOW", "2026-11-25T10:00:00+08:00")  # a Wednesday
    said = "Moved task 1 earlier, to Mon 2026-11-30 (it was due Tue 2027-01-05).\n"
    assert ok("task", "snooze", "1", "周一") == said
    said = "Moved task 1 earlier, to Wed 2026-11-25 (it was due Mon 2026-11-30).\n"
    assert ok("task", "snooze", "1", "周三") == said


@pytest.mark.parametrize("language", ["en", "zh"])
def test_snoozing_to_a_day_before_the_due_date_says_it_moved_earlier(anna, language):
    """`snooze` to a day before the task's due date is no putting off: the task moves, the
    confirmation says earlier and names the day it was due (exit 0); -q prints the id."""
    task("Anna", "Call", "--due", "2026-11-30")
    lang = ["--lang", language]
    said = ok(*lang, "task", "snooze", "1", "2026-11-24")
    assert (
        said
        == {
            "en": "Moved task 1 earlier, to Tue 2026-11-24 (it was due Mon 2026-11-30).\n",
            "zh": "已把任务 1 提前到 2026-11-24（周二），原定 2026-11-30（周一）。\n",
        }[language]
    )
    assert tasks()[0]["due_on"] == "2026-11-24"
    later = ok(*lang, "task", "snooze", "1", "2026-11-26")
    assert later.startswith({"en": "Snoozed task 1 to", "zh": "已把任务 1 推迟到"}[language])
    assert ok("task", "snooze", "1", "2026-11-23", "-q") == "1\n"
    assert tasks()[0]["due_on"] == "2026-11-23"


@pytest.mark.parametrize(
    ("due", "message"),
    [
        ("1/5", "crm: ambiguous date '1/5'"),
        ("Dec", "crm: not a date: 'Dec' is a month"),
        ("5", "crm: not a date: '5'; for 5 days ago write -5d"),
    ],
)
def test_due_refuses_what_is_no_day(anna, db_path, due, message):
    assert fails(2, "task", "add", "Anna", "Call", "--due", due, db=db_path).startswith(message)
    assert tasks() == []


def test_an_ambiguous_due_date_hint_offers_the_next_of_each_reading(anna, db_path):
    err = fails(2, "task", "add", "Anna", "Call", "--due", "1/5", db=db_path)
    assert err == (
        "crm: ambiguous date '1/5': 5 Jan or 1 May? write 2027-01-05 or 2027-05-01 instead\n"
    )


def test_snooze_takes_a_period_with_a_leading_minus_as_the_date(anna, db_path):
    """`-5d` is a date of the grammar, not an unknown option; options still work around it."""
    task("Anna", "Call", "--due", "2026-11-30")
    err = fails(2, "task", "snooze", "1", "-5d", db=db_path)
    assert err == "crm: cannot snooze to 2026-11-17: it is in the past\n"
    assert ok("task", "snooze", "1", "-0d", "-q") == "1\n"
    assert tasks()[0]["due_on"] == "2026-11-22"
    err = fails(2, "task", "snooze", "1", "tomorrow", "--bogus", db=db_path)
    assert err == "crm: No such option: --bogus (see 'crm task snooze --help')\n"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--every", "每九千九百九十九年"), "--every '每九千九百九十九年': 2026-11-22 + 9999y"),
        (("--every", "每一千年"), "--every '每一千年': 2026-11-22 + 1000y"),
        (("--every", "1y", "--due", "2999-06-01"), "--every '1y': 2999-06-01 + 1y"),
        (("--after", "1000y"), "--after '1000y': 2026-11-22 + 1000y"),
    ],
)
def test_a_repeat_that_leaves_the_years_crm_keeps_is_refused(db_path, args, said):
    add("Anna")
    stderr = fails(2, "task", "add", "Anna", "call", *args, db=db_path)
    assert stderr == f"crm: {said} is outside the years 1000 to 2999\n"
    ok("task", "add", "Anna", "call", "--every", "1y")
    stderr = fails(2, "task", "edit", "1", *args, db=db_path)
    assert stderr == f"crm: {said} is outside the years 1000 to 2999\n"


def test_a_stored_repeat_beyond_the_years_is_refused_when_done_not_crashed(db_path):
    import sqlite3

    add("Anna")
    ok("task", "add", "Anna", "call", "--every", "1y")
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE tasks SET every = '9999y'")
    conn.close()
    stderr = fails(2, "task", "done", "1", db=db_path)
    assert stderr == "crm: 2026-11-22 + 9999y is outside the years 1000 to 2999\n"


def test_a_due_day_already_past_is_kept_with_a_warning(db_path):
    add("张伟")
    # Sunday 2026-11-22: 本周五 is the Friday just gone, 前天 the Friday too
    for typed in ("前天", "本周五", "2026-11-21"):
        result = crm("--lang", "zh", "task", "add", "张伟", "回访", "--due", typed)
        assert result.exit_code == 0, result.stderr
        assert "已经过去" in result.stderr and "逾期" in result.stderr, result.stderr
    result = crm("task", "add", "张伟", "Call", "--due", "today")
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    result = crm("task", "edit", "4", "--due", "yesterday")
    assert result.exit_code == 0
    assert result.stderr == (
        "crm: warning: Sat 2026-11-21 is already past: the task is overdue from the start\n"
    )
    assert crm("task", "edit", "4", "--text", "Call back").stderr == ""
    due = [t["due_on"] for t in json.loads(ok("task", "list", "--format", "json"))]
    assert due.count("2026-11-20") == 2 and "2026-11-21" in due  # kept as typed
