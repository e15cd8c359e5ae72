"""Sessions read with their account in one statement (core.sessions, core.auth_backends):
a signed-in request costs one query for both, and the account is checked as Django checks
it (active, the session's hash of the password, an unexpired session); a row whose account
column says something else than the session's data never signs anyone in as that other
account."""

from __future__ import annotations

import importlib
import itertools
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model, login, update_session_auth_hash
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from core.auth_backends import AuthenticationBackend, AuthenticationMiddleware, ModelBackend
from core.models import Session
from core.page_cache import fetch_prepared
from core.sessions import SessionStore
from tests import cast

pytestmark = pytest.mark.django_db


def request_with(session_key: str | None) -> Any:
    """A request carrying ``session_key``'s cookie through the session and authentication
    middleware, as the site's stack runs them."""
    request = RequestFactory().get("/")
    assert session_key
    request.COOKIES[settings.SESSION_COOKIE_NAME] = session_key
    SessionMiddleware(HttpResponse).process_request(request)
    AuthenticationMiddleware(HttpResponse).process_request(request)
    return request


_addresses = itertools.count(1)


def client_from_an_address_of_its_own() -> Client:
    """A client whose log-ins count against a per-address limit of their own (allauth's
    "login" limit, 10 a minute per address)."""
    return Client(REMOTE_ADDR=f"10.77.{next(_addresses) // 250}.{next(_addresses) % 250 + 1}")


def signed_in(user: Any) -> str:
    """The session key of a real log-in of ``user`` (allauth's form, email and password)."""
    user.set_password("a long enough password 1")
    user.save()
    client = client_from_an_address_of_its_own()
    response = client.post("/accounts/login/", {"login": user.email, "password": "a long enough password 1"})
    assert response.status_code == 302, response.content[:500]
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def test_a_signed_in_request_reads_its_session_and_account_in_one_query(django_assert_num_queries) -> None:
    user = cast.stranger()
    key = signed_in(user)
    assert Session.objects.get(session_key=key).user_id == user.pk
    request = request_with(key)
    with django_assert_num_queries(1):
        assert request.user.is_authenticated and request.user.pk == user.pk
        assert request.user.email == user.email and request.session["_auth_user_id"] == str(user.pk)
    with django_assert_num_queries(1):  # an anonymous session cookie: the session alone
        assert not request_with("x" * 32).user.is_authenticated


@pytest.mark.parametrize("change", ["password", "inactive", "deleted", "expired"])
def test_the_account_is_checked_as_django_checks_it(change: str) -> None:
    user = cast.stranger()
    key = signed_in(user)
    if change == "password":  # every other session of the account ends with a new password
        user.set_password("another long password 2")
        user.save()
    elif change == "inactive":
        get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    elif change == "deleted":
        user.delete()
    else:
        Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    request = request_with(key)
    assert not request.user.is_authenticated
    if change == "password":  # Django's answer to a hash that no longer matches: the session ends
        assert not Session.objects.filter(session_key=key).exists()


def test_an_account_column_that_disagrees_with_the_session_never_signs_in_as_the_other(
    django_assert_num_queries,
) -> None:
    """The column is only a way to read the account with the session; the session's data says
    who is signed in (a column pointing elsewhere: that account's row is not used)."""
    user, other = cast.stranger(), cast.staff()
    key = signed_in(user)
    Session.objects.filter(session_key=key).update(user_id=other.pk)
    request = request_with(key)
    with django_assert_num_queries(2):  # the session (with the other's row), then the account by the ORM
        assert request.user.pk == user.pk and not request.user.is_staff


def test_log_in_and_log_out_keep_the_column_with_the_session() -> None:
    user = cast.stranger()
    user.set_password("a long enough password 1")
    user.save()
    client = client_from_an_address_of_its_own()
    client.get("/accounts/login/")
    client.session.save()  # an anonymous session: it names nobody
    assert Session.objects.exists() and all(row.user_id is None for row in Session.objects.all())
    client.post("/accounts/login/", {"login": user.email, "password": "a long enough password 1"})
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.get(session_key=key).user_id == user.pk
    assert client.get("/following/").status_code == 200  # signed in
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/following/").status_code == 302  # sent to log in


def test_expired_sessions_are_cleared_nightly_and_live_ones_kept() -> None:
    from core.tasks import clear_expired_sessions

    user = cast.stranger()
    live = signed_in(user)
    gone = signed_in(user)
    Session.objects.filter(session_key=gone).update(expire_date=timezone.now() - timedelta(minutes=1))
    assert clear_expired_sessions() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert clear_expired_sessions() == 0
    assert settings.CELERY_BEAT_SCHEDULE["clear-expired-sessions-nightly"]["task"] == "core.clear_expired_sessions"


def test_the_row_read_with_the_session_serves_that_request_only(django_assert_num_queries) -> None:
    """Outside the middleware's one call, a backend reads the account itself: fresh, by the
    ORM (the row read with a session is never handed to another caller)."""
    user = cast.stranger()
    request = request_with(signed_in(user))
    assert request.user.pk == user.pk
    get_user_model().objects.filter(pk=user.pk).update(first_name="Changed since")
    with django_assert_num_queries(1):
        again: Any = ModelBackend().get_user(user.pk)
    assert again is not None and again.first_name == "Changed since"
    fresh: Any = AuthenticationBackend().get_user(user.pk)
    assert fresh.first_name == "Changed since"


def test_switching_accounts_and_changing_the_password_keep_the_column_right() -> None:
    first, second = cast.stranger(), cast.staff()
    key = signed_in(first)
    # Another account signs in on the same browser: Django flushes the session (a new key).
    request = request_with(key)
    login(request, second, backend="core.auth_backends.AuthenticationBackend")
    request.session.save()  # as SessionMiddleware saves it with the response
    now_key = request.session.session_key
    assert now_key != key and not Session.objects.filter(session_key=key).exists()
    assert Session.objects.get(session_key=now_key).user_id == second.pk
    assert request_with(now_key).user.pk == second.pk
    # update_session_auth_hash (a password change that keeps its own session) cycles the key.
    request = request_with(now_key)
    assert request.user.pk == second.pk  # signed in, as a password-change view finds them
    second.set_password("a third long password 3")
    second.save()
    update_session_auth_hash(request, second)
    request.session.save()
    cycled = request.session.session_key
    assert cycled != now_key and Session.objects.get(session_key=cycled).user_id == second.pk
    assert request_with(cycled).user.pk == second.pk and not request_with(now_key).user.is_authenticated


def test_a_session_naming_a_backend_no_longer_configured_is_signed_out() -> None:
    user = cast.stranger()
    store = SessionStore()
    store.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                  "_auth_user_hash": user.get_session_auth_hash()})
    store.create()
    assert Session.objects.get(session_key=store.session_key).user_id == user.pk
    assert not request_with(store.session_key).user.is_authenticated


def test_the_move_carries_live_sessions_over_with_their_backends_renamed() -> None:
    """core 0004 moves every live session of Django's table into core_session, so nobody is
    signed out by the move; expired ones and ones that do not verify are left out."""
    from django.apps import apps
    from django.contrib.sessions.backends.db import SessionStore as DjangoStore
    from django.contrib.sessions.models import Session as DjangoSession

    move = importlib.import_module("core.migrations.0004_session").carry_over_sessions
    user = cast.stranger()
    old = DjangoStore()
    old.update({"_auth_user_id": str(user.pk), "_auth_user_hash": user.get_session_auth_hash(),
                "_auth_user_backend": "allauth.account.auth_backends.AuthenticationBackend", "basket": [1, 2]})
    old.create()
    expired = DjangoStore()
    expired.update({"_auth_user_id": str(user.pk)})
    expired.create()
    DjangoSession.objects.filter(session_key=expired.session_key).update(expire_date=timezone.now())
    DjangoSession.objects.create(session_key="forged" * 5, session_data="not:signed", expire_date=old.get_expiry_date())
    move(apps, None)
    assert list(Session.objects.values_list("session_key", "user_id")) == [(old.session_key, user.pk)]
    assert not DjangoSession.objects.exists()
    request = request_with(old.session_key)
    assert request.user.pk == user.pk and request.session["basket"] == [1, 2]
    assert request.session["_auth_user_backend"] == "core.auth_backends.AuthenticationBackend"


@pytest.mark.django_db(transaction=True)
def test_a_statement_prepared_before_a_migration_is_prepared_again() -> None:
    """core.page_cache.fetch_prepared (the session's read, the page stamps, the viewer reads):
    a prepared statement whose table a migration changed fails on its connection ever after
    ("cached plan must not change result type"); the connection is closed and, outside a
    transaction, the read runs again at once on a new one; inside one, only that read fails."""
    prepare, execute = "PREPARE core_probe_stale AS SELECT * FROM core_probe_stale", "EXECUTE core_probe_stale"
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE core_probe_stale (a int)")
        cursor.execute("INSERT INTO core_probe_stale VALUES (1)")
    try:
        assert fetch_prepared("core_probe_stale", prepare, execute, []) == (1,)
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE core_probe_stale ADD COLUMN b int DEFAULT 2")
        assert fetch_prepared("core_probe_stale", prepare, execute, []) == (1, 2)
        with pytest.raises(DatabaseError), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE core_probe_stale ADD COLUMN c int DEFAULT 3")
            fetch_prepared("core_probe_stale", prepare, execute, [])
        assert fetch_prepared("core_probe_stale", prepare, execute, []) == (1, 2)  # the ALTER rolled back
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE core_probe_stale")
