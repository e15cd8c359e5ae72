"""The whole claim story in Chromium, on the demo data: a researcher signs up, verifies their
email from the test outbox, claims their record with evidence; a moderator approves it in the
queue; the profile shows Claimed and the higher level (the trust recompute runs inline, as
the demo_site fixture makes Celery eager); the owner hides a work and writes a bio; a
re-import of the record keeps both."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

SEED = "A5990000001"  # Jan Leike, the demo's seed record
DEMO = Path(settings.BASE_DIR) / "demo" / "openalex"
EMAIL = "jan@example.net"
PASSWORD = "a long and unguessable passphrase 42"
EVIDENCE = "https://www.example.org/people/jan-leike"


@pytest.fixture
def mail_in_memory(settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # allauth keeps its rate limits in the (Redis) cache, which outlives the test database.
    settings.ACCOUNT_RATE_LIMITS = False
    mail.outbox = []


def _as_staff(browser: Browser, site, staff) -> Page:
    client = Client()
    client.force_login(staff)
    context = browser.new_context()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site.url}])
    return context.new_page()


def test_sign_up_claim_approve_edit_and_reimport(
    page: Page, browser: Browser, demo_site, staff, mail_in_memory, console_errors: list[str]
) -> None:
    profile = f"{demo_site.url}/researchers/{SEED}/"

    # A visitor finds their record and is sent to log in; they have no account yet.
    page.goto(profile)
    expect(page.locator("#identity")).to_contain_text("Log in to claim")
    page.get_by_role("link", name="Log in to claim").click()
    page.locator("main").get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label(re.compile("Password \\(again\\)|Confirm password|Password again")).fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Confirm your email address")).to_be_visible()

    # The verification link, from the test outbox.
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    link = re.search(r"https?://\S+(/accounts/confirm-email/\S+/)", str(mail.outbox[0].body)).group(1)
    page.goto(demo_site.url + link)
    page.get_by_role("button", name="Yes, confirm it").click()
    if page.get_by_role("button", name="Log out").count() == 0:  # not signed in by the confirmation
        page.goto(f"{demo_site.url}/accounts/login/")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    # The claim, with evidence.
    page.goto(profile)
    page.locator("#identity").get_by_role("link", name="Claim this record").click()
    expect(page.get_by_role("heading", name="Claim Jan Leike")).to_be_visible()
    evidence = page.locator("#claim-evidence")
    evidence.get_by_label("Link to a public page").fill(EVIDENCE)
    evidence.get_by_label("Note for the moderator").fill("The lab page lists me as a team lead.")
    evidence.get_by_label(re.compile("I am the researcher")).check()
    evidence.get_by_role("button", name="Send my claim to a moderator").click()
    expect(page.locator(".messages")).to_contain_text("Your claim is filed and waits for a moderator")
    status = page.locator(".claim-status")
    expect(status).to_contain_text("Waiting for a moderator")
    expect(status).to_contain_text("number 1 in the queue")
    expect(status.get_by_role("button", name="Withdraw this claim")).to_be_visible()

    # A moderator approves it from the queue.
    moderator = _as_staff(browser, demo_site, staff)
    moderator.goto(f"{demo_site.url}/moderation/")
    row = moderator.locator("#queue tbody tr").filter(has_text="Jan Leike")
    expect(row).to_contain_text(EMAIL)
    row.get_by_role("link").first.click()
    expect(moderator.locator("#evidence")).to_contain_text(EVIDENCE)
    expect(moderator.locator("#claimant")).to_contain_text("example.net")
    moderator.get_by_label("Approve").check()
    moderator.get_by_role("button", name="Record the decision and email the claimant").click()
    expect(moderator.locator(".messages")).to_contain_text("approved")
    approval = mail.outbox[-1]
    assert approval.to == [EMAIL] and approval.subject == f"Your claim on Jan Leike ({SEED}) is approved"

    # The profile shows Claimed and the level the recompute stored (L3: a moderator approved).
    page.goto(profile)
    expect(page.locator(".chip", has_text="Claimed")).to_be_visible()
    expect(page.get_by_text("Verification L3")).to_be_visible()
    expect(page.locator("#identity")).to_contain_text("This is your record.")

    # The owner writes a bio and hides a work.
    page.locator("#identity").get_by_role("link", name="Edit your profile").click()
    bio = "I lead alignment research; this bio is mine, not generated."
    page.get_by_label("Your bio").fill(bio)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Your changes are saved.")
    first = page.locator("#works tbody tr").first
    hidden_title = first.locator("td").nth(1).inner_text().split(" · ")[0]
    first.get_by_label(re.compile("Why hide")).select_option("not_mine")
    first.get_by_role("button", name="Hide").click()
    expect(page.locator(".messages")).to_contain_text("The work is hidden from your profile")

    # OpenAlex data is imported again: the owner's bio and the hidden work stay.
    call_command("import_openalex", str(DEMO), "--followups=now", stdout=open(os.devnull, "w"))  # noqa: SIM115
    page.goto(profile)
    expect(page.locator("body")).to_contain_text(bio)
    expect(page.get_by_role("heading", name="5 published item(s)")).to_be_visible()
    expect(page.locator("#works-list")).not_to_contain_text(hidden_title)
    history = page.locator("#correction-history")
    expect(history).to_contain_text("The owner wrote their own bio")
    expect(history).to_contain_text("(not theirs)")
    expect(page.locator(".chip", has_text="Claimed")).to_be_visible()
    assert console_errors == []
