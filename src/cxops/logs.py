"""Structured JSON logs with dotted event names. Callers log ids and counts, never message text."""

import logging
import sys

import structlog


def configure_logging(level: str) -> None:
    """Send JSON lines to stderr at `level`; safe to call more than once."""
    numeric = logging.getLevelNamesMapping()[level.upper()]
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=numeric, force=True)
    logging.getLogger("alembic").setLevel(max(numeric, logging.WARNING))
    # httpx logs every request's full URL at INFO, and a connector's URL may hold an email.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(numeric, logging.WARNING))
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
