"""What the command-line framework says, in Chinese: help's fixed words, usage errors, help
laid out by display width, `crm help` and the man page (crmcli/cli/framework.py,
crmcli/cli/guide.py). English runs read as they always did."""

import ast
import functools
import inspect
import itertools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crmcli.cli import framework, helpformat
from crmcli.cli.cells import width
from crmcli.cli.helptext import placeholder, placeholder_words
from crmcli.cli.topics import TOPICS
from tests.conftest import crm, fails, ok
from tests.test_help import COMMANDS, rendered_man
from tests.test_terminal import on_screen, on_terminal

ROOT = Path(__file__).resolve().parent.parent

# (arguments, the sentence of SENTENCES it shows, its line in English, in Chinese)
USAGE_ERRORS = [
    (
        "list --bogus",
        "No such option: {option}",
        "No such option: --bogus (see 'crm list --help')",
        "没有这个选项：--bogus（见“crm list --help”）",
    ),
    (
        "list --limt",
        "No such option: {option} (Possible options: {options})",
        "No such option: --limt (Possible options: --limit) (see 'crm list --help')",
        "没有这个选项：--limt；是不是想用 --limit？（见“crm list --help”）",
    ),
    (
        "show",
        "Missing argument {name}.",
        "Missing argument 'REF'. (see 'crm show --help')",
        "缺少参数“客户”（见“crm show --help”）",
    ),
    (
        "completion",
        "Missing argument {name}. Choose from: {choices}",
        "Missing argument 'SHELL'. Choose from: bash, zsh, fish (see 'crm completion --help')",
        "缺少参数“命令行类型”，可选：bash、zsh、fish（见“crm completion --help”）",
    ),
    (
        "list --format nope",
        "{value} is not one of {choices}.",
        "Invalid value for '--format' / '-f': 'nope' is not one of 'table', 'json', "
        "'jsonl', 'csv', 'tsv'. (see 'crm list --help')",
        "“--format”/“-f”的值无效：“nope”不在可选值“表格”（table）、“json”、“jsonl”、“csv”、"
        "“tsv”之中（见“crm list --help”）",
    ),
    (
        "list --format nope",
        "Invalid value for {param}: {reason}",
        "Invalid value for '--format' / '-f': 'nope' is not one of 'table', 'json', "
        "'jsonl', 'csv', 'tsv'. (see 'crm list --help')",
        "“--format”/“-f”的值无效：“nope”不在可选值“表格”（table）、“json”、“jsonl”、“csv”、"
        "“tsv”之中（见“crm list --help”）",
    ),
    (
        "list --limit",
        "Option {option} requires an argument.",
        "Option '--limit' requires an argument.",
        "选项“--limit”需要一个值",
    ),
    (
        "list --archived=yes",
        "Option {option} does not take a value.",
        "Option '--archived' does not take a value.",
        "选项“--archived”不接受值",
    ),
    (
        "list a b",
        "Got unexpected extra argument(s) ({arguments})",
        "Got unexpected extra argument(s) (a b) (see 'crm list --help')",
        "多出了参数（a b）（见“crm list --help”）",
    ),
    (
        "nosuchcommand",
        "No such command {name!r}.",
        "No such command 'nosuchcommand'. (see 'crm --help')",
        "没有“nosuchcommand”这个命令（见“crm --help”）",
    ),
    (
        "lis",
        "{message}. Did you mean {names}?",
        "No such command 'lis'. Did you mean 'list'? (see 'crm --help')",
        "没有“lis”这个命令；是不是想用“list”？（见“crm --help”）",
    ),
]


def _one_line(code: int, *args: str) -> str:
    """The one `crm:` line of a run that exits `code`, without `crm: ` and its newline."""
    result = crm(*args)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("crm: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr.removeprefix("crm: ").removesuffix("\n")


@pytest.mark.parametrize(
    ("args", "sentence", "english", "chinese"), USAGE_ERRORS, ids=[e[0] for e in USAGE_ERRORS]
)
def test_a_usage_error_is_one_line_exit_2_in_the_run_language(args, sentence, english, chinese):
    assert _one_line(2, *args.split()) == english
    assert _one_line(2, "--lang", "zh", *args.split()) == chinese
    assert _one_line(2, "--lang", "en", *args.split()) == english


def test_every_sentence_of_the_framework_is_shown_by_a_usage_error_above():
    """SENTENCES and typer's gettext msgids crm can show are exactly those the cases above
    show (or help shows): a sentence typer no longer says, or one added without a case,
    fails here."""
    shown = {sentence for _args, sentence, _en, _zh in USAGE_ERRORS}
    in_help = {"Arguments", "Options", "Commands", "default: {default}", "required"}
    assert shown | in_help == set(framework.SENTENCES) | set(framework.GETTEXT)


def test_typer_says_the_gettext_msgids_crm_translates():
    """typer.core's `_()` calls with a literal msgid: those crm can show are in GETTEXT,
    spelled as typer spells them."""
    import typer.core

    tree = ast.parse(inspect.getsource(typer.core))
    said = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "_"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    assert set(framework.GETTEXT) <= said
    crm("--version")  # every run installs crm's `_` before it prints anything
    assert typer.core._ is framework._


def test_help_in_chinese_has_chinese_headings_and_words(db_path):
    out = ok("--lang", "zh", "tag", "--help")
    assert out.startswith("用法：crm tag [选项] 标签 [客户]...\n")
    assert "\n参数：\n" in out and "\n选项：\n" in out and "[必填]" in out
    assert "Usage:" not in out and "[required]" not in out and "…" not in out
    # the range may wrap after its `；` (the help of --limit says what 0 means before it)
    assert "[默认：20；0–1000]" in "".join(ok("--lang", "zh", "search", "--help").split())
    group = ok("--lang", "zh", "report", "--help")
    assert "\n命令：\n" in group and "Commands" not in group


def test_help_in_english_keeps_its_words(db_path):
    out = ok("--lang", "en", "tag", "--help")
    assert "Usage:" in out and "Arguments" in out and "Options" in out and "[required]" in out
    assert "用法" not in out


# Help of every command, as a pipe gets it (CliRunner would lay it out 80 wide).
WIDTHS = """
import io, json, sys
from contextlib import redirect_stdout
from typer.main import get_command
from crmcli.cli import app
paths, language = json.loads(sys.argv[1]), sys.argv[2]
command, helps = get_command(app), {}
for path in paths:
    with redirect_stdout(io.StringIO()) as out:
        args = ["--lang", language, *path.split()[1:], "--help"]
        command.main(args, prog_name="crm", standalone_mode=False)
    helps[path] = out.getvalue()
print(json.dumps(helps))
"""
# No line of help starts with these.
CLOSING = tuple("，。、；：？！）」』】》,.;:?!)")


@functools.cache
def plain_helps(language: str, columns: int) -> dict[str, str]:
    """Every command's plain help (as a pipe gets it), `columns` wide, by command: one
    process renders them all, once per worker (read only: callers never change it)."""
    paths = [path for path, _ in COMMANDS]
    env = {**os.environ, "TYPER_USE_RICH": "0", "COLUMNS": str(columns)}
    out = subprocess.run(
        [sys.executable, "-c", WIDTHS, json.dumps(paths), language],
        capture_output=True, text=True, env=env, check=True, cwd=ROOT,
    ).stdout  # fmt: skip
    helps = json.loads(out)
    assert len(helps) == len(paths)
    return helps


@pytest.mark.parametrize("columns", [30, 40, 60, 80])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_line_of_plain_help_is_wider_than_the_terminal(language, columns):
    """Every command's plain help (a pipe; Chinese on a terminal too) at 30 to 80 columns
    (click laid it out 50 wide below 52): no line wider, measured in terminal columns, and
    none starting with closing punctuation."""
    helps = plain_helps(language, columns)
    for path, text in helps.items():
        assert text.startswith("用法：crm" if language == "zh" else "Usage: crm"), path
        for line in text.splitlines():
            assert width(line) <= columns, f"{path}: {line!r}"
            assert not line.lstrip().startswith(CLOSING), f"{path}: {line!r}"


# Words a help paragraph parted at a line's end before it kept them whole (`（退` / `出码 2）`,
# `按客` / `户`, `或退` / `款性质`): the words of a salesperson crm keeps whole, and exit.
WHOLE_WORDS = helpformat.SALES_WORDS | {"退出", "退出码", "不再"}


@pytest.mark.parametrize("columns", [60, 80])
def test_chinese_help_breaks_between_words_not_inside_one(columns):
    """Help paragraphs fill their lines and break between any two Chinese characters, but
    not inside a word crm says (helpformat.wrap `words`, as errors and table cells keep
    them): no line of any command's help ends inside one of WHOLE_WORDS (our own list,
    not the wrapper's catalog words) and the next goes on with the rest of it."""
    parted = []
    for path, text in plain_helps("zh", columns).items():
        lines = text.splitlines()
        for above, below in itertools.pairwise(lines):
            end = re.search(r"[\u3400-\u9fff]+$", above)
            start = re.match(r"\s*([\u3400-\u9fff]+)", below)
            if end and start:
                parted += [
                    (path, above, below)
                    for word in WHOLE_WORDS
                    for k in range(1, len(word))
                    if end.group().endswith(word[:k]) and start.group(1).startswith(word[k:])
                ]
    assert parted == []


@pytest.mark.parametrize("columns", ["60", "80"])
def test_the_exit_code_in_chinese_help_stays_on_one_line(columns, monkeypatch):
    """`crm --lang zh edit --help` broke `（退` / `出码 2）` at 80 columns: the help is filled
    as before, the line breaking before the bracket instead."""
    monkeypatch.setenv("COLUMNS", columns)
    out = ok("--lang", "zh", "edit", "--help")
    assert "（退出码 2）" in out
    assert max(width(line) for line in out.splitlines()) <= int(columns)


# Every word of a placeholder in English help (`REF`, `FIELD` of `FIELD,FIELD`, the
# `OPTIONS` of `[OPTIONS]`), as a word of its own.
PLACEHOLDER_WORDS = sorted(
    {"OPTIONS", "COMMAND", "ARGS"}
    | {
        word
        for _path, command in COMMANDS
        for param in command.params
        for word in placeholder_words(placeholder(param))
    }
)
# SQL is also the language's name, which Chinese prose says as it is (`只读 SQL 查询`).
ENGLISH_WORD = re.compile(
    rf"(?<![\w$.-])(?:{'|'.join(w for w in PLACEHOLDER_WORDS if w != 'SQL')})(?![\w])"
)


# English help lists the keys (test_a_list_of_choices_is_said_as_it_is_typed_back).
ENGLISH_CHOICES = [
    ("crm report sales", "--by day|week|month|quarter|year|category|item|customer|city|region|tag"),
    ("crm report value", "--unit day|week"),
    ("crm list", "--format table|json|jsonl|csv|tsv"),
    ("crm remind", "--format text|json|ics"),
    ("crm log", "--direction in|out"),
    ("crm import tasks", "--on-conflict update|skip|error"),
]


def test_chinese_help_names_no_placeholder_in_english():
    """Every command's Chinese help says its placeholders in Chinese: the usage line, the
    options and arguments, the range and default typer adds, and the sentences that name a
    placeholder (`按字段排序`); an example's data is what it is (`--title CTO`)."""
    assert {"REF", "FIELD", "N", "TEXT", "DATE", "OPTIONS"} <= set(PLACEHOLDER_WORDS)
    english, chinese = plain_helps("en", 80), plain_helps("zh", 80)
    for path, text in chinese.items():
        shown = "\n".join(line for line in text.splitlines() if "示例：" not in line)
        assert not ENGLISH_WORD.search(shown), f"{path}: {ENGLISH_WORD.search(shown)}"
        assert not re.search(r"x[<>]=|<=x", shown), path
    # a list of choices says the words a Chinese user types back (`--by 天|周|月`); only a
    # key nothing else stands for stays (test_a_list_of_choices_is_said_as_it_is_typed_back)
    keys_only = {"json", "jsonl", "csv", "tsv", "ics", "vcard", "auto", "always", "never",
                 "bgnbd", "mbgnbd"}  # fmt: skip
    for path, text in chinese.items():
        for listed in re.findall(r"(?<![\w-])--[a-z-]+ (\S+\|\S+)", text):
            keys = {k for k in listed.split("|") if k.isascii()} - keys_only
            assert not keys, f"{path}: {listed}"
    for command, listed in ENGLISH_CHOICES:
        assert re.search(rf"{re.escape(listed)}\s", english[command]), command
    usage = plain_helps("zh", 80)["crm stage"].splitlines()[0]
    assert usage == "用法：crm stage [选项] 客户|阶段 [阶段]"
    assert "--limit 数字" in plain_helps("zh", 80)["crm list"]
    assert (
        "[x>=0]" in english["crm list"]
        and "Usage: crm stage [OPTIONS] REF|STAGE" in (english["crm stage"])
    )


@pytest.mark.parametrize(
    ("text", "columns", "lines"),
    [
        (
            "处于此生命周期：new（新客户）、活跃（active）、流失风险（at_risk）",
            24,
            ["处于此生命周期：new（新", "客户）、活跃（active）、", "流失风险（at_risk）"],
        ),
        ("the quick brown fox", 10, ["the quick", "brown fox"]),
        ("名称同 JSON 键。", 9, ["名称同", "JSON 键。"]),
        (
            "fixed values (--format, --lifecycle, ...) and",
            30,
            ["fixed values (--format,", "--lifecycle, ...) and"],
        ),
        ("abcdefghij", 4, ["abcd", "efgh", "ij"]),  # a word longer than a line is cut
    ],
)
def test_wrap_measures_columns_and_keeps_closing_punctuation_off_a_line_start(text, columns, lines):
    assert helpformat.wrap(text, columns).split("\n") == lines


def test_a_long_example_is_continued_as_the_shell_reads_it():
    line = 'crm edit --where "city = 杭州" --tag vip --set source=referral --dry-run'
    shown = helpformat.continued(line, 40, "  ").split("\n")
    assert shown == [
        '  crm edit --where "city = 杭州" --tag \\',
        "      vip --set source=referral \\",
        "      --dry-run",
    ]
    assert all(width(part) <= 40 for part in shown)


def test_a_chinese_locale_speaks_chinese_before_any_database(tmp_path):
    """A real run with LANG=zh_CN.UTF-8: help and a usage error in Chinese, exit 2 and one
    line; LANG=C.UTF-8 stays English."""
    env = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES")}
    env.update(CRM_DB=str(tmp_path / "none.db"), COLUMNS="80")

    def run(lang: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "crmcli", *args],
            capture_output=True, text=True, env={**env, "LANG": lang}, cwd=ROOT,
        )  # fmt: skip

    shown = run("zh_CN.UTF-8", "--help")
    assert shown.returncode == 0 and shown.stdout.startswith("用法：crm [选项] 命令 [参数]...")
    assert "\n选项：\n" in shown.stdout and "\n命令：\n" in shown.stdout
    refused = run("zh_CN.UTF-8", "list", "--limit", "x")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr == "crm: “--limit”要填整数，不能是“x”\n"
    english = run("C.UTF-8", "list", "--bogus")
    assert english.returncode == 2
    assert english.stderr == "crm: No such option: --bogus (see 'crm list --help')\n"
    assert not (tmp_path / "none.db").exists()


def test_crm_help_lists_and_prints_topics_in_chinese(db_path):
    listed = ok("--lang", "zh", "help")
    assert listed.startswith("帮助主题（crm help 主题）：\n")
    assert "  dates       日期、时间和时间段的写法\n" in listed
    for name in TOPICS:
        shown = ok("--lang", "zh", "help", name)
        assert re.search(r"[\u4e00-\u9fff]{4}", shown) and shown != TOPICS[name] + "\n"
        for line in shown.splitlines():
            assert width(line) <= 80, f"{name}: {line!r}"
    assert ok("--lang", "en", "help", "dates") == TOPICS["dates"] + "\n"


@pytest.mark.parametrize("name", list(TOPICS))
def test_a_chinese_topic_has_the_examples_of_the_english_with_chinese_data(name):
    """A Chinese topic shows the same commands as the English one, one for one, with
    Chinese data where the English has English (tests/test_help.py runs both)."""
    from crmcli.core import i18n

    token = i18n.use("zh")
    try:
        chinese = i18n._(TOPICS[name])
    finally:
        i18n.reset(token)

    from typer.main import get_command

    from crmcli.cli import app

    root = get_command(app)

    def examples(text: str) -> list[str]:
        return [line for line in text.splitlines() if line.startswith("  crm ")]

    def command(line: str) -> list[str]:
        """The command a line runs (`crm care rule add`): the words that name a group or a
        command, whatever the arguments (`crm log 电话 张伟` is `crm log`, as `crm log call`)."""
        group, path = root, ["crm"]
        for word in line.split()[1:]:
            group = getattr(group, "commands", {}).get(word)
            if group is None:
                break
            path.append(word)
        return path

    assert [command(e) for e in examples(chinese)] == [command(e) for e in examples(TOPICS[name])]
    assert examples(chinese) != []
    for line in examples(chinese):
        assert not re.search(r'"[A-Z][a-z]+ [a-z]', line), line  # "Send the quote"


def test_the_man_page_in_chinese(db_path, tmp_path):
    page = ok("--lang", "zh", "help", "--man")
    assert page.startswith('.TH CRM 1 "" "crm ') and '"用户命令"' in page.splitlines()[0]
    for heading in ("名称", "概述", "命令", "日期", "筛选", "退出状态", "隐私", "环境变量"):
        assert f"\n.SH {heading}\n" in page, heading
    assert "\\fBcrm care rule add\\fR" in page
    assert "\n.SH EXIT STATUS\n" in ok("help", "--man")  # English as it was
    shown = rendered_man(page, tmp_path)
    assert "3：未找到" in shown and "不区分 ASCII 大小写" in shown
    assert 'crm list --where "城市 = 上海" --tag vip' in shown


def test_chinese_help_on_a_terminal_is_laid_out_whole_within_its_width(db_path):
    """On a terminal Chinese help is the plain layout (rich, which breaks lines only at
    spaces, cut Chinese text with "…"), every line within the terminal; a group without
    its command shows its help, then the one line, exit 2."""
    code, lines = on_terminal("tag", "--help", columns=60, env={"LANG": "zh_CN.UTF-8"})
    assert code == 0 and lines[0] == "用法：crm tag [选项] 标签 [客户]..."
    assert not [line for line in lines if "…" in line or width(line) > 60]
    shown = "".join(line.strip() for line in lines)
    assert "已召回（reactivated）、未购买（none）（可重复：任一即可）" in shown
    code, lines = on_terminal("--lang", "zh", "report", columns=80)
    assert code == 2 and lines[0] == "用法：crm report [选项] 命令 [参数]..."
    # the error is broken to the terminal's width between its phrases (one line in a pipe)
    error = lines[next(n for n, line in enumerate(lines) if line.startswith("crm: ")) :]
    assert "命令：" in lines and error[0].startswith("crm: 缺少子命令：可选 sales、rfm")
    assert error[-1].endswith("（见“crm report --help”）") and len(error) == 2, error
    assert all(width(line) <= 80 for line in error), error


def test_crm_help_follows_the_language_setting_and_the_option_wins(db_path):
    ok("config", "set", "language", "zh")
    assert ok("help").startswith("帮助主题（crm help 主题）：\n")
    assert "\n.SH 退出状态\n" in ok("help", "--man")
    assert ok("--lang", "en", "help").startswith("Topics (crm help TOPIC):\n")
    assert ok("--lang", "en", "help", "dates") == TOPICS["dates"] + "\n"


def test_help_and_command_line_errors_follow_the_language_setting(db_path):
    """The setting is glanced at before the command line is read: `--help`, an unknown
    option, a missing argument and a refusal made before the file is opened spoke the
    locale's language (English in cron) although the user had set Chinese."""
    ok("config", "set", "language", "zh")
    assert ok("list", "--help").startswith("用法：crm list [选项]")
    assert ok("--help").startswith("用法：crm [选项] 命令 [参数]...")
    assert fails(2, "list", "--bogus") == "crm: 没有这个选项：--bogus（见“crm list --help”）\n"
    assert fails(2, "show") == "crm: 缺少参数“客户”（见“crm show --help”）\n"
    assert fails(2, "remind", "--within", "bogus").startswith("crm: --within “bogus”不是时间段")
    # --lang still wins; another database (none, or one without the setting) the locale
    assert "Usage: crm list [OPTIONS]" in ok("--lang", "en", "list", "--help")
    assert fails(2, "--db", str(db_path.parent / "none.db"), "show").startswith(
        "crm: Missing argument 'REF'."
    )
    ok("config", "unset", "language")
    assert fails(2, "show").startswith("crm: Missing argument 'REF'.")


def test_a_command_that_opens_the_file_reads_its_language_there(db_path, monkeypatch):
    """The glance (a second open of the file, its schema parsed: a few milliseconds every
    run) is made only when something is said before the command opens the file."""
    from crmcli.store import glance

    ok("config", "set", "language", "zh")
    ok("add", "张伟")
    looked = []
    real = glance.language
    monkeypatch.setattr(glance, "language", lambda option: looked.append(option) or real(option))
    assert ok("list", "-f", "table").splitlines()[0].split()[:2] == ["编号", "姓名"]
    assert fails(3, "show", "nobody") == "crm: 没有匹配“nobody”的客户\n"
    assert looked == []
    assert fails(2, "show") == "crm: 缺少参数“客户”（见“crm show --help”）\n"
    assert fails(2, "list", "--limit", "x").startswith("crm: ")
    assert ok("list", "--help").startswith("用法：crm list [选项]")
    assert looked == [None, None, None]


def test_the_setting_of_a_file_in_an_unreadable_shape_leaves_the_locale(db_path, tmp_path):
    """A file that is not a database, a folder given as --db, or a path the system
    refuses: the glance says nothing, and the command's own error follows."""
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    for path in (str(junk), str(tmp_path), str(tmp_path / ("x" * 300) / "y.db")):
        stderr = fails(2, "--db", path, "show")
        assert stderr.startswith("crm: Missing argument 'REF'."), (path, stderr)


def test_crm_help_reads_no_setting_from_a_file_every_command_refuses(db_path, tmp_path):
    """A database in a folder others can write is refused by every command; `crm help`
    read its language setting all the same (a planted file chose help's language)."""
    ok("config", "set", "language", "zh")
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    planted = shared / "crm.db"
    planted.write_bytes(db_path.read_bytes())
    assert crm("--db", str(planted), "list").exit_code == 2  # refused
    assert ok("--db", str(planted), "help").startswith("Topics (crm help TOPIC):\n")
    assert "Usage: crm list [OPTIONS]" in ok("--db", str(planted), "list", "--help")
    assert ok("--db", str(db_path), "help").startswith("帮助主题（crm help 主题）：\n")


@pytest.mark.parametrize("columns", [40, 60])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_crm_help_follows_the_terminal_width(language, columns, tmp_path):
    """On a terminal a topic (and the list of them) is laid out again as wide as the
    terminal: no line wider, none starting with closing punctuation, its examples the same
    commands (continued with ` \\` as the shell reads them); in a pipe it is as written."""
    env = {"CRM_DB": str(tmp_path / "none.db")}
    code, lines = on_screen("--lang", language, "help", columns=columns, env=env)
    assert code == 0 and len(lines) > len(TOPICS)
    assert all(width(line) <= columns for line in lines), lines
    for name in TOPICS:
        code, lines = on_screen("--lang", language, "help", name, columns=columns, env=env)
        assert code == 0
        for line in lines:
            assert width(line) <= columns, f"{name}: {line!r}"
            assert not line.lstrip().startswith(CLOSING), f"{name}: {line!r}"
        written = ok("--lang", language, "help", name)  # a pipe: as written
        examples = [line for line in written.splitlines() if line.startswith("  crm ")]
        shown = "\n".join(lines).replace(" \\\n      ", " ").replace("\\\n", "")
        assert all(example in shown.splitlines() for example in examples), (name, shown)
        words = re.sub(r"\s+", "", "".join(lines).replace("\\", ""))
        assert words == re.sub(r"\s+", "", written), name


def test_chinese_topics_name_no_english_placeholder_or_section():
    """`crm help TOPIC` in Chinese names its placeholders in Chinese (`--tag 标签`) and
    points to docs by address (`docs/conventions.md#dates-and-times`), not by an English
    section title."""
    for name in TOPICS:
        shown = ok("--lang", "zh", "help", name)
        prose = "\n".join(line for line in shown.splitlines() if not line.startswith("  crm "))
        assert not ENGLISH_WORD.search(prose), f"{name}: {ENGLISH_WORD.search(prose)}"
        assert not re.search(r"\b[TS]\b|More:|（[A-Z][a-z]+( [a-z]+)*）", prose), name
        assert "详见：docs/" in shown, name
    assert '--where "字段 运算符 值"' in ok("--lang", "zh", "help", "filters")
    assert "docs/conventions.md#dates-and-times" in ok("--lang", "zh", "help", "dates")


@pytest.mark.parametrize(
    ("line", "columns"),
    [
        ("crm completion fish > ~/.config/fish/completions/crm.fish", 28),
        ('crm sql "SELECT city, count(*) AS n FROM customers GROUP BY city ORDER BY n DESC"', 30),
        ("CRM_KEY_FILE=~/.config/crm.key crm encrypt", 24),
    ],
)
def test_an_example_wider_than_a_narrow_help_still_runs_as_written(line, columns, tmp_path):
    """An example continued over lines narrower than one of its words (a path, a quoted
    query) reads, to the shell, as the same words: each line within the width and its
    margin, none starting with closing punctuation."""
    shown = helpformat.continued(line, columns, "  ")
    lines = shown.split("\n")
    assert len(lines) >= 3
    assert all(width(part) <= columns + 2 for part in lines), lines
    assert not [part for part in lines if part.lstrip().startswith(CLOSING)], lines
    env = {"HOME": str(tmp_path), "PATH": os.environ["PATH"]}
    words = subprocess.run(
        ["bash", "-c", "printf '%s\\n' " + shown.replace(">", "'>'")],
        capture_output=True, text=True, env=env, check=True,
    ).stdout.splitlines()  # fmt: skip
    expected = subprocess.run(
        ["bash", "-c", "printf '%s\\n' " + line.replace(">", "'>'")],
        capture_output=True, text=True, env=env, check=True,
    ).stdout.splitlines()  # fmt: skip
    assert words == expected


def test_closing_punctuation_is_not_cut_to_a_line_start_inside_a_long_word():
    assert helpformat.wrap("（$CRM_PAGER）。", 12).split("\n") == ["（$CRM_PAGE", "R）。"]
    lines = helpformat.wrap("day (1990-08-15, ...; --08-15 more", 14).split("\n")
    assert lines == ["day", "(1990-08-1", "5, ...;", "--08-15 more"]  # not "...;" first


def _chinese_examples() -> list[str]:
    """Every `示例：crm ...` line of the Chinese catalog (help texts' examples)."""
    from babel.messages.pofile import read_po

    po = Path(__file__).parent.parent / "crmcli/locale/zh/LC_MESSAGES/crm.po"
    with po.open("rb") as file:
        strings = [m.string for m in read_po(file) if m.id and isinstance(m.string, str)]
    return sorted({line.split("示例：", 1)[1] for s in strings for line in s.splitlines()
                   if "示例：crm " in line})  # fmt: skip


# Examples that need what a demo database has not: a file of their own, a shell, a
# custom festival or segment an example before them made, a trusted folder.
_NOT_ON_A_DEMO = ("import", "restore", "--db", "completion", "hooks trust", "survey import",
                  "care festival delete", "segment delete", "demo", "help --man")  # fmt: skip


def test_every_chinese_help_example_runs_on_the_demo_in_chinese_words(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where `-o vip.csv` writes
    demo = tmp_path / "demo.db"  # the demo `crm demo` builds, whose records examples name
    ok("demo", "--db", str(demo))
    examples = _chinese_examples()
    assert len(examples) > 100
    english = re.compile(
        r"张伟|next monday|revenue_12m|\"at risk\"|--by (month|quarter|city)|--payment (wechat"
        r"|card)|--kind (complaint|call)|--severity high|--lifecycle (at_risk|active)|prospect"
        r"|--unset duration|--every none|--key email|=(due_on|customer|phone)\b|--in interactions"
    )
    assert [e for e in examples if english.search(e)] == []
    pristine = demo.with_name("pristine.db")
    shutil.copy(demo, pristine)
    ran = 0
    for example in examples:
        command = example.split(" | ")[0].split(" > ")[0].split(" >> ")[0]
        args = shlex.split(command)[1:]
        if any(" ".join(args).startswith(skip) for skip in _NOT_ON_A_DEMO):
            continue
        for extra in ("-wal", "-shm"):
            demo.with_name(demo.name + extra).unlink(missing_ok=True)
        shutil.copy(pristine, demo)
        result = crm("--lang", "zh", "--db", str(demo), *args)
        assert result.exit_code == 0, (example, result.stdout, result.stderr)
        ran += 1
    assert ran > 80


@pytest.mark.parametrize(
    ("command", "zh", "en"),
    [(("task", "add"), ["[默认：今天]"], ["[default: today]"]),
     (("feedback", "add"), ["[默认：投诉]", "[默认：一般]"],
      ["[default: complaint]", "[default: normal]"]),
     (("report", "sales"), ["[默认：月]", "[默认：表格]"], ["[default: month]"]),
     (("report", "cohort"), ["[默认：月]"], ["[default: month]"]),
     (("report", "value"), ["[默认：天]", "[默认：bgnbd]"], ["[default: day]"]),
     (("remind",), ["[默认：文本]", "[默认：7天]"], ["[default: text]"])],
)  # fmt: skip
def test_a_default_is_said_as_the_words_typed_back(command, zh, en):
    """Chinese help names a default as a Chinese user types it (`--by 月`, `--kind 投诉`,
    a period `7天`); a key only the key stands for (`bgnbd`) stays; English names the key."""
    said = "".join(ok("--lang", "zh", *command, "--help").split())
    for default in zh:
        assert default in said
    assert not re.search(r"\[默认：[a-z]+\]", said.replace("[默认：bgnbd]", ""))
    said = " ".join(ok("--lang", "en", *command, "--help").split())
    for default in en:
        assert default in said


@pytest.mark.parametrize(
    ("command", "option", "zh"),
    [(("report", "sales"), "--by", "天|周|月|季度|年|品类|产品|客户|城市|省份|标签"),
     (("report", "summary"), "--by", "行业|省份|城市|公司规模|来源|标签|阶段|品类"),
     (("report", "value"), "--unit", "天|周"),
     (("report", "value"), "--model", "bgnbd|mbgnbd|auto"),
     (("list",), "--format", "表格|json|jsonl|csv|tsv"),
     (("remind",), "--format", "文本|json|ics"),
     (("log",), "--direction", "客户发起|我方发起"),
     (("import", "tasks"), "--on-conflict", "更新|跳过|报错"),
     ((), "--money", "普通|万"),
     ((), "--color", "auto|always|never")],
)  # fmt: skip
def test_a_list_of_choices_is_said_as_it_is_typed_back(command, option, zh):
    """Chinese help lists an option's choices in the words crm reads back (`--by 季度`),
    a key only where nothing else stands for it (`json`); English lists the keys."""
    said = ok("--lang", "zh", *command, "--help")
    assert re.search(rf"^ +(-\w, )?{option} {re.escape(zh)}(\s|$)", said, re.M), said


def test_the_choices_chinese_help_lists_are_read_back_as_their_keys(shoppers):
    said = ok("--lang", "zh", "report", "sales", "--help")
    words = re.search(r"^ +--by (\S+)", said, re.M).group(1).split("|")
    keys = [
        "day",
        "week",
        "month",
        "quarter",
        "year",
        "category",
        "item",
        "customer",
        "city",
        "region",
        "tag",
    ]
    for word, key in zip(words, keys, strict=True):
        by_word = ok("report", "sales", "--by", word, "--format", "json")
        assert by_word == ok("report", "sales", "--by", key, "--format", "json"), word
    assert ok("--lang", "zh", "list", "-f", "表格") == ok("--lang", "zh", "list", "-f", "table")
    assert ok("--money", "万", "list") == ok("--money", "wan", "list")
    assert ok("remind", "-f", "文本") == ok("remind", "-f", "text")
    hits = ok("search", "Anna", "--in", "客户", "--format", "json")
    assert hits == ok("search", "Anna", "--in", "customers", "--format", "json") != "[]\n"
    said = fails(2, "--lang", "zh", "search", "Anna", "--in", "投诉")
    assert said == (
        "crm: --in 必须是以下之一：客户（customers）、互动（interactions）、购买（purchases）、"
        "反馈（feedback）、all；收到的是“投诉”\n"
    )
    ok("log", "call", "Anna", "回电", "--direction", "我方发起")
    logged = json.loads(ok("interactions", "Anna", "--format", "json"))
    assert logged[0]["direction"] == "out"


def test_a_time_for_a_day_option_suggests_the_day_in_the_run_s_words():
    said = fails(2, "--lang", "zh", "interactions", "--since", "3pm")
    assert said == "crm: --since 只接受日期，不接受时刻：“3pm”；请只写日期，例如今天\n"
    said = fails(2, "--lang", "en", "interactions", "--since", "3pm")
    assert said.endswith("write the day alone, e.g. today\n")


def test_the_filters_topic_example_names_the_class_in_chinese_words():
    said = ok("--lang", "zh", "help", "filters")
    assert "--lifecycle 流失风险\n" in said and "at_risk" not in said
    assert "--lifecycle at_risk\n" in ok("--lang", "en", "help", "filters")


# A length of time as Chinese help writes it (`30天`, `12个月`, `两周`), and a day so far
# from today (`3天后`, `6个月前`).
_ZH_PERIOD_SHOWN = re.compile(
    r"(?<![\d.:/\w-])(?:每)?(?:\d+|[一两二三四五六七八九十半]+)(?:天|周|个月|年)(?:前|后)?"
)
# The options whose value is a period or a day, by the first form their Chinese help shows.
_PERIOD_OPTIONS = ("--within", "--every", "--after", "--horizon", "--window", "--due-within",
                   "--cadence", "--since", "--due", "--at", "--to", "--follow-up")  # fmt: skip


def _chinese_texts() -> dict[str, str]:
    """What a Chinese user reads about periods: every command's help (laid out wide enough
    that no option's help wraps), `crm help dates`, the settings' descriptions."""
    texts = dict(plain_helps("zh", 300))
    texts["crm help dates"] = ok("--lang", "zh", "help", "dates")
    texts["crm config list"] = ok("--lang", "zh", "config", "list")
    return texts


def test_every_period_and_day_chinese_help_shows_is_one_crm_reads(db_path):
    """Each length of time or day Chinese help offers in Chinese words (`30天`, `12个月`,
    `6个月前`, `每两周`) is one crm reads, as the options read them."""
    from crmcli.core import dates
    from tests.conftest import TODAY

    shown = {
        found for text in _chinese_texts().values() for found in _ZH_PERIOD_SHOWN.findall(text)
    }
    assert {"30天", "2个月", "12个月", "14天", "6个月前", "3天后", "每两周"} <= shown, shown
    for form in sorted(shown):
        if form.endswith(("前", "后")):
            direction = "past" if form.endswith("前") else "future"
            dates.parse_date(form, TODAY, direction=direction)
        else:
            dates.parse_period(form, allow_zero=True, repeat=True)


def test_chinese_help_offers_a_period_or_a_day_in_chinese_first(db_path):
    """Where an option or a setting takes a period or a day, Chinese help shows a Chinese
    form first (`30天`, `明天`), the short English forms (`30d`, `+3d`) after it, if at all;
    so do `crm help dates`, the demo's closing hints and the settings' descriptions."""
    short = re.compile(r"(?<![\w.-])[+-]?\d+[dwmyh]\b")
    for path, text in _chinese_texts().items():
        for option in _PERIOD_OPTIONS:
            for found in re.finditer(rf"(?m)^ +{option} \S+ +(.*)$", text):
                said = found.group(1)
                first_short = short.search(said)
                if first_short is None:
                    continue
                before = said[: first_short.start()]
                assert _ZH_PERIOD_SHOWN.search(before) or re.search("明天|昨天|今天", before), (
                    path,
                    option,
                    said,
                )
    settings = _chinese_texts()["crm config list"]
    assert not short.search(" ".join(line.split("  ")[-1] for line in settings.splitlines()))
    topic = ok("--lang", "zh", "help", "dates")
    items = [line for line in topic.splitlines() if line.startswith("- ")]
    assert len(items) == 5 and all(
        re.match(r"- [^a-zA-Z]*[\u4e00-\u9fff]", item) for item in items
    ), items
    assert "  crm interactions --since 2周前\n" in topic


def test_the_demo_hints_say_pinyin_and_days_in_chinese_and_run(tmp_path, monkeypatch):
    """The demo's closing hints in Chinese sort by 拼音 (as a phone's contacts do) and say
    14天; each one runs as printed; English keeps `--sort name` and 14d."""
    monkeypatch.chdir(tmp_path)
    chinese = ok("--lang", "zh", "demo", "--db", str(tmp_path / "zh.db"), "--customers", "30")
    hints = [line.strip() for line in chinese.split("\n\n")[1].splitlines()[1:]]
    assert any(h.endswith("list --where '城市 = 上海' --sort 拼音") for h in hints), hints
    assert any(h.endswith("remind --within 14天") for h in hints), hints
    assert not re.search(r"--sort name|14d", chinese)
    for hint in hints:
        if hint.startswith("crm "):
            assert crm("--lang", "zh", *shlex.split(hint)[1:]).exit_code == 0, hint
    english = ok("--lang", "en", "demo", "--db", str(tmp_path / "en.db"), "--customers", "30")
    assert "--sort name" in english and "remind --within 14d" in english


def test_the_completion_help_names_the_shell_in_words(db_path):
    said = ok("--lang", "zh", "completion", "--help")
    assert said.startswith("用法：crm completion [选项] 命令行类型\n"), said
    assert "shell类型" not in said and "shell 的" not in said
    assert "crm completion 命令行类型" in ok("--lang", "zh", "help", "--man")


def test_the_rfm_grid_refusal_offers_a_rule_in_the_words_it_reads(db_path):
    """The example a refused `rfm.grid` offers in Chinese (`核心客户=5/45`) is one the
    setting takes, as it reads the segments' Chinese names."""
    said = fails(2, "--lang", "zh", "config", "set", "rfm.grid", "核心客户=5")
    example = re.search(r"例如 (\S+?)（", said).group(1)
    assert example == "核心客户=5/45", said
    ok("--lang", "zh", "config", "set", "rfm.grid", example)
    assert ok("config", "get", "rfm.grid").strip() == "champions=5/45"
