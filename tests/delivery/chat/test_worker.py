"""The whole chat path with a real worker process: an event told and committed, the drain scheduled
as every teller does after its commit, and the worker's drain queues the channel's job, which sends."""

from __future__ import annotations

import time

from delivery.mail.pace import schedule_drain
from tests.delivery.chat.channels import add, receiver, statuses, told  # noqa: F401


def test_a_real_worker_sends_one_message(app, receiver, worker):
    add(app, receiver.apprise_url, ("batch.held", "order.awaiting_stock"))
    told(app, "order.awaiting_stock", "11", number="KS-11")
    told(app, "order.awaiting_stock", "12", number="KS-12")
    with app.app_context():
        assert schedule_drain()
    deadline = time.monotonic() + 30
    while not receiver.bodies() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)  # a second message, were there one, would come now
    assert receiver.bodies() == ["An order waits for stock (2): KS-11, KS-12"], worker.log()[-2000:]
    assert set(statuses(app).values()) == {"sent"}
