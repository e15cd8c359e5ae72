"""`make audit`: Lighthouse's four scores for the demo's main pages, anonymous and signed in.

Run with the project's virtualenv: `.venv/bin/python scripts/audit.py [--url URL]`.

* The server: ``--url`` (default http://127.0.0.1:8000) when it answers, e.g. a running
  `make demo`; otherwise this script starts `scripts/demo.py` itself, waits for the URL it
  prints, audits it and stops it again (Ctrl-C as a person would).
* The pages: home, the seed researcher's profile, one of its works (the first work linked from
  the profile) and its trust page; each once anonymously and once signed in as the demo's staff
  user (a session from the log-in form, sent to Lighthouse as a Cookie header).
* Lighthouse: npm's ``lighthouse`` (package.json, installed by `npm ci`) driving Debian's
  Chromium (``CHROME_PATH``, default /usr/bin/chromium) headless, with its default mobile
  emulation and simulated throttling. Nothing is fetched from outside: the pages are ours.

Prints one line per page with the Performance, Accessibility, Best Practices and SEO scores
(0-100; the target is 100 each) and exits 1 when Lighthouse could not run. README's "Page
checks" section shows the last figures.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LIGHTHOUSE = REPO / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
SEED = "A5990000001"  # the demo's seed researcher (demo/openalex/demo-authors.txt)
START_TIMEOUT = 900.0  # seconds for `make demo` to import the demo data and serve


def demo_constants() -> tuple[str, str]:
    """The demo staff user's email and password, from scripts/demo.py (one place for both)."""
    spec = importlib.util.spec_from_file_location("demo_script", REPO / "scripts" / "demo.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.STAFF_EMAIL, module.STAFF_PASSWORD


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (http(s), checked in main)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_demo() -> tuple[subprocess.Popen[str], str]:
    """`scripts/demo.py` in the background, and the base URL it prints once it serves."""
    demo = subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "demo.py")],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # our Ctrl-C reaches it only through stop_demo
    )
    found: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert demo.stdout
        for line in demo.stdout:
            if not found:  # its progress until it serves, and why it stopped if it did
                print(f"demo| {line}", end="", flush=True)
            match = re.search(r"BZPEER demo:\s+(http://\S+?)/?$", line.rstrip())
            if match and not found:
                found.append(match.group(1))
                ready.set()
        ready.set()  # the demo ended

    threading.Thread(target=read, daemon=True).start()
    print("audit: no server answers; starting `make demo` (imports the demo data first)", flush=True)
    if not ready.wait(START_TIMEOUT) or not found:
        stop_demo(demo)
        raise SystemExit("audit: the demo did not start; run `make demo` to see why")
    return demo, found[0]


def stop_demo(demo: subprocess.Popen[str]) -> None:
    if demo.poll() is None:
        demo.send_signal(signal.SIGINT)  # the demo stops its children and services on Ctrl-C
        try:
            demo.wait(60)
        except subprocess.TimeoutExpired:
            demo.kill()


def session_cookie(base: str, email: str, password: str) -> str:
    """A ``Cookie`` header value of a signed-in session, through the log-in form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/accounts/login/", timeout=30) as response:
        form = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    if token is None:
        raise SystemExit("audit: the log-in page has no CSRF token")
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "login": email, "password": password}
    ).encode()
    login = f"{base}/accounts/login/"
    request = urllib.request.Request(login, data=data, headers={"Referer": login})  # noqa: S310 (http(s))
    with opener.open(request, timeout=30):
        pass
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise SystemExit(f"audit: could not log in as {email} (is this the demo's database?)")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def first_work(base: str) -> str:
    with urllib.request.urlopen(f"{base}/researchers/{SEED}/", timeout=30) as response:  # noqa: S310 (http(s))
        html = response.read().decode()
    work = re.search(r'href="(/works/W\d+/)"', html)
    if work is None:
        raise SystemExit(f"audit: the profile of {SEED} links no work")
    return work.group(1)


def lighthouse(url: str, cookie: str | None) -> tuple[dict[str, int], list[str]]:
    """Lighthouse's four category scores (0-100) for ``url``, and the audits that cost points."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        "--chrome-flags=--headless --no-sandbox --disable-gpu",
        f"--only-categories={','.join(CATEGORIES)}",
    ]
    if cookie:
        command.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    finished = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    if finished.returncode != 0:
        raise SystemExit(f"audit: lighthouse failed on {url}:\n{finished.stderr[-2000:]}")
    report = json.loads(finished.stdout)
    scores = {name: round(100 * (report["categories"][name]["score"] or 0)) for name in CATEGORIES}
    # What cost points where a score is below 100: the weighted audits that did not pass.
    missed = sorted(
        {
            ref["id"]
            for name in CATEGORIES
            if scores[name] < 100
            for ref in report["categories"][name]["auditRefs"]
            if ref.get("weight") and (report["audits"][ref["id"]].get("score") or 0) < 1
            and report["audits"][ref["id"]].get("scoreDisplayMode") in ("binary", "numeric")
        }
    )
    return scores, missed


def main() -> int:
    parser = argparse.ArgumentParser(description="Lighthouse scores of the demo's main pages.")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="a running demo (else one is started)")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        print("audit: lighthouse is not installed (`npm ci` installs it from package.json)", file=sys.stderr)
        return 1
    base = args.url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        print(f"audit: --url must be an http(s) URL, not {args.url!r}", file=sys.stderr)
        return 2
    demo = None
    if not answers(f"{base}/"):
        demo, base = start_demo()
    try:
        email, password = demo_constants()
        cookie = session_cookie(base, email, password)
        pages = {
            "home": "/",
            "profile": f"/researchers/{SEED}/",
            "work": first_work(base),
            "trust": f"/researchers/{SEED}/trust/",
        }
        print(f"Lighthouse {CATEGORIES} on {base}")
        print(f"{'page':<10} {'visitor':<10} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5}  path")
        for name, path in pages.items():
            for visitor, sent in (("anonymous", None), ("signed in", cookie)):
                scores, missed = lighthouse(base + path, sent)
                print(
                    f"{name:<10} {visitor:<10} " + " ".join(f"{scores[c]:>5}" for c in CATEGORIES) + f"  {path}"
                    + (f"  (short of 100: {', '.join(missed)})" if missed else ""),
                    flush=True,
                )
    finally:
        if demo is not None:
            stop_demo(demo)
    return 0


if __name__ == "__main__":
    sys.exit(main())
