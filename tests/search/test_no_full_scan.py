"""Never a full scan: the worst query shapes (a one-letter query, a word in many records, a
long query, a misspelling, filters without words) run through the indexes.

How this is shown, honestly: a test database with a few thousand rows per table (enough
that reading a table costs the planner more than an index would), ANALYZEd so that the
planner's statistics are real; each query the selector runs is then EXPLAINed with ANALYZE
(it runs), and the plan must (1) hold no sequential scan of a search table (researchers,
works, topics, institutions, affiliations, researcher topics, trust snapshots, claims) that
reads every row, and (2) for text queries, read the table of its kind through the index the
migrations built for it. One exception is named where it is allowed (the country filter's
affiliations, see the test). The planner is free to choose, as in production: nothing is switched
off (``enable_seqscan`` stays on). A word that is in many titles still reads every matching
title (through the index): that cost grows with the number of matches, not of rows, and
scripts/bench/bench_search.py measures it on a million works.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from claims.models import Claim
from graph.models import TrustSnapshot
from profiles.models import Institution, Researcher, ResearcherAffiliation, ResearcherTopic, Topic
from profiles.names import search_text
from search import selectors
from search.params import ResearcherFilters
from search.query import words_of
from tests.plans import nodes, plans
from works.models import Work

pytestmark = pytest.mark.django_db

N = 20_000  # researchers and works; half as many topics and institutions
SMALL_TABLE = 1_000  # a table this small is read whole by any plan (the claims of a test)
FIRST = [
    "anna",
    "ben",
    "carla",
    "dmitri",
    "eva",
    "farid",
    "grace",
    "hiro",
    "ines",
    "jonas",
    "kemal",
    "lena",
    "mei",
    "nuno",
    "olga",
    "pavel",
    "qing",
    "rosa",
    "sven",
    "tariq",
    "uma",
    "victor",
    "wen",
    "xavier",
    "yara",
    "zoltan",
]
LAST = [
    "smith",
    "garcia",
    "müller",
    "wang",
    "kowalski",
    "rossi",
    "dubois",
    "nakamura",
    "silva",
    "ivanova",
    "kim",
    "novak",
    "larsen",
    "ortiz",
    "petrov",
    "haddad",
    "jensen",
    "fischer",
    "moreau",
    "tanaka",
    "costa",
    "horvat",
]
WORDS = [
    "learning",
    "protein",
    "climate",
    "graph",
    "quantum",
    "network",
    "cell",
    "market",
    "language",
    "ocean",
    "soil",
    "brain",
    "policy",
    "energy",
    "vision",
    "robot",
    "galaxy",
    "virus",
    "memory",
    "trust",
]
PLACES = ["University of {} {}", "{} Institute {}", "College of {} {}", "Centre for {} {}", "{} Laboratory {}"]
OPENINGS = ["A study of", "On", "Towards", "Notes on"]  # "study" in a quarter of the titles
TAILS = ["", "", " studies"]  # a word in a third of the topics
SEARCH_TABLES = {
    Researcher._meta.db_table,
    Work._meta.db_table,
    Topic._meta.db_table,
    Institution._meta.db_table,
    ResearcherAffiliation._meta.db_table,
    ResearcherTopic._meta.db_table,
    TrustSnapshot._meta.db_table,
    Claim._meta.db_table,
}


@pytest.fixture(scope="module")
def big(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The rows, written once for the module (committed: ANALYZE must see them), removed after."""
    with django_db_blocker.unblock():
        _fill()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum keeps up to date in production
        yield
        with connection.cursor() as cursor:
            tables = [m._meta.db_table for m in (Researcher, Work, Topic, Institution)] + [
                get_user_model()._meta.db_table
            ]
            cursor.execute("TRUNCATE " + ", ".join(f'"{table}"' for table in tables) + " CASCADE")


def _fill() -> None:
    rng = random.Random(17)
    Institution.objects.bulk_create(  # a tenth of them in France
        Institution(
            openalex_id=f"I{n}",
            display_name=rng.choice(PLACES).format(rng.choice(WORDS).title(), n),
            country_code=rng.choice(["FR", "US", "CA", "DE", "JP", "BR", "IN", "CN", "GB", "IT"]),
        )
        for n in range(1, N // 2 + 1)
    )
    Topic.objects.bulk_create(
        Topic(
            openalex_id=f"T{n}", display_name=f"{rng.choice(WORDS).title()} {rng.choice(WORDS)}{rng.choice(TAILS)} {n}"
        )
        for n in range(1, N // 2 + 1)
    )
    people = []
    for n in range(1, N + 1):
        name = f"{rng.choice(FIRST).title()} {rng.choice(LAST).title()}"
        people.append(
            Researcher(
                openalex_id=f"A5{n:09d}",
                display_name=name,
                search_name=search_text(name, []),
                works_count=rng.randrange(200),
                record_status="imported",
            )
        )
    Researcher.objects.bulk_create(people)
    ids = dict(Researcher.objects.values_list("openalex_id", "id"))
    places = list(Institution.objects.values_list("id", flat=True))
    topics = list(Topic.objects.values_list("id", flat=True))
    ResearcherAffiliation.objects.bulk_create(
        ResearcherAffiliation(
            researcher_id=rid, institution_id=rng.choice(places), is_last_known=True, source="affiliations"
        )
        for rid in ids.values()
    )
    ResearcherTopic.objects.bulk_create(
        ResearcherTopic(researcher_id=rid, topic_id=rng.choice(topics), rank=1) for rid in ids.values()
    )
    TrustSnapshot.objects.bulk_create(
        TrustSnapshot(
            researcher_id=rid,
            formula_version="v1",
            score=10,
            tier="emerging",
            level=rng.choice([1, 1, 1, 2]),
            components=[],
            inputs={},
            computed_at="2026-01-01T00:00:00Z",
            is_current=True,
        )
        for rid in ids.values()
    )
    for rid in list(ids.values())[:3]:
        user = get_user_model().objects.create(username=f"owner{rid}")
        Claim.objects.create(user=user, researcher_id=rid, state=Claim.State.APPROVED)
    Work.objects.bulk_create(
        Work(
            openalex_id=f"W{n}",
            title=f"{rng.choice(OPENINGS)} {rng.choice(WORDS)} and {rng.choice(WORDS)} {n}",
            doi=f"10.1234/w{n}",
            cited_by_count=rng.randrange(1000),
        )
        for n in range(1, N + 1)
    )


def full_scans(plan: dict[str, Any], allowed: frozenset[str] = frozenset()) -> list[str]:
    """Sequential scans of a search table (but ``allowed``) that read all of its rows."""
    found = []
    for node in nodes(plan):
        if node["Node Type"] == "Seq Scan" and node["Relation Name"] in SEARCH_TABLES - allowed:
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT count(*) FROM "{node["Relation Name"]}"')  # noqa: S608 (our table names)
                (rows,) = cursor.fetchone()
            read = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node.get("Actual Loops", 1)
            if read >= rows >= SMALL_TABLE:
                found.append(
                    f"{node['Relation Name']}: read {read} of {rows}, removed {node.get('Rows Removed by Filter', 0)}"
                )
    return found


def indexes_used(plan: dict[str, Any]) -> set[str]:
    return {node["Index Name"] for node in nodes(plan) if "Index Name" in node}


LONG = " ".join(["learning protein climate graph quantum network cell market"] * 3)  # 8 words used


@pytest.mark.parametrize(
    ("shape", "run", "index"),
    [
        (
            "one letter, researchers",
            lambda: selectors.researchers(words_of("a"), ResearcherFilters()),
            "researcher_search_fts",
        ),
        ("common name", lambda: selectors.researchers(words_of("smith"), ResearcherFilters()), "researcher_search_fts"),
        (
            "initial and name",
            lambda: selectors.researchers(words_of("j smith"), ResearcherFilters()),
            "researcher_search_fts",
        ),
        (
            "misspelt name",
            lambda: selectors.researchers(words_of("zoltan kowalsky"), ResearcherFilters()),
            "researcher_search_trgm",
        ),
        (
            "long query, researchers",
            lambda: selectors.researchers(words_of(LONG), ResearcherFilters()),
            "researcher_search_fts",
        ),
        ("one letter, works", lambda: selectors.works(words_of("q")), "work_title_fts"),
        ("a word in a quarter of the titles", lambda: selectors.works(words_of("study")), "work_title_fts"),
        ("a common word, works", lambda: selectors.works(words_of("learning")), "work_title_fts"),
        ("long query, works", lambda: selectors.works(words_of(LONG)), "work_title_fts"),
        ("one letter, topics", lambda: selectors.topics(words_of("c")), "topic_search_fts"),
        ("a word in a third of the topics", lambda: selectors.topics(words_of("studies")), "topic_search_fts"),
        ("one letter, institutions", lambda: selectors.institutions(words_of("u")), "institution_search_fts"),
        (
            "a word in a fifth of the institutions",
            lambda: selectors.institutions(words_of("university")),
            "institution_search_fts",
        ),
        ("country filter only", lambda: selectors.researchers([], ResearcherFilters(country="FR")), None),
        ("topic filter only", lambda: selectors.researchers([], ResearcherFilters(topic="T7")), None),
        ("level filter only", lambda: selectors.researchers([], ResearcherFilters(level=2)), None),
        ("claimed only", lambda: selectors.researchers([], ResearcherFilters(claimed=True)), None),
        (
            "every filter (country)",
            lambda: selectors.researchers(
                [],
                ResearcherFilters(
                    topic="T7", institution="I9", country="FR", level=1, claimed=True, open_to_collaborate=True
                ),
            ),
            None,
        ),
        (
            "words and filters (country)",
            lambda: selectors.researchers(words_of("smith"), ResearcherFilters(country="FR", level=1)),
            None,
        ),
    ],
)
def test_the_worst_shapes_never_read_a_whole_table(
    big: None, shape: str, run: Callable[[], Any], index: str | None
) -> None:
    used: set[str] = set()
    # The one whole read the planner may choose, and rightly: a country filter joins the
    # current affiliations to the institutions of a country, and when a country has many
    # (here a tenth of all), reading the affiliations in one sequential pass into a hash costs
    # less than probing the index once per institution, whatever the size (both grow with
    # it). It never reads the researchers, works, topics or institutions whole.
    allowed = frozenset({ResearcherAffiliation._meta.db_table}) if "country" in shape else frozenset()
    for sql, plan in plans(run):
        assert full_scans(plan, allowed) == [], f"{shape}: {sql}"
        used |= indexes_used(plan)
    if index:
        assert index in used, f"{shape}: {used}"
