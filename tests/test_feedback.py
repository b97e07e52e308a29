"""Feedback, survey answers, the three reports, and their place in show, remind and today.

The figures are pinned on small datasets checked by hand (see the comments): NPS, CSAT,
the median and nearest-rank 90th percentile of the times to resolve, the referral shares.
"""

import json
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.reports.models import nps as fig
from tests.conftest import add, crm, dump, fails, filled_once, ok


def jrows(*args: str) -> list[dict]:
    return json.loads(ok(*args, "--format", "json"))


# --- pure figures --------------------------------------------------------------------------


def test_nps_and_csat_by_hand():
    # 10 10 9 promoters, 8 7 passives, 6 0 detractors: (3 - 2) / 7 = 14.2857...% -> 14.3
    assert fig.nps([10, 10, 9, 8, 7, 6, 0]) == Fraction(100, 7)
    assert fig.rounded(fig.nps([10, 10, 9, 8, 7, 6, 0])) == fig.rounded(Fraction(143, 10))
    assert fig.nps([0, 6]) == -100 and fig.nps([9, 10]) == 100 and fig.nps([7, 8]) == 0
    # CSAT: the share of 4s and 5s: 5 4 1 -> 2/3 = 66.666...% -> 66.7
    assert str(fig.rounded(fig.csat([5, 4, 1]))) == "66.7"
    assert fig.nps([]) is None and fig.csat([]) is None
    assert [fig.nps_class(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor", "detractor", "passive", "passive", "promoter", "promoter",
    ]  # fmt: skip


def test_median_and_nearest_rank_percentile_by_hand():
    assert fig.median([3, 1, 2]) == 2
    assert fig.median([4, 1, 3, 2]) == Fraction(5, 2)  # mean of the two middle values
    assert fig.median([]) is None
    # nearest rank: position ceil(0.9 n) of the sorted values
    assert fig.percentile([1, 2, 3, 4, 10, 30], 90) == 30  # ceil(5.4) = 6th
    assert fig.percentile(list(range(1, 11)), 90) == 9  # ceil(9.0) = 9th
    assert fig.percentile(list(range(1, 12)), 90) == 10  # ceil(9.9) = 10th
    assert fig.percentile([7], 90) == 7 and fig.percentile([], 90) is None
    assert fig.percentile([5, 1], 50) == 1  # ceil(1.0) = 1st


def test_rounding_is_half_to_even_to_one_decimal():
    assert str(fig.rounded(Fraction(1, 4))) == "0.2"
    assert str(fig.rounded(Fraction(35, 100))) == "0.4"
    assert str(fig.hours(5400)) == "1.5"
    assert str(fig.hours(Fraction(12600, 1))) == "3.5"


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=60))
def test_percentile_is_a_value_with_at_least_90_percent_at_or_below(values):
    p90 = fig.percentile(values, 90)
    assert p90 in values
    assert 10 * sum(1 for v in values if v <= p90) >= 9 * len(values)
    assert 10 * sum(1 for v in values if v < p90) < 9 * len(values)
    assert min(values) <= fig.median(values) <= max(values)


# --- feedback ------------------------------------------------------------------------------


@pytest.fixture
def people(db_path):
    filled_once(db_path, _fill_people)  # made once per worker, copied
    return db_path


def _fill_people() -> None:
    add("Anna")
    add("Bob")
    add("Carl")


def test_the_time_to_resolve_is_said_in_the_unit_people_use(db_path):
    ok("add", "Anna")
    ok("feedback", "add", "Anna", "Late", "--at", "2026-05-01 09:00")
    out = ok("feedback", "resolve", "1", "--at", "2026-11-07 10:00")
    assert out == "Resolved feedback 1 of Anna (#1) after 190 days.\n"  # not 4561.0 hours
    ok("feedback", "add", "Anna", "Quick", "--at", "2026-11-21 09:00")
    out = ok("feedback", "resolve", "2", "--at", "2026-11-21 09:45")
    assert out == "Resolved feedback 2 of Anna (#1) after 45 minutes.\n"
    ok("feedback", "add", "Anna", "A day", "--at", "2026-11-20 09:00")
    out = ok("feedback", "resolve", "3", "--at", "2026-11-21 10:00")
    assert out == "Resolved feedback 3 of Anna (#1) after 25 hours.\n"


def test_feedback_add_list_resolve_reopen(people):
    out = ok("feedback", "add", "Anna", "Tea arrived damaged", "--severity", "high",
             "--at", "2026-11-20 09:00")  # fmt: skip
    assert out == (
        "Added feedback 1 from Anna (#1): complaint, high severity, "
        "received Fri 2026-11-20 09:00.\n"
    )
    assert ok("feedback", "add", "Bob", "More green teas?", "--kind", "suggestion", "-q") == "2\n"
    rows = jrows("feedback", "list")
    assert [(r["id"], r["status"], r["kind"], r["severity"]) for r in rows] == [
        (2, "open", "suggestion", "normal"),
        (1, "open", "complaint", "high"),
    ]
    assert list(rows[0]) == [
        "id", "received_at", "customer_id", "customer_name", "kind", "severity", "status", "text",
        "resolved_at", "resolution", "hours_to_resolve", "created_at", "updated_at",
    ]  # fmt: skip
    out = ok("feedback", "resolve", "1", "--note", "Sent a replacement", "--at", "2026-11-21 12:30")
    assert out == "Resolved feedback 1 of Anna (#1) after 27.5 hours.\n"
    record = jrows("feedback", "list", "Anna")[0]
    assert (record["status"], record["resolution"], record["hours_to_resolve"]) == (
        "resolved",
        "Sent a replacement",
        27.5,
    )
    assert "already resolved" in ok("feedback", "resolve", "1")
    assert [r["id"] for r in jrows("feedback", "list", "--open")] == [2]
    assert ok("feedback", "reopen", "1") == "Reopened feedback 1.\n"
    assert ok("feedback", "reopen", "1") == "Feedback 1 is open.\n"
    record = jrows("feedback", "list", "Anna")[0]
    assert (record["status"], record["resolution"], record["resolved_at"]) == ("open", None, None)
    assert [r["id"] for r in jrows("feedback", "list", "--kind", "suggestion")] == [2]
    assert ok("feedback", "list", "--severity", "high", "-q") == "1\n"
    table = ok("feedback", "list")
    assert table.splitlines()[0].split() == [
        "id", "received_at", "customer_name", "kind", "severity", "status", "summary",
    ]  # fmt: skip
    assert ok("feedback", "delete", "--yes", "2").startswith("Deleted feedback 2 of Bob (#2)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "Anna", "x", "--kind", "rant"], "kind must be one of"),
        (["add", "Anna", "x", "--severity", "urgent"], "severity must be one of"),
        (["add", "Anna", "   "], "TEXT is empty"),
        (["add", "Anna", "x", "--at", "tomorrow"], "is in the future"),
        (["add", "Anna", "x", "--at", "someday"], "not a date"),
        (["add", "Nobody", "x"], "no customer"),
        (["resolve", "99"], "no feedback with id 99"),
        (["reopen", "99"], "no feedback with id 99"),
        (["delete", "99"], "no feedback with id 99"),
        (["resolve", "1", "--at", "2026-11-01"], "before feedback 1 was received"),
        (["resolve", "1", "--note", " "], "--note is empty"),
        (["list", "--kind", "rant"], "kind must be one of"),
    ],
)
def test_bad_feedback_input_changes_nothing(people, args, message):
    ok("feedback", "add", "Anna", "Late", "--at", "2026-11-20")
    code = 3 if "no " in message[:3] else 2
    assert message in fails(code, "feedback", *args, db=people)


def test_feedback_report_by_hand(people):
    # Times to resolve: 1h 2h 3h 4h 10h 30h. Median (3 + 4) / 2 = 3.5h; p90 = 6th of 6 = 30h.
    # Target 24h: the 30h one was late; items 7 (49h) and 9 (12 days) are open past it,
    # item 8 (2h) is not.
    items = [
        ("Anna", "complaint", "high", "2026-11-01 09:00", "2026-11-01 10:00"),
        ("Anna", "complaint", "normal", "2026-11-02 09:00", "2026-11-02 11:00"),
        ("Bob", "suggestion", "low", "2026-11-03 09:00", "2026-11-03 12:00"),
        ("Bob", "question", "normal", "2026-11-04 09:00", "2026-11-04 13:00"),
        ("Carl", "complaint", "high", "2026-10-05 09:00", "2026-10-05 19:00"),
        ("Carl", "praise", "low", "2026-10-06 09:00", "2026-10-07 15:00"),
        ("Anna", "complaint", "high", "2026-11-20 09:00", None),
        ("Bob", "complaint", "high", "2026-11-22 08:00", None),
        ("Carl", "complaint", "normal", "2026-11-10 08:00", None),
    ]
    for number, (who, kind, severity, received, resolved) in enumerate(items, 1):
        ok("feedback", "add", who, f"item {number}", "--kind", kind, "--severity", severity,
           "--at", received)  # fmt: skip
        if resolved:
            ok("feedback", "resolve", str(number), "--at", resolved)
    out = ok("report", "feedback")
    assert out == (
        "kind        received  open  resolved  open_past_target  resolved_late  median_hours  p90_hours\n"
        "----------  --------  ----  --------  ----------------  -------------  ------------  ---------\n"
        "complaint   6         3     3         2                 0              2.0           10.0\n"
        "suggestion  1         0     1         0                 0              3.0           3.0\n"
        "praise      1         0     1         0                 1              30.0          30.0\n"
        "question    1         0     1         0                 0              4.0           4.0\n"
        "total       9         3     6         2                 1              3.5           30.0\n"
    )
    months = jrows("report", "feedback", "--by", "month")
    assert months == [
        {"month": "2026-10", "received": 2, "open": 0, "resolved": 2, "open_past_target": 0,
         "resolved_late": 1, "median_hours": 20.0, "p90_hours": 30.0},
        {"month": "2026-11", "received": 7, "open": 3, "resolved": 4, "open_past_target": 2,
         "resolved_late": 0, "median_hours": 2.5, "p90_hours": 4.0},
    ]  # fmt: skip
    severities = jrows("report", "feedback", "--by", "severity")
    assert [(r["severity"], r["received"]) for r in severities] == [
        ("high", 4), ("normal", 3), ("low", 2),
    ]  # fmt: skip
    # A longer target (72h): item 7 (49h) is no longer late, nor the 30h one.
    ok("config", "set", "feedback.response_target", "3d")
    total = jrows("report", "feedback", "--by", "month")
    assert [(r["open_past_target"], r["resolved_late"]) for r in total] == [(0, 0), (1, 0)]
    anna = jrows("report", "feedback", "--where", "name = Anna")
    assert [(r["kind"], r["received"]) for r in anna] == [("complaint", 3)]
    november = jrows("report", "feedback", "--since", "2026-11-01", "--until", "2026-11-04")
    assert sum(r["received"] for r in november) == 4
    csv = ok("report", "feedback", "--format", "csv").splitlines()
    assert csv[0] == (
        "kind,received,open,resolved,open_past_target,resolved_late,median_hours,p90_hours"
    )
    assert csv[1] == "complaint,6,3,3,1,0,2.0,10.0"
    assert len(csv) == 5  # no total row outside the table


def test_late_high_severity_feedback_is_reminded(people):
    ok("feedback", "add", "Anna", "Broken teapot", "--severity", "high", "--at", "2026-11-20 09:00")
    ok("feedback", "add", "Bob", "Wrong tea", "--severity", "high", "--at", "2026-11-22 08:00")
    ok("feedback", "add", "Carl", "Slow", "--at", "2026-11-01")  # normal: never reminded
    report = json.loads(ok("remind", "--format", "json"))
    assert report["late_feedback"] == [
        {
            "feedback_id": 1, "received_at": "2026-11-20T09:00:00+08:00", "hours_open": 49,
            "hours_past_target": 25, "kind": "complaint", "severity": "high", "customer_id": 1,
            "customer_name": "Anna", "phone": None, "text": "Broken teapot",
        }
    ]  # fmt: skip
    text = ok("remind")
    assert "High-severity feedback past the response target (1)" in text
    today = jrows("today")
    assert today[0]["customer_id"] == 1
    assert today[0]["reasons"] == ["feedback #1 open 2 days (complaint, high): Broken teapot"]
    assert "feedback-1@crmcli" in ok("remind", "--format", "ics")
    ok("config", "set", "feedback.response_target", "3d")
    assert json.loads(ok("remind", "--format", "json"))["late_feedback"] == []
    ok("config", "set", "feedback.response_target", "1h")
    late = json.loads(ok("remind", "--format", "json"))["late_feedback"]
    assert [r["feedback_id"] for r in late] == [1, 2]
    ok("feedback", "resolve", "1")
    ok("delete", "Bob")
    assert json.loads(ok("remind", "--format", "json"))["late_feedback"] == []


@pytest.mark.parametrize("value", ["0h", "1y", "soon", "30s", "400d"])
def test_bad_response_target_is_refused(db_path, value):
    add("Anna")
    fails(2, "config", "set", "feedback.response_target", value, db=db_path)


def test_response_target_is_stored_in_hours_or_minutes(db_path):
    assert (
        ok("config", "set", "feedback.response_target", "2d") == "feedback.response_target = 48h\n"
    )
    assert ok("config", "set", "feedback.response_target", "1h30m") == (
        "feedback.response_target = 90m\n"
    )
    assert ok("config", "get", "feedback.response_target") == "90m\n"


# --- surveys -------------------------------------------------------------------------------


def test_survey_add_and_list(people):
    assert ok("survey", "add", "Anna", "--nps", "9", "--comment", "Great tea") == (
        "Added survey answer 1 from Anna (#1): NPS 9, answered Sun 2026-11-22 10:00.\n"
    )
    assert (
        ok("survey", "add", "Bob", "--csat", "4", "--nps", "10", "--at", "2026-11-01", "-q")
        == "2\n"
    )
    rows = jrows("survey", "list")
    assert [(r["id"], r["customer_name"], r["nps"], r["csat"], r["comment"]) for r in rows] == [
        (1, "Anna", 9, None, "Great tea"),
        (2, "Bob", 10, 4, None),
    ]
    assert list(rows[0]) == [
        "id", "answered_at", "customer_id", "customer_name", "nps", "csat", "comment", "created_at",
    ]  # fmt: skip
    assert [r["id"] for r in jrows("survey", "list", "--until", "2026-11-10")] == [2]
    assert [r["id"] for r in jrows("survey", "list", "--since", "2026-11-10")] == [1]
    assert ok("survey", "list", "Bob", "-q") == "2\n"
    assert ok("survey", "delete", "--yes", "2").startswith("Deleted survey answer 2 of Bob (#2)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--nps", "11"], "nps must be a whole number from 0 to 10 (got '11')"),
        (["--nps", "-1"], "nps must be a whole number from 0 to 10"),
        (["--nps", "7.5"], "nps must be a whole number from 0 to 10"),
        (["--nps", "nine"], "nps must be a whole number from 0 to 10"),
        (["--nps", ""], "nps must be a whole number from 0 to 10"),
        (["--csat", "0"], "csat must be a whole number from 1 to 5 (got '0')"),
        (["--csat", "6"], "csat must be a whole number from 1 to 5"),
        (["--nps", "8", "--csat", "9"], "csat must be a whole number from 1 to 5"),
        ([], "give a score"),
        (["--comment", "hi"], "give a score"),
        (["--nps", "5", "--at", "tomorrow"], "is in the future"),
        (["--nps", "5", "--comment", "  "], "comment cannot be empty"),
    ],
)
def test_bad_scores_exit_2_and_write_nothing(people, args, message):
    ok("survey", "add", "Anna", "--nps", "8")
    err = fails(2, "survey", "add", "Anna", *args, db=people)
    assert message in err


NOW = datetime(2026, 11, 22, 10, 0, tzinfo=timezone(timedelta(hours=8)))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    n=st.integers(min_value=-1000, max_value=1000).filter(lambda n: not 0 <= n <= 10),
    typed=st.sampled_from([str, int, float, lambda n: f" {n:+d} "]),
)
def test_any_out_of_range_nps_is_refused(n, typed):
    """As typed (--nps, a CSV cell) or as a JSON number: refused before anything is written."""
    from crmcli.core.errors import InvalidInput
    from crmcli.records.surveys import SurveyInput, prepare

    with pytest.raises(InvalidInput, match=r"\Anps must be a whole number from 0 to 10") as caught:
        prepare(SurveyInput(nps=typed(n), csat="5"), now=NOW)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize("n", ["-1", "11", "1000"])
def test_an_out_of_range_nps_exits_2_and_writes_nothing(people, n):
    err = fails(2, "survey", "add", "Anna", "--nps", n, db=people)
    assert err == f"crm: nps must be a whole number from 0 to 10 (got '{n}')\n"


def test_unknown_customer_is_not_found(people):
    fails(3, "survey", "add", "Nobody", "--nps", "5", db=people)
    fails(3, "survey", "delete", "--yes", "7", db=people)


# --- import --------------------------------------------------------------------------------

GOOD_CSV = (
    "customer,nps,csat,comment,at\n"
    "Anna,10,5,Lovely,2026-11-01 10:00\n"
    "#2,6,,,2026-11-02\n"
    'Carl,,3,"Late, but fine",2026-11-03\n'
)


def test_import_csv_from_stdin_and_file(people, tmp_path):
    out = ok("survey", "import", "-", input=GOOD_CSV)
    assert out == "Imported 3 of 3 survey answers.\n"
    rows = jrows("survey", "list")
    assert [(r["customer_name"], r["nps"], r["csat"], r["comment"]) for r in rows] == [
        ("Carl", None, 3, "Late, but fine"),
        ("Bob", 6, None, None),
        ("Anna", 10, 5, "Lovely"),
    ]
    # The same file again adds nothing: identical answers are already present.
    path = tmp_path / "answers.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    assert ok("survey", "import", str(path)) == (
        "Imported 0 of 3 survey answers; 3 already present.\n"
    )


def test_import_jsonl_and_json(people, tmp_path):
    lines = '{"customer": "Anna", "nps": 9}\n\n{"customer_id": 2, "csat": 4, "at": "2026-11-01"}\n'
    assert ok("survey", "import", "-", "-q", input=lines) == "1\n2\n"
    path = tmp_path / "more.json"
    path.write_text('[{"external_id": "Carl", "nps": 0, "comment": "不满意"}]', encoding="utf-8")
    assert ok("survey", "import", str(path)) == "Imported 1 of 1 survey answers.\n"
    assert [r["nps"] for r in jrows("survey", "list", "Carl")] == [0]


def test_import_refuses_a_quote_left_open_at_the_end(people):
    for fmt, text in (
        ("csv", GOOD_CSV + 'Anna,9,,"cut off\n'),
        ("tsv", 'customer\tnps\n"Anna\t9\n'),
    ):
        err = fails(2, "survey", "import", "-", "--format", fmt, "--skip-invalid", input=text,
                    db=people)  # fmt: skip
        line = 5 if fmt == "csv" else 2
        assert err == (
            f"crm: the {fmt.upper()} input: the quote opened on line {line} is never closed (the "
            "file is cut off or is not CSV); nothing was imported\n"
        )


def test_import_is_all_or_nothing(people):
    bad = GOOD_CSV + "Anna,11,,,\nNobody,5,,,\n"
    err = fails(2, "survey", "import", "-", input=bad, db=people)
    assert err.splitlines() == [
        "crm: 2 of 5 rows are invalid; nothing was imported (fix them, or add --skip-invalid "
        "to import the rest)",
        "  row 5: nps must be a whole number from 0 to 10 (got '11')",
        "  row 6: no customer matches 'Nobody'",
    ]
    result = crm("survey", "import", "-", "--skip-invalid", input=bad)
    assert result.exit_code == 0
    assert result.stdout == "Imported 3 of 5 survey answers; 2 invalid skipped.\n"
    assert "crm: skipped row 5: nps must be" in result.stderr
    assert len(jrows("survey", "list")) == 3


def test_many_invalid_answers_are_named_twenty_and_counted(people):
    """Refused or skipped, 25 bad rows are named up to twenty, then counted."""
    bad = "customer,nps\n" + "Anna,11\n" * 25
    err = fails(2, "survey", "import", "-", input=bad, db=people)
    assert err.splitlines()[20:] == ["  row 21: nps must be a whole number from 0 to 10 (got "
                                     "'11')", "  ... and 5 more"], err  # fmt: skip
    result = crm("survey", "import", "-", "--skip-invalid", input=bad)
    assert result.exit_code == 0
    assert result.stderr.splitlines()[19:] == [
        "crm: skipped row 21: nps must be a whole number from 0 to 10 (got '11')",
        "crm: ... and 5 more",
    ], result.stderr


def test_import_names_rows_as_the_customer_import_does_in_chinese(people):
    """A survey file's refused rows are named as a customer import names them, in the
    user's language (`第 2 行`, `第 4 行（文件第 5 行）` after a cell over two lines), not
    `line 2:` / `item 1:` on a Chinese screen."""
    bad = 'customer,nps\nAnna,11\n"Anna\n",5\nNobody,3\n'
    err = fails(2, "--lang", "zh", "survey", "import", "-", input=bad, db=people)
    assert err.splitlines()[1:] == [
        "  第 2 行：NPS 分必须是 0 到 10 的整数（收到“11”）",
        "  第 4 行（文件第 5 行）：没有匹配“Nobody”的客户",
    ]
    err = fails(2, "--lang", "zh", "survey", "import", "-", "--format", "json",
                input='[{"customer": "Anna", "nps": 12}, 3]', db=people)  # fmt: skip
    assert err == "crm: 第 2 行：不是 JSON 对象\n"


def test_import_dry_run_writes_nothing(people):
    before = dump(people)
    assert ok("survey", "import", "-", "--dry-run", input=GOOD_CSV) == (
        "Would import 3 of 3 survey answers (dry run: nothing was written).\n"
    )
    assert dump(people) == before
    fails(2, "survey", "import", "-", "--dry-run", input="customer,nps\nAnna,12\n", db=people)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("customer,score\nAnna,5\n", "unknown column 'score'"),
        ("nps\n5\n", "a customer column is needed"),
        ("customer,ref,nps\nAnna,Anna,5\n", "give the customer once"),
        ('{"customer": "Anna", "nps": 5\n', "row 1: not a JSON object"),
        ("[1, 2]", "row 1: not a JSON object"),
        ('{"customer": "Anna", "nps": true}\n', "nps must be a whole number"),
        ("customer,nps\nAnna,5,extra\n", "more fields than the header has"),
    ],
)
def test_unreadable_imports_exit_2(people, text, message):
    assert message in fails(2, "survey", "import", "-", input=text, db=people)


def test_import_of_a_missing_file_exits_2(people, tmp_path):
    assert "no such file" in fails(2, "survey", "import", str(tmp_path / "none.csv"), db=people)


# --- the satisfaction report ---------------------------------------------------------------


@pytest.fixture
def answers(people):
    ok("tag", "vip", "Anna", "Bob")
    ok("survey", "add", "Anna", "--nps", "10", "--csat", "5", "--at", "2026-11-01")
    ok("survey", "add", "Anna", "--nps", "6", "--at", "2026-11-10")
    ok("log", "note", "Anna", "seemed unhappy", "--at", "2026-11-11")  # a note is no contact
    ok("survey", "add", "Bob", "--nps", "9", "--csat", "4", "--at", "2026-10-15")
    ok("survey", "add", "Bob", "--nps", "0", "--csat", "1", "--at", "2026-11-05")
    ok("log", "call", "Bob", "Sorry about the order", "--at", "2026-11-06")
    ok("survey", "add", "Carl", "--nps", "10", "--at", "2026-11-03")
    ok("survey", "add", "Carl", "--nps", "8", "--at", "2026-11-04")
    ok("survey", "add", "Carl", "--nps", "7", "--at", "2026-10-20")
    return people


def test_satisfaction_report_by_hand(answers):
    # NPS 10 6 9 0 10 8 7: promoters 3, passives 2, detractors 2 -> (3 - 2) / 7 = 14.3 %.
    # CSAT 5 4 1: 2 of 3 satisfied -> 66.7 %. Anna's 6 had no contact since (a note is none);
    # Bob's 0 was followed by a call.
    assert jrows("report", "satisfaction") == [
        {"responses": 7, "nps_responses": 7, "promoters": 3, "passives": 2, "detractors": 2,
         "nps": 14.3, "csat_responses": 3, "satisfied": 2, "csat": 66.7, "not_contacted": 1},
    ]  # fmt: skip
    months = jrows("report", "satisfaction", "--by", "month")
    # October: 9 and 7 -> (1 - 0) / 2 = 50 %; CSAT 4 -> 100 %.
    # November: 10 6 0 10 8 -> (2 - 2) / 5 = 0 %; CSAT 5 1 -> 50 %.
    assert [
        (r["month"], r["responses"], r["nps"], r["csat"], r["not_contacted"]) for r in months
    ] == [
        ("2026-10", 2, 50.0, 100.0, 0),
        ("2026-11", 5, 0.0, 50.0, 1),
    ]
    table = ok("report", "satisfaction", "--by", "tag")
    assert table == (
        "tag     responses  nps_responses  promoters  passives  detractors  nps   csat_responses  satisfied  csat  not_contacted\n"
        "------  ---------  -------------  ---------  --------  ----------  ----  --------------  ---------  ----  -------------\n"
        "vip     4          4              2          0         2           0.0   3               2          66.7  1\n"
        "(none)  3          3              1          2         0           33.3  0               0                0\n"
        "total   7          7              3          2         2           14.3  3               2          66.7  1\n"
    )
    ok("stage", "Carl", "loyal")
    stages = jrows("report", "satisfaction", "--by", "stage")
    assert [(r["stage"], r["responses"]) for r in stages] == [("loyal", 3), (None, 4)]
    only_vip = jrows("report", "satisfaction", "--tag", "vip")
    assert only_vip[0]["nps"] == 0.0
    november = jrows("report", "satisfaction", "--since", "2026-11-01")
    assert november[0]["responses"] == 5


def test_detractors_not_contacted(answers):
    rows = jrows("report", "satisfaction", "--detractors")
    assert rows == [
        {"survey_id": 2, "answered_at": "2026-11-10T00:00:00+08:00", "customer_id": 1,
         "customer_name": "Anna", "phone": None, "nps": 6, "comment": None, "days_waiting": 12},
    ]  # fmt: skip
    ok("log", "email", "Anna", "Asked what went wrong", "--at", "2026-11-12")
    assert jrows("report", "satisfaction", "--detractors") == []
    assert jrows("report", "satisfaction")[0]["not_contacted"] == 0
    fails(2, "report", "satisfaction", "--detractors", "--by", "month", db=answers)


def test_a_purchase_after_a_detractor_answer_is_contact_as_contact_counts_says(answers):
    ok("buy", "Anna", "Tea", "10", "--at", "2026-11-15")  # after her NPS 6 of 11-10
    assert jrows("report", "satisfaction", "--detractors") == []
    assert jrows("report", "satisfaction")[0]["not_contacted"] == 0
    ok("config", "set", "contact.counts", "call,email,meeting,visit,message")
    assert [r["customer_name"] for r in jrows("report", "satisfaction", "--detractors")] == ["Anna"]
    assert jrows("report", "satisfaction")[0]["not_contacted"] == 1
    # Bob's call still counts; with only meetings counting, he waits too.
    ok("config", "set", "contact.counts", "meeting")
    assert [r["customer_name"] for r in jrows("report", "satisfaction", "--detractors")] == [
        "Bob", "Anna"
    ]  # fmt: skip


# --- referrals -----------------------------------------------------------------------------


def test_referrals_report_by_hand(people):
    ok("edit", "Bob", "--referred-by", "Anna")
    ok("edit", "Carl", "--referred-by", "Anna")
    add("Dan", "--referred-by", "Bob")
    add("Eve")  # referred nobody and bought nothing
    ok("buy", "Anna", "Tea", "20")
    ok("buy", "Bob", "Tea", "100")
    ok("buy", "Bob", "Tea", "10 USD")
    ok("buy", "Carl", "Tea", "60")
    ok("buy", "Carl", "Tea", "-10", "--refund")
    ok("buy", "Dan", "Tea", "30")
    # CNY net: Anna 20 + Bob 100 + Carl 50 + Dan 30 = 200. Anna brought Bob and Carl: 150 of
    # 200 = 75 %; and Bob's 10 USD, all of the USD. Bob brought Dan: 30 = 15 %.
    assert jrows("report", "referrals") == [
        {"customer_id": 1, "customer_name": "Anna", "referred": 2, "currency": "CNY",
         "net": "150.00", "share": 75.0},
        {"customer_id": 1, "customer_name": "Anna", "referred": 2, "currency": "USD",
         "net": "10.00", "share": 100.0},
        {"customer_id": 2, "customer_name": "Bob", "referred": 1, "currency": "CNY",
         "net": "30.00", "share": 15.0},
    ]  # fmt: skip
    # Referred customers (Bob, Carl, Dan) bought 180 of 200 CNY: 90 %.
    assert jrows("report", "referrals", "--summary") == [
        {"currency": "CNY", "customers": 4, "net": "200.00", "referred_customers": 3,
         "referred_net": "180.00", "referred_share": 90.0},
        {"currency": "USD", "customers": 1, "net": "10.00", "referred_customers": 1,
         "referred_net": "10.00", "referred_share": 100.0},
    ]  # fmt: skip
    assert ok("report", "referrals") == (
        "customer_id  customer_name  referred  currency  net     share\n"
        "-----------  -------------  --------  --------  ------  -----\n"
        "1            Anna           2         CNY       150.00  75.0\n"
        "1            Anna           2         USD       10.00   100.0\n"
        "2            Bob            1         CNY       30.00   15.0\n"
        "             all referred   3         CNY       180.00  90.0\n"
        "             all referred   1         USD       10.00   100.0\n"
    )
    top = jrows("report", "referrals", "--limit", "1", "--currency", "usd")
    assert [(r["customer_name"], r["currency"], r["net"]) for r in top] == [
        ("Anna", "USD", "10.00")
    ]
    # The filter picks the referred customers whose purchases count.
    dan = jrows("report", "referrals", "--where", "name = Dan")
    assert [(r["customer_name"], r["net"], r["share"]) for r in dan] == [("Bob", "30.00", 100.0)]
    assert ok("report", "referrals", "--format", "csv").splitlines()[0] == (
        "customer_id,customer_name,referred,currency,net,share"
    )
    fails(2, "report", "referrals", "--currency", "XYZ", db=people)


def test_a_referrer_whose_customers_bought_nothing(people):
    ok("edit", "Bob", "--referred-by", "Anna")
    assert jrows("report", "referrals") == [
        {"customer_id": 1, "customer_name": "Anna", "referred": 1, "currency": None, "net": None,
         "share": None},
    ]  # fmt: skip
    assert jrows("report", "referrals", "--summary") == []


# --- every report on an empty database, in every format ------------------------------------

REPORTS = [
    ["report", "feedback"],
    ["report", "feedback", "--by", "month"],
    ["report", "satisfaction"],
    ["report", "satisfaction", "--by", "tag"],
    ["report", "satisfaction", "--detractors"],
    ["report", "referrals"],
    ["report", "referrals", "--summary"],
]


@pytest.mark.parametrize("args", REPORTS, ids=" ".join)
@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "tsv"])
def test_reports_on_an_empty_database(db_path, args, fmt):
    out = ok(*args, "--format", fmt)
    if fmt == "json":
        assert json.loads(out) == []
    elif fmt in ("csv", "tsv"):
        assert len(out.splitlines()) == 1  # the header only
    else:
        assert out == ""
    assert not db_path.exists()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    ok("demo", "--db", str(db), "--customers", "150")
    return db


@pytest.mark.parametrize("args", REPORTS, ids=" ".join)
@pytest.mark.parametrize("fmt", ["table", "json", "jsonl", "csv", "tsv"])
def test_reports_on_the_demo(demo_db, args, fmt):
    before = dump(demo_db)
    out = ok("--db", str(demo_db), *args, "--format", fmt)
    assert out.strip()
    if fmt == "json":
        assert json.loads(out)
    assert dump(demo_db) == before


def test_reports_refuse_bad_options(db_path):
    fails(2, "report", "feedback", "--by", "week", db=db_path)
    fails(2, "report", "satisfaction", "--by", "city", db=db_path)
    fails(2, "report", "feedback", "--since", "2026-12-01", "--until", "2026-01-01", db=db_path)
    fails(2, "report", "referrals", "--where", "nmae = x", db=db_path)


# --- crm show and the demo -----------------------------------------------------------------


def test_show_has_open_feedback_last_scores_and_referrals(people):
    ok("edit", "Bob", "--referred-by", "Anna")
    ok("feedback", "add", "Bob", "Where is my order?", "--kind", "question", "--at", "2026-11-21")
    ok("feedback", "add", "Bob", "Thanks", "--kind", "praise", "--at", "2026-11-20")
    ok("feedback", "resolve", "2")
    ok("survey", "add", "Bob", "--nps", "3", "--at", "2026-11-01")
    ok("survey", "add", "Bob", "--nps", "9", "--comment", "Better now", "--at", "2026-11-15")
    ok("survey", "add", "Bob", "--csat", "4", "--at", "2026-11-02")
    record = jrows("show", "Bob")
    assert record["referred_by"] == 1 and record["referred_by_name"] == "Anna"
    assert record["open_feedback"] == [
        {"id": 1, "received_at": "2026-11-21T00:00:00+08:00", "kind": "question",
         "severity": "normal", "summary": "Where is my order?"},
    ]  # fmt: skip
    assert [(s["metric"], s["score"], s["comment"]) for s in record["last_scores"]] == [
        ("nps", 9, "Better now"),
        ("csat", 4, None),
    ]
    card = ok("show", "Bob")
    assert "referred by  Anna (#1)" in card
    assert "Open feedback\n" in card and "Where is my order?" in card
    assert "Last survey scores\n" in card and "Better now" in card
    assert "Bob (#2)" in ok("show", "Anna")  # referred
    assert jrows("show", "Carl")["open_feedback"] == []


def test_demo_has_feedback_surveys_and_referrals(demo_db):
    db = str(demo_db)
    assert jrows("--db", db, "feedback", "list", "--open")
    assert jrows("--db", db, "survey", "list")
    assert jrows("--db", db, "report", "referrals", "--limit", "3")
    assert json.loads(ok("--db", db, "remind", "--format", "json"))["late_feedback"]


def test_import_surveys_is_registered_with_the_other_imports(db_path):
    ok("add", "Anna")
    out = crm("import", "surveys", "-", "--format", "csv", input="customer,nps\nAnna,9\n")
    assert out.exit_code == 0, out
    assert json.loads(ok("survey", "list", "-f", "json"))[0]["nps"] == 9


def test_survey_add_echoes_the_day_understood(people):
    out = ok("survey", "add", "Anna", "--nps", "9", "--at", "Jan 5")
    assert out == "Added survey answer 1 from Anna (#1): NPS 9, answered Mon 2026-01-05 00:00.\n"
