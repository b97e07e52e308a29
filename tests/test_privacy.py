"""Privacy: forget (erasure), subject export, masking of national IDs on every output path,
and what a merge keeps of the merged-away customer."""

import json
import re
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.cli import output
from crmcli.store import history
from crmcli.store.db import connect
from tests.conftest import crm, dump, fails, ok, rows

NID = "11010519491231002X"


def seed() -> None:
    ok("config", "set", "default_region", "CN")
    ok("add", "张伟", "--phone", "13800138000", "--city", "北京", "--national-id", NID)
    ok("add", "Li Na", "--email", "li@example.com")


# --- forget ----------------------------------------------------------------------------------

MARKERS = [f"Qz{n:02d}mark" for n in range(40)]


def marker_world(db: Path) -> dict[str, str]:
    """A customer with a unique marker in every field of every table, a neighbour who refers
    to them, a search index like the one the search feature keeps, and a table added by
    another feature; returns {what: marker}."""
    m = iter(MARKERS)
    placed: dict[str, str] = {}

    def mark(what: str) -> str:
        placed[what] = next(m)
        return placed[what]

    ok("config", "set", "default_region", "CN")
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute(
        "CREATE TABLE later_notes (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL "
        "REFERENCES customers(id) ON DELETE CASCADE, body TEXT)"
    )
    conn.execute("CREATE VIRTUAL TABLE customer_search USING fts5(name, notes, content='customers', content_rowid='id')")  # fmt: skip
    # (trusted_schema=OFF forbids triggers that write to a virtual table: the search feature
    # keeps its index up to date from Python; here a 'rebuild' below stands for that.)
    conn.execute("CREATE VIRTUAL TABLE notes_index USING fts5(customer_id UNINDEXED, body)")
    conn.execute("BEGIN")
    history.install_triggers(conn)
    conn.execute("COMMIT")
    conn.close()
    ok("add", "Other Person", "--notes", "keeps searchable words", "--city", "上海")
    texts = {
        "--company": "company", "--title": "title", "--address": "address", "--city": "city",
        "--region": "region", "--country": "country", "--industry": "industry",
        "--company-size": "size", "--source": "source", "--preferred-channel": "channel",
        "--preferred-time": "time", "--external-id": "external",
    }  # fmt: skip
    args = ["add", f"Name {mark('name')}", "--notes", f"注 {mark('notes')}"]
    for flag, what in texts.items():
        args += [flag, mark(what)]
    args += ["--phone", "+8613712345678", "--email", f"{mark('email')}@example.com"]
    args += ["--field", f"{mark('field key')}={mark('field value')}"]
    args += ["--related", f"{mark('relation')}={mark('related name')}", "--national-id", NID]
    ok(*args)
    ok("edit", "2", "--notes", f"edited {mark('old notes')}", "--city", mark("old city"))
    ok("log", "call", "2", f"called {mark('interaction')}", "--outcome", mark("outcome"),
       "--channel", mark("interaction channel"))  # fmt: skip
    ok("task", "add", "2", f"send {mark('task')}", "--due", "tomorrow")
    ok("date", "add", "2", mark("date label"), "2020-05-01")
    ok("buy", "2", mark("item"), "9.99", "--currency", "CNY", "--category", mark("category"),
       "--note", mark("purchase note"), "--order", mark("order ref"),
       "--payment", mark("payment"))  # fmt: skip
    ok("tag", mark("tag"), "2")
    ok("stage", "2", "prospect", "--reason", mark("stage reason"))
    ok("edit", "1", "--referred-by", "2", "--related", f"{mark('their relation')}=#2")
    conn = sqlite3.connect(db, isolation_level=None)
    from crmcli.store.db import transaction

    with transaction(conn, command="feedback add"):
        conn.execute(
            "INSERT INTO later_notes (customer_id, body) VALUES (2, ?)", (mark("later_notes"),)
        )
        conn.execute(
            "INSERT INTO notes_index (customer_id, body) VALUES (2, ?), (1, 'other words')",
            (mark("index"),),
        )
    conn.execute("INSERT INTO customer_search(customer_search) VALUES ('rebuild')")
    conn.close()
    return placed


def occurrences(db: Path, markers: list[str]) -> dict[str, int]:
    blobs = [p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-journal")) if p.exists()]
    found = {}
    for marker in markers:
        needle = marker.encode()
        hits = sum(b.count(needle) + b.lower().count(needle.lower()) for b in blobs)
        hits += sum(b.count(b"13712345678") for b in blobs) if marker == markers[0] else 0
        if hits:
            found[marker] = hits
    return found


def test_forget_leaves_no_trace_in_the_file_or_wal(db_path):
    placed = marker_world(db_path)
    markers = list(placed.values())
    export = ok("subject-export", "2", "--reveal")
    derived = ("their relation", "index")  # another customer's row; a search index's copy
    missing = [w for w, m in placed.items() if w not in derived and m.lower() not in export.lower()]
    assert missing == []  # the export holds every record of theirs
    assert len(occurrences(db_path, markers)) >= len(markers) - 2  # all there before
    result = crm("forget", "2", "--yes")
    out = result.stdout
    assert out.startswith("Erased customer 2: ")
    assert "backups folder" not in result.stderr  # there is none yet: named only when it is
    assert re.search(r"\d+ search indexes rebuilt", out)
    assert occurrences(db_path, markers) == {}
    assert NID.encode() not in db_path.read_bytes()
    wal = Path(f"{db_path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    # Everyone else is intact and still searchable.
    assert ok("list", "-q") == "1\n"
    conn = sqlite3.connect(db_path)
    assert conn.execute(
        "SELECT rowid FROM customer_search WHERE customer_search MATCH 'searchable'"
    ).fetchall() == [(1,)]
    assert conn.execute("SELECT count(*) FROM notes_index").fetchone()[0] == 1
    assert conn.execute("SELECT referred_by FROM customers WHERE id = 1").fetchone()[0] is None
    assert conn.execute("SELECT count(*) FROM customer_relations").fetchone()[0] == 0
    # Of them, the history keeps only that customer 2 was erased (for the feed and hooks).
    assert conn.execute(
        "SELECT table_name, op, old, new FROM history WHERE customer_id = 2"
    ).fetchall() == [("customers", "delete", None, None)]
    conn.close()
    ok("check")
    fails(3, "show", "2")
    # And a new backup made afterwards holds none of it either.
    backup = Path(ok("backup", "-q").strip())
    blob = backup.read_bytes().lower()
    assert not [m for m in markers if m.lower().encode() in blob]


def test_forget_asks_on_a_terminal_and_warns_about_backups(db_path, monkeypatch):
    seed()
    fails(2, "forget", "2", db=db_path)
    fails(3, "forget", "99", "--yes", db=db_path)
    monkeypatch.setattr(output, "is_terminal", lambda stream: stream is sys.stdin)  # a person
    result = crm("forget", "Li Na", input="n\n")
    assert result.exit_code == 1 and ok("list", "-q") == "1\n2\n"
    result = crm("forget", "Li Na", input="y\n")
    assert result.exit_code == 0, result.stderr
    assert "Erase customer 2 (Li Na)" in result.stderr
    assert "backups and exports made before now still hold" in result.stderr
    assert ok("list", "-q") == "1\n"


# --- subject export --------------------------------------------------------------------------


def test_subject_export_is_one_customers_complete_data(db_path):
    seed()
    ok("log", "meeting", "1", "met at the fair")
    ok("buy", "1", "Tea", "12.50", "--currency", "CNY")
    ok("tag", "vip", "1")
    data = json.loads(ok("subject-export", "张伟"))
    assert set(data) == {"customer", "tags", "records", "history"}
    assert data["customer"]["name"] == "张伟"
    assert data["customer"]["national_id"] == "110105********002X"
    assert data["tags"] == ["vip"]
    assert set(data["records"]) >= {"customer_phones", "interactions", "purchases", "customer_tags"}
    assert data["records"]["purchases"][0]["amount_minor"] == 1250
    assert all(r["customer_id"] == 1 for rs in data["records"].values() for r in rs)
    assert "Li Na" not in json.dumps(data, ensure_ascii=False)
    assert json.loads(ok("subject-export", "1", "--reveal"))["customer"]["national_id"] == NID
    fails(2, "subject-export", "1", "--format", "csv")
    fails(3, "subject-export", "9")
    assert json.loads(ok("export", "张伟")) == data  # the same document


def test_one_customers_export_goes_to_a_private_file_with_o(db_path, tmp_path):
    """`crm export REF -o FILE`, as every other export: mode 0600, replaced with --force
    only, and the file's first lines are a document crm knows it wrote."""
    seed()
    target = tmp_path / "zw.json"
    result = crm("export", "张伟", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == "", result.stderr
    assert f"Exported 1 customer to {target}." in result.stderr
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(ok("export", "1"))
    assert target.stat().st_mode & 0o777 == 0o600
    assert "already exists" in fails(2, "export", "1", "-o", str(target))
    ok("export", "2", "-o", str(target), "--force", "-q")
    assert json.loads(target.read_text(encoding="utf-8"))["customer"]["id"] == 2
    assert fails(2, "export", "1", "-o", str(tmp_path / "zw.csv")) == (  # JSON only
        "crm: this export is written as json, not csv\n"
    )
    assert not (tmp_path / "zw.csv").exists()
    mine = tmp_path / "mine.json"  # a user's own document is never replaced
    mine.write_text('{\n  "customer": {\n    "id": 7}}\n', encoding="utf-8")
    mine.chmod(0o644)
    assert "not a file crm wrote" in fails(2, "export", "1", "-o", str(mine), "--force")


# --- masking (T14) ---------------------------------------------------------------------------

_PROVINCES = ["11", "31", "44", "51", "65"]
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def national_id_of(region: str, rest: str, born: date, seq: int) -> str:
    """A valid 18-character national ID: region, birth date, sequence, check digit."""
    body = f"{region}{rest}{born:%Y%m%d}{seq:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


def national_ids() -> st.SearchStrategy[str]:
    return st.builds(
        national_id_of,
        st.sampled_from(_PROVINCES),
        st.from_regex(r"\A(0[1-9]|[1-6][0-9]|70)(0[1-9]|[1-9][0-9])\Z"),  # GB/T 2260 shape
        st.dates(date(1930, 1, 1), date(2020, 12, 31)),
        st.integers(0, 999),
    )


# What may stand either side of a number quoted in a message or a record.
_AROUND = st.sampled_from(["", " ", "'", '"', "=", ":", "no customer matches '", "#", "\t"])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(number=national_ids(), left=_AROUND, right=_AROUND)
def test_national_id_never_shown_unmasked_without_reveal(number, left, right):
    """Every way a national ID reaches output goes through one of these masks: records and
    history values (mask_national_id, shown_values), error and table lines (mask_in_text)."""
    from crmcli.core import validate

    assert validate.national_id(number.lower(), date(2026, 11, 22)) == number
    shown = [
        validate.mask_national_id(number),
        json.dumps(
            history.shown_values({"national_id": number, "city": "上海"}, False, "customers")
        ),
    ]
    shown += [validate.mask_in_text(f"{left}{n}{right}") for n in (number, number.lower())]
    leaks = [o for o in shown if number in o or number.lower() in o]
    assert leaks == []
    assert history.shown_values({"national_id": number}, True, "customers") == {
        "national_id": number
    }


@settings(max_examples=200, deadline=None, derandomize=True)
@given(value=st.none() | national_ids() | st.text(st.characters(blacklist_characters="\x00")))
def test_the_history_triggers_mask_as_every_output_does(value):
    """The SQL mask the history triggers store is the Python mask outputs use."""
    from crmcli.core import validate

    conn = sqlite3.connect(":memory:")
    stored = conn.execute(f"SELECT {history.mask_sql('?1')}", (value,)).fetchone()[0]
    conn.close()
    assert stored == validate.mask_national_id(value)


@pytest.mark.parametrize(
    "number",
    [
        national_id_of("11", "0105", date(1949, 12, 31), 2),
        national_id_of("44", "0304", date(2001, 2, 28), 417),
        national_id_of("65", "7001", date(1930, 1, 1), 999),
    ],
)
def test_national_id_never_shown_unmasked_by_any_command(db_path, number):
    ok("add", "Masked", "--national-id", number)
    wrong = number[:-1] + ("0" if number[-1] != "0" else "1")
    outputs = [
        ok("show", "1"),
        ok("show", "1", "--format", "json"),
        ok("list", "--format", "json"),
        ok("history"),
        ok("history", "--format", "jsonl"),
        ok("subject-export", "1"),
        crm("edit", "1", "--national-id", wrong).stderr,
        crm("list", "--where", number).stderr,
        crm("show", number).stderr,
        crm("show", number.lower()).stderr,
        crm("edit", "1", "--city", "上海").stdout,
        crm("undo").stdout,
    ]
    leaks = [o for o in outputs if number in o or number.lower() in o]
    assert leaks == []
    assert number in ok("show", "1", "--reveal")


def test_national_id_from_stdin_or_a_hidden_prompt(db_path, monkeypatch):
    ok("add", "A", "--national-id", "-", input=NID + "\n")
    assert NID in ok("show", "1", "--reveal")
    import crmcli.cli.customers as customers_cli

    monkeypatch.setattr(customers_cli, "is_terminal", lambda stream: True)
    second = "110105198001010032"
    result = crm("add", "B", "--national-id", "-", input=second + "\n")
    assert result.exit_code == 0, result.stderr
    assert second not in result.stdout + result.stderr  # the prompt does not echo it
    assert second in ok("show", "2", "--reveal")


def test_export_ref_is_the_data_subject_export(db_path):
    ok("add", "Anna", "--national-id", NID, "--city", "Paris")
    data = json.loads(ok("export", "Anna"))
    assert data["customer"]["name"] == "Anna" and NID not in json.dumps(data)
    assert (
        json.loads(ok("export", "customer", "Anna", "--reveal"))["customer"]["national_id"] == NID
    )
    assert fails(3, "export", "nobody").startswith("crm: no customer matches 'nobody' (to export")


def test_forget_also_removes_relations_that_name_them(db_path):
    ok("add", "Zqxmarker")
    ok("add", "Other", "--related", "colleague=Zqxmarker")
    ok("forget", "Zqxmarker", "--yes")
    assert json.loads(ok("show", "Other", "-f", "json"))["related"] == []
    assert b"zqxmarker" not in db_path.read_bytes().lower()


# --- merge, undo and forget: what is kept of the merged-away customer ----------------------

KEEP_NID = NID
OTHER_NID = "110105198001010032"
OTHER_MARKERS = ["QzOtherName", "QzOtherNotes", "QzOtherCompany", "qzother@example.com", "QzCall"]
KEEP_MARKERS = ["QzKeepName", "QzKeepNotes"]


def hidden(number: str) -> str:
    """The digits a masked number hides (`110105********002X` keeps the rest)."""
    return number[6:14]


def merge_world() -> None:
    """Customer 1 (to keep) and 2 (the duplicate), each with a national ID and markers."""
    ok("config", "set", "default_region", "CN")
    ok("add", "QzKeepName Wang", "--national-id", KEEP_NID, "--notes", "QzKeepNotes",
       "--phone", "13800138000")  # fmt: skip
    ok("add", "QzOtherName Wang", "--national-id", OTHER_NID, "--notes", "QzOtherNotes",
       "--company", "QzOtherCompany", "--email", "qzother@example.com")  # fmt: skip
    ok("log", "call", "2", "QzCall about tea")


def raw_bytes(db: Path) -> bytes:
    """The database, its -wal and its -shm, as bytes, lower-cased."""
    paths = [db, Path(f"{db}-wal"), Path(f"{db}-shm")]
    return b"".join(p.read_bytes() for p in paths if p.exists()).lower()


def found_in(db: Path, needles: list[str]) -> list[str]:
    blob = raw_bytes(db)
    return [n for n in needles if n.lower().encode() in blob]


def test_merge_undo_merge_forget_leaves_no_trace_in_the_file_wal_or_shm(db_path):
    merge_world()
    everything = [*KEEP_MARKERS, *OTHER_MARKERS, KEEP_NID, OTHER_NID]
    assert found_in(db_path, everything) == everything  # all there before
    ok("merge", "1", "2", "--yes")
    ok("undo", "--yes")
    ok("merge", "1", "2", "--yes")
    out = ok("forget", "1", "--yes")
    assert out.startswith("Erased customer 1: ") and out.rstrip().endswith("file vacuumed.")
    needles = [*everything, hidden(KEEP_NID), hidden(OTHER_NID)]
    assert found_in(db_path, needles) == []
    assert rows(db_path, "SELECT count(*) FROM customer_merges") == [(0,)]
    assert rows(db_path, "SELECT count(*) FROM history_secrets") == [(0,)]
    # Of the person (and the duplicate merged into them) only the erasure itself is left.
    assert rows(
        db_path,
        "SELECT table_name, row_id, op, old, new FROM history "
        "WHERE customer_id IS NOT NULL OR table_name LIKE 'customer%'",
    ) == [("customers", 1, "delete", None, None)]
    assert ok("list", "-q") == ""


def test_forget_after_merge_and_undo_leaves_nothing_of_them_in_the_keepers_history(db_path):
    merge_world()
    ok("merge", "1", "2", "--yes")
    ok("undo", "--yes")
    ok("forget", "2", "--yes")
    assert found_in(db_path, [*OTHER_MARKERS, OTHER_NID, hidden(OTHER_NID)]) == []
    assert found_in(db_path, KEEP_MARKERS) == KEEP_MARKERS  # the keeper is intact
    keeper = json.loads(ok("show", "1", "--reveal", "-f", "json"))
    assert keeper["national_id"] == KEEP_NID and keeper["notes"] == "QzKeepNotes"
    assert "qzother" not in ok("history", "1", "-f", "json", "--reveal").lower()


def user_rows(db: Path) -> list[str]:
    """Every row of every table that holds records (not history, not the search index)."""
    skip = ("history", "changesets", "history_secrets", "sqlite_", "search")
    inserts = (re.match(r'INSERT INTO "([^"]+)"', line) for line in dump(db).splitlines())
    return [m.string for m in inserts if m and not m.group(1).startswith(skip)]


def test_undo_of_a_merge_restores_both_customers_exactly_and_their_history(db_path):
    merge_world()
    before = user_rows(db_path)
    other_history = rows(db_path, "SELECT id FROM history WHERE customer_id = 2 ORDER BY id")
    ok("merge", "1", "2", "--yes")
    # The merged-away customer's history stays theirs: not moved to the keeper.
    assert rows(
        db_path, "SELECT id FROM history WHERE customer_id = 2 AND id <= ? ORDER BY id",
        other_history[-1][0],
    ) == other_history  # fmt: skip
    assert rows(db_path, "SELECT record FROM customer_merges")[0][0].count(OTHER_NID) == 0
    ok("undo", "--yes")
    assert user_rows(db_path) == before
    assert json.loads(ok("show", "2", "--reveal", "-f", "json"))["national_id"] == OTHER_NID
    assert rows(
        db_path, "SELECT id FROM history WHERE customer_id = 2 AND id <= ? ORDER BY id",
        other_history[-1][0],
    ) == other_history  # fmt: skip


def test_undo_of_a_national_id_edit_restores_the_clear_number(db_path):
    ok("add", "A", "--national-id", KEEP_NID)
    ok("edit", "1", "--national-id", OTHER_NID)
    assert found_in(db_path, [KEEP_NID]) == [KEEP_NID]  # kept for undo, never shown
    assert KEEP_NID not in ok("history", "-f", "json") + ok("changes")
    assert KEEP_NID in ok("history", "-f", "json", "--reveal")
    ok("undo", "--yes")
    assert json.loads(ok("show", "1", "--reveal", "-f", "json"))["national_id"] == KEEP_NID
    ok("edit", "1", "--unset", "national_id")
    ok("undo", "--yes")
    assert json.loads(ok("show", "1", "--reveal", "-f", "json"))["national_id"] == KEEP_NID


def payload_hooks(db: Path, log: Path) -> None:
    """Hooks beside the database that append the whole payload they are given to `log`."""
    folder = db.parent / "hooks"
    folder.mkdir()
    for name in ("on-add", "on-modify", "on-delete"):
        script = folder / name
        script.write_text(
            f"#!{sys.executable}\nimport sys\n"
            f"open({str(log)!r}, 'a').write({name!r} + ' ' + sys.stdin.read() + '\\n')\n"
        )
        script.chmod(0o700)
    folder.chmod(0o700)
    connect(db, write=True).close()  # the trust is for this database file: make it first
    ok("--db", str(db), "hooks", "trust")


SUBSTR_QUERIES = [
    # The audit's trick: cut the value so no whole number is left for the output mask to see.
    "SELECT substr(record, instr(record, '\"national_id\"') + 16, 9) AS a, "
    "substr(record, instr(record, '\"national_id\"') + 25, 9) AS b FROM customer_merges",
    "SELECT substr(new, instr(new, 'national_id') + 14, 9) AS a, "
    "substr(new, instr(new, 'national_id') + 23, 9) AS b, substr(old, 1, 9999) AS c FROM history",
    "SELECT substr(old, instr(old, 'national_id') + 14, 9) AS a, "
    "substr(new, instr(new, 'national_id') + 23, 9) AS b FROM history_secrets",
    "SELECT substr(national_id, 1, 9) AS a, substr(national_id, 10, 9) AS b FROM customers",
]


def test_no_output_path_shows_a_national_id_after_a_merge(db_path, tmp_path):
    log = tmp_path / "payloads.log"
    payload_hooks(db_path, log)
    merge_world()
    ok("merge", "1", "2", "--yes")
    outputs = {
        "changes": ok("changes"),
        "changes json": ok("changes", "-f", "json"),
        "history json": ok("history", "-f", "json", "--limit", "0"),
        "history of the keeper": ok("history", "1", "-f", "jsonl"),
        "undo preview": crm("undo").stdout,
        "subject-export of the keeper": ok("subject-export", "1"),
        "hook payloads": log.read_text(),
        **{f"sql {i}": ok("sql", q, "-f", "json") for i, q in enumerate(SUBSTR_QUERIES)},
    }
    for number in (KEEP_NID, OTHER_NID):
        leaks = [k for k, text in outputs.items() if number in text or hidden(number) in text]
        assert leaks == [], number
    assert "110105********0032" in outputs["history json"]  # shown, masked
    # The keeper's own data, revealed, never holds the other person's number.
    revealed = ok("subject-export", "1", "--reveal")
    assert KEEP_NID in revealed and OTHER_NID not in revealed and hidden(OTHER_NID) not in revealed


def test_forget_fires_on_delete_with_no_erased_value(db_path, tmp_path):
    log = tmp_path / "payloads.log"
    payload_hooks(db_path, log)
    merge_world()
    log.unlink()
    ok("forget", "2", "--yes")
    event, payload = log.read_text().split(" ", 1)
    data = json.loads(payload)
    assert event == "on-delete" and data["command"] == "forget"
    assert data["customer_ids"] == [2]
    assert [(c["table"], c["record_id"], c["op"], c["field"]) for c in data["changes"]] == [
        ("customers", 2, "delete", None)
    ]
    assert [m for m in [*OTHER_MARKERS, OTHER_NID] if m.lower() in payload.lower()] == []
    # The change feed tells a follower the same: customer 2 is gone, nothing about them.
    last = json.loads(ok("changes", "-f", "jsonl").splitlines()[-1])
    assert (last["command"], last["customer_id"], last["op"], last["old"]) == (
        "forget", 2, "delete", None,
    )  # fmt: skip


def test_forget_on_a_full_disk_says_the_erase_is_committed_but_not_vacuumed(tmp_path):
    from tests.test_faults import LIMITED, env_for

    db = tmp_path / "full.db"
    ok("demo", "--db", str(db), "--customers", "300")
    ok("--db", str(db), "add", "QzFullName", "--notes", "QzFullNotes", "--national-id", OTHER_NID)
    ok("--db", str(db), "edit", "QzFullName", "--city", "QzFullCity")
    # Compact first, so VACUUM after the erase can shrink the file by a page or two at most:
    # its copy of ~1,300 pages, 24 bytes more each in the WAL, then outgrows the old size.
    conn = sqlite3.connect(db)
    conn.execute("VACUUM")
    conn.close()
    size = db.stat().st_size
    proc = subprocess.run(
        [sys.executable, "-c", LIMITED, str(size), "--db", str(db), "forget", "QzFullName",
         "--yes"],  # room for the erase in the WAL, none for VACUUM's copy of the file
        env=env_for(db), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "Erased customer 301: " in proc.stdout and "file NOT vacuumed." in proc.stdout
    last = proc.stderr.splitlines()[-1]
    assert last.startswith("crm: customer 301 is erased (committed; it cannot be undone), but ")
    assert "nothing was changed" not in proc.stderr and "Traceback" not in proc.stderr
    # The truth: they are erased, and none of their bytes is left in the file or its WAL.
    assert fails(3, "--db", str(db), "show", "QzFullName")
    assert found_in(db, ["QzFullName", "QzFullNotes", "QzFullCity", OTHER_NID]) == []
    ok("--db", str(db), "check")


def test_an_id_document_column_is_never_kept_as_a_plain_field(db_path, tmp_path):
    source = tmp_path / "people.csv"
    source.write_text(
        f"姓名,证件号码,护照号码,微信\n张三,{OTHER_NID},E12345678,wx1\n", encoding="utf-8"
    )
    result = crm("import", "customers", str(source), "--keep-unknown")
    assert result.exit_code == 0 and "护照号码" in result.stderr  # named ignored
    # ...without offering the --keep-unknown that was given
    assert "with --keep-unknown" not in result.stderr
    assert "identity documents are never kept as fields" in result.stderr
    shown = json.loads(ok("show", "张三", "-f", "json"))
    assert shown["national_id"] == "110105********0032"
    assert shown["fields"] == {"wechat": "wx1"}
    assert OTHER_NID not in ok("show", "张三") + ok("history", "-f", "json")
    assert "E12345678" not in ok("show", "张三") + dump(db_path)


def test_forget_names_the_backups_folder_only_when_there_is_one(db_path):
    ok("add", "Anna")
    ok("add", "Bob")
    assert "backups folder" not in crm("forget", "1", "--yes").stderr
    folder = Path(ok("backup", "-q").strip()).parent
    assert f"backups folder: {folder}" in crm("forget", "2", "--yes").stderr


# --- a national ID anywhere but the national ID ---------------------------------------------


def every_output_of_customer_1() -> str:
    """What `crm show`, the CSV export, the history and `crm sql` give of customer 1."""
    return "".join(
        [
            ok("show", "1"),
            ok("show", "1", "-f", "json"),
            ok("export", "customers", "-f", "csv"),
            ok("history", "-f", "json"),
            ok("sql", "SELECT hex(value) AS v FROM customer_fields"),
            ok("sql", "SELECT * FROM customers"),
        ]
    )


@pytest.mark.parametrize(
    "header", ["idcard", "id_no", "ID No.", "id_card", "ID Card No", "Citizen ID", "身份证号码"]
)
def test_a_national_id_under_an_id_card_header_is_the_national_id(db_path, tmp_path, header):
    source = tmp_path / "people.csv"
    source.write_text(f"name,{header},wechat\nZhang San,{NID},wx1\n", encoding="utf-8")
    result = crm("import", "customers", str(source), "--keep-unknown")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(ok("show", "1", "-f", "json"))
    assert shown["national_id"] == "110105********002X"
    assert shown["fields"] == {"wechat": "wx1"}
    everything = every_output_of_customer_1()
    assert NID not in everything and NID.encode().hex().upper() not in everything


ID_FIELD = "holds a national ID number, which crm keeps only as the national ID (masked on output)"


def test_a_national_id_given_as_a_user_defined_field_is_refused(db_path):
    ok("add", "Zhang San", "--field", "wechat=wx1")
    refused = [
        ("身份证", ("add", "Li Si", "--field", f"身份证={NID}")),
        ("cert", ("edit", "1", "--field", f"cert={NID}")),
        ("cert", ("edit", "1", "--field", f"cert={NID.lower()}")),
        ("note", ("edit", "1", "--field", f"note=ID: {NID}.")),  # inside other words, too
        ("idno", ("edit", "1", "--set", f"field.idno={NID}")),
        ("wechat", ("edit", "1", "--set", f"wechat={NID}")),
        ("certificate", ("edit", "--all", "--field", f"certificate={NID}")),
        # written the way people write them (the audit's bypass): groups, full-width digits
        ("z", ("edit", "1", "--field", f"z={NID[:6]}-{NID[6:14]}-{NID[14:]}")),
        ("y", ("edit", "1", "--field", "y=" + " ".join(NID[i : i + 4] for i in range(0, 18, 4)))),
        (
            "w",
            ("edit", "1", "--field", "w=" + NID.translate({c: c + 0xFEE0 for c in range(48, 91)})),
        ),
        ("v", ("edit", "1", "--field", f"v={NID[:6]}\u2010{NID[6:14]}\u2013{NID[14:]}")),
        ("u", ("edit", "1", "--field", f"u={NID[:6]}/{NID[6:14]}/{NID[14:]}")),
        ("t", ("edit", "1", "--field", f"t=ref 5 {NID}")),  # a number just before it
        ("s", ("edit", "1", "--field", f"s=ID 5 {NID[:6]}-{NID[6:14]}-{NID[14:]}")),
    ]
    for key, args in refused:
        err = fails(2, *args, db=db_path)
        assert err == f"crm: field {key} {ID_FIELD}; give it with --national-id\n", args
    assert NID not in every_output_of_customer_1()
    # numbers that are not a valid national ID are anyone's business: a passport number, an
    # order number of 18 digits whose check digit does not fit, a longer run of digits
    ok("edit", "1", "--field", "passport=E12345678", "--field", "order=110105194912310021",
       "--field", f"serial=9{NID[:-1]}")  # fmt: skip
    # the way the refusal points: the national ID, masked
    ok("edit", "1", "--national-id", "-", input=f"{NID}\n")
    assert json.loads(ok("show", "1", "-f", "json"))["national_id"] == "110105********002X"


def test_an_unknown_import_column_holding_a_national_id_is_a_rejected_row(db_path, tmp_path):
    source = tmp_path / "people.csv"
    source.write_text(
        f"name,cert,wechat\nZhang San,{NID},wx1\nLi Si,E12345678,wx2\n", encoding="utf-8"
    )
    ok("add", "Someone")
    err = fails(2, "import", "customers", str(source), "--keep-unknown", db=db_path)
    assert err.splitlines()[1] == (
        f'  row 2: column cert {ID_FIELD}; give it with --map "cert=national_id"'
    )
    result = crm("import", "customers", str(source), "--keep-unknown", "--skip-invalid")
    assert result.exit_code == 0, result.stderr
    assert "1 inserted, 0 updated, 0 unchanged, 1 rejected (2 rows)" in result.stderr
    assert json.loads(ok("show", "Li Si", "-f", "json"))["fields"] == {
        "cert": "E12345678", "wechat": "wx2",
    }  # fmt: skip
    assert NID not in dump(db_path)
    result = crm("import", "customers", str(source), "--map", "cert=national_id")
    assert "row 3: national ID must be 18 characters" in result.stderr  # E12345678: not one
    ok("import", "customers", str(source), "--map", "cert=national_id", "--skip-invalid")
    zhang = json.loads(ok("show", "Zhang San", "-f", "json"))
    assert zhang["national_id"] == "110105********002X" and zhang["fields"] == {"wechat": "wx1"}


def test_check_reports_national_ids_kept_in_user_defined_fields(db_path):
    ok("add", "Zhang San", "--field", "wechat=wx1")
    ok("add", "Li Si")
    assert ("national IDs", "ok") in {
        (r["check"], r["status"]) for r in json.loads(ok("check", "-f", "json"))
    }
    conn = sqlite3.connect(db_path)  # as an older crm let them in
    conn.executemany(
        "INSERT INTO customer_fields (customer_id, key, value) VALUES (?, ?, ?)",
        [(2, "cert", NID), (1, "note", f"ID {OTHER_NID.lower()}")],
    )
    conn.commit()
    conn.close()
    result = crm("check", "-f", "json")
    assert result.exit_code == 1
    assert result.stderr == "crm: 1 problem found: national IDs\n"
    found = {r["check"]: r for r in json.loads(result.stdout)}["national IDs"]
    assert found == {
        "check": "national IDs",
        "status": "problem",
        "detail": "shown unmasked in user-defined fields (customer 1 note, customer 2 cert); "
        "move each: crm edit 1 --unset note --national-id -",
    }
    assert NID not in result.stdout and OTHER_NID not in result.stdout
    ok("edit", "1", "--unset", "note", "--national-id", "-", input=f"{OTHER_NID}\n")
    ok("edit", "2", "--unset", "cert", "--national-id", "-", input=f"{NID}\n")
    ok("check")


_FULL_WIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    digits=st.text("0123456789", min_size=14, max_size=20),
    wide=st.lists(st.booleans(), min_size=21, max_size=21),
    x=st.sampled_from(["", "X", "x"]),
    left=_AROUND,
    right=_AROUND,
)
def test_mask_in_text_masks_exactly_the_shape_of_a_national_id(digits, wide, x, left, right):
    """A run of digits (each ASCII or full-width, as an input method types it), perhaps
    ending in an X, is masked when it has the shape of a national ID number and only then:
    our own rule, 18 characters in all. A 19-digit run with a full-width digit first was
    masked as its last 18 (`１234567********6789`): a run of 19 is no ID number."""
    from crmcli.core import validate

    typed = zip(digits + x, wide, strict=False)  # each character wide or not
    run = "".join(c.translate(_FULL_WIDTH) if w else c for c, w in typed)
    masked = run[:6] + "*" * 8 + run[-4:] if len(run) == 18 else run
    assert validate.mask_in_text(f"{left}{run}{right}") == f"{left}{masked}{right}"


def test_a_19_digit_phone_with_a_full_width_digit_is_refused_as_typed(db_path):
    """The refusal quotes the 19 digits as typed: masked as an ID number before, and an ID
    typed in full-width digits is masked still."""
    ok("config", "set", "default_region", "CN")
    typed = "１234567890123456789"
    result = crm("add", "A", "--phone", typed)
    assert result.exit_code == 2
    assert f"'{typed}'" in result.stderr and "*" not in result.stderr
    number = national_id_of("11", "0105", date(1949, 12, 31), 2).translate(_FULL_WIDTH)
    result = crm("show", number)
    assert result.exit_code == 3
    assert number not in result.stderr and f"{number[:6]}********{number[-4:]}" in result.stderr
