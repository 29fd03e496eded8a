"""Refunds asked for by the merchant's script: through the staff's own request_refund, under the
script's key, so a request sent twice refunds once at the provider."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from app.core.api_tokens import create_token
from app.core.audit import CLI, AuditEntry
from app.core.extensions import db
from app.core.shop_settings import change_setting
from payments.models import Refund
from tests.payments.conftest import stripe_env
from tests.payments.test_refunds import _paid_sandbox_order, _paid_stripe_order
from tests.shop import order_status


@pytest.fixture
def shop_env(shop_env, fake_stripe):
    return {**shop_env, **stripe_env(fake_stripe)}


def _token(app, *scopes) -> dict:
    with app.app_context():
        secret = create_token(db.session, "refund-bot", list(scopes), created_by="cli")
        db.session.remove()
    return {"Authorization": f"Bearer {secret}"}


def _ask(client, headers, number: str, **body):
    return client.post(f"/api/v1/merchant/orders/{number}/refunds", json=body, headers=headers)


def _number(app, order_id: int) -> str:
    from app.core.models import Order

    with app.app_context():
        number = db.session.get(Order, order_id).number
        db.session.remove()
    return number


def _refunds(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Refund))
        db.session.remove()
    return count


def test_a_request_sent_twice_refunds_once(app, client, fake_stripe, worker):
    order_id, number = _paid_stripe_order(app, client, fake_stripe)
    headers = _token(app, "refunds")
    first = _ask(client, headers, number, amount_minor=1000, idempotency_key="bot-refund-0001", reason="fraud")
    again = _ask(client, headers, number, amount_minor=1000, idempotency_key="bot-refund-0001", reason="fraud")
    assert (first.status_code, again.status_code) == (201, 200) and first.json["id"] == again.json["id"]
    assert first.json["status"] == "requested" and _refunds(app) == 1
    status = _wait_for_refund(client, headers, first.json["id"], "succeeded")
    assert status["settled_at"] and [r["amount"] for r in fake_stripe.refunds.values()] == [1000]
    assert order_status(app, order_id) == "refunded" and _audited(app) == ["api:refund-bot"]


def _wait_for_refund(client, headers, refund_id: int, wanted: str, seconds: float = 15) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = client.get(f"/api/v1/merchant/refunds/{refund_id}", headers=headers).json
        if body["status"] == wanted:
            return body
        time.sleep(0.05)
    raise AssertionError(f"refund {refund_id} is {body['status']}, not {wanted}")


def _audited(app) -> list[str]:
    with app.app_context():
        actors = db.session.scalars(select(AuditEntry.actor).where(AuditEntry.action == "payments.refund.requested"))
        found = list(actors)
        db.session.remove()
    return found


def test_the_same_request_sent_at_once_from_four_connections_makes_one_refund(app, client):
    number = _number(app, _paid_sandbox_order(app, client))
    headers, answers, start = _token(app, "refunds"), [], threading.Barrier(4)

    def send():
        start.wait()
        answer = _ask(app.test_client(), headers, number, amount_minor=400, idempotency_key="bot-refund-race")
        answers.append((answer.status_code, answer.json["id"]))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(status for status, _ in answers) == [200, 200, 200, 201]
    assert len({refund_id for _, refund_id in answers}) == 1 and _refunds(app) == 1


def test_a_key_used_for_another_amount_is_a_conflict(app, client):
    number = _number(app, _paid_sandbox_order(app, client))
    headers = _token(app, "refunds")
    assert _ask(client, headers, number, amount_minor=300, idempotency_key="bot-refund-0002").status_code == 201
    conflict = _ask(client, headers, number, amount_minor=400, idempotency_key="bot-refund-0002")
    assert conflict.status_code == 409 and conflict.json["error"]["field"] == "idempotency_key"
    assert _refunds(app) == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"amount_minor": 1001, "idempotency_key": "bot-refund-0003"}, "amount_minor"),  # more than was paid
        ({"amount_minor": "10.00", "idempotency_key": "bot-refund-0003"}, "amount_minor"),
        ({"amount_minor": True, "idempotency_key": "bot-refund-0003"}, "amount_minor"),
        ({"amount_minor": 0, "idempotency_key": "bot-refund-0003"}, "amount_minor"),
        ({"amount_minor": 100}, "idempotency_key"),
        ({"amount_minor": 100, "idempotency_key": "short"}, "idempotency_key"),
        ({"amount_minor": 100, "idempotency_key": "bot-refund-0003", "reason": ["x"]}, "reason"),
    ],
)
def test_a_wrong_field_is_named_and_nothing_is_refunded(app, client, body, field):
    number = _number(app, _paid_sandbox_order(app, client))
    answer = client.post(f"/api/v1/merchant/orders/{number}/refunds", json=body, headers=_token(app, "refunds"))
    assert answer.status_code == 422 and answer.json["error"]["field"] == field
    assert _refunds(app) == 0


def test_the_script_refunds_within_the_agents_limit(app, client):
    number = _number(app, _paid_sandbox_order(app, client))
    with app.app_context():
        change_setting(db.session, CLI, "agent_refund_limit_minor", "500")
        db.session.remove()
    answer = _ask(client, _token(app, "refunds"), number, amount_minor=600, idempotency_key="bot-refund-0004")
    assert answer.status_code == 422 and "agent" in answer.json["error"]["message"] and _refunds(app) == 0


def test_refunds_need_the_refunds_scope_and_a_real_order(app, client):
    number = _number(app, _paid_sandbox_order(app, client))
    body = {"amount_minor": 100, "idempotency_key": "bot-refund-0005"}
    assert client.post(f"/api/v1/merchant/orders/{number}/refunds", json=body).status_code == 401
    assert _ask(client, _token(app, "orders"), number, **body).status_code == 403
    assert _ask(client, _token(app, "refunds"), "KS-NOSUCH00", **body).status_code == 404
    assert client.get("/api/v1/merchant/refunds/1", headers=_token(app, "refunds")).status_code == 404
    assert _refunds(app) == 0
