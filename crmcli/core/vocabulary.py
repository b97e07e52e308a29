"""crm's own words kept in data as English keys (a stage `customer`, a lifecycle `at_risk`, an
interaction kind `call`), in the run's language where a person reads them: cells of terminal
tables and of plain ones in another language than English (cron mail), the values of `crm
show`'s card, words inside reasons (`Word`). JSON, CSV, TSV and `-q` keep the keys.

A key is looked up by the vocabulary of the column it stands in, by default the column's
name: `customer` is a sales stage in `stage` and nothing in `name`. A column whose name is not
its vocabulary is told by the command that shows it (`crmcli.cli.output.emit`'s `words`): a
search hit's `source` is `hit_source` (a customer's own `source` is what the user wrote), a
churn report's `stage` is `churn_stage`, a saved segment's name stays as typed, and `crm sql`
shows everything as it is. A key's msgid is `column|key` (`stage|customer`), so one English
word can be said differently by column (a `new` customer, a `new` RFM segment) and no other
msgid of the catalog (`customer`: whose setting a cadence is) is taken for it. English shows
the key as it is, except the few state words written in words (`at_risk` is "at risk"). A
value that is not one of the words (a stage or an RFM segment the user named) is shown as it
is: a word is said only where the value is certainly crm's own.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from crmcli.core.i18n import N_, Said, _, current

_STAGE = {
    "lead": N_("stage|lead"),
    "prospect": N_("stage|prospect"),
    "customer": N_("stage|customer"),
    "loyal": N_("stage|loyal"),
    "lost": N_("stage|lost"),
}
_LIFECYCLE = {
    "new": N_("lifecycle|new"),
    "active": N_("lifecycle|active"),
    "at_risk": N_("lifecycle|at_risk"),
    "lapsed": N_("lifecycle|lapsed"),
    "reactivated": N_("lifecycle|reactivated"),
    "none": N_("lifecycle|none"),
}
# Interaction kinds, feedback kinds and customer kinds share the column `kind`.
_KIND = {
    "call": N_("kind|call"),
    "email": N_("kind|email"),
    "meeting": N_("kind|meeting"),
    "visit": N_("kind|visit"),
    "message": N_("kind|message"),
    "note": N_("kind|note"),
    "complaint": N_("kind|complaint"),
    "suggestion": N_("kind|suggestion"),
    "praise": N_("kind|praise"),
    "question": N_("kind|question"),
    "person": N_("kind|person"),
    "organisation": N_("kind|organisation"),
}
# A channel is free text; the usual ones are said in words.
_CHANNEL = {
    "call": N_("channel|call"),
    "phone": N_("channel|phone"),
    "email": N_("channel|email"),
    "meeting": N_("channel|meeting"),
    "visit": N_("channel|visit"),
    "message": N_("channel|message"),
    "sms": N_("channel|sms"),
    "wechat": N_("channel|wechat"),
}
# What `contact.counts` may name: the interaction kinds that are contact, and three records.
_CONTACT = {
    **{kind: _KIND[kind] for kind in ("call", "email", "meeting", "visit", "message")},
    "purchase": N_("contact|purchase"),
    "feedback": N_("contact|feedback"),
    "survey": N_("contact|survey"),
}
_DIRECTION = {"in": N_("direction|in"), "out": N_("direction|out")}
_GENDER = {
    "female": N_("gender|female"),
    "male": N_("gender|male"),
    "other": N_("gender|other"),
}
_LEVEL = {"low": N_("level|low"), "medium": N_("level|medium"), "high": N_("level|high")}
_SEVERITY = {"low": N_("level|low"), "normal": N_("severity|normal"), "high": N_("level|high")}
_STATUS = {
    "open": N_("status|open"),
    "resolved": N_("status|resolved"),
    "done": N_("status|done"),
    "overdue": N_("status|overdue"),
    "today": N_("status|today"),
    "upcoming": N_("status|upcoming"),
    "due": N_("status|due"),
    "ok": N_("status|ok"),
    "problem": N_("status|problem"),
    "note": N_("status|note"),
    "active": N_("status|active"),
    "skipped": N_("status|skipped"),
}
_SEGMENT = {
    "champions": N_("segment|champions"),
    "loyal": N_("segment|loyal"),
    "potential loyalists": N_("segment|potential loyalists"),
    "new customers": N_("segment|new customers"),
    "promising": N_("segment|promising"),
    "need attention": N_("segment|need attention"),
    "about to sleep": N_("segment|about to sleep"),
    "at risk": N_("segment|at risk"),
    "can't lose them": N_("segment|can't lose them"),
    "hibernating": N_("segment|hibernating"),
    "other": N_("segment|other"),  # a customer in no cell of the R x F grid
}
# Common payment methods, as crm stores them (crmcli.records.purchases `payment`); any other
# is kept as typed and shown so.
_PAYMENT = {
    "cash": N_("payment|cash"),
    "card": N_("payment|card"),
    "transfer": N_("payment|transfer"),
    "wechat": N_("payment|wechat"),
    "alipay": N_("payment|alipay"),
    "cheque": N_("payment|cheque"),
    "invoice": N_("payment|invoice"),
    "paypal": N_("payment|paypal"),
}

# What `crm clean` found wrong with a customer's contact data (crmcli.records.quality).
_PROBLEM = {
    "bad_email": N_("problem|bad_email"),
    "bad_phone": N_("problem|bad_phone"),
    "unnormalised_email": N_("problem|unnormalised_email"),
    "unnormalised_phone": N_("problem|unnormalised_phone"),
    "unnormalised_region": N_("problem|unnormalised_region"),
    "unnormalised_city": N_("problem|unnormalised_city"),
    "no_contact": N_("problem|no_contact"),
    "stale": N_("problem|stale"),
}

# The checks of `crm check`.
_CHECK = {
    "file modes": N_("check|file modes"),
    "file owner": N_("check|file owner"),
    "folder": N_("check|folder"),
    "hooks": N_("check|hooks"),
    "encryption": N_("check|encryption"),
    "schema version": N_("check|schema version"),
    "integrity": N_("check|integrity"),
    "foreign keys": N_("check|foreign keys"),
    "national IDs": N_("check|national IDs"),
    "journal mode": N_("check|journal mode"),
    "history triggers": N_("check|history triggers"),
    "full-text index": N_("check|full-text index"),
    "search index": N_("check|search index"),
    "last contacts": N_("check|last contacts"),
    "queue triggers": N_("check|queue triggers"),
    "leftover copy": N_("check|leftover copy"),
    "open": N_("check|open"),
}
# What a change in the history did, and what undoing it does.
_OP = {
    "insert": N_("op|insert"),
    "update": N_("op|update"),
    "delete": N_("op|delete"),
    "bulk_insert": N_("op|bulk_insert"),
}
# What `crm classify` did to a customer's tag.
_CHANGE = {"gained": N_("change|gained"), "lost": N_("change|lost")}
_ACTION = {
    "delete": N_("action|delete"),
    "restore": N_("action|restore"),
    "re-create": N_("action|re-create"),
}

# The user-defined fields an import names itself (crmcli/transfer/importers.py maps a 微信
# column to `wechat`): a card, a search hit and a list of fields label them in the run's
# language; other fields keep the name the user gave them.
NAMED_FIELDS = {
    "wechat": N_("field|wechat"),
    "wechat_nickname": N_("field|wechat_nickname"),
    "district": N_("field|district"),
    "qq": N_("field|qq"),
    "department": N_("field|department"),
    "postal_code": N_("field|postal_code"),
    "website": N_("field|website"),
    "fax": N_("field|fax"),
}
# A search hit: what kind of record it is, and the field that matched (a user-defined
# field keeps its name, unless crm named it).
_HIT_SOURCE = {
    "customer": N_("source|customer"),
    "interaction": N_("source|interaction"),
    "purchase": N_("source|purchase"),
    "feedback": N_("source|feedback"),
}
_HIT_FIELD = {
    **_KIND,
    "name": N_("field|name"),
    "phone": N_("field|phone"),
    "email": N_("field|email"),
    "company": N_("field|company"),
    "title": N_("field|title"),
    "city": N_("field|city"),
    "region": N_("field|region"),
    "country": N_("field|country"),
    "address": N_("field|address"),
    "industry": N_("field|industry"),
    "source": N_("field|source"),
    "notes": N_("field|notes"),
    "outcome": N_("field|outcome"),
    "resolution": N_("field|resolution"),
    "item": N_("field|item"),
    "category": N_("field|category"),
    "note": N_("field|note"),
    "order_ref": N_("field|order_ref"),
    # the fields `crm edit --dry-run` names, and the groups of `crm report summary`
    "kind": N_("field|kind"),
    "stage": N_("field|stage"),
    "tags": N_("field|tags"),
    "tag": N_("field|tag"),
    "gender": N_("field|gender"),
    "birthday": N_("field|birthday"),
    "phones": N_("field|phones"),
    "emails": N_("field|emails"),
    # the user-defined fields, as one row of `crm edit --dry-run`
    "fields": N_("field|fields"),
    "company_size": N_("field|company_size"),
    "external_id": N_("field|external_id"),
    "national_id": N_("field|national_id"),
    "preferred_channel": N_("field|preferred_channel"),
    "preferred_time": N_("field|preferred_time"),
    "cadence_days": N_("field|cadence_days"),
    "referred_by": N_("field|referred_by"),
    # the other columns a history row names (`crm history`, `crm undo`)
    "tag_id": N_("field|tag_id"),
    "rule_id": N_("field|rule_id"),
    "related_id": N_("field|related_id"),
    "name_key": N_("field|name_key"),
    "version": N_("field|version"),
    "anchor_on": N_("field|anchor_on"),
    "price_minor": N_("field|price_minor"),
    "sku": N_("field|sku"),
    "tagged_at": N_("field|tagged_at"),
    "merged_id": N_("field|merged_id"),
    "merged_name": N_("field|merged_name"),
    "merged_at": N_("field|merged_at"),
    "record": N_("field|record"),
    "card": N_("field|card"),
    "imported_at": N_("field|imported_at"),
    "nps": N_("field|nps"),
    "csat": N_("field|csat"),
    # a customer's name read in pinyin (`crm search zhangwei`): a search hit's field
    "pinyin": N_("field|pinyin"),
    # a customer's ABC class, whose header is only its letters (`--where "abc = A"`)
    "abc": N_("field|abc"),
    # the fields an import maps a column to beside the stored ones (`--map 手机号=mobile`)
    "mobile": N_("field|mobile"),
    "first_name": N_("field|first_name"),
    "middle_name": N_("field|middle_name"),
    "last_name": N_("field|last_name"),
    "street": N_("field|street"),
    # what `crm interaction edit --unset duration` clears (its column is duration_minutes)
    "duration": N_("field|duration"),
    **NAMED_FIELDS,
}
# The tables of the history (`crm history`, `crm changes`), and their full-text indexes.
_TABLE = {
    "customers": N_("table|customers"),
    "interactions": N_("table|interactions"),
    "purchases": N_("table|purchases"),
    "tasks": N_("table|tasks"),
    "feedback": N_("table|feedback"),
    "surveys": N_("table|surveys"),
    "tags": N_("table|tags"),
    "customer_tags": N_("table|customer_tags"),
    "customer_emails": N_("table|customer_emails"),
    "customer_phones": N_("table|customer_phones"),
    "customer_fields": N_("table|customer_fields"),
    "customer_relations": N_("table|customer_relations"),
    "important_dates": N_("table|important_dates"),
    "stage_changes": N_("table|stage_changes"),
    "products": N_("table|products"),
    "segments": N_("table|segments"),
    "settings": N_("table|settings"),
    "customer_merges": N_("table|customer_merges"),
    "rules": N_("table|rules"),
    "rule_tags": N_("table|rule_tags"),
    "care_rules": N_("table|care_rules"),
    "custom_festivals": N_("table|custom_festivals"),
    "customer_vcards": N_("table|customer_vcards"),
}

# The commands that change records, as a change in the history names them (`crm history`,
# `crm undo`): what each did, in words.
_COMMAND = {
    "demo": N_("command|demo"),
    "add": N_("command|add"),
    "edit": N_("command|edit"),
    "delete": N_("command|delete"),
    "undelete": N_("command|undelete"),
    "log": N_("command|log"),
    "buy": N_("command|buy"),
    "merge": N_("command|merge"),
    "clean": N_("command|clean"),
    "restore": N_("command|restore"),
    "undo": N_("command|undo"),
    "forget": N_("command|forget"),
    "reindex": N_("command|reindex"),
    "classify": N_("command|classify"),
    "tag": N_("command|tag"),
    "untag": N_("command|untag"),
    "stage": N_("command|stage"),
    "config set": N_("command|config set"),
    "config unset": N_("command|config unset"),
    "care rule add": N_("command|care rule add"),
    "care rule delete": N_("command|care rule delete"),
    "care festival add": N_("command|care festival add"),
    "care festival delete": N_("command|care festival delete"),
    "feedback add": N_("command|feedback add"),
    "feedback resolve": N_("command|feedback resolve"),
    "feedback reopen": N_("command|feedback reopen"),
    "feedback delete": N_("command|feedback delete"),
    "survey add": N_("command|survey add"),
    "survey delete": N_("command|survey delete"),
    "survey import": N_("command|survey import"),
    "import customers": N_("command|import customers"),
    "import purchases": N_("command|import purchases"),
    "import interactions": N_("command|import interactions"),
    "import tasks": N_("command|import tasks"),
    "import surveys": N_("command|import surveys"),
    "import all": N_("command|import all"),
    "hooks trust": N_("command|hooks trust"),
    "hooks untrust": N_("command|hooks untrust"),
    "interaction edit": N_("command|interaction edit"),
    "interaction delete": N_("command|interaction delete"),
    "product add": N_("command|product add"),
    "product edit": N_("command|product edit"),
    "product delete": N_("command|product delete"),
    "purchase edit": N_("command|purchase edit"),
    "purchase delete": N_("command|purchase delete"),
    "date add": N_("command|date add"),
    "date delete": N_("command|date delete"),
    "segment add": N_("command|segment add"),
    "segment save": N_("command|segment save"),
    "segment delete": N_("command|segment delete"),
    "rule add": N_("command|rule add"),
    "rule delete": N_("command|rule delete"),
    "task add": N_("command|task add"),
    "task done": N_("command|task done"),
    "task snooze": N_("command|task snooze"),
    "task edit": N_("command|task edit"),
    "task delete": N_("command|task delete"),
}

WORDS: dict[str, dict[str, str]] = {
    "field": _HIT_FIELD,
    "table": _TABLE,
    "check": _CHECK,
    "op": _OP,
    "action": _ACTION,
    "change": _CHANGE,
    # a festival's calendar (history of `crm care festival add`)
    "calendar": {
        "gregorian": N_("gregorian"),
        "lunar": N_("lunar"),
        "solar_term": N_("solar term"),
    },
    # a phone's kind: a number in E.164, or a service number's digits
    "phone_kind": {"number": N_("phone kind|number"), "service": N_("phone kind|service")},
    # how amounts read on a terminal (`crm config set money 万`, `crm --money 万`)
    "money": {"plain": N_("money|plain"), "wan": N_("money|wan")},
    # a survey score's metric (`crm show`'s last scores)
    "metric": {"nps": _HIT_FIELD["nps"], "csat": _HIT_FIELD["csat"]},
    # A stage the user named (`crm config set stages`) that is not one of these stays as typed.
    "stage": _STAGE,
    # `crm report churn` names the lifecycle stage of a customer at risk in `stage`.
    "churn_stage": _STAGE | {"at_risk": _LIFECYCLE["at_risk"], "lapsed": _LIFECYCLE["lapsed"]},
    "from_stage": _STAGE,
    "to_stage": _STAGE,
    "lifecycle": _LIFECYCLE,
    "from_lifecycle": _LIFECYCLE,
    "to_lifecycle": _LIFECYCLE,
    "kind": _KIND,
    "channel": _CHANNEL,
    "preferred_channel": _CHANNEL,
    "direction": _DIRECTION,
    "gender": _GENDER,
    "frequency_tier": _LEVEL,
    "value_tier": _LEVEL,
    "risk": _LEVEL,
    "level": _LEVEL,
    "severity": _SEVERITY,
    "status": _STATUS,
    "state": _STATUS,
    "segment": _SEGMENT,
    "hit_source": _HIT_SOURCE,  # a search hit's `source` (crmcli/cli/search.py)
    "rfm_segment": _SEGMENT,
    "payment": _PAYMENT,
    # the output formats whose key is a word (`--format table`, `crm remind --format text`)
    "format": {"table": N_("format|table"), "text": N_("format|text")},
    # what an import does with a row that matches a record (`--on-conflict`)
    "on_conflict": {
        "update": N_("on conflict|update"),
        "skip": N_("on conflict|skip"),
        "error": N_("on conflict|error"),
    },
    # `crm task edit --every none`: the task stops repeating
    "repeat": {"none": N_("repeat|none")},
    "contact_counts": _CONTACT,  # the words of the `contact.counts` setting
    "problem": _PROBLEM,  # `crm clean`
    "command": _COMMAND,  # the command a change was made by (`crm history`)
    # `crm report value --parameters`: the models, and the figures that are not the papers'
    # symbols (r, alpha, a, b, p, q, gamma stay as the papers name them)
    "value_model": {
        "bgnbd": N_("value model|bgnbd"),
        "mbgnbd": N_("value model|mbgnbd"),
        "gamma_gamma": N_("value model|gamma_gamma"),
        "data": N_("value model|data"),
    },
    "value_parameter": {
        "log_likelihood": N_("parameter|log_likelihood"),
        "customers": N_("parameter|customers"),
        "repeat_buyers": N_("parameter|repeat_buyers"),
        "fitted_on": N_("parameter|fitted_on"),
    },
}
# Counts whose header in English is also a time column's (`received`, `received_at`): each
# has its own msgid, as Chinese says them differently (收到数, 收到时间).
# The same for the funnel's `moved_on` (who went on to a later stage), which English heads
# as the month-end's `moved` (who changed lifecycle stage): Chinese tells them apart.
_COUNTS = {"received": N_("count|Received"), "moved_on": N_("funnel|Moved")}
# A day a birthday, an important date or a festival falls on (`falls_on`) is its "Date":
# the verb alone ("Falls") said nothing over a column of dates.
_DAYS = {"falls_on": N_("Date")}

# The `old` and `new` columns of a change (an edit's dry run, history) hold values: their
# headers have msgids of their own, as `New` alone is the lifecycle's new customers (新客户).
_VALUES = {"old": N_("value|Old"), "new": N_("value|New")}


def value_headers() -> dict[str, str]:
    """Headers for the `old` and `new` columns of a change, in the run's language, for
    `headers=` of a table (crmcli/cli/output.py `emit`)."""
    return {key: _(msgid).split("|", 1)[-1] for key, msgid in _VALUES.items()}


_ACRONYMS = {"id": "ID", "abc": "ABC", "rfm": "RFM", "nps": "NPS", "sku": "SKU", "csv": "CSV"}


def header(column: str) -> str:
    """A snake_case key as a header in words, in the run's language: `frequency_tier` is
    "Frequency tier" (its msgid in the catalog), `due_on` "Due", `customer_id` "Customer
    ID"; any other header stays as it is (a title the command already said in words)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", column):
        return column
    return _(_header_msgid(column)).split("|", 1)[-1]


def _header_msgid(column: str) -> str:
    if column in _COUNTS:  # "Received" over counts, not the time of `received_at`
        return _COUNTS[column]
    if column in _DAYS:
        return _DAYS[column]
    parts = column.split("_")
    if len(parts) > 1 and parts[-1] in ("on", "at"):
        parts.pop()
    text = " ".join(_ACRONYMS.get(p, p) for p in parts)
    return text[0].upper() + text[1:]


# What English says in words instead of the key.
_ENGLISH = {
    "at_risk": "at risk",
    "bad_email": "invalid email",
    "bad_phone": "invalid phone",
    "unnormalised_email": "email not normalised",
    "unnormalised_phone": "phone not normalised",
    "unnormalised_region": "province written in full",
    "unnormalised_city": "city written with 市",
    "no_contact": "no phone or email",
}


class Word(Said):
    """One of crm's words kept in data, as a cell or inside prose (a reminder's reason says
    which `complaint`): its value is the key, the same in every language, and `said()` is
    the word in the run's language."""

    column: str

    def __new__(cls, column: str, key: str) -> Word:
        said = str.__new__(cls, key)
        said.template, said.params, said.column = key, {}, column
        return said

    def said(self) -> str:
        return str(word(self.column, str(self)))


class Worded(str):
    """A value kept in data as it is (a history row's `city: 北京 → 上海`), which a terminal
    says in words (`城市：北京 → 上海`), as does a plain table in that language: its cells go
    through `word`, which asks `worded()`; JSON and CSV keep the value."""

    def worded(self) -> str:
        return str(self)


class Listed(Worded):
    """A setting that lists keys of `column` (`stages`: `lead,prospect`; `rfm.grid`:
    `champions=5/45; loyal=34/45`), said in words in another language than English
    (`线索，潜在客户`, `核心客户=5/45；忠诚客户=34/45`) with full-width separators, which
    `crm config set` reads back (`words_typed`). A name not one of the words stays as it is."""

    column: str
    sep: str

    def __new__(cls, column: str, value: str, sep: str = ",") -> Listed:
        listed = super().__new__(cls, value)
        listed.column, listed.sep = column, sep
        return listed

    def worded(self) -> str:
        if current() == "en":
            return str(self)
        items = []
        for item in self.split(self.sep):
            name, equals, rest = item.strip().partition("=")
            items.append(f"{word(self.column, name)}{equals}{rest}")
        return {",": "，", ";": "；"}[self.sep].join(items)


def words_typed(column: str, value: str, sep: str = ",") -> str:
    """A list as `Listed` says it, typed back: full-width separators as `sep`, and each
    name (before an `=`) that is one of `column`'s words in any language as its key
    (`线索，潜在客户` is `lead,prospect`); anything else as typed, for the setting to check."""
    import unicodedata

    items = []
    for item in unicodedata.normalize("NFKC", value).split(sep):
        name, equals, rest = item.partition("=")
        key = understood(column, name.strip()) if name.strip() else None
        items.append(f"{key}{equals}{rest}" if key is not None else item)
    return sep.join(items)


def word(column: str, value: Any) -> Any:
    """`value` of `column` as a person reads it in the run's language; any other value (not
    a str, or not one of crm's words for the column) as it is."""
    if isinstance(value, Worded):
        return value.worded()
    words = WORDS.get(column)
    if words is None or not isinstance(value, str) or value not in words:
        return value
    if current() == "en":
        return _ENGLISH.get(value, value)
    return _(words[value])


def glossed(column: str, keys: list[str]) -> str:
    """Keys a person may type, listed (`lead, prospect`); in another language than English
    each by its word first, which may be typed too, with its key after it
    (`线索（lead）、潜在客户（prospect）`)."""
    if current() == "en":
        return ", ".join(keys)

    def said(key: str) -> str:
        worded = str(word(column, key))
        if worded == key:
            return key
        return f"{key}{worded}" if worded.startswith("（") else f"{worded}（{key}）"

    shown = [said(k) for k in keys]
    return _(", ").join(shown)


# Typed words: a person types back the words crm shows (`crm stage 张伟 成交客户`, `--where
# "城市 = 上海"`), whatever the run's language, so that a script reads the same under any
# locale. The words are the catalogs' own: nothing here lists them a second time.


def _typed(text: str) -> str:
    """`text` as typed words are compared: full-width as half-width, case and spaces
    ignored (`成交 客户`, `ＶＩＰ`)."""
    import unicodedata

    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _translations(msgid: str) -> list[str]:
    """What every language but English says for `msgid` (its msgstr), where it has one."""
    from crmcli.core.i18n import LANGUAGES, catalog

    said = (catalog(language).gettext(msgid) for language in LANGUAGES if language != "en")
    return [s.split("|", 1)[-1] for s in said if s != msgid]


# More words a key is typed as, beside the one crm shows: a unit for the money setting
# (`万元` for wan as `万`, `元` for plain), a company (`公司`, `企业`) for the organisation a
# customer is (`机构`), a phone call (`通话`, `打电话`) for a call (`电话`); read but never
# shown.
_ALSO_TYPED: dict[str, dict[str, tuple[str, ...]]] = {
    "money": {"plain": (N_("money|in yuan"),), "wan": (N_("money|in units of 10,000 yuan"),)},
    "kind": {
        "organisation": (N_("kind|company"), N_("kind|enterprise")),
        "call": (N_("kind|phone call"), N_("kind|make a phone call")),
    },
    "repeat": {"none": (N_("repeat|no"),)},
}


@functools.cache
def _keys_by_word(column: str) -> dict[str, str]:
    words = WORDS.get(column, {})
    found: dict[str, set[str]] = {}
    also = [(key, msgid) for key, more in _ALSO_TYPED.get(column, {}).items() for msgid in more]
    for key, msgid in [*words.items(), *also]:
        for spoken in {key, _ENGLISH.get(key, key), *_translations(msgid)}:
            found.setdefault(_typed(spoken), set()).add(key)
    # A word two keys share (none in the catalog today) means neither: it is refused as unknown.
    return {typed: keys.pop() for typed, keys in found.items() if len(keys) == 1}


# China's 34 provincial-level divisions, by the short name crm stores (as tables, `crm demo`
# and the docs write it, and WPS templates do) with the full one (as Chinese Outlook's
# 省/市/自治区 and many forms write it): `广东省` is 广东, `广西壮族自治区` 广西.
PROVINCES = {
    "北京": "北京市", "天津": "天津市", "上海": "上海市", "重庆": "重庆市",
    "河北": "河北省", "山西": "山西省", "辽宁": "辽宁省", "吉林": "吉林省",
    "黑龙江": "黑龙江省", "江苏": "江苏省", "浙江": "浙江省", "安徽": "安徽省",
    "福建": "福建省", "江西": "江西省", "山东": "山东省", "河南": "河南省",
    "湖北": "湖北省", "湖南": "湖南省", "广东": "广东省", "海南": "海南省",
    "四川": "四川省", "贵州": "贵州省", "云南": "云南省", "陕西": "陕西省",
    "甘肃": "甘肃省", "青海": "青海省", "台湾": "台湾省", "内蒙古": "内蒙古自治区",
    "广西": "广西壮族自治区", "西藏": "西藏自治区", "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区", "香港": "香港特别行政区", "澳门": "澳门特别行政区",
}  # fmt: skip
# China's 293 prefecture-level cities (地级市) and its 4 municipalities, by the short name
# crm stores for a city (as `crm demo`, tables, WPS's 所在地区 and people write it); the full
# name is the short one with 市 (as 钉钉's and Chinese Outlook's 市 columns write it). Only
# these: a county-level city (`义乌市`), a 自治州, 地区 or 盟, a district and any other
# text keep their 市 or suffix as typed, since 市 may be part of a name (`沙市`, a district
# of 荆州) or leave a short form that names something else. By province, as on the
# official list; a test checks there are 297 names, all distinct, of two characters or more.
CITIES = (
    "北京", "天津", "上海", "重庆",
    "石家庄", "唐山", "秦皇岛", "邯郸", "邢台", "保定", "张家口", "承德", "沧州", "廊坊", "衡水",
    "太原", "大同", "阳泉", "长治", "晋城", "朔州", "晋中", "运城", "忻州", "临汾", "吕梁",
    "呼和浩特", "包头", "乌海", "赤峰", "通辽", "鄂尔多斯", "呼伦贝尔", "巴彦淖尔", "乌兰察布",
    "沈阳", "大连", "鞍山", "抚顺", "本溪", "丹东", "锦州", "营口", "阜新", "辽阳", "盘锦",
    "铁岭", "朝阳", "葫芦岛",
    "长春", "吉林", "四平", "辽源", "通化", "白山", "松原", "白城",
    "哈尔滨", "齐齐哈尔", "鸡西", "鹤岗", "双鸭山", "大庆", "伊春", "佳木斯", "七台河", "牡丹江",
    "黑河", "绥化",
    "南京", "无锡", "徐州", "常州", "苏州", "南通", "连云港", "淮安", "盐城", "扬州", "镇江",
    "泰州", "宿迁",
    "杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "衢州", "舟山", "台州", "丽水",
    "合肥", "芜湖", "蚌埠", "淮南", "马鞍山", "淮北", "铜陵", "安庆", "黄山", "滁州", "阜阳",
    "宿州", "六安", "亳州", "池州", "宣城",
    "福州", "厦门", "莆田", "三明", "泉州", "漳州", "南平", "龙岩", "宁德",
    "南昌", "景德镇", "萍乡", "九江", "新余", "鹰潭", "赣州", "吉安", "宜春", "抚州", "上饶",
    "济南", "青岛", "淄博", "枣庄", "东营", "烟台", "潍坊", "济宁", "泰安", "威海", "日照",
    "临沂", "德州", "聊城", "滨州", "菏泽",
    "郑州", "开封", "洛阳", "平顶山", "安阳", "鹤壁", "新乡", "焦作", "濮阳", "许昌", "漯河",
    "三门峡", "南阳", "商丘", "信阳", "周口", "驻马店",
    "武汉", "黄石", "十堰", "宜昌", "襄阳", "鄂州", "荆门", "孝感", "荆州", "黄冈", "咸宁", "随州",
    "长沙", "株洲", "湘潭", "衡阳", "邵阳", "岳阳", "常德", "张家界", "益阳", "郴州", "永州",
    "怀化", "娄底",
    "广州", "韶关", "深圳", "珠海", "汕头", "佛山", "江门", "湛江", "茂名", "肇庆", "惠州",
    "梅州", "汕尾", "河源", "阳江", "清远", "东莞", "中山", "潮州", "揭阳", "云浮",
    "南宁", "柳州", "桂林", "梧州", "北海", "防城港", "钦州", "贵港", "玉林", "百色", "贺州",
    "河池", "来宾", "崇左",
    "海口", "三亚", "三沙", "儋州",
    "成都", "自贡", "攀枝花", "泸州", "德阳", "绵阳", "广元", "遂宁", "内江", "乐山", "南充",
    "眉山", "宜宾", "广安", "达州", "雅安", "巴中", "资阳",
    "贵阳", "六盘水", "遵义", "安顺", "毕节", "铜仁",
    "昆明", "曲靖", "玉溪", "保山", "昭通", "丽江", "普洱", "临沧",
    "拉萨", "日喀则", "昌都", "林芝", "山南", "那曲",
    "西安", "铜川", "宝鸡", "咸阳", "渭南", "延安", "汉中", "榆林", "安康", "商洛",
    "兰州", "嘉峪关", "金昌", "白银", "天水", "武威", "张掖", "平凉", "酒泉", "庆阳", "定西",
    "陇南",
    "西宁", "海东",
    "银川", "石嘴山", "吴忠", "固原", "中卫",
    "乌鲁木齐", "克拉玛依", "吐鲁番", "哈密",
)  # fmt: skip
# China's county-level cities (县级市), by their names without 市: crm stores them with it
# (`义乌市`, as 所在地区's 浙江省义乌市 gives it), and reads the short name (`义乌`, as rows
# from before were stored) as the same city. Left out: the names a prefecture-level
# division also has (`大理`, `恩施`, `喀什`: the 自治州 or 地区 as much as the city), a name of
# one character (`芒`) and a word (`东方`), each of which may mean something else when short;
# cities made districts (`龙海`, `偃师`) are gone from the list. By province.
COUNTY_CITIES = (
    "辛集", "晋州", "新乐", "遵化", "迁安", "滦州", "武安", "南宫", "沙河", "涿州", "定州", "安国",
    "高碑店", "平泉", "泊头", "任丘", "黄骅", "河间", "霸州", "三河", "深州",
    "古交", "高平", "怀仁", "介休", "永济", "河津", "原平", "侯马", "霍州", "孝义", "汾阳",
    "霍林郭勒", "满洲里", "牙克石", "扎兰屯", "额尔古纳", "根河", "丰镇", "乌兰浩特", "阿尔山",
    "二连浩特", "锡林浩特",
    "新民", "瓦房店", "庄河", "海城", "东港", "凤城", "凌海", "北镇", "盖州", "大石桥", "灯塔",
    "调兵山", "开原", "北票", "凌源", "兴城",
    "榆树", "德惠", "公主岭", "蛟河", "桦甸", "舒兰", "磐石", "双辽", "梅河口", "集安", "临江",
    "扶余", "洮南", "大安", "延吉", "图们", "敦化", "珲春", "龙井", "和龙",
    "尚志", "五常", "讷河", "虎林", "密山", "铁力", "同江", "富锦", "抚远", "绥芬河", "海林",
    "宁安", "穆棱", "东宁", "北安", "五大连池", "嫩江", "安达", "肇东", "海伦", "漠河",
    "江阴", "宜兴", "新沂", "邳州", "溧阳", "常熟", "张家港", "昆山", "太仓", "启东", "如皋",
    "海安", "东台", "仪征", "高邮", "丹阳", "扬中", "句容", "兴化", "靖江", "泰兴",
    "建德", "余姚", "慈溪", "瑞安", "乐清", "龙港", "海宁", "平湖", "桐乡", "诸暨", "嵊州", "兰溪",
    "义乌", "东阳", "永康", "江山", "温岭", "临海", "玉环", "龙泉",
    "巢湖", "无为", "界首", "天长", "明光", "桐城", "潜山", "宁国", "广德",
    "福清", "永安", "石狮", "晋江", "南安", "邵武", "武夷山", "建瓯", "漳平", "福安", "福鼎",
    "乐平", "瑞金", "龙南", "井冈山", "丰城", "樟树", "高安", "贵溪", "共青城", "庐山", "瑞昌",
    "德兴",
    "胶州", "平度", "莱西", "滕州", "龙口", "莱阳", "莱州", "招远", "栖霞", "海阳", "青州", "诸城",
    "寿光", "安丘", "高密", "昌邑", "曲阜", "邹城", "新泰", "肥城", "荣成", "乳山", "乐陵", "禹城",
    "临清", "邹平",
    "巩义", "荥阳", "新密", "新郑", "登封", "舞钢", "汝州", "林州", "卫辉", "辉县", "长垣", "沁阳",
    "孟州", "禹州", "长葛", "义马", "灵宝", "邓州", "永城", "项城", "济源",
    "大冶", "丹江口", "宜都", "当阳", "枝江", "老河口", "枣阳", "宜城", "京山", "钟祥", "应城",
    "安陆", "汉川", "石首", "洪湖", "松滋", "监利", "麻城", "武穴", "赤壁", "广水", "利川", "仙桃",
    "潜江", "天门",
    "浏阳", "宁乡", "醴陵", "湘乡", "韶山", "耒阳", "常宁", "武冈", "邵东", "汨罗", "临湘", "津市",
    "沅江", "资兴", "洪江", "冷水江", "涟源", "吉首",
    "乐昌", "南雄", "台山", "开平", "鹤山", "恩平", "廉江", "雷州", "吴川", "高州", "化州", "信宜",
    "四会", "兴宁", "陆丰", "阳春", "英德", "连州", "普宁", "罗定",
    "横州", "荔浦", "岑溪", "东兴", "桂平", "北流", "靖西", "平果", "合山", "凭祥",
    "五指山", "琼海", "文昌", "万宁",
    "简阳", "都江堰", "彭州", "邛崃", "崇州", "射洪", "隆昌", "峨眉山", "阆中", "华蓥", "万源",
    "广汉", "什邡", "绵竹", "江油", "马尔康", "康定", "会理", "西昌",
    "清镇", "赤水", "仁怀", "盘州", "黔西", "兴义", "兴仁", "凯里", "都匀", "福泉",
    "安宁", "宣威", "澄江", "腾冲", "水富", "禄丰", "个旧", "开远", "蒙自", "弥勒", "景洪", "瑞丽",
    "泸水", "香格里拉",
    "米林", "错那",
    "彬州", "兴平", "韩城", "华阴", "子长", "神木", "旬阳",
    "玉门", "敦煌", "华亭", "合作",
    "同仁", "格尔木", "德令哈", "茫崖",
    "灵武", "青铜峡",
    "阜康", "博乐", "阿拉山口", "库尔勒", "库车", "阿图什", "伊宁", "奎屯", "霍尔果斯", "乌苏",
    "沙湾", "石河子", "阿拉尔", "图木舒克", "五家渠", "北屯", "铁门关", "双河", "可克达拉", "昆玉",
    "胡杨河", "新星", "白杨",
)  # fmt: skip
# Values of free text that are one value written more than one way, by how they are typed
# (an exact name of the list, spaces around it aside) to how crm stores them: a region
# typed, imported or matched (`--where "省份 = 广东省"`) as its full name is its short one,
# and so is a city of CITIES (`杭州市` is 杭州, as 所在地区 gives it); a city of COUNTY_CITIES
# the other way (`义乌` is 义乌市). Anything else is kept as typed (`广东深圳`, `Guangdong`,
# `广东 省`).
_SAME_VALUE: dict[str, dict[str, str]] = {
    "region": {name: short for short, full in PROVINCES.items() for name in (short, full)},
    "city": {name: short for short in CITIES for name in (short, f"{short}市")}
    | {name: f"{short}市" for short in COUNTY_CITIES for name in (short, f"{short}市")},
}


def understood(column: str, text: str) -> str | None:
    """The key of `column`'s vocabulary that `text` says in any language crm speaks
    (`成交客户` or `customer` in `stage` is `customer`, `电话` in `kind` is `call`), or None
    when `text` is none of its words. The run's language does not matter; a key typed as it
    is reads no catalog (an English run opens none). For a column of free text written
    several ways (`region`, `city`), the form crm stores (`广东省` is `广东`, `杭州市`
    `杭州`), or None for any other text."""
    if column in _SAME_VALUE:
        return _SAME_VALUE[column].get(text.strip())
    words = WORDS.get(column)
    if words is None:
        return None
    if text in words:
        return text
    return _keys_by_word(column).get(_typed(text))


def spellings(column: str, text: str) -> tuple[str, ...]:
    """Every way a row may hold the value `text` names in a column of free text written
    several ways: the form crm stores and the ones older rows may keep (`苏州` and `苏州市`
    for `苏州市` or `苏州`), so a match finds rows stored before crm shortened them; `text`
    alone for any other text."""
    stored = understood(column, text) if column in _SAME_VALUE else None
    if stored is None:
        return (text,)
    return _SPELLINGS[column][stored]


def _spellings_by_stored(names: dict[str, str]) -> dict[str, tuple[str, ...]]:
    """The names of each stored form, in the order of `names`: one pass (scanning every
    name for each of the 2,000 cities' forms took 0.1 s of every command's start-up)."""
    found: dict[str, list[str]] = {}
    for name, same in names.items():
        found.setdefault(same, []).append(name)
    return {stored: tuple(spelt) for stored, spelt in found.items()}


_SPELLINGS: dict[str, dict[str, tuple[str, ...]]] = {
    column: _spellings_by_stored(names) for column, names in _SAME_VALUE.items()
}


def translated(column: str, text: str) -> str | None:
    """The key `text` stands for when it is the word of another language than English for
    one of `column`'s keys (`成交客户` is `customer`); None for a key or its English
    spelling (`customer`, `at risk`), which a saved filter keeps as typed, and for any other
    text."""
    words = WORDS.get(column, {})
    key = understood(column, text)
    if key is None or _typed(text) in (_typed(key), _typed(_ENGLISH.get(key, key))):
        return None
    return key if key in words else None


# More names a column is typed as, beside the header crm shows: what was bought is 产品 on
# screen, and 商品 (goods), which many shops say and crm once showed, still names it
# (`--by 商品`, an import's 商品 column); a customer's region is
# 省份, and 地区 too (`--by 地区`); read but never shown.
_ALSO_NAMED: dict[str, tuple[str, ...]] = {
    "item": (N_("field|goods"),),
    "region": (N_("field|area"),),
}


@functools.cache
def _columns_by_name(columns: tuple[str, ...]) -> dict[str, str]:
    found: dict[str, set[str]] = {}
    for column in columns:
        msgids = (_header_msgid(column), _HIT_FIELD.get(column))
        for msgid in filter(None, msgids):
            # the header each language shows, English too (`ABC`, which Chinese shows alike)
            for spoken in {msgid.split("|", 1)[-1], *_translations(msgid)}:
                found.setdefault(_typed(spoken), set()).add(column)
        for msgid in _ALSO_NAMED.get(column, ()):
            for spoken in _translations(msgid):
                found.setdefault(_typed(spoken), set()).add(column)
    return {typed: names.pop() for typed, names in found.items() if len(names) == 1}


def column_named(text: str, columns: tuple[str, ...], custom: Iterable[str] = ()) -> str | None:
    """The one of `columns` (snake_case field names) whose header in any language crm
    speaks is `text` (`城市` is `city`, `阶段` is `stage`), or None. A key itself is not
    looked up here: a caller checks its own names first. Among `custom` (the user-defined
    fields there are) those crm named itself are named by their label in any language as a
    card shows it (`区县` is `district`, `微信昵称` `wechat_nickname`); any other is named
    only by its key, the name the user gave it and a card shows."""
    named = tuple(sorted(key for key in custom if key in NAMED_FIELDS))
    return _columns_by_name((*columns, *named)).get(_typed(text))


def first_column_named(text: str, columns: tuple[str, ...]) -> str | None:
    """The first of `columns` whose header in any language crm speaks is `text`, also where
    another shares that header (`电话` is phone's and phones'); None when it names none. A
    name all ASCII as typed is compared with the English headers alone, since no other
    language writes a header so (a test keeps it true): an English run checking its user
    fields' names (`vip_level`) then reads no catalog."""
    typed = _typed(text)
    return _first_columns(columns, typed.isascii()).get(typed)


@functools.cache
def _first_columns(columns: tuple[str, ...], english: bool) -> dict[str, str]:
    """Each header of `columns` as typed, in English alone or in every language, with the
    first of them it names."""
    found: dict[str, str] = {}
    for column in columns:
        for msgid in filter(None, (_header_msgid(column), _HIT_FIELD.get(column))):
            spoken = msgid.split("|", 1)[-1]
            for said in (spoken,) if english else (spoken, *_translations(msgid)):
                found.setdefault(_typed(said), column)
    return found


def chosen(text: str, choices: tuple[str, ...]) -> str | None:
    """The one of `choices` (the keys an option takes, `--by city`) that `text` says in any
    language crm speaks: a word crm shows for a value (`投诉` is `complaint`) or a column's
    header (`城市` is `city`, `月份` is `month`), or a period's Chinese word (`月`, `按季度`,
    crmcli.core.dates `period_word`), or a key typed full-width or in another case
    (`ＪＳＯＮ`); None when it says none, or more than one."""
    keys = [key for key in choices if _typed(key) == _typed(text)]
    if len(keys) == 1:
        return keys[0]
    found = {key for column in WORDS if (key := understood(column, text)) in choices}
    named = column_named(text, choices)
    if named is not None:
        found.add(named)
    if not found:  # a period as Chinese names it for grouping: `月`, `按季度`, `每周`
        from crmcli.core.dates import period_word

        found = {period_word(text)} & set(choices)
    return found.pop() if len(found) == 1 else None


def choice_said(key: str, choices: tuple[str, ...]) -> str | None:
    """The word crm shows for `key`, one of `choices`, in the run's language (`city` is
    城市, `month` 月份): a column's header or a value's word that `chosen` reads back as
    `key` among `choices`; None in English, and where there is no such word (`json`)."""
    if current() == "en":
        return None
    # A format's word first: `--format text` is 文本, though a column of text is 内容.
    spoken = [str(word("format", key)), header(key)]
    spoken += [str(word(c, key)) for c, words in WORDS.items() if key in words]
    for said in spoken:
        if not said.isascii() and chosen(said, choices) == key:
            return said
    return None


def choices_glossed(keys: tuple[str, ...]) -> str:
    """The keys an option takes, listed on one line; in another language than English each
    by the word crm shows for it, which may be typed instead (`chosen`), with its key after
    it (`编号（id）`, `跳过（skip）`)."""
    if current() == "en":
        return ", ".join(keys)
    said = ((key, choice_said(key, keys)) for key in keys)
    return _(", ").join(f"{word}（{key}）" if word else key for key, word in said)


def fields_glossed(columns: list[str]) -> str:
    """Field names a person may type, listed on one line; in another language than English
    each by its name in that language first with its key beside it (`城市（city）`): the
    header a table shows, or the field's word where the header is only letters (`abc`) or
    a user-defined field crm named (`wechat`). Either may be typed."""
    if current() == "en":
        return ", ".join(columns)

    def said(column: str) -> str:
        shown = header(column)
        if shown == _header_msgid(column) or shown.isascii():
            shown = str(word("field", column))
        return column if shown == column else f"{shown}（{column}）"

    return _(", ").join(said(c) for c in columns)


def fields_meant(typed: str, columns: list[str], custom: Iterable[str] = ()) -> list[str]:
    """The fields of `columns` a mistyped `typed` may mean (`ctiy`, `城事`, `程市`), each as
    the name it is nearest by: its key, or its header in a language crm speaks (a label for
    a user-defined field crm named, among `custom`), as `column_named` reads them; none
    when none is within a typo (crmcli.core.typos). A name is offered as the run's
    language spells it, or by its key: an English screen offers `city` for `城事`, never a
    Chinese word."""
    from crmcli.core.typos import distance

    own = set(custom) - set(NAMED_FIELDS)  # named by their keys alone, as column_named reads
    said: dict[str, tuple[int, str]] = {}  # column -> (distance, the name it is near by)
    wanted = _typed(typed)
    for column in columns:
        names = () if column in own else _names(column)
        for name in (column, *names):
            far = distance(wanted, _typed(name))
            if far is not None and far < said.get(column, (far + 1,))[0]:
                spoken = name == column or name == names[0] or name in _spoken(column)
                said[column] = (far, name if spoken else column)
    best = min((far for far, _name in said.values()), default=None)
    return [name for far, name in said.values() if far == best]


def _spoken(column: str) -> tuple[str, ...]:
    """The headers `column` is shown by in the run's language (none in English, whose
    header is the msgid itself)."""
    language = current()
    if language == "en":
        return ()
    from crmcli.core.i18n import catalog

    msgids = (_header_msgid(column), _HIT_FIELD.get(column))
    return tuple(
        catalog(language).gettext(msgid).split("|", 1)[-1] for msgid in filter(None, msgids)
    )


@functools.cache
def _names(column: str) -> tuple[str, ...]:
    """The headers `column` is shown by, in every language crm speaks (not those only read,
    `_ALSO_NAMED`: a refusal offers the names a person sees)."""
    msgids = (_header_msgid(column), _HIT_FIELD.get(column))
    return tuple(
        dict.fromkeys(
            said
            for msgid in filter(None, msgids)
            for said in (msgid.split("|", 1)[-1], *_translations(msgid))
        )
    )


def fields_offered(typed: str, columns: list[str], listing: str, custom: Iterable[str] = ()) -> str:
    """What a refusal of the unknown field `typed` offers: the fields of `columns` it may
    mean (`fields_meant`), `did you mean city?` (`是不是城市？`), else `listing` (said, with
    `{fields}`: every one of `columns`, `fields_glossed`)."""
    meant = fields_meant(typed, columns, custom)
    if meant:
        return _("did you mean {fields}?").format(fields=_(" or ").join(meant))
    return listing.format(fields=fields_glossed(columns))
