"""A refund asked for while Redis is down, or whose job was lost, is still carried out: the refund row
is the truth, the sweeper sends it again (once per job's life, not once per sweep), staff see it when
it is stuck, and the buyer hears of it only when the money moved."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from redis import Redis
from sqlalchemy import select, update

from app.core.db import utcnow
from app.core.extensions import db
from app.core.models import OrderEvent
from delivery.mail.log import MailLog
from payments.models import Refund
from tests.feedback.aftersale import staff, staff_post
from tests.own_redis import own_redis, shop_env  # noqa: F401 (fixtures)
from tests.processes import WorkerProcess
from tests.shop import make_product, order_status, place, sandbox_webhook

pytestmark = pytest.mark.slow


def _paid_order(app, client, price="10.00"):
    make_product(app, price=price)
    placed = place(app, "card")
    headers, body = sandbox_webhook(app, placed.number, int(price.replace(".", "")))
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    return placed


def _refund_form(client, number: str, amount: str) -> dict:
    page = client.get(f"/admin/orders/{number}").get_data(as_text=True)
    key = re.search(r'name="key" value="([0-9a-f]+)"', page).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return {"csrf_token": csrf, "key": key, "amount": amount, "reason": "code did not work"}


def _refunds(app) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(select(Refund.id, Refund.status).order_by(Refund.id)).all()
        db.session.remove()
        return [tuple(row) for row in rows]


def _age_refunds(app, minutes: int) -> None:
    """As if the refunds were asked for `minutes` ago (the stuck deadline is minutes long)."""
    with app.app_context():
        db.session.execute(update(Refund).values(created_at=utcnow() - timedelta(minutes=minutes)))
        db.session.commit()
        db.session.remove()


def _wait(condition, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.1)
    return condition()


def _refund_mails(app) -> list[str]:
    with app.app_context():
        kinds = db.session.scalars(
            select(MailLog.kind).where(MailLog.kind.like("refunded:%"), MailLog.status == "sent")
        ).all()
        db.session.remove()
        return list(kinds)


def _refund_subjects(smtp) -> list[str]:
    return [m["Subject"] for m in smtp.messages if "refunded" in m["Subject"]]


def _refund_while_redis_is_down(app, client, own_redis, amount="10.00"):
    placed = _paid_order(app, client)
    staff(app, client, "owner@shop.test", role="owner")
    form = _refund_form(client, placed.number, amount)
    own_redis.stop()
    assert client.post(f"/admin/orders/{placed.number}/refunds", data=form).status_code == 302
    [(refund_id, status)] = _refunds(app)
    assert status == "requested"
    return placed, refund_id


def test_a_refund_asked_for_while_redis_is_down_is_sent_when_redis_is_back(app, client, own_redis, shop_env, smtp):
    placed, refund_id = _refund_while_redis_is_down(app, client, own_redis)
    assert _refund_subjects(smtp) == []  # no money moved: the buyer is told nothing of a refund yet

    own_redis.start()  # back, and empty
    worker = WorkerProcess(shop_env)  # its own periodic sweep finds the refund: nobody has to act
    try:
        assert _wait(lambda: order_status(app, placed.order_id) == "refunded"), worker.log()[-3000:]
        assert _wait(lambda: len(_refund_subjects(smtp)) == 1)
        time.sleep(1.5)  # more sweeps pass
    finally:
        worker.stop()
    assert _refunds(app) == [(refund_id, "succeeded")]
    assert _refund_mails(app) == [f"refunded:{refund_id}"]
    assert len(_refund_subjects(smtp)) == 1  # once


def test_a_refund_stuck_past_its_deadline_is_shown_to_staff_and_named_by_the_ledger(app, client, own_redis):
    from payments.outstanding import stuck_refunds  # the ledger check's read

    placed, refund_id = _refund_while_redis_is_down(app, client, own_redis)
    with app.app_context():
        assert stuck_refunds(db.session, utcnow()) == []  # not late yet
        db.session.remove()
    assert f"<td>Refund {refund_id}</td>" not in client.get("/admin/orders").get_data(as_text=True)

    _age_refunds(app, 16)  # past the 15-minute deadline
    listing = client.get("/admin/orders").get_data(as_text=True)
    assert f"<td>Refund {refund_id}</td>" in listing and "requested" in listing and placed.number in listing
    page = client.get(f"/admin/orders/{placed.number}").get_data(as_text=True)
    assert "Send again" in page and "Settled by hand" in page
    with app.app_context():
        [line] = stuck_refunds(db.session, utcnow())
        db.session.remove()
    assert f"refund {refund_id}" in line and placed.number in line and "10.00 USD" in line and "requested" in line


def test_the_sweep_resends_a_lost_refund_job_once_and_leaves_a_live_one_alone(app, client, own_redis):
    from delivery.queues import sweep_refunds

    placed = _paid_order(app, client)
    staff(app, client, "owner@shop.test", role="owner")
    assert (
        client.post(
            f"/admin/orders/{placed.number}/refunds", data=_refund_form(client, placed.number, "4.00")
        ).status_code
        == 302
    )
    redis = Redis.from_url(own_redis.url)
    aftersale = "rq:queue:aftersale"
    assert redis.llen(aftersale) == 1
    time.sleep(1.2)  # older than KEYSHOP_SWEEP_AFTER: a sweep may look at it
    with app.app_context():
        assert sweep_refunds(db.session, 1) == 0  # its job is alive (slow, or waiting to retry)
        db.session.remove()
    assert redis.llen(aftersale) == 1

    own_redis.stop()
    own_redis.start()  # the job is lost with the queue
    redis = Redis.from_url(own_redis.url)
    with app.app_context():
        assert sweep_refunds(db.session, 1) == 1
        assert sweep_refunds(db.session, 1) == 0  # a second sweep does not double it
        db.session.remove()
    assert redis.llen(aftersale) == 1


def test_staff_send_a_stuck_refund_again_from_the_order_page(app, client, own_redis, shop_env):
    placed = _paid_order(app, client)
    staff(app, client, "agent@shop.test", role="agent")
    form = _refund_form(client, placed.number, "3.00")
    own_redis.stop()
    assert client.post(f"/admin/orders/{placed.number}/refunds", data=form).status_code == 302
    [(refund_id, _)] = _refunds(app)
    assert "Send again" not in client.get(f"/admin/orders/{placed.number}").get_data(as_text=True)  # not yet late
    _age_refunds(app, 16)
    own_redis.start()

    assert staff_post(client, f"/admin/refunds/{refund_id}/resend").status_code == 302
    assert Redis.from_url(own_redis.url).llen("rq:queue:aftersale") == 1
    worker = WorkerProcess(shop_env, queues="aftersale")
    try:
        assert _wait(lambda: _refunds(app) == [(refund_id, "succeeded")]), worker.log()[-3000:]
    finally:
        worker.stop()
    with app.app_context():
        actions = db.session.scalars(select(OrderEvent.action).where(OrderEvent.order_id == placed.order_id)).all()
        db.session.remove()
    assert "shop.order.refund_resent" in actions and "shop.order.refund_succeeded" in actions
