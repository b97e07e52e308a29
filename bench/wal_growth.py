"""Benchmark: what a page costs one WAL transaction as the transaction grows.

    .venv/bin/python bench/wal_growth.py [--mib 256 2048] [--dir /tmp/crm-bench-wal]

One transaction appends rows of 1 KB (random bytes) to a plain table of a new file in WAL
mode, with crm's import cache (32 MiB), in four equal steps; prints the CPU of each step
and the CPU per GiB. When every quarter costs the same, a page costs the same however
much the transaction has written; when each costs more than the one before, it does not.
SQLite looks a page it spills from the cache up in the wal-index first (walFindFrame in
sqlite3WalFrames), from the newest hash block back to the transaction's first, and a page
the transaction has not written yet is looked for in every block: a cost that grows with
the transaction (docs/performance.md, "Growth of the purchase import").
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

STEP = """
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ?)
INSERT INTO t (b) SELECT randomblob(1000) FROM s
"""


def run(folder: Path, mib: int) -> tuple[list[float], float]:
    """The CPU of each quarter of one transaction writing `mib` MiB, and of its COMMIT."""
    db = folder / f"wal-{mib}.db"
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA cache_size = -32768")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)")
    quarters = []
    conn.execute("BEGIN")
    for _ in range(4):
        start = time.process_time()
        conn.execute(STEP, (mib * 1024 // 4,))
        quarters.append(time.process_time() - start)
    start = time.process_time()
    conn.execute("COMMIT")
    commit = time.process_time() - start
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    return quarters, commit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, nargs="+", default=[256, 2048])
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        for mib in args.mib:
            quarters, commit = run(Path(folder), mib)
            total = sum(quarters) + commit
            steps = ", ".join(f"{q:.2f}" for q in quarters)
            print(f"{mib} MiB: quarters {steps} s, commit {commit:.2f} s, "
                  f"{total / mib * 1024:.2f} s of CPU per GiB")  # fmt: skip


if __name__ == "__main__":
    main()
