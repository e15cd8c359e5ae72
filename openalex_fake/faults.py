"""Fault injection (error statuses, ``Retry-After``, delays, dropped connections) and the log of
the requests the server received, for tests to assert on."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote


@dataclass
class Fault:
    """One injected misbehaviour for requests whose path starts with ``path_prefix``.

    ``status`` None means "answer normally" (use with ``delay``). ``times`` None = forever.
    ``disconnect`` closes the connection without an answer (after ``delay``).
    """

    path_prefix: str = "/"
    status: int | None = None
    times: int | None = 1
    retry_after: int | float | str | None = None
    delay: float = 0.0
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    disconnect: bool = False
    hits: int = 0

    def error_body(self) -> Any:
        if self.body is not None:
            return self.body
        try:
            reason = HTTPStatus(self.status or 500).phrase
        except ValueError:
            reason = "Error"
        return {"error": f"{self.status} {reason}", "message": "Injected by the test server."}


class FaultInjector:
    """Ordered, thread-safe fault queue: the first pending fault whose prefix matches fires."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(
        self,
        path_prefix: str = "/",
        status: int | None = None,
        times: int | None = 1,
        retry_after: int | float | str | None = None,
        delay: float = 0.0,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        disconnect: bool = False,
    ) -> Fault:
        """Queue a fault and return it (its ``hits`` counts how often it fired)."""
        if status is None and not delay and not disconnect:
            raise ValueError("a fault needs a status, a delay or disconnect=True")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None (forever)")
        fault = Fault(
            path_prefix=path_prefix,
            status=status,
            times=times,
            retry_after=retry_after,
            delay=delay,
            body=body,
            headers=dict(headers or {}),
            disconnect=disconnect,
        )
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, path: str) -> Fault | None:
        """Consume one use of the first matching fault (matched on the raw and decoded path)."""
        decoded = unquote(path)
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.path_prefix) or decoded.startswith(fault.path_prefix):
                    fault.hits += 1
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
        return None


class Headers(dict[str, str]):
    """Request headers with case-insensitive lookup (keys stored lower-case)."""

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__((k.lower(), v) for k, v in items)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received. ``path`` is decoded and without the query string;
    ``raw_path`` is the request target exactly as sent; ``query`` is decoded (last value wins);
    ``status`` is what the server answered (None for a dropped connection)."""

    method: str
    path: str
    raw_path: str
    query: dict[str, str]
    headers: Headers
    status: int | None
    time: float


class RequestLog:
    """Thread-safe list of RecordedRequest, oldest first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def append(self, item: RecordedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[RecordedRequest]:
        with self._lock:
            return iter(list(self._items))

    def __getitem__(self, index: int) -> RecordedRequest:
        with self._lock:
            return self._items[index]

    def matching(self, path_prefix: str) -> list[RecordedRequest]:
        """Requests whose decoded path starts with ``path_prefix``."""
        return [r for r in self if r.path.startswith(path_prefix)]

    @property
    def paths(self) -> list[str]:
        """Raw request targets (path and query), in order."""
        return [r.raw_path for r in self]
