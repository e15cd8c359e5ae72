"""Production's front, run by the tests: a real gunicorn (``bzpeer.wsgi``, two sync workers as
in docker-compose.yml) and Debian's nginx with the repository's one template, started by
scripts/proxy.py (shared with ``make bench-load``). Plus the raw-socket HTTP the tests need
(slow and oversized clients that no HTTP library sends).
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from scripts.proxy import (
    PARAMETERS,
    REPO,
    TEMPLATE,
    Gunicorn,
    Nginx,
    placeholders,
    render,
    run_nginx,
    world_readable_tempdir,
)
from scripts.proxy import run_gunicorn as run_proxy_gunicorn

__all__ = [
    "PARAMETERS", "REPO", "TEMPLATE", "Gunicorn", "Nginx", "placeholders", "render", "run_gunicorn", "run_nginx",
    "world_readable_tempdir", "read_response", "request", "stalled_clients", "Response",
]

# What the access log shows of each request gunicorn served: method, path with query, status,
# and the X-Forwarded-For header as the app received it.
ACCESS_LOG_FORMAT = '%(m)s %(U)s%(q)s %(s)s xff="%({x-forwarded-for}i)s"'


@contextmanager
def run_gunicorn(database_url: str, folder: Path) -> Iterator[Gunicorn]:
    """gunicorn as docker-compose.yml runs it (scripts/proxy.py) against ``database_url``,
    with its access log and temporary folder in ``folder``.

    ``DJANGO_SETTINGS_MODULE`` points at tests/deploy/echo_settings.py: the product's settings
    and URLs plus one test-only view that shows what Django sees of a request.
    """
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "tests.deploy.echo_settings",
        "DEBUG": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    with run_proxy_gunicorn(folder, env, access_log_format=ACCESS_LOG_FORMAT) as server:
        yield server


# --- clients ------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


def read_response(sock: socket.socket) -> Response:
    """Read one HTTP response from ``sock``: to its Content-Length, else until the server
    closes (requests say ``Connection: close``). TimeoutError when none comes within the
    socket's timeout. Not waiting for the close matters after a refused body: nginx keeps
    reading (and discarding) the rest for seconds before it closes."""
    data = b""
    while True:
        head, separator, body = data.partition(b"\r\n\r\n")
        if separator:
            length = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
            if length and len(body) >= int(length.group(1)):
                break
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break  # the response came before the reset, or the parsing below fails clearly
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    if not lines[0].startswith("HTTP/"):
        raise AssertionError(f"no HTTP response, got {data[:200]!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Response(status=int(lines[0].split()[1]), headers=headers, body=body)


def request(
    port: int,
    method: str,
    path: str,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    timeout: float = 10.0,
) -> Response:
    """One request on a connection of its own, answered within ``timeout`` seconds (else
    TimeoutError). ``headers`` may declare another Content-Length than ``body``'s, or chunked
    transfer (``body`` is then sent as given). A server may answer before the whole body is
    sent and close: the answer is read all the same."""
    all_headers = {"Host": f"127.0.0.1:{port}", "Connection": "close", **(headers or {})}
    if (body or method == "POST") and "Transfer-Encoding" not in all_headers:
        all_headers.setdefault("Content-Length", str(len(body)))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in all_headers.items()) + "\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        # Refused early, the rest of the body cannot be sent; the answer is waiting.
        with suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head.encode("latin-1") + body)
        return read_response(sock)


@contextmanager
def stalled_clients(port: int, count: int, tag: str) -> Iterator[list[socket.socket]]:
    """``count`` connections that each send part of a request and then stall: half stop in the
    middle of a header, half after announcing a 1,000-byte form body of which they send 10
    bytes. Their paths carry ``stalled=<tag>``. Closed when the block ends, so the stall lasts
    exactly as long as the block."""
    sockets: list[socket.socket] = []
    try:
        for number in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sockets.append(sock)
            if number % 2 == 0:
                sock.sendall(f"GET /healthz?stalled={tag} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: sl".encode())
            else:
                sock.sendall(
                    f"POST /accounts/login/?stalled={tag} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
                    + b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
                    b"login=slow"
                )
        # Give the server a moment to take them in (accept, read what was sent) before the
        # test's normal request queues behind or beside them.
        time.sleep(0.5)
        yield sockets
    finally:
        for sock in sockets:
            sock.close()
