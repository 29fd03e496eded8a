"""What app.core.idle_ping relies on in SQLAlchemy's pool is still there, and the ping happens when it should.

idle_ping replaces pool_pre_ping (a round trip before every transaction) with its own ping from the pool's
checkout event, only for a connection idle for IDLE_SECONDS. It stamps connections in the connect and
checkin events, pings through the dialect's do_ping, and counts on the pool replacing a connection whose
checkout raised DisconnectionError. tests/app/core/test_idle_ping.py checks that replacement.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.events import PoolEvents

from app.core.extensions import db
from app.core.idle_ping import IDLE_SECONDS
from tests.signatures import parameters


def test_the_pool_events_listened_to_keep_their_arguments():
    assert parameters(PoolEvents.connect) == ["self", "dbapi_connection", "connection_record"]
    assert parameters(PoolEvents.checkin) == ["self", "dbapi_connection", "connection_record"]
    assert parameters(PoolEvents.checkout) == ["self", "dbapi_connection", "connection_record", "connection_proxy"]
    assert parameters(DefaultDialect.do_ping) == ["self", "dbapi_connection"]


@pytest.mark.parametrize("backend", ["postgresql"])  # the ping is PostgreSQL's; SQLite has no server to lose
def test_a_connection_is_pinged_after_idling_and_not_right_after_use(app, monkeypatch, backend):
    with app.app_context():
        engine = db.engine
        assert engine.dialect.loaded_dbapi.Error  # what a failed ping raises, turned into DisconnectionError
        pings = []
        real_ping = engine.dialect.do_ping
        monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: pings.append(1) or real_ping(connection))

        _one_query()  # pinged or not, depending on how long ago the fixture used it; back in the pool
        pings.clear()
        _one_query()
        assert pings == [], "pinged a connection used moments ago: pool_pre_ping or a changed event"

        time.sleep(IDLE_SECONDS + 0.2)
        _one_query()
        assert pings == [1], "no ping after idling: the checkout event or the connection record's info changed"


def _one_query() -> None:
    assert db.session.scalar(text("SELECT 1")) == 1
    db.session.remove()
