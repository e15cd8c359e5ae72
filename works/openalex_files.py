"""Read OpenAlex files: single entities, API list responses, snapshot JSON Lines (.gz or not)
and merged_ids CSVs. Yields raw items with where they came from; parsing is done by
openalex_parser. Reads files only (no ORM, no network).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz", ".gz", ".csv", ".csv.gz")
_ID_HINT = re.compile(r'"id"\s*:\s*"(?:https://openalex\.org/)?([AWISTC]\d+)"')


@dataclass(slots=True)
class FileItem:
    """One entity-sized piece of a file: ``data`` (a decoded JSON object, or a merged_ids CSV
    row list) or ``error`` (why it could not be read). ``location`` names file and position."""

    location: str
    data: Any = None
    error: str = ""
    kind: str = "entity"  # "entity" or "merged_ids"


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[str]]:
    """Files to read (folders walked recursively, sorted) and errors for paths that are missing."""
    files: list[Path] = []
    errors: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.name.endswith(SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            errors.append(f"{path}: no such file or folder")
    return files, errors


def _open_text(path: Path) -> IO[str]:
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return path.open(encoding="utf-8")


def _is_jsonl(path: Path) -> bool:
    name = path.name.removesuffix(".gz")
    return name.endswith((".jsonl", ".ndjson")) or (path.name.endswith(".gz") and "." not in name)


def read_file(path: Path) -> Iterator[FileItem]:
    """Yield the items of one file. Never raises for bad content: errors become items."""
    try:
        if path.name.removesuffix(".gz").endswith(".csv"):
            yield from _read_merged_ids(path)
        elif _is_jsonl(path):
            yield from _read_jsonl(path)
        else:
            yield from _read_json(path)
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as exc:
        yield FileItem(str(path), error=f"cannot read file: {exc}")


def _read_jsonl(path: Path) -> Iterator[FileItem]:
    with _open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            location = f"{path}:{number}"
            try:
                data = _loads(line)
            except json.JSONDecodeError as exc:
                hint = _ID_HINT.search(line)
                entity = f" (entity {hint.group(1)})" if hint else ""
                yield FileItem(location, error=f"invalid JSON{entity}, truncated or malformed line: {exc.msg}")
                continue
            yield FileItem(location, data=data)


def _loads(text: str) -> Any:
    """orjson for speed; the standard library where orjson refuses (it names the error
    position in words, and accepts NaN)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _read_json(path: Path) -> Iterator[FileItem]:
    with _open_text(path) as handle:
        text = handle.read()
    try:
        document = _loads(text)
    except json.JSONDecodeError as exc:
        hint = _ID_HINT.search(text)
        entity = f" (entity {hint.group(1)})" if hint else ""
        yield FileItem(
            str(path), error=f"invalid JSON{entity}: {exc.msg} at line {exc.lineno} column {exc.colno} (truncated?)"
        )
        return
    if isinstance(document, dict) and "id" not in document and ("results" in document or "group_by" in document):
        results = document.get("results", [])
        if not isinstance(results, list):
            yield FileItem(str(path), error="list response whose 'results' is not a list")
            return
        if not results and document.get("group_by"):
            yield FileItem(str(path), error="a group_by response holds counts, not records: nothing to import")
            return
        for index, item in enumerate(results):
            yield FileItem(f"{path} results[{index}]", data=item)
    elif isinstance(document, list):
        for index, item in enumerate(document):
            yield FileItem(f"{path} [{index}]", data=item)
    else:
        yield FileItem(str(path), data=document)


def _read_merged_ids(path: Path) -> Iterator[FileItem]:
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"id", "merge_into_id"} <= set(reader.fieldnames):
            yield FileItem(str(path), error="CSV without the merged_ids columns merge_date,id,merge_into_id")
            return
        yield FileItem(str(path), data=list(reader), kind="merged_ids")
