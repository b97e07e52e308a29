"""The store's unit of work (crmcli.store.db.write): the only writer of the database.

The source scan proves that no module outside the store's unit of work (and the migration
runner) begins, commits or rolls back a transaction or opens the database for writing; the
behaviour tests prove what every writer now gets from it: no file left by a refused first
write, nothing changed by a failure inside it (the hooks after the commit: test_hooks.py)."""

import ast
import re
import sqlite3
from pathlib import Path

import pytest

from crmcli.core.errors import InvalidInput, StorageError
from crmcli.store import db
from tests.conftest import dump, fails, ok

PACKAGE = Path(__file__).resolve().parent.parent / "crmcli"
# The unit of work, the bare transaction under it, and the migration runner.
WRITERS = {"crmcli.store.db", "crmcli.store.connection", "crmcli.store.migrations"}
# END alone or END TRANSACTION is COMMIT; upper case only, as a dict key "end" is no SQL.
TRANSACTION_SQL = re.compile(
    r"^\s*((?i:BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|VACUUM)|END(?=\s+TRANSACTION|\s*;?\s*$))"
    r"(\s|;|$)"
)


# --- the source scan -------------------------------------------------------------------------


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _leading_text(node: ast.AST) -> str | None:
    """The text a string expression starts with (an f-string's first literal part)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        return _leading_text(node.values[0])
    return None


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_constant(node: ast.expr | None, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def write_transactions(source: str) -> list[str]:
    """Every place in `source` that opens, ends or nests a write transaction or opens the
    database for writing, as 'line: what'."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        text = _leading_text(node) if not isinstance(node, ast.FormattedValue) else None
        if text is not None and id(node) not in docstrings:
            match = TRANSACTION_SQL.match(text)
            # a string inside an f-string is reported once, by the f-string
            if match and not (isinstance(node, ast.Constant) and _inside_fstring(tree, node)):
                found.append(f"{node.lineno}: SQL {match[1].upper()}")
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if isinstance(func, ast.Attribute) and name in ("commit", "rollback"):
            found.append(f"{node.lineno}: .{name}()")
        elif name == "transaction":
            found.append(f"{node.lineno}: transaction()")
        elif name == "connect" and _keyword(node, "write") is not None:
            if not _is_constant(_keyword(node, "write"), False):
                found.append(f"{node.lineno}: connect(write=...)")
        elif name == "open_file" and not _is_constant(_keyword(node, "readonly"), True):
            found.append(f"{node.lineno}: open_file(readonly=False)")
    return found


def _inside_fstring(tree: ast.AST, constant: ast.Constant) -> bool:
    return any(
        isinstance(n, ast.JoinedStr) and any(v is constant for v in n.values)
        for n in ast.walk(tree)
    )


def modules() -> dict[str, Path]:
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names[".".join(parts).removesuffix(".__init__")] = path
    return names


def test_only_the_unit_of_work_opens_a_write_transaction() -> None:
    offenders = {
        name: hits
        for name, path in sorted(modules().items())
        if name not in WRITERS and (hits := write_transactions(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_scan_finds_the_unit_of_work_itself() -> None:
    """The scan is not blind: it sees the writes of the modules it allows."""
    found = {name: write_transactions(modules()[name].read_text("utf-8")) for name in WRITERS}
    kinds = {hit.split(": ", 1)[1] for hits in found.values() for hit in hits}
    assert {"SQL BEGIN", "SQL COMMIT", "SQL ROLLBACK", "SQL SAVEPOINT", "SQL VACUUM"} <= kinds
    assert {"transaction()", "connect(write=...)", "open_file(readonly=False)"} <= kinds
    assert any("transaction()" in hit for hit in found["crmcli.store.migrations"])


@pytest.mark.parametrize(
    "line",
    [
        'conn.execute("BEGIN IMMEDIATE")',
        "conn.execute('commit')",
        'conn.execute(f"ROLLBACK TO {name}")',
        'sql = "SAVEPOINT one"',
        "conn.commit()",
        "with transaction(conn):\n    pass",
        "db.connect(path, write=True)",
        "connect(path, write=writable)",
        "open_file(path, readonly=False)",
        "open_file(path, readonly=flag)",
        'conn.execute("VACUUM")',
        'conn.execute("END")',
    ],
)
def test_the_scan_catches_each_way_of_writing(line: str) -> None:
    assert len(write_transactions(line)) == 1


@pytest.mark.parametrize(
    "line",
    [
        '"""Begin here: a docstring."""',
        'conn.execute("SELECT 1")',
        'text = "BEGIN:VCARD"',
        'sql = "END AS tier FROM customers"',
        'bound = {"end": day}',
        "db.connect(path, write=False)",
        "open_file(path, readonly=True)",
        'sql = "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END"',
    ],
)
def test_the_scan_leaves_reading_alone(line: str) -> None:
    assert write_transactions(line) == []


# --- a refused first write leaves no file ------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "args"),
    [
        (2, ["import", "customers", "{bad}"]),
        (3, ["merge", "1", "2", "--yes"]),
        (3, ["forget", "1", "--yes"]),
        (2, ["config", "set", "nosuch", "1"]),
    ],
)
def test_a_refused_first_write_leaves_no_file(
    db_path: Path, tmp_path: Path, code: int, args: list[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nAnna,not-an-email\n")
    fails(code, *(a.replace("{bad}", str(bad)) for a in args))
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["bad.csv"]


def test_a_refused_demo_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crmcli.demo import build

    def refuse(conn: sqlite3.Connection, **_: object) -> dict[str, int]:
        conn.execute("INSERT INTO settings (key, value) VALUES ('default_region', 'CN')")
        raise InvalidInput("refused half-way")

    monkeypatch.setattr(build, "build", refuse)
    target = tmp_path / "demo" / "demo.db"
    target.parent.mkdir(mode=0o700)
    assert fails(2, "demo", "--db", str(target)) == "crm: refused half-way\n"
    assert not target.exists() and list(target.parent.iterdir()) == []


# --- the unit of work itself -----------------------------------------------------------------


ADD_ANNA = (
    "INSERT INTO customers (name, name_key, city, created_at, updated_at) "
    "VALUES ('Anna', 'anna', 'Lyon', '2026-11-22T02:00:00+00:00', '2026-11-22T02:00:00+00:00')"
)


def test_a_failure_inside_the_unit_of_work_changes_nothing(db_path: Path) -> None:
    ok("add", "Anna")
    before = dump(db_path)
    with pytest.raises(RuntimeError), db.write(db_path, command="t", warn=print) as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('default_region', 'FR')")
        conn.execute("UPDATE customers SET name = 'Zoe'")
        raise RuntimeError("boom")
    assert dump(db_path) == before
    with (
        pytest.raises(StorageError, match="database error"),
        db.write(db_path, command="t", warn=print) as conn,
    ):
        conn.execute("UPDATE customers SET name = 'Zoe'")
        conn.execute("INSERT INTO no_such_table VALUES (1)")
    assert dump(db_path) == before


def test_a_failed_first_write_removes_the_file_it_created(db_path: Path) -> None:
    with pytest.raises(InvalidInput), db.write(db_path, command="t", warn=print) as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('default_region', 'FR')")
        raise InvalidInput("no")
    assert not db_path.exists()


def test_the_unit_of_work_records_indexes_and_commits(db_path: Path) -> None:
    from crmcli.store import search

    with db.write(db_path, command="add", warn=print) as conn:
        conn.execute(ADD_ANNA)
    assert db_path.stat().st_mode & 0o777 == 0o600
    conn = db.connect(db_path, write=False)
    try:
        assert search.check(conn) == []  # synced before the commit
        assert [r[0] for r in conn.execute("SELECT command FROM changesets")] == ["add"]
    finally:
        conn.close()
