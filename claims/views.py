"""The claimant's and the owner's pages: claim a record, follow the claim, withdraw it, add
evidence; once approved, edit the profile, hide works, revert changes.

Anonymous visitors are sent to log in and back; a claim or correction that is not yours is
"not found" (no hint that it exists); a signed-in visitor who does not own a record gets
403 on its edit pages. Every write is a POST with CSRF, done by claims.services and claims.corrections.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from bzpeer.http import HtmxRequest
from claims import corrections, selectors, services
from claims.forms import ClaimForm, EvidenceForm, HideWorkForm, OwnerProfileForm
from claims.models import Claim, ProfileCorrection
from claims.rules import ClaimRateLimited, ClaimRefused
from profiles.models import Researcher
from profiles.shortcuts import researcher_or_response


def _user(request: HtmxRequest) -> AbstractUser:
    return cast(AbstractUser, request.user)


# --- Claiming ----------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def claim(request: HtmxRequest, researcher_id: str) -> HttpResponse:
    """The claim page: the visitor's claim on this record and what happens next, or the ways
    to claim it (ORCID, institutional email, evidence)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    researcher = researcher_or_response(request, researcher_id, view="claims:claim")
    if isinstance(researcher, HttpResponse):
        return researcher
    form = ClaimForm(request.POST or None)
    limited: ClaimRateLimited | None = None
    if request.method == "POST" and form.is_valid():
        try:
            made = services.claim_submit(
                user=_user(request),
                researcher_id=researcher.pk,
                method=form.cleaned_data["method"],
                evidence_url=form.cleaned_data["evidence_url"],
                note=form.cleaned_data["note"],
            )
        except ClaimRefused as exc:
            form.add_error(None, str(exc))
            limited = exc if isinstance(exc, ClaimRateLimited) else None
        else:
            messages.success(request, _submitted(made))
            return redirect("claims:claim", researcher.openalex_id)
    page = selectors.claim_page(_user(request), researcher)
    status = 400 if form.is_bound and not form.is_valid() else 200
    chosen = form.data.get("method", "") if form.is_bound else ""
    response = render(request, "claims/claim.html", {"page": page, "form": form, "chosen": chosen}, status=status)
    if limited is not None:  # over a limit: 429, the form says when to try again
        response.status_code = 429
        response["Retry-After"] = str(max(1, math.ceil((limited.retry_at - timezone.now()).total_seconds())))
    return response


def _submitted(claim: Claim) -> str:
    if claim.state == Claim.State.APPROVED:
        return "Your claim is approved: this record is now yours."
    if claim.is_dispute:
        return "Your claim is filed. This record already has an owner or another claim, so a moderator reviews it."
    return "Your claim is filed and waits for a moderator. We email you when it is decided."


@require_POST
def claim_withdraw(request: HtmxRequest, researcher_id: str, claim_id: int) -> HttpResponse:
    """Withdraw an open claim (only your own: another account's claim id is 404)."""
    return _own_claim_action(request, researcher_id, claim_id, services.claim_withdraw, "Your claim is withdrawn.")


@require_POST
def claim_release(request: HtmxRequest, researcher_id: str, claim_id: int) -> HttpResponse:
    """The owner releases the record (only your own claim)."""
    return _own_claim_action(
        request, researcher_id, claim_id, services.claim_release, "You released the record: it is unclaimed again."
    )


def _own_claim_action(
    request: HtmxRequest, researcher_id: str, claim_id: int, action: Callable[..., Claim], done: str
) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("claims:claim", args=[researcher_id]))
    try:
        claim = action(user=_user(request), claim_id=claim_id)
    except Claim.DoesNotExist:
        raise Http404("No such claim") from None
    except ClaimRefused as exc:
        messages.error(request, str(exc))
        return redirect("claims:my_claims")
    messages.success(request, done)
    return redirect("claims:claim", claim.researcher.openalex_id)


@require_POST
def claim_evidence(request: HtmxRequest, researcher_id: str, claim_id: int) -> HttpResponse:
    """The claimant answers a request for more evidence."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("claims:claim", args=[researcher_id]))
    form = EvidenceForm(request.POST)
    try:
        if not form.is_valid():
            raise ClaimRefused(" ".join(str(e) for errors in form.errors.values() for e in errors))
        claim = services.claim_add_evidence(
            user=_user(request),
            claim_id=claim_id,
            evidence_url=form.cleaned_data["evidence_url"],
            note=form.cleaned_data["note"],
        )
    except Claim.DoesNotExist:
        raise Http404("No such claim") from None
    except ClaimRefused as exc:
        messages.error(request, str(exc))
        return redirect("claims:my_claims")
    messages.success(request, "Thank you: your claim is back with the moderators, at its place in the queue.")
    return redirect("claims:claim", claim.researcher.openalex_id)


@require_safe
def my_claims(request: HtmxRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return render(request, "claims/my_claims.html", {"claims": selectors.my_claims(_user(request))})


# --- The owner ---------------------------------------------------------------------------------


def _owned(request: HtmxRequest, researcher_id: str, view: str) -> Researcher | HttpResponse:
    """The record if the visitor owns it; log in first; 403 for anyone else."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    researcher = researcher_or_response(request, researcher_id, view=view)
    if isinstance(researcher, HttpResponse):
        return researcher
    if selectors.owner_claim(_user(request), researcher.pk) is None:
        raise PermissionDenied("Only the owner of this record can edit it.")
    return researcher


@require_http_methods(["GET", "HEAD", "POST"])
def owner_edit(request: HtmxRequest, researcher_id: str) -> HttpResponse:
    """The owner's page: bio, preferred name, collaborate flag, works to hide, change history."""
    researcher = _owned(request, researcher_id, "claims:owner_edit")
    if isinstance(researcher, HttpResponse):
        return researcher
    initial = {
        "bio": researcher.owner_bio,
        "preferred_name": researcher.preferred_name,
        "open_to_collaborate": researcher.open_to_collaborate,
    }
    form = OwnerProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            made = corrections.profile_update(owner=_user(request), researcher_id=researcher.pk, **form.cleaned_data)
        except ClaimRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your changes are saved." if made else "Nothing changed.")
            return redirect("claims:owner_edit", researcher.openalex_id)
    context = {
        "researcher": researcher,
        "form": form,
        "works": selectors.owner_works(researcher),
        "history": selectors.correction_history(researcher),
        "hide_form": HideWorkForm(),
    }
    return render(request, "claims/owner_edit.html", context, status=400 if form.errors else 200)


@require_POST
def work_hide(request: HtmxRequest, researcher_id: str, work_id: int) -> HttpResponse:
    researcher = _owned(request, researcher_id, "claims:owner_edit")
    if isinstance(researcher, HttpResponse):
        return researcher
    form = HideWorkForm(request.POST)
    try:
        if not form.is_valid():
            raise ClaimRefused("Choose why you hide this work.")
        corrections.work_hide(owner=_user(request), researcher_id=researcher.pk, work_id=work_id, **form.cleaned_data)
    except ClaimRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The work is hidden from your profile. You can show it again below.")
    return redirect("claims:owner_edit", researcher.openalex_id)


@require_POST
def work_unhide(request: HtmxRequest, researcher_id: str, work_id: int) -> HttpResponse:
    researcher = _owned(request, researcher_id, "claims:owner_edit")
    if isinstance(researcher, HttpResponse):
        return researcher
    try:
        corrections.work_unhide(owner=_user(request), researcher_id=researcher.pk, work_id=work_id)
    except ClaimRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The work shows on your profile again.")
    return redirect("claims:owner_edit", researcher.openalex_id)


@require_POST
def correction_revert(request: HtmxRequest, researcher_id: str, correction_id: int) -> HttpResponse:
    """Undo a correction: the record's owner or a moderator; anyone else gets 404."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("claims:correction_history", args=[researcher_id]))
    try:
        correction = corrections.correction_revert(actor=_user(request), correction_id=correction_id)
    except ProfileCorrection.DoesNotExist:
        raise Http404("No such change") from None
    except ClaimRefused as exc:
        messages.error(request, str(exc))
        return redirect("claims:correction_history", researcher_id)
    messages.success(request, "The change is reverted.")
    openalex_id = correction.researcher.openalex_id
    if selectors.owner_claim(_user(request), correction.researcher_id):
        return redirect("claims:owner_edit", openalex_id)
    return redirect("claims:correction_history", openalex_id)


@require_safe
def correction_history(request: HtmxRequest, researcher_id: str) -> HttpResponse:
    """The public history of the owner's changes to a record."""
    researcher = researcher_or_response(request, researcher_id, view="claims:correction_history")
    if isinstance(researcher, HttpResponse):
        return researcher
    user = _user(request)
    can_revert = user.is_authenticated and (user.is_staff or selectors.owner_claim(user, researcher.pk) is not None)
    context = {"researcher": researcher, "history": selectors.correction_history(researcher), "can_revert": can_revert}
    return render(request, "claims/history.html", context)
