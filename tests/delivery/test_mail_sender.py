"""The shop's mail comes from the sender the owner set in the shop settings; buyers' answers go to
the support address."""

from __future__ import annotations

from email.utils import parseaddr

from app.core.audit import CLI
from app.core.extensions import db
from app.core.shop_settings import change_settings
from app.core.staff import create_staff
from delivery.mail.owners import owner_message
from tests.delivery.test_mail import _delivered_in_process, _drain


def _set(app, **values) -> None:
    with app.app_context():
        change_settings(db.session, CLI, values)
        db.session.remove()


def test_a_buyers_mail_comes_from_the_shop_and_answers_go_to_support(smtp, app, client):
    _set(
        app,
        shop_name="北极光 Keys",
        mail_sender_address="shop@nordlicht.example",
        support_address="help@nordlicht.example",
    )
    _delivered_in_process(app, client)
    assert _drain(app) == 1
    [message] = smtp.wait_for(1)
    assert parseaddr(str(message["From"])) == ("北极光 Keys", "shop@nordlicht.example")  # no sender name: the shop's
    assert str(message["Reply-To"]) == "help@nordlicht.example"


def test_the_owners_mail_comes_from_the_sender_name(app):
    _set(app, mail_sender_name="Nordlicht Alarm", shop_name="Nordlicht")
    with app.app_context():
        create_staff(db.session, "owner@example.com", "a long owner password")  # someone to address it to
        message = owner_message(db.session, None, "low_stock", "low-1", product="Card", left=1, base_url="http://x")
        db.session.remove()
    assert parseaddr(str(message["From"])) == ("Nordlicht Alarm", "no-reply@keyshop.local")
