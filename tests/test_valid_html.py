"""Every page the site renders is valid HTML (issue 13, "Gates"): the Nu HTML checker
(``vnu-jar`` from npm, run on Debian's Java) finds no error in any of them.

The pages come from the route walker of tests/test_headers.py: every route of the URLconf,
through its sample URLs, as every role of the cast, and the fragment htmx swaps in where a page
has one (wrapped in a minimal document, since a fragment is no document). A route added later
without a sample fails tests/test_headers.py, so every new page joins this check. Django's admin
is not ours and is left out.

A JVM takes seconds to start: the walk writes every distinct page to a file and the checker
runs once on all of them.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

from tests.test_headers import Site, rendered_pages, site  # noqa: F401 (site is the fixture)

pytestmark = pytest.mark.django_db

VNU = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
FRAGMENT_DOCUMENT = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fragment</title></head>'
    "<body>{}</body></html>"
)


# The parent a fragment's elements are swapped into, by the first element's tag.
FRAGMENT_PARENT = {
    "li": ("<ul>", "</ul>"),
    "tr": ("<table><tbody>", "</tbody></table>"),
    "option": ("<select>", "</select>"),
}


class TopLevel(HTMLParser):
    """The top-level elements of a fragment: (tag, start offset, whether htmx swaps it out of band)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.elements: list[tuple[str, int, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0:
            oob = any(name in ("hx-swap-oob", "data-hx-swap-oob") for name, _ in attrs)
            line, column = self.getpos()
            self.elements.append((tag, self.position(line, column), oob))
        if tag not in self.VOID:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        self.depth = max(0, self.depth - 1)

    def feed_text(self, text: str) -> None:
        self.lines = [0]
        for line in text.splitlines(keepends=True):
            self.lines.append(self.lines[-1] + len(line))
        self.feed(text)
        self.close()

    def position(self, line: int, column: int) -> int:
        return self.lines[line - 1] + column


def as_document(html: str) -> str:
    """``html`` itself when it is a whole document, else the fragment in a minimal one: its
    elements inside the parent they are swapped into (an ``<li>`` in a list), its out-of-band
    elements (which htmx moves elsewhere) directly in the body."""
    if html.lstrip()[:15].lower() == "<!doctype html>":
        return html
    parser = TopLevel()
    parser.feed_text(html)
    bounds = [start for _, start, _ in parser.elements] + [len(html)]
    inline: list[str] = []
    out_of_band: list[str] = []
    for (_, start, oob), end in zip(parser.elements, bounds[1:], strict=True):
        (out_of_band if oob else inline).append(html[start:end])
    head = html[: bounds[0]]
    first = next((tag for tag, _, oob in parser.elements if not oob), "")
    opening, closing = FRAGMENT_PARENT.get(first, ("", ""))
    return FRAGMENT_DOCUMENT.format(head + opening + "".join(inline) + closing + "".join(out_of_band))


def nu_errors(files: list[Path]) -> dict[Path, list[str]]:
    """The Nu HTML checker's errors per file (one JVM for all of them): "line N: message"."""
    java = shutil.which("java")
    if java is None or not VNU.is_file():
        pytest.fail(
            "the Nu HTML checker needs Debian's Java runtime and vnu-jar "
            "(`make test` installs both: apt-get install default-jre-headless; npm ci)"
        )
    finished = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    # vnu exits 1 when it found errors; its report is JSON on stderr either way.
    report = json.loads(finished.stderr)
    errors: dict[Path, list[str]] = {}
    for message in report["messages"]:
        path = Path(message.get("url", "").removeprefix("file:"))
        errors.setdefault(path, []).append(f"line {message.get('lastLine', '?')}: {message['message']}")
    return errors


def test_every_page_is_valid_html(site: Site, tmp_path: Path) -> None:  # noqa: F811 (the fixture)
    pages: dict[Path, list[str]] = {}  # file -> the (role, URL)s that rendered it
    for role, url, response in rendered_pages(site):
        if url.startswith("/admin/"):
            continue  # Django's admin is not ours
        html = as_document(response.content.decode())
        path = tmp_path / f"{hashlib.sha256(html.encode()).hexdigest()[:16]}.html"
        path.write_text(html)
        pages.setdefault(path, []).append(f"{role} {url}")
    checked = {who.split(" ", 1)[1].split("?")[0] for names in pages.values() for who in names}
    searched = {who.split(" ", 1)[1] for names in pages.values() for who in names}
    assert {"/?q=example", "/?q=example (htmx)", "/?q=work&kind=works&page=2"} <= searched  # every kind of result
    a = site.record.openalex_id
    # The walk reached every kind of page, whole documents and fragments alike.
    for page in (
        "/",
        f"/researchers/{a}/",
        f"/researchers/{site.stub.openalex_id}/",
        f"/researchers/{site.gone.openalex_id if site.gone else ''}/",
        "/researchers/A5999999999/",
        f"/researchers/{a}/trust/",
        f"/researchers/{a}/trust/ (htmx)",
        f"/researchers/{a}/graph/",
        f"/researchers/{a}/graph-slice/",
        f"/researchers/{a}/coauthors/{site.colleague.openalex_id if site.colleague else ''}/",
        f"/researchers/{a}/coauthors/{a}/",
        f"/researchers/{a}/coauthors/",
        f"/researchers/{a}/coauthors/ (htmx)",
        f"/researchers/{a}/ (htmx)",
        f"/researchers/{a}/similar/",
        f"/researchers/{a}/similar/ (htmx)",
        f"/works/{site.work.openalex_id}/",
        f"/topics/{site.topic}/",
        f"/institutions/{site.institution}/",
        f"/researchers/{a}/claim/",
        f"/researchers/{a}/edit/",
        f"/researchers/{a}/history/",
        "/claims/",
        "/following/",
        "/following/ (htmx)",
        f"/following/unsubscribe/{site.unsubscribe_token}/",
        "/following/unsubscribe/forged/",
        "/moderation/",
        f"/moderation/claims/{site.claim.pk}/",
        f"/moderation/claims/{site.claim.pk}/message/",
        "/moderation/log/",
        f"/researchers/{a}/collaboration/",
        f"/researchers/{a}/collaboration/ (htmx)",
        f"/researchers/{a}/collaboration/policy/",
        f"/researchers/{a}/invite/",
        "/invitations/",
        f"/invitations/{site.collab['invitation']}/",
        f"/invitations/{site.collab['invitation']}/report/",
        "/conversations/",
        f"/conversations/{site.collab['conversation']}/",
        f"/conversations/{site.collab['conversation']}/report/",
        f"/reports/{site.collab['report']}/",
        f"/notices/unsubscribe/{site.collab['token']}/",
        "/moderation/reports/",
        f"/moderation/reports/{site.collab['report']}/",
        "/moderation/reports/log/",
        "/imports/",
        f"/imports/{site.job.pk}/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/password/reset/",
    ):
        assert page in checked, page
    errors = nu_errors(sorted(pages))
    report = [
        f"{', '.join(pages[path][:3])}{' …' if len(pages[path]) > 3 else ''}:\n    " + "\n    ".join(messages)
        for path, messages in sorted(errors.items())
    ]
    assert report == [], "the Nu HTML checker found errors:\n" + "\n".join(report)
