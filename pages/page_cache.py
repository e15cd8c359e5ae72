"""Anonymous visitors' profile pages, served from the cache (Redis) while nothing they show
has changed.

Rendering a full profile costs 10–20 ms of queries and template work; nearly all traffic to
a public profile is anonymous and sees the same page. So the view asks :func:`lookup` first:
one raw SQL statement reads a **version stamp** of everything the anonymous page shows, and
one cache GET fetches the page stored under that stamp. A hit skips every other query and
the template rendering.

The stamp is cheap on purpose (index lookups of a few rows; about 0.2 ms on 1,000,000
works): it changes with

* the researcher row (any UPDATE: imports of the author record, owner edits of bio, name or
  the collaborate flag), read as PostgreSQL's row version ``xmin``;
* the current trust snapshot;
* for each small table the page reads per researcher (follows, hidden works, claims, owner
  corrections, affiliations, topics): the number of the researcher's rows and their highest
  ``xmin``, so any insert, update or delete moves it.

Works, authorships and co-author edges are not read row by row (a prolific author has
thousands; reading them cost ten times the rest of the stamp). New works and new co-authors
reach the page through the trust snapshot instead: every import recomputes the trust of the
researchers it touched (graph.tasks.refresh_after_import), and the works count, their years and the
co-author count are trust inputs, so the snapshot changes with them. What neither sees (a
work's title corrected in OpenAlex, an institution renamed, a co-author's second shared
work on a work already listed) is bounded by :data:`CACHE_SECONDS` (setting
``PROFILE_PAGE_CACHE_SECONDS``; 0 turns the cache off). Signed-in visitors always get a
fresh render: their page shows their own follow and claim state. Pages with pending
messages are neither cached nor served from cache.

Keys also carry a digest of the templates and of the code of every app the page reads
(:data:`PAGE_CODE_FOLDERS`), so a release that changes the page never serves what the
previous one rendered.

The stored HTML is rendered with a placeholder for the CSRF token (it sits on ``<body
hx-headers>``), which every answer replaces with the visitor's own token, or with nothing
for a visitor who has none yet (see :func:`respond`).

Whoever adds something to the anonymous profile page that none of the above covers must add
it to :data:`STAMP_SQL` (tests/pages/test_page_cache.py changes each input and expects
the page to follow).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers

CACHE_SECONDS = 600
KEY_VERSION = "1"
TOKEN_PLACEHOLDER = "@@csrf-token-of-the-visitor@@"  # noqa: S105 (a marker, not a secret)
_PLACEHOLDER_BYTES = TOKEN_PLACEHOLDER.encode()


def _rows(table: str, alias: str, where: str) -> str:
    """``count:max-xmin`` of the researcher's rows in ``table``."""
    return (
        f"(SELECT count(*) || ':' || coalesce(max(({alias}.xmin)::text::bigint), 0) FROM {table} {alias} WHERE {where})"
    )


STAMP_SQL = f"""
SELECT r.id, concat_ws('|',
    r.xmin::text,
    coalesce((SELECT t.id FROM graph_trustsnapshot t WHERE t.researcher_id = r.id AND t.is_current), 0),
    {_rows("profiles_follow", "f", "f.researcher_id = r.id")},
    {_rows("works_hiddenwork", "h", "h.researcher_id = r.id")},
    {_rows("profiles_claim", "c", "c.researcher_id = r.id")},
    {_rows("profiles_profilecorrection", "p", "p.researcher_id = r.id")},
    {_rows("profiles_researcheraffiliation", "ra", "ra.researcher_id = r.id")},
    {_rows("profiles_researchertopic", "rt", "rt.researcher_id = r.id")}
)
FROM profiles_researcher r
WHERE r.openalex_id = %s AND r.record_status <> 'deleted'
"""


@dataclass(frozen=True)
class Lookup:
    """Where the page for this request lives in the cache, and the page if it is there."""

    key: str
    html: bytes | None  # UTF-8, as stored


def cache_seconds() -> int:
    return int(getattr(settings, "PROFILE_PAGE_CACHE_SECONDS", CACHE_SECONDS))


def applies(request: HttpRequest) -> bool:
    """Anonymous GET without pending messages (they are shown once, then gone)."""
    if cache_seconds() <= 0:
        return False
    if settings.SESSION_COOKIE_NAME not in request.COOKIES and CookieStorage.cookie_name not in request.COOKIES:
        return True  # no session and no messages cookie: anonymous, nothing pending
    return not request.user.is_authenticated and len(get_messages(request)) == 0


_PREPARED_FLAG = "_bzpeer_profile_stamp_prepared"
_PREPARE_SQL = "PREPARE profile_page_stamp(text) AS " + STAMP_SQL.replace("%s", "$1")


def _stamp(openalex_id: str) -> tuple[int, str] | None:
    """The stamp row, through a statement prepared once per database connection: planning
    its subqueries costs more than running them. (Django leaves psycopg's own statement
    preparing off, for connection poolers in transaction mode; BZPEER talks to PostgreSQL
    directly. Put such a pooler in front and this must go.)"""
    with connection.cursor() as cursor:
        raw = connection.connection
        if not getattr(raw, _PREPARED_FLAG, False):
            # Connection set-up, like Django's own: straight to psycopg, outside the query log.
            raw.execute(_PREPARE_SQL)
            setattr(raw, _PREPARED_FLAG, True)
        cursor.execute("EXECUTE profile_page_stamp(%s)", [openalex_id])
        return cursor.fetchone()


# Every folder whose code or templates shape the profile page: the templates, this app, and
# every app it composes (pages reads profiles, works, claims and graph, which stand on core)
# with the shared plumbing. A new app the page reads goes here too
# (tests/pages/test_page_cache.py checks the apps).
PAGE_CODE_FOLDERS = ("templates", "bzpeer", "core", "profiles", "works", "claims", "graph", "pages")


@functools.cache
def _code_version() -> str:
    """A digest of the templates and of the code of every app the page reads, read once per
    process: a deploy that changes how the page looks, what it reads or which static files it
    links does not serve pages rendered by the previous release."""
    digest = hashlib.blake2b(digest_size=8)
    roots = [Path(settings.BASE_DIR) / folder for folder in PAGE_CODE_FOLDERS]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.suffix in (".html", ".py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def _redis() -> redis.Redis:
    """One client per process: Django's RedisCache builds a client object for every call,
    which costs more than the GET itself on this path. Values are the page's UTF-8 bytes."""
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


def _key(openalex_id: str, digest: str) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:profile-page:{KEY_VERSION}:{openalex_id}:{digest}"


def lookup(request: HttpRequest, openalex_id: str) -> Lookup | None:
    """The cache key of the anonymous page of ``openalex_id`` for this URL, and the cached
    page under it. 1 query and 1 Redis GET. None when the id names no current record (the
    view then answers as usual: alias redirect, 404 or 410)."""
    row = _stamp(openalex_id)
    if row is None:
        return None
    # The full path: the query string selects the works page and filter, and the header's
    # "Log in" link carries it back. The database name keeps test and demo databases apart.
    digest = hashlib.blake2b(
        f"{connection.settings_dict['NAME']}\n{_code_version()}\n{row[1]}\n{request.get_full_path()}".encode(),
        digest_size=16,
    ).hexdigest()
    key = _key(openalex_id, digest)
    html = _redis().get(key)
    return Lookup(key, html if isinstance(html, bytes) else None)


def respond(request: HttpRequest, html: bytes) -> HttpResponse:
    """A stored (or just stored) page with this visitor's CSRF token put in, when they have
    one. An anonymous profile has nothing to post (following and claiming are links to log
    in), so a first-time visitor gets no token and no cookie: making one costs a tenth of a
    cache hit. The log-in and sign-up forms hand it out."""
    token = get_token(request).encode() if settings.CSRF_COOKIE_NAME in request.COOKIES else b""
    response = HttpResponse(html.replace(_PLACEHOLDER_BYTES, token))
    # Rendered for visitors without a session: a shared cache must not give it to others.
    patch_vary_headers(response, ("Cookie",))
    return response


def render_and_store(request: HttpRequest, key: str, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render the anonymous page with a placeholder for the CSRF token, keep it under
    ``key``, and answer with the visitor's token in place."""
    html = render_to_string(template, {**context, "csrf_token": TOKEN_PLACEHOLDER}, request).encode()
    _redis().set(key, html, ex=cache_seconds())
    return respond(request, html)
