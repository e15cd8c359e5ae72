"""The profile and work pages' version stamps, for the page cache (core/page_cache.py holds
the mechanism: keys, code digest, storage, the CSRF token, the viewer parts). The stored page
is the anonymous one; a signed-in visitor gets it with their own parts filled in
(pages.views), so nothing a stamp covers depends on who looks.

The profile stamp (:data:`PROFILE`) is cheap on purpose (index lookups of a few rows; about
0.2 ms on 1,000,000 works): it changes with

* the researcher row (any UPDATE: imports of the author record, owner edits of bio, name or
  the collaborate flag), read as PostgreSQL's row version ``xmin``;
* the current trust snapshot;
* for each small table the page reads per researcher (follows, hidden works, claims, owner
  corrections, affiliations, topics): the number of the researcher's rows and their highest
  ``xmin``, so any insert, update or delete moves it.

Works, authorships and co-author edges are not read row by row (a prolific author has
thousands; reading them cost ten times the rest of the stamp). New works and new co-authors
reach the page through the trust snapshot instead: every import recomputes the trust of the
researchers it touched (graph.tasks.refresh_after_import), and the works count, their years and the
co-author count are trust inputs, so the snapshot changes with them. What neither sees (a
work's title or citation count corrected in OpenAlex, an institution renamed, a co-author's
second shared work on a work already listed, a co-author's name in the works list's author
lists) is bounded by :data:`CACHE_SECONDS` (setting ``PAGE_CACHE_SECONDS``; 0 turns the cache
off). Each query string (the works list's sort, filters and page) is a page of its own in the
cache (core.page_cache keys on the full path).

The work stamp (:data:`WORK`) changes with the work row and its venue's, the number of its
authorships, the row versions of the authorships the page shows (a slice: the first ones,
or those after ``?authors_after=``) and of their researchers (names, merges), and the count
and row versions of the work's topics and of those topics. It never reads every authorship
of a 5,000-author work beyond counting them on the key's index.

Whoever adds something to an anonymous cached page that its stamp does not cover must add
it to the stamp (tests/pages/test_page_cache.py changes each input and expects the page to
follow).
"""

from __future__ import annotations

from core.page_cache import (  # noqa: F401  (the mechanism, re-exported for the views and tests)
    CACHE_SECONDS,
    PAGE_CODE_FOLDERS,
    CachedPage,
    Fill,
    Lookup,
    _code_version,
    _redis,
    anonymous_request,
    applies,
    is_signed_in,
    lookup,
    render_and_store,
    render_parts,
    respond,
    rows_stamp,
    visitor_token,
)

PROFILE = CachedPage(
    "profile_page",
    f"""
SELECT r.id, concat_ws('|',
    r.xmin::text,
    coalesce((SELECT t.id FROM graph_trustsnapshot t WHERE t.researcher_id = r.id AND t.is_current), 0),
    {rows_stamp("profiles_follow", "f", "f.researcher_id = r.id")},
    {rows_stamp("works_hiddenwork", "h", "h.researcher_id = r.id")},
    {rows_stamp("profiles_claim", "c", "c.researcher_id = r.id")},
    {rows_stamp("profiles_profilecorrection", "p", "p.researcher_id = r.id")},
    {rows_stamp("profiles_researcheraffiliation", "ra", "ra.researcher_id = r.id")},
    {rows_stamp("profiles_researchertopic", "rt", "rt.researcher_id = r.id")}
)
FROM profiles_researcher r
WHERE r.openalex_id = $1 AND r.record_status <> 'deleted'
""",
    ("text",),
)

# $1 the work's OpenAlex id, $2 the byline position the shown authors come after (-1: the
# first ones), $3 how many are shown.
WORK = CachedPage(
    "work_page",
    f"""
SELECT w.id, concat_ws('|',
    w.xmin::text,
    coalesce((SELECT s.xmin::text FROM works_source s WHERE s.id = w.source_id), '-'),
    (SELECT count(*) FROM works_authorship a WHERE a.work_id = w.id),
    (SELECT string_agg(a.version || '.' || coalesce(r.xmin::text, '-'), ',' ORDER BY a.position)
       FROM (SELECT a.xmin::text AS version, a.position, a.researcher_id FROM works_authorship a
             WHERE a.work_id = w.id AND a.position > $2 ORDER BY a.position LIMIT $3) a
       LEFT JOIN profiles_researcher r ON r.id = a.researcher_id),
    {rows_stamp("works_worktopic", "wt", "wt.work_id = w.id")},
    (SELECT coalesce(max(t.xmin::text::bigint), 0) FROM works_worktopic wt JOIN profiles_topic t ON t.id = wt.topic_id
      WHERE wt.work_id = w.id)
)
FROM works_work w
WHERE w.openalex_id = $1
""",
    ("text", "integer", "integer"),
)


