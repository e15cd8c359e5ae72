"""Loading OpenAlex files (JSON, JSON Lines, gzip, API list responses, merged-ids CSV) into an
in-memory, thread-safe store with the API's lookups (by key, by external id, merged ids)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openalex_fake.ids import COLLECTIONS, ENTITY_TYPES, external_ids, parse_lookup_id, short_key

_JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}


class OpenAlexLoadError(ValueError):
    """A file could not be read as OpenAlex JSON; the message names the file (and line)."""


@dataclass
class LoadReport:
    """What a load call read: counts, and the skipped items with the reason."""

    files: int = 0
    entities: int = 0
    merged_ids: int = 0
    skipped: list[str] = field(default_factory=list)

    def merge(self, other: LoadReport) -> None:
        self.files += other.files
        self.entities += other.entities
        self.merged_ids += other.merged_ids
        self.skipped.extend(other.skipped)


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8")  # noqa: SIM115 - returned to the caller's `with`


def _is_merged_csv(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(".csv") or name.endswith(".csv.gz")


def _is_data_file(path: Path) -> bool:
    if path.name.startswith("."):
        return False
    suffixes = [s.lower() for s in path.suffixes]
    if not suffixes:
        return False
    return suffixes[-1] in _JSON_SUFFIXES | {".gz"} or _is_merged_csv(path)


def iter_json_documents(path: Path) -> Iterator[Any]:
    """Yield the JSON documents of a file: one for a JSON file, one per line for JSON Lines.

    Raises OpenAlexLoadError naming the file (and the line for JSON Lines).
    """
    try:
        with _open_text(path) as handle:
            text = handle.read()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise OpenAlexLoadError(f"{path}: cannot read: {exc}") from exc
    stripped = text.strip()
    if not stripped:
        return
    try:
        yield json.loads(stripped)
        return
    except json.JSONDecodeError as exc:
        whole_error = exc
    lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(lines) < 2:
        raise OpenAlexLoadError(f"{path}: invalid JSON: {whole_error}") from whole_error
    for number, line in lines:
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            raise OpenAlexLoadError(f"{path}, line {number}: invalid JSON: {exc}") from exc


def iter_entities(document: Any) -> Iterator[Any]:
    """Entities in a JSON document: itself, an API list's ``results``, or a JSON array."""
    if isinstance(document, list):
        for item in document:
            yield from iter_entities(item)
    elif isinstance(document, dict) and isinstance(document.get("results"), list):
        yield from document["results"]
    else:
        yield document


def read_merged_ids(path: Path) -> list[tuple[str, str]]:
    """(old key, surviving key) rows of an OpenAlex ``merge_date,id,merge_into_id`` CSV."""
    rows: list[tuple[str, str]] = []
    try:
        with _open_text(path) as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"id", "merge_into_id"} <= set(reader.fieldnames):
                raise OpenAlexLoadError(f"{path}: not a merged-ids CSV (need id,merge_into_id)")
            for number, row in enumerate(reader, 2):
                old, new = short_key(row.get("id")), short_key(row.get("merge_into_id"))
                if not old or not new:
                    raise OpenAlexLoadError(f"{path}, line {number}: bad ids {row!r}")
                rows.append((old, new))
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as exc:
        raise OpenAlexLoadError(f"{path}: cannot read: {exc}") from exc
    return rows


# --- the store --------------------------------------------------------------------------


class OpenAlexStore:
    """In-memory OpenAlex entities with the API's lookups. Thread-safe.

    Adding an entity whose id is already held replaces it (later files win).
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._entities: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in COLLECTIONS}
        self._external: dict[tuple[str, str, str], str] = {}
        self._merged: dict[str, str] = {}

    # loading

    def add_entity(self, entity: Mapping[str, Any]) -> str:
        """Add or replace one entity; returns its short key. ValueError if the id is unusable."""
        key = short_key(entity.get("id")) if isinstance(entity, Mapping) else None
        if not key or key[0] not in ENTITY_TYPES:
            raise ValueError(
                f"not an OpenAlex entity id: {entity.get('id')!r}"
                if isinstance(entity, Mapping)
                else "not a JSON object"
            )
        collection = ENTITY_TYPES[key[0]]
        record = json.loads(json.dumps(entity))  # private deep copy: callers may mutate theirs
        with self._lock:
            previous = self._entities[collection].get(key)
            if previous is not None:
                for scheme, value in external_ids(previous):
                    if self._external.get((collection, scheme, value)) == key:
                        del self._external[(collection, scheme, value)]
            self._entities[collection][key] = record
            for scheme, value in external_ids(record):
                self._external[(collection, scheme, value)] = key
        return key

    def add_merged_id(self, old: str, new: str) -> None:
        """Make ``old`` answer 301 to ``new`` (both short keys or URLs)."""
        old_key, new_key = short_key(old), short_key(new)
        if not old_key or not new_key:
            raise ValueError(f"bad merged id pair {old!r} -> {new!r}")
        with self._lock:
            self._merged[old_key] = new_key

    def load(self, source: str | Path | Mapping[str, Any] | list[Any]) -> LoadReport:
        """Load a folder (recursively, sorted), a file, an entity dict or a list response."""
        if isinstance(source, Mapping | list):
            return self._load_document(source, "<object>")
        path = Path(source)
        if path.is_dir():
            report = LoadReport()
            for child in sorted(p for p in path.rglob("*") if p.is_file() and _is_data_file(p)):
                report.merge(self._load_file(child))
            return report
        if not path.exists():
            raise OpenAlexLoadError(f"{path}: no such file or folder")
        return self._load_file(path)

    def _load_file(self, path: Path) -> LoadReport:
        if _is_merged_csv(path):
            rows = read_merged_ids(path)
            for old, new in rows:
                self.add_merged_id(old, new)
            return LoadReport(files=1, merged_ids=len(rows))
        report = LoadReport(files=1)
        for document in iter_json_documents(path):
            report.merge(self._load_document(document, str(path)))
        report.files = 1
        return report

    def _load_document(self, document: Any, origin: str) -> LoadReport:
        report = LoadReport()
        for entity in iter_entities(document):
            if isinstance(entity, dict) and "error" in entity and "id" not in entity:
                report.skipped.append(f"{origin}: error body {entity.get('error')!r}")
                continue
            try:
                self.add_entity(entity)
            except ValueError as exc:
                report.skipped.append(f"{origin}: {exc}")
                continue
            report.entities += 1
        return report

    # reading

    def count(self, collection: str | None = None) -> int:
        with self._lock:
            if collection:
                return len(self._entities[collection])
            return sum(len(v) for v in self._entities.values())

    def all(self, collection: str) -> list[dict[str, Any]]:
        """A snapshot of the collection's records (the records themselves: do not mutate)."""
        with self._lock:
            return list(self._entities[collection].values())

    def resolve(self, collection: str, raw_id: str) -> tuple[str, str | None]:
        """Look up an id form.

        Returns ("found", key), ("merged", surviving key) or ("missing", None).
        """
        parsed = parse_lookup_id(raw_id)
        if parsed is None:
            return ("missing", None)
        scheme, value = parsed
        with self._lock:
            if scheme == "openalex":
                if value[0] != COLLECTIONS[collection]:
                    return ("missing", None)
                if value in self._entities[collection]:
                    return ("found", value)
                survivor = self._follow_merges(value)
                return ("merged", survivor) if survivor else ("missing", None)
            key = self._external.get((collection, scheme, value))
            return ("found", key) if key else ("missing", None)

    def _follow_merges(self, key: str) -> str | None:
        seen = {key}
        current = self._merged.get(key)
        while current is not None and current in self._merged and current not in seen:
            seen.add(current)
            current = self._merged[current]
        return current

    def get(self, collection: str, key: str) -> dict[str, Any] | None:
        with self._lock:
            return self._entities[collection].get(key)
