"""Formatting filters for the public pages: thin wrappers over profiles.display."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from profiles import charts, display

register = template.Library()


@register.filter
def jsonld(value: Any) -> SafeString:
    """``value`` as JSON safe inside ``<script type="application/ld+json">`` (``<``, ``>``
    and ``&`` escaped as \\u003C-style JSON escapes)."""
    return mark_safe(display.jsonld_script_content(value))  # noqa: S308  (escaped above)


@register.filter
def year_ranges(years: Any) -> str:
    """[2019, 2020, 2021, 2023] -> "2019–2021, 2023"."""
    return display.year_ranges(years or [])


@register.filter
def work_type_label(value: str) -> str:
    """OpenAlex work types as people say them: "book-chapter" -> "book chapter"."""
    return (value or "work").replace("-", " ")


@register.filter
def http_url(value: str) -> str:
    """``value`` when it is an http(s) URL, else "": links built from imported data never
    carry a ``javascript:`` or other scheme."""
    value = (value or "").strip()
    return value if value.lower().startswith(("https://", "http://")) else ""


@register.filter
def bar_chart_svg(chart: charts.BarChart) -> SafeString:
    """The chart's inline SVG (profiles.charts.svg builds it from numbers and fixed text)."""
    return mark_safe(charts.svg(chart))  # noqa: S308  (numbers and escaped text only)
