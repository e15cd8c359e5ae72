"""Claims, their audit log and owner corrections (DESIGN §4).

The rules live in claims/rules.py (pure) and claims/services.py and claims/corrections.py
(the only writers of these rows). The database holds the invariants no code path may break:
one owner per record, one approved and one open claim per account, and an audit log that
cannot be changed once written (a trigger, profiles migration 0002).

These models began in the ``profiles`` app; they moved here with their tables kept
(``db_table``), so their names still start with ``profiles_``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from claims import rules
from profiles.models import Researcher

CLAIM_NOTE_MAX = rules.NOTE_MAX
CLAIM_MESSAGE_MAX = rules.MESSAGE_MAX
EVIDENCE_URL_MAX = rules.EVIDENCE_URL_MAX


class Claim(models.Model):
    """A signed-in person's claim that a researcher record is theirs."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for a moderator"
        NEEDS_EVIDENCE = "needs_evidence", "Needs more evidence"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        REVOKED = "revoked", "Revoked"

    class Method(models.TextChoices):
        ORCID = "orcid", "ORCID sign-in"
        EMAIL_DOMAIN = "email_domain", "Verified institutional email"
        EVIDENCE = "evidence", "Evidence reviewed by a moderator"

    class Reason(models.TextChoices):
        NO_EVIDENCE = "no_evidence", "No evidence"
        EVIDENCE_UNREACHABLE = "evidence_unreachable", "Evidence page unreachable"
        EMAIL_NOT_FOUND = "email_not_found", "Name or email not found on the page"
        SELF_MADE_PAGE = "self_made_page", "Self-made page"
        IMPERSONATION = "impersonation", "Impersonation"
        DUPLICATE_CLAIM = "duplicate_claim", "Duplicate claim"
        OTHER = "other", "Other"

    OPEN_STATES = (State.PENDING, State.NEEDS_EVIDENCE)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claims")
    # PROTECT: records are never deleted, except when OpenAlex merges two; the import then
    # moves claims to the surviving record first (claims.receivers, on profiles.signals.researcher_merged).
    researcher = models.ForeignKey(Researcher, on_delete=models.PROTECT, related_name="claims")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.EVIDENCE)
    evidence_url = models.CharField(max_length=EVIDENCE_URL_MAX, blank=True)
    note = models.TextField(max_length=CLAIM_NOTE_MAX, blank=True)
    # What an automatic path proved, kept even when the claim went to a moderator (a dispute).
    orcid = models.CharField(max_length=19, blank=True, help_text="ORCID iD proven by sign-in")
    email_domain = models.CharField(max_length=253, blank=True, help_text="Verified email domain that matched")
    # A claim by institutional email records the mailbox it used (claims.rules.mailbox: lower
    # case, +tag dropped), so one mailbox backs one claim at a time, and the check of the rule
    # at filing (claims.rules.EmailCheck.as_data): the match and why it was not approved at once.
    email_mailbox = models.CharField(max_length=254, blank=True, help_text="Mailbox of the verified address used")
    email_check = models.JSONField(default=dict, blank=True, help_text="The email rule's check at filing")
    # Filed while the record had an owner or another open claim: a moderator decides.
    is_dispute = models.BooleanField(default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=24, choices=Reason.choices, blank=True)
    message = models.TextField(max_length=CLAIM_MESSAGE_MAX, blank=True, help_text="Sent to the claimant")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "profiles_claim"
        constraints = [
            models.UniqueConstraint(
                fields=["researcher"], condition=models.Q(state="approved"), name="claim_one_owner_per_record"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(state="approved"), name="claim_one_approved_per_account"
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(state__in=["pending", "needs_evidence"]),
                name="claim_one_open_per_account",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    state__in=["pending", "needs_evidence", "approved", "rejected", "withdrawn", "revoked"]
                ),
                name="claim_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(method__in=["orcid", "email_domain", "evidence"]), name="claim_method_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(evidence_url="") | models.Q(evidence_url__regex=r"^https?://"),
                name="claim_evidence_url_http",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("note"), CLAIM_NOTE_MAX), name="claim_note_bounded"
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("message"), CLAIM_MESSAGE_MAX), name="claim_message_bounded"
            ),
        ]
        indexes = [
            models.Index(name="claim_queue", fields=["state", "created_at"]),
            models.Index(name="claim_user_created", fields=["user", "-created_at"]),
            models.Index(name="claim_researcher_state", fields=["researcher", "state"]),
            models.Index(
                name="claim_email_mailbox", fields=["email_mailbox"], condition=~models.Q(email_mailbox="")
            ),
        ]

    def __str__(self) -> str:
        return f"Claim {self.pk} on {self.researcher_id} by {self.user_id}: {self.state}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def method_phrase(self) -> str:
        """How the claim was made, after "Filed …" ("with evidence for a moderator")."""
        if self.method == self.Method.ORCID:
            return "by signing in with ORCID"
        if self.method == self.Method.EMAIL_DOMAIN:
            return "with a verified institutional email address"
        return "with evidence for a moderator"


class ClaimAuditEvent(models.Model):
    """Append-only log of every claim decision, revocation, dispute, withdrawal and owner
    correction. Rows are inserted by claims.services and claims.corrections and never changed: a database
    trigger rejects UPDATE and DELETE (migration 0002), and the admin is read-only.

    The references are plain ids without foreign-key constraints on purpose: the log must
    outlive the rows it mentions (a deleted account, a record merged by OpenAlex), and a
    cascade or SET NULL would be an UPDATE/DELETE the trigger refuses.
    """

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Claim submitted"
        AUTO_APPROVED = "auto_approved", "Claim approved automatically"
        DISPUTE_OPENED = "dispute_opened", "Dispute opened"
        EVIDENCE_ADDED = "evidence_added", "Evidence added"
        APPROVED = "approved", "Claim approved"
        REJECTED = "rejected", "Claim rejected"
        NEEDS_EVIDENCE = "needs_evidence", "More evidence requested"
        WITHDRAWN = "withdrawn", "Claim withdrawn"
        REVOKED = "revoked", "Claim revoked"
        CORRECTION = "correction", "Owner correction"
        CORRECTION_REVERTED = "correction_reverted", "Correction reverted"
        MOVED = "moved", "Moved to the surviving record of an OpenAlex merge"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="events"
    )
    researcher = models.ForeignKey(
        Researcher, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    reason = models.CharField(max_length=24, blank=True)
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "profiles_claimauditevent"
        indexes = [
            models.Index(name="audit_claim", fields=["claim", "created_at"]),
            models.Index(name="audit_researcher", fields=["researcher", "-created_at"]),
            models.Index(name="audit_created", fields=["-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} (claim {self.claim_id})"


class ProfileCorrection(models.Model):
    """One change the owner (or a moderator) made to a claimed record: the public history.

    ``old_value``/``new_value`` are text (the collaborate flag as "true"/"false"; for hidden
    works the hide reason). A reverted correction keeps its row and says who reverted it.
    """

    class Kind(models.TextChoices):
        BIO = "bio", "Bio"
        PREFERRED_NAME = "preferred_name", "Preferred name"
        COLLABORATE = "collaborate", "Open to collaborate"
        HIDE_WORK = "hide_work", "Work hidden"
        UNHIDE_WORK = "unhide_work", "Work shown again"

    researcher = models.ForeignKey(Researcher, on_delete=models.PROTECT, related_name="corrections")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # For hide_work/unhide_work: the work (works.Work), as a plain id without a foreign key (as
    # when this model lived in profiles, below works); the history row never follows the work.
    work_id = models.BigIntegerField(null=True, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reverted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "profiles_profilecorrection"
        indexes = [models.Index(name="correction_history", fields=["researcher", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.researcher_id} ({self.created_at:%Y-%m-%d})"
