"""Works and the OpenAlex import.

The OpenAlex parser may run compiled (scripts/compile_parser.py, run by `make test` and
`make demo`): the build in .build/compiled/works/ is put first on this package's path only
when it was made from exactly the parser source here, so an edit always takes effect.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

_HERE = Path(__file__).resolve().parent


def compiled_parser_folder(source: Path, build: Path) -> Path | None:
    """``build`` if it holds a compiled parser made from ``source`` as it is now, else None."""
    digest = build / "openalex_parser.sha256"
    try:
        wanted = digest.read_text().strip()
        current = hashlib.sha256(source.read_bytes()).hexdigest()
    except OSError:
        return None
    if wanted != current or not any(build.glob("openalex_parser*.so")):
        return None
    return build


_compiled = compiled_parser_folder(_HERE / "openalex_parser.py", _HERE.parent / ".build" / "compiled" / "works")
if _compiled is not None:
    __path__.insert(0, str(_compiled))
