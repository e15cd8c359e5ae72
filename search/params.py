"""A search request from a query string (``/?q=...&kind=...&page=...`` and the researcher
filters), checked: every parameter is known and well-formed, or the request carries the
sentence that explains what is wrong and the page shows that instead of results. Nothing
here raises and nothing here touches the database; the API (issue 18) parses its query
strings with the same function."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from django.http import QueryDict

from bzpeer.http import whole_number
from profiles.identifiers import parse_openalex_id
from search.query import SEARCH_MAX

Kind = Literal["researchers", "topics", "institutions", "works"]
KINDS: tuple[Kind, ...] = ("researchers", "topics", "institutions", "works")
# Verification levels a filter may ask for (at least L1 ... L4).
LEVELS = (1, 2, 3, 4)
_TRUE = {"yes", "on", "1", "true"}
_FILTER_NAMES = ("topic", "institution", "country", "level", "claimed", "open")
KNOWN_PARAMETERS = frozenset({"q", "kind", "page", *_FILTER_NAMES})
# Results are paged at most this deep (search.selectors.COUNT_CAP rows): past that, a narrower
# query is the way, and no page ever asks the database to skip thousands of rows.
MAX_PAGE = 50


@dataclass(frozen=True)
class ResearcherFilters:
    """What researcher results are narrowed to. ``topic`` and ``institution`` are OpenAlex ids
    (T…/C…, I…), ``country`` an ISO code (upper case), ``level`` the least verification level."""

    topic: str = ""
    institution: str = ""
    country: str = ""
    level: int | None = None
    claimed: bool = False
    open_to_collaborate: bool = False

    def __bool__(self) -> bool:
        return bool(
            self.topic or self.institution or self.country or self.level or self.claimed or self.open_to_collaborate
        )


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    kind: Kind | None = None  # None: every group, a few results each
    page: int = 1
    filters: ResearcherFilters = field(default_factory=ResearcherFilters)
    # Set when the request cannot be answered: the sentence the page shows instead.
    problem: str = ""

    @property
    def is_empty(self) -> bool:
        """Nothing asked: the home page without results."""
        return not (self.q or self.filters or self.problem)


def _flag(value: str) -> bool | None:
    value = value.strip().lower()
    if value in _TRUE:
        return True
    return False if value == "" else None


def parse_params(query: QueryDict, *, strict: bool = False) -> SearchParams:  # noqa: C901, PLR0911
    """The request ``query`` asks for; with ``problem`` set (and nothing else to trust) when a
    parameter is too long or malformed, or, when ``strict``, unknown. The search page is not
    strict: links arrive with tracking parameters (``utm_source``, ``fbclid``) that it ignores."""
    if strict and set(query) - KNOWN_PARAMETERS:
        return SearchParams(problem="Unknown search parameter: search by words, kind and filters only.")
    q = query.get("q", "").strip()
    if len(q) > SEARCH_MAX:
        return SearchParams(problem=f"That search is longer than {SEARCH_MAX} characters. Try a few words of it.")
    if "\x00" in q:
        return SearchParams(problem="That search holds a character no name or title has. Try words only.")
    kind_text = query.get("kind", "")
    if kind_text and kind_text not in KINDS:
        return SearchParams(q=q, problem="Unknown kind of result. Choose researchers, topics, institutions or works.")
    kind: Kind | None = next((k for k in KINDS if k == kind_text), None)
    page_text = query.get("page", "")
    page = whole_number(page_text, maximum=MAX_PAGE) if page_text else 1
    if not page:
        return SearchParams(q=q, kind=kind, problem=f"No such page of results: pages go from 1 to {MAX_PAGE}.")
    filters, problem = _filters(query)
    if problem:
        return SearchParams(q=q, kind=kind, problem=problem)
    if filters and kind not in (None, "researchers"):
        return SearchParams(q=q, kind=kind, problem="Filters apply to researchers only.")
    return SearchParams(q=q, kind=kind, page=page, filters=filters)


def _filters(query: QueryDict) -> tuple[ResearcherFilters, str]:
    topic_text, institution_text = query.get("topic", "").strip(), query.get("institution", "").strip()
    topic = parse_openalex_id(topic_text, "T") or parse_openalex_id(topic_text, "C") or ""
    if topic_text and not topic:
        return ResearcherFilters(), "Unknown topic filter: it takes a topic's OpenAlex id (T…)."
    institution = parse_openalex_id(institution_text, "I") or ""
    if institution_text and not institution:
        return ResearcherFilters(), "Unknown institution filter: it takes an institution's OpenAlex id (I…)."
    country = query.get("country", "").strip()
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        return ResearcherFilters(), "Unknown country filter: it takes a two-letter country code (FR, US, …)."
    level_text = query.get("level", "").strip()
    level = whole_number(level_text, maximum=max(LEVELS)) if level_text else None
    if level_text and level not in LEVELS:
        return ResearcherFilters(), "Unknown verification level: choose L1 to L4."
    claimed, open_to_collaborate = _flag(query.get("claimed", "")), _flag(query.get("open", ""))
    if claimed is None or open_to_collaborate is None:
        return ResearcherFilters(), "The claimed and open-to-collaborate filters are on (yes) or off."
    return ResearcherFilters(
        topic=topic,
        institution=institution,
        country=country.upper(),
        level=level,
        claimed=claimed,
        open_to_collaborate=open_to_collaborate,
    ), ""
