"""Writes of the following app: a person's follows (:func:`follow_set`: the rule that nobody
follows their own record, then profiles.services.follow_set, the one follow write), their
following settings (private feed token, digest choice), composing digests and sending them."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from bzpeer.http import absolute_url
from claims import selectors as claims_selectors
from core import outbox
from core.limits import Rate, rate_limit_hit
from following import selectors
from following.models import Announcement, Digest, Subscription
from profiles import services as profiles_services
from profiles.models import Researcher
from works.models import Work
from works.selectors import NEWEST_FIRST, author_lists

DIGEST_TASK = "following.compose_digest"
DIGEST_EMAIL_TASK = "following.send_digest_email"
UNSUBSCRIBE_SALT = "following.unsubscribe"
# Changes of one account's following settings (token resets, digest choices).
SETTINGS_RATES_PER_ACCOUNT = (Rate(20, 3600),)


class FollowRefused(Exception):
    """The follow is refused; nothing was written and no limit was spent. ``str()`` is the
    sentence to show."""


OWN_RECORD = (
    "This is your own profile: you cannot follow it. Followers are the other people who follow "
    "your work, and your trust score counts only them."
)


def follow_set(*, user_id: int, researcher: Researcher, following: bool, client_ip: str | None = None) -> bool:
    """Make a person follow (``following=True``) or stop following ``researcher``: every
    follow and unfollow people make goes through here.

    The owner of the record (its approved claim) cannot follow it: :class:`FollowRefused`
    (:data:`OWN_RECORD`), before the limits, so nothing changes and nothing is spent (1
    query). Unfollowing is always allowed, so an owner can drop a follow made before their
    claim (which trust never counts: claims.facts.counted_follows). Otherwise
    profiles.services.follow_set: its limits (``core.limits.RateLimited``), idempotency,
    return value and the trust recompute it sends."""
    if following and claims_selectors.owns_record(user_id, researcher.pk):
        raise FollowRefused(OWN_RECORD)
    return profiles_services.follow_set(
        user_id=user_id, researcher=researcher, following=following, client_ip=client_ip
    )


def _new_token() -> str:
    return secrets.token_urlsafe(32)  # 43 characters, 256 bits


def subscription_for(user_id: int) -> Subscription:
    """The account's following settings, made (with a new private feed token) on first use.
    1 query when they exist."""
    found = Subscription.objects.filter(user_id=user_id).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Subscription.objects.create(user_id=user_id, feed_token=_new_token())
    except IntegrityError:  # made by a concurrent request meanwhile
        return Subscription.objects.get(user_id=user_id)


def _limit(user_id: int) -> None:
    rate_limit_hit({f"following:user:{user_id}": SETTINGS_RATES_PER_ACCOUNT})


def feed_token_reset(user_id: int) -> Subscription:
    """A new private feed token: the old feed URL answers 404 from now on. Over the limit,
    ``core.limits.RateLimited`` and nothing changes."""
    _limit(user_id)
    subscription = subscription_for(user_id)
    subscription.feed_token = _new_token()
    subscription.save(update_fields=["feed_token"])
    return subscription


def digest_set(user_id: int, frequency: str) -> Subscription:
    """Choose the email digest (``off``, ``daily`` or ``weekly``). Turning it on starts it
    from now: works that reached BZPEER earlier are not announced. Over the limit,
    ``core.limits.RateLimited`` and nothing changes."""
    if frequency not in Subscription.Digest.values:
        raise ValueError(f"no such digest frequency: {frequency!r}")
    _limit(user_id)
    subscription = subscription_for(user_id)
    if subscription.digest == Subscription.Digest.OFF and frequency != Subscription.Digest.OFF:
        subscription.digest_since = timezone.now()
    subscription.digest = frequency
    subscription.save(update_fields=["digest", "digest_since"])
    return subscription


# --- Unsubscribing without logging in ------------------------------------------------------------


def unsubscribe_token(user_id: int) -> str:
    """The signed token of the unsubscribe link in every digest of ``user_id``."""
    return signing.dumps({"u": user_id}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_user_id(token: str) -> int | None:
    """The account a genuine unsubscribe token names, or None for a forged or damaged one."""
    if len(token) > 200:
        return None
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    user_id = value.get("u") if isinstance(value, dict) else None
    return user_id if isinstance(user_id, int) else None


def digest_unsubscribe(user_id: int) -> bool:
    """Turn the account's digest off. Returns whether it was on. Needs no limit: only a
    genuine signed token reaches it, and a second time changes nothing."""
    return bool(
        Subscription.objects.filter(user_id=user_id).exclude(digest=Subscription.Digest.OFF).update(
            digest=Subscription.Digest.OFF
        )
    )


# --- Digests --------------------------------------------------------------------------------------


def digests_dispatch(frequency: str) -> int:
    """Beat's daily or weekly run: one outbox row (``following.compose_digest``) for each
    account with that digest, keyed so that a run repeated before they ran adds none.
    Returns how many rows were written."""
    user_ids = list(Subscription.objects.filter(digest=frequency).values_list("user_id", flat=True))
    with transaction.atomic():
        return len(
            outbox.enqueue_many(
                DIGEST_TASK, [[user_id] for user_id in user_ids], keys=[f"following.digest:{u}" for u in user_ids]
            )
        )


def digest_compose(user_id: int) -> Digest | None:
    """Announce to ``user_id`` the works new to them (following.selectors.digest_candidates)
    in one :class:`Digest`, and queue its one email (outbox row ``following.send_digest_email``),
    in one transaction. None, and nothing queued, when nothing is new or the digest is off.

    Idempotent and safe to run twice at once: the settings row is locked for the run, and each
    (user, work) announcement is unique, so a repeated, redelivered or concurrent run finds
    nothing new and sends nothing."""
    with transaction.atomic():
        subscription = Subscription.objects.select_for_update().filter(user_id=user_id).first()
        if subscription is None or subscription.digest == Subscription.Digest.OFF or not subscription.digest_since:
            return None
        since = subscription.digest_since
        if subscription.last_digest_at:
            since = max(since, subscription.last_digest_at - selectors.DIGEST_OVERLAP)
        work_ids = list(selectors.digest_candidates(user_id, since=since).values_list("pk", flat=True))
        if len(work_ids) < selectors.DIGEST_MAX_WORKS:
            # A full digest leaves the window where it was: what it could not hold (already
            # announced works are left out) goes in the next one.
            subscription.last_digest_at = timezone.now()
            subscription.save(update_fields=["last_digest_at"])
        if not work_ids:
            return None
        digest = Digest.objects.create(user_id=user_id, frequency=subscription.digest)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {Announcement._meta.db_table} (user_id, work_id, digest_id)
                    SELECT %s, unnest(%s::bigint[]), %s
                    ON CONFLICT (user_id, work_id) DO NOTHING""",
                [user_id, work_ids, digest.pk],
            )
            announced = cursor.rowcount
        if not announced:
            digest.delete()
            return None
        outbox.enqueue(DIGEST_EMAIL_TASK, [digest.pk])
        return digest


def digest_email_send(digest_id: int) -> bool:
    """Send the one email of a digest: its works, newest first, each with its first authors
    and link, and the unsubscribe link (also as RFC 8058 one-click headers). Not sent (False)
    when the digest is gone, the account has no address, or the person turned digests off
    since. A mail server failure raises: the outbox tries again later."""
    digest = Digest.objects.select_related("user").filter(pk=digest_id).first()
    if digest is None or not digest.user.email:
        return False
    if not Subscription.objects.filter(user_id=digest.user_id).exclude(digest=Subscription.Digest.OFF).exists():
        return False
    works = list(
        Work.objects.filter(pk__in=digest.announcements.values("work_id")).order_by(*NEWEST_FIRST)
    )
    authors = author_lists(works, limit=5)
    unsubscribe_url = absolute_url(reverse("following:unsubscribe", args=[unsubscribe_token(digest.user_id)]))
    context = {
        "digest": digest,
        "entries": [(work, authors[work.pk], absolute_url(reverse("pages:work", args=[work.openalex_id])))
                    for work in works],
        "following_url": absolute_url(reverse("following:page")),
        "unsubscribe_url": unsubscribe_url,
    }
    subject, _, body = render_to_string("following/email/digest.txt", context).strip().partition("\n")
    message = EmailMessage(
        subject.strip(),
        body.strip() + "\n",
        settings.DEFAULT_FROM_EMAIL,
        [digest.user.email],
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.send()
    return True
