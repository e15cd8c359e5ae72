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
