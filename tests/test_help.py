"""`--help` as people read it: placeholders in words, whole summaries, examples one a line,
only choices that work, and every `Example:` line runs on a demo database."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from crmcli.cli import app
from crmcli.cli.helptext import placeholder, summary, tidy
from crmcli.cli.topics import ABOUT, TOPICS
from tests.conftest import Result, crm, fails, filled_once, full_demo, ok, piped

ROOT = Path(__file__).resolve().parent.parent


def commands() -> list[tuple[str, Any]]:
    """(`crm task add`, its click command) for `crm`, every group and every command."""
    found = []

    def walk(command: Any, path: str) -> None:
        found.append((path, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    root = get_command(app)
    tidy(root)  # as every run does before it prints anything
    walk(root, "crm")
    return found


COMMANDS = commands()
EXAMPLES = [
    (path, line.strip().removeprefix("Example:").strip())
    for path, command in COMMANDS
    for line in (command.help or "").splitlines()
    if line.strip().startswith("Example:")
]
EXAMPLES += [
    (f"crm help {topic}", line.strip())
    for topic, text in TOPICS.items()
    for line in text.splitlines()
    if line.startswith("  crm ")
]


def chinese(text: str) -> str:
    """`text` (an English msgid) as a Chinese run says it."""
    from crmcli.core import i18n

    token = i18n.use("zh")
    try:
        return i18n._(text)
    finally:
        i18n.reset(token)


# The examples of Chinese help, which use Chinese data (上海, 茶叶) where data appears:
# those that are not the English ones run too.
CHINESE_EXAMPLES = [
    (path, line.strip().removeprefix("示例：").strip())
    for path, command in COMMANDS
    for line in chinese(getattr(command, "_crm_help", None) or command.help or "").splitlines()
    if line.strip().startswith("示例：")
]
CHINESE_EXAMPLES += [
    (f"crm help {topic}", line.strip())
    for topic, text in TOPICS.items()
    for line in chinese(text).splitlines()
    if line.startswith("  crm ")
]
# typer's names for a value's Python type, which help must not show.
TYPE_LABEL = re.compile(r"<(str|int|float|bool|path|list\[\w+\]|int range|float range)>")


def test_every_example_is_collected():
    assert len(EXAMPLES) >= len([c for _, c in COMMANDS if not hasattr(c, "commands")])


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[p for p, _ in COMMANDS])
def test_help_names_values_in_words(path, command):
    out = ok(*path.split()[1:], "--help")
    assert not TYPE_LABEL.search(out), f"{path} --help: {TYPE_LABEL.search(out)}"
    usage = next(line for line in out.splitlines() if "Usage:" in line)
    assert "{" not in usage and "[targets]" not in usage, usage


def test_placeholders_say_what_goes_there():
    out = ok("edit", "--help")
    for shown in ("--add-tag", "TAG"), ("--created-since", "DATE"), ("--where", "FILTER"):
        assert re.search(rf"{shown[0]}\s+{shown[1]}\b", out), shown
    assert re.search(r"--limit\s+N\b", ok("list", "--help"))
    assert re.search(
        r"--format\s+(?:-f\s+)?csv\|tsv\|json\|jsonl\b", ok("export", "purchases", "--help")
    )
    assert re.search(r"--quiet\s+(?:-q\s+)?Print", ok("list", "--help"))  # a flag takes no value
    assert "crm tag [OPTIONS] TAG [REF]..." in ok("tag", "--help")
    assert "crm stage [OPTIONS] REF|STAGE [STAGE]" in ok("stage", "--help")


def test_plain_help_keeps_examples_one_a_line():
    """Off a terminal click rewraps a paragraph: the two examples of `crm stage` ran
    together into one."""
    env = {**os.environ, "TYPER_USE_RICH": "0"}
    out = subprocess.run(
        [sys.executable, "-m", "crmcli", "stage", "--help"],
        capture_output=True, text=True, env=env, check=True,
    ).stdout  # fmt: skip
    lines = [line.strip() for line in out.splitlines()]
    assert 'Example: crm stage 张伟 prospect --reason "asked for a quote"' in lines
    assert "Example: crm stage customer --stage prospect --tag signed" in lines
    assert re.search(r"--at WHEN", out) and not TYPE_LABEL.search(out)


PLAIN_HELP = """
import functools, json, sys
import typer.testing
from typer.testing import CliRunner
from crmcli.cli import app
paths = json.loads(sys.argv[1])
typer.testing._get_command = functools.cache(typer.testing._get_command)  # as conftest.py
runner = CliRunner()
print(json.dumps({p: runner.invoke(app, [*p.split()[1:], "--help"]).stdout for p in paths}))
"""


def test_plain_help_of_every_command_is_in_words_with_examples_one_a_line():
    """Off a terminal (TYPER_USE_RICH=0, as crm sets it for a pipe) help is click's plain
    text, which rewraps paragraphs: one run over every command."""
    import json

    paths = [path for path, _ in COMMANDS]
    env = {**os.environ, "TYPER_USE_RICH": "0"}
    out = subprocess.run(
        [sys.executable, "-c", PLAIN_HELP, json.dumps(paths)],
        capture_output=True, text=True, env=env, check=True,
    ).stdout  # fmt: skip
    helps = json.loads(out)
    for path, line in EXAMPLES:
        if path.startswith("crm help "):
            continue
        assert f"Example: {line}" in unfolded(helps[path]), path
    for path, text in helps.items():
        assert text.startswith("Usage: crm"), path
        assert not TYPE_LABEL.search(text), f"{path}: {TYPE_LABEL.search(text)}"


def unfolded(help: str) -> list[str]:
    """The lines of plain help, stripped, with an example too wide for the help (continued
    on the next lines, each broken one ending with ` \\`) on one line again."""
    lines: list[str] = []
    for shown in help.splitlines():
        if lines and lines[-1].endswith(" \\"):
            lines[-1] = lines[-1][:-1] + shown.strip()
        else:
            lines.append(shown.strip())
    return lines


def test_summaries_are_whole_first_sentences():
    out = ok("feedback", "--help")
    assert "Delete a feedback item for good (e.g. one entered by mistake)." in out
    assert "with an optional" in out  # was cut: "with an..."
    for path, command in COMMANDS:
        if path == "crm":
            continue
        short = command.get_short_help_str()
        assert short == summary(command.help or ""), path
        assert not short.endswith(("e.g.", "...")), path
        assert short.count("(") == short.count(")"), f"{path}: {short}"


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("Delete it for good (e.g. a mistake). Then more.", "Delete it for good (e.g. a mistake)."),
        ("No full stop\nover two lines\n\nSecond paragraph.", "No full stop over two lines"),
        ("Uses v1.2 files. More.", "Uses v1.2 files."),
        ("Ends here.", "Ends here."),
        ("", ""),
    ],
)
def test_summary(text, first):
    assert summary(text) == first


@pytest.mark.parametrize(
    ("args", "refused"),
    [
        (["import", "purchases", "x.csv", "-f", "vcard"], "vcard"),
        (["import", "tasks", "x.csv", "-f", "vcard"], "vcard"),
        (["export", "customers", "--format", "ics"], "ics"),
        (["export", "purchases", "--format", "vcard"], "vcard"),
        (["export", "tasks", "--format", "vcard"], "vcard"),
        (["export", "all", "--format", "csv"], "csv"),
        (["subject-export", "1", "--format", "table"], "table"),
        (["dashboard", "--format", "csv"], "csv"),
    ],
)
def test_a_format_a_command_cannot_write_is_not_offered(db_path, args, refused):
    """Refused as a usage error, and absent from the choices help lists."""
    fails(2, *args, db=db_path)
    path = [a for a in args if not a.startswith("-") and "." not in a and not a.isdigit()]
    path = [p for p in path if p != refused]
    out = ok(*path, "--help")
    choices = re.search(r"--format\s+(?:-f\s+)?(\S+)", out)
    assert choices and refused not in choices.group(1).split("|"), choices


def test_the_formats_offered_work(db_path, tmp_path):
    ok("add", "Anna", "--email", "anna@example.com")
    (tmp_path / "c.vcf").write_text(ok("export", "customers", "-f", "vcard"), encoding="utf-8")
    assert "BEGIN:VCALENDAR" in ok("export", "tasks", "-f", "ics")
    assert ok("export", "all", "-f", "json").startswith("{")
    assert '"customer"' in ok("subject-export", "Anna", "-f", "json")
    ok("import", "customers", str(tmp_path / "c.vcf"), "-f", "vcard", "--key", "email", "--dry-run")


# The examples run on a demo database with 张伟 (whom most examples name) added, in a
# folder holding the files they read; HOME is that folder, so `~/...` names are there too.
FILES = {
    "contacts.csv": "Name,Mobile,Email\nLi Na,13900139000,li.na@example.com\n",
    "orders.csv": "客户,item,amount\n张伟,Tea,12\n",
    "订单.csv": "买家,商品,金额\n张伟,茶叶,12\n",
    "calls.jsonl": '{"customer": "张伟", "kind": "call", "text": "Asked for a quote"}\n',
    "todo.csv": "customer,text,截止日期\n张伟,Call back,2026-12-01\n",
    "answers.csv": "customer,nps\n张伟,9\n",
}
# What an example needs that a user would have made first: crm commands (or a shell line)
# run before it.
BEFORE: dict[str, list[list[str] | str]] = {
    "crm completion fish": ["mkdir -p .config/fish/completions"],
    "crm hooks trust": ["printf '#!/bin/sh\\n' > hooks/on-add && chmod 700 hooks/on-add"],
    "crm restore": [["backup", "~/.local/share/crmcli/backups/crm-20261122T100000.db"]],
    "crm --db restored.db import all": [["export", "all", "-o", "backup.json"]],
    "CRM_KEY_FILE=~/.config/crm.key crm decrypt": [["encrypt"]],
    "crm segment delete shanghai-vips": [["segment", "save", "shanghai-vips", "--tag", "vip"]],
    "crm segment delete 上海大客户": [["segment", "save", "上海大客户", "--tag", "vip"]],
    "crm care festival delete 圣诞节": [["care", "festival", "add", "圣诞节", "--date", "12-25"]],
}


def _world() -> None:
    full_demo(Path(os.environ["CRM_DB"]))
    ok("add", "张伟", "--city", "上海")


def test_chinese_help_has_its_own_examples_with_chinese_data():
    """Every command's Chinese help has as many examples as its English help, and where
    the English data is English (a city, a product, a note) the Chinese is Chinese."""
    english = {(p, line) for p, line in EXAMPLES}
    assert len(CHINESE_EXAMPLES) == len(EXAMPLES)
    assert ("crm list", 'crm list --where "城市 = 上海" --tag vip --sort -创建时间') in (
        CHINESE_EXAMPLES
    )
    for path, line in CHINESE_EXAMPLES:
        assert not re.search(r"Shanghai|Hangzhou|Longjing|Great tea|asked for", line), line
    assert len(set(CHINESE_EXAMPLES) - english) >= 10


RUN = EXAMPLES + sorted(set(CHINESE_EXAMPLES) - set(EXAMPLES))


@pytest.mark.parametrize(("path", "line"), RUN, ids=[line for _, line in RUN])
def test_every_help_example_runs(path, line, db_path, tmp_path, monkeypatch):
    filled_once(db_path, _world)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("EDITOR", "true")
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    key = tmp_path / ".config" / "crm.key"
    key.parent.mkdir(mode=0o700)
    key.write_text("a passphrase for the examples\n")
    key.chmod(0o600)
    monkeypatch.setenv("CRM_KEY_FILE", str(key))
    (tmp_path / "hooks").mkdir(mode=0o700)
    (tmp_path / ".local" / "share" / "crmcli" / "backups").mkdir(parents=True)
    for prefix, steps in BEFORE.items():
        if line.startswith(prefix):
            for step in steps:
                if isinstance(step, str):
                    subprocess.run(step, shell=True, check=True)
                else:
                    ok(*[os.path.expanduser(word) for word in step])
    result = piped(line)  # crm into crm, or into a file: in this process
    if result is None:  # a shell line crm alone cannot run: the shell, with the installed crm
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        proc = subprocess.run(
            line, shell=True, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL
        )
        result = Result(proc.returncode, proc.stdout, proc.stderr)
    code, err = result.exit_code, result.stderr
    assert code == 0, f"{path} --help: {line}\n{err}"
    assert "Traceback" not in err


def test_help_lists_the_topics_and_prints_each(db_path):
    listed = ok("help")
    assert all(f"  {name}" in listed for name in TOPICS) and set(ABOUT) == set(TOPICS)
    assert ok("help", "exit-codes") == TOPICS["exit-codes"] + "\n"
    assert ok("help", "Exit_Codes") == TOPICS["exit-codes"] + "\n"
    assert "--where" in ok("help", "filters")


def test_an_unknown_topic_is_refused_naming_the_topics(db_path):
    err = fails(2, "help", "colours")
    assert (
        err
        == "crm: no help topic 'colours'; topics: dates, filters, formats, exit-codes, privacy\n"
    )
    fails(2, "help", "dates", "--man")


def test_the_man_page_is_built_from_the_same_text_and_renders(db_path, tmp_path):
    page = ok("help", "--man")
    assert page.startswith(".TH CRM 1 ")
    for heading in ("NAME", "SYNOPSIS", "COMMANDS", "DATES", "FILTERS", "EXIT STATUS", "PRIVACY"):
        assert f"\n.SH {heading}\n" in page, heading
    assert "\\fBcrm care rule add\\fR" in page  # every command, with its summary
    assert not [line for line in page.splitlines() if line.startswith("'")]
    shown = rendered_man(page, tmp_path)
    assert "EXIT STATUS" in shown and "3: not found" in shown
    assert 'crm list --where "city = 上海" --tag vip' in shown


# Choices that are refused only with another option of the example, saying why.
CONFLICTS = {("crm export customers --classes", "vcard")}


def test_every_choice_offered_works_in_the_commands_example(db_path, tmp_path, monkeypatch):
    """Each value of each choice option a command offers (--format, --by, --model, ...) in
    place of its own in the command's first example that can take it: a value offered must
    work. (An import's --format says what its file is: one file cannot be all of them.)"""
    filled_once(db_path, _world)
    monkeypatch.chdir(tmp_path)
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    saved = db_path.read_bytes()
    refused = []
    tried = set()  # (command, option, value): once each is enough
    by_path = dict(COMMANDS)
    for path, line in EXAMPLES:
        if any(c in line for c in "|<>$") or not line.startswith("crm ") or path not in by_path:
            continue
        words = shlex.split(line)[1:]
        params = by_path[path].params
        if any(p.param_type_name == "argument" and placeholder(p) == "FILE" for p in params):
            continue
        for param in params:
            choices = getattr(getattr(param, "type_descriptor", None), "choices", None)
            if param.param_type_name != "option" or not choices:
                continue
            kept = [w for i, w in enumerate(words) if w not in param.opts
                    and (i == 0 or words[i - 1] not in param.opts)]  # fmt: skip
            for choice in choices:
                value = str(getattr(choice, "value", choice))
                if any(line.startswith(a) and value == b for a, b in CONFLICTS):
                    continue
                if (path, param.opts[0], value) in tried:
                    continue
                tried.add((path, param.opts[0], value))
                for made in set(tmp_path.iterdir()) - {tmp_path / n for n in FILES}:
                    made.unlink()
                db_path.write_bytes(saved)
                result = crm(*kept, param.opts[0], value)
                if result.exit_code != 0:
                    refused.append(f"crm {' '.join(kept)} {param.opts[0]} {value}: {result.stderr}")
    assert not refused, "\n".join(refused)


def rendered_man(page: str, tmp_path: Path) -> str:
    """`page` as `man` shows it at 80 columns, after groff found nothing to warn of (the
    test is skipped where man or groff is missing)."""
    if shutil.which("man") is None or shutil.which("groff") is None:
        pytest.skip("no man or groff to render the page")
    (tmp_path / "crm.1").write_text(page, encoding="utf-8")
    checked = subprocess.run(
        ["groff", "-k", "-man", "-Tutf8", "-ww", "-z", str(tmp_path / "crm.1")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert checked.returncode == 0 and checked.stderr == "", checked.stderr
    return subprocess.run(
        ["man", "-l", str(tmp_path / "crm.1")],
        capture_output=True, text=True, env={**os.environ, "MANWIDTH": "80", "MANPAGER": "cat"},
    ).stdout  # fmt: skip
