"""The OpenAlex API through pyalex, made safe to run unattended.

pyalex 0.21 hard-codes https://api.openalex.org, sets no request timeout, retries only on the
``https://`` mount and sends the API key as a header. ``configure()`` installs one session
factory (pyalex's own seam, ``pyalex.api._get_requests_session``) that:

- sends every request to ``settings.OPENALEX_URL`` (rewritten at the transport level, so the
  URLs, paging and parsing stay pyalex's own -- tests and the offline demo point it at the
  fake OpenAlex server of the openalex_fake package);
- applies a timeout to each request;
- retries 429 (honouring Retry-After, capped), 500/502/503/504, connection errors and read
  timeouts, with exponential backoff, ``settings.OPENALEX_MAX_RETRIES`` times;
- adds ``api_key`` as a query parameter (what OpenAlex documents) and ``mailto`` for the
  polite pool, besides pyalex's headers.

Errors are mapped to ``OpenAlexError`` with a sentence a person can act on; ``transient``
says whether trying again later may help.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import pyalex
import requests
from django.conf import settings
from pyalex import api as pyalex_api
from requests.adapters import HTTPAdapter
from urllib3.response import BaseHTTPResponse
from urllib3.util import Retry

logger = logging.getLogger(__name__)

PYALEX_BASE = "https://api.openalex.org"
RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_RETRY_AFTER_SECONDS = 60


class OpenAlexError(Exception):
    def __init__(self, message: str, *, transient: bool, status: int | None = None) -> None:
        super().__init__(message)
        self.transient = transient
        self.status = status


class NotFound(OpenAlexError):
    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False, status=404)


# Called about once a second while a request waits to be retried (see while_waiting).
_waiting_callback: ContextVar[Callable[[], None] | None] = ContextVar("openalex_waiting_callback", default=None)


@contextmanager
def while_waiting(callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback`` about once a second while a request made inside this block waits
    between retries (backoff, Retry-After): an import heartbeats its job there, since a run
    that OpenAlex makes wait for minutes is slow, not dead. ``callback`` must not raise."""
    token = _waiting_callback.set(callback)
    try:
        yield
    finally:
        _waiting_callback.reset(token)


def _wait(seconds: float) -> None:
    callback = _waiting_callback.get()
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, 1.0) if callback else left)
        if callback:
            callback()


class _CappedRetry(Retry):
    """Honour Retry-After, but never sleep longer than MAX_RETRY_AFTER_SECONDS at once; call
    the while_waiting callback while sleeping."""

    def get_retry_after(self, response: Any) -> float | None:
        seconds = super().get_retry_after(response)
        return None if seconds is None else min(seconds, MAX_RETRY_AFTER_SECONDS)

    def sleep(self, response: BaseHTTPResponse | None = None) -> None:
        # urllib3's own sleep, in slices: Retry-After when the answer has one, else backoff.
        retry_after = self.get_retry_after(response) if self.respect_retry_after_header and response else None
        _wait(retry_after or self.get_backoff_time())


class _OpenAlexAdapter(HTTPAdapter):
    def __init__(self, base_url: str, timeout: float, **kwargs: Any) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if request.url and request.url.startswith(PYALEX_BASE):
            request.url = self.base_url + request.url[len(PYALEX_BASE) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def _session() -> requests.Session:
    session = requests.Session()
    retry = _CappedRetry(
        total=settings.OPENALEX_MAX_RETRIES,
        connect=settings.OPENALEX_MAX_RETRIES,
        read=settings.OPENALEX_MAX_RETRIES,
        status=settings.OPENALEX_MAX_RETRIES,
        backoff_factor=settings.OPENALEX_BACKOFF,
        backoff_max=30,
        status_forcelist=RETRY_STATUSES,
        allowed_methods={"GET"},
        respect_retry_after_header=True,
    )
    adapter = _OpenAlexAdapter(settings.OPENALEX_URL, settings.OPENALEX_TIMEOUT, max_retries=retry)
    # Mounted for both schemes: requests picks the longest matching prefix, and a local
    # OpenAlex-compatible server speaks plain http.
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    if settings.OPENALEX_API_KEY:
        session.params["api_key"] = settings.OPENALEX_API_KEY  # type: ignore[index]
    if settings.OPENALEX_EMAIL:
        session.params["mailto"] = settings.OPENALEX_EMAIL  # type: ignore[index]
    return session


_configure_lock = threading.Lock()


def configure() -> None:
    """Point pyalex at our settings. Idempotent; call before every use (settings may change
    between tests)."""
    with _configure_lock:
        pyalex.config.email = settings.OPENALEX_EMAIL or None
        pyalex.config.api_key = settings.OPENALEX_API_KEY or None
        pyalex.config.user_agent = "BZPEER (https://github.com/bzpeer) pyalex/" + pyalex.__version__
        pyalex_api._get_requests_session = _session


def _describe(exc: Exception, what: str) -> OpenAlexError:
    retries = settings.OPENALEX_MAX_RETRIES
    if isinstance(exc, OpenAlexError):
        return exc
    if isinstance(exc, requests.exceptions.RetryError):
        return OpenAlexError(
            f"OpenAlex kept failing while fetching {what} ({_status_from(exc)}) after {retries} retries", transient=True
        )
    if isinstance(exc, requests.exceptions.Timeout | requests.exceptions.ConnectionError):
        kind = "did not answer in time" if "timed out" in str(exc).lower() else "could not be reached"
        return OpenAlexError(
            f"OpenAlex {kind} while fetching {what} (timeout {settings.OPENALEX_TIMEOUT:g} s, {retries} retries)",
            transient=True,
        )
    if isinstance(exc, requests.exceptions.HTTPError):
        status = exc.response.status_code if exc.response is not None else None
        if status == 404:
            return NotFound(f"OpenAlex has no {what} (404)")
        detail = _error_message(exc.response)
        return OpenAlexError(
            f"OpenAlex refused the request for {what} (HTTP {status}){': ' + detail if detail else ''}",
            transient=status is not None and status >= 500,
            status=status,
        )
    if isinstance(exc, pyalex.api.QueryError):
        return OpenAlexError(f"OpenAlex rejected the request for {what}: {exc}", transient=False, status=400)
    if isinstance(exc, ValueError):  # pyalex: "Unknown response format", bad JSON
        return OpenAlexError(
            f"OpenAlex answered with something that is not a record for {what}: {exc}", transient=False
        )
    return OpenAlexError(f"Fetching {what} failed: {exc}", transient=False)


def _status_from(exc: Exception) -> str:
    text = str(exc)
    for status in RETRY_STATUSES:
        if f"{status} error" in text:
            return f"HTTP {status}"
    return "errors"


def _error_message(response: requests.Response | None) -> str:
    if response is None:
        return ""
    try:
        body = response.json()
    except ValueError:
        return ""
    if isinstance(body, dict):
        return " ".join(str(body.get(k, "")) for k in ("error", "message")).strip()[:300]
    return ""


# --- Calls -------------------------------------------------------------------------------------


def get_author(lookup: str) -> dict[str, Any]:
    """One author by OpenAlex id, ``orcid:…`` or any form the API resolves. Follows merges
    (the API redirects a merged id to the surviving record)."""
    configure()
    try:
        return dict(pyalex.Authors()[lookup])
    except Exception as exc:
        raise _describe(exc, f"author {lookup}") from exc


def authors_with_orcid(orcid: str, limit: int = 10) -> list[dict[str, Any]]:
    """Every author record OpenAlex lists under this ORCID iD (there can be several)."""
    configure()
    try:
        return [dict(a) for a in pyalex.Authors().filter(orcid=orcid).get(per_page=limit)]
    except Exception as exc:
        raise _describe(exc, f"authors with ORCID {orcid}") from exc


def search_authors(name: str, limit: int = 10) -> list[dict[str, Any]]:
    configure()
    try:
        return [dict(a) for a in pyalex.Authors().search(name).get(per_page=limit)]
    except Exception as exc:
        raise _describe(exc, f"authors named {name!r}") from exc


def get_work(openalex_id: str) -> dict[str, Any]:
    configure()
    try:
        return dict(pyalex.Works()[openalex_id])
    except Exception as exc:
        raise _describe(exc, f"work {openalex_id}") from exc


# OpenAlex takes at most 100 values OR-ed in one filter.
MAX_OR_VALUES = 100


def get_institutions(openalex_ids: list[str]) -> list[dict[str, Any]]:
    """The full records of the institutions ``openalex_ids`` names (short ids), in one request
    per MAX_OR_VALUES ids (``filter=openalex:I1|I2``). Ids OpenAlex does not know are left
    out of the answer, not an error."""
    configure()
    found: list[dict[str, Any]] = []
    ids = sorted(set(openalex_ids))
    for start in range(0, len(ids), MAX_OR_VALUES):
        chunk = ids[start : start + MAX_OR_VALUES]
        what = f"institutions {', '.join(chunk[:3])}{' …' if len(chunk) > 3 else ''}"
        try:
            query = pyalex.Institutions().filter(openalex="|".join(chunk))
            found.extend(dict(i) for i in query.get(per_page=len(chunk)))
        except Exception as exc:
            raise _describe(exc, what) from exc
    return found


def iter_author_works(author_id: str, per_page: int | None = None) -> Iterator[tuple[list[dict[str, Any]], int | None]]:
    """Yield (page of works, total count) for every page of the author's works, with cursor
    paging to the end (pyalex stops at 10,000 unless told otherwise)."""
    configure()
    query = pyalex.Works().filter(author={"id": author_id})
    pages = query.paginate(method="cursor", per_page=per_page or settings.OPENALEX_PER_PAGE, n_max=None)
    while True:
        try:
            page = next(pages)
        except StopIteration:
            return
        except Exception as exc:
            raise _describe(exc, f"the works of {author_id}") from exc
        yield [dict(w) for w in page], (page.meta or {}).get("count")
