"""The explorer's browser libraries in static/vendor/ (scripts/vendor_assets.py, `make assets`)
are the files of the versions package-lock.json locks: the VERSION file beside each copy names
the locked version and integrity, and the copy equals the file `npm ci` installed from that lock
(`make test` runs `npm ci` first, so node_modules is there in CI from a clean clone)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts.vendor_assets import ROOT, VENDORED, locked, version_line


@pytest.mark.parametrize("package", sorted(VENDORED))
def test_the_vendored_copy_is_the_locked_version(package: str) -> None:
    build = VENDORED[package]
    copy = ROOT / "static" / "vendor" / package / Path(build).name
    assert (ROOT / "static" / "vendor" / package / "VERSION").read_text() == version_line(package)
    installed = ROOT / "node_modules" / package
    assert installed.is_dir(), "node_modules is missing: run `make node-tools` (npm ci)"
    assert json.loads((installed / "package.json").read_text())["version"] == locked(package)["version"]
    assert copy.read_bytes() == (installed / build).read_bytes(), f"run `make assets`: {copy} differs"


def test_every_vendored_package_is_a_locked_dependency() -> None:
    manifest = json.loads((ROOT / "package.json").read_text())
    assert {"cytoscape", "cytoscape-fcose"} <= set(manifest["dependencies"])
    for package in VENDORED:
        assert locked(package)["integrity"].startswith("sha512-")
    # The page loads exactly these copies.
    page = (ROOT / "templates" / "graph" / "explorer.html").read_text()
    for package, build in VENDORED.items():
        assert f"vendor/{package}/{Path(build).name}" in page
