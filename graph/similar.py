"""Similar researchers (DESIGN §6): people like a researcher by shared top topics and by
co-authors in common, each with its reason, never one of their close collaborators (graph.edges
has the rule). Computed set-based in SQL after imports (graph.tasks) and by ``manage.py
refresh_similar``, stored in graph.SimilarResearcher, read with one query.

The score: one point per shared top topic, two per co-author in common. Only imported records
are suggested (a stub has no profile to compare), and only candidates with at least two
shared topics or two co-authors in common (one of either is chance). Topics that very many
researchers hold say little about likeness and would make every pair a candidate: they are
left out (SIMILAR_TOPIC_MAX_HOLDERS), as graph.edges leaves out consortium papers. For the
same reason a co-author in common counts when both are among that person's
SIMILAR_NEIGHBOURS strongest co-authors (a count that is never more than the truth): a hub
with thousands of co-authors adds at most SIMILAR_NEIGHBOURS² pairs, not millions. Finding
the people who count a researcher among their strongest ranks the edges of every co-author of
the researchers refreshed, which costs more than the count through one's own strongest
co-authors that this replaced (a count that differed with the side it was taken from; figures
in docs/performance.md).

**Symmetric.** Everything in a pair's score and reasons is the same seen from either side
(shared topics, co-authors in common as just defined, both imported), and a pair is left out
when either one is a close collaborator of the other. So B is on A's list exactly when A
would be on B's, but for the length of the lists: each keeps its SIMILAR_KEPT best (score,
then the smaller id first), so a researcher with many similar people may keep B off their
list while B lists them. A full refresh (everyone, or ``id_range``) computes every list from
its own side.

**Both sides after an import.** A refresh of ``researcher_ids`` (the researchers an import
touched) replaces their lists and also writes each of their pairs into the other person's
list: a researcher imported before their neighbours gets them as the neighbours arrive, and a
pair that is gone leaves both lists. The other lists are not recomputed (that would be every
holder of the same topics: many times the work); a pair enters one where it ranks among its
SIMILAR_KEPT, pushing the last out. Only a list that was full and lost or lowered a pair is
recomputed from its own side (it may have a candidate beyond its SIMILAR_KEPT to take the
place). What no import of theirs changed stays as it was until the nightly full refresh:
topics that crossed SIMILAR_TOPIC_MAX_HOLDERS, and pairs of two others whose co-author in
common gained new strongest co-authors.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from graph.edges import close_pairs_among_sql, close_pairs_sql
from graph.models import SimilarResearcher
from profiles.models import Researcher

SIMILAR_KEPT = 12  # stored per researcher
SIMILAR_TOPIC_RANK = 5  # a researcher's top topics: those ranked 1..5
SIMILAR_TOPIC_MAX_HOLDERS = 500  # a top topic of more researchers than this is not compared
SIMILAR_MIN_SHARED = 2  # shared topics, or co-authors in common
TOPIC_NAMES_KEPT = 3
COAUTHOR_POINTS = 2.0
SIMILAR_NEIGHBOURS = 20  # a co-author in common: one who has both among this many strongest co-authors
WORK_MEM = "64MB"
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


_TEMPORARY = (
    "sim_active, sim_topics, sim_by_topic, sim_middle, sim_near, sim_by_coauthor, sim_candidates, sim_close, "
    "sim_pairs, sim_rows, sim_before, sim_back, sim_entering"
)
_ROW_COLUMNS = "(researcher_id, similar_id, score, shared_topics, topic_names, common_coauthors)"
_ROW_UPDATE = """ON CONFLICT (researcher_id, similar_id) DO UPDATE SET score = EXCLUDED.score,
    shared_topics = EXCLUDED.shared_topics, topic_names = EXCLUDED.topic_names,
    common_coauthors = EXCLUDED.common_coauthors"""

# The candidates (r, c) not yet excluded, the other way round: is r close to c?
_OTHER_WAY = """SELECT x.c AS r, x.r AS o FROM sim_candidates x
    WHERE NOT EXISTS (SELECT 1 FROM sim_close close WHERE close.r = x.r AND close.o = x.c)"""

# Every pair (r, c) of an imported researcher r in sim_scope: sim_pairs (all of them, each with
# its reasons seen from both sides: ``names`` in r's order of topics, ``names_back`` in c's)
# and sim_rows (r's SIMILAR_KEPT best). The stubs an import touches have no pairs to compute.
_PAIRS = [
    f"DROP TABLE IF EXISTS {_TEMPORARY}",
    "CREATE TEMP TABLE sim_active (id bigint PRIMARY KEY) ON COMMIT DROP",
    f"""INSERT INTO sim_active
        SELECT s.id FROM sim_scope s
        JOIN profiles_researcher me ON me.id = s.id AND me.record_status = '{_IMPORTED}'""",
    "ANALYZE sim_active",
    # The top topics of the researchers in scope that are not held by too many (counted no
    # further than that: a topic of the whole field has tens of thousands of holders).
    f"""CREATE TEMP TABLE sim_topics ON COMMIT DROP AS
        SELECT t.researcher_id AS r, t.topic_id, t.rank
        FROM profiles_researchertopic t JOIN sim_active s ON s.id = t.researcher_id
        WHERE t.rank <= {SIMILAR_TOPIC_RANK}
          AND (SELECT count(*) FROM (SELECT 1 FROM profiles_researchertopic h
                                     WHERE h.topic_id = t.topic_id AND h.rank <= {SIMILAR_TOPIC_RANK}
                                     LIMIT {SIMILAR_TOPIC_MAX_HOLDERS + 1}) h) <= {SIMILAR_TOPIC_MAX_HOLDERS}""",
    "ANALYZE sim_topics",
    f"""CREATE TEMP TABLE sim_by_topic ON COMMIT DROP AS
        SELECT st.r, o.researcher_id AS c, count(*) AS shared,
               (array_agg(tp.display_name ORDER BY st.rank, tp.id))[1:{TOPIC_NAMES_KEPT}] AS names,
               (array_agg(tp.display_name ORDER BY o.rank, tp.id))[1:{TOPIC_NAMES_KEPT}] AS names_back
        FROM sim_topics st
        JOIN profiles_researchertopic o ON o.topic_id = st.topic_id AND o.rank <= {SIMILAR_TOPIC_RANK}
                                         AND o.researcher_id <> st.r
        JOIN profiles_topic tp ON tp.id = st.topic_id
        GROUP BY st.r, o.researcher_id HAVING count(*) >= {SIMILAR_MIN_SHARED}""",
    # Co-authors in common: the people m who have both r and c among their SIMILAR_NEIGHBOURS
    # strongest co-authors. Such an m is a co-author of r: the strongest co-authors of every
    # co-author of the scope (sim_near, (m, x) rows) hold all of its pairs.
    "CREATE TEMP TABLE sim_middle (m bigint PRIMARY KEY) ON COMMIT DROP",
    """INSERT INTO sim_middle
        SELECT e.researcher_b_id FROM graph_coauthoredge e JOIN sim_active s ON s.id = e.researcher_a_id
        UNION
        SELECT e.researcher_a_id FROM graph_coauthoredge e JOIN sim_active s ON s.id = e.researcher_b_id""",
    "ANALYZE sim_middle",
    f"""CREATE TEMP TABLE sim_near ON COMMIT DROP AS
        SELECT r AS m, o AS x FROM ({_strongest("SELECT m FROM sim_middle")}) x""",
    "ANALYZE sim_near",
    f"""CREATE TEMP TABLE sim_by_coauthor ON COMMIT DROP AS
        SELECT mine.x AS r, other.x AS c, count(*) AS common
        FROM sim_near mine JOIN sim_active s ON s.id = mine.x
        JOIN sim_near other ON other.m = mine.m AND other.x <> mine.x
        GROUP BY mine.x, other.x HAVING count(*) >= {SIMILAR_MIN_SHARED}""",
    f"""CREATE TEMP TABLE sim_candidates ON COMMIT DROP AS
        SELECT x.* FROM (
            SELECT coalesce(t.r, a.r) AS r, coalesce(t.c, a.c) AS c,
                   coalesce(t.shared, 0) + {COAUTHOR_POINTS} * coalesce(a.common, 0) AS score,
                   coalesce(t.shared, 0) AS shared, coalesce(t.names, '{{}}') AS names,
                   coalesce(t.names_back, '{{}}') AS names_back, coalesce(a.common, 0) AS common
            FROM sim_by_topic t FULL JOIN sim_by_coauthor a ON a.r = t.r AND a.c = t.c
        ) x
        JOIN profiles_researcher cand ON cand.id = x.c AND cand.record_status = '{_IMPORTED}'""",
    "ANALYZE sim_candidates",
    # Close collaborators, both ways: those of the researchers in scope, then whether they are
    # close collaborators of their other candidates (only a co-author can be).
    f"""CREATE TEMP TABLE sim_close ON COMMIT DROP AS {close_pairs_sql("SELECT id FROM sim_active")}""",
    "CREATE INDEX ON sim_close (r, o)",
    "ANALYZE sim_close",
    f"INSERT INTO sim_close {close_pairs_among_sql(_OTHER_WAY)}",
    "ANALYZE sim_close",
    """CREATE TEMP TABLE sim_pairs ON COMMIT DROP AS
        SELECT x.* FROM sim_candidates x
        WHERE NOT EXISTS (SELECT 1 FROM sim_close close WHERE close.r = x.r AND close.o = x.c)
          AND NOT EXISTS (SELECT 1 FROM sim_close close WHERE close.r = x.c AND close.o = x.r)""",
    f"""CREATE TEMP TABLE sim_rows ON COMMIT DROP AS
        SELECT r, c, score, shared, names, common FROM (
            SELECT p.*, row_number() OVER (PARTITION BY p.r ORDER BY p.score DESC, p.c) AS n FROM sim_pairs p
        ) ranked WHERE n <= {SIMILAR_KEPT}""",
]

# Replace the rows of the researchers in scope (only where they changed would save little: a
# researcher's dozen rows are written together). The upsert only matters when another refresh
# wrote one of them meanwhile.
_STORE = [
    "DELETE FROM graph_similarresearcher s USING sim_scope WHERE s.researcher_id = sim_scope.id",
    f"""INSERT INTO graph_similarresearcher {_ROW_COLUMNS}
        SELECT r, c, score, shared, names, common FROM sim_rows ORDER BY r, c {_ROW_UPDATE}""",
]

# The other side of each pair (similar_researchers_refresh with researcher_ids): the rows that
# people outside the scope hold of the scope are replaced by its pairs, where they rank. Reads
# of their lists go through the index (researcher, -score, similar), a dozen rows each. Two
# imports' refreshes may write one list at once: the upserts keep that from failing on the
# unique pair, and a deadlock fails one task, which the outbox runs again.
_MIRROR = [
    # What they held before (index similar_researcher_similar), and whether the list was full.
    f"""CREATE TEMP TABLE sim_before ON COMMIT DROP AS
        SELECT s.researcher_id AS r, s.similar_id AS c, s.score,
               (SELECT count(*) FROM (SELECT 1 FROM graph_similarresearcher k
                                      WHERE k.researcher_id = s.researcher_id LIMIT {SIMILAR_KEPT}) k)
                   >= {SIMILAR_KEPT} AS was_full
        FROM graph_similarresearcher s JOIN sim_scope ON sim_scope.id = s.similar_id
        WHERE NOT EXISTS (SELECT 1 FROM sim_scope me WHERE me.id = s.researcher_id)""",
    """DELETE FROM graph_similarresearcher s USING sim_before b
       WHERE s.researcher_id = b.r AND s.similar_id = b.c""",
    # Their pairs with the scope, each the SIMILAR_KEPT best of its list among them ...
    f"""CREATE TEMP TABLE sim_back ON COMMIT DROP AS
        SELECT r, c, score, shared, names, common, n FROM (
            SELECT p.c AS r, p.r AS c, p.score, p.shared, p.names_back AS names, p.common,
                   row_number() OVER (PARTITION BY p.c ORDER BY p.score DESC, p.r) AS n
            FROM sim_pairs p WHERE NOT EXISTS (SELECT 1 FROM sim_scope me WHERE me.id = p.c)
        ) ranked WHERE n <= {SIMILAR_KEPT}""",
    "CREATE INDEX ON sim_back (r, c)",
    "ANALYZE sim_back",
    # ... enter the list where they rank among its SIMILAR_KEPT (counting the rows it keeps
    # ahead of them) ...
    f"""CREATE TEMP TABLE sim_entering ON COMMIT DROP AS
        SELECT b.* FROM sim_back b
        WHERE b.n + (SELECT count(*) FROM (
                SELECT 1 FROM graph_similarresearcher s
                WHERE s.researcher_id = b.r AND (s.score > b.score OR (s.score = b.score AND s.similar_id < b.c))
                ORDER BY s.score DESC, s.similar_id LIMIT {SIMILAR_KEPT}) ahead) <= {SIMILAR_KEPT}""",
    f"""INSERT INTO graph_similarresearcher {_ROW_COLUMNS}
        SELECT r, c, score, shared, names, common FROM sim_entering ORDER BY r, c {_ROW_UPDATE}""",
    # ... and push the last of a full list out.
    f"""DELETE FROM graph_similarresearcher s USING (SELECT DISTINCT r FROM sim_entering) entered,
        LATERAL (SELECT k.similar_id FROM graph_similarresearcher k WHERE k.researcher_id = entered.r
                 ORDER BY k.score DESC, k.similar_id OFFSET {SIMILAR_KEPT}) beyond
        WHERE s.researcher_id = entered.r AND s.similar_id = beyond.similar_id""",
]

# The lists that were full and lost a pair of the scope or saw it drop: a candidate beyond
# their SIMILAR_KEPT may now belong in them, which only their own refresh can tell.
_SHORTENED = """
    SELECT DISTINCT b.r FROM sim_before b LEFT JOIN sim_back n ON n.r = b.r AND n.c = b.c
    WHERE b.was_full AND (n.score IS NULL OR n.score < b.score) ORDER BY b.r
"""


def similar_researchers_refresh(
    *, researcher_ids: Iterable[int] | None = None, id_range: tuple[int | None, int | None] | None = None
) -> int:
    """Recompute the similar researchers of ``researcher_ids`` and write their pairs into the
    lists of the people on the other side (see the module's docstring: an import's refresh).
    None refreshes every imported researcher, in batches; ``id_range`` ``(low, high)`` (an end
    None: open) instead refreshes the imported researchers with ``low <= id < high`` and drops
    the rows of the others in it: ranges that tile the ids (graph.derived_refresh) together do
    what None does. Those two compute each list from its own side only and write no one
    else's, so partitions that run at the same time never write the same rows. Idempotent.
    Returns the number of rows stored (in the other lists too)."""
    if researcher_ids is not None:
        if id_range is not None:
            raise ValueError("give researcher_ids or id_range, not both")
        return _refresh(sorted(set(researcher_ids)), both_sides=True)
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
        stored += _refresh(ids[start : start + FULL_REFRESH_BATCH], both_sides=False)
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


def _refresh(ids: list[int], *, both_sides: bool) -> int:
    if not ids:
        return 0
    shortened: list[int] = []
    with transaction.atomic(), connection.cursor() as cursor:
        # Memory for the sorts that rank co-authors' edges (4 MB spills them to disk), for this
        # transaction only, as graph.trust_services does.
        cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
        cursor.execute("DROP TABLE IF EXISTS sim_scope")
        cursor.execute("CREATE TEMP TABLE sim_scope (id bigint PRIMARY KEY) ON COMMIT DROP")
        cursor.execute("INSERT INTO sim_scope SELECT unnest(%s::bigint[])", [ids])
        cursor.execute("ANALYZE sim_scope")
        for statement in _PAIRS:
            cursor.execute(statement)
        stored = 0
        for statement in _STORE + (_MIRROR if both_sides else []):
            cursor.execute(statement)
            if statement.lstrip().startswith("INSERT INTO graph_similarresearcher"):
                stored += cursor.rowcount
        if both_sides:
            cursor.execute(_SHORTENED)
            shortened = [r for (r,) in cursor.fetchall()]
        cursor.execute(f"DROP TABLE IF EXISTS sim_scope, {_TEMPORARY}")
        # Their pairs with the scope are now right both ways: their own side is all that is left.
        stored += _refresh(shortened, both_sides=False)
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
