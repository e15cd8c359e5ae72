"""Researchers and the entities a profile shows beside them (institutions, topics).

Every OpenAlex entity keeps its short OpenAlex key (``A5023888391``) in a unique column; the
bigint primary key is ours. Columns filled from OpenAlex are written only by the import upsert
(works/upsert.py), which names them explicitly: columns that people own (owner bio, preferred
name, the collaborate flag, follows, claims) are never in its lists, so a re-import cannot
touch them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from profiles import claim_rules


class Institution(models.Model):
    openalex_id = models.CharField(max_length=16, unique=True, db_collation="C")
    display_name = models.TextField()
    ror = models.CharField(max_length=32, blank=True, help_text="ROR id without the URL prefix")
    country_code = models.CharField(max_length=2, blank=True)
    type = models.CharField(max_length=32, blank=True)
    homepage_url = models.URLField(max_length=500, blank=True)
    # Domains whose verified email addresses count as "at this institution" (claims):
    # derived from the homepage host at import time.
    email_domains = ArrayField(models.CharField(max_length=253), default=list, blank=True)
    lineage = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    # False while we only know the dehydrated form seen inside another record.
    is_full_record = models.BooleanField(default=False)
    openalex_updated = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.display_name


class Topic(models.Model):
    """A 2024+ OpenAlex topic (T…) or, for older records, a legacy concept (C…)."""

    class Kind(models.TextChoices):
        TOPIC = "topic", "Topic"
        CONCEPT = "concept", "Legacy concept"

    openalex_id = models.CharField(max_length=16, unique=True, db_collation="C")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.TOPIC)
    display_name = models.TextField()
    description = models.TextField(blank=True)
    subfield = models.TextField(blank=True)
    field = models.TextField(blank=True)
    domain = models.TextField(blank=True)
    level = models.SmallIntegerField(null=True, blank=True, help_text="Concept level (0 = root)")

    def __str__(self) -> str:
        return self.display_name


class Researcher(models.Model):
    class RecordStatus(models.TextChoices):
        # Known only from other records' authorships (a co-author not imported yet).
        STUB = "stub", "Co-author stub"
        IMPORTED = "imported", "Imported"
        # OpenAlex replaced the record with a tombstone ("Deleted Author").
        DELETED = "deleted", "Deleted in OpenAlex"

    openalex_id = models.CharField(max_length=16, unique=True, db_collation="C")
    orcid = models.CharField(
        max_length=19, blank=True, db_index=True, db_collation="C", help_text="0000-0000-0000-000X"
    )
    display_name = models.TextField()
    display_name_alternatives = ArrayField(models.TextField(), default=list, blank=True)
    # Case- and accent-folded names for search (profiles.names.fold).
    search_name = models.TextField(blank=True)
    record_status = models.CharField(max_length=8, choices=RecordStatus.choices, default=RecordStatus.STUB)

    works_count = models.IntegerField(default=0)
    cited_by_count = models.IntegerField(default=0)
    h_index = models.IntegerField(null=True, blank=True)
    i10_index = models.IntegerField(null=True, blank=True)
    two_year_mean_citedness = models.FloatField(null=True, blank=True)
    # [{"year": 2024, "works_count": 3, "cited_by_count": 40}, ...] ascending by year.
    counts_by_year = models.JSONField(default=list, blank=True)
    generated_bio = models.TextField(blank=True)

    openalex_updated = models.DateTimeField(null=True, blank=True)
    openalex_created = models.DateField(null=True, blank=True)
    # When an import last changed this row (unchanged data leaves it alone).
    imported_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Owned by the person who claims the record; never written by imports.
    owner_bio = models.TextField(blank=True)
    preferred_name = models.CharField(max_length=200, blank=True)
    open_to_collaborate = models.BooleanField(default=False)

    class Meta:
        indexes = [
            GinIndex(name="researcher_search_trgm", fields=["search_name"], opclasses=["gin_trgm_ops"]),
            models.Index(name="researcher_imported", fields=["-imported_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.openalex_id})"

    @property
    def name(self) -> str:
        return self.preferred_name or self.display_name

    @property
    def bio(self) -> str:
        return self.owner_bio or self.generated_bio

    @property
    def bio_is_generated(self) -> bool:
        return not self.owner_bio


class ResearcherAlias(models.Model):
    """An OpenAlex author id that now means another record: a legacy (pre-2023) id resolved
    through ORCID, or an id OpenAlex merged into another."""

    class Reason(models.TextChoices):
        LEGACY = "legacy", "Legacy author id, resolved through ORCID"
        MERGED = "merged", "Merged by OpenAlex"

    openalex_id = models.CharField(max_length=16, unique=True, db_collation="C")
    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="aliases")
    reason = models.CharField(max_length=8, choices=Reason.choices)
    merged_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.openalex_id} → {self.researcher.openalex_id}"


class ResearcherAffiliation(models.Model):
    class Source(models.TextChoices):
        AFFILIATIONS = "affiliations", "OpenAlex author affiliations (with years)"
        LAST_KNOWN = "last_known", "OpenAlex last known institution"

    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="affiliations")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="+")
    years = ArrayField(models.SmallIntegerField(), default=list, blank=True)
    is_last_known = models.BooleanField(default=False)
    source = models.CharField(max_length=16, choices=Source.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["researcher", "institution"], name="affiliation_unique"),
        ]


class ResearcherTopic(models.Model):
    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="topics")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="+")
    rank = models.SmallIntegerField()
    works_count = models.IntegerField(null=True, blank=True, help_text="Topics: works on the topic")
    share = models.FloatField(null=True, blank=True, help_text="Topics: topic_share value")
    score = models.FloatField(null=True, blank=True, help_text="Legacy concepts: score 0-100")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["researcher", "topic"], name="researcher_topic_unique"),
        ]
        ordering = ["rank"]


class Follow(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="followers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "researcher"], name="follow_unique"),
        ]


# --- Claims and moderation (DESIGN §4) --------------------------------------------------------
#
# The rules live in profiles/claim_rules.py (pure) and profiles/claim_services.py (the only
# writer of these rows). The database holds the invariants no code path may break: one owner
# per record, one approved and one open claim per account, and an audit log that cannot be
# changed once written (a trigger, migration 0002).

CLAIM_NOTE_MAX = claim_rules.NOTE_MAX
CLAIM_MESSAGE_MAX = claim_rules.MESSAGE_MAX
EVIDENCE_URL_MAX = claim_rules.EVIDENCE_URL_MAX


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
    # moves claims to the surviving record first (profiles.claim_services.claims_move_researcher).
    researcher = models.ForeignKey(Researcher, on_delete=models.PROTECT, related_name="claims")
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.EVIDENCE)
    evidence_url = models.CharField(max_length=EVIDENCE_URL_MAX, blank=True)
    note = models.TextField(max_length=CLAIM_NOTE_MAX, blank=True)
    # What an automatic path proved, kept even when the claim went to a moderator (a dispute).
    orcid = models.CharField(max_length=19, blank=True, help_text="ORCID iD proven by sign-in")
    email_domain = models.CharField(max_length=253, blank=True, help_text="Verified email domain that matched")
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
    correction. Rows are inserted by profiles.claim_services and never changed: a database
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
    # For hide_work/unhide_work: the work (works.Work); a plain id keeps profiles free of works.
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
        indexes = [models.Index(name="correction_history", fields=["researcher", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.researcher_id} ({self.created_at:%Y-%m-%d})"
