"""The claim rules as the services apply them: paths, disputes, limits, decisions, the log,
the emails, and two moderators deciding at once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import connection
from django.utils import timezone

from claims import corrections, rules, services
from claims import facts as claim_facts
from claims import selectors as claim_selectors
from claims.models import Claim, ClaimAuditEvent, ProfileCorrection
from core.models import OutboxMessage
from profiles.models import Researcher
from profiles.verification import derive_level
from tests import cast
from tests import factories as f
from tests.cast import EVIDENCE, OTHER_ORCID, sign_in_with_orcid, verify
from tests.outbox import run_outbox

pytestmark = pytest.mark.django_db


def _events(claim: Claim) -> list[str]:
    return list(ClaimAuditEvent.objects.filter(claim=claim).order_by("id").values_list("kind", flat=True))


def _level(researcher: Researcher) -> int:
    facts = claim_facts.claim_facts_for([researcher.pk]).get(researcher.pk)
    return derive_level(
        openalex_id=researcher.openalex_id, record_status=researcher.record_status, orcid=researcher.orcid, claim=facts
    ).level


def _submit(user, record: Researcher, method: str = "evidence", **extra) -> Claim:
    if method == "evidence":
        extra.setdefault("evidence_url", EVIDENCE)
    return services.claim_submit(user=user, researcher_id=record.pk, method=method, **extra)


# --- The three paths ---------------------------------------------------------------------------


def test_orcid_sign_in_with_the_records_id_is_approved_at_once_as_l4(
    record, verified_user, mailoutbox
) -> None:
    sign_in_with_orcid(verified_user)
    assert _level(record) == 2  # the record's ORCID alone: identifier-linked
    claim = _submit(verified_user, record, "orcid")
    run_outbox()
    assert (claim.state, claim.method, claim.orcid, claim.is_dispute) == ("approved", "orcid", record.orcid, False)
    assert claim.decided_at is not None and claim.decided_by is None
    assert _events(claim) == ["submitted", "auto_approved"]
    assert _level(record) == 4
    assert [m.subject for m in mailoutbox] == [f"Your claim on Ada Example ({record.openalex_id}) is approved"]
    assert "you signed in with ORCID iD 0000-0002-1825-0097" in mailoutbox[0].body
    assert mailoutbox[0].to == [verified_user.email]
    assert f"{settings.SITE_URL}/researchers/{record.openalex_id}/claim/" in mailoutbox[0].body


def test_orcid_sign_in_with_another_id_is_refused(record, verified_user) -> None:
    with pytest.raises(services.ClaimRefused, match="Sign in with ORCID first"):
        _submit(verified_user, record, "orcid")
    sign_in_with_orcid(verified_user, OTHER_ORCID)
    with pytest.raises(services.ClaimRefused, match=f"You signed in with ORCID iD {OTHER_ORCID}"):
        _submit(verified_user, record, "orcid")
    no_orcid = f.record("A5000000002", orcid="")
    with pytest.raises(services.ClaimRefused, match="carries no ORCID iD"):
        _submit(verified_user, no_orcid, "orcid")
    assert not Claim.objects.exists() and not ClaimAuditEvent.objects.exists()


def test_a_verified_email_at_an_institution_subdomain_is_approved_at_once_as_l3(record, verified_user) -> None:
    # verified@example.org: not the institution's
    with pytest.raises(services.ClaimRefused, match="None of your verified email addresses"):
        _submit(verified_user, record, "email_domain")
    # The address the institution issued for the record's name (Ada Example), on a subdomain.
    EmailAddress.objects.create(user=verified_user, email="Ada.Example@cs.example.edu", verified=False)
    with pytest.raises(services.ClaimRefused, match="None of your verified email addresses"):
        _submit(verified_user, record, "email_domain")
    EmailAddress.objects.filter(email="Ada.Example@cs.example.edu").update(verified=True)
    claim = _submit(verified_user, record, "email_domain")
    assert (claim.state, claim.method, claim.email_domain) == ("approved", "email_domain", "cs.example.edu")
    assert claim.email_mailbox == "ada.example@cs.example.edu"  # the mailbox it used, recorded
    assert claim.email_check["problems"] == [] and claim.email_check["name_pattern"] == "given.family"
    assert _level(record) == 3


def test_evidence_waits_for_a_moderator(record, verified_user, mailoutbox) -> None:
    claim = _submit(verified_user, record, note="  I moved from Example University in 2024.  ")
    run_outbox()
    assert (claim.state, claim.method, claim.evidence_url) == ("pending", "evidence", EVIDENCE)
    assert claim.note == "I moved from Example University in 2024."
    assert _events(claim) == ["submitted"]
    assert ClaimAuditEvent.objects.get().data["evidence_url"] == EVIDENCE
    assert _level(record) == 2  # nothing changes until a moderator decides
    assert mailoutbox[0].subject.endswith("is waiting for a moderator")
    assert "number 1 in the queue" not in mailoutbox[0].body  # the email does not promise a place


@pytest.mark.parametrize(
    ("url", "says"),
    [("javascript:alert(1)", "Only web links"), ("https://a:b@example.edu/", "password"), ("", "Add a link")],
)
def test_bad_evidence_is_refused_before_anything_is_written(record, verified_user, url: str, says: str) -> None:
    with pytest.raises(services.ClaimRefused, match=says):
        _submit(verified_user, record, evidence_url=url)
    with pytest.raises(services.ClaimRefused, match="too long"):
        _submit(verified_user, record, note="x" * 1001)
    assert not Claim.objects.exists()


# --- Who may claim -----------------------------------------------------------------------------


def test_an_account_without_a_verified_email_cannot_claim(record) -> None:
    unverified = cast.account("unverified")
    EmailAddress.objects.create(user=unverified, email=unverified.email, verified=False)
    sign_in_with_orcid(unverified)
    for method in ("orcid", "evidence"):
        with pytest.raises(services.ClaimRefused, match="Verify your email address"):
            _submit(unverified, record, method)
    assert not Claim.objects.exists()


def test_a_deleted_record_cannot_be_claimed(verified_user) -> None:
    gone = f.record("A5000000009")
    Researcher.objects.filter(pk=gone.pk).update(record_status="deleted")
    with pytest.raises(services.ClaimRefused, match="deleted"):
        _submit(verified_user, gone)


def test_one_open_claim_per_account_and_no_second_claim_on_the_same_record(record, claimant) -> None:
    with pytest.raises(services.ClaimRefused, match="already have an open claim on this record"):
        _submit(claimant, record)
    with pytest.raises(services.ClaimRefused, match="open claim on another record"):
        _submit(claimant, f.record("A5000000002"))


def test_claims_are_rate_limited_per_account(record, verified_user, settings) -> None:
    records = [f.record(f"A500000001{n}") for n in range(4)]
    for target in records[:3]:
        services.claim_withdraw(user=verified_user, claim_id=_submit(verified_user, target).pk)
    with pytest.raises(services.ClaimRefused, match=r"filed 3 claims in the last 24 hours.*after \d{4}-\d\d-\d\d"):
        _submit(verified_user, records[3])
    assert Claim.objects.count() == 3
    # A day later the oldest claim no longer counts.
    Claim.objects.filter(pk=Claim.objects.order_by("id").first().pk).update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert _submit(verified_user, records[3]).state == "pending"
    settings.CLAIMS_PER_DAY = 10
    assert claim_selectors.claims_per_day() == 10


# --- Disputes ----------------------------------------------------------------------------------


def test_a_claim_on_an_owned_record_opens_a_dispute_and_replaces_nothing(
    record, owner, stranger, mailoutbox
) -> None:
    owned = owner.claims.get()
    sign_in_with_orcid(stranger)  # even a matching ORCID iD does not take an owned record
    dispute = _submit(stranger, record, "orcid")
    run_outbox()
    assert (dispute.state, dispute.is_dispute, dispute.orcid) == ("pending", True, record.orcid)
    owned.refresh_from_db()
    assert owned.state == "approved"
    assert _events(dispute) == ["submitted", "dispute_opened"]
    assert ClaimAuditEvent.objects.get(kind="dispute_opened").data["rivals"] == [owned.pk]
    subjects = sorted(m.subject for m in mailoutbox)
    assert subjects == [
        f"Someone else claimed your record Ada Example ({record.openalex_id})",
        f"Your claim on Ada Example ({record.openalex_id}) is waiting for a moderator",
    ]
    owner_mail = next(m for m in mailoutbox if m.to == [owner.email])
    assert stranger.email not in owner_mail.body  # the owner is not told who


def test_a_claim_on_a_record_with_an_open_claim_is_a_dispute_too(record, verified_user, stranger) -> None:
    verify(stranger, "ada.example@cs.example.edu")
    first = _submit(verified_user, record)
    second = _submit(stranger, record, "email_domain")  # meets the email rule: approved at once otherwise
    assert (first.is_dispute, second.state, second.is_dispute) == (False, "pending", True)


# --- Decisions ---------------------------------------------------------------------------------


def test_a_moderator_approves_with_the_template_message(
    record, verified_user, staff, mailoutbox
) -> None:
    claim = _submit(verified_user, record)
    decided = services.claim_decide(moderator=staff, claim_id=claim.pk, decision="approve")
    run_outbox()
    assert (decided.state, decided.decided_by, decided.reason) == ("approved", staff, "")
    assert decided.message == rules.default_message("approve", "", record=f"Ada Example ({record.openalex_id})")
    assert _events(claim) == ["submitted", "approved"]
    event = ClaimAuditEvent.objects.get(kind="approved")
    assert (event.actor, event.researcher_id, event.message) == (staff, record.pk, decided.message)
    assert _level(record) == 3
    assert mailoutbox[-1].subject == f"Your claim on Ada Example ({record.openalex_id}) is approved"
    assert decided.message in mailoutbox[-1].body


def test_rejection_needs_a_reason_and_sends_the_moderators_words(
    record, claimant, staff, mailoutbox
) -> None:
    claim = claimant.claims.get()
    with pytest.raises(services.ClaimRefused, match="Choose a reason"):
        services.claim_decide(moderator=staff, claim_id=claim.pk, decision="reject")
    with pytest.raises(services.ClaimRefused, match="listed reasons"):
        services.claim_decide(moderator=staff, claim_id=claim.pk, decision="reject", reason="bored")
    services.claim_decide(
        moderator=staff,
        claim_id=claim.pk,
        decision="reject",
        reason="self_made_page",
        message="Your page is on a site you edit yourself. <b>Try</b> your department's page.",
    )
    run_outbox()
    claim.refresh_from_db()
    assert (claim.state, claim.reason) == ("rejected", "self_made_page")
    body = mailoutbox[-1].body
    assert "Reason: Self-made page" in body and "<b>Try</b> your department's page." in body  # plain text mail
    assert "You can file a new claim" in body
    assert ClaimAuditEvent.objects.get(kind="rejected").reason == "self_made_page"


def test_needs_evidence_then_the_claimant_adds_a_link_and_it_is_pending_again(record, verified_user, staff) -> None:
    claim = _submit(verified_user, record)
    services.claim_decide(moderator=staff, claim_id=claim.pk, decision="needs_evidence", reason="evidence_unreachable")
    claim.refresh_from_db()
    assert claim.state == "needs_evidence" and "could not be opened" in claim.message
    with pytest.raises(services.ClaimRefused, match="Only web links"):
        services.claim_add_evidence(user=verified_user, claim_id=claim.pk, evidence_url="ftp://example.edu/")
    services.claim_add_evidence(
        user=verified_user, claim_id=claim.pk, evidence_url="https://cs.example.edu/ada", note="New"
    )
    claim.refresh_from_db()
    assert (claim.state, claim.evidence_url, claim.note) == ("pending", "https://cs.example.edu/ada", "New")
    assert _events(claim) == ["submitted", "needs_evidence", "evidence_added"]
    with pytest.raises(services.ClaimRefused, match="has not asked for more evidence"):
        services.claim_add_evidence(user=verified_user, claim_id=claim.pk, evidence_url=EVIDENCE)


def test_a_decided_claim_stays_decided(record, verified_user, staff) -> None:
    claim = _submit(verified_user, record)
    services.claim_decide(moderator=staff, claim_id=claim.pk, decision="reject", reason="no_evidence")
    with pytest.raises(services.AlreadyDecided, match="already rejected"):
        services.claim_decide(moderator=staff, claim_id=claim.pk, decision="approve")
    with pytest.raises(services.AlreadyDecided):
        services.claim_withdraw(user=verified_user, claim_id=claim.pk)
    assert _events(claim) == ["submitted", "rejected"]


def test_moderators_cannot_decide_their_own_claim(record, staff) -> None:
    claim = _submit(staff, record)
    with pytest.raises(services.ClaimRefused, match="your own claim"):
        services.claim_decide(moderator=staff, claim_id=claim.pk, decision="approve")


def test_approving_a_dispute_waits_for_the_owner_to_be_revoked(record, owner, stranger, staff) -> None:
    owned = owner.claims.get()
    dispute = _submit(stranger, record)
    with pytest.raises(services.ClaimRefused, match="already has an owner"):
        services.claim_decide(moderator=staff, claim_id=dispute.pk, decision="approve")
    services.claim_revoke(moderator=staff, claim_id=owned.pk, reason="impersonation")
    services.claim_decide(moderator=staff, claim_id=dispute.pk, decision="approve")
    assert claim_facts.claimed_researcher_ids(None) == {record.pk}
    assert Claim.objects.get(state="approved").user == stranger


def test_an_account_owns_one_record(owner, staff) -> None:
    second = _submit(owner, f.record("A5000000002"))  # a second record of theirs, maybe
    with pytest.raises(services.ClaimRefused, match="already owns Ada Example"):
        services.claim_decide(moderator=staff, claim_id=second.pk, decision="approve")


def test_revoking_drops_the_level_and_reverts_the_owners_changes(
    record, owner, staff, mailoutbox
) -> None:
    owned = owner.claims.get()
    corrections.profile_update(owner=owner, researcher_id=record.pk, bio="I am not who I say.", preferred_name="Fake")
    work_id = record.authorships.first().work_id
    corrections.work_hide(owner=owner, researcher_id=record.pk, work_id=work_id, reason="not_mine")
    assert _level(record) == 4
    services.claim_revoke(moderator=staff, claim_id=owned.pk, reason="impersonation")
    run_outbox()
    record.refresh_from_db()
    assert (record.owner_bio, record.preferred_name, record.hidden_works.count()) == ("", "", 0)
    assert ProfileCorrection.objects.filter(reverted_by=staff).count() == 3
    assert _level(record) == 2
    facts = claim_facts.claim_facts_for([record.pk])[record.pk]
    assert facts.state == "revoked"
    assert "was revoked" in mailoutbox[-1].subject
    revoked = ClaimAuditEvent.objects.get(kind="revoked")
    assert (revoked.reason, len(revoked.data["reverted_corrections"])) == ("impersonation", 3)
    with pytest.raises(services.AlreadyDecided):
        services.claim_revoke(moderator=staff, claim_id=owned.pk, reason="other")


def test_withdraw_and_release(record, claimant, mailoutbox) -> None:
    claim = claimant.claims.get()
    services.claim_withdraw(user=claimant, claim_id=claim.pk)
    run_outbox()
    assert Claim.objects.get(pk=claim.pk).state == "withdrawn"
    assert mailoutbox[-1].subject.startswith("You withdrew your claim")
    sign_in_with_orcid(claimant)
    approved = _submit(claimant, record, "orcid")
    with pytest.raises(services.AlreadyDecided):
        services.claim_withdraw(user=claimant, claim_id=approved.pk)  # approved: release, not withdraw
    services.claim_release(user=claimant, claim_id=approved.pk)
    assert claim_facts.claimed_researcher_ids([record.pk]) == set()
    assert _events(approved) == ["submitted", "auto_approved", "withdrawn"]


def test_nobody_acts_on_another_accounts_claim(record, verified_user, stranger) -> None:
    claim = _submit(verified_user, record)
    for act in (services.claim_withdraw, services.claim_release):
        with pytest.raises(Claim.DoesNotExist):
            act(user=stranger, claim_id=claim.pk)
    with pytest.raises(Claim.DoesNotExist):
        services.claim_add_evidence(user=stranger, claim_id=claim.pk, evidence_url=EVIDENCE)
    assert Claim.objects.get().state == "pending" and _events(claim) == ["submitted"]


def test_a_mail_outage_does_not_undo_a_decision_and_the_email_goes_out_later(
    record, claimant, staff, settings, mailoutbox
) -> None:
    working_mail = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens
    claim = claimant.claims.get()
    services.claim_decide(moderator=staff, claim_id=claim.pk, decision="approve")
    run_outbox()
    assert Claim.objects.get().state == "approved"
    email = OutboxMessage.objects.get(task="claims.send_claim_email")
    assert (email.state, email.attempts) == ("pending", 1) and email.last_error.startswith("attempt 1: ")
    settings.EMAIL_BACKEND = working_mail  # the mail server answers again
    run_outbox()
    email.refresh_from_db()
    assert email.state == "done" and [m.to for m in mailoutbox] == [[claimant.email]]


# --- Two moderators at once --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_moderators_deciding_at_once_exactly_one_lands(monkeypatch) -> None:
    claim = cast.claimant(f.record()).claims.get()
    moderators = [cast.staff(f"mod{n}") for n in range(2)]
    # Widen the window between reading the claim and writing the decision, so that without
    # the row lock both moderators would read "pending" and both decisions would land.
    slow = rules.default_message

    def default_message(*args, **kwargs):
        time.sleep(0.3)
        return slow(*args, **kwargs)

    monkeypatch.setattr(rules, "default_message", default_message)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(moderator, decision: str, reason: str) -> None:
        try:
            start.wait()
            outcomes[moderator.username] = services.claim_decide(
                moderator=moderator, claim_id=claim.pk, decision=decision, reason=reason
            ).state
        except services.AlreadyDecided as exc:
            outcomes[moderator.username] = f"refused: {exc}"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=(moderators[0], "approve", "")),
        threading.Thread(target=decide, args=(moderators[1], "reject", "no_evidence")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    landed = [o for o in outcomes.values() if not o.startswith("refused")]
    refused = [o for o in outcomes.values() if o.startswith("refused")]
    assert len(landed) == 1 and len(refused) == 1, outcomes
    assert "This claim was already" in refused[0] and "nothing was changed" in refused[0]
    claim.refresh_from_db()
    assert claim.state == landed[0]
    decisions = ClaimAuditEvent.objects.filter(claim=claim, kind__in=["approved", "rejected"])
    assert decisions.count() == 1 and decisions.get().kind == landed[0]
