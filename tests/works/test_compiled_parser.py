"""A compiled import module (parser, batch preparation) is used only for exactly the source
it was built from."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from works import compiled_module, load_compiled


def build_for(folder: Path, source: bytes) -> tuple[Path, Path]:
    parser = folder / "openalex_parser.py"
    parser.write_bytes(source)
    build = folder / "build"
    build.mkdir()
    (build / "openalex_parser.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    (build / "openalex_parser__mypyc.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF")
    (build / "openalex_parser.sha256").write_text(hashlib.sha256(source).hexdigest() + "\n")
    return parser, build


def test_a_build_of_this_very_source_is_used(tmp_path: Path) -> None:
    parser, build = build_for(tmp_path, b"def parse(): ...\n")
    assert compiled_module(parser, build) == build / "openalex_parser.cpython-311-x86_64-linux-gnu.so"


def test_an_edited_parser_runs_as_python_until_compiled_again(tmp_path: Path) -> None:
    parser, build = build_for(tmp_path, b"def parse(): ...\n")
    parser.write_bytes(b"def parse(): return 1\n")
    assert compiled_module(parser, build) is None


def test_a_build_without_its_digest_is_not_used(tmp_path: Path) -> None:
    parser, build = build_for(tmp_path, b"x = 1\n")
    (build / "openalex_parser.sha256").unlink()
    assert compiled_module(parser, build) is None


def test_a_digest_without_the_extension_is_not_used(tmp_path: Path) -> None:
    parser, build = build_for(tmp_path, b"x = 1\n")
    for extension in build.glob("*.so"):
        extension.unlink()
    assert compiled_module(parser, build) is None
    assert compiled_module(tmp_path / "missing.py", build) is None


def test_a_build_that_does_not_load_leaves_the_python_module(tmp_path: Path) -> None:
    """A copied build made for another interpreter or system must not break the import."""
    source = b"x = 1\n"
    (tmp_path / "stand_in.py").write_bytes(source)
    build = tmp_path / "build"
    build.mkdir()
    for name in ("stand_in.cpython-311-x86_64-linux-gnu.so", "stand_in__mypyc.cpython-311-x86_64-linux-gnu.so"):
        (build / name).write_bytes(b"not a shared object")
    (build / "stand_in.sha256").write_text(hashlib.sha256(source).hexdigest())
    assert compiled_module(tmp_path / "stand_in.py", build) is not None  # it would be used

    load_compiled(("stand_in",), tmp_path, build)

    assert "works.stand_in" not in sys.modules and "works.stand_in__mypyc" not in sys.modules
