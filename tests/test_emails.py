"""Emails read without email-validator (crmcli.core.validate.plain_email): for the plain
addresses it reads, exactly what email-validator would store; anything else is left to it."""

import re

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES
from hypothesis import example, given, settings
from hypothesis import strategies as st

from crmcli.core import validate
from tests.conftest import examples

_LOCAL = st.text(
    st.sampled_from("abcXYZ019._+-" * 6 + "..!#'/=?{|}~\"@ éｚ"), min_size=0, max_size=12
)
_LABEL = st.one_of(
    st.text(st.sampled_from("abcXY09-" * 4 + "_.é"), min_size=0, max_size=8),
    st.sampled_from(["xn--fiqs8s", "xn--abc", "ab--cd", "a" * 63, "b" * 64, "例子"]),
)
_TLD = st.sampled_from(
    ["com", "com", "COM", "cn", "Org", "c", "c0m", "123", "test", "local", "localhost",
     "invalid", "onion", "arpa", "home.arpa", "xn--fiqs8s", "中国", ""]
)  # fmt: skip


def _stored(raw: str) -> str | None:
    """What `validate.email` stores of `raw` by email-validator, None when it refuses it."""
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@settings(max_examples=examples(200), deadline=None)
@given(
    local=_LOCAL,
    labels=st.lists(_LABEL, min_size=0, max_size=3),
    tld=_TLD,
    pad=st.sampled_from(["", " ", "\t", "\n"]),
    long=st.sampled_from([0, 0, 0, 60, 250]),
)
@example(local="Info", labels=["x"], tld="com", pad="", long=0)
@example(local="Li.Na+crm", labels=["Example"], tld="COM", pad=" ", long=0)
@example(local="a", labels=["xn--fiqs8s"], tld="com", pad="", long=0)
@example(local="a", labels=["b" * 63, "c" * 63, "d" * 63, "e" * 58], tld="com", pad="", long=0)
@example(local="a", labels=["b" * 45], tld="com", pad="", long=205)
@example(local="a", labels=["b" * 45], tld="com", pad="", long=204)
@example(local="a", labels=["b" * 64], tld="com", pad="", long=0)
@example(local="a", labels=["b"], tld="test", pad="", long=0)
def test_a_plain_address_is_read_as_email_validator_reads_it(local, labels, tld, pad, long):
    """Addresses and near misses (dots at the ends or doubled, quotes, marks, non-ASCII
    letters, IDN and Punycode domains, long labels and addresses, one-letter and numeric
    TLDs, special-use domains): where the quick reading gives an address, email-validator
    gives the same; every address of letters, digits and `._+-` it takes under a TLD of
    letters, without `--` or a role name such as `info`, is read quickly."""
    local += "x" * long
    raw = pad + local + "@" + ".".join([*labels, tld]) + pad
    quick = validate.plain_email(raw)
    stored = _stored(raw.strip())
    if quick is not None:
        assert quick == stored
        assert validate.email(raw) == (quick, quick.casefold())
    plain = re.fullmatch(r"([A-Za-z0-9_+.\-]+)@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", raw.strip())
    role = plain is not None and plain[1].lower() in CASE_INSENSITIVE_MAILBOX_NAMES
    if stored is not None and plain and not role and "--" not in raw:
        assert quick == stored


def test_the_names_email_validator_refuses_or_changes_are_those_of_its_version_installed():
    """validate.py keeps copies (importing email-validator costs a command 25 ms): they
    must be its own, and the special-use names of one label each, as `plain_email` reads
    them (by the last label)."""
    assert set(SPECIAL_USE_DOMAIN_NAMES) == validate.EMAIL_SPECIAL_USE
    assert all("." not in name for name in SPECIAL_USE_DOMAIN_NAMES)
    assert set(CASE_INSENSITIVE_MAILBOX_NAMES) == validate.EMAIL_ROLES
