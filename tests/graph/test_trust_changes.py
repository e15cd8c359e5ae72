"""graph.trust_changes: what moved a score, in words, and the signed delta."""

from __future__ import annotations

from typing import Any

import pytest

from graph.trust_changes import change_reasons, format_delta

BASE: dict[str, Any] = {
    "reference_year": 2026,
    "level": 1,
    "level_evidence": "imported from OpenAlex under the stable author id A5023888391",
    "level_established_on": "2026-11-01",
    "works": 12,
    "first_work_year": 2019,
    "works_last_3_years": 4,
    "citations": 100,
    "h_index": 5,
    "distinct_coauthors": 9,
    "claimed_coauthors": 0,
    "followers": 2,
    "upheld_findings": 0,
}


def after(**changes: Any) -> dict[str, Any]:
    return BASE | changes


def test_no_earlier_snapshot_is_a_first_score() -> None:
    assert change_reasons(None, BASE) == ["first score"]


@pytest.mark.parametrize(
    ("changes", "reasons"),
    [
        ({"works": 15, "works_last_3_years": 4}, ["3 new works"]),
        ({"works": 13, "works_last_3_years": 4}, ["1 new work"]),
        ({"works": 11, "works_last_3_years": 4}, ["1 work removed"]),
        ({"works": 13, "works_last_3_years": 5}, ["1 new work", "works in the last three years 4 → 5"]),
        ({"level": 2}, ["verification L1 → L2"]),
        ({"citations": 250}, ["+150 citations"]),
        ({"citations": 99}, ["−1 citation"]),
        ({"citations": 1_100}, ["+1,000 citations"]),
        ({"citations": None}, ["citation count no longer known"]),
        ({"h_index": 6}, ["h-index 5 → 6"]),
        ({"h_index": None}, ["h-index 5 → unknown"]),
        ({"distinct_coauthors": 11}, ["2 new co-authors"]),
        ({"claimed_coauthors": 1}, ["1 co-author claimed their profile"]),
        ({"followers": 3}, ["1 new follower"]),
        ({"followers": 0}, ["2 followers fewer"]),
        ({"upheld_findings": 1}, ["1 upheld moderation finding"]),
        ({"reference_year": 2027, "works_last_3_years": 2}, [
            "works in the last three years 4 → 2", "the recent-activity window moved to 2025–2027"
        ]),
        ({"level_established_on": "2026-11-20"}, ["the record was re-read on 2026-11-20"]),
        ({"level_evidence": "another clause"}, ["the verification evidence changed"]),
        ({"first_work_year": 2018}, ["first work year 2019 → 2018"]),
    ],
)
def test_each_input_is_named(changes: dict[str, Any], reasons: list[str]) -> None:
    assert change_reasons(BASE, after(**changes)) == reasons


def test_unknown_citations_becoming_known() -> None:
    assert change_reasons(after(citations=None), BASE) == ["citation count now known (100)"]


def test_a_version_change_comes_first() -> None:
    reasons = change_reasons(BASE, after(followers=3), before_version="v1", after_version="v2")
    assert reasons == ["formula v1 → v2", "1 new follower"]


def test_identical_inputs_still_say_something() -> None:
    assert change_reasons(BASE, dict(BASE)) == ["recomputed"]


@pytest.mark.parametrize(
    ("before", "after_score", "text"),
    [(None, 21.0, "new"), (20.0, 22.1, "+2.1"), (22.1, 20.0, "−2.1"), (20.0, 20.0, "±0"), (10.0, 11.51, "+1.51"),
     (10.0, 13.0, "+3")],
)
def test_format_delta(before: float | None, after_score: float, text: str) -> None:
    assert format_delta(before, after_score) == text
