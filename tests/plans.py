"""Executed query plans, for tests that show which indexes a page's queries read."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext


def plans(run: Callable[[], Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each query ``run`` makes, with its executed plan (EXPLAIN ANALYZE, JSON)."""
    with CaptureQueriesContext(connection) as captured:
        run()
    for query in captured.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
            (plan,) = cursor.fetchone()
        yield query["sql"], (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The plan's nodes, depth first."""
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)
