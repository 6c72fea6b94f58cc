"""A job repeated in a daemon thread for a server's lifetime: the monitor, the scoring sweep."""

import threading
from collections.abc import Callable

import structlog

log = structlog.get_logger("cxops.background")


class Every:
    """Run `job` every `seconds` (first run after one interval) until `stop`. A failing run
    is logged and the next one still happens: a monitor must not die of one bad measurement."""

    def __init__(self, seconds: float, job: Callable[[], object], *, name: str) -> None:
        self._seconds = seconds
        self._job = job
        self._name = name
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, *, timeout_seconds: float) -> None:
        self._stopping.set()
        self._thread.join(timeout_seconds)

    def _loop(self) -> None:
        while not self._stopping.wait(self._seconds):
            try:
                self._job()
            except Exception:
                log.exception("background.job_failed", job=self._name)
