"""What claims does when a lower app announces a change (profiles/signals.py)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from claims.services import claims_move_researcher
from profiles.signals import researcher_merged


@receiver(researcher_merged, dispatch_uid="claims.move_to_merge_target")
def move_to_merge_target(sender: Any, *, source_id: int, target_id: int, **kwargs: Any) -> None:
    """Claims, owner corrections, hidden works and owner columns follow the surviving record;
    runs inside the import's transaction (see claims.services.claims_move_researcher)."""
    claims_move_researcher(source_id, target_id)
