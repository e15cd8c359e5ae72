"""Where a page sits in a paged list: the one paging arithmetic of every paged list (the
profile's works, the shared works of two researchers, a researcher's co-authors, and the
following page once it adopts it). Plain data; no query."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paging:
    """Page ``page`` (1-based, as asked for) of ``total`` items, ``per_page`` a page.

    A page past the end (or before the start) is not moved onto the last page: the list shows
    no items and :attr:`out_of_range` lets the page explain why. Lists that prefer to show the
    last page build their Paging with :meth:`clamped`."""

    page: int
    total: int
    per_page: int

    @classmethod
    def clamped(cls, page: int, total: int, per_page: int) -> Paging:
        """The paging of ``page``, moved into 1..pages."""
        pages = max(1, -(-total // per_page))
        return cls(min(max(1, page), pages), total, per_page)

    @property
    def pages(self) -> int:
        """How many pages the list has (1 for an empty list)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def out_of_range(self) -> bool:
        return self.page < 1 or self.page > self.pages

    @property
    def offset(self) -> int:
        """How many items come before this page (the OFFSET of its query)."""
        return (self.page - 1) * self.per_page

    @property
    def start(self) -> int:
        """Number of the first item shown (1-based); 0 when the page shows none."""
        return 0 if self.out_of_range or not self.total else self.offset + 1

    @property
    def end(self) -> int:
        """Number of the last item shown; 0 when the page shows none."""
        return 0 if not self.start else min(self.page * self.per_page, self.total)

    @property
    def has_previous(self) -> bool:
        return 1 < self.page <= self.pages

    @property
    def has_next(self) -> bool:
        return 1 <= self.page < self.pages
