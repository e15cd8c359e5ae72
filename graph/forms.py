"""Query-string forms of the graph pages. Invalid values are dropped, not errors: a
hand-edited URL still shows the page. Numbers are ASCII digits (bzpeer.http.whole_number)."""

from __future__ import annotations

from django import forms

from bzpeer.http import whole_number
from graph.coauthors import COAUTHOR_SORTS, DEFAULT_COAUTHOR_SORT

# The highest page number read: a higher one is dropped (page 1); any page up to it past the
# end of a list is the page's to explain or to clamp.
PAGE_MAX = 2**31 - 1


class PageForm(forms.Form):
    page = forms.CharField(required=False)

    def number(self) -> int:
        self.is_valid()  # cleaned_data then holds the valid fields only
        return whole_number(self.cleaned_data.get("page", ""), maximum=PAGE_MAX) or 1


class CoauthorsForm(PageForm):
    """Order and page of the co-author page; an unknown order is the default."""

    sort = forms.CharField(required=False)

    def order(self) -> str:
        self.is_valid()
        sort = self.cleaned_data.get("sort", "")
        return sort if sort in COAUTHOR_SORTS else DEFAULT_COAUTHOR_SORT
