"""The apps depend one way (ARCHITECTURE.md): profiles <- works <- claims <- graph <- feature
apps <- pages, with an optional core below profiles.

A domain module (models, services, selectors, pure modules, receivers: anything but
``tasks.py`` and management commands) imports, and reads in raw SQL, only its own app and
apps to its left. Interface modules (``tasks.py``, ``management/``) may also call another
app's tasks. Function-level imports count like module-level ones. Tables are mapped to apps
through Django's model registry (``_meta.db_table`` -> app label), so the claim tables, which
kept their ``profiles_`` names, belong to claims. The fake OpenAlex server imports nothing of
ours, and ``bzpeer`` (configuration) imports no app.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# The fixed order; an app of ours not listed here is a feature app, between graph and pages.
ORDER = ["core", "profiles", "works", "claims", "graph", "pages"]
FEATURE_LEVEL = ORDER.index("graph") + 0.5
# Feature apps that are clearly below another one (``{"api": {"search"}}``: the API calls search).
FEATURE_DEPENDS: dict[str, set[str]] = {"api": {"search"}}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} {self.what}"


def our_apps() -> list[str]:
    """Labels of the installed apps whose code lives in this repository."""
    return sorted(
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == ROOT.resolve() and "." not in config.name
    )


def level_of(app: str) -> float:
    return ORDER.index(app) if app in ORDER else FEATURE_LEVEL


def may_depend(app: str, other: str) -> bool:
    """Whether ``app``'s domain code may import or read ``other``."""
    if app == other:
        return True
    if level_of(app) == level_of(other) == FEATURE_LEVEL:
        return other in FEATURE_DEPENDS.get(app, set())
    return level_of(other) < level_of(app)


def table_owners() -> dict[str, str]:
    """Every table of our models (auto-created many-to-many tables included) -> its app."""
    mine = set(our_apps())
    return {
        model._meta.db_table: model._meta.app_label
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in mine
    }


def _is_interface(path: Path) -> bool:
    return path.name == "tasks.py" or "management" in path.parts


def _imports(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from graph import tasks`` names graph.tasks; ``from graph.tasks import x``, graph.tasks.x.
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)


def _strings(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def _modules(root: Path, app: str) -> Iterator[Path]:
    for path in sorted((root / app).rglob("*.py")):
        if "migrations" not in path.relative_to(root).parts:
            yield path


def layer_violations(root: Path, app_names: list[str], owners: dict[str, str]) -> list[Violation]:
    """Imports and raw-SQL table names in ``root``'s apps that point the wrong way."""
    found: list[Violation] = []
    table_re = re.compile(r"\b(" + "|".join(sorted(map(re.escape, owners), key=len, reverse=True)) + r")\b")
    for app in app_names:
        for path in _modules(root, app):
            tree = ast.parse(path.read_text(), filename=str(path))
            where = str(path.relative_to(root))
            for line, module in _imports(tree):
                other = module.split(".")[0]
                if other not in app_names or may_depend(app, other):
                    continue
                if _is_interface(path) and (module + ".").startswith(f"{other}.tasks."):
                    continue
                found.append(Violation(where, line, f"imports {module} ({app} may not depend on {other})"))
            for line, text in _strings(tree):
                for table in set(table_re.findall(text)):
                    other = owners[table]
                    if not may_depend(app, other):
                        found.append(Violation(where, line, f"names table {table} of {other} in SQL"))
    return sorted(found, key=str)


def plain_package_violations(root: Path, package: str, forbidden: list[str]) -> list[Violation]:
    """Imports of ``forbidden`` top-level packages anywhere in ``package``."""
    found = []
    for path in sorted((root / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, module in _imports(tree):
            if module.split(".")[0] in forbidden:
                found.append(Violation(str(path.relative_to(root)), line, f"imports {module}"))
    return found


def test_every_app_of_ours_has_a_place_in_the_order() -> None:
    assert {"profiles", "works", "claims", "graph", "pages"} <= set(our_apps())
    installed = [app for app in settings.INSTALLED_APPS if app in our_apps()]
    assert installed == sorted(installed, key=level_of), "INSTALLED_APPS lists our apps in dependency order"


def test_the_claim_tables_belong_to_claims_although_named_profiles() -> None:
    owners = table_owners()
    assert owners["profiles_claim"] == "claims"
    assert owners["profiles_claimauditevent"] == owners["profiles_profilecorrection"] == "claims"
    assert owners["profiles_researcher"] == "profiles"
    assert owners["graph_coauthoredge"] == "graph"


def test_domain_code_depends_only_on_apps_to_its_left() -> None:
    violations = layer_violations(ROOT, our_apps(), table_owners())
    assert violations == [], "\n".join(map(str, violations))


def test_the_fake_openalex_server_and_the_configuration_import_no_app() -> None:
    mine = our_apps()
    fake = ROOT / "openalex_fake"
    assert fake.is_dir(), "the fake OpenAlex server is a plain package at the top"
    assert not (fake / "apps.py").exists()
    assert plain_package_violations(ROOT, "openalex_fake", [*mine, "bzpeer", "django"]) == []
    config = plain_package_violations(ROOT, "bzpeer", mine)
    assert config == [], "\n".join(map(str, config))


# --- The checker itself fails where it must -------------------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


OWNERS = {"profiles_researcher": "profiles", "graph_coauthoredge": "graph", "profiles_claim": "claims"}
APPS = ["profiles", "works", "claims", "graph", "pages", "search", "follow"]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"profiles/services.py": "from graph.tasks import recompute_trust\n"}, "profiles/services.py:1 imports graph"),
        (
            {"profiles/services.py": "def f():\n    from claims import services\n"},
            "profiles/services.py:2 imports claims",
        ),
        ({"works/models.py": "import pages.views\n"}, "works/models.py:1 imports pages.views"),
        ({"claims/services.py": "from graph.tasks import recompute_trust\n"}, "claims/services.py:1 imports graph"),
        ({"works/tasks.py": "from graph import edges\n"}, "works/tasks.py:1 imports graph.edges"),
        ({"graph/selectors.py": "from search import index\n"}, "graph/selectors.py:1 imports search"),
        ({"search/views.py": "from follow.models import X\n"}, "search/views.py:1 imports follow"),
        ({"search/views.py": "from pages import views\n"}, "search/views.py:1 imports pages"),
        (
            {"works/upsert.py": 'SQL = "DELETE FROM graph_coauthoredge WHERE id = %s"\n'},
            "works/upsert.py:1 names table graph_coauthoredge of graph",
        ),
        (
            {"works/upsert.py": 'SQL = f"SELECT 1 FROM profiles_claim c WHERE c.id = {1}"\n'},
            "works/upsert.py:1 names table profiles_claim of claims",
        ),
    ],
)
def test_the_checker_reports_a_wrong_way_dependency(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    root = _tree(tmp_path, files)
    violations = [str(v) for v in layer_violations(root, APPS, OWNERS)]
    assert len(violations) == 1 and violations[0].startswith(expected), violations


def test_the_checker_accepts_the_allowed_directions(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "pages/views.py": "from graph.slice import graph_slice\nfrom profiles.models import Researcher\n",
            "claims/services.py": 'from works.models import HiddenWork\nSQL = "SELECT 1 FROM profiles_researcher"\n',
            "works/tasks.py": "from graph.tasks import refresh_after_import\n",
            "works/management/commands/x.py": "from graph import tasks\n",
            "search/views.py": "from graph.edges import close_count_sql\n",
            "works/migrations/0009_x.py": "from graph.models import CoauthorEdge\n",
        },
    )
    assert layer_violations(root, APPS, OWNERS) == []
