"""Small faults left on the screens, in both languages: each says the user's own words back
as they were typed, in crm's words rather than a library's, with nothing half English in a
Chinese line; bad input is refused in one line and changes nothing."""

import json

import pytest

from tests.conftest import add, crm, fails, ok
from tests.test_i18n_errors import english_left

# --- a day whose time is dropped keeps its day -------------------------------------------


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("2026年十二月三十一日晚上12点", "2026-12-31"),
        ("2026年12月31日晚上12:30", "2026-12-31"),
        ("12月31日夜里1点", "2026-12-31"),
        ("今天晚上12点", "2026-11-22"),
        ("明晚12点", "2026-11-23"),
        ("2026-12-31 23:59", "2026-12-31"),
    ],
)
def test_a_due_day_with_its_midnight_is_the_day_written(db_path, typed, day):
    """`晚上12点` is the midnight that ends the evening: a task due then is due that day,
    not the next one (it was 2027-01-01, said beside "the time is not kept")."""
    add("Anna")
    result = crm("task", "add", "1", "Call", "--due", typed)
    assert result.exit_code == 0, result
    assert day in result.stdout, result.stdout
    assert result.stderr == (
        f"crm: warning: --due keeps the day only: the time of day in '{typed}' is not kept\n"
    )
    zh = crm("--lang", "zh", "task", "add", "1", "Call", "--due", typed)
    assert zh.exit_code == 0 and day in zh.stdout, zh
    assert zh.stderr == f"crm: 警告：--due 只记到日期：“{typed}”中的时间不会保存\n"
    tasks = json.loads(ok("task", "list", "--format", "json"))
    assert {t["due_on"] for t in tasks} == {day}


@pytest.mark.parametrize("typed", ["2026年12月31日晚上1点", "2026年12月31日上午12点"])
def test_a_time_no_part_of_the_day_has_is_refused_and_adds_no_task(db_path, typed):
    add("Anna")
    err = fails(2, "task", "add", "1", "Call", "--due", typed, db=db_path)
    assert err.count("\n") == 1 and "not a time of day" in err
    zh = fails(2, "--lang", "zh", "task", "add", "1", "Call", "--due", typed, db=db_path)
    assert english_left(zh) == [], zh
