"""The public researcher profile: sections, ids, query budget, escaping, stubs and tombstones."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.conf import settings
from django.test import Client

from profiles.models import Follow, ResearcherAlias
from tests import factories as f

pytestmark = pytest.mark.django_db

SEED_ORDER = [
    "Researcher profile",
    "Trust snapshot",
    "Quick read",
    "Actions",
    "Decide how to stay connected",
    "Follow researcher",
    "Identity and collaboration",
    "How to connect with this researcher",
    "Claiming links this public author record to a researcher profile and unlocks direct collaboration workflows.",
    "Log in to claim",
    "Direct collaboration",
    "Open a focused conversation when the fit is right",
    "Claim this author entity first to unlock direct invitations.",
    "Research graph",
    "See the researcher in context",
    "Open full explorer",
    "Inspect adjacent work, topics, institutions and collaborators without jumping out to a separate graph page.",
    "Building this graph slice",
    "BZPEER is loading the nearby papers, people, topics and institutions for this page.",
    "Published work",
]


def text_of(html: str) -> str:
    """The visible text, tags removed and whitespace collapsed (scripts and styles dropped)."""
    html = re.sub(r"<(script|style|title)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_profile_shows_every_seed_section_in_order(client: Client) -> None:
    lead = f.researcher("Jan Leike", generated_bio="Works mainly on AI Safety and Alignment.")
    partner = f.researcher("Partner One")
    for year in (2022, 2026):
        f.work([lead, partner], year=year, type="preprint", title=f"Paper of {year}", abstract="An abstract.")
    f.edges()
    f.snapshot(lead, score=21.0)
    html = client.get(f"/researchers/{lead.openalex_id}/").content.decode()
    text = text_of(html)
    positions = [text.find(phrase) for phrase in SEED_ORDER]
    assert -1 not in positions, [p for p, at in zip(SEED_ORDER, positions, strict=True) if at == -1]
    assert positions == sorted(positions)
    assert "Jan Leike" in text and "Works mainly on AI Safety and Alignment." in text
    assert "Generated from the OpenAlex record" in text
    assert "Affiliation not imported" in text and "Open to collaborate" not in text
    assert "Trust 21 · Emerging" in text and "Verification L1" in text and "Unclaimed author" in text
    assert "2 works" in text and "0 followers" in text and "0 topics" in text
    assert "2 published item(s)" in text
    # Newest first: type, year and venue above the title, then the abstract.
    assert text.index("Paper of 2026") < text.index("Paper of 2022")
    assert "preprint 2026" in text


def test_an_owner_bio_and_preferred_name_replace_the_generated_ones(client: Client) -> None:
    lead = f.researcher(
        "J. Leike",
        preferred_name="Jan Leike",
        owner_bio="I study alignment.",
        generated_bio="Works mainly on X.",
        open_to_collaborate=True,
    )
    text = text_of(client.get(f"/researchers/{lead.openalex_id}/").content.decode())
    assert "Jan Leike" in text and "I study alignment." in text
    assert "Works mainly on X." not in text and "Generated from the OpenAlex record" not in text
    assert "Open to collaborate" in text


def test_a_researcher_without_a_snapshot_says_the_score_is_being_computed(client: Client) -> None:
    lead = f.researcher()
    text = text_of(client.get(f"/researchers/{lead.openalex_id}/").content.decode())
    assert "Trust score being computed" in text and "Trust 0" not in text


def test_the_record_details_beyond_the_seed(client: Client) -> None:
    lead = f.big_profile(works=3, coauthors=2)
    html = client.get(f"/researchers/{lead.openalex_id}/").content.decode()
    text = text_of(html)
    assert 'href="https://orcid.org/0000-0002-1825-0097"' in html
    assert "h-index (OpenAlex) 12" in text and "i10-index (OpenAlex) 14" in text
    assert "<svg" in html and "Citations per year" in text and "<table>" in html  # chart + table alternative
    assert "Topic 0 10 works" in text
    assert "Institute 0 Current 2015–2016" in text and "Source: OpenAlex author affiliations (with years)" in text
    assert 'href="https://doi.org/10.5555/x0"' in html
    assert "Institute 0" in text.split("Trust snapshot")[0]  # the current affiliation in the header


def test_an_orcid_with_a_wrong_check_digit_is_not_linked(client: Client) -> None:
    lead = f.researcher(orcid="0000-0002-1825-0098")
    html = client.get(f"/researchers/{lead.openalex_id}/").content.decode()
    assert "orcid.org" not in html


def test_long_abstracts_are_marked_for_collapsing_and_short_ones_are_not(client: Client) -> None:
    lead = f.researcher()
    f.work([lead], title="Long", abstract="word " * 200)
    f.work([lead], title="Short", abstract="A short abstract.")
    html = client.get(f"/researchers/{lead.openalex_id}/").content.decode()
    assert html.count("data-clamp") == 1  # clamped to three lines with "more" (static/js/profile.js)
    assert '<p class="abstract"><bdi>A short abstract.</bdi></p>' in html


@pytest.mark.parametrize(
    "path",
    [
        "/researchers/{id}/",
        "/researchers/{lower}/",
        "/researchers/https%3A%2F%2Fopenalex.org%2F{id}/",
        "/researchers/https://openalex.org/{id}/",
    ],
)
def test_every_id_form_shows_the_profile(client: Client, path: str) -> None:
    lead = f.researcher("Ada Example", openalex_id="A5023888391")
    response = client.get(path.format(id=lead.openalex_id, lower=lead.openalex_id.lower()))
    assert response.status_code == 200
    # SITE_URL, never the request's host (pages.page_cache serves the page to everyone).
    assert f'<link rel="canonical" href="{settings.SITE_URL}/researchers/A5023888391/">' in response.content.decode()


def test_legacy_and_merged_ids_redirect_permanently(client: Client) -> None:
    lead = f.researcher()
    ResearcherAlias.objects.create(openalex_id="A2208157607", researcher=lead, reason="legacy")
    ResearcherAlias.objects.create(openalex_id="A5000000009", researcher=lead, reason="merged")
    for old in ("A2208157607", "https://openalex.org/A5000000009"):
        response = client.get(f"/researchers/{old}/?page=2")
        assert response.status_code == 301
        assert response["Location"] == f"/researchers/{lead.openalex_id}/?page=2"


def test_an_unknown_id_is_a_helpful_404(client: Client, staff) -> None:
    response = client.get("/researchers/A5999999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "No researcher A5999999999 here yet" in html and 'href="https://openalex.org/A5999999999"' in html
    assert "Import this researcher" not in html
    client.force_login(staff)
    html = client.get("/researchers/A5999999999/").content.decode()
    assert 'action="/imports/"' in html and 'name="query" value="A5999999999"' in html
    assert "csrfmiddlewaretoken" in html


def test_a_non_author_id_points_to_its_own_page(client: Client) -> None:
    response = client.get("/researchers/W2741809807/")
    assert response.status_code == 404
    assert 'href="/works/W2741809807/"' in response.content.decode()
    assert client.get("/researchers/not-an-id/").status_code == 404


def test_a_deleted_record_is_gone(client: Client) -> None:
    gone = f.researcher("Deleted Author", record_status="deleted")
    response = client.get(f"/researchers/{gone.openalex_id}/")
    assert response.status_code == 410
    assert "OpenAlex deleted this author record" in response.content.decode()


def test_a_stub_gets_a_lighter_page_with_an_import_action_for_staff(client: Client, staff) -> None:
    lead = f.researcher("Lead Author")
    co = f.stub("Stubby Coauthor")
    f.work([lead, co], title="Shared paper")
    html = client.get(f"/researchers/{co.openalex_id}/").content.decode()
    assert "known only as a co-author" in html and "Shared paper" in html
    assert "1 published item(s)" in html and "Import this researcher" not in html
    assert "Quick read" not in html
    client.force_login(staff)
    html = client.get(f"/researchers/{co.openalex_id}/").content.decode()
    assert 'name="query" value="' + co.openalex_id + '"' in html


def test_title_meta_description_and_person_jsonld(client: Client) -> None:
    lead = f.big_profile(works=2, coauthors=2)
    html = client.get(f"/researchers/{lead.openalex_id}/").content.decode()
    assert "<title>Prolific Person · Researcher profile · BZPEER</title>" in html
    description = re.search(r'<meta name="description" content="([^"]*)">', html)
    assert description and description.group(1).startswith("Prolific Person: Works mainly on Examples.")
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "Person" and data["name"] == "Prolific Person"
    assert "https://orcid.org/0000-0002-1825-0097" in data["sameAs"]
    assert data["affiliation"] == [{"@type": "Organization", "name": "Institute 0"}]


HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def test_strings_from_openalex_and_owners_are_escaped(client: Client) -> None:
    lead = f.researcher(HOSTILE, generated_bio=HOSTILE, owner_bio="", display_name_alternatives=[HOSTILE + "</script>"])
    co = f.researcher("Co " + HOSTILE)
    venue = f.source(HOSTILE)
    for _ in range(2):
        f.work([lead, co], title=HOSTILE, abstract=HOSTILE * 30, source=venue, doi='10.5555/"><script>')
    f.give_topic(lead, f.topic(HOSTILE), rank=1)
    f.affiliate(lead, f.institution(HOSTILE), [2024], current=True)
    f.edges()
    pages = [
        client.get(f"/researchers/{lead.openalex_id}/"),
        client.get(f"/researchers/{lead.openalex_id}/", HTTP_HX_REQUEST="true"),
        client.get(f"/researchers/{lead.openalex_id}/graph-slice/"),
        client.get(f"/researchers/{lead.openalex_id}/graph/"),
        client.get("/", {"q": "alert"}),
    ]
    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert "<script>alert" not in html and "<img src=x" not in html
    html = pages[0].content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    # The JSON-LD stays inside its script element and still parses to the original strings.
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in ld and json.loads(ld)["name"] == HOSTILE
    assert html.count("</script>") == html.count("<script")


def test_the_works_list_pages_and_filters_and_answers_htmx_with_the_fragment(client: Client) -> None:
    lead = f.researcher()
    for i in range(25):
        f.work([lead], year=2000 + i, type="article" if i % 5 else "dataset", title=f"Item {2000 + i}")
    page1 = text_of(client.get(f"/researchers/{lead.openalex_id}/").content.decode())
    assert "Showing 1–20 of 25" in page1 and "Item 2024" in page1 and "Item 2004" not in page1
    response = client.get(f"/researchers/{lead.openalex_id}/", {"page": 2}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and response["Vary"].count("HX-Request") == 1
    assert "<html" not in html and html.lstrip().startswith('<div id="works-list"')
    assert "Showing 21–25 of 25" in text_of(html) and "Item 2004" in html and "Item 2024" not in html
    assert f'data-hx-get="/researchers/{lead.openalex_id}/?page=1"' in html
    filtered = text_of(client.get(f"/researchers/{lead.openalex_id}/", {"type": "dataset"}).content.decode())
    assert "Showing 1–5 of 5 matching" in filtered and "25 published item(s)" in filtered
    by_year = text_of(client.get(f"/researchers/{lead.openalex_id}/", {"year": 2003}).content.decode())
    assert "Showing 1–1 of 1 matching" in by_year and "Item 2003" in by_year
    junk = client.get(f"/researchers/{lead.openalex_id}/", {"page": "x", "year": "zz"})
    assert junk.status_code == 200 and "Showing 1–20 of 25" in text_of(junk.content.decode())
    past_end = text_of(client.get(f"/researchers/{lead.openalex_id}/", {"page": 99}).content.decode())
    assert "There is no page 99: these works fill 2 pages. Go to the first page" in past_end
    assert "Item 20" not in past_end


def test_a_history_restore_gets_the_full_page(client: Client) -> None:
    lead = f.researcher()
    response = client.get(
        f"/researchers/{lead.openalex_id}/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()


def test_close_collaborators_count_follows_design_section_6(client: Client) -> None:
    lead = f.researcher()
    strong = [f.researcher(f"Strong {i}") for i in range(3)]
    weak = [f.researcher(f"Weak {i}") for i in range(4)]
    for person in strong:
        f.work([lead, person])
        f.work([lead, person])
    f.work([lead, *weak])
    f.edges()
    text = text_of(client.get(f"/researchers/{lead.openalex_id}/").content.decode())
    assert "3 close collaborators" in text
    # Fewer than two co-authors with 2+ shared works: the top co-authors by shared works (up to 5).
    other = f.researcher()
    f.work([other, strong[0]])
    f.work([other, strong[0]])
    f.work([other, *weak])
    f.edges()
    text = text_of(client.get(f"/researchers/{other.openalex_id}/").content.decode())
    assert "5 close collaborators" in text


# --- Query budget ---------------------------------------------------------------------------


def test_the_profile_runs_a_fixed_number_of_queries(client: Client, stranger, django_assert_num_queries) -> None:
    small = f.big_profile(works=2, coauthors=2)
    big = f.big_profile(works=60, coauthors=40)
    Follow.objects.create(user=stranger, researcher=big)
    f.snapshot(small)
    f.snapshot(big)
    for lead in (small, big):
        # page-cache stamp (a miss), researcher (+ counts), trust snapshot, affiliations, topics,
        # works facets, works page, 2 for the works' authors
        with django_assert_num_queries(9):
            response = client.get(f"/researchers/{lead.openalex_id}/")
        assert response.status_code == 200
    client.force_login(stranger)
    for lead in (small, big):
        # The pages the anonymous visits stored (was 11, a full render): the session with its
        # user (core.sessions), and the stamp with the viewer parts' reads in one query
        # (pages.selectors.profile_viewer).
        with django_assert_num_queries(2):
            client.get(f"/researchers/{lead.openalex_id}/")
    text = text_of(client.get(f"/researchers/{big.openalex_id}/").content.decode())
    assert "60 works" in text and "1 follower" in text and "40 close collaborators" in text and "✓ Following" in text


def test_the_works_fragment_runs_5_queries(client: Client, django_assert_num_queries) -> None:
    big = f.big_profile(works=60, coauthors=10)
    with django_assert_num_queries(5):  # researcher, facets, page, 2 for the authors
        response = client.get(f"/researchers/{big.openalex_id}/", {"page": 3}, HTTP_HX_REQUEST="true")
    assert "Showing 41–60 of 60" in text_of(response.content.decode())


def test_a_stub_page_runs_a_fixed_number_of_queries(client: Client, django_assert_num_queries) -> None:
    lead = f.researcher()
    co = f.stub("Stub Person")
    for _ in range(30):
        f.work([lead, co])
    with django_assert_num_queries(6):  # page-cache stamp (a miss), researcher, facets, page, authors (2)
        assert client.get(f"/researchers/{co.openalex_id}/").status_code == 200
