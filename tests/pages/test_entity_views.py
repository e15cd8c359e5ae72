"""Topic and institution pages."""

from __future__ import annotations

import pytest
from django.test import Client

from profiles.models import Topic
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_topic_page_lists_its_researchers_and_works(client: Client, django_assert_num_queries) -> None:
    topic = f.topic("Deep Topic", field="Computer Science", subfield="AI", domain="Physical Sciences")
    lead, other = f.researcher("Topic Lead"), f.researcher("Topic Other")
    f.give_topic(lead, topic, rank=1, works_count=9)
    f.give_topic(other, topic, rank=1, works_count=2)
    f.tag(f.work([lead], title="Tagged work"), topic)
    f.work([lead], title="Untagged work")
    with django_assert_num_queries(4):  # the topic, its researchers, the newest works' ids, those works
        response = client.get(f"/topics/{topic.openalex_id}/")
    html = response.content.decode()
    assert "<h1><bdi>Deep Topic</bdi></h1>" in html and "Computer Science" in html
    assert html.index("Topic Lead") < html.index("Topic Other") and "9 works on this topic" in html
    assert "Tagged work" in html and "Untagged work" not in html
    assert client.get("/topics/T1/").status_code == 404


def test_a_topic_page_says_how_many_researchers_and_works_it_holds_beyond_those_shown(
    client: Client, django_assert_num_queries
) -> None:
    """The headings count everything BZPEER holds on the topic, not the 50 listed; the rest of
    the researchers are a search filter away."""
    topic = f.topic("Crowded Topic")
    people = [f.researcher(f"Crowd Member {i:02d}") for i in range(52)]
    for i, who in enumerate(people):
        f.give_topic(who, topic, rank=1, works_count=100 - i)
    for i in range(53):
        f.tag(f.work([people[0]], title=f"Crowd work {i}"), topic)
    f.give_topic(f.researcher("Elsewhere Person"), f.topic("Other Topic"), rank=1)  # counted on its own topic only
    with django_assert_num_queries(4):  # the counts come with the topic and with the newest works' ids
        html = client.get(f"/topics/{topic.openalex_id}/").content.decode()
    assert 'Researchers <span class="count">(52)</span>' in html
    assert "The 50 with the most works on this topic." in html
    assert "Crowd Member 49" in html and "Crowd Member 50" not in html  # the 50 with the most works
    assert f'<a href="/?topic={topic.openalex_id}">Browse and filter them in search</a>' in html
    assert 'Works <span class="count">(53)</span>' in html
    assert "The 50 newest of the works BZPEER holds on this topic." in html
    assert html.count("Crowd work ") == 50
    # The search it links to lists every one of them.
    found = client.get(f"/?topic={topic.openalex_id}&kind=researchers").content.decode()
    assert "Researchers <span class=\"count\">(52)</span>" in found


def test_a_topic_page_with_few_researchers_and_works_shows_them_all_without_a_link(client: Client) -> None:
    topic = f.topic("Small Topic")
    lead = f.researcher("Small Lead")
    f.give_topic(lead, topic, rank=1, works_count=1)
    f.tag(f.work([lead], title="Small work"), topic)
    html = client.get(f"/topics/{topic.openalex_id}/").content.decode()
    assert 'Researchers <span class="count">(1)</span>' in html and 'Works <span class="count">(1)</span>' in html
    assert "in search</a>" not in html and "The 1 " not in html


def test_a_topic_page_shows_its_newest_works_first(client: Client) -> None:
    """works.selectors.newest_works: newest first, undated works last, at most the page's limit."""
    topic = f.topic("Ordered Topic")
    lead = f.researcher("Order Lead")
    for title, day in [("Middle", "2020-05-01"), ("Undated", None), ("Newest", "2024-01-02"), ("Oldest", "2001-01-01")]:
        f.tag(f.work([lead], title=f"{title} work", publication_date=day), topic)
    html = client.get(f"/topics/{topic.openalex_id}/").content.decode()
    found = [html.index(f"{title} work") for title in ("Newest", "Middle", "Oldest", "Undated")]
    assert found == sorted(found)


def test_a_legacy_concept_answers_like_a_topic(client: Client) -> None:
    concept = Topic.objects.create(openalex_id="C41008148", display_name="Computer science", kind="concept")
    lead = f.researcher("Concept Lead")
    f.give_topic(lead, concept, rank=1, works_count=4)
    response = client.get("/topics/C41008148/")
    html = response.content.decode()
    assert response.status_code == 200 and "<h1><bdi>Computer science</bdi></h1>" in html
    assert "Concept Lead" in html and "4 works on this topic" in html
    assert client.get("/topics/c41008148/").status_code == 200  # any case, like topic ids
    assert client.get("/topics/C1/").status_code == 404
    assert client.get("/topics/A5023888391/").status_code == 404


def test_an_institution_page_lists_its_researchers_and_their_works(client: Client, django_assert_num_queries) -> None:
    place = f.institution("Example University", homepage_url="javascript:alert(1)", country_code="GB")
    lead = f.researcher("Member Person")
    f.affiliate(lead, place, [2023, 2024], current=True)
    f.work([lead], title="Member work")
    with django_assert_num_queries(4):  # the institution, its researchers, the newest works' ids, those works
        response = client.get(f"/institutions/{place.openalex_id}/")
    html = response.content.decode()
    assert "<h1><bdi>Example University</bdi></h1>" in html and "Member Person" in html and "Member work" in html
    assert "javascript:" not in html  # only http(s) homepages are linked
    assert client.get("/institutions/I1/").status_code == 404


def test_an_institution_page_counts_every_researcher_and_links_to_them_all(client: Client) -> None:
    """The heading counts every researcher who lists the institution, now or earlier, not the
    50 listed; search lists all of them; the works are said to be those of the listed ones."""
    place = f.institution("Crowded Institute")
    for i in range(51):
        f.affiliate(f.researcher(f"Past Member {i:02d}"), place, [2001])
    f.affiliate(f.researcher("Zed Current"), place, [2024], current=True)
    f.affiliate(f.researcher("Elsewhere Person"), f.institution("Other Institute"), [2024], current=True)
    html = client.get(f"/institutions/{place.openalex_id}/").content.decode()
    assert 'Researchers <span class="count">(52)</span>' in html
    assert "The first 50: those here now first, then by name." in html
    assert html.index("Zed Current") < html.index("Past Member 00")  # here now, first
    assert "Past Member 48" in html and "Past Member 49" not in html and "Elsewhere Person" not in html
    assert f'<a href="/?institution={place.openalex_id}">Browse and filter them in search</a>' in html
    assert "The newest works of the 50 researchers listed here." in html
    found = client.get(f"/?institution={place.openalex_id}&kind=researchers").content.decode()
    assert 'Researchers <span class="count">(52)</span>' in found


def test_a_small_institution_lists_everyone_without_a_link(client: Client) -> None:
    place = f.institution("Small Institute")
    f.affiliate(f.researcher("Only Member"), place, [2024], current=True)
    html = client.get(f"/institutions/{place.openalex_id}/").content.decode()
    assert 'Researchers <span class="count">(1)</span>' in html and "Only Member" in html
    assert "in search</a>" not in html and "researchers listed here" not in html
