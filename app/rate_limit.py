"""Fixed-window rate limits counted in Redis, so they hold across every web process."""
from __future__ import annotations

import logging

from flask import current_app, request
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
CHECKOUTS_PER_HOUR = 30  # per address, the storefront's form and the JSON API together


def allow(name: str, subject: str, limit: int, per_seconds: int) -> bool:
    """Count one more `name` action by `subject` (an order, an address); False past `limit` per window.

    Redis unreachable: allowed, and said in the log. Limits keep abuse slow; they are not what
    keeps a code safe (the order token is), and buyers must not lose the page when Redis is down.
    """
    return count(name, subject, per_seconds) <= limit


def count(name: str, subject: str, per_seconds: int) -> int:
    """Add one to the window's count and return it (0 when Redis cannot be reached)."""
    key = f"keyshop:limit:{name}:{subject}"
    try:
        pipe = current_app.extensions["keyshop.redis"].pipeline()
        pipe.incr(key)
        pipe.expire(key, per_seconds, nx=True)
        counted, _ = pipe.execute()
    except RedisError as exc:
        log.warning("rate limit %s not counted: %s", name, type(exc).__name__)
        return 0
    return counted


def counted(name: str, subject: str) -> int:
    """The window's count so far, without adding to it."""
    try:
        return int(current_app.extensions["keyshop.redis"].get(f"keyshop:limit:{name}:{subject}") or 0)
    except RedisError:
        return 0


def client_address() -> str:
    return request.remote_addr or "unknown"
