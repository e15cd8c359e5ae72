"""Production's front, run by the tests: a real gunicorn (``bzpeer.wsgi``, two sync workers as
in docker-compose.yml) and Debian's nginx with the repository's one template, rendered the way
the official image renders it, inside a wrapper that lets nginx run unprivileged on loopback.
Plus the raw-socket HTTP the tests need (slow and oversized clients that no HTTP library sends).
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "deploy" / "nginx" / "default.conf.template"
# The template's parameters; docker-compose.yml sets exactly these on the nginx service.
PARAMETERS = ("NGINX_UPSTREAM", "NGINX_LISTEN", "NGINX_STATIC_ROOT")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
# What the access log shows of each request gunicorn served: method, path with query, status,
# and the X-Forwarded-For header as the app received it.
ACCESS_LOG_FORMAT = '%(m)s %(U)s%(q)s %(s)s xff="%({x-forwarded-for}i)s"'


def render(template: str, values: Mapping[str, str]) -> str:
    """The template with ``$NAME`` and ``${NAME}`` replaced for the names in ``values`` only,
    as ``envsubst '${A} ${B}'`` does (the official image's 20-envsubst-on-templates.sh);
    every other ``$`` (nginx's own variables) stays."""
    names = "|".join(re.escape(name) for name in values)
    pattern = re.compile(rf"\$(?:\{{({names})\}}|({names})(?![A-Za-z0-9_]))")
    return pattern.sub(lambda match: values[match.group(1) or match.group(2)], template)


def placeholders(template: str) -> set[str]:
    """The ``${NAME}`` placeholders of a template (nginx's own variables are lower case)."""
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", template))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_listening(port: int, process: subprocess.Popen[bytes], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} is not listening on {port} after {timeout} s")


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def world_readable_tempdir(prefix: str) -> Iterator[Path]:
    """A temporary folder nginx's workers can read when the tests run as root (nginx then runs
    its workers as ``nobody``, who cannot enter pytest's private ``tmp_path``)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --- gunicorn -----------------------------------------------------------------------------------


@dataclass
class Gunicorn:
    port: int
    access_log: Path
    tmpdir: Path
    process: subprocess.Popen[bytes]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def log_lines(self) -> list[str]:
        return self.access_log.read_text().splitlines() if self.access_log.exists() else []

    def wait_for_log(self, fragment: str, timeout: float = 10.0) -> str:
        """The access log line containing ``fragment``, once gunicorn has written it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log_lines():
                if fragment in line:
                    return line
            time.sleep(0.1)
        raise AssertionError(f"{fragment!r} never reached gunicorn's access log")


@contextmanager
def run_gunicorn(database_url: str, folder: Path) -> Iterator[Gunicorn]:
    """gunicorn on a free loopback port, two sync workers (as in docker-compose.yml), against
    ``database_url``; its access log and the temporary folder its workers use (``TMPDIR``,
    where Django's upload handlers would write files) are in ``folder``.

    ``DJANGO_SETTINGS_MODULE`` points at tests/deploy/echo_settings.py: the product's settings
    and URLs plus one test-only view that shows what Django sees of a request.
    """
    port = free_port()
    tmpdir = folder / "gunicorn-tmp"
    tmpdir.mkdir()
    access_log = folder / "gunicorn-access.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "tests.deploy.echo_settings",
        "DEBUG": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TMPDIR": str(tmpdir),
    }
    command = [
        GUNICORN, "bzpeer.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2",
        "--no-control-socket", "--access-logfile", str(access_log), "--access-logformat", ACCESS_LOG_FORMAT,
        "--error-logfile", str(folder / "gunicorn-error.log"),
    ]
    process = subprocess.Popen(command, cwd=REPO, env=env)
    try:
        wait_until_listening(port, process, "gunicorn")
        # Listening comes before the workers have imported Django; one answered request
        # means both are about to serve.
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.2)
        yield Gunicorn(port=port, access_log=access_log, tmpdir=tmpdir, process=process)
    finally:
        stop(process)


# --- nginx --------------------------------------------------------------------------------------

WRAPPER = """\
# The tests' main configuration: what the official image's /etc/nginx/nginx.conf provides,
# with every path in {run} so that nginx needs no privilege, around the rendered template.
daemon off;
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log info;
{user}
events {{
    worker_connections 256;
}}
http {{
    {mime_types}
    default_type application/octet-stream;
    access_log {run}/access.log;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    include {run}/default.conf;
}}
"""


def worker_user() -> str:
    """As root, nginx's workers switch to a user; ``nobody`` with its own group (its default
    group name ``nobody`` does not exist on Debian). Unprivileged, the directive is left out."""
    if os.geteuid() != 0:
        return ""
    nobody = pwd.getpwnam("nobody")
    return f"user nobody {grp.getgrgid(nobody.pw_gid).gr_name};"


@dataclass
class Nginx:
    port: int
    run: Path
    static_root: Path
    process: subprocess.Popen[bytes]

    def error_log(self) -> str:
        path = self.run / "error.log"
        return path.read_text() if path.exists() else ""


@contextmanager
def run_nginx(upstream: str, run: Path) -> Iterator[Nginx]:
    """nginx on a free loopback port with the repository's template rendered for ``upstream``;
    its static root is ``run``/static (empty: the tests put files there)."""
    port = free_port()
    static_root = run / "static"
    static_root.mkdir()
    values = {
        "NGINX_UPSTREAM": upstream,
        "NGINX_LISTEN": f"127.0.0.1:{port}",
        "NGINX_STATIC_ROOT": str(static_root),
    }
    (run / "default.conf").write_text(render(TEMPLATE.read_text(), values))
    mime_types = Path("/etc/nginx/mime.types")
    (run / "nginx.conf").write_text(
        WRAPPER.format(
            run=run, user=worker_user(), mime_types=f"include {mime_types};" if mime_types.exists() else ""
        )
    )
    # -e: the error log before the configuration is read (the default is /var/log/nginx).
    command = [NGINX, "-p", str(run), "-e", str(run / "error.log"), "-c", str(run / "nginx.conf")]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t refused the rendered configuration:\n{check.stderr}")
    process = subprocess.Popen(command)
    try:
        wait_until_listening(port, process, "nginx")
        yield Nginx(port=port, run=run, static_root=static_root, process=process)
    finally:
        stop(process, signal.SIGQUIT)


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
