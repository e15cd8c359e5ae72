"""What a search box's text is, pure (no ORM): an identifier that names one page (a DOI, an
ORCID iD, an OpenAlex id), or words to look for. The words are case- and accent-folded with
the one name folding (profiles.names.fold) and reduced to letters and digits, so the text-search
query built from them (:func:`tsquery`) is always well-formed whatever was typed: quotes,
markup, operators and direction marks (U+202E) are never part of it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

from profiles.identifiers import parse_openalex_id
from profiles.names import fold
from profiles.orcid import normalize_orcid

# Longer input is no name or title fragment anyone types; it is refused with an explanation.
SEARCH_MAX = 200
# Words past this many are ignored: each one is another condition on the index.
MAX_WORDS = 8

IdentifierKind = Literal["doi", "orcid", "author", "work", "topic", "institution"]

# 10.<registrant>/<suffix>, bare, after "doi:" or behind a doi.org URL (as Crossref prints them).
_DOI_RE = re.compile(r"^(?:doi:\s*|(?:https?://)?(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_WORD_RE = re.compile(r"[^\W_]+")
# Entity letters of the ids that have a page, and what they name (C: a legacy concept, on the topic page).
_OPENALEX_KINDS: tuple[tuple[str, IdentifierKind], ...] = (
    ("A", "author"),
    ("W", "work"),
    ("T", "topic"),
    ("C", "topic"),
    ("I", "institution"),
)


@dataclass(frozen=True)
class Identifier:
    """An id that names one page: ``value`` is canonical (a DOI lower-case without its
    prefix, as Work.doi stores it; ``0000-0002-1825-0097``; ``W2741809807``)."""

    kind: IdentifierKind
    value: str


def identifier_in(text: str) -> Identifier | None:
    """The identifier ``text`` is, if it is one (surrounding spaces allowed), else None."""
    text = text.strip()
    doi = _DOI_RE.match(unquote(text))
    if doi:
        return Identifier("doi", doi.group(1).rstrip(".,;").lower())
    orcid = normalize_orcid(text)
    if orcid:
        return Identifier("orcid", orcid)
    for letter, kind in _OPENALEX_KINDS:
        openalex_id = parse_openalex_id(text, letter)
        if openalex_id:
            return Identifier(kind, openalex_id)
    return None


def words_of(text: str) -> list[str]:
    """The folded words of ``text``, letters and digits only, at most :data:`MAX_WORDS`:
    "J. Smith" -> ["j", "smith"], "Larivière" -> ["lariviere"], "<b>" -> ["b"]."""
    return _WORD_RE.findall(fold(text))[:MAX_WORDS]


def tsquery(words: list[str], *, prefix: Literal["all", "last"]) -> str:
    """A ``to_tsquery`` text matching every word: each one as a prefix (``all``: names,
    where "j" stands for "john"), or only the last one (``last``: what is still being typed).
    ``words`` come from :func:`words_of`, so no operator can slip in."""
    last = len(words) - 1
    return " & ".join(f"{w}:*" if prefix == "all" or i == last else w for i, w in enumerate(words))
