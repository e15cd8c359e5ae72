"""Synthetic OpenAlex works as JSON Lines, for the import, trust and web benchmarks.

Contract:

* Deterministic: the same ``--works``, ``--authors`` and ``--seed`` give the same JSON lines
  whatever the number of processes (works are rendered in fixed chunks of 1,000, each with
  its own seeded rng). ``.gz`` files are concatenated gzip members without timestamps, so
  they are byte-identical too for the same compressor (ISA-L via python-isal when installed,
  about 4x faster than zlib; else zlib).
* Streaming with bounded memory: each process holds the shared tables (institutions, topics,
  sources, the author pool's attributes) and a cache of the authors it has rendered (about
  1 KB each); nothing grows with the number of works. 150,000 authors: about 180 MB per
  process.
* Shape: the 2025 API work object (SCHEMA-NOTES.md §4, keys in the API's order, the fields
  a profile importer reads; no ``locations``, ``concepts``, ``keywords``), one work per line;
  ``.gz`` output when the path ends in ``.gz``; ``-`` writes to stdout.
* Author reuse: every work has a lead author drawn from a Zipf-like productivity distribution
  over the pool; a share of its co-authors come from the lead's lab (a fixed group of 3-14
  authors), so co-author pairs recur across works; the rest are drawn from the same
  heavy-tailed distribution, plus this work's share of the pool taken in order, so that every
  pool author appears at least once (while ``--authors`` is below ~20 x ``--works``):
  ``--authors`` is then exactly the number of distinct authors in the file.
* Everything is invented and obviously synthetic: syllable names, "(Synthetic N)"
  institutions and venues, ``example.org`` URLs, DOIs under the test prefix 10.5555, ids in
  ranges away from real ones (A59…, W9…, I9…, S9…, T9…). About 30% of authors carry an ORCID
  with a valid ISO 7064 MOD 11-2 check character (some end in X). JSON is ASCII: accented
  letters in names are escaped, as json.dumps does by default.

Run: ``python scripts/bench/generate_works.py --works 50000 --seed 1 --out bench/out/w.jsonl.gz``
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import math
import multiprocessing
import os
import random
import sys
import time
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

OPENALEX = "https://openalex.org/"
# Id ranges chosen to be 11 characters like current ids (A5…) but far from real records.
AUTHOR_ID_BASE = 5_900_000_000  # A5900000000, A5900000001, ...
WORK_ID_BASE = 9_000_000_000  # W9000000000, ...
INSTITUTION_ID_BASE = 900_000_000  # I900000000, ...
SOURCE_ID_BASE = 9_000_000_000  # S9000000000, ...
PUBLISHER_ID_BASE = 9_000_000_000  # P9000000000, ...
TOPIC_ID_BASE = 90_000  # T90000, ...
DOI_PREFIX = "10.5555/bzpeer-synthetic."

N_INSTITUTIONS = 2_000
N_TOPICS = 500
N_SOURCES = 1_000
N_PUBLISHERS = 60
N_ABSTRACTS = 2_048
MAX_AUTHORS_PER_WORK = 30
LAST_YEAR = 2025

# (OpenAlex type, Crossref type, weight, source type the work is published in)
WORK_TYPES = [
    ("article", "journal-article", 70, "journal"),
    ("preprint", "posted-content", 12, "repository"),
    ("book-chapter", "book-chapter", 8, "book series"),
    ("review", "journal-article", 6, "journal"),
    ("dataset", "dataset", 4, "repository"),
]
COUNTRIES = [
    ("US", 20), ("CN", 14), ("GB", 7), ("DE", 7), ("JP", 5), ("FR", 5), ("IN", 5), ("CA", 4),
    ("IT", 4), ("AU", 3), ("ES", 3), ("KR", 3), ("BR", 3), ("NL", 2), ("CH", 2), ("SE", 2),
    ("PL", 1), ("BE", 1), ("DK", 1), ("FI", 1), ("NO", 1), ("AT", 1), ("PT", 1), ("MX", 1),
    ("ZA", 1), ("NG", 1), ("CL", 1), ("NZ", 1), ("IE", 1), ("SG", 1),
]
INSTITUTION_TYPES = [
    ("education", 60), ("facility", 10), ("healthcare", 10), ("company", 8),
    ("government", 6), ("nonprofit", 4), ("funder", 2),
]
OA_STATUSES = [("closed", 45), ("gold", 18), ("green", 14), ("bronze", 10), ("hybrid", 9),
               ("diamond", 4)]
DOMAINS = ["Life Sciences", "Social Sciences", "Physical Sciences", "Health Sciences"]
LANGUAGES = [("en", 92), ("de", 2), ("fr", 2), ("es", 2), ("zh", 1), ("pt", 1)]

_ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "kl", "l", "m", "n",
           "p", "pr", "r", "s", "sh", "st", "t", "tr", "v", "w", "z", ""]
_VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y"]
_ACCENTED = ["é", "ö", "á", "ü", "è", "ñ"]  # rare, so that search has accents to fold
_CODAS = ["", "", "", "n", "r", "l", "s", "th", "m", "nd", "k", "x"]
_FILLERS = ["the", "of", "and", "in", "a", "to", "for", "with", "on", "by", "we", "is", "that",
            "from", "this", "are", "as", "our", "be", "at"]


def orcid_check_character(first_15: str) -> str:
    """ISO 7064 MOD 11-2 check character over 15 digits (independent of profiles.orcid, so
    the tests can cross-check one against the other)."""
    total = 0
    for ch in first_15:
        total = (total + ord(ch) - 48) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def synthetic_orcid(author_index: int) -> str:
    """A unique, check-digit-valid ORCID for ``author_index`` (a bijection on 11 digits)."""
    n = (author_index * 2_654_435_761 + 12_345) % 10**11
    base = f"0000{n:011d}"
    digits = base + orcid_check_character(base)
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


def _issn(rng: random.Random) -> str:
    digits = [rng.randrange(10) for _ in range(7)]
    check = (11 - sum(d * w for d, w in zip(digits, range(8, 1, -1), strict=True)) % 11) % 11
    tail = "X" if check == 10 else str(check)
    s = "".join(map(str, digits)) + tail
    return f"{s[:4]}-{s[4:]}"


_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def _ror(rng: random.Random) -> str:
    """A ROR-shaped id: 0 + 6 Crockford base32 characters + ISO 7064 MOD 97-10 checksum."""
    body = "0" + "".join(rng.choice(_CROCKFORD) for _ in range(6))
    value = 0
    for ch in body:
        value = value * 32 + _CROCKFORD.index(ch)
    return f"{body}{98 - (value * 100) % 97:02d}"


def _weighted(pairs: list[tuple[str, int]]) -> tuple[list[str], list[float]]:
    values = [v for v, _ in pairs]
    return values, list(itertools.accumulate(float(w) for _, w in pairs))


class _Names:
    """Invented words and names made of syllables (deterministic given the rng)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def syllable(self, accents: bool = False) -> str:
        r = self.rng
        vowel = r.choice(_ACCENTED) if accents and r.random() < 0.04 else r.choice(_VOWELS)
        return r.choice(_ONSETS) + vowel + r.choice(_CODAS)

    def word(self, lo: int = 2, hi: int = 3, accents: bool = False) -> str:
        return "".join(self.syllable(accents) for _ in range(self.rng.randint(lo, hi)))

    def proper(self, lo: int = 2, hi: int = 3, accents: bool = False) -> str:
        return self.word(lo, hi, accents).capitalize()


@dataclass
class _Topic:
    head: str  # '{"id": ..., "display_name": ..., "score": '
    tail: str  # ', "subfield": {...}, "field": {...}, "domain": {...}}'


def _lookup(pairs: list[tuple[object, float]], size: int = 4096) -> list:
    """A table for O(1) weighted draws: ``table[int(random() * len(table))]``."""
    total = sum(w for _, w in pairs)
    table: list = []
    for value, weight in pairs:
        table.extend([value] * round(size * weight / total))
    return table or [pairs[0][0]]


@dataclass
class Universe:
    """Everything the works share: institutions, topics, sources, the author pool and its
    labs. Built once from (seed, n_authors); an author's JSON is built on first use and
    cached, from attributes drawn at build time, so it never depends on stream order."""

    seed: int
    n_authors: int
    inst_json: list[str] = field(default_factory=list)
    inst_country: list[str] = field(default_factory=list)
    inst_affil: list[str] = field(default_factory=list)
    inst_cw: list[float] = field(default_factory=list)
    topics: list[_Topic] = field(default_factory=list)
    sources_by_type: dict[str, list[int]] = field(default_factory=dict)
    source_json: list[str] = field(default_factory=list)
    source_oa: list[bool] = field(default_factory=list)
    source_landing: list[str] = field(default_factory=list)
    abstracts: list[str] = field(default_factory=list)
    vocab: list[str] = field(default_factory=list)
    first_names: list[str] = field(default_factory=list)
    last_names: list[str] = field(default_factory=list)
    author_cw: list[float] = field(default_factory=list)
    # Per author: indexes into the name banks, flag bits (_F_*), a second institution or -1.
    author_first: array = field(default_factory=lambda: array("i"))
    author_last: array = field(default_factory=lambda: array("i"))
    author_flags: bytearray = field(default_factory=bytearray)
    author_inst2: array = field(default_factory=lambda: array("i"))
    lab_of: array = field(default_factory=lambda: array("i"))
    lab_start: array = field(default_factory=lambda: array("i"))
    lab_inst: array = field(default_factory=lambda: array("i"))
    lab_topics: array = field(default_factory=lambda: array("i"))
    lab_journals: array = field(default_factory=lambda: array("i"))
    _author_cache: dict[int, tuple[str, str, str]] = field(default_factory=dict)

    # -- building -------------------------------------------------------------------------

    @classmethod
    def build(cls, seed: int, n_authors: int) -> Universe:
        if n_authors < 1:
            raise ValueError("n_authors must be at least 1")
        u = cls(seed=seed, n_authors=n_authors)
        rng = random.Random(f"bzpeer-universe-{seed}")
        names = _Names(rng)
        u.vocab = sorted({names.word(1, 3) for _ in range(4_000)})
        u.first_names = [names.proper(1, 2, accents=True) for _ in range(3_000)]
        u.last_names = [names.proper(2, 3, accents=True) for _ in range(8_000)]
        u._build_institutions(rng, names)
        u._build_topics(rng, names)
        u._build_sources(rng, names)
        u._build_abstracts(rng)
        u._build_authors(rng)
        return u

    def _build_institutions(self, rng: random.Random, names: _Names) -> None:
        countries, country_cw = _weighted(COUNTRIES)
        types, type_cw = _weighted(INSTITUTION_TYPES)
        patterns = ["University of {p}", "{p} Institute of Technology", "{p} Medical Centre",
                    "{s} Research Institute", "{p} State University", "{s} Laboratories",
                    "{p} Polytechnic", "National Centre for {w} Research"]
        ids: list[str] = []
        for i in range(N_INSTITUTIONS):
            place, surname = names.proper(2, 3, accents=True), names.proper()
            name = rng.choice(patterns).format(p=place, s=surname, w=names.proper())
            name = f"{name} (Synthetic {i})"  # unique and visibly not real
            oid = f"{OPENALEX}I{INSTITUTION_ID_BASE + i}"
            country = rng.choices(countries, cum_weights=country_cw)[0]
            # Some institutions sit under an earlier one (lineage = self, parent).
            lineage = [oid] + ([ids[rng.randrange(i)]] if i > 20 and rng.random() < 0.15 else [])
            ids.append(oid)
            obj = {"id": oid, "display_name": name, "ror": f"https://ror.org/{_ror(rng)}",
                   "country_code": country, "type": rng.choices(types, cum_weights=type_cw)[0],
                   "lineage": lineage}
            self.inst_json.append(json.dumps(obj))
            self.inst_country.append(country)
            self.inst_affil.append(f"{name}, {names.proper()}, {country}")
        # Big institutions host many labs: Zipf-like weights.
        self.inst_cw = list(itertools.accumulate(1.0 / (i + 5) for i in range(N_INSTITUTIONS)))

    def _build_topics(self, rng: random.Random, names: _Names) -> None:
        fields = [(f"{names.proper()} Sciences", 11 + i) for i in range(26)]
        subfields = [(f"{names.proper()} and {names.proper()}", 1100 + i) for i in range(250)]
        for i in range(N_TOPICS):
            sub_name, sub_id = subfields[i % len(subfields)]
            field_index = (sub_id - 1100) % len(fields)
            field_name, field_id = fields[field_index]
            domain_index = field_index % len(DOMAINS)
            title = f"{names.proper()} {names.word()} in {names.word()} {names.word()}"
            head = (f'{{"id": "{OPENALEX}T{TOPIC_ID_BASE + i}", '
                    f'"display_name": {json.dumps(title)}, "score": ')
            tail = (f', "subfield": {{"id": "{OPENALEX}subfields/{sub_id}", '
                    f'"display_name": {json.dumps(sub_name)}}}, '
                    f'"field": {{"id": "{OPENALEX}fields/{field_id}", '
                    f'"display_name": {json.dumps(field_name)}}}, '
                    f'"domain": {{"id": "{OPENALEX}domains/{domain_index + 1}", '
                    f'"display_name": "{DOMAINS[domain_index]}"}}}}')
            self.topics.append(_Topic(head, tail))

    def _build_sources(self, rng: random.Random, names: _Names) -> None:
        publishers = [f"{names.proper()} {rng.choice(['Press', 'Publishing', '& Sons', 'Media'])}"
                      for _ in range(N_PUBLISHERS)]
        kinds = [("journal", 0.80), ("repository", 0.06), ("book series", 0.08),
                 ("conference", 0.06)]
        self.sources_by_type = {kind: [] for kind, _ in kinds}
        for i in range(N_SOURCES):
            r, kind = rng.random(), "journal"
            for kind, share in kinds:  # noqa: B007 - the loop variable is the result
                if r < share:
                    break
                r -= share
            word = names.proper()
            name = {
                "journal": f"Journal of {word} {names.proper()}",
                "repository": f"{word}Rxiv",
                "book series": f"Lecture Notes in {word}",
                "conference": f"Proceedings of the {word} Conference",
            }[kind] + f" (Synthetic {i})"
            issn = None if kind in ("repository", "conference") else _issn(rng)
            host_name = None if kind == "repository" else rng.choice(publishers)
            obj = {"id": f"{OPENALEX}S{SOURCE_ID_BASE + i}", "display_name": name,
                   "issn_l": issn, "host_organization_name": host_name, "type": kind}
            self.source_json.append(json.dumps(obj))
            self.source_oa.append(kind == "repository" or rng.random() < 0.3)
            self.source_landing.append(f"https://{word.lower()}{i}.example.org/")
            self.sources_by_type[kind].append(i)

    def _build_abstracts(self, rng: random.Random) -> None:
        """A bank of pre-serialised inverted indexes (40-120 tokens); works pick one."""
        for _ in range(N_ABSTRACTS):
            n = rng.randint(40, 120)
            tokens = [rng.choice(_FILLERS) if rng.random() < 0.35 else rng.choice(self.vocab)
                      for _ in range(n)]
            tokens[0] = tokens[0].capitalize()
            for j in range(8, n - 1, rng.randint(9, 16)):
                tokens[j] += "."
                tokens[j + 1] = tokens[j + 1].capitalize()
            tokens[-1] += "."
            index: dict[str, list[int]] = {}
            for pos, tok in enumerate(tokens):
                index.setdefault(tok, []).append(pos)
            self.abstracts.append(json.dumps(index))

    def _build_authors(self, rng: random.Random) -> None:
        n = self.n_authors
        rand = rng.random
        # Productivity: weight (rank + 30) ** -1.1, rank a random permutation of the pool: a
        # Lotka-like tail. With 50,000 works and authors the busiest author has ~1,400 works,
        # the median author 5, and ~7% exactly one.
        ranks = list(range(n))
        rng.shuffle(ranks)
        self.author_cw = list(itertools.accumulate((r + 30) ** -1.1 for r in ranks))
        inst_total = self.inst_cw[-1]
        n_first, n_last = len(self.first_names), len(self.last_names)
        first, last = array("i", bytes(4 * n)), array("i", bytes(4 * n))
        flags, inst2 = bytearray(n), array("i", [-1]) * n
        for a in range(n):
            first[a] = int(rand() * n_first)
            last[a] = int(rand() * n_last)
            f = _F_ORCID if rand() < 0.3 else 0
            if rand() < 0.15:
                f |= _F_MIDDLE
            if rand() < 0.2:
                f |= _F_INVERTED
            if rand() < 0.05:
                f |= _F_UNMATCHED
            elif rand() < 0.1:
                inst2[a] = bisect_right(self.inst_cw, rand() * inst_total)
            flags[a] = f
        self.author_first, self.author_last = first, last
        self.author_flags, self.author_inst2 = flags, inst2
        # Labs: contiguous runs of 3-14 author indexes, each at one institution with three
        # topics and two favourite journals.
        lab_of, lab_start = array("i", bytes(4 * n)), array("i")
        journals = self.sources_by_type["journal"]
        start = 0
        while start < n:
            size = min(rng.randint(3, 14), n - start)
            lab = len(lab_start)
            lab_start.append(start)
            for a in range(start, start + size):
                lab_of[a] = lab
            self.lab_inst.append(bisect_right(self.inst_cw, rand() * inst_total))
            self.lab_topics.extend(rng.sample(range(N_TOPICS), 3))
            self.lab_journals.extend(rng.sample(journals, 2))
            start += size
        lab_start.append(n)  # sentinel: lab k spans lab_start[k]:lab_start[k + 1]
        self.lab_of, self.lab_start = lab_of, lab_start

    # -- authors (lazy) -------------------------------------------------------------------

    def author_id(self, a: int) -> str:
        return f"{OPENALEX}A{AUTHOR_ID_BASE + a}"

    def author_name(self, a: int) -> str:
        first = self.first_names[self.author_first[a]]
        last = self.last_names[self.author_last[a]]
        if self.author_flags[a] & _F_MIDDLE:
            return f"{first} {'ABCDEFGHJKLMNPRSTW'[a % 18]}. {last}"
        return f"{first} {last}"

    def authorship_parts(self, a: int) -> tuple[str, str, str]:
        """(JSON before the is_corresponding value, JSON after it, a country code) for author
        ``a``'s authorship object; cached."""
        cached = self._author_cache.get(a)
        if cached is not None:
            return cached
        flags = self.author_flags[a]
        display = self.author_name(a)
        raw = display
        if flags & _F_INVERTED:  # the byline form: "Last, First"
            first, _, last = display.rpartition(" ")
            raw = f"{last}, {first}"
        orcid = f'"https://orcid.org/{synthetic_orcid(a)}"' if flags & _F_ORCID else "null"
        insts = [] if flags & _F_UNMATCHED else [self.lab_inst[self.lab_of[a]]]
        if self.author_inst2[a] >= 0 and self.author_inst2[a] not in insts:
            insts.append(self.author_inst2[a])
        countries = sorted({self.inst_country[i] for i in insts})
        affil = [self.inst_affil[i] for i in insts] or [f"Dept. of Studies {a % 97}, Somewhere"]
        before = (f'"author": {{"id": "{self.author_id(a)}", '
                  f'"display_name": {json.dumps(display)}, "orcid": {orcid}}}, '
                  f'"institutions": [{", ".join(self.inst_json[i] for i in insts)}], '
                  f'"countries": {json.dumps(countries)}, "is_corresponding": ')
        after = (f', "raw_author_name": {json.dumps(raw)}, '
                 f'"raw_affiliation_strings": {json.dumps(affil)}}}')
        parts = (before, after, countries[0] if countries else "")
        self._author_cache[a] = parts
        return parts


_F_ORCID, _F_MIDDLE, _F_INVERTED, _F_UNMATCHED = 1, 2, 4, 8


def default_author_count(n_works: int) -> int:
    """Default pool: as many authors as works (50,000 works -> 50,000 distinct authors, about
    10 authorships each, as each work has about 10 authors)."""
    return max(1, n_works)


# Works are produced in chunks with their own rng, so the output does not depend on how many
# processes render it.
CHUNK = 1_000
POOL_IDS = 512


@dataclass
class _Tables:
    """Per-run lookup tables for O(1) weighted draws."""

    sizes: list = field(default_factory=lambda: _lookup(
        [(n, n * math.exp(-n / 5.4)) for n in range(1, MAX_AUTHORS_PER_WORK + 1)]))
    types: list = field(default_factory=lambda: _lookup(
        [((t[0], t[1], t[3]), float(t[2])) for t in WORK_TYPES]))
    years: list = field(default_factory=lambda: _lookup(
        [(y, (y - 1985) ** 1.6) for y in range(1990, LAST_YEAR + 1)]))
    oa: list = field(default_factory=lambda: _lookup([(s, float(w)) for s, w in OA_STATUSES]))
    langs: list = field(default_factory=lambda: _lookup([(s, float(w)) for s, w in LANGUAGES]))


def iter_chunk(u: Universe, n_works: int, chunk: int) -> Iterator[str]:
    """Yield the JSON lines (no newline) of works ``chunk*CHUNK`` up to the next chunk."""
    rng = random.Random(f"bzpeer-works-{u.seed}-{chunk}")
    rand = rng.random
    tb = _Tables()
    sizes, types, years, oa_table, langs = tb.sizes, tb.types, tb.years, tb.oa, tb.langs
    n_sizes, n_types, n_years, n_oa, n_langs = (len(sizes), len(types), len(years),
                                                len(oa_table), len(langs))
    n_authors = u.n_authors
    author_cw, lab_of, lab_start = u.author_cw, u.lab_of, u.lab_start
    author_total = author_cw[-1]
    vocab, abstracts, topics = u.vocab, u.abstracts, u.topics
    n_vocab = len(vocab)
    parts_of = u.authorship_parts
    source_json, source_oa, source_landing = u.source_json, u.source_oa, u.source_landing
    lab_journals, lab_topics = u.lab_journals, u.lab_topics
    conferences = u.sources_by_type["conference"]
    by_type = {kind: ids or u.sources_by_type["journal"] for kind, ids in u.sources_by_type.items()}

    chunk_start = chunk * CHUNK
    # Chunk 0 refers back only to its first 16 works.
    limit = chunk_start or 16
    earlier = [f'"{OPENALEX}W{WORK_ID_BASE + int(rand() * limit)}"' for _ in range(POOL_IDS)]
    anywhere = [f'"{OPENALEX}W{WORK_ID_BASE + int(rand() * n_works)}"' for _ in range(POOL_IDS)]
    for i in range(chunk_start, min(n_works, chunk_start + CHUNK)):
        wid = WORK_ID_BASE + i
        # --- authors: a lead (Zipf), lab mates (a rotating window of the lead's lab), outside
        # collaborators (Zipf), and this work's share of the pool's fresh authors, so every
        # author appears at least once.
        n = sizes[int(rand() * n_sizes)]
        lead = bisect_right(author_cw, rand() * author_total)
        lab = lab_of[lead]
        lo = lab_start[lab]
        lab_size = lab_start[lab + 1] - lo
        team = {lead}
        byline: list[int] = []
        k_lab = min(lab_size - 1, round((n - 1) * (0.4 + 0.5 * rand())))
        offset = int(rand() * lab_size)
        j = 0
        while len(byline) < k_lab:
            m = lo + (offset + j) % lab_size
            j += 1
            if m != lead:
                team.add(m)
                byline.append(m)
        for a in range((n_authors * i) // n_works, (n_authors * (i + 1)) // n_works):
            if a not in team and len(team) < MAX_AUTHORS_PER_WORK:
                team.add(a)
                byline.append(a)
        for _ in range(n - len(team)):
            a = bisect_right(author_cw, rand() * author_total)
            if a not in team:
                team.add(a)
                byline.append(a)
        if rand() < 0.7:
            byline.append(lead)  # the PI as last author
        else:
            byline.insert(0, lead)
        corresponding = lead if rand() < 0.6 else -1
        last = len(byline) - 1
        authorships = []
        countries = set()
        for pos, a in enumerate(byline):
            before, after, country = parts_of(a)
            countries.add(country)
            position = "first" if pos == 0 else ("last" if pos == last else "middle")
            authorships.append(f'{{"author_position": "{position}", {before}'
                               f'{"true" if a == corresponding else "false"}{after}')
        countries.discard("")

        # --- metadata
        wtype, crossref, source_type = types[int(rand() * n_types)]
        year = years[int(rand() * n_years)]
        if wtype in ("article", "review") and rand() < 0.7:
            source = lab_journals[2 * lab + (1 if rand() < 0.5 else 0)]
        elif wtype == "article" and conferences and rand() < 0.2:
            source = conferences[int(rand() * len(conferences))]
        else:
            candidates = by_type[source_type]
            source = candidates[int(rand() * len(candidates))]
        doi = f"https://doi.org/{DOI_PREFIX}{wid}"
        oa_status = oa_table[int(rand() * n_oa)]
        if source_oa[source]:  # fully open venue
            oa_status = "green" if wtype == "preprint" else "gold"
        oa = "false" if oa_status == "closed" else "true"
        oa_url = "null" if oa_status == "closed" else f'"{source_landing[source]}{wid}.pdf"'
        title = " ".join([vocab[int(rand() * n_vocab)] for _ in range(4 + int(rand() * 11))])
        title = title.capitalize()
        if rand() < 0.01:  # OpenAlex titles sometimes carry markup
            title = f"<i>{title}</i> revisited"

        # --- topics: mostly the lab's, scores descending
        k_topics = 1 + int(rand() * 3)
        if rand() < 0.85:
            t0 = int(rand() * 3)
            chosen = [lab_topics[3 * lab + (t0 + k) % 3] for k in range(k_topics)]
        else:
            chosen = list({int(rand() * N_TOPICS) for _ in range(k_topics)})
        score = 0.9 + 0.0999 * rand()
        topic_json = []
        for t in chosen:
            topic = topics[t]
            topic_json.append(f"{topic.head}{score:.4f}{topic.tail}")
            score = max(0.3, score - 0.02 - 0.2 * rand())

        # --- citations: heavy-tailed, more for older works; per-year counts newest first
        cited = int((1.0 / (1.0 - rand()) ** 0.7 - 1.0) * (LAST_YEAR - year + 1) * 1.5)
        counts = []
        remaining = cited
        first_counted = year if year > 2012 else 2012
        y = LAST_YEAR
        while remaining and y >= first_counted:
            c = remaining if y == first_counted else int(remaining * (0.1 + 0.3 * rand()))
            if c:
                counts.append(f'{{"year": {y}, "cited_by_count": {c}}}')
            remaining -= c
            y -= 1
        # References point to earlier works, related works anywhere in the file; both are
        # windows into per-chunk pools of id strings (formatting ids per work is costly).
        n_refs = int(rand() * 9) if i >= chunk_start + 16 or chunk_start else 0
        o = int(rand() * (POOL_IDS - 10))
        refs = ", ".join(earlier[o : o + n_refs])
        o = int(rand() * (POOL_IDS - 10))
        related = ", ".join(anywhere[o : o + 10])
        corr_ids = f'"{OPENALEX}A{AUTHOR_ID_BASE + corresponding}"' if corresponding >= 0 else ""
        title_json = json.dumps(title)
        yield (
            f'{{"id": "{OPENALEX}W{wid}", "doi": "{doi}", '
            f'"title": {title_json}, "display_name": {title_json}, '
            f'"publication_year": {year}, '
            f'"publication_date": "{year}-{1 + int(rand() * 12):02d}-{1 + int(rand() * 28):02d}", '
            f'"ids": {{"openalex": "{OPENALEX}W{wid}", "doi": "{doi}"}}, '
            f'"language": "{langs[int(rand() * n_langs)]}", '
            f'"primary_location": {{"is_oa": {oa}, "landing_page_url": "{doi}", '
            f'"pdf_url": {oa_url}, "source": {source_json[source]}, '
            f'"license": {"null" if oa == "false" else chr(34) + "cc-by" + chr(34)}, '
            f'"version": "publishedVersion", "is_accepted": true, "is_published": true}}, '
            f'"type": "{wtype}", "type_crossref": "{crossref}", '
            f'"open_access": {{"is_oa": {oa}, "oa_status": "{oa_status}", "oa_url": {oa_url}}}, '
            f'"authorships": [{", ".join(authorships)}], '
            f'"countries_distinct_count": {len(countries)}, '
            f'"corresponding_author_ids": [{corr_ids}], '
            f'"cited_by_count": {cited}, "is_retracted": false, '
            f'"primary_topic": {topic_json[0]}, "topics": [{", ".join(topic_json)}], '
            f'"referenced_works_count": {n_refs}, "referenced_works": [{refs}], '
            f'"related_works": [{related}], '
            f'"abstract_inverted_index": {abstracts[int(rand() * N_ABSTRACTS)]}, '
            f'"counts_by_year": [{", ".join(counts)}], '
            f'"updated_date": "2025-10-{1 + int(rand() * 28):02d}T{int(rand() * 24):02d}'
            f':17:08.373354", "created_date": "{max(year, 2016)}-06-24"}}'
        )


def iter_works(n_works: int, n_authors: int | None = None, seed: int = 1,
               universe: Universe | None = None) -> Iterator[str]:
    """Yield ``n_works`` work records as JSON strings (no newline). Deterministic, in one
    process; :func:`generate` renders the same lines in parallel."""
    if n_authors is None:
        n_authors = default_author_count(n_works)
    u = universe or Universe.build(seed, n_authors)
    for chunk in range(_chunks(n_works)):
        yield from iter_chunk(u, n_works, chunk)


def _chunks(n_works: int) -> int:
    return (n_works + CHUNK - 1) // CHUNK


# State shared with forked workers (set before the pool starts, read-only afterwards).
_WORKER: dict[str, object] = {}


def _render_chunk(chunk: int) -> bytes:
    """One chunk as bytes: plain JSON Lines, or one gzip member (members concatenate into a
    valid .gz file, which gzip, zcat and Python's gzip module read as one stream)."""
    u, n_works, level = _WORKER["universe"], _WORKER["n_works"], _WORKER["level"]
    assert isinstance(u, Universe) and isinstance(n_works, int)
    lines = list(iter_chunk(u, n_works, chunk))
    lines.append("")  # the trailing newline, without copying the chunk once more
    data = "\n".join(lines).encode()
    return _gzip_compress(data, level) if isinstance(level, int) else data


def _gzip_compress(data: bytes, level: int) -> bytes:
    """A gzip member of ``data``: through ISA-L (python-isal, about 4x faster) when it is
    installed, else zlib. Both decompress to the same bytes."""
    try:
        from isal import igzip
    except ImportError:
        return gzip.compress(data, compresslevel=level, mtime=0)
    return igzip.compress(data, compresslevel=min(level, 3), mtime=0)


def chunk_count(n_works: int) -> int:
    """How many chunks :func:`render_chunks` yields for ``n_works`` (``CHUNK`` works each, the
    last one possibly fewer)."""
    return _chunks(n_works)


def render_chunks(n_works: int, n_authors: int, seed: int, compresslevel: int | None,
                  jobs: int) -> Iterator[bytes]:
    """The works as bytes, chunk by chunk in order (chunk ``k`` holds works ``k*CHUNK`` up to
    the next chunk): plain JSON Lines, or one gzip member per chunk when ``compresslevel`` is
    set (members concatenate into a valid .gz file). ``jobs`` processes render them; the bytes
    do not depend on ``jobs``. The one renderer of :func:`generate` and of the snapshot
    generator (scripts/bench/generate_snapshot.py), which splits the chunks into part files."""
    _WORKER.update(universe=Universe.build(seed, n_authors), n_works=n_works, level=compresslevel)
    try:
        chunks = range(_chunks(n_works))
        if jobs == 1:
            yield from map(_render_chunk, chunks)
        else:
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                yield from pool.imap(_render_chunk, chunks)
    finally:
        _WORKER.clear()


@dataclass
class GenerationStats:
    works: int
    authors_pool: int
    seconds: float
    bytes_written: int
    jobs: int

    @property
    def works_per_second(self) -> float:
        return self.works / self.seconds if self.seconds else float("inf")


def generate(path: str, n_works: int, n_authors: int | None = None, seed: int = 1,
             compresslevel: int = 1, jobs: int | None = None) -> GenerationStats:
    """Write ``n_works`` works to ``path`` (JSON Lines; gzip if it ends in .gz; "-" = stdout).

    Overwrites ``path`` (written to ``path.tmp`` and renamed, so an interrupted run leaves no
    truncated file behind). Creates parent folders. ``jobs`` worker processes (default: CPU
    count) render chunks in parallel; the bytes do not depend on ``jobs``.
    """
    if n_works < 1:
        raise ValueError("n_works must be at least 1")
    if n_authors is None:
        n_authors = default_author_count(n_works)
    jobs = max(1, jobs or os.cpu_count() or 1)
    started = time.perf_counter()
    target = Path(path)
    if path != "-":
        target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    out = sys.stdout.buffer if path == "-" else open(tmp, "wb")  # noqa: SIM115
    written = 0
    try:
        level = compresslevel if path.endswith(".gz") else None
        for data in render_chunks(n_works, n_authors, seed, level, jobs):
            written += out.write(data)
    finally:
        if out is sys.stdout.buffer:
            out.flush()
        else:
            out.close()
    if path != "-":
        os.replace(tmp, target)
    return GenerationStats(n_works, n_authors, time.perf_counter() - started, written, jobs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--works", type=int, default=50_000, help="number of works (50000)")
    parser.add_argument("--authors", type=int, default=None,
                        help="author pool = distinct authors in the file (default: = works)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True, help="output path (.jsonl, .jsonl.gz or -)")
    parser.add_argument("--compresslevel", type=int, default=1, help="gzip level for .gz (1)")
    parser.add_argument("--jobs", type=int, default=None, help="processes (default: CPUs)")
    args = parser.parse_args(argv)
    if args.works < 1:
        parser.error("--works must be at least 1")
    if args.authors is not None and args.authors < 1:
        parser.error("--authors must be at least 1")
    stats = generate(args.out, args.works, args.authors, args.seed, args.compresslevel, args.jobs)
    print(f"{stats.works:,} works, {stats.authors_pool:,} authors, {stats.jobs} process(es), "
          f"{stats.seconds:.1f} s, {stats.works_per_second:,.0f} works/s, "
          f"{stats.bytes_written / 1e6:,.1f} MB -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
