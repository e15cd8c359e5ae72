"""Forms of the public pages: the works-list filter and the slice of a work's authors (GET
forms). The search box's parameters are search.params'."""

from __future__ import annotations

from typing import Any

from django import forms


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


class AuthorsSliceForm(forms.Form):
    """Which of a work's authors its page shows: those after a byline position (``?authors_after=``,
    what "and N more" links to). An invalid value is dropped, like the works filter's: the
    first authors."""

    authors_after = forms.IntegerField(min_value=0, max_value=32_767, required=False)  # smallint positions

    def after(self) -> int:
        """The byline position the shown authors come after; -1 for the first ones."""
        self.is_valid()
        after = self.cleaned_data.get("authors_after")
        return -1 if after is None else after
