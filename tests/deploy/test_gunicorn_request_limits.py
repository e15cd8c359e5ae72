"""Django's own refusal of large bodies and files (bzpeer/request_limits.py), against a real
gunicorn with nobody in front: the way the issue found it, a 300 MB multipart POST was
streamed to a temporary file before CSRF refused it."""

from __future__ import annotations

import select
import socket
import uuid

import pytest

from tests.deploy.servers import Gunicorn, read_response, request

pytestmark = pytest.mark.django_db

BOUNDARY = "bzpeer-test-boundary"
# Any well-formed CSRF cookie (one GET of any page gives it): without one, CsrfViewMiddleware
# refuses a POST before reading its body; with one, it reads the body to find the token.
CSRF_COOKIE = "csrftoken=" + "a" * 32


def multipart_head(path: str, port: int, length: int) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nCookie: {CSRF_COOKIE}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


def file_part(size: int) -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + b"x" * size


def test_a_300_mb_upload_is_refused_from_its_headers_and_nothing_is_written(gunicorn: Gunicorn) -> None:
    marker = uuid.uuid4().hex
    with socket.create_connection(("127.0.0.1", gunicorn.port), timeout=5) as sock:
        sock.sendall(multipart_head(f"/accounts/login/?upload={marker}", gunicorn.port, 300 * 1024 * 1024))
        # The answer should come from the headers alone. If none comes, send the first MB of
        # the 300 (before, Django read it into a temporary file and answered nothing).
        if not select.select([sock], [], [], 5)[0]:
            sock.sendall(file_part(1024 * 1024))
        try:
            response = read_response(sock)
        except TimeoutError:
            written = [(path.name, path.stat().st_size) for path in gunicorn.tmpdir.iterdir()]
            pytest.fail(f"no answer; meanwhile Django wrote the upload into {written}")
    assert response.status == 413
    assert list(gunicorn.tmpdir.iterdir()) == []
    assert " 413 " in gunicorn.wait_for_log(f"upload={marker}")


def test_a_small_upload_is_refused_415_and_nothing_is_written(gunicorn: Gunicorn) -> None:
    body = file_part(20 * 1024) + f"\r\n--{BOUNDARY}--\r\n".encode()
    response = request(
        gunicorn.port, "POST", "/accounts/login/",
        {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "Cookie": CSRF_COOKIE}, body,
    )
    assert response.status == 415 and response.body == b"BZPEER accepts no file uploads.\n"
    assert list(gunicorn.tmpdir.iterdir()) == []


def test_a_form_over_the_limit_is_refused_413(gunicorn: Gunicorn, settings) -> None:
    body = b"a=" + b"x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = request(
        gunicorn.port, "POST", "/accounts/login/",
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": CSRF_COOKIE}, body,
    )
    assert response.status == 413
