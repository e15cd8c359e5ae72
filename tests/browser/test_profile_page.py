"""The profile page in Chromium, on the demo data imported through the importer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, ViewportSize, expect

from profiles import services as profiles_services
from tests.browser.lazy import scroll_to
from tests.cast import PASSWORD

pytestmark = pytest.mark.browser

SEED = "A5990000001"  # Jan Leike, the seed page
PROLIFIC = "A5990000014"  # 65 works: the works list pages
PHONE: ViewportSize = {"width": 390, "height": 844}


def open_profile(page: Page, site, openalex_id: str = SEED) -> None:
    page.goto(f"{site.url}/researchers/{openalex_id}/")
    expect(page.locator("h1")).to_be_visible()


def height_of(locator: Locator) -> float:
    box = locator.bounding_box()
    assert box is not None, "not rendered"
    return box["height"]


def load_slice(page: Page) -> None:
    scroll_to(page, "#graph-slice")
    expect(page.locator("#graph-slice")).not_to_have_class(re.compile("placeholder"))
    expect(page.locator("#graph-slice svg.graph-drawing")).to_be_visible()
    expect(page.locator("#graph-slice")).to_contain_text("Everything in the drawing")


def test_the_seed_profile_shows_every_section_and_loads_its_fragments(
    page: Page, demo_site, console_errors: list[str], axe_violations
) -> None:
    open_profile(page, demo_site)
    expect(page).to_have_title("Jan Leike · Researcher profile · BZPEER")
    expect(page.locator("h1")).to_have_text("Jan Leike")
    for heading in (
        "Quick read",
        "Decide how to stay connected",
        "How to connect with this researcher",
        "Open a focused conversation when the fit is right",
        "See the researcher in context",
        "6 published item(s)",
    ):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.get_by_text("Affiliation not imported").first).to_be_visible()
    expect(page.locator(".counts")).to_contain_text("6 works")
    expect(page.locator(".counts")).to_contain_text("4 topics")
    expect(page.locator(".counts")).to_contain_text("4 close collaborators")
    expect(page.get_by_role("link", name="Log in to claim")).to_be_visible()
    expect(page.get_by_text("Building this graph slice")).to_have_count(1)

    load_slice(page)
    # The seed, 4 close collaborators, 2 institutions, 4 topics, 5 works: drawn, and one row each.
    expect(page.locator("#graph-slice svg .graph-node")).to_have_count(16)
    expect(page.locator("#graph-slice tbody tr")).to_have_count(16)
    expect(page.locator("#graph-slice svg a.graph-edge--coauthor")).to_have_count(4)
    expect(page.locator("#graph-slice")).to_contain_text("shared works,")
    # In the profile's column (narrower than the 1280 px window) the table goes below the
    # drawing at the slice's full width, not into a narrow column that breaks its words.
    figure = page.locator("#graph-slice figure").bounding_box()
    table = page.locator("#graph-slice table").bounding_box()
    assert figure and table and table["y"] >= figure["y"] + figure["height"], (figure, table)
    assert table["width"] >= figure["width"] - 1, (figure, table)

    # The Quick read score opens the trust explanation in place.
    trust = page.locator("a.chip.trust")
    expect(trust).to_have_text(re.compile(r"^Trust \d+ · (Emerging|Established|Trusted|Exemplary)$"))
    expect(page.locator(".quick-read")).to_contain_text("Verification L1")
    trust.click()
    expect(page.locator("#trust-explanation")).not_to_be_empty()
    assert page.url.endswith(f"/researchers/{SEED}/")

    # A long abstract shows three lines; "more" opens it in place.
    abstract = page.locator("p.abstract[data-clamp]").first
    expect(abstract).to_have_class(re.compile("clamped"))
    clamped_height = height_of(abstract)
    toggle = page.locator(f"button[aria-controls='{abstract.get_attribute('id')}']")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(abstract).not_to_have_class(re.compile("clamped"))
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert height_of(abstract) > clamped_height

    assert axe_violations(page) == []
    assert console_errors == []


def test_following_toggles_the_count_in_place(page: Page, demo_site, stranger, log_in, console_errors) -> None:
    log_in(stranger)
    open_profile(page, demo_site)
    box = page.locator("#follow-box")
    expect(box.locator(".follow-count")).to_have_text("0")
    box.get_by_role("button", name="Follow researcher").click()
    expect(box.locator(".follow-count")).to_have_text("1")
    expect(box).to_contain_text("Following")
    expect(page.locator("#quick-followers")).to_have_text("1 follower")
    assert page.url.endswith(f"/researchers/{SEED}/")  # no navigation: swapped in place

    page.reload()
    expect(page.locator("#follow-box .follow-count")).to_have_text("1")
    page.locator("#follow-box").get_by_role("button", name="Unfollow").click()
    expect(page.locator("#follow-box .follow-count")).to_have_text("0")
    expect(page.locator("#quick-followers")).to_have_text("0 followers")
    assert console_errors == []


def test_a_follow_over_the_limit_says_in_the_box_when_to_try_again(
    page: Page, demo_site, stranger, log_in, console_errors, monkeypatch
) -> None:
    from core.limits import Rate

    monkeypatch.setattr(profiles_services, "FOLLOW_RATES_PER_ACCOUNT", (Rate(1, 60),))  # 30 in the product
    log_in(stranger)
    open_profile(page, demo_site)
    box = page.locator("#follow-box")
    box.get_by_role("button", name="Follow researcher").click()
    expect(box.locator(".follow-count")).to_have_text("1")
    box.get_by_role("button", name="Unfollow").click()  # answered 429: htmx swaps it in place
    expect(box.get_by_role("alert")).to_contain_text("You have changed follows too often (1 in a minute). Try again in")
    expect(box.locator(".follow-count")).to_have_text("1")
    expect(box.get_by_role("button", name="Unfollow")).to_be_visible()
    assert page.url.endswith(f"/researchers/{SEED}/")
    # The browser reports the 429 itself; nothing else went wrong.
    assert [e for e in console_errors if "429" not in e] == []


def test_anonymous_visitors_log_in_and_come_back_to_follow(page: Page, demo_site, stranger) -> None:
    open_profile(page, demo_site)
    page.locator("#follow-box").get_by_role("link", name="Follow researcher").click()
    expect(page).to_have_url(re.compile(rf"/accounts/login/\?next=(/|%2F)researchers(/|%2F){SEED}"))
    page.get_by_label("Email").fill(stranger.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{demo_site.url}/researchers/{SEED}/")
    expect(page.locator("#follow-box").get_by_role("button", name="Follow researcher")).to_be_visible()


def test_paging_and_filtering_swap_the_list_and_keep_a_bookmarkable_url(page: Page, demo_site, console_errors) -> None:
    open_profile(page, demo_site, PROLIFIC)
    works = page.locator("#works-list")
    expect(works).to_contain_text("Showing 1–20 of 65")
    first_title = works.locator(".work-title").first.inner_text()

    works.get_by_role("link", name="Next →").click()
    expect(works).to_contain_text("Showing 21–40 of 65")
    expect(page).to_have_url(re.compile(r"\?page=2$"))
    assert works.locator(".work-title").first.inner_text() != first_title
    # Long abstracts in the swapped-in list are clamped too.
    expect(works.locator("p.abstract[data-clamp]").first).to_have_class(re.compile("clamped"))
    assert page.locator("h1").count() == 1  # swapped in place, not a new page

    bookmarked = page.url
    page.go_back()  # htmx restores the first page of the list
    expect(page.locator("#works-list")).to_contain_text("Showing 1–20 of 65")
    page.goto(bookmarked)  # the pushed URL is a page of its own
    expect(page.locator("#works-list")).to_contain_text("Showing 21–40 of 65")

    page.locator("#works-type").select_option("dataset")
    expect(page.locator("#works-list")).to_contain_text("matching")
    expect(page).to_have_url(re.compile(r"type=dataset"))
    for meta in page.locator("#works-list .work-type").all_inner_texts():
        assert meta.lower() == "dataset"
    assert console_errors == []


def test_the_profile_is_usable_at_phone_width(page: Page, demo_site, console_errors, axe_violations) -> None:
    page.set_viewport_size(PHONE)
    open_profile(page, demo_site, PROLIFIC)
    load_slice(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"horizontal scroll of {overflow}px at 390px wide"
    follow = page.locator("#follow-box").get_by_role("link", name="Follow researcher")
    follow.scroll_into_view_if_needed()
    box = follow.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.locator("#works-list").get_by_role("link", name="Next →").click()
    expect(page.locator("#works-list")).to_contain_text("Showing 21–40 of 65")
    assert axe_violations(page) == []
    assert console_errors == []


def test_the_demo_notice_sits_in_a_landmark(page: Page, demo_site, settings, axe_violations) -> None:
    """With DEMO_MODE (make demo), every page carries the notice: inside a landmark like all
    content, so axe's "region" rule (moderate) finds nothing outside one."""
    settings.DEMO_MODE = True
    for url in ("/", f"/researchers/{SEED}/"):
        page.goto(f"{demo_site.url}{url}")
        expect(page.get_by_role("complementary", name="About this demo")).to_contain_text("Demo data.")
        assert [v for v in axe_violations(page, ("moderate", "serious", "critical")) if v["id"] == "region"] == []
