"""Citation exports of a profile's works and of one work (pages/exports.py): public like the
profile, ids resolved like the profile's, hidden works left out, the works list's filter
honoured, a fixed number of queries whatever the number of works and authors, and the links
on the profile and the work page."""

from __future__ import annotations

import json
import re

import pytest
import rispy
from django.test import Client

from pages import exports
from pages.exports import listed_works
from pages.forms import WorksFilterForm
from profiles.models import Researcher, ResearcherAlias
from tests import cast
from tests import factories as f
from works import selectors as works_selectors
from works.models import Authorship, HiddenWork
from works.selectors import works_page

pytestmark = pytest.mark.django_db

RLO = "\u202e"
CONTENT_TYPES = {
    "bib": "text/x-bibtex; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
    "csl.json": "application/vnd.citationstyles.csl+json",
}


def titles(response) -> list[str]:
    """The titles of a CSL-JSON export, in order."""
    return [item["title"] for item in json.loads(response.content)]


@pytest.fixture
def lead() -> Researcher:
    who = f.researcher("Ada Lovelace", openalex_id="A5023888391")
    colleague = f.stub(f"Charles {RLO}Babbage")
    f.work([who, colleague], year=2021, title="Notes on the <b>Analytical</b> Engine & {more}", doi="10.5555/ae.1")
    f.work([who], year=2019, title="A book", type="book")
    f.work([who], year=2021, title="A second article")
    return who


@pytest.mark.parametrize("fmt", ["bib", "ris", "csl.json"])
def test_a_stranger_downloads_a_profiles_works_in_each_format(fmt: str, lead: Researcher) -> None:
    for user in (None, cast.stranger()):
        client = Client()
        if user:
            client.force_login(user)
        response = client.get(f"/researchers/{lead.openalex_id}/works.{fmt}")
        assert response.status_code == 200
        assert response["Content-Type"] == CONTENT_TYPES[fmt]
        extension = "json" if fmt == "csl.json" else fmt
        assert response["Content-Disposition"] == f'attachment; filename="A5023888391-works.{extension}"'
        body = response.content.decode()
        lead_author = {"bib": "Lovelace, Ada", "ris": "AU  - Lovelace, Ada", "csl.json": '"family": "Lovelace"'}[fmt]
        assert body.count(lead_author) == 3
        assert f"{RLO}Babbage" in body  # the override stays data


def test_the_export_lists_every_work_with_every_author_in_order(client: Client, lead: Researcher) -> None:
    response = client.get(f"/researchers/{lead.openalex_id}/works.csl.json")
    items = json.loads(response.content)
    assert len(items) == 3 and items[-1]["title"] == "A book"  # newest first
    notes = next(i for i in items if i["title"].startswith("Notes"))
    assert notes["author"] == [{"family": "Lovelace", "given": "Ada"}, {"family": f"{RLO}Babbage", "given": "Charles"}]
    assert notes["DOI"] == "10.5555/ae.1" and notes["issued"]["date-parts"][0][0] == 2021
    assert next(i for i in items if i["title"] == "A book")["type"] == "book"


def test_the_export_keeps_the_order_of_the_works_list(client: Client, lead: Researcher) -> None:
    shown = [w.title for w in works_page(lead).works]
    assert titles(client.get(f"/researchers/{lead.openalex_id}/works.csl.json")) == shown


def test_hidden_works_are_left_out_as_on_the_profile(client: Client, lead: Researcher) -> None:
    book = lead.works.get(title="A book")
    HiddenWork.objects.create(researcher=lead, work=book, reason="not_mine")
    assert "A book" not in titles(client.get(f"/researchers/{lead.openalex_id}/works.csl.json"))
    ris = rispy.loads(client.get(f"/researchers/{lead.openalex_id}/works.ris").content.decode())
    assert [entry["title"] for entry in ris] and all(entry["title"] != "A book" for entry in ris)
    assert "A book" not in client.get(f"/researchers/{lead.openalex_id}/works.bib").content.decode()


def test_the_works_list_filter_is_honoured_over_every_page(client: Client, lead: Researcher) -> None:
    url = f"/researchers/{lead.openalex_id}/works.csl.json"
    assert titles(client.get(f"{url}?type=book")) == ["A book"]
    by_year = client.get(f"{url}?year=2021&page=2")  # the page of the list does not narrow the export
    assert sorted(titles(by_year)) == ["A second article", "Notes on the <b>Analytical</b> Engine & {more}"]
    assert by_year["Content-Disposition"] == 'attachment; filename="A5023888391-works-2021.json"'
    assert titles(client.get(f"{url}?type=dataset")) == []
    # Malformed filters are dropped, as by the works list: every work.
    assert len(titles(client.get(f"{url}?year=%C2%B2&type=" + "x" * 100))) == 3


def test_the_export_and_the_list_select_the_same_works(rf, lead: Researcher) -> None:
    queries: list[dict[str, str]] = [
        {},
        {"type": "book"},
        {"year": "2021"},
        {"type": "article", "year_from": "2019", "year_to": "2020"},
        {"sort": "title"},
        {"sort": "citations", "year_from": "2021"},
    ]
    for query in queries:
        request = rf.get("/", query)
        page = works_page(lead, WorksFilterForm(request.GET).filters())
        assert [w.pk for w in listed_works(lead, request)] == [w.pk for w in page.works]


def test_a_hostile_type_makes_a_safe_filename(client: Client, lead: Researcher) -> None:
    response = client.get(f'/researchers/{lead.openalex_id}/works.bib?type="; filename=evil.exe\r\nX: 1')
    assert response.status_code == 200
    assert re.fullmatch(r'attachment; filename="[A-Za-z0-9.-]+"', response["Content-Disposition"])


def test_ids_resolve_like_the_profiles(client: Client, lead: Researcher) -> None:
    ResearcherAlias.objects.create(openalex_id="A2208157607", researcher=lead, reason="legacy")
    for fmt in ("bib", "ris", "csl.json"):
        moved = client.get(f"/researchers/A2208157607/works.{fmt}?type=book")
        assert moved.status_code == 301
        assert moved["Location"] == f"/researchers/{lead.openalex_id}/works.{fmt}?type=book"
    assert client.get("/researchers/A5999999999/works.bib").status_code == 404
    assert client.get("/researchers/not-an-id/works.ris").status_code == 404
    gone = f.researcher("Deleted Author", record_status="deleted")
    assert client.get(f"/researchers/{gone.openalex_id}/works.csl.json").status_code == 410
    assert client.post(f"/researchers/{lead.openalex_id}/works.bib").status_code == 405


def test_a_profile_export_takes_two_queries_whatever_its_size(client: Client, django_assert_num_queries) -> None:
    lead = f.researcher("Many Works")
    people = [f.stub(f"Coauthor {i}") for i in range(5)]
    for n in range(30):
        f.work([lead, *people[: n % 5]], year=2000 + n % 20)
    with django_assert_num_queries(2):  # the researcher; the works with their authors
        response = client.get(f"/researchers/{lead.openalex_id}/works.bib")
    assert response.content.decode().count("@article{") == 30


def test_a_single_work_exports_in_each_format(client: Client, django_assert_num_queries) -> None:
    authors = Researcher.objects.bulk_create(
        Researcher(openalex_id=f"A97{i:08d}", display_name=f"Author {i}", search_name=f"author {i}") for i in range(500)
    )
    work = f.work([], title='500 authors: "quotes", \\backslash, 100%', source=f.source("Physics Letters B"))
    Authorship.objects.bulk_create(
        Authorship(work=work, position=i, researcher=r, raw_author_name=r.display_name) for i, r in enumerate(authors)
    )
    for fmt in ("bib", "ris", "csl.json"):
        with django_assert_num_queries(1):  # the work with its authors
            response = client.get(f"/works/{work.openalex_id}/export.{fmt}")
        assert response.status_code == 200 and response["Content-Type"] == CONTENT_TYPES[fmt]
        extension = "json" if fmt == "csl.json" else fmt
        assert response["Content-Disposition"] == f'attachment; filename="{work.openalex_id}.{extension}"'
    [entry] = rispy.loads(client.get(f"/works/{work.openalex_id}/export.ris").content.decode())
    assert entry["authors"] == [f"{i}, Author" for i in range(500)]
    assert entry["secondary_title"] == "Physics Letters B" and entry["title"] == work.title
    assert client.get("/works/W5999999999/export.bib").status_code == 404
    assert client.get("/works/A5023888391/export.bib").status_code == 404


def test_the_profile_and_the_work_page_link_the_exports(client: Client, lead: Researcher) -> None:
    html = client.get(f"/researchers/{lead.openalex_id}/").content.decode()
    for fmt, label in (("bib", "BibTeX"), ("ris", "RIS"), ("csl.json", "CSL-JSON")):
        assert re.search(rf'<a href="/researchers/{lead.openalex_id}/works\.{re.escape(fmt)}"[^>]*>{label}</a>', html)
    filtered = client.get(f"/researchers/{lead.openalex_id}/?type=book&page=1", headers={"HX-Request": "true"})
    assert f'href="/researchers/{lead.openalex_id}/works.bib?type=book"' in filtered.content.decode()
    work = lead.works.get(title="A book")
    page = client.get(f"/works/{work.openalex_id}/").content.decode()
    for fmt, label in (("bib", "BibTeX"), ("ris", "RIS"), ("csl.json", "CSL-JSON")):
        assert re.search(rf'<a href="/works/{work.openalex_id}/export\.{re.escape(fmt)}"[^>]*>{label}</a>', page)


def test_authors_are_named_as_the_site_names_them(client: Client) -> None:
    owner = f.researcher("Display Name", preferred_name="Preferred Name")
    work = f.work([owner], title="Named work")
    Authorship.objects.create(work=work, position=1, researcher=None, raw_author_name="Unlinked Author")
    Authorship.objects.create(work=work, position=2, researcher=None, raw_author_name="")
    alone = f.work([], title="Nobody's")
    [item] = json.loads(client.get(f"/works/{work.openalex_id}/export.csl.json").content)
    assert item["author"] == [
        {"family": "Name", "given": "Preferred"},
        {"family": "Author", "given": "Unlinked"},
    ]  # a nameless author is left out
    [bare] = json.loads(client.get(f"/works/{alone.openalex_id}/export.csl.json").content)
    assert "author" not in bare and bare["title"] == "Nobody's"


def test_an_export_holds_at_most_the_first_works_and_says_so(client: Client, lead: Researcher, monkeypatch) -> None:
    monkeypatch.setattr(exports, "EXPORT_WORKS_MAX", 2)
    monkeypatch.setattr(works_selectors, "EXPORT_WORKS_MAX", 2)
    profile = client.get(f"/researchers/{lead.openalex_id}/").content.decode()
    assert "Export the first 2 of these works" in profile and "Export all works" not in profile
    response = client.get(f"/researchers/{lead.openalex_id}/works.csl.json")
    assert titles(response) == [w.title for w in works_page(lead).works][:2]
    assert "first 2 works" in response["X-Works-Truncated"]
    whole = client.get(f"/researchers/{lead.openalex_id}/works.csl.json?type=book")
    assert titles(whole) == ["A book"] and "X-Works-Truncated" not in whole
