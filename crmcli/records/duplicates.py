"""Finding likely duplicate customers, and merging two into one.

`find_pairs` scores pairs of live customers by what they share: the same email (60 points),
the same phone (50), the same name (40), the same pinyin (30) or a similar name (25), and,
on top of another reason, the same company (10); 100 at most. Names are compared after
folding case, accents and full/half width (validate.fold) and converting traditional Chinese
characters to simplified ones, so 張偉, 张伟 and ＺＨＡＮＧ Wei's variants meet. The conversion uses
opencc-python-reimplemented: OpenCC's own phrase and character tables in pure Python (no
compiled extension to build), the most used of the pure-Python converters; zhconv's
MediaWiki tables have not been updated since 2021. Chinese names that read the same in
pinyin, tones aside (曾小贤 and 曾晓贤: zeng xiao xian), are the classic Chinese duplicate:
one is typed with a pinyin input method that offered the wrong character. They are read
as `crm list --sort pinyin` reads them (searchtext.sort_key: a surname in its surname
reading, 曾 as zeng, each other character in its first reading). Candidates are found through
blocks (same email, phone, folded name, name word, pinyin), never by comparing every pair.

`merge_customers` folds one customer into another in the caller's transaction: every row
that points at OTHER through a foreign key to customers (or a `customer_id` column),
whichever table it is in, is moved to KEEP; KEEP's empty fields are filled from OTHER;
OTHER's differing values are appended to KEEP's notes; a record of the merge (with OTHER as
it was, its national ID masked) goes to `customer_merges`; then OTHER is deleted, not
archived: an archived shell would still answer to its name, phone and external id and make
references ambiguous.

Duplicates are also caught as they are made: `taken` finds the other live customers that
already have an email (its case-folded key) or a phone (E.164) a new or edited record
would get, for `crm add`, `crm edit` and `crm import customers` to ask about or refuse;
`likely_same` finds live customers with the same name (the finder's `name_key`) and the
same company or city, and `named_alike` those with the very same name alone (as a reference
reads it), which `crm add` warns about.
"""

from __future__ import annotations

import difflib
import json
import re
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict

from crmcli.core import clock, validate
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, Said, _
from crmcli.core.vocabulary import understood
from crmcli.core.vocabulary import word as said_as
from crmcli.store.history import shown_values

if TYPE_CHECKING:
    from crmcli.records.customers import Changes

POINTS = {"email": 60, "phone": 50, "name": 40, "sound": 30, "similar": 25, "company": 10}
SIMILAR = 0.85  # difflib ratio of two folded names that counts as "similar"
MAX_BLOCK = 300  # a name word shared by more customers than this says nothing
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ALL_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


class DuplicatePair(TypedDict):
    """Two live customers that look like one person, as `crm dedupe` lists them."""

    id: int
    name: str
    other_id: int
    other_name: str
    score: int  # 0-100, the sum of POINTS for the reasons
    reasons: list[str]  # one phrase per reason ("same email ...")


# Columns of `crm dedupe` (and its JSON/CSV keys), in order: DuplicatePair's keys, written
# out so that the catalog finds their headers (tests/catalog.py `table_columns`).
COLUMNS = ("id", "name", "other_id", "other_name", "score", "reasons")


class Merged(TypedDict):
    """What `merge_customers` did."""

    filled: list[str]  # KEEP's fields filled from OTHER, sorted
    noted: list[str]  # OTHER's differing values appended to KEEP's notes
    moved: dict[str, int]  # rows moved, per table (or "table.column")


class _Person(TypedDict):
    name: str
    key: str  # the folded name (name_key)
    company: str | None


@lru_cache(maxsize=1)
def _converter() -> Any:
    from opencc import OpenCC

    return OpenCC("t2s")


def name_key(name: str) -> str:
    """`name` folded for comparison: width, case, accents, traditional → simplified, spaces."""
    text = validate.fold(unicodedata.normalize("NFKC", name))
    if _CJK.search(text):
        text = _converter().convert(text)
        text = text.replace(" ", "")
    text = re.sub(r"[^\w\s]", "", text)
    words = text.split()
    return " ".join(sorted(words)) if len(words) > 1 else "".join(words)


def _by_sound(people: dict[int, _Person]) -> dict[str, list[int]]:
    """Customers by the pinyin of their name (`zeng xiao xian`), for names written in
    Chinese characters alone: a name with Latin letters has its own words compared."""
    from crmcli.core.searchtext import sort_key

    found: dict[str, list[int]] = defaultdict(list)
    for customer_id, person in people.items():
        key = person["key"]
        if _ALL_CJK.fullmatch(key):  # name_key drops 阿卜杜·热合曼's dot
            found[sort_key(key).partition("\t")[0]].append(customer_id)
    return found


def _company_key(company: str | None) -> str:
    return name_key(company) if company else ""


# A reason in words (a Said: English in JSON, the run's language in a table).
_SAME = {"email": N_("same email {value}"), "phone": N_("same phone {value}")}


def find_pairs(conn: sqlite3.Connection, *, min_score: int = 40) -> list[DuplicatePair]:
    """Likely duplicate pairs among live customers, best first; COLUMNS keys each."""
    people: dict[int, _Person] = {}
    for row in conn.execute(
        "SELECT id, name, company FROM customers WHERE archived_at IS NULL ORDER BY id"
    ):
        people[row[0]] = {"name": row[1], "key": name_key(row[1]), "company": row[2]}
    reasons: dict[tuple[int, int], dict[str, str]] = defaultdict(dict)

    def pair(ids: Iterable[int], reason: str, text: str) -> None:
        unique = sorted(set(ids))
        for i, a in enumerate(unique):
            for b in unique[i + 1 :]:
                reasons[(a, b)].setdefault(reason, text)

    for table, column, label, which in (
        ("customer_emails", "email_key", "email", ""),
        ("customer_phones", "phone", "phone", " WHERE kind = 'number'"),  # not 95555
    ):
        groups: dict[str, list[int]] = defaultdict(list)
        for value, customer_id in conn.execute(
            f"SELECT {column}, customer_id FROM {table}{which}"  # noqa: S608 - fixed names
        ):
            if customer_id in people:
                groups[value].append(customer_id)
        for value, ids in groups.items():
            if len(ids) > 1:
                pair(ids, label, Said(_SAME[label], value=value))
    by_key: dict[str, list[int]] = defaultdict(list)
    by_word: dict[str, list[int]] = defaultdict(list)
    for customer_id, person in people.items():
        if person["key"]:
            by_key[person["key"]].append(customer_id)
        for word in person["key"].split():
            if len(word) > 1 and not _CJK.search(word):
                by_word[word].append(customer_id)
    for ids in by_key.values():
        if 1 < len(ids) <= MAX_BLOCK:
            pair(ids, "name", Said("same name"))
    for sound, ids in _by_sound(people).items():
        if not 1 < len(ids) <= MAX_BLOCK:
            continue
        said = Said("same pinyin ({value})", value=sound)  # one for the block's pairs
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if people[a]["key"] != people[b]["key"]:  # else the same name
                    reasons[(a, b)].setdefault("sound", said)  # ids ascending: a < b
    for ids in by_word.values():
        if not 1 < len(ids) <= MAX_BLOCK:
            continue
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                ka, kb = people[a]["key"], people[b]["key"]
                if ka == kb or "name" in reasons.get((a, b), {}):
                    continue
                matcher = difflib.SequenceMatcher(None, ka, kb)
                if matcher.quick_ratio() >= SIMILAR and matcher.ratio() >= SIMILAR:
                    ratio = f"{matcher.ratio():.2f}"
                    pair((a, b), "similar", Said("similar names ({ratio})", ratio=ratio))
    out: list[DuplicatePair] = []
    companies: dict[str | None, str] = {}  # company as typed -> its key, folded once

    def company(customer_id: int) -> str:
        typed = people[customer_id]["company"]
        if typed not in companies:
            companies[typed] = _company_key(typed)
        return companies[typed]

    for (a, b), found in reasons.items():
        company_a = company(a)
        if company_a and company_a == company(b):
            found["company"] = Said("same company {value}", value=people[a]["company"])
        score = min(100, sum(POINTS[r] for r in found))
        if score < min_score:
            continue
        out.append(
            {
                "id": a,
                "name": people[a]["name"],
                "other_id": b,
                "other_name": people[b]["name"],
                "score": score,
                "reasons": list(found.values()),
            }
        )
    out.sort(key=lambda r: (-r["score"], r["id"], r["other_id"]))
    return out


# Caught when made ----------------------------------------------------------------------------


class Taken(NamedTuple):
    """An email or phone that another live customer already has."""

    customer_id: int
    name: str
    value: str  # the email as that customer has it, or the phone (E.164)

    def __str__(self) -> str:
        return _("{name} (#{customer_id}) already has {value}").format(
            name=self.name, customer_id=self.customer_id, value=self.value
        )


def taken(
    conn: sqlite3.Connection,
    changes: Changes,
    customer_id: int | None = None,
    *,
    besides: int | None = None,
) -> list[Taken]:
    """The emails and phones `changes` adds that another live customer already has (emails
    compared by their case-folded key, phones as E.164; service numbers such as 95555 are
    in many phone books and never count), for a new customer, or for
    `customer_id` (whose own emails and phones are no news). An archived customer neither
    counts nor is checked: only two live customers sharing one are duplicates."""
    emails = [key for _, key in changes.add_emails]
    phones = [p for p in changes.add_phones if p.startswith("+")]  # a service number is shared
    if customer_id is not None and (emails or phones):
        live = conn.execute(
            "SELECT 1 FROM customers WHERE id = ? AND archived_at IS NULL", (customer_id,)
        ).fetchone()
        if live is None:
            return []
        own = {r[0] for r in conn.execute(
            "SELECT email_key FROM customer_emails WHERE customer_id = ? UNION ALL "
            "SELECT phone FROM customer_phones WHERE customer_id = ?", (customer_id, customer_id)
        )}  # fmt: skip
        emails = [e for e in emails if e not in own]
        phones = [p for p in phones if p not in own]
    found: list[Taken] = []
    for sql, values in (
        (
            "SELECT c.id, c.name, e.email FROM customer_emails e JOIN customers c "
            "ON c.id = e.customer_id WHERE e.email_key = ? AND c.archived_at IS NULL "
            "AND c.id IS NOT ? ORDER BY c.id",
            emails,
        ),
        (
            "SELECT c.id, c.name, p.phone FROM customer_phones p JOIN customers c "
            "ON c.id = p.customer_id WHERE p.phone = ? AND c.archived_at IS NULL "
            "AND c.id IS NOT ? ORDER BY c.id",
            phones,
        ),
    ):
        for value in values:
            found += [Taken(*row) for row in conn.execute(sql, (value, customer_id or besides))]
    return found


def taken_back(conn: sqlite3.Connection, customer_id: int) -> list[Taken]:
    """The emails and phones of `customer_id`, live again, that another live customer has
    (`taken` as if they were being added now)."""
    from crmcli.records.customers import Changes

    emails = conn.execute(
        "SELECT email, email_key FROM customer_emails WHERE customer_id = ?", (customer_id,)
    ).fetchall()
    phones = conn.execute(
        "SELECT phone FROM customer_phones WHERE customer_id = ?", (customer_id,)
    ).fetchall()
    changes = Changes(add_emails=[tuple(r) for r in emails], add_phones=[r[0] for r in phones])
    return taken(conn, changes, None, besides=customer_id)


class Likely(NamedTuple):
    """A live customer with the same name and the same company or city, or (`same` empty)
    with the very same name alone."""

    customer_id: int
    name: str
    same: str  # "company 华为" or "city 上海"; "" for the same name alone

    def __str__(self) -> str:
        if not self.same:
            return _("{name} (#{customer_id}, same name)").format(
                name=self.name, customer_id=self.customer_id
            )
        return _("{name} (#{customer_id}, same name and {same})").format(
            name=self.name,
            customer_id=self.customer_id,
            same=self.same.said() if isinstance(self.same, Said) else self.same,
        )


def _city_key(city: str | None) -> str:
    """`city` folded as a company is, by the name crm stores (an older row's `苏州市` is
    `苏州`, as add and import now store it)."""
    return _company_key(understood("city", city) or city if city else city)


def likely_same(
    conn: sqlite3.Connection,
    name: str,
    *,
    company: str | None,
    city: str | None,
    other_than: int | None = None,
) -> list[Likely]:
    """Live customers but `other_than` whose name has `name`'s key (`name_key`, as `crm
    dedupe` compares them) and whose company or city is the same (the same folding), by id.
    Only the customers with that company or city have their names folded."""
    if not company and not city:
        return []  # nothing to compare (and the name need not be folded)
    key = name_key(name)
    found: dict[int, Likely] = {}
    for column, value in (("company", company), ("city", city)):
        fold = _company_key if column == "company" else _city_key
        wanted = fold(value)
        if not wanted or not key:
            continue
        same = [
            v
            for (v,) in conn.execute(
                f"SELECT DISTINCT {column} FROM customers "  # noqa: S608 - fixed names
                f"WHERE archived_at IS NULL AND {column} IS NOT NULL"
            )
            if fold(v) == wanted
        ]
        for start in range(0, len(same), 500):
            chunk = same[start : start + 500]
            for row in conn.execute(
                f"SELECT id, name, {column} FROM customers WHERE archived_at IS NULL "  # noqa: S608
                f"AND id IS NOT ? AND {column} IN ({','.join('?' * len(chunk))})",
                [other_than, *chunk],
            ):
                if row[0] not in found and name_key(row[1]) == key:
                    same_as = (Said("company {value}", value=row[2]) if column == "company"
                               else Said("city {value}", value=row[2]))  # fmt: skip
                    found[row[0]] = Likely(row[0], row[1], same_as)
    return [found[i] for i in sorted(found)]


def likely_listed(found: list[Likely]) -> str:
    """The customers a warning names as possible duplicates, as every command says them
    (`crm add`, `edit`, the editor, an import): the first three, then `and N more`."""
    listed = _(", ").join(map(str, found[:3]))
    if len(found) > 3:
        listed += _(", and {count} more").format(count=len(found) - 3)
    return listed


def renamed_warning(customer_id: int, found: list[Likely]) -> str:
    """The warning of a customer renamed to the name of the live customers `found`, as
    `crm edit` and an import's row say it."""
    return _(
        "#{customer_id} is now a possible duplicate of {value}; if they are one "
        "customer: crm merge {customer_id2} {customer_id}"
    ).format(customer_id=customer_id, value=likely_listed(found), customer_id2=found[0].customer_id)


def named_alike(conn: sqlite3.Connection, name: str, *, other_than: int) -> list[Likely]:
    """Live customers but `other_than` whose name is `name` as a reference reads a name
    (`validate.fold`: case, accents and width aside; `crm show NAME` would now have to
    choose), by id: the pair `crm dedupe` scores as the same name. Found through the
    index of folded names, so a new customer costs one lookup."""
    rows = conn.execute(
        "SELECT id, name FROM customers WHERE name_key = ? AND archived_at IS NULL "
        "AND id != ? ORDER BY id",
        (validate.fold(name), other_than),
    )
    return [Likely(customer_id, shown, "") for customer_id, shown in rows]


# Merging -------------------------------------------------------------------------------------

FILLABLE = (
    "kind", "company", "title", "gender", "birthday", "address", "city", "region", "country",
    "industry", "company_size", "source", "national_id", "preferred_channel",
    "preferred_time", "external_id", "referred_by", "cadence_days", "stage",
)  # fmt: skip


def customer_links(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(table, column) of every column that points at a customer: each foreign key to
    customers(id), and any `customer_id` column, in whichever table later migrations add.
    Not the history's own tables: a record's history stays with the customer it describes,
    so undo needs nothing moved back and forget finds it by that customer."""
    from crmcli.store.history import DERIVED_TABLES, HISTORY_TABLES

    links: list[tuple[str, str]] = []
    tables = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"
    ).fetchall()
    for (table,) in tables:
        if table in HISTORY_TABLES or table in DERIVED_TABLES:
            continue
        quoted = '"' + table.replace('"', '""') + '"'
        found = {
            r[3] for r in conn.execute(f"PRAGMA foreign_key_list({quoted})") if r[2] == "customers"
        }
        columns = {r[1] for r in conn.execute(f"PRAGMA table_info({quoted})")}
        if "customer_id" in columns and table != "customers":
            found.add("customer_id")
        links += [(table, column) for column in sorted(found)]
    return links


class Gains(NamedTuple):
    """What merging OTHER into KEEP gives KEEP, said before the merge is asked for: each
    one's phones and emails, OTHER's that KEEP has not, OTHER's tags that KEEP has not, and
    how many interactions, purchases and tasks move; the fields of KEEP's that OTHER's
    values fill, and OTHER's differing values kept in KEEP's notes (`城市：上海`)."""

    keep_contacts: list[str]
    other_contacts: list[str]
    phones: list[str]
    emails: list[str]
    tags: list[str]
    interactions: int
    purchases: int
    tasks: int
    filled: list[str]
    noted: list[str]


def merge_gains(conn: sqlite3.Connection, keep_id: int, other_id: int) -> Gains:
    """What `merge_customers(conn, keep_id, other_id)` would give KEEP (see Gains), read
    without writing; phones in E.164, primary ones first."""

    def listed(sql: str, *params: int) -> list[str]:
        return [row[0] for row in conn.execute(sql, params)]

    def contacts(customer_id: int) -> list[str]:
        return listed(_PHONES, customer_id, 0) + listed(_EMAILS, customer_id, 0)

    def count(table: str) -> int:
        sql = f"SELECT count(*) FROM {table} WHERE customer_id = ?"  # noqa: S608 - fixed names
        return int(conn.execute(sql, (other_id,)).fetchone()[0])

    from crmcli.records.customers import get_customer

    filled, noted = _filled_and_noted(
        get_customer(conn, keep_id, reveal=True), get_customer(conn, other_id, reveal=True)
    )
    return Gains(
        contacts(keep_id),
        contacts(other_id),
        listed(_PHONES, other_id, keep_id),
        listed(_EMAILS, other_id, keep_id),
        listed(_TAGS, other_id, keep_id),
        count("interactions"),
        count("purchases"),
        count("tasks"),
        list(filled),
        noted,
    )


# A customer's phones, emails and tag names that another (0: none) has not.
_PHONES = (
    "SELECT phone FROM customer_phones WHERE customer_id = ? AND phone NOT IN "
    "(SELECT phone FROM customer_phones WHERE customer_id = ?) ORDER BY is_primary DESC, id"
)
_EMAILS = (
    "SELECT email FROM customer_emails WHERE customer_id = ? AND email_key NOT IN "
    "(SELECT email_key FROM customer_emails WHERE customer_id = ?) ORDER BY is_primary DESC, id"
)
_TAGS = (
    "SELECT t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id "
    "WHERE ct.customer_id = ? AND ct.tag_id NOT IN "
    "(SELECT tag_id FROM customer_tags WHERE customer_id = ?) ORDER BY t.name"
)


def _filled_and_noted(
    keep: Mapping[str, Any], other: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """What merging customer `other` into `keep` (both read whole) fills of KEEP's empty
    fields (column -> value, over FILLABLE), and OTHER's differing values it keeps in KEEP's
    notes, each as a line (`城市：上海`) in the run's language."""
    filled: dict[str, Any] = {}
    noted: list[str] = []
    for name in FILLABLE:
        mine, theirs = keep[name], other[name]
        if theirs is None or mine == theirs:
            continue
        if name == "referred_by" and theirs == keep["id"]:
            continue
        if mine is None:
            filled[name] = theirs
        elif name != "national_id":
            noted.append(
                _("{field}: {value}").format(
                    field=said_as("field", name), value=said_as(name, theirs)
                )
            )
    if other["name"] != keep["name"]:
        noted.insert(
            0, _("{field}: {value}").format(field=said_as("field", "name"), value=other["name"])
        )
    mine_fields = keep["fields"]
    noted += [
        _("field {name}: {value}").format(name=k, value=v)
        for k, v in other["fields"].items()
        if k in mine_fields and mine_fields[k] != v
    ]
    if other["notes"]:
        noted.append(
            _("{field}: {value}").format(field=said_as("field", "notes"), value=other["notes"])
        )
    return filled, noted


def merge_customers(conn: sqlite3.Connection, keep_id: int, other_id: int) -> Merged:
    """Merge customer `other_id` into `keep_id` (see the module docstring); returns what was
    done: the filled fields, the values noted, and rows moved per table."""
    from crmcli.records.customers import get_customer

    if keep_id == other_id:
        raise InvalidInput(_("KEEP and OTHER are the same customer"))
    keep = get_customer(conn, keep_id, reveal=True)
    other = get_customer(conn, other_id, reveal=True)
    filled, noted = _filled_and_noted(keep, other)
    stamp = clock.timestamp()
    notes = keep["notes"]
    if noted:
        # Prose for people, kept in the notes: in the language of the run that merged.
        said = _("Merged from #{id} {name} on {day}:").format(
            id=other_id, name=other["name"], day=stamp[:10]
        )
        block = said + "\n" + "\n".join(f"  {line}" for line in noted)
        notes = f"{notes}\n\n{block}" if notes else block
        notes = validate.text("notes", notes, multiline=True)
    if "external_id" in filled:
        conn.execute("UPDATE customers SET external_id = NULL WHERE id = ?", (other_id,))
    # KEEP's primary phone and email stay primary.
    for table in ("customer_phones", "customer_emails"):
        conn.execute(
            f"UPDATE {table} SET is_primary = 0 WHERE customer_id = ? "  # noqa: S608 - fixed
            f"AND EXISTS (SELECT 1 FROM {table} WHERE customer_id = ?)",
            (other_id, keep_id),
        )
    moved: dict[str, int] = {}
    for table, column in customer_links(conn):
        quoted = '"' + table.replace('"', '""') + '"'
        sql = f'UPDATE OR IGNORE {quoted} SET "{column}" = ? WHERE "{column}" = ?'  # noqa: S608
        params: list[Any] = [keep_id, other_id]
        if table == "customers":
            sql += " AND id != ?"
            params.append(keep_id)
        count = conn.execute(sql, params).rowcount
        if count:
            key = table if column == "customer_id" else f"{table}.{column}"
            moved[key] = moved.get(key, 0) + count
    # Links that now point from KEEP to KEEP mean nothing.
    conn.execute(
        "DELETE FROM customer_relations WHERE customer_id = ? AND related_id = ?",
        (keep_id, keep_id),
    )
    conn.execute(
        "UPDATE customers SET referred_by = NULL WHERE id = ? AND referred_by IN (?, ?)",
        (keep_id, keep_id, other_id),
    )
    # OTHER as it was, for the record; its national ID masked like every copy of one (the
    # clear value, should undo need it, is kept with the history of OTHER's row).
    snapshot = shown_values(
        {k: v for k, v in other.items() if k not in ("referrals",)}, False, "customers"
    )
    conn.execute(
        "INSERT INTO customer_merges (customer_id, merged_id, merged_name, record, moved, "
        "merged_at) VALUES (?, ?, ?, ?, ?, ?)",
        (
            keep_id,
            other_id,
            other["name"],
            json.dumps(snapshot, ensure_ascii=False, sort_keys=True),
            json.dumps(moved, sort_keys=True),
            stamp,
        ),
    )
    conn.execute("DELETE FROM customers WHERE id = ?", (other_id,))
    values = dict(filled)
    if notes != keep["notes"]:
        values["notes"] = notes
    assignments = "".join(f"{c} = ?, " for c in values)
    conn.execute(
        f"UPDATE customers SET {assignments}updated_at = ?, version = version + 1 "  # noqa: S608
        "WHERE id = ?",
        [*values.values(), stamp, keep_id],
    )
    return {"filled": sorted(filled), "noted": noted, "moved": moved}
