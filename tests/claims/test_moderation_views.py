"""/moderation/: staff only; the queue, a claim beside its record and claimant, decisions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from claims import services
from claims.models import Claim, ClaimAuditEvent
from tests import cast
from tests import factories as f
from tests.cast import EVIDENCE, verify

pytestmark = pytest.mark.django_db


def _claim(user, record, **extra) -> Claim:
    return services.claim_submit(user=user, researcher_id=record.pk, method="evidence", evidence_url=EVIDENCE, **extra)


def _urls(claim_id: int) -> tuple[list[str], list[tuple[str, dict[str, str]]]]:
    gets = [
        "/moderation/",
        "/moderation/?show=approved",
        f"/moderation/claims/{claim_id}/",
        f"/moderation/claims/{claim_id}/message/?decision=reject&reason=other",
        "/moderation/log/",
    ]
    posts = [
        (f"/moderation/claims/{claim_id}/decide/", {"decision": "approve"}),
        (f"/moderation/claims/{claim_id}/revoke/", {"reason": "other"}),
    ]
    return gets, posts


def test_anonymous_visitors_are_sent_to_log_in(anonymous: Client, record, claimant) -> None:
    claim = claimant.claims.get()
    gets, posts = _urls(claim.pk)
    for url in gets:
        assert anonymous.get(url)["Location"].startswith("/accounts/login/?next=/moderation/"), url
    for url, data in posts:
        assert anonymous.post(url, data).status_code == 302
    assert Claim.objects.get().state == "pending"


def test_it_returns_403_for_non_staff_at_every_url_and_action(client: Client, record, claimant, stranger) -> None:
    claim = claimant.claims.get()
    for user in (stranger, claimant):  # the claimant is no moderator of their own claim either
        client.force_login(user)
        gets, posts = _urls(claim.pk)
        for url in gets:
            assert client.get(url).status_code == 403, url
        for url, data in posts:
            assert client.post(url, data).status_code == 403, url
    assert Claim.objects.get().state == "pending"
    assert not ClaimAuditEvent.objects.exists()


def test_the_queue_is_oldest_first_with_disputes_flagged(
    client: Client, staff, record, claimant, stranger, django_assert_num_queries
) -> None:
    other = f.record("A5000000002", name="Bo Other")
    first = claimant.claims.get()
    third_user = cast.verified_user("third")
    dispute = _claim(stranger, record)  # a second open claim on the same record
    lone = _claim(third_user, other)
    Claim.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=3))
    Claim.objects.filter(pk=lone.pk).update(created_at=timezone.now() - timedelta(days=2))
    client.force_login(staff)
    # 3 (the session with its user: one) + the header's owned record (claims.context_processors)
    with django_assert_num_queries(4):
        page = client.get("/moderation/").content.decode()
    rows = [page.index(f'id="queue-claim-{c.pk}"') for c in (first, lone, dispute)]
    assert rows == sorted(rows)  # oldest first
    first_row = page[rows[0] : rows[1]]
    lone_row = page[rows[1] : rows[2]]
    assert "Dispute" in first_row and "Dispute" not in lone_row
    assert "Waiting for a decision (3)" in page and "Waiting for the claimant (0)" in page


def test_a_claim_stands_beside_its_record_evidence_and_claimant(
    client: Client, staff, record, verified_user, stranger, django_assert_num_queries
) -> None:
    verify(verified_user, "ada@cs.example.edu")
    earlier = _claim(verified_user, f.record("A5000000002", name="Bo Other"))
    services.claim_withdraw(user=verified_user, claim_id=earlier.pk)
    claim = services.claim_submit(
        user=verified_user,
        researcher_id=record.pk,
        method="evidence",
        evidence_url="http://ada.github.io/",
        note="<script>alert('x')</script> I am Ada.",
    )
    client.force_login(staff)
    # 10 (the session with its user: one) + the header's owned record (claims.context_processors)
    with django_assert_num_queries(11):
        page = client.get(f"/moderation/claims/{claim.pk}/").content.decode()
    # The record: name, ORCID, institutions with their domains, works.
    assert "Ada Example" in page and record.orcid in page and "Example University" in page
    assert "(example.edu)" in page and "<dt>Works</dt><dd>2</dd>" in page
    # The evidence, escaped, with facts about the link (never fetched).
    assert 'href="http://ada.github.io/"' in page and 'rel="nofollow noopener noreferrer"' in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; I am Ada." in page and "<script>alert" not in page
    assert "hosts pages people write themselves" in page
    # The claimant's history: joined, email domains (not addresses), other claims.
    assert "cs.example.edu" in page and "example.org" in page and "ada@cs.example.edu" not in page
    assert f"Claim {earlier.pk}</a> on <bdi>Bo Other</bdi>" in page and "Withdrawn" in page
    assert "Joined" in page and verified_user.date_joined.strftime("%Y-%m-%d") in page
    assert "Audit log of this claim" in page and "Claim submitted" in page


def test_affiliation_years_read_oldest_first_whatever_order_they_are_stored_in(
    client: Client, staff, record, claimant, django_assert_num_queries
) -> None:
    # OpenAlex lists an affiliation's years newest first, and they are stored as it gives them.
    place = f.institution("Northvale Institute of Technology", email_domains=["example.org"])
    f.affiliate(record, place, [2026, 2025, 2024, 2020, 2019, 2018, 2017, 2016, 2015])
    claim = claimant.claims.get()
    client.force_login(staff)
    with django_assert_num_queries(11):  # as test_a_claim_stands_beside_its_record_evidence_and_claimant
        page = client.get(f"/moderation/claims/{claim.pk}/").content.decode()
    assert '(example.org)</span> <span class="muted">2015–2020, 2024–2026</span>' in page
    assert "2026–2015" not in page


def test_staff_approve_from_the_claim_page(client: Client, staff, claimant, record, mailoutbox) -> None:
    claim = claimant.claims.get()
    client.force_login(staff)
    response = client.post(f"/moderation/claims/{claim.pk}/decide/", {"decision": "approve", "message": ""})
    assert response.status_code == 302 and response["Location"] == "/moderation/"
    claim.refresh_from_db()
    assert (claim.state, claim.decided_by) == ("approved", staff)
    page = client.get("/moderation/?show=approved").content.decode()
    assert f"queue-claim-{claim.pk}" in page


def test_no_decision_is_preselected_and_none_chosen_is_refused(
    client: Client, staff, claimant, record, mailoutbox
) -> None:
    claim = claimant.claims.get()
    client.force_login(staff)
    page = client.get(f"/moderation/claims/{claim.pk}/").content.decode()
    radios = [line for line in page.split("<input") if 'name="decision"' in line]
    assert len(radios) == 3 and not any("checked" in r.split(">")[0] for r in radios)
    response = client.post(f"/moderation/claims/{claim.pk}/decide/", {"reason": "", "message": ""})
    assert response.status_code == 400 and "Choose a decision" in response.content.decode()
    assert Claim.objects.get().state == "pending" and not mailoutbox
    assert not ClaimAuditEvent.objects.exclude(kind="submitted").exists()
    # A reason picked before any decision fills in no template (it used to be approval's).
    text = client.get(f"/moderation/claims/{claim.pk}/message/", {"reason": "other"}).content.decode()
    assert text.startswith("<textarea") and "approved" not in text.lower()


def test_a_rejection_without_a_reason_is_sent_back(client: Client, staff, claimant, record) -> None:
    claim = claimant.claims.get()
    client.force_login(staff)
    response = client.post(f"/moderation/claims/{claim.pk}/decide/", {"decision": "reject"})
    assert response.status_code == 400 and "Choose a reason" in response.content.decode()
    assert Claim.objects.get().state == "pending"


def test_the_second_moderator_is_told_it_was_already_decided(
    client: Client, staff, claimant, record
) -> None:
    claim = claimant.claims.get()
    other = cast.staff("mod2")
    services.claim_decide(moderator=other, claim_id=claim.pk, decision="reject", reason="no_evidence")
    client.force_login(staff)
    response = client.post(f"/moderation/claims/{claim.pk}/decide/", {"decision": "approve"}, follow=True)
    assert "This claim was already rejected" in response.content.decode()
    assert Claim.objects.get().state == "rejected"
    assert ClaimAuditEvent.objects.filter(kind__in=["approved", "rejected"]).count() == 1


def test_the_message_template_follows_the_decision_and_reason(client: Client, staff, claimant, record) -> None:
    claim = claimant.claims.get()
    client.force_login(staff)
    url = f"/moderation/claims/{claim.pk}/message/"
    reject = client.get(url, {"decision": "reject", "reason": "self_made_page"}).content.decode()
    assert reject.startswith("<textarea") and "one you can edit yourself" in reject
    assert 'id="decision-message"' in reject
    evidence = client.get(url, {"decision": "needs_evidence", "reason": "evidence_unreachable"}).content.decode()
    assert "could not be opened" in evidence
    assert 'id="revoke-message"' in client.get(url, {"decision": "revoke", "reason": "other"}).content.decode()


def test_staff_revoke_an_approved_claim(client: Client, staff, owner, mailoutbox) -> None:
    owned = owner.claims.get()
    client.force_login(staff)
    page = client.get(f"/moderation/claims/{owned.pk}/").content.decode()
    assert "Revoke this claim" in page and "Record the decision" not in page
    assert client.post(f"/moderation/claims/{owned.pk}/revoke/", {"reason": ""}).status_code == 400
    response = client.post(f"/moderation/claims/{owned.pk}/revoke/", {"reason": "impersonation", "message": "Sorry."})
    assert response.status_code == 302
    owned.refresh_from_db()
    assert (owned.state, owned.reason, owned.message) == ("revoked", "impersonation", "Sorry.")


def test_the_audit_log_lists_everything(client: Client, staff, verified_user, record) -> None:
    claim = _claim(verified_user, record)
    services.claim_decide(moderator=staff, claim_id=claim.pk, decision="reject", reason="no_evidence")
    client.force_login(staff)
    page = client.get("/moderation/log/").content.decode()
    assert "Claim submitted" in page and "Claim rejected" in page and "no_evidence" in page
    assert page.index("Claim rejected") < page.index("Claim submitted")  # newest first


def test_moderation_posts_without_csrf_are_refused(staff, claimant, record) -> None:
    claim = claimant.claims.get()
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.post(f"/moderation/claims/{claim.pk}/decide/", {"decision": "approve"}).status_code == 403
    assert Claim.objects.get().state == "pending"


def test_unknown_claims_are_404(client: Client, staff) -> None:
    client.force_login(staff)
    assert client.get("/moderation/claims/999/").status_code == 404
    assert client.post("/moderation/claims/999/decide/", {"decision": "approve"}).status_code == 404
    assert client.post("/moderation/claims/999/revoke/", {"reason": "other"}).status_code == 404
