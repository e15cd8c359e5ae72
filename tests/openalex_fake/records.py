"""The records the fake's tests serve (a few authors and works of our own), and small HTTP
helpers."""

from __future__ import annotations

from typing import Any

import requests

from openalex_fake import OpenAlexFakeServer

OA = "https://openalex.org/"


def author(
    key: str, name: str, orcid: str | None = None, alternatives: tuple[str, ...] = (), cited: int = 0
) -> dict[str, Any]:
    orcid_url = f"https://orcid.org/{orcid}" if orcid else None
    ids = {"openalex": OA + key, **({"orcid": orcid_url} if orcid_url else {})}
    return {
        "id": OA + key,
        "orcid": orcid_url,
        "display_name": name,
        "display_name_alternatives": list(alternatives),
        "cited_by_count": cited,
        "ids": ids,
    }


def authorship(key: str | None, name: str, position: str = "middle") -> dict[str, Any]:
    return {
        "author_position": position,
        "author": {"id": OA + key if key else None, "display_name": name, "orcid": None},
        "institutions": [],
        "countries": [],
        "is_corresponding": False,
        "raw_author_name": name,
        "raw_affiliation_strings": [],
        "affiliations": [],
    }


def work(
    key: str, title: str, date: str, authors: list[tuple[str, str]], doi: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "id": OA + key,
        "doi": f"https://doi.org/{doi}" if doi else None,
        "title": title,
        "display_name": title,
        "publication_year": int(date[:4]),
        "publication_date": date,
        "type": "article",
        "abstract_inverted_index": None,
        "authorships": [authorship(k, n, "first" if i == 0 else "middle") for i, (k, n) in enumerate(authors)],
        **extra,
    }


ADA = author(
    "A5000000001",
    "José Müller-Lüdenscheidt",
    orcid="0000-0002-1825-0097",
    alternatives=("J. Muller", "Jose Mueller"),
    cited=40,
)
BEA = author("A5000000002", "Bea Quill", cited=5)
CY = author("A5000000003", "Cy Tarn", orcid="0000-0002-9079-593X")
BIG_AUTHORS = [(f"A5100000{i:03d}", f"Member {i}") for i in range(150)]
WORKS = [
    work(
        "W100",
        "Kettle dynamics",
        "2021-03-01",
        [("A5000000001", "José"), ("A5000000002", "Bea")],
        doi="10.5555/Kettle.1",
    ),
    work("W101", "Teapot acoustics", "2023-07-15", [("A5000000001", "José")]),
    work("W102", "Spout turbulence", "2022-01-10", [("A5000000001", "José"), ("A5000000003", "Cy")]),
    work("W103", "Lid vibrations", "2020-05-05", [("A5000000002", "Bea")]),
    work("W104", "Steam choir", "2019-11-11", [("A5000000001", "José"), *BIG_AUTHORS]),
]


def get(server: OpenAlexFakeServer, path: str, **kwargs: Any) -> requests.Response:
    return requests.get(server.url + path, timeout=10, **kwargs)


def result_ids(body: dict[str, Any]) -> list[str]:
    return [r["id"].removeprefix(OA) for r in body["results"]]
