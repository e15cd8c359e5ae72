"""The graph explorer in Chromium: drawn with Cytoscape under the enforced Content-Security-
Policy, expanded with a click and with the keyboard, filtered by year, its state in the URL
(back goes to the previous state, a reload draws the same graph), names with markup as text."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests import factories as f

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x id=injected> "Evil" & Co'


def a_network() -> Any:
    lead = f.researcher("Centre Person")
    close = f.researcher("Close Colleague")
    closer = f.researcher("Closest Colleague")
    once = f.researcher("One Paper Colleague")
    bad = f.researcher(HOSTILE)
    lab = f.institution("Example Lab")
    f.affiliate(lead, lab, [2024], current=True)
    f.affiliate(closer, lab, [2024], current=True)
    f.affiliate(close, f.institution("Other Institute"), [2023], current=True)
    for year in (2021, 2022, 2024):
        f.work([lead, closer], year=year, title=f"With closest {year}")
    for year in (2019, 2020):
        f.work([lead, close], year=year, title=f"With close {year}")
    f.work([close, bad], year=2019, title="With the hostile name")
    f.work([lead, once, closer, close], year=2018, title="Everyone together")
    f.work([once, closer], year=2017, title="Two others")
    f.give_topic(lead, f.topic("Graph Topic"), rank=1, works_count=6)
    f.edges()
    return lead


def nodes_table(page: Page) -> Any:
    return page.locator("#explorer-table table").first


def drawn(page: Page) -> int:
    return int(page.locator("#explorer-canvas").get_attribute("data-nodes") or 0)


def test_explore_expand_filter_go_back_reload_and_move_by_keyboard(
    page: Page, live_server, transactional_db, console_errors: list[str], csp_violations: list[str], axe_violations
) -> None:
    lead = a_network()
    url = f"{live_server.url}/researchers/{lead.openalex_id}/graph/"
    # What the URL asks for that cannot be shown is said, and left out of the address.
    page.goto(url + "?expand=A5999999999,zzz")
    expect(page.locator("#explorer-dropped")).to_contain_text("A5999999999")
    expect(page.locator("#explorer-dropped")).to_contain_text("zzz")
    expect(page).to_have_url(url)
    page.goto(url)
    expect(page.locator("#explorer-canvas[data-drawn]")).to_have_count(1)
    # Cytoscape found our sheet by its id and added no <style> the policy would refuse.
    assert page.evaluate("() => document.querySelectorAll('style').length") == 0
    assert page.evaluate("() => performance.getEntriesByName('explorer-first-draw').length") == 1
    start = drawn(page)
    assert start == nodes_table(page).locator("tbody tr").count()  # the table mirrors the drawing

    # 1. Expand Close Colleague from the table: One Paper Colleague and the hostile name join.
    row = nodes_table(page).get_by_role("row", name=re.compile("^Close Colleague"))
    row.get_by_role("link", name=re.compile("^Expand")).click()
    expect(nodes_table(page)).to_contain_text("One Paper Colleague")
    expect(page.locator("#explorer-live")).to_contain_text("around Close Colleague")
    assert "expand=" in page.url
    one = page.url
    # The name with markup is text everywhere: no element came of it.
    assert page.locator("#injected").count() == 0
    expect(nodes_table(page).locator("tbody th bdi").filter(has_text=HOSTILE)).to_have_text(HOSTILE)

    # 2. Expand a second node with the keyboard: arrows go through the centre's ties, Enter expands.
    canvas = page.locator("#explorer-canvas")
    canvas.focus()
    page.keyboard.press("ArrowRight")
    first = page.locator("#explorer-live").text_content() or ""
    assert ", 1 of " in first  # "<name>, <kind>, <evidence>, 1 of N."
    page.keyboard.press("ArrowRight")
    second = page.locator("#explorer-live").text_content() or ""
    assert ", 2 of " in second and second != first
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#explorer-live")).to_have_text(first)
    selected = first.split(",")[0]
    expect(page.locator("#explorer-panel h3")).to_have_text(selected)
    page.keyboard.press("Enter")
    expect(page.locator("#explorer-live")).to_contain_text(f"around {selected}")
    page.wait_for_function("(one) => location.href !== one", arg=one)
    two = page.url
    assert len(re.search(r"expand=([^&]*)", two).group(1).split(",")) == 2  # type: ignore[union-attr]
    expanded = drawn(page)
    assert expanded >= start

    # 3. Filter by year: the works before 2022 go.
    page.locator('input[name="from"]').fill("2022")
    page.get_by_role("button", name="Apply").click()
    expect(nodes_table(page)).not_to_contain_text("Everyone together")
    expect(nodes_table(page)).to_contain_text("With closest 2024")
    assert "from=2022" in page.url
    filtered = drawn(page)
    assert filtered < expanded

    # 4. Back: the previous state, both expansions and no year filter.
    page.go_back()
    expect(nodes_table(page)).to_contain_text("Everyone together")
    assert page.url == two and drawn(page) == expanded
    page.go_back()
    expect(page).to_have_url(one)
    expect(page.locator("#explorer-canvas")).to_have_attribute("data-nodes", re.compile(r"\d+"))

    # 5. A reload of a URL draws the same graph, with the same table.
    page.goto(two)
    expect(page.locator("#explorer-canvas[data-drawn]")).to_have_count(1)
    assert drawn(page) == expanded
    rows = nodes_table(page).locator("tbody th").all_text_contents()
    page.reload()
    expect(page.locator("#explorer-canvas[data-drawn]")).to_have_count(1)
    assert nodes_table(page).locator("tbody th").all_text_contents() == rows

    # 6. Undo the last expansion.
    page.get_by_role("button", name="Undo last expansion").click()
    page.wait_for_function("(two) => location.href !== two", arg=two)
    assert page.url == one

    # Hovering a tie shows its evidence (the pointer's hit test is Cytoscape's; the event it
    # sends on hover is what our page answers, sent here the way Cytoscape sends it).
    page.evaluate("() => window.bzpeerExplorer.cy.edges('.coauthor')[0].emit('mouseover')")
    expect(page.locator("#explorer-hover")).to_contain_text(re.compile(r"\d shared works?, \d{4}"))
    page.evaluate("() => window.bzpeerExplorer.cy.edges('.coauthor')[0].emit('mouseout')")
    expect(page.locator("#explorer-hover")).to_have_text("")

    # The collaboration app's hook on a researcher's panel: its path, built from the node id.
    canvas.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#explorer-panel h3")).to_have_text("Closest Colleague")  # the strongest tie first
    hook = page.locator("#explorer-panel .collaboration-hook")
    assert re.fullmatch(r"/researchers/A\d+/collaboration/", hook.get_attribute("data-collaboration-url") or "")
    # htmx loads the collaboration app's card into it (the record is unclaimed: the seed's sentence).
    expect(hook).to_contain_text("Claim this author entity first to unlock direct invitations.")
    if os.environ.get("BZPEER_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["BZPEER_SCREENSHOTS"], "explorer.png"), full_page=True)

    assert axe_violations(page) == []
    assert csp_violations == []
    assert console_errors == []
