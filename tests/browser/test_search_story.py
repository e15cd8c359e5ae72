"""Search in Chromium: a person types a query and the results of every kind appear in place
(no page load), narrows the researchers with a filter, pages through works, and the URL in
the address bar is a bookmark that shows the same results on its own."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests import cast
from tests import factories as f

pytestmark = pytest.mark.browser


@pytest.fixture
def site(live_server, transactional_db, monkeypatch) -> Any:
    from django.db import connections

    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    return live_server


def test_a_person_searches_filters_and_bookmarks_without_a_page_load(
    page: Page, site, console_errors: list[str], csp_violations: list[str]
) -> None:
    claimed = f.researcher("Ada Lovelace", works_count=5)
    f.researcher("Ada Lovelock", works_count=9)
    cast.owner(claimed, "ada")
    f.topic("Lovelace studies")
    for n in range(25):
        f.work([claimed], title=f"Lovelace engine note {n:02d}", cited_by_count=100 - n)

    page.goto(f"{site.url}/")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Name, topic, institution, title, DOI, ORCID iD or OpenAlex id").fill("lovel")
    researchers = page.locator("#results-researchers")
    expect(researchers.locator(".researcher-list a")).to_have_text(["Ada Lovelock", "Ada Lovelace"])
    expect(page.locator("#results-topics")).to_contain_text("Lovelace studies")
    expect(page.locator("#results-works")).to_contain_text("Works (25)")
    assert page.url == f"{site.url}/?q=lovel&country=&level="
    assert page.evaluate("window.notReloaded") is True  # swapped in place

    page.get_by_role("checkbox", name="Claimed").check()
    expect(researchers.locator(".researcher-list a")).to_have_text(["Ada Lovelace"])
    expect(page.locator("#results-works")).to_have_count(0)  # filters narrow researchers only
    assert page.url == f"{site.url}/?q=lovel&country=&level=&claimed=yes"
    assert page.evaluate("window.notReloaded") is True

    page.get_by_role("checkbox", name="Claimed").uncheck()
    page.locator("#results-works").get_by_role("link", name="All 25 works").click()
    expect(page.locator("#results-works .work-title a")).to_have_count(20)
    page.get_by_role("navigation", name="Pages of works").get_by_role("link", name="Next →").click()
    expect(page.locator("#results-works .work-title a")).to_have_text(
        [f"Lovelace engine note {n}" for n in range(20, 25)]
    )
    assert page.url.endswith("kind=works&page=2") and page.evaluate("window.notReloaded") is True

    bookmark = page.url
    page.goto(f"{site.url}/")
    page.goto(bookmark)  # the bookmark alone shows the same page of results
    expect(page.locator("#results-works .work-title a").first).to_have_text("Lovelace engine note 20")

    page.go_back()
    expect(page).to_have_url(f"{site.url}/")
    assert console_errors == [] and csp_violations == []


def test_the_form_searches_without_javascript(browser, site) -> None:
    f.researcher("Grace Hopper")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site.url}/")
    page.get_by_label("Name, topic, institution, title, DOI, ORCID iD or OpenAlex id").fill("hopper")
    page.get_by_label("Country").fill("us")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(f"{site.url}/?q=hopper&country=us&level=")
    expect(page.locator("#search-results")).to_contain_text("No researchers match")
    page.get_by_label("Country").fill("")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results-researchers")).to_contain_text("Grace Hopper")
    context.close()
