"""Citation exports (works.citation_formats) read back through maintained parsers: BibTeX
through bibtexparser (names split by it, LaTeX decoded by pylatexenc), RIS through rispy,
CSL-JSON through citeproc-py (its reader, and a bibliography rendered with the style it
ships), its types and variables checked against the CSL schema citeproc-py ships. Titles,
every author in order, year, DOI and venue come back as they went in, hostile text included."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import bibtexparser
import citeproc
import rispy
from bibtexparser import middlewares
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from pylatexenc.latex2text import LatexNodes2Text

from works.citation_formats import (
    CSL_TYPES,
    FORMATS,
    CitationRecord,
    base_key,
    bibtex,
    citation_keys,
    csl_json,
    latex,
    name_parts,
    ris,
)

RLO = "\u202e"
CITEPROC = Path(citeproc.__file__).parent / "data"

PLAIN = CitationRecord(
    openalex_id="W2741809807",
    title="The state of OA: a large-scale analysis of the prevalence and impact of Open Access articles",
    authors=("Heather Piwowar", "Jason Priem", "Vincent Larivière", "Ludwig van Beethoven", "Martin Luther King Jr."),
    year=2018,
    date=date(2018, 2, 13),
    venue="PeerJ",
    doi="10.7717/peerj.4375",
    type="article",
    type_crossref="journal-article",
    source_type="journal",
)
HOSTILE_TITLE = (
    f"<script>alert(\"x\")</script> 'quoted' {{braced}} back\\slash 100% $math$ #1 a_b ~tilde^caret "
    f"& {RLO}reversed @article{{evil, title={{x}}}}\nER  - injected\r\nTY  - JOUR"
)
HOSTILE_AUTHORS = (
    '<b>Eve</b> "Quote" O\'Neil',
    f"Ann {RLO}Reversed",
    "Back\\slash Per%cent",
    "Brace {Open} Close",
    "Tom and Jerry",
)
HOSTILE = CitationRecord(
    openalex_id="W1",
    title=HOSTILE_TITLE,
    authors=HOSTILE_AUTHORS,
    year=2024,
    venue="Journal of <i>Markup</i> & 50% {Braces}",
    doi="10.5555/a_b(1)#2",
    type="book-chapter",
)
LONG = CitationRecord(
    openalex_id="W2",
    title="A work with five hundred authors",
    authors=tuple(f"Author{i} Family{i}" for i in range(500)),
    year=2020,
    venue="Physics Letters B",
    type="article",
)


def one_line(text: str) -> str:
    """What every format keeps of a text: line breaks as single spaces."""
    return re.sub(r"\s+", " ", text).strip()


def given_family(name: str) -> str:
    """A name as written ("Given Family"), from a parser's parts."""
    return " ".join(name.split())


# --- BibTeX ----------------------------------------------------------------------------------------


def parse_bibtex(text: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(decoded, raw) fields of each entry: names split and LaTeX decoded; and as written (for
    the verbatim fields, doi and url, which LaTeX does not decode)."""
    decoded = bibtexparser.parse_string(
        text,
        append_middleware=[
            middlewares.SeparateCoAuthors(),
            middlewares.SplitNameParts(),
            middlewares.LatexDecodingMiddleware(),
        ],
    )
    raw = bibtexparser.parse_string(text)
    assert decoded.failed_blocks == [] and raw.failed_blocks == []
    entries = [{"ID": e.key, "ENTRYTYPE": e.entry_type, **{f.key: f.value for f in e.fields}} for e in decoded.entries]
    return entries, [{f.key: f.value for f in e.fields} for e in raw.entries]


def bibtex_names(entry: dict[str, Any]) -> list[str]:
    """The authors as bibtexparser splits them, each part LaTeX-decoded by pylatexenc (the
    decoder of its LatexDecodingMiddleware, which skips lists of names)."""
    decode = LatexNodes2Text().latex_to_text
    return [given_family(" ".join(decode(part) for part in n.first + n.von + n.last + n.jr)) for n in entry["author"]]


# pylatexenc renders \textasciicircum as the modifier letter LaTeX prints for it.
def latex_printed(text: str) -> str:
    return text.replace("^", "\u02c6")


def test_bibtex_reads_back_with_every_field() -> None:
    entries, raw = parse_bibtex(bibtex([PLAIN]))
    [entry] = entries
    assert entry["ENTRYTYPE"] == "article" and entry["ID"] == "piwowar2018state"
    assert entry["title"] == PLAIN.title
    assert bibtex_names(entry) == list(PLAIN.authors)
    assert entry["author"][3].von == ["van"] and entry["author"][4].jr == ["Jr."]
    assert entry["journal"] == "PeerJ" and entry["year"] == "2018" and entry["date"] == "2018-02-13"
    assert raw[0]["doi"] == "10.7717/peerj.4375" and raw[0]["url"] == "https://openalex.org/W2741809807"


def test_bibtex_keeps_hostile_text_as_data() -> None:
    text = bibtex([HOSTILE, PLAIN])
    entries, raw = parse_bibtex(text)
    assert [e["ID"] for e in entries] == [base_key(HOSTILE), "piwowar2018state"]  # nothing injected
    hostile = entries[0]
    assert hostile["ENTRYTYPE"] == "incollection"
    assert hostile["title"] == latex_printed(one_line(HOSTILE_TITLE))
    assert RLO in hostile["title"]
    assert bibtex_names(hostile) == list(HOSTILE_AUTHORS)  # "Tom and Jerry" stays one author
    assert hostile["booktitle"] == HOSTILE.venue
    assert raw[0]["doi"] == "10.5555/a_b(1)#2"
    # Every field's braces pair up for BibTeX, which counts escaped braces too.
    for line in text.splitlines():
        assert line.count("{") - line.count("}") in (0, 1, -1), line  # an entry opens and closes once


def test_unpaired_braces_stay_text_and_the_entry_stays_whole() -> None:
    record = CitationRecord(openalex_id="W3", title="Open { but } } never {", authors=("Ada Example",), year=2021)
    text = bibtex([record, PLAIN])
    field = next(line for line in text.splitlines() if line.strip().startswith("title"))
    assert field.count("{") == field.count("}")
    entries, _ = parse_bibtex(text)
    assert [e["ID"] for e in entries] == ["example2021open", "piwowar2018state"]
    assert entries[1]["title"] == PLAIN.title


def test_bibtex_escapes_every_latex_special() -> None:
    assert latex("& % $ # _ { } ~ ^ \\") == (
        r"\& \% \$ \# \_ \{ \} \textasciitilde{} \textasciicircum{} \textbackslash{}"
    )
    assert latex("Łódź ünïcödé") == "Łódź ünïcödé"  # UTF-8 kept
    assert latex("line\nbreak\ttab\x00nul") == "line break tabnul"


def test_five_hundred_authors_come_back_in_order_in_every_format() -> None:
    entries, _ = parse_bibtex(bibtex([LONG]))
    assert bibtex_names(entries[0]) == list(LONG.authors)
    [ris_entry] = rispy.loads(ris([LONG]))
    assert ris_entry["authors"] == [f"Family{i}, Author{i}" for i in range(500)]
    [item] = json.loads(csl_json([LONG]))
    assert item["author"] == [{"family": f"Family{i}", "given": f"Author{i}"} for i in range(500)]


# --- RIS -----------------------------------------------------------------------------------------------


def test_ris_reads_back_with_every_field() -> None:
    [entry] = rispy.loads(ris([PLAIN]))
    assert entry["type_of_reference"] == "JOUR" and entry["id"] == "piwowar2018state"
    assert entry["title"] == PLAIN.title
    assert entry["authors"] == [
        "Piwowar, Heather",
        "Priem, Jason",
        "Larivière, Vincent",
        "van Beethoven, Ludwig",
        "King, Martin Luther, Jr.",
    ]
    assert entry["secondary_title"] == "PeerJ"
    assert entry["year"] == "2018" and entry["date"] == "2018/02/13"
    assert entry["doi"] == "10.7717/peerj.4375" and entry["urls"] == ["https://openalex.org/W2741809807"]


def test_ris_keeps_hostile_text_on_its_own_line() -> None:
    text = ris([HOSTILE, PLAIN])
    entries = rispy.loads(text)
    assert len(entries) == 2  # the "ER  -" and "TY  -" in the title started nothing
    hostile = entries[0]
    assert hostile["type_of_reference"] == "CHAP"
    assert hostile["title"] == one_line(HOSTILE_TITLE)
    assert [given_family(" ".join(reversed(a.split(", ", 1)))) for a in hostile["authors"]] == list(HOSTILE_AUTHORS)
    assert hostile["secondary_title"] == HOSTILE.venue and hostile["doi"] == HOSTILE.doi
    assert entries[1]["title"] == PLAIN.title
    assert all(line[2:6] == "  - " for line in text.split("\r\n") if line)  # every line is a tag


def test_ris_folds_every_kind_of_line_break() -> None:
    title = "one\rtwo\u2028three\u2029four\x85five\x0bsix\x1cseven"
    [entry] = rispy.loads(ris([CitationRecord(openalex_id="W4", title=title, authors=())]))
    assert entry["title"] == "one two three four five six seven"


# --- CSL-JSON -----------------------------------------------------------------------------------------


def rnc_names(schema: str, pattern: str) -> set[str]:
    """The quoted names of a RELAX NG compact schema file citeproc-py ships."""
    text = (CITEPROC / "schema" / "schemas" / "styles" / schema).read_text()
    return set(re.findall(pattern, text))


def test_csl_json_reads_back_through_citeproc() -> None:
    data = json.loads(csl_json([PLAIN, HOSTILE]))
    source = CiteProcJSON(data)
    plain = source["piwowar2018state"]
    assert plain.type == "article-journal"
    assert str(plain.title) == PLAIN.title
    assert [(a.get("given"), a.get("family"), a.get("suffix")) for a in plain.author] == [
        ("Heather", "Piwowar", None),
        ("Jason", "Priem", None),
        ("Vincent", "Larivière", None),
        ("Ludwig", "van Beethoven", None),
        ("Martin Luther", "King", "Jr."),
    ]
    assert (plain.issued.year, plain.issued.month, plain.issued.day) == (2018, 2, 13)
    assert str(plain.DOI) == PLAIN.doi and str(plain.container_title) == "PeerJ"
    hostile = source[base_key(HOSTILE)]
    assert hostile.type == "chapter" and str(hostile.title) == one_line(HOSTILE_TITLE)
    assert [given_family(f"{a.get('given', '')} {a.get('family', '')}") for a in hostile.author] == list(
        HOSTILE_AUTHORS
    )
    assert str(hostile.container_title) == HOSTILE.venue and str(hostile.DOI) == HOSTILE.doi


def test_csl_json_renders_a_bibliography() -> None:
    two = CitationRecord(
        openalex_id="W6", title="Two", authors=("Martin Luther King Jr.", "Ludwig van Beethoven"), year=2019
    )
    data = json.loads(csl_json([PLAIN, two]))
    style = CitationStylesStyle(str(CITEPROC / "styles" / "harvard-cite-them-right.csl"), validate=False)
    bibliography = CitationStylesBibliography(style, CiteProcJSON(data), formatter.plain)
    bibliography.register(Citation([CitationItem(data[0]["id"]), CitationItem(data[1]["id"])]))
    rendered, second = [str(item) for item in bibliography.bibliography()]
    assert second.startswith("King, M.L., Jr. and van Beethoven, L. (2019)")
    assert rendered.startswith("Piwowar, H. et al. (2018)")
    assert PLAIN.title in rendered and "PeerJ" in rendered and "https://doi.org/10.7717/peerj.4375" in rendered


def test_csl_json_uses_only_the_schemas_types_and_variables() -> None:
    types = rnc_names("csl-types.rnc", r'"([a-z_-]+)"')
    assert set(CSL_TYPES.values()) | {"document"} <= types
    variables = rnc_names("csl-variables.rnc", r'"([A-Za-z_-]+)"') | {"id", "type"}
    for item in json.loads(csl_json([PLAIN, HOSTILE, LONG])):
        assert item["type"] in types
        assert set(item) <= variables, set(item) - variables


def test_csl_json_holds_no_markup_characters() -> None:
    data = csl_json([HOSTILE])
    assert b"<" not in data and b">" not in data and b"&" not in data
    assert json.loads(data)[0]["title"] == one_line(HOSTILE_TITLE)


# --- Keys, names, types ----------------------------------------------------------------------------------


def test_citation_keys_are_stable_and_distinct_within_an_export() -> None:
    twins = [
        CitationRecord(openalex_id=f"W{n}", title="Deep results", authors=("Łukasz Søren-Müller",), year=2020)
        for n in (30, 10, 20)
    ]
    assert citation_keys(twins) == ["sorenmuller2020deepc", "sorenmuller2020deep", "sorenmuller2020deepb"]
    assert citation_keys(list(reversed(twins))) == list(reversed(citation_keys(twins)))
    assert citation_keys([twins[1]]) == ["sorenmuller2020deep"]
    nameless = CitationRecord(openalex_id="W5", title="The of and", authors=())
    assert citation_keys([nameless]) == ["anonnd"]


def test_names_split_into_family_and_given() -> None:
    assert name_parts("Vincent Larivière").family == "Larivière"
    assert name_parts("Ludwig van Beethoven").family == "van Beethoven"
    assert name_parts("Smith, John") == name_parts("John Smith")
    assert name_parts("ATLAS Collaboration").literal == "ATLAS Collaboration"
    assert name_parts("Madonna").family == "Madonna"


def test_each_openalex_type_has_its_type_in_every_format() -> None:
    cases = {
        ("article", "journal-article", "journal"): ("article", "JOUR", "article-journal"),
        ("article", "proceedings-article", ""): ("inproceedings", "CPAPER", "paper-conference"),
        ("book-chapter", "", ""): ("incollection", "CHAP", "chapter"),
        ("book", "", ""): ("book", "BOOK", "book"),
        ("dissertation", "", ""): ("phdthesis", "THES", "thesis"),
        ("report", "", ""): ("techreport", "RPRT", "report"),
        ("dataset", "", ""): ("misc", "DATA", "dataset"),
        ("preprint", "", "repository"): ("misc", "UNPB", "article"),
        ("paratext", "", ""): ("misc", "GEN", "document"),
    }
    for (kind, crossref, source_type), expected in cases.items():
        record = CitationRecord(
            openalex_id="W9", title="T", authors=("A B",), type=kind, type_crossref=crossref, source_type=source_type
        )
        entries, _ = parse_bibtex(bibtex([record]))
        got = (
            entries[0]["ENTRYTYPE"],
            rispy.loads(ris([record]))[0]["type_of_reference"],
            json.loads(csl_json([record]))[0]["type"],
        )
        assert got == expected, kind


def test_the_served_formats() -> None:
    assert {fmt.label for fmt in FORMATS.values()} == {"BibTeX", "RIS", "CSL-JSON"}
    assert all(fmt.render([PLAIN]) for fmt in FORMATS.values())
