"""Scrolling to a fragment the page loads when it comes into view.

Such a fragment starts as a placeholder with the fragment's id; htmx swaps it for the loaded
one (`outerHTML`) once it is in view, and it can come into view before a test scrolls to it.
Playwright's `scroll_into_view_if_needed` waits for the element to be stable across animation
frames, so a swap in that wait detaches the element it holds and the step fails ("Element is
not attached to the DOM"). Looking the element up and scrolling it in one script cannot race
the swap: htmx swaps in a task of its own, and the new element keeps the id.
"""

from __future__ import annotations

from typing import Any


def scroll_to(page: Any, selector: str) -> None:
    """Scroll the element that matches `selector` now, placeholder or loaded fragment, into view."""
    page.wait_for_selector(selector, state="attached")
    page.evaluate("(s) => document.querySelector(s).scrollIntoView({block: 'center'})", selector)
