"""Playwright with Debian's Chromium (research/stack-notes.md §6), against pytest-django's
live server. One browser per session (pytest-playwright's ``browser``); a fresh context and
page per test.

Fixtures:

* ``demo_site``: the live server with the demo OpenAlex data imported through the real
  importer (``import_openalex demo/openalex --followups=now``) and trust computed when the
  ``recompute_trust`` command exists. Celery runs tasks eagerly here, so a follow's trust
  recompute happens inside the request instead of piling up on the broker.
* ``console_errors``: console errors and uncaught page errors of ``page``, for "no errors".
* ``log_in(user)``: a signed-in session cookie for ``page`` (no login form round trip).
* ``axe_violations(page)``: axe-core's serious and critical violations on the current page.
* ``csp_violations(page)``: Content-Security-Policy violations the page reported, from its first
  script on (``securitypolicyviolation`` events, which the console errors repeat).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.core.management import call_command, get_commands
from django.test import Client

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
DEMO = Path(settings.BASE_DIR) / "demo" / "openalex"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (`make chromium` installs Debian's package)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _close_contexts(request: pytest.FixtureRequest) -> Iterator[None]:
    """Close every browser context a test opened once it ends. A page left open keeps polling
    (conversations poll every few seconds) the live server, which outlives the test: its requests
    then fail on the closed test database, and the tracebacks they print run ``ast.parse`` on the
    server's thread while another test may be parsing too, which CPython 3.11 does not survive
    (shared AST state, python/cpython#106905: "AST constructor recursion depth mismatch")."""
    yield
    if "browser" in request.fixturenames:
        for context in request.getfixturevalue("browser").contexts:
            context.close()


@pytest.fixture
def demo_site(live_server, transactional_db, monkeypatch) -> Any:
    """The live server, its database holding the demo dataset."""
    from django.db import connections

    from bzpeer.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    # The live server answers each request on a thread of its own: with persistent
    # connections those threads would leave sessions open on the test database after the run.
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    call_command("import_openalex", str(DEMO), "--followups=now", stdout=open(os.devnull, "w"))  # noqa: SIM115
    if "recompute_trust" in get_commands():
        call_command("recompute_trust", "--all", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return live_server


@pytest.fixture
def console_errors(page) -> Iterator[list[str]]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield errors


@pytest.fixture
def log_in(page, live_server) -> Callable[[Any], None]:
    def log_in_as(user: Any) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )

    return log_in_as


@pytest.fixture(scope="session")
def axe_violations() -> Callable[[Any], list[dict[str, Any]]]:
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed at {AXE} (`make axe` runs npm ci)")
    source = AXE.read_text()

    def run(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
        # The Content-Security-Policy refuses inline script, so axe arrives as a script of the
        # page's own origin, answered by the browser's request routing, not by the site.
        url = urljoin(page.url, "/__test-assets__/axe.min.js")
        page.route(url, lambda route: route.fulfill(body=source, content_type="text/javascript"))
        page.add_script_tag(url=url)
        violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["html"] for n in v["nodes"][:3]]}
            for v in violations
            if v["impact"] in impacts
        ]

    return run


@pytest.fixture
def csp_violations(page) -> list[str]:
    """What the browser refused under the Content-Security-Policy, for "no violations": each
    ``securitypolicyviolation`` event of every document the page loads, as "directive blocked-uri
    sample" (the current document's are also in ``window.cspViolations``)."""
    violations: list[str] = []

    def report(text: str) -> None:
        violations.append(text)

    page.expose_function("reportCspViolation", report)
    page.add_init_script(
        """window.cspViolations = [];
           document.addEventListener("securitypolicyviolation", (event) => {
             const text = `${event.effectiveDirective} ${event.blockedURI} ${event.sample}`;
             window.cspViolations.push(text);
             window.reportCspViolation(text);
           });"""
    )
    return violations
