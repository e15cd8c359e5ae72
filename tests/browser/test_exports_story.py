"""A visitor cites from the site in Chromium: filters a profile's works, downloads what the list
shows as BibTeX, then one work as RIS and CSL-JSON from its page; each file parses back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import pytest
import rispy
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PROLIFIC = "A5990000014"  # 65 works of several types (demo data)


def download(page: Page, link_name: str, within: str) -> tuple[str, str]:
    """Click the link and return (suggested file name, text of the downloaded file)."""
    with page.expect_download() as started:
        page.locator(within).get_by_role("link", name=link_name, exact=True).click()
    done = started.value
    path = done.path()
    assert path is not None
    return done.suggested_filename, Path(path).read_text(encoding="utf-8")


def test_a_visitor_exports_the_filtered_works_and_one_work(page: Page, demo_site, console_errors) -> None:
    page.goto(f"{demo_site.url}/researchers/{PROLIFIC}/")
    works = page.locator("#works-list")
    expect(works).to_contain_text("Showing 1–20 of 65")
    expect(works.get_by_text("Export all works")).to_be_visible()

    page.locator("#works-type").select_option("dataset")
    expect(works).to_contain_text("matching")
    matching = int(re.search(r"of (\d+) matching", works.inner_text()).group(1))  # type: ignore[union-attr]
    expect(works.get_by_text("Export these works")).to_be_visible()
    name, text = download(page, "BibTeX", "#works-list")
    assert name == f"{PROLIFIC}-works-dataset.bib"
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == [] and len(library.entries) == matching  # every page of the filter
    assert {entry.entry_type for entry in library.entries} == {"misc"}

    first = works.locator(".work-title a").first
    title = first.inner_text()
    first.click()
    expect(page.locator("h1")).to_have_text(title)
    name, text = download(page, "RIS", ".work-page")
    assert name.endswith(".ris")
    [entry] = rispy.loads(text)
    assert entry["type_of_reference"] == "DATA" and entry["title"] == title
    _, text = download(page, "CSL-JSON", ".work-page")
    [item] = json.loads(text)
    assert item["type"] == "dataset" and item["title"] == title
    assert console_errors == []
