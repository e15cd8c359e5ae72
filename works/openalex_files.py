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
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson
from isal import igzip, isal_zlib

SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz", ".gz", ".csv", ".csv.gz")
# What reading a file raises for its content: zlib.error (and ISA-L's own error) for a gzip
# stream corrupt in the middle ("invalid distance too far back").
_UNREADABLE: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    UnicodeDecodeError,
    gzip.BadGzipFile,
    zlib.error,
    isal_zlib.error,  # type: ignore[assignment]  # isal types it as an instance
)
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


def _open_binary(path: Path) -> IO[bytes]:
    # ISA-L's gzip reader: the same format, a third of zlib's time (a snapshot file is
    # mostly decompression and JSON decoding before any parsing).
    if path.name.endswith(".gz"):
        return igzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _open_text(path: Path) -> IO[str]:
    return io.TextIOWrapper(_open_binary(path), encoding="utf-8")


def _is_jsonl(path: Path) -> bool:
    name = path.name.removesuffix(".gz")
    return name.endswith((".jsonl", ".ndjson")) or (path.name.endswith(".gz") and "." not in name)


def read_file(path: Path) -> Iterator[FileItem]:
    """Yield the items of one file. Never raises for bad content: errors become items."""
    for _, item in read_items(path):
        yield item


def read_items(
    path: Path, keep: Callable[[int], bool] | None = None, *, start: int = 0, stop: int | None = None
) -> Iterator[tuple[int, FileItem]]:
    """(ordinal, item) for the items of one file (its entities in order; an error counts as
    an item) whose ordinal ``keep`` accepts, all by default. ``keep`` is asked once about
    every ordinal, in order; a line of a JSON Lines file it refuses is counted, not decoded,
    so several processes can share a file. A range of a JSON Lines file (a snapshot task):
    the lines before ordinal ``start`` are counted, not decoded (nor is ``keep`` asked about
    them), and nothing after ordinal ``stop`` is read; a file that cannot be read up to
    ``start`` yields its error all the same. Never raises for bad content: errors become
    items."""
    ordinal = 0
    ask = keep  # who still has to be asked: the JSON Lines reader asks itself
    try:
        if path.name.removesuffix(".gz").endswith(".csv"):
            items: Iterator[FileItem | None] = _read_merged_ids(path)
        elif _is_jsonl(path):
            items = _read_jsonl(path, keep, start, stop)
            ask = None  # None stands for a line it refused
        else:
            items = _read_json(path)
        for item in items:
            if item is not None and (ask is None or ask(ordinal)):
                yield ordinal, item
            ordinal += 1
    except _UNREADABLE as exc:
        if keep is None or ordinal < start or keep(ordinal):
            yield ordinal, FileItem(str(path), error=f"cannot read file: {exc}")


def _read_jsonl(
    path: Path, keep: Callable[[int], bool] | None, start: int = 0, stop: int | None = None
) -> Iterator[FileItem | None]:
    """An item per non-blank line up to ordinal ``stop`` (all by default); None (not decoded)
    for a line before ``start`` or that ``keep`` refuses."""
    ordinal = 0
    # Lines stay bytes: orjson decodes UTF-8 itself, faster than a text wrapper would.
    with _open_binary(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            if stop is not None and ordinal > stop:
                return
            ordinal += 1
            if ordinal <= start or (keep is not None and not keep(ordinal - 1)):
                yield None
                continue
            location = f"{path}:{number}"
            try:
                data = _loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                text = line.decode("utf-8", errors="replace")
                hint = _ID_HINT.search(text)
                entity = f" (entity {hint.group(1)})" if hint else ""
                reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8 text"
                yield FileItem(location, error=f"invalid JSON{entity}, truncated or malformed line: {reason}")
                continue
            yield FileItem(location, data=data)


def _loads(text: str | bytes) -> Any:
    """orjson for speed; the standard library where orjson refuses (it names the error
    position in words, and accepts NaN). Raises json.JSONDecodeError for anything it cannot
    read, including what the standard library refuses otherwise (integers of more than
    4,300 digits, nesting deeper than the stack)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        # The standard library keeps a lone UTF-16 surrogate escape ("\ud800") as a
        # character that no UTF-8 writer (orjson, PostgreSQL) accepts; orjson refused the
        # text for it.
        return _without_lone_surrogates(json.loads(text))
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError) as exc:
        raise json.JSONDecodeError(str(exc).split(";")[0], "", 0) from None


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(data: Any) -> Any:
    """``data`` with every lone surrogate in its strings (keys too) replaced by U+FFFD."""
    if isinstance(data, str):
        return _LONE_SURROGATE.sub("\ufffd", data) if not data.isascii() else data
    if isinstance(data, list):
        return [_without_lone_surrogates(item) for item in data]
    if isinstance(data, dict):
        return {_without_lone_surrogates(key): _without_lone_surrogates(value) for key, value in data.items()}
    return data


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
