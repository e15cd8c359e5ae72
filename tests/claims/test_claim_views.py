"""The claimant's pages with the cast: anonymous, unverified, verified user, claimant, owner, stranger."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from claims.models import Claim, ClaimAuditEvent
from profiles.models import ResearcherAlias
from tests import cast
from tests.cast import EVIDENCE, sign_in_with_orcid, verify
from tests.outbox import run_outbox

pytestmark = pytest.mark.django_db


def _url(record, suffix: str = "claim/") -> str:
    return f"/researchers/{record.openalex_id}/{suffix}"


def _post_claim(client: Client, record, method: str = "evidence", **data):
    payload = {"method": method, "evidence_url": EVIDENCE, "note": "", "confirm": "1", **data}
    return client.post(_url(record), payload)


# --- Anonymous and unverified ------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in_and_back(anonymous: Client, record) -> None:
    for response in (anonymous.get(_url(record)), _post_claim(anonymous, record)):
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next=/researchers/{record.openalex_id}/claim/"
    assert anonymous.get("/claims/")["Location"] == "/accounts/login/?next=/claims/"
    assert not Claim.objects.exists()


def test_unverified_accounts_are_told_to_verify_and_cannot_claim(client: Client, record) -> None:
    unverified = cast.account("unverified")
    EmailAddress.objects.create(user=unverified, email=unverified.email, verified=False)
    client.force_login(unverified)
    page = client.get(_url(record)).content.decode()
    assert "Verify your email address first" in page and "/accounts/email/" in page
    assert "Send my claim to a moderator" not in page
    response = _post_claim(client, record)
    assert response.status_code == 400
    assert "Verify your email address before you claim a record." in response.content.decode()
    assert not Claim.objects.exists()


# --- Claiming ----------------------------------------------------------------------------------


def test_the_claim_page_offers_the_three_ways(client: Client, record, verified_user, django_assert_num_queries) -> None:
    client.force_login(verified_user)
    # 8 (the session and its user are one) + the header's owned record (claims.context_processors)
    with django_assert_num_queries(9):
        page = client.get(_url(record)).content.decode()
    assert "1. Sign in with ORCID" in page and "2. Institutional email" in page and "3. Evidence" in page
    # No ORCID app is configured in tests: the page says so instead of offering a dead button.
    assert "ORCID sign-in is not set up on this server" in page
    assert "None of your verified addresses (example.org) is at example.edu" in page


def test_claiming_with_evidence_shows_the_status_and_what_happens_next(client: Client, record, verified_user) -> None:
    client.force_login(verified_user)
    response = _post_claim(client, record, note="I am <b>Ada</b>.")
    assert response.status_code == 302 and response["Location"] == _url(record)
    claim = Claim.objects.get()
    assert (claim.user, claim.state, claim.evidence_url) == (verified_user, "pending", EVIDENCE)
    assert claim.note == "I am <b>Ada</b>."
    page = client.get(_url(record)).content.decode()
    assert "Your claim is filed and waits for a moderator" in page
    assert "Waiting for a moderator" in page and "number 1 in the queue" in page
    assert "I am &lt;b&gt;Ada&lt;/b&gt;." in page and "<b>Ada</b>" not in page
    assert f"/researchers/{record.openalex_id}/claim/{claim.pk}/withdraw/" in page
    mine = client.get("/claims/").content.decode()
    assert record.name in mine and "Waiting for a moderator" in mine


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"evidence_url": "javascript:alert(document.cookie)"}, "Only web links"),
        ({"evidence_url": "https://me:pw@example.edu/"}, "user name or password"),
        ({"evidence_url": ""}, "Add a link to a public page"),
        ({"evidence_url": "https://example.edu/" + "a" * 600}, "at most 500 characters"),
        ({"note": "x" * 1001}, "at most 1000 characters"),
        ({"confirm": ""}, "Confirm that you are this researcher"),
        ({"method": "telepathy"}, ""),
    ],
)
def test_bad_claims_are_refused_with_the_reason_and_change_nothing(
    client: Client, record, verified_user, data: dict[str, str], error: str
) -> None:
    client.force_login(verified_user)
    response = _post_claim(client, record, **data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Claim.objects.exists() and not ClaimAuditEvent.objects.exists()


def test_a_rejected_evidence_link_is_never_rendered_as_a_link(client: Client, record, verified_user) -> None:
    client.force_login(verified_user)
    page = _post_claim(client, record, evidence_url="javascript:alert(1)").content.decode()
    assert 'href="javascript:' not in page


def test_orcid_sign_in_claims_the_record_at_once(client: Client, record, verified_user) -> None:
    """ORCID sign-in is allauth's; tests cannot reach orcid.org, so the sign-in's result (the
    social account row) is created here and the claim path is tested from there."""
    sign_in_with_orcid(verified_user)
    client.force_login(verified_user)
    page = client.get(_url(record)).content.decode()
    assert "You signed in with ORCID iD <strong>0000-0002-1825-0097</strong>, the iD this record carries" in page
    response = _post_claim(client, record, "orcid", evidence_url="")
    assert response.status_code == 302
    assert Claim.objects.get().state == "approved"
    page = client.get(_url(record)).content.decode()
    assert "Your claim is approved: this record is now yours." in page
    assert f"/researchers/{record.openalex_id}/edit/" in page and "Release this record" in page


def test_with_orcid_configured_the_page_starts_allauths_orcid_sign_in(
    client: Client, record, verified_user, settings
) -> None:
    """ORCID_CLIENT_ID/ORCID_SECRET fill SOCIALACCOUNT_PROVIDERS["orcid"]["APPS"] (settings.py);
    with an app the page offers the sign-in, which allauth sends to orcid.org to authorize."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "orcid": {
            "BASE_DOMAIN": "orcid.org",
            "MEMBER_API": False,
            "APPS": [{"client_id": "APP-TEST", "secret": "s3cret", "key": ""}],
        }
    }
    client.force_login(verified_user)
    page = client.get(_url(record)).content.decode()
    assert "Sign in with ORCID" in page
    action = f"/accounts/orcid/login/?process=connect&amp;next=%2Fresearchers%2F{record.openalex_id}%2Fclaim%2F"
    assert action in page
    response = client.post(action.replace("&amp;", "&"))
    assert response.status_code == 302
    assert response["Location"].startswith("https://orcid.org/oauth/authorize?client_id=APP-TEST&")


def test_the_email_path_is_offered_when_a_verified_address_matches(client: Client, record, verified_user) -> None:
    verify(verified_user, "ada.example@cs.example.edu")
    client.force_login(verified_user)
    page = client.get(_url(record)).content.decode()
    assert "Your verified address at <strong>cs.example.edu</strong> is at example.edu" in page
    assert "so the claim is approved at once" in page
    assert _post_claim(client, record, "email_domain", evidence_url="").status_code == 302
    assert Claim.objects.get().method == "email_domain" and Claim.objects.get().state == "approved"


def test_the_email_path_says_when_a_moderator_checks_the_address(client: Client, record, verified_user) -> None:
    verify(verified_user, "ab123@example.edu")  # an opaque address at the institution
    client.force_login(verified_user)
    page = client.get(_url(record)).content.decode()
    assert "A moderator checks a claim with this address before it is approved" in page
    assert "ab123@example.edu is not made of a name" in page
    _post_claim(client, record, "email_domain", evidence_url="")
    claim = Claim.objects.get()
    assert (claim.method, claim.state, claim.email_mailbox) == ("email_domain", "pending", "ab123@example.edu")
    page = client.get(_url(record)).content.decode()
    assert "Why a moderator checks it" in page and "is not made of a name" in page


def test_claiming_an_owned_record_is_announced_as_a_dispute(client: Client, record, owner, stranger) -> None:
    client.force_login(stranger)
    page = client.get(_url(record)).content.decode()
    assert "This record already has an owner." in page and "opens a dispute" in page
    _post_claim(client, record)
    claim = Claim.objects.get(user=stranger)
    assert claim.is_dispute and claim.state == "pending"
    assert Claim.objects.get(user=owner).state == "approved"


def test_the_rate_limit_is_explained(client: Client, record, verified_user, settings) -> None:
    settings.CLAIMS_PER_DAY = 1
    client.force_login(verified_user)
    claim = Claim.objects.create(user=verified_user, researcher=record, state="withdrawn")
    page = client.get(_url(record)).content.decode()
    assert "Too many claims today" in page
    refused = _post_claim(client, record)
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 86400
    assert "You can file another after" in refused.content.decode()
    assert list(Claim.objects.values_list("pk", flat=True)) == [claim.pk]


def test_a_stranger_opens_two_disputes_a_month_and_the_owner_hears_once_a_day(
    client: Client, record, owner, stranger, mailoutbox
) -> None:
    client.force_login(stranger)
    for _ in range(2):  # dispute, withdraw, dispute again: withdrawn disputes still count
        assert _post_claim(client, record).status_code == 302
        run_outbox()
        dispute = Claim.objects.get(user=stranger, state="pending")
        client.post(_url(record, f"claim/{dispute.pk}/withdraw/"))
    refused = _post_claim(client, record)
    assert refused.status_code == 429 and 29 * 86400 < int(refused["Retry-After"]) <= 30 * 86400
    assert "You have opened 2 disputes in the last 30 days" in refused.content.decode()
    assert "You can dispute a record again after" in refused.content.decode()
    assert Claim.objects.filter(user=stranger).count() == 2
    assert [m.to for m in mailoutbox].count([owner.email]) == 1  # not once per dispute
    opened = ClaimAuditEvent.objects.filter(kind="dispute_opened").order_by("id")
    assert [e.data["owner_emailed"] for e in opened] == [True, False]


def test_a_record_takes_five_disputes_a_month(client: Client, record, owner) -> None:
    for n in range(5):
        client.force_login(cast.stranger(f"rival{n}"))
        assert _post_claim(client, record).status_code == 302
    client.force_login(cast.stranger("rival5"))
    refused = _post_claim(client, record)
    assert refused.status_code == 429
    assert "This record has had 5 disputes in the last 30 days" in refused.content.decode()
    assert Claim.objects.filter(is_dispute=True).count() == 5


def test_legacy_ids_redirect_and_unknown_ids_are_404(client: Client, record, verified_user) -> None:
    ResearcherAlias.objects.create(openalex_id="A123", researcher=record, reason="legacy")
    client.force_login(verified_user)
    response = client.get("/researchers/A123/claim/")
    assert response.status_code == 301 and response["Location"] == _url(record)
    assert client.get("/researchers/A5999999999/claim/").status_code == 404
    assert client.get("/researchers/not-an-id/claim/").status_code == 404


# --- Privacy and forged requests ----------------------------------------------------------------


def test_a_stranger_never_sees_anothers_evidence(client: Client, record, claimant, stranger) -> None:
    claim = claimant.claims.get()
    client.force_login(stranger)
    for url in (_url(record), "/claims/", f"/researchers/{record.openalex_id}/", _url(record, "history/")):
        page = client.get(url).content.decode()
        assert claim.evidence_url not in page and claim.note not in page and claimant.email not in page, url


def test_forged_posts_on_anothers_claim_fail_and_change_nothing(client: Client, record, claimant, stranger) -> None:
    claim = claimant.claims.get()
    Claim.objects.filter(pk=claim.pk).update(state="needs_evidence")
    client.force_login(stranger)
    base = _url(record, f"claim/{claim.pk}/")
    assert client.post(base + "withdraw/").status_code == 404
    assert client.post(base + "release/").status_code == 404
    assert client.post(base + "evidence/", {"evidence_url": "https://evil.example.com/"}).status_code == 404
    claim.refresh_from_db()
    assert (claim.state, claim.evidence_url) == ("needs_evidence", EVIDENCE)
    assert not ClaimAuditEvent.objects.exists()


def test_posts_without_a_csrf_token_are_refused(record, claimant) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(claimant)
    claim = claimant.claims.get()
    assert client.post(_url(record, f"claim/{claim.pk}/withdraw/")).status_code == 403
    assert _post_claim(client, record).status_code == 403
    assert Claim.objects.get().state == "pending" and Claim.objects.count() == 1


def test_get_is_not_allowed_on_actions(client: Client, record, claimant) -> None:
    client.force_login(claimant)
    claim = claimant.claims.get()
    assert client.get(_url(record, f"claim/{claim.pk}/withdraw/")).status_code == 405
    assert Claim.objects.get().state == "pending"


# --- Withdraw and evidence ---------------------------------------------------------------------


def test_the_claimant_withdraws(client: Client, record, claimant) -> None:
    client.force_login(claimant)
    claim = Claim.objects.get()
    response = client.post(_url(record, f"claim/{claim.pk}/withdraw/"), follow=True)
    assert "Your claim is withdrawn." in response.content.decode()
    assert Claim.objects.get().state == "withdrawn"
    assert "3. Evidence" in response.content.decode()  # no dead end: they can claim again


def test_the_claimant_answers_a_request_for_evidence(client: Client, record, claimant, staff) -> None:
    from claims import services as claim_services

    client.force_login(claimant)
    claim = Claim.objects.get()
    claim_services.claim_decide(moderator=staff, claim_id=claim.pk, decision="needs_evidence", reason="email_not_found")
    page = client.get(_url(record)).content.decode()
    assert "Needs more evidence" in page and "Name or email not found on the page" in page
    assert "does not list your name or email address" in page  # the moderator's (template) message
    bad = client.post(_url(record, f"claim/{claim.pk}/evidence/"), {"evidence_url": "data:text/html,x"}, follow=True)
    assert "Only web links" in bad.content.decode()
    good = client.post(_url(record, f"claim/{claim.pk}/evidence/"), {"evidence_url": "https://cs.example.edu/ada"})
    assert good.status_code == 302
    claim.refresh_from_db()
    assert (claim.state, claim.evidence_url) == ("pending", "https://cs.example.edu/ada")
