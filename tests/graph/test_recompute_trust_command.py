"""manage.py recompute_trust [--all | <openalex-id>...]: the same service, and what changed."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from graph.models import TrustSnapshot
from profiles.models import Follow, Researcher, ResearcherAlias
from tests import factories as f

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("recompute_trust", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def people() -> list[Researcher]:
    return [f.researcher(f"Person {n}", openalex_id=f"A500000070{n}", imported_at=None) for n in range(3)]


def test_all_scores_everyone_then_reports_nothing_changed(people: list[Researcher]) -> None:
    first = run("--all")
    assert "for 3 researcher(s)" in first and "3 changed, 0 unchanged" in first
    assert "A5000000700: 10 (first score)" in first
    assert TrustSnapshot.objects.filter(is_current=True).count() == 3

    again = run("--all")
    assert "0 changed, 3 unchanged" in again and "A500000070" not in again
    assert TrustSnapshot.objects.count() == 3


def test_ids_in_any_form_including_aliases(people: list[Researcher], stranger) -> None:
    run("--all")
    ResearcherAlias.objects.create(openalex_id="A2000000701", researcher=people[1], reason="merged")
    Follow.objects.create(user=stranger, researcher=people[0])
    Follow.objects.create(user=stranger, researcher=people[1])
    out = run("https://openalex.org/A5000000700", "A2000000701", "a5000000702")
    assert "for 3 researcher(s)" in out and "2 changed, 1 unchanged" in out
    assert "A5000000700: 10 → 11.51 (+1.51): 1 new follower" in out
    assert "A5000000701: 10 → 11.51 (+1.51): 1 new follower" in out


def test_long_lists_are_cut_unless_verbose(people: list[Researcher]) -> None:
    out = run("--all", "--show", "1")
    assert out.count("(first score)") == 1 and "... and 2 more (-v 2 lists all)" in out
    TrustSnapshot.objects.all().delete()
    assert run("--all", "--show", "1", "-v", "2").count("(first score)") == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give --all or one or more OpenAlex author ids"),
        (("--all", "A5000000700"), "give --all or one or more OpenAlex author ids"),
        (("W2741809807",), "not an OpenAlex author id: W2741809807"),
        (("A5999999999",), "no researcher with OpenAlex id A5999999999"),
    ],
)
def test_bad_arguments_are_refused(people: list[Researcher], args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not TrustSnapshot.objects.exists()
