"""Why a trust score moved: compare two stored snapshots' inputs and say it in words.

Pure: takes the JSON a TrustSnapshot stores (``inputs``, ``formula_version``, ``score``), no
ORM. Used by the explanation's "last few changes" and by ``manage.py recompute_trust``'s
report, so both say the same thing ("+2.1 on 2026-11-20: 3 new works").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Inputs = Mapping[str, Any]


def change_reasons(
    before: Inputs | None,
    after: Inputs,
    *,
    before_version: str | None = None,
    after_version: str | None = None,
) -> list[str]:
    """Short clauses naming what differs between two snapshots' inputs, most telling first.

    ``before`` None means there was no earlier snapshot ("first score"). Never empty: when
    no input that scores differs, it says what did ("the verification evidence was
    re-checked on …").
    """
    if before is None:
        return ["first score"]
    reasons: list[str] = []
    if before_version and after_version and before_version != after_version:
        reasons.append(f"formula {before_version} → {after_version}")
    reasons += _level(before, after)
    reasons += _counted(before, after, "works", "new work", "work removed", "works removed", plural="new works")
    if before.get("works_last_3_years") != after.get("works_last_3_years"):
        reasons.append(
            f"works in the last three years {before.get('works_last_3_years')} → {after.get('works_last_3_years')}"
        )
    if before.get("reference_year") != after.get("reference_year"):
        year = after.get("reference_year")
        if isinstance(year, int):
            reasons.append(f"the recent-activity window moved to {year - 2}–{year}")
    reasons += _known(before, after, "citations", "citation")
    if before.get("h_index") != after.get("h_index"):
        reasons.append(f"h-index {_or_unknown(before.get('h_index'))} → {_or_unknown(after.get('h_index'))}")
    reasons += _counted(
        before, after, "distinct_coauthors", "new co-author", "co-author fewer", "co-authors fewer",
        plural="new co-authors",
    )
    reasons += _counted(
        before, after, "claimed_coauthors", "co-author claimed their profile", "claimed co-author fewer",
        "claimed co-authors fewer", plural="co-authors claimed their profiles",
    )
    reasons += _counted(
        before, after, "followers", "new follower", "follower fewer", "followers fewer", plural="new followers"
    )
    reasons += _counted(
        before, after, "upheld_findings", "upheld moderation finding", "moderation finding reversed",
        "moderation findings reversed", plural="upheld moderation findings",
    )
    if not reasons:
        if before.get("level_evidence") != after.get("level_evidence"):
            reasons.append("the verification evidence changed")
        elif before.get("level_established_on") != after.get("level_established_on"):
            reasons.append(f"the record was re-read on {after.get('level_established_on')}")
        elif before.get("first_work_year") != after.get("first_work_year"):
            reasons.append(f"first work year {before.get('first_work_year')} → {after.get('first_work_year')}")
        else:
            reasons.append("recomputed")
    return reasons


def format_delta(before_score: float | None, after_score: float) -> str:
    """"+2.1", "−0.5", "±0" (2 decimals at most, trailing zeros dropped); "new" for a first score."""
    if before_score is None:
        return "new"
    delta = round(after_score - before_score, 2)
    if delta == 0:
        return "±0"
    text = f"{abs(delta):.2f}".rstrip("0").rstrip(".")
    return ("+" if delta > 0 else "−") + text


def _level(before: Inputs, after: Inputs) -> list[str]:
    old, new = before.get("level"), after.get("level")
    return [] if old == new else [f"verification L{old} → L{new}"]


def _counted(before: Inputs, after: Inputs, key: str, one_more: str, one_less: str, many_less: str, *,
             plural: str) -> list[str]:
    old, new = before.get(key) or 0, after.get(key) or 0
    if old == new:
        return []
    diff = new - old
    if diff > 0:
        return [f"1 {one_more}" if diff == 1 else f"{diff:,} {plural}"]
    return [f"1 {one_less}" if diff == -1 else f"{-diff:,} {many_less}"]


def _known(before: Inputs, after: Inputs, key: str, noun: str) -> list[str]:
    old, new = before.get(key), after.get(key)
    if old == new:
        return []
    if old is None:
        return [f"{noun} count now known ({new:,})"]
    if new is None:
        return [f"{noun} count no longer known"]
    diff = new - old
    sign = "+" if diff > 0 else "−"  # a typographic minus, like format_delta
    return [f"{sign}{abs(diff):,} {noun}{'' if abs(diff) == 1 else 's'}"]


def _or_unknown(value: Any) -> str:
    return "unknown" if value is None else str(value)
