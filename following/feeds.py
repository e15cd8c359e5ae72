"""Atom feeds of works (RFC 4287), built on Django's feedgenerator: a researcher's public feed
(cached like the anonymous profile, core/page_cache.py) and a person's private feed of the
researchers they follow.

Every URL in a feed is absolute, from ``SITE_URL`` (bzpeer.http.absolute_url). Names and
titles from records are text: the XML writer escapes markup, characters XML cannot hold
(C0 controls) are dropped, and a value with right-to-left text or direction controls is
isolated (profiles.bidi.isolate_text), as in a page's ``<title>``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any

from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from bzpeer.http import absolute_url
from core.page_cache import CachedPage, rows_stamp
from following.selectors import FeedEntries
from profiles.bidi import isolate_text
from works.models import Work

CONTENT_TYPE = Atom1Feed.content_type

# A researcher's feed changes with their row (name, merges, deletion), their current trust
# snapshot (every import that brings them works recomputes it, pages/page_cache.py explains
# why) and their hidden works. $1: the researcher's OpenAlex id.
RESEARCHER_FEED = CachedPage(
    "researcher_feed",
    f"""
SELECT r.id, concat_ws('|',
    r.xmin::text,
    coalesce((SELECT t.id FROM graph_trustsnapshot t WHERE t.researcher_id = r.id AND t.is_current), 0),
    {rows_stamp("works_hiddenwork", "h", "h.researcher_id = r.id")}
)
FROM profiles_researcher r
WHERE r.openalex_id = $1 AND r.record_status <> 'deleted'
""",
    ("text",),
)

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text(value: str) -> str:
    """A value from a record as feed text: no character XML refuses, direction isolated."""
    return isolate_text(_NOT_XML.sub("", value))


class WorksFeed(Atom1Feed):
    """Atom with every shown author of an entry (feedgenerator writes one at most)."""

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        for name, uri in item.get("authors", ()):
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            if uri:
                handler.addQuickElement("uri", uri)
            handler.endElement("author")


def _when(work: Work) -> datetime | None:
    published: date | None = work.publication_date or (
        date(work.publication_year, 1, 1) if work.publication_year else None
    )
    return datetime.combine(published, time(), tzinfo=UTC) if published else None


def feed_bytes(*, title: str, page_path: str, feed_path: str, subtitle: str, entries: FeedEntries) -> bytes:
    """The Atom document of ``entries``: one entry per work (its page's URL as id and link,
    its title, its first authors, its publication date as published, its last change as
    updated), newest first."""
    feed = WorksFeed(
        title=text(title),
        link=absolute_url(page_path),
        feed_url=absolute_url(feed_path),
        feed_guid=absolute_url(feed_path),
        description=text(subtitle),
        subtitle=text(subtitle),
        author_name="BZPEER",
        language="en",
    )
    for work in entries.works:
        url = absolute_url(reverse("pages:work", args=[work.openalex_id]))
        published = _when(work)
        updated = work.openalex_updated or work.imported_at or published or datetime(1970, 1, 1, tzinfo=UTC)
        authors = entries.authors[work.pk]
        names = [
            (
                text(a.researcher.name if a.researcher else (a.raw_author_name or "Unnamed author")),
                absolute_url(reverse("pages:detail", args=[a.researcher.openalex_id])) if a.researcher else "",
            )
            for a in authors.authorships
        ]
        more = f" and {authors.remaining} more" if authors.remaining else ""
        venue = text(work.venue_name) if work.venue_name else ""
        year = str(work.publication_year) if work.publication_year else ""
        summary = " · ".join(part for part in (", ".join(n for n, _ in names) + more, venue, year) if part)
        feed.add_item(
            title=text(work.display_title),
            link=url,
            description=summary,
            unique_id=url,
            pubdate=published,
            updateddate=updated,
            authors=names,
        )
    return feed.writeString("utf-8").encode()
