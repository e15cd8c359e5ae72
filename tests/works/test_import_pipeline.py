"""The file import's pipeline: items shared between parsing processes, the run's memory of
rows already written, and child rows written without per-row foreign-key triggers (the
statement locks what they point to instead). Real PostgreSQL throughout."""

from __future__ import annotations

import gzip
import json
import threading
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from profiles.models import Researcher
from tests import factories as f
from tests import openalex_records as oa
from tests.database import database_url
from works import file_import, services
from works.models import ImportJob
from works.openalex_files import read_items
from works.openalex_parser import ImportBatch, parse_entity
from works.upsert import WrittenRows, _id_array, prepare_batch, write_prepared

pytestmark = pytest.mark.django_db


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def works_file(path: Path, keys: range, *, broken_at: int | None = None) -> Path:
    lines = [json.dumps(oa.work(f"W{n}", f"Paper {n}", [oa.authorship(f"A5{n % 3:09d}", f"P{n % 3}")])) for n in keys]
    if broken_at is not None:
        lines[broken_at] = lines[broken_at][: len(lines[broken_at]) // 2]  # a truncated line
    return write_lines(path, lines)


def batch_of(*records: dict) -> ImportBatch:
    batch = ImportBatch()
    for record in records:
        batch.add(parse_entity(record))
    return batch


# --- Sharing the files between parsing processes ------------------------------------------------


def test_lines_outside_the_share_are_counted_not_decoded(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "w.jsonl", ['{"id": "W1"}', "", "{not json", '{"id": "W3"}', "{also not json"])
    kept = list(read_items(path, keep=lambda ordinal: ordinal % 2 == 0))
    # The blank line is no item; the malformed lines are ordinals 1 and 3, not kept: unread.
    assert [(ordinal, item.data, item.error) for ordinal, item in kept] == [
        (0, {"id": "W1"}, ""),
        (2, {"id": "W3"}, ""),
    ]
    assert [ordinal for ordinal, item in read_items(path) if item.error] == [1, 3]


def test_parsing_processes_take_their_blocks_in_turn_and_together_read_everything_once(tmp_path: Path) -> None:
    files = [
        works_file(tmp_path / "a.jsonl", range(100, 107), broken_at=4),  # items 0-6
        works_file(tmp_path / "b.jsonl", range(200, 205)),  # items 7-11
    ]
    alone = list(file_import._parse_batches(files, batch_size=3))
    owners = (0, 0, 1)
    shares = [list(file_import._parse_batches(files, batch_size=3, part=part, owners=owners)) for part in (0, 1)]

    # Blocks of three items counted across both files (a: 0-6, b: 7-11); the first process
    # takes two blocks in three: items 0-2, 3-5 and 9-11 (b's 2-4), the second 6-8.
    starts = [[(path.name, ordinal) for path, ordinal, _ in (b.items[0] for b in share)] for share in shares]
    assert starts == [[("a.jsonl", 0), ("a.jsonl", 3), ("b.jsonl", 2)], [("a.jsonl", 6)]]
    first, second = iter(shares[0]), iter(shares[1])
    in_turn = [next(first), next(first), next(second), next(first)]
    assert [b.items for b in in_turn] == [b.items for b in alone]
    assert [b.errors for b in in_turn] == [b.errors for b in alone]
    errors = [error for b in in_turn for error in b.errors]
    assert len(errors) == 1 and errors[0].startswith(f"{files[0]}:5: invalid JSON")
    assert [key for b in in_turn for key in b.prepared.work_children] == [
        key for b in alone for key in b.prepared.work_children
    ]


@pytest.mark.django_db(transaction=True)
def test_an_import_through_parsing_processes_writes_every_authorship_in_place(tmp_path: Path) -> None:
    files = [works_file(tmp_path / "a.jsonl", range(300, 311)), works_file(tmp_path / "b.jsonl", range(400, 405))]
    call_command("import_openalex", *map(str, files), "--batch-size=2", "--followups=skip")

    authorships = Researcher.objects.filter(openalex_id="A5000000001").values_list(
        "authorships__work__openalex_id", "authorships__position"
    )
    expected = {(f"W{n}", 0) for n in [*range(300, 311), *range(400, 405)] if n % 3 == 1}
    assert set(authorships) == expected
    assert Researcher.objects.count() == 3


# --- Commits that do not wait for the WAL flush ---------------------------------------------------


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_a_run_commits_its_batches_without_waiting_and_resets_the_setting_after(tmp_path: Path, monkeypatch) -> None:
    seen: list[str] = []
    write = file_import.write_prepared

    def recording_write(*args, **kwargs):
        seen.append(_synchronous_commit())
        return write(*args, **kwargs)

    monkeypatch.setattr(file_import, "write_prepared", recording_write)
    connection.close()  # the run writes on a connection of its own (opened after forking)
    before = _synchronous_commit()  # the server's default: on here, off on the project-local one
    call_command(
        "import_openalex", str(works_file(tmp_path / "w.jsonl", range(700, 705))), "--batch-size=2", "--followups=skip"
    )

    assert seen == ["off", "off", "off"]  # every batch, in the writer, after the parsing processes forked
    assert _synchronous_commit() == before  # back for what follows on the same connection
    assert Researcher.objects.count() == 3


def test_inside_a_callers_transaction_the_run_leaves_the_commit_to_the_caller(tmp_path: Path) -> None:
    job = services.import_job_claim(services.import_job_create(query="w.jsonl", kind=ImportJob.Kind.FILES).pk)
    assert job is not None
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit = local")  # the caller's choice
    report = file_import.files_import(job=job, paths=[works_file(tmp_path / "w.jsonl", range(710, 712))])
    assert report.result.works_written == 2 and not report.errors
    assert _synchronous_commit() == "local"


# --- What a run remembers ----------------------------------------------------------------------


def test_a_run_sends_each_unchanged_row_once_and_every_change() -> None:
    memory = WrittenRows()
    rows = [("A1", '{"n":"x"}'), ("A2", '{"n":"y"}')]
    memory._remember(rows)
    assert memory.unsent([("A1", '{"n":"x"}'), ("A2", '{"n":"renamed"}'), ("A3", "{}")]) == [
        ("A2", '{"n":"renamed"}'),
        ("A3", "{}"),
    ]


@pytest.mark.django_db(transaction=True)
def test_rows_are_remembered_only_once_their_transaction_committed() -> None:
    memory = WrittenRows()
    prepared = prepare_batch(batch_of(oa.work("W501", "T", [oa.authorship("A5000000501", "Ann")])))
    with pytest.raises(RuntimeError), transaction.atomic():
        write_prepared(prepared, memory)
        raise RuntimeError("the batch fails after writing")
    assert memory.rows == {} and not Researcher.objects.exists()
    with transaction.atomic():
        write_prepared(prepared, memory)
    assert "A5000000501" in memory.rows


@pytest.mark.django_db(transaction=True)
def test_a_coauthor_renamed_in_a_later_batch_of_the_run_is_renamed(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "w.jsonl",
        [
            json.dumps(oa.work("W601", "One", [oa.authorship("A5000000601", "B. Early")])),
            json.dumps(oa.work("W602", "Two", [oa.authorship("A5000000601", "B. Early")])),
            json.dumps(oa.work("W603", "Three", [oa.authorship("A5000000601", "Bea Later")])),
        ],
    )
    call_command("import_openalex", str(path), "--batch-size=1", "--followups=skip")
    stub = Researcher.objects.get(openalex_id="A5000000601")
    assert (stub.display_name, stub.authorships.count()) == ("Bea Later", 3)


def test_id_arrays_are_literals_postgresql_reads_back_exactly() -> None:
    values = ["A2", "A1", "A1", "0000-0002-1825-009X", "NULL", 'quo"te', "back\\slash", "with space", ""]
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [_id_array(values)])
        assert cursor.fetchone()[0] == sorted(set(values))
        cursor.execute("SELECT %s::text[]", [_id_array([])])
        assert cursor.fetchone()[0] == []


# --- Child rows without per-row foreign-key triggers ------------------------------------------------


def test_the_foreign_keys_still_hold_for_every_other_writer() -> None:
    work = oa.work("W701", "T", [oa.authorship("A5000000701", "Ann")])
    with transaction.atomic():
        write_prepared(prepare_batch(batch_of(work)))
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE works_authorship SET researcher_id = -1")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_role_without_the_privilege_imports_the_same_rows_with_the_triggers() -> None:
    """Where the role may not skip the triggers (no superuser, no GRANT SET ON PARAMETER),
    they run, and the result is the same."""
    role = f"bzpeer_test_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")  # rolled back with the test
        cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
        cursor.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
        cursor.execute(f"GRANT TEMPORARY ON DATABASE {connection.settings_dict['NAME']} TO {role}")
        cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET')")
        assert cursor.fetchone()[0] is False
    work = oa.work("W702", "T", [oa.authorship("A5000000702", "Ann"), oa.authorship(None, "Nobody")])
    with transaction.atomic():
        write_prepared(prepare_batch(batch_of(work)))
    rows = Researcher.objects.filter(openalex_id="A5000000702").values_list("authorships__position", flat=True)
    assert list(rows) == [0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT position, researcher_id FROM works_authorship ORDER BY position")
        assert [(position, bool(researcher)) for position, researcher in cursor.fetchall()] == [(0, True), (1, False)]


@pytest.mark.django_db(transaction=True)
def test_a_researcher_an_import_points_to_cannot_be_deleted_under_it() -> None:
    """What the skipped trigger would have done, the import's own lock does: while a batch
    that points to a researcher is open, nobody can delete that researcher, and once it has
    committed the declared foreign key refuses the deletion."""
    researcher = f.stub("Ann", openalex_id="A5000000801")
    batch = prepare_batch(batch_of(oa.work("W801", "One", [oa.authorship("A5000000801", "Ann")])))
    # As in a later batch of a run that already wrote Ann's stub row: only the lock touches it.
    memory = WrittenRows()
    memory._remember(batch.stubs)
    outcome: dict[str, str] = {}
    written = threading.Event()
    release = threading.Event()

    def other_session() -> None:
        written.wait(10)
        with psycopg.connect(database_url(), autocommit=True) as other:
            other.execute("SET lock_timeout = '300ms'")
            try:
                other.execute("DELETE FROM profiles_researcher WHERE id = %s", [researcher.pk])
            except psycopg.errors.LockNotAvailable:
                outcome["while open"] = "waited for the import"
            release.set()
            written.clear()
            written.wait(10)
            try:
                other.execute("DELETE FROM profiles_researcher WHERE id = %s", [researcher.pk])
            except psycopg.errors.ForeignKeyViolation:
                outcome["after commit"] = "refused"

    thread = threading.Thread(target=other_session)
    thread.start()
    with transaction.atomic():
        write_prepared(batch, memory)
        written.set()
        assert release.wait(10)
    written.set()
    thread.join(20)
    assert outcome == {"while open": "waited for the import", "after commit": "refused"}
    assert Researcher.objects.get(pk=researcher.pk).authorships.count() == 1


def test_a_file_that_breaks_off_is_reported_by_one_parsing_process_only(tmp_path: Path) -> None:
    whole = gzip.compress(works_file(tmp_path / "w.jsonl", range(900, 907)).read_bytes())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    errors = [
        error
        for part in (0, 1)
        for batch in file_import._parse_batches([cut], batch_size=2, part=part, owners=(0, 1))
        for error in batch.errors
    ]
    assert len(errors) == 1 and errors[0].startswith(f"{cut}: cannot read file")
