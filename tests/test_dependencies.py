"""What the product needs is declared where the Docker image looks for it.

The image installs `requirements.txt` alone (the Dockerfile), while `.venv` also holds the test
tools and everything they pull in: a module the product imports can work in every test and be
missing from the image. So:

- pyproject.toml's `[project] dependencies` (ranges) and requirements.txt (exact pins) name the
  same packages with the same extras, and each pin lies in its range; the same holds for the
  `test` extra and requirements-test.txt.
- every third-party module that product code imports, or names in a dotted path or in
  INSTALLED_APPS (`"whitenoise.storage..."`, `"template_partials"`), belongs to a distribution
  declared in `[project] dependencies` itself, not one that a declared package or a test tool
  happens to bring in.

Product code is every top-level package of the repository but `tests` (today bzpeer, the apps
and openalex_fake, which `manage.py serve_openalex` runs), and manage.py. `scripts/` is left
out: its programs (the demo, the benchmarks, the mypyc build) run from `.venv` with the test
tools and are never run by the image.
tests/test_runtime_install.py then runs web, worker and a task with requirements.txt alone.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from django.conf import settings
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
NOT_PRODUCT = {"tests", "scripts"}
DOTTED_PATH = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


# --- Requirement lists -------------------------------------------------------------------------


@dataclass(frozen=True)
class Declared:
    """One requirement, named as PEP 503 normalises it, with its extras normalised alike."""

    name: str
    extras: frozenset[str]
    requirement: Requirement
    where: str

    @property
    def key(self) -> tuple[str, frozenset[str]]:
        return self.name, self.extras

    def __str__(self) -> str:
        extras = f"[{','.join(sorted(self.extras))}]" if self.extras else ""
        return f"{self.name}{extras} ({self.where})"


def declared(lines: Iterable[str], where: str) -> list[Declared]:
    """Parse PEP 508 requirement strings; a malformed one fails naming ``where``."""
    result = []
    for line in lines:
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            raise AssertionError(f"{where}: {line!r} is not a PEP 508 requirement: {exc}") from None
        extras = frozenset(canonicalize_name(extra) for extra in req.extras)
        result.append(Declared(canonicalize_name(req.name), extras, req, where))
    return result


def requirements_file(path: Path, includes: tuple[str, ...] = ()) -> list[Declared]:
    """The requirements of a pip requirements file. Comments and blank lines are skipped; an
    option line fails unless it is one of ``includes`` (requirements-test.txt's `-r
    requirements.txt`), because the Dockerfile copies requirements.txt alone and pip options in
    it (`-r`, `-e`, `--index-url`) would point the image at files or indexes it does not have."""
    lines = []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#") or line in includes:
            continue
        if line.startswith("-"):
            raise AssertionError(f"{path.name}:{number}: {line!r}: only requirements belong here")
        lines.append(line)
    return declared(lines, path.name)


def pyproject_list(key: str) -> list[Declared]:
    """``key`` is "dependencies" or the name of an optional-dependencies extra."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] if key == "dependencies" else project["optional-dependencies"][key]
    where = "pyproject.toml [project] dependencies" if key == "dependencies" else f"pyproject.toml [{key}] extra"
    return declared(lines, where)


def mismatches(ranges: list[Declared], pins: list[Declared]) -> list[str]:
    """What makes a list of ranges and a list of exact pins disagree, in words; empty when
    they name the same packages with the same extras, each once, and each pin is an exact
    version (``==``) inside its range."""
    problems = []
    for listing in (ranges, pins):
        seen: set[str] = set()
        for item in listing:
            if item.name in seen:
                problems.append(f"{item.name} is listed twice in {item.where}")
            seen.add(item.name)
    by_name = {item.name: item for item in ranges}
    pinned = {item.name: item for item in pins}
    for name in sorted(by_name.keys() - pinned.keys()):
        problems.append(f"{by_name[name]} is not pinned in {pins[0].where if pins else 'the pins'}")
    for name in sorted(pinned.keys() - by_name.keys()):
        problems.append(f"{pinned[name]} is not declared in {ranges[0].where if ranges else 'the ranges'}")
    for name in sorted(by_name.keys() & pinned.keys()):
        wanted, pin = by_name[name], pinned[name]
        if wanted.extras != pin.extras:
            problems.append(f"{wanted} and {pin} ask for different extras")
        exact = [spec for spec in pin.requirement.specifier if spec.operator in ("==", "===")]
        if len(exact) != 1 or len(pin.requirement.specifier) != 1 or "*" in exact[0].version:
            problems.append(f"{pin} is not an exact pin (name==version): {pin.requirement}")
        elif not wanted.requirement.specifier.contains(Version(exact[0].version), prereleases=True):
            problems.append(f"{pin} pins {exact[0].version}, outside {wanted}'s {wanted.requirement.specifier}")
    return problems


def test_the_checker_tells_names_extras_and_pins_apart() -> None:
    ranges = declared(["Django>=5.2,<5.3", "celery[redis]>=5.4", "django_htmx>=1", "pyalex==0.21"], "ranges")
    same = declared(["django==5.2.19", "Celery[Redis]==5.7.0", "Django.HTMX==1.29.0", "pyalex==0.21"], "pins")
    assert mismatches(ranges, same) == []

    problems = mismatches(ranges, declared(["Django==5.2.19", "celery==5.7.0", "requests==2.34.2"], "pins"))
    assert problems == [
        "django-htmx (ranges) is not pinned in pins",
        "pyalex (ranges) is not pinned in pins",
        "requests (pins) is not declared in ranges",
        "celery[redis] (ranges) and celery (pins) ask for different extras",
    ]
    loose = mismatches(declared(["django>=5.2"], "ranges"), declared(["django>=5.2.19"], "pins"))
    assert loose == ["django (pins) is not an exact pin (name==version): django>=5.2.19"]
    outside = mismatches(declared(["django>=5.2,<5.3"], "ranges"), declared(["django==6.0"], "pins"))
    assert outside == ["django (pins) pins 6.0, outside django (ranges)'s <5.3,>=5.2"]


def test_requirements_txt_pins_exactly_the_runtime_dependencies_of_pyproject() -> None:
    problems = mismatches(pyproject_list("dependencies"), requirements_file(REPO / "requirements.txt"))
    assert problems == []


def test_requirements_test_txt_pins_exactly_the_test_extra_of_pyproject() -> None:
    pins = requirements_file(REPO / "requirements-test.txt", includes=("-r requirements.txt",))
    assert mismatches(pyproject_list("test"), pins) == []


def test_a_pip_option_in_requirements_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("# pins\nDjango==5.2.19  # web\n-r other.txt\n")
    with pytest.raises(AssertionError, match=r"requirements.txt:3: '-r other.txt'"):
        requirements_file(path)


# --- Imports of product code -------------------------------------------------------------------


def product_files(repo: Path = REPO) -> Iterator[Path]:
    """Every Python file of product code (see the module docstring)."""
    yield repo / "manage.py"
    for package in sorted(repo.iterdir()):
        if package.name not in NOT_PRODUCT and (package / "__init__.py").is_file():
            yield from sorted(package.rglob("*.py"))


def our_top_level_names(repo: Path = REPO) -> set[str]:
    names = {path.stem for path in repo.glob("*.py")}
    return names | {path.name for path in repo.iterdir() if (path / "__init__.py").is_file()} | NOT_PRODUCT


def third_party_references(path: Path, ours: set[str]) -> Iterator[tuple[str, int]]:
    """(top-level module, line) for each import of a module that is neither ours nor the
    standard library's, and for each string constant that is a dotted path to one (settings'
    backends and middleware, `"celery.schedules"`-style references)."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and DOTTED_PATH.fullmatch(node.value):
            names = [node.value]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top not in ours and top not in sys.stdlib_module_names:
                yield top, node.lineno


def undeclared_imports(
    references: Iterable[tuple[str, str]], distributions: Mapping[str, list[str]], runtime: set[str]
) -> list[str]:
    """For each (top-level module, where) whose distributions (as
    importlib.metadata.packages_distributions() gives them) include none of ``runtime``
    (normalised names), a line saying so. A dotted string whose first part is no installed
    module at all is not an import (a file name, a host) and is left alone."""
    problems = []
    for module, where in references:
        if module not in distributions:
            continue
        names = sorted({canonicalize_name(dist) for dist in distributions[module]})
        if not runtime.intersection(names):
            problems.append(f"{where} uses {module} (from {', '.join(names)}), not in [project] dependencies")
    return problems


def test_the_import_check_flags_a_module_only_the_test_tools_bring() -> None:
    distributions = {"pytest": ["pytest"], "urllib3": ["urllib3"], "django": ["Django"]}
    references = [("django", "a.py:1"), ("pytest", "a.py:2"), ("urllib3", "b.py:3"), ("example", "c.py:4")]
    assert undeclared_imports(references, distributions, {"django", "requests"}) == [
        "a.py:2 uses pytest (from pytest), not in [project] dependencies",
        "b.py:3 uses urllib3 (from urllib3), not in [project] dependencies",
    ]


def test_the_reference_scan_reads_imports_and_dotted_strings(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text(
        "import os\nimport pytest\nfrom mine.sub import x\nfrom . import y\n"
        "def f():\n    import urllib3.util\n    return 'whitenoise.storage.Storage', 'plain words', 'mine.Model'\n"
    )
    found = list(third_party_references(source, ours={"mine"}))
    assert sorted(found) == [("pytest", 2), ("urllib3", 6), ("whitenoise", 7)]


def test_product_code_uses_only_packages_declared_for_the_runtime() -> None:
    ours = our_top_level_names()
    references = [
        (module, f"{path.relative_to(REPO)}:{line}")
        for path in product_files()
        for module, line in third_party_references(path, ours)
    ]
    # INSTALLED_APPS names modules without a dot ("template_partials"); they are imports too.
    references += [(app.split(".")[0], "INSTALLED_APPS") for app in settings.INSTALLED_APPS]
    references = [(module, where) for module, where in references if module not in ours]
    runtime = {item.name for item in pyproject_list("dependencies")}
    assert {"django", "bzpeer"} & {module for module, _ in references} == {"django"}  # the scan sees imports
    assert undeclared_imports(references, packages_distributions(), runtime) == []
