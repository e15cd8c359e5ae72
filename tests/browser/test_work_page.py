"""The work page in Chromium: "and N more" appends the next authors in place."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests import factories as f
from works.selectors import AUTHORS_SHOWN

pytestmark = pytest.mark.browser


@pytest.fixture
def site(live_server, transactional_db, monkeypatch):
    from django.db import connections

    # As demo_site: the live server's request threads must not keep connections open.
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    return live_server


def test_and_n_more_appends_the_next_authors_until_all_are_listed(
    page: Page, site, console_errors: list[str], axe_violations
) -> None:
    total = 2 * AUTHORS_SHOWN + 5
    work = f.work([f.stub(f"Author {i}") for i in range(total)], title="A work with many authors")
    page.goto(f"{site.url}/works/{work.openalex_id}/")
    authors = page.locator(f"#authors-{work.openalex_id} > li")
    expect(authors).to_have_count(AUTHORS_SHOWN)
    assert axe_violations(page) == []

    page.get_by_role("link", name=f"and {total - AUTHORS_SHOWN} more authors").click()
    expect(authors).to_have_count(2 * AUTHORS_SHOWN)
    expect(authors.nth(AUTHORS_SHOWN)).to_have_text(f"Author {AUTHORS_SHOWN}")
    page.get_by_role("link", name="and 5 more authors").click()
    expect(authors).to_have_count(total)
    expect(authors.last).to_have_text(f"Author {total - 1}")
    expect(page.get_by_role("link", name="more authors")).to_have_count(0)
    assert page.url == f"{site.url}/works/{work.openalex_id}/"  # appended in place, no navigation
    assert console_errors == []
