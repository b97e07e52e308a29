"""The command line as a whole: the installed `crm`, help, errors, layering, docs."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli import __version__
from tests.conftest import add, crm, drain, dump, examples, fails, ok

ROOT = Path(__file__).resolve().parent.parent
CRM = str(Path(sys.executable).with_name("crm"))


def run(
    *args: str, env: dict | None = None, input: str | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CRM, *args], capture_output=True, text=True, input=input,
        env={**os.environ, **(env or {})}, timeout=60, stdin=None if input else subprocess.DEVNULL,
    )  # fmt: skip


def test_version():
    assert ok("--version") == f"crm {__version__}\n"


def test_installed_crm_end_to_end_without_a_terminal(db_path):
    assert run("add", "张伟", "--city", "上海", "-q").stdout == "1\n"
    listed = run("list")
    assert listed.returncode == 0 and "张伟" in listed.stdout
    assert "\x1b[" not in listed.stdout and "│" not in listed.stdout
    shown = run("show", "张伟")
    assert "\x1b[" not in shown.stdout and "上海" in shown.stdout
    missing = run("show", "nobody")
    assert missing.returncode == 3 and missing.stderr == "crm: no customer matches 'nobody'\n"


def test_python_m_crmcli_works(db_path):
    result = subprocess.run(
        [sys.executable, "-m", "crmcli", "--version"], capture_output=True, text=True
    )
    assert result.stdout == f"crm {__version__}\n"


def test_a_closed_stdout_is_one_line_exit_1_and_nothing_done(db_path):
    """`crm add X -q >&-`: no traceback, and no customer added that no one was told of."""
    result = subprocess.run(
        [sys.executable, "-m", "crmcli", "add", "Anna", "-q"],
        capture_output=False,
        stdout=None,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.close(1),
    )
    assert (result.returncode, result.stderr) == (
        1,
        "crm: standard output is closed; nothing was done\n",
    )
    assert not db_path.exists()


def test_usage_errors_are_one_line_exit_2(db_path):
    err = fails(2, "list", "--no-such-option")
    assert "no such option" in err.lower() and err.count("\n") == 1
    assert fails(2, "list", "--format", "xml") == (
        "crm: Invalid value for '--format' / '-f': 'xml' is not one of 'table', 'json', "
        "'jsonl', 'csv', 'tsv'. (see 'crm list --help')\n"
    )
    assert fails(2, "completion") == (
        "crm: Missing argument 'SHELL'. Choose from: bash, zsh, fish "
        "(see 'crm completion --help')\n"
    )
    err = fails(2, "frobnicate")
    assert err.count("\n") == 1
    fails(2, "add")


def test_a_group_without_its_command_off_a_terminal_is_one_line_exit_2(db_path):
    result = run("task")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "crm: missing command: one of add, list, done, snooze, edit, delete "
        "(see 'crm task --help')\n"
    )
    assert not db_path.exists()


def test_no_traceback_without_debug_and_one_with_it(db_path, monkeypatch):
    import crmcli.records.customers

    def boom(*_a, **_k):
        raise RuntimeError("secret 11010519491231002X")

    monkeypatch.setattr(crmcli.records.customers, "list_customers", boom)
    result = crm("list")
    assert result.exit_code == 1
    assert (
        result.stderr
        == "crm: internal error; rerun with --debug to see the traceback and report it\n"
    )
    assert "secret" not in result.stderr
    debug = crm("--debug", "list")
    assert debug.exit_code == 1 and "Traceback" in debug.stderr


def test_broken_pipe_is_quiet(db_path):
    proc = subprocess.run(
        f"'{CRM}' demo --db '{db_path.parent / 'demo.db'}' >/dev/null && "
        f"'{CRM}' --db '{db_path.parent / 'demo.db'}' list --format csv | head -1",
        shell=True, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.stdout.startswith("id,name")
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr


def test_an_error_with_stderr_closed_keeps_stdout_clean_and_its_exit_code(db_path):
    """`crm ... 2>&-` (a cron line that closes stderr): the error went to stdout, where a
    script reads data, and the exit code was 1 for any error; now nothing on stdout and the
    documented code (2 bad input, 3 not found)."""
    db = db_path.parent / "closed.db"
    for args, code in (("list --limit abc", 2), ("show 999", 3)):
        proc = subprocess.run(
            f"'{CRM}' --db '{db}' {args} 2>&-", shell=True, capture_output=True, text=True
        )
        assert (proc.returncode, proc.stdout) == (code, ""), (args, proc)


def test_demo_builds_a_throwaway_database_and_refuses_a_used_one(db_path, tmp_path):
    target = tmp_path / "demo.db"
    out = ok("demo", "--db", str(target), "--customers", "50")
    assert "50 customers" in out and f"crm --db {target} list" in out
    assert not db_path.exists()  # the user's own database was never touched
    assert len(ok("--db", str(target), "list", "-q", "--archived").split()) >= 1
    # Its own demo file too: the demo is built only in a new file, never added to one.
    assert fails(2, "demo", "--db", str(target), db=target) == (
        f"crm: {target} already exists; the demo is built only in a new file: give a new path\n"
    )


def test_demo_never_writes_into_a_real_database_that_has_no_customers(db_path, tmp_path):
    """`crm demo --db real.db` added 300 demo customers to a database whose only customer
    had been forgotten, beside its products, settings and history, exit 0."""
    ok("product", "add", "Longjing tea 250g", "--price", "649.75")
    ok("config", "set", "default_region", "CN")
    ok("add", "Anna")
    ok("forget", "1", "--yes")
    assert ok("list", "-q") == ""
    line = f"crm: {db_path} already exists; the demo is built only in a new file: give a new path\n"
    assert fails(2, "demo", "--db", str(db_path), db=db_path) == line
    settings_only = tmp_path / "settings.db"
    ok("--db", str(settings_only), "config", "set", "default_currency", "EUR")
    assert "already exists" in fails(2, "demo", "--db", str(settings_only), db=settings_only)
    folder = tmp_path / "folder"
    folder.mkdir()
    assert "already exists" in fails(2, "demo", "--db", str(folder))


def test_demo_fills_an_empty_file_made_for_it(tmp_path):
    target = tmp_path / "made-by-mktemp.db"
    target.touch()
    assert "Demo database with 5 customers" in ok("demo", "--db", str(target), "--customers", "5")
    live = ok("--db", str(target), "list", "-q").split()
    archived = ok("--db", str(target), "list", "-q", "--archived").split()
    assert len(live) + len(archived) == 5


def test_demo_defaults_to_its_own_file_which_the_next_demo_replaces(db_path, tmp_path):
    """Each `crm demo` made a new folder in /tmp and left it there."""
    own = tmp_path / "xdg" / "crmcli" / "demo.db"  # beside the default crm.db
    out = ok("demo", "--customers", "5")
    assert f"at {own}\n" in out and f"crm --db {own} list --limit 10" in out
    ok("--db", str(own), "list", "--limit", "3")  # reading it changes nothing
    assert "Demo database with 6 customers" in ok("demo", "--customers", "6")
    assert sorted(p.name for p in own.parent.iterdir() if p.name.startswith("demo")) == [
        "demo.db",
        "demo.db-shm",
        "demo.db-wal",
    ]
    assert not db_path.exists()
    # A demo someone went on to use (the demo's hint offers `export CRM_DB=` it) holds their
    # changes: it is kept, never replaced (it was deleted with a real customer in it).
    ok("--db", str(own), "add", "My real customer")
    before = dump(own)
    err = fails(2, "demo", "--customers", "5")
    assert err == (
        f"crm: {own} holds data that is not the demo's, so it is kept; move it away, or "
        "build the demo in a new file with --db PATH\n"
    )
    assert dump(own) == before
    # A file there that no demo built is someone's: refused, left as it was.
    for name in (own.name, f"{own.name}-wal", f"{own.name}-shm"):
        (own.parent / name).unlink(missing_ok=True)
    ok("--db", str(own), "add", "Mine")
    before = dump(own)
    assert "holds data that is not the demo's" in fails(2, "demo", "--customers", "5")
    assert dump(own) == before


def test_demo_hints_run_crm_as_it_was_started(tmp_path):
    """The README's install leaves crm in .venv/bin, not on PATH: the hints said `crm`."""
    target = tmp_path / "d.db"
    env = {"PATH": "/usr/bin:/bin"}  # the venv's bin is not on PATH
    out = run("demo", "--db", str(target), "--customers", "5", env=env).stdout
    hints = [line.strip() for line in out.split("Explore it:\n")[1].split("\nor:")[0].splitlines()]
    assert len(hints) == 6 and all(hint.startswith(f"{CRM} --db ") for hint in hints)
    for hint in hints:  # each runs as printed, in a shell without the venv on PATH
        done = subprocess.run(hint, shell=True, capture_output=True, text=True,
                              env={**os.environ, **env})  # fmt: skip
        assert done.returncode == 0 and "Traceback" not in done.stderr, hint


@pytest.mark.parametrize("language", ["en", "zh"])
def test_demo_hints_too_wide_for_a_terminal_are_continued_as_a_shell_reads_them(tmp_path, language):
    """At 60 columns a hint was folded like prose (`... list --where '城市 = 上海'` and
    `--sort name` on the next line), so a person copying the first line lost the rest."""
    from tests.test_terminal import on_terminal

    target = tmp_path / "a-rather-long-folder-name" / "demo.db"
    target.parent.mkdir(mode=0o700)
    code, lines = on_terminal(
        "--lang", language, "demo", "--db", str(target), "--customers", "5", columns=60
    )
    assert code == 0
    start = next(i for i, line in enumerate(lines) if line.endswith(("Explore it:", "试试：")))
    end = next(i for i, line in enumerate(lines) if line.startswith(("or:", "或者：")))
    block = lines[start + 1 : end]
    assert all(len(line) <= 60 for line in block), block
    # A command starts on an indented line that does not continue one ending with `\`.
    starts = [i for i, line in enumerate(block) if i == 0 or not block[i - 1].endswith("\\")]
    assert len(starts) == 6 and all(block[i].startswith("  ") for i in starts), block
    program = [sys.executable, "-m", "crmcli"]  # how this crm was started
    for first, after in zip(starts, [*starts[1:], len(block)], strict=True):
        command = "\n".join(block[first:after])  # the shell joins the continued lines
        # The shell reads the words (a function in crm's place prints them), crm runs them
        # here (test_demo_hints_run_crm_as_it_was_started runs the hints' own crm).
        words = subprocess.run(["sh", "-c", 'words() { printf "%s\\0" "$@"; }; words ' + command],
                               capture_output=True, text=True, check=True).stdout  # fmt: skip
        words = words.split("\0")[:-1]
        assert words[:3] == program and words[3:5] == ["--db", str(target)], command
        done = crm(*words[3:])
        assert done.exit_code == 0 and "Traceback" not in done.stderr, command


def test_demo_builds_where_the_global_db_option_says_and_never_in_crm_db(db_path, tmp_path):
    """`crm --db X demo` built in a temporary folder and said nothing of X."""
    target = tmp_path / "global.db"
    out = ok("--db", str(target), "demo", "--customers", "5")
    assert f"at {target}" in out and len(ok("--db", str(target), "list", "-q").split()) >= 1
    assert "already exists" in fails(2, "--db", str(target), "demo", db=target)
    assert not db_path.exists()  # $CRM_DB (the user's own file) is never the demo's


def test_demo_is_deterministic(tmp_path):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    ok("demo", "--db", str(a), "--customers", "40")
    ok("demo", "--db", str(b), "--customers", "40")
    columns = ["id", "name", "company", "city", "phone", "email"]

    def rows(path):
        out = ok("--db", str(path), "list", "-f", "csv")
        return [line.split(",")[: len(columns)] for line in out.splitlines()]

    assert len(rows(a)) > 30 and rows(a) == rows(b)


def test_services_do_not_import_the_cli():
    code = (
        "import sys\n"
        "import crmcli.records.customers, crmcli.store.db, crmcli.store.migrations, crmcli.records.refs, crmcli.records.filters, "
        "crmcli.records.config, crmcli.demo.build, crmcli.cli.output, crmcli.core.dates, crmcli.core.validate\n"
        "assert 'typer' not in sys.modules, 'typer imported by a service'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    "args",
    [["show", "1"], ["list"], ["add", "X"], ["log", "note", "1", "x"], ["remind"], ["today"]],
)
def test_everyday_commands_do_not_load_heavy_libraries(db_path, args):
    """Through the real entry point; numpy and scipy are installed (scipy is a dependency),
    and pydantic (typer's own converters of option values import it: crm reads them)."""
    code = (
        "import sys\n"
        f"sys.argv = ['crm', *{args!r}]\n"
        "import crmcli.cli\n"
        "crmcli.cli.leave = lambda code: None  # exits the ordinary way: what follows runs\n"
        "from crmcli.__main__ import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "heavy = ('numpy', 'pandas', 'scipy', 'sqlite_utils', 'pydantic')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    ok("add", "Seed")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


@pytest.mark.parametrize(
    ("args", "unused"),
    [
        (["--version"], ("crmcli.records", "crmcli.reports", "crmcli.store")),
        (["log", "note", "1", "x"], ("crmcli.records.filters", "crmcli.reports.classes")),
        (["show", "1"], ("crmcli.records.products", "crmcli.cli.transfer")),
        (["tag", "vip", "1"], ("crmcli.reports.reminders",)),
        (["date", "list"], ("crmcli.reports.reminders",)),
    ],
)
def test_a_run_loads_only_what_its_command_uses(db_path, args, unused):
    """Start-up time: `--version` prints before any command is looked up, the filter
    language loads where a filter is parsed, the reminder report where reminders are, the
    products where a purchase line is prepared."""
    code = (
        "import sys\n"
        f"sys.argv = ['crm', *{args!r}]\n"
        "import crmcli.cli\n"
        "crmcli.cli.leave = lambda code: None  # exits the ordinary way: what follows runs\n"
        "from crmcli.__main__ import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        f"loaded = [m for m in sys.modules if m.startswith({unused!r})]\n"
        "assert not loaded, loaded\n"
    )
    ok("add", "Seed")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_version_loads_no_command_module_unless_help_comes_first():
    from crmcli.cli import MODULES, NEEDS, _needs

    assert _needs(["--version"]) == _needs(["--no-color", "--version", "list"]) == ()
    assert _needs(["--help", "--version"]) == _needs(["--db", "--version"]) == MODULES
    assert _needs(["list", "--version"]) == NEEDS["list"]


def test_the_installed_crm_builds_only_the_command_it_runs(db_path):
    from crmcli.cli import _command_name, app, only

    assert _command_name(["--db", "x.db", "--no-color", "report", "sales"]) == "report"
    assert _command_name(["--version"]) is None
    partial = only(app, ["--db", "x", "show", "1"])
    assert [c.name for c in partial.registered_commands] == ["show"]
    assert only(app, ["nosuch"]) is app and only(app, []) is app
    assert run("add", "Anna", "-q").stdout == "1\n"
    assert run("--db", str(db_path), "report", "sales", "-f", "json").returncode == 0
    assert run("nosuch").returncode == 2


def _alone(db_path, *args: str, terminal: bool) -> tuple[str, list[str]]:
    """`crm ARGS` in a child whose stdout is a pseudo-terminal (or a pipe): what it printed,
    and the command modules it imported."""
    import pty

    code = (
        "import sys\n"
        f"sys.argv = ['crm', *{args!r}]\n"
        "import crmcli.cli\n"
        "crmcli.cli.leave = lambda code: None  # exits the ordinary way: what follows runs\n"
        "from crmcli.__main__ import main\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    loaded = sorted(m for m in sys.modules if m.startswith('crmcli.cli.')\n"
        "                    and m.rpartition('.')[2] in __import__('crmcli.cli').cli.MODULES)\n"
        "    sys.stderr.write('LOADED ' + ' '.join(loaded) + '\\n')\n"
    )
    env = {**os.environ, "CRM_DB": str(db_path), "CRM_PAGER": "cat", "NO_COLOR": "1"}
    if not terminal:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, timeout=60)  # fmt: skip
        out, err = done.stdout, done.stderr
    else:
        leader, follower = pty.openpty()
        with subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL,
                              stdout=follower, stderr=subprocess.PIPE, text=True,
                              env=env) as child:  # fmt: skip
            said = drain(leader, follower, child)
            err = child.stderr.read()
        out = said.decode().replace("\r\n", "\n")
    loaded = next(line for line in err.splitlines() if line.startswith("LOADED"))
    return out, loaded.split()[1:]


def test_crm_alone_on_a_terminal_loads_the_dashboard_only(db_path):
    """`crm` alone on a terminal is the dashboard: it builds that command alone (all of
    them cost a fifth of a second); in a pipe it prints the help of every command."""
    ok("add", "Anna")
    ok("stage", "Anna", "prospect")
    out, loaded = _alone(db_path, terminal=True)
    assert "Dashboard as of" in out and "prospect" in out
    assert loaded == ["crmcli.cli.dashboard"]
    out, loaded = _alone(db_path, "--lang", "zh", "--no-color", terminal=True)
    assert "总览" in out and loaded == ["crmcli.cli.dashboard"]
    out, loaded = _alone(db_path, terminal=False)
    assert "Commands" in out and " remind " in out and "dashboard" in out
    assert len(loaded) == len(__import__("crmcli.cli").cli.MODULES)
    out, loaded = _alone(db_path, "--help", terminal=True)  # help asked for: every command
    assert "remind" in out and len(loaded) == len(__import__("crmcli.cli").cli.MODULES)


def _modules_of(typer_app) -> set[str]:
    found = {c.callback.__module__ for c in typer_app.registered_commands}
    for group in typer_app.registered_groups:
        found |= _modules_of(group.typer_instance)
    return {m.rpartition(".")[2] for m in found}


def test_each_command_names_every_module_it_needs():
    """A run imports only NEEDS[command]: that must cover every module adding to it."""
    from crmcli.cli import MODULES, NEEDS, app
    from crmcli.cli.customers import SHOW_SECTIONS

    names = [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups]
    assert sorted(NEEDS) == sorted(names)
    for command in app.registered_commands:
        assert {command.callback.__module__.rpartition(".")[2]} <= set(NEEDS[command.name])
    for group in app.registered_groups:
        assert _modules_of(group.typer_instance) <= set(NEEDS[group.name]), group.name
    shown = {s.rows.__module__.rpartition(".")[2] for s in SHOW_SECTIONS}
    assert shown <= set(NEEDS["show"])
    assert all(set(modules) <= set(MODULES) for modules in NEEDS.values())


def test_show_has_every_section_when_run_alone(db_path):
    """The installed crm loads only show's modules; its JSON has every section's key."""
    from crmcli.cli.customers import SHOW_SECTIONS

    ok("add", "Anna")
    shown = json.loads(run("show", "1", "-f", "json").stdout)
    assert {s.key for s in SHOW_SECTIONS} <= set(shown)


def test_help_piped_to_a_file_is_plain_text(db_path):
    for args in (["--help"], ["buy", "--help"]):
        out = run(*args).stdout
        assert "Usage: crm" in out and not any(ch in out for ch in "╭│╰─")


def closed_stdout(*args: str) -> subprocess.CompletedProcess:
    """Run `crm ARGS` with stdout a pipe whose reader has already gone away, so the first
    write to stdout meets EPIPE: the `crm undo --yes | head -c1` race, made certain."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(
            [CRM, *args], stdout=writer, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            text=True, timeout=60,
        )  # fmt: skip
    finally:
        os.close(writer)


CLOSED = "crm: standard output was closed before the change was saved; nothing was changed\n"


@pytest.mark.parametrize(
    "args",
    [
        ("undo", "--yes"),  # prints its preview before the change
        ("edit", "1", "--city", "Paris", "--dry-run"),  # prints inside the write
        ("add", "Carl"),  # prints after the COMMIT
        ("merge", "1", "2", "--yes"),
        ("tag", "vip", "--all", "--yes"),
        ("log", "call", "1", "hi"),
    ],
)
def test_a_write_whose_reader_went_away_is_done_or_exits_1_with_nothing_changed(db_path, args):
    """Never exit 0 with the change not made (`crm undo --yes | head -1` did, 2 times in 3)."""
    from tests.conftest import dump

    ok("add", "Anna")
    ok("add", "Bob")
    before = dump(db_path)
    result = closed_stdout(*args)
    assert "Traceback" not in result.stderr
    if result.returncode == 1:
        assert result.stderr == CLOSED and dump(db_path) == before
    else:
        assert result.returncode == 0 and "--dry-run" not in args and dump(db_path) != before
    if args[0] in ("undo", "edit"):  # what they print comes before the COMMIT
        assert result.returncode == 1


def test_undo_piped_to_head_either_undoes_or_changes_nothing(db_path):
    """The attack as typed, `crm undo --yes | head -1`, five times: whichever way the race
    goes, exit 0 means that change was undone and exit 1 that nothing was."""
    from tests.conftest import dump

    for name in ("A", "B", "C", "D", "E"):
        ok("add", name)
    for _ in range(5):
        before = dump(db_path)
        shell = subprocess.run(
            ["bash", "-c", f"'{CRM}' undo --yes | head -1 >/dev/null; echo ${{PIPESTATUS[0]}}"],
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        code = int(shell.stdout)
        assert code in (0, 1) and "Traceback" not in shell.stderr
        if code == 1:
            assert shell.stderr == CLOSED and dump(db_path) == before
        else:
            assert shell.stderr == "" and dump(db_path) != before


def full_output(*args: str, stream: str = "stdout") -> subprocess.CompletedProcess:
    """Run `crm ARGS` with stdout (or stderr) on /dev/full: every write to it fails with
    ENOSPC, as on a full disk."""
    with open("/dev/full", "w") as full:
        return subprocess.run(
            [CRM, *args], stdin=subprocess.DEVNULL, text=True, timeout=60,
            stdout=full if stream == "stdout" else subprocess.PIPE,
            stderr=full if stream == "stderr" else subprocess.PIPE,
        )  # fmt: skip


needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
SAVED = "crm: the change is saved, but its output could not be written (No space left on device)\n"
UNSAVED = "crm: the output could not be written (No space left on device); nothing was changed\n"


@needs_dev_full
@pytest.mark.parametrize(
    "args",
    [
        ("tag", "full", "1"),
        ("merge", "1", "2", "--yes"),
        ("add", "Carl"),
        ("log", "call", "1", "hi"),
    ],
)
def test_a_write_whose_output_is_lost_after_the_commit_says_the_change_is_saved(db_path, args):
    """`crm merge A B --yes >/dev/full` said only 'No space left on device', exit 1, with the
    merge made: a retry then failed with 'no customer matches'."""
    from tests.conftest import dump

    ok("add", "Anna")
    ok("add", "Bob")
    before = dump(db_path)
    result = full_output(*args)
    assert (result.returncode, result.stderr) == (1, SAVED)
    assert dump(db_path) != before
    if args[0] == "merge":
        fails(3, "show", "2")


@needs_dev_full
@pytest.mark.parametrize(
    "args",
    [
        ("undo", "--yes"),  # the preview comes before the change
        ("edit", "1", "--city", "Paris", "--dry-run"),  # printed inside the write
        ("untag", "vip", "1", "--dry-run"),
    ],
)
def test_a_write_whose_output_fails_before_the_commit_changes_nothing(db_path, args):
    from tests.conftest import dump

    ok("add", "Anna")
    ok("tag", "vip", "1")
    before = dump(db_path)
    result = full_output(*args)
    assert (result.returncode, result.stderr) == (1, UNSAVED)
    assert dump(db_path) == before


@needs_dev_full
def test_an_import_whose_summary_is_lost_exits_1_with_the_rows_saved(db_path, tmp_path):
    """Import prints its summary on stderr: on a full stderr nothing can be said, so the
    exit code alone tells that the run did not end well; the rows are saved."""
    source = tmp_path / "in.csv"
    source.write_text("name,city\nAnna,Paris\nBob,Rome\n", encoding="utf-8")
    result = full_output("import", "customers", str(source), stream="stderr")
    assert (result.returncode, result.stdout) == (1, "")
    assert ok("list", "-q") == "1\n2\n"
    dry = full_output("import", "customers", str(source), "--dry-run", stream="stderr")
    assert dry.returncode == 1
    assert ok("list", "-q") == "1\n2\n"
    quiet = full_output("import", "customers", str(source), "-q")  # prints nothing
    assert (quiet.returncode, quiet.stderr) == (0, "")


@needs_dev_full
def test_a_read_whose_output_is_lost_exits_1_saying_so(db_path):
    ok("add", "Anna")
    for args in (("list",), ("show", "1", "-f", "json"), ("--version",)):
        result = full_output(*args)
        assert (result.returncode, result.stderr) == (
            1,
            "crm: the output could not be written (No space left on device)\n",
        ), args


# Every delete for good, after the command that made its record 1 (segment: named).
DELETES = {
    ("task", "delete", "1"): ("task", "add", "Anna", "Call back", "--due", "tomorrow"),
    ("feedback", "delete", "1"): ("feedback", "add", "Anna", "Tea arrived damaged"),
    ("survey", "delete", "1"): ("survey", "add", "Anna", "--nps", "9"),
    ("date", "delete", "1"): ("date", "add", "Anna", "birthday", "1990-05-01", "--yearly"),
    ("product", "delete", "1"): ("product", "add", "Tea", "--price", "12"),
    ("segment", "delete", "vips"): ("segment", "add", "vips", "--tag", "vip"),
    ("rule", "delete", "1"): ("rule", "add", "vip", "--city", "Paris"),
    ("care", "rule", "delete", "1"): ("care", "rule", "add", "中秋", "mooncakes", "--tag", "vip"),
    ("interaction", "delete", "1"): ("log", "call", "Anna", "hello"),
    ("purchase", "delete", "1"): ("buy", "Anna", "Tea", "12"),
}


@pytest.mark.parametrize("delete", list(DELETES), ids=" ".join)
def test_every_delete_for_good_asks_and_needs_yes_in_a_script(db_path, monkeypatch, delete):
    """One rule for every command that deletes a record for good (feedback, survey, date,
    task, product, segment and rules deleted at once from a script, asking nothing)."""
    from crmcli.cli import output

    add("Anna")
    ok(*DELETES[delete])
    name = " ".join(delete[:-1])
    err = fails(2, *delete, db=db_path)
    assert err == f"crm: {name} asks for confirmation; add --yes to run it from a script\n"
    before = dump(db_path)
    plain = output.is_terminal
    monkeypatch.setattr(output, "is_terminal", lambda stream: stream is sys.stdin)
    said_no = crm(*delete, input="n\n")
    assert said_no.exit_code == 1, said_no
    assert said_no.stderr.startswith("Delete ")
    assert said_no.stderr.endswith("? [y/N]: crm: not confirmed; nothing was changed\n")
    assert dump(db_path) == before
    said_yes = crm(*delete, input="y\n")
    assert said_yes.exit_code == 0 and said_yes.stdout.startswith("Deleted"), said_yes
    monkeypatch.setattr(output, "is_terminal", plain)
    assert fails(3, *delete, "--yes")  # gone


# --- global options after the command -------------------------------------------------------


def test_global_options_are_taken_after_the_command_too(db_path, tmp_path):
    add("Anna", "--city", "Paris")
    assert fails(3, "show", "Nobody", "--lang", "zh") == "crm: 没有匹配“Nobody”的客户\n"
    assert fails(3, "show", "Nobody", "--lang=zh") == "crm: 没有匹配“Nobody”的客户\n"
    other = tmp_path / "other.db"
    assert ok("add", "Olga", "-q", "--db", str(other)) == "1\n"
    listed = json.loads(ok("list", "--format", "json", "--db", str(other), "--no-pager"))
    assert [c["name"] for c in listed] == ["Olga"]
    assert [c["name"] for c in json.loads(ok("list", "-f", "json"))] == ["Anna"]
    # inside a group, with flags and a value written with `=`
    said = ok("report", "sales", "--color", "never", "--debug", "--money=wan", "-f", "json")
    assert json.loads(said) == []


def test_a_commands_own_option_of_the_same_name_stays_the_commands(db_path, tmp_path):
    target = tmp_path / "demo.db"
    assert "Demo database with 5 customers" in ok("demo", "--db", str(target), "--customers", "5")
    assert not dump(db_path).count("DEMO-0001")  # the demo's --db, not the global one
    # the value of the command's own option, even one that looks like a global option; one
    # that is an option's name is a missing value (tests/test_inputs.py)
    add("Anna", "--notes", "--lang=zh")
    assert json.loads(ok("show", "Anna", "-f", "json"))["notes"] == "--lang=zh"
    assert fails(2, "add", "Bob", "--notes", "--lang", "zh", db=db_path) == (
        "crm: Option '--notes' requires an argument.\n"
    )


def test_global_options_after_a_group_run_without_a_subcommand_name(db_path):
    """`crm care --lang zh` and `crm task --no-pager list` said "No such option": the word
    after the group was no subcommand's name, and nothing was moved."""
    add("周欣秀")
    ok("buy", "周欣秀", "Tea", "12")
    ok("task", "add", "周欣秀", "回访")
    unknown = "crm: 未知节日“无此节”；已知节日：元旦、春节、"
    assert fails(2, "care", "--lang", "zh", "--holiday", "无此节").startswith(unknown)
    assert fails(2, "care", "--holiday", "无此节", "--lang", "zh").startswith(unknown)
    assert fails(3, "export", "Nobody", "--lang", "zh").startswith("crm: 没有匹配“Nobody”的客户")
    exported = json.loads(ok("export", "周欣秀", "--lang", "zh", "--money", "wan"))
    assert exported["customer"]["name"] == "周欣秀"
    said = ok("report", "--lang", "zh", "sales")
    assert said.startswith("月份") and said == ok("--lang", "zh", "report", "sales")
    said = ok("task", "--no-pager", "list", "--lang", "zh")
    assert said.startswith("编号") and "回访" in said
    assert said == ok("--no-pager", "--lang", "zh", "task", "list")
    # a group's own option with a value before its subcommand stays the group's
    assert ok("care", "--year", "2027", "--lang", "zh", "festival", "list") == ok(
        "--lang", "zh", "care", "--year", "2027", "festival", "list"
    )


def test_a_misplaced_global_option_is_still_refused_as_before(db_path):
    before = dump(db_path)
    assert fails(2, "list", "--money") == "crm: Option '--money' requires an argument.\n"
    assert fails(2, "log", "note", "1", "--lang") == (
        "crm: Option '--lang' requires an argument.\n"
    )
    assert fails(2, "list", "--lang", "zh", "--money") == "crm: 选项“--money”需要一个值\n"
    assert "'bogus' is not one of 'plain', 'wan'" in fails(2, "list", "--money", "bogus")
    assert fails(2, "add", "Anna", "--lang", "xx") == (
        "crm: Invalid value for '--lang': unknown language 'xx'; languages are: English (en), "
        "Chinese (zh) (see 'crm --help')\n"
    )
    assert dump(db_path) == before  # nobody added
    # after `--` nothing is an option: `--db` there is a customer's name to add
    assert ok("add", "-q", "--", "--db") == "1\n"
    assert json.loads(ok("show", "1", "-f", "json"))["name"] == "--db"


@pytest.mark.parametrize(
    "args",
    [["--db=", "list"], ["--db", "", "list"], ["list", "--db", ""], ["--db", " ", "list"],
     ["add", "X", "--db", "\u3000"], ["--db=  ", "list"]],
)  # fmt: skip
def test_an_empty_db_option_is_named_as_such(db_path, args):
    """`--db=` (a script's unset variable) was read as the current folder: `. is a directory`."""
    assert (
        fails(2, *args, db=db_path) == "crm: --db needs a file name; it was given an empty value\n"
    )
    assert fails(2, "--lang", "zh", *args) == "crm: --db 需要一个文件名，收到的是空值\n"


@pytest.mark.parametrize(
    "args",
    [["demo", "--db", ""], ["demo", "--db="], ["--db", "", "demo"], ["--db=", "demo"],
     ["demo", "--db", "", "--db", "x.db"], ["demo", "--db", "x.db", "--db", ""],
     ["demo", "--db", " "], ["--db", "  ", "demo"], ["demo", "--db", "x.db", "--db", "\t"]],
)  # fmt: skip
def test_an_empty_db_for_the_demo_is_named_as_such(tmp_path, monkeypatch, args):
    """`crm demo --db ''` said `. already exists` (the demo's own --db read '' as the current
    folder): the same one line as any command's empty --db, nothing made."""
    monkeypatch.chdir(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    assert fails(2, *args) == "crm: --db needs a file name; it was given an empty value\n"
    assert fails(2, "--lang", "zh", *args) == "crm: --db 需要一个文件名，收到的是空值\n"
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize("args", [["list", "--db"], ["--db"], ["--db", "x.db", "list", "--db"]])
def test_a_db_option_without_its_value_is_a_missing_argument(db_path, args):
    """`crm list --db` has no value at all: click's words, not the empty value of `--db=`."""
    ok("add", "Anna")
    assert fails(2, *args, db=db_path) == "crm: Option '--db' requires an argument.\n"
    assert fails(2, "--lang", "zh", *args, db=db_path) == "crm: 选项“--db”需要一个值\n"


def test_a_demo_name_drawn_twice_takes_the_next_name_its_lists_give():
    """Past what the lists give, and only then, a name carries a number (`crm demo
    --customers 2000`): every other pair of names, each once, then none."""
    from crmcli.demo import build

    pairs = list(build._latin_pairs(3, 16))
    assert pairs[:2] == [(3, 0), (3, 1)] and (3, 16) not in pairs
    assert len(set(pairs)) == len(pairs) == len(build.LATIN_FIRST) * len(build.LATIN_LAST) - 1
    names = list(build._chinese_names("王伟明", "芳"))
    assert names[:2] == ["王伟芳", "王伟娜"] and len(set(names)) == len(names)
    assert build._free(iter(["王伟芳", "王伟玉"]), {"王伟芳", "王伟玉"}) is None


_WRITES = (["add", "王芳"], ["list"], ["config", "set", "money", "wan"], ["tag", "vip", "1"])


@settings(max_examples=examples(60), deadline=None, derandomize=True)
@given(
    args=st.sampled_from(_WRITES),
    second_after=st.booleans(),
    first=st.sampled_from(["a.db", "x/a.db", "b.db"]),
    second=st.sampled_from(["a.db", "b.db", "./b.db", "c d.db"]),
    joined=st.booleans(),
)
def test_two_db_options_that_name_different_files_are_refused(
    tmp_path_factory, args, second_after, first, second, joined
):
    """`crm --db A list --db B` (an alias's --db, then the command's) is refused, exit 2,
    neither file touched, whatever the command, the order and the spelling (`--db=B`); the
    same file twice is one database, and the last of any other global option is kept."""
    folder = tmp_path_factory.mktemp("dbs")
    (folder / "x").mkdir()
    one = ["--db", str(folder / first)]
    two = [f"--db={folder / second}"] if joined else ["--db", str(folder / second)]
    argv = [*one, *args, *two] if second_after else [*one, *two, *args]
    result = crm(*argv)
    same = os.path.abspath(folder / first) == os.path.abspath(folder / second)
    if same:
        assert "--db is given twice" not in result.stderr
        return
    assert result.exit_code == 2, result
    assert result.stderr == (
        f"crm: --db is given twice, as {folder / first} and {folder / second}; "
        "give one database file\n"
    )
    assert result.stdout == ""
    assert sorted(p.name for p in folder.rglob("*") if p.is_file()) == []


def test_the_demo_refuses_two_different_databases_and_takes_one_named_twice(db_path, tmp_path):
    said = fails(2, "--db", str(tmp_path / "a.db"), "demo", "--db", str(tmp_path / "b.db"))
    assert said == (
        f"crm: --db is given twice, as {tmp_path / 'a.db'} and {tmp_path / 'b.db'}; "
        "give one database file\n"
    )
    assert not (tmp_path / "a.db").exists() and not (tmp_path / "b.db").exists()
    ok("--db", str(tmp_path / "a.db"), "demo", "--db", str(tmp_path / "a.db"), "--customers", "20")
    assert (tmp_path / "a.db").exists()
    # any other global option given twice: the last is kept
    english = ok("--lang", "zh", "--db", str(tmp_path / "a.db"), "list", "--lang", "en")
    assert english.startswith("id ")


def test_two_db_edge_cases_an_empty_one_a_symlink_and_the_demos_own_twice(db_path, tmp_path):
    """`crm --db '' --db A list` says the empty one needs a file name (not the last only);
    a symlink to the same file (or a relative path to it) is the same database; `crm demo
    --db X --db Y` (the demo's own option twice) is refused as the global one is."""
    real = tmp_path / "a.db"
    ok("--db", str(real), "add", "王芳", "-q")
    (tmp_path / "link.db").symlink_to(real)
    for words in (["--db", "", "--db", str(real)], ["--db", str(real), "--db="]):
        assert fails(2, *words, "list") == (
            "crm: --db needs a file name; it was given an empty value\n"
        )
    for words in (["--db", str(real), "--db", str(tmp_path / "link.db"), "list"],
                  ["--db", str(tmp_path / "link.db"), "list", "--db", str(real)]):  # fmt: skip
        assert json.loads(ok(*words, "-f", "json"))[0]["name"] == "王芳"
    said = fails(2, "demo", "--db", str(tmp_path / "x.db"), "--db", str(tmp_path / "y.db"))
    assert said == (
        f"crm: --db is given twice, as {tmp_path / 'x.db'} and {tmp_path / 'y.db'}; "
        "give one database file\n"
    )
    assert not (tmp_path / "x.db").exists() and not (tmp_path / "y.db").exists()
    ok("demo", "--db", str(tmp_path / "y.db"), "--db", str(tmp_path / "y.db"), "--customers", "5")
    assert (tmp_path / "y.db").exists()


@pytest.mark.parametrize("value", ["", " ", "\t", "\u3000"])
def test_a_blank_crm_db_is_as_if_unset(monkeypatch, value):
    """CRM_DB set to nothing is the default database, not a file named by spaces: the same
    for CRM_DB=' ' (a file named " " was made beside the user's)."""
    from crmcli.store import glance

    monkeypatch.setenv("CRM_DB", value)
    assert glance.resolve_path() == glance.default_path()
