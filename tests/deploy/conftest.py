"""A real gunicorn against the test database, and Debian's nginx in front of it with the
repository's template (tests/deploy/servers.py). Both live for one test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.database import database_url
from tests.deploy.servers import Gunicorn, Nginx, run_gunicorn, run_nginx, world_readable_tempdir


@pytest.fixture(scope="module")
def deploy_dir() -> Iterator[Path]:
    with world_readable_tempdir("bzpeer-deploy-") as folder:
        yield folder


@pytest.fixture(scope="module")
def gunicorn(django_db_setup: None, deploy_dir: Path) -> Iterator[Gunicorn]:
    """gunicorn with two sync workers, as docker-compose.yml runs it; the tests read nothing
    it writes to the database, so the test database only has to exist."""
    with run_gunicorn(database_url(), deploy_dir) as server:
        yield server


@pytest.fixture(scope="module")
def nginx(gunicorn: Gunicorn, deploy_dir: Path) -> Iterator[Nginx]:
    run = deploy_dir / "nginx"
    run.mkdir()
    run.chmod(0o755)
    with run_nginx(gunicorn.address, run) as server:
        yield server
