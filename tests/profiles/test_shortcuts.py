"""profiles.shortcuts.researcher_or_response: every URL that names a researcher answers alike
(301 for a retired id, 404 for an unknown one or no id at all, 410 for a deleted record)."""

from __future__ import annotations

import pytest
from django.test import Client

from profiles.models import Follow, ResearcherAlias
from tests import factories as f

pytestmark = pytest.mark.django_db

# Every page that takes a researcher id in its path, as "/researchers/{}/<suffix>".
PAGES = ["", "claim/", "edit/", "history/", "graph-slice/", "graph/", "trust/"]


@pytest.fixture
def lead():
    return f.researcher("Ada Lead", openalex_id="A5000000777")


@pytest.mark.parametrize("suffix", PAGES)
@pytest.mark.parametrize("reason", ["legacy", "merged"])
def test_a_retired_id_moves_permanently_to_the_same_page_of_the_current_record(
    client: Client, lead, suffix: str, reason: str, stranger
) -> None:
    ResearcherAlias.objects.create(openalex_id="A2208157607", researcher=lead, reason=reason)
    client.force_login(stranger)
    response = client.get(f"/researchers/A2208157607/{suffix}?page=2")
    assert response.status_code == 301
    assert response["Location"] == f"/researchers/{lead.openalex_id}/{suffix}?page=2"


@pytest.mark.parametrize("suffix", PAGES)
def test_an_unknown_id_is_the_not_found_page(client: Client, suffix: str, stranger) -> None:
    client.force_login(stranger)  # the claim and edit pages send anonymous visitors to log in first
    response = client.get(f"/researchers/A5999999999/{suffix}")
    assert response.status_code == 404
    assert b"No researcher A5999999999 here yet" in response.content


@pytest.mark.parametrize("suffix", PAGES)
def test_a_record_openalex_deleted_is_gone(client: Client, suffix: str, stranger) -> None:
    gone = f.researcher(record_status="deleted")
    client.force_login(stranger)
    response = client.get(f"/researchers/{gone.openalex_id}/{suffix}")
    assert response.status_code == 410
    assert b"OpenAlex deleted this author record" in response.content


def test_another_kind_of_id_points_to_its_own_page(client: Client) -> None:
    topic = f.topic("Examples")
    response = client.get(f"/researchers/{topic.openalex_id}/")
    assert response.status_code == 404
    assert f'href="/topics/{topic.openalex_id}/"'.encode() in response.content


def test_a_post_to_a_retired_id_acts_on_the_current_record(client: Client, lead, stranger) -> None:
    ResearcherAlias.objects.create(openalex_id="A2208157607", researcher=lead, reason="merged")
    client.force_login(stranger)
    response = client.post("/researchers/A2208157607/follow/", {"action": "follow"})
    assert response.status_code == 302
    assert response["Location"] == f"/researchers/{lead.openalex_id}/"
    assert Follow.objects.filter(user=stranger, researcher=lead).exists()


def test_an_owner_hiding_a_work_through_a_retired_id_hides_it_on_the_current_record(
    client: Client, record, owner
) -> None:
    from works.models import HiddenWork

    ResearcherAlias.objects.create(openalex_id="A2208157607", researcher=record, reason="legacy")
    work_id = record.authorships.first().work_id
    client.force_login(owner)
    response = client.post(f"/researchers/A2208157607/edit/works/{work_id}/hide/", {"reason": "not_mine"})
    assert response.status_code == 302
    assert response["Location"] == f"/researchers/{record.openalex_id}/edit/"
    assert HiddenWork.objects.filter(researcher=record, work_id=work_id).exists()
