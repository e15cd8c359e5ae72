"""profiles.orcid: parsing the forms ORCID iDs arrive in, and the ISO 7064 check digit."""

from __future__ import annotations

import pytest

from profiles.orcid import (
    normalize_orcid,
    orcid_check_character,
    orcid_checksum_is_valid,
    orcid_url,
)


@pytest.mark.parametrize(
    "value",
    [
        "0000-0002-1825-0097",
        "https://orcid.org/0000-0002-1825-0097",
        "http://orcid.org/0000-0002-1825-0097",
        "orcid.org/0000-0002-1825-0097",
        "https://www.orcid.org/0000-0002-1825-0097/",
        "HTTPS://ORCID.ORG/0000-0002-1825-0097",
        "0000000218250097",
        "  0000-0002-1825-0097\n",
    ],
)
def test_it_normalizes_every_accepted_form(value: str) -> None:
    assert normalize_orcid(value) == "0000-0002-1825-0097"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0000-0002-1694-233x", "0000-0002-1694-233X"),
        ("000000021694233x", "0000-0002-1694-233X"),
        ("https://orcid.org/0000-0002-8002-826x", "0000-0002-8002-826X"),
    ],
)
def test_it_upper_cases_the_x_check_character(value: str, expected: str) -> None:
    assert normalize_orcid(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "0000-0002-1825-009",  # too short
        "0000-0002-1825-00977",  # too long
        "0000-0002-1825-X097",  # X only as the last character
        "0000 0002 1825 0097",  # spaces are not a separator we accept
        "0000-00021825-0097",  # mixed hyphenation
        "https://example.org/0000-0002-1825-0097",
        "https://orcid.org/",
        "A5023888391",
    ],
)
def test_it_returns_empty_for_anything_not_orcid_shaped(value: str | None) -> None:
    assert normalize_orcid(value) == ""


@pytest.mark.parametrize(
    "orcid",
    [
        "0000-0002-1825-0097",  # Josiah Carberry, ORCID's test person
        "0000-0001-5109-3700",  # the example in ORCID's documentation
        "0000-0002-1694-233X",  # trailing X
        "0000-0002-8002-826X",  # trailing X, seen in an OpenAlex 2026 work
        "0000-0002-4269-515x",  # trailing lower-case x
        "https://orcid.org/0000-0001-6187-6610",  # Jason Priem, as OpenAlex writes it
    ],
)
def test_valid_check_digits_pass(orcid: str) -> None:
    assert orcid_checksum_is_valid(orcid)


@pytest.mark.parametrize(
    "orcid",
    [
        "0000-0002-1825-0098",  # last digit off by one
        "0000-0002-1825-009X",  # X where 7 belongs
        "0000-0002-1694-2330",  # 0 where X belongs
        "0000-0002-1852-0097",  # two digits swapped
        "",
        "not an orcid",
    ],
)
def test_invalid_check_digits_fail(orcid: str) -> None:
    assert not orcid_checksum_is_valid(orcid)


def test_check_character_is_x_when_the_remainder_is_ten() -> None:
    assert orcid_check_character("000000021694233") == "X"
    assert orcid_check_character("000000021825009") == "7"


@pytest.mark.parametrize("bad", ["", "00000002182500", "0000000218250097", "00000002182500a"])
def test_check_character_rejects_anything_but_fifteen_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="15 digits"):
        orcid_check_character(bad)


def test_orcid_url_links_the_canonical_form() -> None:
    assert orcid_url("0000000218250097") == "https://orcid.org/0000-0002-1825-0097"
    assert orcid_url("http://orcid.org/0000-0002-1694-233x") == (
        "https://orcid.org/0000-0002-1694-233X"
    )


def test_orcid_url_is_empty_for_non_orcids() -> None:
    assert orcid_url("") == ""
    assert orcid_url(None) == ""
    assert orcid_url("12345") == ""
