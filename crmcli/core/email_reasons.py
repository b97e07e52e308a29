"""email-validator's reasons for refusing an address, said in the run's language.

email-validator speaks English only. Each of its messages (those of version 2, read from
its source: syntax, validate_email) is matched here by a pattern whose groups are the
values inside it (the characters it quotes, a count); the msgid says the same with those
values put back. Characters it quotes (`'@'`) are quoted as the language's prose quotes
what was typed (`“@”`), and characters it names in words (`SPACE`) are shown as code points
(`U+0020`) in another language. A message this table does not know is said, in another
language than English, as the address being invalid: never English in a Chinese line.
"""

from __future__ import annotations

import re
import unicodedata

from crmcli.core.i18n import N_, _, current

# (pattern of a whole English message, msgid saying it); `{chars}` is a list of characters,
# `{n}` a count. The first pattern that matches the whole message says it.
_TOO_MANY = r" \((?P<n>\d+(?:-\d+)?) characters? too many\)"
REASONS = (
    (r"An email address must have an @-sign\.", N_("An email address must have an @-sign.")),
    (
        r"The email address has the \"full-width\" at-sign \(@\) character instead of a "
        r"regular at-sign\.",
        N_("The email address has the full-width at-sign (＠) instead of a regular @."),
    ),
    (
        r"The email address has the \"small commercial at\" character instead of a regular "
        r"at-sign\.",
        N_("The email address has the small at-sign (﹫) instead of a regular @."),
    ),
    (
        r"Extra character\(s\) found after close quote: (?P<chars>.*)",
        N_("There are characters after the closing quote: {chars}."),
    ),
    (
        r"The display name contains invalid characters when not quoted: (?P<chars>.*)\.",
        N_("The display name contains characters that need quotes: {chars}."),
    ),
    (
        r"An open angle bracket at the start of the email address has to be followed by a "
        r"close angle bracket at the end\.",
        N_("An email address that starts with < must end with >."),
    ),
    (
        r"There can't be anything after the email address\.",
        N_("There can't be anything after the email address."),
    ),
    (
        r"There must be something before the @-sign\.",
        N_("There must be something before the @-sign."),
    ),
    (
        r"There must be something after the @-sign\.",
        N_("There must be something after the @-sign."),
    ),
    (
        r"The email address is too long before the @-sign" + _TOO_MANY + r"\.",
        N_("The part before the @-sign is too long ({n} characters too many)."),
    ),
    (
        r"The email address is too long after the @-sign" + _TOO_MANY + r"\.",
        N_("The part after the @-sign is too long ({n} characters too many)."),
    ),
    (
        r"The email address is too long after the @-sign \((?P<n>\d+) bytes? too many after "
        r"IDNA encoding\)\.",
        N_("The part after the @-sign is too long ({n} bytes too many after IDNA encoding)."),
    ),
    (
        r"The email address is too long"
        + _TOO_MANY
        + r"(?: \((?P<bytes>\d+) bytes? too many\))?\.",
        N_("The email address is too long ({n} characters too many)."),
    ),
    (
        r"The email address is too long \((?P<n>\d+) bytes? too many\)\.",
        N_("The email address is too long ({n} bytes too many)."),
    ),
    (
        r"Internationalized characters before the @-sign are not supported(?:: (?P<chars>.*))?\.",
        N_("Characters other than ASCII are not allowed before the @-sign: {chars}."),
    ),
    (
        r"The email address contains invalid characters in quotes before the @-sign: "
        r"(?P<chars>.*)\.",
        N_("The email address contains invalid characters in quotes before the @-sign: {chars}."),
    ),
    (
        r"The email address contains an invalid character\.",
        N_("The email address contains an invalid character."),
    ),
    (
        r"The email address contains invalid characters before the @-sign(?:: (?P<chars>.*))?\.",
        N_("The email address contains invalid characters before the @-sign: {chars}."),
    ),
    (
        r"The email address contains unsafe characters: (?P<chars>.*)\.",
        N_("The email address contains unsafe characters: {chars}."),
    ),
    (
        r"An email address cannot start with a period\.",
        N_("An email address cannot start with a period."),
    ),
    (
        r"An email address cannot have a period immediately before the @-sign\.",
        N_("An email address cannot have a period immediately before the @-sign."),
    ),
    (
        r"An email address cannot have a period immediately after the @-sign\.",
        N_("An email address cannot have a period immediately after the @-sign."),
    ),
    (
        r"An email address cannot have a hyphen immediately after the @-sign\.",
        N_("An email address cannot have a hyphen immediately after the @-sign."),
    ),
    (
        r"An email address cannot end with a period\.",
        N_("An email address cannot end with a period."),
    ),
    (
        r"An email address cannot end with a hyphen\.",
        N_("An email address cannot end with a hyphen."),
    ),
    (
        r"An email address cannot have two periods in a row\.",
        N_("An email address cannot have two periods in a row."),
    ),
    (
        r"An email address cannot have a period and a hyphen next to each other\.",
        N_("An email address cannot have a period and a hyphen next to each other."),
    ),
    (
        r"The part after the @-sign contains invalid characters(?: after Unicode "
        r"normalization)?: (?P<chars>.*)\.",
        N_("The part after the @-sign contains invalid characters: {chars}."),
    ),
    (
        r"The part after the @-sign contains invalid characters \(.*\)\.",
        N_("The part after the @-sign contains invalid characters."),
    ),
    (
        r"An email address cannot have two letters followed by two dashes immediately after "
        r"the @-sign or after a period, except Punycode\.",
        N_("After the @-sign or a period, two letters and two dashes (xn--) must be Punycode."),
    ),
    (
        r"The part after the @-sign is invalid \(.*\)\.",
        N_("The part after the @-sign is not valid."),
    ),
    (
        r"The email address contains invalid characters after the @-sign after IDNA "
        r"encoding\.",
        N_("The email address contains invalid characters after the @-sign."),
    ),
    (
        r"After the @-sign, periods cannot be separated by so many characters" + _TOO_MANY + r"\.",
        N_("After the @-sign, a part between periods is too long ({n} characters too many)."),
    ),
    (
        r"The part after the @-sign is not valid\. It should have a period\.",
        N_("The part after the @-sign is not valid. It should have a period."),
    ),
    (
        r"The part after the @-sign is not valid\. It is not within a valid top-level domain\.",
        N_("The part after the @-sign is not valid. It is not within a valid top-level domain."),
    ),
    (
        r"The part after the @-sign is a special-use or reserved name that cannot be used with "
        r"email\.",
        N_("The part after the @-sign is a reserved name that cannot be used for email."),
    ),
    (
        r"The part after the @-sign (?:is not valid IDNA|became invalid after normalizing to "
        r"international characters) \(.*\)\.",
        N_("The part after the @-sign is not a valid international domain name."),
    ),
    (r"The email address is not valid ASCII\.", N_("The email address is not valid ASCII.")),
    (
        r"Quoting the part before the @-sign is not allowed here\.",
        N_("Quoting the part before the @-sign is not allowed."),
    ),
    (
        r"A bracketed IP address after the @-sign is not allowed here\.",
        N_("An IP address in brackets after the @-sign is not allowed."),
    ),
    (
        r"A display name and angle brackets around the email address are not permitted here\.",
        N_("A display name and angle brackets around the email address are not allowed."),
    ),
    (
        r"The (?:address|IPv6 address|part after the @-sign) in brackets.*|The part after the "
        r"@-sign contains (?:invalid characters in brackets|an invalid address literal tag).*",
        N_("The address in brackets after the @-sign is not valid."),
    ),
)
_COMPILED = tuple((re.compile(pattern, re.S), msgid) for pattern, msgid in REASONS)


def said(message: str) -> str:
    """email-validator's `message` in the run's language: as it is in English."""
    if current() == "en":
        return message
    for pattern, msgid in _COMPILED:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        values = match.groupdict()
        chars = _characters(values.get("chars") or "")
        template = _(msgid)
        if not chars:  # a message that named no characters: the sentence without the list
            template = type(template)(re.sub(r"[:：]\s*\{chars\}", "", template))
        return template.format(chars=chars, n=values.get("n") or "")
    return _("The email address is not valid.")


def _characters(listed: str) -> str:
    """A list of characters as email-validator writes it (`'@', '!', SPACE`) in the run's
    words: joined by its separator, a quoted character in the language's quotes (`“@”`, as
    `Template` quotes what was typed), one it names in English as its code point."""
    if not listed:
        return ""
    pieces = re.findall(r"'[^']*'|\"[^\"]*\"|[A-Z0-9][A-Z0-9 +-]*", listed)
    shown = []
    for piece in pieces:
        if piece[0] in "'\"":
            shown.append(f"“{piece[1:-1]}”")
            continue
        try:
            shown.append(f"U+{ord(unicodedata.lookup(piece)):04X}")
        except KeyError:
            shown.append(piece if piece.startswith("U+") else "?")
    return _(", ").join(shown)
