"""What the trust engine reads about claims and moderation: four set-based functions, and the
one definition of a follower (:func:`counted_follows`), which depends on who owns a record.

graph.trust_inputs calls these and nothing else of the claims code, so claims can change
their models freely as long as the signatures and contracts below hold. The pages count
followers from the same definition (claims.selectors.followers_count_annotation), so the
profile's follower count and the trust explanation's agree.

Contracts (all four):

* ``researcher_ids`` is a collection of ``profiles.Researcher`` primary keys, or None for
  every researcher (a full recompute); the answer covers exactly those researchers.
* Set-based: a constant, small number of queries whatever the number of researchers (the
  trust benchmark recomputes 100,000+ researchers in one pass, and a query test pins the
  number of queries a recompute makes).
* Read-only, no side effects; safe inside the caller's transaction.

Implementation: one query per function, whatever the number of
researchers, against claims.Claim:

* the facts come from the approved claim, else the latest revoked one (PostgreSQL
  ``DISTINCT ON``);
* a finding is a claim rejected or revoked by a moderator with the reason
  ``impersonation`` (claims.rules.FINDING_REASONS). It counts against the records
  the same account owns now (an approved claim): the penalty lands on the impersonator's
  own record, never on the record they tried to take. Decisions are final, so a finding is
  never reversed; revoking the account's ownership takes the penalty off that record;
* a follower is an account following the record other than its owner (:func:`counted_follows`).
"""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from claims.models import Claim
from claims.rules import FINDING_REASONS
from profiles.models import Follow
from profiles.verification import ClaimFacts

_APPROVED, _REVOKED = Claim.State.APPROVED, Claim.State.REVOKED


def _for(queryset: QuerySet[Claim], researcher_ids: Collection[int] | None) -> QuerySet[Claim]:
    return queryset if researcher_ids is None else queryset.filter(researcher_id__in=list(researcher_ids))


def claim_facts_for(researcher_ids: Collection[int] | None) -> dict[int, ClaimFacts]:
    """The claim facts verification needs (profiles.verification.derive_level), per researcher.

    A researcher maps to their approved claim if they have one, otherwise to their most
    recently revoked claim (the evidence mentions it); researchers with neither are absent.
    1 query.
    """
    if researcher_ids is not None and not researcher_ids:
        return {}
    rows = (
        _for(Claim.objects.filter(state__in=[_APPROVED, _REVOKED]), researcher_ids)
        .annotate(rank=Case(When(state=_APPROVED, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("researcher_id", "rank", "-decided_at", "-id")
        .distinct("researcher_id")
        .values_list("researcher_id", "state", "method", "decided_at", "orcid", "email_domain", "decided_by_id")
    )
    return {
        rid: ClaimFacts(
            state=state,
            method=method,
            decided_at=decided_at,
            orcid=orcid,
            email_domain=domain,
            by_moderator=moderator is not None,
        )
        for rid, state, method, decided_at, orcid, domain, moderator in rows
    }


def claimed_researcher_ids(researcher_ids: Collection[int] | None) -> set[int]:
    """Those of ``researcher_ids`` (every researcher when None) whose record has an approved
    claim now. The trust engine passes None and counts claimed co-authors in SQL, so this must
    stay cheap for None: claimed records are few. 1 query (an index holds approved claims)."""
    if researcher_ids is not None and not researcher_ids:
        return set()
    return set(_for(Claim.objects.filter(state=_APPROVED), researcher_ids).values_list("researcher_id", flat=True))


def upheld_findings_count(researcher_ids: Collection[int] | None) -> dict[int, int]:
    """Moderation findings upheld against each record (impersonation, spam) and not reversed
    since; researchers with none are absent. 1 query.

    A finding (an impersonation rejection or revocation of any claim by an account) counts
    against the records that account owns now."""
    if researcher_ids is not None and not researcher_ids:
        return {}
    findings = Q(
        user__claims__reason__in=sorted(FINDING_REASONS),
        user__claims__state__in=[Claim.State.REJECTED, _REVOKED],
        user__claims__decided_by__isnull=False,
    )
    rows = (
        _for(Claim.objects.filter(state=_APPROVED), researcher_ids)
        .annotate(n=Count("user__claims", filter=findings))
        .filter(n__gt=0)
        .values_list("researcher_id", "n")
    )
    return dict(rows)


def counted_follows() -> QuerySet[Follow]:
    """The follows that make followers: every ``profiles.Follow`` except the one of the
    account that owns the record (its approved claim), whenever that follow was made, before
    the claim or after it. A researcher's own account following their record says nothing
    about the community around it (DESIGN §3, community); following.services refuses new
    ones, and this leaves out those made before the claim was approved. A revoked owner's
    follow counts again, like anyone's."""
    owner = Claim.objects.filter(
        state=_APPROVED, researcher_id=OuterRef("researcher_id"), user_id=OuterRef("user_id")
    )
    return Follow.objects.filter(~Exists(owner))


def follower_counts(researcher_ids: Collection[int] | None) -> dict[int, int]:
    """Followers of each researcher (:func:`counted_follows`); researchers with none are
    absent. 1 query."""
    if researcher_ids is not None and not researcher_ids:
        return {}
    follows = counted_follows()
    if researcher_ids is not None:
        follows = follows.filter(researcher_id__in=list(researcher_ids))
    rows = follows.order_by().values("researcher_id").annotate(n=Count("*")).values_list("researcher_id", "n")
    return dict(rows)
