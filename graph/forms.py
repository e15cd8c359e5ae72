"""Query-string forms of the graph pages. Invalid values are dropped, not errors: a
hand-edited URL still shows the page."""

from __future__ import annotations

from django import forms


class PageForm(forms.Form):
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)

    def number(self) -> int:
        self.is_valid()  # cleaned_data then holds the valid fields only
        return self.cleaned_data.get("page") or 1
