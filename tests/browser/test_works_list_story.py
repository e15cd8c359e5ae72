"""A person sorts and filters a profile's works list in Chromium: the list changes in place,
the address follows, and the address reloaded (or bookmarked) shows the same list. Then the
co-author page: sorted and paged in place, each row leading to the works two people share."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.lazy import scroll_to

pytestmark = pytest.mark.browser

PROLIFIC = "A5990000014"  # 65 works on the demo data


def titles(page: Page) -> list[str]:
    return page.locator("#works-list .work-title").all_inner_texts()


def citations(page: Page) -> list[int]:
    metas = page.locator("#works-list .work-meta").all_inner_texts()
    return [int(re.search(r"(\d+) citations?", meta).group(1)) for meta in metas]  # type: ignore[union-attr]


def years(page: Page) -> list[int]:
    metas = page.locator("#works-list .work-meta").all_inner_texts()
    return [int(re.search(r"\b(19|20)\d\d\b", meta).group(0)) for meta in metas]  # type: ignore[union-attr]


def test_sort_and_filter_in_place_then_reload_the_address(page: Page, demo_site, console_errors) -> None:
    page.goto(f"{demo_site.url}/researchers/{PROLIFIC}/")
    works = page.locator("#works-list")
    expect(works).to_contain_text("Showing 1–20 of 65, newest first.")
    page.evaluate("window.stillTheSamePage = true")  # gone if the browser loaded a new page

    page.get_by_label("Sort by").select_option("citations")
    expect(works).to_contain_text("most cited first")
    expect(page).to_have_url(re.compile(r"sort=citations"))
    most_cited = citations(page)
    assert most_cited == sorted(most_cited, reverse=True) and len(most_cited) == 20
    # Each work shows its authors, the researcher in bold.
    expect(works.locator(".work").first.locator("strong.author-highlight")).to_have_count(1)

    available = [int(v) for v in page.locator("#works-year-from option").evaluate_all(
        "options => options.map(o => o.value).filter(Boolean)"
    )]
    low, high = min(available), max(available)
    middle = sorted(available)[len(available) // 2]
    page.get_by_label("From year").select_option(str(middle))
    expect(works).to_contain_text("matching, most cited first")
    expect(page).to_have_url(re.compile(rf"sort=citations.*year_from={middle}"))
    assert all(year >= middle for year in years(page))
    page.get_by_label("To year").select_option(str(high))
    expect(page).to_have_url(re.compile(rf"year_to={high}"))
    filtered = titles(page)
    status = works.locator("[role=status]").inner_text()
    assert low < middle and filtered
    assert page.evaluate("window.stillTheSamePage") is True  # every change swapped the list in place
    assert page.locator("h1").count() == 1

    page.reload()  # the address is the list
    expect(works).to_contain_text(status)
    assert titles(page) == filtered
    expect(page.get_by_label("Sort by")).to_have_value("citations")
    expect(page.get_by_label("From year")).to_have_value(str(middle))

    page.get_by_label("Sort by").select_option("title")
    expect(works).to_contain_text("by title (A–Z)")
    by_title = [t.lower() for t in titles(page)]
    assert by_title == sorted(by_title)
    assert console_errors == []


def test_the_works_list_fits_a_narrow_phone(page: Page, demo_site, console_errors) -> None:
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"{demo_site.url}/researchers/{PROLIFIC}/?sort=citations&year_from=2000")
    scroll_to(page, "#works-list")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    wide = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter((e) => e.getBoundingClientRect().right > 321)
            .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > 321))
            .slice(0, 3).map((e) => e.outerHTML.slice(0, 160))"""
    )
    assert overflow <= 0, f"horizontal scroll of {overflow}px at 320px wide: {wide}"
    assert console_errors == []


def test_the_co_author_page_sorts_and_pages_in_place(page: Page, demo_site, console_errors) -> None:
    page.goto(f"{demo_site.url}/researchers/{PROLIFIC}/")
    page.get_by_role("link", name="see every co-author").click()
    expect(page.locator("h1")).to_contain_text("Co-authors of")
    rows = page.locator("#coauthors-list tbody tr")
    expect(rows.first).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_label("Sort by").select_option("name")
    expect(page.locator("#coauthors-list")).to_contain_text("by name (A–Z)")
    expect(page).to_have_url(re.compile(r"/coauthors/\?sort=name"))
    names = [n.lower() for n in page.locator("#coauthors-list tbody th").all_inner_texts()]
    assert names == sorted(names)
    assert page.evaluate("window.stillTheSamePage") is True
    rows.first.get_by_role("link", name=re.compile(r"shared works? with")).click()
    expect(page.locator("h2")).to_contain_text("Works they share")
    assert console_errors == []
