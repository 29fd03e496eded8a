"""New paid orders are told by the sweeper, not on the paid path: each order once to the members
told each time, and the day before's orders once a day, summed per currency, to those told daily."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.core.db import utcnow
from app.core.extensions import db
from app.core.models import Order
from delivery.notifications.paid import tell_digest, tell_paid_orders
from delivery.sweeper import sweep_all
from payments.registry import providers
from tests.delivery.notifications.staff import OWNER, TOLD, addressed, choose, team
from tests.mail import drain_now, mail_rows
from tests.shop import make_product, place, sandbox_webhook


def _pay(app, client, slug: str, amount: int, currency: str) -> int:
    placed = place(app, slug)
    headers, body = sandbox_webhook(app, placed.number, amount, currency=currency)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    return placed.order_id


def _sweep(app, sweep) -> str | int:
    with app.app_context():
        told = sweep(db.session)
        db.session.remove()
    return told


def test_each_paid_order_is_told_once_to_those_told_each_time(smtp, app, client):
    team(app, "order.paid")  # the owner's default leaves new paid orders out
    make_product(app)
    first, second = _pay(app, client, "card", 999, "USD"), _pay(app, client, "card", 999, "USD")
    assert not mail_rows(app, "event:order.paid:%")  # not on the paid path
    with app.app_context():  # the periodic sweeper's round tells them
        sweep_all(db.session, app.config["KEYSHOP"], providers())
        db.session.remove()
    assert set(mail_rows(app, "event:order.paid:%")) == {f"event:order.paid:{first}", f"event:order.paid:{second}"}
    assert _sweep(app, tell_paid_orders) == 0
    drain_now(app)
    assert set(mail_rows(app, "event:order.paid:%")) == {f"event:order.paid:{first}", f"event:order.paid:{second}"}
    assert addressed(smtp, "Paid: ") == [{TOLD}, {TOLD}]


def test_the_daily_digest_sums_each_currency_apart(smtp, app, client):
    team(app, "order.paid", "digest")
    choose(app, OWNER, "order.paid", "each")  # told each time, so not by the digest
    make_product(app, "card", price="9.99", currency="USD")
    make_product(app, "karte", price="5.00", currency="EUR")
    yesterday = [_pay(app, client, "card", 999, "USD"), _pay(app, client, "card", 999, "USD")]
    yesterday.append(_pay(app, client, "karte", 500, "EUR"))
    _pay(app, client, "karte", 500, "EUR")  # today's: in tomorrow's digest
    with app.app_context():
        when = utcnow().replace(hour=12) - timedelta(days=1)
        db.session.execute(update(Order).where(Order.id.in_(yesterday)).values(paid_at=when))
        db.session.commit()
        db.session.remove()
    assert _sweep(app, tell_digest) == "owed"
    assert _sweep(app, tell_digest) == ""
    drain_now(app)
    [digest] = [m for m in smtp.messages if str(m["Subject"]).startswith("Paid orders on")]
    assert str(digest["To"]) == TOLD and "3 order(s)" in digest.get_content()
    assert "$19.98 (2)" in digest.get_content() and "€5.00 (1)" in digest.get_content()
