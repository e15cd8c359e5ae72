"""The fake's identifiers and search folding. The fake repeats the product's helpers on purpose
(it must not import the code it tests); where the two must agree, this file pins them together."""

from __future__ import annotations

import pytest

from openalex_fake import fold_text, normalize_doi, normalize_orcid, short_key
from profiles.names import fold

# Names of letters and spaces only, among them letters NFKD does not decompose (ł, ø, ß, đ, æ, œ).
LETTER_ONLY_NAMES = {
    "Łukasz Müller": "lukasz muller",
    "Søren Kierkegaard": "soren kierkegaard",
    "Vincent Larivière": "vincent lariviere",
    "Élodie Brambleford": "elodie brambleford",
    "Björn  Strauß": "bjorn strauss",
    "Đorđe Ćosić": "dorde cosic",
    "Ægir Œhlenschläger": "aegir oehlenschlager",
    "ZOË SÉRAPHINE": "zoe seraphine",
    "Ada Lovelace": "ada lovelace",
}


def test_fold_text_agrees_with_the_products_fold_for_letter_only_names() -> None:
    """A name typed the way the fake's search finds it must also be found on BZPEER's pages.

    Fails until ``profiles.names.fold`` also translates ł, ø, ß, đ, æ and œ (a change made on
    another branch).
    """
    assert {name: fold_text(name) for name in LETTER_ONLY_NAMES} == LETTER_ONLY_NAMES
    assert {name: fold(name) for name in LETTER_ONLY_NAMES} == LETTER_ONLY_NAMES


def test_fold_text_splits_on_punctuation_like_openalex_search() -> None:
    # The deliberate difference from the product's fold: OpenAlex's tokenizer splits words here.
    assert fold_text("José Müller-Lüdenscheidt") == "jose muller ludenscheidt"
    assert fold_text("O'Brien, J.") == "o brien j"


@pytest.mark.parametrize(
    "value",
    ["A5023888391", "a5023888391", "https://openalex.org/A5023888391", "openalex:A5023888391", " A5023888391 "],
)
def test_short_key_reads_every_form(value: str) -> None:
    assert short_key(value) == "A5023888391"


def test_short_key_rejects_what_is_not_a_key() -> None:
    assert [short_key(v) for v in (None, "", "5023888391", "A50x", "https://orcid.org/A1x")] == [None] * 5


def test_orcid_and_doi_normalisation() -> None:
    assert normalize_orcid("https://orcid.org/0000-0002-9079-593x") == "0000-0002-9079-593X"
    assert normalize_orcid("orcid:0000-0002-1825-0097") == "0000-0002-1825-0097"
    assert normalize_doi("https://dx.doi.org/10.5555/Kettle.1") == "10.5555/kettle.1"
    assert normalize_doi("doi:10.5555/KETTLE.1") == "10.5555/kettle.1"
