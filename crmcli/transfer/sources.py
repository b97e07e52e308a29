"""Reading import files: formats, encodings and rows, streamed.

`open_records(path, fmt, encoding)` opens a file (or `-` for stdin), guesses the format from
the name (or the first bytes of stdin) when not given, decodes it, and yields each record as
(line number, dict of column -> value). CSV/TSV and JSONL are streamed row by row, so memory
does not grow with the file; a JSON array is read whole. vCards are parsed by transfer.vcards.

Encodings are detected by `_detect_encoding` (a BOM, else UTF-8, else Chinese GB18030 or,
under a Hong Kong, Macau or Taiwan locale, Big5 where the text reads as Traditional Chinese);
`--encoding` overrides, and a UTF-8 file read with `--encoding gbk` (or big5) is refused
rather than imported as mojibake. The delimiter of a CSV file is sniffed from its header row.

Cells written by `crm export -o FILE` for people carry a leading apostrophe before = + - @
tab and CR (the spreadsheet formula guard, see crmcli.transfer.exporters); `unguard` takes it off
again, so such a file imports back exactly.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from crmcli.core import oserrors, stdin
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, _
from crmcli.core.text import csv_rows, parse_json

FORMATS = ("csv", "tsv", "json", "jsonl", "vcard")
SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".vcf": "vcard",
    ".vcard": "vcard",
}
GUARD_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
SNIFF_BYTES = 65536
ERROR_KEY = "\x00error"  # a record that could not be read carries the reason here
# csv's default field limit (128 KiB) is below a long note or a vCard PHOTO in a cell.
csv.field_size_limit(16 * 1024 * 1024)


def unguard(value: str) -> str:
    """Undo the export's formula guard: `'=SUM(A1)` -> `=SUM(A1)`, `''x` -> `'x`."""
    if len(value) > 1 and value[0] == "'" and (value[1] in GUARD_TRIGGERS or value[1] == "'"):
        return value[1:]
    return value


# One record of an input file, as read: its keys are the file's own columns (a CSV header,
# JSON keys, the crm names of vCard properties), open by design until a Mapper maps them.
Record = dict[str, Any]


@dataclass
class Source:
    """An opened input: its format, its columns (when it has a header), its records."""

    name: str
    fmt: str
    delimiter: str | None
    columns: list[str] = field(default_factory=list)
    records: Iterable[tuple[int, Record]] = field(default_factory=lambda: iter(()))
    stream: BinaryIO | None = None  # for progress: bytes read so far
    size: int | None = None
    # written by a spreadsheet (a byte-order mark, or GB18030): rows written back for the
    # user (--rejects) start with a UTF-8 mark, so the same program reads them as UTF-8
    marked: bool = False


class _Prefixed(io.RawIOBase):
    """A binary stream that first gives back bytes already read (the sniffed head)."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = head
        self._rest = rest
        self.position = 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            self._rest.close()  # standard input's stays open (crmcli.core.stdin binary)
        super().close()

    def readinto(self, buffer: Any) -> int:
        if self._head:
            count = min(len(buffer), len(self._head))
            buffer[:count] = self._head[:count]
            self._head = self._head[count:]
        else:
            data = self._rest.read(len(buffer))
            count = len(data)
            buffer[:count] = data
        self.position += count
        return count


def _binary(path: str) -> tuple[BinaryIO, str, int | None]:
    """The bytes of `path` (`-`: standard input), its name for messages and its size (None:
    not known); a read error blames it (exit 1)."""
    if path == "-":
        return stdin.binary(_("FILE") + " -"), _("standard input"), None
    file = Path(path).expanduser()
    if not file.is_file():
        if file.exists():
            raise InvalidInput(_("{path} is not a file").format(path=path))
        raise InvalidInput(_("no such file: {path}").format(path=path))
    return io.BufferedReader(oserrors.File(file, "r", path)), path, file.stat().st_size


def guess_format(path: str, head: str) -> str:
    """The format named by the file's suffix; for stdin or an unknown suffix (Excel's
    Unicode text is `.txt`), by its decoded content."""
    suffix = Path(path).suffix.lower() if path != "-" else ""
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    text = head.lstrip("\ufeff").lstrip()
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        return "jsonl"
    if text[:11].upper() == "BEGIN:VCARD":
        return "vcard"
    first = text.split("\n", 1)[0]
    return "tsv" if first.count("\t") > first.count(",") else "csv"


GBK_FAMILY = {"gbk", "gb2312", "gb18030", "cp936", "hz"}
BIG5_FAMILY = {"big5", "big5hkscs", "cp950"}


NOT_FOR_FILES = ("idna", "punycode", "undefined")
_BOMS = {
    "utf-16": (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE),
    "utf-32": (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE),
}


def _check_encoding(name: str, head: bytes, encoding: str | None) -> str:
    """The codec to read with; refuses a guess that the first bytes prove wrong."""
    if encoding is None:
        return _detect_encoding(name, head)
    try:
        info = codecs.lookup(encoding)
    except LookupError:
        raise InvalidInput(
            _("unknown encoding {encoding!r}; try utf-8 or gb18030").format(encoding=encoding)
        ) from None
    codec = info.name
    # rot13, base64, zip...: codecs of bytes to bytes or str to str; idna and punycode are
    # for host names, "undefined" refuses everything: none reads a file of text.
    if not getattr(info, "_is_text_encoding", True) or codec in NOT_FOR_FILES:
        raise InvalidInput(
            _(
                "{encoding!r} is not an encoding of text files; give the file's, "
                "e.g. utf-8 or gb18030"
            ).format(encoding=encoding)
        )
    if codec in ("utf-16", "utf-32") and head and not head.startswith(_BOMS[codec]):
        raise InvalidInput(
            _(
                "{name} does not start with the byte-order mark that {encoding} needs; give "
                "{codec}-le or {codec}-be, or leave out --encoding"
            ).format(name=name, encoding=encoding, codec=codec)
        )
    chinese = GBK_FAMILY | BIG5_FAMILY  # most UTF-8 Chinese decodes as these too, as nonsense
    if codec.replace("_", "") in chinese or encoding.lower().replace("-", "") in chinese:
        try:
            utf8 = _decode_head(head, "utf-8")
        except UnicodeDecodeError:
            utf8 = None
        if utf8 is not None and any(ord(ch) > 127 for ch in utf8):
            raise InvalidInput(
                _("{name} is UTF-8, not {encoding}; leave out --encoding").format(
                    name=name, encoding=encoding
                )
            )
    if codec == "utf-8":
        return "utf-8-sig"
    try:
        _decode_head(head, codec)
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            _("{name} is not {encoding} (byte 0x{byte:02x} at offset {offset})").format(
                name=name, encoding=encoding, byte=head[exc.start], offset=exc.start
            )
        ) from None
    return codec


# Characters of Chinese text: CJK ideographs (and extension A), CJK punctuation, full-width
# forms. GB18030 can decode most byte strings, so a file is taken as GB18030 only when what
# it decodes to reads as Chinese.
_CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _detect_encoding(name: str, head: bytes) -> str:
    """The encoding of a file given without --encoding, by the first 64 KiB (docs/transfer.md):
    a BOM names it (UTF-8, UTF-16); else UTF-8 if the bytes are UTF-8; else GB18030 (Chinese
    Excel, WPS) if they decode as it and at least 90 % of the non-ASCII characters are
    Chinese; else refused with a hint."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            _decode_head(head, "utf-16")
        except UnicodeDecodeError:
            raise InvalidInput(
                _("{name} starts with a UTF-16 mark but is not UTF-16").format(name=name)
            ) from None
        return "utf-16"
    try:
        _decode_head(head, "utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        bad = _("byte 0x{byte:02x} at offset {offset}").format(
            byte=head[exc.start], offset=exc.start
        )
    gb, big5 = _chinese(head, "gb18030"), _chinese(head, "cp950", "big5hkscs")
    # Western or Japanese bytes read as rare ideographs (M黮ler, 嶳揷懢榊) are no Chinese
    gb = gb if gb and _everyday(gb[1], _in_everyday_chinese) else None
    big5 = big5 if big5 and _everyday(big5[1], _in_big5_common) else None
    other = _other_script(head) if gb or big5 else None  # Korean, Polish... read as
    if other == "korean":  # everyday ideographs
        raise InvalidInput(
            _(
                "{name} is not UTF-8 ({bad}) and reads as Korean text, not Chinese; give its "
                "encoding: --encoding cp949"
            ).format(name=name, bad=bad)
        )
    if other == "latin":
        raise InvalidInput(
            _(
                "{name} is not UTF-8 ({bad}) and reads as words of a Latin script, not "
                "Chinese; give its encoding: --encoding cp1252 (Western Europe), cp1250 "
                "(Central Europe) or cp1254 (Turkish)"
            ).format(name=name, bad=bad)
        )
    simplified = _count(gb[1], _SIMPLIFIED) if gb else 0
    traditional = _count(big5[1], _TRADITIONAL) if big5 else 0
    from crmcli.records.config import locale_region

    where = locale_region() in ("HK", "MO", "TW")  # where Excel saves "CSV" in Big5
    if big5 and traditional >= 3 * simplified + 2 and where:
        return big5[0]
    if gb and simplified >= 3 * traditional + 2:
        return "gb18030"
    if big5 and (where or traditional) and (where or not gb or traditional >= 3 * simplified + 2):
        raise InvalidInput(
            _(
                "{name} may be Traditional Chinese Big5 or Simplified Chinese GB18030; give "
                "its encoding: --encoding big5 or --encoding gb18030"
            ).format(name=name)
        )
    if gb:
        return "gb18030"
    raise InvalidInput(
        _(
            "{name} is not UTF-8 ({bad}) and does not read as Chinese GB18030; give its "
            "encoding with --encoding, e.g. latin-1, cp1252, big5 or shift_jis"
        ).format(name=name, bad=bad)
    )


# Common characters written one way in Simplified Chinese and another in Traditional (电 and
# 電, 陈 and 陳): words of a customer list's headers, names and places. Either decoding of a
# file of one script reads few of the other's (a wrong one gives rare characters), so which
# of the two a file holds more of tells GB18030 from Big5 where both decode it.
_SIMPLIFIED = frozenset(
    "们个这说为会来时国问对见开关车机构设计电话号码联络备邮区县华东门书长发学实么与点业员际"
    "经销货费务资产队团欢钟买卖价钱银单让请谢记广场厂陈黄张刘吴郑杨赵孙许叶苏邓冯萧龙陆谭韦"
    "赖汤罗师题进户签约额订编湾职伟丽军红强飞凤静艳涛鹏辉宁兰址龄岁级层楼号"
)
_TRADITIONAL = frozenset(
    "們個這說為會來時國問對見開關車機構設計電話號碼聯絡備郵區縣華東門書長發學實麼與點業員際"
    "經銷貨費務資產隊團歡鐘買賣價錢銀單讓請謝記廣場廠陳黃張劉吳鄭楊趙孫許葉蘇鄧馮蕭龍陸譚韋"
    "賴湯羅師題進戶簽約額訂編灣職偉麗軍紅強飛鳳靜豔濤鵬輝寧蘭註臺齡歲級層樓"
)


def _chinese(head: bytes, *codecs_: str) -> tuple[str, str] | None:
    """The first of `codecs_` the head decodes with to Chinese text (at least 90 % of its
    non-ASCII characters Chinese), with that text; None when none does."""
    for codec in codecs_:
        try:
            text = _decode_head(head, codec)
        except UnicodeDecodeError:
            continue
        wide = [ch for ch in text if ord(ch) > 127]
        if len(re.findall(_CHINESE, "".join(wide))) >= 0.9 * len(wide):
            return codec, text
    return None


def _everyday(text: str, common: Callable[[str], bool]) -> bool:
    """Whether at least a third of the ideographs of `text` (when it has any) are `common`
    (the everyday characters of the script: `_in_everyday_chinese`, `_in_big5_common`).
    GB18030 and Big5 read nearly any bytes as ideographs, but bytes that are not Chinese
    read as rare ones: an accented letter and the letter after it (cp1252's `Müller`:
    M黮ler), Shift_JIS's kanji, whose first bytes GB2312 never uses. A list of names keeps
    enough of its characters there, rare ones and all (王喆, 李堃, 肖祎瑄)."""
    ideographs = [ch for ch in text if "\u3400" <= ch <= "\u9fff"]
    return 3 * sum(map(common, ideographs)) >= len(ideographs)


def _in_everyday_chinese(ch: str) -> bool:
    """Of GB2312's 6,763 characters (Simplified Chinese), or of Big5's first level (the
    Traditional characters a GBK file holds too: 黃麗華, 香港灣仔)."""
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return _in_big5_common(ch)
    return True


def _in_big5_common(ch: str) -> bool:
    try:
        code = ch.encode("cp950")
    except UnicodeEncodeError:
        return False
    return b"\xa4\x40" <= code <= b"\xc6\x7e"  # Big5's characters of frequent use


# Scripts whose bytes read as everyday Chinese: a Korean file (EUC-KR, cp949: its hangul
# has GB2312's bytes) and the words of a Latin script (cp1252, cp1250...), whose accented
# letters stand one or two together within words (`Różańska`, `ção`, `Åsa`), where Chinese
# is a run of two-byte characters, or one standing apart (`男`) or against Latin letters as
# no word of those scripts has it (`A类` reads `AÀà`, `iPhone和iPad` `iPhoneºÍiPad`).
_HIGH = re.compile(rb"[\x80-\xff]+")
_LATINS = ("cp1252", "cp1250")


def _other_script(head: bytes) -> str | None:
    """`korean` when `head` reads as Korean (at least nine in ten of its non-ASCII
    characters hangul syllables in cp949, and twenty or more: the characters of a few
    Chinese names may all have hangul's bytes, those of a list hardly), `latin` when as words
    of a Latin script (`_in_a_word`: every run of non-ASCII bytes, in cp1252 or cp1250, a
    letter or two as a word holds them, or a sign alone: 80°C); None otherwise."""
    with suppress(UnicodeDecodeError):
        wide = [ch for ch in _decode_head(head, "cp949") if ord(ch) > 127]
        hangul = sum("\uac00" <= ch <= "\ud7a3" for ch in wide)
        if hangul >= 20 and hangul >= 0.9 * len(wide):
            return "korean"
    letters = False
    for run in _HIGH.finditer(head):
        before = head[run.start() - 1 : run.start()].decode("latin-1")
        after = head[run.end() : run.end() + 1].decode("latin-1")
        read = [run[0].decode(codec, "replace") for codec in _LATINS]
        if len(run[0]) == 1 and not any(text.isalpha() for text in read):
            continue  # a sign: °, £, ±
        if len(run[0]) > 4 or not any(_in_a_word(text, before, after) for text in read):
            return None
        letters = True
    return "latin" if letters else None


def _in_a_word(text: str, before: str, after: str) -> bool:
    """Whether accented letters `text` stand as in a word of a Latin script, between the
    ASCII characters `before` and `after`: within a word (after a letter) small letters
    (`Müller`, `café`); starting one, a letter and small ones before a small letter (`Åsa`,
    `Øberg`), or three or more, a word of their own (`Żółć`)."""
    if not all(ch.isalpha() and ch not in "ªº" for ch in text):
        return False
    if before.isascii() and before.isalpha():
        return text.islower()
    if text[1:] != text[1:].lower():
        return False
    return (after.isascii() and after.islower()) or (len(text) > 2 and not after.isalpha())


def _count(text: str, characters: frozenset[str]) -> int:
    return sum(ch in characters for ch in text)


def _decode_head(head: bytes, codec: str) -> str:
    """Decode the sniffed head; a multi-byte character cut at its end is not an error."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    return decoder.decode(head, final=False)


UTF_8 = ("utf-8", "utf-8-sig")
_MARKS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE,
          codecs.BOM_UTF32_BE)  # fmt: skip


def open_records(
    path: str, fmt: str | None, encoding: str | None, *, guarded: bool = True
) -> Source:
    """Open `path` (or `-`) and return its records, streamed; raises InvalidInput. A CSV
    `guarded` may carry the export's formula guard, which is undone (`unguard`)."""
    binary, name, size = _binary(path)
    head = binary.read(SNIFF_BYTES)
    if fmt is not None and fmt not in FORMATS:
        raise InvalidInput(
            _("unknown format {fmt!r}; use one of: {formats}").format(
                fmt=fmt, formats=_(", ").join(FORMATS)
            )
        )
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # zip (xlsx, ods), old xls
        raise InvalidInput(
            _(
                "{name} is a spreadsheet workbook, not text: save it as CSV UTF-8 "
                "(Excel: File > Save As > CSV UTF-8) and import that"
            ).format(name=name)
        )
    if head.startswith(b"SQLite format 3\x00"):
        raise InvalidInput(
            _(
                "{name} is an SQLite database, not a file of records: a crm backup comes back "
                "with crm restore FILE"
            ).format(name=name)
        )
    codec = _check_encoding(name, head, encoding)
    start = _decode_head(head, codec)
    fmt = fmt or guess_format(path, start)
    if len(head) < SNIFF_BYTES and not start.lstrip("\ufeff").strip():
        binary.close()
        said = {
            "csv": _("{name} is empty: it has no header row"),
            "tsv": _("{name} is empty: it has no header row"),
            "vcard": _("{name} is empty: it has no vCard"),
        }.get(fmt, _("{name} is empty: it has no records"))
        raise InvalidInput(said.format(name=name))
    raw = _Prefixed(head, binary)
    text = io.TextIOWrapper(io.BufferedReader(raw, 1 << 16), encoding=codec, newline="")
    source = Source(name=name, fmt=fmt, delimiter=None, stream=raw, size=size)  # type: ignore[arg-type]
    source.marked = head.startswith(_MARKS) or codecs.lookup(codec).name not in UTF_8
    if fmt in ("csv", "tsv"):
        source.delimiter = "\t" if fmt == "tsv" else _sniff_delimiter(start)
        source.columns, source.records = _csv(name, text, source.delimiter, guarded)
    elif fmt == "jsonl":
        source.records = _jsonl(name, text)
    elif fmt == "json":
        source.records = _json(name, text)
    else:
        from crmcli.transfer import vcards

        source.records = vcards.Cards(name, text)
    return source


DELIMITERS = (",", ";", "\t", "|")


def _sniff_delimiter(text: str) -> str:
    """The delimiter of a CSV file: of `,` `;` tab and `|`, the one found most often in the
    header row outside quotes (`;` from Excel where the decimal mark is a comma); `,` when
    none is there (a one-column file)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in text.lstrip("\ufeff"):
        if ch == '"':
            quoted = not quoted
        elif ch in "\r\n" and not quoted:
            break
        elif ch in counts and not quoted:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])  # the first of equals: `,` before `;`
    return best if counts[best] else ","


def _decoding(name: str, rows: Iterator[Any]) -> Iterator[Any]:
    try:
        # not `yield from`: closing this generator would close `rows`, which is read on after
        for row in rows:  # noqa: UP028
            yield row
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            _(
                "{name} is not {encoding} past its start ({reason}); "
                "give the right --encoding (e.g. gb18030); nothing was imported"
            ).format(name=name, encoding=exc.encoding, reason=exc.reason)
        ) from None
    except csv.Error as exc:
        raise InvalidInput(_("{name} is not valid CSV: {exc}").format(name=name, exc=exc)) from None


def _csv(
    name: str, text: io.TextIOWrapper, delimiter: str, guarded: bool
) -> tuple[list[str], Rows]:
    spanning = Spanning()
    reader = csv_rows(name, text, delimiter, spanning.add)
    try:
        _line, header = next(_decoding(name, reader))
    except StopIteration:
        raise InvalidInput(_("{name} is empty: it has no header row").format(name=name)) from None
    columns: list[str] = []
    named = [column.strip().lstrip("\ufeff").strip() for column in header]
    repeated: list[int] = []
    taken: set[str] = set()
    tried: dict[str, int] = {}  # a repeated header: the number its next copy tries first
    for column in header:
        clean = column.strip().lstrip("\ufeff")
        base, number = clean, tried.get(clean, 2)
        while clean in taken:  # a repeated header keeps its cells under `name (2)`
            clean, number = f"{base} ({number})", number + 1
        tried[base] = number
        taken.add(clean)
        columns.append(clean)
    if not any(columns):
        raise InvalidInput(_("{name}: the first row must name the columns").format(name=name))

    wide: dict[int, list[str]] = {}  # a row refused for its cells past the header, whole

    def cells() -> Iterator[tuple[int, list[str] | str]]:
        width, first = len(columns), named[0]
        try:
            for line, row in reader:
                count = len(row)
                if count != width:
                    if count > width and any(c.strip() for c in row[width:]):
                        wide[int(line)] = row
                        yield (
                            line,
                            _("{count} cells but {width} columns").format(count=count, width=width),
                        )
                        continue
                    row = row[:width] if count > width else row + [""] * (width - count)
                # blank lines between rows are skipped (a row of two cells or more is none)
                if width == 1 or row.count("") >= width - 1:
                    filled = [c for c in row if c]
                    if not filled or (len(filled) == 1 and _cell(filled[0], guarded).isspace()):
                        continue
                if (
                    first in row[0]  # what the test below needs, and quicker
                    and row[0].strip().lstrip("\ufeff").strip() == first
                    and named == [c.strip().lstrip("\ufeff").strip() for c in row]
                ):  # the header again: two files joined (cat a.csv b.csv) are not a record
                    repeated.append(line)
                    continue
                yield line, row
        except (UnicodeDecodeError, csv.Error) as exc:
            yield from _decoding(name, _raising(exc))

    return columns, Rows(columns, cells(), guarded, repeated, spanning, wide, delimiter)


class Spanning:
    """The quoted cells of a CSV file that ran over lines one of which reads as a row of
    its own, though the file was read (crmcli.core.text csv_rows `suspect`): the first few
    as (line the quote opened on, line it closed on, the line that reads as a row), and how
    many in all, for the import to warn (a stray quote may have swallowed a row)."""

    SHOWN = 5

    def __init__(self) -> None:
        self.first: list[tuple[int, int, int]] = []
        self.count = 0

    def add(self, start: int, end: int, line: int) -> None:
        self.count += 1
        if len(self.first) < self.SHOWN:
            self.first.append((start, end, line))


class Rows:
    """The records of a CSV file, streamed: iterating gives (line number, Record), as every
    reader does; `cells` gives the same rows as read, for a reader of sets (an import of
    purchases): (line number, the row's cells, as many as columns) or (line number, the
    reason the row is unreadable). Only one of the two is read. `repeated`: the lines,
    once read, that repeat the header row and were skipped; `spanning`: the quoted cells
    over lines that read as rows (Spanning), once read."""

    def __init__(self, columns: list[str], cells: Iterator[tuple[int, list[str] | str]],
                 guarded: bool, repeated: list[int], spanning: Spanning | None = None,
                 wide: dict[int, list[str]] | None = None,
                 delimiter: str = ",") -> None:  # fmt: skip
        self.columns = columns
        self.cells = cells
        self.guarded = guarded
        self.repeated = repeated
        self.spanning = spanning or Spanning()
        self.wide = {} if wide is None else wide
        self.delimiter = delimiter  # the file's (`;` where Excel writes decimal commas)

    def whole(self, number: int) -> list[str] | None:
        """The cells of the row at `number` (where it ends, as `cells` numbers it) when it
        was refused for having more cells than the header, every one of them, read as a
        record's are; None for any other row. Asked once (a rejects file writes it whole)."""
        row = self.wide.pop(int(number), None)
        return None if row is None else [_cell(v, self.guarded) if v else v for v in row]

    def __iter__(self) -> Iterator[tuple[int, Record]]:
        columns, guarded = self.columns, self.guarded
        for number, row in self.cells:
            if type(row) is str:
                yield number, {ERROR_KEY: row}
            else:
                yield number, {c: _cell(v, guarded) for c, v in zip(columns, row, strict=True) if v}

    def record(self, row: list[str]) -> Record:
        """The Record of a row of `cells`."""
        return {c: _cell(v, self.guarded) for c, v in zip(self.columns, row, strict=True) if v}


def _cell(value: str, guarded: bool) -> str:
    """A cell as read: the export's formula guard undone (in a `guarded` file), and the line
    breaks of a multi-line cell written on Windows (Excel, Outlook: CRLF) made newlines."""
    if guarded and value[0] == "'":
        value = unguard(value)
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _raising(exc: Exception) -> Iterator[Any]:
    raise exc
    yield  # a generator that raises `exc` where _decoding can translate it


def _jsonl(name: str, text: io.TextIOWrapper) -> Iterator[tuple[int, Record]]:
    for number, line in enumerate(_decoding(name, iter(text)), 1):
        if not line.strip():
            continue
        try:
            record = parse_json(line, numbers=True)
        except json.JSONDecodeError as exc:
            problem = _("not JSON: {problem} at column {column}").format(
                problem=json_problem(exc), column=exc.colno
            )
            yield number, {"\x00error": problem}
            continue
        if not isinstance(record, dict):
            yield number, {"\x00error": _("not a JSON object")}
            continue
        yield number, record


def _json(name: str, text: io.TextIOWrapper) -> Iterator[tuple[int, Record]]:
    try:
        document = parse_json("".join(_decoding(name, iter(text))), numbers=True)
    except json.JSONDecodeError as exc:
        raise not_json(name, exc) from None
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list):
        raise InvalidInput(_("{name}: JSON input must be an array of objects").format(name=name))
    for number, record in enumerate(document, 1):
        if not isinstance(record, dict):
            yield number, {"\x00error": _("not a JSON object")}
        else:
            yield number, record


# What json says is wrong, said in the run's language (`Expecting value`: 此处应有一个值);
# a rarer reason stays as json says it.
_JSON_PROBLEMS = (
    N_("Expecting value"),
    N_("Extra data"),
    N_("Expecting ',' delimiter"),
    N_("Expecting ':' delimiter"),
    N_("Expecting property name enclosed in double quotes"),
    N_("Unterminated string starting at"),
    N_("Invalid control character at"),
    N_("Invalid \\escape"),
    N_("nested too deeply"),
)


def json_problem(exc: json.JSONDecodeError) -> str:
    """What is wrong where `exc` stopped, in the run's language where crm knows the words."""
    return _(exc.msg) if exc.msg in _JSON_PROBLEMS else exc.msg


def not_json(name: str, exc: json.JSONDecodeError) -> InvalidInput:
    """The refusal of the file `name`, which is not JSON where `exc` stopped."""
    return InvalidInput(
        _("{name} is not JSON: {problem} at line {line}, column {column}").format(
            name=name, problem=json_problem(exc), line=exc.lineno, column=exc.colno
        )
    )


def read_document(path: str) -> Any:
    """A whole JSON document from `path` or stdin (`crm import all`)."""
    binary, name, _size = _binary(path)
    with binary:
        data = binary.read()
    try:
        return parse_json(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidInput(_("{name} is not UTF-8 JSON").format(name=name)) from None
    except json.JSONDecodeError as exc:
        raise not_json(name, exc) from None
