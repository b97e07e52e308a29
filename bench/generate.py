"""Build a deterministic synthetic crm database through crm's own import path.

    .venv/bin/python bench/generate.py --size tiny|small|medium|large --out PATH [--force]

| size   | customers | purchases  | interactions | open tasks |
| ------ | --------- | ---------- | ------------ | ---------- |
| tiny   | 200       | 2,000      | ~600         | ~60        |
| small  | 10,000    | 100,000    | ~30,000      | ~3,000     |
| medium | 100,000   | 1,000,000  | ~300,000     | ~30,000    |
| large  | 1,000,000 | 10,000,000 | ~3,000,000   | ~300,000   |

Everything comes from one fixed seed, so a size always gives the same database. The rows
are written as CSV files (streamed to disk, never held in memory) and loaded by the installed
`crm` as a user would: `crm import customers|purchases|interactions|tasks FILE` and `crm tag`
(by a filter, and `crm list ... -q | crm tag TAG -`), each a subprocess with the clock pinned
(CRM_NOW) to AS_OF; the marker records each step's wall time, CPU time (user + system of
this process and of the children it waited for: os.wait4 of each crm, getrusage of the
rest) and the peak memory of each crm, and the load average at its start and end: on a
shared machine the wall time says little, the CPU says whether 2 cores could do it. Per customer, on
average: 10 purchase lines over two years (a skewed few buy much more; 2 % refunds; every
tenth customer buys in USD), 3 interactions, 0.3 open tasks and 0.15 done ones, 70 % a
phone, 50 % an email, 30 % a birthday, 10 % a contact cadence, a funnel stage, and a few
tags (newsletter ~50 %, vip ~10 %, shanghai ~10 %).

The database is built under PATH.building and renamed to PATH when complete. A sidecar
PATH.bench.json records the generator version and size; when it matches, an existing PATH is
reused as it is (bench/run.py calls `ensure()`), so the benchmark does not rebuild it each
time. --force rebuilds.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import os
import random
import resource
import shutil
import sqlite3
import sys
import time
from array import array
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measure import Failed, measure  # noqa: E402
from search import CITIES, CN_PHRASES, COLOURS, COMPANIES, EN_PHRASES, GIVEN, SURNAMES  # noqa: E402

_import_bench = importlib.import_module("import")  # bench/import.py ("import" is a keyword)
ITEMS, CATEGORIES, PAYMENTS = _import_bench.ITEMS, _import_bench.CATEGORIES, _import_bench.PAYMENTS

VERSION = 1  # bump when the generated data changes: cached databases are then rebuilt
SEED = 20261122
AS_OF = date(2026, 11, 22)
NOW = "2026-11-22T10:00:00+08:00"
ZONE = "CST-8"
SIZES = {  # customers, purchase lines
    "tiny": (200, 2_000),
    "small": (10_000, 100_000),
    "medium": (100_000, 1_000_000),
    "large": (1_000_000, 10_000_000),
}
LATIN_FIRST = ["Anna", "Ben", "Chloe", "David", "Elena", "Grace", "James", "Maria", "Tom"]
LATIN_LAST = ["Muller", "Smith", "Garcia", "Johnson", "Rossi", "Dubois", "Nowak", "Chen"]
SOURCES = ["web"] * 5 + ["fair"] * 2 + ["ads"] * 2 + ["referral"]
STAGES = ["lead"] * 3 + ["prospect"] * 2 + ["customer"] * 4 + ["loyal", "lost"]
KINDS = ["call", "call", "email", "message", "meeting", "visit", "note"]
TASKS = ["Send the quote", "Call back about the order", "跟进报价", "Ship the samples", "回访"]


def crm_env(db: Path) -> dict[str, str]:
    """The environment every crm child runs in: this database, the clock pinned."""
    return {**os.environ, "CRM_DB": str(db), "CRM_NOW": NOW, "TZ": ZONE, "LANG": "C.UTF-8"}


def crm_path() -> str:
    """The installed `crm` of this Python's environment (the venv running the bench)."""
    beside = Path(sys.executable).with_name("crm")
    return str(beside) if beside.exists() else (shutil.which("crm") or "crm")


def external_id(n: int) -> str:
    return f"C-{n:07d}"


def write_customers(path: Path, count: int, rng: random.Random) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(
            [
                "external_id",
                "name",
                "phone",
                "email",
                "company",
                "city",
                "source",
                "stage",
                "birthday",
                "cadence_days",
            ]
        )
        for n in range(1, count + 1):
            if rng.random() < 0.65:
                name = rng.choice(SURNAMES) + "".join(
                    rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
                )
            else:
                name = f"{rng.choice(LATIN_FIRST)} {rng.choice(LATIN_LAST)}"
            if n == 1:
                name, phone = "张伟", "+8613800138000"  # what bench/search.py's queries find
            else:  # a unique mobile number: 13x/18x and 8 digits derived from n
                prefix = f"1{(3, 8)[n % 2]}{n % 10}"
                phone = f"+86{prefix}{(n * 7919) % 10**8:08d}" if rng.random() < 0.7 else ""
            email = f"c{n}@example.com" if rng.random() < 0.5 else ""
            birthday = (
                f"{rng.randint(1950, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                if rng.random() < 0.3
                else ""
            )
            cadence = rng.choice(("14", "30", "90")) if rng.random() < 0.1 else ""
            out.writerow(
                [
                    external_id(n),
                    name,
                    phone,
                    email,
                    rng.choice(COMPANIES),
                    rng.choice(CITIES),
                    rng.choice(SOURCES),
                    rng.choice(STAGES),
                    birthday,
                    cadence,
                ]
            )


def write_purchases(path: Path, customers: int, lines: int, rng: random.Random) -> None:
    """`lines` purchase lines; each customer buys between their own first and last day."""
    # Per customer: days before AS_OF of their last and first purchase (array: 8 bytes each).
    last, first = array("i"), array("i")
    for _ in range(customers):
        r = rng.random()
        newest = (
            rng.randint(0, 60)
            if r < 0.4
            else rng.randint(61, 365)
            if r < 0.7
            else (rng.randint(366, 700))
        )
        last.append(newest)
        first.append(rng.randint(newest, 729))
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(
            [
                "customer",
                "item",
                "category",
                "quantity",
                "amount",
                "currency",
                "date",
                "payment",
                "order",
                "is_refund",
            ]
        )
        for n in range(lines):
            # half uniform, half skewed towards a few heavy buyers
            if n % 2:
                c = int(rng.paretovariate(1.2) * 7) % customers + 1
            else:
                c = rng.randint(1, customers)
            day = AS_OF - timedelta(days=rng.randint(last[c - 1], first[c - 1]))
            qty = rng.choice((1, 1, 1, 2, 3))
            total = rng.randint(100, 200_000) * qty
            refund = "yes" if rng.random() < 0.02 else ""
            order = f"SO-{n // 2}" if rng.random() < 0.3 else ""
            out.writerow(
                [
                    external_id(c),
                    rng.choice(ITEMS),
                    rng.choice(CATEGORIES),
                    qty,
                    f"{total // 100}.{total % 100:02d}",
                    "USD" if c % 10 == 0 else "CNY",
                    day.isoformat(),
                    rng.choice(PAYMENTS),
                    order,
                    refund,
                ]
            )


def write_interactions(path: Path, customers: int, rng: random.Random) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["customer", "kind", "date", "text"])
        for _ in range(customers * 3):
            template = rng.choice(CN_PHRASES if rng.random() < 0.6 else EN_PHRASES)
            text = template.format(city=rng.choice(CITIES), colour=rng.choice(COLOURS))
            day = AS_OF - timedelta(days=rng.randint(0, 729))
            stamp = f"{day.isoformat()} {rng.randint(8, 19):02d}:{rng.choice((0, 15, 30, 45)):02d}"
            out.writerow([external_id(rng.randint(1, customers)), rng.choice(KINDS), stamp, text])


def write_tasks(path: Path, customers: int, rng: random.Random) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["customer", "text", "due", "done_at"])
        for _ in range(customers * 45 // 100):  # 0.3 open and 0.15 done per customer
            due = AS_OF + timedelta(days=rng.randint(-30, 60))
            done = ""
            if rng.random() < 1 / 3:
                due = AS_OF - timedelta(days=rng.randint(1, 365))
                done = f"{due.isoformat()}T17:00:00+08:00"
            out.writerow(
                [external_id(rng.randint(1, customers)), rng.choice(TASKS), due.isoformat(), done]
            )


def cpu_now() -> float:
    """CPU seconds (user + system) of this process and of the children it has waited for."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def write_rest(
    files: dict[str, Path], customers: int, lines: int
) -> tuple[dict[str, float], dict[str, float]]:
    """Write the purchases, interactions and tasks files (in a second process); the
    seconds each took, and the CPU seconds."""
    timings, cpu = {}, {}
    for name, write, args in (
        ("purchases", write_purchases, (customers, lines, random.Random(SEED + 1))),
        ("interactions", write_interactions, (customers, random.Random(SEED + 2))),
        ("tasks", write_tasks, (customers, random.Random(SEED + 3))),
    ):
        started, used = time.perf_counter(), cpu_now()
        write(files[name], *args)
        timings[f"write {name}.csv"] = round(time.perf_counter() - started, 1)
        cpu[f"write {name}.csv"] = round(cpu_now() - used, 1)
    return timings, cpu


def crm(db: Path, *args: str, stdin: Path | None = None) -> bytes:
    """Run the installed crm on `db` (stdin from a file); its stdout. Notes its peak memory
    in PEAKS; stops the build on any failure."""
    argv = [crm_path(), *args]
    try:
        if stdin is None:
            sample = measure(argv, crm_env(db), keep=1 << 30)
        else:
            with stdin.open("rb") as f:
                sample = measure(argv, crm_env(db), keep=1 << 30, stdin=f)
    except Failed as e:
        raise SystemExit(str(e)) from None
    PEAKS.append(round(sample.peak_mib))
    return sample.head


PEAKS: list[int] = []  # the peak memory of each crm run by the step under way


def marker_path(db: Path) -> Path:
    return db.with_name(db.name + ".bench.json")


def cached(db: Path, size: str) -> bool:
    """True when `db` was built by this generator version at this size."""
    marker = marker_path(db)
    if not (db.exists() and marker.exists()):
        return False
    try:
        info = json.loads(marker.read_text())
    except ValueError:
        return False
    return info.get("version") == VERSION and info.get("size") == size


def remove(db: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def say(text: str) -> None:
    print(text, flush=True)  # at once, for a log followed while a large build runs


def build(db: Path, size: str, log=say) -> dict:
    """Build the database of `size` at `db` (replacing it); the marker's contents."""
    customers, lines = SIZES[size]
    work = db.with_name(db.name + ".building")
    csvs = db.with_name(db.name + ".csv")
    remove(work)
    shutil.rmtree(csvs, ignore_errors=True)
    csvs.mkdir(parents=True)
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}
    loads: dict[str, list[float]] = {}
    peaks: dict[str, int] = {}
    started, used = time.perf_counter(), cpu_now()

    def step(name: str, fn, *args) -> None:
        t, c, load = time.perf_counter(), cpu_now(), os.getloadavg()[0]
        PEAKS.clear()
        fn(*args)
        timings[name] = round(time.perf_counter() - t, 1)
        cpu[name] = round(cpu_now() - c, 1)
        loads[name] = [round(load, 1), round(os.getloadavg()[0], 1)]
        if PEAKS:
            peaks[name] = max(PEAKS)
        peak = f", peak {peaks[name]} MiB" if name in peaks else ""
        log(
            f"  {name}: {timings[name]:.1f} s wall, {cpu[name]:.1f} s CPU{peak} "
            f"(load {loads[name][0]}-{loads[name][1]})"
        )

    log(f"building {size} ({customers:,} customers, {lines:,} purchases) at {db}")
    files = {k: csvs / f"{k}.csv" for k in ("customers", "purchases", "interactions", "tasks")}
    # Each file has its own random stream, so changing one leaves the others as they were.
    step("write customers.csv", write_customers, files["customers"], customers, random.Random(SEED))
    # The other files are written by a second process while crm imports the customers (the
    # machine has two cores): the same bytes, a minute less at the large size.
    with ProcessPoolExecutor(max_workers=1) as pool:
        rest = pool.submit(write_rest, files, customers, lines)
        people = str(files["customers"])
        step("crm import customers", crm, work, "import", "customers", people, "-q")
        waited = time.perf_counter()
        written, written_cpu = rest.result()
        for name, seconds in written.items():
            timings[name], cpu[name] = seconds, written_cpu[name]
            log(f"  {name}: {seconds:.1f} s wall, {cpu[name]:.1f} s CPU (beside the import)")
        timings["wait for the other files"] = round(time.perf_counter() - waited, 1)
    for kind in ("purchases", "interactions", "tasks"):
        step(f"crm import {kind}", crm, work, "import", kind, str(files[kind]), "-q")
    step(
        "crm tag newsletter --source web",
        crm,
        work,
        "tag",
        "newsletter",
        "--source",
        "web",
        "--yes",
        "-q",
    )
    step(
        "crm tag vip --source referral",
        crm,
        work,
        "tag",
        "vip",
        "--source",
        "referral",
        "--yes",
        "-q",
    )

    def pipe_tag() -> None:
        ids = csvs / "shanghai.txt"
        ids.write_bytes(crm(work, "list", "--city", "上海", "-q"))
        crm(work, "tag", "shanghai", "-", "-q", stdin=ids)

    step("crm list --city 上海 -q | crm tag shanghai -", pipe_tag)
    conn = sqlite3.connect(work)  # fold the WAL into the file so one file is the database
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    counts = {
        t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("customers", "purchases", "interactions", "tasks", "customer_tags")
    }
    conn.close()
    remove(db)
    work.rename(db)
    shutil.rmtree(csvs, ignore_errors=True)
    info = {
        "version": VERSION,
        "size": size,
        "seed": SEED,
        "as_of": AS_OF.isoformat(),
        "rows": counts,
        "build_seconds": round(time.perf_counter() - started, 1),
        # this process, its children (crm's imports) and the worker writing the other files
        "build_cpu_seconds": round(cpu_now() - used, 1),
        "steps": timings,
        "cpu_seconds": cpu,
        "load": loads,
        "peak_mib": peaks,
        "bytes": db.stat().st_size,
    }
    marker_path(db).write_text(json.dumps(info, indent=1) + "\n")
    log(
        f"built {db} in {info['build_seconds']:.0f} s wall, {info['build_cpu_seconds']:.0f} s "
        f"CPU: {counts}"
    )
    return info


def ensure(db: Path, size: str, *, force: bool = False, log=say) -> dict:
    """The marker of a database of `size` at `db`, built first unless cached."""
    if not force and cached(db, size):
        return json.loads(marker_path(db).read_text())
    if db.exists() and not marker_path(db).exists():
        # never replace somebody's database: only files this generator built are rebuilt
        raise SystemExit(f"{db} exists and was not built by bench/generate.py; give another path")
    if db.name.endswith(".bench.json"):
        raise SystemExit(f"{db} is a generator marker, not a database path")
    if not db.parent.is_dir():
        raise SystemExit(f"no such directory: {db.parent}")
    return build(db, size, log=log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--out", type=Path, required=True, help="the database file to build")
    parser.add_argument("--force", action="store_true", help="rebuild even when cached")
    args = parser.parse_args()
    info = ensure(args.out, args.size, force=args.force)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
