"""Citation exports: works as BibTeX, RIS and CSL-JSON. Pure: plain records in, text out; no
ORM, no I/O (works.citations reads the records).

What every format keeps (tests/works/test_citation_formats.py reads each one back through a
maintained parser and compares):

- record text stays data: no title or name can end a field, start a new entry or tag, or be
  read as markup. BibTeX escapes the LaTeX specials (``& % $ # _ { } ~ ^ \\``) and keeps
  Unicode as UTF-8; RIS folds every line break (``\\r``, ``\\n``, U+2028, ...) into a space, since
  a line is a tag; CSL-JSON is JSON, with ``<``, ``>`` and ``&`` written as ``\\u`` escapes.
  Control characters go; right-to-left overrides (U+202E) stay, as the text they are;
- every author, in byline order: " and "-joined in BibTeX, one ``AU`` line each in RIS, a
  name object each in CSL-JSON (family and given, or a literal when the name cannot be split);
- one citation key per work, the same in the three formats (BibTeX key, RIS ``ID``, CSL
  ``id``): the first author's family name folded to ASCII, the year, the first word of the
  title that is not a stop word (``lariviere2020citation``). Works sharing a key within one
  export take suffixes in the order of their OpenAlex ids: the lowest keeps the bare key, the
  next ones end in ``b``, ``c``, ... Stable across runs; a single-work export gives the bare key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

import orjson

from profiles.names import fold

OPENALEX_WORK_URL = "https://openalex.org/"
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CitationRecord:
    """What an export says of one work."""

    openalex_id: str  # W…
    title: str
    authors: tuple[str, ...]  # in byline order
    year: int | None = None
    date: date | None = None
    venue: str = ""  # the source's name, or the venue name the record gives
    doi: str = ""  # lower-case, without https://doi.org/
    type: str = ""  # OpenAlex type (article, book-chapter, ...)
    type_crossref: str = ""  # Crossref type (journal-article, proceedings-article, ...)
    source_type: str = ""  # the venue's OpenAlex type (journal, conference, repository, ...)

    @property
    def url(self) -> str:
        return OPENALEX_WORK_URL + self.openalex_id


# --- Kinds of work -------------------------------------------------------------------------------

# OpenAlex types -> the kinds the three formats tell apart. Journal items of every sort (letters,
# editorials, errata, review articles) are articles; unknown types are "other".
_KINDS = {
    "article": "article",
    "review": "article",
    "letter": "article",
    "editorial": "article",
    "erratum": "article",
    "retraction": "article",
    "book-chapter": "chapter",
    "book": "book",
    "dissertation": "thesis",
    "report": "report",
    "dataset": "dataset",
    "preprint": "preprint",
    "standard": "standard",
    "reference-entry": "entry",
    "peer-review": "peer-review",
}

# kind -> (BibTeX entry type, the BibTeX field that names the venue)
BIBTEX_TYPES = {
    "article": ("article", "journal"),
    "conference": ("inproceedings", "booktitle"),
    "chapter": ("incollection", "booktitle"),
    "book": ("book", "publisher"),
    "thesis": ("phdthesis", "school"),
    "report": ("techreport", "institution"),
}
BIBTEX_OTHER = ("misc", "howpublished")

# kind -> RIS reference type (RIS has no preprint type: UNPB, "unpublished work", as EndNote).
RIS_TYPES = {
    "article": "JOUR",
    "conference": "CPAPER",
    "chapter": "CHAP",
    "book": "BOOK",
    "thesis": "THES",
    "report": "RPRT",
    "dataset": "DATA",
    "preprint": "UNPB",
    "standard": "STAND",
    "entry": "ENCYC",
}
RIS_OTHER = "GEN"

# kind -> CSL item type (CSL 1.0.2: "article" is a preprint or working paper).
CSL_TYPES = {
    "article": "article-journal",
    "conference": "paper-conference",
    "chapter": "chapter",
    "book": "book",
    "thesis": "thesis",
    "report": "report",
    "dataset": "dataset",
    "preprint": "article",
    "standard": "standard",
    "entry": "entry-encyclopedia",
    "peer-review": "review",
}
CSL_OTHER = "document"


def work_kind(record: CitationRecord) -> str:
    """The kind of ``record``: an article in proceedings (Crossref says so, or its venue is a
    conference) is a conference paper."""
    kind = _KINDS.get(record.type, "other")
    if kind == "article" and (record.type_crossref == "proceedings-article" or record.source_type == "conference"):
        return "conference"
    return kind


# --- Text as data -----------------------------------------------------------------------------------

# Every character str.splitlines breaks at (RIS readers split lines the same way) and the other
# controls: none may end a field or a line, so each becomes a space (tabs too).
_BREAKS = {ord(c): " " for c in "\t\n\x0b\x0c\r\x1c\x1d\x1e\x85\u2028\u2029"}
_CONTROLS = {code: None for code in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)) if code not in _BREAKS}
_CLEAN = str.maketrans({**_CONTROLS, **_BREAKS})
_SPACES = re.compile(r" {2,}")
# Text without any of these (nearly all) needs no translation: searching is much cheaper.
_UNCLEAN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]|  ")


def clean(text: str) -> str:
    """``text`` on one line: line breaks and tabs as spaces, other control characters dropped,
    runs of spaces collapsed. Format characters such as U+202E stay (they are text)."""
    if not _UNCLEAN.search(text):
        return text.strip()
    return _SPACES.sub(" ", text.translate(_CLEAN)).strip()


# --- Names ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NameParts:
    """One author's name for a citation: family and given names (and a suffix), or, for a name
    that cannot be split (a collaboration, a name with several commas), the whole as a literal."""

    family: str = ""
    given: str = ""
    suffix: str = ""
    literal: str = ""


# Particles that belong to the family name ("Ludwig van Beethoven": family "van Beethoven").
_PARTICLES = {
    "van",
    "von",
    "der",
    "den",
    "de",
    "del",
    "della",
    "di",
    "da",
    "dos",
    "das",
    "du",
    "la",
    "le",
    "ten",
    "ter",
}
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
# Words that make a name a group's: kept whole, never split into family and given.
_GROUP_WORDS = {
    "collaboration",
    "consortium",
    "group",
    "team",
    "committee",
    "network",
    "initiative",
    "investigators",
    "project",
    "society",
    "association",
    "organization",
    "organisation",
    "institute",
    "council",
}


def name_parts(name: str) -> NameParts:
    """Split a display name ("Given Family", as OpenAlex gives them; "Family, Given" too)."""
    name = clean(name)
    words = name.split(" ")
    if not name or {word.lower().strip(".,") for word in words} & _GROUP_WORDS or name.count(",") > 1:
        return NameParts(literal=name)
    if "," in name:
        family, _, given = name.partition(",")
        return NameParts(family=family.strip(), given=given.strip()) if family.strip() else NameParts(literal=name)
    suffix = ""
    if len(words) > 2 and words[-1].lower() in _SUFFIXES:
        suffix = words.pop()
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    return NameParts(family=" ".join(words[start:]), given=" ".join(words[:start]), suffix=suffix)


def _memo(render: Callable[[str], T]) -> Callable[[str], T]:
    """``render`` remembered for one export: co-authors recur across a profile's works, and
    splitting and escaping a name is most of an export's time. Nothing outlives the export."""
    done: dict[str, T] = {}

    def remembered(name: str) -> T:
        found = done.get(name)
        if found is None:
            found = done[name] = render(name)
        return found

    return remembered


# --- Citation keys ----------------------------------------------------------------------------------------

_STOP_WORDS = {"a", "an", "the", "on", "of", "in", "for", "and", "to", "with", "from", "by", "at", "is", "are"}
_NOT_KEY = re.compile(r"[^a-z0-9]+")
_KEY_PART_MAX = 24


def _key_part(text: str) -> str:
    return _NOT_KEY.sub("", fold(text))[:_KEY_PART_MAX]


def base_key(record: CitationRecord) -> str:
    """``record``'s citation key before deduplication: folded family name of the first author
    (``anon`` without one), year (``nd`` without one), first title word that is not a stop word."""
    family = ""
    if record.authors:
        parts = name_parts(record.authors[0])
        family = _key_part(parts.family or parts.literal.split(" ")[0])
    word = next(
        (part for part in (_key_part(w) for w in clean(record.title).split(" ")) if part and part not in _STOP_WORDS),
        "",
    )
    return f"{family or 'anon'}{record.year or 'nd'}{word}"


def _letters(n: int) -> str:
    """1 -> "a", 26 -> "z", 27 -> "aa" (bijective base 26)."""
    text = ""
    while n:
        n, rest = divmod(n - 1, 26)
        text = chr(ord("a") + rest) + text
    return text


def _id_number(openalex_id: str) -> int:
    digits = openalex_id[1:]
    return int(digits) if digits.isascii() and digits.isdigit() else 0


def citation_keys(records: Sequence[CitationRecord]) -> list[str]:
    """One distinct key per record, in the order of ``records`` (see the module docstring)."""
    bases = [base_key(record) for record in records]
    order = sorted(range(len(records)), key=lambda i: (bases[i], _id_number(records[i].openalex_id), i))
    used = set(bases)
    keys = [""] * len(records)
    seen: dict[str, int] = {}
    for i in order:
        base = bases[i]
        count = seen.get(base, 0)
        seen[base] = count + 1
        if count == 0:
            keys[i] = base
            continue
        n = count + 1  # the second gets "b"
        while f"{base}{_letters(n)}" in used:
            n += 1
        keys[i] = f"{base}{_letters(n)}"
        used.add(keys[i])
    return keys


# --- BibTeX -------------------------------------------------------------------------------------------------

# LaTeX specials but braces (see :func:`latex`): each character is replaced in one pass.
_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_PAIRED = str.maketrans({**_LATEX_SPECIALS, "{": r"\{", "}": r"\}"})
# BibTeX counts every brace, escaped or not: unpaired ones are written as commands.
_LATEX_UNPAIRED = str.maketrans({**_LATEX_SPECIALS, "{": r"\textbraceleft{}", "}": r"\textbraceright{}"})
# Characters a verbatim field (doi, url) cannot hold as they are: percent-encoded.
_LATEX_NEEDED = re.compile(r"[\\{}&%$#_~^]")
_VERBATIM_UNSAFE = re.compile(r"[{}\\\s\"]")
_AND = re.compile(r"\band\b", re.I)


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def latex(text: str) -> str:
    """``text`` for a braced BibTeX field: one line, specials escaped, Unicode kept. Braces are
    ``\\{`` and ``\\}`` when they pair up; when they do not, ``\\textbraceleft{}`` and
    ``\\textbraceright{}``, which keep the field's braces balanced for BibTeX (which counts
    ``\\{`` as a brace too)."""
    text = clean(text)
    if not _LATEX_NEEDED.search(text):
        return text
    return text.translate(_LATEX_PAIRED if _balanced(text) else _LATEX_UNPAIRED)


def _verbatim(text: str) -> str:
    return _VERBATIM_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), clean(text))


def _bibtex_name_part(text: str) -> str:
    escaped = latex(text)
    # " and " separates names: inside braces it is part of one.
    return f"{{{escaped}}}" if _AND.search(text) else escaped


def bibtex_name(name: str) -> str:
    """One author for a BibTeX author field: ``Family, Given`` (``Family, Suffix, Given``), or a
    braced literal."""
    parts = name_parts(name)
    if parts.literal or not parts.family:
        return f"{{{latex(parts.literal or name)}}}"
    family = _bibtex_name_part(parts.family)
    names = [family, _bibtex_name_part(parts.suffix), _bibtex_name_part(parts.given)] if parts.suffix else [family]
    if not parts.suffix and parts.given:
        names.append(_bibtex_name_part(parts.given))
    return ", ".join(names)


def bibtex_entry(record: CitationRecord, key: str, name: Callable[[str], str] = bibtex_name) -> str:
    entry_type, venue_field = BIBTEX_TYPES.get(work_kind(record), BIBTEX_OTHER)
    fields: list[tuple[str, str]] = []
    names = [name(author) for author in record.authors if clean(author)]
    if names:
        fields.append(("author", " and ".join(names)))
    # Double braces keep the title's capitals (styles lower-case titles otherwise).
    fields.append(("title", f"{{{latex(record.title)}}}" if clean(record.title) else ""))
    if clean(record.venue):
        fields.append((venue_field, latex(record.venue)))
    if record.year:
        fields.append(("year", str(record.year)))
    if record.date:
        fields.append(("date", record.date.isoformat()))
    if clean(record.doi):
        fields.append(("doi", _verbatim(record.doi)))
    fields.append(("url", _verbatim(record.url)))
    body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields if value)
    return f"@{entry_type}{{{key},\n{body}}}\n"


def bibtex(records: Sequence[CitationRecord]) -> str:
    keys, name = citation_keys(records), _memo(bibtex_name)
    return "\n".join(bibtex_entry(record, key, name) for record, key in zip(records, keys, strict=True))


# --- RIS -------------------------------------------------------------------------------------------------------

RIS_EOL = "\r\n"  # as the RIS specification has it


def ris_name(name: str) -> str:
    """One ``AU`` value: ``Family, Given`` (``Family, Given, Suffix``), or the name as it is."""
    parts = name_parts(name)
    if parts.literal or not parts.family:
        return parts.literal or clean(name)
    return ", ".join(part for part in (parts.family, parts.given, parts.suffix) if part)


def ris_entry(record: CitationRecord, key: str, name: Callable[[str], str] = ris_name) -> str:
    lines = [("TY", RIS_TYPES.get(work_kind(record), RIS_OTHER)), ("ID", key)]
    lines.extend(("AU", name(author)) for author in record.authors if clean(author))
    lines.append(("TI", clean(record.title)))
    lines.append(("T2", clean(record.venue)))
    if record.year:
        lines.append(("PY", str(record.year)))
    if record.date:
        lines.append(("DA", record.date.strftime("%Y/%m/%d")))
    lines.append(("DO", clean(record.doi)))
    lines.append(("UR", record.url))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}{RIS_EOL}" for tag, value in lines if value or tag == "ER")


def ris(records: Sequence[CitationRecord]) -> str:
    keys, name = citation_keys(records), _memo(ris_name)
    return RIS_EOL.join(ris_entry(record, key, name) for record, key in zip(records, keys, strict=True))


# --- CSL-JSON -----------------------------------------------------------------------------------------------------


def csl_name(name: str) -> dict[str, str]:
    parts = name_parts(name)
    if parts.literal or not parts.family:
        return {"literal": parts.literal or clean(name)}
    found = {"family": parts.family, "given": parts.given, "suffix": parts.suffix}
    return {field: value for field, value in found.items() if value}


def csl_item(record: CitationRecord, key: str, name: Callable[[str], dict[str, str]] = csl_name) -> dict[str, object]:
    """One item of the CSL data schema (csl-data.json)."""
    item: dict[str, object] = {"id": key, "type": CSL_TYPES.get(work_kind(record), CSL_OTHER)}
    if clean(record.title):
        item["title"] = clean(record.title)
    authors = [name(author) for author in record.authors if clean(author)]
    if authors:
        item["author"] = authors
    if record.date:
        item["issued"] = {"date-parts": [[record.date.year, record.date.month, record.date.day]]}
    elif record.year:
        item["issued"] = {"date-parts": [[record.year]]}
    if clean(record.venue):
        item["container-title"] = clean(record.venue)
    if clean(record.doi):
        item["DOI"] = clean(record.doi)
    item["URL"] = record.url
    return item


# Inside JSON strings only (JSON's own syntax has none of them): a file opened as HTML by
# mistake still holds no markup.
_JSON_MARKUP = ((b"<", b"\\u003c"), (b">", b"\\u003e"), (b"&", b"\\u0026"))


def csl_json(records: Sequence[CitationRecord]) -> bytes:
    keys, name = citation_keys(records), _memo(csl_name)  # a name's dict is shared, never changed
    items = [csl_item(record, key, name) for record, key in zip(records, keys, strict=True)]
    data = orjson.dumps(items, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    for char, escaped in _JSON_MARKUP:
        data = data.replace(char, escaped)
    return data


# --- The formats the site serves ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CitationFormat:
    slug: str  # in URLs: works.<slug>
    label: str  # what links say
    extension: str  # of the file's name
    content_type: str
    render: Callable[[Sequence[CitationRecord]], bytes]


FORMATS: dict[str, CitationFormat] = {
    fmt.slug: fmt
    for fmt in (
        CitationFormat("bib", "BibTeX", "bib", "text/x-bibtex; charset=utf-8", lambda r: bibtex(r).encode()),
        CitationFormat(
            "ris", "RIS", "ris", "application/x-research-info-systems; charset=utf-8", lambda r: ris(r).encode()
        ),
        CitationFormat("csl.json", "CSL-JSON", "json", "application/vnd.citationstyles.csl+json", csl_json),
    )
}
