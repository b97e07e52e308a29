"""What a person typed, quoted back in a refusal, is cut to 40 characters with `…`: `crm show`
given a reference of 5,000 characters echoed all of it. One mechanism: the message's
`{value!r}`, in English (`Quoting`) and Chinese (`Template`) alike (crmcli.core.i18n)."""

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.core.i18n import QUOTED, Quoting, typed
from tests.conftest import add, crm, examples, fails


def test_show_does_not_echo_a_long_reference_whole(db_path):
    add("张伟")
    long = "x" * 5000
    said = fails(3, "show", long, db=db_path)
    assert said == f"crm: no customer matches '{'x' * 39}…'\n"
    said = fails(3, "--lang", "zh", "show", "张" * 5000, db=db_path)
    assert said == f"crm: 没有匹配“{'张' * 39}…”的客户\n"
    assert fails(3, "show", "李娜", db=db_path) == "crm: no customer matches '李娜'\n"


def test_every_refusal_that_quotes_input_cuts_it(db_path):
    add("张伟")
    long = "城" * 300
    for args in (
        ("list", "--where", f"{long} = 3"),
        ("stage", "1", long),
        ("untag", long, "1"),
        ("tag", "vip", long),
    ):
        for language in ("en", "zh"):
            result = crm("--lang", language, *args)
            assert result.exit_code in (2, 3), (args, result)
            first = result.stderr.splitlines()[0]
            assert long not in result.stderr and "城" * 40 not in result.stderr, (args, first)
            assert "城" * 39 + "…" in first, (args, first)


def test_a_quote_short_enough_is_whole():
    assert Quoting("no tag {tag!r}").format(tag="展会") == "no tag '展会'"
    assert Quoting("x {n!r}").format(n=5) == "x 5"  # not typed text: as repr says it
    assert typed("a" * QUOTED) == "a" * QUOTED


@settings(max_examples=examples(300))
@given(st.text(min_size=0, max_size=120))
def test_a_cut_quote_is_a_prefix_within_40_characters(text):
    cut = typed(text)
    assert len(cut) <= QUOTED
    if len(text) <= QUOTED:
        assert cut == text
        return
    assert cut.endswith("…") and text.startswith(cut[:-1])
    kept = cut[:-1]
    # no accent cut from its letter, no joiner or space left before the `…`
    assert not unicodedata.combining(text[len(kept)]) or not kept
    assert not kept.endswith(("\u200d", " ")), repr(cut)


@settings(max_examples=examples(20), deadline=None)
@given(st.text(min_size=41, max_size=400).filter(lambda t: t.strip() and "\x00" not in t))
def test_show_quotes_any_reference_cut(ref):
    result = crm("show", ref)
    assert result.exit_code in (2, 3), result
    first = result.stderr.splitlines()[0]
    # 40 characters, each at most 10 as an escape shows it (`\U0001f600`)
    assert len(first) <= len("crm: no customer matches ''") + 10 * QUOTED, first
