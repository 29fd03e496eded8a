"""After-sale never waits behind a rush of sales: a worker takes the after-sale queue first, so a
report made while deliveries are queued is replaced before them."""

from __future__ import annotations

from sqlalchemy import func, select

from app.cli.run import worker as worker_command
from app.core.extensions import db
from app.core.models import OrderEvent
from delivery.queues import QUEUES
from tests.feedback.aftersale import codes_of, delivered, report_via_page, wait_for_report
from tests.processes import WorkerProcess
from tests.shop import make_product, place, sandbox_webhook, stock, unique_codes

BACKLOG = 30


def test_the_worker_takes_after_sale_first_and_the_command_says_so():
    assert QUEUES[0] == "aftersale"
    [queues] = [option.default for option in worker_command.params if option.name == "queues"]
    assert tuple(queues.split(",")) == QUEUES


def test_a_report_made_behind_a_backlog_of_paid_orders_is_replaced_before_them(app, client, shop_env):
    product_id = make_product(app, "card")
    stock(app, product_id, unique_codes(BACKLOG + 2))
    reported = delivered(app, client)  # in-process: no worker runs yet
    waiting = [_paid(app, client) for _ in range(BACKLOG)]  # each queued for delivery
    [(code_id, _)] = codes_of(app, reported.order_id)
    assert report_via_page(client, reported.token, code_id).status_code == 303  # queued after them
    process = WorkerProcess(shop_env)
    try:
        report = wait_for_report(app, code_id, lambda r: r.status != "open", seconds=60)
        assert report.status == "replaced", process.log()[-2000:]
        replaced_at, delivered_first = _replacement_and_first_delivery(app, reported.order_id, waiting)
        assert delivered_first is None or replaced_at < delivered_first
    finally:
        process.stop()


def _paid(app, client) -> int:
    placed = place(app, "card")
    headers, body = sandbox_webhook(app, placed.number, 999)
    assert client.post("/webhooks/sandbox", data=body, headers=headers).status_code == 200
    return placed.order_id


def _replacement_and_first_delivery(app, reported_id: int, waiting: list[int]) -> tuple[int, int | None]:
    """The event ids (the order things happened in) of the replacement and of the first delivery after it."""
    with app.app_context():
        replaced = db.session.scalar(
            select(OrderEvent.id).where(
                OrderEvent.order_id == reported_id, OrderEvent.action == "shop.order.code_replaced"
            )
        )
        first = db.session.scalar(
            select(func.min(OrderEvent.id)).where(
                OrderEvent.order_id.in_(waiting), OrderEvent.action == "shop.order.delivered"
            )
        )
        db.session.remove()
    return replaced, first
