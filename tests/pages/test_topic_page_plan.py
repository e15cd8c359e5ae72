"""The topic page reads the top of its topic, not the whole of it.

A topic of 3,000 researchers and 3,000 works beside another as big, committed and VACUUM
ANALYZEd so that the planner's statistics are real; the page's queries are then EXPLAINed
with ANALYZE (they run), and the plans must read the topic's researchers through
researcher_topic_top in page order (a few rows past the 50 shown, never all 3,000 sorted) and
its works from work_topic_by_topic alone (an index-only scan, no heap row per work). The
planner is free to choose, as in production. docs/performance.md ("Topic page") measures the
page at 1,000,000 works.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from pages import selectors
from profiles.models import Researcher, ResearcherTopic, Topic
from tests.plans import nodes, plans
from works.models import Work, WorkTopic

pytestmark = pytest.mark.django_db

N = 3_000  # researchers and works on each of the two topics


@pytest.fixture(scope="module")
def two_topics(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        topics = Topic.objects.bulk_create([Topic(openalex_id="T1", display_name="Shown"), Topic(openalex_id="T2")])
        people = Researcher.objects.bulk_create(
            Researcher(openalex_id=f"A5{n:09d}", display_name=f"Person {n:05d}", record_status="imported")
            for n in range(2 * N)
        )
        ResearcherTopic.objects.bulk_create(
            ResearcherTopic(researcher=person, topic=topics[n % 2], rank=1, works_count=(n * 7919) % 500)
            for n, person in enumerate(people)
        )
        works = Work.objects.bulk_create(Work(openalex_id=f"W{n}", title=f"Work {n}") for n in range(2 * N))
        WorkTopic.objects.bulk_create(WorkTopic(work=work, topic=topics[n % 2]) for n, work in enumerate(works))
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum keeps up to date in production
        yield
        with connection.cursor() as cursor:
            tables = [m._meta.db_table for m in (Researcher, Work, Topic)]
            cursor.execute("TRUNCATE " + ", ".join(f'"{table}"' for table in tables) + " CASCADE")


def test_the_topic_page_reads_its_top_researchers_and_its_works_through_the_topic_indexes(two_topics: None) -> None:
    page = None

    def run() -> None:
        nonlocal page
        page = selectors.topic_page("T1")

    # The nodes that read each table, in the researchers query and in the works query.
    researchers_read: list[dict[str, Any]] = []
    works_read: list[dict[str, Any]] = []
    for sql, plan in plans(run):
        if sql.startswith('SELECT "profiles_researchertopic"'):
            researchers_read += [n for n in nodes(plan) if n.get("Relation Name") == "profiles_researchertopic"]
        elif "works_worktopic" in sql and "ids(work_id)" in sql:
            works_read += [n for n in nodes(plan) if n.get("Relation Name") == "works_worktopic"]

    assert page is not None
    expected = sorted(
        ResearcherTopic.objects.filter(topic__openalex_id="T1").select_related("researcher"),
        key=lambda rt: (-(rt.works_count or 0), rt.researcher.display_name),
    )[:50]
    assert [rt.pk for rt in page.researchers] == [rt.pk for rt in expected]
    assert len(page.works.works) == 50 and page.works.count == N and page.researcher_count == N

    # The researchers: the topic's rows in page order, through researcher_topic_top. (The
    # hidden-works count's own look-ups of work topics, by work, are not a read of the topic.)
    (researchers,) = researchers_read
    assert researchers.get("Index Name") == "researcher_topic_top", researchers
    assert researchers["Actual Rows"] * researchers.get("Actual Loops", 1) < 200  # of the topic's 3,000
    # The topic's works: from the index alone.
    (works,) = works_read
    assert (works["Node Type"], works.get("Index Name")) == ("Index Only Scan", "work_topic_by_topic"), works
    assert works["Heap Fetches"] == 0 and works["Actual Rows"] == N
