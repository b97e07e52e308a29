"""The database file on disk, below everything that opens it: how a file crm makes is
created (0600, inside a 0700 directory) and how long a connection waits for another
process's lock. crmcli.store.encryption and crmcli.store.connection both build on it."""

from __future__ import annotations

import os
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000


def create_private_file(path: Path) -> None:
    """An empty file, mode 0600, its directory created 0700 when missing (umask 077, so the
    -wal and -shm files SQLite makes beside it are private too)."""
    os.umask(0o077)
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    os.close(fd)
