"""Owner corrections: the owner's bio, preferred name, collaborate flag and hidden works, and
reverting them. The only code that writes ProfileCorrection rows and hides or shows works
(works.HiddenWork; claims.services only moves both to the surviving record of a merge).

Every function runs in one transaction, locks the record, writes one ProfileCorrection and
one audit event per change, and sends ``profiles.signals.trust_inputs_changed`` in the same
transaction (graph writes the trust recompute to the outbox there; it runs once the
transaction commits). Refusals raise
:class:`claims.rules.ClaimRefused` and change nothing. Only the record's owner corrects it;
the owner or any moderator reverts a correction (claims.services revokes through
:func:`revert_owner_corrections`).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.utils import timezone

from claims import rules
from claims.models import ClaimAuditEvent, ProfileCorrection
from claims.rules import ClaimRefused
from claims.selectors import owner_claim
from profiles.models import Researcher
from profiles.signals import trust_inputs_changed
from works.models import Authorship, HiddenWork

Kind = ProfileCorrection.Kind
Event = ClaimAuditEvent.Kind


def profile_update(
    *,
    owner: AbstractUser,
    researcher_id: int,
    bio: str | None = None,
    preferred_name: str | None = None,
    open_to_collaborate: bool | None = None,
) -> list[ProfileCorrection]:
    """The owner changes their bio, preferred name or collaborate flag (None = leave as is; an
    empty bio or name goes back to the generated bio / the OpenAlex name). One correction per
    field that changed; nothing logged for an unchanged field. Only owner columns are
    written, so imports never undo them. Enqueues the trust recompute when anything changed."""
    with transaction.atomic():
        researcher = _lock_owned(owner, researcher_id)
        changes: list[tuple[str, str, str, str]] = []  # (kind, column, old, new)
        if bio is not None:
            bio = _clean_text(bio, rules.BIO_MAX, "bio")
            changes.append((Kind.BIO, "owner_bio", researcher.owner_bio, bio))
        if preferred_name is not None:
            preferred_name = " ".join(preferred_name.split())
            if len(preferred_name) > rules.PREFERRED_NAME_MAX:
                raise ClaimRefused(f"The name is too long (at most {rules.PREFERRED_NAME_MAX} characters).")
            changes.append((Kind.PREFERRED_NAME, "preferred_name", researcher.preferred_name, preferred_name))
        if open_to_collaborate is not None:
            changes.append(
                (
                    Kind.COLLABORATE,
                    "open_to_collaborate",
                    _flag(researcher.open_to_collaborate),
                    _flag(open_to_collaborate),
                )
            )
        made = []
        for kind, column, old, new in changes:
            if old == new:
                continue
            setattr(researcher, column, _unflag(new) if kind == Kind.COLLABORATE else new)
            made.append(_correct(researcher, kind, owner, old=old, new=new))
        if made:
            researcher.save(update_fields=["owner_bio", "preferred_name", "open_to_collaborate"])
            _trust_inputs_changed(researcher_id)
    return made


def work_hide(
    *, owner: AbstractUser, researcher_id: int, work_id: int, reason: str, note: str = ""
) -> ProfileCorrection:
    """Hide one of the record's works from the profile ("not mine", "duplicate", other with a
    note). Idempotent per work: hiding a hidden work is refused. Logged; trust recompute."""
    if reason not in HiddenWork.Reason.values:
        raise ClaimRefused("Choose why you hide this work.")
    note = _clean_text(note, rules.HIDE_NOTE_MAX, "note")
    if reason == HiddenWork.Reason.OTHER and not note:
        raise ClaimRefused("Say in a few words why you hide this work.")
    with transaction.atomic():
        researcher = _lock_owned(owner, researcher_id)
        if not Authorship.objects.filter(researcher_id=researcher_id, work_id=work_id).exists():
            raise ClaimRefused("This work is not on your record.")
        if HiddenWork.objects.filter(researcher_id=researcher_id, work_id=work_id).exists():
            raise ClaimRefused("This work is already hidden.")
        HiddenWork.objects.create(
            researcher_id=researcher_id, work_id=work_id, reason=reason, note=note, hidden_by_id=owner.pk
        )
        correction = _correct(researcher, Kind.HIDE_WORK, owner, old="", new=_hide_value(reason, note), work_id=work_id)
        _trust_inputs_changed(researcher_id)
    return correction


def work_unhide(*, owner: AbstractUser, researcher_id: int, work_id: int) -> ProfileCorrection:
    """Show a hidden work again. Logged; trust recompute."""
    with transaction.atomic():
        researcher = _lock_owned(owner, researcher_id)
        hidden = HiddenWork.objects.filter(researcher_id=researcher_id, work_id=work_id).first()
        if hidden is None:
            raise ClaimRefused("This work is not hidden.")
        hidden.delete()
        correction = _correct(
            researcher, Kind.UNHIDE_WORK, owner, old=_hide_value(hidden.reason, hidden.note), new="", work_id=work_id
        )
        _trust_inputs_changed(researcher_id)
    return correction


def correction_revert(*, actor: AbstractUser, correction_id: int) -> ProfileCorrection:
    """Undo a correction: by the record's owner or any moderator (staff). Refused when the
    value changed again since (revert the later change first) or it was already reverted.
    Logged; trust recompute."""
    with transaction.atomic():
        correction = ProfileCorrection.objects.select_for_update().get(pk=correction_id)
        if not (actor.is_staff or owner_claim(actor, correction.researcher_id)):
            raise ProfileCorrection.DoesNotExist("only the owner or a moderator reverts a correction")
        if correction.reverted_at is not None:
            raise ClaimRefused("This change was already reverted.")
        if not _revert(correction, actor, strict=True):
            raise ClaimRefused("This was changed again since: revert the later change first.")
        _trust_inputs_changed(correction.researcher_id)
    return correction


def _revert(correction: ProfileCorrection, actor: AbstractUser, *, strict: bool) -> bool:
    """Restore the value before ``correction`` if the record still shows its result; False
    (nothing changed) otherwise. Caller holds the transaction."""
    researcher = Researcher.objects.select_for_update().get(pk=correction.researcher_id)
    column: dict[str, str] = {
        Kind.BIO: "owner_bio",
        Kind.PREFERRED_NAME: "preferred_name",
        Kind.COLLABORATE: "open_to_collaborate",
    }
    kind = correction.kind
    if kind in column:
        current = getattr(researcher, column[kind])
        current = _flag(current) if kind == Kind.COLLABORATE else current
        if current != correction.new_value:
            return False
        restored = _unflag(correction.old_value) if kind == Kind.COLLABORATE else correction.old_value
        setattr(researcher, column[kind], restored)
        researcher.save(update_fields=[column[kind]])
    else:
        work_id = int(correction.work_id or 0)  # hide/unhide corrections always name a work
        hidden = HiddenWork.objects.filter(researcher_id=researcher.pk, work_id=work_id)
        if kind == Kind.HIDE_WORK:
            if not hidden.exists():
                return False
            hidden.delete()
        else:
            if hidden.exists():
                return False
            reason, _, note = correction.old_value.partition(": ")
            HiddenWork.objects.create(
                researcher_id=researcher.pk,
                work_id=work_id,
                reason=reason or "other",
                note=note,
                hidden_by_id=actor.pk,
            )
    correction.reverted_by_id, correction.reverted_at = actor.pk, timezone.now()
    correction.save(update_fields=["reverted_by", "reverted_at"])
    ClaimAuditEvent.objects.create(
        kind=Event.CORRECTION_REVERTED,
        actor_id=actor.pk,
        researcher_id=researcher.pk,
        data={
            "correction": correction.pk,
            "kind": kind,
            "restored": correction.old_value,
            "by_moderator": actor.is_staff,
        },
    )
    return True


def _lock_owned(owner: AbstractUser, researcher_id: int) -> Researcher:
    researcher = Researcher.objects.select_for_update().get(pk=researcher_id)
    if owner_claim(owner, researcher_id) is None:
        raise ClaimRefused("Only the owner of this record can change it.")
    return researcher


def _correct(
    researcher: Researcher, kind: str, actor: AbstractUser, *, old: str, new: str, work_id: int | None = None
) -> ProfileCorrection:
    correction = ProfileCorrection.objects.create(
        researcher=researcher, kind=kind, work_id=work_id, old_value=old, new_value=new, actor_id=actor.pk
    )
    ClaimAuditEvent.objects.create(
        kind=Event.CORRECTION,
        actor_id=actor.pk,
        researcher_id=researcher.pk,
        data={"correction": correction.pk, "kind": kind, "old": old, "new": new, "work": work_id},
    )
    return correction


def _clean_text(text: str, limit: int, what: str) -> str:
    text = "\n".join(line.rstrip() for line in (text or "").strip().splitlines())
    if len(text) > limit:
        raise ClaimRefused(f"The {what} is too long (at most {limit} characters).")
    return text


def _hide_value(reason: str, note: str) -> str:
    return f"{reason}: {note}" if note else reason


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _unflag(value: str) -> bool:
    return value == "true"


def revert_owner_corrections(*, researcher_id: int, owner_id: int, actor: AbstractUser) -> list[int]:
    """Revert every unreverted correction ``owner_id`` made on the record, newest first, as
    far as each still shows on it (a revoked impersonator's bio must not stay on the page).
    Returns the reverted corrections' ids. Caller holds the transaction."""
    corrections = ProfileCorrection.objects.filter(
        researcher_id=researcher_id, actor_id=owner_id, reverted_at__isnull=True
    ).order_by("-created_at", "-pk")
    return [c.pk for c in corrections if _revert(c, actor, strict=False)]


def _trust_inputs_changed(researcher_id: int) -> None:
    trust_inputs_changed.send(sender=ProfileCorrection, researcher_ids=[researcher_id])
