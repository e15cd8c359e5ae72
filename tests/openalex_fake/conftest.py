"""The fake OpenAlex server over the records of tests/openalex_fake/records.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from openalex_fake import OpenAlexFakeServer
from tests.openalex_fake.records import ADA, BEA, CY, WORKS


@pytest.fixture
def server() -> Iterator[OpenAlexFakeServer]:
    with OpenAlexFakeServer([ADA, BEA, CY, *WORKS]) as srv:
        srv.add_merged_id("A5999999999", "A5000000001")
        yield srv
