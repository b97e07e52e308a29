"""Everyday customer commands: add, edit, show, list, delete, undelete."""

import copy
import sqlite3
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer

from crmcli.cli.app import app, output, reading, writing
from crmcli.cli.batch import Batch, RefsArgument, batch_options, confirm_bulk, select
from crmcli.cli.options import (
    AllowDuplicateOption,
    DryRun,
    FieldsOption,
    FormatOption,
    LimitOption,
    QuietOption,
    chosen_fields,
    confirm,
    filter_options,
    filter_options_except,
    option,
    with_options,
)
from crmcli.cli.output import Format, Section, cell, is_terminal, sentence
from crmcli.core import clock, dates
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, _
from crmcli.core.text import id_list, plural
from crmcli.core.vocabulary import value_headers
from crmcli.records import customers, refs
from crmcli.records.customers import CustomerInput

if TYPE_CHECKING:  # the filter language loads only where a filter is parsed
    from crmcli.records.duplicates import Likely, Taken
    from crmcli.records.filters import CustomerFilter

# Scalar fields settable by option: (field, option, help).
FIELD_OPTIONS = [
    ("kind", "--kind", "person or organisation."),
    ("company", "--company", "Company name."),
    ("title", "--title", "Job title."),
    ("gender", "--gender", "female, male or other."),
    (
        "birthday",
        "--birthday",
        "Birthday (1990-08-15, ...; --08-15 without a year; lunar:1990-08-15 or "
        "lunar:1990-闰06-15).",
    ),
    ("address", "--address", "Postal address."),
    ("city", "--city", "City."),
    ("region", "--region", "Region or province."),
    ("country", "--country", "Country."),
    ("industry", "--industry", "Industry."),
    ("company_size", "--company-size", "Company size, e.g. 11-50."),
    ("source", "--source", "Where the customer came from (channel)."),
    (
        "national_id",
        "--national-id",
        "National ID number (masked on output); - reads stdin or asks without echo.",
    ),
    ("notes", "--notes", "Free notes; - reads them from stdin."),
    ("preferred_channel", "--preferred-channel", "Preferred contact channel (wechat, phone...)."),
    ("preferred_time", "--preferred-time", "Preferred contact time, e.g. 'weekday mornings'."),
    ("external_id", "--external-id", "Your own unique key for scripts."),
    ("referred_by", "--referred-by", "The customer who referred them (a reference)."),
    (
        "cadence_days",
        "--cadence",
        "Contact them every 14d, 2w, 1m (30 days)...; IDEAL..MAX (14d..30d) for a range.",
    ),
]
LIST_OPTIONS = [
    (
        "phones",
        "--phone",
        "Phone number (repeatable; first is primary). crm edit adds it to the others: "
        "--primary-phone makes one the main number, --remove-phone drops one.",
    ),
    (
        "emails",
        "--email",
        "Email address (repeatable; first is primary). crm edit adds it to the others: "
        "--primary-email makes one the main address, --remove-email drops one.",
    ),
    ("fields", "--field", "User-defined field KEY=VALUE (repeatable)."),
    ("related", "--related", "Related person RELATION=NAME or RELATION=#ID (repeatable)."),
]
EDIT_ONLY_SCALARS = [("name", "--name", "New name.")]
EDIT_ONLY_LISTS = [
    ("unset", "--unset", "Clear a field (or a user-defined field) (repeatable)."),
    ("remove_phones", "--remove-phone", "Remove a phone number (repeatable)."),
    ("remove_emails", "--remove-email", "Remove an email address (repeatable)."),
    ("remove_related", "--remove-related", "Remove related people by relation or name."),
]
EDIT_ONLY_SINGLE = [
    ("primary_phone", "--primary-phone", "Make this phone the primary one."),
    ("primary_email", "--primary-email", "Make this email the primary one."),
]


def _read_stdin_value(option: str, *, secret: bool = False) -> str:
    """The value of `OPTION -`: standard input, or for a secret on a terminal a prompt that
    does not echo (so it stays out of argv, shell history and the screen)."""
    from crmcli.core import stdin

    if secret and sys.stdin is not None and is_terminal(sys.stdin):
        return typer.prompt(option.lstrip("-").replace("-", " "), hide_input=True, err=True)
    return stdin.text(f"{option} -").rstrip("\n")


def customer_options(*, edit: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add the customer field options to a command and hand it a CustomerInput as `raw`.

    One list of options serves `add` and `edit`, so the two can never drift apart.
    """
    scalars = FIELD_OPTIONS + (EDIT_ONLY_SCALARS if edit else [])
    lists = LIST_OPTIONS + (EDIT_ONLY_LISTS if edit else [])
    singles = EDIT_ONLY_SINGLE if edit else []
    params = [option(f"opt_{name}", flag, text) for name, flag, text in scalars + singles]
    params += [option(f"opt_{name}", flag, text, many=True) for name, flag, text in lists]

    def collect(values: dict[str, Any]) -> CustomerInput:
        raw = CustomerInput()
        readers = [flag for name, flag, _ in scalars if values[f"opt_{name}"] == "-"]
        if len(readers) > 1:
            raise InvalidInput(
                _("only one option can read stdin ({value} both say -)").format(
                    value=" and ".join(readers)
                )
            )
        for name, flag, _kind in scalars:
            value = values[f"opt_{name}"]
            if value is not None:
                if value == "-" and name in ("notes", "national_id"):
                    value = _read_stdin_value(flag, secret=name == "national_id")
                raw.values[name] = value
        for name, _flag, _kind in singles:
            setattr(raw, name, values[f"opt_{name}"])
        for name, _flag, _kind in lists:
            setattr(raw, name, list(values[f"opt_{name}"] or []))
        return raw

    return with_options(params, collect, "raw")


def _region(conn: sqlite3.Connection) -> str | None:
    from crmcli.records.config import get_setting

    return get_setting(conn, "default_region")


def resolver(
    conn: sqlite3.Connection, *, archived: bool = False, only_archived: bool = False
) -> Callable[[str], int]:
    region = _region(conn)
    return lambda ref: refs.resolve(
        conn, ref, region=region, archived=archived, only_archived=only_archived
    )


def _prepare(
    conn: sqlite3.Connection, raw: CustomerInput, country: str | None = None
) -> customers.Changes:
    """`raw` validated; `country` is the customer's stored one, which phones are read in."""
    return customers.prepare(
        conn,
        raw,
        region=_region(conn),
        today=clock.today(),
        resolve=resolver(conn),
        country=country,
    )


def allow_duplicates(
    found: "list[Taken] | list[Taken | str]",
    allow: bool,
    verb: str,
    *,
    ask: bool = True,
    region: str | None = None,
) -> None:
    """Go on when no other live customer has the emails and phones being given (`found`),
    with --allow-duplicate, or when a person at the terminal (stdin and stderr) says yes to
    `VERB anyway?`. Otherwise stop with nothing changed: InvalidInput (exit 2) naming the
    customers and --allow-duplicate, from a script or a dry run (`ask=False`); CrmError
    (exit 1) on a "no"."""
    found = list(dict.fromkeys(found))  # a bulk edit meets the same one again
    if not found or allow:
        return
    more = len(found) - 3
    tail = _("; and {count} more").format(count=more) if more > 0 else ""
    at_terminal = is_terminal(sys.stderr)
    if at_terminal:  # a phone reads as a terminal shows phones (national in default_region)
        from crmcli.cli.display import phone

        said = [t if isinstance(t, str) else str(t._replace(value=phone(t.value, region)))
                for t in found[:3]]  # fmt: skip
    else:
        said = [str(t) for t in found[:3]]
    shown = _("; ").join(said) + tail
    question, refusal = _ANYWAY[verb]
    refusal = _(refusal).format(found=shown)
    if not (ask and at_terminal):
        raise InvalidInput(refusal)
    confirm(_(question).format(found=shown), False, refusal=refusal)


# What allow_duplicates asks, and says when it may not ask, for each of its verbs.
_ANYWAY = {
    "add": (N_("{found}. Add anyway?"), N_("{found}; pass --allow-duplicate to add anyway")),
    "save": (N_("{found}. Save anyway?"), N_("{found}; pass --allow-duplicate to save anyway")),
    "restore": (
        N_("{found}. Restore anyway?"),
        N_("{found}; pass --allow-duplicate to restore anyway"),
    ),
}


DeriveOption = Annotated[
    bool,
    typer.Option(
        "--derive-from-id",
        help="Fill an empty birthday and gender from the national ID (GB 11643).",
    ),
]


@app.command("add")
@customer_options(edit=False)
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The customer's name.", show_default=False)],
    derive_from_id: DeriveOption = False,
    allow_duplicate: AllowDuplicateOption = False,
    quiet: QuietOption = False,
    raw: CustomerInput | None = None,
) -> None:
    """Add a customer and print the new id.

    An email or phone another live customer has is asked about on a terminal and refused
    from a script (exit 2) unless --allow-duplicate; the same name (with the same company
    or city, or alone) is a warning.

    Example: crm add "张伟" --phone 13800138000 --email zw@example.com --city 上海
    """
    from crmcli.records import duplicates

    assert raw is not None
    raw.values["name"] = name
    with writing(ctx) as conn:
        changes = _prepare(conn, raw)
        if derive_from_id:
            customers.derive_from_id(changes, None)
        allow_duplicates(
            duplicates.taken(conn, changes), allow_duplicate, "add", region=_region(conn)
        )
        customer_id = customers.add_customer(conn, changes)
        record = customers.get_customer(conn, customer_id)
        shown = record["name"]
        likely = duplicates.likely_same(
            conn,
            shown,
            company=changes.values.get("company"),
            city=changes.values.get("city"),
            other_than=customer_id,
        )
        known = {found.customer_id for found in likely}
        likely += [
            found
            for found in duplicates.named_alike(conn, shown, other_than=customer_id)
            if found.customer_id not in known
        ]
    out = output(ctx, quiet=quiet)
    if note := dates.time_not_kept("--birthday", raw.values.get("birthday")):
        out.warn(note)
    out.done(
        _("Added customer {customer_id}: {shown}{value}").format(
            customer_id=customer_id, shown=shown, value=_born(record)
        ),
        customer_id,
    )
    if likely:
        out.warn(
            _(
                "possible duplicate of {value}; if they are one customer: crm merge "
                "{customer_id} {customer_id2}"
            ).format(
                value=duplicates.likely_listed(likely),
                customer_id=likely[0].customer_id,
                customer_id2=customer_id,
            )
        )


# What `crm edit --dry-run` compares, in order.
# Everything `crm edit` can change, so that its summary and --dry-run miss no change.
DIFF_FIELDS = (
    "name", "kind", *customers.UNSETTABLE, "phones", "emails", "fields", "related", "tags",
    "stage",
)  # fmt: skip


def _set_values(raw: CustomerInput, assignments: list[str], custom: set[str] | None = None) -> None:
    """`--set FIELD=VALUE`: a built-in field, `phone`/`email` (added), a user-defined field
    that exists (or `field.NAME`); a typo is refused rather than made a new field. A
    built-in field is also named by its header in any language (`城市` is `city`, as in
    `--where`), unless a user-defined field has that name."""
    from crmcli.core.validate import key_value
    from crmcli.core.vocabulary import column_named, fields_meant, word

    builtin = ("name", *customers.UNSETTABLE, "phone", "email")
    for item in assignments:
        name, value = key_value("--set", item)
        name = name.strip().replace("-", "_")
        if name not in builtin and name not in (custom or ()):
            name = column_named(name, builtin, custom or ()) or name
        if name in ("name", *customers.UNSETTABLE):
            if name in raw.values:  # `--set 地区=浙江 --set region=江苏`, or with --region
                raise InvalidInput(_("{name} is given twice").format(name=word("field", name)))
            raw.values[name] = value
        elif name == "phone":
            raw.phones.append(value)
        elif name == "email":
            raw.emails.append(value)
        elif name.startswith("field."):
            raw.fields.append(f"{name[len('field.') :]}={value}")
        elif custom is not None and name not in custom:
            meant = fields_meant(name, [*builtin, *sorted(custom)], custom)
            raise InvalidInput(
                _("unknown field {name!r} in --set; did you mean {fields}?").format(
                    name=name, fields=_(" or ").join(meant)
                )
                if meant
                else _(
                    "unknown field {name!r} in --set; a new user-defined field takes --set "
                    "field.{name}=VALUE or --field {name}=VALUE"
                ).format(name=name)
            )
        else:
            raw.fields.append(f"{name}={value}")


def _describe_change(
    assign: list[str] | None,
    stage: str | None,
    add_tag: list[str] | None,
    remove_tag: list[str] | None,
    raw: CustomerInput,
) -> str:
    """What a bulk edit will do, in a few words, for its confirmation question."""
    from crmcli.core.vocabulary import word

    def listed(fields: Iterable[str]) -> str:
        return _(", ").join(word("field", f) for f in fields)

    parts = [_("set {fields}").format(fields=listed(sorted(raw.values)))] if raw.values else []
    parts += [_("unset {fields}").format(fields=listed(raw.unset))] if raw.unset else []
    parts += [_("add phone {phone}").format(phone=p) for p in raw.phones]
    parts += [_("add email {email}").format(email=e) for e in raw.emails]
    parts += [_("field {name}").format(name=f.split("=")[0]) for f in raw.fields]
    parts += [_("stage → {stage}").format(stage=stage)] if stage else []
    parts += [_("+tag {tag}").format(tag=t) for t in add_tag or []]
    parts += [_("-tag {tag}").format(tag=t) for t in remove_tag or []]
    del assign  # already folded into raw
    return _("; ").join(parts) or _("customers")


def _born(record: Mapping[str, Any]) -> str:
    """`, born Sun 1990-05-13` (`, born --05-13, year not known`; a lunar birthday adds
    `(lunar 1990-10-15)`) to echo the birthday understood; empty without one."""
    if not record.get("birthday"):
        return ""
    day, year_known = dates.stored_day(record["birthday"])
    if not year_known:
        return _(", born --{day}, year not known").format(day=f"{day:%m-%d}")
    lunar = record.get("birthday_lunar")
    lunar = _(" (lunar {day})").format(day=lunar) if lunar else ""
    return _(", born {day}{lunar}").format(day=dates.show_day(day), lunar=lunar)


def _diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "customer_id": after["id"],
            "customer_name": after["name"],
            "field": key,
            "old": _diffed(before, key) if key == "fields" else cell(_diffed(before, key)),
            "new": _diffed(after, key) if key == "fields" else cell(_diffed(after, key)),
        }
        for key in DIFF_FIELDS
        if before.get(key) != after.get(key)
    ]


def _diffed(record: dict[str, Any], key: str) -> Any:
    """A field's value as the diff shows it: related people as `friend=Bob #2`, user-defined
    fields as `district=朝阳区` (in a Chinese table by their labels, `区县=朝阳区`)."""
    if key == "fields":
        from crmcli.core.vocabulary import Listed

        return Listed("field", cell(record.get(key)))
    if key != "related":
        return record.get(key)
    return [
        f"{r['relation']}={r['name']}" + (f" #{r['customer_id']}" if r["customer_id"] else "")
        for r in record[key]
    ]


@app.command("edit")
@customer_options(edit=True)
@filter_options_except("--stage", "--city", "--company", "--source", "--kind")
@batch_options
def edit(
    ctx: typer.Context,
    targets: RefsArgument = None,
    assign: Annotated[
        list[str] | None, typer.Option("--set", help="FIELD=VALUE (repeatable).")
    ] = None,
    stage: Annotated[str | None, typer.Option("--stage", help="Move to this stage.")] = None,
    add_tag: Annotated[list[str] | None, typer.Option("--add-tag", help="Add a tag.")] = None,
    remove_tag: Annotated[
        list[str] | None, typer.Option("--remove-tag", help="Remove a tag.")
    ] = None,
    editor: Annotated[
        bool, typer.Option("--editor", help="Edit one record as text in $EDITOR.")
    ] = False,
    fmt: FormatOption = Format.table,
    derive_from_id: DeriveOption = False,
    allow_duplicate: AllowDuplicateOption = False,
    quiet: QuietOption = False,
    raw: CustomerInput | None = None,
    selection: "CustomerFilter | None" = None,
    batch: Batch | None = None,
) -> None:
    """Change one customer's fields (no options on a terminal: opens $EDITOR), or the same
    change for many: REF..., - (stdin), --ids-from, a filter or --all, in one transaction.

    An email or phone another live customer has is asked about on a terminal and refused
    from a script (exit 2) unless --allow-duplicate; a new name another live customer has
    is a warning, with the `crm merge` that makes them one.

    Example: crm edit 12 --title CTO --phone +8613900139000 --field wechat=zw_88 --unset notes
    Example: crm edit --where "city = 杭州" --tag vip --set source=referral --add-tag east --dry-run
    """
    from contextlib import suppress

    from crmcli.records import config, duplicates, tags

    assert raw is not None and selection is not None and batch is not None
    if assign:
        with reading(ctx) as conn:
            _set_values(raw, assign, customers.custom_field_keys(conn))
    named = list(targets or [])
    single = (
        len(named) == 1
        and named != ["-"]
        and selection.is_empty()
        and not (batch.every or batch.ids_from)
    )
    something = stage or add_tag or remove_tag or derive_from_id
    if single and raw.is_empty() and not something:
        _edit_in_editor(ctx, named[0], editor, quiet, allow_duplicate)
        return
    if raw.is_empty() and not something:
        raise InvalidInput(
            _(
                "nothing to change; give options such as --set FIELD=VALUE, --city, "
                "--add-tag or --stage"
            )
        )
    new_tags = [tags.clean_tag(t) for t in add_tag or []]
    changed: list[dict[str, Any]] = []
    with suppress(DryRun), writing(ctx) as conn:
        ids, by_filter = select(ctx, conn, named, selection, batch)
        # Phones are read in each customer's own country: one preparation per country.
        countries = customers.countries(conn, ids) if raw.phone_inputs() else {}
        prepared = {c: _prepare(conn, raw, c) for c in {*countries.values()} or {None}}
        new_stage = config.clean_stage(conn, stage) if stage else None
        what = _("Change {what}").format(
            what=_describe_change(assign, stage, add_tag, remove_tag, raw)
        )
        confirm_bulk(conn, len(ids), what, batch, by_filter)
        befores = {i: customers.get_customer(conn, i) for i in ids}
        taken: list[duplicates.Taken | str] = [
            t for i in ids for t in duplicates.taken(conn, prepared[countries.get(i)], i)
        ]  # checked before any edit: the others of this edit are named below
        given = Counter(  # what each customer gets: a phone is read in their own country
            value
            for i in ids
            for value in (
                *(p for p in prepared[countries.get(i)].add_phones if p.startswith("+")),
                *(email for email, _ in prepared[countries.get(i)].add_emails),
            )
        )
        taken += [
            _("the edit would give {customers} {value}").format(
                customers=plural(n, "customer").said(), value=v
            )
            for v, n in given.items()
            if n > 1
        ]
        for customer_id in ids:
            mine = prepared[countries.get(customer_id)]
            if derive_from_id:  # each customer's own ID fills their own birthday and gender
                mine = copy.deepcopy(mine)
                current = customers.get_customer(conn, customer_id, reveal=True)
                customers.derive_from_id(mine, current)
            customers.edit_customer(conn, customer_id, mine)
            if new_stage:
                tags.set_stage(conn, customer_id, new_stage)
        for tag in new_tags:
            tags.add_tag(conn, tag, ids)
        for tag in remove_tag or []:
            tags.remove_tag(conn, tag.strip(), ids)
        afters = {i: customers.get_customer(conn, i) for i in ids}
        for customer_id in ids:
            changed += _diff(befores[customer_id], afters[customer_id])
        if batch.dry_run:
            output(ctx, fmt).rows(
                changed,
                ("customer_id", "customer_name", "field", "old", "new"),
                headers=value_headers(),
            )
        allow_duplicates(
            taken, allow_duplicate, "save", ask=not batch.dry_run, region=_region(conn)
        )
        if batch.dry_run:
            raise DryRun
        likely = _likely_after_edit(conn, ids, changed)
    if batch.dry_run:
        return
    updated = sorted({row["customer_id"] for row in changed})
    if single:
        born = _born(afters[ids[0]]) if "birthday" in raw.values else ""
        message = (
            _("Updated customer {customer_id}{born}.").format(customer_id=ids[0], born=born)
            if updated
            else _("No changes{born}.").format(born=born)
        )
    else:
        message = _("Updated {count} of {customers}.").format(
            count=len(updated), customers=plural(len(ids), "customer").said()
        )
    out = output(ctx, quiet=quiet)
    if note := dates.time_not_kept("--birthday", raw.values.get("birthday")):
        out.warn(note)
    out.done(message, *updated)
    _warn_likely(out, likely)


def _warn_likely(out: Any, likely: "list[tuple[int, list[Likely]]]") -> None:
    """Warn of each edited customer who now looks like another (`_likely_after_edit`),
    once for a group: `crm edit 23 24 --name 'Zed Same'` is one warning (#24 of #23), not
    two suggesting opposite merges."""
    from crmcli.records import duplicates

    warned: set[int] = set()
    for customer_id, everyone in likely:
        found = [each for each in everyone if each.customer_id not in warned]
        warned.add(customer_id)
        if not found:
            continue
        out.warn(duplicates.renamed_warning(customer_id, found))


def _likely_after_edit(
    conn: sqlite3.Connection, ids: list[int], changed: list[dict[str, Any]]
) -> "list[tuple[int, list[Likely]]]":
    """Customers whose name, company or city this edit changed that now look like another
    live customer (same name, and same company or city), as `crm add` warns; and those
    whose new name another live customer has alone (`crm show NAME` would have to choose)."""
    from crmcli.core.validate import fold
    from crmcli.records import duplicates

    touched = sorted(
        {r["customer_id"] for r in changed if r["field"] in ("name", "company", "city")}
    )
    renamed = {  # not `Carol Smith` to `carol smith`: it matched the same names before
        r["customer_id"]
        for r in changed
        if r["field"] == "name" and fold(str(r["old"])) != fold(str(r["new"]))
    }
    out = []
    for customer_id in touched[:20]:  # a bulk edit of a city warns of the first few
        record = customers.get_customer(conn, customer_id)
        found = duplicates.likely_same(
            conn, record["name"], company=record["company"], city=record["city"],
            other_than=customer_id,
        )  # fmt: skip
        if customer_id in renamed:
            known = {each.customer_id for each in found}
            found += [
                each
                for each in duplicates.named_alike(conn, record["name"], other_than=customer_id)
                if each.customer_id not in known
            ]
        if found:
            out.append((customer_id, found))
    return out


def _edit_in_editor(
    ctx: typer.Context, ref: str, editor: bool, quiet: bool, allow_duplicate: bool
) -> None:
    from crmcli.records import duplicates

    if not (editor or is_terminal(sys.stdin)):
        raise InvalidInput(_("nothing to change; give options such as --city, or --editor"))
    from crmcli.cli.editing import edit_in_editor

    with reading(ctx) as conn:
        customer_id = resolver(conn)(ref)
        record = customers.get_customer(conn, customer_id)
    raw, version = edit_in_editor(record), record["version"]
    if raw is None:
        typer.echo(_("No changes."))
        return
    with writing(ctx) as conn:
        changes = _prepare(conn, raw, record["country"])
        allow_duplicates(
            duplicates.taken(conn, changes, customer_id),
            allow_duplicate,
            "save",
            region=_region(conn),
        )
        changed = customers.edit_customer(conn, customer_id, changes, expected_version=version)
        after = customers.get_customer(conn, customer_id)
        likely = _likely_after_edit(conn, [customer_id], _diff(record, after))
    out = output(ctx, quiet=quiet)
    out.done(
        _("Updated customer {customer_id}.").format(customer_id=customer_id)
        if changed
        else _("No changes."),
        customer_id,
    )
    _warn_likely(out, likely)


CARD_FIELDS = [
    ("kind", N_("kind")),
    ("stage", N_("stage")),
    ("tags", N_("tags")),
    ("company", N_("company")),
    ("title", N_("title")),
    ("gender", N_("gender")),
    ("birthday", N_("birthday")),
    ("birthday_lunar", N_("lunar birthday")),
    ("phones", N_("phones")),
    ("emails", N_("emails")),
    ("address", N_("address")),
    ("city", N_("city")),
    ("region", N_("region")),
    ("country", N_("country")),
    ("industry", N_("industry")),
    ("company_size", N_("company size")),
    ("source", N_("source")),
    ("national_id", N_("national id")),
    ("external_id", N_("external id")),
    ("preferred_channel", N_("preferred channel")),
    ("preferred_time", N_("preferred time")),
    ("cadence_days", N_("cadence (days)")),
    ("cadence_max_days", N_("max gap (days)")),
]


class ShowSection(NamedTuple):
    """Extra records shown under the profile card, e.g. the last interactions.

    `rows(conn, customer_id)` returns dicts; JSON output carries them under `key`.
    Other command modules append to SHOW_SECTIONS instead of editing `show`.
    """

    key: str
    title: str
    columns: tuple[str, ...]
    # Any kind of row: each section's own (a generic renderer shows them by `columns`).
    # Money as `X_minor` integers with `currency`: `crm show` presents it.
    rows: Callable[[sqlite3.Connection, int], Sequence[Mapping[str, Any]]]
    # On a narrow terminal: what the table spares first, and what it keeps (see `emit`).
    first_out: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()


SHOW_SECTIONS: list[ShowSection] = []


def field_label(key: str) -> str:
    """A user-defined field's label on a card: one crm named itself in the run's language
    (`wechat` is 微信 in Chinese), any other as the user named it; one an older file holds
    under a built-in field's name as `field.城市`, as the edit template and `--unset` name it
    (`城市` on the card would read as the built-in city)."""
    from crmcli.core.i18n import current
    from crmcli.core.vocabulary import NAMED_FIELDS
    from crmcli.records.customers import builtin_field

    named = NAMED_FIELDS.get(key)
    if named is None:
        return f"field.{key}" if builtin_field(key) is not None else key
    return key if current() == "en" else _(named)


def _lunar_birthday(stored: str) -> str:
    """A lunar birthday on the card in a form --birthday reads back: in Chinese as a Chinese
    calendar says it (`农历1990年八月十五`), in English as `lunar:` takes it (`1990-08-15`); with
    the next day it falls on (today included): that is when to call."""
    from crmcli.core import i18n, lunar
    from crmcli.core.errors import StorageError

    try:
        value = lunar.stored(stored)
        if value is not None:
            lunar.check(value)
    except (ValueError, InvalidInput):
        value = None
    if value is None:  # only a database changed by hand holds one
        raise StorageError(
            _("the lunar birthday {value!r} in the database is not a lunar date; set it again "
              "with crm edit --birthday").format(value=stored)
        )  # fmt: skip
    typed = lunar.chinese(value) if i18n.current() == "zh" else str(value)
    day = lunar.next_occurrence(value, clock.today())
    return _("{lunar} (next on {day})").format(lunar=typed, day=day.isoformat())


@app.command("show")
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Customer id, external id, email, phone or name.")],
    reveal: Annotated[
        bool, typer.Option("--reveal", help="Show the national ID unmasked.")
    ] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Show one customer's profile card.

    Example: crm show 张伟 --format json
    """
    with reading(ctx) as conn:
        record = customers.get_customer(conn, resolver(conn, archived=True)(ref), reveal=reveal)
        sections = [(s, s.rows(conn, record["id"])) for s in SHOW_SECTIONS]
    from crmcli.core import money

    # Money (`X_minor` keys) as decimal strings, grouped in the card as in every table.
    sections = [
        (s, [money.present(r, grouped_digits=fmt is Format.table) for r in rows])
        for s, rows in sections
    ]
    if fmt is not Format.table:
        record.update({s.key: rows for s, rows in sections})
        output(ctx, fmt).record(record)
        return
    kinds = record["phone_kinds"]
    shown = {
        **record,
        # a service number (95588, 12345) is said in words: `12345（服务号码）`
        "phones": [
            p if kinds[p] == "number" else _("{phone} (service number)").format(phone=p)
            for p in record["phones"]
        ],
    }
    from crmcli.core.vocabulary import word

    if record.get("birthday_lunar"):
        shown["birthday_lunar"] = _lunar_birthday(record["birthday_lunar"])
    pairs: list[tuple[str, Any]] = [(_(label), word(key, shown[key])) for key, label in CARD_FIELDS]
    if record["referred_by"] is not None:
        pairs.append((_("referred by"), f"{record['referred_by_name']} (#{record['referred_by']})"))
    pairs.append((_("referred"), [f"{r['name']} (#{r['id']})" for r in record["referrals"]]))
    pairs.append(
        (
            _("related"),
            [
                _("{relation}: {name}").format(relation=r["relation"], name=r["name"])
                + (f" (#{r['customer_id']})" if r["customer_id"] else "")
                for r in record["related"]
            ],
        )
    )
    pairs += [(field_label(key), value) for key, value in record["fields"].items()]
    pairs += [
        (_("notes"), record["notes"]),
        (_("created"), record["created_at"]),
        (_("updated"), record["updated_at"]),
        (_("ARCHIVED"), record["archived_at"]),
    ]
    parts = [
        Section(s.key, _(s.title), s.columns, rows, first_out=s.first_out, kept=s.kept)
        for s, rows in sections
    ]
    output(ctx).card(f"#{record['id']} {record['name']}", pairs, parts)


def _sortable(sort: str | None) -> None:
    """Refuse a `--sort` crm cannot order by (crmcli.records.filters `order_by`). A field
    `--where` and `--fields` read by that name, in any language (`电话`, `生命周期`, `区县`:
    a user-defined field crm names), is named as they read it, and said to be one a list
    cannot be sorted by, rather than unknown: one vocabulary for the three options."""
    from crmcli.core.vocabulary import NAMED_FIELDS, column_named, fields_glossed
    from crmcli.records import filters

    try:  # `--sort ''` (an empty variable in a script) is no field: refused as `--sort ' '`
        filters.order_by(" " if sort == "" else sort)
    except InvalidInput:
        import unicodedata

        typed = unicodedata.normalize("NFKC", sort or "").lstrip("-+").strip()
        named = typed if typed in filters.WHERE_FIELDS or typed in NAMED_FIELDS else None
        named = named or column_named(typed, filters.WHERE_FIELDS, NAMED_FIELDS)
        if named is None:
            raise
        said = (
            _("cannot sort by {name!r} ({field}, a user-defined field); sortable fields: {fields}")
            if named in NAMED_FIELDS
            else _("cannot sort by {name!r} ({field}, a field --where reads but a list is not "
                   "sorted by); sortable fields: {fields}")
        )  # fmt: skip
        raise InvalidInput(
            said.format(name=typed, field=named, fields=fields_glossed(list(filters.SORTABLE)))
        ) from None


@app.command("list")
@filter_options
def list_(
    ctx: typer.Context,
    sort: Annotated[
        str | None,
        typer.Option(
            help="Sort by FIELD, or -FIELD descending; pinyin: names in pinyin order "
            "(what name means in a Chinese locale)."
        ),
    ] = None,
    limit: LimitOption = None,
    with_classes: Annotated[
        bool,
        typer.Option(
            "--classes", help="Add the derived classes: lifecycle, abc, frequency/value tier."
        ),
    ] = False,
    fmt: FormatOption = Format.table,
    quiet: QuietOption = False,
    fields: FieldsOption = None,
    selection: "CustomerFilter | None" = None,
) -> None:
    """List customers, filtered and sorted.

    Example: crm list --where "city = Shanghai" --tag vip --sort -created_at
    """
    from crmcli.core import i18n
    from crmcli.records import filters

    assert selection is not None
    _sortable(sort)  # a bad --sort is refused before the file is opened
    known: tuple[str, ...] = (*customers.LIST_COLUMNS, *customers.MORE_LIST_COLUMNS)
    if with_classes:
        from crmcli.reports.classes import COLUMNS as CLASS_COLUMNS

        known = (*known, *CLASS_COLUMNS)
    from crmcli.store.db import snapshot

    # One snapshot of the file for the whole listing: the classes and the customers (a
    # customer added meanwhile has no classes), or a plain table's two readings (its
    # widths, then its lines) see the same rows.
    with reading(ctx) as conn, snapshot(conn):  # the language setting is read with the file
        own = sorted(customers.custom_field_keys(conn)) if fields else []
        picked = chosen_fields(fields, known, _not_listed(known) if fields else None, own)
        custom = tuple(c for c in picked or () if c not in known)
        order = filters.order_by(sort, names_by_pinyin=i18n.current() == "zh")
        filters.pinyin_order(conn)
        query = filters.build(conn, selection, today=clock.today())
        if fmt in (Format.csv, Format.tsv) and not (with_classes or quiet or picked):
            # Every customer to a script: cells straight from SQL to csv, no dict per row.
            cells = customers.list_customer_cells(
                conn, query.sql(), query.params, order=order, limit=limit
            )
            output(ctx, fmt).cells(cells, customers.LIST_COLUMNS)
            return
        columns = customers.LIST_COLUMNS
        if fmt is Format.table:
            columns = ("id", "name", "company", "city", "phone", "email", "stage", "tags")
        classes: tuple[str, ...] = ()
        derived: Mapping[int, Mapping[str, Any]] = {}
        if with_classes:  # computed only when asked for: it reads every purchase
            from crmcli.reports.classes import COLUMNS, derive

            classes, derived = COLUMNS, derive(conn, clock.today(), archived=selection.archived)
            columns = (*columns, *classes)

        def listed() -> Iterator[Mapping[str, Any]]:
            rows = customers.list_customers(
                conn,
                query.sql(),
                query.params,
                order=order,
                limit=limit,
                more=picked or (),
                custom=custom,
            )
            if not classes:
                return rows
            return ({**row, **{c: derived[row["id"]][c] for c in classes}} for row in rows)

        again = listed if fmt is Format.table else None
        output(ctx, fmt, quiet).rows(
            listed(),
            picked or columns,
            key="id",
            again=again,
            empty=_("No customers to show."),
            # a user-defined field headed as a card labels it (`field|district` is 区县; a
            # name of the user's own has no msgid and stays as typed), its values as typed
            headers={key: f"field|{key}" for key in custom},
            words=dict.fromkeys(custom),
        )


def _not_listed(known: tuple[str, ...]) -> dict[str, str]:
    """The fields `--where` filters on that `crm list` shows not (`revenue_12m`), or only
    with `--classes` (`lifecycle`), each with why, for `--fields` to say."""
    from crmcli.records import filters
    from crmcli.reports.classes import COLUMNS as CLASS_COLUMNS

    why = {
        key: N_("{name!r} is a field --where filters on, not a column crm list shows")
        for key in (*filters.DERIVED, *filters.CONTACT_FIELDS)
    }
    why.update(dict.fromkeys(CLASS_COLUMNS, N_("{name!r} is shown with --classes")))
    return {key: said for key, said in why.items() if key not in known}


def _archive(
    ctx: typer.Context,
    targets: list[str] | None,
    archived: bool,
    quiet: bool,
    selection: "CustomerFilter",
    batch: Batch,
    allow_duplicate: bool = False,
) -> None:
    from contextlib import suppress

    # undelete looks among archived customers
    selection.archived = not archived
    named = list(targets or [])
    with suppress(DryRun), writing(ctx) as conn:
        if len(named) == 1 and named != ["-"] and selection.is_empty() and not batch.ids_from:
            find = resolver(conn, archived=not archived, only_archived=not archived)
            ids, by_filter = [find(named[0])], False
        else:
            ids, by_filter = select(ctx, conn, named, selection, batch)
        confirm_bulk(conn, len(ids), _("Archive") if archived else _("Restore"), batch, by_filter)
        done = [i for i in ids if customers.set_archived(conn, i, archived)]
        if not archived:  # back among the live: the emails and phones it had are checked
            from crmcli.records import duplicates

            found = [t for i in done for t in duplicates.taken_back(conn, i)]
            allow_duplicates(
                found, allow_duplicate, "restore", ask=not batch.dry_run, region=_region(conn)
            )
        names = {i: customers.get_customer(conn, i)["name"] for i in ids[:1]}
        if batch.dry_run:
            would = _("Would archive {count} customers: {ids}") if archived else None
            would = would or _("Would restore {count} customers: {ids}")
            sentence(would.format(count=len(done), ids=id_list(done)))
            raise DryRun
    if batch.dry_run:
        return
    if len(ids) == 1 and not by_filter:
        customer_id = ids[0]
        if done:
            said = _("Archived customer {customer_id}: {name}") if archived else None
            said = said or _("Restored customer {customer_id}: {name}")
        else:
            said = _("Customer {customer_id} was already archived.") if archived else None
            said = said or _("Customer {customer_id} was already active.")
        message = said.format(customer_id=customer_id, name=names[customer_id])
    else:
        said = _("Archived {customers}.") if archived else _("Restored {customers}.")
        message = said.format(customers=plural(len(done), "customer").said())
    output(ctx, quiet=quiet).done(message, *done)


@app.command("delete")
@filter_options_except("--archived")
@batch_options
def delete(
    ctx: typer.Context,
    targets: RefsArgument = None,
    quiet: QuietOption = False,
    selection: "CustomerFilter | None" = None,
    batch: Batch | None = None,
) -> None:
    """Archive customers: hidden from lists, restorable with `crm undelete`.

    Example: crm delete 12
    Example: crm delete --where "city = Hangzhou" --tag test --dry-run
    """
    assert selection is not None and batch is not None
    _archive(ctx, targets, True, quiet, selection, batch)


@app.command("undelete")
@filter_options_except("--archived")
@batch_options
def undelete(
    ctx: typer.Context,
    targets: RefsArgument = None,
    quiet: QuietOption = False,
    allow_duplicate: AllowDuplicateOption = False,
    selection: "CustomerFilter | None" = None,
    batch: Batch | None = None,
) -> None:
    """Restore archived customers. One whose email or phone a live customer has meanwhile
    been given is asked about on a terminal and refused from a script, unless
    --allow-duplicate.

    Example: crm undelete 12
    """
    assert selection is not None and batch is not None
    _archive(ctx, targets, False, quiet, selection, batch, allow_duplicate)
