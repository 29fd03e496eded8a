"""Two sender jobs of one endpoint at once (a job queued twice, a sweep racing the commit's job):
each message is claimed by one of them, so the merchant receives every webhook-id exactly once,
and one order's messages still in the order they were owed."""

from __future__ import annotations

import threading
from collections import Counter

from app.core.db import write_transaction
from app.core.extensions import db
from app.core.webhook_outbox import owe_order_event, owe_to
from tests.delivery.webhooks.endpoints import add, messages, receiver, run_job  # noqa: F401
from tests.shop import make_product, place

MESSAGES = 40


def _owe_many(app, endpoint: int, order_ids: list[int]) -> None:
    with app.app_context():
        with write_transaction(db.session):
            for n in range(MESSAGES // 2):
                owe_to(db.session, endpoint, "webhook.test", str(n), {"endpoint_id": endpoint}, None)
            for order_id in order_ids:  # two events of each order: their order must hold
                owe_order_event(db.session, "order.paid", order_id)
                owe_order_event(db.session, "order.delivered", order_id)
        db.session.remove()


def _two_senders(app, endpoint: int) -> list[str]:
    start, outcomes = threading.Barrier(2), []

    def sender():
        start.wait()
        outcomes.append(run_job(app, endpoint))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_two_senders_at_once_send_each_message_once(app, receiver):
    endpoint = add(app, receiver, events=("order.paid", "order.delivered"))
    make_product(app)
    order_ids = [place(app).order_id for _ in range(MESSAGES // 4)]
    _owe_many(app, endpoint, order_ids)
    receiver.delay = 0.02  # the senders overlap for the whole run, not only at its start
    outcomes = _two_senders(app, endpoint)
    assert sorted(outcome.split()[0] for outcome in outcomes) == ["sent", "sent"], outcomes  # both took a share
    counts = Counter(message.webhook_id for message in receiver.received)
    assert len(counts) == MESSAGES and set(counts.values()) == {1}
    assert {status for *_, status, _ in messages(app)} == {"sent"}
    for order_id in order_ids:
        told = [m.type for m in receiver.received if m.data.get("order_id") == order_id]
        assert told == ["order.paid", "order.delivered"]
