"""Stamp the header's unread count at log-in, so that the pages after it read it from Redis
without a query (collaboration.stamps; services keep it current on every change)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from collaboration import selectors, stamps


@receiver(user_logged_in, dispatch_uid="collaboration-unread-stamp")
def stamp_unread_at_login(sender: Any, user: Any, **kwargs: Any) -> None:
    stamps.unread_set(int(user.pk), selectors.unread_count(int(user.pk)))
