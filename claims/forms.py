"""Forms of the claim flow, the owner's edits and moderation. They check shape and bounds;
the rules (who may do what, when) are checked again by claims.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import URLValidator

from claims import rules
from claims.models import Claim
from works.models import HiddenWork


class EvidenceURLField(forms.CharField):
    """An http(s) link to a public page: shape only, never fetched (claims.rules)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", rules.EVIDENCE_URL_MAX)
        kwargs.setdefault("label", "Link to a public page that lists you and your institution")
        kwargs.setdefault(
            "help_text",
            "For example your page in your institution's staff directory or department site. Pages you can edit "
            "yourself (a personal site, LinkedIn, ResearchGate) cannot show that an institution lists you.",
        )
        kwargs.setdefault("widget", forms.URLInput(attrs={"placeholder": "https://www.example.edu/people/your-name"}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        url = super().clean(value)
        if not url:
            return ""
        problem = rules.evidence_url_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        URLValidator(schemes=["http", "https"], message="This is not a valid web address.")(url)
        return url


def _note_field(required: bool = False) -> forms.CharField:
    return forms.CharField(
        label="Note for the moderator (optional)" if not required else "Note for the moderator",
        required=required,
        max_length=rules.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": rules.NOTE_MAX}),
        help_text=f"At most {rules.NOTE_MAX} characters. Say how the page shows it is you (a name change, an "
        "earlier institution).",
    )


class ClaimForm(forms.Form):
    method = forms.ChoiceField(choices=Claim.Method.choices, widget=forms.HiddenInput)
    evidence_url = EvidenceURLField(required=False)
    note = _note_field()
    confirm = forms.BooleanField(
        label="I am the researcher this record describes. I understand that a false claim is recorded "
        "and can be held against my account.",
        required=True,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("method") == Claim.Method.EVIDENCE
            and not data.get("evidence_url")
            and "evidence_url" not in self.errors
        ):
            self.add_error("evidence_url", "Add a link to a public page that lists you and your institution.")
        return data


class EvidenceForm(forms.Form):
    evidence_url = EvidenceURLField(required=True)
    note = _note_field()


class DecisionForm(forms.Form):
    """A moderator's decision. No decision is preselected: a form sent without one is refused
    and changes nothing, so a hurried click never approves a claim."""

    decision = forms.ChoiceField(
        choices=[(rules.APPROVE, "Approve"), (rules.NEEDS_EVIDENCE, "Ask for more evidence"), (rules.REJECT, "Reject")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a decision: approve, ask for more evidence or reject."},
    )
    reason = forms.ChoiceField(choices=[("", "—")] + list(Claim.Reason.choices), required=False)
    message = forms.CharField(
        required=False,
        max_length=rules.MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": rules.MESSAGE_MAX}),
        help_text="Sent to the claimant. Left empty, the template for the decision and reason is sent.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if rules.reason_required(data.get("decision", "")) and not data.get("reason"):
            self.add_error("reason", "Choose a reason: the claimant is told why.")
        return data


class RevokeForm(forms.Form):
    reason = forms.ChoiceField(choices=[("", "—")] + list(Claim.Reason.choices))
    message = forms.CharField(required=False, max_length=rules.MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 4}))
    revert_corrections = forms.BooleanField(
        required=False, initial=True, label="Also revert the owner's changes to the record (bio, name, hidden works)"
    )


class OwnerProfileForm(forms.Form):
    preferred_name = forms.CharField(
        label="Preferred name",
        required=False,
        max_length=rules.PREFERRED_NAME_MAX,
        help_text="Shown instead of the name OpenAlex has. Leave empty to use the OpenAlex name.",
    )
    bio = forms.CharField(
        label="Your bio",
        required=False,
        max_length=rules.BIO_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": rules.BIO_MAX}),
        help_text=f"Replaces the generated bio (at most {rules.BIO_MAX} characters, plain text). Leave empty to show "
        "the generated one again.",
    )
    open_to_collaborate = forms.BooleanField(
        label="Open to collaborate (claimed researchers can invite you)", required=False
    )


class HideWorkForm(forms.Form):
    reason = forms.ChoiceField(choices=HiddenWork.Reason.choices, label="Why hide it")
    note = forms.CharField(required=False, max_length=rules.HIDE_NOTE_MAX, label="Note (needed for Other)")
