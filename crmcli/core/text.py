"""Plain-text helpers shared by services and the command line (no I/O)."""

from __future__ import annotations

import csv
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, Said, _, current


class JsonNumber(float):
    """A JSON number written with a fraction or an exponent (`123.0`, `1.23457e+11`,
    `0.30000000000000004`): a float that remembers how the file wrote it (`text`, also its
    str), so an import reads the digits the file has, never the float's repr
    (`123457000000.0`) nor its binary value. A whole number without them is a Python int,
    exact already."""

    text: str

    def __new__(cls, text: str) -> JsonNumber:
        number = super().__new__(cls, text)
        number.text = text
        return number

    def __str__(self) -> str:
        return self.text


def parse_json(text: str, *, numbers: bool = False) -> Any:
    """json.loads, except that a document nested too deeply for Python's parser (an import
    of `[[[[...` 100,000 levels deep) or holding a whole number of too many digits for
    Python's int (4,300) raises the JSONDecodeError of any other malformed input instead
    of a RecursionError or a ValueError, so every reader of user JSON refuses it as the bad
    input it is. `numbers` (an import): a number with a fraction or an exponent is a
    JsonNumber, as written, and an object that gives a key twice is refused."""
    try:
        if numbers:
            return json.loads(text, parse_float=JsonNumber, object_pairs_hook=_once)
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None
    except json.JSONDecodeError:
        raise
    except _Twice as exc:  # where the key is written the second time (or near it)
        quoted = json.dumps(exc.key, ensure_ascii=False)
        at = text.find(quoted, text.find(quoted) + 1)
        raise json.JSONDecodeError(str(exc), text, max(at, 0)) from None
    except ValueError:  # a whole number of over 4,300 digits, past Python's limit for one
        raise json.JSONDecodeError(
            "a number of more digits than any value holds", text, 0
        ) from None


class _Twice(ValueError):
    """A key given twice in one JSON object."""

    def __init__(self, key: str) -> None:
        super().__init__(f"key {key!r} given twice in one object")
        self.key = key


def _once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object of `pairs`, each key once: of `{"name": "A", "name": "B"}` json keeps
    the last and drops the first without a word (raises _Twice, a ValueError)."""
    found = dict(pairs)
    if len(found) < len(pairs):
        keys = [key for key, _value in pairs]
        twice = next(key for n, key in enumerate(keys) if key in keys[:n])
        raise _Twice(twice)
    return found


def csv_rows(
    name: str,
    lines: Iterable[str],
    delimiter: str,
    suspect: Callable[[int, int, int], None] | None = None,
) -> Iterator[tuple[int, list[str]]]:
    """(where the row is, cells) for each row of a CSV/TSV text, read as
    spreadsheets write it: a quoted cell may hold delimiters, line breaks and doubled quotes,
    and a quote inside an unquoted cell (`12" 屏幕`) is a plain character. A quoted cell with
    text after its closing quote (`"a"b`) is refused with InvalidInput naming the line: no
    program writes that, and read leniently a quote typed by mistake at the start of a cell
    swallows the rows after it into one cell until the next quote. A quote still open at the
    end of the file is refused naming the line where it opened (the file was cut off or is
    not CSV). A quoted cell spanning lines whose lines read as rows of their own (see
    `_refuse_swallowed`) is refused too, naming the lines: a whole row swallowed, the quote
    opened by mistake and closed by a later quote (an inch mark, `尺寸12"`); a note written on
    several lines (Excel, Outlook) does not read so. A span the rule lets through though a
    line inside it has a row's shape (a stray quote that swallowed a row short of cells, or
    a note whose last line holds as many delimiters as a row) is read as it is and told to
    `suspect` as (the line the quote opened on, the line it closed on, the line that reads as
    a row), for the caller to warn: nothing is held. Other csv.Error and UnicodeDecodeError
    pass through to the caller. Where a row is: a `Place`, the line number where it ends,
    which also knows its row as a spreadsheet shows it and the line it begins on."""
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
    rows = 0  # rows read, as a spreadsheet numbers them
    width: int | None = None
    while True:
        try:
            row = next(reader)
        except StopIteration:
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
        elif len(spanned) > 1 and width > 1:
            shaped = _refuse_swallowed(name, row, delimiter, width, start, reader.line_num)
            if shaped is not None and suspect is not None:
                suspect(start, reader.line_num, shaped)
        spanned.clear()
        rows += 1
        yield Place(reader.line_num, rows, start), row
        start = reader.line_num + 1


class Place(int):
    """Where a row of a CSV/TSV text is (`csv_rows`): the line it ends on (its value, as
    before), `row`, its number as a spreadsheet shows it (the header is row 1, a blank line
    a row too), and `line`, the line it begins on. They differ after a quoted cell that runs
    over lines: a spreadsheet shows it as one row, a text editor as several lines."""

    row: int
    line: int

    def __new__(cls, end: int, row: int, line: int) -> Place:
        place = super().__new__(cls, end)
        place.row, place.line = row, line
        return place


def row_said(number: int) -> str:
    """A row of the file as a refusal or a warning names it: by its number as a spreadsheet
    shows it, with the line of the file it begins on where the two differ (after a quoted
    cell that runs over lines: `row 3 (line 5)`); a card of a vCard file by its number and
    the line it begins on (`card 2 (line 9)`); a row of any other file by its number."""
    card = getattr(number, "card", None)
    if card is not None:
        return _("card {number} (line {line})").format(number=card, line=int(number))
    row, line = getattr(number, "row", number), getattr(number, "line", number)
    if row == line:
        return _("row {number}").format(number=row)
    return _("row {number} (line {line})").format(number=row, line=line)


_LINE_BREAK = re.compile(r"\r\n?|\n")  # where a line of the file ends, as csv reads lines


def _refuse_swallowed(
    name: str, row: list[str], delimiter: str, width: int, start: int, end: int
) -> int | None:
    """Raise InvalidInput when `row`, read over lines `start` to `end`, holds a row swallowed
    by a stray quote. A line reads as a row (it has a row's shape) when it holds as many
    delimiters as the header (`width` cells) or more, counting both those between the row's
    cells on that line and those inside a cell that spans lines (a delimiter inside a quoted
    cell on one line is no cell's edge). A swallowed row is a whole line inside the quoted
    cell, so every line of the span has a row's shape; a note of several lines has it on one
    line at most: the one that opens it when it is the last column, or the one that closes it
    when it is the first (`"第一行` / `第二行",甲一,A`). So two lines with a row's shape, or one
    whose delimiters inside the quoted cell alone are as many, are refused (the cell's first
    line only when the cell opens the row).

    Otherwise returns the number of a line inside the quote (not the one it opened on) that
    has a row's shape only with delimiters inside the quoted cell, or None: the line that
    closes the quote, read with the row's cells after it (`王五,139...,12寸",w@x.com` after
    `张三,138...,"VIP` with four columns; a row swallowed short of cells, which the rule
    cannot tell from a note's last line with as many delimiters). A line shaped by the row's
    own cells alone (the last line of a note in the first column) is none: a note of several
    lines without delimiters, crm's own export's among them, is never one."""
    lines: list[list[int]] = [[0, 0]]  # per line: delimiters between cells, inside a cell
    for index, cell in enumerate(row):
        if index:
            lines[-1][0] += 1
        parts = _LINE_BREAK.split(cell)
        if len(parts) > 1:
            lines[-1][1] += parts[0].count(delimiter)
            lines.extend([0, part.count(delimiter)] for part in parts[1:])
    shaped = [
        (inside == 0, offset == 0, offset)
        for offset, (between, inside) in enumerate(lines)
        if between + inside >= width - 1
    ]
    # A cell's first line alone is a row only when the cell opens the row: opened after
    # other cells (`张三,"第一行, 有逗号`), the rest of its line is the rest of that row.
    alone = any(
        inside >= width - 1
        for offset, (between, inside) in enumerate(lines)
        if offset or not between
    )
    if len(shaped) < 2 and not alone:
        inner = (
            offset
            for offset, (between, inside) in enumerate(lines)
            if offset and between < width - 1 <= between + inside
        )
        found = next(inner, None)
        return None if found is None else start + found
    # Name the line most plainly a row inside the quote: delimiters inside it, after the
    # line that opened the quote (that one holds the row's own first cells).
    offset = min(shaped)[2]
    raise InvalidInput(
        _(
            "{name}: the quote opened on line {start} runs on to line {line}, and line "
            "{row} inside it reads as a row of its own (a stray quote, closed by a "
            "later one such as an inch mark?); put the whole cell in quotes and double "
            'each quote inside it (12" becomes "12"""), or, for a note of several lines '
            "with commas in it, save the file as tab-separated text; nothing was imported"
        ).format(name=name, start=start, line=end, row=start + offset)
    )


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


LISTED = 20  # lines of reasons a refusal lists before it counts the rest


def first_lines(lines: Sequence[str], limit: int = LISTED) -> list[str]:
    """The first `limit` of `lines`, then `... and N more` for the rest: a refusal of
    200,000 references names twenty, not all of them."""
    more = len(lines) - limit
    if more <= 0:
        return list(lines)
    return [*lines[:limit], _("... and {count} more").format(count=more)]


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
    N_("{n} problems"), N_("{n} line"), N_("{n} lines"), N_("{n} card"), N_("{n} cards"),
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
