"""vCard 3.0 and 4.0 in and out, with vobject, keeping what crm does not model.

Reading: the text is split into cards (BEGIN:VCARD ... END:VCARD) as it streams; each card is
parsed by vobject and turned into a record with crm's field names (name, phone, email,
company, title, address, city, region, country, birthday, notes, tags, gender, kind), which
`crm import customers` validates like any other row. The card itself is kept verbatim in
`customer_vcards` (the last one imported per customer).

Writing: a card is built from the database; when the customer came from a vCard, every
property crm does not model (X-WECHAT, PHOTO, UID, URL, IMPP, NICKNAME...) is copied from
the kept card, and a modelled one (TEL, EMAIL, ADR, ORG, N) keeps its parameters and extra
parts (TYPE=cell, the postal code, the department) when its value still matches. So a
contact exported from a phone comes back out with everything it had. vobject is imported
only here, and this module only for vCard input or output.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from crmcli.core import clock, validate
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import _

if TYPE_CHECKING:  # vCards load without the customers service
    from crmcli.records.customers import Customer

VERSIONS = ("3.0", "4.0")
MODELLED = {
    "version", "fn", "n", "tel", "email", "org", "title", "adr", "bday", "note",
    "categories", "gender", "x-gender", "kind", "prodid", "rev", "x-lunar-birthday",
    "x-crm-industry", "x-crm-company-size", "x-crm-source", "x-crm-preferred-channel",
    "x-crm-preferred-time", "x-crm-external-id", "x-crm-stage", "x-crm-cadence", "x-crm-field",
    "x-crm-referred-by", "x-crm-related",
}  # fmt: skip
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_GENDERS = {"m": "male", "f": "female", "o": "other", "male": "male", "female": "female"}
KEY = "\x00vcard"  # crmcli.transfer.importers.VCARD_KEY
CARD = "\x00card:"  # a card's UID as the id of its row (crmcli.transfer.importers)
# crm's fields that no vCard property holds, carried as X- properties (which address books
# keep or ignore) so that a card crm wrote brings them back; user-defined fields are
# `X-CRM-FIELD;X-KEY=name:value`.
CRM_PROPERTIES = {
    "industry": "x-crm-industry", "company_size": "x-crm-company-size", "source": "x-crm-source",
    "preferred_channel": "x-crm-preferred-channel", "preferred_time": "x-crm-preferred-time",
    "external_id": "x-crm-external-id", "stage": "x-crm-stage", "cadence_days": "x-crm-cadence",
}  # fmt: skip

# The vCard property each field of a card's record is read from (`card_record`), for a
# refusal to name what the file says (`BDAY`, not `birthday`); a user-defined field is an
# `X-CRM-FIELD`.
PROPERTIES = {
    "name": "FN", "phone": "TEL", "email": "EMAIL", "company": "ORG", "title": "TITLE",
    "address": "ADR", "city": "ADR", "region": "ADR", "country": "ADR", "postal_code": "ADR",
    "birthday": "BDAY", "birthday_lunar": "X-LUNAR-BIRTHDAY", "notes": "NOTE",
    "tags": "CATEGORIES", "gender": "GENDER", "kind": "KIND", "id": "UID",
    "referred_by": "X-CRM-REFERRED-BY", "related": "X-CRM-RELATED",
    **{name: prop.upper() for name, prop in CRM_PROPERTIES.items()},
}  # fmt: skip


def property_of(field: str) -> str:
    """The vCard property the record's `field` was read from (`birthday`: `BDAY`)."""
    if field.startswith("field:"):
        return f"X-CRM-FIELD;X-KEY={field[6:]}"
    return PROPERTIES.get(field, field.upper())


# BEGIN and END may carry a group name, as every other property may (`home.BEGIN:VCARD`).
_BEGIN = re.compile(r"(?i)(?:[a-z0-9-]+\.)?BEGIN:VCARD")
_END = re.compile(r"(?i)(?:[a-z0-9-]+\.)?END:VCARD")


def split_cards(text: Iterable[str]) -> Iterator[tuple[int, str | int | None]]:
    """(line number of BEGIN, the card's text) for each card, streamed line by line; a
    grouped BEGIN/END is written without its group. A card without its END:VCARD comes as
    (line of its BEGIN, the line of the next card's BEGIN), or None at the end of the file:
    never merged with the card after it."""
    lines: list[str] = []
    start = 0
    for number, line in enumerate(text, 1):
        stripped = line.strip()
        if lines and _BEGIN.fullmatch(stripped):  # the open card was never closed
            yield start, number
            lines = []
        if not lines:
            if _BEGIN.fullmatch(stripped):
                lines, start = ["BEGIN:VCARD\r\n"], number
            elif stripped:
                raise InvalidInput(
                    _("line {number} is outside any BEGIN:VCARD ... END:VCARD").format(
                        number=number
                    )
                )
            continue
        if _END.fullmatch(stripped):
            lines.append("END:VCARD\r\n")
            yield start, "".join(lines)
            lines = []
            continue
        lines.append(line)
    if lines:
        yield start, None


class CardPlace(int):
    """Where a card of a vCard file is: the line its BEGIN is on (its value, and `line`),
    and `card`, its number in the file (the first card is card 1). A refusal names both
    (`card 2 (line 9)`): a vCard file has cards, not the rows of a spreadsheet."""

    card: int
    line: int

    def __new__(cls, line: int, card: int) -> CardPlace:
        place = super().__new__(cls, line)
        place.line, place.card = line, card
        return place


class Cards:
    """The records of a stream of vCards (`read_cards`), and, once read, what of the cards
    crm does not import as fields, for the import's summary to say: `later`, each property
    of which crm keeps one (SINGLE) that a card gave again with another value, with the
    numbers of those cards; `aside`, the properties crm does not read, kept only in the
    stored card (which the vCard export writes again)."""

    def __init__(self, name: str, text: TextIO) -> None:
        self.name, self.text = name, text
        self.later: dict[str, list[int]] = {}
        self.aside: dict[str, None] = {}

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return read_cards(self.name, self.text, self)


def read_cards(
    name: str, text: TextIO, seen: Cards | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Records (crm field names) from a stream of vCards: sources.Record, open like any
    input file's records until the import maps them. `seen` hears what each card gives
    that crm does not import as a field (see Cards)."""
    import vobject

    for count, (line, card_text) in enumerate(split_cards(text), 1):
        number = CardPlace(line, count)
        if not isinstance(card_text, str):  # no END:VCARD: refused alone, as found
            reason = (
                _("it has no END:VCARD before the next card's BEGIN:VCARD at line {next}")
                if card_text
                else _("it has no END:VCARD before the end of the file")
            )
            yield number, {"\x00error": reason.format(next=card_text)}
            continue
        try:
            converted = from_version_21(card_text)
            card = vobject.readOne(converted, validate=False)
        except Exception:  # vobject raises several kinds (ParseError, binascii.Error...)
            # vobject's English (and its line numbers, which count the card's lines twice)
            # said again in crm's words, naming the file's line
            problem = card_fault(card_text, line)
            reason = (
                _("not a readable vCard")
                if problem is None
                else _("not a readable vCard: {problem}").format(problem=problem)
            )
            yield number, {"\x00error": reason}
            continue
        card_text = converted
        record = card_record(card)
        if seen is not None:
            for prop in later_values(card):
                seen.later.setdefault(prop, []).append(count)
            for prop in card.contents:
                if prop not in MODELLED and prop not in READ and prop not in _LABELS:
                    seen.aside.setdefault(prop.upper())
        version = _value(card, "version") or "3.0"
        record[KEY] = (version, _normalise_newlines(card_text))
        yield number, record


# vCard 2.1 (Android, old Nokia and Outlook) writes non-ASCII values as quoted-printable:
# `N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=BC=A0;...`, a long value broken by soft line
# breaks (a line ending in `=` goes on at the start of the next), a line break inside a value
# as `=0D=0A`.
_QP = re.compile(r"(?i);(?:ENCODING=)?QUOTED-PRINTABLE(?=[;:])")
_CHARSET = re.compile(r"(?i);CHARSET=([^;:]+)(?=[;:])")


_ENCODINGS = {"QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT"}
# 2.1's ENCODING=8BIT (and 7BIT) says the value is as written; vobject decodes the value of
# any ENCODING as base64 (`hello` refused, `abcd` read as three bytes), so it is dropped.
_PLAIN = re.compile(r"(?i);ENCODING=[78]BIT(?=[;:])")
# A base64 value: 3.0's ENCODING=b (RFC 2426), 2.1's ENCODING=BASE64 or bare BASE64 (which
# Apple wrote in 3.0 cards too).
_BASE64 = re.compile(r'(?i);(?:ENCODING="?(?:B|BASE64)"?|BASE64)(?=[;:])')
# A line of base64 alone: in 2.1 a base64 value goes on over the lines after it (indented,
# or by some phones not) and ends at an empty line.
_BASE64_LINE = re.compile(r"[A-Za-z0-9+/=]+")
# The properties `card_record` reads as text. A base64 value of one of them (Outlook's and
# some phones' NOTE, N, FN, ORG...) is decoded in its CHARSET; any other keeps its base64,
# for vobject to decode into bytes that crm never reads (PHOTO, LOGO, SOUND, KEY,
# X-MS-CARDPICTURE...) and the export to copy as it came.
READ = (MODELLED - {"version", "prodid", "rev"}) | {"uid", "x-abadr", "x-abshowas"}
_STRUCTURED = {"n", "adr", "org"}  # `;` between the parts
_LISTS = {"categories"}  # `,` between the values
# The properties whose value is one text (ORG: one text a part), where a comma is never a
# separator: vobject reads an unescaped one as the end of the value (`NOTE:Met in Paris,
# France` was the note `Met in Paris`, `FN:Tom, Jr.` the name `Tom`), and vCard 2.1 escapes
# none (its N and ADR parts are one text each too). TEL and EMAIL are left as vobject reads
# them: a comma in a phone is a dialling pause, and what comes after it no part of the number.
_ONE_TEXT = (READ - _STRUCTURED - _LISTS - {"tel", "email"}) | {"org"}
_ONE_TEXT_21 = _ONE_TEXT | {"n", "adr"}


def _named_parameters(head: str) -> str:
    """vCard 2.1's bare parameters named as 3.0 names them: `TEL;CELL;PREF` ->
    `TEL;TYPE=CELL;TYPE=PREF`, `;QUOTED-PRINTABLE` -> `;ENCODING=QUOTED-PRINTABLE`."""
    name, *params = head.split(";")
    named = [
        p if "=" in p else f"ENCODING={p}" if p.upper() in _ENCODINGS else f"TYPE={p}"
        for p in params
        if p
    ]
    return ";".join([name, *named])


def _property(head: str) -> str:
    """The property a line's head names, without its group and parameters, lower case:
    `item1.TEL;TYPE=CELL` -> `tel`."""
    return head.split(";", 1)[0].rsplit(".", 1)[-1].strip().lower()


def _goes_on(line: str) -> bool:
    """Whether `line` goes on with the base64 value of the line before it: folded (it
    starts with a space or a tab), or, as some 2.1 writers leave it, base64 alone."""
    if not line.strip():
        return False
    return line[:1] in (" ", "\t") or _BASE64_LINE.fullmatch(line.strip()) is not None


def base64_text(value: str, charset: str) -> str:
    """The text a base64 value holds: its bytes decoded in `charset` (a byte-order mark
    left out). Raises binascii.Error (not base64), LookupError (a charset Python does not
    know) or UnicodeError (bytes that are not `charset` text)."""
    import binascii

    data = binascii.a2b_base64("".join(value.split()).encode("ascii"))
    return data.decode(charset).removeprefix("\ufeff")


def _escaped(text: str, name: str) -> str:
    """Decoded text as the value of the property `name` in a 3.0 card, read back by vobject
    as it is: the parts of N, ADR and ORG still split at `;` and CATEGORIES at `,`; a comma
    inside a part, and `\\`, `;` and `,` in any other property, escaped; line breaks `\\n`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if name in _STRUCTURED:
        text = _commas(text)
    elif name not in _LISTS:
        text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\n", "\\n")


def _commas(value: str) -> str:
    """A value with its unescaped commas escaped: `Paris, France` -> `Paris\\, France`."""
    return re.sub(r"(?<!\\)((?:\\\\)*),", r"\1\\,", value)


def from_version_21(card: str) -> str:
    """A card as vCard 3.0 readers read it: for a 2.1 card, bare parameters named (see
    `_named_parameters`); for any card, quoted-printable values decoded to text and their
    soft line breaks joined, and the base64 values of the properties crm reads (`READ`)
    decoded to text in their CHARSET (UTF-8 when none), without the ENCODING and CHARSET
    parameters (a line break inside a value is written `\\n`, as in 3.0; see `_escaped`);
    any other base64 value, PHOTO's, folded as 3.0 folds it where a 2.1 writer wrote its
    lines unindented, up to the empty line that ends it; ENCODING=8BIT dropped (`_PLAIN`);
    and the unescaped commas of a value that is one text (`_ONE_TEXT`) escaped, its folded
    lines joined. Other lines are kept as they are. Raises ValueError for a value that does
    not decode (said by card_fault, with its line)."""
    import binascii
    import quopri

    is_21 = re.search(r"(?im)^VERSION:2\.1\s*$", card) is not None
    if (
        not is_21
        and not _QP.search(card)
        and not _BASE64.search(card)
        and not re.search(r"(?i);ENCODING=[78]BIT", card)
        and "," not in card
    ):
        return card
    one_text = _ONE_TEXT_21 if is_21 else _ONE_TEXT
    lines = card.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        head, colon, value = line.partition(":")
        starts = bool(colon) and not line[:1].isspace()  # a property, not a folded line
        charset = _charset(head)  # before a 2.1 card's CHARSET is left out
        if starts and is_21 and ";" in head:
            head = _named_parameters(head)
            if not _QP.search(head + ":"):  # CHARSET is no 3.0 parameter; the text is read
                head = _CHARSET.sub("", head + ":")[:-1]
            line = f"{head}:{value}"
        if starts and _PLAIN.search(head + ":"):
            head = _PLAIN.sub("", head + ":")[:-1]  # plain text, never to be decoded
            line = f"{head}:{value}"
        if colon and _QP.search(head + ":"):
            while value.endswith("=") and i + 1 < len(lines):
                i += 1
                value = value[:-1] + lines[i]
            try:
                text = quopri.decodestring(value.encode("ascii")).decode(charset)
            except (UnicodeError, LookupError) as exc:  # said by card_fault, with its line
                raise ValueError(head) from exc
            text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
            head = _CHARSET.sub("", _QP.sub("", head + ":"))[:-1]
            line = f"{head}:{_commas(text) if _property(head) in one_text else text}"
        elif starts and _BASE64.search(head + ":"):
            parts = [value]
            while i + 1 < len(lines) and _goes_on(lines[i + 1]):
                i += 1
                parts.append(lines[i].strip())
            name = _property(head)
            if name in READ:
                try:
                    text = base64_text("".join(parts), charset)
                except (binascii.Error, UnicodeError, LookupError) as exc:
                    raise ValueError(head) from exc
                head = _CHARSET.sub("", _BASE64.sub("", head + ":"))[:-1]
                line = f"{head}:{_escaped(text, name)}"
            else:
                line = "\r\n ".join([f"{head}:{value}", *parts[1:]])
        elif starts and _property(head) in one_text:
            while i + 1 < len(lines) and lines[i + 1][:1] in (" ", "\t"):
                i += 1
                value += lines[i][1:]  # unfolded as vobject unfolds it
            line = f"{head}:{_commas(value)}"
        out.append(line)
        i += 1
    return "\r\n".join(out) + "\r\n"


def _charset(head: str) -> str:
    """The CHARSET a property's parameters name (UTF-8 when none)."""
    found = _CHARSET.search(head + ":")
    return found.group(1).strip('"') if found else "UTF-8"


def _logical_lines(card: str, first: int) -> Iterator[tuple[int, int, str]]:
    """(the file's line number, that of its last line, the line) for each line of a card
    whose BEGIN is on the file's line `first`, as readers unfold them: a line starting with
    a space or a tab goes on from the one before it (RFC 6350 3.2), a quoted-printable value
    ending with `=` on the next line (vCard 2.1's soft line break), but for the card's
    END:VCARD, which ends it (a value left ending with `=`: card_fault); empty lines left
    out."""
    number, last, text = 0, 0, ""
    lines = re.split(r"\r\n|\r|\n", card.removesuffix("\r\n"))
    for offset, line in enumerate(lines):
        if text and line[:1] in (" ", "\t"):
            text += line[1:]
            last = first + offset
        elif (
            text
            and text.endswith("=")
            and _QP.search(text.partition(":")[0] + ":")
            and not (offset == len(lines) - 1 and _END.fullmatch(line.strip()))
        ):
            text = text[:-1] + line
            last = first + offset
        elif text and _BASE64.search(text.partition(":")[0] + ":") and _goes_on(line):
            text += line.strip()  # 2.1: base64 lines written unindented
            last = first + offset
        else:
            if text:
                yield number, last, text
            number, last, text = first + offset, first + offset, line
            if not line.strip():
                text = ""
    if text:
        yield number, last, text


def card_fault(card: str, first: int) -> str | None:
    """Why a card vobject cannot read is refused, in crm's words and the run's language,
    naming the file's line (the card's BEGIN is on line `first`): a line that is no
    property (`NAME:value`), a component inside the card ended out of order or not at all,
    a base64 or quoted-printable value that does not decode. Said from the card's text, as
    vobject's own English (`Failed to parse line`, `component wasn't closed`) says it with
    line numbers of its own. None for a card wrong in a way none of these names."""
    import binascii
    import quopri

    from vobject.base import line_re, parseParams

    opened: list[tuple[str, int]] = []  # BEGIN:X not yet ended, and its line
    for number, last, text in _logical_lines(card, first):
        found = line_re.match(text)
        if found is None:
            return _("line {line} is not a vCard property (NAME:value): {text!r}").format(
                line=number, text=text
            )
        name, value = found["name"].upper(), found["value"]
        params = parseParams(found["params"])
        # (compared with its colon, as written: a bare "BEGIN" reads as SQL to a scan of
        # the code for transactions, tests/test_store_write.py)
        if f"{name}:" == "BEGIN:":
            if number == first and value.upper() != "VCARD":  # a folded line went on from it
                return _(
                    "line {line} starts with a space or a tab, which makes it go on from "
                    "BEGIN:VCARD on line {begin}; write it without the space"
                ).format(line=first + 1, begin=first)
            opened.append((value.upper(), number))
        elif f"{name}:" == "END:":
            if opened and opened[-1][0] == value.upper():
                opened.pop()
            elif len(opened) > 1:
                inner, at = opened[-1]
                return _(
                    "line {line}: END:{end} comes before the END:{inner} of the BEGIN:{inner} "
                    "on line {begin}"
                ).format(line=number, end=value, inner=inner, begin=at)
            else:
                return _("line {line}: END:{end} ends nothing (no BEGIN:{end} before it)").format(
                    line=number, end=value
                )
        elif name == "PROFILE" and opened and value.upper() != opened[-1][0]:  # VCARD is it
            return _("line {line}: a PROFILE line has no place in a vCard").format(line=number)
        else:
            encodings = {str(p[0]).upper() for p in params if len(p) == 1}  # 2.1's bare BASE64
            for param in params:
                if str(param[0]).upper() == "ENCODING":
                    encodings |= {str(v).upper() for v in param[1:]}
            head = text[: len(text) - len(value) - 1]
            if encodings & {"B", "BASE64"}:
                try:
                    binascii.a2b_base64("".join(value.split()).encode("ascii"))
                except (binascii.Error, UnicodeError):
                    return _(
                        "line {line}: the {name} value is not base64, as its ENCODING says"
                    ).format(line=number, name=name)
                if name.lower() in READ:  # text, which crm reads: in its CHARSET
                    charset = _charset(head)
                    try:
                        base64_text(value, charset)
                    except LookupError:
                        return _unknown_charset(number, name, charset)
                    except UnicodeError:
                        return _("line {line}: the base64 {name} is not {charset} text").format(
                            line=number, name=name, charset=charset
                        )
            if _QP.search(head + ":"):
                if value.endswith("="):  # read on into END:VCARD, the card never ended
                    return _(
                        "line {line}: the quoted-printable {name} ends in a soft line break "
                        "(=) with nothing after it, so the card never ends (its END:VCARD is "
                        "read as part of the value)"
                    ).format(line=last, name=name)
                charset = _charset(head)
                try:
                    quopri.decodestring(value.encode("ascii")).decode(charset)
                except LookupError:
                    return _unknown_charset(number, name, charset)
                except UnicodeError:
                    return _(
                        "line {line}: the quoted-printable {name} is not {charset} text"
                    ).format(line=number, name=name, charset=charset)
    return None


def _unknown_charset(line: int, name: str, charset: str) -> str:
    return _(
        "line {line}: the {name} value is in CHARSET={charset}, a character set crm does not "
        "know; save the contacts again as UTF-8"
    ).format(line=line, name=name, charset=charset)


def _normalise_newlines(text: str) -> str:
    return "\r\n".join(text.splitlines()) + "\r\n"


def _value(card: Any, name: str) -> Any:
    item = card.contents.get(name)
    return item[0].value if item else None


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if v)
    return str(value or "").strip()


def _tel(value: Any, *, ext: bool = True) -> str:
    """A TEL value as a phone number: vCard 4.0 writes it as a URI (`tel:+86-138-0013-8000`,
    maybe with `;ext=12`), 3.0 as text. `ext=False`: the number without its extension."""
    text = _text(value)
    if text[:4].casefold() == "tel:":
        number = text[4:].split(";", 1)[0]
        found = _extension(text)
        text = f"{number} ext. {found}" if found and ext else number
    elif not ext:
        text = validate.without_extension(text)[0]
    return text.strip()


def _extension(value: Any) -> str | None:
    """The extension of a kept TEL value (`tel:...;ext=12`; in text as a phone's import
    reads one: `ext. 12`, `x12`, `#12`, `转12`, `分机 12`), or None."""
    text = _text(value)
    found = re.search(r"(?i);ext=(\d+)$", text)
    return found.group(1) if found else validate.without_extension(text)[1]


def card_record(card: Any) -> dict[str, Any]:
    """A parsed card as a record of crm field names (values still to be validated): an
    input record (sources.Record), mapped and checked by the import like a CSV row's."""
    record: dict[str, Any] = {}  # an input record (sources.Record)
    fn = _text(_value(card, "fn"))
    n = _value(card, "n")
    if fn:
        record["name"] = fn
    elif n is not None:
        parts = [_text(n.prefix), _text(n.given), _text(n.additional), _text(n.family)]
        if _CJK.search(_text(n.family) + _text(n.given)):
            record["name"] = _text(n.family) + _text(n.given)
        else:
            record["name"] = " ".join(p for p in parts[1:] if p)
    # The number alone: its extension stays in the kept card, which the export writes again.
    record["phone"] = [
        _tel(t.value, ext=False) for t in card.contents.get("tel", []) if _tel(t.value, ext=False)
    ]
    record["email"] = [_text(e.value) for e in card.contents.get("email", []) if _text(e.value)]
    org = _value(card, "org")
    if org:
        parts = org if isinstance(org, list) else [org]
        if parts and _text(parts[0]):
            record["company"] = _text(parts[0])
    title = _text(_value(card, "title"))
    if title:
        record["title"] = title
    adr = _value(card, "adr")
    if adr is not None and hasattr(adr, "street"):
        street = " ".join(_text(p) for p in (adr.box, adr.extended, adr.street) if _text(p))
        for target, part in (
            ("address", street),
            ("city", _text(adr.city)),
            ("region", _text(adr.region)),
            ("country", _text(adr.country)),
        ):
            if part:
                record[target] = part
        if _text(adr.code):  # the field Google's `Address 1 - Postal Code` fills
            record["postal_code"] = _text(adr.code)
        if "country" not in record:  # Apple: the country's code beside the address, `us`
            group = card.contents["adr"][0].group
            codes = [i for i in card.contents.get("x-abadr", []) if i.group == group]
            if codes and re.fullmatch(r"[A-Za-z]{2}", _text(codes[0].value)):
                record["country"] = _text(codes[0].value).upper()
    bday = card.contents.get("bday")
    birthday = _birthday(_text(bday[0].value)) if bday else None
    omitted = bday[0].params.get("X-APPLE-OMIT-YEAR", [""])[0] if bday else ""
    if birthday and omitted and birthday.startswith(omitted):  # Apple's 1604-05-13: no year
        digits = birthday[len(omitted) :].replace("-", "")
        birthday = f"--{digits[:2]}-{digits[2:]}"
    if birthday:
        record["birthday"] = birthday
    elif bday and _text(bday[0].value).strip():  # `today`, `3天前`, `2月29日`: not RFC 6350's
        # forms; the import refuses the row with the birthday's advice as a CSV's cell is,
        # never drops the birthday unsaid
        record["birthday"] = _text(bday[0].value).strip()
    lunar = _text(_value(card, "x-lunar-birthday"))
    if lunar:  # crm's own: the rule of a lunar birthday, beside its Gregorian BDAY
        record["birthday_lunar"] = lunar
    notes = [_text(item.value) for item in card.contents.get("note", [])]
    if any(notes):  # every NOTE, in order: the import joins them, one a line
        record["notes"] = [note for note in notes if note]
    tags = [
        tag
        for item in card.contents.get("categories", [])
        for tag in (item.value if isinstance(item.value, list) else [item.value])
    ]
    if tags:  # every CATEGORIES property's
        record["tags"] = tags
    gender = _text(_value(card, "gender") or _value(card, "x-gender")).split(";")[0].casefold()
    if gender in _GENDERS:
        record["gender"] = _GENDERS[gender]
    kind = _text(_value(card, "kind")).casefold()
    shown_as = _text(_value(card, "x-abshowas")).casefold()  # 3.0 (Apple): no KIND there
    if kind in ("org", "organization") or shown_as == "company":
        record["kind"] = "organisation"
    for name, prop in CRM_PROPERTIES.items():
        value = _text(_value(card, prop))
        if value:
            record[name] = value
    # The card's own UID, and other cards' by theirs: the import links them within the file.
    uid = _text(_value(card, "uid"))
    if uid:
        record["id"] = CARD + uid
    referrer = _text(_value(card, "x-crm-referred-by"))
    if referrer:
        record["referred_by"] = CARD + referrer
    related = [
        {
            "relation": item.params.get("X-RELATION", [""])[0],
            "name": _text(item.value) or None,
            "customer_id": CARD + item.params["X-UID"][0] if item.params.get("X-UID") else None,
        }
        for item in card.contents.get("x-crm-related", [])
        if item.params.get("X-RELATION")
    ]
    if related:
        record["related"] = related
    for item in card.contents.get("x-crm-field", []):
        key = item.params.get("X-KEY", [""])[0]
        if key and _text(item.value):
            record.setdefault(f"field:{key}", _text(item.value))  # the first (later_values)
    return record


# The properties of which a customer holds one value (the card's first is read): a card
# that gives one again with another value (a second TITLE, a work ADR beside the home one,
# 4.0's FN in another language) has it said by `later_values`, as a NOTE or a CATEGORIES
# given again is joined to the first, and a TEL or an EMAIL is one more phone or email.
SINGLE = (
    "fn", "org", "title", "adr", "bday", "x-lunar-birthday", "gender", "x-gender", "kind",
    *CRM_PROPERTIES.values(), "x-crm-referred-by",
)  # fmt: skip
# Apple's label of a grouped property (`item1.X-ABLabel:_$!<Mobile>!$_`): part of that
# property, kept with it in the card, no property of its own to say.
_LABELS = {"x-ablabel"}


def later_values(card: Any) -> list[str]:
    """The properties (as the file names them: `TITLE`, `X-CRM-FIELD;X-KEY=wechat`) that a
    parsed card gives more than once with another value than its first, of which
    card_record reads the first alone: the rest is not imported."""

    def same(value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    out = []
    for name in SINGLE:
        items = card.contents.get(name, [])
        if any(same(i.value) != same(items[0].value) for i in items[1:]):
            out.append(name.upper())
    fields: dict[str, Any] = {}
    for item in card.contents.get("x-crm-field", []):
        key = item.params.get("X-KEY", [""])[0]
        if key and _text(item.value):
            first = fields.setdefault(key, _text(item.value))
            if first != _text(item.value):
                out.append(property_of(f"field:{key}"))
    return list(dict.fromkeys(out))


def _birthday(bday: str) -> str | None:
    """The birthday a BDAY value gives, as `crm import` takes it: a date, or `--MM-DD` for
    one without a year (4.0's `--0715`; phones write `--07-15` in 3.0 cards too)."""
    yearless = re.fullmatch(r"--(\d\d)-?(\d\d)", bday)
    if yearless:
        return f"--{yearless.group(1)}-{yearless.group(2)}"
    if re.match(r"\d{4}", bday):
        return bday[:10] if "-" in bday[:10] else bday[:8]
    return None


def _bday(birthday: str, version: str) -> str:
    """A stored birthday as a BDAY value: 4.0 writes dates in RFC 6350's basic form
    (`19880229`, `--0715` without a year); 3.0 in ISO 8601's extended form (`1988-02-29`,
    `--07-15`), as phones write it."""
    if version == "3.0":
        return birthday
    if birthday.startswith("--"):
        return "--" + birthday[2:].replace("-", "")
    return birthday.replace("-", "")


def keep_card(
    conn: Any, customer_id: int, version: str, text: str, region: str | None = None
) -> bool:
    """Keep the imported card of a customer (replacing an older one); True if it changed.

    A card that is what `crm export customers --format vcard` writes for this customer now
    (our own export coming back) changes nothing: the kept card, which gives that very
    export, stays.
    """
    row = conn.execute(
        "SELECT card FROM customer_vcards WHERE customer_id = ?", (customer_id,)
    ).fetchone()
    if row is not None and (row[0] == text or _exported(conn, customer_id, row[0], version,
                                                        text, region)):  # fmt: skip
        return False
    conn.execute(
        "INSERT INTO customer_vcards (customer_id, version, card, imported_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (customer_id) DO UPDATE SET version = excluded.version, "
        "card = excluded.card, imported_at = excluded.imported_at",
        (customer_id, version[:10], text, clock.timestamp()),
    )
    return True


def _exported(
    conn: Any, customer_id: int, kept: str, version: str, text: str, region: str | None
) -> bool:
    """Whether `text` is the card crm exports for the customer from the `kept` card."""
    from crmcli.records import customers

    if version not in VERSIONS:
        return False
    record = customers.get_customer(conn, customer_id, reveal=False)
    return _lines(build_card(record, kept, version, region, card_uids(conn))) == _lines(text)


def _lines(card: str) -> list[str]:
    """A card's content lines, unfolded, without REV and PRODID (when it was written)."""
    lines = re.sub(r"\r?\n[ \t]", "", card).splitlines()
    return sorted(ln for ln in lines if ln.split(":", 1)[0].upper() not in ("REV", "PRODID"))


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _matching(kept: list[Any], value: str, key: Any) -> Any:
    for item in kept:
        if key(_text(item.value)) == key(value):
            return item
    return None


def _phone_key(value: Any, region: str | None, home: str | None) -> str:
    """A TEL value as crm stores it (E.164), read as the import read it (in the customer's
    country `home`, else `region`), so a kept `138 0013 8009` matches the stored
    +8613800138009; the digits when it is no valid number."""
    from crmcli.core import validate

    text = _tel(value, ext=False)
    try:
        return validate.phone(text, region, home=home)
    except InvalidInput:
        return _digits(text)


# The TEL type of a service number or short code (`10086`): not in RFC 6350, so an
# extension type, which other programs keep and ignore.
SERVICE_TYPE = "X-SERVICE"


def build_card(
    record: Customer,
    kept_text: str | None,
    version: str,
    region: str | None = None,
    uid_of: Callable[[int], str] | None = None,
) -> str:
    """One customer (a `customers.get_customer` record) as a vCard of `version`; `region`
    reads the kept card's local phone numbers as the import did; `uid_of` gives the UID of
    another customer's card (the referrer, related people)."""
    import vobject

    kept = None
    if kept_text:
        try:
            kept = vobject.readOne(kept_text, validate=False)
        except Exception:  # a kept card that no longer parses: write crm's fields only
            kept = None
    card = vobject.vCard()
    card.add("version").value = version
    old = kept.contents if kept is not None else {}
    raw = _raw_values(kept_text) if kept is not None and kept_text else {}
    for name, items in old.items():
        if name not in MODELLED:
            for index, item in enumerate(items):
                added = card.add(item)
                given = raw.get(name.upper(), [])
                if index < len(given):  # the value exactly as it came (see _raw_values)
                    added.value = given[index]
                    added.encoded = True
    if "uid" not in card.contents:  # another address book matches cards by UID
        card.add("uid").value = customer_uid(record)
    card.add("fn").value = record["name"]
    old_n = old.get("n", [])
    if old_n and _text(old["fn"][0].value if old.get("fn") else "") == record["name"]:
        card.add(old_n[0])
    else:
        card.add("n").value = _name(record["name"], record["kind"])
    if record["kind"] == "organisation":
        if version == "4.0":
            card.add("kind").value = "org"
        else:
            card.add("x-abshowas").value = "COMPANY"
    from crmcli.core.validate import country_region

    home = country_region(record["country"]) if old.get("tel") else None  # CLDR: if needed
    for phone in record["phones"]:
        match = _matching(old.get("tel", []), phone, lambda v: _phone_key(v, region, home))
        tel = card.add("tel")
        tel.value = phone
        extension = None
        if match is not None:
            tel.params = dict(match.params)
            tel.group = match.group
            extension = _extension(match.value)  # crm keeps the number, the card its ext.
        tel.params.pop("VALUE", None)
        if record["phone_kinds"].get(phone) == "service":  # digits of no country: text
            types = [t for t in tel.params.get("TYPE", []) if t.upper() != SERVICE_TYPE]
            tel.params["TYPE"] = [*types, SERVICE_TYPE]
        elif version == "4.0":  # RFC 6350 6.4.1: a tel: URI
            tel.value = f"tel:{phone}" + (f";ext={extension}" if extension else "")
            tel.params["VALUE"] = ["uri"]
            tel.encoded = True  # the URI's ; is not escaped
        elif extension:
            tel.value = f"{phone} ext. {extension}"
    for email in record["emails"]:
        match = _matching(old.get("email", []), email, str.casefold)
        item = card.add("email")
        item.value = email
        if match is not None:
            item.params = dict(match.params)
            item.group = match.group
        elif version == "3.0":
            item.type_param = "INTERNET"
    if record["company"]:
        old_org = old.get("org", [])
        first = old_org[0].value if old_org else None
        if first and _text(first[0] if isinstance(first, list) else first) == record["company"]:
            card.add(old_org[0])
        else:
            card.add("org").value = [record["company"]]
    if record["title"]:
        card.add("title").value = record["title"]
    _address(card, record, old.get("adr", []))
    old_bday = old.get("bday", [])
    if record["birthday"]:
        card.add("bday").value = _bday(record["birthday"], version)
    if record["birthday_lunar"]:  # other address books show BDAY; crm reads the rule back
        card.add("x-lunar-birthday").value = record["birthday_lunar"]
    elif old_bday and _birthday(_text(old_bday[0].value)) is None:
        card.add(old_bday[0])  # a BDAY crm could not read, kept as it came
    if record["notes"]:
        card.add("note").value = record["notes"]
    if record["tags"]:
        card.add("categories").value = list(record["tags"])
    if record["gender"]:
        letter = {"female": "F", "male": "M", "other": "O"}[record["gender"]]
        if version == "4.0":
            card.add("gender").value = letter
        else:
            card.add("x-gender").value = record["gender"].capitalize()
    _crm_properties(card, record, uid_of)
    card.add("rev").value = clock.now().astimezone().strftime("%Y%m%dT%H%M%SZ")
    _drop_orphans(card, old)
    for items in card.contents.values():
        for item in items:
            _fit(item, version)
    return _fold(card.serialize())


def _drop_orphans(card: Any, old: dict[str, list[Any]]) -> None:
    """Leave out the kept labels (`item2.X-ABADR`, `item1.X-ABLabel`) of a group whose
    modelled property (an address, a phone) changed and is now written without its group."""

    def groups(contents: dict[str, list[Any]]) -> set[str]:
        return {i.group for n in MODELLED for i in contents.get(n, []) if i.group}

    gone = groups(old) - groups(card.contents)
    for name in list(card.contents):
        kept = [i for i in card.contents[name] if i.group not in gone or name in MODELLED]
        if kept:
            card.contents[name] = kept
        else:
            del card.contents[name]


def _crm_properties(card: Any, record: Customer, uid_of: Callable[[int], str] | None) -> None:
    from crmcli.records.customers import describe_gap

    values = {name: record[name] for name in CRM_PROPERTIES}  # type: ignore[literal-required]
    if record["cadence_days"]:
        values["cadence_days"] = describe_gap(record["cadence_days"], record["cadence_max_days"])
    for name, prop in CRM_PROPERTIES.items():
        if values[name]:
            card.add(prop).value = str(values[name])
    for key, value in record["fields"].items():
        if key != "postal_code":  # written in ADR
            item = card.add("x-crm-field")
            item.value = value
            item.params["X-KEY"] = [key]
    # Other customers by the UID of their card: an import of the same file links them again.
    if record["referred_by"] and uid_of is not None:
        card.add("x-crm-referred-by").value = uid_of(record["referred_by"])
    for related in record["related"]:
        item = card.add("x-crm-related")
        item.value = related["name"] or ""
        item.params["X-RELATION"] = [related["relation"].replace('"', "'")]
        if related["customer_id"] and uid_of is not None:
            item.params["X-UID"] = [uid_of(related["customer_id"])]


# A UID for a customer that came from no card: the same for every export of that customer,
# different for customers of other databases (the creation time is part of it).
_UID_SPACE = uuid.UUID("5b0c8a52-52a4-4d9b-b4a6-0d6f3c1e9a17")


def customer_uid(record: Customer) -> str:
    key = f"{record['id']}/{record['created_at']}"
    return f"urn:uuid:{uuid.uuid5(_UID_SPACE, key)}"


def _fold(text: str) -> str:
    """Lines longer than 75 octets folded as RFC 6350 3.2 (and 2426) ask: vobject folds what
    it encodes, not a value copied as it came (a long PHOTO)."""
    out = []
    for line in text.split("\r\n"):
        while len(line.encode("utf-8")) > 75:
            cut = 75
            while len(line[:cut].encode("utf-8")) > 75:
                cut -= 1
            out.append(line[:cut])
            line = " " + line[cut:]
        out.append(line)
    return "\r\n".join(out)


def _raw_values(text: str) -> dict[str, list[str]]:
    """The values of a card's properties as written, by property name, in order.

    vobject decodes a value by what it knows of the property: an unescaped comma ends a
    text value (so a 4.0 `PHOTO:data:image/png;base64,...` would lose its data), and an
    unknown property's value might not come back byte for byte. Properties crm does not
    model are copied with these raw values instead.
    """
    out: dict[str, list[str]] = {}
    for line in re.sub(r"\r?\n[ \t]", "", text).splitlines():
        quoted = False
        for index, char in enumerate(line):
            if char == '"':
                quoted = not quoted
            elif char == ":" and not quoted:
                name = line[:index].split(";", 1)[0].rsplit(".", 1)[-1].upper()
                out.setdefault(name, []).append(line[index + 1 :])
                break
    return out


def _fit(item: Any, version: str) -> None:
    """Parameters of a kept property written the way `version` writes them.

    TYPE values are split (`TYPE="voice,home"` is two types); 3.0's `TYPE=pref` is 4.0's
    `PREF=1` and back; `INTERNET` (an email type of 3.0 only) is left out of 4.0; an inline
    PHOTO or LOGO is `ENCODING=b;TYPE=PNG` in 3.0 and a `data:` URI in 4.0.
    """
    params = item.params
    if not params and not (version == "3.0" and item.name in ("PHOTO", "LOGO")):
        return
    types = [
        part.strip().strip('"')
        for value in params.pop("TYPE", [])
        for part in str(value).split(",")
        if part.strip().strip('"')
    ]
    is_pref = any(t.casefold() == "pref" for t in types)
    types = [t for t in types if t.casefold() != "pref"]
    if version == "4.0":
        types = [t for t in types if t.casefold() != "internet"]
        if is_pref and "PREF" not in params:
            params["PREF"] = ["1"]
    elif params.pop("PREF", None) is not None or is_pref:
        types.append("pref")
    if item.name in ("PHOTO", "LOGO"):
        types = _inline_image(item, types, version)
    if types:
        params["TYPE"] = types


def _inline_image(item: Any, types: list[str], version: str) -> list[str]:
    """Convert an inline image between 3.0 (ENCODING=b, bytes) and 4.0 (a data: URI)."""
    import base64

    params = item.params
    value = item.value
    if isinstance(value, bytes):
        value = base64.b64encode(value).decode("ascii")
    if version == "4.0" and [v.casefold() for v in params.get("ENCODING", [])] in (
        ["b"],
        ["base64"],
    ):
        mime = f"image/{types[0].casefold()}" if types else "application/octet-stream"
        del params["ENCODING"]
        item.value = f"data:{mime};base64,{''.join(str(value).split())}"
        item.encoded = True  # written as it is: no escaping of ; and ,
        return []
    found = re.fullmatch(r"data:image/([\w.+-]+);base64,(.*)", str(value), re.DOTALL)
    if version == "3.0" and found:
        item.value = found.group(2)
        item.encoded = True
        params["ENCODING"] = ["b"]
        params.pop("VALUE", None)
        return [found.group(1).upper()]
    return types


def _name(name: str, kind: str) -> Any:
    import vobject

    if kind == "organisation":
        return vobject.vcard.Name(family=name)
    if _CJK.search(name) and " " not in name.strip() and len(name) <= 4:
        return vobject.vcard.Name(family=name[:1], given=name[1:])
    parts = name.split()
    if len(parts) == 1:
        return vobject.vcard.Name(given=name)
    return vobject.vcard.Name(family=parts[-1], given=" ".join(parts[:-1]))


def _address(card: Any, record: Customer, old: list[Any]) -> None:
    import vobject

    code = record["fields"].get("postal_code", "")
    parts = (record["address"], record["city"], record["region"], record["country"], code)
    if not any(parts):
        return
    for item in old:
        adr = item.value
        if not hasattr(adr, "street"):
            continue
        street = " ".join(_text(p) for p in (adr.box, adr.extended, adr.street) if _text(p))
        mine = tuple(p or "" for p in parts)
        theirs = (street, _text(adr.city), _text(adr.region), _text(adr.country), _text(adr.code))
        if mine == theirs:
            card.add(item)
            return
    card.add("adr").value = vobject.vcard.Address(
        street=record["address"] or "",
        city=record["city"] or "",
        region=record["region"] or "",
        country=record["country"] or "",
        code=code,
    )


def card_uids(conn: Any) -> Callable[[int], str]:
    """The UID each customer's card has in an export: the kept card's own, else the one
    `customer_uid` makes."""
    import functools

    @functools.lru_cache(maxsize=4096)
    def uid_of(customer_id: int) -> str:
        row = conn.execute(
            "SELECT c.id, c.created_at, v.card FROM customers c LEFT JOIN customer_vcards v "
            "ON v.customer_id = c.id WHERE c.id = ?",
            (customer_id,),
        ).fetchone()
        found = re.search(r"(?im)^(?:[\w-]+\.)?UID(?:;[^:\r\n]*)?:(.*?)\r?$", row[2] or "")
        if found:
            return found.group(1).strip()
        return customer_uid({"id": row[0], "created_at": row[1]})  # type: ignore[typeddict-item]

    return uid_of


def write_cards(conn: Any, ids: Iterable[int], out: TextIO, version: str) -> int:
    """Write the customers `ids` as vCards; returns how many."""
    from crmcli.records import customers
    from crmcli.records.config import get_setting

    if version not in VERSIONS:
        raise InvalidInput(
            _("vCard version must be one of: {versions}").format(versions=_(", ").join(VERSIONS))
        )
    region = get_setting(conn, "default_region")
    uid_of = card_uids(conn)
    count = 0
    for customer_id in ids:
        record = customers.get_customer(conn, customer_id, reveal=False)
        row = conn.execute(
            "SELECT card FROM customer_vcards WHERE customer_id = ?", (customer_id,)
        ).fetchone()
        text = build_card(record, row[0] if row else None, version, region, uid_of)
        out.write(text)
        count += 1
    return count
