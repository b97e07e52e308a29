"""Measure one whole process: wall time, CPU time, peak memory, time to its first output row.

Public tools only: time.perf_counter, subprocess, and os.wait4, which returns the resource
usage of that one child (its ru_maxrss is the child's peak resident set, in KiB on Linux).
Used by bench/run.py and bench/import.py.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from typing import BinaryIO


@dataclass
class Sample:
    seconds: float  # wall, from start to exit
    cpu: float  # user + system of the child
    peak_mib: float  # the child's peak resident set
    first_row: float | None  # seconds until the first row after `header` lines was out
    lines: int  # lines written to stdout
    head: bytes  # the first bytes of stdout (for figures a child prints about itself)
    load: float  # 1-minute load average when the run started


class Failed(RuntimeError):
    pass


def measure(
    argv: list[str],
    env: dict[str, str] | None = None,
    *,
    header: int = 0,
    keep: int = 1 << 20,
    cwd: str | None = None,
    stdin: BinaryIO | None = None,
) -> Sample:
    """Run `argv`, reading its stdout as it comes (as a pipe to a script would), to the end.

    `first_row` is when line `header + 1` was complete (header=1 for CSV). Raises Failed with
    the end of stderr when the child exits non-zero. `stdin`: an open file to read from
    (nothing by default); `keep`: how many bytes of stdout to keep in `head`."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdin=stdin or subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
        )
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        lines = 0
        first_row = None
        head = bytearray()
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            lines += chunk.count(b"\n")
            if first_row is None and lines > header:
                first_row = time.perf_counter() - start
            if len(head) < keep:
                head += chunk[: keep - len(head)]
        proc.stdout.close()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            raise Failed(f"{' '.join(argv)} exited {proc.returncode}: {tail}")
    return Sample(
        seconds=seconds,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mib=usage.ru_maxrss / 1024,
        first_row=first_row,
        lines=lines,
        head=bytes(head),
        load=load,
    )
