"""ORCID iDs: parse the forms people and OpenAlex write them in, and check their check digit.

Pure functions (no ORM, no network). An ORCID iD is 16 characters, the last one a check
character (0-9 or X) computed with ISO 7064 MOD 11-2 over the first 15 digits; it is written
``0000-0002-1825-0097`` and linked as ``https://orcid.org/0000-0002-1825-0097``.

The shape check (:func:`normalize_orcid`) and the check-digit test
(:func:`orcid_checksum_is_valid`) are separate on purpose: verification (profiles.verification)
must be able to say "the record carries 0000-0002-1825-0098, whose check digit is wrong",
which needs the normalised form of an iD that is not valid.
"""

from __future__ import annotations

import re

ORCID_URL_PREFIX = "https://orcid.org/"
_CHECK_CHARS = frozenset("0123456789Xx")

# Optional URL prefix (https://, http://, www., or the bare host), then either the hyphenated
# form or sixteen characters without hyphens; the check character may be a lower-case x.
_ORCID_RE = re.compile(
    r"""
    ^(?:(?:https?://)?(?:www\.)?orcid\.org/)?
    (?:
        (?P<a>\d{4})-(?P<b>\d{4})-(?P<c>\d{4})-(?P<d>\d{3}[\dX])
      | (?P<bare>\d{15}[\dX])
    )/?$
    """,
    re.VERBOSE | re.IGNORECASE,
)


def normalize_orcid(value: str | None) -> str:
    """Return ``value`` as ``0000-0002-1825-0097`` (upper-case X), or "" if it is not ORCID-shaped.

    Accepts ``https://orcid.org/…``, ``http://…``, ``orcid.org/…``, ``www.orcid.org/…``, the
    hyphenated form and the 16-character form without hyphens, surrounded by whitespace or
    not. Does not test the check digit: see :func:`orcid_checksum_is_valid`.
    """
    if not value:
        return ""
    # Fast path for the form OpenAlex uses everywhere: https://orcid.org/0000-0002-1825-0097
    if len(value) == 37 and value.startswith(ORCID_URL_PREFIX):
        tail = value[18:]
        digits = tail[0:4] + tail[5:9] + tail[10:14] + tail[15:18]
        if tail[4] == tail[9] == tail[14] == "-" and digits.isdigit() and digits.isascii() and tail[18] in _CHECK_CHARS:
            return tail.upper()
    match = _ORCID_RE.match(value.strip())
    if match is None:
        return ""
    if match["bare"]:
        digits = match["bare"].upper()
        return "-".join(digits[i : i + 4] for i in range(0, 16, 4))
    return "-".join((match["a"], match["b"], match["c"], match["d"].upper()))


def orcid_check_character(first_15_digits: str) -> str:
    """The ISO 7064 MOD 11-2 check character ("0"-"9" or "X") for 15 base digits."""
    if len(first_15_digits) != 15 or not first_15_digits.isdigit():
        raise ValueError(f"expected 15 digits, got {first_15_digits!r}")
    total = 0
    for digit in first_15_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def orcid_checksum_is_valid(orcid: str | None) -> bool:
    """True when ``orcid`` (any form :func:`normalize_orcid` accepts) has a correct check digit.

    False for anything that is not ORCID-shaped.
    """
    normalized = normalize_orcid(orcid)
    if not normalized:
        return False
    digits = normalized.replace("-", "")
    return orcid_check_character(digits[:15]) == digits[15]


def orcid_url(orcid: str | None) -> str:
    """The canonical link ``https://orcid.org/0000-…`` for ``orcid``, or "" if not ORCID-shaped.

    Does not test the check digit; callers that link only valid iDs check that first.
    """
    normalized = normalize_orcid(orcid)
    return ORCID_URL_PREFIX + normalized if normalized else ""
