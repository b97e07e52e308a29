"""What the history triggers cost on a bulk insert (issue 8; the import budget of issue 7).

Inserts N purchase rows in one transaction three ways into fresh crm databases:
bare executemany with the triggers dropped, with per-row history triggers, and inside
history.bulk_insert (triggers paused, one compact entry). Run:
    .venv/bin/python bench/history_triggers.py 1000000
"""

import sys
import tempfile
import time
from pathlib import Path

from crmcli.store import history
from crmcli.store.db import connect, transaction


def rows(n: int):
    for i in range(n):
        yield (1, f"item {i}", 1, 1999, 1999, "CNY", "2026-01-01T10:00:00+08:00",
               "2026-01-01T10:00:00+08:00", "2026-01-01T10:00:00+08:00")  # fmt: skip


SQL = (
    "INSERT INTO purchases (customer_id, item, quantity, unit_price_minor, amount_minor, "
    "currency, purchased_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def run(mode: str, n: int, folder: Path) -> float:
    path = folder / f"{mode}.db"
    conn = connect(path, write=True)
    with transaction(conn):
        conn.execute(
            "INSERT INTO customers (name, name_key, created_at, updated_at) "
            "VALUES ('a', 'a', '2026', '2026')"
        )
    if mode == "bare":
        with transaction(conn, record=False):
            for (name,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='trigger'"
            ).fetchall():
                conn.execute(f'DROP TRIGGER "{name}"')
    start = time.perf_counter()
    with transaction(conn, command="bench"):
        if mode == "bulk":
            with history.bulk_insert(conn, "purchases"):
                conn.executemany(SQL, rows(n))
        else:
            conn.executemany(SQL, rows(n))
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as folder:
        bare = run("bare", n, Path(folder))
        for mode in ("bare", "triggers", "bulk"):
            took = bare if mode == "bare" else run(mode, n, Path(folder))
            print(f"{mode:9} {n} rows: {took:6.2f} s  {n / took:9.0f} rows/s  "
                  f"{bare / took * 100:5.1f}% of bare")  # fmt: skip


if __name__ == "__main__":
    main()
