"""Forms of direct collaboration: what a person types, bounded here and again in services."""

from __future__ import annotations

from typing import Any

from django import forms

from collaboration import rules
from collaboration.models import Policy, Report


class InvitationForm(forms.Form):
    subject = forms.CharField(max_length=rules.SUBJECT_MAX)
    message = forms.CharField(
        max_length=rules.MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"At most {rules.MESSAGE_MAX} characters. What you would like to work on together.",
    )
    about_topic = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="About a topic (optional)")
    about_work = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="About a work (optional)")

    def __init__(self, *args: Any, topics: list[tuple[int, str]], works: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["about_topic"].choices = [("", "No topic"), *topics]  # type: ignore[attr-defined]
        self.fields["about_work"].choices = [("", "No work"), *works]  # type: ignore[attr-defined]


class MessageForm(forms.Form):
    body = forms.CharField(max_length=rules.BODY_MAX, label="Your message", widget=forms.Textarea(attrs={"rows": 3}))


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=Report.Reason.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        max_length=rules.NOTE_MAX,
        required=False,
        label="Anything moderators should know (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PolicyForm(forms.Form):
    policy = forms.ChoiceField(choices=Policy.Choice.choices, widget=forms.RadioSelect, label="Who may invite you")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("dismiss", "Dismiss the report"), ("warn", "Warn the account"), ("suspend", "Suspend its messaging")],
        widget=forms.RadioSelect,
    )
    message = forms.CharField(max_length=rules.NOTE_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2}))
