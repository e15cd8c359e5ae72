"""The search box's text and parameters, without the database: identifiers, words, the
text-search query built from them, and every parameter checked."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from search.params import MAX_PAGE, ResearcherFilters, parse_params
from search.query import SEARCH_MAX, Identifier, identifier_in, text_words, tsquery, words_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.1038/Nature12373", Identifier("doi", "10.1038/nature12373")),
        ("doi:10.1038/nature12373", Identifier("doi", "10.1038/nature12373")),
        ("DOI: 10.1038/nature12373.", Identifier("doi", "10.1038/nature12373")),
        ("https://doi.org/10.1038/nature12373", Identifier("doi", "10.1038/nature12373")),
        ("https://dx.doi.org/10.1000%2Fxyz%3C1%3E", Identifier("doi", "10.1000/xyz<1>")),
        ("0000-0002-1825-0097", Identifier("orcid", "0000-0002-1825-0097")),
        ("https://orcid.org/0000-0002-1825-0097", Identifier("orcid", "0000-0002-1825-0097")),
        ("a5023888391", Identifier("author", "A5023888391")),
        ("https://openalex.org/W2741809807", Identifier("work", "W2741809807")),
        ("T10102", Identifier("topic", "T10102")),
        ("C41008148", Identifier("topic", "C41008148")),
        ("https://openalex.org/I70931966", Identifier("institution", "I70931966")),
        ("Vincent Larivière", None),
        ("10.1038", None),
        ("S123", None),  # sources have no page
        ("https://openalex.org/T5", Identifier("topic", "T5")),  # behind the URL any id is one
        ("A549", None),  # a cell line, not an author id: too short for a bare id
        ("a100", None),
        ("T5", None),
        ("c60", None),
        ("10.1234/%00", None),  # a NUL decoded is no DOI
        ("doi:10.1234/%00x", None),
        ("10.1234/a%0Ab", None),
    ],
)
def test_identifiers_in_their_usual_forms(text: str, expected: Identifier | None) -> None:
    assert identifier_in(text) == expected


def test_words_are_folded_letters_and_digits_only() -> None:
    assert words_of("J. Smith") == ["j", "smith"]
    assert words_of("  LARIVIÈRE, Vincent ") == ["lariviere", "vincent"]
    assert words_of('"><script>alert(1)</script>') == ["script", "alert", "1", "script"]
    assert words_of("\u202eevil\u202c & | ! :* ()") == ["evil"]
    assert words_of("a b c d e f g h i j k") == list("abcdefgh")  # at most 8
    assert words_of("!!! ---") == []


def test_the_text_search_query_is_built_from_plain_words_only() -> None:
    assert tsquery(["j", "smith"], prefix="all") == "j:* & smith:*"
    assert tsquery(["ai", "safety"], prefix="last") == "ai & safety:*"


def q(text: str) -> QueryDict:
    return QueryDict(text)


def test_parameters_are_read_into_a_search() -> None:
    params = parse_params(
        q("q=smith&kind=researchers&page=3&topic=t10102&institution=I1&country=fr&level=3&claimed=yes&open=on")
    )
    assert (params.q, params.kind, params.page, params.problem) == ("smith", "researchers", 3, "")
    assert params.filters == ResearcherFilters(
        topic="T10102", institution="I1", country="FR", level=3, claimed=True, open_to_collaborate=True
    )
    assert parse_params(q("")).is_empty and not parse_params(q("q=x")).is_empty
    assert parse_params(q("q=&country=&level=")).is_empty  # an untouched form


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("q=" + "a" * (SEARCH_MAX + 1), "longer than 200"),
        ("q=a%00b", "character"),
        ("q=x&kind=people", "Unknown kind"),
        ("q=x&page=0", "No such page"),
        ("q=x&page=-1", "No such page"),
        ("q=x&page=²", "No such page"),
        ("q=x&page=99999999999999999999", "No such page"),
        (f"q=x&page={MAX_PAGE + 1}", "No such page"),
        ("q=x&topic=W1", "Unknown topic filter"),
        ("q=x&institution=<b>", "Unknown institution filter"),
        ("q=x&country=France", "Unknown country filter"),
        ("q=x&country=F1", "Unknown country filter"),
        ("q=x&level=5", "Unknown verification level"),
        ("q=x&level=L2", "Unknown verification level"),
        ("q=x&claimed=maybe", "on (yes) or off"),
        ("q=x&kind=works&country=FR", "Filters apply to researchers only"),
    ],
)
def test_bad_parameters_are_explained_not_guessed(query: str, says: str) -> None:
    params = parse_params(q(query))
    assert says in params.problem and params.filters == ResearcherFilters() and params.page == 1


def test_unknown_parameters_are_ignored_by_the_page_and_refused_when_strict() -> None:
    """Links arrive with tracking parameters; the API's callers are told."""
    assert parse_params(q("q=smith&utm_source=x&fbclid=y")) == parse_params(q("q=smith"))
    assert "Unknown search parameter" in parse_params(q("q=x&colour=red"), strict=True).problem


def test_text_words_are_not_folded_in_python() -> None:
    """Topics, institutions and titles fold in PostgreSQL (bzpeer_unaccent and the parser), so
    their words stay as typed; names fold with profiles.names.fold."""
    assert text_words("한국어 データ Йога λόγος") == ["한국어", "データ", "Йога", "λόγος"]
    assert text_words("‮evil‬ & | ! :* ()") == ["evil"]
    assert text_words("étude") == ["étude"]  # NFC: the accent stays with its letter


def test_a_short_last_word_is_no_prefix() -> None:
    assert tsquery(["deep", "b"], prefix="last") == "deep & b"
    assert tsquery(["deep", "lea"], prefix="last") == "deep & lea:*"
    assert tsquery(["j", "smith"], prefix="all") == "j:* & smith:*"  # initials of names stay prefixes
