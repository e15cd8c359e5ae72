"""scripts/bench/compare_loader.py: one loader run in the layout OpenAlex's scripts expect.

The real loader is not in this repository, so the loader here is a stand-in with its
interface: a flatten script that reads ``openalex-snapshot/data/works/*/*.gz`` from its working
folder and writes gzipped CSV files into ``csv-files/`` without creating that folder (as the
published one does), a schema file that creates the ``openalex`` schema, and a copy file of
psql ``\\copy`` commands. It runs through the real psql into the real test database.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import psycopg
import pytest

from scripts.bench import compare_loader
from tests.database import database_url

FLATTEN = """\
import csv, glob, gzip, json, os
with gzip.open(os.path.join('csv-files', 'works.csv.gz'), 'wt', encoding='utf-8') as out:
    writer = csv.writer(out)
    writer.writerow(['id', 'title'])
    for name in glob.glob(os.path.join('openalex-snapshot', 'data', 'works', '*', '*.gz')):
        with gzip.open(name, 'r') as lines:
            for line in lines:
                work = json.loads(line)
                writer.writerow([work['id'], work['title']])
"""
SCHEMA = "CREATE SCHEMA openalex;\nCREATE TABLE openalex.works (id text NOT NULL, title text);\n"
COPY = "\\copy openalex.works (id, title) from program 'gunzip -c csv-files/works.csv.gz' csv header\n"


@pytest.mark.django_db(transaction=True)
def test_a_loader_run_flattens_into_a_fresh_csv_folder_and_counts_the_loaded_works(tmp_path: Path) -> None:
    loader = tmp_path / "loader"
    loader.mkdir()
    (loader / "flatten-openalex-jsonl.py").write_text(FLATTEN)
    (loader / "openalex-pg-schema.sql").write_text(SCHEMA)
    (loader / "copy-openalex-csv.sql").write_text(COPY)
    work = tmp_path / "work"
    part = work / "openalex-snapshot" / "data" / "works" / "updated_date=2000-01-01" / "part_000.gz"
    part.parent.mkdir(parents=True)
    with gzip.open(part, "wt") as out:
        for n in range(7):
            out.write(json.dumps({"id": f"https://openalex.org/W{n}", "title": f"Work {n}"}) + "\n")
    stale = work / "csv-files"
    stale.mkdir()
    (stale / "leftover.csv.gz").write_bytes(b"from an earlier run")

    url = database_url()
    try:
        for _ in range(2):  # the second run starts from a dropped schema and an emptied folder
            seconds, flatten_seconds, works = compare_loader.run_loader(loader, work, url, "python3")
            assert works == 7
            assert 0 < flatten_seconds <= seconds
        assert not (work / "csv-files" / "leftover.csv.gz").exists()
        with psycopg.connect(url) as conn:
            titles = [row[0] for row in conn.execute("SELECT title FROM openalex.works ORDER BY id")]
        assert titles == [f"Work {n}" for n in range(7)]
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS openalex CASCADE")
