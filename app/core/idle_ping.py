"""PostgreSQL connections are checked before use only after they sat idle in the pool.

SQLAlchemy's pool_pre_ping asks the server before every checkout: a round trip for each
transaction, three of them for each delivered order. A connection checked in moments ago was
working moments ago, so it is used as it is; one idle for longer is pinged, and one that does not
answer is replaced before anybody uses it. A connection lost in between (the server restarted
within those seconds) fails its statement once: SQLAlchemy then invalidates the pool, the job's
retry or the sweeper does the work again, and a provider sends its webhook again.
"""

from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

IDLE_SECONDS = 2.0


def ping_after_idle(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record):
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", 0.0) < IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:  # the pool replaces it and checks out again
            raise DisconnectionError(f"an idle connection did not answer: {exc}") from exc
