"""Verification levels L0–L4 (DESIGN §2), derived from plain facts about a record.

Pure: the caller reads the facts (the Researcher row and, once claims exist, the record's
claim) and passes them in; nothing here touches the ORM or the network. Levels are never
typed in: :func:`derive_level` is the only way to get one, and recomputing from the same
facts gives the same :class:`Verification`.

Definitions (each level requires what is stated, checked in this order):

* **L0 Unverified**: no stable identity to check anything against. That is a record
  OpenAlex deleted (``record_status == "deleted"``), or a record whose OpenAlex author id is
  not a current-series id (:func:`is_current_author_id`): an empty or malformed id, or a
  legacy id from before OpenAlex re-assigned every author id in July 2023 that the importer
  could not resolve to a current record (resolved ones become aliases, not researchers).
  An approved claim on such a record does not lift it: there is no stable record to vouch
  for, and the evidence says so.
* **L4 Proven**: an approved claim made through ORCID sign-in (``method == "orcid"``) whose
  signed-in iD equals the record's ORCID iD, and that iD has a valid check digit.
* **L3 Claimed**: any other approved claim: decided by a moderator on evidence, approved
  automatically through a verified email at a domain of one of the record's institutions,
  or an ORCID sign-in claim whose iD no longer matches the record's (OpenAlex changed the
  record since; the claim still stands, the proof does not).
* **L2 Identifier-linked**: OpenAlex links the author id to an ORCID iD whose ISO 7064 check
  digit is valid. For an imported record that is the record's ``orcid``; for a co-author stub
  it is the ``author.orcid`` OpenAlex printed in a co-authored work's authorship (the same
  field, dehydrated), if the importer stored it. An iD that is malformed or fails its check
  digit is ignored, and the evidence says so.
* **L1 Source-matched**: a current-series OpenAlex author id, whether the full record was
  imported or the researcher is a co-author stub seen in imported works (OpenAlex matched the
  byline to that id; that is the check).

Claims: only an approved claim counts. A revoked claim drops the level back to what the
record alone supports (L2/L1) and the evidence mentions the revocation; pending, rejected
and withdrawn claims are ignored (the claim status is shown elsewhere on the page).

Dates: ``established_at`` is the claim's decision date for L3/L4, and for L1/L2 the date the
caller says we last read the record (``record_seen_on``, e.g. the import time); None for L0
and when unknown.

Evidence is a clause starting in lower case with no final full stop ("the OpenAlex record
carries ORCID iD 0000-0002-1825-0097, and its check digit is valid"), so it reads both
after "Verification L2: " and, capitalised, on its own (:attr:`Verification.sentence`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum, StrEnum

from profiles.identifiers import is_author_id, is_current_author_id
from profiles.orcid import normalize_orcid, orcid_checksum_is_valid


class Level(IntEnum):
    UNVERIFIED = 0
    SOURCE_MATCHED = 1
    IDENTIFIER_LINKED = 2
    CLAIMED = 3
    PROVEN = 4

    @property
    def label(self) -> str:
        """The level's name as DESIGN §2 spells it ("Identifier-linked")."""
        return LEVEL_NAMES[self]


LEVEL_NAMES: dict[int, str] = {
    0: "Unverified",
    1: "Source-matched",
    2: "Identifier-linked",
    3: "Claimed",
    4: "Proven",
}


class ClaimState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    REVOKED = "revoked"


class ClaimMethod(StrEnum):
    ORCID = "orcid"  # ORCID sign-in whose iD matched the record's
    EMAIL_DOMAIN = "email_domain"  # verified email at a domain of one of the record's institutions
    EVIDENCE = "evidence"  # a moderator decided on submitted evidence


@dataclass(frozen=True)
class ClaimFacts:
    """What verification needs to know about a record's claim; the claims app supplies it.

    Pass the record's approved claim if it has one; otherwise its most recently revoked
    claim (so the evidence can mention the revocation) or None. ``state`` and ``method``
    take the enum members or their string values. ``orcid`` is the iD the claimant proved
    by signing in (method "orcid"); ``email_domain`` the verified domain (method
    "email_domain"), used only in the evidence sentence; ``by_moderator`` whether a moderator
    approved it (an email claim that did not meet the rule for approval at once).
    """

    state: str
    method: str
    decided_at: date | datetime | None = None
    orcid: str = ""
    email_domain: str = ""
    by_moderator: bool = False


@dataclass(frozen=True)
class Verification:
    level: int
    name: str
    evidence: str
    established_at: date | None

    @property
    def sentence(self) -> str:
        """The evidence as a stand-alone sentence ("The OpenAlex record carries ….")."""
        return self.evidence[:1].upper() + self.evidence[1:] + "."

    @property
    def summary(self) -> str:
        """One line for the explanation: "Verification L2: the OpenAlex record carries …"."""
        return f"Verification L{self.level}: {self.evidence}"


def derive_level(
    *,
    openalex_id: str,
    record_status: str,
    orcid: str,
    claim: ClaimFacts | None = None,
    record_seen_on: date | datetime | None = None,
) -> Verification:
    """The verification level of one record, with its evidence and the date it was established.

    ``openalex_id`` is the short author key; ``record_status`` a Researcher.RecordStatus value
    ("stub", "imported", "deleted"); ``orcid`` the record's ORCID in any form, or "".
    Pure and deterministic; raises ValueError for an unknown record status or claim state.
    """
    if record_status not in _RECORD_STATUSES:
        raise ValueError(f"unknown record status {record_status!r}")
    approved = _approved_claim(claim)

    unstable = _instability(openalex_id, record_status)
    if unstable:
        if approved is not None:
            unstable += "; an approved claim does not count without a stable record"
        return _verification(Level.UNVERIFIED, unstable, None)

    record_orcid = normalize_orcid(orcid)
    orcid_valid = orcid_checksum_is_valid(record_orcid)
    if approved is not None:
        return _claimed(approved, record_orcid if orcid_valid else "")

    is_stub = record_status == "stub"
    clauses = []
    if orcid_valid:
        level = Level.IDENTIFIER_LINKED
        if is_stub:
            clauses.append(
                f"OpenAlex links author {openalex_id} to ORCID iD {record_orcid} on a co-authored "
                "work, and its check digit is valid; the full author record is not imported yet"
            )
        else:
            clauses.append(f"the OpenAlex record carries ORCID iD {record_orcid}, and its check digit is valid")
    else:
        level = Level.SOURCE_MATCHED
        if is_stub:
            clauses.append(
                f"OpenAlex lists this researcher as author {openalex_id} on a co-authored work; "
                "the full author record is not imported yet"
            )
        else:
            clauses.append(f"imported from OpenAlex under the stable author id {openalex_id}")
        clauses.append(_orcid_problem(orcid, record_orcid, is_stub=is_stub))
    if claim is not None and ClaimState(claim.state) is ClaimState.REVOKED:
        clauses.append(f"a claim on this record was revoked{_on(claim.decided_at)}")
    return _verification(level, "; ".join(c for c in clauses if c), record_seen_on)


_RECORD_STATUSES = frozenset({"stub", "imported", "deleted"})


def _approved_claim(claim: ClaimFacts | None) -> ClaimFacts | None:
    if claim is None:
        return None
    ClaimMethod(claim.method)  # fail loudly on a method the rules below do not know
    return claim if ClaimState(claim.state) is ClaimState.APPROVED else None


def _instability(openalex_id: str, record_status: str) -> str:
    """Why the record has no stable identity, or "" if it has one."""
    if record_status == "deleted":
        return f"OpenAlex has deleted author record {openalex_id}"
    if not openalex_id:
        return "no OpenAlex author id; this researcher is known only by name"
    if not is_author_id(openalex_id):
        return f"{openalex_id!r} is not an OpenAlex author id"
    if not is_current_author_id(openalex_id):
        return (
            f"known only under {openalex_id}, an OpenAlex author id from before OpenAlex "
            "re-assigned author ids in July 2023, not yet matched to a current record"
        )
    return ""


def _claimed(claim: ClaimFacts, record_orcid: str) -> Verification:
    """L4 or L3 for an approved claim; ``record_orcid`` is "" unless valid."""
    method = ClaimMethod(claim.method)
    signed_in = normalize_orcid(claim.orcid)
    if method is ClaimMethod.ORCID:
        if record_orcid and signed_in == record_orcid:
            return _verification(
                Level.PROVEN,
                f"the claimant signed in with ORCID iD {signed_in}, the same iD the OpenAlex record carries",
                claim.decided_at,
            )
        record_has = (
            f"the record now carries {record_orcid}"
            if record_orcid
            else "the record no longer carries a valid ORCID iD"
        )
        evidence = f"claim approved through ORCID sign-in as {signed_in or 'an unrecorded iD'}, but {record_has}"
    elif method is ClaimMethod.EMAIL_DOMAIN:
        at = f" at {claim.email_domain}" if claim.email_domain else ""
        how = "by a moderator" if claim.by_moderator else "automatically"
        evidence = (
            f"claim approved {how}: the claimant verified an email address{at}, "
            "a domain of one of the record's institutions"
        )
    else:
        evidence = "claim approved by a moderator on the evidence the claimant submitted"
    return _verification(Level.CLAIMED, evidence, claim.decided_at)


def _orcid_problem(raw: str, normalized: str, *, is_stub: bool) -> str:
    """Why the record has no usable ORCID iD ("" for a stub with none: we hold no record)."""
    if not raw or not raw.strip():
        return "" if is_stub else "the record carries no ORCID iD"
    if not normalized:
        return f"the ORCID value on the record ({raw.strip()!r}) is not an ORCID iD and is ignored"
    return f"the ORCID iD on the record ({normalized}) fails its check digit and is ignored"


def _on(moment: date | datetime | None) -> str:
    day = _as_date(moment)
    return f" on {day.isoformat()}" if day else ""


def _as_date(moment: date | datetime | None) -> date | None:
    # datetime is a subclass of date: take its calendar day in its own time zone.
    return moment.date() if isinstance(moment, datetime) else moment


def _verification(level: Level, evidence: str, moment: date | datetime | None) -> Verification:
    return Verification(level=int(level), name=level.label, evidence=evidence, established_at=_as_date(moment))
