"""Reads of researcher records: an id from a URL resolved to a record (or its alias), name
and ORCID search, recent imports, follower counts, and the correlated-count helper other
apps' selectors use.

Every function here runs a fixed number of queries (the docstrings say how many).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from profiles.identifiers import parse_openalex_id
from profiles.models import Follow, Researcher, ResearcherAffiliation, ResearcherAlias
from profiles.names import fold
from profiles.orcid import normalize_orcid


def count_of(queryset: QuerySet[Any]) -> Coalesce:
    """A correlated ``(SELECT count(*) ...)`` expression for annotations."""
    # A plain COUNT function (not the Count aggregate) adds no GROUP BY: one row, the count.
    counted = queryset.order_by().annotate(_n=Func(F("pk"), function="COUNT")).values("_n")
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


# --- Home: search and recent imports ----------------------------------------------------------

SEARCH_LIMIT = 25


def _with_current_institution(qs: QuerySet[Researcher]) -> QuerySet[Researcher]:
    latest = ResearcherAffiliation.objects.filter(researcher=OuterRef("pk")).order_by("-is_last_known", "-years")
    return qs.annotate(institution_name=Subquery(latest.values("institution__display_name")[:1]))


def researcher_search(query: str, *, limit: int = SEARCH_LIMIT) -> list[Researcher]:
    """Researchers whose name contains every word of ``query`` (case- and accent-insensitive,
    through Researcher.search_name and its trigram index), or whose ORCID iD it is; imported
    records first, then by works. 1 query (2 when no name contains the words and the
    trigram-similarity fallback runs)."""
    orcid = normalize_orcid(query)
    if orcid:
        return list(_with_current_institution(Researcher.objects.filter(orcid=orcid)).order_by("-works_count")[:limit])
    words = fold(query).split()
    if not words:
        return []
    ranked = ("record_status", "-works_count", "display_name")  # "imported" sorts before "stub"
    qs = Researcher.objects.exclude(record_status=Researcher.RecordStatus.DELETED)
    condition = Q()
    for word in words[:8]:
        condition &= Q(search_name__contains=word)
    found = list(_with_current_institution(qs.filter(condition)).order_by(*ranked)[:limit])
    if found:
        return found
    # Nothing contains the words: try a misspelling-tolerant match on the whole name.
    folded = " ".join(words)
    return list(_with_current_institution(qs.filter(search_name__trigram_similar=folded)).order_by(*ranked)[:limit])


def researchers_recent(*, limit: int = 12) -> list[Researcher]:
    """The most recently imported full records (not stubs). 1 query."""
    qs = Researcher.objects.filter(record_status=Researcher.RecordStatus.IMPORTED, imported_at__isnull=False)
    return list(_with_current_institution(qs).order_by("-imported_at")[:limit])


def researchers_featured(openalex_ids: list[str]) -> list[Researcher]:
    """The records of ``openalex_ids`` that exist and are not deleted, in the order given
    (settings.FEATURED_RESEARCHERS). 1 query; none when the list is empty."""
    if not openalex_ids:
        return []
    qs = Researcher.objects.filter(openalex_id__in=openalex_ids).exclude(
        record_status=Researcher.RecordStatus.DELETED
    )
    found = {r.openalex_id: r for r in _with_current_institution(qs)}
    return [found[i] for i in openalex_ids if i in found]


def followers_count(researcher: Researcher) -> int:
    """1 query."""
    return Follow.objects.filter(researcher=researcher).count()


def is_following(user_id: int, researcher: Researcher) -> bool:
    """Whether the account follows the researcher. 1 query."""
    return Follow.objects.filter(user_id=user_id, researcher=researcher).exists()
