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
        # Both sides are registrable domains: a department's stored domain is its university's.
        (["example.edu"], ["cs.example.edu"], ("example.edu", "cs.example.edu")),
        (["ox.ac.uk"], ["ac.uk"], None),  # a public suffix is no institution's domain
        (["cs.ox.ac.uk"], ["ox.ac.uk"], ("cs.ox.ac.uk", "ox.ac.uk")),
        (["ox.ac.uk"], ["cam.ac.uk"], None),
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


def test_mailbox_ignores_case_and_plus_tags() -> None:
    assert rules.mailbox("Jane.Doe+x@Uni.EDU") == "jane.doe@uni.edu"
    assert rules.mailbox("jane.doe+a+b@uni.edu.") == rules.mailbox("jane.doe@uni.edu") == "jane.doe@uni.edu"
    assert rules.mailbox("no-at-sign") == rules.mailbox("+tag@uni.edu") == rules.mailbox("x@") == ""


@pytest.mark.parametrize(
    ("email", "institution", "registrable"),
    [
        ("cs.example.edu", "example.edu", "example.edu"),
        ("ox.ac.uk", "ac.uk", ""),  # stored from a homepage at www.ac.uk: shown, never approved
        ("uni.edu", "edu", ""),
        ("ox.ac.uk", "www.ac.uk", None),  # the registrable www.ac.uk is not ox.ac.uk's
        ("badexample.edu", "example.edu", None),
        ("gmail.com", "gmail.com", None),
    ],
)
def test_domain_match_compares_registrable_domains(email: str, institution: str, registrable: str | None) -> None:
    match = rules.domain_match(email, institution)
    assert (None if match is None else match.registrable_domain) == registrable


@pytest.mark.parametrize(
    "local",
    [
        "jane.doe", "jdoe", "doej", "jane_doe", "jane-doe", "janedoe", "doe.jane", "j.doe", "Jane.Doe", "jane.doe+lab",
        "j_doe", "doe_j", "jqdoe", "jane.q.doe",
    ],
)
def test_usual_local_parts_follow_the_name(local: str) -> None:
    assert rules.local_part_name_match(local, ["Jane Q. Doe"]) is not None


@pytest.mark.parametrize(
    ("local", "names"),
    [
        ("zoe.muller", ["Zoë Müller"]),  # folded for accents, with the one name folding
        ("Zoë.Müller", ["Zoe Muller"]),
        ("lukasz.nowak", ["Łukasz Nowak"]),
        ("jean-pierre.dupont", ["Jean-Pierre Dupont"]),
        ("jpdupont", ["Jean-Pierre Dupont"]),
        ("mgarcia", ["María García López"]),
        ("maria.garcia-lopez", ["María García López"]),
        ("ada.lovelace", ["A. Byron", "Ada Lovelace"]),  # an alternative name
        ("jane.doe", ["Doe, Jane"]),
    ],
)
def test_names_are_folded_and_alternatives_count(local: str, names: list[str]) -> None:
    assert rules.local_part_name_match(local, names) is not None


@pytest.mark.parametrize(
    "local",
    ["mallory", "jane", "doe", "jd", "ja.nedoe", "jane..doe", "john.doe", "janedoe.x", "admin", "office.doe"],
)
def test_other_local_parts_do_not_follow_the_name(local: str) -> None:
    assert rules.local_part_name_match(local, ["Jane Doe"]) is None


def test_a_one_word_name_is_matched_by_no_address() -> None:
    assert rules.local_part_name_match("plato", ["Plato"]) is None


@pytest.mark.parametrize(
    ("local", "opaque"), [("ab123", True), ("jane.doe2", True), ("x!y", True), ("jane.doe", False)]
)
def test_opaque_local_parts(local: str, opaque: bool) -> None:
    assert rules.local_part_is_opaque(local) is opaque
    if opaque:
        assert rules.local_part_name_match(local, ["Jane Doe"]) is None


def test_an_institution_is_current_when_last_known_or_recently_listed() -> None:
    def at(**kw) -> rules.RecordInstitution:
        return rules.RecordInstitution(name="U", domains=("u.edu",), **kw)

    assert rules.is_current_institution(at(is_last_known=True, years=(2001,)), 2026)
    assert rules.is_current_institution(at(years=(2019, 2024)), 2026)
    assert not rules.is_current_institution(at(years=(2019, 2023)), 2026)
    assert not rules.is_current_institution(at(), 2026)


UNI = rules.RecordInstitution(name="Uni", domains=("uni.edu",), is_last_known=True)
OLD = rules.RecordInstitution(name="Old College", domains=("old.edu",), years=(2010, 2012))
SUFFIX = rules.RecordInstitution(name="Everyone", domains=("ac.uk",), is_last_known=True)


@pytest.mark.parametrize(
    ("address", "institutions", "codes"),
    [
        ("jane.doe@cs.uni.edu", [UNI], []),
        ("jane.doe@ox.ac.uk", [SUFFIX], [rules.PUBLIC_SUFFIX]),
        ("jane.doe@old.edu", [OLD], [rules.NOT_CURRENT]),
        ("mallory@uni.edu", [UNI], [rules.NAME_MISMATCH]),
        ("ab123@uni.edu", [UNI], [rules.OPAQUE]),
        ("ab123@old.edu", [OLD, UNI], [rules.NOT_CURRENT, rules.OPAQUE]),
        ("jane.doe@else.edu", [UNI], None),  # no domain match: no check at all
    ],
)
def test_email_checks_name_every_broken_condition(
    address: str, institutions: list[rules.RecordInstitution], codes: list[str] | None
) -> None:
    checks = rules.email_checks([address], institutions, ["Jane Doe"], this_year=2026)
    if codes is None:
        assert checks == []
        return
    (check,) = checks
    assert [code for code, _ in check.problems] == codes
    assert check.approvable is (codes == [])
    assert check.as_data()["problems"] == [{"code": c, "text": t} for c, t in check.problems]


def test_a_mailbox_backing_another_claim_is_a_problem_and_the_best_address_wins() -> None:
    checks = rules.email_checks(
        ["jane.doe+second@uni.edu", "jdoe@uni.edu"], [UNI], ["Jane Doe"], this_year=2026
    )
    best = rules.best_email_check(checks, {"jane.doe@uni.edu": [7]})
    assert best is not None and best.address == "jdoe@uni.edu" and best.approvable
    only = rules.best_email_check(checks[:1], {"jane.doe@uni.edu": [7]})
    assert only is not None and only.mailbox == "jane.doe@uni.edu" and only.mailbox_claims == (7,)
    assert [code for code, _ in only.problems] == [rules.MAILBOX_IN_USE]
    assert "claim 7" not in " ".join(text for _, text in only.problems)  # the claimant sees these too


def test_the_problems_are_sentences_with_the_facts() -> None:
    (check,) = rules.email_checks(["ab123@ox.ac.uk"], [SUFFIX], ["Jane Doe"], this_year=2026)
    texts = [text for _, text in check.problems]
    assert texts[0].startswith("ox.ac.uk falls under ac.uk, a public suffix")
    assert texts[1].startswith("The address ab123@ox.ac.uk is not made of a name")
    (old,) = rules.email_checks(["jane.doe@old.edu"], [OLD], ["Jane Doe"], this_year=2026)
    assert "Old College is not one of the record's current institutions" in old.problems[0][1]
    assert "2024 or later" in old.problems[0][1]


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
