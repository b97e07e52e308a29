"""Hooks: the user's executables that run after a write commits, and which of them may run.

A hook is an executable named `on-add`, `on-modify` or `on-delete`, in one of two folders:

- the database's own folder in the user's config directory, `CONFIG/hooks/NAME-HASH`
  (CONFIG is platformdirs' user config directory for crmcli, `$XDG_CONFIG_HOME/crmcli` or
  `~/.config/crmcli` on Linux; NAME is the database file's name and HASH the first 12 hex
  digits of the SHA-256 of its resolved path, so two databases never share one);
- the `hooks` folder beside the database, once the user trusted it for that database (`crm
  hooks trust`): a record in CONFIG/trusted-hooks.json (0600, never in the database, which
  may come from anyone), keyed by the database's resolved path, names the database file's
  device and inode, the folder, its owner, device and inode, and the SHA-256 of each hook.
  Another database (a received one beside it, or moved over it), a folder replaced since, or
  a hook added or changed since (an archive unpacked over it) is no longer trusted.

In either place a hook runs only when its folder and the hook itself belong to the user and
nobody else can write them, the hook is a regular file, neither is a symbolic link, and
every folder above, up to /, belongs to root or the user and is writable by nobody else
unless it is sticky (as /tmp: others cannot rename what is yours in it). Otherwise someone
could rename the checked folder away and put theirs in its place. Anything else is skipped,
and the write's `warn` gets one line per command naming the skipped hooks and why. So a
database received in an archive, or a hooks folder someone else could write or swap, never
runs code as the user. A file that is not executable is not a hook (that is how to switch
one off).

The checks are made on descriptors, never on a path looked up twice: the folders are opened
one at a time from / without following a symbolic link, the hook is opened in its folder,
checked and hashed through its descriptor, and that descriptor is what runs (see _execute).

Each hook runs at most once per command, after the COMMIT, with the command's changes to its
customers as one JSON document on stdin; a failing hook is reported and undoes nothing.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import sqlite3
import stat
import subprocess
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any, NamedTuple, TypedDict

from crmcli.core import oserrors
from crmcli.core.errors import InvalidInput, NotFound, StorageError
from crmcli.core.i18n import N_, Said, _

HOOKS = ("on-add", "on-modify", "on-delete")
TRUST_FILE = "trusted-hooks.json"
TIMEOUT_S = 30
AGAIN = N_("crm hooks trust lets it run")
# A folder is opened for lookups only (Linux's O_PATH needs no read permission, only
# search) and never through a symbolic link.
_FOLDER = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_NOFOLLOW
# O_NONBLOCK: a named pipe called on-add must not hang crm before fstat shows it is no file.
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK


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


class _Unsafe(Exception):
    """Why a hook, a folder above it or the trust file cannot be taken to be the user's own:
    `reason`, English in data (`crm hooks list`'s JSON), said in the run's language."""

    def __init__(self, template: str, **params: Any) -> None:
        self.reason = Said(template, again=Said(AGAIN), **params)
        super().__init__(str(self.reason))


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


def _hook_names(folder: Path) -> list[str]:
    """The hooks present in `folder`: executables, and symbolic links (refused later, but
    shown, so that a hook that does not run says why)."""
    return [h for h in HOOKS if os.access(folder / h, os.X_OK) or (folder / h).is_symlink()]


def find(db_path: Path) -> list[Hook]:
    """Every hook file present for the database, config folder first, each with its verdict."""
    with _checked(db_path) as found:
        return [hook for hook, _ in found]


@contextmanager
def _checked(db_path: Path) -> Iterator[list[tuple[Hook, int | None]]]:
    """Every hook file present for the database, each with its verdict and, when it may run,
    a descriptor of the very file that was checked (all closed on leaving)."""
    with ExitStack() as stack:
        found = []
        places = (("config", config_folder(db_path)), ("beside", beside_folder(db_path)))
        for place, folder in places:
            # Symbolic links above the folder are resolved here, once; the folder itself,
            # and anything swapped in after this, is refused as a link (_open_folder).
            folder = folder.parent.resolve() / folder.name
            names = _hook_names(folder)
            if not names:
                continue
            record, problem = None, None
            try:
                dir_fd = stack.enter_context(_open_folder(folder, Said("the folder")))
                if place == "beside":
                    record = _trusted(db_path, folder, os.fstat(dir_fd))
            except _Unsafe as exc:
                problem = exc.reason
            for name in names:
                fd, why = None, problem
                if why is None:
                    try:
                        fd = stack.enter_context(_open_hook(dir_fd, name, Said("the hook")))
                        if record is not None:
                            _same_as_trusted(name, fd, record)
                    except _Unsafe as exc:
                        fd, why = None, exc.reason
                found.append((Hook(name, place, folder / name, why), fd))
        yield found


@contextmanager
def _open_folder(folder: Path, what: str) -> Iterator[int]:
    """A descriptor of `folder` (absolute, no link in it), opened from / one folder at a time
    without following a symbolic link, so the folders checked on the way are the ones opened.
    Raises _Unsafe when a folder above is not root's or the user's, or others can write it
    and it is not sticky; or when `folder` itself is not the user's alone (_check)."""
    fd = os.open("/", _FOLDER)
    try:
        here = Path("/")
        for part in folder.parts[1:]:
            _check_above(here, os.fstat(fd))
            below = here / part
            try:
                inner = os.open(part, _FOLDER, dir_fd=fd)
            except OSError as exc:
                raise _refusal(fd, part, what if below == folder else str(below), exc) from exc
            os.close(fd)
            fd, here = inner, below
        _check(os.fstat(fd), what, stat.S_ISDIR)
        yield fd
    finally:
        os.close(fd)


@contextmanager
def _open_hook(dir_fd: int, name: str, what: str) -> Iterator[int]:
    """A read-only descriptor of the file `name` in the folder `dir_fd`, not followed if a
    link; raises _Unsafe when it is not a regular file that is the user's alone."""
    try:
        fd = os.open(name, _FILE, dir_fd=dir_fd)
    except OSError as exc:
        raise _refusal(dir_fd, name, what, exc) from exc
    try:
        _check(os.fstat(fd), what, stat.S_ISREG)
        yield fd
    finally:
        os.close(fd)


def _refusal(dir_fd: int, name: str, what: str, exc: OSError) -> _Unsafe:
    """Why `name` in the folder `dir_fd` could not be opened as a folder or a hook."""
    with suppress(OSError):
        if stat.S_ISLNK(os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mode):
            return _Unsafe(N_("{what} is a symbolic link (crm follows none to a hook)"), what=what)
    if exc.errno == errno.ENOTDIR:
        return _Unsafe(N_("{what} is not a folder"), what=what)
    return _Unsafe(N_("cannot open {what}: {reason}"), what=what, reason=oserrors.said(exc))


def _check_above(path: Path, info: os.stat_result) -> None:
    """A folder above a hooks folder: whoever can rename entries in it can swap the hooks
    folder for theirs (as ssh's StrictModes, and sticky allowed: then only yours)."""
    if info.st_uid not in (0, current_user()):
        raise _Unsafe(
            N_("{path} belongs to uid {uid}, not you or root"), path=path, uid=info.st_uid
        )
    from crmcli.store.guard import open_to_others  # the database's folders, the same rule

    mode = stat.S_IMODE(info.st_mode)
    if open_to_others(info) and not mode & stat.S_ISVTX:
        raise _Unsafe(
            N_(
                "{path} is writable by group or others, who could swap the folder in it "
                "(mode {mode}: chmod go-w it)"
            ),
            path=path,
            mode=f"{mode:04o}",
        )


def _check(info: os.stat_result, what: str, kind: Callable[[int], bool]) -> None:
    """A hooks folder, a hook or the trust file must be of its `kind`, belong to the user and
    be writable by nobody else; raises _Unsafe saying which is not."""
    if not kind(info.st_mode):
        folder = kind is stat.S_ISDIR
        said = N_("{what} is not a folder") if folder else N_("{what} is not a regular file")
        raise _Unsafe(said, what=what)
    if info.st_uid != current_user():
        raise _Unsafe(N_("{what} belongs to uid {uid}, not you"), what=what, uid=info.st_uid)
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o022:
        raise _Unsafe(
            N_("{what} is writable by group or others (mode {mode}: chmod go-w it)"),
            what=what,
            mode=f"{mode:04o}",
        )


def _same_as_trusted(name: str, fd: int, record: dict[str, Any]) -> None:
    trusted = record.get("hooks", {}).get(name)
    if trusted is None:
        raise _Unsafe(N_("the hook was added since you trusted the folder ({again})"))
    if trusted != _digest(fd, Said("the hook")):
        raise _Unsafe(N_("the hook changed since you trusted the folder ({again})"))


def _digest(fd: int, what: str) -> str:
    """The SHA-256 of the file open at `fd`, read through that descriptor."""
    return hashlib.sha256(_read(fd, what)).hexdigest()


def _read(fd: int, what: str) -> bytes:
    """The whole file open at `fd`; raises _Unsafe when it cannot be read."""
    chunks = []
    try:
        while chunk := os.pread(fd, 1 << 16, sum(map(len, chunks))):
            chunks.append(chunk)
    except OSError as exc:
        raise _Unsafe(
            N_("cannot read {what}: {reason}"), what=what, reason=oserrors.said(exc)
        ) from exc
    return b"".join(chunks)


# --- the trust records -------------------------------------------------------------------


def _trust_file() -> Path:
    return config_dir() / TRUST_FILE


def _read_trust() -> dict[str, dict[str, Any]]:
    """The trust records by database; raises StorageError when the file is unsafe (as a hook
    would be) or unreadable."""
    path = _trust_file()
    if not os.path.lexists(path):
        return {}
    try:
        with (
            _open_folder(path.parent.resolve(), str(path.parent)) as dir_fd,
            _open_hook(dir_fd, TRUST_FILE, str(path)) as fd,
        ):
            text = _read(fd, str(path))
    except _Unsafe as exc:
        raise StorageError(exc.reason.said()) from exc
    try:
        databases = json.loads(text).get("databases", {})  # a file of before: trusts nothing
        if not isinstance(databases, dict):
            raise TypeError
    except (ValueError, AttributeError, TypeError) as exc:
        raise StorageError(
            _("cannot read {path} ({name}); remove it").format(path=path, name=type(exc).__name__)
        ) from exc
    return databases


def _trusted(db_path: Path, folder: Path, info: os.stat_result) -> dict[str, Any]:
    """The trust record that holds for this database and the hooks folder beside it (open,
    `info` its fstat); raises _Unsafe saying why there is none."""
    database = db_path.resolve()
    try:
        records = _read_trust()
    except StorageError as exc:
        raise _Unsafe(N_("the folder is not trusted: {reason}"), reason=exc.message) from exc
    record = records.get(str(database))
    if not isinstance(record, dict) or record.get("folder") != str(folder):
        others = [
            k for k, r in records.items() if isinstance(r, dict) and r.get("folder") == str(folder)
        ]
        if others:
            raise _Unsafe(
                N_("the folder is trusted for {database}, not for this database ({again})"),
                database=others[0],
            )
        raise _Unsafe(N_("the folder is not trusted ({again})"))
    if [record.get("folder_uid"), record.get("folder_device"), record.get("folder_inode")] != [
        info.st_uid, info.st_dev, info.st_ino,
    ]:  # fmt: skip
        raise _Unsafe(N_("the folder was replaced since you trusted it ({again})"))
    try:
        file = database.stat()
    except OSError as exc:
        raise _Unsafe(N_("cannot read the database: {reason}"), reason=oserrors.said(exc)) from exc
    if [record.get("device"), record.get("inode")] != [file.st_dev, file.st_ino]:
        raise _Unsafe(N_("the database is not the file you trusted the folder for ({again})"))
    return record


class Trusted(TypedDict):
    """What `crm hooks trust` recorded: the database, its hooks folder and the hooks in it."""

    database: str
    folder: str
    hooks: list[str]


def trust(db_path: Path) -> Trusted:
    """Trust the hooks folder beside the database, for that database, as both are now;
    returns what was trusted. Raises NotFound without the folder or the database,
    InvalidInput when the folder, a folder above it or a hook is not safely the user's
    (nothing recorded), StorageError when the trust file cannot be read or written."""
    database = db_path.resolve()
    folder = beside_folder(db_path)
    if not folder.is_dir() and not folder.is_symlink():
        raise NotFound(
            _(
                "no hooks folder at {folder} to trust; hooks in {value} (crm hooks path) "
                "run without it"
            ).format(folder=folder, value=config_folder(db_path))
        )
    names = _hook_names(folder)
    if not names:
        raise InvalidInput(
            _("no executable on-add, on-modify or on-delete in {folder}").format(folder=folder)
        )
    try:
        with ExitStack() as stack:
            dir_fd = stack.enter_context(_open_folder(folder, Said("the folder")))
            fds = {name: stack.enter_context(_open_hook(dir_fd, name, name)) for name in names}
            digests = {name: _digest(fd, name) for name, fd in fds.items()}
            info = os.fstat(dir_fd)
    except _Unsafe as exc:
        raise InvalidInput(
            _("not trusting {folder}: {exc}").format(folder=folder, exc=exc.reason)
        ) from exc
    try:
        file = database.stat()
    except OSError as exc:
        raise NotFound(
            _("no database at {database}; trust its hooks once it exists").format(database=database)
        ) from exc
    records = _read_trust()
    records[str(database)] = {
        "device": file.st_dev,
        "inode": file.st_ino,
        "folder": str(folder),
        "folder_uid": info.st_uid,
        "folder_device": info.st_dev,
        "folder_inode": info.st_ino,
        "hooks": digests,
    }
    _write_trust(records)
    return {"database": str(database), "folder": str(folder), "hooks": names}


def untrust(db_path: Path) -> tuple[Path, bool]:
    """Forget the trust in the hooks folder beside the database, for that database; returns
    the folder and whether it was trusted."""
    records = _read_trust()
    if records.pop(str(db_path.resolve()), None) is None:
        return beside_folder(db_path), False
    _write_trust(records)
    return beside_folder(db_path), True


def _write_trust(records: dict[str, dict[str, Any]]) -> None:
    """Replace the trust file (0600, its folder 0700) in one rename."""
    import tempfile

    path = _trust_file()
    text = json.dumps({"databases": records}, indent=2, sort_keys=True) + "\n"
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
        raise StorageError(
            _("cannot write {path}: {strerror}").format(path=path, strerror=oserrors.reason(exc))
        ) from exc


# --- running them ----------------------------------------------------------------------------


def _bulk_customers(
    conn: sqlite3.Connection, rows: list[dict[str, Any]]
) -> tuple[set[int], set[int]]:
    """The customers of the rows a bulk import appended (one history row per table, its id
    range: crmcli.store.history.bulk_insert): (added, touched). Read after the commit, so
    the rows are there."""
    from crmcli.store import history

    spans: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row["op"] == "bulk_insert":
            spans.setdefault(row["id"], {"table": row["table"]})[row["field"]] = row["new"]
    added: set[int] = set()
    touched: set[int] = set()
    for span in spans.values():
        table, first, last = span["table"], span.get("first_id"), span.get("last_id")
        if first is None or last is None:
            continue
        if table == "customers":
            column, into = "id", added
        elif "customer_id" in {name for name, _ in history.columns(conn, table)}:
            column, into = "customer_id", touched
        else:
            continue
        into.update(
            r[0]
            for r in conn.execute(
                f"SELECT DISTINCT {column} FROM {history.quote_ident(table)} "  # noqa: S608
                "WHERE rowid BETWEEN ? AND ?",
                (first, last),
            )
        )
    return added, touched


def _events(
    rows: list[dict[str, Any]], bulk: tuple[set[int], set[int]] = (set(), set())
) -> dict[str, set[int]]:
    """Which hook each changed customer calls: added, deleted (archived or erased), else
    modified. `bulk`: the customers a bulk import added and touched (_bulk_customers)."""
    added, deleted, touched = set(bulk[0]), set(), set(bulk[0]) | bulk[1]
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
    with _checked(db_path) as found:
        if not found:
            return []
        from crmcli.store.changes import feed

        rows = list(feed(conn, 0, changeset=changeset))
        events = _events(rows, _bulk_customers(conn, rows))
        called = [(h, fd) for h, fd in found if events[h.name]]
        problems = []
        reasons: dict[str, list[str]] = {}
        for hook, _fd in called:
            if hook.problem:
                reasons.setdefault(hook.problem, []).append(str(hook.path))
        if reasons:
            said = _("; ").join(
                _("{paths}: {why}").format(paths=_(", ").join(paths), why=why)
                for why, paths in reasons.items()
            )
            many = sum(len(p) for p in reasons.values()) > 1
            problems.append(
                (_("skipped hooks {said}") if many else _("skipped hook {said}")).format(said=said)
            )
        for hook, fd in called:
            if fd is None:
                continue
            customers = events[hook.name]
            payload = {
                "event": hook.name[3:],
                "command": rows[0]["command"],
                "at": rows[0]["at"],
                "customer_ids": sorted(customers),
                "changes": [
                    r for r in rows if r["customer_id"] in customers or r["op"] == "bulk_insert"
                ],
            }
            try:
                done = _execute(hook, fd, json.dumps(payload, ensure_ascii=False))
                if done.returncode != 0:
                    problems.append(
                        _("hook {name} failed (exit {code}); the change is kept").format(
                            name=hook.name, code=done.returncode
                        )
                    )
            except (OSError, subprocess.TimeoutExpired) as exc:
                reason = (
                    oserrors.reason(exc)
                    if isinstance(exc, OSError)
                    else _("it ran longer than {seconds} seconds").format(seconds=TIMEOUT_S)
                )
                problems.append(
                    _("hook {name} could not run ({reason}); the change is kept").format(
                        name=hook.name, reason=reason
                    )
                )
        return problems


def _execute(hook: Hook, fd: int, payload: str) -> subprocess.CompletedProcess[str]:
    """Run the hook file open at `fd`, the one that was checked, with `payload` on stdin."""
    if os.path.isdir("/proc/self/fd"):
        # Linux: /proc/self/fd/N is the file the descriptor holds, whatever is at the path
        # now. A `#!` script's interpreter is handed that name and opens it through the
        # descriptor, which the hook inherits and crm keeps open until the hook ends.
        program, keep = f"/proc/self/fd/{fd}", (fd,)
    else:
        # No /proc (macOS, the BSDs): run the path. What was just checked leaves others no
        # way to swap it: every folder above is root's or yours, and closed to them unless
        # sticky, which keeps them from renaming what is yours.
        program, keep = str(hook.path), ()
    return subprocess.run(
        [str(hook.path)],
        executable=program,
        pass_fds=keep,
        input=payload,
        text=True,
        capture_output=True,
        timeout=TIMEOUT_S,
        check=False,
    )


def check_rows(db_path: Path) -> list[dict[str, str]]:
    """`crm check`'s rows for the hooks: each active one ok, each skipped one a problem."""
    rows = [
        {"check": "hooks", "status": "ok", "detail": Said("{path} runs", path=h.path)}
        if h.problem is None
        else {
            "check": "hooks",
            "status": "problem",
            "detail": Said("{path} skipped: {problem}", path=h.path, problem=h.problem),
        }
        for h in find(db_path)
    ]
    return rows or [{"check": "hooks", "status": "ok", "detail": Said("none")}]
