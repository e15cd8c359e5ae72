"""scripts/bench/bench_web.py's run_code: the one way the benchmarks run code in the project.

The benchmarks used to parse the last line of ``manage.py shell -c``'s output, which broke when
Django 5.2's shell started printing "N objects imported automatically" before it. run_code hands
the value over in a file of its own, so whatever the code, Django or a library prints cannot
change it. Real PostgreSQL: the child process reads the test database at the URL it is given.
"""

from __future__ import annotations

import json

import pytest

from scripts.bench import bench_export, bench_search, bench_web
from tests import factories
from tests.database import database_url

# Prints what used to break the parse (Django 5.2's shell banner, a line that looks like a
# figure, JSON that is not the result) on stdout and stderr, then leaves its value in ``result``.
NOISY = """
import sys
from django.conf import settings
from profiles.models import Researcher
print("7 objects imported automatically (use -v 2 for details).")
print('{"bytes": 1, "queries": 99}')
print("error: 42", file=sys.stderr)
researcher = Researcher.objects.get(openalex_id="A5000000777")
result = {
    "name": researcher.display_name,
    "debug": settings.DEBUG,
    "numbers": [0, -1, 2.5, 1e-7, 10**18],
    "nothing": None,
    "text": "Zoë «quoted» \\n second line",
}
print(12345)
"""


@pytest.mark.django_db(transaction=True)
def test_run_code_returns_the_result_exactly_whatever_the_code_prints(capfd: pytest.CaptureFixture[str]) -> None:
    factories.researcher("Grace Benchmark", openalex_id="A5000000777")  # committed: the child reads it

    value = bench_web.run_code(database_url(), NOISY)

    assert value == {
        "name": "Grace Benchmark",
        "debug": False,  # production settings, as the benchmarks measure
        "numbers": [0, -1, 2.5, 1e-7, 10**18],
        "nothing": None,
        "text": "Zoë «quoted» \n second line",
    }
    out, err = capfd.readouterr()  # what the code printed went through unchanged, and only there
    assert out.splitlines() == [
        "7 objects imported automatically (use -v 2 for details).",
        '{"bytes": 1, "queries": 99}',
        "12345",
    ]
    assert "error: 42" in err.splitlines()


@pytest.mark.django_db(transaction=True)
def test_run_code_gives_none_without_a_result_and_stops_when_the_code_fails(
    capfd: pytest.CaptureFixture[str],
) -> None:
    assert bench_web.run_code(database_url(), "print('no result here')") is None

    with pytest.raises(SystemExit, match="benchmark code failed"):
        bench_web.run_code(database_url(), "result = 1\nraise RuntimeError('broken on purpose')")
    assert "RuntimeError: broken on purpose" in capfd.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_run_code_passes_extra_settings_to_the_child() -> None:
    code = "from django.conf import settings\nresult = settings.CACHES['default']['KEY_PREFIX']"
    assert bench_web.run_code(database_url(), code, CACHE_KEY_PREFIX="bench-elsewhere") == "bench-elsewhere"


@pytest.mark.django_db(transaction=True)
def test_bench_search_measure_runs_its_mix_in_the_child_and_returns_timings_by_kind() -> None:
    """The query mix travels inside the code (quotes, accents and all) and comes back as
    timings per kind, one per query and pass."""
    factories.researcher('Zoë O\'Brien-"Quoted"')
    mix = [
        ["names", 'Zoë O\'Brien-"Quoted"', ""],
        ["typos", "Zeo O'Brien", ""],
        ["dois", "10.1234/ABC.5", ""],
        ["filters", "", "FR"],
    ]
    code = bench_search.MEASURE.format(mix=json.dumps(mix), repeat=2)

    times = bench_web.run_code(database_url(), code)

    assert sorted(times) == ["dois", "filters", "names", "typos"]
    assert all(len(values) == 2 and all(ms >= 0 for ms in values) for values in times.values())


@pytest.mark.django_db(transaction=True)
def test_bench_export_measure_exports_the_profile_in_every_format_in_the_child() -> None:
    who = factories.researcher("Export Person", works_count=3)
    for n in range(3):
        factories.work([who], title=f"Exported work {n}")
    code = bench_export.MEASURE.format(works=3, runs=1, formats=repr(bench_export.FORMATS))

    measured = bench_web.run_code(database_url(), code)

    assert measured["researcher"] == who.openalex_id
    assert measured["works"] == 3 and measured["authorships"] == 3
    assert sorted(measured["formats"]) == sorted(bench_export.FORMATS)
    for fmt, result in measured["formats"].items():
        assert result["status"] == 200, fmt
        assert result["url"] == f"/researchers/{who.openalex_id}/works.{fmt}"
        assert result["bytes"] > 0 and result["queries"] > 0
