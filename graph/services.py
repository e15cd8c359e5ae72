"""Writes of the graph app: materialised co-author edges."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

# A work with more authors than this (consortium papers list thousands) says nothing about
# who works closely with whom, and would add millions of pairs.
MAX_AUTHORS_FOR_EDGES = 100

# Staged in temporary tables that are ANALYZEd, so the planner sees real sizes and joins by
# hash; CTEs with guessed sizes led it into nested loops that took minutes.
_STAGE = [
    "DROP TABLE IF EXISTS edge_scope, edge_works, edge_authors, edge_pairs",
    """CREATE TEMP TABLE edge_works ON COMMIT DROP AS
       SELECT a.work_id FROM works_authorship a
       WHERE a.researcher_id IS NOT NULL {work_filter}
       GROUP BY a.work_id HAVING count(*) BETWEEN 2 AND %(max_authors)s""",
    "ANALYZE edge_works",
    """CREATE TEMP TABLE edge_authors ON COMMIT DROP AS
       SELECT DISTINCT a.work_id, a.researcher_id, w.publication_year AS year
       FROM works_authorship a JOIN edge_works USING (work_id) JOIN works_work w ON w.id = a.work_id
       WHERE a.researcher_id IS NOT NULL""",
    "ANALYZE edge_authors",
    """CREATE TEMP TABLE edge_pairs ON COMMIT DROP AS
       SELECT a1.researcher_id AS a, a2.researcher_id AS b, count(*) AS shared_works,
              min(a1.year) AS first_year, max(a1.year) AS last_year
       FROM edge_authors a1 JOIN edge_authors a2 ON a2.work_id = a1.work_id AND a1.researcher_id < a2.researcher_id
       {pair_filter}
       GROUP BY 1, 2""",
    "CREATE UNIQUE INDEX ON edge_pairs (a, b)",
    "ANALYZE edge_pairs",
]


def coauthor_edges_refresh(*, researcher_ids: Iterable[int] | None = None) -> int:
    """Recompute the co-author edges of ``researcher_ids`` (all researchers when None) from
    authorships. Idempotent: an edge row changes only when its counts change; edges that no
    longer exist are deleted. Returns the number of edges inserted, updated or deleted."""
    ids = None if researcher_ids is None else sorted(set(researcher_ids))
    if ids is not None and not ids:
        return 0
    if ids is None:
        work_filter, pair_filter, edge_filter = "", "", "true"
    else:
        # Every work of theirs, and only the pairs that involve one of them.
        work_filter = (
            "AND a.work_id IN (SELECT work_id FROM works_authorship WHERE researcher_id IN (SELECT id FROM edge_scope))"
        )
        pair_filter = (
            "WHERE a1.researcher_id IN (SELECT id FROM edge_scope) OR a2.researcher_id IN (SELECT id FROM edge_scope)"
        )
        edge_filter = (
            "(e.researcher_a_id IN (SELECT id FROM edge_scope) OR e.researcher_b_id IN (SELECT id FROM edge_scope))"
        )
    changed = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if ids is not None:
            cursor.execute("DROP TABLE IF EXISTS edge_scope")
            cursor.execute("CREATE TEMP TABLE edge_scope (id bigint PRIMARY KEY) ON COMMIT DROP")
            cursor.execute("INSERT INTO edge_scope SELECT unnest(%s::bigint[])", [ids])
            cursor.execute("ANALYZE edge_scope")
        for statement in _STAGE:
            if ids is not None and statement.startswith("DROP"):
                statement = statement.replace("edge_scope, ", "")  # keep the scope just built
            cursor.execute(
                statement.format(work_filter=work_filter, pair_filter=pair_filter),
                {"max_authors": MAX_AUTHORS_FOR_EDGES},
            )
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
            f"""DELETE FROM graph_coauthoredge e WHERE {edge_filter}
                AND NOT EXISTS (SELECT 1 FROM edge_pairs p WHERE p.a = e.researcher_a_id AND p.b = e.researcher_b_id)"""
        )
        changed += cursor.rowcount
        cursor.execute("DROP TABLE IF EXISTS edge_scope, edge_works, edge_authors, edge_pairs")
    if ids is None and changed:
        # After rewriting much of the table the planner's row estimates are stale until
        # autovacuum runs, and it plans profile queries for far more edges per researcher
        # than there are (seen: JIT-compiled page queries of a second each).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE graph_coauthoredge")
    return changed
