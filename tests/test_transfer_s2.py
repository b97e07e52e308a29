"""Import/export correctness: re-importing our own export is idempotent (ids), --map names
real columns, export refuses suffixes it cannot write, refused imports create no database
file, and vCard 4.0 TEL URIs, parameters and inline photos survive a round trip."""

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import crm, dump, fails, ok

DATA = Path(__file__).parent / "data"


@pytest.fixture
def filled(db_path):
    """Two customers without external ids, a purchase each, an interaction, two tasks."""
    ok("config", "set", "default_region", "CN")
    ok("add", "张伟", "--phone", "13800138000", "--field", "wechat=zw_88")
    ok("tag", "vip", "1")
    ok("add", "Anna Smith", "--email", "anna@example.com", "--company", "Acme")
    ok("buy", "1", "Longjing tea", "1299.50", "--at", "2026-11-01")
    ok("buy", "2", "Refund", "-80", "--at", "2026-11-02")
    ok("log", "call", "1", "Asked for a quote", "--at", "2026-11-20 15:00")
    ok("task", "add", "1", "Send the quote", "--due", "2026-11-27")
    ok("task", "add", "2", "Monthly call", "--due", "2026-12-01", "--every", "1m")
    ok("task", "add", "2", "Call again", "--due", "2026-12-03", "--after", "2w")
    return db_path


def person(customer_id: int) -> dict:
    people = json.loads(ok("export", "customers", "--format", "json"))
    return next(p for p in people if p["id"] == customer_id)


def data(db: Path) -> list[str]:
    """The rows of the database, without the change log and the search index (which
    describe the data; an import that changes nothing may still reindex)."""
    skip = ('"changesets"', '"history', '"search_', "'changesets'", "'history'")
    return sorted(ln for ln in dump(db).splitlines() if not any(k in ln for k in skip))


def counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("customers", "purchases", "interactions", "tasks", "customer_phones")
        }
    finally:
        conn.close()


# Re-importing our own export --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["customers", "purchases", "interactions", "tasks"])
@pytest.mark.parametrize("suffix", ["csv", "json", "jsonl"])
def test_reimporting_our_export_changes_nothing(filled, tmp_path, kind, suffix):
    file = tmp_path / f"export.{suffix}"
    ok("export", kind, "-o", str(file))
    before = data(filled)
    result = crm("import", kind, str(file))
    assert result.exit_code == 0, result.stderr
    rows = {"customers": 2, "purchases": 2, "interactions": 1, "tasks": 3}[kind]
    assert f"0 inserted, 0 updated, {rows} unchanged, 0 rejected ({rows} rows)" in result.stderr
    assert "Ignored columns" not in result.stderr
    assert data(filled) == before


def test_an_edited_customer_export_updates(filled, tmp_path):
    file = tmp_path / "c.csv"
    ok("export", "customers", "-o", str(file))
    table = list(csv.DictReader(file.open(encoding="utf-8")))
    table[1]["company"] = "Acme Corp"
    table[1]["emails"] += "; anna@home.example"
    table.append({"name": "New Person", "emails": "new@example.com"})  # no id: a new customer
    with file.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(table[0]))
        writer.writeheader()
        writer.writerows(table)
    result = crm("import", "customers", str(file))
    assert "1 inserted, 1 updated, 1 unchanged, 0 rejected (3 rows)" in result.stderr
    anna = person(2)
    assert anna["company"] == "Acme Corp"
    assert anna["emails"] == ["anna@example.com", "anna@home.example"]
    assert counts(filled)["customers"] == 3
    err = fails(2, "import", "customers", str(file), "--on-conflict", "error", db=filled)
    assert "row 2: customer 1 already has this id" in err
    skipped = crm("import", "customers", str(file), "--on-conflict", "skip")
    # The added row has no id (nor an external id): it is new every time.
    assert "1 inserted, 0 updated, 2 unchanged" in skipped.stderr


def test_an_edited_purchase_and_task_export_updates(filled, tmp_path):
    file = tmp_path / "p.jsonl"
    ok("export", "purchases", "-o", str(file))
    lines = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines()]
    lines[0]["amount"] = lines[0]["unit_price"] = "1399.50"
    file.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    result = crm("import", "purchases", str(file))
    assert "0 inserted, 1 updated, 1 unchanged, 0 rejected (2 rows)" in result.stderr
    bought = json.loads(ok("purchases", "--format", "json"))
    assert {p["id"]: p["amount"] for p in bought} == {1: "1399.50", 2: "-80.00"}
    err = fails(2, "import", "purchases", str(file), "--on-conflict", "error", db=filled)
    assert "row 1: purchase 1 is already here (the row's id)" in err
    tasks = tmp_path / "t.csv"
    ok("export", "tasks", "-o", str(tasks))
    text = tasks.read_text(encoding="utf-8").replace("Send the quote", "Send the final quote")
    tasks.write_text(text, encoding="utf-8")
    result = crm("import", "tasks", str(tasks))
    assert "0 inserted, 1 updated, 2 unchanged" in result.stderr
    listed = json.loads(ok("task", "list", "--format", "json"))
    assert "Send the final quote" in [t["text"] for t in listed]
    after = next(t for t in listed if t["text"] == "Call again")
    assert after["repeat_after"] == "2w" and counts(filled)["tasks"] == 3


def test_an_export_from_another_database_adds_never_overwrites(filled, tmp_path):
    file = tmp_path / "c.csv"
    ok("export", "customers", "-o", str(file))
    other = tmp_path / "other.db"
    ok("--db", str(other), "config", "set", "default_region", "CN")
    ok("--db", str(other), "add", "Somebody Else", "--email", "else@example.com")
    # Customer 1 of `other` is not customer 1 of the file (created at another moment):
    # the file's rows are added, nobody is overwritten.
    conn = sqlite3.connect(other)
    conn.execute("UPDATE customers SET created_at = '2025-01-01T09:00:00+08:00'")
    conn.commit()
    conn.close()
    result = crm("--db", str(other), "import", "customers", str(file))
    assert "2 inserted, 0 updated, 0 unchanged" in result.stderr
    names = [c["name"] for c in json.loads(ok("--db", str(other), "list", "--format", "json"))]
    assert names == ["Somebody Else", "张伟", "Anna Smith"]
    # --key id says the ids are this database's: the mismatch is an error, nothing written.
    err = fails(2, "--db", str(other), "import", "customers", str(file), "--key", "id", db=other)
    assert "row 2: customer 1 here was created at 2025-01-01T09:00:00+08:00" in err
    assert "comes from another database" in err


def test_key_id_rejects_unknown_and_bad_ids(filled, tmp_path):
    file = tmp_path / "c.csv"
    file.write_text("id,name\n99,Ghost\nx,Bad\n,New\n", encoding="utf-8")
    err = fails(2, "import", "customers", str(file), "--key", "id", db=filled)
    assert "row 2: no customer with id 99 in this database" in err
    assert "row 3: id must be a whole number (got 'x')" in err
    # Without created_at the file is not our export: id is not used, every row is new.
    file.write_text("id,name\n1,Not Zhang\n", encoding="utf-8")
    assert "1 inserted" in crm("import", "customers", str(file)).stderr
    assert person(1)["name"] == "张伟"
    fails(2, "import", "customers", str(file), "--key", "nmae", db=filled)


# --map ------------------------------------------------------------------------------------


def test_map_naming_a_missing_column_is_an_error(filled, tmp_path):
    file = tmp_path / "c.csv"
    file.write_text("姓名,手机\n王芳,13912345678\n", encoding="utf-8")
    err = fails(2, "import", "customers", str(file), "--map", "Handy=phone", db=filled)
    assert err == (
        "crm: --map names a column the file does not have: Handy; its columns: 姓名, 手机\n"
    )
    lines = tmp_path / "c.jsonl"
    lines.write_text('{"name": "王芳"}\n{"name": "Li", "mobile": "13912345678"}\n', "utf-8")
    err = fails(2, "import", "customers", str(lines), "--map", "Handy=phone", db=filled)
    assert "Handy; its columns: name, mobile" in err
    err = fails(2, "import", "purchases", str(file), "--map", "手机=phone", db=filled)
    assert "unknown field 'phone'" in err
    ok("import", "customers", str(file), "--map", "手机=phone", "--map", "姓名=name")


# Export -----------------------------------------------------------------------------------


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
        yield {"id": 1, "name": "half"}
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exporters, "customer_rows", broken)
    target = tmp_path / "c.csv"
    err = fails(1, "export", "customers", "-o", str(target), db=filled)
    assert "No space left on device" in err
    assert list(tmp_path.iterdir()) == [filled] or not target.exists()
    assert not target.exists() and not list(tmp_path.glob(".c.csv.*"))


# Refused imports create nothing ----------------------------------------------------------


def test_refused_imports_create_no_database(tmp_path):
    new = tmp_path / "new.db"
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    fails(2, "--db", str(new), "import", "all", str(bad))
    rows = tmp_path / "c.csv"
    rows.write_text("name,email\nGood,good@example.com\nBad,bad\n", encoding="utf-8")
    fails(2, "--db", str(new), "import", "customers", str(rows))
    result = crm("--db", str(new), "import", "customers", str(rows), "--dry-run", "--skip-invalid")
    assert result.exit_code == 0 and "would be 1 inserted" in result.stderr
    book = tmp_path / "book.xlsx"
    book.write_bytes(b"PK\x03\x04" + bytes(60))
    err = fails(2, "--db", str(new), "import", "customers", str(book))
    assert "is a spreadsheet workbook" in err and "CSV UTF-8" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json", "book.xlsx", "c.csv"]
    # A good import still creates the database.
    ok("--db", str(new), "import", "customers", str(rows), "--skip-invalid")
    assert new.exists()


def test_refused_import_all_into_a_full_database_changes_nothing(filled, tmp_path):
    backup = tmp_path / "backup.json"
    ok("export", "all", "-o", str(backup))
    fails(2, "import", "all", str(backup), db=filled)
    restored = tmp_path / "restored.db"
    ok("--db", str(restored), "import", "all", str(backup))
    assert counts(restored) == counts(filled)


# vCard ------------------------------------------------------------------------------------

V4 = (
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:王芳\r\n"
    "TEL;VALUE=uri;TYPE=cell;PREF=1:tel:+86-139-1234-5678\r\n"
    'TEL;VALUE=uri;TYPE="voice,work":tel:+86-10-6234-5678;ext=12\r\n'
    "EMAIL;TYPE=work:wf@example.cn\r\n"
    "PHOTO:data:image/png;base64,iVBORw0KGgo=\r\n"
    "X-WECHAT:wf_01\r\nEND:VCARD\r\n"
)


def test_vcard4_tel_uris_are_read_and_written(db_path, tmp_path):
    ok("config", "set", "default_region", "CN")
    card = tmp_path / "wf.vcf"
    card.write_text(V4, encoding="utf-8")
    result = crm("import", "customers", str(card))
    assert result.exit_code == 0, result.stderr
    wang = person(1)
    assert wang["phones"][0] == "+8613912345678"
    assert wang["phones"][1].startswith("+861062345678")
    v4 = ok("export", "customers", "--format", "vcard", "--vcard-version", "4.0")
    assert "TEL;PREF=1;TYPE=cell;VALUE=uri:tel:+8613912345678\n" in v4
    assert "TEL;TYPE=voice,work;VALUE=uri:tel:+861062345678;ext=12\n" in v4
    assert "PHOTO:data:image/png;base64,iVBORw0KGgo=\n" in v4
    assert "EMAIL;TYPE=work:wf@example.cn" in v4 and "X-WECHAT:wf_01" in v4
    v3 = ok("export", "customers", "--format", "vcard")
    assert "TEL;TYPE=cell,pref:+8613912345678\n" in v3  # 4.0's PREF=1 is 3.0's TYPE=pref
    assert "TEL;TYPE=voice,work:+861062345678 ext. 12\n" in v3
    assert "VALUE=uri" not in v3 and "tel:" not in v3
    assert "PHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgo=\n" in v3


def test_phone_vcard_round_trips_through_4_0_and_back(db_path, tmp_path):
    ok("config", "set", "default_region", "CN")
    ok("import", "customers", str(DATA / "phone.vcf"))
    v4 = tmp_path / "v4.vcf"
    ok("export", "customers", "--vcard-version", "4.0", "-o", str(v4))
    text = v4.read_text(encoding="utf-8")
    assert "EMAIL;PREF=1;TYPE=WORK:zhangwei@huawei.example" in text  # no INTERNET in 4.0
    assert "TEL;TYPE=voice,home;VALUE=uri:tel:+16505550177" in text  # "voice,home" split
    assert "PHOTO:data:image/png;base64,iVBORw0KGgo" in text
    other = tmp_path / "other.db"
    ok("--db", str(other), "config", "set", "default_region", "CN")
    ok("--db", str(other), "import", "customers", str(v4))
    back = ok("--db", str(other), "export", "customers", "--format", "vcard")
    for kept in (
        "PHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgo",
        "X-SOCIALPROFILE;TYPE=weibo;X-USER=zhangwei:https://weibo.com/zhangwei",
        "UID:7A1D3C52-9B1E-4C8B-9E0B-2F3C4D5E6F70",
        "TEL;TYPE=CELL,VOICE,pref:+8613800138000",
        "item1.TEL:+8613900139000",
        "item1.X-ABLABEL:微信",
        "item2.ADR;TYPE=WORK,pref:;;坂田华为基地;深圳;广东;518129;中国",
        "EMAIL;TYPE=WORK,pref:zhangwei@huawei.example",
        "IMPP:xmpp:anna@acme.example",
    ):
        assert kept in back, kept
    people = json.loads(ok("--db", str(other), "export", "customers", "-f", "json"))
    assert [p["phones"] for p in people] == [
        ["+8613800138000", "+8675528780808", "+8613900139000"],
        ["+16505550101", "+16505550177"],
    ]
    assert io.StringIO(back).read().count("BEGIN:VCARD") == 2


def test_a_wrong_encoding_guess_is_refused_with_a_hint(db_path):
    ok("config", "set", "default_region", "CN")
    gbk = str(DATA / "gbk_customers.csv")
    err = fails(2, "import", "customers", gbk, "--encoding", "latin-1", db=db_path)
    assert err.startswith("crm: no column of ") and "ÐÕÃû" in err
    assert err.endswith("the file is not latin-1 (try gb18030 or utf-8)\n")
    err = fails(2, "import", "customers", gbk, db=db_path)
    assert "--encoding gb18030" in err
    assert "3 inserted" in crm("import", "customers", gbk, "--encoding", "gb18030").stderr
    lines = DATA / "google_contacts.csv"
    err = fails(2, "import", "tasks", str(lines), db=db_path)
    assert "no column of" in err and "--map COLUMN=FIELD" in err


# Child rows from another database (issue 7 tester, finding 1) ----------------------------


@pytest.fixture
def elsewhere(filled, tmp_path):
    """Another database whose customer 1 is somebody else, holding `filled`'s customers
    (imported from its export: 张伟 is #2 here, Anna Smith #3)."""
    customers = tmp_path / "c.csv"
    ok("export", "customers", "-o", str(customers))
    other = tmp_path / "other.db"
    ok("--db", str(other), "add", "Bob", "--email", "bob@example.com")
    conn = sqlite3.connect(other)
    conn.execute("UPDATE customers SET created_at = '2025-01-01T09:00:00+08:00'")
    conn.commit()
    conn.close()
    ok("--db", str(other), "import", "customers", str(customers))
    return other


@pytest.mark.parametrize("kind", ["purchases", "interactions", "tasks"])
def test_child_rows_whose_customer_columns_disagree_are_refused(filled, elsewhere, tmp_path, kind):
    file = tmp_path / f"{kind}.csv"
    ok("export", kind, "-o", str(file))
    assert ",customer_id,customer," in file.read_text(encoding="utf-8").splitlines()[0] + ","
    # customer_id 1 is Bob here, the row's customer is 张伟 (#2): refused, nothing written.
    err = fails(2, "--db", str(elsewhere), "import", kind, str(file), db=elsewhere)
    assert (
        "customer_id 1 is #1 Bob here, but customer '张伟' is #2 张伟: the row's customer "
        "columns disagree (is the file from another database?); to go by customer alone, "
        'import with --map "customer_id=-"' in err
    )
    rejects = tmp_path / "rejects.csv"
    result = crm("--db", str(elsewhere), "import", kind, str(file), "--skip-invalid",
                 "--rejects", str(rejects))  # fmt: skip
    assert result.exit_code == 0 and "0 inserted" in result.stderr
    assert "customer columns disagree" in rejects.read_text(encoding="utf-8")
    # Going by the name alone attaches every row to the right person.
    ok("--db", str(elsewhere), "import", kind, str(file), "--map", "customer_id=-")
    conn = sqlite3.connect(elsewhere)
    owners = conn.execute(
        f"SELECT DISTINCT c.name FROM {kind} x JOIN customers c ON c.id = x.customer_id"
    ).fetchall()
    conn.close()
    assert "Bob" not in {name for (name,) in owners} and owners


def test_child_rows_whose_customer_columns_agree_are_taken(elsewhere, tmp_path):
    file = tmp_path / "p.csv"
    # The id and the name (any case or width), or the id and an email, of one customer.
    file.write_text(
        "customer_id,customer,item,amount\n2,张伟,Tea,10\n3,anna smith,Cups,5\n"
        "3,anna@example.com,Pot,7\n1,bob@example.com,Gift,1\n",
        encoding="utf-8",
    )
    result = crm("--db", str(elsewhere), "import", "purchases", str(file))
    assert "4 inserted" in result.stderr, result.stderr
    bought = json.loads(ok("--db", str(elsewhere), "purchases", "--format", "json"))
    assert [(p["item"], p["customer_id"]) for p in bought] == [
        ("Tea", 2), ("Cups", 3), ("Pot", 3), ("Gift", 1)
    ]  # fmt: skip
    # A name nobody here has, or one several have, is no agreement either.
    ok("--db", str(elsewhere), "add", "Anna Smith")
    file.write_text("customer_id,customer,item,amount\n2,Nobody,Tea,10\n3,Anna Smith,Pot,1\n",
                    encoding="utf-8")  # fmt: skip
    err = fails(2, "--db", str(elsewhere), "import", "purchases", str(file), db=elsewhere)
    assert "row 2: customer_id 2 is #2 张伟 here, but customer 'Nobody' is nobody here" in err
    assert "row 3: " not in err  # Anna Smith #3 by name: agreed, although the name is shared


# vCard fields (issue 7 tester, findings 2-5) ----------------------------------------------

LOCAL = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Li Lei\r\n"
    "TEL;TYPE=CELL:138 0013 8009\r\nTEL;TYPE=WORK:13800138013 ext. 5\r\n"
    "EMAIL;TYPE=INTERNET:li@example.com\r\n"
    "ADR;TYPE=WORK:;;1 Keyuan Road;Shenzhen;Guangdong;518057;China\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Han Mei\r\nBDAY:--0715\r\n"
    "EMAIL:han@example.com\r\nEND:VCARD\r\n"
)


@pytest.fixture
def cards(db_path, tmp_path):
    ok("config", "set", "default_region", "CN")
    file = tmp_path / "local.vcf"
    file.write_text(LOCAL, encoding="utf-8")
    result = crm("import", "customers", str(file))
    assert "2 inserted" in result.stderr, result.stderr
    return db_path


def test_vcard_types_follow_local_numbers_once_normalised(cards):
    assert person(1)["phones"] == ["+8613800138009", "+8613800138013"]  # no extension: E.164
    v3 = ok("export", "customers", "--format", "vcard")
    assert "TEL;TYPE=CELL:+8613800138009\n" in v3
    assert "TEL;TYPE=WORK:+8613800138013 ext. 5\n" in v3  # the extension, from the kept card
    v4 = ok("export", "customers", "--format", "vcard", "--vcard-version", "4.0")
    assert "TEL;TYPE=CELL;VALUE=uri:tel:+8613800138009\n" in v4
    assert "TEL;TYPE=WORK;VALUE=uri:tel:+8613800138013;ext=5\n" in v4
    # A number the card does not have gets no type; one crm dropped is not written.
    ok("edit", "1", "--remove-phone", "+8613800138009", "--phone", "13912345678")
    v3 = ok("export", "customers", "--format", "vcard", "--where", "id = 1")
    assert "TEL:+8613912345678\n" in v3 and "8009" not in v3


def test_vcard_postal_code_and_yearless_birthday_are_fields(cards):
    li, han = person(1), person(2)
    assert li["fields"] == {"postal_code": "518057"}  # as Google's Address 1 - Postal Code
    assert (li["address"], li["city"], li["region"]) == ("1 Keyuan Road", "Shenzhen", "Guangdong")
    assert han["birthday"] is None and han["fields"] == {"birthday_no_year": "07-15"}
    assert "birthday_no_year  07-15" in ok("show", "2")
    # The same as a CSV with --07-15 gives.
    ok("import", "customers", "-", "--format", "csv", input="name,birthday\nLily,--07-15\n")
    assert person(3)["fields"] == {"birthday_no_year": "07-15"}
    v4 = ok("export", "customers", "--format", "vcard", "--vcard-version", "4.0")
    assert (
        "BDAY:--0715\n" in v4
        and "ADR;TYPE=WORK:;;1 Keyuan Road;Shenzhen;Guangdong;518057;China\n" in v4
    )
    # A malformed yearless date is not a birthday: it stays in the card only.
    ok("import", "customers", "-", "--format", "vcard",
       input="BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Odd\r\nBDAY:--7\r\nEND:VCARD\r\n")  # fmt: skip
    assert person(4)["fields"] == {} and person(4)["birthday"] is None


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_reimporting_our_vcard_export_is_unchanged(db_path, tmp_path, version):
    ok("config", "set", "default_region", "CN")
    ok("import", "customers", str(DATA / "phone.vcf"))
    exported = tmp_path / "e1.vcf"
    ok("export", "customers", "--vcard-version", version, "-o", str(exported))
    before = data(db_path)
    result = crm("import", "customers", str(exported), "--key", "email")
    assert "0 inserted, 0 updated, 2 unchanged, 0 rejected (2 rows)" in result.stderr
    assert data(db_path) == before  # the card from the phone is kept, not our export
    # An edited card is a change.
    exported.write_text(exported.read_text("utf-8").replace("TITLE:CTO", "TITLE:CEO"), "utf-8")
    result = crm("import", "customers", str(exported), "--key", "email")
    assert "0 inserted, 1 updated, 1 unchanged" in result.stderr


# Options and empty files (issue 7 tester, findings 6-8) -----------------------------------


def test_a_dry_run_writes_no_rejects_file(filled, tmp_path):
    file = tmp_path / "c.csv"
    file.write_text("name,email\nGood,good@example.com\nBad,bad\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    err = fails(2, "import", "customers", str(file), "--dry-run", "--skip-invalid",
                "--rejects", str(rejects), db=filled)  # fmt: skip
    assert err == "crm: --dry-run writes nothing, not even a --rejects file: leave one out\n"
    assert not rejects.exists()
    result = crm("import", "customers", str(file), "--dry-run", "--skip-invalid")
    assert "would be 1 inserted, 0 updated, 0 unchanged, 1 rejected" in result.stderr
    ok("import", "customers", str(file), "--skip-invalid", "--rejects", str(rejects))
    assert "invalid email" in rejects.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "what"),
    [("c.vcf", "vCard"), ("c.jsonl", "records"), ("c.json", "records"), ("c.csv", "header row"),
     ("c.tsv", "header row")],
)  # fmt: skip
def test_an_empty_file_of_any_format_is_refused(filled, tmp_path, name, what):
    for content in ("", "\ufeff\r\n\n"):
        file = tmp_path / name
        file.write_text(content, encoding="utf-8")
        for kind in ("customers", "tasks"):
            err = fails(2, "import", kind, str(file), db=filled)
            assert err == f"crm: {file} is empty: it has no {what}\n"
    err = fails(2, "import", "customers", "-", "--format", "vcard", input="", db=filled)
    assert err == "crm: standard input is empty: it has no vCard\n"
    # A file with a header or an empty JSON array is not empty: it has no rows.
    (tmp_path / "h.csv").write_text("name,email\n", encoding="utf-8")
    assert "(0 rows)" in crm("import", "customers", str(tmp_path / "h.csv")).stderr
    (tmp_path / "a.json").write_text("[]", encoding="utf-8")
    assert "(0 rows)" in crm("import", "customers", str(tmp_path / "a.json")).stderr


def test_vcard_version_goes_with_vcard_only(filled, tmp_path):
    for args in (["--format", "csv"], ["--format", "json"], ["-o", str(tmp_path / "c.csv")]):
        err = fails(2, "export", "customers", *args, "--vcard-version", "4.0", db=filled)
        assert err.startswith("crm: --vcard-version goes with --format vcard, not ")
    assert not (tmp_path / "c.csv").exists()
    assert "VERSION:4.0" in ok("export", "customers", "--format", "vcard", "--vcard-version", "4.0")
    ok("export", "customers", "-o", str(tmp_path / "c.vcf"), "--vcard-version", "4.0")
    assert "VERSION:4.0" in (tmp_path / "c.vcf").read_text(encoding="utf-8")
    assert "VERSION:3.0" in ok("export", "customers", "--format", "vcard")
