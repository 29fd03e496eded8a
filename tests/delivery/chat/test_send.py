"""The chat path through Apprise's generic JSON target to a loopback server: an event told arrives
once in its words; a burst is one message; a window holds the next; a server answering 500 is tried
again later and the message arrives once; a URL that cannot be read back is failed, not retried."""

from __future__ import annotations

from sqlalchemy import select, update

from app.core.extensions import db
from delivery.chat.models import ChatChannel
from delivery.notifications.paid import tell_paid_orders
from tests.delivery.chat.channels import add, receiver, run_job, statuses, time_passes, told  # noqa: F401
from tests.mail import mail_rows
from tests.shop import make_product, place, sandbox_webhook


def test_an_event_told_arrives_once_in_its_words(app, receiver):
    channel = add(app, receiver.apprise_url, ("order.awaiting_stock",))
    assert told(app, "order.awaiting_stock", "7", number="KS-7") == "owed"  # nobody reads mail: chat alone
    assert told(app, "order.awaiting_stock", "7", number="KS-7") == ""  # told once
    assert told(app, "refund.automatic", "7", number="KS-7") == ""  # not an event this channel receives
    assert not mail_rows(app, "event:%")
    assert run_job(app, channel) == "sent"
    assert run_job(app, channel) == "nothing"  # the job run twice sends nothing twice
    assert receiver.bodies() == ["An order waits for stock: KS-7"]
    assert receiver.messages[0]["title"] == "keyshop"
    assert statuses(app) == {"event:order.awaiting_stock:7": "sent"}


def _pay(app, client) -> str:
    placed = place(app, "card")
    headers, body = sandbox_webhook(app, placed.number, 999)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    return placed.number


def test_a_burst_of_paid_orders_is_one_message_and_the_window_holds_the_next(app, client, receiver):
    channel = add(app, receiver.apprise_url, ("order.paid", "stock.low"))
    make_product(app)
    numbers = [_pay(app, client) for _ in range(20)]
    with app.app_context():
        assert tell_paid_orders(db.session) == 20
        assert tell_paid_orders(db.session) == 0  # told once, though no mail was owed
        db.session.remove()
    assert run_job(app, channel) == "sent"
    [burst] = receiver.bodies()
    assert burst.startswith("20 new paid orders: " + ", ".join(numbers[:10]))
    assert burst.endswith("and 10 more (total $199.80)")
    told(app, "stock.low", "1:1", product="Card", left=4)
    assert run_job(app, channel) == "waiting"  # within the window of the last message
    assert len(receiver.bodies()) == 1
    time_passes(app, channel)
    assert run_job(app, channel) == "sent"
    assert receiver.bodies()[1] == "Low stock: Card (4)"


def test_a_server_answering_500_is_tried_again_and_the_message_arrives_once(app, receiver):
    channel = add(app, receiver.apprise_url, ("delivery.failed",))
    told(app, "delivery.failed", "9", number="KS-9", error="OperationalError")
    receiver.failing = True
    assert run_job(app, channel) == "retry"
    assert receiver.refused == 1 and statuses(app) == {"event:delivery.failed:9": "pending"}
    assert run_job(app, channel) == "nothing"  # its wait is not over
    receiver.failing = False
    time_passes(app, channel)
    assert run_job(app, channel) == "sent"
    time_passes(app, channel)
    assert run_job(app, channel) == "nothing"
    assert receiver.bodies() == ["A delivery failed: KS-9 (OperationalError)"]
    assert statuses(app) == {"event:delivery.failed:9": "sent"}


def test_a_url_that_cannot_be_read_back_fails_at_once(app, receiver):
    channel = add(app, receiver.apprise_url, ("mail.failed",))
    told(app, "mail.failed", "x", mail="order:1:delivered", error="refused")
    with app.app_context():  # sealed for another channel's row: moved, so it does not open
        sealed = db.session.scalar(select(ChatChannel.url_sealed).where(ChatChannel.id == channel))
        db.session.execute(update(ChatChannel).values(url_sealed=sealed.replace(sealed[-4:], "0000")))
        db.session.commit()
        db.session.remove()
    assert run_job(app, channel) == "failed"
    assert statuses(app) == {"event:mail.failed:x": "failed"} and receiver.bodies() == []


def test_a_disabled_channel_is_owed_nothing(app, receiver):
    channel = add(app, receiver.apprise_url, ("report.held",))
    with app.app_context():
        db.session.execute(update(ChatChannel).values(enabled=False))
        db.session.commit()
        db.session.remove()
    assert told(app, "report.held", "3", number="KS-3", reason="policy") == ""
    assert run_job(app, channel) == "off" and statuses(app) == {}
