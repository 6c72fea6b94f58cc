"""A real OpenAI-compatible chat-completions server for tests: on a loopback port, in a thread, it
answers every POST with `reply` (or `raw_body`, as is) after `delay_seconds`, with `status`, and
keeps every request it got. Attributes may be changed between calls. A client that gave up
waiting (a timeout) is not an error here."""

import contextlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class FakeChatServer:
    def __init__(
        self,
        *,
        reply: str = "",
        delay_seconds: float = 0.0,
        status: int = 200,
        raw_body: bytes | None = None,
    ) -> None:
        self.reply = reply
        self.delay_seconds = delay_seconds
        self.status = status
        self.raw_body = raw_body
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._requests: list[Request] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def _answer(self, request: Request) -> tuple[int, bytes]:
        with self._lock:
            self._requests.append(request)
        self._closing.wait(self.delay_seconds)
        if self.raw_body is not None:
            return self.status, self.raw_body
        completion = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "model": "fake",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": self.reply},
                    "finish_reason": "stop",
                }
            ],
        }
        return self.status, json.dumps(completion).encode()

    def _handler(self) -> Callable[..., BaseHTTPRequestHandler]:
        answer = self._answer

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, payload = answer(Request(path=self.path, headers=headers, body=body))
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the test reads `requests` instead."""

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
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
