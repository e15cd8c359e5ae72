"""Writes of the public pages: following researchers."""

from __future__ import annotations

from django.db import connection, transaction

from profiles.models import Follow, Researcher


def follow_set(*, user_id: int, researcher: Researcher, following: bool) -> bool:
    """Make ``user_id`` follow (``following=True``) or stop following ``researcher``.

    Idempotent: following twice leaves one Follow row (the unique constraint backs
    ``ON CONFLICT DO NOTHING``, so two concurrent requests cannot both insert), unfollowing
    someone not followed does nothing. Returns whether anything changed; only a change
    enqueues ``graph.recompute_trust`` for the researcher (followers are a trust input),
    after the transaction commits.
    """
    with transaction.atomic():
        if following:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"""INSERT INTO {Follow._meta.db_table} (user_id, researcher_id, created_at)
                        VALUES (%s, %s, now()) ON CONFLICT (user_id, researcher_id) DO NOTHING""",
                    [user_id, researcher.pk],
                )
                changed = cursor.rowcount == 1
        else:
            changed = Follow.objects.filter(user_id=user_id, researcher=researcher).delete()[0] > 0
        if changed:
            _trust_recompute_enqueue(researcher.pk)
    return changed


def _trust_recompute_enqueue(researcher_id: int) -> None:
    # Imported here: graph.tasks imports the trust services, which read profiles.
    from graph.tasks import recompute_trust

    recompute_trust.delay_on_commit(researcher_id)
