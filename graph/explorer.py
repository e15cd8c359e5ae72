"""The graph explorer (DESIGN §6, issue 16): the slice (graph/network.py) grown by expansions,
with its state in the URL.

The state is the query string: ``expand`` (expansion tokens in order, comma-separated: a node id,
or ``<id>-<offset>`` for "show more"), ``focus`` (a node id), ``types`` (the node kinds shown,
comma-separated; all when absent) and ``from`` / ``to`` (a year range). The graph a state
produces is the slice's network, then each expansion in order, each only when its node is in the
graph so far and the graph is under :data:`MAX_NODES`; what does not apply is dropped and said.
Filters hide, they never change what expansions return, so the server's table and the page's
script show the same thing (static/js/explorer.js repeats :func:`visible`).

An expansion returns its node's neighbours, at most :data:`PAGE` of them per step:

* a researcher: their close collaborators (graph.edges' rule), and at offset 0 their current
  institutions and top topics;
* an institution or a topic: the researchers there (current affiliation / one of their topics)
  most connected to the researchers already in the graph (co-author edges to them; being in it
  counts one);
* a work: its authors, in byline order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import connection

from graph.network import Edge, EdgeKind, Network, Node, NodeKind, slice_network
from graph.slice import close_collaborators, graph_slice
from profiles.models import Researcher, ResearcherAffiliation, ResearcherTopic
from works.models import Authorship

PAGE = 12  # neighbours per expansion step
MAX_NODES = 300  # no expansion starts once the graph holds this many nodes
MAX_EXPANSIONS = 40  # expansion tokens read from a URL
TOPICS_PER_RESEARCHER = 5
SLICE_SIZE = {"people": 30, "works": 12, "topics": 8}  # the explorer's starting graph
YEAR_MIN, YEAR_MAX = 1000, 2100

NODE_ID = re.compile(r"^[AITCW][0-9]{1,12}$")
TOKEN = re.compile(r"^(?P<node>[AITCW][0-9]{1,12})(?:-(?P<offset>[0-9]{1,4}))?$")
KIND_OF_PREFIX = {
    "A": NodeKind.RESEARCHER,
    "I": NodeKind.INSTITUTION,
    "T": NodeKind.TOPIC,
    "C": NodeKind.TOPIC,
    "W": NodeKind.WORK,
}


class ExpansionRefused(Exception):
    """An expansion request the explorer does not compute (answered with 400)."""


@dataclass(frozen=True)
class Expansion:
    node: str
    offset: int = 0

    @property
    def token(self) -> str:
        return f"{self.node}-{self.offset}" if self.offset else self.node


@dataclass
class ExplorerState:
    expansions: list[Expansion] = field(default_factory=list)
    focus: str | None = None
    kinds: frozenset[NodeKind] = frozenset(NodeKind)
    year_from: int | None = None
    year_to: int | None = None
    dropped: list[str] = field(default_factory=list)  # what the URL asked for that was not applied

    def as_dict(self) -> dict[str, object]:
        return {
            "expand": [e.token for e in self.expansions],
            "focus": self.focus,
            "types": sorted(self.kinds),
            "from": self.year_from,
            "to": self.year_to,
        }


def _year(params: Mapping[str, str], name: str, dropped: list[str]) -> int | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    if text.isdigit() and YEAR_MIN <= int(text) <= YEAR_MAX:
        return int(text)
    dropped.append(f"the year “{text[:20]}” ({name})")
    return None


def parse_state(params: Mapping[str, str]) -> ExplorerState:
    """The state a query string asks for; what is malformed is left out and listed in
    ``dropped``. Pure."""
    dropped: list[str] = []
    expansions: list[Expansion] = []
    for raw in (params.get("expand") or "").split(","):
        text = raw.strip()
        if not text:
            continue
        match = TOKEN.match(text.upper())
        if not match:
            dropped.append(f"the expansion “{text[:30]}” (not a node id)")
        elif len(expansions) >= MAX_EXPANSIONS:
            dropped.append(f"the expansion {text} (more than {MAX_EXPANSIONS} expansions)")
        else:
            expansion = Expansion(match["node"], int(match["offset"] or 0))
            if expansion not in expansions:
                expansions.append(expansion)
    focus_text = (params.get("focus") or "").strip()
    focus = focus_text.upper() or None
    if focus and not NODE_ID.match(focus):
        dropped.append(f"the focus “{focus_text[:30]}” (not a node id)")
        focus = None
    kinds: set[NodeKind] = set()
    types = params.get("types")
    for text in (types or "").split(","):
        if text.strip() in NodeKind._value2member_map_:
            kinds.add(NodeKind(text.strip()))
        elif text.strip():
            dropped.append(f"the node type “{text.strip()[:20]}”")
    year_from, year_to = _year(params, "from", dropped), _year(params, "to", dropped)
    if year_from and year_to and year_from > year_to:
        year_from, year_to = year_to, year_from
    return ExplorerState(
        expansions=expansions,
        focus=focus,
        kinds=frozenset(kinds) if types is not None and kinds else frozenset(NodeKind),
        year_from=year_from,
        year_to=year_to,
        dropped=dropped,
    )


@dataclass
class Step:
    """One expansion's neighbours: every node and edge it found (some may be in the graph
    already), and the offset of the next page, if there is one."""

    expansion: Expansion
    nodes: list[Node]
    edges: list[Edge]
    next_offset: int | None
    added_nodes: list[str] = field(default_factory=list)  # new to the graph when composed


@dataclass
class ExplorerGraph:
    researcher: Researcher
    network: Network
    base_nodes: int
    base_edges: int
    steps: list[Step]
    state: ExplorerState
    researcher_pks: dict[str, int]  # openalex id -> pk of every researcher in the graph
    entity_pks: dict[str, int]  # institutions, topics and works likewise

    def has(self, node_id: str) -> bool:
        return any(n.id == node_id for n in self.network.nodes)

    def add(self, step: Step) -> None:
        known_nodes = {n.id for n in self.network.nodes}
        known_edges = {_undirected(e) for e in self.network.edges}
        for node in step.nodes:
            if node.id not in known_nodes:
                known_nodes.add(node.id)
                self.network.nodes.append(node)
                step.added_nodes.append(node.id)
        for edge in step.edges:
            if _undirected(edge) not in known_edges:
                known_edges.add(_undirected(edge))
                self.network.edges.append(edge)
        self.steps.append(step)


def _undirected(edge: Edge) -> tuple[str, str]:
    return (edge.source, edge.target) if edge.source < edge.target else (edge.target, edge.source)


def explorer_graph(researcher: Researcher, state: ExplorerState) -> ExplorerGraph:
    """The graph ``state`` produces around ``researcher``; expansions that cannot apply are
    added to ``state.dropped``. 4 queries for the slice, then 1 to 3 per expansion."""
    found = graph_slice(researcher, **SLICE_SIZE)
    network = slice_network(found)
    researcher_pks = {researcher.openalex_id: researcher.pk}
    researcher_pks.update({c.researcher.openalex_id: c.researcher.pk for c in found.collaborators})
    entity_pks = {p.institution.openalex_id: p.institution.pk for p in found.institutions}
    entity_pks.update({t.topic.openalex_id: t.topic_id for t in found.topics})
    entity_pks.update({w.work.openalex_id: w.work.pk for w in found.works})
    graph = ExplorerGraph(
        researcher, network, len(network.nodes), len(network.edges), [], state, researcher_pks, entity_pks
    )
    applied: list[Expansion] = []
    for expansion in state.expansions:
        try:
            graph.add(expansion_step(graph, expansion))
            applied.append(expansion)
        except ExpansionRefused as refused:
            state.dropped.append(f"the expansion of {expansion.node} ({refused})")
    state.expansions = applied
    if state.focus and not graph.has(state.focus):
        state.dropped.append(f"the focus {state.focus} (not in this graph)")
        state.focus = None
    return graph


def expansion_step(graph: ExplorerGraph, expansion: Expansion) -> Step:
    """The neighbours of ``expansion.node``, which must be in ``graph``, one page of them;
    raises :class:`ExpansionRefused` otherwise, or when the graph is at its cap."""
    node = expansion.node
    if not graph.has(node):
        raise ExpansionRefused("not in the graph this view shows")
    if len(graph.network.nodes) >= MAX_NODES:
        raise ExpansionRefused(f"the graph already shows {MAX_NODES} nodes, the most it draws; collapse some first")
    kind = KIND_OF_PREFIX[node[0]]
    if kind == NodeKind.RESEARCHER:
        step = _researcher_step(graph, expansion)
    elif kind == NodeKind.WORK:
        step = _work_step(graph, expansion)
    else:
        step = _members_step(graph, expansion, kind)
    return step


def _researcher_node(person: Researcher, weight: int = 1) -> Node:
    return Node(person.openalex_id, NodeKind.RESEARCHER, person.name, weight=weight)


def _researcher_step(graph: ExplorerGraph, expansion: Expansion) -> Step:
    node, offset = expansion.node, expansion.offset
    pk = graph.researcher_pks[node]
    people, total, _ = close_collaborators(pk, limit=offset + PAGE)
    nodes: list[Node] = []
    edges: list[Edge] = []
    for c in people[offset:]:
        person = c.researcher
        graph.researcher_pks.setdefault(person.openalex_id, person.pk)
        nodes.append(_researcher_node(person, c.shared_works))
        edges.append(Edge(node, person.openalex_id, EdgeKind.COAUTHOR, c.shared_works, c.first_year, c.last_year))
    if offset == 0:
        places = (
            ResearcherAffiliation.objects.filter(researcher_id=pk, is_last_known=True)
            .select_related("institution")
            .only("institution__openalex_id", "institution__display_name")
            .order_by("institution__display_name")
        )
        for place in places:
            inst = place.institution
            graph.entity_pks.setdefault(inst.openalex_id, inst.pk)
            nodes.append(Node(inst.openalex_id, NodeKind.INSTITUTION, inst.display_name))
            edges.append(Edge(node, inst.openalex_id, EdgeKind.AFFILIATION))
        topics = ResearcherTopic.objects.filter(researcher_id=pk).select_related("topic").order_by("rank")
        for rt in topics[:TOPICS_PER_RESEARCHER]:
            graph.entity_pks.setdefault(rt.topic.openalex_id, rt.topic_id)
            nodes.append(Node(rt.topic.openalex_id, NodeKind.TOPIC, rt.topic.display_name, weight=rt.works_count or 1))
            edges.append(Edge(node, rt.topic.openalex_id, EdgeKind.TOPIC))
    next_offset = offset + PAGE if total > offset + PAGE else None
    return Step(expansion, nodes, edges, next_offset)


def _work_step(graph: ExplorerGraph, expansion: Expansion) -> Step:
    node, offset = expansion.node, expansion.offset
    rows = list(
        Authorship.objects.filter(work_id=graph.entity_pks[node], researcher__isnull=False)
        .exclude(researcher__record_status=Researcher.RecordStatus.DELETED)
        .select_related("researcher", "work")
        .only(
            "position",
            "work__publication_year",
            "researcher__openalex_id",
            "researcher__display_name",
            "researcher__preferred_name",
        )
        .order_by("position")[offset : offset + PAGE + 1]
    )
    nodes, edges = [], []
    for row in rows[:PAGE]:
        person = row.researcher
        assert person is not None  # filtered above
        graph.researcher_pks.setdefault(person.openalex_id, person.pk)
        year = row.work.publication_year
        nodes.append(_researcher_node(person))
        edges.append(Edge(person.openalex_id, node, EdgeKind.AUTHORSHIP, 1, year, year))
    return Step(expansion, nodes, edges, offset + PAGE if len(rows) > PAGE else None)


# The researchers of an institution (current affiliation) or a topic, ranked by their links to
# the researchers in the graph: a co-author edge to one of them counts one, being one of them
# counts one. Only the graph's researchers and their co-authors are read, never every member
# of a large institution or topic.
_MEMBERS_SQL = """
WITH view(id) AS (SELECT unnest(%(view)s::bigint[])),
links(id) AS (
    SELECT e.researcher_b_id FROM graph_coauthoredge e JOIN view v ON e.researcher_a_id = v.id
    UNION ALL
    SELECT e.researcher_a_id FROM graph_coauthoredge e JOIN view v ON e.researcher_b_id = v.id
    UNION ALL
    SELECT id FROM view
)
SELECT m.researcher_id, count(*) AS links
FROM links l JOIN {table} m ON m.researcher_id = l.id AND m.{column} = %(entity)s {extra}
JOIN profiles_researcher r ON r.id = m.researcher_id AND r.record_status <> 'deleted'
GROUP BY m.researcher_id ORDER BY links DESC, m.researcher_id
LIMIT %(limit)s OFFSET %(offset)s
"""
_MEMBERS = {
    NodeKind.INSTITUTION: ("profiles_researcheraffiliation", "institution_id", "AND m.is_last_known"),
    NodeKind.TOPIC: ("profiles_researchertopic", "topic_id", ""),
}


def _members_step(graph: ExplorerGraph, expansion: Expansion, kind: NodeKind) -> Step:
    node, offset = expansion.node, expansion.offset
    table, column, extra = _MEMBERS[kind]
    with connection.cursor() as cursor:
        cursor.execute(
            _MEMBERS_SQL.format(table=table, column=column, extra=extra),
            {
                "view": list(graph.researcher_pks.values()),
                "entity": graph.entity_pks[node],
                "limit": PAGE + 1,
                "offset": offset,
            },
        )
        ranked = cursor.fetchall()
    people = Researcher.objects.only("openalex_id", "display_name", "preferred_name").in_bulk(
        [pk for pk, _ in ranked[:PAGE]]
    )
    edge_kind = EdgeKind.AFFILIATION if kind == NodeKind.INSTITUTION else EdgeKind.TOPIC
    nodes, edges = [], []
    for pk, links in ranked[:PAGE]:
        person = people[pk]
        graph.researcher_pks.setdefault(person.openalex_id, person.pk)
        nodes.append(_researcher_node(person, links))
        edges.append(Edge(person.openalex_id, node, edge_kind))
    return Step(expansion, nodes, edges, offset + PAGE if len(ranked) > PAGE else None)


def visible(graph: ExplorerGraph) -> tuple[list[Node], list[Edge]]:
    """What the state's filters leave of the graph: nodes of the chosen kinds (the centre
    always), works and co-author edges within the year range, and of the rest only what some
    shown edge still ties in. static/js/explorer.js ``visible`` is the same rule."""
    state, net = graph.state, graph.network
    lo, hi = state.year_from, state.year_to

    def in_years(first: int | None, last: int | None) -> bool:
        if first is None and last is None:
            return True
        return (lo is None or (last or first or 0) >= lo) and (hi is None or (first or last or 0) <= hi)

    shown = {
        n.id
        for n in net.nodes
        if n.is_centre or (n.kind in state.kinds and (n.kind != NodeKind.WORK or in_years(n.year, n.year)))
    }
    edges = [e for e in net.edges if e.source in shown and e.target in shown and in_years(e.first_year, e.last_year)]
    tied = {net.centre} | {e.source for e in edges} | {e.target for e in edges}
    return [n for n in net.nodes if n.id in tied], edges


def added_phrase(nodes: list[Node]) -> str:
    """What an expansion added, in words: "Added 3 researchers and 1 institution"."""
    if not nodes:
        return "Added nothing new"
    counts: dict[NodeKind, int] = {}
    for n in nodes:
        counts[n.kind] = counts.get(n.kind, 0) + 1
    nouns = {
        NodeKind.RESEARCHER: "researcher",
        NodeKind.INSTITUTION: "institution",
        NodeKind.TOPIC: "topic",
        NodeKind.WORK: "work",
    }
    parts = [f"{n} {nouns[k]}{'' if n == 1 else 's'}" for k, n in counts.items()]
    return "Added " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0])
