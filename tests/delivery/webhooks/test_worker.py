"""The whole path with a real worker process: a payment's commit queues the endpoint's job, the
worker sends, the merchant answers 500, the message waits; once its wait is over the sweep queues
the job again and the worker sends it, with the same webhook-id, then the order's delivery after it."""

from __future__ import annotations

import time

from delivery.webhooks.send import sweep_webhooks
from tests.delivery.webhooks.endpoints import add, in_app, messages, paid_order, receiver, shop_with_stock, time_passes  # noqa: F401


def _until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)


def test_a_real_worker_retries_after_a_500_and_keeps_the_order(app, client, receiver, worker):
    add(app, receiver, events=("order.paid", "order.delivered"))
    shop_with_stock(app)
    receiver.fail_next = 1
    paid_order(app, client)
    _until(lambda: receiver.refused == 1 and len(messages(app)) == 2)
    assert receiver.refused == 1, worker.log()[-2000:]
    time.sleep(0.5)  # the delivery's message, were it to overtake the payment's, would arrive now
    assert receiver.received == []
    time_passes(app)
    assert in_app(app, sweep_webhooks) == 1
    _until(lambda: len(receiver.received) == 2)
    assert receiver.types() == ["order.paid", "order.delivered"], worker.log()[-2000:]
    paid_id = messages(app)[0][1]
    assert receiver.received[0].webhook_id == paid_id and receiver.problems == []
