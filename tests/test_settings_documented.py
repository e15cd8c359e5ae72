"""Every environment variable bzpeer/settings.py reads is documented: in README.md's settings
table and in .env.example (which docker compose and developers copy)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
READ_CALL = re.compile(r"\b(?:env|envbool|envint|envlist|os\.environ\.get|getenv)\(\s*[\"']([A-Z][A-Z0-9_]*)[\"']")


def settings_variables() -> set[str]:
    return set(READ_CALL.findall((REPO / "bzpeer" / "settings.py").read_text()))


def test_settings_reads_the_design_variables() -> None:
    # Guards the regex above as much as the settings: DESIGN §8 names these.
    assert settings_variables() >= {
        "DATABASE_URL", "REDIS_URL", "OPENALEX_URL", "OPENALEX_EMAIL", "OPENALEX_API_KEY",
        "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS",
    }


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (REPO / "README.md").read_text()
    in_table = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", readme, flags=re.MULTILINE))
    assert sorted(settings_variables() - in_table) == []


def test_every_setting_is_in_env_example() -> None:
    text = (REPO / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))
    assert sorted(settings_variables() - listed) == []
