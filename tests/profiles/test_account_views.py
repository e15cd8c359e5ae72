"""Accounts (django-allauth) in the site's layout: sign up with email verification, log in,
log out, password reset; the header shows who is signed in."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from tests import cast
from tests.cast import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_rate_limits(settings) -> None:
    # allauth keeps its rate limits in the cache (Redis), which outlives the test database:
    # a second run within minutes would be refused a second confirmation email.
    settings.ACCOUNT_RATE_LIMITS = False


def link_in(message) -> str:
    """The path of the account link in ``message``, which must start with SITE_URL."""
    return re.search(re.escape(settings.SITE_URL) + r"(/accounts/\S+/)", message.body).group(1)


def test_the_header_offers_log_in_and_sign_up_or_the_account_and_log_out(client: Client, verified_user) -> None:
    html = client.get("/").content.decode()
    assert 'href="/accounts/login/?next=/"' in html and 'href="/accounts/signup/?next=/"' in html
    client.force_login(verified_user)
    html = client.get("/").content.decode()
    # Never the email address (screenshots, shared screens): the owned record's name, or this.
    assert 'href="/accounts/email/">Your account</a>' in html and "verified@example.org" not in html
    assert 'action="/accounts/logout/"' in html and "Log out</button>" in html


def test_the_header_names_the_record_an_owner_owns(client: Client, owner, record) -> None:
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert 'href="/accounts/email/"><bdi>Ada Example</bdi></a>' in html and owner.email not in html
    record.preferred_name = "Ada E. Example"
    record.save(update_fields=["preferred_name"])
    assert '<bdi>Ada E. Example</bdi></a>' in client.get("/").content.decode()


def test_the_log_in_page_offers_one_password_reset_link(client: Client) -> None:
    html = client.get("/accounts/login/").content.decode()
    assert html.count('href="/accounts/password/reset/"') == 1


def test_sign_up_sends_a_verification_link_that_confirms_the_address(client: Client) -> None:
    page = client.get("/accounts/signup/").content.decode()
    assert "<title>Sign up · BZPEER</title>" in page and 'class="site-header"' in page
    response = client.post(
        "/accounts/signup/", {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    assert "Confirm your email address" in client.get("/accounts/confirm-email/").content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@example.org"]
    confirm = link_in(mail.outbox[0])
    assert "Yes, confirm it" in client.get(confirm).content.decode()
    client.post(confirm)
    assert EmailAddress.objects.get(email="new@example.org").verified


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password", "This password is too common."),
        ("short 1", "This password is too short. It must contain at least 10 characters."),
        ("4815162342108", "This password is entirely numeric."),
        ("weak.person@example.org", "The password is too similar to the email address."),
    ],
)
def test_sign_up_refuses_a_weak_password_and_says_why(client: Client, password: str, reason: str) -> None:
    response = client.post(
        "/accounts/signup/", {"email": "weak.person@example.org", "password1": password, "password2": password}
    )
    assert response.status_code == 200 and reason in response.content.decode()
    assert not User.objects.filter(email="weak.person@example.org").exists() and mail.outbox == []


def test_sign_up_and_confirmation_land_where_the_person_started(client: Client) -> None:
    start = "/researchers/A5990000001/?page=2"
    page = client.get("/").content.decode()
    assert 'href="/accounts/signup/?next=/"' in page  # the header's Sign up keeps the page
    form = client.get("/accounts/signup/", {"next": start}).content.decode()
    assert 'name="next" value="/researchers/A5990000001/?page=2"' in form
    client.post(
        "/accounts/signup/", {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD, "next": start}
    )
    link = re.search(re.escape(settings.SITE_URL) + r"(/accounts/confirm-email/\S+)", str(mail.outbox[0].body)).group(1)
    assert link.endswith("?next=%2Fresearchers%2FA5990000001%2F%3Fpage%3D2")
    # Another browser: the confirm page posts `next` on, and confirming lands there.
    elsewhere = Client()
    assert 'name="next" value="/researchers/A5990000001/?page=2"' in elsewhere.get(link).content.decode()
    response = elsewhere.post(link.split("?")[0], {"next": start})
    assert response.status_code == 302 and response["Location"] == start
    # The browser that signed up: confirming signs in and lands there too.
    EmailAddress.objects.filter(email="new@example.org").update(verified=False)
    client.post("/accounts/confirm-email/")  # resend
    again = re.search(re.escape(settings.SITE_URL) + r"(/accounts/confirm-email/\S+)", str(mail.outbox[-1].body))
    response = client.post(again.group(1).split("?")[0], {"next": start})
    assert response.status_code == 302 and response["Location"] == start
    assert "_auth_user_id" in client.session


def test_a_next_off_the_site_is_not_carried_into_the_email(client: Client) -> None:
    client.post(
        "/accounts/signup/",
        {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD, "next": "https://evil.example/"},
    )
    assert "evil.example" not in mail.outbox[0].body and "?next=" not in mail.outbox[0].body


def test_an_unverified_account_cannot_log_in_yet(client: Client) -> None:
    unverified = cast.account("unverified")
    EmailAddress.objects.create(user=unverified, email=unverified.email, verified=False, primary=True)
    response = client.post("/accounts/login/", {"login": unverified.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


def test_log_in_returns_to_next_and_log_out_needs_a_post(client: Client, verified_user) -> None:
    page = client.get("/accounts/login/?next=/researchers/A5990000001/").content.decode()
    assert "<title>Log in · BZPEER</title>" in page and 'name="next" value="/researchers/A5990000001/"' in page
    response = client.post(
        "/accounts/login/", {"login": verified_user.email, "password": PASSWORD, "next": "/researchers/A5990000001/"}
    )
    assert response.status_code == 302 and response["Location"] == "/researchers/A5990000001/"
    assert client.get("/accounts/logout/").status_code == 200  # a confirmation page, not a logout
    assert "_auth_user_id" in client.session
    client.post("/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_is_refused_with_a_message(client: Client, verified_user) -> None:
    response = client.post("/accounts/login/", {"login": verified_user.email, "password": "wrong"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()


def test_password_reset_by_email(client: Client, verified_user) -> None:
    assert "Reset your password" in client.get("/accounts/password/reset/").content.decode()
    response = client.post("/accounts/password/reset/", {"email": verified_user.email})
    assert response.status_code == 302 and "Check your email" in client.get(response["Location"]).content.decode()
    key_url = client.get(link_in(mail.outbox[0]))["Location"]  # allauth moves the key into the session
    assert "Choose a new password" in client.get(key_url).content.decode()
    refused = client.post(key_url, {"password1": "password", "password2": "password"})  # the same checks as sign-up
    assert "This password is too common." in refused.content.decode()
    verified_user.refresh_from_db()
    assert not verified_user.check_password("password")
    client.post(key_url, {"password1": "a new long passphrase 42", "password2": "a new long passphrase 42"})
    verified_user.refresh_from_db()
    assert verified_user.check_password("a new long passphrase 42")


def test_account_emails_link_to_site_url_whatever_host_the_request_names(
    client: Client, verified_user, settings
) -> None:
    """A reset requested through another host name (here one ALLOWED_HOSTS accepts) must not
    send the account's owner a link to that host, nor name it."""
    settings.SITE_URL = "https://bzpeer.example.org"
    settings.ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
    client.post("/accounts/password/reset/", {"email": verified_user.email}, HTTP_HOST="localhost")
    client.post("/accounts/password/reset/", {"email": "nobody@example.org"}, HTTP_HOST="localhost")
    client.post(
        "/accounts/signup/",
        {"email": "new@example.org", "password1": PASSWORD, "password2": PASSWORD},
        HTTP_HOST="localhost",
    )
    client.post(
        "/accounts/signup/",
        {"email": verified_user.email, "password1": PASSWORD, "password2": PASSWORD},
        HTTP_HOST="localhost",
    )
    # Password reset, unknown account, address confirmation, account already exists.
    assert len({message.subject for message in mail.outbox}) == 4, [m.subject for m in mail.outbox]
    for message in mail.outbox:
        body = str(message.body)
        links = re.findall(r"https?://\S+", body)
        assert links and all(link.startswith("https://bzpeer.example.org/") for link in links), body
        assert "localhost" not in body and "example.com" not in body
        assert message.subject.startswith("[BZPEER] ")


def test_other_allauth_pages_use_the_site_layout(client: Client, verified_user) -> None:
    client.force_login(verified_user)
    html = client.get("/accounts/email/").content.decode()
    assert 'class="site-header"' in html and 'class="account-main"' in html and "· BZPEER</title>" in html


def test_changing_a_password_checks_it_like_sign_up(client: Client, verified_user) -> None:
    client.force_login(verified_user)
    page = client.get("/accounts/password/change/").content.decode()
    assert "<title>Change your password · BZPEER</title>" in page and "at least 10 characters" in page
    weak = {"oldpassword": PASSWORD, "password1": "password", "password2": "password"}
    assert "This password is too common." in client.post("/accounts/password/change/", weak).content.decode()
    verified_user.refresh_from_db()
    assert verified_user.check_password(PASSWORD)
    strong = {"oldpassword": PASSWORD, "password1": "a new long passphrase 42", "password2": "a new long passphrase 42"}
    assert client.post("/accounts/password/change/", strong).status_code == 302
    verified_user.refresh_from_db()
    assert verified_user.check_password("a new long passphrase 42")


def test_the_sites_row_names_bzpeer_not_example_com() -> None:
    from django.contrib.sites.models import Site

    site = Site.objects.get(pk=settings.SITE_ID)
    assert site.name == "BZPEER" and site.domain == settings.SITE_URL.split("://", 1)[1]
