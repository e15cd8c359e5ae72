"""Reads for the shared-works page of two researchers (`/researchers/<a>/coauthors/<b>/`):
the evidence of a co-author edge (DESIGN §6: "every edge carries its evidence and links to it")."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from core.paging import Paging
from graph.models import CoauthorEdge
from profiles.display import shared_works_phrase
from profiles.models import Researcher
from works.models import Work
from works.selectors import WORKS_PER_PAGE, AuthorList, author_lists, researcher_works


@dataclass
class SharedWorksPage:
    a: Researcher
    b: Researcher
    edge: CoauthorEdge | None  # None: no work of theirs counts as collaboration
    works: list[Work]
    authors: dict[int, AuthorList]
    paging: Paging  # over the works both list (neither hid it), consortium papers too

    @property
    def total(self) -> int:
        return self.paging.total

    @property
    def evidence(self) -> str:
        """The edge's evidence, "3 shared works, 2021–2024" (as the drawn slice says it)."""
        if self.edge is None:
            return "no shared works"
        return shared_works_phrase(self.edge.shared_works, self.edge.first_year, self.edge.last_year)

    @property
    def uncounted(self) -> int:
        """Shared works the edge leaves out: those with too many authors to say anything
        about who works with whom (graph.edges.MAX_AUTHORS_FOR_EDGES), or hidden by an owner."""
        return max(0, self.total - (self.edge.shared_works if self.edge else 0))

    @property
    def highlight(self) -> set[int]:
        """The two researchers, whose names the author lists set in bold."""
        return {self.a.pk, self.b.pk}

    @property
    def items(self) -> list[tuple[Work, AuthorList]]:
        return [(work, self.authors[work.pk]) for work in self.works]


def shared_works(a: Researcher, b: Researcher) -> QuerySet[Work]:
    """The works both list on their profiles (neither hid it), newest first. Lazy."""
    return researcher_works(a).filter(pk__in=researcher_works(b).order_by().values("pk"))


def shared_works_page(a: Researcher, b: Researcher, *, page: int = 1) -> SharedWorksPage:
    """One page of the works ``a`` and ``b`` share, with their authors and the edge: 5 queries
    (the count, the edge, the page of works, 2 for their author lists) whatever the number of
    works. A page past the end shows the last page."""
    both = shared_works(a, b)
    total = both.count()
    low, high = sorted((a.pk, b.pk))
    edge = CoauthorEdge.objects.filter(researcher_a_id=low, researcher_b_id=high).first()
    paging = Paging.clamped(page, total, WORKS_PER_PAGE)
    works = list(both.select_related("source")[paging.offset : paging.offset + WORKS_PER_PAGE]) if total else []
    return SharedWorksPage(a, b, edge, works, author_lists(works, highlight=(a.pk, b.pk)), paging)
