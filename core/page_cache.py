"""Pages (and feeds) that everyone sees alike, served from the cache (Redis) while nothing
they show has changed: the mechanism; each app that caches a page defines its stamp
(pages/page_cache.py: the anonymous profile and work pages; following/feeds.py: a
researcher's Atom feed).

Rendering a full profile costs 10–20 ms of queries and template work; nearly all traffic to
public pages is anonymous and sees the same page. So the view asks :func:`lookup` first:
one prepared SQL statement reads a **version stamp** of everything the page shows, and one
cache GET fetches the page stored under that stamp. A hit skips every other query and the
rendering. Each kind of page is a :class:`CachedPage`: its name and its stamp statement; the
rest (keys, code digest, storage, the CSRF token) is shared, here.

What a stamp does not see is bounded by :data:`CACHE_SECONDS` (setting
``PAGE_CACHE_SECONDS``; 0 turns the cache off).

Signed-in visitors get the same stored page as anonymous ones, with the **viewer parts**
filled in for them (:func:`respond`'s ``fill``). A page is always rendered and stored as the
anonymous visitor sees it (:func:`anonymous_request`), and the template marks each region
that depends on the viewer (the header, the follow box, the claim and collaboration cards...)
with ``{% viewer_part "name" %}...{% endviewer_part %}`` (core/templatetags/viewer_parts.py):
the stored page carries a second random marker around each such region and its name. An
anonymous visitor gets the anonymous regions; a signed-in one gets what the view's ``fill``
renders for them from one read of everything about (viewer, page), in place of each region.
So nothing of one viewer is ever stored, and the page a viewer gets holds no region that was
not rendered for them: a region the fill does not answer is an error, never the anonymous
one. Pages with pending messages are neither cached nor served from cache. (A feed shows the
same to everyone and is cached for every request.)

The cache only ever saves time: when Redis fails (down, restarting, too slow for the
cache's timeouts), the lookup has no key and no page, the view renders as if the cache were
off and stores nothing, and the failure is logged. The client reconnects by itself, so the
first request after Redis is back stores again; nothing needs restarting.

Keys also carry a digest of the templates and of the code of every app the pages read
(:data:`PAGE_CODE_FOLDERS`), so a release that changes a page never serves what the
previous one rendered, and the request's full path (the query string selects what the page
shows; the header's "Log in" link carries it back). Nothing else of the request reaches a
cached page: absolute URLs come from ``SITE_URL`` (bzpeer.http.absolute_url), never from
the ``Host`` header a visitor sends.

A stored page is rendered with a marker in place of the CSRF token (it sits on ``<body
data-hx-headers>``): a random one, new for every render and stored with the page, so that only
the places the template put it are replaced (with the visitor's own token, or with nothing
for an anonymous visitor who has none yet; see :func:`respond`). A fixed marker would also be
replaced inside whatever an owner wrote into their bio. A feed has no token: its marker is
empty. The viewer parts' marker is random and new for every render for the same reason.

Whoever adds something to a cached page that its stamp does not cover must add it to the
stamp (tests/pages/test_page_cache.py and tests/following/test_feeds.py change each input
and expect the page to follow).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import redis
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template import RequestContext, engines
from django.template.loader import get_template, render_to_string
from django.utils.cache import patch_vary_headers

from bzpeer.cache import redis_client as _redis

logger = logging.getLogger(__name__)

CACHE_SECONDS = 600
# 2: stored pages start with the line of their own CSRF marker.
# 3: that line also holds the viewer parts' marker (after a space) when the page has parts.
KEY_VERSION = "3"
# The context variable that holds the viewer parts' marker while a page is rendered for the
# cache (core/templatetags/viewer_parts.py reads it).
PART_MARKER = "viewer_part_marker"

# What a view hands :func:`respond` to fill a signed-in visitor's parts: given the names of
# the parts in the stored page (in page order, a name may repeat), the HTML of each for this
# visitor.
Fill = Callable[[Sequence[str]], Mapping[str, str]]
RequestT = TypeVar("RequestT", bound=HttpRequest)


def rows_stamp(table: str, alias: str, where: str) -> str:
    """``count:max-xmin`` of the rows of ``table`` matching ``where``."""
    return (
        f"(SELECT count(*) || ':' || coalesce(max(({alias}.xmin)::text::bigint), 0) FROM {table} {alias} WHERE {where})"
    )


@dataclass(frozen=True)
class CachedPage:
    """A kind of page the cache keeps: its name (in keys and in the name of its prepared
    statement) and the statement that reads the version stamp of one such page. The
    statement takes ``$1``... of ``arg_types`` (the first is the page's OpenAlex id) and
    returns one row, ``(id, stamp)``, or none when the id names nothing to show."""

    name: str
    stamp_sql: str
    arg_types: tuple[str, ...]

    @property
    def prepare_sql(self) -> str:
        return f"PREPARE {self.name}_stamp({', '.join(self.arg_types)}) AS {self.stamp_sql}"

    @property
    def execute_sql(self) -> str:
        return f"EXECUTE {self.name}_stamp({', '.join(['%s'] * len(self.arg_types))})"


@dataclass(frozen=True)
class Lookup:
    """Where the page for this request lives in the cache, and the page if it is there."""

    key: str | None  # None: Redis failed; the page is rendered and not stored
    stored: bytes | None  # as stored: the marker line, then the page's UTF-8
    id: int  # the stamp row's id: the page's record (its viewer parts read it)
    # The values of the lookup's ``also`` keys, read with the page: None for a key that is
    # missing, and for every key when Redis failed.
    also: tuple[bytes | None, ...] = ()


def cache_seconds() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", CACHE_SECONDS))


def applies(request: HttpRequest) -> bool:
    """A request without pending messages (they are shown once, then gone), anonymous or
    signed in: a signed-in visitor gets the stored page with their parts filled in."""
    if cache_seconds() <= 0:
        return False
    if settings.SESSION_COOKIE_NAME not in request.COOKIES and CookieStorage.cookie_name not in request.COOKIES:
        return True  # no session and no messages cookie: anonymous, nothing pending
    return len(get_messages(request)) == 0


def is_signed_in(request: HttpRequest) -> bool:
    """Without a session cookie nobody is signed in: decided without loading a session."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated


def anonymous_request(request: RequestT) -> RequestT:
    """``request`` as an anonymous visitor makes it, to build and render the page that is
    stored for everyone: a shallow copy whose user is anonymous (the templates' ``user``, the
    selectors' viewer). The visitor's own parts are filled in afterwards (:func:`respond`)."""
    if not is_signed_in(request):
        return request
    anonymous = copy.copy(request)
    anonymous.user = AnonymousUser()
    return anonymous


_PREPARED_ATTRIBUTE = "_bzpeer_page_stamps_prepared"


def ensure_prepared(name: str, prepare_sql: str) -> None:
    """Run ``prepare_sql`` (``PREPARE name ... AS ...``) on this database connection unless
    statement ``name`` already was prepared there: once
    per connection, as connection set-up (like Django's own: straight to psycopg, outside the
    query log). Planning a page's small subqueries costs more than running them. (Django
    leaves psycopg's own statement preparing off, for connection poolers in transaction mode;
    BZPEER talks to PostgreSQL directly. Put such a pooler in front and this must go.)"""
    connection.ensure_connection()
    raw = connection.connection
    prepared: set[str] = getattr(raw, _PREPARED_ATTRIBUTE, set())
    if name not in prepared:
        raw.execute(prepare_sql)
        setattr(raw, _PREPARED_ATTRIBUTE, prepared | {name})


def _stale_plan(exc: DatabaseError) -> bool:
    """Whether ``exc`` says a prepared statement no longer fits its tables (a migration changed
    them since it was prepared: "cached plan must not change result type") or is gone."""
    return isinstance(exc.__cause__, psycopg.errors.FeatureNotSupported | psycopg.errors.InvalidSqlStatementName)


def fetch_prepared(name: str, prepare_sql: str, execute_sql: str, params: Sequence[Any]) -> Any:
    """The first row (or None) of the statement ``name``, prepared by ``prepare_sql`` once per
    database connection (:func:`ensure_prepared`) and run by ``execute_sql`` with ``params``.

    A statement prepared before a migration changed its tables fails ever after on that
    connection; connections live for minutes (CONN_MAX_AGE), and the session's statement
    (core.sessions) is read by every signed-in request. So such a failure closes the
    connection (the next one prepares anew) and, outside a transaction, runs the statement
    again at once; inside one it is raised (the transaction cannot go on), and only that
    request fails."""
    for attempt in (1, 2):
        ensure_prepared(name, prepare_sql)
        try:
            with connection.cursor() as cursor:
                cursor.execute(execute_sql, list(params))
                return cursor.fetchone()
        except DatabaseError as exc:
            if not _stale_plan(exc):
                raise
            in_transaction = connection.in_atomic_block
            logger.warning("prepared statement %s no longer fits its tables (%s); reconnecting", name, exc)
            connection.close()
            if attempt == 2 or in_transaction:
                raise
    raise AssertionError("unreachable")


def _stamp(page: CachedPage, args: tuple[Any, ...]) -> tuple[int, str] | None:
    """The stamp row, through a statement prepared once per database connection."""
    row: tuple[int, str] | None = fetch_prepared(f"{page.name}_stamp", page.prepare_sql, page.execute_sql, args)
    return row


# Every folder whose code or templates shape the cached pages: the templates, and every app
# of ours (pages composes all of them; the feeds read following, works and profiles) with
# the shared plumbing. A new app the pages read goes here too
# (tests/pages/test_page_cache.py checks the apps).
PAGE_CODE_FOLDERS = (
    "templates", "bzpeer", "core", "profiles", "works", "claims", "graph", "following", "collaboration", "search",
    "api", "pages",
)


@functools.cache
def _code_version() -> str:
    """A digest of the templates and of the code of every app the pages read, read once per
    process: a deploy that changes how a page looks, what it reads or which static files it
    links does not serve pages rendered by the previous release."""
    digest = hashlib.blake2b(digest_size=8)
    roots = [Path(settings.BASE_DIR) / folder for folder in PAGE_CODE_FOLDERS]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.suffix in (".html", ".py")):
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _redis_failed(operation: str, key: str, exc: redis.RedisError) -> None:
    logger.warning("page cache: Redis %s of %s failed (%s: %s); rendering without the cache", operation, key,
                   type(exc).__name__, exc)


def lookup(
    request: HttpRequest,
    page: CachedPage,
    openalex_id: str,
    *args: Any,
    stamp: tuple[int, str] | None = None,
    also: Sequence[str] = (),
) -> Lookup | None:
    """The cache key of the anonymous ``page`` of ``openalex_id`` (with the stamp statement's
    further ``args``) for this URL, and the stored page under it. 1 query and 1 Redis GET;
    no query when the caller read the ``stamp`` row already, with more in the same statement
    (a signed-in visitor's parts: pages.selectors.profile_viewer). The Redis keys ``also``
    are read in the same round trip as the page (a signed-in visitor's unread count). None
    when the id names nothing to show (the view then answers as usual: alias redirect, 404
    or 410). When Redis fails, a lookup without a key and without a page: the cache is a
    speed-up, never a reason to fail a read (logged, then rendered)."""
    row = stamp if stamp is not None else _stamp(page, (openalex_id, *args))
    if row is None:
        return None
    # The full path: the query string selects what the page shows, and the header's "Log in"
    # link carries it back. The database name keeps test and demo databases apart.
    digest = hashlib.blake2b(
        f"{connection.settings_dict['NAME']}\n{_code_version()}\n{row[1]}\n{request.get_full_path()}".encode(),
        digest_size=16,
    ).hexdigest()
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    key = f"{prefix}:{page.name}:{KEY_VERSION}:{openalex_id}:{digest}"
    try:
        stored, *others = _redis().mget([key, *also]) if also else [_redis().get(key)]
    except redis.RedisError as exc:
        _redis_failed("GET", key, exc)
        return Lookup(None, None, row[0], (None,) * len(also))  # no cache: render, and store nothing
    values = tuple(value if isinstance(value, bytes) else None for value in others)
    return Lookup(key, stored if isinstance(stored, bytes) else None, row[0], values)


def respond(
    request: HttpRequest, stored: bytes, *, fill: Fill | None = None, content_type: str | None = None
) -> HttpResponse:
    """A stored (or just stored) page with this visitor's CSRF token where the template put
    the token, when they have one, and with their viewer parts when ``fill`` is given (a
    signed-in visitor; without it, the anonymous parts). An anonymous page has nothing to
    post (following and claiming are links to log in), so a first-time anonymous visitor gets
    no token and no cookie: making one costs a tenth of a cache hit. The log-in and sign-up
    forms hand it out; a signed-in visitor always gets one. ``content_type``: the stored
    body's, when it is no HTML page (a feed). Raises KeyError when ``fill`` leaves out a part
    of the page: a signed-in visitor never gets an anonymous region by mistake."""
    head, _, html = stored.partition(b"\n")
    marker, _, part_marker = head.partition(b" ")
    if marker:
        wants_token = fill is not None or settings.CSRF_COOKIE_NAME in request.COOKIES
        html = html.replace(marker, visitor_token(request).encode() if wants_token else b"")
    if part_marker:
        html = _with_parts(html.split(part_marker), fill)
    response = HttpResponse(html, content_type=content_type)
    # Shared by every visitor with their parts filled in: a shared cache must tell them apart.
    patch_vary_headers(response, ("Cookie",))
    return response


@functools.lru_cache(maxsize=4)
def _bound_to(engine: Any) -> Any:
    """An empty template of ``engine``: what a request context is bound to while
    :func:`render_parts` renders the parts in it (binding runs the context processors)."""
    return engine.from_string("").template


def render_parts(request: HttpRequest, templates: Mapping[str, str], context: Mapping[str, Any]) -> dict[str, str]:
    """The viewer parts named by ``templates`` (name -> template or partial, like
    ``"base.html#site-nav"``), each rendered with ``context`` for ``request`` as
    ``render_to_string`` would, in one request context: the context processors run once
    for all of them instead of once each (a fill renders up to six)."""
    request_context = RequestContext(request)
    request_context.push(dict(context))  # above the processors', as render_to_string puts it
    parts = {}
    with request_context.bind_template(_bound_to(engines["django"])):
        for name, template in templates.items():
            with request_context.push():  # what a part sets ({% url ... as x %}) stays in it
                parts[name] = get_template(template).template.render(request_context)  # type: ignore[attr-defined]
    return parts


_TOKEN_ATTRIBUTE = "_bzpeer_csrf_token"  # noqa: S105 (an attribute name)


def visitor_token(request: HttpRequest) -> str:
    """The visitor's CSRF token, masked once per request: the page's marker and every viewer
    part that holds a form (``csrf_token`` in the fill's context) get the same one, where each
    ``get_token`` call would draw a new mask from the system's random source (32 reads)."""
    token: str | None = getattr(request, _TOKEN_ATTRIBUTE, None)
    if token is None:
        token = get_token(request)
        setattr(request, _TOKEN_ATTRIBUTE, token)
    return token


def _with_parts(pieces: list[bytes], fill: Fill | None) -> bytes:
    """The page from its pieces split at the parts' marker: [page, name, anonymous part, page,
    name, anonymous part, ..., page], with each part's anonymous HTML or ``fill``'s."""
    names = [name.decode() for name in pieces[1::3]]
    if fill is None:
        parts = pieces[2::3]
    else:
        filled = fill(names)
        parts = [filled[name].encode() for name in names]
    out = [pieces[0]]
    for i, part in enumerate(parts):
        out += [part, pieces[3 + 3 * i]]
    return b"".join(out)


def store(
    request: HttpRequest,
    key: str | None,
    body: bytes,
    *,
    marker: str = "",
    part_marker: str = "",
    fill: Fill | None = None,
    content_type: str | None = None,
) -> HttpResponse:
    """Keep ``body`` (with the CSRF ``marker`` and the viewer parts' ``part_marker`` it was
    rendered with, if any) under ``key`` and answer with it (:func:`respond`, ``fill``
    included). Without a ``key`` (the lookup could not reach Redis) or when storing fails,
    the body is answered all the same."""
    stored = f"{marker} {part_marker}".rstrip().encode() + b"\n" + body
    if key is not None:
        try:
            _redis().set(key, stored, ex=cache_seconds())
        except redis.RedisError as exc:
            _redis_failed("SET", key, exc)
    return respond(request, stored, fill=fill, content_type=content_type)


def render_and_store(
    request: HttpRequest, key: str | None, template: str, context: dict[str, Any], *, fill: Fill | None = None
) -> HttpResponse:
    """Render the anonymous page (``request`` as :func:`anonymous_request` makes it, and a
    ``context`` built for an anonymous visitor) with a marker of its own for the CSRF token
    and one for the viewer parts, keep it under ``key`` (:func:`store`), and answer with the
    visitor's token and, given ``fill``, their parts in place. The markers are random (128
    bits) and new for every render, so no record can contain them."""
    marker = f"csrf-marker-{secrets.token_hex(16)}"
    part_marker = f"viewer-part-{secrets.token_hex(16)}"
    html = render_to_string(
        template, {**context, "csrf_token": marker, PART_MARKER: part_marker}, anonymous_request(request)
    ).encode()
    return store(request, key, html, marker=marker, part_marker=part_marker, fill=fill)
