"""The authentication backends (settings.AUTHENTICATION_BACKENDS) and middleware
(settings.MIDDLEWARE): Django's and allauth's backends, and Django's middleware, with the
signed-in account of a request taken from the row its session was read with
(core.sessions: one statement for both) instead of a second query. How users authenticate,
and which may be signed in, is theirs, unchanged: the account must be active, and Django's
``auth.get_user`` still checks the session's hash of its password.

A session records the path of the backend that signed it in, and Django signs out a
session whose backend is no longer configured: the migration that moved sessions to
core_session (core 0004) renamed ``django.contrib.auth.backends.ModelBackend`` and allauth's
``AuthenticationBackend`` in every live session to these, so that nobody was signed out."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from allauth.account import auth_backends as allauth_backends
from django.contrib import auth
from django.contrib.auth import backends
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

# The session whose request is being authenticated, while AuthenticationMiddleware's
# lazy user asks Django for it: what the backends' get_user reads the account from.
_session: ContextVar[Any] = ContextVar("core_auth_session", default=None)


def _session_user(
    backend: backends.ModelBackend, user_id: Any, read: Callable[[Any], AbstractBaseUser | None]
) -> AbstractBaseUser | None:
    """``ModelBackend.get_user``: the user of primary key ``user_id`` when ``backend`` lets
    them authenticate, else None; taken from the row read with the session when it is
    theirs, else ``read`` (the backend's own get_user, through the ORM)."""
    user = getattr(_session.get(), "user", None)
    if user is None or str(user.pk) != str(user_id):
        return read(user_id)
    return user if backend.user_can_authenticate(user) else None


class ModelBackend(backends.ModelBackend):
    """Django's: username and password (the admin's log-in)."""

    def get_user(self, user_id: Any) -> AbstractBaseUser | None:  # type: ignore[override]
        return _session_user(self, user_id, super().get_user)


class AuthenticationBackend(allauth_backends.AuthenticationBackend):
    """allauth's: email and password (the site's log-in)."""

    def get_user(self, user_id: Any) -> AbstractBaseUser | None:  # type: ignore[override]
        return _session_user(self, user_id, super().get_user)


def _user(request: HttpRequest) -> AbstractBaseUser | AnonymousUser:
    """``django.contrib.auth.middleware.get_user``, with the request's session in reach of
    the backends for the time of the call."""
    if not hasattr(request, "_cached_user"):
        token = _session.set(request.session)
        try:
            request._cached_user = auth.get_user(request)  # type: ignore[attr-defined]
        finally:
            _session.reset(token)
    return request._cached_user  # type: ignore[attr-defined,no-any-return]


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, whose ``request.user`` is read as :func:`_user` says."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user(request))  # type: ignore[assignment]
