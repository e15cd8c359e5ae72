"""``python -m openalex_fake <folder-or-file>... [--host H] [--port P] [--quiet]``: serve OpenAlex
JSON in the foreground (the options of ``manage.py serve_openalex``); Ctrl-C stops it."""

from __future__ import annotations

import sys

from openalex_fake.server import main

if __name__ == "__main__":
    sys.exit(main())
