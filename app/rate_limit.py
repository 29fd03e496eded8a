"""Rate limits: Flask-Limiter, counting fixed windows in the shop's Redis so they hold across every
web process. Views ask through these functions because their keys come from what was posted (an
order, an email, an account from an address), not only from the caller's address."""
from __future__ import annotations

import logging

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItemPerSecond
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
CHECKOUTS_PER_HOUR = 30  # per address, the storefront's form and the JSON API together


def init_limiter(app: Flask) -> None:
    pool = app.extensions["keyshop.redis"].connection_pool
    app.extensions["keyshop.limiter"] = Limiter(
        client_address, app=app, storage_uri="redis://", storage_options={"connection_pool": pool},
        strategy="fixed-window", key_prefix="keyshop", swallow_errors=True)


def allow(name: str, subject: str, limit: int, per_seconds: int) -> bool:
    """Count one more `name` action by `subject` (an order, an address); False past `limit` per window.

    Redis unreachable: allowed, and said in the log. Limits keep abuse slow; they are not what
    keeps a code safe (the order token is), and buyers must not lose the page when Redis is down.
    """
    try:
        return _limits().hit(RateLimitItemPerSecond(limit, per_seconds), name, subject)
    except RedisError as exc:
        log.warning("rate limit %s not counted: %s", name, type(exc).__name__)
        return True


def used_up(name: str, subject: str, limit: int, per_seconds: int) -> bool:
    """Whether the window already holds `limit` counts, without adding one (failures are counted
    with allow() only when they happen)."""
    try:
        return not _limits().test(RateLimitItemPerSecond(limit, per_seconds), name, subject)
    except RedisError:
        return False


def client_address() -> str:
    return request.remote_addr or "unknown"


def _limits():
    return current_app.extensions["keyshop.limiter"].limiter
