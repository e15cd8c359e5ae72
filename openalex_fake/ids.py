"""Identifiers: OpenAlex keys, ORCID iDs, DOIs and the other id forms the API accepts, and the
text folding that ``search`` uses.

These repeat, on purpose, helpers the product has (``profiles/orcid.py``,
``works/openalex_parser.py``, ``profiles/names.py``): the fake must not import the code it tests
(see the package docstring).

``fold_text`` is not the product's ``profiles.names.fold``: besides folding case and accents (and
the letters NFKD does not decompose, such as ł and ø), it splits on punctuation, because it
mimics OpenAlex's search tokenizer ("Müller-Lüdenscheidt" is found by "lüdenscheidt"). That is a
deliberate difference; for names made of letters and spaces only, the two must agree
(``tests/openalex_fake/test_ids.py``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

OPENALEX_PREFIX = "https://openalex.org/"

# Id prefix letter -> API collection name.
ENTITY_TYPES: dict[str, str] = {
    "A": "authors",
    "W": "works",
    "I": "institutions",
    "T": "topics",
    "S": "sources",
    "C": "concepts",
    "F": "funders",
    "P": "publishers",
}
COLLECTIONS: dict[str, str] = {name: letter for letter, name in ENTITY_TYPES.items()}

_KEY_RE = re.compile(r"^([A-Za-z])(\d+)$")


def short_key(value: str | None) -> str | None:
    """``https://openalex.org/A123`` / ``openalex:A123`` / ``a123`` -> ``A123``; else None."""
    if not value:
        return None
    text = value.strip()
    for prefix in (OPENALEX_PREFIX, "http://openalex.org/", "openalex:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
            break
    match = _KEY_RE.match(text)
    return f"{match.group(1).upper()}{match.group(2)}" if match else None


def normalize_orcid(value: str | None) -> str | None:
    """ORCID URL or ``orcid:`` form -> bare ``0000-0002-1825-0097`` (upper-case X)."""
    if not value:
        return None
    text = value.strip()
    for prefix in ("https://orcid.org/", "http://orcid.org/", "orcid:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
            break
    return text.upper() or None


def normalize_doi(value: str | None) -> str | None:
    """DOI URL or ``doi:`` form -> bare lower-case ``10.…``."""
    if not value:
        return None
    text = value.strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
            break
    return text.lower() or None


def normalize_ror(value: str | None) -> str | None:
    """ROR URL or ``ror:`` form -> bare lower-case ``0abc12d34``."""
    if not value:
        return None
    text = value.strip()
    for prefix in ("https://ror.org/", "http://ror.org/", "ror:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
            break
    return text.lower() or None


def _normalize_tail(value: str | None) -> str | None:
    """pmid/mag/pmcid values: keep the last path segment (``…/pubmed/123`` -> ``123``)."""
    if value is None:
        return None
    text = str(value).strip().rstrip("/")
    return text.rsplit("/", 1)[-1].lower() or None


_SCHEME_NORMALIZERS = {
    "orcid": normalize_orcid,
    "doi": normalize_doi,
    "ror": normalize_ror,
    "pmid": _normalize_tail,
    "pmcid": _normalize_tail,
    "mag": _normalize_tail,
}


def parse_lookup_id(raw: str) -> tuple[str, str] | None:
    """Classify an id from a URL path: ``("openalex", "A1")``, ``("orcid", "0000-…")``, …

    Returns None when the form is not recognised (the caller answers 404).
    """
    text = raw.strip()
    lower = text.lower()
    key = short_key(text)
    if key:
        return ("openalex", key)
    if lower.startswith(("https://orcid.org/", "http://orcid.org/", "orcid:")):
        return ("orcid", normalize_orcid(text) or "")
    if lower.startswith(("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")):
        return ("doi", normalize_doi(text) or "")
    if lower.startswith(("https://ror.org/", "http://ror.org/", "ror:")):
        return ("ror", normalize_ror(text) or "")
    for scheme in ("pmid", "pmcid", "mag"):
        if lower.startswith(scheme + ":"):
            return (scheme, _normalize_tail(text[len(scheme) + 1 :]) or "")
    return None


def external_ids(entity: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(scheme, normalised value) pairs an entity can be looked up by, besides its key."""
    raw_ids = entity.get("ids")
    ids: Mapping[str, Any] = raw_ids if isinstance(raw_ids, dict) else {}
    for scheme, normalizer in _SCHEME_NORMALIZERS.items():
        for value in (entity.get(scheme), ids.get(scheme)):
            if isinstance(value, str | int):
                normalized = normalizer(str(value))
                if normalized:
                    yield (scheme, normalized)


def id_sort_key(key: str) -> tuple[str, int]:
    """Order keys by letter, then numerically (``A9`` before ``A10``)."""
    match = _KEY_RE.match(key)
    return (key[0], int(match.group(2))) if match else (key, 0)


# Letters NFKD does not decompose into a base letter plus accent.
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
)


def fold_text(text: str) -> str:
    """Case- and accent-insensitive form used by ``search``: 'Müller-Łukasz' -> 'muller lukasz'."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.translate(_UNDECOMPOSED)
    return " ".join(re.sub(r"[^\w]+", " ", stripped.casefold()).split())
