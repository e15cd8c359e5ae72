"""Celery tasks of the collaboration app: thin interfaces over collaboration.services."""

from __future__ import annotations

from celery import shared_task

from collaboration import services


@shared_task(name=services.NOTICE_TASK, acks_late=True)
def send_message_notice(membership_id: int) -> bool:
    """Email one participant about the messages waiting for them (written to the outbox by
    the message that calls for it, batched: at most one per conversation an hour)."""
    return services.message_notice_send(membership_id)


@shared_task(name=services.WARNING_TASK, acks_late=True)
def send_warning(report_id: int) -> bool:
    """Email the reported account the moderators' warning (written to the outbox by the decision)."""
    return services.warning_send(report_id)
