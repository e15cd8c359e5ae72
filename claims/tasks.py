"""Celery tasks of the claims app: thin interfaces over claims.services."""

from __future__ import annotations

from celery import shared_task

from claims import services


@shared_task(name=services.CLAIM_EMAIL_TASK)
def send_claim_email(claim_id: int, template: str) -> bool:
    """Email the claim's account about ``template`` (written to the outbox by the decision
    that calls for it; core/outbox.py retries a mail server that fails). Returns whether a
    message went out."""
    return services.claim_email_send(claim_id, template)
