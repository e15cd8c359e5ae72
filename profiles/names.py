"""Name folding for search: case- and accent-insensitive, pure."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, strip accents and collapse whitespace: "Vincent Larivière" -> "vincent lariviere"."""
    if text.isascii():  # most names: nothing to decompose
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def search_text(display_name: str, alternatives: list[str] | tuple[str, ...] = ()) -> str:
    """The folded text a researcher is found by: the name and its alternatives, deduplicated."""
    seen: dict[str, None] = {}
    for name in (display_name, *alternatives):
        folded = fold(name or "")
        if folded:
            seen.setdefault(folded)
    return " | ".join(seen)
