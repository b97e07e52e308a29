"""Benchmark: `crm report rfm` as a whole process against the plain SQL query that computes
the same R, F, M values, on 100k customers and 1M purchases.

    python bench/rfm.py [--db /tmp/crm-bench-rfm.db] [--runs 5]

Builds the synthetic database once (reused when it exists), then runs, alternately, the
full command (`python -m crmcli report rfm --format csv`, a new process each time, output to
/dev/null) and the plain query (bench/baselines.py's RFM_SQL in this process through the stdlib
sqlite3 module, every row fetched). Prints the median of each and their ratio. Uses only
time.perf_counter and subprocess; peak memory of the command comes from /usr/bin/time when
it is there.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CUSTOMERS = 100_000
PURCHASES = 1_000_000
AS_OF = date(2026, 11, 22)


def build(path: Path) -> None:
    from crmcli.store.db import connect

    conn = connect(path, write=True)  # creates the schema
    conn.close()
    raw = sqlite3.connect(path)  # bulk load: plain inserts in one transaction
    rng = random.Random(11)
    stamp = "2024-01-01T00:00:00+08:00"
    raw.execute("BEGIN")
    raw.executemany(
        "INSERT INTO customers (id, name, name_key, created_at, updated_at) VALUES (?,?,?,?,?)",
        ((i, f"Customer {i}", f"customer {i}", stamp, stamp) for i in range(1, CUSTOMERS + 1)),
    )

    def lines():
        for n in range(PURCHASES):
            customer = (
                int(rng.paretovariate(1.2)) % CUSTOMERS + 1 if n % 2 else rng.randint(1, CUSTOMERS)
            )
            day = AS_OF - timedelta(days=rng.randint(0, 729))
            amount = rng.randint(100, 500_000) * (-1 if rng.random() < 0.02 else 1)
            currency = "USD" if customer % 10 == 0 else "CNY"
            yield (
                customer,
                "item",
                amount,
                currency,
                f"{day.isoformat()}T12:00:00+08:00",
                stamp,
                stamp,
            )

    raw.executemany(
        "INSERT INTO purchases (customer_id, item, amount_minor, currency, purchased_at, "
        "created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
        lines(),
    )
    raw.execute("COMMIT")
    raw.execute("ANALYZE")
    raw.close()


def plain_sql(path: Path) -> float:
    sys.path.insert(0, str(ROOT / "bench"))
    import baselines

    end = (AS_OF + timedelta(days=1)).isoformat()
    start = time.perf_counter()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = conn.execute(baselines.RFM_SQL, {"as_of": AS_OF.isoformat(), "end": end}).fetchall()
    conn.close()
    assert rows
    return time.perf_counter() - start


def command(path: Path) -> float:
    env = {**os.environ, "CRM_DB": str(path), "CRM_NOW": f"{AS_OF.isoformat()}T10:00:00+08:00"}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "crmcli", "report", "rfm", "--format", "csv"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
        cwd=ROOT,
    )
    return time.perf_counter() - start


def peak_memory(path: Path) -> str:
    if not Path("/usr/bin/time").exists():
        return "n/a (/usr/bin/time missing)"
    env = {**os.environ, "CRM_DB": str(path), "CRM_NOW": f"{AS_OF.isoformat()}T10:00:00+08:00"}
    done = subprocess.run(
        [
            "/usr/bin/time",
            "-f",
            "%M",
            sys.executable,
            "-m",
            "crmcli",
            "report",
            "rfm",
            "--format",
            "csv",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return f"{int(done.stderr.strip().splitlines()[-1]) // 1024} MB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=Path("/tmp/crm-bench-rfm.db"))
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not args.db.exists():
        print(f"building {args.db} ({CUSTOMERS:,} customers, {PURCHASES:,} purchases)...")
        build(args.db)
    command(args.db)  # warm the page cache for both
    plain_sql(args.db)
    cmd, sql = [], []
    for _ in range(args.runs):
        cmd.append(command(args.db))
        sql.append(plain_sql(args.db))
    c, s = statistics.median(cmd), statistics.median(sql)
    print(f"crm report rfm (whole process): median {c:.3f} s over {args.runs} runs")
    print(f"plain SQL query (R, F, M):      median {s:.3f} s over {args.runs} runs")
    print(f"ratio: {c / s:.2f}x; peak memory of the command: {peak_memory(args.db)}")


if __name__ == "__main__":
    main()
