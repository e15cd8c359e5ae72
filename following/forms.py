from __future__ import annotations

from django import forms

from following.models import Subscription


class PageForm(forms.Form):
    page = forms.IntegerField(required=False)

    def number(self) -> int:
        """The page asked for; 1 when none or not a number. Out of range stays out of range:
        the page explains it."""
        if not self.is_valid() or self.cleaned_data["page"] is None:
            return 1
        return max(-1, min(int(self.cleaned_data["page"]), 1_000_000))


class DigestForm(forms.Form):
    digest = forms.ChoiceField(choices=Subscription.Digest.choices, widget=forms.RadioSelect, label="Email digest")
