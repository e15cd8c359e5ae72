"""Builders of OpenAlex-shaped records for tests (our own data, in the 2025 API shape)."""

from __future__ import annotations

from typing import Any

OA = "https://openalex.org/"


def institution(key: str, name: str, *, homepage: str | None = None, full: bool = False) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": OA + key,
        "ror": None,
        "display_name": name,
        "country_code": "GB",
        "type": "education",
        "lineage": [OA + key],
    }
    if full:
        record.update({"homepage_url": homepage, "updated_date": "2025-10-01T00:00:00"})
    return record


def topic(key: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": OA + key,
        "display_name": name,
        "subfield": {"id": OA + "subfields/1702", "display_name": "Artificial Intelligence"},
        "field": {"id": OA + "fields/17", "display_name": "Computer Science"},
        "domain": {"id": OA + "domains/3", "display_name": "Physical Sciences"},
        **extra,
    }


def author(
    key: str,
    name: str,
    *,
    orcid: str | None = None,
    works_count: int = 2,
    updated: str = "2025-10-01T00:00:00",
    institutions: list[dict[str, Any]] | None = None,
    topics: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    institutions = institutions or []
    topics = topics or []
    return {
        "id": OA + key,
        "orcid": f"https://orcid.org/{orcid}" if orcid else None,
        "display_name": name,
        "display_name_alternatives": [name],
        "works_count": works_count,
        "cited_by_count": 10 * works_count,
        "summary_stats": {"2yr_mean_citedness": 1.5, "h_index": works_count, "i10_index": 0},
        "ids": {"openalex": OA + key, **({"orcid": f"https://orcid.org/{orcid}"} if orcid else {})},
        "affiliations": [{"institution": i, "years": [2025, 2024]} for i in institutions],
        "last_known_institutions": institutions[:1],
        "topics": [{**t, "count": 5 - n} for n, t in enumerate(topics)],
        "topic_share": [{**t, "value": 0.001} for t in topics],
        "x_concepts": [],
        "counts_by_year": [{"year": 2025, "works_count": works_count, "cited_by_count": 3}],
        "works_api_url": f"https://api.openalex.org/works?filter=author.id:{key}",
        "updated_date": updated,
        "created_date": "2023-07-21",
        **extra,
    }


def authorship(
    author_key: str | None,
    name: str,
    *,
    position: str = "middle",
    orcid: str | None = None,
    institutions: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "author_position": position,
        "author": {
            "id": OA + author_key if author_key else None,
            "display_name": name,
            "orcid": f"https://orcid.org/{orcid}" if orcid else None,
        },
        "institutions": institutions or [],
        "countries": ["GB"],
        "is_corresponding": position == "first",
        "raw_author_name": name,
        "raw_affiliation_strings": [i["display_name"] for i in institutions or []],
    }


def work(
    key: str,
    title: str | None,
    authorships: list[dict[str, Any]],
    *,
    year: int = 2024,
    updated: str = "2025-10-01T00:00:00",
    abstract: str | None = "A short abstract about things.",
    topics: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    words = (abstract or "").split()
    index: dict[str, list[int]] = {}
    for position, word in enumerate(words):
        index.setdefault(word, []).append(position)
    topics = topics or []
    return {
        "id": OA + key,
        "doi": f"https://doi.org/10.5555/{key.lower()}",
        "title": title,
        "display_name": title,
        "publication_year": year,
        "publication_date": f"{year}-03-01",
        "type": "article",
        "language": "en",
        "primary_location": {
            "is_oa": True,
            "landing_page_url": f"https://example.org/{key}",
            "source": {
                "id": OA + "S100",
                "display_name": "Journal of Examples",
                "type": "journal",
                "issn_l": "1234-5678",
                "host_organization_name": "Example Press",
            },
        },
        "open_access": {"is_oa": True, "oa_status": "gold", "oa_url": f"https://example.org/{key}.pdf"},
        "authorships": authorships,
        "abstract_inverted_index": index or None,
        "cited_by_count": 7,
        "counts_by_year": [{"year": year, "cited_by_count": 7}],
        "topics": [{**t, "score": 0.9} for t in topics],
        "primary_topic": {**topics[0], "score": 0.9} if topics else None,
        "referenced_works": [OA + "W1"],
        "related_works": [],
        "updated_date": updated,
        "created_date": "2024-01-01",
        **extra,
    }
