"""profiles.verification: levels L0–L4 derived from plain facts, with evidence and date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from profiles.verification import (
    LEVEL_NAMES,
    ClaimFacts,
    Level,
    Verification,
    derive_level,
)

CURRENT_ID = "A5023888391"
ORCID = "0000-0001-6187-6610"  # valid check digit
OTHER_ORCID = "0000-0002-1825-0097"  # valid check digit
BAD_CHECK_ORCID = "0000-0001-6187-6611"
SEEN = date(2025, 10, 11)
DECIDED = date(2026, 1, 2)


def verify(**overrides: Any) -> Verification:
    """derive_level for an imported record with a valid ORCID, seen on SEEN; override any fact."""
    facts: dict[str, Any] = {
        "openalex_id": CURRENT_ID,
        "record_status": "imported",
        "orcid": f"https://orcid.org/{ORCID}",
        "record_seen_on": SEEN,
    }
    return derive_level(**(facts | overrides))


def claim(state: str = "approved", method: str = "evidence", **overrides: Any) -> ClaimFacts:
    return ClaimFacts(state=state, method=method, decided_at=DECIDED, **overrides)


def test_level_names_follow_the_design_table() -> None:
    assert [LEVEL_NAMES[level] for level in range(5)] == [
        "Unverified", "Source-matched", "Identifier-linked", "Claimed", "Proven",
    ]
    assert Level.PROVEN.label == "Proven"


class TestWithoutClaim:
    def test_a_record_with_a_valid_orcid_is_identifier_linked(self) -> None:
        v = verify()
        assert (v.level, v.name, v.established_at) == (2, "Identifier-linked", SEEN)
        assert v.evidence == (
            f"the OpenAlex record carries ORCID iD {ORCID}, and its check digit is valid"
        )
        assert v.summary == f"Verification L2: {v.evidence}"

    @pytest.mark.parametrize("orcid", [ORCID, ORCID.replace("-", ""), f"http://orcid.org/{ORCID}"])
    def test_any_orcid_form_counts(self, orcid: str) -> None:
        assert verify(orcid=orcid).level == 2

    def test_a_trailing_x_orcid_counts(self) -> None:
        assert verify(orcid="0000-0002-1694-233x").level == 2

    def test_a_record_without_orcid_is_source_matched(self) -> None:
        v = verify(orcid="")
        assert (v.level, v.name, v.established_at) == (1, "Source-matched", SEEN)
        assert v.evidence == (
            f"imported from OpenAlex under the stable author id {CURRENT_ID}; "
            "the record carries no ORCID iD"
        )

    def test_an_orcid_with_a_wrong_check_digit_is_ignored_and_said_so(self) -> None:
        v = verify(orcid=BAD_CHECK_ORCID)
        assert v.level == 1
        assert f"the ORCID iD on the record ({BAD_CHECK_ORCID}) fails its check digit" in v.evidence
        assert v.evidence.endswith("and is ignored")

    def test_a_malformed_orcid_is_ignored_and_said_so(self) -> None:
        v = verify(orcid="0000-0001-6187")
        assert v.level == 1
        assert "('0000-0001-6187') is not an ORCID iD and is ignored" in v.evidence

    def test_a_coauthor_stub_with_a_current_id_is_source_matched(self) -> None:
        v = verify(record_status="stub", orcid="")
        assert v.level == 1
        assert v.evidence == (
            f"OpenAlex lists this researcher as author {CURRENT_ID} on a co-authored work; "
            "the full author record is not imported yet"
        )

    def test_a_coauthor_stub_with_an_orcid_from_an_authorship_is_identifier_linked(self) -> None:
        v = verify(record_status="stub")
        assert v.level == 2
        assert v.evidence.startswith(f"OpenAlex links author {CURRENT_ID} to ORCID iD {ORCID}")

    @pytest.mark.parametrize(
        ("overrides", "evidence"),
        [
            (
                {"openalex_id": "A1969205032", "record_status": "stub"},
                "known only under A1969205032, an OpenAlex author id from before OpenAlex "
                "re-assigned author ids in July 2023, not yet matched to a current record",
            ),
            (
                {"openalex_id": "A5317838346", "record_status": "deleted"},
                "OpenAlex has deleted author record A5317838346",
            ),
            (
                {"openalex_id": "", "record_status": "stub"},
                "no OpenAlex author id; this researcher is known only by name",
            ),
            ({"openalex_id": "X12"}, "'X12' is not an OpenAlex author id"),
        ],
    )
    def test_records_without_a_stable_identity_are_unverified_even_with_an_orcid(
        self, overrides: dict[str, object], evidence: str
    ) -> None:
        v = verify(**overrides)
        assert (v.level, v.name, v.established_at, v.evidence) == (0, "Unverified", None, evidence)

    def test_the_date_is_unknown_when_the_caller_has_none(self) -> None:
        assert verify(record_seen_on=None).established_at is None

    def test_an_unknown_record_status_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="record status"):
            verify(record_status="merged")


class TestWithClaim:
    def test_orcid_sign_in_matching_the_record_is_proven(self) -> None:
        v = verify(claim=claim(method="orcid", orcid=ORCID.replace("-", "")))
        assert (v.level, v.name, v.established_at) == (4, "Proven", DECIDED)
        assert v.evidence == (
            f"the claimant signed in with ORCID iD {ORCID}, the same iD the OpenAlex record carries"
        )

    def test_orcid_sign_in_that_no_longer_matches_the_record_is_only_claimed(self) -> None:
        v = verify(orcid=OTHER_ORCID, claim=claim(method="orcid", orcid=ORCID))
        assert (v.level, v.established_at) == (3, DECIDED)
        assert v.evidence == (
            f"claim approved through ORCID sign-in as {ORCID}, "
            f"but the record now carries {OTHER_ORCID}"
        )

    @pytest.mark.parametrize("record_orcid", ["", BAD_CHECK_ORCID])
    def test_orcid_sign_in_is_not_proof_without_a_valid_orcid_on_the_record(
        self, record_orcid: str
    ) -> None:
        claimant_orcid = BAD_CHECK_ORCID if record_orcid else ORCID
        v = verify(orcid=record_orcid, claim=claim(method="orcid", orcid=claimant_orcid))
        assert v.level == 3
        assert v.evidence.endswith("but the record no longer carries a valid ORCID iD")

    def test_a_verified_institutional_email_is_claimed(self) -> None:
        facts = claim(method="email_domain", email_domain="ox.ac.uk")
        v = verify(orcid="", claim=facts)
        assert (v.level, v.name, v.established_at) == (3, "Claimed", DECIDED)
        assert v.evidence == (
            "claim approved automatically: the claimant verified an email address at ox.ac.uk, "
            "a domain of one of the record's institutions"
        )
        # An email claim that did not meet the rule for approval at once, approved by a moderator.
        moderated = verify(orcid="", claim=claim(method="email_domain", email_domain="ox.ac.uk", by_moderator=True))
        assert moderated.level == 3
        assert moderated.evidence.startswith("claim approved by a moderator: the claimant verified an email address")

    def test_a_moderator_decision_on_evidence_is_claimed(self) -> None:
        v = verify(claim=claim(method="evidence"))
        assert (v.level, v.evidence) == (
            3, "claim approved by a moderator on the evidence the claimant submitted",
        )

    def test_a_claim_decided_at_a_datetime_is_dated_by_its_day(self) -> None:
        facts = ClaimFacts(
            state="approved", method="evidence", decided_at=datetime(2026, 1, 2, 23, 5, tzinfo=UTC)
        )
        assert verify(claim=facts).established_at == DECIDED

    @pytest.mark.parametrize(("orcid", "level"), [(ORCID, 2), ("", 1)])
    def test_a_revoked_claim_drops_back_and_is_mentioned(self, orcid: str, level: int) -> None:
        v = verify(orcid=orcid, claim=claim(state="revoked", method="orcid"))
        assert (v.level, v.established_at) == (level, SEEN)
        assert v.evidence.endswith("; a claim on this record was revoked on 2026-01-02")

    @pytest.mark.parametrize("state", ["pending", "rejected", "withdrawn"])
    def test_claims_that_are_not_approved_do_not_count(self, state: str) -> None:
        v = verify(claim=claim(state=state))
        assert v == verify()

    def test_an_approved_claim_does_not_lift_a_deleted_record(self) -> None:
        v = verify(record_status="deleted", claim=claim())
        assert v.level == 0
        assert v.evidence.endswith("; an approved claim does not count without a stable record")

    @pytest.mark.parametrize(
        "facts",
        [ClaimFacts(state="approved", method="magic"), ClaimFacts(state="lost", method="orcid")],
    )
    def test_unknown_claim_states_and_methods_are_errors(self, facts: ClaimFacts) -> None:
        with pytest.raises(ValueError, match="is not a valid"):
            verify(claim=facts)


def test_sentence_capitalises_the_evidence() -> None:
    v = verify()
    assert v.sentence == (
        f"The OpenAlex record carries ORCID iD {ORCID}, and its check digit is valid."
    )
