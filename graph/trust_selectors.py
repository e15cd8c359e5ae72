"""Reads of the trust score.

Trust: pages read stored snapshots (graph.trust_services writes them); nothing here
computes a score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from graph.models import TrustSnapshot
from graph.trust_changes import change_reasons, format_delta
from graph.trust_formula import TrustInputs
from profiles.verification import LEVEL_NAMES

# --- Trust ------------------------------------------------------------------------------------

HISTORY_LIMIT = 5


def trust_current(researcher_id: int) -> TrustSnapshot | None:
    """The researcher's current trust snapshot (score, tier, level, formula version, time;
    not its stored inputs), or None before the first computation. The one read of the current
    score. One query (the partial unique index on current rows)."""
    return (
        TrustSnapshot.objects.filter(researcher_id=researcher_id, is_current=True)
        .only("id", "researcher_id", "score", "tier", "level", "formula_version", "computed_at")
        .first()
    )


@dataclass(frozen=True)
class TrustHistoryEntry:
    """One stored change of a researcher's score, newest first in lists."""

    computed_at: datetime
    score: float
    display_score: int
    tier: str
    level: int
    formula_version: str
    delta: str  # "+2.1", "−0.5", "±0", or "new" for the first score
    reasons: tuple[str, ...]

    @property
    def summary(self) -> str:
        """"+2.1 on 2026-11-20: 3 new works"; "First score on 2026-11-20"."""
        day = self.computed_at.date().isoformat()
        if self.delta == "new":
            return f"First score on {day}"
        return f"{self.delta} on {day}: {', '.join(self.reasons)}"


def trust_history(researcher_id: int, limit: int = HISTORY_LIMIT) -> list[TrustHistoryEntry]:
    """The last ``limit`` changes of the researcher's score, newest first, each with what
    moved it (compared with the snapshot before it). One query."""
    rows = list(
        TrustSnapshot.objects.filter(researcher_id=researcher_id)
        .order_by("-computed_at", "-id")
        .only("computed_at", "score", "tier", "level", "formula_version", "inputs")[: limit + 1]
    )
    return _history(rows, limit)


@dataclass(frozen=True)
class TrustComponentLine:
    name: str
    label: str
    points: float
    cap: float
    evidence: str
    rule: str

    @property
    def is_penalty(self) -> bool:
        return self.cap == 0

    @property
    def points_text(self) -> str:
        """"6.39", "3.4", "20", "−10" (a typographic minus)."""
        return points_text(self.points)

    @property
    def cap_text(self) -> str:
        return points_text(self.cap)


def points_text(points: float) -> str:
    """Points for people: at most 2 decimals, no trailing zeros ("3.4", "20", "−10")."""
    return f"{points:g}".replace("-", "−") if points else "0"


@dataclass(frozen=True)
class TrustExplanation:
    """Everything the explanation fragment shows. ``snapshot`` None: no score yet."""

    snapshot: TrustSnapshot | None
    components: list[TrustComponentLine]
    history: list[TrustHistoryEntry]
    level: int | None = None
    level_name: str = ""
    level_evidence: str = ""  # a sentence ("The OpenAlex record carries ….")
    level_established_on: date | None = None
    max_points: float = 0.0  # what the formula version can give at most (sum of caps)

    @property
    def score_text(self) -> str:
        return points_text(self.snapshot.score) if self.snapshot else ""

    @property
    def max_points_text(self) -> str:
        return points_text(self.max_points)


def trust_explanation(researcher_id: int, *, history: int = HISTORY_LIMIT) -> TrustExplanation:
    """The current snapshot with its components and verification evidence, and the last
    ``history`` changes. One query (the newest ``history + 1`` snapshots)."""
    newest = TrustSnapshot.objects.filter(researcher_id=researcher_id).order_by("-computed_at", "-id")
    rows = list(newest[: history + 1])
    current = next((row for row in rows if row.is_current), None)
    if current is None:
        return TrustExplanation(snapshot=None, components=[], history=[])
    components = [TrustComponentLine(**_component_fields(c)) for c in current.components]
    inputs = current.inputs
    evidence = str(inputs.get("level_evidence") or "")
    established = inputs.get("level_established_on")
    return TrustExplanation(
        snapshot=current,
        components=components,
        history=_history(rows, history),
        level=current.level,
        level_name=LEVEL_NAMES.get(current.level, ""),
        level_evidence=(evidence[:1].upper() + evidence[1:] + ".") if evidence else "",
        level_established_on=date.fromisoformat(established) if established else None,
        max_points=sum(c.cap for c in components),
    )


def _component_fields(stored: dict[str, Any]) -> dict[str, Any]:
    return {key: stored.get(key, "") for key in ("name", "label", "points", "cap", "evidence", "rule")}


def _history(rows: list[TrustSnapshot], limit: int) -> list[TrustHistoryEntry]:
    """Entries for ``rows`` (newest first); the row past ``limit`` only serves as "before"."""
    entries = []
    for index, row in enumerate(rows[:limit]):
        before = rows[index + 1] if index + 1 < len(rows) else None
        reasons = change_reasons(
            before.inputs if before else None,
            row.inputs,
            before_version=before.formula_version if before else None,
            after_version=row.formula_version,
        )
        entries.append(
            TrustHistoryEntry(
                computed_at=row.computed_at,
                score=row.score,
                display_score=row.display_score,
                tier=row.tier_label,
                level=row.level,
                formula_version=row.formula_version,
                delta=format_delta(before.score if before else None, row.score),
                reasons=tuple(reasons),
            )
        )
    return entries


def trust_inputs_of(snapshot: TrustSnapshot) -> TrustInputs:
    """The stored inputs as the formula reads them (to reproduce a stored score)."""
    return TrustInputs.from_json(snapshot.inputs)
