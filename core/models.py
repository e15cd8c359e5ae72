"""Models every app needs, below profiles (ARCHITECTURE.md): the rate-limit log and the
outbox of work to run after a commit."""

from __future__ import annotations

from django.contrib.sessions.base_session import AbstractBaseSession
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


class OutboxMessage(models.Model):
    """Work that must follow a commit, written in the same transaction as the change
    (core/outbox.py): the Celery task to run, by name, and its JSON arguments.

    A row is **pending** until a runner takes it (``core.run_outbox_message``, published
    when the transaction commits, or ``core.drain_outbox``, every minute), **running** while
    the task runs, then **done**, or back to pending with a later ``not_before`` when the
    task raised (a growing backoff), or **failed** after ``MAX_ATTEMPTS``. A running row
    whose runner died is taken again once its lease (the task time limit) has passed, so
    every row runs at least once; tasks run through the outbox are idempotent.

    ``key`` coalesces: at most one pending row per key (a partial unique index), so a burst
    of changes queues one run (one trust recompute per researcher). A running row does not
    count: a change made while its task runs queues the next one.

    No foreign keys: core knows no app above it, and a task whose rows are gone does nothing.
    Done rows are deleted after ``KEEP_DONE_DAYS`` (``core.prune_outbox``, nightly); failed
    rows stay until someone retries or deletes them (admin, ``manage.py outbox``).
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    key = models.CharField(max_length=200, null=True, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField()
    # Not run before this moment (a coalescing delay, a retry's backoff).
    not_before = models.DateTimeField()
    # When a runner last took the row; its lease runs from here.
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(state="pending"), name="outbox_one_pending_per_key"
            ),
        ]
        indexes = [
            models.Index(
                fields=["not_before", "id"],
                condition=models.Q(state__in=["pending", "running"]),
                name="outbox_waiting",
            ),
            models.Index(fields=["finished_at"], condition=models.Q(state="done"), name="outbox_done"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)!r} ({self.state})"


class Session(AbstractBaseSession):
    """A visitor's session (core/sessions.py): Django's session row, with the id of the
    account signed in to it, so that a signed-in request reads its session and its user in
    one statement. ``user_id`` follows the session's own ``_auth_user_id`` on every save;
    it only ever serves to read that account with the session (the session's data decides
    who is signed in, and Django verifies it as always). No foreign key: deleting an account
    must not wait on its sessions, and a session of a deleted account finds no user."""

    user_id = models.IntegerField(null=True)

    class Meta:
        db_table = "core_session"

    @classmethod
    def get_session_store_class(cls) -> type:
        from core.sessions import SessionStore

        return SessionStore
