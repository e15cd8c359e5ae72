"""The only writers of collaboration rows: invitations, conversations, blocks, reports,
moderators' decisions, email notices and the owner's policy.

Every refusal raises :class:`Refused` (a sentence for the person) or core.limits.RateLimited,
and writes nothing. After a commit the Redis stamps are set again (collaboration.stamps)
and notices go through the outbox (core.outbox).
"""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from bzpeer.http import absolute_url
from collaboration import rules, selectors, stamps
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
from core import outbox
from core.limits import rate_limit_hit
from profiles.models import Researcher

NOTICE_TASK = "collaboration.send_message_notice"
WARNING_TASK = "collaboration.send_warning"
UNSUBSCRIBE_SALT = "collaboration.unsubscribe"


class Refused(Exception):
    """The request is refused; nothing was written. ``str()`` is the sentence to show."""


# --- After commit: stamps ----------------------------------------------------------------------


def _refresh_unread(*user_ids: int) -> None:
    def run() -> None:
        for user_id in user_ids:
            stamps.unread_set(user_id, selectors.unread_count(user_id))

    transaction.on_commit(run)


def _bump(conversation_id: int) -> None:
    """Raise the conversation's version (in the caller's transaction) and stamp it after commit."""
    Conversation.objects.filter(pk=conversation_id).update(version=F("version") + 1)
    version = Conversation.objects.filter(pk=conversation_id).values_list("version", flat=True).get()
    transaction.on_commit(partial(stamps.conversation_set, conversation_id, version))


def unread_for(user_id: int, *, stamp: bytes | None | Literal[False] = False) -> int:
    """The header's number: the Redis stamp, else the database (and the stamp set again).
    ``stamp``: its value (None: missing) when the caller read it already with other keys
    (stamps.unread_key); read here when it is False (not read)."""
    count = stamps.unread_get(user_id) if stamp is False else stamps.stamp_value(stamp)
    if count is None:
        count = selectors.unread_count(user_id)
        stamps.unread_set(user_id, count, if_missing=True)
    return count


# --- Policy ------------------------------------------------------------------------------------


def policy_set(*, owner: AbstractBaseUser, researcher_id: int, policy: str) -> Policy:
    if policy not in Policy.Choice.values:
        raise Refused("Choose who may invite you.")
    if selectors.record_owner_id(researcher_id) != owner.pk:
        raise Refused("Only the record's owner can choose who may invite them.")
    row, _ = Policy.objects.update_or_create(researcher_id=researcher_id, defaults={"policy": policy})
    return row


# --- Invitations -------------------------------------------------------------------------------


def _clean(text: str, limit: int, what: str, *, required: bool = True) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise Refused(f"Write a {what}.")
    if len(text) > limit:
        raise Refused(f"The {what} is {len(text)} characters long; the limit is {limit}.")
    return text


def invitation_send(
    *,
    sender: AbstractBaseUser,
    recipient_record_id: int,
    subject: str,
    message: str,
    about_topic_id: int | None = None,
    about_work_id: int | None = None,
) -> Invitation:
    """Send an invitation from the sender's own record to a claimed record whose owner's
    policy admits them. Refused: no record of one's own, oneself, a record not open or whose
    policy excludes the sender, a block, a suspension, a pending invitation between the two,
    a decline in the last 30 days, text too long; over the limit: RateLimited."""
    subject = _clean(subject, rules.SUBJECT_MAX, "subject")
    message = _clean(message, rules.MESSAGE_MAX, "message")
    with transaction.atomic():
        # One send per account at a time: the checks below and the limit see each other.
        get_user_model().objects.select_for_update().filter(pk=sender.pk).first()
        recipient_record = Researcher.objects.filter(pk=recipient_record_id).first()
        if recipient_record is None:
            raise Refused("There is no such record.")
        owner_id = selectors.record_owner_id(recipient_record.pk)
        decision = rules.decide(selectors.facts_for(sender, recipient_record, owner_id=owner_id))
        if decision.state is rules.CardState.OWN:
            raise Refused("You cannot invite yourself.")
        if decision.state is rules.CardState.UNCLAIMED:
            raise Refused("This record is not claimed: invitations go between claimed researchers.")
        if decision.state is rules.CardState.NO_CLAIM:
            raise Refused("Claim your own record first: invitations go between claimed researchers.")
        if decision.state is not rules.CardState.INVITE:
            raise Refused(decision.reason)
        if decision.pending_invitation_id is not None:
            raise Refused("An invitation between you is already waiting for an answer.")
        sender_record = selectors.owned_record(int(sender.pk or 0))
        assert sender_record is not None and owner_id is not None  # decided above
        topic_id, work_id = _about(recipient_record.pk, about_topic_id, about_work_id)
        rate_limit_hit({f"collab:invite:user:{sender.pk}": rules.invite_rates(selectors.account_age(sender))})
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    sender_id=sender.pk,
                    recipient_id=owner_id,
                    sender_record=sender_record,
                    recipient_record=recipient_record,
                    pair=selectors.pair_key(int(sender.pk or 0), owner_id),
                    subject=subject,
                    message=message,
                    about_topic_id=topic_id,
                    about_work_id=work_id,
                    why_you=selectors.why_you(sender_record.pk, recipient_record.pk),
                )
        except IntegrityError:
            raise Refused("An invitation between you is already waiting for an answer.") from None
        _refresh_unread(owner_id)
    return invitation


def _about(record_id: int, topic_id: int | None, work_id: int | None) -> tuple[int | None, int | None]:
    """The topic and work an invitation names, each only if it is the record's."""
    topics, works = selectors.invite_choices(record_id)
    if topic_id is not None and topic_id not in {t for t, _ in topics}:
        raise Refused("Choose one of the researcher's topics.")
    if work_id is not None and work_id not in {w for w, _ in works}:
        raise Refused("Choose one of the researcher's works.")
    return topic_id, work_id


def _lock_received(user: AbstractBaseUser, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.select_for_update().filter(pk=invitation_id, recipient_id=user.pk).first()
    if invitation is None:
        raise Invitation.DoesNotExist
    if invitation.state != Invitation.State.PENDING:
        raise Refused("This invitation was already answered.")
    return invitation


def invitation_accept(*, user: AbstractBaseUser, invitation_id: int) -> Conversation:
    """The recipient accepts: a private conversation of the two opens."""
    with transaction.atomic():
        invitation = _lock_received(user, invitation_id)
        invitation.state = Invitation.State.ACCEPTED
        invitation.decided_at = timezone.now()
        invitation.save(update_fields=["state", "decided_at"])
        conversation = Conversation.objects.create(invitation=invitation)
        Membership.objects.bulk_create(
            [
                Membership(conversation=conversation, user_id=invitation.sender_id),
                Membership(conversation=conversation, user_id=invitation.recipient_id),
            ]
        )
        transaction.on_commit(partial(stamps.conversation_set, conversation.pk, conversation.version))
        _refresh_unread(invitation.recipient_id)
    return conversation


def invitation_decline(*, user: AbstractBaseUser, invitation_id: int, block: bool = False) -> Invitation:
    """The recipient declines (the sender may invite again after 30 days), and with
    ``block`` also blocks the sender (never again)."""
    with transaction.atomic():
        invitation = _lock_received(user, invitation_id)
        invitation.state = Invitation.State.DECLINED
        invitation.decided_at = timezone.now()
        invitation.save(update_fields=["state", "decided_at"])
        if block:
            _block(user, invitation.sender_id)
        _refresh_unread(invitation.recipient_id)
    return invitation


# --- Conversations -----------------------------------------------------------------------------


def _lock_membership(user: AbstractBaseUser, conversation_id: int) -> tuple[Membership, Membership]:
    rows = list(Membership.objects.select_for_update().filter(conversation_id=conversation_id).order_by("pk"))
    mine = [m for m in rows if m.user_id == user.pk]
    theirs = [m for m in rows if m.user_id != user.pk]
    if not mine or not theirs:
        raise Conversation.DoesNotExist
    return mine[0], theirs[0]


def _blocked_between(a: int, b: int) -> bool:
    return (
        Block.objects.filter(blocker_id__in=[a, b], blocked_id__in=[a, b]).exclude(blocker_id=F("blocked_id")).exists()
    )


def message_send(*, sender: AbstractBaseUser, conversation_id: int, body: str) -> Message:
    """A participant writes. Refused: a conversation someone left or where one blocked the
    other, a suspended sender, an empty or over-long message; over 10 a minute: RateLimited."""
    body = _clean(body, rules.BODY_MAX, "message")
    with transaction.atomic():
        mine, theirs = _lock_membership(sender, conversation_id)
        if mine.left_at is not None:
            raise Refused("You left this conversation.")
        if theirs.left_at is not None or _blocked_between(mine.user_id, theirs.user_id):
            raise Refused("This conversation is closed: no one can write in it any more.")
        if selectors.is_suspended(mine.user_id):
            raise Refused("Your messaging is suspended by the moderators.")
        rate_limit_hit({f"collab:message:user:{sender.pk}": rules.MESSAGES})
        message = Message.objects.create(conversation_id=conversation_id, sender_id=sender.pk, body=body)
        Membership.objects.filter(pk=mine.pk).update(last_read_id=message.pk)
        _bump(conversation_id)
        _refresh_unread(theirs.user_id)
        _notice_later(theirs)
    return message


def conversation_read(*, user_id: int, conversation_id: int, up_to: int) -> None:
    """Mark the conversation read up to message ``up_to`` (never backwards)."""
    changed = Membership.objects.filter(
        conversation_id=conversation_id, user_id=user_id, last_read_id__lt=up_to
    ).update(last_read_id=up_to)
    if changed:
        stamps.unread_set(user_id, selectors.unread_count(user_id))


def conversation_leave(*, user: AbstractBaseUser, conversation_id: int) -> None:
    """Leave: the other sees it, and no one can write any more."""
    with transaction.atomic():
        mine, _ = _lock_membership(user, conversation_id)
        if mine.left_at is None:
            Membership.objects.filter(pk=mine.pk).update(left_at=timezone.now())
            _bump(conversation_id)
            _refresh_unread(mine.user_id)


def block(*, user: AbstractBaseUser, blocked_id: int) -> None:
    """``user`` blocks an account: no invitation and no message from it any more (it is not
    told). Their conversations close. Idempotent."""
    if blocked_id == user.pk:
        raise Refused("You cannot block yourself.")
    with transaction.atomic():
        _block(user, blocked_id)


def _block(user: AbstractBaseUser, blocked_id: int) -> None:
    """The block itself, inside the caller's transaction (a block, or a decline and block)."""
    Block.objects.get_or_create(blocker_id=user.pk, blocked_id=blocked_id)
    shared = Membership.objects.filter(user_id=user.pk, conversation__members__user_id=blocked_id).values_list(
        "conversation_id", flat=True
    )
    for conversation_id in list(shared):
        _bump(conversation_id)
    pending = Invitation.objects.filter(sender_id=blocked_id, recipient_id=user.pk, state=Invitation.State.PENDING)
    pending.update(state=Invitation.State.DECLINED, decided_at=timezone.now())
    _refresh_unread(int(user.pk or 0))


# --- Email notices -----------------------------------------------------------------------------


def _notice_later(recipient: Membership) -> None:
    """Queue one notice for the recipient's membership: a pending outbox row of the same key
    covers every message until it runs, and it runs no sooner than an hour after the last
    notice (rules.NOTICE_EVERY) and NOTICE_DELAY after now, which batches a burst."""
    now = timezone.now()
    due = now + rules.NOTICE_DELAY
    if recipient.last_notice_at is not None:
        due = max(due, recipient.last_notice_at + rules.NOTICE_EVERY)
    outbox.enqueue(NOTICE_TASK, [recipient.pk], key=f"collab-notice:{recipient.pk}", not_before=due)


def unsubscribe_token(user_id: int) -> str:
    return signing.dumps(user_id, salt=UNSUBSCRIBE_SALT)


def unsubscribe_user_id(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def notices_stop(*, user_id: int) -> None:
    NoticeOptOut.objects.get_or_create(user_id=user_id)


def message_notice_send(membership_id: int) -> bool:
    """Email the participant of ``membership_id`` about the messages they have not read and
    were not told about yet: one email for all of them. Nothing for an account that opted
    out, left, has read them, or has no address. Returns whether an email went out. Run at
    least once (core/outbox.py)."""
    with transaction.atomic():
        member = (
            Membership.objects.select_for_update(of=("self",))
            .select_related(
                "user", "conversation__invitation__sender_record", "conversation__invitation__recipient_record"
            )
            .filter(pk=membership_id)
            .first()
        )
        if member is None or member.left_at is not None or not member.user.email:
            return False
        if selectors.has_opted_out(member.user_id):
            return False
        floor = max(member.last_read_id, member.notified_up_to)
        new = Message.objects.filter(conversation_id=member.conversation_id, pk__gt=floor).exclude(
            sender_id=member.user_id
        )
        count = new.count()
        last = new.order_by("-id").values_list("pk", flat=True).first()
        if not count or last is None:
            return False
        invitation = member.conversation.invitation
        other = invitation.recipient_record if invitation.sender_id == member.user_id else invitation.sender_record
        context: dict[str, Any] = {
            "count": count,
            "other": other.name if other else "A researcher",
            "conversation_url": absolute_url(reverse("collaboration:conversation", args=[member.conversation_id])),
            "unsubscribe_url": absolute_url(
                reverse("collaboration:unsubscribe", args=[unsubscribe_token(member.user_id)])
            ),
        }
        text = render_to_string("collaboration/email/new_messages.txt", context).strip()
        subject, _, body = text.partition("\n")
        Membership.objects.filter(pk=member.pk).update(notified_up_to=last, last_notice_at=timezone.now())
        # Inside the transaction: a mail server that fails rolls the mark back, and the
        # outbox tries again later.
        send_mail(subject.strip(), body.strip() + "\n", None, [member.user.email])
    return True


# --- Reports and moderation --------------------------------------------------------------------


def report_file(
    *,
    reporter: AbstractBaseUser,
    reason: str,
    note: str = "",
    invitation_id: int | None = None,
    conversation_id: int | None = None,
) -> Report:
    """A participant reports an invitation they received or a conversation they take part
    in: moderators see it (the conversation's messages up to now). 10 a day."""
    if reason not in Report.Reason.values:
        raise Refused("Choose a reason.")
    note = _clean(note, rules.NOTE_MAX, "note", required=False)
    with transaction.atomic():
        up_to = None
        if invitation_id is not None:
            invitation = Invitation.objects.filter(pk=invitation_id, recipient_id=reporter.pk).first()
            if invitation is None:
                raise Invitation.DoesNotExist
            reported = invitation.sender_id
        elif conversation_id is not None:
            mine, theirs = _lock_membership(reporter, conversation_id)
            reported = theirs.user_id
            up_to = (
                Message.objects.filter(conversation_id=conversation_id)
                .order_by("-id")
                .values_list("pk", flat=True)
                .first()
                or 0
            )
        else:
            raise Refused("Report an invitation or a conversation.")
        rate_limit_hit({f"collab:report:user:{reporter.pk}": rules.REPORTS})
        report = Report.objects.create(
            reporter_id=reporter.pk,
            reported_id=reported,
            invitation_id=invitation_id,
            conversation_id=conversation_id,
            up_to_message_id=up_to,
            reason=reason,
            note=note,
        )
        ModerationEvent.objects.create(
            kind=ModerationEvent.Kind.REPORTED,
            actor_id=reporter.pk,
            report_id=report.pk,
            subject_user_id=reported,
            message=note,
            data={"reason": reason},
        )
    return report


DECISIONS = {
    "dismiss": (Report.State.DISMISSED, ModerationEvent.Kind.DISMISSED),
    "warn": (Report.State.WARNED, ModerationEvent.Kind.WARNED),
    "suspend": (Report.State.SUSPENDED, ModerationEvent.Kind.SUSPENDED),
}


def report_decide(*, moderator: AbstractBaseUser, report_id: int, decision: str, message: str = "") -> Report:
    """A moderator dismisses the report, warns the reported account or suspends its
    messaging. Logged (append-only). A decided report is not decided again."""
    if decision not in DECISIONS:
        raise Refused("Choose dismiss, warn or suspend.")
    message = _clean(message, rules.NOTE_MAX, "message", required=False)
    state, kind = DECISIONS[decision]
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        if report.state != Report.State.OPEN:
            raise Refused("This report was already decided.")
        if moderator.pk in (report.reported_id, report.reporter_id):
            raise Refused("You cannot decide a report you filed or one about your own account: another moderator must.")
        report.state = state
        report.decided_by_id = moderator.pk
        report.decided_at = timezone.now()
        report.save(update_fields=["state", "decided_by", "decided_at"])
        if decision == "suspend":
            Suspension.objects.get_or_create(user_id=report.reported_id, defaults={"report": report})
        if decision == "warn":  # the account is told, after commit (core.outbox)
            outbox.enqueue(WARNING_TASK, [report.pk])
        ModerationEvent.objects.create(
            kind=kind, actor_id=moderator.pk, report_id=report.pk, subject_user_id=report.reported_id, message=message
        )
    return report


def warning_send(report_id: int) -> bool:
    """Email the reported account the moderators' warning (the decision's message). Returns
    whether an email went out (not for an account without an address)."""
    report = Report.objects.select_related("reported").filter(pk=report_id, state=Report.State.WARNED).first()
    if report is None or not report.reported.email:
        return False
    event = ModerationEvent.objects.filter(report_id=report.pk, kind=ModerationEvent.Kind.WARNED).first()
    context = {"reason": report.get_reason_display(), "message": event.message if event else ""}
    text = render_to_string("collaboration/email/warning.txt", context).strip()
    subject, _, body = text.partition("\n")
    send_mail(subject.strip(), body.strip() + "\n", None, [report.reported.email])
    return True
