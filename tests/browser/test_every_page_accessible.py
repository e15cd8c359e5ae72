"""Every page in Chromium (issue 13, "Gates"): axe-core finds no serious or critical violation
at 1280 px and at 390 px, anonymous and signed in, and no document scrolls sideways at 320 px
(a wide table scrolls inside its own container).

The pages are those of the route walker of tests/test_headers.py (every route of the URLconf
through its sample URLs; a route without a sample fails there), on the same site. The Django
test client first finds which whole documents each role is shown; Chromium then opens each page
anonymously and as one signed-in role: the first of :data:`SIGNED_IN` that is shown the page
(the owner sees the edit links, staff the moderation and import pages). One browser, one page per
role, reused for every URL and width. Fragments are checked inside the pages that load them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser

from tests.browser.lazy import scroll_to
from tests.test_headers import Site, client_as, every_url
from tests.test_headers import site as site  # noqa: F401 (the fixture)

pytestmark = pytest.mark.browser

WIDE, PHONE, NARROW = 1280, 390, 320
SIGNED_IN = ("owner", "staff", "claimant", "stranger")
SHOWN = (200, 404, 410)  # pages, and the pages that say a record is missing or gone
HEADER_MAX_HEIGHT = 72  # px: two short lines of 24 px touch targets (three took about 170 px before issue 13)
SCREENSHOTS = os.environ.get("BZPEER_SCREENSHOTS", "")  # a folder for the header at phone width, to look at


def is_document(response: Any) -> bool:
    return (
        response.status_code in SHOWN
        and response.get("Content-Type", "").startswith("text/html")
        and response.content.lstrip()[:15].lower() == b"<!doctype html>"
    )


def pages_to_open(walked: Site) -> dict[str, list[str]]:
    """role -> the URLs of whole documents Chromium opens as that role."""
    clients = {role: client_as(user) for role, user in walked.users.items()}
    plan: dict[str, list[str]] = {"anonymous": []}
    for route, url in every_url(walked):
        if route.startswith("admin/"):
            continue  # Django's admin is not ours
        if is_document(clients["anonymous"].get(url)):
            plan["anonymous"].append(url)
        for role in SIGNED_IN:
            if is_document(clients[role].get(url)):
                plan.setdefault(role, []).append(url)
                break
    return plan


def signed_in_page(browser: Browser, live_server: Any, user: Any) -> Any:
    context = browser.new_context(viewport={"width": WIDE, "height": 900})
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])
    return context.new_page()


def test_every_page_is_accessible_and_fits_a_narrow_phone(
    browser: Browser,
    live_server: Any,
    transactional_db: None,
    site: Site,  # noqa: F811 (the fixture)
    axe_violations: Callable[[Any], list[dict[str, Any]]],
) -> None:
    plan = pages_to_open(site)
    a = site.record.openalex_id
    # Both gates reached the pages people use, signed in and not.
    assert {"/", f"/researchers/{a}/", f"/works/{site.work.openalex_id}/", "/accounts/login/"} <= set(
        plan["anonymous"]
    )
    assert f"/researchers/{a}/edit/" in plan["owner"] and "/moderation/" in plan["staff"]
    assert "/imports/" in plan["staff"] and "/claims/" in plan["owner"] and "/following/" in plan["owner"]
    assert f"/following/unsubscribe/{site.unsubscribe_token}/" in plan["anonymous"]
    assert f"/conversations/{site.collab['conversation']}/" in plan["owner"] and "/invitations/" in plan["owner"]
    assert "/moderation/reports/" in plan["staff"]
    # The co-author page and a sorted, filtered works list (issue 17).
    assert f"/researchers/{a}/coauthors/" in plan["anonymous"]
    assert any(url.startswith(f"/researchers/{a}/?sort=citations&year_from=") for url in plan["anonymous"])
    assert "/?q=example" in plan["anonymous"]  # search results of every kind (tests/test_headers.py)

    problems: list[str] = []
    for role, urls in plan.items():
        page = signed_in_page(browser, live_server, site.users[role])
        for url in urls:
            page.set_viewport_size({"width": WIDE, "height": 900})
            page.goto(live_server.url + url)
            for width in (WIDE, PHONE):
                page.set_viewport_size({"width": width, "height": 900})
                problems.extend(
                    f"{role} {url} at {width}px: {v['id']} ({v['impact']}): {v['help']} {v['nodes']}"
                    for v in axe_violations(page)
                )
            if url == urls[0] and role != "anonymous":  # every page has the header
                # The signed-in header stays compact on a phone: two short lines at most.
                page.set_viewport_size({"width": PHONE, "height": 900})
                header = page.locator(".site-header").bounding_box()
                assert header is not None
                if header["height"] > HEADER_MAX_HEIGHT:
                    problems.append(f"{role}: the header is {header['height']:.0f}px high at {PHONE}px")
                if SCREENSHOTS:
                    page.screenshot(path=f"{SCREENSHOTS}/{role}-header-{PHONE}.png")
            page.set_viewport_size({"width": NARROW, "height": 700})
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                wide = page.evaluate(
                    f"""() => [...document.querySelectorAll("body *")]
                        .filter((e) => e.getBoundingClientRect().right > {NARROW} + 1)
                        .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > {NARROW} + 1))
                        .slice(0, 3).map((e) => e.outerHTML.slice(0, 120))"""
                )
                problems.append(f"{role} {url} scrolls {overflow}px sideways at {NARROW}px: {wide}")
        page.context.close()
    assert problems == [], "\n".join(problems)


def test_the_profile_with_its_drawn_graph_and_similar_researchers_is_accessible_and_fits_a_narrow_phone(
    browser: Browser,
    live_server: Any,
    transactional_db: None,
    site: Site,  # noqa: F811 (the fixture)
    axe_violations: Callable[[Any], list[dict[str, Any]]],
) -> None:
    """The slice and the similar researchers are fragments the profile loads when they scroll
    into view: checked in place, with the drawing and its table there, like the rest of the page."""
    page = signed_in_page(browser, live_server, None)
    page.goto(f"{live_server.url}/researchers/{site.record.openalex_id}/")
    scroll_to(page, "#graph-slice")
    page.wait_for_selector("#graph-slice svg.graph-drawing")
    assert page.locator("#graph-slice svg.graph-drawing a").count() >= 4  # the nodes and the co-author edge
    scroll_to(page, "#similar-researchers")
    page.wait_for_selector("#similar-researchers:not(.placeholder) li")  # the similar researchers, loaded too
    problems: list[str] = []
    for width in (WIDE, PHONE):
        page.set_viewport_size({"width": width, "height": 900})
        problems.extend(
            f"at {width}px: {v['id']} ({v['impact']}): {v['help']} {v['nodes']}" for v in axe_violations(page)
        )
    for width in (PHONE, NARROW):
        page.set_viewport_size({"width": width, "height": 700})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        if overflow > 0:
            problems.append(f"the profile scrolls {overflow}px sideways at {width}px")
    # The drawing fits the phone: its labels are drawn no smaller than about 11 px.
    page.set_viewport_size({"width": PHONE, "height": 900})
    size = page.evaluate("document.querySelector('#graph-slice .graph-label').getBoundingClientRect().height")
    assert size >= 11, size
    page.context.close()
    assert problems == [], "\n".join(problems)
