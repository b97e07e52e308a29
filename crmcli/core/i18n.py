"""The language crm speaks to people: which one a run uses, and `_()` to say a string in it.

Every string a person reads (help, table headers on a terminal, card labels, report titles,
confirmations, errors) is an English msgid looked up in a gettext catalog,
`crmcli/locale/LANG/LC_MESSAGES/crm.mo`. English is the catalog-less default: `_()` then
returns its argument and the gettext module is never imported, so English start-up pays
nothing. Machine formats (JSON, CSV and TSV keys and values, exit codes) never go through
`_()`.

A run's language, first found wins (docs/config.md#language):
1. `--lang en|zh`, read from the command line before anything is printed;
2. the `language` setting of the database: read by the command that opens it, or, when
   something is said before that (help, a usage error), glanced at then (`Pending`,
   crmcli.store.glance), so that help and usage errors speak it too; an encrypted file's
   when the command opens it;
3. the locale, in gettext's order: LANGUAGE (`zh_CN:en`, its first entry crm speaks),
   unless the locale is C; then the first of LC_ALL, LC_MESSAGES, LANG that is set; a
   value starting with `zh` (zh_CN, zh_SG, zh_Hans, and for now zh_TW and zh_HK too) is
   Chinese;
4. English.

The catalog in use is a context variable, set for one run by the error boundary and reset
at its end, so runs in one process (tests) do not leak their language into each other.
Strings kept in module-level tables are marked with `N_()` (for extraction) and passed to
`_()` where they are shown, since the language is known only once a run starts.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any

DOMAIN = "crm"
_LOCALE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "locale")
# English, which needs no catalog, and every language with one (`locale/zh/LC_MESSAGES/
# crm.mo`): a translator adds a language without touching code.
LANGUAGES = (
    "en",
    *sorted(
        name
        for name in os.listdir(_LOCALE)
        if os.path.isfile(os.path.join(_LOCALE, name, "LC_MESSAGES", f"{DOMAIN}.mo"))
    ),
)


class Pending:
    """A run's language not looked for yet: `find()` names it (the database's setting, at a
    glance), else `otherwise` (the locale's). Found when the run first says something, or
    from the command's own connection when it opens the file (`settle`): a command that
    opens the file before it says a word never opens it twice."""

    def __init__(self, find: Callable[[], str | None], otherwise: str) -> None:
        self.find, self.otherwise = find, otherwise


# The run's language and its catalog; None for English, which needs none.
_catalog: ContextVar[tuple[str, Any] | Pending | None] = ContextVar("crm_catalog", default=None)


def _speaking() -> tuple[str, Any] | None:
    """The run's language and its catalog (None: English), found now if still pending."""
    speaking = _catalog.get()
    if type(speaking) is Pending:
        _settle(speaking.otherwise)  # what the search itself says (a refused file's why)
        _settle(speaking.find() or speaking.otherwise)
        speaking = _catalog.get()
    return speaking  # type: ignore[return-value]


def _settle(language: str) -> None:
    _catalog.set(None if language == "en" else (language, catalog(language)))


def _(message: str) -> str:
    """`message` (an English msgid) in the run's language: in Chinese a `Template`, whose
    `format` keeps no space between a value and Chinese text around it."""
    speaking = _catalog.get()
    if type(speaking) is Pending:
        speaking = _speaking()
    if speaking is None:  # English: the msgid, which quotes what was typed cut (`Quoting`)
        return Quoting(message) if "!r}" in message else message
    return Template(speaking[1].gettext(message))  # type: ignore[index]


# What a person typed, quoted back in a message (`no customer matches '…'`), is cut to this
# many characters: a reference of 5,000 characters is not echoed whole, in any message and
# any language (`Quoting`, `Template` quote it; nothing else does).
QUOTED = 40
_JOINERS = "\u200d\ufe0e\ufe0f"


def typed(text: str) -> str:
    """`text` as a message quotes it: at most QUOTED characters, the last of them `…` when it
    is cut, which drops no accent from the letter it kept nor leaves a joiner or a space
    before the `…`."""
    if len(text) <= QUOTED:
        return text
    import unicodedata

    end = QUOTED - 1
    # the first character left out belongs to the one before it (an accent, a joiner's
    # partner): that one goes too
    while end > 0 and (
        unicodedata.combining(text[end]) or text[end] in _JOINERS or text[end - 1] == "\u200d"
    ):
        end -= 1
    return text[:end].rstrip().rstrip(_JOINERS) + "…"


class Quoting(str):
    """An English message that quotes what was typed (`{value!r}`): `format` quotes it cut
    (`typed`), as `Template` does in another language."""

    def format(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        return _quoter().vformat(self, args, kwargs)


@functools.cache
def _quoter() -> Any:
    """A string.Formatter whose `!r` quotes a text cut (`typed`); string is imported only
    when an English message quotes something."""
    import string

    class Quoter(string.Formatter):
        def convert_field(self, value: Any, conversion: str | None) -> Any:
            if conversion == "r" and isinstance(value, str):
                return repr(typed(value))
            return super().convert_field(value, conversion)

    return Quoter()


# Chinese characters and full-width punctuation (code point ranges): no space is written
# between them. Not a regular expression: compiling a class of ranges this wide took 2 ms
# of every run's start-up, English ones included.
_TIGHT = (
    (0x2018, 0x2019), (0x201C, 0x201D), (0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
    (0xFF00, 0xFFEF),
)  # fmt: skip


def _tight(char: str) -> bool:
    """`char` (one character; an empty string is not) is Chinese or full-width punctuation."""
    return len(char) == 1 and any(low <= ord(char) <= high for low, high in _TIGHT)


class Template(str):
    """A translated message. Chinese puts no space between words, but a template may put
    one around a value, as English needs (`与 {name}（#{id}）`, `{field} 不能为空`): `format`
    drops such a space where the value and the template's text beside it are both Chinese
    (`与张伟（#1）`, `节日名称不能为空`), and keeps every space inside a value. A value
    that is a `Said` (`3 days`) is put in as said in the run's language (`3 天`). Text a
    person typed, which English quotes as `{value!r}` (`'上海'`), Chinese quotes as its
    own prose does: `“上海”`."""

    def format(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        import string

        formatter = string.Formatter()
        pieces: list[str] = []  # literal text and values, alternately
        for literal, field, spec, conversion in formatter.parse(self):
            pieces.append(literal)
            if field is None:
                continue
            if not field or field.isdigit() or "{" in (spec or ""):
                return str.format(self, *args, **kwargs)  # not a form crm's msgids use
            found = formatter.get_field(field, args, kwargs)[0]
            if isinstance(found, Said) and not conversion:  # `3 days`: 3 天, as said
                found = found.said()
            if conversion == "r" and isinstance(found, str):  # what was typed: “上海客户”
                shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in typed(found))
                value = f"“{shown}”"  # an invisible character shown as repr shows it
            else:
                value = formatter.convert_field(found, conversion)
            pieces.append(formatter.format_field(value, spec or ""))
        for i in range(1, len(pieces), 2):
            value = pieces[i]
            if not value:
                continue
            before = pieces[i - 1]
            if before[-1:] == " " and _tight(before[-2:-1]):
                pieces[i - 1] = before[:-1] if _tight(value[0]) else before
            after = pieces[i + 1] if i + 1 < len(pieces) else ""
            if after[:1] == " " and _tight(after[1:2]) and _tight(value[-1]):
                pieces[i + 1] = after[1:]
        return "".join(pieces)


def N_(message: str) -> str:
    """Mark `message` for the catalog without translating it yet (a module-level table)."""
    return message


def region_name(code: str) -> str:
    """A country or region code (`US`) as a sentence of the run's language names it: English
    says the code, as it always has; Chinese the name (`美国`, from babel's CLDR data). Where
    the user must type the code (`--country US`), a message puts the code itself."""
    if _speaking() is None:
        return code
    from babel import Locale

    return Locale("zh").territories.get(code.upper(), code)


def languages_said() -> str:
    """LANGUAGES as a sentence of the run's language names them, each with what `--lang`
    takes: `English (en), Chinese (zh)`, in Chinese `英语（en）、中文（zh）` (babel's CLDR
    names)."""
    from babel import Locale

    names = Locale(current()).languages
    return _(", ").join(
        _("{name} ({key})").format(name=names.get(code, code), key=code) for code in LANGUAGES
    )


# Traditional Chinese as a person may name it: crm has no catalog of its own for it, and
# speaks Simplified Chinese for it, as for a zh_TW or zh_HK locale.
_TRADITIONAL = ("繁体", "繁體", "正體", "正体", "traditional", "hant")


def unknown(value: str) -> str:
    """The refusal of `value`, a language `clean` does not know (`--lang`, the setting), in
    one line: the languages crm has, each with what `--lang` takes; for Traditional Chinese
    by name (`繁体中文`), that crm speaks Simplified Chinese for it, as for zh_TW."""
    typed = "".join(value.split()).casefold()
    if any(word in typed for word in _TRADITIONAL):
        return _(
            "unknown language {value!r}; languages are: {languages}; for Traditional Chinese, "
            "zh (crm speaks Simplified Chinese for zh_TW and zh_HK too)"
        ).format(value=value, languages=languages_said())
    return _("unknown language {value!r}; languages are: {value2}").format(
        value=value, value2=languages_said()
    )


def from_locale(environ: Any = os.environ) -> str:
    """The language the locale asks for, in gettext's order: the first of LANGUAGE's
    colon-separated entries (`zh_CN:en`) that crm speaks, unless the locale is C (or none
    is set), which ignores LANGUAGE as gettext does; else the language of the first of
    LC_ALL, LC_MESSAGES and LANG that is set (`zh_CN.UTF-8`: `zh`) when crm speaks it (a
    catalog added under crmcli/locale is spoken for its locale too); else `en`."""
    locale = next((environ[v] for v in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(v)), "")
    entries = (environ.get("LANGUAGE") or "").split(":")
    if not locale or locale in ("C", "POSIX") or locale.startswith("C."):
        entries = []
    for entry in [*entries, locale]:
        base = entry.strip().lower().replace("-", "_").replace(".", "_").split("_", 1)[0]
        if base in LANGUAGES:
            return base
    return "en"


# Each language by its name, as a person may type it in either language (`中文`, `英文`).
_NAMES = {
    "中文": "zh", "简体中文": "zh", "简体": "zh", "汉语": "zh", "chinese": "zh",
    "英文": "en", "英语": "en", "english": "en",
}  # fmt: skip


def clean(value: str) -> str | None:
    """A language as `--lang` or the setting may spell it (`zh`, `ZH`, `zh_CN`, `zh-Hans`,
    `en_US`, or by its name: `中文`, `简体中文`, `英文`, `English`) as one of LANGUAGES, or
    None when it is none of them."""
    import unicodedata

    typed = "".join(unicodedata.normalize("NFKC", value).split()).casefold()
    if typed in _NAMES:
        return _NAMES[typed]
    base = typed.replace("-", "_").split("_", 1)[0]
    return base if base in LANGUAGES else None


def current() -> str:
    """The run's language."""
    speaking = _speaking()
    return "en" if speaking is None else speaking[0]


def provisional() -> str:
    """The run's language if found, else the one it has without the database's setting
    (the locale's), found without looking at the file."""
    speaking = _catalog.get()
    if type(speaking) is Pending:
        return speaking.otherwise
    return "en" if speaking is None else speaking[0]  # type: ignore[index]


def use(language: str | Pending) -> Token[tuple[str, Any] | Pending | None]:
    """Speak `language` (one of LANGUAGES, or one to find when first needed) from now on;
    returns the token that `reset` takes to go back."""
    if isinstance(language, Pending):
        return _catalog.set(language)
    if language == "en":
        return _catalog.set(None)
    return _catalog.set((language, catalog(language)))


def settle(language: str | None) -> None:
    """The database's `language` setting (None: not set), read by the command that opened
    it: spoken from now on; a pending run's language is found without another glance."""
    speaking = _catalog.get()
    if type(speaking) is Pending:
        _settle(language or speaking.otherwise)
    elif language is not None and language != current():
        _settle(language)


@functools.cache
def catalog(language: str) -> Any:
    """The gettext catalog of `language` (one of LANGUAGES but English), loaded once; also
    read whatever the run's language is, to understand crm's words typed in any language
    (crmcli.core.vocabulary `understood`)."""
    import gettext

    return gettext.translation(DOMAIN, _LOCALE, languages=[language], fallback=True)


def reset(token: Token[tuple[str, Any] | Pending | None]) -> None:
    """Go back to the language before the `use` that gave `token`."""
    _catalog.reset(token)


class Said(str):
    """Prose kept in data (a reminder's reason, a report's note): its value is the English
    text, so JSON, CSV and TSV read the same in every language, and `said()` is the text in
    the run's language, which tables for people show (crmcli/cli/cells.py `cell`).
    `template` is the msgid; a parameter may be a Said itself."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Said:
        said = super().__new__(cls, template.format(**params))
        said.template, said.params = template, params
        return said

    def said(self) -> str:
        """The text in the run's language."""
        if _speaking() is None:
            return str(self)
        params = {k: v.said() if isinstance(v, Said) else v for k, v in self.params.items()}
        return _(self.template).format(**params)


class Joined(Said):
    """Several pieces of prose kept in data as one (a customer's reasons to be called
    today): joined by `; ` in English, JSON and CSV, by the run's own separator (`；`) for
    people, each piece in the run's language. The one way a customer's reasons are joined
    for people, wherever they are shown (`crm today`, `crm remind`, the dashboard); a list
    of names or values is joined by `, ` (`、`) instead."""

    pieces: tuple[str, ...]

    def __new__(cls, pieces: Any) -> Joined:
        joined = str.__new__(cls, "; ".join(pieces))
        joined.template, joined.params, joined.pieces = str(joined), {}, tuple(pieces)
        return joined

    def said(self) -> str:
        if _speaking() is None:
            return str(self)
        return _("; ").join(p.said() if isinstance(p, Said) else p for p in self.pieces)


class Listing(Joined):
    """Several names or values kept in data as one (`customer 1 证件, customer 4 备注`):
    joined by `, ` in English, JSON and CSV, by the run's own separator (`、`) for people,
    each piece in the run's language."""

    def __new__(cls, pieces: Any) -> Listing:
        listing = str.__new__(cls, ", ".join(pieces))
        listing.template, listing.params, listing.pieces = str(listing), {}, tuple(pieces)
        return listing

    def said(self) -> str:
        if _speaking() is None:
            return str(self)
        return _(", ").join(p.said() if isinstance(p, Said) else p for p in self.pieces)
