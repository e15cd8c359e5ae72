"""Works and the OpenAlex import.

The import's pure modules (the OpenAlex parser, the batch preparation) may run compiled
(scripts/compile_parser.py, run by `make test` and `make demo`). Each build in
.build/compiled/works/ is loaded only when it was made from exactly the source here, so an
edit always takes effect.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def compiled_module(source: Path, build: Path) -> Path | None:
    """The extension in ``build`` compiled from ``source`` as it is now, else None."""
    name = source.stem
    try:
        wanted = (build / f"{name}.sha256").read_text().strip()
        current = hashlib.sha256(source.read_bytes()).hexdigest()
    except OSError:
        return None
    extension = next(build.glob(f"{name}.*.so"), None)
    if wanted != current or extension is None or not any(build.glob(f"{name}__mypyc.*.so")):
        return None
    return extension


def load_compiled(names: tuple[str, ...], sources: Path, build: Path) -> None:
    """Import the up-to-date compiled modules under their usual names, before anything else
    imports the Python ones; a build that does not load leaves the Python in place."""
    for name in names:
        extension = compiled_module(sources / f"{name}.py", build)
        if extension is None:
            continue
        helper = next(build.glob(f"{name}__mypyc.*.so"))
        loaded_names = []
        try:
            for module, path in ((f"{__name__}.{name}__mypyc", helper), (f"{__name__}.{name}", extension)):
                spec = importlib.util.spec_from_file_location(module, path)
                assert spec is not None and spec.loader is not None
                loaded = importlib.util.module_from_spec(spec)
                sys.modules[module] = loaded
                loaded_names.append(module)
                spec.loader.exec_module(loaded)
        except (ImportError, OSError):
            # Built for another interpreter or system (a copied folder): run the Python.
            for module in loaded_names:
                sys.modules.pop(module, None)


load_compiled(("openalex_parser", "import_rows"), _HERE, _HERE.parent / ".build" / "compiled" / "works")
