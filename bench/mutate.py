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

mutmut runs each mutant's tests fastest first and stops at the first failure; with
CRM_MUTATION=1 set, tests/conftest.py loads the `mutation` profile of hypothesis (fewer
examples).

Changing the selection makes mutmut forget every earlier result, so note a module's figures
before running the next.

A kill is a test that fails. mutmut runs pytest several times in its own process (the clean
run, the forced failure) and then, in a process forked from it, once per mutant with the ids
of the tests that reach the mutated function, as it recorded them. Where pytest gives a test
another id in a later run in one process (explicit non-ASCII `ids=`, which it escapes again
each time), it finds no such test, stops with a usage error, and mutmut's forked child dies
of the exception: exit 1, which mutmut counts as killed, whatever the mutant does. So this
script refuses to start while a test of the selection cannot be found again by its id in a
second run in one process (`unusable_ids`), and a mutant whose pytest run fails to start is
"suspicious" (listed by `mutmut results`), never killed.
"""

import os
import subprocess
import sys

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
        [
            "tests/test_dates.py",
            "tests/test_dates_zh.py",  # the Chinese grammar: offsets, parts of the day, spans
            "tests/test_chinese_input.py",  # halves (半个月后), hours refused, times not kept
            "tests/test_moving_clocks.py",
            "tests/test_i18n_typed.py",
        ],
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
            "tests/test_chinese_input.py",  # full-width names and operators (where.plain)
        ],
    ),
    "customer_reports": (
        "crmcli.reports.customer_reports",
        [
            "tests/test_customer_reports.py",
            "tests/test_edge_reports.py",
            "tests/test_classes.py",
            "tests/test_lifecycle_fast.py",  # rfm_values against plain SQL
        ],
    ),
    "classes": ("crmcli.reports.classes", ["tests/test_classes.py", "tests/test_filters.py"]),
    "rfm": (
        "crmcli.reports.models.rfm",
        [
            "tests/test_customer_reports.py",
            "tests/test_edge_reports.py",
            "tests/test_classes.py",
            "tests/test_analytics.py",  # score_column against score_of_value
        ],
    ),
    "tiers": (
        "crmcli.reports.models.tiers",
        [
            "tests/test_analytics.py",
            "tests/test_edge_reports.py",
            "tests/test_customer_reports.py",
            "tests/test_classes.py",
        ],
    ),
    "lifecycle": (
        "crmcli.reports.models.lifecycle",
        [
            "tests/test_analytics.py",
            "tests/test_lifecycle_fast.py",
            "tests/test_edge_reports.py",
            "tests/test_customer_reports.py",
            "tests/test_classes.py",
        ],
    ),
    "reminders": (
        "crmcli.reports.reminders",
        ["tests/test_reminders.py", "tests/test_moving_clocks.py"],
    ),
}
USAGE = f"usage: bench/mutate.py [--max-children N] {{{','.join(MODULES)}}} [MUTANT-PATTERN...]"

# Run in a fresh interpreter: collect the files given twice in one process, then by the ids
# the first collection gave (as mutmut names a mutant's tests); print each id that a later
# collection does not give or find.
_AGAIN = """
import sys, pytest
class Ids:
    def __init__(self): self.ids = []
    def pytest_collection_modifyitems(self, items): self.ids = [i.nodeid for i in items]
first, second, named = Ids(), Ids(), Ids()
quiet = ["-qqq", "--collect-only", "-p", "no:cacheprovider", "--rootdir=."]
if pytest.main([*quiet, *sys.argv[1:]], plugins=[first]) != 0:
    sys.exit("the selection cannot be collected")
pytest.main([*quiet, *sys.argv[1:]], plugins=[second])
lost = set(first.ids) - set(second.ids)
if not lost and pytest.main([*quiet, *first.ids], plugins=[named]) != 0:
    lost = set(first.ids) - set(named.ids)
for test in sorted(lost):
    print("unusable:", test, file=sys.stderr)
"""


def unusable_ids(tests: list[str], root: str = ".") -> list[str]:
    """The ids of the tests in `tests` (files, as pytest takes them, relative to `root`) that
    pytest does not find by that id in a later run in the same process. Raises RuntimeError
    when the files cannot be collected."""
    proc = subprocess.run(
        [sys.executable, "-c", _AGAIN, *tests], cwd=root, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(tests)}: {proc.stderr.strip() or proc.stdout.strip()}")
    return [
        line[len("unusable: ") :]
        for line in proc.stderr.splitlines()
        if line.startswith("unusable: ")
    ]


def main(argv: list[str]) -> None:
    children = "1"
    if argv[:1] == ["--max-children"]:
        children, argv = (argv[1] if len(argv) > 1 else ""), argv[2:]
    if children not in ("1", "2"):
        sys.exit("bench/mutate.py: --max-children is 1 or 2 (more would crowd a shared machine)")
    if not argv or argv[0] not in MODULES:
        sys.exit(USAGE)
    modules, tests = MODULES[argv[0]]
    patterns = argv[1:] or [f"{module}.*" for module in modules.split()]
    if not all(pattern.startswith(tuple(m + "." for m in modules.split())) for pattern in patterns):
        sys.exit(
            f"bench/mutate.py: the patterns must name mutants of {' or '.join(modules.split())}"
        )
    lost = unusable_ids(tests)
    if lost:
        sys.exit(
            "bench/mutate.py: pytest does not find these tests by their ids in a second run in"
            " one process, as mutmut names them, so every mutant they reach would count as"
            " killed; give them ASCII ids (ids=...):\n  " + "\n  ".join(lost)
        )
    # PYTHONPATH names mutants/, which mutmut makes: a folder missing when Python started is
    # remembered as holding no modules, and a first run's pytest imported the installed crm
    # instead ("Failed to run pytest"). Make it, and forget that.
    os.makedirs("mutants", exist_ok=True)
    for entry in sys.path:
        if os.path.abspath(entry) == os.path.abspath("mutants"):
            sys.path_importer_cache.pop(entry, None)
    from mutmut import __main__ as mutmut_main
    from mutmut.configuration import config
    from mutmut.runners.harness import PytestRunner

    config().pytest_add_cli_args_test_selection = tests
    os.environ["CRM_MUTATION"] = "1"
    run_tests = PytestRunner.run_tests

    def started_or_suspicious(
        self: PytestRunner, *, mutant_name: str | None, tests: list[str]
    ) -> int:
        if mutant_name is None:  # the clean run and the forced failure: mutmut reports these
            return run_tests(self, mutant_name=mutant_name, tests=tests)
        try:
            return run_tests(self, mutant_name=mutant_name, tests=tests)
        except Exception:  # pytest could not start (exit 4): no test failed, so no kill
            return 35  # mutmut's "suspicious"

    PytestRunner.run_tests = started_or_suspicious  # type: ignore[method-assign]
    mutmut_main.cli(["run", "--max-children", children, *patterns])


if __name__ == "__main__":
    main(sys.argv[1:])
