"""Claims and moderation decisions: the only code that writes claims (owner corrections are
claims/corrections.py).

Every function here runs in one transaction, locks the rows it decides on, appends to the
audit log (ClaimAuditEvent) in the same transaction, and writes there too what must follow
it: the email as an outbox row (core/outbox.py), sent by a worker once the transaction
committed, and, when a trust input changed, ``profiles.signals.trust_inputs_changed`` (graph
writes its recompute to the outbox), so a rolled-back change notifies nobody and a committed
one is notified even if Redis is down at that moment. Refusals raise
:class:`ClaimRefused` with a sentence for the person, and change nothing.

Rules (DESIGN §4; pure parts in claims/rules.py):

* Claimants are signed in with a verified email address (allauth ``EmailAddress``).
* An account holds at most one approved and one open (pending or needs-evidence) claim, and
  files at most ``settings.CLAIMS_PER_DAY`` claims in any 24 hours. Disputes are bounded per
  account and per record (``rules.DISPUTES_PER_ACCOUNT``/``DISPUTES_PER_RECORD`` in any
  ``DISPUTE_WINDOW_DAYS``), and their emails to the owner per day. Over a limit:
  :class:`ClaimRateLimited`, which says when to try again.
* ORCID sign-in whose iD is the record's → approved at once (L4); a verified email whose
  domain matches one of the record's institutions → approved at once (L3) only when the
  whole rule of claims.rules.EmailCheck holds (registrable domain, current institution, a
  local part that follows the record's name, a mailbox that backs no other claim), else
  pending with the check kept on the claim for the moderator; otherwise evidence → pending.
  A claim on a record that has an owner or another open claim is a dispute: it waits for a
  moderator whatever its proof, and never replaces anything.
* A moderator cannot decide their own claim; a decided claim stays decided (two moderators
  at once: the second gets :class:`AlreadyDecided`).
* Revoking a claim reverts the owner's corrections (claims/corrections.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from bzpeer.http import absolute_url
from claims import rules
from claims.corrections import revert_owner_corrections
from claims.models import Claim, ClaimAuditEvent, ProfileCorrection
from claims.rules import ClaimRateLimited, ClaimRefused, window_full_until
from claims.selectors import Proofs, claims_per_day, has_verified_email, proofs_for, verified_emails
from core import outbox
from core.limits import Rate, RateLimited, rate_limit_hit
from profiles.models import Researcher
from profiles.signals import trust_inputs_changed
from works.models import HiddenWork

logger = logging.getLogger(__name__)

State, Method, Event = Claim.State, Claim.Method, ClaimAuditEvent.Kind

# The task that sends a claim's emails (claims/tasks.py), by the name the outbox knows it.
CLAIM_EMAIL_TASK = "claims.send_claim_email"


class AlreadyDecided(ClaimRefused):
    """Someone else decided (or the claimant withdrew) the claim first."""

    def __init__(self, claim: Claim) -> None:
        self.claim = claim
        when = timezone.localtime(claim.decided_at or claim.updated_at).strftime("%Y-%m-%d %H:%M")
        super().__init__(f"This claim was already {claim.get_state_display().lower()} ({when}); nothing was changed.")


# --- Filing a claim ----------------------------------------------------------------------------


def claim_submit(
    *, user: AbstractUser, researcher_id: int, method: str, evidence_url: str = "", note: str = ""
) -> Claim:
    """File a claim on a record by ``method`` (orcid, email_domain or evidence).

    The proof is checked again here (never trusted from the form). Approved at once for a
    matching ORCID iD, or for a verified address that meets the whole email rule
    (claims.rules.EmailCheck), unless the record is owned or has an open claim (then a
    pending dispute). An address whose domain matches but that fails the rule files a
    pending claim; the claim keeps the mailbox it used and the check (``email_mailbox``,
    ``email_check``) for the moderator. Appends ``submitted`` and ``auto_approved`` or
    ``dispute_opened``; after commit emails the claimant (and the record's owner, for a
    dispute) and enqueues the trust recompute when approved. Raises ClaimRefused.
    """
    if method not in Method.values:
        raise ClaimRefused("Choose how you want to prove that this record is yours.")
    evidence_url, note = _clean_evidence(evidence_url, note, url_required=method == Method.EVIDENCE)
    with transaction.atomic():
        # Lock the account, then the record: concurrent claims by one account, or on one
        # record, queue up here instead of racing past the checks below.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        researcher = Researcher.objects.select_for_update().get(pk=researcher_id)
        _check_claimant(user.pk, researcher)
        addresses = verified_emails(user.pk)
        if method == Method.EMAIL_DOMAIN:
            _lock_mailboxes(addresses)
        proofs = proofs_for(user.pk, researcher, addresses=addresses)
        if method == Method.ORCID and not proofs.orcid:
            raise ClaimRefused(_orcid_mismatch(proofs, researcher))
        if method == Method.EMAIL_DOMAIN and not proofs.email:
            raise ClaimRefused(
                "None of your verified email addresses is at a domain of this record's institutions. "
                "Add and verify an institutional address, or claim with evidence."
            )
        rivals = list(
            Claim.objects.filter(researcher=researcher, state__in=[State.APPROVED, *Claim.OPEN_STATES])
            .exclude(user_id=user.pk)
            .values_list("pk", flat=True)
        )
        is_dispute = bool(rivals)
        if is_dispute:
            _check_dispute_limits(user.pk, researcher)
        owns_another = Claim.objects.filter(user_id=user.pk, state=State.APPROVED).exists()
        email = proofs.email if method == Method.EMAIL_DOMAIN else None
        proven = method == Method.ORCID or (email is not None and email.approvable)
        auto = proven and not is_dispute and not owns_another
        owner: Claim | None = None
        mail_owner = False
        now = timezone.now()
        claim = Claim(
            user_id=user.pk,
            researcher=researcher,
            method=method,
            state=State.APPROVED if auto else State.PENDING,
            evidence_url=evidence_url if method == Method.EVIDENCE else "",
            note=note,
            orcid=proofs.orcid if method == Method.ORCID else "",
            email_domain=email.email_domain if email else "",
            email_mailbox=email.mailbox if email else "",
            email_check=email.as_data() if email else {},
            is_dispute=is_dispute,
            decided_at=now if auto else None,
        )
        _save(claim)
        _log(Event.SUBMITTED, claim, actor_id=user.pk, data=_claim_data(claim))
        if auto:
            _log(Event.AUTO_APPROVED, claim, actor_id=None, data={"method": method, **_proof_data(claim)})
        elif is_dispute:
            owner = Claim.objects.filter(researcher=researcher, state=State.APPROVED).first()
            mail_owner = owner is not None and _dispute_mail_allowed(owner)
            _log(
                Event.DISPUTE_OPENED,
                claim,
                actor_id=user.pk,
                data={"rivals": rivals, "owner_emailed": mail_owner},
            )
        _after_commit(claim, "auto_approved" if auto else "submitted", trust=auto)
        if owner is not None and mail_owner:
            _notify_after_commit(owner, "dispute_owner")
    return claim


def _lock_mailboxes(addresses: list[str]) -> None:
    """Take a transaction-scoped advisory lock on each mailbox of ``addresses`` (sorted, so two
    claimants never wait on each other in a circle). Claims by email through one mailbox then
    run one after the other: two accounts holding two ``+tags`` of one mailbox cannot both
    find it backing no other claim and both be approved."""
    with connection.cursor() as cursor:
        for box in sorted({rules.mailbox(a) for a in addresses} - {""}):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"bzpeer.claim_mailbox:{box}"])


def _clean_evidence(evidence_url: str, note: str, *, url_required: bool) -> tuple[str, str]:
    """The evidence link and note, stripped; raises ClaimRefused for a bad link (when one is
    required) or a note over the limit."""
    evidence_url, note = (evidence_url or "").strip(), (note or "").strip()
    problem = rules.evidence_url_problem(evidence_url) if url_required else ""
    if problem:
        raise ClaimRefused(problem)
    if len(note) > rules.NOTE_MAX:
        raise ClaimRefused(f"The note is too long (at most {rules.NOTE_MAX} characters).")
    return evidence_url, note


def _check_claimant(user_id: int, researcher: Researcher) -> None:
    if not has_verified_email(user_id):
        raise ClaimRefused("Verify your email address before you claim a record.")
    if researcher.record_status == Researcher.RecordStatus.DELETED:
        raise ClaimRefused("OpenAlex deleted this author record, so it cannot be claimed.")
    now, day = timezone.now(), timedelta(days=1)
    recent = list(Claim.objects.filter(user_id=user_id, created_at__gt=now - day).values_list("created_at", flat=True))
    again = window_full_until(recent, limit=claims_per_day(), window=day, now=now)
    if again is not None:
        raise ClaimRateLimited(
            f"You have filed {len(recent)} claims in the last 24 hours, the most an account may. "
            f"You can file another after {again.astimezone(UTC):%Y-%m-%d %H:%M} UTC.",
            retry_at=again,
        )
    mine = {
        c.researcher_id: c
        for c in Claim.objects.filter(user_id=user_id, state__in=[State.APPROVED, *Claim.OPEN_STATES])
    }
    if researcher.pk in mine:
        if mine[researcher.pk].state == State.APPROVED:
            raise ClaimRefused("You already own this record.")
        raise ClaimRefused("You already have an open claim on this record: see its status below.")
    open_elsewhere = [c for c in mine.values() if c.is_open]
    if open_elsewhere:
        raise ClaimRefused(
            "You already have an open claim on another record. An account holds one open claim at a time: "
            "withdraw it, or wait for its decision, before you claim another."
        )


def _check_dispute_limits(user_id: int, researcher: Researcher) -> None:
    """Refuse a dispute over the per-account or the per-record bound (withdrawn disputes
    count: filing and withdrawing must not reset them). Runs with the account and the
    record locked, so concurrent disputes cannot both take the last place."""
    now, window = timezone.now(), timedelta(days=rules.DISPUTE_WINDOW_DAYS)
    disputes = Claim.objects.filter(is_dispute=True, created_at__gt=now - window)
    mine = disputes.filter(user_id=user_id).values_list("created_at", flat=True)
    again = window_full_until(mine, limit=rules.DISPUTES_PER_ACCOUNT, window=window, now=now)
    if again is not None:
        raise ClaimRateLimited(
            f"You have opened {rules.DISPUTES_PER_ACCOUNT} disputes in the last {rules.DISPUTE_WINDOW_DAYS} days, "
            "the most an account may. You can dispute a record again after "
            f"{again.astimezone(UTC):%Y-%m-%d %H:%M} UTC.",
            retry_at=again,
        )
    on_record = disputes.filter(researcher_id=researcher.pk).values_list("created_at", flat=True)
    again = window_full_until(on_record, limit=rules.DISPUTES_PER_RECORD, window=window, now=now)
    if again is not None:
        raise ClaimRateLimited(
            f"This record has had {rules.DISPUTES_PER_RECORD} disputes in the last {rules.DISPUTE_WINDOW_DAYS} days, "
            "the most it takes while moderators review them. You can dispute it after "
            f"{again.astimezone(UTC):%Y-%m-%d %H:%M} UTC.",
            retry_at=again,
        )


def _dispute_mail_allowed(owner: Claim) -> bool:
    """Whether the owner may be emailed about one more dispute today (at most
    ``rules.DISPUTE_EMAILS_PER_OWNER_PER_DAY``, counted in core.limits within the caller's
    transaction). A dispute over it is still filed, and waits in the moderators' queue."""
    try:
        rate_limit_hit({f"dispute-email:user:{owner.user_id}": (Rate(rules.DISPUTE_EMAILS_PER_OWNER_PER_DAY, 86400),)})
    except RateLimited:
        logger.info("dispute on record %s: owner %s already emailed today", owner.researcher_id, owner.user_id)
        return False
    return True


def _orcid_mismatch(proofs: Proofs, researcher: Researcher) -> str:
    if not proofs.signed_in_orcids:
        return "Sign in with ORCID first: the claim is approved when your ORCID iD is the record's."
    if not researcher.orcid:
        return "This record carries no ORCID iD, so ORCID sign-in cannot prove it is yours. Claim with evidence."
    return (
        f"You signed in with ORCID iD {', '.join(proofs.signed_in_orcids)}, but the record carries "
        f"{researcher.orcid}. Claim with evidence if this record is yours."
    )


def claim_add_evidence(*, user: AbstractUser, claim_id: int, evidence_url: str, note: str = "") -> Claim:
    """The claimant answers a request for evidence: the claim goes back to pending (same place
    in the queue). Only the claimant, only for a claim that needs evidence."""
    evidence_url, note = _clean_evidence(evidence_url, note, url_required=True)
    with transaction.atomic():
        claim = _lock_own_claim(user, claim_id)
        if claim.state != State.NEEDS_EVIDENCE:
            raise (
                AlreadyDecided(claim)
                if not claim.is_open
                else ClaimRefused("A moderator has not asked for more evidence on this claim.")
            )
        claim.evidence_url, claim.state = evidence_url, State.PENDING
        if note:
            claim.note = note
        _save(claim)
        _log(Event.EVIDENCE_ADDED, claim, actor_id=user.pk, data={"evidence_url": evidence_url, "note": note})
    return claim


def claim_withdraw(*, user: AbstractUser, claim_id: int) -> Claim:
    """The claimant withdraws an open (pending or needs-evidence) claim."""
    with transaction.atomic():
        claim = _lock_own_claim(user, claim_id)
        if not claim.is_open:
            raise AlreadyDecided(claim)
        claim.state, claim.decided_at = State.WITHDRAWN, timezone.now()
        _save(claim)
        _log(Event.WITHDRAWN, claim, actor_id=user.pk)
        _after_commit(claim, "withdrawn", trust=False)
    return claim


def claim_release(*, user: AbstractUser, claim_id: int) -> Claim:
    """The owner gives up an approved claim: the record is unclaimed again (their corrections
    stay, each revertible). Logged as a withdrawal; trust recompute enqueued."""
    with transaction.atomic():
        claim = _lock_own_claim(user, claim_id)
        if claim.state != State.APPROVED:
            raise AlreadyDecided(claim)
        claim.state = State.WITHDRAWN
        _save(claim)
        _log(Event.WITHDRAWN, claim, actor_id=user.pk, data={"released": True})
        _after_commit(claim, "released", trust=True)
    return claim


def _lock_own_claim(user: AbstractUser, claim_id: int) -> Claim:
    """The caller's claim, locked; someone else's claim is "not found" (no hint it exists)."""
    claim = Claim.objects.select_for_update().filter(pk=claim_id, user_id=user.pk).select_related("researcher").first()
    if claim is None:
        raise Claim.DoesNotExist(f"no claim {claim_id} of this account")
    return claim


# --- Moderation --------------------------------------------------------------------------------


def claim_decide(
    *, moderator: AbstractUser, claim_id: int, decision: str, reason: str = "", message: str = ""
) -> Claim:
    """Approve, reject or ask for more evidence on an open claim; exactly one decision lands.

    The claim row is locked (SELECT … FOR UPDATE): a second moderator deciding at the same
    moment waits, then finds the claim decided and gets AlreadyDecided. ``message`` defaults
    to the reason's template. Approval fails while the record has another owner or the
    claimant owns another record (revoke first). After commit: claimant emailed, trust
    recompute enqueued (for the record, and for the claimant's own records on a finding).
    """
    if decision not in rules.DECISIONS:
        raise ClaimRefused("Choose approve, reject or needs evidence.")
    reason, message = _reason_and_message(decision, reason, message)
    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("researcher").get(pk=claim_id)
        if not claim.is_open:
            raise AlreadyDecided(claim)
        if claim.user_id == moderator.pk:
            raise ClaimRefused("You cannot decide your own claim: another moderator must.")
        if decision == rules.APPROVE:
            _check_approvable(claim)
        claim.state = {
            rules.APPROVE: State.APPROVED,
            rules.REJECT: State.REJECTED,
            rules.NEEDS_EVIDENCE: State.NEEDS_EVIDENCE,
        }[decision]
        claim.reason = reason
        claim.message = message or rules.default_message(decision, reason, record=_record_name(claim.researcher))
        claim.decided_by_id, claim.decided_at = moderator.pk, timezone.now()
        _save(claim)
        _log(Event(claim.state), claim, actor_id=moderator.pk, reason=reason, message=claim.message)
        extra = _owned_by(claim.user_id) if reason in rules.FINDING_REASONS else []
        _after_commit(claim, f"decided_{claim.state}", trust=True, extra_researchers=extra)
    return claim


def _check_approvable(claim: Claim) -> None:
    owner = Claim.objects.filter(researcher_id=claim.researcher_id, state=State.APPROVED).first()
    if owner is not None:
        raise ClaimRefused(
            f"This record already has an owner (claim {owner.pk}). Revoke that claim first if this one should "
            "replace it."
        )
    other = Claim.objects.filter(user_id=claim.user_id, state=State.APPROVED).select_related("researcher").first()
    if other is not None:
        raise ClaimRefused(
            f"This account already owns {_record_name(other.researcher)} (claim {other.pk}); an account owns one "
            "record. Revoke that claim first, or reject this one as a duplicate."
        )


def claim_revoke(
    *, moderator: AbstractUser, claim_id: int, reason: str, message: str = "", revert_corrections: bool = True
) -> Claim:
    """Revoke an approved claim: the record is unclaimed again and its level drops back.
    With ``revert_corrections`` the owner's unreverted corrections are reverted too (an
    impersonator's bio must not stay on the page). Row-locked like decisions."""
    reason, message = _reason_and_message(rules.REVOKE, reason, message)
    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("researcher").get(pk=claim_id)
        if claim.state != State.APPROVED:
            raise AlreadyDecided(claim)
        claim.state, claim.reason = State.REVOKED, reason
        claim.message = message or rules.default_message(rules.REVOKE, reason, record=_record_name(claim.researcher))
        claim.decided_by_id, claim.decided_at = moderator.pk, timezone.now()
        _save(claim)
        reverted = (
            revert_owner_corrections(researcher_id=claim.researcher_id, owner_id=claim.user_id, actor=moderator)
            if revert_corrections
            else []
        )
        _log(
            Event.REVOKED,
            claim,
            actor_id=moderator.pk,
            reason=reason,
            message=claim.message,
            data={"reverted_corrections": reverted},
        )
        extra = _owned_by(claim.user_id) if reason in rules.FINDING_REASONS else []
        _after_commit(claim, "revoked", trust=True, extra_researchers=extra)
    return claim


def _reason_and_message(decision: str, reason: str, message: str) -> tuple[str, str]:
    reason, message = (reason or "").strip(), (message or "").strip()
    if reason and reason not in Claim.Reason.values:
        raise ClaimRefused("Choose one of the listed reasons.")
    if rules.reason_required(decision) and not reason:
        raise ClaimRefused("Choose a reason: the claimant is told why.")
    if len(message) > rules.MESSAGE_MAX:
        raise ClaimRefused(f"The message is too long (at most {rules.MESSAGE_MAX} characters).")
    return reason, message


def _owned_by(user_id: int) -> list[int]:
    return list(Claim.objects.filter(user_id=user_id, state=State.APPROVED).values_list("researcher_id", flat=True))


# --- OpenAlex merges ---------------------------------------------------------------------------


def claims_move_researcher(source_id: int, target_id: int) -> None:
    """OpenAlex merged record ``source_id`` into ``target_id`` (works/upsert.py deletes the
    source next, in the same transaction): claims, corrections and hidden works follow, and
    owner columns fill the target's where it has none. An approved claim on the source when
    the target already has an owner cannot follow as approved (one owner per record): it is
    revoked as a duplicate, and the log says why. Each moved claim is logged."""
    target = Researcher.objects.select_for_update().get(pk=target_id)
    source = Researcher.objects.get(pk=source_id)
    target_owned = Claim.objects.filter(researcher_id=target_id, state=State.APPROVED).exists()
    for claim in Claim.objects.select_for_update().filter(researcher_id=source_id):
        if claim.state == State.APPROVED and target_owned:
            claim.state, claim.reason, claim.decided_at = State.REVOKED, Claim.Reason.DUPLICATE_CLAIM, timezone.now()
            claim.message = f"OpenAlex merged this record into {target.openalex_id}, which already had an owner."
        claim.researcher_id = target_id
        _save(claim)
        _log(Event.MOVED, claim, actor_id=None, data={"from": source.openalex_id, "to": target.openalex_id})
    ProfileCorrection.objects.filter(researcher_id=source_id).update(researcher_id=target_id)
    HiddenWork.objects.filter(
        researcher_id=source_id, work_id__in=HiddenWork.objects.filter(researcher_id=target_id).values("work_id")
    ).delete()
    HiddenWork.objects.filter(researcher_id=source_id).update(researcher_id=target_id)
    for column in ("owner_bio", "preferred_name"):
        if not getattr(target, column) and getattr(source, column):
            setattr(target, column, getattr(source, column))
    target.open_to_collaborate = target.open_to_collaborate or source.open_to_collaborate
    target.save(update_fields=["owner_bio", "preferred_name", "open_to_collaborate"])


# --- Shared helpers ----------------------------------------------------------------------------


def _save(claim: Claim) -> None:
    """Save, turning a broken database rule (a race the locks did not cover) into a refusal."""
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError as exc:
        raise ClaimRefused(_constraint_sentence(str(exc))) from exc


def _constraint_sentence(error: str) -> str:
    if "claim_one_owner_per_record" in error:
        return "This record already has an owner."
    if "claim_one_approved_per_account" in error:
        return "This account already owns a record."
    if "claim_one_open_per_account" in error:
        return "You already have an open claim."
    return "This claim breaks a rule of the database and was not saved."


def _log(
    kind: str,
    claim: Claim,
    *,
    actor_id: int | None,
    reason: str = "",
    message: str = "",
    data: dict[str, Any] | None = None,
) -> ClaimAuditEvent:
    return ClaimAuditEvent.objects.create(
        kind=kind,
        actor_id=actor_id,
        claim=claim,
        researcher_id=claim.researcher_id,
        reason=reason,
        message=message,
        data={"state": claim.state, **(data or {})},
    )


def _claim_data(claim: Claim) -> dict[str, Any]:
    return {
        "method": claim.method,
        "evidence_url": claim.evidence_url,
        "note": claim.note,
        "dispute": claim.is_dispute,
        **_proof_data(claim),
        **({"email_check": claim.email_check} if claim.email_check else {}),
    }


def _proof_data(claim: Claim) -> dict[str, Any]:
    proofs = (("orcid", claim.orcid), ("email_domain", claim.email_domain), ("email_mailbox", claim.email_mailbox))
    return {k: v for k, v in proofs if v}


def _record_name(researcher: Researcher) -> str:
    return f"{researcher.name} ({researcher.openalex_id})"


def _after_commit(claim: Claim, template: str, *, trust: bool, extra_researchers: Iterable[int] = ()) -> None:
    """What must follow the decision, written in its transaction (call inside it): the
    claimant's email and, when ``trust``, ``trust_inputs_changed`` for the record (and
    ``extra_researchers``). Both end up as outbox rows (core/outbox.py) that commit or roll
    back with the decision and run once it committed, whatever the broker does."""
    _notify_after_commit(claim, template)
    if trust:
        trust_inputs_changed.send(sender=Claim, researcher_ids=[claim.researcher_id, *extra_researchers])


def _notify_after_commit(claim: Claim, template: str) -> None:
    """Email the claim's account about ``template`` (templates/claims/email/<template>.txt)
    once the current transaction commits: an outbox row for ``claims.send_claim_email``,
    written in it. Sending is :func:`claim_email_send`, on a worker."""
    outbox.enqueue(CLAIM_EMAIL_TASK, [claim.pk, template])


def claim_email_send(claim_id: int, template: str) -> bool:
    """Send the email ``template`` about this claim to its account, rendered from the claim
    as it is now. Returns whether a message went out (not for a claim that is gone or an
    account without an address). A mail server failure raises: the outbox tries again
    later, and the decision stands either way (the claimant sees it on their claims page).
    Run at least once per decision (core/outbox.py): a process that dies right after the
    server accepted the message sends it a second time."""
    fresh = Claim.objects.select_related("user", "researcher").filter(pk=claim_id).first()
    if fresh is None or not fresh.user.email:
        return False
    context = {
        "claim": fresh,
        "record": _record_name(fresh.researcher),
        "claim_url": absolute_url(reverse("claims:claim", args=[fresh.researcher.openalex_id])),
        "next_step": rules.next_step(fresh.state),
    }
    subject, _, body = render_to_string(f"claims/email/{template}.txt", context).strip().partition("\n")
    send_mail(subject.strip(), body.strip() + "\n", None, [fresh.user.email])
    return True
