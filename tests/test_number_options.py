"""What crm says when a number option or argument gets something else (`--limit abc`,
`--limit -1`, `--year 1800`, `crm feedback resolve x`): crm's own sentence, what the option
takes and what was typed, in the run's language, for every number parameter of every
command alike (crmcli/cli/framework.py `number_refused`); never pydantic's English."""

import string

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.main import get_command

from crmcli.cli import app
from tests.conftest import add, crm, examples, fails, state


def _number_params() -> list[tuple[list[str], str, str, int | None, int | None]]:
    """Every number parameter: the command's words, the option (or its argument's
    placeholder), how it is typed, its least and greatest value."""
    found = []

    def walk(command: object, words: list[str]) -> None:
        for param in getattr(command, "params", []):
            descriptor = getattr(param, "type_descriptor", None)
            if getattr(descriptor, "annotation", None) is not int:
                continue
            if param.param_type_name == "option":
                name = sorted(param.opts, key=lambda n: (not n.startswith("--"), n))[0]
                found.append((words, name, name, param.min, param.max))
            else:
                found.append((words, "ID", "", param.min, param.max))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*words, name])

    walk(get_command(app), [])
    return found


NUMBER_PARAMS = _number_params()


def _typed(words: list[str], option: str, value: str) -> list[str]:
    return [*words, option, value] if option else [*words, value]


def test_crm_reads_the_value_of_every_parameter_itself():
    """No parameter is left to typer's converters, which import pydantic (crmcli/cli/framework.py
    `reading`): a new kind of option needs crm's reading of it."""
    from crmcli.cli.framework import reading
    from crmcli.cli.helptext import help_option

    left = []

    def walk(command: object, words: list[str]) -> None:
        for param in [*command.params, *help_option(command)]:  # type: ignore[attr-defined]
            if reading(param) is None:
                left.append((" ".join(words), param.name))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*words, name])

    walk(get_command(app), [])
    assert not left


def test_every_number_parameter_is_found():
    named = {(" ".join(w), n) for w, n, _o, _lo, _hi in NUMBER_PARAMS}
    assert ("list", "--limit") in named and ("care", "--year") in named
    assert ("feedback resolve", "ID") in named and ("buy", "--qty") in named
    assert len(NUMBER_PARAMS) >= 30


@pytest.mark.parametrize(
    ("words", "name", "option", "low", "high"),
    NUMBER_PARAMS,
    ids=[f"{' '.join(p[0])} {p[1]}" for p in NUMBER_PARAMS],
)
def test_a_number_parameter_refuses_words_in_crm_own_words(db_path, words, name, option, low, high):
    args = _typed(words, option, "abc")
    assert fails(2, *args) == f"crm: {name} takes a whole number, not 'abc'\n"
    chinese = "编号" if name == "ID" else name
    assert fails(2, "--lang", "zh", *args) == f"crm: “{chinese}”要填整数，不能是“abc”\n"


@pytest.mark.parametrize(
    ("words", "name", "option", "low", "high"),
    [p for p in NUMBER_PARAMS if p[3] is not None or p[4] is not None],
    ids=[f"{' '.join(p[0])} {p[1]}" for p in NUMBER_PARAMS if p[3] is not None or p[4] is not None],
)
def test_a_number_out_of_range_says_the_range(db_path, words, name, option, low, high):
    below = str(low - 1) if low is not None else str(high + 1)
    if low is not None and high is not None:
        english = f"from {low} to {high}"
        chinese = f"要填 {low} 到 {high} 之间的整数"
    elif low is not None:
        english, chinese = f"of at least {low}", f"要填不小于 {low} 的整数"
    else:
        english, chinese = f"of at most {high}", f"要填不大于 {high} 的整数"
    args = [*words, f"{option}={below}"]  # `--limit=-1`: a negative value as one word
    assert fails(2, *args) == f"crm: {name} takes a whole number {english}, not '{below}'\n"
    assert fails(2, "--lang", "zh", *args) == f"crm: “{name}”{chinese}，不能是“{below}”\n"


def test_the_examples_of_the_issue(db_path):
    assert fails(2, "list", "--limit", "abc") == "crm: --limit takes a whole number, not 'abc'\n"
    assert fails(2, "list", "--limit", "-1") == (
        "crm: --limit takes a whole number of at least 0, not '-1'\n"
    )
    assert fails(2, "search", "x", "--limit", "1001") == (
        "crm: --limit takes a whole number from 0 to 1000, not '1001'\n"
    )
    assert fails(2, "list", "--limit", "1.5") == "crm: --limit takes a whole number, not '1.5'\n"
    assert fails(2, "task", "snooze", "five", "2d") == "crm: ID takes a whole number, not 'five'\n"
    assert fails(2, "--lang", "zh", "care", "--year", "1800") == (
        "crm: “--year”要填 1950 到 2200 之间的整数，不能是“1800”\n"
    )


def test_a_refused_quantity_changes_nothing(db_path):
    add("Anna")
    before = state(db_path)
    for qty in ("0", "-2", "two", "1e3", "2000000"):
        assert "--qty takes a whole number" in fails(2, "buy", "Anna", "Tea", "3", f"--qty={qty}")
    assert state(db_path) == before


@settings(
    max_examples=examples(150),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.text(
        st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
        | st.sampled_from("-+ 0123－＋０１２９"),
        max_size=8,
    )
)
def test_any_text_for_limit_is_taken_or_refused_in_one_line(db_path, typed):
    result = crm("list", f"--limit={typed}")
    read = typed.translate(FULL_WIDTH)
    if result.exit_code == 0:  # a whole number (typer takes `2.0` too: a whole one)
        number = float(read.strip())
        assert number.is_integer() and number >= 0 and "." not in read.replace(".0", "")
        return
    assert result.exit_code == 2 and result.stdout == ""
    refusals = (
        f"crm: --limit takes a whole number, not '{typed}'\n",
        f"crm: --limit takes a whole number of at least 0, not '{typed}'\n",
    )
    assert result.stderr in refusals, result.stderr
    if result.stderr == refusals[1]:
        assert int(read) < 0
    elif read.strip() and set(read.strip()) <= set(string.digits):
        pytest.fail(f"refused a whole number: {typed!r}")


FULL_WIDTH = str.maketrans("０１２３４５６７８９－＋", "0123456789-+")
WIDE = str.maketrans("0123456789-", "０１２３４５６７８９－")


def test_full_width_digits_are_read_as_a_chinese_input_method_types_them(db_path):
    """`--year ２０２６` is `--year 2026`; `--limit －１` is refused as `-1` is, quoted as typed."""
    for name in ("Ann", "Bob", "Cid"):
        add(name)
    assert crm("list", "--limit", "２", "-q").stdout == crm("list", "--limit", "2", "-q").stdout
    assert crm("list", "--limit", "２", "-q").stdout.count("\n") == 2
    wide, narrow = crm("care", "--year", "２０２６"), crm("care", "--year", "2026")
    assert wide.exit_code == narrow.exit_code == 0 and wide.stdout == narrow.stdout
    assert fails(2, "list", "--limit=－１") == (
        "crm: --limit takes a whole number of at least 0, not '－１'\n"
    )
    assert fails(2, "--lang", "zh", "care", "--year", "１８００") == (
        "crm: “--year”要填 1950 到 2200 之间的整数，不能是“１８００”\n"
    )
    assert fails(2, "list", "--limit", "１x") == "crm: --limit takes a whole number, not '１x'\n"


@pytest.mark.parametrize(
    ("words", "name", "option", "low", "high"),
    [p for p in NUMBER_PARAMS if p[3] is not None or p[4] is not None],
    ids=[f"{' '.join(p[0])} {p[1]}" for p in NUMBER_PARAMS if p[3] is not None or p[4] is not None],
)
def test_every_number_parameter_reads_full_width_digits(db_path, words, name, option, low, high):
    """Its range refusal, given a full-width number outside it, proves the number was read
    (pydantic alone refuses it as no number at all), quoted as typed."""
    below = (str(low - 1) if low is not None else str(high + 1)).translate(WIDE)
    if low is not None and high is not None:
        takes = f"from {low} to {high}"
    else:
        takes = f"of at least {low}" if low is not None else f"of at most {high}"
    said = fails(2, *words, f"{option}={below}")
    assert said == f"crm: {name} takes a whole number {takes}, not '{below}'\n", said


STORED = 2**63 - 1


@pytest.mark.parametrize(
    ("words", "name", "option", "low", "high"),
    NUMBER_PARAMS,
    ids=[f"{' '.join(p[0])} {p[1]}" for p in NUMBER_PARAMS],
)
def test_a_number_sqlite_cannot_store_is_refused_naming_the_parameter(
    db_path, words, name, option, low, high
):
    """Past 8 bytes a number is outside every option's range: refused with the range, not
    left to fail in the database as `value out of range` without naming the option."""
    before = state(db_path)
    for value, lo, hi in ((STORED + 1, low, high), (-STORED - 2, low, high)):
        if value > 0:
            hi = STORED if hi is None else hi
        else:
            lo = -STORED - 1 if lo is None else lo
        if lo is not None and hi is not None:
            takes = f"from {lo} to {hi}"
        else:
            takes = f"of at least {lo}" if lo is not None else f"of at most {hi}"
        typed = [f"{option}={value}"] if option else ["--", str(value)]  # -1: no option
        said = fails(2, *words, *typed)
        assert said == f"crm: {name} takes a whole number {takes}, not '{value}'\n", said
    assert state(db_path) == before


def test_the_limit_of_the_issue_names_the_option(db_path):
    assert fails(2, "list", "--limit", "9223372036854775808") == (
        "crm: --limit takes a whole number from 0 to 9223372036854775807, "
        "not '9223372036854775808'\n"
    )


@settings(max_examples=examples(300), deadline=None)
@given(
    st.text(  # what a person types as a number: digits of any script, signs, spaces...
        st.sampled_from(" _.-+0123456789－＋０１９\t\u3000\u00a0")
        | st.characters(categories=("Nd", "Zs")),  # digits and spaces of every script
        max_size=12,
    )
    | st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)  # ...or anything
)
@example("３\u3000")
@example("\u00a03")
@example("\u20033")
@example("٣")
@example("12.0")
def test_a_number_is_read_as_pydantic_reads_a_whole_number(typed):
    """The oracle is the converter typer would use (pydantic's lax int), on the text with
    full-width digits made ASCII: crm takes what it takes, as the same number, and refuses
    what it refuses; except that crm refuses `12.0` (not typed as a whole number) and
    numbers past what SQLite stores (refused with the range)."""
    from pydantic import TypeAdapter, ValidationError
    from typer._click.exceptions import BadParameter

    from crmcli.cli.framework import _number

    class Param:
        min = max = None

    read = typed.translate(FULL_WIDTH).strip()  # Python's spaces (\x1c-\x1f too) around it
    try:
        expected = TypeAdapter(int).validate_python(read)
    except ValidationError:
        expected = None
    try:
        got = _number(typed, Param(), None)
    except BadParameter as exc:
        assert exc.number[0] == typed  # quoted as typed
        if expected is not None:  # refused what pydantic takes: only these
            assert "." in read or not -(2**63) <= expected < 2**63, typed
            assert exc.number[1:] != (None, None) or "." in read
        return
    assert got == expected, typed
