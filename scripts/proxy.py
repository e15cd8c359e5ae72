"""Production's front on this machine: gunicorn (``bzpeer.wsgi``, sync workers, as
docker-compose.yml runs it) and Debian's nginx with the repository's one template
(deploy/nginx/default.conf.template), rendered the way the official image renders it, inside
a wrapper that lets nginx run unprivileged on loopback.

Shared by the deploy tests (tests/deploy/) and ``make bench-load``
(scripts/bench/bench_load.py), so that the benchmark measures exactly the configuration the
tests check. Standard library only; everything listens on 127.0.0.1.
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
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "deploy" / "nginx" / "default.conf.template"
# The template's parameters; docker-compose.yml sets exactly these on the nginx service.
PARAMETERS = ("NGINX_UPSTREAM", "NGINX_LISTEN", "NGINX_STATIC_ROOT")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
# The web service's gunicorn options in docker-compose.yml (besides --bind and the log).
COMPOSE_WORKERS = 2


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
    """A loopback port free at the time of asking."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_listening(port: int, process: subprocess.Popen[bytes], what: str, timeout: float = 30.0) -> None:
    """Return once 127.0.0.1:``port`` accepts; RuntimeError when ``process`` exits first or
    ``timeout`` seconds pass."""
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
    """Send ``sig`` and wait up to 20 s, then SIGKILL."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def world_readable_tempdir(prefix: str) -> Iterator[Path]:
    """A temporary folder nginx's workers can read when run as root (nginx then runs its
    workers as ``nobody``, who cannot enter a private temporary folder such as pytest's
    ``tmp_path``). Deleted when the block ends."""
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
    access_log: Path | None
    tmpdir: Path
    process: subprocess.Popen[bytes]

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def log_lines(self) -> list[str]:
        if self.access_log is None or not self.access_log.exists():
            return []
        return self.access_log.read_text().splitlines()

    def wait_for_log(self, fragment: str, timeout: float = 10.0) -> str:
        """The access log line containing ``fragment``, once gunicorn has written it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.log_lines():
                if fragment in line:
                    return line
            time.sleep(0.1)
        raise AssertionError(f"{fragment!r} never reached gunicorn's access log")

    def worker_pids(self) -> list[int]:
        """The master's live child processes (its workers), from /proc."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []


@contextmanager
def run_gunicorn(
    folder: Path,
    env: Mapping[str, str],
    *,
    access_log_format: str | None = None,
    output: Path | None = None,
    ready_timeout: float = 60.0,
) -> Iterator[Gunicorn]:
    """gunicorn on a free loopback port with the web service's options of docker-compose.yml
    (``--workers 2 --no-control-socket``, sync workers, gunicorn's default timeout and
    backlog) and the environment ``env`` (DATABASE_URL, DEBUG, settings module: the caller's).
    With ``access_log_format`` it writes an access log in ``folder``, else none (the compose
    service logs to stdout; a benchmark need not). ``TMPDIR`` of the workers (where Django's
    upload handlers would write files) is ``folder``/gunicorn-tmp. Yields once /healthz
    answers 200, that is once the workers have imported Django; stops gunicorn (SIGTERM) when
    the block ends. With ``output``, what the server and Django print (tracebacks of 500s
    among them) goes to that file instead of this process's output."""
    port = free_port()
    tmpdir = folder / "gunicorn-tmp"
    tmpdir.mkdir()
    access_log = folder / "gunicorn-access.log" if access_log_format else None
    command = [
        GUNICORN, "bzpeer.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(COMPOSE_WORKERS), "--no-control-socket",
        "--error-logfile", str(folder / "gunicorn-error.log"),
    ]
    if access_log is not None and access_log_format is not None:
        command += ["--access-logfile", str(access_log), "--access-logformat", access_log_format]
    sink = open(output, "ab") if output is not None else None  # noqa: SIM115 (closed below)
    try:
        process = subprocess.Popen(command, cwd=REPO, env={**env, "TMPDIR": str(tmpdir)}, stdout=sink, stderr=sink)
    finally:
        if sink is not None:
            sink.close()  # the child has its own copy
    try:
        wait_until_listening(port, process, "gunicorn")
        deadline = time.monotonic() + ready_timeout
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:  # noqa: S310
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

# What the official image's /etc/nginx/nginx.conf provides (worker_processes auto,
# worker_connections 1024), with every path in {run} so that nginx needs no privilege, around
# the rendered template. A proxied request holds two connections (client and upstream), so
# 1,024 carry the benchmark's 200 clients with room to spare.
WRAPPER = """\
daemon off;
worker_processes auto;
pid {run}/nginx.pid;
error_log {run}/error.log info;
{user}
events {{
    worker_connections 1024;
}}
http {{
    {mime_types}
    default_type application/octet-stream;
    access_log {access_log};
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
def run_nginx(upstream: str, run: Path, static_root: Path | None = None, access_log: bool = True) -> Iterator[Nginx]:
    """nginx on a free loopback port with the repository's template rendered for ``upstream``,
    its files in ``run`` (which nginx's workers must be able to read). The static root is
    ``static_root``, else a new empty ``run``/static (the tests put files there). Without
    ``access_log`` nginx writes none (a benchmark's thousands of lines would only cost time).
    Stopped gracefully (SIGQUIT) when the block ends."""
    port = free_port()
    if static_root is None:
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
            run=run,
            user=worker_user(),
            mime_types=f"include {mime_types};" if mime_types.exists() else "",
            access_log=f"{run}/access.log" if access_log else "off",
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
