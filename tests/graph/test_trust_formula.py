"""graph.trust_formula: formula v1 component by component, tiers, rounding and the penalty floor."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from typing import Any

import pytest

from graph.trust_formula import (
    FORMULAS,
    VERSION,
    Component,
    Tier,
    TrustInputs,
    TrustScore,
    compute_trust,
    displayed_score,
    tier_for,
)

YEAR = 2026


def inputs(**overrides: Any) -> TrustInputs:
    """A researcher with nothing yet (L1, no works, no people); override any input."""
    base: dict[str, Any] = {
        "reference_year": YEAR,
        "level": 1,
        "level_evidence": "imported from OpenAlex under the stable author id A5023888391",
        "level_established_on": "2025-10-11",
        "works": 0,
        "first_work_year": None,
        "works_last_3_years": 0,
        "citations": 0,
        "h_index": None,
        "distinct_coauthors": 0,
        "claimed_coauthors": 0,
        "followers": 0,
        "upheld_findings": 0,
    }
    return TrustInputs(**(base | overrides))


def component(name: str, **overrides: Any) -> Component:
    score = compute_trust(inputs(**overrides))
    return next(c for c in score.components if c.name == name)


# A researcher who reaches every cap; the caps add up to 90.
MAXED = inputs(
    level=4,
    level_evidence="the claimant signed in with ORCID iD 0000-0002-1825-0097",
    works=500,
    first_work_year=1990,
    works_last_3_years=30,
    citations=50_000,
    h_index=60,
    distinct_coauthors=400,
    claimed_coauthors=12,
    followers=1_000,
)


class TestComponents:
    @pytest.mark.parametrize(
        ("name", "zero", "mid", "mid_points", "cap_input", "cap"),
        [
            # works: 10 × min(1, log10(1 + works) / 2)
            ("works", {"works": 0}, {"works": 9}, 5.0, {"works": 99}, 10.0),
            # citations: 10 × min(1, log10(1 + citations) / 4)
            ("citations", {"citations": 0}, {"citations": 99}, 5.0, {"citations": 9_999}, 10.0),
            # h-index: 5 × min(1, h / 40)
            ("h_index", {"h_index": 0}, {"h_index": 20}, 2.5, {"h_index": 40}, 5.0),
            # recent activity: 5 × min(1, works in the last 3 calendar years / 5)
            (
                "recent_activity",
                {"works": 5, "works_last_3_years": 0},
                {"works": 5, "works_last_3_years": 2},
                2.0,
                {"works": 5, "works_last_3_years": 5},
                5.0,
            ),
            # community: 10 × min(1, log10(1 + followers) / 2)
            ("community", {"followers": 0}, {"followers": 9}, 5.0, {"followers": 99}, 10.0),
        ],
    )
    def test_zero_mid_and_cap(
        self,
        name: str,
        zero: dict[str, int],
        mid: dict[str, int],
        mid_points: float,
        cap_input: dict[str, int],
        cap: float,
    ) -> None:
        assert component(name, **zero).points == 0.0
        assert component(name, **mid).points == mid_points
        at_cap = component(name, **cap_input)
        assert (at_cap.points, at_cap.cap) == (cap, cap)
        beyond = {key: value * 10 for key, value in cap_input.items()}
        assert component(name, **beyond).points == cap

    @pytest.mark.parametrize(
        ("name", "values", "points"),
        [
            ("works", {"works": 12}, 5.57),  # 10 × log10(13) / 2 = 5.5697
            ("citations", {"citations": 1234}, 7.73),  # 10 × log10(1235) / 4 = 7.7289
            ("community", {"followers": 3}, 3.01),  # 10 × log10(4) / 2 = 3.0103
            ("collaboration", {"distinct_coauthors": 14}, 2.94),  # 5 × log10(15) / 2 = 2.9402
        ],
    )
    def test_points_are_the_formula_rounded_to_two_decimals(
        self, name: str, values: dict[str, int], points: float
    ) -> None:
        assert component(name, **values).points == points

    @pytest.mark.parametrize(("h", "points"), [(1, 0.13), (3, 0.38), (5, 0.63), (17, 2.13)])
    def test_exact_ties_round_half_up_like_the_displayed_score(self, h: int, points: float) -> None:
        # h / 8 lands exactly on a half cent; round() would give 0.12, 0.38, 0.62, 2.12.
        assert component("h_index", h_index=h).points == points

    @pytest.mark.parametrize(("level", "points"), [(0, 0), (1, 10), (2, 20), (3, 30), (4, 40)])
    def test_identity_points_follow_the_level(self, level: int, points: float) -> None:
        identity = component("identity", level=level)
        assert (identity.points, identity.cap) == (points, 40.0)

    @pytest.mark.parametrize(
        ("distinct", "claimed", "points"),
        [
            (0, 0, 0.0),
            (9, 0, 2.5),  # breadth half way
            (99, 0, 5.0),  # breadth at its cap
            (9, 3, 7.5),  # claimed co-authors at their cap
            (1, 1, round(5 * math.log10(2) / 2 + 5 / 3, 2)),  # 0.75 + 1.67 = 2.42
            (400, 12, 10.0),  # both capped
        ],
    )
    def test_collaboration_adds_breadth_and_claimed_coauthors(
        self, distinct: int, claimed: int, points: float
    ) -> None:
        collaboration = component(
            "collaboration", distinct_coauthors=distinct, claimed_coauthors=claimed
        )
        assert (collaboration.points, collaboration.cap) == (points, 10.0)

    def test_an_unknown_h_index_scores_zero_and_says_so(self) -> None:
        h = component("h_index", h_index=None)
        assert h.points == 0.0
        assert h.evidence == "h-index not known: OpenAlex gives none for this record"

    def test_unknown_citations_score_zero_and_say_so(self) -> None:
        citations = component("citations", citations=None)
        assert citations.points == 0.0
        assert citations.evidence.startswith("citation count not known yet")

    def test_components_come_in_a_fixed_order_with_their_caps(self) -> None:
        score = compute_trust(MAXED)
        assert [(c.name, c.cap) for c in score.components] == [
            ("identity", 40.0),
            ("works", 10.0),
            ("citations", 10.0),
            ("h_index", 5.0),
            ("recent_activity", 5.0),
            ("collaboration", 10.0),
            ("community", 10.0),
            ("penalties", 0.0),
        ]
        assert all(c.points == c.cap for c in score.components)
        assert score.score == 90.0


class TestEvidence:
    @pytest.mark.parametrize(
        ("name", "values", "evidence"),
        [
            ("works", {"works": 0}, "no works yet"),
            ("works", {"works": 1, "first_work_year": 2019}, "1 work, from 2019"),
            ("works", {"works": 12, "first_work_year": 2019}, "12 works since 2019"),
            ("works", {"works": 1}, "1 work"),
            ("works", {"works": 1234, "first_work_year": 1988}, "1,234 works since 1988"),
            ("works", {"works": 12}, "12 works"),
            ("citations", {"citations": 0}, "no citations yet (OpenAlex)"),
            ("citations", {"citations": 1}, "1 citation (OpenAlex)"),
            ("citations", {"citations": 12_345}, "12,345 citations (OpenAlex)"),
            ("h_index", {"h_index": 0}, "h-index 0 (OpenAlex)"),
            ("h_index", {"h_index": 7}, "h-index 7 (OpenAlex)"),
            ("recent_activity", {"works": 3}, "no works in 2024–2026"),
            ("recent_activity", {"works": 3, "works_last_3_years": 1}, "1 work in 2024–2026"),
            ("recent_activity", {"works": 3, "works_last_3_years": 3}, "3 works in 2024–2026"),
            ("community", {"followers": 0}, "no followers yet"),
            ("community", {"followers": 1}, "1 follower"),
            ("community", {"followers": 2500}, "2,500 followers"),
            ("penalties", {"upheld_findings": 0}, "no upheld moderation findings"),
        ],
    )
    def test_sentences(self, name: str, values: dict[str, int], evidence: str) -> None:
        assert component(name, **values).evidence == evidence

    @pytest.mark.parametrize(
        ("distinct", "claimed", "evidence"),
        [
            (0, 0, "no co-authors yet"),
            (1, 0, "1 co-author, who has not claimed their profile yet"),
            (1, 1, "1 co-author, who claimed their profile"),
            (14, 0, "14 distinct co-authors, none of whom has claimed a profile yet"),
            (14, 1, "14 distinct co-authors, 1 of them claimed their profile"),
            (1400, 3, "1,400 distinct co-authors, 3 of them claimed their profiles"),
        ],
    )
    def test_collaboration_sentences(self, distinct: int, claimed: int, evidence: str) -> None:
        found = component("collaboration", distinct_coauthors=distinct, claimed_coauthors=claimed)
        assert found.evidence == evidence

    def test_identity_evidence_names_the_level(self) -> None:
        identity = component(
            "identity",
            level=2,
            level_evidence="the OpenAlex record carries ORCID iD 0000-0002-1825-0097",
        )
        assert identity.evidence == (
            "Verification L2: the OpenAlex record carries ORCID iD 0000-0002-1825-0097"
        )

    def test_recent_activity_names_the_three_calendar_years(self) -> None:
        found = component("recent_activity", reference_year=2031, works=1, works_last_3_years=1)
        assert found.evidence == "1 work in 2029–2031"

    def test_every_component_explains_its_rule(self) -> None:
        assert all(c.rule for c in compute_trust(MAXED).components)


class TestPenalties:
    @pytest.mark.parametrize(("findings", "points"), [(0, 0.0), (1, -10.0), (3, -30.0)])
    def test_ten_points_per_upheld_finding(self, findings: int, points: float) -> None:
        score = compute_trust(replace(MAXED, upheld_findings=findings))
        assert score.components[-1].points == points
        assert score.score == 90.0 + points

    def test_the_score_is_floored_at_zero_by_limiting_the_penalty(self) -> None:
        # 10 (L1) + 5.57 (12 works) = 15.57 earned; two findings would take 20.
        score = compute_trust(inputs(works=12, upheld_findings=2))
        penalty = score.components[-1]
        assert score.score == 0.0
        assert penalty.points == -15.57
        assert penalty.evidence == (
            "2 upheld moderation findings (−20, limited to the 15.57 points earned)"
        )
        assert round(sum(c.points for c in score.components), 2) == score.score

    def test_a_penalty_that_fits_is_not_described_as_limited(self) -> None:
        score = compute_trust(inputs(works=12, upheld_findings=1))
        assert score.components[-1].evidence == "1 upheld moderation finding"
        assert score.score == 5.57

    def test_an_unverified_researcher_with_findings_scores_zero_not_negative(self) -> None:
        score = compute_trust(inputs(level=0, upheld_findings=5))
        assert score.score == 0.0
        assert score.tier is Tier.EMERGING
        # 0.0, not -0.0, so nothing prints "-0".
        assert math.copysign(1, score.components[-1].points) == 1.0


class TestTotal:
    @pytest.mark.parametrize(
        "case",
        [
            inputs(),
            MAXED,
            inputs(level=2, works=62, first_work_year=2009, works_last_3_years=7,
                   citations=4021, h_index=17, distinct_coauthors=140, claimed_coauthors=1),
            inputs(level=3, works=3, works_last_3_years=3, citations=7, h_index=1,
                   distinct_coauthors=5, claimed_coauthors=2, followers=4, upheld_findings=1),
        ],
    )
    def test_the_score_is_the_sum_of_the_component_points(self, case: TrustInputs) -> None:
        score = compute_trust(case)
        assert score.score == round(sum(c.points for c in score.components), 2)
        assert 0.0 <= score.score <= 100.0
        assert all(c.points == round(c.points, 2) for c in score.components)
        assert all(c.points <= c.cap for c in score.components)

    def test_a_worked_example(self) -> None:
        # L2, 62 works since 2009, 7 recent, 4,021 citations, h 17, 140 co-authors (1 claimed).
        score = compute_trust(inputs(
            level=2, works=62, first_work_year=2009, works_last_3_years=7,
            citations=4021, h_index=17, distinct_coauthors=140, claimed_coauthors=1,
        ))
        assert [c.points for c in score.components] == [
            20.0, 9.0, 9.01, 2.13, 5.0, 6.67, 0.0, 0.0,
        ]
        assert (score.score, score.display, score.tier, score.level, score.level_name) == (
            51.81, 52, Tier.ESTABLISHED, 2, "Identifier-linked",
        )
        assert score.formula_version == "v1"

    def test_the_same_inputs_give_the_same_score(self) -> None:
        assert compute_trust(MAXED) == compute_trust(replace(MAXED))


class TestTiers:
    @pytest.mark.parametrize(
        ("score", "shown", "tier"),
        [
            (0.0, 0, Tier.EMERGING),
            (29.0, 29, Tier.EMERGING),
            (29.49, 29, Tier.EMERGING),
            (29.5, 30, Tier.ESTABLISHED),  # shown as 30, so Established
            (30.0, 30, Tier.ESTABLISHED),
            (59.0, 59, Tier.ESTABLISHED),
            (59.49, 59, Tier.ESTABLISHED),
            (59.5, 60, Tier.TRUSTED),
            (60.0, 60, Tier.TRUSTED),
            (84.0, 84, Tier.TRUSTED),
            (84.49, 84, Tier.TRUSTED),
            (84.5, 85, Tier.EXEMPLARY),
            (85.0, 85, Tier.EXEMPLARY),
            (100.0, 100, Tier.EXEMPLARY),
        ],
    )
    def test_the_tier_agrees_with_the_displayed_whole_number(
        self, score: float, shown: int, tier: Tier
    ) -> None:
        assert displayed_score(score) == shown
        assert tier_for(score) is tier

    @pytest.mark.parametrize(("score", "shown"), [(30.5, 31), (0.5, 1), (2.5, 3), (0.49, 0)])
    def test_halves_round_up_not_to_even(self, score: float, shown: int) -> None:
        assert displayed_score(score) == shown

    @pytest.mark.parametrize("score", [-0.51, 100.5, 250.0])
    def test_scores_outside_the_range_have_no_tier(self, score: float) -> None:
        with pytest.raises(ValueError, match="0-100"):
            tier_for(score)

    def test_tier_labels(self) -> None:
        assert [t.label for t in Tier] == ["Emerging", "Established", "Trusted", "Exemplary"]

    def test_a_computed_score_reports_the_tier_of_its_display(self) -> None:
        # L2 (20) + 9 works (5) + 9 followers (5) = 30: "Trust 30 · Established".
        score = compute_trust(inputs(level=2, works=9, followers=9))
        assert (score.score, score.display, score.tier) == (30.0, 30, Tier.ESTABLISHED)
        less = compute_trust(inputs(level=2, works=9, followers=8))  # 4.77 for 8 followers
        assert (less.score, less.display, less.tier) == (29.77, 30, Tier.ESTABLISHED)
        lesser = compute_trust(inputs(level=2, works=9, followers=6))  # 4.23
        assert (lesser.score, lesser.display, lesser.tier) == (29.23, 29, Tier.EMERGING)


class TestInputs:
    def test_inputs_round_trip_through_json(self) -> None:
        stored = json.loads(json.dumps(MAXED.to_json()))
        assert TrustInputs.from_json(stored) == MAXED

    def test_a_score_serialises_its_components(self) -> None:
        score = compute_trust(MAXED)
        stored = json.loads(json.dumps(score.components_json()))
        assert [Component(**c) for c in stored] == list(score.components)

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"level": 5}, "level must be 0-4"),
            ({"level": -1}, "level must be 0-4"),
            ({"works": -1}, "works cannot be negative"),
            ({"followers": -3}, "followers cannot be negative"),
            ({"citations": -1}, "citations cannot be negative"),
            ({"distinct_coauthors": 1, "claimed_coauthors": 2}, "claimed_coauthors cannot exceed"),
            ({"works": 1, "works_last_3_years": 2}, "works_last_3_years cannot exceed"),
        ],
    )
    def test_impossible_inputs_are_rejected(self, overrides: dict[str, int], message: str) -> None:
        with pytest.raises(ValueError, match=message):
            inputs(**overrides)

    def test_stored_inputs_with_unknown_keys_are_rejected(self) -> None:
        with pytest.raises(TypeError):
            TrustInputs.from_json(MAXED.to_json() | {"mystery": 1})


class TestVersions:
    def test_the_current_version_is_v1_and_registered(self) -> None:
        assert VERSION == "v1"
        assert set(FORMULAS) == {"v1"}
        result: TrustScore = compute_trust(MAXED, version="v1")
        assert result.formula_version == "v1"

    def test_an_unknown_version_is_an_error(self) -> None:
        with pytest.raises(KeyError):
            compute_trust(MAXED, version="v0")
