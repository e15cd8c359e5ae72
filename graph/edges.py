"""Co-author edges: the materialised edges (written here only) and the one definition of a
close collaborator (DESIGN §6), which the slice and the profile header both read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from graph.models import CoauthorEdge

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


def coauthor_edges_refresh(
    *, researcher_ids: Iterable[int] | None = None, id_range: tuple[int | None, int | None] | None = None
) -> int:
    """Recompute the co-author edges of ``researcher_ids`` (all researchers when None) from
    authorships. Idempotent: an edge row changes only when its counts change; edges that no
    longer exist are deleted. Returns the number of edges inserted, updated or deleted.

    ``id_range`` ``(low, high)`` (either end None: open) instead recomputes the edges this
    range *owns*: those whose smaller id ``researcher_a_id`` is in ``low <= id < high``, from
    every work of those researchers, and deletes only its own stale edges. Ranges that tile
    the ids (graph.derived_refresh) therefore give exactly the edges of one full refresh, each
    edge written by one range, and each range is a transaction of bounded size."""
    ids = None if researcher_ids is None else sorted(set(researcher_ids))
    if ids is not None and not ids:
        return 0
    if id_range is not None:
        if ids is not None:
            raise ValueError("give researcher_ids or id_range, not both")
        return _refresh_range(*id_range)
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
        changed += _write_pairs(cursor, edge_filter)
        cursor.execute("DROP TABLE IF EXISTS edge_scope, edge_works, edge_authors, edge_pairs")
    if ids is None and changed:
        # After rewriting much of the table the planner's row estimates are stale until
        # autovacuum runs, and it plans profile queries for far more edges per researcher
        # than there are (seen: JIT-compiled page queries of a second each).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE graph_coauthoredge")
    return changed


def _refresh_range(low: int | None, high: int | None) -> int:
    """The edges owned by ``low <= researcher_a_id < high`` (see coauthor_edges_refresh)."""
    # Integers only (ids), formatted into the SQL so the planner sees the real bounds.
    conditions = ["true"]
    if low is not None:
        conditions.append(f"{{column}} >= {int(low)}")
    if high is not None:
        conditions.append(f"{{column}} < {int(high)}")
    bounds = " AND ".join(conditions)
    work_filter = "AND a.work_id IN (SELECT work_id FROM works_authorship WHERE {})".format(
        bounds.format(column="researcher_id")
    )
    pair_filter = "WHERE " + bounds.format(column="a1.researcher_id")
    edge_filter = bounds.format(column="e.researcher_a_id")
    changed = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in _STAGE:
            cursor.execute(
                statement.format(work_filter=work_filter, pair_filter=pair_filter),
                {"max_authors": MAX_AUTHORS_FOR_EDGES},
            )
        changed += _write_pairs(cursor, edge_filter)
        cursor.execute("DROP TABLE IF EXISTS edge_scope, edge_works, edge_authors, edge_pairs")
    return changed


def _write_pairs(cursor: Any, edge_filter: str) -> int:
    """Upsert edge_pairs into the edges and delete the edges matching ``edge_filter`` that it
    no longer holds. Returns the rows inserted, updated or deleted."""
    cursor.execute(
        """INSERT INTO graph_coauthoredge AS e
               (researcher_a_id, researcher_b_id, shared_works, first_year, last_year)
           SELECT a, b, shared_works, first_year, last_year FROM edge_pairs ORDER BY a, b
           ON CONFLICT (researcher_a_id, researcher_b_id) DO UPDATE SET shared_works = EXCLUDED.shared_works,
               first_year = EXCLUDED.first_year, last_year = EXCLUDED.last_year
           WHERE (e.shared_works, e.first_year, e.last_year)
                 IS DISTINCT FROM (EXCLUDED.shared_works, EXCLUDED.first_year, EXCLUDED.last_year)"""
    )
    changed = int(cursor.rowcount)
    cursor.execute(
        f"""DELETE FROM graph_coauthoredge e WHERE {edge_filter}
            AND NOT EXISTS (SELECT 1 FROM edge_pairs p WHERE p.a = e.researcher_a_id AND p.b = e.researcher_b_id)"""
    )
    return changed + int(cursor.rowcount)


def coauthor_ids(researcher_id: int) -> list[int]:
    """The researchers who share an edge with ``researcher_id``. One query."""
    a_side = CoauthorEdge.objects.filter(researcher_a_id=researcher_id).values_list("researcher_b_id", flat=True)
    b_side = CoauthorEdge.objects.filter(researcher_b_id=researcher_id).values_list("researcher_a_id", flat=True)
    return sorted(set(a_side.union(b_side)))


# --- Close collaborators (DESIGN §6): the one definition ------------------------------------------
#
# A researcher's close collaborators are the co-authors with at least CLOSE_MIN_SHARED shared
# works; when fewer than CLOSE_MIN_PEOPLE such co-authors exist, the top CLOSE_FALLBACK
# co-authors by shared works instead. Both cases are a prefix of the researcher's edges in
# CLOSE_ORDER (strongest first, so every edge with CLOSE_MIN_SHARED or more comes before the
# others): the rule is therefore written once, as a count in SQL, and a list of close
# collaborators is "the first ``count`` edges in CLOSE_ORDER". The count is two index lookups
# and an aggregate, cheap inside the profile's one query. ``{researcher}`` is a ``%s``
# placeholder (given twice) or a column of the outer query, never request text.

CLOSE_MIN_SHARED = 2
CLOSE_MIN_PEOPLE = 2
CLOSE_FALLBACK = 5
# Strongest first, then the most recent; the ids make the order total.
CLOSE_ORDER = (F("shared_works").desc(), F("last_year").desc(nulls_last=True), "researcher_a_id", "researcher_b_id")

_EDGES_OF = "FROM graph_coauthoredge e WHERE e.researcher_a_id = {researcher} OR e.researcher_b_id = {researcher}"

_CLOSE_COUNT_SQL = f"""
    SELECT CASE WHEN count(*) FILTER (WHERE e.shared_works >= {CLOSE_MIN_SHARED}) >= {CLOSE_MIN_PEOPLE}
                THEN count(*) FILTER (WHERE e.shared_works >= {CLOSE_MIN_SHARED})
                ELSE LEAST(count(*), {CLOSE_FALLBACK}) END
    {_EDGES_OF}
"""

_FALLBACK_SQL = f"""
    SELECT count(*) FILTER (WHERE e.shared_works >= {CLOSE_MIN_SHARED}) < {CLOSE_MIN_PEOPLE}
    {_EDGES_OF}
"""


def close_count_sql(researcher: str) -> str:
    """How many close collaborators ``researcher`` has, as a scalar subquery."""
    return _CLOSE_COUNT_SQL.format(researcher=researcher)


def close_is_fallback_sql(researcher: str) -> str:
    """Whether the fallback applies (fewer than CLOSE_MIN_PEOPLE strong co-authors)."""
    return _FALLBACK_SQL.format(researcher=researcher)


# The close collaborators of many researchers at once, as (r, o) rows: researcher r and one of
# their close collaborators o. The same rule: the first close_count edges of r in CLOSE_ORDER
# (the count once per researcher, not once per edge).
# ``{scope}`` is a subquery of researcher ids (a temporary table's), never request text.
_CLOSE_PAIRS_SQL = f"""
    WITH counts AS MATERIALIZED (SELECT s.id, ({close_count_sql("s.id")}) AS k FROM ({{scope}}) s)
    SELECT ranked.r, ranked.o FROM (
        SELECT sides.r, sides.o, row_number() OVER (
                   PARTITION BY sides.r
                   ORDER BY sides.shared_works DESC, sides.last_year DESC NULLS LAST, sides.a, sides.b) AS n
        FROM (SELECT e.researcher_a_id AS r, e.researcher_b_id AS o, e.shared_works, e.last_year,
                     e.researcher_a_id AS a, e.researcher_b_id AS b
              FROM graph_coauthoredge e WHERE e.researcher_a_id IN ({{scope}})
              UNION ALL
              SELECT e.researcher_b_id, e.researcher_a_id, e.shared_works, e.last_year,
                     e.researcher_a_id, e.researcher_b_id
              FROM graph_coauthoredge e WHERE e.researcher_b_id IN ({{scope}})) sides
    ) ranked
    JOIN counts ON counts.id = ranked.r
    WHERE ranked.n <= counts.k
"""


def close_pairs_sql(scope: str) -> str:
    """(r, o) for every researcher r in ``scope`` and each of their close collaborators o."""
    return _CLOSE_PAIRS_SQL.format(scope=scope)


# Which of some given pairs are close, as (r, o) rows: o is one of r's close collaborators.
# The same rule, asked of one edge, in the form that needs no count over all of r's edges:
# an edge with CLOSE_MIN_SHARED or more is always close (with CLOSE_MIN_PEOPLE such edges or
# more they are the close ones; with fewer, they come first among the CLOSE_FALLBACK), and
# another is close only when the fallback applies and fewer than CLOSE_FALLBACK edges come
# before it in CLOSE_ORDER (the tuple compares as CLOSE_ORDER sorts: NULL years last, then the
# smaller ids first). Both reads stop after a few rows, however many co-authors r has:
# graph.similar asks it of many candidates of many researchers. tests/graph/test_edges.py
# checks it against close_pairs_sql. ``{pairs}`` is a subquery of (r, o) rows (a temporary
# table's), never request text.
_CLOSE_AMONG_SQL = f"""
    SELECT p.r, p.o FROM ({{pairs}}) p
    JOIN graph_coauthoredge mine ON mine.researcher_a_id = LEAST(p.r, p.o) AND mine.researcher_b_id = GREATEST(p.r, p.o)
    WHERE mine.shared_works >= {CLOSE_MIN_SHARED}
       OR ((SELECT count(*) FROM (
                SELECT 1 FROM graph_coauthoredge e
                WHERE e.researcher_a_id = p.r AND e.shared_works >= {CLOSE_MIN_SHARED}
                UNION ALL
                SELECT 1 FROM graph_coauthoredge e
                WHERE e.researcher_b_id = p.r AND e.shared_works >= {CLOSE_MIN_SHARED}
                LIMIT {CLOSE_MIN_PEOPLE}) strong) < {CLOSE_MIN_PEOPLE}
           AND (SELECT count(*) FROM (
                SELECT 1 FROM graph_coauthoredge e
                WHERE (e.researcher_a_id = p.r OR e.researcher_b_id = p.r)
                  AND (e.shared_works, coalesce(e.last_year, -1), -e.researcher_a_id, -e.researcher_b_id)
                      > (mine.shared_works, coalesce(mine.last_year, -1), -mine.researcher_a_id, -mine.researcher_b_id)
                LIMIT {CLOSE_FALLBACK}) ahead) < {CLOSE_FALLBACK})
"""


def close_pairs_among_sql(pairs: str) -> str:
    """The rows (r, o) of ``pairs`` where o is one of r's close collaborators (what
    close_pairs_sql lists, asked of given pairs)."""
    return _CLOSE_AMONG_SQL.format(pairs=pairs)
