"""Help laid out for a terminal by display width, in the run's language (plain help: off a
terminal, and in Chinese on one too; crmcli/cli/framework.py `Context` uses it).

click's layout, measured in terminal columns (a Chinese character takes two): Chinese text
breaks between any two characters but never before closing punctuation (，。、）) or after
opening punctuation (（「); no line is wider than the help's width: an example too wide is
continued as a shell reads it, a list of choices too wide is cut after a `|`. `Usage:` and
the headings are in the run's language.
"""

import re
import unicodedata
from collections.abc import Iterator, Sequence
from functools import lru_cache

from typer._click.formatting import HelpFormatter as ClickFormatter

from crmcli.cli.cells import joins, width
from crmcli.core.i18n import _, current

# The narrowest terminal help is laid out for (click's own layout stays 50 wide on any
# terminal narrower than 52 columns); the two columns help keeps spare at the right, which
# only a word wider than a whole line (a long path in an example) may take; and the least
# room an option's help keeps beside it.
NARROWEST = 30
_MARGIN = 2
_HELP_ROOM = 16


def help_width(columns: int | None = None, widest: int = 80) -> int:
    """The width help is laid out in: the terminal's (`columns`, else $COLUMNS or the
    terminal's own), at most `widest`, at least NARROWEST, less the margin."""
    if columns is None:
        import shutil

        columns = shutil.get_terminal_size().columns
    return max(min(columns, widest), NARROWEST) - _MARGIN


class HelpFormatter(ClickFormatter):
    """click's help layout, measured in terminal columns, with its fixed words (`Usage:`,
    the headings) in the run's language, following the terminal down to NARROWEST."""

    def __init__(
        self, indent_increment: int = 2, width: int | None = None, max_width: int | None = None
    ) -> None:
        super().__init__(indent_increment, width or help_width(widest=max_width or 80), max_width)

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        prefix = _("Usage: ") if prefix is None else prefix
        lead = f"{prefix:>{self.current_indent}}{prog} "
        room = self.width - self.current_indent
        if room >= width(lead) + 20:  # the arguments fit right of the prefix
            self.write(wrap(args, room, lead, " " * width(lead)))
        else:
            self.write(wrap(lead.rstrip(), room) + "\n")
            indent = " " * (max(self.current_indent, width(prefix)) + 4)
            self.write(wrap(args, room, indent, indent))
        self.write("\n")

    def write_heading(self, heading: str) -> None:
        titled = _("{heading}:").format(heading=heading)
        self.write(f"{'':>{self.current_indent}}{titled}\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(paragraphs(text, self.width, indent))
        self.write("\n")

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        # on a narrow terminal the options take less, so their help keeps some room
        col_max = min(col_max, max(self.width - self.current_indent - _HELP_ROOM, 8))
        first_col = min(max((width(first) for first, _second in rows), default=0), col_max)
        first_col += col_spacing
        indent = " " * self.current_indent
        for first, second in rows:
            second = _bracketed(second)
            room = self.width - self.current_indent
            if width(first) > room:  # `--by day|week|...`: cut after a | of the choices
                cut = wrap(first.replace("|", "| "), room, "", "    ").replace("| ", "|")
                *above, first = cut.split("\n")
                self.write("".join(f"{indent}{line}\n" for line in above))
            self.write(f"{indent}{first}")
            if not second:
                self.write("\n")
                continue
            if width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            room = max(self.width - first_col - self.current_indent, 10)
            lines = paragraphs(second, room, "").splitlines() or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n" if line else "\n")


# What typer adds after an option's help: `  [default: 20; 1<=x<=1000]`.
_EXTRA = re.compile(r"(?<=  \[)[^\[\]]*(?=\]\Z)")


def _bracketed(help: str) -> str:
    """An option's help with the pieces typer adds after it (`[默认：20; 1–1000]`) joined by
    the run's own separator (`；`), as typer joins them with an English `; `."""
    if current() == "en":
        return help
    return _EXTRA.sub(lambda found: found.group().replace("; ", _("; ")), help)


def paragraphs(text: str, columns: int, indent: str) -> str:
    """`text` wrapped to `columns` paragraph by paragraph (a blank line between them, as
    click reads help); a paragraph whose first line is `\\b` keeps its lines (examples, one
    a line), each too long one continued (`continued`)."""
    out = []
    for block in re.split(r"\n\s*\n", text.expandtabs().strip("\n")):
        lines = block.split("\n")
        if lines[0].strip() == "\b":
            kept = [line for line in lines[1:] if line.strip()]
            margin = min((len(line) - len(line.lstrip()) for line in kept), default=0)
            out.append("\n".join(continued(line[margin:], columns, indent) for line in kept))
            continue
        lead = len(lines[0]) - len(lines[0].lstrip())
        deeper = indent + " " * lead
        text = ""
        for line in lines:
            text = joined(text, line.strip())
        out.append(wrap(whole(text), columns, deeper, deeper, words=True))
    return "\n\n".join(out)


def reflow(text: str, columns: int) -> str:
    """Text written as `crm help TOPIC` is (crmcli/cli/topics.py: paragraphs, items
    starting with "- ", examples indented two) laid out again `columns` wide: paragraphs
    and items wrapped (an item's next lines indented two), examples continued as a shell
    reads them."""
    out = []
    for block in text.split("\n\n"):
        lines = block.split("\n")
        if all(line.startswith("  ") for line in lines):
            out.append("\n".join(continued(line.strip(), columns, "  ") for line in lines))
            continue
        groups: list[str] = []
        for line in lines:
            if line.startswith("- ") or not groups:
                groups.append(line)
            else:
                groups[-1] = joined(groups[-1], line.strip())
        out.append(
            "\n".join(
                wrap(typed(group[2:], columns - 2), columns, "- ", "  ", phrases=True)
                if group.startswith("- ")
                else wrap(typed(group, columns), columns, phrases=True)
                for group in groups
            )
        )
    return "\n\n".join(out)


# A value a message quotes back (`'bogus'`, `“next blue moon”`), a command it names in
# backquotes or brackets (`（mkdir -m 700）`, `(crm config set ...)`): kept on one line.
QUOTED = re.compile(
    r"'[^'\n]*'|“[^”\n]*”|\"[^\"\n]*\"|`[^`\n]*`"
    r"|[（(](?=crm |[!-~]* -)[^（）()\n]*[）)]"
)

# A form one types, listed in Chinese prose between its marks (`、in 3 days、`, `也可写 fri
# 3pm、`, `（tomorrow at noon）`): ASCII words that stay on one line.
_TYPED = re.compile(
    r"(?:(?<=[、，：；（“])|(?<=[\u3400-\u9fff] ))"
    r"[\w+:./-]+(?: [\w+:./-]+)+(?=[、，；：）”。]|$)",
    re.ASCII,
)


# A form one types, listed in English prose between commas or brackets (`, in 3 days,`,
# `(15 days)`, `, crm task snooze,`): two or three words that stay on one line.
_LISTED = re.compile(
    r"(?:(?<=, )|(?<=\())"
    r"[\w+:./-]+(?: [\w+:./-]+){1,2}(?=[,;)]|$)",
    re.ASCII,
)


def typed(text: str, room: int) -> str:
    """`text` with the spaces of what a reader types made unbreakable where it fits a line
    (`room` cells): a quoted command (`“crm task snooze”`, as an error keeps it: cli/output.py
    `error_lines`) and a form listed between Chinese marks (`in 3 days`, `next fri`), so that
    help never splits a typed example (`in` / `3 days`); with `wrap`'s `phrases`, no Chinese
    one either (`2小` / `时前`)."""

    def kept(match: re.Match[str]) -> str:
        said = match.group()
        return said.replace(" ", "\xa0") if width(said) <= room else said

    return _LISTED.sub(kept, _TYPED.sub(kept, QUOTED.sub(kept, text)))


# A word of a command line: quoted text stays whole.
_SHELL_WORD = re.compile(r"""(?:[^\s"']+|"[^"]*"|'[^']*')+""")


def continued(line: str, columns: int, indent: str) -> str:
    """An example (a command line) that is wider than `columns`, continued on the next lines
    as a shell reads it: broken at spaces outside quotes, each broken line ending with ` \\`
    (so it still runs when copied), the next indented four more."""
    lines, current = [], indent
    for word in _SHELL_WORD.findall(line):
        if current.strip() and width(current) + 1 + width(word) + 2 > columns:
            lines.append(current + " \\")
            current = indent + "    "
        current += (" " if current.strip() else "") + word
    lines.append(current)
    return "\n".join(part for shown in lines for part in _quoted_cut(shown, columns))


def _quoted_cut(line: str, columns: int) -> list[str]:
    """A line still too wide (one long "quoted" word) cut at spaces inside its double
    quotes, or a long unquoted path after a `/`: each part but the last ends with `\\`,
    which the shell takes out with the line break, and the next part starts at the
    margin, so the word is the same."""
    parts, inside = [], False  # inside: the line starts inside the quotes (a part after a cut)
    while width(line) > columns and ('"' in line or inside):
        cuts, quoted = [], inside
        for i, c in enumerate(line):
            quoted = quoted != (c == '"')
            if c == " " and quoted and width(line[: i + 1]) < columns:
                cuts.append(i)
        if not cuts:
            break
        parts.append(line[: cuts[-1] + 1] + "\\")
        inside = line[: cuts[-1] + 1].count('"') % 2 != inside
        line = line[cuts[-1] + 1 :]
    columns += _MARGIN
    while width(line) > columns and not inside and "'" not in line and '"' not in line:
        # a word wider than the line and its margin (a path): cut after its last `/` that
        # fits, else after the last character that fits, never before closing punctuation
        cuts = [
            i
            for i in range(len(line) - 1)
            if width(line[: i + 1]) < columns and line[i + 1] not in _CLOSING | {" "}
        ]
        if not cuts:
            break
        cut = max((i for i in cuts if line[i] == "/"), default=cuts[-1])
        parts.append(line[: cut + 1] + "\\")
        line = line[cut + 1 :]
    return [*parts, line]


def joined(before: str, after: str) -> str:
    """Two lines of a paragraph as one: with a space between them, as English needs, but
    none between two Chinese characters or after Chinese punctuation."""
    if not before or not after:
        return before or after
    last = before[-1]
    if _wide(last) and (_wide(after[0]) or not last.isalnum()):
        return before + after
    return f"{before} {after}"


# No line starts with these (closing punctuation, full-width and ASCII), nor ends with
# the opening ones.
_CLOSING = set("，。、；：？！）」』】》〉”’…·,.;:?!)]}%")
_OPENING = set("（「『【《〈“‘([{")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _latin(char: str) -> bool:
    """Whether `char` is a Latin letter or a digit, full-width (`Ｃ`, `ａ`, `１`) or not:
    a word of them is one word, as `Carol` is, not Chinese characters to break between."""
    return (
        unicodedata.normalize("NFKC", char).isascii()
        and unicodedata.normalize("NFKC", char).isalnum()
    )


def _pieces(word: str, breaks: str = "", words: bool = False) -> Iterator[str]:
    """A word (no spaces) cut where a line may break inside it: beside a Chinese character,
    unless that puts closing punctuation first on a line or opening punctuation last, or is
    inside a quoted value (`--city '上海'`), or with `words` inside a Chinese word crm says
    (`_lexicon`: `联系` / `周期`), and after any of `breaks` (`,` in `call,email`)."""
    start, quoted = 0, word[0] == "'"
    within = _within_words(word) if words else set()
    for i in range(1, len(word)):
        before, after = word[i - 1], word[i]
        inside, quoted = quoted, quoted ^ (after == "'")
        if after in _CLOSING or inside:  # never inside '城市 = 上海', nor before its '
            continue
        if i in within:  # inside a word crm says (`联系周期`, `通常`): where a line has room
            continue
        if before == "\u200d" or (not after.isascii() and joins().match(after)):
            continue  # inside one emoji (`👨‍👩‍👧`) or a letter with its accent
        if "\xa0" in (before, after):  # a space kept (`whole`, `_NUMBER_SPACE`): no break
            continue
        if _NUMBER_JOINT.fullmatch(before + after):  # `已沉默42天`, `农历1990-08-15`
            continue
        if (
            word[i + 1 : i + 2] == "\xa0"
            and _IDEOGRAPHS.fullmatch(before + after)
            and word[i - 2 : i - 1] != "\xa0"  # not `42 不在 42`: no chain of them
        ):
            continue  # `反馈 #449`, `沉默 60 天`: two characters, a word, stay with the number
        # after a comma, not inside 1,000; after `=`, before its value (`hibernating=12/12`)
        listed = before in breaks and (before == "=" or not after.isdigit())
        if _latin(before) and _latin(after):  # `Ｃａｒｏｌ`: a word of full-width letters
            continue
        if listed or ((_wide(before) or _wide(after)) and before not in _OPENING):
            yield word[start:i]
            start = i
    yield word[start:]


_HAN = re.compile(r"[\u3400-\u9fff]+")


# Words a salesperson writes in a task, a note or a reason that crm's own catalog may not
# say (`回访`, `合同`): a line does not break inside them either (`再回` / `访`, `（周` /
# `期按 90 天计）`, `确认第二季度合` / `同续签` read as broken words). A short list, not a
# dictionary: crm starts in a blink.
SALES_WORDS = frozenset(
    (
        "回访", "拜访", "周期", "合同", "续签", "签约", "季度", "客户", "跟进", "报价",
        "订单", "生日", "会员", "发货", "付款", "回款", "样品", "发票", "优惠", "折扣",
        "售后", "投诉", "满意度", "沟通", "确认", "预约", "演示", "方案", "采购", "续费",
        "到期", "联系", "电话", "微信", "邮件", "礼品", "礼盒", "节日", "问候", "提醒",
        "复购", "成交", "意向", "需求", "价格", "试用", "退款", "活动", "事宜", "情况",
        "顺便", "安排", "产品", "问题", "反馈", "资料", "合作", "续约", "定金", "尾款",
        "任何", "工作日", "改成", "退出",
    )
)  # fmt: skip


@lru_cache(maxsize=1)
def _lexicon() -> frozenset[str]:
    """The Chinese words crm's own catalog says (a header or word said alone, `联系周期`,
    `流失风险`, and each run of two to four characters in its sentences, `通常`, `天未联系`):
    what a line does not break inside where it has room (no dictionary ships with crm:
    these are the words it writes). A set, not a pattern: a regular expression of a
    thousand words takes 0.3 s to compile."""
    from crmcli.core.i18n import catalog

    said = getattr(catalog("zh"), "_catalog", {})
    return SALES_WORDS | frozenset(
        run
        for text in said.values()
        if isinstance(text, str)
        for run in _HAN.findall(text)
        if 2 <= len(run) <= (6 if run == text else 4)
    )


@lru_cache(maxsize=1)
def _terms() -> frozenset[str]:
    """crm's Chinese terms of four characters or more, each said alone in its catalog (a
    header, a word: `联系周期`, `生命周期`)."""
    from crmcli.core.i18n import catalog

    said = getattr(catalog("zh"), "_catalog", {})
    return frozenset(
        t for t in said.values() if isinstance(t, str) and re.fullmatch(r"[\u3400-\u9fff]{4,6}", t)
    )


def _within_words(word: str) -> set[int]:
    """The places inside `word` that fall inside a word of `_lexicon`, the longest first
    from the left (each break before index i that would part one); not in a word just
    before a number, whose last two characters stay with it (`已沉默 60 天`: the three
    together would be wider), but in a shorter one there (`周期按 90 天`: `周期`)."""
    within: set[int] = set()
    if not _HAN.search(word):
        return within
    lexicon = _lexicon()
    for run in _HAN.finditer(word):
        at, end = run.start(), run.end()
        while at < end - 1:
            # the longest word here not just before a number (`周期按 90`: `周期`)
            size = next(
                (
                    n
                    for n in range(min(6, end - at), 1, -1)
                    if word[at : at + n] in lexicon and word[at + n : at + n + 1] != "\xa0"
                ),
                0,
            )
            within.update(range(at + 1, at + size))
            at += size or 1
    return within


# A space between a Chinese character and a number (`已沉默 42 天`, `农历 1990-08-15`,
# `相差 23.2%`) or a record's number (`反馈 #449`): Chinese sets one there for air, not as a
# place to break; no line breaks at it, so no number is parted from its unit (`已沉默 42` /
# `天`) nor a record's number from its word, whatever a message's translation says. After
# a record's number a line may break (`反馈 #449` / `已 357 天未处理`): it is no quantity.
# Nor is a phone's group parted from the next (`137 0000 0004`).
_NUMBER_SPACE = re.compile(
    r"(?<=[\u3400-\u9fff]) (?=[-+#]?\d)|(?<=[\d%]) (?=[\u3400-\u9fff])|(?<=\d) (?=\d)"
)
_RECORD_SPACE = re.compile(r"(?<=#\d)(\d*)\xa0")
# Two Chinese characters before such a space, a word (`反馈`, `沉默`), go with the number.
_IDEOGRAPHS = re.compile(r"[\u3400-\u9fff]{2}")
# The same without the space: no break inside `已沉默42天` either.
_NUMBER_JOINT = re.compile(r"[\u3400-\u9fff]\d|[\d%][\u3400-\u9fff]")


def _words(text: str, terms: bool = False) -> list[tuple[str, str]]:
    """`text`'s words for `wrap`, each with the space before it: no space kept between a
    Chinese character and a number (`_NUMBER_SPACE`), closing punctuation on the word
    before it."""
    words: list[tuple[str, str]] = []  # (the space before it, the word)
    kept = _RECORD_SPACE.sub(r"\1 ", _NUMBER_SPACE.sub("\xa0", text.strip()))
    if terms and "\xa0" in kept and _HAN.search(kept):
        # a term of four characters or more before a number may end a line (`（联系周期` /
        # `14 天，`): the two characters before the number are its own, not a word of two
        named = _terms()
        ends = {
            n
            for n, ch in enumerate(kept)
            if ch == "\xa0" and any(kept[max(n - k, 0) : n] in named for k in (4, 5, 6))
        }
        kept = "".join(
            " " if ch == "\xa0" and n in ends and kept[n + 1 : n + 2].isdigit() else ch
            for n, ch in enumerate(kept)
        )
    parts = re.split(r"([ \t\r\n]+)", kept)
    for space, word in zip(["", *parts[1::2]], parts[::2], strict=True):
        space = space if space == "  " else " "  # `help  [required]` keeps its two
        if words and word[:1] in _CLOSING:  # `(a, b, ...)`: no line starts with `...)`
            words[-1] = (words[-1][0], words[-1][1] + "\xa0" + word)
        elif word:
            words.append((space, word))
    return words


def widest_piece(text: str, breaks: str = "") -> int:
    """The width of the widest part of `text` that `wrap` never breaks inside where a line
    has room for it: an English word, a number with its unit (`（满 40 岁）；`), an amount
    (not a Chinese word of `_lexicon`, which breaks where it must)."""
    return max(
        (width(piece) for _space, word in _words(text) for piece in _pieces(word, breaks)),
        default=0,
    )


def wrap(
    text: str,
    columns: int,
    first: str = "",
    rest: str = "",
    breaks: str = "",
    *,
    phrases: bool = False,
    words: bool = False,
) -> str:
    """`text` as lines no wider than `columns` terminal columns, the first starting with
    `first` and the others with `rest`; breaks at spaces and beside Chinese characters
    (`_pieces`; after `breaks` too), never at a space between a Chinese character and a
    number (`_NUMBER_SPACE`), and a piece wider than a whole line is cut where it must.
    With `phrases` (a table's narrow cell, an error) a phrase that fits a line is not
    parted (`_phrases`): the line breaks before it instead, as between English words;
    without, each line is filled (a paragraph of prose, help). With `words` (help) a line
    filled so breaks between two Chinese characters but not inside a Chinese word crm
    says (`_lexicon`: `退出` / `码` no more), as `phrases` does too."""
    lines: list[str] = []
    line, used, empty = first, width(first), True
    for phrase in _phrases(_words(text, phrases), breaks, words or phrases):
        # A phrase that does not fit the rest of the line but fits a line of its own starts
        # one, rather than leave its first characters behind (`已` / `逾期 5 天`).
        size = sum(len(gap) + width(piece) for gap, piece in phrase) - len(phrase[0][0])
        if (
            phrases
            and not empty
            and used + len(phrase[0][0]) + size > columns >= width(rest) + size
        ):
            lines.append(line)
            line, used, empty = rest, width(rest), True
        for space, piece in phrase:
            gap = space if not empty else ""
            size, opened = width(piece), False  # inside a quoted value broken at a space
            if not empty and used + len(gap) + size > columns:
                lines.append(line)
                line, used, empty, gap = rest, width(rest), True, ""
            while empty and used + size > columns and len(piece) > 1:  # longer than a line
                cut = _fit(piece, columns - used)
                space, opened = _last_space(piece, cut, opened)
                lines.append(line + piece[: space or cut])
                piece = piece[space + 1 :] if space else piece[cut:]
                line, used, size = rest, width(rest), width(piece)
            line += gap + piece
            used += len(gap) + size
            empty = False
    lines.append(line)
    return "\n".join(lines).replace("\xa0", " ")


Parts = list[list[tuple[str, str, int]]]


def parts(text: str, breaks: str = "") -> Parts:
    """`text` as `wrap` with `phrases` parts it (its phrases, each a list of pieces with
    the space before each and its width), once for `lines` to count at any width."""
    return [
        [(space, piece, width(piece)) for space, piece in phrase]
        for phrase in _phrases(_words(text, True), breaks, True)
    ]


def lines(text: Parts, columns: int) -> int | None:
    """How many lines `wrap` with `phrases` gives the text of `text` (`parts`) in
    `columns`, as it places them but without building them (a table measures its prose
    at many widths); None where a piece is wider than a line (`wrap` cuts it)."""
    count, used, empty = 1, 0, True
    for phrase in text:
        size = sum(len(gap) + wide for gap, _piece, wide in phrase) - len(phrase[0][0])
        if not empty and used + len(phrase[0][0]) + size > columns >= size:
            count, used, empty = count + 1, 0, True
        for space, piece, wide in phrase:
            gap = space if not empty else ""
            if not empty and used + len(gap) + wide > columns:
                count, used, empty, gap = count + 1, 0, True, ""
            if empty and used + wide > columns and len(piece) > 1:
                return None
            used += len(gap) + wide
            empty = False
    return count


# Where Chinese text is parted first: after its punctuation (`，`, `；`, `：`, `）`) and before
# an opening mark (`（`), as at a space between English words; between two characters only
# inside a phrase wider than a line.
_PHRASE_AFTER = set("，。、；：？！）」』】》〉”’,;:?!)]}")
# A bracket that names the word before it stays with that word (`姓名（name）`, `联系周期
# （天）`, `张伟（#12）`): a term in ASCII, or one or two characters.
_TERM = re.compile(r"（(?:[!-~]+|[^）]{1,2})）")


def _phrases(
    words: list[tuple[str, str]], breaks: str, whole_words: bool = False
) -> Iterator[list[tuple[str, str]]]:
    """The pieces of `words` (`_pieces`: each with the space before it, "" inside a word;
    `whole_words`: not inside a word of `_lexicon`) grouped into phrases: a phrase
    starts at a space, after punctuation or at an opening mark (not one around a term,
    `_TERM`), so that a line breaks between two Chinese characters only where a whole
    phrase does not fit on one (`已逾期 5 天：`, not `已` / `逾期 5 天：`)."""
    phrase: list[tuple[str, str]] = []
    for space, word in words:
        for index, piece in enumerate(_pieces(word, breaks, whole_words)):
            last = phrase[-1][1][-1] if phrase else ""
            term = bool(_TERM.match(piece))
            parted = last in _PHRASE_AFTER or last in breaks or piece[0] in _OPENING
            if phrase and (index == 0 or (parted and not term)):
                yield phrase
                phrase = []
            phrase.append((space if index == 0 else "", piece))
    if phrase:
        yield phrase


# What a line never breaks inside: a command (`crm config set default_region XX`, `crm --db
# /tmp/demo.db list`), a crontab line that runs one (`0 8 * * 1-5 crm remind`) and an
# option with its value (`--sort name`, `--city '上海'`), as the reader types them; one
# longer than a line breaks between its words, before an option where it can
# (crmcli/cli/helpformat.py).
_WHOLE = re.compile(
    r"(?<![\w-])(?:(?:[\d*][\d*/,-]* ){5})?(?:crm|--[a-z][\w-]*)"
    r"(?: (?:--?[a-z][\w-]*(?:=\S+)?|[a-z][\w.:/@+-]*|[A-Z][A-Z_]*\b|\d[\w.:+-]*|'[^']*'|\"[^\"]*\""
    r"|(?:~|\.{1,2})?/[^\s']+))+"
)


def whole(text: str) -> str:
    """`text` with the spaces inside its commands and options made unbreakable (the
    wrapper turns them back into spaces)."""
    return _WHOLE.sub(lambda m: m.group().replace(" ", "\xa0"), text)


def _last_space(piece: str, cut: int, quoted: bool) -> tuple[int, bool]:
    """Where a command kept whole (its spaces no-break, `whole`) but longer
    than a line breaks rather than at `cut`: at its last space before `cut` that is not
    inside a quoted value, before an option if it can (`crm --db PATH list` / `--where
    '城市 = 上海'`), inside a quoted value wider than a line at one of its spaces; 0 when
    there is none. `quoted`: the piece begins inside a quoted value; returned for the rest."""
    spaces, inside = [], []
    for i, char in enumerate(piece[: cut + 1]):
        quoted ^= char == "'"
        if char == "\xa0" and i:
            (inside if quoted else spaces).append(i)
    options = [i for i in spaces if piece[i + 1 : i + 2] == "-"]
    if options or spaces:
        return (options or spaces)[-1], False
    return (inside[-1], True) if inside else (0, False)


def _fit(piece: str, room: int) -> int:
    """How many characters of `piece` fit in `room` columns (at least one), fewer if the
    rest would start with closing punctuation (`（$CRM_PAGER）。`)."""
    used = 0
    for index, char in enumerate(piece):
        used += width(char)
        if used > room:
            cut = index
            while cut > 1 and (piece[cut] in _CLOSING or piece[cut] == "\xa0"):
                cut -= 1
            return max(cut, 1)
    return len(piece)
