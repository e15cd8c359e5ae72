"""Citation exports (BibTeX, RIS, CSL-JSON) of a profile's works and of one work, served as
attachments. Public like the pages they come from.

URLs (pages/urls.py): ``/researchers/<id>/works.bib``, ``works.ris``, ``works.csl.json``: every
work the profile lists, or those its works list shows for the same filter and order
parameters (``type``, ``year_from``, ``year_to``, ``topic``, ``sort``; all pages of them);
``/works/<W id>/export.bib``, ``export.ris``, ``export.csl.json``: one work."""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from bzpeer.http import HtmxRequest
from pages.forms import WorksFilterForm
from profiles.identifiers import parse_openalex_id
from profiles.models import Researcher
from profiles.shortcuts import researcher_or_response
from works.citation_formats import FORMATS, CitationFormat, CitationRecord
from works.citations import EXPORT_WORKS_MAX, citation_records
from works.models import Work
from works.selectors import WORK_SORTS, works_matching

# The URL name of each format's profile export (its alias redirect keeps the format).
RESEARCHER_EXPORT_VIEWS = {"bib": "pages:works_bib", "ris": "pages:works_ris", "csl.json": "pages:works_csl"}
WORK_EXPORT_VIEWS = {"bib": "pages:work_bib", "ris": "pages:work_ris", "csl.json": "pages:work_csl"}

_NOT_FILENAME = re.compile(r"[^a-z0-9-]+")


def listed_works(researcher: Researcher, request: HtmxRequest) -> QuerySet[Work]:
    """The works the profile's works list selects for the request's filter parameters, every
    page of them: the list's own filter (pages.forms.WorksFilterForm) through the list's own
    selector (works.selectors.works_matching) in the list's order, so the two cannot disagree."""
    filters = WorksFilterForm(request.GET).filters()
    return works_matching(researcher, filters).order_by(*WORK_SORTS[filters.sort])


def _attachment(records: list[CitationRecord], fmt: CitationFormat, name: str) -> HttpResponse:
    response = HttpResponse(fmt.render(records), content_type=fmt.content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt.extension}"'
    return response


@require_safe
def researcher_works_export(request: HtmxRequest, openalex_id: str, fmt: str) -> HttpResponse:
    """A profile's works in ``fmt``, in the works list's order, hidden works left out as on the
    profile; at most works.citations.EXPORT_WORKS_MAX (the first ones; the links say so and the
    response's ``X-Works-Truncated`` header too).
    2 queries (the researcher; the works with their authors); ids resolve like the profile's
    (301 for an alias, to the same format; 404; 410)."""
    found = researcher_or_response(request, openalex_id, view=RESEARCHER_EXPORT_VIEWS[fmt])
    if isinstance(found, HttpResponse):
        return found
    filters = WorksFilterForm(request.GET).filters()
    name = "-".join(
        part
        for part in (
            found.openalex_id,
            "works",
            _NOT_FILENAME.sub("", filters.type.lower()),
            "-".join(str(year) for year in dict.fromkeys((filters.year_from, filters.year_to)) if year),
        )
        if part
    )
    records = citation_records(listed_works(found, request)[: EXPORT_WORKS_MAX + 1])
    response = _attachment(records[:EXPORT_WORKS_MAX], FORMATS[fmt], name)
    if len(records) > EXPORT_WORKS_MAX:
        response["X-Works-Truncated"] = (
            f"the first {EXPORT_WORKS_MAX} works; filter by type, year or topic for the others"
        )
    return response


@require_safe
def work_export(request: HtmxRequest, openalex_id: str, fmt: str) -> HttpResponse:
    """One work in ``fmt``. 1 query (the work with its authors); 404 for an unknown id."""
    canonical = parse_openalex_id(openalex_id, "W")
    records = citation_records(Work.objects.filter(openalex_id=canonical)) if canonical else []
    if not records:
        raise Http404("No such work")
    return _attachment(records, FORMATS[fmt], records[0].openalex_id)
