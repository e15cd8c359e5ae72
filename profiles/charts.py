"""Geometry of the small citations-per-year bar chart, drawn as server-side SVG.

Pure: takes the record's ``counts_by_year`` list and returns numbers a template draws, so the
chart is readable without JavaScript and the same data also renders as a table.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

WIDTH = 360
HEIGHT = 150
PAD_LEFT = 34  # room for the y-axis labels
PAD_RIGHT = 6
PAD_TOP = 10
PAD_BOTTOM = 22  # room for the year labels
MAX_YEARS = 12


@dataclass(frozen=True, slots=True)
class Bar:
    year: int
    value: int
    x: float
    y: float
    width: float
    height: float
    label_x: float
    labelled: bool  # whether the year is printed under the bar (every other one when crowded)


@dataclass(frozen=True, slots=True)
class GridLine:
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class BarChart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    gridlines: tuple[GridLine, ...]
    baseline_y: float
    plot_left: float
    plot_right: float
    total: int
    first_year: int
    last_year: int

    @property
    def peak(self) -> Bar:
        return max(self.bars, key=lambda b: (b.value, b.year))

    @property
    def summary(self) -> str:
        """One sentence for the SVG's <desc> and screen readers."""
        peak = self.peak
        return (
            f"{self.total} citations from {self.first_year} to {self.last_year}; "
            f"the most in {peak.year} ({peak.value})."
        )


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10^k that is >= ``value`` (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude  # unreachable: 10 × magnitude > value


def yearly_values(
    counts_by_year: Sequence[Mapping[str, Any]], key: str, *, max_years: int = MAX_YEARS
) -> list[tuple[int, int]]:
    """(year, value) for the last ``max_years`` years the record covers, ascending, with the
    years it skips filled in as 0. Entries without a whole-number year are ignored."""
    values: dict[int, int] = {}
    for entry in counts_by_year:
        year, value = entry.get("year"), entry.get(key)
        if isinstance(year, int) and not isinstance(year, bool):
            values[year] = values.get(year, 0) + (value if isinstance(value, int) and value > 0 else 0)
    if not values:
        return []
    last = max(values)
    first = max(min(values), last - max_years + 1)
    return [(year, values.get(year, 0)) for year in range(first, last + 1)]


def bar_chart(points: Sequence[tuple[int, int]]) -> BarChart | None:
    """Lay out bars for ``points`` (year, value); None when there is nothing to draw (no
    points, or every value is 0: the page then says so in words)."""
    if not points or not any(value for _, value in points):
        return None
    top = nice_ceiling(max(value for _, value in points))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    baseline = PAD_TOP + plot_h
    slot = plot_w / len(points)
    bar_w = max(2.0, slot * 0.7)
    every = 1 if len(points) <= 7 else 2
    bars = []
    for index, (year, value) in enumerate(points):
        height = plot_h * value / top
        x = PAD_LEFT + index * slot + (slot - bar_w) / 2
        # Label the last year always, then every ``every`` years going back from it.
        labelled = (len(points) - 1 - index) % every == 0
        bars.append(
            Bar(
                year,
                value,
                round(x, 1),
                round(baseline - height, 1),
                round(bar_w, 1),
                round(height, 1),
                round(x + bar_w / 2, 1),
                labelled,
            )
        )
    gridlines = tuple(
        GridLine(round(baseline - plot_h * fraction, 1), _short_number(round(top * fraction)))
        for fraction in (0.0, 0.5, 1.0)
    )
    return BarChart(
        WIDTH,
        HEIGHT,
        tuple(bars),
        gridlines,
        baseline,
        PAD_LEFT,
        WIDTH - PAD_RIGHT,
        sum(v for _, v in points),
        points[0][0],
        points[-1][0],
    )


def _short_number(value: int) -> str:
    """12 -> "12", 1500 -> "1.5k", 20000 -> "20k" (axis labels stay narrow)."""
    if value < 1000:
        return str(value)
    thousands = value / 1000
    return f"{thousands:.1f}".rstrip("0").rstrip(".") + "k"


def svg(chart: BarChart, *, title_id: str = "citations-chart-title", desc_id: str = "citations-chart-desc") -> str:
    """The chart as an accessible inline SVG element (a title, a description, one labelled
    bar per year). Built here rather than in a template: a template spends more time
    formatting the hundred numbers than the rest of the profile's record panel together.
    Every value is a number or fixed text; the summary is escaped anyway."""
    parts = [
        f'<svg class="bar-chart" viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" focusable="false">',
        f'<title id="{title_id}">Citations per year</title>',
        f'<desc id="{desc_id}">{html.escape(chart.summary)}</desc>',
    ]
    for line in chart.gridlines:
        parts.append(
            f'<line class="grid" x1="{chart.plot_left}" x2="{chart.plot_right}" y1="{line.y}" y2="{line.y}"></line>'
            f'<text class="axis" x="{chart.plot_left - 4}" y="{line.y}" text-anchor="end" '
            f'dominant-baseline="middle">{line.label}</text>'
        )
    for bar in chart.bars:
        noun = "citation" if bar.value == 1 else "citations"
        parts.append(
            f'<rect class="bar" x="{bar.x}" y="{bar.y}" width="{bar.width}" height="{bar.height}">'
            f"<title>{bar.year}: {bar.value} {noun}</title></rect>"
        )
        if bar.labelled:
            parts.append(
                f'<text class="axis" x="{bar.label_x}" y="{chart.height - 6}" text-anchor="middle">{bar.year}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
