"""The trust explanation at /researchers/<id>/trust/: fragment and page, ids, 404, the "no
score yet" state, escaping, recent changes, and pinned query counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from graph.trust_services import trust_recompute
from profiles.models import Follow, Researcher, ResearcherAlias
from tests import factories as f
from works.models import Authorship, Work

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NASTY = '<script>alert("x")</script> & Co'


@pytest.fixture
def ada() -> Researcher:
    """An imported record with an ORCID, 3 works (2 recent), one co-author stub."""
    ada = f.researcher(
        NASTY, openalex_id="A5000000601", orcid="0000-0002-1825-0097",
        cited_by_count=120, h_index=4, imported_at=datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
    )
    for n, year in enumerate((2015, 2025, 2026)):
        work = Work.objects.create(openalex_id=f"W60{n}", title=f"Paper {n}", publication_year=year)
        Authorship.objects.create(work=work, researcher=ada, position=0)
    return ada


def url(researcher: Researcher) -> str:
    return reverse("graph:trust_explanation", args=[researcher.openalex_id])


def test_the_url_is_named_and_placed_as_agreed() -> None:
    assert reverse("graph:trust_explanation", args=["A5023888391"]) == "/researchers/A5023888391/trust/"


def test_the_fragment_explains_the_score_to_anonymous_visitors(
    client: Client, ada: Researcher, django_assert_num_queries
) -> None:
    trust_recompute(researcher_ids=[ada.pk], now=datetime(2026, 11, 20, 10, 0, tzinfo=UTC))

    with django_assert_num_queries(2):  # the researcher, the newest snapshots
        response = client.get(url(ada), headers=HTMX)

    assert response.status_code == 200 and "HX-Request" in response["Vary"]
    html = response.content.decode()
    assert "<html" not in html and "<h1" not in html  # only the fragment
    assert "Trust 31 · Established" in html
    assert "Verification L2 · Identifier-linked" in html
    assert "The OpenAlex record carries ORCID iD 0000-0002-1825-0097, and its check digit is valid." in html
    assert 'datetime="2026-11-02"' in html  # the level's date: when the record was read
    assert "It is not</strong> an impact ranking" in html
    # The scale as DESIGN §3 states it: v1's caps sum to 90, never "from 0 to 100".
    assert "a 0–100 scale (formula v1 gives at most 90, so its scores run 0–90)" in html
    assert "from 0 to 100" not in html
    # 20 + 3.01 (3 works) + 5.21 (120 citations) + 0.5 (h 4) + 2 (2 recent works) = 30.72
    for line in ("20 of 40", "3.01 of 10", "3 works since 2015", "5.21 of 10", "120 citations (OpenAlex)",
                 "2 of 5", "2 works in 2024–2026", "no followers yet", "<td class=\"num\">30.72</td>"):
        assert line in html
    assert "5 points at 9 works, the full 10 at 99 or more (logarithmic)" in html  # the rule
    assert "Formula v1, computed on" in html and 'datetime="2026-11-20T10:00:00+0000"' in html
    assert "First score on 2026-11-20" in html


def test_a_direct_visit_gets_the_page_with_the_fragment_inside(
    client: Client, ada: Researcher, django_assert_num_queries
) -> None:
    trust_recompute(researcher_ids=[ada.pk])
    with django_assert_num_queries(2):
        response = client.get(url(ada))
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert '<div id="trust-explanation" class="trust-explanation">' in html
    assert html.count("Trust 31 · Established") == 1


def test_names_are_escaped(client: Client, ada: Researcher) -> None:
    html = client.get(url(ada)).content.decode()  # the page names the researcher; no score yet
    assert NASTY not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html


def test_no_score_yet_says_it_is_being_computed(client: Client, ada: Researcher) -> None:
    html = client.get(url(ada), headers=HTMX).content.decode()
    assert "Trust score not computed yet" in html
    assert "being computed by a background worker" in html
    assert "&lt;script&gt;" in html  # the name, escaped


def test_recent_changes_say_what_moved_the_score(client: Client, ada: Researcher, stranger, verified_user) -> None:
    trust_recompute(researcher_ids=[ada.pk], now=datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    Follow.objects.create(user=stranger, researcher=ada)
    Follow.objects.create(user=verified_user, researcher=ada)
    trust_recompute(researcher_ids=[ada.pk], now=datetime(2026, 11, 21, 10, 0, tzinfo=UTC))
    html = client.get(url(ada), headers=HTMX).content.decode()
    assert "+2.39 on 2026-11-21: 2 new followers" in html  # 10 × log10(3) / 2
    assert html.index("2026-11-21: 2 new followers") < html.index("First score on 2026-11-20")


def test_signed_in_visitors_stay_within_the_query_budget(
    client: Client, ada: Researcher, stranger, django_assert_max_num_queries
) -> None:
    trust_recompute(researcher_ids=[ada.pk])
    client.force_login(stranger)
    with django_assert_max_num_queries(6):
        assert client.get(url(ada)).status_code == 200


def test_ids_take_the_profile_forms(client: Client, ada: Researcher) -> None:
    trust_recompute(researcher_ids=[ada.pk])
    for form in ("a5000000601", "https://openalex.org/A5000000601"):
        response = client.get(f"/researchers/{form}/trust/", headers=HTMX)
        assert response.status_code == 200 and "Trust 31" in response.content.decode(), form


def test_legacy_and_merged_ids_redirect(client: Client, ada: Researcher) -> None:
    ResearcherAlias.objects.create(openalex_id="A2000000601", researcher=ada, reason=ResearcherAlias.Reason.LEGACY)
    response = client.get("/researchers/A2000000601/trust/", headers=HTMX)
    assert response.status_code == 301 and response["Location"] == "/researchers/A5000000601/trust/"


@pytest.mark.parametrize("key", ["A5999999999", "W2741809807", "nonsense"])
def test_unknown_ids_are_404(client: Client, key: str) -> None:
    assert client.get(f"/researchers/{key}/trust/", headers=HTMX).status_code == 404


def test_only_get_is_allowed(client: Client, ada: Researcher) -> None:
    assert client.post(url(ada)).status_code == 405
