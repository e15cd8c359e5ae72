"""Writes of researcher records that people make: following researchers."""

from __future__ import annotations

from django.db import connection

from profiles.models import Follow, Researcher
from profiles.signals import trust_inputs_changed


def follow_set(*, user_id: int, researcher: Researcher, following: bool) -> bool:
    """Make ``user_id`` follow (``following=True``) or stop following ``researcher``.

    Idempotent: following twice leaves one Follow row (the unique constraint backs
    ``ON CONFLICT DO NOTHING``, so two concurrent requests cannot both insert), unfollowing
    someone not followed does nothing. One statement, so no transaction of its own.
    Returns whether anything changed; only a change sends ``trust_inputs_changed`` for the
    researcher (followers are a trust input; graph recomputes once the transaction commits).
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
        trust_inputs_changed.send(sender=Follow, researcher_ids=[researcher.pk])
    return changed
