"""scripts/localservices.py: the project-local PostgreSQL and Redis that `make test` and
`make demo` start. Each test runs its own pair of servers in a temporary data folder."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "localservices.py"


def services(data_dir: Path, *args: str, env: dict[str, str] | None = None):
    """Run the script; it sees the URLs in `env` only, never the ones the suite runs with."""
    inherited = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--data-dir", str(data_dir), *args],
        capture_output=True, text=True, timeout=180, check=False,
        env={**inherited, **(env or {})},
    )


def parse_exports(stdout: str) -> dict[str, str]:
    return dict(re.findall(r"^export (\w+)=(\S+)$", stdout, flags=re.MULTILINE))


def port_of(url: str) -> int:
    match = re.search(r":(\d+)/", url)
    assert match, url
    return int(match.group(1))


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "data"
    yield folder
    # Stops the servers and removes the temp-dir fallback folder too, if one was used.
    services(folder, "clean")


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port something else listens on, offered to the script as its preferred port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_start_env_reuse_stop(data_dir: Path, busy_port: int) -> None:
    started = services(data_dir, "start", "--pg-port", str(busy_port),
                       "--redis-port", str(busy_port))
    assert started.returncode == 0, started.stderr

    env = services(data_dir, "env")
    assert env.returncode == 0, env.stderr
    urls = parse_exports(env.stdout)
    assert set(urls) == {"DATABASE_URL", "REDIS_URL"}
    # The taken port was skipped rather than shared.
    assert busy_port not in {port_of(urls["DATABASE_URL"]), port_of(urls["REDIS_URL"])}

    with psycopg.connect(urls["DATABASE_URL"], connect_timeout=5) as conn:
        row = conn.execute(
            "SELECT current_database(), current_setting('listen_addresses'),"
            " current_setting('fsync')"
        ).fetchone()
    assert row == ("bzpeer", "127.0.0.1", "off")
    client = redis.Redis.from_url(urls["REDIS_URL"])
    assert client.ping() is True
    assert client.config_get("save") == {"save": ""}
    client.close()

    again = services(data_dir, "start")
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("reused") == 2
    assert parse_exports(services(data_dir, "env").stdout) == urls

    stopped = services(data_dir, "stop")
    assert stopped.returncode == 0, stopped.stderr
    assert not answers(port_of(urls["DATABASE_URL"]))
    assert not answers(port_of(urls["REDIS_URL"]))
    status = services(data_dir, "status")
    assert status.returncode == 3
    assert "postgres: not running" in status.stdout


def test_env_fails_clearly_when_nothing_runs(data_dir: Path) -> None:
    result = services(data_dir, "env")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "not running: postgres, redis" in result.stderr


def test_skip_configured_leaves_out_services_set_in_the_environment(data_dir: Path) -> None:
    given = {"DATABASE_URL": "postgresql://someone@db.example.org/x"}
    started = services(data_dir, "start", "--skip-configured", env=given)
    assert started.returncode == 0, started.stderr
    assert "DATABASE_URL is set" in started.stderr
    assert "postgres: not running" in services(data_dir, "status").stdout

    env = services(data_dir, "env", "--skip-configured", env=given)
    assert env.returncode == 0, env.stderr
    assert set(parse_exports(env.stdout)) == {"REDIS_URL"}


@pytest.mark.skipif(os.geteuid() != 0, reason="the temp-dir fallback exists for root only")
def test_cluster_moves_to_temp_dir_when_postgres_cannot_reach_the_data_dir(
    tmp_path: Path,
) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    data_dir = private / "data"
    try:
        started = services(data_dir, "start", "postgres")
        assert started.returncode == 0, started.stderr
        assert "cannot reach" in started.stderr
        state = (data_dir / "services.env").read_text()
        home = re.search(r"^PG_HOME=(.+)$", state, flags=re.MULTILINE)
        assert home
        assert not Path(home.group(1)).is_relative_to(private)
        url = parse_exports(services(data_dir, "env", "postgres").stdout)["DATABASE_URL"]
        with psycopg.connect(url, connect_timeout=5) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        services(data_dir, "clean")
    assert not Path(home.group(1)).exists()
