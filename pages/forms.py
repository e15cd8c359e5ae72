"""Forms of the public pages: search and the works-list filter (GET forms)."""

from __future__ import annotations

from typing import Any

from django import forms

# Longer input is no name anyone has; it would only make the trigram search slow.
SEARCH_MAX = 200


class SearchForm(forms.Form):
    q = forms.CharField(label="Name or ORCID iD", max_length=SEARCH_MAX, required=False, strip=True)


class WorksFilterForm(forms.Form):
    """Type, year and page of the works list. Invalid values are dropped, not errors: a
    hand-edited URL still shows the list."""

    type = forms.CharField(max_length=32, required=False)
    year = forms.IntegerField(min_value=1000, max_value=2999, required=False)
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)

    def filters(self) -> dict[str, Any]:
        """``{"type": str, "year": int | None, "page": int}`` from the valid fields."""
        self.is_valid()  # cleaned_data then holds the valid fields only
        data = self.cleaned_data
        return {"type": data.get("type") or "", "year": data.get("year"), "page": data.get("page") or 1}
