"""What `make demo` (scripts/demo.py) gives the stranger who runs it: one host everywhere,
a profile to start from, merged ids that redirect, the demo notice and featured researchers."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from profiles.models import ResearcherAlias
from tests import factories as f

REPO = Path(__file__).resolve().parents[2]


def load_demo() -> Any:
    spec = importlib.util.spec_from_file_location("demo_script", REPO / "scripts" / "demo.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_site_url_is_the_url_the_banner_prints_whatever_the_environment_says(monkeypatch) -> None:
    demo = load_demo()
    monkeypatch.setenv("SITE_URL", "http://localhost:8000")  # what sent visitors to another host
    base = "http://127.0.0.1:8001"
    settings = demo.web_settings(base, featured=["A5990000001", "A5990000002"])
    assert settings["SITE_URL"] == base
    assert settings["DEMO_MODE"] == "1" and settings["FEATURED_RESEARCHERS"] == "A5990000001,A5990000002"
    assert demo.web_settings(base, featured=None)["DEMO_MODE"] == "0"  # --no-import: no demo data
    banner = demo.banner_text(base, "http://127.0.0.1:8765", "A5990000001", False)
    assert f"{base}/researchers/A5990000001/" in banner and f"BZPEER demo:   {base}/" in banner
    assert "localhost" not in banner


def test_the_seed_researcher_is_the_first_demo_author() -> None:
    demo = load_demo()
    assert demo.Demo.demo_authors(None)[0] == "A5990000001"  # Jan Leike, the seed page's record
    assert demo.DEMO_MERGED_IDS.is_dir()


@pytest.mark.django_db
def test_the_demo_merged_ids_file_makes_merged_ids_redirect(client: Client) -> None:
    demo = load_demo()
    survivor = f.researcher("Survivor", openalex_id="A5990000014")
    f.researcher("Other survivor", openalex_id="A5990000024")
    assert client.get("/researchers/A4990000001/").status_code == 404
    with open(os.devnull, "w") as quiet:
        call_command("import_openalex", str(demo.DEMO_MERGED_IDS), stdout=quiet)
    response = client.get("/researchers/A4990000001/")
    assert response.status_code == 301 and response["Location"] == "/researchers/A5990000014/"
    assert ResearcherAlias.objects.get(openalex_id="A4990000001").researcher == survivor


@pytest.mark.django_db
def test_demo_mode_puts_a_notice_on_every_page(client: Client, settings) -> None:
    record = f.researcher("Noted Person")
    for url in ("/", f"/researchers/{record.openalex_id}/", "/accounts/login/"):
        assert "Demo data." not in client.get(url).content.decode(), url
    settings.DEMO_MODE = True
    settings.PAGE_CACHE_SECONDS = 0
    for url in ("/", f"/researchers/{record.openalex_id}/", "/accounts/login/"):
        html = client.get(url).content.decode()
        assert 'class="muted small demo-notice" role="note"><strong>Demo data.</strong>' in html, url


@pytest.mark.django_db
def test_featured_researchers_lead_the_home_page_in_their_order(client: Client, settings) -> None:
    seed = f.researcher("Seed Person", openalex_id="A5990000001", imported_at=None)
    second = f.researcher("Second Person", openalex_id="A5990000002")
    for n in range(12):  # newer imports that push the seed off "Recently imported"
        f.researcher(f"Newer {n}")
    assert "Researchers on BZPEER" not in client.get("/").content.decode()
    settings.FEATURED_RESEARCHERS = [second.openalex_id, "A5990009999", seed.openalex_id]
    html = client.get("/").content.decode()
    featured = html.split("Researchers on BZPEER")[1].split("Recently imported profiles")[0]
    assert featured.index("Second Person") < featured.index("Seed Person")
    assert f'href="/researchers/{seed.openalex_id}/"' in featured


def test_the_readme_names_the_python_it_needs_up_front() -> None:
    readme = (REPO / "README.md").read_text()
    opening = readme.split("```", 1)[0]  # before the first command
    assert "Python 3.11" in opening
    assert 'requires-python = ">=3.11,<3.12"' in (REPO / "pyproject.toml").read_text()
