"""The slice as typed nodes and edges (graph/network.py): the data the drawing, its table and
the explorer share."""

from __future__ import annotations

import pytest

from graph.network import EdgeKind, NodeKind, slice_network
from graph.slice import graph_slice
from tests import factories as f
from tests.graph.test_slice_views import network

pytestmark = pytest.mark.django_db


def test_it_has_one_typed_node_per_entity_of_the_slice() -> None:
    lead = network()
    net = slice_network(graph_slice(lead))
    kinds = {n.label: n.kind for n in net.nodes}
    assert kinds["Centre Person"] == NodeKind.RESEARCHER and net.node(lead.openalex_id).is_centre  # type: ignore[union-attr]
    assert kinds["Closest Colleague"] == kinds["Close Colleague"] == NodeKind.RESEARCHER
    assert "One Paper Colleague" not in kinds  # one shared work: not close
    assert kinds["Example Lab"] == kinds["Other Institute"] == NodeKind.INSTITUTION
    assert kinds["Graph Topic"] == NodeKind.TOPIC
    assert kinds["Everyone together"] == NodeKind.WORK
    assert len({n.id for n in net.nodes}) == len(net.nodes)


def test_co_author_edges_carry_shared_works_and_years() -> None:
    lead = network()
    net = slice_network(graph_slice(lead))
    by_label = {n.label: n.id for n in net.nodes}
    coauthor = {e.target: e for e in net.edges if e.kind == EdgeKind.COAUTHOR}
    assert coauthor[by_label["Closest Colleague"]].evidence == "4 shared works, 2018–2024"
    assert coauthor[by_label["Close Colleague"]].weight == 3
    # The work with everyone on it is tied to the centre and to both close collaborators on it.
    together = by_label["Everyone together"]
    expected = {lead.openalex_id, by_label["Closest Colleague"], by_label["Close Colleague"]}
    assert set(net.neighbours(together)) == expected
    # Both members of Example Lab are tied to it.
    assert set(net.neighbours(by_label["Example Lab"])) == {lead.openalex_id, by_label["Closest Colleague"]}
    assert all(net.node(e.source) and net.node(e.target) for e in net.edges)


def test_a_record_with_nothing_around_it_is_empty_and_one_with_a_topic_is_not() -> None:
    alone = f.researcher("Alone Person")
    assert slice_network(graph_slice(alone)).is_empty
    f.give_topic(alone, f.topic("Lonely Topic"), rank=1, works_count=2)
    net = slice_network(graph_slice(alone))
    assert not net.is_empty and [n.label for n in net.nodes] == ["Alone Person", "Lonely Topic"]
