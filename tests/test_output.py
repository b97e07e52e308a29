"""crmcli.cli.output (the one Output object, sections) and crmcli.cli.options (shared
options declared once)."""

import io
import json

import pytest
import typer.main
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.cli.options import confirm, period
from crmcli.cli.output import Bars, Format, Output, Section, emit, emit_sections
from crmcli.cli.terminal import Column, layout
from crmcli.core.errors import InvalidInput


def test_done_prints_the_message_or_with_quiet_only_the_ids(capsys):
    Output().done("Added customer 7: Anna", 7)
    Output(quiet=True).done("Added customer 7: Anna", 7, 9)
    Output(quiet=True).done("Renamed tag a to b.")  # nothing to print for a script
    assert capsys.readouterr().out == "Added customer 7: Anna\n7\n9\n"


def test_rows_with_quiet_and_a_key_print_that_key_only(capsys):
    rows = [{"id": 3, "name": "A"}, {"id": 5, "name": "B"}]
    assert Output(Format.json, quiet=True).rows(rows, ("id", "name"), key="id") == 2
    assert capsys.readouterr().out == "3\n5\n"
    Output(Format.csv, quiet=True).rows(rows, ("id", "name"))  # no key: nothing
    Output(quiet=True).note("Fixed 2 of 2 problems.")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


PARTS = [
    Section("a", "First", ("x",), [{"x": 1, "bar": 1}], Bars("bar")),
    Section("b", "Empty", ("x",), []),
    Section("c", "Third", ("x",), [{"x": 2, "y": 3}], fields=("y",)),
]


def test_sections_as_json_are_one_object_without_the_bar_column():
    out = io.StringIO()
    assert emit_sections(PARTS, Format.json, header={"as_of": "2026-06-30"}, out=out) == 2
    assert json.loads(out.getvalue()) == {
        "as_of": "2026-06-30", "a": [{"x": 1}], "b": [], "c": [{"y": 3}],
    }  # fmt: skip


def test_sections_as_text_skip_empty_parts_and_say_when_all_are_empty():
    out = io.StringIO()
    emit_sections(PARTS, Format.table, out=out)
    text = out.getvalue()
    assert text.startswith("First\n") and "\n\nThird\n" in text and "Empty" not in text
    quiet = io.StringIO()
    emit_sections([PARTS[1]], Format.table, out=quiet)
    assert quiet.getvalue() == ""  # cron mails nothing
    said = io.StringIO()
    emit_sections([PARTS[1]], Format.table, empty="Nothing yet.", out=said)
    assert said.getvalue() == "Nothing yet.\n"
    first = io.StringIO()
    emit_sections(PARTS, Format.csv, out=first)
    assert first.getvalue() == "x\n1\n"


def test_period_refuses_a_reversed_range():
    first, last = period("2026-01-01", "2026-01-31")
    assert (first.isoformat(), last.isoformat()) == ("2026-01-01", "2026-01-31")
    assert period(None, None) == (None, None)
    with pytest.raises(InvalidInput, match="--since 2026-02-01 is after --until 2026-01-31"):
        period("2026-02-01", "2026-01-31")


def test_confirm_goes_on_with_yes_and_refuses_off_a_terminal():
    confirm("Go?", True, command="merge")  # --yes: no question
    with pytest.raises(InvalidInput, match="merge asks for confirmation; add --yes"):
        confirm("Go?", False, command="merge")
    with pytest.raises(InvalidInput, match=r"^too many$"):
        confirm("Go?", False, refusal="too many")


def _options(command, path=()):
    """(command path, option) for every option of every command below `command`."""
    for name, sub in getattr(command, "commands", {}).items():
        yield from _options(sub, (*path, name))
    for param in command.params:
        for flag in getattr(param, "opts", []):
            yield " ".join(path), flag, param


def test_shared_options_read_the_same_everywhere():
    """--limit, --since, --until, --quiet, --yes and --dry-run are declared once
    (crmcli/cli/options.py): one help text each across all commands."""
    from crmcli.cli import app

    helps: dict[str, set[str]] = {}
    for path, flag, param in _options(typer.main.get_command(app)):
        if flag == "--since" and path == "changes":
            continue  # a change id or a time, not a date period
        if flag == "--limit" and path == "remind":
            continue  # rows per section, not rows
        if flag in ("--limit", "--since", "--until", "--quiet", "--yes", "--dry-run"):
            helps.setdefault(flag, set()).add(param.help)
    assert set(helps) == {"--limit", "--since", "--until", "--quiet", "--yes", "--dry-run"}
    assert {flag: len(texts) for flag, texts in helps.items()} == dict.fromkeys(helps, 1)


def test_crm_alone_on_a_terminal_runs_the_dashboard_command(db_path, monkeypatch):
    """cli.app finds `dashboard` among the registered commands (no import of cli.dashboard)."""
    from crmcli.cli import output
    from tests.conftest import ok

    assert "Usage: crm" in ok()  # off a terminal: the help
    # Bound to the real is_terminal before the patch: first imported under it, progress would
    # keep the patched one and show its phases on every later test's stderr.
    import crmcli.cli.progress  # noqa: F401

    monkeypatch.setattr(output, "is_terminal", lambda stream: True)
    assert ok().startswith("Nothing to show yet")
    ok("add", "Anna", "--city", "杭州")
    assert ok().startswith("Dashboard as of 2026-")


def test_rows_take_a_colour_hint_per_cell_and_colour_only_when_asked(capsys):
    """`styles(row, column)` names a cell's meaning; into a pipe it is drawn only with
    forced colour (FORCE_COLOR, --color always), never with no_color."""
    rows = [{"id": 1, "risk": "high"}, {"id": 2, "risk": "low"}]

    def hint(row, column):
        return "good" if column == "risk" and row["risk"] == "low" else None

    Output().rows(rows, ("id", "risk"), styles=hint)
    assert "\x1b[" not in capsys.readouterr().out
    Output(force_color=True).rows(rows, ("id", "risk"), styles=hint)
    out = capsys.readouterr().out
    assert "\x1b[32mlow" in out and "\x1b[31m" not in out  # the hint replaces the default
    Output(force_color=True).rows(rows, ("id", "risk"))
    assert "\x1b[31mhigh" in capsys.readouterr().out  # by default: a high risk is red
    Output(no_color=True, force_color=True).rows(rows, ("id", "risk"))
    assert "\x1b[" not in capsys.readouterr().out


# Terminal table layout (crmcli.cli.terminal.layout): a pure function, tried on many shapes.
_CELLS = {
    "id": st.integers(1, 10**6).map(str),
    "phone": st.just("+8613912345678"),
    "email": st.sampled_from(["a@b.cn", "ouyang.nana@lanhai-trading.example.cn"]),
    "date": st.just("2026-11-20"),
    "amount": st.sampled_from(["1,539.00", "25,830.55 CNY", "3"]),
    "free": st.text("ab 欧阳娜", max_size=40),
    "bars": st.none(),
}


@st.composite
def _tables(draw_from):
    kinds = draw_from(st.lists(st.sampled_from(sorted(_CELLS)), min_size=1, max_size=9))
    names = ["notes", "tags", "city", "summary", "kind", "why", "last_contact"]
    columns = []
    for n, kind in enumerate(kinds):
        if kind == "bars":
            if any(c.key == "\0bars" for c in columns):
                continue
            chart = Column("\0bars", "Value")
            chart.natural, chart.floor, chart.filled = 24, 6, True
            columns.append(chart)
            continue
        key = draw_from(st.sampled_from(names)) if kind == "free" else kind
        column = Column(
            f"{key}{n}" if n else key, draw_from(st.sampled_from([kind, "Last contact"]))
        )
        for text in draw_from(st.lists(_CELLS[kind], max_size=4)):
            column.measure(text)
        columns.append(column)
    return columns


@settings(max_examples=300, deadline=None)
@given(_tables(), st.integers(20, 200))
def test_a_terminal_table_layout_fits_any_width_and_keeps_whole_cells_whole(columns, room):
    shown, hidden = layout(columns, room)
    assert sorted(map(id, shown + hidden)) == sorted(map(id, columns))  # each once
    assert shown and shown[0] is columns[0]
    separators = 3 * (len(shown) - 1)
    assert sum(c.width for c in shown) + separators <= room
    if len(shown) > 1:  # a lone column wider than the terminal is all that may be cut
        assert all(c.width >= c.floor for c in shown)


@pytest.mark.parametrize(("text", "room"), [("张伟 李娜", 1), ("abc def", 0), ("x张", 1)])
def test_wrap_ends_in_a_room_narrower_than_a_character(text, room):
    """A column 0 cells wide, or 1 for a CJK character, made wrap loop for ever (crm remind
    at 24 columns hung at full CPU)."""
    from crmcli.cli.terminal import wrap

    lines = wrap(text, room)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_a_plain_table_read_twice_is_the_same_text_written_as_it_goes():
    rows = [
        {
            "id": i,
            "name": ["Anna", "张伟伟", "tab\there", None, "全角\u3000空格"][i % 5],
            "tags": ["a", "vip"][: i % 3],
        }
        for i in range(1, 1201)
    ]
    columns = ("id", "name", "tags")
    held, twice = io.StringIO(), io.StringIO()
    written: list[int] = []

    def again():
        for i, row in enumerate(rows):
            if i == 1000:  # the first lines are out before the last rows are read
                written.append(len(twice.getvalue()))
            yield row

    for color in (False, True):
        held.seek(0), held.truncate(), twice.seek(0), twice.truncate()
        assert emit(rows, columns, Format.table, out=held, color=color, title="T") == 1200
        count = emit(iter(rows), columns, Format.table, out=twice, color=color, title="T",
                     again=again)  # fmt: skip
        assert count == 1200 and twice.getvalue() == held.getvalue()
    assert written[0] > 0 and "张伟伟" in held.getvalue() and "tab\\there" in held.getvalue()
    lines = held.getvalue().splitlines()
    assert len(lines) == 1203 and lines[1].startswith("\x1b[1mid")  # title, header, rule


def test_a_plain_table_read_twice_prints_nothing_for_no_rows():
    out = io.StringIO()
    assert emit(iter(()), ("id",), Format.table, out=out, again=lambda: iter(())) == 0
    assert out.getvalue() == ""


_JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.text(max_size=4), _JSON_VALUE, max_size=3),
    st.dictionaries(
        st.text(max_size=4),
        st.lists(st.dictionaries(st.text(max_size=4), _JSON_VALUE, max_size=3), max_size=3),
        max_size=3,
    ),
)
def test_a_report_document_is_written_a_row_at_a_time_as_dumps_writes_it_whole(header, parts):
    """write_document streams `crm remind -f json` and every report in parts: the same
    bytes as json.dumps of the whole document, a part named like a header key included."""
    from crmcli.cli.output import write_document

    out = io.StringIO()
    write_document(header, {k: iter(rows) for k, rows in parts.items()}, out)
    whole = json.dumps({**header, **parts}, ensure_ascii=False, indent=2) + "\n"
    assert out.getvalue() == whole
