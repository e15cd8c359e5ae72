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
from django.db.models import F

from profiles.text_search import INSTITUTIONS_CONFIG, TOPICS_CONFIG, name_vector, unaccented_vector


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

    class Meta:
        indexes = [
            # Search (search.selectors) and the country filter of researcher results.
            GinIndex(unaccented_vector("display_name", INSTITUTIONS_CONFIG), name="institution_search_fts"),
            models.Index(name="institution_country", fields=["country_code"]),
        ]

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

    class Meta:
        indexes = [GinIndex(unaccented_vector("display_name", TOPICS_CONFIG), name="topic_search_fts")]

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
            GinIndex(name_vector(), name="researcher_search_fts"),
            # Researcher results without a text query (filters only) are read in this order.
            models.Index(name="researcher_works_count", fields=["-works_count", "id"]),
            models.Index(name="researcher_open", fields=["id"], condition=models.Q(open_to_collaborate=True)),
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
        indexes = [
            # Researchers by the place they are at now, read from the index alone (the country
            # filter of search: the institutions of a country, then their researchers).
            models.Index(
                name="affiliation_current", fields=["institution", "researcher"], condition=models.Q(is_last_known=True)
            ),
        ]


class ResearcherTopic(models.Model):
    # The unique (researcher, topic) index serves lookups by researcher, researcher_topic_top
    # (topic first) those by topic: neither foreign key needs an index of its own.
    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="topics", db_index=False)
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="+", db_index=False)
    rank = models.SmallIntegerField()
    works_count = models.IntegerField(null=True, blank=True, help_text="Topics: works on the topic")
    share = models.FloatField(null=True, blank=True, help_text="Topics: topic_share value")
    score = models.FloatField(null=True, blank=True, help_text="Legacy concepts: score 0-100")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["researcher", "topic"], name="researcher_topic_unique"),
        ]
        indexes = [
            # The topic page's researchers, most works first (pages.selectors.topic_page): the
            # first 50 of a topic are read in this order, not all of its researchers sorted.
            models.Index(
                F("topic"),
                F("works_count").desc(nulls_last=True),
                F("score").desc(nulls_last=True),
                name="researcher_topic_top",
            ),
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
