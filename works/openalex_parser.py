"""OpenAlex records (any schema era) -> plain records the upsert writes. Pure: no ORM, no I/O.

One parser for both sources (the API through pyalex, and OpenAlex files). The schema eras it
reconciles are listed in ../shared/openalex-samples/SCHEMA-NOTES.md; each place that handles
one says which. Anything that cannot be read faithfully raises ``MalformedRecord`` naming the
entity and the field, so the caller can report it and write nothing of that entity.

Every value is bounded to the column it lands in (see "Bounds" below), so that no record can
make the database refuse a batch or store a number that breaks what reads it later (a
negative citation count once stopped every trust recompute):

- a number out of its range, or not a finite number, refuses the record (``MalformedRecord``
  names the field and the value);
- over-long text is cut, never refused: the record keeps the text up to the limit, ending in
  an ellipsis, and its ``notes`` say what was cut (the caller logs them with the file);
- a record is refused for text only when its id is unusable.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from profiles.domains import homepage_domain
from profiles.identifiers import is_current_author_id
from profiles.orcid import normalize_orcid

OPENALEX_ID = re.compile(r"^(?:https?://(?:www\.)?openalex\.org/)?(?:openalex:)?([AWISTCVP])(\d+)$", re.I)
ENTITY_KINDS = {
    "A": "author",
    "W": "work",
    "I": "institution",
    "T": "topic",
    "C": "concept",
    "S": "source",
    "V": "source",
}

# Crossref's work types (2021/2022 records, and type_crossref later) -> OpenAlex's own types.
CROSSREF_TO_OPENALEX_TYPE = {
    "journal-article": "article",
    "proceedings-article": "article",
    "posted-content": "preprint",
    "book-chapter": "book-chapter",
    "book-part": "book-chapter",
    "book-section": "book-chapter",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-series": "book",
    "dissertation": "dissertation",
    "dataset": "dataset",
    "report": "report",
    "report-series": "report",
    "peer-review": "peer-review",
    "reference-entry": "reference-entry",
    "standard": "standard",
    "proceedings": "book",
    "journal-issue": "paratext",
    "journal": "paratext",
    "component": "other",
    "other": "other",
}


class MalformedRecord(ValueError):
    """A record we cannot import faithfully. ``entity`` names it (an OpenAlex id or a hint);
    ``reason`` starts with the field at fault where there is one."""

    def __init__(self, entity: str, reason: str) -> None:
        self.entity = entity
        self.reason = reason
        super().__init__(f"{entity}: {reason}")


class ErrorBody(ValueError):
    """An OpenAlex error response ({"error", "message"}) where a record was expected."""

    def __init__(self, error: str, message: str) -> None:
        self.error = error
        self.message = message
        shown = message if len(message) <= 200 else message[:200] + "…"
        super().__init__(f"OpenAlex error response: {error}: {shown}".strip())


# --- Bounds ----------------------------------------------------------------------------------
# What each number may be, by the column it lands in (profiles.models, works.models). Counts
# that land in JSON (counts_by_year) are bounded like the count columns: pages and the bio
# read them as such.

INT4_MAX = 2_147_483_647
SMALLINT_MIN = -32_768
SMALLINT_MAX = 32_767
# (lowest, highest), inclusive.
COUNT = (0, INT4_MAX)  # integer columns: works, citations, h-index, i10, topic works, references
YEAR = (SMALLINT_MIN, SMALLINT_MAX)  # smallint: publication years, affiliation years
RANK = (0, SMALLINT_MAX)  # smallint from 0: author positions, topic ranks, concept levels

# Text: names and titles are cut at NAME_MAX characters, abstracts and descriptions at
# LONG_TEXT_MAX, the last character an ellipsis. Links longer than URL_MAX are left out
# (cut, a link would lead nowhere).
NAME_MAX = 2_000
LONG_TEXT_MAX = 20_000
URL_MAX = 2_000
HOMEPAGE_MAX = 500  # profiles.Institution.homepage_url
DOI_MAX = 255  # works.Work.doi
OPENALEX_ID_MAX = 16  # every openalex_id column, and the id arrays (lineage, referenced works)


def _shown(value: Any) -> str:
    """A value for an error message: its repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _bounded(number: int, name: str, entity: str, bounds: tuple[int, int]) -> int:
    """``number`` if ``bounds`` hold it; else the record is refused, naming the field."""
    low, high = bounds
    if low <= number <= high:
        return number
    raise MalformedRecord(entity, f"{name} must be between {low:,} and {high:,}, got {_shown(number)}")


def _clip(text: str, limit: int, name: str, entity: str, notes: list[str]) -> str:
    """``text`` cut to ``limit`` characters, the last an ellipsis, with a note saying so."""
    if len(text) <= limit:
        return text
    notes.append(f"{entity}: {name} cut to {limit:,} characters (it had {len(text):,})")
    return text[: limit - 1].rstrip() + "…"


def _link(value: Any, limit: int, name: str, entity: str, notes: list[str]) -> str:
    """A URL or identifier as text; "" with a note when longer than ``limit`` (cut, it would
    be wrong)."""
    text = _str(value)
    if len(text) <= limit:
        return text
    notes.append(f"{entity}: {name} left out: longer than {limit:,} characters ({len(text):,})")
    return ""


def _notes_of(notes: list[str], records: Iterable[InstitutionRecord | TopicRecord | SourceRecord | None]) -> None:
    """Add the notes of the entities a record embeds to the record's own."""
    for record in records:
        if record is not None and record.notes:
            notes.extend(record.notes)


# --- Records -------------------------------------------------------------------------------


@dataclass(slots=True)
class InstitutionRecord:
    openalex_id: str
    display_name: str
    ror: str = ""
    country_code: str = ""
    type: str = ""
    lineage: list[str] = field(default_factory=list)
    # Only full institution records (not the dehydrated copies inside authors and works)
    # carry these.
    is_full_record: bool = False
    homepage_url: str = ""
    email_domains: list[str] = field(default_factory=list)
    updated: datetime | None = None
    # What was cut to fit (see _clip), for the caller to log; includes the notes of the
    # entities this record embeds.
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class TopicRecord:
    openalex_id: str
    display_name: str
    kind: str = "topic"
    # What was cut to fit (see _clip), for the caller to log. (Declared before ``field``,
    # which names a column here and hides dataclasses.field below it.)
    notes: list[str] = field(default_factory=list)
    subfield: str = ""
    field: str = ""
    domain: str = ""
    level: int | None = None
    description: str = ""
    is_full_record: bool = False


@dataclass(slots=True)
class SourceRecord:
    openalex_id: str
    display_name: str
    type: str = ""
    issn_l: str = ""
    host_organization_name: str = ""
    # What was cut to fit (see _clip), for the caller to log; includes the notes of the
    # entities this record embeds.
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class AffiliationRecord:
    institution_id: str
    years: list[int]
    is_last_known: bool
    source: str  # "affiliations" or "last_known"


@dataclass(slots=True)
class ResearcherTopicRecord:
    topic_id: str
    rank: int
    works_count: int | None = None
    share: float | None = None
    score: float | None = None


@dataclass(slots=True)
class AuthorRecord:
    openalex_id: str
    display_name: str
    orcid: str = ""
    display_name_alternatives: list[str] = field(default_factory=list)
    works_count: int = 0
    cited_by_count: int = 0
    h_index: int | None = None
    i10_index: int | None = None
    two_year_mean_citedness: float | None = None
    counts_by_year: list[dict[str, int]] = field(default_factory=list)
    affiliations: list[AffiliationRecord] = field(default_factory=list)
    topics: list[ResearcherTopicRecord] = field(default_factory=list)
    updated: datetime | None = None
    created: date | None = None
    is_deleted: bool = False
    # Embedded entities (dehydrated) this record mentions.
    institutions: list[InstitutionRecord] = field(default_factory=list)
    topic_records: list[TopicRecord] = field(default_factory=list)
    # What was cut to fit (see _clip), for the caller to log; includes the notes of the
    # entities this record embeds.
    notes: list[str] = field(default_factory=list)

    @property
    def is_legacy_id(self) -> bool:
        return is_legacy_author_id(self.openalex_id)


@dataclass(slots=True)
class AuthorshipRecord:
    position: int
    author_position: str
    author_id: str | None
    author_name: str
    author_orcid: str
    raw_author_name: str
    is_corresponding: bool | None
    raw_affiliation_strings: list[str]
    countries: list[str]
    institution_ids: list[str]


@dataclass(slots=True)
class WorkTopicRecord:
    topic_id: str
    score: float | None
    is_primary: bool


@dataclass(slots=True)
class WorkRecord:
    openalex_id: str
    title: str | None
    type: str = ""
    type_crossref: str = ""
    doi: str = ""
    publication_year: int | None = None
    publication_date: date | None = None
    source_id: str | None = None
    venue_name: str = ""
    landing_page_url: str = ""
    abstract: str = ""
    language: str = ""
    cited_by_count: int = 0
    counts_by_year: list[dict[str, int]] = field(default_factory=list)
    is_oa: bool | None = None
    oa_status: str = ""
    oa_url: str = ""
    is_retracted: bool = False
    referenced_works: list[str] = field(default_factory=list)
    referenced_works_count: int | None = None
    related_works: list[str] = field(default_factory=list)
    is_authors_truncated: bool = False
    updated: datetime | None = None
    authorships: list[AuthorshipRecord] = field(default_factory=list)
    topics: list[WorkTopicRecord] = field(default_factory=list)
    # Embedded entities (dehydrated) this record mentions.
    institutions: list[InstitutionRecord] = field(default_factory=list)
    topic_records: list[TopicRecord] = field(default_factory=list)
    source: SourceRecord | None = None
    # What was cut to fit (see _clip), for the caller to log; includes the notes of the
    # entities this record embeds.
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True)
class MergedId:
    """A row of an OpenAlex merged_ids file: ``old_id`` now means ``into_id``."""

    old_id: str
    into_id: str
    merged_on: date | None


Record = AuthorRecord | WorkRecord | InstitutionRecord | TopicRecord | SourceRecord


# --- Small readers ---------------------------------------------------------------------------


_URL_PREFIX = "https://openalex.org/"
_FAST_PREFIXES = frozenset("AWISTC")


def short_id(value: Any, *, entity: str = "?") -> str:
    """``https://openalex.org/A5023888391`` -> ``A5023888391``; legacy venue ``V…`` -> ``S…``."""
    # Fast path for the canonical form, which is nearly every id an import sees.
    if type(value) is str and value.startswith(_URL_PREFIX):
        tail = value[21:]
        if 1 < len(tail) <= OPENALEX_ID_MAX and tail[0] in _FAST_PREFIXES and tail[1:].isdigit() and tail.isascii():
            return tail
    if not isinstance(value, str):
        raise MalformedRecord(entity, f"expected an OpenAlex id, got {_shown(value)}")
    match = OPENALEX_ID.match(value.strip())
    if not match:
        raise MalformedRecord(entity, f"not an OpenAlex id: {_shown(value)}")
    prefix = match.group(1).upper()
    if prefix == "V":  # venues became sources in 2023, keeping the number
        prefix = "S"
    key = prefix + match.group(2)
    if len(key) > OPENALEX_ID_MAX:
        raise MalformedRecord(entity, f"not an OpenAlex id (longer than {OPENALEX_ID_MAX} characters): {_shown(value)}")
    return key


def short_ids(values: Any, name: str, entity: str) -> list[str]:
    """A list of ids (``referenced_works``...): checked as a whole when every one has the
    canonical ``https://openalex.org/`` form, one by one otherwise."""
    values = _list(values, name, entity)
    if values and all(type(v) is str and v.startswith(_URL_PREFIX) for v in values):
        tails = [v[21:] for v in values]
        digits = "".join(t[1:] for t in tails)
        if (
            digits.isdigit()
            and digits.isascii()
            and all(1 < len(t) <= OPENALEX_ID_MAX and t[0] in _FAST_PREFIXES for t in tails)
        ):
            return tails
    return [short_id(v, entity=entity) for v in values]


def optional_short_id(value: Any, *, entity: str) -> str | None:
    return None if value in (None, "") else short_id(value, entity=entity)


def entity_kind(openalex_id: str) -> str:
    return ENTITY_KINDS.get(openalex_id[:1].upper(), "unknown")


def is_legacy_author_id(openalex_id: str) -> bool:
    """Author ids were replaced in July 2023: anything not of the current series
    (profiles.identifiers.is_current_author_id, the one rule) is a legacy id."""
    return not is_current_author_id(openalex_id)


def _int(
    value: Any, name: str, entity: str, *, default: int | None = 0, bounds: tuple[int, int] = COUNT
) -> int | None:
    """A whole number (an int, an integral float, or digits as text) within ``bounds`` (a
    count by default); ``default`` when absent. Anything else refuses the record."""
    if type(value) is int and bounds[0] <= value <= bounds[1]:
        return value  # nearly every number an import sees
    if value is None:
        return default
    number: int
    if type(value) is int:
        number = value
    elif isinstance(value, bool):
        raise MalformedRecord(entity, f"{name} must be a number, got {value!r}")
    elif (
        isinstance(value, int)
        or (isinstance(value, float) and value.is_integer())
        or (isinstance(value, str) and _is_whole_number(value))
    ):
        number = int(value)
    else:
        raise MalformedRecord(entity, f"{name} must be a whole number, got {_shown(value)}")
    return _bounded(number, name, entity, bounds)


def _is_whole_number(text: str) -> bool:
    """ASCII digits with an optional minus, at most 20 of them (no int4 or smallint needs
    more; longer digit strings are refused before ``int()`` spends time on them)."""
    digits = text.strip()
    if digits.startswith("-"):
        digits = digits[1:]
    return 0 < len(digits) <= 20 and digits.isascii() and digits.isdigit()


def _float(value: Any, name: str, entity: str) -> float | None:
    """A finite number (NaN and infinities refuse the record, as they would any reader)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise MalformedRecord(entity, f"{name} must be a number, got {_shown(value)}")
    try:
        number = float(value)
    except (ValueError, OverflowError):
        raise MalformedRecord(entity, f"{name} must be a number, got {_shown(value)}") from None
    if not math.isfinite(number):
        raise MalformedRecord(entity, f"{name} must be a finite number, got {_shown(value)}")
    return number


def _str(value: Any) -> str:
    """Stripped text, "" for anything else. NUL characters are dropped: PostgreSQL text
    cannot hold them, and they carry no meaning in names or titles."""
    if type(value) is not str:
        return ""
    return value.replace("\x00", "").strip() if "\x00" in value else value.strip()


def _list(value: Any, name: str, entity: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedRecord(entity, f"{name} must be a list, got {type(value).__name__}")
    return value


def _dict(value: Any, name: str, entity: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedRecord(entity, f"{name} must be an object, got {type(value).__name__}")
    return value


def parse_datetime(value: Any, name: str = "updated_date", entity: str = "?") -> datetime | None:
    """OpenAlex dates come as ``2022-03-09``, ``2025-10-11T01:57:29.200816`` or
    ``2025-10-10T00:00:00``, without a time zone: they are UTC."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise MalformedRecord(entity, f"{name} must be a date string, got {_shown(value)}")
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = (
            datetime.fromisoformat(text)
            if "T" in text
            else datetime.combine(date.fromisoformat(text), datetime.min.time())
        )
    except ValueError:
        raise MalformedRecord(entity, f"{name} is not a date: {_shown(value)}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: Any, name: str, entity: str) -> date | None:
    moment = parse_datetime(value, name, entity)
    return moment.date() if moment else None


def normalize_doi(value: Any) -> str:
    text = _str(value).lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text if text.startswith("10.") else ""


def rebuild_abstract(index: Any, entity: str = "?") -> str:
    """Rebuild text from ``abstract_inverted_index`` ({word: [positions]}); the 2021 snapshot
    wraps it as {"IndexLength": n, "InvertedIndex": {...}}. Returns "" when there is none."""
    if not index:
        return ""
    if not isinstance(index, dict):
        raise MalformedRecord(entity, "abstract_inverted_index must be an object")
    if "InvertedIndex" in index:
        index = index["InvertedIndex"] or {}
        if not isinstance(index, dict):
            raise MalformedRecord(entity, "abstract_inverted_index.InvertedIndex must be an object")
    # Positions are normally 0..n-1 without gaps: fill slots directly, else sort. Malformed
    # positions fail on the way (TypeError) and are diagnosed only then.
    try:
        total = sum(map(len, index.values()))
        slots: list[str | None] = [None] * total
        in_order = True
        for word, positions in index.items():
            for position in positions:
                if 0 <= position < total and slots[position] is None:
                    slots[position] = word
                else:
                    in_order = False
    except TypeError:
        word = next((w for w, positions in index.items() if type(positions) is not list), None)
        if word is not None:
            raise MalformedRecord(entity, f"abstract_inverted_index positions of {word!r} are not a list") from None
        raise MalformedRecord(entity, "abstract_inverted_index positions are not integers") from None
    if in_order:
        return _str(" ".join(slots))  # type: ignore[arg-type]
    placed = sorted((p, w) for w, ps in index.items() for p in ps)
    return _str(" ".join(w for _, w in placed))


def _counts_by_year(value: Any, entity: str, *, with_works: bool) -> list[dict[str, int]]:
    rows: dict[int, dict[str, int]] = {}
    for item in _list(value, "counts_by_year", entity):
        item = _dict(item, "counts_by_year[]", entity)
        year = _int(item.get("year"), "counts_by_year.year", entity, default=None, bounds=YEAR)
        if year is None:
            raise MalformedRecord(entity, "counts_by_year entry without a year")
        cited_by = _int(item.get("cited_by_count"), "counts_by_year.cited_by_count", entity) or 0
        row = {"year": year, "cited_by_count": cited_by}
        if with_works:
            row["works_count"] = _int(item.get("works_count"), "counts_by_year.works_count", entity) or 0
        rows[year] = row
    # The API lists newest first, a 2026 fixture oldest first: never assume an order.
    return [rows[year] for year in sorted(rows)]


def email_domains_from_homepage(url: str) -> list[str]:
    """``https://www.unc.edu/`` -> ``["unc.edu"]``: the registrable domain (Public Suffix
    List, profiles.domains) whose addresses count as the institution's, subdomains included
    (claims decide that). ``https://www.cs.ox.ac.uk/`` -> ``["ox.ac.uk"]``; a homepage at a
    public suffix (``https://www.ac.uk/``), an IP address or a URL that does not parse gives none."""
    try:
        host = (urlsplit(url).hostname or "") if url else ""
    except ValueError:  # a malformed homepage URL vouches for nothing
        return []
    domain = homepage_domain(host)
    return [domain] if domain else []


def _ror(value: Any) -> str:
    """The ROR id without its URL; "" for anything longer than the column (32): a ROR id has 9
    characters, so that is no ROR id."""
    text = _str(value)
    key = text.rsplit("/", 1)[-1] if text else ""
    return key if len(key) <= 32 else ""


# --- Entities --------------------------------------------------------------------------------


# Dehydrated institutions repeat across thousands of authorships of an import: parse each
# distinct one once. The cache is keyed by id and holds the raw object it was parsed from;
# a hit must equal it entirely (one comparison in C), so a changed copy is parsed again.
_DEHYDRATED_CACHE: dict[str, tuple[dict[str, Any], InstitutionRecord]] = {}
_DEHYDRATED_CACHE_SIZE = 50_000


def parse_dehydrated_institution(data: Any, entity: str) -> InstitutionRecord | None:
    """None for an institution OpenAlex could not identify (``"id": null`` in 2022 records)."""
    if type(data) is not dict:
        data = _dict(data, "institution", entity)
    raw_id = data.get("id")
    if raw_id is None:
        return None
    cached = _DEHYDRATED_CACHE.get(raw_id) if type(raw_id) is str else None
    if cached is not None and cached[0] == data:
        return cached[1]
    openalex_id = short_id(raw_id, entity=entity)
    notes: list[str] = []
    record = InstitutionRecord(
        openalex_id=openalex_id,
        display_name=_clip(_str(data.get("display_name")), NAME_MAX, "display_name", openalex_id, notes)
        or openalex_id,
        ror=_ror(data.get("ror")),
        country_code=_str(data.get("country_code")).upper()[:2],
        type=_str(data.get("type"))[:32],
        lineage=[short_id(i, entity=entity) for i in _list(data.get("lineage"), "lineage", entity)],
        notes=notes,
    )
    if len(_DEHYDRATED_CACHE) >= _DEHYDRATED_CACHE_SIZE:
        _DEHYDRATED_CACHE.clear()
    _DEHYDRATED_CACHE[raw_id] = (data, record)
    return record


def parse_institution(data: Mapping[str, Any]) -> InstitutionRecord:
    openalex_id = short_id(data.get("id"), entity="institution")
    dehydrated = parse_dehydrated_institution(data, openalex_id)
    assert dehydrated is not None  # the id was read above
    notes = list(dehydrated.notes)
    homepage = _link(data.get("homepage_url"), HOMEPAGE_MAX, "homepage_url", openalex_id, notes)
    # A new record: the dehydrated one may be shared through the cache.
    return replace(
        dehydrated,
        lineage=list(dehydrated.lineage),
        is_full_record=True,
        homepage_url=homepage,
        email_domains=email_domains_from_homepage(homepage),
        updated=parse_datetime(data.get("updated_date"), entity=openalex_id),
        notes=notes,
    )


_TOPIC_CACHE: dict[tuple[Any, ...], TopicRecord] = {}


def _topic_from(data: Any, entity: str) -> TopicRecord:
    """A dehydrated topic or concept. Like institutions, each distinct one is parsed once."""
    data = _dict(data, "topic", entity)
    raw_id = data.get("id")
    key = (
        raw_id,
        data.get("display_name"),
        _hashable(data.get("subfield")),
        _hashable(data.get("field")),
        _hashable(data.get("domain")),
        data.get("level"),
    )
    try:
        cached = _TOPIC_CACHE.get(key)
    except TypeError:  # a list where a name or level belongs: parsing says what is wrong
        return _parse_topic_from(data, raw_id, entity)
    if cached is not None:
        return cached
    if len(_TOPIC_CACHE) >= _DEHYDRATED_CACHE_SIZE:
        _TOPIC_CACHE.clear()
    _TOPIC_CACHE[key] = record = _parse_topic_from(data, raw_id, entity)
    return record


def _hashable(value: Any) -> Any:
    return tuple(sorted(value.items())) if type(value) is dict else value


def _parse_topic_from(data: dict[str, Any], raw_id: Any, entity: str) -> TopicRecord:
    # A 2026 fixture gave x_concepts ids as bare numbers.
    if isinstance(raw_id, int | str) and str(raw_id).isdigit():
        raw_id = f"C{raw_id}"
    openalex_id = short_id(raw_id, entity=entity)
    kind = "concept" if openalex_id.startswith("C") else "topic"
    notes: list[str] = []
    # The names of the topic's subfield, field and domain.
    names = [
        _clip(
            _str(_dict(data.get(part), part, entity).get("display_name")),
            NAME_MAX,
            f"{part}.display_name",
            openalex_id,
            notes,
        )
        for part in ("subfield", "field", "domain")
    ]
    return TopicRecord(
        openalex_id=openalex_id,
        display_name=_clip(_str(data.get("display_name")), NAME_MAX, "display_name", openalex_id, notes)
        or openalex_id,
        kind=kind,
        subfield=names[0],
        field=names[1],
        domain=names[2],
        level=_int(data.get("level"), "level", entity, default=None, bounds=RANK),
        notes=notes,
    )


def parse_topic(data: Mapping[str, Any]) -> TopicRecord:
    topic = _topic_from(data, "topic")
    notes = list(topic.notes)
    description = _clip(_str(data.get("description")), LONG_TEXT_MAX, "description", topic.openalex_id, notes)
    # A new record: the dehydrated one may be shared through the cache.
    return replace(topic, description=description, is_full_record=True, notes=notes)


def parse_source(data: Mapping[str, Any], entity: str = "source") -> SourceRecord:
    openalex_id = short_id(data.get("id"), entity=entity)
    notes: list[str] = []
    host = _str(data.get("host_organization_name")) or _str(data.get("publisher"))
    return SourceRecord(
        openalex_id=openalex_id,
        display_name=_clip(_str(data.get("display_name")), NAME_MAX, "display_name", openalex_id, notes)
        or openalex_id,
        type=_str(data.get("type"))[:32],
        issn_l=_str(data.get("issn_l"))[:9],
        host_organization_name=_clip(host, NAME_MAX, "host_organization_name", openalex_id, notes),
        notes=notes,
    )


def is_tombstone(data: Mapping[str, Any]) -> bool:
    """OpenAlex replaces deleted authors with "Deleted Author", no works, ids only openalex."""
    return (
        data.get("display_name") == "Deleted Author"
        and not data.get("works_count")
        and set(_dict(data.get("ids"), "ids", "author")) <= {"openalex"}
    )


def parse_author(data: Mapping[str, Any]) -> AuthorRecord:
    openalex_id = short_id(data.get("id"), entity="author")
    e = openalex_id
    if is_tombstone(data):
        return AuthorRecord(
            openalex_id=openalex_id,
            display_name="Deleted Author",
            is_deleted=True,
            updated=parse_datetime(data.get("updated_date"), entity=e),
        )
    notes: list[str] = []
    display_name = _clip(_str(data.get("display_name")), NAME_MAX, "display_name", e, notes)
    if not display_name:
        raise MalformedRecord(e, "author has no display_name")
    stats = _dict(data.get("summary_stats"), "summary_stats", e)  # absent in 2022 records

    institutions: dict[str, InstitutionRecord] = {}
    affiliations: dict[str, AffiliationRecord] = {}
    # 2025+: affiliations with years (newest first) and a list of last known institutions.
    for item in _list(data.get("affiliations"), "affiliations", e):
        item = _dict(item, "affiliations[]", e)
        institution = parse_dehydrated_institution(item.get("institution"), e)
        if institution is None:
            continue
        institutions[institution.openalex_id] = institution
        years = sorted(
            {_int(y, "affiliations.years", e, bounds=YEAR) or 0 for y in _list(item.get("years"), "years", e)},
            reverse=True,
        )
        affiliations[institution.openalex_id] = AffiliationRecord(institution.openalex_id, years, False, "affiliations")
    last_known = _list(data.get("last_known_institutions"), "last_known_institutions", e)
    # 2022/2023: a single last_known_institution (object or null).
    if data.get("last_known_institution"):
        last_known = [*last_known, data["last_known_institution"]]
    for item in last_known:
        institution = parse_dehydrated_institution(item, e)
        if institution is None:
            continue
        institutions.setdefault(institution.openalex_id, institution)
        if institution.openalex_id in affiliations:
            affiliations[institution.openalex_id].is_last_known = True
        else:
            affiliations[institution.openalex_id] = AffiliationRecord(institution.openalex_id, [], True, "last_known")

    topic_records: dict[str, TopicRecord] = {}
    topics: list[ResearcherTopicRecord] = []
    shares = {
        short_id(t.get("id"), entity=e): _float(t.get("value"), "topic_share.value", e)
        for t in (_dict(t, "topic_share[]", e) for t in _list(data.get("topic_share"), "topic_share", e))
    }
    raw_topics = [_dict(t, "topics[]", e) for t in _list(data.get("topics"), "topics", e)]
    if raw_topics:
        _bounded(len(raw_topics) - 1, "topics: rank", e, RANK)
        raw_topics.sort(key=lambda t: -(_int(t.get("count"), "topics.count", e) or 0))
        for rank, item in enumerate(raw_topics):
            topic = _topic_from(item, e)
            topic_records[topic.openalex_id] = topic
            topics.append(
                ResearcherTopicRecord(
                    topic.openalex_id, rank, _int(item.get("count"), "topics.count", e), shares.get(topic.openalex_id)
                )
            )
    else:
        # Before 2024 only legacy concepts exist (score 0-100, int or float).
        concepts = [_dict(c, "x_concepts[]", e) for c in _list(data.get("x_concepts"), "x_concepts", e)]
        if concepts:
            _bounded(len(concepts) - 1, "x_concepts: rank", e, RANK)
        concepts.sort(key=lambda c: -(_float(c.get("score"), "x_concepts.score", e) or 0))
        for rank, item in enumerate(concepts):
            topic = _topic_from(item, e)
            topic_records[topic.openalex_id] = topic
            topics.append(
                ResearcherTopicRecord(topic.openalex_id, rank, score=_float(item.get("score"), "x_concepts.score", e))
            )

    alternatives = [
        _clip(_str(n), NAME_MAX, "display_name_alternatives", e, notes)
        for n in _list(data.get("display_name_alternatives"), "display_name_alternatives", e)
    ]
    ids = _dict(data.get("ids"), "ids", e)
    _notes_of(notes, institutions.values())
    _notes_of(notes, topic_records.values())
    return AuthorRecord(
        openalex_id=openalex_id,
        display_name=display_name,
        orcid=normalize_orcid(_str(data.get("orcid")) or _str(ids.get("orcid"))),
        display_name_alternatives=[n for n in alternatives if n],
        works_count=_int(data.get("works_count"), "works_count", e) or 0,
        cited_by_count=_int(data.get("cited_by_count"), "cited_by_count", e) or 0,
        h_index=_int(stats.get("h_index"), "summary_stats.h_index", e, default=None),
        i10_index=_int(stats.get("i10_index"), "summary_stats.i10_index", e, default=None),
        two_year_mean_citedness=_float(stats.get("2yr_mean_citedness"), "summary_stats.2yr_mean_citedness", e),
        counts_by_year=_counts_by_year(data.get("counts_by_year"), e, with_works=True),
        affiliations=list(affiliations.values()),
        topics=topics,
        updated=parse_datetime(data.get("updated_date"), entity=e),
        created=parse_date(data.get("created_date"), "created_date", e),
        institutions=list(institutions.values()),
        topic_records=list(topic_records.values()),
        notes=notes,
    )


def _venue(data: Mapping[str, Any], e: str, notes: list[str]) -> tuple[SourceRecord | None, str, str, bool | None]:
    """(source, venue name, landing page, location is_oa) from primary_location (2023+) or
    host_venue (2021/2022)."""
    location = data.get("primary_location")
    if location is not None or "host_venue" not in data:
        location = _dict(location, "primary_location", e)
        raw_source = location.get("source")
        source = parse_source(_dict(raw_source, "source", e), e) if raw_source else None
        return (
            source,
            source.display_name if source else "",
            _link(location.get("landing_page_url"), URL_MAX, "primary_location.landing_page_url", e, notes),
            location.get("is_oa"),
        )
    venue = _dict(data.get("host_venue"), "host_venue", e)
    source = None
    if venue.get("id"):
        source = parse_source(venue, e)
    return (
        source,
        _clip(_str(venue.get("display_name")), NAME_MAX, "host_venue.display_name", e, notes),
        _link(venue.get("url"), URL_MAX, "host_venue.url", e, notes),
        venue.get("is_oa"),
    )


def _work_type(data: Mapping[str, Any], source: SourceRecord | None) -> tuple[str, str]:
    """(OpenAlex type, Crossref type). 2021/2022 records carry a Crossref type in ``type``;
    OpenAlex later re-typed postings on repositories (arXiv) as preprints."""
    work_type = _str(data.get("type"))
    crossref = _str(data.get("type_crossref"))
    if "type_crossref" not in data and work_type in CROSSREF_TO_OPENALEX_TYPE and "primary_location" not in data:
        crossref = work_type
        work_type = CROSSREF_TO_OPENALEX_TYPE[work_type]
        if work_type == "article" and source is not None and source.type == "repository":
            work_type = "preprint"
    return work_type, crossref


def _texts(value: Any, name: str, e: str, notes: list[str] | None = None, position: int = 0) -> list[str]:
    """Non-empty stripped strings of a list, NUL dropped (other items are ignored, a
    non-list is refused). With ``notes``, strings longer than NAME_MAX are cut (the field is
    then ``name`` of authorship ``position``)."""
    if not value:
        return []
    if type(value) is not list:
        raise MalformedRecord(e, f"{name} must be a list, got {type(value).__name__}")
    texts = []
    for item in value:
        if type(item) is str:
            if "\x00" in item:
                item = item.replace("\x00", "")
            item = item.strip()
            if item:
                if len(item) > NAME_MAX and notes is not None:
                    item = _clip(item, NAME_MAX, f"authorships[{position}].{name}", e, notes)
                texts.append(item)
    return texts


# An author's ORCID repeats on every authorship of theirs.
_authorship_orcid = functools.lru_cache(maxsize=100_000)(normalize_orcid)


def parse_authorship(
    item: Any, position: int, e: str, notes: list[str]
) -> tuple[AuthorshipRecord, list[InstitutionRecord]]:
    # The hottest function of an import (about ten per work): plain type checks, no helpers
    # on the common path. Over-long names are cut (``notes`` says so).
    if type(item) is not dict:
        item = _dict(item, "authorships[]", e)
    author = item.get("author")
    if type(author) is not dict:
        author = _dict(author, "authorships.author", e)
    raw_institutions = item.get("institutions")
    institutions: list[InstitutionRecord] = []
    if raw_institutions:
        for raw in _list(raw_institutions, "institutions", e):
            institution = parse_dehydrated_institution(raw, e)
            if institution is not None:
                institutions.append(institution)
    strings = _texts(item.get("raw_affiliation_strings"), "raw_affiliation_strings", e, notes, position)
    if not strings and _str(item.get("raw_affiliation_string")):  # 2021/2022: one string
        strings = _texts([item.get("raw_affiliation_string")], "raw_affiliation_string", e, notes, position)
    if not strings and item.get("affiliations"):  # 2025: affiliations[].raw_affiliation_string
        strings = _texts(
            [
                _dict(a, "affiliations[]", e).get("raw_affiliation_string")
                for a in _list(item.get("affiliations"), "affiliations", e)
            ],
            "affiliations.raw_affiliation_string",
            e,
            notes,
            position,
        )
    corresponding = item.get("is_corresponding")
    raw_author_name = _str(item.get("raw_author_name"))
    author_name = _str(author.get("display_name"))
    if len(author_name) > NAME_MAX or len(raw_author_name) > NAME_MAX:
        where = f"authorships[{position}]"
        author_name = _clip(author_name, NAME_MAX, where + ".author.display_name", e, notes)
        raw_author_name = _clip(raw_author_name, NAME_MAX, where + ".raw_author_name", e, notes)
    author_id = author.get("id")
    if author_id is not None:  # null in some 2026 records
        author_id = short_id(author_id, entity=e)
    orcid = author.get("orcid")
    author_position = item.get("author_position")
    record = AuthorshipRecord(
        position,
        author_position[:8] if type(author_position) is str else "",
        author_id,
        author_name or raw_author_name,
        _authorship_orcid(orcid) if type(orcid) is str else "",
        raw_author_name,
        corresponding if type(corresponding) is bool else None,
        strings,
        [c.upper()[:2] for c in _texts(item.get("countries"), "countries", e)],
        [i.openalex_id for i in institutions],
    )
    return record, institutions


def parse_work(data: Mapping[str, Any]) -> WorkRecord:
    openalex_id = short_id(data.get("id"), entity="work")
    e = openalex_id
    notes: list[str] = []
    source, venue_name, landing_page, location_oa = _venue(data, e, notes)
    work_type, crossref_type = _work_type(data, source)
    open_access = _dict(data.get("open_access"), "open_access", e)
    is_oa = open_access.get("is_oa", location_oa)

    authorships: list[AuthorshipRecord] = []
    institutions: dict[str, InstitutionRecord] = {}
    raw_authorships = _list(data.get("authorships"), "authorships", e)
    if raw_authorships:
        _bounded(len(raw_authorships) - 1, "authorships: author position", e, RANK)
    for position, item in enumerate(raw_authorships):
        authorship, found = parse_authorship(item, position, e, notes)
        authorships.append(authorship)
        for institution in found:
            institutions[institution.openalex_id] = institution

    topic_records: dict[str, TopicRecord] = {}
    topics: dict[str, WorkTopicRecord] = {}
    primary = _dict(data.get("primary_topic"), "primary_topic", e)
    primary_id = short_id(primary["id"], entity=e) if primary.get("id") else None
    raw_topics = _list(data.get("topics"), "topics", e)
    if not raw_topics and primary:
        raw_topics = [primary]
    if raw_topics:
        for item in raw_topics:
            topic = _topic_from(item, e)
            topic_records[topic.openalex_id] = topic
            topics[topic.openalex_id] = WorkTopicRecord(
                topic.openalex_id,
                _float(_dict(item, "topics[]", e).get("score"), "topics.score", e),
                topic.openalex_id == primary_id,
            )
    else:
        # Before 2024: legacy concepts (score 0-1).
        for item in _list(data.get("concepts"), "concepts", e):
            topic = _topic_from(item, e)
            topic_records[topic.openalex_id] = topic
            topics[topic.openalex_id] = WorkTopicRecord(
                topic.openalex_id, _float(_dict(item, "concepts[]", e).get("score"), "concepts.score", e), False
            )

    title = data.get("title", data.get("display_name"))
    if title is not None and not isinstance(title, str):
        raise MalformedRecord(e, f"title must be text, got {type(title).__name__}")
    publication_date = parse_date(data.get("publication_date"), "publication_date", e)
    year = _int(data.get("publication_year"), "publication_year", e, default=None, bounds=YEAR)
    doi = _link(
        normalize_doi(data.get("doi") or _dict(data.get("ids"), "ids", e).get("doi")), DOI_MAX, "doi", e, notes
    )
    abstract = _clip(rebuild_abstract(data.get("abstract_inverted_index"), e), LONG_TEXT_MAX, "abstract", e, notes)
    _notes_of(notes, institutions.values())
    _notes_of(notes, topic_records.values())
    _notes_of(notes, (source,))
    return WorkRecord(
        openalex_id=openalex_id,
        title=_clip(_str(title), NAME_MAX, "title", e, notes) or None,
        type=work_type[:32],
        type_crossref=crossref_type[:32],
        doi=doi,
        publication_year=year if year is not None else (publication_date.year if publication_date else None),
        publication_date=publication_date,
        source_id=source.openalex_id if source else None,
        venue_name=venue_name,
        landing_page_url=landing_page,
        abstract=abstract,
        language=_str(data.get("language"))[:8],
        cited_by_count=_int(data.get("cited_by_count"), "cited_by_count", e) or 0,
        counts_by_year=_counts_by_year(data.get("counts_by_year"), e, with_works=False),
        is_oa=is_oa if isinstance(is_oa, bool) else None,
        oa_status=_str(open_access.get("oa_status"))[:16],
        oa_url=_link(open_access.get("oa_url"), URL_MAX, "open_access.oa_url", e, notes),
        is_retracted=bool(data.get("is_retracted")),
        referenced_works=short_ids(data.get("referenced_works"), "referenced_works", e),
        referenced_works_count=_int(data.get("referenced_works_count"), "referenced_works_count", e, default=None),
        related_works=short_ids(data.get("related_works"), "related_works", e),
        is_authors_truncated=bool(data.get("is_authors_truncated")),
        updated=parse_datetime(data.get("updated_date"), entity=e),
        authorships=authorships,
        topics=list(topics.values()),
        institutions=list(institutions.values()),
        topic_records=list(topic_records.values()),
        source=source,
        notes=notes,
    )


# Keys every complete record of a kind carries, in every era. A record without them is a
# partial answer (``select=``) and importing it would blank what a full import stored.
REQUIRED_KEYS = {
    "author": {"display_name", "works_count", "cited_by_count", "counts_by_year"},
    "work": {"authorships", "publication_year", "cited_by_count"},
}


def parse_entity(data: Any) -> Record:
    """Parse one OpenAlex entity of any kind, recognised by its id prefix."""
    if not isinstance(data, dict):
        raise MalformedRecord("?", f"expected a JSON object, got {type(data).__name__}")
    if "id" not in data and "error" in data:
        raise ErrorBody(_str(data.get("error")), _str(data.get("message")))
    if "id" not in data:
        raise MalformedRecord(_hint(data), "record has no id (a partial select= response?)")
    openalex_id = short_id(data.get("id"), entity=_hint(data))
    kind = entity_kind(openalex_id)
    missing = REQUIRED_KEYS.get(kind, set()) - set(data)
    if missing and not (kind == "author" and is_tombstone(data)):
        raise MalformedRecord(
            openalex_id, f"partial record without {', '.join(sorted(missing))} (a select= response?); not imported"
        )
    if kind == "author":
        return parse_author(data)
    if kind == "work":
        return parse_work(data)
    if kind == "institution":
        return parse_institution(data)
    if kind in ("topic", "concept"):
        return parse_topic(data)
    if kind == "source":
        return parse_source(data)
    raise MalformedRecord(openalex_id, f"unsupported entity type {kind!r}")


def _hint(data: Mapping[str, Any]) -> str:
    ids = data.get("ids")
    if isinstance(ids, dict) and isinstance(ids.get("openalex"), str):
        return ids["openalex"].rsplit("/", 1)[-1][:40]
    name = data.get("display_name") or data.get("title")
    return f"record {_shown(name)}" if isinstance(name, str) else "record without id"


def parse_merged_ids(rows: Iterable[Mapping[str, str]]) -> list[MergedId]:
    """Rows of an OpenAlex merged_ids CSV (merge_date,id,merge_into_id)."""
    merged: list[MergedId] = []
    for number, row in enumerate(rows, start=2):
        entity = f"merged_ids row {number}"
        old = short_id(row.get("id"), entity=entity)
        into = short_id(row.get("merge_into_id"), entity=entity)
        merged.append(MergedId(old, into, parse_date(row.get("merge_date"), "merge_date", entity)))
    return merged


# --- Batches ---------------------------------------------------------------------------------


def _newer(incoming: datetime | None, current: datetime | None) -> bool:
    return incoming is None or current is None or incoming >= current


@dataclass
class ImportBatch:
    """Parsed records to write together. Adding the same entity twice keeps the newer record;
    a full institution or topic record wins over the dehydrated copies inside others."""

    authors: dict[str, AuthorRecord] = field(default_factory=dict)
    works: dict[str, WorkRecord] = field(default_factory=dict)
    institutions: dict[str, InstitutionRecord] = field(default_factory=dict)
    topics: dict[str, TopicRecord] = field(default_factory=dict)
    sources: dict[str, SourceRecord] = field(default_factory=dict)
    merged_ids: list[MergedId] = field(default_factory=list)
    # Ids the API answered with another record: old id -> (current id, "legacy" | "merged").
    aliases: dict[str, tuple[str, str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.authors) + len(self.works) + len(self.institutions) + len(self.topics) + len(self.sources)

    def add(self, record: Record) -> None:
        if isinstance(record, AuthorRecord):
            current = self.authors.get(record.openalex_id)
            if current is None or _newer(record.updated, current.updated):
                self.authors[record.openalex_id] = record
            self._add_institutions(record.institutions)
            self._add_topics(record.topic_records)
        elif isinstance(record, WorkRecord):
            current_work = self.works.get(record.openalex_id)
            if current_work is None or _newer(record.updated, current_work.updated):
                self.works[record.openalex_id] = record
            self._add_institutions(record.institutions)
            self._add_topics(record.topic_records)
            if record.source:
                self.sources.setdefault(record.source.openalex_id, record.source)
        elif isinstance(record, InstitutionRecord):
            self._add_institutions([record])
        elif isinstance(record, TopicRecord):
            self._add_topics([record])
        elif isinstance(record, SourceRecord):
            self.sources[record.openalex_id] = record

    def _add_institutions(self, records: Iterable[InstitutionRecord]) -> None:
        for record in records:
            current = self.institutions.get(record.openalex_id)
            if (
                current is None
                or (record.is_full_record and (not current.is_full_record or _newer(record.updated, current.updated)))
                or (not record.is_full_record and not current.is_full_record)
            ):
                self.institutions[record.openalex_id] = record

    def _add_topics(self, records: Iterable[TopicRecord]) -> None:
        for record in records:
            current = self.topics.get(record.openalex_id)
            if current is None or record.is_full_record or not current.is_full_record:
                self.topics[record.openalex_id] = record


# --- What people type to find an author ------------------------------------------------------

MAX_QUERY_LENGTH = 200


@dataclass(frozen=True, slots=True)
class AuthorQuery:
    kind: str  # "openalex", "orcid" or "name"
    value: str

    @property
    def lookup(self) -> str:
        """The path segment OpenAlex resolves for this query (not used for names)."""
        return f"orcid:{self.value}" if self.kind == "orcid" else self.value


def parse_author_query(text: str) -> AuthorQuery:
    """``A5023888391`` / ``https://openalex.org/A…`` -> openalex; an ORCID iD in any usual form
    -> orcid; anything else -> a name search. Raises ValueError for empty or oversized input."""
    text = (text or "").strip()
    if not text:
        raise ValueError("Enter an OpenAlex author id, an ORCID iD or a name.")
    if len(text) > MAX_QUERY_LENGTH:
        raise ValueError(f"That is longer than {MAX_QUERY_LENGTH} characters; enter an id, an ORCID iD or a name.")
    match = OPENALEX_ID.match(text)
    if match:
        if match.group(1).upper() != "A":
            raise ValueError(f"{text} is not an author id (author ids start with A).")
        return AuthorQuery("openalex", "A" + match.group(2))
    orcid = normalize_orcid(text.removeprefix("orcid:"))
    if orcid:
        return AuthorQuery("orcid", orcid)
    if any(ch in text for ch in "\x00\r\n\t"):
        raise ValueError("Names cannot contain control characters.")
    return AuthorQuery("name", " ".join(text.split()))
