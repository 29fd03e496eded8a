"""The sweeper, run by every worker on a timer: whichever worker takes the Redis lock sweeps.

So a shop scaled out to any number of `keyshop worker` processes sweeps about once per interval
without cron, and a shop whose workers all died sweeps again as soon as one is back.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from app.core.extensions import db
from delivery.ledger.alarm import EVERY_SECONDS as LEDGER_EVERY
from delivery.ledger.alarm import check_if_due
from delivery.sweeper import sweep_all

log = logging.getLogger(__name__)
LOCK = "keyshop:sweeper"
EVERY_SECONDS = 10


class PeriodicSweep(threading.Thread):
    def __init__(self, app: Flask, every: float = EVERY_SECONDS, also: tuple = (), ledger_every: int = LEDGER_EVERY):
        """`also`: sweeps of the packages above delivery, each `(session, older_than_seconds) -> int`;
        `ledger_every`: how often (seconds) one of the workers checks the books."""
        super().__init__(daemon=True, name="keyshop-sweeper")
        self._app, self._every, self._also, self._stopping = app, every, also, threading.Event()
        self._ledger_every = ledger_every

    def run(self) -> None:
        while not self._stopping.wait(self._every):
            try:
                self.sweep_once()
            except Exception as exc:
                log.warning("sweep failed: %s: %s", type(exc).__name__, exc)

    def sweep_once(self) -> int | None:
        """Sweep if no other worker swept within the interval; the number of orders re-enqueued."""
        redis = self._app.extensions["keyshop.redis"]
        if not redis.set(LOCK, "1", nx=True, ex=max(1, int(self._every))):
            return None
        with self._app.app_context():
            settings = self._app.config["KEYSHOP"]
            count, expired = sweep_all(db.session, settings, self._app.extensions["keyshop.providers"])
            count += sum(sweep(db.session, settings.sweep_after_seconds) for sweep in self._also)
            check_if_due(db.session, settings, redis, self._ledger_every)
            db.session.remove()
        if count or expired:
            log.info("sweep re-enqueued %s job(s), took %s back-order(s) out of waiting", count, expired)
        return count

    def stop(self) -> None:
        self._stopping.set()
