"""Plain-text helpers shared by services and the command line (no I/O)."""

from __future__ import annotations

import csv
import functools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, islice
from typing import Any

from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, Said, _, current


def parse_json(text: str) -> Any:
    """json.loads, except that a document nested too deeply for Python's parser (an import
    of `[[[[...` 100,000 levels deep) raises the JSONDecodeError of any other malformed
    input ("nested too deeply") instead of a RecursionError, so every reader of user JSON
    refuses it as the bad input it is."""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None


def csv_rows(name: str, lines: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number where the row ends, cells) for each row of a CSV/TSV text, read as
    spreadsheets write it: a quoted cell may hold delimiters, line breaks and doubled quotes,
    and a quote inside an unquoted cell (`12" 屏幕`) is a plain character. A quoted cell with
    text after its closing quote (`"a"b`) is refused with InvalidInput naming the line: no
    program writes that, and read leniently a quote typed by mistake at the start of a cell
    swallows the rows after it into one cell until the next quote. A quote still open at the
    end of the file is refused naming the line where it opened (the file was cut off or is
    not CSV). A quoted cell spanning lines of which one reads as a row of the file (see
    `_refuse_swallowed`) is refused too, naming the lines: a whole row swallowed, the quote
    opened by mistake and closed by a later quote (an inch mark, `尺寸12"`); a note written on
    several lines (Excel, Outlook) does not read so. That is judged once the file is read,
    against every column's values (the refusal comes after the last row). Other csv.Error
    and UnicodeDecodeError pass through to the caller."""
    ended = False
    spanned: list[str] = []  # the lines of the row being read

    def read() -> Iterator[str]:
        nonlocal ended
        keep = spanned.append
        for text in lines:
            keep(text)
            yield text
        ended = True

    reader = csv.reader(read(), delimiter=delimiter, strict=True)
    start = 1
    width: int | None = None
    spans: list[tuple[int, int, list[str]]] = []  # rows read over several lines, and where
    seen: list[list[str]] = []  # rows on one line each, which show what each column holds
    while True:
        try:
            row = next(reader)
        except StopIteration:
            if spans and width:
                _refuse_swallowed(name, spans, seen, delimiter, width)
            return
        except csv.Error as exc:
            # strict=True says "unexpected end of data" for a quote open at the end of the
            # file and "'X' expected after '\"'" for text after a closing quote.
            if ended:
                raise InvalidInput(
                    _(
                        "{name}: the quote opened on line {line} is never closed (the file is "
                        "cut off or is not CSV); nothing was imported"
                    ).format(name=name, line=start)
                ) from None
            if "expected after" not in str(exc):
                raise
            line = reader.line_num
            if line == start:
                said = _(
                    "{name}: line {line} has text after a closing quote; put the whole cell "
                    'in quotes and double each quote inside it ("VIP" client becomes '
                    '"""VIP"" client"); nothing was imported'
                )
            else:
                said = _(
                    "{name}: the quote opened on line {start} is closed on line {line} with "
                    "text after it (a stray quote?); put the whole cell in quotes and double "
                    'each quote inside it ("VIP" client becomes """VIP"" client"); nothing '
                    "was imported"
                )
            raise InvalidInput(said.format(name=name, line=line, start=start)) from None
        if width is None:
            width = len(row)
        elif len(spanned) > 1:
            if width > 1:
                spans.append((start, reader.line_num, list(row)))
        elif len(seen) < _SEEN:
            seen.append(list(row))
        spanned.clear()
        yield reader.line_num, row
        start = reader.line_num + 1


_SEEN = 1000  # rows on one line that teach what each column holds: enough, and cheap
_LINE_BREAK = re.compile(r"\r\n?|\n")  # where a line of the file ends, as csv reads lines
# What a cell looks like, for the columns that hold one kind of value: a number (a phone, an
# id, an amount: digits with spaces, dashes, brackets, a dot), a date, an email, a code (C-1,
# A001). Anything else is text, which tells nothing: names, notes and companies read alike.
_SHAPES = (
    ("date", re.compile(r"\d{4}([-/.])\d{1,2}\1\d{1,2}([ T][\d:]+)?")),
    ("number", re.compile(r"[+\-]?[¥$€(]?\d[\d \-().]*")),
    ("email", re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")),
    ("code", re.compile(r"[A-Za-z]{1,4}[-_]?\d+")),
)


_NOTHING = frozenset(("无", "暂无", "没有", "空", "n/a", "na", "none", "null"))


def _shape(cell: str) -> str:
    """What `cell` looks like: one of _SHAPES' names, `text`, or "" when it holds nothing
    (blank, a dash, 无 or N/A: what a sheet writes where a phone is not known)."""
    cell = cell.strip()
    if cell.lower() in _NOTHING or not any(c.isalnum() for c in cell):
        return ""
    return next((shape for shape, pattern in _SHAPES if pattern.fullmatch(cell)), "text")


def _kinds(rows: Iterable[Sequence[str]], width: int) -> list[str]:
    """Each column's one shape of value (a number, a date, an email, a code) when every value
    in `rows` that is not blank has it; "" for a column of text, mixed values or none."""
    shapes: list[set[str]] = [set() for _ in range(width)]
    for row in rows:
        for column, cell in zip(shapes, row, strict=False):
            column.add(_shape(cell))
    kinds = []
    for column in shapes:
        column.discard("")
        kind = column.pop() if len(column) == 1 else ""
        kinds.append("" if kind == "text" else kind)
    return kinds


def _fits(cell: str, kind: str) -> bool | None:
    """True when `cell` has the shape `kind`, False when it plainly cannot be a value of that
    kind (no digit where numbers, dates and codes are, no @ where emails are), None when it
    tells nothing: blank, or a value written some other way (`138 0013 8000 转 8`)."""
    shape = _shape(cell)
    if shape == kind:
        return True
    if not shape or (_AT if kind == "email" else _DIGIT).search(cell):
        return None
    return False


_DIGIT, _AT = re.compile(r"\d"), re.compile("@")


def _refuse_swallowed(
    name: str,
    spans: list[tuple[int, int, list[str]]],
    seen: list[list[str]],
    delimiter: str,
    width: int,
) -> None:
    """Raise InvalidInput when a row of `spans` (first line, last line, cells: the rows read
    over several lines) may hold rows swallowed by a stray quote. Read that way (the quote
    a plain character, the one closing it an inch mark) each line of the span is a row of
    its own: its cells are those between the row's cells on it and those inside the quoted
    cell, counted from the line's start.

    So a span is a note when one of its lines can be no row: it has more cells than the
    header, or a cell inside the quote stands where every value of the file has another
    shape (`Li, Wang, Zhao` puts a word where the file has phones). Otherwise it may be
    rows swallowed, and is refused, when one of its lines reads as a row:
    - a cell of it inside the quote has its column's shape (a phone where the file has
      phones, an email, a date, an id: `王五,13900139000` after a row whose trailing cells
      were left out); or
    - it has the header's cells, starts inside the quoted cell (or the cell opens the row)
      and two cells or more of it are inside; or it is one of two lines with the header's
      cells.
    A note of several lines has the header's cells on one line at most (the one holding
    the row's other cells) unless its own commas bring another there by chance. The file's
    columns are learned from `seen` and from the spanning rows' cells that stand in the
    same column whichever way the line is read."""
    read = [(start, end, _read_alone(row, delimiter)) for start, end, row in spans]
    # A whole cell standing in its own column read either way tells what the column holds.
    learned = ([""] * index + [text] for _, _, lines in islice(read, _SEEN) for cells in lines
               for column, (text, index, part) in enumerate(cells)
               if part == _OWN and column == index)  # fmt: skip
    kinds = _kinds(chain(seen, learned), width)
    for start, end, lines in read:
        rows: list[tuple[bool, bool, int]] = []
        full: list[tuple[bool, bool, int]] = []
        note = False
        for offset, cells in enumerate(lines):
            if len(cells) > width:  # more cells than the header's: no row
                note = True
                break
            inside = [(text, column) for column, (text, _, part) in enumerate(cells[:width])
                      if part == _INSIDE]  # fmt: skip
            said = {_fits(text, kinds[column]) for text, column in inside if kinds[column]}
            if False in said:
                note = True
                break
            key = (len(inside) < (2 if offset else 1), offset == 0, offset)
            if True in said:
                rows.append(key)
            if len(cells) >= width:
                full.append(key)
                # the line's cells inside the quoted cell it starts in (on the first line,
                # only a quoted cell that opens the row counts: other cells are before it)
                first = cells[0][1]
                within = sum(1 for _, index, part in cells if index == first and part != _OWN)
                if within >= 2 and (offset or cells[0][2] == _OPENS):
                    rows.append(key)
        if note:
            continue
        if len(full) >= 2:
            rows.extend(full)
        if not rows:
            continue
        # Name the line most plainly a row inside the quote: delimiters inside it, after the
        # line that opened the quote (that one holds the row's own first cells).
        offset = min(rows)[2]
        raise InvalidInput(
            _(
                "{name}: the quote opened on line {start} runs on to line {line}, and line "
                "{row} inside it reads as a row of its own (a stray quote, closed by a "
                "later one such as an inch mark?); put the whole cell in quotes and double "
                'each quote inside it (12" becomes "12"""), or, for a note of several lines '
                "with commas in it, save the file as tab-separated text; nothing was imported"
            ).format(name=name, start=start, line=end, row=start + offset)
        )


_OWN, _OPENS, _INSIDE = 0, 1, 2  # a whole cell of the row, a quoted cell's first piece, the rest


def _read_alone(row: list[str], delimiter: str) -> list[list[tuple[str, int, int]]]:
    """The lines of a row read over several, each read as a row of its own: per line, its
    cells as (text, the index of the row's cell it is part of, which part: _OWN, _OPENS or
    _INSIDE). A quoted cell's first piece is in the cell's column either way; its pieces
    after a delimiter or a line break are no cell of the row as read."""
    line: list[tuple[str, int, int]] = []
    lines = [line]
    for index, cell in enumerate(row):
        if "\n" not in cell and "\r" not in cell:
            line.append((cell, index, _OWN))
            continue
        first, *rest = _LINE_BREAK.split(cell)
        opening, *pieces = first.split(delimiter)
        line.append((opening, index, _OPENS))
        line += [(piece, index, _INSIDE) for piece in pieces]
        for part in rest:
            line = [(piece, index, _INSIDE) for piece in part.split(delimiter)]
            lines.append(line)
    return lines


class _Pieces(list[str]):
    """What a csv writer writes, kept as a list of strings (`write` is list.append, in C)."""

    write = list.append


class CsvWriter:
    """How crm writes every CSV and TSV file: csv.writer's formatting (in C), LF line ends,
    a cell quoted where RFC 4180 asks, and the text written to `out` once per 500 rows.

    csv.writer quotes a cell holding a character of its line end, so with LF ends a cell
    holding a bare CR (put there by another program; crm refuses control characters
    itself) came out unquoted, and every reader (Excel, Python's csv, crm's own import)
    ended the row at it. Only text that holds a CR is formatted again, row by row, with
    such a cell quoted."""

    def __init__(self, out: Any, delimiter: str = ",") -> None:
        self.out = out
        self.delimiter = delimiter
        self._pieces = _Pieces()
        self._writer = csv.writer(self._pieces, delimiter=delimiter, lineterminator="\n")

    def writerow(self, row: Sequence[Any]) -> None:
        self._write([row])

    def writerows(self, rows: Iterable[Sequence[Any]]) -> int:
        """Write every row (str, int, float or None cells; None as an empty cell) and
        return how many there were."""
        count = 0
        rows = iter(rows)
        while batch := list(islice(rows, 500)):
            self._write(batch)
            count += len(batch)
        return count

    def _write(self, batch: list[Sequence[Any]]) -> None:
        pieces = self._pieces
        self._writer.writerows(batch)
        text = "".join(pieces)
        pieces.clear()
        if "\r" in text:
            text = "".join(map(self._line, batch))
        self.out.write(text)

    def _line(self, row: Sequence[Any]) -> str:
        self._writer.writerow(row)
        text = self._pieces.pop()
        if "\r" not in text:
            return text
        special = ('"', self.delimiter, "\n", "\r")
        cells = []
        for value in row:
            cell = "" if value is None else value if type(value) is str else str(value)
            if any(c in cell for c in special):
                cell = '"' + cell.replace('"', '""') + '"'
            cells.append(cell)
        return self.delimiter.join(cells) + "\n"


def clip(text: str | None, width: int = 60) -> str | None:
    """The first line of `text`, cut to `width` characters with an ellipsis, for tables."""
    if text is None:
        return None
    lines = text.strip().splitlines() or [""]
    line = lines[0]
    cut = len(line) > width or len(lines) > 1
    return (line[: width - 1].rstrip() + "…") if cut else line


def id_list(numbers: list[int]) -> str:
    """Customer ids listed in a sentence: `1 17` in English, `1、17` in Chinese."""
    return (" " if current() == "en" else _(", ")).join(map(str, numbers))


def plural(n: float, word: str, *, grouped: bool = False) -> Said:
    """`1 day`, `3 days`, `2.5 hours` (a whole float without its `.0`); `grouped`: with
    thousands separated by commas, as in report summaries (`1,804 customers`)."""
    comma = "," if grouped else ""
    shown = f"{n:{comma}g}" if isinstance(n, float) else f"{n:{comma}}"
    # A Said: "{n} days" is its msgid (_UNITS), so a table for people says "3 天".
    template = "{n} " + word if abs(n) == 1 else "{n} " + word + "s"
    return Said(template, n=shown)


class Counted(Said):
    """A count kept as its number, which a table in English shows as it is (`7`) and in
    another language with its unit (`7 天`), where a bare number reads as nothing."""

    unit: str
    count: int

    def __new__(cls, count: int, unit: str) -> Counted:
        said = str.__new__(cls, str(count))
        said.template, said.params, said.unit, said.count = str(count), {}, unit, count
        return said

    def said(self) -> str:
        return str(self) if current() == "en" else plural(self.count, self.unit).said()


class Chance(Said):
    """A probability from 0 to 1 kept as its number (`0.473`, as English tables show it),
    which a table in another language says as a percentage (`47.3%`), as its people read a
    chance; `chance` keeps the number, for the colour a low one is drawn in."""

    chance: float

    def __new__(cls, chance: float) -> Chance:
        said = str.__new__(cls, str(chance))
        said.template, said.params, said.chance = str(chance), {}, chance
        return said

    def said(self) -> str:
        return str(self) if current() == "en" else _percent(self.chance)


@functools.cache
def _percent(chance: float) -> str:
    return f"{round(chance * 100, 1):g}%"


class Percent(Said):
    """A share (0.232) said as a percentage with one decimal: `23.2 %` in English, as its
    pages and JSON's prose write it, `23.2%` in Chinese, which puts no space before `%`
    (nor lets a line break there)."""

    def __new__(cls, share: float) -> Percent:
        said = str.__new__(cls, f"{100 * share:.1f} %")
        said.template, said.params = str(said), {}
        return said

    def said(self) -> str:
        return str(self) if current() == "en" else str(self).replace(" %", "%")


# The units `plural` is given, for the catalog (one msgid for one, one for many).
_UNITS = (
    N_("{n} day"), N_("{n} days"), N_("{n} hour"), N_("{n} hours"), N_("{n} minute"),
    N_("{n} minutes"), N_("{n} year"), N_("{n} years"), N_("{n} customer"),
    N_("{n} customers"), N_("{n} row"), N_("{n} rows"), N_("{n} record"), N_("{n} records"),
    N_("{n} change"), N_("{n} changes"), N_("{n} differing value"), N_("{n} differing values"),
    N_("{n} table"), N_("{n} tables"), N_("{n} purchase"), N_("{n} purchases"),
    N_("{n} interaction"), N_("{n} interactions"), N_("{n} task"), N_("{n} tasks"),
    N_("{n} week"), N_("{n} weeks"), N_("{n} month"), N_("{n} months"), N_("{n} problem"),
    N_("{n} problems"), N_("{n} line"), N_("{n} lines"),
)  # fmt: skip


# How often a task repeats, as `every` says it. One and two are msgids of their own, so a
# language may say them in words (每周, 每两周) as its `--every` reads them back.
_EVERY = {
    "d": (N_("every 1 day"), N_("every 2 days"), N_("every {n} days")),
    "w": (N_("every 1 week"), N_("every 2 weeks"), N_("every {n} weeks")),
    "m": (N_("every 1 month"), N_("every 2 months"), N_("every {n} months")),
    "y": (N_("every 1 year"), N_("every 2 years"), N_("every {n} years")),
}


def every(amount: int, unit: str) -> Said:
    """How often a repeat of `amount` `unit`s (d, w, m or y) comes: `every 2 weeks` (a Said:
    每两周 for people reading Chinese, the words `--every` takes)."""
    return Said(_EVERY[unit][min(amount, 3) - 1], n=amount)


def duration(hours: float) -> Said:
    """A span in the unit people say it in: `45 minutes`, `27.5 hours`, `190 days`."""
    if hours < 1:
        return plural(round(hours * 60), "minute")
    if hours < 48:
        return plural(round(hours, 1), "hour")
    return plural(round(hours / 24, 1), "day")
