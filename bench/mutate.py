"""Mutation testing of one module against the test files that check it (docs/testing.md).

    PYTHONPATH=$PWD/mutants .venv/bin/python bench/mutate.py MODULE [MUTANT-PATTERN...]

MODULE is one of the names below. It runs `mutmut run --max-children 1` on that module's
mutants (or on the mutants matching the patterns, such as
`crmcli.records.filters.x_parse__mutmut_*`) with pytest given only that module's test files
instead of the whole `pytest_add_cli_args_test_selection` of pyproject.toml: with the whole
list, every mutant that lives runs every test that reaches it, hours for one module. A
narrower selection can only let more mutants live, so its score is a floor for the whole
list. `mutmut results` and `mutmut show` then read the results as usual.

Changing the selection makes mutmut forget every earlier result, so note a module's figures
before running the next.
"""

import sys

from mutmut import __main__ as mutmut_main
from mutmut.configuration import config

MODULES = {
    "money": ("crmcli.core.money", ["tests/test_money.py", "tests/test_purchases.py"]),
    "dates": ("crmcli.core.dates", ["tests/test_dates.py", "tests/test_moving_clocks.py"]),
    "filters": (
        "crmcli.records.filters",
        ["tests/test_filters.py", "tests/test_filter_matrix.py", "tests/test_segments.py"],
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


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in MODULES:
        sys.exit(f"usage: bench/mutate.py {{{','.join(MODULES)}}} [MUTANT-PATTERN...]")
    module, tests = MODULES[argv[0]]
    config().pytest_add_cli_args_test_selection = tests
    patterns = argv[1:] or [f"{module}*"]
    if not all(pattern.startswith(module) for pattern in patterns):
        sys.exit(f"bench/mutate.py: the patterns must name mutants of {module}")
    mutmut_main.cli(["run", "--max-children", "1", *patterns])


if __name__ == "__main__":
    main(sys.argv[1:])
