"""Writes of the graph app: materialised co-author edges."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

# A work with more authors than this (consortium papers list thousands) says nothing about
# who works closely with whom, and would add millions of pairs.
MAX_AUTHORS_FOR_EDGES = 100
FULL_REFRESH_ABOVE = 5000

_PAIRS = """
CREATE TEMP TABLE edge_pairs ON COMMIT DROP AS
WITH scope AS (
    SELECT DISTINCT work_id FROM works_authorship
    WHERE researcher_id IS NOT NULL AND ({where})
), sized AS (
    SELECT a.work_id FROM works_authorship a JOIN scope USING (work_id)
    GROUP BY a.work_id HAVING count(*) <= %(max_authors)s
)
SELECT a1.researcher_id AS a, a2.researcher_id AS b, count(DISTINCT a1.work_id) AS shared_works,
       min(w.publication_year) AS first_year, max(w.publication_year) AS last_year
FROM sized
JOIN works_authorship a1 ON a1.work_id = sized.work_id
JOIN works_authorship a2 ON a2.work_id = sized.work_id AND a1.researcher_id < a2.researcher_id
JOIN works_work w ON w.id = sized.work_id
WHERE {pair_where}
GROUP BY 1, 2
"""


def coauthor_edges_refresh(*, researcher_ids: Iterable[int] | None = None) -> int:
    """Recompute the co-author edges of ``researcher_ids`` (all researchers when None) from
    authorships. Idempotent: an edge row changes only when its counts change; edges that no
    longer exist are deleted. Returns the number of edges inserted, updated or deleted."""
    ids = None if researcher_ids is None else sorted(set(researcher_ids))
    if ids is not None and not ids:
        return 0
    if ids is not None and len(ids) > FULL_REFRESH_ABOVE:
        ids = None  # one pass over everything is cheaper than filtering by a huge id list
    if ids is None:
        where, pair_where, scope_filter = "true", "true", "true"
    else:
        where = "researcher_id = ANY(%(ids)s)"
        pair_where = "(a1.researcher_id = ANY(%(ids)s) OR a2.researcher_id = ANY(%(ids)s))"
        scope_filter = "(e.researcher_a_id = ANY(%(ids)s) OR e.researcher_b_id = ANY(%(ids)s))"
    params = {"ids": ids, "max_authors": MAX_AUTHORS_FOR_EDGES}
    changed = 0
    with transaction.atomic(), connection.cursor() as cursor:
        # ON COMMIT DROP alone is not enough when the caller's transaction is still open.
        cursor.execute("DROP TABLE IF EXISTS edge_pairs")
        cursor.execute(_PAIRS.format(where=where, pair_where=pair_where), params)
        cursor.execute(
            """INSERT INTO graph_coauthoredge AS e
                   (researcher_a_id, researcher_b_id, shared_works, first_year, last_year)
               SELECT a, b, shared_works, first_year, last_year FROM edge_pairs ORDER BY a, b
               ON CONFLICT (researcher_a_id, researcher_b_id) DO UPDATE SET shared_works = EXCLUDED.shared_works,
                   first_year = EXCLUDED.first_year, last_year = EXCLUDED.last_year
               WHERE (e.shared_works, e.first_year, e.last_year)
                     IS DISTINCT FROM (EXCLUDED.shared_works, EXCLUDED.first_year, EXCLUDED.last_year)"""
        )
        changed += cursor.rowcount
        cursor.execute(
            f"""DELETE FROM graph_coauthoredge e WHERE {scope_filter}
                AND NOT EXISTS (SELECT 1 FROM edge_pairs p
                                WHERE p.a = e.researcher_a_id AND p.b = e.researcher_b_id)""",
            params,
        )
        changed += cursor.rowcount
        cursor.execute("DROP TABLE edge_pairs")
    return changed
