"""Our OpenAlex fixtures (tests/fixtures/openalex/): what the generator writes, and ours alone."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests import make_openalex_fixtures
from tests.openalex_corpora import OWN, SHARED, shared_present

# Every id in the fixtures is of a series OpenAlex does not use (see the generator's docstring).
OUR_IDS = re.compile(
    r"^(?:A(?:598\d{7}|1000\d{6}|2000\d{6}|3000\d{6}|3100\d{6}|4000\d{6})"
    r"|W98\d{8}|I998\d{7}|[SVPF]998\d{7}|T18\d{3}|C98\d{8})$"
)
# Vocabulary paths (topics' subfield/field/domain, keywords, types) are OpenAlex's own names.
VOCABULARY = ("subfields/", "fields/", "domains/", "keywords/", "types/", "institution-types/")
OPENALEX = "https://openalex.org/"
# Hosts a record may name besides *.example.org: the identifier resolvers and OpenAlex itself.
RESOLVERS = {"openalex.org", "api.openalex.org", "orcid.org", "doi.org", "ror.org"}


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def committed_files() -> list[Path]:
    return sorted(p for p in OWN.rglob("*") if p.is_file() and p.name != "README.md")


def test_committed_fixtures_are_what_the_generator_writes(tmp_path: Path) -> None:
    make_openalex_fixtures.write(make_openalex_fixtures.build(), tmp_path)
    committed = [p.relative_to(OWN) for p in committed_files()]
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert committed == generated
    changed = [str(rel) for rel in generated if (tmp_path / rel).read_bytes() != (OWN / rel).read_bytes()]
    assert changed == [], "tests/fixtures/openalex differs from tests/make_openalex_fixtures.py: regenerate"


def test_every_record_is_invented() -> None:
    """Ids of our own series, ORCID iDs in the block ORCID never issues, DOIs under the 10.5555
    test prefix, web addresses on example.org: nothing names a real person, work or place."""
    problems = []
    for path in committed_files():
        if path.suffix == ".csv":
            with path.open(encoding="utf-8") as handle:
                values = [v for row in csv.DictReader(handle) for k, v in row.items() if k != "merge_date"]
        else:
            values = list(strings(json.loads(path.read_text(encoding="utf-8"))))
        for value in values:
            if path.suffix == ".csv" and not OUR_IDS.match(value):
                problems.append(f"{path.name}: id {value}")
            elif value.startswith(OPENALEX):
                key = value.removeprefix(OPENALEX)
                if not OUR_IDS.match(key) and not key.startswith(VOCABULARY):
                    problems.append(f"{path.name}: id {value}")
            elif value.startswith("https://orcid.org/") and not value.startswith("https://orcid.org/0000-0000-"):
                problems.append(f"{path.name}: ORCID {value}")
            elif "doi.org/" in value and not value.lower().split("doi.org/", 1)[1].startswith("10.5555/"):
                problems.append(f"{path.name}: DOI {value}")
            elif value.startswith(("http://", "https://")):
                host = urlsplit(value).hostname or ""
                if host not in RESOLVERS and host != "example.org" and not host.endswith(".example.org"):
                    problems.append(f"{path.name}: address {value}")
    assert problems == []


def test_no_fixture_repeats_a_shared_sample() -> None:
    """The real samples stay in ../shared: no committed JSON file holds the same document as one
    of them (compared as parsed JSON, so indentation or key order hide nothing). Where the
    samples are absent there is nothing to repeat."""
    shared = (
        {json.dumps(json.loads(p.read_text(encoding="utf-8")), sort_keys=True) for p in SHARED.rglob("*.json")}
        if shared_present()
        else set()
    )
    ours = {
        p.name: json.dumps(json.loads(p.read_text(encoding="utf-8")), sort_keys=True)
        for p in committed_files()
        if p.suffix == ".json"
    }
    assert len(ours) > 40
    assert [name for name, document in ours.items() if document in shared] == []
