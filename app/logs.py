"""One JSON object per log line from keyshop's own loggers, with the RQ job it ran in.

Lines name orders by number (`order` field) and jobs by id; they never carry a code, a token or a
password (the test run fails if a planted code reaches any process log).
"""
from __future__ import annotations

import json
import logging
import sys

OURS = ("app", "delivery", "payments", "keystore", "feedback")


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname.lower(),
                "logger": record.name, "msg": record.getMessage()}
        for field in ("order", "job"):
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        return json.dumps(line, ensure_ascii=False)


class CurrentJob(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "job", None) is None:
            from rq import get_current_job

            job = get_current_job()
            record.job = job.id if job is not None else None
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """For `keyshop worker` and `keyshop web`; idempotent."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    handler.addFilter(CurrentJob())
    for name in OURS:
        logger = logging.getLogger(name)
        if not any(isinstance(h.formatter, JsonLines) for h in logger.handlers):
            logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
