"""Claims by institutional email (DESIGN §4, issue 11): approved at once only when the
address's registrable domain is a current institution's, its local part follows the record's
name and its mailbox backs no other claim; any broken condition files a pending claim whose
domain match the moderator sees on the claim's page."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from claims import facts as claim_facts
from claims import rules, services
from claims.models import Claim, ClaimAuditEvent
from profiles.models import Institution, Researcher, ResearcherAffiliation
from profiles.verification import derive_level
from tests import cast
from tests import factories as f
from tests.cast import verify

pytestmark = pytest.mark.django_db


def _level(researcher: Researcher) -> int:
    facts = claim_facts.claim_facts_for([researcher.pk]).get(researcher.pk)
    return derive_level(
        openalex_id=researcher.openalex_id, record_status=researcher.record_status, orcid=researcher.orcid, claim=facts
    ).level


def _by_email(user: Any, record: Researcher) -> Claim:
    return services.claim_submit(user=user, researcher_id=record.pk, method="email_domain")


def _moderation_page(staff: Any, claim: Claim) -> str:
    client = Client()
    client.force_login(staff)
    response = client.get(f"/moderation/claims/{claim.pk}/")
    assert response.status_code == 200
    return response.content.decode()


# --- Each broken condition: pending, the match shown to the moderator -----------------------------


def _public_suffix(record: Researcher) -> None:
    # What the import stored for an institution whose homepage is www.ac.uk before domains
    # were registrable: "ac.uk", under which every UK university's addresses fall.
    Institution.objects.filter(openalex_id="I100").update(email_domains=["ac.uk"])


def _old_affiliation(record: Researcher) -> None:
    ResearcherAffiliation.objects.filter(researcher=record).update(is_last_known=False, years=[2015, 2018])


def _nothing(record: Researcher) -> None:
    pass


def _mailbox_already_claimed(record: Researcher) -> None:
    # The same mailbox (another tag) already took a second record of the same name.
    twin = f.record("A5000000002")
    first = cast.verified_user("first")
    verify(first, "ada.example@example.edu")
    assert _by_email(first, twin).state == "approved"


BROKEN: list[tuple[str, Callable[[Researcher], None], str, str, str]] = [
    # (address, arrangement, problem code, what the moderator reads, domain line)
    (
        "ada.example@ox.ac.uk",
        _public_suffix,
        "public_suffix",
        "ox.ac.uk falls under ac.uk, a public suffix",
        "ox.ac.uk is under ac.uk, the domain of <bdi>Example University</bdi> (a public suffix)",
    ),
    (
        "ada.example@example.edu",
        _old_affiliation,
        "not_current",
        "Example University is not one of the record&#x27;s current institutions",
        "example.edu is under example.edu, the domain of <bdi>Example University</bdi>"
        " (registrable domain example.edu)",
    ),
    (
        "mallory.evil@example.edu",
        _nothing,
        "name_mismatch",
        "The address mallory.evil@example.edu does not follow the record&#x27;s name (Ada Example)",
        "example.edu is under example.edu, the domain of <bdi>Example University</bdi>",
    ),
    (
        "ab123@example.edu",
        _nothing,
        "opaque_address",
        "The address ab123@example.edu is not made of a name",
        "example.edu is under example.edu, the domain of <bdi>Example University</bdi>",
    ),
    (
        "Ada.Example+second@example.edu",
        _mailbox_already_claimed,
        "mailbox_in_use",
        "The mailbox ada.example@example.edu (+tags ignored) already backs another claim",
        "example.edu is under example.edu, the domain of <bdi>Example University</bdi>",
    ),
]


@pytest.mark.parametrize(
    ("address", "arrange", "code", "reason", "domain_line"),
    BROKEN,
    ids=["public_suffix", "old_affiliation", "name_mismatch", "opaque_address", "plus_address"],
)
def test_a_broken_condition_files_a_pending_claim_that_shows_the_match_to_the_moderator(
    record, verified_user, staff, address: str, arrange, code: str, reason: str, domain_line: str
) -> None:
    arrange(record)
    verify(verified_user, address)
    claim = _by_email(verified_user, record)

    assert (claim.state, claim.method, claim.is_dispute, claim.decided_at) == ("pending", "email_domain", False, None)
    assert claim.email_mailbox == rules.mailbox(address)
    assert [p["code"] for p in claim.email_check["problems"]] == [code]
    assert _level(record) == 2  # the record's ORCID only: nothing claimed until a moderator decides
    assert list(ClaimAuditEvent.objects.filter(claim=claim).values_list("kind", flat=True)) == ["submitted"]
    assert ClaimAuditEvent.objects.get(claim=claim).data["email_check"]["problems"][0]["code"] == code

    page = _moderation_page(staff, claim)
    assert 'id="email-match"' in page and "Institutional email match" in page
    assert address in page and domain_line in page
    assert "held back, at filing:" in page and reason in page


def test_the_moderator_sees_which_claim_the_mailbox_already_backs(record, verified_user, staff) -> None:
    _mailbox_already_claimed(record)
    first = Claim.objects.get(state="approved")
    verify(verified_user, "ada.example+second@example.edu")
    claim = _by_email(verified_user, record)
    assert claim.email_check["mailbox_claims"] == [first.pk]
    page = _moderation_page(staff, claim)
    assert f'<a href="/moderation/claims/{first.pk}/">claim {first.pk}</a>' in page
    # A withdrawn or rejected claim no longer holds the mailbox.
    services.claim_withdraw(user=verified_user, claim_id=claim.pk)
    services.claim_release(user=first.user, claim_id=first.pk)
    assert _by_email(verified_user, record).state == "approved"


def test_a_moderator_can_approve_what_the_rule_held_back(record, verified_user, staff) -> None:
    verify(verified_user, "ab123@example.edu")
    claim = _by_email(verified_user, record)
    services.claim_decide(moderator=staff, claim_id=claim.pk, decision="approve")
    assert _level(record) == 3
    facts = claim_facts.claim_facts_for([record.pk])[record.pk]
    assert facts.by_moderator and facts.email_domain == "example.edu"


# --- Every condition met ------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["ada.example@example.edu", "aexample@cs.example.edu", "example_a@example.edu"])
def test_every_condition_met_approves_at_once_as_l3(record, verified_user, staff, address: str) -> None:
    verify(verified_user, address)
    claim = _by_email(verified_user, record)
    assert (claim.state, claim.decided_by) == ("approved", None)
    assert claim.email_mailbox == address and claim.email_check["problems"] == []
    assert claim.email_check["institution"] == "Example University" and claim.email_check["institution_current"]
    assert _level(record) == 3
    page = _moderation_page(staff, claim)
    assert "every condition held at filing" in page and "follows <bdi>Ada Example</bdi>" in page


def test_an_affiliation_year_within_two_years_is_current(record, verified_user) -> None:
    this_year = timezone.now().year
    ResearcherAffiliation.objects.filter(researcher=record).update(is_last_known=False, years=[2001, this_year - 2])
    verify(verified_user, "ada.example@example.edu")
    assert _by_email(verified_user, record).state == "approved"


def test_an_institution_name_on_a_self_declared_account_proves_nothing(record, verified_user) -> None:
    """The account's user name and first/last name are typed in by the claimant: only the
    address the institution issued counts."""
    verified_user.first_name, verified_user.last_name, verified_user.username = "Ada", "Example", "ada.example"
    verified_user.save()
    verify(verified_user, "office@example.edu")
    assert _by_email(verified_user, record).state == "pending"


# --- Two tags of one mailbox at once --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_tags_of_one_mailbox_claiming_at_once_approve_one_claim(monkeypatch) -> None:
    records = [f.record("A5000000001"), f.record("A5000000002")]
    users = [cast.verified_user(f"tag{n}") for n in range(2)]
    for n, user in enumerate(users):
        verify(user, f"ada.example+{n}@example.edu")
    # Widen the window between reading what the account proves (which claims the mailbox
    # backs) and saving the claim, so that without the mailbox lock both claims would find the
    # mailbox free and both be approved.
    slow = services.proofs_for

    def proofs_for(*args: Any, **kwargs: Any) -> Any:
        proofs = slow(*args, **kwargs)
        time.sleep(0.3)
        return proofs

    monkeypatch.setattr(services, "proofs_for", proofs_for)
    start = threading.Barrier(2)
    states: list[str] = []

    def claim(user: Any, record: Researcher) -> None:
        try:
            start.wait()
            states.append(_by_email(user, record).state)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=pair) for pair in zip(users, records, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(states) == ["approved", "pending"]
    pending = Claim.objects.get(state="pending")
    assert [p["code"] for p in pending.email_check["problems"]] == ["mailbox_in_use"]
