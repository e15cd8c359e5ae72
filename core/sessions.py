"""The session engine (``SESSION_ENGINE = "core.sessions"``): Django's database sessions,
kept in ``core_session`` (core.models.Session) with the signed-in account's id beside each,
so that a request reads its session and its account in one statement prepared once per
database connection, not through the ORM in two.

Through the ORM the two reads cost about 0.9 ms of a 4 ms cached profile for a signed-in
visitor, nearly all of it building and compiling the queries; prepared and joined, one round
trip (docs/performance.md, "Signed-in visitors from the cache"). The account read with the
session is handed to authentication (core.auth_backends), which checks it as Django
always does (active, and the session's hash of the password). Creating, saving, cycling
and deleting sessions, and ``clearsessions``, are Django's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone

from core.page_cache import fetch_prepared

_LOAD = "core_session_load"


def _load_sql() -> str:
    """The session of ``$1`` unexpired at ``$2``, and the account it names, if any."""
    from core.models import Session

    user = get_user_model()
    q = connection.ops.quote_name
    columns = ", ".join(f"u.{q(field.column)}" for field in user._meta.concrete_fields)
    return (
        f"PREPARE {_LOAD}(text, timestamptz) AS SELECT s.session_data, s.expire_date, {columns} "
        f"FROM {q(Session._meta.db_table)} s LEFT JOIN {q(user._meta.db_table)} u "
        f"ON u.{q(user._meta.pk.column)} = s.user_id "
        "WHERE s.session_key = $1 AND s.expire_date > $2"
    )


def _with_user_id(session: Any, data: dict[str, Any]) -> Any:
    """The session row to save, with the id of the account its data signs in (or None)."""
    try:
        session.user_id = int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        session.user_id = None
    return session


class SessionStore(db.SessionStore):
    # The account row read with the session (None when it names none): see core.auth_backends.
    user: AbstractBaseUser | None = None

    @classmethod
    def get_model_class(cls) -> Any:
        from core.models import Session

        return Session

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        return _with_user_id(super().create_model_instance(data), data)

    async def acreate_model_instance(self, data: dict[str, Any]) -> Any:
        return _with_user_id(await super().acreate_model_instance(data), data)

    def _get_session_from_db(self) -> Any:
        """The unexpired row of this session key, as Django's store reads it, or None (and no
        key: a new one is made when the session is saved); the account it names is kept in
        :attr:`user`. A malformed key (too short, say) was already dropped by ``SessionBase``."""
        self.user = None
        key = self.session_key
        if key is None:
            return None
        row = fetch_prepared(_LOAD, _load_sql(), f"EXECUTE {_LOAD}(%s, %s)", [key, timezone.now()])
        if row is None:
            self._session_key = None
            return None
        model = get_user_model()
        if row[2] is not None:  # the primary key: NULL when the session names no account
            fields = model._meta.concrete_fields
            self.user = model.from_db(connection.alias, [field.attname for field in fields], row[2:])
        return self.model(session_key=key, session_data=row[0], expire_date=row[1])
