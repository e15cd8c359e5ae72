"""``{% graph_svg drawing name %}``: the drawn slice's SVG markup (templates/graph/slice_drawing.html).

Built here as one string rather than in the template: a drawing has some 40 nodes and 70
edges, and the template language spent over 100 ms per fragment resolving and localising
their 14,000 values; this takes a few milliseconds. Every text from a record is escaped, and
isolated for bidirectional display as the ``|isolate`` filter does (an SVG <text> or <title>
can hold no <bdi>). Presentation attributes only (no style="": CSP); the classes are in
static/css/app.css.
"""

from __future__ import annotations

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from graph.drawing import Drawing, PlacedEdge, PlacedNode
from profiles.bidi import isolate_text

register = template.Library()


def _text(value: str) -> str:
    return escape(isolate_text(value))


def _edge(e: PlacedEdge) -> str:
    ends = f'x1="{e.x1:.1f}" y1="{e.y1:.1f}" x2="{e.x2:.1f}" y2="{e.y2:.1f}"'
    names = f"{_text(e.source_label)} and {_text(e.target_label)}"
    url = e.edge.url
    if url is None:
        return (
            f'<line class="graph-edge graph-edge--{e.edge.kind}" {ends} stroke-width="{e.width:g}">'
            f"<title>{names}: {escape(e.edge.evidence)}</title></line>"
        )
    mx, my = e.mid
    return (
        f'<a href="{escape(url)}" class="graph-edge graph-edge--{e.edge.kind}">'
        f"<title>{names}: {escape(e.edge.evidence)}. Open the shared works.</title>"
        f'<line class="graph-edge-hit" {ends} stroke-width="14"/>'
        f'<line class="graph-edge-line" {ends} stroke-width="{e.width:g}"/>'
        f'<text class="graph-evidence" x="{mx:.1f}" y="{my:.1f}" text-anchor="middle">{escape(e.edge.evidence)}</text>'
        "</a>"
    )


def _shape(p: PlacedNode) -> str:
    if p.shape == "circle":
        return f'<circle cx="{p.x:.1f}" cy="{p.y:.1f}" r="{p.r:.1f}"/>'
    if p.shape == "square":
        return f'<rect x="{p.square.x0:.1f}" y="{p.square.y0:.1f}" width="{p.side}" height="{p.side}"/>'
    return f'<polygon points="{p.points}"/>'


def _node(p: PlacedNode) -> str:
    centre = " graph-node--centre" if p.node.is_centre else ""
    label, extra = (p.label, "") if p.label else (p.hover_label, " graph-label--hover")
    return (
        f'<a href="{escape(p.node.url)}" class="graph-node graph-node--{p.node.kind}{centre}">'
        f"<title>{_text(p.node.label)} ({escape(p.description)})</title>{_shape(p)}"
        f'<text class="graph-label{extra}" x="{label.x:.1f}" y="{label.y:.1f}" text-anchor="{label.anchor}">'
        f"{_text(label.text)}</text></a>"
    )


@register.simple_tag
def graph_svg(drawing: Drawing, name: str) -> SafeString:
    """The drawing of ``name``'s slice as inline SVG: edges under nodes, every node a link to
    its page, every co-author edge a link to the shared works."""
    title = (
        f"Research graph of {_text(name)}: {len(drawing.nodes)} nodes and {len(drawing.edges)} connections, "
        "listed in the table below"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph-drawing" viewBox="{drawing.view_box}" role="group" '
        f'aria-labelledby="graph-drawing-title"><title id="graph-drawing-title">{title}</title>',
        '<g class="graph-edges">',
        *(_edge(e) for e in drawing.edges),
        '</g><g class="graph-nodes">',
        *(_node(p) for p in drawing.nodes),
        "</g></svg>",
    ]
    return mark_safe("".join(parts))  # noqa: S308 (every record text above is escaped)
