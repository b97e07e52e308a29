"""Where `crm demo` builds its database when no path is given: one file of its own,
`demo.db` beside the default crm.db, which the next demo replaces unless someone changed
it since. A folder per run in /tmp
(as it once was) piled up, one left behind for every run.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from crmcli.core.errors import CrmError
from crmcli.store.db import connect
from crmcli.store.glance import default_path


def default_demo_path() -> Path:
    """The demo's own file: demo.db in crm's data directory."""
    return default_path().with_name("demo.db")


def built_by_demo(path: Path) -> bool:
    """Whether `path` is a database that `crm demo` built and nobody changed since (every
    recorded change is the demo's): only such a file is ever replaced; anything else there,
    a demo someone went on to use included, is someone's data."""
    try:
        conn = connect(path, write=False)
    except (CrmError, sqlite3.Error):  # not an SQLite file, or not one of crm's
        return False
    try:
        commands = {r[0] for r in conn.execute("SELECT DISTINCT command FROM changesets")}
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return commands == {"demo"}


def clear_old_demo(path: Path) -> None:
    """Remove the database at `path`, with its -wal and -shm, when the demo built it."""
    if not (path.is_file() and built_by_demo(path)):
        return
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm"):
        with contextlib.suppress(FileNotFoundError):
            (path.parent / name).unlink()
