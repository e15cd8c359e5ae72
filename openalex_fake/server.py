"""The HTTP server (``OpenAlexFakeServer``) over a store, and ``serve``/``main``: the foreground
entry point shared by ``python -m openalex_fake`` and ``manage.py serve_openalex``."""

from __future__ import annotations

import argparse
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

from openalex_fake.faults import FaultInjector, Headers, RecordedRequest, RequestLog
from openalex_fake.ids import COLLECTIONS, OPENALEX_PREFIX
from openalex_fake.query import (
    QUERY_ERROR,
    QueryParameterError,
    build_list_response,
    parse_query_string,
    select_fields,
)
from openalex_fake.store import LoadReport, OpenAlexLoadError, OpenAlexStore

_ENTITY_PATH_RE = re.compile(r"^/(?P<collection>[a-z]+)(?:/(?P<id>.+?))?/?$")


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, keep-alive clients wait ~40 ms
    # for a delayed ACK on every response.
    disable_nagle_algorithm = True
    server_version = "BzpeerOpenAlex/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.owner.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        owner = self.server.owner
        raw_path, _, query_string = self.path.partition("?")
        try:
            fault = owner.faults.take(raw_path)
            if fault and fault.delay and owner._stopping.wait(fault.delay):
                return
            if fault and fault.disconnect:
                self._record(raw_path, query_string, None)
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault and fault.status is not None:
                headers = dict(fault.headers)
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(fault.retry_after)
                status, body = fault.status, fault.error_body()
            else:
                try:
                    status, body, headers = owner.respond(raw_path, query_string, self.headers.get("Host"))
                except Exception as exc:  # a bug here must reach the client as a 500, not a hang
                    self.log_error("internal error on %s: %r", self.path, exc)
                    status, body, headers = 500, {"error": "Internal server error", "message": repr(exc)}, {}
            # Record before answering: a client that has its answer may assert on the log.
            self._record(raw_path, query_string, status)
            self._send_json(status, body, headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. its timeout fired)

    def _record(self, raw_path: str, query_string: str, status: int | None) -> None:
        self.server.owner.requests.append(
            RecordedRequest(
                method="GET",
                path=unquote(raw_path),
                raw_path=self.path,
                query=parse_query_string(query_string)[0],
                headers=Headers(self.headers.items()),
                status=status,
                time=time.time(),
            )
        )

    def _not_allowed(self) -> None:
        self._send_json(405, {"error": "Method not allowed", "message": "This test server only answers GET."}, {})

    do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed  # noqa: N815

    def _send_json(self, status: int, body: Any, headers: Mapping[str, str]) -> None:
        payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: OpenAlexFakeServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)


def _error(status: int, error: str, message: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    return status, {"error": error, "message": message}, {}


class OpenAlexFakeServer:
    """An OpenAlex-compatible server over a store; a context manager running in a thread.

    ``sources``: paths (folders, files) and/or entity dicts / list responses, loaded in order
    (later records with the same id replace earlier ones). ``port=0`` picks a free port.
    """

    def __init__(
        self,
        sources: Iterable[str | Path | Mapping[str, Any]] | str | Path | Mapping[str, Any] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        verbose: bool = False,
    ) -> None:
        self.store = OpenAlexStore()
        self.faults = FaultInjector()
        self.requests = RequestLog()
        self.verbose = verbose
        self.load_report = LoadReport()
        if isinstance(sources, str | Path | Mapping):
            sources = [sources]
        for source in sources or []:
            self.load_report.merge(self.store.load(source))
        self._stopping = threading.Event()
        self._httpd = _HTTPServer((host, port), self)
        self._thread: threading.Thread | None = None

    # data

    def add_entity(self, entity: Mapping[str, Any]) -> str:
        """Add or replace an entity while running; returns its short key."""
        return self.store.add_entity(entity)

    def add_merged_id(self, old: str, new: str) -> None:
        self.store.add_merged_id(old, new)

    def load(self, source: str | Path | Mapping[str, Any]) -> LoadReport:
        report = self.store.load(source)
        self.load_report.merge(report)
        return report

    # lifecycle

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``http://127.0.0.1:40123``."""
        host = self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    def start(self) -> OpenAlexFakeServer:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"openalex-server-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until KeyboardInterrupt or stop()."""
        try:
            self._httpd.serve_forever()
        finally:
            self._stopping.set()
            self._httpd.server_close()

    def stop(self) -> None:
        """Stop serving and free the port; pending delayed answers are abandoned."""
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> OpenAlexFakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # routing

    def respond(
        self, raw_path: str, query_string: str, host_header: str | None = None
    ) -> tuple[int, Any, dict[str, str]]:
        """(status, JSON body, extra headers) for ``GET raw_path?query_string``."""
        if raw_path in ("", "/"):
            return (
                200,
                {
                    "documentation_url": "https://docs.openalex.org",
                    "msg": "BZPEER's local OpenAlex-compatible test server",
                    "version": "0.0.1",
                },
                {},
            )
        match = _ENTITY_PATH_RE.match(raw_path)
        if not match or match.group("collection") not in COLLECTIONS:
            return _error(404, "Not found", f"{unquote(raw_path)} is not a valid endpoint.")
        collection = match.group("collection")
        if match.group("id") is None:
            try:
                return 200, build_list_response(self.store, collection, query_string), {}
            except QueryParameterError as exc:
                return _error(400, QUERY_ERROR, str(exc))
        raw_id = unquote(match.group("id"))
        outcome, key = self.store.resolve(collection, raw_id)
        if outcome == "merged":
            location = f"/{collection}/{key}" + (f"?{query_string}" if query_string else "")
            if host_header:
                location = f"http://{host_header}{location}"
            return (
                301,
                {"message": f"{raw_id} was merged into {key}", "redirect_to": f"{OPENALEX_PREFIX}{key}"},
                {"Location": location},
            )
        entity = self.store.get(collection, key) if key else None
        if entity is None:
            return _error(404, "Not found", f"No {collection[:-1]} with the id {raw_id!r} was found.")
        params, _ = parse_query_string(query_string)
        return 200, select_fields(entity, params.get("select")), {}


# --- running in the foreground (python -m openalex_fake, manage.py serve_openalex) ---------

DESCRIPTION = "Serve OpenAlex JSON files (folders, files, JSONL[.gz], merged-ids CSV) over HTTP."
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


class ServeError(Exception):
    """``serve`` could not start: a file could not be loaded, or the address could not be bound."""


class Writer(Protocol):
    """Where ``serve`` prints: a text stream, or a management command's ``self.stdout``."""

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command-line options, shared by ``python -m openalex_fake`` and the management command."""
    parser.add_argument("paths", nargs="+", help="folders or files of OpenAlex JSON")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--quiet", action="store_true", help="do not log each request")


def serve(
    paths: Iterable[str | Path] | str | Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    verbose: bool = True,
    stdout: Writer | None = None,
    stderr: Writer | None = None,
) -> None:
    """Load ``paths``, print what was loaded and the base URL, then serve in the calling thread
    until Ctrl-C (KeyboardInterrupt), which prints "Stopped." and returns.

    Skipped records are listed on ``stderr``; with ``verbose`` every request is logged there
    too. Raises ServeError when a file cannot be loaded or the address cannot be bound.
    """
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    try:
        server = OpenAlexFakeServer(paths, host=host, port=port, verbose=verbose)
    except OpenAlexLoadError as exc:
        raise ServeError(str(exc)) from exc
    except OSError as exc:  # port in use, bad host
        raise ServeError(f"cannot listen on {host}:{port}: {exc}") from exc
    report = server.load_report
    for skipped in report.skipped:
        err.write(f"skipped {skipped}\n")
    counts = ", ".join(
        f"{name} {server.store.count(name)}"
        for name in ("authors", "works", "institutions", "topics", "sources", "concepts")
        if server.store.count(name)
    )
    out.write(
        f"Loaded {report.entities} entities from {report.files} file(s) "
        f"({counts or 'none'}; {report.merged_ids} merged ids).\n"
    )
    out.write(f"OpenAlex-compatible server at {server.url} (Ctrl-C stops)\n")
    out.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        out.write("Stopped.\n")
        out.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m openalex_fake <folder-or-file>... [--host H] [--port P] [--quiet]``; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m openalex_fake", description=DESCRIPTION)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        serve(args.paths, host=args.host, port=args.port, verbose=not args.quiet)
    except ServeError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 1
    return 0
