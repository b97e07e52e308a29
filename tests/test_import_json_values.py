"""crm import of JSON and JSON Lines: a JSON number, true or false, an object or a list in a
field is read as the file wrote it, or the row is refused naming the field; never stored as
Python's repr of a float (`123457000000.0`) or rounded through one."""

import json
from pathlib import Path

import pytest

from tests.conftest import add, fails, ok, rows


def _write(path: Path, records: list[str], fmt: str) -> Path:
    """`records` (each one JSON object's text, as written) as a .json array or .jsonl lines."""
    file = path / f"in.{fmt}"
    text = "[" + ",\n".join(records) + "]\n" if fmt == "json" else "\n".join(records) + "\n"
    file.write_text(text, encoding="utf-8")
    return file


def _customer(db: Path, name: str) -> dict:
    (id_,) = rows(db, "SELECT id FROM customers WHERE name = ?", name)[0]
    return json.loads(ok("show", str(id_), "--format", "json"))


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_a_whole_number_in_a_text_field_is_its_digits(cn, tmp_path, fmt):
    """`123.0` was stored `123.0` and `1e3` `1000.0` (the float's repr): a whole number is
    its digits in any text field, and a number with a fraction is kept as written. A list
    still gives several phones, emails, tags and notes (joined)."""
    file = _write(tmp_path, [
        '{"name": 5, "external_id": 123, "notes": 123.0, "phone": 13800138000, "size": 7.0}',
        '{"name": "B", "notes": 2.50, "fields": {"ratio": 0.5, "floor": 12.000}}',
        '{"name": "C", "phone": [13900139000, "13700137000"], "email": ["a@x.cn", "b@x.cn"],'
        ' "tags": ["vip", 2026.0], "notes": ["one", 2.0]}',
    ], fmt)  # fmt: skip
    ok("import", "customers", str(file), "--keep-unknown")
    first = _customer(cn, "5")
    assert (first["external_id"], first["notes"], first["phones"], first["fields"]) == (
        "123",
        "123",
        ["+8613800138000"],
        {"size": "7"},
    )
    second = _customer(cn, "B")
    assert (second["notes"], second["fields"]) == ("2.50", {"ratio": "0.5", "floor": "12"})
    third = _customer(cn, "C")  # a list still gives several phones, emails, tags and notes
    assert (third["phones"], third["emails"], third["tags"], third["notes"]) == (
        ["+8613900139000", "+8613700137000"],
        ["a@x.cn", "b@x.cn"],
        ["2026", "vip"],
        "one\n2",
    )


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
@pytest.mark.parametrize(
    ("record", "said"),
    [
        (
            '{"name": "A", "external_id": 1.23457e+11}',
            "row 1: invalid external_id 1.23457e+11: a JSON number in exponent form, whose last "
            "digits may be lost; write it in the file as a string with all its digits",
        ),
        (
            '{"name": "A", "notes": 1e3}',
            "row 1: invalid notes 1e3: a JSON number in exponent form",
        ),
        (
            '{"name": "A", "phone": 13800138000.0}',
            "row 1: invalid phone 13800138000.0: a JSON number with a decimal point, where "
            "digits are expected; write it in the file as a string with all its digits",
        ),
        (
            '{"name": "A", "external_id": 123.0}',
            "row 1: invalid external_id 123.0: a JSON number with a decimal point",
        ),
        (
            '{"name": "A", "national_id": 1.10105194912310e+17}',
            "row 1: invalid national_id 1.10105194912310e+17: a JSON number in exponent form",
        ),
        (
            '{"name": "A", "fields": {"code": 4.5e+11}}',
            "row 1: invalid fields.code 4.5e+11: a JSON number in exponent form",
        ),
        (
            '{"name": true}',
            'row 1: name is JSON true, not text; write it in the file as a string if "true" is '
            "meant",
        ),
        ('{"name": "A", "notes": {"a": 1}}', "row 1: notes is a JSON object, not text"),
        (
            '{"name": ["A", "B"]}',
            "row 1: name is a JSON list of 2 values, where one is read",
        ),
        (
            '{"name": "A", "tags": [["x", "y"]]}',
            "row 1: tags holds a JSON list or object inside a list, not text",
        ),
        (  # every such value of the row, at once
            '{"name": "A", "external_id": false, "city": true, "notes": 1E5}',
            "row 1: external_id is JSON false, not text; write it in the file as a string if "
            '"false" is meant; city is JSON true, not text; write it in the file as a string if '
            '"true" is meant; invalid notes 1E5: a JSON number in exponent form',
        ),
    ],
)
def test_json_no_text_field_holds_is_refused_naming_row_and_field(cn, tmp_path, fmt, record, said):
    """An id written 1.23457e+11 was stored `123457000000.0`, true as `true`, an object as its
    JSON text, a list of names as its first name: each now refuses the row, as a CSV cell
    in scientific notation is, and the import changes nothing."""
    file = _write(tmp_path, [record], fmt)
    err = fails(2, "import", "customers", str(file), "--keep-unknown", db=cn)
    assert said in err, err


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_a_json_true_or_false_of_the_user_s_own_field_is_kept_as_such(cn, tmp_path, fmt):
    # `"vip": true` of another program's export, kept with --keep-unknown, as crm keeps
    # every field: text (a yes-or-no field of crm's own reads it; nowhere else is it read)
    file = _write(tmp_path, ['{"name": "A", "vip": true, "fields": {"opted_in": false}}'], fmt)
    ok("import", "customers", str(file), "--keep-unknown")
    shown = json.loads(ok("show", "A", "-f", "json"))
    assert (shown["fields"]["vip"], shown["fields"]["opted_in"]) == ("true", "false"), shown


def test_json_amounts_are_read_as_written_never_through_a_float(cn, tmp_path):
    """A JSON amount was read as a float and then its repr: 5.0000000000000001 became 5.00
    (rounded, unsaid) and 1e3 was read by luck. The amount is now the decimal the file
    wrote: 0.1 is 0.10, 1e3 is 1000.00, 19.90 is 19.90; 0.30000000000000004 (0.1 + 0.2 as a
    float) is refused as too many decimals, as 5.0000000000000001 is; a whole quantity
    written 2.0 is 2; true is a refund."""
    add("Ann", "--external-id", "42")
    lines = [
        ("a", "0.1", ""), ("b", "1e3", ', "quantity": 2.0'), ("c", "19.90", ""),
        ("d", "1.5", ', "is_refund": true, "note": 12.0'),
        ("e", "0.30000000000000004", ""), ("f", "5.0000000000000001", ""),
    ]  # fmt: skip
    records = [
        f'{{"customer": 42, "item": "{item}", "amount": {amount}, "date": "2026-11-01"{more}}}'
        for item, amount, more in lines
    ]
    file = _write(tmp_path, records, "json")
    result = fails(2, "import", "purchases", str(file), db=cn)
    assert "row 5: 0.30000000000000004 has 17 decimals but CNY has 2 decimals" in result
    assert "row 6: 5.0000000000000001 has 16 decimals but CNY has 2 decimals" in result
    ok("import", "purchases", str(file), "--skip-invalid")
    got = rows(cn, "SELECT item, amount_minor, quantity, note FROM purchases ORDER BY id")
    assert got == [
        ("a", 10, 1, None),
        ("b", 100000, 2, None),
        ("c", 1990, 1, None),
        ("d", -150, 1, "12"),
    ]  # a refund is a negative amount


def test_a_json_customer_reference_or_order_ref_with_a_decimal_point_is_refused(cn, tmp_path):
    add("Ann", "--external-id", "42")
    file = _write(tmp_path, [
        '{"customer": 42.0, "item": "a", "amount": 1, "date": "2026-11-01"}',
        '{"customer": 42, "item": "b", "amount": 1, "date": "2026-11-01", "order_ref": 1e3}',
    ], "jsonl")  # fmt: skip
    err = fails(2, "import", "purchases", str(file), db=cn)
    assert "row 1: invalid customer 42.0: a JSON number with a decimal point" in err
    assert "row 2: invalid order_ref 1e3: a JSON number in exponent form" in err


def test_json_interactions_read_numbers_as_written(cn, tmp_path):
    add("Ann", "--external-id", "42")
    file = _write(tmp_path, [
        '{"customer": 42, "kind": "call", "text": 2026.0, "duration": 90.0,'
        ' "date": "2026-11-01"}',
        '{"customer": 42, "kind": "call", "text": true, "date": "2026-11-01"}',
    ], "json")  # fmt: skip
    err = fails(2, "import", "interactions", str(file), db=cn)
    assert 'row 2: text is JSON true, not text; write it in the file as a string if "true"' in err
    ok("import", "interactions", str(file), "--skip-invalid")
    assert rows(cn, "SELECT text, duration_minutes FROM interactions") == [("2026", 90)]


def test_a_rejects_file_writes_a_json_number_as_the_input_wrote_it(cn, tmp_path):
    """The rejects file wrote the refused `1.23457e+11` as `123457000000.0`, another number
    than the one its reason quotes; it is now the file's own text, a JSON number still."""
    file = _write(tmp_path, ['{"name": "A", "external_id": 1.23457e+11, "notes": [2.50]}'], "jsonl")
    rejects = tmp_path / "rejects.jsonl"
    ok("import", "customers", str(file), "--skip-invalid", "--rejects", str(rejects))
    text = rejects.read_text(encoding="utf-8")
    assert '"record": {"name": "A", "external_id": 1.23457e+11, "notes": [2.50]}}' in text, text
    assert json.loads(text)["record"]["external_id"] == 1.23457e11


def test_a_json_number_of_more_digits_than_python_reads_is_refused_in_one_line(cn, tmp_path):
    # past 4,300 digits Python's int refuses the text: an internal error, exit 1
    huge = "1" + "0" * 5000
    lines = _write(tmp_path, [f'{{"customer": 1, "item": "Tea", "amount": {huge}}}'], "jsonl")
    said = fails(2, "import", "purchases", str(lines))
    assert "row 1: not JSON: a number of more digits than any value holds" in said, said
    document = _write(tmp_path, [f'{{"name": "X", "external_id": {huge}}}'], "json")
    said = fails(2, "import", "customers", str(document))
    assert said == (
        f"crm: {document} is not JSON: a number of more digits than any value holds at "
        "line 1, column 1\n"
    )
    assert rows(cn, "SELECT count(*) FROM customers") == [(0,)]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_a_json_key_given_twice_in_a_record_is_refused(cn, tmp_path, fmt):
    # json keeps the last of `"name": "N12", "name": "dup"` and drops the first unsaid
    file = _write(tmp_path, ['{"name": "N12", "phone": "13800138000", "name": "dup"}'], fmt)
    said = fails(2, "import", "customers", str(file))
    assert "not JSON: key 'name' given twice in one object" in said, said
    assert rows(cn, "SELECT count(*) FROM customers") == [(0,)]


def test_a_json_key_given_twice_is_placed_where_it_is_written_again(cn, tmp_path):
    file = tmp_path / "two.json"
    file.write_text('[\n  {"name": "A",\n   "name": "B"}\n]\n', encoding="utf-8")
    said = fails(2, "import", "customers", str(file))
    assert said.endswith("key 'name' given twice in one object at line 3, column 4\n"), said
