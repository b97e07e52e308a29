"""`crm edit REF` in $EDITOR: the record as `field: value` text in a 0600 temp file.

The keys are in the run's language (`name:` in English, `姓名:` in Chinese: the column's
header, crmcli.core.vocabulary.header), and so are the comments; reading the text back takes
the keys of every language, and a full-width colon (`姓名：张伟`), so a form written under
one language still saves under another.

The caller reads the record and keeps its version; the save is refused when the record
changed meanwhile (the caller passes the version to edit_customer).
"""

import os
import re
import shlex
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from typing import Any

from crmcli.core import oserrors
from crmcli.core.errors import CrmError, InvalidInput
from crmcli.core.i18n import LANGUAGES, N_, _, current, reset, use
from crmcli.records import customers
from crmcli.records.customers import CustomerInput

EDITABLE = ("name", *customers.UNSETTABLE)
# The comment lines above the fields, in the run's language (the field names stay as keys).
HEADER = (
    N_("Customer {id}. Edit the values, save and quit; an empty value clears the field."),
    N_("{phones} and {emails} are comma-separated, the first is primary."),
    N_('User-defined fields are "{field}.NAME: value". Lines starting with # are ignored.'),
)
LISTS = ("phones", "emails")
FIELD = "field"  # the prefix of a user-defined field's key: `field.NAME`
# The prefix in words (`字段.NAME` in Chinese).
FIELD_WORD = N_("form|field")
# A value is one line: a backslash, a line break and a tab are written as `\\`, `\n`, `\r`, `\t`
# and read back so; a backslash before anything else is kept as typed (`C:\data`).
ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
UNESCAPES = {escaped[1]: char for char, escaped in ESCAPES.items()}


def escape(value: str) -> str:
    return "".join(ESCAPES.get(char, char) for char in value)


def unescape(text: str) -> str:
    return re.sub(r"\\([\\nrt])", lambda m: UNESCAPES[m[1]], text)


def _keys() -> dict[str, str]:
    """The form's key for each of its fields (and `field` for the prefix of user-defined
    ones) in the run's language: the key itself in English, the column's header in words
    otherwise."""
    from crmcli.core.vocabulary import header

    if current() == "en":
        return {key: key for key in (*EDITABLE, *LISTS, FIELD)}
    keys = {key: header(key) for key in (*EDITABLE, *LISTS)}
    return {**keys, FIELD: _(FIELD_WORD).split("|", 1)[-1]}


def _known_keys() -> dict[str, str]:
    """Every key a form may have, in any language, -> the field it names."""
    known: dict[str, str] = {}
    for language in LANGUAGES:
        token = use(language)
        try:
            known.update({word: key for key, word in _keys().items()})
        finally:
            reset(token)
    return known


def render(record: Mapping[str, Any]) -> str:  # a Customer, read by column name
    def one_line(value: object) -> str:
        return "" if value is None else escape(str(value))

    from crmcli.core.vocabulary import word

    keys = _keys()
    pair = _("{field}: {value}")  # `姓名：张伟` in Chinese, as the card writes it
    words = {"id": record["id"], "phones": keys["phones"], "emails": keys["emails"]}
    lines = ["# " + _(line).format(field=keys[FIELD], **words) for line in HEADER]
    for key in EDITABLE:
        value = word(key, record[key])  # `性别：女`, as the card says it; read back by `parse`
        if key == "birthday" and record.get("birthday_lunar"):
            value = _("lunar:{date}").format(date=record["birthday_lunar"])  # 农历1990-08-15
        elif key == "cadence_days" and record.get("cadence_max_days"):
            value = customers.describe_gap(value, record["cadence_max_days"])
        lines.append(pair.format(field=keys[key], value=one_line(value)))
    lines += [pair.format(field=keys[key], value=", ".join(record[key])) for key in LISTS]
    lines += [
        pair.format(field=f"{keys[FIELD]}.{k}", value=one_line(v))
        for k, v in record["fields"].items()
    ]
    return "\n".join(lines) + "\n"


def parse(text: str, record: Mapping[str, Any]) -> CustomerInput:
    """The differences between the edited text and `record`, as a CustomerInput."""
    from crmcli.core.vocabulary import understood

    raw = CustomerInput()
    seen_fields: set[str] = set()
    seen: set[str] = set()
    known = _known_keys()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        colon = min((i for i in (line.find(":"), line.find("：")) if i >= 0), default=-1)
        if colon < 0:
            raise InvalidInput(_("line {number}: expected 'field: value'").format(number=number))
        typed, value = line[:colon].strip(), unescape(line[colon + 1 :].strip())
        prefix, dot, name = typed.partition(".")
        key = f"{FIELD}.{name}" if dot and known.get(prefix) == FIELD else known.get(typed, typed)
        if key in seen:  # `城市: 上海` and `city: 广州`: which one was meant is not known
            raise InvalidInput(
                _("line {number}: {key} given twice").format(number=number, key=typed)
            )
        seen.add(key)
        if key in LISTS:
            new = [v.strip() for v in value.split(",") if v.strip()]
            old = record[key]
            adds, removes = (
                ("phones", "remove_phones") if key == "phones" else ("emails", "remove_emails")
            )
            if new != old:
                getattr(raw, removes).extend(old)
                getattr(raw, adds).extend(new)
        elif key.startswith("field."):
            name = key[len("field.") :]
            seen_fields.add(name)
            if not value:
                if name in record["fields"]:
                    raw.unset.append(name)
            elif record["fields"].get(name) != value:
                raw.fields.append(f"{name}={value}")
        elif key in EDITABLE:
            value = understood(key, value) or value if value else value  # `女` is female
            old = record[key]
            if key in ("referred_by", "cadence_days"):
                old = None if old is None else str(old)
            if not value:
                if old is not None:
                    raw.unset.append(key)
            elif value != old:
                raw.values[key] = value
        else:
            raise InvalidInput(
                _("line {number}: unknown field {key!r}").format(number=number, key=key)
            )
    raw.unset += [name for name in record["fields"] if name not in seen_fields]
    return raw


def edit_in_editor(record: Mapping[str, Any]) -> CustomerInput | None:
    """Open `record` in $VISUAL/$EDITOR; returns the changes, or None when there are none."""
    before = render(record)
    fd, path = tempfile.mkstemp(prefix="crm-edit-", suffix=".txt")  # created 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(before)
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        status = _run_editor([*shlex.split(editor), path], editor)
        if status != 0:
            raise CrmError(
                _("the editor exited with status {status}; nothing was saved").format(status=status)
            )
        with open(path, encoding="utf-8") as handle:
            after = handle.read()
    finally:
        os.unlink(path)
    if after == before:
        return None
    raw = parse(after, record)
    return None if raw.is_empty() else raw


def _run_editor(argv: list[str], editor: str) -> int:
    """Run the editor and return its exit status. SIGTERM and SIGHUP (a closed terminal, a
    killed session) meanwhile stop the editor and end crm as an error, exit 128 + the
    signal's number, nothing saved, and the caller removes the temp file, which holds the
    customer's data (the default action of these signals would leave it behind).

    The handler only notes the signal and stops the editor once it exists: raising from it
    could interrupt the start of the editor and leave it running with crm gone."""
    caught: list[int] = []
    editor_process: list[subprocess.Popen[bytes]] = []

    def stop(signum: int, _frame: object) -> None:
        caught.append(signum)
        for process in editor_process:
            process.terminate()

    watched = (signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, stop) for sig in watched}
    try:
        try:
            editor_process.append(subprocess.Popen(argv))
        except OSError as exc:
            raise CrmError(
                _("cannot start the editor {editor!r}: {strerror}").format(
                    editor=editor, strerror=oserrors.reason(exc)
                )
            ) from None
        if caught:  # came while the editor was starting
            editor_process[0].terminate()
        status = editor_process[0].wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if caught:
        error = CrmError(
            _("stopped by {signal}; nothing was saved").format(
                signal=signal.Signals(caught[0]).name
            )
        )
        error.exit_code = 128 + caught[0]
        raise error
    return status
