"""How every kind of record is changed, and the one reading of `--unset`.

Each record service follows one pattern. An `...Input` (a named tuple, unless it is filled
in step by step) carries what a user typed (strings; None when an option was not given).
`prepare...()` validates it and computes what follows from it (prices, currencies, derived
fields), raising InvalidInput before anything is written. An apply function (`add_...`,
`edit_...`) writes the prepared values inside the caller's transaction. Command handlers
only parse options into the input, call prepare and apply, and print.

`unset_columns` is how every edit command reads `--unset NAME`: a record kind says which
names a user may give and which columns each clears.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from crmcli.core.errors import InvalidInput
from crmcli.core.i18n import _
from crmcli.core.vocabulary import column_named, fields_glossed


def unset_columns(
    names: Iterable[str],
    clears: Mapping[str, tuple[str, ...]],
    *,
    aliases: Mapping[str, str] | None = None,
    setting: Mapping[str, Any] | None = None,
    other: Callable[[str], None] | None = None,
) -> dict[str, None]:
    """The columns `--unset NAME...` clears, each mapped to None.

    `clears` maps each name a user may give to the columns it clears; `aliases` maps other
    spellings to those names; a field's header in any language crm speaks (`备注`, `城市`:
    crmcli.core.vocabulary `column_named`) names it too. A name is matched without
    surrounding spaces. An unknown name goes to `other` when given (customers keep
    user-defined fields there), else raises InvalidInput listing the names. With `setting`
    (the columns being set by the same command), clearing one of them raises InvalidInput.
    """
    out: dict[str, None] = {}
    for typed in names:
        given = typed.strip()
        name = (aliases or {}).get(given, given)
        if name not in clears:  # a field by its header in any language: `--unset 备注`
            owners = {column: key for key, columns in clears.items() for column in columns}
            owners.update({key: key for key in clears})
            name = owners.get(column_named(given, tuple(owners)) or "", name)
        if name not in clears:
            if other is None:
                raise InvalidInput(
                    _("--unset takes one of: {names} (got {given!r})").format(
                        names=fields_glossed(list(clears)), given=given
                    )
                )
            other(name)
            continue
        for column in clears[name]:
            if setting is not None and column in setting:
                raise InvalidInput(_("{given} is both set and unset").format(given=given))
            out[column] = None
    return out
