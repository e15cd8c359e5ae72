"""The Django cache: Redis, and when Redis cannot be reached, this process's memory.

Redis is a cache, never a reason to fail a request (DESIGN §9). Django's ``RedisCache``
raises ``redis.ConnectionError`` from every call while Redis is down, and allauth calls the
cache on every log-in, sign-up and password reset (its rate limits keep their history
there), so a Redis outage answered 500 on the log-in page. :class:`ResilientRedisCache`
catches every Redis error, logs it (once a minute at most, per process) and answers the
same call from a local-memory cache of this process instead. Each call tries Redis first,
so the cache is back the moment Redis is; nothing needs restarting.

Why a local fallback and not "a miss and a no-op": allauth's rate limits lock their history
with ``cache.add`` and read it back with ``cache.get``. A no-op ``add`` would look like a
lock someone else holds, refusing every log-in after a second's wait; an ``add`` that
pretends and a ``get`` that always misses would lift the limits. In local memory they keep
counting while Redis is down, per process (with N web processes a client gets at most N
times its limit), and start again from what Redis held when it is back. The log-in lockout
(django-axes) and BZPEER's own limits (core.limits) live in PostgreSQL and do not change.

What the fallback does not give: entries written during the outage are not in Redis
afterwards, and a ``delete`` during the outage does not reach Redis. BZPEER invalidates
nothing by deleting (the page cache's keys carry a version stamp), so nothing stale follows.
The anonymous page cache (core/page_cache.py) talks to Redis through its own client and
treats a Redis error as "no cache": it renders and stores nothing.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

import redis
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LOG_EVERY_SECONDS = 60.0
_last_logged = 0.0


def _note_outage(operation: str, exc: RedisError) -> None:
    """Log the outage, at most once a minute per process: it may fail every request."""
    global _last_logged
    now = time.monotonic()
    if _last_logged == 0.0 or now - _last_logged >= LOG_EVERY_SECONDS:
        _last_logged = now
        logger.warning(
            "Redis cache unreachable (%s: %s: %s); using this process's memory until it answers",
            operation,
            type(exc).__name__,
            exc,
        )


def _with_fallback(name: str) -> Callable[..., Any]:
    def method(self: ResilientRedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(RedisCache, name)(self, *args, **kwargs)
        except RedisError as exc:
            _note_outage(name, exc)
            return getattr(self.fallback, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"``RedisCache.{name}``; this process's memory when Redis fails."
    return method


class ResilientRedisCache(RedisCache):
    """Django's ``RedisCache`` that answers from a local-memory cache (same key prefix,
    version and default timeout) whenever a Redis call raises a Redis error. See the module
    docstring for why, and for what rate limits do meanwhile."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        local = {key: value for key, value in params.items() if key in ("TIMEOUT", "KEY_PREFIX", "VERSION")}
        # One store per process for every thread: LocMemCache keeps its data by name.
        self.fallback = LocMemCache(f"bzpeer-redis-fallback-{server}", {**local, "OPTIONS": {"MAX_ENTRIES": 10_000}})

    add = _with_fallback("add")
    get = _with_fallback("get")
    set = _with_fallback("set")
    touch = _with_fallback("touch")
    delete = _with_fallback("delete")
    get_many = _with_fallback("get_many")
    has_key = _with_fallback("has_key")
    incr = _with_fallback("incr")
    set_many = _with_fallback("set_many")
    delete_many = _with_fallback("delete_many")
    clear = _with_fallback("clear")


@functools.cache
def redis_client() -> redis.Redis:
    """The cache's Redis as a plain client that raises ``redis.RedisError`` (one per process),
    for the callers that must know when Redis fails instead of reading this process's memory:
    the anonymous page cache (core/page_cache.py) and the collaboration app's change stamps.
    Django's RedisCache builds a client object for every call, which costs more than the GET
    itself on those paths. Values are bytes. Built like Django's (a connection pool with the
    cache's OPTIONS: its timeouts, no retries), so a Redis that does not answer costs a
    request at most those timeouts."""
    cache: dict[str, Any] = settings.CACHES["default"]
    options: dict[str, Any] = cache.get("OPTIONS", {})
    return redis.Redis(connection_pool=redis.ConnectionPool.from_url(cache["LOCATION"], **options))


def redis_key(name: str) -> str:
    """``name`` under the cache's KEY_PREFIX, for keys written through :func:`redis_client`."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:{name}"
