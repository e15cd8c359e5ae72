"""Anonymous visitors' profile pages, served from the cache (Redis) while nothing they show
has changed.

Rendering a full profile costs tens of milliseconds of template work; nearly all traffic to
a public profile is anonymous and sees the same page. So the view asks :func:`lookup` first:
one raw SQL statement reads a **version stamp** of everything the anonymous page shows, and
one cache GET fetches the page stored under that stamp. A hit skips every other query and
the template rendering.

The stamp changes with:

* the researcher row (any UPDATE: imports, owner edits of bio, name or the collaborate
  flag), read as PostgreSQL's row version ``xmin``;
* the current trust snapshot;
* for each table whose rows the page shows or counts (follows, co-author edges,
  authorships and the works they point to, hidden works, claims, owner corrections,
  affiliations, topics): the number of the researcher's rows and their highest ``xmin``,
  so any insert, update or delete moves it.

What the stamp does not see (an institution or topic renamed in OpenAlex, for instance) is
bounded by :data:`CACHE_SECONDS` (setting ``PROFILE_PAGE_CACHE_SECONDS``; 0 turns the cache
off). Signed-in visitors always get a fresh render: their page shows their own follow and
claim state. Pages with pending messages are not cached or served from cache either.

The stored HTML is rendered with a placeholder for the CSRF token, which every answer
replaces with the current visitor's own token (it sits on ``<body hx-headers>``).

Whoever adds something to the anonymous profile page that none of the above covers must add
it to :data:`STAMP_SQL` (tests/profiles/test_page_cache.py changes each input and expects
the page to follow).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string

CACHE_SECONDS = 600
KEY_VERSION = "1"
TOKEN_PLACEHOLDER = "@@csrf-token-of-the-visitor@@"  # noqa: S105 (a marker, not a secret)


def _rows(table: str, alias: str, where: str, xmin_of: str | None = None) -> str:
    """``count:max-xmin`` of the researcher's rows in ``table`` (``xmin_of``: the alias whose
    row versions count, when ``alias`` holds a join condition)."""
    return (
        f"(SELECT count(*) || ':' || coalesce(max(({xmin_of or alias}.xmin)::text::bigint), 0) "
        f"FROM {table} {alias} WHERE {where})"
    )


STAMP_SQL = f"""
SELECT r.id, concat_ws('|',
    r.xmin::text,
    coalesce((SELECT t.id FROM graph_trustsnapshot t WHERE t.researcher_id = r.id AND t.is_current), 0),
    {_rows("profiles_follow", "f", "f.researcher_id = r.id")},
    {_rows("graph_coauthoredge", "e", "e.researcher_a_id = r.id OR e.researcher_b_id = r.id")},
    {_rows("works_authorship a JOIN works_work", "w ON w.id = a.work_id", "a.researcher_id = r.id", "w")},
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
    html: str | None


def cache_seconds() -> int:
    return int(getattr(settings, "PROFILE_PAGE_CACHE_SECONDS", CACHE_SECONDS))


def applies(request: HttpRequest) -> bool:
    """Anonymous GET without pending messages (they are shown once, then gone)."""
    return cache_seconds() > 0 and not request.user.is_authenticated and len(get_messages(request)) == 0


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
        f"{connection.settings_dict['NAME']}\n{row[1]}\n{request.get_full_path()}".encode(), digest_size=16
    ).hexdigest()
    key = _key(openalex_id, digest)
    html = _redis().get(key)
    return Lookup(key, html.decode() if isinstance(html, bytes) else html)


def respond(request: HttpRequest, html: str) -> HttpResponse:
    """A stored (or just stored) page with this visitor's CSRF token put in."""
    return HttpResponse(html.replace(TOKEN_PLACEHOLDER, get_token(request)))


def render_and_store(request: HttpRequest, key: str, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render the anonymous page with a placeholder for the CSRF token, keep it under
    ``key``, and answer with the visitor's token in place."""
    html = render_to_string(template, {**context, "csrf_token": TOKEN_PLACEHOLDER}, request)
    _redis().set(key, html.encode(), ex=cache_seconds())
    return respond(request, html)
