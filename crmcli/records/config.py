"""User settings kept in the database's `settings` table (`crm config get/set/list`).

Only known keys are accepted; each has a validator, a default and a one-line description.
A setting may also name a family of keys by a pattern (`cadence.tag.NAME` for any tag name):
such a key is accepted when it matches, and listed once it has been set.

This module also owns the funnel stages (`stages`, a setting). A tag cadence names its tag
by id once the tag exists, so `crm tag rename` changes no setting.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Callable
from typing import NamedTuple

from crmcli.core import validate
from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import N_, Said, _
from crmcli.core.vocabulary import Listed, Word, glossed, understood, word, words_typed

DEFAULT_STAGES = ("lead", "prospect", "customer", "loyal", "lost")


def _currency(value: str) -> str:
    from crmcli.core.money import currency_code  # a known code (美元, ｕｓｄ), as --currency reads

    return currency_code(value)


MONEY_STYLES = ("plain", "wan")


def _money_style(value: str) -> str:
    from crmcli.core.vocabulary import understood

    style = understood("money", value.strip().casefold())  # `wan`, or 万 as Chinese says it
    if style not in MONEY_STYLES:
        raise InvalidInput(_("money must be plain or wan (got {value!r})").format(value=value))
    return style


def _plain(value: str) -> str:
    """A number as typed, its full-width digits and point plain (`１.５`: 1.5, from a
    Chinese input method), stripped; a setting is stored in ASCII digits only."""
    import unicodedata

    return unicodedata.normalize("NFKC", value).strip()


def _whole_number(value: str) -> str:
    if not re.fullmatch(r"[0-9]{1,9}", _plain(value)):
        raise InvalidInput(_("expected a whole number (got {value!r})").format(value=value))
    return str(int(_plain(value)))


def _stages(value: str) -> str:
    # Two names of one stage are refused as typed, before the words become keys.
    _one_name_each([s.strip().casefold() for s in value.replace("，", ",").split(",")])
    # The list `config list` shows (`线索，潜在客户`) reads back as crm's stages; a list with
    # a name of the user's own (`线索,成交`) is the user's own names, each kept as typed.
    typed = words_typed("stage", value)
    if not all(understood("stage", name.strip()) for name in typed.split(",")):
        typed = value.replace("，", ",")
    names = [s.strip().casefold() for s in typed.split(",")]
    if len(names) < 2 or len(set(names)) != len(names):
        raise InvalidInput(_("stages must be at least two different names, comma-separated"))
    for name in names:
        if not re.fullmatch(r"[^\W\d][\w\-]{0,31}", name):
            raise InvalidInput(
                _("invalid stage name {name!r}: a word of letters, digits, _ or -").format(
                    name=name
                )
            )
    return ",".join(names)


def _one_name_each(names: list[str]) -> None:
    """Refuse two names of one stage (`customer` and 成交客户, which a table shows for it;
    `lead` and `ｌｅａｄ`): a table would show both the same way."""
    import unicodedata

    seen: dict[str, str] = {}
    for name in names:
        same = understood("stage", name) or unicodedata.normalize("NFKC", name).casefold()
        if same in seen and seen[same] != name:  # the same name twice: said below
            raise InvalidInput(
                _(
                    "stages {first!r} and {second!r} are one stage ({word}); give each stage "
                    "one name"
                ).format(first=seen[same], second=name, word=word("stage", same))
            )
        seen[same] = name


def _cadence(value: str) -> str:
    """A contact cadence stored as days, e.g. `14d` (`2w` gives 14d, `1m` gives 30d), or an
    ideal and a maximum gap, `14d..30d` (`2w..1m`): the check a customer's own cadence has,
    so a setting never holds a cadence that commands reading it would refuse."""
    from crmcli.records.customers import cadence_range, describe_gap

    return describe_gap(*cadence_range(value))


def _response_target(value: str) -> str:
    """How soon feedback should be answered, e.g. 24h, 90m, 2d; stored in hours or minutes."""
    from crmcli.core.dates import parse_duration

    length = parse_duration(value, option="feedback.response_target")
    seconds = int(length.total_seconds())
    if seconds <= 0 or seconds % 60 or seconds > 365 * 86400:
        raise InvalidInput(
            _(
                "feedback.response_target must be whole minutes up to a year, e.g. 24h "
                "(got {value!r})"
            ).format(value=value)
        )
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds // 60}m"


def _contact_counts(value: str) -> str:
    from crmcli.records.contact import clean_counts

    return clean_counts(words_typed("contact_counts", value))


def _contact_words() -> str:
    from crmcli.records.contact import WORDS

    return ",".join(WORDS)


def _whole(low: int, high: int) -> Callable[[str], str]:
    """A validator for a whole number from `low` to `high`."""

    def check(value: str) -> str:
        text = _plain(value)
        if not re.fullmatch(r"[0-9]{1,9}", text) or not low <= int(text) <= high:
            raise InvalidInput(
                _("give a whole number from {low} to {high} (got {value!r})").format(
                    low=low, high=high, value=value
                )
            )
        return str(int(text))

    return check


def _factor(value: str) -> str:
    """A positive decimal factor such as 1.5."""
    text = _plain(value)
    if not re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,3})?", text) or float(text) <= 0:
        raise InvalidInput(
            _("give a positive number such as 1.5 (got {value!r})").format(value=value)
        )
    return text


def _amount(value: str, currency: str | None = None) -> str:
    """A non-negative amount in the default currency's major units, e.g. 50000 or 1299.50,
    or as amounts are typed elsewhere (`3万`, `1.5千`, `50,000`: stored `30000`, `1500`,
    `50000`). The amount may name the default currency, `currency` (`3万元` where it is
    CNY), and no other (`3万美元`): a tier is counted in the default currency."""
    text = _plain(value).replace(",", "").replace("_", "")
    if re.fullmatch(r"[0-9]{1,12}(\.[0-9]{1,4})?", text):
        return text
    from crmcli.core import money

    refused = InvalidInput(
        _("give an amount such as 50000, 1299.50 or 3万 (got {value!r})").format(value=value)
    )
    try:
        amount = money.parse(value, default=currency or "CNY")
    except InvalidInput:
        raise refused from None
    if amount.minor < 0:
        raise refused
    if currency and amount.currency != currency:  # `3万美元` where CNY is the default
        raise InvalidInput(
            _(
                "{value!r} is in {named}; this setting is in the default currency, {currency}"
            ).format(value=value.strip(), named=amount.currency, currency=currency)
        )
    number = money.to_decimal(amount.minor, amount.currency)
    return str(int(number)) if number == number.to_integral_value() else f"{number.normalize():f}"


# The longest ABC window short of `all`: a longer one (9999y) reached back before the years
# crm keeps, and no shop's revenue is older.
MAX_WINDOW_YEARS = 100


def _window(value: str) -> str:
    """`all`, or a period such as 12m or 2y, up to MAX_WINDOW_YEARS (a year as 365 days, a
    month as 30)."""
    text = value.strip().lower()
    if text == "all":
        return text
    from crmcli.core.dates import parse_period

    period = parse_period(text, option="window")
    if period.approx_days() > MAX_WINDOW_YEARS * 365:
        raise InvalidInput(
            _("window {value!r} is longer than {years} years; give a shorter one, or all").format(
                value=value, years=MAX_WINDOW_YEARS
            )
        )
    return str(period)


def _grid(value: str) -> str:
    """The `rfm.grid` setting: segment names typed in any language crm speaks (`核心客户=5/45；
    忠诚客户=34/45`) kept as their keys. A rule it cannot read is quoted as the user typed it
    (`核心客户=9/45`), not as the key it was read as (`champions=9/45`)."""
    import unicodedata

    from crmcli.reports.models.rfm import format_grid, parse_grid

    parse_grid(unicodedata.normalize("NFKC", value))  # refused as typed, before its keys
    return format_grid(parse_grid(words_typed("rfm_segment", value, ";")))


def _grid_default() -> str:
    from crmcli.reports.models.rfm import GRID, format_grid

    return format_grid(GRID)


def _count(value: str) -> str:
    """A whole number from 0 to 100."""
    text = _plain(value)
    if not re.fullmatch(r"[0-9]{1,3}", text) or int(text) > 100:
        raise InvalidInput(
            _("expected a whole number from 0 to 100 (got {value!r})").format(value=value)
        )
    return str(int(text))


def _language(value: str) -> str:
    from crmcli.core.i18n import clean, languages_said

    language = clean(value)
    if language is None:
        raise InvalidInput(
            _("unknown language {value!r}; languages are: {value2}").format(
                value=value, value2=languages_said()
            )
        )
    return language


class Setting(NamedTuple):
    key: str  # the key, or for a family its shape, e.g. `cadence.tag.NAME`
    validate: Callable[[str], str]
    description: str
    default: Callable[[], str | None] = lambda: None
    pattern: str | None = None  # a family's keys: a regular expression they match in full


def locale_region() -> str | None:
    """The region of the user's locale (`zh_CN.UTF-8` gives CN), if it names one."""
    # The first variable that names a region wins; Python itself may set LC_CTYPE=C.UTF-8
    # when LANG's locale is not installed, so a value without a region is passed over.
    # LC_ALL, when set, overrides the others: `LC_ALL=C.UTF-8` names no region.
    if os.environ.get("LC_ALL"):
        match = re.match(r"[a-z]{2,3}_([A-Z]{2})\b", os.environ["LC_ALL"])
        return match.group(1) if match else None
    for var in ("LC_CTYPE", "LANG"):
        match = re.match(r"[a-z]{2,3}_([A-Z]{2})\b", os.environ.get(var, ""))
        if match:
            return match.group(1)
    return None


def _locale_settings(conn: sqlite3.Connection) -> dict[str, str]:
    """The settings the next write saves from the locale (key -> value), see
    keep_locale_region: none when a region is saved already or the locale names none."""
    region = locale_region()
    if (
        region is None
        or conn.execute("SELECT 1 FROM settings WHERE key = 'default_region'").fetchone()
    ):
        return {}
    try:
        region = validate.region_code(region)  # loads phonenumbers: once per database
    except InvalidInput:
        return {}
    saved = {"default_region": region}
    currency = _region_currency(region)
    if (
        currency != "CNY"
        and not conn.execute(
            "SELECT EXISTS (SELECT 1 FROM settings WHERE key = 'default_currency') "
            "OR EXISTS (SELECT 1 FROM purchases) OR EXISTS (SELECT 1 FROM products)"
        ).fetchone()[0]
    ):
        saved["default_currency"] = currency
    return saved


def keep_locale_region(conn: sqlite3.Connection) -> dict[str, str]:
    """Save the locale's region as default_region when the database has none (called by
    every write, at its start, before the command reads any setting): phone numbers are
    then read the same way by a cron job without LANG as by the terminal that made the
    file. With it, a database that holds no amount yet and no default_currency takes the
    region's currency when that is not CNY (zh_HK: HKD, zh_TW: TWD, en_US: USD), so the
    first amount typed without a currency is stored in it; one that already holds amounts
    keeps CNY, the currency they were typed in. Kept out of the command's changeset, so
    undoing the command keeps them. Returns the settings saved (key -> value): none when a
    region was already set or the locale names none."""
    saved = _locale_settings(conn)
    if saved:
        from crmcli.store import history

        with history.unrecorded(conn):  # not the command's change: `crm undo` leaves it
            conn.executemany("INSERT INTO settings (key, value) VALUES (?, ?)", saved.items())
    return saved


def still_kept(conn: sqlite3.Connection, saved: dict[str, str]) -> dict[str, str]:
    """Of the settings keep_locale_region saved at a write's start, those the command left
    as they were (`crm config set default_currency EUR` as the first write replaces one):
    what the write says it took from the locale."""
    stored = _stored(conn) if saved else {}
    return {key: value for key, value in saved.items() if stored.get(key) == value}


def _region_currency(region: str) -> str:
    """The currency legal tender in `region` today (CLDR's, through babel: HK gives HKD),
    or CNY, the default, for a region without one crm knows."""
    from babel.numbers import get_territory_currencies

    from crmcli.core import clock

    for code in get_territory_currencies(region, clock.today(), tender=True):
        try:
            return _currency(code)
        except InvalidInput:
            continue
    return "CNY"


SETTINGS = {
    s.key: s
    for s in (
        Setting(
            "default_region",
            validate.region_code,
            N_("region for phone numbers typed without +country (default: from the locale)"),
            locale_region,
        ),
        Setting(
            "language",
            _language,
            N_(
                "language of help, tables and messages for people: en or zh "
                "(default: --lang, else the locale)"
            ),
        ),
        Setting(
            "bulk.confirm",
            _whole_number,
            N_("ask before a filter-chosen change to more customers than this"),
            lambda: "10",
        ),
        Setting(
            "stages",
            _stages,
            N_("funnel stages in order, comma-separated"),
            lambda: ",".join(DEFAULT_STAGES),
        ),
        Setting(
            "default_currency",
            _currency,
            N_("currency for amounts typed without one"),
            lambda: "CNY",
        ),
        Setting(
            "money",
            _money_style,
            N_("amounts on a terminal: plain (¥123,456.00) or wan (CNY from 10,000 as ¥12.35万)"),
            lambda: "plain",
        ),
        # Derived classes (crmcli.reports.classes; docs/classification.md).
        Setting(
            "tier.frequency.high",
            _whole(1, 366),
            N_("purchase days in 12 months for a high frequency tier"),
            lambda: "12",
        ),
        Setting(
            "tier.frequency.medium",
            _whole(1, 366),
            N_("purchase days in 12 months for a medium frequency tier"),
            lambda: "4",
        ),
        Setting(
            "tier.value.high",
            _amount,
            N_("12-month net revenue (default currency) for a high value tier"),
            lambda: "50000",
        ),
        Setting(
            "tier.value.medium",
            _amount,
            N_("12-month net revenue (default currency) for a medium value tier"),
            lambda: "5000",
        ),
        Setting(
            "abc.window",
            _window,
            N_("ABC classes rank net revenue over this period (e.g. 12m, 2y) or all"),
            lambda: "12m",
        ),
        Setting(
            "abc.a",
            _whole(1, 99),
            N_("ABC: class A while the revenue share before a customer is below this percent"),
            lambda: "80",
        ),
        Setting(
            "abc.b", _whole(1, 100), N_("ABC: class B while it is below this percent"), lambda: "95"
        ),
        Setting(
            "lifecycle.new_days",
            _whole(0, 3660),
            N_("lifecycle: new while the first purchase is at most this many days old"),
            lambda: "30",
        ),
        Setting(
            "lifecycle.default_gap",
            _whole(1, 3660),
            N_("lifecycle: usual gap in days for customers with too few purchases"),
            lambda: "90",
        ),
        Setting(
            "lifecycle.min_gaps",
            _whole(1, 100),
            N_("lifecycle: gaps needed to use a customer's own median gap"),
            lambda: "2",
        ),
        Setting(
            "lifecycle.at_risk_factor",
            _factor,
            N_("lifecycle: at_risk when silent longer than this times the usual gap"),
            lambda: "1.5",
        ),
        Setting(
            "lifecycle.lapsed_factor",
            _factor,
            N_("lifecycle: lapsed when silent longer than this times the usual gap"),
            lambda: "3",
        ),
        Setting(
            "rfm.grid", _grid, N_("RFM segments: NAME=R/F rules, first match wins"), _grid_default
        ),
        Setting(
            "feedback.response_target",
            _response_target,
            N_(
                "answer open feedback within this time (24h, 90m, 2d); later high-severity "
                "items show in crm remind and crm today"
            ),
            lambda: "24h",
        ),
        Setting(
            "churn.remind",
            _count,
            N_("churn risks `crm remind` shows per currency, most at stake first (0: none)"),
            lambda: "5",
        ),
        Setting(
            "contact.counts",
            _contact_counts,
            N_(
                "what counts as contact for cadences and last contact, comma-separated: "
                "interaction kinds (a note never counts), purchase, feedback, survey"
            ),
            _contact_words,
        ),
        Setting(
            "cadence.default",
            _cadence,
            N_("contact every N days when nothing more specific is set, e.g. 30d (default: none)"),
        ),
    )
}
FAMILIES = (
    Setting(
        N_(
            "cadence.tag.NAME"
        ),  # a key's shape: its placeholder is said as the run's language writes one
        _cadence,
        N_("contact cadence for customers tagged NAME"),
        pattern=r"cadence\.tag\.[^\s\x00-\x1f]{1,64}",
    ),
    Setting(
        N_(
            "cadence.stage.NAME"
        ),  # a key's shape: its placeholder is said as the run's language writes one
        _cadence,
        N_("contact cadence for customers in funnel stage NAME"),
        pattern=r"cadence\.stage\.[\w\-]{1,32}",
    ),
)


TAG_CADENCE = "cadence.tag."
# How a tag cadence is stored once its tag exists: by the tag's id, which a rename keeps.
TAG_ID_CADENCE = "cadence.tag_id."


def stages(conn: sqlite3.Connection) -> list[str]:
    """The funnel stages in order, from the `stages` setting."""
    value = get_setting(conn, "stages")
    return value.split(",") if value else list(DEFAULT_STAGES)


def clean_stage(conn: sqlite3.Connection, stage: str) -> str:
    """A stage as stored (lower case); InvalidInput when the stage list lacks it."""
    known = stages(conn)
    key = stage.strip().casefold()
    if key not in known:  # the word a table shows for it (`成交客户`), in any language
        key = understood("stage", stage) or key
    if key not in known:
        raise InvalidInput(
            _("unknown stage {stage!r}; stages are: {value}").format(
                stage=stage, value=glossed("stage", known)
            )
        )
    return key


def _setting(key: str) -> Setting:
    if key in SETTINGS:
        return SETTINGS[key]
    for family in FAMILIES:
        if family.pattern and re.fullmatch(family.pattern, key):
            return family
    known = _(", ").join([*sorted(SETTINGS), *(_(f.key) for f in FAMILIES)])
    raise InvalidInput(
        _("unknown setting {key!r}; known settings: {known}").format(key=key, known=known)
    )


def get_setting(conn: sqlite3.Connection, key: str) -> str | None:
    """The stored value of `key`, or its default."""
    setting = _setting(key)
    key = canonical_key(conn, key) if key.casefold().startswith(TAG_CADENCE) else _fold_family(key)
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else _default(conn, setting)


def _default(conn: sqlite3.Connection, setting: Setting) -> str | None:
    """A setting's value while none is stored. default_currency's is the one the next
    write takes from the locale, when it takes one: a read (`crm config get`, a report)
    uses the currency a write would store its amounts in."""
    if setting.key == "default_currency":
        return _locale_settings(conn).get("default_currency") or setting.default()
    return setting.default()


def canonical_key(conn: sqlite3.Connection, key: str) -> str:
    """The stored form of a key: tag and stage names in family keys ignore case (so
    `cadence.tag.VIP` and `cadence.tag.vip` are one setting), a stage must exist, and a
    tag that exists is kept by id (`cadence.tag_id.7`), so renaming it changes no setting."""
    key = _fold_family(key)
    if key.startswith("cadence.stage."):
        name, known = key[len("cadence.stage.") :], stages(conn)
        if name not in known:
            raise InvalidInput(
                _("unknown stage {name!r}; stages are: {value}").format(
                    name=name, value=glossed("stage", known)
                )
            )
    if key.startswith(TAG_CADENCE):
        folded = key[len(TAG_CADENCE) :]  # casefolded, as bind_tag_cadence and the key
        for tag_id, name in conn.execute("SELECT id, name FROM tags"):
            if name.casefold() == folded:
                return f"{TAG_ID_CADENCE}{tag_id}"
    return key


def set_setting(conn: sqlite3.Connection, key: str, value: str) -> str:
    """Validate and store `value` under `key`; returns the stored form."""
    setting = _setting(key)
    if setting.validate is _amount:  # in the default currency: `3万元` where it is CNY
        clean = _amount(value, get_setting(conn, "default_currency"))
    else:
        clean = setting.validate(value)
    key = canonical_key(conn, key)
    if key == "stages":
        _keep_stages_in_use(conn, clean.split(","))
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, clean),
    )
    return clean


def unset_setting(conn: sqlite3.Connection, key: str) -> None:
    _setting(key)
    if key == "stages":
        _keep_stages_in_use(conn, list(DEFAULT_STAGES))
    folded = _fold_family(key)
    if folded.startswith(TAG_CADENCE):
        folded = canonical_key(conn, folded)
    conn.execute("DELETE FROM settings WHERE key = ?", (folded,))


def _keep_stages_in_use(conn: sqlite3.Connection, new: list[str]) -> None:
    """Refuse a stage list that leaves customers in a stage it no longer has: they could
    no longer be selected by stage nor counted in the funnel."""
    marks = ",".join("?" * len(new))
    orphans = conn.execute(
        "SELECT stage, count(*), count(archived_at) FROM customers "  # noqa: S608
        f"WHERE stage IS NOT NULL AND stage NOT IN ({marks}) GROUP BY stage ORDER BY stage",
        new,
    ).fetchall()
    if orphans:
        used = _(", ").join(
            (
                _("{stage} ({count}, {archived} archived)") if archived else _("{stage} ({count})")
            ).format(stage=word("stage", stage), count=count, archived=archived)
            for stage, count, archived in orphans
        )
        raise InvalidInput(
            _(
                "customers are in stages the new list drops: {used}; keep those names, "
                "or add the new names first and move them: crm stage NEW --stage {value} "
                "--all --yes (and again with --archived)"
            ).format(used=used, value=word("stage", orphans[0][0]))
        )
    users = _stage_users(conn, set(stages(conn)) - set(new))
    if users:
        raise InvalidInput(
            _(
                "saved filters and settings name stages the new list drops: {value}; "
                "change or delete those first"
            ).format(value=_("; ").join(users))
        )


# Saved segments, rules and care rules keep a filter as JSON (crmcli.records.filters.encode);
# a stage in one is a name, in its `stage` list or in a `--where "stage = NAME"`.
_STORED_FILTERS = (
    (
        N_("segment {name} ({stages})"),
        "SELECT name, filter FROM segments ORDER BY name COLLATE NOCASE",
    ),
    (N_("rule {name} ({stages})"), "SELECT id, filter FROM rules ORDER BY id"),
    (N_("care rule {name} ({stages})"), "SELECT id, selection FROM care_rules ORDER BY id"),
)


def _stage_users(conn: sqlite3.Connection, dropped: set[str]) -> list[str]:
    """What names one of the stages `dropped`: saved filters (`segment vips (lead)`) and
    stage cadences (`cadence.stage.lead`), so a new stage list never leaves them dangling."""
    import json

    from crmcli.core import where

    found = []
    for label, query in _STORED_FILTERS:
        for ident, text in conn.execute(query):
            data = json.loads(text)
            if not isinstance(data, dict):
                continue
            named = {s.strip().casefold() for s in data.get("stage") or [] if isinstance(s, str)}
            for item in data.get("where") or []:
                parts = where.split(item) if isinstance(item, str) else None
                if parts and parts[0] == "stage" and parts[1] in ("=", "!="):
                    named.add(parts[2].strip().casefold())
            if named & dropped:
                shown = _(", ").join(str(word("stage", s)) for s in sorted(named & dropped))
                found.append(_(label).format(name=ident, stages=shown))
    found += [
        f"cadence.stage.{name}"
        for name in sorted(dropped)
        if f"cadence.stage.{name}" in _stored(conn)
    ]
    return found


def _fold_family(key: str) -> str:
    for prefix in ("cadence.tag.", "cadence.stage."):
        if key.casefold().startswith(prefix):
            return prefix + key[len(prefix) :].casefold()
    return key


def settings_under(conn: sqlite3.Connection, prefix: str) -> dict[str, str]:
    """Stored settings whose key starts with `prefix`, keyed by the rest of the key.

    `settings_under(conn, "cadence.tag.")` gives e.g. `{"vip": "14d"}`.
    """
    found = {
        key[len(prefix) :]: value for key, value in _stored(conn).items() if key.startswith(prefix)
    }
    return dict(sorted(found.items()))


def _stored(conn: sqlite3.Connection) -> dict[str, str]:
    """The settings table, with a tag cadence kept by id shown by the tag's name now
    (`cadence.tag_id.7` as `cadence.tag.vip`); one whose tag is gone is left out."""
    names = dict(conn.execute("SELECT id, name FROM tags").fetchall())
    found = {}
    for key, value in conn.execute("SELECT key, value FROM settings ORDER BY key"):
        if key.startswith(TAG_ID_CADENCE):
            name = names.get(int(key[len(TAG_ID_CADENCE) :]))
            if name is None:
                continue
            key = _fold_family(TAG_CADENCE + name)
        found[key] = value
    return found


# Settings whose value is crm's words (`stages`: `lead,prospect`): the column they are words
# of and what separates them.
_WORDED = {
    "stages": ("stage", ","),
    "contact.counts": ("contact_counts", ","),
    "rfm.grid": ("rfm_segment", ";"),
}


def shown_value(key: str, value: str | None) -> str | None:
    """A setting's value as stored, which a table for people says in words (`stages` as
    `线索，潜在客户` in Chinese) and `crm config set` reads back; JSON keeps the keys."""
    if value is None:
        return None
    if key in _WORDED:
        column, sep = _WORDED[key]
        return Listed(column, value, sep)
    if key == "money":
        return Word("money", value)
    if key == "abc.window" or key == "feedback.response_target" or key.startswith("cadence."):
        return Length(value, minutes=key == "feedback.response_target")
    if key in ("lifecycle.new_days", "lifecycle.default_gap"):  # a number of days
        return Length(value, days=True)
    return value


# A length's unit letter as `plural` names it; `m` is a month, but a minute in a response
# target (`90m`).
_UNITS = {"d": "day", "w": "week", "m": "month", "y": "year", "h": "hour"}


class Length(Said):
    """A setting that is a length of time (`12m`, `90d`, a cadence `14d..30d`, a response
    target `24h` or `90m`, a number of days `30`), kept as stored in JSON and CSV, which a
    table for people says in another language than English in words (`12 个月`, `14 至 30
    天`, `24 小时`, `30 天`)."""

    minutes: bool
    days: bool  # a bare number is of days (`lifecycle.new_days` 30: 30 天)

    def __new__(cls, value: str, *, minutes: bool = False, days: bool = False) -> Length:
        said = str.__new__(cls, value)
        said.template, said.params, said.minutes, said.days = value, {}, minutes, days
        return said

    def said(self) -> str:
        from crmcli.core.i18n import current
        from crmcli.core.text import plural

        if current() == "en":
            return str(self)

        def unit(found: re.Match[str]) -> str:
            name = "minute" if found[2] == "m" and self.minutes else _UNITS[found[2]]
            return plural(int(found[1]), name).said()

        if self.days and re.fullmatch(r"[0-9]+", self):
            return plural(int(self), "day").said()
        ranged = re.fullmatch(r"(\d+)d\.\.(\d+)d", self)  # a cadence's range, as reminders say it
        if ranged:
            return Said("{low}..{high} days", low=ranged[1], high=ranged[2]).said()
        return re.sub(r"(\d+)([dwmyh])", unit, self)


def list_settings(conn: sqlite3.Connection) -> list[dict[str, str | None]]:
    """Every known setting, and every set key of a family, with its value and source."""
    stored = _stored(conn)
    keys = dict(SETTINGS)
    for key in stored:
        if key not in keys:
            try:
                keys[key] = _setting(key)
            except InvalidInput:
                continue  # a key this version does not know: leave it alone
    return [
        {
            "key": key,
            "value": shown_value(key, stored[key] if key in stored else _default(conn, setting)),
            # Said: the English in JSON, the run's language in a table
            "source": Said("set") if key in stored else Said("default"),
            "description": Said(setting.description),
        }
        for key, setting in sorted(keys.items())
    ]


def tag_cadence_renamed(conn: sqlite3.Connection, tag_id: int, old: str, new: str) -> str | None:
    """What renaming tag `tag_id` from `old` to `new` does to its cadence, in words (part of
    `crm tag rename`; the setting is kept by id, so nothing is written); None when it has
    none or the key stays the same. A setting key has no spaces: a tag with a cadence cannot
    take a name that no key could spell (InvalidInput)."""
    row = conn.execute(
        "SELECT value FROM settings WHERE key = ?", (f"{TAG_ID_CADENCE}{tag_id}",)
    ).fetchone()
    old_key, new_key = _fold_family(TAG_CADENCE + old), _fold_family(TAG_CADENCE + new)
    if row is None or old_key == new_key:
        return None
    if not re.fullmatch(FAMILIES[0].pattern or "", new_key):
        raise InvalidInput(
            _(
                "tag {new!r} cannot carry the cadence setting {old_key} (a setting key "
                "has no spaces); unset it first: crm config unset {old_key}"
            ).format(new=new, old_key=old_key)
        )
    return _("setting {old_key} is now {new_key}").format(old_key=old_key, new_key=new_key)


def merge_tag_cadence(
    conn: sqlite3.Connection, old_id: int, old: str, new_id: int, new: str
) -> str | None:
    """Tag `old_id` merges into `new_id` (part of `crm tag rename`): OLD's cadence moves to
    NEW unless NEW has its own, which then applies and OLD's is dropped. Returns what
    happened in words, or None when OLD had no cadence."""
    old_key, new_key = _fold_family(TAG_CADENCE + old), _fold_family(TAG_CADENCE + new)
    moved = f"{TAG_ID_CADENCE}{old_id}"
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (moved,)).fetchone()
    if row is None:
        return None
    kept = conn.execute(
        "SELECT value FROM settings WHERE key = ?", (f"{TAG_ID_CADENCE}{new_id}",)
    ).fetchone()
    if kept is None and not re.fullmatch(FAMILIES[0].pattern or "", new_key):
        raise InvalidInput(
            _(
                "tag {new!r} cannot carry the cadence setting {old_key} (a setting key "
                "has no spaces); unset it first: crm config unset {old_key}"
            ).format(new=new, old_key=old_key)
        )
    conn.execute("DELETE FROM settings WHERE key = ?", (moved,))
    if kept is not None:
        return _("setting {old_key} ({old}) dropped; {new_key} ({new}) applies").format(
            old_key=old_key, old=row[0], new_key=new_key, new=kept[0]
        )
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)", (f"{TAG_ID_CADENCE}{new_id}", row[0])
    )
    return _("setting {old_key} is now {new_key}").format(old_key=old_key, new_key=new_key)


def unbind_tag_cadence(conn: sqlite3.Connection, tag_id: int, name: str | None) -> None:
    """Tag `tag_id` is gone: its cadence is kept under its name again (`cadence.tag.NAME`),
    or dropped when the name is unknown (an id come back for a new tag), so that no later
    tag inherits it through a reused id."""
    key = f"{TAG_ID_CADENCE}{tag_id}"
    if name is None:
        conn.execute("DELETE FROM settings WHERE key = ?", (key,))
        return
    conn.execute(
        "UPDATE OR REPLACE settings SET key = ? WHERE key = ?",
        (_fold_family(TAG_CADENCE + name), key),
    )


def bind_tag_cadence(conn: sqlite3.Connection, tag_id: int, name: str) -> None:
    """A new tag takes over the cadence set under its name before it existed."""
    conn.execute(
        "UPDATE settings SET key = ? WHERE key = ?",
        (f"{TAG_ID_CADENCE}{tag_id}", _fold_family(TAG_CADENCE + name)),
    )
