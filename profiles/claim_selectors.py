"""Reads of the claim flow, the owner's edit page and moderation. Fixed query counts (each
docstring says how many); templates get everything from here and never query.

Privacy: a claimant's evidence, note and account details are read only by the claimant's
own views and by moderation views (staff); public readers get the claim's state and dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from profiles import claim_rules as rules
from profiles import claim_services as services
from profiles.models import Claim, ClaimAuditEvent, ProfileCorrection, Researcher, ResearcherAffiliation
from works.models import Authorship, HiddenWork, Work

State = Claim.State
HISTORY_SHORT = 5


# --- Public: the identity section and the correction history -----------------------------------


@dataclass
class IdentitySection:
    """What the profile's "Identity and collaboration" section shows about claims."""

    owner_claim: Claim | None  # the record's approved claim (state and dates only are public)
    viewer_claim: Claim | None  # the viewer's latest claim on this record
    viewer_is_owner: bool
    history: list[ProfileCorrection]  # newest first, at most HISTORY_SHORT
    history_more: bool
    has_open_claims: bool  # someone has a claim waiting on this record

    @property
    def is_claimed(self) -> bool:
        return self.owner_claim is not None


def _with_work_title(qs: QuerySet[ProfileCorrection]) -> QuerySet[ProfileCorrection]:
    return qs.annotate(
        work_title=Subquery(Work.objects.filter(pk=OuterRef("work_id")).values("title")[:1]),
        work_openalex_id=Subquery(Work.objects.filter(pk=OuterRef("work_id")).values("openalex_id")[:1]),
    )


def identity_section(researcher: Researcher, user: AbstractBaseUser | AnonymousUser) -> IdentitySection:
    """2 queries: the record's approved and open claims plus the viewer's claims on it, and
    the last corrections with their works' titles."""
    viewer_id = user.pk if user.is_authenticated else None
    condition = Q(state__in=[State.APPROVED, *Claim.OPEN_STATES])
    if viewer_id is not None:
        condition |= Q(user_id=viewer_id)
    claims = list(
        Claim.objects.filter(condition, researcher=researcher)
        .only("id", "user_id", "researcher_id", "state", "method", "decided_at", "created_at", "reason", "is_dispute")
        .order_by("-created_at", "-id")
    )
    owner = next((c for c in claims if c.state == State.APPROVED), None)
    mine = next((c for c in claims if c.user_id == viewer_id), None) if viewer_id else None
    history = list(
        _with_work_title(ProfileCorrection.objects.filter(researcher=researcher)).order_by("-created_at", "-id")[
            : HISTORY_SHORT + 1
        ]
    )
    return IdentitySection(
        owner_claim=owner,
        viewer_claim=mine,
        viewer_is_owner=owner is not None and owner.user_id == viewer_id,
        history=history[:HISTORY_SHORT],
        history_more=len(history) > HISTORY_SHORT,
        has_open_claims=any(c.is_open for c in claims),
    )


def correction_history(researcher: Researcher) -> list[ProfileCorrection]:
    """Every correction of the record, newest first. 1 query."""
    return list(
        _with_work_title(ProfileCorrection.objects.filter(researcher=researcher)).order_by("-created_at", "-id")
    )


# --- The claimant ------------------------------------------------------------------------------


@dataclass
class ClaimPage:
    researcher: Researcher
    claims: list[Claim]  # the viewer's claims on this record, newest first
    current: Claim | None  # the latest of them, if open or approved
    verified: bool
    orcid_match: str
    signed_in_orcids: list[str]
    orcid_configured: bool
    email_match: rules.DomainMatch | None
    email_domains: list[str]
    institution_domains: list[str]
    record_owned: bool
    record_has_open_claims: bool
    open_elsewhere: Claim | None
    owned_elsewhere: Claim | None
    claims_left_today: int
    queue_position: int | None

    @property
    def is_dispute(self) -> bool:
        return self.record_owned or self.record_has_open_claims

    @property
    def can_claim(self) -> bool:
        return self.verified and self.current is None and self.open_elsewhere is None and self.claims_left_today > 0

    @property
    def next_step(self) -> str:
        if self.current is None:
            return ""
        return rules.next_step(self.current.state, queue_position=self.queue_position)


def orcid_configured() -> bool:
    """ORCID sign-in works on this server: the provider has an app (settings or database)."""
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("orcid", {}).get("APPS") or []
    return bool(apps) or SocialApp.objects.filter(provider="orcid").exists()


def claim_page(user: AbstractBaseUser, researcher: Researcher) -> ClaimPage:
    """The claim page of ``researcher`` for signed-in ``user``: 6 queries (7 when the ORCID
    app is not in settings, 8 with a pending claim: its queue position)."""
    mine = list(Claim.objects.filter(user_id=user.pk).select_related("researcher").order_by("-created_at", "-id"))
    here = [c for c in mine if c.researcher_id == researcher.pk]
    current = next((c for c in here if c.is_open or c.state == State.APPROVED), None)
    others = Claim.objects.filter(researcher=researcher).exclude(user_id=user.pk)
    rivals = set(others.filter(state__in=[State.APPROVED, *Claim.OPEN_STATES]).values_list("state", flat=True))
    emails = services.verified_email_domains(user.pk)
    record_domains = services.institution_domains(researcher.pk)
    proofs = services.proofs_for(user.pk, researcher, email_domains=emails, record_domains=record_domains)
    recent = sum(1 for c in mine if c.created_at >= _day_ago())
    return ClaimPage(
        researcher=researcher,
        claims=here,
        current=current,
        verified=bool(emails),
        orcid_match=proofs.orcid,
        signed_in_orcids=proofs.signed_in_orcids,
        orcid_configured=orcid_configured(),
        email_match=proofs.email,
        email_domains=emails,
        institution_domains=record_domains,
        record_owned=State.APPROVED in rivals,
        record_has_open_claims=bool(rivals - {State.APPROVED}),
        open_elsewhere=next((c for c in mine if c.is_open and c.researcher_id != researcher.pk), None),
        owned_elsewhere=next((c for c in mine if c.state == State.APPROVED and c.researcher_id != researcher.pk), None),
        claims_left_today=max(0, services.claims_per_day() - recent),
        queue_position=queue_position(current) if current is not None and current.state == State.PENDING else None,
    )


def _day_ago() -> datetime:
    return timezone.now() - timedelta(days=1)


def queue_position(claim: Claim) -> int:
    """1-based place of a pending claim in the moderators' queue (oldest first). 1 query."""
    return Claim.objects.filter(state=State.PENDING, created_at__lt=claim.created_at).count() + 1


def my_claims(user: AbstractBaseUser) -> list[Claim]:
    """Every claim the account filed, newest first, with its record. 1 query."""
    return list(Claim.objects.filter(user_id=user.pk).select_related("researcher").order_by("-created_at", "-id"))


# --- The owner's edit page ---------------------------------------------------------------------


@dataclass
class OwnerWorks:
    works: list[Work]  # shown works, newest first (a page)
    hidden: list[HiddenWork]
    total: int


def owner_works(researcher: Researcher, *, limit: int = 200) -> OwnerWorks:
    """The record's works with what is hidden. 3 queries."""
    from profiles.selectors import researcher_works  # PROFILE's one definition of "their works"

    shown = list(researcher_works(researcher).select_related("source")[:limit])
    hidden = list(HiddenWork.objects.filter(researcher=researcher).select_related("work").order_by("-created_at"))
    total = Authorship.objects.filter(researcher=researcher).values("work_id").distinct().count()
    return OwnerWorks(works=shown, hidden=hidden, total=total)


# --- Moderation --------------------------------------------------------------------------------

QUEUES = {
    "open": ("Waiting for a decision", [State.PENDING]),
    "needs_evidence": ("Waiting for the claimant", [State.NEEDS_EVIDENCE]),
    "approved": ("Approved (owners)", [State.APPROVED]),
    "closed": ("Rejected, withdrawn, revoked", [State.REJECTED, State.WITHDRAWN, State.REVOKED]),
}


@dataclass
class QueueRow:
    claim: Claim
    disputed: bool  # a dispute, or another open/approved claim on the same record


@dataclass
class ModerationQueue:
    show: str
    rows: list[QueueRow]
    counts: dict[str, int]

    @property
    def tabs(self) -> list[tuple[str, str, int]]:
        """(key, label, claims) for each queue, in display order."""
        return [(key, label, self.counts[key]) for key, (label, _) in QUEUES.items()]


def moderation_queue(show: str = "open", *, limit: int = 200) -> ModerationQueue:
    """Claims of one queue, oldest first for open work (newest first for closed), each with
    its record and claimant, disputes flagged. 2 queries."""
    if show not in QUEUES:
        show = "open"
    states = QUEUES[show][1]
    rivals = Claim.objects.filter(
        researcher_id=OuterRef("researcher_id"), state__in=[State.APPROVED, *Claim.OPEN_STATES]
    ).exclude(pk=OuterRef("pk"))
    order = ("created_at", "id") if show in ("open", "needs_evidence") else ("-updated_at", "-id")
    claims = list(
        Claim.objects.filter(state__in=states)
        .select_related("researcher", "user")
        .annotate(rival_count=_count(rivals))
        .order_by(*order)[:limit]
    )
    counts = dict.fromkeys(QUEUES, 0)
    state_counts = dict(Claim.objects.values_list("state").annotate(n=Count("id")).order_by())
    for key, (_, key_states) in QUEUES.items():
        counts[key] = sum(state_counts.get(s, 0) for s in key_states)
    rows = [QueueRow(c, c.is_dispute or bool(c.rival_count)) for c in claims]  # type: ignore[attr-defined]
    return ModerationQueue(show=show, rows=rows, counts=counts)


def _count(qs: QuerySet[Any]) -> Any:
    from profiles.selectors import count_of

    return count_of(qs)


@dataclass
class ClaimantHistory:
    joined: Any
    last_login: Any
    email_domains: list[tuple[str, bool]]  # (domain, verified), never the address
    claims: list[Claim]  # every other claim of the account
    findings: int  # impersonation findings against the account
    orcids: list[str]


@dataclass
class ModerationClaim:
    claim: Claim
    researcher: Researcher
    institutions: list[ResearcherAffiliation]
    institution_domains: list[str]
    works_count: int
    rivals: list[Claim]  # other claims on the record
    claimant: ClaimantHistory
    events: list[ClaimAuditEvent]
    hints: list[str]
    queue_position: int | None

    @property
    def disputed(self) -> bool:
        return self.claim.is_dispute or any(r.is_open or r.state == State.APPROVED for r in self.rivals)


def moderation_claim(claim_id: int) -> ModerationClaim:
    """A claim beside its record, its evidence and the claimant's history, with its log.
    8 queries. Raises Claim.DoesNotExist."""
    claim = Claim.objects.select_related("researcher", "user", "decided_by").get(pk=claim_id)
    researcher = claim.researcher
    affiliations = list(
        ResearcherAffiliation.objects.filter(researcher=researcher)
        .select_related("institution")
        .order_by("-is_last_known", "institution__display_name")
    )
    domains = sorted({d for a in affiliations for d in a.institution.email_domains})
    works_count = Authorship.objects.filter(researcher=researcher).values("work_id").distinct().count()
    rivals = list(
        Claim.objects.filter(researcher=researcher).exclude(pk=claim.pk).select_related("user").order_by("-created_at")
    )
    user = claim.user
    emails = list(EmailAddress.objects.filter(user_id=user.pk).values_list("email", "verified"))
    others = list(
        Claim.objects.filter(user_id=user.pk).exclude(pk=claim.pk).select_related("researcher").order_by("-created_at")
    )
    events = list(ClaimAuditEvent.objects.filter(claim_id=claim.pk).order_by("created_at", "id"))
    history = ClaimantHistory(
        joined=user.date_joined,
        last_login=user.last_login,
        email_domains=sorted({(rules.email_domain(e), v) for e, v in emails}),
        claims=others,
        findings=sum(1 for c in [claim, *others] if c.reason in rules.FINDING_REASONS),
        orcids=services.orcid_ids(user.pk),
    )
    return ModerationClaim(
        claim=claim,
        researcher=researcher,
        institutions=affiliations,
        institution_domains=domains,
        works_count=works_count,
        rivals=rivals,
        claimant=history,
        events=events,
        hints=rules.evidence_hints(claim.evidence_url, domains),
        queue_position=queue_position(claim) if claim.state == State.PENDING else None,
    )


def audit_log(*, limit: int = 200, researcher_id: int | None = None) -> list[ClaimAuditEvent]:
    """The latest audit events, newest first, with the actors' emails and records' ids (for
    staff only). 3 queries."""
    qs = ClaimAuditEvent.objects.order_by("-created_at", "-id")
    if researcher_id is not None:
        qs = qs.filter(researcher_id=researcher_id)
    events = list(qs[:limit])
    user_ids = {e.actor_id for e in events if e.actor_id}
    names = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "email")) if user_ids else {}
    researchers = {e.researcher_id for e in events if e.researcher_id}
    ids = dict(Researcher.objects.filter(pk__in=researchers).values_list("pk", "openalex_id")) if researchers else {}
    for event in events:
        event.actor_label = names.get(event.actor_id, "system" if not event.actor_id else f"account {event.actor_id}")  # type: ignore[attr-defined]
        event.researcher_label = ids.get(event.researcher_id, "")  # type: ignore[attr-defined]
    return events
