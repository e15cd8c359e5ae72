"""The per-address limit of API reads: a fixed-window counter in Redis.

Why not core.limits: its sliding-window log costs three PostgreSQL statements (lock, read,
insert) per counted request, more than the researcher endpoint's whole cached answer (one
SELECT and one Redis GET). A read API needs a counter that costs one Redis round trip:
``INCR`` and ``EXPIRE`` of ``api-rate:<address>:<minute>`` in one pipeline.

A window is a calendar minute: a client may send up to ``API_RATE_PER_MINUTE`` requests in
each, so at most twice that across a minute's boundary. The client address is
bzpeer.http.client_ip (the one rule for X-Forwarded-For), keyed by
bzpeer.http.client_address_key (IPv6 by its /64).

When Redis fails (down, too slow), reads are not limited and the failure is logged: the
limit protects the database from one client, and refusing every reader while Redis is down
would be an outage of its own. (Writes, log-ins and invitations keep their PostgreSQL limits.)
"""

from __future__ import annotations

import logging
import time

import redis
from django.conf import settings
from django.http import HttpRequest

from bzpeer.cache import redis_client, redis_key
from bzpeer.http import client_address_key, client_ip

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 60


def api_rate_check(request: HttpRequest, *, now: float | None = None) -> int:
    """Count this request for its client address. Returns 0 when it may go on, else the
    seconds until its window ends (for ``Retry-After``). One Redis round trip; none when the
    limit is off (``API_RATE_PER_MINUTE`` = 0)."""
    limit: int = settings.API_RATE_PER_MINUTE
    if limit <= 0:
        return 0
    moment = time.time() if now is None else now
    window = int(moment // WINDOW_SECONDS)
    key = redis_key(f"api-rate:{client_address_key(client_ip(request))}:{window}")
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, WINDOW_SECONDS + 1)
        count = int(pipe.execute()[0])
    except redis.RedisError as exc:
        logger.warning("api rate limit: Redis failed (%s: %s); reads are not limited", type(exc).__name__, exc)
        return 0
    if count <= limit:
        return 0
    return max(1, (window + 1) * WINDOW_SECONDS - int(moment))
