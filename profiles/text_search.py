"""The text-search expressions BZPEER indexes, in one place: the index definitions
(profiles.models, works.models Meta) and the queries that must use them (search.selectors)
build the very same expression, so PostgreSQL matches the query to the index.

* Names (Researcher.search_name, already case- and accent-folded by profiles.names.fold):
  ``to_tsvector('simple', search_name)``, no stemming, so initials and prefixes match
  ("j smith" finds "john smith"); a trigram index on the same column finds misspellings.
* Topics, institutions and work titles: ``to_tsvector(config, bzpeer_unaccent(column))``,
  English stemming for topics and titles ("alignment" finds "aligning"), none for the
  names of institutions. ``bzpeer_unaccent`` is an IMMUTABLE wrapper of ``unaccent`` with its
  dictionary named (profiles migration 0006): ``unaccent(text)`` alone is only STABLE, which
  an index expression may not use.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVector
from django.db.models import Func, TextField

NAMES_CONFIG = "simple"
INSTITUTIONS_CONFIG = "simple"
TOPICS_CONFIG = "english"
TITLES_CONFIG = "english"


class Unaccent(Func):
    """``bzpeer_unaccent(text)``: accents stripped, IMMUTABLE (indexable)."""

    function = "bzpeer_unaccent"
    output_field = TextField()


def name_vector() -> SearchVector:
    """The indexed text vector of Researcher.search_name."""
    return SearchVector("search_name", config=NAMES_CONFIG)


def unaccented_vector(column: str, config: str) -> SearchVector:
    """The indexed text vector of an unaccented column (a topic's, an institution's name, a
    work's title)."""
    return SearchVector(Unaccent(column), config=config)
