"""Shell completion: `crm completion SHELL` and what crm answers when the shell's script
calls it back (`_CRM_COMPLETE` with COMP_WORDS/COMP_CWORD for bash, _TYPER_COMPLETE_ARGS
for zsh and fish), driven through that protocol as the scripts drive it."""

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmcli.cli import app
from crmcli.core.where import OPERATORS
from tests.conftest import add, drain, dump, fails, filled_once, ok

CRM = str(Path(sys.executable).parent / "crm")


def bash(line: str, **env: str) -> list[str]:
    """What crm offers bash for `line` (the word being completed is its last, maybe '')."""
    words = line.split(" ")
    result = CliRunner().invoke(
        app, [],
        env={"_CRM_COMPLETE": "complete_bash", "COMP_WORDS": line,
             "COMP_CWORD": str(len(words) - 1), **env},
    )  # fmt: skip
    assert result.exit_code == 0 and result.stderr == "", (result.exit_code, result.stderr)
    return [line for line in result.stdout.splitlines() if line]


def shell(kind: str, line: str) -> str:
    env = {"_CRM_COMPLETE": f"complete_{kind}", "_TYPER_COMPLETE_ARGS": line,
           "_TYPER_COMPLETE_FISH_ACTION": "get-args"}  # fmt: skip
    result = CliRunner().invoke(app, [], env=env)
    assert result.exit_code == 0 and result.stderr == "", (result.exit_code, result.stderr)
    return result.stdout


@pytest.fixture
def people(db_path: Path) -> Path:
    filled_once(db_path, _fill_people)  # made once per worker, copied
    return db_path


def _fill_people() -> None:
    add("Wang Fang", "--city", "上海")
    add("Wanda Li")
    add("张伟")
    gone = add("Wangxi Gone")
    ok("delete", str(gone), "--yes")
    ok("tag", "vip", "Wang Fang")
    ok("tag", "vegan", "Wanda Li")
    ok("tag", "wholesale", "张伟")
    ok("stage", "Wang Fang", "prospect")
    ok("stage", "张伟", "customer")
    ok("segment", "save", "shanghai-vips", "--city", "上海", "--tag", "vip")
    ok("edit", "张伟", "--field", "wechat=zw_88")


@pytest.mark.parametrize("name", ["bash", "zsh", "fish"])
def test_completion_prints_the_script_of_each_shell(name):
    out = ok("completion", name)
    assert f"_CRM_COMPLETE=complete_{name}" in out
    assert "crm" in out.splitlines()[-1]


def test_completion_of_an_unknown_shell_is_refused():
    assert "tcsh" in fails(2, "completion", "tcsh")


def test_a_command_name_completes_from_the_modules_of_the_names_it_may_become(people):
    tab = loaded(_CRM_COMPLETE="complete_bash", COMP_WORDS="crm li", COMP_CWORD="1")
    assert "list" in tab and "crmcli.cli.customers" in tab
    assert not {"crmcli.cli.transfer", "crmcli.cli.value", "crmcli.cli.tasks"} & tab


def test_commands_and_options_complete(db_path):
    assert bash("crm li") == ["list"]
    assert {"report", "remind", "restore"} <= set(bash("crm re"))
    assert set(bash("crm list --li")) == {"--limit", "--lifecycle"}
    assert {"rfm", "sales", "churn"} <= set(bash("crm report "))


def test_zsh_and_fish_describe_commands_in_the_locales_language(db_path, monkeypatch):
    """The summaries zsh and fish show beside each name follow the locale, as help does."""
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    for kind in ("zsh", "fish"):
        offered = dict(line.split("\t", 1) for line in shell(kind, "crm re").splitlines())
        assert offered["remind"].startswith("输出到期事项"), offered
    monkeypatch.setenv("LANG", "C.UTF-8")
    offered = dict(line.split("\t", 1) for line in shell("zsh", "crm re").splitlines())
    assert offered["remind"].startswith("Print what is due"), offered


def test_fixed_values_complete_and_only_the_formats_a_command_writes(db_path):
    assert bash("crm export customers --format ") == ["csv", "tsv", "json", "jsonl", "vcard"]
    assert "ics" in bash("crm export tasks --format ")
    assert bash("crm list --lifecycle a") == ["active", "at_risk"]
    assert bash("crm list --abc ") == ["A", "B", "C"]
    assert bash("crm report sales --by c") == ["category", "customer", "city"]


def test_customers_complete_by_name_and_by_id_but_not_archived(people):
    # folded: case ignored; escaped for bash's line: "Wang Fang" is one word
    assert bash("crm show wan") == ["Wanda\\ Li", "Wang\\ Fang"]
    assert bash("crm show 张") == ["张伟"]
    assert bash("crm show 3") == ["3"]
    assert bash("crm show 4") == []  # archived
    assert bash("crm buy Wang") == ["Wang\\ Fang"]  # the customer argument of another command
    assert bash("crm merge 1 Wan") == ["Wanda\\ Li", "Wang\\ Fang"]
    assert "张伟" in bash("crm list --referred-by ") or bash("crm add X --referred-by 张") == [
        "张伟"
    ]


def test_a_value_that_reads_as_an_option_is_never_offered_as_an_argument(people):
    """A customer named `--all` completed into `crm delete --all` archived everyone."""
    ok("add", "--", "--everyone")
    ok("tag", "--", "--hot", "Wanda Li")
    assert "--everyone" not in bash("crm delete --e") + bash("crm show -") + bash("crm show ")
    assert "--hot" not in bash("crm untag -") + bash("crm untag ")
    assert "--hot" in bash("crm list --tag -")  # an option's value: read as the value


def test_inside_an_open_quote_values_are_not_backslashed(people):
    """Inside quotes bash keeps a backslash: `crm show "Wang F<Tab>` must give "Wang Fang"."""
    assert bash('crm show "Wang F', COMP_CWORD="2") == ["Wang Fang"]
    assert bash("crm show 'Wang F", COMP_CWORD="2") == ["Wang Fang"]
    assert bash('crm merge "Wang Fang" Wan', COMP_CWORD="3") == ["Wanda\\ Li", "Wang\\ Fang"]


def test_pinyin_finds_a_chinese_name_as_the_ref_lookup_does(people):
    assert ok("show", "zhang", "-f", "json").count('"name": "张伟"') == 1
    assert bash("crm show zhang") == ["张伟"]
    assert bash("crm show zw") == ["张伟"]  # initials too
    assert bash("crm show wan") == ["Wanda\\ Li", "Wang\\ Fang"]  # a name prefix first


def test_sort_fields_and_rfm_segments_complete_instead_of_file_names(db_path):
    assert bash("crm list --sort cr") == ["created_at"]
    assert bash("crm list --sort pi") == ["pinyin"]
    assert bash("crm report rfm --customers at") == ["at\\ risk"]
    assert "hibernating" in bash("crm report rfm --customers ")


def test_a_descending_sort_keeps_its_minus_in_every_shell(db_path):
    """`--sort -cr` is the value of --sort (descending created_at), not an option."""
    assert bash("crm list --sort -cr") == ["-created_at"]
    assert shell("zsh", "crm list --sort -cr").splitlines() == ["-created_at\tdescending"]
    assert shell("fish", "crm list --sort -cr").splitlines() == ["-created_at\tdescending"]
    assert "-name" in bash("crm list --sort -")
    assert bash("crm list --sort name --li") == ["--limit", "--lifecycle"]  # options still


def test_a_where_expression_completes_inside_quotes_field_operator_and_value(people):
    add("Li Lei", "--city", "Shenzhen")
    add("Ma Li", "--city", "shanghai")

    def quoted(line: str) -> list[str]:
        return bash(line, COMP_CWORD="3")

    # one field left: it comes with each operator, so bash keeps the quote open
    assert quoted('crm list --where "ci') == [f"city {op} " for op in OPERATORS]
    assert quoted('crm list --where "city ') == [f"city {op} " for op in OPERATORS]
    assert "created_at" in quoted('crm list --where "c')  # several: the names as they are
    assert quoted('crm list --where "city = Sh') == ["city = Shenzhen", "city = shanghai"]
    assert quoted("crm list --where 'city=上") == ["city=上海"]
    assert quoted('crm list --where "stage != pro') == ["stage != prospect"]
    assert quoted('crm list --where "tag ~ v') == ["tag ~ vegan", "tag ~ vip"]
    assert quoted('crm list --where "wechat = z') == []  # no values offered for it
    assert quoted('crm list --where "nosuch ') == []
    assert bash("crm list --where ci") == ["city"]  # unquoted: no spaces put in the word


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_tab_in_an_interactive_bash_keeps_a_where_quote_open(people, tmp_path):
    """Keys typed into a real interactive bash: Tab inside `--where "` completes the field
    and leaves the quote open, then completes the value and closes it (bash closed the
    quote after the field: `"city" = Sh` were three words)."""
    import pty

    add("Li Lei", "--city", "Shenzhen")
    rc = tmp_path / "rc.bash"
    rc.write_text(
        ok("completion", "bash") + "\ncrm() { printf '<%s>' \"$@\"; echo; }\n"
        "bind 'set bell-style none'\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PATH": f"{Path(CRM).parent}:{os.environ['PATH']}", "PS1": "$ ",
           "INPUTRC": "/dev/null", "TERM": "dumb", "CRM_DB": str(people),
           "CRM_PAGER": "cat"}  # fmt: skip
    leader, follower = pty.openpty()
    # readline reads the keys after each Tab's completion has run: typed all at once
    os.write(leader, b'crm list --where "ci\t= Sh\t--sort -cr\t\nexit\n')
    proc = subprocess.Popen(
        ["bash", "--noprofile", "--rcfile", str(rc), "-i"],
        stdin=follower, stdout=follower, stderr=follower, env=env, start_new_session=True,
    )  # fmt: skip
    said = drain(leader, follower, proc).decode()
    proc.wait(timeout=60)
    assert "<list><--where><city = Shenzhen><--sort><-created_at>" in said, said


def test_tags_stages_segments_and_where_fields_come_from_the_file(people):
    assert bash("crm list --tag v") == ["vegan", "vip"]
    assert bash("crm untag w") == ["wholesale"]
    assert bash("crm edit 1 --remove-tag ") == ["vegan", "vip", "wholesale"]
    assert bash("crm list --stage ") == ["customer", "prospect"]
    assert bash("crm stage 1 pro") == ["prospect"]
    assert bash("crm list --segment ") == ["shanghai-vips"]
    assert bash("crm list --where ci") == ["city"]
    assert "wechat" in bash("crm list --where we")  # a user-defined field of this file


def test_zsh_and_fish_get_descriptions(people):
    assert shell("zsh", "crm show Wang").splitlines() == ["Wang Fang\t#1"]
    assert any(line.startswith("list\tList") for line in shell("zsh", "crm li").splitlines())
    assert shell("fish", "crm show Wang").splitlines() == ["Wang Fang\t#1"]
    assert shell("fish", "crm list --tag v").splitlines() == ["vegan\ttag", "vip\ttag"]


def test_the_db_option_typed_on_the_line_is_the_file_completed_from(people, tmp_path):
    other = tmp_path / "other.db"
    ok("--db", str(other), "add", "Olga")
    assert bash(f"crm --db {other} show O") == ["Olga"]
    assert bash("crm show O") == []


def test_no_readable_database_completes_nothing_and_says_nothing(db_path, tmp_path):
    assert bash("crm show ", CRM_DB=str(tmp_path / "missing.db")) == []
    assert not (tmp_path / "missing.db").exists()
    garbage = tmp_path / "encrypted.db"  # what an encrypted file looks like to SQLite
    garbage.write_bytes(os.urandom(8192))
    before = garbage.read_bytes()
    assert bash("crm list --tag ", CRM_DB=str(garbage), CRM_KEY_FILE="/nonexistent") == []
    assert garbage.read_bytes() == before
    # options and commands still complete without a database
    assert bash("crm li", CRM_DB=str(garbage)) == ["list"]


def test_a_locked_database_completes_nothing_at_once(people):
    locker = sqlite3.connect(people, isolation_level=None)
    locker.execute("PRAGMA journal_mode = DELETE")  # a rollback journal: readers must wait
    locker.execute("BEGIN EXCLUSIVE")
    try:
        assert bash("crm show Wang") == []
    finally:
        locker.execute("ROLLBACK")
        locker.close()


def test_completion_never_writes_nor_upgrades_an_older_file(people):
    conn = sqlite3.connect(people)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.execute(f"PRAGMA user_version = {version - 1}")  # as an older crm left it
    conn.commit()
    conn.close()
    before = dump(people)
    bash("crm show Wang")
    bash("crm list --where ")
    assert dump(people) == before
    conn = sqlite3.connect(people)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == version - 1
    conn.close()


def test_a_completion_leaves_the_commands_working(people):
    """Completing swaps the value converters of the commands' parameters: the next run in
    the same process (tests) must convert again."""
    bash("crm list --limit 1 --tag ")
    assert fails(2, "list", "--limit", "x")
    assert len(ok("list", "--limit", "1", "-q").split()) == 1


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_the_bash_script_completes_in_a_real_bash(people):
    """The script as bash sources it, its function called as bash calls it on Tab."""
    script = subprocess.run(
        [CRM, "completion", "bash"], capture_output=True, text=True, check=True
    ).stdout
    probe = (
        f"{script}\n"
        "COMP_WORDS=(crm list --tag v); COMP_CWORD=3; _crm_completion crm\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
        "COMP_WORDS=(crm show Wan); COMP_CWORD=2; _crm_completion crm\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{Path(CRM).parent}:{os.environ['PATH']}"}
    out = subprocess.run(
        ["bash", "--norc", "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.splitlines() == ["vegan", "vip", "Wanda\\ Li", "Wang\\ Fang"]
    assert out.stderr == ""


def test_the_bash_script_expands_no_file_name_in_a_value(people, tmp_path):
    """typer's script split crm's answer unquoted: a tag `*` offered inside an open quote
    became the names of the files in the current folder."""
    ok("tag", "*", "Wanda Li")
    (tmp_path / "secret.txt").write_text("")
    script = subprocess.run(
        [CRM, "completion", "bash"], capture_output=True, text=True, check=True
    ).stdout
    probe = (
        f"{script}\n"
        """COMP_WORDS=(crm list --tag '"*'); COMP_CWORD=3; _crm_completion crm\n"""
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{Path(CRM).parent}:{os.environ['PATH']}"}
    out = subprocess.run(
        ["bash", "--norc", "-c", probe], capture_output=True, text=True, env=env, check=True,
        cwd=tmp_path,
    )  # fmt: skip
    assert out.stdout.splitlines() == ["*"], out.stdout


LOADED = """
import sys
sys.argv = ["crm", *sys.argv[1:]]
import crmcli.cli
crmcli.cli.leave = lambda code: None  # exits the ordinary way: what follows runs
from crmcli.__main__ import main
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
print(" ".join(sorted(m for m in sys.modules if m.startswith("crmcli") or m == "pydantic")))
"""


def loaded(*args: str, **env: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", LOADED, *args],
        capture_output=True, text=True, env={**os.environ, **env},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_completion_loads_only_when_completing_and_only_its_command(people):
    """A command's run loads no completion code; a Tab loads the command being completed,
    not the others, and none of typer's value converters (pydantic: ~100 ms)."""
    ran = loaded("list", "--limit", "1")
    assert not {"crmcli.cli.completing", "crmcli.records.suggest"} & ran
    tab = loaded(_CRM_COMPLETE="complete_bash", COMP_WORDS="crm list --tag v", COMP_CWORD="3")
    assert {"crmcli.cli.completing", "crmcli.records.suggest", "crmcli.cli.customers"} <= tab
    assert not {"crmcli.cli.transfer", "crmcli.cli.value", "pydantic"} & tab


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed here")
def test_zsh_inserts_a_name_as_it_is_and_runs_nothing_in_it(db_path, tmp_path):
    """typer's zsh script evals crm's answer: a customer named `\\$(touch F)` made zsh run
    it on Tab. crm's script hands each value to compadd, which evaluates nothing."""
    planted = tmp_path / "planted"
    names = [
        f"Qp \\$(touch {planted})", f"Qq $(touch {planted})", "Qd back\\", "Qh a;b|c&d",
        "Qk \\\"; x", "Ql '; touch x; '", "Qm `id` a:b",
    ]  # fmt: skip
    for name in names:
        add(name)
    script = tmp_path / "crm.zsh"
    script.write_text(ok("completion", "zsh"), encoding="utf-8")
    test = tmp_path / "run.zsh"
    test.write_text(
        "compdef() { :; }\n"  # compinit is not loaded: the script's last line
        f"source {script}\n"
        "compadd() { local -a v; v=(${(P)${@[-1]}}); print -rl -- $v; }\n"
        "_files() { print FILES; }\n"
        "words=(crm show Q); CURRENT=3\n"
        "_crm_completion\n",
        encoding="utf-8",
    )
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "CRM_DB": str(db_path), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    run = subprocess.run(["zsh", "-f", str(test)], capture_output=True, text=True, env=env)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert sorted(run.stdout.splitlines()) == sorted(names)
    assert not planted.exists()


def test_zsh_and_fish_describe_commands_in_the_language_setting(db_path, monkeypatch):
    """`crm config set language zh` reaches the descriptions, as it reaches every command;
    `--lang` typed on the line wins, and `--db` typed names the file whose setting counts."""
    monkeypatch.setenv("LANG", "C.UTF-8")
    ok("config", "set", "language", "zh")
    for kind in ("zsh", "fish"):
        offered = dict(line.split("\t", 1) for line in shell(kind, "crm re").splitlines())
        assert offered["remind"].startswith("输出到期事项"), offered
        offered = dict(line.split("\t", 1) for line in shell(kind, "crm --lang en re").splitlines())
        assert offered["remind"].startswith("Print what is due"), offered
    other = db_path.parent / "other.db"
    ok("--db", str(other), "add", "Olga")  # a file without the setting: the locale's English
    offered = dict(
        line.split("\t", 1) for line in shell("zsh", f"crm --db {other} re").splitlines()
    )
    assert offered["remind"].startswith("Print what is due"), offered
    ok("config", "set", "language", "en")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")  # the setting wins over the locale too
    offered = dict(line.split("\t", 1) for line in shell("fish", "crm re").splitlines())
    assert offered["remind"].startswith("Print what is due"), offered


def test_bash_reads_no_setting_for_descriptions_it_never_shows(db_path):
    ok("config", "set", "language", "zh")
    tab = loaded(_CRM_COMPLETE="complete_bash", COMP_WORDS="crm re", COMP_CWORD="1")
    assert "crmcli.store.glance" not in tab and "crmcli.store.connection" not in tab, tab
    assert bash("crm rem") == ["remind"]
    zsh = loaded(_CRM_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS="crm re")
    assert "crmcli.store.glance" in zsh  # what the test above reads, through this module
