"""The layout of the drawn slice (graph/drawing.py): pure, no database."""

from __future__ import annotations

from itertools import combinations

import pytest

from graph.drawing import HEIGHT, MAX_LABELS, MAX_NODES, WIDTH, Box, cut, draw, edge_width
from graph.network import Edge, EdgeKind, Network, Node, NodeKind


def synthetic(people: int, institutions: int = 3, topics: int = 6, works: int = 5, name: str = "Person") -> Network:
    """A network shaped like slice_network's: the centre, then researchers strongest first,
    institutions, topics and works, with their edges."""
    net = Network(centre="A1")
    net.nodes.append(Node("A1", NodeKind.RESEARCHER, "Centre Researcher With A Long Name", is_centre=True))
    for i in range(people):
        shared = max(1, 12 - i)
        net.nodes.append(
            Node(f"A{100 + i}", NodeKind.RESEARCHER, f"{name} {i} Longsurname-Doublebarrel", weight=shared)
        )
        net.edges.append(Edge("A1", f"A{100 + i}", EdgeKind.COAUTHOR, shared, 2010 + i % 5, 2024))
    for i in range(institutions):
        net.nodes.append(Node(f"I{i}", NodeKind.INSTITUTION, f"University of Somewhere {i}", weight=2))
        net.edges.append(Edge("A1", f"I{i}", EdgeKind.AFFILIATION))
        if people:
            net.edges.append(Edge(f"A{100 + i % people}", f"I{i}", EdgeKind.AFFILIATION))
    for i in range(topics):
        net.nodes.append(Node(f"T{i}", NodeKind.TOPIC, f"Topic number {i} of the field", weight=10 - i))
        net.edges.append(Edge("A1", f"T{i}", EdgeKind.TOPIC))
    for i in range(works):
        net.nodes.append(Node(f"W{i}", NodeKind.WORK, f"A fairly long work title number {i}", weight=2, year=2020 + i))
        net.edges.append(Edge("A1", f"W{i}", EdgeKind.AUTHORSHIP, 1, 2020 + i, 2020 + i))
    return net


SHAPES = [
    (0, 0, 0, 0),
    (0, 0, 1, 0),
    (0, 1, 0, 0),
    (1, 0, 0, 0),
    (2, 1, 1, 1),
    (5, 2, 3, 2),
    (12, 3, 6, 5),
    (12, 13, 6, 5),
    (39, 13, 6, 5),
    (30, 0, 0, 0),
    (0, 13, 6, 5),
]


@pytest.mark.parametrize(("people", "institutions", "topics", "works"), SHAPES)
def test_label_boxes_never_intersect_and_stay_inside_the_drawing(
    people: int, institutions: int, topics: int, works: int
) -> None:
    drawing = draw(synthetic(people, institutions, topics, works))
    assert drawing.nodes[0].label is not None  # the centre is always labelled
    boxes = [label.box for label in drawing.labels]
    for first, second in combinations(boxes, 2):
        assert not first.intersects(second), (first, second)
    assert all(box.inside(WIDTH, HEIGHT) for box in boxes)
    # No label covers another node's shape either.
    for placed in drawing.nodes:
        if placed.label:
            assert not any(placed.label.box.intersects(other.disc) for other in drawing.nodes if other is not placed)


def test_the_box_test_itself_tells_overlap_from_touching() -> None:
    assert Box(0, 0, 10, 10).intersects(Box(5, 5, 15, 15))
    assert not Box(0, 0, 10, 10).intersects(Box(10, 0, 20, 10))  # touching edges do not overlap
    assert not Box(0, 0, 10, 10).intersects(Box(0, 11, 10, 20))


def test_the_centre_and_about_ten_strongest_nodes_are_labelled() -> None:
    drawing = draw(synthetic(12))
    labelled = [p for p in drawing.nodes if p.label]
    assert drawing.nodes[0].node.is_centre and drawing.nodes[0].label is not None
    assert 6 <= len(labelled) <= MAX_LABELS + 1
    # The strongest collaborator is labelled; labels are cut to a phone-readable length.
    assert next(p for p in drawing.nodes if p.node.id == "A100").label is not None
    assert all(len(p.label.text) <= 18 for p in labelled if p.label)
    # Every node without a label still has its name ready for hover and focus.
    assert all(p.hover_label.text for p in drawing.nodes)


def test_the_same_data_gives_the_same_drawing() -> None:
    assert draw(synthetic(12, 4, 6, 5)) == draw(synthetic(12, 4, 6, 5))


def test_it_draws_at_most_forty_nodes_and_only_edges_between_them() -> None:
    net = synthetic(60)
    drawing = draw(net)
    drawn = {p.node.id for p in drawing.nodes}
    assert len(drawing.nodes) == MAX_NODES and drawing.left_out == len(net.nodes) - MAX_NODES
    assert "A1" in drawn and "A100" in drawn  # the centre and the strongest stay
    assert all(e.edge.source in drawn and e.edge.target in drawn for e in drawing.edges)


def test_co_author_edges_grow_with_shared_works_and_others_are_thin() -> None:
    one, three, many = (Edge("A1", "A2", EdgeKind.COAUTHOR, n) for n in (1, 3, 40))
    assert edge_width(one) < edge_width(three) < edge_width(many) == edge_width(Edge("A1", "A2", EdgeKind.COAUTHOR, 8))
    assert edge_width(Edge("A1", "I1", EdgeKind.AFFILIATION)) == 1.0


def test_the_table_lists_every_drawn_node_once_and_every_edge_once() -> None:
    drawing = draw(synthetic(12, 4, 6, 5))
    rows = drawing.rows
    assert [p.node.id for p, _ in rows] == [p.node.id for p in drawing.nodes]
    listed = [edge for _, incoming in rows for edge, _ in incoming]
    assert sorted(e.id for e in listed) == sorted(e.edge.id for e in drawing.edges)


def test_the_legend_names_only_the_kinds_drawn() -> None:
    assert [name for _, name, _ in draw(synthetic(3, 0, 0, 0)).kinds] == ["Researcher"]
    assert [shape for _, _, shape in draw(synthetic(3, 1, 1, 1)).kinds] == ["circle", "square", "diamond", "triangle"]


def test_long_names_are_cut_on_one_line() -> None:
    assert cut("A  very\nlong name that goes on and on") == "A very long name…"
    assert cut("Short") == "Short"
