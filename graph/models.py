"""Materialised co-author edges and stored trust snapshots."""

from __future__ import annotations

from django.db import models

from profiles.models import Researcher


class CoauthorEdge(models.Model):
    """Two researchers who share works. Stored once per pair with ``researcher_a_id <
    researcher_b_id``; refreshed from authorships by graph.services after imports."""

    researcher_a = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="+")
    researcher_b = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="+")
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
    explain and reproduce it. The newest row per researcher is the current score."""

    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="trust_snapshots")
    formula_version = models.CharField(max_length=16)
    score = models.FloatField()
    tier = models.CharField(max_length=16)
    level = models.SmallIntegerField()
    components = models.JSONField()
    inputs = models.JSONField()
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(name="trust_latest", fields=["researcher", "-computed_at"])]
