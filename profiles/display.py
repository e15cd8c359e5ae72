"""Pure helpers that turn profile data into what a page shows: year ranges, long abstracts,
the schema.org Person JSON-LD and its safe embedding.

No ORM, no network: views and selectors pass plain values in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from profiles import bidi
from profiles.identifiers import OPENALEX_URL

# An abstract longer than this is clamped to three lines with "more" (about three lines of text).
ABSTRACT_LEAD_CHARS = 320


def year_ranges(years: Iterable[int]) -> str:
    """[2019, 2020, 2021, 2023] -> "2019–2021, 2023" (en dashes; duplicates and order ignored)."""
    ordered = sorted(set(years))
    parts: list[str] = []
    start = prev = None
    for year in ordered:
        if start is None:
            start = prev = year
        elif year == prev + 1:  # type: ignore[operator]
            prev = year
        else:
            parts.append(_span(start, prev))  # type: ignore[arg-type]
            start = prev = year
    if start is not None:
        parts.append(_span(start, prev))  # type: ignore[arg-type]
    return ", ".join(parts)


def _span(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}–{end}"


def shared_works_phrase(shared_works: int, first_year: int | None, last_year: int | None) -> str:
    """How a co-author is connected: "3 shared works, 2021–2024" / "1 shared work, 2022"."""
    noun = "shared work" if shared_works == 1 else "shared works"
    years = year_span(first_year, last_year)
    return f"{shared_works} {noun}, {years}" if years else f"{shared_works} {noun}"


def year_span(first_year: int | None, last_year: int | None) -> str:
    """ "2021–2024", "2022" when one year is known or both are the same, "" when none is."""
    if first_year and last_year:
        return _span(first_year, last_year)
    return str(last_year or first_year or "")


def abstract_is_long(text: str, limit: int = ABSTRACT_LEAD_CHARS) -> bool:
    """Whether an abstract runs past about three lines, so the list shows it clamped with a
    "more" button (a few words over the limit are not worth one)."""
    return len(text.strip()) > limit + 40


def person_jsonld(
    *,
    name: str,
    url: str,
    openalex_id: str,
    orcid_url: str = "",
    description: str = "",
    affiliations: Sequence[str] = (),
    topics: Sequence[str] = (),
    alternate_names: Sequence[str] = (),
) -> dict[str, Any]:
    """A schema.org ``Person`` for a profile page. Values are plain strings from the record;
    :func:`jsonld_script_content` makes them safe inside a script element."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Person",
        "name": name,
        "url": url,
        "identifier": OPENALEX_URL + openalex_id,
        "sameAs": [OPENALEX_URL + openalex_id, *([orcid_url] if orcid_url else [])],
    }
    if description:
        data["description"] = description
    if alternate_names:
        data["alternateName"] = list(dict.fromkeys(n for n in alternate_names if n and n != name))
        if not data["alternateName"]:
            del data["alternateName"]
    if affiliations:
        data["affiliation"] = [{"@type": "Organization", "name": a} for a in affiliations]
    if topics:
        data["knowsAbout"] = list(topics)
    return data


# The characters that could end a script element or start markup, escaped as JSON allows
# (the same set as Django's json_script).
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def jsonld_script_content(data: Any) -> str:
    """``data`` as JSON that cannot break out of ``<script type="application/ld+json">``:
    ``<``, ``>`` and ``&`` become ``\\u003C``-style escapes, which JSON parsers read back
    unchanged. (Django's json_script filter would do the same, but writes its own
    ``type="application/json"`` element.)"""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)


def meta_description(name: str, bio: str, *, works: int, institution: str = "", limit: int = 160) -> str:
    """A one-sentence summary for ``<meta name="description">``, at most ``limit`` characters
    and the isolate closers a cut needs. The name, the institution and the bio are isolated for
    bidirectional text (profiles/bidi.py) here: an attribute can hold no ``<bdi>``."""
    return bidi.balance_isolates(_meta_description(name, bio, works=works, institution=institution, limit=limit))


def _meta_description(name: str, bio: str, *, works: int, institution: str, limit: int) -> str:
    # The cut below may fall inside an isolate: the caller closes what it left open.
    name, bio, institution = bidi.isolate_text(name), bidi.isolate_text(bio), bidi.isolate_text(institution)
    if bio:
        text = f"{name}: {bio}"
    else:
        noun = "work" if works == 1 else "works"
        text = f"{name}, researcher{f' at {institution}' if institution else ''}: {works} {noun} in BZPEER."
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > 0 else limit - 1].rstrip(" ,;:") + "…"
