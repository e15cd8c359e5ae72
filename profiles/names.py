"""Name folding for search: case- and accent-insensitive, pure. The one folding of names:
the import stores ``search_text`` in Researcher.search_name and search folds the query with
``fold``, so both sides always agree."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")

# Letters NFKD does not decompose into a base letter plus accent, so that "Lukasz" finds
# "Łukasz" and "Soren" finds "Søren", as on OpenAlex.
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}
)


def fold(text: str) -> str:
    """Lower-case, strip accents and collapse whitespace: "Vincent Larivière" -> "vincent
    lariviere", "Łukasz Søren" -> "lukasz soren". Punctuation stays ("jean-pierre")."""
    if text.isascii():  # most names: nothing to decompose
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text).translate(_UNDECOMPOSED)
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
