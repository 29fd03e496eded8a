"""Faults with real processes: a worker killed with SIGKILL mid-delivery, Redis gone while webhooks
arrive. Every paid order is still delivered exactly once. Bounded: each test stops by itself."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from app.core.extensions import db
from app.core.models import Order
from delivery.periodic import PeriodicSweep
from keystore.models import Code
from tests.own_redis import own_redis, shop_env  # noqa: F401 (fixtures)
from tests.processes import WorkerProcess, free_port
from tests.shop import make_product, pay_orders, stock, unique_codes

pytestmark = pytest.mark.slow


def _statuses(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(Order.status, func.count()).group_by(Order.status)).all()
        db.session.remove()
        return dict(rows)


def _wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _no_code_twice(app) -> tuple[int, int]:
    with app.app_context():
        owners = db.session.execute(
            select(Code.order_id, func.count()).where(Code.order_id.is_not(None)).group_by(Code.order_id)
        ).all()
        db.session.remove()
    return len(owners), max((count for _, count in owners), default=0)


def test_a_worker_killed_mid_delivery_loses_nothing_and_doubles_nothing(app, client, shop_env):
    product_id = make_product(app)
    stock(app, product_id, unique_codes(80))
    pay_orders(app, client, 60)

    first = WorkerProcess(shop_env)
    assert _wait_until(lambda: _statuses(app).get("delivered", 0) >= 5, 30), first.log()[-2000:]
    first.kill()
    assert _statuses(app).get("delivered", 0) < 60  # killed part-way

    second = WorkerProcess(shop_env)  # its sweeper finds whatever the first one held
    try:
        assert _wait_until(lambda: _statuses(app) == {"delivered": 60}, 60), second.log()[-2000:]
    finally:
        second.stop()
    assert _no_code_twice(app) == (60, 1)


def test_webhooks_are_stored_while_redis_is_down_and_delivered_when_it_is_back(app, client, shop_env, own_redis):
    product_id = make_product(app)
    stock(app, product_id, unique_codes(10))
    own_redis.stop()
    order_ids = pay_orders(app, client, 10)  # each answered 200: stored; the enqueue failed and was logged
    assert _statuses(app) == {"paid": 10}
    own_redis.start()  # back, with every queue empty

    worker = WorkerProcess(shop_env)
    try:
        assert _wait_until(lambda: _statuses(app) == {"delivered": 10}, 60), worker.log()[-2000:]
    finally:
        worker.stop()
    assert len(order_ids) == 10 and _no_code_twice(app) == (10, 1)


def test_only_one_worker_sweeps_per_interval(app):
    first, second = PeriodicSweep(app, every=30), PeriodicSweep(app, every=30)
    assert first.sweep_once() == 0
    assert second.sweep_once() is None


def test_smtp_down_delays_the_mail_not_the_code_and_never_sends_it_twice(app, client, shop_env):
    from tests.smtp import SmtpServer

    port = free_port()
    product_id = make_product(app)
    stock(app, product_id, unique_codes(1))
    worker = WorkerProcess({**shop_env, "KEYSHOP_SMTP_URL": f"smtp://127.0.0.1:{port}"})  # nothing listens yet
    try:
        [order_id] = pay_orders(app, client, 1)
        assert _wait_until(lambda: _statuses(app) == {"delivered": 1}, 20), worker.log()[-2000:]
        smtp = SmtpServer(port)  # SMTP is back; the retry (5 s backoff) finds it
        try:
            to_buyer = lambda: [m for m in smtp.messages if m["To"] == "b0@example.com"]  # noqa: E731
            assert _wait_until(lambda: to_buyer(), 30), worker.log()[-2000:]
            time.sleep(1)
            assert len(to_buyer()) == 1 and "Your code" in to_buyer()[0]["Subject"]
        finally:
            smtp.stop()
    finally:
        worker.stop()
    assert order_id


def test_a_connection_lost_mid_delivery_leaves_no_code_without_its_order(app, client, backend, database_url):
    """PostgreSQL: the server ends the session right after the claim, before the commit."""
    if backend != "postgresql":
        pytest.skip("an in-process SQLite connection cannot be lost without its process (see the SIGKILL test)")
    import psycopg
    from sqlalchemy import event

    from delivery.fulfil import fulfil

    product_id = make_product(app)
    stock(app, product_id, unique_codes(2))
    [order_id] = pay_orders(app, client, 1)
    admin_url = database_url.replace("postgresql+psycopg://", "postgresql://", 1)

    def cut_after_claim(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("WITH picked"):
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

    with app.app_context():
        engine = db.engine
        event.listen(engine, "after_cursor_execute", cut_after_claim)
        try:
            with pytest.raises(Exception):  # noqa: B017 (any driver error will do) the commit cannot reach the server
                fulfil(db.session, order_id)
        finally:
            event.remove(engine, "after_cursor_execute", cut_after_claim)
            db.session.remove()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Code).where(Code.status == "available")) == 2
        db.session.remove()
    assert _statuses(app) == {"paid": 1}
    with app.app_context():
        assert fulfil(db.session, order_id) == "delivered"
        db.session.remove()
    assert _no_code_twice(app) == (1, 1)
