"""The headers of issue 11 in Chromium, on the demo data: the profile runs under its enforced
Content-Security-Policy with nothing refused and htmx still swapping fragments in, and a
right-to-left override in a record's name does not reorder the words after it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from profiles.models import Researcher
from tests.browser.lazy import scroll_to

pytestmark = pytest.mark.browser

SEED = "A5990000001"  # Jan Leike, the seed page
RLO = "\u202e"


def test_the_profile_runs_under_the_enforced_policy_and_htmx_still_works(
    page: Page, demo_site, stranger, log_in, console_errors: list[str], csp_violations: list[str], axe_violations
) -> None:
    log_in(stranger)
    response = page.goto(f"{demo_site.url}/researchers/{SEED}/")
    assert response is not None and response.status == 200
    policy = response.headers["content-security-policy"]  # enforced, not report-only
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe" not in policy
    assert "content-security-policy-report-only" not in response.headers
    # The JSON-LD block is data: the policy needs no exception for it, and none is reported.
    expect(page.locator('script[type="application/ld+json"]')).to_have_count(1)

    # htmx: the lazy graph slice, the trust explanation and following, all in place.
    scroll_to(page, "#graph-slice")
    expect(page.locator("#graph-slice")).to_contain_text("Everything in the drawing")
    page.locator("a.chip.trust").click()
    expect(page.locator("#trust-explanation")).to_contain_text("How the score adds up")
    box = page.locator("#follow-box")
    box.get_by_role("button", name="Follow researcher").click()
    expect(box.locator(".follow-count")).to_have_text("1")
    assert page.url == f"{demo_site.url}/researchers/{SEED}/"  # swapped in place, no navigation

    assert axe_violations(page) == []
    assert csp_violations == []
    assert console_errors == []

    # The listener hears what the policy refuses: an inline script added now does not run.
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.append(s); }"
    )
    page.wait_for_function("() => window.cspViolations.length > 0")
    assert page.evaluate("() => window.ran") is None
    assert page.evaluate("() => window.cspViolations[0]").startswith("script-src-elem inline")


def test_a_right_to_left_override_in_a_name_stays_inside_the_name(page: Page, demo_site) -> None:
    Researcher.objects.filter(openalex_id=SEED).update(display_name=f"Jan {RLO}Leike")
    page.goto(f"{demo_site.url}/researchers/{SEED}/graph/")
    expect(page.locator("h1")).to_contain_text("in context")
    # Where the browser draws the name's last word and the words after it, read off the layout.
    name_right, rest_left = page.evaluate(
        """() => {
            const rect = (word) => {
              const walker = document.createTreeWalker(document.querySelector("h1"), NodeFilter.SHOW_TEXT);
              while (walker.nextNode()) {
                const at = walker.currentNode.data.indexOf(word);
                if (at >= 0) {
                  const range = document.createRange();
                  range.setStart(walker.currentNode, at);
                  range.setEnd(walker.currentNode, at + word.length);
                  return range.getBoundingClientRect();
                }
              }
            };
            return [rect("Leike").right, rect("in context").left];
        }"""
    )
    assert rest_left >= name_right - 1, "the words after the name were drawn before it"
