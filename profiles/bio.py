"""The generated one-line bio: built from what the record says, never a generic sentence."""

from __future__ import annotations

from profiles.bidi import isolate_text


def generate_bio(
    *,
    topics: list[str],
    institution: str | None,
    first_year: int | None,
    last_year: int | None,
    works_count: int,
) -> str:
    """Return a short bio from the record's top topics, institution and active years, e.g.
    "Works mainly on Optical Network Technologies; also Photonics. At Example University;
    42 works published 2015–2025."

    ``first_year`` should be given only when it is known (all works seen): OpenAlex's
    counts_by_year reaches back about a dozen years, which would make long careers look short.
    Returns "" when the record gives nothing specific to say: the page then shows no bio
    rather than a sentence that would fit anyone.
    """
    # Names inside a sentence are isolated for bidirectional text (profiles/bidi.py): a topic
    # or institution in right-to-left script, or with a direction control, must not reorder the
    # rest of the bio. Latin names are left as they are.
    topics = [isolate_text(topic) for topic in topics]
    institution = isolate_text(institution) if institution else institution
    sentences: list[str] = []
    if topics:
        # Topic names often contain "and" themselves; a semicolon and commas keep them apart.
        lead = f"Works mainly on {topics[0]}"
        if len(topics) > 1:
            lead += "; also " + ", ".join(topics[1:3])
        sentences.append(lead + ".")

    facts: list[str] = []
    if institution:
        facts.append(f"At {institution}")
    if works_count:
        noun = "work" if works_count == 1 else "works"
        if first_year and last_year and first_year != last_year:
            facts.append(f"{works_count} {noun} published {first_year}–{last_year}")
        elif first_year and last_year:
            facts.append(f"{works_count} {noun} published in {last_year}")
        elif last_year:
            facts.append(f"{works_count} {noun}, the latest in {last_year}")
        else:
            facts.append(f"{works_count} {noun} in OpenAlex")
    if facts:
        sentences.append("; ".join(facts) + ".")
    return " ".join(sentences)
