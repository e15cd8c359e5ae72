"""Prepare (pure): an ImportBatch of parsed records -> what the writer sends, computed
without the database: JSON documents and rows for the entity upserts and COPY text for the
child rows, keyed by OpenAlex ids (works/upsert.py puts the database's keys in).

Pure and fully typed: it runs in the parsing processes, and like the parser it may run
compiled (scripts/compile_parser.py).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from profiles.bio import generate_bio
from profiles.names import fold, search_text
from works.openalex_parser import AuthorRecord, AuthorshipRecord, ImportBatch, MergedId


def _json(rows: Sequence[dict[str, Any]]) -> str:
    # orjson writes dates and datetimes as ISO 8601, which PostgreSQL reads back exactly.
    return orjson.dumps(rows).decode()


# --- COPY text format -------------------------------------------------------------------------
# Child rows go in with COPY, formatted here: psycopg's per-value adaptation of arrays cost
# more than the database's own work on them (measured: 100k authorship rows, 1.5 s -> 0.3 s).

NULL = "\\N"


def _text(value: str | None) -> str:
    """A text field: backslash, tab, newline and carriage return escaped; NUL dropped
    (PostgreSQL text cannot hold it)."""
    if value is None:
        return NULL
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value or "\x00" in value:
        value = (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
            .replace("\x00", "")
        )
    return value


def _text_array(values: Sequence[str]) -> str:
    """A text[] field: every element double-quoted, quotes and backslashes escaped."""
    if not values:
        return "{}"
    joined = '","'.join(values)
    if '"' not in joined and "\\" not in joined and "\t" not in joined and "\n" not in joined and "\r" not in joined:
        return '{"' + joined + '"}'  # nothing to escape: the usual case
    quoted = ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values)
    return _text("{" + quoted + "}")


def _int_array(values: Sequence[int]) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def _key_array(values: Sequence[str]) -> str:
    """OpenAlex keys (A123, I45): no quoting needed."""
    return "{" + ",".join(values) + "}"


def _number(value: float | int | None) -> str:
    return NULL if value is None else repr(value)


def _bool(value: bool | None) -> str:
    return NULL if value is None else ("t" if value else "f")


# --- Prepare (pure) -------------------------------------------------------------------------


@dataclass
class PreparedBatch:
    """A batch as the database will receive it. Child rows are COPY text lines keyed by the
    parent's OpenAlex id, so only the rows of parents that changed need to be sent."""

    # Entity and stub rows as (OpenAlex id, JSON object): one by one, so that an import run
    # can leave out the rows an earlier batch of it already wrote (see WrittenRows).
    institutions: list[tuple[str, str]] = field(default_factory=list)
    topics: list[tuple[str, str]] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)
    merged_ids: list[MergedId] = field(default_factory=list)
    aliases: dict[str, tuple[str, str]] = field(default_factory=dict)
    incoming_authors: dict[str, str] = field(default_factory=dict)  # author id -> ORCID
    full_author_ids: list[str] = field(default_factory=list)
    deleted_author_ids: list[str] = field(default_factory=list)
    authors: str = "[]"
    stubs: list[tuple[str, str]] = field(default_factory=list)
    works: str = "[]"
    truncated_works: set[str] = field(default_factory=set)
    author_children: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)  # affiliations, topics
    work_children: dict[str, WorkChildren] = field(default_factory=dict)


# The child rows of one work as COPY text lines, each led by the OpenAlex id it points to
# in place of the key the database assigns: "<author id or empty>\t<authorship columns from
# position on>" and "<topic id>\t<score>\t<is_primary>". One string per work (lines joined
# by newlines): a batch crosses from the parsing process to the writer in few pieces.
WorkChildren = tuple[str, str]


def _rows(records: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(r["openalex_id"], orjson.dumps(r).decode()) for r in records]


def prepare_batch(batch: ImportBatch) -> PreparedBatch:
    """Everything ``write_prepared`` needs, computed without the database."""
    prepared = PreparedBatch(merged_ids=list(batch.merged_ids), aliases=dict(batch.aliases))
    prepared.institutions = _rows(
        [
            {
                "openalex_id": i.openalex_id,
                "display_name": i.display_name,
                "ror": i.ror,
                "country_code": i.country_code,
                "type": i.type,
                "lineage": i.lineage,
                "homepage_url": i.homepage_url,
                "email_domains": i.email_domains,
                "is_full_record": i.is_full_record,
                "openalex_updated": i.updated,
            }
            for _, i in sorted(batch.institutions.items())
        ]
    )
    prepared.topics = _rows(
        [
            {
                "openalex_id": t.openalex_id,
                "kind": t.kind,
                "display_name": t.display_name,
                "description": t.description,
                "subfield": t.subfield,
                "field": t.field,
                "domain": t.domain,
                "level": t.level,
            }
            for _, t in sorted(batch.topics.items())
        ]
    )
    prepared.sources = _rows(
        [
            {
                "openalex_id": s.openalex_id,
                "display_name": s.display_name,
                "type": s.type,
                "issn_l": s.issn_l,
                "host_organization_name": s.host_organization_name,
            }
            for _, s in sorted(batch.sources.items())
        ]
    )
    _prepare_authors(batch, prepared)
    _prepare_works(batch, prepared)
    return prepared


def _bio(author: AuthorRecord, work_years: list[int], institutions: dict[str, str], topics: dict[str, str]) -> str:
    recent_years = [row["year"] for row in author.counts_by_year if row.get("works_count")]
    # The first year is known only when every work is in hand (an API import of the author);
    # counts_by_year starts about a dozen years back and would make long careers look short.
    first_year = min(work_years) if work_years and len(work_years) >= author.works_count else None
    last_known = next((a.institution_id for a in author.affiliations if a.is_last_known), None)
    return generate_bio(
        topics=[topics[t.topic_id] for t in author.topics[:3] if t.topic_id in topics],
        institution=institutions.get(last_known) if last_known else None,
        first_year=first_year,
        last_year=max(recent_years + work_years, default=None),
        works_count=author.works_count,
    )


# Stub names repeat across the batches of a run; folding (Unicode decomposition) is the
# dearest step of preparing a stub.
_fold = functools.lru_cache(maxsize=100_000)(fold)


def _prepare_authors(batch: ImportBatch, prepared: PreparedBatch) -> None:
    incoming = prepared.incoming_authors
    for author in batch.authors.values():
        incoming[author.openalex_id] = author.orcid
    # Co-authors known only from works become stub researchers (until imported): the first
    # authorship naming them, or the first with an ORCID.
    stubs: dict[str, AuthorshipRecord] = {}
    for work in batch.works.values():
        for authorship in work.authorships:
            author_id = authorship.author_id
            if not author_id:
                continue
            if author_id in batch.authors:
                if not incoming[author_id] and authorship.author_orcid:
                    incoming[author_id] = authorship.author_orcid
                continue
            if author_id not in stubs or (authorship.author_orcid and not stubs[author_id].author_orcid):
                stubs[author_id] = authorship
                incoming[author_id] = authorship.author_orcid
    prepared.stubs = _rows(
        {
            "openalex_id": key,
            "display_name": (name := stubs[key].author_name or key),
            "search_name": _fold(name),
            "orcid": stubs[key].author_orcid,
        }
        for key in sorted(stubs)
    )

    authors = sorted((a for a in batch.authors.values() if not a.is_deleted), key=lambda a: a.openalex_id)
    prepared.deleted_author_ids = sorted(a.openalex_id for a in batch.authors.values() if a.is_deleted)
    prepared.full_author_ids = [a.openalex_id for a in authors]
    if authors:
        institution_names = {i.openalex_id: i.display_name for i in batch.institutions.values()}
        topic_names = {t.openalex_id: t.display_name for t in batch.topics.values()}
        # Publication years of the batch's works per author: the counts_by_year window only
        # reaches back to 2012, the works themselves further.
        work_years: dict[str, list[int]] = {}
        for work in batch.works.values():
            if work.publication_year:
                for authorship in work.authorships:
                    if authorship.author_id in batch.authors:
                        work_years.setdefault(authorship.author_id, []).append(work.publication_year)
        prepared.authors = _json(
            [
                {
                    "openalex_id": a.openalex_id,
                    "orcid": a.orcid,
                    "display_name": a.display_name,
                    "display_name_alternatives": a.display_name_alternatives,
                    "search_name": search_text(a.display_name, a.display_name_alternatives),
                    "record_status": "imported",
                    "works_count": a.works_count,
                    "cited_by_count": a.cited_by_count,
                    "h_index": a.h_index,
                    "i10_index": a.i10_index,
                    "two_year_mean_citedness": a.two_year_mean_citedness,
                    "counts_by_year": a.counts_by_year,
                    "generated_bio": _bio(a, work_years.get(a.openalex_id, []), institution_names, topic_names),
                    "openalex_updated": a.updated,
                    "openalex_created": a.created,
                }
                for a in authors
            ]
        )
        for a in authors:
            prepared.author_children[a.openalex_id] = (
                [
                    f"{a.openalex_id}\t{f.institution_id}\t{_int_array(f.years)}\t{_bool(f.is_last_known)}\t{f.source}"
                    for f in a.affiliations
                ],
                [
                    f"{a.openalex_id}\t{t.topic_id}\t{t.rank}\t{_number(t.works_count)}\t{_number(t.share)}\t"
                    f"{_number(t.score)}"
                    for t in a.topics
                ],
            )


def _prepare_works(batch: ImportBatch, prepared: PreparedBatch) -> None:
    works = [batch.works[key] for key in sorted(batch.works)]
    prepared.works = _json(
        [
            {
                "openalex_id": w.openalex_id,
                "doi": w.doi,
                "title": w.title,
                "type": w.type,
                "type_crossref": w.type_crossref,
                "publication_year": w.publication_year,
                "publication_date": w.publication_date,
                "source": w.source_id,
                "venue_name": w.venue_name,
                "landing_page_url": w.landing_page_url,
                "abstract": w.abstract,
                "language": w.language,
                "cited_by_count": w.cited_by_count,
                "counts_by_year": w.counts_by_year,
                "is_oa": w.is_oa,
                "oa_status": w.oa_status,
                "oa_url": w.oa_url,
                "is_retracted": w.is_retracted,
                "referenced_works": w.referenced_works,
                "referenced_works_count": w.referenced_works_count,
                "related_works": w.related_works,
                "is_authors_truncated": w.is_authors_truncated,
                "openalex_updated": w.updated,
            }
            for w in works
        ]
    )
    prepared.truncated_works = {w.openalex_id for w in works if w.is_authors_truncated}
    for w in works:
        prepared.work_children[w.openalex_id] = (
            "\n".join(
                f"{a.author_id or ''}\t{a.position}\t{_text(a.author_position)}\t"
                f"{_text(a.raw_author_name or a.author_name)}\t{_bool(a.is_corresponding)}\t"
                f"{_text_array(a.raw_affiliation_strings)}\t{_text_array(a.countries)}\t"
                f"{_key_array(a.institution_ids)}"
                for a in w.authorships
            ),
            "\n".join(f"{t.topic_id}\t{_number(t.score)}\t{_bool(t.is_primary)}" for t in w.topics),
        )
