"""Benchmark: how long `crm list` takes to fill the first screen of a terminal.

    .venv/bin/python bench/first_screen.py --db PATH [--runs 5] [--rows 24] [--cols 120]

Runs `crm list` (or the command after `--`) on a pseudo-terminal of --rows x --cols, so crm
sees a terminal as a person's shell gives it, and reads what reaches the terminal. Two ways
each run:

- `--no-pager`: the seconds until --rows lines (a screenful) have reached the terminal;
- the default pager, `less -FRX` (CRM_PAGER unset, PAGER unset): the seconds until the
  first screen less draws has arrived (--rows - 1 lines and its prompt).

Then the command is stopped (SIGTERM to its process group). Medians of --runs; the clock is
pinned (CRM_NOW) as in the other benchmarks.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import termios
import time
from pathlib import Path

BIN = Path(sys.executable).parent
NOW = "2026-11-22T10:00:00+08:00"


def first_screen(argv: list[str], env: dict[str, str], rows: int, cols: int, lines: int) -> float:
    """Seconds from start until `lines` line ends reached the terminal (inf on a timeout)."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: crm on the terminal
        os.execve(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    seen, elapsed = 0, float("inf")
    try:
        while time.perf_counter() - start < 120:
            ready, _, _ = select.select([fd], [], [], 1.0)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child ended
                break
            if not chunk:
                break
            seen += chunk.count(b"\n")
            if seen >= lines:
                elapsed = time.perf_counter() - start
                break
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        with contextlib.suppress(OSError):
            os.write(fd, b"q")  # a pager waiting for a key
        os.waitpid(pid, 0)
        os.close(fd)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=24)
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("command", nargs="*", default=["list"])
    args = parser.parse_args()
    crm = str(BIN / "crm")
    base = {k: v for k, v in os.environ.items() if k not in ("PAGER", "CRM_PAGER", "NO_COLOR")}
    env = {**base, "CRM_DB": str(args.db), "CRM_NOW": NOW, "TZ": "CST-8", "TERM": "xterm",
           "LANG": "C.UTF-8", "COLUMNS": str(args.cols), "LINES": str(args.rows)}  # fmt: skip
    ways = {
        "--no-pager": ([crm, "--no-pager", *args.command], args.rows),
        "less -FRX": ([crm, *args.command], args.rows - 1),
    }
    found: dict[str, list[float]] = {k: [] for k in ways}
    for _ in range(args.runs):
        for name, (argv, lines) in ways.items():
            found[name].append(first_screen(argv, env, args.rows, args.cols, lines))
    for name, times in found.items():
        print(f"crm {' '.join(args.command)} ({name}), first screen of {args.rows} lines: "
              f"median {statistics.median(times):.3f} s, runs "
              + ", ".join(f"{t:.3f}" for t in times))  # fmt: skip


if __name__ == "__main__":
    main()
