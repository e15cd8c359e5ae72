"""Reads of direct collaboration: the card's facts for (viewer, record), the "why you" line,
lists of invitations and conversations, one conversation's page, the unread count and the
moderators' reports. Eligibility reads claims and the current records and graph edges,
never the trust snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from claims.facts import claim_facts_for
from claims.models import Claim
from collaboration import rules
from collaboration.models import (
    Block,
    Conversation,
    Invitation,
    Membership,
    Message,
    ModerationEvent,
    NoticeOptOut,
    Policy,
    Report,
    Suspension,
)
from graph.edges import coauthor_ids
from profiles.bidi import isolate_text
from profiles.models import Researcher, ResearcherTopic
from profiles.verification import derive_level
from works.models import Authorship, Work

Viewer = AbstractBaseUser | AnonymousUser
APPROVED = Claim.State.APPROVED


# --- The card ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    """What the "Direct collaboration" card shows for one viewer and one record."""

    researcher: Researcher
    decision: rules.Decision

    @property
    def state(self) -> str:
        return self.decision.state.value


def record_owner_id(researcher_id: int) -> int | None:
    """The account that owns the record (its approved claim), or None. 1 query."""
    return Claim.objects.filter(researcher_id=researcher_id, state=APPROVED).values_list("user_id", flat=True).first()


def owned_record(user_id: int) -> Researcher | None:
    """The record the account owns, or None. 1 query."""
    claim = Claim.objects.filter(user_id=user_id, state=APPROVED).select_related("researcher").first()
    return claim.researcher if claim else None


def policy_of(researcher_id: int) -> str:
    return Policy.objects.filter(pk=researcher_id).values_list("policy", flat=True).first() or Policy.Choice.ANY


def coauthor_distance(a: int, b: int) -> int | None:
    """1 when records ``a`` and ``b`` share an edge, 2 when they share a co-author, else None.
    2 queries."""
    of_b = set(coauthor_ids(b))
    if a in of_b:
        return 1
    return 2 if of_b & set(coauthor_ids(a)) else None


def sender_level(record: Researcher) -> int:
    """The verification level of the viewer's own record (profiles.verification). 1 query."""
    facts = claim_facts_for([record.pk]).get(record.pk)
    return derive_level(
        openalex_id=record.openalex_id, record_status=record.record_status, orcid=record.orcid, claim=facts
    ).level


def _pair_annotations(viewer_id: int, owner: Any, now: datetime | None = None) -> dict[str, Any]:
    """What the card decides on about a viewer and a record's owner (``owner``: the owner's
    account id, or an expression of the record query that gives it), as annotations of a
    query of that record: ``policy_value``, ``blocked`` (either way: the owner blocked the
    viewer, or the viewer blocked the owner), ``suspended``, ``pending_id`` (an invitation
    waiting between the two accounts, either direction) and ``declined`` (the owner declined
    the viewer within the cooldown before ``now``, by default the present)."""
    cutoff = (now or timezone.now()) - rules.DECLINE_COOLDOWN
    return {
        "policy_value": Subquery(Policy.objects.filter(pk=OuterRef("pk")).values("policy")[:1]),
        "blocked": Exists(
            Block.objects.filter(Q(blocker_id=owner, blocked_id=viewer_id) | Q(blocker_id=viewer_id, blocked_id=owner))
        ),
        "suspended": Exists(Suspension.objects.filter(user_id=viewer_id)),
        "pending_id": Subquery(
            Invitation.objects.filter(
                Q(sender_id=viewer_id, recipient_id=owner) | Q(sender_id=owner, recipient_id=viewer_id),
                state="pending",
            ).values("pk")[:1]
        ),
        "declined": Exists(
            Invitation.objects.filter(sender_id=viewer_id, recipient_id=owner, state="declined", decided_at__gt=cutoff)
        ),
    }


def _signed_in_facts(row: dict[str, Any], researcher: Researcher, viewer_record_id: int) -> rules.Facts:
    """The facts of a signed-in viewer who owns record ``viewer_record_id`` (not this one),
    from :func:`_pair_annotations`'s ``row``; 1 query more for an L3 policy (the viewer's
    level), 2 for a co-author policy."""
    policy = row["policy_value"] or Policy.Choice.ANY
    level = 0
    if policy == Policy.Choice.L3:
        mine = Researcher.objects.get(pk=viewer_record_id)
        level = sender_level(mine)
    return rules.Facts(
        record_claimed=True,
        viewer_signed_in=True,
        viewer_has_record=True,
        open_to_collaborate=row["open_to_collaborate"],
        policy=policy,
        sender_level=level,
        coauthor_distance=coauthor_distance(viewer_record_id, researcher.pk)
        if policy == Policy.Choice.COAUTHORS
        else None,
        viewer_blocked=row["blocked"],
        viewer_suspended=row["suspended"],
        pending_invitation_id=row["pending_id"],
        declined_recently=row["declined"],
    )


def facts_for(viewer: Viewer, researcher: Researcher, *, owner_id: int | None) -> rules.Facts:
    """The facts the card and the send decide on. Anonymous: no query; signed in: 2 queries
    (3 for an L3 policy, 4 for a co-author policy)."""
    if owner_id is None:
        return rules.Facts(record_claimed=False, viewer_signed_in=viewer.is_authenticated)
    if not viewer.is_authenticated:
        return rules.Facts(record_claimed=True)
    viewer_id = int(viewer.pk or 0)
    if viewer_id == owner_id:
        return rules.Facts(record_claimed=True, viewer_signed_in=True, viewer_owns_record=True, viewer_has_record=True)
    mine = owned_record(viewer_id)
    if mine is None:
        return rules.Facts(record_claimed=True, viewer_signed_in=True)
    fields = _pair_annotations(viewer_id, owner_id)
    row = Researcher.objects.filter(pk=researcher.pk).annotate(**fields).values("open_to_collaborate", *fields).get()
    return _signed_in_facts(row, researcher, mine.pk)


VIEWER_PREFIX = "collaboration_"


def viewer_annotations(viewer: Viewer, now: datetime | None = None) -> dict[str, Any]:
    """Everything the card needs about (viewer, record), as annotations of the record query
    that a cached profile's viewer parts read in one statement (pages.views): the record's
    owner, the record the viewer owns, and :func:`_pair_annotations`, each named with
    :data:`VIEWER_PREFIX`. :func:`card` reads them instead of querying. Nothing for an
    anonymous viewer (the card needs no fact of theirs)."""
    if not viewer.is_authenticated:
        return {}
    viewer_id = int(viewer.pk or 0)
    owner = f"{VIEWER_PREFIX}owner_id"
    pair = _pair_annotations(viewer_id, OuterRef(owner), now)
    return {
        owner: Subquery(Claim.objects.filter(researcher=OuterRef("pk"), state=APPROVED).values("user_id")[:1]),
        f"{VIEWER_PREFIX}viewer_record_id": Subquery(
            Claim.objects.filter(user_id=viewer_id, state=APPROVED).order_by("pk").values("researcher_id")[:1]
        ),
        **{f"{VIEWER_PREFIX}{name}": value for name, value in pair.items()},
    }


def _annotated_facts(viewer: Viewer, researcher: Researcher) -> rules.Facts:
    """:func:`facts_for` from :func:`viewer_annotations` (no query but the L3 and co-author
    policies')."""
    owner_id = getattr(researcher, f"{VIEWER_PREFIX}owner_id")
    if owner_id is None:
        return rules.Facts(record_claimed=False, viewer_signed_in=True)
    if owner_id == viewer.pk:
        return rules.Facts(record_claimed=True, viewer_signed_in=True, viewer_owns_record=True, viewer_has_record=True)
    mine = getattr(researcher, f"{VIEWER_PREFIX}viewer_record_id")
    if mine is None:
        return rules.Facts(record_claimed=True, viewer_signed_in=True)
    names = ("policy_value", "blocked", "suspended", "pending_id", "declined")
    row = {name: getattr(researcher, f"{VIEWER_PREFIX}{name}") for name in names}
    return _signed_in_facts({**row, "open_to_collaborate": researcher.open_to_collaborate}, researcher, mine)


def card(viewer: Viewer, researcher: Researcher) -> Card:
    """The card for (viewer, record). On the profile page the record carries the claims
    annotations (``is_claimed``, ``viewer_is_owner``: claims.selectors.page_annotations), so
    an unclaimed record, an anonymous visitor and the owner cost no query; a record with
    :func:`viewer_annotations` (a cached profile's viewer parts) costs none either (but an L3
    or co-author policy's); otherwise 1 query (the owner) plus :func:`facts_for`'s."""
    claimed = getattr(researcher, "is_claimed", None)
    if claimed is False:
        return Card(researcher, rules.decide(rules.Facts(record_claimed=False)))
    if claimed is True and not viewer.is_authenticated:
        return Card(researcher, rules.decide(rules.Facts(record_claimed=True)))
    if claimed is True and getattr(researcher, "viewer_is_owner", False):
        return Card(researcher, rules.decide(rules.Facts(record_claimed=True, viewer_owns_record=True)))
    if viewer.is_authenticated and hasattr(researcher, f"{VIEWER_PREFIX}owner_id"):
        return Card(researcher, rules.decide(_annotated_facts(viewer, researcher)))
    owner_id = record_owner_id(researcher.pk)
    return Card(researcher, rules.decide(facts_for(viewer, researcher, owner_id=owner_id)))


def pair_key(a: int, b: int) -> str:
    low, high = sorted((a, b))
    return f"{low}:{high}"


# --- The "why you" line and what an invitation may be about ------------------------------------


def why_you(sender_record_id: int, recipient_record_id: int) -> str:
    """From the graph and the current records at sending: shared co-authors (edges), shared
    works (authorships) and shared topics. 3 queries (plus 2 for the co-author lists)."""
    common = (set(coauthor_ids(sender_record_id)) & set(coauthor_ids(recipient_record_id))) - {
        sender_record_id,
        recipient_record_id,
    }
    names = [isolate_text(r.name) for r in Researcher.objects.filter(pk__in=common).order_by("display_name")[:3]]
    shared_works = (
        Authorship.objects.filter(researcher_id=sender_record_id)
        .filter(work_id__in=Authorship.objects.filter(researcher_id=recipient_record_id).values("work_id"))
        .values("work_id")
        .distinct()
        .count()
    )
    theirs = ResearcherTopic.objects.filter(researcher_id=recipient_record_id).values("topic_id")
    topics = list(
        ResearcherTopic.objects.filter(researcher_id=sender_record_id, topic_id__in=theirs)
        .order_by("rank")
        .values_list("topic__display_name", flat=True)[:3]
    )
    topics = [isolate_text(t) for t in topics]
    return rules.why_you(coauthors=len(common), coauthor_names=names, shared_topics=topics, shared_works=shared_works)


def invite_choices(recipient_record_id: int) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(topics, works) an invitation may name: the record's first 10 topics and latest 20
    works. 2 queries."""
    topics = list(
        ResearcherTopic.objects.filter(researcher_id=recipient_record_id)
        .order_by("rank")
        .values_list("topic_id", "topic__display_name")[:10]
    )
    rows = (
        Work.objects.filter(authorships__researcher_id=recipient_record_id)
        .order_by(F("publication_year").desc(nulls_last=True), "-id")
        .values_list("id", "title")
        .distinct()[:20]
    )
    return topics, [(pk, title or "Untitled work") for pk, title in rows]


# --- Invitations and conversations ---------------------------------------------------------------


def invitations_of(user_id: int) -> tuple[list[Invitation], list[Invitation]]:
    """(received, sent), newest first, 50 each. 2 queries."""
    base = Invitation.objects.select_related("sender_record", "recipient_record", "conversation").order_by(
        "-created_at"
    )
    return list(base.filter(recipient_id=user_id)[:50]), list(base.filter(sender_id=user_id)[:50])


def invitation_for(user_id: int, invitation_id: int) -> Invitation | None:
    """The invitation if ``user_id`` sent or received it, else None (the view's 404). 1 query."""
    return (
        Invitation.objects.select_related(
            "sender_record", "recipient_record", "about_topic", "about_work", "conversation"
        )
        .filter(Q(sender_id=user_id) | Q(recipient_id=user_id), pk=invitation_id)
        .first()
    )


@dataclass
class ConversationPage:
    conversation: Conversation
    invitation: Invitation
    me: Membership
    other: Membership
    messages: list[Message]
    older_than: int | None  # the id to ask ``?before=`` for the previous page, None on the first
    blocked: bool  # either blocked the other
    i_blocked: bool
    suspended: bool
    names: dict[int, str] = field(default_factory=dict)

    @property
    def closed(self) -> bool:
        return self.me.left_at is not None or self.other.left_at is not None or self.blocked

    @property
    def last_id(self) -> int:
        return self.messages[-1].pk if self.messages else 0

    @property
    def other_name(self) -> str:
        return self.names.get(self.other.user_id, "")


def memberships(conversation_id: int, user_id: int) -> tuple[Membership, Membership] | None:
    """(mine, theirs) when ``user_id`` takes part in the conversation, else None. 1 query."""
    rows = list(
        Membership.objects.filter(conversation_id=conversation_id).select_related(
            "conversation__invitation__sender_record",
            "conversation__invitation__recipient_record",
            "conversation__invitation__about_topic",
            "conversation__invitation__about_work",
        )
    )
    mine = [m for m in rows if m.user_id == user_id]
    theirs = [m for m in rows if m.user_id != user_id]
    if not mine or not theirs:
        return None
    return mine[0], theirs[0]


def conversation_page(
    conversation_id: int, user_id: int, *, before: int | None = None, after: int | None = None
) -> ConversationPage | None:
    """The conversation as ``user_id`` sees it: the last PAGE_SIZE messages (before
    ``before`` when given; only those after ``after`` for a poll), None for anyone but the
    two participants. 3 queries."""
    pair = memberships(conversation_id, user_id)
    if pair is None:
        return None
    me, other = pair
    invitation = me.conversation.invitation
    qs = Message.objects.filter(conversation_id=conversation_id)
    if after is not None:
        messages = list(qs.filter(pk__gt=after).order_by("id")[: rules.PAGE_SIZE * 4])
        older = None
    else:
        if before is not None:
            qs = qs.filter(pk__lt=before)
        newest = list(qs.order_by("-id")[: rules.PAGE_SIZE + 1])
        older = newest[rules.PAGE_SIZE - 1].pk if len(newest) > rules.PAGE_SIZE else None
        messages = newest[: rules.PAGE_SIZE][::-1]
    state = Block.objects.filter(
        Q(blocker_id=user_id, blocked_id=other.user_id) | Q(blocker_id=other.user_id, blocked_id=user_id)
    ).values_list("blocker_id", flat=True)
    blockers = set(state)
    names = {
        invitation.sender_id: _record_name(invitation.sender_record),
        invitation.recipient_id: _record_name(invitation.recipient_record),
    }
    return ConversationPage(
        conversation=me.conversation,
        invitation=invitation,
        me=me,
        other=other,
        messages=messages,
        older_than=older,
        blocked=bool(blockers),
        i_blocked=user_id in blockers,
        suspended=False,
        names=names,
    )


def _record_name(record: Researcher | None) -> str:
    return record.name if record else "A researcher who is no longer listed"


def conversations_of(user_id: int) -> list[Membership]:
    """The account's conversations, latest first, with ``unread`` and the invitation. 1 query."""
    unread = Message.objects.filter(
        conversation_id=OuterRef("conversation_id"), pk__gt=OuterRef("last_read_id")
    ).exclude(sender_id=user_id)
    return list(
        Membership.objects.filter(user_id=user_id)
        .select_related("conversation__invitation__sender_record", "conversation__invitation__recipient_record")
        .annotate(unread=Subquery(unread.values("conversation_id").annotate(n=Count("pk")).values("n")[:1]))
        .order_by("-conversation__version", "-conversation_id")[:100]
    )


def unread_count(user_id: int) -> int:
    """Pending invitations received plus unread messages in the conversations the account has
    not left: the header's number, from the database (the hot path reads it from Redis,
    collaboration.stamps). 2 queries."""
    invitations = Invitation.objects.filter(recipient_id=user_id, state=Invitation.State.PENDING).count()
    messages = (
        Message.objects.filter(
            conversation__members__user_id=user_id,
            conversation__members__left_at__isnull=True,
            pk__gt=F("conversation__members__last_read_id"),
        )
        .exclude(sender_id=user_id)
        .count()
    )
    return invitations + messages


def conversation_version(conversation_id: int) -> int | None:
    return Conversation.objects.filter(pk=conversation_id).values_list("version", flat=True).first()


def is_suspended(user_id: int) -> bool:
    return Suspension.objects.filter(user_id=user_id).exists()


def has_opted_out(user_id: int) -> bool:
    return NoticeOptOut.objects.filter(user_id=user_id).exists()


# --- Reports -------------------------------------------------------------------------------------


def report_for_reporter(user_id: int, report_id: int) -> Report | None:
    return Report.objects.filter(pk=report_id, reporter_id=user_id).first()


def reports_of(user_id: int) -> list[Report]:
    return list(Report.objects.filter(reporter_id=user_id).order_by("-created_at")[:50])


def report_queue(show: str = "open") -> list[Report]:
    qs: QuerySet[Report] = Report.objects.select_related("reporter", "reported").order_by("created_at")
    if show == "open":
        qs = qs.filter(state=Report.State.OPEN)
    return list(qs[:200])


@dataclass
class ReportPage:
    report: Report
    invitation: Invitation | None
    messages: list[Message]
    names: dict[int, str]
    suspended: bool
    events: list[ModerationEvent]


def report_page(report_id: int) -> ReportPage | None:
    """What a report hands moderators: the reported invitation, or the conversation's last
    PAGE_SIZE messages up to the report (never later ones). 4 queries."""
    report = Report.objects.select_related("reporter", "reported").filter(pk=report_id).first()
    if report is None:
        return None
    invitation = None
    messages: list[Message] = []
    if report.invitation_id:
        invitation = Invitation.objects.select_related("sender_record", "recipient_record").get(pk=report.invitation_id)
    if report.conversation_id:
        invitation = (
            Invitation.objects.select_related("sender_record", "recipient_record")
            .filter(conversation__pk=report.conversation_id)
            .first()
        )
        newest = Message.objects.filter(
            conversation_id=report.conversation_id, pk__lte=report.up_to_message_id or 0
        ).order_by("-id")[: rules.PAGE_SIZE]
        messages = list(newest)[::-1]
    names = (
        {
            invitation.sender_id: _record_name(invitation.sender_record),
            invitation.recipient_id: _record_name(invitation.recipient_record),
        }
        if invitation
        else {}
    )
    for message in messages:
        message.sender_name = names.get(message.sender_id, "")  # type: ignore[attr-defined]
    return ReportPage(
        report=report,
        invitation=invitation,
        messages=messages,
        names=names,
        suspended=is_suspended(report.reported_id),
        events=list(ModerationEvent.objects.filter(report_id=report.pk).order_by("created_at")),
    )


def moderation_log(limit: int = 200) -> list[ModerationEvent]:
    return list(ModerationEvent.objects.order_by("-created_at", "-id")[:limit])


def account_age(user: AbstractBaseUser) -> timedelta:
    joined: datetime | None = getattr(user, "date_joined", None)
    return timezone.now() - joined if joined else timedelta(0)
