"""Rendering rows for people and scripts: the one place that decides output shape.

Command handlers hand everything they print to one `Output` (built by
`crmcli.cli.app.output(ctx, fmt, quiet)` from the command's --format/--quiet and the global
--color/--no-color/--no-pager): rows, a card, a report in sections, a write's "done" line, a
note on stderr. Below it, `emit(rows, columns, fmt)` writes table, json, jsonl, csv or tsv to
stdout. A table on a terminal is drawn by cli/terminal.py (fitted to the width, headers in
words, colour by meaning, through the pager), loaded only then; elsewhere `_plain` gives
colourless text aligned by display width, so CJK lines up in cron mail (colour only when
forced: FORCE_COLOR or --color always): in English with the snake_case keys as headers and
the values as stored, as before; in another language for people, as cron mail is, with the
terminal's headers and words and `张伟（#1）`, dates and phones as stored. (tabulate did
this too, but its import costs about 40 ms a process, a quarter of the start-up budget.)
Control characters are escaped in tables; JSON carries them encoded. Rows are streamed for
every format; the plain table measures every row first, reading them twice where the caller
can (`crm list` of any length) and else holding them, the terminal's the first page only.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from enum import Enum
from typing import TYPE_CHECKING, Any, NamedTuple, TextIO

from crmcli.cli.cells import HALF_TAIL, Bars, Marked, cell, escape_control, pad, width
from crmcli.core.text import CsvWriter

if TYPE_CHECKING:
    from crmcli.cli.terminal import Screen

__all__ = ["Bars", "Marked", "cell", "escape_control", "pad", "width"]

# A cell's style by its meaning (`crmcli.cli.terminal.meaning` when none is given).
Styler = Callable[[Mapping[str, Any], str], "str | None"]


class Format(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    tsv = "tsv"


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# An indented line that is a command to type (`  crm --db demo.db list`, a path to crm, `python
# -m crmcli`, `export CRM_DB=...`): continued with ` \` where it is too wide, not folded.
_COMMAND = re.compile(r"(\S*/)?crm\b|\S*python\S* -m crmcli\b|export [A-Z_]+=")


def prose(text: str, stream: TextIO | None = None, room: int | None = None) -> None:
    """Lines for people (a report's sentences, notes; stdout by default): on a terminal
    (`room` cells wide, by default the one `stream` is, if any) each too wide one broken to
    fit, by display width, between words and between Chinese characters, never putting
    closing punctuation first on a line (as help is: crmcli/cli/helpformat.py), its
    indent kept, and an indented command continued with ` \\` as a shell reads it;
    elsewhere one line each, as scripts grep them."""
    stream = stream or sys.stdout
    if room is None and is_terminal(stream):
        room = terminal_columns(stream)  # stderr's terminal for a notice, whatever stdout is
    if room is not None:
        from crmcli.cli.helpformat import continued, whole, wrap

        lines = []
        for line in text.split("\n"):
            indent = line[: len(line) - len(line.lstrip(" "))]
            if width(line) <= room or not line.strip():
                lines.append(line)
            elif indent and _COMMAND.match(line.strip()):  # as a person copies it: it runs
                lines.append(continued(line.strip(), room, indent))
            else:
                lines.append(wrap(whole(line.strip()), room, indent, indent))
        text = "\n".join(lines)
    stream.write(text + "\n")


def sentence(
    message: str, stream: TextIO | None = None, *, wrapped: bool = True, indent: str = ""
) -> None:
    """One message for people (an error, a notice, what a command did): its timestamps as
    screens say them (crmcli/cli/terminal.py `moments`); on a terminal wrapped as `prose`
    wraps (never inside a command, never a closing mark first on a line), into a pipe one
    line, as scripts read it. An error is not `wrapped`: into a pipe or a file it is one
    line, as it is now (docs/conventions.md); on a terminal it is broken between its
    phrases (`error_lines`), not where the terminal would fold it (`--f` / `ield`), each
    line after `indent` (an error's detail: why a row was refused)."""
    from crmcli.cli.terminal import moments

    stream = stream or sys.stdout
    if wrapped:
        prose(indent + moments(message), stream)
    elif is_terminal(stream):
        lines = error_lines(moments(message), terminal_columns(stream), indent)
        stream.write("\n".join(lines) + "\n")
    else:
        stream.write(indent + moments(message) + "\n")


def terminal_columns(stream: TextIO) -> int:
    """The width of the terminal `stream` is (COLUMNS wins, as everywhere), even when
    stdout is a file (`crm list > out.txt`): the terminal an error is read on."""
    if os.environ.get("COLUMNS", "").isdigit():
        from crmcli.cli.terminal import screen

        return screen(False).columns
    try:
        return max(os.get_terminal_size(stream.fileno()).columns, 20)
    except (AttributeError, ValueError, OSError):
        from crmcli.cli.terminal import screen

        return screen(False).columns


def error_lines(message: str, room: int, indent: str = "") -> list[str]:
    """An error in lines of at most `room` cells for a terminal: broken at spaces and
    after punctuation, a Chinese phrase parted only where it is wider than a line (as a
    table's prose, crmcli/cli/helpformat.py `wrap` with `phrases`), never inside an
    option with its value (`--fields name`), nor inside a quoted value or a bracketed
    command that fits a line (`'next blue moon'`, `“crm care festival add 名称 --date
    月-日”`, `（mkdir -m 700）`), nor with a closing mark (`）`) first on a line. Each
    line starts with `indent` (a detail under the error)."""
    if width(indent + message) <= room:
        return [indent + message]
    from crmcli.cli.helpformat import QUOTED, whole, wrap

    def kept(match: re.Match[str]) -> str:
        quoted = match.group()
        return quoted.replace(" ", "\xa0") if width(indent + quoted) <= room else quoted

    text = whole(QUOTED.sub(kept, message))
    return wrap(text, room, indent, indent, phrases=True).split("\n")


def above_progress() -> AbstractContextManager[None]:
    """Where a line on stderr is written: above a progress line drawn now, which is erased
    first (crmcli.cli.progress.above), so that the line does not run into it. Nothing can be
    drawn before that module is loaded."""
    drawing = sys.modules.get("crmcli.cli.progress")
    return nullcontext() if drawing is None else drawing.above()


def console(*, stderr: bool = False, no_color: bool = False) -> Any:
    """A rich Console for the terminal (NO_COLOR is honoured by rich itself)."""
    from rich.console import Console

    return Console(stderr=stderr, no_color=no_color, highlight=False)


def emit(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    fmt: Format,
    *,
    out: TextIO | None = None,
    no_color: bool = False,
    title: str | None = None,
    bars: Bars | None = None,
    at: Screen | None = None,
    color: bool = False,
    styles: Styler | None = None,
    again: Callable[[], Iterable[Mapping[str, Any]]] | None = None,
    words: Mapping[str, str | None] | None = None,
    raw: bool = False,
    headers: Mapping[str, str] | None = None,
    first_out: Sequence[str] = (),
    asked: bool = False,
    kept: Sequence[str] = (),
) -> int:
    """Write rows in `fmt`; returns how many rows were written.

    A table is drawn for the terminal `at` (by default the one `out` is, if any: colour
    unless `no_color`); otherwise as plain text, coloured only with `color`. `bars` adds a
    bar chart column to the table format only; `styles` gives a cell's style by its meaning
    (default `crmcli.cli.terminal.meaning`). `again()`, if given, reads the same rows once
    more (from one snapshot of the file): the plain table then measures its columns on
    `rows` and writes `again()`'s, holding no row (without bars; memory flat for a listing
    of any length), where otherwise it holds every row to measure them.

    On a terminal crm's own words in a cell are said in the run's language, looked up by
    the column's name (crmcli/core/vocabulary.py); `words` names the vocabulary of a column
    whose name is not it (`{"source": "hit_source"}`), None for a column of values the
    user named (shown as typed). `headers` gives a column its own header on a terminal (a
    msgid), where its name's words would be another column's (a saved segment is not an RFM
    segment). `raw` shows headers and cells as they are (`crm sql`). `first_out` names the
    columns a terminal too narrow for the table leaves out first, in that order (after
    empty ones), the first column too: what the reader acts on stays longest (`crm
    remind`'s days overdue before the due date they say again). `kept` names what the
    table is for beside its point (the phone of a list of whom to call, a birthday's date,
    what was bought and how many): never left out to show more of a name, which is cut
    instead, and left out only when the table cannot fit it at all.
    """
    out = out or sys.stdout
    count = 0
    if fmt is Format.json:
        out.write("[")
        for count, row in enumerate(rows, 1):
            out.write(("\n" if count == 1 else ",\n") + _json(row, columns))
        out.write("\n]\n" if count else "]\n")
    elif fmt is Format.jsonl:
        for count, row in enumerate(rows, 1):
            out.write(_json(row, columns) + "\n")
    elif fmt in (Format.csv, Format.tsv):
        writer = CsvWriter(out, "," if fmt is Format.csv else "\t")
        writer.writerow(columns)
        plain = _PLAIN
        count = writer.writerows(
            [
                v if type(v) in plain else "" if v is None else _flat(v)
                for v in map(row.get, columns)
            ]
            for row in rows
        )
    else:
        if at is None and is_terminal(out):
            at = terminal_screen(not no_color)
        if at is not None:
            from crmcli.cli.terminal import draw

            return draw(
                rows,
                columns,
                out,
                at,
                title=title,
                bars=bars,
                styles=styles,
                vocabulary=words,
                raw=raw,
                headers=headers,
                first_out=first_out,
                asked=asked,
                kept=kept,
            )
        if again is None or bars is not None:  # read once: held, and read again from there
            held = rows if isinstance(rows, (list, tuple)) else list(rows)
            rows, again = held, lambda: held
        spoken = None if raw else _spoken(columns, words, headers)
        return _plain(
            rows, again, columns, out, title=title, bars=bars, color=color, styles=styles,
            spoken=spoken,
        )  # fmt: skip
    return count


class _Spoken(NamedTuple):
    """A plain table in another language than English: its headers in words, and each
    cell's vocabulary (None: as typed), as the terminal says them."""

    headers: list[str]
    vocabularies: list[str | None]


def _spoken(
    columns: Sequence[str],
    words: Mapping[str, str | None] | None,
    headers: Mapping[str, str] | None,
) -> _Spoken | None:
    """What a plain table says in the run's language, None in English (whose plain table
    keeps the snake_case keys and values, for scripts written against it)."""
    from crmcli.core.i18n import _, current

    if current() == "en":
        return None
    from crmcli.core.vocabulary import header

    named = headers or {}
    return _Spoken(
        [_(named[c]).split("|", 1)[-1] if c in named else header(c) for c in columns],
        [(words or {}).get(c, c) for c in columns],
    )


def _said(value: Any, vocabulary: str | None, word: Callable[[str, Any], Any]) -> str:
    """A plain cell as a person reads it in the run's language: crm's own words said
    (`word`: crmcli.core.vocabulary.word), a customer's id beside its name full-width
    (`张伟（#1）`); dates and phones as stored."""
    text = _text(value if vocabulary is None else word(vocabulary, value))
    return HALF_TAIL.sub(r"（#\1）", text) if text.endswith(")") else text


def terminal_screen(color: bool) -> Screen:
    """The terminal on stdout, to draw for (with colour or not)."""
    from crmcli.cli.terminal import screen

    return screen(color and os.environ.get("TERM") != "dumb")


def emit_cells(
    rows: Iterable[Sequence[Any]], columns: Sequence[str], fmt: Format, *, out: TextIO | None = None
) -> None:
    """CSV or TSV (`fmt`) of rows that are already cells in the order of `columns`, each a
    str, int, float or None: what `emit` writes for such rows, without a mapping per row
    (nor a Python call: csv writes them in one loop in C)."""
    writer = CsvWriter(out or sys.stdout, "," if fmt is Format.csv else "\t")
    writer.writerow(columns)
    writer.writerows(rows)


def _json(row: Mapping[str, Any], columns: Sequence[str]) -> str:
    return json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False)


_PLAIN = frozenset((str, int, float))  # written as they are (bool is not int here: type())


def _flat(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"  # as in JSON, not Python's True/False
    if isinstance(value, (list, tuple)):
        if any(isinstance(v, (dict, list, tuple)) for v in value):
            return json.dumps(value, ensure_ascii=False)  # nested: JSON, never Python repr
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def _header_of(column: str) -> str:
    from crmcli.core.vocabulary import header

    return header(column)


def _text(value: Any) -> str:
    """`cell(value)`, sooner for the usual cell: text with no character to escape."""
    return value if type(value) is str and value.isprintable() else cell(value)


def _plain(
    rows: Iterable[Mapping[str, Any]],
    again: Callable[[], Iterable[Mapping[str, Any]]],
    columns: Sequence[str],
    out: TextIO,
    *,
    title: str | None,
    bars: Bars | None,
    color: bool,
    styles: Styler | None,
    spoken: _Spoken | None = None,
) -> int:
    """Rows as plain text (pipes, cron mail), in colour with `color` (forced into a pipe):
    left-aligned columns two spaces apart under a dashed rule, their widths from a first
    reading of `rows`, the lines from a second (`again()`), written a few hundred at a
    time; `bars` adds a chart column (`rows` is then a list). Returns how many rows.
    Headers are the keys, cells the values, unless `spoken` says them in words."""
    lengths = iter(bars.lengths(rows) if bars is not None else ())  # type: ignore[arg-type]
    headers = list(columns) if spoken is None else list(spoken.headers)
    if bars is not None:
        headers.append(bars.title if spoken is None else _header_of(bars.title))

    if spoken is not None:
        from crmcli.core.vocabulary import word

        pairs = list(zip(columns, spoken.vocabularies, strict=True))

    def texts(row: Mapping[str, Any]) -> list[str]:
        if spoken is None:
            line = [_text(v) for v in map(row.get, columns)]
        else:
            line = [_said(row.get(c), v, word) for c, v in pairs]
        return [*line, "#" * next(lengths)] if bars is not None else line

    widths = [width(c) for c in headers]
    count = 0
    for count, row in enumerate(rows, 1):
        widths = [max(w, width(t)) for w, t in zip(widths, texts(row), strict=True)]
    if not count:
        return 0
    if bars is not None:
        lengths = iter(bars.lengths(rows))  # type: ignore[arg-type]
    paint: Callable[[Mapping[str, Any] | None, int, str], str] | None = None
    if color:
        from crmcli.cli import terminal

        use = styles or terminal.meaning

        def paint(row: Mapping[str, Any] | None, j: int, text: str) -> str:
            if row is None:
                return terminal.paint(text, "header", True)
            if j >= len(columns):
                return terminal.paint(text, "bar", True)
            return terminal.paint(text, use(row, columns[j]), True)

    if title:
        out.write((paint(None, 0, title) if paint else title) + "\n")
    header = [pad(c, w) for c, w in zip(headers, widths, strict=True)]
    if paint is not None:
        header = [paint(None, j, c) for j, c in enumerate(header)]
    lines = ["  ".join(header).rstrip(), "  ".join("-" * w for w in widths)]
    written = 0
    for row in again():
        cells = [pad(t, w) for t, w in zip(texts(row), widths, strict=True)]
        if paint is not None:
            cells = [paint(row, j, c) for j, c in enumerate(cells)]
        lines.append("  ".join(cells).rstrip())
        written += 1
        if len(lines) >= 500:
            out.write("\n".join(lines) + "\n")
            lines = []
    if lines:
        out.write("\n".join(lines) + "\n")
    return written


def card(
    title: str,
    pairs: Sequence[tuple[str, Any]],
    *,
    out: TextIO | None = None,
    no_color: bool = False,
    at: Screen | None = None,
) -> None:
    """A key/value card for one record (`crm show`); empty values are left out. On a
    terminal (`at`) values wrap beside their keys and notes keep their line breaks."""
    out = out or sys.stdout
    kept = [(k, v) for k, v in pairs if v not in (None, "", [], {})]
    if at is None and is_terminal(out):
        at = terminal_screen(not no_color)
    if at is not None:
        from crmcli.cli.display import shown
        from crmcli.cli.terminal import card as draw_card
        from crmcli.cli.terminal import on_screen

        values = [(k, on_screen(shown(v, at.wan, at.region))) for k, v in kept]
        lines = [(k, "\n".join(map(cell, v.split("\n"))) if isinstance(v, str) else cell(v))
                 for k, v in values]  # fmt: skip
        draw_card(title, lines, out, at)
        return
    shown = [(k, cell(v)) for k, v in kept]
    out.write(escape_control(title) + "\n")
    key_width = max((width(k) for k, _ in shown), default=0)
    for key, value in shown:
        out.write(f"  {pad(key, key_width)}  {value}\n")


class Section(NamedTuple):
    """One titled part of a report: a titled table in text, rows under `key` in JSON."""

    key: str
    title: str
    columns: Sequence[str]
    rows: Collection[Mapping[str, Any]]  # read twice, widths then lines, if not a list
    bars: Bars | None = None
    fields: Sequence[str] | None = None  # JSON keys; default every key but the bar column
    styles: Styler | None = None  # a cell's meaning, for colour (see `Output.rows`)
    first_out: Sequence[str] = ()  # left out first on a narrow terminal (see `emit`)
    kept: Sequence[str] = ()  # never left out for a name (see `emit`)


def _json_rows(section: Section) -> Iterator[dict[str, Any]]:
    """A part's rows as its JSON shows them: its `fields`, or every key but the bar's."""
    hidden = section.bars.value if section.bars else None
    for row in section.rows:
        if section.fields is not None:
            yield {f: row.get(f) for f in section.fields}
        else:
            yield {k: v for k, v in row.items() if k != hidden}


def emit_sections(
    sections: Sequence[Section],
    fmt: Format,
    *,
    header: Mapping[str, Any] | None = None,
    empty: str | None = None,
    heading: str | None = None,
    out: TextIO | None = None,
    no_color: bool = False,
    at: Screen | None = None,
    color: bool = False,
) -> int:
    """A report in several titled parts; returns how many rows it holds.

    JSON is always one object: `header`, then each key's rows. jsonl, csv and tsv carry the
    first part alone. The table shows `heading` and a blank line (when a part has rows),
    then each non-empty part as a titled table, a blank line between them; when every part
    is empty, the line `empty`, or nothing at all (so cron mails nothing).
    """
    out = out or sys.stdout
    total = sum(len(s.rows) for s in sections)
    if fmt is Format.json:
        write_document(header or {}, {s.key: _json_rows(s) for s in sections}, out)
        return total
    if fmt is not Format.table:
        return emit(sections[0].rows, sections[0].columns, fmt, out=out)
    if not total:
        if empty:
            out.write(empty + "\n")
        return 0
    if heading:
        prose(heading + "\n", out, at.columns if at else None)
    first = True
    for s in sections:
        if not s.rows:
            continue
        if not first:
            out.write("\n")
        first = False
        # rows that are not a list are read as they are written: twice for a plain table
        again = None if isinstance(s.rows, (list, tuple)) else (lambda rows=s.rows: rows)
        emit(
            s.rows, s.columns, fmt, out=out, no_color=no_color, title=s.title, bars=s.bars,
            at=at, color=color, styles=s.styles, again=again, first_out=s.first_out,
            kept=s.kept,
        )  # fmt: skip
    return total


def write_document(
    header: Mapping[str, Any], parts: Mapping[str, Iterable[Mapping[str, Any]]], out: TextIO
) -> None:
    """Write `json.dumps({**header, **{key: list(rows)}}, ensure_ascii=False, indent=2)`
    and a newline, the same bytes, a row at a time: a report's parts (`crm remind` in full
    at a large size) need not be held whole, nor their text."""
    if set(header) & set(parts):  # a part replaces a header value in its place: as dumps does
        document = {**header, **{key: list(rows) for key, rows in parts.items()}}
        out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return
    items = [*((k, v, False) for k, v in header.items()), *((k, v, True) for k, v in parts.items())]
    if not items:
        out.write("{}\n")
        return
    for n, (key, value, is_rows) in enumerate(items):
        out.write(("{\n  " if n == 0 else ",\n  ") + json.dumps(key, ensure_ascii=False) + ": ")
        if not is_rows:
            out.write(json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  "))
            continue
        first = True
        for row in value:
            text = json.dumps(row, ensure_ascii=False, indent=2).replace("\n", "\n    ")
            out.write(("[\n    " if first else ",\n    ") + text)
            first = False
        out.write("[]" if first else "\n  ]")
    out.write("\n}\n")


def emit_document(document: Mapping[str, Any], *, out: TextIO | None = None) -> None:
    """One nested JSON document (e.g. a customer's complete data), indented, UTF-8 as is."""
    out = out or sys.stdout
    out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


class Output(NamedTuple):
    """Where a command's results go, in its --format, --quiet, colour and pager.

    Colour: never with `no_color`; on a terminal unless that; into a pipe only with
    `force_color`. On a terminal rows, cards and reports go through the pager unless
    `no_pager` (see `crmcli.cli.terminal.pager_command`); a command that writes more than
    one of them, or lines of `text` beside them, writes them all inside `paged()`, so that
    one pager shows the whole of it."""

    fmt: Format = Format.table
    quiet: bool = False
    no_color: bool = False
    force_color: bool = False
    no_pager: bool = False
    # On a terminal: whether amounts read in 万 and the user's region (for phones), read
    # only when something is drawn there (crmcli.cli.app reads the settings).
    display: Callable[[], tuple[bool, str | None]] | None = None
    held: tuple[Screen | None, bool] | None = None  # inside paged(): what _shown gives
    asked: bool = False  # --fields named the columns: a terminal too narrow says so

    @contextmanager
    def paged(self) -> Iterator[Output]:
        """The Output to write a command's whole result with: on a terminal all it writes
        inside the block goes through one pager session (a report's summary lines and its
        tables; without this the lines printed before a table came before the pager, and
        scrolled away or stayed outside it)."""
        if self.held is not None:
            yield self
            return
        with self._shown() as shown:
            yield self._replace(held=shown)

    def rows(
        self,
        rows: Iterable[Mapping[str, Any]],
        columns: Sequence[str],
        *,
        title: str | None = None,
        bars: Bars | None = None,
        key: str | None = None,
        styles: Styler | None = None,
        again: Callable[[], Iterable[Mapping[str, Any]]] | None = None,
        words: Mapping[str, str | None] | None = None,
        raw: bool = False,
        headers: Mapping[str, str] | None = None,
        empty: str | None = None,
        first_out: Sequence[str] = (),
        kept: Sequence[str] = (),
    ) -> int:
        """Write rows (see `emit`); returns how many. With --quiet only each row's `key`
        (its id), one a line, for scripts; nothing without a key. `styles(row, column)`
        names a cell's meaning ("alert", "warn", "good", "muted", "heat:0.4"), for colour;
        by default `crmcli.cli.terminal.meaning`. `again()` reads the rows once more, for a
        plain table that holds none of them (see `emit`). No rows, on a terminal: `empty`
        (else "Nothing to show.") on stderr, since a blank screen reads as broken; a pipe
        or cron mail gets nothing."""
        if self.quiet:
            count = 0
            for count, row in enumerate(rows, 1):
                if key is not None:
                    sys.stdout.write(f"{row[key]}\n")
            return count
        if self.fmt is Format.table and is_terminal(sys.stdout):
            rows = iter(rows)
            first = next(rows, None)
            if first is None:
                from crmcli.core.i18n import _

                self.note(empty or _("Nothing to show."))
                return 0
            rows = itertools.chain([first], rows)
        with self._shown() as (at, color):
            return emit(
                rows, columns, self.fmt, no_color=self.no_color, title=title, bars=bars,
                at=at, color=color, styles=styles, again=again, words=words, raw=raw,
                headers=headers, first_out=first_out, asked=self.asked, kept=kept,
            )  # fmt: skip

    def record(self, record: Mapping[str, Any]) -> None:
        """One record (`crm show`): in json one object on one line (never an array of one),
        else a row as `rows` writes it."""
        if self.fmt is Format.json and not self.quiet:
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            return
        self.rows([record], list(record), key="id" if "id" in record else None)

    def cells(self, rows: Iterable[Sequence[Any]], columns: Sequence[str]) -> None:
        """Write rows of plain cells (see `emit_cells`) in csv or tsv."""
        emit_cells(rows, columns, self.fmt)

    def card(
        self, title: str, pairs: Sequence[tuple[str, Any]], sections: Sequence[Section] = ()
    ) -> None:
        """One record as a key/value card (see `card`), then its non-empty `sections` as
        titled tables, each after a blank line."""
        with self._shown() as (at, color):
            card(title, pairs, no_color=self.no_color, at=at)
            shown = [s for s in sections if s.rows]
            if shown:
                sys.stdout.write("\n")
                emit_sections(shown, Format.table, no_color=self.no_color, at=at, color=color)

    def sections(
        self,
        sections: Sequence[Section],
        *,
        header: Mapping[str, Any] | None = None,
        empty: str | None = None,
        heading: str | None = None,
    ) -> int:
        """A report in titled parts (see `emit_sections`), inside the pager on a terminal."""
        with self._shown() as (at, color):
            return emit_sections(
                sections, self.fmt, header=header, empty=empty, heading=heading,
                no_color=self.no_color, at=at, color=color,
            )  # fmt: skip

    def text(self, text: str, *, above: bool = True) -> None:
        """Sentences of a report beside its tables, on stdout in a table only (json and
        csv carry the same facts as fields): `above` a table they are followed by a blank
        line, below one preceded by it. On a terminal each line is broken between words to
        fit its width, at most 100 columns (easier to read)."""
        if self.fmt is not Format.table or self.quiet:
            return
        with self._shown() as (at, _):
            if not above:
                sys.stdout.write("\n")
            prose(text, room=None if at is None else min(at.columns, 100))
            if above:
                sys.stdout.write("\n")

    @contextmanager
    def _shown(self) -> Iterator[tuple[Screen | None, bool]]:
        """The terminal to draw tables for (None off one) and whether plain text is
        coloured; on a terminal, the pager runs around the block (inside `paged()`, the
        pager already running)."""
        if self.held is not None:
            yield self.held
            return
        if not is_terminal(sys.stdout):
            yield None, self.force_color and not self.no_color
            return
        at = terminal_screen(not self.no_color)
        if self.display is not None:
            wan, region = self.display()
            at = at._replace(wan=wan, region=region)
        from crmcli.cli.terminal import pager_command, paging

        command = pager_command(self.no_pager)
        if command is None:
            yield at, at.color
            return
        with paging(command):
            yield at, at.color

    def amounts(
        self, stream: TextIO | None = None, *, exact: bool = False
    ) -> Callable[[int, str], str]:
        """How a sentence for people on `stream` (stdout by default) writes an amount, given
        its minor units and currency: on a terminal as its tables show it (`¥1,299.50`,
        `¥12.35万` with `--money wan`, `9.90 CHF` for a currency without a symbol), else
        with its code (`1,299.50 CNY`), as a plain table's currency column would say.
        `exact` keeps every digit with `--money wan` too: what a command recorded."""
        from crmcli.core.money import shown

        if not is_terminal(stream or sys.stdout):
            return lambda minor, currency: str(shown(minor, currency, code=True))
        from crmcli.cli.display import money

        wan = self.display()[0] if self.display is not None and not exact else False
        return lambda minor, currency: money(shown(minor, currency, code=True), wan)

    def done(self, message: str, *ids: object) -> None:
        """What a command did: `message` for people; with --quiet only `ids`, one a line."""
        from typer import echo  # typer ships its own click: never load a second one

        if not self.quiet:
            sys.stdout.flush()
            sentence(message)
            return
        for value in ids:
            echo(str(value))

    def note(self, message: str) -> None:
        """A line for people on stderr (never in the data on stdout; wrapped on a terminal);
        none with --quiet."""
        if not self.quiet:
            sys.stdout.flush()
            with above_progress():
                sentence(message, sys.stderr)

    def warn(self, message: str) -> None:
        """A `crm: warning: ...` line on stderr, even with --quiet: something looks wrong,
        but the command went ahead."""
        from crmcli.core.i18n import _
        from crmcli.core.validate import mask_in_text

        said = _("warning: {message}").format(message=escape_control(mask_in_text(message)))
        with above_progress():
            sentence(f"crm: {said}", sys.stderr)
