"""sitemap.xml and robots.txt: what search engines may crawl, and every public page for them
(Django's sitemaps framework).

``/sitemap.xml`` is a sitemap index (https://www.sitemaps.org/protocol.html#index) naming the
pages of four sections, ``/sitemap-<section>.xml?p=<n>``: researchers (imported records: no
co-author stubs, no deleted records), works (those some imported profile lists: a work every
imported author of which hid it is left out), topics and institutions. A page holds the rows
whose primary keys fall in one range of :attr:`PagedSitemap.limit` (50,000, the protocol's
most), so that no page needs a count or an offset over a whole table: the index lists the
ranges that hold rows, a page reads its range through the primary key. Every URL is absolute
under ``SITE_URL`` (bzpeer.http.absolute_url), never from the request's ``Host``.

The index and each page are kept in the cache for :data:`SITEMAP_SECONDS` (a works page of
50,000 URLs takes about 0.65 s to build at 1M works, the index 0.2 s; crawlers read them a few
times a day, and an hour-old sitemap misses nothing a crawler would not find an hour later).
Without Redis they are built on each request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from django.contrib.sitemaps import Sitemap
from django.core.cache import cache
from django.core.paginator import EmptyPage
from django.db.models import DateTimeField, Exists, F, OuterRef, QuerySet, Value
from django.http import Http404, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe

from bzpeer.http import HtmxRequest, absolute_url, whole_number
from profiles.models import Institution, Researcher, Topic
from works.models import Authorship, HiddenWork, Work

Item = tuple[str, datetime | None]  # (OpenAlex id, last modified)


class IdRangePage:
    def __init__(self, object_list: list[Item]) -> None:
        self.object_list = object_list


class IdRangePaginator:
    """Page ``n`` holds the rows with ``(n - 1) * limit < id <= n * limit``: 1 query a page,
    through the primary key. A page with no rows is :class:`EmptyPage` (404)."""

    def __init__(self, items: QuerySet[Any], limit: int) -> None:
        self.items = items
        self.limit = limit

    def page(self, number: int) -> IdRangePage:
        start = (number - 1) * self.limit
        rows = list(self.items.filter(pk__gt=start, pk__lte=start + self.limit).order_by("pk"))
        if not rows:
            raise EmptyPage("No rows in this range")
        return IdRangePage(rows)


class PagedSitemap(Sitemap):
    """A section: ``items`` gives ``(openalex_id, lastmod)`` rows of the model ``view``'s
    pages show; URLs are ``view``'s for each id, under ``SITE_URL``."""

    limit = 50_000
    view = ""
    # Set, so that the framework reads them without an AttributeError per URL.
    priority = None
    changefreq = None

    def items(self) -> QuerySet[Any]:  # type: ignore[override]
        raise NotImplementedError

    def ranges_items(self) -> QuerySet[Any]:
        """The rows whose id ranges the index lists (the items unless reading them is costly)."""
        return self.items()

    def page_numbers(self) -> list[int]:
        """The pages that hold rows (1 query: the distinct id ranges, from the primary key)."""
        buckets = (
            self.ranges_items()
            .order_by()
            .annotate(bucket=(F("pk") - 1) / self.limit)
            .values_list("bucket", flat=True)
            .distinct()
        )
        return sorted(bucket + 1 for bucket in buckets)

    @property
    def paginator(self) -> IdRangePaginator:  # type: ignore[override]
        return IdRangePaginator(self.items(), self.limit)

    def get_protocol(self, protocol: str | None = None) -> str:
        return absolute_url("/").partition("://")[0]

    def get_domain(self, site: Any = None) -> str:
        return absolute_url("/").partition("://")[2].rstrip("/")

    def location(self, item: Item) -> str:  # type: ignore[override]
        # One reverse for the section, not one per URL (50,000 a page).
        prefix = getattr(self, "_prefix", None)
        if prefix is None:
            prefix = self._prefix = reverse(self.view, args=["ID"]).removesuffix("ID/")
        return f"{prefix}{item[0]}/"

    def lastmod(self, item: Item) -> datetime | None:
        return item[1]


class ResearcherSitemap(PagedSitemap):
    view = "pages:detail"

    def items(self) -> QuerySet[Any]:  # type: ignore[override]
        return Researcher.objects.filter(record_status=Researcher.RecordStatus.IMPORTED).values_list(
            "openalex_id", "imported_at"
        )


class WorkSitemap(PagedSitemap):
    view = "pages:work"

    def items(self) -> QuerySet[Any]:  # type: ignore[override]
        listed = Authorship.objects.filter(
            work_id=OuterRef("pk"), researcher__record_status=Researcher.RecordStatus.IMPORTED
        ).exclude(
            Exists(HiddenWork.objects.filter(researcher_id=OuterRef("researcher_id"), work_id=OuterRef("work_id")))
        )
        return Work.objects.filter(Exists(listed)).values_list("openalex_id", "imported_at")

    def ranges_items(self) -> QuerySet[Any]:
        # Every work's range, read from the primary key alone: telling listed works would cost
        # a join over every authorship. A range whose works are all unlisted is a 404 page.
        return Work.objects.all()


class TopicSitemap(PagedSitemap):
    view = "pages:topic"

    def items(self) -> QuerySet[Any]:  # type: ignore[override]
        # Topics carry no timestamp: no lastmod.
        return Topic.objects.values_list("openalex_id", Value(None, output_field=DateTimeField()))


class InstitutionSitemap(PagedSitemap):
    view = "pages:institution"

    def items(self) -> QuerySet[Any]:  # type: ignore[override]
        return Institution.objects.values_list("openalex_id", "openalex_updated")


SITEMAPS: dict[str, type[PagedSitemap]] = {
    "researchers": ResearcherSitemap,
    "works": WorkSitemap,
    "topics": TopicSitemap,
    "institutions": InstitutionSitemap,
}

_XML = "application/xml; charset=utf-8"
SITEMAP_SECONDS = 3600
_GENERATION_KEY = "sitemap:generation"


def _cached_xml(name: str, build: Callable[[], str]) -> str:
    """``build()``, kept in the cache under ``name`` for :data:`SITEMAP_SECONDS`. The key
    carries the current generation, so :func:`forget_cached` drops every page at once."""
    generation = cache.get_or_set(_GENERATION_KEY, 1, timeout=None)
    key = f"sitemap:{generation}:{name}"
    body = cache.get(key)
    if body is None:
        body = build()
        cache.set(key, body, SITEMAP_SECONDS)
    return str(body)


def forget_cached() -> None:
    """Drop every cached sitemap page (a new generation; the old keys expire)."""
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:  # no generation yet
        cache.set(_GENERATION_KEY, 1, timeout=None)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _no_index(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex"  # the sitemap is for crawlers, not a result
    return response


@require_safe
def sitemap_index(request: HtmxRequest) -> HttpResponse:
    """The sitemap index: every page of every section. 4 queries (a page list per section),
    none while cached."""

    def build() -> str:
        # What Django's sitemap_index.xml reads of each entry (no lastmod: it would cost a query).
        entries = [
            {"location": absolute_url(reverse("pages:sitemap", args=[section])) + ("" if n == 1 else f"?p={n}")}
            for section, sitemap in SITEMAPS.items()
            for n in sitemap().page_numbers()
        ]
        return render_to_string("sitemap_index.xml", {"sitemaps": entries})

    return _no_index(HttpResponse(_cached_xml("index", build), content_type=_XML))


@require_safe
def sitemap_section(request: HtmxRequest, section: str) -> HttpResponse:
    """One page of a section (``?p=``, from 1). 1 query, none while cached; 404 for an unknown
    section, a page that is no number, or a page with no rows."""
    sitemap_class = SITEMAPS.get(section)
    page = whole_number(request.GET.get("p", "1"), maximum=2**31)
    if sitemap_class is None or page is None or page < 1:
        raise Http404("No such sitemap page")
    try:
        body = _cached_xml(f"{section}:{page}", lambda: urlset_xml(sitemap_class().get_urls(page=page)))
    except EmptyPage as empty:
        raise Http404("No such sitemap page") from empty
    return _no_index(HttpResponse(body, content_type=_XML))


def urlset_xml(urls: list[dict[str, Any]]) -> str:
    """What Django's ``sitemap.xml`` template renders (``loc`` and ``lastmod``; we set no
    priority or change frequency), written directly: the template took about 100 µs a URL,
    5 s for a page of 50,000."""
    lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">']
    for url in urls:
        lastmod = f"<lastmod>{url['lastmod']:%Y-%m-%d}</lastmod>" if url["lastmod"] else ""
        lines.append(f"<url><loc>{xml_escape(url['location'])}</loc>{lastmod}</url>")
    lines.append("</urlset>\n")
    return "\n".join(lines)


ROBOTS_DISALLOW = [
    # Accounts, staff and private pages: nothing for an index, and no crawler signs in.
    "/accounts/",
    "/admin/",
    "/moderation/",
    "/imports/",
    "/claims/",
    "/following/",
    "/invitations/",
    "/conversations/",
    "/reports/",
    "/notices/",
    # A profile's owner and claim pages, its collaboration card and invitation form.
    "/researchers/*/claim/",
    "/researchers/*/edit/",
    "/researchers/*/history/",
    "/researchers/*/collaboration/",
    "/researchers/*/invite/",
    # Fragments and data the profile loads (each has a page of its own or none).
    "/researchers/*/graph-slice/",
    "/researchers/*/graph/expand/",
    # Citation exports: the works' own pages say the same.
    "/researchers/*/works.",
    "/works/*/export.",
]


@require_safe
def robots_txt(request: HtmxRequest) -> HttpResponse:
    """robots.txt: every public page may be crawled but the paths of :data:`ROBOTS_DISALLOW`;
    the sitemap index by its absolute URL. No query."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), "Allow: /", ""]
    lines.append(f"Sitemap: {absolute_url(reverse('pages:sitemap_index'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
