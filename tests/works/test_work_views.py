"""The public work page."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories as f
from works.models import Authorship

pytestmark = pytest.mark.django_db


def test_a_work_page_shows_authors_in_order_venue_doi_abstract_and_topics(
    client: Client, django_assert_num_queries
) -> None:
    first, second = f.researcher("First Author"), f.stub("Second Author")
    work = f.work(
        [first, second],
        year=2023,
        title="A study of examples",
        abstract="We study examples.",
        doi="10.5555/example.1",
        source=f.source("Journal of Tests"),
        landing_page_url="javascript:alert(1)",
    )
    Authorship.objects.create(work=work, position=2, raw_author_name="Unlinked Third")
    f.tag(work, f.topic("Example Topic"))
    with django_assert_num_queries(3):  # work + venue, authorships + researchers, topics
        response = client.get(f"/works/{work.openalex_id}/")
    html = response.content.decode()
    assert response.status_code == 200 and "<h1><bdi>A study of examples</bdi></h1>" in html
    authors = html.split('<h2 id="authors-title">Authors</h2>')[1]
    assert authors.index("First Author") < authors.index("Second Author") < authors.index("Unlinked Third")
    assert f'href="/researchers/{first.openalex_id}/"><bdi>First Author</bdi></a>' in authors
    assert "Journal of Tests" in html and "2023" in html
    assert 'href="https://doi.org/10.5555/example.1"' in html and "We study examples." in html
    assert "Example Topic" in html and "javascript:" not in html


def test_a_work_is_found_by_its_url_and_unknown_ones_are_404(client: Client) -> None:
    work = f.work([f.researcher()])
    assert client.get(f"/works/{work.openalex_id.lower()}/").status_code == 200
    assert client.get("/works/W1/").status_code == 404
    assert client.get("/works/A5023888391/").status_code == 404


def test_a_work_page_escapes_imported_text(client: Client) -> None:
    work = f.work([f.researcher("<script>x</script>")], title="<img src=x onerror=alert(1)>", abstract="<b>bold</b>")
    html = client.get(f"/works/{work.openalex_id}/").content.decode()
    assert "<img src=x" not in html and "<script>x" not in html and "<b>bold" not in html
