"""A small OpenAlex-compatible HTTP server for the demo and the tests: a fake of api.openalex.org.

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

    with OpenAlexFakeServer(["demo/openalex"]) as server:
        server.faults.add(path_prefix="/works", status=429, times=2, retry_after=1)
        requests.get(f"{server.url}/authors/A5000000001")

From a shell (``manage.py serve_openalex`` takes the same options)::

    python -m openalex_fake demo/openalex --port 8765 [--host 127.0.0.1] [--quiet]

Independent on purpose
----------------------

This package depends on nothing of ours: only the standard library (no Django, no module of
BZPEER's apps), and it is not a Django app. It therefore repeats a few helpers the product also
has: reading OpenAlex keys (``short_key``), normalising ORCID iDs and DOIs, and folding names
for search (``fold_text``). That is deliberate. The fake stands in for OpenAlex when the
product's import is tested; a fake that imported the code under test would agree with its bugs
(a DOI normalised wrongly on both sides would still match) and the tests could not catch them.
Where the two should agree, a test pins them together instead
(``tests/openalex_fake/test_ids.py``).

Modules, one concern each:

* ``ids``: OpenAlex keys and the other id forms, text folding for search;
* ``store``: loading files into the in-memory store (``OpenAlexStore``, ``OpenAlexLoadError``);
* ``query``: filters, search, sorting, paging, list responses;
* ``faults``: fault injection and the request log;
* ``server``: the HTTP server (``OpenAlexFakeServer``) and ``serve``/``main``, the foreground
  entry point of ``python -m openalex_fake`` and ``manage.py serve_openalex``.
"""

from __future__ import annotations

from openalex_fake.faults import Fault, FaultInjector, Headers, RecordedRequest, RequestLog
from openalex_fake.ids import (
    COLLECTIONS,
    ENTITY_TYPES,
    OPENALEX_PREFIX,
    fold_text,
    normalize_doi,
    normalize_orcid,
    parse_lookup_id,
    short_key,
)
from openalex_fake.query import QueryParameterError, build_list_response
from openalex_fake.server import DESCRIPTION, OpenAlexFakeServer, ServeError, add_arguments, main, serve
from openalex_fake.store import LoadReport, OpenAlexLoadError, OpenAlexStore

__all__ = [
    "COLLECTIONS",
    "DESCRIPTION",
    "ENTITY_TYPES",
    "OPENALEX_PREFIX",
    "Fault",
    "FaultInjector",
    "Headers",
    "LoadReport",
    "OpenAlexFakeServer",
    "OpenAlexLoadError",
    "OpenAlexStore",
    "QueryParameterError",
    "RecordedRequest",
    "RequestLog",
    "ServeError",
    "add_arguments",
    "build_list_response",
    "fold_text",
    "main",
    "normalize_doi",
    "normalize_orcid",
    "parse_lookup_id",
    "serve",
    "short_key",
]
