"""Request bodies BZPEER never accepts, refused before anything stores them.

BZPEER takes forms of a few kilobytes and no files. Left to itself, Django reads a POST body
the first time something touches ``request.POST``: ``CsrfViewMiddleware.process_view`` does,
on every POST, before the view and before it rejects a missing token. For a multipart body
the default upload handlers then stream each file part to a temporary file on disk, whatever
its size (a 300 MB upload was written out in full, then refused for its CSRF token).

Three settings and this middleware close that (bzpeer/settings.py, "Request bodies"):

- a declared ``Content-Length`` above ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is answered 413 from the
  headers alone, so not one byte of the body is read;
- a multipart POST is parsed here, first, with ``DATA_UPLOAD_MAX_NUMBER_FILES = 0`` and no
  upload handlers: the parser stops at the first file part, before any handler could see a
  byte of it, and the request is answered 415. Multipart bodies made only of form fields
  (Django's test client sends every form that way) are read like url-encoded ones, within the
  same size limit;
- a body without ``Content-Length`` (chunked) is never read by Django under WSGI: the request
  stream is limited to the declared length, zero. Behind nginx, it buffers such a body and
  sends it on with its length, or answers 413 itself.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from django.http import HttpRequest, HttpResponse


def declared_length(request: HttpRequest) -> int:
    """The body length the client declared; 0 when absent or malformed, as Django's WSGI
    handler reads it (it then reads no body at all)."""
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def refusal(status: int, text: str) -> HttpResponse:
    """A plain-text answer with its length: it leaves before CommonMiddleware, which would set
    Content-Length, so the client knows where it ends without waiting for the close."""
    response = HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
    response["Content-Length"] = str(len(response.content))
    return response


class RequestBodyLimitMiddleware:
    """Answer 413 to a body declared larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` and 415 to a
    multipart POST carrying a file, before any other code reads the body.

    Must come before every middleware that may read ``request.POST`` (CsrfViewMiddleware,
    allauth's). Side effect: a multipart POST has its form fields parsed here instead of in
    CsrfViewMiddleware; the view sees the same ``request.POST``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and declared_length(request) > limit:
            return refusal(413, f"Request body too large: BZPEER accepts at most {limit} bytes.\n")
        if request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.POST  # noqa: B018 -- parsed now, so that a file part stops it here
            except TooManyFilesSent:
                return refusal(415, "BZPEER accepts no file uploads.\n")
        return self.get_response(request)
