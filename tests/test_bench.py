"""The benchmark scripts keep working: build the tiny database and run every section once.

No timing is asserted (figures depend on the machine); this only proves that bench/generate.py
builds a database through crm's import path, that bench/run.py measures every section and
prints its table, and that the report baselines compute crm's numbers (--check).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def test_generate_and_run_tiny(tmp_path: Path) -> None:
    db = tmp_path / "tiny.db"
    built = subprocess.run(
        [sys.executable, str(BENCH / "generate.py"), "--size", "tiny", "--out", str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(built.stdout.splitlines()[-1])
    assert info["size"] == "tiny"
    assert info["rows"]["customers"] == 200
    assert info["rows"]["purchases"] == 2000
    assert info["rows"]["interactions"] == 600
    assert info["rows"]["customer_tags"] > 0
    marker = json.loads((tmp_path / "tiny.db.bench.json").read_text())
    assert marker["version"] == info["version"]
    # each step's CPU (the crm it ran, waited for) and peak memory, for a loaded machine
    imports = [f"crm import {kind}" for kind in ("customers", "purchases", "interactions")]
    assert all(marker["cpu_seconds"][step] > 0 for step in imports)
    assert all(marker["peak_mib"][step] > 0 for step in imports)
    assert marker["build_cpu_seconds"] >= marker["cpu_seconds"]["crm import customers"]

    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "run.py"),
            "--size",
            "tiny",
            "--runs",
            "1",
            "--db",
            str(db),
            "--dir",
            str(tmp_path / "work"),
            "--check",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "building" not in done.stderr  # the cached database was reused
    assert "the report baselines compute the same numbers as crm" in done.stderr
    table = [line for line in done.stdout.splitlines() if line.startswith("|")]
    assert table[0].startswith("| section | command |")
    sections = {line.split("|")[1].strip() for line in table[2:]}
    assert sections == {"startup", "import", "reports", "remind", "search", "export", "backtest"}
    for command in (
        "`crm show ID`",
        "`crm import purchases`",
        "`floor: csv.reader into executemany`",
        "`crm report lifecycle`",
        "`crm today -f csv`",
        "`crm export customers -f csv`",
        "`crm report value --backtest DATE`",
        "`crm report churn --backtest DATE`",
    ):
        assert any(command in line for line in table), command
    assert not (tmp_path / "work" / "startup-tiny.db").exists()  # the scratch copy is gone


def test_the_benchmark_never_replaces_a_database_it_did_not_build(tmp_path: Path) -> None:
    mine = tmp_path / "user.db"
    mine.write_bytes(b"precious")
    bench = [sys.executable, str(BENCH / "run.py"), "--size", "tiny", "--runs", "1"]
    refused = subprocess.run(
        [*bench, "--only", "startup", "--db", str(mine), "--dir", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert refused.returncode != 0 and "was not built by bench/generate.py" in refused.stderr
    assert mine.read_bytes() == b"precious"
    for bad in (["--runs", "0"], ["--only", ""], ["--dir", "/proc/no/such"]):
        result = subprocess.run([*bench, *bad], capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and "Traceback" not in result.stderr, bad


def test_mutation_testing_refuses_test_ids_pytest_cannot_find_again(tmp_path: Path) -> None:
    """bench/mutate.py starts only when pytest finds each test of the selection by the id it
    gave, in a later run in the same process, as mutmut names a mutant's tests: a test it
    cannot find stops pytest, and mutmut counted every mutant that test reaches as killed."""
    from bench.mutate import unusable_ids

    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_ids.py").write_text(
        "import pytest\n"
        "@pytest.mark.parametrize('n', [1, 2, 3], ids=['月', 'two', '每 周'])\n"
        "def test_named(n): pass\n"
        "@pytest.mark.parametrize('word', ['年', 'a b'])\n"
        "def test_by_value(word): pass\n",
        encoding="utf-8",
    )
    assert unusable_ids(["tests/test_ids.py"], root=str(tmp_path)) == [
        "tests/test_ids.py::test_named[\\u6708]",
        "tests/test_ids.py::test_named[\\u6bcf \\u5468]",
    ]
    (tests / "test_broken.py").write_text("def test_(:\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"test_broken\.py"):
        unusable_ids(["tests/test_broken.py"], root=str(tmp_path))


def test_the_functions_changed_since_a_commit_are_given_as_mutation_patterns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """bench/changed_functions.py names each function or method of a mutated module whose
    syntax changed since a commit (moved, re-laid or commented is no change), as
    bench/mutate.py's patterns, and the decorated ones mutmut makes no mutants of apart."""
    from bench.changed_functions import main

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(tmp_path), *args], capture_output=True,
                              text=True, check=True)  # fmt: skip
        return done.stdout.strip()

    module = tmp_path / "crmcli" / "core" / "money.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "def same(x):\n    return x + 1\n\n"
        "def body(x):\n    return x + 1\n\n"
        "def gone():\n    pass\n\n"
        "@lru_cache\ndef cached(x):\n    return x\n\n"
        "class Amount:\n    def said(self):\n        return 'a'\n\n"
        "    @staticmethod\n    def zero():\n        return 0\n",
        encoding="utf-8",
    )
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "two")
    first = git("rev-parse", "HEAD")
    module.write_text(
        "def new():\n    pass\n\n"
        "def body(x):\n    return x - 1\n\n"
        "def same(x):  # moved and commented\n    return (x\n            + 1)\n\n"
        "@lru_cache\ndef cached(x):\n    return -x\n\n"
        "class Amount:\n    def said(self):\n        return 'b'\n\n"
        "    @staticmethod\n    def zero():\n        return 1\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    main([first])  # against the working tree
    assert capsys.readouterr().out == (
        "money 'crmcli.core.money.x_new__mutmut_*' 'crmcli.core.money.x_body__mutmut_*'"
        " 'crmcli.core.money.xǁAmountǁsaid__mutmut_*' 'crmcli.core.money.xǁAmountǁzero__mutmut_*'\n"
        "# money, decorated (no mutants): 'crmcli.core.money.x_cached__mutmut_*'\n"
    )
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "three")
    main([first, "HEAD"])  # between two commits: the same
    assert capsys.readouterr().out.count("mutmut") == 5
    main(["HEAD"])  # nothing changed since
    assert capsys.readouterr().out == ""
    with pytest.raises(SystemExit, match="no commit 'nosuch'"):
        main(["nosuch"])


def test_wal_growth_times_four_quarters_of_one_transaction_and_leaves_no_file(tmp_path):
    """bench/wal_growth.py writes one WAL transaction in four steps and measures each; its
    scratch file, -wal and -shm are gone afterwards (no timing asserted)."""
    from bench.wal_growth import run

    quarters, commit = run(tmp_path, 1)
    assert len(quarters) == 4 and min(*quarters, commit) >= 0
    assert list(tmp_path.iterdir()) == []
