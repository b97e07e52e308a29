"""A file that cannot be written or read is named in the error, and the right one is
blamed: a full disk under an `-o` or `--rejects` file names that file (not "the output"),
an input file that cannot be read names the input (not the output), in either language;
nothing is left half-written and nothing changes."""

import os

import pytest

import crmcli.store.files as files
from tests.conftest import add, fails, ok, rows


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch):
    """Every file crm writes through write_output lands on /dev/full: each write fails with
    ENOSPC, as on a full disk."""
    real = files.new_temp

    def new_temp(path):
        fd, temp = real(path)
        os.close(fd)
        return os.open("/dev/full", os.O_WRONLY), temp

    monkeypatch.setattr(files, "new_temp", new_temp)


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "crm: {out} could not be written (No space left on device)\n"),
     ("zh", "crm: 无法写入 {out}（磁盘空间不足）\n")],
)  # fmt: skip
def test_a_full_disk_under_an_output_file_names_the_file(db_path, tmp_path, full_disk, lang, said):
    add("Anna")
    out = tmp_path / "out.csv"
    err = fails(1, "--lang", lang, "export", "customers", "-o", str(out), db=db_path)
    assert err == said.format(out=out)
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if "out" in p.name] == []


def test_a_full_disk_under_a_rejects_file_names_it_and_imports_nothing(
    db_path, tmp_path, full_disk
):
    add("Anna")
    source = tmp_path / "in.csv"
    source.write_text("name,email\nBen,not-an-email\nChen,chen@example.com\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    args = ("import", "customers", str(source), "--skip-invalid", "--rejects", str(rejects))
    err = fails(1, "--lang", "zh", *args, db=db_path)
    assert err == f"crm: 无法写入 {rejects}（磁盘空间不足）；未做任何改动\n"
    err = fails(1, *args, db=db_path)
    assert (
        err
        == f"crm: {rejects} could not be written (No space left on device); nothing was changed\n"
    )
    assert rows(db_path, "SELECT name FROM customers") == [("Anna",)]


@pytest.mark.skipif(not os.path.exists("/proc/self/mem"), reason="needs Linux's /proc")
@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "crm: cannot read /proc/self/mem: Input/output error\n"),
     ("zh", "crm: 无法读取 /proc/self/mem：读写出错（磁盘可能有故障）\n")],
)  # fmt: skip
def test_an_input_that_cannot_be_read_is_blamed_not_the_output(db_path, lang, said):
    """/proc/self/mem reads as a file of no size whose first block fails with EIO."""
    add("Anna")
    err = fails(1, "--lang", lang, "import", "customers", "/proc/self/mem", db=db_path)
    assert err == said


@pytest.mark.parametrize("kind", ["customers", "purchases"])
def test_a_row_with_more_cells_than_the_header_is_written_whole_to_the_rejects(
    db_path, tmp_path, kind
):
    """Its cells were lost: the rejects file had `,,2,4 cells but 2 columns`."""
    add("Ann")
    source = tmp_path / "in.csv"
    header = "name,email" if kind == "customers" else "customer,amount,product"
    wide = "Bo,bo@example.com,上海,,地址" if kind == "customers" else "Ann,10,,Tea,x"
    good = "Cy,cy@example.com" if kind == "customers" else "Ann,12,Tea"  # an empty cell too
    source.write_text(f"{header}\n{wide}\n{good}\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    ok("import", kind, str(source), "--skip-invalid", "--rejects", str(rejects), "--plain")
    lines = rejects.read_text(encoding="utf-8").splitlines()
    width = header.count(",") + 1
    cells = wide.split(",")
    count = len(cells)
    assert lines == [
        f"{header},reject_line,reject_reason",
        ",".join([*cells[:width], "2", f"{count} cells but {width} columns", *cells[width:]]),
    ], lines
