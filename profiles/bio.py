"""The generated one-line bio: built from what the record says, never a generic sentence."""

from __future__ import annotations


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def generate_bio(
    *,
    topics: list[str],
    institution: str | None,
    first_year: int | None,
    last_year: int | None,
    works_count: int,
) -> str:
    """Return a one-line bio from the record's top topics, institution and active years.

    Returns "" when the record gives nothing specific to say: the page then shows no bio
    rather than a sentence that would fit anyone.
    """
    parts: list[str] = []
    if topics:
        parts.append("Works on " + _join(topics[:3]))
    if institution:
        parts.append(("at " if parts else "Affiliated with ") + institution)
    lead = " ".join(parts)

    activity = ""
    noun = "work" if works_count == 1 else "works"
    if works_count and first_year and last_year:
        span = f"in {first_year}" if first_year == last_year else f"between {first_year} and {last_year}"
        activity = f"{works_count} {noun} published {span}"
    elif works_count:
        activity = f"{works_count} {noun} in OpenAlex"

    if not lead and not activity:
        return ""
    if lead and activity:
        return f"{lead}; {activity}."
    return f"{lead or activity}."
