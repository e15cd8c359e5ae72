"""Hostile records cannot poison anything (issue 11, item 1): every number is bounded to the
column it lands in and refused by field, over-long text is cut with a note, and no record
stops an import run or leaves its job running. Our own OpenAlex-shaped records throughout,
through the parser, the real file import and the API import (the fake OpenAlex server)."""

from __future__ import annotations

import contextlib
import copy
import gzip
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from openalex_fake import OpenAlexFakeServer
from profiles.models import Institution, Researcher, Topic
from tests import openalex_records as oa
from works import file_import
from works.models import Authorship, ImportJob, Work
from works.openalex_parser import AuthorRecord, MalformedRecord, WorkRecord, parse_entity

pytestmark = pytest.mark.django_db

NAN, INF = float("nan"), float("inf")
INT4_TOO_LARGE = 2**31
PLACE = oa.institution("I700", "Hostile University")
TOPIC = oa.topic("T700", "Hostile Studies")


def author_record(**changes: Any) -> dict[str, Any]:
    return {**oa.author("A5000000700", "Ann Hostile", institutions=[PLACE], topics=[TOPIC]), **changes}


def work_record(key: str = "W700", **changes: Any) -> dict[str, Any]:
    authorships = [oa.authorship("A5000000700", "Ann Hostile", institutions=[PLACE])]
    return {**oa.work(key, "A work", authorships, topics=[TOPIC]), **changes}


def setter(*path: Any, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set ``record[path[0]][path[1]]... = value``."""

    def apply(record: dict[str, Any]) -> None:
        target = record
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return apply


# (what is changed, the field the refusal must name)
HOSTILE_AUTHOR_NUMBERS: list[tuple[Callable[[dict[str, Any]], None], str]] = [
    (setter("cited_by_count", value=-5), "cited_by_count must be between 0 and 2,147,483,647, got -5"),
    (setter("cited_by_count", value="-5"), "cited_by_count must be between 0 and 2,147,483,647, got -5"),
    (setter("works_count", value=INT4_TOO_LARGE), "works_count must be between 0 and 2,147,483,647"),
    (setter("works_count", value=1e20), "works_count must be between 0 and 2,147,483,647"),
    (setter("works_count", value="9" * 5000), "works_count must be a whole number, got '99999"),
    (setter("works_count", value="99999999999"), "works_count must be between 0 and 2,147,483,647"),
    (setter("works_count", value=True), "works_count must be a number, got True"),
    (setter("summary_stats", "h_index", value=-3), "summary_stats.h_index must be between 0 and 2,147,483,647"),
    (setter("summary_stats", "i10_index", value=INT4_TOO_LARGE), "summary_stats.i10_index must be between"),
    (setter("summary_stats", "2yr_mean_citedness", value=NAN), "summary_stats.2yr_mean_citedness must be a finite"),
    (setter("summary_stats", "2yr_mean_citedness", value=-INF), "summary_stats.2yr_mean_citedness must be a finite"),
    (setter("summary_stats", "2yr_mean_citedness", value="1e999"), "summary_stats.2yr_mean_citedness must be a fin"),
    (setter("summary_stats", "2yr_mean_citedness", value=10**400), "summary_stats.2yr_mean_citedness must be a num"),
    (setter("counts_by_year", 0, "year", value=40000), "counts_by_year.year must be between -32,768 and 32,767"),
    (setter("counts_by_year", 0, "cited_by_count", value=-1), "counts_by_year.cited_by_count must be between 0"),
    (setter("counts_by_year", 0, "works_count", value=INT4_TOO_LARGE), "counts_by_year.works_count must be between"),
    (setter("affiliations", 0, "years", value=[2024, 99999]), "affiliations.years must be between -32,768 and 32"),
    (setter("topics", 0, "count", value=-2), "topics.count must be between 0 and 2,147,483,647, got -2"),
    (setter("topics", 0, "level", value=70000), "level must be between 0 and 32,767, got 70000"),
    (setter("topic_share", 0, "value", value=NAN), "topic_share.value must be a finite number"),
    (setter("id", value="https://openalex.org/A" + "5" * 20), "not an OpenAlex id (longer than 16 characters)"),
]

HOSTILE_WORK_NUMBERS: list[tuple[Callable[[dict[str, Any]], None], str]] = [
    (setter("cited_by_count", value=-1), "cited_by_count must be between 0 and 2,147,483,647, got -1"),
    (setter("cited_by_count", value=3_000_000_000), "cited_by_count must be between 0 and 2,147,483,647"),
    (setter("cited_by_count", value=10**20), "cited_by_count must be between 0 and 2,147,483,647"),
    (setter("cited_by_count", value=False), "cited_by_count must be a number, got False"),
    (setter("publication_year", value=40000), "publication_year must be between -32,768 and 32,767, got 40000"),
    (setter("publication_year", value=-40000), "publication_year must be between -32,768 and 32,767"),
    (setter("publication_year", value=INF), "publication_year must be a whole number, got inf"),
    (setter("referenced_works_count", value=-7), "referenced_works_count must be between 0 and 2,147,483,647"),
    (setter("counts_by_year", 0, "year", value="2024x"), "counts_by_year.year must be a whole number"),
    (setter("counts_by_year", 0, "cited_by_count", value=-3), "counts_by_year.cited_by_count must be between 0"),
    (setter("topics", 0, "score", value=NAN), "topics.score must be a finite number"),
    (setter("topics", 0, "score", value="inf"), "topics.score must be a finite number"),
    (setter("referenced_works", value=["https://openalex.org/W" + "1" * 20]), "longer than 16 characters"),
    (
        setter("authorships", value=[{"author": {"id": None, "display_name": "N"}}] * 32_769),
        "authorships: author position must be between 0 and 32,767, got 32768",
    ),
]


def refusals_missing(record: dict[str, Any], cases: list[tuple[Callable[[dict[str, Any]], None], str]]) -> list[str]:
    """The cases whose hostile value was not refused with a reason naming the field."""
    missing = []
    for mutate, reason in cases:
        hostile = copy.deepcopy(record)
        mutate(hostile)
        try:
            parse_entity(hostile)
        except MalformedRecord as exc:
            if reason not in exc.reason:
                missing.append(f"{reason!r}: refused as {exc.reason!r}")
            continue
        except Exception as exc:  # noqa: BLE001 -- anything but MalformedRecord stops an import run
            missing.append(f"{reason!r}: raised {type(exc).__name__}: {exc}"[:200])
            continue
        missing.append(f"{reason!r}: accepted")
    return missing


def test_every_number_of_an_author_is_bounded_to_its_column() -> None:
    assert refusals_missing(author_record(), HOSTILE_AUTHOR_NUMBERS) == []
    concepts = author_record(topics=[], topic_share=[], x_concepts=[{**TOPIC, "id": "C700", "score": INF}])
    assert refusals_missing(concepts, [(lambda r: None, "x_concepts.score must be a finite number")]) == []


def test_every_number_of_a_work_is_bounded_to_its_column() -> None:
    assert refusals_missing(work_record(), HOSTILE_WORK_NUMBERS) == []
    concepts = work_record(topics=[], primary_topic=None, concepts=[{**TOPIC, "id": "C700", "score": -INF}])
    assert refusals_missing(concepts, [(lambda r: None, "concepts.score must be a finite number")]) == []


def test_hostile_shapes_are_refused_not_crashed_on() -> None:
    """Values of the wrong type where the parser expected text raise MalformedRecord (which
    an import reports) or are ignored, never another exception (which would stop the run)."""
    cases: list[tuple[dict[str, Any], Callable[[dict[str, Any]], None]]] = [
        (author_record(), setter("orcid", value=12345)),
        (author_record(), setter("ids", "orcid", value=["a", "list"])),
        (work_record(), setter("topics", 0, "subfield", value=["not", "an", "object"])),
        (work_record(), setter("topics", 0, "display_name", value=["a", "list"])),
        (oa.institution("I701", "Bad Homepage", homepage="http://[broken", full=True), lambda r: None),
    ]
    for record, mutate in cases:
        mutate(record)
        with contextlib.suppress(MalformedRecord):
            parse_entity(record)


def test_over_long_texts_are_cut_with_an_ellipsis_and_a_note() -> None:
    long_name = "N" * 5_000
    author = parse_entity(author_record(display_name=long_name, display_name_alternatives=[long_name, "Ann H."]))
    assert isinstance(author, AuthorRecord)
    assert len(author.display_name) == 2_000 and author.display_name.endswith("N…")
    assert [len(n) for n in author.display_name_alternatives] == [2_000, 6]
    assert "A5000000700: display_name cut to 2,000 characters (it had 5,000)" in author.notes

    place = oa.institution("I702", "I" * 3_000)
    record = oa.work(
        "W702",
        "T" * 200_000,
        [oa.authorship("A5000000702", "Q" * 2_500, institutions=[place])],
        abstract=" ".join(["word"] * 6_000),  # 29,999 characters
        topics=[oa.topic("T702", "S" * 2_001)],
    )
    record["authorships"][0]["raw_affiliation_strings"] = ["R" * 4_000, "Short Dept."]
    work = parse_entity(record)
    assert isinstance(work, WorkRecord)
    assert work.title is not None and len(work.title) == 2_000 and work.title.endswith("T…")
    assert len(work.abstract) == 20_000 and work.abstract.endswith("…")
    [authorship] = work.authorships
    assert len(authorship.author_name) == len(authorship.raw_author_name) == 2_000
    assert [len(s) for s in authorship.raw_affiliation_strings] == [2_000, 11]
    assert len(work.institutions[0].display_name) == len(work.topic_records[0].display_name) == 2_000
    assert work.notes == [
        "W702: authorships[0].raw_affiliation_strings cut to 2,000 characters (it had 4,000)",
        "W702: authorships[0].author.display_name cut to 2,000 characters (it had 2,500)",
        "W702: authorships[0].raw_author_name cut to 2,000 characters (it had 2,500)",
        "W702: abstract cut to 20,000 characters (it had 29,999)",
        "I702: display_name cut to 2,000 characters (it had 3,000)",
        "T702: display_name cut to 2,000 characters (it had 2,001)",
        "W702: title cut to 2,000 characters (it had 200,000)",
    ]


# --- Through the file import ------------------------------------------------------------------


def write_lines(path: Path, records: list[Any], *raw: str) -> Path:
    path.write_text("\n".join([*(json.dumps(r) for r in records), *raw]) + "\n", encoding="utf-8")
    return path


def test_file_import_refuses_hostile_numbers_by_file_entity_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = work_record("W710")
    negative = work_record("W711", cited_by_count=-5)
    too_large = work_record("W712", cited_by_count=3_000_000_000)
    beyond_64_bits = work_record("W713", cited_by_count=10**20)
    not_finite = work_record("W714")
    not_finite["topics"][0]["score"] = NAN
    year = work_record("W715", publication_year=40000)
    bad_author = oa.author("A5000000716", "Neg Index", summary_stats={"h_index": -3, "i10_index": 0})
    lines = write_lines(
        tmp_path / "works.jsonl", [good, negative, too_large, beyond_64_bits, not_finite, year, bad_author]
    )

    with pytest.raises(CommandError, match="6 record"):
        call_command("import_openalex", str(lines), "--followups=skip")
    err = capsys.readouterr().err
    for line, entity, reason in [
        (2, "W711", "cited_by_count must be between 0 and 2,147,483,647, got -5"),
        (3, "W712", "cited_by_count must be between 0 and 2,147,483,647, got 3000000000"),
        (4, "W713", "cited_by_count must be between 0 and 2,147,483,647, got 100000000000000000000"),
        (5, "W714", "topics.score must be a finite number, got nan"),
        (6, "W715", "publication_year must be between -32,768 and 32,767, got 40000"),
        (7, "A5000000716", "summary_stats.h_index must be between 0 and 2,147,483,647, got -3"),
    ]:
        assert f"{lines}:{line}: {entity}: {reason}" in err
    assert list(Work.objects.values_list("openalex_id", flat=True)) == ["W710"]
    assert not Researcher.objects.filter(openalex_id="A5000000716").exists()
    job = ImportJob.objects.get()
    assert job.status == "failed" and "6 problem(s)" in job.error and "W713: cited_by_count" in job.error


@pytest.mark.django_db(transaction=True)
def test_a_number_beyond_64_bits_no_longer_stops_the_run_in_the_parsing_processes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Outside a transaction the parsing runs in child processes; a value the batch could not
    even be prepared with once stopped the whole run there and left its job running."""
    works = [work_record(f"W72{n}") for n in range(6)]
    works[4]["cited_by_count"] = 10**20
    lines = write_lines(tmp_path / "works.jsonl", works)
    with pytest.raises(CommandError, match="1 record"):
        call_command("import_openalex", str(lines), "--batch-size=2", "--followups=skip")
    assert f"{lines}:5: W724: cited_by_count must be between" in capsys.readouterr().err
    assert Work.objects.count() == 5
    job = ImportJob.objects.get()
    assert (job.status, job.works_written) == ("failed", 5)


def test_unreadable_numbers_and_lone_surrogates_in_json_stop_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """JSON that only the standard library reads (orjson refuses it) must not raise anything
    but a decoding error: a 5,000-digit integer, nesting deeper than the stack, a lone UTF-16
    surrogate (kept as U+FFFD)."""
    huge = json.dumps(work_record("W731")).replace('"cited_by_count": 7', '"cited_by_count": ' + "9" * 5000)
    deep = '{"id": "https://openalex.org/W732", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    lone = json.dumps(work_record("W733", title="Half \ud800 a pair"), ensure_ascii=True)
    lines = write_lines(tmp_path / "works.jsonl", [work_record("W730")], huge, deep, lone)
    with pytest.raises(CommandError, match="2 record"):
        call_command("import_openalex", str(lines), "--followups=skip")
    err = capsys.readouterr().err
    assert f"{lines}:2: invalid JSON (entity W731), truncated or malformed line: Exceeds the limit" in err
    assert f"{lines}:3: invalid JSON (entity W732), truncated or malformed line: maximum recursion depth" in err
    assert sorted(Work.objects.values_list("openalex_id", flat=True)) == ["W730", "W733"]
    assert Work.objects.get(openalex_id="W733").title == "Half \ufffd a pair"


def test_file_import_cuts_long_texts_and_names_them_in_the_log_and_the_job(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    place = oa.institution("I740", "U" * 3_000)
    author = oa.author("A5000000740", "A" * 2_100, institutions=[place])
    work = oa.work(
        "W740",
        "T" * 200_000,
        [oa.authorship("A5000000741", "C" * 2_200)],
        abstract="x" * 25_000,
        topics=[oa.topic("T740", "Topic")],
    )
    path = tmp_path / "hostile.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(author) + "\n" + json.dumps(work) + "\n")

    with caplog.at_level(logging.WARNING, logger="works.file_import"):
        call_command("import_openalex", str(path), "--followups=skip")

    stored = Work.objects.get(openalex_id="W740")
    assert stored.title is not None and len(stored.title) == 2_000 and stored.title.endswith("T…")
    assert len(stored.abstract) == 20_000 and stored.abstract.endswith("x…")
    assert len(Researcher.objects.get(openalex_id="A5000000740").display_name) == 2_000
    assert len(Researcher.objects.get(openalex_id="A5000000741").display_name) == 2_000  # a co-author stub
    assert len(Authorship.objects.get(work=stored).raw_author_name) == 2_000
    assert len(Institution.objects.get(openalex_id="I740").display_name) == 2_000
    assert Topic.objects.filter(openalex_id="T740").exists()

    title_note = f"{path}:2: W740: title cut to 2,000 characters (it had 200,000)"
    out = capsys.readouterr().out
    assert f"note: {title_note}" in out
    assert f"note: {path}:1: A5000000740: display_name cut to 2,000 characters (it had 2,100)" in out
    assert f"note: {path}:1: I740: display_name cut to 2,000 characters (it had 3,000)" in out
    assert any(title_note in record.getMessage() for record in caplog.records)
    job = ImportJob.objects.get()
    assert job.status == "done" and "over-long text(s) cut to fit" in job.message and title_note in job.message


def test_a_run_that_stops_never_leaves_its_job_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_writer(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(file_import, "write_prepared", broken_writer)
    lines = write_lines(tmp_path / "works.jsonl", [work_record("W750")])
    with pytest.raises(RuntimeError, match="on fire"):
        call_command("import_openalex", str(lines), "--followups=skip")
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.finished_at is not None
    assert job.error == "The import stopped: RuntimeError: the disk is on fire"


# --- Through the API import (the fake OpenAlex server) ----------------------------------------


def seed(server: OpenAlexFakeServer, author: dict[str, Any], works: list[dict[str, Any]]) -> None:
    server.add_entity(author)
    for work in works:
        server.add_entity(work)


@pytest.mark.parametrize(
    ("where", "mutate", "reason"),
    [
        ("author", setter("cited_by_count", value=-5), "A5000000760: cited_by_count must be between 0 and 2,147,"),
        ("author", setter("summary_stats", "h_index", value=-1), "A5000000760: summary_stats.h_index must be between"),
        ("work", setter("cited_by_count", value=3_000_000_000), "W761: cited_by_count must be between 0 and 2,147,"),
        ("work", setter("topics", 0, "score", value=NAN), "W761: topics.score must be a finite number, got nan"),
        ("work", setter("publication_year", value=-40000), "W761: publication_year must be between -32,768 and"),
    ],
)
def test_api_import_refuses_a_hostile_number_naming_entity_and_field(
    openalex: OpenAlexFakeServer, where: str, mutate: Callable[[dict[str, Any]], None], reason: str
) -> None:
    author = oa.author("A5000000760", "Api Hostile", institutions=[PLACE], topics=[TOPIC])
    work = oa.work("W761", "Paper", [oa.authorship("A5000000760", "Api Hostile")], topics=[TOPIC])
    mutate(author if where == "author" else work)
    seed(openalex, author, [work])
    with pytest.raises(CommandError, match="1 of 1 import"):
        call_command("import_author", "A5000000760")
    job = ImportJob.objects.get()
    assert job.status == "failed" and job.error.startswith(reason)
    assert not Researcher.objects.exists() and not Work.objects.exists()


def test_api_import_cuts_long_texts_and_says_so_in_the_job(
    openalex: OpenAlexFakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    author = oa.author("A5000000770", "Long " + "N" * 3_000, institutions=[PLACE], topics=[TOPIC])
    work = oa.work(
        "W771", "T" * 200_000, [oa.authorship("A5000000770", "Long Name")], abstract="y" * 30_000, topics=[TOPIC]
    )
    seed(openalex, author, [work])
    with caplog.at_level(logging.WARNING, logger="works.services"):
        call_command("import_author", "A5000000770")
    job = ImportJob.objects.get()
    assert job.status == "done"
    stored = Work.objects.get(openalex_id="W771")
    assert stored.title is not None and len(stored.title) == 2_000 and len(stored.abstract) == 20_000
    assert len(Researcher.objects.get(openalex_id="A5000000770").display_name) == 2_000
    note = "OpenAlex API: W771: title cut to 2,000 characters (it had 200,000)"
    assert "4 over-long text(s) cut to fit" in job.message and note in job.message
    assert any(note in record.getMessage() for record in caplog.records)
