"""What a search box's text is, pure (no ORM): an identifier that names one page (a DOI, an
ORCID iD, an OpenAlex id), or words to look for. The words are case- and accent-folded with
the one name folding (profiles.names.fold) and reduced to letters and digits, so the text-search
query built from them (:func:`tsquery`) is always well-formed whatever was typed: quotes,
markup, operators and direction marks (U+202E) are never part of it."""

from __future__ import annotations

import re
import unicodedata
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
# The suffix holds no space and no control character (a %00 decoded is no DOI).
_DOI_RE = re.compile(
    r"^(?:doi:\s*|(?:https?://)?(?:dx\.)?doi\.org/)?(10\.\d{4,9}/[^\s\x00-\x1f\x7f]+)$", re.IGNORECASE
)
# A bare OpenAlex id typed into the box needs this many digits at least: the shortest ids
# BZPEER meets are topics' (T10000 on), while "A549" (a cell line), "a100" or "T5" are words.
# Behind the openalex.org URL any id is one.
BARE_ID_MIN_DIGITS = 5
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
        if openalex_id and (len(openalex_id) > BARE_ID_MIN_DIGITS or "openalex.org" in text.lower()):
            return Identifier(kind, openalex_id)
    return None


def words_of(text: str) -> list[str]:
    """The folded words of ``text``, letters and digits only, at most :data:`MAX_WORDS`:
    "J. Smith" -> ["j", "smith"], "Larivière" -> ["lariviere"], "<b>" -> ["b"]."""
    return _WORD_RE.findall(fold(text))[:MAX_WORDS]


def text_words(text: str) -> list[str]:
    """The words of ``text`` as typed (NFC), letters and digits only, at most
    :data:`MAX_WORDS`: for topics, institutions and titles, whose indexes fold accents and
    case in PostgreSQL (``bzpeer_unaccent`` and the text-search parser), which the query then
    goes through too. Folding them here as well would fold twice and differently (Korean or
    Japanese decomposed, Cyrillic й and Greek ς changed): nothing would match."""
    return _WORD_RE.findall(unicodedata.normalize("NFC", text))[:MAX_WORDS]


# A last word shorter than this is not taken as a prefix by ``prefix="last"``: "b:*" matches a
# large part of every title index and each match would be read and ordered.
PREFIX_MIN_CHARS = 3


def tsquery(words: list[str], *, prefix: Literal["all", "last"]) -> str:
    """A ``to_tsquery`` text matching every word: each one as a prefix (``all``: names,
    where "j" stands for "john"), or only the last one (``last``: what is still being typed),
    when it has :data:`PREFIX_MIN_CHARS` letters or more. ``words`` come from :func:`words_of`
    or :func:`text_words`, so no operator can slip in."""
    last = len(words) - 1
    return " & ".join(
        f"{w}:*" if prefix == "all" or (i == last and len(w) >= PREFIX_MIN_CHARS) else w
        for i, w in enumerate(words)
    )
