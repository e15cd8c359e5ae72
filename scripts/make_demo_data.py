"""Write the demo OpenAlex dataset to demo/openalex/ (deterministic: same output on every run).

Run: ``.venv/bin/python scripts/make_demo_data.py [--out demo/openalex]``. Stdlib only.

The data imitates the OpenAlex API as of 2025/2026 (one JSON file per entity, under
``authors/ works/ institutions/ topics/ sources/``, plus ``merged_ids/authors/*.csv`` and
``demo-authors.txt``). It is illustrative:

* The seed researcher, Jan Leike, and his six arXiv works (titles, years, abstracts, arXiv ids)
  are real; his co-authors are not. As on the seed profile page, his record has no ORCID, no
  affiliation, four topics, four close collaborators and no citations.
* Everyone and everything else (people, institutions on ``*.example.org``, venues, works,
  citation counts) is invented. ORCID iDs are in the 0000-0000-… block, which ORCID does not
  issue to people; DOIs use the 10.5555 test prefix. ROR ids are null.

Every aggregate (works_count, cited_by_count, counts_by_year, summary_stats, topics,
affiliations with years) is computed from the works, so the records agree with each other.
The output folder's entity subfolders are emptied first, so a re-run leaves exactly what it
wrote.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "demo" / "openalex"
OA = "https://openalex.org/"
API = "https://api.openalex.org"
SNAPSHOT = date(2026, 3, 2)
CURRENT_YEAR = SNAPSHOT.year
FIRST_YEAR = 2012  # OpenAlex counts_by_year starts in 2012
UPDATED = "2026-03-01T04:12:36.318406"
SEED = 20260302

# --- taxonomy ------------------------------------------------------------------------------

SUBFIELDS = {
    1702: ("Artificial Intelligence", 17, "Computer Science", 3, "Physical Sciences"),
    1703: ("Computational Theory and Mathematics", 17, "Computer Science", 3, "Physical Sciences"),
    1707: ("Computer Vision and Pattern Recognition", 17, "Computer Science", 3, "Physical Sciences"),
    1709: ("Human-Computer Interaction", 17, "Computer Science", 3, "Physical Sciences"),
    2741: ("Radiology, Nuclear Medicine and Imaging", 27, "Medicine", 4, "Health Sciences"),
    1312: ("Molecular Biology", 13, "Biochemistry, Genetics and Molecular Biology", 1, "Life Sciences"),
    1311: ("Genetics", 13, "Biochemistry, Genetics and Molecular Biology", 1, "Life Sciences"),
    3309: ("Library and Information Sciences", 33, "Social Sciences", 2, "Social Sciences"),
    2306: ("Global and Planetary Change", 23, "Environmental Science", 3, "Physical Sciences"),
}

# Real OpenAlex legacy concepts (id, name, level, wikidata) used for x_concepts / concepts.
CONCEPTS = {
    "cs": ("C41008148", "Computer science", 0, "Q21198"),
    "ai": ("C154945302", "Artificial intelligence", 1, "Q11660"),
    "ml": ("C119857082", "Machine learning", 1, "Q2539"),
    "nlp": ("C204321447", "Natural language processing", 1, "Q30642"),
    "lm": ("C137293760", "Language model", 2, "Q3621696"),
    "cv": ("C31972630", "Computer vision", 1, "Q844240"),
    "ann": ("C50644808", "Artificial neural network", 2, "Q192776"),
    "hci": ("C107457646", "Human–computer interaction", 1, "Q207434"),
    "math": ("C33923547", "Mathematics", 0, "Q395"),
    "stats": ("C105795698", "Statistics", 1, "Q12483"),
    "med": ("C71924100", "Medicine", 0, "Q11190"),
    "bio": ("C86803240", "Biology", 0, "Q420"),
    "bioinf": ("C60644358", "Bioinformatics", 1, "Q128570"),
    "genetics": ("C54355233", "Genetics", 1, "Q7162"),
    "env": ("C39432304", "Environmental science", 0, "Q188847"),
    "meteo": ("C153294291", "Meteorology", 1, "Q25261"),
    "libsci": ("C161191863", "Library science", 1, "Q199655"),
    "scientometrics": ("C525823164", "Scientometrics", 2, "Q472342"),
    "bibliometrics": ("C178315738", "Bibliometrics", 2, "Q603441"),
    "datasci": ("C2522767166", "Data science", 1, "Q2374463"),
    "www": ("C136764020", "World Wide Web", 1, "Q466"),
}


@dataclass
class TopicDef:
    key: str
    id: str
    name: str
    subfield: int
    description: str
    keywords: list[str]
    concepts: list[str]
    methods: list[str]
    objects: list[str]


TOPICS = [
    TopicDef(
        "safety",
        "T19001",
        "AI Safety and Alignment",
        1702,
        "Methods for making learning systems behave as intended: specification, oversight, "
        "robustness to distribution shift and the study of incentives.",
        ["alignment", "scalable oversight", "reward hacking", "specification gaming"],
        ["cs", "ai", "ml"],
        [
            "scalable oversight",
            "debate protocols",
            "impact regularisation",
            "counterfactual oversight",
            "interpretability probes",
            "incentive analysis",
        ],
        [
            "specification gaming",
            "deceptive behaviour in agents",
            "goal misgeneralisation",
            "oversight of capable assistants",
            "side effects in sequential decisions",
            "corrigible agents",
        ],
    ),
    TopicDef(
        "rlhf",
        "T19002",
        "Reinforcement Learning from Human Feedback",
        1702,
        "Learning reward models and policies from human preferences, demonstrations and critiques.",
        ["reward modelling", "preference learning", "human feedback", "policy optimisation"],
        ["cs", "ai", "ml"],
        [
            "pairwise preference models",
            "reward model ensembles",
            "active query selection",
            "critique-guided fine-tuning",
            "KL-regularised policy optimisation",
        ],
        [
            "reward models from sparse feedback",
            "labeller disagreement",
            "reward over-optimisation",
            "feedback-efficient agents",
            "preference drift",
        ],
    ),
    TopicDef(
        "lmeval",
        "T19003",
        "Language Model Evaluation and Safety",
        1702,
        "Benchmarks, red-teaming and measurement of capabilities and risks of large language models.",
        ["red-teaming", "benchmarks", "capability elicitation", "refusals"],
        ["cs", "ai", "nlp", "lm"],
        [
            "automated red-teaming",
            "held-out capability probes",
            "elicitation baselines",
            "calibrated refusal metrics",
            "contamination audits",
        ],
        [
            "capability evaluations",
            "jailbreak robustness",
            "refusal calibration",
            "benchmark contamination",
            "model-written evaluations",
        ],
    ),
    TopicDef(
        "adversarial",
        "T19004",
        "Adversarial Robustness in Machine Learning",
        1702,
        "Attacks on learned models and defences that keep their behaviour stable under adversarial inputs.",
        ["adversarial examples", "certified robustness", "jailbreaks", "input filtering"],
        ["cs", "ai", "ml", "ann"],
        [
            "randomised smoothing",
            "classifier cascades",
            "adversarial training",
            "input purification",
            "ensemble detectors",
        ],
        ["universal perturbations", "certified defences", "robust classifiers", "transfer attacks", "prompt injection"],
    ),
    TopicDef(
        "robotics",
        "T19005",
        "Reinforcement Learning for Robotic Control",
        1702,
        "Deep reinforcement learning for manipulation and locomotion, in simulation and on hardware.",
        ["sim-to-real", "manipulation", "locomotion", "model-based RL"],
        ["cs", "ai", "ml"],
        [
            "model-based planning",
            "domain randomisation",
            "offline reinforcement learning",
            "hierarchical policies",
            "safe exploration",
        ],
        [
            "dexterous manipulation",
            "legged locomotion",
            "sim-to-real transfer",
            "constrained exploration",
            "long-horizon tasks",
        ],
    ),
    TopicDef(
        "nlp",
        "T19006",
        "Natural Language Processing Techniques",
        1702,
        "Representation learning, parsing, generation and multilingual transfer for text.",
        ["transformers", "multilingual", "parsing", "generation"],
        ["cs", "ai", "nlp"],
        [
            "sparse attention",
            "cross-lingual alignment",
            "retrieval augmentation",
            "contrastive pre-training",
            "structured decoding",
        ],
        [
            "low-resource translation",
            "long-document summarisation",
            "dependency parsing",
            "dialogue state tracking",
            "factual consistency",
        ],
    ),
    TopicDef(
        "infotheory",
        "T19007",
        "Information-Theoretic Learning",
        1703,
        "Description length, compression and information measures as tools to understand generalisation.",
        ["minimum description length", "compression", "generalisation bounds"],
        ["cs", "math", "stats", "ml"],
        ["prequential coding", "PAC-Bayes bounds", "mutual information estimators", "compression-based probes"],
        [
            "generalisation in overparameterised models",
            "sample complexity",
            "memorisation and compression",
            "online learning curves",
        ],
    ),
    TopicDef(
        "vision",
        "T19008",
        "Image Segmentation and 3D Scene Understanding",
        1707,
        "Segmentation, depth and 3D reconstruction from images and video.",
        ["segmentation", "depth estimation", "3D reconstruction", "point clouds"],
        ["cs", "ai", "cv"],
        [
            "neural radiance fields",
            "transformer decoders",
            "self-supervised depth",
            "graph-based refinement",
            "multi-view consistency",
        ],
        [
            "panoptic segmentation",
            "indoor scene reconstruction",
            "monocular depth",
            "point cloud completion",
            "video object segmentation",
        ],
    ),
    TopicDef(
        "medimg",
        "T19009",
        "Medical Image Analysis",
        2741,
        "Learning-based analysis of radiology and microscopy images.",
        ["radiology", "MRI", "histopathology", "segmentation"],
        ["med", "cs", "cv"],
        [
            "weakly supervised segmentation",
            "federated training",
            "uncertainty estimation",
            "foundation model adaptation",
        ],
        ["tumour delineation", "cardiac MRI", "whole-slide images", "lesion detection"],
    ),
    TopicDef(
        "protein",
        "T19010",
        "Protein Structure Prediction",
        1312,
        "Prediction and design of protein structures and complexes.",
        ["protein folding", "structure prediction", "protein design"],
        ["bio", "bioinf", "cs"],
        ["equivariant networks", "co-evolution features", "diffusion models", "language models of proteins"],
        ["protein complexes", "binding sites", "designed enzymes", "intrinsically disordered regions"],
    ),
    TopicDef(
        "singlecell",
        "T19011",
        "Single-Cell Genomics",
        1311,
        "Computational methods for single-cell sequencing data.",
        ["scRNA-seq", "cell atlases", "batch correction"],
        ["bio", "genetics", "bioinf"],
        ["variational autoencoders", "optimal transport", "graph clustering", "probabilistic batch correction"],
        ["cell-type annotation", "developmental trajectories", "tissue atlases", "perturbation responses"],
    ),
    TopicDef(
        "scientometrics",
        "T19012",
        "Scientometrics and Research Evaluation",
        3309,
        "Measuring research output, citation behaviour and collaboration.",
        ["citation analysis", "bibliometrics", "research evaluation"],
        ["libsci", "scientometrics", "bibliometrics", "datasci"],
        [
            "field-normalised indicators",
            "co-authorship network analysis",
            "author name disambiguation",
            "citation context classification",
        ],
        ["research assessment", "collaboration patterns", "citation advantage", "author identity"],
    ),
    TopicDef(
        "openscience",
        "T19013",
        "Open Science and Scholarly Communication",
        3309,
        "Open access, preprints, research data sharing and scholarly infrastructure.",
        ["open access", "preprints", "research data", "persistent identifiers"],
        ["libsci", "www", "datasci"],
        ["persistent identifier graphs", "open metadata pipelines", "preprint tracking", "repository mining"],
        ["open access uptake", "data sharing practices", "preprint peer review", "scholarly metadata quality"],
    ),
    TopicDef(
        "climate",
        "T19014",
        "Climate Model Downscaling",
        2306,
        "Statistical and learned downscaling of climate model output.",
        ["downscaling", "precipitation", "climate projections", "emulators"],
        ["env", "meteo", "cs"],
        ["generative downscaling", "physics-informed networks", "bias correction", "emulator ensembles"],
        ["regional precipitation extremes", "heatwave projections", "monsoon variability", "urban climate"],
    ),
    TopicDef(
        "gnn",
        "T19015",
        "Graph Neural Networks",
        1702,
        "Neural networks on graphs and their expressivity, scalability and applications.",
        ["message passing", "graph learning", "expressivity"],
        ["cs", "ai", "ml", "ann"],
        ["higher-order message passing", "graph transformers", "subgraph sampling", "spectral filters"],
        ["molecular property prediction", "relational reasoning", "mesh simulation", "citation graphs"],
    ),
    TopicDef(
        "hai",
        "T19016",
        "Human-AI Interaction",
        1709,
        "How people use, oversee and collaborate with AI systems.",
        ["human oversight", "explanations", "trust calibration"],
        ["cs", "hci", "ai"],
        ["think-aloud studies", "explanation interfaces", "mixed-initiative tools", "oversight dashboards"],
        ["trust calibration", "annotator workflows", "AI-assisted review", "explanation quality"],
    ),
]
TOPIC = {t.key: t for t in TOPICS}

# --- institutions and sources ----------------------------------------------------------------


@dataclass
class InstitutionDef:
    key: str
    id: str
    name: str
    slug: str  # homepage https://<slug>.example.org
    country: str
    country_name: str
    city: str
    type: str
    acronym: str
    parent: str | None = None
    lat: float = 0.0
    lon: float = 0.0


INSTITUTIONS = [
    InstitutionDef(
        "northvale",
        "I9990000001",
        "Northvale Institute of Technology",
        "northvale",
        "US",
        "United States",
        "Northvale",
        "education",
        "NIT",
        lat=42.1,
        lon=-71.2,
    ),
    InstitutionDef(
        "eldmoor",
        "I9990000002",
        "University of Eldmoor",
        "eldmoor",
        "GB",
        "United Kingdom",
        "Eldmoor",
        "education",
        "UoE",
        lat=53.4,
        lon=-1.5,
    ),
    InstitutionDef(
        "eldmoor_cmi",
        "I9990000003",
        "Eldmoor Centre for Machine Intelligence",
        "cmi.eldmoor",
        "GB",
        "United Kingdom",
        "Eldmoor",
        "facility",
        "ECMI",
        parent="eldmoor",
        lat=53.4,
        lon=-1.5,
    ),
    InstitutionDef(
        "kestrel",
        "I9990000004",
        "Kestrel Bay University",
        "kestrelbay",
        "CA",
        "Canada",
        "Kestrel Bay",
        "education",
        "KBU",
        lat=49.3,
        lon=-123.1,
    ),
    # A university typed "funder", as OpenAlex types several real universities.
    InstitutionDef(
        "aldenbrook",
        "I9990000005",
        "Aldenbrook University",
        "aldenbrook",
        "DE",
        "Germany",
        "Aldenbrook",
        "funder",
        "AU",
        lat=50.1,
        lon=8.7,
    ),
    InstitutionDef(
        "quillon",
        "I9990000006",
        "Quillon Polytechnic",
        "quillon",
        "FR",
        "France",
        "Quillon",
        "education",
        "QP",
        lat=45.8,
        lon=4.8,
    ),
    InstitutionDef(
        "tessaly",
        "I9990000007",
        "Tessaly Institute for Advanced Study",
        "tessaly",
        "CH",
        "Switzerland",
        "Tessaly",
        "facility",
        "TIAS",
        lat=47.4,
        lon=8.5,
    ),
    InstitutionDef(
        "corvane",
        "I9990000008",
        "Corvane Labs",
        "corvane",
        "US",
        "United States",
        "Corvane",
        "company",
        "Corvane",
        lat=37.8,
        lon=-122.4,
    ),
    InstitutionDef(
        "hollowmere",
        "I9990000009",
        "Hollowmere University Medical Centre",
        "hollowmere",
        "NL",
        "Netherlands",
        "Hollowmere",
        "healthcare",
        "HUMC",
        lat=52.1,
        lon=5.1,
    ),
    InstitutionDef(
        "marrowfield",
        "I9990000010",
        "Marrowfield Institute of Science",
        "marrowfield",
        "JP",
        "Japan",
        "Marrowfield",
        "education",
        "MIS",
        lat=35.7,
        lon=139.7,
    ),
]
INST = {i.key: i for i in INSTITUTIONS}


@dataclass
class SourceDef:
    key: str
    id: str
    name: str
    type: str  # journal, conference, repository, book series
    oa_model: str  # gold, diamond, hybrid, subscription, repository
    host: str | None = None  # institution key
    abbreviation: str | None = None


ARXIV = SourceDef("arxiv", "S4306400194", "arXiv (Cornell University)", "repository", "repository")
SOURCES = [
    ARXIV,
    SourceDef(
        "jami",
        "S9990000001",
        "Journal of Aligned Machine Intelligence",
        "journal",
        "gold",
        abbreviation="J. Align. Mach. Intell.",
    ),
    SourceDef(
        "eclls",
        "S9990000002",
        "Proceedings of the Eldmoor Conference on Learning Systems",
        "conference",
        "subscription",
        host="eldmoor",
        abbreviation="ECLS",
    ),
    SourceDef(
        "kbtlt",
        "S9990000003",
        "Kestrel Bay Transactions on Language Technology",
        "journal",
        "hybrid",
        abbreviation="Kestrel Bay Trans. Lang. Technol.",
    ),
    SourceDef(
        "ajvc",
        "S9990000004",
        "Aldenbrook Journal of Visual Computing",
        "journal",
        "subscription",
        abbreviation="Aldenbrook J. Vis. Comput.",
    ),
    SourceDef(
        "hrcm",
        "S9990000005",
        "Hollowmere Reviews in Computational Medicine",
        "journal",
        "hybrid",
        abbreviation="Hollowmere Rev. Comput. Med.",
    ),
    SourceDef(
        "osf", "S9990000006", "Open Scholarship Frontiers", "journal", "diamond", abbreviation="Open Scholarsh. Front."
    ),
    SourceDef(
        "lnii",
        "S9990000007",
        "Lecture Notes in Imaginary Informatics",
        "book series",
        "subscription",
        abbreviation="LNII",
    ),
    SourceDef("qdc", "S9990000008", "Quillon Data Commons", "repository", "repository", host="quillon"),
    SourceDef("oqp", "S9990000009", "OpenQuill Preprints", "repository", "repository"),
    SourceDef(
        "mjcs",
        "S9990000010",
        "Marrowfield Journal of Climate Systems",
        "journal",
        "gold",
        abbreviation="Marrowfield J. Clim. Syst.",
    ),
]
SOURCE = {s.key: s for s in SOURCES}

# --- people --------------------------------------------------------------------------------


@dataclass
class PersonDef:
    key: str
    name: str
    timeline: list[tuple[str, int, int]] = field(default_factory=list)  # (inst, from, to)
    orcid: str | None = None  # "valid", "valid-x", "invalid" or None
    alternatives: list[str] = field(default_factory=list)
    main: bool = True  # listed in demo-authors.txt


MAIN_PEOPLE = [
    PersonDef("jan", "Jan Leike", alternatives=["J. Leike", "Leike, Jan", "Jan Leike"]),
    # AI safety lab, Northvale
    PersonDef(
        "ottoline", "Ottoline Farrowby", [("northvale", 2019, 2026)], "valid", ["O. Farrowby", "Farrowby, Ottoline"]
    ),
    PersonDef(
        "wrenna",
        "Wrenna Halloway",
        [("northvale", 2014, 2026)],
        "valid-x",
        ["W. Halloway", "Wrenna J. Halloway", "Halloway, Wrenna"],
    ),
    PersonDef("tobiah", "Tobiah Quillfeather", [("northvale", 2020, 2026)], None, ["T. Quillfeather"]),
    # Dual appointment: two last-known institutions.
    PersonDef(
        "priyamvada",
        "Priyamvada Emberwick",
        [("northvale", 2017, 2026), ("corvane", 2022, 2026)],
        None,
        ["P. Emberwick", "Priya Emberwick"],
    ),
    # RL lab, Eldmoor CMI; Casimir has a three-institution history.
    PersonDef(
        "casimir",
        "Casimir Thistlebrook",
        [("aldenbrook", 2012, 2015), ("tessaly", 2016, 2019), ("eldmoor_cmi", 2020, 2026)],
        "valid",
        ["C. Thistlebrook", "Casimir A. Thistlebrook", "Thistlebrook, C."],
    ),
    PersonDef("zoe", "Zoë Marrowgate", [("eldmoor_cmi", 2018, 2026)], None, ["Z. Marrowgate", "Zoe Marrowgate"]),
    PersonDef("anselm", "Anselm Vorrell", [("eldmoor", 2012, 2026)], None, ["A. Vorrell"]),
    PersonDef("lucja", "Łucja Wrenhallow", [("eldmoor_cmi", 2021, 2026)], None, ["L. Wrenhallow", "Lucja Wrenhallow"]),
    # NLP lab, Kestrel Bay
    PersonDef(
        "imogen",
        "Imogen Ashgrove-Pell",
        [("kestrel", 2012, 2026)],
        "valid",
        ["I. Ashgrove-Pell", "Imogen Ashgrove Pell"],
    ),
    PersonDef("rafferty", "Rafferty Oyelaran-Finch", [("kestrel", 2016, 2026)], None, ["R. Oyelaran-Finch"]),
    PersonDef("sunniva", "Sunniva Kettleworth", [("kestrel", 2019, 2026)], None, ["S. Kettleworth"]),
    PersonDef(
        "bartholomew",
        "Bartholomew Quarrie",
        [("kestrel", 2013, 2019), ("corvane", 2020, 2026)],
        None,
        ["B. Quarrie", "Bart Quarrie"],
    ),
    # Vision lab, Aldenbrook; Halvard is the prolific one.
    PersonDef(
        "halvard",
        "Halvard Strømquist-Brenner",
        [("aldenbrook", 2012, 2026)],
        "valid",
        ["H. Strømquist-Brenner", "Halvard Stromquist-Brenner", "H. Stromquist Brenner"],
    ),
    PersonDef(
        "elodie", "Élodie Brambleford", [("aldenbrook", 2015, 2026)], None, ["É. Brambleford", "Elodie Brambleford"]
    ),
    PersonDef(
        "konstantin",
        "Konstantin Ivelhaar",
        [("aldenbrook", 2012, 2020), ("marrowfield", 2021, 2026)],
        None,
        ["K. Ivelhaar"],
    ),
    PersonDef("mireille", "Mireille Osterfang", [("aldenbrook", 2018, 2026)], None, ["M. Osterfang"]),
    PersonDef("tadeusz", "Tadeusz Fennimore-Kraal", [("aldenbrook", 2020, 2026)], None, ["T. Fennimore-Kraal"]),
    PersonDef("yusra", "Yusra Delacombe", [("aldenbrook", 2022, 2026)], None, ["Y. Delacombe"]),
    # Computational biology, Hollowmere
    PersonDef(
        "aurelio", "Aurelio Vantwyck", [("hollowmere", 2012, 2026)], "valid", ["A. Vantwyck", "Aurelio van Twyck"]
    ),
    PersonDef("saoirse", "Saoirse Lindqvist-Oduya", [("hollowmere", 2016, 2026)], None, ["S. Lindqvist-Oduya"]),
    PersonDef("pieterjan", "Pieterjan Moorcroft", [("hollowmere", 2019, 2026)], None, ["P. Moorcroft"]),
    PersonDef(
        "hanneke", "Hanneke Dovecote", [("hollowmere", 2014, 2022), ("quillon", 2023, 2026)], None, ["H. Dovecote"]
    ),
    # Scientometrics, Quillon; Ambrose's ORCID has a wrong check digit on purpose.
    PersonDef(
        "seraphine",
        "Séraphine Gallowmere",
        [("quillon", 2012, 2026)],
        "valid",
        ["S. Gallowmere", "Seraphine Gallowmere"],
    ),
    PersonDef("ambrose", "Ambrose Tindlewick", [("quillon", 2017, 2026)], "invalid", ["A. Tindlewick"]),
    PersonDef(
        "noemie", "Noémie Crackenthorpe", [("quillon", 2020, 2026)], None, ["N. Crackenthorpe", "Noemie Crackenthorpe"]
    ),
    # Climate, Marrowfield
    PersonDef("renji", "Renji Oakenshaw", [("marrowfield", 2013, 2026)], None, ["R. Oakenshaw"]),
    PersonDef("ingrid", "Ingrid Saltmarsh", [("marrowfield", 2018, 2026)], None, ["I. Saltmarsh"]),
    PersonDef("tomasz", "Tomasz Velliquette", [("marrowfield", 2021, 2026)], None, ["T. Velliquette"]),
    # Corvane Labs
    PersonDef("delphine", "Delphine Harrowgate", [("corvane", 2017, 2026)], None, ["D. Harrowgate"]),
    PersonDef("obadiah", "Obadiah Winterbourne", [("corvane", 2019, 2026)], None, ["O. Winterbourne"]),
    # Tessaly IAS
    PersonDef("ludovica", "Ludovica Ferncastle", [("tessaly", 2012, 2026)], "valid", ["L. Ferncastle"]),
    PersonDef("bjorn", "Björn Ashcombe", [("tessaly", 2016, 2026)], None, ["B. Ashcombe", "Bjorn Ashcombe"]),
    # University of Eldmoor, human-AI interaction
    PersonDef("cordelia", "Cordelia Pemberthy", [("eldmoor", 2012, 2026)], None, ["C. Pemberthy"]),
]

# Invented name parts for the co-authors who appear only on the seed works.
FIRST_NAMES = [
    "Aldous",
    "Brisa",
    "Caspian",
    "Dagny",
    "Evander",
    "Fenella",
    "Gideon",
    "Hesper",
    "Ignatius",
    "Jessamy",
    "Kestrel",
    "Linnea",
    "Marius",
    "Nerys",
    "Orrin",
    "Perpetua",
    "Quentin",
    "Rosalind",
    "Soren",
    "Thessaly",
    "Ulric",
    "Verity",
    "Wystan",
    "Xanthe",
    "Yorick",
    "Zinnia",
    "Ansel",
    "Bettany",
    "Corentin",
    "Damaris",
    "Emrys",
    "Florentyna",
    "Galen",
    "Honora",
    "Isidore",
    "Juniper",
    "Leofric",
    "Marisol",
    "Niamh",
    "Osric",
    "Philippa",
    "Ravenna",
    "Sabine",
    "Tiberius",
    "Undine",
    "Valentin",
]
SURNAMES = [
    "Ashvale",
    "Brackenridge",
    "Cobblestone",
    "Dunmarrow",
    "Elderwood",
    "Foxglove",
    "Gorsefield",
    "Hawthornden",
    "Inchbrook",
    "Juniperhill",
    "Kettlebury",
    "Larkspur",
    "Mosswell",
    "Nettlecombe",
    "Oakhollow",
    "Pennywhistle",
    "Quarrington",
    "Rookwood",
    "Sedgemoor",
    "Tansyfield",
    "Umberleigh",
    "Vervain",
    "Willowmere",
    "Yarrowby",
    "Zephyrine",
    "Amberlake",
    "Briarwood",
    "Cinderford",
    "Dewhollow",
    "Emberlyn",
    "Fernhallow",
    "Glimmerton",
    "Heathcote-Vane",
    "Ivyridge",
    "Jasperwold",
    "Kingsmoss",
    "Lanternby",
    "Mirthwood",
    "Nightingale-Roe",
    "Orchardine",
    "Pebbleford",
    "Quicksilva",
    "Rushmere",
    "Starlingford",
    "Thimbleby",
    "Underhay",
]

# --- the seed works (real titles, dates, arXiv ids and abstracts; fictional co-authors) ------

CC_ABSTRACT = (
    "We introduce enhanced Constitutional Classifiers that deliver production-grade jailbreak "
    "robustness with dramatically reduced computational costs and refusal rates compared to "
    "previous-generation defenses. Our system combines several key insights. First, we develop "
    "exchange classifiers that evaluate model responses in their full conversational context, "
    "which addresses vulnerabilities in last-generation systems that examine outputs in "
    "isolation. Second, we implement a two-stage classifier cascade where lightweight "
    "classifiers screen all traffic and escalate only suspicious exchanges to more expensive "
    "classifiers. Third, we train efficient linear probe classifiers and ensemble them with "
    "external classifiers to simultaneously improve robustness and reduce computational costs. "
    "Together, these techniques yield a production-grade system achieving a 40x computational "
    "cost reduction compared to our baseline exchange classifier, while maintaining a 0.05% "
    "refusal rate on production traffic. Through extensive red-teaming comprising over 1,700 "
    "hours, we demonstrate strong protection against universal jailbreaks -- no attack on this "
    "system successfully elicited responses to all eight target queries comparable in detail to "
    "an undefended model. Our work establishes Constitutional Classifiers as practical and "
    "efficient safeguards for large language models."
)
EDL_ABSTRACT = (
    "Understanding whether fine-tuning elicits latent capabilities or teaches new ones is a "
    "fundamental question for language model evaluation and safety. We develop a formal "
    "information-theoretic framework for quantifying how much predictive structure fine-tuning "
    "extracts from the train dataset and writes into a model's parameters. Our central quantity, "
    "Excess Description Length (EDL), is defined via prequential coding and measures the gap "
    "between the bits required to encode training labels sequentially using an evolving model "
    "(trained online) and the residual encoding cost under the final trained model. We establish "
    "that EDL is non-negative in expectation, converges to surplus description length in the "
    "infinite-data limit, and provides bounds on expected generalization gain. Through a series "
    "of toy models, we clarify common confusions about information in learning: why random "
    "labels yield EDL near zero, how a single example can eliminate many bits of uncertainty "
    "about the underlying rule(s) that describe the data distribution, why structure learned on "
    "rare inputs contributes proportionally little to expected generalization, and how format "
    "learning creates early transients distinct from capability acquisition. This framework "
    "provides rigorous foundations for the empirical observation that capability elicitation "
    "and teaching exhibit qualitatively distinct scaling signatures."
)
SAFE_RL_ABSTRACT = (
    "Agents should avoid unsafe behaviour during both training and deployment. This typically "
    "requires a simulator and a procedural specification of unsafe behaviour. Unfortunately, a "
    "simulator is not always available, and procedurally specifying constraints can be difficult "
    "or impossible for many real-world tasks. A recently introduced technique, ReQueST, aims to "
    "solve this problem by learning a neural simulator of the environment from safe human "
    "trajectories, then using the learned simulator to efficiently learn a reward model from "
    "human feedback. However, it is yet unknown whether this approach is feasible in complex 3D "
    "environments with feedback obtained from real humans - whether sufficient pixel-based "
    "neural simulator quality can be achieved, and whether the human data requirements are "
    "viable in terms of both quantity and quality. In this paper we answer this question in the "
    "affirmative, using ReQueST to train an agent to perform a 3D first-person object collection "
    "task using data entirely from human contractors. We show that the resulting agent exhibits "
    "an order of magnitude reduction in unsafe behaviour compared to standard reinforcement "
    "learning."
)
INSTRUCT_ABSTRACT = (
    "Making language models bigger does not inherently make them better at following a user's "
    "intent. For example, large language models can generate outputs that are untruthful, toxic, "
    "or simply not helpful to the user. In other words, these models are not aligned with their "
    "users. In this paper, we show an avenue for aligning language models with user intent on a "
    "wide range of tasks by fine-tuning with human feedback. Starting with a set of "
    "labeler-written prompts and prompts submitted through the OpenAI API, we collect a dataset "
    "of labeler demonstrations of the desired model behavior, which we use to fine-tune GPT-3 "
    "using supervised learning. We then collect a dataset of rankings of model outputs, which we "
    "use to further fine-tune this supervised model using reinforcement learning from human "
    "feedback. We call the resulting models InstructGPT. In human evaluations on our prompt "
    "distribution, outputs from the 1.3B parameter InstructGPT model are preferred to outputs "
    "from the 175B GPT-3, despite having 100x fewer parameters. Moreover, InstructGPT models "
    "show improvements in truthfulness and reductions in toxic output generation while having "
    "minimal performance regressions on public NLP datasets. Even though InstructGPT still makes "
    "simple mistakes, our results show that fine-tuning with human feedback is a promising "
    "direction for aligning language models with human intent."
)
HIDDEN_ABSTRACT = (
    "Decisions made by machine learning systems have increasing influence on the world, yet it "
    "is common for machine learning algorithms to assume that no such influence exists. An "
    "example is the use of the i.i.d. assumption in content recommendation. In fact, the "
    "(choice of) content displayed can change users' perceptions and preferences, or even drive "
    "them away, causing a shift in the distribution of users. We introduce the term "
    "auto-induced distributional shift (ADS) to describe the phenomenon of an algorithm causing "
    "a change in the distribution of its own inputs. Our goal is to ensure that machine learning "
    "systems do not leverage ADS to increase performance when doing so could be undesirable. We "
    "demonstrate that changes to the learning algorithm, such as the introduction of "
    "meta-learning, can cause hidden incentives for auto-induced distributional shift (HI-ADS) "
    "to be revealed. To address this issue, we introduce `unit tests' and a mitigation strategy "
    "for HI-ADS, as well as a toy environment for modelling real-world issues with HI-ADS in "
    "content recommendation, where we demonstrate that strong meta-learners achieve gains in "
    "performance via ADS. We show meta-learning and Q-learning both sometimes fail unit tests, "
    "but pass when using our mitigation strategy."
)
PITFALLS_ABSTRACT = (
    "In some agent designs like inverse reinforcement learning an agent needs to learn its own "
    "reward function. Learning the reward function and optimising for it are typically two "
    "different processes, usually performed at different stages. We consider a continual "
    "(``one life'') learning approach where the agent both learns the reward function and "
    "optimises for it at the same time. We show that this comes with a number of pitfalls, such "
    "as deliberately manipulating the learning process in one direction, refusing to learn, "
    "``learning'' facts already known to the agent, and making decisions that are strictly "
    "dominated (for all relevant reward functions). We formally introduce two desirable "
    "properties: the first is `unriggability', which prevents the agent from steering the "
    "learning process in the direction of a reward function that is easier to optimise. The "
    "second is `uninfluenceability', whereby the reward-function learning process operates by "
    "learning facts about the environment. We show that an uninfluenceable process is "
    "automatically unriggable, and if the set of possible environments is sufficiently rich, "
    "the converse is true too."
)


@dataclass
class SeedWork:
    key: str
    title: str
    published: date
    arxiv: str
    abstract: str
    topics: list[str]
    # Byline: person keys, or "p" for a fresh fictional co-author.
    byline: list[str]


def _cc_byline() -> list[str]:
    # 30 authors; core contributors first and last, Jan second to last.
    return [
        "tobiah",
        "p",
        "p",
        "p",
        "ottoline",
        "p",
        "p",
        "priyamvada",
        "p",
        "p",
        "delphine",
        "p",
        "p",
        "p",
        "obadiah",
        "p",
        "p",
        "p",
        "p",
        "p",
        "p",
        "p",
        "p",
        "p",
        "p",
        "p",
        "p",
        "p",
        "jan",
        "wrenna",
    ]


def _instruct_byline() -> list[str]:
    # 20 authors, Jan 19th as on the paper.
    return [
        "p",
        "p",
        "rafferty",
        "p",
        "p",
        "p",
        "p",
        "bartholomew",
        "p",
        "p",
        "p",
        "p",
        "p",
        "p",
        "p",
        "wrenna",
        "p",
        "p",
        "jan",
        "p",
    ]


SEED_WORKS = [
    SeedWork(
        "cc",
        "Constitutional Classifiers++: Efficient Production-Grade Defenses against Universal Jailbreaks",
        date(2026, 1, 8),
        "2601.04603",
        CC_ABSTRACT,
        ["adversarial", "lmeval", "safety"],
        _cc_byline(),
    ),
    SeedWork(
        "edl",
        "Excess Description Length of Learning Generalizable Predictors",
        date(2026, 1, 8),
        "2601.04728",
        EDL_ABSTRACT,
        ["lmeval", "safety"],
        ["p", "ottoline", "ludovica", "jan"],
    ),
    SeedWork(
        "saferl",
        "Safe Deep RL in 3D Environments using Human Feedback",
        date(2022, 1, 20),
        "2201.08102",
        SAFE_RL_ABSTRACT,
        ["rlhf", "safety"],
        ["p", "p", "zoe", "anselm", "casimir", "jan"],
    ),
    SeedWork(
        "instruct",
        "Training language models to follow instructions with human feedback",
        date(2022, 3, 4),
        "2203.02155",
        INSTRUCT_ABSTRACT,
        ["rlhf", "lmeval", "safety"],
        _instruct_byline(),
    ),
    SeedWork(
        "hidden",
        "Hidden Incentives for Auto-Induced Distributional Shift",
        date(2020, 9, 19),
        "2009.09153",
        HIDDEN_ABSTRACT,
        ["safety"],
        ["zoe", "casimir", "jan"],
    ),
    SeedWork(
        "pitfalls",
        "Pitfalls of learning a reward function online",
        date(2020, 4, 28),
        "2004.13654",
        PITFALLS_ABSTRACT,
        ["rlhf", "safety"],
        ["p", "jan", "p", "casimir"],
    ),
]

# --- labs: where the invented works come from ----------------------------------------------


@dataclass
class LabDef:
    institution: str
    works: int
    first_year: int
    pi: str | None
    pi_share: float
    topics: dict[str, float]
    venues: list[tuple[str, str, float]]  # (source key, work type, weight)
    partners: list[str]  # institution keys of labs they co-author with


LABS = [
    LabDef(
        "northvale",
        24,
        2014,
        "wrenna",
        0.8,
        {"safety": 3, "rlhf": 2, "lmeval": 2, "adversarial": 1.5, "hai": 0.7},
        [("jami", "article", 3), ("eclls", "article", 3), ("oqp", "preprint", 3), ("jami", "review", 0.4)],
        ["corvane", "tessaly", "eldmoor_cmi"],
    ),
    LabDef(
        "eldmoor_cmi",
        22,
        2018,
        "casimir",
        0.75,
        {"robotics": 3, "safety": 1.2, "rlhf": 1.2, "gnn": 0.6},
        [("eclls", "article", 3), ("oqp", "preprint", 2), ("jami", "article", 1.5)],
        ["northvale", "eldmoor", "tessaly"],
    ),
    LabDef(
        "eldmoor",
        10,
        2012,
        "cordelia",
        0.6,
        {"hai": 3, "infotheory": 1, "safety": 0.6},
        [("eclls", "article", 2), ("osf", "article", 1), ("lnii", "book-chapter", 1)],
        ["eldmoor_cmi", "quillon"],
    ),
    LabDef(
        "kestrel",
        24,
        2012,
        "imogen",
        0.8,
        {"nlp": 3, "lmeval": 2, "gnn": 0.7},
        [("kbtlt", "article", 3), ("eclls", "article", 2), ("oqp", "preprint", 2), ("lnii", "book-chapter", 0.5)],
        ["corvane", "northvale"],
    ),
    LabDef(
        "aldenbrook",
        70,
        2012,
        "halvard",
        0.88,
        {"vision": 4, "medimg": 2, "adversarial": 1, "gnn": 1},
        [
            ("ajvc", "article", 4),
            ("eclls", "article", 3),
            ("oqp", "preprint", 2),
            ("lnii", "book-chapter", 0.7),
            ("ajvc", "review", 0.3),
            ("qdc", "dataset", 0.4),
        ],
        ["hollowmere", "marrowfield", "eldmoor_cmi"],
    ),
    LabDef(
        "hollowmere",
        20,
        2012,
        "aurelio",
        0.8,
        {"protein": 2, "singlecell": 2, "medimg": 1},
        [
            ("hrcm", "review", 1),
            ("osf", "article", 2),
            ("qdc", "dataset", 1.2),
            ("oqp", "preprint", 1),
            ("hrcm", "article", 1),
        ],
        ["aldenbrook", "quillon"],
    ),
    LabDef(
        "quillon",
        16,
        2012,
        "seraphine",
        0.8,
        {"scientometrics": 3, "openscience": 2},
        [("osf", "article", 2), ("lnii", "book-chapter", 1.2), ("osf", "review", 0.6), ("qdc", "dataset", 0.6)],
        ["hollowmere", "eldmoor"],
    ),
    LabDef(
        "marrowfield",
        15,
        2013,
        "renji",
        0.8,
        {"climate": 3, "gnn": 0.8},
        [("mjcs", "article", 2), ("qdc", "dataset", 1), ("oqp", "preprint", 1)],
        ["aldenbrook"],
    ),
    LabDef(
        "corvane",
        10,
        2017,
        "delphine",
        0.6,
        {"rlhf": 2, "lmeval": 2, "nlp": 1},
        [("oqp", "preprint", 3), ("eclls", "article", 2)],
        ["northvale", "kestrel"],
    ),
    LabDef(
        "tessaly",
        14,
        2012,
        "ludovica",
        0.7,
        {"infotheory": 3, "safety": 1},
        [("oqp", "preprint", 2), ("jami", "article", 1), ("lnii", "book-chapter", 1)],
        ["eldmoor_cmi", "northvale"],
    ),
]

TEMPLATES = [
    "{Method} for {object}",
    "Towards reliable {object}",
    "On {object} and {method}",
    "Revisiting {object} with {method}",
    "{Object}: a study with {method}",
    "Scaling {method} to {object}",
    "A benchmark for {object}",
    "What {method} reveals about {object}",
    "{Method} under distribution shift: the case of {object}",
    "Lessons from a decade of {object}",
]
REVIEW_TEMPLATES = ["A review of {object}", "{Object}: a survey", "Progress in {object}: a review"]
DATASET_TEMPLATES = ["{Object} benchmark data (version {n})", "Annotated corpus for {object}"]
CHAPTER_TEMPLATES = ["{Object}", "{Method} in practice", "An introduction to {object}"]


# --- helpers -------------------------------------------------------------------------------


def orcid_check_character(digits15: str) -> str:
    """ISO 7064 MOD 11-2, as ORCID computes its last character."""
    total = 0
    for digit in digits15:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def make_orcid(rng: random.Random, kind: str, used: set[str]) -> str:
    """An ORCID-shaped iD in the 0000-0000 block (not issued to people by ORCID)."""
    while True:
        digits = "00000000" + "".join(str(rng.randrange(10)) for _ in range(7))
        check = orcid_check_character(digits)
        if kind == "valid-x" and check != "X":
            continue
        if kind == "valid" and check == "X":
            continue
        if kind == "invalid":
            check = str((int(check) + 3) % 10) if check != "X" else "0"
        full = digits + check
        text = "-".join(full[i : i + 4] for i in range(0, 16, 4))
        if text not in used:
            used.add(text)
            return text


def inverted_index(text: str) -> dict[str, list[int]]:
    """OpenAlex's abstract_inverted_index: whitespace tokens (punctuation kept) -> positions."""
    index: dict[str, list[int]] = {}
    for position, token in enumerate(text.split()):
        index.setdefault(token, []).append(position)
    return index


def subfield_refs(subfield: int) -> dict[str, dict[str, str]]:
    name, field_id, field_name, domain_id, domain_name = SUBFIELDS[subfield]
    return {
        "subfield": {"id": f"{OA}subfields/{subfield}", "display_name": name},
        "field": {"id": f"{OA}fields/{field_id}", "display_name": field_name},
        "domain": {"id": f"{OA}domains/{domain_id}", "display_name": domain_name},
    }


def dehydrated_institution(inst: InstitutionDef) -> dict[str, Any]:
    return {
        "id": OA + inst.id,
        "display_name": inst.name,
        "ror": None,
        "country_code": inst.country,
        "type": inst.type,
        "lineage": lineage(inst),
    }


def lineage(inst: InstitutionDef) -> list[str]:
    chain = [OA + inst.id]
    if inst.parent:
        chain.append(OA + INST[inst.parent].id)
    return chain


def dehydrated_source(src: SourceDef) -> dict[str, Any]:
    is_oa = src.oa_model in ("gold", "diamond", "repository")
    if src.key == "arxiv":
        host, host_name = OA + "I205783295", "Cornell University"
    elif src.host:
        host, host_name = OA + INST[src.host].id, INST[src.host].name
    else:
        host, host_name = None, None
    return {
        "id": OA + src.id,
        "display_name": src.name,
        "issn_l": None,
        "issn": None,
        "is_oa": is_oa,
        "is_in_doaj": src.oa_model in ("gold", "diamond"),
        "is_indexed_in_scopus": src.type in ("journal", "book series"),
        "is_core": src.type == "journal",
        "host_organization": host,
        "host_organization_name": host_name,
        "host_organization_lineage": [host] if host else [],
        "host_organization_lineage_names": [host_name] if host_name else [],
        "type": src.type,
    }


def number(value: float) -> int | float:
    """Stats are ints when whole, floats otherwise (OpenAlex mixes both)."""
    return int(value) if float(value).is_integer() else round(value, 6)


def h_index(citations: list[int]) -> int:
    ranked = sorted(citations, reverse=True)
    return sum(1 for i, c in enumerate(ranked, 1) if c >= i)


def two_year_mean(works: list[dict[str, Any]]) -> int | float:
    """Citations received in the last full year by works of the two years before it, per work."""
    year = CURRENT_YEAR - 1
    window = [w for w in works if w["publication_year"] in (year - 2, year - 1)]
    if not window:
        return 0
    received = sum(c["cited_by_count"] for w in window for c in w["counts_by_year"] if c["year"] == year)
    return number(received / len(window))


# --- building the works ---------------------------------------------------------------------


@dataclass
class Person:
    defn: PersonDef
    id: str
    orcid: str | None
    raw_names: Counter[str] = field(default_factory=Counter)

    def institutions_in(self, year: int) -> list[InstitutionDef]:
        return [INST[k] for k, start, end in self.defn.timeline if start <= year <= end]


@dataclass
class WorkPlan:
    id: str
    title: str
    published: date
    type: str
    source: SourceDef
    topics: list[str]
    authors: list[Person | None]  # None: an authorship without an author id
    abstract: str | None
    lab: str | None
    seed: SeedWork | None = None
    references: list[str] = field(default_factory=list)
    external_citations: int = 0
    citers: list[WorkPlan] = field(default_factory=list)


class Generator:
    def __init__(self) -> None:
        self.rng = random.Random(SEED)
        self.people: dict[str, Person] = {}
        self.plans: list[WorkPlan] = []
        self._orcids: set[str] = set()
        self._titles: set[str] = set()
        self._next_person = 1
        self._next_peripheral = 1001
        self._next_work = 101

    # people

    def add_person(self, defn: PersonDef) -> Person:
        if defn.main:
            pid = f"A599{self._next_person:07d}"
            self._next_person += 1
        else:
            pid = f"A599{self._next_peripheral:07d}"
            self._next_peripheral += 1
        orcid = make_orcid(self.rng, defn.orcid, self._orcids) if defn.orcid else None
        person = Person(defn, pid, orcid)
        self.people[defn.key] = person
        return person

    def peripheral(self, affiliation: str | None) -> Person:
        while True:
            name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(SURNAMES)}"
            if all(p.defn.name != name for p in self.people.values()):
                break
        key = "p-" + name.lower().replace(" ", "-")
        timeline = [(affiliation, 2018, 2026)] if affiliation else []
        first, last = name.split(" ", 1)
        return self.add_person(PersonDef(key, name, timeline, None, [f"{first[0]}. {last}"], main=False))

    # works

    def new_work_id(self) -> str:
        wid = f"W99{self._next_work:08d}"
        self._next_work += 1
        return wid

    def title_for(self, topic: TopicDef, work_type: str) -> str:
        templates = {"review": REVIEW_TEMPLATES, "dataset": DATASET_TEMPLATES, "book-chapter": CHAPTER_TEMPLATES}.get(
            work_type, TEMPLATES
        )
        for _ in range(200):
            method = self.rng.choice(topic.methods)
            obj = self.rng.choice(topic.objects)
            title = self.rng.choice(templates).format(
                method=method,
                Method=method[0].upper() + method[1:],
                object=obj,
                Object=obj[0].upper() + obj[1:],
                n=self.rng.randint(1, 4),
            )
            if title not in self._titles:
                self._titles.add(title)
                return title
        raise RuntimeError(f"ran out of titles for {topic.key}")

    def abstract_for(self, topic: TopicDef, title: str, work_type: str) -> str | None:
        if work_type == "book-chapter" and self.rng.random() < 0.5:
            return None  # many chapters carry no abstract
        if self.rng.random() < 0.06:
            return None
        method = self.rng.choice(topic.methods)
        obj = self.rng.choice(topic.objects)
        keyword = self.rng.choice(topic.keywords)
        if work_type == "dataset":
            return (
                f"This dataset accompanies work on {obj}. It contains "
                f"{self.rng.randint(2, 90)} thousand annotated records collected with a "
                f"documented protocol, together with splits, baselines using {method} and "
                f"a datasheet describing known limitations."
            )
        if work_type == "review":
            return (
                f"We review recent progress on {obj}, with an emphasis on {keyword}. We "
                f"organise {self.rng.randint(60, 240)} studies by the assumptions they make, "
                f"compare approaches based on {method}, and close with open problems and "
                f"recommendations for evaluation."
            )
        gain = self.rng.choice(
            ["a consistent improvement", "a large improvement", "a modest but reliable gain", "competitive results"]
        )
        return (
            f"{obj[0].upper() + obj[1:]} remains a central difficulty in "
            f"{topic.name.lower()}. We propose an approach based on {method} that makes "
            f"{keyword} explicit during training. Across {self.rng.randint(3, 9)} "
            f"benchmarks our method shows {gain} over strong baselines, and ablations "
            f"identify which components matter. We release code and evaluation scripts."
        )

    def plan_seed_works(self) -> None:
        for index, seed in enumerate(SEED_WORKS, 1):
            authors: list[Person | None] = []
            for slot in seed.byline:
                if slot == "p":
                    affiliation = self.rng.choice(["northvale", "corvane", "corvane", None])
                    if seed.key in ("saferl", "pitfalls", "hidden"):
                        affiliation = self.rng.choice(["eldmoor_cmi", "tessaly", None])
                    if seed.key == "edl":
                        affiliation = "tessaly"
                    authors.append(self.peripheral(affiliation))
                else:
                    authors.append(self.people[slot])
            self.plans.append(
                WorkPlan(
                    id=f"W99{index:08d}",
                    title=seed.title,
                    published=seed.published,
                    type="preprint",
                    source=ARXIV,
                    topics=seed.topics,
                    authors=authors,
                    abstract=seed.abstract,
                    lab=None,
                    seed=seed,
                )
            )

    def members(self, institution: str, year: int) -> list[Person]:
        return [
            p
            for p in self.people.values()
            if p.defn.main
            and p.defn.key != "jan"
            and any(k == institution and s <= year <= e for k, s, e in p.defn.timeline)
        ]

    def pick_year(self, lab: LabDef) -> int:
        years = list(range(lab.first_year, CURRENT_YEAR + 1))
        weights = [1.0 + 0.18 * (y - lab.first_year) for y in years]
        weights[-1] *= 0.25  # the snapshot is two months into the year
        return self.rng.choices(years, weights)[0]

    def plan_lab_works(self) -> None:
        for lab in LABS:
            planned = 0
            while planned < lab.works:
                year = self.pick_year(lab)
                members = self.members(lab.institution, year)
                if not members:
                    continue
                authors = self.lab_byline(lab, year, members)
                source_key, work_type, _ = self.rng.choices(lab.venues, [v[2] for v in lab.venues])[0]
                topics = self.pick_topics(lab)
                title = self.title_for(TOPIC[topics[0]], work_type)
                last_day = (SNAPSHOT - timedelta(days=3)) if year == CURRENT_YEAR else date(year, 12, 28)
                start = date(year, 1, 1)
                published = start + timedelta(days=self.rng.randrange((last_day - start).days))
                self.plans.append(
                    WorkPlan(
                        id=self.new_work_id(),
                        title=title,
                        published=published,
                        type=work_type,
                        source=SOURCE[source_key],
                        topics=topics,
                        authors=authors,
                        abstract=self.abstract_for(TOPIC[topics[0]], title, work_type),
                        lab=lab.institution,
                    )
                )
                planned += 1

    def lab_byline(self, lab: LabDef, year: int, members: list[Person]) -> list[Person | None]:
        pi = self.people.get(lab.pi) if lab.pi else None
        pi_active = pi in members
        others = [m for m in members if m is not pi]
        count = min(len(others), self.rng.choice([1, 1, 2, 2, 3]))
        chosen: list[Person | None] = list(self.rng.sample(others, count)) if others else []
        if pi is not None and pi_active and (self.rng.random() < lab.pi_share or not chosen):
            chosen.append(pi)  # the PI goes last
        if self.rng.random() < 0.18:
            partner = self.rng.choice(lab.partners)
            guests = [g for g in self.members(partner, year) if g not in chosen]
            if guests:
                chosen.insert(max(0, len(chosen) - 1), self.rng.choice(guests))
        return list(chosen)

    def pick_topics(self, lab: LabDef) -> list[str]:
        keys = list(lab.topics)
        primary = self.rng.choices(keys, [lab.topics[k] for k in keys])[0]
        rest = [k for k in keys if k != primary]
        extra = self.rng.sample(rest, min(len(rest), self.rng.choice([0, 1, 1, 2])))
        return [primary, *extra]

    def add_consortium_authorship(self) -> None:
        """One work names a consortium without an author id (OpenAlex has such authorships)."""
        for plan in self.plans:
            if plan.lab == "hollowmere" and plan.type == "dataset":
                plan.authors.insert(len(plan.authors) - 1, None)
                return

    # citations

    def link_citations(self) -> None:
        ordered = sorted(self.plans, key=lambda p: (p.published, p.id))
        earlier: list[WorkPlan] = []
        for plan in ordered:
            candidates = [w for w in earlier if w.seed is None and w.published < plan.published]
            if candidates:
                same = [w for w in candidates if set(w.topics) & set(plan.topics)]
                pool = same if len(same) >= 3 else candidates
                count = min(len(pool), self.rng.randint(2, 8 if plan.type != "review" else 14))
                refs = self.rng.sample(pool, count)
                plan.references = sorted(r.id for r in refs)
                for ref in refs:
                    ref.citers.append(plan)
            earlier.append(plan)
        for plan in self.plans:
            if plan.seed is not None:
                continue  # the seed profile shows no citations for these works
            age = CURRENT_YEAR - plan.published.year
            rate = {"review": 9.0, "article": 4.0, "preprint": 2.5, "book-chapter": 1.2, "dataset": 0.8}[plan.type]
            if self.rng.random() < 0.12:
                plan.external_citations = 0
            else:
                plan.external_citations = int(self.rng.lognormvariate(0, 0.9) * rate * age)

    def counts_by_year(self, plan: WorkPlan) -> list[dict[str, int]]:
        per_year: Counter[int] = Counter(c.published.year for c in plan.citers)
        years = list(range(max(plan.published.year, FIRST_YEAR), CURRENT_YEAR + 1))
        weights = [1.0 + (y - years[0]) * 0.6 for y in years]
        weights[-1] *= 0.2
        local = random.Random(f"{SEED}-{plan.id}")
        for _ in range(plan.external_citations):
            per_year[local.choices(years, weights)[0]] += 1
        return [{"year": y, "cited_by_count": per_year[y]} for y in sorted(per_year, reverse=True) if per_year[y]]


# --- rendering --------------------------------------------------------------------------------


def raw_name(rng: random.Random, person: Person) -> str:
    if person.defn.alternatives and rng.random() < 0.3:
        return rng.choice(person.defn.alternatives)
    return person.defn.name


def affiliation_string(rng: random.Random, inst: InstitutionDef) -> str:
    department = {
        "education": "Department of Computer Science",
        "facility": "Research Group",
        "company": "Research",
        "healthcare": "Department of Medical Informatics",
        "funder": "Faculty of Informatics",
    }[inst.type]
    forms = [
        f"{department}, {inst.name}, {inst.city}, {inst.country_name}",
        f"{inst.name}, {inst.city}",
        f"{inst.name},,,,",
    ]
    return rng.choices(forms, [6, 3, 1])[0]


def render_work(gen: Generator, plan: WorkPlan) -> dict[str, Any]:
    rng = random.Random(f"{SEED}-render-{plan.id}")
    year = plan.published.year
    authorships: list[dict[str, Any]] = []
    corresponding: list[str] = []
    last = len(plan.authors) - 1
    for position, person in enumerate(plan.authors):
        role = "first" if position == 0 else "last" if position == last else "middle"
        if person is None:
            authorships.append(
                {
                    "author_position": role,
                    "author": {"id": None, "display_name": "Hollowmere Biobank Consortium", "orcid": None},
                    "institutions": [],
                    "countries": [],
                    "is_corresponding": False,
                    "raw_author_name": "Hollowmere Biobank Consortium",
                    "raw_affiliation_strings": [],
                    "affiliations": [],
                }
            )
            continue
        insts = [] if person.defn.key == "jan" else person.institutions_in(year)
        raw_strings = [affiliation_string(rng, i) for i in insts]
        name = raw_name(rng, person)
        person.raw_names[name] += 1
        is_corresponding = role == "last" and plan.type in ("article", "review") and plan.seed is None
        if is_corresponding:
            corresponding.append(OA + person.id)
        # Older bylines often lack the ORCID even when the author has one.
        orcid = f"https://orcid.org/{person.orcid}" if person.orcid and year >= 2017 else None
        authorships.append(
            {
                "author_position": role,
                "author": {"id": OA + person.id, "display_name": person.defn.name, "orcid": orcid},
                "institutions": [dehydrated_institution(i) for i in insts],
                "countries": sorted({i.country for i in insts}),
                "is_corresponding": is_corresponding,
                "raw_author_name": name,
                "raw_affiliation_strings": raw_strings,
                "affiliations": [
                    {"raw_affiliation_string": s, "institution_ids": lineage(i)[:1]}
                    for s, i in zip(raw_strings, insts, strict=True)
                ],
            }
        )

    if plan.seed:
        doi = f"https://doi.org/10.48550/arxiv.{plan.seed.arxiv}"
        landing = f"https://arxiv.org/abs/{plan.seed.arxiv}"
        pdf = f"https://arxiv.org/pdf/{plan.seed.arxiv}"
    else:
        suffix = {
            "ajvc": "ajvc",
            "eclls": "ecls",
            "kbtlt": "kbt",
            "jami": "jami",
            "hrcm": "hrcm",
            "osf": "osf",
            "lnii": "lnii",
            "qdc": "qdc",
            "oqp": "oqp",
            "mjcs": "mjcs",
        }
        doi = f"https://doi.org/10.5555/{suffix[plan.source.key]}.{year}.{plan.id[-5:]}"
        if plan.source.key == "oqp":
            landing = f"https://openquill.example.org/abs/{plan.id[-6:]}"
            pdf = landing.replace("/abs/", "/pdf/")
        else:
            landing, pdf = doi, None
    oa_status = open_access_status(rng, plan)
    is_oa = oa_status != "closed"
    version = "submittedVersion" if plan.source.type == "repository" else "publishedVersion"
    license_name = {
        "gold": "cc-by",
        "diamond": "cc-by",
        "hybrid": "cc-by",
        "green": "other-oa",
        "bronze": None,
        "closed": None,
    }[oa_status]
    location = {
        "is_oa": is_oa,
        "landing_page_url": landing,
        "pdf_url": pdf if is_oa else None,
        "source": dehydrated_source(plan.source),
        "license": license_name,
        "license_id": f"{OA}licenses/{license_name}" if license_name else None,
        "version": version,
        "is_accepted": version != "submittedVersion",
        "is_published": version == "publishedVersion",
    }
    topics = [topic_ref(TOPIC[k], score) for k, score in zip(plan.topics, (0.9993, 0.9871, 0.9702), strict=False)]
    concepts = work_concepts(rng, plan)
    counts = gen.counts_by_year(plan)
    cited_by = sum(c["cited_by_count"] for c in counts)
    work_type_crossref = {
        "article": "journal-article",
        "review": "journal-article",
        "preprint": "posted-content",
        "book-chapter": "book-chapter",
        "dataset": "dataset",
    }[plan.type]
    if plan.type == "article" and plan.source.type == "conference":
        work_type_crossref = "proceedings-article"
    institutions = {i["id"] for a in authorships for i in a["institutions"]}
    countries = {c for a in authorships for c in a["countries"]}
    related = related_works(plan, gen.plans)
    return {
        "id": OA + plan.id,
        "doi": doi,
        "title": plan.title,
        "display_name": plan.title,
        "publication_year": year,
        "publication_date": plan.published.isoformat(),
        "ids": {"openalex": OA + plan.id, "doi": doi},
        "language": "en",
        "primary_location": location,
        "type": plan.type,
        "type_crossref": work_type_crossref,
        "indexed_in": ["arxiv", "datacite"] if plan.seed else ["crossref"],
        "open_access": {
            "is_oa": is_oa,
            "oa_status": oa_status,
            "oa_url": (pdf or landing) if is_oa else None,
            "any_repository_has_fulltext": oa_status == "green",
        },
        "authorships": authorships,
        "institution_assertions": [],
        "countries_distinct_count": len(countries),
        "institutions_distinct_count": len(institutions),
        "corresponding_author_ids": corresponding,
        "corresponding_institution_ids": [],
        "apc_list": None,
        "apc_paid": None,
        "fwci": None,
        "has_fulltext": False,
        "cited_by_count": cited_by,
        "biblio": {"volume": None, "issue": None, "first_page": None, "last_page": None},
        "is_retracted": False,
        "is_paratext": False,
        "primary_topic": topics[0],
        "topics": topics,
        "keywords": [],
        "concepts": concepts,
        "mesh": [],
        "locations_count": 1,
        "locations": [location],
        "best_oa_location": location if is_oa else None,
        "sustainable_development_goals": [],
        "grants": [],
        "datasets": [],
        "versions": [],
        "referenced_works_count": len(plan.references),
        "referenced_works": [OA + r for r in plan.references],
        "related_works": [OA + r for r in related],
        "abstract_inverted_index": inverted_index(plan.abstract) if plan.abstract else None,
        "cited_by_api_url": f"{API}/works?filter=cites:{plan.id}",
        "counts_by_year": counts,
        "updated_date": UPDATED,
        "created_date": max(plan.published, date(2016, 6, 24)).isoformat(),
    }


def open_access_status(rng: random.Random, plan: WorkPlan) -> str:
    model = plan.source.oa_model
    if model == "repository":
        return "green"
    if model in ("gold", "diamond"):
        return model
    if model == "hybrid":
        return rng.choices(["hybrid", "closed", "bronze"], [3, 2, 1])[0]
    # Subscription venues: closed, or free to read without a licence (bronze). Green OA
    # would need a repository copy, which these works do not list.
    return rng.choices(["closed", "bronze"], [4, 1])[0]


def topic_ref(topic: TopicDef, score: float | None = None, **extra: Any) -> dict[str, Any]:
    ref: dict[str, Any] = {"id": OA + topic.id, "display_name": topic.name}
    if score is not None:
        ref["score"] = score
    ref.update(extra)
    ref.update(subfield_refs(topic.subfield))
    return ref


def work_concepts(rng: random.Random, plan: WorkPlan) -> list[dict[str, Any]]:
    keys: list[str] = []
    for topic_key in plan.topics:
        keys.extend(k for k in TOPIC[topic_key].concepts if k not in keys)
    result = []
    for rank, key in enumerate(keys):
        cid, name, level, wikidata = CONCEPTS[key]
        score = round(max(0.2, 0.92 - 0.11 * rank - rng.random() * 0.05), 7)
        result.append(
            {
                "id": OA + cid,
                "wikidata": f"https://www.wikidata.org/wiki/{wikidata}",
                "display_name": name,
                "level": level,
                "score": score,
            }
        )
    return result


def related_works(plan: WorkPlan, plans: list[WorkPlan]) -> list[str]:
    rng = random.Random(f"{SEED}-related-{plan.id}")
    same = sorted(p.id for p in plans if p is not plan and p.topics[0] == plan.topics[0])
    return sorted(rng.sample(same, min(10, len(same))))


# --- aggregates --------------------------------------------------------------------------------


def counts_by_year_for(works: list[dict[str, Any]], with_oa: bool = True) -> list[dict[str, Any]]:
    produced: Counter[int] = Counter(w["publication_year"] for w in works)
    open_works: Counter[int] = Counter(w["publication_year"] for w in works if w["open_access"]["is_oa"])
    cited: Counter[int] = Counter()
    for work in works:
        for entry in work["counts_by_year"]:
            cited[entry["year"]] += entry["cited_by_count"]
    years = sorted({y for y in (*produced, *cited) if y >= FIRST_YEAR}, reverse=True)
    rows = []
    for year in years:
        row = {"year": year, "works_count": produced[year]}
        if with_oa:
            row["oa_works_count"] = open_works[year]
        row["cited_by_count"] = cited[year]
        rows.append(row)
    return rows


def summary_stats(works: list[dict[str, Any]]) -> dict[str, int | float]:
    citations = [w["cited_by_count"] for w in works]
    return {
        "2yr_mean_citedness": two_year_mean(works),
        "h_index": h_index(citations),
        "i10_index": sum(1 for c in citations if c >= 10),
    }


def topic_counts(works: list[dict[str, Any]]) -> Counter[str]:
    return Counter(t["id"] for w in works for t in w["topics"])


def topics_block(
    works: list[dict[str, Any]], topic_totals: Counter[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    by_id = {OA + t.id: t for t in TOPICS}
    counts = topic_counts(works)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    topics = [topic_ref(by_id[tid], count=count) for tid, count in ranked]
    share = sorted(
        ((tid, round(count / topic_totals[tid], 7)) for tid, count in counts.items()), key=lambda kv: (-kv[1], kv[0])
    )
    topic_share = [topic_ref(by_id[tid], value=value) for tid, value in share]
    return topics, topic_share


def x_concepts(works: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    hits: Counter[str] = Counter()
    for work in works:
        for concept in work["concepts"]:
            seen.setdefault(concept["id"], concept)
            hits[concept["id"]] += 1
    result = []
    for cid, count in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0])):
        concept = seen[cid]
        score = number(round(100 * count / len(works), 1))
        result.append(
            {
                "id": cid,
                "wikidata": concept["wikidata"],
                "display_name": concept["display_name"],
                "level": concept["level"],
                "score": score,
            }
        )
    return result


def render_author(person: Person, works: list[dict[str, Any]], topic_totals: Counter[str]) -> dict[str, Any]:
    years_by_inst: dict[str, set[int]] = defaultdict(set)
    inst_refs: dict[str, dict[str, Any]] = {}
    latest: tuple[int, list[str]] = (0, [])
    for work in works:
        for authorship in work["authorships"]:
            if (authorship["author"]["id"] or "") != OA + person.id:
                continue
            inst_ids = [i["id"] for i in authorship["institutions"]]
            for inst in authorship["institutions"]:
                years_by_inst[inst["id"]].add(work["publication_year"])
                inst_refs[inst["id"]] = inst
            if inst_ids and work["publication_year"] >= latest[0]:
                year = work["publication_year"]
                latest = (year, sorted(set(inst_ids) | (set(latest[1]) if year == latest[0] else set())))
    affiliations = [
        {"institution": _author_inst(inst_refs[iid]), "years": sorted(years, reverse=True)}
        for iid, years in sorted(years_by_inst.items(), key=lambda kv: (-max(kv[1]), kv[0]))
    ]
    topics, topic_share = topics_block(works, topic_totals)
    orcid_url = f"https://orcid.org/{person.orcid}" if person.orcid else None
    alternatives = [
        person.defn.name,
        *person.defn.alternatives,
        *sorted(n for n in person.raw_names if n != person.defn.name),
    ]
    ids: dict[str, str] = {"openalex": OA + person.id}
    if orcid_url:
        ids["orcid"] = orcid_url
    return {
        "id": OA + person.id,
        "orcid": orcid_url,
        "display_name": person.defn.name,
        "display_name_alternatives": list(dict.fromkeys(alternatives)),
        "works_count": len(works),
        "cited_by_count": sum(w["cited_by_count"] for w in works),
        "summary_stats": summary_stats(works),
        "ids": ids,
        "affiliations": affiliations,
        "last_known_institutions": [_author_inst(inst_refs[i]) for i in latest[1]],
        "topics": topics,
        "topic_share": topic_share,
        "x_concepts": x_concepts(works),
        "counts_by_year": counts_by_year_for(works),
        "works_api_url": f"{API}/works?filter=author.id:{person.id}",
        "updated_date": UPDATED,
        "created_date": "2023-07-21",
    }


def _author_inst(ref: dict[str, Any]) -> dict[str, Any]:
    # Author records order the keys differently from authorships; keep the API's order.
    return {
        "id": ref["id"],
        "ror": ref["ror"],
        "display_name": ref["display_name"],
        "country_code": ref["country_code"],
        "type": ref["type"],
        "lineage": ref["lineage"],
    }


def render_institution(inst: InstitutionDef, works: list[dict[str, Any]], topic_totals: Counter[str]) -> dict[str, Any]:
    topics, topic_share = topics_block(works, topic_totals) if works else ([], [])
    associated = []
    for other in INSTITUTIONS:
        if other.parent == inst.key or inst.parent == other.key:
            relation = "child" if other.parent == inst.key else "parent"
            associated.append(
                {
                    "id": OA + other.id,
                    "ror": None,
                    "display_name": other.name,
                    "country_code": other.country,
                    "type": other.type,
                    "relationship": relation,
                }
            )
    works_count = len(works)
    return {
        "id": OA + inst.id,
        "ror": None,
        "display_name": inst.name,
        "country_code": inst.country,
        "type": inst.type,
        "type_id": f"{OA}institution-types/{inst.type}",
        "lineage": lineage(inst),
        "homepage_url": f"https://{inst.slug}.example.org",
        "image_url": None,
        "image_thumbnail_url": None,
        "display_name_acronyms": [inst.acronym],
        "display_name_alternatives": [],
        "repositories": [],
        "works_count": works_count,
        "cited_by_count": sum(w["cited_by_count"] for w in works),
        "summary_stats": summary_stats(works) if works else {"2yr_mean_citedness": 0, "h_index": 0, "i10_index": 0},
        "ids": {"openalex": OA + inst.id},
        "geo": {
            "city": inst.city,
            "geonames_city_id": None,
            "region": None,
            "country_code": inst.country,
            "country": inst.country_name,
            "latitude": inst.lat,
            "longitude": inst.lon,
        },
        "international": {"display_name": {"en": inst.name}},
        "associated_institutions": associated,
        "counts_by_year": counts_by_year_for(works, with_oa=False),
        "roles": [{"role": "institution", "id": OA + inst.id, "works_count": works_count}],
        "topics": topics[:25],
        "topic_share": topic_share[:25],
        "x_concepts": x_concepts(works) if works else [],
        "is_super_system": False,
        "works_api_url": f"{API}/works?filter=institutions.id:{inst.id}",
        "updated_date": UPDATED,
        "created_date": "2016-06-24",
    }


def render_topic(topic: TopicDef, works: list[dict[str, Any]]) -> dict[str, Any]:
    siblings = [
        {"id": OA + t.id, "display_name": t.name} for t in TOPICS if t.subfield == topic.subfield and t is not topic
    ]
    return {
        "id": OA + topic.id,
        "display_name": topic.name,
        "description": topic.description,
        "keywords": topic.keywords,
        "ids": {"openalex": OA + topic.id},
        **subfield_refs(topic.subfield),
        "siblings": siblings,
        "works_count": len(works),
        "cited_by_count": sum(w["cited_by_count"] for w in works),
        "works_api_url": f"{API}/works?filter=topics.id:{topic.id}",
        "updated_date": UPDATED,
        "created_date": "2024-01-23",
    }


def render_source(src: SourceDef, works: list[dict[str, Any]]) -> dict[str, Any]:
    dehydrated = dehydrated_source(src)
    homepage = {
        "arxiv": "https://arxiv.org",
        "qdc": "https://data.quillon.example.org",
        "oqp": "https://openquill.example.org",
    }.get(src.key, f"https://{src.key}.journals.example.org")
    return {
        "id": OA + src.id,
        "issn_l": None,
        "issn": None,
        "display_name": src.name,
        "host_organization": dehydrated["host_organization"],
        "host_organization_name": dehydrated["host_organization_name"],
        "host_organization_lineage": dehydrated["host_organization_lineage"],
        "works_count": len(works),
        "cited_by_count": sum(w["cited_by_count"] for w in works),
        "summary_stats": summary_stats(works) if works else {"2yr_mean_citedness": 0, "h_index": 0, "i10_index": 0},
        "is_oa": dehydrated["is_oa"],
        "is_in_doaj": dehydrated["is_in_doaj"],
        "is_core": dehydrated["is_core"],
        "ids": {"openalex": OA + src.id},
        "homepage_url": homepage,
        "apc_prices": None,
        "apc_usd": None,
        "country_code": None,
        "societies": [],
        "alternate_titles": [],
        "abbreviated_title": src.abbreviation,
        "type": src.type,
        "counts_by_year": counts_by_year_for(works, with_oa=False),
        "works_api_url": f"{API}/works?filter=primary_location.source.id:{src.id}",
        "updated_date": UPDATED,
        "created_date": "2016-06-24",
    }


# --- main ----------------------------------------------------------------------------------------


def build() -> dict[str, Any]:
    """Everything to write: {"authors": [...], "works": [...], ..., "demo_authors": [...]}."""
    gen = Generator()
    for defn in MAIN_PEOPLE:
        gen.add_person(defn)
    gen.plan_seed_works()
    gen.plan_lab_works()
    gen.add_consortium_authorship()
    gen.link_citations()
    works = [render_work(gen, plan) for plan in sorted(gen.plans, key=lambda p: p.id)]

    by_author: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_inst: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_topic: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for work in works:
        for authorship in work["authorships"]:
            if authorship["author"]["id"]:
                by_author[authorship["author"]["id"]].append(work)
        for iid in {lid for a in work["authorships"] for i in a["institutions"] for lid in i["lineage"]}:
            by_inst[iid].append(work)
        for topic in work["topics"]:
            by_topic[topic["id"]].append(work)
        by_source[work["primary_location"]["source"]["id"]].append(work)
    topic_totals = Counter({tid: len(ws) for tid, ws in by_topic.items()})

    people = sorted(gen.people.values(), key=lambda p: p.id)
    return {
        "authors": [render_author(p, by_author[OA + p.id], topic_totals) for p in people],
        "works": works,
        "institutions": [render_institution(i, by_inst[OA + i.id], topic_totals) for i in INSTITUTIONS],
        "topics": [render_topic(t, by_topic[OA + t.id]) for t in TOPICS],
        "sources": [render_source(s, by_source[OA + s.id]) for s in SOURCES],
        "demo_authors": [p.id for p in gen.people.values() if p.defn.main],
        # Legacy ids that OpenAlex merged into current records (answered with 301).
        "merged": [("A4990000001", gen.people["halvard"].id), ("A4990000002", gen.people["seraphine"].id)],
    }


def write(data: dict[str, Any], out: Path) -> dict[str, int]:
    """Replace the dataset under ``out`` (entity subfolders are emptied first)."""
    counts = {}
    for kind in ("authors", "works", "institutions", "topics", "sources"):
        folder = out / kind
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for entity in data[kind]:
            key = entity["id"].removeprefix(OA)
            text = json.dumps(entity, ensure_ascii=False, indent=1) + "\n"
            (folder / f"{key}.json").write_text(text, encoding="utf-8")
        counts[kind] = len(data[kind])
    merged = out / "merged_ids" / "authors"
    if merged.parent.exists():
        shutil.rmtree(merged.parent)
    merged.mkdir(parents=True)
    with open(merged / "2025-06-01.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["merge_date", "id", "merge_into_id"])
        for old, new in data["merged"]:
            writer.writerow(["2025-06-01", old, new])
    (out / "demo-authors.txt").write_text("\n".join(data["demo_authors"]) + "\n", encoding="utf-8")
    counts["demo_authors"] = len(data["demo_authors"])
    return counts


def describe(data: dict[str, Any]) -> str:
    """A short summary of the features the dataset exercises (printed after writing)."""
    authors = {a["id"].removeprefix(OA): a for a in data["authors"]}
    jan = authors[data["demo_authors"][0]]
    jan_works = [w for w in data["works"] if any(a["author"]["id"] == jan["id"] for a in w["authorships"])]
    shared: Counter[str] = Counter()
    for work in jan_works:
        for co in {a["author"]["id"] for a in work["authorships"]} - {jan["id"], None}:
            shared[co] += 1
    close = sorted((n, authors[c.removeprefix(OA)]["display_name"]) for c, n in shared.items() if n >= 2)
    prolific = max(data["authors"], key=lambda a: a["works_count"])
    types = Counter(w["type"] for w in data["works"])
    oa = Counter(w["open_access"]["oa_status"] for w in data["works"])
    return "\n".join(
        [
            f"seed: {jan['display_name']} {jan['id']}: {len(jan_works)} works, "
            f"{len(jan['topics'])} topics, {len(shared)} distinct co-authors, "
            f"close collaborators {close}",
            f"most works: {prolific['display_name']} ({prolific['works_count']})",
            f"work types: {dict(sorted(types.items()))}",
            f"oa statuses: {dict(sorted(oa.items()))}",
            "orcids: "
            + ", ".join(
                f"{a['display_name']} {a['orcid'].removeprefix('https://orcid.org/')}"
                for a in data["authors"]
                if a["orcid"]
            ),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    data = build()
    counts = write(data, args.out)
    print(f"wrote {args.out}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    print(describe(data))


if __name__ == "__main__":
    main()
