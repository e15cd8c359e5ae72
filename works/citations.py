"""Reads for the citation exports: works as :class:`~works.citation_formats.CitationRecord`
(which works.citation_formats turns into BibTeX, RIS and CSL-JSON)."""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import F, OuterRef, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, NullIf

from works.citation_formats import CitationRecord
from works.models import Authorship, Work

# The most works one export holds (about 7 MB of CSL-JSON): a record with tens of thousands of
# works (a mis-merged author) must not cost seconds and a heap of memory per request. Past it an
# export holds the first ones in the list's order; the links and the response say so.
EXPORT_WORKS_MAX = 5_000


def citation_records(works: QuerySet[Work]) -> list[CitationRecord]:
    """``works`` (in their order) as citation records, with every author in byline order. 1
    query whatever the number of works and authors: each work with its venue and the array of
    its authors' names, gathered in the database from the authorship key's index (thousands of
    works with tens of authors each would otherwise be as many rows to read in Python). An
    author's name is the one the site shows: the record's preferred or display name, else the
    name on the work."""
    names = (
        Authorship.objects.filter(work_id=OuterRef("pk"))
        .order_by("position")
        .values(
            name=Coalesce(
                NullIf(F("researcher__preferred_name"), Value("")),
                NullIf(F("researcher__display_name"), Value("")),
                F("raw_author_name"),
                output_field=TextField(),
            )
        )
    )
    rows = works.annotate(author_names=ArraySubquery(names)).values_list(
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
        "author_names",
    )
    return [
        CitationRecord(
            openalex_id=openalex_id,
            title=title or "",
            authors=tuple(name or "" for name in authors),
            year=year,
            date=published,
            venue=source_name or venue_name or "",
            doi=doi,
            type=work_type,
            type_crossref=type_crossref,
            source_type=source_type or "",
        )
        for (
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
            authors,
        ) in rows
    ]
