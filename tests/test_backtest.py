"""`crm report value --backtest DATE` and `crm report churn --backtest DATE`: the arithmetic
against oracles written here, the CDNOW figures of docs/reports.md, and the CLI contract.

The clock is pinned to 2026-11-22 (conftest).
"""

import json
import random
import subprocess
import sys
from array import array
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from crmcli.reports import purchase_histories
from crmcli.reports.models import backtest as arithmetic
from crmcli.store import db
from tests.conftest import crm, fails, filled_once, ok
from tests.test_churn_value import load_cdnow

CUTOFF = date(2026, 6, 30)
STAMP = "2026-01-01T00:00:00+08:00"


def insert(path: Path, lines: list[tuple[int, int, str]], currency: str = "USD") -> None:
    """Customers (ids of `lines`) and their purchase lines (customer, minor, YYYY-MM-DD)."""
    conn = db.connect(path, write=True)
    with db.transaction(conn):
        ids = sorted({c for c, _, _ in lines})
        conn.executemany(
            "INSERT INTO customers (id, name, name_key, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(i, f"P {i}", f"p {i}", STAMP, STAMP) for i in ids],
        )
        conn.executemany(
            "INSERT INTO purchases (customer_id, item, amount_minor, currency, purchased_at, "
            "created_at, updated_at) VALUES (?, 'Tea', ?, ?, ?, ?, ?)",
            [(c, m, currency, f"{d}T12:00:00+08:00", STAMP, STAMP) for c, m, d in lines],
        )
    conn.close()


def synthetic_lines(n: int = 60, seed: int = 5) -> list[tuple[int, int, str]]:
    """`n` customers buying at their own pace from 2025-12 on, some on two lines a day."""
    rng = random.Random(seed)
    lines = []
    for c in range(1, n + 1):
        day = date(2025, 12, 1) + timedelta(days=rng.randint(0, 150))
        gap = rng.choice([5, 9, 20, 45, 400])
        while day <= date(2026, 11, 22):
            lines.append((c, rng.randint(100, 5000), day.isoformat()))
            if rng.random() < 0.2:
                lines.append((c, 250, day.isoformat()))
            day += timedelta(days=rng.randint(1, 2 * gap))
        if c % 7 == 0:
            lines.append((c, -300, "2026-08-01"))  # a refund is not a purchase
    return lines


def _fill_synthetic() -> None:
    import os

    insert(Path(os.environ["CRM_DB"]), synthetic_lines())


@pytest.fixture
def synthetic(db_path):
    filled_once(db_path, _fill_synthetic)
    return db_path


def oracle(lines, cutoff: date, as_of: date, period) -> dict[int, tuple[int, int, int]]:
    """Per customer who bought by `cutoff`: (repeat periods by then, periods after it, value
    after it), a period being what `period(day)` maps a day to."""
    before: dict[int, set] = defaultdict(set)
    after: dict[int, set] = defaultdict(set)
    spent: dict[int, int] = defaultdict(int)
    for c, minor, text in lines:
        day = date.fromisoformat(text)
        if minor < 0 or day > as_of:
            continue
        if day <= cutoff:
            before[c].add(period(day))
        else:
            after[c].add(period(day))
            spent[c] += minor
    return {c: (len(days) - 1, len(after[c]), spent[c]) for c, days in before.items()}


def by_day(day: date) -> date:
    return day


def by_week(day: date) -> tuple[int, int]:
    return day.isocalendar()[:2]


@pytest.mark.parametrize(("unit", "period"), [("day", by_day), ("week", by_week)])
def test_value_backtest_arithmetic_against_an_oracle(synthetic, unit, period):
    found = json.loads(
        ok("report", "value", "--currency", "USD", "--backtest", CUTOFF.isoformat(),
           "--unit", unit, "-f", "json")
    )  # fmt: skip
    truth = oracle(synthetic_lines(), CUTOFF, date(2026, 11, 22), period)
    assert found["customers"] == len(truth)
    assert found["actual_purchases"] == sum(a for _, a, _ in truth.values())
    assert found["actual_value"] == f"{sum(s for _, _, s in truth.values()) / 100:.2f}"
    groups: dict[str, list[int]] = defaultdict(list)
    for x, bought, _ in truth.values():
        groups[str(x) if x < 7 else "7+"].append(bought)
    labels = sorted(groups, key=lambda g: int(g.rstrip("+")))
    assert [g["repeat_purchases"] for g in found["groups"]] == labels
    for row in found["groups"]:
        members = groups[row["repeat_purchases"]]
        assert row["customers"] == len(members)
        assert row["mean_actual"] == round(sum(members) / len(members), 3)
    # The forecast is the value report's, made as on the backtest date for the holdout.
    days = (date(2026, 11, 22) - CUTOFF).days
    if unit == "week":  # whole weeks between the Mondays of the two dates
        days = 7 * ((date(2026, 11, 16) - date(2026, 6, 29)).days // 7)
    forecast = json.loads(
        ok("report", "value", "--currency", "USD", "--as-of", CUTOFF.isoformat(),
           "--horizon", f"{days}d", "--unit", unit, "-f", "json")
    )  # fmt: skip
    assert len(forecast) == len(truth)
    expected = sum(r["expected_purchases"] for r in forecast)
    assert found["expected_purchases"] == pytest.approx(expected, abs=0.01 * len(forecast))
    assert found["purchases_ratio"] == pytest.approx(
        found["expected_purchases"] / found["actual_purchases"], abs=1e-3
    )
    worth = sum(float(r["expected_value"]) for r in forecast)
    assert float(found["expected_value"]) == pytest.approx(worth, abs=0.01 * len(forecast))
    for row in found["groups"]:
        members = [
            r["expected_purchases"]
            for r in forecast
            if row["repeat_purchases"] in (str(r["purchase_days"] - 1), "7+")
            and (row["repeat_purchases"] != "7+" or r["purchase_days"] > 7)
        ]
        assert row["mean_predicted"] == pytest.approx(np.mean(members), abs=0.006)


# Runs crm's commands one after another in one process, as `python -m crmcli` would each
# (the same root command and the same warning filters), and prints each one's exit code and
# output after a line of its own.
RUN_IN_TURN = """
import json, sys
from typer.main import get_command
from crmcli.cli import app
command = get_command(app)
for args in json.loads(sys.argv[1]):
    print("\\0", flush=True)
    code = command.main(args, standalone_mode=False)
    sys.stdout.flush()
    print("\\0", code, flush=True)
"""


def test_no_numpy_warning_reaches_stderr_on_a_small_history(db_path):
    # 35 customers: the fit's optimiser tries parameters where the likelihood's logs are
    # -inf or nan (numpy printed "RuntimeWarning: invalid value encountered in add" and the
    # source line). A real process: numpy's warnings go to its stderr. One process runs the
    # four reports (numpy and scipy loaded once, not four times): a warning says itself at
    # its first occurrence in a process, so none of the four gave one where stderr is empty.
    insert(db_path, synthetic_lines(35, seed=23))
    runs = [
        ["report", "value", "--model", "mbgnbd"],
        ["report", "value"],
        ["report", "value", "--backtest", CUTOFF.isoformat(), "--model", "mbgnbd"],
        ["report", "churn", "--backtest", CUTOFF.isoformat()],
    ]
    runs = [[*args, "--currency", "USD", "-f", "json"] for args in runs]
    done = subprocess.run(
        [sys.executable, "-c", RUN_IN_TURN, json.dumps(runs)], capture_output=True, text=True
    )
    assert (done.returncode, done.stderr) == (0, "")
    parts = done.stdout.split("\0\n")
    assert parts[0] == "" and len(parts) == 1 + len(runs), done.stdout
    for args, part in zip(runs, parts[1:], strict=True):
        output, code = part.rsplit("\0 ", 1)
        assert code == "0\n", args
        assert json.loads(output), args


def test_group_arithmetic_by_hand():
    x = [0, 0, 1, 3, 7, 9]
    actual = [0, 2, 1, 4, 6, 10]
    predicted = [1, 1, 2, 3, 7, 7]
    groups = arithmetic.by_group(x, actual, predicted)
    assert groups == [
        ("0", 2, 1.0, 1.0),
        ("1", 1, 1.0, 2.0),
        ("3", 1, 4.0, 3.0),
        ("7+", 2, 8.0, 7.0),
    ]
    # missed: 2 x 0 + 1 x 1 + 1 x 1 + 2 x 1 = 4, of 2 + 1 + 4 + 16 = 23 actual purchases
    assert arithmetic.group_error(groups) == pytest.approx(4 / 23)
    assert arithmetic.ratio(21, 23) == pytest.approx(21 / 23)
    assert arithmetic.ratio(3, 0) is None
    hits = arithmetic.precision_recall([1, 1, 1, 0, 0], [1, 0, 1, 1, 0])
    assert hits == (5, 3, 3, 2, 2 / 3, 2 / 3)
    assert arithmetic.precision_recall([0, 0], [0, 0])[-2:] == (None, None)


def test_holdout_counts_days_or_weeks_and_no_refunds(db_path):
    # 2026-07-06 is a Monday: Mon + Wed of one week and the next Monday -> 3 days, 2 weeks.
    insert(db_path, [(1, 100, "2026-06-01"), (1, 50, "2026-07-06"), (1, 50, "2026-07-06"),
                     (1, 70, "2026-07-08"), (1, 30, "2026-07-13"), (1, -90, "2026-07-14"),
                     (1, 10, "2026-11-23"), (2, 5, "2026-06-30"), (2, -5, "2026-07-02")])  # fmt: skip
    conn = db.connect(db_path, write=False)
    # Customer 2 bought nothing after the cutoff; 3 is nobody's id here; 0 was never read.
    ids = array("q", [0, 1, 2, 3])
    days = purchase_histories.holdout(conn, "USD", CUTOFF, date(2026, 11, 22), ids)
    assert [a.tolist() for a in days] == [[0, 3, 0, 0], [0, 200, 0, 0]]
    weeks = purchase_histories.holdout(conn, "USD", CUTOFF, date(2026, 11, 22), ids, "week")
    assert [a.tolist() for a in weeks] == [[0, 2, 0, 0], [0, 200, 0, 0]]
    # A buyer who is not among the ids asked for (new since the cutoff) is left out.
    only = purchase_histories.holdout(conn, "USD", CUTOFF, date(2026, 11, 22), array("q", [2]))
    assert [a.tolist() for a in only] == [[0], [0]]
    nobody = purchase_histories.holdout(conn, "USD", CUTOFF, date(2026, 11, 22), array("q"))
    assert [a.tolist() for a in nobody] == [[], []]
    conn.close()


@pytest.mark.parametrize(
    ("unit", "model", "actual", "expected", "group"),
    [  # lifetimes 0.11.3 gives the same figures (docs/reports.md)
        ("day", "bgnbd", 1882, 1653.41, ("1", 439, 0.697, 0.523)),
        ("day", "mbgnbd", 1882, 1576.73, ("1", 439, 0.697, 0.551)),
        ("week", "bgnbd", 1788, 1610.34, ("1", 445, 0.715, 0.564)),
        ("week", "mbgnbd", 1788, 1519.67, ("1", 445, 0.715, 0.585)),
    ],
)
def test_cdnow_backtest_stays_at_the_documented_figures(
    db_path, unit, model, actual, expected, group
):
    load_cdnow(db_path)
    found = json.loads(
        ok("report", "value", "--currency", "USD", "--as-of", "1998-06-30", "--backtest",
           "1997-09-30", "--unit", unit, "--model", model, "-f", "json")
    )  # fmt: skip
    assert (found["customers"], found["actual_purchases"]) == (2357, actual)
    assert found["expected_purchases"] == pytest.approx(expected, abs=0.05)
    assert found["holdout_length"] == (273 if unit == "day" else 39)
    row = found["groups"][1]
    assert (row["repeat_purchases"], row["customers"]) == group[:2]
    assert (row["mean_actual"], row["mean_predicted"]) == pytest.approx(group[2:], abs=0.001)
    assert found["actual_value"] == "70976.39"


def test_cdnow_fit_through_the_backtest_keeps_the_published_parameters(db_path):
    load_cdnow(db_path)
    found = json.loads(
        ok("report", "value", "--currency", "USD", "--as-of", "1998-06-30", "--backtest",
           "1997-09-30", "--model", "auto", "-f", "json")
    )  # fmt: skip
    p = found["parameters"]
    assert (found["model"], round(p["r"], 3), round(p["alpha"] / 7, 3)) == ("bgnbd", 0.243, 4.414)
    assert (round(p["a"], 3), round(p["b"], 3)) == (0.793, 2.426)
    assert found["choice"] == (
        "model auto: BG/NBD, whose forecast by repeat purchases missed 12.1 % of the actual "
        "purchases in a backtest from 1997-09-30 (MBG/NBD: 16.2 %)"
    )
    assert list(found) == [
        "currency", "model", "unit", "calibration_until", "holdout_until", "holdout_length",
        "parameters", "customers", "actual_purchases", "expected_purchases", "purchases_ratio",
        "actual_value", "expected_value", "value_ratio", "group_error", "choice", "groups",
    ]  # fmt: skip
    assert list(found["groups"][0]) == [
        "repeat_purchases", "customers", "mean_actual", "mean_predicted",
    ]  # fmt: skip


def test_value_backtest_table_csv_and_terminal_chart(synthetic, monkeypatch):
    args = ("report", "value", "--currency", "USD", "--backtest", CUTOFF.isoformat())
    result = crm(*args)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "USD, BG/NBD (time in days) fitted on the purchases up to 2026-06-30, checked against "
        "2026-07-01 to 2026-11-22 (145 days): "
    )
    assert lines[1].startswith("Repeat purchase days: expected ")
    assert "By repeat purchase days up to 2026-06-30" in lines
    assert "chart" not in result.stdout and "█" not in result.stdout  # not on a pipe
    assert result.stderr == ""
    csv = ok(*args, "-f", "csv").splitlines()
    assert csv[0] == "repeat_purchases,customers,mean_actual,mean_predicted"
    assert csv[1].startswith("0,")
    from crmcli.cli import output

    monkeypatch.setattr(output, "is_terminal", lambda stream: True)
    chart = ok(*args)
    assert "Actual and predicted purchase days per customer after 2026-06-30" in chart
    assert "predicted" in chart and "█" in chart


def test_churn_backtest_on_an_80_column_terminal(synthetic, monkeypatch):
    from crmcli.cli import output

    args = ("report", "churn", "--currency", "USD", "--backtest", CUTOFF.isoformat())
    pipe = ok(*args).splitlines()
    assert len(pipe[0]) > 100  # one line each off a terminal, for scripts and grep
    assert pipe[0].endswith("(145 days): 60 customers.")
    monkeypatch.setattr(output, "is_terminal", lambda stream: True)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")  # widths without colour codes
    shown = ok(*args)
    lines = shown.splitlines()
    assert max(output.width(line) for line in lines) <= 80, shown
    summary = lines[: lines.index("")]
    assert " ".join(summary) == " ".join(pipe[: pipe.index("")])  # broken between words
    assert len(summary) > 3
    header = next(line for line in lines if line.startswith("Repeats "))
    assert [h.strip() for h in header.split("┃")] == [
        "Repeats", "Customers", "Flagged", "Bought nothing", "Both", "Precision", "Recall",
    ]  # fmt: skip
    assert "Share who bought nothing after 2026-06-30, and flagged" in shown
    assert "Actual and predicted" not in shown and "mean" not in shown
    chart = next(line for line in lines if line.startswith("Repeat purchases "))
    assert [h.strip() for h in chart.split("┃")] == ["Repeat purchases", "Figure", "Share", "Chart"]
    csv = ok(*args, "-f", "csv").splitlines()
    assert csv[0] == (
        "repeat_purchases,customers,flagged,bought_nothing,flagged_and_bought_nothing,"
        "precision,recall"
    )


def test_value_model_auto_without_a_backtest_says_which_and_why(synthetic):
    result = crm("report", "value", "--currency", "USD", "--model", "auto", "--limit", "2")
    assert result.exit_code == 0
    assert result.stderr.startswith("model auto: ")
    assert result.stderr.count("\n") == 1 and "in a backtest from 2026-" in result.stderr
    chosen = "MBG/NBD" if result.stderr.startswith("model auto: MBG/NBD") else "BG/NBD"
    assert chosen not in result.stdout  # the table is for a salesperson: --parameters names it
    fitted = json.loads(ok("report", "value", "--currency", "USD", "--model", "auto",
                           "--parameters", "-f", "json"))  # fmt: skip
    assert {r["model"] for r in fitted} == {chosen.replace("/", "").lower(), "gamma_gamma", "data"}
    weeks = ok("report", "value", "--currency", "USD", "--unit", "week", "--parameters", "-f",
               "json")  # fmt: skip
    rows = {r["parameter"]: r for r in json.loads(weeks) if r["model"] == "bgnbd"}
    assert rows["alpha"]["meaning"] == "scale of purchase rates, in weeks"


def test_value_backtest_bad_input(synthetic):
    def refused(*args: str) -> str:
        return fails(2, "report", "value", "--currency", "USD", *args, db=synthetic)

    assert refused("--backtest", "2026-11-22") == (
        "crm: --backtest 2026-11-22 must be before the as-of date 2026-11-22\n"
    )
    assert refused("--backtest", "2026-12-01", "--as-of", "2026-11-01").startswith(
        "crm: --backtest 2026-12-01 must be before"
    )
    assert refused("--backtest", "2025-01-01") == (
        "crm: no purchases in USD up to 2025-01-01: nothing to fit; give a later --backtest date\n"
    )
    assert refused("--backtest", "2025-12-10").startswith(
        "crm: too little data up to 2025-12-10 to fit the models: "
    )
    assert "same week" in refused("--backtest", "2026-11-17", "--unit", "week")
    assert "soon" in refused("--backtest", "soon")
    for extra in (("--horizon", "6m"), ("--limit", "3"), ("--parameters",)):
        assert refused("--backtest", "2026-06-30", *extra) == (
            f"crm: {extra[0]} does not go with --backtest\n"
        )
    fails(2, "report", "value", "--unit", "month", db=synthetic)
    fails(2, "report", "value", "--model", "pareto", db=synthetic)
    fails(2, "report", "value", "--backtest", "2026-06-30", "--where", "nosuch = 1", db=synthetic)


def test_value_backtest_on_an_empty_database(db_path):
    assert fails(2, "report", "value", "--backtest", "-1m") == (
        "crm: no purchases in CNY up to 2026-10-22: nothing to fit; give a later --backtest date\n"
    )
    assert not db_path.exists()


def test_value_backtest_with_a_filter_compares_only_the_selected(synthetic):
    ok("tag", "few", "1", "2", "3", "4", "5")
    everyone = json.loads(ok("report", "value", "--currency", "USD", "--backtest", "2026-06-30",
                             "-f", "json"))  # fmt: skip
    few = json.loads(ok("report", "value", "--currency", "USD", "--backtest", "2026-06-30",
                        "--tag", "few", "-f", "json"))  # fmt: skip
    truth = oracle(synthetic_lines(), CUTOFF, date(2026, 11, 22), by_day)
    assert few["customers"] == len([c for c in truth if c <= 5])
    assert few["actual_purchases"] == sum(truth[c][1] for c in truth if c <= 5)
    assert few["parameters"] == everyone["parameters"]  # the fit still learns from everyone


# --- churn -------------------------------------------------------------------------------
# As on 2026-09-30 (rhythm: too few customers for the model), then to 2026-11-22:
# - A: once, 05-01: silent 152 > 1.5 x 90 -> flagged; buys nothing after: both.
# - B: once, 05-01 -> flagged; buys 10-10: flagged, not quiet.
# - C: once, 09-20: silent 10 <= 30, not flagged; only a refund after: quiet.
# - D: 09-01, 09-11, 09-21 (gap 10), silent 9: not flagged; buys 10-05: neither.
# - E: 06-01, 06-11, 06-21 (gap 10), silent 101 > 3 x 10: lapsed, flagged; quiet: both.
# - F: first buys 10-15: not part of the test.
# Flagged A B E, quiet A C E, both A E: precision 2/3, recall 2/3.
# By repeat purchases: 0 (A B C): flagged 2, quiet 2, both 1; 2 (D E): 1, 1, 1.
CHURN_LINES = [
    (1, 100, "2026-05-01"), (2, 100, "2026-05-01"), (2, 100, "2026-10-10"),
    (3, 100, "2026-09-20"), (3, -100, "2026-10-20"),
    (4, 10, "2026-09-01"), (4, 10, "2026-09-11"), (4, 10, "2026-09-21"), (4, 10, "2026-10-05"),
    (5, 10, "2026-06-01"), (5, 10, "2026-06-11"), (5, 10, "2026-06-21"),
    (6, 10, "2026-10-15"),
]  # fmt: skip


def test_churn_backtest_precision_and_recall_by_hand(db_path):
    insert(db_path, CHURN_LINES, currency="CNY")
    found = json.loads(ok("report", "churn", "--backtest", "2026-09-30", "-f", "json"))
    groups = found.pop("groups")
    assert found == {
        "currency": "CNY",
        "calibration_until": "2026-09-30",
        "holdout_until": "2026-11-22",
        "holdout_days": 53,
        "method": "rhythm",
        "customers": 5,
        "flagged": 3,
        "bought_nothing": 3,
        "flagged_and_bought_nothing": 2,
        "precision": 0.667,
        "recall": 0.667,
    }
    assert [(g["repeat_purchases"], g["customers"], g["flagged"], g["bought_nothing"],
             g["flagged_and_bought_nothing"], g["precision"], g["recall"]) for g in groups] == [
        ("0", 3, 2, 2, 1, 0.5, 0.5),
        ("2", 2, 1, 1, 1, 1.0, 1.0),
    ]  # fmt: skip
    table = ok("report", "churn", "--backtest", "2026-09-30")
    assert "Precision 66.7 % (of the flagged, who bought nothing); recall 66.7 %" in table
    assert "chart" not in table


def test_churn_backtest_bad_input(db_path):
    insert(db_path, CHURN_LINES, currency="CNY")
    assert fails(2, "report", "churn", "--backtest", "today", db=db_path) == (
        "crm: --backtest 2026-11-22 must be before the as-of date 2026-11-22\n"
    )
    assert fails(2, "report", "churn", "--backtest", "2026-04-01", db=db_path).startswith(
        "crm: no purchases in CNY up to 2026-04-01"
    )
    fails(2, "report", "churn", "--backtest", "2026-09-30", "--limit", "2", db=db_path)
    fails(2, "report", "churn", "--backtest", "2026-09-30", "--currency", "XYZ", db=db_path)


def test_one_customer_churn_backtest_uses_the_rhythm_and_value_refuses(db_path):
    # Too few customers for the model: churn judges by the rhythm, as the report does
    # (docs/reports.md); the value backtest has nothing to fit and refuses.
    insert(db_path, [(1, 100, "2026-05-01"), (1, 100, "2026-06-01")], currency="CNY")
    found = json.loads(ok("report", "churn", "--backtest", "2026-06-30", "-f", "json"))
    assert (found["method"], found["customers"], found["flagged"]) == ("rhythm", 1, 0)
    table = ok("report", "churn", "--backtest", "2026-06-30", "--as-of", "2026-07-01")
    assert table.startswith(
        "CNY, crm report churn as on 2026-06-30 (by purchase rhythm), checked against "
        "2026-07-01 to 2026-07-01 (1 day): 1 customer.\n"
    )
    assert fails(2, "report", "value", "--backtest", "2026-06-30", db=db_path) == (
        "crm: too little data up to 2026-06-30 to fit the models: 1 customer bought in CNY, "
        "1 of them in more than one day; a backtest needs at least 30 of whom 20 bought again\n"
    )
    result = crm("report", "value")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr.startswith(
        "Too little data to fit the value models in CNY: 1 customer bought up to 2026-11-22, "
    )


def test_value_backtest_of_one_selected_customer_says_customer(synthetic):
    ok("tag", "one", "1")
    lines = ok("report", "value", "--currency", "USD", "--backtest", "2026-06-30", "--tag", "one")
    assert lines.splitlines()[0].endswith(" (145 days): 1 customer.")


def test_churn_backtest_with_the_model_on_cdnow(db_path):
    load_cdnow(db_path)
    found = json.loads(
        ok("report", "churn", "--currency", "USD", "--as-of", "1998-06-30", "--backtest",
           "1997-09-30", "-f", "json")
    )  # fmt: skip
    assert found["method"] == "model"
    assert (found["flagged"], found["bought_nothing"], found["flagged_and_bought_nothing"]) == (
        1804,
        1673,
        1472,
    )
    # docs/reports.md: precision among repeat buyers, where the model decides, and by group.
    repeat = [g for g in found["groups"] if g["repeat_purchases"] != "0"]
    flagged = sum(g["flagged"] for g in repeat)
    both = sum(g["flagged_and_bought_nothing"] for g in repeat)
    assert (flagged, both, round(100 * both / flagged, 1)) == (393, 254, 64.6)
    precision = {g["repeat_purchases"]: g["precision"] for g in repeat}
    assert (precision["1"], precision["2"], precision["7+"]) == (0.731, 0.518, 0.3)
    assert min(precision.values()) == 0.3 and max(precision[g] for g in "3456") == 0.667
    page = (Path(__file__).parent.parent / "docs" / "reports.md").read_text(encoding="utf-8")
    assert "precision is 64.6 % (254 of 393 flagged): 73.1 % with one repeat" in page
    rhythm = json.loads(
        ok("report", "churn", "--currency", "USD", "--as-of", "1998-06-30", "--backtest",
           "1997-09-30", "--rhythm", "-f", "json")
    )  # fmt: skip
    assert rhythm["method"] == "rhythm" and rhythm["bought_nothing"] == 1673
