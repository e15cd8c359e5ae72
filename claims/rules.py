"""The claim rules that need no database (DESIGN §4): which proofs match a record, what a
valid evidence link is, and what a claimant is told at each step.

Pure: plain strings in, plain values out; no ORM, no network (an evidence link is never
fetched here or on any request path). claims/services.py applies these rules
inside transactions; the templates show the texts.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from profiles.domains import clean_host, is_ip_address, registrable_domain
from profiles.names import fold
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


# Mail services anyone can get an address at.
MAIL_HOSTS = frozenset(
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
    }
)


# Mail and hosting services anyone can get an address or a page at. An institution whose
# homepage sits on one of these (a university "homepage" on a social network happens in
# OpenAlex) cannot vouch for its members by domain.
PUBLIC_DOMAINS = MAIL_HOSTS | SELF_MADE_HOSTS


def email_domain(address: str) -> str:
    """``Ada@Math.Example.EDU`` -> ``math.example.edu`` ("" when there is no domain)."""
    _, _, domain = (address or "").strip().rpartition("@")
    return clean_host(domain) if "@" in (address or "") else ""


def mailbox(address: str) -> str:
    """The mailbox an address delivers to, as claims compare them: lower case, the local
    part's ``+tag`` dropped (``Jane.Doe+x@Uni.EDU`` -> ``jane.doe@uni.edu``), so that one
    mailbox cannot back two claims under two tags. "" for something that is not an address."""
    local, at, domain = (address or "").strip().rpartition("@")
    local = local.split("+", 1)[0].lower()
    domain = clean_host(domain)
    return f"{local}@{domain}" if at and local and domain else ""


def _is_public(domain: str) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in PUBLIC_DOMAINS)


@dataclass(frozen=True)
class DomainMatch:
    email_domain: str  # the claimant's verified domain ("cs.example.edu")
    institution_domain: str  # the institution's domain it falls under, as stored ("example.edu")
    # The registrable domain (Public Suffix List) both belong to; "" when the institution's
    # domain is itself a public suffix ("ac.uk"): such a match never approves anything.
    registrable_domain: str


def domain_match(email_domain: str, institution_domain: str) -> DomainMatch | None:
    """Whether an address at ``email_domain`` is at the institution of ``institution_domain``.

    Both sides are compared as registrable domains (profiles.domains): ``cs.example.edu``
    is at ``example.edu``, ``badexample.edu`` and ``example.edu.evil.com`` are not. When the
    institution's domain is a public suffix or a bare label (``ac.uk``, ``edu``: stored from a
    homepage such as ``www.ac.uk`` before domains were registrable), an address under it is
    returned as a match with an empty ``registrable_domain``, for a moderator to see; it never
    approves a claim. Public mail and hosting domains (PUBLIC_DOMAINS) never match at all.
    """
    email, institution = clean_host(email_domain), clean_host(institution_domain)
    if not email or not institution or _is_public(email) or _is_public(institution):
        return None
    shared = registrable_domain(institution)
    if shared:
        return DomainMatch(email, institution, shared) if registrable_domain(email) == shared else None
    if email == institution or email.endswith("." + institution):
        return DomainMatch(email, institution, "")
    return None


def match_email_domain(email_domains: Iterable[str], institution_domains: Iterable[str]) -> DomainMatch | None:
    """The first (in sorted order) email domain that belongs to the registrable domain of one
    of the record's institution domains; None when none does. Matches at a public suffix do
    not count here (see :func:`domain_match`)."""
    institutions = sorted(set(map(clean_host, institution_domains)))
    for domain in sorted(set(map(clean_host, email_domains))):
        for institution in institutions:
            match = domain_match(domain, institution)
            if match is not None and match.registrable_domain:
                return match
    return None


# --- The local part of an address against the record's names ---------------------------------

# A local part made of a name: letters, with single . _ or - between them.
_NAME_SHAPED = re.compile(r"[a-z]+(?:[._-][a-z]+)*")
_SEPARATORS = re.compile(r"[._-]")
_NOT_A_LETTER = re.compile(r"[^a-z]")


@dataclass(frozen=True)
class NameMatch:
    name: str  # the record's name (display name or an alternative) the local part follows
    pattern: str  # how: "given.family", "initial.family", "family.initial", "family.given", ...


def _name_words(name: str) -> list[list[str]]:
    """The folded words of a name, each as its hyphen-separated pieces of letters:
    ``Jean-Pierre O'Neil`` -> ``[["jean", "pierre"], ["oneil"]]``; ``Doe, Jane`` is read as
    ``Jane Doe``. Letters outside a-z after folding (other scripts) are dropped."""
    folded = fold(name or "")
    if folded.count(",") == 1:
        family, given = folded.split(",")
        folded = f"{given} {family}"
    words = []
    for raw in folded.split():
        pieces = [_NOT_A_LETTER.sub("", piece) for piece in raw.split("-")]
        pieces = [piece for piece in pieces if piece]
        if pieces:
            words.append(pieces)
    return words


def _is_initial(word: list[str]) -> bool:
    return len(word) == 1 and len(word[0]) == 1


def _name_shapes(words: list[list[str]]) -> Iterator[tuple[str, list[str]]]:
    """(pattern, pieces) of the usual addresses for a name: the given name (its first word)
    or its initials, any run of the later words as the family name, in either order, with
    middle initials between. The local part may put a separator only between two pieces."""
    if len(words) < 2:
        return  # one word is no given name and family name to compare with
    given = words[0]
    initials = {(given[0][0],), tuple(piece[0] for piece in given)}
    for start in range(1, len(words)):
        if _is_initial(words[start]):
            continue  # a family name never starts at a middle initial ("Jane Q. Doe")
        for end in range(start + 1, len(words) + 1):
            family = [piece for word in words[start:end] for piece in word]
            if len("".join(family)) < 2:
                continue
            middle = [word[0][0] for word in words[1:start]]
            yield "given.family", [*given, *family]
            yield "family.given", [*family, *given]
            if middle:
                yield "given.middle.family", [*given, *middle, *family]
                yield "given.family", [piece for word in words[:start] for piece in word] + family
            for initial in initials:
                yield "initial.family", [*initial, *family]
                yield "family.initial", [*family, *initial]
                if middle:
                    yield "initial.family", [*initial, *middle, *family]


def _follows(local: str, pieces: list[str]) -> bool:
    """``local`` spells ``pieces`` in order, with separators only where one piece ends."""
    parts = _SEPARATORS.split(local)
    if "".join(parts) != "".join(pieces):
        return False
    cuts = set(itertools.accumulate(len(piece) for piece in pieces))
    position = 0
    for part in parts[:-1]:
        position += len(part)
        if position not in cuts:
            return False
    return True


def fold_local_part(local: str) -> str:
    """A local part as it is compared with names: folded like names (profiles.names.fold:
    case and accents), without its ``+tag``."""
    return fold((local or "").split("+", 1)[0]).strip()


def local_part_is_opaque(local: str) -> bool:
    """True when the local part is not made of a name at all (``ab123``, ``x.1``, ``*``):
    only letters with single ``.``, ``_`` or ``-`` between them can spell a name."""
    return _NAME_SHAPED.fullmatch(fold_local_part(local)) is None


def local_part_name_match(local: str, names: Iterable[str]) -> NameMatch | None:
    """The first of ``names`` (the record's display name, then its alternatives) that the
    local part follows in a usual pattern: ``jane.doe``, ``jane_doe``, ``jane-doe``,
    ``janedoe``, ``doe.jane``, ``jdoe``, ``j.doe``, ``doej``, ``jqdoe``; compared folded for
    case and accents (``Zoë.Müller`` follows "Zoe Muller"). None when it follows none, and
    for an opaque local part."""
    folded = fold_local_part(local)
    if _NAME_SHAPED.fullmatch(folded) is None:
        return None
    for name in names:
        for pattern, pieces in _name_shapes(_name_words(name)):
            if _follows(folded, pieces):
                return NameMatch(name=name, pattern=pattern)
    return None


# --- The institutional email rule (DESIGN §4) ----------------------------------------------------

# An affiliation counts as current when it is the last known one, or has a year no more than
# this many calendar years before the current one (OpenAlex's years lag publication).
CURRENT_YEARS = 2


@dataclass(frozen=True)
class RecordInstitution:
    """One institution of the record, as the email rule needs it."""

    name: str
    domains: tuple[str, ...]
    is_last_known: bool = False
    years: tuple[int, ...] = ()


def is_current_institution(institution: RecordInstitution, this_year: int) -> bool:
    """Last known, or an affiliation year within the last CURRENT_YEARS years."""
    return institution.is_last_known or any(year >= this_year - CURRENT_YEARS for year in institution.years)


# Why a domain match is not approved at once: a code (kept on the claim) and a sentence.
PUBLIC_SUFFIX, NOT_CURRENT, OPAQUE, NAME_MISMATCH, MAILBOX_IN_USE = (
    "public_suffix",
    "not_current",
    "opaque_address",
    "name_mismatch",
    "mailbox_in_use",
)


@dataclass(frozen=True)
class EmailCheck:
    """One verified address measured against the rule for approval at once (L3): its domain
    matches an institution of the record and

    * that institution's domain is registrable (Public Suffix List), not a public suffix;
    * the institution is current (:func:`is_current_institution`);
    * the local part follows the record's name or an alternative (:func:`local_part_name_match`);
    * the mailbox (``+tags`` ignored) backs no other approved or open claim.

    ``problems`` names each condition that fails; none means the address proves the claim.
    """

    address: str  # the verified address, as the account holds it
    mailbox: str  # :func:`mailbox` of it, what the claim records
    match: DomainMatch
    institution: str  # the matched institution's name
    institution_current: bool
    since_year: int  # affiliation years from this one on count as current
    record_name: str  # the record's display name, for the sentences
    name_match: NameMatch | None
    opaque: bool
    mailbox_claims: tuple[int, ...] = ()  # other approved or open claims backed by the mailbox

    @property
    def email_domain(self) -> str:
        return self.match.email_domain

    @property
    def institution_domain(self) -> str:
        return self.match.institution_domain

    @property
    def local_part(self) -> str:
        return self.mailbox.rpartition("@")[0]

    @property
    def problems(self) -> list[tuple[str, str]]:
        """(code, sentence) for every condition that fails, in the order of the rule. The
        sentences name no other claim: the claimant sees them too."""
        found = []
        if not self.match.registrable_domain:
            found.append(
                (
                    PUBLIC_SUFFIX,
                    f"{self.email_domain} falls under {self.institution_domain}, a public suffix under which anyone "
                    "can register a domain (Public Suffix List), not the domain of one institution.",
                )
            )
        if not self.institution_current:
            found.append(
                (
                    NOT_CURRENT,
                    f"{self.institution} is not one of the record's current institutions: it is not the last known "
                    f"one and no affiliation year is {self.since_year} or later.",
                )
            )
        if self.opaque:
            found.append(
                (
                    OPAQUE,
                    f"The address {self.local_part}@{self.email_domain} is not made of a name (letters with . _ or -), "
                    "so it cannot show whose it is.",
                )
            )
        elif self.name_match is None:
            found.append(
                (
                    NAME_MISMATCH,
                    f"The address {self.local_part}@{self.email_domain} does not follow the record's name "
                    f"({self.record_name}) or its alternatives in a usual pattern (jane.doe, jdoe, doej, jane_doe).",
                )
            )
        if self.mailbox_claims:
            found.append(
                (
                    MAILBOX_IN_USE,
                    f"The mailbox {self.mailbox} (+tags ignored) already backs another claim that is approved or "
                    "waiting for a decision.",
                )
            )
        return found

    @property
    def approvable(self) -> bool:
        return not self.problems

    def as_data(self) -> dict[str, Any]:
        """What the claim keeps of the check (Claim.email_check) and moderators see."""
        return {
            "address": self.address,
            "mailbox": self.mailbox,
            "email_domain": self.email_domain,
            "institution": self.institution,
            "institution_domain": self.institution_domain,
            "registrable_domain": self.match.registrable_domain,
            "institution_current": self.institution_current,
            "name": self.name_match.name if self.name_match else "",
            "name_pattern": self.name_match.pattern if self.name_match else "",
            "mailbox_claims": list(self.mailbox_claims),
            "problems": [{"code": code, "text": text} for code, text in self.problems],
        }


def email_checks(
    addresses: Iterable[str],
    institutions: Iterable[RecordInstitution],
    names: list[str],
    *,
    this_year: int,
) -> list[EmailCheck]:
    """An :class:`EmailCheck` for each of ``addresses`` (the account's verified ones) whose
    domain matches one of ``institutions``, against the institution it fits best (fewest
    problems); sorted by address. ``names`` are the record's display name and alternatives,
    display name first. Whether a mailbox backs other claims is added by
    :func:`best_email_check`."""
    institutions = list(institutions)
    checks = []
    for address in sorted(set(addresses)):
        box = mailbox(address)
        if not box:
            continue
        local, _, domain = box.rpartition("@")
        opaque = local_part_is_opaque(local)
        name_match = None if opaque else local_part_name_match(local, names)
        candidates = []
        for institution in institutions:
            for institution_domain in institution.domains:
                match = domain_match(domain, institution_domain)
                if match is None:
                    continue
                candidates.append(
                    EmailCheck(
                        address=address,
                        mailbox=box,
                        match=match,
                        institution=institution.name,
                        institution_current=is_current_institution(institution, this_year),
                        since_year=this_year - CURRENT_YEARS,
                        record_name=names[0] if names else "",
                        name_match=name_match,
                        opaque=opaque,
                    )
                )
        if candidates:
            checks.append(min(candidates, key=lambda c: (len(c.problems), c.institution, c.institution_domain)))
    return checks


def best_email_check(
    checks: Iterable[EmailCheck], mailbox_claims: Mapping[str, Iterable[int]] | None = None
) -> EmailCheck | None:
    """The check a claim by email uses: one that proves the claim if any does, else the one
    with the fewest problems (then by address). ``mailbox_claims`` maps a mailbox to the other
    approved or open claims it backs."""
    mailbox_claims = mailbox_claims or {}
    completed = [
        replace(check, mailbox_claims=tuple(sorted(mailbox_claims.get(check.mailbox, ())))) for check in checks
    ]
    return min(completed, key=lambda c: (len(c.problems), c.address), default=None)


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
    if is_ip_address(host):
        return "Link to the page by its host name (example.edu), not by an IP address."
    if "." not in host or host == "localhost" or host.endswith(_LOCAL_SUFFIXES):
        return "Link to a public page on the web, not a local or private host."
    return ""




def evidence_hints(url: str, institution_domains: Iterable[str]) -> list[str]:
    """Facts a moderator should see about an evidence link (whose host, which domain), never
    a verdict. Empty for an empty link."""
    host = clean_host(urlsplit(url).hostname or "") if url else ""
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
