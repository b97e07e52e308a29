"""Customer records: add, edit, read, list, archive.

A customer is one row of `customers` plus their phones, emails, user-defined fields and
related people in child tables. `CustomerInput` carries what a user typed (strings) and
`prepare()` validates it into `Changes`, clean values only; `add_customer` and
`edit_customer` then write those inside the caller's transaction. Names are also stored
folded (`name_key`) so that lookups ignore case, accents and full/half width.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypedDict, cast

from crmcli.core import clock, dates, validate
from crmcli.core.errors import InvalidInput, NotFound
from crmcli.core.i18n import _
from crmcli.core.vocabulary import NAMED_FIELDS, column_named, first_column_named, understood
from crmcli.records import edits

TEXT_FIELDS = (
    "company",
    "title",
    "address",
    "city",
    "region",
    "country",
    "industry",
    "company_size",
    "source",
    "preferred_channel",
    "preferred_time",
)
SCALAR_FIELDS = (
    "name",
    "kind",
    "gender",
    "birthday",
    "national_id",
    "notes",
    "external_id",
    "referred_by",
    "cadence_days",
    *TEXT_FIELDS,
)
REQUIRED = ("name", "kind")
SENSITIVE = ("national_id",)
# Everything a user may name in --unset, including the collections.
UNSETTABLE = tuple(f for f in SCALAR_FIELDS if f not in REQUIRED)
RESERVED = {*SCALAR_FIELDS, "id", "phone", "phones", "email", "emails", "tag", "tags", "stage"}
# Other names a user may give --unset for a field.
UNSET_ALIASES = {"cadence": "cadence_days"}
# Columns set and cleared together with a field.
COMPANIONS = {"birthday": ("birthday_lunar",), "cadence_days": ("cadence_max_days",)}
# The columns `--unset NAME` clears (other names are user-defined fields).
UNSET_CLEARS = {name: (name, *COMPANIONS.get(name, ())) for name in UNSETTABLE}
MAX_CADENCE_DAYS = 3660


@dataclass
class CustomerInput:
    """What a user typed for `crm add` / `crm edit`; every value still a string."""

    values: dict[str, str] = field(default_factory=dict)
    unset: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    remove_phones: list[str] = field(default_factory=list)
    primary_phone: str | None = None
    emails: list[str] = field(default_factory=list)
    remove_emails: list[str] = field(default_factory=list)
    primary_email: str | None = None
    fields: list[str] = field(default_factory=list)  # KEY=VALUE
    related: list[str] = field(default_factory=list)  # RELATION=NAME or RELATION=#ID
    remove_related: list[str] = field(default_factory=list)  # RELATION or NAME

    def phone_inputs(self) -> bool:
        """Whether any phone is typed (read in the customer's country, see `prepare`)."""
        return bool(self.phones or self.remove_phones or self.primary_phone)

    def is_empty(self) -> bool:
        return not any(
            (
                self.values,
                self.unset,
                self.phones,
                self.remove_phones,
                self.primary_phone,
                self.emails,
                self.remove_emails,
                self.primary_email,
                self.fields,
                self.related,
                self.remove_related,
            )
        )


@dataclass
class Changes:
    """Validated changes to one customer."""

    values: dict[str, Any] = field(default_factory=dict)  # column -> clean value or None
    add_phones: list[str] = field(default_factory=list)
    remove_phones: list[str] = field(default_factory=list)
    primary_phone: str | None = None
    add_emails: list[tuple[str, str]] = field(default_factory=list)  # (email, key)
    remove_emails: list[str] = field(default_factory=list)  # keys
    primary_email: str | None = None  # key
    set_fields: dict[str, str] = field(default_factory=dict)
    unset_fields: list[str] = field(default_factory=list)
    add_related: list[tuple[str, str | None, int | None]] = field(default_factory=list)
    remove_related: list[str] = field(default_factory=list)


def prepare(
    conn: sqlite3.Connection,
    raw: CustomerInput,
    *,
    region: str | None,
    today: date,
    resolve: Any,
    country: str | None = None,
    memo: Memo | None = None,
) -> Changes:
    """Validate `raw` into Changes; `resolve(ref) -> id` resolves customer references.

    Phones without +country are read in the customer's own country first: the one `raw`
    sets, else `country` (the stored one, when editing), then `region` (default_region).
    Raises InvalidInput naming the first bad value; nothing is written. An import passes
    one `memo` for all its rows, so each distinct value is checked once.
    """
    out = Changes()
    checked = memo or Memo()
    for name, value in raw.values.items():
        if name == "referred_by":  # a reference: read the database every time
            out.values[name] = resolve(value)
        else:
            out.values.update(checked(column_values, name, value, today))

    def unset_other(name: str) -> None:
        if name in REQUIRED:
            raise InvalidInput(_("{name} is required and cannot be unset").format(name=name))
        if name in ("phone", "phones", "email", "emails"):
            raise InvalidInput(
                _("use --remove-{value} VALUE to remove a {name}").format(
                    value=name.rstrip("s"), name=name
                )
            )
        own = name[len("field.") :].strip() if name.startswith("field.") else ""
        if own:  # the edit template's `field.城市`: the user's own, though a built-in's name
            out.unset_fields.append(own_key(own))
            return
        out.unset_fields.append(own_key(validate.field_key(name, RESERVED)))

    def own_key(key: str) -> str:
        """A user-defined field's key, named by its key or by the label a card shows for
        one crm named (`区县` is `district`, as the import reads it); a field of the user's
        own by that name stays theirs."""
        named = column_named(key, (), NAMED_FIELDS)
        if named is None or named == key or key in custom_field_keys(conn):  # keys: no query
            return key
        return named

    out.values.update(
        edits.unset_columns(
            raw.unset, UNSET_CLEARS, aliases=UNSET_ALIASES, setting=out.values, other=unset_other
        )
    )
    if "country" in out.values:  # set or unset here
        country = out.values.get("country")
    home = validate.country_region(country) if raw.phone_inputs() else None  # CLDR: when used
    if home is None and country and raw.phones:
        _no_unplaced_country(country, raw.phones)
    out.add_phones = _unique(checked(validate.phone, p, region, home=home) for p in raw.phones)
    out.remove_phones = [_existing_phone(p, region, home) for p in raw.remove_phones]
    if raw.primary_phone:
        out.primary_phone = _existing_phone(raw.primary_phone, region, home)
    emails = (checked(validate.email, e) for e in raw.emails)
    out.add_emails = first_spellings(emails)
    out.remove_emails = [validate.email(e)[1] for e in raw.remove_emails]
    if raw.primary_email:
        out.primary_email = validate.email(raw.primary_email)[1]
    for item in raw.fields:
        key, value = validate.key_value("--field", item)
        key = own_key(new_field_key(conn, key))
        label = NAMED_FIELDS.get(key)  # a field crm named is said as a card says it (区县)
        said = _("field {key}").format(key=_(label).split("|", 1)[-1] if label else key)
        if not value.strip():  # not a way to remove it: say which is
            typed = _(label).split("|", 1)[-1] if label else key  # 区县, as --set 区县= said
            raise InvalidInput(
                _("{field} cannot be empty; to remove it: --unset {name}").format(
                    field=said, name=f"field.{typed}" if builtin_field(typed) else typed
                )
            )
        if key in out.unset_fields:  # `--field vip=1 --unset vip`
            raise InvalidInput(_("{given} is both set and unset").format(given=said))
        if key in out.set_fields:
            raise InvalidInput(_("{name} is given twice").format(name=said))
        out.set_fields[key] = validate.not_scientific(said, validate.text(said, value))
        if validate.national_id_in(out.set_fields[key], today):
            raise InvalidInput(id_in_field(said, "--national-id"))
    for item in raw.related:
        relation, who = validate.key_value("--related", item)
        relation = validate.text("relation", relation)
        who = who.strip()
        if who.startswith("#"):
            out.add_related.append((relation, None, resolve(who)))
        else:
            out.add_related.append((relation, validate.text("related name", who), None))
    out.remove_related = [validate.text("related", r) for r in raw.remove_related]
    return out


class Memo:
    """The results of checks of values, by function and arguments: the checks are pure, so
    a value met again (a city, a stage, a company in an import of a million customers) is
    not checked again. Bounded: it starts afresh past LIMIT entries, so memory stays flat
    when most values are distinct (phones, emails)."""

    LIMIT = 50_000

    def __init__(self) -> None:
        self.seen: dict[tuple[Any, ...], Any] = {}

    def __call__(self, check: Any, *args: Any, **kwargs: Any) -> Any:
        key = (check, *args, *kwargs.items())
        if key in self.seen:
            return self.seen[key]
        found = check(*args, **kwargs)  # a refusal (InvalidInput) is not kept: raised again
        if len(self.seen) >= self.LIMIT:
            self.seen.clear()
        self.seen[key] = found
        return found

    def clear(self) -> None:
        self.seen.clear()


def _no_unplaced_country(country: str, phones: list[str]) -> None:
    """Refuse a national number of a customer whose country crm cannot place: reading it in
    default_region would store it under another country without a word."""
    for typed in phones:
        text = typed.strip()
        if not text.startswith(("+", "\uff0b")) and validate.service_code(text) is None:
            raise InvalidInput(
                _(
                    "country {value!r} is not one crm can place, so phone {text!r} cannot be "
                    "read as its number: give the country as a code (GB, US...) or the phone "
                    "with +country code"
                ).format(value=country.strip(), text=text)
            )


def _existing_phone(value: str, region: str | None, home: str | None) -> str:
    """A phone the customer has, as stored: read in their country, else in default_region
    (a number stored before their country was set, such as a service number of the
    default region); InvalidInput as the first reading when neither reads it."""
    try:
        return validate.phone(value, region, home=home)
    except InvalidInput as exc:
        if home is None or home == region:
            raise
        refused = exc
    try:
        return validate.phone(value, region)
    except InvalidInput:
        raise refused from None


def id_in_field(where: str, instead: str) -> str:
    """The refusal of a national ID number given as anything but the national ID: a
    user-defined field is shown as typed everywhere, only the national ID is masked."""
    return _(
        "{where} holds a national ID number, which crm keeps only as the national ID "
        "(masked on output); give it with {instead}"
    ).format(where=where, instead=instead)


def _unique(items: Iterator[str] | Any) -> list[str]:
    return list(dict.fromkeys(items))


def first_spellings(emails: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(email, key) pairs with one per key, each as first typed: `b@x.com, B@X.COM` is
    `b@x.com`, the address the user wrote first."""
    kept: dict[str, tuple[str, str]] = {}
    for email, key in emails:
        kept.setdefault(key, (email, key))
    return list(kept.values())


def column_values(name: str, value: str, today: date) -> dict[str, Any]:
    """The clean column values a field of SCALAR_FIELDS but referred_by gives, as typed
    (`birthday` also sets birthday_lunar, `cadence_days` cadence_max_days); InvalidInput."""
    if name == "birthday":
        return birthday_values(value, today)
    if name == "cadence_days":
        ideal, maximum = cadence_range(value)
        return {"cadence_days": ideal, "cadence_max_days": maximum}
    return {name: _clean_scalar(name, value, today=today, resolve=None)}


def _clean_scalar(name: str, value: str, *, today: date, resolve: Any) -> Any:
    if name == "name":
        return validate.text("name", value)
    if name == "kind":
        return validate.choice("kind", value, validate.KINDS)
    if name == "gender":
        return validate.choice("gender", value, validate.GENDERS)
    if name == "national_id":
        return validate.national_id(value, today)
    if name == "notes":
        return validate.text("notes", value, multiline=True)
    if name == "external_id":
        return validate.not_scientific("external_id", validate.text("external_id", value))
    if name == "referred_by":
        return resolve(value)
    if name == "cadence_days":
        return cadence_days(value)
    if name in ("preferred_channel", "region", "city"):  # free text, but crm's own channels
        clean = validate.text(name, value)  # kept as their keys, a province and a city of
        # crmcli.core.vocabulary's lists by its short name (`广东省` is 广东, `杭州市` 杭州)
        return understood(name, clean) or clean
    if name in TEXT_FIELDS:
        return validate.text(name, value)
    raise InvalidInput(_("unknown field {name!r}").format(name=name))


APPLE_NO_YEAR = 1604  # the year Apple Contacts writes (and exports) for a birthday without one


# Day 0 of the dates Excel and WPS keep as numbers (1900 system, past its false 1900-02-29):
# a birthday column formatted as a number holds 33000 for 1990-05-06.
_EXCEL_DAY_0 = date(1899, 12, 30)


class BadBirthday(InvalidInput):
    """A birthday that is no date crm reads, said as a birthday is written (not with the
    relative dates a task's --due takes, which crmcli.core.dates offers as `reason`): a day
    without its year (`5月7日`, `May 3`) with that day in the forms to write, any other text
    with the forms alone; a reason of its own that offers none (`1/4` is ambiguous) stands.
    `in_column` says it for an import, naming the file's column (`in_card`: a vCard's
    property, `BDAY`)."""

    def __init__(self, value: str, today: date, reason: str | None) -> None:
        import unicodedata

        self.value = value.strip()  # as typed (`１２`), read in half-width
        value = unicodedata.normalize("NFKC", value)
        self.day = _month_and_day(value, today)  # a month and day without a year: said so
        # an empty one is said as a birthday's; another a reason of its own or none,
        # and a day said relative to today (`monday`: which week?) the birthday's forms
        if reason is not None and self.value and _(dates.HELP) not in reason:
            reason = None if self.day is None and _relative(value, today) else reason
        # the forms of a day said relative to now (today, in 3 days) are not a birthday's
        relative = reason and (_(dates.HELP) in reason or _(dates.IN_DAYS) in reason)
        self.reason = None if self.value and relative else reason
        read = value.strip()
        if self.reason and read != self.value:  # the date parser quotes what it read (`1/4`)
            for mark in ("{!r}", "“{}”"):
                self.reason = self.reason.replace(mark.format(read), mark.format(self.value))
        if not self.value:  # not `empty date` with a task's forms (today, next fri...)
            self.reason = _(
                "empty birthday; write it as 1990-05-07 or 1990年5月7日, or as --05-07 when "
                "the year is not known; to remove one: --unset birthday"
            )
        super().__init__(self._said(None))

    def in_column(self, column: str) -> str:
        """The refusal naming the file's `column` (an import's row)."""
        return self._said(column)

    def in_card(self, name: str) -> str:
        """The refusal naming the vCard property `name` (`BDAY`) the value came from."""
        return self._said(name, card=True)

    def _said(self, column: str | None, *, card: bool = False) -> str:
        where = (
            _("birthday {value!r}")
            if column is None
            else _("birthday {value!r} (vCard property {column})")
            if card
            else _("birthday {value!r} (column {column})")
        ).format(value=self.value, column=column)
        if self.day is None and self.reason is not None:
            return (
                self.reason
                if column is None
                else _("{where}: {reason}").format(where=where, reason=self.reason)
            )
        if self.day is not None:  # the example a real day: 29 February in a leap year
            year = 1992 if (self.day.month, self.day.day) == (2, 29) else 1990
            return _(
                "{where} has no year; write it with its year, as {year}-{month:02}-{day:02} or "
                "{year}年{month}月{day}日, or as --{month:02}-{day:02} when the year is not known"
            ).format(where=where, year=year, month=self.day.month, day=self.day.day)
        return _(
            "{where} is not a date; write a birthday as 1990-05-07 or 1990年5月7日, as --05-07 "
            "when the year is not known, or a lunar one as 农历1990年八月十五 (lunar:1990-08-15)"
        ).format(where=where)


def _month_and_day(value: str, today: date) -> date | None:
    """The day `value` names when it is a month and a day without a year (`5月7日`, `May 7`,
    `7 May`, `05-07`), in a leap year (only its month and day mean anything); None for any
    other text, a weekday, a day of the month alone (`15号`) or a relative one included:
    those name a different month and day when read on another day, a month and day not."""
    import re
    import unicodedata

    typed = re.fullmatch(r"(\d{1,2})-(\d{1,2})", unicodedata.normalize("NFKC", value).strip())
    if typed is not None:  # MM-DD, which crm reads only with its year or as --MM-DD
        try:
            said = dates.parse_yearless(f"--{int(typed[1]):02}-{int(typed[2]):02}")
        except InvalidInput:  # no such day (13-45)
            return None
        return None if said is None else date(2000, int(said[2:4]), int(said[5:7]))
    try:
        read, later = (
            dates.parse_date(value, on, direction="past")
            for on in (today, today + timedelta(days=400))  # another month, weekday and year
        )
    except InvalidInput:
        return None
    if (read.month, read.day) != (later.month, later.day):
        return None
    return date(2000, read.month, read.day)


_ISO_DAY = r"\d{4}-\d{2}-\d{2}"  # the usual birthday, read the same on any day


def _relative(value: str, today: date) -> bool:
    """Whether `value` is a day said relative to the day it is read on (`today`, `3天前`,
    `下周一`, `last monday`, `monday`): read on another day, it names another. A birthday
    is the day a person was born on, the same whenever it is read."""
    other = today - timedelta(days=403)  # another year, month, week and weekday
    try:
        read = [dates.parse_date(value, on, direction="past") for on in (today, other)]
    except InvalidInput:
        return False
    return read[0] != read[1]


def birthday_values(value: str, today: date) -> dict[str, str | None]:
    """`birthday` and `birthday_lunar` from what a user typed: a Gregorian date, a day
    without its year (`--05-13`, kept so), or a lunar date (`lunar:1990-08-15`,
    `lunar:1990-闰06-15`) stored with its Gregorian day; not a day said relative to today
    (`today`, `3天前`), which is no day a person was born on (BadBirthday)."""
    import re
    import unicodedata

    from crmcli.core import lunar

    # Read in half-width (--０５-１３ from a Chinese input method), quoted as typed (`１２`):
    # the parsers below normalize what they read and quote the text they are given.
    typed, value = value, unicodedata.normalize("NFKC", value)
    yearless = dates.parse_yearless(value)
    if yearless is not None:
        return {"birthday": yearless, "birthday_lunar": None}
    serial = value.strip()
    if len(serial) == 5 and serial.isdigit() and int(serial) <= (today - _EXCEL_DAY_0).days:
        day = (_EXCEL_DAY_0 + timedelta(days=int(serial))).isoformat()
        raise InvalidInput(
            _(
                "birthday {value} looks like a date a spreadsheet wrote as a number ({day}); "
                "format the column as a date (YYYY-MM-DD) and save the file again"
            ).format(value=typed.strip(), day=day)
        )
    try:
        born, lunar_date = lunar.parse_day(typed, today, direction="none")
    except InvalidInput as exc:
        if lunar.strip_prefix(value) is not None:  # a lunar date's own reason stands
            raise
        raise BadBirthday(typed, today, exc.message) from None
    if lunar_date is None and not re.fullmatch(_ISO_DAY, value.strip()) and _relative(value, today):
        raise BadBirthday(typed, today, None)  # `today`, `3天前`: no day a person was born on
    if born > today:
        raise InvalidInput(_("birthday {value} is in the future").format(value=born.isoformat()))
    if born.year == APPLE_NO_YEAR and lunar_date is None:  # Apple's year for "not known"
        return {"birthday": f"--{born:%m-%d}", "birthday_lunar": None}
    return {"birthday": born.isoformat(), "birthday_lunar": str(lunar_date) if lunar_date else None}


def cadence_range(value: str) -> tuple[int, int | None]:
    """(ideal, maximum) days from `14d` or `14d..30d` (ideal..maximum); the maximum is None
    when it is the ideal. Raises InvalidInput."""
    ideal_text, dots, max_text = value.partition("..")
    ideal = cadence_days(ideal_text)
    if not dots:
        return ideal, None
    maximum = cadence_days(max_text)
    if maximum < ideal:
        raise InvalidInput(
            _(
                "cadence {value!r}: the maximum gap is shorter than the ideal one; write "
                "IDEAL..MAX, e.g. 14d..30d"
            ).format(value=value.strip())
        )
    return ideal, (maximum if maximum > ideal else None)


def describe_gap(ideal: int, maximum: int | None) -> str:
    """`14d` or `14d..30d`, the form `cadence_range` reads."""
    return f"{ideal}d..{maximum}d" if maximum else f"{ideal}d"


def derive_from_id(changes: Changes, current: Mapping[str, Any] | None) -> list[str]:
    """Fill an empty birthday and gender in `changes` from the national ID (the one being
    set, else the customer's own in `current`, read with reveal=True); returns the fields
    filled. A birthday or gender already set, or being set, is kept. Raises InvalidInput
    when there is no national ID to derive from."""
    values = changes.values
    number = (
        values["national_id"] if "national_id" in values else (current or {}).get("national_id")
    )
    if not number:
        raise InvalidInput(_("--derive-from-id needs a national ID; give --national-id"))

    def empty(name: str) -> bool:
        return values[name] is None if name in values else (current or {}).get(name) is None

    filled = []
    born = validate.id_birthday(number)
    if empty("birthday") and born is not None:
        values.update(birthday=born.isoformat(), birthday_lunar=None)
        filled.append("birthday")
    if empty("gender"):
        values["gender"] = validate.id_gender(number)
        filled.append("gender")
    return filled


def cadence_days(value: str) -> int:
    """A contact cadence in days from `14d`, `2w`, `1m` (30 days) or a bare number of days."""
    raw = value.strip()
    days = (
        int(raw)
        if raw.isdigit()
        else dates.parse_period(raw, option="cadence", repeat=True).approx_days()
    )
    if not 1 <= days <= MAX_CADENCE_DAYS:
        raise InvalidInput(
            _("cadence must be between 1 and {MAX_CADENCE_DAYS} days (got {value!r})").format(
                MAX_CADENCE_DAYS=MAX_CADENCE_DAYS, value=value
            )
        )
    return days


def add_customer(conn: sqlite3.Connection, changes: Changes) -> int:
    """Insert a customer from validated Changes; returns the new id."""
    values = {k: v for k, v in changes.values.items() if v is not None}
    if "name" not in values:
        raise InvalidInput(_("a customer needs a name"))
    values.setdefault("kind", "person")
    values["name_key"] = validate.fold(values["name"])
    values["created_at"] = values["updated_at"] = clock.timestamp()
    columns = list(values)
    try:
        cursor = conn.execute(
            f"INSERT INTO customers ({', '.join(columns)}) "  # noqa: S608 - whitelisted columns
            f"VALUES ({', '.join('?' for _ in columns)})",
            [values[c] for c in columns],
        )
    except sqlite3.IntegrityError as exc:
        raise _integrity(conn, exc, values.get("external_id")) from None
    customer_id = int(cursor.lastrowid or 0)
    _apply_children(conn, customer_id, changes)
    return customer_id


def edit_customer(
    conn: sqlite3.Connection,
    customer_id: int,
    changes: Changes,
    *,
    expected_version: int | None = None,
) -> bool:
    """Apply validated Changes to customer `customer_id`; returns whether anything changed.

    With `expected_version`, refuses (InvalidInput) when the record changed since it was read.
    """
    before = get_customer(conn, customer_id, reveal=True)
    if expected_version is not None and before["version"] != expected_version:
        raise InvalidInput(
            _(
                "customer {customer_id} was changed by someone else while you were "
                "editing; nothing was saved"
            ).format(customer_id=customer_id)
        )
    if changes.values.get("referred_by") == customer_id:
        raise InvalidInput(_("a customer cannot be referred by themselves"))
    values = dict(changes.values)
    if "name" in values:
        values["name_key"] = validate.fold(values["name"])
    if values:
        assignments = ", ".join(f"{c} = ?" for c in values)
        try:
            conn.execute(
                f"UPDATE customers SET {assignments} WHERE id = ?",  # noqa: S608 - whitelisted
                [*values.values(), customer_id],
            )
        except sqlite3.IntegrityError as exc:
            raise _integrity(conn, exc, values.get("external_id")) from None
    _apply_children(conn, customer_id, changes, before=before)
    after = get_customer(conn, customer_id, reveal=True)
    changed = _comparable(before) != _comparable(after)
    if changed:
        conn.execute(
            "UPDATE customers SET updated_at = ?, version = version + 1 WHERE id = ?",
            (clock.timestamp(), customer_id),
        )
    return changed


def _comparable(record: Mapping[str, Any]) -> dict[str, Any]:  # a record, to compare
    return {k: v for k, v in record.items() if k not in ("updated_at", "version")}


def _integrity(
    conn: sqlite3.Connection, exc: sqlite3.IntegrityError, external: str | None
) -> InvalidInput:
    if "external_id" in str(exc) and external:
        row = conn.execute("SELECT id FROM customers WHERE external_id = ?", (external,)).fetchone()
        if row:
            return InvalidInput(
                _("external id {external!r} is already used by customer {id}").format(
                    external=external, id=row[0]
                )
            )
        return InvalidInput(_("external id {external!r} is already used").format(external=external))
    return InvalidInput(_("rejected by the database: {exc}").format(exc=exc))


def _apply_children(
    conn: sqlite3.Connection, customer_id: int, changes: Changes, before: dict | None = None
) -> None:
    phones = list(before["phones"]) if before else []
    for phone in changes.remove_phones:
        if phone not in phones:
            raise InvalidInput(
                _("customer {customer_id} has no phone {phone}").format(
                    customer_id=customer_id, phone=phone
                )
            )
        phones.remove(phone)
    phones += [p for p in changes.add_phones if p not in phones]
    if changes.primary_phone:
        if changes.primary_phone not in phones:
            raise InvalidInput(
                _("customer {customer_id} has no phone {primary_phone}").format(
                    customer_id=customer_id, primary_phone=changes.primary_phone
                )
            )
        phones.remove(changes.primary_phone)
        phones.insert(0, changes.primary_phone)
    if phones != (before["phones"] if before else []):
        _store_list(
            conn,
            "customer_phones",
            "phone",
            customer_id,
            {p: (customer_id, p, validate.phone_kind(p)) for p in phones},
            new=before is None,
        )

    emails = list(before["emails"]) if before else []
    keys = [e.casefold() for e in emails]
    # An address removed and added again in one command is the same one spelled anew: it
    # keeps its place (the primary stays primary), unless the command removes them all
    # (`--editor`): a list written anew keeps the order it is written in.
    respelled = (
        {key: email for email, key in changes.add_emails if key in changes.remove_emails}
        if set(keys) - set(changes.remove_emails)
        else {}
    )
    for key in changes.remove_emails:
        if key not in keys:
            raise InvalidInput(
                _("customer {customer_id} has no email {key}").format(
                    customer_id=customer_id, key=key
                )
            )
        if key in respelled:
            emails[keys.index(key)] = respelled[key]
            continue
        del emails[keys.index(key)]
        keys.remove(key)
    for email, key in changes.add_emails:
        if key not in keys:
            emails.append(email)
            keys.append(key)
    if changes.primary_email:
        if changes.primary_email not in keys:
            raise InvalidInput(
                _("customer {customer_id} has no email {primary_email}").format(
                    customer_id=customer_id, primary_email=changes.primary_email
                )
            )
        index = keys.index(changes.primary_email)
        emails.insert(0, emails.pop(index))
        keys.insert(0, keys.pop(index))
    if emails != (before["emails"] if before else []):  # spelling and order as written
        _store_list(
            conn,
            "customer_emails",
            "email_key",
            customer_id,
            {k: (customer_id, e, k) for e, k in zip(emails, keys, strict=True)},
            new=before is None,
        )

    for key in changes.unset_fields:
        gone = conn.execute(
            "DELETE FROM customer_fields WHERE customer_id = ? AND key = ?", (customer_id, key)
        ).rowcount
        if not gone:
            raise InvalidInput(
                _("customer {customer_id} has no field {key!r}").format(
                    customer_id=customer_id, key=key
                )
            )
    conn.executemany(
        "INSERT INTO customer_fields (customer_id, key, value) VALUES (?, ?, ?) "
        "ON CONFLICT (customer_id, key) DO UPDATE SET value = excluded.value",
        [(customer_id, k, v) for k, v in changes.set_fields.items()],
    )

    for who in changes.remove_related:
        # RELATION, NAME, or the RELATION=NAME / RELATION=#ID form that --related takes
        relation, is_pair, target = (part.strip() for part in who.partition("="))
        if not is_pair:
            test, params = f"(relation = ? COLLATE NOCASE OR {_WHO})", [who, who, who]
        elif target[:1] == "#" and target[1:].isdigit():
            test, params = (
                "relation = ? COLLATE NOCASE AND related_id = ?",
                [
                    relation,
                    int(target[1:]),
                ],
            )
        else:
            test, params = f"relation = ? COLLATE NOCASE AND {_WHO}", [relation, target, target]
        gone = conn.execute(
            f"DELETE FROM customer_relations WHERE customer_id = ? AND {test}",  # noqa: S608
            (customer_id, *params),
        ).rowcount
        if not gone:
            raise InvalidInput(
                _("customer {customer_id} has no related person {who!r}").format(
                    customer_id=customer_id, who=who
                )
            )
    for relation, name, related_id in changes.add_related:
        if related_id == customer_id:
            raise InvalidInput(_("a customer cannot be related to themselves"))
        # the same relation to the same person again is no change (it was stored twice)
        conn.execute(
            "INSERT INTO customer_relations (customer_id, relation, name, related_id) "
            "SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM customer_relations "
            "WHERE customer_id = ? AND relation = ? COLLATE NOCASE AND name IS ? "
            "AND related_id IS ?)",
            (customer_id, relation, name, related_id, customer_id, relation, name, related_id),
        )


# The columns of a customer's phone or email row that _store_list writes, is_primary aside.
_LIST_COLUMNS = {
    "customer_phones": ("customer_id", "phone", "kind"),
    "customer_emails": ("customer_id", "email", "email_key"),
}


def _store_list(
    conn: sqlite3.Connection,
    table: str,
    column: str,
    customer_id: int,
    wanted: dict[str, tuple],
    *,
    new: bool,
) -> None:
    """Store a customer's phones or emails as `wanted` (each key, the value of `column`, ->
    its row's values in _LIST_COLUMNS; primary first, then in the order shown), touching
    only the rows that change, so history records only what changed: those gone deleted,
    new ones inserted, the primary mark moved, an email spelled anew updated. A list is
    shown primary first, then by row id: rows the user put in another order are deleted
    and inserted again behind the ones that keep theirs. `new`: a customer being added,
    with no rows yet."""
    columns = (*_LIST_COLUMNS[table], "is_primary")
    stored = [] if new else conn.execute(
        f"SELECT {column}, {', '.join(columns)} FROM {table} "  # noqa: S608 - fixed names
        "WHERE customer_id = ? ORDER BY id",
        (customer_id,),
    ).fetchall()  # fmt: skip
    order = list(wanted)
    primary = order[0] if order else None
    rows = {key: (*values, int(key == primary)) for key, values in wanted.items()}
    kept = [row[0] for row in stored if row[0] in wanted and row[0] != primary]
    same = 0  # how many of the kept rows are already shown in the wanted order
    while same < min(len(kept), len(order) - 1) and kept[same] == order[same + 1]:
        same += 1
    stay = {row[0] for row in stored if row[0] == primary} | set(kept[:same])
    conn.executemany(
        f"DELETE FROM {table} WHERE customer_id = ? AND {column} = ?",  # noqa: S608 - fixed
        [(customer_id, row[0]) for row in stored if row[0] not in stay],
    )
    conn.executemany(  # the primary mark moved, an email spelled anew: one update a row
        f"UPDATE {table} SET {' = ?, '.join(columns)} = ? "  # noqa: S608 - fixed names
        f"WHERE customer_id = ? AND {column} = ?",
        [
            (*rows[row[0]], customer_id, row[0])
            for row in stored
            if row[0] in stay and tuple(row[1:]) != rows[row[0]]
        ],
    )
    conn.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - fixed names
        f"VALUES ({', '.join('?' * len(columns))})",
        [rows[key] for key in order if key not in stay],
    )


# A related person named by `name` (kept as text) or by a linked customer's name.
_WHO = "(name = ? OR related_id IN (SELECT id FROM customers WHERE name = ?))"


def get_customer(conn: sqlite3.Connection, customer_id: int, *, reveal: bool = False) -> Customer:
    """The full record of one customer (archived ones included); raises NotFound.

    The national ID is masked unless `reveal`.
    """
    for record in get_customers(conn, [customer_id], reveal=reveal):
        return record
    raise NotFound(_("no customer with id {customer_id}").format(customer_id=customer_id))


class Related(TypedDict):
    relation: str
    name: str | None  # the name given, else the linked customer's
    customer_id: int | None  # the linked customer, when the relation names one


class Referral(TypedDict):
    id: int
    name: str


class Customer(TypedDict):
    """A customer's full record (`crm show`, export): the customers table's columns but
    name_key, the national ID masked unless revealed, and the record's lists."""

    id: int
    name: str
    kind: str  # person or org
    company: str | None
    title: str | None
    gender: str | None
    birthday: str | None  # ISO date, or `--MM-DD` when the year is not known
    address: str | None
    city: str | None
    region: str | None
    country: str | None
    industry: str | None
    company_size: str | None
    source: str | None
    national_id: str | None
    notes: str | None
    preferred_channel: str | None
    preferred_time: str | None
    external_id: str | None
    referred_by: int | None
    created_at: str
    updated_at: str
    archived_at: str | None
    version: int
    cadence_days: int | None
    stage: str | None
    birthday_lunar: str | None
    cadence_max_days: int | None
    referred_by_name: str | None
    phones: list[str]  # E.164 (a service number: its digits), primary first
    phone_kinds: dict[str, str]  # phone -> number or service
    emails: list[str]  # primary first
    fields: dict[str, str]  # custom fields
    related: list[Related]
    tags: list[str]
    referrals: list[Referral]  # the customers this one referred


class CustomerListRow(TypedDict):
    """One row of `crm list` (LIST_COLUMNS keys): the primary phone and email only."""

    id: int
    name: str
    kind: str
    company: str | None
    title: str | None
    city: str | None
    region: str | None
    country: str | None
    phone: str | None
    email: str | None
    source: str | None
    stage: str | None
    tags: list[str]
    external_id: str | None
    created_at: str
    updated_at: str


# Columns of `crm list` (and its JSON/CSV keys), in order.
LIST_COLUMNS = tuple(CustomerListRow.__annotations__)
# The other fields of a customer `--where` reads, which `crm list --fields` shows when named
# (`--fields 姓名,偏好渠道`); never the national ID, which only `crm show` masks.
MORE_LIST_COLUMNS = (
    "gender", "birthday", "address", "industry", "company_size", "notes", "referred_by",
    "preferred_channel", "preferred_time", "cadence_days", "archived_at", "birthday_lunar",
    "cadence_max_days",
)  # fmt: skip


# A record's lists, each read for a chunk of customers at once: (key, SQL with {ids}).
_CHILDREN = (
    ("phones", "SELECT customer_id, phone, kind FROM customer_phones WHERE customer_id IN ({ids}) "
     "ORDER BY customer_id, is_primary DESC, id"),
    ("emails", "SELECT customer_id, email FROM customer_emails WHERE customer_id IN ({ids}) "
     "ORDER BY customer_id, is_primary DESC, id"),
    ("fields", "SELECT customer_id, key, value FROM customer_fields "
     "WHERE customer_id IN ({ids}) ORDER BY customer_id, key"),
    ("related", "SELECT r.customer_id, r.relation, r.name, r.related_id, c.name "
     "FROM customer_relations r LEFT JOIN customers c ON c.id = r.related_id "
     "WHERE r.customer_id IN ({ids}) ORDER BY r.customer_id, r.id"),
    ("tags", "SELECT ct.customer_id, t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
     "WHERE ct.customer_id IN ({ids}) ORDER BY ct.customer_id, t.name"),
    ("referrals", "SELECT referred_by, id, name FROM customers WHERE referred_by IN ({ids}) "
     "ORDER BY referred_by, id"),
)  # fmt: skip


def get_customers(
    conn: sqlite3.Connection, ids: Iterable[int], *, reveal: bool = False, chunk: int = 500
) -> Iterator[Customer]:
    """Full records of `ids` in that order (archived included, unknown ids skipped), read
    `chunk` customers at a time: seven queries per chunk, not per customer, and memory flat
    for an export of every customer. The national ID is masked unless `reveal`."""
    batch: list[int] = []
    for customer_id in ids:
        batch.append(customer_id)
        if len(batch) == chunk:
            yield from _records(conn, batch, reveal)
            batch = []
    if batch:
        yield from _records(conn, batch, reveal)


def _records(conn: sqlite3.Connection, ids: list[int], reveal: bool) -> Iterator[Customer]:
    marks = ",".join("?" * len(ids))
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: dict(zip()) is twice as fast as dict(Row)
    cursor.execute(f"SELECT * FROM customers WHERE id IN ({marks})", ids)  # noqa: S608
    names = [d[0] for d in cursor.description]
    found = {row[0]: dict(zip(names, row, strict=True)) for row in cursor}
    lists: dict[str, dict[int, list[Any]]] = {key: {} for key, _ in _CHILDREN}
    for key, sql in _CHILDREN:
        for owner, *values in conn.execute(sql.format(ids=marks), ids):
            lists[key].setdefault(owner, []).append(values)
    referrers = {r["referred_by"] for r in found.values()} - {None}
    names = dict(
        conn.execute(
            f"SELECT id, name FROM customers WHERE id IN ({','.join('?' * len(referrers))})",  # noqa: S608
            list(referrers),
        ).fetchall()
    )
    for customer_id in ids:
        record = found.get(customer_id)
        if record is None:
            continue
        record.pop("name_key")
        if not reveal:
            record["national_id"] = validate.mask_national_id(record["national_id"])
        record["referred_by_name"] = names.get(record["referred_by"])
        kids = {key: lists[key].get(customer_id, []) for key in lists}
        record["phones"] = [v[0] for v in kids["phones"]]
        record["phone_kinds"] = {v[0]: v[1] for v in kids["phones"]}
        record["emails"] = [v[0] for v in kids["emails"]]
        record["fields"] = dict(kids["fields"])  # type: ignore[arg-type]
        record["related"] = [
            {"relation": relation, "name": name or linked, "customer_id": related_id}
            for relation, name, related_id, linked in kids["related"]
        ]
        record["tags"] = [v[0] for v in kids["tags"]]
        record["referrals"] = [{"id": i, "name": n} for i, n in kids["referrals"]]
        yield cast(Customer, record)


def countries(conn: sqlite3.Connection, ids: Iterable[int]) -> dict[int, str | None]:
    """The stored country of each of the customers `ids`, as typed."""
    found: dict[int, str | None] = {}
    batch = list(ids)
    for start in range(0, len(batch), 500):
        chunk = batch[start : start + 500]
        found.update(
            conn.execute(
                f"SELECT id, country FROM customers WHERE id IN ({','.join('?' * len(chunk))})",  # noqa: S608
                chunk,
            ).fetchall()
        )
    return found


def set_archived(conn: sqlite3.Connection, customer_id: int, archived: bool) -> bool:
    """Archive (hide) or restore a customer; returns whether the state changed."""
    stamp = clock.timestamp()
    cursor = conn.execute(
        "UPDATE customers SET archived_at = ?, updated_at = ?, version = version + 1 "
        "WHERE id = ? AND (archived_at IS NULL) = ?",
        (stamp if archived else None, stamp, customer_id, archived),
    )
    return cursor.rowcount > 0


def custom_field_keys(conn: sqlite3.Connection) -> set[str]:
    """The user-defined fields a person may name (`--where`, `--fields`, `--set`): those
    customers hold, and those a saved filter (segment, rule, care rule) names, which stay
    known when no customer holds them any more (a segment on 区县 then selects nobody, it
    is not refused). A field named as a built-in one is said (an older file's `城市`, kept
    before such names were refused) is left out: that name is the built-in field's."""
    held = {r[0] for r in conn.execute("SELECT DISTINCT key FROM customer_fields")}
    return {key for key in held | _saved_field_keys(conn) if builtin_field(key) is None}


def _saved_field_keys(conn: sqlite3.Connection) -> set[str]:
    """The fields the `--where` expressions of the saved filters name (keys as they keep
    them, crmcli.records.filters `encode`) that are no built-in field."""
    import json
    import re

    from crmcli.core.where import WHERE

    keys: set[str] = set()
    for table, column in SAVED_FILTERS:
        for (text,) in conn.execute(f"SELECT {column} FROM {table}"):  # noqa: S608 (STORED)
            try:
                saved = json.loads(text or "{}")
            except ValueError:  # a damaged filter is refused where it is used
                continue
            where = saved.get("where") if isinstance(saved, dict) else None
            for item in where if isinstance(where, list) else ():
                match = re.fullmatch(WHERE, item) if isinstance(item, str) else None
                if match and builtin_field(match.group(1)) is None:
                    keys.add(match.group(1))
    return keys


# Headers a built-in field had before (`地区`, region's until it was 省份): still its name,
# never a user-defined field's.
_FORMER_HEADERS = {"地区": "region"}


# The tables and columns that keep a saved filter (crmcli.records.filters STORED, which
# imports this module: a test keeps the two alike).
SAVED_FILTERS = (("segments", "filter"), ("rules", "filter"), ("care_rules", "selection"))
# The fields a filter names beside a customer's own columns: the derived classes, purchase
# facts and last contact (crmcli.records.filters WHERE_FIELDS, which a test keeps within
# BUILTIN_FIELDS).
_DERIVED_FIELDS = (
    "tag", "lifecycle", "abc", "frequency_tier", "value_tier", "purchase_days",
    "purchase_days_12m", "days_since_purchase", "revenue_12m", "first_purchase_on",
    "last_purchase_on", "last_contact_on", "days_since_contact",
)  # fmt: skip


@functools.cache
def _builtin_columns() -> tuple[str, ...]:
    every = (*RESERVED, *LIST_COLUMNS, *MORE_LIST_COLUMNS, *_DERIVED_FIELDS)
    return tuple(sorted({*every, "created_at", "updated_at", "archived_at"}))


def builtin_field(name: str) -> str | None:
    """The built-in field `name` names: its key (`city`), its header in any language crm
    speaks (`城市`, `City`), or a header it had before (`地区`); None for any other name."""
    columns = _builtin_columns()
    if name in columns:
        return name
    # a header two built-ins share (电话: phone and phones) is the first one's
    return _FORMER_HEADERS.get(name.strip()) or first_column_named(name, columns)


def new_field_key(conn: sqlite3.Connection | None, name: str) -> str:
    """`name` checked as a user-defined field's key (validate.field_key); InvalidInput (exit
    2) for the name of a built-in field (`builtin_field`), which would stand in its place
    in `--fields`, `--where` and `--set`, unless a customer already holds a field so named
    (an older file's), which stays theirs to change. Without `conn` (an import's `--map
    COLUMN=field:NAME`) there is no such exception, nor a hint to `--set`."""
    key = validate.field_key(name, RESERVED)
    held = "SELECT 1 FROM customer_fields WHERE key = ? LIMIT 1"
    if key.casefold().startswith("field.") and (
        conn is None or not conn.execute(held, (key,)).fetchone()
    ):
        raise InvalidInput(  # `--unset field.vip` names the field vip
            _("{key!r}: a field's name cannot start with field.; name it {name!r}").format(
                key=key, name=key[len("field.") :]
            )
        )
    builtin = builtin_field(key)
    if builtin is not None and (conn is None or not conn.execute(held, (key,)).fetchone()):
        from crmcli.core.vocabulary import fields_glossed

        said = (
            _(
                "{key!r} is the name of the built-in field {field}: set it with --set "
                "{name}=VALUE, or give a field of your own another name"
            )
            if conn is not None and builtin in ("name", *UNSETTABLE, "phone", "email")
            else _(
                "{key!r} is the name of the built-in field {field}: give a field of your "
                "own another name"
            )
        )
        name = builtin if key.strip() in _FORMER_HEADERS else key  # --set 城市=… as typed
        raise InvalidInput(said.format(key=key, field=fields_glossed([builtin]), name=name))
    return key


def list_customers(
    conn: sqlite3.Connection,
    where_sql: str,
    params: list[Any],
    *,
    order: str,
    limit: int | None = None,
    more: tuple[str, ...] = (),
    custom: tuple[str, ...] = (),
) -> Iterator[CustomerListRow]:
    """Stream customers matching a filter (see crmcli.records.filters), LIST_COLUMNS keys each
    and those of `more` (some of MORE_LIST_COLUMNS), then the user-defined fields `custom`
    by their keys (None where a customer has none).

    `where_sql` and `order` come from crmcli.records.filters (whitelisted); values are in `params`.
    """
    more = tuple(c for c in MORE_LIST_COLUMNS if c in more)  # whitelisted, in SQL below
    cursor = _listed(
        conn, where_sql, params, order=order, limit=limit, tags=",", more=more, custom=custom
    )
    for row in cursor:
        record = dict(zip((*LIST_COLUMNS, *more, *custom), row, strict=True))
        record["tags"] = record["tags"].split(",") if record["tags"] else []
        yield cast(CustomerListRow, record)


def list_customer_cells(
    conn: sqlite3.Connection,
    where_sql: str,
    params: list[Any],
    *,
    order: str,
    limit: int | None = None,
) -> Iterator[tuple[Any, ...]]:
    """list_customers' rows as tuples of LIST_COLUMNS cells, the tags joined by `; ` (as CSV
    writes a list): str, int or None each, for CSV without a dict per customer."""
    return _listed(conn, where_sql, params, order=order, limit=limit, tags="; ")


def _listed(
    conn: sqlite3.Connection,
    where_sql: str,
    params: list[Any],
    *,
    order: str,
    limit: int | None,
    tags: str,
    more: tuple[str, ...] = (),
    custom: tuple[str, ...] = (),
) -> sqlite3.Cursor:
    """The cursor of LIST_COLUMNS tuples (then the columns `more`, of MORE_LIST_COLUMNS, and
    the values of the user-defined fields `custom`), the tags joined by `tags`."""
    sql = (  # where_sql and order are built from whitelisted names only
        "SELECT c.id, c.name, c.kind, c.company, c.title, c.city, c.region, c.country, "  # noqa: S608
        "(SELECT phone FROM customer_phones p WHERE p.customer_id = c.id "
        " ORDER BY p.is_primary DESC, p.id LIMIT 1) AS phone, "
        "(SELECT email FROM customer_emails e WHERE e.customer_id = c.id "
        " ORDER BY e.is_primary DESC, e.id LIMIT 1) AS email, "
        "c.source, c.stage, "
        "(SELECT group_concat(name, ?) FROM (SELECT t.name FROM customer_tags ct "
        " JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id = c.id ORDER BY t.name)) AS tags, "
        "c.external_id, c.created_at, c.updated_at"
        + "".join(f", c.{column}" for column in more)
        + ", (SELECT value FROM customer_fields f WHERE f.customer_id = c.id AND f.key = ?)"
        * len(custom)
        + f" FROM customers c WHERE {where_sql} ORDER BY {order}"
    )
    params = [tags, *custom, *params]
    if limit is not None:
        sql += " LIMIT ?"
        params = [*params, limit]
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: dict(zip()) is twice as fast as dict(Row)
    return cursor.execute(sql, params)
