"""Django refuses large bodies and file uploads on its own, before anything reads the body
(bzpeer/request_limits.py): even without nginx in front, no request makes it write a file or
hold more than DATA_UPLOAD_MAX_MEMORY_SIZE in memory."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.cast import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = 128 * 1024


def test_the_limits_are_small_and_no_upload_handler_exists(settings) -> None:
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == LIMIT
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 0
    assert settings.FILE_UPLOAD_HANDLERS == []
    middleware = settings.MIDDLEWARE
    assert middleware.index("bzpeer.request_limits.RequestBodyLimitMiddleware") < middleware.index(
        "django.middleware.csrf.CsrfViewMiddleware"
    )


def test_a_file_upload_is_refused_with_415_before_csrf_reads_it() -> None:
    # Enforced CSRF with a CSRF cookie, as a browser or a script that fetched any page meets
    # it: before, CsrfViewMiddleware read the body (storing the file) to look for the token,
    # then refused 403 for its absence.
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32
    upload = SimpleUploadedFile("big.bin", b"x" * 1024, content_type="application/octet-stream")
    response = client.post("/accounts/login/", {"login": "a@example.org", "file": upload})
    assert response.status_code == 415
    assert response.content == b"BZPEER accepts no file uploads.\n"


def test_a_file_upload_never_reaches_an_upload_handler(monkeypatch, client: Client) -> None:
    from django.core.files import uploadhandler

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an upload handler was called")

    for handler in (uploadhandler.MemoryFileUploadHandler, uploadhandler.TemporaryFileUploadHandler):
        monkeypatch.setattr(handler, "new_file", forbidden)
        monkeypatch.setattr(handler, "receive_data_chunk", forbidden)
    upload = SimpleUploadedFile("small.txt", b"hello", content_type="text/plain")
    assert client.post("/accounts/login/", {"file": upload}).status_code == 415


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "application/json", "text/plain"])
def test_a_body_over_the_limit_is_refused_with_413_whatever_its_type(client: Client, content_type: str) -> None:
    response = client.post("/accounts/login/", data=b"a" * (LIMIT + 1), content_type=content_type)
    assert response.status_code == 413
    assert response.content == f"Request body too large: BZPEER accepts at most {LIMIT} bytes.\n".encode()


def test_a_declared_length_over_the_limit_is_refused_without_reading_the_body() -> None:
    class Unreadable:
        def read(self, *args: Any) -> bytes:
            raise AssertionError("the body was read")

        readline = read

    environ: dict[str, Any] = {"CONTENT_LENGTH": str(300 * 1024 * 1024), "wsgi.input": Unreadable()}
    response = Client().generic(
        "POST", "/accounts/login/", b"", content_type="application/x-www-form-urlencoded", **environ
    )
    assert response.status_code == 413


def test_a_form_at_the_limit_is_read(client: Client, verified_user) -> None:
    # url-encoded, as browsers and htmx send BZPEER's forms; padded to exactly the limit
    body = f"login={verified_user.email}&password={PASSWORD.replace(' ', '+')}&pad="
    body += "x" * (LIMIT - len(body))
    response = client.post("/accounts/login/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_a_multipart_form_without_files_still_signs_in(client: Client, verified_user) -> None:
    # Django's test client sends every form as multipart; fields alone are accepted.
    response = client.post("/accounts/login/", {"login": verified_user.email, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session
