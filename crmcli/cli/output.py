"""Rendering rows for people and scripts: the one place that decides output shape.

Command handlers hand everything they print to one `Output` (built by
`crmcli.cli.app.output(ctx, fmt, quiet)` from the command's --format/--quiet and the global
--no-color): rows, a card, a report in sections, a write's "done" line, a note on stderr.
Below it, `emit(rows, columns, fmt)` writes table, json, jsonl, csv or tsv to stdout. Tables
use rich only on a terminal (rich cuts cells at 80 columns off one); elsewhere `plain_table`
gives colourless text aligned by display width, so CJK lines up in cron mail. (tabulate did this
too, but its import costs about 40 ms a process, a quarter of the start-up budget.)
Control characters are escaped in tables; JSON carries them encoded. Rows are streamed for
every format but the table, which must measure its columns first.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any, NamedTuple, TextIO


class Format(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    tsv = "tsv"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def escape_control(value: str) -> str:
    """Show control characters visibly so one record stays on one line."""
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], value)


class Marked:
    """Text with highlighted [start, end) character spans (a search snippet): highlighted by
    rich on a terminal, wrapped in plain `[..]` markers everywhere else. A plain class: a
    cell value must not look like a list (a named tuple would), and every command loads this
    module (a dataclass costs about 0.4 ms to define)."""

    __slots__ = ("spans", "text")

    def __init__(self, text: str, spans: tuple[tuple[int, int], ...] = ()) -> None:
        self.text = text
        self.spans = spans

    def marked(self) -> str:
        out, last = [], 0
        for start, end in self.spans:
            out += [self.text[last:start], "[", self.text[start:end], "]"]
            last = end
        return "".join([*out, self.text[last:]])

    def rich(self) -> Any:
        from rich.text import Text

        text = Text(escape_control(self.text))
        for start, end in self.spans:
            text.stylize("bold reverse", start, end)
        return text


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Marked):
        return escape_control(value.marked())
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={cell(v)}" for k, v in value.items())
    return escape_control(str(value))


class Bars(NamedTuple):
    """A bar chart drawn as the last column of a table (never in json/jsonl/csv/tsv).

    Each row's `value` (a number; None or negative draws no bar) becomes a bar whose length
    is its share of the largest value among the rows with the same `scale` key: amounts of
    different currencies get separate scales, never one. On a terminal the bars are rich
    bars; elsewhere (pipes, cron mail) they are plain `#` characters without colour.
    """

    value: str
    scale: str | None = None
    title: str = ""
    width: int = 24

    def lengths(self, rows: Sequence[Mapping[str, Any]], width: int | None = None) -> list[int]:
        """Each row's bar length in characters: 0 to `width` (default self.width), rounded
        half up, at least 1 for any positive value (integer arithmetic: values are often
        money in minor units)."""
        width = width or self.width
        largest: dict[Any, Any] = {}
        for row in rows:
            key = row.get(self.scale) if self.scale else None
            value = row.get(self.value)
            if value is not None and value > largest.get(key, 0):
                largest[key] = value
        out = []
        for row in rows:
            value = row.get(self.value)
            top = largest.get(row.get(self.scale) if self.scale else None)
            if value is None or value <= 0 or not top:
                out.append(0)
            else:
                out.append(max(1, int((2 * width * value + top) // (2 * top))))
        return out


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


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
) -> int:
    """Write rows in `fmt`; returns how many rows were written.

    `bars` adds a bar chart column to the table format only.
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
        writer = csv.writer(out, delimiter="," if fmt is Format.csv else "\t", lineterminator="\n")
        writer.writerow(columns)
        plain = _PLAIN
        for count, row in enumerate(rows, 1):
            writer.writerow(
                [
                    v if type(v) in plain else "" if v is None else _flat(v)
                    for v in map(row.get, columns)
                ]
            )
    else:
        kept = list(rows)
        materialised = [[cell(row.get(c)) for c in columns] for row in kept]
        count = len(materialised)
        if count:
            chart = (bars, kept) if bars else None
            marked = {
                (i, j): row[c]
                for i, row in enumerate(kept)
                for j, c in enumerate(columns)
                if isinstance(row.get(c), Marked)
            }
            _table(
                materialised, columns, out, no_color=no_color, title=title, chart=chart,
                marked=marked,
            )  # fmt: skip
    return count


def emit_cells(
    rows: Iterable[Sequence[Any]], columns: Sequence[str], fmt: Format, *, out: TextIO | None = None
) -> int:
    """CSV or TSV (`fmt`) of rows that are already cells in the order of `columns`, each a
    str, int, float or None: what `emit` writes for such rows, without a mapping per row."""
    out = out or sys.stdout
    writer = csv.writer(out, delimiter="," if fmt is Format.csv else "\t", lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for count, row in enumerate(rows, 1):
        writer.writerow(row)  # csv writes None as an empty cell, as emit does
    return count


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


def _table(
    rows: list[list[str]],
    columns: Sequence[str],
    out: TextIO,
    *,
    no_color: bool,
    title: str | None,
    chart: tuple[Bars, list[Mapping[str, Any]]] | None = None,
    marked: Mapping[tuple[int, int], Marked] | None = None,
) -> None:
    if is_terminal(out):
        from rich.cells import cell_len
        from rich.table import Table

        table = Table(title=title, header_style="bold", show_edge=False, pad_edge=False)
        for column in columns:
            table.add_column(column, overflow="fold")
        cells: list[list[Any]] = [list(row) for row in rows]
        for (i, j), value in (marked or {}).items():
            cells[i][j] = value.rich()
        c = console(no_color=no_color)
        if chart is not None:
            from rich.bar import Bar

            bars, values = chart
            # The bars take what the other columns leave of the terminal, within limits.
            used = sum(
                max(cell_len(header), *(cell_len(row[i]) for row in rows)) + 3
                for i, header in enumerate(columns)
            )
            width = max(6, min(bars.width, c.width - used))
            table.add_column(bars.title, no_wrap=True, width=width)
            for row, length in zip(cells, bars.lengths(values, width), strict=True):
                row.append(Bar(width, 0, length, width=width) if length else "")
        for row in cells:
            table.add_row(*row)
        c.print(table)
        return
    headers = list(columns)
    if chart is not None:
        bars, values = chart
        lengths = bars.lengths(values)
        headers.append(bars.title)
        rows = [[*row, "#" * length] for row, length in zip(rows, lengths, strict=True)]
    if title:
        out.write(title + "\n")
    out.write(plain_table(rows, headers))


def width(text: str) -> int:
    """Columns `text` takes in a terminal: East Asian wide/full-width characters take two,
    combining and format characters none."""
    if text.isascii():  # most cells: one column a character (control characters are escaped)
        return len(text)
    total = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        total += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return total


def pad(text: str, columns: int) -> str:
    return text + " " * (columns - width(text))


def plain_table(rows: Sequence[Sequence[str]], columns: Sequence[str]) -> str:
    """Left-aligned columns two spaces apart, a dashed rule under the header."""
    widths = [width(c) for c in columns]
    for row in rows:
        widths = [max(w, width(v)) for w, v in zip(widths, row, strict=True)]
    lines = [
        "  ".join(pad(c, w) for c, w in zip(columns, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += [
        "  ".join(pad(v, w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    return "\n".join(lines) + "\n"


def card(
    title: str,
    pairs: Sequence[tuple[str, Any]],
    *,
    out: TextIO | None = None,
    no_color: bool = False,
) -> None:
    """A key/value card for one record (`crm show`); empty values are left out."""
    out = out or sys.stdout
    shown = [(k, cell(v)) for k, v in pairs if v not in (None, "", [], {})]
    if is_terminal(out):
        from rich.table import Table

        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold cyan", no_wrap=True)
        grid.add_column(overflow="fold")
        for key, value in shown:
            grid.add_row(key, value)
        c = console(no_color=no_color)
        c.print(f"[bold]{escape_markup(title)}[/bold]")
        c.print(grid)
        return
    out.write(escape_control(title) + "\n")
    key_width = max((width(k) for k, _ in shown), default=0)
    for key, value in shown:
        out.write(f"  {pad(key, key_width)}  {value}\n")


def escape_markup(text: str) -> str:
    from rich.markup import escape

    return escape(escape_control(text))


class Section(NamedTuple):
    """One titled part of a report: a titled table in text, rows under `key` in JSON."""

    key: str
    title: str
    columns: Sequence[str]
    rows: Sequence[Mapping[str, Any]]
    bars: Bars | None = None
    fields: Sequence[str] | None = None  # JSON keys; default every key but the bar column


def emit_sections(
    sections: Sequence[Section],
    fmt: Format,
    *,
    header: Mapping[str, Any] | None = None,
    empty: str | None = None,
    out: TextIO | None = None,
    no_color: bool = False,
) -> int:
    """A report in several titled parts; returns how many rows it holds.

    JSON is always one object: `header`, then each key's rows. jsonl, csv and tsv carry the
    first part alone. The table shows each non-empty part as a titled table, a blank line
    between them; when every part is empty, the line `empty`, or nothing at all (so cron
    mails nothing).
    """
    out = out or sys.stdout
    total = sum(len(s.rows) for s in sections)
    if fmt is Format.json:
        document = dict(header or {})
        for s in sections:
            hidden = s.bars.value if s.bars else None
            document[s.key] = [
                {f: row.get(f) for f in s.fields}
                if s.fields is not None
                else {k: v for k, v in row.items() if k != hidden}
                for row in s.rows
            ]
        out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return total
    if fmt is not Format.table:
        return emit(sections[0].rows, sections[0].columns, fmt, out=out)
    if not total:
        if empty:
            out.write(empty + "\n")
        return 0
    first = True
    for s in sections:
        if not s.rows:
            continue
        if not first:
            out.write("\n")
        first = False
        emit(s.rows, s.columns, fmt, out=out, no_color=no_color, title=s.title, bars=s.bars)
    return total


def emit_document(document: Mapping[str, Any], *, out: TextIO | None = None) -> None:
    """One nested JSON document (e.g. a customer's complete data), indented, UTF-8 as is."""
    out = out or sys.stdout
    out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


class Output(NamedTuple):
    """Where a command's results go, in its --format, --quiet and colour."""

    fmt: Format = Format.table
    quiet: bool = False
    no_color: bool = False

    def rows(
        self,
        rows: Iterable[Mapping[str, Any]],
        columns: Sequence[str],
        *,
        title: str | None = None,
        bars: Bars | None = None,
        key: str | None = None,
    ) -> int:
        """Write rows (see `emit`); returns how many. With --quiet only each row's `key`
        (its id), one a line, for scripts; nothing without a key."""
        if self.quiet:
            count = 0
            for count, row in enumerate(rows, 1):
                if key is not None:
                    sys.stdout.write(f"{row[key]}\n")
            return count
        return emit(rows, columns, self.fmt, no_color=self.no_color, title=title, bars=bars)

    def cells(self, rows: Iterable[Sequence[Any]], columns: Sequence[str]) -> int:
        """Write rows of plain cells (see `emit_cells`) in csv or tsv; returns how many."""
        return emit_cells(rows, columns, self.fmt)

    def card(
        self, title: str, pairs: Sequence[tuple[str, Any]], sections: Sequence[Section] = ()
    ) -> None:
        """One record as a key/value card (see `card`), then its non-empty `sections` as
        titled tables, each after a blank line."""
        card(title, pairs, no_color=self.no_color)
        shown = [s for s in sections if s.rows]
        if shown:
            sys.stdout.write("\n")
            emit_sections(shown, Format.table, no_color=self.no_color)

    def sections(
        self,
        sections: Sequence[Section],
        *,
        header: Mapping[str, Any] | None = None,
        empty: str | None = None,
    ) -> int:
        """A report in titled parts (see `emit_sections`)."""
        return emit_sections(sections, self.fmt, header=header, empty=empty, no_color=self.no_color)

    def done(self, message: str, *ids: object) -> None:
        """What a command did: `message` for people; with --quiet only `ids`, one a line."""
        from typer import echo  # typer ships its own click: never load a second one

        if not self.quiet:
            echo(message)
            return
        for value in ids:
            echo(str(value))

    def note(self, message: str) -> None:
        """A line for people on stderr (never in the data on stdout); none with --quiet."""
        from typer import echo  # typer ships its own click: never load a second one

        if not self.quiet:
            echo(message, err=True)

    def warn(self, message: str) -> None:
        """A `crm: warning: ...` line on stderr, even with --quiet: something looks wrong,
        but the command went ahead."""
        from crmcli.core.validate import mask_in_text

        sys.stderr.write(f"crm: warning: {escape_control(mask_in_text(message))}\n")
