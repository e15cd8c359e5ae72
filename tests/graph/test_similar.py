"""Similar researchers (graph/similar.py): by shared top topics and co-authors in common, each
with its reason, never a close collaborator; stored after imports, read with one query."""

from __future__ import annotations

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from graph import tasks
from graph.models import SimilarResearcher
from graph.similar import SIMILAR_KEPT, SIMILAR_NEIGHBOURS, similar_researchers, similar_researchers_refresh
from graph.tasks import refresh_after_import
from profiles.models import Researcher
from tests import factories as f
from tests.outbox import run_outbox, waiting

pytestmark = pytest.mark.django_db


def world() -> dict[str, Researcher]:
    people = {name: f.researcher(name) for name in ("Ada", "Bea", "Cy", "Dan", "Eve", "Mia", "Max")}
    people["Stu"] = f.stub("Stu Stub")
    topics = [f.topic(f"Topic {i}") for i in range(4)]
    for rank, topic in enumerate(topics[:3], start=1):
        f.give_topic(people["Ada"], topic, rank=rank, works_count=5)
    f.give_topic(people["Bea"], topics[0], rank=1, works_count=3)  # two topics in common with Ada
    f.give_topic(people["Bea"], topics[2], rank=2, works_count=3)
    f.give_topic(people["Cy"], topics[0], rank=1, works_count=3)  # one: chance, not likeness
    f.give_topic(people["Cy"], topics[3], rank=2, works_count=3)
    for rank, topic in enumerate(topics[:3], start=1):  # Eve shares all three, but works with Ada
        f.give_topic(people["Eve"], topic, rank=rank, works_count=3)
    ada, dan, stu = people["Ada"], people["Dan"], people["Stu"]
    for _ in range(2):
        f.work([ada, people["Eve"]])  # a close collaborator
    f.work([ada, people["Mia"]])
    f.work([ada, people["Max"]])
    f.work([dan, people["Mia"]])  # Dan shares Mia and Max with Ada: two co-authors in common
    f.work([dan, people["Max"]])
    f.work([stu, people["Mia"]])  # so does the stub, which has no profile to suggest
    f.work([stu, people["Max"]])
    f.edges()
    return people


def test_it_finds_people_by_shared_topics_and_by_co_authors_in_common() -> None:
    people = world()
    similar_researchers_refresh()
    rows = similar_researchers(people["Ada"])
    assert [(row.similar.name, row.reasons) for row in rows] == [
        ("Dan", ["2 co-authors in common"]),
        ("Bea", ["2 shared topics: Topic 0, Topic 2"]),
    ]
    # Eve shares all three topics but is a close collaborator; Cy shares one; the stub none to show.
    assert rows[0].score > rows[1].score


def test_a_close_collaborator_is_never_suggested_and_a_former_one_can_be() -> None:
    people = world()
    similar_researchers_refresh()
    assert not SimilarResearcher.objects.filter(researcher=people["Ada"], similar=people["Eve"]).exists()
    # Eve also shares 2 topics and Ada's co-authors are not hers: she sees Bea, not Ada (close).
    assert [row.similar.name for row in similar_researchers(people["Eve"])] == ["Bea"]


def rows() -> list[tuple[int, int, float, int, list[str], int]]:
    return sorted(
        SimilarResearcher.objects.values_list(
            "researcher_id", "similar_id", "score", "shared_topics", "topic_names", "common_coauthors"
        )
    )


def test_a_refresh_is_idempotent_and_a_scoped_one_updates_both_sides_of_its_pairs() -> None:
    people = world()
    first = similar_researchers_refresh()
    stored = rows()
    assert similar_researchers_refresh() == first
    assert rows() == stored
    assert similar_researchers_refresh(researcher_ids=[people["Ada"].pk]) == 4  # hers, and hers in Dan's and Bea's
    assert rows() == stored
    # Bea drops a topic: a refresh of her alone takes the pair off both lists.
    people["Bea"].topics.filter(rank=2).delete()
    similar_researchers_refresh(researcher_ids=[people["Bea"].pk])
    assert not SimilarResearcher.objects.filter(researcher=people["Bea"]).exists()
    assert not SimilarResearcher.objects.filter(researcher=people["Ada"], similar=people["Bea"]).exists()
    assert [row.similar.name for row in similar_researchers(people["Ada"])] == ["Dan"]


def test_it_keeps_a_bounded_number_per_researcher() -> None:
    lead = f.researcher("Lead")
    topics = [f.topic(f"T{i}") for i in range(2)]
    for person in [lead] + [f.researcher(f"Peer {i}") for i in range(SIMILAR_KEPT + 5)]:
        for rank, topic in enumerate(topics, start=1):
            f.give_topic(person, topic, rank=rank, works_count=1)
    similar_researchers_refresh(researcher_ids=[lead.pk])
    assert SimilarResearcher.objects.filter(researcher=lead).count() == SIMILAR_KEPT


def test_an_import_refreshes_the_lists_of_the_researchers_imported_before_it() -> None:
    # As `make demo` imports: the seed researcher first, when no one is like him yet.
    topics = [f.topic(f"Topic {i}") for i in range(4)]
    seed = f.researcher("Seed")
    for rank, topic in enumerate(topics, start=1):
        f.give_topic(seed, topic, rank=rank)
    refresh_after_import([seed.pk], inline=True)
    assert similar_researchers(seed) == []
    later = f.researcher("Later")
    f.give_topic(later, topics[3], rank=1)  # in her order, not his
    f.give_topic(later, topics[1], rank=2)
    refresh_after_import([later.pk], inline=False)
    run_outbox()
    assert [(row.similar.name, row.reasons) for row in similar_researchers(later)] == [
        ("Seed", ["2 shared topics: Topic 3, Topic 1"])
    ]
    assert [(row.similar.name, row.reasons) for row in similar_researchers(seed)] == [
        ("Later", ["2 shared topics: Topic 1, Topic 3"])
    ]
    # A stored row is what a refresh of everyone from their own side would store.
    stored = rows()
    similar_researchers_refresh()
    assert rows() == stored


def test_co_authors_in_common_count_the_same_from_both_sides() -> None:
    """The people who have both among their SIMILAR_NEIGHBOURS strongest co-authors: Hub's
    strongest co-authors are twenty others, so counting through them (Hub's side) found no
    one in common with Peer, while Peer's side found five."""
    hub, peer = f.researcher("Hub"), f.researcher("Peer")
    for n in range(SIMILAR_NEIGHBOURS):
        solo = f.stub(f"Solo {n}")
        f.work([hub, solo])
        f.work([hub, solo])
    for n in range(5):
        middle = f.stub(f"Middle {n}")
        f.work([hub, middle])
        f.work([peer, middle])
    f.edges()
    similar_researchers_refresh()
    assert [(row.similar.name, row.reasons) for row in similar_researchers(hub)] == [
        ("Peer", ["5 co-authors in common"])
    ]
    assert [(row.similar.name, row.reasons) for row in similar_researchers(peer)] == [
        ("Hub", ["5 co-authors in common"])
    ]


def test_a_pair_is_left_out_when_either_is_a_close_collaborator_of_the_other() -> None:
    senior, junior = f.researcher("Senior"), f.researcher("Junior")
    topics = [f.topic(f"Topic {i}") for i in range(2)]
    for person in (senior, junior):
        for rank, topic in enumerate(topics, start=1):
            f.give_topic(person, topic, rank=rank)
    for n in range(2):  # two strong co-authors: Senior's close collaborators are them
        other = f.stub(f"Other {n}")
        f.work([senior, other])
        f.work([senior, other])
    f.work([senior, junior])  # Junior's only co-author: close to Junior, not to Senior
    f.edges()
    similar_researchers_refresh()
    assert similar_researchers(senior) == similar_researchers(junior) == []


def test_a_full_list_takes_a_better_pair_in_and_refills_when_one_goes() -> None:
    lead = f.researcher("Lead")
    topics = [f.topic(f"T{i}") for i in range(3)]
    peers = [f.researcher(f"Peer {i:02d}") for i in range(SIMILAR_KEPT + 2)]
    for person in [lead, *peers]:
        for rank, topic in enumerate(topics[:2], start=1):
            f.give_topic(person, topic, rank=rank)
    similar_researchers_refresh()
    # Equal scores: the smaller ids first.
    assert [row.similar_id for row in similar_researchers(lead, SIMILAR_KEPT)] == [p.pk for p in peers[:SIMILAR_KEPT]]
    # The last peer gains a third topic in common: first on Lead's list, the twelfth pushed out.
    f.give_topic(peers[-1], topics[2], rank=3)
    f.give_topic(lead, topics[2], rank=3)
    similar_researchers_refresh(researcher_ids=[peers[-1].pk])
    assert [row.similar_id for row in similar_researchers(lead, SIMILAR_KEPT)] == [
        peers[-1].pk,
        *[p.pk for p in peers[: SIMILAR_KEPT - 1]],
    ]
    # The first peer drops its topics: the one beyond the list takes its place.
    peers[0].topics.all().delete()
    similar_researchers_refresh(researcher_ids=[peers[0].pk])
    assert [row.similar_id for row in similar_researchers(lead, SIMILAR_KEPT)] == [
        peers[-1].pk,
        *[p.pk for p in peers[1:SIMILAR_KEPT]],
    ]


def test_import_follow_ups_compute_it_after_the_edges_inline_and_through_the_outbox() -> None:
    people = world()
    refresh_after_import([people["Ada"].pk], inline=True)
    assert [row.similar.name for row in similar_researchers(people["Ada"])] == ["Dan", "Bea"]
    SimilarResearcher.objects.all().delete()
    refresh_after_import([people["Ada"].pk], inline=False)
    assert waiting() == [("graph.import_followups", [[people["Ada"].pk]])]
    run_outbox()  # edges, then similarity and trust as rows of their own
    assert waiting() == []
    assert [row.similar.name for row in similar_researchers(people["Ada"])] == ["Dan", "Bea"]


def test_the_nightly_pass_and_the_command_run_the_same_refresh(capsys) -> None:
    people = world()
    assert tasks.refresh_similar() == SimilarResearcher.objects.count() > 0
    SimilarResearcher.objects.all().delete()
    call_command("refresh_similar", people["Ada"].openalex_id)
    assert "4 similar researcher rows stored" in capsys.readouterr().out  # Ada's two, and Ada in theirs
    call_command("refresh_similar", "--all")
    assert SimilarResearcher.objects.filter(researcher=people["Bea"]).exists()
    # Nightly: one partitioned run, similar researchers after the edges (tests/graph/test_derived_refresh.py).
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-derived-nightly"]
    assert isinstance(entry["schedule"], crontab) and entry["task"] == "graph.refresh_all"


def test_the_fragment_lists_them_with_reasons_in_two_queries(client: Client, django_assert_num_queries) -> None:
    people = world()
    similar_researchers_refresh()
    url = f"/researchers/{people['Ada'].openalex_id}/similar/"
    with django_assert_num_queries(2):  # researcher, similar researchers
        response = client.get(url, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="similar-researchers"')
    assert "<bdi>2 co-authors in common</bdi>" in html and "<bdi>2 shared topics: Topic 0, Topic 2</bdi>" in html
    assert html.index("Dan") < html.index("Bea")
    page = client.get(url).content.decode()
    assert "<title>Researchers like Ada · BZPEER</title>" in page and 'id="similar-researchers"' in page


def test_strangers_see_the_same_list_and_an_empty_one_says_why(client: Client, stranger) -> None:
    people = world()
    similar_researchers_refresh()
    client.force_login(stranger)
    assert "2 co-authors in common" in client.get(f"/researchers/{people['Ada'].openalex_id}/similar/").content.decode()
    html = client.get(f"/researchers/{people['Cy'].openalex_id}/similar/").content.decode()
    assert "No similar researchers found yet" in html


def test_the_profile_loads_it_lazily_with_a_link_without_javascript(client: Client) -> None:
    people = world()
    html = client.get(f"/researchers/{people['Ada'].openalex_id}/").content.decode()
    url = f"/researchers/{people['Ada'].openalex_id}/similar/"
    assert f'data-hx-get="{url}" data-hx-trigger="intersect once"' in html
    assert f'<noscript><p><a href="{url}">See the similar researchers</a></p></noscript>' in html


def test_unknown_and_deleted_researchers_have_none(client: Client) -> None:
    gone = f.researcher("Gone", record_status="deleted")
    assert client.get("/researchers/A5999999999/similar/").status_code == 404
    assert client.get(f"/researchers/{gone.openalex_id}/similar/").status_code == 410
