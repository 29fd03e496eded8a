"""The sweeper checks the books, tells the owners once per new breach, and /healthz shows the result."""

from __future__ import annotations

from sqlalchemy import update

from app.core.extensions import db
from app.core.staff import create_staff
from delivery.fulfil import fulfil
from delivery.ledger.alarm import LOCK
from delivery.periodic import PeriodicSweep
from keystore.models import Code
from tests.mail import drain_now
from tests.shop import make_product, pay_orders, stock, unique_codes


def _sweep(app):
    app.extensions["keyshop.redis"].delete(LOCK, "keyshop:sweeper")
    return PeriodicSweep(app, ledger_every=300).sweep_once()


def _alarms(smtp) -> list:
    """The owners' mail among the buyers' (each broken order was delivered, and mailed, first)."""
    return [message for message in smtp.messages if message["To"] == "owner@example.com"]


def _break_one_order(app, client, count=1) -> None:
    order_ids = pay_orders(app, client, count)
    with app.app_context():
        for order_id in order_ids:
            assert fulfil(db.session, order_id) == "delivered"
            db.session.execute(update(Code).where(Code.order_id == order_id).values(status="available"))
        db.session.commit()
        db.session.remove()


def test_owners_hear_of_each_new_breach_once_and_healthz_shows_it(smtp, app, client):
    with app.app_context():
        create_staff(db.session, "owner@example.com", "a long owner password")
        db.session.remove()
    stock(app, make_product(app, "card"), unique_codes(10))
    _sweep(app)
    assert client.get("/healthz").get_json()["ledger"]["status"] == "ok"

    _break_one_order(app, client)
    _sweep(app)
    drain_now(app)  # the alarm is owed in the mail log and sent by the drain, like every mail
    [alarm] = _alarms(smtp)
    assert "code_state_and_owner" in alarm.get_content()
    ledger = client.get("/healthz").get_json()["ledger"]
    assert (ledger["status"], ledger["breaches"], ledger["invariants"]) == ("broken", 1, ["code_state_and_owner"])

    _sweep(app)  # the same broken books: no second mail
    _break_one_order(app, client)
    _sweep(app)  # a new breach: told again
    drain_now(app)
    assert len(_alarms(smtp)) == 2
    assert client.get("/healthz").get_json()["ledger"]["breaches"] == 2


def test_one_check_per_interval_whichever_worker_sweeps(app, client):
    stock(app, make_product(app, "card"), unique_codes(1))
    redis = app.extensions["keyshop.redis"]
    _sweep(app)
    checked = redis.get("keyshop:ledger")
    redis.delete("keyshop:sweeper")
    _break_one_order(app, client)
    PeriodicSweep(app, ledger_every=300).sweep_once()  # another worker, within the interval
    assert redis.get("keyshop:ledger") == checked


def test_a_check_that_takes_long_spaces_the_next_out():
    """A grown shop's check (whole tables read) never costs more than a hundredth of a core."""
    from delivery.ledger.alarm import next_check_in

    assert next_check_in(0.4, 300) == 300  # a small shop: every five minutes
    assert next_check_in(9.0, 300) == 900  # nine seconds of reading: the next in fifteen minutes
    assert next_check_in(9.0, 1) == 900
