"""The one search of BZPEER: researchers, topics (and legacy concepts), institutions and works
for the words of a query, researcher results narrowed by filters, and identifiers (DOI, ORCID
iD, OpenAlex id) resolved to the page they name. The home page (pages.views.home) and the API
call these functions; nothing here renders or reads a request.

How each kind is found (the indexes are profiles.text_search's expressions):

* researchers: every word as a prefix of a word of a name or of an alternative name
  (``to_tsvector('simple', search_name) @@ 'j:* & smith:*'``, names folded by
  profiles.names.fold: accents and case never matter, initials match, word order does not);
  when nothing matches, names within a misspelling (trigram word similarity on the same
  column). Exact names first, then most works.
* topics and legacy concepts, institutions: every word (English stemming for topics, none
  for institutions; the last word as a prefix), accents ignored; shortest names first, which
  puts the exact name above longer ones that contain it. Topics before legacy concepts.
* works: the words in the title (English stemming, the last word as a prefix); most cited
  first. A DOI goes to its work (:func:`identifier_target`).

Counts are exact up to :data:`COUNT_CAP` and shown as "1,000+" beyond: a count never reads
more than ``COUNT_CAP + 1`` matching rows. Pages go at most that deep (search.params.MAX_PAGE).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Generic, Literal, TypeVar

from django.contrib.postgres.search import SearchQuery, TrigramWordSimilarity
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Length

from claims.models import Claim
from core.paging import Paging
from graph.models import TrustSnapshot
from profiles.models import Institution, Researcher, ResearcherAffiliation, ResearcherTopic, Topic
from profiles.selectors import with_current_institution
from profiles.text_search import (
    INSTITUTIONS_CONFIG,
    NAMES_CONFIG,
    TITLES_CONFIG,
    TOPICS_CONFIG,
    Unaccent,
    name_vector,
    unaccented_vector,
)
from search.params import Kind, ResearcherFilters
from search.query import Identifier, text_words, tsquery, words_of
from works.models import Work
from works.selectors import AuthorList, author_lists

COUNT_CAP = 1_000
PER_PAGE = 20  # one kind of result, paged
PREVIEW = 5  # each kind on the overview
AUTHORS_IN_RESULTS = 5
# A misspelt name is a few words; longer texts are no name (and their trigrams would make the
# similarity search read most of the index).
TYPO_WORDS = 3
TYPO_CHARS = 60

T = TypeVar("T")


@dataclass(frozen=True)
class Group(Generic[T]):
    """One page of one kind of result. ``count`` is exact unless ``capped`` (then more than
    :data:`COUNT_CAP` match)."""

    kind: Kind
    items: list[T]
    count: int
    capped: bool
    page: int
    per_page: int
    # Researchers only: True when no name holds the words and these are the closest spellings.
    approximate: bool = False

    @property
    def count_text(self) -> str:
        """ "1,234" or "1,000+"."""
        return f"{COUNT_CAP:,}+" if self.capped else f"{self.count:,}"

    @property
    def paging(self) -> Paging:
        """Where this page sits (core.paging; the count is capped, so are the pages)."""
        return Paging(self.page, self.count, self.per_page)

    @classmethod
    def empty(cls, kind: Kind, page: int = 1, per_page: int = PER_PAGE) -> Group[T]:
        return cls(kind=kind, items=[], count=0, capped=False, page=page, per_page=per_page)


@dataclass(frozen=True)
class WorkHit:
    work: Work
    authors: AuthorList


@dataclass(frozen=True)
class Results:
    """The groups a search shows; a group is None when it was not asked for (another kind
    alone, or researcher filters, which only researchers have)."""

    researchers: Group[Researcher] | None = None
    topics: Group[Topic] | None = None
    institutions: Group[Institution] | None = None
    works: Group[WorkHit] | None = None
    # The words searched for (folded); empty when the text held no letter or digit.
    words: list[str] = field(default_factory=list)

    @property
    def groups(self) -> list[Group[Any]]:
        return [g for g in (self.researchers, self.topics, self.institutions, self.works) if g is not None]

    @property
    def total_is_zero(self) -> bool:
        return all(not g.count for g in self.groups)


def _page(kind: Kind, qs: QuerySet[Any], items_qs: QuerySet[Any], page: int, per_page: int) -> Group[Any]:
    """The ``page``-th slice of ``items_qs`` (ordered) and the capped count of ``qs`` (the same
    rows, in whatever order lets the database stop soonest). 1 query when the first page is not
    full (the count is its length), else 2."""
    offset = Paging(page, 0, per_page).offset
    items = list(items_qs[offset : offset + per_page])
    if len(items) < per_page and (items or page == 1):
        return Group(kind=kind, items=items, count=offset + len(items), capped=False, page=page, per_page=per_page)
    count = qs.values("pk")[: COUNT_CAP + 1].count()
    return Group(
        kind=kind, items=items, count=min(count, COUNT_CAP), capped=count > COUNT_CAP, page=page, per_page=per_page
    )


# --- Researchers ---------------------------------------------------------------------------------


def _filtered(qs: QuerySet[Researcher], filters: ResearcherFilters) -> QuerySet[Researcher]:
    """Each filter is a semi-join on an indexed column (topic and institution through their
    foreign keys, the country through institution_country, the level through
    trust_current_level, claims through claim_researcher_state)."""
    if filters.topic:
        qs = qs.filter(
            Exists(ResearcherTopic.objects.filter(researcher=OuterRef("pk"), topic__openalex_id=filters.topic))
        )
    if filters.institution:
        qs = qs.filter(
            Exists(
                ResearcherAffiliation.objects.filter(
                    researcher=OuterRef("pk"), institution__openalex_id=filters.institution
                )
            )
        )
    if filters.country:  # where they are now: the last known affiliation
        qs = qs.filter(
            Exists(
                ResearcherAffiliation.objects.filter(
                    researcher=OuterRef("pk"), is_last_known=True, institution__country_code=filters.country
                )
            )
        )
    if filters.level:  # the current trust snapshot holds the level (graph.trust_services)
        qs = qs.filter(
            Exists(TrustSnapshot.objects.filter(researcher=OuterRef("pk"), is_current=True, level__gte=filters.level))
        )
    if filters.claimed or filters.open_to_collaborate:
        qs = qs.filter(Exists(Claim.objects.filter(researcher=OuterRef("pk"), state=Claim.State.APPROVED)))
    if filters.open_to_collaborate:
        # The owner's switch on a claimed record (what the profile's collaboration card shows
        # first); whom the owner accepts invitations from (collaboration.Policy) is the card's
        # business, not search's: search does not read the collaboration app.
        qs = qs.filter(open_to_collaborate=True)
    return qs


def _is_a_name(text: str) -> Case:
    """1 when ``text`` (folded) is one of the names in search_name ("name | alternative | ..."),
    else 0: string comparisons on the row, no index needed for the rows already matched."""
    whole = (
        Q(search_name=text)
        | Q(search_name__startswith=f"{text} | ")
        | Q(search_name__endswith=f" | {text}")
        | Q(search_name__contains=f" | {text} | ")
    )
    return Case(When(whole, then=Value(1)), default=Value(0), output_field=IntegerField())


def researchers(
    words: list[str], filters: ResearcherFilters, *, page: int = 1, per_page: int = PER_PAGE
) -> Group[Researcher]:
    """Researchers whose names hold every word (see the module docstring) and that pass
    ``filters``: a name that is exactly the words first ("john smith" before "Johnny
    Smithson"), then most works. Filters alone list every researcher that passes them, most
    works first.
    Deleted records never appear. Each carries ``institution_name``.

    Queries: none without words and filters; 1 when the first page is not full, 2 when it is
    (the capped count). When words find nobody, the misspelling-tolerant match runs as well:
    1 or 2 more."""
    if not words and not filters:
        return Group.empty("researchers", page, per_page)
    qs = _filtered(Researcher.objects.exclude(record_status=Researcher.RecordStatus.DELETED), filters)
    if words:
        # Initials ("j" of "j smith") would make the index read every name with a word starting
        # with that letter: the longer words select the rows, and the initials are checked on them.
        longer = [w for w in words if len(w) > 1] or words
        qs = qs.annotate(_names=name_vector()).filter(
            _names=SearchQuery(tsquery(longer, prefix="all"), search_type="raw", config=NAMES_CONFIG)
        )
        for initial in (w for w in words if w not in longer):
            qs = qs.filter(search_name__regex=rf"\m{initial}")  # a word of a name starts with it
    if not words:
        ordered = with_current_institution(qs).order_by("-works_count", "id")
        return _page("researchers", qs.order_by(), ordered, page, per_page)
    ranked = with_current_institution(qs).annotate(_exact=_is_a_name(" ".join(words)))
    group = _page("researchers", qs.order_by(), ranked.order_by("-_exact", "-works_count", "id"), page, per_page)
    text = " ".join(words)
    if group.count or page > 1 or len(words) > TYPO_WORDS or len(text) > TYPO_CHARS:
        return group
    close = _filtered(Researcher.objects.exclude(record_status=Researcher.RecordStatus.DELETED), filters).filter(
        search_name__trigram_word_similar=text
    )
    nearest = with_current_institution(close).annotate(_similarity=TrigramWordSimilarity(text, "search_name"))
    group = _page(
        "researchers", close.order_by(), nearest.order_by("-_similarity", "-works_count", "id"), page, per_page
    )
    return replace(group, approximate=True)


# --- Topics, institutions, works -----------------------------------------------------------------


def _unaccented_query(words: list[str], *, prefix: Literal["all", "last"], config: str) -> SearchQuery:
    """``to_tsquery(config, bzpeer_unaccent(...))`` of ``words`` (search.query.text_words): the
    query folded exactly as the indexed text (profiles.text_search.unaccented_vector)."""
    return SearchQuery(Unaccent(Value(tsquery(words, prefix=prefix))), search_type="raw", config=config)



def topics(words: list[str], *, page: int = 1, per_page: int = PER_PAGE) -> Group[Topic]:
    """Topics and legacy concepts whose names hold the words. No query without words; else 1 or
    2 (see :func:`_page`)."""
    if not words:
        return Group.empty("topics", page, per_page)
    qs = Topic.objects.annotate(_text=unaccented_vector("display_name", TOPICS_CONFIG)).filter(
        _text=_unaccented_query(words, prefix="last", config=TOPICS_CONFIG)
    )
    ordered = qs.order_by("-kind", Length("display_name"), "display_name", "id")  # "topic" before "concept"
    return _page("topics", qs.order_by(), ordered, page, per_page)


def institutions(words: list[str], *, page: int = 1, per_page: int = PER_PAGE) -> Group[Institution]:
    """Institutions whose names hold the words (every one a prefix: "univ montreal"). No query
    without words; else 1 or 2 (see :func:`_page`)."""
    if not words:
        return Group.empty("institutions", page, per_page)
    qs = Institution.objects.annotate(_text=unaccented_vector("display_name", INSTITUTIONS_CONFIG)).filter(
        _text=_unaccented_query(words, prefix="all", config=INSTITUTIONS_CONFIG)
    )
    ordered = qs.order_by(Length("display_name"), "display_name", "id")
    return _page("institutions", qs.order_by(), ordered, page, per_page)


def works(words: list[str], *, page: int = 1, per_page: int = PER_PAGE) -> Group[WorkHit]:
    """Works whose titles hold the words, most cited first, each with its first authors
    (works.selectors.author_lists). No query without words; else 1 or 2 (see :func:`_page`),
    and 2 more for the authors when any work is found."""
    if not words:
        return Group.empty("works", page, per_page)
    qs = Work.objects.annotate(_text=unaccented_vector("title", TITLES_CONFIG)).filter(
        _text=_unaccented_query(words, prefix="last", config=TITLES_CONFIG)
    )
    ordered = qs.select_related("source").order_by("-cited_by_count", "id")
    group = _page("works", qs.order_by(), ordered, page, per_page)
    lists = author_lists(group.items, limit=AUTHORS_IN_RESULTS)
    hits = [WorkHit(work=work, authors=lists[work.pk]) for work in group.items]
    return Group(
        kind="works", items=hits, count=group.count, capped=group.capped, page=group.page, per_page=group.per_page
    )


# --- Everything at once ----------------------------------------------------------------------------


def search(text: str, filters: ResearcherFilters, *, kind: Kind | None = None, page: int = 1) -> Results:
    """What the page shows for ``text``: with ``kind``, that kind alone, ``page`` of it
    (:data:`PER_PAGE` a page); without, the first :data:`PREVIEW` of every kind. Researcher
    filters show researchers only. ``text`` is not an identifier (:func:`identifier_target`
    handles those).

    Queries: the sum of the groups' (each 0 to 2, researchers up to 4 with the misspelling
    match, works 2 more with authors): at most 10 for the overview, none for a text without
    letters or digits and no filters."""
    words, plain = words_of(text), text_words(text)  # names are folded in Python, the rest in SQL
    if kind is None and not filters:
        return Results(
            researchers=researchers(words, filters, per_page=PREVIEW),
            topics=topics(plain, per_page=PREVIEW),
            institutions=institutions(plain, per_page=PREVIEW),
            works=works(plain, per_page=PREVIEW),
            words=words or plain,
        )
    if kind in (None, "researchers"):
        return Results(researchers=researchers(words, filters, page=page), words=words)
    if kind == "topics":
        return Results(topics=topics(plain, page=page), words=plain)
    if kind == "institutions":
        return Results(institutions=institutions(plain, page=page), words=plain)
    return Results(works=works(plain, page=page), words=plain)


@dataclass(frozen=True)
class FilterNames:
    """The display names of the topic and the institution researcher results are narrowed to:
    None for a filter that is not set or names a record BZPEER does not hold, "" for a record
    held without a name."""

    topic: str | None = None
    institution: str | None = None


def filter_names(filters: ResearcherFilters) -> FilterNames:
    """What the page calls the records ``filters`` name, instead of their ids: 1 query for each
    of the topic and the institution filters that is set, none otherwise."""
    return FilterNames(
        topic=_display_name(Topic.objects.all(), filters.topic),
        institution=_display_name(Institution.objects.all(), filters.institution),
    )


def _display_name(records: QuerySet[Any], openalex_id: str) -> str | None:
    """The display name of the record with ``openalex_id`` (1 query); None without an id or
    when there is no such record."""
    if not openalex_id:
        return None
    name: str | None = records.filter(openalex_id=openalex_id).values_list("display_name", flat=True).first()
    return name


# --- Identifiers -------------------------------------------------------------------------------------


def identifier_target(identifier: Identifier) -> str | None:
    """The OpenAlex id of the page ``identifier`` names, or None when BZPEER holds no such
    record. An author id is returned as it is, without a query: the profile page explains
    unknown, legacy and merged ids. A DOI, an ORCID iD (the record with most works, deleted
    records aside) or another OpenAlex id: 1 query."""
    if identifier.kind == "author":
        return identifier.value
    found: QuerySet[Any, str]
    if identifier.kind == "doi":
        found = Work.objects.filter(doi=identifier.value).order_by("id").values_list("openalex_id", flat=True)
    elif identifier.kind == "orcid":
        found = (
            Researcher.objects.filter(orcid=identifier.value)
            .exclude(record_status=Researcher.RecordStatus.DELETED)
            .order_by("-works_count", "id")
            .values_list("openalex_id", flat=True)
        )
    elif identifier.kind == "work":
        found = Work.objects.filter(openalex_id=identifier.value).values_list("openalex_id", flat=True)
    elif identifier.kind == "topic":
        found = Topic.objects.filter(openalex_id=identifier.value).values_list("openalex_id", flat=True)
    else:
        found = Institution.objects.filter(openalex_id=identifier.value).values_list("openalex_id", flat=True)
    return found.first()
