"""crmcli/core/typos.py: how near a mistyped word is, against edits made one by one."""

from hypothesis import given, settings
from hypothesis import strategies as st

from crmcli.core.typos import distance
from tests.conftest import examples

# few characters, so that drawn words often lie within a typo of each other
WORDS = st.text(alphabet="abc城市", max_size=7)


def edits(word: str, alphabet: str) -> set[str]:
    """Every word one character off `word`: dropped, added, changed, two neighbours swapped."""
    cuts = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return (
        {a + b[1:] for a, b in cuts if b}
        | {a + c + b for a, b in cuts for c in alphabet}
        | {a + c + b[1:] for a, b in cuts if b for c in alphabet}
        | {a + b[1] + b[0] + b[2:] for a, b in cuts if len(b) > 1}
    )


@settings(max_examples=examples(400))
@given(WORDS, WORDS)
def test_a_typo_is_the_start_or_the_characters_off(typed, name):
    alphabet = "abc城市"
    one = edits(name, alphabet)
    found = distance(typed, name)
    if (len(typed) >= 3 and name.startswith(typed)) or typed == name:
        assert found == 0
    elif typed in one:  # one off, unless that one was all there was (`乱` for `周`)
        assert found == (1 if max(len(typed), len(name)) > 1 else None)
    elif min(len(typed), len(name)) <= 4:
        assert found is None
    else:  # two off at most, each a character dropped, added, changed or swapped
        two = {far for near in one for far in edits(near, alphabet)}
        assert found is None or (found == 2 and typed in two)


def test_a_typo_is_found_in_words_of_any_script():
    assert distance("ctiy", "city") == 1  # swapped
    assert distance("程市", "城市") == 1  # a character changed, as an input method picks it
    assert distance("城", "城市") == 1
    assert distance("nope", "notes") is None  # two off in a short word is another word
    assert distance("prefered_chanel", "preferred_channel") == 2
    assert distance("cre", "created_at") == 0
    assert distance("乱", "周") is None  # nothing of the name kept: another word
    assert distance("x", "y") is None
