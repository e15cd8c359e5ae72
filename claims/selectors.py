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
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AbstractUser, AnonymousUser
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast, Coalesce, JSONObject, NullIf, Substr
from django.utils import timezone

from claims import rules
from claims.models import Claim, ClaimAuditEvent, ProfileCorrection
from profiles.models import Follow, Researcher, ResearcherAffiliation
from profiles.selectors import count_of
from works.models import Authorship, HiddenWork, Work
from works.selectors import researcher_works

State = Claim.State
Kind = ProfileCorrection.Kind
HISTORY_SHORT = 5


# --- What an account can prove -----------------------------------------------------------------


def verified_emails(user_id: int) -> list[str]:
    """The account's verified email addresses, sorted. 1 query."""
    emails = EmailAddress.objects.filter(user_id=user_id, verified=True).values_list("email", flat=True)
    return sorted(set(emails))


def email_domains_of(addresses: list[str]) -> list[str]:
    """Domains of ``addresses``, sorted, without repeats."""
    return sorted({rules.email_domain(e) for e in addresses} - {""})


def verified_email_domains(user_id: int) -> list[str]:
    """Domains of the account's verified email addresses, sorted, without repeats. 1 query."""
    return email_domains_of(verified_emails(user_id))


def has_verified_email(user_id: int) -> bool:
    return EmailAddress.objects.filter(user_id=user_id, verified=True).exists()


def orcid_ids(user_id: int) -> list[str]:
    """ORCID iDs the account proved by signing in with ORCID (allauth social accounts)."""
    return list(SocialAccount.objects.filter(user_id=user_id, provider="orcid").values_list("uid", flat=True))


def record_institutions(researcher_id: int) -> list[rules.RecordInstitution]:
    """Every institution on the record (affiliation history included) with its email domains,
    whether it is the last known one and its affiliation years, by name. 1 query."""
    rows = (
        ResearcherAffiliation.objects.filter(researcher_id=researcher_id)
        .order_by("institution__display_name", "institution_id")
        .values_list("institution__display_name", "institution__email_domains", "is_last_known", "years")
    )
    return [
        rules.RecordInstitution(name=name, domains=tuple(domains), is_last_known=last_known, years=tuple(years))
        for name, domains, last_known, years in rows
    ]


def institution_domains_of(institutions: list[rules.RecordInstitution]) -> list[str]:
    return sorted({d for institution in institutions for d in institution.domains})


def institution_domains(researcher_id: int) -> list[str]:
    """Email domains of every institution on the record (affiliation history included). 1 query."""
    return institution_domains_of(record_institutions(researcher_id))


def record_names(researcher: Researcher) -> list[str]:
    """The names the record's email addresses may follow: OpenAlex's display name, then its
    alternatives. Never the owner's preferred name: a name typed in here proves nothing."""
    return list(dict.fromkeys(n for n in [researcher.display_name, *researcher.display_name_alternatives] if n))


def mailbox_claims(mailboxes: set[str]) -> dict[str, list[int]]:
    """Approved and open claims each of ``mailboxes`` backs (Claim.email_mailbox). 1 query,
    none for no mailboxes."""
    if not mailboxes:
        return {}
    found: dict[str, list[int]] = {}
    rows = Claim.objects.filter(
        email_mailbox__in=sorted(mailboxes), state__in=[State.APPROVED, *Claim.OPEN_STATES]
    ).values_list("email_mailbox", "pk")
    for box, pk in rows.order_by("pk"):
        found.setdefault(box, []).append(pk)
    return found


def email_check(
    researcher: Researcher, addresses: list[str], institutions: list[rules.RecordInstitution]
) -> rules.EmailCheck | None:
    """The account's best address for a claim on ``researcher`` by institutional email
    (claims.rules.EmailCheck), None when no verified address matches an institution's
    domain. 1 query when one does (the mailboxes' other claims), none otherwise."""
    checks = rules.email_checks(addresses, institutions, record_names(researcher), this_year=timezone.now().year)
    if not checks:
        return None
    return rules.best_email_check(checks, mailbox_claims({check.mailbox for check in checks}))


@dataclass(frozen=True)
class Proofs:
    """What the account proves about one record right now (see claims.rules)."""

    orcid: str  # the signed-in iD equal to the record's, or ""
    signed_in_orcids: list[str]
    email: rules.EmailCheck | None  # the domain match of its best verified address, if any


def proofs_for(
    user_id: int,
    researcher: Researcher,
    *,
    addresses: list[str] | None = None,
    institutions: list[rules.RecordInstitution] | None = None,
) -> Proofs:
    """What ``user_id`` proves about ``researcher``; pass the verified addresses and the
    record's institutions if already read. 1 query (ORCID), plus 2 for what is not passed,
    plus 1 when an address matches an institution's domain."""
    signed_in = orcid_ids(user_id)
    orcid = next((o for o in signed_in if rules.orcid_matches(o, researcher.orcid)), "")
    email = email_check(
        researcher,
        verified_emails(user_id) if addresses is None else addresses,
        record_institutions(researcher.pk) if institutions is None else institutions,
    )
    return Proofs(orcid=orcid, signed_in_orcids=signed_in, email=email)


def claims_per_day() -> int:
    return int(getattr(settings, "CLAIMS_PER_DAY", rules.CLAIMS_PER_DAY))


def owner_claim(user: AbstractUser, researcher_id: int) -> Claim | None:
    """The caller's approved claim on the record, or None."""
    if not user.is_authenticated:
        return None
    return Claim.objects.filter(user_id=user.pk, researcher_id=researcher_id, state=State.APPROVED).first()


def owns_record(user_id: int, researcher_id: int) -> bool:
    """Whether the account owns the record (holds its approved claim). 1 query."""
    return Claim.objects.filter(user_id=user_id, researcher_id=researcher_id, state=State.APPROVED).exists()


# --- Followers: every follow but the owner's own (claims.facts.counted_follows) -----------------


def followers_count_annotation() -> CombinedExpression:
    """The researcher's follower count as an annotation of a researcher query (the profile's
    Quick read and follow box): the trust formula's ``followers`` input
    (claims.facts.counted_follows), so the two never disagree. Computed as every follow of the
    record (counted on the follow index alone) less 1 when its owner (a record has at most one:
    claim_one_owner_per_record) follows it, so the cost does not grow with the followers."""
    owner_follows = Exists(
        Claim.objects.filter(researcher_id=OuterRef("pk"), state=State.APPROVED).filter(
            Exists(Follow.objects.filter(user_id=OuterRef("user_id"), researcher_id=OuterRef("researcher_id")))
        )
    )
    return count_of(Follow.objects.filter(researcher=OuterRef("pk"))) - Cast(owner_follows, IntegerField())


def followers_count(researcher: Researcher) -> int:
    """The researcher's follower count, through :func:`followers_count_annotation` (one
    computation of the number). 1 query."""
    return Researcher.objects.filter(pk=researcher.pk).values_list(followers_count_annotation(), flat=True).get()


# --- Public: the profile's identity section and the correction history -------------------------


def _day(column: str) -> Func:
    return Func(F(column), Value("YYYY-MM-DD"), function="to_char", output_field=CharField())


def correction_fields() -> dict[str, Any]:
    """A correction as the public history shows it (besides its ``id`` and ``kind``), computed
    in SQL so the same fields serve a list (``.values``) and a JSON array inside the profile's
    one query. Never the names themselves: earlier and new preferred names stay out of the
    public history."""
    work = Work.objects.filter(pk=OuterRef("work_id"))
    return {
        "day": _day("created_at"),
        "cleared": ExpressionWrapper(Q(new_value=""), output_field=BooleanField()),
        "opened": ExpressionWrapper(Q(new_value="true"), output_field=BooleanField()),
        "hide_reason": Case(
            When(kind=Kind.HIDE_WORK, new_value="not_mine", then=Value("not theirs")),
            When(kind=Kind.HIDE_WORK, new_value="duplicate", then=Value("a duplicate")),
            When(kind=Kind.HIDE_WORK, new_value__startswith="other: ", then=Substr("new_value", 8)),
            default=Value("other"),
            output_field=CharField(),
        ),
        "work_title": Subquery(work.values("title")[:1]),
        "work_openalex_id": Subquery(work.values("openalex_id")[:1]),
        "reverted_day": _day("reverted_at"),
    }


def page_annotations(user: AbstractBaseUser | AnonymousUser) -> dict[str, Any]:
    """Claim facts for the profile page, as annotations of the page's one researcher query
    (pages.selectors.researchers_for_page), so they cost no query of their own:

    is_claimed, claimed_on (day of the approved claim's decision), claim_method,
    has_open_claims, recent_corrections (the last HISTORY_SHORT + 1 as dicts of
    :func:`correction_fields`), and :func:`viewer_annotations`'s viewer_claim_state and
    viewer_is_owner.
    """
    approved = Claim.objects.filter(researcher=OuterRef("pk"), state=State.APPROVED)
    recent = (
        ProfileCorrection.objects.filter(researcher=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values(json=JSONObject(id=F("id"), kind=F("kind"), **correction_fields()))[: HISTORY_SHORT + 1]
    )
    viewer = viewer_annotations(user)
    return {
        "is_claimed": viewer.pop("is_claimed"),
        "claimed_on": Subquery(approved.values("decided_at")[:1]),
        "claim_method": Subquery(approved.values("method")[:1]),
        "has_open_claims": viewer.pop("has_open_claims"),
        "recent_corrections": ArraySubquery(recent),
        **viewer,
    }


def viewer_annotations(user: AbstractBaseUser | AnonymousUser) -> dict[str, Any]:
    """What the claim part of the profile's identity card shows (the viewer part of the cached
    profile, claims/partials/identity_section.html#viewer-claim), as annotations of a
    researcher query: is_claimed, has_open_claims, and for a signed-in viewer
    viewer_claim_state (their latest claim on the record, "" if none) and viewer_is_owner."""
    approved = Claim.objects.filter(researcher=OuterRef("pk"), state=State.APPROVED)
    annotations: dict[str, Any] = {
        "is_claimed": Exists(approved),
        "has_open_claims": Exists(Claim.objects.filter(researcher=OuterRef("pk"), state__in=Claim.OPEN_STATES)),
    }
    if user.is_authenticated:
        mine = Claim.objects.filter(researcher=OuterRef("pk"), user_id=user.pk).order_by("-created_at", "-id")
        annotations["viewer_claim_state"] = Subquery(mine.values("state")[:1])
        annotations["viewer_is_owner"] = Exists(approved.filter(user_id=user.pk))
    else:
        annotations["viewer_claim_state"] = Value("", output_field=CharField())
        annotations["viewer_is_owner"] = Value(False)
    return annotations


def account_name_annotation(user_id: int) -> Subquery:
    """The header's account name (claims.context_processors.account: the preferred name,
    else the display name, of the record the account owns; None when it owns none) as an
    annotation, so that a page's one viewer query reads it too."""
    owned = Claim.objects.filter(user_id=user_id, state=State.APPROVED).order_by("pk")
    name = Coalesce(
        NullIf(F("researcher__preferred_name"), Value("")), F("researcher__display_name"), output_field=CharField()
    )
    return Subquery(owned.annotate(account_name=name).values("account_name")[:1], output_field=CharField())


def correction_history(researcher: Researcher) -> list[dict[str, Any]]:
    """Every correction of the record, newest first, as :func:`correction_fields`. 1 query."""
    rows: Any = (
        ProfileCorrection.objects.filter(researcher=researcher)
        .order_by("-created_at", "-id")
        .values("id", "kind", **correction_fields())
    )
    return list(rows)


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
    email_match: rules.EmailCheck | None
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
    app is not in settings, +1 with a pending claim: its queue position, +1 when a verified
    address matches an institution's domain: the mailbox's other claims)."""
    mine = list(Claim.objects.filter(user_id=user.pk).select_related("researcher").order_by("-created_at", "-id"))
    here = [c for c in mine if c.researcher_id == researcher.pk]
    current = next((c for c in here if c.is_open or c.state == State.APPROVED), None)
    others = Claim.objects.filter(researcher=researcher).exclude(user_id=user.pk)
    rivals = set(others.filter(state__in=[State.APPROVED, *Claim.OPEN_STATES]).values_list("state", flat=True))
    addresses = verified_emails(user.pk)
    institutions = record_institutions(researcher.pk)
    proofs = proofs_for(user.pk, researcher, addresses=addresses, institutions=institutions)
    recent = sum(1 for c in mine if c.created_at >= _day_ago())
    return ClaimPage(
        researcher=researcher,
        claims=here,
        current=current,
        verified=bool(addresses),
        orcid_match=proofs.orcid,
        signed_in_orcids=proofs.signed_in_orcids,
        orcid_configured=orcid_configured(),
        email_match=proofs.email,
        email_domains=email_domains_of(addresses),
        institution_domains=institution_domains_of(institutions),
        record_owned=State.APPROVED in rivals,
        record_has_open_claims=bool(rivals - {State.APPROVED}),
        open_elsewhere=next((c for c in mine if c.is_open and c.researcher_id != researcher.pk), None),
        owned_elsewhere=next((c for c in mine if c.state == State.APPROVED and c.researcher_id != researcher.pk), None),
        claims_left_today=max(0, claims_per_day() - recent),
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
        .annotate(rival_count=count_of(rivals))
        .order_by(*order)[:limit]
    )
    counts = dict.fromkeys(QUEUES, 0)
    state_counts = dict(Claim.objects.values_list("state").annotate(n=Count("id")).order_by())
    for key, (_, key_states) in QUEUES.items():
        counts[key] = sum(state_counts.get(s, 0) for s in key_states)
    rows = [QueueRow(c, c.is_dispute or bool(c.rival_count)) for c in claims]  # type: ignore[attr-defined]
    return ModerationQueue(show=show, rows=rows, counts=counts)


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
        orcids=orcid_ids(user.pk),
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
        actor = event.actor_id
        label = names.get(actor, f"account {actor}") if actor else "system"
        event.actor_label = label  # type: ignore[attr-defined]
        event.researcher_label = ids.get(event.researcher_id, "") if event.researcher_id else ""  # type: ignore[attr-defined]
    return events
