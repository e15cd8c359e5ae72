"""Writes of researcher records that people make: following researchers."""

from __future__ import annotations

from django.db import connection, transaction

from bzpeer.http import client_address_key
from core.limits import Rate, rate_limit_hit
from profiles.models import Follow, Researcher
from profiles.signals import trust_inputs_changed

# Follow changes one account may make (each follow or unfollow request counts), and one
# client address, whatever the accounts behind it (a campus NAT holds many people).
FOLLOW_RATES_PER_ACCOUNT = (Rate(30, 60), Rate(300, 86400))
FOLLOW_RATES_PER_ADDRESS = (Rate(120, 60),)


def follow_set(*, user_id: int, researcher: Researcher, following: bool, client_ip: str | None = None) -> bool:
    """Make ``user_id`` follow (``following=True``) or stop following ``researcher``: the
    write itself. People's follows come through following.services.follow_set, which first
    refuses an owner's follow of their own record (the rule needs claims, to the right of
    profiles).

    Bounded first: the request counts against FOLLOW_RATES_PER_ACCOUNT and, when the caller
    gives the client's address (``bzpeer.http.client_ip``), FOLLOW_RATES_PER_ADDRESS; over
    either, ``core.limits.RateLimited`` is raised and nothing changes (core.limits: three queries).

    Idempotent: following twice leaves one Follow row (the unique constraint backs
    ``ON CONFLICT DO NOTHING``, so two concurrent requests cannot both insert), unfollowing
    someone not followed does nothing. Returns whether anything changed; only a change sends
    ``trust_inputs_changed`` for the researcher (followers are a trust input; graph
    schedules one recompute per researcher for a burst of changes, graph/receivers.py).
    """
    buckets: dict[str, tuple[Rate, ...]] = {f"follow:user:{user_id}": FOLLOW_RATES_PER_ACCOUNT}
    if client_ip:
        buckets[f"follow:ip:{client_address_key(client_ip)}"] = FOLLOW_RATES_PER_ADDRESS
    rate_limit_hit(buckets)
    table = Follow._meta.db_table
    # One transaction for the change and what its receivers write (graph's outbox row), so
    # the recompute exists exactly when the change does. No savepoint: nothing to roll back
    # to, and a query fewer when called inside a transaction.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
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
