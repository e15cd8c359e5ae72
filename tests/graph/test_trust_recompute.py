"""graph.trust_services.trust_recompute against OpenAlex records of every era imported through the
importer (our own, tests/fixtures/openalex/, and the real ../shared/openalex-samples where that
folder exists): levels, stored components, idempotency, history, follows, hidden works, claims,
formula versions and the fixed number of queries."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from claims.models import Claim
from graph import trust_formula
from graph import trust_selectors as selectors
from graph.models import CoauthorEdge, TrustSnapshot
from graph.trust_formula import TrustInputs
from graph.trust_services import snapshot_digest, trust_recompute
from profiles.models import Follow, Researcher
from tests import cast
from tests.openalex_corpora import Corpus, corpus_params
from works.models import HiddenWork, Work

pytestmark = pytest.mark.django_db

# The researchers whose levels the tests know, in each corpus (tests/openalex_corpora.py).
TRUST_CORPORA = corpus_params(
    own={
        "priem": "A5980000201",  # imported, ORCID 0000-0000-0004-2025 (h-index 13)
        "priem_orcid": "0000-0000-0004-2025",
        "priem_h_index": 13,
        "no_orcid": "A5980000301",  # imported, the record carries no ORCID
        "stub_l1": "A5980000904",  # co-author stub of a preprint, current id, no ORCID in the byline
        "stub_l2": "A5980000701",  # co-author stub, ORCID printed in the byline
        "stub_l0": "A3000000401",  # co-author stub under a legacy (pre-2023) id nobody resolved
        "researchers_more_than": 180,
    },
    shared={
        "priem": "A5023888391",  # imported, ORCID 0000-0001-6187-6610 (h-index 17)
        "priem_orcid": "0000-0001-6187-6610",
        "priem_h_index": 17,
        "no_orcid": "A5017898742",  # imported, the record carries no ORCID
        "stub_l1": "A5006446297",  # Ilya Sutskever: co-author stub, current id, no ORCID in the byline
        "stub_l2": "A5000948508",  # Christoph Gohlke: co-author stub, ORCID printed in the byline
        "stub_l0": "A3211093801",  # co-author stub under a legacy (pre-2023) id nobody resolved
        "researchers_more_than": 250,
    },
)
CORPUS_FOLDERS = ["authors", "works", "institutions", "topics", "lists"]


def import_corpus(corpus: Corpus) -> None:
    """The importer with its follow-ups run here: co-author edges, then trust."""
    with pytest.raises(CommandError, match="could not be imported"):
        # lists/ holds a select=ids probe and a group_by answer: reported, not imported.
        call_command("import_openalex", *(str(corpus.path(f)) for f in CORPUS_FOLDERS), "--followups=now")


def current(openalex_id: str) -> TrustSnapshot:
    return TrustSnapshot.objects.get(researcher__openalex_id=openalex_id, is_current=True)


def snapshot_rows() -> list[tuple]:
    return list(TrustSnapshot.objects.order_by("pk").values_list("pk", "researcher_id", "digest", "is_current"))


@pytest.fixture(params=TRUST_CORPORA)
def imported(request: pytest.FixtureRequest) -> Corpus:
    """Every record of the corpus imported, trust computed; the corpus names who is who."""
    import_corpus(request.param)
    return request.param


@pytest.mark.usefixtures("imported")
class TestLevelsOfImportedRecords:
    def test_an_author_with_an_orcid_is_l2_with_evidence_and_date(self, imported: Corpus) -> None:
        snap = current(imported.priem)
        assert (snap.level, snap.level_name) == (2, "Identifier-linked")
        assert f"ORCID iD {imported.priem_orcid}" in snap.inputs["level_evidence"]
        priem = Researcher.objects.get(openalex_id=imported.priem)
        assert snap.inputs["level_established_on"] == priem.imported_at.date().isoformat()
        identity = next(c for c in snap.components if c["name"] == "identity")
        assert (identity["points"], identity["cap"]) == (20.0, 40.0)

    def test_an_author_without_an_orcid_is_l1(self, imported: Corpus) -> None:
        snap = current(imported.no_orcid)
        assert snap.level == 1
        assert snap.inputs["level_evidence"] == (
            f"imported from OpenAlex under the stable author id {imported.no_orcid}; the record carries no ORCID iD"
        )

    def test_co_author_stubs_are_l1_l2_or_l0_as_defined(self, imported: Corpus) -> None:
        stubs = (imported.stub_l1, imported.stub_l2, imported.stub_l0)
        stub_l1, stub_l2, stub_l0 = (Researcher.objects.get(openalex_id=k) for k in stubs)
        assert {stub_l1.record_status, stub_l2.record_status, stub_l0.record_status} == {"stub"}
        assert (stub_l1.orcid, current(imported.stub_l1).level) == ("", 1)
        assert stub_l2.orcid and current(imported.stub_l2).level == 2
        assert "on a co-authored work" in current(imported.stub_l2).inputs["level_evidence"]
        assert current(imported.stub_l0).level == 0
        # A stub has no author record: its citations are unknown (None), not zero.
        assert current(imported.stub_l1).inputs["citations"] is None
        # Stubs date from the day they were first seen in an imported work.
        assert current(imported.stub_l1).inputs["level_established_on"] == stub_l1.created_at.date().isoformat()

    def test_every_researcher_has_exactly_one_current_snapshot(self, imported: Corpus) -> None:
        researchers = Researcher.objects.count()
        assert researchers > imported.researchers_more_than
        assert TrustSnapshot.objects.filter(is_current=True).count() == researchers


@pytest.mark.usefixtures("imported")
class TestStoredSnapshots:
    def test_stored_components_sum_to_the_stored_score_and_agree_with_the_tier(self) -> None:
        snapshots = list(TrustSnapshot.objects.filter(is_current=True))
        for snap in snapshots:
            assert round(sum(c["points"] for c in snap.components), 2) == snap.score, snap.researcher_id
            assert snap.tier == trust_formula.tier_for(snap.score).value
            assert {c["name"] for c in snap.components} == {
                "identity", "works", "citations", "h_index", "recent_activity", "collaboration", "community",
                "penalties",
            }
            assert all(c["evidence"] and c["rule"] and c["label"] for c in snap.components)
        assert len({snap.score for snap in snapshots}) > 10  # the formula is not constant

    def test_a_stored_snapshot_reproduces_from_its_inputs(self, imported: Corpus) -> None:
        snap = current(imported.priem)
        again = trust_formula.compute_trust(TrustInputs.from_json(snap.inputs), snap.formula_version)
        assert (again.score, again.components_json()) == (snap.score, snap.components)
        assert snap.digest == snapshot_digest(snap.formula_version, snap.score, snap.inputs)

    def test_inputs_follow_their_definitions(self, imported: Corpus) -> None:
        priem = Researcher.objects.get(openalex_id=imported.priem)
        inputs = current(imported.priem).inputs
        works = Work.objects.filter(authorships__researcher=priem).distinct()
        assert inputs["works"] == works.count() > 0
        assert inputs["first_work_year"] == min(w.publication_year for w in works if w.publication_year)
        year = inputs["reference_year"]
        assert inputs["works_last_3_years"] == works.filter(publication_year__range=(year - 2, year)).count()
        assert inputs["citations"] == priem.cited_by_count
        assert inputs["h_index"] == priem.h_index == imported.priem_h_index
        edges = CoauthorEdge.objects.filter(researcher_a=priem).count() + CoauthorEdge.objects.filter(
            researcher_b=priem
        ).count()
        assert inputs["distinct_coauthors"] == edges > 0
        assert (inputs["followers"], inputs["claimed_coauthors"], inputs["upheld_findings"]) == (0, 0, 0)


@pytest.mark.usefixtures("imported")
class TestHistory:
    def test_recomputing_twice_changes_nothing_and_adds_no_history(self) -> None:
        before = snapshot_rows()
        first = trust_recompute()
        second = trust_recompute(researcher_ids=list(Researcher.objects.values_list("pk", flat=True)))
        assert (first.written, second.written) == (0, 0)
        assert first.researchers == second.researchers == Researcher.objects.count()
        assert snapshot_rows() == before

    def test_a_follow_changes_community_and_adds_a_history_row(self, imported: Corpus, stranger) -> None:
        priem = Researcher.objects.get(openalex_id=imported.priem)
        old = current(imported.priem)
        Follow.objects.create(user=stranger, researcher=priem)

        report = trust_recompute(researcher_ids=[priem.pk])

        assert report.written == 1
        [change] = report.changes
        assert change.reasons == ("1 new follower",) and change.before_score == old.score
        new = current(imported.priem)
        community = next(c for c in new.components if c["name"] == "community")
        assert (community["points"], community["evidence"]) == (1.51, "1 follower")  # 10 × log10(2) / 2
        assert new.score == pytest.approx(old.score + 1.51)
        old.refresh_from_db()
        assert not old.is_current  # kept as history
        history = selectors.trust_history(priem.pk)
        assert [h.delta for h in history] == ["+1.51", "new"]
        assert history[0].summary == f"+1.51 on {new.computed_at.date().isoformat()}: 1 new follower"
        # And back: unfollowing is a change too, with its own row.
        Follow.objects.filter(researcher=priem).delete()
        assert trust_recompute(researcher_ids=[priem.pk]).written == 1
        assert [h.reasons for h in selectors.trust_history(priem.pk, limit=1)] == [("1 follower fewer",)]
        assert TrustSnapshot.objects.filter(researcher=priem).count() == 3

    def test_a_hidden_work_stops_counting(self, imported: Corpus) -> None:
        priem = Researcher.objects.get(openalex_id=imported.priem)
        works_before = current(imported.priem).inputs["works"]
        work = Work.objects.filter(authorships__researcher=priem).order_by("pk")[0]
        HiddenWork.objects.create(researcher=priem, work=work, reason=HiddenWork.Reason.NOT_MINE)
        report = trust_recompute(researcher_ids=[priem.pk])
        assert report.changes[0].reasons[0] == "1 work removed"
        assert current(imported.priem).inputs["works"] == works_before - 1

    def test_a_new_formula_version_rescores_everyone_and_keeps_the_old_rows(self, monkeypatch) -> None:
        def compute_v2(inputs: TrustInputs) -> trust_formula.TrustScore:
            return dataclasses.replace(trust_formula.compute_trust_v1(inputs), formula_version="v2")

        monkeypatch.setitem(trust_formula.FORMULAS, "v2", compute_v2)
        monkeypatch.setattr(trust_formula, "VERSION", "v2")
        everyone = Researcher.objects.count()

        report = trust_recompute()

        assert report.written == everyone and report.formula_version == "v2"
        assert TrustSnapshot.objects.filter(is_current=True, formula_version="v2").count() == everyone
        assert TrustSnapshot.objects.filter(is_current=False, formula_version="v1").count() == everyone
        assert "formula v1 → v2" in report.changes[0].reasons
        assert trust_recompute().written == 0

    def test_the_new_year_moves_the_recent_activity_window(self, imported: Corpus) -> None:
        priem = Researcher.objects.get(openalex_id=imported.priem)
        year = current(imported.priem).inputs["reference_year"]
        report = trust_recompute(researcher_ids=[priem.pk], now=datetime(year + 1, 1, 1, 0, 5, tzinfo=UTC))
        assert report.written == 1
        assert current(imported.priem).inputs["reference_year"] == year + 1
        assert f"the recent-activity window moved to {year - 1}–{year + 1}" in report.changes[0].reasons


@pytest.mark.usefixtures("imported")
class TestClaims:
    def test_an_orcid_proven_claim_is_l4_and_counts_for_the_co_authors(self, imported: Corpus) -> None:
        priem = Researcher.objects.get(openalex_id=imported.priem)
        edge = CoauthorEdge.objects.filter(researcher_a=priem).first() or CoauthorEdge.objects.filter(
            researcher_b=priem
        ).first()
        coauthor_id = edge.researcher_b_id if edge.researcher_a_id == priem.pk else edge.researcher_a_id
        cast.owner(priem, method=Claim.Method.ORCID, decided_at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC))

        report = trust_recompute()

        snap = current(imported.priem)
        assert (snap.level, snap.inputs["level_established_on"]) == (4, "2026-11-20")
        assert f"signed in with ORCID iD {imported.priem_orcid}" in snap.inputs["level_evidence"]
        coauthor = TrustSnapshot.objects.get(researcher_id=coauthor_id, is_current=True)
        assert coauthor.inputs["claimed_coauthors"] == 1
        changed = {c.researcher_id: c for c in report.changes}
        assert changed[priem.pk].level_changed and changed[priem.pk].reasons[0] == "verification L2 → L4"
        assert "1 co-author claimed their profile" in changed[coauthor_id].reasons


class TestQueries:
    def test_the_set_based_gather_uses_a_fixed_number_of_queries(
        self, imported: Corpus, django_assert_num_queries, stranger
    ) -> None:
        """Whatever the number of researchers: the savepoint pair of the atomic block (inside the
        test's transaction), 2 settings/lock statements, 3 input aggregates, 4 claim-facts
        queries (claims.facts: followers among them), the current digests; and when something changed, the
        UPDATE that retires the old rows and the COPY of the new ones."""
        ids = list(Researcher.objects.order_by("pk").values_list("pk", flat=True))
        assert len(ids) > imported.researchers_more_than
        for some in (ids[:3], ids[:40], ids[:300], None):
            with django_assert_num_queries(12):
                assert trust_recompute(researcher_ids=some).written == 0
        # Changes: two more statements (retire the old rows, COPY the new), however many.
        for some in (ids[:2], ids):
            Follow.objects.bulk_create(
                [Follow(user=stranger, researcher_id=pk) for pk in some], ignore_conflicts=True
            )
            with django_assert_num_queries(14):
                assert trust_recompute(researcher_ids=some).written == len(some) - (2 if some is ids else 0)


def test_unknown_ids_and_empty_lists_write_nothing(django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        assert trust_recompute(researcher_ids=[]).researchers == 0
    assert trust_recompute(researcher_ids=[987654321]).researchers == 0
    assert not TrustSnapshot.objects.exists()


def test_the_current_marker_is_unique_per_researcher(imported: Corpus) -> None:
    """The database, not only the service, refuses a second current snapshot."""
    snap = current(imported.priem)
    snap.pk = None
    with pytest.raises(IntegrityError, match="trust_one_current"), transaction.atomic():
        snap.save()


def test_pages_read_the_current_snapshot_in_one_query(imported: Corpus, django_assert_num_queries) -> None:
    priem = Researcher.objects.get(openalex_id=imported.priem)
    with django_assert_num_queries(1):
        snap = selectors.trust_current(priem.pk)
    assert snap == current(imported.priem)
    with django_assert_num_queries(1):
        history = selectors.trust_history(priem.pk, limit=3)
    assert [h.summary for h in history] == [f"First score on {snap.computed_at.date().isoformat()}"]
    assert selectors.trust_current(987654321) is None
