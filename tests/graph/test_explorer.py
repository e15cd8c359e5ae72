"""The graph explorer (graph/explorer.py, graph/explorer_views.py): the URL state, the graph it
produces, the expand endpoint's JSON (docs/explorer.md) and the page without JavaScript."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.test import Client

from graph import explorer
from graph.explorer import Expansion, explorer_graph, parse_state, visible
from graph.network import NodeKind, slice_network
from graph.slice import graph_slice
from tests import factories as f
from tests.graph.test_slice_views import network

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script> \u202eEvil & Co'


def ids_by_label(lead) -> dict[str, str]:
    return {n.label: n.id for n in slice_network(graph_slice(lead)).nodes}


def page_data(html: str) -> dict:
    block = re.search(r'<script id="graph-data" type="application/json">(.*?)</script>', html, re.S)
    assert block is not None
    return json.loads(block.group(1))


# --- the URL state ----------------------------------------------------------------------------


def test_it_reads_the_state_and_says_what_it_dropped() -> None:
    state = parse_state(
        {
            "expand": "A5990000001,w12-12,<b>,A1",
            "focus": "nonsense!",
            "types": "researcher,bogus",
            "from": "2024",
            "to": "2019",
        }
    )
    assert state.expansions == [Expansion("A5990000001"), Expansion("W12", 12), Expansion("A1")]
    assert state.focus is None and state.kinds == frozenset({NodeKind.RESEARCHER})
    assert (state.year_from, state.year_to) == (2019, 2024)  # the two ends in order
    assert any("<b>" in d for d in state.dropped) and any("nonsense!" in d for d in state.dropped)
    assert any("bogus" in d for d in state.dropped)


def test_it_reads_no_more_than_the_most_expansions() -> None:
    state = parse_state({"expand": ",".join(f"A{i}" for i in range(1, explorer.MAX_EXPANSIONS + 5))})
    assert len(state.expansions) == explorer.MAX_EXPANSIONS and len(state.dropped) == 4


# --- the graph of a state -----------------------------------------------------------------------


def test_expanding_a_collaborator_adds_their_co_authors_institution_and_topics(django_assert_num_queries) -> None:
    lead = network()
    colleague = ids_by_label(lead)["Close Colleague"]
    with django_assert_num_queries(4 + 3):  # the slice, then co-authors, institutions, topics
        graph = explorer_graph(lead, parse_state({"expand": colleague}))
    labels = {n.label for n in graph.network.nodes}
    # One Paper Colleague is no close collaborator of the centre, but shares works with Close Colleague.
    assert "One Paper Colleague" in labels and graph.state.dropped == []
    step = graph.steps[0]
    assert {n.label for n in step.nodes} >= {"Centre Person", "Other Institute"}
    added = {graph.network.node(i).label for i in step.added_nodes}  # type: ignore[union-attr]
    assert "Centre Person" not in added and "One Paper Colleague" in added


def test_expanding_a_work_adds_its_authors_and_an_institution_its_linked_members() -> None:
    lead = network()
    by = ids_by_label(lead)
    graph = explorer_graph(lead, parse_state({"expand": f"{by['Everyone together']},{by['Example Lab']}"}))
    work_step, lab_step = graph.steps
    assert [n.label for n in work_step.nodes] == [
        "Centre Person",
        "One Paper Colleague",
        "Closest Colleague",
        "Close Colleague",
    ]
    assert {e.evidence for e in work_step.edges} == {"author of the work (2018)"}
    assert {n.label for n in lab_step.nodes} == {"Centre Person", "Closest Colleague"}


def test_expansions_of_nodes_not_in_the_graph_are_dropped_and_said() -> None:
    lead = network()
    stranger_work = f.work([f.researcher("Far Away")], title="Elsewhere")
    gone = f.researcher("Gone Person", record_status="deleted")
    state = parse_state({"expand": f"{stranger_work.openalex_id},{gone.openalex_id},A5999999999", "focus": "W1"})
    graph = explorer_graph(lead, state)
    assert graph.steps == [] and state.expansions == [] and state.focus is None
    assert len(state.dropped) == 4 and all("not in" in d for d in state.dropped)


def test_a_later_expansion_may_use_a_node_an_earlier_one_added() -> None:
    lead = network()
    by = ids_by_label(lead)
    once = next(
        n.id
        for n in explorer_graph(lead, parse_state({"expand": by["Close Colleague"]})).network.nodes
        if n.label == "One Paper Colleague"
    )
    graph = explorer_graph(lead, parse_state({"expand": f"{by['Close Colleague']},{once}"}))
    assert len(graph.steps) == 2 and graph.state.dropped == []
    # Without the first expansion, the second has nothing to hang on.
    alone = explorer_graph(lead, parse_state({"expand": once}))
    assert alone.steps == [] and alone.state.dropped


def test_filters_hide_by_type_and_years_and_keep_the_centre() -> None:
    lead = network()
    graph = explorer_graph(lead, parse_state({"types": "researcher", "from": "2019", "to": "2020"}))
    nodes, edges = visible(graph)
    labels = {n.label for n in nodes}
    # Close Colleague's shared works span 2018–2020: in range; Closest's 2018–2024 too.
    assert labels == {"Centre Person", "Close Colleague", "Closest Colleague"}
    graph = explorer_graph(lead, parse_state({"types": "work", "from": "2024"}))
    nodes, edges = visible(graph)
    assert {n.label for n in nodes} == {"Centre Person", "With closest 2024"}
    assert all(e.first_year == 2024 for e in edges)


def test_the_cap_stops_expansions(monkeypatch) -> None:
    lead = network()
    by = ids_by_label(lead)
    monkeypatch.setattr(explorer, "MAX_NODES", 3)
    graph = explorer_graph(lead, parse_state({"expand": by["Close Colleague"]}))
    assert graph.steps == [] and "the most it draws" in graph.state.dropped[0]


# --- the expand endpoint ------------------------------------------------------------------------


NODE_KEYS = {"id", "kind", "label", "weight", "year", "centre", "url"}
EDGE_KEYS = {"id", "source", "target", "kind", "weight", "first_year", "last_year", "evidence"}


def test_the_expand_endpoint_answers_the_documented_schema(anonymous: Client, django_assert_num_queries) -> None:
    lead = network()
    colleague = ids_by_label(lead)["Close Colleague"]
    url = f"/researchers/{lead.openalex_id}/graph/expand/?node={colleague}"
    with django_assert_num_queries(1 + 4 + 3):  # researcher, slice, the expansion
        response = anonymous.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"token", "node", "offset", "next_offset", "nodes", "edges", "added", "message", "total_nodes"}
    assert body["token"] == body["node"] == colleague and body["offset"] == 0 and body["next_offset"] is None
    assert all(set(n) == NODE_KEYS for n in body["nodes"]) and all(set(e) == EDGE_KEYS for e in body["edges"])
    assert {n["kind"] for n in body["nodes"]} == {"researcher", "institution"}
    # Other Institute is in the slice already (Close Colleague's institution): only one is new.
    assert body["message"] == "Added 1 researcher" and len(body["added"]) == 1
    tie = next(e for e in body["edges"] if e["kind"] == "coauthor" and lead.openalex_id in (e["source"], e["target"]))
    assert tie["evidence"] == "3 shared works, 2018–2020" and tie["weight"] == 3
    assert next(n for n in body["nodes"] if n["kind"] == "institution")["url"].startswith("/institutions/I")


def test_the_schema_is_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "explorer.md").read_text()
    for key in NODE_KEYS | EDGE_KEYS | {"token", "next_offset", "added", "message", "total_nodes"}:
        assert f'"{key}"' in docs, key


def test_show_more_pages_through_co_authors(anonymous: Client) -> None:
    big = f.big_profile(works=60, coauthors=40)
    graph = explorer_graph(big, parse_state({}))
    person = next(n.id for n in graph.network.nodes if n.label == "Co Author 0")
    # Expand the centre itself: 40 close collaborators, 12 a page.
    first = anonymous.get(f"/researchers/{big.openalex_id}/graph/expand/?node={big.openalex_id}").json()
    assert first["next_offset"] == explorer.PAGE and len([n for n in first["nodes"] if n["kind"] == "researcher"]) == 12
    more = anonymous.get(
        f"/researchers/{big.openalex_id}/graph/expand/?node={big.openalex_id}&offset=12&expand={big.openalex_id}"
    ).json()
    assert more["token"] == f"{big.openalex_id}-12" and more["next_offset"] == 24
    assert {n["id"] for n in more["nodes"]}.isdisjoint({n["id"] for n in first["nodes"]})
    assert person


def test_it_refuses_nodes_outside_the_graph_of_the_state(anonymous: Client, django_assert_num_queries) -> None:
    lead = network()
    far = f.researcher("Far Away")
    base = f"/researchers/{lead.openalex_id}/graph/expand/"
    with django_assert_num_queries(5):  # researcher and slice; the expansion is not computed
        response = anonymous.get(f"{base}?node={far.openalex_id}")
    assert response.status_code == 400 and "not in the graph" in response.json()["error"]
    # A node only an expansion brings in needs that expansion in the state.
    once = f.researcher("Once")
    assert anonymous.get(f"{base}?node={once.openalex_id}").status_code == 400
    for bad in ("?node=", "?node=<script>", "?node=A1&offset=-3", "?node=A1&offset=99999"):
        assert anonymous.get(base + bad).status_code == 400


def test_it_refuses_expansions_over_the_cap(anonymous: Client, monkeypatch) -> None:
    lead = network()
    monkeypatch.setattr(explorer, "MAX_NODES", 3)
    response = anonymous.get(f"/researchers/{lead.openalex_id}/graph/expand/?node={lead.openalex_id}")
    assert response.status_code == 400 and "the most it draws" in response.json()["error"]


def test_the_expand_endpoint_follows_the_profile_for_missing_and_deleted_researchers(anonymous: Client) -> None:
    gone = f.researcher(record_status="deleted")
    assert anonymous.get("/researchers/A5999999999/graph/expand/?node=A1").status_code == 404
    assert anonymous.get(f"/researchers/{gone.openalex_id}/graph/expand/?node=A1").status_code == 410


def test_the_endpoint_is_the_same_for_strangers_and_refuses_writes(stranger, anonymous: Client) -> None:
    lead = network()
    client = Client()
    client.force_login(stranger)
    url = f"/researchers/{lead.openalex_id}/graph/expand/?node={lead.openalex_id}"
    assert client.get(url).json() == anonymous.get(url).json()
    assert client.post(url).status_code == 405


# --- hostile names ------------------------------------------------------------------------------


def test_hostile_names_are_text_in_the_json_and_the_table(anonymous: Client) -> None:
    lead = f.researcher("Centre Person")
    bad = f.researcher(HOSTILE)
    for year in (2022, 2023):
        f.work([lead, bad], year=year, title=f"<img src=x onerror=alert(1)> {year}")
    f.edges()
    html = anonymous.get(f"/researchers/{lead.openalex_id}/graph/?focus={bad.openalex_id}").content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert f"<bdi>{unescape('&lt;')}" not in html
    data = page_data(html)
    assert HOSTILE in {n["label"] for n in data["base"]["nodes"]}
    body = anonymous.get(f"/researchers/{lead.openalex_id}/graph/expand/?node={bad.openalex_id}").content.decode()
    assert "<script>" not in body and json.loads(body)["nodes"]


# --- the page -----------------------------------------------------------------------------------


def test_the_page_without_javascript_is_the_table_of_the_state(anonymous: Client, django_assert_num_queries) -> None:
    lead = network()
    by = ids_by_label(lead)
    colleague = by["Close Colleague"]
    with django_assert_num_queries(1 + 4 + 3 + 1):  # researcher, slice, expansion, similar researchers
        response = anonymous.get(f"/researchers/{lead.openalex_id}/graph/?expand={colleague}&focus={colleague}")
    html = response.content.decode()
    assert response.status_code == 200 and "One Paper Colleague" in html  # what the expansion added
    assert "3 shared works, 2018–2020" in html  # edge evidence in the ties table and the panel
    # Each row links to the same state plus an expansion; the expanded node has no such link.
    assert f"?expand={colleague},{by['Closest Colleague']}&amp;focus={colleague}" in html
    assert f"?expand={colleague},{colleague}" not in html
    assert 'href="?focus=' in html or "Undo last expansion" in html
    data = page_data(html)
    assert data["state"]["expand"] == [colleague] and [s["token"] for s in data["steps"]] == [colleague]
    assert data["expand_url"] == f"/researchers/{lead.openalex_id}/graph/expand/"
    # The script and the server compose the same graph: the base plus the step.
    composed = {n["id"] for n in data["base"]["nodes"]} | {n["id"] for s in data["steps"] for n in s["nodes"]}
    graph = explorer_graph(lead, parse_state({"expand": colleague}))
    assert composed == {n.id for n in graph.network.nodes}


def test_the_page_says_what_it_dropped(anonymous: Client) -> None:
    lead = network()
    html = anonymous.get(f"/researchers/{lead.openalex_id}/graph/?expand=A5999999999,zzz&from=abc").content.decode()
    assert "Left out of this view:" in html and "A5999999999" in html and "“zzz”" in html and "“abc”" in html


def test_the_page_filters_without_javascript(anonymous: Client) -> None:
    lead = network()
    html = anonymous.get(f"/researchers/{lead.openalex_id}/graph/?types=institution").content.decode()
    table = html.split('id="explorer-table"')[1].split('id="graph-data"')[0]
    assert "Example Lab" in table and "Closest Colleague" not in table and "Everyone together" not in table
    assert 'value="institution" checked' in html and 'value="researcher" checked' not in html


def test_the_page_loads_only_our_own_scripts_and_the_cytoscape_sheet(anonymous: Client) -> None:
    lead = network()
    html = anonymous.get(f"/researchers/{lead.openalex_id}/graph/").content.decode()
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert all(s.startswith("/static/") for s in sources) and "/static/js/explorer.js" in sources
    assert any("vendor/cytoscape/" in s for s in sources) and any("cytoscape-fcose" in s for s in sources)
    assert 'id="__________cytoscape_stylesheet"' in html  # Cytoscape then injects no <style>


def test_the_slice_and_earlier_expansions_come_from_the_cache(anonymous: Client, django_assert_num_queries) -> None:
    lead = network()
    by = ids_by_label(lead)
    colleague, lab = by["Close Colleague"], by["Example Lab"]
    base = f"/researchers/{lead.openalex_id}/graph/"
    with django_assert_num_queries(1 + 4 + 3 + 1):
        anonymous.get(f"{base}?expand={colleague}")
    with django_assert_num_queries(1 + 3):  # the researcher, then only the new step
        body = anonymous.get(f"{base}expand/?expand={colleague}&node={lab}").json()
    assert {n["label"] for n in body["nodes"]} == {"Centre Person", "Closest Colleague"}
    with django_assert_num_queries(1):  # the same request again
        assert anonymous.get(f"{base}expand/?expand={colleague}&node={lab}").json() == body


def test_without_the_cache_every_request_computes(anonymous: Client, monkeypatch, django_assert_num_queries) -> None:
    monkeypatch.setattr(explorer, "CACHE_SECONDS", 0)
    lead = network()
    for _ in range(2):
        with django_assert_num_queries(1 + 4 + 1):
            anonymous.get(f"/researchers/{lead.openalex_id}/graph/")


@pytest.mark.parametrize("probed", [0, 2000])
def test_both_ways_of_ranking_members_agree(monkeypatch, probed: int) -> None:
    monkeypatch.setattr(explorer, "CACHE_SECONDS", 0)
    monkeypatch.setattr(explorer, "MEMBERS_PROBED", probed)  # 0: from the edges; 2000: from the members
    lead = network()
    lab = f.institution("Big Lab")
    outsider = f.researcher("Not Linked")
    linked = f.researcher("Linked Once")
    for person in (lead, outsider, linked):
        f.affiliate(person, lab, [2024], current=True)
    by = ids_by_label(lead)
    f.work([linked, lead], year=2023)
    f.edges()
    graph = explorer_graph(lead, parse_state({"expand": by["Closest Colleague"]}))
    # Big Lab is the centre's institution too now (in the slice); rank its members.
    step = explorer.expansion_step(graph, Expansion(lab.openalex_id))
    # The centre: in the graph, and tied to the three others in it (4); Linked Once: a
    # co-author of the centre (1); Not Linked: neither, so not listed.
    assert [(n.label, n.weight) for n in step.nodes] == [("Centre Person", 4), ("Linked Once", 1)]


def test_a_merged_id_in_the_state_opens_on_the_current_record_and_says_so(anonymous: Client) -> None:
    from profiles.models import ResearcherAlias

    lead = network()
    colleague = ids_by_label(lead)["Close Colleague"]
    ResearcherAlias.objects.create(openalex_id="A5111111111", researcher_id=f_pk(colleague), reason="merged")
    html = anonymous.get(
        f"/researchers/{lead.openalex_id}/graph/?expand=A5111111111&focus=A5111111111"
    ).content.decode()
    assert f"the id A5111111111 (merged into {colleague}, which is shown instead)" in html
    data = page_data(html)
    assert data["state"]["expand"] == [colleague] and data["state"]["focus"] == colleague
    assert "One Paper Colleague" in html  # the expansion applied to the current record


def f_pk(openalex_id: str) -> int:
    from profiles.models import Researcher

    return Researcher.objects.get(openalex_id=openalex_id).pk


def test_the_explorer_lists_similar_researchers_with_their_reasons(anonymous: Client) -> None:
    from graph.similar import similar_researchers_refresh
    from tests.graph.test_similar import world

    people = world()
    similar_researchers_refresh()
    html = anonymous.get(f"/researchers/{people['Ada'].openalex_id}/graph/").content.decode()
    similar = html.split('id="explorer-similar-heading"')[1].split('id="graph-data"')[0]
    assert "Dan</bdi></a>" in similar and "2 co-authors in common" in similar
    assert "Bea</bdi></a>" in similar and "2 shared topics: Topic 0, Topic 2" in similar
    assert "Eve</bdi></a>" not in similar  # a close collaborator
    assert similar.index("Dan") < similar.index("Bea")


@pytest.mark.parametrize("offset", ["\u00b2", "99999999999999999999", "-1", "1e3"])
def test_the_expand_endpoint_refuses_numbers_that_are_not_plain_digits(anonymous: Client, offset: str) -> None:
    lead = network()
    url = f"/researchers/{lead.openalex_id}/graph/expand/"
    response = anonymous.get(url, {"node": lead.openalex_id, "offset": offset})
    assert response.status_code == 400 and "offset must be a whole number" in response.json()["error"]


def test_a_year_that_is_not_plain_digits_is_dropped_and_said(anonymous: Client) -> None:
    lead = network()
    response = anonymous.get(f"/researchers/{lead.openalex_id}/graph/", {"from": "\u00b2\u00b2\u00b2\u00b2"})
    assert response.status_code == 200 and "Left out of this view:" in response.content.decode()
