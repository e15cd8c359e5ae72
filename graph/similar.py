"""Similar researchers (DESIGN §6): people like a researcher by shared top topics and by
co-authors in common (co-authors of their co-authors), each with its reason, never one of
their close collaborators (graph.edges has the rule). Computed set-based in SQL after imports
(graph.tasks) and by ``manage.py refresh_similar``, stored in graph.SimilarResearcher, read
with one query.

The score: one point per shared top topic, two per co-author in common. Only imported records
are suggested (a stub has no profile to compare), and only candidates with at least two
shared topics or two co-authors in common (one of either is chance). Topics that very many
researchers hold say little about likeness and would make every pair a candidate: they are
left out (SIMILAR_TOPIC_MAX_HOLDERS), as graph.edges leaves out consortium papers. For the
same reason co-authors in common are found through each person's SIMILAR_NEIGHBOURS strongest
co-authors (a count that is never more than the truth): the cost per researcher is bounded.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from graph.edges import close_pairs_sql
from graph.models import SimilarResearcher
from profiles.models import Researcher

SIMILAR_KEPT = 12  # stored per researcher
SIMILAR_TOPIC_RANK = 5  # a researcher's top topics: those ranked 1..5
SIMILAR_TOPIC_MAX_HOLDERS = 500  # a top topic of more researchers than this is not compared
SIMILAR_MIN_SHARED = 2  # shared topics, or co-authors in common
TOPIC_NAMES_KEPT = 3
COAUTHOR_POINTS = 2.0
SIMILAR_NEIGHBOURS = 20  # co-authors of co-authors: through each one's strongest co-authors
# A full refresh goes through the researchers in batches of this many (one transaction each).
FULL_REFRESH_BATCH = 5_000

_IMPORTED = Researcher.RecordStatus.IMPORTED.value

# The strongest co-authors of each researcher in ``{scope}``: (r, o) rows, in the order of
# graph.edges.CLOSE_ORDER (shared works, then the most recent).
_STRONGEST = """
    SELECT r, o FROM (
        SELECT sides.r, sides.o, row_number() OVER (
                   PARTITION BY sides.r ORDER BY sides.shared_works DESC, sides.last_year DESC NULLS LAST, sides.o) AS n
        FROM (SELECT e.researcher_a_id AS r, e.researcher_b_id AS o, e.shared_works, e.last_year
              FROM graph_coauthoredge e WHERE e.researcher_a_id IN ({scope})
              UNION ALL
              SELECT e.researcher_b_id, e.researcher_a_id, e.shared_works, e.last_year
              FROM graph_coauthoredge e WHERE e.researcher_b_id IN ({scope})) sides
    ) ranked WHERE n <= {limit}
"""


def _strongest(scope: str) -> str:
    return _STRONGEST.format(scope=scope, limit=SIMILAR_NEIGHBOURS)


_TEMPORARY = "sim_topics, sim_by_topic, sim_first, sim_second, sim_by_coauthor, sim_close, sim_rows"

_STAGE = [
    f"DROP TABLE IF EXISTS {_TEMPORARY}",
    # The top topics of the researchers in scope that are not held by too many.
    f"""CREATE TEMP TABLE sim_topics ON COMMIT DROP AS
        SELECT t.researcher_id AS r, t.topic_id, t.rank
        FROM profiles_researchertopic t JOIN sim_scope s ON s.id = t.researcher_id
        WHERE t.rank <= {SIMILAR_TOPIC_RANK}
          AND (SELECT count(*) FROM profiles_researchertopic h
               WHERE h.topic_id = t.topic_id AND h.rank <= {SIMILAR_TOPIC_RANK}) <= {SIMILAR_TOPIC_MAX_HOLDERS}""",
    "ANALYZE sim_topics",
    f"""CREATE TEMP TABLE sim_by_topic ON COMMIT DROP AS
        SELECT st.r, o.researcher_id AS c, count(*) AS shared,
               (array_agg(tp.display_name ORDER BY st.rank, tp.id))[1:{TOPIC_NAMES_KEPT}] AS names
        FROM sim_topics st
        JOIN profiles_researchertopic o ON o.topic_id = st.topic_id AND o.rank <= {SIMILAR_TOPIC_RANK}
                                         AND o.researcher_id <> st.r
        JOIN profiles_topic tp ON tp.id = st.topic_id
        GROUP BY st.r, o.researcher_id HAVING count(*) >= {SIMILAR_MIN_SHARED}""",
    # Co-authors of co-authors: r - m - c, counted by the middle people m, through each one's
    # SIMILAR_NEIGHBOURS strongest co-authors: bounded work per researcher however dense the
    # graph (a hub with thousands of co-authors would otherwise fan out to millions).
    f"""CREATE TEMP TABLE sim_first ON COMMIT DROP AS
        SELECT r, o AS m FROM ({_strongest("SELECT id FROM sim_scope")}) x""",
    "ANALYZE sim_first",
    f"""CREATE TEMP TABLE sim_second ON COMMIT DROP AS
        SELECT r AS m, o AS c FROM ({_strongest("SELECT DISTINCT m FROM sim_first")}) x""",
    "ANALYZE sim_second",
    f"""CREATE TEMP TABLE sim_by_coauthor ON COMMIT DROP AS
        SELECT f.r, s.c, count(*) AS common
        FROM sim_first f JOIN sim_second s ON s.m = f.m
        WHERE s.c <> f.r
        GROUP BY f.r, s.c HAVING count(*) >= {SIMILAR_MIN_SHARED}""",
    f"""CREATE TEMP TABLE sim_close ON COMMIT DROP AS {close_pairs_sql("SELECT id FROM sim_scope")}""",
    "CREATE INDEX ON sim_close (r, o)",
    "ANALYZE sim_close",
    f"""CREATE TEMP TABLE sim_rows ON COMMIT DROP AS
        SELECT r, c, score, shared, names, common FROM (
            SELECT x.r, x.c, x.score, x.shared, x.names, x.common,
                   row_number() OVER (PARTITION BY x.r ORDER BY x.score DESC, x.c) AS n
            FROM (
                SELECT coalesce(t.r, a.r) AS r, coalesce(t.c, a.c) AS c,
                       coalesce(t.shared, 0) + {COAUTHOR_POINTS} * coalesce(a.common, 0) AS score,
                       coalesce(t.shared, 0) AS shared, coalesce(t.names, '{{}}') AS names,
                       coalesce(a.common, 0) AS common
                FROM sim_by_topic t FULL JOIN sim_by_coauthor a ON a.r = t.r AND a.c = t.c
            ) x
            JOIN profiles_researcher cand ON cand.id = x.c AND cand.record_status = '{_IMPORTED}'
            JOIN profiles_researcher me ON me.id = x.r AND me.record_status = '{_IMPORTED}'
            WHERE NOT EXISTS (SELECT 1 FROM sim_close close WHERE close.r = x.r AND close.o = x.c)
        ) ranked WHERE n <= {SIMILAR_KEPT}""",
    # Replace the rows of the researchers in scope (only where they changed would save little:
    # a researcher's dozen rows are written together).
    "DELETE FROM graph_similarresearcher s USING sim_scope WHERE s.researcher_id = sim_scope.id",
    """INSERT INTO graph_similarresearcher
           (researcher_id, similar_id, score, shared_topics, topic_names, common_coauthors)
       SELECT r, c, score, shared, names, common FROM sim_rows ORDER BY r, c""",
]


def similar_researchers_refresh(
    *, researcher_ids: Iterable[int] | None = None, id_range: tuple[int | None, int | None] | None = None
) -> int:
    """Recompute the similar researchers of ``researcher_ids`` (every imported researcher when
    None, in batches). ``id_range`` ``(low, high)`` (an end None: open) instead refreshes the
    imported researchers with ``low <= id < high`` and drops the rows of the others in it:
    ranges that tile the ids (graph.derived_refresh) together do what None does. Idempotent.
    Returns the number of rows stored."""
    if researcher_ids is not None:
        if id_range is not None:
            raise ValueError("give researcher_ids or id_range, not both")
        return _refresh(sorted(set(researcher_ids)))
    low, high = id_range if id_range is not None else (None, None)
    in_range = Researcher.objects.all()
    if low is not None:
        in_range = in_range.filter(pk__gte=low)
    if high is not None:
        in_range = in_range.filter(pk__lt=high)
    stored = 0
    ids = list(
        in_range.filter(record_status=Researcher.RecordStatus.IMPORTED).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), FULL_REFRESH_BATCH):
        stored += _refresh(ids[start : start + FULL_REFRESH_BATCH])
    # Rows of researchers who are no longer imported records (deleted, merged away).
    with connection.cursor() as cursor:
        cursor.execute(
            """DELETE FROM graph_similarresearcher s
               WHERE (%s::bigint IS NULL OR s.researcher_id >= %s) AND (%s::bigint IS NULL OR s.researcher_id < %s)
                 AND NOT EXISTS (
                   SELECT 1 FROM profiles_researcher r WHERE r.id = s.researcher_id AND r.record_status = %s)""",
            [low, low, high, high, _IMPORTED],
        )
        if id_range is None:
            cursor.execute("ANALYZE graph_similarresearcher")
    return stored


def _refresh(ids: list[int]) -> int:
    if not ids:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sim_scope")
        cursor.execute("CREATE TEMP TABLE sim_scope (id bigint PRIMARY KEY) ON COMMIT DROP")
        cursor.execute("INSERT INTO sim_scope SELECT unnest(%s::bigint[])", [ids])
        cursor.execute("ANALYZE sim_scope")
        for statement in _STAGE:
            cursor.execute(statement)
        stored = cursor.rowcount
        cursor.execute(f"DROP TABLE IF EXISTS sim_scope, {_TEMPORARY}")
    return stored


def similar_researchers(researcher: Researcher, limit: int = 6) -> list[SimilarResearcher]:
    """The stored similar researchers of ``researcher``, most similar first, each with
    ``.similar`` (the researcher) and ``.reasons``. 1 query."""
    return list(
        SimilarResearcher.objects.filter(researcher=researcher)
        .exclude(similar__record_status=Researcher.RecordStatus.DELETED)
        .select_related("similar")
        .only(
            "score",
            "shared_topics",
            "topic_names",
            "common_coauthors",
            "similar__openalex_id",
            "similar__display_name",
            "similar__preferred_name",
            "similar__record_status",
        )
        .order_by("-score", "similar_id")[:limit]
    )
