"""Trust follows claims: every decision, revocation and correction writes the record's trust
recompute to the outbox in its transaction, and the recompute reads the claim (level, claimed co-authors,
findings, followers other than the owner) through claims.facts."""

from __future__ import annotations

import pytest

from claims import corrections, services
from claims import facts as claim_facts
from claims import selectors as claims_selectors
from claims.models import Claim
from core.models import OutboxMessage
from graph.models import TrustSnapshot
from graph.trust_services import trust_recompute
from profiles.models import Follow, Researcher
from tests import cast
from tests import factories as f
from tests.cast import EVIDENCE, sign_in_with_orcid
from tests.outbox import run_outbox, waiting

pytestmark = pytest.mark.django_db


def recomputes_waiting() -> list[int]:
    """Researchers whose trust recompute waits in the outbox (graph/trust_schedule.py)."""
    return sorted(args[0] for _, args in waiting("graph.recompute_trust"))


def run(action, *args, **kwargs):
    """``action`` after every waiting row has run (as a worker would have), so its change
    writes a recompute of its own instead of being coalesced into an earlier one."""
    OutboxMessage.objects.update(state=OutboxMessage.State.DONE)
    return action(*args, **kwargs)


def test_every_decision_revocation_and_correction_enqueues_the_recompute(
    record, verified_user, staff, stranger
) -> None:
    claim = run(
        services.claim_submit, user=verified_user, researcher_id=record.pk, method="evidence", evidence_url=EVIDENCE
    )
    assert recomputes_waiting() == []  # a pending claim changes no input
    run(services.claim_decide, moderator=staff, claim_id=claim.pk, decision="needs_evidence", reason="no_evidence")
    assert recomputes_waiting() == [record.pk]
    services.claim_add_evidence(user=verified_user, claim_id=claim.pk, evidence_url=EVIDENCE)
    run(services.claim_decide, moderator=staff, claim_id=claim.pk, decision="approve")
    assert recomputes_waiting() == [record.pk]
    work = record.authorships.first().work_id
    for action, kwargs in [
        (corrections.profile_update, {"bio": "Mine."}),
        (corrections.work_hide, {"work_id": work, "reason": "not_mine"}),
        (corrections.work_unhide, {"work_id": work}),
    ]:
        run(action, owner=verified_user, researcher_id=record.pk, **kwargs)
        assert recomputes_waiting() == [record.pk], action
    correction = record.corrections.order_by("id").first()
    run(corrections.correction_revert, actor=staff, correction_id=correction.pk)
    assert recomputes_waiting() == [record.pk]
    # An impersonation finding also moves the trust of the records the claimant owns.
    other = f.record("A5000000002")
    dispute = run(
        services.claim_submit, user=stranger, researcher_id=other.pk, method="evidence", evidence_url=EVIDENCE
    )
    run(services.claim_decide, moderator=staff, claim_id=dispute.pk, decision="reject", reason="impersonation")
    assert recomputes_waiting() == [other.pk]
    run(services.claim_revoke, moderator=staff, claim_id=claim.pk, reason="impersonation")
    assert recomputes_waiting() == [record.pk]
    sign_in_with_orcid(verified_user)
    mine = run(services.claim_submit, user=verified_user, researcher_id=record.pk, method="orcid")
    assert recomputes_waiting() == [record.pk]
    run(services.claim_release, user=verified_user, claim_id=mine.pk)
    assert recomputes_waiting() == [record.pk]


def test_nothing_is_enqueued_when_the_change_rolls_back(record, verified_user) -> None:
    with pytest.raises(services.ClaimRefused):
        services.claim_submit(user=verified_user, researcher_id=record.pk, method="orcid")
    assert waiting() == []  # neither a recompute nor an email


def test_the_recompute_shows_the_claim_in_the_snapshot(record, verified_user, staff) -> None:
    """With the waiting work run (as a worker would), an approval lifts the stored level and
    a revocation drops it back."""
    trust_recompute(researcher_ids=[record.pk])
    assert TrustSnapshot.objects.get(researcher=record, is_current=True).level == 2
    sign_in_with_orcid(verified_user)
    claim = services.claim_submit(user=verified_user, researcher_id=record.pk, method="orcid")
    run_outbox()
    current = TrustSnapshot.objects.get(researcher=record, is_current=True)
    assert current.level == 4
    services.claim_revoke(moderator=staff, claim_id=claim.pk, reason="other")
    run_outbox()
    assert TrustSnapshot.objects.get(researcher=record, is_current=True).level == 2


# --- claims.facts ---------------------------------------------------------------------


def test_claim_facts_are_set_based(verified_user, stranger, staff, django_assert_num_queries) -> None:
    records = [f.record(f"A50000000{n:02d}") for n in range(1, 5)]
    a, b, c, d = records
    sign_in_with_orcid(verified_user)
    owners = services.claim_submit(user=verified_user, researcher_id=a.pk, method="orcid")  # a: approved (L4)
    revoked = services.claim_submit(user=stranger, researcher_id=b.pk, method="evidence", evidence_url=EVIDENCE)
    services.claim_decide(moderator=staff, claim_id=revoked.pk, decision="approve")
    services.claim_revoke(moderator=staff, claim_id=revoked.pk, reason="other")  # b: revoked
    third = cast.verified_user("third")
    services.claim_submit(user=third, researcher_id=c.pk, method="evidence", evidence_url=EVIDENCE)  # c: pending
    # The owner of a (verified_user) is caught trying to take d: the finding counts against a, not d.
    attempt = Claim.objects.create(user=verified_user, researcher=d, state="pending")
    services.claim_decide(moderator=staff, claim_id=attempt.pk, decision="reject", reason="impersonation")
    ids = [r.pk for r in records]
    with django_assert_num_queries(3):
        facts = claim_facts.claim_facts_for(ids)
        claimed = claim_facts.claimed_researcher_ids(ids)
        findings = claim_facts.upheld_findings_count(ids)
    assert set(facts) == {a.pk, b.pk}
    assert (facts[a.pk].state, facts[a.pk].method, facts[a.pk].orcid) == ("approved", "orcid", owners.orcid)
    assert facts[b.pk].state == "revoked" and facts[b.pk].decided_at is not None
    assert claimed == {a.pk} and claim_facts.claimed_researcher_ids(None) == {a.pk}
    assert findings == {a.pk: 1} and claim_facts.upheld_findings_count(None) == {a.pk: 1}
    assert claim_facts.claim_facts_for(None).keys() == {a.pk, b.pk}
    with django_assert_num_queries(0):
        assert claim_facts.claim_facts_for([]) == {} and claim_facts.claimed_researcher_ids([]) == set()


# --- Followers: the owner's own follow never counts ---------------------------------------------


def community(record) -> tuple[int, str]:
    """The current snapshot's followers input and the community component's evidence."""
    snap = TrustSnapshot.objects.get(researcher=record, is_current=True)
    [component] = [c for c in snap.components if c["name"] == "community"]
    return snap.inputs["followers"], component["evidence"]


def test_a_follow_made_before_the_claim_stops_counting_once_it_is_approved(
    record, verified_user, stranger, staff
) -> None:
    """The tester's case: the future owner follows the record, the claim is approved; the
    recompute the decision enqueues counts only the other people, and a revocation puts the
    follow back among the others'."""
    Follow.objects.create(user=verified_user, researcher=record)
    Follow.objects.create(user=stranger, researcher=record)
    trust_recompute(researcher_ids=[record.pk])
    assert community(record) == (2, "2 followers")
    claim = services.claim_submit(
        user=verified_user, researcher_id=record.pk, method="evidence", evidence_url=EVIDENCE
    )
    run(services.claim_decide, moderator=staff, claim_id=claim.pk, decision="approve")
    run_outbox()
    assert community(record) == (1, "1 follower")
    assert claims_selectors.followers_count(record) == 1  # the profile's count agrees
    services.claim_revoke(moderator=staff, claim_id=claim.pk, reason="other")
    run_outbox()
    assert community(record) == (2, "2 followers")
    assert claims_selectors.followers_count(record) == 2


def test_an_owners_follow_written_after_the_claim_does_not_count_either(record, owner, stranger) -> None:
    """A follow the service would refuse, written anyway (a race with the approval, a direct
    write): the formula's input leaves it out whenever it was made."""
    Follow.objects.create(user=owner, researcher=record)
    trust_recompute(researcher_ids=[record.pk])
    assert community(record) == (0, "no followers yet")
    Follow.objects.create(user=stranger, researcher=record)
    trust_recompute(researcher_ids=[record.pk])
    assert community(record) == (1, "1 follower")


def test_follower_counts_leave_out_owners_and_are_set_based(django_assert_num_queries) -> None:
    a, b, c = (f.record(f"A50000000{n:02d}") for n in range(1, 4))
    owner_of_a, owner_of_b = cast.owner(a, "owner_a"), cast.owner(b, "owner_b")
    fan = cast.stranger("fan")
    Follow.objects.bulk_create(
        [
            Follow(user=owner_of_a, researcher=a),  # own: not counted
            Follow(user=owner_of_b, researcher=a),  # another record's owner is a follower like anyone
            Follow(user=fan, researcher=a),
            Follow(user=owner_of_b, researcher=b),  # own: b has no follower
            Follow(user=owner_of_a, researcher=c),
        ]
    )
    ids = [a.pk, b.pk, c.pk]
    with django_assert_num_queries(1):
        assert claim_facts.follower_counts(ids) == {a.pk: 2, c.pk: 1}
    assert claim_facts.follower_counts(None) == {a.pk: 2, c.pk: 1}
    with django_assert_num_queries(0):
        assert claim_facts.follower_counts([]) == {}
    counted = Researcher.objects.filter(pk__in=ids).annotate(n=claims_selectors.followers_count_annotation())
    assert dict(counted.values_list("pk", "n")) == {a.pk: 2, b.pk: 0, c.pk: 1}
