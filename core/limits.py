"""Rate limits whose state lives in PostgreSQL: a sliding-window log per bucket.

A bucket is a string key naming who is counted for what ("follow:user:42",
"follow:ip:203.0.113.7"); its rates say how many hits any window of that length may hold
(30 in any 60 seconds and 300 in any day). :func:`rate_limit_hit` counts one hit in each
bucket it is given, or none of them when any rate of any bucket is full; a refused request
is not counted, so the time it is told to come back is exact.

Why PostgreSQL (core.RateLimitHit) and not the Redis cache: a Redis outage must neither
lift a limit nor refuse every request, and every web process must see the same counts. The
cost is three short statements per counted request (lock, read, insert).

Per-address buckets are keyed with ``bzpeer.http.client_address_key`` of the client address
from ``bzpeer.http.client_ip`` (the one rule for X-Forwarded-For), never with a header read
here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from bzpeer.http import try_again_phrase
from core.models import RateLimitHit

# Advisory lock namespace (first int4 key) of the buckets; the second key is hashtext(key).
# Distinct from graph's trust lock namespaces ("TRST", "TRSA").
LOCK_NAMESPACE = 0x524C4D54  # "RLMT"


@dataclass(frozen=True)
class Rate:
    """At most ``limit`` hits in any ``seconds``-long window."""

    limit: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.limit} in {_duration(self.seconds)}"


class RateLimited(Exception):
    """A bucket is full: nothing was counted. ``retry_at`` is the first moment the request
    would be counted (the oldest hit that fills the window leaves it then); ``rate`` is the
    rate that refused it and ``key`` its bucket."""

    def __init__(self, *, key: str, rate: Rate, retry_at: datetime, now: datetime) -> None:
        self.key, self.rate, self.retry_at, self.now = key, rate, retry_at, now
        super().__init__(f"{key}: more than {rate}; try again {self.when}")

    @property
    def retry_after(self) -> int:
        """Whole seconds to wait (for the ``Retry-After`` header); at least 1."""
        return max(1, math.ceil((self.retry_at - self.now).total_seconds()))

    @property
    def when(self) -> str:
        """"in 42 seconds (at 14:03:12 UTC)": when to try again, for a sentence."""
        return try_again_phrase(self.retry_at, self.now)


def rate_limit_hit(buckets: Mapping[str, Sequence[Rate]], *, now: datetime | None = None) -> None:
    """Count one hit in every bucket of ``buckets`` (key -> its rates), or raise
    :class:`RateLimited` and count nothing when any rate of any bucket is full.

    Safe under concurrency: the buckets are locked (transaction-level advisory locks, in key
    order, so no deadlock) before they are read, so two requests cannot both take the last
    place. Runs in the caller's transaction when there is one (its hits then commit or roll
    back with the caller's writes) and in a short one of its own otherwise. Three queries.
    """
    if not buckets:
        return
    now = now or timezone.now()
    keys = sorted(buckets)
    longest = {key: max(rate.seconds for rate in buckets[key]) for key in keys}
    refusal: RateLimited | None = None
    # No savepoint: nothing is written before the decision, and a refusal is raised only
    # after the block, so an enclosing transaction is never left broken.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(k)) FROM unnest(%s::text[]) AS k ORDER BY k",
            [LOCK_NAMESPACE, keys],
        )
        cursor.execute(
            f"""SELECT key, array_agg(at ORDER BY at DESC) FROM {RateLimitHit._meta.db_table}
                WHERE key = ANY(%s) AND at > %s GROUP BY key""",
            [keys, now - timedelta(seconds=max(longest.values()))],
        )
        hits: dict[str, list[datetime]] = dict(cursor.fetchall())
        refusals = [r for key in keys if (r := _refusal(key, buckets[key], hits.get(key, []), now))]
        refusal = max(refusals, key=lambda r: r.retry_at) if refusals else None
        if refusal is None:
            RateLimitHit.objects.bulk_create(
                RateLimitHit(key=key, at=now, expires_at=now + timedelta(seconds=longest[key])) for key in keys
            )
    if refusal is not None:
        raise refusal


def _refusal(key: str, rates: Sequence[Rate], newest_first: list[datetime], now: datetime) -> RateLimited | None:
    """The refusal for the rate of this bucket that is full for longest, if any is full."""
    worst: RateLimited | None = None
    for rate in rates:
        recent = [at for at in newest_first if at > now - timedelta(seconds=rate.seconds)]
        if len(recent) >= rate.limit:
            # The window has room again once the limit-th newest hit has left it.
            retry_at = recent[rate.limit - 1] + timedelta(seconds=rate.seconds)
            if worst is None or retry_at > worst.retry_at:
                worst = RateLimited(key=key, rate=rate, retry_at=retry_at, now=now)
    return worst


def rate_limits_prune(*, now: datetime | None = None) -> int:
    """Delete hits that no window reads any more. Idempotent. Returns how many went."""
    deleted, _ = RateLimitHit.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def _duration(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"{'a' if count == 1 else count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"
