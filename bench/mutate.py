"""Mutation testing of one module against the test files that check it (docs/testing.md).

    PYTHONPATH=$PWD/mutants .venv/bin/python bench/mutate.py [--max-children N] MODULE
        [MUTANT-PATTERN...]

MODULE is one of the names below (filters takes in crmcli.core.where, which splits a
`--where`). It runs `mutmut run --max-children N` (1 unless given; at most 2 on a shared
machine) on that module's mutants (or on the mutants matching the
patterns, such as `crmcli.records.filters.x_parse__mutmut_*`) with pytest given only that
module's test files instead of the whole `pytest_add_cli_args_test_selection` of
pyproject.toml: with the whole list, every mutant that lives runs every test that reaches
it, hours for one module. A narrower selection can only let more mutants live, so its score
is a floor for the whole list. `mutmut results` and `mutmut show` then read the results as
usual.

Each mutant runs the tests that reach it fastest first (mutmut gives them in no order and
stops at the first failure), and with CRM_MUTATION=1 set, so that tests/conftest.py loads
the `mutation` profile of hypothesis (fewer examples).

Changing the selection makes mutmut forget every earlier result, so note a module's figures
before running the next.
"""

import os
import sys

from mutmut import __main__ as mutmut_main
from mutmut.configuration import config
from mutmut.state import state
from mutmut.workers.isolation import ForkServerRunner

MODULES = {
    "money": (
        "crmcli.core.money",
        [
            "tests/test_money.py",
            "tests/test_purchases.py",
            "tests/test_display.py",
            "tests/test_i18n_input.py",
            "tests/test_i18n_typed.py",
        ],
    ),
    "dates": (
        "crmcli.core.dates",
        ["tests/test_dates.py", "tests/test_moving_clocks.py", "tests/test_i18n_typed.py"],
    ),
    # crmcli.core.where splits a --where before filters reads it (and shows a saved filter).
    "filters": (
        "crmcli.records.filters crmcli.core.where",
        [
            "tests/test_filters.py",
            "tests/test_filter_matrix.py",
            "tests/test_segments.py",
            "tests/test_i18n_input.py",
            "tests/test_churn_value.py",
            "tests/test_tags.py",
            "tests/test_i18n_keys.py",  # a saved filter said in words (where.py's Options)
        ],
    ),
    "customer_reports": (
        "crmcli.reports.customer_reports",
        ["tests/test_customer_reports.py", "tests/test_edge_reports.py", "tests/test_classes.py"],
    ),
    "classes": ("crmcli.reports.classes", ["tests/test_classes.py", "tests/test_filters.py"]),
    "rfm": (
        "crmcli.reports.models.rfm",
        ["tests/test_customer_reports.py", "tests/test_edge_reports.py", "tests/test_classes.py"],
    ),
    "reminders": (
        "crmcli.reports.reminders",
        ["tests/test_reminders.py", "tests/test_moving_clocks.py"],
    ),
}
USAGE = f"usage: bench/mutate.py [--max-children N] {{{','.join(MODULES)}}} [MUTANT-PATTERN...]"

_submit = ForkServerRunner.submit


def _fastest_first(self, mutant_name, tests, *args, **kwargs):  # type: ignore[no-untyped-def]
    durations = state().duration_by_test
    tests = sorted(tests, key=lambda test: (durations.get(test, 0.0), test))
    return _submit(self, mutant_name, tests, *args, **kwargs)


def main(argv: list[str]) -> None:
    children = "1"
    if argv[:1] == ["--max-children"]:
        children, argv = (argv[1] if len(argv) > 1 else ""), argv[2:]
    if children not in ("1", "2"):
        sys.exit("bench/mutate.py: --max-children is 1 or 2 (more would crowd a shared machine)")
    if not argv or argv[0] not in MODULES:
        sys.exit(USAGE)
    modules, tests = MODULES[argv[0]]
    config().pytest_add_cli_args_test_selection = tests
    patterns = argv[1:] or [f"{module}.*" for module in modules.split()]
    if not all(pattern.startswith(tuple(m + "." for m in modules.split())) for pattern in patterns):
        sys.exit(
            f"bench/mutate.py: the patterns must name mutants of {' or '.join(modules.split())}"
        )
    os.environ["CRM_MUTATION"] = "1"
    ForkServerRunner.submit = _fastest_first  # type: ignore[method-assign]
    mutmut_main.cli(["run", "--max-children", children, *patterns])


if __name__ == "__main__":
    main(sys.argv[1:])
