"""Change stamps in Redis: the one read behind a conversation's poll and the header's unread
count.

* ``collab:conv:<id>``: the conversation's ``version`` (collaboration.models.Conversation),
  set by the services after every change commits. A poll whose version equals it is answered
  204 from this one GET, without a query.
* ``collab:unread:<user id>``: the account's unread count (collaboration.selectors.unread_count),
  set after every change that moves it.

Through the cache's plain client (bzpeer.cache.redis_client), not the Django cache: when
Redis fails, a read must go to the database, never to this process's memory (which would
hold what this process wrote during the outage and not what the others did). Every read
returns None on a miss or a Redis error; the caller then reads the database and sets the
stamp again. Entries expire (a conversation's after CONVERSATION_SECONDS, a count after
UNREAD_SECONDS), which bounds what a stamp written before an outage can miss of the changes
made during it (a SET that fails is only logged). The count is also stamped at log-in
(collaboration.receivers).
"""

from __future__ import annotations

import logging

import redis

from bzpeer.cache import redis_client, redis_key

logger = logging.getLogger(__name__)

CONVERSATION_SECONDS = 60
UNREAD_SECONDS = 600


def _get(name: str) -> int | None:
    try:
        value = redis_client().get(redis_key(name))
    except redis.RedisError as exc:
        logger.warning("collaboration: Redis GET of %s failed (%s); reading the database", name, exc)
        return None
    return stamp_value(value)


def stamp_value(value: object) -> int | None:
    """A stamp as Redis returned it (bytes, or None when missing), as a number."""
    return int(value) if isinstance(value, bytes) and value.isdigit() else None


def _set(name: str, value: int, seconds: int, *, if_missing: bool = False) -> None:
    """Writers (the services, after their commit) set the stamp; readers that found none and
    read the database set it ``if_missing`` only: a value read before a writer's commit must
    never replace the newer one that writer set meanwhile."""
    try:
        redis_client().set(redis_key(name), value, ex=seconds, nx=if_missing)
    except redis.RedisError as exc:
        logger.warning("collaboration: Redis SET of %s failed (%s)", name, exc)


def conversation_get(conversation_id: int) -> int | None:
    return _get(f"collab:conv:{conversation_id}")


def conversation_set(conversation_id: int, version: int, *, if_missing: bool = False) -> None:
    _set(f"collab:conv:{conversation_id}", version, CONVERSATION_SECONDS, if_missing=if_missing)


def unread_key(user_id: int) -> str:
    """The Redis key of the account's unread count, for a caller that reads it together with
    other keys in one round trip (pages.views: with the cached page)."""
    return redis_key(f"collab:unread:{user_id}")


def unread_get(user_id: int) -> int | None:
    return _get(f"collab:unread:{user_id}")


def unread_set(user_id: int, count: int, *, if_missing: bool = False) -> None:
    _set(f"collab:unread:{user_id}", count, UNREAD_SECONDS, if_missing=if_missing)
