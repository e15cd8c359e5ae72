"""The profile's "Identity and collaboration" section: every claim state for every visitor, and
the short public history, all from the page's one researcher query."""

from __future__ import annotations

import pytest
from django.test import Client

from claims import corrections, services

pytestmark = pytest.mark.django_db


def _section(client: Client, record) -> str:
    page = client.get(f"/researchers/{record.openalex_id}/").content.decode()
    start = page.index('id="identity"')
    return page[start : page.index('id="direct-collaboration"')]


def test_anonymous_visitors_are_asked_to_log_in_to_claim(anonymous: Client, record) -> None:
    section = _section(anonymous, record)
    assert "Log in to claim" in section
    assert f"/accounts/login/?next=/researchers/{record.openalex_id}/claim/" in section
    assert "Claimed" not in section


def test_a_signed_in_visitor_can_claim_and_then_sees_their_claim(client: Client, record, verified_user) -> None:
    client.force_login(verified_user)
    assert f'href="/researchers/{record.openalex_id}/claim/">Claim this record' in _section(client, record)
    services.claim_submit(
        user=verified_user, researcher_id=record.pk, method="evidence", evidence_url="https://www.example.edu/ada"
    )
    section = _section(client, record)
    assert "Your claim on this record is <strong>waiting for a moderator</strong>" in section
    assert "https://www.example.edu/ada" not in section  # evidence stays on the claim page


def test_the_owner_sees_claimed_and_the_way_to_edit(client: Client, record, owner) -> None:
    client.force_login(owner)
    section = _section(client, record)
    assert "Claimed" in section and "proven by signing in with the record's ORCID iD" in section
    assert f"/researchers/{record.openalex_id}/edit/" in section and "This is your record." in section


def test_others_see_claimed_and_can_still_dispute(anonymous: Client, client: Client, record, owner, stranger) -> None:
    seen = _section(anonymous, record)
    assert "Claimed" in seen and "Log in to dispute the claim" in seen and "/edit/" not in seen
    client.force_login(stranger)
    section = _section(client, record)
    assert "a moderator reviews your claim" in section and "/edit/" not in section
    page = client.get(f"/researchers/{record.openalex_id}/").content.decode()
    assert '<span class="chip">Claimed</span>' in page  # the Quick read too


def test_a_record_with_an_open_claim_warns_the_next_claimant(client: Client, record, claimant, stranger) -> None:
    client.force_login(stranger)
    assert "Someone else has a claim waiting on this record" in _section(client, record)


def test_the_short_history_shows_the_owners_changes_escaped(client: Client, record, owner) -> None:
    corrections.profile_update(owner=owner, researcher_id=record.pk, bio="<b>Mine</b>", preferred_name="Ada <i>")
    work = record.authorships.select_related("work").first().work
    corrections.work_hide(owner=owner, researcher_id=record.pk, work_id=work.pk, reason="other", note="<script>x")
    section = _section(client, record)
    assert "The owner wrote their own bio" in section and "The owner set their preferred name" in section
    assert f'<a href="/works/{work.openalex_id}/"><bdi>{work.title}</bdi></a> (<bdi>&lt;script&gt;x</bdi>)' in section
    assert "<script>x" not in section and "Ada <i>" not in section
    for n in range(5):
        corrections.profile_update(owner=owner, researcher_id=record.pk, open_to_collaborate=n % 2 == 0)
    section = _section(client, record)
    assert section.count("<li>") == 5 and "Full history" in section
    assert "The owner opened the record to collaboration" in section


def test_the_section_adds_no_query_to_the_profile(
    client: Client, record, owner, stranger, settings, django_assert_num_queries
) -> None:
    """The claim facts ride on the page's researcher query: the same count for an unclaimed
    record seen anonymously and a claimed one with history seen by its owner (rendered, not
    served from the anonymous page cache)."""
    settings.PAGE_CACHE_SECONDS = 0
    corrections.profile_update(owner=owner, researcher_id=record.pk, bio="Mine.")
    url = f"/researchers/{record.openalex_id}/"
    client.get(url)  # warm caches (site, content types)
    with django_assert_num_queries(8):  # the profile's 7 (the works list with its authors) and the stamp
        client.get(url)
    client.force_login(owner)
    with django_assert_num_queries(10):  # + the session with its user, and the header's owned record
        client.get(url)
