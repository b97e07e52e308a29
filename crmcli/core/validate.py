"""Validation of customer field values: user text in, clean stored values out.

Every rejection raises InvalidInput with one line naming the field and how to fix it.
Emails are checked for syntax with email-validator (no network); phones are parsed with
phonenumbers and stored in E.164; mainland national ID numbers are checked against
GB 11643 (length, region code, date, check digit). Heavy libraries are imported only when used.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date
from typing import Any

from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, _, region_name

MAX_TEXT = 500
# A name one types back as a word (a tag, a saved segment, a festival of one's own): short
# enough to type and to show in a list.
MAX_NAME = 64
MAX_NOTES = 100_000
# Patterns are kept as strings: `re` compiles each on first use (start-up compiles none).
_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"  # C0, DEL and C1 (U+0085 breaks a line)
_CONTROL_LINE = r"[\x00-\x1f\x7f-\x9f\u2028\u2029]"  # and the line and paragraph separators
# Invisible characters that hide or reorder text shown in a table (`\u202eEvil` reads
# backwards): the bidirectional embedding, override and isolate controls, zero-width
# space, word joiner and byte-order mark. ZWJ and ZWNJ (U+200D, U+200C) are not among
# them: emoji sequences and Indic and Persian spelling need them.
_INVISIBLE = "[\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]"

KINDS = {
    "person": "person",
    "individual": "person",
    "organisation": "organisation",
    "organization": "organisation",
    "org": "organisation",
    "company": "organisation",
}
GENDERS = {
    "f": "female",
    "female": "female",
    "woman": "female",
    "m": "male",
    "male": "male",
    "man": "male",
    "other": "other",
    "x": "other",
}
_FIELD_KEY = r"[^\W\d][\w.\-]{0,63}"


def fold(text: str) -> str:
    """Case-, accent- and width-insensitive form of `text`, for matching names."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


# The names of the free-text values `text` checks, for the catalog: its refusals name the
# value in the run's language (`festival name cannot be empty` is `节日名称不能为空`).
_FIELD_NAMES = (
    N_("order"), N_("note"), N_("item"), N_("text"), N_("relation"), N_("related name"),
    N_("notes"), N_("name"), N_("task text"), N_("tag"), N_("sku"), N_("segment name"),
    N_("related"), N_("reason"), N_("payment"), N_("outcome"), N_("label"),
    N_("festival name"), N_("external_id"), N_("comment"), N_("channel"), N_("category"),
    N_("action"), N_("product name"),
)  # fmt: skip


def text(field: str, value: str, *, multiline: bool = False) -> str:
    """A trimmed single-line (or, for notes, multi-line) text value: the one check of every
    free-text value crm stores. Refused (InvalidInput): empty, or nothing visible in it but
    format characters (`\u200d` alone); control characters (a newline, outside notes);
    invisible characters that hide or reorder text (`_INVISIBLE`); over the length limit."""
    clean = value.strip()
    limit = MAX_NOTES if multiline else MAX_TEXT
    if clean.isprintable() and clean and len(clean) <= limit:
        # Nothing below refuses it: control, invisible and format characters and the
        # line separators are none of them printable, and a stripped text starts with a
        # printable character that is no space (a third of the CPU of the checks below).
        return clean
    if not any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in clean):
        raise InvalidInput(_("{field} cannot be empty").format(field=_(field)))
    pattern = _CONTROL if multiline else _CONTROL_LINE
    if re.search(pattern, clean):
        raise InvalidInput(_("{field} contains control characters").format(field=_(field)))
    hidden = re.search(_INVISIBLE, clean)
    if hidden:
        raise InvalidInput(
            _(
                "{field} contains the invisible character U+{value:04X}, which can hide "
                "or reorder text; remove it"
            ).format(field=_(field), value=ord(hidden[0]))
        )
    if len(clean) > limit:
        raise InvalidInput(
            _("{field} is longer than {limit} characters").format(field=_(field), limit=limit)
        )
    return clean


def choice(field: str, value: str, table: dict[str, str]) -> str:
    """The stored key `value` stands for in `table` (typed word -> key), or the word a
    table shows for one of its keys in any language (`电话` is `call`, crmcli.core.vocabulary
    `understood`); InvalidInput listing the keys otherwise. Full-width letters read as
    their half-width forms (`ＯＲＧ` is `org`), case ignored."""
    key = unicodedata.normalize("NFKC", value).strip().casefold()
    if key not in table:
        from crmcli.core.vocabulary import glossed, understood

        said = understood(field, value)
        if said in table.values():
            return said  # type: ignore[return-value]
        allowed = glossed(field, sorted(set(table.values())))
        raise InvalidInput(
            _("{field} must be one of: {allowed} (got {value!r})").format(
                field=_(field), allowed=allowed, value=value
            )
        )
    return table[key]


def email(value: str) -> tuple[str, str]:
    """(normalised email, matching key); raises InvalidInput for a bad address."""
    plain = plain_email(value)
    if plain is not None:
        return plain, plain.casefold()
    from email_validator import EmailNotValidError, validate_email

    from crmcli.core import email_reasons

    raw = unicodedata.normalize("NFKC", value).strip()  # ｚｗ@example.com is zw@example.com
    try:
        result = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as exc:
        reason = email_reasons.said(str(exc))
        raise InvalidInput(_("invalid email {raw!r}: {exc}").format(raw=raw, exc=reason)) from None
    return result.normalized, result.normalized.casefold()


# An address of ASCII letters, digits and the few marks most addresses have, at a domain
# of plain labels (no `--` anywhere, so no Punycode) under a TLD of letters.
_PLAIN_EMAIL = (
    r"([A-Za-z0-9_+\-]+(?:\.[A-Za-z0-9_+\-]+)*)"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)


def plain_email(value: str) -> str | None:
    """The address email-validator normalises `value` to (its domain lower-cased), found
    without it for the plain addresses nearly every file holds (`Li.Na+crm@Example.com`);
    None for anything else, which `email` hands to email-validator. Exactly its verdict:
    what it refuses or changes of such addresses (a special-use domain such as `.test` or
    `.local`, a role name it lower-cases such as `Info@`, an address over 254 characters)
    is left to it too."""
    if not value.isascii():
        return None
    raw = value.strip()  # NFKC leaves ASCII as it is
    found = re.fullmatch(_PLAIN_EMAIL, raw)
    if found is None or len(raw) > 254:
        return None
    local, domain = found[1], found[2].lower()
    if local.lower() in EMAIL_ROLES or "--" in domain:
        return None
    if domain.rpartition(".")[2] in EMAIL_SPECIAL_USE:  # all of one label
        return None
    return f"{local}@{domain}"


# What email-validator refuses or changes in an address `plain_email` would otherwise read,
# as in its version installed (SPECIAL_USE_DOMAIN_NAMES, CASE_INSENSITIVE_MAILBOX_NAMES;
# tests/test_emails.py compares them): the special-use domains, and the mailbox names it
# lower-cases (`Info@`). Copied, not imported: importing it costs 25 ms of a command.
EMAIL_SPECIAL_USE = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})
EMAIL_ROLES = frozenset({
    "info", "marketing", "sales", "support", "abuse", "noc", "security", "postmaster",
    "hostmaster", "usenet", "news", "webmaster", "www", "uucp", "ftp",
})  # fmt: skip


class PhoneAside(InvalidInput):
    """A phone refused for what belongs beside the number, not in it: an extension, words
    after it, a short number of another country. `message` says where to put that with the
    options of `crm add` and `crm edit` (--notes, --field); `in_file` says it for an import,
    where those options mean nothing, with the file's own place for it: its notes column
    and a column of a user-defined field (a vCard's NOTE and X-CRM-FIELD)."""

    def __init__(self, said: str, in_file: str, **values: Any) -> None:
        self.file, self.values = in_file, values
        super().__init__(said.format(**values))

    def in_file(self, notes: str, field: str) -> str:
        """The refusal for an import: `notes` names where the file's notes go (`column 备注`),
        `field` a column that makes a user-defined field (`a column headed field:分机`)."""
        return self.file.format(**self.values, notes=notes, field=field)


def phone(value: str, region: str | None, *, home: str | None = None) -> str:
    """A phone number as crm stores it: E.164 (`+8613800138000`), or for a service number
    or short code valid in the region read (`10086`, `95555`, `110`) its digits.

    A number without `+` is read in `home` (the customer's own region, see
    `country_region`), else in `region` (default_region); a short number with `+` is kept
    only when it is one of that region. A number that is not valid there
    but is in the other of the two, or with a `+` put in front of it, is refused with a
    hint rather than stored under the wrong country (InvalidInput); so is any other
    invalid number, and a national number when neither region is known.
    """
    raw = value.strip()
    usual = usual_phone(raw, home or region)
    if usual is not None:
        return usual
    import phonenumbers
    from phonenumbers import shortnumberinfo

    if not raw or re.search(_CONTROL_LINE, raw):
        raise InvalidInput(_("invalid phone {value!r}").format(value=value))
    if re.search(r"[;,，；]", raw):
        raise InvalidInput(
            _("invalid phone {raw!r}: one number per phone (give each its own)").format(raw=raw)
        )
    if re.fullmatch(r"\+?\d(?:\.\d+)?[eE]\+?\d{1,2}", raw):  # 1.39123E+10: Excel's
        raise InvalidInput(
            _(
                "invalid phone {raw!r}: a spreadsheet wrote the number in scientific notation, "
                "and its last digits are lost; format the column as text, type the numbers "
                "again and save the file once more"
            ).format(raw=raw)
        )
    typed = unicodedata.normalize("NFKC", raw)  # ｅｘｔ, 转：110 as an input method types them
    if re.fullmatch(_EXTENSION_ONLY, typed, re.IGNORECASE):  # phonenumbers drops the word
        raise PhoneAside(
            _(
                "phone {raw!r} is an extension alone: give the customer's number, and the "
                "extension in --notes or a --field"
            ),
            _(
                "phone {raw!r} is an extension alone: write the customer's number there, and "
                "the extension in {notes} or in {field}"
            ),
            raw=raw,
        )
    letters = _letters_in_number(typed)
    if letters:
        note = _words_after(typed, region, home)
        if note is not None:  # `13800138000 微信同号`: a whole number, then a note
            raise PhoneAside(
                _(
                    "invalid phone {raw!r}: words after the number ({words}); give the number "
                    "alone, and the words in --notes"
                ),
                _(
                    "invalid phone {raw!r}: words after the number ({words}); write the number "
                    "alone, and the words in {notes}"
                ),
                raw=raw,
                words=note,
            )
        raise InvalidInput(_letters_said(raw, letters))
    lookalikes = [ch for ch in typed if not ch.isspace() and ch not in "-.()"]
    if lookalikes and all(ch in _LOOKALIKE for ch in lookalikes):  # `O`, `〇`, `l`: no digit
        raise InvalidInput(_letters_said(raw, lookalikes))
    if not re.search(r"\d", typed):  # `😀`, `-`, `+`: no number in any region, no advice
        raise InvalidInput(
            _("phone {raw!r} is not a phone number: it has no digits").format(raw=raw)
        )
    used = home or region
    international = raw.startswith(("+", "\uff0b"))
    code = service_code(raw)
    if code is not None and not international:
        number = _parse_phone(raw, used) if used else None
        if number is None or not phonenumbers.is_valid_number(number):
            return code
    if not used and not international:
        raise InvalidInput(
            _(
                "invalid phone {raw!r} (no default region: start with +country code, or "
                "run 'crm config set default_region CN')"
            ).format(raw=raw)
        )
    number = _parse_phone(raw, used)
    marked = re.fullmatch(_EXTENSION_AFTER, typed, re.IGNORECASE)
    extension = marked[1] if marked else number is not None and number.extension
    if extension:
        raise PhoneAside(
            _(
                "phone {raw!r} has an extension ({extension}), which crm does not keep: "
                "give the number alone, and the extension in --notes or a --field"
            ),
            _(
                "phone {raw!r} has an extension ({extension}), which crm does not keep in a "
                "phone: write the number alone, and the extension in {notes} or in {field}"
            ),
            raw=raw,
            extension=extension,
        )
    if number is not None and phonenumbers.is_valid_number(number):
        stored = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        digits = phonenumbers.normalize_digits_only(typed)
        code = str(number.country_code)
        national = stored[1 + len(code) :]
        if international:  # `+11 212 555 0134` read as +1 212...: a typed digit dropped
            kept = digits in (stored[1:], f"{code}0{national}")  # `+44 (0)20`, `+86 0571`
        else:  # `11 (212) 555-0134` read as (212) 555-0134: the same
            metadata = phonenumbers.PhoneMetadata.metadata_for_region(used or "")
            trunk = getattr(metadata, "national_prefix", None) or ""  # 0 in CN, 1 in US
            before = digits[: len(digits) - len(national)] if digits.endswith(national) else None
            kept = before in ("", trunk, code, f"{code}0", f"00{code}", f"011{code}") or (
                digits  # as the country writes it (Argentina's `011 15-2345-6789`)
                == phonenumbers.normalize_digits_only(
                    phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
                )
            )
        if not kept:
            raise InvalidInput(_("invalid phone {raw!r}: not a valid number").format(raw=raw))
        return stored
    # A short number is dialled without a country code, in its own region only, and kept
    # without one: only the region it is read in may have it (`+86 95555` read in CN), or
    # `+1 555 123` would be kept as a service number of China.
    short = number is not None and used is not None
    short = short and shortnumberinfo.is_valid_short_number_for_region(number, used)
    if short and international:
        short = number.country_code == phonenumbers.country_code_for_region(used)
    if short:
        return phonenumbers.national_significant_number(number)
    if international and used and number and shortnumberinfo.is_valid_short_number(number):
        raise PhoneAside(
            _(
                "invalid phone {raw!r}: a short number, dialled only inside its own country; "
                "crm keeps short numbers of {used} only: give the customer's full number, or "
                "keep it in --notes"
            ),
            _(
                "invalid phone {raw!r}: a short number, dialled only inside its own country; "
                "crm keeps short numbers of {used} only: write the customer's full number, or "
                "keep it in {notes}"
            ),
            raw=raw,
            used=region_name(used),
        )
    if international:
        national = phonenumbers.national_significant_number(number) if number else ""
        mobile = number and number.country_code == 86 and re.fullmatch(r"1\d{10}", national)
        if mobile and not _mobile_prefix(national[:3]):  # `+86 140 ...`, as `140...` is
            raise InvalidInput(
                _(
                    "invalid phone {raw!r}: not a valid {used} mobile number: none begins "
                    "with {prefix}; check the digits"
                ).format(raw=raw, used=region_name("CN"), prefix=national[:3])
            )
        raise InvalidInput(_("invalid phone {raw!r}: not a valid number").format(raw=raw))
    hint = "" if home else _("; give the customer's country, or type it with +country code")
    digits = phonenumbers.normalize_digits_only(raw)
    if used == "CN" and re.fullmatch(r"1\d{10}", digits):
        # 11 digits from 1 is what a Chinese mobile number looks like: one mistyped, not a
        # number of the US with its country code (whose hint it would get below)
        if not _mobile_prefix(digits[:3]):  # 140, 123: what to check is China's, no country
            raise InvalidInput(
                _(
                    "invalid phone {raw!r}: not a valid {used} mobile number: none begins "
                    "with {prefix}; check the digits"
                ).format(raw=raw, used=region_name(used), prefix=digits[:3])
            )
        raise InvalidInput(
            _(
                "invalid phone {raw!r}: not a valid {used} mobile number; check the digits{hint}"
            ).format(raw=raw, used=region_name(used), hint=hint)
        )
    # What the user may have meant: the number read in default_region (when the
    # customer's country was used), or the digits as an international number.
    meant = [(raw, region)] if region != used else []
    meant.append((f"+{phonenumbers.normalize_digits_only(raw)}", None))
    for text, other in meant:
        found = _parse_phone(text, other)
        if found is None or not phonenumbers.is_valid_number(found):
            continue
        typed = phonenumbers.format_number(found, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        where = phonenumbers.region_code_for_number(found)
        raise InvalidInput(
            _(
                "phone {raw!r} is not a valid {used} number; it is valid in {where}: "
                "type {typed} or give the customer's country as {code}"
            ).format(
                raw=raw, used=region_name(used), where=region_name(where), typed=typed, code=where
            )
        )
    if used == "CN":  # a Chinese number mistyped, not one of another country
        said = _mistyped_in_china(raw, phonenumbers.normalize_digits_only(raw))
        if said is not None:
            raise InvalidInput(said)
    raise InvalidInput(
        _("invalid phone {raw!r}: not a valid {used} number{hint}").format(
            raw=raw, used=region_name(used), hint=hint
        )
    )


# Letters typed for the digits they look like: O for 0 (a full-width Ｏ is read as O), I
# and l for 1, and 〇, the Chinese numeral zero.
_LOOKALIKE = {"O": "0", "o": "0", "〇": "0", "I": "1", "l": "1"}
# What may follow a number as its extension (which `phone` refuses with its own advice):
# ext, extn, extension, x, #, ~, 转, 分机, with what people put around them.
_EXTENSION_TAIL = (
    r"\s*[,;]?\s*[(\[〔【]?(?:ext(?:n|ension)?\.?|x|#|~|转|轉|分机号?|分機號?|内线|內線)[)\]〕】]?"
    r"[\s:=\-#.]*[(\[〔【]?\s*\d{1,8}\s*[)\]〕】]?\s*[)\]〕】]?\s*$"
)


def without_extension(typed: str) -> tuple[str, str | None]:
    """A phone as written (`010-6234 5678 转123`, `... ext. 12`, `x12`, `#12`, `分机：12`)
    split at the extension after its number: the number, and the extension's digits (None
    when there is none), read NFKC as `phone` reads it (`分机：12`). What `phone` refuses as
    an extension is what this splits off."""
    typed = unicodedata.normalize("NFKC", typed)
    found = re.search(_EXTENSION_TAIL, typed, re.IGNORECASE)
    if found is None or not typed[: found.start()].strip():
        return typed, None
    return typed[: found.start()].rstrip(), re.findall(r"\d+", found.group())[-1]


def _letters_in_number(typed: str) -> list[str]:
    """The letters in the number `typed` (read NFKC) holds, as the words they make, in
    order and once each: any letter after its first digit (or its `+`), and the letters
    that look like digits (O, l) standing right before it (`O10-8888 8888`); not an
    extension after it (`ext 12`, `转 12`, refused as one), nor a word before the number
    (`Tel:`, `手机：`), which phonenumbers skips. phonenumbers reads three letters or more
    as a keypad's digits (`138OO138OOO` is +86 138 6613 8666) and drops fewer (`1380013800O`
    would be a digit short): either way the number stored would not be the one typed."""
    first = re.search(r"[+\d]", typed)
    if first is None:
        return []
    start = first.start()
    while start and typed[start - 1] in _LOOKALIKE:  # `O10...`, not the l of `Tel13...`
        start -= 1
    if start and typed[start - 1].isalpha() and typed[start] in _LOOKALIKE:
        start = first.start()  # a word glued to the number (`Tel13800138000`): a label
    number = re.sub(_EXTENSION_TAIL, "", typed[start:], flags=re.IGNORECASE)
    found = re.findall(r"(?:(?!\d)[\w〇])+", number)  # words: `mobile`, `手机`, `O`
    return list(dict.fromkeys(w for w in found if not w.isdecimal() and w != "_"))


def _words_after(typed: str, region: str | None, home: str | None) -> str | None:
    """The words after a whole number (`13800138000 微信同号`, `13800138000(手机)`): a note
    put in the phone's cell, said as one; None when the part before the first word is no
    valid number on its own (`138OO138OOO`: letters among the digits)."""
    begin = re.search(r"[+\d]", typed)
    word = begin and re.search(r"(?:(?!\d)[\w〇])+", typed[begin.start() :])
    if not begin or not word:
        return None
    cut = begin.start() + word.start()
    before = typed[:cut].rstrip(" \t-–—:：,，(（[【〔")
    if not re.search(r"\d", before):
        return None
    if all(ch in _LOOKALIKE for ch in word[0]):  # `138OO138OOO`: O typed for 0
        return None
    try:
        whole = phone(before, region, home=home)
    except InvalidInput:
        return None
    if not whole.startswith("+"):  # a service number (`138`) is no whole phone before words
        return None
    after = typed[cut:].strip().strip(")）]】〕").strip()
    return after or None


def _letters_said(raw: str, letters: list[str]) -> str:
    """The refusal of a phone with `letters` (words) among its digits: the digit each
    letter looks like when all do (`did you mean 0?`), else the words, as no phone holds
    them."""
    chars = list(dict.fromkeys("".join(letters)))
    if all(ch in _LOOKALIKE for ch in chars):
        meant = _(", ").join(_LOOKALIKE[ch] for ch in chars)
        if len(chars) == 1:
            return _(
                "invalid phone {raw!r}: {letter!r} is not a digit; did you mean {digit}?"
            ).format(raw=raw, letter=chars[0], digit=meant)
        return _(
            "invalid phone {raw!r}: the letters {letters} are not digits; did you mean {digits}?"
        ).format(raw=raw, letters=_(", ").join(chars), digits=meant)
    return _(
        "invalid phone {raw!r}: it has letters among its digits ({letters}); type the number "
        "in digits (crm does not read letters as the digits of a phone keypad)"
    ).format(raw=raw, letters=_(", ").join(letters))


def _mistyped_in_china(raw: str, digits: str) -> str | None:
    """What is wrong with `raw` (its `digits`), a number invalid in China that has the
    shape of one of its own: a mobile number (from 1) a digit short or over its 11 (or
    more), or a
    landline number (from 0: an area code, 010 and 02X of three digits, any other of four,
    then the local number) whose local number is a digit short or over what the area uses,
    or neither (then what one looks like); None for any other number, whose advice is a
    country code."""
    if re.fullmatch(r"1\d{9}", digits):
        return _(
            "invalid phone {raw!r}: one digit short: a mobile number in China has 11 digits, "
            "this one 10; check the digits"
        ).format(raw=raw)
    if re.fullmatch(r"1\d{11}", digits):
        return _(
            "invalid phone {raw!r}: one digit too many: a mobile number in China has 11 digits, "
            "this one 12; check the digits"
        ).format(raw=raw)
    if re.fullmatch(r"1\d{6,8}|1\d{12,15}", digits):
        return _(
            "invalid phone {raw!r}: a mobile number in China has 11 digits, this one {count}; "
            "check the digits"
        ).format(raw=raw, count=len(digits))
    if not re.fullmatch(r"0[1-9]\d{5,11}", digits):
        return None
    area = digits[:3] if digits[1] in "12" else digits[:4]
    if not _real_area(area):  # 0852 (Hong Kong typed with 0), 013... (a mobile's leading 0)
        if re.fullmatch(r"01[3-9]\d{5,14}", digits):  # 0 + 11 digits is a valid number
            return _(
                "invalid phone {raw!r}: a mobile number in China is 11 digits from 1, with no 0 "
                "before them; this one has {count} after its 0; check the digits"
            ).format(raw=raw, count=len(digits) - 1)
        return None
    local = digits[len(area) :]
    for want, typed in ((len(local) + 1, digits + "0"), (len(local) - 1, digits[:-1])):
        if want in (7, 8) and _area_code(_parse_phone(typed, "CN")) == area:
            said = (
                _(
                    "invalid phone {raw!r}: one digit short: after the area code {area} a "
                    "landline number has {want} digits, this one {count}; check the digits"
                )
                if want > len(local)
                else _(
                    "invalid phone {raw!r}: one digit too many: after the area code {area} a "
                    "landline number has {want} digits, this one {count}; check the digits"
                )
            )
            return said.format(raw=raw, area=area, want=want, count=len(local))
    return _(
        "invalid phone {raw!r}: not a landline number in China, which is an area code (010, "
        "021, 0571...) and a local number of 7 or 8 digits; check the area code and the digits"
    ).format(raw=raw)


@functools.lru_cache(maxsize=128)
def _mobile_prefix(prefix: str) -> bool:
    """Whether some mobile number of China (11 digits, phonenumbers' pattern) begins with
    the three digits `prefix` (`138` does, `140` and `123` not)."""
    pattern = _usual_patterns("CN")[2]
    return any(
        pattern.fullmatch(f"{prefix}{a}{b}{fill * 6}")
        for a in "0123456789"
        for b in "0123456789"
        for fill in "05"
    )


def _area_code(number: Any) -> str | None:
    """The area code (`0571`) of a valid landline number of China, as typed with its 0;
    None for any other number or none."""
    import phonenumbers

    if number is None or not _valid(number) or number.country_code != 86:
        return None
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        return None
    length = phonenumbers.length_of_geographical_area_code(number)
    national = phonenumbers.national_significant_number(number)
    return "0" + national[:length] if length else None


@functools.lru_cache(maxsize=64)
def _real_area(area: str) -> bool:
    """Whether `area` (`0571`, with its 0) is an area code of mainland China, as
    phonenumbers' metadata knows them: some local number of 7 or 8 digits after it is a
    valid landline number with that area code."""
    return any(
        _area_code(_parse_phone(area + first + "0" * (length - 1), "CN")) == area
        or _area_code(_parse_phone(area + first * length, "CN")) == area
        for length in (7, 8)
        for first in "23456789"
    )


def _valid(number: Any) -> bool:
    import phonenumbers

    return bool(phonenumbers.is_valid_number(number))


# Numbers as most files hold them, read without parsing: a mainland mobile number (11
# digits from 1, maybe after +86, maybe split by single spaces or hyphens: `+86 138-0013-8000`)
# and a US one (`(212) 555-0134`, `+1 212.555.0134`). The first group is the country code.
_USUAL = (
    ("CN", r"(\+86[ \-]?)?(1(?:[ \-]?[0-9]){10})"),
    ("US", r"(\+1[ \-.]?)?(\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[ \-.]?)[0-9]{3}[ \-.]?[0-9]{4}"),
)


@functools.lru_cache(maxsize=1)
def _usual_shapes() -> tuple[tuple[tuple[str, re.Pattern[str]], ...], re.Pattern[str]]:
    """_USUAL compiled, and what is not a digit: on first use, not when crm starts (0.3 ms);
    looking the patterns up in re's cache at every phone was a quarter of `usual_phone`."""
    return tuple((r, re.compile(shape)) for r, shape in _USUAL), re.compile(r"[^0-9]")


def usual_phone(raw: str, used: str | None) -> str | None:
    """The E.164 form phonenumbers gives `raw` (stripped, read in `used` when it has no
    country code) when it is shaped as one of _USUAL and phonenumbers' own patterns for that
    country call its digits a mobile number (China) or a fixed-line or mobile one (the US:
    the first region of +1, so its numbers are valid as they are); found without parsing it.
    None for anything else, which `phone` parses. No such number begins with what
    phonenumbers strips first (China: 0, 00, 11, 12, 179; the US: 1, 011)."""
    shapes, not_digit = _usual_shapes()
    for region, shape in shapes:
        found = shape.fullmatch(raw)
        if found is None:
            continue
        if found[1] is None and used != region:
            return None
        digits = not_digit.sub("", raw[len(found[1] or "") :])
        code, general, kind = _usual_patterns(region)
        if general.fullmatch(digits) and kind.fullmatch(digits):
            return f"+{code}{digits}"
        return None
    return None


@functools.lru_cache(maxsize=2)
def _usual_patterns(region: str) -> tuple[int, re.Pattern[str], re.Pattern[str]]:
    """(country code, any number, a number `usual_phone` takes) from phonenumbers' metadata
    for `region`: China's mobile prefixes are irregular (140-144 are not mobile, 1740 only
    to 17405), the US's area codes too."""
    import phonenumbers

    data: Any = phonenumbers.PhoneMetadata.metadata_for_region(region)
    kind = data.mobile if region == "CN" else data.fixed_line
    return (
        data.country_code,
        re.compile(data.general_desc.national_number_pattern),
        re.compile(kind.national_number_pattern),
    )


# What phone books hold besides numbers: service numbers and short codes (10086, 95555,
# 12345, 110), and USSD codes (*100#): 3 to 6 digits, with * and # around them.
_SERVICE = re.compile(r"[*#]{0,2}[0-9]{3,6}(?:[*#][0-9]{1,4})*#?")


# An extension after the number, which phonenumbers reads only in English and outside
# brackets other than `()`: `010-8888 8888 转123`, `010-8888 8888 分机 123`, and in brackets
# as people write it beside the number (`(分机 123)`, `（分机：123）` read NFKC, `【分机123】`,
# `分机(123)`, `【ext. 123】`).
_EXTENSION_AFTER = (
    r".+?\s*[(\[〔【]?\s*(?:ext(?:n|ension)?\.?|x|转|轉|分机号?|分機號?|内线|內線)\s*[:=\-#.]?\s*"
    r"[(\[〔【]?\s*(\d{1,8})\s*[)\]〕】]?\s*[)\]〕】]?"
)
# An extension with no number before it (`分机 123`, `ext 123`, `x123`): phonenumbers reads
# the digits alone, and a service number (`转 110`) would be stored.
_EXTENSION_ONLY = (
    r"[(\[〔【]?(?:转|轉|分机号?|分機號?|内线|內線|ext\.?|extension|x)[)\]〕】]?[\s:=\-#.]*\d{1,8}"
)


def service_code(text: str) -> str | None:
    """`text` as a service number or short code (spaces and hyphens dropped, full-width
    digits read), or None when it is not shaped as one."""
    compact = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text))
    return compact if _SERVICE.fullmatch(compact) else None


def _parse_phone(raw: str, region: str | None) -> Any:
    """phonenumbers' PhoneNumber for `raw` read in `region`, or None when it is no number."""
    import phonenumbers

    try:
        return phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None


def phone_kind(stored: str) -> str:
    """`number` for a number stored in E.164, `service` for a service number's digits."""
    return "number" if stored.startswith("+") else "service"


def country_region(country: str | None) -> str | None:
    """The ISO 3166 region (known to phonenumbers) that a country typed as free text names:
    a code (`US`, `usa`, `UK`), or a name in English or Chinese as CLDR spells it (`United
    States`, `China`, `中国`, `英國`), or the unique name it begins (`Hong Kong` for `Hong
    Kong SAR China`); case, width and dots ignored. None when it names none or several."""
    if not country:
        return None
    found = _country_region(_country_key(country))
    if found is None and "," in country:  # ISO's inverted names: `Korea, Republic of`
        first, _, rest = country.partition(",")
        found = _country_region(_country_key(f"{rest} {first}"))
    if found is None and re.search(r"[/|／]", country):  # `中国/China`: one country, two names
        named = {_country_region(_country_key(part)) for part in re.split(r"[/|／]", country)}
        found = named.pop() if len(named) == 1 else None
    return found


@functools.lru_cache(maxsize=1024)
def _country_region(key: str) -> str | None:
    names = _country_names()
    if key in names:
        return names[key]
    found = {code for name, code in names.items() if name.startswith(key + " ")}
    return found.pop() if len(found) == 1 else None


def _country_key(text: str) -> str:
    plain = unicodedata.normalize("NFKC", text).casefold().replace(".", "")
    words = re.sub(r"[\s,()\-]+", " ", plain).split()
    return " ".join(words[1:] if words[:1] == ["the"] else words)


@functools.lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """Folded code or name -> region, from CLDR (babel): the two-letter codes, their
    three-letter and old aliases, and the territory names in English and Chinese."""
    import phonenumbers
    from babel import Locale
    from babel.core import get_global

    known = phonenumbers.SUPPORTED_REGIONS
    names: dict[str, str] = {code.casefold(): code for code in known}
    for alias, targets in get_global("territory_aliases").items():
        if alias.isalpha() and len(targets) == 1 and targets[0] in known:
            names.setdefault(alias.casefold(), targets[0])
    for locale in _COUNTRY_LOCALES:
        for code, name in Locale.parse(locale).territories.items():
            if code in known:
                names.setdefault(_country_key(name), code)
    for name, code in _COUNTRY_NAMES.items():
        names.setdefault(_country_key(name), code)
    return names


# Names of countries in the languages a contact list is likely written in (CLDR, in order of
# precedence), and the names people and tools write that CLDR does not give: Outlook's
# "United States of America", the nations of the UK, older and short forms.
_COUNTRY_LOCALES = (
    "en", "zh", "zh_Hant", "de", "fr", "es", "pt", "it", "nl", "ja", "ko", "ru", "tr", "vi",
    "id", "th", "pl", "sv", "ar",
)  # fmt: skip
_COUNTRY_NAMES = {
    "United States of America": "US", "America": "US", "England": "GB", "Scotland": "GB",
    "Wales": "GB", "Northern Ireland": "GB", "Great Britain": "GB", "Britain": "GB",
    "Holland": "NL", "Korea": "KR", "Republic of Korea": "KR", "Czech Republic": "CZ",
    "UAE": "AE", "Viet Nam": "VN", "Macau": "MO", "Russian Federation": "RU",
    "PRC": "CN", "P R China": "CN", "Mainland China": "CN", "中国大陆": "CN", "大陆": "CN",
    "内地": "CN", "中华人民共和国": "CN", "香港": "HK", "中国香港": "HK", "澳门": "MO",
    "澳門": "MO", "中国澳门": "MO", "台湾": "TW", "臺灣": "TW", "中国台湾": "TW",
    "韩国": "KR", "南韩": "KR", "英格兰": "GB", "苏格兰": "GB", "Turkey": "TR",
    "Ivory Coast": "CI", "Burma": "MM", "Swaziland": "SZ", "Macedonia": "MK",
    "中國香港": "HK", "中國澳門": "MO", "中國台灣": "TW", "Bundesrepublik Deutschland": "DE",
}  # fmt: skip


def region_code(value: str) -> str:
    """An ISO 3166 region code known to phonenumbers, e.g. CN, US."""
    import phonenumbers

    code = value.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput(
            _("unknown region code {value!r}; use a two-letter code such as CN or US").format(
                value=value
            )
        )
    return code


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def national_id(value: str, today: date) -> str:
    """A mainland China resident ID number (GB 11643-1999), upper-case X; checked fully."""
    import unicodedata

    # Full-width digits and Ｘ (typed with a Chinese input method) are the same number.
    raw = unicodedata.normalize("NFKC", value).strip().upper()
    if not re.fullmatch(r"[0-9]{17}[0-9X]", raw):
        not_scientific(_("field|national_id").split("|")[-1], raw)  # 1.10105E+17: Excel's
        raise InvalidInput(_("national ID must be 18 characters: 17 digits and a digit or X"))
    if not id_region_ok(raw[:6]):
        raise InvalidInput(
            _("national ID has an impossible region code {value}****").format(value=raw[:2])
        )
    born = id_birthday(raw)
    if born is None or born > today or born.year < 1880:
        raise InvalidInput(_("national ID has an impossible birth date"))
    total = sum(int(d) * w for d, w in zip(raw[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != raw[17]:
        raise InvalidInput(_("national ID check digit does not match; check the number"))
    return raw


def id_region_ok(code: str) -> bool:
    """Whether a 6-digit region code (GB/T 2260) can start an ID number.

    Checked as far as the coding rules go, without a table of the ~3,500 county codes: an
    ID keeps the code of where it was first issued, and codes retired since (merged or
    renamed counties) stay valid in old numbers, so a table of today's codes would refuse
    real IDs and would need updating every year. The rules: a known province (first two
    digits); the prefecture (3rd-4th) 01-70 or 90 (county-level units under the province);
    any county (5th-6th, 00 where a city has no districts, e.g. 441900 东莞). The residence
    permits of Hong Kong, Macao and Taiwan residents use 810000, 820000 and 830000. Hainan's
    counties under the province were 4600xx from 1988 until they became 4690xx (2002), and
    numbers issued then keep that code.
    """
    province, prefecture = code[:2], code[2:4]
    if province not in _PROVINCES:
        return False
    if province in ("71", "81", "82", "83"):
        return code[2:] == "0000"
    if province == "46" and prefecture == "00":
        return code[4:] != "00"
    return "01" <= prefecture <= "70" or prefecture == "90"


def id_birthday(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def id_gender(number: str) -> str:
    return "male" if int(number[16]) % 2 else "female"


_PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
    "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
    "63", "64", "65", "71", "81", "82", "83", "91",
}  # fmt: skip


def mask_national_id(value: str | None) -> str | None:
    """`110101********1234`: region code and last four kept, the rest hidden."""
    if not value:
        return value
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


# The shape of a national ID number: 18 characters, 17 digits and a digit or X, standing
# apart from other digits and an X after them (a longer run is no ID number). A digit is
# ASCII or full-width, as a Chinese input method types it and `national_id` reads it: with
# ASCII digits alone a full-width digit before 18 ASCII ones was no digit, and that run of
# 19 was masked as an ID number.
_DIGIT = "0-9\uff10-\uff19"
_X = "Xx\uff38\uff58"
_ID_LIKE = (
    rf"(?<![{_DIGIT}])([{_DIGIT}]{{6}})[{_DIGIT}]{{8}}"
    rf"([{_DIGIT}]{{3}}[{_DIGIT}{_X}])(?![{_DIGIT}{_X}])"
)


def mask_in_text(text: str) -> str:
    """Mask anything shaped like a national ID number inside a message (error lines can
    quote what a user typed), the way mask_national_id does: the first six characters and
    the last four kept as written, the eight between hidden."""
    return re.sub(_ID_LIKE, lambda m: m.group(1) + "*" * 8 + m.group(2)[-4:], text)


# A large number as Excel shows it in scientific notation (1.23457E+11, 1E+05; with a
# decimal comma where it writes one), and saves it so in a CSV file: its last digits are
# gone. A small one (5E-10) loses no digit of a key and is kept as typed.
_SCIENTIFIC = re.compile(r"[+-]?\d(?:[.,]\d{1,14})?[eE]\+\d{2,3}")  # 1,23457E+11: German


# A JSON number in exponent form, as a program writes a float too large or too small to
# show in full (JavaScript past 1e21, Python past 1e16, a spreadsheet's 1.23457E+11 turned
# into JSON): whatever its size, the digits it stood for may not all be there.
_EXPONENT = re.compile(r"-?\d+(?:\.\d+)?[eE][+-]?\d+")


def not_scientific(field: str, value: str, *, number: bool = False) -> str:
    """`value` (a key or a code: an external id, a field) unless a spreadsheet wrote it in
    scientific notation: `1.23457E+11` stood for a customer number whose last digits are
    lost, and two customers so written are one key (InvalidInput). `number`: `value` is a
    JSON number as the file wrote it, refused in any exponent form (`1e3`, `5E-7`)."""
    if number and _EXPONENT.fullmatch(value):
        raise InvalidInput(
            _(
                "invalid {field} {value}: a JSON number in exponent form, whose last digits "
                "may be lost; write it in the file as a string with all its digits"
            ).format(field=_(field), value=value)
        )
    if _SCIENTIFIC.fullmatch(value.strip()):
        raise InvalidInput(
            _(
                "invalid {field} {value!r}: a spreadsheet wrote the number in scientific "
                "notation, and its last digits are lost; format the column as text, type the "
                "numbers again and save the file once more"
            ).format(field=_(field), value=value.strip())
        )
    return value


def json_number(field: str, number: str, *, key: bool) -> str:
    """The text of a text field (`field`) that a JSON number with a fraction or an exponent
    (`number`, as the file wrote it) gives: its digits when it is whole (`123.0`: `123`),
    else as written (`2.5`). Refused (InvalidInput): any exponent form (`not_scientific`),
    and in a `key` (an id, a phone, a national ID) any fraction at all, `.0` too: a program
    that held a code of digits as a float may have lost the last ones."""
    not_scientific(field, number, number=True)
    if key:
        raise InvalidInput(
            _(
                "invalid {field} {value}: a JSON number with a decimal point, where digits "
                "are expected; write it in the file as a string with all its digits"
            ).format(field=_(field), value=number)
        )
    whole, _dot, fraction = number.partition(".")
    return whole if not fraction.strip("0") else number


def national_id_in(text: str, today: date) -> str | None:
    """The first valid national ID number (`national_id` accepts it) standing alone in
    `text`, whole or among other words, else None: how a value that is not the national ID
    field is recognised as holding one anyway. Written the way people write them is found
    too: full-width digits, and groups split by spaces, hyphens or dots
    (`110105-19491231-002X`, `1101 0519 4912 3100 2X`)."""
    import unicodedata

    plain = unicodedata.normalize("NFKC", text)
    for found in re.finditer(_ID_WRITTEN, plain):
        try:
            return national_id(re.sub(_SEPARATOR, "", found[0]), today)
        except InvalidInput:
            continue
    return None


# What people put between groups of digits: spaces (NBSP too), hyphens and dashes of every
# kind, dots, slashes, and the invisible characters that stand for nothing. An ID as
# written: 18 characters, any of these between them, standing apart from other digits.
_SEPARATOR = r"[\s\-./\u2010-\u2015\u2212\ufe58\ufe63\u00ad\u200b-\u200d\u2060\ufeff]"
_ID_WRITTEN = rf"(?<![0-9])(?:[0-9]{_SEPARATOR}*){{17}}[0-9Xx](?![0-9Xx])"


def field_key(value: str, reserved: set[str]) -> str:
    """A user-defined field name: starts with a letter, then letters, digits, _ . -"""
    key = value.strip()
    if not re.fullmatch(_FIELD_KEY, key):
        raise InvalidInput(
            _(
                "invalid field name {value!r}: start with a letter; letters, digits, _ . - only"
            ).format(value=value)
        )
    if key in reserved:
        # No `--KEY` hint: `id`, `phones` or `stage` have no option of that name.
        raise InvalidInput(
            _(
                "{key!r} is a built-in field, not a user-defined one: give it by its own "
                "option or column, or pick another name"
            ).format(key=key)
        )
    return key


def key_value(option: str, value: str) -> tuple[str, str]:
    """Split `key=value` for options such as --field and --related; the `=` may be a Chinese
    input method's full-width `＝` (`城市＝杭州`), and the key is read half-width (the value
    stays as typed)."""
    at = next((i for i, c in enumerate(value) if c in "=\uff1d\ufe66"), None)
    if at is None:
        raise InvalidInput(
            _("{option} takes KEY=VALUE (got {value!r})").format(option=option, value=value)
        )
    return unicodedata.normalize("NFKC", value[:at]).strip(), value[at + 1 :]
