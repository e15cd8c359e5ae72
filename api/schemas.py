"""The shapes of the API's answers (pydantic models through django-ninja): the OpenAPI schema
is generated from them, and schemathesis checks every answer against it, so they say exactly
what is sent: no extra fields (``extra="forbid"``), nullable only where null is sent."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import ConfigDict


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class Error(Strict):
    status: int
    reason: str


class InstitutionRef(Strict):
    id: str
    name: str
    country_code: str


class TopicRef(Strict):
    id: str
    name: str
    works_count: int


class Verification(Strict):
    level: int
    name: str
    evidence: str


class TrustComponent(Strict):
    name: str
    label: str
    points: float
    cap: float
    evidence: str
    rule: str


class Trust(Strict):
    score: float
    max_points: float
    tier: str
    formula_version: str
    computed_at: datetime
    components: list[TrustComponent]


class ResearcherLinks(Strict):
    profile: str
    works: str
    coauthors: str
    graph: str


class ResearcherOut(Strict):
    id: str
    name: str
    display_name: str
    alternative_names: list[str]
    orcid: str | None
    works_count: int
    cited_by_count: int
    h_index: int | None
    record_status: str
    institutions: list[InstitutionRef]
    topics: list[TopicRef]
    verification: Verification | None
    trust: Trust | None
    links: ResearcherLinks


class AuthorOut(Strict):
    position: int
    name: str
    researcher: str | None  # the author's OpenAlex id, when BZPEER holds the record


class WorkOut(Strict):
    id: str
    title: str
    type: str
    publication_year: int | None
    publication_date: str | None
    doi: str | None
    venue: str
    cited_by_count: int
    authors: list[AuthorOut]
    authors_count: int
    url: str


class WorksPageOut(Strict):
    items: list[WorkOut]
    next_cursor: str | None


class CoauthorOut(Strict):
    id: str
    name: str
    shared_works: int
    first_year: int | None
    last_year: int | None
    evidence: str


class CoauthorsPageOut(Strict):
    items: list[CoauthorOut]
    next_cursor: str | None


class NodeOut(Strict):
    id: str
    kind: str
    label: str
    weight: int
    is_centre: bool
    year: int | None


class EdgeOut(Strict):
    source: str
    target: str
    kind: str
    weight: int
    first_year: int | None
    last_year: int | None
    evidence: str


class GraphOut(Strict):
    centre: str
    nodes: list[NodeOut]
    edges: list[EdgeOut]


class ResearcherHit(Strict):
    id: str
    name: str
    works_count: int
    institution: str | None


class TopicHit(Strict):
    id: str
    name: str


class InstitutionHit(Strict):
    id: str
    name: str
    country_code: str


class Group(Strict):
    count: int  # exact unless capped (then more than 1,000 match)
    capped: bool
    page: int


class ResearcherGroup(Group):
    approximate: bool  # no name holds the words: the closest spellings
    items: list[ResearcherHit]


class TopicGroup(Group):
    items: list[TopicHit]


class InstitutionGroup(Group):
    items: list[InstitutionHit]


class WorkGroup(Group):
    items: list[WorkOut]


class SearchOut(Strict):
    # When q is an identifier (DOI, ORCID iD, OpenAlex id): the absolute URL of what it names
    # (the API's for researchers and works, the page's for topics and institutions), or null
    # when BZPEER holds no such record; the groups are then null.
    redirect: str | None
    researchers: ResearcherGroup | None
    topics: TopicGroup | None
    institutions: InstitutionGroup | None
    works: WorkGroup | None
