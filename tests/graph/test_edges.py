"""graph.edges: the one close-collaborator rule (DESIGN §6) that the profile header counts and
the slice lists, and the cleanup of a record OpenAlex merged away."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction

from graph.edges import close_pairs_among_sql, close_pairs_sql
from graph.models import CoauthorEdge, TrustSnapshot
from graph.slice import close_collaborators
from pages.selectors import researchers_for_page
from profiles.models import Researcher
from profiles.signals import researcher_merged
from tests import factories as f

pytestmark = pytest.mark.django_db


def _network(centre: Researcher, shared: list[int]) -> list[Researcher]:
    """Co-authors of ``centre``, one per entry, sharing that many works with it (edges written
    straight: they are derived rows, and the rule reads nothing else)."""
    people = Researcher.objects.bulk_create(
        Researcher(openalex_id=f"A58{n:08d}", display_name=f"Co-author {n}", record_status="stub")
        for n in range(len(shared))
    )
    CoauthorEdge.objects.bulk_create(
        CoauthorEdge(
            researcher_a_id=min(centre.pk, p.pk),
            researcher_b_id=max(centre.pk, p.pk),
            shared_works=n,
            first_year=2020,
            last_year=2020 + i % 5,
        )
        for i, (p, n) in enumerate(zip(people, shared, strict=True))
    )
    return people


def _header_count(researcher: Researcher) -> int:
    return researchers_for_page(AnonymousUser()).get(pk=researcher.pk).close_collaborators_count  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("shared", "count", "fallback"),
    [
        ([], 0, True),
        ([1, 1, 1], 3, True),  # fewer than five co-authors: all of them
        ([3, 1, 1, 1, 1, 1, 1], 5, True),  # one strong co-author: the top five
        ([2, 2, 1, 1], 2, False),  # two strong ones: just them
        ([2] * 250 + [1] * 30, 250, False),  # far more than any page lists
    ],
)
def test_the_header_counts_what_the_slice_lists(shared: list[int], count: int, fallback: bool) -> None:
    centre = f.researcher("Ada Centre")
    _network(centre, shared)
    listed, total, is_fallback = close_collaborators(centre.pk, limit=1000)
    assert (total, is_fallback) == (count, fallback)
    assert _header_count(centre) == count == len(listed)
    assert [c.shared_works for c in listed] == sorted(shared, reverse=True)[:count]
    short, total_again, _ = close_collaborators(centre.pk, limit=12)
    assert len(short) == min(12, count) and total_again == count


@pytest.mark.parametrize("shared", [[1, 1, 1, 1, 1, 1, 1], [3, 1, 1, 1, 1, 1, 1], [2, 2, 1, 1], [2, 1, 2, 1, 2, 1, 1]])
def test_asked_of_given_pairs_the_rule_answers_what_it_lists(shared: list[int]) -> None:
    centre = f.researcher("Ada Centre")
    people = _network(centre, shared)
    CoauthorEdge.objects.filter(researcher_b_id__in=[p.pk for p in people[::3]]).update(last_year=None)
    pairs = [(centre.pk, p.pk) for p in people] + [(p.pk, centre.pk) for p in people]
    with connection.cursor() as cursor:
        cursor.execute(close_pairs_sql("SELECT unnest(%s::bigint[]) AS id"), [[centre.pk] + [p.pk for p in people]] * 3)
        listed = set(cursor.fetchall())
        cursor.execute(
            close_pairs_among_sql("SELECT unnest(%s::bigint[]) AS r, unnest(%s::bigint[]) AS o"),
            [[r for r, _ in pairs], [o for _, o in pairs]],
        )
        asked = set(cursor.fetchall())
    assert asked == listed
    assert len({o for r, o in asked if r == centre.pk}) == len(close_collaborators(centre.pk, limit=1000)[0])


def test_a_merged_record_leaves_no_edges_or_trust_history() -> None:
    source, target = f.researcher("Ada Old"), f.researcher("Ada New")
    _network(source, [2, 2])
    f.snapshot(source)
    with transaction.atomic():
        researcher_merged.send(sender=Researcher, source_id=source.pk, target_id=target.pk)
    assert not CoauthorEdge.objects.filter(researcher_a_id=source.pk).exists()
    assert not CoauthorEdge.objects.filter(researcher_b_id=source.pk).exists()
    assert not TrustSnapshot.objects.filter(researcher_id=source.pk).exists()
