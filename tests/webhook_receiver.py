"""A real HTTP receiver for webhook tests: a server on a loopback port, in a thread, that answers
500 to its first `failures` requests and 200 afterwards, and keeps every request it got."""

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self


@dataclass(frozen=True)
class Receipt:
    headers: dict[str, str]  # names in lower case
    body: bytes
    answered: int

    @property
    def delivery_id(self) -> str:
        return self.headers["x-cxops-delivery"]


class Receiver:
    def __init__(self, *, failures: int = 0, port: int = 0, delay_seconds: float = 0.0) -> None:
        self.failures = failures
        self.delay_seconds = delay_seconds
        self._lock = threading.Lock()
        self._receipts: list[Receipt] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    @property
    def receipts(self) -> list[Receipt]:
        with self._lock:
            return list(self._receipts)

    def count_by_delivery(self) -> Counter[str]:
        return Counter(r.delivery_id for r in self.receipts)

    def wait_for(self, count: int, *, timeout: float = 10.0) -> list[Receipt]:
        """Wait (bounded) until `count` requests arrived; return them."""
        deadline = time.monotonic() + timeout
        while len(self.receipts) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} requests, got {len(self.receipts)}")
            time.sleep(0.01)
        return self.receipts

    def _answer(self, headers: dict[str, str], body: bytes) -> int:
        time.sleep(self.delay_seconds)
        with self._lock:
            status = 500 if self.failures > 0 else 200
            self.failures = max(0, self.failures - 1)
            self._receipts.append(Receipt(headers=headers, body=body, answered=status))
        return status

    def _handler(self) -> Callable[..., BaseHTTPRequestHandler]:
        answer = self._answer

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = answer({k.lower(): v for k, v in self.headers.items()}, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the test reads `receipts` instead."""

        return Handler

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
