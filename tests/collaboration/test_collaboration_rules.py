"""collaboration.rules, pure: the card's order of states and the "why you" sentence."""

from __future__ import annotations

from dataclasses import replace

from collaboration import rules
from collaboration.rules import CardState, Facts


def test_the_states_are_decided_in_the_issue_order() -> None:
    assert rules.decide(Facts(record_claimed=False, viewer_owns_record=True)).state is CardState.UNCLAIMED
    assert (
        rules.decide(Facts(record_claimed=True, viewer_signed_in=True, viewer_owns_record=True)).state is CardState.OWN
    )
    assert rules.decide(Facts(record_claimed=True)).state is CardState.ANONYMOUS
    assert rules.decide(Facts(record_claimed=True, viewer_signed_in=True)).state is CardState.NO_CLAIM
    signed = Facts(record_claimed=True, viewer_signed_in=True, viewer_has_record=True)
    assert rules.decide(signed).state is CardState.CLOSED  # not open to collaborate
    open_ = replace(signed, open_to_collaborate=True)
    assert rules.decide(open_).state is CardState.INVITE
    assert rules.decide(open_).may_invite
    pending = rules.decide(replace(open_, pending_invitation_id=3))
    assert pending.state is CardState.INVITE and not pending.may_invite


def test_a_block_reads_like_any_other_refusal_and_never_names_the_block() -> None:
    facts = Facts(
        record_claimed=True,
        viewer_signed_in=True,
        viewer_has_record=True,
        open_to_collaborate=True,
        viewer_blocked=True,
    )
    decision = rules.decide(facts)
    assert decision.state is CardState.CLOSED and "block" not in decision.reason.lower()


def test_why_you_names_what_the_two_share() -> None:
    assert rules.why_you(coauthors=0, coauthor_names=[], shared_topics=[], shared_works=0) == ""
    line = rules.why_you(coauthors=5, coauthor_names=["A", "B", "C"], shared_topics=["T1", "T2"], shared_works=2)
    assert line == "You share 5 co-authors (A, B, C and others), 2 works and the topics T1 and T2."
