"""Structured logs for `finale serve`: one JSON object per line, written whole under one lock.

Fields are the sentence (`msg`), `level`, `time` (RFC 3339, UTC) and whatever the caller adds
(event id, state, project); callers never pass secrets, and the formatter adds none.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import TextIO

from finale.adapters.serve.sender import LogLine

LOGGER_NAME = "finale.serve"
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON; newlines inside values are escaped by json.dumps."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {})
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        line.update({k: v for k, v in fields.items() if k not in line})
        return json.dumps(line, default=str, ensure_ascii=False)


class LineHandler(logging.Handler):
    """Writes each record and its newline in one `write` call; `Handler.handle` holds the
    handler's lock around `emit`, so threads never interleave within or between lines."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.stream.write(self.format(record) + "\n")
            self.stream.flush()
        except Exception:
            self.handleError(record)


def json_logger(stream: TextIO, name: str = LOGGER_NAME) -> logging.Logger:
    """A logger writing JSON lines to `stream` only (not propagated to the root logger)."""
    logger = logging.getLogger(name)
    for old in list(logger.handlers):
        logger.removeHandler(old)
    handler = LineHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def log_line(logger: logging.Logger) -> LogLine:
    """The `LogLine` the service calls: `level=` picks the level, other fields go in the record."""

    def log(message: str, /, **fields: object) -> None:
        level = _LEVELS.get(str(fields.pop("level", "info")), logging.INFO)
        logger.log(level, message, extra={"fields": fields})

    return log


__all__ = ["LOGGER_NAME", "JsonFormatter", "LineHandler", "json_logger", "log_line"]
