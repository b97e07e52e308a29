"""The benchmark suite of issue #11: every figure against its baseline, in one command.

    .venv/bin/python bench/run.py [--size tiny|small|medium|large] [--runs N]
                                  [--only startup,import,reports,remind,search,export,backtest]
                                  [--db PATH] [--dir DIR] [--check]

Builds (or reuses) the synthetic database of --size with bench/generate.py, then measures
whole processes, each beside its baseline in the same run: the runs of a command and of its
baselines alternate, so a busy machine slows both alike, and each figure is the median of
--runs (after one warm-up run, except for imports and with --runs 1). Peak memory is each
child's peak resident set (os.wait4, bench/measure.py). Progress goes to stderr; the
Markdown table of figures and ratios to stdout:

- startup: `crm --version`, `crm show ID`, `crm list --limit 20`, `crm log note ID x`
  (on a scratch copy of the database, as it writes) against a minimal typer app with ten
  trivial commands and `python -c "import sqlite3"` (bench/startup.py);
- import: `crm import purchases` of 1,000,000 CSV rows (100,000 at small, 2,000 at tiny)
  against the floor (csv.reader rows of raw text straight into one executemany into a
  plain table, one transaction, a whole process), the insert alone of the same rows built
  beforehand into crm's own indexed and triggered table (timed inside its process: not a
  floor, what storing costs the schema) and `sqlite-utils insert --csv` of the same rows
  into crm's table (bench/import.py);
- reports: `crm report rfm|lifecycle|abc` and `crm report sales --by month` (CSV to a pipe)
  against one plain SQL query computing the same numbers, and RFM against pandas when it is
  importable (bench/baselines.py);
- remind: `crm today` and `crm remind` with `--limit 20` (what a terminal shows), the
  dashboard, and `crm remind` and `crm today -f csv` in full (what cron and scripts get),
  beside the minimal typer app;
- search: `crm search QUERY` (whole process) for bench/search.py's queries against its plain
  LIKE scan (the scan alone, timed inside its process);
- export: `crm list -f csv` and `crm export customers -f csv` of every customer, with the
  time to the first row, against a plain `SELECT *` written with csv.writer (≤1.5x);
- backtest: `crm report value` against `crm report rfm` (≤2x, <150 MiB), and `crm report
  value --backtest DATE` (six months before the as-of date; also with `--model auto`, which
  fits every model) and `crm report churn --backtest DATE`, against `crm report value`
  alone (CSV to a pipe).

`ratio` is the command's median time over the baseline's (below 1: faster), `CPU ratio` the
same for CPU time (steadier when the machine is busy); `budget` is the issue's. --check
first compares the numbers of the report baselines with crm's own output.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import startup  # noqa: E402
from measure import Sample, measure  # noqa: E402

import_bench = importlib.import_module("import")  # bench/import.py
SECTIONS = ("startup", "import", "reports", "remind", "search", "export", "backtest")
IMPORT_ROWS = {"tiny": 2_000, "small": 100_000, "medium": 1_000_000, "large": 1_000_000}
BASELINES = str(HERE / "baselines.py")


@dataclass
class Case:
    label: str
    argv: list[str]
    env: dict[str, str]
    rows: int | None = None  # rows the command handles, for the per-row figures
    baselines: list[tuple[str, str, float | None]] = field(default_factory=list)
    # (label of a case of the same group, budget text, largest ratio allowed)
    header: int | None = None  # measure the time to the first row after this many lines
    # the child prints its own wall and CPU seconds first (the baseline's core only)
    inner: bool = False
    setup: Callable[[], None] | None = None
    memory_budget: float | None = None  # MiB
    samples: list[Sample] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


@dataclass
class Group:
    section: str
    cases: list[Case]
    warm: bool = True


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


# --- sections --------------------------------------------------------------------------


def startup_groups(ctx: Context) -> list[Group]:
    scratch = ctx.dir / f"startup-{ctx.size}.db"
    shutil.copyfile(ctx.db, scratch)  # `crm log` writes: never into the cached database
    ctx.cleanup.append(scratch)
    env = generate.crm_env(scratch)
    floors = startup.floors(ctx.dir)
    cases = [Case(name, argv, env) for name, argv in floors.items()]
    for name, argv in startup.everyday(ctx.crm).items():
        cases.append(Case(name, argv, env, baselines=[("typer floor", "≤1.25x", 1.25)]))
    return [Group("startup", cases)]


def import_groups(ctx: Context) -> list[Group]:
    rows = IMPORT_ROWS[ctx.size]
    folder = ctx.dir / f"import-{rows}"
    log(f"preparing {rows:,} purchase rows under {folder}")
    purchases, raw, template = import_bench.prepare(folder, rows)
    db = folder / "run.db"

    def fresh() -> None:
        import_bench.fresh(template, folder, db.name)

    env = generate.crm_env(db)
    utils = str(Path(sys.executable).with_name("sqlite-utils"))
    crm = Case(
        "crm import purchases",
        [ctx.crm, "import", "purchases", str(purchases), "-q"],
        env,
        rows=rows,
        setup=fresh,
        baselines=[
            ("floor: csv.reader into executemany", "≤2.00x (≥50 % of the rate)", 2.0),
            ("insert only into crm's table", "", None),
            ("sqlite-utils insert --csv", "", None),
        ],
    )
    floor = Case(
        "floor: csv.reader into executemany",
        python("-c", import_bench.FLOOR, str(db), str(purchases)),
        env,
        rows=rows,
        setup=fresh,
    )
    bare = Case(
        "insert only into crm's table",
        python("-c", import_bench.BARE, str(db), str(purchases)),
        env,
        rows=rows,
        setup=fresh,
        inner=True,
    )
    cases = [crm, floor, bare]
    if Path(utils).exists():
        argv = [utils, "insert", str(db), "purchases", str(raw), "--csv"]
        cases.append(Case("sqlite-utils insert --csv", argv, env, rows=rows, setup=fresh))
    else:
        crm.baselines.pop()
        ctx.notes.append("sqlite-utils is not installed beside this Python: no sqlite-utils row.")
    return [Group("import", cases, warm=False)]


REPORTS = {  # crm arguments, baseline kind
    "crm report rfm": (["report", "rfm"], "rfm-sql"),
    "crm report lifecycle": (["report", "lifecycle"], "lifecycle-sql"),
    "crm report abc": (["report", "abc"], "abc-sql"),
    "crm report sales --by month": (["report", "sales", "--by", "month"], "sales-sql"),
}


def has_pandas() -> bool:
    return importlib.util.find_spec("pandas") is not None


def report_groups(ctx: Context) -> list[Group]:
    env = generate.crm_env(ctx.db)
    purchases = ctx.rows.get("purchases")
    as_of = generate.AS_OF.isoformat()
    groups = []
    for label, (args, kind) in REPORTS.items():
        base = f"plain SQL ({kind})"
        crm = Case(
            label,
            [ctx.crm, *args, "-f", "csv"],
            env,
            rows=purchases,
            baselines=[(base, "≤1.50x", 1.5)],
            memory_budget=100.0,
        )
        cases = [crm, Case(base, python(BASELINES, kind, str(ctx.db), as_of), env, purchases)]
        if kind == "rfm-sql":
            if has_pandas():
                pandas = "pandas (read_sql, groupby)"
                crm.baselines.append((pandas, "<1.00x", 1.0))
                argv = python(BASELINES, "rfm-pandas", str(ctx.db), as_of)
                cases.append(Case(pandas, argv, env, purchases))
            else:
                ctx.notes.append(
                    "pandas is not importable: no pandas RFM row (pip install pandas into "
                    "the benchmark's environment to add it)."
                )
        groups.append(Group("reports", cases))
    return groups


def remind_groups(ctx: Context) -> list[Group]:
    env = generate.crm_env(ctx.db)
    customers = ctx.rows.get("customers")
    floor = "typer floor"
    # The budget is 1.5x the typer app's start-up plus 0.3 s of CPU: not a ratio, so
    # it is printed, not judged. `--limit 20` is what a terminal shows by default.
    budget = [(floor, "CPU ≤1.5x + 0.3 s, <80 MiB", None)]
    cases = [Case(floor, startup.floors(ctx.dir)[floor], env)]
    for label, args in (
        ("crm today --limit 20", ["today", "--limit", "20"]),
        ("crm remind --limit 20", ["remind", "--limit", "20"]),
        ("crm dashboard", ["dashboard"]),
        ("crm remind", ["remind"]),
        ("crm today -f csv", ["today", "-f", "csv"]),
    ):
        cases.append(Case(label, [ctx.crm, *args], env, rows=customers, baselines=list(budget)))
    return [Group("remind", cases)]


def search_groups(ctx: Context) -> list[Group]:
    from search import QUERIES

    env = generate.crm_env(ctx.db)
    interactions = ctx.rows.get("interactions")
    groups = []
    # tiny is the test suite's smoke run: two queries (Chinese, Latin) prove the section works
    for query in QUERIES[::5] if ctx.size == "tiny" else QUERIES:
        base = f"LIKE scan {query!r}"
        crm = Case(
            f"crm search {query!r}",
            [ctx.crm, "search", query, "-f", "jsonl"],
            env,
            rows=interactions,
            baselines=[(base, "(scan only, no start-up)", None)],
        )
        argv = python(BASELINES, "like-scan", str(ctx.db), "-", query)
        groups.append(Group("search", [crm, Case(base, argv, env, interactions, inner=True)]))
    return groups


def export_groups(ctx: Context) -> list[Group]:
    env = generate.crm_env(ctx.db)
    customers = ctx.rows.get("customers")
    base = "plain SELECT * to CSV"
    budget = [(base, "≤1.50x, first row <0.1 s, memory flat", 1.5)]
    cases = [
        Case(
            "crm list -f csv",
            [ctx.crm, "list", "-f", "csv"],
            env,
            customers,
            list(budget),
            header=1,
        ),
        Case(
            "crm export customers -f csv",
            [ctx.crm, "export", "customers", "-f", "csv"],
            env,
            customers,
            list(budget),
            header=1,
        ),
        Case(base, python(BASELINES, "customers-csv", str(ctx.db)), env, customers, header=1),
    ]
    return [Group("export", cases)]


def backtest_groups(ctx: Context) -> list[Group]:
    env = generate.crm_env(ctx.db)
    purchases = ctx.rows.get("purchases")
    cutoff = (generate.AS_OF - timedelta(days=182)).isoformat()
    alone = "crm report value"
    budget = [(alone, "≤2.00x", 2.0)]
    rfm = "crm report rfm"  # the value report's own budget: ≤2x RFM over the same purchases
    cases = [
        Case(rfm, [ctx.crm, "report", "rfm", "-f", "csv"], env, rows=purchases),
        Case(
            alone,
            [ctx.crm, "report", "value", "-f", "csv"],
            env,
            rows=purchases,
            baselines=[(rfm, "≤2.00x", 2.0)],
            memory_budget=150.0,
        ),
    ]
    for label, args in (
        ("crm report value --backtest DATE", ["report", "value"]),
        ("crm report value --backtest DATE --model auto", ["report", "value", "--model", "auto"]),
        ("crm report churn --backtest DATE", ["report", "churn"]),
    ):
        argv = [ctx.crm, *args, "--backtest", cutoff, "-f", "csv"]
        cases.append(Case(label, argv, env, rows=purchases, baselines=list(budget)))
    ctx.notes.append(f"backtest: DATE is {cutoff}, six months before the as-of date.")
    return [Group("backtest", cases)]


BUILDERS = {
    "startup": startup_groups,
    "import": import_groups,
    "reports": report_groups,
    "remind": remind_groups,
    "search": search_groups,
    "export": export_groups,
    "backtest": backtest_groups,
}


# --- running and the table ---------------------------------------------------------------


@dataclass
class Context:
    size: str
    db: Path
    dir: Path
    crm: str
    rows: dict[str, int]
    notes: list[str] = field(default_factory=list)
    cleanup: list[Path] = field(default_factory=list)


def run_once(case: Case) -> None:
    if case.setup:
        case.setup()
    sample = measure(case.argv, case.env, header=case.header or 0)
    seconds, cpu = sample.seconds, sample.cpu
    if case.inner:  # the child timed its own core: its first two printed numbers
        seconds, cpu = (float(x) for x in sample.head.split()[:2])
    case.samples.append(sample)
    case.seconds.append(seconds)
    case.cpu.append(cpu)


def run_group(group: Group, runs: int) -> None:
    if group.warm and runs > 1:  # page cache and byte-code caches, for every case alike
        for case in group.cases:
            if case.setup:
                case.setup()
            measure(case.argv, case.env)
    for n in range(runs):
        for case in group.cases:
            run_once(case)
        log(
            f"  run {n + 1}/{runs}: "
            + ", ".join(f"{c.label} {c.seconds[-1]:.3f} s" for c in group.cases)
        )


def fmt(value: float | None, places: int = 3) -> str:
    return "" if value is None else f"{value:,.{places}f}"


def rows_of(group: Group) -> list[list[str]]:
    by_label = {c.label: c for c in group.cases}
    out = []
    for case in group.cases:
        median = statistics.median(case.seconds)
        cpu = statistics.median(case.cpu)
        peak = max(s.peak_mib for s in case.samples)
        firsts = [s.first_row for s in case.samples if s.first_row is not None]
        first = statistics.median(firsts) if case.header is not None and firsts else None
        load = statistics.mean(s.load for s in case.samples)
        per_row = f"{median / case.rows * 1e6:,.2f}" if case.rows else ""
        bytes_row = f"{peak * 2**20 / case.rows:,.0f}" if case.rows and case.rows >= 1000 else ""
        common = [
            group.section,
            f"`{case.label}`",
            f"{case.rows:,}" if case.rows else "",
            fmt(median),
            fmt(cpu, 2),
            fmt(first),
            fmt(peak, 0),
            per_row,
            bytes_row,
        ]
        comparisons = case.baselines or [("", "", None)]
        for base, budget, limit in comparisons:
            ratio = cpu_ratio = met = ""
            if base:
                ratio_value = median / statistics.median(by_label[base].seconds)
                ratio = f"{ratio_value:.2f}x"
                cpu_ratio = f"{cpu / statistics.median(by_label[base].cpu):.2f}x"
                if limit is not None:
                    met = "yes" if ratio_value <= limit else "**no**"
            if case.memory_budget is not None and base == comparisons[0][0]:
                budget = f"{budget}, <{case.memory_budget:.0f} MiB".lstrip(", ")
                if peak >= case.memory_budget:
                    met = "**no**"
                elif not met:
                    met = "yes"
            out.append([*common, base, ratio, cpu_ratio, budget, met, f"{load:.1f}"])
    return out


HEAD = [
    "section",
    "command",
    "rows",
    "median s",
    "CPU s",
    "first row s",
    "peak MiB",
    "µs/row",
    "B/row",
    "vs",
    "ratio",
    "CPU ratio",
    "budget",
    "met",
    "load",
]


def table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEAD) + " |", "|" + "|".join(" --- " for _ in HEAD) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


# --- --check: the baselines compute crm's numbers ---------------------------------------


def minor(text: str) -> int:
    """A decimal string of crm's JSON ("1234.50", two decimals here) in minor units."""
    whole, _, frac = text.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int((frac + "00")[:2]))


def check(ctx: Context) -> list[str]:
    """Differences between crm's report numbers and the baselines' (empty: they agree)."""
    import subprocess

    env = generate.crm_env(ctx.db)
    as_of = generate.AS_OF.isoformat()

    def crm_json(*args: str) -> dict:
        out = subprocess.run(
            [ctx.crm, *args, "-f", "json"], env=env, capture_output=True, check=True
        ).stdout
        return json.loads(out)

    def baseline(kind: str) -> list[dict]:
        out = subprocess.run(
            python(BASELINES, kind, str(ctx.db), as_of), env=env, capture_output=True, check=True
        ).stdout
        return [json.loads(line) for line in out.splitlines()]

    problems = []

    def same(what: str, mine: object, theirs: object) -> None:
        if mine != theirs:
            problems.append(f"{what}: crm {mine} != baseline {theirs}")

    rfm = {
        (r["segment"], r["currency"]): (r["customers"], minor(r["revenue"]))
        for r in crm_json("report", "rfm")["segments"]
        if r["customers"]
    }
    kinds = ["rfm-sql", *(["rfm-pandas"] if has_pandas() else [])]
    for kind in kinds:
        got = {
            (r["segment"], r["currency"]): (int(r["customers"]), int(r["revenue_minor"]))
            for r in baseline(kind)
        }
        same(f"rfm segments ({kind})", rfm, got)
    abc = crm_json("report", "abc")
    mine = {
        (r["class"], r["currency"]): (r["customers"], minor(r["revenue"]))
        for r in abc["classes"]
        if r["customers"]
    }
    base = baseline("abc-sql")
    theirs = {
        (r["class"], r["currency"]): (r["customers"], r["revenue_minor"])
        for r in base
        if r["part"] == "classes"
    }
    same("abc classes", mine, theirs)
    mine = {
        (r["top_percent"], r["currency"]): (r["customers"], minor(r["revenue"]))
        for r in abc["pareto"]
    }
    theirs = {
        (r["top_percent"], r["currency"]): (r["customers"], r["revenue_minor"])
        for r in base
        if r["part"] == "pareto"
    }
    same("abc pareto", mine, theirs)
    sales = crm_json("report", "sales", "--by", "month")
    sales_rows = sales["rows"] if isinstance(sales, dict) else sales
    mine = {
        (r["month"], r["currency"]): (minor(r["net"]), r["orders"], r["customers"])
        for r in sales_rows
    }
    theirs = {
        (r["month"], r["currency"]): (r["net_minor"], r["orders"], r["customers"])
        for r in baseline("sales-sql")
    }
    same("sales by month", mine, theirs)
    life = crm_json("report", "lifecycle")
    base = baseline("lifecycle-sql")
    population = next(r["population"] for r in base if "population" in r)
    mine = {}
    for row in life["months"]:
        for stage in ("new", "active", "reactivated", "at_risk", "lapsed", "none"):
            if row[stage]:
                mine[row["month"], stage] = row[stage]
    theirs = {}
    moved: dict[str, int] = {}
    bought: dict[str, int] = {}
    for r in base:
        if "month" in r:
            theirs[r["month"], r["stage"]] = r["customers"]
            moved[r["month"]] = moved.get(r["month"], 0) + r["moved"]
            bought[r["month"]] = bought.get(r["month"], 0) + r["customers"]
    months = [row["month"] for row in life["months"]]
    for month in months:  # customers who never bought by then are `none` as well
        never = population - bought.get(month, 0) + theirs.get((month, "none"), 0)
        theirs.pop((month, "none"), None)
        if never:
            theirs[month, "none"] = never
    theirs = {k: v for k, v in theirs.items() if k[0] in months}
    same("lifecycle months", mine, theirs)
    same(
        "lifecycle moved",
        {r["month"]: r["moved"] for r in life["months"]},
        {m: moved.get(m, 0) for m in months},
    )
    funnel = {r["stage"]: r["customers"] for r in life["funnel"] if r["customers"]}
    same("funnel", funnel, {r["stage"]: r["customers"] for r in base if r.get("part")})
    return problems


# --- main ------------------------------------------------------------------------------


def machine(ctx: Context) -> str:
    cores = os.cpu_count()
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        mem = f"{memory:.0f} GiB"
    except (ValueError, OSError):
        mem = "?"
    rows = ", ".join(f"{v:,} {k}" for k, v in ctx.rows.items())
    return (
        f"Size `{ctx.size}` ({rows}; {ctx.db.stat().st_size / 2**20:,.0f} MiB), "
        f"{platform.system()} {platform.machine()}, {cores} cores, {mem}, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{time.strftime('%Y-%m-%d %H:%M')}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=generate.SIZES, default="small")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--db", type=Path, help="the database (default: under --dir)")
    parser.add_argument(
        "--dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "crm-bench",
        help="scratch files and cached databases",
    )
    parser.add_argument("--check", action="store_true", help="check the report baselines first")
    args = parser.parse_args()
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown or not only:
        parser.error(f"--only takes one or more of {', '.join(SECTIONS)} (got {args.only!r})")
    if args.runs < 1:
        parser.error(f"--runs must be at least 1 (got {args.runs})")
    try:
        args.dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        parser.error(f"--dir {args.dir}: {exc.strerror}")
    db = args.db or args.dir / f"{args.size}.db"
    info = generate.ensure(db, args.size, log=log)
    ctx = Context(args.size, db, args.dir, generate.crm_path(), info["rows"])
    if args.check:
        problems = check(ctx)
        for problem in problems:
            log(f"check: {problem}")
        if problems:
            raise SystemExit("the baselines do not compute crm's numbers (see above)")
        log("check: the report baselines compute the same numbers as crm")
    started = os.getloadavg()[0]
    out = []
    try:
        for section in SECTIONS:
            if section not in only:
                continue
            for group in BUILDERS[section](ctx):
                log(f"{section}: {', '.join(c.label for c in group.cases)}")
                run_group(group, args.runs)
                out += rows_of(group)
    finally:
        for path in ctx.cleanup:
            generate.remove(path)
    print(
        f"{machine(ctx)}; load average {started:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end; medians of {args.runs} runs.\n"
    )
    print(table(out))
    for note in ctx.notes:
        print(f"\n{note}")


if __name__ == "__main__":
    main()
