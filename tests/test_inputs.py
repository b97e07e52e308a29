"""Property tests: no input, however malformed, gives a traceback or a half-done write."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import crm, dump

FIELD_FLAGS = [
    "--kind", "--company", "--title", "--gender", "--birthday", "--address", "--city",
    "--region", "--country", "--industry", "--company-size", "--source", "--national-id",
    "--notes", "--preferred-channel", "--preferred-time", "--external-id", "--referred-by",
    "--phone", "--email", "--field", "--related",
]  # fmt: skip
PROFILE = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# argv cannot carry NUL bytes; everything else is fair game.
argv_text = st.text(st.characters(blacklist_characters="\x00"), max_size=40)


@PROFILE
@given(flag=st.sampled_from(FIELD_FLAGS), value=argv_text)
def test_any_field_value_is_stored_or_rejected_cleanly(db_path, flag, value):
    if not db_path.exists():
        crm("add", "Seed", "--external-id", "seed")
    before = dump(db_path)
    result = crm("add", "Someone", flag, value, input="")
    assert result.exit_code in (0, 2, 3), result
    assert "Traceback" not in result.stdout + result.stderr
    if result.exit_code:
        assert result.stderr.startswith("crm: ") and result.stderr.count("\n") >= 1
        assert dump(db_path) == before
    else:
        crm("delete", "Someone")  # keep names unique enough for the next example


@PROFILE
@given(ref=argv_text)
def test_any_reference_resolves_or_fails_cleanly(db_path, ref):
    if not db_path.exists():
        crm("add", "Zhang Wei", "--email", "zw@example.com", "--phone", "+8613800138000")
        crm("add", "Zhang Li")
    result = crm("show", ref)
    assert result.exit_code in (0, 2, 3)
    assert "Traceback" not in result.stdout + result.stderr


@PROFILE
@given(expression=argv_text, sort=argv_text)
def test_any_where_and_sort_are_answered_or_rejected(db_path, expression, sort):
    if not db_path.exists():
        crm("add", "Anna", "--field", "tier=gold")
    before = dump(db_path)
    result = crm("list", "--where", expression, "--sort", sort, "-q")
    assert result.exit_code in (0, 2)
    assert "Traceback" not in result.stdout + result.stderr
    assert dump(db_path) == before


plain_text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=60
).filter(lambda s: s.strip())


@PROFILE
@given(company=plain_text, notes=plain_text)
def test_text_fields_round_trip_exactly(db_path, company, notes):
    result = crm("add", "Round Trip", "--company", company, "--notes", notes, "-q")
    assert result.exit_code == 0, result
    card = json.loads(crm("show", result.stdout.strip(), "-f", "json").stdout)[0]
    assert card["company"] == company.strip()
    assert card["notes"] == notes.strip()
    crm("delete", result.stdout.strip())
