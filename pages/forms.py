"""Forms of the public pages: the works-list filter and the slice of a work's authors (GET
forms). The search box's parameters are search.params'."""

from __future__ import annotations

from django import forms

from bzpeer.http import whole_number
from profiles.identifiers import parse_openalex_id
from works.selectors import DEFAULT_WORK_SORT, WORK_SORTS, WorksFilter

# Years a works filter takes, and the highest page number read (a higher one is dropped: page 1;
# anything up to it past the list's end is an empty, explained page).
YEAR_MIN, YEAR_MAX = 1000, 2999
PAGE_MAX = 2**31 - 1


class WorksFilterForm(forms.Form):
    """Filters, order and page of the works list (``type``, ``year_from``, ``year_to``,
    ``topic``, ``sort``, ``page``; ``year`` is one year, what older links carry). Invalid
    values are dropped, not errors, and an unknown sort is the default: a hand-edited URL
    still shows the list. Numbers are ASCII digits (bzpeer.http.whole_number); a range given
    backwards is turned round."""

    type = forms.CharField(max_length=32, required=False)
    year = forms.CharField(required=False)
    year_from = forms.CharField(required=False)
    year_to = forms.CharField(required=False)
    topic = forms.CharField(required=False)
    sort = forms.CharField(required=False)
    page = forms.CharField(required=False)

    def filters(self) -> WorksFilter:
        self.is_valid()  # cleaned_data then holds the valid fields only
        data = self.cleaned_data
        year = _year(data.get("year", ""))
        year_from = _year(data.get("year_from", "")) or year
        year_to = _year(data.get("year_to", "")) or year
        if year_from and year_to and year_from > year_to:
            year_from, year_to = year_to, year_from
        topic_id = data.get("topic", "")
        sort = data.get("sort", "")
        return WorksFilter(
            type=data.get("type") or "",
            year_from=year_from,
            year_to=year_to,
            topic=parse_openalex_id(topic_id, "T") or parse_openalex_id(topic_id, "C") or "",
            sort=sort if sort in WORK_SORTS else DEFAULT_WORK_SORT,
            page=whole_number(data.get("page", ""), maximum=PAGE_MAX) or 1,
        )


def _year(text: str) -> int | None:
    year = whole_number(text.strip(), maximum=YEAR_MAX)
    return year if year and year >= YEAR_MIN else None


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
