"""The rules of direct collaboration, pure: bounds, limits, who may invite whom, the card's
state and the "why you" line. collaboration.selectors reads the facts; nothing here touches
the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from core.limits import Rate

SUBJECT_MAX = 160
MESSAGE_MAX = 2000  # an invitation's message
BODY_MAX = 4000  # a conversation message
NOTE_MAX = 1000  # a report's note
DECLINE_COOLDOWN = timedelta(days=30)
YOUNG_ACCOUNT = timedelta(days=7)
PAGE_SIZE = 50  # messages per page of a conversation
POLL_SECONDS = 4  # the open conversation asks for news this often
NOTICE_EVERY = timedelta(hours=1)  # at most one email per conversation and recipient
NOTICE_DELAY = timedelta(minutes=5)  # a notice waits this long for more messages to batch

DAY = 86400
INVITES_YOUNG = (Rate(5, DAY),)
INVITES = (Rate(20, DAY),)
MESSAGES = (Rate(10, 60),)
REPORTS = (Rate(10, DAY),)

LEVEL_L3 = 3


class CardState(StrEnum):
    """The profile card's states, decided in this order (issue 15)."""

    UNCLAIMED = "unclaimed"
    OWN = "own"
    ANONYMOUS = "anonymous"
    NO_CLAIM = "no_claim"
    CLOSED = "closed"
    INVITE = "invite"


@dataclass(frozen=True)
class Facts:
    """What the decision needs about a viewer and a record (read by the selectors)."""

    record_claimed: bool
    viewer_signed_in: bool = False
    viewer_owns_record: bool = False  # the viewer's approved claim is on this record
    viewer_has_record: bool = False  # the viewer owns some record
    open_to_collaborate: bool = False
    policy: str = "any"
    sender_level: int = 0  # verification level of the viewer's own record
    coauthor_distance: int | None = None  # 1 co-author, 2 co-author of a co-author, None further
    viewer_blocked: bool = False  # the record's owner blocked the viewer
    viewer_suspended: bool = False
    pending_invitation_id: int | None = None  # between the two accounts, either direction
    declined_recently: bool = False  # the owner declined the viewer in the last 30 days


@dataclass(frozen=True)
class Decision:
    state: CardState
    reason: str = ""  # for CLOSED: why not, in one sentence
    pending_invitation_id: int | None = None
    extras: dict[str, str] = field(default_factory=dict)

    @property
    def may_invite(self) -> bool:
        return self.state is CardState.INVITE and self.pending_invitation_id is None


def decide(facts: Facts) -> Decision:
    """The card's state for these facts. A blocked viewer reads the same sentence as one the
    policy leaves out: the block is not told."""
    if not facts.record_claimed:
        return Decision(CardState.UNCLAIMED)
    if facts.viewer_owns_record:
        return Decision(CardState.OWN)
    if not facts.viewer_signed_in:
        return Decision(CardState.ANONYMOUS)
    if not facts.viewer_has_record:
        return Decision(CardState.NO_CLAIM)
    reason = refusal(facts)
    if reason:
        return Decision(CardState.CLOSED, reason)
    return Decision(CardState.INVITE, pending_invitation_id=facts.pending_invitation_id)


def refusal(facts: Facts) -> str:
    """Why this viewer may not invite this record now, in one sentence; "" when they may
    (a pending invitation between them is told apart by the caller)."""
    if not facts.open_to_collaborate or facts.policy == "nobody" or facts.viewer_blocked:
        # A blocked viewer reads what everyone reads of a closed record: a block is not told.
        return "This researcher is not open to collaboration invitations right now."
    if facts.viewer_suspended:
        return "Your messaging is suspended by the moderators: you cannot send invitations."
    if facts.policy == "l3" and facts.sender_level < LEVEL_L3:
        return "This researcher accepts invitations only from researchers whose record is verified at L3 or higher."
    if facts.policy == "coauthors" and facts.coauthor_distance is None:
        return "This researcher accepts invitations only from co-authors and co-authors of their co-authors."
    if facts.declined_recently:
        return "This researcher declined your last invitation less than 30 days ago."
    return ""


def invite_rates(account_age: timedelta) -> tuple[Rate, ...]:
    return INVITES_YOUNG if account_age < YOUNG_ACCOUNT else INVITES


def why_you(*, coauthors: int, coauthor_names: list[str], shared_topics: list[str], shared_works: int) -> str:
    """The line BZPEER adds to an invitation, from the graph at sending: "You share 2
    co-authors (Ann Lee, Bo Chen), 1 work and the topics Graph theory and Topology." ""
    when the two records share nothing."""
    parts = []
    if coauthors:
        names = ", ".join(coauthor_names[:3]) + (" and others" if coauthors > len(coauthor_names[:3]) else "")
        parts.append(
            f"{_count(coauthors, 'co-author')} ({names})" if coauthor_names else _count(coauthors, "co-author")
        )
    if shared_works:
        parts.append(_count(shared_works, "work"))
    if shared_topics:
        label = "the topic" if len(shared_topics) == 1 else "the topics"
        parts.append(f"{label} {_and(shared_topics[:3])}")
    if not parts:
        return ""
    return f"You share {_and(parts)}."


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
