"""The read-only JSON API under ``/api/v1/`` (django-ninja): researchers, their works,
co-authors and graph slice, works, and search. Its OpenAPI schema is ``/api/v1/openapi.json``;
the browsable docs page is off (it would load its assets from a CDN).

Every endpoint answers an unknown query parameter, a malformed value, a forged cursor or a
limit out of range with 400 and a ``reason``; an unknown id with 404, a record OpenAlex
deleted with 410, an alias (a retired id) with a 301 to the current id's URL (query string
kept), all as ``{"status": …, "reason": …}``. CORS, the per-address limit and preflights are
api.middleware's.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import orjson
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import reverse
from ninja import NinjaAPI, Query
from ninja.errors import ValidationError

from api import schemas as s
from api.keyset import CursorError, cursor_make, cursor_read
from api.selectors import coauthors_after, researcher_detail, researcher_graph, work_data, work_detail, works_after
from bzpeer.http import absolute_url, whole_number
from core import page_cache
from core.page_cache import CachedPage, rows_stamp
from graph.coauthors import COAUTHOR_SORTS, DEFAULT_COAUTHOR_SORT
from profiles.identifiers import parse_openalex_id
from profiles.models import Researcher
from profiles.selectors import AliasRedirect, ResearcherNotFound, researcher_resolve
from search import selectors as search_selectors
from search.params import Kind, parse_params
from search.query import identifier_in
from works.models import Work
from works.selectors import DEFAULT_WORK_SORT, WORK_SORTS, WorksFilter

LIMIT_DEFAULT, LIMIT_MAX = 20, 100
# The orders as the schema spells them; they must be the selectors' (checked at import).
WorkSort = Literal["date", "citations", "title"]
CoauthorSort = Literal["shared", "recent", "name"]
# An on switch of search.params (off is leaving it out).
Flag = Literal["yes", "on", "1", "true"]
assert set(get_args(WorkSort)) == set(WORK_SORTS) and set(get_args(CoauthorSort)) == set(COAUTHOR_SORTS)
YEAR_MAX = 9999
JSON = "application/json"

api = NinjaAPI(
    title="BZPEER API",
    version="1",
    description="Read-only: researchers, works, co-authors, the research graph and search.",
    urls_namespace="api",
    docs_url=None,  # no docs page: ninja's would load Swagger UI from a CDN
    openapi_url="/openapi.json",
)

# The researcher answer, cached under a stamp of what it shows (one SELECT, like the
# anonymous profile's: core.page_cache): the record row, its current trust snapshot, its
# affiliations and topics. A renamed institution or topic is bounded by the cache's lifetime.
RESEARCHER_STAMP = CachedPage(
    "api_researcher",
    f"""
SELECT r.id, concat_ws('|',
    r.xmin::text,
    coalesce((SELECT t.id FROM graph_trustsnapshot t WHERE t.researcher_id = r.id AND t.is_current), 0),
    {rows_stamp("profiles_researcheraffiliation", "ra", "ra.researcher_id = r.id")},
    {rows_stamp("profiles_researchertopic", "rt", "rt.researcher_id = r.id")}
)
FROM profiles_researcher r
WHERE r.openalex_id = $1 AND r.record_status <> 'deleted'
""",
    ("text",),
)

ERRORS: dict[int, Any] = {400: s.Error, 404: s.Error, 429: s.Error}
RECORD_ERRORS: dict[int, Any] = {**ERRORS, 301: None, 410: s.Error}


class ApiError(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def error(status: int, reason: str) -> JsonResponse:
    return JsonResponse({"status": status, "reason": reason}, status=status)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error(exc.status, exc.reason)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg', 'invalid')}" for e in exc.errors
    )
    return error(400, f"Invalid parameters: {problems}"[:500])


# --- Parameters --------------------------------------------------------------------------------------


def only(request: HttpRequest, *names: str) -> None:
    """400 naming the query parameters the endpoint does not know."""
    unknown = sorted(set(request.GET) - set(names))
    if unknown:
        known = ", ".join(names) or "none"
        raise ApiError(400, f"Unknown query parameters: {', '.join(unknown)[:200]} (this endpoint takes {known}).")


def number(request: HttpRequest, name: str, *, low: int, high: int, default: int | None = None) -> int | None:
    """The whole number ``name`` (ASCII digits, ``low``..``high``), else 400."""
    text = request.GET.get(name)
    if text is None or text == "":
        return default
    value = whole_number(text, maximum=high)
    if value is None or value < low:
        raise ApiError(400, f"{name} takes a whole number from {low} to {high}.")
    return value


def choice(request: HttpRequest, name: str, options: list[str], default: str) -> str:
    value = request.GET.get(name) or default
    if value not in options:
        raise ApiError(400, f"{name} takes one of {', '.join(options)}.")
    return value


def position(request: HttpRequest, endpoint: str, scope: str) -> list[Any] | None:
    text = request.GET.get("cursor")
    if not text:
        return None
    try:
        return cursor_read(endpoint, scope, text)
    except CursorError as exc:
        raise ApiError(400, str(exc)) from None


def researcher(request: HttpRequest, text: str, view: str) -> Researcher | HttpResponse:
    """The record of ``text`` (profiles.selectors.researcher_resolve: any accepted id form), or
    the answer instead: 301 to ``view`` for the current id of an alias, 404, 410. 1 query for
    a current record, 2 for an alias or an unknown id."""
    try:
        found = researcher_resolve(text)
    except ResearcherNotFound:
        raise ApiError(404, "No researcher with that id: use an OpenAlex author id (A…).") from None
    if isinstance(found, AliasRedirect):
        target = reverse(f"api:{view}", args=[found.openalex_id])
        query = request.GET.urlencode()
        return HttpResponsePermanentRedirect(f"{target}?{query}" if query else target)
    if found.record_status == Researcher.RecordStatus.DELETED:
        raise ApiError(410, "OpenAlex deleted this researcher's record.")
    return found


def page_answer(items: list[dict[str, Any]], endpoint: str, scope: str, last: list[Any] | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": cursor_make(endpoint, scope, last) if last is not None else None}


# --- Endpoints ---------------------------------------------------------------------------------------


@api.get("/researchers/{openalex_id}", response={200: s.ResearcherOut, **RECORD_ERRORS}, url_name="researcher")
def researcher_endpoint(request: HttpRequest, openalex_id: str) -> Any:
    """A researcher: profile fields, current institutions, top topics, verification level, the
    trust score with its explanation, links. Cached: 1 query and 1 Redis GET while nothing it
    shows changed; else 4 more (the record and api.selectors.researcher_detail's 3)."""
    only(request)
    canonical = parse_openalex_id(openalex_id, "A")
    lookup = None
    if canonical == openalex_id and page_cache.cache_seconds() > 0:
        lookup = page_cache.lookup(request, RESEARCHER_STAMP, canonical)
        if lookup is not None and lookup.stored is not None:
            return page_cache.respond(request, lookup.stored, content_type=JSON)
    found = researcher(request, openalex_id, "researcher")
    if isinstance(found, HttpResponse):
        return found
    body = orjson.dumps(s.ResearcherOut(**researcher_detail(found)).model_dump(mode="json"))
    if lookup is None:
        return HttpResponse(body, content_type=JSON)
    return page_cache.store(request, lookup.key, body, content_type=JSON)


@api.get(
    "/researchers/{openalex_id}/works", response={200: s.WorksPageOut, **RECORD_ERRORS}, url_name="researcher_works"
)
def researcher_works_endpoint(
    request: HttpRequest,
    openalex_id: str,
    cursor: str | None = None,
    limit: int = Query(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX),  # noqa: B008
    type: str | None = None,
    year_from: int | None = Query(None, ge=1, le=YEAR_MAX),  # noqa: B008
    year_to: int | None = Query(None, ge=1, le=YEAR_MAX),  # noqa: B008
    topic: str | None = None,
    sort: WorkSort = DEFAULT_WORK_SORT,  # type: ignore[assignment]
) -> Any:
    """The researcher's works as the profile lists them (hidden works never), filtered and
    sorted like the works list, a page at a time after ``cursor``. 4 queries (the record, the
    page, 2 for the author lists)."""
    only(request, "cursor", "limit", "type", "year_from", "year_to", "topic", "sort")
    size = number(request, "limit", low=1, high=LIMIT_MAX, default=LIMIT_DEFAULT)
    work_type = request.GET.get("type", "")
    if len(work_type) > 32 or "\x00" in work_type:
        raise ApiError(400, "type takes a work type (article, book, …).")
    topic_text = request.GET.get("topic", "")
    topic_id = parse_openalex_id(topic_text, "T") or parse_openalex_id(topic_text, "C") or ""
    if topic_text and not topic_id:
        raise ApiError(400, "topic takes a topic's OpenAlex id (T…).")
    filters = WorksFilter(
        type=work_type,
        year_from=number(request, "year_from", low=1, high=YEAR_MAX),
        year_to=number(request, "year_to", low=1, high=YEAR_MAX),
        topic=topic_id,
        sort=choice(request, "sort", list(WORK_SORTS), DEFAULT_WORK_SORT),
    )
    found = researcher(request, openalex_id, "researcher_works")
    if isinstance(found, HttpResponse):
        return found
    scope = f"{found.pk}:{filters.sort}"
    items, last = works_after(found, filters, position(request, "works", scope), size or LIMIT_DEFAULT)
    return page_answer(items, "works", scope, last)


@api.get(
    "/researchers/{openalex_id}/coauthors",
    response={200: s.CoauthorsPageOut, **RECORD_ERRORS},
    url_name="researcher_coauthors",
)
def researcher_coauthors_endpoint(
    request: HttpRequest,
    openalex_id: str,
    cursor: str | None = None,
    limit: int = Query(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX),  # noqa: B008
    sort: CoauthorSort = DEFAULT_COAUTHOR_SORT,  # type: ignore[assignment]
) -> Any:
    """The researcher's co-authors with the evidence of each edge, in ``sort`` order, a page
    at a time after ``cursor``. 2 queries (the record, the page)."""
    only(request, "cursor", "limit", "sort")
    size = number(request, "limit", low=1, high=LIMIT_MAX, default=LIMIT_DEFAULT)
    order = choice(request, "sort", list(COAUTHOR_SORTS), DEFAULT_COAUTHOR_SORT)
    found = researcher(request, openalex_id, "researcher_coauthors")
    if isinstance(found, HttpResponse):
        return found
    scope = f"{found.pk}:{order}"
    items, last = coauthors_after(found, order, position(request, "coauthors", scope), size or LIMIT_DEFAULT)
    return page_answer(items, "coauthors", scope, last)


@api.get("/researchers/{openalex_id}/graph", response={200: s.GraphOut, **RECORD_ERRORS}, url_name="researcher_graph")
def researcher_graph_endpoint(request: HttpRequest, openalex_id: str) -> Any:
    """The research-graph slice as nodes and edges, each edge with its evidence. 5 queries
    (the record, graph.slice.graph_slice's 4)."""
    only(request)
    found = researcher(request, openalex_id, "researcher_graph")
    if isinstance(found, HttpResponse):
        return found
    return researcher_graph(found)


@api.get("/works/{openalex_id}", response={200: s.WorkOut, **ERRORS}, url_name="work")
def work_endpoint(request: HttpRequest, openalex_id: str) -> Any:
    """A work with its first authors in byline order and how many it has. 3 queries."""
    only(request)
    canonical = parse_openalex_id(openalex_id, "W")
    work = Work.objects.select_related("source").filter(openalex_id=canonical).first() if canonical else None
    if work is None:
        raise ApiError(404, "No work with that id: use an OpenAlex work id (W…).")
    return work_detail(work)


_IDENTIFIER_TARGETS = {
    "author": "api:researcher",
    "orcid": "api:researcher",
    "doi": "api:work",
    "work": "api:work",
    "topic": "pages:topic",
    "institution": "pages:institution",
}
_NOTHING = {"redirect": None, "researchers": None, "topics": None, "institutions": None, "works": None}


@api.get("/search", response={200: s.SearchOut, **ERRORS}, url_name="search")
def search_endpoint(
    request: HttpRequest,
    q: str | None = None,
    kind: Kind | None = None,
    page: int = Query(1, ge=1, le=50),  # noqa: B008
    topic: str | None = None,
    institution: str | None = None,
    country: str | None = None,
    level: int | None = Query(None, ge=1, le=4),  # noqa: B008
    claimed: Flag | None = None,
    open: Flag | None = None,
) -> Any:
    """The site's search (search.selectors, parameters parsed by search.params.parse_params):
    without ``kind`` the first results of every kind, with it one page of that kind. An
    identifier answers ``redirect`` (what it names) instead of results, 404 when nothing.
    Paged by ``page`` (at most 50 pages: search results are ranked, not a list to walk)."""
    params = parse_params(request.GET, strict=True)
    if params.problem:
        raise ApiError(400, params.problem)
    if params.is_empty:
        raise ApiError(400, "Nothing to search: give q, or a researcher filter.")
    identifier = identifier_in(params.q) if params.q else None
    if identifier is not None:
        target = search_selectors.identifier_target(identifier)
        if target is None:
            raise ApiError(404, f"BZPEER holds nothing with the {identifier.kind} {identifier.value}.")
        return {**_NOTHING, "redirect": absolute_url(reverse(_IDENTIFIER_TARGETS[identifier.kind], args=[target]))}
    results = search_selectors.search(params.q, params.filters, kind=params.kind, page=params.page)
    answer: dict[str, Any] = {**_NOTHING}
    for group in results.groups:
        answer[group.kind] = {"count": group.count, "capped": group.capped, "page": group.page, "items": _hits(group)}
    if results.researchers is not None:
        answer["researchers"]["approximate"] = results.researchers.approximate
    return answer


def _hits(group: search_selectors.Group[Any]) -> list[dict[str, Any]]:
    if group.kind == "researchers":
        return [
            {"id": r.openalex_id, "name": r.name, "works_count": r.works_count, "institution": r.institution_name}
            for r in group.items
        ]
    if group.kind == "topics":
        return [{"id": t.openalex_id, "name": t.display_name} for t in group.items]
    if group.kind == "institutions":
        return [{"id": i.openalex_id, "name": i.display_name, "country_code": i.country_code} for i in group.items]
    return [work_data(hit.work, hit.authors) for hit in group.items]
