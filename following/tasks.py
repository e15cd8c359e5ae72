"""Celery tasks of the following app: thin interfaces over following.services."""

from __future__ import annotations

from celery import shared_task

from following import services


@shared_task(name="following.dispatch_digests")
def dispatch_digests(frequency: str) -> int:
    """Beat's daily and weekly run: one digest task per subscribed account, through the outbox."""
    return services.digests_dispatch(frequency)


@shared_task(name=services.DIGEST_TASK)
def compose_digest(user_id: int) -> int | None:
    """Announce the new works to one account and queue its email; the digest's id, or None."""
    digest = services.digest_compose(user_id)
    return digest.pk if digest else None


@shared_task(name=services.DIGEST_EMAIL_TASK)
def send_digest_email(digest_id: int) -> bool:
    """Send one digest's email (written to the outbox by the digest that calls for it)."""
    return services.digest_email_send(digest_id)
