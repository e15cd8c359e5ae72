"""Works, their authorships and sources, and import jobs.

Like profiles.models, OpenAlex-sourced columns are written only by works/upsert.py.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F

from profiles.models import Researcher, Topic
from profiles.text_search import TITLES_CONFIG, unaccented_vector


class Source(models.Model):
    """A venue: journal, repository, conference, ... (OpenAlex S…; legacy V… ids map to S…)."""

    openalex_id = models.CharField(max_length=16, unique=True, db_collation="C")
    display_name = models.TextField()
    type = models.CharField(max_length=32, blank=True)
    issn_l = models.CharField(max_length=9, blank=True)
    host_organization_name = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.display_name


# Longest title a page shows (Work.display_title); longer ones end in an ellipsis.
DISPLAY_TITLE_MAX = 3_000


class Work(models.Model):
    openalex_id = models.CharField(max_length=16, unique=True, db_collation="C")
    doi = models.CharField(
        max_length=255, blank=True, db_collation="C", help_text="Lower-case, without https://doi.org/"
    )
    title = models.TextField(null=True, blank=True)
    type = models.CharField(max_length=32, blank=True)
    type_crossref = models.CharField(max_length=32, blank=True)
    publication_year = models.SmallIntegerField(null=True, blank=True)
    publication_date = models.DateField(null=True, blank=True)
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="works")
    # The venue's name as the record gives it (also for pre-2023 host_venue without an id).
    venue_name = models.TextField(blank=True)
    landing_page_url = models.TextField(blank=True)
    abstract = models.TextField(blank=True)
    language = models.CharField(max_length=8, blank=True)
    cited_by_count = models.IntegerField(default=0)
    counts_by_year = models.JSONField(default=list, blank=True)
    is_oa = models.BooleanField(null=True, blank=True)
    oa_status = models.CharField(max_length=16, blank=True)
    oa_url = models.TextField(blank=True)
    is_retracted = models.BooleanField(default=False)
    referenced_works = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    referenced_works_count = models.IntegerField(null=True, blank=True)
    related_works = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    # OpenAlex list responses cap authorships at 100; a truncated record never shortens the
    # author list we already hold.
    is_authors_truncated = models.BooleanField(default=False)
    openalex_updated = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    researchers: models.ManyToManyField[Researcher, Authorship] = models.ManyToManyField(
        Researcher, through="Authorship", related_name="works"
    )
    topics: models.ManyToManyField[Topic, WorkTopic] = models.ManyToManyField(
        Topic, through="WorkTopic", related_name="works"
    )

    class Meta:
        indexes = [
            # Newest first (works.selectors.NEWEST_FIRST): the following page of someone who
            # follows thousands of works walks it and keeps theirs.
            models.Index(
                F("publication_date").desc(nulls_last=True),
                F("publication_year").desc(nulls_last=True),
                F("id").desc(),
                name="work_newest_first",
            ),
            models.Index(name="work_doi", fields=["doi"]),
            # A work's sort keys by id, read from the index alone: lists gathered from many
            # researchers' authorships (the following page) and a profile's works list order
            # thousands of works by date or citations without a heap fetch each. There is no
            # index led by citations or title on purpose: the planner could then walk the
            # whole table in that order looking for one researcher's works.
            models.Index(
                name="work_sort_key", fields=["id"], include=["publication_date", "publication_year", "cited_by_count"]
            ),
            GinIndex(unaccented_vector("title", TITLES_CONFIG), name="work_title_fts"),  # search.selectors (no order)
        ]

    def __str__(self) -> str:
        return self.title or self.openalex_id

    @property
    def display_title(self) -> str:
        """The title as every page shows it: "Untitled work" when there is none, and cut at
        :data:`DISPLAY_TITLE_MAX` characters with an ellipsis. Imports already truncate
        titles (at 2,000 characters), but a page must stay small whatever a row holds."""
        title = self.title or "Untitled work"
        return title if len(title) <= DISPLAY_TITLE_MAX else title[: DISPLAY_TITLE_MAX - 1].rstrip() + "…"


class Authorship(models.Model):
    # An authorship is the position-th author of a work: that is its key. A surrogate id would
    # cost every import one more index (about 10 rows per work). The (researcher, work) index
    # serves lookups by researcher; neither foreign key needs an index of its own.
    pk = models.CompositePrimaryKey("work_id", "position")
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="authorships", db_index=False)
    # Index in the record's author list (0-based), which keeps byline order.
    position = models.SmallIntegerField()
    author_position = models.CharField(max_length=8, blank=True, help_text="first / middle / last")
    # Null when OpenAlex gives no author id (2026 records do that).
    researcher = models.ForeignKey(
        Researcher, null=True, blank=True, on_delete=models.SET_NULL, related_name="authorships", db_index=False
    )
    raw_author_name = models.TextField(blank=True)
    is_corresponding = models.BooleanField(null=True, blank=True)
    raw_affiliation_strings = ArrayField(models.TextField(), default=list, blank=True)
    countries = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    # OpenAlex ids of the institutions (profiles.Institution.openalex_id), in the record's order.
    institution_openalex_ids = ArrayField(models.CharField(max_length=16), default=list, blank=True)

    class Meta:
        indexes = [models.Index(name="authorship_researcher", fields=["researcher", "work"])]
        ordering = ["position"]


class WorkTopic(models.Model):
    # The unique (work, topic) index serves lookups by work; work_topic_by_topic (topic, work)
    # lookups by topic, and gives a topic's works from the index alone (the topic page).
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="work_topics", db_index=False)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="+", db_index=False)
    score = models.FloatField(null=True, blank=True)
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["work", "topic"], name="work_topic_unique")]
        indexes = [models.Index(fields=["topic", "work"], name="work_topic_by_topic")]


class ImportJob(models.Model):
    """One import run. The row is the job's state: the page polls it, admins read it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        AUTHOR = "author", "Author from the OpenAlex API"
        FILES = "files", "OpenAlex files"

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.AUTHOR)
    query = models.TextField(help_text="OpenAlex id, ORCID or name; file paths for file imports")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    researcher = models.ForeignKey(
        Researcher, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    works_expected = models.IntegerField(null=True, blank=True)
    works_fetched = models.IntegerField(default=0)
    works_written = models.IntegerField(default=0)
    pages_fetched = models.IntegerField(default=0)
    message = models.TextField(blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # The last sign of life of the run that holds the job, written with its progress (per
    # batch, per page) and at least every few seconds in between
    # (works.services.import_job_heartbeat). works.reap_stalled_jobs marks a running job
    # failed once this is older than settings.IMPORT_HEARTBEAT_TIMEOUT.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(name="importjob_status", fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.query}): {self.status}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.works_expected:
            return 5 if self.status == self.Status.RUNNING else 0
        return min(99, int(100 * self.works_fetched / self.works_expected))


class HiddenWork(models.Model):
    """A work the owner of a claimed record hid from their profile ("not mine", "duplicate").

    Kept apart from the imported rows (Work, Authorship), which the import rewrites: the
    upsert never reads or writes this table, so a hidden work stays hidden across every
    re-import. Written only by claims.corrections (each hide/unhide is also a
    ProfileCorrection; unhiding deletes the row) and moved by claims.services when OpenAlex
    merges the record into another.
    """

    class Reason(models.TextChoices):
        NOT_MINE = "not_mine", "Not mine"
        DUPLICATE = "duplicate", "Duplicate of another work"
        OTHER = "other", "Other"

    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="hidden_works")
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="hidden_by")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=200, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["researcher", "work"], name="hidden_work_unique"),
            models.CheckConstraint(
                condition=models.Q(reason__in=["not_mine", "duplicate", "other"]), name="hidden_work_reason_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Work {self.work_id} hidden from {self.researcher_id} ({self.reason})"


class SnapshotSync(models.Model):
    """One sync of an OpenAlex snapshot folder (works/snapshot_sync.py): the plan made from its
    manifests and, through its task rows, the state of every part. The row is the sync's
    state: the imports page shows it, the finishing task closes it.

    **running** while tasks are queued or at work; **finishing** once every part task has
    ended (set exactly once, in the transaction of the last task to end, which queues the
    finishing task: merged ids, then the follow-ups); **done** when every task is done;
    **failed** when some failed (the summary names them; running the command on the same
    folder again re-queues them and continues this sync).

    ``watermarks``: per entity, the newest ``updated_date`` partition this sync covers (the
    newest of the previous completed sync when it planned nothing newer). Once the sync is
    done they are what the next sync starts after (incremental); a sync that is not done moves
    nothing. ``problems``: what the plan found wrong with the folder that no task row carries
    (an unreadable manifest, files no manifest lists), each ``{"part": path, "error": why}``.
    ``full_load``: no sync had completed before this one, so every researcher is touched and
    the sync keeps no list of them (SnapshotTouched)."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHING = "finishing", "Finishing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    root = models.TextField(help_text="The snapshot folder (holds data/<entity>/manifest)")
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    # The watermarks of the syncs completed before this one: what its plan started after.
    since = models.JSONField(default=dict, blank=True)
    watermarks = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)
    full_load = models.BooleanField(default=False)
    followups = models.CharField(max_length=8, default="queue", help_text="queue, now or skip")
    message = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(name="snapshotsync_root_state", fields=["root", "state"])]

    def __str__(self) -> str:
        return f"Snapshot sync {self.pk} ({self.root}): {self.state}"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)


class SnapshotTask(models.Model):
    """One task of a sync: a part file, or a range of its records (``first_record`` to
    ``last_record``, 0-based, inclusive, counted over its non-blank lines), or a merged-ids
    file (``kind`` merged_ids, run by the finishing task after every part).

    A worker claims the row (a conditional UPDATE: queued, or running with a stale heartbeat)
    and heartbeats it per batch; a row that is done is never read again. ``attempts`` counts
    claims; a transient failure (the database went away, a deadlock) puts the row back to
    queued until ``works.snapshot_sync.MAX_ATTEMPTS``; anything else fails it with
    ``last_error`` (per-record errors name file, line, entity and reason)."""

    class Kind(models.TextChoices):
        PART = "part", "Part"
        MERGED_IDS = "merged_ids", "Merged ids"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    sync = models.ForeignKey(SnapshotSync, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PART)
    entity = models.CharField(max_length=32)
    partition = models.DateField(help_text="updated_date of the partition (merge date of a merged-ids file)")
    path = models.TextField(help_text="The part file, relative to the sync's root")
    first_record = models.BigIntegerField(default=0)
    last_record = models.BigIntegerField(null=True, blank=True, help_text="None: to the end of the file")
    # The order tasks are queued in (entities a work points to first); ties by id.
    position = models.IntegerField(default=0)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    records_expected = models.BigIntegerField(null=True, blank=True, help_text="The manifest's, for this range")
    content_length = models.BigIntegerField(null=True, blank=True, help_text="The manifest's size of the file")
    records_read = models.BigIntegerField(default=0)
    records_written = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sync", "path", "first_record"], name="snapshottask_unique_range"),
        ]
        indexes = [
            models.Index(name="snapshottask_sync_state", fields=["sync", "state"]),
            models.Index(
                name="snapshottask_running",
                fields=["heartbeat_at"],
                condition=models.Q(state="running"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.state})"

    @property
    def label(self) -> str:
        """The part and its range as the summary and the page name it."""
        if self.last_record is None and self.first_record == 0:
            return self.path
        end = "end" if self.last_record is None else f"{self.last_record + 1:,}"
        return f"{self.path} records {self.first_record + 1:,}–{end}"


class SnapshotTouched(models.Model):
    """A researcher a sync's tasks wrote or whose works they wrote (WriteResult.researcher_ids),
    recorded in the transaction of the batch that touched them, so a task that is killed and
    run again loses none (its second run rewrites nothing, and so would name none). The
    finishing task refreshes their derived data once (``followed_up``). Not kept for a
    full load (everyone is touched). No foreign key to the researcher: one merged away in
    the meantime is simply skipped by the refresh."""

    pk = models.CompositePrimaryKey("sync_id", "researcher_id")
    sync = models.ForeignKey(SnapshotSync, on_delete=models.CASCADE, related_name="+", db_index=False)
    researcher_id = models.BigIntegerField()
    followed_up = models.BooleanField(default=False)
