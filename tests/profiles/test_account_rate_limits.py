"""allauth's rate limits as BZPEER configures them (settings.ACCOUNT_RATE_LIMITS): sign-up,
log-in and password reset are bounded per client address (bzpeer.http.client_ip, the one
rule) and reset emails per address; over a limit, 429 says when to try again; a forged
X-Forwarded-For never opens a fresh bucket, whether clients connect directly or through one
proxy."""

from __future__ import annotations

import uuid

import pytest
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def address() -> str:
    """A client address of this test's own: allauth counts in the cache (Redis), which keeps
    its counts across the tests of a session."""
    tail = uuid.uuid4().bytes
    return f"10.{tail[0]}.{tail[1]}.{tail[2] or 1}"


def assert_429_says_when(response, *, at_most: int) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= at_most
    page = response.content.decode()
    assert "Too many attempts from your network" in page and "Try again in " in page and " UTC)" in page


def test_sign_up_takes_five_attempts_a_minute_per_address(address: str) -> None:
    client = Client(REMOTE_ADDR=address)
    for _ in range(5):
        assert client.post("/accounts/signup/", {}).status_code == 200  # counted, form errors shown
    assert_429_says_when(client.post("/accounts/signup/", {}), at_most=60)
    assert Client(REMOTE_ADDR=address).get("/accounts/signup/").status_code == 200  # reading is free


def test_log_in_takes_ten_attempts_a_minute_per_address(address: str) -> None:
    client = Client(REMOTE_ADDR=address)
    for _ in range(10):
        assert client.post("/accounts/login/", {}).status_code == 200
    assert_429_says_when(client.post("/accounts/login/", {}), at_most=60)


def test_password_reset_mails_one_address_three_times_an_hour(address: str, verified_user) -> None:
    for n in range(3):  # from three addresses: the mailbox is what is protected
        response = Client(REMOTE_ADDR=f"{address[:-1]}{n + 2}").post(
            "/accounts/password/reset/", {"email": verified_user.email}
        )
        assert response.status_code == 302
    assert len(mail.outbox) == 3
    refused = Client(REMOTE_ADDR=address).post("/accounts/password/reset/", {"email": verified_user.email.upper()})
    assert_429_says_when(refused, at_most=3600)
    assert len(mail.outbox) == 3


def test_a_forged_forwarded_for_never_resets_the_bucket_of_a_direct_client(address: str, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client(REMOTE_ADDR=address)
    for n in range(5):
        client.post("/accounts/signup/", {}, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    assert client.post("/accounts/signup/", {}, HTTP_X_FORWARDED_FOR="203.0.113.99").status_code == 429


def test_behind_one_proxy_the_proxys_entry_is_the_client(address: str, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.255.0.1")
    for n in range(5):  # the client forges a first entry; the proxy appends the real address
        proxy.post("/accounts/signup/", {}, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, {address}")
    assert proxy.post("/accounts/signup/", {}, HTTP_X_FORWARDED_FOR=f"198.51.100.1, {address}").status_code == 429
    # Another client behind the same proxy has a bucket of its own.
    other = f"{address.rsplit('.', 1)[0]}.{(int(address.rsplit('.', 1)[1]) % 250) + 2}"
    assert proxy.post("/accounts/signup/", {}, HTTP_X_FORWARDED_FOR=other).status_code == 200
