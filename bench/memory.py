"""Benchmark: peak memory (and time) of the everyday commands on a database, for issue 23's
"under 200 MiB for every command at 1M customers, growing no faster than linearly".

    .venv/bin/python bench/memory.py --db PATH [--db PATH2 ...] [--runs 1]

Each command runs as a whole process with its output read through a pipe to the end (as a
script or cron job gets it: off a terminal crm prints every row), the clock pinned (CRM_NOW)
as in the other benchmarks; peak is the child's maximum resident set (bench/measure.py,
os.wait4). With several databases (small, medium, large), the growth of each command's
peak per database is printed beside it. Read-only commands only: the databases are not
changed (crm may upgrade an older schema on the first run).
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import measure

BIN = Path(sys.executable).parent
NOW = "2026-11-22T10:00:00+08:00"
COMMANDS = (
    ("today",),
    ("remind",),
    ("dashboard",),
    ("list",),
    ("list", "-f", "csv"),
    ("report", "rfm"),
    ("report", "rfm", "--customers", "-f", "csv"),
    ("report", "abc"),
    ("report", "lifecycle"),
    ("report", "cohort"),
    ("report", "value", "-f", "csv"),
    ("report", "churn", "-f", "csv"),
    ("report", "summary"),
    ("report", "sales", "--by", "month"),
    ("export", "customers", "-f", "csv"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, action="append", required=True)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    crm = str(BIN / "crm")
    print("| command | " + " | ".join(f"{db.name} peak MiB | CPU s" for db in args.db)
          + (" | growth of the peak |" if len(args.db) > 1 else " |"))  # fmt: skip
    print("|" + " --- |" * (1 + 2 * len(args.db) + (len(args.db) > 1)))
    for command in COMMANDS:
        cells, peaks = [], []
        for db in args.db:
            env = {**os.environ, "CRM_DB": str(db), "CRM_NOW": NOW, "TZ": "CST-8",
                   "LANG": "C.UTF-8"}  # fmt: skip
            samples = [measure([crm, *command], env, keep=0) for _ in range(args.runs)]
            peak = max(s.peak_mib for s in samples)
            peaks.append(peak)
            cells += [f"{peak:.0f}", f"{statistics.median(s.cpu for s in samples):.2f}"]
        growth = (
            " | " + ", ".join(f"{b / a:.2f}x" for a, b in itertools.pairwise(peaks))
            if len(peaks) > 1
            else ""
        )
        print(f"| `crm {' '.join(command)}` | " + " | ".join(cells) + growth + " |", flush=True)


if __name__ == "__main__":
    main()
