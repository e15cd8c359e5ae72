"""One log-in path with its lockout: /admin/login/ checks no password and sends people to
allauth's log-in; wrong passwords lock the account (axes, in PostgreSQL) wherever they were
typed; the right password is refused while locked; the lock lifts after its cool-off; the
admin opens only for staff whose email address is verified."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from tests import cast
from tests.cast import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN, ADMIN_LOGIN = "/accounts/login/", "/admin/login/"


@pytest.fixture(autouse=True)
def no_address_limits(settings) -> None:
    # allauth's per-address limits (tested in test_account_rate_limits.py) live in the cache
    # and outlive each test's database; here only the lockout counts.
    settings.ACCOUNT_RATE_LIMITS = False


def attempts() -> Any:
    """axes' failure records (imported here: axes is an app only since the lockout came)."""
    from axes.models import AccessAttempt

    return AccessAttempt.objects


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_admin_login_sends_visitors_to_the_one_log_in_keeping_next(client: Client) -> None:
    response = client.get(f"{ADMIN_LOGIN}?next=/admin/claims/claim/")
    assert response.status_code == 302 and response["Location"] == f"{LOGIN}?next=/admin/claims/claim/"
    chain = client.get("/admin/", follow=True).redirect_chain
    assert chain == [("/admin/login/?next=/admin/", 302), (f"{LOGIN}?next=/admin/", 302)]
    # A foreign next is dropped for the admin's own index.
    assert client.get(f"{ADMIN_LOGIN}?next=https://evil.example/")["Location"] == f"{LOGIN}?next=/admin/"


def test_admin_login_checks_no_password(client: Client, staff) -> None:
    response = client.post(f"{ADMIN_LOGIN}?next=/admin/", {"username": staff.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == f"{LOGIN}?next=/admin/"
    assert not signed_in(client)


def test_wrong_passwords_at_both_urls_lock_the_account_and_the_lock_lifts(client: Client, staff, settings) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(40):  # the attack that used to work: admin's form checked passwords unbounded
        client.post(ADMIN_LOGIN, {"username": staff.username, "password": "wrong"})
    for attempt in range(limit):
        response = client.post(LOGIN, {"login": staff.email, "password": f"wrong {attempt}"})
        assert response.status_code == (429 if attempt == limit - 1 else 200)
    # The right password, at either URL, is refused while the account is locked.
    refused = client.post(LOGIN, {"login": staff.email, "password": PASSWORD})
    assert refused.status_code == 429 and not signed_in(client)
    page = refused.content.decode()
    assert "Too many wrong passwords for this account" in page and "Try again in 15 minutes (at " in page
    assert 890 <= int(refused["Retry-After"]) <= 900
    client.post(ADMIN_LOGIN, {"username": staff.username, "password": PASSWORD})
    assert not signed_in(client)
    # Tries during the lock do not extend it; after the cool-off the right password works.
    attempts().update(attempt_time=attempts().get().attempt_time - timedelta(minutes=15))
    response = client.post(LOGIN, {"login": staff.email, "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/" and signed_in(client)
    assert client.get("/admin/").status_code == 200
    assert not attempts().exists()  # a successful log-in clears the count


def test_failures_add_up_across_addresses_browsers_and_letter_case(stranger, settings) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    for attempt in range(limit):
        attacker = Client(REMOTE_ADDR=f"203.0.113.{attempt}", HTTP_USER_AGENT=f"bot/{attempt}")
        login = stranger.email.upper() if attempt % 2 else stranger.email
        attacker.post(LOGIN, {"login": login, "password": "wrong"})
    owner = Client(REMOTE_ADDR="198.51.100.1")
    response = owner.post(LOGIN, {"login": stranger.email, "password": PASSWORD})
    assert response.status_code == 429 and not signed_in(owner)
    # Another account is not locked by it.
    other = cast.verified_user("other")
    assert owner.post(LOGIN, {"login": other.email, "password": PASSWORD}).status_code == 302


def test_the_lockout_is_kept_in_postgresql(client: Client, stranger, settings) -> None:
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"login": stranger.email, "password": "wrong"})
    attempt = attempts().get()
    assert (attempt.username, attempt.failures_since_start) == (stranger.email, settings.AXES_FAILURE_LIMIT)


def test_the_admin_opens_only_for_staff_with_a_verified_address(client: Client, staff, stranger) -> None:
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200
    EmailAddress.objects.filter(user=staff).update(verified=False)
    denied = client.get("/admin/", follow=True)
    assert denied.status_code == 403 and "whose email address is verified" in denied.content.decode()
    assert client.get("/admin/claims/claim/", follow=True).status_code == 403
    client.force_login(stranger)  # verified, not staff
    denied = client.get("/admin/", follow=True)
    assert denied.status_code == 403 and "for BZPEER's staff only" in denied.content.decode()
