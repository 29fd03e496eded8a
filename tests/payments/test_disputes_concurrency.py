"""Two owners press "Submit evidence" at the same moment, on PostgreSQL, while three real worker
processes also run the job several times at once: Stripe receives the evidence exactly once."""

from __future__ import annotations

import threading

import pytest
from rq import Queue
from sqlalchemy import func, select

from app.core.audit import AuditEntry
from app.core.extensions import db
from delivery.queues import enqueue_dispute_evidence
from tests.feedback.test_replacement_limits import _wait_idle, workers
from tests.payments.conftest import stripe_env
from tests.payments.disputes import owner_signs_in, paid_by_stripe, raise_stripe_dispute, wait_for_dispute
from tests.shop import csrf_from, in_app, make_product, stock, unique_codes

__all__ = ["workers"]  # the fixture: three `keyshop worker` processes on the aftersale queue

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])
EXTRA_RUNS = 3  # the job enqueued again beside the clicks' own, as a lost job sent again would be


@pytest.fixture
def shop_env(shop_env, fake_stripe):
    return {**shop_env, **stripe_env(fake_stripe)}


def _audited(app, action: str) -> int:
    return in_app(
        app, lambda: db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))
    )


def _click_at_once(app, dispute_id: int) -> list[int]:
    clients = [app.test_client() for _ in range(2)]
    for number, owner in enumerate(clients):
        owner_signs_in(app, owner, email=f"owner{number}@example.com")
    tokens = [csrf_from(owner, "/admin/") for owner in clients]
    start, answers = threading.Barrier(len(clients) + 1), []

    def click(owner, token):
        start.wait()
        answers.append(owner.post(f"/admin/disputes/{dispute_id}/submit", data={"csrf_token": token}).status_code)

    threads = [threading.Thread(target=click, args=pair) for pair in zip(clients, tokens)]
    for thread in threads:
        thread.start()
    start.wait()
    with app.app_context():
        for _ in range(EXTRA_RUNS):
            assert enqueue_dispute_evidence(dispute_id)
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_two_owners_at_once_and_jobs_run_at_once_submit_once(app, client, fake_stripe, workers):
    stock(app, make_product(app), unique_codes(1))
    order = paid_by_stripe(app, client, fake_stripe)
    dispute_id = raise_stripe_dispute(app, client, fake_stripe, order)
    _wait_idle(app, workers)
    fake_stripe.stall_next_after_work(1.0)  # the first call holds its claim a while: the other runs meet it

    assert _click_at_once(app, dispute_id) == [302, 302]
    assert wait_for_dispute(app, dispute_id, "submitted") == "submitted", [w.log()[-1500:] for w in workers]
    _wait_idle(app, workers)
    assert Queue("aftersale", connection=app.extensions["keyshop.redis"]).count == 0

    [reference] = fake_stripe.disputes  # called once (a second call, even with the same key, is one too many)
    assert [path for _, path, _ in fake_stripe.requests if "/disputes/" in path] == [f"/v1/disputes/{reference}"]
    assert [submitted for submitted, _ in fake_stripe.evidence_submissions] == [reference]
    assert _audited(app, "shop.dispute.evidence_requested") == 1
    assert _audited(app, "shop.dispute.evidence_submitted") == 1
    assert _audited(app, "shop.dispute.evidence_failed") == 0
