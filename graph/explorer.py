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

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from django.core.cache import cache
from django.db import connection

from bzpeer.http import whole_number
from graph.network import Edge, EdgeKind, Network, Node, NodeKind, slice_network
from graph.slice import close_collaborators, graph_slice
from profiles.models import Researcher, ResearcherAffiliation, ResearcherAlias, ResearcherTopic
from works.models import Authorship

PAGE = 12  # neighbours per expansion step
MAX_NODES = 300  # no expansion starts once the graph holds this many nodes
MAX_EXPANSIONS = 40  # expansion tokens read from a URL
TOPICS_PER_RESEARCHER = 5
SLICE_SIZE = {"people": 30, "works": 12, "topics": 8}  # the explorer's starting graph
YEAR_MIN, YEAR_MAX = 1000, 2100
# The slice and each expansion are kept this long in the cache (Redis), keyed by the researcher
# and the expansions before it: a visitor's expansions then cost the new step alone, not the
# slice and every earlier step again. What changes in the meantime (an import, a merge) shows
# after at most this long; 0 turns it off.
CACHE_SECONDS = 120
CACHE_VERSION = "explorer-1"  # part of every key: a release that changes the shapes reads none of the old

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
    year = whole_number(text, maximum=YEAR_MAX)
    if year is not None and year >= YEAR_MIN:
        return year
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
    pks: dict[str, int] = field(default_factory=dict)  # openalex id -> pk of the nodes found
    added_nodes: list[str] = field(default_factory=list)  # new to the graph when composed


@dataclass
class ExplorerGraph:
    researcher: Researcher
    network: Network
    base_nodes: int
    base_edges: int
    steps: list[Step]
    state: ExplorerState
    pks: dict[str, int]  # openalex id -> pk of every node in the graph (ids are unique across kinds)

    def has(self, node_id: str) -> bool:
        return node_id in self.pks

    def researcher_pks(self) -> list[int]:
        return [pk for node_id, pk in self.pks.items() if node_id.startswith("A")]

    def add(self, step: Step) -> Step:
        """``step`` composed into the graph (its nodes not there yet, its edges likewise): the
        step as composed, with what it added."""
        step = Step(step.expansion, step.nodes, step.edges, step.next_offset, step.pks)  # a cached one stays as stored
        for node_id, pk in step.pks.items():
            self.pks.setdefault(node_id, pk)
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
        return step


def _undirected(edge: Edge) -> tuple[str, str]:
    return (edge.source, edge.target) if edge.source < edge.target else (edge.target, edge.source)


T = TypeVar("T")


def _cached(key: str, compute: Callable[[], T]) -> T:
    if not CACHE_SECONDS:
        return compute()
    key = f"{CACHE_VERSION}:{key}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, CACHE_SECONDS)
    return found  # type: ignore[no-any-return]


def _base(researcher: Researcher) -> tuple[Network, dict[str, int]]:
    """The starting graph (the slice as a network) and the pks of its nodes. 4 queries."""
    found = graph_slice(researcher, **SLICE_SIZE)
    pks = {researcher.openalex_id: researcher.pk}
    pks.update({c.researcher.openalex_id: c.researcher.pk for c in found.collaborators})
    pks.update({p.institution.openalex_id: p.institution.pk for p in found.institutions})
    pks.update({t.topic.openalex_id: t.topic_id for t in found.topics})
    pks.update({w.work.openalex_id: w.work.pk for w in found.works})
    return slice_network(found), pks


def explorer_graph(researcher: Researcher, state: ExplorerState) -> ExplorerGraph:
    """The graph ``state`` produces around ``researcher``; expansions that cannot apply are
    added to ``state.dropped``. Without the cache: 4 queries for the slice, then 1 to 3 per
    expansion; with it, none for what it holds."""
    network, pks = _cached(f"base:{researcher.pk}", lambda: _base(researcher))
    graph = ExplorerGraph(
        researcher,
        Network(network.centre, list(network.nodes), list(network.edges)),
        len(network.nodes),
        len(network.edges),
        [],
        state,
        dict(pks),
    )
    applied: list[Expansion] = []
    for expansion in state.expansions:
        current = _current_id(graph, expansion.node, state.dropped)
        if current != expansion.node:
            expansion = Expansion(current, expansion.offset)
        try:
            if expansion in applied:
                continue
            graph.add(expansion_step(graph, expansion))
            applied.append(expansion)
        except ExpansionRefused as refused:
            state.dropped.append(f"the expansion of {expansion.node} ({refused})")
    state.expansions = applied
    if state.focus:
        state.focus = _current_id(graph, state.focus, state.dropped)
        if not graph.has(state.focus):
            state.dropped.append(f"the focus {state.focus} (not in this graph)")
            state.focus = None
    return graph


def _current_id(graph: ExplorerGraph, node: str, dropped: list[str]) -> str:
    """``node``, or the current id of a researcher OpenAlex merged (an alias) when that one is in
    the graph (said in ``dropped``). One query, only for a researcher id not in the graph."""
    if graph.has(node) or not node.startswith("A"):
        return node
    current = ResearcherAlias.objects.filter(openalex_id=node).values_list("researcher__openalex_id", flat=True).first()
    if current and graph.has(current):
        dropped.append(f"the id {node} (merged into {current}, which is shown instead)")
        return current
    return node


def expansion_step(graph: ExplorerGraph, expansion: Expansion) -> Step:
    """The neighbours of ``expansion.node``, which must be in ``graph``, one page of them;
    raises :class:`ExpansionRefused` otherwise, or when the graph is at its cap."""
    node = expansion.node
    if not graph.has(node):
        raise ExpansionRefused("not in the graph this view shows")
    if len(graph.network.nodes) >= MAX_NODES:
        raise ExpansionRefused(f"the graph already shows {MAX_NODES} nodes, the most it draws; collapse some first")
    kind = KIND_OF_PREFIX[node[0]]
    before = ",".join(s.expansion.token for s in graph.steps)
    # What an institution's or a topic's step finds depends on the researchers in the graph,
    # so a step is keyed by the expansions before it.
    key = f"step:{graph.researcher.pk}:{hashlib.sha256(f'{before}|{expansion.token}'.encode()).hexdigest()[:32]}"
    if kind == NodeKind.RESEARCHER:
        return _cached(key, lambda: _researcher_step(graph, expansion))
    if kind == NodeKind.WORK:
        return _cached(key, lambda: _work_step(graph, expansion))
    return _cached(key, lambda: _members_step(graph, expansion, kind))


def _researcher_node(person: Researcher, weight: int = 1) -> Node:
    return Node(person.openalex_id, NodeKind.RESEARCHER, person.name, weight=weight)


def _researcher_step(graph: ExplorerGraph, expansion: Expansion) -> Step:
    node, offset = expansion.node, expansion.offset
    pk = graph.pks[node]
    people, total, _ = close_collaborators(pk, limit=offset + PAGE)
    nodes: list[Node] = []
    edges: list[Edge] = []
    pks: dict[str, int] = {}
    for c in people[offset:]:
        person = c.researcher
        pks[person.openalex_id] = person.pk
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
            pks[inst.openalex_id] = inst.pk
            nodes.append(Node(inst.openalex_id, NodeKind.INSTITUTION, inst.display_name))
            edges.append(Edge(node, inst.openalex_id, EdgeKind.AFFILIATION))
        topics = ResearcherTopic.objects.filter(researcher_id=pk).select_related("topic").order_by("rank")
        for rt in topics[:TOPICS_PER_RESEARCHER]:
            pks[rt.topic.openalex_id] = rt.topic_id
            nodes.append(Node(rt.topic.openalex_id, NodeKind.TOPIC, rt.topic.display_name, weight=rt.works_count or 1))
            edges.append(Edge(node, rt.topic.openalex_id, EdgeKind.TOPIC))
    next_offset = offset + PAGE if total > offset + PAGE else None
    return Step(expansion, nodes, edges, next_offset, pks)


def _work_step(graph: ExplorerGraph, expansion: Expansion) -> Step:
    node, offset = expansion.node, expansion.offset
    rows = list(
        Authorship.objects.filter(work_id=graph.pks[node], researcher__isnull=False)
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
    nodes, edges, pks = [], [], {}
    for row in rows[:PAGE]:
        person = row.researcher
        assert person is not None  # filtered above
        pks[person.openalex_id] = person.pk
        year = row.work.publication_year
        nodes.append(_researcher_node(person))
        edges.append(Edge(person.openalex_id, node, EdgeKind.AUTHORSHIP, 1, year, year))
    return Step(expansion, nodes, edges, offset + PAGE if len(rows) > PAGE else None, pks)


# The researchers of an institution (current affiliation) or a topic, ranked by their links to
# the researchers in the graph: a co-author edge to one of them counts one, being one of them
# counts one. Two ways to the same answer, chosen by the entity's size: from its members
# (two index probes each) when it has at most MEMBERS_PROBED, else from the edges of the
# graph's researchers (never every member of a large institution or topic).
MEMBERS_PROBED = 2000

_FROM_MEMBERS_SQL = """
SELECT researcher_id, links FROM (
    SELECT m.researcher_id,
           (SELECT count(*) FROM graph_coauthoredge e
             WHERE e.researcher_a_id = m.researcher_id AND e.researcher_b_id = ANY(%(view)s))
         + (SELECT count(*) FROM graph_coauthoredge e
             WHERE e.researcher_b_id = m.researcher_id AND e.researcher_a_id = ANY(%(view)s))
         + (m.researcher_id = ANY(%(view)s))::int AS links
    FROM {table} m JOIN profiles_researcher r ON r.id = m.researcher_id AND r.record_status <> 'deleted'
    WHERE m.{column} = %(entity)s {extra}
) ranked
WHERE links > 0 ORDER BY links DESC, researcher_id LIMIT %(limit)s OFFSET %(offset)s
"""

_FROM_EDGES_SQL = """
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

_MEMBER_COUNT_SQL = (
    "SELECT count(*) FROM (SELECT 1 FROM {table} m WHERE m.{column} = %(entity)s {extra} LIMIT %(cap)s) c"
)

_MEMBERS = {
    NodeKind.INSTITUTION: ("profiles_researcheraffiliation", "institution_id", "AND m.is_last_known"),
    NodeKind.TOPIC: ("profiles_researchertopic", "topic_id", ""),
}


def _members_step(graph: ExplorerGraph, expansion: Expansion, kind: NodeKind) -> Step:
    node, offset = expansion.node, expansion.offset
    table, column, extra = _MEMBERS[kind]
    names = {"table": table, "column": column, "extra": extra}
    params: dict[str, int | list[int]] = {
        "view": graph.researcher_pks(),
        "entity": graph.pks[node],
        "limit": PAGE + 1,
        "offset": offset,
    }
    with connection.cursor() as cursor:
        cursor.execute(_MEMBER_COUNT_SQL.format(**names), {"entity": graph.pks[node], "cap": MEMBERS_PROBED + 1})
        (members,) = cursor.fetchone() or (0,)
        ranked_sql = _FROM_MEMBERS_SQL if members <= MEMBERS_PROBED else _FROM_EDGES_SQL
        cursor.execute(ranked_sql.format(**names), params)
        ranked = cursor.fetchall()
    people = Researcher.objects.only("openalex_id", "display_name", "preferred_name").in_bulk(
        [pk for pk, _ in ranked[:PAGE]]
    )
    edge_kind = EdgeKind.AFFILIATION if kind == NodeKind.INSTITUTION else EdgeKind.TOPIC
    nodes, edges, pks = [], [], {}
    for pk, links in ranked[:PAGE]:
        person = people[pk]
        pks[person.openalex_id] = person.pk
        nodes.append(_researcher_node(person, links))
        edges.append(Edge(person.openalex_id, node, edge_kind))
    return Step(expansion, nodes, edges, offset + PAGE if len(ranked) > PAGE else None, pks)


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
