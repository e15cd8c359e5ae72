"""The claim rules that need no database (DESIGN §4): which proofs match a record, what a
valid evidence link is, and what a claimant is told at each step.

Pure: plain strings in, plain values out; no ORM, no network (an evidence link is never
fetched here or on any request path). claims/services.py applies these rules
inside transactions; the templates show the texts.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from profiles.orcid import normalize_orcid, orcid_checksum_is_valid

# --- Limits ------------------------------------------------------------------------------------

CLAIMS_PER_DAY = 3  # claims one account may file in any 24 hours (settings.CLAIMS_PER_DAY)
# Disputes (claims on a record that has an owner or an open claim) wait for a moderator and
# email the owner: bounded per account and per record in any DISPUTE_WINDOW_DAYS, withdrawn
# ones included, and the owner is emailed about at most DISPUTE_EMAILS_PER_OWNER_PER_DAY.
DISPUTE_WINDOW_DAYS = 30
DISPUTES_PER_ACCOUNT = 2
DISPUTES_PER_RECORD = 5
DISPUTE_EMAILS_PER_OWNER_PER_DAY = 1
EVIDENCE_URL_MAX = 500
NOTE_MAX = 1000
MESSAGE_MAX = 2000
BIO_MAX = 600
PREFERRED_NAME_MAX = 200
HIDE_NOTE_MAX = 200

# --- ORCID -------------------------------------------------------------------------------------


class ClaimRefused(Exception):
    """The request breaks a claim rule; ``str(exc)`` is the sentence to show. Nothing changed."""


class ClaimRateLimited(ClaimRefused):
    """The request is over a limit (claims per day, disputes per account or per record);
    ``retry_at`` is when it would be accepted. Nothing changed."""

    def __init__(self, message: str, *, retry_at: datetime) -> None:
        super().__init__(message)
        self.retry_at = retry_at


def window_full_until(times: Iterable[datetime], *, limit: int, window: timedelta, now: datetime) -> datetime | None:
    """When a window of ``window`` that may hold ``limit`` events has room again, given the
    events' ``times``; None when it has room now."""
    recent = sorted(at for at in times if at > now - window)
    if len(recent) < limit:
        return None
    return recent[-limit] + window



def orcid_matches(signed_in: str, record_orcid: str) -> bool:
    """True when the iD the person proved by ORCID sign-in is the record's iD (both valid)."""
    proven, on_record = normalize_orcid(signed_in), normalize_orcid(record_orcid)
    return bool(proven) and proven == on_record and orcid_checksum_is_valid(proven)


# --- Email domains -----------------------------------------------------------------------------

# Mail and hosting services anyone can get an address or a page at. An institution whose
# homepage sits on one of these (a university "homepage" on a social network happens in
# OpenAlex) cannot vouch for its members by domain.
PUBLIC_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "google.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "web.de",
        "mail.com",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "qq.com",
        "163.com",
        "126.com",
        "sina.com",
        "naver.com",
        "zoho.com",
        "fastmail.com",
        "tutanota.com",
        "hey.com",
        "facebook.com",
        "linkedin.com",
        "twitter.com",
        "x.com",
        "github.com",
        "github.io",
        "gitlab.io",
        "sites.google.com",
        "wordpress.com",
        "blogspot.com",
        "wixsite.com",
        "researchgate.net",
        "academia.edu",
        "medium.com",
        "substack.com",
    }
)


def email_domain(address: str) -> str:
    """``Ada@Math.Example.EDU`` -> ``math.example.edu`` ("" when there is no domain)."""
    _, _, domain = (address or "").strip().rpartition("@")
    return domain.lower().rstrip(".") if "@" in (address or "") else ""


def _clean_domain(domain: str) -> str:
    return (domain or "").strip().lower().rstrip(".")


def _is_public(domain: str) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in PUBLIC_DOMAINS)


@dataclass(frozen=True)
class DomainMatch:
    email_domain: str  # the claimant's verified domain ("cs.example.edu")
    institution_domain: str  # the institution's domain it falls under ("example.edu")


def match_email_domain(email_domains: Iterable[str], institution_domains: Iterable[str]) -> DomainMatch | None:
    """The first (in sorted order) verified email domain that equals, or is a subdomain of,
    one of the record's institution domains; None when none does.

    Public mail and hosting domains never match, on either side, and a domain must have at
    least two labels: ``edu`` alone would make every ``.edu`` address match.
    """
    institutions = sorted({d for d in map(_clean_domain, institution_domains) if "." in d and not _is_public(d)})
    for domain in sorted({d for d in map(_clean_domain, email_domains) if d and not _is_public(d)}):
        for institution in institutions:
            if domain == institution or domain.endswith("." + institution):
                return DomainMatch(domain, institution)
    return None


# --- Evidence links ----------------------------------------------------------------------------

_CONTROL_OR_SPACE = re.compile(r"[\x00-\x20\x7f]")
_LOCAL_SUFFIXES = (".local", ".localhost", ".internal", ".lan", ".home", ".corp", ".test", ".invalid")


def evidence_url_problem(url: str) -> str:
    """Why ``url`` cannot be evidence ("" when it can). The link must be an absolute http(s)
    address of a public page on a named host: no other scheme (``javascript:``, ``data:``,
    ``file:``), no user name or password, no IP address or local host name, at most
    EVIDENCE_URL_MAX characters. The link is only checked for shape, never opened."""
    if not url:
        return "Add a link to a public page that lists you and your institution."
    if len(url) > EVIDENCE_URL_MAX:
        return f"This link is too long (at most {EVIDENCE_URL_MAX} characters)."
    if _CONTROL_OR_SPACE.search(url):
        return "A link cannot contain spaces or control characters."
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 (raises ValueError for a malformed port)
    except ValueError:
        return "This is not a valid web address."
    if parts.scheme.lower() not in ("http", "https"):
        return "Only web links (starting with https:// or http://) can be evidence."
    if parts.username is not None or parts.password is not None:
        return "Remove the user name or password from the link: evidence must be a public page."
    if not host:
        return "This link has no host name."
    if _is_ip(host):
        return "Link to the page by its host name (example.edu), not by an IP address."
    if "." not in host or host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        return "Link to a public page on the web, not a local or private host."
    return ""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


# Hosts where people write their own pages: such a page cannot show that an institution
# lists the claimant (OpenAlex rejects them as "self_made"). A hint for moderators only.
SELF_MADE_HOSTS = frozenset(
    {
        "linkedin.com",
        "researchgate.net",
        "academia.edu",
        "github.com",
        "github.io",
        "gitlab.io",
        "sites.google.com",
        "wordpress.com",
        "blogspot.com",
        "wixsite.com",
        "medium.com",
        "substack.com",
        "twitter.com",
        "x.com",
        "facebook.com",
        "about.me",
        "notion.site",
    }
)


def evidence_hints(url: str, institution_domains: Iterable[str]) -> list[str]:
    """Facts a moderator should see about an evidence link (whose host, which domain), never
    a verdict. Empty for an empty link."""
    host = _clean_domain(urlsplit(url).hostname or "") if url else ""
    if not host:
        return []
    hints = []
    match = match_email_domain([host], institution_domains)
    if match:
        hints.append(
            f"The page is on {host}, a domain of one of the record's institutions ({match.institution_domain})."
        )
    else:
        hints.append(f"The page is on {host}, which is not a domain of any of the record's institutions.")
    if any(host == d or host.endswith("." + d) for d in SELF_MADE_HOSTS):
        hints.append(f"{host} hosts pages people write themselves: check that an institution maintains this one.")
    if url.lower().startswith("http://"):
        hints.append("The link is plain http, not https.")
    return hints


# --- Decisions and what the claimant is told ----------------------------------------------------

APPROVE, REJECT, NEEDS_EVIDENCE, REVOKE = "approve", "reject", "needs_evidence", "revoke"
DECISIONS = (APPROVE, REJECT, NEEDS_EVIDENCE)

REASON_LABELS: dict[str, str] = {
    "no_evidence": "No evidence",
    "evidence_unreachable": "Evidence page unreachable",
    "email_not_found": "Name or email not found on the page",
    "self_made_page": "Self-made page",
    "impersonation": "Impersonation",
    "duplicate_claim": "Duplicate claim",
    "other": "Other",
}
# Findings that count against the records the claimant owns (trust penalty, DESIGN §3).
FINDING_REASONS = frozenset({"impersonation"})

_WHY: dict[str, str] = {
    "no_evidence": "the claim came without evidence that links you to this record",
    "evidence_unreachable": "the page you linked could not be opened",
    "email_not_found": "the page you linked does not list your name or email address together with the institution",
    "self_made_page": (
        "the page you linked is one you can edit yourself (a personal site or a social profile), so it cannot "
        "show that an institution lists you"
    ),
    "impersonation": "the evidence indicates that this record belongs to someone else",
    "duplicate_claim": "it duplicates another claim on this record",
    "other": "of the reason below",
}

_WHAT_HELPS = (
    "A link to a page your institution, a publisher or a funder maintains (a staff directory, a department "
    "page, a conference programme) that lists your name and the institution helps most."
)


def default_message(decision: str, reason: str, *, record: str) -> str:
    """The templated message for a decision, which the moderator may edit before sending.
    ``record`` is how the record is named ("Ada Lovelace (A5000000001)")."""
    why = _WHY.get(reason, "")
    if decision == APPROVE:
        return (
            f"Your claim on {record} was approved. The profile now shows it as claimed, and you can write "
            "your own bio, set your preferred name and whether you are open to collaborate, and hide works "
            "that are not yours."
        )
    if decision == NEEDS_EVIDENCE:
        because = f" because {why}" if why else ""
        return (
            f"Your claim on {record} needs more evidence before it can be approved{because}. {_WHAT_HELPS} "
            "Add the link on your claim page; the claim keeps its place in the queue."
        )
    if decision == REJECT:
        because = f" because {why}" if why else ""
        return (
            f"Your claim on {record} was not approved{because}. You can file a new claim with different "
            f"evidence. {_WHAT_HELPS}"
        )
    if decision == REVOKE:
        because = f" because {why}" if why else ""
        return (
            f"Your claim on {record} was revoked{because}. The record is unclaimed again and your changes to "
            "it no longer show as the owner's. You can file a new claim with evidence."
        )
    raise ValueError(f"unknown decision {decision!r}")


def reason_required(decision: str) -> bool:
    """Rejections, requests for evidence and revocations carry a coded reason; approvals may."""
    return decision in (REJECT, NEEDS_EVIDENCE, REVOKE)


def next_step(state: str, *, queue_position: int | None = None) -> str:
    """What happens next, told to the claimant for a claim in ``state``."""
    if state == "pending":
        place = f" Your claim is number {queue_position} in the queue." if queue_position else ""
        return (
            f"A moderator will review your evidence.{place} We email you when it is decided. "
            "You can withdraw the claim at any time."
        )
    if state == "needs_evidence":
        return (
            "A moderator asked for more evidence (see the message). Add a link below and the claim goes back "
            "to the moderators at its original place in the queue, or withdraw it."
        )
    if state == "approved":
        return "This record is yours. You can edit your profile, and release the record at any time."
    if state == "rejected":
        return "This claim was not approved. You can file a new claim with different evidence."
    if state == "withdrawn":
        return "You withdrew this claim. You can file a new one at any time."
    if state == "revoked":
        return "A moderator revoked this claim. You can file a new claim with evidence."
    raise ValueError(f"unknown claim state {state!r}")
