"""The research graph as typed nodes and edges: the one shape the drawn slice, its table and
the explorer read (DESIGN §6), so that the three always show the same data.

Pure: built from a :class:`graph.slice.GraphSlice` already read, no queries. Node ids are the
OpenAlex ids (``A…``, ``I…``, ``T…``/``C…``, ``W…``), unique across kinds; an edge's id is its
two node ids in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache

from django.urls import get_script_prefix, reverse

from graph.slice import GraphSlice
from profiles.display import shared_works_phrase


class NodeKind(StrEnum):
    RESEARCHER = "researcher"
    INSTITUTION = "institution"
    TOPIC = "topic"
    WORK = "work"


class EdgeKind(StrEnum):
    COAUTHOR = "coauthor"  # two researchers; weight = shared works
    AFFILIATION = "affiliation"  # researcher – current institution
    TOPIC = "topic"  # researcher – one of their top topics
    AUTHORSHIP = "authorship"  # researcher – a work they (co-)wrote


_PAGES = {
    NodeKind.RESEARCHER: "pages:detail",
    NodeKind.INSTITUTION: "pages:institution",
    NodeKind.TOPIC: "pages:topic",
    NodeKind.WORK: "pages:work",
}


_SLOT = "0SLOT0"


@lru_cache(maxsize=64)
def _url_template(name: str, arity: int, prefix: str) -> str:
    return reverse(name, args=[f"{_SLOT}{i}" for i in range(arity)])


def _url(name: str, *ids: str) -> str:
    """``reverse(name, args=ids)`` for OpenAlex ids, without resolving the URLconf for each
    of a drawing's hundred links (ids are letters and digits: nothing to quote)."""
    url = _url_template(name, len(ids), get_script_prefix())
    for i, value in enumerate(ids):
        url = url.replace(f"{_SLOT}{i}", value)
    return url


@dataclass(frozen=True)
class Node:
    id: str  # the OpenAlex id
    kind: NodeKind
    label: str  # as stored: escape on output
    weight: int = 1  # how strongly it is tied to the centre (shared works, works on a topic, …)
    is_centre: bool = False
    year: int | None = None  # works: publication year

    @cached_property
    def url(self) -> str:
        """The node's page: a profile, an institution, a topic or a work."""
        return _url(_PAGES[self.kind], self.id)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: EdgeKind
    weight: int = 1  # shared works for co-author edges, 1 otherwise
    first_year: int | None = None
    last_year: int | None = None

    @property
    def id(self) -> str:
        return f"{self.source}-{self.target}"

    @property
    def evidence(self) -> str:
        """What the edge stands for, in words ("3 shared works, 2021–2024")."""
        if self.kind == EdgeKind.COAUTHOR:
            return shared_works_phrase(self.weight, self.first_year, self.last_year)
        if self.kind == EdgeKind.AFFILIATION:
            return "current institution"
        if self.kind == EdgeKind.TOPIC:
            return "top topic"
        return f"author of the work ({self.first_year})" if self.first_year else "author of the work"

    @cached_property
    def url(self) -> str | None:
        """Where the evidence is: the shared-works page of a co-author edge (None otherwise)."""
        if self.kind == EdgeKind.COAUTHOR:
            return _url("graph:shared_works", self.source, self.target)
        return None


@dataclass
class Network:
    centre: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def node(self, node_id: str) -> Node | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    def neighbours(self, node_id: str) -> list[str]:
        return [e.target if e.source == node_id else e.source for e in self.edges if node_id in (e.source, e.target)]

    @property
    def is_empty(self) -> bool:
        return not self.edges


def slice_network(graph: GraphSlice) -> Network:
    """The slice as nodes and edges: the researcher at the centre, close collaborators
    (co-author edges weighted by shared works), the current institutions of all of them, the
    researcher's top topics and the most connected recent works (authorship edges to the
    researcher and to each collaborator on them). Order is the slice's: strongest first."""
    centre = graph.researcher
    net = Network(centre=centre.openalex_id)
    net.nodes.append(Node(centre.openalex_id, NodeKind.RESEARCHER, centre.name, is_centre=True))
    for c in graph.collaborators:
        person = c.researcher
        net.nodes.append(Node(person.openalex_id, NodeKind.RESEARCHER, person.name, weight=c.shared_works))
        net.edges.append(
            Edge(centre.openalex_id, person.openalex_id, EdgeKind.COAUTHOR, c.shared_works, c.first_year, c.last_year)
        )
    for place in graph.institutions:
        inst = place.institution
        net.nodes.append(Node(inst.openalex_id, NodeKind.INSTITUTION, inst.display_name, weight=len(place.members)))
        net.edges.extend(Edge(m.openalex_id, inst.openalex_id, EdgeKind.AFFILIATION) for m in place.members)
    for rt in graph.topics:
        topic = rt.topic
        net.nodes.append(Node(topic.openalex_id, NodeKind.TOPIC, topic.display_name, weight=rt.works_count or 1))
        net.edges.append(Edge(centre.openalex_id, topic.openalex_id, EdgeKind.TOPIC))
    for cw in graph.works:
        work = cw.work
        year = work.publication_year
        title = work.title or "Untitled work"
        net.nodes.append(Node(work.openalex_id, NodeKind.WORK, title, weight=1 + len(cw.collaborators), year=year))
        for author in (centre, *cw.collaborators):
            net.edges.append(Edge(author.openalex_id, work.openalex_id, EdgeKind.AUTHORSHIP, 1, year, year))
    return net
