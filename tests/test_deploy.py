"""Production configuration: `check --deploy` is clean with production-like settings, and the
docker compose file is valid."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def production_env(**extra: str) -> dict[str, str]:
    # The suite's conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; production never does.
    dropped = ("DEBUG", "SECURE_", "SESSION_", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="bzpeer.example.org",
        SITE_URL="https://bzpeer.example.org",
    )
    env.update(extra)
    return env


def test_check_deploy_passes_with_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO, env=production_env(), capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_settings_refuse_to_start_without_secret_key_in_production() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO, env=production_env(SECRET_KEY=""), capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "SITE_URL must be set when DEBUG is off"),
        ("https://bzpeer.example.org/bzpeer", "SITE_URL must be http(s)://host[:port] with nothing after it"),
        ("bzpeer.example.org", "SITE_URL must be http(s)://host[:port] with nothing after it"),
    ],
)
def test_settings_refuse_to_start_without_a_usable_site_url_in_production(value: str, message: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO, env=production_env(SITE_URL=value), capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_compose_file_is_valid_and_has_the_six_services() -> None:
    # `make test` installs Debian's docker-compose; a missing one fails here, it is not skipped.
    env = {k: v for k, v in os.environ.items() if k != "COMPOSE_FILE"}
    result = subprocess.run(
        ["docker-compose", "-f", str(REPO / "docker-compose.yml"), "config", "--services"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"db", "redis", "web", "worker", "beat", "nginx"}
