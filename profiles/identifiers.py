"""OpenAlex identifiers as BZPEER reads them: an id from a URL, its entity letter, and whether an
author id is of the current series. Pure: no ORM, no network (the import parser uses it too).
"""

from __future__ import annotations

import re

OPENALEX_URL = "https://openalex.org/"

# A short id, optionally behind the canonical URL. A proxy may merge the two slashes of an
# encoded "https%3A%2F%2F" once decoded, so one slash is accepted too.
_ID_RE = re.compile(r"^(?:https?:/{1,2}(?:www\.)?openalex\.org/)?([AWITSC])(\d{1,15})$", re.IGNORECASE)


def parse_openalex_id(value: str, kind: str) -> str | None:
    """``A5023888391``, ``a5023888391`` or ``https://openalex.org/A5023888391`` -> the short
    id in its canonical upper-case form, when it names an entity of ``kind`` ("A", "W", "I",
    "T"); None for anything else."""
    match = _ID_RE.match((value or "").strip())
    if match is None or match.group(1).upper() != kind:
        return None
    return kind + match.group(2)


def id_kind(value: str) -> str | None:
    """The entity letter of an OpenAlex id in any accepted form ("A", "W", ...), else None."""
    match = _ID_RE.match((value or "").strip())
    return match.group(1).upper() if match else None


# Author ids minted since OpenAlex re-assigned them in July 2023 start at A5000000000; every
# legacy id (MAG-derived, or OpenAlex-minted before 2023 such as A4347464006) is below that.
# Comparing the number rather than matching "A5" plus nine digits keeps later series current.
_AUTHOR_ID_RE = re.compile(r"^A(\d{1,15})$")
_FIRST_CURRENT_AUTHOR_NUMBER = 5_000_000_000


def is_author_id(openalex_id: str) -> bool:
    """True for an OpenAlex author id in short form (``A`` and digits), of either series."""
    return _AUTHOR_ID_RE.match(openalex_id or "") is not None


def is_current_author_id(openalex_id: str) -> bool:
    """True for a current-series OpenAlex author id (short form, e.g. ``A5023888391``);
    False for a legacy id (``A2208157607``) and for anything that is not an author id."""
    match = _AUTHOR_ID_RE.match(openalex_id or "")
    return match is not None and int(match[1]) >= _FIRST_CURRENT_AUTHOR_NUMBER
