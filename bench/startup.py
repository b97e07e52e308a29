"""Start-up time of everyday commands against the framework's floor, whole process.

Runs each command several times, alternating with the baselines, and prints medians and
ratios: a minimal typer app with ten trivial commands (installed in the same environment)
and `python -c "import sqlite3"`. Uses a demo database it builds under --dir.

    python bench/startup.py [--runs 15] [--dir /tmp/crm-bench-startup]

bench/run.py reuses its floors and everyday commands on a generated database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

MINIMAL_APP = """
import typer

app = typer.Typer()


def make(n):
    def command(name: str = "x") -> None:
        typer.echo(name)

    command.__name__ = f"cmd{n}"
    return command


for n in range(10):
    app.command(f"cmd{n}")(make(n))

if __name__ == "__main__":
    app()
"""


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def write_app(folder: Path) -> Path:
    """The minimal typer app (the framework's floor), written under `folder`."""
    app = folder / "minimal_typer_app.py"
    app.write_text(MINIMAL_APP)
    return app


def floors(folder: Path) -> dict[str, list[str]]:
    """The two baselines: the minimal typer app's trivial command, and bare Python."""
    return {
        "typer floor": [sys.executable, str(write_app(folder)), "cmd1"],
        'python -c "import sqlite3"': [sys.executable, "-c", "import sqlite3"],
    }


def everyday(crm: str, ref: str = "5") -> dict[str, list[str]]:
    """The everyday commands whose start-up the issue budgets (`crm log` writes)."""
    return {
        "crm --version": [crm, "--version"],
        "crm show ID": [crm, "show", ref],
        "crm list --limit 20": [crm, "list", "--limit", "20"],
        "crm log note ID x": [crm, "log", "note", ref, "x"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/crm-bench-startup"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    db = args.dir / "demo.db"
    crm = str(Path(sys.executable).with_name("crm"))
    env = {**os.environ, "CRM_DB": str(db)}
    if not db.exists():
        subprocess.run([crm, "demo", "--db", str(db)], env=env, check=True, capture_output=True)
    floor, python = floors(args.dir).values()
    commands = {
        **everyday(crm),
        "crm remind": [crm, "remind"],
        "crm search 张伟": [crm, "search", "张伟"],
    }
    for argv in (floor, python, *commands.values()):  # warm caches
        timed(argv, env)
    print(f"{'command':24} {'median s':>9} {'typer floor':>12} {'ratio':>6} {'python':>7}")
    for name, argv in commands.items():
        mine, base, bare = [], [], []
        for _ in range(args.runs):
            mine.append(timed(argv, env))
            base.append(timed(floor, env))
            bare.append(timed(python, env))
        m, b, p = (statistics.median(x) for x in (mine, base, bare))
        print(f"{name:24} {m:9.3f} {b:12.3f} {m / b:6.2f} {p:7.3f}")


if __name__ == "__main__":
    main()
