"""Bidirectional-text isolation for text that comes from records and people.

A name, title or bio may hold right-to-left script or explicit direction controls (an
RIGHT-TO-LEFT OVERRIDE, U+202E, left open): shown as it is, it would reorder the words around it
("by Ada Example · 2021" read backwards to the end of the line). Isolation confines it: the
Unicode bidirectional algorithm closes every embedding and override a value opened at the end
of the isolate that holds it (UAX #9, rule X6a).

The one rule of BZPEER's templates: every value from a record or a person (names, work titles,
institutions, topics, venues, bios, notes, queries) goes through one of two filters of
``profiles/templatetags/bidi.py`` (built into every template):

* ``|bdi`` in HTML content: the value in a ``<bdi>`` element (direction ``auto``, isolated);
* ``|isolate`` where no markup can go (``<title>``, attribute values, ``<option>``, plain-text
  email): the value between FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE characters, only
  when it holds right-to-left text or direction controls, so that plain Latin text is unchanged.

Both first balance the value's own isolates (:func:`balance_isolates`): a stray POP DIRECTIONAL
ISOLATE in a value must not close the isolate around it and let the rest escape.

Pure: standard library only.
"""

from __future__ import annotations

import unicodedata

FSI = "\u2068"  # FIRST STRONG ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE
_ISOLATE_INITIATORS = frozenset("\u2066\u2067\u2068")  # LRI, RLI, FSI
# Bidi classes that can move text around them: strong right-to-left letters, Arabic digits and
# every explicit embedding, override and isolate control.
_MOVING_CLASSES = frozenset({"R", "AL", "AN", "LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})


def needs_isolation(text: str) -> bool:
    """Whether ``text`` holds anything that could reorder the text around it."""
    if text.isascii():
        return False  # the fast path: ASCII has no right-to-left letter and no control
    return any(unicodedata.bidirectional(char) in _MOVING_CLASSES for char in text)


def balance_isolates(text: str) -> str:
    """``text`` with every POP DIRECTIONAL ISOLATE that closes nothing of its own dropped, and
    one added at the end for each isolate it leaves open. Other characters are kept."""
    if text.isascii() or (PDI not in text and not _ISOLATE_INITIATORS.intersection(text)):
        return text
    kept: list[str] = []
    depth = 0
    for char in text:
        if char in _ISOLATE_INITIATORS:
            depth += 1
        elif char == PDI:
            if depth == 0:
                continue
            depth -= 1
        kept.append(char)
    return "".join(kept) + PDI * depth


def isolate_text(text: str) -> str:
    """``text`` for a place without markup: between FSI and PDI when it needs isolation, else
    unchanged (``"Ada Example"`` stays ``"Ada Example"``)."""
    text = balance_isolates(text)
    return f"{FSI}{text}{PDI}" if needs_isolation(text) else text

