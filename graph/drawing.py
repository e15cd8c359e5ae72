"""The drawn slice: a :class:`graph.network.Network` laid out for a server-rendered SVG
(DESIGN §6; issue 16).

Pure and deterministic: positions come from the network's order only (no randomness, no
queries), so the same data always gives the same picture. A radial layout: the researcher at
the centre, the other researchers on an inner ring (strongest first, from the top, clockwise),
institutions, topics and works on an outer ring. Labels are placed greedily, strongest node
first, from a character-width estimate: a label is drawn only where its box stays inside the
drawing and meets no other label and no node, so the visible labels never overlap; every other
node says its name on hover and focus (and in the table beside the drawing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from graph.network import Edge, EdgeKind, Network, Node, NodeKind

WIDTH = 480
HEIGHT = 480
INNER_RING = 110  # other researchers
OUTER_RING = 190  # institutions, topics, works
MARGIN = 4

# At most this many nodes are drawn (the centre and the strongest others, in network order).
MAX_NODES = 40
# The centre and about this many of the strongest other nodes get a visible label.
MAX_LABELS = 10

FONT_SIZE = 17  # in drawing units: about 12 px when the drawing is 340 px wide (a 390 px phone)
CHAR_WIDTH = 0.6  # of the font size: a generous average for proportional sans-serif text
LINE_HEIGHT = 1.25
LABEL_CHARS = 18  # longer labels are cut with an ellipsis (the full name is in the title)
LABEL_CUTS = (LABEL_CHARS, 13, 9)  # where a whole label does not fit, a shorter cut may
LABEL_GAP = 4

NODE_RADIUS = {NodeKind.RESEARCHER: 9.0, NodeKind.INSTITUTION: 9.0, NodeKind.TOPIC: 9.0, NodeKind.WORK: 7.0}
CENTRE_RADIUS = 16.0

# Shapes per kind; colours are classes in static/css/app.css (graph-node--<kind>).
SHAPES = {
    NodeKind.RESEARCHER: "circle",
    NodeKind.INSTITUTION: "square",
    NodeKind.TOPIC: "diamond",
    NodeKind.WORK: "triangle",
}
KIND_NAMES = {
    NodeKind.RESEARCHER: "Researcher",
    NodeKind.INSTITUTION: "Institution",
    NodeKind.TOPIC: "Topic",
    NodeKind.WORK: "Work",
}


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def intersects(self, other: Box) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def inside(self, width: float, height: float) -> bool:
        return self.x0 >= 0 and self.y0 >= 0 and self.x1 <= width and self.y1 <= height


@dataclass(frozen=True)
class Label:
    text: str  # as stored, maybe cut: escape on output
    x: float  # the text's anchor point (SVG x, y of the baseline)
    y: float
    anchor: str  # "start" | "middle" | "end"
    box: Box


@dataclass(frozen=True)
class PlacedNode:
    node: Node
    x: float
    y: float
    r: float
    label: Label | None  # a visible label, or None: the name shows on hover and focus only
    hover_label: Label  # where the name shows on hover and focus when it has no visible label

    @property
    def shape(self) -> str:
        return SHAPES[self.node.kind]

    @property
    def kind_name(self) -> str:
        return KIND_NAMES[self.node.kind]

    @property
    def description(self) -> str:
        """What the node is, after its name: "researcher, 4 shared works"."""
        node = self.node
        if node.is_centre:
            return "researcher at the centre"
        if node.kind == NodeKind.RESEARCHER:
            return f"researcher, {node.weight} shared work{'s' if node.weight != 1 else ''}"
        if node.kind == NodeKind.INSTITUTION:
            return "current institution"
        if node.kind == NodeKind.TOPIC:
            return f"top topic, {node.weight} work{'s' if node.weight != 1 else ''}"
        return f"work, {node.year}" if node.year else "work"

    @property
    def points(self) -> str:
        """The polygon of a diamond or triangle (SVG points)."""
        x, y, r = self.x, self.y, self.r * 1.25
        if self.shape == "diamond":
            corners = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
        else:  # triangle
            corners = [(x, y - r), (x + r * 0.95, y + r * 0.7), (x - r * 0.95, y + r * 0.7)]
        return " ".join(f"{px:.1f},{py:.1f}" for px, py in corners)

    @property
    def square(self) -> Box:
        s = self.r * 0.9
        return Box(self.x - s, self.y - s, self.x + s, self.y + s)

    @property
    def side(self) -> str:
        return f"{self.r * 1.8:.1f}"

    @property
    def disc(self) -> Box:
        return Box(self.x - self.r, self.y - self.r, self.x + self.r, self.y + self.r)


@dataclass(frozen=True)
class PlacedEdge:
    edge: Edge
    x1: float
    y1: float
    x2: float
    y2: float
    width: float  # stroke width: grows with shared works
    source_label: str
    target_label: str

    @property
    def mid(self) -> tuple[float, float]:
        return (self.x1 + self.x2) / 2, (self.y1 + self.y2) / 2


@dataclass(frozen=True)
class Drawing:
    network: Network  # what is drawn: at most MAX_NODES nodes and the edges between them
    nodes: list[PlacedNode]
    edges: list[PlacedEdge]
    width: int = WIDTH
    height: int = HEIGHT
    left_out: int = 0  # nodes of the network not drawn (over MAX_NODES)

    @property
    def labels(self) -> list[Label]:
        return [n.label for n in self.nodes if n.label]

    @property
    def kinds(self) -> list[tuple[str, str, str]]:
        """The legend: (kind, name, shape) of every kind drawn, in a fixed order."""
        drawn = {n.node.kind for n in self.nodes}
        return [(k.value, KIND_NAMES[k], SHAPES[k]) for k in NodeKind if k in drawn]

    @property
    def rows(self) -> list[tuple[PlacedNode, list[tuple[Edge, Node]]]]:
        """The table: every drawn node once, each with the edges that lead to it (an edge's
        target is the collaborator, institution, topic or work), so every edge is listed once."""
        incoming: dict[str, list[tuple[Edge, Node]]] = {n.node.id: [] for n in self.nodes}
        nodes = {n.node.id: n.node for n in self.nodes}
        for edge in self.network.edges:
            incoming[edge.target].append((edge, nodes[edge.source]))
        return [(n, incoming[n.node.id]) for n in self.nodes]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def cut(text: str, limit: int = LABEL_CHARS) -> str:
    """``text`` on one line, at most ``limit`` characters (an ellipsis marks a cut)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def text_width(text: str, font_size: float = FONT_SIZE) -> float:
    return len(text) * font_size * CHAR_WIDTH


def edge_width(edge: Edge) -> float:
    """Co-author edges grow with shared works (1 work: 1.5, 8 or more: 7); others are thin."""
    if edge.kind != EdgeKind.COAUTHOR:
        return 1.0
    return 1.5 + (min(edge.weight, 8) - 1) * (5.5 / 7)


def label_at(text: str, x: float, y: float, anchor: str, baseline_shift: float = 0.0) -> Label:
    """A label whose text starts at / is centred on / ends at (x, y), the middle of the line
    at ``y`` (shifted down by ``baseline_shift`` line heights)."""
    width = text_width(text)
    height = FONT_SIZE * LINE_HEIGHT
    top = y - height / 2 + baseline_shift * height
    x0 = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    baseline = top + FONT_SIZE * 0.95  # the box reaches a little below the baseline
    return Label(text, round(x, 1), round(baseline, 1), anchor, Box(x0, top, x0 + width, top + height))


def candidates(text: str, x: float, y: float, r: float, angle: float | None) -> list[Label]:
    """Where a node's label may go, best first: outwards from the centre, then right, left,
    below and above the node."""
    gap = r + LABEL_GAP
    options: list[Label] = []
    if angle is not None:
        dx, dy = math.cos(angle), math.sin(angle)
        if dx > 0.35:
            options.append(label_at(text, x + gap, y, "start"))
        elif dx < -0.35:
            options.append(label_at(text, x - gap, y, "end"))
        elif dy < 0:
            options.append(label_at(text, x, y - gap - FONT_SIZE * LINE_HEIGHT / 2, "middle"))
        else:
            options.append(label_at(text, x, y + gap + FONT_SIZE * LINE_HEIGHT / 2, "middle"))
    options += [
        label_at(text, x + gap, y, "start"),
        label_at(text, x - gap, y, "end"),
        label_at(text, x, y + gap + FONT_SIZE * LINE_HEIGHT / 2, "middle"),
        label_at(text, x, y - gap - FONT_SIZE * LINE_HEIGHT / 2, "middle"),
    ]
    return options


def _ring(count: int, radius: float, offset: float) -> list[tuple[float, float, float]]:
    """``count`` points on a ring around the centre, from the top, clockwise."""
    cx, cy = WIDTH / 2, HEIGHT / 2
    points = []
    for i in range(count):
        angle = -math.pi / 2 + offset + 2 * math.pi * i / max(count, 1)
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle), angle))
    return points


def node_radius(node: Node) -> float:
    if node.is_centre:
        return CENTRE_RADIUS
    base = NODE_RADIUS[node.kind]
    if node.kind == NodeKind.RESEARCHER:
        return base + min(node.weight - 1, 6) * 0.8  # stronger collaborators are larger
    return base


def draw(network: Network) -> Drawing:
    """The positioned drawing of ``network`` (its first MAX_NODES nodes, the centre first)."""
    centre = network.node(network.centre)
    kept = ([centre] if centre else []) + [n for n in network.nodes if not n.is_centre][: MAX_NODES - 1]
    kept_ids = {n.id for n in kept}
    drawn_net = Network(
        centre=network.centre,
        nodes=kept,
        edges=[e for e in network.edges if e.source in kept_ids and e.target in kept_ids],
    )
    people = [n for n in kept if n.kind == NodeKind.RESEARCHER and not n.is_centre]
    # Outer ring: institutions, topics and works, each group together.
    others = [n for kind in (NodeKind.INSTITUTION, NodeKind.TOPIC, NodeKind.WORK) for n in kept if n.kind == kind]

    spots: dict[str, tuple[float, float, float | None]] = {}
    if centre:
        spots[centre.id] = (WIDTH / 2, HEIGHT / 2, None)
    inner = INNER_RING if others else (INNER_RING + OUTER_RING) / 2
    for node, (x, y, angle) in zip(people, _ring(len(people), inner, 0.0), strict=True):
        spots[node.id] = (x, y, angle)
    outer = OUTER_RING if people else (INNER_RING + OUTER_RING) / 2
    step = 2 * math.pi / max(len(others), 1)
    for node, (x, y, angle) in zip(others, _ring(len(others), outer, step / 2), strict=True):
        spots[node.id] = (x, y, angle)

    # Labels: the centre, then the strongest others (researchers by shared works first).
    ranked = sorted(
        (n for n in kept if not n.is_centre),
        key=lambda n: (n.kind != NodeKind.RESEARCHER, -n.weight, kept.index(n)),
    )
    order = ([centre] if centre else []) + ranked
    discs = {n.id: _disc(spots[n.id], node_radius(n)) for n in kept}
    placed_boxes: list[Box] = []
    labels: dict[str, Label] = {}
    for node in order:
        if len(labels) > MAX_LABELS:
            break
        x, y, direction = spots[node.id]
        # The whole (cut) name where it fits, else shorter cuts of it.
        options = (
            o for limit in LABEL_CUTS for o in candidates(cut(node.label, limit), x, y, node_radius(node), direction)
        )
        for option in options:
            box = option.box
            if not box.inside(WIDTH, HEIGHT):
                continue
            if any(box.intersects(b) for b in placed_boxes):
                continue
            if any(box.intersects(d) for other, d in discs.items() if other != node.id):
                continue
            labels[node.id] = option
            placed_boxes.append(box)
            break

    nodes = []
    for node in kept:
        x, y, direction = spots[node.id]
        r = node_radius(node)
        hover = next(
            (o for o in candidates(cut(node.label), x, y, r, direction) if o.box.inside(WIDTH, HEIGHT)),
            label_at(cut(node.label), WIDTH / 2, HEIGHT - FONT_SIZE, "middle"),
        )
        nodes.append(PlacedNode(node, round(x, 1), round(y, 1), r, labels.get(node.id), hover))
    names = {n.id: n.label for n in kept}
    edges = [
        PlacedEdge(
            e,
            round(spots[e.source][0], 1),
            round(spots[e.source][1], 1),
            round(spots[e.target][0], 1),
            round(spots[e.target][1], 1),
            round(edge_width(e), 2),
            names[e.source],
            names[e.target],
        )
        for e in drawn_net.edges
    ]
    # Co-author edges last, so the links to shared works are on top of the thin edges.
    edges.sort(key=lambda p: p.edge.kind == EdgeKind.COAUTHOR)
    return Drawing(drawn_net, nodes, edges, left_out=len(network.nodes) - len(kept))


def _disc(spot: tuple[float, float, float | None], r: float) -> Box:
    x, y, _ = spot
    return Box(x - r, y - r, x + r, y + r)
