"""The pure claim rules: proofs, evidence links, messages (no database)."""

from __future__ import annotations

import pytest

from claims import rules
from claims.models import Claim

# --- ORCID -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signed_in", "record", "matches"),
    [
        ("0000-0002-1825-0097", "0000-0002-1825-0097", True),
        ("0000-0002-1825-0097", "https://orcid.org/0000-0002-1825-0097", True),
        ("0000000218250097", "0000-0002-1825-0097", True),
        ("0000-0002-1825-0097", "0000-0001-5109-3700", False),
        ("0000-0002-1825-0098", "0000-0002-1825-0098", False),  # bad check digit on both sides
        ("", "", False),
        ("0000-0002-1825-0097", "", False),
    ],
)
def test_orcid_matches_only_the_same_valid_id(signed_in: str, record: str, matches: bool) -> None:
    assert rules.orcid_matches(signed_in, record) is matches


# --- Email domains -----------------------------------------------------------------------------


def test_email_domain_is_lower_case_and_empty_without_an_at() -> None:
    assert rules.email_domain("Ada@Math.Example.EDU") == "math.example.edu"
    assert rules.email_domain("no-at-sign") == ""
    assert rules.email_domain("") == ""


@pytest.mark.parametrize(
    ("emails", "institutions", "expected"),
    [
        (["example.edu"], ["example.edu"], ("example.edu", "example.edu")),
        (["cs.example.edu"], ["example.edu"], ("cs.example.edu", "example.edu")),
        (["EXAMPLE.edu."], ["example.edu"], ("example.edu", "example.edu")),
        (["badexample.edu"], ["example.edu"], None),  # a suffix that is not a subdomain
        (["example.edu.evil.com"], ["example.edu"], None),
        (["example.edu"], ["cs.example.edu"], None),  # the parent does not match a subdomain
        (["gmail.com"], ["gmail.com"], None),  # public mail never vouches
        (["x.github.io"], ["github.io"], None),
        (["uni.edu"], ["edu"], None),  # one label would match every .edu address
        (["other.org", "mit.edu"], ["mit.edu", "harvard.edu"], ("mit.edu", "mit.edu")),
        ([], ["example.edu"], None),
    ],
)
def test_match_email_domain(emails: list[str], institutions: list[str], expected: tuple[str, str] | None) -> None:
    match = rules.match_email_domain(emails, institutions)
    assert (None if match is None else (match.email_domain, match.institution_domain)) == expected


# --- Evidence links ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://www.example.edu/people/ada",
        "http://example.edu/~ada",
        "https://cs.example.edu:8443/staff?name=ada#top",
        "HTTPS://EXAMPLE.EDU/People",
    ],
)
def test_public_web_pages_are_valid_evidence(url: str) -> None:
    assert rules.evidence_url_problem(url) == ""


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("", "Add a link"),
        ("javascript:alert(1)", "Only web links"),
        ("JavaScript://example.edu/%0aalert(1)", "Only web links"),
        ("data:text/html,<script>alert(1)</script>", "Only web links"),
        ("ftp://example.edu/cv.pdf", "Only web links"),
        ("file:///etc/passwd", "Only web links"),
        ("https://user:secret@example.edu/", "user name or password"),
        ("https://user@example.edu/", "user name or password"),
        ("https://127.0.0.1/admin", "IP address"),
        ("http://[::1]/", "IP address"),
        ("http://localhost:8000/", "local or private"),
        ("http://intranet/", "local or private"),
        ("http://files.corp/", "local or private"),
        ("https://example.edu/a b", "spaces"),
        ("https://example.edu/\nx", "spaces"),
        ("https://example.edu:99999/", "not a valid web address"),
        ("https://", "no host name"),
        ("https://example.edu/" + "a" * 500, "too long"),
    ],
)
def test_bad_evidence_links_are_refused_with_a_reason(url: str, says: str) -> None:
    assert says in rules.evidence_url_problem(url)


def test_evidence_hints_name_the_host_and_flag_self_made_pages() -> None:
    on_domain = rules.evidence_hints("https://cs.example.edu/people/ada", ["example.edu"])
    assert "a domain of one of the record's institutions (example.edu)" in on_domain[0]
    self_made = rules.evidence_hints("http://ada.github.io/", ["example.edu"])
    assert "not a domain" in self_made[0]
    assert any("pages people write themselves" in h for h in self_made)
    assert any("plain http" in h for h in self_made)
    assert rules.evidence_hints("", ["example.edu"]) == []


# --- Messages ----------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", [r for r in Claim.Reason.values])
@pytest.mark.parametrize("decision", [rules.REJECT, rules.NEEDS_EVIDENCE, rules.REVOKE])
def test_every_reason_has_a_message_that_names_the_record(decision: str, reason: str) -> None:
    text = rules.default_message(decision, reason, record="Ada Example (A5000000001)")
    assert "Ada Example (A5000000001)" in text
    assert len(text) <= rules.MESSAGE_MAX


def test_messages_say_why_and_what_to_do() -> None:
    text = rules.default_message(rules.REJECT, "self_made_page", record="R")
    assert "one you can edit yourself" in text and "file a new claim" in text
    assert "keeps its place in the queue" in rules.default_message(
        rules.NEEDS_EVIDENCE, "evidence_unreachable", record="R"
    )
    assert "write your own bio" in rules.default_message(rules.APPROVE, "", record="R")
    with pytest.raises(ValueError):
        rules.default_message("maybe", "", record="R")


def test_reason_labels_cover_every_reason_code() -> None:
    assert set(rules.REASON_LABELS) == set(Claim.Reason.values)


def test_only_approval_may_come_without_a_reason() -> None:
    assert not rules.reason_required(rules.APPROVE)
    assert all(rules.reason_required(d) for d in (rules.REJECT, rules.NEEDS_EVIDENCE, rules.REVOKE))


def test_next_step_for_every_state() -> None:
    for state in Claim.State.values:
        assert rules.next_step(state)
    assert "number 3 in the queue" in rules.next_step("pending", queue_position=3)
    with pytest.raises(ValueError):
        rules.next_step("lost")
