"""The one paging arithmetic (core.paging.Paging): plain data, no database."""

from __future__ import annotations

import pytest

from core.paging import Paging


def test_a_middle_page_knows_its_items_and_neighbours() -> None:
    paging = Paging(2, 45, 20)
    assert (paging.pages, paging.offset, paging.start, paging.end) == (3, 20, 21, 40)
    assert paging.has_previous and paging.has_next and not paging.out_of_range


def test_the_last_page_ends_at_the_total() -> None:
    paging = Paging(3, 45, 20)
    assert (paging.start, paging.end, paging.has_next, paging.has_previous) == (41, 45, False, True)


def test_an_empty_list_has_one_page_that_shows_nothing() -> None:
    paging = Paging(1, 0, 20)
    assert (paging.pages, paging.start, paging.end, paging.out_of_range) == (1, 0, 0, False)
    assert not paging.has_next and not paging.has_previous


@pytest.mark.parametrize("page", [0, -1, 4, 2**31])
def test_a_page_out_of_range_shows_nothing_and_links_nowhere(page: int) -> None:
    paging = Paging(page, 45, 20)
    assert paging.out_of_range and paging.start == 0 and paging.end == 0
    assert not paging.has_next and not paging.has_previous


@pytest.mark.parametrize(("page", "expected"), [(0, 1), (-5, 1), (2, 2), (99, 3)])
def test_clamped_moves_the_page_into_the_list(page: int, expected: int) -> None:
    paging = Paging.clamped(page, 45, 20)
    assert paging.page == expected and not paging.out_of_range
    assert Paging.clamped(7, 0, 20).page == 1
