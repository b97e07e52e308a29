"""The commands of docs/performance.md's "Current figures" and their baselines, alternated.

    PYTHONPATH=$PWD python bench/current.py --db COPY.db [--runs 5] [--json OUT.json]

Each round runs every command once, in the order below, as a whole process whose stdout is
read through a pipe to the end (so `crm today` and `crm remind` print every row unless
given `--limit`); the figures are the median CPU (user + system) of the rounds and the
largest peak resident set (bench/measure.py). `crm log note 5 x` writes: give it a copy,
in a folder of your own (`mkdir -m 700`), never a shared database; a newer schema upgrades
the copy on the first command. The clock is bench/generate.py's as-of day.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import measure
from startup import write_app

HERE = Path(__file__).resolve().parent


def commands(db: str, app: Path) -> dict[str, list[str]]:
    py = sys.executable
    crm = [py, "-m", "crmcli", "--db", db]
    baseline = [py, str(HERE / "baselines.py")]
    return {
        "typer floor": [py, str(app), "cmd1"],
        'python -c "import sqlite3"': [py, "-c", "import sqlite3"],
        "crm --version": [py, "-m", "crmcli", "--version"],
        "crm show 5": [*crm, "show", "5"],
        "crm list --limit 20": [*crm, "list", "--limit", "20"],
        "crm log note 5 x": [*crm, "log", "note", "5", "x"],
        "crm today --limit 20": [*crm, "today", "--limit", "20"],
        "crm remind --limit 20": [*crm, "remind", "--limit", "20"],
        "crm dashboard": [*crm, "dashboard"],
        "crm today (every row)": [*crm, "today"],
        "crm remind (every row)": [*crm, "remind"],
        "crm report rfm -f csv": [*crm, "report", "rfm", "-f", "csv"],
        "plain SQL (rfm-sql)": [*baseline, "rfm-sql", db, "2026-11-22"],
        "crm report value -f csv": [*crm, "report", "value", "-f", "csv"],
        "crm list -f csv": [*crm, "list", "-f", "csv"],
        "crm export customers -f csv": [*crm, "export", "customers", "-f", "csv"],
        "SELECT * to CSV": [*baseline, "customers-csv", db],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a copy of a bench database (written)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the samples here")
    args = parser.parse_args()
    code = str(HERE.parent)
    env = dict(
        os.environ, CRM_NOW="2026-11-22T10:00:00+08:00", TZ="CST-8", CRM_PAGER="cat",
        PYTHONPATH=code,
    )  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        cases = commands(args.db, write_app(Path(folder)))
        found: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        loads = []
        for _ in range(args.runs):
            for name, argv in cases.items():
                sample = measure(argv, env, cwd=code)
                found[name].append((sample.cpu, sample.peak_mib))
                loads.append(sample.load)
    print(f"load {min(loads):.1f}-{max(loads):.1f}; medians of {args.runs} runs")
    print(f"{'command':32} {'CPU s':>7} {'peak MiB':>9}")
    for name, samples in found.items():
        cpu = statistics.median(c for c, _ in samples)
        print(f"{name:32} {cpu:7.3f} {max(p for _, p in samples):9.0f}")
    if args.json:
        args.json.write_text(json.dumps(found, indent=1))


if __name__ == "__main__":
    main()
