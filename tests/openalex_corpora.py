"""The OpenAlex records the era tests read: ours on every checkout, the real ones when present.

* ``own``: tests/fixtures/openalex/, OpenAlex-shaped records of every schema era that we wrote
  (tests/make_openalex_fixtures.py). Every checkout has them, so a fresh clone tests every
  behaviour the era tests cover.
* ``shared``: ../shared/openalex-samples/, real OpenAlex records (other people's data, read in
  place, never copied into the repository), an extra layer wherever that folder sits beside the
  checkout (CI has it).

A test that reads records is parametrized over the corpora with :func:`each_corpus`, which also
holds what the test expects of each one (file names, ids, values), next to the test. The shared
case is generated only when its folder exists: without it the test runs once, on our records,
and is neither skipped nor silently emptied.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
OWN = REPO / "tests" / "fixtures" / "openalex"
SHARED = REPO.parent / "shared" / "openalex-samples"


class Corpus(SimpleNamespace):
    """One corpus and what a test expects of it: ``label`` ("own" or "shared"), ``root``, and
    the test's own fields (file names relative to ``root``, ids, values)."""

    label: str
    root: Path

    def path(self, relative: str) -> Path:
        return self.root / relative

    def load(self, relative: str) -> Any:
        """The JSON document at ``relative``."""
        return json.loads(self.path(relative).read_text(encoding="utf-8"))


def shared_present() -> bool:
    """True when the real samples sit beside the checkout."""
    return SHARED.is_dir()


def corpus_params(*, own: dict[str, Any], shared: dict[str, Any]) -> list[Any]:
    """``pytest.param``s of a Corpus: ``own`` always, ``shared`` when its folder exists."""
    params = [pytest.param(Corpus(label="own", root=OWN, **own), id="own")]
    if shared_present():
        params.append(pytest.param(Corpus(label="shared", root=SHARED, **shared), id="shared"))
    return params


def each_corpus(*, own: dict[str, Any], shared: dict[str, Any], argname: str = "corpus") -> pytest.MarkDecorator:
    """Run the test once per corpus present, with ``argname`` the Corpus and its expectations."""
    return pytest.mark.parametrize(argname, corpus_params(own=own, shared=shared))


def each_file(*, own: Sequence[str], shared: Sequence[str]) -> pytest.MarkDecorator:
    """Run the test once per file of each corpus present, as ``(corpus, name)``."""
    params = [
        pytest.param(corpus.values[0], name, id=f"{corpus.id}-{name}")
        for corpus, names in zip(corpus_params(own={}, shared={}), (own, shared), strict=False)
        for name in names
    ]
    return pytest.mark.parametrize(("corpus", "name"), params)
