"""The research-graph slice fragment and the explorer page."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from django.test import Client

from graph.network import slice_network
from graph.slice import graph_slice
from tests import factories as f

pytestmark = pytest.mark.django_db


def network():
    lead = f.researcher("Centre Person")
    close = f.researcher("Close Colleague")
    closer = f.researcher("Closest Colleague")
    once = f.researcher("One Paper Colleague")
    lab = f.institution("Example Lab")
    f.affiliate(lead, lab, [2024], current=True)
    f.affiliate(closer, lab, [2024], current=True)
    f.affiliate(close, f.institution("Other Institute"), [2023], current=True)
    for year in (2021, 2022, 2024):
        f.work([lead, closer], year=year, title=f"With closest {year}")
    for year in (2019, 2020):
        f.work([lead, close], year=year, title=f"With close {year}")
    f.work([lead, once, closer, close], year=2018, title="Everyone together")
    f.give_topic(lead, f.topic("Graph Topic"), rank=1, works_count=6)
    f.edges()
    return lead


def test_the_slice_explains_each_close_collaborator(client: Client, django_assert_num_queries) -> None:
    lead = network()
    with django_assert_num_queries(6):  # cache stamp, researcher, edges, institutions, topics, works
        response = client.get(f"/researchers/{lead.openalex_id}/graph-slice/")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and html.startswith('<div id="graph-slice"')
    assert "Closest Colleague" in html and "4 shared works, 2018–2024" in html
    assert "Close Colleague" in html and "3 shared works, 2018–2020" in html
    assert "One Paper Colleague</bdi></a></th>" not in html  # one shared work: not close
    assert html.index("Closest Colleague") < html.index("Close Colleague</bdi></a>")
    assert "Example Lab" in html and "Other Institute" in html and "Graph Topic" in html
    works = html.split("<table")[1]
    # The oldest, but with two close collaborators on it: first.
    assert works.index("Everyone together") < works.index("With closest 2024") < works.index("With closest 2022")


def test_the_slice_falls_back_to_top_co_authors(client: Client) -> None:
    lead = f.researcher()
    people = [f.researcher(f"Person {i}") for i in range(3)]
    f.work([lead, *people])
    f.edges()
    html = client.get(f"/researchers/{lead.openalex_id}/graph-slice/").content.decode()
    assert "the drawing shows the co-authors with the most shared works" in html
    # Each edge says it twice: on hover and focus in the drawing, and in the table.
    assert html.count(">1 shared work, 2024</") == 2 * 3


def test_the_slice_query_count_does_not_grow_with_the_network(client: Client, django_assert_num_queries) -> None:
    big = f.big_profile(works=60, coauthors=40)
    with django_assert_num_queries(6):
        html = client.get(f"/researchers/{big.openalex_id}/graph-slice/").content.decode()
    assert "40 close collaborators" in html and "The 12 strongest are drawn." in html


def test_an_empty_slice_says_so(client: Client) -> None:
    lead = f.researcher("Lonely Person")
    html = client.get(f"/researchers/{lead.openalex_id}/graph-slice/").content.decode()
    assert "Nothing around <bdi>Lonely Person</bdi> yet" in html


def test_the_explorer_is_a_full_page_with_the_same_data(client: Client, django_assert_num_queries) -> None:
    lead = network()
    with django_assert_num_queries(6):  # researcher, the slice's 4, similar researchers
        response = client.get(f"/researchers/{lead.openalex_id}/graph/")
    html = response.content.decode()
    assert "<html" in html and "<title>Research graph of Centre Person · BZPEER</title>" in html
    assert "4 shared works, 2018–2024" in html and f'href="/researchers/{lead.openalex_id}/"' in html


def test_unknown_and_deleted_researchers_have_no_slice(client: Client) -> None:
    assert client.get("/researchers/A5999999999/graph-slice/").status_code == 404
    gone = f.researcher(record_status="deleted")
    assert client.get(f"/researchers/{gone.openalex_id}/graph/").status_code == 410  # as the profile answers


SVG = "{http://www.w3.org/2000/svg}"


def drawn_svg(html: str) -> ElementTree.Element:
    """The slice's drawing, parsed as XML (it must be well-formed on its own)."""
    start, end = html.index("<svg"), html.index("</svg>", html.index('class="graph-drawing"')) + len("</svg>")
    return ElementTree.fromstring(html[start:end])  # noqa: S314 (our own output, under test)


def test_the_drawing_links_every_node_and_every_co_author_edge(client: Client) -> None:
    lead = network()
    html = client.get(f"/researchers/{lead.openalex_id}/graph-slice/").content.decode()
    svg = drawn_svg(html)
    links = [a.get("href") for a in svg.iter(f"{SVG}a")]
    net = slice_network(graph_slice(lead))
    for node in net.nodes:
        assert node.url in links
    closest = next(n for n in net.nodes if n.label == "Closest Colleague")
    shared = f"/researchers/{lead.openalex_id}/coauthors/{closest.id}/"
    assert shared in links
    # The co-author edge says its evidence in its title (hover, and the name on focus).
    edge = next(a for a in svg.iter(f"{SVG}a") if a.get("href") == shared)
    assert (
        edge.findtext(f"{SVG}title")
        == "Centre Person and Closest Colleague: 4 shared works, 2018–2024. Open the shared works."
    )
    # The table lists the same nodes, each once, and links the same shared works.
    table = html.split("<table")[1]
    for node in net.nodes:
        assert table.count(f'href="{node.url}"') == 1
    assert f'href="{shared}"' in table


def test_hostile_names_are_text_in_the_drawing(client: Client) -> None:
    evil = '<script>alert("x")</script> \u202eO\'Brien & "Co"'
    lead = f.researcher(evil)
    other = f.researcher("<b>Bold</b> Person")
    f.work([lead, other], title="<img src=x onerror=alert(1)>")
    f.work([lead, other])
    f.edges()
    html = client.get(f"/researchers/{lead.openalex_id}/graph-slice/").content.decode()
    assert "<script>" not in html and "<b>" not in html and "<img" not in html
    svg = drawn_svg(html)
    assert {e.tag for e in svg.iter()} <= {
        f"{SVG}{t}" for t in ("svg", "title", "g", "a", "line", "circle", "rect", "polygon", "text")
    }
    texts = [t.text or "" for t in svg.iter(f"{SVG}text")]
    titles = [t.text or "" for t in svg.iter(f"{SVG}title")]
    assert any(t.startswith('<script>alert("x') for t in texts)  # cut to fit, as text
    assert any("<b>Bold</b> Person" in t for t in texts + titles)
    # The full name in the titles, its override isolated.
    assert any(
        t.startswith("\u2068<script>") and t.endswith('\u202eO\'Brien & "Co"\u2069 (researcher at the centre)')
        for t in titles
    )


def test_a_record_with_only_a_topic_is_drawn(client: Client) -> None:
    alone = f.researcher("Topic Only")
    f.give_topic(alone, f.topic("Lonely Topic"), rank=1, works_count=2)
    html = client.get(f"/researchers/{alone.openalex_id}/graph-slice/").content.decode()
    assert "Nothing around" not in html
    assert [t.text for t in drawn_svg(html).iter(f"{SVG}text")] == ["Topic Only", "Lonely Topic"]


def test_the_slice_is_served_from_the_cache_until_what_it_draws_changes(
    client: Client, stranger, django_assert_num_queries
) -> None:
    from django.db import transaction
    from django.db.models import Q

    from graph.models import CoauthorEdge
    from profiles.models import Researcher
    from works.models import HiddenWork

    lead = network()
    url = f"/researchers/{lead.openalex_id}/graph-slice/"
    first = client.get(url).content
    signed_in = Client()
    signed_in.force_login(stranger)  # the slice is the same for everyone
    for visitor in (Client(), signed_in):
        # (the session with its account,) the stamp
        with django_assert_num_queries(1 if visitor is not signed_in else 2):
            assert visitor.get(url).content == first
    with transaction.atomic():
        Researcher.objects.filter(pk=lead.pk).update(display_name="Centre Renamed")
    assert b"Centre Renamed" in client.get(url).content
    # A new co-author edge (the worker's refresh after an import) moves the stamp.
    newcomer = f.researcher("New Colleague")
    f.work([lead, newcomer], year=2025, title="First together")
    f.work([lead, newcomer], year=2025, title="Second together")
    f.edges()
    assert CoauthorEdge.objects.filter(Q(researcher_a=newcomer) | Q(researcher_b=newcomer)).count() == 1
    assert b"New Colleague" in client.get(url).content
    # Hiding a work moves it too.
    HiddenWork.objects.create(researcher=lead, work=lead.works.get(title="Everyone together"), reason="other")
    assert b"Everyone together" not in client.get(url).content


def test_the_slice_is_answered_without_redis(client: Client) -> None:
    from tests.redis_outage import free_port, redis_at

    lead = network()
    with redis_at(f"redis://127.0.0.1:{free_port()}/0"):
        for _ in range(2):
            response = client.get(f"/researchers/{lead.openalex_id}/graph-slice/")
            assert response.status_code == 200 and b"Closest Colleague" in response.content
