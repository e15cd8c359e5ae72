"""Taking Redis away from the code under test, never from anyone else.

:func:`redis_at` sends every Redis user of this process (the Django cache, the page
cache's own client, Celery's broker connections) to another URL: a closed loopback port, or
a :class:`RedisServer` the test owns and stops and starts itself. The machine's Redis (the
suite's REDIS_URL) is never stopped or flushed.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from django.conf import settings
from django.test import override_settings

from bzpeer.celery import app as celery_app
from pages import page_cache

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fresh_clients() -> None:
    """Forget the clients built for the previous URL: the page cache's and Celery's pools
    (the Django cache rebuilds its own when CACHES changes)."""
    page_cache._redis.cache_clear()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def redis_at(url: str) -> Iterator[None]:
    """Every Redis user of this process talks to ``url`` inside the block, and to the
    suite's Redis again after it."""
    previous_broker = celery_app.conf.broker_url
    caches = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    with override_settings(REDIS_URL=url, CELERY_BROKER_URL=url, CACHES=caches):
        celery_app.conf.broker_url = url
        _fresh_clients()
        try:
            yield
        finally:
            celery_app.conf.broker_url = previous_broker
    _fresh_clients()


class RedisServer:
    """A ``redis-server`` of the test's own on a free loopback port, no persistence, in a
    temporary folder: :meth:`stop` and :meth:`start` it at will (the same port each time)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = Path(tempfile.mkdtemp(prefix="bzpeer-redis-"))
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self._process is None, "already running"
        self._process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self._dir), "--daemonize", "no", "--logfile", ""],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server on port {self.port} did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop it (SIGTERM, this process only) and wait until the port refuses connections."""
        assert self._process is not None, "not running"
        self._process.terminate()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def close(self) -> None:
        if self._process is not None:
            self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)
