"""Optional encryption at rest with SQLCipher (`pip install 'crmcli[encrypt]'`, the sqlcipher3
package).

The key is a passphrase (SQLCipher derives the page key from it with PBKDF2), and it never
comes from argv: `CRM_KEY_FILE` names a file holding it (it must be private, mode 0600),
`CRM_KEY_FD` names an open file descriptor to read it from (`CRM_KEY_FD=3 crm list 3<key`),
and otherwise, for an encrypted file, crm asks for it on the terminal without echo.

`crmcli.store.connection` opens every file with the stdlib first; only when SQLite cannot
read it as a plain database does it ask `key_for_unreadable(path)` for a key, and a new or
empty file is created encrypted when a key is configured. (crm never reads the database's
bytes itself: closing any descriptor of a file drops all of the process's SQLite locks on
it.) It then opens the file with `connect_cipher`, which returns a `CipherConnection`: the
sqlcipher3 connection behind a thin wrapper that raises the *stdlib* sqlite3 exceptions
(sqlcipher3's own are not subclasses of them, so `except sqlite3.Error` everywhere else
would miss them), with SQLCipher's logging to stderr switched off (a wrong key would print
three lines of noise).
A wrong key is an InvalidInput (exit 2) with one clean line.

`export` and `copy_as` copy a database into a new file of the other kind (sqlcipher_export(),
since SQLite's backup API copies pages as they are): `crm encrypt` / `crm decrypt`
(crmcli.store.db.convert, which replaces the file under a lock) and a `crm restore` from a
backup of the other kind use them.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
from pathlib import Path
from typing import Any, TypedDict

from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import _
from crmcli.store import guard
from crmcli.store.files import BUSY_TIMEOUT_MS, create_private_file

SQLITE_HEADER = b"SQLite format 3\x00"
_FD_KEYS: dict[tuple[int, int], str] = {}  # a descriptor can be read once per process
_PROMPTED: dict[str, str] = {}  # one prompt per file per process


def available() -> bool:
    try:
        import sqlcipher3  # noqa: F401
    except ImportError:
        return False
    return True


def is_encrypted(path: Path) -> bool:
    """True when `path` holds data that is not a plain SQLite file (an encrypted database).

    Reads the first 16 bytes: never call it while this process has the file open through
    SQLite (closing any descriptor of a file drops all of the process's POSIX locks on it).
    """
    try:
        if path.stat().st_size < len(SQLITE_HEADER):
            return False
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER
    except FileNotFoundError:
        return False


def session_key() -> str | None:
    """The configured key, else the last one typed at a prompt in this process: what a new
    file made from an encrypted database (a backup) is encrypted with."""
    key = configured_key()
    if key is None and _PROMPTED:
        key = list(_PROMPTED.values())[-1]
    return key


def configured_key() -> str | None:
    """The key from CRM_KEY_FILE or CRM_KEY_FD, if either is set."""
    name = os.environ.get("CRM_KEY_FILE")
    if name:
        path = Path(name).expanduser()
        try:
            info = path.stat()
        except OSError:
            raise InvalidInput(_("CRM_KEY_FILE {path} cannot be read").format(path=path)) from None
        if stat.S_IMODE(info.st_mode) & 0o077:
            raise InvalidInput(
                _("CRM_KEY_FILE {path} is open to others; chmod 600 it").format(path=path)
            )
        return _clean(path.read_text(encoding="utf-8"), "CRM_KEY_FILE")
    fd = os.environ.get("CRM_KEY_FD")
    if fd:
        if not fd.isdigit():
            raise InvalidInput(_("CRM_KEY_FD must be a file descriptor number"))
        number = int(fd)
        try:
            which = (number, os.fstat(number).st_ino)
            if which not in _FD_KEYS:
                chunks = []
                while chunk := os.read(number, 4096):
                    chunks.append(chunk)
                _FD_KEYS[which] = _clean(b"".join(chunks).decode("utf-8"), "CRM_KEY_FD")
        except OSError:
            raise InvalidInput(
                _("CRM_KEY_FD {number} is not an open file descriptor").format(number=number)
            ) from None
        return _FD_KEYS[which]
    return None


def _clean(text: str, source: str) -> str:
    key = text.rstrip("\r\n")
    if not key:
        raise InvalidInput(_("the key from {source} is empty").format(source=source))
    return key


def already(path: Path, *, encrypted: bool) -> InvalidInput:
    """The refusal of `crm encrypt` on an encrypted file (`encrypted`) or of `crm decrypt`
    on a plain one: there is nothing to convert."""
    if encrypted:
        return InvalidInput(_("{path} is already encrypted; nothing was changed").format(path=path))
    return InvalidInput(_("{path} is not encrypted; nothing was changed").format(path=path))


def prompt_key(path: Path, *, confirm: bool = False, need: str | None = None) -> str:
    """Ask for the key on the terminal without echo; InvalidInput when there is none, with
    the message `need` (by default: `path` is encrypted, give its key)."""
    try:
        terminal = sys.stdin.isatty()
    except (AttributeError, ValueError):
        terminal = False
    if not terminal:
        raise InvalidInput(
            need
            or _(
                "{path} is encrypted; give its key with CRM_KEY_FILE (a 0600 file) or CRM_KEY_FD"
            ).format(path=path)
        )
    import getpass

    key = getpass.getpass(_("Key for {path}: ").format(path=path), stream=sys.stderr)
    if confirm and getpass.getpass(_("The same key again: "), stream=sys.stderr) != key:
        raise InvalidInput(_("the two keys differ; nothing was changed"))
    return _clean(key, _("the prompt"))


def key_for_unreadable(path: Path) -> str | None:
    """The key to try on a file SQLite cannot read as a plain database: the configured one,
    else one asked for on a terminal; None when there is none (the file is then reported as
    unreadable). Raises InvalidInput when a key is at hand but the extra is not installed."""
    key = configured_key()
    if key is None:
        try:
            terminal = sys.stdin.isatty()
        except (AttributeError, ValueError):
            terminal = False
        if not terminal or not available():
            return None
        cached = str(path.resolve())
        if cached not in _PROMPTED:
            _PROMPTED[cached] = prompt_key(path)
        key = _PROMPTED[cached]
    if not available():
        raise InvalidInput(
            _(
                "{path} is not a plain SQLite file and a key is set: to open an "
                "encrypted database install the extra with pip install 'crmcli[encrypt]'"
            ).format(path=path)
        )
    return key


# --- the connection ---------------------------------------------------------------------------


def _translate(exc: Exception) -> sqlite3.Error:
    kind = getattr(sqlite3, type(exc).__name__, sqlite3.DatabaseError)
    if not (isinstance(kind, type) and issubclass(kind, sqlite3.Error)):
        kind = sqlite3.DatabaseError
    return kind(str(exc))


class _Cursor:
    """A sqlcipher3 cursor that raises stdlib sqlite3 exceptions."""

    def __init__(self, cursor: Any, errors: type[Exception]) -> None:
        self._cursor = cursor
        self._errors = errors

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def __iter__(self) -> Any:
        try:
            yield from self._cursor
        except self._errors as exc:
            raise _translate(exc) from exc

    def _call(self, name: str, *args: Any) -> Any:
        try:
            return getattr(self._cursor, name)(*args)
        except self._errors as exc:
            raise _translate(exc) from exc

    def fetchone(self) -> Any:
        return self._call("fetchone")

    def fetchall(self) -> Any:
        return self._call("fetchall")

    def fetchmany(self, size: int = 1) -> Any:
        return self._call("fetchmany", size)


class CipherConnection:
    """A sqlcipher3 connection that raises stdlib sqlite3 exceptions (P19)."""

    def __init__(self, conn: Any, errors: type[Exception], key: str | None = None) -> None:
        self._conn = conn
        self._errors = errors
        self._key = key
        self._held: tuple[int, int] | None = None  # the file's lock (crmcli.store.guard)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        else:
            setattr(self._conn, name, value)

    def execute(self, sql: str, params: Any = ()) -> _Cursor:
        try:
            return _Cursor(self._conn.execute(sql, params), self._errors)
        except self._errors as exc:
            raise _translate(exc) from exc

    def executemany(self, sql: str, params: Any) -> _Cursor:
        try:
            return _Cursor(self._conn.executemany(sql, params), self._errors)
        except self._errors as exc:
            raise _translate(exc) from exc

    def backup(self, target: Any, **kwargs: Any) -> None:
        if isinstance(target, CipherConnection):
            target = target._conn
        try:
            self._conn.backup(target, **kwargs)
        except self._errors as exc:
            raise _translate(exc) from exc

    def close(self) -> None:
        self._conn.close()
        held, self._held = self._held, None
        guard.release(held)


def key_of(conn: Any) -> str | None:
    """The key `conn` was opened with; None for a plain database."""
    return conn._key if isinstance(conn, CipherConnection) else None


def connect_cipher(target: str, key: str, *, uri: bool, timeout: float) -> CipherConnection:
    """Open `target` with SQLCipher and `key` (PRAGMA key is the first statement)."""
    from sqlcipher3 import dbapi2

    raw = dbapi2.connect(target, isolation_level=None, timeout=timeout, uri=uri)
    raw.row_factory = dbapi2.Row
    conn = CipherConnection(raw, dbapi2.Error, key)
    conn.execute("PRAGMA cipher_log_level = NONE")  # no stderr noise on a wrong key
    conn.execute(f"PRAGMA key = {_literal(key)}")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        if "malformed" in str(exc).lower():  # SQLITE_CORRUPT (sqlcipher3's errors have no code)
            # The key opened its first page (a wrong key fails there, `not a database`), and
            # the file is damaged past it, or cut short: said as a damaged file is, plain or
            # encrypted (`crm restore` of it: damaged, restore another backup)
            raise
        raise InvalidInput(
            _("wrong key for {value} (or the file is damaged)").format(value=_shown(target))
        ) from None
    return conn


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _shown(target: str) -> str:
    if target.startswith("file:"):
        from urllib.parse import unquote

        return unquote(target[5:].split("?", 1)[0])
    return target


# --- crm encrypt / crm decrypt ------------------------------------------------------------------


class Converted(TypedDict):
    """What `crm encrypt` / `crm decrypt` did."""

    path: str
    customers: int


def open_keyed(path: Path, key: str) -> CipherConnection:
    """A file crm made encrypted with `key` (a temporary copy), opened with it."""
    return connect_cipher(os.path.abspath(path), key, uri=False, timeout=BUSY_TIMEOUT_MS / 1000)


def open_as(path: Path, key: str | None, *, readonly: bool = False) -> CipherConnection:
    """The database file at `path` through sqlcipher3, with `key` (None: a plain file);
    `readonly` for a file crm only copies from (a backup), which also keeps SQLite from
    playing back a -journal someone left beside it."""
    from urllib.parse import quote

    timeout = BUSY_TIMEOUT_MS / 1000
    target = os.path.abspath(path)  # never a `file:` name SQLite could read as a URI
    if readonly:
        target = f"file:{quote(target)}?mode=ro"
    if key is None:
        return _plain_cipher(target, timeout, uri=readonly)
    return connect_cipher(target, key, uri=readonly, timeout=timeout)


def export(source: CipherConnection, dest: Path, key: str | None) -> None:
    """Write the database open on `source` (a sqlcipher3 connection) into the new, empty
    file `dest` through sqlcipher_export(), encrypted with `key` (None: plain), schema
    version included: how a database changes between plain and encrypted, which SQLite's
    backup API cannot do."""
    version = source.execute("PRAGMA user_version").fetchone()[0]
    target_key = _literal(key or "")
    attached = _literal(os.path.abspath(dest))
    source.execute(f"ATTACH DATABASE {attached} AS converted KEY {target_key}")
    try:
        source.execute("SELECT sqlcipher_export('converted')")
        source.execute(f"PRAGMA converted.user_version = {int(version)}")
    finally:
        source.execute("DETACH DATABASE converted")


def copy_as(path: Path, key: str | None, dest: Path, dest_key: str | None) -> None:
    """Copy the database file at `path` (opened with `key`, None for plain) into the new
    file `dest`, encrypted with `dest_key` (None: plain); `dest` is made 0600."""
    if not available():
        raise InvalidInput(_("encryption needs the extra: pip install 'crmcli[encrypt]'"))
    create_private_file(dest)
    source = open_as(path, key, readonly=True)
    try:
        export(source, dest, dest_key)
    finally:
        source.close()


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _plain_cipher(target: str, timeout: float, *, uri: bool = False) -> CipherConnection:
    """A plain (unencrypted) file opened through sqlcipher3, for sqlcipher_export()."""
    from sqlcipher3 import dbapi2

    raw = dbapi2.connect(target, isolation_level=None, timeout=timeout, uri=uri)
    raw.row_factory = dbapi2.Row
    return CipherConnection(raw, dbapi2.Error)
