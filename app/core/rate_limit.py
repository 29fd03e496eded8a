"""Rate limits: the `limits` library's fixed windows, counted in the shop's Redis so they hold across
every web process. Views ask through these functions because their keys come from what was posted
(an order, an email, an account from an address), not only from the caller's address.

Not Flask-Limiter's extension: no route declares a limit of its own, and its hooks ran on every
request, a cached page's too (a tenth of its profiled time), to find none."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from flask import Flask, current_app, g, has_app_context, request
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
CHECKOUTS_PER_HOUR = 30  # per address, the storefront's form and the JSON API together


def init_limiter(app: Flask) -> None:
    pool = app.extensions["keyshop.redis"].connection_pool
    app.extensions["keyshop.limits"] = FixedWindowRateLimiter(storage_from_string("redis://", connection_pool=pool))


def allow(name: str, subject: str, limit: int, per_seconds: int) -> bool:
    """Count one more `name` action by `subject` (an order, an address); False past `limit` per window.

    Redis unreachable: allowed, and said in the log. Limits keep abuse slow; they are not what
    keeps a code safe (the order token is), and buyers must not lose the page when Redis is down.
    """
    item = RateLimitItemPerSecond(limit, per_seconds)
    try:
        allowed = _limits().hit(item, name, subject)
        if not allowed:
            _note_wait(_limits().get_window_stats(item, name, subject).reset_time - time.time())
        return allowed
    except RedisError as exc:
        log.warning("rate limit %s not counted: %s", name, type(exc).__name__)
        return True


def used_up(name: str, subject: str, limit: int, per_seconds: int) -> bool:
    """Whether the window already holds `limit` counts, without adding one (failures are counted
    with allow() only when they happen)."""
    item = RateLimitItemPerSecond(limit, per_seconds)
    try:
        full = not _limits().test(item, name, subject)
        if full:
            _note_wait(_limits().get_window_stats(item, name, subject).reset_time - time.time())
        return full
    except RedisError:
        return False


def retry_after() -> int | None:
    """Seconds until the limits this request ran into let it through again (the Retry-After of its 429)."""
    return g.get("keyshop_retry_after") if has_app_context() else None


def _note_wait(seconds: float) -> None:
    """The longest wait of the limits this request ran into, for its 429 (app.web.errors)."""
    if has_app_context():
        g.keyshop_retry_after = max(g.get("keyshop_retry_after") or 0, max(1, math.ceil(seconds)))


# Every limit is checked before any is counted, so a refused attempt holds no reservation anywhere.
_RESERVE = """
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[i]) then return 0 end
end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('EXPIRE', key, ARGV[#ARGV]) end
end
return 1
"""
_GIVE_BACK = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('DECR', key) end
end
"""


@dataclass(frozen=True)
class Reservation:
    """Attempts counted before the work they limit; `give_back()` when the attempt turned out fine."""

    keys: tuple[str, ...] = ()

    def give_back(self) -> None:
        if self.keys:
            try:
                _redis().register_script(_GIVE_BACK)(keys=list(self.keys))
            except RedisError as exc:
                log.warning("attempt not given back: %s", type(exc).__name__)


def reserve(per_seconds: int, *limits: tuple[str, str, int]) -> Reservation | None:
    """Count one attempt against every (name, subject, limit) at once, atomically, before the attempt
    runs: None when one of them is used up. Counting after the attempt would let every attempt that
    starts meanwhile through (found: 40 at once -> 11 password checks against 5).

    Redis unreachable: allowed, and said in the log, as with allow()."""
    keys = [f"keyshop:attempts:{name}:{subject}" for name, subject, _ in limits]
    try:
        taken = _redis().register_script(_RESERVE)(keys=keys, args=[limit for *_, limit in limits] + [per_seconds])
    except RedisError as exc:
        log.warning("attempts %s not counted: %s", ",".join(name for name, *_ in limits), type(exc).__name__)
        return Reservation()
    if taken == 1:
        return Reservation(tuple(keys))
    _note_full_windows(keys, [limit for *_, limit in limits])
    return None


def _note_full_windows(keys: list[str], limits: list[int]) -> None:
    """The wait of a refused reservation: until the last of its full windows ends."""
    try:
        counts = _redis().mget(keys)
        _note_wait(max([_redis().ttl(k) for k, n, cap in zip(keys, counts, limits) if int(n or 0) >= cap] + [1]))
    except RedisError as exc:
        log.warning("wait not read: %s", type(exc).__name__)


def client_address() -> str:
    return request.remote_addr or "unknown"


def _redis():
    return current_app.extensions["keyshop.redis"]


def _limits():
    return current_app.extensions["keyshop.limits"]
