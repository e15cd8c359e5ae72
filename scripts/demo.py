"""`make demo`: the whole BZPEER stack on this machine, with the demo data imported.

Run with the project's virtualenv: `.venv/bin/python scripts/demo.py [--no-import] [--port N]`.

1. Services: DATABASE_URL / REDIS_URL from the environment when set, else the project-local
   PostgreSQL and Redis of scripts/localservices.py (started, or reused when already up).
2. `manage.py migrate` and `collectstatic`.
3. The fake OpenAlex server (`python -m openalex_fake demo/openalex`, what `manage.py
   serve_openalex` also runs, without Django's start-up) on a free port, then
   `manage.py import_author <id>...` with every id in demo/openalex/demo-authors.txt
   (one per line, `#` comments) over real HTTP (OPENALEX_URL points at it), then
   `import_openalex demo/openalex/merged_ids` (so the demo's merged ids redirect like real
   ones), then `recompute_trust --all` when that command exists. Missing pieces stop the demo with a
   clear message; nothing is skipped silently.
4. A demo staff user (created once; its email and password are printed).
5. gunicorn (2 workers), a Celery worker and Celery beat, all with DEBUG=1, the console email
   backend, the same OPENALEX_URL, SITE_URL set to the very URL the banner prints (links in
   emails land on the server that sent them) and DEMO_MODE=1 when the demo data was imported
   (every page says the data is illustrative); their output is shown prefixed with their name.

Ctrl-C (or SIGTERM) stops every child process and the local services this run started
(services that were already running are left running). Exit status: 0 after Ctrl-C, 1 when
a step failed or a process died.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
import localservices  # noqa: E402  (a sibling script, not an installed package)

MANAGE = [sys.executable, str(REPO / "manage.py")]
DEMO_DATA = REPO / "demo" / "openalex"
DEMO_AUTHORS = DEMO_DATA / "demo-authors.txt"
DEMO_MERGED_IDS = DEMO_DATA / "merged_ids"
STAFF_EMAIL = "staff@example.org"
# A fixed password for a server bound to 127.0.0.1 with demo data only, so that it can be
# printed again on every run.
STAFF_PASSWORD = "bzpeer-demo"  # noqa: S105
OPENALEX_PORT = 8765
WEB_PORT = 8000
STOP_TIMEOUT = 15.0
FEATURED = 6  # demo authors the home page features

CREATE_STAFF = f"""
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
User = get_user_model()
user = User.objects.filter(email__iexact={STAFF_EMAIL!r}).first()
if user is None:
    user = User.objects.create_superuser("demo-staff", {STAFF_EMAIL!r}, {STAFF_PASSWORD!r})
    print("created")
else:
    print("exists")
EmailAddress.objects.update_or_create(
    user=user, email={STAFF_EMAIL!r}, defaults={{"verified": True, "primary": True}}
)
"""


class SafeStream:
    """Output that survives a closed reader: after Ctrl-C on `make demo | tee log`, tee is
    gone, and a BrokenPipeError from a progress line must not cut the clean-up short."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except (OSError, ValueError):
            return len(text)

    def flush(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.stream.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


class DemoError(RuntimeError):
    """A step failed; the message says which and why."""


class Stop(Exception):
    """SIGINT or SIGTERM arrived."""


def on_signal(signum: int, _frame: object) -> None:
    raise Stop(signal.Signals(signum).name)


def banner(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def pump(name: str, stream: IO[str]) -> None:
    """Copy a child's output to ours, each line prefixed with the child's name."""
    for line in stream:
        sys.stdout.write(f"{name:>8} | {line}")
        sys.stdout.flush()


class Demo:
    def __init__(self, layout: localservices.Layout) -> None:
        self.layout = layout
        self.env = dict(os.environ)
        self.children: list[tuple[str, subprocess.Popen[str]]] = []
        self.started_services: list[str] = []
        self.featured: list[str] = []  # the first demo authors (the seed first), once imported

    # --- processes --------------------------------------------------------------------------

    def step(self, title: str, argv: list[str]) -> None:
        """Run a command to completion in the foreground; raise DemoError if it fails."""
        banner(title)
        # Own session: Ctrl-C reaches only this script, which then stops the step itself.
        proc = subprocess.Popen(argv, cwd=REPO, env=self.env, start_new_session=True)
        try:
            code = proc.wait()
        except BaseException:
            self.terminate("step", proc)
            raise
        if code != 0:
            raise DemoError(f"{title} failed (exit {code}): {' '.join(argv[1:])}")

    def spawn(self, name: str, argv: list[str]) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            argv, cwd=REPO, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1, start_new_session=True,
        )
        assert proc.stdout is not None
        threading.Thread(target=pump, args=(name, proc.stdout), daemon=True).start()
        self.children.append((name, proc))
        return proc

    @staticmethod
    def terminate(name: str, proc: subprocess.Popen[Any]) -> None:
        """SIGTERM the child's whole process group (gunicorn and celery fork), then SIGKILL."""
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop within {STOP_TIMEOUT:.0f}s; killing it", flush=True)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass

    def shutdown(self) -> None:
        # Signals during cleanup must not cut it short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if self.children:
            banner("stopping " + ", ".join(name for name, _ in reversed(self.children)))
        for name, proc in reversed(self.children):
            self.terminate(name, proc)
        if self.started_services:
            banner("stopping the local services this run started")
            localservices.stop(self.layout, self.started_services)

    def wait_for_port(self, name: str, proc: subprocess.Popen[str], port: int) -> None:
        deadline = time.monotonic() + 60
        while not localservices.port_answers(port):
            if proc.poll() is not None:
                raise DemoError(f"{name} exited (code {proc.returncode}) before listening "
                                f"on port {port}; its output is above")
            if time.monotonic() > deadline:
                raise DemoError(f"{name} did not answer on 127.0.0.1:{port} within 60s")
            time.sleep(0.2)

    # --- steps ------------------------------------------------------------------------------

    def services(self) -> None:
        banner("services")
        needed = localservices.selected([], skip_configured=True)
        if needed:
            try:
                started = localservices.start(self.layout, needed)
            except localservices.ServiceError as exc:
                raise DemoError(str(exc)) from None
            self.started_services = [name for name, now in started.items() if now]
            urls = localservices.service_urls(self.layout)
            for name in needed:
                self.env[localservices.URL_VARS[name]] = str(urls[name])
        print(f"DATABASE_URL={self.env['DATABASE_URL']}\nREDIS_URL={self.env['REDIS_URL']}")

    def management_commands(self) -> set[str]:
        out = subprocess.run(
            [*MANAGE, "shell", "-c",
             "from django.core.management import get_commands; print(*get_commands())"],
            cwd=REPO, env=self.env, capture_output=True, text=True, check=False,
        )
        if out.returncode != 0:
            raise DemoError(f"could not list the management commands:\n{out.stderr}")
        return set(out.stdout.split())

    def demo_authors(self) -> list[str]:
        ids = []
        for line in DEMO_AUTHORS.read_text().splitlines():
            value = line.split("#", 1)[0].strip()
            if value:
                ids.append(value)
        if not ids:
            raise DemoError(f"{DEMO_AUTHORS.relative_to(REPO)} lists no author")
        return ids

    def import_demo_data(self) -> None:
        commands = self.management_commands()
        missing = [f"manage.py {c}" for c in ("import_author",) if c not in commands]
        missing += [str(p.relative_to(REPO)) for p in (DEMO_DATA, DEMO_AUTHORS) if not p.exists()]
        if missing:
            raise DemoError(
                "the demo import needs " + ", ".join(missing) + ", which this checkout does "
                "not have yet. `.venv/bin/python scripts/demo.py --no-import` starts the "
                "stack without demo data."
            )
        authors = self.demo_authors()
        port = localservices.pick_port(OPENALEX_PORT)
        banner(f"fake OpenAlex server (openalex_fake) on 127.0.0.1:{port}")
        server = self.spawn("openalex", [sys.executable, "-m", "openalex_fake", str(DEMO_DATA),
                                         "--host", "127.0.0.1", "--port", str(port), "--quiet"])
        self.wait_for_port("openalex_fake", server, port)
        self.env["OPENALEX_URL"] = f"http://127.0.0.1:{port}"
        began = time.monotonic()
        # One process for all authors: each still gets its own import job and transactions,
        # without paying Django's start-up per author.
        self.step(f"import_author: {len(authors)} authors from "
                  f"{DEMO_AUTHORS.relative_to(REPO)}", [*MANAGE, "import_author", *authors])
        print(f"imported {len(authors)} authors in {time.monotonic() - began:.1f}s")
        # The authors' records name no merged id: OpenAlex publishes them apart, so the demo's
        # merged ids answer 404 on BZPEER until their file is imported too.
        self.step(f"import_openalex {DEMO_MERGED_IDS.relative_to(REPO)}",
                  [*MANAGE, "import_openalex", str(DEMO_MERGED_IDS)])
        self.featured = authors[:FEATURED]
        if "recompute_trust" in commands:
            self.step("recompute_trust --all", [*MANAGE, "recompute_trust", "--all"])
        else:
            print("(manage.py recompute_trust does not exist yet; trust scores not computed)")

    def staff_user(self) -> None:
        banner("demo staff user")
        out = subprocess.run([*MANAGE, "shell", "-c", CREATE_STAFF], cwd=REPO, env=self.env,
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise DemoError(f"could not create the demo staff user:\n{out.stderr}")
        state = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "?"
        note = "created" if state == "created" else "already existed; password as first set"
        print(f"{STAFF_EMAIL} / {STAFF_PASSWORD} ({note})")

    def check_static(self, base: str) -> None:
        url = f"{base}/static/css/app.css"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (own server)
                ok = response.status == 200
        except (urllib.error.URLError, OSError):
            ok = False
        if not ok:
            raise DemoError(f"{url} is not served: static files do not work under gunicorn")

    def run(self, with_import: bool, web_port: int) -> None:
        self.env.update(
            DEBUG="1",
            EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
            PYTHONUNBUFFERED="1",
        )
        self.services()
        self.step("migrate", [*MANAGE, "migrate", "--noinput"])
        self.step("collectstatic", [*MANAGE, "collectstatic", "--noinput", "-v", "0"])
        if with_import:
            self.import_demo_data()
        else:
            print("\n(--no-import: the demo data is not imported)")
        self.staff_user()

        port = localservices.pick_port(web_port)
        base = f"http://127.0.0.1:{port}"
        self.env.update(web_settings(base, featured=self.featured if with_import else None))
        banner(f"web (gunicorn) on 127.0.0.1:{port}, Celery worker and beat")
        web = self.spawn("web", [sys.executable, "-m", "gunicorn", "bzpeer.wsgi",
                                 "--workers", "2", "--bind", f"127.0.0.1:{port}",
                                 # gunicorn 27 would otherwise open a control socket in ~.
                                 "--no-control-socket", "--access-logfile", "-"])
        self.spawn("worker", [sys.executable, "-m", "celery", "-A", "bzpeer", "worker",
                              "--loglevel=INFO", "--concurrency=2"])
        self.layout.data_dir.mkdir(parents=True, exist_ok=True)
        self.spawn("beat", [sys.executable, "-m", "celery", "-A", "bzpeer", "beat",
                            "--loglevel=INFO",
                            "--schedule", str(self.layout.data_dir / "celerybeat-schedule")])
        self.wait_for_port("gunicorn", web, port)
        self.check_static(base)
        print(banner_text(base, self.env.get("OPENALEX_URL", "(default)"), next(iter(self.featured), None),
                          bool(self.started_services)), flush=True)
        self.supervise()

    def supervise(self) -> None:
        while True:
            for name, proc in self.children:
                if proc.poll() is not None:
                    raise DemoError(f"{name} exited unexpectedly (code {proc.returncode}); "
                                    "its output is above")
            time.sleep(0.5)


def web_settings(base: str, *, featured: list[str] | None) -> dict[str, str]:
    """The settings web, worker and beat get beyond the ones every step has. SITE_URL is the
    URL the banner prints, whatever the environment said: every absolute link (emails,
    canonical links) must reach this server, on this host, or the visitor lands signed out.
    With the demo data imported (``featured`` its first authors, else None): DEMO_MODE (the
    notice that the data is illustrative) and FEATURED_RESEARCHERS (the home page)."""
    return {
        "SITE_URL": base,
        "DEMO_MODE": "1" if featured is not None else "0",
        "FEATURED_RESEARCHERS": ",".join(featured or []),
    }


def banner_text(base: str, openalex_url: str, seed_author: str | None, started_services: bool) -> str:
    """What the demo prints once everything serves: where to go, one profile to start from."""
    lines = [f"  BZPEER demo:   {base}/"]
    if seed_author:
        lines.append(f"  a profile:     {base}/researchers/{seed_author}/   (the demo's seed researcher)")
    lines += [
        f"  staff login:   {STAFF_EMAIL} / {STAFF_PASSWORD}   ({base}/accounts/login/)",
        f"  imports page:  {base}/imports/",
        f"  OpenAlex:      {openalex_url}",
        "  e-mails are printed below: account ones (sign-up) by 'web', claim ones by 'worker';",
        "  their links use this URL.",
        "  Ctrl-C stops web, worker, beat, the OpenAlex server"
        f"{' and the local services' if started_services else ''}.",
    ]
    rule = "=" * 72
    return "\n".join(["", rule, *lines, rule, ""])


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the BZPEER demo stack.")
    parser.add_argument("--no-import", action="store_true",
                        help="start the stack without importing the demo data")
    parser.add_argument("--port", type=int, default=WEB_PORT,
                        help=f"web port (default {WEB_PORT}, the next free one when taken)")
    args = parser.parse_args()
    sys.stdout = SafeStream(sys.stdout)  # type: ignore[assignment]
    sys.stderr = SafeStream(sys.stderr)  # type: ignore[assignment]
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    layout = localservices.Layout(
        Path(os.environ.get("BZPEER_DATA_DIR", localservices.DEFAULT_DATA_DIR)).resolve()
    )
    demo = Demo(layout)
    try:
        demo.run(with_import=not args.no_import, web_port=args.port)
    except Stop as stop:
        print(f"\n{stop} received", flush=True)
        return 0
    except DemoError as exc:
        print(f"\ndemo: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        demo.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
