"""profiles.identifiers: the one reading of OpenAlex ids, and the one legacy-author-id rule
that the import parser and verification share."""

from __future__ import annotations

import pytest

from profiles.identifiers import is_author_id, is_current_author_id
from works.openalex_parser import is_legacy_author_id


@pytest.mark.parametrize(
    ("openalex_id", "current"),
    [
        ("A5023888391", True),
        ("A5000000000", True),
        ("A51234567890", True),  # a longer, later series still counts as current
        ("A6000000000", True),  # the two rules once disagreed here
        ("A50238883910", True),
        ("A4999999999", False),
        ("A4347464006", False),  # OpenAlex-minted before July 2023
        ("A1969205032", False),  # MAG-era id, replaced by A5048491430
        ("A123", False),
        ("", False),
        ("a5023888391", False),
        ("https://openalex.org/A5023888391", False),  # short keys only
        ("W5023888391", False),
    ],
)
def test_is_current_author_id(openalex_id: str, current: bool) -> None:
    assert is_current_author_id(openalex_id) is current


@pytest.mark.parametrize(
    "openalex_id", ["A5023888391", "A6000000000", "A50238883910", "A4347464006", "A1969205032", "A123"]
)
def test_the_parser_calls_legacy_exactly_the_ids_that_are_not_current(openalex_id: str) -> None:
    assert is_legacy_author_id(openalex_id) is not is_current_author_id(openalex_id)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("A5023888391", True), ("A4347464006", True), ("A", False), ("W5023888391", False), ("", False)],
)
def test_is_author_id_takes_both_series_in_short_form(text: str, expected: bool) -> None:
    assert is_author_id(text) is expected
