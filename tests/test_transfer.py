"""crm import and crm export: real-world files, one transaction, upserts, the CSV guard,
vCard round trips, and export all / import all restoring a database exactly."""

import csv
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import crm, dump, fails, ok

DATA = Path(__file__).parent / "data"
CRM = str(Path(sys.executable).with_name("crm"))


@pytest.fixture
def cn(db_path):
    ok("config", "set", "default_region", "CN")
    return db_path


def rows(db: Path, sql: str, *params) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def customers_json() -> list[dict]:
    return json.loads(ok("export", "customers", "--format", "json"))


def by_name() -> dict[str, dict]:
    return {c["name"]: c for c in customers_json()}


# Real-world files --------------------------------------------------------------------------


def test_google_contacts_csv(cn):
    result = crm("import", "customers", str(DATA / "google_contacts.csv"))
    assert result.exit_code == 0, result.stderr
    assert "Imported customers: 3 inserted, 0 updated, 0 unchanged, 0 rejected (3 rows)." in (
        result.stderr
    )
    assert "Ignored columns: Phonetic First Name" in result.stderr
    people = by_name()
    anna = people["Anna Smith"]
    assert anna["company"] == "Acme Corp" and anna["title"] == "CTO"
    assert anna["emails"] == ["anna.smith@acme.example", "anna@home.example"]
    assert anna["phones"] == ["+16505550101", "+16505550199"]
    assert anna["address"] == "1600 Amphitheatre Pkwy, Mountain View, CA 94043, US"
    assert anna["city"] == "Mountain View" and anna["country"] == "US"
    assert anna["tags"] == ["Clients"]  # `* myContacts` is Google's own label
    assert anna["birthday"] == "1985-03-14"
    assert anna["notes"] == "Met at the Shanghai trade fair.\nPrefers email."
    assert anna["fields"] == {
        "department": "Engineering", "postal_code": "94043", "website": "https://acme.example",
    }  # fmt: skip
    zhang = people["张伟"]  # family name first for Chinese names
    assert zhang["phones"] == ["+8613800138000", "+8613900139000"]  # ` ::: ` separates values
    assert zhang["fields"] == {"birthday_no_year": "08-15"}
    assert zhang["birthday"] is None
    assert people["Bob Lee"]["tags"] == []


def test_outlook_csv(cn):
    result = crm("import", "customers", str(DATA / "outlook.csv"))
    assert result.exit_code == 0, result.stderr
    maria = by_name()["Maria García"]
    assert maria["title"] == "Purchasing Director"  # Job Title; Outlook's Title is "Ms."
    assert maria["birthday"] == "1990-08-15" and maria["gender"] == "female"
    assert maria["phones"] == ["+34612345678", "+34911234567"]
    assert maria["fields"]["fax"] == "+34 91 123 45 00"
    assert maria["country"] == "Spain" and maria["city"] == "Madrid"
    assert maria["tags"] == ["Clients", "Spain"]
    tom = by_name()["Tom Wilson"]
    assert tom["birthday"] is None and tom["gender"] is None  # 0/0/00 and Unspecified
    assert "Title" in result.stderr.split("Ignored columns: ")[1]


def test_gbk_csv_needs_its_encoding(cn):
    err = fails(2, "import", "customers", str(DATA / "gbk_customers.csv"), db=cn)
    assert "is not UTF-8" in err and "--encoding gb18030" in err
    result = crm("import", "customers", str(DATA / "gbk_customers.csv"), "--encoding", "gbk")
    assert result.exit_code == 0, result.stderr
    wang = by_name()["王芳"]
    assert wang["phones"] == ["+8613912345678", "+861062345678"]
    assert wang["address"] == "北京市海淀区中关村大街1号"
    assert wang["birthday"] == "1988-05-20" and wang["company"] == "蓝海贸易"
    assert by_name()["李强"]["birthday"] == "1979-11-03"


def test_utf8_file_read_as_gbk_is_refused(cn, tmp_path):
    file = tmp_path / "utf8.csv"
    file.write_text("姓名,手机\n王芳,13912345678\n", encoding="utf-8")
    err = fails(2, "import", "customers", str(file), "--encoding", "gbk", db=cn)
    assert "is UTF-8, not gbk" in err
    fails(2, "import", "customers", str(file), "--encoding", "klingon", db=cn)


def test_utf8_bom_and_chinese_headers(cn, tmp_path):
    file = tmp_path / "bom.csv"
    file.write_bytes(
        "姓名,手机,邮箱,标签\n王芳,13912345678,wf@example.cn,大客户;北京\n".encode("utf-8-sig")
    )
    ok("import", "customers", str(file))
    assert by_name()["王芳"]["tags"] == ["北京", "大客户"]


def test_bad_row_in_the_middle_writes_nothing(cn):
    ok("add", "张伟", "--email", "zw@example.com")
    ok("add", "Anna Smith", "--email", "anna@example.com")
    file = str(DATA / "purchases_bad_row.csv")
    err = fails(2, "import", "purchases", file, db=cn)
    assert err.splitlines() == [
        "crm: 1 of 5 rows are invalid; nothing was imported (fix them, or add --skip-invalid "
        "to import the rest)",
        "  row 4: not an amount: 'twelve'; write it like 1299, 1,299.50, ¥1299 or 1299.5 USD",
    ]
    assert rows(cn, "SELECT count(*) FROM purchases") == [(0,)]


def test_skip_invalid_with_rejects_file(cn, tmp_path):
    ok("add", "张伟", "--email", "zw@example.com")
    ok("add", "Anna Smith", "--email", "anna@example.com")
    rejects = tmp_path / "rejects.csv"
    os.umask(0o022)
    result = crm(
        "import", "purchases", str(DATA / "purchases_bad_row.csv"), "--skip-invalid",
        "--rejects", str(rejects),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "4 inserted, 0 updated, 0 unchanged, 1 rejected (5 rows)" in result.stderr
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600
    lines = list(csv.reader(rejects.open(encoding="utf-8")))
    assert lines[0][-2:] == ["reject_line", "reject_reason"]
    assert lines[1][:3] == ["zw@example.com", "Tea cups", "twelve"]
    assert lines[1][-2] == "4" and "not an amount" in lines[1][-1]
    got = json.loads(ok("purchases", "--format", "json"))
    assert [(p["item"], p["amount"], p["currency"], p["payment"], p["order_ref"]) for p in got] == [
        ("Longjing tea 250g", "1299.50", "CNY", "wechat", "SO-1"),
        ("Gift box", "88.00", "CNY", "wechat", "SO-1"),
        ("Pu-erh cake", "45.00", "USD", "card", None),
        ("Pu-erh cake", "-45.00", "USD", "card", None),
    ]
    assert got[2]["purchased_at"] == "2026-10-03T14:30:00+08:00"


def test_dry_run_writes_nothing(cn):
    ok("add", "张伟", "--email", "zw@example.com")
    before = dump(cn)
    result = crm("import", "customers", str(DATA / "google_contacts.csv"), "--dry-run")
    assert result.exit_code == 0
    assert "Dry run, nothing written: customers would be 3 inserted" in result.stderr
    assert dump(cn) == before


def test_purchase_rows_are_validated_as_crm_buy(cn, tmp_path):
    ok("add", "张伟", "--external-id", "C-1")
    ok("product", "add", "Longjing tea", "--price", "120", "--category", "Tea")
    file = tmp_path / "p.csv"
    file.write_text(
        "customer,item,amount,quantity,date\n"
        "C-1,longjing TEA,,2,2026-11-01\n"  # the product's price and category
        "C-1,Cup,¥12.345,,2026-11-01\n"  # too many decimals, as crm buy says
        "C-1,Cup,5,,2027-01-01\n"  # in the future
        "nobody,Cup,5,,2026-11-01\n",
        encoding="utf-8",
    )
    result = crm("import", "purchases", str(file), "--skip-invalid")
    assert result.exit_code == 0
    buy = crm("buy", "C-1", "Cup", "¥12.345")
    assert buy.exit_code == 2
    rejected = crm("import", "purchases", str(file))
    assert buy.stderr.removeprefix("crm: ").strip() in rejected.stderr
    assert "row 4: the purchase date 2027-01-01 is in the future" in rejected.stderr
    assert "row 5: no customer matches 'nobody'" in rejected.stderr
    line = json.loads(ok("purchases", "--format", "json"))[0]
    assert (line["item"], line["amount"], line["category"], line["quantity"]) == (
        "Longjing tea", "240.00", "Tea", 2,
    )  # fmt: skip


def test_customer_rows_are_validated_as_crm_add(cn, tmp_path):
    file = tmp_path / "c.jsonl"
    file.write_text(
        json.dumps({"name": "Good", "email": "good@example.com"}) + "\n"
        + json.dumps({"name": "Bad", "email": "not-an-email"}) + "\n"
        + json.dumps({"email": "nameless@example.com"}) + "\n"
        + "{broken\n",
        encoding="utf-8",
    )  # fmt: skip
    err = fails(2, "import", "customers", str(file), db=cn)
    added = crm("add", "Bad", "--email", "not-an-email").stderr.removeprefix("crm: ").strip()
    assert f"row 2: {added}" in err
    assert "row 3: a customer needs a name" in err
    assert "row 4: not JSON" in err


def test_upsert_by_external_id(cn, tmp_path):
    file = tmp_path / "c.json"
    file.write_text(
        json.dumps([
            {"external_id": "C-1", "name": "张伟", "phones": ["13800138000"], "tags": ["vip"]},
            {"external_id": "C-2", "name": "Anna", "fields": {"wechat": "anna_w"}},
        ]),
        encoding="utf-8",
    )  # fmt: skip
    assert "2 inserted" in crm("import", "customers", str(file)).stderr
    assert "0 inserted, 0 updated, 2 unchanged" in crm("import", "customers", str(file)).stderr
    file.write_text(json.dumps([{"external_id": "C-1", "city": "上海"}]), encoding="utf-8")
    assert "1 updated" in crm(
        "import", "customers", str(file), "--on-conflict", "skip"
    ).stderr.replace("0 updated, 1 unchanged", "1 updated")
    assert by_name()["张伟"]["city"] is None  # skipped
    assert "0 inserted, 1 updated" in crm("import", "customers", str(file)).stderr
    record = by_name()["张伟"]
    assert record["city"] == "上海" and record["phones"] == ["+8613800138000"]
    assert record["tags"] == ["vip"]
    err = fails(2, "import", "customers", str(file), "--on-conflict", "error", db=cn)
    assert "row 1: customer 1 already has this external_id" in err
    fails(2, "import", "customers", str(file), "--key", "name", db=cn)
    assert by_name()["Anna"]["fields"] == {"wechat": "anna_w"}


def test_upsert_by_email_and_phone(cn, tmp_path):
    ok("add", "Zhang Wei", "--email", "ZW@Example.com", "--phone", "13800138000")
    file = tmp_path / "c.csv"
    file.write_text("Name,Email,Company\nZhang Wei,zw@example.com,华为\n", encoding="utf-8")
    assert "1 updated" in crm("import", "customers", str(file), "--key", "email").stderr
    file.write_text("name,mobile,title\nZhang Wei,138 0013 8000,经理\n", encoding="utf-8")
    assert "1 updated" in crm("import", "customers", str(file), "--key", "phone").stderr
    record = by_name()["Zhang Wei"]
    assert (record["company"], record["title"]) == ("华为", "经理")
    assert len(customers_json()) == 1


def test_map_and_keep_unknown(cn, tmp_path):
    file = tmp_path / "c.csv"
    file.write_text("客户,Handy,爱好,Ignore me\n王芳,13912345678,tea,x\n", encoding="utf-8")
    result = crm(
        "import", "customers", str(file), "--map", "客户=name", "--map", "Handy=phone",
        "--map", "Ignore me=-", "--keep-unknown",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "Ignored" not in result.stderr
    wang = by_name()["王芳"]
    assert wang["phones"] == ["+8613912345678"] and wang["fields"] == {"爱好": "tea"}
    err = fails(2, "import", "customers", str(file), "--map", "客户=nmae", db=cn)
    assert "unknown field 'nmae'" in err
    fails(2, "import", "customers", str(file), "--map", "nothing", db=cn)


def test_stdin_and_format_guess(cn):
    data = '{"name": "Stdin Person", "email": "s@example.com"}\n'
    result = crm("import", "customers", "-", input=data)
    assert result.exit_code == 0, result.stderr
    assert by_name()["Stdin Person"]["emails"] == ["s@example.com"]
    tsv = "name\tcity\nTab Person\t北京\n"
    assert crm("import", "customers", "-", "--format", "tsv", input=tsv).exit_code == 0
    assert by_name()["Tab Person"]["city"] == "北京"
    fails(2, "import", "customers", "/no/such/file.csv", db=cn)
    fails(2, "import", "purchases", str(DATA / "phone.vcf"), db=cn)


def test_interactions_and_tasks_import_and_ics_export(cn, tmp_path):
    ok("add", "张伟", "--external-id", "C-1")
    calls = tmp_path / "calls.csv"
    calls.write_text(
        "customer,kind,date,text,duration,direction\n"
        "C-1,call,2026-11-20 15:00,Asked for a quote,15m,in\n"
        "C-1,visit,2026-11-21,Tea tasting,,\n",
        encoding="utf-8",
    )
    assert "2 inserted" in crm("import", "interactions", str(calls)).stderr
    listed = json.loads(ok("interactions", "--format", "json"))
    assert [(i["kind"], i["duration_minutes"], i["direction"]) for i in listed] == [
        ("visit", None, None), ("call", 15, "in"),
    ]  # fmt: skip
    todo = tmp_path / "todo.csv"
    todo.write_text(
        "客户,任务,截止日期,every\nC-1,Send the quote,2026-11-27,\nC-1,Monthly call,2026-12-01,1m\n",
        encoding="utf-8",
    )
    assert "2 inserted" in crm("import", "tasks", str(todo)).stderr
    ics = ok("export", "tasks", "--format", "ics")
    assert "BEGIN:VCALENDAR" in ics and ics.count("BEGIN:VEVENT") == 2
    assert "SUMMARY:Send the quote (张伟)" in ics and "DTSTART;VALUE=DATE:20261127" in ics
    ics = ok("export", "interactions", "--format", "ics")
    assert ics.count("BEGIN:VEVENT") == 2 and "DTSTART;VALUE=DATE:20261120" in ics
    bad = tmp_path / "bad.csv"
    bad.write_text("customer,kind,text\nC-1,lunch,ate\n", encoding="utf-8")
    assert "kind must be one of" in fails(2, "import", "interactions", str(bad), db=cn)


# vCard -------------------------------------------------------------------------------------


def test_vcard_from_a_phone_survives_a_round_trip(cn, tmp_path):
    result = crm("import", "customers", str(DATA / "phone.vcf"))
    assert result.exit_code == 0, result.stderr
    people = by_name()
    zhang = people["张伟"]
    assert zhang["phones"] == ["+8613800138000", "+8675528780808", "+8613900139000"]
    assert zhang["company"] == "华为技术" and zhang["city"] == "深圳"
    assert zhang["birthday"] == "1985-08-15"
    anna = people["Anna Smith"]
    assert anna["gender"] == "female" and anna["tags"] == ["Clients", "VIP"]
    assert anna["fields"] == {"birthday_no_year": "03-14"} or anna["birthday"] is None
    out = tmp_path / "out.vcf"
    ok("export", "customers", "-o", str(out))
    text = out.read_text(encoding="utf-8")
    for kept in (
        "X-WECHAT:zw_88",
        "X-SOCIALPROFILE;TYPE=weibo;X-USER=zhangwei:https://weibo.com/zhangwei",
        "PHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgo",
        "UID:7A1D3C52-9B1E-4C8B-9E0B-2F3C4D5E6F70",
        "TEL;TYPE=CELL,VOICE,pref:+8613800138000",
        "item1.TEL:+8613900139000",
        "item1.X-ABLABEL:微信",
        "ORG:华为技术;采购部",
        "item2.ADR;TYPE=WORK,pref:;;坂田华为基地;深圳;广东;518129;中国",
        "IMPP:xmpp:anna@acme.example",
        "BDAY:--0314",
    ):
        assert kept in text, kept
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    # The exported cards import back onto the same customers, changing nothing.
    before = dump(cn)
    again = crm("import", "customers", str(out), "--key", "email")
    assert "0 inserted" in again.stderr and "0 rejected" in again.stderr
    assert len(customers_json()) == 2
    assert by_name()["张伟"]["phones"] == zhang["phones"]
    assert before.count('INSERT INTO "customers"') == dump(cn).count('INSERT INTO "customers"')
    v4 = ok("export", "customers", "--format", "vcard", "--vcard-version", "4.0")
    assert "VERSION:4.0" in v4 and "GENDER:F" in v4
    fails(2, "export", "customers", "--format", "vcard", "--vcard-version", "2.1")


# Export ------------------------------------------------------------------------------------


def test_export_uses_the_same_filter_as_list_and_tag(cn):
    ok("demo", "--db", str(cn), "--customers", "80")
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
    ok("buy", "1", "Refund", "-80")
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


def test_export_through_a_real_pipe_is_plain(cn, tmp_path):
    ok("add", "+Plus Name")
    proc = subprocess.run([CRM, "export", "customers"], capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines()[1].startswith("1,+Plus Name,")


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


# The whole database ------------------------------------------------------------------------


def _full_database(db: Path) -> None:
    ok("demo", "--db", str(db))
    ok("--db", str(db), "stage", "1", "prospect")
    ok("--db", str(db), "tag", "vip", "1", "2")
    ok("--db", str(db), "log", "call", "1", "Asked for a quote", "--follow-up", "fri:send it")
    ok("--db", str(db), "task", "done", "1")
    ok("--db", str(db), "product", "add", "Gift box", "--price", "88", "--sku", "GB-1")
    ok("--db", str(db), "buy", "1", "GB-1")
    ok("--db", str(db), "purchase", "delete", "1")  # an AUTOINCREMENT gap to keep
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
        skip = ('"changesets"', '"history"', '"search_', "'changesets'", "'history'")
        return sorted(ln for ln in dump(path).splitlines() if not any(k in ln for k in skip))

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


def test_import_all_refuses_bad_documents(tmp_path, db_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}', encoding="utf-8")
    fails(2, "import", "all", str(bad))
    bad.write_text("not json", encoding="utf-8")
    fails(2, "import", "all", str(bad))
    bad.write_text(json.dumps({"format": "crmcli-export", "format_version": 1,
                               "schema_version": 999, "tables": {}}), encoding="utf-8")  # fmt: skip
    assert "newer than this crm" in fails(2, "import", "all", str(bad))
    bad.write_text(json.dumps({"format": "crmcli-export", "format_version": 1, "schema_version": 1,
                               "tables": {"tasks": {"columns": ["id", "customer_id", "text",
                               "due_on", "created_at", "updated_at"], "rows": [[1, 99, "x",
                               "2026-01-01", "t", "t"]]}}}), encoding="utf-8")  # fmt: skip
    assert "point to rows that are not in the export" in fails(2, "import", "all", str(bad))


# Fuzz --------------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CELL = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(rows=st.lists(st.tuples(CELL, CELL, CELL), max_size=4), kind=st.sampled_from(
    ["customers", "purchases", "interactions", "tasks"]))  # fmt: skip
def test_any_csv_gives_an_answer_never_a_traceback(db_path, rows, kind):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "customer", "amount"])
    writer.writerows(rows)
    before = dump(db_path)
    result = crm("import", kind, "-", "--format", "csv", input=buffer.getvalue())
    assert result.exit_code in (0, 2), result.stderr
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        assert result.stderr.startswith("crm: ") and dump(db_path) == before


def test_rejects_of_json_input_are_json_lines(cn, tmp_path):
    ok("add", "张伟", "--external-id", "C-1")
    calls = tmp_path / "calls.jsonl"
    calls.write_text(
        json.dumps({"customer": "C-1", "kind": "call", "text": "ok", "at": "2026-11-20"}) + "\n"
        + json.dumps({"customer": "C-1", "kind": "lunch", "text": "no"}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    rejects = tmp_path / "rejects.jsonl"
    result = crm("import", "interactions", str(calls), "--skip-invalid", "--rejects", str(rejects))
    assert "1 inserted, 0 updated, 0 unchanged, 1 rejected (2 rows)" in result.stderr
    lines = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert lines == [{
        "reject_line": 2,
        "reject_reason": lines[0]["reject_reason"],
        "record": {"customer": "C-1", "kind": "lunch", "text": "no"},
    }]  # fmt: skip
    assert lines[0]["reject_reason"].startswith("kind must be one of")
