"""The daily commands as people and cron see them: `crm today`, `crm remind` and the
dashboard (`crm` alone) on a pseudo-terminal (the default limit of rows, tables drawn for a
screen of 120 columns) and in a pipe (every row), alternated in one loop with the typer
floor (bench/startup.py's app) and, with --before, the same commands of another copy of the
code, on the same database. Prints the median CPU (user + system) and peak resident set of
each, and the CPU over the floor's.

    PYTHONPATH=$PWD python bench/daily.py --db COPY.db [--runs 7] [--before DIR [--before-db DB]]

The clock is CRM_NOW=2026-11-22T10:00:00+08:00 in TZ=CST-8 (bench/generate.py's as-of
day); CRM_PAGER=cat, so no pager runs. The database is only read.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import write_app

COMMANDS = {
    "crm today": ["today"],
    "crm remind": ["remind"],
    "crm (dashboard)": [],
}


def run(argv: list[str], env: dict[str, str], terminal: bool, cwd: str) -> tuple[float, float]:
    """(CPU seconds, peak MiB) of one process, its output read to the end. It runs in `cwd`,
    the code's folder: `python -m` puts the working folder before PYTHONPATH."""
    if terminal:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 120, 0, 0))
        proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave
        )
        os.close(slave)
        source = master
    else:
        proc = subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        assert proc.stdout is not None
        source = proc.stdout.fileno()
    while True:
        try:
            chunk = os.read(source, 1 << 16)
        except OSError:  # the terminal's other end closed
            break
        if not chunk:
            break
    os.close(source) if terminal else proc.stdout.close()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(argv)} failed")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a medium database (read only)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--before", help="another copy of the code (its folder), for comparison")
    parser.add_argument(
        "--before-db", help="the database the code --before reads (default: --db): a copy at "
        "its schema version, when this code's has a newer one",
    )  # fmt: skip
    args = parser.parse_args()
    here = str(Path(__file__).resolve().parent.parent)
    codes = {"": here, **({" (before)": args.before} if args.before else {})}
    dbs = {"": args.db, " (before)": args.before_db or args.db}
    with tempfile.TemporaryDirectory() as folder:
        cases: dict[str, tuple[list[str], str, bool]] = {
            "typer floor": ([sys.executable, str(write_app(Path(folder))), "cmd1"], here, False)
        }
        for where, terminal in (("terminal", True), ("pipe", False)):
            for name, words in COMMANDS.items():
                for said, code in codes.items():
                    argv = [sys.executable, "-m", "crmcli", "--db", dbs[said], *words]
                    if not words and not terminal:
                        argv.append("dashboard")  # `crm` alone is the dashboard on a terminal
                    cases[f"{name}, {where}{said}"] = (argv, code, terminal)
        found: dict[str, list[tuple[float, float]]] = {label: [] for label in cases}
        for _ in range(args.runs):
            for label, (argv, code, terminal) in cases.items():
                env = dict(
                    os.environ, CRM_NOW="2026-11-22T10:00:00+08:00", TZ="CST-8",
                    CRM_PAGER="cat", PYTHONPATH=code,
                )  # fmt: skip
                found[label].append(run(argv, env, terminal, code))
    floor = statistics.median(cpu for cpu, _ in found["typer floor"])
    print(
        f"load {os.getloadavg()[0]:.1f}; budget 1.5 x {floor:.3f} + 0.3 = {1.5 * floor + 0.3:.3f} s"
    )
    print(f"{'command':36} {'CPU s':>6} {'peak MiB':>9} {'over floor':>10}")
    for label, samples in found.items():
        cpu = statistics.median(c for c, _ in samples)
        peak = statistics.median(p for _, p in samples)
        print(f"{label:36} {cpu:6.3f} {peak:9.0f} {cpu / floor:9.2f}x")


if __name__ == "__main__":
    main()
