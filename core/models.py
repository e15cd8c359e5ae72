"""Models every app needs, below profiles (ARCHITECTURE.md): the rate-limit log."""

from __future__ import annotations

from django.db import models


class RateLimitHit(models.Model):
    """One counted request in a rate-limit bucket (core/limits.py): ``key`` names the bucket
    ("follow:user:42", "follow:ip:203.0.113.7"), ``at`` is when it was counted.

    The log lives in PostgreSQL, not in the Redis cache: a Redis outage neither lifts a limit
    nor refuses everyone, and a limit counts the same on every web process. Rows are
    deleted once ``expires_at`` (``at`` plus the bucket's longest window) has passed
    (``core.prune_rate_limits``, nightly); until then they are only read within a window.
    """

    key = models.CharField(max_length=200)
    at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["key", "at"], name="ratelimithit_key_at"),
            models.Index(fields=["expires_at"], name="ratelimithit_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.key} at {self.at:%Y-%m-%d %H:%M:%S}"
