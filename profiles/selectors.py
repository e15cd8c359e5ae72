"""Reads of researcher records: an id from a URL resolved to a record (or its alias), recent
imports, whether an account follows a record, and the correlated-count helper other
apps' selectors use. (Follower counts leave out the record owner's own follow, so they are
claims.selectors.followers_count's: claims knows who owns a record.)

Every function here runs a fixed number of queries (the docstrings say how many).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Func, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from profiles.identifiers import parse_openalex_id
from profiles.models import Follow, Researcher, ResearcherAffiliation, ResearcherAlias


def count_of(queryset: QuerySet[Any]) -> Coalesce:
    """A correlated ``(SELECT count(*) ...)`` expression for annotations."""
    # A plain COUNT function (not the Count aggregate) adds no GROUP BY: one row, the count.
    # count(*), not count(id): an index without the id column can answer it alone.
    counted = queryset.order_by().annotate(_n=Func(template="count(*)", output_field=IntegerField())).values("_n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


# --- Researchers by id ----------------------------------------------------------------------


class ResearcherNotFound(Exception):
    """No researcher and no alias for this id. ``openalex_id`` is the canonical short id
    when the text was id-shaped, else None."""

    def __init__(self, openalex_id: str | None) -> None:
        super().__init__(openalex_id or "not an id")
        self.openalex_id = openalex_id


@dataclass(frozen=True)
class AliasRedirect:
    """The id names a legacy or merged record: the page moved to ``openalex_id``."""

    openalex_id: str


def researcher_resolve(text: str, *, queryset: QuerySet[Researcher] | None = None) -> Researcher | AliasRedirect:
    """The researcher an id in any accepted form names (``A5023888391``, lower case, or the
    ``https://openalex.org/A…`` URL). One query when found; a second one looks in the aliases.
    Raises ResearcherNotFound."""
    openalex_id = parse_openalex_id(text, "A")
    if openalex_id is None:
        raise ResearcherNotFound(None)
    researcher = (
        (queryset if queryset is not None else Researcher.objects.all()).filter(openalex_id=openalex_id).first()
    )
    if researcher is not None:
        return researcher
    target = (
        ResearcherAlias.objects.filter(openalex_id=openalex_id)
        .values_list("researcher__openalex_id", flat=True)
        .first()
    )
    if target:
        return AliasRedirect(target)
    raise ResearcherNotFound(openalex_id)


# --- Home: recent imports, and the current institution search results show -----------------


def with_current_institution(qs: QuerySet[Researcher]) -> QuerySet[Researcher]:
    """``qs`` with ``institution_name``: the last known (else latest) affiliation's name, as a
    correlated subquery (no extra query)."""
    latest = ResearcherAffiliation.objects.filter(researcher=OuterRef("pk")).order_by("-is_last_known", "-years")
    return qs.annotate(institution_name=Subquery(latest.values("institution__display_name")[:1]))


def researchers_recent(*, limit: int = 12) -> list[Researcher]:
    """The most recently imported full records (not stubs). 1 query."""
    qs = Researcher.objects.filter(record_status=Researcher.RecordStatus.IMPORTED, imported_at__isnull=False)
    return list(with_current_institution(qs).order_by("-imported_at")[:limit])


def researchers_featured(openalex_ids: list[str]) -> list[Researcher]:
    """The records of ``openalex_ids`` that exist and are not deleted, in the order given
    (settings.FEATURED_RESEARCHERS). 1 query; none when the list is empty."""
    if not openalex_ids:
        return []
    qs = Researcher.objects.filter(openalex_id__in=openalex_ids).exclude(
        record_status=Researcher.RecordStatus.DELETED
    )
    found = {r.openalex_id: r for r in with_current_institution(qs)}
    return [found[i] for i in openalex_ids if i in found]


def is_following(user_id: int, researcher: Researcher) -> bool:
    """Whether the account follows the researcher. 1 query."""
    return Follow.objects.filter(user_id=user_id, researcher=researcher).exists()
