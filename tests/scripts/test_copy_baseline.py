"""scripts/bench/copy_baseline.py: the COPY floor writes the same rows as import_openalex.

Real PostgreSQL (the test database). The test imports a small synthetic file through the real
command, snapshots the seven tables by natural keys, then lets the baseline TRUNCATE and COPY
the same file and compares.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from profiles.models import Institution, Researcher, Topic
from scripts.bench import copy_baseline as cb
from scripts.bench import generate_works as gw
from works.models import Authorship, Source, Work, WorkTopic

N_WORKS = 150


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the seven tables by OpenAlex ids instead of primary keys."""
    def rows(model, *fields: str) -> list[tuple[Any, ...]]:
        return sorted(model.objects.values_list(*fields), key=repr)

    authorships = rows(Authorship, "work__openalex_id", "position", "author_position",
                       "researcher__openalex_id", "raw_author_name", "is_corresponding",
                       "raw_affiliation_strings", "countries", "institution_openalex_ids")
    work_fields = [f.name for f in Work._meta.concrete_fields
                   if f.name not in ("id", "source", "imported_at")]
    researcher_fields = [f.name for f in Researcher._meta.concrete_fields
                         if f.name not in ("id", "created_at", "imported_at")]
    return {
        "institution": rows(Institution, *[f.name for f in Institution._meta.concrete_fields][1:]),
        "topic": rows(Topic, *[f.name for f in Topic._meta.concrete_fields][1:]),
        "source": rows(Source, *[f.name for f in Source._meta.concrete_fields][1:]),
        "researcher": rows(Researcher, *researcher_fields),
        "work": rows(Work, *work_fields, "source__openalex_id"),
        "authorship": authorships,
        "worktopic": rows(WorkTopic, "work__openalex_id", "topic__openalex_id", "score",
                          "is_primary"),
    }


@pytest.fixture
def works_file(tmp_path: Path) -> Path:
    path = tmp_path / "works.jsonl.gz"
    gw.generate(str(path), N_WORKS, 120, seed=5, jobs=1)
    return path


@pytest.mark.django_db
def test_copy_writes_what_the_importer_writes(works_file: Path, tmp_path: Path) -> None:
    call_command("import_openalex", str(works_file), "--followups=skip", verbosity=0)
    imported = snapshot()
    assert len(imported["work"]) == N_WORKS and len(imported["researcher"]) == 120

    prepared = cb.prepare_rows([works_file], tmp_path / "rows")
    with connection.cursor() as cursor:
        # Django's foreign keys are deferred to a commit the test never reaches: check them
        # as rows arrive instead (this also lets TRUNCATE run after the import's writes).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    result = cb.copy_rows(connection.connection, prepared)

    assert snapshot() == imported
    assert result.works == N_WORKS
    assert result.rows["works_authorship"] == len(imported["authorship"])
    assert result.rows["profiles_researcher"] == 120
    assert result.seconds > 0 and result.works_per_second > 0
    # Identity sequences were moved past the copied ids: the ORM can insert again.
    source = Source.objects.create(openalex_id="S1", display_name="After the baseline")
    assert source.pk == Source.objects.count()


def test_copy_text_format_escapes_what_copy_would_misread() -> None:
    line = cb.copy_line([1, None, True, "tab\there\nnew\\line", ['a "q"', "b\\c", None], [3, 4],
                         cb.JsonValue([{"year": 2024, "n": "x\ty"}])])
    fields = line.rstrip("\n").split("\t")
    assert fields == [
        "1", "\\N", "t", "tab\\there\\nnew\\\\line",
        '{"a \\\\"q\\\\"","b\\\\\\\\c",NULL}', "{3,4}",
        '[{"year":2024,"n":"x\\\\ty"}]',
    ]


def test_bench_database_url_keeps_the_server_and_names_the_bench_database() -> None:
    assert cb.bench_database_url("postgresql://u:p@db.example.org:6543/bzpeer?sslmode=require") == (
        "postgresql://u:p@db.example.org:6543/bzpeer_bench?sslmode=require"
    )
