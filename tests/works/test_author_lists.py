"""works.selectors.author_lists: the one author-list selector, for one work or a list of
works, in two queries whatever their number of authors."""

from __future__ import annotations

import pytest
from django.db import connection

from tests import factories as f
from works.models import Authorship
from works.selectors import author_lists

pytestmark = pytest.mark.django_db


def test_every_work_of_a_list_gets_its_first_authors_and_how_many_more_in_two_queries(
    django_assert_num_queries,
) -> None:
    people = [f.researcher(f"Person {i}") for i in range(7)]
    big, small, empty = f.work(people), f.work(people[:2]), f.work([])
    Authorship.objects.create(work=small, position=5, raw_author_name="Unlinked Person")  # a gap in positions
    with django_assert_num_queries(2):
        lists = author_lists([big, small, empty], limit=3)
        names = {
            pk: [a.researcher.name if a.researcher else a.raw_author_name for a in found.authorships]
            for pk, found in lists.items()
        }
    assert names == {
        big.pk: ["Person 0", "Person 1", "Person 2"],
        small.pk: ["Person 0", "Person 1", "Unlinked Person"],
        empty.pk: [],
    }
    assert [(lists[w.pk].total, lists[w.pk].remaining, lists[w.pk].next_after) for w in (big, small, empty)] == [
        (7, 4, 2),
        (3, 0, 5),
        (0, 0, -1),
    ]


def test_the_next_slices_follow_on_from_the_last_position_shown(django_assert_num_queries) -> None:
    work = f.work([f.researcher(f"Person {i}") for i in range(8)])
    seen, after = [], -1
    while True:
        with django_assert_num_queries(2):
            found = author_lists([work], after=after, limit=3)[work.pk]
        seen.append([a.researcher.name for a in found.authorships])
        assert (found.start, found.end) == (3 * (len(seen) - 1) + 1, min(8, 3 * len(seen)))
        if not found.remaining:
            break
        after = found.next_after
    assert seen == [[f"Person {i}" for i in range(start, min(8, start + 3))] for start in (0, 3, 6)]


def test_no_works_no_query(django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        assert author_lists([]) == {}


def test_the_planner_is_told_how_many_works_the_authorships_hold() -> None:
    """works 0011: ANALYZE's sample underestimates the distinct works of the authorships tenfold
    at scale (they are written work by work, so a sample sees each work's authors together); a
    fixed ratio keeps joins on the authorship key from expecting ~100 authors a work and
    hashing the whole researchers table (docs/performance.md: a 50-entry feed's author lists,
    250 ms -> 4 ms at 1M works). A small table would be read whole and counted exactly, so the
    test reads the ratio ANALYZE keeps, not a plan."""
    f.work([f.researcher(f"Person {i}") for i in range(3)])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE works_authorship")
        cursor.execute("SELECT n_distinct FROM pg_stats WHERE tablename = 'works_authorship' AND attname = 'work_id'")
        assert cursor.fetchone() == (-0.15,)
