"""Running the fake in the foreground: ``python -m openalex_fake`` and ``manage.py
serve_openalex``, which both go through ``openalex_fake.serve``; and the package's independence
(standard library only)."""

from __future__ import annotations

import ast
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.management import CommandError, call_command

import openalex_fake
from tests.openalex_fake.records import ADA, OA

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "openalex_fake"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def data(tmp_path: Path) -> Path:
    (tmp_path / "ada.json").write_text(json.dumps(ADA))
    (tmp_path / "merged.csv").write_text("merge_date,id,merge_into_id\n2023-04-13,A4000000001,A5000000001\n")
    return tmp_path


def run_until_answered(argv: list[str], port: int) -> tuple[requests.Response, str, str, int]:
    """Start ``argv`` in the repository, GET an author once it listens, stop it with Ctrl-C
    (SIGINT); the answer, its stdout, its stderr and its exit status."""
    proc = subprocess.Popen(argv, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/authors/A4000000001", timeout=5)
                break
            except requests.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    out, err = proc.communicate()
                    raise AssertionError(f"{argv} never answered on port {port}:\n{out}\n{err}") from None
                time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return response, out, err, proc.returncode


def assert_served_and_stopped(response: requests.Response, out: str, code: int, port: int) -> None:
    assert response.status_code == 200
    assert response.json()["id"] == OA + "A5000000001"  # through the merged id's 301
    assert response.history[0].status_code == 301
    assert out.splitlines() == [
        "Loaded 1 entities from 2 file(s) (authors 1; 1 merged ids).",
        f"OpenAlex-compatible server at http://127.0.0.1:{port} (Ctrl-C stops)",
        "Stopped.",
    ]
    assert code == 0


def test_python_m_openalex_fake_serves_until_ctrl_c(data: Path) -> None:
    port = free_port()
    response, out, err, code = run_until_answered(
        [sys.executable, "-m", "openalex_fake", str(data), "--host", "127.0.0.1", "--port", str(port)], port
    )
    assert_served_and_stopped(response, out, code, port)
    assert '"GET /authors/A4000000001 HTTP/1.1" 301' in err  # verbose unless --quiet


def test_manage_py_serve_openalex_serves_until_ctrl_c(data: Path) -> None:
    port = free_port()
    response, out, err, code = run_until_answered(
        [sys.executable, "manage.py", "serve_openalex", str(data), "--port", str(port), "--quiet"], port
    )
    assert_served_and_stopped(response, out, code, port)
    assert "GET /authors" not in err


def test_main_reports_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert openalex_fake.main([str(tmp_path / "absent"), "--port", "0"]) == 1
    assert capsys.readouterr().err == f"python -m openalex_fake: error: {tmp_path / 'absent'}: no such file or folder\n"


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_main_reports_a_busy_port(data: Path, busy_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert openalex_fake.main([str(data), "--port", str(busy_port)]) == 1
    assert f"error: cannot listen on 127.0.0.1:{busy_port}: " in capsys.readouterr().err


def test_the_command_only_hands_its_options_to_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(openalex_fake, "serve", lambda *args, **kwargs: calls.append((args, kwargs)))
    call_command("serve_openalex", "a", "b/c.json", "--host", "::1", "--port", "9999", "--quiet")
    [(args, kwargs)] = calls
    assert args == (["a", "b/c.json"],)
    assert {k: kwargs[k] for k in ("host", "port", "verbose")} == {"host": "::1", "port": 9999, "verbose": False}


def test_the_command_turns_serve_errors_into_command_errors(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file or folder"):
        call_command("serve_openalex", str(tmp_path / "absent"), "--port", "0")


def test_the_package_imports_only_the_standard_library() -> None:
    """The fake must not import the code it fakes for (see the package docstring)."""
    outside = {
        f"{path.name}: {name}"
        for path in sorted(PACKAGE.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""])
        if name.split(".")[0] not in sys.stdlib_module_names | {"openalex_fake"}
    }
    assert outside == set()
    assert not (PACKAGE / "apps.py").exists()
