"""The graph explorer page and its expand endpoint (graph/explorer.py; JSON schema in
docs/explorer.md)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from bzpeer.http import HtmxRequest, whole_number
from graph.explorer import (
    MAX_NODES,
    Expansion,
    ExpansionRefused,
    ExplorerGraph,
    ExplorerState,
    Step,
    added_phrase,
    expansion_step,
    explorer_graph,
    parse_state,
    visible,
)
from graph.network import Edge, Node, NodeKind
from graph.similar import similar_researchers
from profiles.shortcuts import researcher_or_response

PAGE_OF_KIND = {
    NodeKind.RESEARCHER: "pages:detail",
    NodeKind.INSTITUTION: "pages:institution",
    NodeKind.TOPIC: "pages:topic",
    NodeKind.WORK: "pages:work",
}


def node_json(node: Node) -> dict[str, Any]:
    return {
        "id": node.id,
        "kind": node.kind.value,
        "label": node.label,
        "weight": node.weight,
        "year": node.year,
        "centre": node.is_centre,
        "url": reverse(PAGE_OF_KIND[node.kind], args=[node.id]),
    }


def edge_json(edge: Edge) -> dict[str, Any]:
    return {
        "id": edge.id,
        "source": edge.source,
        "target": edge.target,
        "kind": edge.kind.value,
        "weight": edge.weight,
        "first_year": edge.first_year,
        "last_year": edge.last_year,
        "evidence": edge.evidence,
    }


def step_json(step: Step) -> dict[str, Any]:
    return {
        "token": step.expansion.token,
        "node": step.expansion.node,
        "offset": step.expansion.offset,
        "next_offset": step.next_offset,
        "nodes": [node_json(n) for n in step.nodes],
        "edges": [edge_json(e) for e in step.edges],
        "added": step.added_nodes,
        "message": added_phrase([n for n in step.nodes if n.id in step.added_nodes]),
    }


def state_query(state: ExplorerState, *, expand: list[str] | None = None, focus: str | None = "") -> str:
    """The query string of ``state`` (with another expansion list or focus): the URL state."""
    params = {
        "expand": ",".join(expand if expand is not None else [e.token for e in state.expansions]),
        "focus": state.focus if focus == "" else focus,
        "types": ",".join(sorted(state.kinds)) if len(state.kinds) < len(NodeKind) else "",
        "from": state.year_from or "",
        "to": state.year_to or "",
    }
    return "?" + urlencode({k: v for k, v in params.items() if v}, safe=",")


def explorer_data(graph: ExplorerGraph) -> dict[str, Any]:
    """Everything the page's script needs (the ``graph-data`` JSON block)."""
    net, centre = graph.network, graph.researcher.openalex_id
    return {
        "centre": centre,
        "base": {
            "nodes": [node_json(n) for n in net.nodes[: graph.base_nodes]],
            "edges": [edge_json(e) for e in net.edges[: graph.base_edges]],
        },
        "steps": [step_json(s) for s in graph.steps],
        "state": graph.state.as_dict(),
        "dropped": graph.state.dropped,
        "expand_url": reverse("graph:expand", args=[centre]),
        "max_nodes": MAX_NODES,
    }


def _rows(graph: ExplorerGraph, nodes: list[Node], edges: list[Edge]) -> list[dict[str, Any]]:
    """The node table without JavaScript: each node with its links to expand and focus it."""
    tokens = [e.token for e in graph.state.expansions]
    expanded = {e.node for e in graph.state.expansions}
    degree: dict[str, int] = {}
    for e in edges:
        degree[e.source] = degree.get(e.source, 0) + 1
        degree[e.target] = degree.get(e.target, 0) + 1
    return [
        {
            "node": n,
            "url": reverse(PAGE_OF_KIND[n.kind], args=[n.id]),
            "ties": degree.get(n.id, 0),
            "expanded": n.id in expanded,
            "expand": state_query(graph.state, expand=[*tokens, n.id]),
            "focus": state_query(graph.state, focus=n.id),
        }
        for n in nodes
    ]


@require_safe
def explorer(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """The explorer: the state in the query string drawn by static/js/explorer.js, and the
    same state as tables without JavaScript, and the researcher's similar researchers. 6
    queries, then 1 to 3 per expansion."""
    researcher = researcher_or_response(request, openalex_id, view="graph:explorer")
    if isinstance(researcher, HttpResponse):
        return researcher
    graph = explorer_graph(researcher, parse_state(request.GET))
    nodes, edges = visible(graph)
    labels = {n.id: n.label for n in graph.network.nodes}
    focus = graph.network.node(graph.state.focus) if graph.state.focus else None
    context = {
        "researcher": researcher,
        "graph": graph,
        "state": graph.state,
        "data": explorer_data(graph),
        "rows": _rows(graph, nodes, edges),
        "edges": [(labels[e.source], labels[e.target], e) for e in edges],
        "focus": focus,
        "focus_edges": [
            (labels[e.target if e.source == focus.id else e.source], e)
            for e in graph.network.edges
            if focus and focus.id in (e.source, e.target)
        ],
        "kinds": [(k.value, k in graph.state.kinds) for k in NodeKind],
        "undo": state_query(graph.state, expand=[e.token for e in graph.state.expansions][:-1]),
        "at_cap": len(graph.network.nodes) >= MAX_NODES,
        "similar": similar_researchers(researcher, 8),
    }
    return render(request, "graph/explorer.html", context)


@require_safe
def expand(request: HtmxRequest, openalex_id: str) -> HttpResponse:
    """JSON: one page of a node's neighbours in the graph the URL state produces (docs/explorer.md).
    400 when the node is not in that graph or the graph is at its cap."""
    researcher = researcher_or_response(request, openalex_id, view="graph:expand")
    if isinstance(researcher, HttpResponse):
        return researcher
    node = (request.GET.get("node") or "").strip().upper()
    offset = whole_number(request.GET.get("offset") or "0", maximum=9999)
    if offset is None:
        return JsonResponse({"error": "offset must be a whole number up to 9999"}, status=400)
    graph = explorer_graph(researcher, parse_state(request.GET))
    try:
        step = expansion_step(graph, Expansion(node, offset))
    except ExpansionRefused as refused:
        return JsonResponse({"error": f"{node[:20] or 'No node'} cannot be expanded: {refused}."}, status=400)
    step = graph.add(step)
    return JsonResponse({**step_json(step), "total_nodes": len(graph.network.nodes)})
