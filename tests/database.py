"""The test database as a URL, for what connects on its own: subprocesses (a Celery worker,
a benchmark's command) and second connections of a test."""

from __future__ import annotations

from django.db import connection


def database_url() -> str:
    db = connection.settings_dict
    return f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
