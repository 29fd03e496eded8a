"""The merchant's webhooks, sent to a loopback server that verifies each signature with the
specification's library and each body against its schema: a paid order's events arrive once, in
order, without codes or the secret link; a 500 is tried again with the same webhook-id; one order's
later event waits for an earlier one still retrying, another order's does not; three days of
failures end as failed, and a replay sends the same message again; a rotation signs with both
secrets for a day; the sweeper takes back a message a dead sender left."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.core.db import utcnow, write_transaction
from app.core.webhook_models import WebhookEndpoint, WebhookMessage
from delivery.webhooks.history import delivery_log, replay_message, send_test_event
from delivery.webhooks.send import sweep_webhooks
from delivery.webhooks.signing_keys import rotate_secret
from tests.delivery.webhooks.endpoints import (  # noqa: F401
    OWNER,
    add,
    attempts,
    deliver,
    in_app,
    messages,
    paid_order,
    receiver,
    run_job,
    shop_with_stock,
    time_passes,
)
from tests.shop import make_product


def test_a_paid_order_arrives_paid_then_delivered_signed_and_without_its_codes(app, client, receiver):
    endpoint = add(app, receiver)
    codes = shop_with_stock(app)
    placed = paid_order(app, client)
    assert _queued(app, endpoint)  # the payment's commit queued the endpoint's job
    assert deliver(app, placed.order_id) == "delivered"
    assert run_job(app, endpoint) == "sent 2"
    assert run_job(app, endpoint) == "nothing"  # run twice, sends nothing twice
    assert receiver.types() == ["order.paid", "order.delivered"]
    assert receiver.problems == []
    paid = receiver.received[0].data
    assert paid == {
        "order_id": placed.order_id, "number": placed.number, "status": "paid", "product": "card",
        "quantity": 1, "amount_minor": 999, "currency": "USD",
    }  # fmt: skip
    raw = b"".join(message.raw for message in receiver.received)
    assert placed.token.encode() not in raw and not any(code.encode() in raw for code in codes)
    assert b"buyer@example.com" not in raw
    assert [status for *_, status, _ in messages(app)] == ["sent", "sent"]


def test_an_endpoint_receives_only_the_events_it_chose(app, client, receiver):
    endpoint = add(app, receiver, events=("order.delivered",))
    shop_with_stock(app)
    deliver(app, paid_order(app, client).order_id)
    run_job(app, endpoint)
    assert receiver.types() == ["order.delivered"]


def test_a_500_is_tried_again_later_with_the_same_webhook_id(app, client, receiver):
    endpoint = add(app, receiver, events=("order.paid",))
    make_product(app)
    paid_order(app, client)
    receiver.fail_next = 1
    assert run_job(app, endpoint) == "nothing"
    [(message, webhook_id, _event, status, tries)] = messages(app)
    assert (status, tries) == ("pending", 1)
    assert run_job(app, endpoint) == "nothing"  # not due yet: the wait is not slept through
    time_passes(app)
    assert run_job(app, endpoint) == "sent 1"
    assert [m.webhook_id for m in receiver.received] == [webhook_id]
    assert attempts(app) == [(message, 500, "down for the test"), (message, 200, '{"ok": true}')]
    log = in_app(app, lambda s: delivery_log(s, endpoint))
    assert [a.status_code for a in log[0].attempts] == [500, 200] and log[0].status == "sent"


def test_a_later_event_of_an_order_waits_for_an_earlier_one_still_retrying(app, client, receiver):
    endpoint = add(app, receiver, events=("order.paid", "order.delivered"))
    shop_with_stock(app)
    first, second = paid_order(app, client), paid_order(app, client)
    deliver(app, first.order_id)  # owed: first paid, second paid, first delivered
    receiver.fail_next = 1  # the first order's payment is refused once
    assert run_job(app, endpoint) == "sent 1"
    assert [(m.type, m.data["number"]) for m in receiver.received] == [("order.paid", second.number)]
    time_passes(app)
    assert run_job(app, endpoint) == "sent 2"
    assert [(m.type, m.data["number"]) for m in receiver.received[1:]] == [
        ("order.paid", first.number),
        ("order.delivered", first.number),
    ]


def test_three_days_of_failures_end_as_failed_and_a_replay_sends_it_again(app, client, receiver):
    endpoint = add(app, receiver, events=("order.paid",))
    make_product(app)
    paid_order(app, client)
    receiver.fail_always = True
    run_job(app, endpoint)
    time_passes(app, days=3)
    run_job(app, endpoint)
    [(message, webhook_id, _event, status, tries)] = messages(app)
    assert (status, tries) == ("failed", 2)
    time_passes(app)
    assert run_job(app, endpoint) == "nothing"  # failed is final until staff replay it
    receiver.fail_always = False
    assert in_app(app, lambda s: replay_message(s, OWNER, endpoint, message))
    assert run_job(app, endpoint) == "sent 1"
    assert in_app(app, lambda s: replay_message(s, OWNER, endpoint, message))  # a sent one, once more
    assert not in_app(app, lambda s: replay_message(s, OWNER, endpoint + 1, message))  # not that endpoint's
    run_job(app, endpoint)
    first, again = receiver.received
    assert first.webhook_id == again.webhook_id == webhook_id and first.raw == again.raw


def test_a_rotation_signs_with_both_secrets_for_a_day_then_the_new_one(app, receiver):
    endpoint = add(app, receiver)
    [old] = receiver.secrets
    new = in_app(app, lambda s: rotate_secret(s, app.extensions["keyshop.keyring"], OWNER, endpoint))
    assert new.startswith("whsec_") and new != old
    receiver.secrets.append(new)
    in_app(app, lambda s: send_test_event(s, OWNER, endpoint, "one"))
    run_job(app, endpoint)
    assert (receiver.received[0].verified_by, receiver.received[0].signatures) == ((old, new), 2)
    overlap_over = update(WebhookEndpoint).values(previous_until=utcnow() - timedelta(seconds=1))
    in_app(app, lambda s: (s.execute(overlap_over), s.commit()))
    in_app(app, lambda s: send_test_event(s, OWNER, endpoint, "two"))
    run_job(app, endpoint)
    assert (receiver.received[1].verified_by, receiver.received[1].signatures) == ((new,), 1)
    assert receiver.types() == ["webhook.test", "webhook.test"] and receiver.problems == []


def test_a_message_left_sending_by_a_dead_sender_is_sent_by_the_sweep(app, client, receiver):
    endpoint = add(app, receiver, events=("order.paid",))
    make_product(app)
    paid_order(app, client)
    stalled = update(WebhookMessage).values(status="sending", claimed_at=utcnow() - timedelta(hours=1))
    in_app(app, lambda s: (s.execute(stalled), s.commit()))
    assert run_job(app, endpoint) == "nothing"  # another sender holds it, as far as anyone can tell
    assert in_app(app, sweep_webhooks) == 1
    assert run_job(app, endpoint) == "sent 1"
    assert receiver.types() == ["order.paid"]


def test_a_disabled_endpoint_is_owed_nothing_and_drops_what_it_was_owed(app, client, receiver):
    from delivery.webhooks.endpoints import set_enabled

    endpoint = add(app, receiver, events=("order.paid",))
    make_product(app)
    paid_order(app, client)
    assert in_app(app, lambda s: set_enabled(s, OWNER, endpoint, False))
    paid_order(app, client)
    assert [status for *_, status, _ in messages(app)] == ["dropped"]
    assert run_job(app, endpoint) == "off"
    assert receiver.received == []


def test_a_rolled_back_change_owes_nothing(app, client, receiver):
    from app.core.webhook_outbox import owe_order_event

    endpoint = add(app, receiver, events=("order.paid",))
    make_product(app)
    placed = paid_order(app, client)
    run_job(app, endpoint)  # clears the hint the payment's commit left
    with app.app_context():
        from app.core.extensions import db

        try:
            with write_transaction(db.session):
                owe_order_event(db.session, "order.paid", placed.order_id, about="again")
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        db.session.remove()
    assert len(messages(app)) == 1
    assert not _queued(app, endpoint)  # nothing was queued for the change that rolled back


def _queued(app, endpoint: int) -> bool:
    return bool(app.extensions["keyshop.redis"].exists(f"keyshop:webhooks-queued:{endpoint}"))
