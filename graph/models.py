"""Materialised co-author edges and stored trust snapshots."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models

from graph.trust_formula import Tier, displayed_score
from profiles.models import Researcher
from profiles.verification import LEVEL_NAMES


class CoauthorEdge(models.Model):
    """Two researchers who share works. Stored once per pair with ``researcher_a_id <
    researcher_b_id``; refreshed from authorships by graph.edges after imports.

    Derived data, rebuilt from authorships at any time, so the keys carry no database
    constraint: checking tens of millions of foreign keys at every full refresh cost more
    than the refresh itself. Deleting a researcher through the ORM still cascades here, and
    the one raw deletion (an OpenAlex merge, works/upsert.py) deletes the edges first; the
    unique (a, b) index and the (b, shared) index serve every lookup."""

    researcher_a = models.ForeignKey(
        Researcher, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    researcher_b = models.ForeignKey(
        Researcher, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    shared_works = models.IntegerField()
    first_year = models.SmallIntegerField(null=True, blank=True)
    last_year = models.SmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["researcher_a", "researcher_b"], name="coauthor_edge_unique"),
            models.CheckConstraint(
                condition=models.Q(researcher_a__lt=models.F("researcher_b")), name="coauthor_edge_ordered"
            ),
        ]
        indexes = [models.Index(name="coauthor_edge_b", fields=["researcher_b", "-shared_works"])]


class TrustSnapshot(models.Model):
    """One computation of a researcher's trust score: the score and everything needed to
    explain and reproduce it (graph.trust_formula, graph.trust_services).

    Rows are append-only history: a recompute adds a row only when the formula version, the
    inputs or the score differ from the researcher's current row (``digest`` compares the
    three), and then moves ``is_current`` to the new row in the same transaction. Exactly one
    row per researcher is current once a score exists (a partial unique constraint), so
    pages read the current score with one indexed lookup and never compute it.
    """

    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="trust_snapshots")
    formula_version = models.CharField(max_length=16)
    score = models.FloatField()
    tier = models.CharField(max_length=16)
    level = models.SmallIntegerField()
    # [Component.to_json(), ...]: name, label, points, cap, evidence, rule.
    components = models.JSONField()
    # TrustInputs.to_json(): everything the formula read.
    inputs = models.JSONField()
    computed_at = models.DateTimeField()
    is_current = models.BooleanField(default=False)
    # graph.trust_services.snapshot_digest(formula_version, score, inputs): "did it change?"
    # without reading the inputs of every current row back.
    digest = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["researcher"], condition=models.Q(is_current=True), name="trust_one_current"
            ),
        ]
        indexes = [
            models.Index(name="trust_latest", fields=["researcher", "-computed_at"]),
            # Search filters researcher results by current verification level (search.selectors).
            models.Index(
                name="trust_current_level", fields=["level", "researcher"], condition=models.Q(is_current=True)
            ),
        ]

    def __str__(self) -> str:
        return f"Trust {self.display_score} ({self.formula_version}) of researcher {self.researcher_id}"

    @property
    def display_score(self) -> int:
        """The whole number pages show ("Trust 21"); the tier agrees with it."""
        return displayed_score(self.score)

    @property
    def tier_label(self) -> str:
        return Tier(self.tier).label

    @property
    def level_name(self) -> str:
        """ "Source-matched" for L1 (DESIGN §2)."""
        return LEVEL_NAMES[self.level]


class SimilarResearcher(models.Model):
    """A researcher like ``researcher`` who is not one of their close collaborators: they share
    top topics and/or co-authors (DESIGN §6, "similar researchers by shared topics and
    co-authors, each with its reason"). Derived data, computed set-based by graph.similar after
    imports and by ``manage.py refresh_similar``, never per request; at most
    graph.similar.SIMILAR_KEPT rows per researcher. No database constraint on the keys, like
    CoauthorEdge: reads join the researchers, so rows of a researcher deleted by raw SQL (an
    OpenAlex merge) show nowhere and go at the next refresh."""

    researcher = models.ForeignKey(
        Researcher, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    similar = models.ForeignKey(
        Researcher, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    score = models.FloatField()
    shared_topics = models.SmallIntegerField(default=0)
    topic_names = ArrayField(models.TextField(), default=list, blank=True)  # the first few, as stored
    common_coauthors = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["researcher", "similar"], name="similar_researcher_unique")]
        indexes = [
            models.Index(name="similar_researcher_top", fields=["researcher", "-score", "similar"]),
            # Who lists a researcher: an import's refresh writes its pairs into the other lists.
            models.Index(name="similar_researcher_similar", fields=["similar"]),
        ]

    def __str__(self) -> str:
        return f"{self.similar_id} is like {self.researcher_id} ({self.score:g})"

    @property
    def reasons(self) -> list[str]:
        """Why, in words: "4 shared topics: A, B, C", "3 co-authors in common"."""
        parts = []
        if self.shared_topics:
            noun = "shared topic" if self.shared_topics == 1 else "shared topics"
            names = ", ".join(self.topic_names)
            more = "…" if self.shared_topics > len(self.topic_names) else ""
            parts.append(f"{self.shared_topics} {noun}: {names}{more}" if names else f"{self.shared_topics} {noun}")
        if self.common_coauthors:
            noun = "co-author" if self.common_coauthors == 1 else "co-authors"
            parts.append(f"{self.common_coauthors} {noun} in common")
        return parts


class DerivedRefreshRun(models.Model):
    """One full refresh of the derived data (co-author edges, then trust and similar
    researchers), split into :class:`DerivedRefreshPartition` rows that Celery tasks run
    (graph.derived_refresh). Written by that module only; the admin shows the progress."""

    class State(models.TextChoices):
        RUNNING = "running"
        DONE = "done"
        # Ended, but some partitions failed MAX_PARTITION_ATTEMPTS times (graph.derived_refresh):
        # everything else was refreshed, and the next night starts a fresh run.
        FAILED = "failed", "Done with failures"

    reason = models.CharField(max_length=32)  # "nightly", "command", "snapshot", ...
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    # The step whose partitions run now: 0 edges, 1 trust and similar (they read the edges).
    step = models.SmallIntegerField(default=0)
    # False: a process runs the partitions itself (``refresh_derived --all --inline``), and
    # the last partition of a step queues nothing.
    queued = models.BooleanField(default=True)
    partition_researchers = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One full refresh at a time: a second would only redo the same partitions.
            models.UniqueConstraint(fields=["state"], condition=models.Q(state="running"), name="derived_one_running")
        ]

    def __str__(self) -> str:
        return f"Derived data refresh {self.pk} ({self.reason}, {self.state})"


class DerivedRefreshPartition(models.Model):
    """One task of a :class:`DerivedRefreshRun`: one kind of derived data for the researchers
    with ``low <= id < high`` (an end null: open). ``state`` becomes done in the transaction
    that wrote the partition's rows, so a partition run twice does its work once."""

    class Kind(models.TextChoices):
        EDGES = "edges"
        TRUST = "trust"
        SIMILAR = "similar"

    class State(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        FAILED = "failed"  # gave up after MAX_PARTITION_ATTEMPTS (graph.derived_refresh); never run again

    run = models.ForeignKey(DerivedRefreshRun, on_delete=models.CASCADE, related_name="partitions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    step = models.SmallIntegerField()
    low = models.BigIntegerField(null=True, blank=True)
    high = models.BigIntegerField(null=True, blank=True)
    researchers = models.IntegerField(default=0)  # when the run was planned
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.IntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_changed = models.IntegerField(default=0)  # edges changed, snapshots written, similar rows stored
    failures = models.IntegerField(default=0)  # researchers trust could not score (logged)
    error = models.TextField(blank=True)  # why the partition failed (state failed)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "kind", "low"], name="derived_partition_unique")]
        indexes = [models.Index(name="derived_partition_step", fields=["run", "step", "state"])]

    def __str__(self) -> str:
        return f"{self.kind} [{self.low}, {self.high}) of run {self.run_id}"

    @property
    def seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()
