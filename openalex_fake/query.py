"""List responses: ``filter=``, ``search=``, ``sort=``, ``select=``, page and cursor paging, and
the 400 answers for what the API rejects."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, unquote_plus

from openalex_fake.ids import fold_text, id_sort_key, normalize_doi, normalize_orcid, normalize_ror, short_key
from openalex_fake.store import OpenAlexStore

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 200
# Basic (page) paging stops at 10,000 results in the real API; cursor paging does not.
MAX_PAGED_RESULTS = 10_000
LIST_AUTHORSHIP_CAP = 100

QUERY_ERROR = "Invalid query parameters error."
KNOWN_PARAMS = {
    "filter",
    "search",
    "sort",
    "select",
    "per-page",
    "per_page",
    "page",
    "cursor",
    "api_key",
    "mailto",
    "email",
}


class QueryParameterError(ValueError):
    """A bad query parameter: answered 400 with the OpenAlex error body."""


def _keys_of(values: Iterable[Any]) -> set[str]:
    return {k for k in (short_key(v) if isinstance(v, str) else None for v in values) if k}


def _authorship_author_ids(work: Mapping[str, Any]) -> set[str]:
    return _keys_of((a.get("author") or {}).get("id") for a in work.get("authorships") or [])


def _authorship_orcids(work: Mapping[str, Any]) -> set[str]:
    return {
        o for o in (normalize_orcid((a.get("author") or {}).get("orcid")) for a in work.get("authorships") or []) if o
    }


def _institution_ids(author: Mapping[str, Any]) -> set[str]:
    found = [inst.get("id") for inst in author.get("last_known_institutions") or []]
    legacy = author.get("last_known_institution")
    if isinstance(legacy, dict):
        found.append(legacy.get("id"))
    found.extend((aff.get("institution") or {}).get("id") for aff in author.get("affiliations") or [])
    return _keys_of(found)


def _work_institution_ids(work: Mapping[str, Any]) -> set[str]:
    return _keys_of(inst.get("id") for a in work.get("authorships") or [] for inst in a.get("institutions") or [])


def _names(entity: Mapping[str, Any], collection: str) -> list[str]:
    """The strings ``search``/``display_name.search`` look at."""
    if collection == "works":
        return [t for t in (entity.get("title"), entity.get("display_name")) if isinstance(t, str)]
    names = [entity.get("display_name")]
    names.extend(entity.get("display_name_alternatives") or [])
    return [n for n in names if isinstance(n, str)]


def _text_matches(query: str, names: Iterable[str]) -> bool:
    """Every word of the query occurs (as a word) in one of the names, ignoring case and accents."""
    words = fold_text(query).split()
    if not words:
        return True
    for name in names:
        haystack = set(fold_text(name).split())
        if all(word in haystack for word in words):
            return True
    return False


def _year_matches(value: Any, spec: str) -> bool:
    if not isinstance(value, int):
        return False
    if spec.startswith(">"):
        return value > int(spec[1:])
    if spec.startswith("<"):
        return value < int(spec[1:])
    if "-" in spec:
        low, high = spec.split("-", 1)
        return (not low or value >= int(low)) and (not high or value <= int(high))
    return value == int(spec)


# Field (hyphens read as underscores) -> predicate(entity, value) for that collection.
Predicate = Callable[[Mapping[str, Any], str], bool]
_COMMON_FILTERS: dict[str, Predicate] = {
    "openalex": lambda e, v: short_key(e.get("id")) == short_key(v),
    "openalex_id": lambda e, v: short_key(e.get("id")) == short_key(v),
    "ids.openalex": lambda e, v: short_key(e.get("id")) == short_key(v),
    "display_name.search": lambda e, v: _text_matches(v, [e.get("display_name") or ""]),
}
_FILTERS: dict[str, dict[str, Predicate]] = {
    "works": {
        "author.id": lambda e, v: short_key(v) in _authorship_author_ids(e),
        "authorships.author.id": lambda e, v: short_key(v) in _authorship_author_ids(e),
        "author.orcid": lambda e, v: normalize_orcid(v) in _authorship_orcids(e),
        "authorships.author.orcid": lambda e, v: normalize_orcid(v) in _authorship_orcids(e),
        "institutions.id": lambda e, v: short_key(v) in _work_institution_ids(e),
        "authorships.institutions.id": lambda e, v: short_key(v) in _work_institution_ids(e),
        "doi": lambda e, v: normalize_doi(e.get("doi")) == normalize_doi(v),
        "cites": lambda e, v: short_key(v) in _keys_of(e.get("referenced_works") or []),
        "publication_year": lambda e, v: _year_matches(e.get("publication_year"), v),
        "type": lambda e, v: (e.get("type") or "").lower() == v.lower(),
        "title.search": lambda e, v: _text_matches(v, _names(e, "works")),
        "display_name.search": lambda e, v: _text_matches(v, _names(e, "works")),
        "primary_location.source.id": lambda e, v: (
            short_key(((e.get("primary_location") or {}).get("source") or {}).get("id")) == short_key(v)
        ),
    },
    "authors": {
        "orcid": lambda e, v: normalize_orcid(e.get("orcid")) == normalize_orcid(v),
        "ids.orcid": lambda e, v: normalize_orcid(e.get("orcid")) == normalize_orcid(v),
        "display_name.search": lambda e, v: _text_matches(v, _names(e, "authors")),
        "last_known_institutions.id": lambda e, v: (
            short_key(v) in _keys_of(i.get("id") for i in e.get("last_known_institutions") or [])
        ),
        "affiliations.institution.id": lambda e, v: short_key(v) in _institution_ids(e),
    },
    "institutions": {
        "ror": lambda e, v: normalize_ror(e.get("ror")) == normalize_ror(v),
        "country_code": lambda e, v: (e.get("country_code") or "").lower() == v.lower(),
    },
}
_SEARCH_FIELDS = {"display_name.search", "title.search"}


def valid_filter_fields(collection: str) -> list[str]:
    return sorted({**_COMMON_FILTERS, **_FILTERS.get(collection, {})})


@dataclass(frozen=True)
class FilterClause:
    field: str
    alternatives: tuple[str, ...]  # OR
    negate: bool = False


def parse_filter(raw: str, collection: str) -> list[FilterClause]:
    """Parse a raw (still URL-encoded) ``filter`` value into AND-ed clauses.

    Separators are read before decoding so that an encoded ``,`` or ``:`` inside a value
    (pyalex quote_plus-es values) stays part of the value. ``%7C`` counts as ``|`` because
    requests re-encodes a literal ``|``.
    """
    if ":" not in raw:  # the whole expression was URL-encoded by the client
        raw = unquote(raw)
    predicates = {**_COMMON_FILTERS, **_FILTERS.get(collection, {})}
    clauses: list[FilterClause] = []
    for part in (p for p in raw.split(",") if p):
        name, sep, value = part.partition(":")
        field_name = unquote_plus(name).strip().replace("-", "_")
        # "ids.openalex" style names keep their dots; underscores/hyphens are equivalent.
        if not sep or field_name not in predicates:
            raise QueryParameterError(
                f"{field_name} is not a valid field. Valid fields are underscore or hyphenated "
                f"versions of: {', '.join(valid_filter_fields(collection))}"
            )
        negate = value.startswith("!")
        if negate:
            value = value[1:]
        decode = unquote_plus if field_name in _SEARCH_FIELDS else unquote
        pieces = re.split(r"\||%7C|%7c", value)
        if field_name not in _SEARCH_FIELDS and len(pieces) == 1 and "+" in value:
            # "+" joins values with AND (pyalex list filters); spaces only occur in searches.
            clauses.extend(FilterClause(field_name, (decode(v),), negate) for v in value.split("+") if v)
            continue
        clauses.append(FilterClause(field_name, tuple(decode(p) for p in pieces if p), negate))
    return clauses


def apply_filters(entity: Mapping[str, Any], clauses: list[FilterClause], collection: str) -> bool:
    predicates = {**_COMMON_FILTERS, **_FILTERS.get(collection, {})}
    for clause in clauses:
        predicate = predicates[clause.field]
        try:
            hit = any(predicate(entity, value) for value in clause.alternatives)
        except ValueError as exc:  # e.g. publication_year:abc
            raise QueryParameterError(f"{clause.field}: invalid value ({exc})") from exc
        if hit == clause.negate:
            return False
    return True


def relevance_score(entity: Mapping[str, Any], query: str, collection: str) -> float:
    """A deterministic stand-in for OpenAlex's relevance: exact name matches first, then
    citations (the real API also boosts well-cited records)."""
    target = fold_text(query)
    exact = any(fold_text(name) == target for name in _names(entity, collection))
    cited = entity.get("cited_by_count")
    boost = math.log1p(cited) if isinstance(cited, int) and cited > 0 else 0.0
    return round((1000.0 if exact else 100.0) + boost, 6)


def default_sort_key(entity: Mapping[str, Any], collection: str) -> tuple[Any, ...]:
    key = id_sort_key(short_key(entity.get("id")) or "")
    if collection == "works":
        date = entity.get("publication_date") or ""
        # Newest first: invert the date's characters so ascending sort puts it first.
        inverted = "".join(chr(0x10FFFF - ord(c)) for c in date) if date else "\U0010ffff"
        return (inverted, key)
    return (key,)


def _sort_value(value: Any) -> tuple[int, Any]:
    if value is None:
        return (2, 0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, value)
    return (1, str(value).casefold())


def _field_sort_key(name: str) -> Callable[[Mapping[str, Any]], tuple[int, Any]]:
    return lambda entity: _sort_value(entity.get(name))


def apply_sort(items: list[dict[str, Any]], spec: str | None, collection: str) -> list[dict[str, Any]]:
    items = sorted(items, key=lambda e: default_sort_key(e, collection))
    if not spec:
        return items
    for part in reversed([p for p in spec.split(",") if p]):
        name, _, direction = part.partition(":")
        descending = direction.lower() == "desc"
        if direction and direction.lower() not in ("asc", "desc"):
            raise QueryParameterError(f"{part} is not a valid sort (use field:asc or field:desc)")
        present = [e for e in items if e.get(name) is not None]
        missing = [e for e in items if e.get(name) is None]  # nulls last either way
        present.sort(key=_field_sort_key(name), reverse=descending)
        items = present + missing
    return items


def encode_cursor(offset: int) -> str:
    """Opaque cursor, base64 like the API's (which decodes to a sort key; ours to an offset)."""
    return base64.b64encode(json.dumps(["offset", offset]).encode()).decode()


def decode_cursor(cursor: str) -> int:
    if cursor == "*":
        return 0
    try:
        # A client that forgot to encode the cursor turns its "+" into a space.
        kind, offset = json.loads(base64.b64decode(cursor.replace(" ", "+").encode(), validate=True))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise QueryParameterError(f"{cursor!r} is not a valid cursor") from exc
    if kind != "offset" or not isinstance(offset, int) or offset < 0:
        raise QueryParameterError(f"{cursor!r} is not a valid cursor")
    return offset


def truncate_authorships(work: dict[str, Any]) -> dict[str, Any]:
    """A list-response copy of a work: at most 100 authorships, flagged when cut."""
    authorships = work.get("authorships") or []
    if len(authorships) <= LIST_AUTHORSHIP_CAP:
        return work
    copy = dict(work)
    copy["authorships"] = authorships[:LIST_AUTHORSHIP_CAP]
    copy["is_authors_truncated"] = True
    return copy


def select_fields(entity: dict[str, Any], select: str | None) -> dict[str, Any]:
    if not select:
        return entity
    wanted = [f.strip() for f in select.split(",") if f.strip()]
    return {name: entity[name] for name in wanted if name in entity}


def parse_query_string(query_string: str) -> tuple[dict[str, str], dict[str, str]]:
    """(decoded params, raw params). Repeated keys: the last one wins."""
    decoded: dict[str, str] = {}
    raw: dict[str, str] = {}
    for pair in query_string.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        name = unquote_plus(name)
        raw[name] = value
        decoded[name] = unquote_plus(value)
    return decoded, raw


def _parse_per_page(params: Mapping[str, str]) -> int:
    value = params.get("per-page", params.get("per_page"))
    if value is None or value == "":
        return DEFAULT_PER_PAGE
    try:
        per_page = int(value)
    except ValueError:
        per_page = -1
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryParameterError(f"per-page parameter must be between 1 and {MAX_PER_PAGE}")
    return per_page


def build_list_response(store: OpenAlexStore, collection: str, query_string: str) -> dict[str, Any]:
    """The list response for ``GET /{collection}?{query_string}``.

    Raises QueryParameterError for anything the API answers with 400.
    """
    started = time.perf_counter()
    params, raw = parse_query_string(query_string)
    unknown = sorted(set(params) - KNOWN_PARAMS)
    if unknown:
        raise QueryParameterError(
            f"{unknown[0]} is not a valid parameter (this test server supports: {', '.join(sorted(KNOWN_PARAMS))})"
        )
    clauses = parse_filter(raw["filter"], collection) if raw.get("filter") else []
    search = params.get("search", "").strip()
    per_page = _parse_per_page(params)
    cursor = params.get("cursor")
    if cursor is not None and "page" in params:
        raise QueryParameterError("cannot use page and cursor paging in the same request")

    items = [e for e in store.all(collection) if apply_filters(e, clauses, collection)]
    if search:
        items = [e for e in items if _text_matches(search, _names(e, collection))]
        items = [{**e, "relevance_score": relevance_score(e, search, collection)} for e in items]
        items = apply_sort(items, params.get("sort") or "relevance_score:desc", collection)
    else:
        items = apply_sort(items, params.get("sort"), collection)

    meta: dict[str, Any] = {"count": len(items), "db_response_time_ms": 0, "page": None, "per_page": per_page}
    if cursor is not None:
        offset = decode_cursor(cursor)
        chunk = items[offset : offset + per_page]
        meta["next_cursor"] = encode_cursor(offset + len(chunk)) if chunk else None
    else:
        try:
            page = int(params.get("page") or 1)
        except ValueError:
            raise QueryParameterError("page parameter must be a positive integer") from None
        if page < 1:
            raise QueryParameterError("page parameter must be a positive integer")
        if page * per_page > MAX_PAGED_RESULTS:
            raise QueryParameterError(
                "Maximum results size of 10,000 records is exceeded. "
                "Cursor pagination is required for records beyond 10,000."
            )
        meta["page"] = page
        chunk = items[(page - 1) * per_page : page * per_page]
    meta["groups_count"] = None
    if collection == "works":
        chunk = [truncate_authorships(w) for w in chunk]
    results = [select_fields(e, params.get("select")) for e in chunk]
    meta["db_response_time_ms"] = int((time.perf_counter() - started) * 1000)
    return {"meta": meta, "results": results, "group_by": []}
