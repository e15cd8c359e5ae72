"""Direct collaboration (DESIGN §5, issue 15): invitations between claimed researchers, private
two-person conversations, blocks, reports, messaging suspensions and the moderators'
append-only decision log.

collaboration.services is the only writer of these rows; collaboration.selectors reads them.
Who may invite whom is decided by collaboration.rules (pure) from facts the selectors read
(claims, current records, graph edges), never from the trust snapshot.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from collaboration import rules
from profiles.models import Researcher, Topic
from works.models import Work

USER = settings.AUTH_USER_MODEL


class Policy(models.Model):
    """Whom a record's owner accepts invitations from, once the record is open to collaborate
    (``Researcher.open_to_collaborate``, on the owner's form). No row: ``any``."""

    class Choice(models.TextChoices):
        ANY = "any", "Any claimed researcher"
        L3 = "l3", "Researchers whose own record is verified at L3 (Claimed) or higher"
        COAUTHORS = "coauthors", "My co-authors and their co-authors"
        NOBODY = "nobody", "Nobody for now"

    researcher = models.OneToOneField(Researcher, on_delete=models.CASCADE, primary_key=True, related_name="+")
    policy = models.CharField(max_length=16, choices=Choice.choices, default=Choice.ANY)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(policy__in=["any", "l3", "coauthors", "nobody"]), name="policy_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.researcher_id}: {self.policy}"


class Invitation(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    sender = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    # The records as they were at sending; SET_NULL: OpenAlex may merge a record away.
    sender_record = models.ForeignKey(Researcher, null=True, on_delete=models.SET_NULL, related_name="+")
    recipient_record = models.ForeignKey(Researcher, null=True, on_delete=models.SET_NULL, related_name="+")
    # "low:high" user ids: one pending invitation per pair of accounts, in either direction.
    pair = models.CharField(max_length=41)
    subject = models.CharField(max_length=rules.SUBJECT_MAX)
    message = models.TextField(max_length=rules.MESSAGE_MAX)
    about_topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    about_work = models.ForeignKey(Work, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    why_you = models.TextField(blank=True, help_text="Computed from the graph at sending")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pair"], condition=models.Q(state="pending"), name="invitation_one_pending"
            ),
            models.CheckConstraint(condition=~models.Q(sender=models.F("recipient")), name="invitation_not_self"),
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "accepted", "declined"]), name="invitation_state_valid"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("message"), rules.MESSAGE_MAX), name="invitation_message_bounded"
            ),
        ]
        indexes = [
            models.Index(name="invitation_recipient", fields=["recipient", "state", "-created_at"]),
            models.Index(name="invitation_sender", fields=["sender", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} {self.sender_id} -> {self.recipient_id}: {self.state}"


class Conversation(models.Model):
    """Opened by an accepted invitation. ``version`` goes up with every change a participant
    sees (a message, a departure, a block); Redis holds it for the polls
    (collaboration.stamps)."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="conversation")
    version = models.PositiveBigIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Conversation {self.pk}"


class Membership(models.Model):
    """One participant of a conversation: what they have read, whether they left, when they
    were last emailed about it."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    last_read_id = models.BigIntegerField(default=0)
    left_at = models.DateTimeField(null=True, blank=True)
    notified_up_to = models.BigIntegerField(default=0)
    last_notice_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="membership_once")]
        indexes = [models.Index(name="membership_user", fields=["user"])]


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=rules.BODY_MAX)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=LessThanOrEqual(Length("body"), rules.BODY_MAX), name="message_bounded"),
            models.CheckConstraint(condition=~models.Q(body=""), name="message_not_empty"),
        ]
        indexes = [models.Index(name="message_conversation", fields=["conversation", "id"])]


class Block(models.Model):
    """``blocker`` receives nothing more from ``blocked``: no invitation, no message. The
    blocked account is not told."""

    blocker = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    blocked = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"),
        ]


class NoticeOptOut(models.Model):
    """The account asked for no more emails about new messages (the unsubscribe link)."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, primary_key=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class Report(models.Model):
    """A participant hands moderators an invitation or a conversation's messages (those sent
    up to ``up_to_message_id``, when it was reported)."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam or advertising"
        HARASSMENT = "harassment", "Harassment or abuse"
        IMPERSONATION = "impersonation", "Impersonation"
        OTHER = "other", "Something else"

    class State(models.TextChoices):
        OPEN = "open", "Waiting for a moderator"
        DISMISSED = "dismissed", "Dismissed"
        WARNED = "warned", "The account was warned"
        SUSPENDED = "suspended", "The account's messaging was suspended"

    reporter = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    reported = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    invitation = models.ForeignKey(Invitation, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    up_to_message_id = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.TextField(max_length=rules.NOTE_MAX, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(invitation__isnull=False) | models.Q(conversation__isnull=False),
                name="report_names_something",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("note"), rules.NOTE_MAX), name="report_note_bounded"
            ),
        ]
        indexes = [models.Index(name="report_queue", fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"Report {self.pk} by {self.reporter_id} on {self.reported_id}: {self.state}"


class Suspension(models.Model):
    """The account may not send invitations or messages (a moderator's decision on a report)."""

    user = models.OneToOneField(USER, on_delete=models.CASCADE, primary_key=True, related_name="+")
    report = models.ForeignKey(Report, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class ModerationEvent(models.Model):
    """Append-only log of every report and decision on one, like the claims audit log: a
    database trigger refuses UPDATE and DELETE (core.append_only, migration 0002), the admin
    is read-only, and the references are plain ids without foreign-key constraints."""

    class Kind(models.TextChoices):
        REPORTED = "reported", "Report filed"
        DISMISSED = "dismissed", "Report dismissed"
        WARNED = "warned", "Account warned"
        SUSPENDED = "suspended", "Messaging suspended"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="events"
    )
    subject_user = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(name="moderationevent_created", fields=["-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} (report {self.report_id})"
