"""Reads for the citation exports: works as :class:`~works.citation_formats.CitationRecord`
(which works.citation_formats turns into BibTeX, RIS and CSL-JSON)."""

from __future__ import annotations

from django.db.models import F, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, NullIf

from works.citation_formats import CitationRecord
from works.models import Authorship, Work


def citation_records(works: QuerySet[Work]) -> list[CitationRecord]:
    """``works`` (in their order) as citation records, with every author in byline order. 2
    queries whatever the number of works and authors (the works with their venue; all their
    authorships); 1 when there are none. An author's name is the
    one the site shows: the record's preferred or display name, else the name on the work."""
    rows = list(
        works.values_list(
            "id",
            "openalex_id",
            "title",
            "publication_year",
            "publication_date",
            "doi",
            "type",
            "type_crossref",
            "venue_name",
            "source__display_name",
            "source__type",
        )
    )
    if not rows:
        return []
    authors: dict[int, list[str]] = {row[0]: [] for row in rows}
    names = (
        Authorship.objects.filter(work_id__in=list(authors))
        .order_by("work_id", "position")
        .values_list(
            "work_id",
            Coalesce(
                NullIf(F("researcher__preferred_name"), Value("")),
                NullIf(F("researcher__display_name"), Value("")),
                F("raw_author_name"),
                output_field=TextField(),
            ),
        )
    )
    for work_id, name in names:
        authors[work_id].append(name or "")
    return [
        CitationRecord(
            openalex_id=openalex_id,
            title=title or "",
            authors=tuple(authors[pk]),
            year=year,
            date=published,
            venue=source_name or venue_name or "",
            doi=doi,
            type=work_type,
            type_crossref=type_crossref,
            source_type=source_type or "",
        )
        for (
            pk,
            openalex_id,
            title,
            year,
            published,
            doi,
            work_type,
            type_crossref,
            venue_name,
            source_name,
            source_type,
        ) in rows
    ]
