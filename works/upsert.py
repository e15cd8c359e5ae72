"""The one write path of every import: an ImportBatch of parsed records -> the database.

Two steps, so that the Python work can overlap the database's:
- ``prepare_batch`` (works/import_rows.py, pure, no database): turns the records into JSON
  documents and COPY text keyed by OpenAlex ids, bios included;
- ``write_prepared`` (database): upserts the entities, looks up and locks the rows the
  children point to, and rewrites the children of what changed with our keys put in.
``write_batch`` does both.

Contract:
- Idempotent: writing the same batch twice changes nothing the second time (every UPSERT
  updates a row only when a value differs, and children are rewritten only for parents that
  changed), so row counts and contents stay identical.
- Never older over newer: a full record is written only if its ``updated_date`` is not older
  than the stored one; a dehydrated copy (inside another record) never overwrites a full one.
- Never touches what people own: owner bio, preferred name, the collaborate flag, follows,
  claims and hidden works are in none of the column lists below.
- Atomic per call: the caller wraps the write in one transaction (one author with all their
  works, or one batch of file records), so a failure leaves nothing half-written.
- Set-based: one statement per table per batch (entities as one JSON document expanded with
  ``jsonb_to_recordset``; a work's authorships and topics COPYed into their tables, an
  author's affiliations and topics through temporary staging tables), rows sorted by
  OpenAlex id so concurrent imports lock in the same order.

Legacy (pre-2023) author ids are resolved to the current record through ORCID, and ids that
OpenAlex merged are followed; both leave a ResearcherAlias so old URLs keep working.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import psycopg
from django.db import connection, transaction

from profiles.models import Researcher
from profiles.signals import researcher_merged
from works.import_rows import NULL, PreparedBatch, prepare_batch
from works.openalex_parser import (
    ImportBatch,
    MergedId,
    is_legacy_author_id,
)

logger = logging.getLogger(__name__)


@dataclass
class WriteResult:
    """What a write changed. ``researcher_ids`` are the researchers whose derived data
    (co-author edges, trust) may have changed: written authors and authors of written works."""

    works_written: int = 0
    authors_written: int = 0
    stubs_written: int = 0
    authors_deleted: int = 0
    aliases_written: int = 0
    skipped: list[str] = field(default_factory=list)
    researcher_ids: set[int] = field(default_factory=set)

    def merge(self, other: WriteResult) -> None:
        self.works_written += other.works_written
        self.authors_written += other.authors_written
        self.stubs_written += other.stubs_written
        self.authors_deleted += other.authors_deleted
        self.aliases_written += other.aliases_written
        self.skipped.extend(other.skipped)
        self.researcher_ids |= other.researcher_ids


@contextmanager
def _bound_cursor() -> Iterator[psycopg.Cursor[Any]]:
    """A cursor that sends parameters apart from the SQL text (server-side binding), for the
    statements that carry a batch: Django's cursors interpolate parameters into the text, so
    megabytes of JSON would be escaped here and then lexed by the server, character by
    character. Same connection, same transaction, errors wrapped as Django's."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        yield cursor


def _id_map(table: str, openalex_ids: Iterable[str]) -> dict[str, int]:
    ids = sorted(set(openalex_ids))
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT openalex_id, id FROM {table} WHERE openalex_id = ANY(%s::text[])", [_id_array(ids)])
        return dict(cursor.fetchall())


# --- Query parameters -----------------------------------------------------------------------


def _json_array(rows: Iterable[tuple[str, str]]) -> str:
    return "[" + ",".join(row for _, row in rows) + "]"


def _id_array(values: Iterable[str]) -> str:
    """A text[] literal of OpenAlex ids or ORCIDs, sorted, for a query parameter (cast it:
    ``%s::text[]``). psycopg checks every element of a list parameter for characters to
    quote; at the ten thousand ids of a batch that cost more than the query itself."""
    ids = sorted(set(values))
    joined = ",".join(ids)
    # Unquoted elements are safe when each is a non-empty run of letters, digits and hyphens
    # other than the word NULL ("" sorts first).
    plain = joined.replace("-", "").replace(",", "")
    if ids and ids[0] and plain.isalnum() and plain.isascii() and "NULL" not in joined.upper():
        return "{" + joined + "}"
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in ids) + "}"


# --- Institutions, topics, sources ---------------------------------------------------------

_INSTITUTION_SQL = """
INSERT INTO profiles_institution AS t (openalex_id, display_name, ror, country_code, type, lineage,
    homepage_url, email_domains, is_full_record, openalex_updated)
SELECT openalex_id, display_name, ror, country_code, type, lineage, homepage_url, email_domains,
    is_full_record, openalex_updated
FROM jsonb_to_recordset(%s::jsonb) AS x(openalex_id text, display_name text, ror text,
    country_code text, type text, lineage text[], homepage_url text, email_domains text[],
    is_full_record boolean, openalex_updated timestamptz)
ON CONFLICT (openalex_id) DO UPDATE SET display_name = EXCLUDED.display_name, ror = EXCLUDED.ror,
    country_code = EXCLUDED.country_code, type = EXCLUDED.type, lineage = EXCLUDED.lineage,
    homepage_url = EXCLUDED.homepage_url, email_domains = EXCLUDED.email_domains,
    is_full_record = EXCLUDED.is_full_record, openalex_updated = EXCLUDED.openalex_updated
WHERE (EXCLUDED.is_full_record OR NOT t.is_full_record)
  AND (NOT EXCLUDED.is_full_record OR t.openalex_updated IS NULL OR EXCLUDED.openalex_updated IS NULL
       OR EXCLUDED.openalex_updated >= t.openalex_updated)
  AND (t.display_name, t.ror, t.country_code, t.type, t.lineage, t.homepage_url, t.email_domains,
       t.is_full_record, t.openalex_updated)
      IS DISTINCT FROM (EXCLUDED.display_name, EXCLUDED.ror, EXCLUDED.country_code, EXCLUDED.type,
       EXCLUDED.lineage, EXCLUDED.homepage_url, EXCLUDED.email_domains, EXCLUDED.is_full_record,
       EXCLUDED.openalex_updated)
"""


_TOPIC_SQL = """
INSERT INTO profiles_topic AS t (openalex_id, kind, display_name, description, subfield, field, domain, level)
SELECT openalex_id, kind, display_name, description, subfield, field, domain, level
FROM jsonb_to_recordset(%s::jsonb) AS x(openalex_id text, kind text, display_name text,
    description text, subfield text, field text, domain text, level smallint, is_full boolean)
ON CONFLICT (openalex_id) DO UPDATE SET display_name = EXCLUDED.display_name,
    description = CASE WHEN EXCLUDED.description <> '' THEN EXCLUDED.description ELSE t.description END,
    subfield = COALESCE(NULLIF(EXCLUDED.subfield, ''), t.subfield),
    field = COALESCE(NULLIF(EXCLUDED.field, ''), t.field),
    domain = COALESCE(NULLIF(EXCLUDED.domain, ''), t.domain),
    level = COALESCE(EXCLUDED.level, t.level)
WHERE (t.display_name, t.description, t.subfield, t.field, t.domain, t.level) IS DISTINCT FROM
    (EXCLUDED.display_name,
     CASE WHEN EXCLUDED.description <> '' THEN EXCLUDED.description ELSE t.description END,
     COALESCE(NULLIF(EXCLUDED.subfield, ''), t.subfield), COALESCE(NULLIF(EXCLUDED.field, ''), t.field),
     COALESCE(NULLIF(EXCLUDED.domain, ''), t.domain), COALESCE(EXCLUDED.level, t.level))
"""


_SOURCE_SQL = """
INSERT INTO works_source AS t (openalex_id, display_name, type, issn_l, host_organization_name)
SELECT openalex_id, display_name, type, issn_l, host_organization_name
FROM jsonb_to_recordset(%s::jsonb) AS x(openalex_id text, display_name text, type text, issn_l text,
    host_organization_name text)
ON CONFLICT (openalex_id) DO UPDATE SET display_name = EXCLUDED.display_name,
    type = COALESCE(NULLIF(EXCLUDED.type, ''), t.type),
    issn_l = COALESCE(NULLIF(EXCLUDED.issn_l, ''), t.issn_l),
    host_organization_name = COALESCE(NULLIF(EXCLUDED.host_organization_name, ''), t.host_organization_name)
WHERE (t.display_name, t.type, t.issn_l, t.host_organization_name) IS DISTINCT FROM
    (EXCLUDED.display_name, COALESCE(NULLIF(EXCLUDED.type, ''), t.type),
     COALESCE(NULLIF(EXCLUDED.issn_l, ''), t.issn_l),
     COALESCE(NULLIF(EXCLUDED.host_organization_name, ''), t.host_organization_name))
"""


# The three upserts above in one statement (data-modifying CTEs all run), one round trip.
_ENTITIES_SQL = (
    f"WITH upsert_institutions AS ({_INSTITUTION_SQL}), upsert_topics AS ({_TOPIC_SQL}), "
    f"upsert_sources AS ({_SOURCE_SQL}) SELECT 1"
)


# --- Author identity: aliases, legacy ids, merges --------------------------------------------


_ALIAS_SQL = """
INSERT INTO profiles_researcheralias AS t (openalex_id, researcher_id, reason, merged_on)
VALUES (%s, %s, %s, %s)
ON CONFLICT (openalex_id) DO UPDATE SET researcher_id = EXCLUDED.researcher_id,
    reason = EXCLUDED.reason, merged_on = EXCLUDED.merged_on
WHERE %s AND (t.researcher_id, t.reason, t.merged_on)
    IS DISTINCT FROM (EXCLUDED.researcher_id, EXCLUDED.reason, EXCLUDED.merged_on)
"""


def _alias(
    openalex_id: str, researcher_id: int, reason: str, merged_on: date | None = None, *, replace: bool = True
) -> int:
    """Record that ``openalex_id`` now means researcher ``researcher_id``; returns 1 if written.
    With ``replace=False`` an existing alias (e.g. an OpenAlex merge) is kept as it is."""
    with connection.cursor() as cursor:
        cursor.execute(_ALIAS_SQL, [openalex_id, researcher_id, reason, merged_on, replace])
        return cursor.rowcount


def _move_researcher(source_id: int, target_id: int) -> None:
    """Fold researcher ``source_id`` into ``target_id`` and delete it: its authorships,
    follows and aliases move; derived rows (edges, trust, affiliations) are recomputed or
    re-imported for the target. Sends ``profiles.signals.researcher_merged`` first, so the
    apps above move or drop their rows in this transaction."""
    # Claims, owner corrections and hidden works are people's data: they follow the record
    # (claims.receivers); the graph drops the source's edges and trust (graph.receivers).
    researcher_merged.send(sender=Researcher, source_id=source_id, target_id=target_id)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE works_authorship SET researcher_id = %s WHERE researcher_id = %s", [target_id, source_id]
        )
        cursor.execute(
            """UPDATE profiles_follow f SET researcher_id = %s WHERE researcher_id = %s
               AND NOT EXISTS (SELECT 1 FROM profiles_follow g WHERE g.user_id = f.user_id AND g.researcher_id = %s)""",
            [target_id, source_id, target_id],
        )
        cursor.execute(
            "UPDATE profiles_researcheralias SET researcher_id = %s WHERE researcher_id = %s", [target_id, source_id]
        )
        # What stays on the source would block its deletion (deferred foreign keys): follows
        # the target already had, and the rows the import and the graph rebuild for the target.
        cursor.execute("DELETE FROM profiles_follow WHERE researcher_id = %s", [source_id])
        cursor.execute("DELETE FROM profiles_researcheraffiliation WHERE researcher_id = %s", [source_id])
        cursor.execute("DELETE FROM profiles_researchertopic WHERE researcher_id = %s", [source_id])
        cursor.execute("DELETE FROM profiles_researcher WHERE id = %s", [source_id])


def _rekey_or_merge(
    old_openalex_id: str, new_openalex_id: str, reason: str, merged_on: date | None, result: WriteResult
) -> int | None:
    """Make ``old_openalex_id`` an alias of ``new_openalex_id``. If only the old row exists it
    takes the new id; if both exist the old one is folded in. Returns the target's pk, or
    None when neither exists yet (the alias is then written once the target exists)."""
    ids = _id_map("profiles_researcher", [old_openalex_id, new_openalex_id])
    old_pk, new_pk = ids.get(old_openalex_id), ids.get(new_openalex_id)
    if old_pk and new_pk:
        _move_researcher(old_pk, new_pk)
        target = new_pk
    elif old_pk:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE profiles_researcher SET openalex_id = %s WHERE id = %s", [new_openalex_id, old_pk])
        target = old_pk
    elif new_pk:
        target = new_pk
    else:
        return None
    result.researcher_ids.add(target)
    _alias(old_openalex_id, target, reason, merged_on)
    return target


def _apply_merged_ids(merged: list[MergedId], result: WriteResult) -> int:
    """Follow an OpenAlex merged_ids file. Merges into a record we do not hold yet are kept
    as pending aliases only when the merged record exists here (it takes the surviving id)."""
    written = 0
    for row in merged:
        if row.old_id.startswith("A") and _rekey_or_merge(row.old_id, row.into_id, "merged", row.merged_on, result):
            written += 1
    return written


def _resolve_author_ids(incoming: dict[str, str], result: WriteResult) -> dict[str, str]:
    """Return {incoming author id -> the id we store it under}, for the ids that move.
    ``incoming`` maps every author id of the batch to its ORCID ("" if unknown).

    - an id that is already an alias maps to its researcher's current id;
    - a legacy (pre-2023) id with an ORCID maps to the current-series researcher with that
      ORCID, here or in this batch; a legacy row we hold for that ORCID is folded into it.
    """
    if not incoming:
        return {}

    # Aliases of the batch's ids, and the researchers holding its ORCIDs: one round trip.
    remap: dict[str, str] = {}
    orcids = {orcid for orcid in incoming.values() if orcid}
    by_orcid: list[tuple[str, str]] = []
    with _bound_cursor() as cursor:
        cursor.execute(
            """SELECT true, a.openalex_id, r.openalex_id FROM profiles_researcheralias a
               JOIN profiles_researcher r ON r.id = a.researcher_id WHERE a.openalex_id = ANY(%s::text[])
               UNION ALL
               SELECT false, orcid, openalex_id FROM profiles_researcher WHERE orcid = ANY(%s::text[])""",
            [_id_array(incoming), _id_array(orcids)],
        )
        for is_alias, key, openalex_id in cursor.fetchall():
            if is_alias:
                remap[key] = openalex_id
            else:
                by_orcid.append((openalex_id, key))

    # Current-series ids by ORCID: from this batch first, then from the database (the lowest id
    # of several).
    current_by_orcid: dict[str, str] = {}
    legacy_rows_by_orcid: dict[str, list[str]] = {}
    for openalex_id, orcid in sorted(by_orcid):
        if is_legacy_author_id(openalex_id):
            legacy_rows_by_orcid.setdefault(orcid, []).append(openalex_id)
        else:
            current_by_orcid.setdefault(orcid, openalex_id)
    for author_id, orcid in sorted(incoming.items()):
        if orcid and not is_legacy_author_id(author_id) and author_id not in remap:
            current_by_orcid[orcid] = author_id  # the batch's own record wins

    for author_id, orcid in incoming.items():
        if author_id in remap or not orcid or not is_legacy_author_id(author_id):
            continue
        current = current_by_orcid.get(orcid)
        if current:
            remap[author_id] = current

    # Fold legacy rows we hold into the current record for their ORCID.
    for orcid, legacy_ids in legacy_rows_by_orcid.items():
        current = current_by_orcid.get(orcid)
        if not current:
            continue
        for legacy_id in legacy_ids:
            if _rekey_or_merge(legacy_id, current, "legacy", None, result):
                result.aliases_written += 1
            remap[legacy_id] = current
    return remap


# --- Researchers and works ---------------------------------------------------------------------

_RESEARCHER_COLUMNS = (
    "orcid, display_name, display_name_alternatives, search_name, record_status, works_count, "
    "cited_by_count, h_index, i10_index, two_year_mean_citedness, counts_by_year, generated_bio, "
    "openalex_updated, openalex_created"
)
_AUTHOR_SQL = f"""
INSERT INTO profiles_researcher AS t (openalex_id, {_RESEARCHER_COLUMNS}, imported_at, created_at,
    owner_bio, preferred_name, open_to_collaborate)
SELECT openalex_id, {_RESEARCHER_COLUMNS}, now(), now(), '', '', false
FROM jsonb_to_recordset(%s::jsonb) AS x(openalex_id text, orcid text, display_name text,
    display_name_alternatives text[], search_name text, record_status text, works_count integer,
    cited_by_count integer, h_index integer, i10_index integer, two_year_mean_citedness double precision,
    counts_by_year jsonb, generated_bio text, openalex_updated timestamptz, openalex_created date)
WHERE x.openalex_id <> ALL(%s::text[])
ON CONFLICT (openalex_id) DO UPDATE SET ({_RESEARCHER_COLUMNS}, imported_at) =
    (EXCLUDED.orcid, EXCLUDED.display_name, EXCLUDED.display_name_alternatives, EXCLUDED.search_name,
     EXCLUDED.record_status, EXCLUDED.works_count, EXCLUDED.cited_by_count, EXCLUDED.h_index,
     EXCLUDED.i10_index, EXCLUDED.two_year_mean_citedness, EXCLUDED.counts_by_year,
     EXCLUDED.generated_bio, EXCLUDED.openalex_updated, EXCLUDED.openalex_created, now())
WHERE (t.record_status = 'stub' OR t.openalex_updated IS NULL OR EXCLUDED.openalex_updated IS NULL
       OR EXCLUDED.openalex_updated >= t.openalex_updated)
  AND ({", ".join("t." + c.strip() for c in _RESEARCHER_COLUMNS.split(","))})
      IS DISTINCT FROM ({", ".join("EXCLUDED." + c.strip() for c in _RESEARCHER_COLUMNS.split(","))})
RETURNING id, openalex_id
"""


_STUB_SQL = f"""
INSERT INTO profiles_researcher AS t (openalex_id, {_RESEARCHER_COLUMNS}, imported_at, created_at,
    owner_bio, preferred_name, open_to_collaborate)
SELECT openalex_id, orcid, display_name, '{{}}', search_name, 'stub', 0, 0, NULL, NULL, NULL, '[]',
    '', NULL, NULL, NULL, now(), '', '', false
FROM jsonb_to_recordset(%s::jsonb) AS x(openalex_id text, orcid text, display_name text, search_name text)
WHERE x.openalex_id <> ALL(%s::text[])
ON CONFLICT (openalex_id) DO UPDATE SET display_name = EXCLUDED.display_name,
    search_name = EXCLUDED.search_name,
    orcid = CASE WHEN t.orcid = '' THEN EXCLUDED.orcid ELSE t.orcid END
WHERE t.record_status = 'stub'
  AND (t.display_name, t.search_name, t.orcid) IS DISTINCT FROM
      (EXCLUDED.display_name, EXCLUDED.search_name, CASE WHEN t.orcid = '' THEN EXCLUDED.orcid ELSE t.orcid END)
"""


_WORK_COLUMNS = (
    "doi",
    "title",
    "type",
    "type_crossref",
    "publication_year",
    "publication_date",
    "venue_name",
    "landing_page_url",
    "abstract",
    "language",
    "cited_by_count",
    "counts_by_year",
    "is_oa",
    "oa_status",
    "oa_url",
    "is_retracted",
    "referenced_works",
    "referenced_works_count",
    "related_works",
    "is_authors_truncated",
    "openalex_updated",
)
_TRUNCATION = "t.is_authors_truncated AND EXCLUDED.is_authors_truncated"
_WORK_SQL = f"""
INSERT INTO works_work AS t (openalex_id, {", ".join(_WORK_COLUMNS)}, source_id, imported_at)
SELECT x.openalex_id, {", ".join("x." + c for c in _WORK_COLUMNS)}, s.id, now()
FROM jsonb_to_recordset(%s::jsonb) AS x(openalex_id text, doi text, title text, type text,
    type_crossref text, publication_year smallint, publication_date date, source text,
    venue_name text, landing_page_url text, abstract text, language text, cited_by_count integer,
    counts_by_year jsonb, is_oa boolean, oa_status text, oa_url text, is_retracted boolean,
    referenced_works text[], referenced_works_count integer, related_works text[],
    is_authors_truncated boolean, openalex_updated timestamptz)
LEFT JOIN works_source s ON s.openalex_id = x.source
ON CONFLICT (openalex_id) DO UPDATE SET ({", ".join(_WORK_COLUMNS)}, source_id, imported_at) =
    ({", ".join(_TRUNCATION if c == "is_authors_truncated" else "EXCLUDED." + c for c in _WORK_COLUMNS)},
     EXCLUDED.source_id, now())
WHERE (t.openalex_updated IS NULL OR EXCLUDED.openalex_updated IS NULL
       OR EXCLUDED.openalex_updated >= t.openalex_updated)
  AND ({", ".join("t." + c for c in _WORK_COLUMNS)}, t.source_id) IS DISTINCT FROM
      ({", ".join(_TRUNCATION if c == "is_authors_truncated" else "EXCLUDED." + c for c in _WORK_COLUMNS)},
       EXCLUDED.source_id)
RETURNING id, openalex_id, (xmax = 0) AS inserted
"""


# --- Write ------------------------------------------------------------------------------------

# Staging tables (for an author's affiliations and topics) live for the connection; they are
# emptied before each use, in the same round trip that creates them.
_STAGING = {
    "stg_written_author": "id bigint PRIMARY KEY, openalex_id text NOT NULL",
    "stg_affiliation": "author text, institution text, years smallint[], is_last_known boolean, source text",
    "stg_researcher_topic": "author text, topic text, rank smallint, works_count integer, share double precision, "
    "score double precision",
}
_STAGING_SQL = "".join(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({columns}); " for table, columns in _STAGING.items())
_STAGING_SQL += f"TRUNCATE {', '.join(_STAGING)}"


def _staging_ready() -> None:
    with connection.cursor() as cursor:
        cursor.execute(_STAGING_SQL)


def _copy(table: str, lines: Iterable[str]) -> None:
    """COPY pre-formatted text lines (tab-separated fields, see the helpers above). Errors are
    raised as Django's (COPY is psycopg's own call), so the file import can isolate them."""
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} FROM STDIN") as copy,
    ):
        buffer: list[str] = []
        for line in lines:
            buffer.append(line)
            if len(buffer) >= 5000:
                copy.write("\n".join(buffer) + "\n")
                buffer.clear()
        if buffer:
            copy.write("\n".join(buffer) + "\n")


def write_batch(batch: ImportBatch) -> WriteResult:
    """Prepare and write ``batch``. Call inside ``transaction.atomic()``; see the module docstring."""
    return write_prepared(prepare_batch(batch))


class WrittenRows:
    """The entity and co-author stub rows that earlier batches of one import run committed,
    by OpenAlex id. Sending such a row again with the same values changes nothing (the
    upserts write only differences), so a run sends each distinct row once: a co-author
    on a thousand works is upserted once, not a thousand times. Rows are remembered only
    once their transaction has committed; a different value is always sent."""

    LIMIT = 2_000_000  # rows; beyond it the memory starts afresh (a snapshot import)

    def __init__(self, limit: int = LIMIT) -> None:
        self.rows: dict[str, str] = {}
        self.limit = limit

    def unsent(self, rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
        known = self.rows
        return [(key, row) for key, row in rows if known.get(key) != row]

    def remember_on_commit(self, rows: list[tuple[str, str]]) -> None:
        transaction.on_commit(lambda: self._remember(rows))

    def _remember(self, rows: list[tuple[str, str]]) -> None:
        if len(self.rows) + len(rows) > self.limit:
            self.rows.clear()
        self.rows.update(rows)


def write_prepared(prepared: PreparedBatch, written_rows: WrittenRows | None = None) -> WriteResult:
    """Write a prepared batch. Call inside ``transaction.atomic()``. ``written_rows`` (one
    per import run) leaves out entity and stub rows the run has already written."""
    result = WriteResult()
    entities = [prepared.institutions, prepared.topics, prepared.sources, prepared.stubs]
    if written_rows is not None:
        entities = [written_rows.unsent(rows) for rows in entities]
    institutions, topics, sources, stubs = entities
    if institutions or topics or sources:
        with _bound_cursor() as cursor:
            cursor.execute(_ENTITIES_SQL, [_json_array(institutions), _json_array(topics), _json_array(sources)])
    if prepared.merged_ids:
        result.aliases_written += _apply_merged_ids(prepared.merged_ids, result)
    remap = _resolve_author_ids(prepared.incoming_authors, result)
    _write_authors(prepared, remap, result)
    if stubs:
        with _bound_cursor() as cursor:
            cursor.execute(_STUB_SQL, [_json_array(stubs), _id_array(remap)])
            result.stubs_written += max(cursor.rowcount, 0)
    _write_new_aliases(prepared, remap, result)
    remap.update((old, new) for old, (new, _) in prepared.aliases.items())
    _write_works(prepared, remap, result)
    if written_rows is not None:
        written_rows.remember_on_commit([row for rows in entities for row in rows])
    return result


def _write_new_aliases(prepared: PreparedBatch, remap: dict[str, str], result: WriteResult) -> None:
    """Aliases for ids resolved during this batch (legacy ids found through ORCID, ids the API
    redirected), written now that their target rows exist. Existing aliases are kept.
    Authorships below find their researcher through these aliases."""
    wanted = {old: (new, "legacy") for old, new in remap.items() if is_legacy_author_id(old)}
    wanted.update(prepared.aliases)
    targets = _id_map("profiles_researcher", (new for new, _ in wanted.values()))
    for old, (new, reason) in sorted(wanted.items()):
        if new in targets and old != new:
            result.aliases_written += _alias(old, targets[new], reason, replace=False)


def _write_authors(prepared: PreparedBatch, remap: dict[str, str], result: WriteResult) -> None:
    for author_id in prepared.full_author_ids + prepared.deleted_author_ids:
        if author_id in remap:
            result.skipped.append(f"{author_id}: an older id of {remap[author_id]}; the current record is kept")
    deleted = [d for d in prepared.deleted_author_ids if d not in remap]
    if deleted:
        with connection.cursor() as cursor:
            # A tombstone hides the record we hold; it never creates one.
            cursor.execute(
                """UPDATE profiles_researcher SET record_status = 'deleted', imported_at = now()
                   WHERE openalex_id = ANY(%s) AND record_status <> 'deleted' RETURNING id""",
                [deleted],
            )
            rows = cursor.fetchall()
        result.authors_deleted += len(rows)
        result.researcher_ids.update(pk for (pk,) in rows)
        result.skipped.extend(f"{d}: deleted in OpenAlex; not imported" for d in deleted)
    if not prepared.full_author_ids:
        return
    with _bound_cursor() as cursor:
        cursor.execute(_AUTHOR_SQL, [prepared.authors, _id_array(remap)])
        written = cursor.fetchall()
        if not written:
            return
        result.authors_written += len(written)
        result.researcher_ids.update(pk for pk, _ in written)
    _staging_ready()  # only batches that write authors need the staging tables
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO stg_written_author SELECT * FROM unnest(%s::bigint[], %s::text[])",
            [[pk for pk, _ in written], [key for _, key in written]],
        )
        # Affiliations and topics of written authors are replaced as a whole.
        cursor.execute(
            "DELETE FROM profiles_researcheraffiliation a USING stg_written_author w WHERE a.researcher_id = w.id"
        )
        cursor.execute("DELETE FROM profiles_researchertopic a USING stg_written_author w WHERE a.researcher_id = w.id")
    children = [prepared.author_children[key] for _, key in written]
    _copy("stg_affiliation", (line for affiliations, _ in children for line in affiliations))
    _copy("stg_researcher_topic", (line for _, topics in children for line in topics))
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO profiles_researcheraffiliation (researcher_id, institution_id, years, is_last_known, source)
               SELECT w.id, i.id, s.years, s.is_last_known, s.source
               FROM stg_affiliation s JOIN stg_written_author w ON w.openalex_id = s.author
               JOIN profiles_institution i ON i.openalex_id = s.institution"""
        )
        cursor.execute(
            """INSERT INTO profiles_researchertopic (researcher_id, topic_id, rank, works_count, share, score)
               SELECT w.id, t.id, s.rank, s.works_count, s.share, s.score
               FROM stg_researcher_topic s JOIN stg_written_author w ON w.openalex_id = s.author
               JOIN profiles_topic t ON t.openalex_id = s.topic"""
        )


# Every row a work's authorships and topics point to, locked as a foreign-key check would
# lock it (FOR KEY SHARE: it cannot be deleted or re-keyed until this transaction ends).
_REFERENCED_SQL = """
WITH r AS (SELECT openalex_id, id FROM profiles_researcher WHERE openalex_id = ANY(%s::text[])
           ORDER BY openalex_id FOR KEY SHARE),
     t AS (SELECT openalex_id, id FROM profiles_topic WHERE openalex_id = ANY(%s::text[])
           ORDER BY openalex_id FOR KEY SHARE)
SELECT 'r', openalex_id, id FROM r UNION ALL SELECT 't', openalex_id, id FROM t
"""


def _write_works(prepared: PreparedBatch, remap: dict[str, str], result: WriteResult) -> None:
    if not prepared.work_children:
        return
    with _bound_cursor() as cursor:
        cursor.execute(_WORK_SQL, [prepared.works])
        written = cursor.fetchall()
        if not written:
            return
        result.works_written += len(written)
        # Children of works that existed are replaced as a whole -- except that a record whose
        # author list OpenAlex truncated at 100 replaces only those first positions. Researchers
        # losing an authorship need their derived data refreshed too.
        replaced = [(pk, key in prepared.truncated_works) for pk, key, inserted in written if not inserted]
        if replaced:
            cursor.execute(
                """DELETE FROM works_authorship a USING unnest(%s::bigint[], %s::boolean[]) AS w(id, truncated)
                   WHERE a.work_id = w.id AND (NOT w.truncated OR a.position < 100)
                   RETURNING a.researcher_id""",
                [[pk for pk, _ in replaced], [truncated for _, truncated in replaced]],
            )
            result.researcher_ids.update(pk for (pk,) in cursor.fetchall() if pk)
            cursor.execute("DELETE FROM works_worktopic WHERE work_id = ANY(%s)", [[pk for pk, _ in replaced]])
        # Authors are found by their id or through an alias (legacy ids, merges): ``remap``.
        authors_wanted = _id_array(remap.get(a, a) for a in prepared.incoming_authors)
        cursor.execute(_REFERENCED_SQL, [authors_wanted, _id_array(key for key, _ in prepared.topics)])
        researchers: dict[str, str] = {}
        topics: dict[str, str] = {}
        for kind, openalex_id, pk in cursor.fetchall():
            (researchers if kind == "r" else topics)[openalex_id] = str(pk)
    for old, new in remap.items():
        if new in researchers:
            researchers[old] = researchers[new]

    authorships: list[str] = []
    work_topics: list[str] = []
    authors: set[str] = set()  # researchers of the written works
    for pk, key, _ in written:
        authorship_lines, topic_lines = prepared.work_children[key]
        if authorship_lines:
            for line in authorship_lines.split("\n"):
                author, _, columns = line.partition("\t")
                researcher = researchers.get(author)
                if researcher:
                    authors.add(researcher)
                authorships.append(f"{pk}\t{researcher or NULL}\t{columns}")
        if topic_lines:
            for line in topic_lines.split("\n"):
                topic_id, _, columns = line.partition("\t")
                topic = topics.get(topic_id)
                if topic:  # as an upsert's join would: a topic the database lacks is left out
                    work_topics.append(f"{pk}\t{topic}\t{columns}")
    result.researcher_ids.update(map(int, authors))
    with _foreign_key_triggers_skipped():
        _copy(
            "works_authorship (work_id, researcher_id, position, author_position, raw_author_name, "
            "is_corresponding, raw_affiliation_strings, countries, institution_openalex_ids)",
            authorships,
        )
        _copy("works_worktopic (work_id, topic_id, score, is_primary)", work_topics)


@contextmanager
def _foreign_key_triggers_skipped() -> Iterator[None]:
    """Skip the per-row foreign-key triggers for the child rows written inside, where this
    database role may (superuser, or ``GRANT SET ON PARAMETER session_replication_role``).

    Why it is safe: every row those child rows point to was written or locked FOR KEY SHARE
    earlier in the same transaction (the works by their upsert, researchers and topics by
    ``_REFERENCED_SQL``), which is what each trigger would check and lock, one row at a time;
    at half a million authorships the triggers cost as much as the rows themselves. The
    constraints stay declared, so every other write is checked as before, and a referenced
    row can still not be deleted while rows point to it. Where the role may not, the
    triggers run as usual.
    """
    # One round trip: the privilege check and the setting (set_config runs only for a row
    # the WHERE keeps; it returns the new value).
    allowed = (
        "has_parameter_privilege('session_replication_role', 'SET')"
        if connection.pg_version >= 150000  # type: ignore[attr-defined]
        else "current_setting('is_superuser') = 'on'"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT set_config('session_replication_role', 'replica', true) WHERE {allowed}")
        skip = cursor.fetchone() is not None
    yield
    # Not in a ``finally``: after an error the transaction (or savepoint) is rolled back, and
    # the setting with it.
    if skip:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
