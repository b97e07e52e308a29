"""The docs are true: every `$ crm ...` line in a ```console block of docs/ runs, with the
output the page shows (when it shows any), every command is mentioned in docs/, and every
command's --help has an example.

A page runs top to bottom on an empty database, or on a fresh demo database when it says
`<!-- docs: demo -->`. Paths under /tmp/ are moved into the test's temporary directory, and
moved back in what a command prints, so a page may show them.
Lines that do not start with `crm ` run in the shell.
Where the shown output has a line of just `...`, the lines shown must all appear (in any order).
A `$ crm ...` line the page shows no output for must print nothing (stdout and stderr), unless
its line says why its output is not shown (`$ crm list -q  # prints the 100 ids`).
A command that prints nothing says why in a comment on its line (`$ crm today  # prints
nothing: ...`), or changes the database and a later command of its block reads the change
and shows what it printed: a command of the same group (`crm config unset x`, then `crm
config list`), or one that names or shows a word the silent one was given (`crm edit Ann
--city Rome -q`, then `crm show Ann`). A read or a `--dry-run` that prints nothing needs
the comment.

The ```sh blocks of docs/ and README.md run too, each block as one `sh -e` script through the
installed `crm`, in order down their page, in a folder and a HOME of the test's own (with
`tests/` reachable from it, and CRM_DB a fresh database, a demo one on a demo page): every
block must exit 0. A block that installs software or needs the network says so on its first
line, `# not replayed: WHY`, and is skipped. The entries of ```crontab blocks run as cron
would run them, their variables set (HOME and CRM_DB stay the test's, a demo database if
the page made none; crm is on PATH).
"""

import functools
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from crmcli.cli import app
from tests.conftest import filled_once, full_demo, piped

DOCS = Path(__file__).resolve().parent.parent / "docs"
# docs/zh/ holds the pages in Simplified Chinese (their examples run as the English ones do).
PAGES = sorted([*DOCS.glob("*.md"), *DOCS.glob("zh/*.md")])


def sessions(page: Path) -> list[tuple[str, str, int]]:
    """(command line, expected output, number of its block) for each `$ crm ...` line of the
    page's console blocks."""
    steps: list[tuple[str, list[str], int]] = []
    in_block, block = False, 0
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```console"):
            in_block, block = True, block + 1
        elif in_block and line.startswith("```"):
            in_block = False
        elif in_block and line.startswith("$ "):
            steps.append((line[2:], [], block))
        elif in_block and steps:
            steps[-1][1].append(line)
    return [(command, "\n".join(lines), block) for command, lines, block in steps]


@functools.cache
def root() -> Any:
    """crm's click command, built once (typer builds it anew on each call: 0.1 s)."""
    return get_command(app)


def commands() -> list[tuple[str, Any]]:
    """(`task add`, its click command) for every leaf command of `crm`."""
    found = []

    def walk(group: Any, prefix: str) -> None:
        for name, command in group.commands.items():
            path = f"{prefix}{name}"
            if hasattr(command, "commands"):
                walk(command, path + " ")
            else:
                found.append((path, command))

    walk(root(), "")
    return found


def run_line(command: str) -> tuple[int, str, str]:
    result = piped(command.split("  # ", 1)[0])  # `  # why` after a command: a comment
    if result is None:  # a shell line crm alone cannot run: the shell, with the installed crm
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        proc = subprocess.run(command, shell=True, capture_output=True, text=True, env=env)
        return proc.returncode, proc.stdout, proc.stderr
    return result.exit_code, result.stdout, result.stderr


# Commands that only read (or, with --dry-run, only say what they would do).
READS = {"show", "list", "search", "tags", "report", "export", "remind", "today", "sql", "get"}


def _words(command: str) -> list[str]:
    return command.split("|", 1)[0].split("  # ", 1)[0].split()


def changes(command: str) -> bool:
    """Whether a `crm` command line may change the database: it is no read and no --dry-run."""
    words = _words(command)
    return not (READS & _verbs(words)) and "--dry-run" not in words


def _own(words: list[str]) -> list[str]:
    """The words after `crm`, leaving out crm's own options and the values of those that
    take one (`crm --db x.db list -q` -> list -q)."""
    taking = {o for p in root().params if not getattr(p, "is_flag", False) for o in p.opts}
    own: list[str] = []
    rest = iter(words[1:])
    for word in rest:
        if word in taking:
            next(rest, None)
        elif not (word.startswith("-") and not own):
            own.append(word)
    return own


def _verbs(words: list[str]) -> set[str]:
    """The first two words after `crm` that are no option (`crm --db x.db list` -> list)."""
    return set([word for word in _own(words) if not word.startswith("-")][:2])


def _subject(command: str) -> tuple[str | None, set[str]]:
    """What a command line is about: its command group (`config` of `crm config unset x`;
    None for a customer verb such as `add`), and the words it was given after its verbs,
    option values included (`x`; `Ann` and `Rome` of `crm edit Ann --city Rome -q`)."""
    own = _own(shlex.split(command.split("  # ", 1)[0].split("|", 1)[0]))
    group = own[0] if own and hasattr(root().commands.get(own[0]), "commands") else None
    verbs = 2 if group else 1
    return group, {word for word in own[verbs:] if not word.startswith("-")}


def shows_change(command: str, read: str, shown: str) -> bool:
    """Whether `read`, which printed `shown`, looks at what `command` changed: a command of
    the same group (`crm config unset x`, then `crm config list`), or one that names or shows
    a word `command` was given (`crm edit Ann --city Rome`, then `crm show Ann` or a list
    with Rome in it)."""
    group, given = _subject(command)
    read_group, read_given = _subject(read)
    seen = read_given | set(re.split(r"[\s,;|│\"'\[\]{}()]+", shown))
    return (group is not None and group == read_group) or bool(given & seen)


def reads(command: str, shown: str) -> bool:
    """Whether a command line reads the database and the page shows what it printed."""
    words = _words(command)
    return words[0] == "crm" and not changes(command) and shown.strip() not in ("", "...")


def hides(command: str, shown: str, printed: str) -> bool:
    """Whether a `crm` line printed something (`printed`, stdout and stderr as compared) that
    the page does not show (`shown` is empty) and does not say why it leaves out on its line
    (`  # prints the 100 ids`). `...` alone shows nothing: it would accept any output."""
    nothing = all(line.strip() in ("", "...") for line in shown.splitlines())
    return command.startswith("crm ") and nothing and bool(printed) and "  # " not in command


def unexplained(steps: list[tuple[str, str, int]], step: int) -> bool:
    """Whether the command at `step`, which printed nothing, leaves the reader guessing: it
    says nothing of why on its line (`  # why`), and it is a read (nothing to check after it)
    or a change that no later command of its block reads and shows (`shows_change`)."""
    command, _, block = steps[step]
    if "  # " in command:
        return False
    later = [(c, shown) for c, shown, b in steps[step + 1 :] if b == block]
    return not (
        changes(command)
        and any(reads(c, shown) and shows_change(command, c, shown) for c, shown in later)
    )


ROOT = DOCS.parent
NOT_REPLAYED = "# not replayed: "


def blocks(page: Path) -> list[tuple[str, str]]:
    """(language, text) of each ```sh and ```crontab block of the page, in order."""
    found, language, lines = [], None, []
    for line in page.read_text(encoding="utf-8").splitlines():
        if language is None and line in ("```sh", "```crontab"):
            language, lines = line[3:], []
        elif language is not None and line.startswith("```"):
            found.append((language, "\n".join(lines)))
            language = None
        elif language is not None:
            lines.append(line)
    return found


def cron_entries(text: str) -> tuple[dict[str, str], list[str]]:
    """The variables a crontab sets and the commands of its entries."""
    variables, commands = {}, []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, equals, value = line.partition("=")
        if equals and name.strip().isidentifier():
            variables[name.strip()] = value.strip()
            continue
        fields = line.split(None, 5)
        assert len(fields) == 6, f"not a crontab entry: {line}"
        command = fields[5]
        # cron turns an unescaped % into a newline: a command must escape every one
        assert "%" not in command.replace("\\%", ""), f"unescaped % in: {line}"
        commands.append(command.replace("\\%", "%"))
    return variables, commands


# `sh -e` does not stop at a failure on the left of `&&` or `||`: crm itself stops the script.
STOP_ON_FAILURE = (
    'crm() { command crm "$@" || { s=$?; echo "crm $*: exit $s" >&2; exit "$s"; }; }\n'
)

SH_PAGES = [p for p in [ROOT / "README.md", *PAGES] if blocks(p)]


@pytest.mark.parametrize("page", SH_PAGES, ids=lambda p: p.name)
def test_sh_blocks_run(page, tmp_path, monkeypatch):
    db = tmp_path / f"{page.stem}.db"
    monkeypatch.setenv("CRM_DB", str(db))
    if "<!-- docs: demo -->" in page.read_text(encoding="utf-8"):
        filled_once(db, _demo)
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "HOME": str(home), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        env[var] = str(home / var.lower())
    skipped, ran = [], 0
    for language, text in blocks(page):
        if text.startswith(NOT_REPLAYED):
            skipped.append(text.splitlines()[0][len(NOT_REPLAYED) :].strip())
            assert skipped[-1], f"{page.name}: a block not replayed must say why"
            continue
        text = text.replace("/tmp/", f"{tmp_path}/")
        if language == "sh":
            scripts = [(env, text)]
        else:
            variables, commands = cron_entries(text)
            if not db.exists():  # cron jobs work on a database in use
                filled_once(db, _demo)
            path = f"{bin_dir}:{variables.get('PATH', '/usr/bin:/bin')}"
            cron_env = {**env, **variables, "PATH": path, "HOME": env["HOME"], "CRM_DB": str(db)}
            scripts = [(cron_env, command) for command in commands]
        for script_env, script in scripts:
            proc = subprocess.run(["sh", "-ec", STOP_ON_FAILURE + script], cwd=tmp_path, env=script_env,
                                  capture_output=True, text=True, timeout=300)  # fmt: skip
            shown = f"{page.name}:\n{script}\n{proc.stdout}{proc.stderr}"
            assert proc.returncode == 0 and "Traceback" not in proc.stderr, shown
            ran += 1
    if not ran:
        pytest.skip(f"{page.name}: not replayed: {'; '.join(skipped)}")


def _demo() -> None:
    full_demo(Path(os.environ["CRM_DB"]))


@pytest.mark.parametrize("page", [p for p in PAGES if sessions(p)], ids=lambda p: p.name)
def test_console_sessions_replay(page, tmp_path, monkeypatch):
    db = tmp_path / f"{page.stem}.db"
    monkeypatch.setenv("CRM_DB", str(db))
    if "<!-- docs: demo -->" in page.read_text(encoding="utf-8"):
        filled_once(db, _demo)
    steps = sessions(page)
    for step, (command, expected, _) in enumerate(steps):
        code, out, err = run_line(command.replace("/tmp/", f"{tmp_path}/"))
        got = (out + err).rstrip("\n").replace(f"{tmp_path}/", "/tmp/")
        assert not hides(command, expected, got), (
            f"{page.name}: $ {command} prints what the page does not show: show it, or say "
            f"why in a `  # ` comment on its line\n{got}"
        )
        elided = all(line.strip() in ("", "...") for line in expected.splitlines())
        if command.startswith("crm ") and elided and not got.strip():
            assert not unexplained(steps, step), (
                f"{page.name}: $ {command} prints nothing: say why in a `  # ` comment, or "
                "show its change with a later read in the same block"
            )
        assert "Traceback" not in out + err, f"{page.name}: $ {command}"
        if expected.startswith("crm: "):
            assert code != 0, f"{page.name}: $ {command}"
        else:
            assert code == 0, f"{page.name}: $ {command}\n{err}"
        shown = expected.splitlines()
        if any(line.strip() == "..." for line in shown):  # elided: every line shown appears
            missing = [e for e in shown if e.strip() != "..." and e not in got.splitlines()]
            assert not missing, f"{page.name}: $ {command}: {missing}"
        elif expected:
            assert got == expected, f"{page.name}: $ {command}"


@pytest.mark.parametrize(("name", "command"), commands(), ids=[n for n, _ in commands()])
def test_every_command_has_an_example_and_a_doc_page(name, command):
    assert "Example:" in (command.help or ""), f"crm {name} --help has no example"
    text = "\n".join(page.read_text(encoding="utf-8") for page in PAGES)
    assert f"crm {name}" in text, f"crm {name} is not in docs/"


def test_ci_runs_exactly_the_readme_test_command():
    root = Path(__file__).parent.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = readme.split("Run the checks (ruff) and the tests:\n\n```sh\n", 1)[1]
    command = block.split("\n```", 1)[0].splitlines()[-1]  # after its `# not replayed`
    ci = (root / ".ci" / "run").read_text(encoding="utf-8").rstrip("\n").splitlines()
    assert ci[-1] == command
    assert "ruff check . && .venv/bin/ruff format --check . &&" in command
    assert command.endswith("python -m pytest -q -n auto --dist worksteal")


def test_every_test_the_threat_table_names_exists() -> None:
    """docs/architecture.md lists each threat with the test that covers it: a renamed or deleted
    test must not leave the table promising a check that no longer runs."""
    import re

    text = (Path(__file__).parent.parent / "docs" / "architecture.md").read_text()
    table = text[text.index("## Threats tested") :].split("\n## ", 1)[0]
    named = []
    for line in table.splitlines():
        if line.startswith("| ") and not line.startswith(("| ---", "| threat")):
            file = None
            for name in re.findall(r"`([^`]+)`", line.rsplit("|", 2)[1]):
                if "::" in name:
                    file, name = name.split("::")
                named.append((file, name))
    assert len(named) >= 30
    for file, name in named:
        source = (Path(__file__).parent / file).read_text()
        assert f"def {name}(" in source, (
            f"{file}::{name} is named in architecture.md but is no test"
        )


def test_the_settings_table_lists_every_config_key_with_its_default() -> None:
    """docs/config.md's table is the one list of settings: a key added to the code, or a
    default changed, fails here until the table says so."""
    from crmcli.records.config import FAMILIES, SETTINGS

    text = (DOCS / "config.md").read_text(encoding="utf-8")
    table = text[text.index("| setting | meaning | default |") :].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        rows[cells[0].strip("`")] = cells[-1]
    assert sorted(rows) == sorted([*SETTINGS, *(f.key for f in FAMILIES)])
    for key, setting in SETTINGS.items():
        if key == "default_region":  # from the locale
            continue
        default = setting.default()
        assert rows[key] == (f"`{default}`" if default is not None else "none"), key
    for family in FAMILIES:
        assert rows[family.key] == "none", family.key


def _anchors(page: Path) -> set[str]:
    """The anchors GitHub makes of the page's headings."""
    import re

    found = set()
    in_code = False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def test_every_link_between_pages_names_a_page_and_heading_that_exist() -> None:
    import re

    broken = []
    for page in [ROOT / "README.md", *PAGES]:
        text = page.read_text(encoding="utf-8")
        for target, anchor in re.findall(r"\]\(([\w./-]*\.md|)(?:#([^)\s]+))?\)", text):
            linked = (page.parent / target) if target else page
            if not linked.exists():
                broken.append(f"{page.name}: {target}")
            elif anchor and anchor not in _anchors(linked):
                broken.append(f"{page.name}: {target}#{anchor}")
    assert not broken


def test_a_silent_command_says_why_or_is_read_back_in_its_block() -> None:
    """The rule every console block is held to, on lines made for it."""
    shown = "id  name\n1   Ann"
    # a read that prints nothing changed nothing: only a comment explains it
    assert unexplained([("crm list --city Rome -q", "", 1), ("crm list", shown, 1)], 0)
    assert not unexplained([("crm list --city Rome -q  # no one lives there", "", 1)], 0)
    for silent in ("crm --lang zh list --city Rome -q", "crm --db /tmp/x.db list -q"):
        assert unexplained([(silent, "", 1), ("crm list", shown, 1)], 0)  # still a read
    assert unexplained([("crm tag x --where 'a = b' --dry-run", "", 1), ("crm tags", shown, 1)], 0)
    # a change is read back by a later command of the same block that shows its output
    write = ("crm config unset language", "", 1)
    assert not unexplained(
        [write, ("crm add Ann -q", "", 1), ("crm config get language", "en", 1)], 0
    )
    assert unexplained([write, ("crm config get language", "en", 2)], 0)  # another block
    assert unexplained([write, ("crm config get language", "", 1)], 0)  # nothing shown
    assert unexplained([write, ("crm config get language", "...", 1)], 0)
    assert unexplained([write, ("crm add Ann", "Added customer 1: Ann", 1)], 0)  # no read
    assert unexplained([write], 0)
    # the read must look at what changed, not at anything at all
    assert unexplained([write, ("crm list", shown, 1)], 0)
    assert unexplained([write, ("crm show Ann", "name: Ann\ncity: Rome", 1)], 0)
    edit = ("crm edit Ann --city Rome -q", "", 1)
    for read, printed in [
        ("crm show Ann", "name: Ann"),  # names the customer
        ("crm list --fields name,city", "name,city\nAnn,Rome"),  # shows the new value
        ("crm list --city Rome --format json", '[{"id": 1}]'),  # names the new value
    ]:
        assert not unexplained([edit, (read, printed, 1)], 0), read
    assert unexplained([edit, ("crm show Bob", "name: Bob\ncity: Paris", 1)], 0)
    assert unexplained([edit, ("crm list --fields name", "name\nRomeo", 1)], 0)  # whole words
    assert unexplained([edit, ("crm config list", "language,en", 1)], 0)
    for group in ("crm --db /tmp/x.db config list", "crm config get default_region"):
        assert not unexplained([write, (group, "default_region,CN", 1)], 0), group
    # a customer verb is no group: another customer verb reads something else
    assert unexplained([("crm archive 2 -q", "", 1), ("crm list", "id  name\n1   Ann", 1)], 0)
    assert not unexplained([("crm archive 2 -q", "", 1), ("crm show 2", "archived", 1)], 0)


def test_a_command_shown_without_output_prints_nothing_or_says_why() -> None:
    """The rule for a `$ crm` line with no output under it, on lines made for it."""
    ids = "1\n2\n3"
    assert hides("crm list -q", "", ids)  # prints what the page leaves out
    assert hides("crm add Ann -q", "", "1")
    assert hides("crm list --city Rome", "", "No customers to show.")  # stderr counts too
    assert hides("crm list -q | crm tag vip -", "", "Tagged 3 customers with vip.")
    assert hides("crm list -q # a comment needs two spaces before it", "", ids)
    assert not hides("crm list -q  # prints the ids of every customer", "", ids)
    assert not hides("crm list -q", ids, ids)  # shown: compared as any output is
    assert hides("crm list -q", "...", ids)  # `...` alone checks nothing
    assert not hides("crm list -q", "1\n...", ids)  # a line shown, the rest elided
    assert not hides("crm config unset language", "", "")  # silent: the rule above
    assert not hides("mkdir -m 700 /tmp/x", "", "")  # a shell line
    assert not hides("ls /tmp/x", "", "a.db")


def test_every_page_crm_names_exists():
    """Help and messages name docs pages (`docs/help.md`): each must be there (one named
    docs/completion.md, which never was)."""
    named = set()
    for source in (ROOT / "crmcli").rglob("*.py"):
        named |= set(re.findall(r"docs/[\w/-]+\.md", source.read_text(encoding="utf-8")))
    assert named and sorted(p for p in named if not (ROOT / p).exists()) == []


def test_printf_read_in_this_process_prints_what_the_shells_printf_prints() -> None:
    """A console line `printf 'TEXT' | crm ...` runs in this process (`piped`): the text it
    hands crm is the shell's, byte for byte; what it cannot read goes to the shell."""
    from tests.conftest import printf_text

    formats = ['a,b\\nc,"d\\te"\\n', "姓名,'00123\\n", "100%% sure\\\\n", "", "x"]
    script = "".join(f"printf {shlex.quote(f)}; printf '\\0'; " for f in formats)
    shell = subprocess.run(["sh", "-c", script], capture_output=True, check=True).stdout
    assert [printf_text([f]) for f in formats] == shell.decode("utf-8").split("\0")[:-1]
    for other in (["%s\\n", "x"], ["%s"], ["a\\x41"], ["\\101"], ["-v"], ["a", "b"], []):
        assert printf_text(other) is None, other
