"""Trust score, formula v1 (DESIGN §3): plain inputs in, a score that shows its working out.

Pure: no ORM, no network, no clock. The caller gathers :class:`TrustInputs` (the selectors do
that, set-based), :func:`compute_trust` turns them into a :class:`TrustScore`, and the
snapshot stores both, so every number on the page can be explained and reproduced later.

Where each input comes from
===========================

These definitions are the contract the rest of the trust engine implements (in SQL, set-based:
graph.trust_inputs; README "Trust score inputs" links here). "The researcher" is one
``profiles.Researcher`` row; "their works" are the distinct Work rows linked to it through
``works.Authorship`` (``Authorship.researcher``), minus the works the record's owner has hidden
from the profile (``works.HiddenWork``, "not mine"; DESIGN §4).

``reference_year``
    The calendar year of the computation (in ``settings.TIME_ZONE``). Passed in, never read
    from a clock here, so a stored snapshot reproduces exactly.
``level``, ``level_evidence``, ``level_established_on``
    From :func:`profiles.verification.derive_level` over the Researcher row and its claim
    (``claims.facts.claim_facts_for``): the level 0–4, its evidence clause, and the
    ISO date (``"2025-10-11"``) it was established, or None. For L1/L2 that date is when we
    last read the record: ``Researcher.imported_at`` (the last import that changed the row)
    for imported and deleted records, ``Researcher.created_at`` (first seen in an imported
    work) for co-author stubs; for L3/L4 the claim's decision date.
``works``
    The number of their works, as defined above: exactly the count the profile's "Published
    work" section shows. Not the OpenAlex record's ``works_count``, because (1) BZPEER
    explains every number, and a visitor can check this one against the list below it;
    (2) an owner's corrections (hidden works) must move the score, and ``works_count``
    cannot be corrected; (3) the evidence "12 works since 2019" needs the first year,
    which only the works themselves give (``counts_by_year`` stops at 2012); (4) a co-author
    stub has no record, only the works we hold. The importer walks an author's full works
    list (DESIGN §7), so for an imported, uncorrected record the two counts agree up to
    OpenAlex's own lag.
``first_work_year``
    The smallest ``Work.publication_year`` among their works (works without a year are
    ignored); None when none has a year.
``works_last_3_years``
    Their works whose ``publication_year`` is ``reference_year``, or one or two years before
    ("3 works in 2024–2026"). Counted from the same works as ``works``, not from the
    record's ``counts_by_year``, for the same reasons and so that the two work numbers on
    one explanation can never contradict each other (``counts_by_year`` also counts works
    by publication year, so for an uncorrected, fully imported record they agree).
``citations``
    ``Researcher.cited_by_count``: the OpenAlex author record's ``cited_by_count``. None when
    no author record was read (a co-author stub): unknown, scored 0, and said so.
``h_index``
    ``Researcher.h_index``: the record's ``summary_stats.h_index``. None when absent (2022-era
    records have no ``summary_stats``; stubs have no record): unknown, scored 0, said so.
``distinct_coauthors``
    The number of ``graph.CoauthorEdge`` rows touching the researcher: the distinct other
    Researcher rows that share at least one work with them, as the materialised edges hold
    them (graph.edges, refreshed after every import before trust is recomputed).
    Authorships without a researcher (names only) do not count, and neither do works with
    more than ``graph.edges.MAX_AUTHORS_FOR_EDGES`` (100) linked authors: a consortium
    paper with 3,000 names says nothing about whom someone works with. Works hidden by the
    owner still count here (the edges are shared with the co-author, whose works they remain).
``claimed_coauthors``
    Those of the distinct co-authors whose record has an approved claim at computation
    time (``claims.facts.claimed_researcher_ids``).
``followers``
    The accounts following the researcher (``profiles.Follow`` rows) other than the record's
    owner, the account with the approved claim on it (``claims.facts.follower_counts``,
    ``counted_follows``): a researcher following their own record is not a follower, whether
    that follow was made before the claim was approved or after (following.services refuses
    it since). The profile's follower count is the same number. Recorded as a correction,
    not a new version (2026-12-06): DESIGN §3 counts followers, and an owner never was one;
    until then the gathering counted an owner's own follow. v1's arithmetic is unchanged and
    every stored snapshot still reproduces from its stored inputs; the few records it moves
    show "1 follower fewer" in their history at their next recompute (a follow change, a
    claim decision, or the nightly full refresh).
``upheld_findings``
    Moderation findings upheld against the record (impersonation, spam), as
    ``claims.facts.upheld_findings_count`` defines them. A finding reversed later
    stops counting.

Score, rounding and tiers
=========================

Each component's points are rounded to 2 decimal places, halves up. The score is the
sum of the component points, rounded to 2 places, so the components on the page always add up
to the stored score (to within float noise; compare ``round(sum(points), 2)``). The penalty
can take away at most what the other components earned, so the score is floored at 0 *and*
still equals the sum of its components; the cap of 100 cannot bind in v1 (the caps add up to
90) but is applied anyway.

Pages show the score as a whole number, rounded half up (:func:`displayed_score`: 29.49 shows
29, 29.5 shows 30), and the tier is taken from that displayed number (:func:`tier_for`), so
"Trust 30 · Established" never appears beside a stored 29.5 called Emerging:
0–29 Emerging · 30–59 Established · 60–84 Trusted · 85–100 Exemplary.

Versions
========

Any change to the arithmetic, caps or input definitions is a new version: write
``compute_trust_v2`` beside ``compute_trust_v1``, register it in :data:`FORMULAS`, point
:data:`VERSION` at it and recompute everyone. Stored snapshots keep their version, inputs and
components, so old scores stay explainable. A correction that makes the gathering of an input
match what DESIGN §3 already means by it (an input counted something it never should have) is
not a new version: it is written at the input above, with its date, and reaches the records
it moves at their next recompute (``followers``, 2026-12-06).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from profiles.verification import LEVEL_NAMES

VERSION = "v1"

# What the inputs and the formula raise for values they cannot score (a negative count, an
# unknown level or record status, a value of the wrong type): the researcher at fault is left
# unscored and named, everyone else is scored (graph.trust_services).
INPUT_ERRORS: tuple[type[Exception], ...] = (ValueError, TypeError, ArithmeticError, LookupError)


class Tier(StrEnum):
    EMERGING = "emerging"
    ESTABLISHED = "established"
    TRUSTED = "trusted"
    EXEMPLARY = "exemplary"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# Lowest displayed score of each tier, highest first.
_TIER_FLOORS: tuple[tuple[int, Tier], ...] = (
    (85, Tier.EXEMPLARY),
    (60, Tier.TRUSTED),
    (30, Tier.ESTABLISHED),
    (0, Tier.EMERGING),
)


def displayed_score(score: float) -> int:
    """The whole number a page shows for ``score``: rounded half up (29.5 → 30, 30.5 → 31).

    Python's round() would round halves to even (30.5 → 30). Scores are non-negative and
    carry 2 decimals, and x.5 is exact in binary, so floor(score + 0.5) is exact here.
    """
    return math.floor(score + 0.5)


def tier_for(score: float) -> Tier:
    """The tier of ``score``, judged on the displayed whole number (:func:`displayed_score`).

    Raises ValueError for a score outside 0–100.
    """
    shown = displayed_score(score)
    if not 0 <= shown <= 100:
        raise ValueError(f"a trust score is 0-100, not {score!r}")
    for floor, tier in _TIER_FLOORS:
        if shown >= floor:
            return tier
    raise AssertionError("unreachable: the lowest floor is 0")


@dataclass(frozen=True, kw_only=True)
class TrustInputs:
    """Everything formula v1 reads, as defined in the module docstring.

    JSON-serialisable as is (:meth:`to_json`), since snapshots store it. Raises ValueError on
    impossible values (negative counts, a level outside 0–4, more claimed co-authors than
    co-authors, more recent works than works).
    """

    reference_year: int
    level: int
    level_evidence: str
    level_established_on: str | None
    works: int
    first_work_year: int | None
    works_last_3_years: int
    citations: int | None
    h_index: int | None
    distinct_coauthors: int
    claimed_coauthors: int
    followers: int
    upheld_findings: int

    def __post_init__(self) -> None:
        if self.level not in LEVEL_NAMES:
            raise ValueError(f"level must be 0-4, not {self.level!r}")
        for name in (
            "works",
            "works_last_3_years",
            "citations",
            "h_index",
            "distinct_coauthors",
            "claimed_coauthors",
            "followers",
            "upheld_findings",
        ):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} cannot be negative ({value})")
        if self.claimed_coauthors > self.distinct_coauthors:
            raise ValueError("claimed_coauthors cannot exceed distinct_coauthors")
        if self.works_last_3_years > self.works:
            raise ValueError("works_last_3_years cannot exceed works")

    def to_json(self) -> dict[str, Any]:
        # Every field is a scalar, so a shallow copy is the whole story (asdict() deep-copies
        # and costs more than the formula itself on a full recompute).
        return dict(vars(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrustInputs:
        """Rebuild stored inputs; raises TypeError on missing or unknown keys."""
        return cls(**data)


@dataclass(frozen=True)
class Component:
    """One line of the explanation: ``points`` out of ``cap``, because ``evidence``.

    ``name`` is a stable key (kept across versions where the meaning is kept); ``label`` is
    for people; ``evidence`` is one clause about this researcher ("12 works since 2019");
    ``rule`` says in words how points follow from it. The penalty component has cap 0 and
    non-positive points.
    """

    name: str
    label: str
    points: float
    cap: float
    evidence: str
    rule: str

    def to_json(self) -> dict[str, Any]:
        return dict(vars(self))  # scalars only, see TrustInputs.to_json


@dataclass(frozen=True)
class TrustScore:
    """A computed score with its working. ``score`` has 2 decimals and equals the sum of the
    components' points; pages show :attr:`display` and :attr:`tier`, which agree."""

    score: float
    tier: Tier
    level: int
    level_name: str
    components: tuple[Component, ...]
    formula_version: str
    inputs: TrustInputs

    @property
    def display(self) -> int:
        return displayed_score(self.score)

    def components_json(self) -> list[dict[str, Any]]:
        return [component.to_json() for component in self.components]


# --- formula v1 -----------------------------------------------------------------------------

IDENTITY_POINTS_V1: dict[int, float] = {0: 0.0, 1: 10.0, 2: 20.0, 3: 30.0, 4: 40.0}
PENALTY_PER_FINDING_V1 = 10.0


def compute_trust_v1(inputs: TrustInputs) -> TrustScore:
    """Formula v1 exactly as DESIGN §3. Pure and deterministic."""
    earned = [
        _identity(inputs),
        _works(inputs),
        _citations(inputs),
        _h_index(inputs),
        _recent_activity(inputs),
        _collaboration(inputs),
        _community(inputs),
    ]
    penalty = _penalties(inputs, earned=round(sum(c.points for c in earned), 2))
    components = (*earned, penalty)
    score = min(100.0, max(0.0, round(sum(c.points for c in components), 2)))
    return TrustScore(
        score=score,
        tier=tier_for(score),
        level=inputs.level,
        level_name=LEVEL_NAMES[inputs.level],
        components=components,
        formula_version="v1",
        inputs=inputs,
    )


def _identity(i: TrustInputs) -> Component:
    return Component(
        name="identity",
        label="Identity",
        points=IDENTITY_POINTS_V1[i.level],
        cap=40.0,
        evidence=f"Verification L{i.level}: {i.level_evidence}",
        rule="10 points for each verification level above L0 (Unverified), 40 at L4 (Proven)",
    )


def _works(i: TrustInputs) -> Component:
    if i.works == 0:
        evidence = "no works yet"
    elif i.first_work_year is None:
        evidence = _count(i.works, "work")
    elif i.works == 1:
        evidence = f"1 work, from {i.first_work_year}"
    else:
        evidence = f"{_count(i.works, 'work')} since {i.first_work_year}"
    return Component(
        name="works",
        label="Works",
        points=_points(10 * min(1.0, math.log10(1 + i.works) / 2)),
        cap=10.0,
        evidence=evidence,
        rule="5 points at 9 works, the full 10 at 99 or more (logarithmic)",
    )


def _citations(i: TrustInputs) -> Component:
    if i.citations is None:
        evidence = "citation count not known yet: the OpenAlex author record is not imported"
    elif i.citations == 0:
        evidence = "no citations yet (OpenAlex)"
    else:
        evidence = f"{_count(i.citations, 'citation')} (OpenAlex)"
    return Component(
        name="citations",
        label="Citations",
        points=_points(10 * min(1.0, math.log10(1 + (i.citations or 0)) / 4)),
        cap=10.0,
        evidence=evidence,
        rule="2.5 points at 9 citations, 5 at 99, 7.5 at 999, the full 10 at 9,999 or more",
    )


def _h_index(i: TrustInputs) -> Component:
    if i.h_index is None:
        evidence = "h-index not known: OpenAlex gives none for this record"
    else:
        evidence = f"h-index {i.h_index} (OpenAlex)"
    return Component(
        name="h_index",
        label="h-index",
        points=_points(5 * min(1.0, (i.h_index or 0) / 40)),
        cap=5.0,
        evidence=evidence,
        rule="in proportion to the h-index, the full 5 points at 40 or more",
    )


def _recent_activity(i: TrustInputs) -> Component:
    years = f"{i.reference_year - 2}–{i.reference_year}"
    count = "no works" if i.works_last_3_years == 0 else _count(i.works_last_3_years, "work")
    return Component(
        name="recent_activity",
        label="Recent activity",
        points=_points(5 * min(1.0, i.works_last_3_years / 5)),
        cap=5.0,
        evidence=f"{count} in {years}",
        rule="1 point per work in the last three calendar years, the full 5 at 5 or more",
    )


def _collaboration(i: TrustInputs) -> Component:
    breadth = 5 * min(1.0, math.log10(1 + i.distinct_coauthors) / 2)
    claimed = 5 * min(1.0, i.claimed_coauthors / 3)
    return Component(
        name="collaboration",
        label="Collaboration",
        points=_points(breadth + claimed),
        cap=10.0,
        evidence=_coauthor_evidence(i.distinct_coauthors, i.claimed_coauthors),
        rule=(
            "up to 5 points for distinct co-authors (2.5 at 9, the full 5 at 99 or more) "
            "plus up to 5 for co-authors who claimed their profile (the full 5 at 3)"
        ),
    )


def _coauthor_evidence(distinct: int, claimed: int) -> str:
    if distinct == 0:
        return "no co-authors yet"
    if distinct == 1:
        return "1 co-author, who " + ("claimed their profile" if claimed else "has not claimed their profile yet")
    people = f"{distinct:,} distinct co-authors"
    if claimed == 0:
        return f"{people}, none of whom has claimed a profile yet"
    if claimed == 1:
        return f"{people}, 1 of them claimed their profile"
    return f"{people}, {claimed:,} of them claimed their profiles"


def _community(i: TrustInputs) -> Component:
    evidence = "no followers yet" if i.followers == 0 else _count(i.followers, "follower")
    return Component(
        name="community",
        label="Community",
        points=_points(10 * min(1.0, math.log10(1 + i.followers) / 2)),
        cap=10.0,
        evidence=evidence,
        rule="5 points at 9 followers, the full 10 at 99 or more (logarithmic)",
    )


def _penalties(i: TrustInputs, *, earned: float) -> Component:
    """The penalty takes at most what the other components ``earned``: that is the floor at 0,
    applied where it can be shown, so the components still add up to the score."""
    full = PENALTY_PER_FINDING_V1 * i.upheld_findings
    taken = min(full, earned)
    if i.upheld_findings == 0:
        evidence = "no upheld moderation findings"
    else:
        evidence = _count(i.upheld_findings, "upheld moderation finding")
        if taken < full:
            evidence += f" (−{_number(full)}, limited to the {_number(earned)} points earned)"
    return Component(
        name="penalties",
        label="Moderation",
        points=0.0 - taken,  # 0.0 - 0.0 is 0.0, where -0.0 would print as "-0"
        cap=0.0,
        evidence=evidence,
        rule=("−10 points for each upheld finding of impersonation or spam; the score never goes below 0"),
    )


def _points(raw: float) -> float:
    """Round to 2 decimals, halves up like the displayed score (h-index 1 is 0.125 → 0.13;
    round() would give 0.12). Decimal(raw) is the float's exact value, so only true ties move."""
    return float(Decimal(raw).quantize(_CENT, rounding=ROUND_HALF_UP))


_CENT = Decimal("0.01")


def _count(n: int, noun: str) -> str:
    """'1 work', '12 works', '1,234 citations'."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _number(points: float) -> str:
    """Points for a sentence: '20', '13.57'."""
    return f"{points:g}"


# --- versions -------------------------------------------------------------------------------

FORMULAS: dict[str, Callable[[TrustInputs], TrustScore]] = {"v1": compute_trust_v1}


def compute_trust(inputs: TrustInputs, version: str = VERSION) -> TrustScore:
    """Score ``inputs`` with formula ``version`` (the current one by default).

    Raises KeyError for an unknown version.
    """
    return FORMULAS[version](inputs)
