"""A small OpenAlex-compatible HTTP server for the demo and the tests (stdlib only).

It serves a folder of OpenAlex JSON under the API's paths so the importer is exercised through
real HTTP, the way it talks to api.openalex.org:

* ``GET /{authors,works,institutions,topics,sources,concepts,funders,publishers}/{id}``: one
  entity. ``id`` may be the short key (``A5023888391``), the full URL
  (``https://openalex.org/A5023888391``, URL-encoded or not), ``openalex:A…``; for authors
  ``orcid:0000-…`` or ``https://orcid.org/0000-…``; for works ``doi:10.…`` or
  ``https://doi.org/10.…`` (DOIs compare case-insensitively); ``mag:``/``pmid:``/``ror:`` where
  the records carry them. A merged id (see the merged-ids CSV) answers 301 with
  ``Location: http://<Host header>/{entity}/{survivor}`` (query string kept; chains followed);
  an unknown id answers 404 with ``{"error": ..., "message": ...}``.
* Unknown filter fields, unknown parameters (``group_by``, ``sample`` ... are not
  implemented), bad ``per-page``/``page``/``cursor`` answer 400 with
  ``{"error": "Invalid query parameters error.", "message": ...}`` (pyalex raises QueryError).
  ``api_key``, ``mailto`` and ``email`` are accepted and ignored (see the request log).
* ``GET /{entity}``: a list ``{"meta": ..., "results": [...], "group_by": []}`` with
  ``filter=`` (``,`` = AND, ``|`` = OR inside a value, ``!`` = NOT), ``search=``, ``sort=``,
  ``select=``, ``per-page``/``per_page`` (1..200), ``page=`` or ``cursor=`` paging.

Ordering (stable, documented contract): works newest first by ``publication_date`` (missing
dates last), ties by id; every other entity by id (numeric order of the key). With ``search=``
results are ordered by ``relevance_score`` (added to each result, as the API does) and then as
above. ``sort=field[:asc|:desc],...`` on top-level fields overrides both.

Lists of works cap ``authorships`` at 100 and set ``is_authors_truncated: true`` when a work
has more, like OpenAlex; the single-work route returns every authorship.

For tests: ``server.faults`` injects 429/5xx/custom error bodies, delays and dropped
connections; ``server.requests`` records every request (method, path, query, headers, status).

Usage::

    with OpenAlexTestServer(["demo/openalex"]) as server:
        server.faults.add(path_prefix="/works", status=429, times=2, retry_after=1)
        requests.get(f"{server.url}/authors/A5000000001")
"""

from __future__ import annotations

import base64
import binascii
import csv
import gzip
import io
import json
import math
import re
import socket
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, unquote_plus

OPENALEX_PREFIX = "https://openalex.org/"

# Id prefix letter -> API collection name.
ENTITY_TYPES: dict[str, str] = {
    "A": "authors",
    "W": "works",
    "I": "institutions",
    "T": "topics",
    "S": "sources",
    "C": "concepts",
    "F": "funders",
    "P": "publishers",
}
COLLECTIONS: dict[str, str] = {name: letter for letter, name in ENTITY_TYPES.items()}

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

_KEY_RE = re.compile(r"^([A-Za-z])(\d+)$")
_JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}


class OpenAlexLoadError(ValueError):
    """A file could not be read as OpenAlex JSON; the message names the file (and line)."""


# --- identifiers ------------------------------------------------------------------------


def short_key(value: str | None) -> str | None:
    """``https://openalex.org/A123`` / ``openalex:A123`` / ``a123`` -> ``A123``; else None."""
    if not value:
        return None
    text = value.strip()
    for prefix in (OPENALEX_PREFIX, "http://openalex.org/", "openalex:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
            break
    match = _KEY_RE.match(text)
    return f"{match.group(1).upper()}{match.group(2)}" if match else None


def normalize_orcid(value: str | None) -> str | None:
    """ORCID URL or ``orcid:`` form -> bare ``0000-0002-1825-0097`` (upper-case X)."""
    if not value:
        return None
    text = value.strip()
    for prefix in ("https://orcid.org/", "http://orcid.org/", "orcid:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
            break
    return text.upper() or None


def normalize_doi(value: str | None) -> str | None:
    """DOI URL or ``doi:`` form -> bare lower-case ``10.…``."""
    if not value:
        return None
    text = value.strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
            break
    return text.lower() or None


def _normalize_ror(value: str | None) -> str | None:
    if not value:
        return None
    text = value.strip()
    for prefix in ("https://ror.org/", "http://ror.org/", "ror:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
            break
    return text.lower() or None


def _normalize_tail(value: str | None) -> str | None:
    """pmid/mag/pmcid values: keep the last path segment (``…/pubmed/123`` -> ``123``)."""
    if value is None:
        return None
    text = str(value).strip().rstrip("/")
    return text.rsplit("/", 1)[-1].lower() or None


_SCHEME_NORMALIZERS = {
    "orcid": normalize_orcid,
    "doi": normalize_doi,
    "ror": _normalize_ror,
    "pmid": _normalize_tail,
    "pmcid": _normalize_tail,
    "mag": _normalize_tail,
}


def parse_lookup_id(raw: str) -> tuple[str, str] | None:
    """Classify an id from a URL path: ``("openalex", "A1")``, ``("orcid", "0000-…")``, …

    Returns None when the form is not recognised (the caller answers 404).
    """
    text = raw.strip()
    lower = text.lower()
    key = short_key(text)
    if key:
        return ("openalex", key)
    if lower.startswith(("https://orcid.org/", "http://orcid.org/", "orcid:")):
        return ("orcid", normalize_orcid(text) or "")
    if lower.startswith(("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")):
        return ("doi", normalize_doi(text) or "")
    if lower.startswith(("https://ror.org/", "http://ror.org/", "ror:")):
        return ("ror", _normalize_ror(text) or "")
    for scheme in ("pmid", "pmcid", "mag"):
        if lower.startswith(scheme + ":"):
            return (scheme, _normalize_tail(text[len(scheme) + 1 :]) or "")
    return None


def _external_ids(entity: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(scheme, normalised value) pairs an entity can be looked up by, besides its key."""
    raw_ids = entity.get("ids")
    ids: Mapping[str, Any] = raw_ids if isinstance(raw_ids, dict) else {}
    for scheme, normalizer in _SCHEME_NORMALIZERS.items():
        for value in (entity.get(scheme), ids.get(scheme)):
            if isinstance(value, str | int):
                normalized = normalizer(str(value))
                if normalized:
                    yield (scheme, normalized)


def _id_sort_key(key: str) -> tuple[str, int]:
    match = _KEY_RE.match(key)
    return (key[0], int(match.group(2))) if match else (key, 0)


# Letters NFKD does not decompose into a base letter plus accent.
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
)


def fold_text(text: str) -> str:
    """Case- and accent-insensitive form used by ``search``: 'Müller-Łukasz' -> 'muller lukasz'."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.translate(_UNDECOMPOSED)
    return " ".join(re.sub(r"[^\w]+", " ", stripped.casefold()).split())


# --- loading ----------------------------------------------------------------------------


@dataclass
class LoadReport:
    """What a load call read: counts, and the skipped items with the reason."""

    files: int = 0
    entities: int = 0
    merged_ids: int = 0
    skipped: list[str] = field(default_factory=list)

    def merge(self, other: LoadReport) -> None:
        self.files += other.files
        self.entities += other.entities
        self.merged_ids += other.merged_ids
        self.skipped.extend(other.skipped)


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")  # noqa: SIM115 - returned to the caller's `with`


def _is_merged_csv(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(".csv") or name.endswith(".csv.gz")


def _is_data_file(path: Path) -> bool:
    if path.name.startswith("."):
        return False
    suffixes = [s.lower() for s in path.suffixes]
    if not suffixes:
        return False
    return suffixes[-1] in _JSON_SUFFIXES | {".gz"} or _is_merged_csv(path)


def iter_json_documents(path: Path) -> Iterator[Any]:
    """Yield the JSON documents of a file: one for a JSON file, one per line for JSON Lines.

    Raises OpenAlexLoadError naming the file (and the line for JSON Lines).
    """
    try:
        with _open_text(path) as handle:
            text = handle.read()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise OpenAlexLoadError(f"{path}: cannot read: {exc}") from exc
    stripped = text.strip()
    if not stripped:
        return
    try:
        yield json.loads(stripped)
        return
    except json.JSONDecodeError as exc:
        whole_error = exc
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(lines) < 2:
        raise OpenAlexLoadError(f"{path}: invalid JSON: {whole_error}") from whole_error
    for number, line in lines:
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            raise OpenAlexLoadError(f"{path}, line {number}: invalid JSON: {exc}") from exc


def iter_entities(document: Any) -> Iterator[Any]:
    """Entities in a JSON document: itself, an API list's ``results``, or a JSON array."""
    if isinstance(document, list):
        for item in document:
            yield from iter_entities(item)
    elif isinstance(document, dict) and isinstance(document.get("results"), list):
        yield from document["results"]
    else:
        yield document


def read_merged_ids(path: Path) -> list[tuple[str, str]]:
    """(old key, surviving key) rows of an OpenAlex ``merge_date,id,merge_into_id`` CSV."""
    rows: list[tuple[str, str]] = []
    try:
        with _open_text(path) as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"id", "merge_into_id"} <= set(reader.fieldnames):
                raise OpenAlexLoadError(f"{path}: not a merged-ids CSV (need id,merge_into_id)")
            for number, row in enumerate(reader, 2):
                old, new = short_key(row.get("id")), short_key(row.get("merge_into_id"))
                if not old or not new:
                    raise OpenAlexLoadError(f"{path}, line {number}: bad ids {row!r}")
                rows.append((old, new))
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise OpenAlexLoadError(f"{path}: cannot read: {exc}") from exc
    return rows


# --- the store --------------------------------------------------------------------------


class OpenAlexStore:
    """In-memory OpenAlex entities with the API's lookups. Thread-safe.

    Adding an entity whose id is already held replaces it (later files win).
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._entities: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in COLLECTIONS}
        self._external: dict[tuple[str, str, str], str] = {}
        self._merged: dict[str, str] = {}

    # loading

    def add_entity(self, entity: Mapping[str, Any]) -> str:
        """Add or replace one entity; returns its short key. ValueError if the id is unusable."""
        key = short_key(entity.get("id")) if isinstance(entity, Mapping) else None
        if not key or key[0] not in ENTITY_TYPES:
            raise ValueError(
                f"not an OpenAlex entity id: {entity.get('id')!r}"
                if isinstance(entity, Mapping)
                else "not a JSON object"
            )
        collection = ENTITY_TYPES[key[0]]
        record = json.loads(json.dumps(entity))  # private deep copy: callers may mutate theirs
        with self._lock:
            previous = self._entities[collection].get(key)
            if previous is not None:
                for scheme, value in _external_ids(previous):
                    if self._external.get((collection, scheme, value)) == key:
                        del self._external[(collection, scheme, value)]
            self._entities[collection][key] = record
            for scheme, value in _external_ids(record):
                self._external[(collection, scheme, value)] = key
        return key

    def add_merged_id(self, old: str, new: str) -> None:
        """Make ``old`` answer 301 to ``new`` (both short keys or URLs)."""
        old_key, new_key = short_key(old), short_key(new)
        if not old_key or not new_key:
            raise ValueError(f"bad merged id pair {old!r} -> {new!r}")
        with self._lock:
            self._merged[old_key] = new_key

    def load(self, source: str | Path | Mapping[str, Any] | list[Any]) -> LoadReport:
        """Load a folder (recursively, sorted), a file, an entity dict or a list response."""
        if isinstance(source, Mapping | list):
            return self._load_document(source, "<object>")
        path = Path(source)
        if path.is_dir():
            report = LoadReport()
            for child in sorted(p for p in path.rglob("*") if p.is_file() and _is_data_file(p)):
                report.merge(self._load_file(child))
            return report
        if not path.exists():
            raise OpenAlexLoadError(f"{path}: no such file or folder")
        return self._load_file(path)

    def _load_file(self, path: Path) -> LoadReport:
        if _is_merged_csv(path):
            rows = read_merged_ids(path)
            for old, new in rows:
                self.add_merged_id(old, new)
            return LoadReport(files=1, merged_ids=len(rows))
        report = LoadReport(files=1)
        for document in iter_json_documents(path):
            report.merge(self._load_document(document, str(path)))
        report.files = 1
        return report

    def _load_document(self, document: Any, origin: str) -> LoadReport:
        report = LoadReport()
        for entity in iter_entities(document):
            if isinstance(entity, dict) and "error" in entity and "id" not in entity:
                report.skipped.append(f"{origin}: error body {entity.get('error')!r}")
                continue
            try:
                self.add_entity(entity)
            except ValueError as exc:
                report.skipped.append(f"{origin}: {exc}")
                continue
            report.entities += 1
        return report

    # reading

    def count(self, collection: str | None = None) -> int:
        with self._lock:
            if collection:
                return len(self._entities[collection])
            return sum(len(v) for v in self._entities.values())

    def all(self, collection: str) -> list[dict[str, Any]]:
        """A snapshot of the collection's records (the records themselves: do not mutate)."""
        with self._lock:
            return list(self._entities[collection].values())

    def resolve(self, collection: str, raw_id: str) -> tuple[str, str | None]:
        """Look up an id form.

        Returns ("found", key), ("merged", surviving key) or ("missing", None).
        """
        parsed = parse_lookup_id(raw_id)
        if parsed is None:
            return ("missing", None)
        scheme, value = parsed
        with self._lock:
            if scheme == "openalex":
                if value[0] != COLLECTIONS[collection]:
                    return ("missing", None)
                if value in self._entities[collection]:
                    return ("found", value)
                survivor = self._follow_merges(value)
                return ("merged", survivor) if survivor else ("missing", None)
            key = self._external.get((collection, scheme, value))
            return ("found", key) if key else ("missing", None)

    def _follow_merges(self, key: str) -> str | None:
        seen = {key}
        current = self._merged.get(key)
        while current is not None and current in self._merged and current not in seen:
            seen.add(current)
            current = self._merged[current]
        return current

    def get(self, collection: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            return self._entities[collection].get(key)


# --- filters, search, paging --------------------------------------------------------------


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
        "ror": lambda e, v: _normalize_ror(e.get("ror")) == _normalize_ror(v),
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
    key = _id_sort_key(short_key(entity.get("id")) or "")
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


# --- faults and request log -------------------------------------------------------------


@dataclass
class Fault:
    """One injected misbehaviour for requests whose path starts with ``path_prefix``.

    ``status`` None means "answer normally" (use with ``delay``). ``times`` None = forever.
    ``disconnect`` closes the connection without an answer (after ``delay``).
    """

    path_prefix: str = "/"
    status: int | None = None
    times: int | None = 1
    retry_after: int | float | str | None = None
    delay: float = 0.0
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    disconnect: bool = False
    hits: int = 0

    def error_body(self) -> Any:
        if self.body is not None:
            return self.body
        try:
            reason = HTTPStatus(self.status or 500).phrase
        except ValueError:
            reason = "Error"
        return {"error": f"{self.status} {reason}", "message": "Injected by the test server."}


class FaultInjector:
    """Ordered, thread-safe fault queue: the first pending fault whose prefix matches fires."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        path_prefix: str = "/",
        status: int | None = None,
        times: int | None = 1,
        retry_after: int | float | str | None = None,
        delay: float = 0.0,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        disconnect: bool = False,
    ) -> Fault:
        """Queue a fault and return it (its ``hits`` counts how often it fired)."""
        if status is None and not delay and not disconnect:
            raise ValueError("a fault needs a status, a delay or disconnect=True")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None (forever)")
        fault = Fault(
            path_prefix=path_prefix,
            status=status,
            times=times,
            retry_after=retry_after,
            delay=delay,
            body=body,
            headers=dict(headers or {}),
            disconnect=disconnect,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, path: str) -> Fault | None:
        """Consume one use of the first matching fault (matched on the raw and decoded path)."""
        decoded = unquote(path)
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.path_prefix) or decoded.startswith(fault.path_prefix):
                    fault.hits += 1
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
        return None


class Headers(dict[str, str]):
    """Request headers with case-insensitive lookup (keys stored lower-case)."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__((k.lower(), v) for k, v in items)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received. ``path`` is decoded and without the query string;
    ``raw_path`` is the request target exactly as sent; ``query`` is decoded (last value wins);
    ``status`` is what the server answered (None for a dropped connection)."""

    method: str
    path: str
    raw_path: str
    query: dict[str, str]
    headers: Headers
    status: int | None
    time: float


class RequestLog:
    """Thread-safe list of RecordedRequest, oldest first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def append(self, item: RecordedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[RecordedRequest]:
        with self._lock:
            return iter(list(self._items))

    def __getitem__(self, index: int) -> RecordedRequest:
        with self._lock:
            return self._items[index]

    def matching(self, path_prefix: str) -> list[RecordedRequest]:
        """Requests whose decoded path starts with ``path_prefix``."""
        return [r for r in self if r.path.startswith(path_prefix)]

    @property
    def paths(self) -> list[str]:
        """Raw request targets (path and query), in order."""
        return [r.raw_path for r in self]


# --- HTTP ----------------------------------------------------------------------------------


_ENTITY_PATH_RE = re.compile(r"^/(?P<collection>[a-z]+)(?:/(?P<id>.+?))?/?$")


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, keep-alive clients wait ~40 ms
    # for a delayed ACK on every response.
    disable_nagle_algorithm = True
    server_version = "BzpeerOpenAlex/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.owner.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        owner = self.server.owner
        raw_path, _, query_string = self.path.partition("?")
        try:
            fault = owner.faults.take(raw_path)
            if fault and fault.delay and owner._stopping.wait(fault.delay):
                return
            if fault and fault.disconnect:
                self._record(raw_path, query_string, None)
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault and fault.status is not None:
                headers = dict(fault.headers)
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(fault.retry_after)
                status, body = fault.status, fault.error_body()
            else:
                try:
                    status, body, headers = owner.respond(raw_path, query_string, self.headers.get("Host"))
                except Exception as exc:  # a bug here must reach the client as a 500, not a hang
                    self.log_error("internal error on %s: %r", self.path, exc)
                    status, body, headers = 500, {"error": "Internal server error", "message": repr(exc)}, {}
            # Record before answering: a client that has its answer may assert on the log.
            self._record(raw_path, query_string, status)
            self._send_json(status, body, headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. its timeout fired)

    def _record(self, raw_path: str, query_string: str, status: int | None) -> None:
        self.server.owner.requests.append(
            RecordedRequest(
                method="GET",
                path=unquote(raw_path),
                raw_path=self.path,
                query=parse_query_string(query_string)[0],
                headers=Headers(self.headers.items()),
                status=status,
                time=time.time(),
            )
        )

    def _not_allowed(self) -> None:
        self._send_json(405, {"error": "Method not allowed", "message": "This test server only answers GET."}, {})

    do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed  # noqa: N815

    def _send_json(self, status: int, body: Any, headers: Mapping[str, str]) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: OpenAlexTestServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)


def _error(status: int, error: str, message: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    return status, {"error": error, "message": message}, {}


class OpenAlexTestServer:
    """An OpenAlex-compatible server over a store; a context manager running in a thread.

    ``sources``: paths (folders, files) and/or entity dicts / list responses, loaded in order
    (later records with the same id replace earlier ones). ``port=0`` picks a free port.
    """

    def __init__(
        self,
        sources: Iterable[str | Path | Mapping[str, Any]] | str | Path | Mapping[str, Any] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        verbose: bool = False,
    ) -> None:
        self.store = OpenAlexStore()
        self.faults = FaultInjector()
        self.requests = RequestLog()
        self.verbose = verbose
        self.load_report = LoadReport()
        if isinstance(sources, str | Path | Mapping):
            sources = [sources]
        for source in sources or []:
            self.load_report.merge(self.store.load(source))
        self._stopping = threading.Event()
        self._httpd = _HTTPServer((host, port), self)
        self._thread: threading.Thread | None = None

    # data

    def add_entity(self, entity: Mapping[str, Any]) -> str:
        """Add or replace an entity while running; returns its short key."""
        return self.store.add_entity(entity)

    def add_merged_id(self, old: str, new: str) -> None:
        self.store.add_merged_id(old, new)

    def load(self, source: str | Path | Mapping[str, Any]) -> LoadReport:
        report = self.store.load(source)
        self.load_report.merge(report)
        return report

    # lifecycle

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``http://127.0.0.1:40123``."""
        host = self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def start(self) -> OpenAlexTestServer:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"openalex-server-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until KeyboardInterrupt or stop()."""
        try:
            self._httpd.serve_forever()
        finally:
            self._stopping.set()
            self._httpd.server_close()

    def stop(self) -> None:
        """Stop serving and free the port; pending delayed answers are abandoned."""
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> OpenAlexTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # routing

    def respond(
        self, raw_path: str, query_string: str, host_header: str | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        """(status, JSON body, extra headers) for ``GET raw_path?query_string``."""
        if raw_path in ("", "/"):
            return (
                200,
                {
                    "documentation_url": "https://docs.openalex.org",
                    "msg": "BZPEER's local OpenAlex-compatible test server",
                    "version": "0.0.1",
                },
                {},
            )
        match = _ENTITY_PATH_RE.match(raw_path)
        if not match or match.group("collection") not in COLLECTIONS:
            return _error(404, "Not found", f"{unquote(raw_path)} is not a valid endpoint.")
        collection = match.group("collection")
        if match.group("id") is None:
            try:
                return 200, build_list_response(self.store, collection, query_string), {}
            except QueryParameterError as exc:
                return _error(400, QUERY_ERROR, str(exc))
        raw_id = unquote(match.group("id"))
        outcome, key = self.store.resolve(collection, raw_id)
        if outcome == "merged":
            location = f"/{collection}/{key}" + (f"?{query_string}" if query_string else "")
            if host_header:
                location = f"http://{host_header}{location}"
            return (
                301,
                {"message": f"{raw_id} was merged into {key}", "redirect_to": f"{OPENALEX_PREFIX}{key}"},
                {"Location": location},
            )
        entity = self.store.get(collection, key) if key else None
        if entity is None:
            return _error(404, "Not found", f"No {collection[:-1]} with the id {raw_id!r} was found.")
        params, _ = parse_query_string(query_string)
        return 200, select_fields(entity, params.get("select")), {}
