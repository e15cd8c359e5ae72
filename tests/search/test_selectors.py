"""The one search (search.selectors) on the real database: relevance cases, researcher
filters and their combinations, paging per kind, capped counts and the queries each takes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from claims.models import Claim
from profiles.models import Researcher, Topic
from search import selectors
from search.params import ResearcherFilters
from search.query import Identifier, text_words, words_of
from tests import cast
from tests import factories as f
from works.models import Work

pytestmark = pytest.mark.django_db

NONE = ResearcherFilters()


def names(group: selectors.Group[Researcher]) -> list[str]:
    return [r.display_name for r in group.items]


def find(text: str, filters: ResearcherFilters = NONE, **kw: object) -> selectors.Group[Researcher]:
    return selectors.researchers(words_of(text), filters, **kw)  # type: ignore[arg-type]


# --- Relevance -----------------------------------------------------------------------------------


def test_a_name_is_found_whatever_its_accents_case_and_word_order() -> None:
    f.researcher("Vincent Larivière", works_count=50)
    f.researcher("Zoë Ångström-Ibáñez")
    f.researcher("Someone Else")
    for text in ("lariviere", "LARIVIÈRE", "Vincent  Lariviere", "larivière vincent"):
        assert names(find(text)) == ["Vincent Larivière"], text
    assert names(find("zoe angstrom")) == names(find("ibanez")) == ["Zoë Ångström-Ibáñez"]
    assert names(find("Łukasz")) == []


def test_initials_find_the_full_name_in_any_usual_order() -> None:
    f.researcher("John Smith", works_count=9)
    f.researcher("Jane Smithers", works_count=3)
    f.researcher("Mary Smith", works_count=5)
    for text in ("j smith", "J. Smith", "smith j", "Smith, J."):
        assert names(find(text)) == ["John Smith", "Jane Smithers"], text
    assert names(find("m smith")) == ["Mary Smith"]


def test_an_exact_name_ranks_before_longer_names_with_more_works() -> None:
    f.researcher("Johnny Smithson", works_count=300)
    f.researcher("John Smith", works_count=4)
    f.researcher("Jo Smith", works_count=2, display_name_alternatives=["Jonathan Smith", "John Smith"])
    assert names(find("john smith")) == ["John Smith", "Jo Smith", "Johnny Smithson"]
    assert names(find("j smith")) == ["Johnny Smithson", "John Smith", "Jo Smith"]  # no exact name: most works


def test_an_alternative_name_finds_the_record() -> None:
    f.researcher("Wei Zhang", display_name_alternatives=["张伟", "W. Zhang"])
    assert names(find("张伟")) == ["Wei Zhang"]


def test_a_misspelt_name_finds_the_closest_spellings_and_says_so() -> None:
    f.researcher("Vincent Larivière")
    f.researcher("Vincent Other")
    group = find("vincent lariviera")
    assert names(group) == ["Vincent Larivière"] and group.approximate
    assert not find("lariviere").approximate
    assert names(find("Larivire")) == ["Vincent Larivière"]


@pytest.mark.parametrize(
    "text", ["²", "ⅷ x", "٣ abc", "张伟", "ǅ", "𝔘𝔫𝔦", "a" * 200, "x\u0301y", "ＡＢ", "'; DROP TABLE x; --"]
)
def test_any_letters_or_digits_make_a_valid_query_of_every_kind(text: str) -> None:
    f.researcher("Ada Example")
    found = selectors.search(text, NONE)
    assert [g.kind for g in found.groups] == ["researchers", "topics", "institutions", "works"]


def test_deleted_records_are_never_found() -> None:
    f.researcher("Gone Person", record_status="deleted")
    assert find("gone person").count == 0


def test_a_topic_word_finds_topics_and_legacy_concepts_topics_first() -> None:
    f.topic("AI Safety and Alignment", field="Computer Science")
    Topic.objects.create(openalex_id="C1", kind="concept", display_name="Alignment")
    f.topic("Protein folding")
    found = selectors.topics(text_words("alignment"))
    assert [t.display_name for t in found.items] == ["AI Safety and Alignment", "Alignment"]
    assert [t.display_name for t in selectors.topics(text_words("AI Safety")).items] == ["AI Safety and Alignment"]
    assert [t.display_name for t in selectors.topics(text_words("aligning")).items] == [
        "AI Safety and Alignment",
        "Alignment",
    ]


def test_an_institution_by_part_of_its_name_without_accents() -> None:
    f.institution("Université de Montréal", country_code="CA")
    f.institution("McGill University", country_code="CA")
    assert [i.display_name for i in selectors.institutions(text_words("univ montreal")).items] == [
        "Université de Montréal"
    ]
    shortest_first = selectors.institutions(text_words("university")).items
    assert [i.display_name for i in shortest_first] == ["McGill University"]  # "université" is another word


def test_a_title_fragment_finds_the_work_most_cited_first_with_its_authors() -> None:
    ada = f.researcher("Ada Example")
    f.work([ada], title="Attention is all you need", cited_by_count=10)
    f.work([ada], title="Paying attention to attention", cited_by_count=99)
    f.work([ada], title="Something else entirely")
    found = selectors.works(text_words("attention"))
    assert [h.work.title for h in found.items] == ["Paying attention to attention", "Attention is all you need"]
    assert [a.researcher.display_name for a in found.items[0].authors.authorships] == ["Ada Example"]
    assert [h.work.title for h in selectors.works(text_words("all you nee")).items] == ["Attention is all you need"]
    assert selectors.works(text_words("the of and")).count == 0  # stop words only: nothing, and no scan


def test_identifiers_resolve_to_the_page_they_name() -> None:
    ada = f.researcher("Josiah Carberry", orcid="0000-0002-1825-0097")
    paper = f.work([ada], doi="10.1038/nature12373")
    topic, place = f.topic("Alignment"), f.institution("Example University")
    assert selectors.identifier_target(Identifier("doi", "10.1038/nature12373")) == paper.openalex_id
    assert selectors.identifier_target(Identifier("orcid", "0000-0002-1825-0097")) == ada.openalex_id
    assert selectors.identifier_target(Identifier("work", paper.openalex_id)) == paper.openalex_id
    assert selectors.identifier_target(Identifier("topic", topic.openalex_id)) == topic.openalex_id
    assert selectors.identifier_target(Identifier("institution", place.openalex_id)) == place.openalex_id
    assert selectors.identifier_target(Identifier("author", "A5999999999")) == "A5999999999"  # the page explains
    for kind in ("doi", "orcid", "work", "topic", "institution"):
        assert selectors.identifier_target(Identifier(kind, "10.9/none" if kind == "doi" else "W1")) is None  # type: ignore[arg-type]


# --- Filters -------------------------------------------------------------------------------------


@pytest.fixture
def people() -> dict[str, Researcher]:
    """Four Smiths: in Canada at Montréal on alignment, claimed and open, L4; in France,
    claimed, L3; in France on alignment, L2; in Canada, L1, not claimed but flagged open."""
    montreal = f.institution("Université de Montréal", country_code="CA", openalex_id="I1")
    paris = f.institution("Sorbonne", country_code="FR", openalex_id="I2")
    toronto = f.institution("University of Toronto", country_code="CA", openalex_id="I3")
    alignment = f.topic("Alignment")
    alignment.openalex_id = "T1"
    alignment.save()
    rows = {
        "anna": f.researcher("Anna Smith", works_count=40, open_to_collaborate=True),
        "ben": f.researcher("Ben Smith", works_count=30),
        "carl": f.researcher("Carl Smith", works_count=20),
        "dora": f.researcher("Dora Smith", works_count=10, open_to_collaborate=True),
    }
    for key, where, level in (("anna", montreal, 4), ("ben", paris, 3), ("carl", paris, 2), ("dora", toronto, 1)):
        f.affiliate(rows[key], where, [2025], current=True)
        f.snapshot(rows[key], level=level)
    f.affiliate(rows["carl"], montreal, [2010])  # a past affiliation: the institution, not the country
    f.give_topic(rows["anna"], alignment, 1)
    f.give_topic(rows["carl"], alignment, 1)
    cast.owner(rows["anna"], "anna")
    cast.owner(rows["ben"], "ben")
    Claim.objects.create(user=cast.verified_user("pending"), researcher=rows["carl"], state=Claim.State.PENDING)
    return rows


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (ResearcherFilters(), ["Anna Smith", "Ben Smith", "Carl Smith", "Dora Smith"]),
        (ResearcherFilters(topic="T1"), ["Anna Smith", "Carl Smith"]),
        (ResearcherFilters(institution="I1"), ["Anna Smith", "Carl Smith"]),
        (ResearcherFilters(country="CA"), ["Anna Smith", "Dora Smith"]),
        (ResearcherFilters(country="FR"), ["Ben Smith", "Carl Smith"]),
        (ResearcherFilters(level=3), ["Anna Smith", "Ben Smith"]),
        (ResearcherFilters(level=4), ["Anna Smith"]),
        (ResearcherFilters(claimed=True), ["Anna Smith", "Ben Smith"]),
        (ResearcherFilters(open_to_collaborate=True), ["Anna Smith"]),  # Dora's flag without a claim means nothing
        (ResearcherFilters(topic="T1", country="FR"), ["Carl Smith"]),
        (ResearcherFilters(institution="I1", claimed=True), ["Anna Smith"]),
        (ResearcherFilters(country="FR", level=2, claimed=True), ["Ben Smith"]),
        (ResearcherFilters(topic="T1", country="FR", claimed=True), []),
        (ResearcherFilters(topic="T404"), []),
    ],
)
def test_filters_and_their_combinations(
    people: dict[str, Researcher], filters: ResearcherFilters, expected: list[str]
) -> None:
    assert names(find("smith", filters)) == expected
    if filters:  # the same filters without words: the same researchers, most works first
        assert names(find("", filters)) == expected


def test_filters_narrow_the_words_too(people: dict[str, Researcher]) -> None:
    assert names(find("anna", ResearcherFilters(country="CA"))) == ["Anna Smith"]
    assert names(find("ben", ResearcherFilters(country="CA"))) == []


# --- Paging and counts -----------------------------------------------------------------------------


def test_each_kind_pages_on_its_own(django_assert_num_queries) -> None:
    for n in range(7):
        f.researcher(f"Pat Example{n}", works_count=100 - n)
    with django_assert_num_queries(2):  # a full page: the rows and the capped count
        first = find("pat", per_page=3)
    assert (first.count, first.paging.has_next, first.paging.has_previous) == (7, True, False)
    third = find("pat", page=3, per_page=3)
    assert names(third) == ["Pat Example6"] and not third.paging.has_next and third.paging.start == 7
    with django_assert_num_queries(1):  # a short first page is its own count
        assert find("example6", per_page=3).count == 1
    with django_assert_num_queries(2):  # past the end: nothing, and the count says how many there are
        beyond = find("pat", page=9, per_page=3)
    assert beyond.items == [] and beyond.count == 7


def test_counts_are_capped_beyond_a_thousand(django_assert_num_queries) -> None:
    Work.objects.bulk_create(
        Work(openalex_id=f"W8{n:07d}", title=f"A common study number {n}", cited_by_count=n)
        for n in range(selectors.COUNT_CAP + 5)
    )
    with django_assert_num_queries(4):  # rows, capped count, authors (counts and slices)
        group = selectors.works(text_words("common study"))
    assert group.capped and group.count == selectors.COUNT_CAP and group.count_text == "1,000+"
    assert group.items[0].work.title == f"A common study number {selectors.COUNT_CAP + 4}"
    last = selectors.works(text_words("common study"), page=50)
    assert len(last.items) == 20 and last.paging.has_next is False  # paging stops at the cap


def test_the_overview_shows_a_few_of_each_kind_in_a_fixed_number_of_queries(django_assert_num_queries) -> None:
    ada = f.researcher("Ada Lovelace", imported_at=datetime(2026, 1, 1, tzinfo=UTC))
    f.topic("Lovelace numbers")
    f.institution("Lovelace Institute")
    f.work([ada], title="On Lovelace and engines")
    with django_assert_num_queries(6):  # one row query per kind (no full page: no count), authors 2
        found = selectors.search("lovelace", NONE)
    assert [g.kind for g in found.groups] == ["researchers", "topics", "institutions", "works"]
    assert [g.count for g in found.groups] == [1, 1, 1, 1]
    with django_assert_num_queries(2):  # filters: researchers only; none match, so the misspelling match runs
        assert [g.kind for g in selectors.search("lovelace", ResearcherFilters(country="GB")).groups] == ["researchers"]
    with django_assert_num_queries(0):
        assert selectors.search("!!!", NONE).total_is_zero
