"""Builders of records (researchers, institutions, topics, works, trust snapshots) straight
through the ORM: plain functions, each row in one call. Tests call them as ``f.researcher(...)``
(``from tests import factories as f``); ``record()`` is the claim tests' record, which the
``record`` fixture (tests/conftest.py) and the cast (tests/cast.py) share."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from typing import Any

from graph.edges import coauthor_edges_refresh
from graph.models import TrustSnapshot
from profiles.models import Institution, Researcher, ResearcherAffiliation, ResearcherTopic, Topic
from profiles.names import search_text
from works.models import Authorship, Source, Work, WorkTopic

_ids = itertools.count(1)

ORCID = "0000-0002-1825-0097"  # the ORCID documentation's example iD (valid check digit)


def researcher(name: str = "Ada Example", *, openalex_id: str | None = None, **fields: Any) -> Researcher:
    defaults: dict[str, Any] = {
        "record_status": "imported",
        "works_count": 0,
        "imported_at": datetime(2026, 3, 1, tzinfo=UTC),
    }
    return Researcher.objects.create(
        openalex_id=openalex_id or f"A59{next(_ids):08d}",
        display_name=name,
        search_name=search_text(name, fields.get("display_name_alternatives", [])),
        **{**defaults, **fields},
    )


def stub(name: str, **fields: Any) -> Researcher:
    return researcher(name, record_status="stub", imported_at=None, **fields)


def institution(name: str, *, openalex_id: str | None = None, **fields: Any) -> Institution:
    return Institution.objects.create(openalex_id=openalex_id or f"I99{next(_ids):07d}", display_name=name, **fields)


def topic(name: str, **fields: Any) -> Topic:
    return Topic.objects.create(openalex_id=f"T9{next(_ids):05d}", display_name=name, **fields)


def source(name: str = "Journal of Examples") -> Source:
    return Source.objects.create(openalex_id=f"S99{next(_ids):07d}", display_name=name, type="journal")


def work(
    authors: list[Researcher],
    *,
    year: int = 2024,
    title: str | None = None,
    type: str = "article",
    openalex_id: str | None = None,
    **fields: Any,
) -> Work:
    n = next(_ids)
    item = Work.objects.create(
        openalex_id=openalex_id or f"W99{n:08d}",
        title=title if title is not None else f"Work number {n}",
        type=type,
        publication_year=year,
        **{"publication_date": date(year, 1 + n % 12, 1 + n % 28), **fields},
    )
    Authorship.objects.bulk_create(
        Authorship(work=item, position=i, researcher=a, raw_author_name=a.display_name) for i, a in enumerate(authors)
    )
    return item


def affiliate(who: Researcher, where: Institution, years: list[int], *, current: bool = False) -> ResearcherAffiliation:
    return ResearcherAffiliation.objects.create(
        researcher=who, institution=where, years=years, is_last_known=current, source="affiliations"
    )


def give_topic(
    who: Researcher, what: Topic, rank: int, works_count: int | None = 3, score: float | None = None
) -> None:
    ResearcherTopic.objects.create(researcher=who, topic=what, rank=rank, works_count=works_count, score=score)


def tag(item: Work, what: Topic, *, primary: bool = True) -> None:
    WorkTopic.objects.create(work=item, topic=what, score=0.9, is_primary=primary)


def edges() -> None:
    coauthor_edges_refresh()


def snapshot(who: Researcher, *, score: float = 21.0, tier: str = "emerging", level: int = 1) -> TrustSnapshot:
    return TrustSnapshot.objects.create(
        researcher=who,
        formula_version="v1",
        score=score,
        tier=tier,
        level=level,
        components=[],
        inputs={},
        computed_at=datetime(2026, 3, 2, tzinfo=UTC),
        is_current=True,
    )


def record(
    openalex_id: str = "A5000000001",
    *,
    orcid: str = ORCID,
    domains: list[str] | None = None,
    works: int = 2,
    name: str = "Ada Example",
) -> Researcher:
    """A claimable record: an imported researcher with an ORCID iD, a current affiliation at
    Example University (I100, shared by every such record; its email domains ``domains``) and
    ``works`` works of their own."""
    who = researcher(
        name,
        openalex_id=openalex_id,
        orcid=orcid,
        imported_at=None,
        generated_bio="Works on examples at Example University.",
    )
    where = Institution.objects.filter(openalex_id="I100").first() or institution(
        "Example University", openalex_id="I100", email_domains=domains or ["example.edu"]
    )
    affiliate(who, where, [2024, 2025], current=True)
    for n in range(works):
        work([who], year=2020 + n, title=f"Paper {n} of {name}", openalex_id=f"W{openalex_id[1:]}{n}")
    return who


def big_profile(works: int = 45, coauthors: int = 30) -> Researcher:
    """A researcher with many works, co-authors (each sharing 2+ works), topics and affiliations."""
    lead = researcher(
        "Prolific Person",
        orcid=ORCID,
        counts_by_year=[{"year": y, "works_count": 3, "cited_by_count": 10 * (y - 2014)} for y in range(2015, 2026)],
        h_index=12,
        i10_index=14,
        cited_by_count=660,
        generated_bio="Works mainly on Examples.",
    )
    people = [researcher(f"Co Author {i}") for i in range(coauthors)]
    places = [institution(f"Institute {i}") for i in range(3)]
    for i, place in enumerate(places):
        affiliate(lead, place, [2015 + i, 2016 + i], current=i == 0)
    for i, person in enumerate(people):
        affiliate(person, places[i % 3], [2024], current=True)
    for i in range(5):
        give_topic(lead, topic(f"Topic {i}"), rank=i + 1, works_count=10 - i)
    venue = source()
    for i in range(works):
        pair = [people[i % coauthors], people[(i + 1) % coauthors]]
        work([lead, *pair], year=2010 + i % 16, source=venue, abstract="Word " * (60 + i), doi=f"10.5555/x{i}")
    edges()
    return lead
