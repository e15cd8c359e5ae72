"""What the trust engine reads about claims and moderation: three set-based functions.

graph.trust_inputs calls these and nothing else of the claims code, so claims can change
their models freely as long as the signatures and contracts below hold.

Contracts (all three):

* ``researcher_ids`` is a collection of ``profiles.Researcher`` primary keys, or None for
  every researcher (a full recompute); the answer covers exactly those researchers.
* Set-based: a constant, small number of queries whatever the number of researchers (the
  trust benchmark recomputes 100,000+ researchers in one pass, and a query test pins the
  number of queries a recompute makes).
* Read-only, no side effects; safe inside the caller's transaction.

Status: claims and moderation findings do not exist yet, so every function answers "none".
The CLAIMS engineer (issue 5) fills them in against the claim and moderation models and
keeps the signatures. When they start issuing queries, the pinned query count in
tests/graph/test_trust_recompute.py grows by their number.
"""

from __future__ import annotations

from collections.abc import Collection

from profiles.verification import ClaimFacts


def claim_facts_for(researcher_ids: Collection[int] | None) -> dict[int, ClaimFacts]:
    """The claim facts verification needs (profiles.verification.derive_level), per researcher.

    A researcher maps to their approved claim if they have one, otherwise to their most
    recently revoked claim (the evidence mentions it); researchers with neither are absent.
    """
    return {}


def claimed_researcher_ids(researcher_ids: Collection[int] | None) -> set[int]:
    """Those of ``researcher_ids`` (every researcher when None) whose record has an approved
    claim now. The trust engine passes None and counts claimed co-authors in SQL, so this must
    stay cheap for None: claimed records are few."""
    return set()


def upheld_findings_count(researcher_ids: Collection[int] | None) -> dict[int, int]:
    """Moderation findings upheld against each record (impersonation, spam) and not reversed
    since; researchers with none are absent."""
    return {}
