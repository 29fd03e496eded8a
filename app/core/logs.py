"""One JSON object per log line from keyshop's own loggers, with the RQ job it ran in.

Lines name orders by number (`order` field) and jobs by id; they never carry a code, a token or a
password (the test run fails if a planted code or order token reaches any process log). A line about
an exception carries its type and traceback (`exc_type`, `traceback`); a web request is named by its
route's rule (`/o/<token>`), never its path, which holds the secret.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback

from gunicorn.glogging import Logger

OURS = ("app", "delivery", "payments", "keystore", "feedback")


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for field in ("order", "job", "route", "exc_type", "traceback"):
            value = getattr(record, field, None)
            if value is not None:
                line[field] = value
        if record.exc_info and "exc_type" not in line:
            line.update(describe_exception(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def describe_exception(exc_info, secrets: tuple[str, ...] = ()) -> dict[str, str]:
    """`exc_type` and `traceback` fields, with every one of `secrets` cut out of the traceback (an
    exception's message may quote what it was given)."""
    kind = exc_info[0]
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    text = "".join(traceback.format_exception(*exc_info)).rstrip()
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "<redacted>")
    return {"exc_type": name, "traceback": text}


# A path segment this long is a token, a signature or an id nobody should read in a log.
_LONG_SEGMENT = re.compile(r"[^/?#]{20,}")


def redact_path(path: str) -> str:
    """For a request no route matched: every long segment cut out, the query string dropped."""
    path, query = path.split("?", 1) if "?" in path else (path, "")
    return _LONG_SEGMENT.sub("<redacted>", path) + ("?…" if query else "")


ROUTE = "keyshop.route"  # WSGI environ key: the rule of the route Flask matched, for the access log
ACCESS_FORMAT = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'


class GunicornLog(Logger):
    """gunicorn's lines without a token: the access log names the route Flask matched (`/o/<token>`)
    and drops the query (sandbox links carry a signed `s`); its error lines ("Error handling request
    /o/…") lose every long path segment."""

    def atoms(self, resp, req, environ, request_time):
        """Only what ACCESS_FORMAT shows: the default atoms also hold the raw URI and the referer."""
        path = environ.get(ROUTE) or redact_path(environ.get("PATH_INFO", ""))
        milliseconds = request_time.seconds * 1000 + request_time.microseconds // 1000
        return {
            "h": environ.get("REMOTE_ADDR", "-"),
            "t": self.now(),
            "m": environ.get("REQUEST_METHOD"),
            "U": path,
            "s": str(resp.status).split(None, 1)[0],
            "b": str(getattr(resp, "sent", None) or "-"),
            "M": milliseconds,
        }

    def error(self, msg, *args, **kwargs):
        super().error(msg, *_redacted(args), **kwargs)

    def warning(self, msg, *args, **kwargs):
        super().warning(msg, *_redacted(args), **kwargs)

    def exception(self, msg, *args, **kwargs):
        super().exception(msg, *_redacted(args), **kwargs)


def _redacted(args: tuple) -> list:
    return [redact_path(arg) if isinstance(arg, str) else arg for arg in args]


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
