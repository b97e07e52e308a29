"""crm export: the same filter as list, formats and suffixes, the CSV guard in files but not
pipes, a failed export leaving no file, masking, vCard versions, and export --all restoring
a whole database exactly through import --all."""

import contextlib
import csv
import io
import json
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import crm, customers_json, examples, fails, full_demo, ok

DATA = Path(__file__).parent / "data"
CRM = str(Path(sys.executable).with_name("crm"))


def test_export_refuses_a_suffix_it_cannot_write(filled, tmp_path):
    for args in (["customers", "-o", "x.xlsx"], ["purchases", "-o", "x.vcf"],
                 ["all", "-o", "x.csv"], ["tasks", "-o", "x.pdf"]):  # fmt: skip
        target = tmp_path / args[-1]
        args[-1] = str(target)
        err = fails(2, "export", *args, db=filled)
        assert not target.exists() and not list(tmp_path.glob(".x.*"))
        assert err.count("\n") == 1
    err = fails(2, "export", "customers", "-o", str(tmp_path / "x.xlsx"), db=filled)
    assert err == (
        "crm: cannot write .xlsx files: name the file .csv, .tsv, .json, .jsonl, .vcf, or give "
        "--format (csv, tsv, json, jsonl, vcard)\n"
    )
    ok("export", "customers", "-o", str(tmp_path / "x.xlsx"), "--format", "csv")
    ok("export", "customers", "-o", str(tmp_path / "plain"))
    assert (tmp_path / "plain").read_text(encoding="utf-8").startswith("id,name,")
    ok("export", "all", "-o", str(tmp_path / "all"))
    assert json.loads((tmp_path / "all").read_text(encoding="utf-8"))["format"]


def test_a_failed_export_leaves_no_file(filled, tmp_path, monkeypatch):
    from crmcli.transfer import exporters

    def broken(*args, **kwargs):
        yield [[1, "half"]]  # one chunk of rows
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exporters, "customer_cells", broken)  # the rows of a CSV export
    target = tmp_path / "c.csv"
    err = fails(1, "export", "customers", "-o", str(target), db=filled)
    assert "No space left on device" in err
    assert list(tmp_path.iterdir()) == [filled] or not target.exists()
    assert not target.exists() and not list(tmp_path.glob(".c.csv.*"))


def test_vcard_version_goes_with_vcard_only(filled, tmp_path):
    for args in (["--format", "csv"], ["--format", "json"], ["-o", str(tmp_path / "c.csv")]):
        err = fails(2, "export", "customers", *args, "--vcard-version", "4.0", db=filled)
        assert err.startswith("crm: --vcard-version goes with --format vcard, not ")
    assert not (tmp_path / "c.csv").exists()
    assert "VERSION:4.0" in ok("export", "customers", "--format", "vcard", "--vcard-version", "4.0")
    ok("export", "customers", "-o", str(tmp_path / "c.vcf"), "--vcard-version", "4.0")
    assert "VERSION:4.0" in (tmp_path / "c.vcf").read_text(encoding="utf-8")
    assert "VERSION:3.0" in ok("export", "customers", "--format", "vcard")


def test_export_uses_the_same_filter_as_list_and_tag(db_path):
    ok("demo", "--db", str(db_path), "--customers", "80")
    filters = (
        ["--where", "city = 上海"],
        ["--tag", "vip", "--without-tag", "lost"],
        [
            "--stage",
            "customer",
            "--kind",
            "person",
        ],
    )
    for selection in filters:
        listed = [int(i) for i in ok("list", *selection, "-q").split()]
        exported = [
            c["id"] for c in json.loads(ok("export", "customers", *selection, "-f", "json"))
        ]
        assert exported == listed
        ok("tag", "checked-filter", *selection, "-q", "--yes")
        tagged = [int(i) for i in ok("list", "--tag", "checked-filter", "-q").split()]
        assert tagged == listed
        ok("untag", "checked-filter", "--all", "--yes")
        purchases = json.loads(ok("export", "purchases", *selection, "-f", "json"))
        assert {p["customer_id"] for p in purchases} <= set(listed)


def test_csv_guard_in_files_not_in_pipes(cn, tmp_path):
    ok("add", "=HYPERLINK(\"http://evil\")", "--phone", "+8613800138000",
       "--company", "@SUM(1+1)", "--notes", "-5 discount", "--title", "'quoted")  # fmt: skip
    ok("buy", "1", "Refund", "-80", "--force")
    out = tmp_path / "c.csv"
    ok("export", "customers", "-o", str(out))
    cells = dict(zip(*list(csv.reader(out.open(encoding="utf-8"))), strict=True))
    assert cells["name"] == '\'=HYPERLINK("http://evil")'
    assert cells["company"] == "'@SUM(1+1)" and cells["notes"] == "'-5 discount"
    assert cells["title"] == "''quoted"
    assert cells["phones"] == "+8613800138000"  # a number to a spreadsheet, kept intact
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    piped = ok("export", "customers")
    plain = dict(zip(*list(csv.reader(io.StringIO(piped))), strict=True))
    assert plain["name"] == '=HYPERLINK("http://evil")' and plain["title"] == "'quoted"
    ok("export", "customers", "-o", str(tmp_path / "p.csv"), "--plain")
    assert (tmp_path / "p.csv").read_text(encoding="utf-8") == piped
    sales = tmp_path / "s.csv"
    ok("export", "purchases", "-o", str(sales))
    line = dict(zip(*list(csv.reader(sales.open(encoding="utf-8"))), strict=True))
    assert line["amount"] == "-80.00" and line["unit_price"] == "80.00"
    # The guarded file imports back to the very same values.
    fresh = tmp_path / "fresh.db"
    ok("--db", str(fresh), "config", "set", "default_region", "CN")
    ok("--db", str(fresh), "import", "customers", str(out))
    back = json.loads(ok("--db", str(fresh), "export", "customers", "-f", "json"))[0]
    assert back["name"] == '=HYPERLINK("http://evil")' and back["title"] == "'quoted"
    assert back["notes"] == "-5 discount" and back["phones"] == ["+8613800138000"]


def test_a_plain_export_imports_back_exactly_with_plain(cn, tmp_path):
    """A note beginning with an apostrophe lost it: the import took it for the guard."""
    ok("add", "Ann", "--notes", "'=not a formula", "--title", "''quoted")
    plain = tmp_path / "plain.csv"
    ok("export", "customers", "-o", str(plain), "--plain")
    fresh = tmp_path / "fresh.db"
    ok("--db", str(fresh), "import", "customers", str(plain), "--plain")
    back = json.loads(ok("--db", str(fresh), "export", "customers", "-f", "json"))[0]
    assert (back["notes"], back["title"]) == ("'=not a formula", "''quoted")
    # Without --plain the file is read as one for spreadsheets: its guard is undone.
    other = tmp_path / "other.db"
    ok("--db", str(other), "import", "customers", str(plain))
    back = json.loads(ok("--db", str(other), "export", "customers", "-f", "json"))[0]
    assert (back["notes"], back["title"]) == ("=not a formula", "'quoted")


def test_bom_for_excel_starts_the_file_and_imports_back(cn, tmp_path):
    ok("add", "王芳", "--city", "上海")
    out = tmp_path / "excel.csv"
    ok("export", "customers", "-o", str(out), "--bom")
    assert out.read_bytes().startswith(b"\xef\xbb\xbfid,name,")
    assert ok("export", "customers", "--bom", "-f", "tsv").startswith("\ufeffid\tname\t")
    assert not ok("export", "customers").startswith("\ufeff")  # only when asked for
    fresh = tmp_path / "fresh.db"
    ok("--db", str(fresh), "import", "customers", str(out))
    back = json.loads(ok("--db", str(fresh), "export", "customers", "-f", "json"))[0]
    assert (back["name"], back["city"]) == ("王芳", "上海")
    err = fails(2, "export", "customers", "--bom", "-f", "json", db=cn)
    assert err == "crm: --bom goes with csv or tsv, not json\n"
    target = tmp_path / "x.vcf"
    assert "--bom goes with csv or tsv" in fails(
        2, "export", "customers", "--bom", "-o", str(target)
    )
    assert not target.exists()


def test_export_through_a_real_pipe_is_plain(cn, tmp_path):
    ok("add", "+Plus Name")
    proc = subprocess.run([CRM, "export", "customers"], capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines()[1].startswith("1,+Plus Name,")


def test_dash_as_output_is_stdout(cn, tmp_path, monkeypatch):
    ok("add", "张伟", "--city", "上海")
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    for args in ([], ["-f", "json"], ["--bom"]):
        assert ok("export", "customers", "-o", "-", *args) == ok("export", "customers", *args)
    assert ok("export", "purchases", "--output", "-").startswith("id,")
    assert list((tmp_path / "here").iterdir()) == []
    fails(2, "export", "customers", "-o", "-", "--force", db=cn)


def test_export_formats_and_errors(cn, tmp_path):
    ok("add", "张伟", "--tag" if False else "--city", "上海")
    assert json.loads(ok("export", "customers", "-f", "jsonl").splitlines()[0])["city"] == "上海"
    assert ok("export", "customers", "-f", "tsv").splitlines()[0].startswith("id\tname\t")
    fails(2, "export", "purchases", "-f", "vcard", db=cn)
    fails(2, "export", "customers", "-f", "ics", db=cn)
    fails(2, "export", "customers", "-o", str(tmp_path / "nodir" / "x.csv"), db=cn)
    fails(2, "export", "customers", "--where", "nmae = x", db=cn)
    ok("export", "customers", "-o", str(tmp_path / "c.json"))
    assert json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))[0]["name"] == "张伟"


def test_national_id_masked_unless_revealed(cn):
    ok("add", "张伟", "--national-id", "11010519491231002X")
    assert customers_json()[0]["national_id"] == "110105********002X"
    revealed = json.loads(ok("export", "customers", "-f", "json", "--reveal"))[0]
    assert revealed["national_id"] == "11010519491231002X"


def _full_database(db: Path) -> None:
    full_demo(db)
    ok("--db", str(db), "stage", "1", "prospect")
    ok("--db", str(db), "tag", "vip", "1", "2")
    ok("--db", str(db), "log", "call", "1", "Asked for a quote", "--follow-up", "fri:send it")
    ok("--db", str(db), "task", "done", "1")
    ok("--db", str(db), "product", "add", "Gift box", "--price", "88", "--sku", "GB-1")
    ok("--db", str(db), "buy", "1", "GB-1")
    ok("--db", str(db), "purchase", "delete", "1", "--yes")  # an AUTOINCREMENT gap to keep
    ok("--db", str(db), "config", "set", "default_currency", "USD")
    ok("--db", str(db), "import", "customers", str(DATA / "phone.vcf"))


def test_export_all_import_all_restores_exactly(tmp_path):
    source = tmp_path / "source.db"
    _full_database(source)
    backup = tmp_path / "backup.json"
    ok("--db", str(source), "export", "all", "--format", "json", "-o", str(backup))
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    document = json.loads(backup.read_text(encoding="utf-8"))
    for table in ("customers", "customer_tags", "tags", "stage_changes", "interactions",
                  "tasks", "important_dates", "purchases", "products", "settings",
                  "customer_vcards"):  # fmt: skip
        assert document["tables"][table]["rows"], table
    target = tmp_path / "target.db"
    result = crm("--db", str(target), "import", "all", str(backup))
    assert result.exit_code == 0, result.stderr

    def data(path):  # the change log and the search index describe, not hold, the data
        # Whole statements, not lines: a history row holding a card's text spans lines.
        skip = ('"changesets"', '"history"', '"search_', "'changesets'", "'history'")
        conn = sqlite3.connect(path)
        try:
            statements = list(conn.iterdump())
        finally:
            conn.close()
        return sorted(s for s in statements if not any(k in s.split("\n", 1)[0] for k in skip))

    assert data(source) == data(target)
    again = tmp_path / "again.json"
    ok("--db", str(target), "export", "all", "--format", "json", "-o", str(again))
    restored = json.loads(again.read_text(encoding="utf-8"))
    assert (restored["tables"], restored["sequences"]) == (
        document["tables"],
        document["sequences"],
    )
    assert "changesets" not in document["sequences"]  # the history is not exported
    # Into a database that has data: refused, nothing changed.
    err = fails(2, "--db", str(target), "import", "all", str(backup), db=target)
    assert "empty database" in err


def _names_only(item):
    """A stored tag reference as crm wrote it before tags were kept by id."""
    return item.get("typed", item.get("text")) if isinstance(item, dict) else item


def test_import_all_of_an_export_from_before_tag_ids_follows_renames(tmp_path):
    """A schema-12 export keeps tag NAMES in segments, rules, care rules and cadences;
    restored by this crm they are bound to the tags' ids, so a rename still reaches them."""
    old = tmp_path / "old.db"
    for args in (("add", "Anna"), ("add", "Bob"), ("tag", "vip", "1"),
                 ("segment", "add", "vips", "--tag", "vip", "--where", "tag = vip"),
                 ("rule", "add", "star", "--tag", "vip"),
                 ("care", "rule", "add", "春节", "gift", "--tag", "vip"),
                 ("config", "set", "cadence.tag.vip", "14d")):  # fmt: skip
        ok("--db", str(old), *args)
    document = json.loads(ok("--db", str(old), "export", "all", "--format", "json"))
    document["schema_version"] = 12
    for name, column in (("segments", "filter"), ("rules", "filter"), ("care_rules", "selection")):
        body = document["tables"][name]
        at = body["columns"].index(column)
        for row in body["rows"]:
            stored = json.loads(row[at])
            row[at] = json.dumps({k: [_names_only(i) for i in v] if isinstance(v, list) else v
                                  for k, v in stored.items()})  # fmt: skip
    rules = document["tables"]["rules"]
    for row in rules["rows"]:
        row[rules["columns"].index("tag_id")] = None
    settings = document["tables"]["settings"]
    key = settings["columns"].index("key")
    for row in settings["rows"]:
        if row[key].startswith("cadence.tag_id."):
            row[key] = "cadence.tag.vip"
    (tmp_path / "old.json").write_text(json.dumps(document, ensure_ascii=False))
    new = tmp_path / "new.db"
    ok("--db", str(new), "import", "all", str(tmp_path / "old.json"))
    out = ok("--db", str(new), "tag", "rename", "vip", "top")
    assert "segment vips" in out and "rule 1" in out and "care rule 1" in out
    assert "--tag top" in ok("--db", str(new), "segment", "list")
    assert ok("--db", str(new), "list", "--segment", "vips", "-q") == "1\n"
    assert "--tag top" in ok("--db", str(new), "care", "rule", "list")
    assert "cadence.tag.top,14d" in ok("--db", str(new), "config", "list", "-f", "csv")


def test_export_all_is_generic_over_new_tables(tmp_path):
    from crmcli.transfer import exporters

    db = tmp_path / "x.db"
    ok("--db", str(db), "add", "张伟")
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE later_scores (id INTEGER PRIMARY KEY, customer_id INTEGER, score INTEGER)"
    )
    conn.execute("INSERT INTO later_scores VALUES (7, 1, 9)")
    conn.execute("CREATE TABLE customer_history (id INTEGER PRIMARY KEY, what TEXT)")
    conn.execute("CREATE VIRTUAL TABLE search USING fts5(name)")
    conn.commit()
    tables = exporters.user_tables(conn)
    conn.close()
    assert "later_scores" in tables
    assert not [t for t in tables if t.startswith("search") or t.endswith("_history")]
    document = json.loads(ok("--db", str(db), "export", "all"))
    assert document["tables"]["later_scores"] == {"columns": ["id", "customer_id", "score"],
                                              "rows": [[7, 1, 9]]}  # fmt: skip


def test_a_birthday_without_a_year_in_every_export_form(db_path, tmp_path):
    ok("add", "Mei", "--birthday", "--05-13", "--email", "mei@example.com")
    ok("add", "Jie", "--birthday", "1990-07-15", "--email", "jie@example.com")
    v3 = ok("export", "customers", "--format", "vcard")
    v4 = ok("export", "customers", "--format", "vcard", "--vcard-version", "4.0")
    assert "BDAY:--05-13\n" in v3 and "BDAY:1990-07-15\n" in v3  # ISO 8601's form
    assert "BDAY:--0513\n" in v4  # RFC 6350's date-noyear
    plain = ok("export", "customers", "--format", "csv", "--plain")
    assert [r["birthday"] for r in csv.DictReader(io.StringIO(plain))] == ["--05-13", "1990-07-15"]
    # In a file for people the cell is guarded (a spreadsheet reads --05-13 as a sum), and
    # importing the file takes the guard off again.
    file = tmp_path / "people.csv"
    ok("export", "customers", "-o", str(file))
    assert "'--05-13" in file.read_text(encoding="utf-8")
    for name, text in (("people.csv", file.read_text("utf-8")), ("people.vcf", v3), ("v4.vcf", v4)):
        again = tmp_path / "again.db"
        again.unlink(missing_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
        ok("--db", str(again), "import", "customers", str(tmp_path / name))
        out = ok("--db", str(again), "export", "customers", "--format", "json")
        assert [c["birthday"] for c in json.loads(out)] == ["--05-13", "1990-07-15"], name


def test_customers_csv_carries_the_json_records_cell_for_cell(db_path):
    """CSV and TSV are written from one query, read 500 customers at a time (lists joined,
    cadence ranges written and national IDs masked in SQL, JSON cells read in full only for
    customers who have fields or relations): the same cells as the JSON records flattened
    as a CSV cell flattens them, masked unless --reveal; and so at any chunk size."""
    from crmcli.transfer.exporters import CUSTOMER_COLUMNS, flat

    ok("add", "Ann, Jr.", "--phone", "+86 138 0013 8000", "--phone", "+1 212 555 0199",
       "--email", "b@example.com", "--email", "a@example.com", "--national-id",
       "11010519491231002X", "--field", "wechat=ann88", "--field", "a=\"q\"",
       "--notes", "=SUM(A1)", "--related", "spouse=Bo")  # fmt: skip
    ok("add", "Bo", "--company", "Acme, Ltd")
    ok("add", "Cy", "--cadence", "14d..30d", "--referred-by", "1")
    ok("edit", "1", "--primary-phone", "+12125550199")
    ok("tag", "zeta", "1", "3")
    ok("tag", "alpha", "1")
    ok("delete", "2")
    for args in ([], ["--reveal"], ["--archived"], ["--tag", "zeta"]):
        records = json.loads(ok("export", "customers", "--format", "json", *args))
        expected = [
            ["" if (v := flat(r.get(c))) is None else str(v) for c in CUSTOMER_COLUMNS]
            for r in records
        ]
        for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
            text = ok("export", "customers", "--format", fmt, *args)
            table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
            assert table == [list(CUSTOMER_COLUMNS), *expected], (fmt, args)
    from crmcli.transfer.exporters import customer_cells

    conn = sqlite3.connect(db_path)
    whole = [list(r) for chunk in customer_cells(conn, "1", [], reveal=False) for r in chunk]
    assert [len(chunk) for chunk in customer_cells(conn, "1", [], reveal=False, chunk=2)] == [2, 1]
    for size in (1, 2):  # the customer with fields and relations alone in a chunk, or not
        chunks = customer_cells(conn, "1", [], reveal=False, chunk=size)
        assert [list(r) for chunk in chunks for r in chunk] == whole
    assert [row[0] for row in whole] == [1, 2, 3] and whole[0][CUSTOMER_COLUMNS.index("related")]
    conn.close()
    first = next(csv.DictReader(io.StringIO(ok("export", "customers"))))
    assert first["phones"] == "+12125550199; +8613800138000"
    assert first["fields"] == '{"a": "\\"q\\"", "wechat": "ann88"}'
    assert first["national_id"] == "110105********002X" and first["tags"] == "alpha; zeta"


def test_a_csv_file_for_people_is_guarded_cell_for_cell_as_guard_does(db_path, tmp_path):
    """A CSV or TSV file for people is guarded in SQL, cell by cell, so the rows that need
    no guard cost no Python: the very cells `guard` makes of the JSON records (the phones
    in E.164 and the numbers kept, a number stored by hand that is no E.164 guarded), in
    every chunk, with fields and relations too."""
    from crmcli.transfer.exporters import CUSTOMER_COLUMNS, flat, guard

    ok("add", "=Ann", "--phone", "+86 138 0013 8000", "--phone", "+1 212 555 0199",
       "--notes", "+ a plus", "--title", "'quoted", "--field", "wechat=@ann",
       "--related", "spouse=-Bo", "--city", "@home")  # fmt: skip
    ok("add", "Bo", "--cadence", "14d..30d", "--referred-by", "1", "--title", "-5")
    ok("add", "Cy", "--phone", "+86 139 0013 8000")
    conn = sqlite3.connect(db_path)  # what no crm command stores: a phone and a tab to guard
    conn.execute("INSERT INTO customer_phones (customer_id, phone) VALUES (2, '+1-800=3')")
    conn.execute("UPDATE customers SET company = char(9) || 'Tab'")
    conn.commit()
    conn.close()
    records = json.loads(ok("export", "customers", "--format", "json"))
    exact = [
        ["" if (v := flat(r.get(c))) is None else str(v) for c in CUSTOMER_COLUMNS] for r in records
    ]
    expected = [[guard(c, v) for c, v in zip(CUSTOMER_COLUMNS, row, strict=True)] for row in exact]
    assert expected[2][CUSTOMER_COLUMNS.index("company")] == "'\tTab"
    assert [row[CUSTOMER_COLUMNS.index("phones")] for row in expected] == [
        "+8613800138000; +12125550199", "'+1-800=3", "+8613900138000"]  # fmt: skip
    assert expected[0][:2] == ["1", "'=Ann"] and expected[1][CUSTOMER_COLUMNS.index("title")]
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        out = tmp_path / f"people.{fmt}"
        ok("export", "customers", "-o", str(out), "--force")
        table = list(csv.reader(out.open(encoding="utf-8", newline=""), delimiter=delimiter))
        assert table == [list(CUSTOMER_COLUMNS), *expected], fmt
        ok("export", "customers", "-o", str(out), "--force", "--plain")
        table = list(csv.reader(out.open(encoding="utf-8", newline=""), delimiter=delimiter))
        assert table == [list(CUSTOMER_COLUMNS), *exact], fmt


def test_a_customer_added_while_classes_are_computed_is_not_half_listed(filled, monkeypatch):
    """`--classes` reads every purchase, then the customers: another process adding a
    customer in between made the listing and the export fail (`KeyError`). Both now read
    one snapshot of the file, so the new customer is in neither."""
    from crmcli.reports import classes

    real = classes.derive

    def derive_then_add(*args, **kwargs):
        derived = real(*args, **kwargs)
        subprocess.run(
            [sys.executable, "-m", "crmcli", "--db", str(filled), "add", "Meanwhile", "-q"],
            check=True, capture_output=True,
        )  # fmt: skip
        return derived

    monkeypatch.setattr(classes, "derive", derive_then_add)
    before = len(customers_json())
    listed = json.loads(ok("list", "--classes", "--format", "json"))
    assert [row["name"] for row in listed].count("Meanwhile") == 0 and len(listed) == before
    exported = list(csv.DictReader(io.StringIO(ok("export", "customers", "--classes"))))
    assert [row["name"] for row in exported].count("Meanwhile") == 1  # the one the list made
    assert len(exported) == before + 1 and all(row["lifecycle"] for row in exported)
    monkeypatch.setattr(classes, "derive", real)
    assert len(customers_json()) == before + 2


def test_the_export_line_names_the_file_as_given(filled, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    result = crm("export", "customers", "-o", "sub/y.csv")
    assert (result.exit_code, result.stderr) == (0, "Exported 2 customers to sub/y.csv.\n")
    assert (tmp_path / "sub" / "y.csv").read_text(encoding="utf-8-sig").count("\n") == 3
    far = tmp_path / "far" / "x.csv"
    far.parent.mkdir()
    result = crm("--lang", "zh", "export", "purchases", "-o", str(far))
    assert (result.exit_code, result.stderr) == (0, f"已导出 2 条购买记录到 {far}。\n")


def test_a_cell_holding_a_bare_cr_is_quoted_in_every_csv_crm_writes(cn):
    """A bare CR that another program stored (crm refuses control characters itself) is
    quoted in every CSV and TSV crm writes: csv quotes only the characters of its line end,
    LF here, and an unquoted CR ends the row for Excel, Python's csv and crm's import."""
    ok("add", "Ann", "--phone", "+86 138 0013 8000")
    ok("add", "Bo")
    ok("log", "note", "1", "plain")
    conn = sqlite3.connect(cn)
    conn.execute("UPDATE customers SET notes = 'one' || char(13) || 'two' WHERE id = 1")
    conn.execute("UPDATE interactions SET text = 'x' || char(13) || 'y'")
    conn.commit()
    conn.close()
    for fmt, delimiter in (("csv", ","), ("tsv", "\t")):
        for args, column, value, count in (
            (["export", "customers"], "notes", "one\rtwo", 2),  # rows already cells
            (["list", "--fields", "id,name,notes"], "notes", "one\rtwo", 2),
            (["export", "interactions"], "text", "x\ry", 1),  # a mapping per row
            (["interactions", "1"], "text", "x\ry", 1),
        ):
            text = ok(*args, "--format", fmt)
            table = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
            assert [row[column] for row in table][:1] == [value], (args, fmt)
            assert len(table) == count, (args, fmt)


@settings(max_examples=examples(200))
@given(
    st.lists(
        st.lists(
            st.one_of(st.none(), st.integers(), st.text(st.sampled_from('ab,\t"\r\n 中'))),
            min_size=1,
            max_size=4,
        ),
        max_size=4,
    ),
    st.sampled_from(",\t"),
)
def test_the_csv_writer_reads_back_cell_for_cell_and_writes_csv_bytes_without_cr(rows, delimiter):
    """crm's CSV writer against Python's csv reader (every cell back, None as empty) and
    against csv.writer itself (the same bytes wherever no cell holds a CR)."""
    from crmcli.core.text import CsvWriter

    out = io.StringIO()
    assert CsvWriter(out, delimiter).writerows(rows) == len(rows)
    back = list(csv.reader(io.StringIO(out.getvalue(), newline=""), delimiter=delimiter))
    assert back == [["" if v is None else str(v) for v in row] for row in rows]
    plain = io.StringIO()
    csv.writer(plain, delimiter=delimiter, lineterminator="\n").writerows(rows)
    if "\r" not in plain.getvalue():
        assert out.getvalue() == plain.getvalue()


@settings(max_examples=examples(40), deadline=None, derandomize=True)
@given(
    target=st.sampled_from([["1"], ["王芳"], ["all"], ["customers", "--city", "上海"]]),
    options=st.permutations(["-q", "-o", "OUT", "--force"]).filter(
        lambda o: o.index("OUT") == o.index("-o") + 1
    ),
    at=st.integers(0, 4),
    clustered=st.booleans(),
)
def test_options_may_come_before_the_reference_or_the_kind(
    tmp_path_factory, target, options, at, clustered
):
    """`crm export -q 1 -o F` writes what `crm export 1 -q -o F` does, for a reference and
    for a kind (`all`, `customers` and its filter), whichever places the options take
    around it (`-qo F` too); the kind's name is never taken for an option's value."""
    if crm("show", "1").exit_code != 0:  # one database for every example
        ok("add", "王芳", "--city", "上海")
    folder = tmp_path_factory.mktemp("out")
    options = ["-qo" if o == "-o" and clustered else o for o in options]
    if clustered:
        options.remove("-q")
    target_words = list(target)
    words = [w.replace("OUT", str(folder / "mixed.json")) for w in options]
    places = [i for i in range(len(words) + 1) if i == 0 or words[i - 1] not in ("-o", "-qo")]
    at = places[at % len(places)]  # never between -o and its file
    mixed = crm("export", *words[:at], *target_words, *words[at:])
    expected = crm("export", *target_words, *[w.replace("OUT", str(folder / "usual.json"))
                                              for w in options])  # fmt: skip
    assert (mixed.exit_code, mixed.stdout, mixed.stderr) == (0, "", ""), mixed
    assert expected.exit_code == 0, expected
    assert (folder / "mixed.json").read_bytes() == (folder / "usual.json").read_bytes()


def test_options_before_an_unknown_reference_or_alone_are_refused_in_one_line(cn, tmp_path):
    said = fails(3, "export", "-q", "nobody", "-o", str(tmp_path / "x.json"))
    assert said.startswith("crm: no customer matches 'nobody' (to export a kind")
    assert fails(2, "export", "-o", str(tmp_path / "x.json"), "--bogus", "1") == (
        "crm: No such option: --bogus (see 'crm export customer --help')\n"
    )
    assert not (tmp_path / "x.json").exists()
    assert "Usage: crm export [OPTIONS] COMMAND" in ok("export", "-q", "-h")
    # an option's value that names a kind stays the value: a file called `all`
    ok("add", "王芳")
    ok("export", "-o", str(tmp_path / "all"), "--format", "json", "1")
    assert json.loads((tmp_path / "all").read_text())["customer"]["id"] == 1


@settings(max_examples=examples(30), deadline=None, derandomize=True)
@given(
    value=st.sampled_from(
        [
            "--force",
            "--city",
            "--where",
            "--tag",
            "-q",
            "--",
            "--lang",
            "--db",
            "-h",
            "--help",
            "--format",
        ]
    ),
    target=st.sampled_from([["all"], ["customers"], ["purchases"], ["1"], ["customer", "1"]]),
    before=st.booleans(),
)
def test_an_option_name_after_o_is_no_file_name_before_or_after_the_kind(
    tmp_path_factory, value, target, before
):
    """`crm export -o --force all` (a script's empty variable) is refused as click refuses
    `-o` last, with nothing written, whether -o comes before the kind or after it: an
    option's value that is one of crm's option names (or `--`) is no value."""
    if crm("show", "1").exit_code != 0:
        ok("add", "王芳", "--city", "上海")
    folder = tmp_path_factory.mktemp("cwd")
    words = ["-o", value, *target] if before else [*target, "-o", value]
    with contextlib.chdir(folder):
        assert fails(2, "export", *words) == "crm: Option '-o' requires an argument.\n"
    assert list(folder.iterdir()) == []


def test_options_alone_say_the_kind_or_reference_is_missing(cn, tmp_path, monkeypatch):
    """`crm export -o F` (no kind), `crm export -q`, `crm export --city 上海` say what `crm
    export` alone says, not that the option is unknown."""
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    alone = fails(2, "export")
    assert alone.startswith("crm: missing command: one of customers, purchases")
    for words in (["-o", "F"], ["-q"], ["--city", "上海"], ["-qo", "F"], ["--output=F"]):
        assert fails(2, "export", *words) == alone, words
    assert list((tmp_path / "cwd").iterdir()) == []
    assert fails(2, "export", "--bogus") == (
        "crm: No such option: --bogus (see 'crm export --help')\n"
    )
