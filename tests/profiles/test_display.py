"""profiles.display and profiles.charts: pure, no database."""

from __future__ import annotations

import json
from typing import Any

import pytest

from profiles import charts, display, identifiers


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("A5023888391", "A", "A5023888391"),
        ("a5023888391", "A", "A5023888391"),
        (" https://openalex.org/A5023888391 ", "A", "A5023888391"),
        ("https:/openalex.org/A5023888391", "A", "A5023888391"),  # slashes merged by a proxy
        ("http://www.openalex.org/W2741809807", "W", "W2741809807"),
        ("W2741809807", "A", None),
        ("A50x", "A", None),
        ("https://example.org/A5023888391", "A", None),
        ("", "A", None),
    ],
)
def test_parse_openalex_id(text: str, kind: str, expected: str | None) -> None:
    assert identifiers.parse_openalex_id(text, kind) == expected


def test_year_ranges() -> None:
    assert display.year_ranges([2023, 2019, 2020, 2021, 2021]) == "2019–2021, 2023"
    assert display.year_ranges([2024]) == "2024"
    assert display.year_ranges([]) == ""


def test_shared_works_phrase() -> None:
    assert display.shared_works_phrase(3, 2021, 2024) == "3 shared works, 2021–2024"
    assert display.shared_works_phrase(1, 2022, 2022) == "1 shared work, 2022"
    assert display.shared_works_phrase(2, None, None) == "2 shared works"


def test_only_abstracts_past_about_three_lines_are_long() -> None:
    assert not display.abstract_is_long("short text")
    assert not display.abstract_is_long("x" * (display.ABSTRACT_LEAD_CHARS + 30))  # a few words over
    assert display.abstract_is_long("lorem ipsum " * 100)


def test_jsonld_cannot_close_its_script_element() -> None:
    data = display.person_jsonld(
        name="</script><script>alert(1)</script>", url="https://x/", openalex_id="A1", description="a & b <c>"
    )
    content = display.jsonld_script_content(data)
    assert "<" not in content and ">" not in content and "&" not in content
    assert json.loads(content)["name"] == "</script><script>alert(1)</script>"


def test_person_jsonld_shape() -> None:
    data = display.person_jsonld(
        name="Ada",
        url="https://bz/researchers/A1/",
        openalex_id="A1",
        orcid_url="https://orcid.org/0000-0002-1825-0097",
        affiliations=["Uni"],
        topics=["T"],
        alternate_names=["Ada", "A. Lovelace"],
    )
    assert data["@type"] == "Person" and data["sameAs"] == [
        "https://openalex.org/A1",
        "https://orcid.org/0000-0002-1825-0097",
    ]
    assert data["alternateName"] == ["A. Lovelace"] and data["affiliation"][0]["name"] == "Uni"


def test_meta_description_is_bounded() -> None:
    assert (
        display.meta_description("Ada", "", works=1, institution="Uni") == "Ada, researcher at Uni: 1 work in BZPEER."
    )
    long = display.meta_description("Ada", "word " * 100, works=3)
    assert len(long) <= 160 and long.endswith("…")


def test_yearly_values_fill_gaps_and_keep_the_last_years() -> None:
    counts: list[dict[str, Any]] = [
        {"year": 2016, "cited_by_count": 4},
        {"year": 2019, "cited_by_count": 7},
        {"year": "x", "cited_by_count": 1},
    ]
    assert charts.yearly_values(counts, "cited_by_count") == [(2016, 4), (2017, 0), (2018, 0), (2019, 7)]
    many = [{"year": y, "cited_by_count": 1} for y in range(2000, 2026)]
    assert [y for y, _ in charts.yearly_values(many, "cited_by_count")] == list(range(2014, 2026))


def test_bar_chart_geometry() -> None:
    assert charts.bar_chart([]) is None and charts.bar_chart([(2020, 0)]) is None
    chart = charts.bar_chart([(2020, 5), (2021, 0), (2022, 17)])
    assert chart is not None and chart.total == 22 and chart.peak.year == 2022
    top, zero, _ = chart.bars
    assert zero.height == 0 and top.height > 0
    tallest = chart.bars[2]
    assert tallest.y + tallest.height == chart.baseline_y
    assert [g.label for g in chart.gridlines] == ["0", "10", "20"]  # nice ceiling of 17 is 20
    assert "22 citations from 2020 to 2022" in chart.summary
    assert all(chart.plot_left <= b.x and b.x + b.width <= chart.plot_right for b in chart.bars)


@pytest.mark.parametrize(("value", "nice"), [(0, 1), (1, 1), (3, 5), (17, 20), (100, 100), (101, 200), (4321, 5000)])
def test_nice_ceiling(value: int, nice: int) -> None:
    assert charts.nice_ceiling(value) == nice


def test_the_chart_svg_is_accessible_and_holds_one_bar_per_year() -> None:
    chart = charts.bar_chart([(2020, 5), (2021, 1), (2022, 17)])
    assert chart is not None
    markup = charts.svg(chart)
    assert markup.startswith('<svg class="bar-chart"') and markup.endswith("</svg>")
    assert 'role="img" aria-labelledby="citations-chart-title citations-chart-desc"' in markup
    assert markup.count("<rect ") == 3 and "<title>2021: 1 citation</title>" in markup
    assert '<desc id="citations-chart-desc">23 citations from 2020 to 2022; the most in 2022 (17).</desc>' in markup
