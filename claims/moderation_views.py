"""Moderation at /moderation/ (staff only): the claim queue, one claim beside its record and
claimant, decisions and revocations, and the read-only audit log.

Anonymous visitors are sent to log in; signed-in non-staff get 403 at every URL and action
(bzpeer.http.staff_required). Decisions are made by claims.services, which locks the
claim: when two moderators decide at once, the second is told it was already decided.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.models import AbstractUser
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from bzpeer.http import HtmxRequest, staff_required
from claims import rules, selectors, services
from claims.forms import DecisionForm, RevokeForm
from claims.models import Claim


def _moderator(request: HtmxRequest) -> AbstractUser:
    return cast(AbstractUser, request.user)


@staff_required
@require_safe
def queue(request: HtmxRequest) -> HttpResponse:
    """Open claims oldest first (disputes flagged); other tabs by ?show=."""
    show = request.GET.get("show", "open")
    return render(request, "moderation/queue.html", {"queue": selectors.moderation_queue(show)})


def _claim_page(request: HtmxRequest, claim_id: int, **forms: object) -> HttpResponse:
    try:
        item = selectors.moderation_claim(claim_id)
    except Claim.DoesNotExist:
        raise Http404("No such claim") from None
    decision = forms.get("decision_form") or DecisionForm()  # no decision preselected
    revoke = forms.get("revoke_form") or RevokeForm()
    status = 400 if any(getattr(f, "errors", None) for f in forms.values()) else 200
    context = {"item": item, "decision_form": decision, "revoke_form": revoke, "reasons": Claim.Reason.choices}
    return render(request, "moderation/claim.html", context, status=status)


@staff_required
@require_safe
def claim(request: HtmxRequest, claim_id: int) -> HttpResponse:
    return _claim_page(request, claim_id)


@staff_required
@require_POST
def decide(request: HtmxRequest, claim_id: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _claim_page(request, claim_id, decision_form=form)
    try:
        decided = services.claim_decide(moderator=_moderator(request), claim_id=claim_id, **form.cleaned_data)
    except Claim.DoesNotExist:
        raise Http404("No such claim") from None
    except services.ClaimRefused as exc:
        messages.error(request, str(exc))
        return redirect("moderation:claim", claim_id)
    messages.success(request, f"Claim {decided.pk}: {decided.get_state_display().lower()}. The claimant was emailed.")
    return redirect("moderation:queue")


@staff_required
@require_POST
def revoke(request: HtmxRequest, claim_id: int) -> HttpResponse:
    form = RevokeForm(request.POST)
    if not form.is_valid():
        return _claim_page(request, claim_id, revoke_form=form)
    try:
        services.claim_revoke(moderator=_moderator(request), claim_id=claim_id, **form.cleaned_data)
    except Claim.DoesNotExist:
        raise Http404("No such claim") from None
    except services.ClaimRefused as exc:
        messages.error(request, str(exc))
        return redirect("moderation:claim", claim_id)
    messages.success(request, f"Claim {claim_id} is revoked; the record is unclaimed again. The claimant was emailed.")
    return redirect("moderation:claim", claim_id)


@staff_required
@require_safe
def message_template(request: HtmxRequest, claim_id: int) -> HttpResponse:
    """The templated message for the decision and reason chosen (htmx swaps it into the
    textarea; the moderator edits it before sending)."""
    try:
        item = Claim.objects.select_related("researcher").get(pk=claim_id)
    except Claim.DoesNotExist:
        raise Http404("No such claim") from None
    decision = request.GET.get("decision", "")
    reason = request.GET.get("reason", "")
    reason = reason if reason in Claim.Reason.values else ""
    record = f"{item.researcher.name} ({item.researcher.openalex_id})"
    # No decision chosen yet (a reason picked first): no template, rather than approval's.
    known = decision in (*rules.DECISIONS, rules.REVOKE)
    text = rules.default_message(decision, reason, record=record) if known else ""
    field = "revoke-message" if decision == rules.REVOKE else "decision-message"
    return render(request, "moderation/claim.html#message-field", {"text": text, "field_id": field})


@staff_required
@require_safe
def audit_log(request: HtmxRequest) -> HttpResponse:
    return render(request, "moderation/log.html", {"events": selectors.audit_log()})
