"""Gather the trust formula's inputs for many researchers at once (a read; no writes).

:func:`trust_inputs_gather` implements, in SQL, the input definitions of
graph.trust_formula's module docstring, for a set of researchers or for everyone, in a fixed
number of queries whatever the number of researchers (3 here, plus whatever the four
claims.facts functions issue):

1. the Researcher rows: identity (OpenAlex id, record status, ORCID, dates), the record's
   ``cited_by_count`` and ``h_index``;
2. one aggregate over ``works_authorship`` ⋈ ``works_work``, minus ``works_hiddenwork``:
   works, first work year, works in the last three calendar years;
3. one aggregate over ``graph_coauthoredge`` (both directions): distinct co-authors, and
   those of them whose record is claimed (``claims.facts.claimed_researcher_ids``);
4. followers: ``claims.facts.follower_counts``, one aggregate over ``profiles_follow`` that
   leaves out the record owner's own follow (the one definition of a follower, shared with
   the profile's follower count).

Co-authors are read from the materialised co-author edges, so the edges must be fresh
before trust is recomputed (graph.tasks.refresh_after_import refreshes edges first, then trust).
Consequently "distinct co-authors" follows the edges' rules (graph.edges): co-authors on
works with more than ``MAX_AUTHORS_FOR_EDGES`` linked authors (consortium papers) do not
count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from claims import facts as claim_facts
from graph.trust_formula import INPUT_ERRORS, TrustInputs
from profiles.verification import Verification, derive_level

# Recent activity covers the reference year and the two before it (DESIGN §3: "works in the
# last 3 calendar years").
RECENT_YEARS = 3


@dataclass(frozen=True, slots=True)
class GatheredInputs:
    """One researcher's inputs, with the verification they were derived from."""

    researcher_id: int
    openalex_id: str
    verification: Verification
    inputs: TrustInputs


@dataclass(frozen=True, slots=True)
class Unscorable:
    """A researcher who could not be scored, and why ("citations cannot be negative (-5)"):
    the database holds values the formula cannot take (data written before the import
    bounded them), or refused their snapshot."""

    researcher_id: int
    openalex_id: str
    reason: str


@dataclass
class GatherResult:
    """The inputs of every researcher whose data the formula can take, by id, and the
    researchers whose data it cannot."""

    inputs: list[GatheredInputs]
    unscorable: list[Unscorable]


def trust_inputs_gather(researcher_ids: Sequence[int] | None, *, reference_year: int) -> GatherResult:
    """The formula inputs of ``researcher_ids`` (every researcher when None), ordered by id.

    Ids that match no researcher are left out. Read-only; a constant number of queries. A
    researcher whose stored data is impossible (a negative count, an unknown record status:
    TrustInputs and derive_level refuse it) is listed in ``unscorable`` with the reason,
    never raised: one bad row must not stop the others.
    """
    ids = None if researcher_ids is None else sorted(set(researcher_ids))
    if ids is not None and not ids:
        return GatherResult([], [])
    claimed = sorted(claim_facts.claimed_researcher_ids(None))
    with connection.cursor() as cursor:
        records = _researchers(cursor, ids)
        works = _works(cursor, ids, reference_year)
        coauthors = _coauthors(cursor, ids, claimed)
    followers = claim_facts.follower_counts(ids)
    claims = claim_facts.claim_facts_for(ids)
    findings = claim_facts.upheld_findings_count(ids)

    gathered = []
    unscorable = []
    no_works = (0, None, 0)
    no_coauthors = (0, 0)
    for pk, openalex_id, status, orcid, cited_by, h_index, seen_on in records:
        n_works, first_year, recent = works.get(pk, no_works)
        n_coauthors, n_claimed = coauthors.get(pk, no_coauthors)
        try:
            verification = derive_level(
                openalex_id=openalex_id, record_status=status, orcid=orcid, claim=claims.get(pk), record_seen_on=seen_on
            )
            inputs = TrustInputs(
                reference_year=reference_year,
                level=verification.level,
                level_evidence=verification.evidence,
                level_established_on=(
                    verification.established_at.isoformat() if verification.established_at else None
                ),
                works=n_works,
                first_work_year=first_year,
                works_last_3_years=recent,
                # A stub has no author record: its citation count is unknown, not zero.
                citations=None if status == "stub" else cited_by,
                h_index=h_index,
                distinct_coauthors=n_coauthors,
                claimed_coauthors=n_claimed,
                followers=followers.get(pk, 0),
                upheld_findings=findings.get(pk, 0),
            )
        except INPUT_ERRORS as exc:
            unscorable.append(Unscorable(pk, openalex_id, str(exc) or type(exc).__name__))
            continue
        gathered.append(GatheredInputs(pk, openalex_id, verification, inputs))
    return GatherResult(gathered, unscorable)


def _scope(column: str, ids: list[int] | None, *, first: bool = True) -> str:
    if ids is None:
        return ""
    return f"{'WHERE' if first else 'AND'} {column} = ANY(%(ids)s)"


def _researchers(cursor, ids: list[int] | None) -> list[tuple]:
    """(id, openalex id, record status, ORCID, cited_by_count, h_index, date the record was
    last read) per researcher, by id. The date is the import time for records we read (the
    last import that changed the row), and for stubs the day they were first seen in an
    imported work; converted to a date in SQL, which costs far less than per-row Python."""
    cursor.execute(
        f"""SELECT id, openalex_id, record_status, orcid, cited_by_count, h_index,
                   (CASE WHEN record_status = 'stub' THEN created_at ELSE imported_at END
                    AT TIME ZONE %(tz)s)::date
            FROM profiles_researcher {_scope("id", ids)} ORDER BY id""",
        {"ids": ids, "tz": settings.TIME_ZONE},
    )
    return cursor.fetchall()


def _works(cursor, ids: list[int] | None, reference_year: int) -> dict[int, tuple[int, int | None, int]]:
    """researcher id -> (works, first work year, works in the last three calendar years).

    Distinct (researcher, work) pairs first: a byline can list one author twice, and that is
    still one work of theirs. Works the owner hid from the profile do not count.
    """
    cursor.execute(
        f"""SELECT p.researcher_id, count(*), min(w.publication_year),
                   count(*) FILTER (WHERE w.publication_year BETWEEN %(first_recent)s AND %(year)s)
            FROM (SELECT DISTINCT a.researcher_id, a.work_id FROM works_authorship a
                  WHERE a.researcher_id IS NOT NULL {_scope("a.researcher_id", ids, first=False)}
                    AND NOT EXISTS (SELECT 1 FROM works_hiddenwork h
                                    WHERE h.researcher_id = a.researcher_id AND h.work_id = a.work_id)
                 ) p
            JOIN works_work w ON w.id = p.work_id
            GROUP BY p.researcher_id""",
        {"ids": ids, "year": reference_year, "first_recent": reference_year - RECENT_YEARS + 1},
    )
    return {row[0]: row[1:] for row in cursor.fetchall()}


def _coauthors(cursor, ids: list[int] | None, claimed: list[int]) -> dict[int, tuple[int, int]]:
    """researcher id -> (distinct co-authors, co-authors whose record is claimed)."""
    cursor.execute(
        f"""SELECT e.me, count(*), count(*) FILTER (WHERE e.other = ANY(%(claimed)s))
            FROM (SELECT researcher_a_id AS me, researcher_b_id AS other FROM graph_coauthoredge
                  UNION ALL
                  SELECT researcher_b_id, researcher_a_id FROM graph_coauthoredge) e
            {_scope("e.me", ids)}
            GROUP BY e.me""",
        {"ids": ids, "claimed": claimed},
    )
    return {row[0]: row[1:] for row in cursor.fetchall()}
