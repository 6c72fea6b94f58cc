import logging

from cxops.logs import configure_logging


def test_that_http_clients_never_log_request_urls_whatever_the_level() -> None:
    """httpx logs each URL at INFO, and an order system lookup's URL may hold an email."""
    try:
        configure_logging("debug")
        for name in ("httpx", "httpcore"):
            assert not logging.getLogger(name).isEnabledFor(logging.INFO)
    finally:
        configure_logging("warning")
