"""Fixed-window rate limits counted in Redis, so they hold across every web process."""
from __future__ import annotations

import logging

from flask import current_app, request
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def allow(name: str, subject: str, limit: int, per_seconds: int) -> bool:
    """Count one more `name` action by `subject` (an order, an address); False past `limit` per window.

    Redis unreachable: allowed, and said in the log. Limits keep abuse slow; they are not what
    keeps a code safe (the order token is), and buyers must not lose the page when Redis is down.
    """
    key = f"keyshop:limit:{name}:{subject}"
    try:
        pipe = current_app.extensions["keyshop.redis"].pipeline()
        pipe.incr(key)
        pipe.expire(key, per_seconds, nx=True)
        count, _ = pipe.execute()
    except RedisError as exc:
        log.warning("rate limit %s not counted: %s", name, type(exc).__name__)
        return True
    return count <= limit


def client_address() -> str:
    return request.remote_addr or "unknown"
