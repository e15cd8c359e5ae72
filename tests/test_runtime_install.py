"""What the Docker image installs runs the product: web, worker and a task round trip, in a
virtualenv built from requirements.txt ALONE (scripts/runtime_venv.py), never the test venv.

The test venv holds the test tools and what they pull in (pytest brings `packaging`, which
kombu's Redis transport imports), so a package missing from requirements.txt goes unnoticed
by every other test. Here the image is played step by step: the files the build context keeps
(.dockerignore), collectstatic as the Dockerfile runs it, the migrations compose's web runs,
gunicorn with DEBUG off, a Celery worker, and `import_author --queue` sending a real task
through Redis. The worker imports an author from the fake OpenAlex server into the test
database and gunicorn serves the new profile page.

`make test` builds the venv and names it in BZPEER_RUNTIME_VENV; outside make the test builds
or finds `.venv-runtime` itself (a cached venv is reused while requirements.txt is unchanged).
It never skips: a venv that cannot be built fails the test with pip's output.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from openalex_fake import OpenAlexFakeServer
from profiles.models import Researcher
from tests import openalex_records as oa
from tests.database import database_url
from tests.redis_scope import SESSION_TAG
from tests.test_deploy import production_env
from tests.waiting import wait_for
from works.models import ImportJob

REPO = Path(__file__).resolve().parents[1]
VENV_VARIABLE = "BZPEER_RUNTIME_VENV"


@pytest.fixture(scope="module")
def runtime_venv() -> Path:
    """The venv of requirements.txt alone: the one `make test` names, else .venv-runtime,
    built (or found current) by scripts/runtime_venv.py."""
    venv = Path(os.environ.get(VENV_VARIABLE) or REPO / ".venv-runtime")
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "runtime_venv.py"), "--venv", str(venv)],
        capture_output=True, text=True, timeout=900, check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"could not build the runtime venv {venv} from requirements.txt alone "
            f"(scripts/runtime_venv.py):\n{result.stderr[-6000:]}",
            pytrace=False,
        )
    return venv


# --- The build context -------------------------------------------------------------------------


def dockerignore_patterns(path: Path) -> list[re.Pattern[str]]:
    """.dockerignore's patterns as regular expressions over paths relative to the context
    (`*` and `?` within one path segment, `**` across segments, anchored at the root as
    Docker anchors them). Exceptions (`!`) and character classes are not handled here: a
    .dockerignore that uses them fails this test until they are."""
    patterns = []
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("!") or "[" in line:
            raise AssertionError(f".dockerignore: {line!r}: extend dockerignore_patterns() to read it")
        regex = ""
        parts = re.split(r"(\*\*/|\*\*|\*|\?)", line.strip("/"))
        for part in parts:
            regex += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(part, re.escape(part))
        patterns.append(re.compile(regex))
    return patterns


def image_copy(target: Path) -> Path:
    """The files `COPY . .` puts in the image: the repository less what .dockerignore
    excludes (an excluded folder with everything in it)."""
    patterns = dockerignore_patterns(REPO / ".dockerignore")

    def ignored(folder: str, names: list[str]) -> list[str]:
        relative = Path(folder).relative_to(REPO)
        return [name for name in names if any(p.fullmatch((relative / name).as_posix()) for p in patterns)]

    shutil.copytree(REPO, target, symlinks=True, ignore=ignored)
    return target


def test_the_build_context_leaves_out_local_state(tmp_path: Path) -> None:
    app = image_copy(tmp_path / "app")
    assert (app / "manage.py").is_file() and (app / "works" / "openalex_parser.py").is_file()
    for local in (".venv", ".venv-runtime", ".build", ".data", "node_modules", ".git"):
        assert not (app / local).exists(), local
    assert not list(app.rglob("__pycache__"))


# --- Processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_in(app: Path, env: dict[str, str], *command: str) -> str:
    """Run ``command`` in ``app``; its output, or the test fails showing it."""
    result = subprocess.run(command, cwd=app, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{' '.join(command)} exited {result.returncode}:\n{result.stdout}{result.stderr}"
    return result.stdout


@contextmanager
def running(app: Path, env: dict[str, str], log: Path, *command: str) -> Iterator[subprocess.Popen[bytes]]:
    """A long-running process (gunicorn, a worker), stopped at the end; its log (a file, so a
    chatty process never blocks on a full pipe) is printed, which pytest shows on failure."""
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=app, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        print(f"--- {log.name} ---\n{log.read_text(errors='replace')[-4000:]}")


def get(url: str) -> tuple[int, bytes]:
    """GET as a client behind the TLS proxy would (production settings redirect plain HTTP)."""
    assert url.startswith("http://127.0.0.1:"), url  # only the gunicorn this test started
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def answers(url: str, process: subprocess.Popen[bytes]) -> bool:
    assert process.poll() is None, "the web server exited (its log is below)"
    try:
        return get(url)[0] == 200
    except OSError:
        return False


# --- The round trip ----------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_image_packages_serve_pages_and_run_a_queued_import(
    runtime_venv: Path, openalex: OpenAlexFakeServer, tmp_path: Path
) -> None:
    openalex.add_entity(oa.author("A5000000700", "Rita Runtime", works_count=1))
    rita = oa.authorship("A5000000700", "Rita Runtime", position="first")
    openalex.add_entity(oa.work("W700", "Installed paper", [rita]))
    app = image_copy(tmp_path / "app")
    python, bin_dir = str(runtime_venv / "bin" / "python"), runtime_venv / "bin"
    queue = f"{SESSION_TAG}-runtime-{uuid.uuid4().hex[:8]}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    dropped = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    env = {
        **{k: v for k, v in production_env().items() if k not in dropped},
        "ALLOWED_HOSTS": "127.0.0.1",
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "OPENALEX_URL": openalex.url,
        "OPENALEX_MAX_RETRIES": "3",
        "OPENALEX_BACKOFF": "0.01",
    }

    run_in(app, env, python, "-m", "pip", "check", "--disable-pip-version-check")
    # The Dockerfile's build step (compressed, hashed static files), then compose's web start.
    run_in(app, env, python, "manage.py", "collectstatic", "--noinput")
    run_in(app, env, python, "manage.py", "migrate", "--check", "--noinput")

    gunicorn = [str(bin_dir / "gunicorn"), "bzpeer.wsgi:application", "--bind", f"127.0.0.1:{port}",
                "--workers", "1", "--no-control-socket", "--access-logfile", "-"]
    worker = [str(bin_dir / "celery"), "-A", "bzpeer", "worker", "--loglevel=INFO", "--concurrency=1",
              "-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat"]
    with (
        running(app, env, tmp_path / "gunicorn.log", *gunicorn) as web,
        running(app, env, tmp_path / "worker.log", *worker),
    ):
        wait_for(lambda: answers(f"{base}/healthz", web), timeout=60)
        assert get(f"{base}/healthz") == (200, b"ok\n")

        # Queued by the product's own command in the runtime venv: the path that needs kombu's
        # Redis transport (and so `packaging`) on the sending side.
        output = run_in(app, env, python, "manage.py", "import_author", "--queue", "A5000000700")
        queued = re.search(r"queued import job (\d+)", output)
        assert queued, output
        job = ImportJob.objects.get(pk=int(queued.group(1)))
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).is_finished, timeout=120)
        job.refresh_from_db()
        assert job.status == ImportJob.Status.DONE, job.error
        assert job.researcher == Researcher.objects.get(openalex_id="A5000000700")
        assert job.works_written == 1

        status, page = get(f"{base}/researchers/A5000000700/")
        assert status == 200 and b"Rita Runtime" in page and b"Installed paper" in page
        # collectstatic's hashed name, served by WhiteNoise from the copy's staticfiles/.
        stylesheet = re.search(rb'href="(/static/css/app\.[0-9a-f]{12}\.css)"', page)
        assert stylesheet, "the profile page links no hashed app.css"
        status, css = get(base + stylesheet.group(1).decode())
        assert status == 200 and css == (REPO / "static" / "css" / "app.css").read_bytes()
