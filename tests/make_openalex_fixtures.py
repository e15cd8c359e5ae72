"""Write tests/fixtures/openalex/: OpenAlex-shaped records of every schema era, invented by us.

Run: ``.venv/bin/python -m tests.make_openalex_fixtures`` (deterministic; stdlib only).
tests/works/test_openalex_fixtures.py fails when the committed files differ from what this
writes, so edit this file, not the JSON.

The era tests (parser, file import, trust, fake server) run on these records on every checkout;
the real samples in ../shared/openalex-samples are an extra layer when that folder exists.
Each builder below writes one era's shape as ../shared/openalex-samples/SCHEMA-NOTES.md
describes it (keys present or absent, singular or list, date forms, id series, quirks); every
value is ours. People, institutions, venues and works are fictional: ORCID iDs lie in the
0000-0000-… block (never issued to people), DOIs use the 10.5555 test prefix, homepages are on
``*.example.org``, and author ids use series OpenAlex does not (current ``A598…``; legacy
``A1000…``, ``A2000…``, ``A3000…``, ``A4000…``). Work ``W98…``, institution ``I998…``, source
``S998…`` (legacy venue ``V998…``), topic ``T18…`` and concept ``C98…`` ids are ours too.

The layout mirrors the shared samples (``authors/ institutions/ topics/ works/ lists/ misc/``,
names ``<id>__<slug>__<api|snapshot>-<yyyy-mm>.json``) so one test reads either corpus.
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "fixtures" / "openalex"
OA = "https://openalex.org/"
API = "https://api.openalex.org"
FOLDERS = ("authors", "institutions", "topics", "works", "lists", "misc")


# --- Identifiers ------------------------------------------------------------------------------


def orcid(serial: int) -> str:
    """An ORCID iD in the 0000-0000-… block with a correct ISO 7064 MOD 11-2 check character."""
    base = f"00000000{serial:07d}"
    total = 0
    for digit in base:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    check = "X" if result == 10 else str(result)
    return f"https://orcid.org/{base[0:4]}-{base[4:8]}-{base[8:12]}-{base[12:15]}{check}"


def first_orcid_ending_in_x(start: int) -> str:
    serial = start
    while not orcid(serial).endswith("X"):
        serial += 1
    return orcid(serial)


def inverted(text: str) -> dict[str, list[int]]:
    """``abstract_inverted_index`` of ``text``: each word and the positions it stands at."""
    index: dict[str, list[int]] = {}
    for position, word in enumerate(text.split()):
        index.setdefault(word, []).append(position)
    return index


# --- The fictional world ------------------------------------------------------------------------


@dataclass(frozen=True)
class Inst:
    key: str
    name: str
    country: str
    type: str
    ror: str | None = None
    parents: tuple[str, ...] = ()

    def v2021(self) -> dict[str, Any]:
        """Dehydrated, 2021 snapshot (keys in the snapshot's order, no lineage)."""
        return {
            "country_code": self.country,
            "ror": self.ror,
            "id": OA + self.key,
            "type": self.type,
            "display_name": self.name,
        }

    def v2022(self) -> dict[str, Any]:
        """Dehydrated, 2022 API (no lineage yet)."""
        return {
            "id": OA + self.key,
            "display_name": self.name,
            "ror": self.ror,
            "country_code": self.country,
            "type": self.type,
        }

    def v2023(self, name: str | None = None) -> dict[str, Any]:
        """Dehydrated, 2023-10 on (with lineage)."""
        return {
            "id": OA + self.key,
            "display_name": name or self.name,
            "ror": self.ror,
            "country_code": self.country,
            "type": self.type,
            "lineage": [OA + self.key, *(OA + p for p in self.parents)],
        }


QUILLFEATHER = Inst("I9980000001", "Quillfeather Research Trust", "NZ", "nonprofit", "https://ror.org/0fx000q01")
BRIGHTWATER = Inst("I9980000002", "Brightwater University", "GB", "education", "https://ror.org/0fx000b02")
FERNHOLLOW = Inst("I9980000003", "Fernhollow University", "CA", "funder", "https://ror.org/0fx000f03")
SALTMARSH = Inst("I9980000004", "Saltmarsh Institute of Technology", "IE", "education", "https://ror.org/0fx000s04")
HOLLOWMERE = Inst("I9980000005", "Hollowmere Academy of Sciences", "NO", "government", "https://ror.org/0fx000h05")
KORRIN = Inst("I9980000006", "Korrin Polytechnic", "FI", "education", None)
TAMSIN = Inst("I9980000007", "Tamsin Vale Observatory", "IE", "facility", None, (SALTMARSH.key,))
LANTERN_LAB = Inst("I9980000008", "Lantern Labs", "US", "company", None)
# 2022 records hold institutions OpenAlex could not identify: id null, only a name.
UNIDENTIFIED = {
    "id": None,
    "display_name": "Quillfeather Research Inc., Nowhere",
    "ror": None,
    "country_code": None,
    "type": None,
}

SUBFIELDS = {
    3309: ("Library and Information Sciences", 33, "Social Sciences", 2, "Social Sciences"),
    3103: ("Astronomy and Astrophysics", 31, "Physics and Astronomy", 3, "Physical Sciences"),
    2306: ("Global and Planetary Change", 23, "Environmental Science", 3, "Physical Sciences"),
    1702: ("Artificial Intelligence", 17, "Computer Science", 3, "Physical Sciences"),
}


@dataclass(frozen=True)
class Topic:
    key: str
    name: str
    subfield: int

    def hierarchy(self) -> dict[str, Any]:
        sub, field_id, field_name, domain_id, domain_name = SUBFIELDS[self.subfield]
        return {
            "subfield": {"id": f"{OA}subfields/{self.subfield}", "display_name": sub},
            "field": {"id": f"{OA}fields/{field_id}", "display_name": field_name},
            "domain": {"id": f"{OA}domains/{domain_id}", "display_name": domain_name},
        }

    def counted(self, count: int) -> dict[str, Any]:
        return {"id": OA + self.key, "display_name": self.name, "count": count, **self.hierarchy()}

    def share(self, value: float) -> dict[str, Any]:
        return {"id": OA + self.key, "display_name": self.name, "value": value, **self.hierarchy()}

    def scored(self, score: float) -> dict[str, Any]:
        return {"id": OA + self.key, "display_name": self.name, "score": score, **self.hierarchy()}


CATALOGUES = Topic("T18001", "Catalogue interoperability and reading-room access", 3309)
ARCHIVE_SOUND = Topic("T18002", "Acoustic ecology of archives", 2306)
STAR_CHARTS = Topic("T18003", "Reconstruction of historical star charts", 3103)
SHELF_ROBOTS = Topic("T18004", "Robotic shelving and retrieval", 1702)


@dataclass(frozen=True)
class Concept:
    key: str
    name: str
    level: int

    def scored(self, score: Any) -> dict[str, Any]:
        return {"id": OA + self.key, "wikidata": None, "display_name": self.name, "level": self.level, "score": score}


LIBRARY_SCIENCE = Concept("C9800000001", "Library science", 0)
CATALOGUING = Concept("C9800000002", "Cataloguing", 1)
ARCHIVAL_ACOUSTICS = Concept("C9800000003", "Archival acoustics", 2)
ASTRONOMY = Concept("C9800000004", "Astronomy", 0)
MATH_PHYSICS = Concept("C9800000005", "Mathematical physics", 1)


@dataclass(frozen=True)
class Source:
    key: str
    name: str
    type: str
    issn_l: str | None = None
    publisher: str | None = None

    def v2022(self, url: str) -> dict[str, Any]:
        """The 2022 ``host_venue``: a legacy V id with the source's number."""
        return {
            "id": OA + "V" + self.key[1:],
            "issn_l": self.issn_l,
            "issn": [self.issn_l] if self.issn_l else None,
            "display_name": self.name,
            "publisher": self.publisher,
            "type": self.type if self.type != "journal" else "publisher",
            "url": url,
            "is_oa": True,
            "version": "publishedVersion",
            "license": "cc-by",
        }

    def v2023(self) -> dict[str, Any]:
        return {
            "id": OA + self.key,
            "display_name": self.name,
            "issn_l": self.issn_l,
            "issn": [self.issn_l] if self.issn_l else None,
            "is_oa": True,
            "is_in_doaj": self.type == "journal",
            "host_organization": None,
            "host_organization_name": self.publisher,
            "type": self.type,
        }


READING_ROOM = Source("S9980000001", "Journal of Reading-Room Studies", "journal", "9999-0011", "Quillfeather Press")
LANTERN_CONF = Source("S9980000002", "Proceedings of the Lantern Conference on Catalogues", "conference")
IMAGINARY_ASTRONOMY = Source("S9980000003", "Bulletin of Imaginary Astronomy", "journal", "9999-0038", "Tamsin Vale")
MARGINALIA = Source("S9980000004", "Marginalia Press Book Series", "book series", "9999-0046", "Marginalia Press")
SHELF_ACOUSTICS = Source("S9980000005", "Journal of Shelf Acoustics", "journal", "9999-0054", "Saltmarsh Press")
QUARRY = Source("S9980000009", "Quarry Preprints (Fernhollow University)", "repository")
QUARRY_MATH = Source("S9980000008", "Quarry Preprints: Mathematical Physics", "repository")
DATACITE = Source("S9980000010", "Example DataCite Mirror", "metadata")

GIVEN = [
    "Aldous",
    "Brisa",
    "Cosimo",
    "Delphine",
    "Eamon",
    "Fenna",
    "Galen",
    "Honora",
    "Ivo",
    "Jessamy",
    "Kasimir",
    "Liesel",
    "Magnus",
    "Nerys",
    "Orrin",
    "Perpetua",
    "Quill",
    "Rosalind",
    "Sorrel",
    "Tybalt",
]
SURNAMES = [
    "Abernathy-Vole",
    "Bramblecote",
    "Cinderhay",
    "Dunmorrow",
    "Eddersley",
    "Foxhollow",
    "Greywether",
    "Hartsease",
    "Inchcape",
    "Juniperwell",
    "Kestrelford",
    "Larkspur",
    "Mistlethwaite",
    "Nettlebed",
    "Oakenshaw",
]


def invented_name(n: int) -> str:
    """A distinct name for each n below 300 (bulk co-authors: survey, preprint, 2022 pages)."""
    return f"{GIVEN[n % len(GIVEN)]} {SURNAMES[(n // len(GIVEN)) % len(SURNAMES)]}"


@dataclass
class Person:
    """Someone as they appear in bylines: an id of the series the era used, maybe an ORCID."""

    key: str
    name: str
    orcid: str | None = None
    institutions: list[Inst] = field(default_factory=list)


MARISOL_ORCID = orcid(4201)
CORNELIUS_ORCID = orcid(4202)
MARISOL_LEGACY = Person("A1000000101", "Marisol A. Quenby", MARISOL_ORCID, [QUILLFEATHER])
MARISOL = Person("A5980000101", "Marisol Quenby", MARISOL_ORCID, [BRIGHTWATER])
CORNELIUS_LEGACY = Person("A2000000201", "Cornelius Ashdown-Fairweather", CORNELIUS_ORCID, [QUILLFEATHER])
CORNELIUS = Person("A5980000201", "Cornelius Ashdown-Fairweather", CORNELIUS_ORCID, [QUILLFEATHER])
JOSS = Person("A5980000301", "Joss Wendeborn", None, [KORRIN])  # imported, never an ORCID
BERTRAM = Person("A3000000401", "Bertram Ellingsworth")  # legacy id, no ORCID: nobody resolves it
FENWICK = Person("A5980000701", "Fenwick Ollerenshaw", orcid(4207))  # stub whose byline has an ORCID


# --- Authors, era by era ------------------------------------------------------------------------


def counts(rows: list[tuple[int, int, int]], *, oa: bool = False) -> list[dict[str, int]]:
    """counts_by_year newest first, as the API lists it; ``oa`` adds the 2025 oa_works_count."""
    out = []
    for year, works, cites in sorted(rows, reverse=True):
        row = {"year": year, "works_count": works}
        if oa:
            row["oa_works_count"] = works // 2
        row["cited_by_count"] = cites
        out.append(row)
    return out


def author_2022(
    person: Person,
    *,
    works_count: int,
    cited_by_count: int,
    institution: Inst | None,
    concepts: list[dict[str, Any]],
    years: list[tuple[int, int, int]],
    updated: str,
    created: str = "2016-06-24",
) -> dict[str, Any]:
    """2022 API author: legacy id, singular last_known_institution, x_concepts, no summary_stats,
    date-only dates, ``mag`` in ids."""
    ids: dict[str, Any] = {"openalex": OA + person.key}
    if person.orcid:
        ids["orcid"] = person.orcid
    ids["mag"] = person.key[1:]
    return {
        "id": OA + person.key,
        "orcid": person.orcid,
        "display_name": person.name,
        "display_name_alternatives": [],
        "works_count": works_count,
        "cited_by_count": cited_by_count,
        "ids": ids,
        "last_known_institution": institution.v2022() if institution else None,
        "x_concepts": concepts,
        "counts_by_year": counts(years),
        "works_api_url": f"{API}/works?filter=author.id:{person.key}",
        "updated_date": updated,
        "created_date": created,
    }


def author_snapshot_2023() -> dict[str, Any]:
    """2023-04 snapshot author: keys in snapshot order, ten-key summary_stats, most_cited_work,
    an ``updated`` key, a legacy A4… id (minted by OpenAlex before the July 2023 change)."""
    key = "A4000000301"
    return {
        "x_concepts": [ASTRONOMY.scored(41.7)],
        "display_name_alternatives": [],
        "cited_by_count": 19,
        "most_cited_work": None,
        "counts_by_year": counts([(2022, 2, 11), (2021, 3, 8)]),
        "last_known_institution": TAMSIN.v2021() | {"ror": "https://ror.org/0zq7x1k42"},
        "orcid": None,
        "display_name": "Ysolde Brackenridge",
        "summary_stats": {
            "cited_by_count": 19,
            "2yr_i10_index": 0,
            "h_index": 4,
            "i10_index": 2,
            "oa_percent": 60,
            "2yr_mean_citedness": 2,
            "works_count": 5,
            "2yr_works_count": 2,
            "2yr_h_index": 1,
            "2yr_cited_by_count": 11,
        },
        "works_api_url": f"{API}/works?filter=author.id:{key}",
        "ids": {"openalex": OA + key},
        "id": OA + key,
        "updated_date": "2023-04-18",
        "created_date": "2023-02-02",
        "works_count": 5,
        "updated": "2023-04-18",
    }


def author_2023_api(person: Person) -> dict[str, Any]:
    """2023-10 API author: current id, summary_stats of three, singular last_known_institution
    with lineage, only x_concepts, timestamps with microseconds."""
    return {
        "id": OA + person.key,
        "orcid": person.orcid,
        "display_name": person.name,
        "display_name_alternatives": [person.name, "C. Ashdown-Fairweather"],
        "works_count": 41,
        "cited_by_count": 733,
        "summary_stats": {"2yr_mean_citedness": 0.25, "h_index": 12, "i10_index": 14},
        "ids": {"openalex": OA + person.key, "orcid": person.orcid},
        "last_known_institution": QUILLFEATHER.v2023("Quillfeather Research"),
        "x_concepts": [LIBRARY_SCIENCE.scored(93.4), CATALOGUING.scored(71.2), ARCHIVAL_ACOUSTICS.scored(12)],
        "counts_by_year": counts([(2023, 1, 61), (2022, 3, 80), (2021, 4, 77), (2019, 2, 45)]),
        "works_api_url": f"{API}/works?filter=author.id:{person.key}",
        "updated_date": "2023-10-19T07:41:22.104388",
        "created_date": "2023-07-21",
    }


def author_2025(
    person: Person,
    *,
    alternatives: list[str],
    works_count: int,
    cited_by_count: int,
    stats: tuple[float | int, int, int],
    affiliations: list[tuple[Inst, list[int]]],
    last_known: list[Inst],
    topics: list[tuple[Topic, int, float]],
    concepts: list[dict[str, Any]],
    years: list[tuple[int, int, int]],
    updated: str,
    created: str = "2023-07-21",
) -> dict[str, Any]:
    """2025 API author: affiliations with years (newest first), a list of last known
    institutions (the singular key is gone), topics with counts, topic_share, x_concepts."""
    mean, h_index, i10 = stats
    ids: dict[str, Any] = {"openalex": OA + person.key}
    if person.orcid:
        ids["orcid"] = person.orcid
    return {
        "id": OA + person.key,
        "orcid": person.orcid,
        "display_name": person.name,
        "display_name_alternatives": alternatives,
        "works_count": works_count,
        "cited_by_count": cited_by_count,
        "summary_stats": {"2yr_mean_citedness": mean, "h_index": h_index, "i10_index": i10},
        "ids": ids,
        "affiliations": [
            {"institution": inst.v2023(), "years": sorted(years_, reverse=True)} for inst, years_ in affiliations
        ],
        "last_known_institutions": [inst.v2023() for inst in last_known],
        "topics": [topic.counted(count) for topic, count, _ in topics],
        "topic_share": [topic.share(share) for topic, _, share in sorted(topics, key=lambda t: -t[2])],
        "x_concepts": concepts,
        "counts_by_year": counts(years, oa=True),
        "works_api_url": f"{API}/works?filter=author.id:{person.key}",
        "updated_date": updated,
        "created_date": created,
    }


def tombstone() -> dict[str, Any]:
    """What OpenAlex serves for a deleted author (2023-11)."""
    key = "A5980000999"
    return {
        "id": OA + key,
        "orcid": None,
        "display_name": "Deleted Author",
        "display_name_alternatives": [],
        "works_count": 0,
        "cited_by_count": 0,
        "summary_stats": {"2yr_mean_citedness": 0.0, "h_index": 0, "i10_index": 0},
        "ids": {"openalex": OA + key},
        "x_concepts": [],
        "counts_by_year": [],
        "works_api_url": f"{API}/works?filter=author.id:{key}",
        "updated_date": "2023-11-14T02:10:09.771203",
        "created_date": "2023-02-17",
    }


def search_result(record: dict[str, Any], score: float) -> dict[str, Any]:
    return {**record, "relevance_score": score}


# --- Works, era by era --------------------------------------------------------------------------


def related(start: int, n: int) -> list[str]:
    return [f"{OA}W98000009{start + i:02d}" for i in range(n)]


def authorship_2021(person: Person, position: str, institutions: list[Inst], raw: str) -> dict[str, Any]:
    return {
        "institutions": [i.v2021() for i in institutions],
        "author": {"orcid": person.orcid, "id": OA + person.key, "display_name": person.name},
        "raw_affiliation_string": raw,
        "author_position": position,
    }


def authorship_2022(
    person: Person, position: str, institutions: list[dict[str, Any]] | None = None, raw: str | None = None
) -> dict[str, Any]:
    insts = institutions if institutions is not None else [i.v2022() for i in person.institutions]
    if raw is None:
        raw = ", ".join(i["display_name"] for i in insts)
    return {
        "author_position": position,
        "author": {"id": OA + person.key, "display_name": person.name, "orcid": person.orcid},
        "institutions": insts,
        "raw_affiliation_string": raw,
    }


def authorship_2023(
    person: Person, position: str, raw: str, *, show_orcid: bool = True, corresponding: bool = False
) -> dict[str, Any]:
    """2023-10: countries, is_corresponding, raw_author_name, the singular and the list raw string."""
    return {
        "author_position": position,
        "author": {"id": OA + person.key, "display_name": person.name, "orcid": person.orcid if show_orcid else None},
        "institutions": [i.v2023() for i in person.institutions],
        "countries": sorted({i.country for i in person.institutions}),
        "is_corresponding": corresponding,
        "raw_author_name": person.name,
        "raw_affiliation_string": raw,
        "raw_affiliation_strings": [raw] if raw else [],
    }


def authorship_2025(
    person: Person | None,
    position: str,
    *,
    name: str | None = None,
    raw: list[str] | None = None,
    institutions: list[Inst] | None = None,
    countries: list[str] | None = None,
    corresponding: bool = False,
    raw_author_name: str | None = None,
) -> dict[str, Any]:
    """2025: raw_affiliation_strings only, plus affiliations[] with institution ids. ``person``
    None is an authorship without an author id (seen in 2026 records)."""
    insts = institutions if institutions is not None else (person.institutions if person else [])
    strings = raw if raw is not None else [i.name for i in insts]
    display = name or (person.name if person else "")
    return {
        "author_position": position,
        "author": {
            "id": OA + person.key if person else None,
            "display_name": display,
            "orcid": person.orcid if person else None,
        },
        "institutions": [i.v2023() for i in insts],
        "countries": countries if countries is not None else sorted({i.country for i in insts}),
        "is_corresponding": corresponding,
        "raw_author_name": raw_author_name or display,
        "raw_affiliation_strings": strings,
        "affiliations": [
            {"raw_affiliation_string": s, "institution_ids": [OA + i.key for i in insts]} for s in strings
        ],
    }


def positions(people: list[Any]) -> list[str]:
    """first / middle / last, as OpenAlex assigns them (a sole author is first)."""
    return ["first" if n == 0 else "last" if n == len(people) - 1 else "middle" for n in range(len(people))]


def location_2023(
    source: Source | None, landing: str, pdf: str | None, *, location_id: str | None = None
) -> dict[str, Any]:
    loc: dict[str, Any] = {} if location_id is None else {"id": location_id}
    loc.update(
        {
            "is_oa": pdf is not None,
            "landing_page_url": landing,
            "pdf_url": pdf,
            "source": source.v2023() if source else None,
            "license": "cc-by" if pdf else None,
            "version": "publishedVersion" if pdf else None,
            "is_accepted": True,
            "is_published": True,
        }
    )
    return loc


LEDGER_KEY = "W9800000001"
LEDGER_TITLE = "The ledger of open shelves: a census of reading-room access policies"
LEDGER_DOI = "https://doi.org/10.5555/jrrs.2018.0042"
LEDGER_ABSTRACT = (
    "Reading rooms differ widely in who may enter, what may be requested and how long a visitor may stay. "
    "We collected the published access policies of 412 reading rooms in nine countries and coded every rule "
    "they contain. Open shelves are common in small collections but rare in large ones, and policies written "
    "after 2010 are shorter and more permissive than older ones."
)
LEDGER_AFFILIATION = "Quillfeather Research Trust, Harrowgate Quay, Nowhere"
LEDGER_COAUTHORS = [
    Person("A2000000202", "Araminta Quaile", orcid(4211), [BRIGHTWATER]),
    Person("A2000000203", "Barnaby Thistlewood", None, [FERNHOLLOW, KORRIN]),
]


def ledger_head() -> dict[str, Any]:
    """The keys the three eras of the ledger agree on."""
    return {
        "id": OA + LEDGER_KEY,
        "doi": LEDGER_DOI,
        "title": LEDGER_TITLE,
        "display_name": LEDGER_TITLE,
        "publication_year": 2018,
        "publication_date": "2018-03-14",
        "ids": {"openalex": OA + LEDGER_KEY, "doi": LEDGER_DOI, "mag": LEDGER_KEY[1:]},
    }


def ledger_2022() -> dict[str, Any]:
    """2022 API work: host_venue with a V id, a Crossref type, concepts with scores as strings,
    a legacy author id (with ORCID), one raw_affiliation_string, no language."""
    people = [MARISOL_LEGACY, CORNELIUS_LEGACY, *LEDGER_COAUTHORS]
    authorships = [
        authorship_2022(p, pos, raw=LEDGER_AFFILIATION if p is MARISOL_LEGACY else None)
        for p, pos in zip(people, positions(people), strict=True)
    ]
    return {
        **ledger_head(),
        "host_venue": READING_ROOM.v2022(LEDGER_DOI),
        "type": "journal-article",
        "open_access": {"is_oa": True, "oa_status": "gold", "oa_url": "https://reading-room.example.org/0042.pdf"},
        "authorships": authorships,
        "cited_by_count": 118,
        "biblio": {"volume": "7", "issue": None, "first_page": None, "last_page": None},
        "is_retracted": False,
        "is_paratext": False,
        "concepts": [CATALOGUING.scored("0.5120331"), LIBRARY_SCIENCE.scored("0.3044817")],
        "mesh": [],
        "alternate_host_venues": [
            {
                "id": None,
                "display_name": "Hollowmere Open Archive",
                "type": "repository",
                "url": "https://archive.hollowmere.example.org/0042",
                "is_oa": True,
                "version": "acceptedVersion",
                "license": None,
            },
        ],
        "referenced_works": related(0, 6),
        "related_works": related(10, 20),
        "abstract_inverted_index": inverted(LEDGER_ABSTRACT),
        "cited_by_api_url": f"{API}/works?filter=cites:{LEDGER_KEY}",
        "counts_by_year": [
            {"year": y, "cited_by_count": c} for y, c in ((2022, 9), (2021, 31), (2020, 40), (2019, 38))
        ],
        "updated_date": "2022-05-20",
        "created_date": "2018-03-20",
    }


def ledger_2023() -> dict[str, Any]:
    """2023-10 API work: primary_location and locations, an OpenAlex type plus type_crossref,
    the current author ids (the first authorship's ORCID left null, as OpenAlex did), both
    raw affiliation forms, referenced_works_count, concepts but no topics, ngrams_url."""
    people = [MARISOL, CORNELIUS, *LEDGER_COAUTHORS]
    authorships = [
        authorship_2023(
            p,
            pos,
            LEDGER_AFFILIATION if p is MARISOL else ", ".join(i.name for i in p.institutions),
            show_orcid=p is not MARISOL,
        )
        for p, pos in zip(people, positions(people), strict=True)
    ]
    location = location_2023(READING_ROOM, LEDGER_DOI, "https://reading-room.example.org/0042.pdf")
    return {
        **ledger_head(),
        "language": "en",
        "primary_location": location,
        "type": "article",
        "type_crossref": "journal-article",
        "open_access": {
            "is_oa": True,
            "oa_status": "gold",
            "oa_url": location["pdf_url"],
            "any_repository_has_fulltext": True,
        },
        "authorships": authorships,
        "countries_distinct_count": 3,
        "institutions_distinct_count": 4,
        "corresponding_author_ids": [],
        "corresponding_institution_ids": [],
        "cited_by_count": 164,
        "biblio": {"volume": "7", "issue": None, "first_page": "e0042", "last_page": "e0042"},
        "is_retracted": False,
        "is_paratext": False,
        "concepts": [CATALOGUING.scored(0.6012544), LIBRARY_SCIENCE.scored(0.2871003)],
        "mesh": [],
        "locations_count": 1,
        "locations": [location],
        "best_oa_location": location,
        "sustainable_development_goals": [],
        "grants": [],
        "referenced_works_count": 6,
        "referenced_works": related(0, 6),
        "related_works": related(30, 10),
        "ngrams_url": f"{API}/works/{LEDGER_KEY}/ngrams",
        "abstract_inverted_index": inverted(LEDGER_ABSTRACT),
        "cited_by_api_url": f"{API}/works?filter=cites:{LEDGER_KEY}",
        "counts_by_year": [
            {"year": y, "cited_by_count": c} for y, c in ((2023, 22), (2022, 24), (2021, 31), (2020, 40))
        ],
        "updated_date": "2023-10-14T11:02:57.318004",
        "created_date": "2018-03-20",
    }


def ledger_2025() -> dict[str, Any]:
    """2025-10: the 2023-10 record as the schema changed since: topics and primary_topic,
    raw_affiliation_strings with affiliations[] (the singular string gone), fwci and the other
    newer keys, no ngrams_url; and newer counts."""
    record = ledger_2023()
    del record["ngrams_url"]
    people = [MARISOL, CORNELIUS, *LEDGER_COAUTHORS]
    record.update(
        {
            "authorships": [
                authorship_2025(p, pos, raw=[LEDGER_AFFILIATION] if p is MARISOL else None)
                for p, pos in zip(people, positions(people), strict=True)
            ],
            "indexed_in": ["crossref", "doaj"],
            "institution_assertions": [],
            "fwci": 3.41,
            "has_fulltext": True,
            "cited_by_count": 231,
            "citation_normalized_percentile": {
                "value": 0.93,
                "is_in_top_1_percent": False,
                "is_in_top_10_percent": True,
            },
            "primary_topic": CATALOGUES.scored(0.9871),
            "topics": [CATALOGUES.scored(0.9871), ARCHIVE_SOUND.scored(0.4113)],
            "keywords": [{"id": f"{OA}keywords/open-shelves", "display_name": "Open shelves", "score": 0.61}],
            "concepts": [CATALOGUING.scored(0.6633012), LIBRARY_SCIENCE.scored(0.3001947)],
            "datasets": [],
            "versions": [],
            "referenced_works_count": 7,
            "referenced_works": related(0, 7),
            "related_works": related(40, 10),
            "counts_by_year": [
                {"year": y, "cited_by_count": c} for y, c in ((2025, 19), (2024, 25), (2023, 23), (2022, 24))
            ],
            "updated_date": "2025-10-04T06:19:43.551870",
        }
    )
    return record


LANTERN_ABSTRACT = (
    "We study a chain of coupled lantern oscillators with a nearest-neighbour interaction and show that a "
    "ground state exists for every coupling below the critical value. The proof rests on a new bound for the "
    "spectral gap of the chain, obtained from a localisation estimate. Above the critical value no normalisable "
    "ground state exists."
)


def lantern_2021_snapshot() -> dict[str, Any]:
    """2021-11 snapshot work: keys in snapshot order, host_venue of type repository with a
    Crossref ``journal-article`` type, the MAG abstract form {"IndexLength", "InvertedIndex"},
    alternate_host_venues with a null id, ``ids.mag`` as a number, an ``updated`` timestamp."""
    key = "W9800000002"
    doi = "https://doi.org/10.5555/quarry.math-ph.2011.0607"
    people = [
        Person("A2000000701", "Aurelio Brandtmeier", None, [HOLLOWMERE, KORRIN]),
        Person("A2000000702", "Wendeline Sorsby", None, [SALTMARSH, TAMSIN]),
    ]
    raws = ["Hollowmere Akademi, Nowhere", "Saltmarsh Institute, Nowhere"]
    index = inverted(LANTERN_ABSTRACT)
    return {
        "is_retracted": False,
        "cited_by_api_url": f"{API}/works?filter=cites:{key}",
        "is_paratext": False,
        "counts_by_year": [{"cited_by_count": 2, "year": 2013}],
        "biblio": {"volume": None, "issue": None, "last_page": None, "first_page": None},
        "related_works": related(50, 20),
        "type": "journal-article",
        "title": "Ground states of a chain of lantern oscillators at critical coupling",
        "publication_date": "2011-06-07",
        "authorships": [
            authorship_2021(p, pos, p.institutions, raw)
            for p, pos, raw in zip(people, positions(people), raws, strict=True)
        ],
        "open_access": {"oa_status": "green", "is_oa": True, "oa_url": "https://quarry.example.org/pdf/1106.0001"},
        "id": OA + key,
        "abstract_inverted_index": {"IndexLength": len(LANTERN_ABSTRACT.split()), "InvertedIndex": index},
        "host_venue": {
            "license": None,
            "issn": None,
            "issn_l": None,
            "publisher": None,
            "is_oa": True,
            "id": OA + "V" + QUARRY_MATH.key[1:],
            "display_name": QUARRY_MATH.name,
            "type": "repository",
            "version": "submittedVersion",
            "url": doi,
        },
        "mesh": [],
        "cited_by_count": 2,
        "referenced_works": related(70, 4),
        "display_name": "Ground states of a chain of lantern oscillators at critical coupling",
        "alternate_host_venues": [
            {
                "license": None,
                "is_oa": True,
                "id": None,
                "display_name": "Quarry",
                "type": "repository",
                "version": "submittedVersion",
                "url": "https://quarry.example.org/pdf/1106.0001",
            },
        ],
        "publication_year": 2011,
        "concepts": [MATH_PHYSICS.scored(0.811204), ASTRONOMY.scored(0.102377)],
        "ids": {"mag": int(key[1:]), "openalex": OA + key, "doi": doi},
        "created_date": "2016-06-24",
        "updated_date": "2021-11-02",
        "updated": "2022-04-25T08:00:00.000Z",
        "doi": doi,
    }


def notices_2023_snapshot() -> dict[str, Any]:
    """2023-05 snapshot work: primary_location already, still a Crossref type and no
    type_crossref, no authors, an odd language code, snapshot-only summary_stats."""
    key = "W9800000003"
    return {
        "is_retracted": False,
        "is_paratext": False,
        "cited_by_api_url": f"{API}/works?filter=cites:{key}",
        "counts_by_year": [],
        "biblio": {"volume": "31", "issue": "4", "first_page": "112A", "last_page": "112A"},
        "primary_location": {
            "license": None,
            "is_oa": False,
            "pdf_url": None,
            "source": {
                "publisher_id": OA + "P9980000001",
                "host_organization_lineage": [OA + "P9980000001"],
                "issn": [IMAGINARY_ASTRONOMY.issn_l],
                "issn_l": IMAGINARY_ASTRONOMY.issn_l,
                "publisher": IMAGINARY_ASTRONOMY.publisher,
                "id": OA + IMAGINARY_ASTRONOMY.key,
                "display_name": IMAGINARY_ASTRONOMY.name,
                "type": "journal",
            },
            "landing_page_url": "https://doi.org/10.5555/bia.1994.0412",
            "version": None,
        },
        "related_works": related(80, 10),
        "language": "cy",
        "type": "journal-article",
        "title": "Publishers' notices",
        "corresponding_institution_ids": [],
        "summary_stats": {"cited_by_count": 0, "2yr_cited_by_count": 0},
        "publication_date": "1994-04-01",
        "authorships": [],
        "id": OA + key,
        "doi": "https://doi.org/10.5555/bia.1994.0412",
        "publication_year": 1994,
        "cited_by_count": 0,
        "referenced_works": [],
        "concepts": [ASTRONOMY.scored(0.2)],
        "updated_date": "2023-05-09T19:20:11.000000",
        "created_date": "2022-01-12",
        "updated": "2023-05-09T19:20:11.000000",
    }


def base_2025(
    key: str,
    title: str | None,
    year: int,
    authorships: list[dict[str, Any]],
    *,
    source: Source | None,
    doi: str | None,
    work_type: str = "article",
    crossref: str | None = "journal-article",
    abstract: str | None = None,
    topics: Sequence[tuple[Topic, float]] = (),
    cited_by_count: int = 0,
    updated: str = "2025-10-02T03:14:15.926535",
    created: str = "2024-02-01",
    date: str | None = None,
    pdf: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A 2025 API work; ``crossref`` None leaves type_crossref out (as 2026 records do)."""
    landing = doi or f"https://works.example.org/{key}"
    location = location_2023(source, landing, pdf)
    record: dict[str, Any] = {
        "id": OA + key,
        "doi": doi,
        "title": title,
        "display_name": title,
        "publication_year": year,
        "publication_date": date or f"{year}-05-11",
        "ids": {"openalex": OA + key, **({"doi": doi} if doi else {})},
        "language": "en",
        "primary_location": location,
        "type": work_type,
    }
    if crossref is not None:
        record["type_crossref"] = crossref
    record.update(
        {
            "indexed_in": ["crossref"],
            "open_access": {
                "is_oa": pdf is not None,
                "oa_status": "green" if pdf else "closed",
                "oa_url": pdf,
                "any_repository_has_fulltext": pdf is not None,
            },
            "authorships": authorships,
            "corresponding_author_ids": [
                a["author"]["id"] for a in authorships if a.get("is_corresponding") and a["author"]["id"]
            ],
            "cited_by_count": cited_by_count,
            "is_retracted": False,
            "is_paratext": work_type == "paratext",
            "primary_topic": topics[0][0].scored(topics[0][1]) if topics else None,
            "topics": [t.scored(s) for t, s in topics],
            "concepts": [],
            "locations_count": 1,
            "locations": [location],
            "best_oa_location": location if pdf else None,
            "referenced_works_count": 0,
            "referenced_works": [],
            "related_works": related(90, 3),
            "abstract_inverted_index": inverted(abstract) if abstract else None,
            "cited_by_api_url": f"{API}/works?filter=cites:{key}",
            "counts_by_year": [{"year": year, "cited_by_count": cited_by_count}] if cited_by_count else [],
            "updated_date": updated,
            "created_date": created,
        }
    )
    record.update(extra)
    return record


def survey_members() -> list[Person]:
    return [
        Person(f"A598000{1001 + n:04d}", invented_name(n), orcid(5000 + n) if n % 3 == 0 else None, [])
        for n in range(150)
    ]


def lantern_survey_truncated() -> dict[str, Any]:
    """2025, taken from a list response: 150 authors, the list cut at 100 and flagged; HTML in
    the title."""
    people = survey_members()[:100]
    authorships = [
        authorship_2025(p, pos, raw=["Lantern Survey Consortium"], institutions=[])
        for p, pos in zip(people, ["first", *["middle"] * 99], strict=True)
    ]
    return base_2025(
        "W9800000005",
        "<i>Lantern</i>2019 results: the catalogue survey",
        2020,
        authorships,
        source=IMAGINARY_ASTRONOMY,
        doi="https://doi.org/10.5555/bia.2020.0005",
        abstract="We present the final catalogue of the Lantern survey.",
        topics=[(STAR_CHARTS, 0.9412)],
        cited_by_count=912,
        is_authors_truncated=True,
    )


def chapter_without_abstract() -> dict[str, Any]:
    """2025 book chapter: no abstract; an affiliation text no institution was matched to."""
    author = Person("A5980000801", "Orrin Larkspur", None, [])
    return base_2025(
        "W9800000006",
        "Catalogues as maps",
        2023,
        [authorship_2025(author, "first", raw=["Korvenholm, Nordmark"], countries=[])],
        source=MARGINALIA,
        doi="https://doi.org/10.5555/marginalia.2023.0006",
        work_type="book-chapter",
        crossref="book-chapter",
        abstract=None,
        topics=[(CATALOGUES, 0.7012)],
        cited_by_count=2104,  # far more than a chapter earns: misattributed, as OpenAlex does
    )


def preprint_authors() -> list[Person]:
    return [Person(f"A5980000{901 + n:03d}", invented_name(150 + n), None, []) for n in range(31)]


def preprint_without_institutions() -> dict[str, Any]:
    """2025 preprint on a repository: a DOI in upper case (stored lower case), 31 authors with
    neither institutions nor affiliation texts, pdf_url null."""
    people = preprint_authors()
    authorships = [
        authorship_2025(
            p, pos, raw=[], institutions=[], countries=[], raw_author_name=f"{p.name.split()[1]}, {p.name.split()[0]}"
        )
        for p, pos in zip(people, positions(people), strict=True)
    ]
    return base_2025(
        "W9800000007",
        "Robotic shelvers are few-shot learners",
        2020,
        authorships,
        source=QUARRY,
        doi="https://doi.org/10.5555/QUARRY.2005.01417",
        work_type="preprint",
        crossref="posted-content",
        abstract="A robotic shelver trained on a handful of examples returns books to the right shelf.",
        topics=[(SHELF_ROBOTS, 0.9934)],
        cited_by_count=5120,
        date="2020-05-28",
        referenced_works_count=0,
    )


SHELF_MARK_ABSTRACT = (
    "Abstract Shelf marks let readers find a book without a catalogue. We describe a shelf-mark scheme that "
    "needs no central registry and report how three libraries adopted it."
)


def shelf_marks() -> dict[str, Any]:
    """2025 article: an abstract that starts with the word "Abstract", a first author with a
    country but no institution, two corresponding authors, a co-author stub with an ORCID."""
    first = Person("A5980000702", "Nerys Hartsease", None, [])
    people = [first, FENWICK, Person("A5980000703", "Tybalt Inchcape", None, [BRIGHTWATER]), MARISOL]
    authorships = [
        authorship_2025(
            first, "first", raw=["Independent scholar, Nowhere"], institutions=[], countries=["NZ"], corresponding=True
        ),
        authorship_2025(FENWICK, "middle", raw=["Hollowmere Academy of Sciences"], institutions=[HOLLOWMERE]),
        authorship_2025(people[2], "middle", corresponding=True),
        authorship_2025(MARISOL, "last"),
    ]
    return base_2025(
        "W9800000008",
        "Shelf marks without a registry",
        2024,
        authorships,
        source=READING_ROOM,
        doi="https://doi.org/10.5555/jrrs.2024.0008",
        abstract=SHELF_MARK_ABSTRACT,
        topics=[(CATALOGUES, 0.9551), (SHELF_ROBOTS, 0.3012)],
        cited_by_count=33,
        pdf="https://reading-room.example.org/0008.pdf",
    )


OSWIN = Person("A5980000501", "Oswin Thackeray-Lund", orcid(4205), [SALTMARSH])


def repository_preprint() -> dict[str, Any]:
    """2025-09 preprint on a repository: pdf_url null, the landing page on the repository."""
    return base_2025(
        "W9800000009",
        "Listening to the stacks: a field recording protocol",
        2021,
        [authorship_2025(OSWIN, "first"), authorship_2025(JOSS, "last")],
        source=QUARRY,
        doi="https://doi.org/10.5555/quarry.2021.0009",
        work_type="preprint",
        crossref="posted-content",
        abstract="We propose a protocol for recording the sound of archive stacks.",
        topics=[(ARCHIVE_SOUND, 0.8812)],
        updated="2025-09-21T10:11:12.131415",
    )


X_ORCID = first_orcid_ending_in_x(4300)


def hotspots_2026() -> dict[str, Any]:
    """2026-03 work: a location id in ``doi:`` form, no type_crossref, no abstract, an ORCID
    ending in X in the byline, awards/funders instead of grants, top-level institutions,
    created_date reset to a midnight timestamp long after publication."""
    doi = "https://doi.org/10.5555/sha.2000.0010"
    people = [
        Person("A5980000601", "Honora Mistlethwaite", X_ORCID, [SALTMARSH]),
        Person("A5980000602", "Ivo Nettlebed", None, [TAMSIN]),
    ]
    record = base_2025(
        "W9800000010",
        "Quiet corners: acoustic refuges in old archives",
        2000,
        [authorship_2025(p, pos) for p, pos in zip(people, positions(people), strict=True)],
        source=SHELF_ACOUSTICS,
        doi=doi,
        crossref=None,
        abstract=None,
        topics=[(ARCHIVE_SOUND, 0.9123)],
        cited_by_count=4022,
        date="2000-02-24",
        updated="2026-03-03T05:06:07.080910",
        created="2025-10-10T00:00:00",
    )
    record["primary_location"]["id"] = "doi:10.5555/sha.2000.0010"
    record["locations"][0]["id"] = "doi:10.5555/sha.2000.0010"
    record.update({"awards": [], "funders": [], "institutions": [], "has_content": {"pdf": False, "grobid_xml": False}})
    return record


def null_title_2026() -> dict[str, Any]:
    """2026-03 paratext: title and display_name null, language "ng", an authorship whose author
    has no id, is_retracted null."""
    record = base_2025(
        "W9800000004",
        None,
        2019,
        [
            authorship_2025(
                None,
                "first",
                name="Ottoline Farrow-Beck",
                institutions=[KORRIN, FERNHOLLOW],
                raw=["Korrin Polytechnic, Nowhere"],
                corresponding=True,
            )
        ],
        source=SHELF_ACOUSTICS,
        doi="https://doi.org/10.5555/sha.2019.0004",
        work_type="paratext",
        crossref=None,
        abstract=None,
        updated="2026-03-02T01:02:03.040506",
        created="2022-06-01T00:00:00",
        date="2019-01-01",
    )
    record.update({"language": "ng", "is_retracted": None, "awards": [], "funders": [], "institutions": []})
    return record


def placeholder_date_2025() -> dict[str, Any]:
    """2025: a placeholder publication date (1 January), a second location on a metadata-type
    source, a messy affiliation string."""
    record = base_2025(
        "W9800000011",
        "A shelf is worth sixteen books",
        2020,
        [
            authorship_2025(
                Person("A5980000604", "Quill Juniperwell", None, [LANTERN_LAB]), "first", raw=["Lantern Labs,,,,,"]
            )
        ],
        source=QUARRY,
        doi="https://doi.org/10.5555/quarry.2010.11929",
        work_type="preprint",
        crossref="posted-content",
        abstract="Sixteen books on a shelf carry as much signal as a catalogue entry.",
        topics=[(SHELF_ROBOTS, 0.9702)],
        cited_by_count=210,
        date="2020-01-01",
    )
    record["locations"].append(location_2023(DATACITE, "https://doi.org/10.5555/quarry.2010.11929", None))
    return record


# --- Lists ------------------------------------------------------------------------------------


NOTE_SUBJECTS = ["queues", "lamps", "catalogues", "silence", "ladders"]


def marisol_works_2022() -> list[dict[str, Any]]:
    """25 works of Marisol Quenby as a 2022 cursor page lists them (legacy author ids)."""
    helpers = [
        CORNELIUS_LEGACY,
        BERTRAM,
        *[
            Person(f"A20000003{n:02d}", invented_name(181 + n), orcid(4600 + n) if n % 2 else None, [KORRIN])
            for n in range(6)
        ],
    ]
    types = ["proceedings-article", "posted-content", "journal-article", None]
    works = []
    for n in range(25):
        key = f"W98000001{n + 1:02d}"
        year = 2021 - n // 3
        people = [MARISOL_LEGACY]
        if n % 2 == 0:
            people.append(CORNELIUS_LEGACY)
        if n % 5 == 0:
            people.append(BERTRAM)
        people.append(helpers[2 + n % 6])
        if n == 0:
            # The third author's institution OpenAlex could not identify: id null, the text kept.
            people = [helpers[2], MARISOL_LEGACY, CORNELIUS_LEGACY, BERTRAM]
        authorships = []
        for p, pos in zip(people, positions(people), strict=True):
            if n == 0 and p is CORNELIUS_LEGACY:
                authorships.append(authorship_2022(p, pos, [UNIDENTIFIED], UNIDENTIFIED["display_name"]))
            else:
                authorships.append(authorship_2022(p, pos))
        doi = f"https://doi.org/10.5555/quenby.{year}.{n + 1:03d}"
        works.append(
            {
                "id": OA + key,
                "doi": doi,
                "title": f"Reading-room note {n + 1}: on {NOTE_SUBJECTS[n % len(NOTE_SUBJECTS)]}",
                "display_name": f"Reading-room note {n + 1}",
                "publication_year": year,
                "publication_date": f"{year}-0{1 + n % 9}-15",
                "ids": {"openalex": OA + key, "doi": doi, "mag": key[1:]},
                "host_venue": (LANTERN_CONF if n % 4 == 0 else READING_ROOM).v2022(doi),
                "type": types[n % 4],
                "open_access": {"is_oa": n % 3 == 0, "oa_status": "green" if n % 3 == 0 else "closed", "oa_url": None},
                "authorships": authorships,
                "cited_by_count": (n * 7) % 23,
                "biblio": {"volume": None, "issue": None, "first_page": None, "last_page": None},
                "is_retracted": False,
                "is_paratext": False,
                "concepts": [LIBRARY_SCIENCE.scored(f"0.{500 + n * 11}")],
                "mesh": [],
                "alternate_host_venues": [],
                "referenced_works": [],
                "related_works": related(0, 20),
                "abstract_inverted_index": None,
                "cited_by_api_url": f"{API}/works?filter=cites:{key}",
                "counts_by_year": [],
                "updated_date": "2022-05-11",
                "created_date": "2019-02-03",
            }
        )
    works[7] = ledger_2022()  # the three-era work is on her list too, in its 2022 shape
    return works


def list_2022(
    results: list[dict[str, Any]], *, count: int, cursor: str | None, page: int | None = None
) -> dict[str, Any]:
    meta: dict[str, Any] = {"count": count, "db_response_time_ms": 21, "page": page, "per_page": 25}
    if cursor is not None or page is None:
        meta["next_cursor"] = cursor
    return {"meta": meta, "results": results, "group_by": []}


def list_2025(
    results: list[dict[str, Any]], *, count: int, per_page: int, cursor: Any = ..., page: int | None = 1
) -> dict[str, Any]:
    meta: dict[str, Any] = {"count": count, "db_response_time_ms": 37, "page": page, "per_page": per_page}
    if cursor is not ...:
        meta["next_cursor"] = cursor
    meta["groups_count"] = None
    return {"meta": meta, "results": results, "group_by": []}


def authors_page_2022() -> dict[str, Any]:
    """Page paging (page 1, per_page 25, no next_cursor): 25 legacy-id authors of 2022."""
    results = []
    for n in range(25):
        person = Person(f"A10000010{n + 1:02d}", invented_name(187 + n), orcid(4500 + n) if n % 4 == 0 else None)
        results.append(
            author_2022(
                person,
                works_count=1 + n % 6,
                cited_by_count=(n * 13) % 50,
                institution=[HOLLOWMERE, KORRIN, None][n % 3],
                concepts=[LIBRARY_SCIENCE.scored(float(20 + n))],
                years=[(2019 - n % 4, 1, n % 5)],
                updated="2022-01-30",
            )
        )
    return list_2022(results, count=181_502_311, cursor=None, page=1)


WENDEBORN_SEARCH = [
    (Person("A5980000302", "Ottilie Wendeborn", orcid(4302), [FERNHOLLOW]), 3120.5),
    (JOSS, 998.25),
    (Person("A5980000303", "WILHELMINA T. WENDEBORN", None, []), 402.75),
    (Person("A5980000304", "W. T. Wendeborn", None, []), 61.125),
    (Person("A5980000305", "Wendeborn and Partridge Lowe Amadeus Crane", None, []), 12.5),
]


def wendeborn_search() -> dict[str, Any]:
    """A 2025 author search: relevance_score on each; all-caps names and a pseudo-author."""
    results = []
    for n, (person, score) in enumerate(WENDEBORN_SEARCH):
        record = author_2025(
            person,
            alternatives=[person.name],
            works_count=6 if person is JOSS else 1 + n,
            cited_by_count=40 + n,
            stats=(1.5, 3 if person is JOSS else 1, 1 if person is JOSS else 0),
            affiliations=[(i, [2024, 2023]) for i in person.institutions],
            last_known=person.institutions[:1],
            topics=[(ARCHIVE_SOUND, 5 - n, 0.0001 * (5 - n))],
            concepts=[ARCHIVAL_ACOUSTICS.scored(30 + n)],
            years=[(2024, 1, 10 + n), (2023, 1, 5)],
            updated="2025-08-30T12:00:00.000000",
        )
        results.append(search_result(record, score))
    return list_2025(results, count=len(results), per_page=20)


def joss_works() -> dict[str, Any]:
    """Joss Wendeborn's works (2025): conference sources, a null source, a repository."""
    coauthors = [
        Person("A5980000311", "Sorrel Kestrelford", orcid(4311), [KORRIN]),
        Person("A5980000312", "Galen Oakenshaw", orcid(4312), [SALTMARSH]),
    ]
    works = []
    sources: list[Source | None] = [LANTERN_CONF, LANTERN_CONF, None, QUARRY, SHELF_ACOUSTICS, LANTERN_CONF]
    for n, source in enumerate(sources):
        people = [coauthors[n % 2], JOSS] if n % 3 else [JOSS, *coauthors]
        work_type = "preprint" if source is QUARRY else "article"
        works.append(
            base_2025(
                f"W98000003{n + 1:02d}",
                f"Archive soundscapes {n + 1}",
                2014 + n,
                [authorship_2025(p, pos) for p, pos in zip(people, positions(people), strict=True)],
                source=source,
                doi=f"https://doi.org/10.5555/wendeborn.{2014 + n}.{n + 1}",
                work_type=work_type,
                crossref="posted-content" if work_type == "preprint" else "proceedings-article",
                abstract=None,
                topics=[(ARCHIVE_SOUND, 0.8 + n / 100)],
                cited_by_count=3 * n,
            )
        )
    works.append(repository_preprint())
    return list_2025(works, count=len(works), per_page=50)


def count_only_2026() -> dict[str, Any]:
    """A select=ids probe: each result carries only ``ids`` (not a record)."""
    return {
        "meta": {
            "count": 88231,
            "db_response_time_ms": 12,
            "page": 1,
            "per_page": 1,
            "groups_count": None,
            "cost_usd": 0.0001,
        },
        "results": [{"ids": {"openalex": OA + "W9800000010", "doi": "https://doi.org/10.5555/sha.2000.0010"}}],
        "group_by": [],
    }


def group_by_2026() -> dict[str, Any]:
    """A group_by answer: counts per key, no records."""
    groups = [("article", 70112), ("book-chapter", 9120), ("preprint", 6003), ("dataset", 2996)]
    return {
        "meta": {
            "count": 88231,
            "db_response_time_ms": 30,
            "page": None,
            "per_page": 200,
            "next_cursor": "ImRhdGFzZXQi",
            "groups_count": len(groups),
            "cost_usd": 0.0001,
        },
        "results": [],
        "group_by": [{"key": f"{OA}types/{k}", "key_display_name": k, "count": c} for k, c in groups],
    }


def doi_filter_2022() -> tuple[dict[str, Any], dict[str, Any]]:
    """Cursor paging, 2022: a page with results and a next_cursor, then the empty end page."""
    people = [
        Person("A2000000801", "Liesel Dunmorrow", orcid(4801), [BRIGHTWATER]),
        Person("A2000000802", "Magnus Eddersley", None, []),
    ]
    works = []
    for n, person in enumerate(people):
        key = f"W98000002{n + 1:02d}"
        doi = f"https://doi.org/10.5555/dunmorrow.2022.{n + 1}"
        works.append(
            {
                "id": OA + key,
                "doi": doi,
                "title": f"Lamp oil in reading rooms, part {n + 1}",
                "display_name": f"Lamp oil in reading rooms, part {n + 1}",
                "publication_year": 2022,
                "publication_date": f"2022-04-0{n + 1}",
                "ids": {"openalex": OA + key, "doi": doi},
                "host_venue": READING_ROOM.v2022(doi),
                "type": "journal-article",
                "open_access": {"is_oa": False, "oa_status": "closed", "oa_url": None},
                "authorships": [authorship_2022(person, "first")],
                "cited_by_count": 0,
                "concepts": [LIBRARY_SCIENCE.scored("0.4")],
                "referenced_works": [],
                "related_works": [],
                "abstract_inverted_index": None,
                "counts_by_year": [],
                "updated_date": "2022-05-02",
                "created_date": "2022-04-20",
            }
        )
    page1 = list_2022(works, count=2, cursor="IlsxNjQ5MDAwMDAwMDAwLCAnVzk4MDAwMDAyMDInXSI=")
    end = list_2022([], count=2, cursor=None)
    return page1, end


def id_filter_2025_11() -> tuple[dict[str, Any], dict[str, Any]]:
    """Cursor paging, Nov 2025 (per_page 200): a work whose source is null, created_date as a
    midnight timestamp; then the empty end page."""
    people = [Person("A5980000411", "Perpetua Abernathy-Vole", orcid(4411), [FERNHOLLOW])]
    works = [
        base_2025(
            "W9800000401",
            "Ladders in the stacks: a safety audit",
            2020,
            [authorship_2025(people[0], "first")],
            source=None,
            doi="https://doi.org/10.5555/audit.2020.0401",
            abstract=None,
            topics=[(CATALOGUES, 0.6)],
            created="2025-10-10T00:00:00",
            updated="2025-11-04T09:08:07.060504",
        ),
        base_2025(
            "W9800000402",
            "Whispering galleries in reading rooms",
            2020,
            [authorship_2025(Person("A5980000412", "Rosalind Foxhollow", None, [TAMSIN]), "first")],
            source=QUARRY,
            doi=None,
            work_type="preprint",
            crossref="posted-content",
            abstract=None,
            topics=[(ARCHIVE_SOUND, 0.7)],
            created="2025-10-10T00:00:00",
            updated="2025-11-04T09:08:07.060504",
        ),
    ]
    page1 = list_2025(works, count=2, per_page=200, cursor="IlsnLUluZmluaXR5JywgMCwgJ1c5ODAwMDAwNDAyJ10i", page=None)
    end = list_2025([], count=2, per_page=200, cursor=None, page=None)
    return page1, end


# --- Institutions and topics --------------------------------------------------------------------


def institution_2022() -> dict[str, Any]:
    """2022 API institution: no lineage, no roles, x_concepts, date-only dates."""
    inst = HOLLOWMERE
    return {
        "id": OA + inst.key,
        "ror": inst.ror,
        "display_name": inst.name,
        "country_code": inst.country,
        "type": inst.type,
        "homepage_url": "http://english.hollowmere.example.org/",
        "image_url": None,
        "image_thumbnail_url": None,
        "display_name_acronyms": ["HAS"],
        "display_name_alternatives": [],
        "works_count": 40211,
        "cited_by_count": 781002,
        "ids": {"openalex": OA + inst.key, "ror": inst.ror, "mag": inst.key[1:]},
        "geo": {
            "city": "Hollowmere",
            "geonames_city_id": None,
            "region": None,
            "country_code": inst.country,
            "country": "Nowhere",
            "latitude": 60.1,
            "longitude": 10.2,
        },
        "international": {"display_name": {"en": inst.name, "nb": "Hollowmere vitenskapsakademi"}},
        "associated_institutions": [],
        "counts_by_year": counts([(2022, 402, 20110), (2021, 1980, 98031)]),
        "x_concepts": [ASTRONOMY.scored(55.1), MATH_PHYSICS.scored(40.0)],
        "works_api_url": f"{API}/works?filter=institutions.id:{inst.key}",
        "updated_date": "2022-05-03",
        "created_date": "2016-06-24",
    }


def brightwater(era: str) -> dict[str, Any]:
    """Brightwater University in 2023-10 (old name, x_concepts, no topics) and 2025-06 (new
    name, topics, roles)."""
    inst = BRIGHTWATER
    name = "Brightwater University–Eastfield" if era == "2023-10" else inst.name
    record: dict[str, Any] = {
        "id": OA + inst.key,
        "ror": inst.ror,
        "display_name": name,
        "country_code": inst.country,
        "type": inst.type,
        "lineage": [OA + inst.key],
        "homepage_url": "https://www.brightwater.example.org",
        "image_url": None,
        "display_name_acronyms": ["BU"],
        "display_name_alternatives": ["Brightwater"],
        "repositories": [],
        "works_count": 51200 if era == "2023-10" else 55873,
        "cited_by_count": 1210400 if era == "2023-10" else 1322019,
        "summary_stats": {"2yr_mean_citedness": 3.2, "h_index": 301, "i10_index": 20104},
        "ids": {"openalex": OA + inst.key, "ror": inst.ror},
        "geo": {
            "city": "Brightwater",
            "geonames_city_id": None,
            "region": None,
            "country_code": inst.country,
            "country": "Nowhere",
            "latitude": 51.0,
            "longitude": -1.0,
        },
        "associated_institutions": [],
        "counts_by_year": counts([(2023, 3100, 90000), (2022, 4200, 120000)], oa=era != "2023-10"),
        "roles": [{"role": "institution", "id": OA + inst.key, "works_count": 55873}],
        "x_concepts": [LIBRARY_SCIENCE.scored(51.2)],
        "works_api_url": f"{API}/works?filter=institutions.id:{inst.key}",
        "updated_date": "2023-10-21T13:14:15.161718" if era == "2023-10" else "2025-06-11T08:09:10.111213",
        "created_date": "2016-06-24",
    }
    if era != "2023-10":
        record["topics"] = [CATALOGUES.counted(812)]
        record["topic_share"] = [CATALOGUES.share(0.0123)]
    return record


def fernhollow() -> dict[str, Any]:
    """2025-10 institution: a university typed ``funder`` (with type_id), roles, topics."""
    inst = FERNHOLLOW
    return {
        "id": OA + inst.key,
        "ror": inst.ror,
        "display_name": inst.name,
        "country_code": inst.country,
        "type": "funder",
        "type_id": f"{OA}institution-types/funder",
        "lineage": [OA + inst.key],
        "homepage_url": "https://www.fernhollow.example.org",
        "image_url": None,
        "image_thumbnail_url": None,
        "display_name_acronyms": ["FU"],
        "display_name_alternatives": ["Université de Fernhollow"],
        "repositories": [{"id": OA + QUARRY.key, "display_name": QUARRY.name, "host_organization": OA + inst.key}],
        "works_count": 90211,
        "cited_by_count": 2001933,
        "summary_stats": {"2yr_mean_citedness": 4.1, "h_index": 402, "i10_index": 40021},
        "ids": {"openalex": OA + inst.key, "ror": inst.ror},
        "geo": {
            "city": "Fernhollow",
            "geonames_city_id": None,
            "region": None,
            "country_code": inst.country,
            "country": "Nowhere",
            "latitude": 45.0,
            "longitude": -73.0,
        },
        "international": {"display_name": {"en": inst.name, "fr": "Université de Fernhollow"}},
        "associated_institutions": [],
        "counts_by_year": counts([(2025, 2100, 60000), (2024, 4000, 110000)], oa=True),
        "roles": [
            {"role": "funder", "id": OA + "F9980000003", "works_count": 310},
            {"role": "institution", "id": OA + inst.key, "works_count": 90211},
        ],
        "topics": [ARCHIVE_SOUND.counted(402), CATALOGUES.counted(310)],
        "topic_share": [ARCHIVE_SOUND.share(0.0044)],
        "x_concepts": [ARCHIVAL_ACOUSTICS.scored(60.5)],
        "is_super_system": False,
        "works_api_url": f"{API}/works?filter=institutions.id:{inst.key}",
        "updated_date": "2025-10-08T17:16:15.141312",
        "created_date": "2016-06-24",
    }


def legacy_concept() -> dict[str, Any]:
    """A legacy Concept (2025-06): level, ancestors, related_concepts, wikidata."""
    concept = LIBRARY_SCIENCE
    return {
        "id": OA + concept.key,
        "wikidata": None,
        "display_name": concept.name,
        "level": 0,
        "description": "the study of collecting, organising and lending recorded knowledge",
        "works_count": 3100211,
        "cited_by_count": 41000233,
        "summary_stats": {"2yr_mean_citedness": 1.1, "h_index": 401, "i10_index": 120034},
        "ids": {"openalex": OA + concept.key},
        "ancestors": [],
        "related_concepts": [
            {"id": OA + CATALOGUING.key, "wikidata": None, "display_name": CATALOGUING.name, "level": 1, "score": 88.1}
        ],
        "counts_by_year": counts([(2025, 41000, 300000), (2024, 99000, 800000)]),
        "works_api_url": f"{API}/works?filter=concepts.id:{concept.key}",
        "updated_date": "2025-06-14T01:02:03.040506",
        "created_date": "2016-06-24",
    }


def topic_record(
    topic: Topic, description: str, keywords: list[str], siblings: list[Topic], updated: str
) -> dict[str, Any]:
    return {
        "id": OA + topic.key,
        "display_name": topic.name,
        "description": description,
        "keywords": keywords,
        "ids": {"openalex": OA + topic.key},
        **topic.hierarchy(),
        "siblings": [{"id": OA + s.key, "display_name": s.name} for s in siblings],
        "works_count": 12004,
        "cited_by_count": 90331,
        "works_api_url": f"{API}/works?filter=topics.id:{topic.key}",
        "updated_date": updated,
        "created_date": "2024-01-23",
    }


# --- Misc ---------------------------------------------------------------------------------------


def select_subset() -> dict[str, Any]:
    """A select= answer: a few keys of Joss Wendeborn's record (importing it would blank the rest)."""
    return {
        "id": OA + JOSS.key,
        "display_name": JOSS.name,
        "works_count": 7,
        "last_known_institutions": [KORRIN.v2023()],
        "orcid": None,
    }


ERROR_401 = {"error": "Invalid or missing API key", "message": "The api_key parameter names no known key"}
ERROR_400_FILTER = {
    "error": "Invalid query parameters error.",
    "message": "NOSUCHFIELD is not a valid field. Valid fields are underscore or hyphenated versions of: author.id, "
    "authorships.institutions.id, cited_by_count, doi, publication_year, title.search, type",
}
ERROR_400_SELECT = {
    "error": "Invalid query parameters error.",
    "message": "NOSUCHFIELD is not a valid select field. Valid fields for select are: id, doi, title, display_name, "
    "publication_year, authorships, cited_by_count",
}
MERGED_IDS_CSV = (
    "merge_date,id,merge_into_id\n"
    "2023-05-02,A3100000501,A4000000600\n"
    "2023-05-02,A3100000502,A4000000600\n"
    "2023-05-02,A3100000503,A4000000600\n"
)


# --- The dataset --------------------------------------------------------------------------------


def build() -> dict[str, Any]:
    """Relative path -> JSON document (or text for the CSV)."""
    marisol_2022 = author_2022(
        MARISOL_LEGACY,
        works_count=38,
        cited_by_count=1204,
        institution=QUILLFEATHER,
        concepts=[LIBRARY_SCIENCE.scored(91.0), CATALOGUING.scored(58.5), ARCHIVAL_ACOUSTICS.scored(7.25)],
        years=[(2022, 0, 31), (2021, 2, 144), (2020, 3, 170), (2019, 4, 150), (2018, 5, 122), (2017, 4, 80)],
        updated="2022-04-18",
    )
    tobiah = author_2022(
        Person("A1000000102", "Tobiah Pennyworth-Gale"),
        works_count=1,
        cited_by_count=0,
        institution=None,
        concepts=[ASTRONOMY.scored(100.0)],
        years=[(2019, 1, 0)],
        updated="2016-06-24",
    )
    marisol_2025 = author_2025(
        MARISOL,
        alternatives=["Marisol Quenby", "Marisol A. Quenby", "M. A. Quenby"],
        works_count=44,
        cited_by_count=1690,
        stats=(2.5, 15, 19),
        affiliations=[(BRIGHTWATER, [2025, 2024, 2023]), (QUILLFEATHER, [2022, 2021, 2020, 2019, 2018, 2017])],
        last_known=[BRIGHTWATER],
        topics=[(CATALOGUES, 30, 0.0004521), (ARCHIVE_SOUND, 6, 0.0000712)],
        concepts=[LIBRARY_SCIENCE.scored(90.2)],
        years=[(2025, 1, 150), (2024, 2, 170), (2023, 2, 160), (2022, 1, 140)],
        updated="2025-10-09T04:03:02.010203",
    )
    cornelius_2025 = author_2025(
        CORNELIUS,
        alternatives=["Cornelius Ashdown-Fairweather", "C. Ashdown-Fairweather", "Ashdown-Fairweather Cornelius"],
        works_count=47,
        cited_by_count=988,
        stats=(4, 13, 16),  # an int 2yr_mean_citedness, as 2025 records sometimes give
        affiliations=[(QUILLFEATHER, [2025, 2024, 2023, 2022, 2021]), (BRIGHTWATER, [2015, 2018, 2019])],
        last_known=[QUILLFEATHER],
        topics=[(CATALOGUES, 21, 0.0002917), (STAR_CHARTS, 4, 0.0000333)],
        concepts=[LIBRARY_SCIENCE.scored(88)],
        years=[(y, 2 + y % 3, 40 + y % 7) for y in range(2012, 2026)],
        updated="2025-10-07T22:21:20.191817",
    )
    helene = author_2025(
        Person("A5980000401", "Hélène Marchetti-Okafor", orcid(4401), []),
        alternatives=["Helene Marchetti-Okafor", "H. Marchetti-Okafor", "Hélène Marchetti Okafor"],
        works_count=402,
        cited_by_count=15022,
        stats=(2.625, 58, 170),
        affiliations=[
            (SALTMARSH, [2025, 2024, 2023, 2022]),
            (TAMSIN, [2025, 2024, 2021]),
            (KORRIN, [2025, 2019, 2018]),
            (FERNHOLLOW, [2014, 2013, 2012]),
        ],
        last_known=[SALTMARSH, TAMSIN, KORRIN],
        topics=[(STAR_CHARTS, 210, 0.0031), (CATALOGUES, 40, 0.0002), (SHELF_ROBOTS, 12, 0.00005)],
        concepts=[ASTRONOMY.scored(70), LIBRARY_SCIENCE.scored(12.5)],
        years=[(y, 20 + y % 9, 900 + y) for y in range(2012, 2026)],
        updated="2025-10-12T09:08:07.654321",
    )
    oswin = author_2025(
        OSWIN,
        alternatives=["Oswin Thackeray-Lund"],
        works_count=9,
        cited_by_count=51,
        stats=(0.75, 3, 1),
        affiliations=[(SALTMARSH, [2025, 2023, 2021])],
        last_known=[SALTMARSH],
        topics=[(ARCHIVE_SOUND, 7, 0.00009)],
        concepts=[],
        years=[(2025, 1, 12), (2023, 3, 20), (2021, 5, 19)],
        updated="2025-09-19T19:18:17.161514",
    )
    glued = author_2025(
        Person("A5980000603", "BeatrixL. Ormsby", None, [KORRIN]),
        alternatives=["Beatrix L. Ormsby", "BeatrixL. Ormsby"],
        works_count=3,
        cited_by_count=120011,
        stats=(0.0, 3, 3),
        affiliations=[(KORRIN, [1951])],
        last_known=[],
        topics=[(ARCHIVE_SOUND, 3, 0.00001)],
        concepts=[],
        years=[(2025, 0, 3100), (2024, 0, 3900)],
        updated="2025-10-01T01:01:01.010101",
        created="2016-06-24",
    )
    doi_page1, doi_end = doi_filter_2022()
    id_page1, id_end = id_filter_2025_11()
    files: dict[str, Any] = {
        "authors/A1000000101__marisol-quenby__api-2022-05.json": marisol_2022,
        "authors/A1000000102__tobiah-pennyworth-gale__api-2022-05.json": tobiah,
        "authors/A4000000301__ysolde-brackenridge__snapshot-2023-04.json": author_snapshot_2023(),
        "authors/A5980000101__marisol-quenby__api-2025-10.json": marisol_2025,
        "authors/A5980000201__cornelius-ashdown-fairweather__api-2023-10.json": author_2023_api(CORNELIUS),
        "authors/A5980000201__cornelius-ashdown-fairweather__api-2025-10.json": cornelius_2025,
        "authors/A5980000401__helene-marchetti-okafor__api-2025-10.json": helene,
        "authors/A5980000501__oswin-thackeray-lund__api-2025-09.json": oswin,
        "authors/A5980000603__beatrixl-ormsby__api-2025-10.json": glued,
        "authors/A5980000999__deleted-author__api-2023-11.json": tombstone(),
        "institutions/I9980000002__brightwater-university__api-2023-10.json": brightwater("2023-10"),
        "institutions/I9980000002__brightwater-university__api-2025-06.json": brightwater("2025-06"),
        "institutions/I9980000003__fernhollow-university__api-2025-10.json": fernhollow(),
        "institutions/I9980000005__hollowmere-academy__api-2022-05.json": institution_2022(),
        "topics/C9800000001__library-science-legacy-concept__api-2025-06.json": legacy_concept(),
        "topics/T18001__catalogue-interoperability__api-2025-10.json": topic_record(
            CATALOGUES,
            "This cluster of invented papers covers how library catalogues exchange records and how reading "
            "rooms decide who may consult what.",
            ["Catalogues", "Reading rooms", "Access policy", "Metadata exchange"],
            [ARCHIVE_SOUND, SHELF_ROBOTS],
            "2025-10-05T04:03:02.010101",
        ),
        "topics/T18002__acoustic-ecology-of-archives__api-2025-06.json": topic_record(
            ARCHIVE_SOUND,
            "Invented papers on the sound of archive buildings and what it does to readers.",
            ["Acoustics", "Archives", "Noise"],
            [],
            "2025-06-16T05:04:03.020100",
        ),
        "works/W9800000001__ledger-of-open-shelves__api-2022-05.json": ledger_2022(),
        "works/W9800000001__ledger-of-open-shelves__api-2023-10.json": ledger_2023(),
        "works/W9800000001__ledger-of-open-shelves__api-2025-10.json": ledger_2025(),
        "works/W9800000002__lantern-oscillators-math-ph__snapshot-2021-11.json": lantern_2021_snapshot(),
        "works/W9800000003__publishers-notices__snapshot-2023-05.json": notices_2023_snapshot(),
        "works/W9800000004__null-title__api-2026-03.json": null_title_2026(),
        "works/W9800000005__lantern-survey-authors-truncated__api-2025.json": lantern_survey_truncated(),
        "works/W9800000006__catalogues-as-maps-book-chapter__api-2025.json": chapter_without_abstract(),
        "works/W9800000007__robotic-shelvers-preprint__api-2025.json": preprint_without_institutions(),
        "works/W9800000008__shelf-marks-without-a-registry__api-2025.json": shelf_marks(),
        "works/W9800000009__listening-to-the-stacks-preprint__api-2025-09.json": repository_preprint(),
        "works/W9800000010__quiet-corners__api-2026-03.json": hotspots_2026(),
        "works/W9800000011__a-shelf-is-worth-sixteen-books__api-2025.json": placeholder_date_2025(),
        "lists/authors__page1-per-page-25__api-2022-05.json": authors_page_2022(),
        "lists/authors__search-wendeborn__api-2025.json": wendeborn_search(),
        "lists/works__author-A1000000101-cursor-page1__api-2022-05.json": list_2022(
            marisol_works_2022(), count=38, cursor="IlsxNjA5NDU5MjAwMDAwLCAnVzk4MDAwMDAxMjUnXSI="
        ),
        "lists/works__author-A5980000301__api-2025.json": joss_works(),
        "lists/works__count-only-per-page-1__api-2026-03.json": count_only_2026(),
        "lists/works__doi-filter-cursor-page1__api-2022-05.json": doi_page1,
        "lists/works__doi-filter-cursor-page2-end__api-2022-05.json": doi_end,
        "lists/works__group-by-type__api-2026-03.json": group_by_2026(),
        "lists/works__openalex-id-filter-cursor-end__api-2025-11.json": id_end,
        "lists/works__openalex-id-filter-cursor-page1__api-2025-11.json": id_page1,
        "misc/author__A5980000301__select-subset__api-2025.json": select_subset(),
        "misc/error__invalid-api-key__http401__api-2026-03.json": ERROR_401,
        "misc/error__invalid-filter-field__http400__api-2026-03.json": ERROR_400_FILTER,
        "misc/error__invalid-select-field__http400__api-2026-03.json": ERROR_400_SELECT,
        "misc/merged_ids__authors__snapshot-2023-05-02.csv": MERGED_IDS_CSV,
    }
    return files


def render(document: Any) -> str:
    if isinstance(document, str):
        return document
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write(files: dict[str, Any], out: Path) -> None:
    """Empty the entity folders of ``out`` and write ``files`` (so a re-run leaves exactly them)."""
    for folder in FOLDERS:
        shutil.rmtree(out / folder, ignore_errors=True)
    for relative, document in sorted(files.items()):
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(document), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    files = build()
    write(files, args.out)
    print(f"wrote {len(files)} files to {args.out}")


if __name__ == "__main__":
    main()
