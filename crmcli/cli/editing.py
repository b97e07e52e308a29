"""`crm edit REF` in $EDITOR: the record as `field: value` text in a 0600 temp file.

The caller reads the record and keeps its version; the save is refused when the record
changed meanwhile (the caller passes the version to edit_customer).
"""

import os
import shlex
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from typing import Any

from crmcli.core.errors import CrmError, InvalidInput
from crmcli.core.i18n import N_, _
from crmcli.records import customers
from crmcli.records.customers import CustomerInput

EDITABLE = ("name", *customers.UNSETTABLE)
# The comment lines above the fields, in the run's language (the field names stay as keys).
HEADER = (
    N_("Customer {id}. Edit the values, save and quit; an empty value clears the field."),
    N_("phones and emails are comma-separated, the first is primary."),
    N_('User-defined fields are "field.NAME: value". Lines starting with # are ignored.'),
)


def render(record: Mapping[str, Any]) -> str:  # a Customer, read by column name
    def one_line(value: object) -> str:
        return "" if value is None else str(value).replace("\n", "\\n")

    lines = ["# " + _(line).format(id=record["id"]) for line in HEADER]
    for key in EDITABLE:
        value = record[key]
        if key == "birthday" and record.get("birthday_lunar"):
            value = f"lunar:{record['birthday_lunar']}"
        elif key == "cadence_days" and record.get("cadence_max_days"):
            value = customers.describe_gap(value, record["cadence_max_days"])
        lines.append(f"{key}: {one_line(value)}")
    lines.append(f"phones: {', '.join(record['phones'])}")
    lines.append(f"emails: {', '.join(record['emails'])}")
    lines += [f"field.{k}: {one_line(v)}" for k, v in record["fields"].items()]
    return "\n".join(lines) + "\n"


def parse(text: str, record: Mapping[str, Any]) -> CustomerInput:
    """The differences between the edited text and `record`, as a CustomerInput."""
    raw = CustomerInput()
    seen_fields: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key, value = key.strip(), value.strip().replace("\\n", "\n")
        if not sep:
            raise InvalidInput(_("line {number}: expected 'field: value'").format(number=number))
        if key in ("phones", "emails"):
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
                    editor=editor, strerror=exc.strerror
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
