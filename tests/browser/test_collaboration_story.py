"""Direct collaboration in Chromium, two browser contexts: A invites B from B's profile (the
form opens in place), B sees the unread count in the header, accepts; they exchange messages
that appear for the other without a reload (htmx polling); B blocks A, and A can no longer
write. No Content-Security-Policy violation on the way."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from tests import cast
from tests import factories as f

pytestmark = pytest.mark.browser


def _signed_in(browser: Browser, live_server: Any, user: Any, violations: list[str]) -> Page:
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page = context.new_page()
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda error: violations.append(str(error)))
    return page


def test_invite_accept_chat_without_reload_then_block(
    browser: Browser, live_server: Any, transactional_db: None, monkeypatch: Any
) -> None:
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    a_record = f.record()
    b_record = f.researcher("Bea Bright", open_to_collaborate=True, orcid="")
    f.work([a_record, b_record], title="Our shared paper")
    f.edges()
    a = cast.owner(a_record, "alice")
    b = cast.owner(b_record, "bea")
    problems: list[str] = []
    page_a = _signed_in(browser, live_server, a, problems)
    page_b = _signed_in(browser, live_server, b, problems)

    # A opens B's profile and invites from the card, in place.
    page_a.goto(f"{live_server.url}/researchers/{b_record.openalex_id}/")
    card = page_a.locator("#direct-collaboration")
    card.get_by_role("link", name="Invite to collaborate").click()
    expect(page_a.locator("#direct-collaboration form")).to_be_visible()
    assert page_a.url.endswith(f"/researchers/{b_record.openalex_id}/")  # no navigation: in place
    page_a.get_by_label("Subject").fill("Shall we write the sequel?")
    page_a.get_by_label("Message").fill("Our shared paper went well.")
    page_a.get_by_role("button", name="Send the invitation").click()
    expect(page_a.locator("#invitation-state")).to_contain_text("Waiting for an answer")
    expect(page_a.locator("#why-you")).to_contain_text("1 work")

    # B sees the count in the header, opens the invitation and accepts.
    page_b.goto(f"{live_server.url}/")
    expect(page_b.locator("#unread-count")).to_contain_text("1")
    page_b.locator("#collaboration-link").click()
    page_b.get_by_role("link", name="Shall we write the sequel?").click()
    page_b.get_by_role("button", name="Accept").click()
    expect(page_b.get_by_role("heading", name="Shall we write the sequel?")).to_be_visible()
    conversation_url = page_b.url

    # A opens the conversation; each message reaches the other page without a reload.
    page_a.goto(conversation_url)
    page_b.get_by_label("Your message").fill("Hello from Bea")
    page_b.get_by_role("button", name="Send").click()
    expect(page_a.locator("#messages")).to_contain_text("Hello from Bea", timeout=10_000)
    page_a.get_by_label("Your message").fill("Hello back from Alice")
    page_a.get_by_role("button", name="Send").click()
    expect(page_b.locator("#messages")).to_contain_text("Hello back from Alice", timeout=10_000)
    expect(page_a.locator("#messages")).to_contain_text("Hello back from Alice", timeout=10_000)

    # B blocks A; A's page learns the conversation is closed, and A can no longer write.
    page_b.get_by_text("Leave, block or report").click()
    page_b.get_by_role("button", name="Block").click()
    expect(page_b.locator("#conversation-state")).to_contain_text("You blocked this account")
    expect(page_a.locator("#conversation-state")).to_contain_text("closed", timeout=10_000)
    page_a.get_by_label("Your message").fill("Are you there?")
    page_a.get_by_role("button", name="Send").click()
    expect(page_a.locator("#composer")).to_contain_text("no one can write in it any more")
    expect(page_b.locator("#messages")).not_to_contain_text("Are you there?")
    assert problems == []
