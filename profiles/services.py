"""Writes of the public pages: following researchers."""

from __future__ import annotations

from django.db import connection

from profiles.models import Follow, Researcher


def follow_set(*, user_id: int, researcher: Researcher, following: bool) -> bool:
    """Make ``user_id`` follow (``following=True``) or stop following ``researcher``.

    Idempotent: following twice leaves one Follow row (the unique constraint backs
    ``ON CONFLICT DO NOTHING``, so two concurrent requests cannot both insert), unfollowing
    someone not followed does nothing. One statement, so no transaction of its own.
    Returns whether anything changed; only a change enqueues ``graph.recompute_trust`` for
    the researcher (followers are a trust input), once the surrounding transaction commits.
    """
    table = Follow._meta.db_table
    with connection.cursor() as cursor:
        if following:
            cursor.execute(
                f"""INSERT INTO {table} (user_id, researcher_id, created_at) VALUES (%s, %s, now())
                    ON CONFLICT (user_id, researcher_id) DO NOTHING""",
                [user_id, researcher.pk],
            )
        else:
            cursor.execute(f"DELETE FROM {table} WHERE user_id = %s AND researcher_id = %s", [user_id, researcher.pk])
        changed = cursor.rowcount == 1
    if changed:
        _trust_recompute_enqueue(researcher.pk)
    return changed


def _trust_recompute_enqueue(researcher_id: int) -> None:
    # Imported here: graph.tasks imports the trust services, which read profiles.
    from graph.tasks import recompute_trust

    recompute_trust.delay_on_commit(researcher_id)
