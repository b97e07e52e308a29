"""Hooks: the user's executables that run after a write commits, and which of them may run.

A hook is an executable named `on-add`, `on-modify` or `on-delete`, in one of two folders:

- the database's own folder in the user's config directory, `CONFIG/hooks/NAME-HASH`
  (CONFIG is platformdirs' user config directory for crmcli, `$XDG_CONFIG_HOME/crmcli` or
  `~/.config/crmcli` on Linux; NAME is the database file's name and HASH the first 12 hex
  digits of the SHA-256 of its resolved path, so two databases never share one);
- the `hooks` folder beside the database, once the user trusted it (`crm hooks trust`): a
  record in CONFIG/trusted-hooks.json (0600, never in the database, which may come from
  anyone) names the folder, its owner, its device and inode, and the SHA-256 of each hook.
  A folder replaced since, or a hook added or changed since (an archive unpacked over it),
  is no longer trusted.

In either place a hook runs only when its folder and the hook itself belong to the user and
nobody else can write them, and the hook is a regular file. Anything else is skipped, and
the write's `warn` gets one line per command naming the skipped hooks and why. So a database
received in an archive, or a hooks folder someone else could write, never runs code as the
user. A file that is not executable is not a hook (that is how to switch one off).

Each hook runs at most once per command, after the COMMIT, with the command's changes to its
customers as one JSON document on stdin; a failing hook is reported and undoes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, TypedDict

from crmcli.core.errors import InvalidInput, NotFound, StorageError

HOOKS = ("on-add", "on-modify", "on-delete")
TRUST_FILE = "trusted-hooks.json"
TIMEOUT_S = 30
AGAIN = "crm hooks trust lets it run"


class Hook(NamedTuple):
    """One hook file found for a database, and why it is skipped (None: it runs)."""

    name: str  # on-add, on-modify or on-delete
    place: str  # "config" (the user's config directory) or "beside" (the database)
    path: Path
    problem: str | None

    def row(self) -> dict[str, str]:
        status = "active" if self.problem is None else "skipped"
        return {"hook": self.name, "place": self.place, "status": status,
                "path": str(self.path), "reason": self.problem or ""}  # fmt: skip


def current_user() -> int:
    """The uid hooks must belong to: the user crm runs as."""
    return os.geteuid()


def config_dir() -> Path:
    """The user's config directory for crm (platformdirs; honours XDG_CONFIG_HOME)."""
    import platformdirs

    return platformdirs.user_config_path("crmcli")


def config_folder(db_path: Path) -> Path:
    """The database's hooks folder in the user's config directory (see the docstring)."""
    resolved = db_path.resolve()
    digest = hashlib.sha256(os.fsencode(resolved)).hexdigest()[:12]
    return config_dir() / "hooks" / f"{resolved.name[:64]}-{digest}"


def beside_folder(db_path: Path) -> Path:
    """The `hooks` folder beside the (resolved) database file."""
    return db_path.resolve().parent / "hooks"


def find(db_path: Path) -> list[Hook]:
    """Every hook file present for the database, config folder first, each with its verdict."""
    found = []
    for place, folder in (("config", config_folder(db_path)), ("beside", beside_folder(db_path))):
        names = [h for h in HOOKS if os.access(folder / h, os.X_OK)]
        if not names:
            continue
        folder = folder.resolve()
        unsafe = _unsafe(folder, "the folder", stat.S_ISDIR)
        record = None
        if place == "beside" and not unsafe:
            record, unsafe = _trust_of(folder)
        for name in names:
            path = folder / name
            problem = unsafe or _unsafe(path, "the hook", stat.S_ISREG)
            if problem is None and record is not None:
                problem = _changed(path, record)
            found.append(Hook(name, place, path, problem))
    return found


def _unsafe(path: Path, what: str, kind: Callable[[int], bool]) -> str | None:
    """Why `path` (a hooks folder, a hook, the trust file) cannot be taken to be the user's
    own, or None: it must be of its `kind`, belong to the user and be writable by nobody else."""
    try:
        info = path.stat()
    except OSError as exc:
        return f"cannot read {what}: {exc.strerror}"
    if not kind(info.st_mode):
        return f"{what} is not a {'folder' if kind is stat.S_ISDIR else 'regular file'}"
    if info.st_uid != current_user():
        return f"{what} belongs to uid {info.st_uid}, not you"
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o022:
        return f"{what} is writable by group or others (mode {mode:04o}: chmod go-w it)"
    return None


def _changed(path: Path, record: dict[str, Any]) -> str | None:
    trusted = record.get("hooks", {}).get(path.name)
    if trusted is None:
        return f"the hook was added since you trusted the folder ({AGAIN})"
    try:
        digest = _digest(path)
    except OSError as exc:
        return f"cannot read the hook: {exc.strerror}"
    if trusted != digest:
        return f"the hook changed since you trusted the folder ({AGAIN})"
    return None


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the trust records -------------------------------------------------------------------


def _trust_file() -> Path:
    return config_dir() / TRUST_FILE


def _read_trust() -> dict[str, dict[str, Any]]:
    """The trust records by folder; raises StorageError when the file is unsafe or unreadable."""
    path = _trust_file()
    if not path.exists():
        return {}
    problem = _unsafe(path, str(path), stat.S_ISREG)
    if problem:
        raise StorageError(problem)
    try:
        folders = json.loads(path.read_text(encoding="utf-8"))["folders"]
        if not isinstance(folders, dict):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StorageError(f"cannot read {path} ({type(exc).__name__}); remove it") from exc
    return folders


def _trust_of(folder: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The trust record of a beside-the-database folder, or why there is none that holds."""
    try:
        record = _read_trust().get(str(folder))
    except StorageError as exc:
        return None, f"the folder is not trusted: {exc}"
    if not isinstance(record, dict):
        return None, f"the folder is not trusted ({AGAIN})"
    info = folder.stat()
    if [record.get("uid"), record.get("device"), record.get("inode")] != [
        info.st_uid, info.st_dev, info.st_ino,
    ]:  # fmt: skip
        return None, f"the folder was replaced since you trusted it ({AGAIN})"
    return record, None


class Trusted(TypedDict):
    """What `crm hooks trust` recorded: the folder and the hooks in it."""

    folder: str
    hooks: list[str]


def trust(db_path: Path) -> Trusted:
    """Trust the hooks folder beside the database as it is now; returns what was trusted.
    Raises NotFound without one, InvalidInput when it or a hook is not safely the user's
    (nothing recorded), StorageError when the trust file cannot be read or written."""
    folder = beside_folder(db_path)
    if not folder.is_dir():
        raise NotFound(f"no hooks folder at {folder}")
    folder = folder.resolve()
    names = [h for h in HOOKS if os.access(folder / h, os.X_OK)]
    if not names:
        raise InvalidInput(f"no executable on-add, on-modify or on-delete in {folder}")
    checks = [(folder, "the folder", stat.S_ISDIR), *((folder / n, n, stat.S_ISREG) for n in names)]
    for path, what, kind in checks:
        problem = _unsafe(path, what, kind)
        if problem:
            raise InvalidInput(f"not trusting {folder}: {problem}")
    try:
        digests = {name: _digest(folder / name) for name in names}
    except OSError as exc:
        raise InvalidInput(f"not trusting {folder}: cannot read {exc.filename}") from exc
    info = folder.stat()
    folders = _read_trust()
    folders[str(folder)] = {
        "uid": info.st_uid,
        "device": info.st_dev,
        "inode": info.st_ino,
        "hooks": digests,
    }
    _write_trust(folders)
    return {"folder": str(folder), "hooks": names}


def untrust(db_path: Path) -> tuple[Path, bool]:
    """Forget the trust in the hooks folder beside the database; returns it and whether it
    was trusted."""
    folder = beside_folder(db_path)
    folder = folder.resolve() if folder.exists() else folder
    folders = _read_trust()
    if folders.pop(str(folder), None) is None:
        return folder, False
    _write_trust(folders)
    return folder, True


def _write_trust(folders: dict[str, dict[str, Any]]) -> None:
    """Replace the trust file (0600, its folder 0700) in one rename."""
    import tempfile

    path = _trust_file()
    text = json.dumps({"folders": folders}, indent=2, sort_keys=True) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.NamedTemporaryFile(  # 0600
            "w", encoding="utf-8", dir=path.parent, prefix=f".{TRUST_FILE}.", delete=False
        ) as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(out.name, path)
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror}") from exc


# --- running them ----------------------------------------------------------------------------


def _events(rows: list[dict[str, Any]]) -> dict[str, set[int]]:
    """Which hook each changed customer calls: added, deleted (archived or erased), else
    modified."""
    added, deleted, touched = set(), set(), set()
    for row in rows:
        customer = row["customer_id"]
        if customer is None:
            continue
        touched.add(customer)
        if row["table"] == "customers":
            if row["op"] == "insert":
                added.add(customer)
            elif row["op"] == "delete" or (row["field"] == "archived_at" and row["new"]):
                deleted.add(customer)
    return {
        "on-add": added,
        "on-delete": deleted - added,
        "on-modify": touched - added - deleted,
    }


def run(db_path: Path, conn: sqlite3.Connection, changeset: int) -> list[str]:
    """Run the hooks that may run for a committed changeset; returns the lines to warn:
    one naming every hook this change would have called but skipped, one per failed hook."""
    found = find(db_path)
    if not found:
        return []
    from crmcli.store.changes import feed

    rows = list(feed(conn, 0, changeset=changeset))
    events = _events(rows)
    called = [h for h in found if events[h.name]]
    problems = []
    reasons: dict[str, list[str]] = {}
    for hook in (h for h in called if h.problem):
        reasons.setdefault(hook.problem or "", []).append(str(hook.path))
    if reasons:
        said = "; ".join(f"{', '.join(paths)}: {why}" for why, paths in reasons.items())
        plural = "s" if sum(len(p) for p in reasons.values()) > 1 else ""
        problems.append(f"skipped hook{plural} {said}")
    for hook in (h for h in called if h.problem is None):
        customers = events[hook.name]
        payload = {
            "event": hook.name[3:],
            "command": rows[0]["command"],
            "at": rows[0]["at"],
            "customer_ids": sorted(customers),
            "changes": [r for r in rows if r["customer_id"] in customers],
        }
        try:
            done = subprocess.run(
                [str(hook.path)],
                input=json.dumps(payload, ensure_ascii=False),
                text=True,
                capture_output=True,
                timeout=TIMEOUT_S,
                check=False,
            )
            if done.returncode != 0:
                problems.append(
                    f"hook {hook.name} failed (exit {done.returncode}); the change is kept"
                )
        except (OSError, subprocess.TimeoutExpired) as exc:
            problems.append(f"hook {hook.name} could not run ({exc}); the change is kept")
    return problems


def check_rows(db_path: Path) -> list[dict[str, str]]:
    """`crm check`'s rows for the hooks: each active one ok, each skipped one a problem."""
    rows = [
        {"check": "hooks", "status": "ok", "detail": f"{h.path} runs"}
        if h.problem is None
        else {"check": "hooks", "status": "problem", "detail": f"{h.path} skipped: {h.problem}"}
        for h in find(db_path)
    ]
    return rows or [{"check": "hooks", "status": "ok", "detail": "none"}]
