"""An import names a refused row as a spreadsheet shows it (the header is row 1), with the
line of the file it begins on where the two differ: after a quoted cell that runs over
lines, a spreadsheet shows one row where a text editor shows several lines
(crmcli.core.text `Place` and `row_said`)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import crm, dump, examples


def test_a_row_after_a_note_over_three_lines_is_named_by_its_row_and_line(db_path):
    text = 'name,notes,email\nA,"line1\nline2\nline3",a@x.cn\nB,ok,bad@\nC,"x\ny",c@\n'
    result = crm("import", "customers", "-", "--format", "csv", input=text)
    assert result.exit_code == 2
    assert "  row 3 (line 5): invalid email 'bad@'" in result.stderr, result.stderr
    assert "  row 4 (line 6): invalid email 'c@'" in result.stderr, result.stderr
    chinese = crm("--lang", "zh", "import", "customers", "-", "--format", "csv", input=text)
    assert "  第 3 行（文件第 5 行）：邮箱“bad@”无效" in chinese.stderr, chinese.stderr


def test_a_row_of_a_file_without_notes_over_lines_is_named_by_its_number_alone(db_path):
    text = "name,email\nA,a@x.cn\n\nB,bad@\n"  # a blank line is a row of a spreadsheet too
    result = crm("import", "customers", "-", "--format", "csv", input=text)
    assert result.exit_code == 2 and "  row 4: invalid email 'bad@'" in result.stderr


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=6), st.data())
def test_the_row_and_line_named_are_those_a_spreadsheet_and_an_editor_show(db_path, spans, data):
    """Rows whose notes run over `spans` lines each; one row, chosen, has a bad email: the
    refusal names its row as counted by rows (header 1) and its first line as counted by
    line breaks, together only where they differ."""
    bad = data.draw(st.integers(0, len(spans) - 1))
    lines, rows = ["name,notes,email"], []
    for n, span in enumerate(spans):
        note = "\n".join(f"note {n} part {i}" for i in range(span))
        email = "bad@" if n == bad else f"p{n}@x.cn"
        rows.append((len(lines) + 1, n + 2))  # (its first line, its row)
        lines.extend(f'P{n},"{note}",{email}'.split("\n"))
    before = dump(db_path)
    result = crm("import", "customers", "-", "--format", "csv", input="\n".join(lines) + "\n")
    assert result.exit_code == 2
    line, row = rows[bad]
    where = f"row {row}" if row == line else f"row {row} (line {line})"
    assert f"\n  {where}: invalid email 'bad@'" in result.stderr, (where, result.stderr)
    assert dump(db_path) == before


def test_a_duplicate_names_the_earlier_row_by_its_row_not_the_line_it_ends_on(db_path, tmp_path):
    """The earlier row that added the customer is named as the refused row is: row 2, not
    the line its note ends on (4), and not the refused row's own number."""
    text = 'name,email,notes\nA,a@x.com,"n1\nn2\nn3"\nA2,a@x.com,\n'
    before = dump(db_path)
    result = crm("import", "customers", "-", "--format", "csv", input=text)
    assert result.exit_code == 2 and dump(db_path) == before
    assert "  row 3 (line 5): A of row 2 already has a@x.com" in result.stderr, result.stderr
    chinese = crm("--lang", "zh", "import", "customers", "-", "--format", "csv", input=text)
    assert "第 3 行（文件第 5 行）：第 2 行的 A " in chinese.stderr, chinese.stderr
    rejects = tmp_path / "rej.csv"
    kept = crm(
        "import", "customers", "-", "--format", "csv", "--skip-invalid",
        "--rejects", str(rejects), input=text,
    )  # fmt: skip
    assert kept.exit_code == 0, kept.stderr
    assert "A of row 2 already has a@x.com" in rejects.read_text(encoding="utf-8")


def test_a_duplicate_after_a_note_names_the_earlier_rows_row_and_line(db_path):
    text = 'name,notes,email\nX,"a\nb",x@x.cn\nA,"n1\nn2",a@x.com\nA2,,a@x.com\n'
    result = crm("import", "customers", "-", "--format", "csv", input=text)
    assert "  row 4 (line 6): A of row 3 (line 4) already has a@x.com" in result.stderr, (
        result.stderr
    )


def test_the_rejects_file_gives_the_line_the_row_begins_on_as_the_refusal_does(db_path, tmp_path):
    """reject_line is the line the refused row begins on (docs/transfer.md: its line), the one
    the refusal names beside its row: a row ending three lines later is still that line."""
    import csv

    text = 'name,email,notes\nA,a@x.com,ok\nB,bad@,"q\nr\ns"\nC,"c@","t\nu"\nD,bad2@,\n'
    rejects = tmp_path / "rej.csv"
    result = crm(
        "import", "customers", "-", "--format", "csv", "--skip-invalid",
        "--rejects", str(rejects), input=text,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    listed = crm("import", "customers", "-", "--format", "csv", "--dry-run", input=text)
    assert "  row 3: invalid email 'bad@'" in listed.stderr, listed.stderr
    assert "  row 4 (line 6): invalid email 'c@'" in listed.stderr, listed.stderr
    rows = list(csv.DictReader(rejects.open(encoding="utf-8-sig")))
    assert [(r["name"], r["reject_line"]) for r in rows] == [("B", "3"), ("C", "6"), ("D", "8")]
    assert list(rows[0]) == ["name", "email", "notes", "reject_line", "reject_reason"]


def test_a_purchase_row_after_a_note_over_lines_is_named_as_a_customer_row_is(db_path, tmp_path):
    """Purchases imported by sets name a row as customer imports do: row 3 (line 4), not the
    line it ends on; the rejects file gives the line it begins on."""
    import csv

    assert crm("add", "Ann", "-q").exit_code == 0
    text = 'customer,item,amount,note\nAnn,Tea,3,"a\nb"\nAnn,Cup,abc,\nAnn,Pot,x,"c\nd"\n'
    before = dump(db_path)
    result = crm("import", "purchases", "-", "--format", "csv", input=text)
    assert result.exit_code == 2 and dump(db_path) == before
    assert "\n  row 3 (line 4): not an amount: 'abc'" in result.stderr, result.stderr
    assert "\n  row 4 (line 5): not an amount: 'x'" in result.stderr, result.stderr
    chinese = crm("--lang", "zh", "import", "purchases", "-", "--format", "csv", input=text)
    assert "  第 3 行（文件第 4 行）：" in chinese.stderr, chinese.stderr
    rejects = tmp_path / "rej.csv"
    kept = crm(
        "import", "purchases", "-", "--format", "csv", "--skip-invalid",
        "--rejects", str(rejects), input=text,
    )  # fmt: skip
    assert kept.exit_code == 0, kept.stderr
    rows = list(csv.DictReader(rejects.open(encoding="utf-8-sig")))
    assert [(r["item"], r["reject_line"]) for r in rows] == [("Cup", "4"), ("Pot", "5")]
