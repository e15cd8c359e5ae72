"""What following gives a person beyond the follow itself (profiles.Follow): their private
feed's token, their digest choice, and the works each digest announced."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from works.models import Work


class Subscription(models.Model):
    """One account's following settings, made on its first visit to the following page.

    ``feed_token`` is the secret of the private feed's URL (``/following/feed/<token>.atom``);
    resetting it makes the old URL a 404. ``digest`` is off until the person picks daily or
    weekly; ``digest_since`` is when they last turned it on: works that reached BZPEER before
    that are never announced."""

    class Digest(models.TextChoices):
        OFF = "off", "No email"
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following")
    feed_token = models.CharField(max_length=64, unique=True, db_collation="C")
    digest = models.CharField(max_length=8, choices=Digest.choices, default=Digest.OFF)
    digest_since = models.DateTimeField(null=True, blank=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(name="subscription_digest", fields=["digest"])]

    def __str__(self) -> str:
        return f"following settings of user {self.user_id}"


class Digest(models.Model):
    """One digest email: the works it announces are its :class:`Announcement` rows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests")
    frequency = models.CharField(max_length=8, choices=Subscription.Digest.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.frequency} digest {self.pk} of user {self.user_id}"


class Announcement(models.Model):
    """A work announced to a person in a digest. Unique per (user, work): a work is never
    announced twice to the same person, whatever runs twice or at once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="+")
    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="announcements")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "work"], name="announcement_unique")]

    def __str__(self) -> str:
        return f"work {self.work_id} to user {self.user_id}"
