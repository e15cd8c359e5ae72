"""Following in Chromium: follow from a profile, open Following from the header, see the new
work with where it came from, unfollow in place (htmx, no navigation), choose a digest."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from following.models import Subscription
from profiles.models import Follow
from tests import factories as f

pytestmark = pytest.mark.browser


@pytest.fixture
def site(live_server, transactional_db, monkeypatch) -> Any:
    from django.db import connections

    from bzpeer.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    return live_server


def test_a_follower_follows_reads_unfollows_in_place_and_picks_a_digest(
    page: Page, site, stranger, log_in, console_errors: list[str], csp_violations: list[str]
) -> None:
    ada, bo = f.researcher("Ada Story"), f.researcher("Bo Story")
    f.work([ada], year=2025, title="Ada's new paper")
    f.work([bo], year=2024, title="Bo's paper")
    Follow.objects.create(user=stranger, researcher=bo)
    log_in(stranger)

    page.goto(f"{site.url}/researchers/{ada.openalex_id}/")
    page.locator("#follow-box").get_by_role("button", name="Follow researcher").click()
    expect(page.locator("#follow-box")).to_contain_text("Following")

    page.get_by_role("navigation", name="Account").get_by_role("link", name="Following").click()
    expect(page.locator("h1")).to_have_text("Following")
    works = page.locator("#following-works")
    expect(works.locator(".work-title")).to_have_text(["Ada's new paper", "Bo's paper"])
    expect(works.locator(".came-from").first).to_have_text("From Ada Story")

    page.get_by_role("button", name="Unfollow Bo Story").click()
    expect(page.get_by_text("No longer followed")).to_be_visible()
    assert page.url == f"{site.url}/following/"  # swapped in place
    assert not Follow.objects.filter(user=stranger, researcher=bo).exists()

    page.get_by_label("Weekly").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("You will get a weekly email")
    assert Subscription.objects.get(user=stranger).digest == "weekly"
    page.reload()
    expect(page.locator("#following-works .work-title")).to_have_text(["Ada's new paper"])
    assert console_errors == [] and csp_violations == []
