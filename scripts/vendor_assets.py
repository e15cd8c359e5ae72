"""`make assets`: copy the explorer's browser libraries from node_modules (package-lock.json's
versions, installed by `npm ci`) to static/vendor/<package>/, each with its LICENSE and a
VERSION file naming the locked version and integrity. The copies are committed, so that a
pip-only install, collectstatic and the Docker image have them without npm;
tests/test_vendored_assets.py checks they are the locked versions' files. Standard library only.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# package -> its browser build inside the package (what the explorer page loads).
VENDORED = {
    "cytoscape": "dist/cytoscape.min.js",
    "layout-base": "layout-base.js",
    "cose-base": "cose-base.js",
    "cytoscape-fcose": "cytoscape-fcose.js",
}


def locked(package: str) -> dict[str, str]:
    """The version and integrity package-lock.json records for ``package``."""
    entry = json.loads((ROOT / "package-lock.json").read_text())["packages"][f"node_modules/{package}"]
    return {"version": entry["version"], "integrity": entry["integrity"]}


def version_line(package: str) -> str:
    lock = locked(package)
    return f"{package} {lock['version']} {lock['integrity']}\n"


def main() -> int:
    for package, build in VENDORED.items():
        source = ROOT / "node_modules" / package
        installed = json.loads((source / "package.json").read_text())["version"]
        if installed != locked(package)["version"]:
            print(f"node_modules/{package} is {installed}, the lock says {locked(package)['version']}: run npm ci")
            return 1
        target = ROOT / "static" / "vendor" / package
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / build, target / Path(build).name)
        shutil.copyfile(source / "LICENSE", target / "LICENSE")
        (target / "VERSION").write_text(version_line(package))
        print(f"static/vendor/{package}/{Path(build).name}: {package} {installed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
