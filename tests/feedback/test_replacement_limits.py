"""The replacement limits hold with several workers deciding one buyer's reports at the same moment.

Issue 17, finding 3: limit 1, six orders by one buyer reported while three workers were busy gave
three replacements, one per worker. The count is now taken under the buyer's lock (app.limits.hold).
"""

from __future__ import annotations

import time

import pytest
from rq import Queue, Worker
from sqlalchemy import select

from app.core.extensions import db
from delivery.queues import enqueue
from feedback.models import CodeReport
from feedback.reports import report_code
from tests.feedback.aftersale import codes_of, delivered
from tests.processes import WorkerProcess
from tests.shop import make_product, set_product, stock, unique_codes

WORKERS, ROUNDS, ORDERS = 3, 3, 6


@pytest.fixture
def workers(shop_env, app):
    """Three real `keyshop worker` processes on the aftersale queue only, started before any job."""
    processes = [WorkerProcess(shop_env, queues="aftersale") for _ in range(WORKERS)]
    try:
        yield processes
    finally:
        for process in processes:
            process.stop()


def _wait_idle(app, processes, seconds: float = 30) -> None:
    """Until every worker is up and blocked waiting for a job, so a burst reaches all of them at once."""
    connection = app.extensions["keyshop.redis"]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        idle = [w for w in Worker.all(connection=connection) if w.get_state() == "idle"]
        if len(idle) >= WORKERS:
            return
        time.sleep(0.1)
    raise AssertionError("workers did not start:\n" + "\n".join(p.log()[-1500:] for p in processes))


def _report_quietly(app, pairs) -> list[int]:
    """Record the reports, then drop their jobs: the burst below enqueues them all at one moment."""
    with app.app_context():
        report_ids = [report_code(db.session, order_id, code_id, "invalid") for order_id, code_id in pairs]
        db.session.remove()
    Queue("aftersale", connection=app.extensions["keyshop.redis"]).empty()
    return report_ids


def _burst_and_wait(app, report_ids, processes, seconds: float = 60) -> dict[int, tuple[str, str]]:
    with app.app_context():
        for report_id in report_ids:
            assert enqueue("aftersale", "feedback.jobs.decide_report", report_id)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            rows = {
                r.id: (r.status, r.held_because)
                for r in db.session.scalars(select(CodeReport).where(CodeReport.id.in_(report_ids))).all()
            }
            db.session.rollback()
            if all(status != "open" or held for status, held in rows.values()):
                break
            time.sleep(0.1)
        db.session.remove()
    assert all(s != "open" or h for s, h in rows.values()), [p.log()[-1500:] for p in processes]
    return rows


@pytest.mark.parametrize("aliases", [False, True], ids=["one address", "aliases of one mailbox"])
def test_one_buyers_limit_holds_with_three_workers_deciding_at_once(app, client, workers, aliases):
    product_id = make_product(app, "card")
    set_product(app, product_id, replacement_limit=1)
    _wait_idle(app, workers)
    for round_ in range(ROUNDS):
        stock(app, product_id, unique_codes(ORDERS), name=f"sold {round_}")
        emails = [f"buyer{round_}" + (f"+{n}" if aliases else "") + "@example.com" for n in range(ORDERS)]
        orders = [delivered(app, client, email=email.upper() if n % 2 else email) for n, email in enumerate(emails)]
        stock(app, product_id, unique_codes(ORDERS), name=f"spare {round_}")  # the sold batch may be held
        report_ids = _report_quietly(app, [(p.order_id, codes_of(app, p.order_id)[0][0]) for p in orders])
        outcomes = _burst_and_wait(app, report_ids, workers)

        replaced = [rid for rid, (status, _) in outcomes.items() if status == "replaced"]
        assert len(replaced) == 1, f"round {round_}: {len(replaced)} replacements for limit 1: {outcomes}"
        held = [why for status, why in outcomes.values() if status == "open"]
        assert len(held) == ORDERS - 1 and all("(limit 1)" in why for why in held), outcomes


def test_one_orders_cap_holds_with_three_workers_deciding_at_once(app, client, workers):
    """No more replacements than codes bought: an order of two with one replacement already, and its
    two working codes reported together, gets one more replacement, not two."""
    product_id = make_product(app, "card")
    set_product(app, product_id, replacement_limit=100)
    _wait_idle(app, workers)
    for round_ in range(ROUNDS):
        stock(app, product_id, unique_codes(2), name=f"sold {round_}")
        placed = delivered(app, client, quantity=2, email=f"pair{round_}@example.com")
        stock(app, product_id, unique_codes(4), name=f"spare {round_}")
        first, second = (code_id for code_id, _ in codes_of(app, placed.order_id))
        _burst_and_wait(app, _report_quietly(app, [(placed.order_id, first)]), workers)
        replacement = codes_of(app, placed.order_id)[-1][0]
        pair = _report_quietly(app, [(placed.order_id, second), (placed.order_id, replacement)])
        outcomes = _burst_and_wait(app, pair, workers)

        states = sorted(status for status, _ in outcomes.values())
        assert states == ["open", "replaced"], f"round {round_}: {outcomes}"
        assert any("as many as codes bought" in why for _, why in outcomes.values())
